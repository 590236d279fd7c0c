//! Running a node: `yagona demo` (everything, with demo data) and `yagona serve --config FILE`.

use super::{redact, Storage};
use crate::node::{Node, NodeConfig};
use anyhow::Context;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use yagona_db::Db;
use yagona_gateway::GatewayConfig;
use yagona_identity::{demo, Role};
use yagona_web::PagesConfig;

/// `yagona demo`: the demo registry, people, applications, events and appeals; keys for every
/// demo subsystem; the demo registers on an internal address; and the node serving it all.
pub async fn demo(
    port: Option<u16>,
    exchange_port: Option<u16>,
    host: &str,
    storage: Storage,
) -> anyhow::Result<ExitCode> {
    let db = storage.open().await?;
    let report = crate::import_demo_registry(&db, &storage.data.join("demo-registry")).await?;
    tracing::info!(?report, "demo registry imported");
    crate::seed_demo_people(&db).await?;
    crate::seed_demo_contacts(&db).await?;
    crate::adopt_applications(&db).await?;
    // Ports asked for are taken or the demo stops; the defaults give way to free ones.
    let listener = bind_port(host, port, 8080).await?;
    let exchange_listener = match exchange_port {
        Some(0) => None,
        asked => Some(bind_port(host, asked, 8443).await?),
    };
    let keys = storage.data.join("keys");
    let made = crate::ensure_keys(&db, &keys).await?;
    if made > 0 {
        tracing::info!(made, keys = %keys.display(), "keys made for the demo subsystems and agencies");
    }
    let node_key = yagona_exchange::keys::node_key_file(&keys, crate::DEMO_NODE);
    if !node_key.exists() {
        yagona_exchange::keys::generate_at(&node_key)
            .with_context(|| format!("writing {}", node_key.display()))?;
    }
    // The demo's identity provider sends people back to where the browser reaches the demo.
    let port_bound = listener.local_addr()?.port();
    let shown_host = match host {
        "127.0.0.1" | "0.0.0.0" | "::" | "::1" | "localhost" => "localhost",
        other => other,
    };
    let public_url = format!("http://{shown_host}:{port_bound}");
    // Payme and Click played by the sandbox under /sandbox, calling this node's merchant
    // endpoints over the loopback.
    let listening = match host {
        "0.0.0.0" => "127.0.0.1".to_owned(),
        "::" => "[::1]".to_owned(),
        h if h.contains(':') => format!("[{h}]"),
        h => h.to_owned(),
    };
    let internal = format!("http://{listening}:{port_bound}");
    let (payments, sandbox) = crate::demo_payments(&public_url, &internal);
    let (channels, notice_sandbox) = crate::demo_notices(&internal);
    // The demo's applications, their results signed by the agencies' keys made above.
    let issuer = yagona_applications::Issuer::new(
        yagona_documents::Signers::load(&keys).map_err(|e| anyhow::anyhow!("{e}"))?,
        &public_url,
    );
    crate::seed_demo_applications(&db, &issuer).await?;
    crate::seed_demo_events(&db).await?;
    crate::seed_demo_appeals(&db).await?;
    let config = NodeConfig {
        pages: PagesConfig {
            public_url: Some(public_url),
            payments,
            ..PagesConfig::default()
        },
        gateway: GatewayConfig {
            keys_dir: Some(keys),
            local_base: Some(crate::spawn_registers().await?),
            node: Some(crate::DEMO_NODE.into()),
            ..GatewayConfig::default()
        },
        portal: Some(crate::demo_portal_subsystem()),
        payment_sandbox: Some(sandbox),
        document_keys: None,
        channels,
        notice_sandbox: Some(notice_sandbox),
        trusted_proxies: Vec::new(),
    };
    let node = Node::new(db.clone(), config).await?;
    let exchange_bound = match exchange_listener {
        Some(l) => {
            let bound = l.local_addr()?.port();
            spawn_exchange_listener(&node, l)?;
            Some(bound)
        }
        None => None,
    };
    let _background = node.spawn_background(&node_name());
    let _housekeeping = crate::spawn_housekeeping(
        db.clone(),
        Some(crate::Retention {
            days: 90,
            dir: storage.data.join("log-archives"),
        }),
    );
    print_demo_banner(&db, host, listener.local_addr()?.port(), exchange_bound).await?;
    crate::server::serve(node, listener).await?;
    Ok(ExitCode::SUCCESS)
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
    /// The networks of the load balancers in front of the node, e.g. `["10.20.0.0/16"]`: their
    /// `X-Forwarded-For` names the client that limits count against (a proxy on this host
    /// always may). Without them every client behind a balancer is one client.
    #[serde(default)]
    trusted_proxies: Vec<ipnet::IpNet>,
    /// The exchange gateway.
    #[serde(default)]
    exchange: ExchangeSettings,
    /// The process engine.
    #[serde(default)]
    workflow: WorkflowSettings,
    /// Sign-in.
    #[serde(default)]
    identity: IdentitySettings,
    /// The payment providers fees are paid through (`[payments.payme]`, `[payments.click]`).
    #[serde(default)]
    payments: yagona_payments::PaymentsConfig,
    /// Result documents.
    #[serde(default)]
    documents: DocumentSettings,
    /// The channels notices go out on (`[notices.smtp]`, `[notices.sms]`, `[notices.telegram]`).
    #[serde(default)]
    notices: yagona_channels::ChannelsConfig,
}

