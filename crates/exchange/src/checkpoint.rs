//! Checkpoints of the message log: the node signs the log's head — its last entry's sequence
//! number, hash and seal, and where sealing began — at a time, regularly, with its own key.
//! A checkpoint is worth what its witnesses are: someone who can write to the database can
//! delete checkpoints kept there, but not the copies kept outside it. So each checkpoint is
//!
//! - kept in the database (`exchange_log_checkpoints`, log `""`);
//! - written to an append-only file when one is configured (JSON Lines, one checkpoint a line,
//!   the same format `yagona exchange checkpoints` prints and `verify-log --checkpoints` reads);
//! - sent to the other nodes over the nodes' mutual-TLS channel: each checks the signature
//!   against the node's key in `nodes.toml`, keeps it (log = the sending node's code), refuses
//!   a second, different checkpoint at the same entry, and answers with its countersignature,
//!   which the sender keeps with its checkpoint.
//!
//! [`judge`] sorts the checkpoints a verifier has (signature, known key, present in the
//! database); [`compare`] holds the log against them and names what was rewritten.

use crate::evidence::{self, Broken, Sealer};
use base64::Engine;
use ed25519_dalek::{Signature, Signer, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;
use yagona_db::{Db, DbError};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The log a database keeps checkpoints of for itself (others' are kept under their node's code).
pub const OWN_LOG: &str = "";

/// A signed statement of a log's head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The node that signed it (the sealer name its entries carry).
    pub node: String,
    pub seq: u64,
    pub hash: String,
    /// The last entry's seal (its hash before sealing began).
    pub link: String,
    /// The first sealed entry, when sealing had begun.
    pub sealed_from: Option<u64>,
    /// When it was signed (RFC 3339, UTC).
    pub at: String,
    /// The signer's public key (base64).
    pub public_key: String,
    pub signature: String,
    /// Other nodes' signatures over the same statement: they have seen it and keep a copy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countersignatures: Vec<Countersignature>,
}

/// A witness's signature over a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Countersignature {
    pub witness: String,
    pub public_key: String,
    pub signature: String,
}

impl Checkpoint {
    fn statement(&self) -> Vec<u8> {
        format!(
            "yagona-exchange-checkpoint/1\n{}\n{}\n{}\n{}\n{}\n{}",
            self.node,
            self.seq,
            self.hash,
            self.link,
            self.sealed_from.map(|s| s.to_string()).unwrap_or_default(),
            self.at
        )
        .into_bytes()
    }

    /// Signs the head as `sealer`, now.
    pub fn sign(sealer: &Sealer, head: &crate::log::Head) -> Checkpoint {
        let mut c = Checkpoint {
            node: sealer.name.clone(),
            seq: head.seq,
            hash: head.hash.clone(),
            link: head.link.clone(),
            sealed_from: head.sealed_from,
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            public_key: evidence::public_key_text(&sealer.key.verifying_key()),
            signature: String::new(),
            countersignatures: Vec::new(),
        };
        c.signature = B64.encode(sealer.key.sign(&c.statement()).to_bytes());
        c
    }

    /// The key it names, if its signature holds with it.
    pub fn signed_by(&self) -> Option<VerifyingKey> {
        let key = evidence::public_key_from_text(&self.public_key)?;
        verify_b64(&key, &self.statement(), &self.signature).then_some(key)
    }

    /// A witness's countersignature.
    pub fn countersign(&self, witness: &Sealer) -> Countersignature {
        let mut bytes = b"countersigned\n".to_vec();
        bytes.extend(self.statement());
        Countersignature {
            witness: witness.name.clone(),
            public_key: evidence::public_key_text(&witness.key.verifying_key()),
            signature: B64.encode(witness.key.sign(&bytes).to_bytes()),
        }
    }

    /// Whether a countersignature is the witness's (by the key it names) over this checkpoint.
    pub fn countersigned_by(&self, c: &Countersignature) -> bool {
        let mut bytes = b"countersigned\n".to_vec();
        bytes.extend(self.statement());
        evidence::public_key_from_text(&c.public_key)
            .is_some_and(|k| verify_b64(&k, &bytes, &c.signature))
    }

    /// How people read it: "checkpoint of node a at entry 42 (2026-11-27T09:00:00Z)".
    pub fn describe(&self) -> String {
        let mut text = format!(
            "checkpoint of node {} at entry {} ({})",
            self.node, self.seq, self.at
        );
        let witnesses: Vec<&str> = self
            .countersignatures
            .iter()
            .filter(|c| self.countersigned_by(c))
            .map(|c| c.witness.as_str())
            .collect();
        if !witnesses.is_empty() {
            text.push_str(&format!(", countersigned by {}", witnesses.join(", ")));
        }
        text
    }
}

