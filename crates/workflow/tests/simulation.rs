//! Simulated runs: the path a model takes, decided by real FEEL conditions and mappings.

use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use yagona_workflow::feel::Feel;
use yagona_workflow::read;
use yagona_workflow::simulate::{simulate, SimulationError};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn ids(outcome: &yagona_workflow::simulate::Outcome) -> Vec<&str> {
    outcome.completed.iter().map(|c| c.id.as_str()).collect()
}

fn c_9_0() -> yagona_workflow::Definitions {
    read(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/miwg/C.9.0.bpmn"),
        )
        .unwrap(),
    )
    .unwrap()
}

fn start_vars() -> Map<String, Value> {
    obj(
        json!({"applicant": {"name": "Dilnoza", "email": "d@example.uz"}, "corporation": "Yagona", "applicationNumber": 7, "product": "car"}),
    )
}

#[test]
fn c_9_0_takes_the_green_path_when_the_decision_finds_no_risk() {
    let o = simulate(&c_9_0(), None, start_vars(), HashMap::new(), &Feel).unwrap();
    let path = ids(&o);
    assert_eq!(path.first(), Some(&"StartEvent_ApplicationReceived"));
    assert!(path.contains(&"ServiceTask_DeliverPolicy"), "{path:?}");
    assert!(!path.contains(&"Activity_ManualCheck"));
    assert_eq!(
        o.variables["riskLevels"],
        json!(["green"]),
        "the output mapping ran"
    );
}

#[test]
fn c_9_0_sends_a_red_risk_to_manual_check_and_follows_the_officers_answer() {
    let decision = |levels: Value| {
        let mut m = HashMap::new();
        m.insert(
            "BusinessRuleTask_CheckApplicationAutomatically".to_owned(),
            obj(json!({"result": {"riskLevel": levels, "risk": ["age"]}})),
        );
        m
    };
    // Every risk yellow: an officer checks by hand, and the answer decides.
    for (approved, expected) in [
        (true, "ServiceTask_DeliverPolicy"),
        (false, "ServiceTask_RejectPolicy"),
    ] {
        let mut answers = decision(json!(["yellow", "yellow"]));
        answers.insert(
            "Activity_ManualCheck".to_owned(),
            obj(json!({"approved": approved})),
        );
        let o = simulate(&c_9_0(), None, start_vars(), answers, &Feel).unwrap();
        let path = ids(&o);
        assert!(
            path.contains(&"Activity_ManualCheck") && path.contains(&expected),
            "approved={approved}: {path:?}"
        );
    }
    // Any red risk: rejected at once, nobody checks by hand.
    let red = simulate(
        &c_9_0(),
        None,
        start_vars(),
        decision(json!(["yellow", "red"])),
        &Feel,
    )
    .unwrap();
    assert!(
        ids(&red).contains(&"ServiceTask_RejectPolicy")
            && !ids(&red).contains(&"Activity_ManualCheck"),
        "{:?}",
        ids(&red)
    );
}

const MODEL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <error id="Err_Docs" errorCode="DOCS_MISSING"/>
  <process id="permit" isExecutable="true">
    <startEvent id="start"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="split"/>
    <parallelGateway id="split"/>
    <sequenceFlow id="f2" sourceRef="split" targetRef="cadastre"/>
    <sequenceFlow id="f3" sourceRef="split" targetRef="tax"/>
    <serviceTask id="cadastre"><extensionElements><zeebe:taskDefinition type="cadastre-lookup"/></extensionElements></serviceTask>
    <serviceTask id="tax"><extensionElements><zeebe:taskDefinition type="tax-debt"/></extensionElements></serviceTask>
    <sequenceFlow id="f4" sourceRef="cadastre" targetRef="join"/>
    <sequenceFlow id="f5" sourceRef="tax" targetRef="join"/>
    <parallelGateway id="join"/>
    <sequenceFlow id="f6" sourceRef="join" targetRef="review"/>
    <userTask id="review">
      <multiInstanceLoopCharacteristics><extensionElements>
        <zeebe:loopCharacteristics inputCollection="=inspectors" inputElement="inspector" outputCollection="verdicts" outputElement="=inspector + &quot;:ok&quot;"/>
      </extensionElements></multiInstanceLoopCharacteristics>
    </userTask>
    <sequenceFlow id="f7" sourceRef="review" targetRef="checkDocs"/>
    <subProcess id="checkDocs">
      <startEvent id="s2"/>
      <sequenceFlow id="g1" sourceRef="s2" targetRef="docsOk"/>
      <exclusiveGateway id="docsOk" default="g3"/>
      <sequenceFlow id="g2" sourceRef="docsOk" targetRef="missing"><conditionExpression>=count(documents) &lt; 2</conditionExpression></sequenceFlow>
      <sequenceFlow id="g3" sourceRef="docsOk" targetRef="e2"/>
      <endEvent id="missing"><errorEventDefinition errorRef="Err_Docs"/></endEvent>
      <endEvent id="e2"/>
    </subProcess>
    <boundaryEvent id="onMissing" attachedToRef="checkDocs"><errorEventDefinition errorRef="Err_Docs"/></boundaryEvent>
    <sequenceFlow id="f8" sourceRef="onMissing" targetRef="askAgain"/>
    <userTask id="askAgain"/>
    <sequenceFlow id="f9" sourceRef="askAgain" targetRef="rejected"/>
    <endEvent id="rejected"/>
    <sequenceFlow id="f10" sourceRef="checkDocs" targetRef="decide"/>
    <exclusiveGateway id="decide"/>
    <sequenceFlow id="f11" sourceRef="decide" targetRef="wait"><conditionExpression>=area &gt; 1000</conditionExpression></sequenceFlow>
    <sequenceFlow id="f12" sourceRef="decide" targetRef="issued"><conditionExpression>=area &lt;= 1000</conditionExpression></sequenceFlow>
    <intermediateCatchEvent id="wait"><timerEventDefinition><timeDuration>P10D</timeDuration></timerEventDefinition></intermediateCatchEvent>
    <sequenceFlow id="f13" sourceRef="wait" targetRef="issued"/>
    <endEvent id="issued"/>
  </process>
