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

/// Each document of an application is checked in a sub-process of its own: a clerk looks at
/// it, and a document not accepted in five days ends the checks.
fn document_checks(sequential: bool, completion: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="x">
  <bpmn:error id="forged" errorCode="FORGED"/>
  <bpmn:process id="checks" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="each-document"/>
    <bpmn:subProcess id="each-document">
      <bpmn:multiInstanceLoopCharacteristics isSequential="{sequential}">
        <bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=documents" inputElement="document" outputCollection="verdicts" outputElement="=verdict"/></bpmn:extensionElements>
        {completion}
      </bpmn:multiInstanceLoopCharacteristics>
      <bpmn:startEvent id="ds"/>
      <bpmn:sequenceFlow id="d1" sourceRef="ds" targetRef="look"/>
      <bpmn:serviceTask id="look">
        <bpmn:extensionElements><zeebe:taskDefinition type="document-check"/></bpmn:extensionElements>
      </bpmn:serviceTask>
      <bpmn:sequenceFlow id="d2" sourceRef="look" targetRef="de"/>
      <bpmn:endEvent id="de"/>
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="too-long" attachedToRef="each-document"><bpmn:timerEventDefinition><bpmn:timeDuration>P5D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:boundaryEvent id="forgery" attachedToRef="each-document"><bpmn:errorEventDefinition errorRef="forged"/></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="each-document" targetRef="e"/>
    <bpmn:sequenceFlow id="f3" sourceRef="too-long" targetRef="late"/>
    <bpmn:sequenceFlow id="f4" sourceRef="forgery" targetRef="police"/>
    <bpmn:endEvent id="e"/>
    <bpmn:endEvent id="late"/>
    <bpmn:endEvent id="police"/>
  </bpmn:process>
</bpmn:definitions>"#
    )
}

fn three_documents() -> Map<String, Value> {
    obj(json!({"documents": [{"kind": "passport"}, {"kind": "diploma"}, {"kind": "certificate"}]}))
}

/// The open jobs of the instance: (wait, the document its instance works on, loop counter).
fn jobs(inst: &Instance) -> Vec<(u64, Value, Value)> {
    inst.waits
        .iter()
        .filter(|w| matches!(w.what, WaitKind::Job { .. }))
        .map(|w| {
            let vars = inst.variables_for(w);
            (
                w.id,
                vars["document"]["kind"].clone(),
                vars["loopCounter"].clone(),
            )
        })
        .collect()
}

#[test]
fn each_instance_of_a_sub_process_has_its_own_variables() {
    let defs = yagona_workflow::read(&document_checks(false, "")).unwrap();
    let findings = yagona_workflow::check(&defs);
    assert!(findings.iter().all(|f| !f.blocks()), "{findings:?}");
    let (mut inst, _) = Instance::start(&defs, None, three_documents(), &Feel).unwrap();
    let open = jobs(&inst);
    assert_eq!(
        open.iter()
            .map(|j| (j.1.clone(), j.2.clone()))
            .collect::<Vec<_>>(),
        [
            (json!("passport"), json!(1)),
            (json!("diploma"), json!(2)),
            (json!("certificate"), json!(3))
        ],
        "one instance per document, each seeing its own"
    );
    // The clerks answer out of order; each answer stays with its document.
    for (wait, kind, _) in [&open[2], &open[0], &open[1]] {
        let verdict = if kind == "diploma" {
            "rejected"
        } else {
            "accepted"
        };
        inst.complete(&defs, *wait, obj(json!({ "verdict": verdict })), &Feel)
            .unwrap();
    }
    assert!(inst.ended);
    assert_eq!(
        inst.variables["verdicts"],
        json!(["accepted", "rejected", "accepted"])
    );
    assert!(
        !inst.variables.contains_key("document") && !inst.variables.contains_key("verdict"),
        "an instance's own variables do not leak into the process: {:?}",
        inst.variables
    );
}

#[test]
fn a_sequential_sub_process_runs_one_document_after_another() {
    let defs = yagona_workflow::read(&document_checks(true, "")).unwrap();
    let (mut inst, _) = Instance::start(&defs, None, three_documents(), &Feel).unwrap();
    let mut seen = Vec::new();
    while !inst.ended {
        let open = jobs(&inst);
        assert_eq!(open.len(), 1, "one at a time");
        seen.push((open[0].1.clone(), open[0].2.clone()));
        inst.complete(&defs, open[0].0, obj(json!({"verdict": "accepted"})), &Feel)
            .unwrap();
    }
    assert_eq!(
        seen,
        [
            (json!("passport"), json!(1)),
            (json!("diploma"), json!(2)),
            (json!("certificate"), json!(3))
        ]
    );
}

