//! Applications in the database: the tables this component owns and every query on them.
//!
//! - [`read`]: applications, their history, documents and facts, each scoped by a [`Viewer`];
//! - [`write`]: the pieces of a change (a draft, answers, a file, facts), each inside the
//!   caller's transaction, so that one operation of [`crate::Applications`] is one transaction;
//! - [`submit`]: submission and the start of the application's process;
//! - [`review`]: officers' inbox, taking, releasing and deciding tasks;
//! - [`staged`]: documents uploaded before their application (GovStack's `POST /documents`);
//! - [`adopt`]: applications from before processes, given one.
//!
//! The workflow's tables are the workflow's: tasks are read through its API.

mod adopt;
mod read;
mod review;
mod schema;
mod staged;
mod submit;
mod write;

pub(crate) use review::{Completion, ResultFile};
pub(crate) use submit::Terms;
pub(crate) use write::{merged, Draft};

use crate::documents::{Document, DocumentKind};
use crate::model::Application;
use crate::status::{Action, Actor, Status};
use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::Row;
use yagona_core::{format_timestamp, parse_timestamp, Pinfl, ReferenceNumber, Timestamp};
use yagona_db::{Db, DbError};

/// Data access for applications. Operations that channels use go through
/// [`crate::Applications`], which checks them and makes each one transaction; the store's own
/// public methods are reads and the few writes the platform makes outside a request.
pub struct ApplicationStore<'a> {
    pub db: &'a Db,
}

pub(crate) type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

const COLUMNS: &str = "id, reference, applicant_pinfl, applicant_name, service_code, service_version, agency_code, status, answers, officer_id, officer_name, created_at, updated_at, submitted_at, decision_due, decided_at, process_instance, current_step, holder_agency, locale";

/// An officer's agency may read an application of its service, or one on which it has (had) a
/// task; never a draft. `$n` is the agency; `t` the applications table's name in the query.
fn agency_scope(t: &str, n: usize) -> String {
    format!(
        "{t}.status <> 'draft' AND ({t}.agency_code = ${n} OR EXISTS (SELECT 1 FROM application_agencies x WHERE x.application_id = {t}.id AND x.agency = ${n}))"
    )
}

/// The `WHERE` condition for a viewer (`t`: the applications table's name, `$n` its value).
fn viewer_scope(viewer: crate::Viewer<'_>, t: &str, n: usize) -> (String, String) {
    match viewer {
        crate::Viewer::Applicant(p) => {
            (format!("{t}.applicant_pinfl = ${n}"), p.as_str().to_owned())
        }
        crate::Viewer::Agency(a) => (agency_scope(t, n), a.to_owned()),
    }
}

impl ApplicationStore<'_> {
    pub async fn migrate(db: &Db) -> Result<(), DbError> {
        db.migrate("applications", schema::MIGRATIONS).await?;
        crate::ratings::migrate(db).await?;
        // What submissions write beside the application: its invoice and the notices it owes.
        yagona_payments::PaymentStore::migrate(db).await?;
        yagona_notices::Notices::migrate(db).await
    }
}

fn bad(what: &str) -> sqlx::Error {
    sqlx::Error::Decode(format!("application row has an invalid {what}").into())
}

fn timestamp(row: &AnyRow, column: &str) -> Result<Timestamp, sqlx::Error> {
    let text: String = row.try_get(column)?;
    parse_timestamp(&text).ok_or_else(|| bad(column))
}

fn optional_timestamp(row: &AnyRow, column: &str) -> Result<Option<Timestamp>, sqlx::Error> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| parse_timestamp(&t).ok_or_else(|| bad(column)))
        .transpose()
}

