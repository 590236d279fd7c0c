//! User tasks: what an instance, a call tree or an inbox has open, and claiming them.

use super::{
    split_groups, ts, OpenTask, ProcessStore, StepView, StoreError, TaskQuery, Tx, UserTask,
};
use crate::engine::{EngineError, Step};
use chrono::Utc;
use sqlx::Row;

fn user_task_from_row(r: &sqlx::any::AnyRow) -> Result<UserTask, StoreError> {
    let groups: Option<String> = r.try_get(3)?;
    let moment = |text: Option<String>| -> Result<Option<yagona_core::Timestamp>, StoreError> {
        text.map(|t| {
            yagona_core::parse_timestamp(&t).ok_or_else(|| {
                StoreError::Unrunnable(format!("a task's time {t:?} is not RFC 3339"))
            })
        })
        .transpose()
    };
    Ok(UserTask {
        instance_id: r.try_get(0)?,
        wait_id: r.try_get(1)?,
        element_id: r.try_get(2)?,
        candidate_groups: groups.as_deref().map(split_groups).unwrap_or_default(),
        assignee: r.try_get(4)?,
        assignee_name: r.try_get(5)?,
        form_key: r.try_get(6)?,
        due_at: moment(r.try_get(7)?)?,
        created_at: moment(Some(r.try_get(8)?))?.unwrap_or_default(),
        label: r
            .try_get::<Option<String>, _>(9)?
            .and_then(|l| serde_json::from_str(&l).ok())
            .unwrap_or_default(),
        escalated_at: moment(r.try_get(10)?)?,
    })
}

/// The columns [`user_task_from_row`] reads, of `process_waits` as `w`.
const TASK_COLUMNS: &str = "w.instance_id, w.wait_id, w.element_id, w.candidate_groups, w.assignee, w.assignee_name, w.form_key, w.due_at, w.created_at, w.label, w.escalated_at";

/// The open user tasks of a call tree (`$1`: its root instance), oldest first.
const TREE_TASKS: &str = "SELECT w.instance_id, w.wait_id, w.element_id, w.candidate_groups, w.assignee, w.assignee_name, w.form_key, w.due_at, w.created_at, w.label, w.escalated_at
     FROM process_waits w WHERE w.kind = 'user-task' AND w.incident_id IS NULL
       AND w.instance_id IN (SELECT id FROM process_instances WHERE root_instance = $1)
     ORDER BY w.created_at, w.wait_id";

/// The open user tasks of a call tree, read inside a step's transaction: what a
/// [`StepHook`](super::StepHook) keeping a view of the whole tree (an application's status)
/// needs to see.
pub async fn tree_user_tasks(
    tx: &mut Tx,
    root_instance: &str,
) -> Result<Vec<UserTask>, StoreError> {
    let rows = sqlx::query(TREE_TASKS)
        .bind(root_instance)
        .fetch_all(&mut **tx)
        .await?;
    rows.iter().map(user_task_from_row).collect()
}

