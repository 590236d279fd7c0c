//! What a called process does not catch goes to its call activity, as in Camunda: a BPMN
//! error (and the called process ends), an escalation (interrupting or not); caught nowhere,
//! an error is an incident where it was thrown. On both databases.

mod support;
use serde_json::{json, Map, Value};
use support::Fresh;
use yagona_workflow::feel::Feel;
use yagona_workflow::store::{ProcessStore, StoreError};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

on_both_databases!(
    an_error_the_called_process_does_not_catch_is_caught_at_the_call_activity,
    an_error_nobody_catches_is_an_incident_where_it_was_thrown,
    a_non_interrupting_escalation_lets_both_go_on,
    an_interrupting_escalation_ends_the_call
);

/// A pension application asks the Pension Fund's work-record process for the applicant's
/// record; the record office answers with an outcome.
const PENSION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="x">
  <bpmn:error id="no-record" errorCode="NO_RECORD"/>
  <bpmn:error id="broken" errorCode="ARCHIVE_BROKEN"/>
  <bpmn:escalation id="late" escalationCode="LATE"/>
  <bpmn:escalation id="withdrawn" escalationCode="WITHDRAWN"/>
  <bpmn:process id="pension" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="record"/>
    <bpmn:callActivity id="record"><bpmn:extensionElements><zeebe:calledElement processId="work-record"/></bpmn:extensionElements></bpmn:callActivity>
    <bpmn:boundaryEvent id="missing" attachedToRef="record"><bpmn:errorEventDefinition errorRef="no-record"/></bpmn:boundaryEvent>
    <bpmn:boundaryEvent id="running-late" attachedToRef="record" cancelActivity="false"><bpmn:escalationEventDefinition escalationRef="late"/></bpmn:boundaryEvent>
    <bpmn:boundaryEvent id="gave-up" attachedToRef="record"><bpmn:escalationEventDefinition escalationRef="withdrawn"/></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="record" targetRef="decide"/>
    <bpmn:sequenceFlow id="f3" sourceRef="missing" targetRef="manual-check"/>
    <bpmn:sequenceFlow id="f4" sourceRef="running-late" targetRef="tell-citizen"/>
    <bpmn:sequenceFlow id="f5" sourceRef="gave-up" targetRef="closed"/>
    <bpmn:userTask id="decide"/>
    <bpmn:userTask id="manual-check"/>
    <bpmn:userTask id="tell-citizen"/>
    <bpmn:sequenceFlow id="f6" sourceRef="decide" targetRef="e"/>
    <bpmn:sequenceFlow id="f7" sourceRef="manual-check" targetRef="e2"/>
    <bpmn:sequenceFlow id="f8" sourceRef="tell-citizen" targetRef="e3"/>
    <bpmn:endEvent id="e"/>
    <bpmn:endEvent id="e2"/>
    <bpmn:endEvent id="e3"/>
    <bpmn:endEvent id="closed"/>
  </bpmn:process>
  <bpmn:process id="work-record" isExecutable="true">
    <bpmn:startEvent id="ws"/>
    <bpmn:sequenceFlow id="w1" sourceRef="ws" targetRef="lookup"/>
    <bpmn:userTask id="lookup"/>
    <bpmn:sequenceFlow id="w2" sourceRef="lookup" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" default="found"/>
    <bpmn:sequenceFlow id="found" sourceRef="gw" targetRef="done"/>
    <bpmn:sequenceFlow id="to-missing" sourceRef="gw" targetRef="not-found"><bpmn:conditionExpression>=outcome = "missing"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to-broken" sourceRef="gw" targetRef="archive-broken"><bpmn:conditionExpression>=outcome = "broken"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to-late" sourceRef="gw" targetRef="say-late"><bpmn:conditionExpression>=outcome = "late"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="to-withdrawn" sourceRef="gw" targetRef="give-up"><bpmn:conditionExpression>=outcome = "withdrawn"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:endEvent id="done"/>
    <bpmn:endEvent id="not-found"><bpmn:errorEventDefinition errorRef="no-record"/></bpmn:endEvent>
    <bpmn:endEvent id="archive-broken"><bpmn:errorEventDefinition errorRef="broken"/></bpmn:endEvent>
    <bpmn:intermediateThrowEvent id="say-late"><bpmn:escalationEventDefinition escalationRef="late"/></bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="w3" sourceRef="say-late" targetRef="lookup-archive"/>
    <bpmn:userTask id="lookup-archive"/>
    <bpmn:sequenceFlow id="w4" sourceRef="lookup-archive" targetRef="done-late"/>
    <bpmn:endEvent id="done-late"/>
    <bpmn:endEvent id="give-up"><bpmn:escalationEventDefinition escalationRef="withdrawn"/></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"#;

