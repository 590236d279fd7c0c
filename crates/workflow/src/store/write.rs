//! The rows a step writes: the waits that went away, the new ones, and the history events.

use super::{split_groups, timer_due, ts, ProcessStore};
use crate::engine::{Instance, Step, Wait, WaitKind};
use crate::model::{Definitions, FlowElement, Kind};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value as Json};
use yagona_db::{Batch, Value};

/// The columns of a new `process_waits` row (after the instance id).
struct WaitRow {
    wait_id: i64,
    element: String,
    kind: &'static str,
    job_type: Option<String>,
    groups: Option<String>,
    message: Option<String>,
    due: Option<String>,
    inputs: String,
    retries: i64,
    created_at: String,
    form_key: Option<String>,
    label: Option<String>,
    /// A message wait's correlation key (from `zeebe:subscription correlationKey`); none: the
    /// instance's business key.
    correlation_key: Option<String>,
}

impl ProcessStore<'_> {
    /// Adds a step's writes to `batch`: the waits that went away, the new ones, and the history
    /// events — one statement per kind of change, however many rows.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn write_step(
        &self,
        batch: &mut Batch,
        id: &str,
        defs: &Definitions,
        instance: &Instance,
        step: &Step,
        resource: Option<&str>,
        now: DateTime<Utc>,
    ) {
        let gone: Vec<i64> = step
            .consumed
            .iter()
            .chain(&step.cancelled_waits)
            .map(|w| *w as i64)
            .collect();
        if !gone.is_empty() {
            let list: Vec<String> = (0..gone.len()).map(|i| format!("${}", i + 2)).collect();
            let mut values = vec![Value::from(id)];
            values.extend(gone.into_iter().map(Value::Int));
            batch.push(
                format!(
                    "DELETE FROM process_waits WHERE instance_id = $1 AND wait_id IN ({})",
                    list.join(", ")
                ),
                values,
            );
        }
        let rows: Vec<WaitRow> = step
            .new_waits
            .iter()
            .filter(|w| instance.waits.iter().any(|x| x.id == w.id)) // not gone within the step
            .map(|w| self.wait_row(defs, instance, w, now))
            .collect();
        if !rows.is_empty() {
            let placeholders: Vec<String> = (0..rows.len())
                .map(|i| {
                    let n = 2 + 13 * i;
                    let cols: Vec<String> = (n..n + 13).map(|k| format!("${k}")).collect();
                    format!("($1, {})", cols.join(", "))
                })
                .collect();
            let mut values = vec![Value::from(id)];
            for r in rows {
                values.extend([
                    Value::Int(r.wait_id),
                    r.element.into(),
                    r.kind.into(),
                    r.job_type.into(),
                    r.groups.into(),
                    r.message.into(),
                    r.due.into(),
                    r.inputs.into(),
                    Value::Int(r.retries),
                    r.created_at.into(),
                    r.form_key.into(),
                    r.label.into(),
                    r.correlation_key.into(),
                ]);
            }
            batch.push(
                format!(
                    "INSERT INTO process_waits (instance_id, wait_id, element_id, kind, job_type, candidate_groups, message_name, due_at, inputs, retries, created_at, form_key, label, correlation_key)
                     VALUES {}",
                    placeholders.join(", ")
                ),
                values,
            );
        }
        // Signals thrown: kept in the outbox with the step, broadcast by the background loop.
        for name in &step.signals {
            batch.push(
                "INSERT INTO process_signals (id, name, variables, thrown_at) VALUES ($1, $2, $3, $4)",
                vec![
                    uuid::Uuid::now_v7().to_string().into(),
                    name.as_str().into(),
                    "{}".into(),
                    ts(&now).into(),
                ],
            );
        }
        // History: what completed in the step, in the engine's order, then the tasks that began
        // to wait in it (a task that begins and ends within one step has only its completion:
        // the export gives it a start at the same moment).
        let mut history: Vec<[Value; 5]> = step
            .completed
            .iter()
            .map(|c| {
                [
                    c.id.as_str().into(),
                    c.kind.as_str().into(),
                    c.name.as_deref().into(),
                    "complete".into(),
                    resource.into(),
                ]
            })
            .collect();
        for w in step
            .new_waits
            .iter()
            .filter(|w| instance.waits.iter().any(|x| x.id == w.id))
        {
            let Some(e) = element_of(defs, &w.element) else {
                continue;
            };
            if crate::xes::is_task(e.kind.tag()) {
                history.push([
                    e.id.as_str().into(),
                    e.kind.tag().into(),
                    e.name.as_deref().into(),
                    "start".into(),
                    Value::Null,
                ]);
            }
        }
        if !history.is_empty() {
            let placeholders: Vec<String> = (0..history.len())
                .map(|i| {
                    let n = 3 + 5 * i;
                    let cols: Vec<String> = (n..n + 5).map(|k| format!("${k}")).collect();
                    format!("($1, $2, {})", cols.join(", "))
                })
                .collect();
            let mut values = vec![Value::from(id), ts(&now).into()];
            values.extend(history.into_iter().flatten());
            batch.push(
                format!(
                    "INSERT INTO process_events (instance_id, at, element_id, element_type, element_name, lifecycle, resource) VALUES {}",
                    placeholders.join(", ")
                ),
                values,
            );
        }
    }

    /// What the `process_waits` row of a new wait holds.
    fn wait_row(
        &self,
        defs: &Definitions,
        instance: &Instance,
        w: &Wait,
        now: DateTime<Utc>,
    ) -> WaitRow {
        let element = element_of(defs, &w.element);
        let called = element.is_some_and(|e| matches!(e.kind, Kind::CallActivity));
        let (kind, job_type, message) = match &w.what {
            // A call activity waits for its called process, not for a worker.
            WaitKind::Job { .. } if called => ("call", None, None),
            WaitKind::Job { job_type } => ("job", job_type.clone(), None),
            WaitKind::UserTask => ("user-task", None, None),
            WaitKind::Timer { .. } => ("timer", None, None),
            WaitKind::Message { message } => {
                let name = message
                    .as_ref()
                    .and_then(|m| defs.messages.iter().find(|x| &x.id == m))
                    .and_then(|m| m.name.clone().or(Some(m.id.clone())));
                ("message", None, name)
            }
            // The signal's name, by which it is broadcast, in the same column.
            WaitKind::Signal { signal } => {
                let name = signal.as_ref().map(|s| {
                    defs.signals
                        .iter()
                        .find(|x| &x.id == s)
                        .and_then(|x| x.name.clone())
                        .unwrap_or_else(|| s.clone())
                });
                ("signal", None, name)
            }
        };
        let due = match &w.what {
            WaitKind::UserTask => element
                .and_then(|e| e.zeebe.due_date.as_deref())
                .and_then(|d| self.moment(d, &instance.variables_for(w))),
            other => timer_due(
                other,
                now,
                &instance.variables_for(w),
                self.expr,
                self.calendar,
            ),
        }
        .map(|t| ts(&t));
        // Candidate groups as a plain list `a,b`; `=expression` is evaluated (`=agency`).
        let groups = element
            .and_then(|e| e.zeebe.candidate_groups.as_deref())
            .map(|g| {
                if g.starts_with('=') {
                    match self.expr.evaluate(g, &instance.variables_for(w)) {
                        Ok(Json::String(s)) => split_groups(&s),
                        Ok(Json::Array(items)) => items
                            .iter()
                            .filter_map(|i| i.as_str().map(str::to_owned))
                            .collect(),
                        _ => Vec::new(),
                    }
                } else {
                    split_groups(g)
                }
                .join(",")
            });
        let retries = element
            .and_then(|e| e.zeebe.retries.as_deref())
            .and_then(|r| r.parse::<i64>().ok())
            .unwrap_or(3);
        WaitRow {
            wait_id: w.id as i64,
            element: w.element.clone(),
            kind,
            job_type,
            groups,
            message,
            due,
            inputs: Json::Object(w.inputs.clone()).to_string(),
            retries,
            created_at: ts(&now),
            form_key: element.and_then(|e| e.zeebe.form_key.clone()),
            label: element.map(|e| Json::Object(e.labels()).to_string()),
            correlation_key: self.correlation_key(defs, instance, w).ok().flatten(),
        }
    }

    /// A moment written as a date, a date-time or a FEEL expression giving one (a user task's
    /// `zeebe:taskSchedule dueDate`).
    fn moment(&self, text: &str, vars: &Map<String, Json>) -> Option<DateTime<Utc>> {
        let value = if text.starts_with('=') {
            match self.expr.evaluate(text, vars) {
                Ok(Json::String(s)) => s,
                _ => return None,
            }
        } else {
            text.to_owned()
        };
        DateTime::parse_from_rfc3339(&value)
            .map(|t| t.with_timezone(&Utc))
            .ok()
            .or_else(|| {
                let d: chrono::NaiveDate = value.parse().ok()?;
                Some(d.succ_opt()?.and_hms_opt(0, 0, 0)?.and_utc() - Duration::hours(5))
            })
    }
}

/// The model's element with this id, in any process or sub-process.
fn element_of<'d>(defs: &'d Definitions, id: &str) -> Option<&'d FlowElement> {
    defs.processes
        .iter()
        .flat_map(|p| p.scope.walk())
        .find(|e| e.id == id)
}
