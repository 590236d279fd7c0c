//! Applications submitted before their services ran on processes (a database from an earlier
//! release) get their process, so that none is left without a task.

use super::submit::start_process;
use super::{ApplicationStore, COLUMNS};
use crate::model::{Application, ApplicationError};
use crate::process;
use yagona_calendar::Calendar;

impl ApplicationStore<'_> {
    /// Each unprocessed application gets its process in a transaction of its own, and goes to
    /// its agency's inbox. `deadline` gives a service's statutory working days.
    pub async fn adopt_unprocessed(
        &self,
        calendar: &Calendar,
        deadline: impl Fn(&str) -> u32,
    ) -> Result<usize, ApplicationError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM applications WHERE process_instance IS NULL AND status IN ('submitted', 'in-review', 'returned')"
        ))
        .fetch_all(&self.db.pool)
        .await?;
        let engine = process::processes(self.db, calendar);
        let mut adopted = 0;
        for row in &rows {
            let app = Application::from_row(row)?;
            let mut tx = self.db.writer.begin().await?;
            // Which services have a process of their own is not asked: the service's is tried
            // first, as at the time these applications were made.
            match start_process(
                &mut tx,
                &engine,
                &app,
                deadline(&app.service_code),
                true,
                None,
            )
            .await
            {
                Ok(_) => {
                    tx.commit().await?;
                    adopted += 1;
                }
                Err(ApplicationError::Db(e)) => return Err(ApplicationError::Db(e)),
                // One application whose process cannot start keeps its status and is reported;
                // it does not keep the node from starting or the others from being adopted.
                Err(e) => {
                    tracing::error!(reference = %app.reference, error = %e, "application not adopted by a process");
                }
            }
        }
        Ok(adopted)
    }
}
