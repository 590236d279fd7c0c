//! The payments benchmark: `cargo run --release -p yagona-bench --bin payments-bench`.
//!
//! Settles fees as the providers would, through Yagona's real merchant router in process
//! (tower's `oneshot`: the HTTP request is built, routed, parsed and answered as over the
//! network, without the socket): for each Payme invoice a `CreateTransaction` and a
//! `PerformTransaction` (JSON-RPC with Basic authorization), for each Click invoice a Prepare
//! and a Complete (form-encoded, MD5-signed), half the invoices each, with `BENCH_CONCURRENCY`
//! providers' calls at once (default 32), after a warm-up. Two runs per database, each on a
//! database of its own:
//!
//! - **payments only**: `BENCH_INVOICES` invoices (default 4,000) issued straight with
//!   `PaymentStore`, settled with a settlement that only counts — the merchant endpoints and
//!   the payments ledger alone;
//! - **with the platform's settlement**: the database set up as a node's (migrations, the
//!   demo registry, the demo people), `BENCH_APPLICATIONS` applications (default 2,000) for the
//!   paid `civil-certificate-duplicate` (82,400 soʻm) filed and submitted by a demo citizen
//!   through `Applications::file` (each submission issues its invoice), then paid with the
//!   node's `FeeSettlement`: in each provider's transaction, the application's history line and
//!   the BPMN message `fee-paid`, which moves the process on to the Civil Registry's review.
//!   The setup is timed and printed, not measured.
//!
//! Every answer is checked, and afterwards that the database holds exactly as many paid
//! invoices as were answered paid, each settled once; with the platform's settlement also that
//! each paid application has one "fee paid" history line and its process waits at the review.
//!
//! On SQLite in a temporary folder, then on PostgreSQL when `BENCH_POSTGRES`,
//! `YAGONA_BENCH_POSTGRES` or `YAGONA_TEST_POSTGRES` names one (a fresh schema per run, dropped
//! after). Prints provider callbacks settled per second (each call one database transaction),
//! invoices paid per second and the calls' p50 and p99 latency. Target on 2 cores: ≥ 1,000
//! callbacks/s on SQLite.

/// The allocator the `yagona` binary uses, so that the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use base64::Engine;
use futures::future::BoxFuture;
use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tower::ServiceExt;
use yagona_applications::fees::FeeSettlement;
use yagona_applications::{Actor, Applications, Filing};
use yagona_core::Pinfl;
use yagona_db::Db;
use yagona_payments::click::{Click, ClickConfig};
use yagona_payments::payme::{Payme, PaymeConfig};
use yagona_payments::{
    Invoice, Merchant, NewInvoice, NoSettlement, PaymentError, PaymentStore, Settlement, Tiyin, Tx,
};
use yagona_registry::CatalogueCache;

const TARGET: f64 = 1000.0;
const PAYME_MERCHANT: &str = "5e730e8e0b852a417aa49ceb";
const PAYME_KEY: &str = "bench-key-0123456789abcdef0123456789";
const CLICK_SERVICE: &str = "85335";
const CLICK_SECRET: &str = "bench-secret";
/// The demo citizen who applies, and the paid service she applies for.
const CITIZEN: &str = "31505901234567";
const SERVICE: &str = "civil-certificate-duplicate";
/// The step a paid application's process moves on to.
const REVIEW: &str = "Review by the Civil Registry";

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// What a run puts behind the merchant endpoints.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Invoices issued straight with `PaymentStore`, a settlement that only counts.
    PaymentsOnly,
    /// A node's database, submitted applications' invoices, the node's `FeeSettlement`.
    Platform,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::PaymentsOnly => "payments only",
            Kind::Platform => "with the platform's settlement",
        }
    }

    fn schema(self) -> &'static str {
        match self {
            Kind::PaymentsOnly => "payments_bench",
            Kind::Platform => "payments_bench_platform",
        }
    }
}

/// A settlement, counted: how many invoices it settled (the delegate's work done, before the
/// transaction commits).
struct Counting<S> {
    paid: AtomicU64,
    inner: S,
}

impl<S> Counting<S> {
    fn new(inner: S) -> Counting<S> {
        Counting {
            paid: AtomicU64::new(0),
            inner,
        }
    }
}

