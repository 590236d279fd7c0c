//! Archives of the message log: the oldest entries written to a file that verifies on its own
//! (it carries the signers' public keys and the hash it continues from), then removed from the
//! database, which keeps the point the chain goes on from. `verify_log` starts at that point;
//! `verify_files` checks archives offline, one after another, and names the first entry edited,
//! removed or reordered — in a file or between files.
//!
//! File format (JSON Lines): a first line `{"format": "yagona-exchange-log-archive/1",
//! "after": {"seq", "hash"} | null, "first", "last", "keys": {signer: [public key]}}`, then one
//! entry per line in chain order. Format 2 (`yagona-exchange-log-archive/2`) adds the sealers'
//! public keys (`sealers`), where sealing began (`sealed_from`) and the last seal before the
//! file (`after.link`); files of format 1 still verify. `verify_files` takes checkpoints kept
//! outside the database too, and names an archived entry that differs from one.

use crate::checkpoint::Checkpoint;
use crate::evidence::{self, Broken, Entry, Walk};
use crate::log;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, Write};
use std::path::Path;
use yagona_db::{Db, DbError};

pub const FORMAT: &str = "yagona-exchange-log-archive/2";
const FORMAT_1: &str = "yagona-exchange-log-archive/1";

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    after: Option<Anchor>,
    first: u64,
    last: u64,
    keys: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    sealers: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed_from: Option<u64>,
}

/// A point in the chain: an entry's sequence number and hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub seq: u64,
    pub hash: String,
    /// The entry's seal (absent before sealing began, and in archives of format 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// Where the entries still in the database continue from (the last archived entry).
pub async fn anchor(db: &Db) -> Result<Option<Anchor>, DbError> {
    let row: Option<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT last_seq, last_hash, last_link FROM exchange_log_archives ORDER BY last_seq DESC LIMIT 1",
    )
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(s, h, l)| Anchor {
        seq: s as u64,
        hash: h,
        link: l,
    }))
}

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{file}:{line}: {reason}")]
    Unreadable {
        file: String,
        line: usize,
        reason: String,
    },
}

impl From<sqlx::Error> for ArchiveError {
    fn from(e: sqlx::Error) -> Self {
        ArchiveError::Db(e.into())
    }
}

/// What an archive run wrote.
#[derive(Debug, PartialEq, Eq)]
pub struct Archived {
    pub first: u64,
    pub last: u64,
}

/// Writes every entry logged before `before` (RFC 3339, UTC) to `out` and removes them from the
/// database; the file is complete on disk before anything is removed. `None` when there was
/// nothing that old.
pub async fn archive_before(
    db: &Db,
    before: &str,
    out: &Path,
) -> Result<Option<Archived>, ArchiveError> {
    let after = anchor(db).await?;
    let mut entries: Vec<Entry> = Vec::new();
    let mut offset = 0;
    'pages: loop {
        let page = log::page(db, offset, 1_000).await?;
        if page.is_empty() {
            break;
        }
        offset += page.len() as u64;
        for e in page {
            if e.at.as_str() >= before {
                break 'pages;
            }
            entries.push(e);
        }
    }
    let (Some(first), Some(last)) = (entries.first(), entries.last()) else {
        return Ok(None);
    };
    let (first, last, last_hash) = (first.seq, last.seq, last.hash.clone());
    let last_link = entries.last().and_then(|e| e.seal.clone());
    let sealer_keys = log::sealer_keys(db).await?;
    let mut sealers = BTreeMap::new();
    for name in entries.iter().filter_map(|e| e.sealer.as_ref()) {
        sealers.entry(name.clone()).or_insert_with(|| {
            sealer_keys
                .get(name)
                .map(|ks| ks.iter().map(evidence::public_key_text).collect::<Vec<_>>())
                .unwrap_or_default()
        });
    }
    let sealed_from = log::head(db).await?.sealed_from;
    let public = crate::keys::all(db).await?;
    let mut keys = BTreeMap::new();
    for e in &entries {
        keys.entry(e.signer.clone()).or_insert_with(|| {
            public
                .get(&e.signer)
                .map(|ks| ks.iter().map(evidence::public_key_text).collect())
                .unwrap_or_default()
        });
    }
    let header = Header {
        format: FORMAT.into(),
        after: after.clone(),
        first,
        last,
        keys,
        sealers,
        sealed_from,
    };
    // Written beside, then renamed: a file with this name is always whole.
    let partial = out.with_extension("partial");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&partial)?);
        serde_json::to_writer(&mut w, &header).map_err(std::io::Error::other)?;
        w.write_all(b"\n")?;
        for e in &entries {
            serde_json::to_writer(&mut w, e).map_err(std::io::Error::other)?;
            w.write_all(b"\n")?;
        }
        w.flush()?;
        w.get_ref().sync_all()?;
    }
    std::fs::rename(&partial, out)?;
    let mut tx = db.writer.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO exchange_log_archives (last_seq, last_hash, first_seq, file, archived_at, last_link) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(last as i64)
    .bind(&last_hash)
    .bind(first as i64)
    .bind(out.display().to_string())
    .bind(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    .bind(&last_link)
    .execute(&mut *tx)
    .await;
    if let Err(e) = inserted {
        drop(tx);
        let _ = std::fs::remove_file(out);
        if yagona_db::is_unique_violation(&e) {
            return Ok(None);
        }
        return Err(e.into());
    }
    let removed = sqlx::query("DELETE FROM exchange_log WHERE seq >= $1 AND seq <= $2")
        .bind(first as i64)
        .bind(last as i64)
        .execute(&mut *tx)
        .await;
    // Another node archiving the same entries at once: one wins, the other leaves no file.
    let whole = matches!(&removed, Ok(r) if r.rows_affected() == entries.len() as u64);
    if !whole {
        drop(tx);
        let _ = std::fs::remove_file(out);
        removed?;
        return Ok(None);
    }
    if let Err(e) = tx.commit().await {
        let _ = std::fs::remove_file(out);
        return Err(e.into());
    }
    Ok(Some(Archived { first, last }))
}

