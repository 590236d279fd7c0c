//! The exchange gateway: X-Road's REST message protocol (`/r1/…`) and its metaservices, over the
//! directory, access rights, signed evidence and the message log of `yagona-exchange`.
//!
//! A call goes: identifiers from the path and `X-Road-Client` → who is calling (a signed client
//! token) → provider, service and right → the request signed and logged → the provider called
//! (redirects returned, not followed; a timeout per service) → the response signed and logged →
//! the provider's answer with the protocol's headers. Whatever the gateway refuses or fails is
//! answered in the protocol's error format, and — once the caller is known — logged too.

use crate::AppState;
use axum::body::Body;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use ed25519_dalek::{SigningKey, VerifyingKey};
use hashlink::LruCache;
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use yagona_core::Locale;
use yagona_db::Db;
use yagona_exchange::directory::{Directory, DirectoryStore, Node};
use yagona_exchange::evidence::{body_digest, Entry};
use yagona_exchange::log::Appender;
use yagona_exchange::{
    access, evidence, headers, keys, pubsub, tls, token, ClientId, ErrorKind, ExchangeError,
    ServiceId,
};

/// Settings of the exchange gateway.
#[derive(Debug, Clone)]
pub struct ExchangeConfig {
    /// Sign every request and response and write them to the message log.
    pub evidence: bool,
    /// The largest request or response body passed, in bytes.
    pub max_body_bytes: usize,
    /// Bodies up to this size are kept in the log; larger ones by their hash only.
    pub log_body_bytes: usize,
    /// Where this node's subsystems' private keys are (`yagona exchange keygen --keys`).
    pub keys_dir: Option<PathBuf>,
    /// Where base URLs that are paths go: the node's own internal listener (demo registers).
    pub local_base: Option<String>,
    /// The subsystem the portal calls registers as (once-only prefill); none: no prefill.
    pub portal: Option<ClientId>,
    /// This node's code in `exchange/nodes.toml` (its key: `node.CODE.pem` in `keys_dir`).
    /// Members hosted on another node are reached through that node, over mutual TLS.
    pub node: Option<String>,
}

impl Default for ExchangeConfig {
    fn default() -> Self {
        ExchangeConfig {
            evidence: true,
            max_body_bytes: 10 * 1024 * 1024,
            log_body_bytes: 64 * 1024,
            keys_dir: None,
            local_base: None,
            portal: None,
            node: None,
        }
    }
}

/// What a node knows of the exchange at one moment.
struct Snapshot {
    stamp: (i64, i64),
    directory: Directory,
    public_keys: HashMap<String, Vec<VerifyingKey>>,
    /// The subsystems this node signs for.
    signing: HashMap<ClientId, SigningKey>,
    /// Clients to the other nodes: mutual TLS with this node's key, each pinned to its node's.
    peers: HashMap<String, reqwest::Client>,
}

/// Set by a node's exchange listener: the key in the caller's TLS client certificate.
#[derive(Clone, Copy, Debug)]
pub struct PeerKey(pub VerifyingKey);

/// A call another node passed on for one of its members, with that member's signature over
/// the request (`X-Yagona-Signature`).
struct Relay {
    node: String,
    signature: Option<String>,
}

const SIGNATURE: &str = "x-yagona-signature";
const RELAYED_REQUEST_ID: &str = "x-yagona-request-id";

/// The gateway's state on a node.
pub struct Gateway {
    pub config: ExchangeConfig,
    db: Db,
    http: reqwest::Client,
    snapshot: Mutex<(Arc<Snapshot>, Instant)>,
    appender: Appender,
    tokens: Mutex<LruCache<String, (ClientId, i64)>>,
}

/// How often a node looks for directory and key changes made elsewhere.
const DIRECTORY_CHECK: Duration = Duration::from_secs(2);
/// The longest request target accepted (PR-REST recommends capping it).
const MAX_URI: usize = 4096;
const METASERVICES: &[&str] = &["listMethods", "allowedMethods", "getOpenAPI"];

async fn stamp(db: &Db) -> Result<(i64, i64), yagona_db::DbError> {
    let version = DirectoryStore { db }.version().await?;
    let keys = keys::count(db).await?;
    Ok((version, keys))
}

async fn load_snapshot(db: &Db, config: &ExchangeConfig) -> anyhow::Result<Snapshot> {
    let stamp = stamp(db).await?;
    let directory = DirectoryStore { db }.load().await?;
    // Keys in force only: a revoked key authenticates nobody.
    let public_keys = keys::active(db).await?;
    let mut signing = HashMap::new();
    if let Some(dir) = &config.keys_dir {
        for s in directory.subsystems() {
            let file = keys::key_file(dir, &s.id);
            if !file.exists() {
                continue;
            }
            match keys::read_private(&file) {
                Ok(key) => {
                    let registered = public_keys
                        .get(&s.id.to_string())
                        .is_some_and(|ks| ks.contains(&key.verifying_key()));
                    if registered {
                        signing.insert(s.id.clone(), key);
                    } else {
                        tracing::warn!(subsystem = %s.id, file = %file.display(),
                            "a private key whose public key is not registered is not used");
                    }
                }
                Err(e) => tracing::warn!("{e}"),
            }
        }
    }
    let peers = peer_clients(&directory, config);
    Ok(Snapshot {
        stamp,
        directory,
        public_keys,
        signing,
        peers,
    })
}

/// How the gateway calls onwards (providers, other nodes): redirects returned, not followed;
/// kept-alive connections.
fn onward_client() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(256)
        .tcp_nodelay(true)
}

/// A random (v4) UUID from the thread's generator: a request id for every exchange, without
/// a system call each.
fn fresh_id() -> String {
    let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
    id.hyphenated()
        .encode_lower(&mut uuid::Uuid::encode_buffer())
        .to_owned()
}

/// This node's own key (its TLS identity), if it has a code and a key file.
pub fn node_key(config: &ExchangeConfig) -> Option<Result<SigningKey, String>> {
    let (dir, code) = (config.keys_dir.as_ref()?, config.node.as_ref()?);
    Some(keys::read_private(&keys::node_key_file(dir, code)))
}

