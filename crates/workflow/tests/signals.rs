//! Signals, broadcast as Camunda does: a signal thrown by one instance (or from outside) reaches
//! every wait for it that was open, each once, however many nodes deliver; on both databases.

mod support;
use chrono::Utc;
use serde_json::{json, Map};
use support::Fresh;
use yagona_workflow::feel::Feel;
use yagona_workflow::store::ProcessStore;

on_both_databases!(
    a_signal_reaches_every_wait_for_it_once,
    a_signal_starts_each_process_with_a_signal_start_event_once
);

const MODELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="x">
  <bpmn:signal id="Sig_Holiday" name="unscheduled-holiday"/>
  <bpmn:process id="waits-for-it" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="catch"/>
    <bpmn:intermediateCatchEvent id="catch"><bpmn:signalEventDefinition signalRef="Sig_Holiday"/></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="catch" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
  <bpmn:process id="reviews" isExecutable="true">
    <bpmn:startEvent id="rs"/>
    <bpmn:sequenceFlow id="r1" sourceRef="rs" targetRef="review"/>
    <bpmn:userTask id="review"/>
    <bpmn:boundaryEvent id="recount" attachedToRef="review" cancelActivity="false"><bpmn:signalEventDefinition signalRef="Sig_Holiday"/></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="r2" sourceRef="recount" targetRef="recounted"/>
    <bpmn:endEvent id="recounted"/>
    <bpmn:sequenceFlow id="r3" sourceRef="review" targetRef="re"/>
    <bpmn:endEvent id="re"/>
  </bpmn:process>
  <bpmn:process id="announces" isExecutable="true">
    <bpmn:startEvent id="as"/>
    <bpmn:sequenceFlow id="a1" sourceRef="as" targetRef="announce"/>
    <bpmn:endEvent id="announce"><bpmn:signalEventDefinition signalRef="Sig_Holiday"/></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"#;

async fn a_signal_reaches_every_wait_for_it_once(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    let defs = yagona_workflow::read(MODELS).unwrap();
    assert!(yagona_workflow::check(&defs).iter().all(|f| !f.blocks()));
    store.deploy(MODELS).await.unwrap();
    let a = store
        .start("waits-for-it", Some("A"), Map::new())
        .await
        .unwrap();
    let b = store
        .start("waits-for-it", Some("B"), Map::new())
        .await
        .unwrap();
    let review = store.start("reviews", Some("C"), Map::new()).await.unwrap();
    // Another instance announces it.
    let announcer = store
        .start("announces", Some("D"), Map::new())
        .await
        .unwrap();
    assert_eq!(store.status(&announcer).await.unwrap().0, "completed");
    assert_eq!(
        store.status(&a).await.unwrap().0,
        "active",
        "delivered by the loop"
    );
    assert_eq!(store.fire_due_timers("n1", Utc::now()).await.unwrap(), 3);
    assert_eq!(
        store.fire_due_timers("n2", Utc::now()).await.unwrap(),
        0,
        "once"
    );
    assert_eq!(store.status(&a).await.unwrap().0, "completed");
    assert_eq!(store.status(&b).await.unwrap().0, "completed");
    // Non-interrupting: the review is still there.
    assert_eq!(store.status(&review).await.unwrap().0, "active");
    assert_eq!(store.user_tasks_of(&review).await.unwrap().len(), 1);
    // A wait that opens after the signal does not get it.
    let late = store
        .start("waits-for-it", Some("E"), Map::new())
        .await
        .unwrap();
    assert_eq!(store.fire_due_timers("n1", Utc::now()).await.unwrap(), 0);
    assert_eq!(store.status(&late).await.unwrap().0, "active");
    // Broadcast from outside, with variables.
    store
        .broadcast(
            "unscheduled-holiday",
            json!({"day": "2027-03-22"}).as_object().unwrap().clone(),
        )
        .await
        .unwrap();
    assert_eq!(store.fire_due_timers("n1", Utc::now()).await.unwrap(), 2);
    assert_eq!(store.status(&late).await.unwrap().0, "completed");
    assert_eq!(
        store.variables(&late).await.unwrap()["day"],
        json!("2027-03-22")
    );
}

/// On an unscheduled day off, each agency's rescheduling process starts by itself.
const RESCHEDULE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="y">
  <bpmn:signal id="Sig_Holiday" name="unscheduled-holiday"/>
  <bpmn:process id="reschedule" isExecutable="true">
    <bpmn:startEvent id="on-holiday"><bpmn:signalEventDefinition signalRef="Sig_Holiday"/></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="on-holiday" targetRef="move"/>
    <bpmn:userTask id="move" name="Move the appointments"/>
    <bpmn:sequenceFlow id="f2" sourceRef="move" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"#;

async fn a_signal_starts_each_process_with_a_signal_start_event_once(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    let defs = yagona_workflow::read(RESCHEDULE).unwrap();
    let findings = yagona_workflow::check(&defs);
    assert!(findings.is_empty(), "{findings:?}");
    store.deploy(RESCHEDULE).await.unwrap();
    let count = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM process_instances WHERE process_id = 'reschedule'",
        )
        .fetch_one(&f.db.pool)
        .await
        .unwrap()
    };
    store
        .broadcast(
            "unscheduled-holiday",
            json!({"day": "2026-12-08"}).as_object().unwrap().clone(),
        )
        .await
        .unwrap();
    store
        .broadcast("some-other-signal", Map::new())
        .await
        .unwrap();
    assert_eq!(
        count().await,
        0,
        "started by the loop, not by the broadcast"
    );
    assert_eq!(store.fire_due_timers("n1", Utc::now()).await.unwrap(), 1);
    assert_eq!(
        store.fire_due_timers("n2", Utc::now()).await.unwrap(),
        0,
        "once"
    );
    assert_eq!(count().await, 1);
    let id: String =
        sqlx::query_scalar("SELECT id FROM process_instances WHERE process_id = 'reschedule'")
            .fetch_one(&f.db.pool)
            .await
            .unwrap();
    assert_eq!(
        store.variables(&id).await.unwrap()["day"],
        json!("2026-12-08")
    );
    assert_eq!(store.user_tasks_of(&id).await.unwrap().len(), 1);
}
