//! What an instance did: its status, history, XES history, diagram and decision results.

use super::{ProcessStore, StoreError};
use serde_json::{Map, Value as Json};
use sqlx::Row;

impl ProcessStore<'_> {
    /// The instance's status (`active`, `completed`, `incident`) and the elements it waits at.
    pub async fn status(
        &self,
        instance_id: &str,
    ) -> Result<(String, Vec<(i64, String, String)>), StoreError> {
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM process_instances WHERE id = $1")
                .bind(instance_id)
                .fetch_optional(&self.db.pool)
                .await?;
        let status = status.ok_or_else(|| StoreError::NoInstance(instance_id.to_owned()))?;
        let waits: Vec<(i64, String, String)> =
            sqlx::query_as("SELECT wait_id, element_id, kind FROM process_waits WHERE instance_id = $1 ORDER BY wait_id")
                .bind(instance_id)
                .fetch_all(&self.db.pool)
                .await?;
        Ok((status, waits))
    }

    /// The history of every case — an instance with the processes it called — as rows for an
    /// XES log (see [`crate::xes`]), oldest case first; `process` keeps only the cases started
    /// on that process.
    pub async fn xes_history(
        &self,
        process_id: Option<&str>,
    ) -> Result<Vec<crate::xes::HistoryRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.id, r.business_key, r.process_id, e.instance_id, e.element_id, e.element_type, e.element_name, e.at, e.lifecycle, e.resource
             FROM process_events e
             JOIN process_instances i ON i.id = e.instance_id
             JOIN process_instances r ON r.id = COALESCE(i.root_instance, i.id)
             WHERE $1 = '' OR r.process_id = $1
             ORDER BY r.started_at, r.id, e.id",
        )
        .bind(process_id.unwrap_or(""))
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(crate::xes::HistoryRow {
                    case: r.try_get(0)?,
                    business_key: r.try_get(1)?,
                    process: r.try_get(2)?,
                    instance: r.try_get(3)?,
                    element_id: r.try_get(4)?,
                    element_type: r.try_get(5)?,
                    element_name: r.try_get(6)?,
                    at: r.try_get(7)?,
                    lifecycle: r.try_get(8)?,
                    resource: r.try_get(9)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }

    /// Results worth showing an officer, in the order they came: each business-rule task's
    /// decision and each data service's answer (`yagona:exchange` with a `resultVariable`) —
    /// the task's labels (see [`crate::model::FlowElement::labels`]) and the variable's value.
    pub async fn decision_results(
        &self,
        instance_id: &str,
    ) -> Result<Vec<(Map<String, Json>, Json)>, StoreError> {
        let loaded = self.load(&self.db.pool, instance_id).await?;
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (element, kind, _) in self.history(instance_id).await?.into_iter().rev() {
            if !matches!(kind.as_str(), "businessRuleTask" | "serviceTask")
                || !seen.insert(element.clone())
            {
                continue;
            }
            let Some(e) = loaded
                .defs
                .processes
                .iter()
                .flat_map(|p| p.scope.walk())
                .find(|e| e.id == element)
            else {
                continue;
            };
            // A decision's result, or what a data service answered (`yagona:exchange`).
            let var = if kind == "serviceTask" {
                if e.zeebe.task_type.as_deref() != Some("yagona:exchange") {
                    continue;
                }
                match e.zeebe.headers.iter().find(|(k, _)| k == "resultVariable") {
                    Some((_, v)) => v.as_str(),
                    None => continue,
                }
            } else {
                e.zeebe.result_variable.as_deref().unwrap_or("result")
            };
            if let Some(v) = loaded.instance.variables.get(var) {
                out.push((e.labels(), v.clone()));
            }
        }
        out.reverse();
        Ok(out)
    }

    /// The instance's diagram as SVG (from the model's diagram interchange), with the elements
    /// it has completed and the ones it waits at highlighted.
    pub async fn diagram(
        &self,
        instance_id: &str,
        title: &str,
        language: Option<&str>,
    ) -> Result<String, StoreError> {
        let loaded = self.load(&self.db.pool, instance_id).await?;
        let mut highlight = crate::svg::Highlight {
            language: language.map(str::to_owned),
            ..Default::default()
        };
        for (element, _, _) in self.history(instance_id).await? {
            highlight.done.insert(element);
        }
        for w in &loaded.instance.waits {
            highlight.active.insert(w.element.clone());
        }
        let open: Vec<(String,)> = sqlx::query_as(
            "SELECT element_id FROM process_incidents WHERE instance_id = $1 AND resolved_at IS NULL",
        )
        .bind(instance_id)
        .fetch_all(&self.db.pool)
        .await?;
        highlight.incident.extend(open.into_iter().map(|(e,)| e));
        Ok(crate::svg::render(&loaded.defs, title, &highlight))
    }

    /// What the instance completed: (element, type, lifecycle) in order. Tasks' starts and
    /// assignments, kept for process mining, are not in it.
    pub async fn history(
        &self,
        instance_id: &str,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        Ok(sqlx::query_as("SELECT element_id, element_type, lifecycle FROM process_events WHERE instance_id = $1 AND lifecycle = 'complete' ORDER BY id")
            .bind(instance_id)
            .fetch_all(&self.db.pool)
            .await?)
    }
}