impl<S: Settlement> Settlement for Counting<S> {
    fn paid<'a>(
        &'a self,
        tx: &'a mut Tx,
        invoice: &'a Invoice,
    ) -> BoxFuture<'a, Result<(), PaymentError>> {
        Box::pin(async move {
            self.inner.paid(tx, invoice).await?;
            self.paid.fetch_add(1, Ordering::Relaxed);
            Ok(())
        })
    }
    fn refunded<'a>(
        &'a self,
        tx: &'a mut Tx,
        invoice: &'a Invoice,
    ) -> BoxFuture<'a, Result<(), PaymentError>> {
        self.inner.refunded(tx, invoice)
    }
    fn may_refund<'a>(
        &'a self,
        tx: &'a mut Tx,
        invoice: &'a Invoice,
    ) -> BoxFuture<'a, Result<bool, PaymentError>> {
        self.inner.may_refund(tx, invoice)
    }
}

/// An invoice to pay: its number and amount in tiyin.
type Payable = (String, i64);

/// A run's database set up: the invoices to pay (the warm-up's first), the merchant's
/// settlement counter, and the merchant (with that settlement) on the database.
struct Prepared {
    payables: Vec<Payable>,
    settled: Arc<dyn Fn() -> u64 + Send + Sync>,
    merchant: Merchant,
}

struct Figures {
    database: &'static str,
    kind: Kind,
    callbacks: u64,
    invoices: u64,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
    failures: u64,
    stored_paid: i64,
    settled: u64,
    /// With the platform's settlement: the paid applications whose process waits at the
    /// review, and the "fee paid" history lines (and the applications they are of).
    moved_on: Option<i64>,
    history: Option<(i64, i64)>,
}

