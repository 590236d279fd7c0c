//! Reading and checking real models: the BPMN MIWG reference suite (CC-BY 3.0, copied here from
//! `shared/standards/bpmn-miwg` so the expectations stay fixed) and hand-broken variants.

use std::path::PathBuf;
use yagona_workflow::model::{Kind, Trigger};
use yagona_workflow::{check, read, ReadError};

fn miwg(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/miwg")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn every_reference_model_is_either_runnable_or_rejected_with_reasons() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/miwg");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bpmn"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 19);
    let mut runnable = Vec::new();
    for f in &files {
        let source = std::fs::read_to_string(f).unwrap();
        let defs = read(&source).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let findings = check(&defs);
        for finding in &findings {
            assert!(
                finding.line >= 1 && !finding.id.is_empty() && !finding.reason.is_empty(),
                "{finding:?}"
            );
        }
        let executable = defs.processes.iter().any(|p| p.executable);
        if executable && !findings.iter().any(|f| f.blocks()) {
            runnable.push(f.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert_eq!(runnable, ["C.8.1.bpmn", "C.9.0.bpmn"]);
}

#[test]
fn the_camunda_model_c_9_0_is_read_with_its_zeebe_extensions_and_conditions() {
    let defs = read(&miwg("C.9.0.bpmn")).unwrap();
    assert_eq!(defs.processes.len(), 1);
    let p = &defs.processes[0];
    assert_eq!(p.id, "customer_onboarding_en");
    assert!(p.executable);
    let all = p.scope.walk();
    let services: Vec<_> = all
        .iter()
        .filter(|e| matches!(e.kind, Kind::ServiceTask))
        .collect();
    assert!(!services.is_empty());
    assert!(
        services.iter().all(|s| s.zeebe.task_type.is_some()),
        "every service task has a job type"
    );
    let rules: Vec<_> = all
        .iter()
        .filter(|e| matches!(e.kind, Kind::BusinessRuleTask))
        .collect();
    assert!(rules.iter().all(|r| r.zeebe.called_decision.is_some()));
    let conditions: Vec<&str> = p
        .scope
        .flows
        .iter()
        .filter_map(|f| f.condition.as_deref())
        .collect();
    assert!(!conditions.is_empty());
    assert!(
        conditions.iter().all(|c| c.starts_with('=')),
        "Camunda writes FEEL with a leading '=': {conditions:?}"
    );
    // The diagram is kept: every element is drawn.
    for e in all {
        assert!(
            defs.diagram.shapes.iter().any(|s| s.element == e.id),
            "{} has a shape",
            e.id
        );
    }
    assert!(defs.diagram.edges.iter().all(|e| e.points.len() >= 2));
}

#[test]
fn a_model_reads_the_same_whatever_the_namespace_prefixes() {
    let original = miwg("C.9.0.bpmn");
    // The same document with the default namespace for BPMN and another prefix for Zeebe.
    let rewritten = original
        .replace("xmlns:bpmn2=", "xmlns=")
        .replace("<bpmn2:", "<")
        .replace("</bpmn2:", "</")
        .replace("xmlns:zeebe=", "xmlns:z=")
        .replace("<zeebe:", "<z:")
        .replace("</zeebe:", "</z:");
    let a = read(&original).unwrap();
    let b = read(&rewritten).unwrap();
    assert_eq!(
        serde_json::to_value(&a).unwrap(),
        serde_json::to_value(&b).unwrap()
    );
}

#[test]
fn malformed_files_are_rejected_with_the_line() {
    let broken = "<?xml version=\"1.0\"?>\n<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">\n  <bpmn:process id=\"p\">\n  </bpmn:startEvent>\n</bpmn:definitions>\n";
    let e = read(broken).unwrap_err();
    assert_eq!(e.line(), 4, "{e}");
    let not_bpmn = "<html>\n</html>";
    assert!(matches!(
        read(not_bpmn),
        Err(ReadError::NotBpmn { line: 1, .. })
    ));
    assert!(read("").is_err());
    assert!(read("\u{0}\u{1}garbage").is_err());
}

#[test]
fn unsupported_and_broken_elements_are_named_with_id_line_and_reason() {
    let model = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:signalEventDefinition/></bpmn:startEvent>
    <bpmn:serviceTask id="notify"/>
    <bpmn:complexGateway id="cx"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="nowhere"/>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition/></bpmn:intermediateCatchEvent>
    <bpmn:userTask id="review"><bpmn:standardLoopCharacteristics/></bpmn:userTask>
  </bpmn:process>
</bpmn:definitions>"#;
    let defs = read(model).unwrap();
    assert!(matches!(
        defs.processes[0].scope.elements[0].kind,
        Kind::StartEvent {
            trigger: Trigger::Signal { .. },
            ..
        }
    ));
    let findings = check(&defs);
    let has = |id: &str, line: usize, reason: &str| {
        findings
            .iter()
            .any(|f| f.id == id && f.line == line && f.reason.contains(reason))
    };
    assert!(
        has("start", 4, "needs a signalRef to a <signal> of the file"),
        "{findings:#?}"
    );
    assert!(has("notify", 5, "needs a job type"));
    assert!(has("cx", 6, "complex gateways are not supported"));
    assert!(has("f1", 7, "\"nowhere\" is not an element"));
    assert!(has(
        "wait",
        8,
        "a timer needs timeDate, timeDuration or timeCycle"
    ));
    assert!(has("review", 9, "standard loops are not supported"));
}
