//! The platform's built-in job workers, for service tasks of these types:
//!
//! - `yagona:issue-result` — issues the result document ([`crate::results`]): the service's
//!   template filled and printed in the holder's language with Uzbek beside it, numbered, with
//!   its QR code, signed by the agency's key, carrying the file the officer attached, if any;
//! - `yagona:notify` — tells the applicant of a decision (template `approved`, `rejected`,
//!   `returned`): queues the notice on the channels they chose ([`yagona_notices`]) in the
//!   job's transaction; template `overdue` (or header `to = agency`) escalates to the agency,
//!   whose inbox then lists the application as overdue. Either way the history records it;
//! - `yagona:set-variables` — sets the task's headers as process variables (`=` marks FEEL);
//! - `yagona:exchange` — asks another agency's service through the exchange
//!   ([`crate::exchange_tasks`]).
//!
//! They take jobs exactly as outside workers do (claim with a lock, complete), and each job's
//! own writes and its completion are one transaction: a node that dies halfway leaves the job
//! to be taken again when its lock runs out, and never issues a document twice.

use crate::documents::DocumentKind;
use crate::exchange::ExchangeClient;
use crate::process::processes;
use crate::results::Issuer;
use crate::status::{Action, Actor};
use crate::store::{record, ApplicationStore};
use chrono::Duration;
use serde_json::{Map, Value};
use std::sync::Arc;
use yagona_core::now;
use yagona_db::Db;
use yagona_registry::Catalogue;
use yagona_workflow::feel::{Expressions, Feel};
use yagona_workflow::store::{ActivatedJob, ProcessStore, StoreError};

pub const ISSUE_RESULT: &str = "yagona:issue-result";
pub const NOTIFY: &str = "yagona:notify";
pub const SET_VARIABLES: &str = "yagona:set-variables";
pub const BUILT_IN: [&str; 3] = [ISSUE_RESULT, NOTIFY, SET_VARIABLES];

fn system() -> Actor {
    Actor::System {
        name: "yagona".into(),
    }
}

/// Works the open built-in jobs once; returns how many were done. `node` names this node in
/// the locks it takes; `issuer` prints and signs results.
pub async fn run_once(
    db: &Db,
    catalogue: &Catalogue,
    issuer: &Issuer,
    node: &str,
) -> Result<usize, StoreError> {
    let engine = processes(db, &catalogue.calendar);
    let mut done = 0;
    for job_type in BUILT_IN {
        let jobs = engine
            .activate_jobs(job_type, node, 32, Duration::seconds(60))
            .await?;
        for job in jobs {
            let outcome = match job_type {
                ISSUE_RESULT => issue_result(db, &engine, catalogue, issuer, node, &job).await,
                NOTIFY => notify(db, &engine, node, &job).await,
                _ => set_variables(db, &engine, node, &job).await,
            };
            match outcome {
                Ok(()) => done += 1,
                Err(e) => {
                    tracing::warn!(job_type, instance = %job.instance_id, error = %e, "built-in job failed");
                    // Offered again after a pause; with no retries left it becomes an incident.
                    engine
                        .fail_job(
                            &job.instance_id,
                            job.wait_id as u64,
                            node,
                            &e.to_string(),
                            Duration::seconds(30),
                        )
                        .await?;
                }
            }
        }
    }
    Ok(done)
}

/// Fires due timers and works built-in jobs (those that call the exchange too, when the node
/// has one), forever, every `period`. Runs on every node: the store's claims make sure each
/// timer and job is handled once.
pub async fn run_forever(
    db: Db,
    node: String,
    period: std::time::Duration,
    exchange: Option<Arc<dyn ExchangeClient>>,
    issuer: Arc<Issuer>,
) {
    let mut catalogue: Option<(std::sync::Arc<Catalogue>, i64)> = None;
    loop {
        let registry = yagona_registry::RegistryStore { db: &db };
        match registry.version().await {
            Ok(v) if catalogue.as_ref().is_none_or(|c| c.1 != v) => {
                match registry.catalogue().await {
                    Ok(c) => catalogue = Some((std::sync::Arc::new(c), v)),
                    Err(e) => tracing::error!(error = %e, "workers cannot load the registry"),
                }
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "workers cannot read the registry version"),
        }
        if let Some((cat, _)) = &catalogue {
            let engine = processes(&db, &cat.calendar);
            if let Err(e) = engine.fire_due_timers(&node, chrono::Utc::now()).await {
                tracing::error!(error = %e, "timers");
            }
            if let Err(e) = run_once(&db, cat, &issuer, &node).await {
                tracing::error!(error = %e, "built-in workers");
            }
            if let Some(exchange) = &exchange {
                crate::exchange_tasks::run_once(&db, &cat.calendar, exchange.as_ref(), &node).await;
            }
        }
        tokio::time::sleep(period).await;
    }
}

async fn application(db: &Db, job: &ActivatedJob) -> Result<crate::Application, StoreError> {
    let id = job
        .business_key
        .as_deref()
        .ok_or_else(|| StoreError::Unrunnable("the instance belongs to no application".into()))?;
    ApplicationStore { db }
        .get_by_id(id)
        .await
        .map_err(|e| StoreError::Unrunnable(e.to_string()))?
        .ok_or_else(|| StoreError::Unrunnable(format!("no application {id}")))
}