fn verify_b64(key: &VerifyingKey, bytes: &[u8], signature: &str) -> bool {
    B64.decode(signature)
        .ok()
        .and_then(|b| Signature::from_slice(&b).ok())
        .is_some_and(|s| key.verify(bytes, &s).is_ok())
}

/// What went wrong keeping a checkpoint.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Refused(String),
}

impl From<sqlx::Error> for CheckpointError {
    fn from(e: sqlx::Error) -> Self {
        CheckpointError::Db(e.into())
    }
}

/// Keeps a checkpoint of `log` (its own: [`OWN_LOG`]; another node's: its code). A checkpoint
/// already kept is kept once (with any new countersignatures); a *different* checkpoint by the
/// same node at the same entry is refused — a node that signs two heads for one entry rewrote
/// its log.
pub async fn keep(db: &Db, log: &str, c: &Checkpoint) -> Result<(), CheckpointError> {
    let existing: Option<String> = sqlx::query_scalar(
        "SELECT body FROM exchange_log_checkpoints WHERE log = $1 AND node = $2 AND seq = $3",
    )
    .bind(log)
    .bind(&c.node)
    .bind(c.seq as i64)
    .fetch_optional(&db.pool)
    .await?;
    let body = match existing.and_then(|b| serde_json::from_str::<Checkpoint>(&b).ok()) {
        Some(mut old) => {
            if (old.hash.as_str(), old.link.as_str()) != (c.hash.as_str(), c.link.as_str()) {
                return Err(CheckpointError::Refused(format!(
                    "node {} signed another head for entry {} before ({}): its log was rewritten",
                    c.node, c.seq, old.at
                )));
            }
            // Only countersignatures over the statement kept: the same head signed again at
            // another time is kept once, as it was first signed.
            for cs in &c.countersignatures {
                if old.countersigned_by(cs) && !old.countersignatures.contains(cs) {
                    old.countersignatures.push(cs.clone());
                }
            }
            old
        }
        None => c.clone(),
    };
    let text = serde_json::to_string(&body).map_err(std::io::Error::other)?;
    sqlx::query(
        "INSERT INTO exchange_log_checkpoints (log, node, seq, body) VALUES ($1, $2, $3, $4)
         ON CONFLICT (log, node, seq) DO UPDATE SET body = $4",
    )
    .bind(log)
    .bind(&c.node)
    .bind(c.seq as i64)
    .bind(text)
    .execute(&db.writer)
    .await?;
    Ok(())
}

/// The checkpoints the database keeps of `log`, in order.
pub async fn stored(db: &Db, log: &str) -> Result<Vec<Checkpoint>, DbError> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT body FROM exchange_log_checkpoints WHERE log = $1 ORDER BY seq, node",
    )
    .bind(log)
    .fetch_all(&db.pool)
    .await?;
    // A row that does not read is as good as a removed one: `judge` finds it missing.
    Ok(rows
        .iter()
        .filter_map(|r| serde_json::from_str(r).ok())
        .collect())
}

/// The last checkpoint `node` signed of this database's log.
pub async fn last_own(db: &Db, node: &str) -> Result<Option<Checkpoint>, DbError> {
    let row: Option<String> = sqlx::query_scalar(
        "SELECT body FROM exchange_log_checkpoints WHERE log = $1 AND node = $2 ORDER BY seq DESC LIMIT 1",
    )
    .bind(OWN_LOG)
    .bind(node)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.and_then(|r| serde_json::from_str(&r).ok()))
}

/// Appends a checkpoint to the witness file (opened for appending only, synced before the
/// checkpoint counts as witnessed).
pub fn append_to_file(path: &Path, c: &Checkpoint) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut line = serde_json::to_vec(c).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)?;
    file.write_all(&line)?;
    file.sync_data()
}

/// Reads checkpoints written by [`append_to_file`] (or printed by `yagona exchange
/// checkpoints`).
pub fn read_file(path: &Path) -> Result<Vec<Checkpoint>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{}: {e}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(&line)
                .map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?,
        );
    }
    Ok(out)
}

