//! The e-Government Centre reconciles a payment provider's daily statement against Yagona's
//! records, on the administrators' page and with `yagona payments reconcile`: a statement that
//! agrees, one that lacks a transaction, one with another amount, one that cannot be read (named
//! by its line, and nothing compared), and only administrators see any of it. On both databases.

mod common;
use chrono::{Duration, NaiveDate};
use common::*;
use reqwest::StatusCode;
use serde_json::json;
use std::process::Command;
use yagona_core::{group_thousands, tashkent_date, tashkent_day_start, Timestamp};
use yagona_db::Db;
use yagona_payments::{PaymentStore, Provider, ProviderTransaction};

on_both_databases!(
    a_statement_is_reconciled_on_the_page,
    wrong_answers_and_unreadable_statements_come_back_with_what_to_fix,
    only_administrators_see_payments
);

const HEADER: &str = "id,time,amount,account,create_time,perform_time,cancel_time,state,reason";

fn millis(t: Option<Timestamp>) -> i64 {
    t.map_or(0, |t| t.timestamp_millis())
}

/// A transaction as Payme's statement lists it.
fn payme_line(t: &ProviderTransaction) -> String {
    format!(
        "{},{},{},{},{},{},{},{},{}",
        t.provider_id,
        t.provider_time.expect("Payme's time"),
        t.amount.as_i64(),
        t.invoice,
        t.created_at.timestamp_millis(),
        millis(t.performed_at),
        millis(t.cancelled_at),
        t.state.code(),
        t.reason.map(|r| r.to_string()).unwrap_or_default()
    )
}

fn statement(lines: &[String]) -> String {
    let mut s = format!("{HEADER}\n");
    for l in lines {
        s.push_str(l);
        s.push('\n');
    }
    s
}

/// Payme's transactions around now (the test's database has no others), and the Tashkent day
/// Payme dated them (all on one day, unless the test ran across midnight).
async fn payme_transactions(db: &Db) -> (Vec<ProviderTransaction>, NaiveDate) {
    let today = tashkent_date(&yagona_core::now());
    let all = PaymentStore::new(db)
        .provider_transactions(
            Provider::Payme,
            tashkent_day_start(today - Duration::days(1)),
            tashkent_day_start(today + Duration::days(1)),
        )
        .await
        .unwrap();
    let day = all
        .first()
        .and_then(|t| chrono::DateTime::from_timestamp_millis(t.provider_time?))
        .map(|t| tashkent_date(&t))
        .expect("a Payme transaction");
    (all, day)
}

/// A submitted duplicate certificate, its fee paid through Payme.
async fn paid_application(app: &TestApp) -> String {
    submitted(
        app,
        CITIZEN_A,
        "civil-certificate-duplicate",
        json!({
            "certificate_type": "birth", "reason": "lost", "subject_pinfl": CITIZEN_A,
            "registration_year": 1990, "registry_region": "tashkent-city", "delivery": "electronic",
        }),
    )
    .await
}

/// Posts the reconciliation form as a browser would.
async fn reconcile_on_page(
    b: &mut Browser,
    lang: &str,
    provider: Option<&str>,
    (day, month, year): (&str, &str, &str),
    file: Option<&str>,
) -> Page {
    let token = b.get(&format!("/admin/payments?lang={lang}")).await.csrf();
    let mut parts = vec![
        Part::Text("csrf_token", &token),
        Part::Text("date-day", day),
        Part::Text("date-month", month),
        Part::Text("date-year", year),
    ];
    if let Some(p) = provider {
        parts.push(Part::Text("provider", p));
    }
    if let Some(f) = file {
        parts.push(Part::File(
            "statement",
            "statement.csv",
            f.as_bytes().to_vec(),
        ));
    }
    b.post_multipart(&format!("/admin/payments?lang={lang}"), parts)
        .await
}

fn date_parts(d: NaiveDate) -> (String, String, String) {
    (
        d.format("%-d").to_string(),
        d.format("%-m").to_string(),
        d.format("%Y").to_string(),
    )
}

