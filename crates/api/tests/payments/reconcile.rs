//! A provider's statement of a day against Yagona's records: every difference listed.

use crate::support::*;
use serde_json::json;
use yagona_payments::reconcile::{reconcile, Difference, ReconcileError, Standing};
use yagona_payments::{Provider, Tiyin};

async fn payme_differences_are_listed(fresh: Fresh) {
    let site = Site::new(fresh);
    let now = site.now().timestamp_millis();
    let mut paid = Vec::new();
    for application in ["YG-RECO-0001", "YG-RECO-0002", "YG-RECO-0003"] {
        let number = site.invoice(application, 1_000).await.number.to_string();
        let id = payme_id();
        site.payme(
            "CreateTransaction",
            json!({ "id": id, "time": now, "amount": 100_000, "account": account(&number) }),
        )
        .await;
        site.payme("PerformTransaction", json!({ "id": id })).await;
        paid.push((id, number));
    }
    let open_number = site.invoice("YG-RECO-0004", 1_000).await.number.to_string();
    let open_id = payme_id();
    site.payme(
        "CreateTransaction",
        json!({ "id": open_id, "time": now, "amount": 100_000, "account": account(&open_number) }),
    )
    .await;

    let statement = format!(
        "id,time,amount,account,create_time,perform_time,cancel_time,state,reason\n\
         {a},{now},100000,{an},{now},{now},0,2,\n\
         {b},{now},90000,{bn},{now},{now},0,2,\n\
         {c},{now},100000,{cn},{now},0,{now},-1,3\n\
         ffffffffffffffffffffffff,{now},5000,INV-2026-999999,{now},{now},0,2,\n",
        a = paid[0].0,
        an = paid[0].1,
        b = paid[1].0,
        bn = paid[1].1,
        c = paid[2].0,
        cn = paid[2].1,
    );
    let today = yagona_core::tashkent_date(&site.now());
    let outcome = reconcile(&site.store(), Provider::Payme, today, &statement)
        .await
        .unwrap();
    assert_eq!(outcome.matched, 1);
    assert_eq!(
        outcome.differences,
        vec![
            Difference::AmountMismatch {
                provider_id: paid[1].0.clone(),
                invoice: paid[1].1.clone(),
                yagona: Tiyin::new(100_000).unwrap(),
                provider: Tiyin::new(90_000).unwrap(),
            },
            Difference::StandingMismatch {
                provider_id: paid[2].0.clone(),
                invoice: paid[2].1.clone(),
                yagona: Standing::Paid,
                provider: Standing::Cancelled,
            },
            Difference::MissingInYagona {
                provider_id: "ffffffffffffffffffffffff".into(),
                invoice: "INV-2026-999999".into(),
                amount: Tiyin::new(5_000).unwrap(),
                provider: Standing::Paid,
            },
            Difference::MissingAtProvider {
                provider_id: open_id,
                invoice: open_number,
                amount: Tiyin::new(100_000).unwrap(),
                yagona: Standing::Open,
            },
        ]
    );

    // Another day: nothing of Yagona's expected, nothing listed.
    let empty = "id,time,amount,account,create_time,perform_time,cancel_time,state,reason\n";
    let other_day = today - chrono::Duration::days(3);
    let outcome = reconcile(&site.store(), Provider::Payme, other_day, empty)
        .await
        .unwrap();
    assert_eq!((outcome.matched, outcome.differences.len()), (0, 0));

    // A statement that cannot be read says where.
    let broken = format!("{empty}{},{now},lots,x,0,0,0,2,\n", paid[0].0);
    match reconcile(&site.store(), Provider::Payme, today, &broken).await {
        Err(ReconcileError::Statement(e)) => assert_eq!(e.line, 2),
        other => panic!("{other:?}"),
    }
}

async fn click_differences_are_listed(fresh: Fresh) {
    let site = Site::new(fresh);
    let mut done = Vec::new();
    for application in ["YG-RECO-0011", "YG-RECO-0012", "YG-RECO-0013"] {
        let number = site.invoice(application, 100).await.number.to_string();
        let payment = ClickPayment::new(&number, "100.00");
        let id = prepare_id(&site.prepare(&payment).await);
        assert_eq!(site.complete(&payment, &id, 0).await["error"], 0);
        done.push(payment);
    }
    // Prepared and never completed: Click's registry does not list it, and that is no difference.
    let open = site.invoice("YG-RECO-0014", 100).await.number.to_string();
    let abandoned = ClickPayment::new(&open, "100.00");
    site.prepare(&abandoned).await;

    let statement = format!(
        "payment_id,click_trans_id,merchant_trans_id,amount,status,date\n\
         {p0},{t0},{m0},100.00,confirmed,2026-01-02 11:05:00\n\
         {p1},{t1},{m1},100,reversed,2026-01-02 11:06:00\n",
        p0 = done[0].click_paydoc_id,
        t0 = done[0].click_trans_id,
        m0 = done[0].merchant_trans_id,
        p1 = done[1].click_paydoc_id,
        t1 = done[1].click_trans_id,
        m1 = done[1].merchant_trans_id,
    );
    let today = yagona_core::tashkent_date(&site.now());
    let outcome = reconcile(&site.store(), Provider::Click, today, &statement)
        .await
        .unwrap();
    assert_eq!(outcome.matched, 1);
    assert_eq!(
        outcome.differences,
        vec![
            Difference::StandingMismatch {
                provider_id: done[1].click_trans_id.clone(),
                invoice: done[1].merchant_trans_id.clone(),
                yagona: Standing::Paid,
                provider: Standing::Refunded,
            },
            Difference::MissingAtProvider {
                provider_id: done[2].click_trans_id.clone(),
                invoice: done[2].merchant_trans_id.clone(),
                amount: Tiyin::new(10_000).unwrap(),
                yagona: Standing::Paid,
            },
        ]
    );
}

on_both_databases!(payme_differences_are_listed, click_differences_are_listed);
