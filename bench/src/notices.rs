//! The notices benchmark: `cargo run --release -p yagona-bench --bin notices-bench`.
//!
//! Queues `BENCH_NOTICES` notices (default 4,000) to people who hear by e-mail and SMS — each a
//! transaction of its own, as a change queues its notice — then drains them the way a node does
//! (`yagona_notices::dispatch::run_once`, rounds of claims with leases, 64 sends at once) to a
//! real SMTP server (aiosmtpd from PyPI with its sink handler, started here; `pip install
//! aiosmtpd`) and the SMS gateway's stand-in (Eskiz's API, served here over HTTP). Prints
//! notices queued per second and delivered per second, and checks that every notice was sent
//! once. On SQLite, then on PostgreSQL when `BENCH_POSTGRES`, `YAGONA_BENCH_POSTGRES` or
//! `YAGONA_TEST_POSTGRES` names one. Target on 2 cores: ≥ 1,000 notices/s on SQLite.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use serde_json::Map;
use std::sync::Arc;
use std::time::Instant;
use yagona_core::{Locale, Pinfl};
use yagona_db::Db;
use yagona_notices::dispatch::{run_once, Senders};
use yagona_notices::{Channel, Event, NewNotice, Notices, Recipient};

const TARGET: f64 = 1000.0;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

struct Kill(std::process::Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// aiosmtpd with its sink handler: a real SMTP server that accepts and drops every message.
fn smtp_sink() -> anyhow::Result<(Kill, u16)> {
    let port = free_port()?;
    let child = std::process::Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "aiosmtpd.handlers.Sink"])
        .spawn()
        .map_err(|e| anyhow::anyhow!("python3 -m aiosmtpd: {e} (pip install aiosmtpd)"))?;
    let guard = Kill(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok((guard, port));
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    anyhow::bail!("aiosmtpd did not start (pip install aiosmtpd)")
}

struct Figures {
    database: &'static str,
    notices: usize,
    queued_per_s: f64,
    delivered_per_s: f64,
    sent: usize,
}

