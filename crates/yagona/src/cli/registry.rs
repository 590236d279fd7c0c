//! `yagona registry`: the registry of services and forms as files — validate, import, export.

use super::Storage;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;
use yagona_registry::{files, RegistryStore};

#[derive(Subcommand)]
pub enum RegistryCommand {
    /// Check a registry folder and report every problem with its file and location.
    Validate { dir: PathBuf },
    /// Load a registry folder into the database (importing the same files again changes nothing).
    Import {
        dir: PathBuf,
        #[command(flatten)]
        storage: Storage,
    },
    /// Write the database's registry into a folder, in the same format.
    Export {
        dir: PathBuf,
        #[command(flatten)]
        storage: Storage,
    },
}

pub async fn run(command: RegistryCommand) -> anyhow::Result<ExitCode> {
    match command {
        RegistryCommand::Validate { dir } => match crate::read_registry(&dir) {
            Ok((reg, directory, contact)) => {
                // What loads but looks wrong: said, and not a failure.
                for w in files::read_dir_with_warnings(&dir).1 {
                    println!("warning: {w}");
                }
                println!(
                    "{}: valid — {} agencies, {} life events, {} services, {} calendar years, {} fact sources; exchange: {} members, {} subsystems; contact: {} topics, {} answers",
                    dir.display(),
                    reg.agencies.len(),
                    reg.life_events.len(),
                    reg.services.len(),
                    reg.calendar.len(),
                    reg.facts.len(),
                    directory.members.len(),
                    directory.subsystems().count(),
                    contact.topics.len(),
                    contact.answers.len()
                );
            }
            Err(problems) => {
                for p in &problems {
                    println!("{p}");
                }
                eprintln!("{} problem(s) found", problems.len());
                return Ok(ExitCode::FAILURE);
            }
        },
        RegistryCommand::Import { dir, storage } => {
            let db = storage.open().await?;
            let r = crate::import_registry(&db, &dir).await?;
            if r.changed_anything() {
                println!(
                    "imported: {} agencies, {} life events, {} calendar years, {} BHM amounts, {} fact sources changed; {} services published, {} withdrawn",
                    r.agencies_changed, r.life_events_changed, r.calendar_years_changed, r.bhm_changed, r.fact_sources_changed, r.services_published, r.services_withdrawn
                );
            } else {
                println!("nothing to change: the database already holds this registry");
            }
        }
        RegistryCommand::Export { dir, storage } => {
            let db = storage.open().await?;
            let reg = RegistryStore { db: &db }.load().await?;
            files::write_dir(&reg, &dir)?;
            // The exchange directory as it is now, rights granted on the admin pages too.
            let directory = yagona_exchange::directory::DirectoryStore { db: &db }
                .load()
                .await?;
            yagona_exchange::directory::write_dir(&directory, &dir)?;
            let contact = yagona_contact::topics::TopicStore { db: &db }
                .load()
                .await?;
            yagona_contact::topics::write_dir(&contact, &dir)?;
            println!(
                "exported {} services and {} exchange members to {}",
                reg.services.len(),
                directory.members.len(),
                dir.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
