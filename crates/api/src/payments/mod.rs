//! The payment providers' side of the API: the merchant endpoints Payme and Click call to settle
//! fees, and the client of Click's merchant API that reverses a payment for a refund.
//!
//! The protocols themselves — every check, state and error code — are in `yagona_payments`
//! ([`Payme::answer`], [`Click::answer`]): these handlers only read the raw body (so that a
//! malformed call gets the provider's own error format, not the framework's) and write the
//! answer as JSON with HTTP 200, as both protocols ask.

mod openapi;

pub use openapi::PaymentsApi;

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use futures::future::BoxFuture;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use yagona_payments::click::code as click_code;
use yagona_payments::click::Click;
use yagona_payments::click::{
    ClickApiAnswer, ClickConfig, ClickMerchantApi, COMPLETE_PATH, PREPARE_PATH,
};
use yagona_payments::payme::{rpc, Payme, PATH as PAYME_PATH};
use yagona_payments::PaymentError;

/// The most a provider's call may carry: Payme's and Click's calls are a few hundred bytes.
const MAX_BODY: usize = 64 * 1024;

/// A provider's request body, read up to [`MAX_BODY`]; empty when it is larger or broken, which
/// the protocol then answers in its own format (the framework's own limit is lifted on these
/// routes for that reason).
async fn read_body(body: axum::body::Body) -> axum::body::Bytes {
    axum::body::to_bytes(body, MAX_BODY)
        .await
        .unwrap_or_default()
}

fn json(answer: Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
        answer.to_string(),
    )
        .into_response()
}

/// The routes the providers call, for the node's router: Payme's where a cashbox is configured,
/// Click's where a Click service is.
pub fn routes(payme: Option<Arc<Payme>>, click: Option<Arc<Click>>) -> Router {
    let mut router = Router::new();
    if let Some(payme) = payme {
        router = router.merge(
            Router::new()
                .route(PAYME_PATH, post(payme_endpoint).fallback(payme_not_post))
                .with_state(payme),
        );
    }
    if let Some(click) = click {
        router = router.merge(
            Router::new()
                .route(PREPARE_PATH, post(click_prepare))
                .route(COMPLETE_PATH, post(click_complete))
                .with_state(click),
        );
    }
    router.layer(axum::extract::DefaultBodyLimit::disable())
}

/// Payme Business calls this with one JSON-RPC 2.0 method: CheckPerformTransaction,
/// CreateTransaction, PerformTransaction, CancelTransaction, CheckTransaction, GetStatement or
/// ChangePassword. Every answer is HTTP 200 with a `result` or an `error`.
#[utoipa::path(post, path = "/payments/payme", tag = "payments",
    request_body(content = openapi::PaymeRequest, content_type = "application/json"),
    responses((status = 200, description = "The method's `result`, or an `error` with Payme's code, its message in Russian, Uzbek and English, and `data` (the account field for -31050…-31099, the method's name for -32601)", body = openapi::PaymeAnswer)),
    security(("payme_basic" = [])))]
pub(crate) async fn payme_endpoint(
    State(payme): State<Arc<Payme>>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    // A body too large to read is answered as one that is not JSON.
    let body = read_body(body).await;
    json(payme.answer(authorization, &body).await)
}

async fn payme_not_post(body: axum::body::Body) -> Response {
    let body = read_body(body).await;
    let id = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v.get("id").cloned())
        .unwrap_or(Value::Null);
    json(rpc::envelope(
        id,
        Err(rpc::RpcError::new(rpc::code::NOT_POST)),
    ))
}

