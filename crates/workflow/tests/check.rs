//! The one check before deployment (`process check`, `registry validate`, deploy): what cannot
//! run is refused with its line, element and reason; what runs but looks wrong is a warning.

use yagona_workflow::check::{check, check_against, Known, Severity};
use yagona_workflow::read;

/// A process with `body` inside, and messages/errors beside it.
fn model(body: &str, beside: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
{beside}
<bpmn:process id="p" isExecutable="true">
{body}
</bpmn:process>
</bpmn:definitions>"#
    )
}

fn errors(source: &str) -> Vec<String> {
    let defs = read(source).unwrap();
    check(&defs)
        .into_iter()
        .filter(|f| f.blocks())
        .map(|f| f.to_string())
        .collect()
}

fn warnings(source: &str) -> Vec<String> {
    let defs = read(source).unwrap();
    check(&defs)
        .into_iter()
        .filter(|f| f.severity == Severity::Warning)
        .map(|f| f.to_string())
        .collect()
}

const LINE: &str = r#"<bpmn:startEvent id="start"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="gw"/>
<bpmn:exclusiveGateway id="gw" default="f3"/>
<bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="yes"><bpmn:conditionExpression>CONDITION</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f3" sourceRef="gw" targetRef="no"/>
<bpmn:endEvent id="yes"/>
<bpmn:endEvent id="no"/>"#;

#[test]
fn a_malformed_condition_is_refused_with_its_line() {
    let ok = model(&LINE.replace("CONDITION", "=amount &gt; 1000"), "");
    assert_eq!(errors(&ok), Vec::<String>::new());
    let bad = model(&LINE.replace("CONDITION", "=amount &gt;"), "");
    let found = errors(&bad);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("line 8: f2 (sequenceFlow): conditionExpression:"),
        "{found:?}"
    );
    assert!(found[0].contains("does not parse"), "{found:?}");
}

#[test]
fn timers_that_are_not_iso_8601_are_refused() {
    let timer = |def: &str| {
        model(
            &format!(
                r#"<bpmn:startEvent id="start"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>{def}</bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
<bpmn:endEvent id="end"/>"#
            ),
            "",
        )
    };
    for good in [
        "<bpmn:timeDuration>P3D</bpmn:timeDuration>",
        "<bpmn:timeDuration>=reminderAfter</bpmn:timeDuration>",
        "<bpmn:timeCycle>R3/PT1H</bpmn:timeCycle>",
        "<bpmn:timeDate>2027-01-04T09:00:00+05:00</bpmn:timeDate>",
    ] {
        assert_eq!(errors(&timer(good)), Vec::<String>::new(), "{good}");
    }
    for (bad, says) in [
        (
            "<bpmn:timeDuration>P1X</bpmn:timeDuration>",
            "timeDuration: \"P1X\" is not an ISO 8601 duration",
        ),
        (
            "<bpmn:timeCycle>R/P1X</bpmn:timeCycle>",
            "timeCycle: \"R/P1X\"",
        ),
        ("<bpmn:timeCycle>0 0 9 * * MON</bpmn:timeCycle>", "cron"),
        (
            "<bpmn:timeDate>tomorrow</bpmn:timeDate>",
            "timeDate: \"tomorrow\"",
        ),
        (
            "<bpmn:timeDuration>=days +</bpmn:timeDuration>",
            "timeDuration: the expression",
        ),
    ] {
        let found = errors(&timer(bad));
        assert_eq!(found.len(), 1, "{bad}: {found:?}");
        assert!(
            found[0].starts_with("line 7: wait (intermediateCatchEvent)"),
            "{found:?}"
        );
        assert!(found[0].contains(says), "{bad}: {found:?}");
    }
}

#[test]
fn mappings_collections_and_correlation_keys_must_parse() {
    let body = r#"<bpmn:startEvent id="start"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
<bpmn:serviceTask id="work">
  <bpmn:extensionElements>
    <zeebe:taskDefinition type="check"/>
    <zeebe:ioMapping><zeebe:input source="=applicant.pinfl" target="pinfl"/><zeebe:output source="=result.(" target="r"/></zeebe:ioMapping>
  </bpmn:extensionElements>
  <bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=children[" inputElement="child"/></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>
</bpmn:serviceTask>
<bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="wait"/>
<bpmn:receiveTask id="wait" messageRef="paid"/>
<bpmn:sequenceFlow id="f3" sourceRef="wait" targetRef="end"/>
<bpmn:endEvent id="end"/>"#;
    let beside = r#"<bpmn:message id="paid" name="paid"><bpmn:extensionElements><zeebe:subscription correlationKey="=invoice number +"/></bpmn:extensionElements></bpmn:message>"#;
    let found = errors(&model(body, beside));
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found
        .iter()
        .any(|f| f.contains("paid (message): zeebe:subscription correlationKey")));
    assert!(found
        .iter()
        .any(|f| f.contains("work (serviceTask): zeebe:output \"r\"")));
    assert!(found
        .iter()
        .any(|f| f.contains("work (serviceTask): zeebe:loopCharacteristics inputCollection")));
}

