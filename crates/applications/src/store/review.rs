//! Officers' work: the inbox of tasks offered to their agency (asked of the workflow), and
//! taking, releasing and completing a task with the application's history in one transaction.

use super::{insert_document, record, ApplicationStore, NewDocument};
use crate::documents::DocumentKind;
use crate::model::{task_overdue, Application, ApplicationError, InboxFilter, InboxItem, Viewer};
use crate::process;
use crate::status::{Action, Actor};
use chrono::NaiveDate;
use serde_json::{Map, Value};
use std::collections::HashMap;
use yagona_calendar::Calendar;
use yagona_core::{now, ReferenceNumber};
use yagona_workflow::store::{OpenTask, TaskQuery, UserTask};

/// The most ids one statement names (SQLite and PostgreSQL both take this many parameters,
/// with room).
const MAX_KEYS: usize = 500;

/// A checked result document an officer attached to an approval.
pub(crate) struct ResultFile {
    pub file_name: String,
    pub media_type: String,
    pub bytes: Vec<u8>,
}

/// What completing a task records: the checked decision, the comment and the task form's data.
pub(crate) struct Completion {
    pub action: Action,
    pub comment: Option<String>,
    pub result: Option<ResultFile>,
    pub variables: Map<String, Value>,
}

impl ApplicationStore<'_> {
    /// The open user tasks offered to an agency (its candidate group), with their
    /// applications: the officers' inbox. Oldest deadline first, at most `limit` tasks.
    ///
    /// The tasks are the workflow's and the applications this component's, so the page is
    /// chosen in two steps rather than one query: the filters on applications are the SQL's,
    /// which gives each matching application's deadline only; the page is chosen on those and
    /// the tasks; then only the page's applications are read whole.
    pub async fn inbox(
        &self,
        agency: &str,
        officer_id: &str,
        filter: &InboxFilter,
        calendar: &Calendar,
        limit: usize,
    ) -> Result<Vec<InboxItem>, ApplicationError> {
        let engine = process::processes(self.db, calendar);
        let assignee = match filter.mine {
            Some(true) => Some(Some(officer_id)),
            Some(false) => Some(None),
            None => None,
        };
        // A reference number or PINFL names a few applications: the workflow is asked for
        // their tasks alone, not for the whole agency's.
        let named = match &filter.query {
            Some(_) => Some(self.inbox_deadlines(None, filter).await?),
            None => None,
        };
        let keys: Option<Vec<String>> = named
            .as_ref()
            .filter(|d| d.len() <= MAX_KEYS)
            .map(|d| d.keys().cloned().collect());
        let tasks = engine
            .open_user_tasks(&TaskQuery {
                group: agency,
                assignee,
                business_keys: keys.as_deref(),
            })
            .await?;
        let deadlines = match named {
            Some(d) => d,
            None => {
                let mut ids: Vec<String> = tasks
                    .iter()
                    .filter_map(|t| t.business_key.clone())
                    .collect();
                ids.sort();
                ids.dedup();
                self.inbox_deadlines(Some(&ids), filter).await?
            }
        };
        let mut page: Vec<(OpenTask, Option<NaiveDate>)> = tasks
            .into_iter()
            .filter_map(|t| {
                let due = *deadlines.get(t.business_key.as_deref()?)?;
                Some((t, due))
            })
            .filter(|(t, due)| {
                filter
                    .overdue_on
                    .is_none_or(|day| task_overdue(&t.task, *due, day))
            })
            .collect();
        // Tasks come oldest first; the stable sort keeps that order within a deadline.
        page.sort_by_key(|(_, due)| (due.is_none(), *due));
        page.truncate(limit);
        let mut ids: Vec<String> = page
            .iter()
            .filter_map(|(t, _)| t.business_key.clone())
            .collect();
        ids.sort();
        ids.dedup();
        let apps: HashMap<String, Application> = self
            .by_ids(&ids)
            .await?
            .into_iter()
            .map(|a| (a.id.clone(), a))
            .collect();
        Ok(page
            .into_iter()
            .filter_map(|(t, _)| {
                Some(InboxItem {
                    application: apps.get(t.business_key.as_deref()?)?.clone(),
                    task: t.task,
                })
            })
            .collect())
    }

    /// The decision deadlines, by id, of the applications that pass the inbox filter's
    /// conditions on applications (service, reference number or PINFL): among `ids`, or —
    /// with no ids — all that the filter's reference number or PINFL names.
    async fn inbox_deadlines(
        &self,
        ids: Option<&[String]>,
        filter: &InboxFilter,
    ) -> Result<HashMap<String, Option<NaiveDate>>, ApplicationError> {
        let mut out = HashMap::new();
        let chunks: Vec<&[String]> = match ids {
            Some(ids) => ids.chunks(MAX_KEYS).collect(),
            None => vec![&[]],
        };
        for chunk in chunks {
            let mut binds: Vec<&str> = chunk.iter().map(String::as_str).collect();
            let mut conditions = Vec::new();
            if ids.is_some() {
                let list: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
                conditions.push(format!("id IN ({})", list.join(", ")));
            }
            if let Some(s) = &filter.service {
                binds.push(s);
                conditions.push(format!("service_code = ${}", binds.len()));
            }
            if let Some(q) = &filter.query {
                binds.push(q);
                let n = binds.len();
                conditions.push(format!("(reference = ${n} OR applicant_pinfl = ${n})"));
            }
            if conditions.is_empty() {
                // Neither ids nor a reference number or PINFL: nothing is named.
                continue;
            }
            let sql = format!(
                "SELECT id, decision_due FROM applications WHERE {}",
                conditions.join(" AND ")
            );
            let mut query = sqlx::query_as::<_, (String, Option<String>)>(&sql);
            for b in binds {
                query = query.bind(b);
            }
            for (id, due) in query.fetch_all(&self.db.pool).await? {
                let due = due
                    .map(|d| d.parse().map_err(|_| super::bad("decision_due")))
                    .transpose()?;
                out.insert(id, due);
            }
        }
        Ok(out)
    }

    /// The open user tasks of an application that an agency may work (offered to it, and not
    /// the applicant's own, such as a correction).
    pub async fn tasks_for(
        &self,
        app: &Application,
        agency: &str,
        calendar: &Calendar,
    ) -> Result<Vec<UserTask>, ApplicationError> {
        let Some(instance) = &app.process_instance else {
            return Ok(Vec::new());
        };
        Ok(process::processes(self.db, calendar)
            .user_tasks_of(instance)
            .await?
            .into_iter()
            .filter(|t| {
                t.candidate_groups.iter().any(|g| g == agency)
                    && !t
                        .candidate_groups
                        .iter()
                        .any(|g| g == process::APPLICANT_GROUP)
            })
            .collect())
    }

    /// The officer's agency's task with this key on the application, and the application.
    pub(crate) async fn officer_task(
        &self,
        reference: &ReferenceNumber,
        officer: &Actor,
        task: &str,
        calendar: &Calendar,
    ) -> Result<(Application, UserTask), ApplicationError> {
        let Actor::Officer { agency, .. } = officer else {
            return Err(ApplicationError::NotFound);
        };
        let app = self
            .get(reference, Viewer::Agency(agency))
            .await?
            .ok_or(ApplicationError::NotFound)?;
        let task = self
            .tasks_for(&app, agency, calendar)
            .await?
            .into_iter()
            .find(|t| t.key() == task)
            .ok_or(ApplicationError::NoTask)?;
        Ok((app, task))
    }

    /// An officer takes a task (`take`) or gives it back to the agency's queue.
    pub(crate) async fn assign(
        &self,
        reference: &ReferenceNumber,
        officer: &Actor,
        task: &str,
        calendar: &Calendar,
        take: bool,
    ) -> Result<Application, ApplicationError> {
        let (app, task) = self
            .officer_task(reference, officer, task, calendar)
            .await?;
        let instance = task.instance_id.as_str();
        let engine = process::processes(self.db, calendar);
        let at = now();
        let mut tx = self.db.writer.begin().await?;
        let action = if take {
            engine
                .claim_in(
                    &mut tx,
                    instance,
                    task.wait_id as u64,
                    officer.id(),
                    officer.name(),
                )
                .await?;
            Action::Take
        } else {
            engine
                .unclaim_in(&mut tx, instance, task.wait_id as u64, officer.id())
                .await?;
            Action::Release
        };
        record(
            &mut tx,
            &app.id,
            &at,
            officer,
            action,
            Some(app.status),
            None,
            Some(&task.label),
        )
        .await?;
        tx.commit().await?;
        self.get(reference, Viewer::Agency(officer_agency(officer)))
            .await?
            .ok_or(ApplicationError::NotFound)
    }

    /// Completes an officer's task with a checked decision: the claim (deciding an unclaimed
    /// task takes it on the way), the result document, the completion and the history event
    /// are one transaction; where the application goes next is the process's business.
    pub(crate) async fn complete_task(
        &self,
        app: &Application,
        task: &UserTask,
        officer: &Actor,
        completion: Completion,
        calendar: &Calendar,
    ) -> Result<Application, ApplicationError> {
        if task.assignee.as_deref().is_some_and(|a| a != officer.id()) {
            return Err(ApplicationError::TaskTaken);
        }
        let mut vars = completion.variables;
        vars.insert("decision".into(), completion.action.code().into());
        vars.insert(
            "comment".into(),
            completion.comment.clone().unwrap_or_default().into(),
        );
        let instance = task.instance_id.as_str();
        let at = now();
        let engine = process::processes(self.db, calendar);
        let mut tx = self.db.writer.begin().await?;
        if task.assignee.is_none() {
            engine
                .claim_in(
                    &mut tx,
                    instance,
                    task.wait_id as u64,
                    officer.id(),
                    officer.name(),
                )
                .await?;
        }
        sqlx::query("UPDATE applications SET officer_id = $1 WHERE id = $2")
            .bind(officer.id())
            .bind(&app.id)
            .execute(&mut *tx)
            .await?;
        if let Some(file) = &completion.result {
            insert_document(
                &mut tx,
                &app.id,
                NewDocument {
                    // Carried inside the result the issue step prints and signs.
                    kind: DocumentKind::Annex,
                    field: "",
                    file_name: &file.file_name,
                    media_type: &file.media_type,
                    bytes: &file.bytes,
                },
                &at,
            )
            .await?;
        }
        match engine
            .complete_in(
                &mut tx,
                instance,
                task.wait_id as u64,
                vars,
                Some(officer.name()),
            )
            .await
        {
            // The model cannot go on from the officer's decision: the decision is recorded
            // with the incident, and the process waits for an administrator (the page says so).
            Ok(_) | Err(yagona_workflow::store::StoreError::Incident { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        record(
            &mut tx,
            &app.id,
            &at,
            officer,
            completion.action,
            Some(app.status),
            completion.comment.as_deref(),
            Some(&task.label),
        )
        .await?;
        if completion.action == crate::status::Action::Return {
            let mut params = serde_json::Map::new();
            params.insert(
                "comment".into(),
                completion.comment.clone().unwrap_or_default().into(),
            );
            crate::notices::tell_in(
                &mut tx,
                app,
                yagona_notices::Event::Returned,
                &format!("{}:{}", task.instance_id, task.wait_id),
                params,
            )
            .await?;
        }
        tx.commit().await?;
        self.get(&app.reference, Viewer::Agency(officer_agency(officer)))
            .await?
            .ok_or(ApplicationError::NotFound)
    }
}

fn officer_agency(officer: &Actor) -> &str {
    match officer {
        Actor::Officer { agency, .. } => agency,
        _ => "",
    }
}
