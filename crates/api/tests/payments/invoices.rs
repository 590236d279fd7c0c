//! Invoices: one per application, numbered in the year's sequence; the links that send the
//! citizen to pay them; and the merchant endpoints in OpenAPI.

use crate::support::*;
use std::sync::Arc;
use yagona_core::Pinfl;
use yagona_payments::checkout::PaymeLanguage;
use yagona_payments::{InvoiceStatus, NewInvoice, PaymentError, Tiyin};

fn fee(application: &str, som: i64) -> NewInvoice {
    NewInvoice {
        application: application.into(),
        service: "birth-certificate-duplicate".into(),
        payer: Pinfl::parse("31505901234567").unwrap(),
        amount: Tiyin::from_som(som).unwrap(),
        expires_at: None,
    }
}

async fn an_application_has_one_invoice_numbered_without_gaps(fresh: Fresh) {
    let site = Site::new(fresh);
    let store = site.store();
    let first = store
        .create_invoice(&fee("YG-7K4M-X9QA", 82_400))
        .await
        .unwrap();
    let again = store
        .create_invoice(&fee("YG-7K4M-X9QA", 82_400))
        .await
        .unwrap();
    assert_eq!(first, again, "asked again, the same invoice");
    let second = store
        .create_invoice(&fee("YG-7K4M-X9QB", 82_400))
        .await
        .unwrap();
    let year = yagona_core::tashkent_date(&first.created_at)
        .format("%Y")
        .to_string();
    assert_eq!(first.number.as_str(), format!("INV-{year}-000001"));
    assert_eq!(second.number.as_str(), format!("INV-{year}-000002"));
    assert_eq!(first.status, InvoiceStatus::Unpaid);
    assert_eq!(first.amount.as_i64(), 8_240_000);

    // Asked for another amount, it does not quietly answer with the old invoice.
    let differs = store.create_invoice(&fee("YG-7K4M-X9QA", 41_200)).await;
    assert!(
        matches!(differs, Err(PaymentError::InvoiceDiffers { .. })),
        "{differs:?}"
    );

    assert_eq!(
        store.invoice(first.number.as_str()).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(
        store.invoice("inv-2026-000001").await.unwrap().is_some(),
        year == "2026"
    );
    assert_eq!(
        store.invoice_for_application("YG-7K4M-X9QB").await.unwrap(),
        Some(second.clone())
    );
    assert_eq!(store.invoice("INV-1999-000001").await.unwrap(), None);
    assert_eq!(store.invoice("nonsense").await.unwrap(), None);

    let listed = store
        .invoices(first.created_at, site.now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(listed, vec![first, second]);
}

async fn invoices_asked_for_at_once_are_one_per_application(fresh: Fresh) {
    let site = Arc::new(Site::new(fresh));
    let calls: Vec<_> = (0..12)
        .map(|i| {
            let site = site.clone();
            tokio::spawn(async move {
                site.store()
                    .create_invoice(&fee(&format!("YG-CONC-{:04}", i % 4), 100))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut numbers = Vec::new();
    for call in calls {
        numbers.push(call.await.unwrap().number.to_string());
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 4, "{numbers:?}");
    let seqs: Vec<u32> = numbers.iter().map(|n| n[9..].parse().unwrap()).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4], "no gaps");
}

async fn checkout_links_carry_the_invoice(fresh: Fresh) {
    use base64::Engine;
    let site = Site::new(fresh);
    let invoice = site.invoice("YG-7K4M-X9QC", 82_400).await;
    let payme = payme_config();
    let link = payme.checkout_link(
        &invoice,
        PaymeLanguage::for_locale("uz-Cyrl"),
        "https://my.gov.uz/a?b=1;c",
    );
    let encoded = link.strip_prefix("https://checkout.paycom.uz/").unwrap();
    let decoded = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        decoded,
        format!(
            "m={PAYME_MERCHANT};ac.invoice={};a=8240000;l=uz;c=https://my.gov.uz/a?b=1%3Bc",
            invoice.number
        )
    );

    let mut click = click_config();
    assert_eq!(
        click.checkout_link(&invoice, "https://my.gov.uz/a?b=1&c=2"),
        format!(
            "https://my.click.uz/services/pay/?service_id={CLICK_SERVICE}&merchant_id={CLICK_MERCHANT}&amount=82400.00&transaction_param={}&return_url=https%3A%2F%2Fmy.gov.uz%2Fa%3Fb%3D1%26c%3D2",
            invoice.number
        )
    );
    click.checkout_url = "http://127.0.0.1:9/click/services/pay".into();
    assert!(click
        .checkout_link(&invoice, "/")
        .starts_with("http://127.0.0.1:9/click/services/pay?service_id="));
}

on_both_databases!(
    an_application_has_one_invoice_numbered_without_gaps,
    invoices_asked_for_at_once_are_one_per_application,
    checkout_links_carry_the_invoice,
);

#[test]
fn the_merchant_endpoints_are_described_in_openapi() {
    use utoipa::OpenApi;
    let doc = serde_json::to_value(yagona_api::payments::PaymentsApi::openapi()).unwrap();
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
    assert_eq!(
        doc["paths"]["/payments/click/prepare"]["post"]["requestBody"]["content"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        vec!["application/x-www-form-urlencoded"]
    );
    assert_eq!(
        doc["components"]["securitySchemes"]["payme_basic"]["scheme"],
        "basic"
    );
    assert!(doc["components"]["schemas"]["ClickCompleteAnswer"].is_object());
}
