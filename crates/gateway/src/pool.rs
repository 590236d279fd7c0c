//! Plain-HTTP calls to providers, through each thread's own pool of HTTP/1.1 connections.
//!
//! A node's serving thread (one single-threaded runtime per core) relays tens of thousands of calls a second, most of them
//! to a handful of providers. Its connections to them live on its own runtime, in a pool only it
//! touches: taking one is a `Vec::pop`, with no lock, no task spawned per call to wait for the
//! connection to be free again, and no URL re-parsed (what hyper-util's general client costs).
//! A connection goes back to the pool only once its answer has been read to the end, so the
//! next call on it never waits behind another; one the provider has closed is dropped when it
//! is next looked at, and a call that found it closed before sending anything is sent again on
//! a fresh connection (nothing reached the provider, so nothing is sent twice).

use bytes::Bytes;
use http::uri::PathAndQuery;
use http::{header, HeaderValue, Request, Response, Uri};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long an unused connection is kept (providers commonly close theirs after a minute or more).
const IDLE: Duration = Duration::from_secs(50);
/// The most unused connections kept to one provider.
const MAX_IDLE: usize = 256;

type Sender = SendRequest<Full<Bytes>>;

thread_local! {
    /// This thread's unused connections, by provider address (`host:port`), newest last.
    static POOL: RefCell<HashMap<String, Vec<(Sender, Instant)>>> = RefCell::new(HashMap::new());
    /// Providers' base URLs as this thread has read them.
    static BASES: RefCell<HashMap<String, Arc<Base>>> = RefCell::new(HashMap::new());
}

/// A provider's base URL (`http://host[:port]/prefix`), read once: where to connect
/// (`host:port`, port 80 when the URL names none), the `Host` header, and the path every call's
/// own path follows.
#[derive(Debug)]
struct Base {
    address: String,
    host: HeaderValue,
    prefix: String,
}

/// The most base URLs a thread keeps read (a directory has one per service at most).
const MAX_BASES: usize = 10_000;

fn base(url: &str) -> Result<Arc<Base>, Failure> {
    if let Some(b) = BASES.with(|bases| bases.borrow().get(url).cloned()) {
        return Ok(b);
    }
    let uri: Uri = url.parse().map_err(|_| Failure::Address)?;
    let (Some("http"), Some(authority), None) = (uri.scheme_str(), uri.authority(), uri.query())
    else {
        return Err(Failure::Address);
    };
    let prefix = url
        .split_once(authority.as_str())
        .map_or("", |(_, after)| after)
        .to_owned();
    let b = Arc::new(Base {
        address: format!(
            "{}:{}",
            authority.host(),
            authority.port_u16().unwrap_or(80)
        ),
        host: HeaderValue::from_str(authority.as_str()).map_err(|_| Failure::Address)?,
        prefix,
    });
    BASES.with(|bases| {
        let mut bases = bases.borrow_mut();
        if bases.len() >= MAX_BASES {
            bases.clear();
        }
        bases.insert(url.to_owned(), b.clone());
    });
    Ok(b)
}

/// Why a call got no answer.
#[derive(Debug)]
pub enum Failure {
    /// The address is not an absolute `http://` URL.
    Address,
    /// No connection could be made.
    Connect(std::io::Error),
    /// The connection failed while the call was sent or answered.
    Exchange(hyper::Error),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Address => f.write_str("the address is not an http:// URL"),
            Failure::Connect(e) => write!(f, "{e}"),
            Failure::Exchange(e) => write!(f, "{e}"),
        }
    }
}

/// A connection in use: [`Lease::finish`] it once the answer has been read to the end, and it
/// goes back to the pool; dropped unfinished, it is closed.
pub struct Lease {
    sender: Sender,
    base: Arc<Base>,
}

