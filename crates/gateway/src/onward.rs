//! One HTTP call onwards: to a provider, or to the node that hosts it.

use crate::pipeline::refuse;
use crate::pool;
use bytes::Bytes;
use http::header::{self, HeaderMap};
use http::StatusCode;
use std::time::Duration;
use yagona_exchange::{ErrorKind, ExchangeError};

/// How the gateway calls onwards with `reqwest` (providers on HTTPS, other nodes): redirects
/// returned, not followed; kept-alive connections.
pub(crate) fn client() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(256)
        .tcp_nodelay(true)
}

/// How a call goes onwards: plain HTTP to a provider through this thread's own connection
/// pool ([`pool`]), or through a `reqwest` client (providers on HTTPS, other nodes over mutual
/// TLS).
pub(crate) enum Onward<'a> {
    Plain,
    Client(&'a reqwest::Client),
}

/// One HTTP call onwards: no redirects followed, a timeout on the whole exchange, and no more
/// than `limit` bytes taken back.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn send_onwards(
    via: Onward<'_>,
    method: &http::Method,
    (base, path): (&str, &str),
    headers: HeaderMap,
    body: Bytes,
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
                let mut request = http::Request::new(http_body_util::Full::new(body));
                *request.method_mut() = method.clone();
                *request.headers_mut() = headers;
                let (response, lease) =
                    pool::send(base, path, request).await.map_err(|e| match e {
                        pool::Failure::Address => not_url(),
                        pool::Failure::Connect(_) => failed(true, &e),
                        pool::Failure::Exchange(_) => failed(false, &e),
                    })?;
                (response.map(http_body_util::Either::Left), Some(lease))
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
                (
                    http::Response::from(response).map(http_body_util::Either::Right),
                    None,
                )
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
