//! The command line: one module per group of commands. `yagona --help` lists them all.

mod documents;
mod exchange;
mod node;
mod open311;
mod payments;
mod process;
mod registry;
mod worker;

use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use yagona_db::Db;

#[derive(Parser)]
#[command(
    name = "yagona",
    version,
    about = "Yagona: an open-source e-Government platform in one binary"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Where the data lives: a PostgreSQL address, or else an SQLite file in the data folder.
#[derive(clap::Args, Clone)]
pub struct Storage {
    /// Database address: postgres://… for production; default: SQLite in --data.
    #[arg(long, env = "YAGONA_DATABASE")]
    pub database: Option<String>,
    /// Folder for the embedded SQLite database and demo files.
    #[arg(long, default_value = "data", env = "YAGONA_DATA")]
    pub data: PathBuf,
}

impl Storage {
    async fn open(&self) -> anyhow::Result<Db> {
        let url = match &self.database {
            Some(u) => u.clone(),
            None => {
                std::fs::create_dir_all(&self.data)
                    .with_context(|| format!("creating {}", self.data.display()))?;
                Db::sqlite_url_in(&self.data)
            }
        };
        let db = Db::connect(&url)
            .await
            .with_context(|| format!("opening the database {}", redact(&url)))?;
        crate::migrate(&db).await?;
        Ok(db)
    }
}

/// A database address without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…{}", &url[..s], &url[at..]),
        _ => url.to_owned(),
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// Run everything with the demo registry and demo people (SQLite in --data by default).
    Demo {
        /// Port of the portal [default: 8080, or the next free one when it is taken].
        #[arg(long)]
        port: Option<u16>,
        /// Port of the exchange listener, mutual TLS; 0: none [default: 8443, or the next
        /// free one when it is taken].
        #[arg(long)]
        exchange_port: Option<u16>,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        #[command(flatten)]
        storage: Storage,
    },
    /// Run a node for a real deployment, configured by a TOML file.
    Serve {
        #[arg(long)]
        config: PathBuf,
    },
    /// Apply database migrations and exit.
    Migrate {
        #[command(flatten)]
        storage: Storage,
    },
    /// Business process models (BPMN 2.0).
    Process {
        #[command(subcommand)]
        command: process::ProcessCommand,
    },
    /// Agency systems that work jobs through the job worker API.
    Worker {
        #[command(subcommand)]
        command: worker::WorkerCommand,
    },
    /// The registry of services and forms as files.
    Registry {
        #[command(subcommand)]
        command: registry::RegistryCommand,
    },
    /// The interagency exchange: subsystem keys and the message log.
    Exchange {
        #[command(subcommand)]
        command: exchange::ExchangeCommand,
    },
    /// Open311 GeoReport v2 clients of the contact point (city systems, apps).
    Open311 {
        #[command(subcommand)]
        command: open311::Open311Command,
    },
    /// Fees paid through Payme and Click: reconciling a provider's daily statement.
    Payments {
        #[command(subcommand)]
        command: payments::PaymentsCommand,
    },
    /// Result documents: the agencies' signing keys.
    Documents {
        #[command(subcommand)]
        command: documents::DocumentsCommand,
    },
}

/// Runs a command; the exit code says whether it did what it says.
pub async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    match cli.command {
        Command::Demo {
            port,
            exchange_port,
            host,
            storage,
        } => node::demo(port, exchange_port, &host, storage).await,
        Command::Serve { config } => node::serve(&config).await,
        Command::Migrate { storage } => {
            storage.open().await?;
            println!("migrations applied");
            Ok(std::process::ExitCode::SUCCESS)
        }
        Command::Process { command } => process::run(command).await,
        Command::Worker { command } => worker::run(command).await,
        Command::Registry { command } => registry::run(command).await,
        Command::Exchange { command } => exchange::run(command).await,
        Command::Open311 { command } => open311::run(command).await,
        Command::Payments { command } => payments::run(command).await,
        Command::Documents { command } => documents::run(command).await,
    }
}
