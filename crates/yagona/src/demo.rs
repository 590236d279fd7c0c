//! The demo: its people, registers, events room, applications and appeals, made through the
//! same operations as the portal, the officers' pages and the contact point, so that a first look
//! at `yagona demo` shows a working platform.

use anyhow::Context;
use std::path::Path;
use yagona_applications::ApplicationStore;
use yagona_db::Db;
use yagona_exchange::directory::DirectoryStore;
use yagona_identity::{demo, IdentityStore};
use yagona_registry::RegistryStore;

/// Makes sure this node can sign for every subsystem of the directory: a key pair for each that
/// has no private key in `keys` yet (the demo's one-command set-up, done for all at once); and
/// for every agency's result documents, a signing key and a certificate naming the agency.
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
    // And every agency's key for signing its result documents, with its certificate.
    let registry = RegistryStore { db }.load().await?;
    for agency in registry.agencies {
        if !yagona_documents::keys::key_file(keys, agency.code.as_str()).exists() {
            made += 1;
            yagona_documents::keys::generate(
                keys,
                &yagona_documents::keys::Agency {
                    code: agency.code.as_str(),
                    name: certificate_name(&agency),
                    stir: agency.stir.as_str(),
                },
            )?;
        }
    }
    Ok(made)
}

/// The name an agency's certificate gives it: its full name, or its short name where the full
/// one is longer than a certificate's name may be (64 characters).
pub fn certificate_name(agency: &yagona_registry::Agency) -> &str {
    match &agency.short_name {
        Some(short) if agency.name.uz.chars().count() > 64 => &short.uz,
        _ => &agency.name.uz,
    }
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

/// A few applications in different states, made through the same operations as the portal and
/// the officers' pages (and run by the services' processes and built-in workers), so that a
/// first look at the demo shows a working inbox. Only when the database has no applications yet.
pub async fn seed_demo_applications(
    db: &Db,
    issuer: &yagona_applications::Issuer,
) -> anyhow::Result<()> {
    use serde_json::{json, Value};
    use yagona_applications::{Action, Actor, Applications, Decision, StepInput, Upload};

    if (ApplicationStore { db }).count().await? > 0 {
        return Ok(());
    }
    let catalogue = yagona_registry::CatalogueCache::new(db).await?;
    // The demo asks no registers: its applications are filled in as the citizens typed them.
    let applications = Applications::new(db.clone(), catalogue.clone(), None);
    let cat = catalogue.get().await;
    let people = IdentityStore { db }.users_of(demo::IDP).await?;
    let citizen = |pinfl: &str| -> anyhow::Result<Actor> {
        let u = people
            .iter()
            .find(|u| u.subject == pinfl)
            .context("a demo citizen is missing")?;
        Ok(Actor::Applicant {
            pinfl: yagona_core::Pinfl::parse(pinfl)?,
            name: u.name.clone(),
        })
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
    // Dates as the citizens would give them today: the forms' rules compare them with today
    // (a kindergarten place from three months on, for a child of four).
    let today = yagona_core::tashkent_date(&yagona_core::now());
    let kindergarten_start = (today + chrono::Days::new(90)).to_string();
    let four_years_ago = today - chrono::Months::new(48);
    let kindergarten_child = format!("5{}0110045", four_years_ago.format("%d%m%y"));
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
            json!({"child_pinfl": kindergarten_child, "desired_start_date": kindergarten_start, "region": "tashkent-city", "district": "Yunusobod tumani",
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
    let mut made = Vec::new();
    for (pinfl, code, answers, steps) in cases {
        let Some(service) = cat.service(code) else {
            continue;
        };
        let Value::Object(answers) = answers else {
            continue;
        };
        let applicant = citizen(pinfl)?;
        let app = applications.start(&applicant, code).await?;
        made.push((code, pinfl, app.reference.clone()));
        // Step by step, as the portal sends them: the step's answers and a PDF for each file.
        for step in service.form.steps() {
            let input = StepInput {
                answers: step
                    .fields
                    .iter()
                    .filter_map(|f| Some((f.name.clone(), answers.get(&f.name)?.clone())))
                    .collect(),
                uploads: step
                    .fields
                    .iter()
                    .filter(|f| f.widget == yagona_forms::Widget::File)
                    .map(|f| Upload {
                        field: f.name.clone(),
                        file_name: format!("{}.pdf", f.name.replace('_', "-")),
                        bytes: DEMO_PDF.to_vec(),
                    })
                    .collect(),
                draft: false,
            };
            applications
                .save_step(&applicant, &app.reference, step.id.as_str(), input)
                .await
                .with_context(|| format!("demo application for {code}, step {}", step.id))?;
        }
        let submitted = applications
            .submit(&applicant, &app.reference)
            .await
            .with_context(|| format!("demo application for {code}"))?;
        // The citizens paid their fees (a new application shows the pay buttons).
        pay_with_payme(db, &catalogue, &applications, &submitted)
            .await
            .with_context(|| format!("demo payment for {code}"))?;
        for (agency, action, comment) in steps.iter() {
            let Some(officer) = officer(agency) else {
                continue;
            };
            let current = applications
                .store()
                .get(&app.reference, yagona_applications::Viewer::Agency(agency))
                .await?
                .ok_or_else(|| anyhow::anyhow!("{code}: not visible to {agency}"))?;
            let task = applications
                .tasks_for(&current, agency)
                .await?
                .first()
                .map(|t| t.key())
                .ok_or_else(|| anyhow::anyhow!("{code}: no task for {agency}"))?;
            match action {
                None => {
                    applications.take(&officer, &app.reference, &task).await?;
                }
                Some(action) => {
                    applications
                        .decide(
                            &officer,
                            &app.reference,
                            &task,
                            Decision {
                                decision: Some(action.code().to_owned()),
                                comment: comment.map(str::to_owned),
                                ..Decision::default()
                            },
                        )
                        .await?;
                }
            }
        }
    }
    // Issue the approved application's result and send the notifications now, as a node does.
    yagona_applications::workers::run_once(db, &cat, issuer, "demo-seed").await?;
    // Dilnoza rated the certificate she was given, as its page asks once it is decided: the
    // tax committee reads it at /staff/ratings, and the figures count it.
    for (code, pinfl, reference) in &made {
        if *code == "tax-debt-certificate" {
            applications
                .rate_service(
                    &yagona_core::Pinfl::parse(pinfl)?,
                    reference,
                    4,
                    "Tez tayyor boʻldi, lekin ariza maqsadni ikki marta soʻradi.",
                )
                .await?
                .map_err(|p| anyhow::anyhow!("the demo rating is refused: {p:?}"))?;
        }
    }
    Ok(())
}

/// The demo's Payme cashbox and Click service, as the providers would issue them; the sandbox
/// plays both providers with the same secrets.
pub const DEMO_PAYME_MERCHANT: &str = "6745f3b2c8d1a09e4b7f2c15";
pub const DEMO_PAYME_KEY: &str = "demo#Yagona#TestKey#k3Vq9zR2pW";
pub const DEMO_CLICK_SERVICE: &str = "42117";
pub const DEMO_CLICK_MERCHANT: &str = "23841";
pub const DEMO_CLICK_USER: &str = "36502";
pub const DEMO_CLICK_SECRET: &str = "demoYagonaClick7";

/// The demo's payment providers: the checkouts at the sandbox under `/sandbox` on the portal's
/// address (where the citizen's browser goes), the sandbox's calls to this node's merchant
/// endpoints at `internal` (where the node listens, e.g. `http://127.0.0.1:8080`).
pub fn demo_payments(
    public_url: &str,
    internal: &str,
) -> (
    yagona_payments::PaymentsConfig,
    std::sync::Arc<yagona_payments_sandbox::Sandbox>,
) {
    use yagona_payments::click::ClickConfig;
    use yagona_payments::payme::PaymeConfig;
    let mut payme = PaymeConfig::new(DEMO_PAYME_MERCHANT, DEMO_PAYME_KEY);
    payme.checkout_url = format!("{public_url}/sandbox/payme/checkout");
    let mut click = ClickConfig::new(
        DEMO_CLICK_SERVICE,
        DEMO_CLICK_MERCHANT,
        DEMO_CLICK_USER,
        DEMO_CLICK_SECRET,
    );
    click.checkout_url = format!("{public_url}/sandbox/click/services/pay");
    let internal = internal.trim_end_matches('/');
    click.api_url = format!("{internal}/sandbox/click/v2/merchant");
    let sandbox = yagona_payments_sandbox::Sandbox::new(yagona_payments_sandbox::SandboxConfig {
        payme: Some(yagona_payments_sandbox::PaymeSide {
            merchant_name: "Yagona — davlat xizmatlari".into(),
            merchant_id: payme.merchant_id.clone(),
            endpoint: format!("{internal}{}", yagona_payments::payme::PATH),
            login: payme.login.clone(),
            key: payme.key.clone(),
            account_field: payme.account_field.clone(),
        }),
        click: Some(yagona_payments_sandbox::ClickSide {
            merchant_name: "Yagona — davlat xizmatlari".into(),
            service_id: click.service_id.clone(),
            merchant_id: click.merchant_id.clone(),
            merchant_user_id: click.merchant_user_id.clone(),
            secret_key: click.secret_key.clone(),
            prepare_url: format!("{internal}{}", yagona_payments::click::PREPARE_PATH),
            complete_url: format!("{internal}{}", yagona_payments::click::COMPLETE_PATH),
        }),
        mount: "/sandbox".into(),
    });
    (
        yagona_payments::PaymentsConfig {
            payme: Some(payme),
            click: Some(click),
        },
        std::sync::Arc::new(sandbox),
    )
}

/// The demo's accounts at the SMS gateway and Telegram stand-ins.
pub const DEMO_ESKIZ_EMAIL: &str = "xabar@demo.yagona.uz";
pub const DEMO_ESKIZ_PASSWORD: &str = "demo-eskiz-parol";
pub const DEMO_TELEGRAM_TOKEN: &str = "7012345678:AAdemo-yagona-bot";
const DEMO_RECEIPT_SECRET: &str = "demo-receipts";
const DEMO_TELEGRAM_SECRET: &str = "demo-telegram-updates";

/// The demo's channels: SMS through the Eskiz stand-in and Telegram through the Bot API
/// stand-in, both under `/sandbox` on this node (`internal`), with the gateway's delivery
/// reports coming back to the node; e-mail is caught (the node sets the catcher).
pub fn demo_notices(
    internal: &str,
) -> (
    yagona_channels::ChannelsConfig,
    std::sync::Arc<yagona_notice_sandbox::NoticeSandbox>,
) {
    let internal = internal.trim_end_matches('/');
    let sandbox =
        yagona_notice_sandbox::NoticeSandbox::new(yagona_notice_sandbox::NoticeSandboxConfig {
            eskiz_email: DEMO_ESKIZ_EMAIL.into(),
            eskiz_password: DEMO_ESKIZ_PASSWORD.into(),
            telegram_token: DEMO_TELEGRAM_TOKEN.into(),
        });
    let config = yagona_channels::ChannelsConfig {
        smtp: None,
        sms: Some(yagona_channels::EskizConfig {
            base_url: format!("{internal}/sandbox/eskiz/api"),
            email: DEMO_ESKIZ_EMAIL.into(),
            password: DEMO_ESKIZ_PASSWORD.into(),
            from: "4546".into(),
            callback_url: Some(format!(
                "{internal}/notices/sms/receipts/{DEMO_RECEIPT_SECRET}"
            )),
        }),
        telegram: Some(yagona_channels::TelegramConfig {
            base_url: format!("{internal}/sandbox/telegram"),
            token: DEMO_TELEGRAM_TOKEN.into(),
            bot: "YagonaDemoBot".into(),
            // The stand-in's "t.me" page plays a person's Telegram pressing Start.
            link_base: format!("{internal}/sandbox/telegram/t.me"),
            webhook_url: Some(format!("{internal}/notices/telegram/updates")),
            webhook_secret: Some(DEMO_TELEGRAM_SECRET.into()),
        }),
        receipt_secret: Some(DEMO_RECEIPT_SECRET.into()),
    };
    (config, std::sync::Arc::new(sandbox))
}

/// The demo citizens' confirmed addresses, added and confirmed the way a citizen does it (the
/// code read back from the notice that carries it): Dilnoza by e-mail and SMS, Jasur by
/// Telegram, Malika by SMS. Only once.
pub async fn seed_demo_contacts(db: &Db) -> anyhow::Result<()> {
    use yagona_notices::{Channel, Notices};
    let notices = Notices::new(db);
    let people: [(&str, &[(Channel, &str)]); 3] = [
        (
            demo::CITIZENS[0].0,
            &[
                (Channel::Email, "dilnoza.karimova@example.uz"),
                (Channel::Sms, "+998901234567"),
            ],
        ),
        (demo::CITIZENS[1].0, &[(Channel::Telegram, "581234567")]),
        (demo::CITIZENS[2].0, &[(Channel::Sms, "+998935551122")]),
    ];
    for (pinfl, addresses) in people {
        let pinfl = yagona_core::Pinfl::parse(pinfl)?;
        if !notices.preferences(&pinfl).await?.addresses.is_empty() {
            continue;
        }
        for (channel, address) in addresses {
            let address = notices
                .add_address(&pinfl, *channel, address, yagona_core::Locale::Uz)
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
                .context("the code notice")?;
            anyhow::ensure!(notices.confirm(&pinfl, *channel, &address, &code).await?);
        }
    }
    Ok(())
}

/// Pays a seeded application's fee the way Payme's servers would: CheckPerformTransaction,
/// CreateTransaction and PerformTransaction through Yagona's side of the Merchant API (the
/// same code the endpoint runs), so the process hears `fee-paid` as it would in life.
pub async fn pay_with_payme(
    db: &Db,
    catalogue: &yagona_registry::CatalogueCache,
    applications: &yagona_applications::Applications,
    app: &yagona_applications::Application,
) -> anyhow::Result<()> {
    use base64::Engine;
    use serde_json::json;
    let Some(invoice) = applications.invoice(app).await? else {
        return Ok(());
    };
    let merchant = yagona_payments::Merchant::new(
        db.clone(),
        std::sync::Arc::new(yagona_applications::fees::FeeSettlement::new(
            db.clone(),
            catalogue.clone(),
        )),
    );
    let payme = yagona_payments::payme::Payme::new(
        merchant,
        yagona_payments::payme::PaymeConfig::new(DEMO_PAYME_MERCHANT, DEMO_PAYME_KEY),
    );
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("Paycom:{DEMO_PAYME_KEY}"))
    );
    // Payme's transaction id: 24 hexadecimal characters, here from the invoice's number.
    let digits: String = invoice
        .number
        .as_str()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let id = format!("{:0>24}", format!("d{digits}"));
    let time = chrono::Utc::now().timestamp_millis();
    let account = json!({ "invoice": invoice.number.as_str() });
    let amount = invoice.amount.as_i64();
    for (method, params) in [
        (
            "CheckPerformTransaction",
            json!({"amount": amount, "account": account}),
        ),
        (
            "CreateTransaction",
            json!({"id": id, "time": time, "amount": amount, "account": account}),
        ),
        ("PerformTransaction", json!({"id": id})),
    ] {
        let call = json!({"id": 1, "method": method, "params": params}).to_string();
        let answer = payme.answer(Some(&auth), call.as_bytes()).await;
        if let Some(error) = answer.get("error") {
            anyhow::bail!(
                "demo payment of {}: {method} answered {error}",
                invoice.number
            );
        }
    }
    Ok(())
}

/// A minimal valid one-page PDF for demo uploads.
const DEMO_PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

/// The demo's Open311 client (a city app) and its API key, published in docs/contact-point.md like the
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
    if store.count().await? > 0 {
        return Ok(());
    }
    let cat = RegistryStore { db }.catalogue().await?;
    let today = yagona_core::tashkent_date(&yagona_core::now());
    let days_ago = |n: u64| today.checked_sub_days(chrono::Days::new(n));
    // The appeals came before the demo began: the platform registers them as received then
    // (only it and the contact centre may date an appeal back or mark it as needing checks).
    let base = |kind, channel, subject: &str, body: &str, name: &str| {
        NewAppeal::new(
            kind,
            channel,
            subject,
            body,
            name,
            Locale::Uz,
            Actor::System,
        )
    };
    let people = IdentityStore { db }.users_of(demo::IDP).await?;
    let officer = |agency: &str| -> anyhow::Result<Actor> {
        let u = people
            .iter()
            .find(|u| u.agency.as_deref() == Some(agency))
            .context("a demo officer is missing")?;
        Ok(Actor::Officer {
            user_id: u.id.clone(),
            name: u.name.clone(),
            agency: agency.to_owned(),
        })
    };
    let operator = people
        .iter()
        .find(|u| u.role == yagona_identity::Role::Operator)
        .map(|u| Actor::Operator {
            user_id: u.id.clone(),
            name: u.name.clone(),
        })
        .context("the demo operator is missing")?;

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
    let civil = officer("civil-registry")?;
    store.take(&first.id, &civil).await?;
    store
        .reply(
            &first.id,
            &civil,
            "Hurmatli Dilnoza Karimova! Tugʻruqxona maʼlumotnomasi arxivga kech kelgani uchun kechikish boʻldi. Guvohnoma tayyor va shaxsiy kabinetingizga yuborildi. Noqulaylik uchun uzr soʻraymiz.",
        )
        .await?;
    store
        .rate(
            &first.id,
            Viewer::Citizen(&Pinfl::parse("31505901234567")?),
            &Actor::Applicant {
                name: "Dilnoza Karimova".into(),
                pinfl: Some(Pinfl::parse("31505901234567")?),
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
    c.first_contact_kb = Some("no-criminal-record-how-long".into());
    c.actor = operator.clone();
    store.create(&cat, c).await?;

    // 4. A street-lighting report from the city app (Open311), with the khokimiyat.
    let (client, _) = store
        .client_by_key(DEMO_OPEN311_KEY)
        .await?
        .context("the demo's Open311 client is registered above")?;
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
    d.client_id = Some(client);
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