</definitions>"#;

#[test]
fn parallel_join_multi_instance_sub_process_and_timer() {
    let defs = read(MODEL).unwrap();
    assert!(
        yagona_workflow::check(&defs).is_empty(),
        "{:?}",
        yagona_workflow::check(&defs)
    );
    let vars = obj(
        json!({"inspectors": ["Botir", "Zarina"], "documents": ["plan", "deed"], "area": 1500}),
    );
    let o = simulate(&defs, None, vars, HashMap::new(), &Feel).unwrap();
    let path = ids(&o);
    let pos = |id: &str| {
        path.iter()
            .position(|x| *x == id)
            .unwrap_or_else(|| panic!("{id} not in {path:?}"))
    };
    assert!(
        pos("join") > pos("cadastre") && pos("join") > pos("tax"),
        "the join waits for both branches"
    );
    assert_eq!(
        path.iter().filter(|x| **x == "join").count(),
        1,
        "the join fires once"
    );
    assert_eq!(
        o.variables["verdicts"],
        json!(["Botir:ok", "Zarina:ok"]),
        "one review per inspector, outputs collected"
    );
    assert!(
        pos("wait") > pos("decide") && pos("issued") > pos("wait"),
        "the timer fired and the run ended: {path:?}"
    );
    assert!(!path.contains(&"askAgain"));
    assert!(o.waiting.is_empty());
}

#[test]
fn an_error_end_event_is_caught_by_the_boundary_of_its_sub_process() {
    let defs = read(MODEL).unwrap();
    let vars = obj(json!({"inspectors": [], "documents": ["plan"], "area": 10}));
    let o = simulate(&defs, None, vars, HashMap::new(), &Feel).unwrap();
    let path = ids(&o);
    assert!(
        path.contains(&"missing") && path.contains(&"onMissing") && path.contains(&"askAgain"),
        "{path:?}"
    );
    assert!(
        !path.contains(&"decide"),
        "the sub-process did not complete normally: {path:?}"
    );
}

#[test]
fn a_gateway_with_no_true_condition_and_no_default_stops_the_run() {
    let defs = read(MODEL).unwrap();
    // `area` is a string: neither condition holds... nor can be evaluated as true or false.
    let vars = obj(json!({"inspectors": [], "documents": ["plan", "deed"], "area": null}));
    let err = simulate(&defs, None, vars, HashMap::new(), &Feel).unwrap_err();
    assert!(
        matches!(err, SimulationError::Expression(ref id, _) | SimulationError::NoMatchingFlow(ref id) if id == "decide"),
        "{err:?}"
    );
}

#[test]
fn no_reference_model_makes_the_simulator_panic() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/miwg");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "bpmn") {
            continue;
        }
        let mut defs = read(&std::fs::read_to_string(&path).unwrap()).unwrap();
        // Run every process, executable or not, with no variables: errors are fine, panics are not.
        for p in &mut defs.processes {
            p.executable = true;
        }
        for id in defs
            .processes
            .iter()
            .map(|p| p.id.clone())
            .collect::<Vec<_>>()
        {
            let _ = simulate(&defs, Some(&id), Map::new(), HashMap::new(), &Feel);
        }
    }
}

