//! Process mining: the history of applications as an XES log that pm4py and Disco read as
//! intended — a trace per application named by its reference number, tasks' start, assign and
//! complete events with who did them, every prefix declared — on both databases.

mod support;
use chrono::Duration;
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::process::Command;
use support::Fresh;
use yagona_workflow::feel::Feel;
use yagona_workflow::store::ProcessStore;
use yagona_workflow::xes::{self, Options};

on_both_databases!(
    an_application_s_trace_has_its_tasks_started_assigned_and_completed_by_name,
    the_work_of_a_called_process_is_part_of_its_application_s_case
);

const CERTIFICATE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="certificate-model">
  <bpmn:process id="certificate" isExecutable="true">
    <bpmn:startEvent id="filed" name="Application filed"/>
    <bpmn:sequenceFlow id="f1" sourceRef="filed" targetRef="review"/>
    <bpmn:userTask id="review" name="Review the&#10;application"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="civil-registry"/></bpmn:extensionElements></bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="approved"/>
    <bpmn:exclusiveGateway id="approved" name="Approved?" default="no"/>
    <bpmn:sequenceFlow id="yes" sourceRef="approved" targetRef="issue"><bpmn:conditionExpression>=decision = "approve"</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="no" sourceRef="approved" targetRef="rejected"/>
    <bpmn:serviceTask id="issue" name="Issue the certificate"><bpmn:extensionElements><zeebe:taskDefinition type="issue-certificate"/></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="issue" targetRef="issued"/>
    <bpmn:endEvent id="issued" name="Certificate issued"/>
    <bpmn:endEvent id="rejected" name="Rejected"/>
  </bpmn:process>
</bpmn:definitions>"#;

const REVIEW: &str = "Review the application";
const ISSUE: &str = "Issue the certificate";

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// A trace's events as (activity, lifecycle transition, resource).
fn events(case: &xes::Case) -> Vec<(String, String, Option<String>)> {
    case.events
        .iter()
        .map(|e| (e.activity.clone(), e.lifecycle.clone(), e.resource.clone()))
        .collect()
}

fn ev(activity: &str, lifecycle: &str, resource: Option<&str>) -> (String, String, Option<String>) {
    (
        activity.to_owned(),
        lifecycle.to_owned(),
        resource.map(str::to_owned),
    )
}

