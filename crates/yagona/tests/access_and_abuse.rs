//! Nobody where they do not belong; bad input refused with nothing stored.

mod common;
use common::*;
use reqwest::StatusCode;

on_both_databases!(
    a_citizen_cannot_read_another_citizens_application_or_document,
    an_officer_sees_only_their_agencys_applications,
    a_form_without_a_valid_csrf_token_is_refused_and_changes_nothing,
    oversized_and_wrong_type_uploads_are_refused_and_nothing_is_stored,
    pages_for_signed_in_people_send_others_to_sign_in,
    session_cookies_are_secure_http_only_and_same_site,
);

async fn session_cookies_are_secure_http_only_and_same_site(app: TestApp) {
    let mut b = app.client();
    // Through the demo's identity provider, up to its answer; the portal's answer to that is
    // read whole here, for its cookie's attributes.
    let leave = b.get("/sign-in").await;
    let personas = b.get(&b.local(&leave.location.unwrap())).await;
    let mut fields = personas.hidden_fields();
    fields.push(("persona".into(), CITIZEN_A.into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let chosen = b.post("/sign-in", &pairs).await;
    let resp = b
        .http
        .get(chosen.location.expect("back to the portal"))
        .header("cookie", format!("yagona_sid={}", b.cookies["yagona_sid"]))
        .send()
        .await
        .unwrap();
    let cookie = resp
        .headers()
        .get("set-cookie")
        .expect("a new session cookie")
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("yagona_sid="), "{cookie}");
    for attribute in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    let page = b.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    let headers = b
        .http
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap();
    let csp = headers
        .headers()
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"));
}

fn document_link(body: &str) -> String {
    let start = body.find("href=\"/documents/").expect("a document link") + "href=\"".len();
    body[start..start + body[start..].find('"').unwrap()].to_owned()
}

async fn a_citizen_cannot_read_another_citizens_application_or_document(app: TestApp) {
    let mut owner = app.signed_in(CITIZEN_A).await;
    let reference = apply_for_birth_registration(&mut owner).await;
    let mut officer = app.signed_in(CIVIL_REGISTRY_OFFICER).await;
    let doc = document_link(
        &officer
            .get(&format!("/staff/applications/{reference}"))
            .await
            .body,
    );
    assert_eq!(
        owner.get(&doc).await.status,
        StatusCode::OK,
        "the owner can download their upload"
    );
    assert_eq!(
        officer.get(&doc).await.status,
        StatusCode::OK,
        "so can the responsible agency"
    );

    let mut other = app.signed_in(CITIZEN_B).await;
    for path in [
        format!("/applications/{reference}"),
        format!("/applications/{reference}/check"),
        format!("/applications/{reference}/confirmation"),
        format!("/applications/{reference}/steps/child"),
        doc.clone(),
    ] {
        let p = other.get(&path).await;
        assert_eq!(
            p.status,
            StatusCode::NOT_FOUND,
            "{path} must not be visible to another citizen"
        );
        assert!(!p.contains("Temur"));
    }
    let api = other
        .get(&format!("/api/v1/applications/{reference}"))
        .await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert_eq!(api.content_type, "application/problem+json");
    let list = other.get("/api/v1/applications").await;
    assert_eq!(list.body, "[]");
    // Nor can they change it.
    let token = other.get("/services").await.csrf();
    let p = other
        .post(
            &format!("/applications/{reference}/steps/child"),
            &[
                ("child_surname", "X"),
                ("action", "save"),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    let mine = owner
        .get(&format!("/api/v1/applications/{reference}"))
        .await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.contains("\"child_surname\":\"Karimov\""));
}

async fn an_officer_sees_only_their_agencys_applications(app: TestApp) {
    let mut citizen = app.signed_in(CITIZEN_A).await;
    let reference = apply_for_birth_registration(&mut citizen).await;
    let mut stranger = app.signed_in(INTERIOR_OFFICER).await;
    let page = format!("/staff/applications/{reference}");
    assert!(!stranger.get("/staff/applications").await.contains(&page));
    let searched = stranger
        .get(&format!("/staff/applications?q={reference}"))
        .await;
    assert!(!searched.contains(&page) && searched.contains("No tasks match"));
    assert_eq!(stranger.get(&page).await.status, StatusCode::NOT_FOUND);
    let token = stranger.get("/staff/applications").await.csrf();
    let p = stranger
        .post(
            &format!("{page}/decision"),
            &[("decision", "approve"), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM applications WHERE status = 'approved'")
            .await,
        0
    );
    // A citizen is not an officer.
    assert_eq!(
        citizen.get("/staff/applications").await.status,
        StatusCode::FORBIDDEN
    );
}

async fn a_form_without_a_valid_csrf_token_is_refused_and_changes_nothing(app: TestApp) {
    let mut citizen = app.signed_in(CITIZEN_A).await;
    let before = app.count("SELECT COUNT(*) FROM applications").await;
    let p = citizen
        .post("/services/birth-registration/apply", &[])
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(p.contains("The form has expired"));
    let p = citizen
        .post(
            "/services/birth-registration/apply",
            &[("csrf_token", "forged")],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    // A token from another browser's session is worthless here.
    let mut other = app.signed_in(CITIZEN_B).await;
    let foreign = other.get("/services/birth-registration").await.csrf();
    let p = citizen
        .post(
            "/services/birth-registration/apply",
            &[("csrf_token", &foreign)],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM applications").await, before);
    // Sign-in and sign-out are forms too.
    let mut anonymous = app.client();
    anonymous.get("/").await;
    let p = anonymous.post("/sign-in", &[("persona", CITIZEN_A)]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    let p = citizen.post("/sign-out", &[]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert_eq!(
        citizen.get("/applications").await.status,
        StatusCode::OK,
        "still signed in"
    );
}

async fn oversized_and_wrong_type_uploads_are_refused_and_nothing_is_stored(app: TestApp) {
    let mut citizen = app.signed_in(CITIZEN_A).await;
    let reference = start_birth_registration(&mut citizen).await;
    // What the registers prefilled when the application started (once only).
    let at_start = app.answers(&reference).await;
    assert_eq!(at_start, r#"{"child_surname":"Karimova"}"#);
    let step = format!("/applications/{reference}/steps/documents");
    let send = |name: &'static str, bytes: Vec<u8>| (name, bytes);
    for (file_name, bytes, message) in [
        send(
            "virus.pdf",
            b"MZ\x90\x00\x03\x00\x00\x00 this is a Windows program, not a PDF".to_vec(),
        ),
        send("huge.pdf", {
            let mut b = pdf("big");
            b.resize(6 * 1024 * 1024, b' ');
            b
        }),
    ]
    .map(|(n, b)| {
        (
            n,
            b,
            if n == "virus.pdf" {
                "must be a PDF, JPG or PNG"
            } else {
                "must be smaller than 5 MB"
            },
        )
    }) {
        let token = citizen.get(&step).await.csrf();
        let p = citizen
            .post_multipart(
                &step,
                vec![
                    Part::Text("csrf_token", &token),
                    Part::Text("declaration", "true"),
                    Part::Text("action", "continue"),
                    Part::File("medical_birth_certificate", file_name, bytes),
                ],
            )
            .await;
        // A file over its field's limit stops being read there: 413, with the step's form.
        let status = if file_name == "huge.pdf" {
            StatusCode::PAYLOAD_TOO_LARGE
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        assert_eq!(p.status, status, "{file_name}");
        assert!(p.contains(message), "{file_name}: {}", p.body);
    }
    // Beyond the whole request limit the server refuses before reading it: a 413, or (when the
    // client is still sending) the connection closed under it.
    let token = citizen.get(&step).await.csrf();
    let refused = citizen
        .try_post_multipart(
            &step,
            vec![
                Part::Text("csrf_token", &token),
                Part::File(
                    "medical_birth_certificate",
                    "enormous.pdf",
                    vec![b'%'; 26 * 1024 * 1024],
                ),
            ],
        )
        .await;
    if let Ok(p) = refused {
        assert_eq!(p.status, StatusCode::PAYLOAD_TOO_LARGE);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM documents").await, 0);
    let answers: String =
        sqlx::query_scalar("SELECT answers FROM applications WHERE reference = $1")
            .bind(&reference)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(answers, at_start);
}

async fn pages_for_signed_in_people_send_others_to_sign_in(app: TestApp) {
    let mut anonymous = app.client();
    let p = anonymous.get("/applications").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    assert_eq!(p.location.as_deref(), Some("/sign-in?next=%2Fapplications"));
    assert_eq!(
        anonymous.get("/staff/applications").await.status,
        StatusCode::SEE_OTHER
    );
    let api = anonymous.get("/api/v1/applications").await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert_eq!(api.content_type, "application/problem+json");
    assert!(api.contains("\"type\":\"https://yagona.uz/problems/unauthorized\""));
    // After signing in the person lands where they were going, and never on another site.
    let p = anonymous.sign_in_going(CITIZEN_A, "/applications").await;
    assert_eq!(p.location.as_deref(), Some("/applications"));
    let cookie = anonymous.cookies.get("yagona_sid").cloned().unwrap();
    let mut evil = app.client();
    let p = evil.sign_in_going(CITIZEN_A, "//evil.example/x").await;
    assert_eq!(p.location.as_deref(), Some("/applications"));
    let mut evil = app.client();
    let p = evil.sign_in_going(CITIZEN_A, "/\\evil.example/x").await;
    assert_eq!(p.location.as_deref(), Some("/applications"));
    // A tab (which browsers drop: `//evil.example`) or a newline (no header may hold one).
    for sneaky in ["/\t/evil.example", "/applications\r\nSet-Cookie: x=y"] {
        let mut evil = app.client();
        let p = evil.sign_in_going(CITIZEN_A, sneaky).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{sneaky:?}: {}", p.body);
        assert_eq!(p.location.as_deref(), Some("/applications"), "{sneaky:?}");
    }
    // The session id changes at sign-in and is gone after sign-out.
    assert_ne!(evil.cookies.get("yagona_sid"), Some(&cookie));
    let token = anonymous.get("/applications").await.csrf();
    anonymous.post("/sign-out", &[("csrf_token", &token)]).await;
    assert_eq!(
        anonymous.get("/applications").await.status,
        StatusCode::SEE_OTHER
    );
}