fn peer_clients(
    directory: &Directory,
    config: &ExchangeConfig,
) -> HashMap<String, reqwest::Client> {
    let mut peers = HashMap::new();
    if directory.nodes.is_empty() {
        return peers;
    }
    let (Some(me), Some(key)) = (&config.node, node_key(config)) else {
        tracing::warn!(
            "this node has no code and key of its own: members on other nodes cannot be reached"
        );
        return peers;
    };
    let key = match key {
        Ok(k) => k,
        Err(e) => {
            tracing::error!("{e}");
            return peers;
        }
    };
    if directory
        .nodes
        .get(me)
        .is_some_and(|n| n.key != evidence::public_key_text(&key.verifying_key()))
    {
        tracing::error!(node = %me, "this node's key is not the one nodes.toml gives for it: other nodes will refuse it");
    }
    for n in directory.nodes.values().filter(|n| &n.code != me) {
        let Some(pinned) = evidence::public_key_from_text(&n.key) else {
            continue;
        };
        let client = tls::client_config(Some((&key, me)), vec![pinned])
            .map_err(anyhow::Error::msg)
            .and_then(|tls| Ok(onward_client().use_preconfigured_tls(tls).build()?));
        match client {
            Ok(c) => {
                peers.insert(n.code.clone(), c);
            }
            Err(e) => tracing::error!(node = %n.code, error = %e, "no client for this node"),
        }
    }
    peers
}

impl Gateway {
    pub async fn new(db: &Db, config: ExchangeConfig) -> anyhow::Result<Gateway> {
        let snapshot = load_snapshot(db, &config).await?;
        let http = onward_client().build()?;
        Ok(Gateway {
            config,
            db: db.clone(),
            http,
            snapshot: Mutex::new((Arc::new(snapshot), Instant::now())),
            appender: Appender::start(db.clone()),
            tokens: Mutex::new(LruCache::new(10_000)),
        })
    }

    async fn snapshot(&self, db: &Db) -> Arc<Snapshot> {
        let (current, checked) = {
            let g = self.snapshot.lock().unwrap_or_else(|e| e.into_inner());
            (g.0.clone(), g.1)
        };
        if checked.elapsed() < DIRECTORY_CHECK {
            return current;
        }
        // Boxed: the database's futures are large, and every call's future would carry them.
        Box::pin(self.check_directory(db, current)).await
    }

    /// The directory's version checked (and the directory read again when it changed).
    async fn check_directory(&self, db: &Db, current: Arc<Snapshot>) -> Arc<Snapshot> {
        let fresh = match stamp(db).await {
            Ok(s) if s == current.stamp => None,
            Ok(_) => match load_snapshot(db, &self.config).await {
                Ok(s) => Some(Arc::new(s)),
                Err(e) => {
                    tracing::error!(error = %e, "directory reload failed; using the previous one");
                    None
                }
            },
            Err(e) => {
                tracing::error!(error = %e, "directory version check failed");
                None
            }
        };
        let mut g = self.snapshot.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = fresh {
            g.0 = s;
            // A token checked against keys since revoked must be checked again.
            self.tokens
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clear();
        }
        g.1 = Instant::now();
        g.0.clone()
    }

    /// Reads the directory again now (after an import or an administrator's change).
    pub async fn reload(&self, db: &Db) {
        match load_snapshot(db, &self.config).await {
            Ok(s) => {
                let mut g = self.snapshot.lock().unwrap_or_else(|e| e.into_inner());
                *g = (Arc::new(s), Instant::now());
                self.tokens
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clear();
            }
            Err(e) => {
                tracing::error!(error = %e, "directory reload failed; using the previous one")
            }
        }
    }

    /// Who is calling: a client token naming the client in `X-Road-Client`; or a TLS client
    /// certificate carrying a key of that client; or one carrying the key of the node that hosts
    /// the client, passing its call on (then the relaying node's code is returned).
    fn authenticate(
        &self,
        parts: &axum::http::request::Parts,
        client: &ClientId,
        snapshot: &Snapshot,
    ) -> Result<Option<String>, ExchangeError> {
        let Some(t) = parts
            .headers
            .get(token::HEADER)
            .and_then(|v| v.to_str().ok())
        else {
            return self.authenticate_tls(parts, client, snapshot);
        };
        let now = chrono::Utc::now().timestamp();
        // A token seen before and still valid: only whose it is needs checking (and its
        // holder is copied out only when it is someone else's).
        let cached = self
            .tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(t)
            .filter(|(_, exp)| *exp > now)
            .map(|(who, _)| {
                if who == client {
                    None
                } else {
                    Some(who.clone())
                }
            });
        let who = match cached {
            Some(None) => return Ok(None),
            Some(Some(who)) => who,
            None => {
                let (who, exp) = token::verify(t, |c| {
                    snapshot
                        .public_keys
                        .get(&c.to_string())
                        .cloned()
                        .unwrap_or_default()
                })?;
                self.tokens
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(t.to_owned(), (who.clone(), exp));
                who
            }
        };
        if &who != client {
            return Err(ExchangeError::new(
                ErrorKind::AuthenticationFailed,
                format!("the client token is {who}'s, not {client}'s"),
            ));
        }
        Ok(None)
    }

    fn authenticate_tls(
        &self,
        parts: &axum::http::request::Parts,
        client: &ClientId,
        snapshot: &Snapshot,
    ) -> Result<Option<String>, ExchangeError> {
        let fail = |m: String| Err(ExchangeError::new(ErrorKind::AuthenticationFailed, m));
        let Some(PeerKey(key)) = parts.extensions.get::<PeerKey>() else {
            return fail(format!(
                "the calling system is not authenticated: use mutual TLS with a certificate of {client}'s key (`yagona exchange cert`), or send a client token ({}) signed with it",
                token::HEADER
            ));
        };
        if snapshot
            .public_keys
            .get(&client.to_string())
            .is_some_and(|ks| ks.contains(key))
        {
            return Ok(None);
        }
        match snapshot.directory.node_with_key(key) {
            Some(node)
                if Some(&node.code) != self.config.node.as_ref()
                    && snapshot
                        .directory
                        .node_of(client)
                        .is_some_and(|n| n.code == node.code) =>
            {
                Ok(Some(node.code.clone()))
            }
            Some(node) => fail(format!(
                "node {} does not host {client}, so it cannot call for it",
                node.code
            )),
            None => fail(format!(
                "the TLS client certificate's key is registered neither for {client} nor for a node"
            )),
        }
    }

    /// The node a provider is reached through, when it is not this one.
    fn remote_node<'a>(&self, snapshot: &'a Snapshot, provider: &ClientId) -> Option<&'a Node> {
        snapshot
            .directory
            .node_of(provider)
            .filter(|n| Some(&n.code) != self.config.node.as_ref())
    }
}

