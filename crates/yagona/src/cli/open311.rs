//! `yagona open311`: Open311 GeoReport v2 clients of the contact point (city systems, apps).

use super::Storage;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum Open311Command {
    /// Register an Open311 client and print its id and API key (the key is shown once).
    Client {
        name: String,
        #[command(flatten)]
        storage: Storage,
    },
}

pub async fn run(command: Open311Command) -> anyhow::Result<ExitCode> {
    match command {
        Open311Command::Client { name, storage } => {
            let db = storage.open().await?;
            let (id, key) = yagona_contact::AppealStore { db: &db }
                .create_client(&name)
                .await?;
            println!("client id: {id}");
            println!("api key:   {key}");
            eprintln!("Open311 client {name:?} registered. Keep the API key secret; it is not shown again.");
        }
    }
    Ok(ExitCode::SUCCESS)
}
