//! The GovStack Registration Building Block API over the same applications and tasks as the
//! portal: every answer is checked against the building block's own OpenAPI schemas (copied in
//! `tests/govstack/` with their licence), and who may see and do what is the same as on pages.

mod common;
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

on_both_databases!(
    a_citizen_files_through_govstack_and_an_officer_completes_the_task,
    bad_calls_get_clear_errors_and_change_nothing,
    each_caller_sees_only_their_own,
    the_catalogue_is_open_and_the_calling_system_is_believed_only_from_the_mediator,
    operators_update_files_and_tasks_filter_and_sort_as_specified,
    a_system_calling_through_the_gateway_is_believed_as_the_system_it_proved_to_be,
);

/// A GET as this node's own gateway (the Information Mediator) passes a call on: with the
/// calling system it authenticated and the node's secret.
async fn mediated(app: &TestApp, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", app.address))
        .header("Information-Mediator-Client", CLIENT)
        .header(yagona_api::Mediator::HEADER, app.node.api.mediator.secret())
        .send()
        .await
        .unwrap()
}

const BASE: &str = "/govstack/registration";
const CLIENT: &str = "UZ/GOV/201122919/soliq-portal";

/// The response must match the building block's schema `name` (from `file`).
fn conforms(file: &str, name: &str, value: &Value) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/govstack")
        .join(file);
    let mut spec: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    // The specification types every value of a form's `data` map as an object, while its own
    // example payload (registration-example-payload.json) holds strings, numbers and booleans
    // there, as any form does: a form's values are read as the example has them. Everything
    // else — a task's `data` and `formVariables`, a completed task's `variables` — is held to
    // the schema as written.
    if let Some(data) = spec.pointer_mut("/components/schemas/formData/properties/data") {
        data["additionalProperties"] = json!(true);
    }
    let schema =
        json!({"$ref": format!("#/components/schemas/{name}"), "components": spec["components"]});
    let validator =
        jsonschema::validator_for(&schema).expect("the building block's schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?} in {value}");
}

fn each(file: &str, name: &str, value: &Value) {
    for v in value.as_array().expect("an array") {
        conforms(file, name, v);
    }
}

const API: &str = "registration-api.json";

/// Completes a task through the API as the browser's person.
async fn complete(b: &mut Browser, task: &str, body: Value) -> Page {
    b.call(
        Method::POST,
        &format!("{BASE}/tasks/{task}/complete"),
        Some(body),
    )
    .await
}

async fn client(app: &TestApp, persona: &str) -> Browser {
    let mut b = app.signed_in(persona).await;
    b.mediator = Some(CLIENT.into());
    b
}

