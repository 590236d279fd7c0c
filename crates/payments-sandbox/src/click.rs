//! Click's side: its payment page, its SHOP API calls to the merchant, its merchant API's
//! reversal, and its books.

use crate::{
    csv_response, done_or_return, pages, tashkent_now, ClickRecord, ClickSide, Day, Sandbox,
};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Form, Json, Router};
use rand::Rng;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;
use subtle::ConstantTimeEq;

/// Click's routes.
pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/click/services/pay", get(click_checkout))
        .route("/click/services/pay/", get(click_checkout))
        .route("/click/pay", post(click_pay))
        .route(
            "/click/v2/merchant/payment/reversal/{service_id}/{payment_id}",
            delete(click_reversal),
        )
        .route("/click/statement.csv", get(click_statement))
}

#[derive(Deserialize)]
struct ClickOrder {
    service_id: String,
    merchant_id: String,
    amount: String,
    transaction_param: String,
    #[serde(default)]
    return_url: String,
}

/// Tiyin from Click's `N.NN` soʻm, for showing.
fn click_tiyin(amount: &str) -> Option<i64> {
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
    if whole.is_empty()
        || fraction.len() > 2
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let fraction = format!("{fraction:0<2}");
    Some(whole.parse::<i64>().ok()?.checked_mul(100)? + fraction.parse::<i64>().ok()?)
}

fn click_check(side: &ClickSide, order: &ClickOrder) -> Result<i64, &'static str> {
    if order.service_id != side.service_id || order.merchant_id != side.merchant_id {
        return Err("The merchant is not known here.");
    }
    if order.transaction_param.is_empty() {
        return Err("The payment link names no invoice.");
    }
    click_tiyin(&order.amount)
        .filter(|a| *a > 0)
        .ok_or("The payment link has no amount.")
}

async fn click_checkout(
    State(sandbox): State<Arc<Sandbox>>,
    Query(order): Query<ClickOrder>,
) -> Response {
    let Some(side) = &sandbox.config.click else {
        return pages::message(
            StatusCode::NOT_FOUND,
            "Click",
            "Click is not set up in this sandbox.",
            None,
        );
    };
    match click_check(side, &order) {
        Err(why) => pages::message(StatusCode::BAD_REQUEST, "Click", why, None),
        Ok(tiyin) => pages::checkout(&pages::Checkout {
            provider: "Click",
            merchant: &side.merchant_name,
            invoice: &order.transaction_param,
            amount: &pages::som(tiyin),
            action: &sandbox.action("/click/pay"),
            hidden: vec![
                ("service_id", order.service_id.clone()),
                ("merchant_id", order.merchant_id.clone()),
                ("amount", order.amount.clone()),
                ("transaction_param", order.transaction_param.clone()),
                ("return_url", order.return_url.clone()),
            ],
        }),
    }
}

fn md5_hex(parts: &[&str]) -> String {
    use md5::{Digest, Md5};
    let mut md5 = Md5::new();
    for p in parts {
        md5.update(p.as_bytes());
    }
    format!("{:x}", md5.finalize())
}

impl Sandbox {
    async fn click_call(&self, url: &str, form: &[(&str, &str)]) -> Result<Value, String> {
        let response = self
            .http
            .post(url)
            .form(form)
            .send()
            .await
            .map_err(|e| format!("the merchant did not answer: {e}"))?;
        response
            .json()
            .await
            .map_err(|e| format!("the merchant's answer is not JSON: {e}"))
    }
}

#[derive(Deserialize)]
struct ClickPayForm {
    service_id: String,
    merchant_id: String,
    amount: String,
    transaction_param: String,
    #[serde(default)]
    return_url: String,
    choice: String,
}

