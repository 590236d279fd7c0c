//! Compensation as Camunda 8.8 runs it: a compensation throw or end event starts, all at once,
//! the handlers of the activities that completed in its scope (and in its sub-processes that
//! completed), or of the one `activityRef` names, and waits for them; active, cancelled and
//! never-run activities are not compensated, and none twice.

mod support;
use serde_json::{json, Map, Value};
use support::Fresh;
use yagona_workflow::engine::{Instance, WaitKind};
use yagona_workflow::feel::Feel;
use yagona_workflow::model::Definitions;
use yagona_workflow::store::ProcessStore;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

const NS: &str = r#"xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0""#;

fn job(id: &str, kind: &str) -> String {
    format!(
        r#"<bpmn:serviceTask id="{id}"><bpmn:extensionElements><zeebe:taskDefinition type="{kind}"/></bpmn:extensionElements></bpmn:serviceTask>"#
    )
}

fn handler(id: &str, kind: &str) -> String {
    format!(
        r#"<bpmn:serviceTask id="{id}" isForCompensation="true"><bpmn:extensionElements><zeebe:taskDefinition type="{kind}"/></bpmn:extensionElements></bpmn:serviceTask>"#
    )
}

/// A duplicate birth certificate: a certificate number is reserved in the register and the
/// fee charged, each with its undoing; the registrar reviews; a refusal undoes both.
fn certificate() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} id="x">
  <bpmn:process id="duplicate" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="reserve"/>
    {reserve}
    <bpmn:boundaryEvent id="undo-reserve" attachedToRef="reserve"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>
    {release}
    <bpmn:association id="a1" sourceRef="undo-reserve" targetRef="release"/>
    <bpmn:sequenceFlow id="f2" sourceRef="reserve" targetRef="charge"/>
    {charge}
    <bpmn:boundaryEvent id="undo-charge" attachedToRef="charge"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>
    {refund}
    <bpmn:association id="a2" sourceRef="undo-charge" targetRef="refund"/>
    <bpmn:sequenceFlow id="f3" sourceRef="charge" targetRef="review"/>
    <bpmn:userTask id="review"/>
    <bpmn:sequenceFlow id="f4" sourceRef="review" targetRef="gw"/>
    <bpmn:exclusiveGateway id="gw" default="ok"/>
    <bpmn:sequenceFlow id="ok" sourceRef="gw" targetRef="issued"/>
    <bpmn:sequenceFlow id="no" sourceRef="gw" targetRef="refused"><bpmn:conditionExpression>=not(approved)</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:endEvent id="issued"/>
    <bpmn:endEvent id="refused"><bpmn:compensateEventDefinition/></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>"#,
        reserve = job("reserve", "civil-registry.reserve-number"),
        release = handler("release", "civil-registry.release-number"),
        charge = job("charge", "payments.charge"),
        refund = handler("refund", "payments.refund"),
    )
}

fn jobs(inst: &Instance) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = inst
        .waits
        .iter()
        .filter(|w| matches!(w.what, WaitKind::Job { .. } | WaitKind::UserTask))
        .map(|w| (w.element.clone(), w.id))
        .collect();
    out.sort();
    out
}

fn finish(defs: &Definitions, inst: &mut Instance, element: &str, result: Value) {
    let id = jobs(inst)
        .into_iter()
        .find(|(e, _)| e == element)
        .unwrap()
        .1;
    inst.complete(defs, id, obj(result), &Feel).unwrap();
}

fn checked(xml: &str) -> Definitions {
    let defs = yagona_workflow::read(xml).unwrap();
    let findings = yagona_workflow::check(&defs);
    assert!(findings.is_empty(), "{findings:?}");
    defs
}

