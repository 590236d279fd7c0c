//! The message log in the database: entries appended in one chain, whatever the number of nodes,
//! and verified page by page.
//!
//! Appending takes the chain's head row (`exchange_log_head`) with an update, so concurrent
//! appenders — threads, or nodes sharing one PostgreSQL — queue there and each entry follows
//! exactly one predecessor. The entry and the new head are written in the same transaction.

use crate::evidence::{self, Broken, Entry};
use ed25519_dalek::VerifyingKey;
use sqlx::Row;
use yagona_db::{Db, DbError, Migration};

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "message log",
        sql: "CREATE TABLE exchange_log (
              seq BIGINT PRIMARY KEY,
              at TEXT NOT NULL,
              kind TEXT NOT NULL,
              request_id TEXT NOT NULL,
              message_id TEXT NOT NULL,
              client TEXT NOT NULL,
              service TEXT NOT NULL,
              method TEXT NOT NULL,
              path TEXT NOT NULL,
              status BIGINT,
              user_id TEXT,
              issue TEXT,
              body_sha512 TEXT NOT NULL,
              body_size BIGINT NOT NULL,
              body TEXT,
              signer TEXT NOT NULL,
              signature TEXT NOT NULL,
              prev TEXT NOT NULL,
              hash TEXT NOT NULL
          );
          CREATE INDEX exchange_log_by_request ON exchange_log (request_id);
          CREATE INDEX exchange_log_by_issue ON exchange_log (issue);
          CREATE TABLE exchange_log_head (
              id BIGINT PRIMARY KEY,
              seq BIGINT NOT NULL,
              hash TEXT NOT NULL
          );
          INSERT INTO exchange_log_head (id, seq, hash) VALUES (1, 0, '');",
    },
    Migration {
        version: 2,
        name: "subsystem keys",
        sql: "CREATE TABLE exchange_keys (
              subsystem TEXT NOT NULL,
              public_key TEXT NOT NULL,
              created_at TEXT NOT NULL,
              PRIMARY KEY (subsystem, public_key)
          );",
    },
    Migration {
        version: 3,
        name: "log archives",
        sql: "CREATE TABLE exchange_log_archives (
              last_seq BIGINT PRIMARY KEY,
              last_hash TEXT NOT NULL,
              first_seq BIGINT NOT NULL,
              file TEXT NOT NULL,
              archived_at TEXT NOT NULL
          );",
    },
    Migration {
        version: 4,
        name: "key revocation",
        sql: "ALTER TABLE exchange_keys ADD COLUMN source TEXT NOT NULL DEFAULT 'keygen';
              ALTER TABLE exchange_keys ADD COLUMN revoked_at TEXT;",
    },
];

pub async fn migrate(db: &Db) -> Result<(), DbError> {
    db.migrate("exchange", MIGRATIONS).await
}

const COLUMNS: &str = "seq, at, kind, request_id, message_id, client, service, method, path, status, user_id, issue, body_sha512, body_size, body, signer, signature, prev, hash";

/// Appends a signed entry: gives it its sequence number and predecessor, seals it, stores it.
pub async fn append(db: &Db, entry: Entry) -> Result<Entry, DbError> {
    let mut all = append_all(db, vec![entry]).await?;
    Ok(all.pop().expect("one in, one out"))
}

/// Appends entries in order, in one transaction.
pub async fn append_all(db: &Db, mut entries: Vec<Entry>) -> Result<Vec<Entry>, DbError> {
    if entries.is_empty() {
        return Ok(entries);
    }
    let n = entries.len() as i64;
    let mut tx = db.writer.begin().await?;
    // The update takes the head (a row lock on PostgreSQL, the write lock on SQLite) until commit.
    let head =
        sqlx::query("UPDATE exchange_log_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
            .bind(n)
            .fetch_one(&mut *tx)
            .await?;
    let last: i64 = head.try_get(0)?;
    let mut prev: String = head.try_get(1)?;
    for (seq, entry) in ((last - n) as u64..).zip(entries.iter_mut()) {
        if seq == 0 {
            entry.chain_after(None);
        } else {
            entry.chain_after(Some((seq, &prev)));
        }
        prev = entry.hash.clone();
    }
    // Many rows per statement: one statement per entry is what makes a busy log slow.
    for chunk in entries.chunks(ROWS_PER_INSERT) {
        let mut sql = format!("INSERT INTO exchange_log ({COLUMNS}) VALUES ");
        for r in 0..chunk.len() {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..19 {
                if c > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", r * 19 + c + 1));
            }
            sql.push(')');
        }
        let mut q = sqlx::query(&sql);
        for entry in chunk {
            q = q
                .bind(entry.seq as i64)
                .bind(&entry.at)
                .bind(&entry.kind)
                .bind(&entry.request_id)
                .bind(&entry.message_id)
                .bind(&entry.client)
                .bind(&entry.service)
                .bind(&entry.method)
                .bind(&entry.path)
                .bind(entry.status.map(i64::from))
                .bind(&entry.user_id)
                .bind(&entry.issue)
                .bind(&entry.body_sha512)
                .bind(entry.body_size as i64)
                .bind(&entry.body)
                .bind(&entry.signer)
                .bind(&entry.signature)
                .bind(&entry.prev)
                .bind(&entry.hash);
        }
        q.execute(&mut *tx).await?;
    }
    sqlx::query("UPDATE exchange_log_head SET hash = $1 WHERE id = 1")
        .bind(&prev)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(entries)
}

/// Rows in one INSERT (19 values each: well under SQLite's and PostgreSQL's limits).
const ROWS_PER_INSERT: usize = 8;

type Waiting = (Vec<Entry>, tokio::sync::oneshot::Sender<Result<(), String>>);

/// Writes entries from any number of callers in shared transactions: whoever arrives while a
/// write is under way goes into the next one. A caller is answered only once its entries are
/// committed, so an answer that went out always has its evidence.
#[derive(Clone)]
pub struct Appender {
    queue: tokio::sync::mpsc::Sender<Waiting>,
}

/// The most entries written in one transaction.
const BATCH: usize = 512;

impl Appender {
    /// Starts the writer task (on the current runtime).
    pub fn start(db: Db) -> Appender {
        let (queue, mut rx) = tokio::sync::mpsc::channel::<Waiting>(4096);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                let mut count = batch[0].0.len();
                while count < BATCH {
                    match rx.try_recv() {
                        Ok(w) => {
                            count += w.0.len();
                            batch.push(w);
                        }
                        Err(_) => break,
                    }
                }
                let entries: Vec<Entry> = batch
                    .iter_mut()
                    .flat_map(|(e, _)| std::mem::take(e))
                    .collect();
                let outcome = append_all(&db, entries)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string());
                for (_, reply) in batch {
                    let _ = reply.send(outcome.clone());
                }
            }
        });
        Appender { queue }
    }

    /// Appends the entries (in this order, one after another) and waits for the commit.
    pub async fn append(&self, entries: Vec<Entry>) -> Result<(), String> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.queue
            .send((entries, tx))
            .await
            .map_err(|_| "the message log writer has stopped".to_owned())?;
        rx.await
            .map_err(|_| "the message log writer has stopped".to_owned())?
    }
}

