//! Click's SHOP API: Click calls Yagona twice per payment, form-encoded, with an MD5 signature —
//! Prepare (`action=0`: may this invoice be paid this much?) and, once it has debited the card,
//! Complete (`action=1`, `error=0`; or a negative `error` when the payment failed or Click
//! cancelled it). Answers are JSON with Click's error codes:
//!
//! | error | when |
//! |---|---|
//! | 0 | done |
//! | -1 | the signature is wrong |
//! | -2 | the amount is not the invoice's (or not an amount) |
//! | -3 | `action` is neither 0 nor 1 |
//! | -4 | already paid (a Complete again after success, a Prepare for a paid invoice) |
//! | -5 | no such invoice (`merchant_trans_id`) |
//! | -6 | no such prepared transaction (`merchant_prepare_id`), or not this payment's |
//! | -7 | Yagona could not record it (the database, the settlement hook): Click tries again |
//! | -8 | a parameter is missing or malformed, or the `service_id` is not this service's |
//! | -9 | cancelled: a Complete with a negative `error`, or a call about a cancelled payment |
//!
//! Choices where the sources leave room:
//! - checks run in this order: the action (-3; -8 when missing), the other parameters (-8: a
//!   field missing or repeated, an id that is not digits), the signature (-1), the service
//!   (-8), the amount's form (-2), then the invoice (-5), its amount (-2) and, for Complete,
//!   the prepared transaction (-6);
//! - a Complete with a negative `error` is handled before the "already paid" check, as Click's
//!   test scenario 8 expects (-9 for a payment confirmed before): the payment is cancelled and
//!   the invoice is unpaid again, with [`crate::Settlement::refunded`] told;
//! - a Prepare holds the invoice (no other payment may start) for
//!   [`ClickConfig::prepare_minutes`] (60 by default: Click publishes no figure); after that
//!   another payment may take the invoice over, and the prepared one is cancelled (reason 4) —
//!   its late Complete gets -9. Until taken over, a late Complete still completes;
//! - a Prepare for an invoice another payment holds gets -9 (this attempt is cancelled);
//! - the amount must be exactly the invoice's (Click's libraries allow 0.01 soʻm of slack).

pub mod reversal;
pub mod sign;

pub use reversal::{ClickApiAnswer, ClickMerchantApi};
pub use sign::{auth_header, sign_string};

use crate::invoice::{InvoiceNumber, Provider, TransactionState};
use crate::store::ledger::{self, Admission, Opening};
use crate::{InvoiceStatus, Merchant, PaymentError, Tiyin, Tx};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// Where Click calls Prepare.
pub const PREPARE_PATH: &str = "/payments/click/prepare";
/// Where Click calls Complete.
pub const COMPLETE_PATH: &str = "/payments/click/complete";

/// A Click service as Click issued it.
#[derive(Clone, Deserialize)]
pub struct ClickConfig {
    pub service_id: String,
    pub merchant_id: String,
    /// The user the merchant API's `Auth` header names.
    pub merchant_user_id: String,
    pub secret_key: String,
    /// Where the citizen is sent to pay: `https://my.click.uz/services/pay/` (the path as
    /// Click's documentation writes it, with its slash).
    #[serde(default = "checkout")]
    pub checkout_url: String,
    /// Click's merchant API: `https://api.click.uz/v2/merchant`.
    #[serde(default = "api")]
    pub api_url: String,
    /// How long a Prepare holds the invoice against other payments.
    #[serde(default = "sixty")]
    pub prepare_minutes: i64,
}

fn checkout() -> String {
    "https://my.click.uz/services/pay/".into()
}
fn api() -> String {
    "https://api.click.uz/v2/merchant".into()
}
fn sixty() -> i64 {
    60
}

impl ClickConfig {
    /// A service with Click's addresses and a 60-minute Prepare.
    pub fn new(
        service_id: impl Into<String>,
        merchant_id: impl Into<String>,
        merchant_user_id: impl Into<String>,
        secret_key: impl Into<String>,
    ) -> ClickConfig {
        ClickConfig {
            service_id: service_id.into(),
            merchant_id: merchant_id.into(),
            merchant_user_id: merchant_user_id.into(),
            secret_key: secret_key.into(),
            checkout_url: checkout(),
            api_url: api(),
            prepare_minutes: sixty(),
        }
    }
}