/// The outcome of checking archive files.
#[derive(Debug, PartialEq, Eq)]
pub enum FileVerdict {
    Intact { entries: u64, last: Option<Anchor> },
    Broken { file: String, broken: Broken },
}

/// Checks archive files offline, in the order given: each on its own (hashes, signatures with
/// the keys it carries, the chain), and each continuing where the one before ended.
pub fn verify_files(files: &[&Path]) -> Result<FileVerdict, ArchiveError> {
    verify_files_against(files, &[])
}

/// [`verify_files`], and the archived entries held against checkpoints kept outside the
/// database (signed by a key the archives list for their node).
pub fn verify_files_against(
    files: &[&Path],
    checkpoints: &[Checkpoint],
) -> Result<FileVerdict, ArchiveError> {
    let mut previous: Option<Anchor> = None;
    let mut count = 0;
    for (i, path) in files.iter().enumerate() {
        let name = path.display().to_string();
        let reader = std::io::BufReader::new(std::fs::File::open(path)?);
        let mut lines = reader.lines();
        let unreadable = |line: usize, reason: String| ArchiveError::Unreadable {
            file: name.clone(),
            line,
            reason,
        };
        let header: Header = match lines.next() {
            Some(l) => serde_json::from_str(&l?).map_err(|e| unreadable(1, e.to_string()))?,
            None => return Err(unreadable(1, "the file is empty".into())),
        };
        if header.format != FORMAT && header.format != FORMAT_1 {
            return Err(unreadable(1, format!("not a {FORMAT} (or /1) file")));
        }
        if i > 0 && header.after != previous {
            return Ok(FileVerdict::Broken {
                file: name,
                broken: Broken {
                    seq: previous.as_ref().map_or(1, |a| a.seq + 1),
                    reason: "this archive does not continue where the one before it ended".into(),
                },
            });
        }
        let mut entries = Vec::new();
        for (n, line) in lines.enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            entries.push(
                serde_json::from_str::<Entry>(&line)
                    .map_err(|e| unreadable(n + 2, e.to_string()))?,
            );
        }
        let keys: BTreeMap<String, Vec<VerifyingKey>> = verifying_keys(&header.keys);
        let sealers: HashMap<String, Vec<VerifyingKey>> = verifying_keys(&header.sealers);
        let after = header
            .after
            .clone()
            .map(|a| (a.seq, a.hash.clone(), a.link.unwrap_or(a.hash)));
        // Sealing began where the file says, or where a checkpoint signed by one of its
        // sealers says, whichever is earlier.
        let vouched: Vec<&Checkpoint> = checkpoints
            .iter()
            .filter(|c| {
                c.signed_by()
                    .is_some_and(|k| sealers.get(&c.node).is_some_and(|ks| ks.contains(&k)))
            })
            .collect();
        let sealed_from = vouched
            .iter()
            .filter_map(|c| c.sealed_from)
            .chain(header.sealed_from)
            .min();
        let mut walk = Walk::new(after, sealed_from);
        if let Err(broken) = walk.check(
            &entries,
            None,
            &|s| keys.get(s).cloned().unwrap_or_default(),
            &|s| sealers.get(s).cloned().unwrap_or_default(),
        ) {
            return Ok(FileVerdict::Broken { file: name, broken });
        }
        for c in vouched {
            if let Some(e) = entries.iter().find(|e| e.seq == c.seq) {
                if e.hash != c.hash {
                    return Ok(FileVerdict::Broken {
                        file: name,
                        broken: Broken {
                            seq: c.seq,
                            reason: format!(
                                "entry {}: the archive holds another entry than {} recorded: entries up to {} were rewritten",
                                c.seq,
                                c.describe(),
                                c.seq
                            ),
                        },
                    });
                }
            }
        }
        let last_seq = entries.last().map(|e| e.seq).unwrap_or(0);
        if last_seq != header.last {
            return Ok(FileVerdict::Broken {
                file: name,
                broken: Broken {
                    seq: last_seq + 1,
                    reason: format!(
                        "the archive says it ends at entry {} but holds entries up to {last_seq}: the rest were removed",
                        header.last
                    ),
                },
            });
        }
        count += entries.len() as u64;
        previous = entries.last().map(|e| Anchor {
            seq: e.seq,
            hash: e.hash.clone(),
            link: e.seal.clone(),
        });
    }
    Ok(FileVerdict::Intact {
        entries: count,
        last: previous,
    })
}

/// The public keys an archive's header names, by whose they are, as keys to verify with.
fn verifying_keys<M>(named: &BTreeMap<String, Vec<String>>) -> M
where
    M: FromIterator<(String, Vec<VerifyingKey>)>,
{
    named
        .iter()
        .map(|(whose, ks)| {
            let keys = ks
                .iter()
                .filter_map(|k| evidence::public_key_from_text(k))
                .collect();
            (whose.clone(), keys)
        })
        .collect()
}
