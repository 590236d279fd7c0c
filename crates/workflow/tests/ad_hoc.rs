//! Ad-hoc sub-processes as Camunda 8.8 runs them: the elements `activeElementsCollection`
//! names start on entry (others through the API), in any order; a completion condition asked
//! after each inner element ends the rest or waits for them; with none, the sub-process
//! completes when its last element does. In memory, and durably on both databases.

mod support;
use serde_json::{json, Map, Value};
use support::Fresh;
use yagona_workflow::engine::{EngineError, Instance, WaitKind};
use yagona_workflow::feel::Feel;
use yagona_workflow::store::{ProcessStore, StoreError};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

/// A building-permit file: the inspections the officer picked (fire safety, sanitary, the
/// structure) happen in any order; the sanitary one is followed by its report. A rejection
/// by any inspector can end the others.
fn inspections(completion: &str, cancel_remaining: bool) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="x">
  <bpmn:process id="permit" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="plan"/>
    <bpmn:userTask id="plan" name="Plan the inspections"/>
    <bpmn:sequenceFlow id="f2" sourceRef="plan" targetRef="inspections"/>
    <bpmn:adHocSubProcess id="inspections" name="Inspections" cancelRemainingInstances="{cancel_remaining}">
      <bpmn:extensionElements><zeebe:adHoc activeElementsCollection="=chosen"/></bpmn:extensionElements>
      {completion}
      <bpmn:userTask id="fire-safety" name="Fire safety"/>
      <bpmn:userTask id="sanitary" name="Sanitary inspection"/>
      <bpmn:sequenceFlow id="i1" sourceRef="sanitary" targetRef="sanitary-report"/>
      <bpmn:scriptTask id="sanitary-report"><bpmn:extensionElements><zeebe:script expression="=&quot;sanitary: &quot; + verdict" resultVariable="report"/></bpmn:extensionElements></bpmn:scriptTask>
      <bpmn:serviceTask id="structure" name="Structural survey"><bpmn:extensionElements><zeebe:taskDefinition type="structural-survey"/></bpmn:extensionElements></bpmn:serviceTask>
    </bpmn:adHocSubProcess>
    <bpmn:sequenceFlow id="f3" sourceRef="inspections" targetRef="decide"/>
    <bpmn:userTask id="decide" name="Decide"/>
    <bpmn:sequenceFlow id="f4" sourceRef="decide" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
</bpmn:definitions>"#
    )
}

const REJECTION: &str = r#"<bpmn:completionCondition xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">=rejected</bpmn:completionCondition>"#;

fn open(inst: &Instance) -> Vec<String> {
    let mut open: Vec<String> = inst
        .waits
        .iter()
        .filter(|w| matches!(w.what, WaitKind::UserTask | WaitKind::Job { .. }))
        .map(|w| w.element.clone())
        .collect();
    open.sort();
    open
}

fn wait_at(inst: &Instance, element: &str) -> u64 {
    inst.waits.iter().find(|w| w.element == element).unwrap().id
}

/// Starts the permit and plans the given inspections.
fn planned(xml: &str, chosen: Value) -> (yagona_workflow::model::Definitions, Instance) {
    let defs = yagona_workflow::read(xml).unwrap();
    let findings = yagona_workflow::check(&defs);
    assert!(findings.is_empty(), "{findings:?}");
    let (mut inst, _) =
        Instance::start(&defs, None, obj(json!({"rejected": false})), &Feel).unwrap();
    let plan = wait_at(&inst, "plan");
    inst.complete(&defs, plan, obj(json!({ "chosen": chosen })), &Feel)
        .unwrap();
    (defs, inst)
}

#[test]
fn the_chosen_elements_start_in_any_order_and_the_last_one_completes_it() {
    let (defs, mut inst) = planned(&inspections("", true), json!(["sanitary", "fire-safety"]));
    assert_eq!(
        open(&inst),
        ["fire-safety", "sanitary"],
        "the structure was not chosen"
    );
    let sanitary = wait_at(&inst, "sanitary");
    inst.complete(&defs, sanitary, obj(json!({"verdict": "clean"})), &Feel)
        .unwrap();
    assert_eq!(
        inst.variables["report"],
        json!("sanitary: clean"),
        "its sequence ran"
    );
    assert_eq!(open(&inst), ["fire-safety"]);
    let fire = wait_at(&inst, "fire-safety");
    inst.complete(&defs, fire, Map::new(), &Feel).unwrap();
    assert_eq!(
        open(&inst),
        ["decide"],
        "the last inspection completed the sub-process"
    );
}

#[test]
fn a_completion_condition_that_holds_cancels_the_remaining_elements() {
    let (defs, mut inst) = planned(
        &inspections(REJECTION, true),
        json!(["fire-safety", "sanitary", "structure"]),
    );
    let fire = wait_at(&inst, "fire-safety");
    let step = inst
        .complete(&defs, fire, obj(json!({"rejected": true})), &Feel)
        .unwrap();
    assert_eq!(open(&inst), ["decide"]);
    assert_eq!(
        step.cancelled_waits.len(),
        2,
        "sanitary and structure withdrawn"
    );
}

