//! The appeals benchmark: `cargo run --release -p yagona-bench --bin appeals-bench`.
//!
//! Starts a real node in process on a random port (migrations, the demo registry with its
//! contact topics, the demo people), on SQLite in a temporary folder, then on PostgreSQL when
//! `BENCH_POSTGRES`, `YAGONA_BENCH_POSTGRES` or `YAGONA_TEST_POSTGRES` names one (a fresh schema,
//! dropped after). On each it files appeals over HTTP (reqwest, keep-alive) with
//! `BENCH_CONCURRENCY` concurrent clients (default 32) for `BENCH_SECONDS` (default 10), after a
//! one-second warm-up, through two channels:
//!
//! 1. Open311: `POST /open311/v2/requests.json`, form-encoded, with a real API key, the service
//!    code drawn from the registry's services and the contact topics, description, kind and
//!    phone varying; each answer must be 201.
//! 2. The portal form: each virtual citizen opens `GET /appeals/new` once (session cookie and
//!    CSRF token) and then posts `POST /appeals` again and again with a fresh `submission` id;
//!    each answer must be 200 with a tracking number.
//!
//! Then it checks that the database holds exactly as many appeals of the channel as were
//! answered as filed, and prints appeals/s, p50 and p99 latency and failures per database and
//! channel. Target on 2 cores: ≥ 1,000 appeals/s on SQLite.
//!
//! The load generator runs in the same process as the node: its cost (building and parsing the
//! HTTP requests and answers) is counted against the same two cores.

/// The allocator the `yagona` binary uses, so that the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use rand::seq::SliceRandom;
use rand::Rng;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use yagona::node::{Node, NodeConfig};
use yagona_contact::topics::TopicStore;
use yagona_contact::AppealStore;
use yagona_db::Db;

/// Whether a failure has been shown already.
static REPORTED: AtomicBool = AtomicBool::new(false);
const WARM_UP: Duration = Duration::from_secs(1);
const TARGET: f64 = 1000.0;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// One line of the table.
struct Figures {
    database: &'static str,
    channel: &'static str,
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    failures: u64,
    filed: u64,
    stored: i64,
}

/// What the load can file: the registry's service codes and the contact topics' codes.
#[derive(Clone)]
struct Codes {
    services: Arc<Vec<String>>,
    topics: Arc<Vec<String>>,
}

impl Codes {
    /// A service (three times in four) or a topic.
    fn pick(&self, rng: &mut impl Rng) -> (Option<&str>, Option<&str>) {
        if self.topics.is_empty() || rng.gen_range(0..4) != 0 {
            (self.services.choose(rng).map(String::as_str), None)
        } else {
            (None, self.topics.choose(rng).map(String::as_str))
        }
    }
}

const KINDS: &[&str] = &["inquiry", "complaint", "proposal"];
const SUBJECTS: &[&str] = &[
    "The certificate is late",
    "Ariza holati haqida",
    "Вопрос о сроках",
    "A proposal to extend opening hours",
    "Murojaatimga javob berilmadi",
];
const BODIES: &[&str] = &[
    "I applied ten days ago and the document is still not ready. Please tell me when it will be.",
    "Men oʻn kun oldin ariza berdim, hujjat hali ham tayyor emas. Qachon tayyor boʻlishini bilmoqchiman.",
    "Подал заявление две недели назад, ответа до сих пор нет. Прошу сообщить, на каком этапе рассмотрение.",
    "The centre on Amir Temur street could open on Saturdays: many people work on weekdays.",
    "Portalga kirishda OneID xato beradi, bir necha marta urinib koʻrdim.",
];
const NAMES: &[(&str, &str)] = &[
    ("Aziz", "Karimov"),
    ("Dilnoza", "Karimova"),
    ("Лола", "Юсупова"),
    ("Temur", "Rashidov"),
    ("Malika", "Nazarova"),
];

fn phone(rng: &mut impl Rng) -> String {
    let operator = ["90", "91", "93", "94", "97", "99"].choose(rng).unwrap();
    format!("+998{operator}{:07}", rng.gen_range(0..10_000_000u32))
}

