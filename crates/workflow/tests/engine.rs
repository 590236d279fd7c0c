//! The engine core: an instance as state moved by events — what a durable store will persist.

use serde_json::{json, Map, Value};
use yagona_workflow::engine::{EngineError, Instance, Wait, WaitKind};
use yagona_workflow::feel::Feel;
use yagona_workflow::read;

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

const REVIEW: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <message id="Msg_Docs" name="documents-received"/>
  <error id="Err_Reg" errorCode="REGISTRY_DOWN"/>
  <process id="review" isExecutable="true">
    <startEvent id="start"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="lookup"/>
    <serviceTask id="lookup"><extensionElements><zeebe:taskDefinition type="civil-registry"/></extensionElements></serviceTask>
    <boundaryEvent id="registryDown" attachedToRef="lookup"><errorEventDefinition errorRef="Err_Reg"/></boundaryEvent>
    <sequenceFlow id="f1b" sourceRef="registryDown" targetRef="manual"/>
    <userTask id="manual"/>
    <sequenceFlow id="f1c" sourceRef="manual" targetRef="officer"/>
    <sequenceFlow id="f2" sourceRef="lookup" targetRef="officer"/>
    <userTask id="officer">
      <extensionElements><zeebe:assignmentDefinition candidateGroups="civil-registry"/></extensionElements>
    </userTask>
    <boundaryEvent id="overdue" attachedToRef="officer"><timerEventDefinition><timeDuration>P10D</timeDuration></timerEventDefinition></boundaryEvent>
    <boundaryEvent id="reminder" attachedToRef="officer" cancelActivity="false"><timerEventDefinition><timeDuration>P8D</timeDuration></timerEventDefinition></boundaryEvent>
    <sequenceFlow id="f3" sourceRef="overdue" targetRef="escalate"/>
    <sequenceFlow id="f3b" sourceRef="reminder" targetRef="remind"/>
    <sendTask id="remind"><extensionElements><zeebe:taskDefinition type="notify"/></extensionElements></sendTask>
    <sequenceFlow id="f3c" sourceRef="remind" targetRef="reminded"/>
    <endEvent id="reminded"/>
    <userTask id="escalate"/>
    <sequenceFlow id="f4" sourceRef="officer" targetRef="wait"/>
    <sequenceFlow id="f5" sourceRef="escalate" targetRef="wait"/>
    <eventBasedGateway id="wait"/>
    <sequenceFlow id="f6" sourceRef="wait" targetRef="docs"/>
    <sequenceFlow id="f7" sourceRef="wait" targetRef="expired"/>
    <intermediateCatchEvent id="docs"><messageEventDefinition messageRef="Msg_Docs"/></intermediateCatchEvent>
    <intermediateCatchEvent id="expired"><timerEventDefinition><timeDuration>P30D</timeDuration></timerEventDefinition></intermediateCatchEvent>
    <sequenceFlow id="f8" sourceRef="docs" targetRef="decide"/>
    <sequenceFlow id="f9" sourceRef="expired" targetRef="closed"/>
    <exclusiveGateway id="decide"/>
    <sequenceFlow id="f10" sourceRef="decide" targetRef="issued"><conditionExpression>=approved</conditionExpression></sequenceFlow>
    <sequenceFlow id="f11" sourceRef="decide" targetRef="closed"><conditionExpression>=not(approved)</conditionExpression></sequenceFlow>
    <endEvent id="issued"/>
    <endEvent id="closed"/>
  </process>
</definitions>"#;

fn waiting<'a>(i: &'a Instance, element: &str) -> &'a Wait {
    i.waits
        .iter()
        .find(|w| w.element == element)
        .unwrap_or_else(|| panic!("nothing waits at {element}: {:?}", i.waits))
}

