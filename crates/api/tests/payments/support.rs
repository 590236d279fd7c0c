//! A fresh payments database per test (SQLite in a temporary folder, or a schema of its own in
//! the PostgreSQL named by `YAGONA_TEST_POSTGRES`), the merchant endpoints on it, and callers
//! that speak to them as Payme and Click do.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use tower::ServiceExt;
use yagona_core::Pinfl;
use yagona_db::testing::Schema;
use yagona_db::Db;
use yagona_payments::click::{Click, ClickConfig};
use yagona_payments::payme::{Payme, PaymeConfig};
use yagona_payments::{
    Clock, Invoice, Merchant, NewInvoice, PaymentError, PaymentStore, Settlement, Tiyin, Tx,
};

pub const PAYME_MERCHANT: &str = "5e730e8e0b852a417aa49ceb";
pub const PAYME_KEY: &str = "Z6j8uzrQ#WfHP7bJ8d?YhgjcA1pF#u0rQZ3k";
pub const CLICK_SERVICE: &str = "85335";
pub const CLICK_MERCHANT: &str = "11811";
pub const CLICK_USER: &str = "20322";
pub const CLICK_SECRET: &str = "Zq2ur9Vb8kS";

pub struct Fresh {
    pub db: Db,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    _schema: Option<Schema>,
}

pub async fn sqlite() -> Fresh {
    let dir = tempfile::tempdir().unwrap();
    let url = Db::sqlite_url_in(dir.path());
    let db = Db::connect(&url).await.unwrap();
    PaymentStore::migrate(&db).await.unwrap();
    Fresh {
        db,
        url,
        _dir: Some(dir),
        _schema: None,
    }
}

pub async fn postgres() -> Option<Fresh> {
    let (db, schema) = Schema::create("pay").await?;
    PaymentStore::migrate(&db).await.unwrap();
    Some(Fresh {
        db,
        url: schema.url.clone(),
        _dir: None,
        _schema: Some(schema),
    })
}

/// Runs each named `async fn(Fresh)` on SQLite and on PostgreSQL.
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() { super::$name(crate::support::sqlite().await).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() { if let Some(f) = crate::support::postgres().await { super::$name(f).await } }
        }
    )*};
}

/// The platform's side of a payment, as a test sees it: which invoices it was told were paid
/// or refunded, with a switch to fail (as a node that dies before its commit), and a row of
/// its own written in the payment's transaction.
#[derive(Default)]
pub struct Ledger {
    pub paid: Mutex<Vec<String>>,
    pub refunded: Mutex<Vec<String>>,
    /// The next this many settlements fail.
    pub failures: AtomicU32,
}

impl Ledger {
    pub fn paid(&self) -> Vec<String> {
        self.paid.lock().unwrap().clone()
    }
    pub fn refunded(&self) -> Vec<String> {
        self.refunded.lock().unwrap().clone()
    }
    fn fail(&self) -> bool {
        self.failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

impl Settlement for Ledger {
    fn paid<'a>(
        &'a self,
        tx: &'a mut Tx,
        invoice: &'a Invoice,
    ) -> futures::future::BoxFuture<'a, Result<(), PaymentError>> {
        Box::pin(async move {
            if self.fail() {
                return Err(PaymentError::Settlement("the node went down".into()));
            }
            // The platform's own write, in the same transaction: it must see the invoice paid.
            let status: String =
                sqlx::query_scalar("SELECT status FROM payment_invoices WHERE number = $1")
                    .bind(invoice.number.as_str())
                    .fetch_one(&mut **tx)
                    .await?;
            assert_eq!(status, "paid");
            self.paid.lock().unwrap().push(invoice.number.to_string());
            Ok(())
        })
    }

    fn refunded<'a>(
        &'a self,
        _tx: &'a mut Tx,
        invoice: &'a Invoice,
    ) -> futures::future::BoxFuture<'a, Result<(), PaymentError>> {
        Box::pin(async move {
            if self.fail() {
                return Err(PaymentError::Settlement("the node went down".into()));
            }
            self.refunded
                .lock()
                .unwrap()
                .push(invoice.number.to_string());
            Ok(())
        })
    }
}