/// The route of protocol calls (also the label they are counted under).
pub const R1_ROUTE: &str = "/r1/{*rest}";

/// The gateway's routes (outside the portal's sessions, CSRF and page headers). A serving
/// thread passes `/r1/` calls to [`r1`] itself, without the route table (`crate::serve`).
pub fn routes() -> Router<Arc<AppState>> {
    let mut r = Router::new()
        .route(R1_ROUTE, any(r1))
        .route("/listClients", get(list_clients));
    for v in ["r0", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"] {
        r = r.route(&format!("/{v}/{{*rest}}"), any(wrong_version));
    }
    r
}

fn error_response(e: &ExchangeError, incident: &str) -> Response {
    let status = StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(&e.body(incident)).expect("plain data serialises");
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json;charset=utf-8"),
            ),
            (
                HeaderName::from_static("x-road-error"),
                HeaderValue::from_static(e.kind.code()),
            ),
        ],
        body,
    )
        .into_response()
}

async fn wrong_version(req: Request) -> Response {
    let version = req.uri().path().split('/').nth(1).unwrap_or("").to_owned();
    error_response(
        &ExchangeError::new(
            ErrorKind::InvalidProtocolVersion,
            format!("protocol version {version:?} is not supported: use r1"),
        ),
        &uuid::Uuid::new_v4().to_string(),
    )
}

/// An identifier as the protocol writes it, in one allocation.
fn identifier_text(id: &impl std::fmt::Display) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(128);
    let _ = write!(text, "{id}");
    text
}

/// A header's last value, trimmed, if it is text and not empty.
fn header_str(headers: &HeaderMap, name: impl axum::http::header::AsHeaderName) -> Option<&str> {
    headers
        .get_all(name)
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn header_text(headers: &HeaderMap, name: impl axum::http::header::AsHeaderName) -> Option<String> {
    header_str(headers, name).map(str::to_owned)
}

/// The identity of one exchange, for its log entries.
struct Exchange {
    request_id: String,
    message_id: String,
    client: ClientId,
    service: ServiceId,
    /// The two identifiers as the protocol writes them (made once: headers and log use them).
    client_text: String,
    service_text: String,
    method: String,
    path: String,
    user_id: Option<String>,
    issue: Option<String>,
    /// Passed on by another node.
    relay: Option<Relay>,
}

impl Exchange {
    fn entry(
        &self,
        kind: &str,
        status: Option<u16>,
        body: &[u8],
        keep: usize,
        signer: &ClientId,
    ) -> Entry {
        use base64::Engine;
        Entry {
            seq: 0,
            at: yagona_core::format_timestamp(&yagona_core::now()),
            kind: kind.into(),
            request_id: self.request_id.clone(),
            message_id: self.message_id.clone(),
            client: self.client_text.clone(),
            service: self.service_text.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            status,
            user_id: self.user_id.clone(),
            issue: self.issue.clone(),
            body_sha512: body_digest(body),
            body_size: body.len() as u64,
            body: (body.len() <= keep)
                .then(|| base64::engine::general_purpose::STANDARD.encode(body)),
            signer: signer.to_string(),
            signature: String::new(),
            prev: String::new(),
            hash: String::new(),
        }
    }
}

pub(crate) async fn r1(State(app): State<Arc<AppState>>, req: Request) -> Response {
    let incident = fresh_id();
    let gw = &app.gateway;
    let (parts, body) = req.into_parts();
    let prepared = prepare(&app, &parts).await;
    let (snapshot, client, service, rest, relayed_by) = match prepared {
        Ok(p) => p,
        Err(e) => return error_response(&e, &incident),
    };
    // A relayed call keeps the request id its first node gave it: one id in both logs.
    let incident = match &relayed_by {
        Some(_) => header_text(&parts.headers, RELAYED_REQUEST_ID)
            .filter(|id| {
                id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            })
            .unwrap_or(incident),
        None => incident,
    };
    if rest.is_empty() && METASERVICES.contains(&service.code.as_str()) {
        let message_id = header_text(&parts.headers, X_ROAD_ID).unwrap_or_else(|| incident.clone());
        return match metaservice(
            &snapshot,
            &client,
            &service,
            parts.uri.query(),
            Dialect::of(&parts.headers),
        ) {
            Ok(r) => with_protocol_headers(
                r,
                &client.to_string(),
                &service.to_string(),
                &message_id,
                &incident,
                None,
            ),
            Err(e) => error_response(&e, &incident),
        };
    }
    let query = parts
        .uri
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    let exchange = Exchange {
        request_id: incident.clone(),
        message_id: header_text(&parts.headers, X_ROAD_ID).unwrap_or_else(fresh_id),
        client_text: identifier_text(&client),
        service_text: identifier_text(&service),
        client,
        service,
        method: parts.method.to_string(),
        path: format!("{rest}{query}"),
        user_id: header_text(&parts.headers, X_ROAD_USER_ID),
        issue: header_text(&parts.headers, X_ROAD_ISSUE),
        relay: relayed_by.map(|node| Relay {
            node,
            signature: header_text(&parts.headers, SIGNATURE),
        }),
    };
    let mut pending = Vec::new();
    match forward(gw, &snapshot, &exchange, &parts, body, &rest, &mut pending).await {
        Ok(r) => r,
        Err(e) => {
            Box::pin(log_refusal(gw, &snapshot, &exchange, &e, pending)).await;
            error_response(&e, &incident)
        }
    }
}

/// A refusal or failure of a known caller's call is evidence too (after the request itself,
/// when it had got that far).
async fn log_refusal(
    gw: &Gateway,
    snapshot: &Snapshot,
    exchange: &Exchange,
    e: &ExchangeError,
    mut pending: Vec<Entry>,
) {
    if !gw.config.evidence {
        return;
    }
    let body = serde_json::to_vec(&e.body(&exchange.request_id)).unwrap_or_default();
    let status = Some(e.kind.status());
    // Signed for the side this node speaks for: the caller's, or else (a call another node
    // passed on) the provider's.
    let signer = if snapshot.signing.contains_key(&exchange.client) {
        &exchange.client
    } else {
        &exchange.service.provider
    };
    match signed(
        snapshot,
        exchange,
        "error",
        status,
        &body,
        usize::MAX,
        signer,
    ) {
        Ok(entry) => {
            pending.push(entry);
            if let Err(le) = gw.appender.append(pending).await {
                tracing::error!(error = %le, "the message log could not take an error entry");
            }
        }
        // No key for the caller on this node: the refusal itself said so.
        Err(_) => tracing::warn!(client = %exchange.client, "a refusal could not be signed"),
    }
}

/// What a call made by this node's own code through the gateway got back.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    /// `X-Road-Request-Id`: where the call is in the message log.
    pub request_id: String,
}

