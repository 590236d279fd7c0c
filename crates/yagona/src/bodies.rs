//! Request bodies cannot exhaust a node: a body declared larger than the node takes is refused
//! with 413 before it is read, in the edge's own format (the pages refuse theirs themselves);
//! every body must arrive within [`READ_BODY_WITHIN`]; and the bodies being read at once on this
//! node share a budget of bytes, so slow senders hold sockets, not memory; and one client
//! may hold only a share of that budget, and only [`CLIENT_BODIES`] bodies, at once — beyond
//! them it gets 429 at once, so that one client cannot take the node's budget from the others.
//!
//! The client's share is counted on this node only: the bytes in flight are this node's
//! memory, which is what the budget protects, so a client spread over n nodes holds at most n
//! shares of n budgets. (The guessing limits, which count attempts over time, are kept in the
//! database across nodes: `yagona_identity::attempts`.)

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use yagona_core::request::ClientAddress;

/// How long a body may take to arrive, whole: 25 MB at about 2 Mbit/s.
pub const READ_BODY_WITHIN: Duration = Duration::from_secs(120);

/// How long a request waits for room in the node's budget before it is turned away.
const WAIT_FOR_ROOM: Duration = Duration::from_secs(10);

/// How many large bodies (uploads: over [`SMALL_BODY`] or of no declared length) one client
/// may send this node at once. Small bodies — forms, JSON calls — are not counted one by one:
/// a public service centre's desks behind one address send many at once, and they are
/// bounded by the client's share of bytes and by the read deadline.
pub const CLIENT_BODIES: u32 = 4;

/// A body declared at most this long is small.
const SMALL_BODY: usize = 64 * 1024;

/// The share of the node's budget one client may hold at once (a quarter; never less than
/// one body of the largest size).
const CLIENT_SHARE: u32 = 4;

/// The bodies a node reads at once: their largest sizes together, in KiB.
pub struct Bodies {
    budget: Arc<Semaphore>,
    budget_kib: u32,
    client_kib: u32,
    max_body_bytes: usize,
    read_within: Duration,
    /// Each client's bodies being read: how many, and their largest sizes in KiB.
    clients: Arc<Mutex<HashMap<String, Held>>>,
    /// The pages, for a browser turned away: it is shown a page, not a problem document.
    pages: Option<Arc<yagona_web::Pages>>,
}

/// One client's body, counted until it is dropped.
struct ClientBody {
    clients: Arc<Mutex<HashMap<String, Held>>>,
    client: String,
    kib: u32,
    large: bool,
}

/// What one client holds: its bodies, their KiB, and how many of them are large.
#[derive(Default)]
struct Held {
    bodies: u32,
    kib: u32,
    large: u32,
}

impl Drop for ClientBody {
    fn drop(&mut self) {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(held) = clients.get_mut(&self.client) {
            held.bodies -= 1;
            held.kib -= self.kib;
            held.large -= u32::from(self.large);
            if held.bodies == 0 {
                clients.remove(&self.client);
            }
        }
    }
}

impl Bodies {
    /// Room for one more body of `kib` from `client`, if the client holds less than its share
    /// (of bytes, and of large bodies when this one is `large`).
    fn for_client(&self, client: &str, kib: u32, large: bool) -> Option<ClientBody> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        let held = clients.entry(client.to_owned()).or_default();
        if (large && held.large >= CLIENT_BODIES) || held.kib + kib > self.client_kib {
            if held.bodies == 0 {
                clients.remove(client);
            }
            return None;
        }
        held.bodies += 1;
        held.kib += kib;
        held.large += u32::from(large);
        Some(ClientBody {
            clients: self.clients.clone(),
            client: client.to_owned(),
            kib,
            large,
        })
    }
}

impl Bodies {
    /// A budget of `budget_bytes` for bodies of at most `max_body_bytes` each.
    pub fn new(budget_bytes: usize, max_body_bytes: usize, read_within: Duration) -> Bodies {
        let budget_kib = u32::try_from(budget_bytes / 1024)
            .unwrap_or(u32::MAX >> 4)
            .max(1);
        let max_kib = u32::try_from(max_body_bytes.div_ceil(1024)).unwrap_or(u32::MAX);
        Bodies {
            budget: Arc::new(Semaphore::new(budget_kib as usize)),
            budget_kib,
            client_kib: (budget_kib / CLIENT_SHARE).max(max_kib).min(budget_kib),
            max_body_bytes,
            read_within,
            clients: Arc::default(),
            pages: None,
        }
    }

    /// Browsers turned away are shown these pages' page for it.
    pub fn with_pages(mut self, pages: Arc<yagona_web::Pages>) -> Bodies {
        self.pages = Some(pages);
        self
    }
}