#[test]
fn an_instance_survives_serialization_between_any_two_steps() {
    let defs = read(REVIEW).unwrap();
    let (inst, step) =
        Instance::start(&defs, None, obj(json!({"pinfl": "31505901234567"})), &Feel).unwrap();
    assert!(
        matches!(step.new_waits[0].what, WaitKind::Job { job_type: Some(ref t) } if t == "civil-registry")
    );
    // Stored and loaded, as a database row would be.
    let mut inst: Instance = serde_json::from_str(&serde_json::to_string(&inst).unwrap()).unwrap();
    let job = waiting(&inst, "lookup").id;
    inst.complete(
        &defs,
        job,
        obj(json!({"fullName": "Dilnoza Karimova"})),
        &Feel,
    )
    .unwrap();
    assert_eq!(
        inst.variables["fullName"], "Dilnoza Karimova",
        "job results become process variables"
    );
    let mut inst: Instance = serde_json::from_str(&serde_json::to_string(&inst).unwrap()).unwrap();
    let task = waiting(&inst, "officer").id;
    // Both timers on the officer's task are armed while it waits.
    assert!(inst
        .waits
        .iter()
        .any(|w| w.element == "overdue" && w.attached_to == Some(task)));
    assert!(inst
        .waits
        .iter()
        .any(|w| w.element == "reminder" && w.attached_to == Some(task)));
    let step = inst.complete(&defs, task, Map::new(), &Feel).unwrap();
    assert_eq!(
        step.cancelled_waits.len(),
        2,
        "completing the task withdraws its timers"
    );
    // Event-based gateway: the message comes first, the 30-day timer is withdrawn.
    let msg = waiting(&inst, "docs").id;
    let timer = waiting(&inst, "expired").id;
    let step = inst
        .trigger(&defs, msg, obj(json!({"approved": true})), &Feel)
        .unwrap();
    assert_eq!(step.cancelled_waits, vec![timer]);
    assert!(inst.ended);
    assert_eq!(step.completed.last().unwrap().id, "issued");
}

