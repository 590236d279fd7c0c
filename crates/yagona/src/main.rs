//! `yagona`: one binary for the whole platform. See `yagona --help`.

/// mimalloc: measured faster than the system allocator on the exchange's hot path, where
/// every call allocates and frees many small buffers across threads.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use serde::Deserialize;
use std::path::PathBuf;
use yagona_db::Db;
use yagona_identity::{demo, Role};
use yagona_registry::{files, RegistryStore};
use yagona_web::exchange::ExchangeConfig;
use yagona_web::{AppState, WebConfig};

#[derive(Parser)]
#[command(
    name = "yagona",
    version,
    about = "Yagona: an open-source e-Government platform in one binary"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives: a PostgreSQL address, or else an SQLite file in the data folder.
#[derive(clap::Args, Clone)]
struct Storage {
    /// Database address: postgres://… for production; default: SQLite in --data.
    #[arg(long, env = "YAGONA_DATABASE")]
    database: Option<String>,
    /// Folder for the embedded SQLite database and demo files.
    #[arg(long, default_value = "data", env = "YAGONA_DATA")]
    data: PathBuf,
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
        yagona::migrate(&db).await?;
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
enum Command {
    /// Run everything with the demo registry and demo people (SQLite in --data by default).
    Demo {
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Port of the exchange listener (mutual TLS; 0: none).
        #[arg(long, default_value_t = 8443)]
        exchange_port: u16,
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
        command: ProcessCommand,
    },
    /// Agency systems that work jobs through the job worker API.
    Worker {
        #[command(subcommand)]
        command: WorkerCommand,
    },
    /// The registry of services and forms as files.
    Registry {
        #[command(subcommand)]
        command: RegistryCommand,
    },
    /// The interagency exchange: subsystem keys and the message log.
    Exchange {
        #[command(subcommand)]
        command: ExchangeCommand,
    },
    /// Open311 GeoReport v2 clients of the contact point (city systems, apps).
    Open311 {
        #[command(subcommand)]
        command: Open311Command,
    },
}

#[derive(Subcommand)]
enum Open311Command {
    /// Register an Open311 client and print its id and API key (the key is shown once).
    Client {
        name: String,
        #[command(flatten)]
        storage: Storage,
    },
}

#[derive(Subcommand)]
enum ExchangeCommand {
    /// Make a subsystem's key pair: the private key into a file in --keys (PKCS#8 PEM, readable
    /// by its owner only), the public key into the database. Prints the public key, for the
    /// subsystem's `keys` in the exchange files when other nodes must know it.
    /// With --node CODE instead: this node's own key (its TLS identity), for `nodes.toml`.
    Keygen {
        /// The subsystem, INSTANCE/CLASS/MEMBER/SUBSYSTEM (e.g. UZ/GOV/201122919/civil-registry).
        #[arg(required_unless_present = "node", conflicts_with = "node")]
        subsystem: Option<String>,
        /// Make the key of the node with this code instead (nothing goes into the database).
        #[arg(long)]
        node: Option<String>,
        /// Folder for private keys.
        #[arg(long)]
        keys: PathBuf,
        #[command(flatten)]
        storage: Storage,
    },
    /// Print a self-signed TLS certificate around a subsystem's key, for its information system
    /// to call a node's exchange listener with mutual TLS (`curl --cert CERT --key KEYFILE`).
    /// The pin of the key (for `curl --pinnedpubkey`) goes to standard error.
    Cert {
        /// The subsystem, INSTANCE/CLASS/MEMBER/SUBSYSTEM.
        subsystem: String,
        /// Folder of private keys.
        #[arg(long)]
        keys: PathBuf,
    },
    /// Withdraw a subsystem's key (as keygen printed it): from then on no token, certificate or
    /// fresh signature made with it is taken, while what it signed before still verifies. (A key
    /// listed in the exchange files is withdrawn by taking it out of them.)
    Revoke {
        /// The subsystem, INSTANCE/CLASS/MEMBER/SUBSYSTEM.
        subsystem: String,
        /// The public key (base64).
        key: String,
        #[command(flatten)]
        storage: Storage,
    },
    /// Print a client token for a subsystem's information system, signed with its key: send it
    /// in the `X-Yagona-Client-Token` header of every call.
    Token {
        /// The subsystem, INSTANCE/CLASS/MEMBER/SUBSYSTEM.
        subsystem: String,
        /// Folder of private keys.
        #[arg(long)]
        keys: PathBuf,
        /// How long the token is valid, in seconds (at most a day).
        #[arg(long, default_value_t = 3600)]
        ttl: i64,
    },
    /// Move the message log's entries older than a day into a file that verifies offline (with
    /// the signers' public keys), and remove them from the database.
    Archive {
        /// Entries logged before this day (Tashkent time, YYYY-MM-DD) are archived.
        #[arg(long)]
        before: chrono::NaiveDate,
        /// The archive file to write.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        storage: Storage,
    },
    /// Check archive files offline, in order: each entry's hash, signature and place in the
    /// chain, and that each file continues the one before. Exits non-zero when one is broken.
    VerifyArchive {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Check the whole message log: every entry's hash, signature and place in the chain. Names
    /// the first entry edited, removed or reordered and exits non-zero.
    VerifyLog {
        #[command(flatten)]
        storage: Storage,
    },
}

#[derive(Subcommand)]
enum ProcessCommand {
    /// List, per file, every element the engine cannot run, with its id, line and reason.
    /// Exits non-zero only when something cannot run.
    Check {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Run one instance in memory and print each element as it completes, one JSON object a line.
    /// User tasks complete with the given outputs (or none), timers fire at once, service and
    /// business-rule tasks answer with empty results.
    Simulate {
        file: PathBuf,
        /// Starting variables, a JSON object.
        #[arg(long, default_value = "{}")]
        vars: String,
        /// Outputs of a task: TASK_ID=JSON (repeatable).
        #[arg(long = "complete", value_name = "TASK_ID=JSON")]
        complete: Vec<String>,
        /// Which process of the file (default: the first executable one).
        #[arg(long)]
        process: Option<String>,
    },
    /// Write the history of process instances as an IEEE XES event log (for process mining).
    ExportXes {
        /// Only instances of this process.
        #[arg(long)]
        process: Option<String>,
        /// Where to write the log (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        storage: Storage,
    },
}

#[derive(Subcommand)]
enum WorkerCommand {
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

#[derive(Subcommand)]
enum RegistryCommand {
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

/// `yagona serve --config FILE`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ServeConfig {
    /// e.g. "0.0.0.0:8080"
    listen: String,
    /// postgres://… or sqlite://FILE
    database: String,
    /// A registry folder to import at start (optional).
    registry: Option<PathBuf>,
    #[serde(default = "yes")]
    secure_cookies: bool,
    /// Offer the demo identity provider (never in production).
    #[serde(default)]
    demo_sign_in: bool,
    /// Largest request accepted, in megabytes.
    #[serde(default = "default_body_mb")]
    max_body_mb: usize,
    /// The exchange gateway.
    #[serde(default)]
    exchange: ExchangeSettings,
}

/// `[exchange]` in the configuration file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExchangeSettings {
    /// Folder of this node's subsystems' private keys.
    keys: Option<PathBuf>,
    /// Sign and log every message (on unless turned off).
    #[serde(default = "yes")]
    evidence: bool,
    /// Largest message body passed, in kilobytes.
    #[serde(default = "default_exchange_body_kb")]
    max_body_kb: usize,
    /// Bodies up to this size are kept whole in the message log, larger ones by hash.
    #[serde(default = "default_log_body_kb")]
    log_body_kb: usize,
    /// Serve the demo registers on an internal address (for trying the exchange out).
    #[serde(default)]
    demo_registers: bool,
    /// The subsystem the portal asks registers as, to prefill forms (none: no prefill).
    portal: Option<String>,
    /// This node's code in `exchange/nodes.toml` (its key: `node.CODE.pem` in `keys`).
    node: Option<String>,
    /// Where this node's exchange listener (mutual TLS) listens, e.g. "0.0.0.0:8443".
    tls_listen: Option<String>,
    /// Keep this many days of the message log in the database; older entries are moved to
    /// files in `archive_dir` (both or neither).
    retention_days: Option<u32>,
    archive_dir: Option<PathBuf>,
}

impl Default for ExchangeSettings {
    fn default() -> Self {
        toml::from_str("").expect("every field has a default")
    }
}

fn default_exchange_body_kb() -> usize {
    10 * 1024
}
fn default_log_body_kb() -> usize {
    64
}

fn yes() -> bool {
    true
}
fn default_body_mb() -> usize {
    25
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The exchange's background work on every node: service tasks that call data services, and
/// pushes of published events.
fn spawn_exchange_work(state: &std::sync::Arc<AppState>) -> [tokio::task::JoinHandle<()>; 2] {
    let every = std::time::Duration::from_millis(500);
    [
        yagona_web::exchange_worker::spawn(state.clone(), node_name(), every),
        yagona_web::pubsub::spawn(state.clone(), every),
    ]
}

/// Starts the node's exchange listener (mutual TLS) on `addr`.
async fn spawn_exchange_listener(
    state: std::sync::Arc<AppState>,
    addr: &str,
) -> anyhow::Result<()> {
    let tls = yagona_web::exchange::listener_tls(&state.gateway.config)?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    tracing::info!(listen = %addr, "exchange listener (mutual TLS)");
    tokio::spawn(async move {
        if let Err(e) = yagona_web::exchange::serve_tls(state, listener, tls).await {
            tracing::error!("exchange listener: {e:#}");
        }
    });
    Ok(())
}

/// This node's name in job and timer locks: unique per process, readable in the log.
fn node_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "node".into());
    format!("{host}-{}", std::process::id())
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    match cli.command {
        Command::Demo {
            port,
            exchange_port,
            host,
            storage,
        } => {
            let db = storage.open().await?;
            let report =
                yagona::import_demo_registry(&db, &storage.data.join("demo-registry")).await?;
            tracing::info!(?report, "demo registry imported");
            yagona::seed_demo_people(&db).await?;
            yagona::adopt_applications(&db).await?;
            yagona::seed_demo_applications(&db).await?;
            yagona::seed_demo_events(&db).await?;
            yagona::seed_demo_appeals(&db).await?;
            let listener = tokio::net::TcpListener::bind((host.as_str(), port))
                .await
                .with_context(|| format!("listening on {host}:{port}"))?;
            let keys = storage.data.join("keys");
            let made = yagona::ensure_keys(&db, &keys).await?;
            if made > 0 {
                tracing::info!(made, keys = %keys.display(), "exchange keys made for the demo subsystems");
            }
            let node_key = yagona_exchange::keys::node_key_file(&keys, yagona::DEMO_NODE);
            if !node_key.exists() {
                yagona_exchange::keys::generate_at(&node_key)
                    .with_context(|| format!("writing {}", node_key.display()))?;
            }
            let web = WebConfig {
                exchange: ExchangeConfig {
                    keys_dir: Some(keys),
                    local_base: Some(yagona::spawn_registers().await?),
                    portal: Some(yagona::demo_portal_subsystem()),
                    node: Some(yagona::DEMO_NODE.into()),
                    ..ExchangeConfig::default()
                },
                ..WebConfig::default()
            };
            let state = AppState::new(db.clone(), web).await?;
            if exchange_port != 0 {
                spawn_exchange_listener(state.clone(), &format!("{host}:{exchange_port}"))
                    .await
                    .context("--exchange-port 0 for none")?;
            }
            let _engine = yagona::spawn_engine(db.clone(), &node_name());
            let _exchange_work = spawn_exchange_work(&state);
            let _housekeeping = yagona::spawn_housekeeping(
                db.clone(),
                Some(yagona::Retention {
                    days: 90,
                    dir: storage.data.join("log-archives"),
                }),
            );
            print_demo_banner(&db, &host, listener.local_addr()?.port()).await?;
            yagona_web::serve(state, listener).await?;
        }
        Command::Serve { config } => {
            let text = std::fs::read_to_string(&config)
                .with_context(|| format!("reading {}", config.display()))?;
            let cfg: ServeConfig =
                toml::from_str(&text).with_context(|| format!("in {}", config.display()))?;
            let db = Db::connect(&cfg.database)
                .await
                .with_context(|| format!("opening {}", redact(&cfg.database)))?;
            yagona::migrate(&db).await?;
            if let Some(dir) = &cfg.registry {
                let report = yagona::import_registry(&db, dir).await?;
                tracing::info!(?report, "registry imported");
            }
            if cfg.demo_sign_in {
                yagona::seed_demo_people(&db).await?;
            }
            yagona::adopt_applications(&db).await?;
            let web = WebConfig {
                secure_cookies: cfg.secure_cookies,
                demo_sign_in: cfg.demo_sign_in,
                max_body_bytes: cfg.max_body_mb * 1024 * 1024,
                exchange: ExchangeConfig {
                    evidence: cfg.exchange.evidence,
                    max_body_bytes: cfg.exchange.max_body_kb * 1024,
                    log_body_bytes: cfg.exchange.log_body_kb * 1024,
                    keys_dir: cfg.exchange.keys.clone(),
                    local_base: if cfg.exchange.demo_registers {
                        Some(yagona::spawn_registers().await?)
                    } else {
                        None
                    },
                    portal: match &cfg.exchange.portal {
                        None => None,
                        Some(p) => Some(
                            yagona_exchange::ClientId::from_header(p)
                                .map_err(|e| anyhow::anyhow!("[exchange] portal: {}", e.message))?,
                        ),
                    },
                    node: cfg.exchange.node.clone(),
                },
            };
            let listener = tokio::net::TcpListener::bind(&cfg.listen)
                .await
                .with_context(|| format!("listening on {}", cfg.listen))?;
            tracing::info!(listen = %cfg.listen, "serving");
            let _engine = yagona::spawn_engine(db.clone(), &node_name());
            let retention = match (cfg.exchange.retention_days, &cfg.exchange.archive_dir) {
                (Some(days), Some(dir)) => Some(yagona::Retention {
                    days,
                    dir: dir.clone(),
                }),
                (None, None) => None,
                _ => anyhow::bail!("[exchange] retention_days and archive_dir go together"),
            };
            let _housekeeping = yagona::spawn_housekeeping(db.clone(), retention);
            let state = AppState::new(db, web).await?;
            if let Some(addr) = &cfg.exchange.tls_listen {
                spawn_exchange_listener(state.clone(), addr).await?;
            }
            let _exchange_work = spawn_exchange_work(&state);
            yagona_web::serve(state, listener).await?;
        }
        Command::Migrate { storage } => {
            storage.open().await?;
            println!("migrations applied");
        }
        Command::Process {
            command: ProcessCommand::Check { files },
        } => {
            let mut failed = false;
            for file in &files {
                let shown = file.display();
                let source = match std::fs::read_to_string(file) {
                    Ok(s) => s,
                    Err(e) => {
                        println!("{shown}: cannot read: {e}");
                        failed = true;
                        continue;
                    }
                };
                match yagona_workflow::read(&source) {
                    Err(e) => {
                        println!("{shown}:{}: not a readable BPMN model: {e}", e.line());
                        failed = true;
                    }
                    Ok(defs) => {
                        let findings = yagona_workflow::check(&defs);
                        if findings.is_empty() {
                            let elements: usize =
                                defs.processes.iter().map(|p| p.scope.walk().len()).sum();
                            println!(
                                "{shown}: runnable — {} process(es), {elements} elements",
                                defs.processes.len()
                            );
                        } else {
                            failed = true;
                            for f in findings {
                                println!(
                                    "{shown}:{}: {} ({}): {}",
                                    f.line, f.id, f.element, f.reason
                                );
                            }
                        }
                    }
                }
            }
            if failed {
                return Ok(std::process::ExitCode::FAILURE);
            }
        }
        Command::Process {
            command:
                ProcessCommand::Simulate {
                    file,
                    vars,
                    complete,
                    process,
                },
        } => {
            let source = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let defs = yagona_workflow::read(&source)
                .map_err(|e| anyhow::anyhow!("{}:{}: {e}", file.display(), e.line()))?;
            let findings = yagona_workflow::check(&defs);
            let relevant: Vec<_> = findings
                .iter()
                .filter(|f| process.as_deref().is_none_or(|p| f.id == p) || f.element != "process")
                .filter(|f| !(f.element == "process" && f.reason.starts_with("isExecutable")))
                .collect();
            if !relevant.is_empty() {
                for f in relevant {
                    eprintln!(
                        "{}:{}: {} ({}): {}",
                        file.display(),
                        f.line,
                        f.id,
                        f.element,
                        f.reason
                    );
                }
                anyhow::bail!("the model has parts the engine cannot run");
            }
            let vars: serde_json::Value =
                serde_json::from_str(&vars).context("--vars must be a JSON object")?;
            let serde_json::Value::Object(vars) = vars else {
                anyhow::bail!("--vars must be a JSON object")
            };
            let mut outputs = std::collections::HashMap::new();
            for c in &complete {
                let (task, json) = c
                    .split_once('=')
                    .ok_or_else(|| anyhow::anyhow!("--complete takes TASK_ID=JSON, got {c:?}"))?;
                match serde_json::from_str::<serde_json::Value>(json) {
                    Ok(serde_json::Value::Object(o)) => {
                        outputs.insert(task.to_owned(), o);
                    }
                    _ => anyhow::bail!("--complete {task}=…: the outputs must be a JSON object"),
                }
            }
            let outcome = yagona_workflow::simulate::simulate(
                &defs,
                process.as_deref(),
                vars,
                outputs,
                &yagona_workflow::feel::Feel,
            );
            match outcome {
                Ok(o) => {
                    for c in &o.completed {
                        println!("{}", serde_json::to_string(c)?);
                    }
                    if !o.waiting.is_empty() {
                        eprintln!("still waiting at: {}", o.waiting.join(", "));
                    }
                }
                Err(e) => anyhow::bail!("{e}"),
            }
        }
        Command::Process {
            command:
                ProcessCommand::ExportXes {
                    process,
                    output,
                    storage,
                },
        } => {
            let db = storage.open().await?;
            let store =
                yagona_workflow::store::ProcessStore::new(&db, &yagona_workflow::feel::Feel);
            let events = store.xes_events(process.as_deref()).await?;
            let log = yagona_workflow::xes::write(process.as_deref().unwrap_or("yagona"), &events);
            match output {
                Some(path) => {
                    std::fs::write(&path, log)
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("wrote {} events to {}", events.len(), path.display());
                }
                None => print!("{log}"),
            }
        }
        Command::Worker {
            command:
                WorkerCommand::Create {
                    name,
                    types,
                    storage,
                },
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
        Command::Open311 {
            command: Open311Command::Client { name, storage },
        } => {
            let db = storage.open().await?;
            let (id, key) = yagona_contact::AppealStore { db: &db }
                .create_client(&name)
                .await?;
            println!("client id: {id}");
            println!("api key:   {key}");
            eprintln!("Open311 client {name:?} registered. Keep the API key secret; it is not shown again.");
        }
        Command::Exchange { command } => match command {
            ExchangeCommand::Keygen {
                node: Some(node),
                keys,
                ..
            } => {
                yagona_exchange::id::check_part(&node)
                    .map_err(|why| anyhow::anyhow!("node code {node:?}: {why}"))?;
                let path = yagona_exchange::keys::node_key_file(&keys, &node);
                let public = yagona_exchange::keys::generate_at(&path)
                    .with_context(|| format!("writing {}", path.display()))?;
                println!("{}", yagona_exchange::evidence::public_key_text(&public));
                eprintln!(
                    "private key of node {node} written to {} (keep it on that node only); put the public key in exchange/nodes.toml",
                    path.display()
                );
            }
            ExchangeCommand::Cert { subsystem, keys } => {
                let id = yagona_exchange::ClientId::from_header(&subsystem)
                    .map_err(|e| anyhow::anyhow!("{}", e.message))?;
                let file = yagona_exchange::keys::key_file(&keys, &id);
                let key =
                    yagona_exchange::keys::read_private(&file).map_err(|e| anyhow::anyhow!(e))?;
                print!(
                    "{}",
                    yagona_exchange::tls::certificate_pem(&key, &id.to_string())
                        .map_err(|e| anyhow::anyhow!(e))?
                );
                eprintln!(
                    "certificate of {id}'s key; its private key is {}; key pin: {}",
                    file.display(),
                    yagona_exchange::tls::key_pin(&key.verifying_key())
                );
            }
            ExchangeCommand::Keygen {
                subsystem: Some(subsystem),
                keys,
                storage,
                ..
            } => {
                let id = yagona_exchange::ClientId::from_header(&subsystem)
                    .map_err(|e| anyhow::anyhow!("{}", e.message))?;
                anyhow::ensure!(
                    id.subsystem.is_some(),
                    "{subsystem}: keys belong to subsystems (INSTANCE/CLASS/MEMBER/SUBSYSTEM)"
                );
                let db = storage.open().await?;
                let (path, public) = yagona_exchange::keys::generate_to_file(&keys, &id)
                    .with_context(|| {
                        format!(
                            "writing {}",
                            yagona_exchange::keys::key_file(&keys, &id).display()
                        )
                    })?;
                yagona_exchange::keys::register(&db, &id, &public).await?;
                println!("{}", yagona_exchange::evidence::public_key_text(&public));
                eprintln!(
                    "private key of {id} written to {} (keep it on this node only); public key recorded",
                    path.display()
                );
            }
            ExchangeCommand::Revoke {
                subsystem,
                key,
                storage,
            } => {
                let id = yagona_exchange::ClientId::from_header(&subsystem)
                    .map_err(|e| anyhow::anyhow!("{}", e.message))?;
                let public =
                    yagona_exchange::evidence::public_key_from_text(&key).ok_or_else(|| {
                        anyhow::anyhow!("{key:?} is not an Ed25519 public key (base64 of 32 bytes)")
                    })?;
                let db = storage.open().await?;
                if yagona_exchange::keys::revoke(&db, &id, &public).await? {
                    println!("revoked: {id} no longer authenticates with this key");
                } else {
                    println!("{id} has no such key in force");
                    return Ok(std::process::ExitCode::FAILURE);
                }
            }
            ExchangeCommand::Keygen { .. } => {
                anyhow::bail!("name a subsystem, or a node with --node")
            }
            ExchangeCommand::Token {
                subsystem,
                keys,
                ttl,
            } => {
                let id = yagona_exchange::ClientId::from_header(&subsystem)
                    .map_err(|e| anyhow::anyhow!("{}", e.message))?;
                let key = yagona_exchange::keys::read_private(&yagona_exchange::keys::key_file(
                    &keys, &id,
                ))
                .map_err(|e| anyhow::anyhow!(e))?;
                println!(
                    "{}",
                    yagona_exchange::token::issue(&key, &id, chrono::Utc::now().timestamp(), ttl)
                );
            }
            ExchangeCommand::Archive {
                before,
                out,
                storage,
            } => {
                let db = storage.open().await?;
                let cut = yagona_core::format_timestamp(&yagona_core::tashkent_day_start(before));
                match yagona_exchange::archive::archive_before(&db, &cut, &out).await? {
                    Some(a) => println!(
                        "archived entries {}–{} to {}; the database keeps the rest",
                        a.first,
                        a.last,
                        out.display()
                    ),
                    None => println!("no entries logged before {before}"),
                }
            }
            ExchangeCommand::VerifyArchive { files } => {
                let paths: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
                match yagona_exchange::archive::verify_files(&paths)? {
                    yagona_exchange::archive::FileVerdict::Intact { entries, .. } => {
                        println!("archives intact: {entries} entries, each signed and in place");
                    }
                    yagona_exchange::archive::FileVerdict::Broken { file, broken } => {
                        println!("{file}: broken at entry {}: {}", broken.seq, broken.reason);
                        return Ok(std::process::ExitCode::FAILURE);
                    }
                }
            }
            ExchangeCommand::VerifyLog { storage } => {
                let db = storage.open().await?;
                let verdict = yagona_exchange::log::verify_with_registered_keys(&db).await?;
                match verdict {
                    yagona_exchange::log::Verdict::Intact { entries } => {
                        println!("message log intact: {entries} entries, each signed and in place");
                    }
                    yagona_exchange::log::Verdict::Broken(b) => {
                        println!("message log broken at entry {}: {}", b.seq, b.reason);
                        return Ok(std::process::ExitCode::FAILURE);
                    }
                }
            }
        },
        Command::Registry { command } => match command {
            RegistryCommand::Validate { dir } => match yagona::read_registry(&dir) {
                Ok((reg, directory, contact)) => {
                    println!(
                        "{}: valid — {} agencies, {} life events, {} services, {} calendar years; exchange: {} members, {} subsystems; contact: {} topics, {} answers",
                        dir.display(),
                        reg.agencies.len(),
                        reg.life_events.len(),
                        reg.services.len(),
                        reg.calendar.len(),
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
                    return Ok(std::process::ExitCode::FAILURE);
                }
            },
            RegistryCommand::Import { dir, storage } => {
                let db = storage.open().await?;
                let r = yagona::import_registry(&db, &dir).await?;
                if r.changed_anything() {
                    println!(
                        "imported: {} agencies, {} life events, {} calendar years, {} BHM amounts changed; {} services published, {} withdrawn",
                        r.agencies_changed, r.life_events_changed, r.calendar_years_changed, r.bhm_changed, r.services_published, r.services_withdrawn
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
        },
    }
    Ok(std::process::ExitCode::SUCCESS)
}

async fn print_demo_banner(db: &Db, host: &str, port: u16) -> anyhow::Result<()> {
    let people = yagona_identity::IdentityStore { db }
        .users_of(demo::IDP)
        .await?;
    let shown_host = if host == "0.0.0.0" || host == "127.0.0.1" {
        "localhost"
    } else {
        host
    };
    println!("\nYagona demo is running: open http://{shown_host}:{port}/\n");
    println!("Sign in at http://{shown_host}:{port}/sign-in as one of these demo people:");
    for role in [Role::Citizen, Role::Officer, Role::Admin] {
        for u in people.iter().filter(|u| u.role == role) {
            let detail = u
                .pinfl
                .as_ref()
                .map(|p| format!("PINFL {p}"))
                .or_else(|| u.agency.clone())
                .unwrap_or_default();
            println!("  {:<8} {:<28} {}", role.code(), u.name, detail);
        }
    }
    println!("\nPress Ctrl-C to stop.");
    Ok(())
}
