//! Which headers cross the gateway, and the request hash that binds a response to its request.
//!
//! Passed on unchanged in both directions: everything except the hop-by-hop headers (RFC 9110
//! §7.6.1, plus any the `Connection` header names), `Host`, `User-Agent` and `Server` (they would
//! tell the other side about machines it has no business knowing), and the headers the gateway
//! sets itself (`X-Road-Request-Id`, `X-Road-Request-Hash`; a caller cannot forge them).

use base64::Engine;
use sha2::{Digest, Sha512};

const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

const NEVER_PASSED: &[&str] = &[
    "host",
    "user-agent",
    "server",
    "content-length", // recomputed for the body actually sent
    "x-road-request-id",
    "x-road-request-hash",
];

/// The header names the `Connection` header lists (hop-by-hop for this message only).
pub fn connection_listed(connection_values: &[&str]) -> Vec<String> {
    connection_values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|n| n.trim().to_ascii_lowercase())
        .filter(|n| !n.is_empty())
        .collect()
}

/// Whether a header (by name) is passed to the other side. `listed` comes from
/// [`connection_listed`].
pub fn passes(name: &str, listed: &[String]) -> bool {
    // Names off the wire (`http::HeaderName`) are lower case already: no copy for them.
    let lower = lowercase(name);
    let lower = lower.as_ref();
    !HOP_BY_HOP.contains(&lower)
        && !NEVER_PASSED.contains(&lower)
        && !listed.iter().any(|l| l == lower)
}

fn lowercase(name: &str) -> std::borrow::Cow<'_, str> {
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Owned(name.to_ascii_lowercase())
    } else {
        std::borrow::Cow::Borrowed(name)
    }
}

/// `X-Road-Request-Hash`: base64 of SHA-512(SHA-512(request line and headers) ‖
/// SHA-512(body)), or of SHA-512(request line and headers) alone when there is no body.
///
/// The protocol leaves the layout of the hashed headers open (only the two gateways compare it);
/// Yagona's is: `METHOD CRLF path[?query] CRLF`, then `name:value CRLF` for each header passed to
/// the provider, names in lower case, in the order sent.
pub fn request_hash(
    method: &str,
    path_and_query: &str,
    headers: impl IntoIterator<Item = (impl AsRef<str>, impl AsRef<[u8]>)>,
    body: &[u8],
) -> String {
    let mut head = Sha512::new();
    head.update(method.as_bytes());
    head.update(b"\r\n");
    head.update(path_and_query.as_bytes());
    head.update(b"\r\n");
    for (name, value) in headers {
        head.update(lowercase(name.as_ref()).as_bytes());
        head.update(b":");
        head.update(value.as_ref());
        head.update(b"\r\n");
    }
    let head = head.finalize();
    let digest = if body.is_empty() {
        head.to_vec()
    } else {
        let mut both = Sha512::new();
        both.update(head);
        both.update(Sha512::digest(body));
        both.finalize().to_vec()
    };
    base64::engine::general_purpose::STANDARD.encode(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_and_revealing_headers_stay_behind() {
        let listed = connection_listed(&["keep-alive, X-Trace-Local"]);
        for h in [
            "Connection",
            "Keep-Alive",
            "Transfer-Encoding",
            "Upgrade",
            "Host",
            "User-Agent",
            "Server",
            "X-Road-Request-Hash",
            "x-road-request-id",
            "X-Trace-Local",
        ] {
            assert!(!passes(h, &listed), "{h} must not pass");
        }
        for h in [
            "Content-Type",
            "Accept",
            "X-Road-Client",
            "X-Road-Id",
            "X-Road-UserId",
            "X-Road-Issue",
            "Cache-Control",
            "X-Custom",
        ] {
            assert!(passes(h, &listed), "{h} must pass");
        }
    }

    #[test]
    fn the_request_hash_changes_with_anything_that_was_asked() {
        let h = |m: &str, p: &str, hs: &[(&str, &str)], b: &[u8]| {
            request_hash(m, p, hs.iter().copied(), b)
        };
        let base = h(
            "GET",
            "/v1/persons/1",
            &[("Accept", "application/json")],
            b"",
        );
        assert_eq!(base.len(), 88, "64 bytes in base64 with padding");
        assert!(base.ends_with("=="));
        assert_eq!(
            base,
            h(
                "GET",
                "/v1/persons/1",
                &[("accept", "application/json")],
                b""
            )
        );
        assert_ne!(
            base,
            h(
                "POST",
                "/v1/persons/1",
                &[("Accept", "application/json")],
                b""
            )
        );
        assert_ne!(
            base,
            h(
                "GET",
                "/v1/persons/2",
                &[("Accept", "application/json")],
                b""
            )
        );
        assert_ne!(
            base,
            h("GET", "/v1/persons/1", &[("Accept", "text/xml")], b"")
        );
        assert_ne!(
            base,
            h(
                "GET",
                "/v1/persons/1",
                &[("Accept", "application/json")],
                b"{}"
            )
        );
    }
}