impl std::fmt::Debug for ClickConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClickConfig")
            .field("service_id", &self.service_id)
            .field("merchant_id", &self.merchant_id)
            .field("merchant_user_id", &self.merchant_user_id)
            .field("secret_key", &"<secret>")
            .field("checkout_url", &self.checkout_url)
            .field("api_url", &self.api_url)
            .field("prepare_minutes", &self.prepare_minutes)
            .finish()
    }
}

/// Click's error codes, as the merchant answers them.
pub mod code {
    pub const SUCCESS: i64 = 0;
    pub const SIGN_CHECK_FAILED: i64 = -1;
    pub const INCORRECT_AMOUNT: i64 = -2;
    pub const ACTION_NOT_FOUND: i64 = -3;
    pub const ALREADY_PAID: i64 = -4;
    pub const USER_DOES_NOT_EXIST: i64 = -5;
    pub const TRANSACTION_DOES_NOT_EXIST: i64 = -6;
    pub const FAILED_TO_UPDATE_USER: i64 = -7;
    pub const ERROR_IN_REQUEST: i64 = -8;
    pub const TRANSACTION_CANCELLED: i64 = -9;

    /// The `error_note` Click's documentation gives each code.
    pub fn note(code: i64) -> &'static str {
        match code {
            SUCCESS => "Success",
            SIGN_CHECK_FAILED => "SIGN CHECK FAILED!",
            INCORRECT_AMOUNT => "Incorrect parameter amount",
            ACTION_NOT_FOUND => "Action not found",
            ALREADY_PAID => "Already paid",
            USER_DOES_NOT_EXIST => "User does not exist",
            TRANSACTION_DOES_NOT_EXIST => "Transaction does not exist",
            FAILED_TO_UPDATE_USER => "Failed to update user",
            TRANSACTION_CANCELLED => "Transaction cancelled",
            _ => "Error in request from click",
        }
    }
}

/// Yagona's side of Click's SHOP API.
pub struct Click {
    merchant: Merchant,
    config: ClickConfig,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Prepare,
    Complete,
}

/// A call's fields, as sent.
struct Call {
    fields: HashMap<String, String>,
}

impl Call {
    fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// A checked call: the fields every stage has, read.
struct Request<'a> {
    click_trans_id: &'a str,
    click_paydoc_id: &'a str,
    merchant_trans_id: &'a str,
    merchant_prepare_id: Option<&'a str>,
    amount: Tiyin,
    error: i64,
    error_note: &'a str,
    sign_time: &'a str,
}

/// What Yagona answers: an error code, and its own id of the transaction where it has one.
struct Reply {
    error: i64,
    id: Option<i64>,
}

fn reply(error: i64) -> Reply {
    Reply { error, id: None }
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit())
}

impl Click {
    pub fn new(merchant: Merchant, config: ClickConfig) -> Click {
        Click { merchant, config }
    }

    pub fn config(&self) -> &ClickConfig {
        &self.config
    }

    pub fn merchant(&self) -> &Merchant {
        &self.merchant
    }

    /// The answer to one call, from its raw form-encoded body. Always Click's JSON answer,
    /// never a failure: what went wrong is in its `error`.
    pub async fn answer(&self, body: &[u8]) -> Value {
        let fields: HashMap<String, String> =
            match serde_urlencoded::from_bytes::<Vec<(String, String)>>(body) {
                Ok(pairs) => {
                    let mut fields = HashMap::with_capacity(pairs.len());
                    let mut repeated = false;
                    for (k, v) in pairs {
                        repeated |= fields.insert(k, v).is_some();
                    }
                    if repeated {
                        // Which of two values was signed cannot be told.
                        HashMap::new()
                    } else {
                        fields
                    }
                }
                Err(_) => HashMap::new(),
            };
        let call = Call { fields };
        let stage = match call.get("action") {
            Some("1") => Stage::Complete,
            _ => Stage::Prepare,
        };
        let reply = self.reply(&call).await;
        answer_json(&call, stage, reply)
    }

