//! The payments benchmark: `cargo run --release -p yagona-bench --bin payments-bench`.
//!
//! Settles fees as the providers would, through Yagona's real merchant router in process
//! (tower's `oneshot`: the HTTP request is built, routed, parsed and answered as over the
//! network, without the socket): for each Payme invoice a `CreateTransaction` and a
//! `PerformTransaction` (JSON-RPC with Basic authorization), for each Click invoice a Prepare
//! and a Complete (form-encoded, MD5-signed), half the invoices each, with `BENCH_CONCURRENCY`
//! providers' calls at once (default 32) over `BENCH_INVOICES` invoices (default 4,000),
//! after a warm-up. Every answer is checked, and afterwards that the database holds exactly as
//! many paid invoices as were answered paid, each settled once.
//!
//! On SQLite in a temporary folder, then on PostgreSQL when `BENCH_POSTGRES`,
//! `YAGONA_BENCH_POSTGRES` or `YAGONA_TEST_POSTGRES` names one (a fresh schema, dropped after).
//! Prints provider callbacks settled per second (each call one database transaction), invoices
//! paid per second and the calls' p50 and p99 latency. Target on 2 cores: ≥ 1,000 callbacks/s
//! on SQLite.

/// The allocator the `yagona` binary uses, so that the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use base64::Engine;
use futures::future::BoxFuture;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower::ServiceExt;
use yagona_core::Pinfl;
use yagona_db::Db;
use yagona_payments::click::{Click, ClickConfig};
use yagona_payments::payme::{Payme, PaymeConfig};
use yagona_payments::{
    Invoice, Merchant, NewInvoice, PaymentError, PaymentStore, Settlement, Tiyin, Tx,
};

const TARGET: f64 = 1000.0;
const PAYME_MERCHANT: &str = "5e730e8e0b852a417aa49ceb";
const PAYME_KEY: &str = "bench-key-0123456789abcdef0123456789";
const CLICK_SERVICE: &str = "85335";
const CLICK_SECRET: &str = "bench-secret";

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// The platform's part, counted: how many invoices it was told were paid.
#[derive(Default)]
struct Counted {
    paid: AtomicU64,
}

impl Settlement for Counted {
    fn paid<'a>(
        &'a self,
        _: &'a mut Tx,
        _: &'a Invoice,
    ) -> BoxFuture<'a, Result<(), PaymentError>> {
        self.paid.fetch_add(1, Ordering::Relaxed);
        Box::pin(async { Ok(()) })
    }
    fn refunded<'a>(
        &'a self,
        _: &'a mut Tx,
        _: &'a Invoice,
    ) -> BoxFuture<'a, Result<(), PaymentError>> {
        Box::pin(async { Ok(()) })
    }
}

struct Figures {
    database: &'static str,
    callbacks: u64,
    invoices: u64,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
    failures: u64,
    stored_paid: i64,
    settled: u64,
}

async fn call(router: &Router, request: Request<Body>) -> anyhow::Result<Value> {
    let response = router.clone().oneshot(request).await?;
    anyhow::ensure!(
        response.status() == StatusCode::OK,
        "HTTP {}",
        response.status()
    );
    let body = axum::body::to_bytes(response.into_body(), 1 << 20).await?;
    Ok(serde_json::from_slice(&body)?)
}

fn payme_request(auth: &str, method: &str, params: Value, id: u64) -> Request<Body> {
    Request::post(yagona_payments::payme::PATH)
        .header(header::AUTHORIZATION, auth)
        .header(header::CONTENT_TYPE, "application/json; charset=UTF-8")
        .body(Body::from(
            json!({ "method": method, "params": params, "id": id }).to_string(),
        ))
        .expect("a request")
}

fn click_request(path: &str, form: &[(&str, &str)]) -> Request<Body> {
    Request::post(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(
            serde_urlencoded::to_string(form).expect("a form"),
        ))
        .expect("a request")
}

