//! The exchange gateway as its callers see it: X-Road's REST protocol over a real node, with a
//! test provider that reports what reached it and misbehaves on request.

mod common;

use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode as AxStatus};
use axum::response::IntoResponse;
use axum::routing::{any, get};
use common::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yagona_exchange::directory::{DirectoryStore, Member, Service, Subsystem};
use yagona_exchange::{ClientId, Grantee, Right, ServiceId};

const PORTAL: &str = "UZ/GOV/305184297/portal";
const DOCFLOW: &str = "UZ/GOV/201589236/docflow";
const PERSONS: &str = "UZ/GOV/201122919/civil-records/persons";

/// A provider that answers with what it received, and misbehaves on request.
async fn test_provider() -> String {
    async fn echo(req: Request) -> axum::response::Response {
        let (parts, body) = req.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        let headers: serde_json::Map<String, Value> = parts
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), json!(v.to_str().unwrap_or(""))))
            .collect();
        let mut h = HeaderMap::new();
        h.insert("x-upstream", "yes".parse().unwrap());
        h.insert("server", "provider-host-7.internal".parse().unwrap());
        h.insert("x-road-request-hash", "forged".parse().unwrap());
        h.insert("connection", "x-private-hop".parse().unwrap());
        h.insert("x-private-hop", "1".parse().unwrap());
        (
            AxStatus::OK,
            h,
            axum::Json(json!({
                "method": parts.method.as_str(),
                "uri": parts.uri.to_string(),
                "headers": headers,
                "body": String::from_utf8_lossy(&body),
            })),
        )
            .into_response()
    }
    let app = axum::Router::new()
        .route("/api/echo/{*rest}", any(echo))
        .route(
            "/api/moved",
            get(|| async {
                (
                    AxStatus::FOUND,
                    [("location", "https://elsewhere.example/x")],
                    "moved",
                )
            }),
        )
        .route(
            "/api/slow",
            get(|| async {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route("/api/big", get(|| async { vec![b'x'; 2 * 1024 * 1024] }))
        .route(
            "/api/once",
            get(|| async { ([("connection", "close")], "one answer per connection") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    address
}

/// Adds a test organisation (UZ/COM/12345678/tester) whose services go to `provider`, grants
/// the portal `GET|POST /echo/**` and `GET /moved|/slow|/big` on `api`, and gives it a key.
async fn with_test_member(app: &TestApp, provider: &str) {
    let store = DirectoryStore { db: &app.db };
    let mut directory = store.load().await.unwrap();
    let tester = ClientId::subsystem("UZ", "COM", "12345678", "tester");
    let portal = ClientId::from_header(PORTAL).unwrap();
    let name: yagona_core::I18nText = serde_json::from_value(
        json!({"uz": "Sinov", "uz-Cyrl": "Синов", "ru": "Тест", "en": "Test"}),
    )
    .unwrap();
    let service = |code: &str, base: String, timeout_ms: u64, rights: &[(&str, &str)]| {
        let id = ServiceId {
            provider: tester.clone(),
            code: code.into(),
        };
        Service {
            id: id.clone(),
            title: name.clone(),
            base_url: base,
            openapi: None,
            timeout_ms,
            rights: rights
                .iter()
                .map(|(m, p)| Right {
                    grantee: Grantee::Subsystem(portal.clone()),
                    service: id.clone(),
                    method: (*m).into(),
                    path: (*p).into(),
                })
                .collect(),
        }
    };
    let mut services = std::collections::BTreeMap::new();
    for s in [
        service(
            "api",
            format!("{provider}/api"),
            500,
            &[
                ("GET", "/echo/**"),
                ("POST", "/echo/**"),
                ("GET", "/moved"),
                ("GET", "/slow"),
                ("GET", "/big"),
                ("GET", "/once"),
            ],
        ),
        // Nothing listens on port 9 (discard) on a test machine.
        service("down", "http://127.0.0.1:9".into(), 500, &[("*", "/**")]),
    ] {
        services.insert(s.id.code.clone(), s);
    }
    let member = Member {
        id: tester.member_id(),
        agency: None,
        name: name.clone(),
        node: None,
        subsystems: [(
            "tester".to_owned(),
            Subsystem {
                id: tester.clone(),
                name: None,
                keys: Vec::new(),
                services,
            },
        )]
        .into(),
    };
    directory.members.insert(member.id.clone(), member);
    assert!(store.import(&directory).await.unwrap());
    yagona::ensure_keys(&app.db, &app.keys).await.unwrap();
    app.node.gateway.reload().await;
}

fn token(app: &TestApp, subsystem: &str) -> String {
    let id = ClientId::from_header(subsystem).unwrap();
    let key = yagona_exchange::keys::read_private(&yagona_exchange::keys::key_file(&app.keys, &id))
        .unwrap();
    yagona_exchange::token::issue(&key, &id, chrono::Utc::now().timestamp(), 600)
}

fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    client: &str,
) -> reqwest::RequestBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .request(method, format!("{}{path}", app.address))
        .header("X-Road-Client", client)
        .header("X-Yagona-Client-Token", token(app, client))
}

/// The protocol's error: status, `X-Road-Error` and the JSON body with the same type.
async fn assert_error(response: reqwest::Response, status: u16, kind: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "{kind}");
    assert_eq!(
        response
            .headers()
            .get("x-road-error")
            .map(|v| v.to_str().unwrap().to_owned()),
        Some(kind.to_owned())
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["type"], kind);
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(
        body["detail"].as_str().map(|d| d.len()),
        Some(36),
        "an incident id"
    );
    body
}

async fn log_entries(app: &TestApp) -> Vec<yagona_exchange::evidence::Entry> {
    yagona_exchange::log::page(&app.db, 0, 10_000)
        .await
        .unwrap()
}

async fn a_register_answers_through_the_gateway_with_evidence(app: TestApp) {
    let r = call(
        &app,
        reqwest::Method::GET,
        &format!("/r1/{PERSONS}/v1/persons/31505901234567"),
        PORTAL,
    )
    .header("X-Road-UserId", "UZ31505901234567")
    .header("X-Road-Issue", "UZ-2026-000123")
    .header("X-Road-Id", "7b0d5c3e-1111-4222-8333-944445555666")
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers().clone();
    assert_eq!(h["x-road-client"], PORTAL);
    assert_eq!(h["x-road-service"], PERSONS);
    assert_eq!(h["x-road-id"], "7b0d5c3e-1111-4222-8333-944445555666");
    let request_id = h["x-road-request-id"].to_str().unwrap().to_owned();
    assert_ne!(request_id, "7b0d5c3e-1111-4222-8333-944445555666");
    assert_eq!(h["x-road-request-hash"].len(), 88);
    assert!(
        h.get("content-security-policy").is_none(),
        "no portal page headers"
    );
    let person: Value = r.json().await.unwrap();
    assert_eq!(person["givenName"], "Dilnoza");
    assert_eq!(person["birthDate"], "1990-05-15");

    // The provider's own error passes as it is: its status and body, no X-Road-Error.
    let r = call(
        &app,
        reqwest::Method::GET,
        &format!("/r1/{PERSONS}/v1/persons/99999999999999"),
        PORTAL,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.headers().get("x-road-error").is_none());
    assert_eq!(r.headers()["content-type"], "application/problem+json");

    // Both halves are in the log, signed by their senders, with the person and the case.
    let entries = log_entries(&app).await;
    let mine: Vec<_> = entries
        .iter()
        .filter(|e| e.request_id == request_id)
        .collect();
    assert_eq!(mine.len(), 2, "request and response");
    assert_eq!(
        (mine[0].kind.as_str(), mine[0].signer.as_str()),
        ("request", PORTAL)
    );
    assert_eq!(
        (mine[1].kind.as_str(), mine[1].signer.as_str()),
        ("response", "UZ/GOV/201122919/civil-records")
    );
    assert_eq!(mine[1].status, Some(200));
    assert_eq!(mine[0].user_id.as_deref(), Some("UZ31505901234567"));
    assert_eq!(mine[0].issue.as_deref(), Some("UZ-2026-000123"));
    assert_eq!(mine[0].path, "/v1/persons/31505901234567");
    let verdict = yagona_exchange::log::verify_with_registered_keys(&app.db, &[])
        .await
        .unwrap();
    assert!(verdict.intact(), "{verdict:?}");
    assert_eq!(
        (verdict.entries, verdict.unsealed),
        (4, 0),
        "every entry sealed"
    );

    // A revoked key authenticates nobody, at once; what it signed before still verifies.
    let portal = ClientId::from_header(PORTAL).unwrap();
    let key =
        yagona_exchange::keys::read_private(&yagona_exchange::keys::key_file(&app.keys, &portal))
            .unwrap()
            .verifying_key();
    assert!(yagona_exchange::keys::revoke(&app.db, &portal, &key)
        .await
        .unwrap());
    app.node.gateway.reload().await;
    let refused = call(
        &app,
        reqwest::Method::GET,
        &format!("/r1/{PERSONS}/v1/persons/31505901234567"),
        PORTAL,
    )
    .send()
    .await
    .unwrap();
    assert_error(refused, 400, "client.ssl_authentication_failed").await;
    let verdict = yagona_exchange::log::verify_with_registered_keys(&app.db, &[])
        .await
        .unwrap();
    assert!(verdict.intact(), "{verdict:?}");
}

async fn headers_pass_or_stay_behind_as_the_protocol_says(app: TestApp) {
    let provider = test_provider().await;
    with_test_member(&app, &provider).await;
    let send = |body: &'static str| {
        call(
            &app,
            reqwest::Method::POST,
            "/r1/UZ/COM/12345678/tester/api/echo/a%20b/c?z=2&a=1%2B1&a=0",
            PORTAL,
        )
        .header("X-Road-Id", "fixed-id-1")
        .header("X-Road-UserId", "UZ30912850420017")
        .header("X-Custom-Case", "kept")
        .header("Authorization", "Bearer provider-own-token")
        .header("Content-Type", "application/vnd.test+json")
        .header("User-Agent", "client-host/1.0")
        .header("Connection", "keep-alive, X-Trace-Local")
        .header("X-Trace-Local", "secret")
        .header("X-Road-Request-Hash", "forged-by-client")
        .header(
            "Information-Mediator-Client",
            "UZ/GOV/201122919/soliq-portal",
        )
        .header("X-Yagona-Mediator", "guessed")
        .body(body)
        .send()
    };
    let r = send("{\"a\":1}").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers().clone();
    assert_eq!(h["x-upstream"], "yes", "the provider's own headers pass");
    assert!(
        h.get("server").is_none(),
        "the provider's Server stays behind"
    );
    assert!(
        h.get("x-private-hop").is_none(),
        "headers its Connection lists stay behind"
    );
    let hash = h["x-road-request-hash"].to_str().unwrap().to_owned();
    assert_ne!(hash, "forged");
    assert_eq!(hash.len(), 88);
    let seen: Value = r.json().await.unwrap();
    assert_eq!(seen["method"], "POST");
    assert_eq!(
        seen["uri"], "/api/echo/a%20b/c?z=2&a=1%2B1&a=0",
        "path and query unchanged"
    );
    assert_eq!(seen["body"], "{\"a\":1}");
    let got = &seen["headers"];
    assert_eq!(got["content-type"], "application/vnd.test+json");
    assert_eq!(got["x-custom-case"], "kept");
    assert_eq!(got["authorization"], "Bearer provider-own-token");
    assert_eq!(got["x-road-client"], PORTAL);
    assert_eq!(got["x-road-id"], "fixed-id-1");
    assert_eq!(got["x-road-userid"], "UZ30912850420017");
    // GovStack's name for the caller is the one the gateway authenticated, not the caller's
    // claim; the node's secret goes to its own services only, never to another provider.
    assert_eq!(got["information-mediator-client"], PORTAL);
    for gone in [
        "user-agent",
        "x-trace-local",
        "x-yagona-client-token",
        "x-yagona-mediator",
        "x-road-request-hash",
    ] {
        assert!(
            got.get(gone).is_none(),
            "{gone} must not reach the provider"
        );
    }
    // The hash binds the response to exactly this request.
    let again = send("{\"a\":1}").await.unwrap();
    assert_eq!(
        again.headers()["x-road-request-hash"].to_str().unwrap(),
        hash
    );
    let other = send("{\"a\":2}").await.unwrap();
    assert_ne!(
        other.headers()["x-road-request-hash"].to_str().unwrap(),
        hash
    );

    // Redirects come back to the caller, unfollowed.
    let r = call(
        &app,
        reqwest::Method::GET,
        "/r1/UZ/COM/12345678/tester/api/moved",
        PORTAL,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    assert_eq!(r.headers()["location"], "https://elsewhere.example/x");
    assert!(r.headers().get("x-road-request-hash").is_some());
}

async fn every_refusal_and_failure_has_its_error_type(app: TestApp) {
    let provider = test_provider().await;
    with_test_member(&app, &provider).await;
    let get = |path: &str, client: &str| call(&app, reqwest::Method::GET, path, client).send();

    // The caller's mistakes: 400 and a client.* type.
    assert_error(
        get(
            "/r2/UZ/GOV/201122919/civil-records/persons/v1/persons/1",
            PORTAL,
        )
        .await
        .unwrap(),
        400,
        "client.invalid_protocol_version",
    )
    .await;
    assert_error(
        get("/r1/UZ/GOV/201122919/civil-records", PORTAL)
            .await
            .unwrap(),
        400,
        "client.invalid_service_identifier",
    )
    .await;
    assert_error(
        get("/r1/UZ/GOV/2011%20x/civil-records/persons", PORTAL)
            .await
            .unwrap(),
        400,
        "client.invalid_service_identifier",
    )
    .await;
    let r = reqwest::Client::new()
        .get(format!(
            "{}/r1/{PERSONS}/v1/persons/31505901234567",
            app.address
        ))
        .header("X-Road-Client", "UZ/GOV")
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "client.invalid_client_identifier").await;
    let r = reqwest::Client::new()
        .get(format!(
            "{}/r1/{PERSONS}/v1/persons/31505901234567",
            app.address
        ))
        .send()
        .await
        .unwrap();
    let body = assert_error(r, 400, "client.bad_request").await;
    assert!(body["message"].as_str().unwrap().contains("X-Road-Client"));

    // Who is calling: no token, or one of another subsystem.
    let r = reqwest::Client::new()
        .get(format!(
            "{}/r1/{PERSONS}/v1/persons/31505901234567",
            app.address
        ))
        .header("X-Road-Client", PORTAL)
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "client.ssl_authentication_failed").await;
    let r = reqwest::Client::new()
        .get(format!(
            "{}/r1/{PERSONS}/v1/persons/31505901234567",
            app.address
        ))
        .header("X-Road-Client", PORTAL)
        .header("X-Yagona-Client-Token", token(&app, DOCFLOW))
        .send()
        .await
        .unwrap();
    assert_error(r, 400, "client.ssl_authentication_failed").await;

    // The directory: unknown provider, unknown service, no right.
    assert_error(
        get("/r1/UZ/GOV/999999999/nothing/persons/x", PORTAL)
            .await
            .unwrap(),
        500,
        "server.clientproxy.unknown_member",
    )
    .await;
    assert_error(
        get("/r1/UZ/GOV/201122919/civil-records/marriages/v1/x", PORTAL)
            .await
            .unwrap(),
        500,
        "server.serverproxy.unknown_service",
    )
    .await;
    assert_error(
        get(&format!("/r1/{PERSONS}/v1/persons/31505901234567"), DOCFLOW)
            .await
            .unwrap(),
        500,
        "server.serverproxy.access_denied",
    )
    .await;
    let r = call(
        &app,
        reqwest::Method::DELETE,
        &format!("/r1/{PERSONS}/v1/persons/31505901234567"),
        PORTAL,
    )
    .send()
    .await
    .unwrap();
    assert_error(r, 500, "server.serverproxy.access_denied").await;
    assert_error(
        get(&format!("/r1/{PERSONS}/v1/persons/1%2F..%2Fadmin"), PORTAL)
            .await
            .unwrap(),
        400,
        "client.bad_request",
    )
    .await;

    // The provider: down, too slow, too big.
    assert_error(
        get("/r1/UZ/COM/12345678/tester/down/x", PORTAL)
            .await
            .unwrap(),
        500,
        "server.serverproxy.network_error",
    )
    .await;
    let body = assert_error(
        get("/r1/UZ/COM/12345678/tester/api/slow", PORTAL)
            .await
            .unwrap(),
        500,
        "server.serverproxy.service_failed",
    )
    .await;
    assert!(body["message"].as_str().unwrap().contains("500 ms"));
    assert_error(
        get("/r1/UZ/COM/12345678/tester/api/big", PORTAL)
            .await
            .unwrap(),
        500,
        "server.serverproxy.service_failed",
    )
    .await;
    let r = call(
        &app,
        reqwest::Method::POST,
        "/r1/UZ/COM/12345678/tester/api/echo/x",
        PORTAL,
    )
    .body(vec![b'y'; 2 * 1024 * 1024])
    .send()
    .await
    .unwrap();
    assert_error(r, 413, "client.request_too_large").await;

    // Refusals of a known caller are evidence too; strangers' garbage is not logged.
    let entries = log_entries(&app).await;
    let errors: Vec<_> = entries.iter().filter(|e| e.kind == "error").collect();
    assert!(errors
        .iter()
        .any(|e| e.client == DOCFLOW && e.status == Some(500)));
    assert!(errors
        .iter()
        .all(|e| e.client == PORTAL || e.client == DOCFLOW));
}

