//! Messages: delivering one to the instance that waits for it, or starting a process with it.

use super::{Correlation, ProcessStore, StoreError};
use crate::engine::Instance;
use serde_json::{Map, Value as Json};

impl ProcessStore<'_> {
    /// Delivers a message to the instance with this business key that waits for it; when none
    /// waits, starts the process (the first by id) whose latest version has a message start
    /// event for it, with the business key and the message's variables — as Zeebe's message
    /// correlation does, including its one active instance per business key.
    pub async fn correlate(
        &self,
        message_name: &str,
        business_key: &str,
        variables: Map<String, Json>,
    ) -> Result<Correlation, StoreError> {
        let target: Option<(String, i64)> = sqlx::query_as(
            "SELECT w.instance_id, w.wait_id FROM process_waits w JOIN process_instances i ON i.id = w.instance_id
             WHERE w.kind = 'message' AND w.message_name = $1 AND i.business_key = $2 ORDER BY w.created_at LIMIT 1",
        )
        .bind(message_name)
        .bind(business_key)
        .fetch_optional(&self.db.pool)
        .await?;
        if let Some((instance, wait)) = target {
            self.trigger(&instance, wait as u64, variables).await?;
            return Ok(Correlation::Delivered(instance));
        }
        let starts: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT s.process_id, s.version, s.element_id FROM process_message_starts s
             WHERE s.message_name = $1
               AND s.version = (SELECT MAX(d.version) FROM process_definitions d WHERE d.process_id = s.process_id)
             ORDER BY s.process_id LIMIT 1",
        )
        .bind(message_name)
        .fetch_all(&self.db.pool)
        .await?;
        let Some((process_id, version, element)) = starts.into_iter().next() else {
            return Ok(Correlation::Unmatched);
        };
        let running: Option<String> = sqlx::query_scalar(
            "SELECT id FROM process_instances WHERE process_id = $1 AND business_key = $2 AND status = 'active' LIMIT 1",
        )
        .bind(&process_id)
        .bind(business_key)
        .fetch_optional(&self.db.pool)
        .await?;
        if let Some(id) = running {
            return Ok(Correlation::AlreadyRunning(id));
        }
        let (_, defs) = self.definitions(&process_id, Some(version)).await?;
        let (mut instance, mut step) = Instance::start_at(
            &defs,
            Some(&process_id),
            Some(&element),
            variables,
            self.expr,
        )?;
        self.settle(&mut instance, &defs, &mut step).await?;
        let mut tx = self.db.writer.begin().await?;
        let id = self
            .insert_instance(
                &mut tx,
                &process_id,
                version,
                &defs,
                Some(business_key),
                &instance,
                &step,
                None,
            )
            .await?;
        tx.commit().await?;
        Ok(Correlation::Started(id))
    }
}