impl Application {
    pub(crate) fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        let status: String = row.try_get("status")?;
        let answers: String = row.try_get("answers")?;
        let due: Option<String> = row.try_get("decision_due")?;
        let reference: String = row.try_get("reference")?;
        let pinfl: String = row.try_get("applicant_pinfl")?;
        Ok(Application {
            id: row.try_get("id")?,
            reference: ReferenceNumber::parse(&reference).map_err(|_| bad("reference"))?,
            applicant_pinfl: Pinfl::parse(&pinfl).map_err(|_| bad("applicant_pinfl"))?,
            applicant_name: row.try_get("applicant_name")?,
            service_code: row.try_get("service_code")?,
            service_version: row.try_get("service_version")?,
            agency_code: row.try_get("agency_code")?,
            status: Status::parse(&status).ok_or_else(|| bad("status"))?,
            answers: serde_json::from_str(&answers).map_err(|_| bad("answers"))?,
            officer_id: row.try_get("officer_id")?,
            officer_name: row.try_get("officer_name")?,
            created_at: timestamp(row, "created_at")?,
            updated_at: timestamp(row, "updated_at")?,
            submitted_at: optional_timestamp(row, "submitted_at")?,
            decision_due: due
                .map(|d| d.parse().map_err(|_| bad("decision_due")))
                .transpose()?,
            decided_at: optional_timestamp(row, "decided_at")?,
            process_instance: row.try_get("process_instance")?,
            current_step: row
                .try_get::<Option<String>, _>("current_step")?
                .and_then(|s| serde_json::from_str(&s).ok()),
            holder_agency: row.try_get("holder_agency")?,
            locale: row
                .try_get::<Option<String>, _>("locale")?
                .as_deref()
                .and_then(yagona_core::Locale::parse),
        })
    }
}

/// Records a history event; the status it led to is read from the application, which the
/// process projection has already updated within the same transaction (one statement).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn record(
    tx: &mut Tx<'_>,
    application_id: &str,
    at: &Timestamp,
    actor: &Actor,
    action: Action,
    from: Option<Status>,
    comment: Option<&str>,
    step: Option<&Map<String, Value>>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO application_events (application_id, at, actor_kind, actor_id, actor_name, action, from_status, to_status, comment, step, actor_agency)
         SELECT $1, $2, $3, $4, $5, $6, $7, status, $8, $9, $10 FROM applications WHERE id = $1",
    )
    .bind(application_id)
    .bind(format_timestamp(at))
    .bind(actor.kind())
    .bind(actor.id())
    .bind(actor.name())
    .bind(action.code())
    .bind(from.map(Status::code))
    .bind(comment)
    .bind(step.map(|s| Value::Object(s.clone()).to_string()))
    .bind(match actor {
        Actor::Officer { agency, .. } => Some(agency.as_str()),
        _ => None,
    })
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// A checked file, ready to be stored: what [`insert_document`] takes.
pub(crate) struct NewDocument<'a> {
    pub kind: DocumentKind,
    /// The form field it answers (uploads) or empty (results).
    pub field: &'a str,
    pub file_name: &'a str,
    pub media_type: &'a str,
    pub bytes: &'a [u8],
}

pub(crate) async fn insert_document(
    tx: &mut Tx<'_>,
    application_id: &str,
    doc: NewDocument<'_>,
    at: &Timestamp,
) -> Result<Document, sqlx::Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let sha256 = yagona_core::sha256_hex(doc.bytes);
    sqlx::query(
        "INSERT INTO documents (id, application_id, kind, field, file_name, media_type, size, sha256, content, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(application_id)
    .bind(doc.kind.code())
    .bind(doc.field)
    .bind(doc.file_name)
    .bind(doc.media_type)
    .bind(doc.bytes.len() as i64)
    .bind(&sha256)
    .bind(doc.bytes.to_vec())
    .bind(format_timestamp(at))
    .execute(&mut **tx)
    .await?;
    Ok(Document {
        id,
        application_id: application_id.to_owned(),
        kind: doc.kind,
        field: doc.field.to_owned(),
        file_name: doc.file_name.to_owned(),
        media_type: doc.media_type.to_owned(),
        size: doc.bytes.len() as i64,
        sha256,
        created_at: *at,
    })
}

pub(crate) fn document_from_row(r: &AnyRow) -> Result<Document, sqlx::Error> {
    let kind: String = r.try_get("kind")?;
    Ok(Document {
        id: r.try_get("id")?,
        application_id: r.try_get("application_id")?,
        kind: match kind.as_str() {
            "result" => DocumentKind::Result,
            "annex" => DocumentKind::Annex,
            _ => DocumentKind::Upload,
        },
        field: r.try_get("field")?,
        file_name: r.try_get("file_name")?,
        media_type: r.try_get("media_type")?,
        size: r.try_get("size")?,
        sha256: r.try_get("sha256")?,
        created_at: timestamp(r, "created_at")?,
    })
}
