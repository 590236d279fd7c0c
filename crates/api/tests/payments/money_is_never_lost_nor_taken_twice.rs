//! Two calls at once credit once; a call that fails before its commit leaves nothing half done,
//! and the provider's retry completes it.

use crate::support::*;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use yagona_payments::{InvoiceStatus, Provider, TransactionState};

async fn two_performs_at_once_credit_once(fresh: Fresh) {
    let site = Arc::new(Site::new(fresh));
    for round in 0..5 {
        let number = site
            .invoice(&format!("YG-PERF-{round:04}"), 1_000)
            .await
            .number
            .to_string();
        let id = payme_id();
        site.payme(
            "CreateTransaction",
            json!({ "id": id, "time": site.now().timestamp_millis(), "amount": 100_000, "account": account(&number) }),
        )
        .await;
        let calls: Vec<_> = (0..4)
            .map(|_| {
                let (site, id) = (site.clone(), id.clone());
                tokio::spawn(
                    async move { site.payme("PerformTransaction", json!({ "id": id })).await },
                )
            })
            .collect();
        let mut answers = Vec::new();
        for call in calls {
            answers.push(call.await.unwrap());
        }
        for answer in &answers {
            assert_eq!(answer["result"]["state"], 2, "{answer}");
            assert_eq!(
                answer["result"], answers[0]["result"],
                "every caller gets the same answer"
            );
        }
        assert_eq!(site.invoice_now(&number).await.status, InvoiceStatus::Paid);
    }
    let paid = site.ledger.paid();
    assert_eq!(paid.len(), 5, "each invoice credited once: {paid:?}");
}

async fn two_creates_at_once_for_one_invoice_hold_it_once(fresh: Fresh) {
    let site = Arc::new(Site::new(fresh));
    let number = site.invoice("YG-CREA-TE01", 1_000).await.number.to_string();
    let time = site.now().timestamp_millis();
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let (site, number) = (site.clone(), number.clone());
            tokio::spawn(async move {
                let id = payme_id();
                let answer = site
                    .payme("CreateTransaction", json!({ "id": id, "time": time, "amount": 100_000, "account": account(&number) }))
                    .await;
                (id, answer)
            })
        })
        .collect();
    let mut created = Vec::new();
    for call in calls {
        let (id, answer) = call.await.unwrap();
        if answer.get("result").is_some() {
            created.push(id);
        } else {
            assert_eq!(answer["error"]["code"], -31008, "{answer}");
        }
    }
    assert_eq!(created.len(), 1, "one transaction holds the invoice");
    let held = site.store().transactions_of(&number).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].provider_id, created[0]);
}

async fn two_completes_at_once_credit_once(fresh: Fresh) {
    let site = Arc::new(Site::new(fresh));
    for round in 0..5 {
        let number = site
            .invoice(&format!("YG-COMP-{round:04}"), 100)
            .await
            .number
            .to_string();
        let payment = ClickPayment::new(&number, "100.00");
        let id = prepare_id(&site.prepare(&payment).await);
        let calls: Vec<_> = (0..4)
            .map(|_| {
                let (site, payment, id) = (site.clone(), payment.clone(), id.clone());
                tokio::spawn(async move { site.complete(&payment, &id, 0).await })
            })
            .collect();
        let mut codes = Vec::new();
        for call in calls {
            let answer = call.await.unwrap();
            assert_eq!(answer["merchant_confirm_id"].to_string(), id, "{answer}");
            codes.push(answer["error"].as_i64().unwrap());
        }
        codes.sort();
        assert_eq!(
            codes,
            vec![-4, -4, -4, 0],
            "one completes, the others hear it is paid"
        );
    }
    assert_eq!(site.ledger.paid().len(), 5);
}

async fn payme_and_click_at_once_for_one_invoice_take_it_once(fresh: Fresh) {
    let site = Arc::new(Site::new(fresh));
    for round in 0..5 {
        let number = site
            .invoice(&format!("YG-BOTH-{round:04}"), 100)
            .await
            .number
            .to_string();
        let payme = {
            let (site, number) = (site.clone(), number.clone());
            tokio::spawn(async move {
                site.payme("CreateTransaction", json!({ "id": payme_id(), "time": site.now().timestamp_millis(), "amount": 10_000, "account": account(&number) }))
                    .await
            })
        };
        let click = {
            let (site, number) = (site.clone(), number.clone());
            tokio::spawn(async move { site.prepare(&ClickPayment::new(&number, "100.00")).await })
        };
        let (payme, click) = (payme.await.unwrap(), click.await.unwrap());
        let payme_won = payme.get("result").is_some();
        let click_won = click["error"] == 0;
        assert!(
            payme_won ^ click_won,
            "exactly one holds it: {payme} {click}"
        );
        let holders: Vec<_> = site
            .store()
            .transactions_of(&number)
            .await
            .unwrap()
            .into_iter()
            .filter(|t| t.state == TransactionState::Created)
            .collect();
        assert_eq!(holders.len(), 1);
    }
}

