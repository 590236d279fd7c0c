//! The single contact point as its users meet it: a citizen files an appeal on the portal (signed
//! in or not) and follows it by tracking number plus the phone or e-mail given; the agency it is
//! routed to answers it; the citizen rates or reopens it; agencies forward and extend; operators
//! record calls, answer from the knowledge base, route and merge; figures count it all. And
//! nobody sees what is not theirs; bad input changes nothing.

mod common;
use common::*;
use reqwest::StatusCode;
use yagona_contact::deadline::{extended, legal_deadline};
use yagona_contact::{AppealStore, Kind, Viewer};

on_both_databases!(
    an_anonymous_appeal_is_routed_answered_followed_rated_and_reopened,
    agencies_forward_and_extend_and_operators_route_merge_and_answer_at_first_contact,
    figures_count_channels_first_contact_deadlines_and_ratings,
    nobody_sees_or_changes_an_appeal_that_is_not_theirs,
    bad_input_on_every_form_is_refused_and_changes_nothing,
    appeals_near_or_past_their_deadline_are_escalated_in_the_queue,
    the_demo_appeals_are_made_through_the_real_paths_once,
);

async fn the_demo_appeals_are_made_through_the_real_paths_once(app: TestApp) {
    yagona::seed_demo_appeals(&app.db).await.unwrap();
    yagona::seed_demo_appeals(&app.db).await.unwrap();
    assert_eq!(app.count("SELECT COUNT(*) FROM appeals").await, 7);
    for (sql, n) in [
        ("status = 'closed' AND rating = 4", 1),
        (
            "status = 'answered' AND first_contact = 1 AND channel = 'phone'",
            1,
        ),
        ("status = 'received' AND agency_code IS NULL", 1),
        (
            "channel = 'open311' AND agency_code = 'tashkent-khokimiyat'",
            1,
        ),
        ("kind = 'proposal' AND needs_checking = 1", 1),
    ] {
        let found = app
            .count(&format!("SELECT COUNT(*) FROM appeals WHERE {sql}"))
            .await;
        assert_eq!(found, n, "demo appeals where {sql}");
    }
    // The published demo key works on Open311; the civil registry has an appeal to answer.
    let list = app
        .client()
        .get(&format!(
            "/open311/v2/requests.json?api_key={}",
            yagona::DEMO_OPEN311_KEY
        ))
        .await;
    assert_eq!(
        list.json().as_array().map(Vec::len),
        Some(1),
        "{}",
        list.body
    );
    let mut officer = app.signed_in(CIVIL_REGISTRY_OFFICER).await;
    assert!(officer
        .get("/staff/appeals")
        .await
        .contains("Никоҳ гувоҳномасининг дубликати"));
    let mut operator = app.signed_in("operator").await;
    assert!(operator
        .get("/staff/appeals?escalated=1")
        .await
        .contains("Bogʻcha navbati"));
}

fn tracking_of(page: &Page) -> String {
    let marker = "id=\"tracking\">";
    let start = page.body.find(marker).expect("a tracking number") + marker.len();
    page.body[start..start + 12].to_owned()
}

fn today() -> chrono::NaiveDate {
    yagona_core::tashkent_date(&yagona_core::now())
}

async fn appeal(app: &TestApp, id: &str) -> yagona_contact::Appeal {
    AppealStore { db: &app.db }
        .get(&tracking(id), Viewer::Centre)
        .await
        .unwrap()
        .expect("the appeal is stored")
}

/// Posts the portal form with a fresh page's CSRF token and submission id.
async fn file(b: &mut Browser, fields: &[(&str, &str)]) -> Page {
    let form = b.get("/appeals/new").await;
    let token = form.csrf();
    let marker = "name=\"submission\" value=\"";
    let start = form.body.find(marker).unwrap() + marker.len();
    let submission = form.body[start..start + 36].to_owned();
    let mut all = fields.to_vec();
    all.push(("csrf_token", &token));
    all.push(("submission", &submission));
    b.post("/appeals", &all).await
}

/// Follows an appeal by its number and check on the tracking form: the page it leads to.
async fn follow(b: &mut Browser, id: &str, check: &str) -> Page {
    let sent = b
        .submit(
            "/appeals/track",
            "/appeals/track",
            &[("tracking", id), ("check", check)],
        )
        .await;
    b.follow(sent).await
}

