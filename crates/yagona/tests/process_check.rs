//! `yagona process check`: per file, every element the engine cannot run, with id, line and reason.

use std::path::PathBuf;
use std::process::Command;

fn models() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../workflow/tests/miwg")
}

fn check(files: &[PathBuf]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_yagona"))
        .arg("process")
        .arg("check")
        .args(files)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn a_runnable_model_passes_and_exits_zero() {
    let (ok, out) = check(&[models().join("C.9.0.bpmn"), models().join("C.8.1.bpmn")]);
    assert!(ok, "{out}");
    assert!(
        out.contains("C.9.0.bpmn: runnable — 1 process(es), 25 elements"),
        "{out}"
    );
}

#[test]
fn unrunnable_elements_are_listed_per_file_and_the_exit_code_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.bpmn");
    std::fs::write(&broken, "<?xml version=\"1.0\"?>\n<definitions xmlns=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">\n<process id=\"p\" isExecutable=\"true\">\n<startEvent id=\"s\"/>\n<complexGateway id=\"g\"/>\n</process>\n</definitions>\n").unwrap();
    let not_xml = dir.path().join("notes.bpmn");
    std::fs::write(&not_xml, "<definitions>\n<oops>\n").unwrap();
    let (ok, out) = check(&[
        models().join("C.9.0.bpmn"),
        broken.clone(),
        not_xml.clone(),
        models().join("C.3.0.bpmn"),
    ]);
    assert!(!ok);
    assert!(out.contains("C.9.0.bpmn: runnable"));
    assert!(
        out.contains(&format!(
            "{}:5: g (complexGateway): complex gateways are not supported",
            broken.display()
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("{}:", not_xml.display()))
            && out.contains("not a readable BPMN model"),
        "{out}"
    );
    assert!(out.contains("C.3.0.bpmn:132: _604be023-654c-44df-a64c-365254a100cd (exclusiveGateway): outgoing flow"), "{out}");
}

#[test]
fn simulate_prints_each_completed_element_as_a_json_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_yagona"))
        .args(["process", "simulate"])
        .arg(models().join("C.9.0.bpmn"))
        .args(["--vars", r#"{"applicant": {"name": "Dilnoza", "email": "d@example.uz"}, "corporation": "Yagona", "applicationNumber": 7, "product": "car"}"#])
        .args(["--complete", r#"BusinessRuleTask_CheckApplicationAutomatically={"result": {"riskLevel": ["yellow"], "risk": []}}"#])
        .args(["--complete", r#"Activity_ManualCheck={"approved": true}"#])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut text: Vec<&str> = stdout.lines().collect();
    // The last line says how the run ended.
    assert_eq!(text.pop(), Some("completed"), "{stdout}");
    let lines: Vec<serde_json::Value> = text
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.iter().all(|l| l["at"].is_string()), "{stdout}");
    assert_eq!(lines[0]["id"], "StartEvent_ApplicationReceived");
    assert_eq!(lines[0]["type"], "startEvent");
    assert!(lines
        .iter()
        .any(|l| l["id"] == "Activity_ManualCheck" && l["type"] == "callActivity"));
    assert_eq!(lines.last().unwrap()["type"], "endEvent");

    let bad = Command::new(env!("CARGO_BIN_EXE_yagona"))
        .args(["process", "simulate"])
        .arg(models().join("C.9.0.bpmn"))
        .args(["--complete", "no-equals-sign"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("TASK_ID=JSON"));
}

#[test]
fn worker_create_prints_a_token_once() {
    let data = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_yagona"))
        .args([
            "worker",
            "create",
            "soliq-system",
            "--types",
            "tax.debt,tax.status",
            "--data",
        ])
        .arg(data.path())
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(token.starts_with("yw_") && token.len() > 60, "{token}");
    let again = Command::new(env!("CARGO_BIN_EXE_yagona"))
        .args([
            "worker",
            "create",
            "soliq-system",
            "--types",
            "tax.debt",
            "--data",
        ])
        .arg(data.path())
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(!again.status.success(), "a worker name is registered once");
}
