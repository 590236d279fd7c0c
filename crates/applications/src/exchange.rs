//! How applications reach other agencies' systems: through the interagency exchange, behind a
//! trait this component owns. The node implements it with its gateway, so every call goes
//! through the same rights, evidence and message log as any other; nothing here knows HTTP.

use futures::future::BoxFuture;
use yagona_core::Locale;
use yagona_exchange::{ClientId, ExchangeError, ServiceId};

/// A call to another agency's service.
#[derive(Debug, Clone)]
pub struct ExchangeCall<'a> {
    /// The subsystem that asks; `None`: the platform's own (the deployment's portal subsystem).
    pub client: Option<&'a ClientId>,
    pub service: &'a ServiceId,
    /// `GET`, `POST`, … (upper case).
    pub method: &'a str,
    /// The path (and query) after the service, starting with `/` (or empty).
    pub path: &'a str,
    /// A JSON body, or empty.
    pub body: Vec<u8>,
    /// On whose behalf: `UZ` and the person's PINFL (`X-Road-UserId`).
    pub user_id: Option<&'a str>,
    /// The case it is about: an application's reference number (`X-Road-Issue`).
    pub issue: Option<&'a str>,
    /// The same on every repetition of one call (a retried job), for the provider to recognise.
    pub message_id: Option<&'a str>,
}

/// What the service answered.
#[derive(Debug, Clone)]
pub struct ExchangeReply {
    pub status: u16,
    pub body: Vec<u8>,
    /// Where the exchange is in the message log (`X-Road-Request-Id`).
    pub request_id: String,
}

/// The interagency exchange, as applications use it.
pub trait ExchangeClient: Send + Sync {
    /// The subsystem the platform asks as when a call names none; `None`: this deployment asks
    /// registers nothing on its own (no prefill).
    fn platform(&self) -> Option<&ClientId>;

    /// Makes a call; a refusal or failure of the exchange is the protocol's error.
    fn call<'a>(
        &'a self,
        call: ExchangeCall<'a>,
    ) -> BoxFuture<'a, Result<ExchangeReply, ExchangeError>>;

    /// The service's title and its provider's name, for people (`None` if unknown).
    fn describe<'a>(
        &'a self,
        service: &'a ServiceId,
        locale: Locale,
    ) -> BoxFuture<'a, Option<(String, String)>>;
}