fn store_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Unrunnable(e.to_string())
}

async fn issue_result(
    db: &Db,
    engine: &ProcessStore<'_>,
    catalogue: &Catalogue,
    issuer: &Issuer,
    node: &str,
    job: &ActivatedJob,
) -> Result<(), StoreError> {
    let app = application(db, job).await?;
    let store = ApplicationStore { db };
    let docs = store.documents(&app.id).await.map_err(store_err)?;
    let at = now();
    let sv = yagona_registry::RegistryStore { db }
        .service_version(&app.service_code, app.service_version)
        .await?
        .ok_or_else(|| store_err("the service version is gone"))?;
    let events = store.events(&app.id).await.map_err(store_err)?;
    let officer = events
        .iter()
        .rev()
        .find(|e| e.actor_kind == "officer" && e.action == "approve")
        .map(|e| e.actor_name.clone())
        .unwrap_or_default();
    let facts = store
        .facts(
            &app.reference,
            crate::Viewer::Applicant(&app.applicant_pinfl),
        )
        .await
        .map_err(store_err)?
        .into_iter()
        .map(|f| (f.source, f.data))
        .collect();
    let agency = sv.service.passport.agency.as_str();
    let agency_name = catalogue
        .agency(agency)
        .map(|a| a.name.clone())
        .unwrap_or_else(|| sv.service.passport.name.clone());
    // The officer's own PDF, if they attached one, goes inside the result.
    let attached = match docs.iter().rev().find(|d| d.kind == DocumentKind::Annex) {
        Some(d) => Some(crate::results::Annex {
            document_id: d.id.clone(),
            file_name: d.file_name.clone(),
            media_type: d.media_type.clone(),
            bytes: crate::results::document_bytes(&db.pool, &d.id)
                .await
                .map_err(|e| store_err(e.to_string()))?,
        }),
        None => None,
    };
    let mut tx = db.writer.begin().await?;
    let (_, set) = crate::results::issue_in(
        &mut tx,
        issuer,
        crate::results::IssueInput {
            app: &app,
            service: &sv.service,
            agency_name: &agency_name,
            variables: &job.variables,
            facts,
            officer,
            attached: attached.as_ref(),
        },
        &at,
    )
    .await
    .map_err(store_err)?;
    engine
        .complete_job_in(&mut tx, &job.instance_id, job.wait_id as u64, node, set)
        .await?;
    record(
        &mut tx,
        &app.id,
        &at,
        &system(),
        Action::IssueResult,
        Some(app.status),
        None,
        None,
    )
    .await?;
    // The applicant hears the result can be downloaded.
    crate::notices::tell_in(
        &mut tx,
        &app,
        yagona_notices::Event::ResultReady,
        &format!("{}:{}", job.instance_id, job.wait_id),
        Map::new(),
    )
    .await
    .map_err(|e| store_err(e.to_string()))?;
    tx.commit().await?;
    Ok(())
}

async fn notify(
    db: &Db,
    engine: &ProcessStore<'_>,
    node: &str,
    job: &ActivatedJob,
) -> Result<(), StoreError> {
    let app = application(db, job).await?;
    let header = |k: &str| {
        job.headers
            .get(k)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let template = header("template").unwrap_or_else(|| "status".into());
    // An escalation is the agency's: its inbox lists the application as overdue (the
    // history's `escalate` line, below, is what it reads).
    let to_agency = header("to").as_deref() == Some("agency") || template == "overdue";
    let at = now();
    let mut tx = db.writer.begin().await?;
    // The applicant hears of the decision on the channels they chose.
    let event = match template.as_str() {
        _ if to_agency => None,
        "approved" => Some(yagona_notices::Event::Approved),
        "rejected" => Some(yagona_notices::Event::Rejected),
        "returned" => Some(yagona_notices::Event::Returned),
        _ => None,
    };
    if let Some(event) = event {
        crate::notices::tell_in(
            &mut tx,
            &app,
            event,
            &format!("{}:{}", job.instance_id, job.wait_id),
            Map::new(),
        )
        .await
        .map_err(|e| store_err(e.to_string()))?;
    }
    engine
        .complete_job_in(
            &mut tx,
            &job.instance_id,
            job.wait_id as u64,
            node,
            Map::new(),
        )
        .await?;
    record(
        &mut tx,
        &app.id,
        &at,
        &system(),
        if template == "overdue" {
            Action::Escalate
        } else {
            Action::Notify
        },
        Some(app.status),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn set_variables(
    db: &Db,
    engine: &ProcessStore<'_>,
    node: &str,
    job: &ActivatedJob,
) -> Result<(), StoreError> {
    let mut vars = Map::new();
    for (k, v) in &job.headers {
        let text = v.as_str().unwrap_or_default();
        let value = if text.starts_with('=') {
            Feel.evaluate(text, &job.variables)
                .map_err(|e| store_err(format!("header {k}: {e}")))?
        } else {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
        };
        vars.insert(k.clone(), value);
    }
    let mut tx = db.writer.begin().await?;
    engine
        .complete_job_in(&mut tx, &job.instance_id, job.wait_id as u64, node, vars)
        .await?;
    tx.commit().await?;
    Ok(())
}
