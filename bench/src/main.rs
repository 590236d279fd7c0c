//! Yagona's foundation benchmark: `cargo run --release -p yagona-bench`.
//!
//! 1. Loads the demo registry plus 5,000 synthetic services written in four languages.
//! 2. Catalogue search latency (p50, p99): in process, and through the JSON API over HTTP.
//! 3. Application submissions per second with 50 concurrent clients: each one starts an
//!    application, saves its answers, and submits it (JSON Schema validation, the deadline on the
//!    working-day calendar, the status change and its history event, each step a transaction).
//!
//! `cargo run --release -p yagona-bench -- --search-only` stops after the search figures.
//!
//! Runs on SQLite always, and on PostgreSQL too when `YAGONA_BENCH_POSTGRES` (or
//! `YAGONA_TEST_POSTGRES`) names one. Targets on 2 cores: search p99 ≤ 10 ms; ≥ 1,000
//! submissions/s on SQLite.

/// The allocator the `yagona` binary uses, so that the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};
use yagona_applications::{Actor, StepInput};
use yagona_core::{Code, Fee, I18nText};
use yagona_db::Db;
use yagona_forms::{Field, FieldOption, FormDefinition, Presentation, Step, Widget};
use yagona_registry::{files, Channel, RegistryStore, Service, ServicePassport};

const SYNTHETIC: usize = 5_000;
const CLIENTS: usize = 50;
const SUBMISSIONS: usize = 5_000;
const SEARCHES: usize = 2_000;

/// Word stems in four languages, combined into plausible service names.
const WORDS: &[[&str; 4]] = &[
    ["ruxsatnoma", "рухсатнома", "разрешение", "permit"],
    ["maʼlumotnoma", "маълумотнома", "справка", "certificate"],
    [
        "roʻyxatdan oʻtkazish",
        "рўйхатдан ўтказиш",
        "регистрация",
        "registration",
    ],
    ["litsenziya", "лицензия", "лицензия", "licence"],
    ["nafaqa", "нафақа", "пособие", "benefit"],
    [
        "yer uchastkasi",
        "ер участкаси",
        "земельный участок",
        "land plot",
    ],
    ["qurilish", "қурилиш", "строительство", "construction"],
    [
        "transport vositasi",
        "транспорт воситаси",
        "транспортное средство",
        "vehicle",
    ],
    ["savdo", "савдо", "торговля", "trade"],
    ["taʼlim", "таълим", "образование", "education"],
    [
        "sogʻliqni saqlash",
        "соғлиқни сақлаш",
        "здравоохранение",
        "health care",
    ],
    ["eksport", "экспорт", "экспорт", "export"],
    ["ijara", "ижара", "аренда", "lease"],
    [
        "gaz taʼminoti",
        "газ таъминоти",
        "газоснабжение",
        "gas supply",
    ],
    [
        "suv taʼminoti",
        "сув таъминоти",
        "водоснабжение",
        "water supply",
    ],
    ["pensiya", "пенсия", "пенсия", "pension"],
    ["subsidiya", "субсидия", "субсидия", "subsidy"],
    [
        "guvohnoma",
        "гувоҳнома",
        "свидетельство",
        "certificate of record",
    ],
    [
        "dehqon xoʻjaligi",
        "деҳқон хўжалиги",
        "дехканское хозяйство",
        "farm",
    ],
    ["turizm", "туризм", "туризм", "tourism"],
];
const QUALIFIERS: &[[&str; 4]] = &[
    ["berish", "бериш", "выдача", "issue of"],
    ["uzaytirish", "узайтириш", "продление", "renewal of"],
    [
        "qayta rasmiylashtirish",
        "қайта расмийлаштириш",
        "переоформление",
        "reissue of",
    ],
    [
        "bekor qilish",
        "бекор қилиш",
        "аннулирование",
        "cancellation of",
    ],
    ["dublikat", "дубликат", "дубликат", "duplicate of"],
];

fn text(parts: [&str; 4]) -> I18nText {
    I18nText {
        uz: parts[0].into(),
        uz_cyrl: parts[1].into(),
        ru: parts[2].into(),
        en: parts[3].into(),
    }
}