/// Starts a pension application and answers the record office's lookup with `outcome`;
/// returns the store, the application's and the record process's instances, and the answer.
async fn answered<'a>(
    f: &'a Fresh,
    key: &str,
    outcome: &str,
) -> (ProcessStore<'a>, String, String, Result<(), StoreError>) {
    let store = ProcessStore::new(&f.db, &Feel);
    let defs = yagona_workflow::read(PENSION).unwrap();
    let findings = yagona_workflow::check(&defs);
    assert!(findings.iter().all(|f| !f.blocks()), "{findings:?}");
    store.deploy(PENSION).await.unwrap();
    let id = store.start("pension", Some(key), Map::new()).await.unwrap();
    let lookup = store.user_tasks_of(&id).await.unwrap().remove(0);
    let child = lookup.instance_id.clone();
    assert_ne!(child, id, "the lookup is the called process's");
    let answer = store
        .complete(
            &child,
            lookup.wait_id as u64,
            obj(json!({ "outcome": outcome })),
            Some("Record office"),
        )
        .await
        .map(|_| ());
    (store, id, child, answer)
}

async fn tasks(store: &ProcessStore<'_>, id: &str) -> Vec<String> {
    let mut t: Vec<String> = store
        .user_tasks_of(id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.element_id)
        .collect();
    t.sort();
    t
}

async fn an_error_the_called_process_does_not_catch_is_caught_at_the_call_activity(f: Fresh) {
    let (store, id, child, answer) = answered(&f, "YG-PEN-0001", "missing").await;
    answer.unwrap();
    assert_eq!(tasks(&store, &id).await, ["manual-check"]);
    assert_eq!(store.status(&child).await.unwrap().0, "terminated");
    assert_eq!(store.status(&id).await.unwrap().0, "active");
}

async fn an_error_nobody_catches_is_an_incident_where_it_was_thrown(f: Fresh) {
    let (store, id, child, answer) = answered(&f, "YG-PEN-0002", "broken").await;
    let Err(StoreError::Incident { element, .. }) = answer else {
        panic!("not an incident: {answer:?}");
    };
    assert_eq!(element, "archive-broken");
    assert_eq!(store.status(&child).await.unwrap().0, "incident");
    assert_eq!(
        store.status(&id).await.unwrap().0,
        "active",
        "the application still waits at the call"
    );
}

async fn a_non_interrupting_escalation_lets_both_go_on(f: Fresh) {
    let (store, id, child, answer) = answered(&f, "YG-PEN-0003", "late").await;
    answer.unwrap();
    let all = tasks(&store, &id).await;
    assert!(all.contains(&"tell-citizen".to_owned()), "{all:?}");
    assert!(all.contains(&"lookup-archive".to_owned()), "{all:?}");
    let archive = store
        .user_tasks_of(&id)
        .await
        .unwrap()
        .into_iter()
        .find(|t| t.element_id == "lookup-archive")
        .unwrap();
    store
        .complete(
            &child,
            archive.wait_id as u64,
            Map::new(),
            Some("Record office"),
        )
        .await
        .unwrap();
    assert_eq!(store.status(&child).await.unwrap().0, "completed");
    let after: Vec<String> = tasks(&store, &id).await;
    assert_eq!(
        after,
        ["decide", "tell-citizen"],
        "the call completed as usual"
    );
}

async fn an_interrupting_escalation_ends_the_call(f: Fresh) {
    let (store, id, _child, answer) = answered(&f, "YG-PEN-0004", "withdrawn").await;
    answer.unwrap();
    assert_eq!(store.status(&id).await.unwrap().0, "completed");
    assert!(
        tasks(&store, &id).await.is_empty(),
        "nobody is asked to decide: the call was withdrawn, not completed"
    );
}