/// A `GET` made by this node's own code (the portal) as `client`, through the same checks,
/// evidence and log as any call from outside — on behalf of a person (`X-Road-UserId`) and a
/// case (`X-Road-Issue`).
pub async fn call_as(
    app: &AppState,
    client: &ClientId,
    service: &ServiceId,
    path: &str,
    user_id: Option<&str>,
    issue: Option<&str>,
) -> Result<Answer, ExchangeError> {
    call_with(
        app,
        client,
        service,
        axum::http::Method::GET,
        path,
        Vec::new(),
        user_id,
        issue,
        None,
    )
    .await
}

/// Any call made by this node's own code as `client` (a JSON body, when there is one). A
/// caller that may repeat the call (a retried job) gives a `message_id` (`X-Road-Id`) that stays
/// the same across attempts, for the provider to recognise the repetition.
#[allow(clippy::too_many_arguments)]
pub async fn call_with(
    app: &AppState,
    client: &ClientId,
    service: &ServiceId,
    method: axum::http::Method,
    path: &str,
    body: Vec<u8>,
    user_id: Option<&str>,
    issue: Option<&str>,
    message_id: Option<&str>,
) -> Result<Answer, ExchangeError> {
    let gw = &app.gateway;
    let snapshot = gw.snapshot(&app.db).await;
    let request_id = uuid::Uuid::new_v4().to_string();
    let message_id = message_id.map_or_else(|| request_id.clone(), str::to_owned);
    let mut builder = Request::builder()
        .method(method.clone())
        .uri(format!("/r1/{service}{path}"))
        .header("x-road-client", client.to_string());
    if !body.is_empty() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    if let Some(u) = user_id {
        builder = builder.header("x-road-userid", u);
    }
    if let Some(i) = issue {
        builder = builder.header("x-road-issue", i);
    }
    let (parts, body) = builder
        .body(Body::from(body))
        .map_err(|e| refuse(ErrorKind::BadRequest, e.to_string()))?
        .into_parts();
    let exchange = Exchange {
        request_id: request_id.clone(),
        message_id,
        client_text: identifier_text(client),
        service_text: identifier_text(service),
        client: client.clone(),
        service: service.clone(),
        method: method.to_string(),
        path: path.to_owned(),
        user_id: user_id.map(str::to_owned),
        issue: issue.map(str::to_owned),
        relay: None,
    };
    let rest = path.split('?').next().unwrap_or_default();
    let mut pending = Vec::new();
    let outcome = match snapshot.directory.subsystem(client) {
        None => Err(refuse(
            ErrorKind::UnknownMember,
            format!("client {client} is not a subsystem in the directory"),
        )),
        Some(_) => forward(gw, &snapshot, &exchange, &parts, body, rest, &mut pending).await,
    };
    match outcome {
        Ok(response) => {
            let status = response.status().as_u16();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .map_err(|e| refuse(ErrorKind::InternalError, e.to_string()))?;
            Ok(Answer {
                status,
                body: body.to_vec(),
                request_id,
            })
        }
        Err(e) => {
            log_refusal(gw, &snapshot, &exchange, &e, pending).await;
            Err(e)
        }
    }
}

impl Gateway {
    /// The subsystems this node holds signing keys for (and so can act as).
    pub async fn signing_for(&self, db: &Db) -> std::collections::HashSet<ClientId> {
        self.snapshot(db).await.signing.keys().cloned().collect()
    }

    /// The service's title and its provider's name, for people (`None` if unknown).
    pub async fn describe(
        &self,
        db: &Db,
        service: &ServiceId,
        l: Locale,
    ) -> Option<(String, String)> {
        let snapshot = self.snapshot(db).await;
        let s = snapshot.directory.service(service)?;
        let member = snapshot.directory.member(&service.provider)?;
        Some((s.title.get(l).to_owned(), member.name.get(l).to_owned()))
    }
}

type Prepared = (Arc<Snapshot>, ClientId, ServiceId, String, Option<String>);

/// Identifiers, the caller's proof of identity, and that the caller is a known subsystem.
async fn prepare(
    app: &AppState,
    parts: &axum::http::request::Parts,
) -> Result<Prepared, ExchangeError> {
    let path = parts.uri.path();
    let target = parts.uri.path_and_query().map_or(0, |pq| pq.as_str().len());
    if target > MAX_URI {
        return Err(ExchangeError::new(
            ErrorKind::BadRequest,
            format!("the request target is longer than {MAX_URI} characters"),
        ));
    }
    let after = path.strip_prefix("/r1/").unwrap_or_default();
    let (service, rest) = ServiceId::from_path(after)?;
    let client_text = header_str(&parts.headers, X_ROAD_CLIENT)
        .or_else(|| header_str(&parts.headers, "x-govstack-client"))
        .ok_or_else(|| {
            ExchangeError::new(ErrorKind::BadRequest, "the X-Road-Client header is missing")
        })?;
    let client = ClientId::from_header(client_text)?;
    if client.subsystem.is_none() {
        return Err(ExchangeError::new(
            ErrorKind::InvalidClientIdentifier,
            "X-Road-Client: a calling system is a subsystem, INSTANCE/CLASS/MEMBER/SUBSYSTEM",
        ));
    }
    let snapshot = app.gateway.snapshot(&app.db).await;
    let relayed_by = app.gateway.authenticate(parts, &client, &snapshot)?;
    if snapshot.directory.subsystem(&client).is_none() {
        return Err(ExchangeError::new(
            ErrorKind::UnknownMember,
            format!("client {client} is not a subsystem in the directory"),
        ));
    }
    Ok((snapshot, client, service, rest, relayed_by))
}

