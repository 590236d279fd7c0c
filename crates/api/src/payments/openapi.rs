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
        PaymeRequest, PaymeAnswer, PaymeSuccess, PaymeFailure, JsonRpc, PaymeResult,
        PaymeAllow, PaymeCreated, PaymePerformed, PaymeCancelled, PaymeTransaction,
        PaymeStatement, PaymeStatementEntry, PaymeChanged, PaymeError, PaymeMessage,
        ClickPrepare, ClickComplete, ClickTransId, ClickPrepareAnswer, ClickCompleteAnswer
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

/// Payme's answer to a call: HTTP 200 with a `result` or an `error`, and the call's `id` as it
/// was sent (null when the body was not a JSON object with one).
#[derive(serde::Serialize, ToSchema)]
#[serde(untagged)]
#[schema(example = json!({"jsonrpc": "2.0", "id": 2032, "result": {"create_time": 1399114284039_i64, "transaction": "17", "state": 1}}))]
pub(crate) enum PaymeAnswer {
    Result(PaymeSuccess),
    Error(PaymeFailure),
}

/// JSON-RPC's version, always `2.0`.
#[derive(serde::Serialize, ToSchema)]
pub(crate) enum JsonRpc {
    #[serde(rename = "2.0")]
    V2,
}

#[derive(serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PaymeSuccess {
    jsonrpc: JsonRpc,
    /// The call's `id`, as sent.
    #[schema(required = true)]
    id: Value,
    result: PaymeResult,
}

#[derive(serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PaymeFailure {
    jsonrpc: JsonRpc,
    /// The call's `id`, as sent (null when it could not be read).
    #[schema(required = true)]
    id: Value,
    error: PaymeError,
}

/// Each method's result, as Payme's Merchant API defines it.
#[derive(serde::Serialize, ToSchema)]
#[serde(untagged)]
pub(crate) enum PaymeResult {
    CheckPerformTransaction(PaymeAllow),
    CreateTransaction(PaymeCreated),
    PerformTransaction(PaymePerformed),
    CancelTransaction(PaymeCancelled),
    CheckTransaction(PaymeTransaction),
    GetStatement(PaymeStatement),
    ChangePassword(PaymeChanged),
}

/// A transaction's state: 1 created, 2 performed, -1 cancelled before it was performed, -2
/// cancelled after.
fn payme_state() -> utoipa::openapi::Object {
    integers(&[1, 2, -1, -2])
}

/// Why a transaction was cancelled (Payme's reasons 1–5 and 10), null while it is not.
fn payme_reason() -> utoipa::openapi::Object {
    let mut o = integers(&[1, 2, 3, 4, 5, 10]);
    o.schema_type = utoipa::openapi::schema::SchemaType::from_iter([
        utoipa::openapi::Type::Integer,
        utoipa::openapi::Type::Null,
    ]);
    if let Some(values) = o.enum_values.as_mut() {
        values.push(Value::Null);
    }
    o
}

fn null() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::Null)
        .build()
}

fn integers(values: &[i64]) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::Integer)
        .enum_values(Some(values.iter().copied()))
        .build()
}

/// CheckPerformTransaction: the invoice may be paid this much.
#[derive(serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PaymeAllow {
    allow: bool,
}

/// CreateTransaction.
#[derive(serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PaymeCreated {
    /// Milliseconds.
    create_time: i64,
    /// Yagona's id of the transaction.
    transaction: String,
    #[schema(schema_with = payme_state)]
    state: i64,
}

/// PerformTransaction.
#[derive(serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PaymePerformed {
    transaction: String,
    /// Milliseconds.
    perform_time: i64,
    #[schema(schema_with = payme_state)]
    state: i64,
}

/// CancelTransaction.
#[derive(serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PaymeCancelled {
    transaction: String,
    /// Milliseconds.
    cancel_time: i64,
    #[schema(schema_with = payme_state)]
    state: i64,
}

/// CheckTransaction.
#[derive(serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PaymeTransaction {
    /// Milliseconds.
    create_time: i64,
    /// Milliseconds; 0 while not performed.
    perform_time: i64,
    /// Milliseconds; 0 while not cancelled.
    cancel_time: i64,
    transaction: String,
    #[schema(schema_with = payme_state)]
    state: i64,
    #[schema(schema_with = payme_reason, required = true)]
    reason: Option<i64>,
}

