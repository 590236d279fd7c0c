//! Statement batches on both databases: values come back exactly as written, each statement
//! reports its own row count, a failing statement is an error, and text the database cannot
//! take inline still gets written.

use yagona_db::{Batch, Db, Value};

/// Text that would break naive quoting.
const AWKWARD: &[&str] = &[
    "O'Zbekiston",
    r"C:\yo'l\n",
    "''; DROP TABLE t; --",
    "line\nbreak\ttab",
    "Oʻzbekiston — Ўзбекистон $1 $2",
    "\\'",
    "",
];

async fn exercise(db: &Db) {
    let mut conn = db.writer.acquire().await.unwrap();
    sqlx::query("CREATE TABLE batch_t (id BIGINT PRIMARY KEY, body TEXT, n BIGINT)")
        .execute(&mut *conn)
        .await
        .unwrap();
    let mut b = Batch::new();
    for (i, text) in AWKWARD.iter().enumerate() {
        b.push(
            "INSERT INTO batch_t (id, body, n) VALUES ($1, $2, $3)",
            vec![
                Value::Int(i as i64),
                Value::from(*text),
                Value::from(None::<i64>),
            ],
        );
    }
    b.push(
        "UPDATE batch_t SET n = $1 WHERE id < $2",
        vec![Value::Int(-7), Value::Int(3)],
    );
    b.push("DELETE FROM batch_t WHERE id = $1", vec![Value::Int(99)]);
    let counts = b.run(db.backend, &mut conn).await.unwrap();
    let mut expected = vec![1; AWKWARD.len()];
    expected.extend([3, 0]);
    assert_eq!(counts, expected);
    let rows: Vec<(i64, String, Option<i64>)> =
        sqlx::query_as("SELECT id, body, n FROM batch_t ORDER BY id")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    for (id, body, n) in rows {
        assert_eq!(body, AWKWARD[id as usize]);
        assert_eq!(n, (id < 3).then_some(-7));
    }

    // NUL cannot be inside SQL text: the batch binds its values instead.
    let mut b = Batch::new();
    b.push(
        "INSERT INTO batch_t (id, body, n) VALUES ($1, $2, $3)",
        vec![Value::Int(50), Value::from("a\0b"), Value::Int(1)],
    );
    b.push(
        "UPDATE batch_t SET n = n + 1 WHERE id = $1",
        vec![Value::Int(50)],
    );
    match b.run(db.backend, &mut conn).await {
        Ok(counts) => {
            assert_eq!(counts, vec![1, 1]);
            let (body, n): (String, i64) =
                sqlx::query_as("SELECT body, n FROM batch_t WHERE id = 50")
                    .fetch_one(&mut *conn)
                    .await
                    .unwrap();
            assert_eq!((body.as_str(), n), ("a\0b", 2));
        }
        // PostgreSQL refuses NUL in text whichever way it comes: an error, nothing written.
        Err(e) => {
            assert_eq!(db.backend, yagona_db::Backend::Postgres, "{e}");
        }
    }

    // A failing statement is an error (a duplicate key here).
    let mut b = Batch::new();
    b.push(
        "INSERT INTO batch_t (id, body, n) VALUES ($1, $2, $3)",
        vec![Value::Int(0), Value::from("again"), Value::NullInt],
    );
    assert!(b.run(db.backend, &mut conn).await.is_err());
    // A placeholder without a value is an error, not a guess.
    let mut b = Batch::new();
    b.push("DELETE FROM batch_t WHERE id = $2", vec![Value::Int(1)]);
    assert!(b.run(db.backend, &mut conn).await.is_err());
    sqlx::query("DROP TABLE batch_t")
        .execute(&mut *conn)
        .await
        .unwrap();
}

#[tokio::test]
async fn batches_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::connect(&Db::sqlite_url_in(dir.path())).await.unwrap();
    exercise(&db).await;
}

#[tokio::test]
async fn batches_on_postgres() {
    yagona_db::testing::on_postgres("batch", |db| async move {
        exercise(&db).await;
    })
    .await;
}