/// Signs the log's head as `sealer` when it moved since the sealer's last checkpoint, keeps
/// the checkpoint in the database and appends it to `file` when given. `None`: nothing new.
pub async fn take(
    db: &Db,
    sealer: &Sealer,
    file: Option<&Path>,
) -> Result<Option<Checkpoint>, CheckpointError> {
    let head = crate::log::head(db).await?;
    if head.seq == 0 {
        return Ok(None);
    }
    if let Some(last) = last_own(db, &sealer.name).await? {
        if last.seq == head.seq {
            return Ok(None);
        }
    }
    let c = Checkpoint::sign(sealer, &head);
    keep(db, OWN_LOG, &c).await?;
    if let Some(file) = file {
        append_to_file(file, &c)?;
    }
    Ok(Some(c))
}

/// Sorts the checkpoints a verifier has: those whose signature holds with a key the database
/// knows for their node count; the rest, and checkpoints witnessed outside the database but
/// gone from it, become findings. Returns the checkpoints to hold the log against.
pub fn judge(
    stored: &[Checkpoint],
    witnessed: &[Checkpoint],
    sealers: &HashMap<String, Vec<VerifyingKey>>,
    findings: &mut Vec<Broken>,
) -> Vec<Checkpoint> {
    let mut good: Vec<Checkpoint> = Vec::new();
    let mut take = |c: &Checkpoint, outside: bool, findings: &mut Vec<Broken>| {
        let Some(key) = c.signed_by() else {
            if !outside {
                findings.push(Broken {
                    seq: c.seq,
                    reason: format!(
                        "{}: its signature does not hold (the checkpoint was forged or edited in the database)",
                        c.describe()
                    ),
                });
            }
            return;
        };
        if !sealers.get(&c.node).is_some_and(|ks| ks.contains(&key)) {
            findings.push(Broken {
                seq: c.seq,
                reason: format!(
                    "{}: signed with a key the database does not list for node {} (its sealer keys were replaced)",
                    c.describe(),
                    c.node
                ),
            });
        }
        if !good
            .iter()
            .any(|g| g.node == c.node && g.seq == c.seq && g.signature == c.signature)
        {
            good.push(c.clone());
        }
    };
    for c in stored {
        take(c, false, findings);
    }
    for c in witnessed {
        let in_db = stored
            .iter()
            .any(|s| s.node == c.node && s.seq == c.seq && s.signature == c.signature);
        if !in_db && c.signed_by().is_some() {
            findings.push(Broken {
                seq: c.seq,
                reason: format!(
                    "{} is witnessed outside the database but missing from it: checkpoints were removed",
                    c.describe()
                ),
            });
        }
        take(c, true, findings);
    }
    good.sort_by(|a, b| (a.seq, &a.node).cmp(&(b.seq, &b.node)));
    good
}

/// Holds the log against the checkpoints: `hashes` are the entries' hashes at the checkpoints'
/// places (and the archive's end), `last` the last entry checked, `broken_at` where the chain
/// broke (a rewrite found by the entries themselves), `archived` where the database's part
/// begins.
pub fn compare(
    checkpoints: &[Checkpoint],
    hashes: &HashMap<u64, String>,
    last: u64,
    broken_at: Option<u64>,
    archived: Option<u64>,
    findings: &mut Vec<Broken>,
) {
    if let (Some(at), Some(first)) = (
        broken_at,
        findings.iter_mut().find(|f| broken_at == Some(f.seq)),
    ) {
        // Say which witnessed head the break comes after: the entries up to it are vouched for.
        if let Some(before) = checkpoints.iter().rev().find(|c| c.seq < at) {
            first
                .reason
                .push_str(&format!(" — after {}", before.describe()));
        }
        if let Some(over) = checkpoints.iter().find(|c| c.seq >= at) {
            first.reason.push_str(&format!(
                "; {} vouches for a different log",
                over.describe()
            ));
        }
    }
    for c in checkpoints {
        if archived.is_some_and(|a| c.seq < a) {
            continue; // the archives' part: `verify-archive --checkpoints` holds them
        }
        if broken_at.is_some_and(|b| c.seq >= b) {
            continue; // already named with the break
        }
        match hashes.get(&c.seq) {
            Some(h) if *h == c.hash => {}
            Some(_) => findings.push(Broken {
                seq: c.seq,
                reason: format!(
                    "entry {}: the log now holds another entry than {} recorded: entries up to {} were rewritten",
                    c.seq,
                    c.describe(),
                    c.seq
                ),
            }),
            None if c.seq > last => findings.push(Broken {
                seq: last + 1,
                reason: if c.seq == last + 1 {
                    format!("entry {} is missing: {} recorded it", c.seq, c.describe())
                } else {
                    format!(
                        "entries {}–{} are missing: {} recorded the log up to entry {}",
                        last + 1,
                        c.seq,
                        c.describe(),
                        c.seq
                    )
                },
            }),
            None => {}
        }
    }
}
