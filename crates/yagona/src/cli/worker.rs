//! `yagona worker`: agency systems that work jobs through the job worker API.

use super::Storage;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum WorkerCommand {
    /// Register a worker client and print its bearer token (shown once).
    Create {
        name: String,
        /// Job types it may work, comma-separated (`*` for all).
        #[arg(long, value_delimiter = ',', required = true)]
        types: Vec<String>,
        #[command(flatten)]
        storage: Storage,
    },
}

pub async fn run(command: WorkerCommand) -> anyhow::Result<ExitCode> {
    match command {
        WorkerCommand::Create {
            name,
            types,
            storage,
        } => {
            let db = storage.open().await?;
            let store =
                yagona_workflow::store::ProcessStore::new(&db, &yagona_workflow::feel::Feel);
            let token = store.create_worker(&name, &types).await?;
            println!("{token}");
            eprintln!(
                "worker {name:?} may work: {}. Keep the token secret; it is not shown again.",
                types.join(", ")
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