fn soms(tiyin: i64) -> String {
    format!("{} soʻm", group_thousands(tiyin / 100))
}

async fn a_statement_is_reconciled_on_the_page(app: TestApp) {
    paid_application(&app).await;
    paid_application(&app).await;
    let (ours, day) = payme_transactions(&app.db).await;
    assert_eq!(ours.len(), 2, "two fees paid through Payme");
    let (d, m, y) = date_parts(day);
    let date = (d.as_str(), m.as_str(), y.as_str());
    let mut admin = app.signed_in("admin").await;

    // The summary: today's invoices, issued and paid, with their total.
    let page = admin.get("/admin/payments?lang=en").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let total: i64 = ours.iter().map(|t| t.amount.as_i64()).sum();
    assert!(page.contains(&soms(total)), "{}", page.body);
    assert!(page.contains("The last seven days"));

    // The statement as Payme writes it: everything agrees.
    let exact = statement(&ours.iter().map(payme_line).collect::<Vec<_>>());
    let done = reconcile_on_page(&mut admin, "en", Some("payme"), date, Some(&exact)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.contains("id=\"matched\">2<"), "{}", done.body);
    assert!(done.contains("id=\"difference-count\">0<"));
    assert!(done.contains("The statement and Yagona’s records agree."));

    // A statement without the second transaction: one difference, named, with Yagona's side.
    let missing = statement(&[payme_line(&ours[0])]);
    let done = reconcile_on_page(&mut admin, "en", Some("payme"), date, Some(&missing)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.contains("id=\"matched\">1<"), "{}", done.body);
    assert!(done.contains("id=\"difference-count\">1<"));
    assert_eq!(done.body.matches("data-kind=").count(), 1);
    assert!(done.contains("data-kind=\"missing-at-provider\""));
    assert!(done.contains("Not in the statement"));
    assert!(done.contains(&ours[1].provider_id) && done.contains(ours[1].invoice.as_str()));
    assert!(done.contains(&format!("{}, Paid", soms(ours[1].amount.as_i64()))));

    // Another amount at Payme: both amounts shown.
    let mut changed = ours[0].clone();
    changed.amount = yagona_payments::Tiyin::new(changed.amount.as_i64() + 100_000).unwrap();
    let other = statement(&[payme_line(&changed), payme_line(&ours[1])]);
    let done = reconcile_on_page(&mut admin, "en", Some("payme"), date, Some(&other)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(done.body.matches("data-kind=").count(), 1, "{}", done.body);
    assert!(done.contains("data-kind=\"amount-mismatch\""));
    assert!(done.contains("Amounts differ"));
    assert!(done.contains(&soms(ours[0].amount.as_i64())));
    assert!(done.contains(&soms(changed.amount.as_i64())));

    // In Russian too, and reconciling changed nothing.
    let done = reconcile_on_page(&mut admin, "ru", Some("payme"), date, Some(&missing)).await;
    assert!(done.contains("Нет в выписке"), "{}", done.body);
    let (again, _) = payme_transactions(&app.db).await;
    assert_eq!(again, ours);
}

async fn wrong_answers_and_unreadable_statements_come_back_with_what_to_fix(app: TestApp) {
    paid_application(&app).await;
    let (ours, day) = payme_transactions(&app.db).await;
    let (d, m, y) = date_parts(day);
    let date = (d.as_str(), m.as_str(), y.as_str());
    let mut admin = app.signed_in("admin").await;

    // Nothing chosen: every field says what to fix, in the page's language.
    let empty = reconcile_on_page(&mut admin, "en", None, ("", "", ""), None).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.contains("There is a problem") || empty.contains("govuk-error-summary"));
    for message in [
        "Choose the payment system",
        "Enter the day of the statement as a real date",
        "Choose the statement file",
    ] {
        assert!(empty.contains(message), "{message}: {}", empty.body);
    }
    let uz = reconcile_on_page(&mut admin, "uz", None, ("31", "2", "2026"), None).await;
    assert_eq!(uz.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(uz.contains("Toʻlov tizimini tanlang"), "{}", uz.body);
    assert!(uz.contains("Koʻchirma kunini haqiqiy sana sifatida kiriting"));

    // A day that is not a date, a provider that is not one.
    let exact = statement(&ours.iter().map(payme_line).collect::<Vec<_>>());
    let wrong = reconcile_on_page(
        &mut admin,
        "en",
        Some("paypal"),
        ("31", "2", &y),
        Some(&exact),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.contains("Choose the payment system"));
    assert!(wrong.contains("Enter the day of the statement as a real date"));
    assert!(!wrong.contains("id=\"matched\""), "nothing was compared");

    // A line that cannot be read is named.
    let malformed = format!(
        "{HEADER}\n{},not-a-time,{},{},0,0,0,2,\n{}\n",
        ours[0].provider_id,
        ours[0].amount.as_i64(),
        ours[0].invoice,
        payme_line(&ours[0])
    );
    let bad = reconcile_on_page(&mut admin, "en", Some("payme"), date, Some(&malformed)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.contains("line 2"), "{}", bad.body);
    assert!(bad.contains("<title>Error: Payments — Yagona</title>"));
    assert!(
        bad.contains("href=\"#statement\""),
        "the summary leads to the file"
    );
    assert!(!bad.contains("id=\"matched\""));
    // Click's statement read as Payme's does not fit either.
    let click = "payment_id,click_trans_id,merchant_trans_id,amount,status,date\n\
                 1,2,INV-2026-000001,82400.00,confirmed,2026-01-02 11:05:00\n";
    let bad = reconcile_on_page(&mut admin, "en", Some("payme"), date, Some(click)).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.contains("The statement cannot be read at line"));
    // The answers stay.
    assert!(bad.contains(&format!(
        "name=\"date-day\" type=\"text\" inputmode=\"numeric\" autocomplete=\"off\" value=\"{d}\""
    )));
    assert!(bad.contains("value=\"payme\" checked"));
    let (again, _) = payme_transactions(&app.db).await;
    assert_eq!(again, ours, "nothing changed");
}

