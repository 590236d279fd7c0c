//! Deploying process and decision definitions (a version per content), the timer start events'
//! schedule and message starts of a new version, and reading deployed definitions back (each
//! content parsed once per process).

use super::{hash, timer_due, ts, ProcessStore, StoreError, Tx};
use crate::engine::WaitKind;
use crate::model::{Definitions, Kind};
use chrono::Utc;
use serde_json::Map;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Parsed models by content fingerprint: a deployed version never changes, so it is parsed once
/// per process.
fn parsed() -> &'static Mutex<HashMap<String, Arc<Definitions>>> {
    static PARSED: OnceLock<Mutex<HashMap<String, Arc<Definitions>>>> = OnceLock::new();
    PARSED.get_or_init(Default::default)
}

/// How long a node starts new instances on the latest version it knows of a process without
/// looking again (a deployment on this node is seen at once; one on another node within this).
const LATEST_CHECK: std::time::Duration = std::time::Duration::from_secs(2);

type Latest = HashMap<(u64, String), (i64, String, std::time::Instant)>;

/// The latest version of each process (and its fingerprint) per database, as last read.
fn latest() -> std::sync::MutexGuard<'static, Latest> {
    static LATEST: OnceLock<Mutex<Latest>> = OnceLock::new();
    LATEST
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

pub(super) fn cached(fingerprint: &str) -> Option<Arc<Definitions>> {
    parsed()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(fingerprint)
        .cloned()
}

/// The version a deployment gets in `table` (keyed by `key_column`): the latest one when its
/// content is the same, the next one otherwise; and whether that version must be stored.
async fn next_version(
    tx: &mut Tx,
    table: &str,
    key_column: &str,
    key: &str,
    fingerprint: &str,
) -> Result<(i64, bool), StoreError> {
    let latest: Option<(i64, String)> = sqlx::query_as(&format!(
        "SELECT version, content_hash FROM {table} WHERE {key_column} = $1 ORDER BY version DESC LIMIT 1"
    ))
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(match latest {
        Some((v, h)) if h == fingerprint => (v, false),
        Some((v, _)) => (v + 1, true),
        None => (1, true),
    })
}

