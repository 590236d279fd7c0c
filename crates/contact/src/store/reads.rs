//! Reading appeals: one, its history and notices, the latest answers of a list, a queue, and an
//! appeal found by its tracking number and the contact it was filed with.

use super::{appeal_from, moment, tracking, AppealStore, COLUMNS};
use crate::deadline;
use crate::guard::Guesser;
use crate::model::{contact_key, Appeal, AppealError, AppealEvent, QueueFilter, Viewer};
use sqlx::Row;
use std::collections::HashMap;
use yagona_core::{format_timestamp, Pinfl, TrackingNumber};
use yagona_db::DbError;

impl AppealStore<'_> {
    /// How many appeals there are.
    pub async fn count(&self) -> Result<i64, AppealError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM appeals")
            .fetch_one(&self.db.pool)
            .await?)
    }

    /// An appeal, if the viewer may see it.
    pub async fn get(
        &self,
        id: &TrackingNumber,
        viewer: Viewer<'_>,
    ) -> Result<Option<Appeal>, AppealError> {
        let (cond, value) = viewer.clause(2);
        let sql = format!("SELECT {COLUMNS} FROM appeals WHERE id = $1 AND {cond}");
        let mut q = sqlx::query(&sql).bind(id.as_str());
        if let Some(v) = value {
            q = q.bind(v);
        }
        let row = q.fetch_optional(&self.db.pool).await?;
        Ok(row.as_ref().map(appeal_from).transpose()?)
    }

    /// The appeal someone follows with its tracking number and the phone or e-mail it was filed
    /// with, as typed. A wrong number, a wrong check or both get the same answer, so nothing is
    /// revealed; each wrong check of a well-formed number counts against the client guessing
    /// (`crate::guard`), who is refused after too many — the appeal's owner is not.
    pub async fn track(
        &self,
        guesser: &Guesser<'_>,
        tracking: &str,
        check: &str,
    ) -> Result<Appeal, AppealError> {
        if guesser.locked(self.db).await? {
            return Err(AppealError::TooManyTries);
        }
        let number = TrackingNumber::parse(tracking).ok();
        let found = match (&number, contact_key(check.trim())) {
            (Some(t), Some(c)) => self.get(t, Viewer::Contact(&c)).await?,
            _ => None,
        };
        match (found, number) {
            (Some(a), _) => Ok(a),
            (None, Some(_)) => {
                guesser.note_wrong_check(self.db).await?;
                Err(AppealError::NotFound)
            }
            (None, None) => Err(AppealError::NotFound),
        }
    }

    /// The history the viewer may see: the applicant only public entries.
    pub async fn events(
        &self,
        id: &TrackingNumber,
        internal: bool,
    ) -> Result<Vec<AppealEvent>, AppealError> {
        let sql = format!(
            "SELECT at, action, public, actor_kind, actor_name, agency_code, to_agency, body FROM appeal_events WHERE appeal_id = $1{} ORDER BY id",
            if internal { "" } else { " AND public = 1" }
        );
        let rows = sqlx::query(&sql)
            .bind(id.as_str())
            .fetch_all(&self.db.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(AppealEvent {
                    at: moment("event at", &r.try_get::<String, _>(0)?)?,
                    action: r.try_get(1)?,
                    public: r.try_get::<i64, _>(2)? != 0,
                    actor_kind: r.try_get(3)?,
                    actor_name: r.try_get(4)?,
                    agency: r.try_get(5)?,
                    to_agency: r.try_get(6)?,
                    body: r.try_get(7)?,
                })
            })
            .collect::<Result<_, DbError>>()
            .map_err(Into::into)
    }

    /// The latest public answer of each of these appeals (one query for a whole list).
    pub async fn latest_replies(
        &self,
        ids: &[&TrackingNumber],
    ) -> Result<HashMap<TrackingNumber, String>, AppealError> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT appeal_id, body FROM appeal_events WHERE action = 'replied' AND appeal_id IN ({}) ORDER BY id",
                marks.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id.as_str());
            }
            for r in q.fetch_all(&self.db.pool).await? {
                let body: Option<String> = r.try_get(1)?;
                if let Some(b) = body {
                    out.insert(tracking("event appeal_id", &r.try_get::<String, _>(0)?)?, b);
                }
            }
        }
        Ok(out)
    }

    /// A queue: the appeals the viewer may see that pass the filter, the nearest deadline first.
    pub async fn queue(
        &self,
        viewer: Viewer<'_>,
        filter: &QueueFilter,
    ) -> Result<Vec<Appeal>, AppealError> {
        let mut conds = Vec::new();
        let mut values: Vec<String> = Vec::new();
        let (cond, value) = viewer.clause(1);
        conds.push(cond);
        if let Some(v) = value {
            values.push(v);
        }
        let mut push = |conds: &mut Vec<String>, sql: &str, v: String| {
            values.push(v);
            conds.push(sql.replace("$?", &format!("${}", values.len())));
        };
        if let Some(s) = filter.status {
            push(&mut conds, "status = $?", s.code().into());
        }
        if filter.open_only || filter.escalated_on.is_some() {
            conds.push("status IN ('received', 'assigned', 'in-progress', 'reopened')".into());
        }
        if let Some(a) = &filter.agency {
            push(&mut conds, "agency_code = $?", a.clone());
        }
        if let Some(c) = filter.channel {
            push(&mut conds, "channel = $?", c.code().into());
        }
        if let Some(k) = filter.kind {
            push(&mut conds, "kind = $?", k.code().into());
        }
        if let Some(s) = &filter.service {
            push(&mut conds, "service_code = $?", s.clone());
        }
        if filter.closed_only {
            conds.push("status IN ('answered', 'closed')".into());
        }
        if let Some(t) = &filter.topic {
            push(&mut conds, "topic_code = $?", t.clone());
        }
        if let Some(t) = &filter.received_from {
            push(&mut conds, "received_at >= $?", format_timestamp(t));
        }
        if let Some(t) = &filter.received_to {
            push(&mut conds, "received_at <= $?", format_timestamp(t));
        }
        if let Some(day) = filter.escalated_on {
            let edge = day + chrono::Days::new(deadline::DUE_SOON_DAYS as u64);
            push(&mut conds, "deadline <= $?", edge.to_string());
        }
        if let Some(q) = filter
            .query
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
        {
            if let Ok(t) = TrackingNumber::parse(q) {
                push(&mut conds, "id = $?", t.as_str().to_owned());
            } else if let Ok(p) = Pinfl::parse(q) {
                push(&mut conds, "pinfl = $?", p.as_str().to_owned());
            } else if let Some(c) = contact_key(q) {
                push(&mut conds, "(phone = $? OR email = $?)", c);
            } else {
                // Not an identifier: nothing matches (names are not searched, to keep the
                // desk from browsing people).
                conds.push("1 = 0".into());
            }
        }
        let limit = if filter.limit == 0 {
            200
        } else {
            filter.limit.min(1000)
        };
        let order = if filter.newest_first {
            "received_at DESC, id"
        } else {
            "CASE WHEN status IN ('answered', 'closed') THEN 1 ELSE 0 END, deadline, received_at"
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM appeals WHERE {} ORDER BY {order} LIMIT {limit}",
            conds.join(" AND ")
        );
        let mut q = sqlx::query(&sql);
        for v in values {
            q = q.bind(v);
        }
        let rows = q.fetch_all(&self.db.pool).await?;
        rows.iter()
            .map(|r| appeal_from(r).map_err(Into::into))
            .collect()
    }
}