fn entry_from(r: &sqlx::any::AnyRow) -> Result<Entry, sqlx::Error> {
    let status: Option<i64> = r.try_get(9)?;
    Ok(Entry {
        seq: r.try_get::<i64, _>(0)? as u64,
        at: r.try_get(1)?,
        kind: r.try_get(2)?,
        request_id: r.try_get(3)?,
        message_id: r.try_get(4)?,
        client: r.try_get(5)?,
        service: r.try_get(6)?,
        method: r.try_get(7)?,
        path: r.try_get(8)?,
        status: status.and_then(|s| u16::try_from(s).ok()),
        user_id: r.try_get(10)?,
        issue: r.try_get(11)?,
        body_sha512: r.try_get(12)?,
        body_size: r.try_get::<i64, _>(13)? as u64,
        body: r.try_get(14)?,
        signer: r.try_get(15)?,
        signature: r.try_get(16)?,
        prev: r.try_get(17)?,
        hash: r.try_get(18)?,
    })
}

/// Up to `limit` entries as stored, starting at the `offset`-th (in storage order, which is
/// what an edit to the sequence numbers cannot hide).
pub async fn page(db: &Db, offset: u64, limit: u64) -> Result<Vec<Entry>, DbError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM exchange_log ORDER BY seq LIMIT $1 OFFSET $2"
    ))
    .bind(limit as i64)
    .bind(offset as i64)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.iter().map(entry_from).collect::<Result<_, _>>()?)
}

/// [`verify_log`] with every key ever registered (revoked ones too: they verify what they
/// signed before) — what `yagona exchange verify-log` runs.
pub async fn verify_with_registered_keys(db: &Db) -> Result<Verdict, DbError> {
    let keys = crate::keys::all(db).await?;
    verify_log(db, |signer| keys.get(signer).cloned().unwrap_or_default()).await
}

/// What checking the whole log found.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every entry intact and in place; the head agrees with the last one.
    Intact {
        entries: u64,
    },
    Broken(Broken),
}

/// Checks the whole log (from the last archived entry on), a page at a time, and that its head (the count and last hash kept
/// apart from the entries) agrees with the last entry — which catches entries removed from the
/// end.
pub async fn verify_log(
    db: &Db,
    key_of: impl Fn(&str) -> Vec<VerifyingKey>,
) -> Result<Verdict, DbError> {
    const PAGE: u64 = 1_000;
    let mut checked = 0u64;
    // Entries moved to archives are checked there; the database's part goes on from them.
    let mut after: Option<(u64, String)> =
        crate::archive::anchor(db).await?.map(|a| (a.seq, a.hash));
    loop {
        let entries = page(db, checked, PAGE).await?;
        if entries.is_empty() {
            break;
        }
        if let Err(b) = evidence::verify(&entries, after.clone(), &key_of) {
            return Ok(Verdict::Broken(b));
        }
        let last = entries.last().expect("not empty");
        after = Some((last.seq, last.hash.clone()));
        checked += entries.len() as u64;
    }
    let (seq, hash): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM exchange_log_head WHERE id = 1")
            .fetch_one(&db.pool)
            .await?;
    let (last_seq, last_hash) = after.unwrap_or((0, String::new()));
    if seq as u64 != last_seq || hash != last_hash {
        return Ok(Verdict::Broken(Broken {
            seq: last_seq + 1,
            reason: format!(
                "the log ends at entry {last_seq} but {seq} were written: entries {}–{seq} were removed",
                last_seq + 1
            ),
        }));
    }
    Ok(Verdict::Intact { entries: checked })
}