#[test]
fn a_refusal_undoes_every_completed_step_and_waits_for_the_undoing() {
    let defs = checked(&certificate());
    let (mut inst, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    finish(
        &defs,
        &mut inst,
        "reserve",
        json!({"number": "II-TN 0012345"}),
    );
    finish(&defs, &mut inst, "charge", json!({"paid": 8240000}));
    finish(&defs, &mut inst, "review", json!({"approved": false}));
    let open: Vec<String> = jobs(&inst).into_iter().map(|j| j.0).collect();
    assert_eq!(open, ["refund", "release"], "both handlers start at once");
    assert!(!inst.ended, "the compensation end event waits for them");
    finish(&defs, &mut inst, "refund", json!({}));
    assert!(!inst.ended);
    let step = {
        let id = jobs(&inst)[0].1;
        inst.complete(&defs, id, Map::new(), &Feel).unwrap()
    };
    assert!(inst.ended);
    assert!(step.completed.iter().any(|c| c.id == "refused"));
}

#[test]
fn an_approval_compensates_nothing() {
    let defs = checked(&certificate());
    let (mut inst, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    finish(&defs, &mut inst, "reserve", json!({}));
    finish(&defs, &mut inst, "charge", json!({}));
    finish(&defs, &mut inst, "review", json!({"approved": true}));
    assert!(inst.ended);
}

#[test]
fn an_activity_ref_undoes_only_that_activity_and_only_once() {
    // The fee is refunded and charged again (a corrected amount), before the review.
    let xml = certificate().replace(
        r#"<bpmn:sequenceFlow id="f3" sourceRef="charge" targetRef="review"/>"#,
        r#"<bpmn:sequenceFlow id="f3" sourceRef="charge" targetRef="recharge"/>
    <bpmn:intermediateThrowEvent id="recharge"><bpmn:compensateEventDefinition activityRef="charge"/></bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="f3b" sourceRef="recharge" targetRef="review"/>"#,
    );
    let defs = checked(&xml);
    let (mut inst, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    finish(&defs, &mut inst, "reserve", json!({}));
    finish(&defs, &mut inst, "charge", json!({}));
    let open: Vec<String> = jobs(&inst).into_iter().map(|j| j.0).collect();
    assert_eq!(open, ["refund"], "the reservation stays");
    finish(&defs, &mut inst, "refund", json!({}));
    assert_eq!(
        jobs(&inst)[0].0,
        "review",
        "the throw went on once the refund was done"
    );
    finish(&defs, &mut inst, "review", json!({"approved": false}));
    let open: Vec<String> = jobs(&inst).into_iter().map(|j| j.0).collect();
    assert_eq!(
        open,
        ["release"],
        "the charge, compensated already, is not refunded twice"
    );
}

#[test]
fn an_activity_still_running_is_not_compensated() {
    // The register is asked in parallel with the payment; the payment system says the card
    // was declined while the register has not answered: nothing completed, nothing undone
    // but what did.
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} id="x">
  <bpmn:error id="declined" errorCode="DECLINED"/>
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="split"/>
    <bpmn:parallelGateway id="split"/>
    <bpmn:sequenceFlow id="f1" sourceRef="split" targetRef="reserve"/>
    <bpmn:sequenceFlow id="f2" sourceRef="split" targetRef="notify"/>
    {reserve}
    <bpmn:boundaryEvent id="undo-reserve" attachedToRef="reserve"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>
    {release}
    <bpmn:association id="a1" sourceRef="undo-reserve" targetRef="release"/>
    {notify}
    <bpmn:boundaryEvent id="undo-notify" attachedToRef="notify"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>
    {retract}
    <bpmn:association id="a2" sourceRef="undo-notify" targetRef="retract"/>
    <bpmn:sequenceFlow id="f3" sourceRef="notify" targetRef="undo"/>
    <bpmn:intermediateThrowEvent id="undo"><bpmn:compensateEventDefinition/></bpmn:intermediateThrowEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="undo" targetRef="e1"/>
    <bpmn:sequenceFlow id="f5" sourceRef="reserve" targetRef="e2"/>
    <bpmn:endEvent id="e1"/>
    <bpmn:endEvent id="e2"/>
  </bpmn:process>
</bpmn:definitions>"#,
        reserve = job("reserve", "civil-registry.reserve-number"),
        release = handler("release", "civil-registry.release-number"),
        notify = job("notify", "notify"),
        retract = handler("retract", "notify.retract"),
    );
    let defs = checked(&xml);
    let (mut inst, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    finish(&defs, &mut inst, "notify", json!({}));
    let open: Vec<String> = jobs(&inst).into_iter().map(|j| j.0).collect();
    assert_eq!(
        open,
        ["reserve", "retract"],
        "the reservation is still running: not compensated"
    );
}

#[test]
fn a_completed_sub_process_is_compensated_inside_and_an_error_event_sub_process_can_ask_for_it() {
    // Documents are registered in a sub-process; later a check fails with a BPMN error, and
    // the error event sub-process undoes everything done so far.
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} id="x">
  <bpmn:error id="fraud" errorCode="FRAUD"/>
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="registration"/>
    <bpmn:subProcess id="registration">
      <bpmn:extensionElements><zeebe:ioMapping><zeebe:input source="=&quot;II-TN&quot;" target="series"/></zeebe:ioMapping></bpmn:extensionElements>
      <bpmn:startEvent id="rs"/>
      <bpmn:sequenceFlow id="r1" sourceRef="rs" targetRef="reserve"/>
      {reserve}
      <bpmn:boundaryEvent id="undo-reserve" attachedToRef="reserve"><bpmn:compensateEventDefinition/></bpmn:boundaryEvent>
      {release}
      <bpmn:association id="a1" sourceRef="undo-reserve" targetRef="release"/>
      <bpmn:sequenceFlow id="r2" sourceRef="reserve" targetRef="re"/>
      <bpmn:endEvent id="re"/>
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="registration" targetRef="verify"/>
    {verify}
    <bpmn:sequenceFlow id="f3" sourceRef="verify" targetRef="e"/>
    <bpmn:endEvent id="e"/>
    <bpmn:subProcess id="on-fraud" triggeredByEvent="true">
      <bpmn:startEvent id="fs"><bpmn:errorEventDefinition errorRef="fraud"/></bpmn:startEvent>
      <bpmn:sequenceFlow id="x1" sourceRef="fs" targetRef="undo-all"/>
      <bpmn:intermediateThrowEvent id="undo-all"><bpmn:compensateEventDefinition/></bpmn:intermediateThrowEvent>
      <bpmn:sequenceFlow id="x2" sourceRef="undo-all" targetRef="fe"/>
      <bpmn:endEvent id="fe"/>
    </bpmn:subProcess>
  </bpmn:process>
</bpmn:definitions>"#,
        reserve = job("reserve", "civil-registry.reserve-number"),
        release = handler("release", "civil-registry.release-number"),
        verify = job("verify", "mvd.verify"),
    );
    let defs = checked(&xml);
    let (mut inst, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    finish(&defs, &mut inst, "reserve", json!({}));
    let verify = jobs(&inst)[0].1;
    inst.throw_error(&defs, verify, "FRAUD", &Feel).unwrap();
    let release = inst
        .waits
        .iter()
        .find(|w| w.element == "release")
        .expect("the handler inside the completed sub-process runs")
        .clone();
    assert_eq!(
        inst.variables_for(&release)["series"],
        json!("II-TN"),
        "with the sub-process's variables as they were"
    );
    // The state survives a store's round trip in the middle of compensation.
    let mut inst: Instance = serde_json::from_str(&serde_json::to_string(&inst).unwrap()).unwrap();
    inst.complete(&defs, release.id, Map::new(), &Feel).unwrap();
    assert!(inst.ended);
}

#[test]
fn the_check_refuses_compensation_it_cannot_run() {
    let no_association = certificate().replace(
        r#"<bpmn:association id="a1" sourceRef="undo-reserve" targetRef="release"/>"#,
        "",
    );
    let handler_with_flow = certificate().replace(
        r#"<bpmn:endEvent id="issued"/>"#,
        r#"<bpmn:endEvent id="issued"/><bpmn:sequenceFlow id="bad" sourceRef="refund" targetRef="issued"/>"#,
    );
    let unknown_ref = certificate().replace(
        r#"<bpmn:endEvent id="refused"><bpmn:compensateEventDefinition/></bpmn:endEvent>"#,
        r#"<bpmn:endEvent id="refused"><bpmn:compensateEventDefinition activityRef="ghost"/></bpmn:endEvent>"#,
    );
    for (xml, element, reason) in [
        (
            no_association,
            "undo-reserve",
            "needs an association to its handler",
        ),
        (
            handler_with_flow,
            "refund",
            "no incoming or outgoing sequence flows",
        ),
        (unknown_ref, "refused", "activityRef \"ghost\""),
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

on_both_databases!(a_durable_refusal_hands_the_undoing_to_the_workers);

async fn a_durable_refusal_hands_the_undoing_to_the_workers(f: Fresh) {
    use chrono::Duration;
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(&certificate()).await.unwrap();
    let id = store
        .start("duplicate", Some("YG-DUP-0001"), Map::new())
        .await
        .unwrap();
    for kind in ["civil-registry.reserve-number", "payments.charge"] {
        let jobs = store
            .activate_jobs(kind, "fhdyo", 1, Duration::minutes(5))
            .await
            .unwrap();
        store
            .complete_job(
                &jobs[0].instance_id,
                jobs[0].wait_id as u64,
                "fhdyo",
                Map::new(),
            )
            .await
            .unwrap();
    }
    let review = store.user_tasks_of(&id).await.unwrap().remove(0);
    store
        .complete(
            &id,
            review.wait_id as u64,
            obj(json!({"approved": false})),
            Some("registrar"),
        )
        .await
        .unwrap();
    for kind in ["payments.refund", "civil-registry.release-number"] {
        let jobs = store
            .activate_jobs(kind, "fhdyo", 5, Duration::minutes(5))
            .await
            .unwrap();
        assert_eq!(jobs.len(), 1, "{kind}: one undoing each");
        assert_eq!(store.status(&id).await.unwrap().0, "active");
        store
            .complete_job(
                &jobs[0].instance_id,
                jobs[0].wait_id as u64,
                "fhdyo",
                Map::new(),
            )
            .await
            .unwrap();
    }
    assert_eq!(store.status(&id).await.unwrap().0, "completed");
}
