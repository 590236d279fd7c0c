//! Payme's side: its checkout page, its Merchant API calls to the merchant, and its books.

use crate::{
    csv_response, done_or_return, now_ms, pages, tokio_sleep, Day, PaymeRecord, PaymeSide, Sandbox,
};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine;
use rand::Rng;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Payme's routes.
pub(crate) fn routes() -> Router<Arc<Sandbox>> {
    Router::new()
        .route("/payme/checkout/{*params}", get(payme_checkout))
        .route("/payme/pay", post(payme_pay))
        .route("/payme/cabinet/cancel", post(payme_cabinet_cancel))
        .route("/payme/statement.csv", get(payme_statement))
}

/// Payme's checkout parameters: `key=value` pairs separated by `;`.
fn payme_params(token: &str) -> Option<HashMap<String, String>> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(token.trim_start_matches('/'))
        .ok()?;
    let text = String::from_utf8(raw).ok()?;
    Some(
        text.split(';')
            .filter_map(|pair| pair.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    )
}

/// What a checkout link asks for, checked against the cashbox.
struct PaymeOrder {
    account: String,
    amount: i64,
    return_url: Option<String>,
}

fn payme_order(side: &PaymeSide, token: &str) -> Result<PaymeOrder, &'static str> {
    let params = payme_params(token).ok_or("The payment link is not readable.")?;
    if params.get("m").map(String::as_str) != Some(side.merchant_id.as_str()) {
        return Err("The merchant is not known here.");
    }
    let account = params
        .get(&format!("ac.{}", side.account_field))
        .filter(|a| !a.is_empty())
        .ok_or("The payment link names no invoice.")?
        .clone();
    let amount = params
        .get("a")
        .and_then(|a| a.parse::<i64>().ok())
        .filter(|a| *a > 0)
        .ok_or("The payment link has no amount.")?;
    Ok(PaymeOrder {
        account,
        amount,
        return_url: params
            .get("c")
            .filter(|c| !c.is_empty())
            .map(|c| c.replace("%3B", ";")),
    })
}

async fn payme_checkout(
    State(sandbox): State<Arc<Sandbox>>,
    Path(token): Path<String>,
) -> Response {
    let Some(side) = &sandbox.config.payme else {
        return pages::message(
            StatusCode::NOT_FOUND,
            "Payme",
            "Payme is not set up in this sandbox.",
            None,
        );
    };
    match payme_order(side, &token) {
        Err(why) => pages::message(StatusCode::BAD_REQUEST, "Payme", why, None),
        Ok(order) => pages::checkout(&pages::Checkout {
            provider: "Payme",
            merchant: &side.merchant_name,
            invoice: &order.account,
            amount: &pages::som(order.amount),
            action: &sandbox.action("/payme/pay"),
            hidden: vec![("token", token.trim_start_matches('/').to_owned())],
        }),
    }
}

/// A Merchant API error as the merchant answered it, or the call's own failure.
#[derive(Debug)]
struct RpcFailure {
    code: i64,
    message: String,
}

