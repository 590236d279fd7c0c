//! Click's SHOP API as Click calls it: Prepare, then Complete.

use crate::support::*;
use serde_json::Value;
use yagona_payments::{InvoiceStatus, Provider};

fn error(answer: &Value) -> i64 {
    answer["error"]
        .as_i64()
        .unwrap_or_else(|| panic!("no error field: {answer}"))
}

async fn a_whole_payment_settles_the_invoice_once(fresh: Fresh) {
    let site = Site::new(fresh);
    let number = site
        .invoice("YG-7K4M-X9QB", 82_400)
        .await
        .number
        .to_string();
    let payment = ClickPayment::new(&number, "82400.00");

    let prepared = site.prepare(&payment).await;
    assert_eq!(error(&prepared), 0, "{prepared}");
    assert_eq!(prepared["error_note"], "Success");
    assert_eq!(
        prepared["click_trans_id"].to_string(),
        payment.click_trans_id
    );
    assert_eq!(prepared["merchant_trans_id"], number.as_str());
    let prepare_id = prepare_id(&prepared);
    assert_eq!(
        site.invoice_now(&number).await.status,
        InvoiceStatus::Pending
    );

    let completed = site.complete(&payment, &prepare_id, 0).await;
    assert_eq!(error(&completed), 0, "{completed}");
    assert_eq!(completed["merchant_confirm_id"].to_string(), prepare_id);
    let paid = site.invoice_now(&number).await;
    assert_eq!(paid.status, InvoiceStatus::Paid);
    assert_eq!(paid.provider, Some(Provider::Click));
    assert_eq!(
        paid.provider_transaction.as_deref(),
        Some(payment.click_trans_id.as_str())
    );
    assert_eq!(site.ledger.paid(), vec![number]);
}

async fn clicks_fifteen_test_scenarios_are_answered_as_click_expects(fresh: Fresh) {
    // docs.click.uz/testing/postman, in order.
    let site = Site::new(fresh);
    let number = site.invoice("YG-7K4M-X9QC", 1_500).await.number.to_string();
    let payment = ClickPayment::new(&number, "1500.00");

    // 1. Prepare with a wrong signature.
    let mut forged = payment.prepare_form();
    forged
        .iter_mut()
        .find(|(k, _)| k == "sign_string")
        .unwrap()
        .1 = "0".repeat(32);
    assert_eq!(
        error(
            &site
                .click_raw(yagona_payments::click::PREPARE_PATH, &forged)
                .await
        ),
        -1
    );
    // 2. Prepare for an order that does not exist.
    let missing = ClickPayment::new("INV-2026-999999", "1500.00");
    assert_eq!(error(&site.prepare(&missing).await), -5);
    // 3. Prepare for a valid unpaid order.
    let prepared = site.prepare(&payment).await;
    assert_eq!(error(&prepared), 0);
    let id = prepare_id(&prepared);
    // 4. Complete with a wrong signature.
    let mut forged = payment.complete_form(&id, 0);
    forged
        .iter_mut()
        .find(|(k, _)| k == "sign_string")
        .unwrap()
        .1 = "f".repeat(32);
    assert_eq!(
        error(
            &site
                .click_raw(yagona_payments::click::COMPLETE_PATH, &forged)
                .await
        ),
        -1
    );
    // 5. Complete with an incorrect amount (300).
    let three_hundred = ClickPayment {
        amount: "300".into(),
        ..payment.clone()
    };
    assert_eq!(error(&site.complete(&three_hundred, &id, 0).await), -2);
    // 6. Complete: confirmed.
    assert_eq!(error(&site.complete(&payment, &id, 0).await), 0);
    // 7. The same Complete again: already paid.
    assert_eq!(error(&site.complete(&payment, &id, 0).await), -4);
    assert_eq!(site.ledger.paid().len(), 1);
    // 8. Click cancels the confirmed payment (error -5017): cancelled, and the invoice is
    //    unpaid again, the platform told the money went back.
    assert_eq!(error(&site.complete(&payment, &id, -5017).await), -9);
    assert_eq!(
        site.invoice_now(&number).await.status,
        InvoiceStatus::Unpaid
    );
    assert_eq!(site.ledger.refunded(), vec![number.clone()]);

    // 9. A new preparation.
    let second = ClickPayment::new(&number, "1500.00");
    let prepared = site.prepare(&second).await;
    assert_eq!(error(&prepared), 0);
    let id = prepare_id(&prepared);
    // 10. Complete with a prepare id that does not exist.
    assert_eq!(error(&site.complete(&second, "999999999", 0).await), -6);
    // 11. Complete with the right one.
    assert_eq!(error(&site.complete(&second, &id, 0).await), 0);
    assert_eq!(site.invoice_now(&number).await.status, InvoiceStatus::Paid);

    // 12. A new preparation, on another invoice.
    let other = site.invoice("YG-7K4M-X9QD", 1_500).await.number.to_string();
    let third = ClickPayment::new(&other, "1500.00");
    let prepared = site.prepare(&third).await;
    assert_eq!(error(&prepared), 0);
    let id = prepare_id(&prepared);
    // 13. Click cancels it (error -5017).
    assert_eq!(error(&site.complete(&third, &id, -5017).await), -9);
    // 14. And again.
    assert_eq!(error(&site.complete(&third, &id, -5017).await), -9);
    // 15. A confirmation of the cancelled payment.
    assert_eq!(error(&site.complete(&third, &id, 0).await), -9);
    assert_eq!(site.invoice_now(&other).await.status, InvoiceStatus::Unpaid);
    assert_eq!(site.ledger.paid(), vec![number.clone(), number]);
}

