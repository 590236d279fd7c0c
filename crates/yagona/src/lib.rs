//! The `yagona` node: wiring of the components into one process. The binary (`main.rs`) parses
//! the command line; this library holds the steps it composes, so that tests start a node the
//! same way `yagona demo` does.

use anyhow::Context;
use std::path::Path;
use yagona_applications::ApplicationStore;
use yagona_contact::topics::{ContactData, TopicStore};
use yagona_db::Db;
use yagona_exchange::directory::{Directory, DirectoryStore};
use yagona_identity::{demo, IdentityStore};
use yagona_registry::{files, ImportReport, RegistryStore};

/// The demo registry shipped in the repository, built into the binary.
pub static DEMO_REGISTRY: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/../../registry");

/// Applies every component's migrations, in dependency order.
pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    RegistryStore::migrate(db).await?;
    IdentityStore::migrate(db).await?;
    ApplicationStore::migrate(db).await?;
    yagona_workflow::store::ProcessStore::migrate(db).await?;
    yagona_exchange::log::migrate(db).await?;
    DirectoryStore::migrate(db).await?;
    yagona_exchange::pubsub::PubSub::migrate(db).await?;
    yagona_contact::AppealStore::migrate(db).await?;
    // The standard review runs services whose registry entry brings no process of its own.
    yagona_applications::process::deploy_standard(db).await?;
    Ok(())
}

/// Reads a registry folder: the registry itself, its exchange directory (`exchange/`), whose
/// members are checked against the registry's agencies, and the contact point's topics and
/// knowledge base (`contact/`). Every problem of all three is returned.
pub fn read_registry(
    dir: &Path,
) -> Result<(yagona_registry::Registry, Directory, ContactData), Vec<files::Problem>> {
    let reg = files::read_dir(dir)?;
    let agencies = reg
        .agencies
        .iter()
        .map(|a| {
            (
                a.code.as_str().to_owned(),
                (a.stir.as_str().to_owned(), a.name.clone()),
            )
        })
        .collect();
    let directory = yagona_exchange::directory::read_dir(dir, &agencies);
    let agency_codes = reg
        .agencies
        .iter()
        .map(|a| a.code.as_str().to_owned())
        .collect();
    let service_codes = reg
        .services
        .iter()
        .map(|s| s.passport.code.as_str().to_owned())
        .collect();
    let contact = yagona_contact::topics::read_dir(dir, &agency_codes, &service_codes);
    match (directory, contact) {
        (Ok(d), Ok(c)) => Ok((reg, d, c)),
        (d, c) => Err(d
            .err()
            .into_iter()
            .flatten()
            .chain(c.err().into_iter().flatten())
            .collect()),
    }
}

/// Reads a registry folder and imports it; every problem is reported with file and location.
pub async fn import_registry(db: &Db, dir: &Path) -> anyhow::Result<ImportReport> {
    let (reg, directory, contact) = read_registry(dir).map_err(|problems| {
        let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        anyhow::anyhow!(
            "the registry at {} has {} problem(s):\n{}",
            dir.display(),
            list.len(),
            list.join("\n")
        )
    })?;
    let report = RegistryStore { db }.import(&reg).await?;
    deploy_processes(db, &reg).await?;
    if (DirectoryStore { db }).import(&directory).await? {
        tracing::info!(
            members = directory.members.len(),
            "exchange directory imported"
        );
    }
    if (TopicStore { db }).import(&contact).await? {
        tracing::info!(
            topics = contact.topics.len(),
            answers = contact.answers.len(),
            "contact topics and knowledge base imported"
        );
    }
    Ok(report)
}

/// Makes sure this node can sign for every subsystem of the directory: a key pair for each that
/// has no private key in `keys` yet (the demo's one-command set-up, done for all at once).
pub async fn ensure_keys(db: &Db, keys: &Path) -> anyhow::Result<usize> {
    let directory = DirectoryStore { db }.load().await?;
    let mut made = 0;
    for s in directory.subsystems() {
        let file = yagona_exchange::keys::key_file(keys, &s.id);
        let key = if file.exists() {
            yagona_exchange::keys::read_private(&file)
                .map_err(|e| anyhow::anyhow!(e))?
                .verifying_key()
        } else {
            made += 1;
            yagona_exchange::keys::generate_to_file(keys, &s.id)
                .with_context(|| format!("writing a key to {}", keys.display()))?
                .1
        };
        yagona_exchange::keys::register(db, &s.id, &key).await?;
    }
    Ok(made)
}