async fn large_bodies_are_logged_by_hash(app: TestApp) {
    let provider = test_provider().await;
    with_test_member(&app, &provider).await;
    let big = "z".repeat(10 * 1024);
    let r = call(
        &app,
        reqwest::Method::POST,
        "/r1/UZ/COM/12345678/tester/api/echo/upload",
        PORTAL,
    )
    .body(big.clone())
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let request_id = r.headers()["x-road-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let entries = log_entries(&app).await;
    let request = entries
        .iter()
        .find(|e| e.request_id == request_id && e.kind == "request")
        .unwrap();
    assert_eq!(request.body, None, "above the configured size: hash only");
    assert_eq!(request.body_size, big.len() as u64);
    assert_eq!(
        request.body_sha512,
        yagona_exchange::evidence::body_digest(big.as_bytes())
    );
    let small = call(
        &app,
        reqwest::Method::GET,
        "/r1/UZ/COM/12345678/tester/api/echo/x",
        PORTAL,
    )
    .send()
    .await
    .unwrap();
    let id = small.headers()["x-road-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let response = log_entries(&app)
        .await
        .into_iter()
        .find(|e| e.request_id == id && e.kind == "response")
        .unwrap();
    assert!(response.body.is_some(), "a small body is kept whole");
}

async fn metaservices_describe_the_directory(app: TestApp) {
    let r = reqwest::Client::new()
        .get(format!("{}/listClients", app.address))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let list: Value = r.json().await.unwrap();
    let members = list["member"].as_array().unwrap();
    let civil = members
        .iter()
        .find(|m| m["id"]["member_code"] == "201122919" && m["id"]["object_type"] == "MEMBER")
        .unwrap();
    assert_eq!(civil["id"]["xroad_instance"], "UZ");
    assert_eq!(civil["id"]["member_class"], "GOV");
    assert!(members
        .iter()
        .any(|m| m["id"]["subsystem_code"] == "portal"));
    let xml = reqwest::Client::new()
        .get(format!("{}/listClients", app.address))
        .send()
        .await
        .unwrap();
    assert!(xml.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/xml"));
    let xml = xml.text().await.unwrap();
    assert!(xml.contains("<id:memberCode>201122919</id:memberCode>"));
    // HEAD gets GET's status and headers (its length too), and no body.
    for accept in ["application/json", "text/xml"] {
        let get = reqwest::Client::new()
            .get(format!("{}/listClients", app.address))
            .header("Accept", accept)
            .send()
            .await
            .unwrap();
        let head = reqwest::Client::new()
            .head(format!("{}/listClients", app.address))
            .header("Accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(head.status(), StatusCode::OK, "{accept}");
        assert_eq!(
            head.headers()["content-type"],
            get.headers()["content-type"]
        );
        let (head_length, body) = (
            head.headers()["content-length"].clone(),
            get.bytes().await.unwrap(),
        );
        assert_eq!(head_length, body.len().to_string().as_str(), "{accept}");
        assert!(head.bytes().await.unwrap().is_empty());
    }
    // And the gateway itself gives no body to send (whoever serves it).
    let head = app
        .node
        .gateway
        .handle(
            http::Request::head("/listClients")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(head.status(), http::StatusCode::OK);
    assert!(
        axum::body::to_bytes(axum::body::Body::new(head.into_body()), usize::MAX)
            .await
            .unwrap()
            .is_empty()
    );

    let get = |path: &str, client: &str| call(&app, reqwest::Method::GET, path, client).send();
    let methods: Value = get("/r1/UZ/GOV/201122919/civil-records/listMethods", DOCFLOW)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let service = &methods["service"][0];
    assert_eq!(service["service_code"], "persons");
    assert_eq!(service["service_type"], "OPENAPI");
    assert_eq!(
        service["endpoint_list"],
        json!([{"method": "GET", "path": "/v1/persons/*"}])
    );
    let allowed: Value = get("/r1/UZ/GOV/201122919/civil-records/allowedMethods", PORTAL)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        allowed["service"][0]["endpoint_list"],
        json!([{"method": "GET", "path": "/v1/persons/*"}])
    );
    let none: Value = get("/r1/UZ/GOV/201122919/civil-records/allowedMethods", DOCFLOW)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        none["service"],
        json!([]),
        "the khokimiyat may call nothing there"
    );
    let openapi = get(
        "/r1/UZ/GOV/201122919/civil-records/getOpenAPI?serviceCode=persons",
        DOCFLOW,
    )
    .await
    .unwrap();
    assert_eq!(openapi.status(), StatusCode::OK);
    assert!(openapi.headers().get("x-road-request-id").is_some());
    let doc: Value = openapi.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/v1/persons/{pinfl}"].is_object());
    // GovStack's Information Mediator clients get its field names (im-directory-api.yaml).
    let gs: Value = reqwest::Client::new()
        .get(format!("{}/listClients?instanceId=UZ", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let portal_entry = gs["member"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"]["applicationCode"] == "portal")
        .expect("subsystems are listed as applications");
    assert_eq!(portal_entry["id"]["objectType"], "APPLICATION");
    assert_eq!(portal_entry["id"]["instanceId"], "UZ");
    assert_eq!(portal_entry["id"]["memberCode"], "305184297");
    let gs_methods: Value = reqwest::Client::new()
        .get(format!(
            "{}/r1/UZ/GOV/201122919/civil-records/allowedMethods",
            app.address
        ))
        .header("X-GovStack-Client", PORTAL)
        .header("X-Yagona-Client-Token", token(&app, PORTAL))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let s = &gs_methods["member"][0];
    assert_eq!(s["objectType"], "SERVICE");
    assert_eq!(s["applicationCode"], "civil-records");
    assert_eq!(s["serviceCode"], "persons");
    assert_eq!(
        s["endpointList"]["member"],
        json!([{"method": "GET", "path": "/v1/persons/*"}])
    );
    let missing = get(
        "/r1/UZ/GOV/201122919/civil-records/getOpenAPI?serviceCode=nope",
        DOCFLOW,
    )
    .await
    .unwrap();
    assert_error(missing, 500, "server.serverproxy.unknown_service").await;
}

async fn administrators_grant_and_withdraw_rights_and_see_the_traffic(app: TestApp) {
    let persons_call = |client: &str| {
        call(
            &app,
            reqwest::Method::GET,
            &format!("/r1/{PERSONS}/v1/persons/31505901234567"),
            client,
        )
        .send()
    };
    assert_eq!(
        persons_call(DOCFLOW).await.unwrap().status().as_u16(),
        500,
        "not granted yet"
    );

    // Only the e-Government Centre's administrators reach the pages.
    let mut officer = app.signed_in("officer-civil-registry").await;
    assert_eq!(
        officer.get("/admin/exchange").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        officer.get("/admin/exchange/traffic").await.status,
        StatusCode::FORBIDDEN
    );
    let mut admin = app.signed_in("admin").await;
    let page = admin.get("/admin/exchange").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("Person by PINFL"));
    assert!(page.contains("/v1/persons/*"));
    assert!(
        page.contains("Publish/subscribe room"),
        "the Civil Registry's events room is shown as a room"
    );

    // A mistake is explained in the administrator's language and changes nothing.
    admin.accept_language = "ru".into();
    let before = app.count("SELECT COUNT(*) FROM exchange_rights").await;
    let wrong = admin
        .submit(
            "/admin/exchange",
            "/admin/exchange/rights",
            &[
                ("action", "grant"),
                ("service", PERSONS),
                ("grantee", "subsystem:UZ/GOV/1/nobody"),
                ("method", "GET"),
                ("path", "v1 persons"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.contains("Выберите систему или группу, которой разрешён вызов"));
    assert!(wrong.contains("Введите путь, начинающийся с /"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM exchange_rights").await,
        before
    );

    // Granted: the gateway lets the khokimiyat through at once.
    let granted = admin
        .submit(
            "/admin/exchange",
            "/admin/exchange/rights",
            &[
                ("action", "grant"),
                ("service", PERSONS),
                ("grantee", &format!("subsystem:{DOCFLOW}")),
                ("method", "GET"),
                ("path", "/v1/persons/*"),
            ],
        )
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.body);
    assert_eq!(
        persons_call(DOCFLOW).await.unwrap().status(),
        StatusCode::OK
    );
    // Withdrawn: refused again.
    let withdrawn = admin
        .submit(
            "/admin/exchange",
            "/admin/exchange/rights",
            &[
                ("action", "revoke"),
                ("service", PERSONS),
                ("grantee", &format!("subsystem:{DOCFLOW}")),
                ("method", "GET"),
                ("path", "/v1/persons/*"),
            ],
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
    assert_eq!(persons_call(DOCFLOW).await.unwrap().status().as_u16(), 500);

    // Who calls whom: the khokimiyat called the civil registry three times, two refused.
    admin.accept_language = "en".into();
    let traffic = admin.get("/admin/exchange/traffic").await;
    assert_eq!(traffic.status, StatusCode::OK);
    let text = traffic.text();
    let row = text
        .split("<tr")
        .find(|r| r.contains("UZ/GOV/201589236") && r.contains("UZ/GOV/201122919"))
        .expect("a row for khokimiyat → civil registry");
    assert!(row.contains(">3<"), "three calls: {row}");
    assert!(row.contains("2 (66.7%)"), "two refused: {row}");
    let november = admin
        .get("/admin/exchange/traffic?from=2026-11-01&to=2026-11-30")
        .await;
    assert!(
        november.contains("From 1 November 2026 to 30 November 2026"),
        "the period as the page's language writes days"
    );
    let bad = admin
        .get("/admin/exchange/traffic?from=2026-11-30&to=2026-11-01")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.contains("The end of the period must not be before its start"));
}

async fn the_portal_asks_the_registers_once_and_says_where_values_came_from(app: TestApp) {
    let mut citizen = app.signed_in(common::CITIZEN_A).await;
    let reference = common::start_birth_registration(&mut citizen).await;
    // The child's surname is prefilled from the civil registry, with its source named.
    let step = citizen
        .get(&format!("/applications/{reference}/steps/child"))
        .await;
    assert_eq!(step.status, StatusCode::OK);
    assert!(step.body.contains("value=\"Karimova\""), "{}", step.body);
    assert!(step.contains("Filled in from «Person by PINFL» — Civil Registry Offices (FHDYo)"));
    // The call went through the gateway for this person and this application.
    let entries = log_entries(&app).await;
    let asked = entries
        .iter()
        .find(|e| e.kind == "request" && e.service == PERSONS)
        .expect("the civil registry was asked");
    assert_eq!(asked.client, PORTAL);
    assert_eq!(asked.user_id.as_deref(), Some("UZ31505901234567"));
    assert_eq!(asked.issue.as_deref(), Some(reference.as_str()));
    assert_eq!(asked.path, "/v1/persons/31505901234567");
    let before = entries.len();

    // Starting again continues the same draft and asks nobody again.
    assert_eq!(
        common::start_birth_registration(&mut citizen).await,
        reference
    );
    assert_eq!(log_entries(&app).await.len(), before);

    // Changed by the applicant, the value is theirs: no source is claimed for it any more.
    common::fill_birth_registration(&mut citizen, &reference).await;
    let step = citizen
        .get(&format!("/applications/{reference}/steps/child"))
        .await;
    assert!(step.body.contains("value=\"Karimov\""));
    assert!(!step.contains("Filled in from"));
    // The check page says what the registers told, and when.
    let check = citizen
        .get(&format!("/applications/{reference}/check"))
        .await;
    assert!(check.contains("What state registers told us"));
    assert!(check.contains("Karimova Dilnoza Rustamovna"));
    assert!(
        check.contains("15 May 1990"),
        "the day as the page writes days"
    );

    // Sent, the civil registry's officer sees the same facts with their source.
    let sent = citizen
        .submit(
            &format!("/applications/{reference}/check"),
            &format!("/applications/{reference}/submit"),
            &[],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let mut officer = app.signed_in(common::CIVIL_REGISTRY_OFFICER).await;
    let page = officer
        .get(&format!("/staff/applications/{reference}"))
        .await;
    assert!(
        page.contains("What state registers told us"),
        "{}",
        page.body
    );
    assert!(page.contains("«Person by PINFL» — Civil Registry Offices (FHDYo)"));
    assert!(page.contains("Karimova Dilnoza Rustamovna"));

    // Another person's application never shows these facts.
    let other = app.signed_in(common::CITIZEN_B).await;
    let facts = yagona_applications::ApplicationStore { db: &app.db }
        .facts(
            &yagona_core::ReferenceNumber::parse(&reference).unwrap(),
            yagona_applications::Viewer::Applicant(
                &yagona_core::Pinfl::parse(common::CITIZEN_B).unwrap(),
            ),
        )
        .await
        .unwrap();
    assert!(facts.is_empty());
    drop(other);
}

async fn a_register_that_is_down_leaves_the_fields_to_the_applicant(app: TestApp) {
    // The civil registry's service moves to an address where nothing answers.
    let store = DirectoryStore { db: &app.db };
    let mut directory = store.load().await.unwrap();
    let persons = ServiceId::from_path(PERSONS).unwrap().0;
    let s = directory
        .members
        .get_mut(&persons.provider.member_id())
        .unwrap()
        .subsystems
        .get_mut("civil-records")
        .unwrap()
        .services
        .get_mut("persons")
        .unwrap();
    s.base_url = "http://127.0.0.1:9".into();
    assert!(store.import(&directory).await.unwrap());
    app.node.gateway.reload().await;
    let mut citizen = app.signed_in(common::CITIZEN_A).await;
    let reference = common::start_birth_registration(&mut citizen).await;
    let step = citizen
        .get(&format!("/applications/{reference}/steps/child"))
        .await;
    assert_eq!(step.status, StatusCode::OK);
    assert!(!step.contains("Filled in from"));
    assert!(!step.body.contains("value=\"Karimova\""));
    // The failed attempt is on record, for this person and application.
    let entries = log_entries(&app).await;
    let failed = entries
        .iter()
        .find(|e| e.kind == "error")
        .expect("the failure is logged");
    assert_eq!(failed.issue.as_deref(), Some(reference.as_str()));
    assert_eq!(failed.status, Some(500));
}

/// The gateway keeps its connections to providers open between calls; a provider that closes
/// them (after each answer, or when it restarts) costs no call an error.
async fn connections_to_providers_are_reused_or_made_again(app: TestApp) {
    let provider = test_provider().await;
    with_test_member(&app, &provider).await;
    for _ in 0..5 {
        let r = call(
            &app,
            reqwest::Method::GET,
            "/r1/UZ/COM/12345678/tester/api/once",
            PORTAL,
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.text().await.unwrap(), "one answer per connection");
    }

    // A provider that goes away and comes back on the same address, its old connections gone.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let serve = |listener: std::net::TcpListener| {
        listener.set_nonblocking(true).unwrap();
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        tokio::spawn(async move {
            // Its connections end with it (a JoinSet aborts its tasks when dropped).
            let mut connections = tokio::task::JoinSet::new();
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let answer = hyper::service::service_fn(|_| async {
                    Ok::<_, std::convert::Infallible>(hyper::Response::new("here".to_owned()))
                });
                connections.spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), answer),
                );
            }
        })
    };
    with_test_member(&app, &format!("http://{address}")).await;
    let echo = |n: usize| {
        call(
            &app,
            reqwest::Method::GET,
            &format!("/r1/UZ/COM/12345678/tester/api/echo/{n}"),
            PORTAL,
        )
        .send()
    };
    let first = serve(listener);
    for n in 0..3 {
        assert_eq!(echo(n).await.unwrap().status(), StatusCode::OK);
    }
    first.abort();
    let _ = first.await;
    assert_error(
        echo(3).await.unwrap(),
        500,
        "server.serverproxy.network_error",
    )
    .await;
    let _second = serve(std::net::TcpListener::bind(address).unwrap());
    for n in 4..8 {
        let r = echo(n).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "call {n} after the restart");
        assert_eq!(r.text().await.unwrap(), "here");
    }
}

on_both_databases!(
    connections_to_providers_are_reused_or_made_again,
    the_portal_asks_the_registers_once_and_says_where_values_came_from,
    a_register_that_is_down_leaves_the_fields_to_the_applicant,
    administrators_grant_and_withdraw_rights_and_see_the_traffic,
    a_register_answers_through_the_gateway_with_evidence,
    headers_pass_or_stay_behind_as_the_protocol_says,
    every_refusal_and_failure_has_its_error_type,
    large_bodies_are_logged_by_hash,
    metaservices_describe_the_directory,
    a_call_that_fails_inside_the_gateway_is_still_answered_in_the_protocol,
);

/// The portal's call for a person with `body` as its request body, handed to the gateway as
/// the node's listeners hand it over (plain and mutual TLS alike): its status, headers and
/// JSON body.
async fn gateway_answer(
    app: &TestApp,
    body: axum::body::Body,
) -> (http::StatusCode, http::HeaderMap, Value) {
    // The portal may GET a person; the gateway reads a body whatever the method.
    let request = http::Request::get(format!("/r1/{PERSONS}/v1/persons/31505901234567"))
        .header("X-Road-Client", PORTAL)
        .header("X-Yagona-Client-Token", token(app, PORTAL))
        .header("Content-Type", "application/json")
        .body(body)
        .unwrap();
    let (parts, body) = app.node.gateway.handle(request).await.into_parts();
    let body = axum::body::to_bytes(axum::body::Body::new(body), usize::MAX)
        .await
        .unwrap();
    (
        parts.status,
        parts.headers,
        serde_json::from_slice(&body).unwrap(),
    )
}

async fn a_call_that_fails_inside_the_gateway_is_still_answered_in_the_protocol(app: TestApp) {
    use futures::stream;
    type Chunk = Result<axum::body::Bytes, std::io::Error>;
    // The caller breaks off in the middle of its body: its own fault (400), not "too large".
    let broken: Vec<Chunk> = vec![
        Ok(axum::body::Bytes::from_static(b"{\"pinfl\": \"315")),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "connection reset by the caller",
        )),
    ];
    let (status, headers, body) =
        gateway_answer(&app, axum::body::Body::from_stream(stream::iter(broken))).await;
    assert_eq!(status.as_u16(), 400);
    assert_eq!(headers["x-road-error"], "client.bad_request");
    assert_eq!(body["type"], "client.bad_request");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("did not arrive whole"),
        "{body}"
    );
    // The caller is known by then: its broken call is evidence too.
    let incident = body["detail"].as_str().unwrap();
    assert!(log_entries(&app)
        .await
        .iter()
        .any(|e| e.request_id == incident && e.kind == "error" && e.status == Some(400)));

    // A body that panics when read (a fault in the code under the gateway): the call is
    // answered with the gateway's internal error, and the node goes on serving.
    let faulty =
        stream::poll_fn(|_| -> std::task::Poll<Option<Chunk>> { panic!("a faulty request body") });
    let (status, headers, body) = gateway_answer(&app, axum::body::Body::from_stream(faulty)).await;
    assert_eq!(status.as_u16(), 500);
    assert_eq!(headers["x-road-error"], "server.serverproxy.internal_error");
    assert_eq!(body["type"], "server.serverproxy.internal_error");
    assert_eq!(body["detail"].as_str().map(str::len), Some(36));
    let r = call(
        &app,
        reqwest::Method::GET,
        &format!("/r1/{PERSONS}/v1/persons/31505901234567"),
        PORTAL,
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}