/// Click's Prepare (`action=0`): may this invoice be paid this much? A `merchant_prepare_id`
/// for the Complete, or an error code.
#[utoipa::path(post, path = "/payments/click/prepare", tag = "payments",
    request_body(content = openapi::ClickPrepare, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Always 200: `error` 0, or Click's error code (-1 signature, -2 amount, -3 action not found — a Complete sent here, or another action —, -4 already paid, -5 no such invoice, -7 not recorded, try again, -8 bad request, -9 cancelled); `merchant_prepare_id` is 0 with an error", body = openapi::ClickPrepareAnswer)))]
pub(crate) async fn click_prepare(
    State(click): State<Arc<Click>>,
    body: axum::body::Body,
) -> Response {
    // A body too large to read is answered as one missing its fields (-8).
    let body = read_body(body).await;
    let fields = click_fields(&body);
    // A Complete sent to the Prepare address is not done here.
    if fields.get("action").map(String::as_str) == Some("1") {
        return json(click_refusal(&fields, false, click_code::ACTION_NOT_FOUND));
    }
    json(click.answer(&body).await)
}

/// Click's Complete (`action=1`): Click debited the card (`error=0`), or the payment failed or
/// was cancelled (`error` < 0). The invoice is paid, or let go.
#[utoipa::path(post, path = "/payments/click/complete", tag = "payments",
    request_body(content = openapi::ClickComplete, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Always 200: `error` 0 with `merchant_confirm_id`, or Click's error code (-1 signature, -2 amount, -3 action not found — a Prepare sent here, or another action —, -4 already paid, -5 no such invoice, -6 no such prepared transaction, -7 not recorded, try again, -8 bad request or no action, -9 cancelled); `merchant_confirm_id` is null with most errors", body = openapi::ClickCompleteAnswer)))]
pub(crate) async fn click_complete(
    State(click): State<Arc<Click>>,
    body: axum::body::Body,
) -> Response {
    let body = read_body(body).await;
    let fields = click_fields(&body);
    // Only a Complete is done here; anything else is answered as a Complete refused.
    match fields.get("action").map(String::as_str) {
        Some("1") => json(click.answer(&body).await),
        None => json(click_refusal(&fields, true, click_code::ERROR_IN_REQUEST)),
        Some(_) => json(click_refusal(&fields, true, click_code::ACTION_NOT_FOUND)),
    }
}

/// A call's form fields as `yagona_payments` reads them: none at all when the body is not a
/// form or names a field twice (which of two values was signed cannot be told).
fn click_fields(body: &[u8]) -> HashMap<String, String> {
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body) else {
        return HashMap::new();
    };
    let mut fields = HashMap::with_capacity(pairs.len());
    for (k, v) in pairs {
        if fields.insert(k, v).is_some() {
            return HashMap::new();
        }
    }
    fields
}

/// Click's answer refusing a call sent to the other stage's address (or with no `action`),
/// in the shape of this address's answers: the ids sent back (`click_trans_id` a number when
/// it is one, as sent otherwise, null when missing), no transaction, the code and its note.
fn click_refusal(fields: &HashMap<String, String>, complete: bool, error: i64) -> Value {
    let click_trans_id = match fields.get("click_trans_id") {
        Some(id) => id
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(id.as_str())),
        None => Value::Null,
    };
    let mut answer = serde_json::json!({
        "click_trans_id": click_trans_id,
        "merchant_trans_id": fields.get("merchant_trans_id").map_or("", String::as_str),
        "error": error,
        "error_note": click_code::note(error),
    });
    if complete {
        answer["merchant_confirm_id"] = Value::Null;
    } else {
        answer["merchant_prepare_id"] = Value::from(0);
    }
    answer
}

/// Click's merchant API over HTTPS (`https://api.click.uz/v2/merchant`, or the sandbox's).
pub struct ClickHttpApi {
    base: String,
    merchant_user_id: String,
    secret_key: String,
    http: reqwest::Client,
}

impl ClickHttpApi {
    pub fn new(config: &ClickConfig) -> ClickHttpApi {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        ClickHttpApi {
            base: config.api_url.trim_end_matches('/').to_owned(),
            merchant_user_id: config.merchant_user_id.clone(),
            secret_key: config.secret_key.clone(),
            http,
        }
    }
}

impl ClickMerchantApi for ClickHttpApi {
    fn reversal<'a>(
        &'a self,
        service_id: &'a str,
        payment_id: &'a str,
    ) -> BoxFuture<'a, Result<ClickApiAnswer, PaymentError>> {
        Box::pin(async move {
            let url = format!("{}/payment/reversal/{service_id}/{payment_id}", self.base);
            let auth = yagona_payments::click::auth_header(
                &self.merchant_user_id,
                &self.secret_key,
                chrono::Utc::now().timestamp(),
            );
            let failed = |e: reqwest::Error| PaymentError::Provider(format!("Click reversal: {e}"));
            let response = self
                .http
                .delete(&url)
                .header("Accept", "application/json")
                .header("Content-Type", "application/json")
                .header("Auth", auth)
                .send()
                .await
                .map_err(failed)?;
            let status = response.status();
            let body = response.bytes().await.map_err(failed)?;
            serde_json::from_slice(&body).map_err(|_| {
                PaymentError::Provider(format!(
                    "Click reversal: HTTP {status}, not Click's answer: {}",
                    String::from_utf8_lossy(&body)
                        .chars()
                        .take(200)
                        .collect::<String>()
                ))
            })
        })
    }
}
