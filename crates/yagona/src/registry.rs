//! The registry as files, into the database: read with every problem located, checked
//! against the exchange directory and the contact point's data, imported, and the services'
//! processes deployed.

use anyhow::Context;
use std::path::Path;
use yagona_contact::topics::{ContactData, TopicStore};
use yagona_db::Db;
use yagona_exchange::directory::{Directory, DirectoryStore};
use yagona_registry::{files, ImportReport, RegistryStore};

/// The demo registry shipped in the repository, built into the binary.
pub static DEMO_REGISTRY: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/../../registry");

/// Reads a registry folder: the registry itself, its exchange directory (`exchange/`), whose
/// members are checked against the registry's agencies, and the contact point's topics and
/// knowledge base (`contact/`). Every problem of all three is returned.
pub fn read_registry(
    dir: &Path,
) -> Result<(yagona_registry::Registry, Directory, ContactData), Vec<files::Problem>> {
    let reg = files::read_dir(dir)?;
    let agencies = reg
        .agencies
        .iter()
        .map(|a| {
            (
                a.code.as_str().to_owned(),
                (a.stir.as_str().to_owned(), a.name.clone()),
            )
        })
        .collect();
    let directory = yagona_exchange::directory::read_dir(dir, &agencies);
    let agency_codes = reg
        .agencies
        .iter()
        .map(|a| a.code.as_str().to_owned())
        .collect();
    let service_codes = reg
        .services
        .iter()
        .map(|s| s.passport.code.as_str().to_owned())
        .collect();
    let contact = yagona_contact::topics::read_dir(dir, &agency_codes, &service_codes);
    let facts = fact_services(&reg, directory.as_ref().ok());
    match (directory, contact) {
        (Ok(d), Ok(c)) if facts.is_empty() => Ok((reg, d, c)),
        (d, c) => Err(d
            .err()
            .into_iter()
            .flatten()
            .chain(c.err().into_iter().flatten())
            .chain(facts)
            .collect()),
    }
}

/// Each fact source must name a service of the exchange directory, when the folder has one (a
/// directory with problems reports them itself; a folder without `exchange/` leaves the
/// database's directory as it is, and with it what the facts name).
fn fact_services(
    reg: &yagona_registry::Registry,
    directory: Option<&Directory>,
) -> Vec<files::Problem> {
    let Some(directory) = directory.filter(|d| !d.members.is_empty()) else {
        return Vec::new();
    };
    reg.facts
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            yagona_exchange::ServiceId::from_path(&f.service)
                .ok()
                .filter(|(_, rest)| rest.is_empty())
                .is_none_or(|(id, _)| directory.service(&id).is_none())
        })
        .map(|(i, f)| files::Problem {
            file: std::path::PathBuf::from(files::FACTS_FILE),
            location: format!("source[{i}].service"),
            message: format!("{:?} is not a service of the exchange directory", f.service),
        })
        .collect()
}

/// Reads a registry folder and imports it; every problem is reported with file and location.
pub async fn import_registry(db: &Db, dir: &Path) -> anyhow::Result<ImportReport> {
    let (reg, directory, contact) = read_registry(dir).map_err(|problems| {
        let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        anyhow::anyhow!(
            "the registry at {} has {} problem(s):\n{}",
            dir.display(),
            list.len(),
            list.join("\n")
        )
    })?;
    let report = RegistryStore { db }.import(&reg).await?;
    deploy_processes(db, &reg).await?;
    if (DirectoryStore { db }).import(&directory).await? {
        tracing::info!(
            members = directory.members.len(),
            "exchange directory imported"
        );
    }
    if (TopicStore { db }).import(&contact).await? {
        tracing::info!(
            topics = contact.topics.len(),
            answers = contact.answers.len(),
            "contact topics and knowledge base imported"
        );
    }
    Ok(report)
}

/// Deploys every service's process and the standard one. Deploying an unchanged model changes
/// nothing; a changed one becomes a new version, and running applications stay on theirs.
pub async fn deploy_processes(db: &Db, reg: &yagona_registry::Registry) -> anyhow::Result<()> {
    yagona_applications::process::deploy_standard(db).await?;
    let engine = yagona_workflow::store::ProcessStore::new(db, &yagona_workflow::feel::Feel);
    for s in &reg.services {
        for source in s.decisions.values() {
            engine.deploy_decisions(source).await.with_context(|| {
                format!("deploying the decisions of {}", s.passport.code.as_str())
            })?;
        }
        if let Some(bpmn) = &s.process {
            engine.deploy(bpmn).await.with_context(|| {
                format!("deploying the process of {}", s.passport.code.as_str())
            })?;
        }
    }
    Ok(())
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