#[test]
fn an_interrupting_timer_takes_the_task_away_and_a_non_interrupting_one_does_not() {
    let defs = read(REVIEW).unwrap();
    let (mut inst, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    let job = waiting(&inst, "lookup").id;
    inst.complete(&defs, job, Map::new(), &Feel).unwrap();
    let task = waiting(&inst, "officer").id;
    let reminder = waiting(&inst, "reminder").id;
    inst.trigger(&defs, reminder, Map::new(), &Feel).unwrap();
    assert!(
        inst.waits.iter().any(|w| w.id == task),
        "the officer still has the task after a reminder"
    );
    assert!(
        inst.waits.iter().any(|w| w.element == "remind"),
        "and a reminder goes out"
    );
    let overdue = waiting(&inst, "overdue").id;
    let step = inst.trigger(&defs, overdue, Map::new(), &Feel).unwrap();
    assert!(
        step.cancelled_waits.contains(&task),
        "overdue: the task is taken away"
    );
    assert!(
        inst.waits.iter().any(|w| w.element == "escalate"),
        "and escalated"
    );
}

#[test]
fn a_worker_error_is_caught_by_the_boundary_event() {
    let defs = read(REVIEW).unwrap();
    let (mut inst, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    let job = waiting(&inst, "lookup").id;
    inst.throw_error(&defs, job, "REGISTRY_DOWN", &Feel)
        .unwrap();
    assert!(
        inst.waits.iter().any(|w| w.element == "manual"),
        "{:?}",
        inst.waits
    );
}

#[test]
fn a_failed_step_changes_nothing() {
    let defs = read(REVIEW).unwrap();
    let (mut inst, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    let job = waiting(&inst, "lookup").id;
    inst.complete(&defs, job, Map::new(), &Feel).unwrap();
    let task = waiting(&inst, "officer").id;
    inst.complete(&defs, task, Map::new(), &Feel).unwrap();
    let before = serde_json::to_string(&inst).unwrap();
    let msg = waiting(&inst, "docs").id;
    // `approved` is not a boolean: the gateway cannot decide; the message is not consumed.
    let err = inst
        .trigger(&defs, msg, obj(json!({"approved": "maybe"})), &Feel)
        .unwrap_err();
    assert!(
        matches!(err, EngineError::Expression(ref id, _) if id == "decide"),
        "{err:?}"
    );
    assert_eq!(serde_json::to_string(&inst).unwrap(), before);
    // Nor does an unknown wait, nor an error nobody catches.
    assert_eq!(
        inst.complete(&defs, 9999, Map::new(), &Feel),
        Err(EngineError::UnknownWait(9999))
    );
    assert!(matches!(
        inst.throw_error(&defs, msg, "NOPE", &Feel),
        Err(EngineError::UncaughtError { .. })
    ));
    assert_eq!(serde_json::to_string(&inst).unwrap(), before);
}

const MULTI: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <process id="m" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="a" sourceRef="s" targetRef="sign"/>
    <userTask id="sign">
      <multiInstanceLoopCharacteristics><extensionElements>
        <zeebe:loopCharacteristics inputCollection="=signers" inputElement="signer" outputCollection="signatures" outputElement="=signed"/>
      </extensionElements></multiInstanceLoopCharacteristics>
    </userTask>
    <sequenceFlow id="b" sourceRef="sign" targetRef="e"/>
    <endEvent id="e"/>
  </process>
</definitions>"#;

#[test]
fn parallel_multi_instance_collects_outputs_in_item_order_whatever_the_completion_order() {
    let defs = read(MULTI).unwrap();
    let (mut inst, step) = Instance::start(
        &defs,
        None,
        obj(json!({"signers": ["hokim", "architect", "engineer"]})),
        &Feel,
    )
    .unwrap();
    assert_eq!(step.new_waits.len(), 3, "one task per signer at once");
    assert_eq!(step.new_waits[1].inputs["signer"], "architect");
    let ids: Vec<u64> = step.new_waits.iter().map(|w| w.id).collect();
    for (id, who) in [
        (ids[2], "engineer"),
        (ids[0], "hokim"),
        (ids[1], "architect"),
    ] {
        inst.complete(
            &defs,
            id,
            obj(json!({"signed": format!("{who} signed")})),
            &Feel,
        )
        .unwrap();
    }
    assert!(inst.ended);
    assert_eq!(
        inst.variables["signatures"],
        json!(["hokim signed", "architect signed", "engineer signed"])
    );
}

#[test]
fn a_bpmn_error_on_one_instance_ends_the_whole_multi_instance_task() {
    let model = MULTI.replace(
        "<sequenceFlow id=\"b\" sourceRef=\"sign\" targetRef=\"e\"/>",
        "<sequenceFlow id=\"b\" sourceRef=\"sign\" targetRef=\"e\"/><boundaryEvent id=\"refused\" attachedToRef=\"sign\"><errorEventDefinition/></boundaryEvent><sequenceFlow id=\"c\" sourceRef=\"refused\" targetRef=\"e\"/>",
    );
    let defs = read(&model).unwrap();
    let (mut inst, step) = Instance::start(
        &defs,
        None,
        obj(json!({"signers": ["hokim", "architect"]})),
        &Feel,
    )
    .unwrap();
    let first = step.new_waits[0].id;
    inst.throw_error(&defs, first, "REFUSED", &Feel).unwrap();
    assert!(
        inst.waits.is_empty(),
        "the other signer's task is withdrawn: {:?}",
        inst.waits
    );
    assert!(inst.ended);
}

#[test]
fn a_reminder_on_a_cycle_fires_as_often_as_it_says() {
    let model = REVIEW.replace(
        "<timeDuration>P8D</timeDuration>",
        "<timeCycle>R3/P2D</timeCycle>",
    );
    let defs = read(&model).unwrap();
    let (mut inst, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    let job = waiting(&inst, "lookup").id;
    inst.complete(&defs, job, Map::new(), &Feel).unwrap();
    let mut reminders = 0;
    while let Some(w) = inst.waits.iter().find(|w| w.element == "reminder") {
        let id = w.id;
        let step = inst.trigger(&defs, id, Map::new(), &Feel).unwrap();
        reminders += 1;
        assert!(step.completed.iter().any(|c| c.id == "reminder"));
        assert!(reminders <= 3, "R3 fires three times, not more");
    }
    assert_eq!(reminders, 3);
    // The officer's task was never interrupted, and each reminder went out.
    assert!(inst.waits.iter().any(|w| w.element == "officer"));
    assert_eq!(
        inst.waits.iter().filter(|w| w.element == "remind").count(),
        3
    );
    // Completing the task withdraws the rest.
    let task = waiting(&inst, "officer").id;
    inst.complete(&defs, task, Map::new(), &Feel).unwrap();
    assert!(!inst
        .waits
        .iter()
        .any(|w| w.element == "reminder" || w.element == "overdue"));
}

const WITH_EVENT_SUBS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <message id="Msg_Docs" name="documents-received"/>
  <message id="Msg_Withdraw" name="application-withdrawn"/>
  <error id="Err_Missing" errorCode="PERSON_NOT_FOUND"/>
  <process id="permit" isExecutable="true">
    <startEvent id="start"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="lookup"/>
    <serviceTask id="lookup"><extensionElements><zeebe:taskDefinition type="civil-registry"/></extensionElements></serviceTask>
    <sequenceFlow id="f2" sourceRef="lookup" targetRef="review"/>
    <userTask id="review"/>
    <sequenceFlow id="f3" sourceRef="review" targetRef="done"/>
    <endEvent id="done"/>
    <subProcess id="moreDocs" triggeredByEvent="true">
      <startEvent id="docsArrived" isInterrupting="false"><messageEventDefinition messageRef="Msg_Docs"/></startEvent>
      <sequenceFlow id="d1" sourceRef="docsArrived" targetRef="register"/>
      <userTask id="register"/>
      <sequenceFlow id="d2" sourceRef="register" targetRef="registered"/>
      <endEvent id="registered"/>
    </subProcess>
    <subProcess id="withdrawal" triggeredByEvent="true">
      <startEvent id="withdrawn"><messageEventDefinition messageRef="Msg_Withdraw"/></startEvent>
      <sequenceFlow id="w1" sourceRef="withdrawn" targetRef="closed"/>
      <endEvent id="closed"/>
    </subProcess>
    <subProcess id="notFound" triggeredByEvent="true">
      <startEvent id="missing"><errorEventDefinition errorRef="Err_Missing"/></startEvent>
      <sequenceFlow id="n1" sourceRef="missing" targetRef="manual"/>
      <userTask id="manual"/>
      <sequenceFlow id="n2" sourceRef="manual" targetRef="handled"/>
      <endEvent id="handled"/>
    </subProcess>
  </process>
</definitions>"#;

#[test]
fn a_non_interrupting_event_sub_process_runs_beside_the_work_each_time() {
    let defs = read(WITH_EVENT_SUBS).unwrap();
    let (mut inst, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    let job = waiting(&inst, "lookup").id;
    inst.complete(&defs, job, Map::new(), &Feel).unwrap();
    for _ in 0..2 {
        let docs = waiting(&inst, "docsArrived").id;
        inst.trigger(&defs, docs, Map::new(), &Feel).unwrap();
    }
    assert_eq!(
        inst.waits
            .iter()
            .filter(|w| w.element == "register")
            .count(),
        2
    );
    assert!(
        inst.waits.iter().any(|w| w.element == "review"),
        "the review goes on"
    );
    // The registrations and the review finish: the instance ends, the starts are withdrawn.
    for _ in 0..2 {
        let r = waiting(&inst, "register").id;
        inst.complete(&defs, r, Map::new(), &Feel).unwrap();
    }
    assert!(!inst.ended);
    let review = waiting(&inst, "review").id;
    inst.complete(&defs, review, Map::new(), &Feel).unwrap();
    assert!(inst.ended);
    assert!(inst.waits.is_empty(), "{:?}", inst.waits);
}

#[test]
fn an_interrupting_event_sub_process_ends_the_work() {
    let defs = read(WITH_EVENT_SUBS).unwrap();
    let (mut inst, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    let job = waiting(&inst, "lookup").id;
    inst.complete(&defs, job, Map::new(), &Feel).unwrap();
    let withdraw = waiting(&inst, "withdrawn").id;
    let step = inst.trigger(&defs, withdraw, Map::new(), &Feel).unwrap();
    assert!(inst.ended);
    assert!(inst.waits.is_empty());
    let ids: Vec<&str> = step.completed.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["withdrawn", "closed", "withdrawal"]);
}

#[test]
fn an_error_nobody_else_catches_starts_the_error_event_sub_process() {
    let defs = read(WITH_EVENT_SUBS).unwrap();
    let (mut inst, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    let job = waiting(&inst, "lookup").id;
    inst.throw_error(&defs, job, "PERSON_NOT_FOUND", &Feel)
        .unwrap();
    assert!(inst.waits.iter().any(|w| w.element == "manual"));
    assert!(
        !inst
            .waits
            .iter()
            .any(|w| w.element == "docsArrived" || w.element == "withdrawn"),
        "an interrupting sub-process withdraws the scope's other event starts"
    );
    let manual = waiting(&inst, "manual").id;
    inst.complete(&defs, manual, Map::new(), &Feel).unwrap();
    assert!(inst.ended);
    // Another code is still an error nobody catches, and changes nothing.
    let (mut other, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    let job = waiting(&other, "lookup").id;
    let before = serde_json::to_string(&other).unwrap();
    assert!(matches!(
        other.throw_error(&defs, job, "REGISTRY_DOWN", &Feel),
        Err(EngineError::UncaughtError { .. })
    ));
    assert_eq!(serde_json::to_string(&other).unwrap(), before);
}

const SUB_WITH_BOUNDARIES: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <message id="Msg_Ask" name="status-asked"/>
  <process id="p" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="collect"/>
    <subProcess id="collect">
      <startEvent id="cs"/>
      <sequenceFlow id="c1" sourceRef="cs" targetRef="upload"/>
      <userTask id="upload"/>
      <sequenceFlow id="c2" sourceRef="upload" targetRef="ce"/>
      <endEvent id="ce"/>
    </subProcess>
    <boundaryEvent id="expired" attachedToRef="collect"><timerEventDefinition><timeDuration>P30D</timeDuration></timerEventDefinition></boundaryEvent>
    <boundaryEvent id="asked" attachedToRef="collect" cancelActivity="false"><messageEventDefinition messageRef="Msg_Ask"/></boundaryEvent>
    <sequenceFlow id="f2" sourceRef="collect" targetRef="review"/>
    <sequenceFlow id="f3" sourceRef="expired" targetRef="closed"/>
    <sequenceFlow id="f4" sourceRef="asked" targetRef="answer"/>
    <userTask id="review"/>
    <userTask id="answer"/>
    <sequenceFlow id="f5" sourceRef="review" targetRef="e"/>
    <sequenceFlow id="f6" sourceRef="answer" targetRef="answered"/>
    <endEvent id="e"/>
    <endEvent id="answered"/>
    <endEvent id="closed"/>
  </process>
</definitions>"#;

#[test]
fn boundary_events_guard_an_embedded_sub_process() {
    let defs = read(SUB_WITH_BOUNDARIES).unwrap();
    // Non-interrupting: the question is answered while the documents are still collected.
    let (mut inst, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    let asked = waiting(&inst, "asked").id;
    inst.trigger(&defs, asked, Map::new(), &Feel).unwrap();
    assert!(inst.waits.iter().any(|w| w.element == "answer"));
    assert!(inst.waits.iter().any(|w| w.element == "upload"));
    // Interrupting: the deadline ends the collection and everything inside it.
    let expired = waiting(&inst, "expired").id;
    inst.trigger(&defs, expired, Map::new(), &Feel).unwrap();
    assert!(!inst.waits.iter().any(|w| w.element == "upload"));
    let answer = waiting(&inst, "answer").id;
    inst.complete(&defs, answer, Map::new(), &Feel).unwrap();
    assert!(inst.ended);

    // Finished in time: the sub-process completes and its boundary events are withdrawn.
    let (mut inst, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    let upload = waiting(&inst, "upload").id;
    inst.complete(&defs, upload, Map::new(), &Feel).unwrap();
    assert!(inst.waits.iter().any(|w| w.element == "review"));
    assert!(!inst
        .waits
        .iter()
        .any(|w| w.element == "expired" || w.element == "asked"));
}

#[test]
fn message_throw_and_end_events_with_a_job_type_wait_for_their_worker() {
    let model = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <message id="M" name="permit-issued"/>
  <process id="p" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="tell"/>
    <intermediateThrowEvent id="tell"><extensionElements><zeebe:taskDefinition type="notify-cadastre"/></extensionElements><messageEventDefinition messageRef="M"/></intermediateThrowEvent>
    <sequenceFlow id="f2" sourceRef="tell" targetRef="done"/>
    <endEvent id="done"><extensionElements><zeebe:taskDefinition type="notify-applicant"/></extensionElements><messageEventDefinition messageRef="M"/></endEvent>
  </process>
</definitions>"#;
    let defs = read(model).unwrap();
    let (mut inst, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    let tell = waiting(&inst, "tell");
    assert!(matches!(&tell.what, WaitKind::Job { job_type: Some(t) } if t == "notify-cadastre"));
    let id = tell.id;
    inst.complete(&defs, id, Map::new(), &Feel).unwrap();
    assert!(!inst.ended, "the end event's message is not sent yet");
    let done = waiting(&inst, "done").id;
    inst.complete(&defs, done, Map::new(), &Feel).unwrap();
    assert!(inst.ended);
}

fn model(body: &str) -> yagona_workflow::Definitions {
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <process id="p" isExecutable="true">{body}</process>
</definitions>"#
    );
    let defs = read(&xml).unwrap();
    let blocking: Vec<_> = yagona_workflow::check(&defs)
        .into_iter()
        .filter(|f| f.blocks())
        .collect();
    assert!(blocking.is_empty(), "{blocking:?}");
    defs
}

/// An inclusive gateway takes every branch whose condition holds, and its join waits for
/// exactly those.
#[test]
fn an_inclusive_gateway_takes_every_true_branch_and_joins_them() {
    let defs = model(
        r#"<startEvent id="s"/>
    <sequenceFlow id="f0" sourceRef="s" targetRef="split"/>
    <inclusiveGateway id="split" default="none"/>
    <sequenceFlow id="a" sourceRef="split" targetRef="police"><conditionExpression>=needsPolice</conditionExpression></sequenceFlow>
    <sequenceFlow id="b" sourceRef="split" targetRef="health"><conditionExpression>=needsHealth</conditionExpression></sequenceFlow>
    <sequenceFlow id="none" sourceRef="split" targetRef="join"/>
    <userTask id="police"/>
    <userTask id="health"/>
    <sequenceFlow id="a2" sourceRef="police" targetRef="join"/>
    <sequenceFlow id="b2" sourceRef="health" targetRef="join"/>
    <inclusiveGateway id="join"/>
    <sequenceFlow id="f9" sourceRef="join" targetRef="e"/>
    <endEvent id="e"/>"#,
    );
    let both = obj(json!({"needsPolice": true, "needsHealth": true}));
    let (mut i, _) = Instance::start(&defs, None, both, &Feel).unwrap();
    assert_eq!(i.waits.len(), 2);
    let police = waiting(&i, "police").id;
    i.complete(&defs, police, Map::new(), &Feel).unwrap();
    assert!(!i.ended, "the join waits for the health check too");
    let health = waiting(&i, "health").id;
    i.complete(&defs, health, Map::new(), &Feel).unwrap();
    assert!(i.ended);

    let one = obj(json!({"needsPolice": false, "needsHealth": true}));
    let (mut i, _) = Instance::start(&defs, None, one, &Feel).unwrap();
    assert_eq!(i.waits.len(), 1);
    let health = waiting(&i, "health").id;
    i.complete(&defs, health, Map::new(), &Feel).unwrap();
    assert!(i.ended, "the join does not wait for a branch not taken");

    let neither = obj(json!({"needsPolice": false, "needsHealth": false}));
    let (i, _) = Instance::start(&defs, None, neither, &Feel).unwrap();
    assert!(i.ended, "the default flow");
}

/// A terminate end event ends the whole instance, whatever else still waits.
#[test]
fn a_terminate_end_event_ends_everything() {
    let defs = model(
        r#"<startEvent id="s"/>
    <sequenceFlow id="f0" sourceRef="s" targetRef="fork"/>
    <parallelGateway id="fork"/>
    <sequenceFlow id="a" sourceRef="fork" targetRef="review"/>
    <sequenceFlow id="b" sourceRef="fork" targetRef="withdraw"/>
    <userTask id="review"/>
    <userTask id="withdraw"/>
    <sequenceFlow id="a2" sourceRef="review" targetRef="done"/>
    <sequenceFlow id="b2" sourceRef="withdraw" targetRef="stop"/>
    <endEvent id="done"/>
    <endEvent id="stop"><terminateEventDefinition/></endEvent>"#,
    );
    let (mut i, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    let withdraw = waiting(&i, "withdraw").id;
    let review = waiting(&i, "review").id;
    let step = i.complete(&defs, withdraw, Map::new(), &Feel).unwrap();
    assert!(i.ended);
    assert!(i.waits.is_empty());
    assert!(step.cancelled_waits.contains(&review));
}

/// A link throw goes on at the link catch of the same name, as a long model drawn in two rows.
#[test]
fn a_link_event_goes_on_at_the_catch_of_its_name() {
    let defs = model(
        r#"<startEvent id="s"/>
    <sequenceFlow id="f0" sourceRef="s" targetRef="first"/>
    <userTask id="first"/>
    <sequenceFlow id="f1" sourceRef="first" targetRef="toRow2"/>
    <intermediateThrowEvent id="toRow2"><linkEventDefinition name="row2"/></intermediateThrowEvent>
    <intermediateCatchEvent id="row2"><linkEventDefinition name="row2"/></intermediateCatchEvent>
    <sequenceFlow id="f2" sourceRef="row2" targetRef="second"/>
    <userTask id="second"/>
    <sequenceFlow id="f3" sourceRef="second" targetRef="e"/>
    <endEvent id="e"/>"#,
    );
    let (mut i, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    let first = waiting(&i, "first").id;
    let step = i.complete(&defs, first, Map::new(), &Feel).unwrap();
    let ids: Vec<&str> = step.completed.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["first", "toRow2", "row2"]);
    let second = waiting(&i, "second").id;
    i.complete(&defs, second, Map::new(), &Feel).unwrap();
    assert!(i.ended);

    // A throw with no catch of its name is refused before deployment.
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"><process id="p" isExecutable="true">
<startEvent id="s"/><sequenceFlow id="f0" sourceRef="s" targetRef="go"/>
<intermediateThrowEvent id="go"><linkEventDefinition name="nowhere"/></intermediateThrowEvent>
</process></definitions>"#;
    let findings = yagona_workflow::check(&read(xml).unwrap());
    assert!(
        findings
            .iter()
            .any(|f| f.blocks() && f.id == "go" && f.reason.contains("no link catch event named")),
        "{findings:?}"
    );
}

/// An escalation from inside a sub-process: a non-interrupting boundary event starts the head
/// of department's look while the work goes on; an interrupting one takes the work away; one
/// nobody catches lets the process go on; an escalation event sub-process catches it too.
#[test]
fn escalations_are_caught_outwards_and_uncaught_ones_are_no_error() {
    let body = |cancel: &str| {
        format!(
            r#"<startEvent id="s"/>
    <sequenceFlow id="f0" sourceRef="s" targetRef="review"/>
    <subProcess id="review">
      <startEvent id="rs"/>
      <sequenceFlow id="r1" sourceRef="rs" targetRef="late"/>
      <intermediateThrowEvent id="late"><escalationEventDefinition escalationRef="Esc_Late"/></intermediateThrowEvent>
      <sequenceFlow id="r2" sourceRef="late" targetRef="check"/>
      <userTask id="check"/>
      <sequenceFlow id="r3" sourceRef="check" targetRef="re"/>
      <endEvent id="re"/>
    </subProcess>
    <boundaryEvent id="toHead" attachedToRef="review" cancelActivity="{cancel}"><escalationEventDefinition escalationRef="Esc_Late"/></boundaryEvent>
    <sequenceFlow id="f1" sourceRef="toHead" targetRef="head"/>
    <userTask id="head"/>
    <sequenceFlow id="f2" sourceRef="head" targetRef="he"/>
    <endEvent id="he"/>
    <sequenceFlow id="f3" sourceRef="review" targetRef="e"/>
    <endEvent id="e"/>"#
        )
    };
    let with_escalation = |b: String| {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <escalation id="Esc_Late" escalationCode="LATE"/>
  <process id="p" isExecutable="true">{b}</process>
</definitions>"#
        );
        let defs = read(&xml).unwrap();
        let blocking: Vec<_> = yagona_workflow::check(&defs)
            .into_iter()
            .filter(|f| f.blocks())
            .collect();
        assert!(blocking.is_empty(), "{blocking:?}");
        defs
    };

    // Non-interrupting: the head looks, and the officer's check goes on.
    let defs = with_escalation(body("false"));
    let (i, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    let at: Vec<&str> = i.waits.iter().map(|w| w.element.as_str()).collect();
    assert!(at.contains(&"head") && at.contains(&"check"), "{at:?}");

    // Interrupting: only the head's task is left.
    let defs = with_escalation(body("true"));
    let (i, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    let at: Vec<&str> = i.waits.iter().map(|w| w.element.as_str()).collect();
    assert_eq!(at, ["head"]);

    // Nobody catches it: no error, the work goes on.
    let uncaught = body("true").replace(
        r#"<boundaryEvent id="toHead" attachedToRef="review" cancelActivity="true"><escalationEventDefinition escalationRef="Esc_Late"/></boundaryEvent>
    <sequenceFlow id="f1" sourceRef="toHead" targetRef="head"/>
    <userTask id="head"/>
    <sequenceFlow id="f2" sourceRef="head" targetRef="he"/>
    <endEvent id="he"/>"#,
        "",
    );
    let defs = with_escalation(uncaught);
    let (i, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    let at: Vec<&str> = i.waits.iter().map(|w| w.element.as_str()).collect();
    assert_eq!(at, ["check"]);

    // An escalation event sub-process of the process catches it (non-interrupting).
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <escalation id="Esc_Late" escalationCode="LATE"/>
  <process id="p" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="f0" sourceRef="s" targetRef="late"/>
    <intermediateThrowEvent id="late"><escalationEventDefinition escalationRef="Esc_Late"/></intermediateThrowEvent>
    <sequenceFlow id="f1" sourceRef="late" targetRef="work"/>
    <userTask id="work"/>
    <sequenceFlow id="f2" sourceRef="work" targetRef="e"/>
    <endEvent id="e"/>
    <subProcess id="onLate" triggeredByEvent="true">
      <startEvent id="ls" isInterrupting="false"><escalationEventDefinition escalationRef="Esc_Late"/></startEvent>
      <sequenceFlow id="l1" sourceRef="ls" targetRef="notify"/>
      <userTask id="notify"/>
      <sequenceFlow id="l2" sourceRef="notify" targetRef="le"/>
      <endEvent id="le"/>
    </subProcess>
  </process>
</definitions>"#;
    let defs = read(xml).unwrap();
    assert!(yagona_workflow::check(&defs).iter().all(|f| !f.blocks()));
    let (i, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    let mut at: Vec<&str> = i.waits.iter().map(|w| w.element.as_str()).collect();
    at.sort();
    assert_eq!(at, ["notify", "work"]);
}

#[test]
fn a_sub_process_caught_by_its_error_boundary_takes_its_timer_with_it() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <error id="Err_Reg" errorCode="REGISTRY_DOWN"/>
  <process id="p" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="f1" sourceRef="s" targetRef="sub"/>
    <subProcess id="sub">
      <startEvent id="is"/>
      <sequenceFlow id="i1" sourceRef="is" targetRef="lookup"/>
      <serviceTask id="lookup"><extensionElements><zeebe:taskDefinition type="civil-registry"/></extensionElements></serviceTask>
      <sequenceFlow id="i2" sourceRef="lookup" targetRef="ie"/>
      <endEvent id="ie"/>
    </subProcess>
    <boundaryEvent id="down" attachedToRef="sub"><errorEventDefinition errorRef="Err_Reg"/></boundaryEvent>
    <boundaryEvent id="slow" attachedToRef="sub"><timerEventDefinition><timeDuration>P5D</timeDuration></timerEventDefinition></boundaryEvent>
    <sequenceFlow id="f2" sourceRef="sub" targetRef="e"/>
    <sequenceFlow id="f3" sourceRef="down" targetRef="manual"/>
    <sequenceFlow id="f4" sourceRef="slow" targetRef="e2"/>
    <userTask id="manual"/>
    <sequenceFlow id="f5" sourceRef="manual" targetRef="e"/>
    <endEvent id="e"/>
    <endEvent id="e2"/>
  </process>
</definitions>"#;
    let defs = read(xml).unwrap();
    let (mut inst, _) = Instance::start(&defs, None, Map::new(), &Feel).unwrap();
    let job = inst
        .waits
        .iter()
        .find(|w| matches!(w.what, WaitKind::Job { .. }))
        .unwrap()
        .id;
    inst.throw_error(&defs, job, "REGISTRY_DOWN", &Feel)
        .unwrap();
    let left: Vec<&str> = inst.waits.iter().map(|w| w.element.as_str()).collect();
    assert_eq!(
        left,
        ["manual"],
        "the sub-process's five-day timer went with it, so it cannot fire later"
    );
}
