//! The exchange node: X-Road's REST message protocol (`/r1/…`) and its metaservices, served on
//! hyper over the directory, access rights, signed evidence and message log of
//! `yagona-exchange`.
//!
//! A call goes: identifiers from the path and `X-Road-Client` → who is calling (a signed client
//! token, or the key of a mutual-TLS client certificate) → provider, service and right → the
//! request signed and logged → the provider called (redirects returned, not followed; a timeout
//! per service), or the node hosting it, or a pub/sub room answered in place → the response
//! signed and logged → the provider's answer with the protocol's headers. Whatever the gateway
//! refuses or fails is answered in the protocol's error format, and — once the caller is known —
//! logged too.
//!
//! Where to start: [`Gateway::handle`] answers a request of the protocol ([`pipeline`] is the
//! `/r1/` path); [`Gateway::call`] is the client side, for the node's own code (the platform
//! asking registers, service tasks, pushes); [`listener`] is the mutual-TLS listener;
//! [`rooms`] answers pub/sub rooms and makes their pushes.
//!
//! What it must not know: applications, forms, processes, pages, sessions. The domain reaches
//! other agencies through traits of its own, which the binary implements with [`Gateway::call`].

mod auth;
mod client;
pub mod listener;
mod metaservices;
mod onward;
mod pipeline;
mod pool;
pub mod rooms;
mod snapshot;
mod witness;

pub use client::{Call, Reply};
pub use listener::PeerKey;
pub use pipeline::R1_ROUTE;
pub use witness::spawn_checkpoints;

use bytes::Bytes;
use hashlink::LruCache;
use http_body_util::Full;
use snapshot::Snapshot;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use yagona_core::Locale;
use yagona_db::Db;
use yagona_exchange::log::Appender;
use yagona_exchange::{ClientId, ServiceId};

/// What every answer of the gateway carries: the whole body, read before it goes out (it has
/// been signed and logged by then).
pub type Body = Full<Bytes>;

/// Settings of the exchange gateway.
#[derive(Debug, Clone)]
pub struct GatewayConfig {
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
    /// This node's code in `exchange/nodes.toml` (its key: `node.CODE.pem` in `keys_dir`).
    /// Members hosted on another node are reached through that node, over mutual TLS.
    pub node: Option<String>,
    /// An append-only file every checkpoint of the message log is written to as well (a
    /// witness outside the database: another disk, a WORM mount, a log shipper's input).
    pub checkpoint_file: Option<PathBuf>,
}

impl Default for GatewayConfig {
    fn default() -> Self {
        GatewayConfig {
            evidence: true,
            max_body_bytes: 10 * 1024 * 1024,
            log_body_bytes: 64 * 1024,
            keys_dir: None,
            local_base: None,
            node: None,
            checkpoint_file: None,
        }
    }
}

/// This node's own HTTP interfaces, answered in place for services whose base URL is
/// [`yagona_exchange::NODE_BASE_URL`] and a path: the request (path and query below the node's
/// root, the headers the provider gets, the body) and the answer, read whole, or why there is
/// none. The binary gives the gateway the node's APIs ([`Gateway::serve_node`]).
pub type NodeServices = Arc<
    dyn Fn(
            http::Request<Bytes>,
        ) -> futures::future::BoxFuture<'static, Result<http::Response<Bytes>, String>>
        + Send
        + Sync,
>;

/// How the gateway passes calls to the node's own services: the services, and the node's
/// Information Mediator secret it vouches for the calling system with.
struct OwnServices {
    secret: http::HeaderValue,
    services: NodeServices,
}

/// The gateway's state on a node.
pub struct Gateway {
    pub config: GatewayConfig,
    db: Db,
    /// Onward calls that need TLS (providers on HTTPS); plain HTTP goes through [`pool`].
    http: reqwest::Client,
    snapshot: Mutex<(Arc<Snapshot>, Instant)>,
    appender: Appender,
    /// The key this node seals log entries and signs checkpoints with.
    sealer: Option<yagona_exchange::evidence::Sealer>,
    /// Client tokens already verified: token → (holder, expiry).
    tokens: Mutex<LruCache<String, (ClientId, i64)>>,
    /// The node's own services (`yagona:node/…`), once the binary has given them.
    own: std::sync::OnceLock<OwnServices>,
}