async fn a_wrong_signature_changes_nothing(fresh: Fresh) {
    let site = Site::new(fresh);
    let number = site.invoice("YG-7K4M-X9QE", 100).await.number.to_string();
    // Signed with another secret, or the amount written otherwise than it was signed.
    let wrong_secret = ClickPayment {
        secret: "guessed".into(),
        ..ClickPayment::new(&number, "100.00")
    };
    assert_eq!(error(&site.prepare(&wrong_secret).await), -1);
    let payment = ClickPayment::new(&number, "100.00");
    let mut reformatted = payment.prepare_form();
    reformatted
        .iter_mut()
        .find(|(k, _)| k == "amount")
        .unwrap()
        .1 = "100".into();
    let answer = site
        .click_raw(yagona_payments::click::PREPARE_PATH, &reformatted)
        .await;
    assert_eq!(error(&answer), -1);
    assert_eq!(answer["error_note"], "SIGN CHECK FAILED!");
    assert_eq!(
        site.invoice_now(&number).await.status,
        InvoiceStatus::Unpaid
    );
    assert!(site
        .store()
        .transactions_of(&number)
        .await
        .unwrap()
        .is_empty());
}

async fn amounts_must_be_the_invoices_exactly(fresh: Fresh) {
    let site = Site::new(fresh);
    let number = site
        .invoice("YG-7K4M-X9QF", 82_400)
        .await
        .number
        .to_string();
    for amount in ["82399.99", "82400.01", "824", "8240000"] {
        assert_eq!(
            error(&site.prepare(&ClickPayment::new(&number, amount)).await),
            -2,
            "{amount}"
        );
    }
    for amount in ["82400.001", "8.24e4", "-82400", "82 400", "", "82400,00"] {
        assert_eq!(
            error(&site.prepare(&ClickPayment::new(&number, amount)).await),
            -2,
            "{amount:?}"
        );
    }
    // Written with or without decimals, the same sum is accepted.
    let answer = site.prepare(&ClickPayment::new(&number, "82400")).await;
    assert_eq!(error(&answer), 0);
    assert_eq!(
        site.invoice_now(&number).await.status,
        InvoiceStatus::Pending
    );
}

async fn an_invoice_already_paid_is_not_paid_again(fresh: Fresh) {
    let site = Site::new(fresh);
    let number = site.invoice("YG-7K4M-X9QG", 100).await.number.to_string();
    let first = ClickPayment::new(&number, "100.00");
    let id = prepare_id(&site.prepare(&first).await);
    assert_eq!(error(&site.complete(&first, &id, 0).await), 0);
    // Another attempt at Click, or at Payme.
    let second = ClickPayment::new(&number, "100.00");
    let answer = site.prepare(&second).await;
    assert_eq!(error(&answer), -4);
    assert_eq!(answer["error_note"], "Already paid");
    assert_eq!(answer["merchant_prepare_id"], 0);
    let payme = site
        .payme(
            "CheckPerformTransaction",
            serde_json::json!({ "amount": 10_000, "account": account(&number) }),
        )
        .await;
    assert_eq!(payme["error"]["code"], -31051);
    // Its own Prepare again says the same.
    assert_eq!(error(&site.prepare(&first).await), -4);
    assert_eq!(site.ledger.paid().len(), 1);
}

async fn retried_calls_get_the_same_answers(fresh: Fresh) {
    let site = Site::new(fresh);
    let number = site.invoice("YG-7K4M-X9QH", 100).await.number.to_string();
    let payment = ClickPayment::new(&number, "100.00");
    let first = site.prepare(&payment).await;
    let second = site.prepare(&payment).await;
    assert_eq!(
        first, second,
        "a Prepare retried answers the same prepare id"
    );
    let id = prepare_id(&first);
    let done = site.complete(&payment, &id, 0).await;
    assert_eq!(error(&done), 0);
    let again = site.complete(&payment, &id, 0).await;
    assert_eq!(
        error(&again),
        -4,
        "Click reads -4 on a retried Complete as done"
    );
    assert_eq!(again["merchant_confirm_id"], done["merchant_confirm_id"]);
    assert_eq!(site.ledger.paid().len(), 1);
}

