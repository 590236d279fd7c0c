//! Submission: every answer checked against the form, the agency's deadline counted on the
//! calendar, and the application's process started (or, after a correction, the applicant's
//! task completed), in the caller's transaction.

use super::{record, ApplicationStore, Tx};
use crate::model::{Application, ApplicationError};
use crate::process::{self, APPLICANT_GROUP};
use crate::status::{Action, Actor, Status};
use serde_json::{Map, Value};
use yagona_calendar::Calendar;
use yagona_core::{format_timestamp, now, tashkent_date, ReferenceNumber};
use yagona_forms::{Context, FieldError, FormDefinition, Widget};
use yagona_registry::OnDuplicate;
use yagona_workflow::store::ProcessStore;

/// What a submission needs of its service: the form answers are checked against, the
/// statutory deadline in working days, and whether the service brings a process of its own.
pub(crate) struct Terms<'a> {
    pub form: &'a FormDefinition,
    pub calendar: &'a Calendar,
    pub deadline_working_days: u32,
    pub own_process: bool,
    /// What the application owes, for a paid service: invoiced at the first submission.
    pub fee: Option<crate::fees::FeeDue>,
    /// The language the applicant submits in (kept: their result is written in it).
    pub locale: Option<yagona_core::Locale>,
    /// The answers that identify the application's subject (the passport's `identify_by`).
    pub identify_by: &'a [String],
    /// What a duplicate does.
    pub on_duplicate: OnDuplicate,
}