impl ProcessStore<'_> {
    /// The open user tasks of an instance and of the processes it called, oldest first.
    pub async fn user_tasks_of(&self, instance_id: &str) -> Result<Vec<UserTask>, StoreError> {
        let rows = sqlx::query(TREE_TASKS)
            .bind(instance_id)
            .fetch_all(&self.db.pool)
            .await?;
        rows.iter().map(user_task_from_row).collect()
    }

    /// The open user tasks offered to a candidate group (an agency), with the business key of
    /// the instance each belongs to (a called process carries its caller's): an inbox. Oldest
    /// first; `query` narrows it to an assignee or to some business keys.
    pub async fn open_user_tasks(
        &self,
        query: &TaskQuery<'_>,
    ) -> Result<Vec<OpenTask>, StoreError> {
        let mut sql = format!(
            "SELECT {TASK_COLUMNS}, pi.business_key FROM process_waits w JOIN process_instances pi ON pi.id = w.instance_id
             WHERE w.kind = 'user-task' AND w.incident_id IS NULL AND (',' || w.candidate_groups || ',') LIKE $1"
        );
        let mut binds = vec![format!("%,{},%", query.group)];
        match query.assignee {
            Some(Some(a)) => {
                binds.push(a.to_owned());
                sql.push_str(&format!(" AND w.assignee = ${}", binds.len()));
            }
            Some(None) => sql.push_str(" AND w.assignee IS NULL"),
            None => {}
        }
        if let Some(keys) = query.business_keys {
            if keys.is_empty() {
                return Ok(Vec::new());
            }
            let first = binds.len() + 1;
            binds.extend(keys.iter().cloned());
            let list: Vec<String> = (first..=binds.len()).map(|n| format!("${n}")).collect();
            sql.push_str(&format!(" AND pi.business_key IN ({})", list.join(", ")));
        }
        sql.push_str(" ORDER BY w.created_at, w.wait_id");
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&self.db.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(OpenTask {
                    task: user_task_from_row(r)?,
                    business_key: r.try_get(11)?,
                })
            })
            .collect()
    }

    /// A person takes a user task (inside the caller's transaction): it is theirs until they
    /// complete or release it. Someone else's task cannot be taken over this way.
    pub async fn claim_in(
        &self,
        tx: &mut Tx,
        instance_id: &str,
        wait_id: u64,
        user_id: &str,
        user_name: &str,
    ) -> Result<(), StoreError> {
        self.assign(
            tx,
            instance_id,
            wait_id,
            Some((user_id, user_name)),
            user_id,
        )
        .await
    }

    /// The assignee gives a user task back to its groups (inside the caller's transaction).
    pub async fn unclaim_in(
        &self,
        tx: &mut Tx,
        instance_id: &str,
        wait_id: u64,
        user_id: &str,
    ) -> Result<(), StoreError> {
        self.assign(tx, instance_id, wait_id, None, user_id).await
    }

    /// Gives a user task to a person (`to`) or back to its groups (`None`), provided it is not
    /// someone else's. Taking a task someone did not already hold is recorded in the history
    /// as its `assign` (for process mining), in the same transaction.
    async fn assign(
        &self,
        tx: &mut Tx,
        instance_id: &str,
        wait_id: u64,
        to: Option<(&str, &str)>,
        by: &str,
    ) -> Result<(), StoreError> {
        let held: Option<(String, Option<String>)> = sqlx::query_as(
            "SELECT element_id, assignee FROM process_waits WHERE instance_id = $1 AND wait_id = $2 AND kind = 'user-task'",
        )
        .bind(instance_id)
        .bind(wait_id as i64)
        .fetch_optional(&mut **tx)
        .await?;
        let Some((element_id, held_by)) = held else {
            return Err(StoreError::Engine(EngineError::UnknownWait(wait_id)));
        };
        let done = sqlx::query(
            "UPDATE process_waits SET assignee = $1, assignee_name = $2
             WHERE instance_id = $3 AND wait_id = $4 AND kind = 'user-task' AND (assignee IS NULL OR assignee = $5)",
        )
        .bind(to.map(|t| t.0))
        .bind(to.map(|t| t.1))
        .bind(instance_id)
        .bind(wait_id as i64)
        .bind(by)
        .execute(&mut **tx)
        .await?;
        if done.rows_affected() != 1 {
            let open: Option<i64> = sqlx::query_scalar(
                "SELECT wait_id FROM process_waits WHERE instance_id = $1 AND wait_id = $2 AND kind = 'user-task'",
            )
            .bind(instance_id)
            .bind(wait_id as i64)
            .fetch_optional(&mut **tx)
            .await?;
            return Err(match open {
                Some(_) => StoreError::TaskTaken,
                None => StoreError::Engine(EngineError::UnknownWait(wait_id)),
            });
        }
        let taken = to.filter(|(user, _)| held_by.as_deref() != Some(*user));
        if taken.is_none() && self.hook.is_none() {
            return Ok(());
        }
        let loaded = self.load(&mut **tx, instance_id).await?;
        let now = Utc::now();
        if let Some((_, name)) = taken {
            let element = loaded
                .defs
                .processes
                .iter()
                .flat_map(|p| p.scope.walk())
                .find(|e| e.id == element_id);
            sqlx::query(
                "INSERT INTO process_events (instance_id, at, element_id, element_type, element_name, lifecycle, resource)
                 VALUES ($1, $2, $3, $4, $5, 'assign', $6)",
            )
            .bind(instance_id)
            .bind(ts(&now))
            .bind(&element_id)
            .bind(element.map_or("userTask", |e| e.kind.tag()))
            .bind(element.and_then(|e| e.name.as_deref()))
            .bind(name)
            .execute(&mut **tx)
            .await?;
        }
        if let Some(hook) = self.hook {
            hook.after_step(
                tx,
                StepView {
                    instance_id,
                    root_instance: &loaded.root,
                    business_key: loaded.business_key.as_deref(),
                    defs: &loaded.defs,
                    instance: &loaded.instance,
                    step: &Step::default(),
                    resource: to.map(|t| t.1),
                    at: now,
                },
            )
            .await?;
        }
        Ok(())
    }
}