    async fn reply(&self, call: &Call) -> Reply {
        let stage = match call.get("action") {
            None => return reply(code::ERROR_IN_REQUEST),
            Some("0") => Stage::Prepare,
            Some("1") => Stage::Complete,
            Some(_) => return reply(code::ACTION_NOT_FOUND),
        };
        let fields = (
            call.get("click_trans_id").filter(|v| is_digits(v)),
            call.get("service_id"),
            call.get("click_paydoc_id").filter(|v| is_digits(v)),
            call.get("merchant_trans_id"),
            call.get("amount"),
            call.get("error").and_then(|e| e.parse::<i64>().ok()),
            call.get("sign_time"),
            call.get("sign_string"),
        );
        let (
            Some(click_trans_id),
            Some(service_id),
            Some(click_paydoc_id),
            Some(merchant_trans_id),
            Some(amount_text),
            Some(error),
            Some(sign_time),
            Some(signature),
        ) = fields
        else {
            return reply(code::ERROR_IN_REQUEST);
        };
        let merchant_prepare_id = call.get("merchant_prepare_id");
        if stage == Stage::Complete && merchant_prepare_id.is_none() {
            return reply(code::ERROR_IN_REQUEST);
        }
        let action = if stage == Stage::Prepare { "0" } else { "1" };
        let expected = sign::sign_string(
            click_trans_id,
            service_id,
            &self.config.secret_key,
            merchant_trans_id,
            merchant_prepare_id.filter(|_| stage == Stage::Complete),
            amount_text,
            action,
            sign_time,
        );
        if !sign::matches(signature, &expected) {
            return reply(code::SIGN_CHECK_FAILED);
        }
        if service_id != self.config.service_id {
            return reply(code::ERROR_IN_REQUEST);
        }
        let Ok(amount) = Tiyin::parse_som(amount_text) else {
            return reply(code::INCORRECT_AMOUNT);
        };
        let request = Request {
            click_trans_id,
            click_paydoc_id,
            merchant_trans_id,
            merchant_prepare_id,
            amount,
            error,
            error_note: call.get("error_note").unwrap_or(""),
            sign_time,
        };
        let db = &self.merchant.db;
        let done = match stage {
            Stage::Prepare => in_transaction!(db, |tx| self.prepare_in(tx, &request)),
            Stage::Complete => in_transaction!(db, |tx| self.complete_in(tx, &request)),
        };
        done.unwrap_or_else(|e: PaymentError| {
            tracing::error!(error = %e, click_trans_id, "click: the call could not be recorded");
            reply(code::FAILED_TO_UPDATE_USER)
        })
    }

    async fn prepare_in(&self, tx: &mut Tx, r: &Request<'_>) -> Result<Reply, PaymentError> {
        let now = self.merchant.clock.now();
        let number = InvoiceNumber::parse(r.merchant_trans_id);
        if let Some(known) =
            ledger::by_provider_id(&mut **tx, Provider::Click, r.click_trans_id).await?
        {
            if Some(&known.invoice) != number.as_ref() || known.amount != r.amount {
                return Ok(reply(code::ERROR_IN_REQUEST));
            }
            return Ok(match known.state {
                TransactionState::Created if known.expired_at(now) => {
                    ledger::cancel_open(tx, &known, crate::reason::TIMEOUT, now, None).await?;
                    reply(code::TRANSACTION_CANCELLED)
                }
                TransactionState::Created => Reply {
                    error: code::SUCCESS,
                    id: Some(known.id),
                },
                TransactionState::Performed => reply(code::ALREADY_PAID),
                _ => reply(code::TRANSACTION_CANCELLED),
            });
        }
        if r.error < 0 {
            return Ok(reply(code::TRANSACTION_CANCELLED));
        }
        let Some(number) = number else {
            return Ok(reply(code::USER_DOES_NOT_EXIST));
        };
        let invoice = match ledger::admit(tx, number.as_str(), r.amount, now).await? {
            Admission::Open(invoice) => invoice,
            Admission::NotFound => return Ok(reply(code::USER_DOES_NOT_EXIST)),
            Admission::WrongAmount => return Ok(reply(code::INCORRECT_AMOUNT)),
            Admission::Paid => return Ok(reply(code::ALREADY_PAID)),
            Admission::Closed | Admission::Busy | Admission::AfterReleasing(..) => {
                return Ok(reply(code::TRANSACTION_CANCELLED))
            }
        };
        let opened = ledger::open(
            tx,
            &invoice,
            Opening {
                provider: Provider::Click,
                provider_id: r.click_trans_id,
                provider_time: None,
                expires_at: now + chrono::Duration::minutes(self.config.prepare_minutes.max(1)),
                details: json!({
                    "click_paydoc_id": r.click_paydoc_id,
                    "service_id": self.config.service_id,
                    "sign_time": r.sign_time,
                }),
            },
            now,
        )
        .await?;
        Ok(Reply {
            error: code::SUCCESS,
            id: Some(opened.id),
        })
    }

