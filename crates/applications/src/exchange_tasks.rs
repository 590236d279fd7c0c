//! Service tasks that ask a data service through the exchange: job type `yagona:exchange`.
//!
//! Task headers: `service` (the service, `INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE`), `path`
//! (the path and query after it; `=` marks FEEL, e.g. `="/v1/taxpayers/" + applicant + "/debt"`),
//! `client` (the subsystem that asks: the agency's system working the application; default the
//! platform's own), `resultVariable` (where the answer goes), and for a call that sends
//! something — publishing an event, say — `method` (default `GET`) and `body` (FEEL giving the
//! JSON to send). The call's `X-Road-Id` is the job's own, the same on every retry, so that a
//! provider that recognises repeats (a pub/sub room does) acts once. The call carries the
//! applicant's PINFL as `X-Road-UserId` and the application number as `X-Road-Issue`, and goes
//! through the same rights, evidence and log as any other. The answer (JSON, or `null` when the
//! register has no record) is set as the variable, with `<resultVariable>Status` the HTTP
//! status; a gateway failure fails the job, to be tried again later (and to become an incident
//! when out of retries).

use crate::exchange::{ExchangeCall, ExchangeClient};
use crate::process::processes;
use serde_json::{Map, Value};
use yagona_calendar::Calendar;
use yagona_db::Db;
use yagona_exchange::{ClientId, ServiceId};
use yagona_workflow::feel::{Expressions, Feel};
use yagona_workflow::store::ActivatedJob;

pub const JOB_TYPE: &str = "yagona:exchange";

fn header<'a>(job: &'a ActivatedJob, name: &str) -> Option<&'a str> {
    job.headers.get(name).and_then(Value::as_str)
}

/// What to do with one job: the variables to complete it with, or why it failed.
async fn work(
    exchange: &dyn ExchangeClient,
    job: &ActivatedJob,
) -> Result<Map<String, Value>, String> {
    let service = header(job, "service")
        .and_then(|s| ServiceId::from_path(s).ok())
        .filter(|(_, rest)| rest.is_empty())
        .map(|(id, _)| id)
        .ok_or("header `service` must name a service, INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE")?;
    let client = header(job, "client")
        .map(|c| ClientId::from_header(c).map_err(|e| format!("header `client`: {}", e.message)))
        .transpose()?;
    if client.is_none() && exchange.platform().is_none() {
        return Err("header `client` must name the subsystem that asks".into());
    }
    let path = match header(job, "path").unwrap_or("") {
        p if p.starts_with('=') => match Feel.evaluate(p, &job.variables) {
            Ok(Value::String(s)) => s,
            Ok(other) => return Err(format!("header `path` gave {other}, not text")),
            Err(e) => return Err(format!("header `path`: {e}")),
        },
        p => p.to_owned(),
    };
    if !path.is_empty() && !path.starts_with('/') {
        return Err(format!("header `path` must start with /, not {path:?}"));
    }
    let result = header(job, "resultVariable").unwrap_or("result").to_owned();
    let method = header(job, "method").unwrap_or("GET").to_ascii_uppercase();
    if !yagona_exchange::access::valid_method(&method) || method == "*" {
        return Err("header `method` must be an HTTP method".into());
    }
    let body = match header(job, "body") {
        None => Vec::new(),
        Some(b) if b.starts_with('=') => match Feel.evaluate(b, &job.variables) {
            Ok(v) => serde_json::to_vec(&v).map_err(|e| format!("header `body`: {e}"))?,
            Err(e) => return Err(format!("header `body`: {e}")),
        },
        Some(b) => b.as_bytes().to_vec(),
    };
    let user = job
        .variables
        .get("applicant")
        .and_then(Value::as_str)
        .map(|p| format!("UZ{p}"));
    let issue = job
        .variables
        .get("reference")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| job.business_key.clone());
    let message_id = format!("{}.{}", job.instance_id, job.wait_id);
    let answer = exchange
        .call(ExchangeCall {
            client: client.as_ref(),
            service: &service,
            method: &method,
            path: &path,
            body,
            user_id: user.as_deref(),
            issue: issue.as_deref(),
            message_id: Some(&message_id),
        })
        .await
        .map_err(|e| format!("{}: {}", e.kind.code(), e.message))?;
    if answer.status >= 500 {
        return Err(format!("{service} answered {}", answer.status));
    }
    let value = if (200..300).contains(&answer.status) {
        serde_json::from_slice(&answer.body).unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    let mut vars = Map::new();
    vars.insert(format!("{result}Status"), Value::from(answer.status));
    vars.insert(result, value);
    Ok(vars)
}

/// Works open `yagona:exchange` jobs once; returns how many were completed.
pub async fn run_once(
    db: &Db,
    calendar: &Calendar,
    exchange: &dyn ExchangeClient,
    node: &str,
) -> usize {
    // With the applications' projection, as every step of an application's process.
    let engine = processes(db, calendar);
    let jobs = match engine
        .activate_jobs(JOB_TYPE, node, 16, chrono::Duration::seconds(60))
        .await
    {
        Ok(j) => j,
        Err(e) => {
            tracing::warn!(error = %e, "activating exchange jobs");
            return 0;
        }
    };
    let mut done = 0;
    for job in jobs {
        let outcome = match work(exchange, &job).await {
            Ok(vars) => engine
                .complete_job(&job.instance_id, job.wait_id as u64, node, vars)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err(why) => Err(why),
        };
        match outcome {
            Ok(()) => done += 1,
            Err(why) => {
                tracing::warn!(instance = %job.instance_id, error = %why, "exchange job failed");
                if let Err(e) = engine
                    .fail_job(
                        &job.instance_id,
                        job.wait_id as u64,
                        node,
                        &why,
                        chrono::Duration::seconds(30),
                    )
                    .await
                {
                    tracing::warn!(error = %e, "failing an exchange job");
                }
            }
        }
    }
    done
}
