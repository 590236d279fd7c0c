//! Process mining: the history of every application's process as an XES event log
//! (`yagona process export-xes`). The workflow keeps the history and writes the log; the
//! applications give each case its name, the application's reference number, for the
//! application id its process carries as business key.

use std::collections::HashMap;
use yagona_applications::ApplicationStore;
use yagona_db::Db;
use yagona_workflow::feel::Feel;
use yagona_workflow::store::ProcessStore;
use yagona_workflow::xes;

/// An XES log and what it holds.
pub struct XesLog {
    pub xml: String,
    pub cases: usize,
    pub events: usize,
}

/// The log of the cases started on `process` (all when `None`): tasks only, or with the events,
/// gateways and sub-processes too.
pub async fn xes_log(
    db: &Db,
    process: Option<&str>,
    options: xes::Options,
) -> anyhow::Result<XesLog> {
    let rows = ProcessStore::new(db, &Feel).xes_history(process).await?;
    let mut keys: Vec<String> = rows.iter().filter_map(|r| r.business_key.clone()).collect();
    keys.sort();
    keys.dedup();
    let names: HashMap<String, String> = ApplicationStore { db }
        .references(&keys)
        .await?
        .into_iter()
        .map(|(id, reference)| (id, reference.as_str().to_owned()))
        .collect();
    let cases = xes::cases(&rows, options, &names);
    Ok(XesLog {
        xml: xes::write(process.unwrap_or("yagona"), &cases),
        cases: cases.len(),
        events: cases.iter().map(|c| c.events.len()).sum(),
    })
}