impl Lease {
    pub fn finish(self) {
        if self.sender.is_closed() {
            return;
        }
        POOL.with(|pool| {
            let mut pool = pool.borrow_mut();
            let address = &self.base.address;
            let idle = match pool.get_mut(address) {
                Some(idle) => idle,
                None => pool.entry(address.clone()).or_default(),
            };
            // The oldest goes first when it has expired, so a pool never holds many dead ones.
            if idle
                .first()
                .is_some_and(|(s, since)| s.is_closed() || since.elapsed() > IDLE)
            {
                idle.remove(0);
            }
            if idle.len() < MAX_IDLE {
                idle.push((self.sender, Instant::now()));
            }
        });
    }
}

/// A connection to `address` from this thread's pool, if one is open and fresh.
fn checkout(address: &str) -> Option<Sender> {
    POOL.with(|pool| {
        let mut pool = pool.borrow_mut();
        let idle = pool.get_mut(address)?;
        while let Some((sender, since)) = idle.pop() {
            if !sender.is_closed() && since.elapsed() < IDLE {
                return Some(sender);
            }
        }
        None
    })
}

async fn connect(address: &str) -> Result<Sender, Failure> {
    let stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(Failure::Connect)?;
    let _ = stream.set_nodelay(true);
    let (sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(Failure::Exchange)?;
    // The connection runs on this thread's runtime; it ends when its sender is dropped or the
    // provider closes it.
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "provider connection ended");
        }
    });
    Ok(sender)
}

/// Sends `request` to `path` (with its query) under the base URL `base` (`http://…`) and
/// returns the answer's head and body, with the connection to give back once the body is read.
/// Redirects are not followed; there is no timeout here (the caller bounds the whole exchange).
pub async fn send(
    base_url: &str,
    path: &str,
    mut request: Request<Full<Bytes>>,
) -> Result<(Response<Incoming>, Lease), Failure> {
    let base = base(base_url)?;
    // On the wire a request names only its path (origin form).
    let mut target = String::with_capacity(base.prefix.len() + path.len() + 1);
    target.push_str(&base.prefix);
    target.push_str(path);
    if !target.starts_with('/') {
        target.insert(0, '/');
    }
    *request.uri_mut() = PathAndQuery::from_maybe_shared(Bytes::from(target))
        .map_err(|_| Failure::Address)?
        .into();
    request
        .headers_mut()
        .insert(header::HOST, base.host.clone());
    let address = base.address.as_str();
    loop {
        let (mut sender, reused) = match checkout(address) {
            Some(s) => (s, true),
            // Boxed: a connection is made rarely, and its future is large.
            None => (Box::pin(connect(address)).await?, false),
        };
        if sender.ready().await.is_err() {
            if reused {
                continue;
            }
            return Err(Failure::Connect(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "the provider closed the connection at once",
            )));
        }
        match sender.try_send_request(request).await {
            Ok(response) => return Ok((response, Lease { sender, base })),
            Err(mut e) => match e.take_message() {
                // Closed by the provider before the call went out: send it on a new one.
                Some(unsent) if reused => request = unsent,
                _ => return Err(Failure::Exchange(e.into_error())),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A base URL gives the address to connect to (port 80 when it names none), the `Host`
    /// header and the path prefix; anything but plain `http://` is not for this pool.
    #[test]
    fn a_base_url_is_read_into_address_host_and_prefix() {
        let read = |url: &str| {
            base(url).map(|b| {
                (
                    b.address.clone(),
                    b.host.to_str().unwrap().to_owned(),
                    b.prefix.clone(),
                )
            })
        };
        let owned = |a: &str, h: &str, p: &str| (a.to_owned(), h.to_owned(), p.to_owned());
        assert_eq!(
            read("http://registry.example/civil/api").unwrap(),
            owned("registry.example:80", "registry.example", "/civil/api")
        );
        assert_eq!(
            read("http://127.0.0.1:8080").unwrap(),
            owned("127.0.0.1:8080", "127.0.0.1:8080", "")
        );
        assert_eq!(
            read("http://[::1]:9000/v1").unwrap(),
            owned("[::1]:9000", "[::1]:9000", "/v1")
        );
        for bad in [
            "https://registry.example/api",
            "registry.example/api",
            "http://h/x?q=1",
            "",
        ] {
            assert!(matches!(read(bad), Err(Failure::Address)), "{bad}");
        }
    }
}
