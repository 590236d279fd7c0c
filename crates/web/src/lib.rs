//! The web layer: the citizen portal, the officers' workspace, the JSON API and the operational
//! endpoints, all server-rendered and working without JavaScript.
//!
//! Handlers parse the request, call a domain component, and render the answer; they hold no
//! business rules. Who is asking is settled by the [`context::Ctx`] extractor before any
//! handler runs; every POST is checked for its CSRF token by [`form::VerifiedForm`].

mod api;
mod appeals;
mod auth;
pub mod context;
pub mod exchange;
mod exchange_admin;
pub mod exchange_worker;
mod facts;
mod form;
mod govstack;
mod jobs;
mod metrics;
mod open311;
mod portal;
pub mod pubsub;
mod render;
mod staff;
mod upstream;
mod view;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue};
use axum::routing::{get, post};
use axum::Router;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower_http::set_header::SetResponseHeaderLayer;
use yagona_db::Db;
use yagona_i18n::I18n;
use yagona_identity::{Csrf, IdentityStore};
use yagona_registry::{Catalogue, RegistryStore};

pub use metrics::Metrics;

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure`. Browsers accept secure cookies on `http://localhost`, so this stays
    /// on in the demo too; turn it off only behind a plain-HTTP test harness.
    pub secure_cookies: bool,
    /// Show the demo identity provider (persona sign-in).
    pub demo_sign_in: bool,
    /// The largest request body accepted (uploads included), in bytes.
    pub max_body_bytes: usize,
    /// The exchange gateway (`/r1/…`).
    pub exchange: exchange::ExchangeConfig,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: true,
            demo_sign_in: true,
            max_body_bytes: 25 * 1024 * 1024,
            exchange: exchange::ExchangeConfig::default(),
        }
    }
}

/// What every request handler can reach.
pub struct AppState {
    pub db: Db,
    pub i18n: Arc<I18n>,
    pub csrf: Csrf,
    pub config: WebConfig,
    pub metrics: Metrics,
    pub gateway: exchange::Gateway,
    templates: minijinja::Environment<'static>,
    catalogue: Mutex<(Arc<Catalogue>, Instant)>,
}

/// How often a node looks for registry changes made by an import or by another node.
const CATALOGUE_CHECK: Duration = Duration::from_secs(2);

impl AppState {
    pub async fn new(db: Db, config: WebConfig) -> anyhow::Result<Arc<AppState>> {
        let csrf = Csrf::new(IdentityStore { db: &db }.secret("csrf").await?);
        let catalogue = RegistryStore { db: &db }.catalogue().await?;
        let i18n = Arc::new(I18n::new());
        let gateway = exchange::Gateway::new(&db, config.exchange.clone()).await?;
        Ok(Arc::new(AppState {
            gateway,
            templates: render::environment(i18n.clone()),
            i18n,
            csrf,
            config,
            metrics: Metrics::new(),
            catalogue: Mutex::new((Arc::new(catalogue), Instant::now())),
            db,
        }))
    }

    /// The current catalogue, rebuilt when the registry version has changed.
    pub async fn catalogue(&self) -> Arc<Catalogue> {
        let (current, checked) = {
            let guard = self.catalogue.lock().unwrap_or_else(|e| e.into_inner());
            (guard.0.clone(), guard.1)
        };
        if checked.elapsed() < CATALOGUE_CHECK {
            return current;
        }
        let store = RegistryStore { db: &self.db };
        let fresh = match store.version().await {
            Ok(v) if v == current.version => None,
            Ok(_) => match store.catalogue().await {
                Ok(c) => Some(Arc::new(c)),
                Err(e) => {
                    tracing::error!(error = %e, "catalogue reload failed; serving the previous one");
                    None
                }
            },
            Err(e) => {
                tracing::error!(error = %e, "registry version check failed");
                None
            }
        };
        let mut guard = self.catalogue.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = fresh {
            guard.0 = c;
        }
        guard.1 = Instant::now();
        guard.0.clone()
    }
}

/// The whole HTTP surface of a node.
pub fn router(state: Arc<AppState>) -> Router {
    let body_limit = state.config.max_body_bytes;
    Router::new()
        .route("/", get(portal::home))
        .route("/services", get(portal::catalogue))
        .route("/services/{code}", get(portal::passport))
        .route("/services/{code}/apply", post(portal::start_application))
        .route("/applications", get(portal::my_applications))
        .route("/applications/{reference}", get(portal::application))
        .route(
            "/applications/{reference}/steps/{step}",
            get(portal::step).post(portal::save_step),
        )
        .route(
            "/applications/{reference}/check",
            get(portal::check_answers),
        )
        .route("/applications/{reference}/submit", post(portal::submit))
        .route(
            "/applications/{reference}/confirmation",
            get(portal::confirmation),
        )
        .route("/documents/{id}", get(portal::download))
        .route("/sign-in", get(auth::sign_in_page).post(auth::sign_in))
        .route("/sign-out", post(auth::sign_out))
        .route("/staff", get(staff::home))
        .route("/staff/applications", get(staff::list))
        .route("/staff/applications/{reference}", get(staff::application))
        .route("/staff/applications/{reference}/take", post(staff::take))
        .route(
            "/staff/applications/{reference}/release",
            post(staff::release),
        )
        .route(
            "/staff/applications/{reference}/decision",
            post(staff::decide),
        )
        .route("/admin", get(staff::admin))
        .route("/admin/exchange", get(exchange_admin::directory))
        .route("/admin/exchange/rights", post(exchange_admin::change_right))
        .route("/admin/exchange/traffic", get(exchange_admin::traffic))
        .merge(appeals::routes())
        .merge(api::routes())
        .merge(jobs::routes())
        .merge(govstack::routes())
        .route("/healthz", get(metrics::healthz))
        .route("/metrics", get(metrics::metrics))
        .route("/static/{*path}", get(render::static_file))
        .route("/favicon.ico", get(render::favicon))
        .fallback(render::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            context::session_layer,
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        // The exchange has its own limits and answers in its own protocol: no sessions, no
        // page headers (a provider's answer passes as it was given).
        .merge(exchange::routes())
        .merge(open311::routes())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            render::panic_response,
        ))
        .with_state(state)
}

