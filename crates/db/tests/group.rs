//! Group commit: writers that share a commit each get exactly their own outcome — committed
//! work is there once, failed work is not there, and a neighbour's failure costs a retry, not
//! a loss.

use std::sync::Arc;
use yagona_db::{Db, Outcome};

async fn table(db: &Db) {
    sqlx::query("CREATE TABLE group_t (writer BIGINT NOT NULL, attempt BIGINT NOT NULL)")
        .execute(&db.writer)
        .await
        .unwrap();
}

/// Writer `n` inserts its row; every seventh then fails (its own work is bad).
async fn writer(db: Arc<Db>, n: i64) -> (Outcome, usize) {
    let mut retries = 0;
    loop {
        let mut slot = db.join_group().await.unwrap();
        sqlx::query("INSERT INTO group_t (writer, attempt) VALUES ($1, $2)")
            .bind(n)
            .bind(retries as i64)
            .execute(&mut **slot.tx())
            .await
            .unwrap();
        let ok = if n % 7 == 0 {
            // A statement that fails, as a constraint or a lost revision would.
            sqlx::query("INSERT INTO no_such_table VALUES (1)")
                .execute(&mut **slot.tx())
                .await
                .is_ok()
        } else {
            true
        };
        match slot.finish(ok).await.unwrap() {
            Outcome::Retry => retries += 1,
            outcome => return (outcome, retries),
        }
    }
}

async fn many_writers(db: Db) {
    table(&db).await;
    let db = Arc::new(db);
    let tasks: Vec<_> = (1..=120)
        .map(|n| tokio::spawn(writer(db.clone(), n)))
        .collect();
    let mut retried = 0;
    for (i, t) in tasks.into_iter().enumerate() {
        let n = i as i64 + 1;
        let (outcome, retries) = t.await.unwrap();
        retried += retries;
        let expected = if n % 7 == 0 {
            Outcome::RolledBack
        } else {
            Outcome::Committed
        };
        assert_eq!(outcome, expected, "writer {n}");
    }
    let rows: Vec<(i64, i64)> =
        sqlx::query_as("SELECT writer, COUNT(*) FROM group_t GROUP BY writer ORDER BY writer")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let expected: Vec<(i64, i64)> = (1..=120).filter(|n| n % 7 != 0).map(|n| (n, 1)).collect();
    assert_eq!(
        rows, expected,
        "each successful writer's row once, no failed one's"
    );
    println!("{retried} retries after a neighbour failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_sharing_commits_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    many_writers(Db::connect(&Db::sqlite_url_in(dir.path())).await.unwrap()).await;
}

/// A writer abandoned halfway (its request cancelled) takes its group down with it; the other
/// members redo their work, and the next writer finds the database free.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_writer_loses_nobody_elses_work() {
    let dir = tempfile::tempdir().unwrap();
    let db = Arc::new(Db::connect(&Db::sqlite_url_in(dir.path())).await.unwrap());
    table(&db).await;
    let first = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut slot = db.join_group().await.unwrap();
            sqlx::query("INSERT INTO group_t (writer, attempt) VALUES (1, 0)")
                .execute(&mut **slot.tx())
                .await
                .unwrap();
            // Someone else is queued: this member waits for the group's outcome.
            slot.finish(true).await.unwrap()
        })
    };
    // The second writer joins the same group, writes, and is abandoned.
    let mut second = db.join_group().await.unwrap();
    sqlx::query("INSERT INTO group_t (writer, attempt) VALUES (2, 0)")
        .execute(&mut **second.tx())
        .await
        .unwrap();
    drop(second);
    let outcome = first.await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM group_t")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    match outcome {
        // The first writer committed alone before the second joined.
        Outcome::Committed => assert_eq!(rows, 1),
        // It shared the second's group: nothing of either is there, and it is told to retry.
        Outcome::Retry => assert_eq!(rows, 0),
        Outcome::RolledBack => panic!("the first writer's own work did not fail"),
    }
    let mut slot = db.join_group().await.unwrap();
    sqlx::query("INSERT INTO group_t (writer, attempt) VALUES (3, 0)")
        .execute(&mut **slot.tx())
        .await
        .unwrap();
    assert_eq!(slot.finish(true).await.unwrap(), Outcome::Committed);
}

#[tokio::test]
async fn writers_with_transactions_of_their_own_on_postgres() {
    yagona_db::testing::on_postgres("group", |db| async move {
        many_writers(db).await;
    })
    .await;
}