/// One invoice paid as its provider pays it; the latency of each of its two calls.
async fn pay(
    router: &Router,
    auth: &str,
    n: usize,
    number: &str,
    latencies: &mut Vec<Duration>,
) -> anyhow::Result<()> {
    if n.is_multiple_of(2) {
        let id = format!("{:024x}", n as u128 * 2_654_435_761 + 1);
        let started = Instant::now();
        let created = call(
            router,
            payme_request(
                auth,
                "CreateTransaction",
                json!({ "id": id, "time": chrono::Utc::now().timestamp_millis(), "amount": 8_240_000, "account": { "invoice": number } }),
                n as u64,
            ),
        )
        .await?;
        latencies.push(started.elapsed());
        anyhow::ensure!(
            created["result"]["state"] == 1,
            "CreateTransaction: {created}"
        );
        let started = Instant::now();
        let performed = call(
            router,
            payme_request(auth, "PerformTransaction", json!({ "id": id }), n as u64),
        )
        .await?;
        latencies.push(started.elapsed());
        anyhow::ensure!(
            performed["result"]["state"] == 2,
            "PerformTransaction: {performed}"
        );
    } else {
        let click_trans_id = (2_000_000_000 + n).to_string();
        let paydoc = (1_000_000_000 + n).to_string();
        let sign_time = "2026-01-02 10:00:00";
        let amount = "82400.00";
        let sign = yagona_payments::click::sign_string(
            &click_trans_id,
            CLICK_SERVICE,
            CLICK_SECRET,
            number,
            None,
            amount,
            "0",
            sign_time,
        );
        let mut form = vec![
            ("click_trans_id", click_trans_id.as_str()),
            ("service_id", CLICK_SERVICE),
            ("click_paydoc_id", paydoc.as_str()),
            ("merchant_trans_id", number),
            ("amount", amount),
            ("action", "0"),
            ("error", "0"),
            ("error_note", "Success"),
            ("sign_time", sign_time),
            ("sign_string", sign.as_str()),
        ];
        let started = Instant::now();
        let prepared = call(
            router,
            click_request(yagona_payments::click::PREPARE_PATH, &form),
        )
        .await?;
        latencies.push(started.elapsed());
        anyhow::ensure!(prepared["error"] == 0, "Prepare: {prepared}");
        let prepare_id = prepared["merchant_prepare_id"].to_string();
        let sign = yagona_payments::click::sign_string(
            &click_trans_id,
            CLICK_SERVICE,
            CLICK_SECRET,
            number,
            Some(&prepare_id),
            amount,
            "1",
            sign_time,
        );
        form[5].1 = "1";
        form[9].1 = sign.as_str();
        form.insert(4, ("merchant_prepare_id", prepare_id.as_str()));
        let started = Instant::now();
        let completed = call(
            router,
            click_request(yagona_payments::click::COMPLETE_PATH, &form),
        )
        .await?;
        latencies.push(started.elapsed());
        anyhow::ensure!(completed["error"] == 0, "Complete: {completed}");
    }
    Ok(())
}

