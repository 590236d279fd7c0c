//! Stand-ins for Payme and Click: what the payment providers would run, served for the demo and
//! the tests so that a citizen's payment goes end to end with nothing outside the machine.
//!
//! Like `yagona-registers` (the agencies' systems), this is not part of the platform and knows
//! nothing of it: it speaks the providers' published protocols to the merchant's endpoints
//! over HTTP, from its own implementation of them, so a test that pays through it checks
//! Yagona's side against a second reading of the protocols rather than against itself. It
//! keeps what it did in memory, as a provider's books for the day.
//!
//! | route | what it plays |
//! |---|---|
//! | `GET /payme/checkout/{base64}` | Payme's checkout page for `m=…;ac.<field>=…;a=…;l=…;c=…` |
//! | `POST /payme/pay` | the Pay (or Cancel) button: CheckPerformTransaction, then CreateTransaction and PerformTransaction — each sent twice, as Payme's sandbox does, and the two answers compared — then 303 to `c` |
//! | `POST /payme/cabinet/cancel` | the cashbox owner cancelling a transaction in Payme Business (CancelTransaction, reason 5 by default: a refund) |
//! | `GET /click/services/pay[/]` | Click's payment page for `service_id, merchant_id, amount, transaction_param, return_url` |
//! | `POST /click/pay` | the Pay (or Cancel) button: Prepare, then Complete, signed; then 303 to `return_url` |
//! | `DELETE /click/v2/merchant/payment/reversal/{service_id}/{payment_id}` | Click's merchant API reversing a payment, with its `Auth` header checked |
//! | `GET /payme/statement.csv?date=`, `GET /click/statement.csv?date=` | the day's statement, in the formats `yagona_payments::reconcile` reads |
//!
//! The pages are plain HTML forms (no JavaScript), in English with Uzbek (Latin) beside it.

mod click;
mod pages;
mod payme;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Router;
use serde::Deserialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Payme's side: the merchant's cashbox and where its Merchant API endpoint is.
#[derive(Debug, Clone)]
pub struct PaymeSide {
    /// Shown on the checkout page.
    pub merchant_name: String,
    pub merchant_id: String,
    /// The merchant's endpoint, e.g. `http://127.0.0.1:8080/payments/payme`.
    pub endpoint: String,
    pub login: String,
    pub key: String,
    pub account_field: String,
}

/// Click's side: the merchant's service and its Prepare and Complete addresses.
#[derive(Debug, Clone)]
pub struct ClickSide {
    pub merchant_name: String,
    pub service_id: String,
    pub merchant_id: String,
    pub merchant_user_id: String,
    pub secret_key: String,
    pub prepare_url: String,
    pub complete_url: String,
}

#[derive(Debug, Clone, Default)]
pub struct SandboxConfig {
    pub payme: Option<PaymeSide>,
    pub click: Option<ClickSide>,
    /// The path the sandbox's routes are nested under (`""` at the root), for its forms.
    pub mount: String,
}

/// A transaction as Payme's books keep it.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymeRecord {
    pub id: String,
    pub time: i64,
    pub amount: i64,
    pub account: String,
    pub create_time: i64,
    pub perform_time: i64,
    pub cancel_time: i64,
    pub state: i64,
    pub reason: Option<i64>,
}

/// A payment as Click's registry keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClickRecord {
    pub payment_id: String,
    pub click_trans_id: String,
    pub merchant_trans_id: String,
    pub amount: String,
    /// `confirmed`, `cancelled` or `reversed`.
    pub status: String,
    /// Tashkent time, `YYYY-MM-DD HH:MM:SS`.
    pub date: String,
}

pub struct Sandbox {
    config: SandboxConfig,
    http: reqwest::Client,
    payme_books: Mutex<Vec<PaymeRecord>>,
    click_books: Mutex<Vec<ClickRecord>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("mount", &self.config.mount)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    pub fn new(config: SandboxConfig) -> Sandbox {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Sandbox {
            config,
            http,
            payme_books: Mutex::default(),
            click_books: Mutex::default(),
        }
    }

    /// Payme's transactions so far.
    pub fn payme_books(&self) -> Vec<PaymeRecord> {
        self.payme_books
            .lock()
            .map(|b| b.clone())
            .unwrap_or_default()
    }

    /// Click's payments so far.
    pub fn click_books(&self) -> Vec<ClickRecord> {
        self.click_books
            .lock()
            .map(|b| b.clone())
            .unwrap_or_default()
    }

    fn action(&self, path: &str) -> String {
        format!("{}{path}", self.config.mount.trim_end_matches('/'))
    }
}

/// The sandbox's routes.
pub fn routes(sandbox: Arc<Sandbox>) -> Router {
    Router::new()
        .merge(payme::routes())
        .merge(click::routes())
        .with_state(sandbox)
}

pub(crate) async fn tokio_sleep(d: Duration) {
    tokio::time::sleep(d).await
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

pub(crate) fn tashkent_now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc() + chrono::Duration::hours(5)
}

pub(crate) fn done_or_return(return_url: Option<&str>, title: &str, text: &str) -> Response {
    match return_url {
        Some(url) => Redirect::to(url).into_response(),
        None => pages::message(StatusCode::OK, title, text, None),
    }
}

#[derive(Deserialize)]
pub(crate) struct Day {
    pub date: chrono::NaiveDate,
}

pub(crate) fn csv_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response()
}
