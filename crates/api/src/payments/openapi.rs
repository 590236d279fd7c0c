//! The merchant endpoints in OpenAPI: what Payme and Click send and what Yagona answers. The
//! shapes are the providers' (documentation only: the handlers read the raw bodies, so that a
//! malformed call gets the provider's own error format).

#![allow(dead_code)]

use serde_json::{Map, Value};
use utoipa::ToSchema;

/// The merchant endpoints, to merge into the node's OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(super::payme_endpoint, super::click_prepare, super::click_complete),
    components(schemas(
        PaymeRequest, PaymeAnswer, PaymeError, PaymeMessage,
        ClickPrepare, ClickComplete, ClickPrepareAnswer, ClickCompleteAnswer
    )),
    modifiers(&PaymeBasic),
    tags((name = "payments", description = "The payment providers' calls that settle fees: Payme's Merchant API (JSON-RPC 2.0) and Click's SHOP API (Prepare and Complete). Called by the providers, not by people."))
)]
pub struct PaymentsApi;

/// Payme's Basic authorization: `Paycom` and the cashbox's key.
struct PaymeBasic;

impl utoipa::Modify for PaymeBasic {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "payme_basic",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Basic)
                    .description(Some("Paycom:<the cashbox's key>"))
                    .build(),
            ),
        );
    }
}

/// A JSON-RPC 2.0 call of Payme's Merchant API.
#[derive(ToSchema)]
#[schema(example = json!({"method": "CreateTransaction", "params": {"id": "5305e3bab097f420a62ced0b", "time": 1399114284039_i64, "amount": 8240000, "account": {"invoice": "INV-2026-000123"}}, "id": 2032}))]
pub(crate) struct PaymeRequest {
    /// CheckPerformTransaction, CreateTransaction, PerformTransaction, CancelTransaction,
    /// CheckTransaction, GetStatement or ChangePassword.
    method: String,
    /// The method's named parameters: `id` (Payme's 24-character transaction id), `time`
    /// (Payme's moment, milliseconds), `amount` (tiyin), `account` (`{"invoice": number}`),
    /// `reason` (a cancellation's), `from` and `to` (a statement's, milliseconds), `password`.
    #[schema(value_type = Object)]
    params: Map<String, Value>,
    /// Returned as sent.
    #[schema(value_type = Object)]
    id: Value,
}

/// The answer: `result` or `error`, with the call's `id`.
#[derive(ToSchema)]
#[schema(example = json!({"jsonrpc": "2.0", "id": 2032, "result": {"create_time": 1399114284039_i64, "transaction": "17", "state": 1}}))]
pub(crate) struct PaymeAnswer {
    jsonrpc: String,
    #[schema(value_type = Object)]
    id: Value,
    /// `{"allow": true}`; `{create_time, transaction, state}`; `{transaction, perform_time,
    /// state}`; `{transaction, cancel_time, state}`; `{create_time, perform_time, cancel_time,
    /// transaction, state, reason}`; `{"transactions": [...]}`; `{"success": true}`.
    #[schema(value_type = Object)]
    result: Option<Value>,
    error: Option<PaymeError>,
}

/// Payme's error codes: -32300 not POST, -32700 not JSON, -32600 malformed, -32601 no such
/// method, -32504 unauthorized, -32400 system error (Payme tries again), -31001 wrong amount,
/// -31003 no such transaction, -31007 cannot cancel (no refund for this service), -31008
/// cannot perform (the state forbids it, or 12 hours passed), -31050 no such invoice, -31051
/// invoice paid, -31052 invoice cancelled or past due.
#[derive(ToSchema)]
pub(crate) struct PaymeError {
    code: i64,
    message: PaymeMessage,
    /// The account field (`invoice`) for -31050…-31099, the method for -32601.
    #[schema(value_type = Object)]
    data: Option<Value>,
}

#[derive(ToSchema)]
pub(crate) struct PaymeMessage {
    ru: String,
    uz: String,
    en: String,
}

/// Click's Prepare, form-encoded.
#[derive(ToSchema)]
pub(crate) struct ClickPrepare {
    /// Click's id of this payment attempt.
    click_trans_id: i64,
    service_id: i64,
    /// The payment's number at Click (shown to the payer).
    click_paydoc_id: i64,
    /// The invoice number (`transaction_param` of the checkout link).
    merchant_trans_id: String,
    /// Soʻm with up to two decimals, e.g. `82400.00`; must be the invoice's exactly.
    amount: String,
    /// 0.
    action: i64,
    error: i64,
    error_note: String,
    /// `YYYY-MM-DD HH:mm:ss`.
    sign_time: String,
    /// md5(click_trans_id + service_id + SECRET_KEY + merchant_trans_id + amount + action +
    /// sign_time), over the values as sent.
    sign_string: String,
}

/// Click's Complete, form-encoded.
#[derive(ToSchema)]
pub(crate) struct ClickComplete {
    click_trans_id: i64,
    service_id: i64,
    click_paydoc_id: i64,
    merchant_trans_id: String,
    /// Yagona's id from the Prepare's answer.
    merchant_prepare_id: i64,
    amount: String,
    /// 1.
    action: i64,
    /// 0: Click debited the card. Negative: the payment failed or was cancelled.
    error: i64,
    error_note: String,
    sign_time: String,
    /// md5(click_trans_id + service_id + SECRET_KEY + merchant_trans_id + merchant_prepare_id +
    /// amount + action + sign_time).
    sign_string: String,
}

#[derive(ToSchema)]
pub(crate) struct ClickPrepareAnswer {
    click_trans_id: i64,
    merchant_trans_id: String,
    /// Yagona's id of the transaction (0 with an error).
    merchant_prepare_id: i64,
    error: i64,
    error_note: String,
}

#[derive(ToSchema)]
pub(crate) struct ClickCompleteAnswer {
    click_trans_id: i64,
    merchant_trans_id: String,
    /// Yagona's id of the transaction (null with most errors).
    merchant_confirm_id: Option<i64>,
    error: i64,
    error_note: String,
}