fn simple_form() -> FormDefinition {
    let t = |s: &str| I18nText::same(s);
    let field = |name: &str, widget: Widget, options: Vec<FieldOption>| Field {
        name: name.into(),
        widget,
        label: t(name),
        hint: None,
        autocomplete: None,
        prefill: None,
        options,
        accept: vec![],
        max_size_kb: None,
        errors: Default::default(),
    };
    FormDefinition::new(
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "additionalProperties": false,
            "required": ["full_name", "pinfl", "region", "date"],
            "properties": {
                "full_name": {"type": "string", "minLength": 3, "maxLength": 120},
                "pinfl": {"type": "string", "pattern": "^[0-9]{14}$"},
                "region": {"type": "string", "enum": ["tashkent-city", "samarkand", "fergana"]},
                "date": {"type": "string", "format": "date"},
                "note": {"type": "string", "maxLength": 500}
            }
        }),
        Presentation {
            steps: vec![Step {
                id: Code::parse("main").unwrap(),
                title: t("Main"),
                fields: vec![
                    field("full_name", Widget::Text, vec![]),
                    field("pinfl", Widget::Text, vec![]),
                    field(
                        "region",
                        Widget::Select,
                        ["tashkent-city", "samarkand", "fergana"]
                            .iter()
                            .map(|v| FieldOption {
                                value: (*v).into(),
                                label: t(v),
                            })
                            .collect(),
                    ),
                    field("date", Widget::Date, vec![]),
                    field("note", Widget::Textarea, vec![]),
                ],
            }],
            rules: vec![],
        },
    )
}

