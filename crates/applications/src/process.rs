//! How applications ride on the workflow engine.
//!
//! Submitting an application starts its service's BPMN process (the registry's `process.bpmn`,
//! or [`STANDARD_PROCESS`] for a service without one) with the application as business key.
//! From then on the process decides what happens; [`Projection`] follows every step of the
//! instance inside the step's own transaction and keeps the application's status, holder and
//! current step in line with it, so that lists and filters stay plain queries and never
//! disagree with the engine.

use crate::status::Status;
use futures::future::BoxFuture;
use serde_json::{Map, Value};
use yagona_calendar::Calendar;
use yagona_core::format_timestamp;
use yagona_db::Db;
use yagona_workflow::feel::Feel;
use yagona_workflow::store::{tree_user_tasks, ProcessStore, StepHook, StepView, StoreError, Tx};

/// The platform's own process for a service whose registry entry has none: the agency (the
/// variable `agency`) reviews, then approves, rejects or returns the application; the statutory
/// deadline in working days (`deadlineWorkingDays`) escalates.
pub const STANDARD_PROCESS: &str = include_str!("standard-review.bpmn");
pub const STANDARD_PROCESS_ID: &str = "yagona-standard-review";

/// The candidate group of tasks that the applicant works (correcting a returned application).
pub const APPLICANT_GROUP: &str = "applicant";

/// The form key of the officers' review task: variables `decision` (`approve`, `reject`,
/// `return`) and `comment`.
pub const REVIEW_FORM: &str = "yagona:review";

/// The review form as JSON Schema: what completing a review task must send (the officer's
/// page and the GovStack task API check it alike).
pub fn review_schema() -> Value {
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["decision"],
        "properties": {
            "decision": {"enum": ["approve", "reject", "return"]},
            "comment": {"type": "string", "maxLength": 4000}
        },
        "if": {"properties": {"decision": {"enum": ["reject", "return"]}}},
        "then": {"required": ["comment"], "properties": {"comment": {"minLength": 1, "pattern": "\\S"}}}
    })
}

/// What is wrong with a completion of the review form, as (JSON pointer, message); empty when
/// it is valid.
pub fn review_errors(data: &Value) -> Vec<(String, String)> {
    static VALIDATOR: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    let v = VALIDATOR.get_or_init(|| {
        jsonschema::validator_for(&review_schema()).expect("the review form's schema compiles")
    });
    v.iter_errors(data)
        .map(|e| (e.instance_path.to_string(), e.to_string()))
        .collect()
}

static PROJECTION: Projection = Projection;

/// The engine as applications use it: FEEL expressions, the holiday calendar for working-day
/// timers, and the projection onto applications.
pub fn processes<'a>(db: &'a Db, calendar: &'a Calendar) -> ProcessStore<'a> {
    ProcessStore::new(db, &Feel)
        .with_hook(&PROJECTION)
        .with_calendar(calendar)
}

/// Deploys the standard process (idempotent: an unchanged model is not deployed again).
pub async fn deploy_standard(db: &Db) -> Result<(), StoreError> {
    ProcessStore::new(db, &Feel)
        .deploy(STANDARD_PROCESS)
        .await
        .map(|_| ())
}

/// Keeps applications in step with their process instances.
pub struct Projection;

impl StepHook for Projection {
    fn after_step<'a>(
        &'a self,
        tx: &'a mut Tx,
        view: StepView<'a>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move { project(tx, &view).await })
    }
}

/// Labels of the first open user task (anywhere in the call tree), else of the first other
/// thing this instance waits at.
fn current_step(view: &StepView<'_>, first_task_label: Option<Value>) -> Option<Value> {
    if first_task_label.is_some() {
        return first_task_label;
    }
    let element = view.instance.waits.first().map(|w| w.element.clone())?;
    let e = view
        .defs
        .processes
        .iter()
        .flat_map(|p| p.scope.walk())
        .find(|e| e.id == element)?;
    Some(Value::Object(e.labels()))
}

async fn project(tx: &mut Tx, view: &StepView<'_>) -> Result<(), StoreError> {
    let Some(app_id) = view.business_key else {
        return Ok(());
    };
    // The user tasks of the whole call tree: a called process's tasks are the application's.
    let open = tree_user_tasks(tx, view.root_instance).await?;
    let mut groups: Vec<String> = Vec::new();
    let mut assignee: Option<String> = None;
    for t in &open {
        if assignee.is_none() {
            assignee = t.assignee_name.clone();
        }
        groups.extend(t.candidate_groups.iter().cloned());
    }
    // Only the top instance's end ends the application (a called process returns to it).
    let ended = view.instance.ended && view.instance_id == view.root_instance;
    let status = if ended {
        match view
            .instance
            .variables
            .get("decision")
            .and_then(Value::as_str)
        {
            Some("approve") => Status::Approved,
            _ => Status::Rejected,
        }
    } else if groups.iter().any(|g| g == APPLICANT_GROUP) {
        Status::Returned
    } else if assignee.is_some() {
        Status::InReview
    } else {
        Status::Submitted
    };
    // The agency holding it: the first open task's group (the service's agency otherwise).
    let holder = open
        .iter()
        .find_map(|t| t.candidate_groups.first().cloned())
        .filter(|g| g != APPLICANT_GROUP);
    let step = if ended {
        None
    } else {
        let first = open
            .first()
            .filter(|t| !t.label.is_empty())
            .map(|t| Value::Object(t.label.clone()));
        current_step(view, first)
    };
    let at = format_timestamp(&view.at);
    sqlx::query(
        "UPDATE applications SET status = $1, officer_name = $2, holder_agency = $3, current_step = $4,
             decided_at = CASE WHEN $5 = 1 THEN COALESCE(decided_at, $6) ELSE NULL END, updated_at = $6,
             identity_key = CASE WHEN $1 = 'rejected' THEN NULL ELSE identity_key END
         WHERE id = $7",
    )
    .bind(status.code())
    .bind(if status == Status::InReview { assignee } else { None })
    .bind(holder)
    .bind(step.map(|s| s.to_string()))
    .bind(i64::from(status.is_final()))
    .bind(&at)
    .bind(app_id)
    .execute(&mut **tx)
    .await?;
    if ended {
        // The fee's invoice closes with the application, in the same step.
        let reference: Option<String> =
            sqlx::query_scalar("SELECT reference FROM applications WHERE id = $1")
                .bind(app_id)
                .fetch_optional(&mut **tx)
                .await?;
        if let Some(reference) = reference {
            crate::fees::application_ended_in(
                tx,
                &reference,
                status == Status::Approved,
                &view.instance.variables,
                view.at,
            )
            .await?;
        }
    }
    // Every agency that has had a task on the application may read it from then on.
    for g in groups.iter().filter(|g| *g != APPLICANT_GROUP) {
        sqlx::query(
            "INSERT INTO application_agencies (application_id, agency) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(app_id)
        .bind(g)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// What the process of an application starts with.
pub(crate) fn variables(
    app: &crate::Application,
    deadline_working_days: u32,
) -> Map<String, Value> {
    let mut v = Map::new();
    v.insert("applicationId".into(), app.id.clone().into());
    v.insert("reference".into(), app.reference.as_str().into());
    v.insert("service".into(), app.service_code.clone().into());
    v.insert("agency".into(), app.agency_code.clone().into());
    v.insert("applicant".into(), app.applicant_pinfl.as_str().into());
    v.insert("applicantName".into(), app.applicant_name.clone().into());
    v.insert("answers".into(), Value::Object(app.answers.clone()));
    v.insert("deadlineWorkingDays".into(), deadline_working_days.into());
    v
}
