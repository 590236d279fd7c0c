//! Filing an appeal: checked, routed, given its legal deadline and tracking number, and stored
//! with its first history and notice in one transaction.

use super::{
    appeal_from, bool_int, event_values, note_uncovered, notice_target, queue_notices, AppealStore,
    Event, COLUMNS, INSERT_EVENT, NOTIFIED, SYSTEM,
};
use crate::deadline;
use crate::model::{
    check_text, filled, invalid, today, Actor, Appeal, AppealError, NewAppeal, Problem, Viewer,
    MAX_REPLY,
};
use crate::topics::TopicStore;
use crate::{Channel, Status};
use yagona_core::{format_timestamp, now, Email, Phone, Pinfl, TrackingNumber};
use yagona_db::{Batch, Db, Outcome, Value};
use yagona_registry::Catalogue;

/// What a create returned: the appeal, and whether it had been filed before with the same key.
#[derive(Debug)]
pub struct Filed {
    pub appeal: Appeal,
    pub replayed: bool,
}

/// The routing decision: which agency holds an appeal about a service or a topic.
async fn route(
    db: &Db,
    cat: &Catalogue,
    service: Option<&str>,
    topic: Option<&str>,
) -> Result<Option<String>, AppealError> {
    if let Some(code) = service {
        let s = cat
            .service(code)
            .ok_or_else(|| invalid("service", Problem::UnknownService))?;
        return Ok(Some(s.passport.agency.as_str().to_owned()));
    }
    if let Some(code) = topic {
        let agency: Option<String> =
            sqlx::query_scalar("SELECT agency_code FROM contact_topics WHERE code = $1")
                .bind(code)
                .fetch_optional(&db.pool)
                .await?;
        return agency
            .map(Some)
            .ok_or_else(|| invalid("topic", Problem::UnknownTopic));
    }
    Ok(None)
}