/// How often a node looks for directory and key changes made elsewhere.
const DIRECTORY_CHECK: Duration = Duration::from_secs(2);

impl Gateway {
    pub async fn new(db: &Db, config: GatewayConfig) -> anyhow::Result<Gateway> {
        let snapshot = snapshot::load(db, &config).await?;
        let http = onward::client().build()?;
        let sealer = witness::sealer(db, &config).await?;
        Ok(Gateway {
            config,
            db: db.clone(),
            http,
            snapshot: Mutex::new((Arc::new(snapshot), Instant::now())),
            appender: Appender::start(db.clone(), sealer.clone()),
            sealer,
            tokens: Mutex::new(LruCache::new(10_000)),
            own: std::sync::OnceLock::new(),
        })
    }

    /// Gives the gateway this node's own services (base URL `yagona:node/PATH`) and the secret
    /// they believe `Information-Mediator-Client` with (`x-yagona-mediator`): the gateway sends
    /// it, with the calling system it authenticated, to them and to nobody else. Once only.
    pub fn serve_node(&self, mediator_secret: &str, services: NodeServices) -> anyhow::Result<()> {
        let mut secret = http::HeaderValue::from_str(mediator_secret)?;
        secret.set_sensitive(true);
        self.own
            .set(OwnServices { secret, services })
            .map_err(|_| anyhow::anyhow!("the node's own services are given to the gateway once"))
    }

    /// Answers one request of the protocol: a call (`/r1/…`), `/listClients`, or another
    /// protocol version (refused). Anything else is not the gateway's, and gets a plain 404.
    /// A panic on the way is answered as the gateway's own failure, in the protocol's error
    /// format, like any other.
    pub async fn handle<B>(&self, req: http::Request<B>) -> http::Response<Body>
    where
        B: http_body::Body<Data = Bytes> + Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        answer_panics(self.route(req)).await
    }

    async fn route<B>(&self, req: http::Request<B>) -> http::Response<Body>
    where
        B: http_body::Body<Data = Bytes> + Send,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let path = req.uri().path();
        if path.starts_with("/r1/") {
            return pipeline::r1(self, req).await;
        }
        let method = req.method();
        if path == "/listClients" && (method == http::Method::GET || method == http::Method::HEAD) {
            let list = Box::pin(metaservices::list_clients(
                self,
                req.uri().query(),
                req.headers(),
            ))
            .await;
            return if method == http::Method::HEAD {
                without_body(list)
            } else {
                list
            };
        }
        if path == witness::CHECKPOINTS_PATH && method == http::Method::POST {
            return self.witness(req).await;
        }
        if pipeline::other_version(path).is_some() {
            return pipeline::wrong_version(path);
        }
        let mut not_found = http::Response::new(Body::default());
        *not_found.status_mut() = http::StatusCode::NOT_FOUND;
        not_found
    }

    async fn snapshot(&self) -> Arc<Snapshot> {
        let (current, checked) = {
            let g = self.snapshot.lock().unwrap_or_else(|e| e.into_inner());
            (g.0.clone(), g.1)
        };
        if checked.elapsed() < DIRECTORY_CHECK {
            return current;
        }
        // Boxed: the database's futures are large, and every call's future would carry them.
        Box::pin(self.check_directory(current)).await
    }

    /// The directory's version checked (and the directory read again when it changed).
    async fn check_directory(&self, current: Arc<Snapshot>) -> Arc<Snapshot> {
        let fresh = match snapshot::stamp(&self.db).await {
            Ok(s) if s == current.stamp => None,
            Ok(_) => match snapshot::load(&self.db, &self.config).await {
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
            self.forget_tokens();
        }
        g.1 = Instant::now();
        g.0.clone()
    }

    fn forget_tokens(&self) {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// Reads the directory again now (after an import or an administrator's change).
    pub async fn reload(&self) {
        match snapshot::load(&self.db, &self.config).await {
            Ok(s) => {
                let mut g = self.snapshot.lock().unwrap_or_else(|e| e.into_inner());
                *g = (Arc::new(s), Instant::now());
                self.forget_tokens();
            }
            Err(e) => {
                tracing::error!(error = %e, "directory reload failed; using the previous one")
            }
        }
    }

    /// The subsystems this node holds signing keys for (and so can act as).
    pub async fn signing_for(&self) -> std::collections::HashSet<ClientId> {
        self.snapshot().await.signing.keys().cloned().collect()
    }

    /// The service's title and its provider's name, for people (`None` if unknown).
    pub async fn describe(&self, service: &ServiceId, l: Locale) -> Option<(String, String)> {
        let snapshot = self.snapshot().await;
        let s = snapshot.directory.service(service)?;
        let member = snapshot.directory.member(&service.provider)?;
        Some((s.title.get(l).to_owned(), member.name.get(l).to_owned()))
    }
}

/// The answer `call` gives, or — when it panics — the protocol's `internal_error`, so that one
/// faulty call never takes down the caller's connection (and the calls queued behind it).
async fn answer_panics(
    call: impl std::future::Future<Output = http::Response<Body>>,
) -> http::Response<Body> {
    use futures::FutureExt;
    // Unwind safe in practice: the gateway's locks are taken poison-tolerant and never hold a
    // change half made, so what a panicking call leaves behind is as good as before it.
    std::panic::AssertUnwindSafe(call)
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| {
            let incident = fresh_id();
            let what = panic
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
                .unwrap_or("a panic");
            tracing::error!(%incident, panic = what, "the exchange gateway panicked on a call");
            pipeline::error_response(
                &yagona_exchange::ExchangeError::new(
                    yagona_exchange::ErrorKind::InternalError,
                    "the exchange gateway failed on this call; the incident is logged",
                ),
                &incident,
            )
        })
}