async fn only_administrators_see_payments(app: TestApp) {
    // Nobody signed in: to the sign-in first.
    let mut anonymous = app.client();
    let page = anonymous.get("/admin/payments").await;
    assert!(page.status.is_redirection(), "{}", page.status);
    assert!(page.location.unwrap_or_default().starts_with("/sign-in"));

    // A citizen: refused, and the form refused as well.
    let mut citizen = app.signed_in(CITIZEN_A).await;
    assert_eq!(
        citizen.get("/admin/payments").await.status,
        StatusCode::FORBIDDEN
    );
    let token = citizen.get("/").await.csrf();
    let refused = citizen
        .post_multipart(
            "/admin/payments",
            vec![
                Part::Text("csrf_token", &token),
                Part::Text("provider", "payme"),
                Part::File("statement", "s.csv", HEADER.as_bytes().to_vec()),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.contains("id=\"matched\""));

    // An officer neither.
    let mut officer = app.signed_in(CIVIL_REGISTRY_OFFICER).await;
    assert_eq!(
        officer.get("/admin/payments").await.status,
        StatusCode::FORBIDDEN
    );

    // The administrator: the page, reached from the registry page's links.
    let mut admin = app.signed_in("admin").await;
    assert!(admin
        .get("/admin?lang=en")
        .await
        .contains("href=\"/admin/payments\""));
    let page = admin.get("/admin/payments?lang=en").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("<h1 class=\"govuk-heading-xl\">Payments</h1>"));
    assert!(page.contains("enctype=\"multipart/form-data\""));
    let page = admin.get("/admin/payments?lang=uz").await;
    assert!(page.contains("Soʻnggi yetti kun"), "{}", page.body);
}

// `yagona payments reconcile`, on a database of its own with one fee paid through Payme.

const PAYME_KEY: &str = "test-cashbox-key";