/// A task with a one-week deadline and a daily reminder, in either order in the file.
fn reminders(deadline_first: bool) -> yagona_workflow::Definitions {
    let deadline = r#"<bpmn:boundaryEvent id="deadline" attachedToRef="review"><bpmn:timerEventDefinition><bpmn:timeDuration>P7D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"#;
    let reminder = r#"<bpmn:boundaryEvent id="reminder" attachedToRef="review" cancelActivity="false"><bpmn:timerEventDefinition><bpmn:timeCycle>R/P1D</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:boundaryEvent>"#;
    let (a, b) = if deadline_first {
        (deadline, reminder)
    } else {
        (reminder, deadline)
    };
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
<bpmn:process id="p" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="review"/>
<bpmn:userTask id="review"/>
{a}
{b}
<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="done"/>
<bpmn:endEvent id="done"/>
<bpmn:sequenceFlow id="f3" sourceRef="reminder" targetRef="remind"/>
<bpmn:task id="remind"/>
<bpmn:sequenceFlow id="f4" sourceRef="remind" targetRef="reminded"/>
<bpmn:endEvent id="reminded"/>
<bpmn:sequenceFlow id="f5" sourceRef="deadline" targetRef="late"/>
<bpmn:endEvent id="late"/>
</bpmn:process>
</bpmn:definitions>"#
    );
    yagona_workflow::read(&xml).unwrap()
}

#[test]
fn timers_fire_by_due_time_on_a_virtual_clock() {
    use yagona_workflow::simulate::{run, Act, ActKind, End};
    for deadline_first in [true, false] {
        let defs = reminders(deadline_first);
        // Nobody reviews within the week: six daily reminders, then the deadline.
        let late = [Act {
            after: chrono::Duration::days(10),
            what: ActKind::Complete {
                task: "review".into(),
                outputs: Map::new(),
            },
        }];
        let (o, error) = run(&defs, None, Map::new(), &HashMap::new(), &late, &Feel);
        assert!(error.is_none());
        assert_eq!(o.end, End::Completed);
        let reminded = o.steps.iter().filter(|s| s.element.id == "remind").count();
        assert_eq!(reminded, 6, "deadline first in the file: {deadline_first}");
        let ends: Vec<(&str, &str)> = o
            .steps
            .iter()
            .filter(|s| s.element.id == "remind" || s.element.id == "late")
            .map(|s| (s.element.id.as_str(), s.at.as_str()))
            .collect();
        assert_eq!(ends.first(), Some(&("remind", "P1D")));
        assert_eq!(ends.last(), Some(&("late", "P7D")));
        // Reviewed after three days: three reminders, and it is done then.
        let soon = [Act {
            after: chrono::Duration::days(3),
            what: ActKind::Complete {
                task: "review".into(),
                outputs: Map::new(),
            },
        }];
        let (o, _) = run(&defs, None, Map::new(), &HashMap::new(), &soon, &Feel);
        assert_eq!(
            o.steps.iter().filter(|s| s.element.id == "remind").count(),
            2,
            "days 1 and 2; on day 3 the review comes first"
        );
        assert!(o
            .steps
            .iter()
            .any(|s| s.element.id == "done" && s.at == "P3D"));
    }
}

#[test]
fn a_run_says_how_it_ended_with_every_step_before() {
    use yagona_workflow::simulate::{run, End};
    // An exclusive split into a parallel join: a deadlock, not a quiet exit.
    let deadlock = yagona_workflow::read(r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
<bpmn:process id="p" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="split"/>
<bpmn:exclusiveGateway id="split" default="b"/>
<bpmn:sequenceFlow id="a" sourceRef="split" targetRef="join"><bpmn:conditionExpression>=false</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="b" sourceRef="split" targetRef="join"/>
<bpmn:parallelGateway id="join"/>
<bpmn:sequenceFlow id="f9" sourceRef="join" targetRef="e"/>
<bpmn:endEvent id="e"/>
</bpmn:process>
</bpmn:definitions>"#).unwrap();
    let (o, _) = run(&deadlock, None, Map::new(), &HashMap::new(), &[], &Feel);
    assert_eq!(
        o.end,
        End::Deadlock {
            at: vec!["join".into()]
        }
    );
    assert!(o.end.failed());
    assert_eq!(
        o.end.to_string(),
        "deadlock at join: tokens wait for others that cannot come"
    );
    assert!(
        o.steps.iter().any(|s| s.element.id == "split"),
        "the steps before are kept"
    );

    // A condition on a missing variable: an incident at the gateway, after the task before it.
    let incident = yagona_workflow::read(r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
<bpmn:process id="p" isExecutable="true">
<bpmn:startEvent id="s"/>
<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="review"/>
<bpmn:userTask id="review"/>
<bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="gw"/>
<bpmn:exclusiveGateway id="gw"/>
<bpmn:sequenceFlow id="y" sourceRef="gw" targetRef="e1"><bpmn:conditionExpression>=amount &gt; 10</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="n" sourceRef="gw" targetRef="e2"><bpmn:conditionExpression>=amount &lt;= 10</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:endEvent id="e1"/>
<bpmn:endEvent id="e2"/>
</bpmn:process>
</bpmn:definitions>"#).unwrap();
    let (o, error) = run(&incident, None, Map::new(), &HashMap::new(), &[], &Feel);
    assert!(error.is_some());
    assert!(
        matches!(&o.end, End::Incident { at, message } if at == "gw" && message.contains("amount > 10")),
        "{:?}",
        o.end
    );
    assert!(
        o.steps.iter().any(|s| s.element.id == "s"),
        "the start is printed"
    );
}
