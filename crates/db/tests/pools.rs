//! Writers never wait for connections that writers hold. A write transaction that reads
//! something on the side (a process definition, a decision, a published form) must get a
//! reader connection even when every writer connection is taken, or under load every writer
//! waits for every other one until the pool gives up ("pool timed out"), as filing did with 50
//! clients on PostgreSQL when readers and writers shared one pool.

use yagona_db::Db;

async fn a_read_beside_every_writer(db: Db) {
    sqlx::query("CREATE TABLE pools_t (n BIGINT NOT NULL)")
        .execute(&db.writer)
        .await
        .unwrap();
    sqlx::query("INSERT INTO pools_t (n) VALUES (1)")
        .execute(&db.writer)
        .await
        .unwrap();
    // Every writer connection in an open transaction that has written.
    let writers = db.writer.options().get_max_connections();
    let mut open = Vec::new();
    for _ in 0..writers {
        let mut tx = db.writer.begin().await.unwrap();
        sqlx::query("INSERT INTO pools_t (n) VALUES (2)")
            .execute(&mut *tx)
            .await
            .unwrap();
        open.push(tx);
        if db.backend == yagona_db::Backend::Sqlite {
            // One writer at a time there: the rest would queue behind this one.
            break;
        }
    }
    // A read on the side still gets a connection (with one pool it waits until timed out).
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM pools_t")
        .fetch_one(&db.pool)
        .await
        .expect("a reader connection while every writer is busy");
    assert_eq!(n, 1, "only what was committed is read");
    for tx in open {
        tx.rollback().await.unwrap();
    }
}

#[tokio::test]
async fn a_writer_can_read_on_the_side_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    a_read_beside_every_writer(Db::connect(&Db::sqlite_url_in(dir.path())).await.unwrap()).await;
}

#[tokio::test]
async fn a_writer_can_read_on_the_side_on_postgres() {
    yagona_db::testing::on_postgres("pools", a_read_beside_every_writer).await;
}
