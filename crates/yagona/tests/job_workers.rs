//! The job worker API: agency systems take, complete, fail and throw errors for jobs over HTTP.

mod common;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Map, Value};
use yagona_workflow::feel::Feel;
use yagona_workflow::store::ProcessStore;

on_both_databases!(
    a_worker_takes_and_completes_jobs_of_its_types_only,
    failures_and_bpmn_errors_go_where_the_model_says,
    long_polling_answers_when_a_job_appears,
    an_agency_system_publishes_a_message_it_was_granted,
    messages_wait_for_their_time_to_live_and_signals_reach_every_waiting_instance,
    an_agency_system_starts_elements_of_an_ad_hoc_sub_process_it_was_granted,
);

const MODEL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <error id="E" errorCode="PERSON_NOT_FOUND"/>
  <process id="birth" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="a" sourceRef="s" targetRef="lookup"/>
    <serviceTask id="lookup"><extensionElements><zeebe:taskDefinition type="civil-registry.person" retries="2"/></extensionElements></serviceTask>
    <boundaryEvent id="notFound" attachedToRef="lookup"><errorEventDefinition errorRef="E"/></boundaryEvent>
    <sequenceFlow id="b" sourceRef="lookup" targetRef="issue"/>
    <sequenceFlow id="c" sourceRef="notFound" targetRef="manual"/>
    <serviceTask id="issue"><extensionElements><zeebe:taskDefinition type="issue-certificate"/></extensionElements></serviceTask>
    <userTask id="manual"/>
    <sequenceFlow id="d" sourceRef="issue" targetRef="e"/>
    <endEvent id="e"/>
  </process>
</definitions>"#;

async fn setup(app: &TestApp) -> (ProcessStore<'_>, String) {
    let store = ProcessStore::new(&app.db, &Feel);
    store.deploy(MODEL).await.unwrap();
    let token = store
        .create_worker("fhdyo-system", &["civil-registry.person".to_owned()])
        .await
        .unwrap();
    (store, token)
}