fn synthetic_registry() -> anyhow::Result<yagona_registry::Registry> {
    let demo = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../registry");
    let mut reg = files::read_dir(&demo)
        .map_err(|p| anyhow::anyhow!("demo registry invalid: {} problems", p.len()))?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    let agencies: Vec<Code> = reg.agencies.iter().map(|a| a.code.clone()).collect();
    let events: Vec<Code> = reg.life_events.iter().map(|e| e.code.clone()).collect();
    for i in 0..SYNTHETIC {
        let w = WORDS.choose(&mut rng).unwrap();
        let w2 = WORDS.choose(&mut rng).unwrap();
        let q = QUALIFIERS.choose(&mut rng).unwrap();
        let name = [0, 1, 2, 3].map(|l| format!("{} {} ({}) №{i}", w[l], q[l], w2[l]));
        let desc = [0, 1, 2, 3].map(|l| {
            format!(
                "{} — {} {} {}",
                q[l],
                w[l],
                w2[l],
                WORDS.choose(&mut rng).unwrap()[l]
            )
        });
        let passport = ServicePassport {
            code: Code::parse(&format!("synthetic-{i}")).unwrap(),
            agency: agencies.choose(&mut rng).unwrap().clone(),
            life_events: vec![events.choose(&mut rng).unwrap().clone()],
            deadline_working_days: rng.gen_range(1..=15),
            channels: vec![Channel::Online, Channel::PublicServiceCentre],
            online: true,
            assurance: Default::default(),
            fee: Fee::Bhm {
                multiple: yagona_core::BhmMultiple::from_thousandths(500).unwrap(),
            },
            refund_if_rejected: false,
            name: text(name.each_ref().map(String::as_str)),
            description: text(desc.each_ref().map(String::as_str)),
            who_may_apply: I18nText::same("—"),
            legal_basis: I18nText::same("—"),
            result: I18nText::same("—"),
            keywords: None,
            documents: vec![],
            identify_by: vec![],
            on_duplicate: None,
        };
        reg.services.push(Service {
            passport,
            form: simple_form(),
            process: None,
            decisions: Default::default(),
            task_forms: Default::default(),
            result: None,
        });
    }
    Ok(reg)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

const QUERIES: &[&str] = &[
    "tug'ilish",
    "туғилиш",
    "паспорт",
    "регистрация",
    "ruxsatnoma",
    "рухсатнома",
    "kadastr",
    "справка",
    "nafaqa",
    "construction permit",
    "yer uchastkasi",
    "лицензия продление",
    "licence",
    "subsid",
    "qurilish ruxsat",
    "пенсия",
    "gaz",
    "водоснаб",
    "tourism",
    "dehqon",
    "ijara",
    "маълумотнома бериш",
    // Misspelt, inflected, the other script: corrections over the whole vocabulary.
    "brith certficate",
    "tugulish",
    "pasport",
    "регистрацыя рождения",
    "licences",
    "ruxsatnomalar",
    "qurlish ruxsatnomasi",
    "kindergarden",
];

async fn run(label: &str, db: Db) -> anyhow::Result<()> {
    println!("\n== {label} ==");
    yagona::migrate(&db).await?;
    let reg = synthetic_registry()?;
    let started = Instant::now();
    let report = RegistryStore { db: &db }.import(&reg).await?;
    println!(
        "registry import: {} services in {:.1} s",
        report.services_published,
        started.elapsed().as_secs_f64()
    );
    yagona::seed_demo_people(&db).await?;
    let catalogue = RegistryStore { db: &db }.catalogue().await?;

    // Search, in process: the index itself.
    let mut times = Vec::with_capacity(SEARCHES);
    let mut hits = 0;
    for i in 0..SEARCHES {
        let q = QUERIES[i % QUERIES.len()];
        let t = Instant::now();
        hits += catalogue.search(q, 50).len();
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "search (in process, {SEARCHES} queries, {hits} hits): p50 {} p99 {}",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99))
    );

    // Search through the JSON API over HTTP, one client at a time.
    let node = yagona::node::Node::new(db.clone(), yagona::node::NodeConfig::default()).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(yagona::server::serve(node, listener));
    let http = reqwest::Client::new();
    let mut times = Vec::with_capacity(SEARCHES);
    for i in 0..SEARCHES {
        let q = QUERIES[i % QUERIES.len()];
        let t = Instant::now();
        let resp = http
            .get(format!("{base}/api/v1/services"))
            .query(&[("q", q)])
            .send()
            .await?;
        let _ = resp.bytes().await?;
        times.push(t.elapsed());
    }
    times.sort();
    let p99 = percentile(&times, 0.99);
    println!("search (GET /api/v1/services?q=…, {SEARCHES} requests): p50 {} p99 {}  [target p99 ≤ 10 ms: {}]",
        ms(percentile(&times, 0.5)), ms(p99), if p99 <= Duration::from_millis(10) { "met" } else { "NOT met" });
    if std::env::args().any(|a| a == "--search-only") {
        return Ok(());
    }

    // Submissions with 50 concurrent clients, each through the operations the portal uses:
    // start, save the form's step, submit.
    let applications = Arc::new(yagona_applications::Applications::new(
        db.clone(),
        yagona_registry::CatalogueCache::new(&db).await?,
        None,
    ));
    let started = Instant::now();
    let per_client = SUBMISSIONS / CLIENTS;
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let applications = applications.clone();
        tasks.push(tokio::spawn(async move {
            let pinfl = format!("{:014}", 30_000_000_000_000u64 + c as u64);
            let actor = Actor::Applicant {
                pinfl: yagona_core::Pinfl::parse(&pinfl)?,
                name: format!("Bench applicant {c}"),
            };
            let mut done = 0usize;
            for i in 0..per_client {
                let code = format!("synthetic-{}", (c * per_client + i) % SYNTHETIC);
                let app = applications.start(&actor, &code).await?;
                let mut answers = Map::new();
                answers.insert(
                    "full_name".into(),
                    Value::String(format!("Sinov Arizachi {c}-{i}")),
                );
                answers.insert("pinfl".into(), Value::String(pinfl.clone()));
                answers.insert("region".into(), Value::String("samarkand".into()));
                answers.insert("date".into(), Value::String("2026-11-27".into()));
                let step = StepInput {
                    answers,
                    ..StepInput::default()
                };
                applications
                    .save_step(&actor, &app.reference, "main", step)
                    .await?;
                applications.submit(&actor, &app.reference).await?;
                done += 1;
            }
            Ok::<usize, anyhow::Error>(done)
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await??;
    }
    let secs = started.elapsed().as_secs_f64();
    let rate = total as f64 / secs;
    println!(
        "submissions ({CLIENTS} concurrent clients; start + answers + validate/submit with history): {total} in {secs:.2} s = {rate:.0}/s{}",
        if label.starts_with("SQLite") { format!("  [target ≥ 1,000/s: {}]", if rate >= 1000.0 { "met" } else { "NOT met" }) } else { String::new() }
    );
    let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM application_events")
        .fetch_one(&db.pool)
        .await?;
    println!("history events written: {events}");
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    println!("Yagona foundation benchmark: {SYNTHETIC} synthetic services + the demo registry, {CLIENTS} clients");
    let dir = tempfile::tempdir()?;
    run(
        "SQLite (embedded, WAL)",
        Db::connect(&Db::sqlite_url_in(dir.path())).await?,
    )
    .await?;
    let pg =
        std::env::var("YAGONA_BENCH_POSTGRES").or_else(|_| std::env::var("YAGONA_TEST_POSTGRES"));
    match pg {
        Ok(url) => {
            // Dropped (with any connection a failure left open) when this arm ends.
            let (db, _schema) = yagona_db::testing::Schema::create_on(&url, "bench").await?;
            let outcome = run("PostgreSQL", db).await;
            outcome?;
        }
        Err(_) => {
            println!("\n(PostgreSQL skipped: set YAGONA_BENCH_POSTGRES=postgres://… to include it)")
        }
    }
    Ok(())
}