/// A `HEAD` answer: the `GET` answer's status and headers (its length too), without the body.
fn without_body(response: http::Response<Body>) -> http::Response<Body> {
    let (mut parts, body) = response.into_parts();
    let length = http_body::Body::size_hint(&body).exact().unwrap_or(0);
    parts.headers.insert(
        http::header::CONTENT_LENGTH,
        http::HeaderValue::from(length),
    );
    http::Response::from_parts(parts, Body::default())
}

/// A random (v4) UUID from the thread's generator: a request id for every exchange, without
/// a system call each.
fn fresh_id() -> String {
    let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
    id.hyphenated()
        .encode_lower(&mut uuid::Uuid::encode_buffer())
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body_of(response: http::Response<Body>) -> Bytes {
        response.into_body().collect().await.unwrap().to_bytes()
    }

    /// A bug that panics in the middle of a call: the caller still gets an answer, the
    /// protocol's own error for the gateway's failure, with the incident to look up.
    #[tokio::test]
    async fn a_call_that_panics_is_answered_with_the_protocols_internal_error() {
        async fn faulty() -> http::Response<Body> {
            panic!("a bug in the middle of a call")
        }
        let response = answer_panics(faulty()).await;
        assert_eq!(response.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.headers()["x-road-error"],
            "server.serverproxy.internal_error"
        );
        let body: serde_json::Value = serde_json::from_slice(&body_of(response).await).unwrap();
        assert_eq!(body["type"], "server.serverproxy.internal_error");
        assert!(
            !body["message"].as_str().unwrap().contains("a bug"),
            "what went wrong inside is logged, not told to the caller"
        );
        assert_eq!(body["detail"].as_str().map(str::len), Some(36));

        // A call that does not panic is answered as it was.
        let fine = answer_panics(async { http::Response::new(Body::from("fine")) }).await;
        assert_eq!(fine.status(), http::StatusCode::OK);
        assert_eq!(body_of(fine).await, "fine");
    }

    /// `HEAD` gets what `GET` would, headers and length included, but no body.
    #[tokio::test]
    async fn a_head_answer_has_the_get_answers_headers_and_no_body() {
        let mut get = http::Response::new(Body::from("<clientList/>"));
        get.headers_mut().insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/xml;charset=utf-8"),
        );
        let head = without_body(get);
        assert_eq!(head.status(), http::StatusCode::OK);
        assert_eq!(
            head.headers()[http::header::CONTENT_TYPE],
            "text/xml;charset=utf-8"
        );
        assert_eq!(head.headers()[http::header::CONTENT_LENGTH], "13");
        assert!(body_of(head).await.is_empty());
    }
}