async fn a_citizen_files_through_govstack_and_an_officer_completes_the_task(app: TestApp) {
    let mut citizen = client(&app, CITIZEN_A).await;
    // The catalogue: services, their e-forms, an e-form's JSON Schema.
    let services = citizen
        .call(Method::GET, &format!("{BASE}/services"), None)
        .await;
    assert_eq!(services.status, StatusCode::OK);
    each(API, "service", &services.json());
    assert_eq!(services.json().as_array().unwrap().len(), 20);
    let found = citizen
        .call(Method::GET, &format!("{BASE}/services?name=birth"), None)
        .await
        .json();
    let ids: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert!(
        ids.contains(&"birth-registration") && !ids.contains(&"tax-debt-certificate"),
        "{ids:?}"
    );
    let service = citizen
        .call(
            Method::GET,
            &format!("{BASE}/services/birth-registration"),
            None,
        )
        .await;
    conforms(API, "service", &service.json());
    let eforms = citizen
        .call(
            Method::GET,
            &format!("{BASE}/services/birth-registration/eForms"),
            None,
        )
        .await
        .json();
    each(API, "EFormListItem", &eforms);
    let eform_id = eforms[0]["eFormId"].as_str().unwrap().to_owned();
    let eform = citizen
        .call(Method::GET, &format!("{BASE}/eForms/{eform_id}"), None)
        .await
        .json();
    conforms(API, "EForm", &eform);
    assert!(eform["schema"]["properties"]["child_surname"].is_object());

    // A document first, then the application that names it.
    let upload = citizen
        .post_multipart(
            &format!("{BASE}/documents"),
            vec![Part::File(
                "file",
                "tibbiy-malumotnoma.pdf",
                pdf("Tibbiy maʼlumotnoma"),
            )],
        )
        .await;
    assert_eq!(upload.status, StatusCode::OK, "{}", upload.body);
    conforms(API, "uploadResponse", &upload.json());
    let url = upload.json()["url"].as_str().unwrap().to_owned();
    let mut data = birth_registration_answers();
    // As a client resolves it against the server's address.
    data["medical_birth_certificate"] = json!(format!("{}{url}", app.address));
    let filed = citizen
        .call(
            Method::POST,
            &format!("{BASE}/services/birth-registration/applications"),
            Some(
                json!({"applicantId": CITIZEN_A, "formData": {"eFormId": eform_id, "data": data}}),
            ),
        )
        .await;
    assert_eq!(filed.status, StatusCode::OK, "{}", filed.body);
    conforms(API, "applicationFileResponse", &filed.json());
    let file_id = filed.json()["fileId"].as_str().unwrap().to_owned();
    assert_eq!(filed.json()["status"]["code"], "PENDING");
    // The portal shows the same application, with the uploaded document.
    let page = citizen.get(&format!("/applications/{file_id}")).await;
    assert!(page.contains("tibbiy-malumotnoma.pdf"), "{}", page.body);
    let mine = citizen
        .call(Method::GET, &format!("{BASE}/applications"), None)
        .await
        .json();
    each(API, "applicantApplicationFileListResponse", &mine);
    assert_eq!(mine[0]["fileId"], file_id.as_str());

    // The officer's tasks are the inbox; the task's form is JSON Schema.
    let mut officer = client(&app, CIVIL_REGISTRY_OFFICER).await;
    let tasks = officer
        .call(Method::GET, &format!("{BASE}/tasks"), None)
        .await
        .json();
    each(API, "userTaskResponse", &tasks);
    let task = tasks
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["fileId"] == file_id.as_str())
        .expect("the new application's task")["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let detail = officer
        .call(Method::GET, &format!("{BASE}/tasks/{task}"), None)
        .await
        .json();
    conforms(API, "dataUserTaskResponse", &detail);
    // Typed as the schema has them: every entry an object, Camunda's `{value, type}`.
    assert_eq!(
        detail["formVariables"]["decision"]["valueInfo"]["required"],
        true
    );
    assert_eq!(detail["formVariables"]["decision"]["type"], "String");
    assert_eq!(
        detail["data"]["child_surname"],
        json!({"value": "Karimov", "type": "String"})
    );
    assert_eq!(
        detail["data"]["declaration"],
        json!({"value": true, "type": "Boolean"})
    );

    // Sent back for correction; the citizen corrects through PUT; then approved.
    let done = complete(
        &mut officer,
        &task,
        json!({"data": {"decision": "return", "comment": "Otasining ismini tekshiring: Bahodirr"}}),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    conforms(API, "completedTaskResponse", &done.json());
    assert_eq!(done.json()["status"]["code"], "SENDBACK");
    let mut corrected = birth_registration_answers();
    corrected["child_patronymic"] = json!("Bahodir oʻgʻli");
    let put = citizen
        .call(
            Method::PUT,
            &format!("{BASE}/applications/{file_id}"),
            Some(json!({"applicantId": CITIZEN_A, "formData": {"data": corrected}})),
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    assert_eq!(put.json()["status"]["code"], "PENDING");
    let tasks = officer
        .call(Method::GET, &format!("{BASE}/tasks?fileId={file_id}"), None)
        .await
        .json();
    let task = tasks[0]["taskId"].as_str().unwrap().to_owned();
    let done = complete(
        &mut officer,
        &task,
        json!({"data": {"decision": "approve"}}),
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    app.run_engine().await;
    let file = citizen
        .call(Method::GET, &format!("{BASE}/applications/{file_id}"), None)
        .await
        .json();
    assert_eq!(file["status"]["code"], "APPROVED");
    assert_eq!(file["ended"], true);
    assert_eq!(
        file["applicationData"]["formData"]["data"]["child_patronymic"],
        "Bahodir oʻgʻli"
    );

    // Statistics: one sent back and one approved today, by the civil registry — for a
    // system the node's Information Mediator vouches for.
    let stats = mediated(&app, &format!("{BASE}/data/statistics")).await;
    assert_eq!(stats.status(), StatusCode::OK);
    let stats = officer
        .call(
            Method::GET,
            &format!("{BASE}/data/statistics?role=civil-registry&timeframe=day"),
            None,
        )
        .await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.body);
    let stats = stats.json();
    each(
        "registration-statistics-api.json",
        "inline_response_200",
        &stats,
    );
    assert_eq!(stats[0]["processed"], 2);
    assert_eq!(stats[0]["approved"], 1);
    assert_eq!(stats[0]["sentBack"], 1);
    assert_eq!(stats[0]["references"]["timeframeDay"], true);
    let none = officer
        .call(
            Method::GET,
            &format!("{BASE}/data/statistics?role=tax"),
            None,
        )
        .await
        .json();
    assert_eq!(none[0]["processed"], 0);
}

fn birth_registration_answers() -> Value {
    json!({
        "child_surname": "Karimov", "child_given_name": "Temur", "child_patronymic": "Bahodirr oʻgʻli",
        "child_sex": "male", "birth_date": days_ago(10), "birth_region": "tashkent-city",
        "birth_place": "Toshkent shahar 4-son tugʻruq kompleksi",
        "mother_pinfl": CITIZEN_A, "father_pinfl": "30912850420017",
        "declaration": true
    })
}

async fn bad_calls_get_clear_errors_and_change_nothing(app: TestApp) {
    let mut citizen = client(&app, CITIZEN_A).await;
    let before = app.count("SELECT COUNT(*) FROM applications").await;
    // Invalid data: every failed field named, nothing created.
    let mut data = birth_registration_answers();
    data["birth_date"] = json!("yesterday");
    data.as_object_mut().unwrap().remove("child_surname");
    let bad = citizen
        .call(
            Method::POST,
            &format!("{BASE}/services/birth-registration/applications"),
            Some(json!({"applicantId": CITIZEN_A, "formData": {"data": data}})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert_eq!(bad.content_type, "application/problem+json");
    let fields: Vec<String> = bad.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        fields.contains(&"child_surname".to_owned()) && fields.contains(&"birth_date".to_owned()),
        "{fields:?}"
    );
    // A document that was never uploaded, someone else's PINFL, an unknown service, bad JSON.
    let mut data = birth_registration_answers();
    data["medical_birth_certificate"] = json!(format!(
        "{BASE}/documents/00000000-0000-0000-0000-000000000000"
    ));
    let p = citizen
        .call(
            Method::POST,
            &format!("{BASE}/services/birth-registration/applications"),
            Some(json!({"applicantId": CITIZEN_A, "formData": {"data": data}})),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    let p = citizen
        .call(
            Method::POST,
            &format!("{BASE}/services/birth-registration/applications"),
            Some(json!({"applicantId": CITIZEN_B, "formData": {"data": birth_registration_answers()}})),
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = citizen
        .call(
            Method::POST,
            &format!("{BASE}/services/no-such/applications"),
            Some(json!({"applicantId": CITIZEN_A})),
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let p = citizen
        .call(
            Method::POST,
            &format!("{BASE}/services/birth-registration/applications"),
            Some(json!({"formData": 5})),
        )
        .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p.content_type, "application/problem+json");
    // A body that is not JSON, or not said to be: the status says which, as a problem.
    let filing = format!("{BASE}/services/birth-registration/applications");
    let p = citizen
        .post_raw(&filing, "application/json", "{\"applicantId\": ")
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST, "{}", p.body);
    assert_eq!(p.content_type, "application/problem+json");
    let p = citizen.post_raw(&filing, "text/plain", "{}").await;
    assert_eq!(p.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", p.body);
    assert_eq!(p.content_type, "application/problem+json");
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, before);
    // Where the specification declares the calling system's header, nothing is answered
    // without it.
    citizen.mediator = None;
    let p = citizen
        .call(Method::GET, &format!("{BASE}/applications"), None)
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert_eq!(p.content_type, "application/problem+json");
    citizen.mediator = Some(CLIENT.into());
    // Bad statistics input and unknown paths are problems too.
    let p = citizen
        .call(
            Method::GET,
            &format!("{BASE}/data/statistics?startDate=30.01.2026"),
            None,
        )
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    let p = citizen
        .call(Method::GET, &format!("{BASE}/nothing/here"), None)
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert_eq!(p.content_type, "application/problem+json");
}

async fn each_caller_sees_only_their_own(app: TestApp) {
    let mut owner = client(&app, CITIZEN_A).await;
    let reference = {
        let mut b = app.signed_in(CITIZEN_A).await;
        apply_for_birth_registration(&mut b).await
    };
    let mine = owner
        .call(
            Method::GET,
            &format!("{BASE}/applications/{reference}"),
            None,
        )
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    // Another citizen, an officer of another agency, and nobody signed in.
    let mut other = client(&app, CITIZEN_B).await;
    let p = other
        .call(
            Method::GET,
            &format!("{BASE}/applications/{reference}"),
            None,
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert_eq!(
        other
            .call(Method::GET, &format!("{BASE}/applications"), None)
            .await
            .json(),
        json!([])
    );
    let mut stranger = client(&app, INTERIOR_OFFICER).await;
    let tasks = stranger
        .call(Method::GET, &format!("{BASE}/tasks"), None)
        .await
        .json();
    assert!(!tasks.to_string().contains(&reference));
    let p = stranger
        .call(
            Method::GET,
            &format!("{BASE}/applications/{reference}"),
            None,
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let mut officer = client(&app, CIVIL_REGISTRY_OFFICER).await;
    let task = officer
        .call(Method::GET, &format!("{BASE}/tasks"), None)
        .await
        .json()[0]["taskId"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = complete(
        &mut stranger,
        &task,
        json!({"data": {"decision": "approve"}}),
    )
    .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    // A citizen cannot work tasks; the task's own form refuses a decision without a reason.
    let p = complete(&mut owner, &task, json!({"data": {"decision": "approve"}})).await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    let p = complete(&mut officer, &task, json!({"data": {"decision": "reject"}})).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    let p = complete(&mut officer, &task, json!({"data": {"decision": "maybe"}})).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    // A comment that is not text is the comment's error, not text made of it.
    let p = complete(
        &mut officer,
        &task,
        json!({"data": {"decision": "reject", "comment": {"why": 1}}}),
    )
    .await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    assert!(p.body.contains("comment"), "{}", p.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM application_events WHERE action IN ('approve', 'reject')")
            .await,
        0
    );
    let mut nobody = app.client();
    nobody.mediator = Some(CLIENT.into());
    let p = nobody
        .call(Method::GET, &format!("{BASE}/applications"), None)
        .await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
}

async fn the_catalogue_is_open_and_the_calling_system_is_believed_only_from_the_mediator(
    app: TestApp,
) {
    // The catalogue needs neither sign-in nor the header the specification does not declare
    // there.
    let mut anyone = app.client();
    for path in [
        "/services",
        "/services/birth-registration",
        "/services/birth-registration/eForms",
    ] {
        let p = anyone
            .call(Method::GET, &format!("{BASE}{path}"), None)
            .await;
        assert_eq!(p.status, StatusCode::OK, "{path}: {}", p.body);
    }
    let eform = anyone
        .call(
            Method::GET,
            &format!("{BASE}/services/birth-registration/eForms"),
            None,
        )
        .await
        .json()[0]["eFormId"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = anyone
        .call(Method::GET, &format!("{BASE}/eForms/{eform}"), None)
        .await;
    assert_eq!(p.status, StatusCode::OK);
    // Documents need no header either, but someone signed in.
    let p = anyone
        .post_multipart(
            &format!("{BASE}/documents"),
            vec![Part::File("file", "a.pdf", pdf("a"))],
        )
        .await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED, "{}", p.body);

    // A calling system named by anyone but the node's own gateway is not believed: without
    // a session, nothing is answered; a guessed secret is no better.
    let stats = format!("{BASE}/data/statistics");
    anyone.mediator = Some(CLIENT.into());
    let p = anyone.call(Method::GET, &stats, None).await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED, "{}", p.body);
    assert_eq!(p.content_type, "application/problem+json");
    for guess in ["", "secret", &"0".repeat(64)] {
        let p = reqwest::Client::new()
            .get(format!("{}{stats}", app.address))
            .header("Information-Mediator-Client", CLIENT)
            .header(yagona_api::Mediator::HEADER, guess)
            .send()
            .await
            .unwrap();
        assert_eq!(p.status(), StatusCode::UNAUTHORIZED, "{guess:?}");
    }
    let p = anyone
        .call(Method::GET, &format!("{BASE}/applications"), None)
        .await;
    assert_eq!(p.status, StatusCode::UNAUTHORIZED);
    // Through the mediator the system is authenticated.
    assert_eq!(mediated(&app, &stats).await.status(), StatusCode::OK);

    // An upload sent by another site's page is refused, whatever cookies came with it.
    let citizen = client(&app, CITIZEN_A).await;
    let cookies: Vec<String> = citizen
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://evil.example"),
    ] {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(pdf("a")).file_name("a.pdf"),
        );
        let p = reqwest::Client::new()
            .post(format!("{}{BASE}/documents", app.address))
            .header("cookie", cookies.join("; "))
            .header(name, value)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(p.status(), StatusCode::FORBIDDEN, "{name}");
    }
}

async fn operators_update_files_and_tasks_filter_and_sort_as_specified(app: TestApp) {
    let first = {
        let mut b = app.signed_in(CITIZEN_A).await;
        apply_for_birth_registration(&mut b).await
    };
    let second = {
        let mut b = app.signed_in(CITIZEN_B).await;
        apply_for_birth_registration(&mut b).await
    };
    let mut officer = client(&app, CIVIL_REGISTRY_OFFICER).await;
    let all = officer
        .call(Method::GET, &format!("{BASE}/tasks"), None)
        .await
        .json();
    each(API, "userTaskResponse", &all);
    let main_of = |file: &str| {
        all.as_array()
            .unwrap()
            .iter()
            .find(|t| t["fileId"] == file)
            .expect("a task on the file")["mainTaskId"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // mainTaskId: only that process's tasks.
    let only = officer
        .call(
            Method::GET,
            &format!("{BASE}/tasks?mainTaskId={}", main_of(&first)),
            None,
        )
        .await
        .json();
    let files: Vec<&str> = only
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["fileId"].as_str().unwrap())
        .collect();
    assert_eq!(files, vec![first.as_str()]);
    // sortBy and sortOrder: by task id, both ways.
    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|t| t["taskId"].as_str().unwrap().to_owned())
            .collect()
    };
    let asc = ids(&officer
        .call(
            Method::GET,
            &format!("{BASE}/tasks?sortBy=id&sortOrder=asc"),
            None,
        )
        .await
        .json());
    let mut sorted = asc.clone();
    sorted.sort();
    assert_eq!(asc, sorted);
    let desc = ids(&officer
        .call(
            Method::GET,
            &format!("{BASE}/tasks?sortBy=id&sortOrder=desc"),
            None,
        )
        .await
        .json());
    sorted.reverse();
    assert_eq!(desc, sorted);
    // Query errors are problems, not plain text.
    for bad in [
        "sortBy=colour",
        "sortBy=id&sortOrder=up",
        "firstResult=abc",
        "maxResult=-1",
    ] {
        let p = officer
            .call(Method::GET, &format!("{BASE}/tasks?{bad}"), None)
            .await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{bad}: {}", p.body);
        assert_eq!(p.content_type, "application/problem+json", "{bad}");
    }
    let p = officer
        .call(
            Method::GET,
            &format!("{BASE}/applications?firstResult=x"),
            None,
        )
        .await;
    assert_eq!(p.status, StatusCode::BAD_REQUEST);
    assert_eq!(p.content_type, "application/problem+json");

    // The operator updates the application file with their form data: their task decided.
    let put = |body: Value| {
        let path = format!("{BASE}/applications/{second}");
        let mut officer = Browser {
            base: officer.base.clone(),
            http: officer.http.clone(),
            cookies: officer.cookies.clone(),
            accept_language: "en".into(),
            mediator: Some(CLIENT.into()),
        };
        async move { officer.call(Method::PUT, &path, Some(body)).await }
    };
    let p =
        put(json!({"applicantId": CITIZEN_A, "formData": {"data": {"decision": "approve"}}})).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
    let p =
        put(json!({"applicantId": CITIZEN_B, "formData": {"data": {"decision": "approve"}}})).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    conforms(API, "applicationFileResponse", &p.json());
    assert_eq!(p.json()["fileId"], second.as_str());
    assert_eq!(
        app.count("SELECT COUNT(*) FROM application_events WHERE action = 'approve'")
            .await,
        1
    );
    // Nothing of the agency's is open on it any more.
    let p =
        put(json!({"applicantId": CITIZEN_B, "formData": {"data": {"decision": "approve"}}})).await;
    assert_eq!(p.status, StatusCode::CONFLICT, "{}", p.body);

    // Statistics of a registration nobody has: not found, not zero.
    let p = officer
        .call(
            Method::GET,
            &format!("{BASE}/data/statistics?registrationName=no-such-service"),
            None,
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND, "{}", p.body);
    assert_eq!(p.content_type, "application/problem+json");
    let p = officer
        .call(
            Method::GET,
            &format!("{BASE}/data/statistics?registrationName=Birth%20registration"),
            None,
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert_eq!(p.json()[0]["approved"], 1);
}

/// The Registration API is a service of the exchange (`UZ/GOV/305184297/portal/registration`,
/// base URL `yagona:node/govstack/registration`): a client system that proves who it is to the
/// gateway — GovStack's Information Mediator — is believed there, as that system, whatever it
/// says of itself; the same header sent to the API past the gateway is not believed.
async fn a_system_calling_through_the_gateway_is_believed_as_the_system_it_proved_to_be(
    app: TestApp,
) {
    const DESK: &str = "UZ/GOV/305184297/service-centres";
    const SERVICE: &str = "/r1/UZ/GOV/305184297/portal/registration";
    let token = |subsystem: &str| {
        let id = yagona_exchange::ClientId::from_header(subsystem).unwrap();
        let key =
            yagona_exchange::keys::read_private(&yagona_exchange::keys::key_file(&app.keys, &id))
                .unwrap();
        yagona_exchange::token::issue(&key, &id, chrono::Utc::now().timestamp(), 600)
    };
    let http = reqwest::Client::new();
    let through = |client: &'static str, path: &str| {
        http.get(format!("{}{SERVICE}{path}", app.address))
            .header("X-Road-Client", client)
            .header("X-Yagona-Client-Token", token(client))
    };

    // Through the gateway: the desk is believed, and the answer is the protocol's.
    let r = through(DESK, "/data/statistics").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["x-road-client"], DESK);
    assert!(r.headers().get("x-yagona-mediator").is_none());
    let stats: Value = r.json().await.unwrap();
    assert!(stats.is_array(), "{stats}");
    let r = through(DESK, "/services").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // The same header sent to the API itself, past the gateway, is a claim: 401.
    let r = http
        .get(format!("{}{BASE}/data/statistics", app.address))
        .header("Information-Mediator-Client", DESK)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // What a caller says of itself through the gateway is replaced by who it proved to be: a
    // forged system (or a header that names none) and a guessed secret change nothing.
    for forged in ["UZ/GOV/201122919/soliq-portal", "not a system"] {
        let r = through(DESK, "/data/statistics")
            .header("Information-Mediator-Client", forged)
            .header("X-Yagona-Mediator", "0".repeat(64))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{forged}");
        assert_eq!(r.headers()["x-road-client"], DESK);
    }
    // A system without a right to the service is refused by the gateway, and the portal's own
    // secret never reaches a caller.
    let r = through("UZ/GOV/201589236/docflow", "/data/statistics")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::INTERNAL_SERVER_ERROR,
        "as X-Road answers it"
    );
    assert_eq!(
        r.headers()["x-road-error"],
        "server.serverproxy.access_denied"
    );
    let body = r.text().await.unwrap();
    assert!(!body.contains(app.node.api.mediator.secret()));

    // The call was signed and logged like any other exchange.
    let logged = yagona_exchange::log::page(&app.db, 0, 10_000)
        .await
        .unwrap();
    assert!(
        logged
            .iter()
            .any(|e| e.client == DESK && e.service == "UZ/GOV/305184297/portal/registration"),
        "the call is in the message log"
    );
}