    async fn complete_in(&self, tx: &mut Tx, r: &Request<'_>) -> Result<Reply, PaymentError> {
        let now = self.merchant.clock.now();
        let Some(number) = InvoiceNumber::parse(r.merchant_trans_id) else {
            return Ok(reply(code::USER_DOES_NOT_EXIST));
        };
        let Some(invoice) = ledger::invoice(&mut **tx, number.as_str()).await? else {
            return Ok(reply(code::USER_DOES_NOT_EXIST));
        };
        if invoice.amount != r.amount {
            return Ok(reply(code::INCORRECT_AMOUNT));
        }
        let known = match r.merchant_prepare_id.and_then(|id| id.parse::<i64>().ok()) {
            Some(id) => ledger::by_id(&mut **tx, id).await?,
            None => None,
        };
        let Some(known) = known.filter(|t| {
            t.provider == Provider::Click
                && t.provider_id == r.click_trans_id
                && t.invoice == invoice.number
        }) else {
            return Ok(reply(code::TRANSACTION_DOES_NOT_EXIST));
        };
        let settlement = self.merchant.settlement.as_ref();
        if r.error < 0 {
            let mut details = known.details.clone();
            details["click_error"] = json!(r.error);
            details["click_error_note"] = json!(r.error_note);
            match known.state {
                TransactionState::Created => {
                    ledger::cancel_open(
                        tx,
                        &known,
                        crate::reason::TRANSACTION_ERROR,
                        now,
                        Some(details),
                    )
                    .await?;
                }
                TransactionState::Performed => {
                    ledger::cancel_performed(
                        tx,
                        settlement,
                        &known,
                        crate::reason::TRANSACTION_ERROR,
                        InvoiceStatus::Unpaid,
                        now,
                        Some(details),
                    )
                    .await?;
                }
                TransactionState::Cancelled | TransactionState::CancelledAfterPerform => {}
            }
            return Ok(reply(code::TRANSACTION_CANCELLED));
        }
        Ok(match known.state {
            TransactionState::Created => {
                ledger::perform(tx, settlement, &known, now).await?;
                Reply {
                    error: code::SUCCESS,
                    id: Some(known.id),
                }
            }
            TransactionState::Performed => Reply {
                error: code::ALREADY_PAID,
                id: Some(known.id),
            },
            TransactionState::Cancelled | TransactionState::CancelledAfterPerform => {
                reply(code::TRANSACTION_CANCELLED)
            }
        })
    }
}

/// Click's answer: the ids it sent back to it, Yagona's id of the transaction, and the code.
fn answer_json(call: &Call, stage: Stage, reply: Reply) -> Value {
    let click_trans_id = match call.get("click_trans_id") {
        Some(id) => id
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(id)),
        None => Value::Null,
    };
    let mut answer = json!({
        "click_trans_id": click_trans_id,
        "merchant_trans_id": call.get("merchant_trans_id").unwrap_or(""),
        "error": reply.error,
        "error_note": code::note(reply.error),
    });
    match stage {
        // Click's own examples answer 0 for no prepare id and null for no confirm id.
        Stage::Prepare => answer["merchant_prepare_id"] = json!(reply.id.unwrap_or(0)),
        Stage::Complete => answer["merchant_confirm_id"] = json!(reply.id),
    }
    answer
}