impl Figures {
    fn consistent(&self) -> bool {
        let paid = self.invoices as i64;
        self.stored_paid == paid
            && self.settled == self.invoices
            && self.moved_on.is_none_or(|m| m == paid)
            && self
                .history
                .is_none_or(|(lines, apps)| lines == paid && apps == paid)
    }
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
    (number, tiyin): &Payable,
    latencies: &mut Vec<Duration>,
) -> anyhow::Result<()> {
    let number = number.as_str();
    if n.is_multiple_of(2) {
        let id = format!("{:024x}", n as u128 * 2_654_435_761 + 1);
        let started = Instant::now();
        let created = call(
            router,
            payme_request(
                auth,
                "CreateTransaction",
                json!({ "id": id, "time": chrono::Utc::now().timestamp_millis(), "amount": tiyin, "account": { "invoice": number } }),
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
        let amount = format!("{}.{:02}", tiyin / 100, tiyin % 100);
        let amount = amount.as_str();
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

fn router(merchant: Merchant) -> Router {
    let mut click = ClickConfig::new(CLICK_SERVICE, "11811", "20322", CLICK_SECRET);
    click.prepare_minutes = 60;
    yagona_api::payments::routes(
        Some(Arc::new(Payme::new(
            merchant.clone(),
            PaymeConfig::new(PAYME_MERCHANT, PAYME_KEY),
        ))),
        Some(Arc::new(Click::new(merchant, click))),
    )
}

/// Payments only: the payments tables, invoices issued straight, a settlement that counts.
async fn payments_only(db: &Db, count: usize) -> anyhow::Result<Prepared> {
    PaymentStore::migrate(db).await?;
    let store = PaymentStore::new(db);
    let mut payables = Vec::with_capacity(count);
    for i in 0..count {
        let invoice = store
            .create_invoice(&NewInvoice {
                application: format!("YG-BNCH-{i:06}"),
                service: "birth-certificate-duplicate".into(),
                payer: Pinfl::parse(CITIZEN)?,
                amount: Tiyin::from_som(82_400)?,
                expires_at: None,
            })
            .await?;
        payables.push((invoice.number.to_string(), invoice.amount.as_i64()));
    }
    println!("  {count} invoices issued");
    let settlement = Arc::new(Counting::new(NoSettlement));
    let counter = settlement.clone();
    Ok(Prepared {
        payables,
        settled: Arc::new(move || counter.paid.load(Ordering::Relaxed)),
        merchant: Merchant::new(db.clone(), settlement),
    })
}

/// With the platform's settlement: a node's database, `count` applications filed and submitted
/// (`concurrency` at once) with their invoices, and the node's `FeeSettlement`.
async fn platform(db: &Db, count: usize, concurrency: usize) -> anyhow::Result<Prepared> {
    let started = Instant::now();
    let registry = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../registry");
    yagona::migrate(db).await?;
    yagona::import_registry(db, &registry).await?;
    yagona::seed_demo_people(db).await?;
    println!(
        "  migrated, demo registry imported, demo people seeded in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let catalogue = CatalogueCache::new(db).await?;
    let applications = Arc::new(Applications::new(db.clone(), catalogue.clone(), None));
    let actor = Arc::new(Actor::Applicant {
        pinfl: Pinfl::parse(CITIZEN)?,
        name: "Dilnoza Karimova".into(),
    });
    let answers = match json!({
        "certificate_type": "birth",
        "reason": "lost",
        "subject_pinfl": CITIZEN,
        "registration_year": 1990,
        "registry_region": "tashkent-city",
        "delivery": "electronic",
    }) {
        Value::Object(m) => m,
        _ => unreachable!("an object"),
    };
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let filers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (applications, actor, answers, next) = (
                applications.clone(),
                actor.clone(),
                answers.clone(),
                next.clone(),
            );
            tokio::spawn(async move {
                let mut mine = Vec::new();
                while next.fetch_add(1, Ordering::Relaxed) < count {
                    let app = applications
                        .file(
                            &actor,
                            SERVICE,
                            Filing {
                                answers: Map::clone(&answers),
                                ..Filing::default()
                            },
                        )
                        .await?;
                    let invoice = applications.invoice(&app).await?.ok_or_else(|| {
                        anyhow::anyhow!("{} was submitted without an invoice", app.reference)
                    })?;
                    mine.push((invoice.number.to_string(), invoice.amount.as_i64()));
                }
                Ok::<_, anyhow::Error>(mine)
            })
        })
        .collect();
    let mut payables = Vec::with_capacity(count);
    for f in filers {
        payables.extend(f.await??);
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "  {} applications filed and submitted, each with its invoice ({} soʻm), in {seconds:.1} s ({:.0}/s, {concurrency} at once)",
        payables.len(),
        payables.first().map_or(0, |(_, t)| t / 100),
        payables.len() as f64 / seconds
    );
    // What each payment's `fee-paid` is correlated among (the fewer as the run goes on).
    let waiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM process_waits WHERE kind = 'message' AND message_name = $1",
    )
    .bind(yagona_applications::fees::FEE_PAID_MESSAGE)
    .fetch_one(&db.pool)
    .await?;
    println!("  {waiting} processes wait for `fee-paid`");
    let settlement = Arc::new(Counting::new(FeeSettlement::new(db.clone(), catalogue)));
    let counter = settlement.clone();
    Ok(Prepared {
        payables,
        settled: Arc::new(move || counter.paid.load(Ordering::Relaxed)),
        merchant: Merchant::new(db.clone(), settlement),
    })
}

async fn run(database: &'static str, kind: Kind, db: Db) -> anyhow::Result<Figures> {
    let invoices = match kind {
        Kind::PaymentsOnly => env_num("BENCH_INVOICES", 4_000),
        Kind::Platform => env_num("BENCH_APPLICATIONS", 2_000),
    };
    let concurrency = env_num("BENCH_CONCURRENCY", 32);
    let warm_up = (invoices / 20).max(concurrency);
    println!(
        "\n== {database}, {}: {invoices} invoices (and {warm_up} to warm up), {concurrency} calls at once ==",
        kind.label()
    );
    let started = Instant::now();
    let prepared = match kind {
        Kind::PaymentsOnly => payments_only(&db, invoices + warm_up).await?,
        Kind::Platform => platform(&db, invoices + warm_up, concurrency).await?,
    };
    println!(
        "  set up in {:.1} s (not measured)",
        started.elapsed().as_secs_f64()
    );
    let router = router(prepared.merchant);
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("Paycom:{PAYME_KEY}"))
    );
    let payables = Arc::new(prepared.payables);

    let drive = |from: usize, to: usize| {
        let next = Arc::new(AtomicUsize::new(from));
        let failures = Arc::new(AtomicU64::new(0));
        let latencies = Arc::new(Mutex::new(Vec::new()));
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                let (router, auth, payables) = (router.clone(), auth.clone(), payables.clone());
                let (next, failures, latencies) =
                    (next.clone(), failures.clone(), latencies.clone());
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        if n >= to {
                            break;
                        }
                        if let Err(e) = pay(&router, &auth, n, &payables[n], &mut mine).await {
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
    let (warm_up_failures, _) = drive(0, warm_up).await?;
    anyhow::ensure!(
        warm_up_failures == 0,
        "{warm_up_failures} payments of the warm-up failed"
    );
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
    let (moved_on, history) = match kind {
        Kind::PaymentsOnly => (None, None),
        Kind::Platform => {
            let moved_on: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM applications WHERE service_code = $1 AND status = 'submitted' AND current_step LIKE $2",
            )
            .bind(SERVICE)
            .bind(format!("%{REVIEW}%"))
            .fetch_one(&db.pool)
            .await?;
            let (lines, apps): (i64, i64) = sqlx::query_as(
                "SELECT COUNT(*), COUNT(DISTINCT application_id) FROM application_events WHERE action = 'pay-fee'",
            )
            .fetch_one(&db.pool)
            .await?;
            let w = warm_up as i64;
            (Some(moved_on - w), Some((lines - w, apps - w)))
        }
    };
    Ok(Figures {
        database,
        kind,
        callbacks: latencies.len() as u64,
        invoices: invoices as u64 - failures,
        seconds,
        p50_ms: at(0.5),
        p99_ms: at(0.99),
        failures,
        stored_paid: stored_paid - warm_up as i64,
        settled: (prepared.settled)() - warm_up as u64,
        moved_on,
        history,
    })
}

/// A run on SQLite in a temporary folder of its own.
async fn on_sqlite(kind: Kind) -> anyhow::Result<Figures> {
    let dir = tempfile::tempdir()?;
    let db = Db::connect(&Db::sqlite_url_in(dir.path())).await?;
    let outcome = run("SQLite", kind, db.clone()).await;
    db.pool.close().await;
    db.writer.close().await;
    outcome
}

/// A run on PostgreSQL in a fresh schema, dropped after.
async fn on_postgres(server: &str, kind: Kind) -> anyhow::Result<Figures> {
    let (db, _schema) = yagona_db::testing::Schema::create_on(server, kind.schema()).await?;
    let outcome = run("PostgreSQL", kind, db.clone()).await;
    db.pool.close().await;
    db.writer.close().await;
    outcome
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    println!(
        "Yagona payments benchmark: provider callbacks settled per second ({} logical CPUs)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let kinds = [Kind::PaymentsOnly, Kind::Platform];
    let mut figures = Vec::new();
    for kind in kinds {
        figures.push(on_sqlite(kind).await?);
    }
    let pg = [
        "BENCH_POSTGRES",
        "YAGONA_BENCH_POSTGRES",
        "YAGONA_TEST_POSTGRES",
    ]
    .iter()
    .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()));
    match pg {
        Some(url) => {
            for kind in kinds {
                figures.push(on_postgres(&url, kind).await?);
            }
        }
        None => println!("\n(PostgreSQL skipped: set BENCH_POSTGRES=postgres://… to include it)"),
    }

    println!(
        "\n{:<11} {:<31} {:>12} {:>11} {:>9} {:>9} {:>9}",
        "database", "run", "callbacks/s", "invoices/s", "p50 ms", "p99 ms", "failures"
    );
    let mut ok = true;
    for f in &figures {
        println!(
            "{:<11} {:<31} {:>12.0} {:>11.0} {:>9.2} {:>9.2} {:>9}",
            f.database,
            f.kind.label(),
            f.callbacks as f64 / f.seconds,
            f.invoices as f64 / f.seconds,
            f.p50_ms,
            f.p99_ms,
            f.failures
        );
        ok &= f.failures == 0 && f.consistent();
    }
    println!();
    for f in &figures {
        let what = format!("{}, {}", f.database, f.kind.label());
        if let (Some(moved_on), Some((lines, apps))) = (f.moved_on, f.history) {
            println!(
                "{what}: {moved_on} of {} paid applications moved on to “{REVIEW}”; {lines} “fee paid” history lines, of {apps} applications",
                f.invoices
            );
        }
        if !f.consistent() {
            println!(
                "MISMATCH {what}: {} answered paid, {} stored paid, {} settled",
                f.invoices, f.stored_paid, f.settled
            );
        }
    }
    for f in figures.iter().filter(|f| f.database == "SQLite") {
        let rate = f.callbacks as f64 / f.seconds;
        println!(
            "target ≥ 1000 callbacks/s on SQLite, {}: {} ({rate:.0}/s)",
            f.kind.label(),
            if rate >= TARGET { "met" } else { "NOT met" }
        );
    }
    anyhow::ensure!(
        ok,
        "some payments failed, or the database disagrees with the answers, or a paid application's process did not move on"
    );
    Ok(())
}
