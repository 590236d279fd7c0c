//! Payme's Merchant API as Payme Business calls it, and what Payme (and the citizen) would see.

use crate::support::*;
use serde_json::{json, Value};
use yagona_payments::{InvoiceStatus, Provider};

fn error_code(answer: &Value) -> i64 {
    answer["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("an error was expected: {answer}"))
}

fn result(answer: &Value) -> &Value {
    assert!(
        answer.get("error").is_none(),
        "no error was expected: {answer}"
    );
    &answer["result"]
}

async fn a_whole_payment_settles_the_invoice_once(fresh: Fresh) {
    let site = Site::new(fresh);
    let invoice = site.invoice("YG-7K4M-X9QA", 82_400).await;
    let number = invoice.number.to_string();
    assert!(
        number.starts_with("INV-2") && number.len() == 15,
        "{number}"
    );

    let check = site
        .payme(
            "CheckPerformTransaction",
            json!({ "amount": 8_240_000, "account": account(&number) }),
        )
        .await;
    assert_eq!(result(&check), &json!({ "allow": true }));
    let typed = site
        .payme(
            "CheckPerformTransaction",
            json!({ "amount": 8_240_000, "account": account(&number.to_lowercase()) }),
        )
        .await;
    assert_eq!(
        result(&typed),
        &json!({ "allow": true }),
        "the number in any case"
    );

    let id = payme_id();
    let time = site.now().timestamp_millis();
    let created = site
        .payme(
            "CreateTransaction",
            json!({ "id": id, "time": time, "amount": 8_240_000, "account": account(&number) }),
        )
        .await;
    let created = result(&created);
    assert_eq!(created["state"], 1);
    assert!(created["create_time"].as_i64().unwrap() > 0);
    assert_eq!(
        site.invoice_now(&number).await.status,
        InvoiceStatus::Pending
    );

    let performed = site.payme("PerformTransaction", json!({ "id": id })).await;
    let performed = result(&performed);
    assert_eq!(performed["state"], 2);
    assert_eq!(performed["transaction"], created["transaction"]);

    let paid = site.invoice_now(&number).await;
    assert_eq!(paid.status, InvoiceStatus::Paid);
    assert_eq!(paid.provider, Some(Provider::Payme));
    assert_eq!(paid.provider_transaction.as_deref(), Some(id.as_str()));
    assert!(paid.paid_at.is_some());
    assert_eq!(site.ledger.paid(), vec![number.clone()]);

    let checked = site.payme("CheckTransaction", json!({ "id": id })).await;
    assert_eq!(
        result(&checked),
        &json!({
            "create_time": created["create_time"],
            "perform_time": performed["perform_time"],
            "cancel_time": 0,
            "transaction": created["transaction"],
            "state": 2,
            "reason": null,
        })
    );

    // A paid invoice takes no second payment.
    let again = site
        .payme(
            "CheckPerformTransaction",
            json!({ "amount": 8_240_000, "account": account(&number) }),
        )
        .await;
    assert_eq!(error_code(&again), -31051);
    assert_eq!(again["error"]["data"], "invoice");
}

async fn calls_sent_twice_get_the_same_answers(fresh: Fresh) {
    // Payme's sandbox sends Create, Perform and Cancel twice and compares the answers.
    let site = Site::new(fresh);
    let number = site.invoice("YG-ACDE-FGHJ", 1_000).await.number.to_string();
    let id = payme_id();
    let create = json!({ "id": id, "time": site.now().timestamp_millis(), "amount": 100_000, "account": account(&number) });
    let first = site.payme("CreateTransaction", create.clone()).await;
    let second = site.payme("CreateTransaction", create).await;
    assert_eq!(first, second);
    result(&first);

    let first = site.payme("PerformTransaction", json!({ "id": id })).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let second = site.payme("PerformTransaction", json!({ "id": id })).await;
    assert_eq!(
        first, second,
        "the perform_time is the one recorded, not now"
    );
    result(&first);
    assert_eq!(site.ledger.paid().len(), 1, "credited once");

    // A cancelled (before perform) transaction answers its cancellation again.
    let other = site.invoice("YG-ACDE-FGHK", 1_000).await.number.to_string();
    let id = payme_id();
    result(
        &site
            .payme(
                "CreateTransaction",
                json!({ "id": id, "time": site.now().timestamp_millis(), "amount": 100_000, "account": account(&other) }),
            )
            .await,
    );
    let first = site
        .payme("CancelTransaction", json!({ "id": id, "reason": 1 }))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let second = site
        .payme("CancelTransaction", json!({ "id": id, "reason": 1 }))
        .await;
    assert_eq!(first, second);
    assert_eq!(result(&first)["state"], -1);
}

async fn a_wrong_or_missing_authorization_is_refused(fresh: Fresh) {
    let site = Site::new(fresh);
    let number = site.invoice("YG-ACDE-FGHM", 1_000).await.number.to_string();
    let body = json!({ "method": "CheckPerformTransaction", "params": { "amount": 100_000, "account": account(&number) }, "id": 11 }).to_string();
    for auth in [
        None,
        Some(payme_auth("not-the-key")),
        Some("Bearer x".to_owned()),
        Some("Basic !!!".to_owned()),
        Some(format!("Basic {}", {
            use base64::Engine;
            base64::engine::general_purpose::STANDARD.encode(format!("Someone:{PAYME_KEY}"))
        })),
    ] {
        let answer = site.payme_raw(auth.as_deref(), &body).await;
        assert_eq!(error_code(&answer), -32504, "{auth:?}");
        assert_eq!(answer["id"], 11);
        let message = &answer["error"]["message"];
        assert!(
            message["ru"].is_string() && message["uz"].is_string() && message["en"].is_string()
        );
    }
    // Nothing was done for it.
    assert_eq!(
        site.invoice_now(&number).await.status,
        InvoiceStatus::Unpaid
    );
}

async fn malformed_calls_get_the_protocols_errors(fresh: Fresh) {
    let site = Site::new(fresh);
    let auth = payme_auth(PAYME_KEY);
    let not_json = site.payme_raw(Some(&auth), "{not json").await;
    assert_eq!(error_code(&not_json), -32700);
    assert_eq!(not_json["id"], Value::Null);

    let unknown = site.payme("ChargeTwice", json!({})).await;
    assert_eq!(error_code(&unknown), -32601);
    assert_eq!(unknown["error"]["data"], "ChargeTwice");

    let no_method = site
        .payme_raw(Some(&auth), r#"{"params": {}, "id": 3}"#)
        .await;
    assert_eq!(error_code(&no_method), -32600);
    let no_id = site.payme("PerformTransaction", json!({})).await;
    assert_eq!(error_code(&no_id), -32600);
    let amount_as_text = site
        .payme(
            "CheckPerformTransaction",
            json!({ "amount": "100", "account": account("INV-2026-000001") }),
        )
        .await;
    assert_eq!(error_code(&amount_as_text), -32600);
    let no_account_field = site
        .payme(
            "CheckPerformTransaction",
            json!({ "amount": 100, "account": { "order_id": "1" } }),
        )
        .await;
    assert_eq!(error_code(&no_account_field), -31050);
    assert_eq!(no_account_field["error"]["data"], "invoice");

    // A body larger than any call is not read, and is answered as one that is not JSON.
    let huge = format!(
        r#"{{"method":"CheckTransaction","params":{{"id":"{}"}},"id":1}}"#,
        "x".repeat(100_000)
    );
    assert_eq!(
        error_code(&site.payme_raw(Some(&auth), &huge).await),
        -32700
    );

    // A GET is answered in the protocol too.
    let request = axum::http::Request::get(yagona_payments::payme::PATH)
        .body(axum::body::Body::empty())
        .unwrap();
    let (status, text) = site.send(request).await;
    assert_eq!(status, 200);
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(error_code(&answer), -32300);
}

async fn a_wrong_amount_is_refused(fresh: Fresh) {
    let site = Site::new(fresh);
    let number = site
        .invoice("YG-ACDE-FGHN", 82_400)
        .await
        .number
        .to_string();
    for amount in [
        json!(8_239_999),
        json!(824_000),
        json!(8_240_000.5),
        json!(0),
        json!(-8_240_000),
    ] {
        let check = site
            .payme(
                "CheckPerformTransaction",
                json!({ "amount": amount, "account": account(&number) }),
            )
            .await;
        assert_eq!(error_code(&check), -31001, "{amount}");
        let create = site
            .payme(
                "CreateTransaction",
                json!({ "id": payme_id(), "time": site.now().timestamp_millis(), "amount": amount, "account": account(&number) }),
            )
            .await;
        assert_eq!(error_code(&create), -31001, "{amount}");
    }
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

async fn an_unknown_invoice_is_an_account_error(fresh: Fresh) {
    let site = Site::new(fresh);
    for number in ["INV-2026-999999", "YG-7K4M-X9QA", "anything"] {
        let check = site
            .payme(
                "CheckPerformTransaction",
                json!({ "amount": 100, "account": account(number) }),
            )
            .await;
        assert_eq!(error_code(&check), -31050, "{number}");
        assert_eq!(check["error"]["data"], "invoice");
        assert!(check["error"]["message"]["uz"]
            .as_str()
            .unwrap()
            .contains("topilmadi"));
        let create = site
            .payme(
                "CreateTransaction",
                json!({ "id": payme_id(), "time": site.now().timestamp_millis(), "amount": 100, "account": account(number) }),
            )
            .await;
        assert_eq!(error_code(&create), -31050);
    }
    let unknown = site
        .payme("PerformTransaction", json!({ "id": payme_id() }))
        .await;
    assert_eq!(error_code(&unknown), -31003);
    let unknown = site
        .payme(
            "CancelTransaction",
            json!({ "id": payme_id(), "reason": 1 }),
        )
        .await;
    assert_eq!(error_code(&unknown), -31003);
    let unknown = site
        .payme("CheckTransaction", json!({ "id": payme_id() }))
        .await;
    assert_eq!(error_code(&unknown), -31003);
}

async fn a_second_transaction_for_an_invoice_being_paid_is_refused(fresh: Fresh) {
    let site = Site::new(fresh);
    let number = site.invoice("YG-ACDE-FGHP", 1_000).await.number.to_string();
    let first = payme_id();
    let now = site.now().timestamp_millis();
    result(
        &site
            .payme(
                "CreateTransaction",
                json!({ "id": first, "time": now, "amount": 100_000, "account": account(&number) }),
            )
            .await,
    );
    let check = site
        .payme(
            "CheckPerformTransaction",
            json!({ "amount": 100_000, "account": account(&number) }),
        )
        .await;
    assert_eq!(error_code(&check), -31008);
    let second = site
        .payme("CreateTransaction", json!({ "id": payme_id(), "time": now, "amount": 100_000, "account": account(&number) }))
        .await;
    assert_eq!(error_code(&second), -31008);
    // Nor may Click start one meanwhile.
    let click = ClickPayment::new(&number, "1000.00");
    assert_eq!(site.prepare(&click).await["error"], -9);

    // Once the first is cancelled, another may pay.
    result(
        &site
            .payme("CancelTransaction", json!({ "id": first, "reason": 3 }))
            .await,
    );
    assert_eq!(
        site.invoice_now(&number).await.status,
        InvoiceStatus::Unpaid
    );
    let third = payme_id();
    result(
        &site
            .payme(
                "CreateTransaction",
                json!({ "id": third, "time": now, "amount": 100_000, "account": account(&number) }),
            )
            .await,
    );
    result(
        &site
            .payme("PerformTransaction", json!({ "id": third }))
            .await,
    );
    assert_eq!(site.ledger.paid(), vec![number]);
}

async fn a_transaction_not_performed_in_twelve_hours_is_cancelled(fresh: Fresh) {
    let site = Site::new(fresh);
    let number = site.invoice("YG-ACDE-FGHQ", 1_000).await.number.to_string();
    let id = payme_id();
    let time = site.now().timestamp_millis();
    let params = json!({ "id": id, "time": time, "amount": 100_000, "account": account(&number) });
    result(&site.payme("CreateTransaction", params.clone()).await);

    // 43,200,000 ms after Payme's time it is still in time; a moment later it is not.
    site.advance(chrono::Duration::milliseconds(43_200_000 - 1_000));
    result(&site.payme("CreateTransaction", params.clone()).await);
    site.advance(chrono::Duration::milliseconds(2_000));
    let perform = site.payme("PerformTransaction", json!({ "id": id })).await;
    assert_eq!(error_code(&perform), -31008);
    let checked = site.payme("CheckTransaction", json!({ "id": id })).await;
    assert_eq!(result(&checked)["state"], -1);
    assert_eq!(result(&checked)["reason"], 4);
    assert_eq!(
        error_code(&site.payme("CreateTransaction", params).await),
        -31008
    );
    assert_eq!(
        site.invoice_now(&number).await.status,
        InvoiceStatus::Unpaid
    );
    assert!(site.ledger.paid().is_empty());

    // A transaction Payme dated more than 12 hours ago is not created at all.
    let stale = site
        .payme(
            "CreateTransaction",
            json!({ "id": payme_id(), "time": site.now().timestamp_millis() - 43_300_000, "amount": 100_000, "account": account(&number) }),
        )
        .await;
    assert_eq!(error_code(&stale), -31008);

    // An expired holder gives way to a new transaction, and the housekeeping finds nothing left.
    let other = site.invoice("YG-ACDE-FGHR", 1_000).await.number.to_string();
    let held = payme_id();
    result(
        &site
            .payme("CreateTransaction", json!({ "id": held, "time": site.now().timestamp_millis(), "amount": 100_000, "account": account(&other) }))
            .await,
    );
    site.advance(chrono::Duration::hours(13));
    let fresh_id = payme_id();
    result(
        &site
            .payme("CreateTransaction", json!({ "id": fresh_id, "time": site.now().timestamp_millis(), "amount": 100_000, "account": account(&other) }))
            .await,
    );
    let old = site
        .store()
        .transaction(Provider::Payme, &held)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((old.state.code(), old.reason), (-1, Some(4)));
    assert_eq!(site.store().release_expired(site.now()).await.unwrap(), 0);
    site.advance(chrono::Duration::hours(13));
    assert_eq!(site.store().release_expired(site.now()).await.unwrap(), 1);
    assert_eq!(site.invoice_now(&other).await.status, InvoiceStatus::Unpaid);
}

async fn a_cancel_before_perform_releases_the_invoice(fresh: Fresh) {
    let site = Site::new(fresh);
    let number = site.invoice("YG-ACDE-FGHT", 1_000).await.number.to_string();
    let id = payme_id();
    result(
        &site
            .payme("CreateTransaction", json!({ "id": id, "time": site.now().timestamp_millis(), "amount": 100_000, "account": account(&number) }))
            .await,
    );
    let cancelled = site
        .payme("CancelTransaction", json!({ "id": id, "reason": 2 }))
        .await;
    let cancelled = result(&cancelled);
    assert_eq!(cancelled["state"], -1);
    assert!(cancelled["cancel_time"].as_i64().unwrap() > 0);
    let checked = site.payme("CheckTransaction", json!({ "id": id })).await;
    assert_eq!(result(&checked)["reason"], 2);
    assert_eq!(result(&checked)["perform_time"], 0);
    assert_eq!(
        error_code(&site.payme("PerformTransaction", json!({ "id": id })).await),
        -31008
    );
    assert_eq!(
        site.invoice_now(&number).await.status,
        InvoiceStatus::Unpaid
    );
    assert!(site.ledger.paid().is_empty() && site.ledger.refunded().is_empty());
}

async fn a_cancel_after_perform_refunds_only_where_allowed(fresh: Fresh) {
    let site = Site::new(fresh);
    let number = site.invoice("YG-ACDE-FGHW", 1_000).await.number.to_string();
    let id = payme_id();
    result(
        &site
            .payme("CreateTransaction", json!({ "id": id, "time": site.now().timestamp_millis(), "amount": 100_000, "account": account(&number) }))
            .await,
    );
    result(&site.payme("PerformTransaction", json!({ "id": id })).await);

    // The service was provided (or allows no refund): Payme is told it cannot cancel.
    let refused = site
        .payme("CancelTransaction", json!({ "id": id, "reason": 5 }))
        .await;
    assert_eq!(error_code(&refused), -31007);
    assert_eq!(site.invoice_now(&number).await.status, InvoiceStatus::Paid);

    // The application was rejected and its service allows refunds.
    let allowed = site.store().allow_refund(&number).await.unwrap();
    assert!(allowed.refund_allowed);
    let first = site
        .payme("CancelTransaction", json!({ "id": id, "reason": 5 }))
        .await;
    let second = site
        .payme("CancelTransaction", json!({ "id": id, "reason": 5 }))
        .await;
    assert_eq!(first, second);
    assert_eq!(result(&first)["state"], -2);
    let refunded = site.invoice_now(&number).await;
    assert_eq!(refunded.status, InvoiceStatus::Refunded);
    assert_eq!(refunded.provider_transaction.as_deref(), Some(id.as_str()));
    assert_eq!(site.ledger.refunded(), vec![number.clone()]);
    let checked = site.payme("CheckTransaction", json!({ "id": id })).await;
    let checked = result(&checked);
    assert_eq!(
        (checked["state"].as_i64(), checked["reason"].as_i64()),
        (Some(-2), Some(5))
    );
    assert!(checked["perform_time"].as_i64().unwrap() > 0);
    // A refunded invoice is not paid again.
    let check = site
        .payme(
            "CheckPerformTransaction",
            json!({ "amount": 100_000, "account": account(&number) }),
        )
        .await;
    assert_eq!(error_code(&check), -31052);
}

async fn the_statement_lists_every_transaction_by_paymes_time(fresh: Fresh) {
    let site = Site::new(fresh);
    let base = site.now().timestamp_millis();
    let mut ids = Vec::new();
    for (i, application) in ["YG-ACDE-FGJA", "YG-ACDE-FGJC", "YG-ACDE-FGJD"]
        .iter()
        .enumerate()
    {
        let number = site.invoice(application, 500).await.number.to_string();
        let id = payme_id();
        let time = base + i as i64 * 1_000;
        result(
            &site
                .payme("CreateTransaction", json!({ "id": id, "time": time, "amount": 50_000, "account": account(&number) }))
                .await,
        );
        ids.push((id, time, number));
    }
    result(
        &site
            .payme("PerformTransaction", json!({ "id": ids[0].0 }))
            .await,
    );
    result(
        &site
            .payme("CancelTransaction", json!({ "id": ids[1].0, "reason": 3 }))
            .await,
    );

    let statement = site
        .payme("GetStatement", json!({ "from": base, "to": base + 1_000 }))
        .await;
    let transactions = result(&statement)["transactions"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        transactions.len(),
        2,
        "from and to are both included: {transactions:?}"
    );
    assert_eq!(transactions[0]["id"], json!(ids[0].0));
    assert_eq!(transactions[0]["time"], json!(ids[0].1));
    assert_eq!(transactions[0]["amount"], 50_000);
    assert_eq!(transactions[0]["account"], account(&ids[0].2));
    assert_eq!(transactions[0]["state"], 2);
    assert!(transactions[0]["perform_time"].as_i64().unwrap() > 0);
    assert_eq!(
        transactions[1]["state"], -1,
        "cancelled ones are listed too"
    );
    assert_eq!(transactions[1]["reason"], 3);
    assert_eq!(transactions[1]["receivers"], Value::Null);
    let all = site
        .payme("GetStatement", json!({ "from": base, "to": base + 10_000 }))
        .await;
    assert_eq!(result(&all)["transactions"].as_array().unwrap().len(), 3);
    let none = site
        .payme(
            "GetStatement",
            json!({ "from": base - 10_000, "to": base - 1 }),
        )
        .await;
    assert_eq!(result(&none), &json!({ "transactions": [] }));
}

async fn a_changed_password_is_in_force_at_once(fresh: Fresh) {
    let site = Site::new(fresh);
    let changed = site
        .payme(
            "ChangePassword",
            json!({ "password": "n3w-Key-0f-the-cashbox-36-chars-long" }),
        )
        .await;
    assert_eq!(result(&changed), &json!({ "success": true }));
    let body = json!({ "method": "CheckTransaction", "params": { "id": payme_id() }, "id": 1 })
        .to_string();
    let old = site.payme_raw(Some(&payme_auth(PAYME_KEY)), &body).await;
    assert_eq!(error_code(&old), -32504);
    let new = site
        .payme_raw(
            Some(&payme_auth("n3w-Key-0f-the-cashbox-36-chars-long")),
            &body,
        )
        .await;
    assert_eq!(error_code(&new), -31003);
}

async fn an_invoice_past_its_due_date_takes_no_payment(fresh: Fresh) {
    let site = Site::new(fresh);
    let invoice = site
        .store()
        .create_invoice(&yagona_payments::NewInvoice {
            application: "YG-ACDE-FGJE".into(),
            service: "passport".into(),
            payer: yagona_core::Pinfl::parse("31505901234567").unwrap(),
            amount: yagona_payments::Tiyin::from_som(10).unwrap(),
            expires_at: Some(site.now() + chrono::Duration::hours(1)),
        })
        .await
        .unwrap();
    let number = invoice.number.to_string();
    let check = json!({ "amount": 1_000, "account": account(&number) });
    result(&site.payme("CheckPerformTransaction", check.clone()).await);
    site.advance(chrono::Duration::hours(2));
    let late = site.payme("CheckPerformTransaction", check).await;
    assert_eq!(error_code(&late), -31052);
    // A withdrawn invoice neither.
    let other = site.invoice("YG-ACDE-FGJF", 10).await.number.to_string();
    let cancelled = site.store().cancel_invoice(&other).await.unwrap();
    assert_eq!(cancelled.status, InvoiceStatus::Cancelled);
    let check = site
        .payme(
            "CheckPerformTransaction",
            json!({ "amount": 1_000, "account": account(&other) }),
        )
        .await;
    assert_eq!(error_code(&check), -31052);
}

on_both_databases!(
    a_whole_payment_settles_the_invoice_once,
    calls_sent_twice_get_the_same_answers,
    a_wrong_or_missing_authorization_is_refused,
    malformed_calls_get_the_protocols_errors,
    a_wrong_amount_is_refused,
    an_unknown_invoice_is_an_account_error,
    a_second_transaction_for_an_invoice_being_paid_is_refused,
    a_transaction_not_performed_in_twelve_hours_is_cancelled,
    a_cancel_before_perform_releases_the_invoice,
    a_cancel_after_perform_refunds_only_where_allowed,
    the_statement_lists_every_transaction_by_paymes_time,
    a_changed_password_is_in_force_at_once,
    an_invoice_past_its_due_date_takes_no_payment,
);
