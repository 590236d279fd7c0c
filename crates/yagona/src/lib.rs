//! The `yagona` node: wiring of the components into one process. The binary (`main.rs`) parses
//! the command line; this library holds the steps it composes, so that tests start a node the
//! same way `yagona demo` does.

use anyhow::Context;
use std::path::Path;
use yagona_applications::ApplicationStore;
use yagona_db::Db;
use yagona_identity::{demo, IdentityStore};
use yagona_registry::{files, ImportReport, RegistryStore};

/// The demo registry shipped in the repository, built into the binary.
pub static DEMO_REGISTRY: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/../../registry");

/// Applies every component's migrations, in dependency order.
pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    RegistryStore::migrate(db).await?;
    IdentityStore::migrate(db).await?;
    ApplicationStore::migrate(db).await?;
    Ok(())
}

/// Reads a registry folder and imports it; every problem is reported with file and location.
pub async fn import_registry(db: &Db, dir: &Path) -> anyhow::Result<ImportReport> {
    let reg = files::read_dir(dir).map_err(|problems| {
        let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        anyhow::anyhow!(
            "the registry at {} has {} problem(s):\n{}",
            dir.display(),
            list.len(),
            list.join("\n")
        )
    })?;
    Ok(RegistryStore { db }.import(&reg).await?)
}

/// Writes the built-in demo registry into `dir` and imports it from there.
pub async fn import_demo_registry(db: &Db, dir: &Path) -> anyhow::Result<ImportReport> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)?;
    DEMO_REGISTRY
        .extract(dir)
        .with_context(|| format!("writing the demo registry to {}", dir.display()))?;
    import_registry(db, dir).await
}

/// The demo identity provider's people: citizens, one officer per agency, an administrator.
pub async fn seed_demo_people(db: &Db) -> anyhow::Result<()> {
    let store = IdentityStore { db };
    let registry = RegistryStore { db }.load().await?;
    let agencies: Vec<&str> = registry.agencies.iter().map(|a| a.code.as_str()).collect();
    for u in demo::citizens()
        .into_iter()
        .chain(demo::officers(agencies))
        .chain([demo::admin()])
    {
        store.upsert_user(&u).await?;
    }
    Ok(())
}