/// The hash of the answers that identify an application's subject, compared whatever the
/// script, case or apostrophes they were typed in (`Каримов` is `Karimov`, `Oʻgʻil` is
/// `O'g'il`); `None` when the service names none or none is answered.
pub(crate) fn identity(
    service: &str,
    identify_by: &[String],
    answers: &Map<String, Value>,
) -> Option<String> {
    use sha2::{Digest, Sha256};
    let values: Vec<String> = identify_by
        .iter()
        .map(|name| match answers.get(name) {
            Some(Value::String(s)) => yagona_core::text::skeleton(s),
            None | Some(Value::Null) => String::new(),
            Some(other) => other.to_string(),
        })
        .collect();
    if values.iter().all(String::is_empty) {
        return None;
    }
    let mut h = Sha256::new();
    h.update(service.as_bytes());
    for v in values {
        h.update([0x1f]);
        h.update(v.as_bytes());
    }
    Some(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

impl ApplicationStore<'_> {
    /// Submits (or resubmits after correction) an application read in this transaction. Invalid
    /// answers are [`ApplicationError::Invalid`] and change nothing.
    pub(crate) async fn submit_in(
        tx: &mut Tx<'static>,
        engine: &ProcessStore<'_>,
        app: &Application,
        applicant: &Actor,
        terms: &Terms<'_>,
    ) -> Result<(), ApplicationError> {
        let action = match app.status {
            Status::Draft => Action::Submit,
            Status::Returned => Action::Resubmit,
            status => {
                return Err(ApplicationError::NotAllowed {
                    status,
                    action: Action::Submit,
                })
            }
        };
        let compiled = terms
            .form
            .compile()
            .map_err(|e| ApplicationError::BrokenForm(e.to_string()))?;
        let mut errors = compiled.validate(&app.answers, &Context::now());
        // A file answer must name a document of this very application, for that field.
        let file_fields: Vec<_> = terms
            .form
            .steps()
            .iter()
            .flat_map(|s| &s.fields)
            .filter(|f| f.widget == Widget::File)
            .collect();
        if !file_fields.is_empty() {
            let docs: Vec<(String, String)> =
                sqlx::query_as("SELECT id, field FROM documents WHERE application_id = $1")
                    .bind(&app.id)
                    .fetch_all(&mut **tx)
                    .await?;
            for f in file_fields {
                if let Some(Value::String(id)) = app.answers.get(&f.name) {
                    if !docs.iter().any(|(d, field)| d == id && *field == f.name)
                        && !errors.iter().any(|e| e.field == f.name)
                    {
                        errors.push(FieldError {
                            field: f.name.clone(),
                            keyword: "required".into(),
                            limit: None,
                            message: None,
                        });
                    }
                }
            }
        }
        if !errors.is_empty() {
            return Err(ApplicationError::Invalid(errors));
        }
        // The same subject applied for already: stopped, or let through for the officer to see.
        let identity = identity(&app.service_code, terms.identify_by, &app.answers);
        if let (Some(hash), OnDuplicate::Stop) = (&identity, terms.on_duplicate) {
            let other: Option<(String, String)> = sqlx::query_as(
                "SELECT reference, applicant_pinfl FROM applications
                 WHERE service_code = $1 AND identity_hash = $2 AND id <> $3
                   AND status <> 'draft' AND status <> 'rejected'
                 ORDER BY submitted_at LIMIT 1",
            )
            .bind(&app.service_code)
            .bind(hash)
            .bind(&app.id)
            .fetch_optional(&mut **tx)
            .await?;
            if let Some((reference, pinfl)) = other {
                return Err(ApplicationError::Duplicate {
                    reference: (pinfl == app.applicant_pinfl.as_str())
                        .then(|| ReferenceNumber::parse(&reference).ok())
                        .flatten(),
                });
            }
        }
        let key = identity
            .as_ref()
            .filter(|_| terms.on_duplicate == OnDuplicate::Stop);
        let at = now();
        let due = match terms
            .calendar
            .add_working_days(tashkent_date(&at), terms.deadline_working_days)
        {
            Ok(d) => Some(d.to_string()),
            Err(e) => {
                // The application is still accepted; the missing calendar year is reported, not guessed.
                tracing::error!(reference = %app.reference, error = %e, "decision deadline cannot be counted");
                None
            }
        };
        let stamp = format_timestamp(&at);
        let done = sqlx::query(
            "UPDATE applications SET submitted_at = $1, decision_due = $2, updated_at = $1, locale = COALESCE($6, locale),
                 identity_hash = $7, identity_key = $8
             WHERE id = $3 AND status = $4 AND updated_at = $5",
        )
        .bind(&stamp)
        .bind(&due)
        .bind(&app.id)
        .bind(app.status.code())
        .bind(format_timestamp(&app.updated_at))
        .bind(terms.locale.map(|l| l.tag()))
        .bind(&identity)
        .bind(key)
        .execute(&mut **tx)
        .await
        .map_err(|e| {
            // Another submission for the same subject committed while this one ran.
            if yagona_db::is_unique_violation(&e) {
                ApplicationError::Duplicate { reference: None }
            } else {
                e.into()
            }
        })?;
        if done.rows_affected() != 1 {
            return Err(ApplicationError::Conflict);
        }
        let submitted = Application {
            submitted_at: Some(at),
            ..app.clone()
        };
        match &app.process_instance {
            None => {
                let fee = match terms.fee {
                    Some(due) => Some(crate::fees::invoice_in(tx, &submitted, due, at).await?),
                    None => None,
                };
                // The applicant hears it arrived — or, for a paid service, what to pay.
                match &fee {
                    Some(fee) => {
                        let mut params = Map::new();
                        params.insert(
                            "amount".into(),
                            crate::fees::som_text(fee["amount"].as_i64().unwrap_or(0)).into(),
                        );
                        params.insert("invoice".into(), fee["invoice"].clone());
                        crate::notices::tell_in(
                            tx,
                            &submitted,
                            yagona_notices::Event::PaymentDue,
                            fee["invoice"].as_str().unwrap_or(""),
                            params,
                        )
                        .await?;
                    }
                    None => {
                        crate::notices::tell_in(
                            tx,
                            &submitted,
                            yagona_notices::Event::Received,
                            "submitted",
                            Map::new(),
                        )
                        .await?
                    }
                }
                start_process(
                    tx,
                    engine,
                    &submitted,
                    terms.deadline_working_days,
                    terms.own_process,
                    fee,
                )
                .await?;
            }
            Some(instance) => {
                // Returned: the correction is the applicant's task in the process.
                let task = yagona_workflow::store::tree_user_tasks(tx, instance)
                    .await?
                    .into_iter()
                    .find(|t| t.candidate_groups.iter().any(|g| g == APPLICANT_GROUP))
                    .ok_or(ApplicationError::NoTask)?;
                let mut result = Map::new();
                result.insert("answers".into(), Value::Object(app.answers.clone()));
                engine
                    .complete_in(
                        tx,
                        &task.instance_id,
                        task.wait_id as u64,
                        result,
                        Some(applicant.name()),
                    )
                    .await?;
            }
        }
        record(
            tx,
            &app.id,
            &at,
            applicant,
            action,
            Some(app.status),
            None,
            None,
        )
        .await?;
        Ok(())
    }
}

/// Starts the application's process (its service's, when the registry says it has one, else
/// the standard review) inside the caller's transaction and links it to the application.
pub(crate) async fn start_process(
    tx: &mut Tx<'static>,
    engine: &ProcessStore<'_>,
    app: &Application,
    deadline_working_days: u32,
    own_process: bool,
    fee: Option<Value>,
) -> Result<String, ApplicationError> {
    let mut vars = process::variables(app, deadline_working_days);
    if let Some(fee) = fee {
        vars.insert("fee".into(), fee);
    }
    let own = if own_process {
        engine
            .start_in(tx, &app.service_code, Some(&app.id), vars.clone())
            .await
    } else {
        Err(yagona_workflow::store::StoreError::NoDefinition(
            app.service_code.clone(),
        ))
    };
    let instance = match own {
        // A service without a model of its own runs the standard review.
        Err(yagona_workflow::store::StoreError::NoDefinition(_)) => {
            engine
                .start_in(tx, process::STANDARD_PROCESS_ID, Some(&app.id), vars)
                .await?
        }
        other => other?,
    };
    sqlx::query("UPDATE applications SET process_instance = $1 WHERE id = $2")
        .bind(&instance)
        .bind(&app.id)
        .execute(&mut **tx)
        .await?;
    Ok(instance)
}