fn declared_length(req: &Request) -> Option<usize> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

fn has_body(req: &Request) -> bool {
    declared_length(req).is_some_and(|n| n > 0)
        || req.headers().contains_key(header::TRANSFER_ENCODING)
}

/// Every request with a body: room in the node's budget for as much as it may be, and a
/// deadline for reading it.
pub async fn guard(State(bodies): State<Arc<Bodies>>, req: Request, next: Next) -> Response {
    if !has_body(&req) {
        return next.run(req).await;
    }
    let most = declared_length(&req)
        .unwrap_or(bodies.max_body_bytes)
        .min(bodies.max_body_bytes);
    let kib = u32::try_from(most.div_ceil(1024))
        .unwrap_or(u32::MAX)
        .clamp(1, bodies.budget_kib);
    // A client past its share is turned away at once (it is its own bodies it waits for).
    let client = req.extensions().get::<ClientAddress>().map(|c| c.0.clone());
    let counted = match &client {
        Some(client) => match bodies.for_client(
            client,
            kib,
            declared_length(&req).is_none_or(|n| n > SMALL_BODY),
        ) {
            Some(c) => Some(c),
            None => {
                tracing::warn!(%client, "too many request bodies from one client: turned away");
                let mut resp = bodies.refusal(
                    &req,
                    StatusCode::TOO_MANY_REQUESTS,
                    "too many requests from this client are being read at once; finish those first",
                );
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
                return resp;
            }
        },
        None => None,
    };
    let permit =
        match tokio::time::timeout(WAIT_FOR_ROOM, bodies.budget.clone().acquire_many_owned(kib))
            .await
        {
            Ok(Ok(p)) => p,
            _ => {
                tracing::warn!("too many request bodies at once: turned away");
                let mut resp = bodies.refusal(
                    &req,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the node is reading too many requests at once; try again shortly",
                );
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
                return resp;
            }
        };
    let (parts, body) = req.into_parts();
    let until = tokio::time::Instant::now() + bodies.read_within;
    // Whether the handler read the body to its end: one answered before that (a refusal
    // that does not read a file it will not keep) closes the connection, saying so, so that
    // no client sends its next request down a connection the node is about to drop.
    let finished = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen_end = finished.clone();
    let timed = futures::stream::unfold(Some(body.into_data_stream()), move |s| {
        let seen_end = seen_end.clone();
        async move {
            let mut s = s?;
            match tokio::time::timeout_at(until, s.next()).await {
                Ok(Some(chunk)) => Some((chunk, Some(s))),
                Ok(None) => {
                    seen_end.store(true, std::sync::atomic::Ordering::Release);
                    None
                }
                Err(_) => Some((
                    Err(axum::Error::new("the request body took too long to arrive")),
                    None,
                )),
            }
        }
    });
    let mut resp = next
        .run(Request::from_parts(parts, Body::from_stream(timed)))
        .await;
    if !finished.load(std::sync::atomic::Ordering::Acquire) {
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    drop(permit);
    drop(counted);
    resp
}

/// The APIs' and Open311's limit: a body declared larger than `max` gets 413 before it is read.
pub async fn refuse_declared_oversize(
    State(max): State<usize>,
    req: Request,
    next: Next,
) -> Response {
    if declared_length(&req).is_some_and(|n| n > max) {
        return refusal(
            req.uri().path(),
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("the request body is larger than {max} bytes"),
        );
    }
    next.run(req).await
}

impl Bodies {
    /// A request turned away unread: a page for a browser asking for one (a form sent from a
    /// page), otherwise the refusal in its edge's format.
    fn refusal(&self, req: &Request, status: StatusCode, detail: &str) -> Response {
        let browser = req
            .headers()
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("text/html"));
        match &self.pages {
            Some(pages) if browser && !req.uri().path().starts_with("/open311/") => {
                yagona_web::refusal_page(pages, req.headers(), req.uri(), status)
            }
            _ => refusal(req.uri().path(), status, detail),
        }
    }
}

/// A refusal in the format of the edge that owns `path`: Open311's error list, else a
/// problem document (the pages answer for themselves before this is needed).
fn refusal(path: &str, status: StatusCode, detail: &str) -> Response {
    if path.starts_with("/open311/") {
        let body = serde_json::json!([{"code": status.as_u16(), "description": detail}]);
        return (status, axum::Json(body)).into_response();
    }
    let title = status.canonical_reason().unwrap_or("Refused");
    let problem = yagona_core::Problem::plain(status.as_u16(), title, detail);
    (
        status,
        [(header::CONTENT_TYPE, yagona_core::PROBLEM_JSON)],
        problem.to_json(),
    )
        .into_response()
}