impl ProcessStore<'_> {
    /// Deploys every executable process of a BPMN file. Deploying the same file again changes
    /// nothing; a changed file makes a new version, and running instances stay on theirs.
    pub async fn deploy(&self, source: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let defs = crate::read(source)
            .map_err(|e| StoreError::Unrunnable(format!("line {}: {e}", e.line())))?;
        // The one check `process check` and `registry validate` make. Called processes and
        // decisions are not looked for: as in Camunda, they may be deployed after their caller
        // (the registry checks them against its files; a missing one is an incident when
        // called).
        let blocking: Vec<String> = crate::check(&defs)
            .iter()
            .filter(|f| f.blocks())
            .map(ToString::to_string)
            .collect();
        if !blocking.is_empty() {
            return Err(StoreError::Unrunnable(blocking.join("; ")));
        }
        let fingerprint = hash(source);
        let now = ts(&Utc::now());
        let mut out = Vec::new();
        let mut tx = self.db.writer.begin().await?;
        for p in defs.processes.iter().filter(|p| p.executable) {
            let (version, new) = next_version(
                &mut tx,
                "process_definitions",
                "process_id",
                &p.id,
                &fingerprint,
            )
            .await?;
            if new {
                sqlx::query("INSERT INTO process_definitions (process_id, version, source, content_hash, deployed_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&p.id)
                    .bind(version)
                    .bind(source)
                    .bind(&fingerprint)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
                // A new version's timer start events replace the old version's (as in Zeebe).
                sqlx::query("DELETE FROM process_timer_starts WHERE process_id = $1")
                    .bind(&p.id)
                    .execute(&mut *tx)
                    .await?;
                for e in &p.scope.elements {
                    if let Kind::StartEvent {
                        trigger: trigger @ crate::model::Trigger::Timer { .. },
                        ..
                    } = &e.kind
                    {
                        let what = WaitKind::of_trigger(trigger);
                        let due =
                            timer_due(&what, Utc::now(), &Map::new(), self.expr, self.calendar);
                        sqlx::query("INSERT INTO process_timer_starts (process_id, version, element_id, due_at, fired) VALUES ($1, $2, $3, $4, 0)")
                            .bind(&p.id)
                            .bind(version)
                            .bind(&e.id)
                            .bind(due.map(|d| ts(&d)))
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                // The messages that start this version, found when a message arrives.
                for e in &p.scope.elements {
                    if let Kind::StartEvent {
                        trigger: crate::model::Trigger::Message { message },
                        ..
                    } = &e.kind
                    {
                        let name = message
                            .as_ref()
                            .and_then(|m| defs.messages.iter().find(|x| &x.id == m))
                            .and_then(|m| m.name.clone().or(Some(m.id.clone())));
                        if let Some(name) = name {
                            sqlx::query("INSERT INTO process_message_starts (message_name, process_id, version, element_id) VALUES ($1, $2, $3, $4)")
                                .bind(name)
                                .bind(&p.id)
                                .bind(version)
                                .bind(&e.id)
                                .execute(&mut *tx)
                                .await?;
                        }
                    }
                }
                // The signals that start this version (by the signal's name, as broadcast).
                for e in &p.scope.elements {
                    if let Kind::StartEvent {
                        trigger: crate::model::Trigger::Signal { signal: Some(s) },
                        ..
                    } = &e.kind
                    {
                        let name = defs
                            .signals
                            .iter()
                            .find(|x| &x.id == s)
                            .and_then(|x| x.name.clone())
                            .unwrap_or_else(|| s.clone());
                        sqlx::query("INSERT INTO process_signal_starts (signal_name, process_id, version, element_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                            .bind(name)
                            .bind(&p.id)
                            .bind(version)
                            .bind(&e.id)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
            }
            out.push((p.id.clone(), version));
        }
        tx.commit().await?;
        // New instances on this node start on what was just deployed (a read that began
        // before the deployment cannot put the older version back: see `definitions`).
        let mut known = latest();
        for (process_id, version) in &out {
            known.insert(
                (self.db.id(), process_id.clone()),
                (*version, fingerprint.clone(), std::time::Instant::now()),
            );
        }
        drop(known);
        Ok(out)
    }

    /// Deploys every decision of a DMN file. An unchanged decision keeps its version; a changed
    /// one gets a new version, which business-rule tasks use from then on.
    pub async fn deploy_decisions(&self, source: &str) -> Result<Vec<(String, i64)>, StoreError> {
        let decisions = crate::dmn::read(source)?;
        let fingerprint = hash(source);
        let now = ts(&Utc::now());
        let mut out = Vec::new();
        let mut tx = self.db.writer.begin().await?;
        for d in &decisions {
            let (version, new) = next_version(
                &mut tx,
                "process_decisions",
                "decision_id",
                &d.id,
                &fingerprint,
            )
            .await?;
            if new {
                sqlx::query("INSERT INTO process_decisions (decision_id, version, source, content_hash, deployed_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&d.id)
                    .bind(version)
                    .bind(source)
                    .bind(&fingerprint)
                    .bind(&now)
                    .execute(&mut *tx)
                    .await?;
            }
            out.push((d.id.clone(), version));
        }
        tx.commit().await?;
        Ok(out)
    }

    /// The latest deployed version of a decision (parsed once per content).
    pub(super) async fn decision(&self, id: &str) -> Result<Arc<crate::dmn::Decision>, StoreError> {
        static DECISIONS: OnceLock<Mutex<HashMap<String, Arc<crate::dmn::Decision>>>> =
            OnceLock::new();
        let row: Option<(String, String)> = sqlx::query_as(
            "SELECT content_hash, source FROM process_decisions WHERE decision_id = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(id)
        .fetch_optional(&self.db.pool)
        .await?;
        let (fingerprint, source) = row.ok_or_else(|| StoreError::NoDecision(id.to_owned()))?;
        let key = format!("{fingerprint}/{id}");
        let cache = DECISIONS.get_or_init(Default::default);
        if let Some(d) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(d.clone());
        }
        let d = crate::dmn::read(&source)?
            .into_iter()
            .find(|d| d.id == id)
            .map(Arc::new)
            .ok_or_else(|| StoreError::NoDecision(id.to_owned()))?;
        cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, d.clone());
        Ok(d)
    }

    pub(super) async fn definitions(
        &self,
        process_id: &str,
        version: Option<i64>,
    ) -> Result<(i64, Arc<Definitions>), StoreError> {
        let key = (self.db.id(), process_id.to_owned());
        let known = match version {
            None => latest()
                .get(&key)
                .filter(|(_, _, at)| at.elapsed() < LATEST_CHECK)
                .map(|(v, f, _)| (*v, f.clone())),
            Some(_) => None,
        };
        let row: Option<(i64, String)> = match (version, known) {
            (_, Some(known)) => Some(known),
            (Some(v), None) => sqlx::query_as("SELECT version, content_hash FROM process_definitions WHERE process_id = $1 AND version = $2")
                .bind(process_id)
                .bind(v)
                .fetch_optional(&self.db.pool)
                .await?,
            (None, None) => {
                let row: Option<(i64, String)> = sqlx::query_as("SELECT version, content_hash FROM process_definitions WHERE process_id = $1 ORDER BY version DESC LIMIT 1")
                    .bind(process_id)
                    .fetch_optional(&self.db.pool)
                    .await?;
                if let Some((v, f)) = &row {
                    let mut known = latest();
                    // Never back to an older version than one this node knows of.
                    if known.get(&key).is_none_or(|(k, _, _)| *k <= *v) {
                        known.insert(key, (*v, f.clone(), std::time::Instant::now()));
                    }
                }
                row
            }
        };
        let (v, fingerprint) =
            row.ok_or_else(|| StoreError::NoDefinition(process_id.to_owned()))?;
        if let Some(d) = cached(&fingerprint) {
            return Ok((v, d));
        }
        let source: String = sqlx::query_scalar(
            "SELECT source FROM process_definitions WHERE process_id = $1 AND version = $2",
        )
        .bind(process_id)
        .bind(v)
        .fetch_one(&self.db.pool)
        .await?;
        let defs =
            Arc::new(crate::read(&source).map_err(|e| StoreError::Unrunnable(e.to_string()))?);
        parsed()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(fingerprint, defs.clone());
        Ok((v, defs))
    }
}
