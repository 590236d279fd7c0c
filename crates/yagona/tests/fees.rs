//! A paid service as its citizen and its officer meet it: the fee on "check your answers", the
//! invoice on the confirmation and the application's page, the process waiting for the payment,
//! the pay button that leads to the provider's checkout (the sandbox, speaking Payme's and
//! Click's protocols to the node), the payment settling the invoice and moving the process on,
//! a refund when the application is refused, and an unpaid application closed when its time
//! runs out.

mod common;

use common::{Browser, TestApp};
use reqwest::StatusCode;
use yagona_payments::{InvoiceStatus, Provider};

const DILNOZA: &str = "31505901234567";
const SERVICE: &str = "civil-certificate-duplicate";

/// Applies for a duplicate certificate through the portal's pages, up to "check your answers";
/// returns the reference and that page.
async fn fill_duplicate_certificate(b: &mut Browser) -> (String, common::Page) {
    let token = b.get(&format!("/services/{SERVICE}")).await.csrf();
    let started = b
        .post(
            &format!("/services/{SERVICE}/apply"),
            &[("csrf_token", &token)],
        )
        .await;
    let location = started.location.expect("to the first step");
    let reference = location.split('/').nth(2).unwrap().to_owned();
    let steps = format!("/applications/{reference}/steps");
    for (step, next, fields) in [
        (
            "certificate",
            "record",
            vec![("certificate_type", "birth"), ("reason", "lost")],
        ),
        (
            "record",
            "delivery",
            vec![
                ("subject_pinfl", DILNOZA),
                ("registration_year", "1990"),
                ("registry_region", "tashkent-city"),
            ],
        ),
    ] {
        let mut fields = fields;
        fields.push(("action", "continue"));
        let p = b
            .submit(
                &format!("{steps}/{step}"),
                &format!("{steps}/{step}"),
                &fields,
            )
            .await;
        assert_eq!(
            p.location.as_deref(),
            Some(format!("{steps}/{next}").as_str()),
            "{step}: {}",
            p.body
        );
    }
    let token = b.get(&format!("{steps}/delivery")).await.csrf();
    let p = b
        .post_multipart(
            &format!("{steps}/delivery"),
            vec![
                common::Part::Text("csrf_token", &token),
                common::Part::Text("delivery", "electronic"),
                common::Part::Text("action", "continue"),
            ],
        )
        .await;
    let check = format!("/applications/{reference}/check");
    assert_eq!(p.location.as_deref(), Some(check.as_str()), "{}", p.body);
    let page = b.get(&check).await;
    (reference, page)
}

/// Submits from "check your answers"; answers the confirmation page.
async fn submit(b: &mut Browser, reference: &str) -> common::Page {
    let check = format!("/applications/{reference}/check");
    let p = b
        .submit(&check, &format!("/applications/{reference}/submit"), &[])
        .await;
    assert_eq!(
        p.location.as_deref(),
        Some(format!("/applications/{reference}/confirmation").as_str()),
        "{}",
        p.body
    );
    b.get(&format!("/applications/{reference}/confirmation"))
        .await
}

