//! Payme's Merchant API: Payme Business calls Yagona with JSON-RPC 2.0 (`POST /payments/payme`,
//! Basic authorization `Paycom:<key>`) to check, create, perform and cancel transactions that
//! pay an invoice, named in the account field (`account.invoice` by default).
//!
//! As the protocol asks:
//! - every answer is HTTP 200, with the call's `id`, and a `result` or an `error`
//!   (`{code, message: {ru, uz, en}, data}`); a body that is not JSON is -32700, a wrong or
//!   missing authorization -32504, an unknown method -32601 (`data` = its name), a malformed
//!   call -32600, a failure of Yagona's own (the database, the settlement hook) -32400, after
//!   which Payme tries again and the retry settles;
//! - `CreateTransaction`, `PerformTransaction` and `CancelTransaction` sent again (Payme's
//!   sandbox sends each twice) get the same answer, with the same times;
//! - a created transaction not performed within 12 hours (43,200,000 ms) of Payme's `time` is
//!   cancelled with reason 4 when it is next touched, and the call is answered -31008;
//! - an invoice is paid by one transaction: while one is created, another is refused with
//!   -31008 (the sandbox's expectation for an invoice "awaiting payment");
//! - a performed transaction is cancelled (state -2, a refund) only where
//!   [`crate::Settlement::may_refund`] allows it, else -31007.
//!
//! Choices where the published sources leave room: account errors are -31050 (no such invoice, or no account field),
//! -31051 (already paid) and -31052 (cancelled, refunded or past its due date); a new
//! transaction whose own `time` is already 12 hours old is refused with -31008;
//! `GetStatement` lists transactions in every state, by Payme's `time`; `ChangePassword` is
//! served, and the new key is kept hashed in the database, in force from then on over the
//! configured one.

mod methods;
pub mod rpc;

use crate::Merchant;
use serde::Deserialize;
use serde_json::Value;

/// Where Payme calls: the endpoint URL to register in the cashbox's settings.
pub const PATH: &str = "/payments/payme";

/// A Payme cashbox (kassa) as Payme Business issued it.
#[derive(Clone, Deserialize)]
pub struct PaymeConfig {
    /// The cashbox's id (`m` in the checkout link).
    pub merchant_id: String,
    /// The login of the Basic authorization Payme sends: `Paycom`.
    #[serde(default = "paycom")]
    pub login: String,
    /// The cashbox's key (the sandbox's TEST_KEY in tests). Once Payme changes it with
    /// `ChangePassword`, the new one, kept hashed in the database, is in force instead.
    pub key: String,
    /// The account field that carries the invoice number, as set in the cashbox.
    #[serde(default = "invoice_field")]
    pub account_field: String,
    /// Where the citizen is sent to pay: `https://checkout.paycom.uz` (the sandbox's
    /// checkout in the demo).
    #[serde(default = "checkout")]
    pub checkout_url: String,
}

fn paycom() -> String {
    "Paycom".into()
}
fn invoice_field() -> String {
    "invoice".into()
}
fn checkout() -> String {
    "https://checkout.paycom.uz".into()
}

impl PaymeConfig {
    /// A cashbox with the protocol's defaults: login `Paycom`, account field `invoice`,
    /// Payme's checkout.
    pub fn new(merchant_id: impl Into<String>, key: impl Into<String>) -> PaymeConfig {
        PaymeConfig {
            merchant_id: merchant_id.into(),
            login: paycom(),
            key: key.into(),
            account_field: invoice_field(),
            checkout_url: checkout(),
        }
    }
}

impl std::fmt::Debug for PaymeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymeConfig")
            .field("merchant_id", &self.merchant_id)
            .field("login", &self.login)
            .field("key", &"<secret>")
            .field("account_field", &self.account_field)
            .field("checkout_url", &self.checkout_url)
            .finish()
    }
}

/// Yagona's side of Payme's Merchant API.
pub struct Payme {
    merchant: Merchant,
    config: PaymeConfig,
}

impl Payme {
    pub fn new(merchant: Merchant, config: PaymeConfig) -> Payme {
        Payme { merchant, config }
    }

    pub fn config(&self) -> &PaymeConfig {
        &self.config
    }

    pub fn merchant(&self) -> &Merchant {
        &self.merchant
    }

    /// The answer to one call: the `Authorization` header as sent and the raw body. Always a
    /// JSON-RPC answer, never a failure: what went wrong is in its `error`.
    pub async fn answer(&self, authorization: Option<&str>, body: &[u8]) -> Value {
        let parsed: Option<Value> = serde_json::from_slice(body).ok();
        let id = parsed
            .as_ref()
            .and_then(|v| v.get("id"))
            .cloned()
            .unwrap_or(Value::Null);
        match self.authorized(authorization).await {
            Ok(true) => {}
            Ok(false) => {
                return rpc::envelope(id, Err(rpc::RpcError::new(rpc::code::UNAUTHORIZED)))
            }
            Err(e) => {
                tracing::error!(error = %e, "payme: the key could not be read");
                return rpc::envelope(id, Err(rpc::RpcError::new(rpc::code::SYSTEM)));
            }
        }
        let Some(call) = parsed else {
            return rpc::envelope(id, Err(rpc::RpcError::new(rpc::code::PARSE)));
        };
        let outcome = self.call(&call).await;
        rpc::envelope(id, outcome)
    }
}