fn with_protocol_headers(
    mut response: Response,
    client: &str,
    service: &str,
    message_id: &str,
    request_id: &str,
    hash: Option<&str>,
) -> Response {
    let h = response.headers_mut();
    h.reserve(5);
    let mut set = |name: HeaderName, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name, v);
        }
    };
    set(X_ROAD_CLIENT, client);
    set(X_ROAD_SERVICE, service);
    set(X_ROAD_ID, message_id);
    set(X_ROAD_REQUEST_ID, request_id);
    if let Some(hash) = hash {
        set(X_ROAD_REQUEST_HASH, hash);
    }
    response
}

const X_ROAD_CLIENT: HeaderName = HeaderName::from_static("x-road-client");
const X_ROAD_ID: HeaderName = HeaderName::from_static("x-road-id");
const X_ROAD_SERVICE: HeaderName = HeaderName::from_static("x-road-service");
const X_ROAD_REQUEST_ID: HeaderName = HeaderName::from_static("x-road-request-id");
const X_ROAD_REQUEST_HASH: HeaderName = HeaderName::from_static("x-road-request-hash");
const X_ROAD_USER_ID: HeaderName = HeaderName::from_static("x-road-userid");
const X_ROAD_ISSUE: HeaderName = HeaderName::from_static("x-road-issue");

/// A header value the gateway sets from an identifier it has checked (or made) itself.
fn protocol_value(text: &str) -> Result<HeaderValue, ExchangeError> {
    HeaderValue::from_str(text).map_err(|_| {
        refuse(
            ErrorKind::BadRequest,
            format!("{text:?} cannot be sent in a header"),
        )
    })
}

fn refuse(kind: ErrorKind, message: impl Into<String>) -> ExchangeError {
    ExchangeError::new(kind, message)
}

async fn forward(
    gw: &Gateway,
    snapshot: &Snapshot,
    exchange: &Exchange,
    parts: &axum::http::request::Parts,
    body: Body,
    rest: &str,
    pending: &mut Vec<Entry>,
) -> Result<Response, ExchangeError> {
    let (client, service_id) = (&exchange.client, &exchange.service);
    if snapshot.directory.subsystem(&service_id.provider).is_none() {
        return Err(refuse(
            ErrorKind::UnknownMember,
            format!(
                "provider {} is not a subsystem in the directory",
                service_id.provider
            ),
        ));
    }
    let service = snapshot.directory.service(service_id).ok_or_else(|| {
        refuse(
            ErrorKind::UnknownService,
            format!(
                "{} offers no service {:?}",
                service_id.provider, service_id.code
            ),
        )
    })?;
    let remote = gw.remote_node(snapshot, &service_id.provider);
    if let (Some(relay), Some(node)) = (&exchange.relay, remote) {
        // One hop only: the first node sends a call straight to the provider's node.
        return Err(refuse(
            ErrorKind::NetworkError,
            format!(
                "node {} sent a call for {}, which node {} hosts",
                relay.node, service_id.provider, node.code
            ),
        ));
    }
    let segments = access::path_segments(rest)?;
    // The provider's node decides on access (its administrators may have granted more).
    if remote.is_none()
        && !snapshot
            .directory
            .allowed(client, service, parts.method.as_str(), &segments)
    {
        return Err(refuse(
            ErrorKind::AccessDenied,
            format!(
                "{client} has no right to {} {} on {service_id}",
                parts.method,
                if rest.is_empty() { "/" } else { rest }
            ),
        ));
    }
    let limit = gw.config.max_body_bytes;
    let body = axum::body::to_bytes(body, limit).await.map_err(|_| {
        refuse(
            ErrorKind::RequestTooLarge,
            format!("the request body is larger than {limit} bytes"),
        )
    })?;

    // What the provider receives.
    let listed = headers::connection_listed(
        &parts
            .headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>(),
    );
    let client_text = &exchange.client_text;
    let mut sent = HeaderMap::with_capacity(parts.headers.len() + 4);
    for (name, value) in &parts.headers {
        let n = name.as_str();
        if headers::passes(n, &listed)
            && !n.starts_with("x-yagona-")
            && n != "x-road-client"
            && n != "x-road-id"
            && n != "x-govstack-client"
        {
            sent.append(name.clone(), value.clone());
        }
    }
    sent.insert(X_ROAD_CLIENT, protocol_value(client_text)?);
    sent.insert(X_ROAD_ID, protocol_value(&exchange.message_id)?);
    // Over the headers in the order the provider gets them (a map's order, as it is sent).
    let hash = headers::request_hash(&exchange.method, &exchange.path, &sent, &body);

    let evidence = gw.config.evidence;
    let keep = gw.config.log_body_bytes;
    if evidence {
        // Signed now; logged with the answer, in one write, before the answer goes out (a
        // node that dies in between has answered nothing).
        let request = match &exchange.relay {
            Some(relay) => countersigned(
                snapshot,
                exchange.entry("request", None, &body, keep, client),
                relay.signature.as_deref(),
                client,
            )
            .map_err(|m| {
                refuse(
                    ErrorKind::AuthenticationFailed,
                    format!("node {} passed on a request that {m}", relay.node),
                )
            })?,
            None => signed(snapshot, exchange, "request", None, &body, keep, client)?,
        };
        pending.push(request);
    }

    let timeout_ms = service.timeout_ms;
    let (status, upstream_headers, answer) = match remote {
        Some(node) => {
            let http = snapshot.peers.get(&node.code).ok_or_else(|| {
                refuse(
                    ErrorKind::NetworkError,
                    format!(
                        "{service_id} is on node {}, and this node has no key to reach it with (`yagona exchange keygen --node`)",
                        node.code
                    ),
                )
            })?;
            let mut relayed = sent;
            relayed.insert(
                HeaderName::from_static(RELAYED_REQUEST_ID),
                protocol_value(&exchange.request_id)?,
            );
            if let Some(request) = pending.last() {
                relayed.insert(
                    HeaderName::from_static(SIGNATURE),
                    protocol_value(&request.signature)?,
                );
            }
            let base = format!("{}/r1/{service_id}", node.address);
            let who = format!("node {}", node.code);
            // The other node has the provider's own timeout; this one allows for the way there.
            let (status, headers, answer) = Box::pin(send_onwards(
                Onward::Client(http),
                &parts.method,
                (&base, &exchange.path),
                relayed,
                body,
                timeout_ms + 2_000,
                limit,
                &who,
            ))
            .await?;
            if let Some(code) = headers.get("x-road-error").and_then(|v| v.to_str().ok()) {
                let message = serde_json::from_slice::<serde_json::Value>(&answer)
                    .ok()
                    .and_then(|v| v.get("message")?.as_str().map(str::to_owned))
                    .unwrap_or_default();
                return Err(refuse(
                    ErrorKind::from_code(code).unwrap_or(ErrorKind::ServiceFailed),
                    format!("{message} ({who})"),
                ));
            }
            (status, headers, answer)
        }
        None if service.base_url == pubsub::BASE_URL => {
            Box::pin(crate::pubsub::answer(
                &gw.db,
                &snapshot.directory,
                client,
                service_id,
                &parts.method,
                rest,
                &body,
                &exchange.message_id,
            ))
            .await
        }
        None => {
            let base = if service.base_url.starts_with('/') {
                match &gw.config.local_base {
                    Some(local) => format!("{}{}", local.trim_end_matches('/'), service.base_url),
                    None => {
                        return Err(refuse(
                            ErrorKind::NetworkError,
                            format!(
                            "{service_id} is served on this node, but this node serves no local registers"
                        ),
                        ))
                    }
                }
            } else {
                service.base_url.clone()
            };
            let via = if base.starts_with("http://") {
                Onward::Plain
            } else {
                Onward::Client(&gw.http)
            };
            send_onwards(
                via,
                &parts.method,
                (&base, &exchange.path),
                sent,
                body,
                timeout_ms,
                limit,
                "the provider",
            )
            .await?
        }
    };

    let mut response_signature = None;
    if evidence {
        let provider = &service_id.provider;
        let response = match remote {
            Some(node) => countersigned(
                snapshot,
                exchange.entry("response", Some(status.as_u16()), &answer, keep, provider),
                upstream_headers
                    .get(SIGNATURE)
                    .and_then(|v| v.to_str().ok()),
                provider,
            )
            .map_err(|m| {
                refuse(
                    ErrorKind::ServiceFailed,
                    format!("node {} returned an answer that {m}", node.code),
                )
            })?,
            None => signed(
                snapshot,
                exchange,
                "response",
                Some(status.as_u16()),
                &answer,
                keep,
                provider,
            )?,
        };
        response_signature = Some(response.signature.clone());
        pending.push(response);
        gw.appender
            .append(std::mem::take(pending))
            .await
            .map_err(|e| {
                refuse(
                    ErrorKind::InternalError,
                    format!("the message log failed: {e}"),
                )
            })?;
    }

    let listed = headers::connection_listed(
        &upstream_headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>(),
    );
    // The provider's headers, moved over (not copied) but for those that stay behind.
    let mut out = HeaderMap::with_capacity(upstream_headers.len() + 6);
    let mut current: Option<(HeaderName, bool)> = None;
    for (name, value) in upstream_headers {
        if let Some(name) = name {
            let n = name.as_str();
            let passes = headers::passes(n, &listed)
                && !n.starts_with("x-road-")
                && !n.starts_with("x-yagona-");
            current = Some((name, passes));
        }
        if let Some((name, true)) = &current {
            out.append(name.clone(), value);
        }
    }
    if exchange.relay.is_some() {
        // The node that passed the call on logs the provider's signature too.
        if let Some(signature) = &response_signature {
            out.insert(
                HeaderName::from_static(SIGNATURE),
                protocol_value(signature)?,
            );
        }
    }
    let mut response = Response::new(Body::from(answer));
    *response.status_mut() = status;
    *response.headers_mut() = out;
    Ok(with_protocol_headers(
        response,
        client_text,
        &exchange.service_text,
        &exchange.message_id,
        &exchange.request_id,
        Some(&hash),
    ))
}