/// The merchant endpoints on a fresh database, with a clock the test can move.
pub struct Site {
    pub fresh: Fresh,
    pub ledger: Arc<Ledger>,
    pub payme: Arc<Payme>,
    pub click: Arc<Click>,
    pub router: Router,
    offset: Arc<Mutex<chrono::Duration>>,
}

pub fn payme_config() -> PaymeConfig {
    PaymeConfig::new(PAYME_MERCHANT, PAYME_KEY)
}

pub fn click_config() -> ClickConfig {
    ClickConfig::new(CLICK_SERVICE, CLICK_MERCHANT, CLICK_USER, CLICK_SECRET)
}

impl Site {
    pub fn new(fresh: Fresh) -> Site {
        Site::with(fresh, payme_config(), click_config())
    }

    pub fn with(fresh: Fresh, payme: PaymeConfig, click: ClickConfig) -> Site {
        let ledger = Arc::new(Ledger::default());
        let offset = Arc::new(Mutex::new(chrono::Duration::zero()));
        let moved = offset.clone();
        let clock = Clock::new(move || chrono::Utc::now() + *moved.lock().unwrap());
        let merchant = Merchant::new(fresh.db.clone(), ledger.clone()).with_clock(clock);
        let payme = Arc::new(Payme::new(merchant.clone(), payme));
        let click = Arc::new(Click::new(merchant, click));
        let router = yagona_api::payments::routes(Some(payme.clone()), Some(click.clone()));
        Site {
            fresh,
            ledger,
            payme,
            click,
            router,
            offset,
        }
    }

    pub fn db(&self) -> &Db {
        &self.fresh.db
    }

    pub fn store(&self) -> PaymentStore<'_> {
        PaymentStore::new(&self.fresh.db)
    }

    /// Moves the merchant's clock on.
    pub fn advance(&self, by: chrono::Duration) {
        *self.offset.lock().unwrap() += by;
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now() + *self.offset.lock().unwrap()
    }

    /// A fee of `som` soʻm for a new application.
    pub async fn invoice(&self, application: &str, som: i64) -> Invoice {
        self.store()
            .create_invoice(&NewInvoice {
                application: application.into(),
                service: "birth-certificate-duplicate".into(),
                payer: Pinfl::parse("31505901234567").unwrap(),
                amount: Tiyin::from_som(som).unwrap(),
                expires_at: None,
            })
            .await
            .unwrap()
    }

    pub async fn invoice_now(&self, number: &str) -> Invoice {
        self.store().invoice(number).await.unwrap().unwrap()
    }

    /// An HTTP call through the node's router, as the provider's request arrives.
    pub async fn send(&self, request: Request<Body>) -> (StatusCode, String) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    /// Payme's call with the given Authorization header and body; the answer must be HTTP 200
    /// JSON.
    pub async fn payme_raw(&self, authorization: Option<&str>, body: &str) -> Value {
        let mut request = Request::post(yagona_payments::payme::PATH)
            .header(header::CONTENT_TYPE, "application/json; charset=UTF-8");
        if let Some(a) = authorization {
            request = request.header(header::AUTHORIZATION, a);
        }
        let (status, text) = self
            .send(request.body(Body::from(body.to_owned())).unwrap())
            .await;
        assert_eq!(
            status,
            StatusCode::OK,
            "Payme's answers are always 200: {text}"
        );
        serde_json::from_str(&text).unwrap()
    }

    /// Payme's call, authorized with the cashbox's key.
    pub async fn payme(&self, method: &str, params: Value) -> Value {
        let body = json!({ "method": method, "params": params, "id": 7 }).to_string();
        let answer = self.payme_raw(Some(&payme_auth(PAYME_KEY)), &body).await;
        assert_eq!(answer["id"], json!(7), "the call's id comes back: {answer}");
        answer
    }

    /// Click's call, form-encoded, to Prepare or Complete.
    pub async fn click_raw(&self, path: &str, form: &[(String, String)]) -> Value {
        let body = serde_urlencoded::to_string(form).unwrap();
        let request = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let (status, text) = self.send(request).await;
        assert_eq!(status, StatusCode::OK, "Click's answers are 200: {text}");
        serde_json::from_str(&text).unwrap()
    }

    pub async fn prepare(&self, p: &ClickPayment) -> Value {
        self.click_raw(yagona_payments::click::PREPARE_PATH, &p.prepare_form())
            .await
    }

    pub async fn complete(&self, p: &ClickPayment, prepare_id: &str, error: i64) -> Value {
        self.click_raw(
            yagona_payments::click::COMPLETE_PATH,
            &p.complete_form(prepare_id, error),
        )
        .await
    }
}