async fn run(database: &'static str, db: Db) -> anyhow::Result<Figures> {
    let invoices = env_num("BENCH_INVOICES", 4_000);
    let concurrency = env_num("BENCH_CONCURRENCY", 32);
    let warm_up = (invoices / 20).max(concurrency);
    println!("\n== {database}: {invoices} invoices (and {warm_up} to warm up), {concurrency} calls at once ==");
    PaymentStore::migrate(&db).await?;
    let settled = Arc::new(Counted::default());
    let merchant = Merchant::new(db.clone(), settled.clone());
    let mut click = ClickConfig::new(CLICK_SERVICE, "11811", "20322", CLICK_SECRET);
    click.prepare_minutes = 60;
    let router = yagona_api::payments::routes(
        Some(Arc::new(Payme::new(
            merchant.clone(),
            PaymeConfig::new(PAYME_MERCHANT, PAYME_KEY),
        ))),
        Some(Arc::new(Click::new(merchant, click))),
    );
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("Paycom:{PAYME_KEY}"))
    );

    let started = Instant::now();
    let store = PaymentStore::new(&db);
    let mut numbers = Vec::with_capacity(invoices + warm_up);
    for i in 0..invoices + warm_up {
        let invoice = store
            .create_invoice(&NewInvoice {
                application: format!("YG-BNCH-{i:06}"),
                service: "birth-certificate-duplicate".into(),
                payer: Pinfl::parse("31505901234567")?,
                amount: Tiyin::from_som(82_400)?,
                expires_at: None,
            })
            .await?;
        numbers.push(invoice.number.to_string());
    }
    println!(
        "  {} invoices issued in {:.1} s",
        numbers.len(),
        started.elapsed().as_secs_f64()
    );
    let numbers = Arc::new(numbers);

    let drive = |from: usize, to: usize| {
        let next = Arc::new(AtomicUsize::new(from));
        let failures = Arc::new(AtomicU64::new(0));
        let latencies = Arc::new(Mutex::new(Vec::new()));
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                let (router, auth, numbers) = (router.clone(), auth.clone(), numbers.clone());
                let (next, failures, latencies) =
                    (next.clone(), failures.clone(), latencies.clone());
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        if n >= to {
                            break;
                        }
                        if let Err(e) = pay(&router, &auth, n, &numbers[n], &mut mine).await {
                            if failures.fetch_add(1, Ordering::Relaxed) == 0 {
                                eprintln!("  a payment failed: {e}");
                            }
                        }
                    }
                    latencies.lock().expect("latencies").extend(mine);
                })
            })
            .collect();
        async move {
            for w in workers {
                w.await?;
            }
            let latencies = std::mem::take(&mut *latencies.lock().expect("latencies"));
            Ok::<_, anyhow::Error>((failures.load(Ordering::Relaxed), latencies))
        }
    };
    drive(0, warm_up).await?;
    let started = Instant::now();
    let (failures, mut latencies) = drive(warm_up, warm_up + invoices).await?;
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let stored_paid: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM payment_invoices WHERE status = 'paid'")
            .fetch_one(&db.pool)
            .await?;
    Ok(Figures {
        database,
        callbacks: latencies.len() as u64,
        invoices: invoices as u64 - failures,
        seconds,
        p50_ms: at(0.5),
        p99_ms: at(0.99),
        failures,
        stored_paid: stored_paid - warm_up as i64,
        settled: settled.paid.load(Ordering::Relaxed) - warm_up as u64,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    println!(
        "Yagona payments benchmark: provider callbacks settled per second ({} logical CPUs)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut figures = Vec::new();
    let dir = tempfile::tempdir()?;
    figures.push(run("SQLite", Db::connect(&Db::sqlite_url_in(dir.path())).await?).await?);
    let pg = [
        "BENCH_POSTGRES",
        "YAGONA_BENCH_POSTGRES",
        "YAGONA_TEST_POSTGRES",
    ]
    .iter()
    .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()));
    match pg {
        Some(url) => {
            let (db, _schema) =
                yagona_db::testing::Schema::create_on(&url, "payments_bench").await?;
            let outcome = run("PostgreSQL", db.clone()).await;
            db.pool.close().await;
            db.writer.close().await;
            figures.push(outcome?);
        }
        None => println!("\n(PostgreSQL skipped: set BENCH_POSTGRES=postgres://… to include it)"),
    }

    println!(
        "\n{:<11} {:>12} {:>11} {:>9} {:>9} {:>9}",
        "database", "callbacks/s", "invoices/s", "p50 ms", "p99 ms", "failures"
    );
    let mut ok = true;
    for f in &figures {
        println!(
            "{:<11} {:>12.0} {:>11.0} {:>9.2} {:>9.2} {:>9}",
            f.database,
            f.callbacks as f64 / f.seconds,
            f.invoices as f64 / f.seconds,
            f.p50_ms,
            f.p99_ms,
            f.failures
        );
        let consistent = f.stored_paid == f.invoices as i64 && f.settled == f.invoices;
        if !consistent {
            println!(
                "MISMATCH {}: {} answered paid, {} stored paid, {} settled",
                f.database, f.invoices, f.stored_paid, f.settled
            );
        }
        ok &= f.failures == 0 && consistent;
    }
    for f in figures.iter().filter(|f| f.database == "SQLite") {
        let rate = f.callbacks as f64 / f.seconds;
        println!(
            "\ntarget ≥ 1000 callbacks/s on SQLite: {} ({rate:.0}/s)",
            if rate >= TARGET { "met" } else { "NOT met" }
        );
    }
    anyhow::ensure!(
        ok,
        "some payments failed or the database disagrees with the answers"
    );
    Ok(())
}