impl AppealStore<'_> {
    /// Files an appeal: checks it, routes it, sets its legal deadline, and stores it with its
    /// first history in one transaction. A retry with the same idempotency key files nothing
    /// and returns the appeal filed the first time.
    pub async fn create(&self, cat: &Catalogue, new: NewAppeal) -> Result<Filed, AppealError> {
        if let Some(key) = &new.idempotency_key {
            if let Some(appeal) = self.by_key(key).await? {
                return Ok(Filed {
                    appeal,
                    replayed: true,
                });
            }
        }
        // A call is recorded, answered at first contact, registered later, marked as needing
        // checks or filed for a named person by the contact centre only (or by the platform
        // itself, registering what reached it otherwise). Anyone else files for themselves: an
        // appeal reaches a person's own list only when they proved who they are.
        let operator = matches!(new.actor, Actor::Operator { .. } | Actor::System);
        if !operator {
            let answered = filled(&new.first_contact_answer).is_some()
                || filled(&new.first_contact_kb).is_some();
            let staff_only = new.channel == Channel::Phone
                || answered
                || new.needs_checking
                || new.received_on.is_some();
            let own = match (&new.pinfl, &new.actor) {
                (None, _) => true,
                (
                    Some(p),
                    Actor::Applicant {
                        pinfl: Some(own), ..
                    },
                ) => p == own,
                (Some(_), _) => false,
            };
            if staff_only || !own {
                return Err(AppealError::NotAllowed);
            }
        }
        if let Some((field, problem)) = new.problems().into_iter().next() {
            return Err(invalid(field, problem));
        }
        let subject = new.subject.trim().to_owned();
        let body = new.body.trim().to_owned();
        let name = new.name.trim().to_owned();
        let phone = filled(&new.phone)
            .and_then(|p| Phone::parse(p).ok())
            .map(|p| p.as_str().to_owned());
        let email = filled(&new.email)
            .and_then(|e| Email::parse(e).ok())
            .map(|e| e.as_str().to_owned());
        let address = filled(&new.address).map(str::to_owned);
        let first_answer = match (
            filled(&new.first_contact_answer),
            filled(&new.first_contact_kb),
        ) {
            (Some(a), _) => Some(check_text("answer", a, MAX_REPLY)?),
            // A knowledge-base answer, in the caller's language.
            (None, Some(code)) => {
                let knowledge = TopicStore { db: self.db }.load().await?;
                let answer = knowledge
                    .answer(code)
                    .ok_or_else(|| invalid("kb", Problem::Required))?;
                Some(check_text("answer", answer.text_in(new.locale), MAX_REPLY)?)
            }
            (None, None) => None,
        };
        let service = new
            .service
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let topic = new
            .topic
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        let agency = route(self.db, cat, service, topic).await?;
        let at = format_timestamp(&now());
        let received = new.received_on.unwrap_or_else(today);
        let received_at = match new.received_on {
            // Registered later: received at the start of that working day (Tashkent, 09:00).
            Some(d) => {
                format_timestamp(&(yagona_core::tashkent_day_start(d) + chrono::Duration::hours(9)))
            }
            None => at.clone(),
        };
        let dl = deadline::legal_deadline(&cat.calendar, received, new.kind, new.needs_checking);
        let status = match (&first_answer, &agency) {
            (Some(_), _) => Status::Answered,
            (None, Some(_)) => Status::Assigned,
            (None, None) => Status::Received,
        };
        loop {
            let id = TrackingNumber::generate();
            let mut batch = Batch::new();
            let values: Vec<Value> = vec![
                id.as_str().into(),
                new.kind.code().into(),
                new.channel.code().into(),
                status.code().into(),
                service.map(str::to_owned).into(),
                topic.map(str::to_owned).into(),
                agency.clone().into(),
                subject.clone().into(),
                body.clone().into(),
                new.pinfl.as_ref().map(|p| p.as_str().to_owned()).into(),
                name.clone().into(),
                phone.clone().into(),
                email.clone().into(),
                new.locale.tag().into(),
                address.clone().into(),
                new.lat.map(|v| v.to_string()).into(),
                new.lon.map(|v| v.to_string()).into(),
                filled(&new.application_ref)
                    .and_then(|r| yagona_core::ReferenceNumber::parse(r).ok())
                    .map(|r| r.as_str().to_owned())
                    .into(),
                bool_int(new.needs_checking),
                received_at.clone().into(),
                dl.date.to_string().into(),
                bool_int(false),
                first_answer.as_ref().map(|_| at.clone()).into(),
                first_answer
                    .as_ref()
                    .map(|_| i64::from(today() <= dl.date))
                    .into(),
                bool_int(first_answer.is_some()),
                Value::Null,
                Value::NullInt,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                new.client_id.clone().into(),
                new.idempotency_key.clone().into(),
                at.clone().into(),
                Value::Int(1),
            ];
            batch.push(
                "INSERT INTO appeals (id, kind, channel, status, service_code, topic_code, agency_code, subject, body, pinfl, name, phone, email, locale, address, lat, lon, application_ref, needs_checking, received_at, deadline, extended, answered_at, answered_on_time, first_contact, closed_at, rating, rating_comment, merged_into, officer_id, officer_name, client_id, idempotency_key, updated_at, revision) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35)",
                values,
            );
            let mut events = vec![Event {
                action: "received",
                public: true,
                actor: &new.actor,
                to_agency: None,
                body: None,
                on: None,
            }];
            if let Some(a) = &agency {
                events.push(Event {
                    action: "routed",
                    public: true,
                    actor: &SYSTEM,
                    to_agency: Some(a.clone()),
                    body: None,
                    on: None,
                });
            }
            if let Some(answer) = &first_answer {
                events.push(Event {
                    action: "replied",
                    public: true,
                    actor: &new.actor,
                    to_agency: None,
                    body: Some(answer.clone()),
                    on: None,
                });
            }
            let target = notice_target(
                email.as_deref(),
                phone.as_deref(),
                new.pinfl.as_ref().map(Pinfl::as_str),
            );
            for e in &events {
                batch.push(INSERT_EVENT, event_values(&id, &at, e));
            }
            let notified: Vec<&str> = events
                .iter()
                .map(|e| e.action)
                .filter(|a| NOTIFIED.contains(a))
                .collect();
            let mut slot = self.db.join_group().await?;
            let mut done = batch.run(self.db.backend, slot.tx()).await;
            if done.is_ok() {
                if let Err(e) =
                    queue_notices(slot.tx(), &id, target.as_ref(), &notified, new.locale, &at).await
                {
                    done = Err(match e {
                        yagona_db::DbError::Sqlx(e) => e,
                        other => sqlx::Error::Protocol(other.to_string()),
                    });
                }
            }
            let clash = done
                .as_ref()
                .err()
                .is_some_and(yagona_db::is_unique_violation);
            match slot.finish(done.is_ok()).await? {
                Outcome::Retry => continue,
                Outcome::Committed => {}
                Outcome::RolledBack if clash => {
                    // Either the same key was filed meanwhile (answer with that appeal), or the
                    // random tracking number was taken (draw another).
                    if let Some(key) = &new.idempotency_key {
                        if let Some(appeal) = self.by_key(key).await? {
                            return Ok(Filed {
                                appeal,
                                replayed: true,
                            });
                        }
                    }
                    continue;
                }
                Outcome::RolledBack => {
                    done?;
                }
            }
            note_uncovered(&dl, &id);
            let appeal = self
                .get(&id, Viewer::Centre)
                .await?
                .ok_or(AppealError::NotFound)?;
            return Ok(Filed {
                appeal,
                replayed: false,
            });
        }
    }

    async fn by_key(&self, key: &str) -> Result<Option<Appeal>, AppealError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM appeals WHERE idempotency_key = $1"
        ))
        .bind(key)
        .fetch_optional(&self.db.pool)
        .await?;
        Ok(row.as_ref().map(appeal_from).transpose()?)
    }
}
