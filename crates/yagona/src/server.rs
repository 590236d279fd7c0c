//! How a node serves: thread-per-core, with the exchange's calls straight to the gateway.

use crate::metrics::{self, Metrics};
use crate::node::Node;
use axum::Router;
use std::sync::Arc;
use std::time::{Duration, Instant};
use yagona_gateway::{Gateway, R1_ROUTE};

/// Serves the router until Ctrl-C or SIGTERM, finishing requests in flight.
///
/// Connections are served thread-per-core: this task accepts them and hands each to one of
/// [`serving_threads`] threads, each running its own single-threaded runtime, round-robin. A
/// connection's requests then stay on one thread, with no wake-ups across threads between the
/// socket, the handler and the onward calls it makes (the exchange gateway's hot path: measured
/// about a quarter faster than one work-stealing runtime). Background work (engine, pushes,
/// the message log's writer) stays on the runtime that called this.
pub async fn serve(node: Arc<Node>, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let threads = serving_threads().max(1);
    let app = Dispatch {
        router: node.router(),
        gateway: node.gateway.clone(),
        metrics: node.metrics.clone(),
        trusted_proxies: Arc::from(node.config.trusted_proxies.clone()),
        peer: None,
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
    gateway: Arc<Gateway>,
    metrics: Arc<Metrics>,
    /// The networks of the proxies that may name the client in `X-Forwarded-For`.
    trusted_proxies: Arc<[ipnet::IpNet]>,
    /// The connection's peer, from which each request's client address is settled.
    peer: Option<std::net::SocketAddr>,
}

type Served = Result<axum::response::Response, std::convert::Infallible>;

impl hyper::service::Service<hyper::Request<hyper::body::Incoming>> for Dispatch {
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = futures::future::Either<
        futures::future::BoxFuture<'static, Served>,
        tower::util::Oneshot<Router, axum::extract::Request>,
    >;

    fn call(&self, req: hyper::Request<hyper::body::Incoming>) -> Self::Future {
        use tower::ServiceExt;
        let mut req = req.map(axum::body::Body::new);
        if !req.uri().path().starts_with("/r1/") {
            // Who the client is, settled once: what rate limits and in-flight limits count.
            let forwarded = req
                .headers()
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok());
            let client = yagona_core::request::client_address(
                self.peer.map(|p| p.ip()),
                forwarded,
                &self.trusted_proxies,
            );
            req.extensions_mut().insert(client);
        }
        if req.uri().path().starts_with("/r1/") {
            futures::future::Either::Left(Box::pin(exchange_call(
                self.gateway.clone(),
                self.metrics.clone(),
                req,
            )))
        } else {
            futures::future::Either::Right(self.router.clone().oneshot(req))
        }
    }
}

/// One `/r1/` call, as the router would answer it (the same handler, metrics and panic guard).
async fn exchange_call(
    gateway: Arc<Gateway>,
    metrics: Arc<Metrics>,
    req: axum::extract::Request,
) -> Served {
    use axum::response::IntoResponse;
    use futures::FutureExt;
    let method = metrics::method_label(req.method());
    let started = Instant::now();
    let call = async move { gateway.handle(req).await.into_response() };
    let resp = std::panic::AssertUnwindSafe(call)
        .catch_unwind()
        .await
        .unwrap_or_else(yagona_web::panic_page);
    metrics::record(&metrics, R1_ROUTE, method, &resp, started);
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
            let service = Dispatch {
                peer: stream.peer_addr().ok(),
                ..service.clone()
            };
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(Duration::from_secs(30))
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
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