async fn call(app: &TestApp, token: Option<&str>, path: &str, body: Value) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{}{path}", app.address))
        .json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn a_worker_takes_and_completes_jobs_of_its_types_only(app: TestApp) {
    let (store, token) = setup(&app).await;
    let id = store
        .start(
            "birth",
            Some("YG-7K4M-X9QA"),
            json!({"pinfl": "31505901234567"})
                .as_object()
                .unwrap()
                .clone(),
        )
        .await
        .unwrap();
    let (status, problem) = call(
        &app,
        None,
        "/api/v1/jobs/activate",
        json!({"type": "civil-registry.person"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(problem["type"], "https://yagona.uz/problems/unauthorized");
    let (status, _) = call(
        &app,
        Some("yw_forged"),
        "/api/v1/jobs/activate",
        json!({"type": "civil-registry.person"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call(
        &app,
        Some(&token),
        "/api/v1/jobs/activate",
        json!({"type": "issue-certificate"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a type it was not granted");
    let (status, body) = call(
        &app,
        Some(&token),
        "/api/v1/jobs/activate",
        json!({"type": "civil-registry.person", "maxJobs": 5}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let jobs = body["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["variables"]["pinfl"], "31505901234567");
    assert_eq!(jobs[0]["businessKey"], "YG-7K4M-X9QA");
    let key = jobs[0]["key"].as_str().unwrap().to_owned();
    let (status, body) = call(
        &app,
        Some(&token),
        "/api/v1/jobs/activate",
        json!({"type": "civil-registry.person"}),
    )
    .await;
    assert_eq!(
        (status, body["jobs"].as_array().unwrap().len()),
        (StatusCode::OK, 0),
        "a locked job is not handed out twice"
    );
    let (status, _) = call(
        &app,
        Some(&token),
        &format!("/api/v1/jobs/{key}/complete"),
        json!({"variables": {"fullName": "Dilnoza Karimova"}}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(
        &app,
        Some(&token),
        &format!("/api/v1/jobs/{key}/complete"),
        json!({}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "completing twice changes nothing"
    );
    let (_, waits) = store.status(&id).await.unwrap();
    assert!(
        waits.iter().any(|w| w.1 == "issue"),
        "the process moved on: {waits:?}"
    );
    let (status, problem) = call(
        &app,
        Some(&token),
        "/api/v1/jobs/not-a-key/complete",
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(problem["status"], 404);
    let (status, _) = call(
        &app,
        Some(&token),
        "/api/v1/jobs/activate",
        json!({"type": 5}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "bad input gets a problem, not a crash"
    );
}

async fn failures_and_bpmn_errors_go_where_the_model_says(app: TestApp) {
    let (store, token) = setup(&app).await;
    let id = store
        .start("birth", Some("YG-A"), Default::default())
        .await
        .unwrap();
    let activate = || {
        call(
            &app,
            Some(&token),
            "/api/v1/jobs/activate",
            json!({"type": "civil-registry.person"}),
        )
    };
    let (_, body) = activate().await;
    let key = body["jobs"][0]["key"].as_str().unwrap().to_owned();
    let (status, body) = call(
        &app,
        Some(&token),
        &format!("/api/v1/jobs/{key}/fail"),
        json!({"errorMessage": "registry timed out", "retryBackOffMs": 0}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["retries"], 1);
    let (_, body) = activate().await;
    assert_eq!(
        body["jobs"].as_array().unwrap().len(),
        1,
        "offered again after the back-off"
    );
    let key = body["jobs"][0]["key"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        Some(&token),
        &format!("/api/v1/jobs/{key}/throw-error"),
        json!({"errorCode": "PERSON_NOT_FOUND"}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, waits) = store.status(&id).await.unwrap();
    assert_eq!(status, "active");
    assert!(
        waits.iter().any(|w| w.1 == "manual"),
        "the error boundary led to manual checking: {waits:?}"
    );
}

async fn long_polling_answers_when_a_job_appears(app: TestApp) {
    let (store, token) = setup(&app).await;
    let waiting = call(
        &app,
        Some(&token),
        "/api/v1/jobs/activate",
        json!({"type": "civil-registry.person", "requestTimeoutMs": 5000}),
    );
    let start_later = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        store
            .start("birth", Some("YG-L"), Default::default())
            .await
            .unwrap();
    };
    let ((status, body), _) = tokio::join!(waiting, start_later);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["jobs"].as_array().unwrap().len(),
        1,
        "the waiting request got the new job"
    );
}

const PAYMENT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="p">
  <message id="M" name="fee-paid"/>
  <process id="fee" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="a" sourceRef="s" targetRef="paid"/>
    <intermediateCatchEvent id="paid"><messageEventDefinition messageRef="M"/></intermediateCatchEvent>
    <sequenceFlow id="b" sourceRef="paid" targetRef="e"/>
    <endEvent id="e"/>
  </process>
</definitions>"#;

async fn an_agency_system_publishes_a_message_it_was_granted(app: TestApp) {
    let store = ProcessStore::new(&app.db, &Feel);
    store.deploy(PAYMENT).await.unwrap();
    let id = store
        .start("fee", Some("YG-7K4M-X9QA"), Map::new())
        .await
        .unwrap();
    let bank = store
        .create_worker("click-payments", &["message:fee-paid".to_owned()])
        .await
        .unwrap();
    let other = store
        .create_worker("fhdyo-system", &["civil-registry.person".to_owned()])
        .await
        .unwrap();
    let msg = json!({"name": "fee-paid", "correlationKey": "YG-7K4M-X9QA", "variables": {"paidUzs": 412000}});
    let (status, body) = call(&app, Some(&other), "/api/v1/messages", msg.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = call(&app, None, "/api/v1/messages", msg.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = call(
        &app,
        Some(&bank),
        "/api/v1/messages",
        json!({"name": "fee-paid", "correlationKey": "YG-NONE-0000"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["type"], "https://yagona.uz/problems/no-subscriber");
    let (status, body) = call(
        &app,
        Some(&bank),
        "/api/v1/messages",
        json!({"name": "fee-paid", "key": 1}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(store.status(&id).await.unwrap().0, "active");
    let (status, body) = call(&app, Some(&bank), "/api/v1/messages", msg).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, json!({"outcome": "delivered", "processInstance": id}));
    assert_eq!(store.status(&id).await.unwrap().0, "completed");
}

const SIGNAL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="g">
  <signal id="S" name="register-back-online"/>
  <process id="retry-later" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="a" sourceRef="s" targetRef="wait"/>
    <intermediateCatchEvent id="wait"><signalEventDefinition signalRef="S"/></intermediateCatchEvent>
    <sequenceFlow id="b" sourceRef="wait" targetRef="e"/>
    <endEvent id="e"/>
  </process>
</definitions>"#;

async fn messages_wait_for_their_time_to_live_and_signals_reach_every_waiting_instance(
    app: TestApp,
) {
    let store = ProcessStore::new(&app.db, &Feel);
    store.deploy(PAYMENT).await.unwrap();
    store.deploy(SIGNAL).await.unwrap();
    let bank = store
        .create_worker(
            "payme-payments",
            &[
                "message:fee-paid".to_owned(),
                "signal:register-back-online".to_owned(),
            ],
        )
        .await
        .unwrap();
    // Paid before the application's process waits for the payment: kept for a minute.
    let early = json!({"name": "fee-paid", "correlationKey": "YG-EARLY-0001", "timeToLive": 60000, "messageId": "payme-1"});
    let (status, body) = call(&app, Some(&bank), "/api/v1/messages", early.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"outcome": "buffered", "messageKey": "payme-1"})
    );
    let (_, again) = call(&app, Some(&bank), "/api/v1/messages", early).await;
    assert_eq!(again, body, "the same message id again changes nothing");
    let id = store
        .start("fee", Some("YG-EARLY-0001"), Map::new())
        .await
        .unwrap();
    app.run_engine().await;
    assert_eq!(store.status(&id).await.unwrap().0, "completed");

    // A signal: every instance waiting for it goes on.
    let a = store
        .start("retry-later", Some("A"), Map::new())
        .await
        .unwrap();
    let b = store
        .start("retry-later", Some("B"), Map::new())
        .await
        .unwrap();
    let (status, body) = call(
        &app,
        Some(&bank),
        "/api/v1/signals",
        json!({"name": "other-signal"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = call(
        &app,
        Some(&bank),
        "/api/v1/signals",
        json!({"name": "register-back-online"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["signalKey"].is_string());
    app.run_engine().await;
    assert_eq!(store.status(&a).await.unwrap().0, "completed");
    assert_eq!(store.status(&b).await.unwrap().0, "completed");
}

/// Inspections for a building permit, started as the inspectorate's system decides.
const INSPECTIONS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="h">
  <process id="permit" isExecutable="true">
    <startEvent id="s"/>
    <sequenceFlow id="a" sourceRef="s" targetRef="inspections"/>
    <adHocSubProcess id="inspections">
      <userTask id="fire-safety"/>
      <serviceTask id="structure"><extensionElements><zeebe:taskDefinition type="structural-survey"/></extensionElements></serviceTask>
    </adHocSubProcess>
    <sequenceFlow id="b" sourceRef="inspections" targetRef="e"/>
    <endEvent id="e"/>
  </process>
</definitions>"#;

async fn an_agency_system_starts_elements_of_an_ad_hoc_sub_process_it_was_granted(app: TestApp) {
    let store = ProcessStore::new(&app.db, &Feel);
    store.deploy(INSPECTIONS).await.unwrap();
    let inspectorate = store
        .create_worker(
            "inspectorate",
            &[
                "ad-hoc:inspections".to_owned(),
                "structural-survey".to_owned(),
            ],
        )
        .await
        .unwrap();
    let other = store
        .create_worker("fhdyo-system", &["civil-registry.person".to_owned()])
        .await
        .unwrap();
    let id = store
        .start("permit", Some("YG-PERMIT-0002"), Map::new())
        .await
        .unwrap();
    let path = format!("/api/v1/process-instances/{id}/ad-hoc-activities/inspections/activation");
    let survey = json!({"elements": [{"elementId": "structure"}]});
    let (status, _) = call(&app, None, &path, survey.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = call(&app, Some(&other), &path, survey.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = call(
        &app,
        Some(&inspectorate),
        &path,
        json!({"elements": [{"elementId": "roof"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("roof"), "{body}");
    let (status, _) = call(
        &app,
        Some(&inspectorate),
        "/api/v1/process-instances/no-such/ad-hoc-activities/inspections/activation",
        survey.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = call(
        &app,
        Some(&inspectorate),
        "/api/v1/jobs/activate",
        json!({"type": "structural-survey", "maxJobs": 5}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["jobs"],
        json!([]),
        "nothing started before it is asked for"
    );

    let (status, body) = call(&app, Some(&inspectorate), &path, survey).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (_, body) = call(
        &app,
        Some(&inspectorate),
        "/api/v1/jobs/activate",
        json!({"type": "structural-survey", "maxJobs": 5}),
    )
    .await;
    let key = body["jobs"][0]["key"].as_str().unwrap().to_owned();
    let (status, _) = call(
        &app,
        Some(&inspectorate),
        &format!("/api/v1/jobs/{key}/complete"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        store.status(&id).await.unwrap().0,
        "completed",
        "the only element started is done, so the sub-process and the process are"
    );
}