#[test]
fn a_rejected_document_ends_the_other_checks_when_the_condition_says_so() {
    let completion = r#"<bpmn:completionCondition>=count(verdicts[item = "rejected"]) &gt;= 1</bpmn:completionCondition>"#;
    let defs = yagona_workflow::read(&document_checks(false, completion)).unwrap();
    let (mut inst, _) = Instance::start(&defs, None, three_documents(), &Feel).unwrap();
    let open = jobs(&inst);
    let step = inst
        .complete(&defs, open[1].0, obj(json!({"verdict": "rejected"})), &Feel)
        .unwrap();
    assert!(inst.ended, "the condition held after the diploma");
    assert!(step.cancelled_waits.contains(&open[0].0) && step.cancelled_waits.contains(&open[2].0));
    assert_eq!(inst.variables["verdicts"], json!([null, "rejected", null]));
}

#[test]
fn an_error_in_one_instance_ends_them_all_at_the_boundary() {
    let defs = yagona_workflow::read(&document_checks(false, "")).unwrap();
    let (mut inst, _) = Instance::start(&defs, None, three_documents(), &Feel).unwrap();
    let open = jobs(&inst);
    inst.complete(&defs, open[0].0, obj(json!({"verdict": "accepted"})), &Feel)
        .unwrap();
    let step = inst.throw_error(&defs, open[1].0, "FORGED", &Feel).unwrap();
    assert!(inst.ended, "the forgery boundary led to its end event");
    assert!(step.completed.iter().any(|c| c.id == "police"));
    assert!(
        step.cancelled_waits.contains(&open[2].0),
        "the certificate's check is withdrawn"
    );
    assert!(
        inst.waits.is_empty(),
        "nor is the five-day timer left armed: {:?}",
        inst.waits
    );
}

#[test]
fn a_timer_on_the_sub_process_guards_all_its_instances() {
    let defs = yagona_workflow::read(&document_checks(false, "")).unwrap();
    let (mut inst, _) = Instance::start(&defs, None, three_documents(), &Feel).unwrap();
    let timers: Vec<u64> = inst
        .waits
        .iter()
        .filter(|w| matches!(w.what, WaitKind::Timer { .. }))
        .map(|w| w.id)
        .collect();
    assert_eq!(
        timers.len(),
        1,
        "one timer for the whole activity, not one per document"
    );
    let step = inst.trigger(&defs, timers[0], Map::new(), &Feel).unwrap();
    assert!(inst.ended);
    assert!(step.completed.iter().any(|c| c.id == "late"));
    assert!(inst.waits.is_empty());
}

#[test]
fn a_sub_process_maps_its_own_variables_in_and_out() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="x">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="sub"/>
    <bpmn:subProcess id="sub">
      <bpmn:extensionElements><zeebe:ioMapping>
        <zeebe:input source="=applicant.name" target="name"/>
        <zeebe:input source="=0" target="attempts"/>
        <zeebe:output source="=upper case(name) + &quot; (&quot; + string(attempts) + &quot;)&quot;" target="summary.title"/>
      </zeebe:ioMapping></bpmn:extensionElements>
      <bpmn:startEvent id="is"/>
      <bpmn:sequenceFlow id="i1" sourceRef="is" targetRef="count"/>
      <bpmn:scriptTask id="count"><bpmn:extensionElements><zeebe:script expression="=attempts + 1" resultVariable="attempts"/></bpmn:extensionElements></bpmn:scriptTask>
      <bpmn:sequenceFlow id="i2" sourceRef="count" targetRef="ie"/>
      <bpmn:endEvent id="ie"/>
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"#;
    let defs = yagona_workflow::read(xml).unwrap();
    let (inst, _) = Instance::start(
        &defs,
        None,
        obj(json!({"applicant": {"name": "Malika"}})),
        &Feel,
    )
    .unwrap();
    assert!(inst.ended);
    assert_eq!(inst.variables["summary"], json!({"title": "MALIKA (1)"}));
    assert!(
        !inst.variables.contains_key("attempts") && !inst.variables.contains_key("name"),
        "the sub-process's own variables end with it: {:?}",
        inst.variables
    );
}

on_both_databases!(a_worker_of_a_multi_instance_sub_process_gets_its_instance_s_variables);

async fn a_worker_of_a_multi_instance_sub_process_gets_its_instance_s_variables(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(&document_checks(false, "")).await.unwrap();
    let id = store
        .start("checks", Some("YG-DOC-0001"), three_documents())
        .await
        .unwrap();
    let jobs = store
        .activate_jobs("document-check", "clerk", 10, Duration::minutes(5))
        .await
        .unwrap();
    let mut kinds: Vec<Value> = jobs
        .iter()
        .map(|j| j.variables["document"]["kind"].clone())
        .collect();
    kinds.sort_by_key(|k| k.to_string());
    assert_eq!(
        kinds,
        [json!("certificate"), json!("diploma"), json!("passport")]
    );
    for j in &jobs {
        let verdict = if j.variables["document"]["kind"] == "diploma" {
            "rejected"
        } else {
            "accepted"
        };
        store
            .complete_job(
                &j.instance_id,
                j.wait_id as u64,
                "clerk",
                obj(json!({ "verdict": verdict })),
            )
            .await
            .unwrap();
    }
    assert_eq!(store.status(&id).await.unwrap().0, "completed");
    assert_eq!(
        store.variables(&id).await.unwrap()["verdicts"],
        json!(["accepted", "rejected", "accepted"])
    );
}
