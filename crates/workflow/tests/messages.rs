//! Message correlation as Zeebe does it: by the subscription's correlation key (the business
//! key where the model gives none), kept for its time to live, published once per message id;
//! on both databases.

mod support;
use chrono::{Duration, Utc};
use serde_json::{json, Map, Value};
use support::Fresh;
use yagona_workflow::feel::Feel;
use yagona_workflow::store::{Correlation, ProcessStore};

on_both_databases!(
    messages_go_to_the_wait_with_their_correlation_key,
    a_message_is_kept_for_its_time_to_live_and_delivered_once,
    a_correlation_key_that_gives_nothing_is_an_incident,
    a_receive_task_waits_for_its_message
);

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

/// Waits for the payment of an invoice: `=invoice.number` is the key.
const PAYMENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="x">
  <bpmn:message id="paid" name="invoice-paid"><bpmn:extensionElements><zeebe:subscription correlationKey="=invoice.number"/></bpmn:extensionElements></bpmn:message>
  <bpmn:process id="pay" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="paid"/></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"#;

async fn messages_go_to_the_wait_with_their_correlation_key(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(PAYMENT).await.unwrap();
    let first = store
        .start(
            "pay",
            Some("YG-AAAA-0001"),
            obj(json!({"invoice": {"number": "INV-1"}})),
        )
        .await
        .unwrap();
    let second = store
        .start(
            "pay",
            Some("YG-AAAA-0002"),
            obj(json!({"invoice": {"number": 2}})),
        )
        .await
        .unwrap();
    // The business key is not the correlation key here.
    assert_eq!(
        store
            .correlate("invoice-paid", "YG-AAAA-0001", Map::new())
            .await
            .unwrap(),
        Correlation::Unmatched
    );
    // A number key is matched as its text.
    assert_eq!(
        store
            .correlate("invoice-paid", "2", obj(json!({"paidTiyin": 8240000})))
            .await
            .unwrap(),
        Correlation::Delivered(second.clone())
    );
    assert_eq!(store.status(&second).await.unwrap().0, "completed");
    assert_eq!(
        store.variables(&second).await.unwrap()["paidTiyin"],
        json!(8240000)
    );
    assert_eq!(store.status(&first).await.unwrap().0, "active");
    assert_eq!(
        store
            .correlate("invoice-paid", "INV-1", Map::new())
            .await
            .unwrap(),
        Correlation::Delivered(first.clone())
    );

    // With a message id, a payment system's retry is not delivered to the next wait.
    let third = store
        .start(
            "pay",
            Some("YG-AAAA-0003"),
            obj(json!({"invoice": {"number": "INV-3"}})),
        )
        .await
        .unwrap();
    let fourth = store
        .start(
            "pay",
            Some("YG-AAAA-0004"),
            obj(json!({"invoice": {"number": "INV-3"}})),
        )
        .await
        .unwrap();
    for _ in 0..2 {
        assert_eq!(
            store
                .publish(
                    "invoice-paid",
                    "INV-3",
                    Map::new(),
                    Duration::zero(),
                    Some("click-77")
                )
                .await
                .unwrap(),
            Correlation::Delivered(third.clone())
        );
    }
    assert_eq!(store.status(&third).await.unwrap().0, "completed");
    assert_eq!(store.status(&fourth).await.unwrap().0, "active");
}

