//! The message log in the database: entries appended in one chain, whatever the number of nodes,
//! and verified page by page.
//!
//! Appending takes the chain's head row (`exchange_log_head`) with an update, so concurrent
//! appenders — threads, or nodes sharing one PostgreSQL — queue there and each entry follows
//! exactly one predecessor. The entry and the new head are written in the same transaction.
//! The appending node seals each entry ([`evidence::Sealer`]); the head keeps the last seal, so
//! the next entry links to it. Checkpoints of the head, signed and witnessed outside the
//! database, are in [`crate::checkpoint`]; [`verify_log`] checks the entries against them.

use crate::checkpoint::{self, Checkpoint};
use crate::evidence::{self, Broken, Entry, Sealer, Walk};
use ed25519_dalek::VerifyingKey;
use sqlx::Row;
use std::collections::HashMap;
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
    Migration {
        version: 5,
        name: "sealed log and checkpoints",
        sql: "ALTER TABLE exchange_log ADD COLUMN sealer TEXT;
              ALTER TABLE exchange_log ADD COLUMN seal TEXT;
              ALTER TABLE exchange_log_head ADD COLUMN link TEXT NOT NULL DEFAULT '';
              ALTER TABLE exchange_log_head ADD COLUMN sealed_from BIGINT;
              UPDATE exchange_log_head SET link = hash;
              ALTER TABLE exchange_log_archives ADD COLUMN last_link TEXT;
              CREATE TABLE exchange_log_sealers (
                  sealer TEXT NOT NULL,
                  public_key TEXT NOT NULL,
                  created_at TEXT NOT NULL,
                  PRIMARY KEY (sealer, public_key)
              );
              CREATE TABLE exchange_log_checkpoints (
                  log TEXT NOT NULL,
                  node TEXT NOT NULL,
                  seq BIGINT NOT NULL,
                  body TEXT NOT NULL,
                  PRIMARY KEY (log, node, seq)
              );",
    },
];

pub async fn migrate(db: &Db) -> Result<(), DbError> {
    db.migrate("exchange", MIGRATIONS).await
}

const COLUMNS: &str = "seq, at, kind, request_id, message_id, client, service, method, path, status, user_id, issue, body_sha512, body_size, body, signer, signature, prev, hash, sealer, seal";
const COLUMN_COUNT: usize = 21;

/// Appends a signed entry: gives it its sequence number and predecessor, seals it, stores it.
pub async fn append(db: &Db, entry: Entry) -> Result<Entry, DbError> {
    let mut all = append_all(db, vec![entry]).await?;
    Ok(all.pop().expect("one in, one out"))
}

/// Appends entries in order, in one transaction, unsealed (as tools and tests write them; a
/// gateway seals: [`append_sealed`]).
pub async fn append_all(db: &Db, entries: Vec<Entry>) -> Result<Vec<Entry>, DbError> {
    append_sealed(db, entries, None).await
}

/// Records a sealer's public key, for everyone who checks seals.
pub async fn register_sealer(db: &Db, name: &str, key: &VerifyingKey) -> Result<(), DbError> {
    sqlx::query(
        "INSERT INTO exchange_log_sealers (sealer, public_key, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (sealer, public_key) DO NOTHING",
    )
    .bind(name)
    .bind(evidence::public_key_text(key))
    .bind(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    .execute(&db.writer)
    .await?;
    Ok(())
}

/// Every sealer's public keys, as the database records them.
pub async fn sealer_keys(db: &Db) -> Result<HashMap<String, Vec<VerifyingKey>>, DbError> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT sealer, public_key FROM exchange_log_sealers ORDER BY created_at")
            .fetch_all(&db.pool)
            .await?;
    let mut out: HashMap<String, Vec<VerifyingKey>> = HashMap::new();
    for (sealer, text) in rows {
        if let Some(key) = evidence::public_key_from_text(&text) {
            out.entry(sealer).or_default().push(key);
        }
    }
    Ok(out)
}

/// The log's head: the last entry's sequence number, hash and link, and the first sealed entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: u64,
    pub hash: String,
    pub link: String,
    pub sealed_from: Option<u64>,
}

pub async fn head(db: &Db) -> Result<Head, DbError> {
    let (seq, hash, link, sealed_from): (i64, String, String, Option<i64>) =
        sqlx::query_as("SELECT seq, hash, link, sealed_from FROM exchange_log_head WHERE id = 1")
            .fetch_one(&db.pool)
            .await?;
    Ok(Head {
        seq: seq as u64,
        hash,
        link,
        sealed_from: sealed_from.map(|s| s as u64),
    })
}