#[test]
fn without_cancelling_the_remaining_elements_it_waits_for_them_and_starts_no_more() {
    let (defs, mut inst) = planned(
        &inspections(REJECTION, false),
        json!(["fire-safety", "sanitary"]),
    );
    let fire = wait_at(&inst, "fire-safety");
    inst.complete(&defs, fire, obj(json!({"rejected": true})), &Feel)
        .unwrap();
    assert_eq!(open(&inst), ["sanitary"], "the sanitary inspection goes on");
    let err = inst
        .activate_ad_hoc(&defs, "inspections", &["structure".to_owned()], &Feel)
        .unwrap_err();
    assert!(matches!(err, EngineError::AdHoc { .. }), "{err}");
    let sanitary = wait_at(&inst, "sanitary");
    inst.complete(&defs, sanitary, obj(json!({"verdict": "clean"})), &Feel)
        .unwrap();
    assert_eq!(open(&inst), ["decide"]);
}

#[test]
fn with_nothing_chosen_it_waits_for_elements_to_be_activated() {
    let (defs, mut inst) = planned(&inspections("", true), json!([]));
    assert!(
        open(&inst).is_empty(),
        "nothing started, and the sub-process waits"
    );
    assert!(!inst.ended);
    let before = serde_json::to_string(&inst).unwrap();
    let err = inst
        .activate_ad_hoc(&defs, "inspections", &["roof".to_owned()], &Feel)
        .unwrap_err();
    assert!(
        err.to_string().contains("\"roof\" is not an element"),
        "{err}"
    );
    assert_eq!(
        serde_json::to_string(&inst).unwrap(),
        before,
        "a refused activation changes nothing"
    );
    inst.activate_ad_hoc(&defs, "inspections", &["structure".to_owned()], &Feel)
        .unwrap();
    assert_eq!(open(&inst), ["structure"]);
    let job = wait_at(&inst, "structure");
    inst.complete(&defs, job, Map::new(), &Feel).unwrap();
    assert_eq!(open(&inst), ["decide"]);
}

#[test]
fn the_check_holds_ad_hoc_sub_processes_to_camundas_constraints() {
    let good = yagona_workflow::read(&inspections(REJECTION, true)).unwrap();
    assert!(
        yagona_workflow::check(&good).is_empty(),
        "inner elements with no way in are not 'unreachable'"
    );
    let with_start = inspections("", true).replace(
        r#"<bpmn:userTask id="fire-safety" name="Fire safety"/>"#,
        r#"<bpmn:startEvent id="inner-start"/><bpmn:userTask id="fire-safety" name="Fire safety"/>"#,
    );
    let bad_feel = inspections("", true).replace("=chosen", "=chosen[");
    for (xml, element, reason) in [
        (with_start, "inner-start", "no start or end events"),
        (bad_feel, "inspections", "activeElementsCollection"),
    ] {
        let findings = yagona_workflow::check(&yagona_workflow::read(&xml).unwrap());
        assert!(
            findings
                .iter()
                .any(|f| f.blocks() && f.id == element && f.reason.contains(reason)),
            "{element}: {findings:?}"
        );
    }
}

on_both_databases!(a_collection_that_names_no_elements_is_an_incident_an_administrator_corrects);

async fn a_collection_that_names_no_elements_is_an_incident_an_administrator_corrects(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(&inspections("", true)).await.unwrap();
    let id = store
        .start(
            "permit",
            Some("YG-PERMIT-0001"),
            obj(json!({"rejected": false})),
        )
        .await
        .unwrap();
    let plan = store.user_tasks_of(&id).await.unwrap().remove(0);
    // The planner's form gave one name, not a list of them.
    let err = store
        .complete(
            &id,
            plan.wait_id as u64,
            obj(json!({"chosen": "fire-safety"})),
            Some("Sardor Aliyev"),
        )
        .await
        .unwrap_err();
    let StoreError::Incident {
        id: incident,
        element,
        message,
    } = &err
    else {
        panic!("not an incident: {err}");
    };
    assert_eq!(element, "inspections");
    assert!(message.contains("not a list of element ids"), "{message}");
    store
        .set_variables(&id, obj(json!({"chosen": ["fire-safety"]})), "admin")
        .await
        .unwrap();
    store.retry_incident(incident, "admin").await.unwrap();
    let tasks: Vec<String> = store
        .user_tasks_of(&id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.element_id)
        .collect();
    assert_eq!(tasks, ["fire-safety"]);
    // Later the officer adds the structural survey through the API.
    store
        .activate_ad_hoc(
            &id,
            "inspections",
            &["structure".to_owned()],
            Some("Sardor Aliyev"),
        )
        .await
        .unwrap();
    assert!(store
        .activate_ad_hoc(&id, "inspections", &["roof".to_owned()], None)
        .await
        .is_err());
    let mut tasks: Vec<String> = store
        .user_tasks_of(&id)
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.element_id)
        .collect();
    tasks.sort();
    assert_eq!(
        tasks,
        ["fire-safety"],
        "the survey is a job, not a person's task"
    );
    assert_eq!(store.status(&id).await.unwrap().0, "active");
}
