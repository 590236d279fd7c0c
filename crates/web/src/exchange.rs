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
use yagona_exchange::directory::{Directory, DirectoryStore};
use yagona_exchange::evidence::{body_digest, Entry};
use yagona_exchange::log::Appender;
use yagona_exchange::{
    access, headers, keys, token, ClientId, ErrorKind, ExchangeError, ServiceId,
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
}

/// The gateway's state on a node.
pub struct Gateway {
    pub config: ExchangeConfig,
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
    let public_keys = keys::all(db).await?;
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
    Ok(Snapshot {
        stamp,
        directory,
        public_keys,
        signing,
    })
}

impl Gateway {
    pub async fn new(db: &Db, config: ExchangeConfig) -> anyhow::Result<Gateway> {
        let snapshot = load_snapshot(db, &config).await?;
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(256)
            .tcp_nodelay(true)
            .build()?;
        Ok(Gateway {
            config,
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
            }
            Err(e) => {
                tracing::error!(error = %e, "directory reload failed; using the previous one")
            }
        }
    }

    /// Who is calling: the client token must be valid and name the client in `X-Road-Client`.
    fn authenticate(
        &self,
        headers: &HeaderMap,
        client: &ClientId,
        snapshot: &Snapshot,
    ) -> Result<(), ExchangeError> {
        let Some(t) = headers.get(token::HEADER).and_then(|v| v.to_str().ok()) else {
            return Err(ExchangeError::new(
                ErrorKind::AuthenticationFailed,
                format!(
                    "the calling system is not authenticated: send a client token ({}) signed with a key of {client}",
                    token::HEADER
                ),
            ));
        };
        let now = chrono::Utc::now().timestamp();
        let cached = self
            .tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(t)
            .cloned();
        let who = match cached {
            Some((who, exp)) if exp > now => who,
            _ => {
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
        Ok(())
    }
}

/// The gateway's routes (outside the portal's sessions, CSRF and page headers).
pub fn routes() -> Router<Arc<AppState>> {
    let mut r = Router::new()
        .route("/r1/{*rest}", any(r1))
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

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(name)
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// The identity of one exchange, for its log entries.
struct Exchange {
    request_id: String,
    message_id: String,
    client: ClientId,
    service: ServiceId,
    method: String,
    path: String,
    user_id: Option<String>,
    issue: Option<String>,
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
            client: self.client.to_string(),
            service: self.service.to_string(),
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

async fn r1(State(app): State<Arc<AppState>>, req: Request) -> Response {
    let incident = uuid::Uuid::new_v4().to_string();
    let gw = &app.gateway;
    let (parts, body) = req.into_parts();
    let prepared = prepare(&app, &parts).await;
    let (snapshot, client, service, rest) = match prepared {
        Ok(p) => p,
        Err(e) => return error_response(&e, &incident),
    };
    if rest.is_empty() && METASERVICES.contains(&service.code.as_str()) {
        let message_id =
            header_text(&parts.headers, "x-road-id").unwrap_or_else(|| incident.clone());
        return match metaservice(
            &snapshot,
            &client,
            &service,
            parts.uri.query(),
            Dialect::of(&parts.headers),
        ) {
            Ok(r) => with_protocol_headers(r, &client, &service, &message_id, &incident, None),
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
        message_id: header_text(&parts.headers, "x-road-id")
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        client: client.clone(),
        service: service.clone(),
        method: parts.method.to_string(),
        path: format!("{rest}{query}"),
        user_id: header_text(&parts.headers, "x-road-userid"),
        issue: header_text(&parts.headers, "x-road-issue"),
    };
    let mut pending = Vec::new();
    match forward(gw, &snapshot, &exchange, &parts, body, &rest, &mut pending).await {
        Ok(r) => r,
        Err(e) => {
            log_refusal(gw, &snapshot, &exchange, &e, pending).await;
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
    match signed(
        snapshot,
        exchange,
        "error",
        status,
        &body,
        usize::MAX,
        &exchange.client,
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
    let gw = &app.gateway;
    let snapshot = gw.snapshot(&app.db).await;
    let request_id = uuid::Uuid::new_v4().to_string();
    let mut builder = Request::builder()
        .method("GET")
        .uri(format!("/r1/{service}{path}"))
        .header("x-road-client", client.to_string());
    if let Some(u) = user_id {
        builder = builder.header("x-road-userid", u);
    }
    if let Some(i) = issue {
        builder = builder.header("x-road-issue", i);
    }
    let (parts, body) = builder
        .body(Body::empty())
        .map_err(|e| refuse(ErrorKind::BadRequest, e.to_string()))?
        .into_parts();
    let exchange = Exchange {
        request_id: request_id.clone(),
        message_id: request_id.clone(),
        client: client.clone(),
        service: service.clone(),
        method: "GET".into(),
        path: path.to_owned(),
        user_id: user_id.map(str::to_owned),
        issue: issue.map(str::to_owned),
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
    /// The service's title and its provider's name, for people (`None` if unknown).
    pub async fn describe(
        &self,
        db: &Db,
        service: &ServiceId,
        l: Locale,
    ) -> Option<(String, String)> {
        let snapshot = self.snapshot(db).await;
        let s = snapshot.directory.service(service)?;
        let member = snapshot
            .directory
            .members
            .get(&service.provider.member_id())?;
        Some((s.title.get(l).to_owned(), member.name.get(l).to_owned()))
    }
}

type Prepared = (Arc<Snapshot>, ClientId, ServiceId, String);

/// Identifiers, the caller's proof of identity, and that the caller is a known subsystem.
async fn prepare(
    app: &AppState,
    parts: &axum::http::request::Parts,
) -> Result<Prepared, ExchangeError> {
    let path = parts.uri.path();
    if parts.uri.to_string().len() > MAX_URI {
        return Err(ExchangeError::new(
            ErrorKind::BadRequest,
            format!("the request target is longer than {MAX_URI} characters"),
        ));
    }
    let after = path.strip_prefix("/r1/").unwrap_or_default();
    let (service, rest) = ServiceId::from_path(after)?;
    let client_text = header_text(&parts.headers, "x-road-client")
        .or_else(|| header_text(&parts.headers, "x-govstack-client"))
        .ok_or_else(|| {
            ExchangeError::new(ErrorKind::BadRequest, "the X-Road-Client header is missing")
        })?;
    let client = ClientId::from_header(&client_text)?;
    if client.subsystem.is_none() {
        return Err(ExchangeError::new(
            ErrorKind::InvalidClientIdentifier,
            "X-Road-Client: a calling system is a subsystem, INSTANCE/CLASS/MEMBER/SUBSYSTEM",
        ));
    }
    let snapshot = app.gateway.snapshot(&app.db).await;
    app.gateway
        .authenticate(&parts.headers, &client, &snapshot)?;
    if snapshot.directory.subsystem(&client).is_none() {
        return Err(ExchangeError::new(
            ErrorKind::UnknownMember,
            format!("client {client} is not a subsystem in the directory"),
        ));
    }
    Ok((snapshot, client, service, rest))
}

fn with_protocol_headers(
    mut response: Response,
    client: &ClientId,
    service: &ServiceId,
    message_id: &str,
    request_id: &str,
    hash: Option<&str>,
) -> Response {
    let h = response.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(HeaderName::from_static(name), v);
        }
    };
    set("x-road-client", &client.to_string());
    set("x-road-service", &service.to_string());
    set("x-road-id", message_id);
    set("x-road-request-id", request_id);
    if let Some(hash) = hash {
        set("x-road-request-hash", hash);
    }
    response
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
    let segments = access::path_segments(rest)?;
    if !snapshot
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
    let mut sent: Vec<(String, String)> = Vec::new();
    for (name, value) in &parts.headers {
        let n = name.as_str();
        if headers::passes(n, &listed)
            && n != token::HEADER
            && n != "x-road-client"
            && n != "x-road-id"
            && n != "x-govstack-client"
        {
            if let Ok(v) = value.to_str() {
                sent.push((n.to_owned(), v.to_owned()));
            }
        }
    }
    sent.push(("x-road-client".into(), client.to_string()));
    sent.push(("x-road-id".into(), exchange.message_id.clone()));
    let hash = headers::request_hash(&exchange.method, &exchange.path, &sent, &body);

    let evidence = gw.config.evidence;
    let keep = gw.config.log_body_bytes;
    if evidence {
        // Signed now; logged with the answer, in one write, before the answer goes out (a
        // node that dies in between has answered nothing).
        pending.push(signed(
            snapshot, exchange, "request", None, &body, keep, client,
        )?);
    }

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
    let url = format!("{base}{}", exchange.path);
    let mut request = gw
        .http
        .request(parts.method.clone(), &url)
        .timeout(Duration::from_millis(service.timeout_ms))
        .body(body);
    for (n, v) in &sent {
        request = request.header(n.as_str(), v.as_str());
    }
    let upstream = request
        .send()
        .await
        .map_err(|e| upstream_failure(&e, service.timeout_ms))?;
    let status = upstream.status();
    let upstream_headers = upstream.headers().clone();
    if upstream
        .content_length()
        .is_some_and(|n| n as usize > limit)
    {
        return Err(refuse(
            ErrorKind::ServiceFailed,
            format!("the provider's answer is larger than {limit} bytes"),
        ));
    }
    let mut upstream = upstream;
    let mut answer = Vec::new();
    loop {
        match upstream.chunk().await {
            Ok(Some(chunk)) => {
                if answer.len() + chunk.len() > limit {
                    return Err(refuse(
                        ErrorKind::ServiceFailed,
                        format!("the provider's answer is larger than {limit} bytes"),
                    ));
                }
                answer.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return Err(upstream_failure(&e, service.timeout_ms)),
        }
    }

    if evidence {
        let provider = &service_id.provider;
        pending.push(signed(
            snapshot,
            exchange,
            "response",
            Some(status.as_u16()),
            &answer,
            keep,
            provider,
        )?);
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
    let mut response = Response::builder().status(status);
    for (name, value) in &upstream_headers {
        if headers::passes(name.as_str(), &listed) && !name.as_str().starts_with("x-road-") {
            response = response.header(name, value);
        }
    }
    let response = response
        .body(Body::from(answer))
        .map_err(|e| refuse(ErrorKind::InternalError, e.to_string()))?;
    Ok(with_protocol_headers(
        response,
        client,
        service_id,
        &exchange.message_id,
        &exchange.request_id,
        Some(&hash),
    ))
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

fn upstream_failure(e: &reqwest::Error, timeout_ms: u64) -> ExchangeError {
    if e.is_timeout() {
        refuse(
            ErrorKind::ServiceFailed,
            format!("the provider did not answer within {timeout_ms} ms"),
        )
    } else if e.is_connect() {
        refuse(
            ErrorKind::NetworkError,
            "the provider could not be reached".to_string(),
        )
    } else {
        refuse(
            ErrorKind::ServiceFailed,
            format!("the provider's answer broke off: {e}"),
        )
    }
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