/// The demo node's code (its key, `node.central.pem`, is made with the subsystems' keys).
pub const DEMO_NODE: &str = "central";

/// The subsystem the demo's portal asks registers as (the Public Services Agency's portal).
pub fn demo_portal_subsystem() -> yagona_exchange::ClientId {
    yagona_exchange::ClientId::subsystem("UZ", "GOV", "305184297", "portal")
}

/// Serves the demo's agency registers on an internal address (loopback, a free port), where
/// only the gateway reaches them; returns their base address.
pub async fn spawn_registers() -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = format!("http://{}", listener.local_addr()?);
    let app = axum::Router::new().nest("/registers", yagona_registers::router());
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the demo registers stopped");
        }
    });
    Ok(address)
}

/// Deploys every service's process and the standard one. Deploying an unchanged model changes
/// nothing; a changed one becomes a new version, and running applications stay on theirs.
pub async fn deploy_processes(db: &Db, reg: &yagona_registry::Registry) -> anyhow::Result<()> {
    yagona_applications::process::deploy_standard(db).await?;
    let engine = yagona_workflow::store::ProcessStore::new(db, &yagona_workflow::feel::Feel);
    for s in &reg.services {
        for source in s.decisions.values() {
            engine.deploy_decisions(source).await.with_context(|| {
                format!("deploying the decisions of {}", s.passport.code.as_str())
            })?;
        }
        if let Some(bpmn) = &s.process {
            engine.deploy(bpmn).await.with_context(|| {
                format!("deploying the process of {}", s.passport.code.as_str())
            })?;
        }
    }
    Ok(())
}

/// Gives applications submitted before their services ran on processes (a database from an
/// earlier release) their process, so that each is in its agency's inbox again.
pub async fn adopt_applications(db: &Db) -> anyhow::Result<usize> {
    let catalogue = RegistryStore { db }.catalogue().await?;
    let adopted = ApplicationStore { db }
        .adopt_unprocessed(&catalogue.calendar, |code| {
            catalogue
                .service(code)
                .map(|s| s.passport.deadline_working_days)
                .unwrap_or(10)
        })
        .await?;
    if adopted > 0 {
        tracing::info!(
            adopted,
            "applications from before processes now run on them"
        );
    }
    Ok(adopted)
}

/// Starts the node's background work: timers that fall due and the built-in service-task
/// workers. Every node may run it; claims in the database keep each step single.
pub fn spawn_engine(db: Db, node: &str) -> tokio::task::JoinHandle<()> {
    tokio::spawn(yagona_applications::workers::run_forever(
        db,
        node.to_owned(),
        std::time::Duration::from_millis(500),
    ))
}

/// How long a document uploaded before its application (GovStack `documents`) is kept.
pub const STAGED_DOCUMENTS_KEPT: chrono::Duration = chrono::Duration::hours(24);

/// Clears what has outlived its purpose: expired sessions, and documents uploaded before an
/// application that none took up within [`STAGED_DOCUMENTS_KEPT`]. Returns (sessions, documents).
pub async fn housekeeping_once(
    db: &Db,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<(u64, u64)> {
    let sessions = IdentityStore { db }.sweep_expired_sessions(now).await?;
    let documents = ApplicationStore { db }
        .sweep_staged(now - STAGED_DOCUMENTS_KEPT)
        .await?;
    Ok((sessions, documents))
}

/// How long the message log stays in the database before it is moved to archive files.
#[derive(Debug, Clone)]
pub struct Retention {
    pub days: u32,
    pub dir: std::path::PathBuf,
}

/// Moves the message log's entries older than the retention period into a new file in its
/// folder. Returns the file written, if there was anything to archive.
pub async fn archive_exchange_log(
    db: &Db,
    retention: &Retention,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<Option<std::path::PathBuf>> {
    std::fs::create_dir_all(&retention.dir)
        .with_context(|| format!("creating {}", retention.dir.display()))?;
    let cut = now - chrono::Duration::days(i64::from(retention.days));
    let file = retention.dir.join(format!(
        "exchange-log-{}.jsonl",
        now.format("%Y%m%dT%H%M%S%.6fZ")
    ));
    let done =
        yagona_exchange::archive::archive_before(db, &yagona_core::format_timestamp(&cut), &file)
            .await?;
    Ok(done.map(|_| file))
}

/// Runs [`housekeeping_once`] every ten minutes on this node, and archives the message log
/// past its retention (several nodes doing it too is harmless: the deletes are idempotent,
/// and of two nodes archiving at once one wins).
pub fn spawn_housekeeping(db: Db, retention: Option<Retention>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            every.tick().await;
            match housekeeping_once(&db, chrono::Utc::now()).await {
                Ok((0, 0)) => {}
                Ok((s, d)) => tracing::info!(sessions = s, staged_documents = d, "housekeeping"),
                Err(e) => tracing::warn!("housekeeping: {e:#}"),
            }
            match (yagona_contact::AppealStore { db: &db })
                .close_unreopened(chrono::Utc::now())
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    appeals = n,
                    "answered appeals closed after the reopening period"
                ),
                Err(e) => tracing::warn!("closing answered appeals: {e}"),
            }
            if let Some(r) = &retention {
                match archive_exchange_log(&db, r, chrono::Utc::now()).await {
                    Ok(Some(file)) => {
                        tracing::info!(file = %file.display(), "message log archived")
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!("archiving the message log: {e:#}"),
                }
            }
        }
    })
}

