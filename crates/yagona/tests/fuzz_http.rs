//! The HTTP surface fuzzed from its own OpenAPI document: schemathesis (PyPI) generates
//! requests for every operation of `/api/openapi.json` — valid ones from the schemas and
//! invalid ones around them — against a started node, and checks that no answer is a server
//! error, that every status and every answer's body are what the document says.
//!
//! Every operation is in, Open311's and the payment providers' too: every answer of theirs
//! (Open311's error lists with their 400, 403, 404, 413 and 429; Payme's results and errors;
//! Click's Prepare and Complete answers with each error code) is described as it is sent.
//!
//! Without schemathesis the test is skipped with a note; under CI (`CI` set) it fails instead:
//! `.ci/run` installs it.

mod common;
use common::*;

/// How many examples schemathesis tries per operation and phase: enough to find what breaks,
/// few enough that the run stays within about two minutes on two cores.
const EXAMPLES: &str = "12";

fn schemathesis() -> Option<String> {
    let found = std::process::Command::new("schemathesis")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some("schemathesis".into());
    }
    if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
        panic!("CI is set but schemathesis is missing: .ci/run must install it");
    }
    eprintln!("skipping the HTTP fuzzing: `pip install schemathesis` to run it");
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_what_its_openapi_document_says_to_generated_requests() {
    let Some(st) = schemathesis() else {
        return;
    };
    let app = TestApp::sqlite().await;
    // A signed-in citizen's session, so that what needs one is reached too; GovStack calls
    // name their calling system.
    let citizen = app.signed_in(CITIZEN_A).await;
    let cookies: Vec<String> = citizen
        .cookies
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let report = tempfile::tempdir().unwrap();
    let address = app.address.clone();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(st)
            .args(["run", &format!("{address}/api/openapi.json")])
            .args(["--url", &address])
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            ])
            .args(["--max-examples", EXAMPLES])
            .args(["--seed", "20260101"])
            .args(["--phases", "examples,coverage,fuzzing"])
            .args(["--request-timeout", "10"])
            .args(["--header", &format!("Cookie: {}", cookies.join("; "))])
            .args(["--header", "Information-Mediator-Client: UZ/GOV/201122919/fuzzer"])
            .args(["--suppress-health-check", "all"])
            .args(["--continue-on-failure"])
            .env("NO_COLOR", "1")
            .current_dir(report.path())
            .output()
            .expect("schemathesis runs")
    })
    .await
    .unwrap();
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{text}"
    );
    // What was run, for `--no-capture`.
    eprintln!("{text}");
    // The node is still well after it all.
    let health = reqwest::get(format!("{}/healthz", app.address))
        .await
        .unwrap();
    assert_eq!(health.status(), reqwest::StatusCode::OK);
}
