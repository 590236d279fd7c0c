//! The `yagona` node: the components put together into one process. The binary (`main.rs`
//! and [`cli`]) parses the command line; this library holds what it composes, so that tests and
//! benchmarks start a node exactly as `yagona demo` does.
//!
//! - [`node`]: the components of a node, its router and background work;
//! - [`server`]: serving connections thread-per-core, the exchange's calls straight to the
//!   gateway;
//! - [`metrics`]: `/metrics` and `/healthz`;
//! - [`registry`]: a registry folder read, checked and imported, processes deployed;
//! - [`upkeep`]: adopting old applications, sweeping, archiving the message log;
//! - [`mining`]: applications' process history as an XES log for process mining;
//! - [`demo`]: the demo's people, registers, keys, applications and appeals.
//!
//! The boundaries it keeps: the pages (`yagona-web`), the APIs (`yagona-api`) and the exchange
//! gateway (`yagona-gateway`) know nothing of each other; only this crate sees them all.

pub mod bodies;
pub mod cli;
pub mod demo;
pub mod metrics;
pub mod mining;
pub mod node;
pub mod registry;
pub mod server;
pub mod upkeep;

pub use demo::{
    demo_notices, demo_payments, demo_portal_subsystem, ensure_keys, seed_demo_appeals,
    seed_demo_applications, seed_demo_contacts, seed_demo_events, seed_demo_people,
    spawn_registers, DEMO_NODE, DEMO_OPEN311_KEY,
};
pub use node::{Node, NodeConfig};
pub use registry::{
    deploy_processes, import_demo_registry, import_registry, read_registry, DEMO_REGISTRY,
};
pub use upkeep::{
    adopt_applications, archive_exchange_log, housekeeping_once, spawn_housekeeping, Retention,
    STAGED_DOCUMENTS_KEPT,
};

use yagona_db::Db;

/// Applies every component's migrations, in dependency order.
pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    yagona_registry::RegistryStore::migrate(db).await?;
    yagona_identity::IdentityStore::migrate(db).await?;
    yagona_applications::ApplicationStore::migrate(db).await?;
    yagona_workflow::store::ProcessStore::migrate(db).await?;
    yagona_exchange::log::migrate(db).await?;
    yagona_exchange::directory::DirectoryStore::migrate(db).await?;
    yagona_exchange::pubsub::PubSub::migrate(db).await?;
    yagona_contact::AppealStore::migrate(db).await?;
    yagona_payments::PaymentStore::migrate(db).await?;
    yagona_notices::Notices::migrate(db).await?;
    // The standard review runs services whose registry entry brings no process of its own.
    yagona_applications::process::deploy_standard(db).await?;
    Ok(())
}
