//! Access rights: deny by default. A provider grants a client subsystem (or a group of them) a
//! whole service, or endpoints of it: a method (`*` for any) and a path glob where `*` matches
//! within one segment and `**` any number of whole segments.

use crate::error::{ErrorKind, ExchangeError};
use crate::id::{ClientId, ServiceId};
use percent_encoding::percent_decode_str;
use std::borrow::Cow;

/// Who a right is granted to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grantee {
    Subsystem(ClientId),
    /// A named group of subsystems (for example every district khokimiyat).
    Group(String),
}

/// One grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Right {
    pub grantee: Grantee,
    pub service: ServiceId,
    /// `*` or an HTTP method.
    pub method: String,
    /// A path glob such as `/v1/persons/*` or `/**` (the whole service).
    pub path: String,
}

/// The HTTP methods a right may name (besides `*`, any).
pub const METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE",
];

/// Whether a right may name this method (upper case, or `*`).
pub fn valid_method(method: &str) -> bool {
    method == "*" || METHODS.contains(&method)
}

/// Whether a right's path glob is well-formed: starts with `/`, no spaces, not absurdly long.
pub fn valid_path_glob(path: &str) -> bool {
    path.starts_with('/') && path.len() <= 500 && !path.contains(char::is_whitespace)
}

/// The path of a call as segments, each percent-decoded. A path that could mean something else
/// to the provider than to the gateway (an encoded `/` or `\`, a `.` or `..` segment) is refused
/// rather than matched.
pub fn path_segments(raw: &str) -> Result<Vec<Cow<'_, str>>, ExchangeError> {
    let path = raw.split(['?', '#']).next().unwrap_or("");
    let mut out = Vec::new();
    for seg in path.split('/').filter(|s| !s.is_empty()) {
        let decoded = percent_decode_str(seg).decode_utf8().map_err(|_| {
            ExchangeError::new(
                ErrorKind::BadRequest,
                format!("path segment {seg:?} is not UTF-8"),
            )
        })?;
        if decoded.contains(['/', '\\']) || decoded == "." || decoded == ".." {
            return Err(ExchangeError::new(
                ErrorKind::BadRequest,
                format!("path segment {seg:?} is not allowed"),
            ));
        }
        out.push(decoded);
    }
    Ok(out)
}

/// Whether one segment matches a segment pattern with `*` wildcards.
fn segment_matches(pattern: &str, text: &str) -> bool {
    let Some((first, rest)) = pattern.split_once('*') else {
        return pattern == text;
    };
    let Some(mut remaining) = text.strip_prefix(first) else {
        return false;
    };
    let pieces: Vec<&str> = rest.split('*').collect();
    for (i, piece) in pieces.iter().enumerate() {
        if i == pieces.len() - 1 {
            return remaining.ends_with(piece);
        }
        match remaining.find(piece) {
            Some(at) => remaining = &remaining[at + piece.len()..],
            None => return false,
        }
    }
    true
}

/// Whether a path glob matches decoded path segments.
pub fn glob_matches(glob: &str, segments: &[impl AsRef<str>]) -> bool {
    // The pattern is walked as text, one segment at a time (empty segments skipped).
    fn walk(p: &str, s: &[impl AsRef<str>]) -> bool {
        let p = p.trim_start_matches('/');
        if p.is_empty() {
            return s.is_empty();
        }
        let (first, rest) = p.split_once('/').unwrap_or((p, ""));
        if first == "**" {
            (0..=s.len()).any(|skip| walk(rest, &s[skip..]))
        } else {
            !s.is_empty() && segment_matches(first, s[0].as_ref()) && walk(rest, &s[1..])
        }
    }
    walk(glob, segments)
}

impl Right {
    /// Whether the right is granted to `client`, itself or through one of its `groups`.
    pub fn covers(&self, client: &ClientId, groups: &[String]) -> bool {
        match &self.grantee {
            Grantee::Subsystem(c) => c == client,
            Grantee::Group(g) => groups.iter().any(|x| x == g),
        }
    }
}