impl Sandbox {
    async fn payme_rpc(
        &self,
        side: &PaymeSide,
        method: &str,
        params: Value,
    ) -> Result<Value, RpcFailure> {
        let id: u32 = rand::thread_rng().gen_range(1..1_000_000);
        let failure = |message: String| RpcFailure {
            code: -32400,
            message,
        };
        let response = self
            .http
            .post(&side.endpoint)
            .basic_auth(&side.login, Some(&side.key))
            .header(header::CONTENT_TYPE, "application/json; charset=UTF-8")
            .body(json!({ "method": method, "params": params, "id": id }).to_string())
            .send()
            .await
            .map_err(|e| failure(format!("the merchant did not answer: {e}")))?;
        if response.status() != StatusCode::OK {
            // The protocol counts any status but 200 as -32400.
            return Err(failure(format!(
                "the merchant answered HTTP {}",
                response.status()
            )));
        }
        let answer: Value = response
            .json()
            .await
            .map_err(|e| failure(format!("the merchant's answer is not JSON: {e}")))?;
        if answer.get("id") != Some(&json!(id)) {
            return Err(failure("the merchant's answer is for another call".into()));
        }
        if let Some(error) = answer.get("error") {
            let message = error
                .pointer("/message/en")
                .or_else(|| error.get("message"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            return Err(RpcFailure {
                code: error.get("code").and_then(Value::as_i64).unwrap_or(-32400),
                message,
            });
        }
        answer
            .get("result")
            .cloned()
            .ok_or_else(|| failure("the merchant's answer has neither result nor error".into()))
    }

    /// A call sent twice, as Payme's sandbox sends Create, Perform and Cancel: the merchant
    /// must answer the same both times.
    async fn payme_rpc_twice(
        &self,
        side: &PaymeSide,
        method: &str,
        params: Value,
    ) -> Result<Value, RpcFailure> {
        let first = self.payme_rpc(side, method, params.clone()).await?;
        let second = self.payme_rpc(side, method, params).await?;
        if first != second {
            return Err(RpcFailure {
                code: -32400,
                message: format!(
                    "the merchant answered {method} sent twice differently: {first} then {second}"
                ),
            });
        }
        Ok(first)
    }
}

#[derive(Deserialize)]
struct PayForm {
    token: String,
    choice: String,
}

async fn payme_pay(State(sandbox): State<Arc<Sandbox>>, Form(form): Form<PayForm>) -> Response {
    let Some(side) = &sandbox.config.payme else {
        return pages::message(
            StatusCode::NOT_FOUND,
            "Payme",
            "Payme is not set up in this sandbox.",
            None,
        );
    };
    let order = match payme_order(side, &form.token) {
        Ok(o) => o,
        Err(why) => return pages::message(StatusCode::BAD_REQUEST, "Payme", why, None),
    };
    if form.choice != "pay" {
        return done_or_return(
            order.return_url.as_deref(),
            "Not paid",
            "The payment was cancelled. Nothing was paid.",
        );
    }
    let account = json!({ &side.account_field: order.account });
    let refused = |e: RpcFailure| {
        pages::message(
            StatusCode::OK,
            "Payment refused",
            &format!(
                "The merchant refused the payment ({}): {}",
                e.code, e.message
            ),
            order.return_url.as_deref(),
        )
    };
    if let Err(e) = sandbox
        .payme_rpc(
            side,
            "CheckPerformTransaction",
            json!({ "amount": order.amount, "account": account }),
        )
        .await
    {
        return refused(e);
    }
    let id: String = (0..24)
        .map(|_| char::from_digit(rand::thread_rng().gen_range(0..16), 16).unwrap_or('0'))
        .collect();
    let time = now_ms();
    let created = match sandbox
        .payme_rpc_twice(
            side,
            "CreateTransaction",
            json!({ "id": id, "time": time, "amount": order.amount, "account": account }),
        )
        .await
    {
        Ok(c) => c,
        Err(e) => return refused(e),
    };
    let mut performed = sandbox
        .payme_rpc_twice(side, "PerformTransaction", json!({ "id": id }))
        .await;
    for _ in 0..3 {
        // A system error is Payme's cue to try again.
        match &performed {
            Err(e) if e.code == -32400 => {
                tokio_sleep(Duration::from_millis(200)).await;
                performed = sandbox
                    .payme_rpc_twice(side, "PerformTransaction", json!({ "id": id }))
                    .await;
            }
            _ => break,
        }
    }
    let performed = match performed {
        Ok(p) => p,
        Err(e) => {
            // Not performed: the card is not debited, and Payme cancels the transaction.
            let _ = sandbox
                .payme_rpc(side, "CancelTransaction", json!({ "id": id, "reason": 3 }))
                .await;
            return refused(e);
        }
    };
    if let Ok(mut books) = sandbox.payme_books.lock() {
        books.push(PaymeRecord {
            id,
            time,
            amount: order.amount,
            account: order.account,
            create_time: created
                .get("create_time")
                .and_then(Value::as_i64)
                .unwrap_or(0),
            perform_time: performed
                .get("perform_time")
                .and_then(Value::as_i64)
                .unwrap_or(0),
            cancel_time: 0,
            state: 2,
            reason: None,
        });
    }
    done_or_return(order.return_url.as_deref(), "Paid", "The payment is done.")
}

#[derive(Deserialize)]
struct CabinetCancel {
    id: String,
    reason: Option<i64>,
}

/// The cashbox owner cancels a transaction in Payme Business: Payme calls CancelTransaction
/// (twice) and answers what the merchant answered.
async fn payme_cabinet_cancel(
    State(sandbox): State<Arc<Sandbox>>,
    Form(form): Form<CabinetCancel>,
) -> Response {
    let Some(side) = &sandbox.config.payme else {
        return (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": "Payme is not set up" })),
        )
            .into_response();
    };
    let reason = form.reason.unwrap_or(5);
    match sandbox
        .payme_rpc_twice(
            side,
            "CancelTransaction",
            json!({ "id": form.id, "reason": reason }),
        )
        .await
    {
        Ok(result) => {
            if let Ok(mut books) = sandbox.payme_books.lock() {
                if let Some(r) = books.iter_mut().find(|r| r.id == form.id) {
                    r.state = result
                        .get("state")
                        .and_then(Value::as_i64)
                        .unwrap_or(r.state);
                    r.cancel_time = result
                        .get("cancel_time")
                        .and_then(Value::as_i64)
                        .unwrap_or(0);
                    r.reason = Some(reason);
                }
            }
            Json(json!({ "result": result })).into_response()
        }
        Err(e) => {
            Json(json!({ "error": { "code": e.code, "message": e.message } })).into_response()
        }
    }
}

async fn payme_statement(State(sandbox): State<Arc<Sandbox>>, Query(day): Query<Day>) -> Response {
    let start = day
        .date
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis() - 5 * 3_600_000)
        .unwrap_or(0);
    let end = start + 86_400_000;
    let mut out =
        String::from("id,time,amount,account,create_time,perform_time,cancel_time,state,reason\n");
    for r in sandbox
        .payme_books()
        .iter()
        .filter(|r| r.time >= start && r.time < end)
    {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            r.id,
            r.time,
            r.amount,
            r.account,
            r.create_time,
            r.perform_time,
            r.cancel_time,
            r.state,
            r.reason.map(|r| r.to_string()).unwrap_or_default()
        ));
    }
    csv_response(out)
}