/// Writes the built-in demo registry into `dir` and imports it from there.
pub async fn import_demo_registry(db: &Db, dir: &Path) -> anyhow::Result<ImportReport> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)?;
    DEMO_REGISTRY
        .extract(dir)
        .with_context(|| format!("writing the demo registry to {}", dir.display()))?;
    import_registry(db, dir).await
}

/// The demo's events room (the Civil Registry's) and its event types, as its owner would
/// create them through `api/v1/eventType`; already there: nothing changes.
pub async fn seed_demo_events(db: &Db) -> anyhow::Result<()> {
    use yagona_exchange::pubsub::{PubSub, PubSubError};
    let room = yagona_exchange::ClientId::subsystem("UZ", "GOV", "201122919", "events");
    let types = [
        (
            // Published by the birth registration process once the Civil Registry approves.
            "birth-registered",
            serde_json::json!({
                "type": "object",
                "required": ["application", "birthDate", "childSex", "applicantPinfl"],
                "properties": {
                    "application": {"type": "string"},
                    "birthDate": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                    "childSex": {"type": "string", "enum": ["male", "female"]},
                    "applicantPinfl": {"type": "string", "pattern": "^[0-9]{14}$"}
                }
            }),
        ),
        (
            "death-registered",
            serde_json::json!({
                "type": "object",
                "required": ["pinfl", "dateOfDeath"],
                "properties": {
                    "pinfl": {"type": "string", "pattern": "^[0-9]{14}$"},
                    "dateOfDeath": {"type": "string", "format": "date"}
                }
            }),
        ),
    ];
    for (name, schema) in types {
        match (PubSub { db })
            .create_event_type(&room, name, &schema)
            .await
        {
            Ok(()) => {}
            Err(PubSubError::Refused(r)) if r.status == 409 => {}
            Err(e) => return Err(anyhow::anyhow!("event type {name}: {e}")),
        }
    }
    Ok(())
}

/// The demo identity provider's people: citizens, one officer per agency, an administrator.
pub async fn seed_demo_people(db: &Db) -> anyhow::Result<()> {
    let store = IdentityStore { db };
    let registry = RegistryStore { db }.load().await?;
    let agencies: Vec<&str> = registry.agencies.iter().map(|a| a.code.as_str()).collect();
    for u in demo::citizens()
        .into_iter()
        .chain(demo::officers(agencies))
        .chain([demo::admin()])
        .chain(demo::operators())
    {
        store.upsert_user(&u).await?;
    }
    Ok(())
}

