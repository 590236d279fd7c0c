//! What a request says about who is asking and in which language, read from its raw text. The
//! edges (pages, APIs) hand over the header values; this knows no HTTP types.

use crate::Locale;

/// A cookie's value among the `Cookie` header values of a request.
pub fn cookie<'a>(headers: impl IntoIterator<Item = &'a str>, name: &str) -> Option<&'a str> {
    headers
        .into_iter()
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A parameter of a query string, as written (not decoded).
pub fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The language a request is answered in: the one chosen on the page (`?lang=`), else the one
/// remembered (the language cookie), else the browser's best (`Accept-Language`), else Uzbek.
pub fn request_locale(
    chosen: Option<Locale>,
    remembered: Option<Locale>,
    accept_language: Option<&str>,
) -> Locale {
    chosen
        .or(remembered)
        .or_else(|| accept_language.and_then(Locale::negotiate))
        .unwrap_or(Locale::Uz)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trusted_proxies_name_the_client() {
        let ip = |s: &str| Some(s.parse::<std::net::IpAddr>().unwrap());
        let lb: Vec<ipnet::IpNet> = vec!["10.20.0.0/16".parse().unwrap()];
        let at = |peer: &str, xff: Option<&str>, trusted: &[ipnet::IpNet]| {
            client_address(ip(peer), xff, trusted).0
        };
        // A client connecting directly is its own address, whatever it writes.
        assert_eq!(at("203.0.113.7", Some("198.51.100.1"), &lb), "203.0.113.7");
        // A proxy on this host is believed; so is a load balancer in a trusted network.
        assert_eq!(at("127.0.0.1", Some("198.51.100.1"), &[]), "198.51.100.1");
        assert_eq!(at("10.20.3.4", Some("198.51.100.1"), &lb), "198.51.100.1");
        // The same balancer, not configured as trusted: it is the client.
        assert_eq!(at("10.20.3.4", Some("198.51.100.1"), &[]), "10.20.3.4");
        // Through two trusted hops (balancer, then a local proxy), the address the first one
        // saw; what the client wrote before it is not believed.
        assert_eq!(
            at("127.0.0.1", Some("6.6.6.6, 198.51.100.1, 10.20.9.9"), &lb),
            "198.51.100.1"
        );
        // Rubbish in the header stops the walk at the last trusted hop.
        assert_eq!(at("10.20.3.4", Some("not-an-address"), &lb), "10.20.3.4");
        assert_eq!(client_address(None, None, &lb).0, "unknown");
    }

    #[test]
    fn a_cookie_is_found_across_header_values() {
        let headers = ["a=1; yg_session=abc", "yg_lang=ru"];
        assert_eq!(cookie(headers, "yg_session"), Some("abc"));
        assert_eq!(cookie(headers, "yg_lang"), Some("ru"));
        assert_eq!(cookie(headers, "b"), None);
    }

    #[test]
    fn the_chosen_language_wins_then_the_remembered_then_the_browser_s() {
        let ru = Some("ru-RU,ru;q=0.9");
        assert_eq!(
            request_locale(Some(Locale::En), Some(Locale::UzCyrl), ru),
            Locale::En
        );
        assert_eq!(
            request_locale(None, Some(Locale::UzCyrl), ru),
            Locale::UzCyrl
        );
        assert_eq!(request_locale(None, None, ru), Locale::Ru);
        assert_eq!(request_locale(None, None, Some("de")), Locale::Uz);
        assert_eq!(query_param("a=1&lang=en", "lang"), Some("en"));
    }
}

/// Text a request sent that is not text: bytes that are not UTF-8, or a NUL (which
/// PostgreSQL cannot store). Refused, never stored as U+FFFD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotText;

impl std::fmt::Display for NotText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("is not UTF-8 text")
    }
}

impl std::error::Error for NotText {}

/// Bytes a request sent as text: UTF-8 without NUL, or refused.
pub fn text(bytes: Vec<u8>) -> Result<String, NotText> {
    let s = String::from_utf8(bytes).map_err(|_| NotText)?;
    if s.contains('\0') {
        return Err(NotText);
    }
    Ok(s)
}

/// A form's field that is not text, by its name (as far as that is text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotTextField(pub String);

impl std::fmt::Display for NotTextField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {NotText}", self.0)
    }
}

/// The fields of an `application/x-www-form-urlencoded` body or a query string, decoded as
/// browsers encode them (`+` a space, `%XX` a byte), each name and value checked by [`text`]:
/// a lossy decoding would turn what was sent into U+FFFD and store that.
pub fn form_fields(raw: &[u8]) -> Result<Vec<(String, String)>, NotTextField> {
    raw.split(|b| *b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = match pair.iter().position(|b| *b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &b""[..]),
            };
            let shown = || String::from_utf8_lossy(name).chars().take(50).collect();
            let name = percent_decoded(name).map_err(|_| NotTextField(shown()))?;
            let value = percent_decoded(value).map_err(|_| NotTextField(name.clone()))?;
            Ok((name, value))
        })
        .collect()
}

fn percent_decoded(s: &[u8]) -> Result<String, NotText> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < s.len() => {
                match (hex(s[i + 1]), hex(s[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(h << 4 | l);
                        i += 2;
                    }
                    // Not an escape: the `%` stands for itself, as browsers read it.
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    text(out)
}

#[cfg(test)]
mod form_tests {
    use super::*;

    #[test]
    fn form_fields_are_decoded_as_browsers_encode_them() {
        let fields = form_fields(b"a=1+2&b=%D0%AF&c&d=100%&e=%zz").unwrap();
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("a", "1 2"),
                ("b", "Я"),
                ("c", ""),
                ("d", "100%"),
                ("e", "%zz")
            ]
        );
    }

    #[test]
    fn bytes_that_are_not_text_are_refused() {
        let field = |name: &str| Err(NotTextField(name.into()));
        assert_eq!(form_fields(b"a=1&name=%FF"), field("name"));
        assert_eq!(form_fields(b"%C3=x"), field("%C3"));
        assert_eq!(form_fields(b"name=a%00b"), field("name"));
        assert_eq!(form_fields(b"name=\xff"), field("name"));
        assert_eq!(text(b"\xd0".to_vec()), Err(NotText));
    }
}

/// The client a request came from, as the node settles it once per request (a request
/// extension): the address rate limits and in-flight limits count against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

/// The client's address: the connection's peer, or — when the peer is a trusted proxy (on
/// this host, or in one of the `trusted` networks: the deployment's load balancers) — the last
/// address `X-Forwarded-For` names that is not a trusted proxy, since only what trusted proxies
/// added can be believed (a client writes anything before it).
pub fn client_address(
    peer: Option<std::net::IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[ipnet::IpNet],
) -> ClientAddress {
    let Some(peer) = peer else {
        return ClientAddress("unknown".into());
    };
    let is_proxy =
        |ip: &std::net::IpAddr| ip.is_loopback() || trusted.iter().any(|n| n.contains(ip));
    let mut client = peer;
    if is_proxy(&peer) {
        for hop in forwarded_for.unwrap_or("").rsplit(',') {
            match hop.trim().parse::<std::net::IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !is_proxy(&ip) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
    }
    ClientAddress(client.to_string())
}