/// Headers that tell browsers to run only this site's own resources, never to frame the pages,
/// never to guess content types, and not to leak addresses (reference numbers) to other sites.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// Serves the router until Ctrl-C or SIGTERM, finishing requests in flight.
///
/// Connections are served thread-per-core: this task accepts them and hands each to one of
/// [`serving_threads`] threads, each running its own single-threaded runtime, round-robin. A
/// connection's requests then stay on one thread, with no wake-ups across threads between the
/// socket, the handler and the onward calls it makes (the exchange gateway's hot path: measured
/// about a quarter faster than one work-stealing runtime). Background work (engine, pushes,
/// the message log's writer) stays on the runtime that called this.
pub async fn serve(state: Arc<AppState>, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let threads = serving_threads().max(1);
    let app = Dispatch {
        router: router(state.clone()),
        state,
    };
    let mut workers = Vec::with_capacity(threads);
    for i in 0..threads {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<std::net::TcpStream>();
        let app = app.clone();
        let handle = std::thread::Builder::new()
            .name(format!("yagona-http-{i}"))
            .spawn(move || serve_connections(app, rx))?;
        workers.push((tx, handle));
    }
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    let mut next = 0;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let Ok(stream) = stream.into_std() else { continue };
                    if workers[next].0.send(stream).is_err() {
                        anyhow::bail!("a serving thread has stopped");
                    }
                    next = (next + 1) % workers.len();
                }
                // Out of file descriptors and the like: wait a moment rather than spin.
                Err(e) => {
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = &mut shutdown => break,
        }
    }
    // Closing the channels tells the threads to finish the requests in flight and stop.
    let handles: Vec<_> = workers.into_iter().map(|(_, h)| h).collect();
    tokio::task::spawn_blocking(move || {
        for h in handles {
            let _ = h.join();
        }
    })
    .await?;
    Ok(())
}

/// What a serving thread answers with: the exchange's `/r1/` calls go straight to their handler,
/// counted and guarded against panics as the router would (they are the hot path: a gateway
/// relays tens of thousands a second, and the route table and middleware futures were a tenth
/// of its time); everything else goes through the router.
#[derive(Clone)]
struct Dispatch {
    router: Router,
    state: Arc<AppState>,
}

type Answer = Result<axum::response::Response, std::convert::Infallible>;

impl hyper::service::Service<hyper::Request<hyper::body::Incoming>> for Dispatch {
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = futures::future::Either<
        futures::future::BoxFuture<'static, Answer>,
        tower::util::Oneshot<Router, axum::extract::Request>,
    >;

    fn call(&self, req: hyper::Request<hyper::body::Incoming>) -> Self::Future {
        use tower::ServiceExt;
        let req = req.map(axum::body::Body::new);
        if req.uri().path().starts_with("/r1/") {
            futures::future::Either::Left(Box::pin(exchange_call(self.state.clone(), req)))
        } else {
            futures::future::Either::Right(self.router.clone().oneshot(req))
        }
    }
}

/// One `/r1/` call, as the router would answer it (the same handler, metrics and panic guard).
async fn exchange_call(state: Arc<AppState>, req: axum::extract::Request) -> Answer {
    use futures::FutureExt;
    let method = metrics::method_label(req.method());
    let started = Instant::now();
    let call = exchange::r1(axum::extract::State(state.clone()), req);
    let resp = std::panic::AssertUnwindSafe(call)
        .catch_unwind()
        .await
        .unwrap_or_else(render::panic_response);
    metrics::record(&state.metrics, exchange::R1_ROUTE, method, &resp, started);
    Ok(resp)
}

/// How many threads serve connections: `YAGONA_HTTP_THREADS`, else one per core.
pub fn serving_threads() -> usize {
    std::env::var("YAGONA_HTTP_THREADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// One serving thread: a single-threaded runtime serving the connections it is handed, until
/// the acceptor is gone; then it lets requests in flight finish (at most [`DRAIN`]).
fn serve_connections(
    app: Dispatch,
    mut rx: tokio::sync::mpsc::UnboundedReceiver<std::net::TcpStream>,
) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, "a serving thread could not start its runtime");
            return;
        }
    };
    runtime.block_on(async move {
        let graceful = hyper_util::server::graceful::GracefulShutdown::new();
        let service = app;
        while let Some(stream) = rx.recv().await {
            let Ok(stream) = tokio::net::TcpStream::from_std(stream) else {
                continue;
            };
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(Duration::from_secs(30))
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service.clone());
            let conn = graceful.watch(conn);
            tokio::spawn(async move {
                let _ = conn.await;
            });
        }
        let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
    });
}

/// How long a stopping node waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(20);

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