/// How a call goes onwards: plain HTTP to a provider through this thread's own connection
/// pool ([`crate::upstream`]), or through a `reqwest` client (providers on HTTPS, other nodes
/// over mutual TLS).
enum Onward<'a> {
    Plain,
    Client(&'a reqwest::Client),
}

/// One HTTP call onwards (to a provider, or to the node hosting it): no redirects followed,
/// a timeout on the whole exchange, and no more than `limit` bytes taken back.
#[allow(clippy::too_many_arguments)]
async fn send_onwards(
    via: Onward<'_>,
    method: &axum::http::Method,
    (base, path): (&str, &str),
    headers: HeaderMap,
    body: axum::body::Bytes,
    timeout_ms: u64,
    limit: usize,
    who: &str,
) -> Result<(StatusCode, HeaderMap, Vec<u8>), ExchangeError> {
    let timed_out = || {
        refuse(
            ErrorKind::ServiceFailed,
            format!("{who} did not answer within {timeout_ms} ms"),
        )
    };
    let broke_off = |e: &dyn std::fmt::Display| {
        refuse(
            ErrorKind::ServiceFailed,
            format!("the answer of {who} broke off: {e}"),
        )
    };
    // A connection never made is the network's failure; one that broke, the provider's.
    let failed = |connect: bool, e: &dyn std::fmt::Display| {
        if connect {
            refuse(
                ErrorKind::NetworkError,
                format!("{who} could not be reached"),
            )
        } else {
            broke_off(e)
        }
    };
    // The whole exchange under one timeout (built in place: a named future would be kept
    // twice in this function's own).
    tokio::time::timeout(Duration::from_millis(timeout_ms), async {
        let not_url = || {
            refuse(
                ErrorKind::NetworkError,
                format!("{who} has an address that is not a URL: {base}{path}"),
            )
        };
        let (response, lease) = match via {
            Onward::Plain => {
                let mut request = axum::http::Request::new(http_body_util::Full::new(body));
                *request.method_mut() = method.clone();
                *request.headers_mut() = headers;
                let (response, lease) =
                    crate::upstream::send(base, path, request)
                        .await
                        .map_err(|e| match e {
                            crate::upstream::Failure::Address => not_url(),
                            crate::upstream::Failure::Connect(_) => failed(true, &e),
                            crate::upstream::Failure::Exchange(_) => failed(false, &e),
                        })?;
                (response.map(Body::new), Some(lease))
            }
            Onward::Client(http) => {
                // Boxed: reqwest's future is large, and the plain path's would carry it.
                let response = Box::pin(
                    http.request(method.clone(), format!("{base}{path}"))
                        .headers(headers)
                        .body(body)
                        .send(),
                )
                .await
                .map_err(|e| failed(e.is_connect(), &e))?;
                (axum::http::Response::from(response).map(Body::new), None)
            }
        };
        let (parts, mut body) = response.into_parts();
        let too_large = || {
            refuse(
                ErrorKind::ServiceFailed,
                format!("the answer of {who} is larger than {limit} bytes"),
            )
        };
        let declared = parts
            .headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit as u64) {
            return Err(too_large());
        }
        let mut answer = Vec::with_capacity(declared.unwrap_or(0) as usize);
        while let Some(frame) = http_body_util::BodyExt::frame(&mut body).await {
            let frame = frame.map_err(|e| broke_off(&e))?;
            if let Ok(chunk) = frame.into_data() {
                if answer.len() + chunk.len() > limit {
                    return Err(too_large());
                }
                answer.extend_from_slice(&chunk);
            }
        }
        if let Some(lease) = lease {
            lease.finish();
        }
        Ok((parts.status, parts.headers, answer))
    })
    .await
    .map_err(|_| timed_out())?
}

