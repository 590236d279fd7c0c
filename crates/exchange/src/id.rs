//! X-Road identifiers: a client is `INSTANCE/CLASS/MEMBER[/SUBSYSTEM]`, a service is a
//! subsystem plus `/SERVICECODE`. Each part may hold only `A-Z a-z 0-9 ' ( ) + , - . = ?` and
//! is percent-encoded on its own in paths and headers (the `/` between parts never is).

use crate::error::{ErrorKind, ExchangeError};
use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::fmt;

/// What is left unencoded when a part is written: the characters a part may hold that are
/// also safe in a path segment (`?` is not: it would start a query).
const PART: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'+')
    .remove(b',')
    .remove(b'-')
    .remove(b'.')
    .remove(b'=');

/// The longest part accepted (X-Road's identifiers are short codes; this bounds abuse).
const MAX_PART: usize = 255;

/// A member (`subsystem` empty) or one of its information systems.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId {
    pub instance: String,
    pub class: String,
    pub member: String,
    pub subsystem: Option<String>,
}

/// A service of a subsystem.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceId {
    pub provider: ClientId,
    pub code: String,
}

/// Which identifier is being read: the caller's or the service's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whose {
    Client,
    Service,
}

fn bad(whose: Whose, detail: impl fmt::Display) -> ExchangeError {
    match whose {
        Whose::Client => ExchangeError::new(
            ErrorKind::InvalidClientIdentifier,
            format!("X-Road-Client: {detail}"),
        ),
        Whose::Service => ExchangeError::new(
            ErrorKind::InvalidServiceIdentifier,
            format!("service identifier: {detail}"),
        ),
    }
}

/// One part, percent-decoded and checked.
fn part(raw: &str, what: Whose) -> Result<String, ExchangeError> {
    if !raw.contains('%') {
        check_part(raw).map_err(|why| bad(what, why))?;
        return Ok(raw.to_owned());
    }
    let decoded = percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| bad(what, format!("{raw:?} is not UTF-8 once decoded")))?;
    check_part(&decoded).map_err(|why| bad(what, why))?;
    Ok(decoded.into_owned())
}

/// Whether a code (one part of an identifier, as written, not encoded) may be used: why not.
pub fn check_part(decoded: &str) -> Result<(), String> {
    if decoded.is_empty() {
        return Err("a part is empty".into());
    }
    if decoded.len() > MAX_PART {
        return Err(format!("a part is longer than {MAX_PART} characters"));
    }
    if let Some(c) = decoded
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "'()+,-.=?".contains(*c)))
    {
        return Err(format!(
            "{c:?} is not allowed (only A-Z a-z 0-9 ' ( ) + , - . = ?)"
        ));
    }
    Ok(())
}

fn encode(p: &str) -> percent_encoding::PercentEncode<'_> {
    utf8_percent_encode(p, PART)
}

impl ClientId {
    /// A subsystem (the kind of client that may call services).
    pub fn subsystem(instance: &str, class: &str, member: &str, subsystem: &str) -> Self {
        ClientId {
            instance: instance.into(),
            class: class.into(),
            member: member.into(),
            subsystem: Some(subsystem.into()),
        }
    }

    /// From already split raw (still encoded) parts: three for a member, four for a subsystem.
    pub fn from_parts(parts: &[&str], what: Whose) -> Result<Self, ExchangeError> {
        match parts {
            [i, c, m] | [i, c, m, _] => Ok(ClientId {
                instance: part(i, what)?,
                class: part(c, what)?,
                member: part(m, what)?,
                subsystem: match parts.get(3) {
                    Some(s) => Some(part(s, what)?),
                    None => None,
                },
            }),
            _ => Err(bad(
                what,
                format!(
                    "expected INSTANCE/CLASS/MEMBER[/SUBSYSTEM], found {} parts",
                    parts.len()
                ),
            )),
        }
    }

    /// The value of an `X-Road-Client` header.
    pub fn from_header(value: &str) -> Result<Self, ExchangeError> {
        let value = value.trim();
        let mut parts = [""; 4];
        let mut n = 0;
        for p in value.split('/') {
            if n == parts.len() {
                // More parts than an identifier has: the error counts them all.
                n = value.split('/').count();
                break;
            }
            parts[n] = p;
            n += 1;
        }
        match parts.get(..n) {
            Some(parts) => Self::from_parts(parts, Whose::Client),
            None => Err(bad(
                Whose::Client,
                format!("expected INSTANCE/CLASS/MEMBER[/SUBSYSTEM], found {n} parts"),
            )),
        }
    }