/// An action on the desk, with the page's CSRF token and the appeal's current revision.
async fn act(
    app: &TestApp,
    b: &mut Browser,
    id: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> Page {
    let token = b.get(&format!("/staff/appeals/{id}")).await.csrf();
    let revision = appeal(app, id).await.revision.to_string();
    let mut all = fields.to_vec();
    all.push(("csrf_token", &token));
    all.push(("revision", &revision));
    b.post(&format!("/staff/appeals/{id}/{action}"), &all).await
}

const BIRTH_COMPLAINT: &[(&str, &str)] = &[
    ("kind", "complaint"),
    ("service", "birth-registration"),
    ("subject", "The certificate is late"),
    (
        "body",
        "I applied ten days ago and the birth certificate is still not ready.",
    ),
    ("name", "Aziz Karimov"),
    ("phone", "90 123-45-67"),
];

async fn an_anonymous_appeal_is_routed_answered_followed_rated_and_reopened(app: TestApp) {
    let mut citizen = app.client();
    // The service's page answers common questions first, and leads to the form.
    let passport = citizen.get("/services/birth-registration").await;
    assert!(passport.contains("Which documents are needed to register a birth?"));
    assert!(passport.contains("href=\"/appeals/new?service=birth-registration\""));
    let form = citizen.get("/appeals/new?service=birth-registration").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.contains("Ask a question, complain or propose"));

    // Filed: a tracking number and the legal deadline, with the service's agency.
    let sent = file(&mut citizen, BIRTH_COMPLAINT).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let id = tracking_of(&sent);
    assert!(id.starts_with("MR-"), "{id}");
    let stored = appeal(&app, &id).await;
    assert_eq!(stored.agency.as_deref(), Some("civil-registry"));
    assert_eq!(stored.status.code(), "assigned");
    assert_eq!(stored.phone.as_deref(), Some("+998901234567"));
    let cat = app.node.catalogue.get().await;
    let due = legal_deadline(&cat.calendar, today(), Kind::Complaint, false).date;
    assert_eq!(stored.deadline, due);
    assert!(sent.contains(&format!("{}", due.format("%Y"))));

    // Its filer's browser follows it at its own address without giving the check.
    let own = citizen.get(&format!("/appeals/{id}")).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.contains("The certificate is late"));
    assert!(own.contains("You can bookmark this page"));

    // Another browser: the right number with the wrong check (or the reverse) reveals nothing.
    let mut citizen = app.client();
    let bookmark = citizen.get(&format!("/appeals/{id}")).await;
    assert_eq!(bookmark.status, StatusCode::OK);
    assert!(!bookmark.contains("The certificate is late"));
    assert!(
        bookmark.contains(&format!("value=\"{id}\"")),
        "the tracking form, its number filled in"
    );
    for (tracking, check) in [
        (id.as_str(), "+998 90 000 00 00"),
        (id.as_str(), "someone@example.uz"),
        ("MR-3333-3333", "90 123 45 67"),
        ("rubbish", "rubbish"),
    ] {
        let page = follow(&mut citizen, tracking, check).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        assert!(!page.contains("The certificate is late"));
        assert!(page.contains("We found no appeal with this number"));
    }
    // The right pair leads to the appeal's own address, which then opens without the check.
    let sent = citizen
        .submit(
            "/appeals/track",
            "/appeals/track",
            &[("tracking", &id.to_lowercase()), ("check", "+998901234567")],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    assert_eq!(
        sent.location.as_deref(),
        Some(format!("/appeals/{id}").as_str())
    );
    let page = citizen.get(&format!("/appeals/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("The certificate is late"));
    assert!(page.contains("With the agency"));

    // Only the agency it was routed to sees it.
    let mut tax = app.signed_in("officer-tax").await;
    assert_eq!(
        tax.get(&format!("/staff/appeals/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!tax.get("/staff/appeals").await.contains(&id));
    let mut officer = app.signed_in(CIVIL_REGISTRY_OFFICER).await;
    assert!(officer.get("/staff/appeals").await.contains(&id));
    let taken = act(&app, &mut officer, &id, "take", &[]).await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
    assert_eq!(appeal(&app, &id).await.status.code(), "in-progress");
    act(
        &app,
        &mut officer,
        &id,
        "note",
        &[("text", "Asked the archive; form 103 arrived late")],
    )
    .await;
    let replied = act(
        &app,
        &mut officer,
        &id,
        "reply",
        &[("text", "Your certificate is ready in your account.")],
    )
    .await;
    assert_eq!(replied.status, StatusCode::SEE_OTHER);
    let answered = appeal(&app, &id).await;
    assert_eq!(answered.status.code(), "answered");
    assert_eq!(answered.answered_on_time, Some(true));
    assert!(
        !answered.first_contact,
        "an agency's answer is not one at first contact"
    );

    // The citizen, back at the bookmark, sees the answer but not the internal note, and rates
    // it without giving the check again.
    let page = citizen.get(&format!("/appeals/{id}")).await;
    assert!(page.contains("Your certificate is ready in your account."));
    assert!(!page.contains("form 103 arrived late"));
    assert!(page.contains("Rate the answer"));
    let token = page.csrf();
    let rated = citizen
        .post(
            &format!("/appeals/{id}/rate"),
            &[
                ("rating", "5"),
                ("comment", "Quick and clear"),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(rated.status, StatusCode::SEE_OTHER, "{}", rated.body);
    let rated = citizen.follow(rated).await;
    assert!(rated.contains("your rating is recorded"));
    let closed = appeal(&app, &id).await;
    assert_eq!((closed.status.code(), closed.rating), ("closed", Some(5)));

    // Reopened within the period: back with the agency, a new legal period from today.
    let token = rated.csrf();
    let reopened = citizen
        .post(
            &format!("/appeals/{id}/reopen"),
            &[
                ("reason", "The certificate has a spelling mistake"),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(reopened.status, StatusCode::SEE_OTHER, "{}", reopened.body);
    assert!(citizen
        .follow(reopened)
        .await
        .contains("The appeal is reopened and has a new deadline"));
    let again = appeal(&app, &id).await;
    assert_eq!(again.status.code(), "reopened");
    // Leaving a shared computer: the browser forgets it, and its address asks for the check.
    let page = citizen.get(&format!("/appeals/{id}")).await;
    let forgot = citizen
        .post(
            &format!("/appeals/{id}/forget"),
            &[("csrf_token", &page.csrf())],
        )
        .await;
    assert_eq!(forgot.status, StatusCode::SEE_OTHER);
    let asked = citizen.follow(forgot).await;
    assert!(!asked.contains("The certificate has a spelling mistake"));
    assert!(asked.contains("form method=\"post\" action=\"/appeals/track\""));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM appeal_follows").await,
        1,
        "the filer's own browser still follows it"
    );
    assert_eq!(again.agency.as_deref(), Some("civil-registry"));
    assert_eq!(again.rating, None);
    assert!(officer.get("/staff/appeals").await.contains(&id));
}

async fn agencies_forward_and_extend_and_operators_route_merge_and_answer_at_first_contact(
    app: TestApp,
) {
    yagona::seed_demo_contacts(&app.db).await.unwrap();
    let cat = app.node.catalogue.get().await;
    // A signed-in citizen's appeal on a topic goes to the topic's agency; no phone needed.
    let mut citizen = app.signed_in(CITIZEN_A).await;
    let sent = file(
        &mut citizen,
        &[
            ("kind", "inquiry"),
            ("topic", "taxes-and-payments"),
            ("subject", "Land tax for my plot"),
            (
                "body",
                "Which office counts the land tax for a plot registered in 2024?",
            ),
        ],
    )
    .await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.body);
    let id = tracking_of(&sent);
    assert_eq!(appeal(&app, &id).await.agency.as_deref(), Some("tax"));
    assert!(citizen.get("/appeals").await.contains(&id));

    // The tax committee forwards it to the cadastre: recorded, told to the citizen, new period.
    let mut tax = app.signed_in("officer-tax").await;
    let same = act(
        &app,
        &mut tax,
        &id,
        "forward",
        &[("agency", "tax"), ("reason", "x")],
    )
    .await;
    assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
    let no_reason = act(
        &app,
        &mut tax,
        &id,
        "forward",
        &[("agency", "cadastre"), ("reason", " ")],
    )
    .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(appeal(&app, &id).await.agency.as_deref(), Some("tax"));
    let forwarded = act(
        &app,
        &mut tax,
        &id,
        "forward",
        &[
            ("agency", "cadastre"),
            ("reason", "The plot's valuation is the Cadastre Agency's"),
        ],
    )
    .await;
    assert_eq!(forwarded.status, StatusCode::SEE_OTHER);
    assert_eq!(forwarded.location.as_deref(), Some("/staff/appeals"));
    let moved = appeal(&app, &id).await;
    assert_eq!(moved.agency.as_deref(), Some("cadastre"));
    assert_eq!(moved.status.code(), "assigned");
    assert_eq!(
        moved.deadline,
        legal_deadline(&cat.calendar, today(), Kind::Inquiry, false).date
    );
    assert_eq!(
        tax.get(&format!("/staff/appeals/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let own = citizen.get(&format!("/appeals/{id}")).await;
    let cadastre_name = cat.agency("cadastre").unwrap().name.en.clone();
    assert!(
        own.contains(&format!("Forwarded to {cadastre_name}")),
        "{}",
        own.body
    );
    assert!(own.contains("The plot's valuation is the Cadastre Agency's"));
    // No phone or e-mail given with the appeal: told on the channels the person chose
    // (e-mail and SMS): received, then forwarded.
    let notices = yagona_notices::Notices::new(&app.db)
        .of_subject("appeal", &id)
        .await
        .unwrap();
    let told: Vec<(&str, &str)> = notices
        .iter()
        .map(|n| (n.channel.as_str(), n.event.as_str()))
        .collect();
    assert_eq!(
        told,
        [
            ("email", "appeal-received"),
            ("sms", "appeal-received"),
            ("email", "appeal-forwarded"),
            ("sms", "appeal-forwarded")
        ]
    );

    // The cadastre extends once by one month; a second extension is refused.
    let mut cadastre = app.signed_in("officer-cadastre").await;
    let ext = act(
        &app,
        &mut cadastre,
        &id,
        "extend",
        &[("reason", "We must measure the plot on site")],
    )
    .await;
    assert_eq!(ext.status, StatusCode::SEE_OTHER);
    let longer = appeal(&app, &id).await;
    assert_eq!(
        longer.deadline,
        extended(&cat.calendar, moved.deadline).date
    );
    assert!(longer.extended);
    let twice = act(&app, &mut cadastre, &id, "extend", &[("reason", "Again")]).await;
    assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(twice.contains("extended once already"));
    assert_eq!(appeal(&app, &id).await.deadline, longer.deadline);

    // An operator records a call nobody's topic covers: it waits at the contact centre.
    let mut operator = app.signed_in("operator").await;
    let call = |subject: &'static str| {
        vec![
            ("kind", "inquiry"),
            ("subject", subject),
            ("body", "The caller asks how the pension was computed."),
            ("name", "Gulchehra Nazarova"),
            ("phone", "+998 91 234 56 78"),
        ]
    };
    let token = operator.get("/staff/appeals/new").await.csrf();
    let mut fields = call("Pension");
    fields.push(("csrf_token", &token));
    let recorded = operator.post("/staff/appeals/new", &fields).await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.body);
    let first = recorded
        .location
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let waiting = appeal(&app, &first).await;
    assert_eq!(
        (
            waiting.status.code(),
            waiting.agency.as_deref(),
            waiting.channel.code()
        ),
        ("received", None, "phone")
    );
    // The caller rings again about the same thing: the duplicate is merged into the first.
    let mut fields = call("Pension again");
    fields.push(("csrf_token", &token));
    let second = operator
        .post("/staff/appeals/new", &fields)
        .await
        .location
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let merged = act(&app, &mut operator, &second, "merge", &[("into", &first)]).await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.body);
    let dup = appeal(&app, &second).await;
    assert_eq!(
        (
            dup.status.code(),
            dup.merged_into.as_ref().map(|m| m.as_str())
        ),
        ("closed", Some(first.as_str()))
    );
    let kept = AppealStore { db: &app.db }
        .events(&tracking(&first), true)
        .await
        .unwrap();
    assert!(
        kept.iter()
            .any(|e| e.action == "merged-from" && e.body.as_deref() == Some(second.as_str())),
        "the kept appeal's history names the duplicate: {kept:?}"
    );
    let bad_merge = act(&app, &mut operator, &first, "merge", &[("into", &first)]).await;
    assert_eq!(bad_merge.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Routed to an agency by the operator.
    let routed = act(
        &app,
        &mut operator,
        &first,
        "assign",
        &[("agency", "social-protection")],
    )
    .await;
    assert_eq!(routed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        appeal(&app, &first).await.agency.as_deref(),
        Some("social-protection")
    );
    assert!(app
        .signed_in("officer-social-protection")
        .await
        .get("/staff/appeals")
        .await
        .contains(&first));

    // A call about a service answered from the knowledge base, in the caller's language.
    let token = operator.get("/staff/appeals/new?lang=ru").await.csrf();
    let recorded = operator
        .post(
            "/staff/appeals/new",
            &[
                ("kind", "inquiry"),
                ("service", "no-criminal-record-certificate"),
                ("subject", "Сроки справки"),
                ("body", "Сколько готовится справка?"),
                ("name", "Бекзод Турсунов"),
                ("phone", "97 700 11 22"),
                ("kb", "no-criminal-record-how-long"),
                ("csrf_token", &token),
            ],
        )
        .await;
    let answered_id = recorded
        .location
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let answered = appeal(&app, &answered_id).await;
    assert_eq!(answered.status.code(), "answered");
    assert!(answered.first_contact);
    let page = operator
        .get(&format!("/staff/appeals/{answered_id}?lang=en"))
        .await;
    assert!(page.body.contains("id=\"first-contact\""));
    let history = AppealStore { db: &app.db }
        .events(&tracking(&answered_id), false)
        .await
        .unwrap();
    assert!(
        history.iter().any(|e| e
            .body
            .as_deref()
            .is_some_and(|b| b.contains("3 рабочих дней"))),
        "{history:?}"
    );
    // From the desk, an operator's answer to an appeal an agency already holds is an answer,
    // but not one at first contact.
    let page = operator
        .get(&format!("/staff/appeals/{first}?lang=en"))
        .await;
    assert!(page.contains("Send to an agency") && page.contains("Answer the applicant"));
    act(
        &app,
        &mut operator,
        &first,
        "reply",
        &[("text", "The Pension Fund computes it; call 1176.")],
    )
    .await;
    let replied = appeal(&app, &first).await;
    assert_eq!(replied.status.code(), "answered");
    assert!(!replied.first_contact);
}

async fn figures_count_channels_first_contact_deadlines_and_ratings(app: TestApp) {
    let mut a = app.client();
    file(&mut a, BIRTH_COMPLAINT).await;
    let mut b = app.client();
    let sent = file(
        &mut b,
        &[
            ("kind", "proposal"),
            ("service", "birth-registration"),
            ("subject", "Certificates by SMS"),
            ("body", "Send an SMS when the certificate is ready."),
            ("name", "Lola"),
            ("email", "lola@example.uz"),
        ],
    )
    .await;
    let id = tracking_of(&sent);
    let mut officer = app.signed_in(CIVIL_REGISTRY_OFFICER).await;
    act(
        &app,
        &mut officer,
        &id,
        "reply",
        &[("text", "Thank you, we will add SMS notices.")],
    )
    .await;
    let token = follow(&mut b, &id, "LOLA@example.uz").await.csrf();
    b.post(
        &format!("/appeals/{id}/rate"),
        &[("rating", "3"), ("csrf_token", &token)],
    )
    .await;
    let mut operator = app.signed_in("operator").await;
    let token = operator.get("/staff/appeals/new").await.csrf();
    operator
        .post(
            "/staff/appeals/new",
            &[
                ("kind", "inquiry"),
                ("service", "birth-registration"),
                ("subject", "Documents"),
                ("body", "Which documents?"),
                ("name", "Caller"),
                ("phone", "901112233"),
                ("kb", "birth-registration-documents"),
                ("csrf_token", &token),
            ],
        )
        .await;

    let f = a.get("/api/v1/appeals/figures").await;
    assert_eq!(f.status, StatusCode::OK, "{}", f.body);
    let f = f.json();
    assert_eq!(f["total"]["appeals"], 3);
    assert_eq!(f["total"]["by_channel"]["portal"], 2);
    assert_eq!(f["total"]["by_channel"]["phone"], 1);
    assert_eq!(f["total"]["by_channel"]["open311"], 0);
    assert_eq!(f["total"]["answered"], 2);
    assert_eq!(f["total"]["answered_on_time_pct"], 100.0);
    assert_eq!(f["total"]["first_contact_pct"], 33.3);
    assert_eq!(f["total"]["average_rating"], 3.0);
    let civil = f["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["agency"] == "civil-registry")
        .unwrap();
    assert_eq!(civil["appeals"], 3);
    let service = f["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["service"] == "birth-registration")
        .unwrap();
    assert_eq!(service["ratings"], 1);
    // A period before anything was filed counts nothing; a bad period is a problem document.
    let empty = a
        .get("/api/v1/appeals/figures?from=2026-01-01&to=2026-01-31")
        .await
        .json();
    assert_eq!(empty["total"]["appeals"], 0);
    let bad = a
        .get("/api/v1/appeals/figures?from=2026-02-01&to=2026-01-01")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.content_type.starts_with("application/problem+json"));
    assert_eq!(
        a.get("/api/v1/appeals/figures?from=yesterday").await.status,
        StatusCode::BAD_REQUEST
    );
    // The page shows the same, by agency and by service.
    let page = a.get("/appeals/figures").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains(
        &app.node
            .catalogue
            .get()
            .await
            .agency("civil-registry")
            .unwrap()
            .name
            .en
    ));
    assert!(page.contains("33.3 %"));
    assert_eq!(
        a.get("/appeals/figures?to=2026-13-01").await.status,
        StatusCode::BAD_REQUEST
    );
    assert!(a
        .get("/api/openapi.json")
        .await
        .contains("/api/v1/appeals/figures"));
    // Answered appeals nobody reopened are closed once the reopening period is over.
    let store = AppealStore { db: &app.db };
    let later = yagona_core::now() + chrono::Duration::days(40);
    assert_eq!(store.close_unreopened(yagona_core::now()).await.unwrap(), 0);
    assert_eq!(
        store.close_unreopened(later).await.unwrap(),
        1,
        "the call answered at first contact"
    );
    let closed = app
        .count("SELECT COUNT(*) FROM appeals WHERE status = 'closed'")
        .await;
    assert_eq!(closed, 2, "the rated appeal, and the call");
}

async fn nobody_sees_or_changes_an_appeal_that_is_not_theirs(app: TestApp) {
    let mut owner = app.signed_in(CITIZEN_A).await;
    let id = tracking_of(
        &file(
            &mut owner,
            &[
                ("kind", "complaint"),
                ("service", "passport-id-card"),
                ("subject", "Queue at the centre"),
                ("body", "Three hours in the queue."),
                ("phone", "+998 90 555 44 33"),
            ],
        )
        .await,
    );
    assert_eq!(
        owner.get(&format!("/appeals/{id}")).await.status,
        StatusCode::OK
    );
    // Another citizen finds only the form to follow it by its check, and cannot rate or reopen
    // it.
    let mut other = app.signed_in(CITIZEN_B).await;
    let theirs = other.get(&format!("/appeals/{id}")).await;
    assert!(theirs.contains("form method=\"post\" action=\"/appeals/track\""));
    assert!(!theirs.contains("Queue at the centre"));
    assert!(!other.get("/appeals").await.contains(&id));
    // Nobody files in someone else's name: a visitor who is not signed in, naming a citizen's
    // PINFL, is refused, and nothing reaches that citizen's appeals.
    let mut visitor = app.client();
    let mut posing = BIRTH_COMPLAINT.to_vec();
    posing.push(("pinfl", CITIZEN_B));
    let r = file(&mut visitor, &posing).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM appeals WHERE pinfl IS NOT NULL")
            .await,
        1,
        "only the owner's own appeal names a PINFL"
    );
    let token = other.get("/appeals").await.csrf();
    let r = other
        .post(
            &format!("/appeals/{id}/reopen"),
            &[("reason", "x"), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // A stranger's browser, with or without a check in the form, acts on nothing.
    let mut stranger = app.client();
    let token = stranger.get("/appeals/track").await.csrf();
    let r = stranger
        .post(
            &format!("/appeals/{id}/rate"),
            &[
                ("rating", "1"),
                ("check", "+998 90 555 44 33"),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Guessing the check is not free: after ten wrong tries the guessing client is stopped for
    // an hour, even with the right check (the number is not locked: its owner, from another
    // address, still follows it).
    for n in 0..10 {
        let wrong = format!("+998 90 000 00 {n:02}");
        let page = stranger
            .submit(
                "/appeals/track",
                "/appeals/track",
                &[("tracking", &id), ("check", &wrong)],
            )
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
    }
    let page = stranger
        .submit(
            "/appeals/track",
            "/appeals/track",
            &[("tracking", &id), ("check", "+998 90 555 44 33")],
        )
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(!page.contains("Queue at the centre"));
    assert!(page.contains("Too many wrong tries"));
    // Not signed in, no grant: the form to follow it, which offers to sign in. A citizen's
    // page of another kind of user: refused.
    let bookmark = stranger.get(&format!("/appeals/{id}")).await;
    assert!(!bookmark.contains("Queue at the centre"));
    assert!(bookmark.contains("href=\"/sign-in?next=/appeals\""));
    assert_eq!(
        owner.get("/staff/appeals").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        stranger.get("/staff/appeals").await.status,
        StatusCode::SEE_OTHER
    );
    // An officer cannot do an operator's work, nor a citizen's.
    let mut interior = app.signed_in(INTERIOR_OFFICER).await;
    assert!(interior.get("/staff/appeals").await.contains(&id));
    let merge = act(
        &app,
        &mut interior,
        &id,
        "merge",
        &[("into", "MR-3333-3333")],
    )
    .await;
    assert_eq!(merge.status, StatusCode::NOT_FOUND);
    assert_eq!(
        interior.get("/staff/appeals/new").await.status,
        StatusCode::FORBIDDEN
    );
    // A form without the session's CSRF token, or from a page older than the appeal's last
    // change, changes nothing.
    let no_csrf = interior
        .post(
            &format!("/staff/appeals/{id}/reply"),
            &[("text", "Hello"), ("revision", "1")],
        )
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let token = interior.get(&format!("/staff/appeals/{id}")).await.csrf();
    let stale = interior
        .post(
            &format!("/staff/appeals/{id}/reply"),
            &[("text", "Hello"), ("revision", "0"), ("csrf_token", &token)],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(appeal(&app, &id).await.status.code(), "assigned");
    // Store-level: the agency viewer's SQL does not reach another agency's appeal.
    let store = AppealStore { db: &app.db };
    assert!(store
        .get(&tracking(&id), Viewer::Agency("tax"))
        .await
        .unwrap()
        .is_none());
    assert!(store
        .get(&tracking(&id), Viewer::Contact("+998900000000"))
        .await
        .unwrap()
        .is_none());
    assert!(store
        .get(&tracking(&id), Viewer::Contact("+998905554433"))
        .await
        .unwrap()
        .is_some());
}

async fn bad_input_on_every_form_is_refused_and_changes_nothing(app: TestApp) {
    let count = || app.count("SELECT COUNT(*) FROM appeals");
    let mut b = app.client();
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            vec![],
            "Choose whether it is an inquiry, a complaint or a proposal",
        ),
        (
            vec![
                ("kind", "gossip"),
                ("subject", "s"),
                ("body", "b"),
                ("name", "n"),
                ("phone", "901234567"),
            ],
            "Choose whether it is an inquiry, a complaint or a proposal",
        ),
        (
            vec![
                ("kind", "inquiry"),
                ("body", "b"),
                ("name", "n"),
                ("phone", "901234567"),
            ],
            "Enter a subject",
        ),
        (
            vec![
                ("kind", "inquiry"),
                ("subject", "s"),
                ("body", "b"),
                ("name", "n"),
            ],
            "Give a phone number or an e-mail address",
        ),
        (
            vec![
                ("kind", "inquiry"),
                ("subject", "s"),
                ("body", "b"),
                ("name", "n"),
                ("phone", "12345"),
            ],
            "Enter a phone number such as",
        ),
        (
            vec![
                ("kind", "inquiry"),
                ("subject", "s"),
                ("body", "b"),
                ("name", "n"),
                ("email", "not-an-address"),
            ],
            "Enter an e-mail address such as",
        ),
        (
            vec![
                ("kind", "inquiry"),
                ("subject", "s"),
                ("body", "b"),
                ("name", "n"),
                ("phone", "901234567"),
                ("service", "no-such-service"),
            ],
            "Choose a service from the list",
        ),
        (
            vec![
                ("kind", "inquiry"),
                ("subject", "s"),
                ("body", "b"),
                ("name", "n"),
                ("phone", "901234567"),
                ("topic", "no-such-topic"),
            ],
            "Choose a topic from the list",
        ),
        (
            vec![
                ("kind", "inquiry"),
                ("subject", "s"),
                ("body", "b"),
                ("name", "n"),
                ("phone", "901234567"),
                ("application_ref", "12345"),
            ],
            "Check Application number",
        ),
    ];
    for (fields, message) in cases {
        let page = file(&mut b, &fields).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(
            page.contains(message),
            "{fields:?}: {message}\n{}",
            page.text()
        );
        assert!(page.contains("There is a problem"), "{fields:?}");
    }
    let long = "x".repeat(4001);
    let page = file(
        &mut b,
        &[
            ("kind", "inquiry"),
            ("subject", "s"),
            ("body", &long),
            ("name", "n"),
            ("phone", "901234567"),
        ],
    )
    .await;
    assert!(page.contains("Your appeal is too long"));
    // In Uzbek Cyrillic too.
    b.accept_language = "uz-Cyrl".into();
    let page = file(
        &mut b,
        &[
            ("kind", "inquiry"),
            ("subject", "s"),
            ("body", "b"),
            ("name", "n"),
            ("phone", "12"),
        ],
    )
    .await;
    assert!(
        page.contains("Телефон рақамини киритинг"),
        "{}",
        page.text()
    );
    assert_eq!(count().await, 0);
    // Without the CSRF token: refused.
    let r = b.post("/appeals", BIRTH_COMPLAINT).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The operator's form: a bad PINFL; the desk's actions: empty texts, unknown agencies.
    let mut operator = app.signed_in("operator").await;
    let token = operator.get("/staff/appeals/new").await.csrf();
    let r = operator
        .post(
            "/staff/appeals/new",
            &[
                ("kind", "inquiry"),
                ("subject", "s"),
                ("body", "b"),
                ("name", "n"),
                ("pinfl", "123"),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.contains("Check Caller's PINFL"));
    assert_eq!(count().await, 0);
    let id = tracking_of(&file(&mut b, BIRTH_COMPLAINT).await);
    let before = appeal(&app, &id).await;
    for (action, fields) in [
        ("reply", vec![("text", "   ")]),
        ("note", vec![]),
        ("assign", vec![("agency", "ministry-of-magic")]),
        ("answer", vec![("kb", "no-such-answer")]),
    ] {
        let r = act(&app, &mut operator, &id, action, &fields).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{action}: {}",
            r.body
        );
    }
    // The error stands beside the field it is about, in the desk's language.
    let r = act(&app, &mut operator, &id, "reply", &[("text", "")]).await;
    assert!(r.contains("Write the answer") && r.body.contains("id=\"reply-text-error\""));
    assert_eq!(
        act(&app, &mut operator, &id, "explode", &[]).await.status,
        StatusCode::NOT_FOUND
    );
    let after = appeal(&app, &id).await;
    assert_eq!(
        (after.revision, after.status),
        (before.revision, before.status)
    );
    // The citizen's rating: out of range, refused.
    let token = b.get("/appeals/track").await.csrf();
    let r = b
        .post(
            &format!("/appeals/{id}/rate"),
            &[
                ("rating", "9"),
                ("check", "901234567"),
                ("csrf_token", &token),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(appeal(&app, &id).await.rating, None);
}

/// A letter an operator registers, with a phone to answer at.
fn letter(kind: Kind, subject: &str) -> yagona_contact::NewAppeal {
    let mut new = yagona_contact::NewAppeal::new(
        kind,
        yagona_contact::Channel::Phone,
        subject,
        "A letter",
        "Letter writer",
        yagona_core::Locale::En,
        yagona_contact::Actor::System,
    );
    new.phone = Some("901234567".into());
    new
}

async fn appeals_near_or_past_their_deadline_are_escalated_in_the_queue(app: TestApp) {
    // Letters registered late: received 14 and 40 days ago (the law's period runs from then).
    let cat = app.node.catalogue.get().await;
    let store = AppealStore { db: &app.db };
    let mut ids = vec![];
    for days in [14u64, 40, 0] {
        let mut new = letter(Kind::Complaint, &format!("Received {days} days ago"));
        new.service = Some("residence-registration".into());
        new.received_on = today().checked_sub_days(chrono::Days::new(days));
        ids.push(store.create(&cat, new).await.unwrap().appeal.id.to_string());
    }
    let mut interior = app.signed_in(INTERIOR_OFFICER).await;
    let all = interior.get("/staff/appeals").await;
    assert!(all.contains("Overdue"), "{}", all.text());
    let escalated = interior.get("/staff/appeals?escalated=1").await;
    assert!(escalated.contains(ids[1].as_str()));
    assert!(
        !escalated.contains(ids[2].as_str()),
        "a fresh appeal is not escalated"
    );
    // A future receipt date is refused.
    let mut bad = letter(Kind::Inquiry, "s");
    bad.received_on = today().checked_add_days(chrono::Days::new(1));
    assert!(matches!(
        store.create(&cat, bad).await,
        Err(yagona_contact::AppealError::Invalid {
            field: "received_on",
            ..
        })
    ));
    // The operator searches by phone, by tracking number, and by PINFL.
    let mut operator = app.signed_in("operator").await;
    let by_phone = operator
        .get("/staff/appeals?q=%2B998+90+123+45+67&status=")
        .await;
    for id in &ids {
        assert!(by_phone.contains(id));
    }
    let by_number = operator
        .get(&format!("/staff/appeals?q={}", ids[0].to_lowercase()))
        .await;
    assert!(by_number.contains(&ids[0]) && !by_number.contains(&ids[1]));
    let by_name = operator.get("/staff/appeals?q=Letter+writer").await;
    assert!(!by_name.contains(&ids[0]), "names are not a search key");
}

fn tracking(id: &str) -> yagona_core::TrackingNumber {
    yagona_core::TrackingNumber::parse(id).expect("a tracking number")
}