async fn a_payme_perform_that_fails_before_its_commit_is_completed_by_the_retry(fresh: Fresh) {
    let site = Site::new(fresh);
    let number = site.invoice("YG-CRSH-0001", 1_000).await.number.to_string();
    let id = payme_id();
    site.payme(
        "CreateTransaction",
        json!({ "id": id, "time": site.now().timestamp_millis(), "amount": 100_000, "account": account(&number) }),
    )
    .await;
    // The platform's part fails (the node goes down between the call and the commit).
    site.ledger.failures.store(1, Ordering::SeqCst);
    let failed = site.payme("PerformTransaction", json!({ "id": id })).await;
    assert_eq!(failed["error"]["code"], -32400, "{failed}");
    // Nothing of it stayed: the invoice still waits, the transaction is still created.
    assert_eq!(
        site.invoice_now(&number).await.status,
        InvoiceStatus::Pending
    );
    let txn = site
        .store()
        .transaction(Provider::Payme, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(txn.state, TransactionState::Created);
    assert!(site.ledger.paid().is_empty());
    // Payme tries again.
    let retried = site.payme("PerformTransaction", json!({ "id": id })).await;
    assert_eq!(retried["result"]["state"], 2, "{retried}");
    assert_eq!(site.invoice_now(&number).await.status, InvoiceStatus::Paid);
    assert_eq!(site.ledger.paid(), vec![number]);
}

async fn a_click_complete_that_fails_before_its_commit_is_completed_by_the_retry(fresh: Fresh) {
    let site = Site::new(fresh);
    let number = site.invoice("YG-CRSH-0002", 100).await.number.to_string();
    let payment = ClickPayment::new(&number, "100.00");
    let id = prepare_id(&site.prepare(&payment).await);
    site.ledger.failures.store(2, Ordering::SeqCst);
    for _ in 0..2 {
        let failed = site.complete(&payment, &id, 0).await;
        assert_eq!(failed["error"], -7, "{failed}");
        assert_eq!(failed["error_note"], "Failed to update user");
        assert_eq!(
            site.invoice_now(&number).await.status,
            InvoiceStatus::Pending
        );
    }
    let retried = site.complete(&payment, &id, 0).await;
    assert_eq!(retried["error"], 0, "{retried}");
    assert_eq!(site.invoice_now(&number).await.status, InvoiceStatus::Paid);
    assert_eq!(site.ledger.paid(), vec![number]);
}

async fn a_refund_that_fails_before_its_commit_leaves_the_payment_as_it_was(fresh: Fresh) {
    let site = Site::new(fresh);
    let number = site.invoice("YG-CRSH-0003", 1_000).await.number.to_string();
    let id = payme_id();
    site.payme(
        "CreateTransaction",
        json!({ "id": id, "time": site.now().timestamp_millis(), "amount": 100_000, "account": account(&number) }),
    )
    .await;
    site.payme("PerformTransaction", json!({ "id": id })).await;
    site.store().allow_refund(&number).await.unwrap();
    site.ledger.failures.store(1, Ordering::SeqCst);
    let failed = site
        .payme("CancelTransaction", json!({ "id": id, "reason": 5 }))
        .await;
    assert_eq!(failed["error"]["code"], -32400);
    assert_eq!(site.invoice_now(&number).await.status, InvoiceStatus::Paid);
    let retried = site
        .payme("CancelTransaction", json!({ "id": id, "reason": 5 }))
        .await;
    assert_eq!(retried["result"]["state"], -2);
    assert_eq!(
        site.invoice_now(&number).await.status,
        InvoiceStatus::Refunded
    );
    assert_eq!(site.ledger.refunded(), vec![number]);
}

on_both_databases!(
    two_performs_at_once_credit_once,
    two_creates_at_once_for_one_invoice_hold_it_once,
    two_completes_at_once_credit_once,
    payme_and_click_at_once_for_one_invoice_take_it_once,
    a_payme_perform_that_fails_before_its_commit_is_completed_by_the_retry,
    a_click_complete_that_fails_before_its_commit_is_completed_by_the_retry,
    a_refund_that_fails_before_its_commit_leaves_the_payment_as_it_was,
);
