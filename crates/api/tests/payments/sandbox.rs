//! The citizen's path end to end over HTTP on local ports: the portal's checkout link opens the
//! sandbox provider's page, Pay makes the provider's real calls to Yagona's merchant endpoints,
//! and the citizen comes back to the portal; refunds and the day's statements go the same way.

use crate::support::*;
use std::sync::Arc;
use yagona_api::payments::ClickHttpApi;
use yagona_payments::checkout::PaymeLanguage;
use yagona_payments::reconcile::reconcile;
use yagona_payments::{InvoiceStatus, Provider};
use yagona_payments_sandbox::{ClickSide, PaymeSide, Sandbox, SandboxConfig};

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{address}")
}

fn hidden<'a>(html: &'a str, name: &str) -> &'a str {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    let end = html[start..].find('"').unwrap() + start;
    &html[start..end]
}

/// HTML escapes (`&amp;`, `&#x2f;`, …) undone, as a browser reads a value.
fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

async fn the_sandbox_pages_pay_through_the_real_endpoints(fresh: Fresh) {
    let mut click_config = click_config();
    let site = Arc::new(Site::with(fresh, payme_config(), click_config.clone()));
    let merchant_url = serve(site.router.clone()).await;

    let sandbox = Arc::new(Sandbox::new(SandboxConfig {
        payme: Some(PaymeSide {
            merchant_name: "Public Services Agency".into(),
            merchant_id: PAYME_MERCHANT.into(),
            endpoint: format!("{merchant_url}/payments/payme"),
            login: "Paycom".into(),
            key: PAYME_KEY.into(),
            account_field: "invoice".into(),
        }),
        click: Some(ClickSide {
            merchant_name: "Public Services Agency".into(),
            service_id: CLICK_SERVICE.into(),
            merchant_id: CLICK_MERCHANT.into(),
            merchant_user_id: CLICK_USER.into(),
            secret_key: CLICK_SECRET.into(),
            prepare_url: format!("{merchant_url}/payments/click/prepare"),
            complete_url: format!("{merchant_url}/payments/click/complete"),
        }),
        mount: String::new(),
    }));
    let provider = serve(yagona_payments_sandbox::routes(sandbox.clone())).await;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let portal_return = "http://portal.invalid/applications/YG-7K4M-X9QA?paid=1";

    // Payme: the link, the page, Pay.
    let first = site.invoice("YG-7K4M-X9QA", 82_400).await;
    let mut payme = payme_config();
    payme.checkout_url = format!("{provider}/payme/checkout");
    let link = payme.checkout_link(&first, PaymeLanguage::En, portal_return);
    let page = browser.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">"), "{html}");
    assert!(html.contains("<h1>Pay with Payme"));
    assert!(html.contains("Public Services Agency"));
    assert!(html.contains(first.number.as_str()));
    assert!(html.contains("82\u{a0}400.00 soʻm"), "{html}");
    assert!(html.contains("value=\"pay\"") && html.contains("value=\"cancel\""));
    assert!(!html.contains("<script"));
    let token = unescape(hidden(&html, "token"));
    let paid = browser
        .post(format!("{provider}/payme/pay"))
        .form(&[("token", token.as_str()), ("choice", "pay")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        paid.status(),
        303,
        "{}",
        paid.text().await.unwrap_or_default()
    );
    assert_eq!(paid.headers()["location"], portal_return);
    let invoice = site.invoice_now(first.number.as_str()).await;
    assert_eq!(invoice.status, InvoiceStatus::Paid);
    assert_eq!(invoice.provider, Some(Provider::Payme));
    assert_eq!(site.ledger.paid(), vec![first.number.to_string()]);

    // Click: the link, the page, Pay.
    let second = site.invoice("YG-7K4M-X9QB", 150).await;
    click_config.checkout_url = format!("{provider}/click/services/pay/");
    click_config.api_url = format!("{provider}/click/v2/merchant");
    let link = click_config.checkout_link(&second, portal_return);
    let html = browser
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<h1>Pay with Click"), "{html}");
    assert!(html.contains("150.00 soʻm"));
    let fields: Vec<(String, String)> = [
        "service_id",
        "merchant_id",
        "amount",
        "transaction_param",
        "return_url",
    ]
    .iter()
    .map(|n| (n.to_string(), unescape(hidden(&html, n))))
    .chain([("choice".to_string(), "pay".to_string())])
    .collect();
    let paid = browser
        .post(format!("{provider}/click/pay"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(
        paid.status(),
        303,
        "{}",
        paid.text().await.unwrap_or_default()
    );
    assert_eq!(paid.headers()["location"], portal_return);
    assert_eq!(
        site.invoice_now(second.number.as_str()).await.status,
        InvoiceStatus::Paid
    );

    // Cancel: back to the portal, nothing paid. Pay for an invoice already paid: refused.
    let third = site.invoice("YG-7K4M-X9QC", 10).await;
    let link = payme.checkout_link(&third, PaymeLanguage::Uz, portal_return);
    let html = browser
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = unescape(hidden(&html, "token"));
    let cancelled = browser
        .post(format!("{provider}/payme/pay"))
        .form(&[("token", token.as_str()), ("choice", "cancel")])
        .send()
        .await
        .unwrap();
    assert_eq!(cancelled.status(), 303);
    assert_eq!(
        site.invoice_now(third.number.as_str()).await.status,
        InvoiceStatus::Unpaid
    );
    let link = payme.checkout_link(&first, PaymeLanguage::En, portal_return);
    let html = browser
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = unescape(hidden(&html, "token"));
    let refused = browser
        .post(format!("{provider}/payme/pay"))
        .form(&[("token", token.as_str()), ("choice", "pay")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 200);
    let text = refused.text().await.unwrap();
    assert!(
        text.contains("Payment refused") && text.contains("-31051"),
        "{text}"
    );
    assert_eq!(site.ledger.paid().len(), 2, "no second payment");

    // The day's statements agree with Yagona's records.
    let today = yagona_core::tashkent_date(&site.now());
    for (path, which) in [("payme", Provider::Payme), ("click", Provider::Click)] {
        let csv = browser
            .get(format!("{provider}/{path}/statement.csv?date={today}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let outcome = reconcile(&site.store(), which, today, &csv).await.unwrap();
        assert_eq!(
            (outcome.matched, outcome.differences.clone()),
            (1, vec![]),
            "{path}: {csv}"
        );
    }

    // Refunds: the application was rejected and the service allows them.
    site.store()
        .allow_refund(second.number.as_str())
        .await
        .unwrap();
    let refunded = site
        .click
        .refund(second.number.as_str(), &ClickHttpApi::new(&click_config))
        .await
        .unwrap();
    assert_eq!(refunded.status, InvoiceStatus::Refunded);
    assert_eq!(sandbox.click_books()[0].status, "reversed");
    let again = site
        .click
        .refund(second.number.as_str(), &ClickHttpApi::new(&click_config))
        .await
        .unwrap();
    assert_eq!(again.status, InvoiceStatus::Refunded);
    // A wrong secret is refused by Click's side, and changes nothing here.
    let third_paid = {
        let link = click_config.checkout_link(&third, portal_return);
        let html = browser
            .get(&link)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let fields: Vec<(String, String)> = [
            "service_id",
            "merchant_id",
            "amount",
            "transaction_param",
            "return_url",
        ]
        .iter()
        .map(|n| (n.to_string(), unescape(hidden(&html, n))))
        .chain([("choice".to_string(), "pay".to_string())])
        .collect();
        browser
            .post(format!("{provider}/click/pay"))
            .form(&fields)
            .send()
            .await
            .unwrap()
    };
    assert_eq!(third_paid.status(), 303);
    site.store()
        .allow_refund(third.number.as_str())
        .await
        .unwrap();
    let mut wrong = click_config.clone();
    wrong.secret_key = "not-the-secret".into();
    let refused = site
        .click
        .refund(third.number.as_str(), &ClickHttpApi::new(&wrong))
        .await;
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(
        site.invoice_now(third.number.as_str()).await.status,
        InvoiceStatus::Paid
    );

    // Payme: the cashbox owner cancels the paid transaction in Payme Business.
    let payme_id = sandbox.payme_books()[0].id.clone();
    let cancel = |id: String| {
        let browser = browser.clone();
        let url = format!("{provider}/payme/cabinet/cancel");
        async move {
            browser
                .post(url)
                .form(&[("id", id.as_str()), ("reason", "5")])
                .send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    let not_allowed = cancel(payme_id.clone()).await;
    assert_eq!(not_allowed["error"]["code"], -31007, "{not_allowed}");
    site.store()
        .allow_refund(first.number.as_str())
        .await
        .unwrap();
    let done = cancel(payme_id).await;
    assert_eq!(done["result"]["state"], -2, "{done}");
    assert_eq!(
        site.invoice_now(first.number.as_str()).await.status,
        InvoiceStatus::Refunded
    );
    assert_eq!(
        site.ledger.refunded(),
        vec![second.number.to_string(), first.number.to_string()]
    );
}

async fn a_link_the_sandbox_cannot_read_gets_a_page_not_a_crash(fresh: Fresh) {
    let site = Site::new(fresh);
    let sandbox = Arc::new(Sandbox::new(SandboxConfig {
        payme: Some(PaymeSide {
            merchant_name: "Agency".into(),
            merchant_id: PAYME_MERCHANT.into(),
            endpoint: "http://127.0.0.1:9/payments/payme".into(),
            login: "Paycom".into(),
            key: PAYME_KEY.into(),
            account_field: "invoice".into(),
        }),
        click: None,
        mount: String::new(),
    }));
    let provider = serve(yagona_payments_sandbox::routes(sandbox)).await;
    let browser = reqwest::Client::new();
    for path in [
        "/payme/checkout/!!!notbase64",
        "/payme/checkout/bT0xO2E9MQ==",
        "/click/services/pay/?service_id=1&merchant_id=2&amount=x&transaction_param=y",
    ] {
        let page = browser
            .get(format!("{provider}{path}"))
            .send()
            .await
            .unwrap();
        assert!(page.status().is_client_error(), "{path}: {}", page.status());
        assert!(page.text().await.unwrap().contains("<h1>"));
    }
    drop(site);
}

on_both_databases!(
    the_sandbox_pages_pay_through_the_real_endpoints,
    a_link_the_sandbox_cannot_read_gets_a_page_not_a_crash,
);