/// A message another node signed (for the member it hosts): its signature, checked against
/// that member's registered keys. The error says what is wrong with it.
fn countersigned(
    snapshot: &Snapshot,
    mut entry: Entry,
    signature: Option<&str>,
    signer: &ClientId,
) -> Result<Entry, String> {
    entry.signature = signature.ok_or("is not signed")?.to_owned();
    let holds = snapshot
        .public_keys
        .get(&signer.to_string())
        .is_some_and(|ks| ks.iter().any(|k| entry.signature_holds(k)));
    if holds {
        Ok(entry)
    } else {
        Err(format!("is not signed by a key of {signer}"))
    }
}

/// A message signed as its sender (the log takes it with the rest of its exchange).
fn signed(
    snapshot: &Snapshot,
    exchange: &Exchange,
    kind: &str,
    status: Option<u16>,
    body: &[u8],
    keep: usize,
    signer: &ClientId,
) -> Result<Entry, ExchangeError> {
    let key = snapshot.signing.get(signer).ok_or_else(|| {
        refuse(
            ErrorKind::InternalError,
            format!("this node holds no signing key for {signer}: run `yagona exchange keygen {signer}`"),
        )
    })?;
    let mut entry = exchange.entry(kind, status, body, keep, signer);
    entry.sign(key);
    Ok(entry)
}

/// Whose field names a metaservice answers with: X-Road's (snake_case) or GovStack's
/// Information Mediator's (camelCase, `applicationCode`, lists under `member`), by the header
/// the caller named itself with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dialect {
    XRoad,
    GovStack,
}

impl Dialect {
    fn of(headers: &HeaderMap) -> Dialect {
        if header_text(headers, "x-road-client").is_none()
            && header_text(headers, "x-govstack-client").is_some()
        {
            Dialect::GovStack
        } else {
            Dialect::XRoad
        }
    }
}

fn service_json(
    service: &ServiceId,
    endpoints: Vec<serde_json::Value>,
    openapi: bool,
    dialect: Dialect,
) -> serde_json::Value {
    let p = &service.provider;
    if dialect == Dialect::GovStack {
        return json!({
            "objectType": "SERVICE",
            "serviceType": if openapi { "OPENAPI" } else { "REST" },
            "instanceId": p.instance,
            "memberClass": p.class,
            "memberCode": p.member,
            "applicationCode": p.subsystem,
            "serviceCode": service.code,
            "endpointList": {"member": endpoints},
        });
    }
    json!({
        "member_class": p.class,
        "member_code": p.member,
        "object_type": "SERVICE",
        "service_code": service.code,
        "service_type": if openapi { "OPENAPI" } else { "REST" },
        "subsystem_code": p.subsystem,
        "xroad_instance": p.instance,
        "endpoint_list": endpoints,
    })
}

