//! Multi-instance as Camunda 8 runs it: on tasks and call activities, parallel and sequential,
//! with input and output collections and a completion condition; a withdrawn call ends what it
//! called. In memory and durably on both databases.

mod support;
use chrono::{Duration, Utc};
use serde_json::{json, Map, Value};
use support::Fresh;
use yagona_workflow::engine::{Instance, WaitKind};
use yagona_workflow::feel::Feel;
use yagona_workflow::store::ProcessStore;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

/// Three commission members vote; two approvals are enough.
fn votes(sequential: bool) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="x">
  <bpmn:process id="vote" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="ballot"/>
    <bpmn:userTask id="ballot">
      <bpmn:multiInstanceLoopCharacteristics isSequential="{sequential}">
        <bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=members" inputElement="member" outputCollection="ballots" outputElement="=approved"/></bpmn:extensionElements>
        <bpmn:completionCondition>=count(ballots[item = true]) &gt;= 2</bpmn:completionCondition>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="ballot" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"#
    )
}

#[test]
fn a_completion_condition_ends_the_other_instances() {
    let defs = yagona_workflow::read(&votes(false)).unwrap();
    assert!(yagona_workflow::check(&defs).iter().all(|f| !f.blocks()));
    let members = obj(json!({"members": ["Aziz", "Barno", "Vali"], "ballots": []}));
    let (mut inst, _) = Instance::start(&defs, None, members, &Feel).unwrap();
    let tasks: Vec<(u64, Value)> = inst
        .waits
        .iter()
        .filter(|w| w.what == WaitKind::UserTask)
        .map(|w| (w.id, w.inputs["member"].clone()))
        .collect();
    assert_eq!(tasks.len(), 3, "parallel: one task per member");
    // Vali votes first, then Aziz: two approvals, Barno's ballot is withdrawn.
    inst.complete(&defs, tasks[2].0, obj(json!({"approved": true})), &Feel)
        .unwrap();
    assert!(!inst.ended);
    let step = inst
        .complete(&defs, tasks[0].0, obj(json!({"approved": true})), &Feel)
        .unwrap();
    assert!(step.cancelled_waits.contains(&tasks[1].0));
    assert!(inst.ended);
    assert_eq!(
        inst.variables["ballots"],
        json!([true, null, true]),
        "in the members' order"
    );
}

#[test]
fn a_sequential_loop_stops_when_its_condition_holds() {
    let defs = yagona_workflow::read(&votes(true)).unwrap();
    let members = obj(json!({"members": ["Aziz", "Barno", "Vali"], "ballots": []}));
    let (mut inst, _) = Instance::start(&defs, None, members, &Feel).unwrap();
    let mut asked = Vec::new();
    while !inst.ended {
        let w = inst
            .waits
            .iter()
            .find(|w| w.what == WaitKind::UserTask)
            .unwrap()
            .clone();
        asked.push(w.inputs["member"].clone());
        inst.complete(&defs, w.id, obj(json!({"approved": true})), &Feel)
            .unwrap();
    }
    assert_eq!(
        asked,
        [json!("Aziz"), json!("Barno")],
        "Vali is never asked"
    );
    assert_eq!(inst.variables["ballots"], json!([true, true, null]));
}

on_both_databases!(
    a_multi_instance_call_activity_runs_one_called_process_per_item,
    a_withdrawn_call_activity_ends_the_process_it_called
);

const CALLER: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="x">
  <bpmn:process id="family-benefit" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="each-child"/>
    <bpmn:callActivity id="each-child">
      <bpmn:extensionElements><zeebe:calledElement processId="child-check"/></bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics>
        <bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=children" inputElement="child" outputCollection="checks" outputElement="=eligible"/></bpmn:extensionElements>
      </bpmn:multiInstanceLoopCharacteristics>
    </bpmn:callActivity>
    <bpmn:boundaryEvent id="too-long" attachedToRef="each-child"><bpmn:timerEventDefinition><bpmn:timeDuration>P10D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="each-child" targetRef="e"/>
    <bpmn:sequenceFlow id="f3" sourceRef="too-long" targetRef="late"/>
    <bpmn:endEvent id="e"/>
    <bpmn:endEvent id="late"/>
  </bpmn:process>
  <bpmn:process id="child-check" isExecutable="true">
    <bpmn:startEvent id="cs"/>
    <bpmn:sequenceFlow id="c1" sourceRef="cs" targetRef="verify"/>
    <bpmn:userTask id="verify"/>
    <bpmn:sequenceFlow id="c2" sourceRef="verify" targetRef="ce"/>
    <bpmn:endEvent id="ce"/>
  </bpmn:process>
</bpmn:definitions>"#;

async fn a_multi_instance_call_activity_runs_one_called_process_per_item(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(CALLER).await.unwrap();
    let id = store
        .start(
            "family-benefit",
            Some("YG-FAM-0001"),
            obj(json!({"children": [{"name": "Madina"}, {"name": "Jasur"}]})),
        )
        .await
        .unwrap();
    let tasks = store.user_tasks_of(&id).await.unwrap();
    assert_eq!(tasks.len(), 2, "one called process, one task, per child");
    for t in &tasks {
        let child = store.variables(&t.instance_id).await.unwrap();
        let name = child["child"]["name"].as_str().unwrap().to_owned();
        store
            .complete(
                &t.instance_id,
                t.wait_id as u64,
                obj(json!({"eligible": name == "Madina"})),
                Some("officer"),
            )
            .await
            .unwrap();
    }
    assert_eq!(store.status(&id).await.unwrap().0, "completed");
    assert_eq!(
        store.variables(&id).await.unwrap()["checks"],
        json!([true, false])
    );
}

async fn a_withdrawn_call_activity_ends_the_process_it_called(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(CALLER).await.unwrap();
    let id = store
        .start(
            "family-benefit",
            Some("YG-FAM-0002"),
            obj(json!({"children": [{"name": "Madina"}]})),
        )
        .await
        .unwrap();
    let child = store
        .user_tasks_of(&id)
        .await
        .unwrap()
        .remove(0)
        .instance_id;
    // Ten days pass: the boundary timer withdraws the call activity and its called process.
    store
        .fire_due_timers("n1", Utc::now() + Duration::days(11))
        .await
        .unwrap();
    assert_eq!(store.status(&id).await.unwrap().0, "completed");
    assert_eq!(store.status(&child).await.unwrap().0, "terminated");
    assert!(
        store.user_tasks_of(&id).await.unwrap().is_empty(),
        "nobody is left a task"
    );
}