/// Migrates the database, and has one invoice paid as Payme pays it.
async fn one_payme_payment(db: &Db) {
    use base64::Engine;
    yagona::migrate(db).await.unwrap();
    let invoice = PaymentStore::new(db)
        .create_invoice(&yagona_payments::NewInvoice {
            application: "YG-TEST-0001".into(),
            service: "civil-certificate-duplicate".into(),
            payer: yagona_core::Pinfl::parse(CITIZEN_A).unwrap(),
            amount: yagona_payments::Tiyin::from_som(82_400).unwrap(),
            expires_at: None,
        })
        .await
        .unwrap();
    let payme = yagona_payments::payme::Payme::new(
        yagona_payments::Merchant::new(
            db.clone(),
            std::sync::Arc::new(yagona_payments::NoSettlement),
        ),
        yagona_payments::payme::PaymeConfig::new("test-cashbox", PAYME_KEY),
    );
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("Paycom:{PAYME_KEY}"))
    );
    let account = json!({"invoice": invoice.number.as_str()});
    let amount = invoice.amount.as_i64();
    let time = chrono::Utc::now().timestamp_millis();
    for (method, params) in [
        (
            "CheckPerformTransaction",
            json!({"amount": amount, "account": account}),
        ),
        (
            "CreateTransaction",
            json!({"id": "00000000000000000000c101", "time": time, "amount": amount, "account": account}),
        ),
        (
            "PerformTransaction",
            json!({"id": "00000000000000000000c101"}),
        ),
    ] {
        let call = json!({"id": 1, "method": method, "params": params}).to_string();
        let answer = payme.answer(Some(&auth), call.as_bytes()).await;
        assert!(answer.get("error").is_none(), "{method}: {answer}");
    }
}

fn yagona(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yagona"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn the_command_line_reconciles(url: &str, db: &Db) {
    one_payme_payment(db).await;
    let (ours, day) = payme_transactions(db).await;
    let files = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = files.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let day = day.format("%Y-%m-%d").to_string();
    let run = |file: &str| {
        yagona(&[
            "payments",
            "reconcile",
            "--database",
            url,
            "--provider",
            "payme",
            "--date",
            &day,
            "--statement",
            file,
        ])
    };

    let exact = write(
        "exact.csv",
        &statement(&ours.iter().map(payme_line).collect::<Vec<_>>()),
    );
    let (code, out, err) = run(&exact);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("1 matched, 0 differences"), "{out}");

    let missing = write("missing.csv", &statement(&[]));
    let (code, out, err) = run(&missing);
    assert_eq!(code, Some(1), "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(
        lines[1],
        format!(
            "missing-at-provider provider_id={} invoice={} amount=82400.00 yagona=paid",
            ours[0].provider_id, ours[0].invoice
        )
    );

    let mut changed = ours[0].clone();
    changed.amount = yagona_payments::Tiyin::from_som(82_500).unwrap();
    let other = write("other.csv", &statement(&[payme_line(&changed)]));
    let (code, out, _) = run(&other);
    assert_eq!(code, Some(1));
    assert!(
        out.contains("amount-mismatch") && out.contains("yagona=82400.00 provider=82500.00"),
        "{out}"
    );

    let malformed = write(
        "malformed.csv",
        &format!("{HEADER}\nabc,1,x,INV-2026-000001,0,0,0,2,\n"),
    );
    let (code, out, err) = run(&malformed);
    assert_eq!(code, Some(2), "{out}{err}");
    assert!(err.contains("line 2:"), "{err}");
    assert!(out.is_empty(), "{out}");

    let (code, _, err) = run(&files.path().join("none.csv").display().to_string());
    assert_eq!(code, Some(2), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_reconciles_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = Db::sqlite_url_in(dir.path());
    let db = Db::connect(&url).await.unwrap();
    the_command_line_reconciles(&url, &db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_reconciles_on_postgres() {
    if let Some((db, schema)) = yagona_db::testing::Schema::create("t").await {
        the_command_line_reconciles(&schema.url, &db).await;
    }
}