/// A few applications in different states, made through the same code paths as the portal and
/// the officers' pages (and run by the services' processes and built-in workers), so that a
/// first look at the demo shows a working inbox. Only when the database has no applications yet.
pub async fn seed_demo_applications(db: &Db) -> anyhow::Result<()> {
    use serde_json::{json, Value};
    use yagona_applications::{Action, Actor, Decision};

    let store = ApplicationStore { db };
    let existing: i64 = yagona_db::sqlx::query_scalar("SELECT COUNT(*) FROM applications")
        .fetch_one(&db.pool)
        .await?;
    if existing > 0 {
        return Ok(());
    }
    let catalogue = RegistryStore { db }.catalogue().await?;
    let people = IdentityStore { db }.users_of(demo::IDP).await?;
    let citizen = |pinfl: &str| {
        let u = people
            .iter()
            .find(|u| u.subject == pinfl)
            .expect("demo citizen");
        Actor::Applicant {
            pinfl: pinfl.to_owned(),
            name: u.name.clone(),
        }
    };
    let officer = |agency: &str| {
        people
            .iter()
            .find(|u| u.agency.as_deref() == Some(agency))
            .map(|u| Actor::Officer {
                user_id: u.id.clone(),
                name: u.name.clone(),
                agency: agency.to_owned(),
            })
    };
    // What officers do, in order: (agency, action, comment); `None` as action takes the task.
    type Steps<'a> = &'a [(&'a str, Option<Action>, Option<&'a str>)];
    let cases: [(&str, &str, Value, Steps); 6] = [
        (
            demo::CITIZENS[2].0,
            "low-income-family-benefit",
            json!({"family_size": 6, "children_under_18": 4, "monthly_income": 2_100_000, "card_number": "8600312298765432",
                   "declaration": true}),
            &[],
        ),
        (
            demo::CITIZENS[1].0,
            "no-criminal-record-certificate",
            json!({"purpose": "visa", "purpose_details": "Germaniyaga ishchi vizasi uchun", "language": "en", "phone": "+998901234567"}),
            &[],
        ),
        (
            demo::CITIZENS[2].0,
            "sole-proprietor-registration",
            json!({"activity_type": "crafts", "activity_description": "Milliy kashtachilik (soʻzana) buyumlarini tikish va sotish",
                   "region": "samarkand", "business_address": "Samarqand shahri, Registon koʻchasi, 12-uy", "tax_regime": "fixed", "phone": "+998935551122"}),
            &[("public-services-agency", None, None)],
        ),
        (
            demo::CITIZENS[0].0,
            "tax-debt-certificate",
            json!({"taxpayer_kind": "self", "purpose": "bank-loan", "language": "uz"}),
            &[("tax", Some(Action::Approve), None)],
        ),
        (
            demo::CITIZENS[1].0,
            "kindergarten-enrolment",
            json!({"child_pinfl": "52203200110045", "desired_start_date": "2027-09-01", "region": "tashkent-city", "district": "Yunusobod tumani",
                   "group_language": "uz", "priority_category": "none"}),
            &[("preschool-school-education", Some(Action::Return), Some("Istalgan bogʻchani aniq koʻrsating: tumandagi 3 ta bogʻchada boʻsh oʻrin bor (12-, 47- va 305-son DMTT)."))],
        ),
        (
            demo::CITIZENS[0].0,
            "construction-permit",
            json!({"cadastral_number": "10:05:04:01:03:0112", "district": "mirzo-ulugbek",
                   "plot_address": "Toshkent shahri, Mirzo Ulugʻbek tumani, Qorasuv-3 mavzesi, 17-uy", "works_type": "new",
                   "floors": 2, "floor_area": 180}),
            &[("tashkent-khokimiyat", Some(Action::Approve), None), ("cadastre", Some(Action::Approve), None)],
        ),
    ];
    for (pinfl, code, answers, steps) in cases {
        let (Some(service), Some(version)) =
            (catalogue.service(code), catalogue.service_version(code))
        else {
            continue;
        };
        let applicant = citizen(pinfl);
        let app = store
            .create_draft(&applicant, code, version, service.passport.agency.as_str())
            .await?;
        let Value::Object(answers) = answers else {
            continue;
        };
        store
            .save_answers(&app.reference, &applicant, answers)
            .await?;
        // Every file the form asks for, as the portal uploads it.
        for f in service.form.steps().iter().flat_map(|s| &s.fields) {
            if f.widget == yagona_forms::Widget::File {
                let upload = yagona_applications::Upload {
                    field: f.name.clone(),
                    file_name: format!("{}.pdf", f.name.replace('_', "-")),
                    bytes: DEMO_PDF.to_vec(),
                };
                store
                    .attach(&app.reference, &applicant, &service.form, upload)
                    .await?;
            }
        }
        store
            .submit(
                &app.reference,
                &applicant,
                &service.form,
                &catalogue.calendar,
                service.passport.deadline_working_days,
            )
            .await
            .with_context(|| format!("demo application for {code}"))?;
        for (agency, action, comment) in steps.iter() {
            let Some(officer) = officer(agency) else {
                continue;
            };
            let current = store
                .get(&app.reference, yagona_applications::Viewer::Agency(agency))
                .await?
                .ok_or_else(|| anyhow::anyhow!("{code}: not visible to {agency}"))?;
            let task = store
                .tasks_for(&current, agency, &catalogue.calendar)
                .await?
                .first()
                .map(|t| t.key())
                .ok_or_else(|| anyhow::anyhow!("{code}: no task for {agency}"))?;
            match action {
                None => {
                    store
                        .take(&app.reference, &officer, &task, &catalogue.calendar)
                        .await?;
                }
                Some(action) => {
                    store
                        .decide(
                            &app.reference,
                            &officer,
                            &task,
                            Decision {
                                action: *action,
                                comment: comment.map(str::to_owned),
                                result: None,
                                data: Default::default(),
                            },
                            &catalogue.calendar,
                        )
                        .await?;
                }
            }
        }
    }
    // Issue the approved application's result and send the notifications now, as a node does.
    yagona_applications::workers::run_once(db, &catalogue, "demo-seed").await?;
    Ok(())
}