fn metaservice(
    snapshot: &Snapshot,
    client: &ClientId,
    meta: &ServiceId,
    query: Option<&str>,
    dialect: Dialect,
) -> Result<Response, ExchangeError> {
    let list = if dialect == Dialect::GovStack {
        "member"
    } else {
        "service"
    };
    let provider = snapshot
        .directory
        .subsystem(&meta.provider)
        .ok_or_else(|| {
            refuse(
                ErrorKind::UnknownMember,
                format!(
                    "provider {} is not a subsystem in the directory",
                    meta.provider
                ),
            )
        })?;
    let json_response = |v: serde_json::Value| {
        (
            [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
            v.to_string(),
        )
            .into_response()
    };
    match meta.code.as_str() {
        "listMethods" => {
            let services: Vec<_> = provider
                .services
                .values()
                .map(|s| {
                    let endpoints = s
                        .endpoints()
                        .into_iter()
                        .map(|e| json!({"method": e.method, "path": e.path}))
                        .collect();
                    service_json(&s.id, endpoints, s.openapi.is_some(), dialect)
                })
                .collect();
            Ok(json_response(json!({ list: services })))
        }
        "allowedMethods" => {
            let groups = snapshot.directory.groups_of(client);
            let services: Vec<_> = provider
                .services
                .values()
                .filter_map(|s| {
                    let endpoints: Vec<_> = s
                        .rights
                        .iter()
                        .filter(|r| match &r.grantee {
                            access::Grantee::Subsystem(c) => c == client,
                            access::Grantee::Group(g) => groups.contains(g),
                        })
                        .map(|r| json!({"method": r.method, "path": r.path}))
                        .collect();
                    (!endpoints.is_empty())
                        .then(|| service_json(&s.id, endpoints, s.openapi.is_some(), dialect))
                })
                .collect();
            Ok(json_response(json!({ list: services })))
        }
        _ => {
            let code = query
                .and_then(|q| {
                    serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                        .ok()?
                        .into_iter()
                        .find(|(k, _)| k == "serviceCode")
                        .map(|(_, v)| v)
                })
                .ok_or_else(|| refuse(ErrorKind::BadRequest, "getOpenAPI needs ?serviceCode=…"))?;
            let service = provider.services.get(&code).ok_or_else(|| {
                refuse(
                    ErrorKind::UnknownService,
                    format!("{} offers no service {code:?}", meta.provider),
                )
            })?;
            let text = service.openapi.clone().ok_or_else(|| {
                refuse(
                    ErrorKind::UnknownService,
                    format!("service {code:?} has no OpenAPI description"),
                )
            })?;
            Ok((
                [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
                text,
            )
                .into_response())
        }
    }
}

#[derive(Deserialize)]
struct ListClientsQuery {
    #[serde(rename = "xRoadInstance")]
    xroad_instance: Option<String>,
    /// GovStack's name for the same filter; asking with it gets GovStack's field names.
    #[serde(rename = "instanceId")]
    instance_id: Option<String>,
}

/// `GET /listClients`: every member and subsystem, as JSON when asked for, else as X-Road's XML.
async fn list_clients(
    State(app): State<Arc<AppState>>,
    Query(q): Query<ListClientsQuery>,
    headers: HeaderMap,
) -> Response {
    let snapshot = app.gateway.snapshot(&app.db).await;
    let locale = header_text(&headers, "accept-language")
        .and_then(|l| l.split([',', ';']).find_map(Locale::parse))
        .unwrap_or(Locale::Uz);
    let govstack = q.instance_id.is_some() || Dialect::of(&headers) == Dialect::GovStack;
    let wants_json =
        govstack || header_text(&headers, "accept").is_some_and(|a| a.contains("json"));
    let instance = q.instance_id.as_ref().or(q.xroad_instance.as_ref());
    let mut rows = Vec::new();
    for m in snapshot.directory.members.values() {
        if instance.is_some_and(|i| i != &m.id.instance) {
            continue;
        }
        let name = m.name.get(locale).to_owned();
        rows.push((m.id.clone(), name.clone(), None));
        for s in m.subsystems.values() {
            let sub_name = s.name.as_ref().map(|n| n.get(locale).to_owned());
            rows.push((s.id.clone(), name.clone(), sub_name));
        }
    }
    if govstack {
        let members: Vec<_> = rows
            .iter()
            .map(|(id, name, sub_name)| {
                let mut v = json!({
                    "name": sub_name.as_deref().unwrap_or(name),
                    "id": {
                        "objectType": if id.subsystem.is_some() { "APPLICATION" } else { "MEMBER" },
                        "instanceId": id.instance,
                        "memberClass": id.class,
                        "memberCode": id.member,
                    },
                });
                if let Some(s) = &id.subsystem {
                    v["id"]["applicationCode"] = json!(s);
                }
                v
            })
            .collect();
        return (
            [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
            json!({ "member": members }).to_string(),
        )
            .into_response();
    }
    if wants_json {
        let members: Vec<_> = rows
            .iter()
            .map(|(id, name, sub_name)| {
                let mut v = json!({
                    "id": {
                        "member_class": id.class,
                        "member_code": id.member,
                        "object_type": if id.subsystem.is_some() { "SUBSYSTEM" } else { "MEMBER" },
                        "xroad_instance": id.instance,
                    },
                    "name": name,
                });
                if let Some(s) = &id.subsystem {
                    v["id"]["subsystem_code"] = json!(s);
                    if let Some(n) = sub_name {
                        v["subsystem_name"] = json!(n);
                    }
                }
                v
            })
            .collect();
        return (
            [(header::CONTENT_TYPE, "application/json;charset=utf-8")],
            json!({ "member": members }).to_string(),
        )
            .into_response();
    }
    let esc = |s: &str| quick_xml::escape::escape(s).into_owned();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ns2:clientList xmlns:ns2=\"http://x-road.eu/xsd/xroad.xsd\" xmlns:id=\"http://x-road.eu/xsd/identifiers\">",
    );
    for (id, name, _) in &rows {
        let kind = if id.subsystem.is_some() {
            "SUBSYSTEM"
        } else {
            "MEMBER"
        };
        xml.push_str(&format!(
            "<ns2:member><ns2:id id:objectType=\"{kind}\"><id:xRoadInstance>{}</id:xRoadInstance><id:memberClass>{}</id:memberClass><id:memberCode>{}</id:memberCode>",
            esc(&id.instance),
            esc(&id.class),
            esc(&id.member)
        ));
        if let Some(s) = &id.subsystem {
            xml.push_str(&format!("<id:subsystemCode>{}</id:subsystemCode>", esc(s)));
        }
        xml.push_str(&format!(
            "</ns2:id><ns2:name>{}</ns2:name></ns2:member>",
            esc(name)
        ));
    }
    xml.push_str("</ns2:clientList>");
    ([(header::CONTENT_TYPE, "text/xml;charset=utf-8")], xml).into_response()
}

/// The TLS configuration of the node's exchange listener: this node's key as server
/// certificate; client certificates asked for, their key identifying the caller. Needs the
/// node's code and key (`[exchange] node`, `yagona exchange keygen --node`).
pub fn listener_tls(config: &ExchangeConfig) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let code = config.node.clone().ok_or_else(|| {
        anyhow::anyhow!("[exchange] a TLS listener needs this node's code (node = \"…\")")
    })?;
    let key = node_key(config)
        .ok_or_else(|| anyhow::anyhow!("[exchange] a TLS listener needs the keys folder"))?
        .map_err(|e| {
            anyhow::anyhow!("{e}: make it with `yagona exchange keygen --node {code} --keys DIR`")
        })?;
    Ok(Arc::new(
        tls::server_config(&key, &code).map_err(anyhow::Error::msg)?,
    ))
}

/// The node's exchange listener: mutual TLS ([`listener_tls`]), serving the gateway's routes
/// only; the key of a caller's client certificate goes with each request as [`PeerKey`].
pub async fn serve_tls(
    state: Arc<AppState>,
    listener: tokio::net::TcpListener,
    tls: Arc<rustls::ServerConfig>,
) -> anyhow::Result<()> {
    use tower::ServiceExt;
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let router: Router = routes().with_state(state.clone());
    loop {
        let (tcp, _) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors and the like: wait, do not spin.
                tracing::warn!(error = %e, "exchange listener: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let _ = tcp.set_nodelay(true);
        let (acceptor, router) = (acceptor.clone(), router.clone());
        tokio::spawn(async move {
            let stream =
                match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await {
                    Ok(Ok(s)) => s,
                    Ok(Err(e)) => {
                        tracing::debug!(error = %e, "exchange listener: TLS handshake failed");
                        return;
                    }
                    Err(_) => return,
                };
            let peer = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(tls::key_of);
            let service = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    if let Some(k) = peer {
                        req.extensions_mut().insert(PeerKey(k));
                    }
                    router.clone().oneshot(req.map(Body::new))
                },
            );
            // A caller that never finishes its headers is cut off, not waited for.
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(Duration::from_secs(30))
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(error = %e, "exchange listener: connection ended");
            }
        });
    }
}
