//! The pieces of a change to an application, each inside the caller's transaction: a new
//! draft, its answers, a file for a field, facts from registers. An operation of
//! [`crate::Applications`] puts them together and commits once.

use super::{insert_document, record, ApplicationStore, NewDocument, Tx, COLUMNS};
use crate::documents::{Document, DocumentKind};
use crate::model::{Application, ApplicationError, Fact};
use crate::status::{Action, Actor, Status};
use serde_json::{Map, Value};
use yagona_core::{format_timestamp, now, Pinfl, ReferenceNumber, Timestamp};
use yagona_db::is_unique_violation;

/// A draft to be made: who applies for which version of which service.
pub(crate) struct Draft<'a> {
    pub applicant: &'a Actor,
    pub service: &'a str,
    pub version: i64,
    pub agency: &'a str,
}

impl ApplicationStore<'_> {
    /// The applicant's unfinished draft for the service, newest first, if any (pressing "Start"
    /// twice does not leave two drafts behind).
    pub(crate) async fn open_draft(
        &self,
        applicant: &Pinfl,
        service: &str,
    ) -> Result<Option<Application>, ApplicationError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM applications WHERE applicant_pinfl = $1 AND service_code = $2 AND status = 'draft' ORDER BY created_at DESC LIMIT 1"
        ))
        .bind(applicant.as_str())
        .bind(service)
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(row.as_ref().map(Application::from_row).transpose()?)
    }

    /// Makes a draft with a fresh reference number and its history's first event. A number
    /// already taken (one chance in tens of billions) fails the transaction with
    /// [`ApplicationError::Conflict`], for the caller to run it again.
    pub(crate) async fn insert_draft(
        tx: &mut Tx<'_>,
        draft: &Draft<'_>,
        at: &Timestamp,
    ) -> Result<Application, ApplicationError> {
        let id = uuid::Uuid::now_v7().to_string();
        let reference = ReferenceNumber::generate();
        let Actor::Applicant { pinfl, name } = draft.applicant else {
            return Err(ApplicationError::NotFound);
        };
        let stamp = format_timestamp(at);
        let inserted = sqlx::query(
            "INSERT INTO applications (id, reference, applicant_pinfl, applicant_name, service_code, service_version, agency_code, status, answers, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', '{}', $8, $8)",
        )
        .bind(&id)
        .bind(reference.as_str())
        .bind(pinfl.as_str())
        .bind(name)
        .bind(draft.service)
        .bind(draft.version)
        .bind(draft.agency)
        .bind(&stamp)
        .execute(&mut **tx)
        .await;
        match inserted {
            Err(e) if is_unique_violation(&e) => return Err(ApplicationError::Conflict),
            Err(e) => return Err(e.into()),
            Ok(_) => {}
        }
        record(
            tx,
            &id,
            at,
            draft.applicant,
            Action::Create,
            None,
            None,
            None,
        )
        .await?;
        Ok(Application {
            id,
            reference,
            applicant_pinfl: pinfl.clone(),
            applicant_name: name.clone(),
            service_code: draft.service.to_owned(),
            service_version: draft.version,
            agency_code: draft.agency.to_owned(),
            status: Status::Draft,
            answers: Map::new(),
            officer_id: None,
            officer_name: None,
            created_at: *at,
            updated_at: *at,
            submitted_at: None,
            decision_due: None,
            decided_at: None,
            process_instance: None,
            current_step: None,
            holder_agency: None,
            locale: None,
        })
    }

    /// Stores a file for a form field (already checked: `media_type` is what its content is).
    /// A draft's earlier file for the field goes; once submitted, files stay as evidence.
    /// The answer naming the file is the caller's to write.
    pub(crate) async fn insert_upload(
        tx: &mut Tx<'_>,
        app: &Application,
        upload: &crate::Upload,
        media_type: &str,
        at: &Timestamp,
    ) -> Result<Document, ApplicationError> {
        if app.status == Status::Draft {
            if let Some(Value::String(old)) = app.answers.get(&upload.field) {
                sqlx::query("DELETE FROM documents WHERE id = $1 AND application_id = $2")
                    .bind(old)
                    .bind(&app.id)
                    .execute(&mut **tx)
                    .await?;
            }
        }
        let file_name = upload.clean_name();
        Ok(insert_document(
            tx,
            &app.id,
            NewDocument {
                kind: DocumentKind::Upload,
                field: &upload.field,
                file_name: &file_name,
                media_type,
                bytes: &upload.bytes,
            },
            at,
        )
        .await?)
    }

    /// Replaces the facts registers gave for the application (by source).
    pub(crate) async fn write_facts(
        tx: &mut Tx<'_>,
        app: &Application,
        facts: &[Fact],
    ) -> Result<(), ApplicationError> {
        for f in facts {
            sqlx::query("DELETE FROM application_facts WHERE application_id = $1 AND source = $2")
                .bind(&app.id)
                .bind(&f.source)
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "INSERT INTO application_facts (application_id, source, service, request_id, fetched_at, data)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&app.id)
            .bind(&f.source)
            .bind(&f.service)
            .bind(&f.request_id)
            .bind(format_timestamp(&f.fetched_at))
            .bind(f.data.to_string())
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Stores the application's answers unless it changed since `app` was read (then
    /// [`ApplicationError::Conflict`]).
    pub(crate) async fn write_answers(
        tx: &mut Tx<'_>,
        app: Application,
        answers: Map<String, Value>,
    ) -> Result<Application, ApplicationError> {
        let at = now();
        let done = sqlx::query(
            "UPDATE applications SET answers = $1, updated_at = $2 WHERE id = $3 AND updated_at = $4",
        )
        .bind(Value::Object(answers.clone()).to_string())
        .bind(format_timestamp(&at))
        .bind(&app.id)
        .bind(format_timestamp(&app.updated_at))
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() != 1 {
            return Err(ApplicationError::Conflict);
        }
        Ok(Application {
            answers,
            updated_at: at,
            ..app
        })
    }
}

/// `answers` with `changes` on top: a `null` clears a field.
pub(crate) fn merged(
    answers: &Map<String, Value>,
    changes: &Map<String, Value>,
) -> Map<String, Value> {
    let mut out = answers.clone();
    for (k, v) in changes {
        if v.is_null() {
            out.remove(k);
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}