/// `[documents]` in the configuration file.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DocumentSettings {
    /// Folder of the agencies' signing keys and certificates (`yagona documents keygen`);
    /// default: `[exchange] keys`.
    keys: Option<PathBuf>,
}

/// `[identity]` in the configuration file: where the portal is reached, and the OpenID Connect
/// providers people sign in with (`[[identity.providers]]`, see `ProviderConfig`).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct IdentitySettings {
    /// e.g. "https://my.gov.uz": providers send people back under it.
    public_url: Option<String>,
    #[serde(default)]
    providers: Vec<yagona_web::oidc::ProviderConfig>,
}

/// `[workflow]` in the configuration file: how large and how deep a process model may be.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkflowSettings {
    /// Largest model file read (deployed, checked, imported with the registry), in megabytes.
    #[serde(default = "default_model_mb")]
    max_model_mb: usize,
    /// Deepest nesting of a model's XML elements (a sub-process is one level).
    #[serde(default = "default_model_depth")]
    max_depth: usize,
}

impl Default for WorkflowSettings {
    fn default() -> Self {
        toml::from_str("").expect("every field has a default")
    }
}

fn default_model_mb() -> usize {
    yagona_workflow::read::Limits::default().max_bytes / (1024 * 1024)
}
fn default_model_depth() -> usize {
    yagona_workflow::read::Limits::default().max_depth
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
    /// An append-only file every checkpoint of the message log is also written to, outside the
    /// database (`yagona exchange verify-log --checkpoints FILE` checks the log against it).
    checkpoint_file: Option<PathBuf>,
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

/// `yagona serve --config FILE`: a node of a real deployment.
pub async fn serve(config: &Path) -> anyhow::Result<ExitCode> {
    let text =
        std::fs::read_to_string(config).with_context(|| format!("reading {}", config.display()))?;
    let cfg: ServeConfig =
        toml::from_str(&text).with_context(|| format!("in {}", config.display()))?;
    yagona_workflow::read::Limits::configure(yagona_workflow::read::Limits {
        max_bytes: cfg.workflow.max_model_mb.saturating_mul(1024 * 1024),
        max_depth: cfg.workflow.max_depth,
    })
    .map_err(|e| anyhow::anyhow!("{}: [workflow] {e}", config.display()))?;
    let db = Db::connect(&cfg.database)
        .await
        .with_context(|| format!("opening {}", redact(&cfg.database)))?;
    crate::migrate(&db).await?;
    if let Some(dir) = &cfg.registry {
        let report = crate::import_registry(&db, dir).await?;
        tracing::info!(?report, "registry imported");
    }
    if cfg.demo_sign_in {
        crate::seed_demo_people(&db).await?;
    }
    if (!cfg.identity.providers.is_empty() || cfg.demo_sign_in) && cfg.identity.public_url.is_none()
    {
        anyhow::bail!(
            "{}: sign-in providers (and the demo identity provider) need [identity] public_url, where they send people back",
            config.display()
        );
    }
    crate::adopt_applications(&db).await?;
    let retention = match (cfg.exchange.retention_days, &cfg.exchange.archive_dir) {
        (Some(days), Some(dir)) => Some(crate::Retention {
            days,
            dir: dir.clone(),
        }),
        (None, None) => None,
        _ => anyhow::bail!("[exchange] retention_days and archive_dir go together"),
    };
    let config = NodeConfig {
        pages: PagesConfig {
            secure_cookies: cfg.secure_cookies,
            demo_sign_in: cfg.demo_sign_in,
            max_body_bytes: cfg.max_body_mb * 1024 * 1024,
            providers: cfg.identity.providers.clone(),
            public_url: cfg.identity.public_url.clone(),
            payments: cfg.payments.clone(),
            // Filled by the node from `[notices.telegram]`.
            telegram: None,
            ..PagesConfig::default()
        },
        gateway: GatewayConfig {
            evidence: cfg.exchange.evidence,
            max_body_bytes: cfg.exchange.max_body_kb * 1024,
            log_body_bytes: cfg.exchange.log_body_kb * 1024,
            keys_dir: cfg.exchange.keys.clone(),
            local_base: if cfg.exchange.demo_registers {
                Some(crate::spawn_registers().await?)
            } else {
                None
            },
            node: cfg.exchange.node.clone(),
            checkpoint_file: cfg.exchange.checkpoint_file.clone(),
        },
        portal: match &cfg.exchange.portal {
            None => None,
            Some(p) => Some(
                yagona_exchange::ClientId::from_header(p)
                    .map_err(|e| anyhow::anyhow!("[exchange] portal: {}", e.message))?,
            ),
        },
        payment_sandbox: None,
        document_keys: cfg.documents.keys.clone(),
        channels: cfg.notices.clone(),
        notice_sandbox: None,
        trusted_proxies: cfg.trusted_proxies.clone(),
    };
    let listener = tokio::net::TcpListener::bind(&cfg.listen)
        .await
        .with_context(|| format!("listening on {}", cfg.listen))?;
    tracing::info!(listen = %cfg.listen, "serving");
    let node = Node::new(db.clone(), config).await?;
    let _background = node.spawn_background(&node_name());
    let _housekeeping = crate::spawn_housekeeping(db, retention);
    if let Some(addr) = &cfg.exchange.tls_listen {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("listening on {addr}"))?;
        spawn_exchange_listener(&node, listener)?;
    }
    crate::server::serve(node, listener).await?;
    Ok(ExitCode::SUCCESS)
}