async fn malformed_calls_get_clicks_errors(fresh: Fresh) {
    let site = Site::new(fresh);
    let number = site.invoice("YG-7K4M-X9QJ", 100).await.number.to_string();
    let payment = ClickPayment::new(&number, "100.00");
    let path = yagona_payments::click::PREPARE_PATH;
    // An action that is neither.
    let mut form = payment.prepare_form();
    form.iter_mut().find(|(k, _)| k == "action").unwrap().1 = "2".into();
    assert_eq!(error(&site.click_raw(path, &form).await), -3);
    // A missing field, an id that is not a number, a repeated field.
    let mut form = payment.prepare_form();
    form.retain(|(k, _)| k != "sign_time");
    assert_eq!(error(&site.click_raw(path, &form).await), -8);
    let mut form = payment.prepare_form();
    form.iter_mut()
        .find(|(k, _)| k == "click_trans_id")
        .unwrap()
        .1 = "12x".into();
    assert_eq!(error(&site.click_raw(path, &form).await), -8);
    let mut form = payment.prepare_form();
    form.push(("amount".into(), "1.00".into()));
    assert_eq!(error(&site.click_raw(path, &form).await), -8);
    // Another service, correctly signed.
    let other_service = ClickPayment {
        service_id: "99999".into(),
        ..payment.clone()
    };
    assert_eq!(error(&site.prepare(&other_service).await), -8);
    // A Complete without its prepare id.
    let mut form = payment.complete_form("1", 0);
    form.retain(|(k, _)| k != "merchant_prepare_id");
    assert_eq!(
        error(
            &site
                .click_raw(yagona_payments::click::COMPLETE_PATH, &form)
                .await
        ),
        -8
    );
    // A body larger than any call.
    let mut form = payment.prepare_form();
    form.push(("padding".into(), "x".repeat(100_000)));
    assert_eq!(error(&site.click_raw(path, &form).await), -8);
    // Not even a form.
    let request = axum::http::Request::post(path)
        .body(axum::body::Body::from("\u{0}\u{1}garbage"))
        .unwrap();
    let (status, text) = site.send(request).await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["error"], -8);
    assert_eq!(
        site.invoice_now(&number).await.status,
        InvoiceStatus::Unpaid
    );
}

async fn a_complete_for_another_payment_is_refused(fresh: Fresh) {
    let site = Site::new(fresh);
    let number = site.invoice("YG-7K4M-X9QK", 100).await.number.to_string();
    let other = site.invoice("YG-7K4M-X9QM", 100).await.number.to_string();
    let payment = ClickPayment::new(&number, "100.00");
    let id = prepare_id(&site.prepare(&payment).await);
    // The prepare id of this payment, sent with another attempt's id or another invoice.
    let stranger = ClickPayment::new(&number, "100.00");
    assert_eq!(error(&site.complete(&stranger, &id, 0).await), -6);
    let elsewhere = ClickPayment {
        merchant_trans_id: other.clone(),
        ..payment.clone()
    };
    assert_eq!(error(&site.complete(&elsewhere, &id, 0).await), -6);
    assert_eq!(error(&site.complete(&payment, "not-a-number", 0).await), -6);
    assert_eq!(
        site.invoice_now(&number).await.status,
        InvoiceStatus::Pending
    );
    assert_eq!(site.invoice_now(&other).await.status, InvoiceStatus::Unpaid);
}

async fn an_abandoned_prepare_gives_way_after_its_time(fresh: Fresh) {
    let site = Site::new(fresh);
    let number = site.invoice("YG-7K4M-X9QN", 100).await.number.to_string();
    let abandoned = ClickPayment::new(&number, "100.00");
    let id = prepare_id(&site.prepare(&abandoned).await);
    let next = ClickPayment::new(&number, "100.00");
    assert_eq!(
        error(&site.prepare(&next).await),
        -9,
        "held while the first may complete"
    );
    site.advance(chrono::Duration::minutes(61));
    let prepared = site.prepare(&next).await;
    assert_eq!(error(&prepared), 0);
    // The first one's late Complete is told it was cancelled; the second completes.
    assert_eq!(error(&site.complete(&abandoned, &id, 0).await), -9);
    assert_eq!(
        error(&site.complete(&next, &prepare_id(&prepared), 0).await),
        0
    );
    assert_eq!(site.ledger.paid(), vec![number]);
}

on_both_databases!(
    a_whole_payment_settles_the_invoice_once,
    clicks_fifteen_test_scenarios_are_answered_as_click_expects,
    a_wrong_signature_changes_nothing,
    amounts_must_be_the_invoices_exactly,
    an_invoice_already_paid_is_not_paid_again,
    retried_calls_get_the_same_answers,
    malformed_calls_get_clicks_errors,
    a_complete_for_another_payment_is_refused,
    an_abandoned_prepare_gives_way_after_its_time,
);