async fn claim(f: &Fresh, store: &ProcessStore<'_>, instance: &str, wait: u64, who: (&str, &str)) {
    let mut tx = f.db.writer.begin().await.unwrap();
    store
        .claim_in(&mut tx, instance, wait, who.0, who.1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn release(f: &Fresh, store: &ProcessStore<'_>, instance: &str, wait: u64, who: &str) {
    let mut tx = f.db.writer.begin().await.unwrap();
    store
        .unclaim_in(&mut tx, instance, wait, who)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn an_application_s_trace_has_its_tasks_started_assigned_and_completed_by_name(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(CERTIFICATE).await.unwrap();

    // Approved: taken by one officer, given back, taken by another (twice: one assignment),
    // decided; the certificate issued by a worker.
    let (approved, first) = store
        .start_step("certificate", Some("YG-2026-000123"), Map::new())
        .await
        .unwrap();
    let review = first.new_waits[0].id;
    claim(
        &f,
        &store,
        &approved,
        review,
        ("nodira", "Nodira Xolmatova"),
    )
    .await;
    release(&f, &store, &approved, review, "nodira").await;
    claim(&f, &store, &approved, review, ("jasur", "Jasur Abdullayev")).await;
    claim(&f, &store, &approved, review, ("jasur", "Jasur Abdullayev")).await;
    store
        .complete(
            &approved,
            review,
            obj(json!({"decision": "approve"})),
            Some("Jasur Abdullayev"),
        )
        .await
        .unwrap();
    let jobs = store
        .activate_jobs("issue-certificate", "certificates", 1, Duration::minutes(1))
        .await
        .unwrap();
    store
        .complete_job(
            &approved,
            jobs[0].wait_id as u64,
            "certificates",
            Map::new(),
        )
        .await
        .unwrap();

    // Rejected without anyone taking it first; and a process run with no business key.
    let (rejected, first) = store
        .start_step("certificate", Some("YG-2026-000124"), Map::new())
        .await
        .unwrap();
    store
        .complete(
            &rejected,
            first.new_waits[0].id,
            obj(json!({"decision": "reject"})),
            Some("Nodira Xolmatova"),
        )
        .await
        .unwrap();
    let (unnamed, _) = store
        .start_step("certificate", None, Map::new())
        .await
        .unwrap();

    let rows = store.xes_history(None).await.unwrap();
    let cases = xes::cases(&rows, Options::default(), &HashMap::new());
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["YG-2026-000123", "YG-2026-000124", unnamed.as_str()]
    );
    assert_eq!(cases[0].instance, approved);
    assert_eq!(cases[1].instance, rejected);
    assert_eq!(cases[0].process, "certificate");
    assert_eq!(
        events(&cases[0]),
        [
            ev(REVIEW, "start", None),
            ev(REVIEW, "assign", Some("Nodira Xolmatova")),
            ev(REVIEW, "assign", Some("Jasur Abdullayev")),
            ev(REVIEW, "complete", Some("Jasur Abdullayev")),
            ev(ISSUE, "start", None),
            ev(ISSUE, "complete", Some("certificates")),
        ]
    );
    assert_eq!(
        events(&cases[1]),
        [
            ev(REVIEW, "start", None),
            ev(REVIEW, "complete", Some("Nodira Xolmatova")),
        ]
    );
    assert_eq!(events(&cases[2]), [ev(REVIEW, "start", None)]);
    for case in &cases {
        let times: Vec<&str> = case.events.iter().map(|e| e.timestamp.as_str()).collect();
        let parsed: Vec<_> = times
            .iter()
            .map(|t| yagona_core::parse_timestamp(t).expect("RFC 3339"))
            .collect();
        assert!(parsed.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
    }

    // Asked for, the events and the gateway are there too, as completions.
    let everything = xes::cases(&rows, Options { with_events: true }, &HashMap::new());
    assert_eq!(
        events(&everything[1]),
        [
            ev("Application filed", "complete", None),
            ev(REVIEW, "start", None),
            ev(REVIEW, "complete", Some("Nodira Xolmatova")),
            ev("Approved?", "complete", Some("Nodira Xolmatova")),
            ev("Rejected", "complete", Some("Nodira Xolmatova")),
        ]
    );

    // The instance's own history is still what it completed.
    let done: Vec<String> = store
        .history(&approved)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.0)
        .collect();
    assert_eq!(done, ["filed", "review", "approved", "issue", "issued"]);

    let log = xes::write("certificate", &cases);
    let_the_log_be_well_formed_with_every_prefix_declared(&log);
    for attribute in [
        r#"<string key="concept:name" value="YG-2026-000123"/>"#,
        &format!(r#"<string key="instance" value="{approved}"/>"#),
        r#"<string key="lifecycle:transition" value="assign"/>"#,
        r#"<string key="org:resource" value="Jasur Abdullayev"/>"#,
    ] {
        assert!(log.contains(attribute), "{attribute} missing from\n{log}");
    }
    assert!(!log.contains("Approved?"), "gateways only when asked for");
    let full = xes::write("certificate", &everything);
    let_the_log_be_well_formed_with_every_prefix_declared(&full);

    pm4py_reads(&log, &cases);
}

const PERMIT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="permit-model">
  <bpmn:process id="permit" isExecutable="true">
    <bpmn:startEvent id="s"/>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="inspection"/>
    <bpmn:callActivity id="inspection" name="Site inspection"><bpmn:extensionElements><zeebe:calledElement processId="site-visit"/></bpmn:extensionElements></bpmn:callActivity>
    <bpmn:sequenceFlow id="f2" sourceRef="inspection" targetRef="e"/>
    <bpmn:endEvent id="e"/>
  </bpmn:process>
  <bpmn:process id="site-visit" isExecutable="true">
    <bpmn:startEvent id="vs"/>
    <bpmn:sequenceFlow id="v1" sourceRef="vs" targetRef="visit"/>
    <bpmn:userTask id="visit" name="Visit the site"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="construction"/></bpmn:extensionElements></bpmn:userTask>
    <bpmn:sequenceFlow id="v2" sourceRef="visit" targetRef="ve"/>
    <bpmn:endEvent id="ve"/>
  </bpmn:process>
</bpmn:definitions>"#;

async fn the_work_of_a_called_process_is_part_of_its_application_s_case(f: Fresh) {
    let store = ProcessStore::new(&f.db, &Feel);
    store.deploy(PERMIT).await.unwrap();
    let (permit, _) = store
        .start_step("permit", Some("YG-2026-000200"), Map::new())
        .await
        .unwrap();
    let tasks = store.user_tasks_of(&permit).await.unwrap();
    assert_eq!(tasks.len(), 1);
    let visit = &tasks[0];
    assert_ne!(
        visit.instance_id, permit,
        "the visit runs in the called process"
    );
    claim(
        &f,
        &store,
        &visit.instance_id,
        visit.wait_id as u64,
        ("aziz", "Aziz Karimov"),
    )
    .await;
    store
        .complete(
            &visit.instance_id,
            visit.wait_id as u64,
            Map::new(),
            Some("Aziz Karimov"),
        )
        .await
        .unwrap();

    let rows = store.xes_history(None).await.unwrap();
    let cases = xes::cases(&rows, Options::default(), &HashMap::new());
    assert_eq!(cases.len(), 1, "one case per application: {cases:?}");
    assert_eq!(cases[0].name, "YG-2026-000200");
    assert_eq!(cases[0].instance, permit);
    assert_eq!(
        events(&cases[0]),
        [
            ev("Site inspection", "start", None),
            ev("Visit the site", "start", None),
            ev("Visit the site", "assign", Some("Aziz Karimov")),
            ev("Visit the site", "complete", Some("Aziz Karimov")),
            // Completed by the called process's end, not by a person.
            ev("Site inspection", "complete", None),
        ]
    );
    // The called process is not a case of its own, even when asked for by name.
    assert_eq!(
        store.xes_history(Some("site-visit")).await.unwrap().len(),
        0
    );
    assert_eq!(
        xes::cases(
            &store.xes_history(Some("permit")).await.unwrap(),
            Options::default(),
            &HashMap::new()
        ),
        cases
    );
    pm4py_reads(&xes::write("permit", &cases), &cases);
}

/// The log parses as XML, and every prefixed attribute key uses a prefix its header declares.
fn let_the_log_be_well_formed_with_every_prefix_declared(log: &str) {
    let mut reader = quick_xml::Reader::from_str(log);
    let mut declared = BTreeSet::new();
    let mut used = BTreeSet::new();
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                for a in e.attributes() {
                    let a = a.expect("well-formed attribute");
                    let value = a.unescape_value().expect("escaped value").into_owned();
                    match (e.name().as_ref(), a.key.as_ref()) {
                        (b"extension", b"prefix") => {
                            declared.insert(value);
                        }
                        (_, b"key") => {
                            if let Some((prefix, _)) = value.split_once(':') {
                                used.insert(prefix.to_owned());
                            }
                        }
                        _ => {}
                    }
                }
            }
            Ok(_) => {}
            Err(e) => panic!("not well-formed XML: {e}\n{log}"),
        }
    }
    assert!(
        used.is_subset(&declared),
        "prefixes used {used:?}, declared {declared:?}"
    );
    assert!(log.contains(r#"<log xes.version="1849.2016""#));
}

/// pm4py, the process-mining library, reads the log as these cases (run when python3 has
/// pm4py; under CI it must).
fn pm4py_reads(log: &str, cases: &[xes::Case]) {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("log.xes");
    let expected_path = dir.path().join("expected.json");
    std::fs::write(&log_path, log).unwrap();
    let expected: Map<String, Value> = cases
        .iter()
        .map(|c| {
            let events: Vec<Value> = events(c)
                .into_iter()
                .map(|(a, l, r)| json!([a, l, r]))
                .collect();
            (
                c.name.clone(),
                json!({"instance": c.instance, "events": events}),
            )
        })
        .collect();
    std::fs::write(&expected_path, Value::Object(expected).to_string()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/xes_pm4py.py");
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    let run = Command::new("python3")
        .arg(script)
        .arg(&log_path)
        .arg(&expected_path)
        .output();
    let output = match run {
        Ok(o) => o,
        Err(e) if !ci => {
            eprintln!("skipped the pm4py check: python3 cannot run ({e})");
            return;
        }
        Err(e) => panic!("python3 cannot run, and CI needs the pm4py check: {e}"),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(77) {
        assert!(
            !ci,
            "pm4py is not installed, and CI needs the pm4py check: {stderr}"
        );
        eprintln!("skipped the pm4py check: {stderr}");
        return;
    }
    assert!(
        output.status.success(),
        "pm4py: {stderr}{}\n{log}",
        String::from_utf8_lossy(&output.stdout)
    );
}
