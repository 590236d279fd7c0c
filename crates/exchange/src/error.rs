//! The protocol's own errors: when the exchange layer refuses or fails a call (not when the
//! provider answers with an error — that answer is passed back as it is).
//!
//! Types are written as X-Road 7 writes them (`server.serverproxy.access_denied`); older clients
//! compare them case-insensitively with the CamelCase forms. `client.*` means the caller's
//! request was wrong (HTTP 400), `server.*` that the exchange or the provider failed (HTTP 500),
//! except where noted. Yagona's own additions keep the same form and are marked below.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request does not follow the protocol (missing `X-Road-Client`, bad path).
    BadRequest,
    /// The path's protocol version is not `r1`.
    InvalidProtocolVersion,
    /// `X-Road-Client` is not a well-formed identifier.
    InvalidClientIdentifier,
    /// The service in the path is not a well-formed identifier (Yagona's).
    InvalidServiceIdentifier,
    /// The calling system did not prove it is the client it names (mutual TLS or signed token).
    AuthenticationFailed,
    /// The client or the provider is not a known member or subsystem.
    UnknownMember,
    /// The provider has no such service.
    UnknownService,
    /// The client has no right to this service, method or path.
    AccessDenied,
    /// The request body is larger than the gateway accepts (Yagona's; HTTP 413).
    RequestTooLarge,
    /// The provider could not be reached.
    NetworkError,
    /// The provider did not answer in time, or broke off its answer.
    ServiceFailed,
    /// The gateway itself failed.
    InternalError,
}

impl ErrorKind {
    /// The `X-Road-Error` type.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "client.bad_request",
            ErrorKind::InvalidProtocolVersion => "client.invalid_protocol_version",
            ErrorKind::InvalidClientIdentifier => "client.invalid_client_identifier",
            ErrorKind::InvalidServiceIdentifier => "client.invalid_service_identifier",
            ErrorKind::AuthenticationFailed => "client.ssl_authentication_failed",
            ErrorKind::UnknownMember => "server.clientproxy.unknown_member",
            ErrorKind::UnknownService => "server.serverproxy.unknown_service",
            ErrorKind::AccessDenied => "server.serverproxy.access_denied",
            ErrorKind::RequestTooLarge => "client.request_too_large",
            ErrorKind::NetworkError => "server.serverproxy.network_error",
            ErrorKind::ServiceFailed => "server.serverproxy.service_failed",
            ErrorKind::InternalError => "server.serverproxy.internal_error",
        }
    }

    /// The kind an `X-Road-Error` type names (case-insensitive, as older clients write them).
    pub fn from_code(code: &str) -> Option<ErrorKind> {
        use ErrorKind::*;
        [
            BadRequest,
            InvalidProtocolVersion,
            InvalidClientIdentifier,
            InvalidServiceIdentifier,
            AuthenticationFailed,
            UnknownMember,
            UnknownService,
            AccessDenied,
            RequestTooLarge,
            NetworkError,
            ServiceFailed,
            InternalError,
        ]
        .into_iter()
        .find(|k| k.code().eq_ignore_ascii_case(code.trim()))
    }

    /// The HTTP status the error is answered with.
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::RequestTooLarge => 413,
            k if k.code().starts_with("client.") => 400,
            _ => 500,
        }
    }
}

/// A refusal or failure of the exchange layer, answered with `X-Road-Error: {type}` and
/// [`ExchangeError::body`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: {message}", kind.code())]
pub struct ExchangeError {
    pub kind: ErrorKind,
    pub message: String,
}

/// The JSON body of an error answer.
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub message: &'a str,
    /// The identifier of this occurrence (the message log has the rest).
    pub detail: &'a str,
}

impl ExchangeError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ExchangeError {
            kind,
            message: message.into(),
        }
    }

    /// `{"type": …, "message": …, "detail": incident}`.
    pub fn body<'a>(&'a self, incident: &'a str) -> ErrorBody<'a> {
        ErrorBody {
            kind: self.kind.code(),
            message: &self.message,
            detail: incident,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_the_protocols_type_status_and_body() {
        let e = ExchangeError::new(ErrorKind::AccessDenied, "no right to persons");
        assert_eq!(e.kind.status(), 500);
        assert_eq!(ErrorKind::BadRequest.status(), 400);
        assert_eq!(ErrorKind::InvalidProtocolVersion.status(), 400);
        assert_eq!(ErrorKind::RequestTooLarge.status(), 413);
        let body = serde_json::to_value(e.body("2f7c")).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"type": "server.serverproxy.access_denied", "message": "no right to persons", "detail": "2f7c"})
        );
        assert_eq!(
            ErrorKind::from_code("Server.ServerProxy.Access_Denied"),
            Some(ErrorKind::AccessDenied)
        );
        assert_eq!(ErrorKind::from_code("server.nonsense"), None);
        assert!(ErrorKind::AccessDenied
            .code()
            .eq_ignore_ascii_case("Server.ServerProxy.Access_Denied"));
    }
}