/// Whether `client` (a member of `groups`) may call `method path` on `service`.
pub fn allowed(
    rights: &[Right],
    client: &ClientId,
    groups: &[String],
    service: &ServiceId,
    method: &str,
    segments: &[impl AsRef<str>],
) -> bool {
    rights.iter().any(|r| {
        &r.service == service
            && r.covers(client, groups)
            && (r.method == "*" || r.method.eq_ignore_ascii_case(method))
            && glob_matches(&r.path, segments)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(p: &str) -> Vec<Cow<'_, str>> {
        path_segments(p).unwrap()
    }

    #[test]
    fn globs_match_within_and_across_segments() {
        assert!(glob_matches("/**", &seg("")));
        assert!(glob_matches("/**", &seg("/v1/persons/1")));
        assert!(glob_matches(
            "/v1/persons/*",
            &seg("/v1/persons/31505901234567")
        ));
        assert!(!glob_matches(
            "/v1/persons/*",
            &seg("/v1/persons/1/address")
        ));
        assert!(glob_matches(
            "/v1/persons/**",
            &seg("/v1/persons/1/address")
        ));
        assert!(glob_matches(
            "/v1/**/address",
            &seg("/v1/persons/1/address")
        ));
        assert!(!glob_matches("/v1/**/address", &seg("/v1/persons/1/phone")));
        assert!(glob_matches("/reports/*.pdf", &seg("/reports/2026-q3.pdf")));
        assert!(!glob_matches(
            "/reports/*.pdf",
            &seg("/reports/2026-q3.csv")
        ));
        assert!(glob_matches("/a*b*c", &seg("/aXbYc")));
        assert!(!glob_matches("/a*b*c", &seg("/aXcYb")));
        assert!(glob_matches("/v1/persons", &seg("/v1/persons?pinfl=1")));
    }

    #[test]
    fn paths_that_could_mean_something_else_are_refused() {
        for p in [
            "/v1/a%2F..%2Fadmin",
            "/v1/../admin",
            "/v1/./x",
            "/v1/a%5Cb",
            "/v1/%FF",
        ] {
            assert_eq!(
                path_segments(p).unwrap_err().kind,
                ErrorKind::BadRequest,
                "{p}"
            );
        }
        assert_eq!(seg("/v1/Oʻzbek%20tili"), vec!["v1", "Oʻzbek tili"]);
    }

    #[test]
    fn nothing_is_allowed_that_was_not_granted() {
        let portal = ClientId::subsystem("UZ", "GOV", "201122349", "egov-portal");
        let tax = ClientId::subsystem("UZ", "GOV", "200587331", "tax-office");
        let persons = ServiceId {
            provider: ClientId::subsystem("UZ", "GOV", "201000012", "civil-registry"),
            code: "persons".into(),
        };
        let rights = vec![
            Right {
                grantee: Grantee::Subsystem(portal.clone()),
                service: persons.clone(),
                method: "GET".into(),
                path: "/v1/persons/*".into(),
            },
            Right {
                grantee: Grantee::Group("khokimiyats".into()),
                service: persons.clone(),
                method: "*".into(),
                path: "/**".into(),
            },
        ];
        let get = |c: &ClientId, groups: &[String], m: &str, p: &str| {
            allowed(&rights, c, groups, &persons, m, &seg(p))
        };
        assert!(get(&portal, &[], "GET", "/v1/persons/3150"));
        assert!(get(&portal, &[], "get", "/v1/persons/3150"));
        assert!(!get(&portal, &[], "POST", "/v1/persons/3150"));
        assert!(!get(&portal, &[], "GET", "/v1/persons"));
        assert!(!get(&tax, &[], "GET", "/v1/persons/3150"));
        assert!(get(
            &tax,
            &["khokimiyats".into()],
            "DELETE",
            "/anything/at/all"
        ));
        assert!(!allowed(&[], &portal, &[], &persons, "GET", &seg("/")));
    }
}