/// Starts the node's exchange listener (mutual TLS) on `addr`.
/// Listens on `asked` — or, when no port was asked, on `default` or the next free port after
/// it (then any free one), so that a demo starts beside whatever holds the usual ports.
async fn bind_port(
    host: &str,
    asked: Option<u16>,
    default: u16,
) -> anyhow::Result<tokio::net::TcpListener> {
    if let Some(port) = asked {
        return tokio::net::TcpListener::bind((host, port))
            .await
            .with_context(|| {
                format!("listening on {host}:{port} (another port: --port, --exchange-port)")
            });
    }
    let candidates = (default..default.saturating_add(20)).chain(std::iter::once(0));
    let mut last = None;
    for port in candidates {
        match tokio::net::TcpListener::bind((host, port)).await {
            Ok(listener) => {
                if port != default {
                    tracing::info!(
                        default,
                        port = listener.local_addr()?.port(),
                        "the usual port is taken"
                    );
                }
                return Ok(listener);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => last = Some(e),
            Err(e) => return Err(e).with_context(|| format!("listening on {host}:{port}")),
        }
    }
    Err(anyhow::anyhow!(
        "no free port on {host}: {}",
        last.map(|e| e.to_string()).unwrap_or_default()
    ))
}

fn spawn_exchange_listener(
    node: &Arc<Node>,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<()> {
    let tls = yagona_gateway::listener::tls_config(&node.gateway.config)?;
    tracing::info!(listen = ?listener.local_addr().ok(), "exchange listener (mutual TLS)");
    let gateway = node.gateway.clone();
    tokio::spawn(async move {
        if let Err(e) = yagona_gateway::listener::serve(gateway, listener, tls).await {
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

async fn print_demo_banner(
    db: &Db,
    host: &str,
    port: u16,
    exchange_port: Option<u16>,
) -> anyhow::Result<()> {
    let people = yagona_identity::IdentityStore { db }
        .users_of(demo::IDP)
        .await?;
    let shown_host = if host == "0.0.0.0" || host == "127.0.0.1" {
        "localhost"
    } else {
        host
    };
    println!("\nYagona demo is running: open http://{shown_host}:{port}/");
    if port != 8080 {
        println!("  (port 8080 is taken, so the demo uses {port})");
    }
    match exchange_port {
        Some(8443) => println!("The exchange listens with mutual TLS on {shown_host}:8443"),
        Some(p) => {
            println!("The exchange listens with mutual TLS on {shown_host}:{p} (8443 is taken)")
        }
        None => {}
    }
    println!();
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