async fn run(
    database: &'static str,
    db: Db,
    senders: &Senders,
    sandbox: &yagona_notice_sandbox::NoticeSandbox,
) -> anyhow::Result<Figures> {
    Notices::migrate(&db).await?;
    let people = env_num("BENCH_PEOPLE", 200);
    let per_person = env_num("BENCH_NOTICES", 4000) / 2 / people.max(1);
    let notices = Notices::new(&db);
    let i18n = yagona_i18n::I18n::new();
    // People with a confirmed e-mail and phone, as a citizen confirms them.
    for p in 0..people {
        let pinfl = Pinfl::parse(&format!("3{:013}", 1_000_000 + p))?;
        for (channel, address) in [
            (Channel::Email, format!("fuqaro{p}@example.uz")),
            (Channel::Sms, format!("+99890{:07}", 1_000_000 + p)),
        ] {
            let address = notices
                .add_address(&pinfl, channel, &address, Locale::Uz)
                .await?;
            let code = notices
                .of_subject("person", pinfl.as_str())
                .await?
                .into_iter()
                .rev()
                .find(|n| n.address == address)
                .and_then(|n| {
                    n.params
                        .get("code")
                        .and_then(|c| c.as_str().map(str::to_owned))
                })
                .ok_or_else(|| anyhow::anyhow!("no code"))?;
            anyhow::ensure!(notices.confirm(&pinfl, channel, &address, &code).await?);
        }
    }
    // The codes go first, outside the measure.
    // The node's clock at 11:00 tomorrow in Tashkent: every notice is due, and SMS are not in
    // their quiet hours.
    let day = chrono::Utc::now()
        .date_naive()
        .succ_opt()
        .unwrap_or_default()
        .and_hms_opt(6, 0, 0)
        .unwrap()
        .and_utc();
    while run_once(&db, senders, &i18n, "bench", day).await?.sent > 0 {}
    let before = sandbox.sent().len();

    let total = people * per_person;
    let started = Instant::now();
    let concurrency = 32;
    let mut tasks = Vec::new();
    for worker in 0..concurrency {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let notices = Notices::new(&db);
            let mut n = worker;
            while n < total {
                let pinfl = Pinfl::parse(&format!("3{:013}", 1_000_000 + n % people))?;
                let mut params = Map::new();
                params.insert("reference".into(), format!("YG-BNCH-{n:04}").into());
                notices
                    .queue(&NewNotice {
                        subject_kind: "application",
                        subject_ref: format!("YG-BNCH-{n:04}"),
                        event: Event::Received,
                        to: Recipient::Person(pinfl),
                        locale: Locale::Uz,
                        urgent: false,
                        params,
                        key: format!("bench:{n}"),
                    })
                    .await?;
                n += concurrency;
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let queue_secs = started.elapsed().as_secs_f64();
    let drained = Instant::now();
    let mut sent = 0;
    loop {
        let round = run_once(&db, senders, &i18n, "bench", day).await?;
        sent += round.sent;
        anyhow::ensure!(round.failed == 0, "notices failed: {round:?}");
        if round.sent + round.retried == 0 {
            break;
        }
    }
    let drain_secs = drained.elapsed().as_secs_f64();
    let stood: Vec<(String, i64)> = notices.counts().await?;
    println!(
        "  {database}: {stood:?}; SMS and e-mail received by the stand-ins: {}",
        sandbox.sent().len() - before
    );
    Ok(Figures {
        database,
        notices: total * 2,
        queued_per_s: (total * 2) as f64 / queue_secs,
        delivered_per_s: sent as f64 / drain_secs,
        sent,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    println!(
        "Yagona notices benchmark: notices queued and delivered per second ({} logical CPUs)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    let (_smtp, smtp_port) = smtp_sink()?;
    // The SMS gateway's stand-in on a port of its own.
    let sandbox = Arc::new(yagona_notice_sandbox::NoticeSandbox::new(
        yagona_notice_sandbox::NoticeSandboxConfig {
            eskiz_email: "bench@example.uz".into(),
            eskiz_password: "bench".into(),
            telegram_token: "0:bench".into(),
        },
    ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let gateway = format!("http://{}", listener.local_addr()?);
    let routes = yagona_notice_sandbox::routes(sandbox.clone());
    tokio::spawn(async move { axum::serve(listener, routes).await });
    let senders = yagona_channels::ChannelsConfig {
        smtp: Some(yagona_channels::SmtpConfig {
            host: "127.0.0.1".into(),
            port: smtp_port,
            security: "none".into(),
            username: None,
            password: None,
            from: "Yagona <xabar@my.gov.uz>".into(),
        }),
        sms: Some(yagona_channels::EskizConfig {
            base_url: format!("{gateway}/eskiz/api"),
            email: "bench@example.uz".into(),
            password: "bench".into(),
            from: "4546".into(),
            callback_url: None,
        }),
        ..Default::default()
    }
    .senders()
    .map_err(|e| anyhow::anyhow!(e))?;

    let mut figures = Vec::new();
    let dir = tempfile::tempdir()?;
    figures.push(
        run(
            "SQLite",
            Db::connect(&Db::sqlite_url_in(dir.path())).await?,
            &senders,
            &sandbox,
        )
        .await?,
    );
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
                yagona_db::testing::Schema::create_on(&url, "bench_notices").await?;
            figures.push(run("PostgreSQL", db, &senders, &sandbox).await?);
        }
        None => println!("(PostgreSQL skipped: set BENCH_POSTGRES=postgres://… to include it)"),
    }
    println!(
        "\n{:<11} {:>8} {:>10} {:>13} {:>6}",
        "database", "notices", "queued/s", "delivered/s", "sent"
    );
    let mut ok = true;
    for f in &figures {
        println!(
            "{:<11} {:>8} {:>10.0} {:>13.0} {:>6}",
            f.database, f.notices, f.queued_per_s, f.delivered_per_s, f.sent
        );
        ok &= f.sent == f.notices;
    }
    if let Some(sqlite) = figures.first() {
        let slower = sqlite.queued_per_s.min(sqlite.delivered_per_s);
        println!(
            "\nSQLite: {slower:.0} notices/s at the slower end, target {TARGET:.0}: {}",
            if slower >= TARGET { "met" } else { "NOT met" }
        );
    }
    anyhow::ensure!(ok, "a notice was not sent exactly once");
    Ok(())
}
