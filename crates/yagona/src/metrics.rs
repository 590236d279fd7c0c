//! Operational endpoints: `/healthz` and `/metrics` (Prometheus text format), and the request
//! counts and times behind them, by route pattern.

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::time::Instant;
use yagona_db::Db;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

/// The node's metrics. Each node keeps its own registry (no global state), so tests can run
/// several nodes in one process.
pub struct Metrics {
    /// Tells this node's metrics from another's in the per-thread handle cache.
    id: u64,
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
}

impl Metrics {
    /// The node's metrics: the requests it answers, and what `components` register (each adds
    /// its own families to the registry it is given).
    pub fn new(components: impl FnOnce(&mut Registry)) -> Self {
        let mut registry = Registry::with_prefix("yagona");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 16))
        });
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request",
            latency.clone(),
        );
        components(&mut registry);
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Metrics {
            id: NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            registry,
            requests,
            latency,
        }
    }
}

/// Counts and times every request by its route pattern (never by raw path, which would leak
/// reference numbers into labels and grow without bound).
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = method_label(req.method());
    let started = Instant::now();
    let resp = next.run(req).await;
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    record(&metrics, route, method, &resp, started);
    resp
}

/// Counts one answered request under its route pattern and method label (see [`method_label`]),
/// timed from `started`.
pub fn record(
    metrics: &Metrics,
    route: &str,
    method: &'static str,
    resp: &Response,
    started: Instant,
) {
    let elapsed = started.elapsed().as_secs_f64();
    let (latency, requests) = handles(metrics, route, method, resp.status().as_u16());
    latency.observe(elapsed);
    requests.inc();
}

type Handles = (Box<str>, Histogram, Counter);

/// A series by (node, route text's address, method, status).
type HandleKey = (u64, usize, &'static str, u16);

thread_local! {
    /// Each thread's handles to the series it has counted, so that a request costs neither a
    /// label allocation nor the families' shared lock: (node, route text's address, method,
    /// status) → (route, latency, count). The route text is compared on each hit, so an address
    /// reused by another router cannot count under the wrong route.
    static HANDLES: std::cell::RefCell<std::collections::HashMap<HandleKey, Handles>> =
        Default::default();
}

/// The method as a label: HTTP's own methods by name, any other one a client makes up as
/// `other` (each new label value would be a new series, kept for the node's lifetime).
pub fn method_label(method: &axum::http::Method) -> &'static str {
    const KNOWN: [&str; 9] = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT",
    ];
    KNOWN
        .into_iter()
        .find(|m| *m == method.as_str())
        .unwrap_or("other")
}

fn handles(
    metrics: &Metrics,
    route: &str,
    method: &'static str,
    status: u16,
) -> (Histogram, Counter) {
    let key = (metrics.id, route.as_ptr() as usize, method, status);
    HANDLES.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some((r, h, c)) = cache.get(&key) {
            if &**r == route {
                return (h.clone(), c.clone());
            }
        }
        let h = metrics
            .latency
            .get_or_create(&RouteLabels {
                route: route.to_owned(),
            })
            .clone();
        let c = metrics
            .requests
            .get_or_create(&RequestLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .clone();
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(key, (route.into(), h.clone(), c.clone()));
        (h, c)
    })
}

pub async fn metrics(State(metrics): State<Arc<Metrics>>) -> Response {
    let mut out = String::new();
    if prometheus_client::encoding::text::encode(&mut out, &metrics.registry).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

/// 200 when the node can serve (its database answers), 503 otherwise.
pub async fn healthz(State(db): State<Db>) -> Response {
    if db.ping().await {
        (
            StatusCode::OK,
            axum::Json(serde_json::json!({"status": "ok"})),
        )
            .into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"status": "database unavailable"})),
        )
            .into_response()
    }
}
