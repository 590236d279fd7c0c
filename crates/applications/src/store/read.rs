//! Reading applications: every read is scoped by who is asking.

use super::{document_from_row, viewer_scope, ApplicationStore, COLUMNS};
use crate::documents::Document;
use crate::model::{Application, ApplicationError, ApplicationEvent, Fact, OfficerFilter, Viewer};
use serde_json::Value;
use sqlx::Row;
use std::collections::HashMap;
use yagona_core::{parse_timestamp, Pinfl, ReferenceNumber};

impl ApplicationStore<'_> {
    /// The application with this reference, if the viewer may see it.
    pub async fn get(
        &self,
        reference: &ReferenceNumber,
        viewer: Viewer<'_>,
    ) -> Result<Option<Application>, ApplicationError> {
        let (clause, scope) = viewer_scope(viewer, "applications", 2);
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM applications WHERE reference = $1 AND {clause}"
        ))
        .bind(reference.as_str())
        .bind(scope)
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(row.as_ref().map(Application::from_row).transpose()?)
    }

    /// Other applications for the same subject (the passport's `identify_by`) that are active
    /// or approved, of the agency's own only: the officer's warning of a possible duplicate.
    pub async fn same_subject(
        &self,
        app: &Application,
        agency: &str,
    ) -> Result<Vec<ReferenceNumber>, ApplicationError> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT o.reference FROM applications a
             JOIN applications o ON o.service_code = a.service_code AND o.identity_hash = a.identity_hash
             WHERE a.id = $1 AND o.id <> a.id AND o.agency_code = $2
               AND o.status <> 'draft' AND o.status <> 'rejected'
             ORDER BY o.submitted_at LIMIT 20",
        )
        .bind(&app.id)
        .bind(agency)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows
            .iter()
            .filter_map(|r| ReferenceNumber::parse(r).ok())
            .collect())
    }

    /// An application by id, for the platform's own workers (no viewer: never reachable from
    /// a request).
    pub(crate) async fn get_by_id(
        &self,
        id: &str,
    ) -> Result<Option<Application>, ApplicationError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM applications WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.db.pool)
            .await?;
        Ok(row.as_ref().map(Application::from_row).transpose()?)
    }

    /// An application by id, read in the caller's transaction (the platform's own steps).
    pub(crate) async fn by_id_in(
        tx: &mut super::Tx<'static>,
        id: &str,
    ) -> Result<Option<Application>, sqlx::Error> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM applications WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?;
        row.as_ref().map(Application::from_row).transpose()
    }

    /// Applications by id (those that exist), for the platform's own views of tasks it already
    /// checked the viewer may see.
    pub(crate) async fn by_ids(
        &self,
        ids: &[String],
    ) -> Result<Vec<Application>, ApplicationError> {
        let mut out = Vec::with_capacity(ids.len());
        // SQLite and PostgreSQL both take this many parameters in one statement, with room.
        for chunk in ids.chunks(500) {
            let list: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "SELECT {COLUMNS} FROM applications WHERE id IN ({})",
                list.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(id);
            }
            for row in query.fetch_all(&self.db.pool).await? {
                out.push(Application::from_row(&row)?);
            }
        }
        Ok(out)
    }

    /// The reference numbers of the applications with these ids (those that exist), for the
    /// platform's own tools: the process-mining export names each case by its application's
    /// reference. No viewer: never reachable from a request.
    pub async fn references(
        &self,
        ids: &[String],
    ) -> Result<HashMap<String, ReferenceNumber>, ApplicationError> {
        let mut out = HashMap::with_capacity(ids.len());
        // SQLite and PostgreSQL both take this many parameters in one statement, with room.
        for chunk in ids.chunks(500) {
            let list: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
            let sql = format!(
                "SELECT id, reference FROM applications WHERE id IN ({})",
                list.join(", ")
            );
            let mut query = sqlx::query_as::<_, (String, String)>(&sql);
            for id in chunk {
                query = query.bind(id);
            }
            for (id, reference) in query.fetch_all(&self.db.pool).await? {
                let reference =
                    ReferenceNumber::parse(&reference).map_err(|_| super::bad("reference"))?;
                out.insert(id, reference);
            }
        }
        Ok(out)
    }

    /// How many applications there are (drafts included).
    pub async fn count(&self) -> Result<i64, ApplicationError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM applications")
            .fetch_one(&self.db.pool)
            .await?)
    }

    pub async fn list_for_applicant(
        &self,
        pinfl: &Pinfl,
    ) -> Result<Vec<Application>, ApplicationError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM applications WHERE applicant_pinfl = $1 ORDER BY updated_at DESC LIMIT 500"
        ))
        .bind(pinfl.as_str())
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows
            .iter()
            .map(Application::from_row)
            .collect::<Result<_, _>>()?)
    }

    /// The agency's applications (never drafts, which are the applicant's private business).
    pub async fn list_for_agency(
        &self,
        agency: &str,
        filter: &OfficerFilter,
    ) -> Result<Vec<Application>, ApplicationError> {
        let (scope, _) = viewer_scope(Viewer::Agency(agency), "applications", 1);
        let mut sql = format!("SELECT {COLUMNS} FROM applications WHERE {scope}");
        let mut binds: Vec<String> = vec![agency.to_owned()];
        if let Some(s) = filter.status {
            binds.push(s.code().to_owned());
            sql.push_str(&format!(" AND status = ${}", binds.len()));
        }
        if let Some(s) = &filter.service {
            binds.push(s.clone());
            sql.push_str(&format!(" AND service_code = ${}", binds.len()));
        }
        if let Some(q) = &filter.query {
            binds.push(q.clone());
            let n = binds.len();
            sql.push_str(&format!(
                " AND (reference = ${n} OR applicant_pinfl = ${n})"
            ));
        }
        if let Some(day) = filter.overdue_on {
            binds.push(day.to_string());
            sql.push_str(&format!(
                " AND status IN ('submitted', 'in-review') AND decision_due IS NOT NULL AND decision_due < ${}",
                binds.len()
            ));
        }
        sql.push_str(" ORDER BY decision_due IS NULL, decision_due, submitted_at LIMIT 500");
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.db.pool).await?;
        Ok(rows
            .iter()
            .map(Application::from_row)
            .collect::<Result<_, _>>()?)
    }

    pub async fn events(
        &self,
        application_id: &str,
    ) -> Result<Vec<ApplicationEvent>, ApplicationError> {
        let rows = sqlx::query(
            "SELECT at, actor_kind, actor_id, actor_name, action, from_status, to_status, comment, step FROM application_events WHERE application_id = $1 ORDER BY id",
        )
        .bind(application_id)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let at: String = r.try_get("at")?;
                Ok(ApplicationEvent {
                    at: parse_timestamp(&at).ok_or_else(|| super::bad("event time"))?,
                    actor_kind: r.try_get("actor_kind")?,
                    actor_id: r.try_get("actor_id")?,
                    actor_name: r.try_get("actor_name")?,
                    action: r.try_get("action")?,
                    from_status: r.try_get("from_status")?,
                    to_status: r.try_get("to_status")?,
                    comment: r.try_get("comment")?,
                    step: r
                        .try_get::<Option<String>, _>("step")?
                        .and_then(|s| serde_json::from_str(&s).ok()),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    pub async fn documents(&self, application_id: &str) -> Result<Vec<Document>, ApplicationError> {
        let rows = sqlx::query(
            "SELECT id, application_id, kind, field, file_name, media_type, size, sha256, created_at FROM documents WHERE application_id = $1 ORDER BY created_at",
        )
        .bind(application_id)
        .fetch_all(&self.db.pool)
        .await?;
        Ok(rows
            .iter()
            .map(document_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// A document and its content, if the viewer may see the application it belongs to.
    pub async fn document(
        &self,
        id: &str,
        viewer: Viewer<'_>,
    ) -> Result<Option<(Document, Vec<u8>)>, ApplicationError> {
        let (clause, scope) = viewer_scope(viewer, "a", 2);
        let row = sqlx::query(&format!(
            "SELECT d.id, d.application_id, d.kind, d.field, d.file_name, d.media_type, d.size, d.sha256, d.created_at, d.content
             FROM documents d JOIN applications a ON a.id = d.application_id WHERE d.id = $1 AND {clause}"
        ))
        .bind(id)
        .bind(scope)
        .fetch_optional(&self.db.pool)
        .await?;
        match row {
            Some(r) => Ok(Some((document_from_row(&r)?, r.try_get("content")?))),
            None => Ok(None),
        }
    }

    /// The facts recorded for an application the viewer may see.
    pub async fn facts(
        &self,
        reference: &ReferenceNumber,
        viewer: Viewer<'_>,
    ) -> Result<Vec<Fact>, ApplicationError> {
        let (clause, scope) = viewer_scope(viewer, "a", 2);
        let rows = sqlx::query(&format!(
            "SELECT f.source, f.service, f.request_id, f.fetched_at, f.data
             FROM application_facts f JOIN applications a ON a.id = f.application_id
             WHERE a.reference = $1 AND {clause} ORDER BY f.source"
        ))
        .bind(reference.as_str())
        .bind(scope)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let data: String = r.try_get(4)?;
                let fetched: String = r.try_get(3)?;
                Ok(Fact {
                    source: r.try_get(0)?,
                    service: r.try_get(1)?,
                    request_id: r.try_get(2)?,
                    fetched_at: parse_timestamp(&fetched).ok_or_else(|| super::bad("fact time"))?,
                    data: serde_json::from_str(&data).unwrap_or(Value::Null),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(|e| ApplicationError::Db(e.into()))
    }

    /// Officers' decisions (`approve`, `return`, `reject`) as (moment, action), oldest first,
    /// optionally of one service, by one officer (name) or by one agency: for statistics.
    pub(crate) async fn decisions(
        &self,
        service: Option<&str>,
        operator: Option<&str>,
        agency: Option<&str>,
    ) -> Result<Vec<(String, String)>, ApplicationError> {
        Ok(sqlx::query_as(
            "SELECT e.at, e.action FROM application_events e JOIN applications a ON a.id = e.application_id
             WHERE e.actor_kind = 'officer' AND e.action IN ('approve', 'return', 'reject')
               AND ($1 = '' OR a.service_code = $1) AND ($2 = '' OR e.actor_name = $2)
               AND ($3 = '' OR e.actor_agency = $3)
             ORDER BY e.at",
        )
        .bind(service.unwrap_or(""))
        .bind(operator.unwrap_or(""))
        .bind(agency.unwrap_or(""))
        .fetch_all(&self.db.pool)
        .await?)
    }
}