    /// The member this client is or belongs to.
    pub fn member_id(&self) -> ClientId {
        ClientId {
            subsystem: None,
            ..self.clone()
        }
    }
}

impl fmt::Display for ClientId {
    /// `INSTANCE/CLASS/MEMBER[/SUBSYSTEM]`, each part percent-encoded.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            encode(&self.instance),
            encode(&self.class),
            encode(&self.member)
        )?;
        if let Some(s) = &self.subsystem {
            write!(f, "/{}", encode(s))?;
        }
        Ok(())
    }
}

impl ServiceId {
    /// A service path `INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE[/rest]` (after `/r1/`), split into
    /// the service and the rest of the path (raw, still encoded, with its leading `/`).
    pub fn from_path(path: &str) -> Result<(Self, String), ExchangeError> {
        let mut pieces = path.splitn(6, '/');
        let mut take = || pieces.next().unwrap_or("");
        let (i, c, m, s, code) = (take(), take(), take(), take(), take());
        if [i, c, m, s, code].iter().any(|p| p.is_empty()) {
            return Err(bad(
                Whose::Service,
                "expected INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE after the protocol version",
            ));
        }
        let rest = pieces.next().map(|r| format!("/{r}")).unwrap_or_default();
        Ok((
            ServiceId {
                provider: ClientId::from_parts(&[i, c, m, s], Whose::Service)?,
                code: part(code, Whose::Service)?,
            },
            rest,
        ))
    }
}

impl fmt::Display for ServiceId {
    /// The value of an `X-Road-Service` header.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.provider, encode(&self.code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_header_is_read_and_written_back() {
        let c = ClientId::from_header("UZ/GOV/201122349/egov-portal").unwrap();
        assert_eq!(
            c,
            ClientId::subsystem("UZ", "GOV", "201122349", "egov-portal")
        );
        assert_eq!(c.to_string(), "UZ/GOV/201122349/egov-portal");
        let member = ClientId::from_header("UZ/GOV/201122349").unwrap();
        assert_eq!(member.subsystem, None);
        assert_eq!(c.member_id(), member);
    }

    #[test]
    fn parts_are_encoded_one_by_one() {
        let c = ClientId::from_header("UZ/GOV/A%3FB/x(1)+y").unwrap();
        assert_eq!(c.member, "A?B");
        assert_eq!(c.subsystem.as_deref(), Some("x(1)+y"));
        assert_eq!(c.to_string(), "UZ/GOV/A%3FB/x(1)+y");
    }

    #[test]
    fn bad_identifiers_are_refused_with_the_reason() {
        for (value, reason) in [
            ("UZ/GOV", "found 2 parts"),
            ("UZ/GOV/1/2/3", "found 5 parts"),
            ("UZ//1", "empty"),
            ("UZ/GOV/a b", "' ' is not allowed"),
            ("UZ/GOV/a%2Fb", "'/' is not allowed"),
            ("UZ/GOV/%FF", "not UTF-8"),
            ("UZ/GOV/Oʻz", "is not allowed"),
        ] {
            let e = ClientId::from_header(value).unwrap_err();
            assert_eq!(e.kind, ErrorKind::InvalidClientIdentifier, "{value}");
            assert!(e.message.contains(reason), "{value}: {}", e.message);
        }
    }

    #[test]
    fn a_service_path_splits_into_service_and_rest() {
        let (s, rest) =
            ServiceId::from_path("UZ/GOV/201122349/civil-registry/persons/v1/persons/3150?x=1")
                .unwrap();
        assert_eq!(s.provider.to_string(), "UZ/GOV/201122349/civil-registry");
        assert_eq!(s.code, "persons");
        assert_eq!(rest, "/v1/persons/3150?x=1");
        assert_eq!(s.to_string(), "UZ/GOV/201122349/civil-registry/persons");
        let (_, rest) = ServiceId::from_path("UZ/GOV/1/sub/svc").unwrap();
        assert_eq!(rest, "");
        assert_eq!(
            ServiceId::from_path("UZ/GOV/1/sub").unwrap_err().kind,
            ErrorKind::InvalidServiceIdentifier
        );
        assert!(ServiceId::from_path("UZ/GOV/1/sub/").is_err());
    }
}
