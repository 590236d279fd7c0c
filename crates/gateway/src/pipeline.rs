//! One call of the protocol (`/r1/…`), from its identifiers to the provider's answer with the
//! protocol's headers: authenticate, authorize, route (the provider, the node hosting it, or a
//! pub/sub room), sign and log.

use crate::onward::{send_onwards, Onward};
use crate::snapshot::Snapshot;
use crate::{fresh_id, Body, Gateway};
use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::StatusCode;
use http_body_util::BodyExt;
use std::sync::Arc;
use yagona_exchange::evidence::{body_digest, Entry};
use yagona_exchange::{
    access, headers, pubsub, ClientId, ErrorKind, ExchangeError, ServiceId, NODE_BASE_URL,
};

/// The route of protocol calls (also the label they are counted under).
pub const R1_ROUTE: &str = "/r1/{*rest}";

/// The longest request target accepted (PR-REST recommends capping it).
const MAX_URI: usize = 4096;
const METASERVICES: &[&str] = &["listMethods", "allowedMethods", "getOpenAPI"];

pub(crate) const SIGNATURE: &str = "x-yagona-signature";
const RELAYED_REQUEST_ID: &str = "x-yagona-request-id";

pub(crate) const X_ROAD_CLIENT: HeaderName = HeaderName::from_static("x-road-client");
pub(crate) const X_ROAD_ID: HeaderName = HeaderName::from_static("x-road-id");
const X_ROAD_SERVICE: HeaderName = HeaderName::from_static("x-road-service");
const X_ROAD_REQUEST_ID: HeaderName = HeaderName::from_static("x-road-request-id");
const X_ROAD_REQUEST_HASH: HeaderName = HeaderName::from_static("x-road-request-hash");
pub(crate) const X_ROAD_USER_ID: HeaderName = HeaderName::from_static("x-road-userid");
pub(crate) const X_ROAD_ISSUE: HeaderName = HeaderName::from_static("x-road-issue");
/// GovStack's name for the calling system, as the Information Mediator authenticated it
/// (`INSTANCE/CLASS/MEMBER/SUBSYSTEM`): set by the gateway, never passed on from a caller.
const INFORMATION_MEDIATOR_CLIENT: HeaderName =
    HeaderName::from_static("information-mediator-client");
/// The node's secret, by which its own services know a call came through its gateway.
const MEDIATOR: HeaderName = HeaderName::from_static("x-yagona-mediator");

/// A call another node passed on for one of its members, with that member's signature over
/// the request (`X-Yagona-Signature`).
struct Relay {
    node: String,
    signature: Option<String>,
}

/// The protocol's error: its status, `X-Road-Error` and JSON body.
pub(crate) fn error_response(e: &ExchangeError, incident: &str) -> http::Response<Body> {
    let status = StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(&e.body(incident)).expect("plain data serialises");
    let mut response = http::Response::new(Body::from(body));
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    h.insert(
        HeaderName::from_static("x-road-error"),
        HeaderValue::from_static(e.kind.code()),
    );
    response
}

/// The version in a path of another version of the protocol (`/r0/…`, `/r2/…` … `/r9/…`).
pub(crate) fn other_version(path: &str) -> Option<&str> {
    let version = path.strip_prefix('/')?.split('/').next()?;
    let digit = version.strip_prefix('r')?;
    (digit.len() == 1
        && digit != "1"
        && digit.bytes().all(|b| b.is_ascii_digit())
        && path.len() > version.len() + 2)
        .then_some(version)
}

pub(crate) fn wrong_version(path: &str) -> http::Response<Body> {
    let version = path.split('/').nth(1).unwrap_or("");
    error_response(
        &ExchangeError::new(
            ErrorKind::InvalidProtocolVersion,
            format!("protocol version {version:?} is not supported: use r1"),
        ),
        &uuid::Uuid::new_v4().to_string(),
    )
}

/// An identifier as the protocol writes it, in one allocation.
pub(crate) fn identifier_text(id: &impl std::fmt::Display) -> String {
    use std::fmt::Write;
    let mut text = String::with_capacity(128);
    let _ = write!(text, "{id}");
    text
}

/// A header's last value, trimmed, if it is text and not empty.
pub(crate) fn header_str(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<&str> {
    headers
        .get_all(name)
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

pub(crate) fn header_text(headers: &HeaderMap, name: impl header::AsHeaderName) -> Option<String> {
    header_str(headers, name).map(str::to_owned)
}

/// The identity of one exchange, for its log entries.
pub(crate) struct Exchange {
    pub request_id: String,
    pub message_id: String,
    pub client: ClientId,
    pub service: ServiceId,
    /// The two identifiers as the protocol writes them (made once: headers and log use them).
    pub client_text: String,
    pub service_text: String,
    pub method: String,
    pub path: String,
    pub user_id: Option<String>,
    pub issue: Option<String>,
    /// Passed on by another node.
    relay: Option<Relay>,
}

impl Exchange {
    /// An exchange the node's own code starts (never relayed).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn own(
        request_id: String,
        message_id: String,
        client: &ClientId,
        service: &ServiceId,
        method: &http::Method,
        path: &str,
        user_id: Option<&str>,
        issue: Option<&str>,
    ) -> Exchange {
        Exchange {
            request_id,
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
        }
    }

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
            sealer: None,
            seal: None,
        }
    }
}