async fn a_message_is_kept_for_its_time_to_live_and_delivered_once(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(PAYMENT).await.unwrap();
    // Paid before the process waits for it: kept for an hour.
    let kept = store
        .publish(
            "invoice-paid",
            "INV-7",
            obj(json!({"paidTiyin": 100})),
            Duration::hours(1),
            Some("payme-tx-7"),
        )
        .await
        .unwrap();
    assert_eq!(kept, Correlation::Buffered("payme-tx-7".into()));
    // The payment system retries: the same message id changes nothing.
    assert_eq!(
        store
            .publish(
                "invoice-paid",
                "INV-7",
                Map::new(),
                Duration::hours(1),
                Some("payme-tx-7")
            )
            .await
            .unwrap(),
        kept
    );
    // Another, published without a time to live, is not kept.
    assert_eq!(
        store
            .publish("invoice-paid", "INV-8", Map::new(), Duration::zero(), None)
            .await
            .unwrap(),
        Correlation::Unmatched
    );
    let waiting = store
        .start(
            "pay",
            Some("YG-BBBB-0007"),
            obj(json!({"invoice": {"number": "INV-7"}})),
        )
        .await
        .unwrap();
    let late = store
        .start(
            "pay",
            Some("YG-BBBB-0008"),
            obj(json!({"invoice": {"number": "INV-8"}})),
        )
        .await
        .unwrap();
    // The background loop delivers it once, however often it runs, on however many nodes.
    assert_eq!(store.fire_due_timers("n1", Utc::now()).await.unwrap(), 1);
    assert_eq!(store.fire_due_timers("n2", Utc::now()).await.unwrap(), 0);
    assert_eq!(store.status(&waiting).await.unwrap().0, "completed");
    assert_eq!(
        store.variables(&waiting).await.unwrap()["paidTiyin"],
        json!(100)
    );
    assert_eq!(store.status(&late).await.unwrap().0, "active");
    // Delivered, the id still answers where it went.
    assert_eq!(
        store
            .publish(
                "invoice-paid",
                "INV-7",
                Map::new(),
                Duration::hours(1),
                Some("payme-tx-7")
            )
            .await
            .unwrap(),
        Correlation::Delivered(waiting.clone())
    );
    // An expired message is dropped, not delivered.
    store
        .publish(
            "invoice-paid",
            "INV-9",
            Map::new(),
            Duration::minutes(5),
            None,
        )
        .await
        .unwrap();
    let expired = store
        .start(
            "pay",
            Some("YG-BBBB-0009"),
            obj(json!({"invoice": {"number": "INV-9"}})),
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .fire_due_timers("n1", Utc::now() + Duration::minutes(10))
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.status(&expired).await.unwrap().0, "active");
}

async fn a_correlation_key_that_gives_nothing_is_an_incident(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(PAYMENT).await.unwrap();
    let id = store
        .start("pay", Some("YG-CCCC-0001"), Map::new())
        .await
        .unwrap();
    assert_eq!(store.status(&id).await.unwrap().0, "incident");
    let open = store.open_incidents(10).await.unwrap();
    assert_eq!(open[0].element_id, "wait");
    assert!(
        open[0].message.contains("invoice.number"),
        "{}",
        open[0].message
    );
    store
        .set_variables(&id, obj(json!({"invoice": {"number": "INV-3"}})), "admin")
        .await
        .unwrap();
    store.retry_incident(&open[0].id, "admin").await.unwrap();
    assert_eq!(
        store
            .correlate("invoice-paid", "INV-3", Map::new())
            .await
            .unwrap(),
        Correlation::Delivered(id.clone())
    );
    assert_eq!(store.status(&id).await.unwrap().0, "completed");
}

async fn a_receive_task_waits_for_its_message(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    let model = PAYMENT.replace(
        r#"<bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="paid"/></bpmn:intermediateCatchEvent>"#,
        r#"<bpmn:receiveTask id="wait" messageRef="paid"/>"#,
    );
    store.deploy(&model).await.unwrap();
    let id = store
        .start(
            "pay",
            Some("YG-DDDD-0001"),
            obj(json!({"invoice": {"number": "INV-4"}})),
        )
        .await
        .unwrap();
    assert_eq!(store.status(&id).await.unwrap().0, "active");
    assert_eq!(
        store
            .correlate("invoice-paid", "INV-4", Map::new())
            .await
            .unwrap(),
        Correlation::Delivered(id.clone())
    );
    assert_eq!(store.status(&id).await.unwrap().0, "completed");
}