/// Appends entries in order, in one transaction, each sealed by `sealer` when given.
pub async fn append_sealed(
    db: &Db,
    mut entries: Vec<Entry>,
    sealer: Option<&Sealer>,
) -> Result<Vec<Entry>, DbError> {
    if entries.is_empty() {
        return Ok(entries);
    }
    let n = entries.len() as i64;
    let mut tx = db.writer.begin().await?;
    // The update takes the head (a row lock on PostgreSQL, the write lock on SQLite) until commit.
    let head = sqlx::query(
        "UPDATE exchange_log_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash, link",
    )
    .bind(n)
    .fetch_one(&mut *tx)
    .await?;
    let last: i64 = head.try_get(0)?;
    let mut prev: String = head.try_get(1)?;
    let mut link: String = head.try_get(2)?;
    for (seq, entry) in ((last - n) as u64..).zip(entries.iter_mut()) {
        let previous = (seq > 0).then_some((seq, prev.as_str()));
        match sealer {
            Some(sealer) => entry.seal_after(previous, &link, sealer),
            None => entry.chain_after(previous),
        }
        prev = entry.hash.clone();
        link = evidence::link_of(Some(entry));
    }
    let first_sealed = entries
        .iter()
        .find(|e| e.seal.is_some())
        .map(|e| e.seq as i64);
    // Many rows per statement: one statement per entry is what makes a busy log slow.
    for chunk in entries.chunks(ROWS_PER_INSERT) {
        let mut sql = format!("INSERT INTO exchange_log ({COLUMNS}) VALUES ");
        for r in 0..chunk.len() {
            if r > 0 {
                sql.push_str(", ");
            }
            sql.push('(');
            for c in 0..COLUMN_COUNT {
                if c > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", r * COLUMN_COUNT + c + 1));
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
                .bind(&entry.hash)
                .bind(&entry.sealer)
                .bind(&entry.seal);
        }
        q.execute(&mut *tx).await?;
    }
    sqlx::query(
        "UPDATE exchange_log_head SET hash = $1, link = $2, sealed_from = COALESCE(sealed_from, $3) WHERE id = 1",
    )
    .bind(&prev)
    .bind(&link)
    .bind(first_sealed)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(entries)
}

/// Rows in one INSERT (21 values each: well under SQLite's and PostgreSQL's limits).
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
    /// Starts the writer task (on the current runtime), sealing with `sealer`.
    pub fn start(db: Db, sealer: Option<Sealer>) -> Appender {
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
                let outcome = append_sealed(&db, entries, sealer.as_ref())
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
        sealer: r.try_get(19)?,
        seal: r.try_get(20)?,
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
/// signed before) and the checkpoints the database holds — what `yagona exchange verify-log`
/// runs. `witnessed` are checkpoints kept outside the database (a checkpoint file, the copies
/// other nodes keep).
pub async fn verify_with_registered_keys(
    db: &Db,
    witnessed: &[Checkpoint],
) -> Result<Verdict, DbError> {
    let keys = crate::keys::all(db).await?;
    verify_log(db, witnessed, |signer| {
        keys.get(signer).cloned().unwrap_or_default()
    })
    .await
}

/// What checking the whole log found.
#[derive(Debug, PartialEq, Eq, Default)]
pub struct Verdict {
    /// Entries checked in the database.
    pub entries: u64,
    /// Of them, written before sealing began.
    pub unsealed: u64,
    /// Checkpoints the log was checked against (in the database and outside it).
    pub checkpoints: u64,
    /// What was found rewritten, removed or forged; empty when the log is intact.
    pub findings: Vec<Broken>,
}

impl Verdict {
    pub fn intact(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Checks the whole log (from the last archived entry on), a page at a time: every entry's
/// hash, signature, seal and place, that the head (kept apart from the entries) agrees with
/// the last one, and that the log agrees with every checkpoint — in the database and
/// `witnessed` outside it — whose signature holds.
pub async fn verify_log(
    db: &Db,
    witnessed: &[Checkpoint],
    key_of: impl Fn(&str) -> Vec<VerifyingKey>,
) -> Result<Verdict, DbError> {
    const PAGE: u64 = 1_000;
    let sealers = sealer_keys(db).await?;
    let sealer_of = |s: &str| sealers.get(s).cloned().unwrap_or_default();
    let head = head(db).await?;
    let anchor = crate::archive::anchor(db).await?;
    let stored = checkpoint::stored(db, checkpoint::OWN_LOG).await?;
    let mut verdict = Verdict::default();
    let checkpoints = checkpoint::judge(&stored, witnessed, &sealers, &mut verdict.findings);
    verdict.checkpoints = checkpoints.len() as u64;
    // Seals are required from the first sealed entry, or from what the head or a checkpoint
    // says sealing began at, whichever is earliest.
    let sealed_from = checkpoints
        .iter()
        .filter_map(|c| c.sealed_from)
        .chain(head.sealed_from)
        .min();
    // Entries moved to archives are checked there; the database's part goes on from them.
    let mut walk = Walk::new(
        anchor
            .clone()
            .map(|a| (a.seq, a.hash.clone(), a.link.unwrap_or(a.hash))),
        sealed_from,
    );
    let wanted: std::collections::HashSet<u64> = checkpoints.iter().map(|c| c.seq).collect();
    let mut hashes: HashMap<u64, String> = HashMap::new();
    if let Some(a) = &anchor {
        hashes.insert(a.seq, a.hash.clone());
    }
    let mut offset = 0u64;
    let mut broken_at: Option<u64> = None;
    loop {
        let mut entries = page(db, offset, PAGE + 1).await?;
        if entries.is_empty() {
            break;
        }
        let next = (entries.len() as u64 > PAGE)
            .then(|| entries.pop())
            .flatten();
        if let Err(b) = walk.check(&entries, next.as_ref(), &key_of, &sealer_of) {
            broken_at = Some(b.seq);
            verdict.findings.push(b);
            break;
        }
        for e in entries.iter().filter(|e| wanted.contains(&e.seq)) {
            hashes.insert(e.seq, e.hash.clone());
        }
        offset += entries.len() as u64;
    }
    verdict.entries = walk.checked;
    verdict.unsealed = walk.unsealed;
    let (last_seq, last_hash) = walk
        .last
        .clone()
        .map(|(s, h, _)| (s, h))
        .unwrap_or((0, String::new()));
    if broken_at.is_none() && (head.seq != last_seq || head.hash != last_hash) {
        verdict.findings.push(Broken {
            seq: last_seq + 1,
            reason: format!(
                "the log ends at entry {last_seq} but {} were written: entries {}–{} were removed",
                head.seq,
                last_seq + 1,
                head.seq
            ),
        });
    }
    checkpoint::compare(
        &checkpoints,
        &hashes,
        last_seq,
        broken_at,
        anchor.as_ref().map(|a| a.seq),
        &mut verdict.findings,
    );
    Ok(verdict)
}