/// The pay button for `provider`, followed as a browser does: our 303 to the provider's
/// checkout, its page, its Pay button, and its 303 back to the application. Answers the page
/// the citizen lands on.
async fn pay(b: &mut Browser, reference: &str, provider: &str) -> common::Page {
    let page = format!("/applications/{reference}");
    let to_checkout = b
        .submit(
            &page,
            &format!("/applications/{reference}/pay"),
            &[("provider", provider)],
        )
        .await;
    assert_eq!(
        to_checkout.status,
        StatusCode::SEE_OTHER,
        "{}",
        to_checkout.body
    );
    let link = to_checkout.location.expect("to the checkout");
    assert!(
        link.contains(&format!("/sandbox/{provider}/")),
        "the provider's checkout: {link}"
    );
    let checkout = b.get(&b.local(&link)).await;
    assert_eq!(checkout.status, StatusCode::OK, "{}", checkout.body);
    let mut fields = checkout.hidden_fields();
    fields.push(("choice".into(), "pay".into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let paid = b.post(&format!("/sandbox/{provider}/pay"), &pairs).await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.body);
    let back = paid.location.expect("back to the portal");
    assert!(
        back.ends_with(&format!("/applications/{reference}?paid={provider}")),
        "{back}"
    );
    b.get(&b.local(&back)).await
}

async fn officer_tasks(app: &TestApp, reference: &str) -> usize {
    let reference = yagona_core::ReferenceNumber::parse(reference).unwrap();
    let current = app
        .node
        .applications
        .store()
        .get(
            &reference,
            yagona_applications::Viewer::Agency("civil-registry"),
        )
        .await
        .unwrap()
        .expect("the agency sees the application");
    app.node
        .applications
        .tasks_for(&current, "civil-registry")
        .await
        .unwrap()
        .len()
}

async fn invoice(app: &TestApp, reference: &str) -> yagona_payments::Invoice {
    yagona_payments::PaymentStore::new(&app.db)
        .invoice_for_application(reference)
        .await
        .unwrap()
        .expect("an invoice")
}

async fn the_fee_is_invoiced_paid_through_payme_and_the_review_starts(app: TestApp) {
    let mut b = app.signed_in(DILNOZA).await;
    let (reference, check) = fill_duplicate_certificate(&mut b).await;
    // 0.2 × BHM 412,000 = 82,400 soʻm, said before submitting.
    assert!(check.text().contains("82\u{a0}400 soʻm"), "{}", check.body);

    let confirmation = submit(&mut b, &reference).await;
    let text = confirmation.text();
    let inv = invoice(&app, &reference).await;
    assert_eq!(inv.amount.as_i64(), 8_240_000, "in tiyin");
    assert_eq!(inv.status, InvoiceStatus::Unpaid);
    assert!(inv.number.as_str().starts_with("INV-20"), "{}", inv.number);
    assert!(text.contains(inv.number.as_str()), "{text}");
    assert!(text.contains("id=\"pay-payme\"") && text.contains("id=\"pay-click\""));
    // The process waits for the payment: nothing for the officers yet, and the page says so.
    assert_eq!(officer_tasks(&app, &reference).await, 0);
    let waiting = b.get(&format!("/applications/{reference}")).await.text();
    assert!(
        waiting.contains("id=\"current-step\">Awaiting payment of the fee<"),
        "{waiting}"
    );
    assert!(
        waiting.contains("id=\"invoice-status\">Not paid<"),
        "{waiting}"
    );

    let back = pay(&mut b, &reference, "payme").await;
    assert_eq!(back.status, StatusCode::OK);
    let text = back.text();
    let inv = invoice(&app, &reference).await;
    assert_eq!(inv.status, InvoiceStatus::Paid);
    assert_eq!(inv.provider, Some(Provider::Payme));
    assert!(text.contains("id=\"invoice-status\">Paid<"), "{text}");
    assert!(text.contains("Fee paid"), "the history says so: {text}");
    assert!(!text.contains("id=\"pay-payme\""), "nothing more to pay");
    // The payment moved the process on, in the same transaction: the review is open.
    assert_eq!(officer_tasks(&app, &reference).await, 1);

    // The officer sees the invoice paid.
    let mut officer = app.signed_in("officer-civil-registry").await;
    let seen = officer
        .get(&format!("/staff/applications/{reference}"))
        .await;
    assert!(seen.text().contains(inv.number.as_str()), "{}", seen.body);

    // The providers' endpoints are in the OpenAPI document with the rest of the API.
    let doc = b.get("/api/openapi.json").await.json();
    for path in [
        "/payments/payme",
        "/payments/click/prepare",
        "/payments/click/complete",
    ] {
        assert!(
            doc["paths"][path]["post"].is_object(),
            "{path} is described"
        );
    }

    // A second press of the pay button (an old tab) leads nowhere near a checkout.
    let again = b
        .post(
            &format!("/applications/{reference}/pay"),
            &[("csrf_token", &back.csrf()), ("provider", "click")],
        )
        .await;
    assert_eq!(
        again.location.as_deref(),
        Some(format!("/applications/{reference}").as_str())
    );
    // Someone else's application: not found, and no checkout.
    let mut jasur = app.signed_in("30912850420017").await;
    let token = jasur.get("/applications").await.csrf();
    let foreign = jasur
        .post(
            &format!("/applications/{reference}/pay"),
            &[("csrf_token", &token), ("provider", "payme")],
        )
        .await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
}

/// The civil registry's officer refuses the application.
async fn refuse(app: &TestApp, reference: &str) {
    common::decide(
        app,
        reference,
        "civil-registry",
        "reject",
        Some("1990-yilgi dalolatnoma yozuvi topilmadi."),
    )
    .await;
    app.run_engine().await;
}

/// The e-Government Centre's list of fees to give back, as its administrator sees it.
async fn refunds_listed(app: &TestApp) -> String {
    let mut admin = app.signed_in("admin").await;
    let page = admin.get("/admin/payments").await;
    assert_eq!(page.status, StatusCode::OK);
    let text = page.text();
    match text.split_once("id=\"refunds\"") {
        Some((_, table)) => table.split("</table>").next().unwrap_or("").to_owned(),
        None => String::new(),
    }
}

async fn a_refused_application_gets_its_click_payment_back(app: TestApp) {
    let mut b = app.signed_in(DILNOZA).await;
    let (reference, _) = fill_duplicate_certificate(&mut b).await;
    submit(&mut b, &reference).await;
    let back = pay(&mut b, &reference, "click").await;
    assert!(back.text().contains("through Click"), "{}", back.body);
    assert_eq!(
        invoice(&app, &reference).await.provider,
        Some(Provider::Click)
    );

    refuse(&app, &reference).await;
    let inv = invoice(&app, &reference).await;
    assert!(
        inv.refund_allowed,
        "the service refunds a refused application's fee"
    );
    assert!(refunds_listed(&app).await.contains(inv.number.as_str()));
    assert!(b
        .get(&format!("/applications/{reference}"))
        .await
        .text()
        .contains("the fee will be returned"));

    // The node asks Click to reverse the payment; the sandbox does; the invoice is refunded.
    assert_eq!(app.node.payments_round().await, 1);
    let inv = invoice(&app, &reference).await;
    assert_eq!(inv.status, InvoiceStatus::Refunded);
    let page = b.get(&format!("/applications/{reference}")).await.text();
    assert!(page.contains("Fee refunded"), "{page}");
    assert!(page.contains("id=\"invoice-status\">Refunded<"), "{page}");
    // Asked again, nothing more goes back.
    assert_eq!(app.node.payments_round().await, 0);
    assert!(!refunds_listed(&app).await.contains(inv.number.as_str()));
}

async fn a_refused_application_gets_its_payme_payment_back_from_the_cashbox(app: TestApp) {
    let mut b = app.signed_in(DILNOZA).await;
    let (reference, _) = fill_duplicate_certificate(&mut b).await;
    submit(&mut b, &reference).await;
    pay(&mut b, &reference, "payme").await;
    // Before any refusal, Payme's cashbox cannot take the money back.
    let inv = invoice(&app, &reference).await;
    let payme_id = inv.provider_transaction.clone().unwrap();
    let early = b
        .post(
            "/sandbox/payme/cabinet/cancel",
            &[("id", payme_id.as_str())],
        )
        .await
        .json();
    assert_eq!(early["error"]["code"], -31007, "{early}");
    assert_eq!(invoice(&app, &reference).await.status, InvoiceStatus::Paid);

    refuse(&app, &reference).await;
    // Payme's refunds are the cashbox owner's to make: the Centre's page lists it, with the
    // transaction to cancel in Payme Business; the node does not ask Payme itself.
    let listed = refunds_listed(&app).await;
    assert!(
        listed.contains(inv.number.as_str()) && listed.contains(&payme_id),
        "{listed}"
    );
    assert_eq!(app.node.payments_round().await, 0);
    let cancelled = b
        .post(
            "/sandbox/payme/cabinet/cancel",
            &[("id", payme_id.as_str())],
        )
        .await
        .json();
    assert_eq!(cancelled["result"]["state"], -2, "{cancelled}");
    assert_eq!(
        invoice(&app, &reference).await.status,
        InvoiceStatus::Refunded
    );
    let page = b.get(&format!("/applications/{reference}")).await.text();
    assert!(page.contains("Fee refunded"), "{page}");
    assert!(!refunds_listed(&app).await.contains(inv.number.as_str()));
}

async fn an_unpaid_application_closes_when_its_time_runs_out(app: TestApp) {
    let mut b = app.signed_in(DILNOZA).await;
    let (reference, _) = fill_duplicate_certificate(&mut b).await;
    submit(&mut b, &reference).await;
    // 30 days to pay, and a day for a payment begun on the last one.
    app.run_engine_at(chrono::Utc::now() + chrono::Duration::days(29))
        .await;
    assert_eq!(
        invoice(&app, &reference).await.status,
        InvoiceStatus::Unpaid
    );
    app.run_engine_at(chrono::Utc::now() + chrono::Duration::days(32))
        .await;
    let inv = invoice(&app, &reference).await;
    assert_eq!(inv.status, InvoiceStatus::Cancelled);
    let page = b.get(&format!("/applications/{reference}")).await.text();
    assert!(page.contains("the fee was not paid in time"), "{page}");
    assert!(!page.contains("id=\"pay-payme\""), "{page}");
    // Payme is told the invoice can no longer be paid.
    let auth = format!("Basic {}", base64_paycom(yagona::demo::DEMO_PAYME_KEY));
    let answer = reqwest::Client::new()
        .post(format!("{}/payments/payme", app.address))
        .header("authorization", auth)
        .json(&serde_json::json!({"id": 3, "method": "CheckPerformTransaction",
            "params": {"amount": inv.amount.as_i64(), "account": {"invoice": inv.number.as_str()}}}))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(answer["error"]["code"], -31052, "{answer}");
}

/// One of Click's SHOP API calls, signed as Click signs it, to this node.
async fn click_call(
    app: &TestApp,
    invoice: &yagona_payments::Invoice,
    action: &str,
    prepare_id: Option<&str>,
) -> serde_json::Value {
    use yagona::demo::{DEMO_CLICK_SECRET, DEMO_CLICK_SERVICE};
    let amount = invoice.amount.som_text();
    let sign_time = "2026-12-06 10:00:00";
    let sign = yagona_payments::click::sign_string(
        "3100200300",
        DEMO_CLICK_SERVICE,
        DEMO_CLICK_SECRET,
        invoice.number.as_str(),
        prepare_id,
        &amount,
        action,
        sign_time,
    );
    let mut form = vec![
        ("click_trans_id", "3100200300".to_owned()),
        ("service_id", DEMO_CLICK_SERVICE.to_owned()),
        ("click_paydoc_id", "4100200300".to_owned()),
        ("merchant_trans_id", invoice.number.to_string()),
        ("amount", amount),
        ("action", action.to_owned()),
        ("error", "0".to_owned()),
        ("error_note", "Success".to_owned()),
        ("sign_time", sign_time.to_owned()),
        ("sign_string", sign),
    ];
    if let Some(id) = prepare_id {
        form.push(("merchant_prepare_id", id.to_owned()));
    }
    let path = if action == "0" { "prepare" } else { "complete" };
    reqwest::Client::new()
        .post(format!("{}/payments/click/{path}", app.address))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn a_payment_finished_after_the_application_closed_goes_back(app: TestApp) {
    let mut b = app.signed_in(DILNOZA).await;
    let (reference, _) = fill_duplicate_certificate(&mut b).await;
    submit(&mut b, &reference).await;
    let inv = invoice(&app, &reference).await;
    // Click prepares the payment, then is slow to complete it: meanwhile the time to pay runs
    // out and the application closes.
    let prepared = click_call(&app, &inv, "0", None).await;
    assert_eq!(prepared["error"], 0, "{prepared}");
    let prepare_id = prepared["merchant_prepare_id"].to_string();
    app.run_engine_at(chrono::Utc::now() + chrono::Duration::days(32))
        .await;
    let page = b.get(&format!("/applications/{reference}")).await.text();
    assert!(page.contains("id=\"status\">Rejected<"), "{page}");
    // The late Complete is taken (Click has debited the card), and the money is to go back:
    // the closed application is not reopened.
    let completed = click_call(&app, &inv, "1", Some(&prepare_id)).await;
    assert_eq!(completed["error"], 0, "{completed}");
    let inv = invoice(&app, &reference).await;
    assert_eq!(inv.status, InvoiceStatus::Paid);
    assert!(inv.refund_allowed);
    let page = b.get(&format!("/applications/{reference}")).await.text();
    assert!(page.contains("id=\"status\">Rejected<"), "{page}");
    assert!(page.contains("the fee will be returned"), "{page}");
    // On the e-Government Centre's list until Click has given it back.
    assert!(refunds_listed(&app).await.contains(inv.number.as_str()));
}

fn base64_paycom(key: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("Paycom:{key}"))
}

on_both_databases!(
    the_fee_is_invoiced_paid_through_payme_and_the_review_starts,
    a_refused_application_gets_its_click_payment_back,
    a_refused_application_gets_its_payme_payment_back_from_the_cashbox,
    an_unpaid_application_closes_when_its_time_runs_out,
    a_payment_finished_after_the_application_closed_goes_back,
);