/// A call of the protocol from outside: `/r1/{service}[/path]`.
pub(crate) async fn r1<B>(gw: &Gateway, req: http::Request<B>) -> http::Response<Body>
where
    B: http_body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let incident = fresh_id();
    let (parts, body) = req.into_parts();
    let (snapshot, client, service, rest, relayed_by) = match prepare(gw, &parts).await {
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
        let dialect = crate::metaservices::Dialect::of(&parts.headers);
        return match crate::metaservices::metaservice(
            &snapshot,
            &client,
            &service,
            parts.uri.query(),
            dialect,
        )
        .map_err(|e| dialect.refusal(e))
        {
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
pub(crate) async fn log_refusal(
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

type Prepared = (Arc<Snapshot>, ClientId, ServiceId, String, Option<String>);

/// Identifiers, the caller's proof of identity, and that the caller is a known subsystem.
async fn prepare(gw: &Gateway, parts: &http::request::Parts) -> Result<Prepared, ExchangeError> {
    let path = parts.uri.path();
    let target = parts.uri.path_and_query().map_or(0, |pq| pq.as_str().len());
    if target > MAX_URI {
        return Err(ExchangeError::new(
            ErrorKind::BadRequest,
            format!("the request target is longer than {MAX_URI} characters"),
        ));
    }
    bounded_headers(&parts.headers)?;
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
    let snapshot = gw.snapshot().await;
    let relayed_by = gw.authenticate(parts, &client, &snapshot)?;
    if snapshot.directory.subsystem(&client).is_none() {
        return Err(ExchangeError::new(
            ErrorKind::UnknownMember,
            format!("client {client} is not a subsystem in the directory"),
        ));
    }
    Ok((snapshot, client, service, rest, relayed_by))
}

/// The longest value of a header the gateway logs and echoes (`X-Road-Id`, `X-Road-UserId`,
/// `X-Road-Issue`): a user's identifier or a case number is a few dozen characters, and a
/// value beyond this would only fill the message log (ASVS 12.1.1, 13.1.3).
pub(crate) const MAX_LOGGED_HEADER: usize = 256;

/// Refuses — as the caller's error, in the protocol's format — a logged header that is longer
/// than [`MAX_LOGGED_HEADER`] or given more than once, before anything is signed or logged.
fn bounded_headers(headers: &HeaderMap) -> Result<(), ExchangeError> {
    for (name, title) in [
        (X_ROAD_ID, "X-Road-Id"),
        (X_ROAD_USER_ID, "X-Road-UserId"),
        (X_ROAD_ISSUE, "X-Road-Issue"),
    ] {
        let mut values = headers.get_all(&name).iter();
        let Some(value) = values.next() else {
            continue;
        };
        if values.next().is_some() {
            return Err(refuse(
                ErrorKind::BadRequest,
                format!("the {title} header is given more than once"),
            ));
        }
        if value.len() > MAX_LOGGED_HEADER {
            return Err(refuse(
                ErrorKind::BadRequest,
                format!(
                    "the {title} header is longer than {MAX_LOGGED_HEADER} characters ({} given)",
                    value.len()
                ),
            ));
        }
    }
    Ok(())
}

pub(crate) fn with_protocol_headers(
    mut response: http::Response<Body>,
    client: &str,
    service: &str,
    message_id: &str,
    request_id: &str,
    hash: Option<&str>,
) -> http::Response<Body> {
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

/// Why a request body could not be read: it is larger than the gateway takes (413), or the
/// caller broke off or stalled while sending it — the caller's fault, not the gateway's.
fn unread_body(e: &(dyn std::error::Error + 'static), limit: usize) -> ExchangeError {
    // The limit's own error, or one a layer in front of the gateway wrapped it in.
    let too_large = std::iter::successors(Some(e), |e| e.source())
        .any(|e| e.is::<http_body_util::LengthLimitError>());
    if too_large {
        refuse(
            ErrorKind::RequestTooLarge,
            format!("the request body is larger than {limit} bytes"),
        )
    } else {
        refuse(
            ErrorKind::BadRequest,
            format!("the request body did not arrive whole: {e}"),
        )
    }
}

/// A call to one of this node's own services (base URL `yagona:node/PATH`), answered in place
/// with the node's Information Mediator secret added — after the request hash, so that it is
/// neither logged nor sent anywhere else.
#[allow(clippy::too_many_arguments)]
async fn own_service(
    gw: &Gateway,
    service_id: &ServiceId,
    base: &str,
    parts: &http::request::Parts,
    path: &str,
    mut sent: HeaderMap,
    body: Bytes,
    timeout_ms: u64,
) -> Result<(StatusCode, HeaderMap, Vec<u8>), ExchangeError> {
    let own = gw.own.get().ok_or_else(|| {
        refuse(
            ErrorKind::NetworkError,
            format!("{service_id} is one of this node's own services, and this node serves none"),
        )
    })?;
    if !base.starts_with('/') || base.starts_with("//") {
        return Err(refuse(
            ErrorKind::NetworkError,
            format!("{service_id} has a base URL that is not {NODE_BASE_URL}/PATH"),
        ));
    }
    let target = format!("{}{path}", base.trim_end_matches('/'));
    let uri: http::Uri = target.parse().map_err(|_| {
        refuse(
            ErrorKind::BadRequest,
            format!("{target:?} is not a request target"),
        )
    })?;
    sent.insert(MEDIATOR, own.secret.clone());
    let mut request = http::Request::new(body);
    *request.method_mut() = parts.method.clone();
    *request.uri_mut() = uri;
    *request.headers_mut() = sent;
    let answer = tokio::time::timeout(
        std::time::Duration::from_millis(timeout_ms),
        (own.services)(request),
    )
    .await
    .map_err(|_| {
        refuse(
            ErrorKind::ServiceFailed,
            format!("the provider did not answer within {timeout_ms} ms"),
        )
    })?
    .map_err(|e| {
        refuse(
            ErrorKind::ServiceFailed,
            format!("the answer of the provider broke off: {e}"),
        )
    })?;
    let (parts, body) = answer.into_parts();
    if body.len() > gw.config.max_body_bytes {
        return Err(refuse(
            ErrorKind::ServiceFailed,
            format!(
                "the answer of the provider is larger than {} bytes",
                gw.config.max_body_bytes
            ),
        ));
    }
    Ok((parts.status, parts.headers, body.to_vec()))
}

/// A header value the gateway sets from an identifier it has checked (or made) itself.
fn protocol_value(text: &str) -> Result<HeaderValue, ExchangeError> {
    HeaderValue::from_str(text).map_err(|_| {
        refuse(
            ErrorKind::BadRequest,
            format!("{text:?} cannot be sent in a header"),
        )
    })
}

pub(crate) fn refuse(kind: ErrorKind, message: impl Into<String>) -> ExchangeError {
    ExchangeError::new(kind, message)
}

/// The call past its caller's identity: provider, right, evidence, the way onwards, and the
/// answer with the protocol's headers. Entries signed so far are in `pending` (a refusal logs
/// them with its own).
pub(crate) async fn forward<B>(
    gw: &Gateway,
    snapshot: &Snapshot,
    exchange: &Exchange,
    parts: &http::request::Parts,
    body: B,
    rest: &str,
    pending: &mut Vec<Entry>,
) -> Result<http::Response<Body>, ExchangeError>
where
    B: http_body::Body<Data = Bytes> + Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
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
    let body = http_body_util::Limited::new(body, limit)
        .collect()
        .await
        .map_err(|e| unread_body(&*e, limit))?
        .to_bytes();

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
            && n != "information-mediator-client"
        {
            sent.append(name.clone(), value.clone());
        }
    }
    sent.insert(X_ROAD_CLIENT, protocol_value(client_text)?);
    sent.insert(X_ROAD_ID, protocol_value(&exchange.message_id)?);
    // A provider this node calls learns the calling system in GovStack's header as well; a
    // node hosting the provider sets it there.
    if remote.is_none() && service.base_url != pubsub::BASE_URL {
        sent.insert(INFORMATION_MEDIATOR_CLIENT, protocol_value(client_text)?);
    }
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
            Box::pin(crate::rooms::answer(
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
        None if service.base_url.starts_with(NODE_BASE_URL) => {
            Box::pin(own_service(
                gw,
                service_id,
                &service.base_url[NODE_BASE_URL.len()..],
                parts,
                &exchange.path,
                sent,
                body,
                timeout_ms,
            ))
            .await?
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
    let mut response = http::Response::new(Body::from(answer));
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

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::{Full, Limited, StreamBody};

    /// A request body over the limit is refused as too large (413); one the caller broke off
    /// while sending is the caller's fault (400), never reported as too large.
    #[tokio::test]
    async fn a_request_body_that_cannot_be_read_is_refused_by_what_went_wrong() {
        let big = Limited::new(Full::new(Bytes::from_static(b"0123456789")), 4)
            .collect()
            .await
            .unwrap_err();
        let e = unread_body(&*big, 4);
        assert_eq!(e.kind, ErrorKind::RequestTooLarge);
        assert_eq!(e.kind.status(), 413);

        let frames: Vec<Result<http_body::Frame<Bytes>, std::io::Error>> = vec![
            Ok(http_body::Frame::data(Bytes::from_static(b"{\"par"))),
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "the caller went away",
            )),
        ];
        let broken = Limited::new(StreamBody::new(futures::stream::iter(frames)), 1024)
            .collect()
            .await
            .unwrap_err();
        let e = unread_body(&*broken, 1024);
        assert_eq!(e.kind, ErrorKind::BadRequest);
        assert_eq!(e.kind.status(), 400);
        assert!(e.message.contains("the caller went away"), "{}", e.message);
    }
}
