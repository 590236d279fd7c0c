//! Finding services in any language and script; the JSON API; languages; operations endpoints.

mod common;
use common::*;
use reqwest::StatusCode;
use serde_json::Value;

on_both_databases!(
    search_finds_services_across_languages_scripts_and_apostrophes,
    the_first_visit_follows_accept_language_and_the_switcher_remembers,
    the_api_serves_the_catalogue_and_problem_documents,
    health_and_metrics_answer_for_operators,
);

async fn search_codes(b: &mut Browser, q: &str) -> Vec<String> {
    let encoded: String = serde_urlencoded_query(q);
    let page = b.get(&format!("/api/v1/services?q={encoded}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let list: Vec<Value> = serde_json::from_str(&page.body).unwrap();
    list.iter()
        .map(|s| s["code"].as_str().unwrap().to_owned())
        .collect()
}

fn serde_urlencoded_query(q: &str) -> String {
    q.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn search_finds_services_across_languages_scripts_and_apostrophes(app: TestApp) {
    let mut b = app.client();
    // Uzbek Latin with each apostrophe people type, Uzbek Cyrillic, Russian, English, prefixes.
    let canonical = search_codes(&mut b, "tugʻilish").await;
    assert!(
        canonical.contains(&"birth-registration".to_owned()),
        "{canonical:?}"
    );
    for q in [
        "tug'ilish",
        "tug‘ilish",
        "tug`ilish",
        "Tugʻilish",
        "туғилиш",
        "ТУҒИЛИШ",
    ] {
        assert_eq!(
            search_codes(&mut b, q).await,
            canonical,
            "query {q:?} finds what tugʻilish finds"
        );
    }
    for q in [
        "tugil",
        "рождения",
        "birth reg",
        "metrika",
        "регистрация рожд",
    ] {
        let codes = search_codes(&mut b, q).await;
        assert!(
            codes.iter().take(2).any(|c| c == "birth-registration"),
            "query {q:?} found {codes:?}"
        );
    }
    // Latin typed, Cyrillic-only keyword matched (and the reverse).
    assert!(search_codes(&mut b, "propiska")
        .await
        .contains(&"residence-registration".to_owned()));
    assert!(search_codes(&mut b, "прописка")
        .await
        .contains(&"residence-registration".to_owned()));
    assert!(search_codes(&mut b, "yakka tartibdagi")
        .await
        .contains(&"sole-proprietor-registration".to_owned()));
    assert!(search_codes(&mut b, "якка тартибдаги")
        .await
        .contains(&"sole-proprietor-registration".to_owned()));
    assert!(search_codes(&mut b, "qwzx nothing").await.is_empty());
    // The portal page shows the same results.
    let page = b
        .get("/services?q=%D1%82%D1%83%D2%93%D0%B8%D0%BB%D0%B8%D1%88&lang=en")
        .await;
    assert!(page.contains("/services/birth-registration"));
}

async fn the_first_visit_follows_accept_language_and_the_switcher_remembers(app: TestApp) {
    let mut b = app.client();
    b.accept_language = "ru-RU,ru;q=0.9,en;q=0.8".into();
    let home = b.get("/").await;
    assert!(home.contains("<html lang=\"ru\""));
    assert!(
        home.contains("hreflang=\"uz-Cyrl\""),
        "every page has the switcher"
    );
    let switched = b.get("/services?lang=uz-Cyrl").await;
    assert!(switched.contains("<html lang=\"uz-Cyrl\""));
    assert!(b.cookies.get("yagona_lang").is_some_and(|l| l == "uz-Cyrl"));
    // Remembered on the next page even though the browser still prefers Russian.
    assert!(b
        .get("/services/birth-registration")
        .await
        .contains("<html lang=\"uz-Cyrl\""));
    b.accept_language = "de".into();
    let mut fresh = app.client();
    fresh.accept_language = "de-DE".into();
    assert!(
        fresh.get("/").await.contains("<html lang=\"uz\""),
        "Uzbek is the default"
    );
    // Registry content follows the language too.
    let mut en = app.client();
    assert!(
        en.get("/services/birth-registration?lang=en")
            .await
            .contains("Birth registration")
            || en
                .get("/services/birth-registration?lang=en")
                .await
                .contains("birth")
    );
    // Plural rules: Russian "рабочих дней" for 10, "рабочий день" for 1.
    let passport = en.get("/services/construction-permit?lang=ru").await;
    assert!(passport.contains("10 рабочих дней"), "{}", passport.body);
    assert!(en
        .get("/services/birth-registration?lang=ru")
        .await
        .contains("1 рабочий день"));
}

async fn the_api_serves_the_catalogue_and_problem_documents(app: TestApp) {
    let mut b = app.client();
    let doc = b.get("/api/openapi.json").await;
    let spec: Value = serde_json::from_str(&doc.body).unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        "/api/v1/services",
        "/api/v1/services/{code}",
        "/api/v1/applications",
        "/api/v1/applications/{reference}",
        "/api/v1/jobs/activate",
        "/api/v1/jobs/{key}/complete",
        "/api/v1/jobs/{key}/fail",
        "/api/v1/jobs/{key}/throw-error",
        "/api/v1/messages",
        // One document for every interface: the contact point, GovStack, Open311 too.
        "/api/v1/appeals/figures",
        "/govstack/registration/services/{service}/applications",
        "/govstack/registration/tasks/{task}/complete",
        "/govstack/registration/data/statistics",
        "/open311/v2/requests.{format}",
        "/open311/v2/services/{service_code}.{format}",
    ] {
        assert!(spec["paths"].get(path).is_some(), "{path} is described");
    }
    assert!(
        spec["paths"]["/open311/v2/requests.{format}"]["post"].is_object(),
        "filing a request is described"
    );
    assert!(spec["components"]["schemas"]["Problem"]["properties"]["errors"].is_object());
    assert_eq!(
        spec["components"]["securitySchemes"]["worker_token"]["scheme"],
        "bearer"
    );
    assert!(spec["components"]["schemas"]["Activate"]["properties"]["type"].is_object());
    // Query parameters are in the query, the path's in the path.
    let param_in = |path: &str, name: &str| -> Value {
        spec["paths"][path]["get"]["parameters"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == name))
            .map(|p| p["in"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(param_in("/api/v1/services", "q"), "query");
    assert_eq!(param_in("/api/v1/services", "agency"), "query");
    assert_eq!(param_in("/api/v1/appeals/figures", "from"), "query");
    assert_eq!(param_in("/api/v1/services/{code}", "code"), "path");
    assert_eq!(
        param_in("/govstack/registration/tasks", "mainTaskId"),
        "query"
    );
    assert_eq!(
        param_in(
            "/govstack/registration/data/statistics",
            "Information-Mediator-Client"
        ),
        "header"
    );
    assert_eq!(
        param_in(
            "/govstack/registration/services",
            "Information-Mediator-Client"
        ),
        Value::Null,
        "the header is declared only where the building block declares it"
    );
    // Every status the job worker API answers with is described.
    let statuses = |path: &str| -> Vec<String> {
        spec["paths"][path]["post"]["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    for code in ["400", "401", "404"] {
        assert!(
            statuses("/api/v1/jobs/{key}/complete").contains(&code.to_owned()),
            "jobs: {code}"
        );
    }
    for code in ["400", "403"] {
        assert!(
            statuses("/api/v1/messages").contains(&code.to_owned()),
            "messages: {code}"
        );
    }
    let docs = b.get("/api/docs").await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(docs.contains("GET /api/v1/services/{code}"));
    assert!(docs.contains("POST /api/v1/jobs/activate"));
    assert!(docs.contains("POST /govstack/registration/tasks/{task}/complete"));
    // Descriptions are rendered, not shown as Markdown source.
    assert!(
        docs.body.contains("<code>formData.data</code>"),
        "{}",
        docs.body
    );
    assert!(!docs.body.contains("`formData.data`"));
    // On another language's page the English prose says it is English.
    let uz = b.get("/api/docs?lang=uz").await;
    assert!(uz.body.contains("<html lang=\"uz\""), "the page is Uzbek");
    assert!(
        uz.body.contains("lang=\"en\""),
        "its English prose is marked"
    );

    let service: Value =
        serde_json::from_str(&b.get("/api/v1/services/birth-registration").await.body).unwrap();
    assert_eq!(service["agency"], "civil-registry");
    assert!(service["name"]["uz-Cyrl"]
        .as_str()
        .unwrap()
        .chars()
        .any(|c| ('\u{400}'..='\u{4ff}').contains(&c)));
    assert_eq!(
        service["form"]["schema"]["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let missing = b.get("/api/v1/services/no-such-service").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.content_type, "application/problem+json");
    let problem: Value = serde_json::from_str(&missing.body).unwrap();
    assert_eq!(problem["type"], "https://yagona.uz/problems/not-found");
    assert_eq!(problem["status"], 404);
    let unknown = b.post("/api/v1/no-such-thing", &[]).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert_eq!(
        unknown.content_type, "application/problem+json",
        "any method on an unknown API path gets a problem"
    );
    let events: Vec<Value> =
        serde_json::from_str(&b.get("/api/v1/life-events").await.body).unwrap();
    assert!(events.len() >= 6);
    let agencies: Vec<Value> = serde_json::from_str(&b.get("/api/v1/agencies").await.body).unwrap();
    assert!(agencies.len() >= 6);

    // The citizen's own applications, with status and the decision date.
    let mut citizen = app.signed_in(CITIZEN_A).await;
    let reference = apply_for_birth_registration(&mut citizen).await;
    assert!(
        reference.len() == 12
            && reference[3..]
                .chars()
                .all(|c| c == '-' || "34679ACDEFGHJKMNPQRTWXY".contains(c)),
        "{reference}"
    );
    let list: Vec<Value> =
        serde_json::from_str(&citizen.get("/api/v1/applications").await.body).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["reference"], reference.as_str());
    assert_eq!(list[0]["status"], "submitted");
    assert!(list[0]["decision_due"].as_str().is_some());
}

async fn health_and_metrics_answer_for_operators(app: TestApp) {
    let mut b = app.client();
    let health = b.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    let mut citizen = app.signed_in(CITIZEN_B).await;
    apply_for_birth_registration(&mut citizen).await;
    // Methods a client makes up are counted together, not as a new series each.
    for made_up in ["PROBE1", "PROBE2"] {
        b.call(
            reqwest::Method::from_bytes(made_up.as_bytes()).unwrap(),
            "/healthz",
            None,
        )
        .await;
    }
    let metrics = b.get("/metrics").await;
    assert!(
        !metrics.contains("PROBE"),
        "made-up methods are not labels: {}",
        metrics.body
    );
    assert!(metrics.contains("method=\"other\",route=\"/healthz\""));
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics.contains(
            "yagona_http_requests_total{method=\"GET\",route=\"/services/{code}\",status=\"200\"}"
        ),
        "{}",
        metrics.body
    );
    assert!(
        metrics.contains("yagona_applications_submitted_total{service=\"birth-registration\"} 1")
    );
    assert!(
        !metrics.contains("YG-"),
        "no reference numbers leak into labels"
    );
    assert!(metrics.contains("yagona_http_request_duration_seconds_bucket"));
}