/// A random UUID (version 4), as the form's `submission` field carries.
fn uuid(rng: &mut impl Rng) -> String {
    let mut b: [u8; 16] = rng.gen();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn between<'a>(text: &'a str, marker: &str, len: usize) -> Option<&'a str> {
    let start = text.find(marker)? + marker.len();
    text.get(start..start + len)
}

fn attribute<'a>(text: &'a str, marker: &str) -> Option<&'a str> {
    let start = text.find(marker)? + marker.len();
    let end = text[start..].find('"')? + start;
    Some(&text[start..end])
}

/// One virtual citizen on the portal: a session and its CSRF token.
struct Citizen {
    cookie: String,
    csrf: String,
}

async fn open_session(http: &reqwest::Client, base: &str) -> anyhow::Result<Citizen> {
    let resp = http.get(format!("{base}/appeals/new")).send().await?;
    anyhow::ensure!(
        resp.status() == reqwest::StatusCode::OK,
        "GET /appeals/new: {}",
        resp.status()
    );
    let cookie = resp
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with("yagona_sid="))
        .ok_or_else(|| anyhow::anyhow!("GET /appeals/new set no session cookie"))?
        .to_owned();
    let body = resp.text().await?;
    let csrf = attribute(&body, "name=\"csrf_token\" value=\"")
        .ok_or_else(|| anyhow::anyhow!("GET /appeals/new: no CSRF token in the page"))?
        .to_owned();
    anyhow::ensure!(
        body.contains("name=\"submission\""),
        "GET /appeals/new: no submission field in the page"
    );
    Ok(Citizen { cookie, csrf })
}

/// Why a filing failed: the answer's status and the start of its body.
fn refused(status: reqwest::StatusCode, body: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "answered {status}: {}",
        body.chars().take(300).collect::<String>()
    )
}

/// One filing through Open311: Ok when answered 201 with the request's number.
async fn open311_once(
    http: &reqwest::Client,
    base: &str,
    key: &str,
    codes: &Codes,
) -> anyhow::Result<()> {
    let fields = {
        let mut rng = rand::thread_rng();
        let (service, topic) = codes.pick(&mut rng);
        let (first, last) = NAMES.choose(&mut rng).unwrap();
        vec![
            ("api_key", key.to_owned()),
            (
                "service_code",
                service.or(topic).unwrap_or_default().to_owned(),
            ),
            (
                "description",
                format!(
                    "{} (#{})",
                    BODIES.choose(&mut rng).unwrap(),
                    rng.gen::<u32>()
                ),
            ),
            (
                "attribute[kind]",
                KINDS.choose(&mut rng).unwrap().to_string(),
            ),
            (
                "attribute[subject]",
                SUBJECTS.choose(&mut rng).unwrap().to_string(),
            ),
            ("first_name", first.to_string()),
            ("last_name", last.to_string()),
            ("phone", phone(&mut rng)),
        ]
    };
    let resp = http
        .post(format!("{base}/open311/v2/requests.json"))
        .form(&fields)
        .send()
        .await?;
    let status = resp.status();
    let body = resp.text().await?;
    if status == reqwest::StatusCode::CREATED && body.contains("\"service_request_id\":\"MR-") {
        Ok(())
    } else {
        Err(refused(status, &body))
    }
}