#[test]
fn references_must_resolve() {
    let body = r#"<bpmn:startEvent id="start"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call"/>
<bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="payment"/></bpmn:extensionElements></bpmn:callActivity>
<bpmn:boundaryEvent id="failed" attachedToRef="call"><bpmn:errorEventDefinition errorRef="nope"/></bpmn:boundaryEvent>
<bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="decide"/>
<bpmn:businessRuleTask id="decide"><bpmn:extensionElements><zeebe:calledDecision decisionId="fee" resultVariable="fee"/></bpmn:extensionElements></bpmn:businessRuleTask>
<bpmn:sequenceFlow id="f3" sourceRef="decide" targetRef="end"/>
<bpmn:sequenceFlow id="f4" sourceRef="failed" targetRef="end"/>
<bpmn:endEvent id="end"/>"#;
    let defs = read(&model(body, "")).unwrap();
    let alone: Vec<String> = check(&defs)
        .iter()
        .filter(|f| f.blocks())
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        alone,
        ["line 8: failed (boundaryEvent): errorRef \"nope\" is not an <error> of the file"]
    );
    let known = Known {
        processes: Some(["birth-registration".to_owned()].into()),
        decisions: Some(["other".to_owned()].into()),
    };
    let found: Vec<String> = check_against(&defs, &known)
        .iter()
        .filter(|f| f.blocks())
        .map(ToString::to_string)
        .collect();
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found.iter().any(
        |f| f.contains("calls process \"payment\", which is neither in this file nor deployed")
    ));
    assert!(found.iter().any(|f| f.contains("calls decision \"fee\"")));
}

#[test]
fn structural_warnings_do_not_refuse() {
    // An exclusive split into a parallel join: only one branch arrives.
    let deadlock = model(
        r#"<bpmn:startEvent id="start"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="split"/>
<bpmn:exclusiveGateway id="split" default="b"/>
<bpmn:sequenceFlow id="a" sourceRef="split" targetRef="taskA"><bpmn:conditionExpression>=urgent</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="b" sourceRef="split" targetRef="taskB"/>
<bpmn:userTask id="taskA"/>
<bpmn:userTask id="taskB"/>
<bpmn:sequenceFlow id="a2" sourceRef="taskA" targetRef="join"/>
<bpmn:sequenceFlow id="b2" sourceRef="taskB" targetRef="join"/>
<bpmn:parallelGateway id="join"/>
<bpmn:sequenceFlow id="f9" sourceRef="join" targetRef="end"/>
<bpmn:endEvent id="end"/>
<bpmn:task id="orphan"/>"#,
        "",
    );
    assert_eq!(errors(&deadlock), Vec::<String>::new());
    let w = warnings(&deadlock);
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(w.iter().any(|w| w.starts_with("warning: line 14: join (parallelGateway): deadlock: the exclusive gateway \"split\" (line 7)")), "{w:?}");
    assert!(
        w.iter()
            .any(|w| w.starts_with("warning: line 17: orphan (task): unreachable")),
        "{w:?}"
    );

    // A loop of gateways and a script with nothing to wait for.
    let busy = model(
        r#"<bpmn:startEvent id="start"/>
<bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="count"/>
<bpmn:scriptTask id="count"><bpmn:extensionElements><zeebe:script expression="=n + 1" resultVariable="n"/></bpmn:extensionElements></bpmn:scriptTask>
<bpmn:sequenceFlow id="f2" sourceRef="count" targetRef="more"/>
<bpmn:exclusiveGateway id="more" default="again"/>
<bpmn:sequenceFlow id="done" sourceRef="more" targetRef="end"><bpmn:conditionExpression>=n &gt; 10</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="again" sourceRef="more" targetRef="count"/>
<bpmn:endEvent id="end"/>"#,
        "",
    );
    let w = warnings(&busy);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("count (scriptTask): a loop with no wait state (count → more)"),
        "{w:?}"
    );
    // The same loop through a user task waits for a person each round: no warning.
    let waits = busy.replace(
        r#"<bpmn:scriptTask id="count"><bpmn:extensionElements><zeebe:script expression="=n + 1" resultVariable="n"/></bpmn:extensionElements></bpmn:scriptTask>"#,
        r#"<bpmn:userTask id="count"/>"#,
    );
    assert_eq!(warnings(&waits), Vec::<String>::new());
}