pub fn payme_auth(key: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("Paycom:{key}"))
    )
}

/// A new Payme transaction id: 24 hexadecimal characters.
pub fn payme_id() -> String {
    (0..24)
        .map(|_| char::from_digit(rand_digit(), 16).unwrap())
        .collect()
}

fn rand_digit() -> u32 {
    use std::sync::atomic::AtomicU64;
    static SEED: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
    let x = SEED.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
    let mut z = x ^ (x >> 30);
    z = z.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    ((z ^ (z >> 27)) % 16) as u32
}

pub fn account(number: &str) -> Value {
    json!({ "invoice": number })
}

/// One Click payment attempt, signed as Click signs (computed here, apart from the crate).
#[derive(Clone)]
pub struct ClickPayment {
    pub click_trans_id: String,
    pub click_paydoc_id: String,
    pub service_id: String,
    pub merchant_trans_id: String,
    pub amount: String,
    pub sign_time: String,
    pub secret: String,
}

static NEXT_CLICK: AtomicU32 = AtomicU32::new(1);

impl ClickPayment {
    pub fn new(invoice: &str, amount: &str) -> ClickPayment {
        let n = NEXT_CLICK.fetch_add(1, Ordering::Relaxed);
        ClickPayment {
            click_trans_id: format!("{}", 2_154_447_000 + u64::from(n)),
            click_paydoc_id: format!("{}", 1_946_296_000 + u64::from(n)),
            service_id: CLICK_SERVICE.into(),
            merchant_trans_id: invoice.into(),
            amount: amount.into(),
            sign_time: "2026-01-02 10:00:00".into(),
            secret: CLICK_SECRET.into(),
        }
    }

    fn md5(parts: &[&str]) -> String {
        use md5::{Digest, Md5};
        let mut h = Md5::new();
        h.update(parts.concat().as_bytes());
        format!("{:x}", h.finalize())
    }

    pub fn prepare_form(&self) -> Vec<(String, String)> {
        let sign = Self::md5(&[
            &self.click_trans_id,
            &self.service_id,
            &self.secret,
            &self.merchant_trans_id,
            &self.amount,
            "0",
            &self.sign_time,
        ]);
        self.form("0", None, 0, &sign)
    }

    pub fn complete_form(&self, prepare_id: &str, error: i64) -> Vec<(String, String)> {
        let sign = Self::md5(&[
            &self.click_trans_id,
            &self.service_id,
            &self.secret,
            &self.merchant_trans_id,
            prepare_id,
            &self.amount,
            "1",
            &self.sign_time,
        ]);
        self.form("1", Some(prepare_id), error, &sign)
    }

    pub fn form(
        &self,
        action: &str,
        prepare_id: Option<&str>,
        error: i64,
        sign: &str,
    ) -> Vec<(String, String)> {
        let mut form = vec![
            ("click_trans_id".to_owned(), self.click_trans_id.clone()),
            ("service_id".to_owned(), self.service_id.clone()),
            ("click_paydoc_id".to_owned(), self.click_paydoc_id.clone()),
            (
                "merchant_trans_id".to_owned(),
                self.merchant_trans_id.clone(),
            ),
            ("amount".to_owned(), self.amount.clone()),
            ("action".to_owned(), action.to_owned()),
            ("error".to_owned(), error.to_string()),
            (
                "error_note".to_owned(),
                if error == 0 {
                    "Success"
                } else {
                    "Insufficient funds"
                }
                .to_owned(),
            ),
            ("sign_time".to_owned(), self.sign_time.clone()),
            ("sign_string".to_owned(), sign.to_owned()),
        ];
        if let Some(id) = prepare_id {
            form.insert(4, ("merchant_prepare_id".to_owned(), id.to_owned()));
        }
        form
    }
}

/// The id a Prepare answered, as Complete sends it back.
pub fn prepare_id(answer: &Value) -> String {
    answer["merchant_prepare_id"].to_string()
}