/// One filing through the portal form: Ok when answered 200 with a tracking number.
async fn portal_once(
    http: &reqwest::Client,
    base: &str,
    citizen: &Citizen,
    codes: &Codes,
) -> anyhow::Result<()> {
    let fields = {
        let mut rng = rand::thread_rng();
        let (service, topic) = codes.pick(&mut rng);
        let (first, last) = NAMES.choose(&mut rng).unwrap();
        vec![
            ("kind", KINDS.choose(&mut rng).unwrap().to_string()),
            ("service", service.unwrap_or_default().to_owned()),
            ("topic", topic.unwrap_or_default().to_owned()),
            ("subject", SUBJECTS.choose(&mut rng).unwrap().to_string()),
            (
                "body",
                format!(
                    "{} (#{})",
                    BODIES.choose(&mut rng).unwrap(),
                    rng.gen::<u32>()
                ),
            ),
            ("name", format!("{first} {last}")),
            ("phone", phone(&mut rng)),
            ("csrf_token", citizen.csrf.clone()),
            ("submission", uuid(&mut rng)),
        ]
    };
    let resp = http
        .post(format!("{base}/appeals"))
        .header(reqwest::header::COOKIE, &citizen.cookie)
        .form(&fields)
        .send()
        .await?;
    let status = resp.status();
    let body = resp.text().await?;
    if status == reqwest::StatusCode::OK && between(&body, "id=\"tracking\">", 3) == Some("MR-") {
        Ok(())
    } else {
        Err(refused(status, &body))
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Load {
    Open311,
    Portal,
}

impl Load {
    fn channel(self) -> &'static str {
        match self {
            Load::Open311 => "open311",
            Load::Portal => "portal",
        }
    }
}

struct Outcome {
    ok: u64,
    failures: u64,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

/// Every client files until `length` is over; requests under way then are finished and count.
async fn drive(
    load: Load,
    http: &reqwest::Client,
    base: &str,
    key: &str,
    codes: &Codes,
    citizens: &[Arc<Citizen>],
    length: Duration,
) -> Outcome {
    let started = Instant::now();
    let until = started + length;
    let mut tasks = Vec::with_capacity(citizens.len());
    for citizen in citizens {
        let (http, base, key, codes, citizen) = (
            http.clone(),
            base.to_owned(),
            key.to_owned(),
            codes.clone(),
            citizen.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut failures, mut latencies) = (0u64, 0u64, Vec::new());
            while Instant::now() < until {
                let t = Instant::now();
                let done = match load {
                    Load::Open311 => open311_once(&http, &base, &key, &codes).await,
                    Load::Portal => portal_once(&http, &base, &citizen, &codes).await,
                };
                match done {
                    Ok(()) => {
                        ok += 1;
                        latencies.push(t.elapsed());
                    }
                    Err(e) => {
                        failures += 1;
                        // The first failure of a run is shown; the rest are counted.
                        if !REPORTED.swap(true, Ordering::Relaxed) {
                            eprintln!("  {}: a filing failed: {e}", load.channel());
                        }
                    }
                }
            }
            (ok, failures, latencies)
        }));
    }
    let mut out = Outcome {
        ok: 0,
        failures: 0,
        latencies: Vec::new(),
        elapsed: Duration::ZERO,
    };
    for t in tasks {
        let (ok, failures, latencies) = t.await.expect("a load task");
        out.ok += ok;
        out.failures += failures;
        out.latencies.extend(latencies);
    }
    out.elapsed = started.elapsed();
    out.latencies.sort();
    out
}

fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

async fn count(db: &Db, channel: &str) -> anyhow::Result<i64> {
    Ok(
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM appeals WHERE channel = $1")
            .bind(channel)
            .fetch_one(&db.pool)
            .await?,
    )
}