/// A minimal valid one-page PDF for demo uploads.
const DEMO_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// The demo's Open311 client (a city app) and its API key, published in the README like the
/// demo personas. A real deployment registers clients with `yagona open311 client NAME`.
pub const DEMO_OPEN311_KEY: &str = "o311_demo_toshkent_shahar_ilovasi";

/// Appeals in different states, made through the contact point's own operations (filing,
/// routing, answering, rating, a call answered at first contact), so that the desk, the
/// citizen's pages and the figures show something at first look. Only on an empty table.
pub async fn seed_demo_appeals(db: &Db) -> anyhow::Result<()> {
    use yagona_contact::{Actor, AppealStore, Channel, Kind, NewAppeal, Viewer};
    use yagona_core::{Locale, Pinfl};

    let store = AppealStore { db };
    store
        .register_client("Toshkent shahar mobil ilovasi", DEMO_OPEN311_KEY)
        .await?;
    let existing: i64 = yagona_db::sqlx::query_scalar("SELECT COUNT(*) FROM appeals")
        .fetch_one(&db.pool)
        .await?;
    if existing > 0 {
        return Ok(());
    }
    let cat = RegistryStore { db }.catalogue().await?;
    let today = yagona_core::tashkent_date(&yagona_core::now());
    let days_ago = |n: u64| today.checked_sub_days(chrono::Days::new(n));
    let base = |kind, channel, subject: &str, body: &str, name: &str| {
        let actor = Actor::Applicant { name: name.into() };
        NewAppeal::new(kind, channel, subject, body, name, Locale::Uz, actor)
    };
    let officer = |agency: &str, name: &str| Actor::Officer {
        user_id: format!("officer-{agency}"),
        name: name.into(),
        agency: agency.into(),
    };
    let operator = Actor::Operator {
        user_id: "operator".into(),
        name: "Shahnoza Qosimova".into(),
    };

    // 1. A signed-in citizen's complaint about birth registration: answered and rated.
    let mut a = base(
        Kind::Complaint,
        Channel::Portal,
        "Guvohnoma hali berilmadi",
        "Oʻgʻlimning tugʻilganligi haqidagi arizani 10 kun oldin berdim, lekin guvohnoma hali tayyor emas. Iltimos, sababini tushuntiring.",
        "Dilnoza Karimova",
    );
    a.service = Some("birth-registration".into());
    a.pinfl = Some(Pinfl::parse("31505901234567")?);
    a.phone = Some("+998 90 112 34 56".into());
    a.received_on = days_ago(9);
    let first = store.create(&cat, a).await?.appeal;
    let civil = officer("civil-registry", "Nodira Xolmatova");
    store.take(&first.id, &civil).await?;
    store
        .reply(
            &first.id,
            Viewer::Agency("civil-registry"),
            &civil,
            "Hurmatli Dilnoza Karimova! Tugʻruqxona maʼlumotnomasi arxivga kech kelgani uchun kechikish boʻldi. Guvohnoma tayyor va shaxsiy kabinetingizga yuborildi. Noqulaylik uchun uzr soʻraymiz.",
            false,
        )
        .await?;
    store
        .rate(
            &first.id,
            Viewer::Citizen("31505901234567"),
            &Actor::Applicant {
                name: "Dilnoza Karimova".into(),
            },
            4,
            "Javob tez keldi, rahmat.",
        )
        .await?;

    // 2. An anonymous inquiry about kindergarten enrolment, with the agency, overdue.
    let mut b = base(
        Kind::Inquiry,
        Channel::Portal,
        "Bogʻcha navbati",
        "Qizim uchun bogʻchaga navbatga turdim. Navbat qachon kelishini qanday bilsam boʻladi?",
        "Aziz Rahimov",
    );
    b.service = Some("kindergarten-enrolment".into());
    b.phone = Some("+998 93 555 12 34".into());
    b.received_on = days_ago(20);
    store.create(&cat, b).await?;

    // 3. A phone call about a certificate of no criminal record, answered at first contact.
    let mut c = base(
        Kind::Inquiry,
        Channel::Phone,
        "Sudlanmaganlik maʼlumotnomasi muddati",
        "Fuqaro maʼlumotnoma qancha vaqtda tayyor boʻlishini soʻradi.",
        "Bekzod Tursunov",
    );
    c.service = Some("no-criminal-record-certificate".into());
    c.phone = Some("+998 97 700 11 22".into());
    c.first_contact_answer = TopicStore { db }
        .load()
        .await?
        .answer("no-criminal-record-how-long")
        .map(|a| a.text.uz.clone());
    c.actor = operator.clone();
    store.create(&cat, c).await?;

    // 4. A street-lighting report from the city app (Open311), with the khokimiyat.
    let client: Option<(String, String)> = store.client_by_key(DEMO_OPEN311_KEY).await?;
    let mut d = base(
        Kind::Complaint,
        Channel::Open311,
        "Koʻcha chirogʻi ishlamayapti",
        "Chilonzor 9-mavze, 14-uy oldidagi koʻcha chirogʻi bir haftadan beri yonmayapti.",
        "Sardor Aliyev",
    );
    d.topic = Some("city-roads-lighting-waste".into());
    d.email = Some("sardor.aliyev@mail.uz".into());
    d.address = Some("Toshkent, Chilonzor tumani, 9-mavze, 14-uy".into());
    d.lat = Some(41.2856);
    d.lon = Some(69.2034);
    d.received_on = days_ago(2);
    if let Some((id, name)) = client {
        d.client_id = Some(id.clone());
        d.actor = Actor::Client { id, name };
    }
    store.create(&cat, d).await?;

    // 5. A proposal in Russian about schools, needing extra study (one month).
    let mut e = base(
        Kind::Proposal,
        Channel::Portal,
        "Электронный дневник для родителей",
        "Предлагаю сделать электронный дневник доступным родителям через портал, с уведомлениями об оценках.",
        "Малика Юсупова",
    );
    e.topic = Some("schools-and-kindergartens".into());
    e.pinfl = Some(Pinfl::parse("42003960110028")?);
    e.email = Some("malika.yusupova@example.uz".into());
    e.locale = Locale::Ru;
    e.needs_checking = true;
    store.create(&cat, e).await?;

    // 7. A citizen's inquiry about a duplicate certificate, with the Civil Registry, in Cyrillic.
    let mut g = base(
        Kind::Inquiry,
        Channel::Portal,
        "Никоҳ гувоҳномасининг дубликати",
        "Никоҳ гувоҳномам йўқолган. Дубликатни олиш учун қайси ҳужжатлар керак ва қанча вақт кетади?",
        "Jasur Abdullayev",
    );
    g.service = Some("civil-certificate-duplicate".into());
    g.pinfl = Some(Pinfl::parse("30912850420017")?);
    g.phone = Some("+998 99 876 54 32".into());
    g.locale = Locale::UzCyrl;
    g.received_on = days_ago(4);
    store.create(&cat, g).await?;

    // 6. A call about something no topic covers: waiting at the contact centre to be routed.
    let mut f = base(
        Kind::Inquiry,
        Channel::Phone,
        "Pensiya hisob-kitobi",
        "Fuqaro pensiya miqdori qanday hisoblanganini bilmoqchi; qaysi idoraga murojaat qilishni bilmaydi.",
        "Gulchehra Nazarova",
    );
    f.phone = Some("+998 91 234 56 78".into());
    f.actor = operator;
    store.create(&cat, f).await?;
    Ok(())
}