async fn click_pay(
    State(sandbox): State<Arc<Sandbox>>,
    Form(form): Form<ClickPayForm>,
) -> Response {
    let Some(side) = &sandbox.config.click else {
        return pages::message(
            StatusCode::NOT_FOUND,
            "Click",
            "Click is not set up in this sandbox.",
            None,
        );
    };
    let order = ClickOrder {
        service_id: form.service_id,
        merchant_id: form.merchant_id,
        amount: form.amount,
        transaction_param: form.transaction_param,
        return_url: form.return_url,
    };
    if let Err(why) = click_check(side, &order) {
        return pages::message(StatusCode::BAD_REQUEST, "Click", why, None);
    }
    let return_url = Some(order.return_url.as_str()).filter(|u| !u.is_empty());
    if form.choice != "pay" {
        return done_or_return(
            return_url,
            "Not paid",
            "The payment was cancelled. Nothing was paid.",
        );
    }
    let refused = |why: String| {
        pages::message(
            StatusCode::OK,
            "Payment refused",
            &format!("The merchant refused the payment: {why}"),
            return_url,
        )
    };
    let (click_trans_id, paydoc) = {
        let mut rng = rand::thread_rng();
        (
            rng.gen_range(1_000_000_000u64..9_000_000_000).to_string(),
            rng.gen_range(1_000_000_000u64..9_000_000_000).to_string(),
        )
    };
    let sign_time = tashkent_now().format("%Y-%m-%d %H:%M:%S").to_string();
    let (service, secret, invoice, amount) = (
        side.service_id.as_str(),
        side.secret_key.as_str(),
        order.transaction_param.as_str(),
        order.amount.as_str(),
    );
    let sign = md5_hex(&[
        &click_trans_id,
        service,
        secret,
        invoice,
        amount,
        "0",
        &sign_time,
    ]);
    let prepared = match sandbox
        .click_call(
            &side.prepare_url,
            &[
                ("click_trans_id", &click_trans_id),
                ("service_id", service),
                ("click_paydoc_id", &paydoc),
                ("merchant_trans_id", invoice),
                ("amount", amount),
                ("action", "0"),
                ("error", "0"),
                ("error_note", "Success"),
                ("sign_time", &sign_time),
                ("sign_string", &sign),
            ],
        )
        .await
    {
        Ok(p) => p,
        Err(why) => return refused(why),
    };
    if prepared.get("error").and_then(Value::as_i64) != Some(0) {
        return refused(format!(
            "{} {}",
            prepared.get("error").unwrap_or(&Value::Null),
            prepared
                .get("error_note")
                .and_then(Value::as_str)
                .unwrap_or("")
        ));
    }
    let prepare_id = match prepared.get("merchant_prepare_id") {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => return refused("no merchant_prepare_id".into()),
    };
    // The card is debited here; Complete tells the merchant.
    let sign = md5_hex(&[
        &click_trans_id,
        service,
        secret,
        invoice,
        &prepare_id,
        amount,
        "1",
        &sign_time,
    ]);
    let completed = match sandbox
        .click_call(
            &side.complete_url,
            &[
                ("click_trans_id", &click_trans_id),
                ("service_id", service),
                ("click_paydoc_id", &paydoc),
                ("merchant_trans_id", invoice),
                ("merchant_prepare_id", &prepare_id),
                ("amount", amount),
                ("action", "1"),
                ("error", "0"),
                ("error_note", "Success"),
                ("sign_time", &sign_time),
                ("sign_string", &sign),
            ],
        )
        .await
    {
        Ok(c) => c,
        Err(why) => return refused(why),
    };
    if completed.get("error").and_then(Value::as_i64) != Some(0) {
        return refused(format!(
            "{} {}",
            completed.get("error").unwrap_or(&Value::Null),
            completed
                .get("error_note")
                .and_then(Value::as_str)
                .unwrap_or("")
        ));
    }
    if let Ok(mut books) = sandbox.click_books.lock() {
        books.push(ClickRecord {
            payment_id: paydoc,
            click_trans_id,
            merchant_trans_id: order.transaction_param.clone(),
            amount: order.amount.clone(),
            status: "confirmed".into(),
            date: sign_time,
        });
    }
    done_or_return(return_url, "Paid", "The payment is done.")
}

fn click_api_answer(
    status: StatusCode,
    error_code: i64,
    note: &str,
    payment_id: Option<&str>,
) -> Response {
    let payment_id = payment_id.and_then(|p| p.parse::<i64>().ok());
    (
        status,
        Json(json!({ "error_code": error_code, "error_note": note, "payment_id": payment_id })),
    )
        .into_response()
}

/// Whether `Auth: merchant_user_id:sha1(timestamp + secret_key):timestamp` is the service's,
/// and made within ten minutes of now.
fn click_auth_ok(side: &ClickSide, headers: &HeaderMap) -> bool {
    use sha1::{Digest, Sha1};
    let Some(auth) = headers.get("Auth").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let mut parts = auth.split(':');
    let (Some(user), Some(digest), Some(ts), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Ok(timestamp) = ts.parse::<i64>() else {
        return false;
    };
    if (chrono::Utc::now().timestamp() - timestamp).abs() > 600 {
        return false;
    }
    let mut sha1 = Sha1::new();
    sha1.update(ts.as_bytes());
    sha1.update(side.secret_key.as_bytes());
    let expected = format!("{:x}", sha1.finalize());
    let digest_ok: bool = digest
        .to_ascii_lowercase()
        .as_bytes()
        .ct_eq(expected.as_bytes())
        .into();
    user == side.merchant_user_id && digest_ok
}

/// Click's merchant API: reverses a confirmed payment. The sandbox's own error codes: -1 not
/// authorized, -2 no such payment, -3 not a confirmed payment. A reversal already done is
/// answered as done.
async fn click_reversal(
    State(sandbox): State<Arc<Sandbox>>,
    Path((service_id, payment_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(side) = &sandbox.config.click else {
        return click_api_answer(StatusCode::NOT_FOUND, -2, "Click is not set up", None);
    };
    if !click_auth_ok(side, &headers) || service_id != side.service_id {
        return click_api_answer(StatusCode::UNAUTHORIZED, -1, "Authorization failed", None);
    }
    let Ok(mut books) = sandbox.click_books.lock() else {
        return click_api_answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            -2,
            "Books unavailable",
            None,
        );
    };
    let Some(record) = books.iter_mut().find(|r| r.payment_id == payment_id) else {
        return click_api_answer(
            StatusCode::NOT_FOUND,
            -2,
            "Payment not found",
            Some(&payment_id),
        );
    };
    match record.status.as_str() {
        "confirmed" | "reversed" => {
            record.status = "reversed".into();
            click_api_answer(StatusCode::OK, 0, "Success", Some(&payment_id))
        }
        _ => click_api_answer(
            StatusCode::OK,
            -3,
            "Payment is not confirmed",
            Some(&payment_id),
        ),
    }
}

async fn click_statement(State(sandbox): State<Arc<Sandbox>>, Query(day): Query<Day>) -> Response {
    let prefix = day.date.format("%Y-%m-%d").to_string();
    let mut out = String::from("payment_id,click_trans_id,merchant_trans_id,amount,status,date\n");
    for r in sandbox
        .click_books()
        .iter()
        .filter(|r| r.date.starts_with(&prefix))
    {
        out.push_str(&format!(
            "{},{},{},{},{},{}\n",
            r.payment_id, r.click_trans_id, r.merchant_trans_id, r.amount, r.status, r.date
        ));
    }
    csv_response(out)
}