async fn run(database: &'static str, db: Db) -> anyhow::Result<Vec<Figures>> {
    let seconds = env_num("BENCH_SECONDS", 10);
    let concurrency = env_num("BENCH_CONCURRENCY", 32) as usize;
    println!("\n== {database} ==");
    let registry = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../registry");
    yagona::migrate(&db).await?;
    yagona::import_registry(&db, &registry).await?;
    yagona::seed_demo_people(&db).await?;
    let (_, key) = AppealStore { db: &db }
        .create_client("Appeals benchmark")
        .await?;
    let node = Node::new(db.clone(), NodeConfig::default()).await?;
    let codes = Codes {
        services: Arc::new(
            node.catalogue
                .get()
                .await
                .services()
                .iter()
                .map(|s| s.passport.code.as_str().to_owned())
                .collect(),
        ),
        topics: Arc::new(
            TopicStore { db: &db }
                .load()
                .await?
                .topics
                .iter()
                .map(|t| t.code.as_str().to_owned())
                .collect(),
        ),
    };
    println!(
        "node ready: {} services and {} contact topics to file about; {concurrency} clients, {seconds} s each (after {} s of warm-up)",
        codes.services.len(),
        codes.topics.len(),
        WARM_UP.as_secs()
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(yagona::server::serve(node, listener));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .build()?;

    let mut figures = Vec::new();
    for load in [Load::Open311, Load::Portal] {
        let citizens: Vec<Arc<Citizen>> = match load {
            // Open311 clients need no session; one placeholder each keeps `drive` uniform.
            Load::Open311 => (0..concurrency)
                .map(|_| {
                    Arc::new(Citizen {
                        cookie: String::new(),
                        csrf: String::new(),
                    })
                })
                .collect(),
            Load::Portal => {
                let mut v = Vec::with_capacity(concurrency);
                for _ in 0..concurrency {
                    v.push(Arc::new(open_session(&http, &base).await?));
                }
                v
            }
        };
        let before = count(&db, load.channel()).await?;
        let warm = drive(load, &http, &base, &key, &codes, &citizens, WARM_UP).await;
        let measured = drive(
            load,
            &http,
            &base,
            &key,
            &codes,
            &citizens,
            Duration::from_secs(seconds),
        )
        .await;
        let stored = count(&db, load.channel()).await? - before;
        let filed = warm.ok + measured.ok;
        let f = Figures {
            database,
            channel: match load {
                Load::Open311 => "Open311 POST requests.json",
                Load::Portal => "portal form POST /appeals",
            },
            rate: measured.ok as f64 / measured.elapsed.as_secs_f64(),
            p50_ms: percentile_ms(&measured.latencies, 0.5),
            p99_ms: percentile_ms(&measured.latencies, 0.99),
            failures: warm.failures + measured.failures,
            filed,
            stored,
        };
        println!(
            "{:<28} {:>7.0}/s  p50 {:>6.2} ms  p99 {:>6.2} ms  failures {}  (stored {} = filed {}: {})",
            f.channel,
            f.rate,
            f.p50_ms,
            f.p99_ms,
            f.failures,
            f.stored,
            f.filed,
            if f.stored == f.filed as i64 { "ok" } else { "MISMATCH" }
        );
        figures.push(f);
    }
    server.abort();
    Ok(figures)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    println!(
        "Yagona appeals benchmark: appeals filed per second over HTTP ({} logical CPUs)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let mut figures = Vec::new();
    let dir = tempfile::tempdir()?;
    figures.extend(run("SQLite", Db::connect(&Db::sqlite_url_in(dir.path())).await?).await?);

    let pg = [
        "BENCH_POSTGRES",
        "YAGONA_BENCH_POSTGRES",
        "YAGONA_TEST_POSTGRES",
    ]
    .iter()
    .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()));
    match pg {
        Some(url) => {
            // Dropped (with any connection a failure left open) when this arm ends.
            let (db, _schema) =
                yagona_db::testing::Schema::create_on(&url, "appeals_bench").await?;
            let outcome = run("PostgreSQL", db.clone()).await;
            db.pool.close().await;
            figures.extend(outcome?);
        }
        None => println!("\n(PostgreSQL skipped: set BENCH_POSTGRES=postgres://… to include it)"),
    }

    println!(
        "\n{:<11} {:<28} {:>11} {:>9} {:>9} {:>9}",
        "database", "channel", "appeals/s", "p50 ms", "p99 ms", "failures"
    );
    let mut ok = true;
    for f in &figures {
        println!(
            "{:<11} {:<28} {:>11.0} {:>9.2} {:>9.2} {:>9}",
            f.database, f.channel, f.rate, f.p50_ms, f.p99_ms, f.failures
        );
        ok &= f.failures == 0 && f.stored == f.filed as i64;
    }
    println!();
    for f in figures.iter().filter(|f| f.database == "SQLite") {
        println!(
            "target ≥ 1000/s on SQLite, {}: {} ({:.0}/s)",
            f.channel,
            if f.rate >= TARGET { "met" } else { "NOT met" },
            f.rate
        );
    }
    for f in figures.iter().filter(|f| f.stored != f.filed as i64) {
        println!(
            "MISMATCH {} {}: {} answered as filed, {} stored",
            f.database, f.channel, f.filed, f.stored
        );
    }
    anyhow::ensure!(
        ok,
        "some appeals failed or the database disagrees with the answers"
    );
    Ok(())
}