/// GetStatement: the transactions whose Payme `time` is within `from` and `to`.
#[derive(serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PaymeStatement {
    transactions: Vec<PaymeStatementEntry>,
}

#[derive(serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PaymeStatementEntry {
    /// Payme's id of the transaction.
    id: String,
    /// Payme's moment, milliseconds.
    time: i64,
    /// Tiyin.
    amount: i64,
    /// `{"invoice": number}`.
    account: std::collections::BTreeMap<String, String>,
    create_time: i64,
    perform_time: i64,
    cancel_time: i64,
    transaction: String,
    #[schema(schema_with = payme_state)]
    state: i64,
    #[schema(schema_with = payme_reason, required = true)]
    reason: Option<i64>,
    /// Always null: the whole amount is the merchant's.
    #[schema(schema_with = null, required = true)]
    receivers: Option<()>,
}

/// ChangePassword.
#[derive(serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PaymeChanged {
    success: bool,
}

/// Payme's error codes: -32300 not POST, -32700 not JSON, -32600 malformed, -32601 no such
/// method, -32504 unauthorized, -32400 system error (Payme tries again), -31001 wrong amount,
/// -31003 no such transaction, -31007 cannot cancel (no refund for this service), -31008
/// cannot perform (the state forbids it, or 12 hours passed), -31050 no such invoice, -31051
/// invoice paid, -31052 invoice cancelled or past due.
#[derive(serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PaymeError {
    #[schema(schema_with = payme_codes)]
    code: i64,
    message: PaymeMessage,
    /// The account field (`invoice`) for -31050…-31052, the method's name for -32601;
    /// absent otherwise.
    #[schema(value_type = String, required = false)]
    data: Option<String>,
}

fn payme_codes() -> utoipa::openapi::Object {
    integers(&[
        -32300, -32700, -32600, -32601, -32504, -32400, -31001, -31003, -31007, -31008, -31050,
        -31051, -31052,
    ])
}

#[derive(serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
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

/// Click's id of the payment attempt sent back: a number when it is one, as sent otherwise,
/// null when it was not sent.
#[derive(serde::Serialize, ToSchema)]
#[serde(untagged)]
pub(crate) enum ClickTransId {
    Number(i64),
    Text(String),
}

/// Click's error codes a Prepare is answered with: 0 success, -1 sign check failed, -2
/// incorrect amount, -3 action not found (a Complete sent here, or another action), -4 already
/// paid, -5 no such invoice ("user does not exist"), -7 not recorded (Click tries again), -8
/// error in request, -9 cancelled.
fn click_prepare_errors() -> utoipa::openapi::Object {
    integers(&[0, -1, -2, -3, -4, -5, -7, -8, -9])
}

/// Click's error codes a Complete is answered with: those of a Prepare and -6 no such
/// prepared transaction.
fn click_complete_errors() -> utoipa::openapi::Object {
    integers(&[0, -1, -2, -3, -4, -5, -6, -7, -8, -9])
}

/// The `error_note` Click's documentation gives each code.
fn click_notes() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .enum_values(Some([
            "Success",
            "SIGN CHECK FAILED!",
            "Incorrect parameter amount",
            "Action not found",
            "Already paid",
            "User does not exist",
            "Transaction does not exist",
            "Failed to update user",
            "Error in request from click",
            "Transaction cancelled",
        ]))
        .build()
}

#[derive(serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClickPrepareAnswer {
    #[schema(required = true)]
    click_trans_id: Option<ClickTransId>,
    /// As sent (empty when it was not).
    merchant_trans_id: String,
    /// Yagona's id of the transaction (0 with an error).
    merchant_prepare_id: i64,
    #[schema(schema_with = click_prepare_errors)]
    error: i64,
    #[schema(schema_with = click_notes)]
    error_note: String,
}

#[derive(serde::Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClickCompleteAnswer {
    #[schema(required = true)]
    click_trans_id: Option<ClickTransId>,
    /// As sent (empty when it was not).
    merchant_trans_id: String,
    /// Yagona's id of the transaction (null with most errors).
    #[schema(required = true)]
    merchant_confirm_id: Option<i64>,
    #[schema(schema_with = click_complete_errors)]
    error: i64,
    #[schema(schema_with = click_notes)]
    error_note: String,
}
