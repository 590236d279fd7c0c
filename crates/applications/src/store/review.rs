//! Officers' work: the inbox of tasks offered to their agency (asked of the workflow), and
//! taking, releasing and completing a task with the application's history in one transaction.

use super::{insert_document, record, ApplicationStore, NewDocument};
use crate::documents::DocumentKind;
use crate::model::{Application, ApplicationError, InboxFilter, InboxItem, Viewer};
use crate::process;
use crate::status::{Action, Actor};
use serde_json::{Map, Value};
use std::collections::HashMap;
use yagona_calendar::Calendar;
use yagona_core::{now, ReferenceNumber};
use yagona_workflow::store::{TaskQuery, UserTask};

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
    /// applications: the officers' inbox. Oldest deadline first.
    pub async fn inbox(
        &self,
        agency: &str,
        officer_id: &str,
        filter: &InboxFilter,
        calendar: &Calendar,
    ) -> Result<Vec<InboxItem>, ApplicationError> {
        let engine = process::processes(self.db, calendar);
        let assignee = match filter.mine {
            Some(true) => Some(Some(officer_id)),
            Some(false) => Some(None),
            None => None,
        };
        let tasks = engine
            .open_user_tasks(&TaskQuery {
                group: agency,
                assignee,
                business_keys: None,
            })
            .await?;
        let mut ids: Vec<String> = tasks
            .iter()
            .filter_map(|t| t.business_key.clone())
            .collect();
        ids.sort();
        ids.dedup();
        let apps: HashMap<String, Application> = self
            .by_ids(&ids)
            .await?
            .into_iter()
            .filter(|a| filter.service.as_ref().is_none_or(|s| *s == a.service_code))
            .filter(|a| {
                filter.query.as_ref().is_none_or(|q| {
                    a.reference.as_str() == q.as_str() || a.applicant_pinfl.as_str() == q.as_str()
                })
            })
            .map(|a| (a.id.clone(), a))
            .collect();
        let mut out: Vec<InboxItem> = tasks
            .into_iter()
            .filter_map(|t| {
                let application = apps.get(t.business_key.as_deref()?)?.clone();
                Some(InboxItem {
                    application,
                    task: t.task,
                })
            })
            .filter(|item| filter.overdue_on.is_none_or(|day| item.overdue(day)))
            .collect();
        // Tasks come oldest first; the stable sort keeps that order within a deadline.
        out.sort_by_key(|i| {
            (
                i.application.decision_due.is_none(),
                i.application.decision_due,
            )
        });
        out.truncate(500);
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
                    kind: DocumentKind::Result,
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
