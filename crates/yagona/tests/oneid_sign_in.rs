//! Signing in through OneID, Uzbekistan's single identification system, over its own OAuth 2.0
//! flavour (`one_code`, `one_authorization_code`, `one_access_token_identify`, `one_log_out`)
//! against a stand-in that follows the published protocol (`tests/oneid`): the citizen comes
//! back where they were going, kept by PINFL with their names, birth date and the organisations
//! they may act for; a replayed callback, a code OneID does not know, an expired code and a code
//! issued to another system start no session; an account without a PINFL, or a sign-in weaker
//! than the service asked for, is not let in; signing out ends the OneID session too, and
//! still signs out when OneID is down. On both databases.

mod common;
mod oneid;

use common::*;
use oneid::{Client, OneIdStandIn};
use reqwest::StatusCode;
use serde_json::{json, Value};
use yagona_web::oidc::ProviderConfig;
use yagona_web::PagesConfig;

const CLIENT_ID: &str = "yagona.test";
/// The scope OneID's administrator issued: not the client id, so the one configured is used.
const SCOPE: &str = "yagona-portal";
/// Another client system registered with the same OneID.
const OTHER_CLIENT: &str = "other.system";
const OTHER_REDIRECT: &str = "https://other.example.uz/oneid/callback";

fn config(app: &str, oneid: &str) -> PagesConfig {
    // As `[[identity.providers]]` in yagona.toml says it.
    let provider: ProviderConfig = serde_json::from_value(json!({
        "id": "oneid",
        "kind": "oneid",
        "label": "OneID",
        "issuer": oneid,
        "client_id": CLIENT_ID,
        "client_secret": "oneid-secret",
        "scopes": [SCOPE],
    }))
    .expect("a OneID provider's configuration");
    PagesConfig {
        secure_cookies: false,
        public_url: Some(app.to_owned()),
        providers: vec![provider],
        ..PagesConfig::default()
    }
}

/// A node and a OneID that know each other.
async fn setup(postgres: bool) -> Option<(TestApp, OneIdStandIn)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = format!("http://{}", listener.local_addr().unwrap());
    let oneid = OneIdStandIn::start(
        vec![
            Client {
                id: CLIENT_ID.into(),
                secret: "oneid-secret".into(),
                redirect_uris: vec![format!("{app}/sign-in/oneid/callback")],
                scope: SCOPE.into(),
            },
            Client {
                id: OTHER_CLIENT.into(),
                secret: "other-secret".into(),
                redirect_uris: vec![OTHER_REDIRECT.into()],
                scope: OTHER_CLIENT.into(),
            },
        ],
        oneid::people(),
    )
    .await;
    let node = if postgres {
        TestApp::postgres_on(listener, config(&app, &oneid.base)).await?
    } else {
        TestApp::sqlite_on(listener, config(&app, &oneid.base)).await
    };
    Some((node, oneid))
}

/// A browser at OneID: its own cookies, absolute addresses.
fn at_oneid(app: &TestApp) -> Browser {
    let mut b = app.client();
    b.base = String::new();
    b
}

fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map(|x| x.1).unwrap_or(url);
    rest.find('/')
        .map(|i| rest[i..].to_owned())
        .unwrap_or("/".into())
}

fn query_param(url: &str, name: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .ok()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// At OneID's sign-in page (`authorization`): signs in as `person` by `method`; returns where
/// OneID sends the browser back to.
async fn sign_in_at_oneid(
    idp: &mut Browser,
    authorization: &str,
    person: &str,
    method: &str,
) -> String {
    let page = idp.get(authorization).await;
    assert_eq!(
        page.status,
        StatusCode::OK,
        "OneID's sign-in page: {}",
        page.body
    );
    let marker = "name=\"interaction\" value=\"";
    let start = page.body.find(marker).expect("the sign-in form") + marker.len();
    let interaction = page.body[start..].split('"').next().unwrap().to_owned();
    let base = authorization.split("/sso/").next().unwrap();
    let back = idp
        .post(
            &format!("{base}/sso/login"),
            &[
                ("interaction", &interaction),
                ("person", person),
                ("method", method),
                ("action", "sign-in"),
            ],
        )
        .await;
    assert_eq!(back.status, StatusCode::FOUND, "{}", back.body);
    back.location.expect("OneID sends the browser back")
}

/// Leaves the portal for OneID (`start`) and signs in there; returns the portal's callback
/// (path and query) that OneID sends the browser back to.
async fn through_oneid(
    app: &TestApp,
    oneid: &OneIdStandIn,
    portal: &mut Browser,
    start: &str,
    person: &str,
    method: &str,
) -> String {
    let leave = portal.get(start).await;
    assert_eq!(leave.status, StatusCode::SEE_OTHER, "{}", leave.body);
    let authorization = leave.location.unwrap();
    assert!(
        authorization.starts_with(&oneid.endpoint()),
        "to OneID: {authorization}"
    );
    assert_eq!(
        query_param(&authorization, "response_type").as_deref(),
        Some("one_code")
    );
    assert_eq!(
        query_param(&authorization, "client_id").as_deref(),
        Some(CLIENT_ID)
    );
    assert_eq!(query_param(&authorization, "scope").as_deref(), Some(SCOPE));
    assert_eq!(
        query_param(&authorization, "redirect_uri"),
        Some(format!("{}/sign-in/oneid/callback", app.address))
    );
    assert!(query_param(&authorization, "state").is_some_and(|s| s.len() >= 32));
    for absent in ["nonce", "code_challenge"] {
        assert!(
            query_param(&authorization, absent).is_none(),
            "OneID has no {absent}"
        );
    }
    let back = sign_in_at_oneid(&mut at_oneid(app), &authorization, person, method).await;
    assert!(back.starts_with(&app.address), "{back}");
    path_of(&back)
}

async fn profile_of(app: &TestApp, pinfl: &str) -> Value {
    let profile: String = sqlx::query_scalar("SELECT profile FROM users WHERE pinfl = $1")
        .bind(pinfl)
        .fetch_one(&app.db.pool)
        .await
        .expect("the person is kept");
    serde_json::from_str(&profile).unwrap()
}

async fn a_citizen_signs_in_through_oneid_and_lands_where_they_were_going(postgres: bool) {
    let Some((app, oneid)) = setup(postgres).await else {
        return;
    };
    let mut portal = app.client();
    let page = portal.get("/sign-in").await;
    assert!(
        page.contains("OneID"),
        "OneID is offered: {} {}",
        page.status,
        page.body
    );
    // A service that needs an e-signature: OneID is asked for the person's key.
    let leave = portal
        .get("/sign-in/oneid?next=/services/birth-registration&acr=e-signature")
        .await;
    let authorization = leave.location.unwrap();
    assert_eq!(
        query_param(&authorization, "auth_methods").as_deref(),
        Some("PKCSMETHOD")
    );
    let back = sign_in_at_oneid(&mut at_oneid(&app), &authorization, "alisher", "PKCSMETHOD").await;
    let code = query_param(&back, "code").unwrap();
    assert!(
        code.ends_with('='),
        "a base64 code, sent percent-encoded: {back}"
    );
    let callback = path_of(&back);
    let signed = portal.get(&callback).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    assert_eq!(
        signed.location.as_deref(),
        Some("/services/birth-registration")
    );
    assert_eq!(
        oneid.grants(),
        ["one_authorization_code", "one_access_token_identify"],
        "the code exchanged once, the profile read once"
    );

    let mine = portal.get("/applications").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(
        mine.contains("Toshmatov Alisher Baxtiyor O'g'li"),
        "signed in under OneID's name, title-cased"
    );
    // Kept by PINFL (OneID's `user_id` is a login the person can change), with what OneID said.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE pinfl = '32708901234561' AND subject = '32708901234561' AND idp = '{}' AND kind = 'citizen'",
            oneid.base
        ))
        .await,
        1
    );
    let profile = profile_of(&app, "32708901234561").await;
    assert_eq!(profile["name"], "Toshmatov Alisher Baxtiyor O'g'li");
    assert_eq!(profile["family_name"], "Toshmatov");
    assert_eq!(profile["given_name"], "Alisher");
    assert_eq!(profile["middle_name"], "Baxtiyor O'g'li");
    assert_eq!(profile["birthdate"], "1990-08-27", "from OneID's YYYYMMDD");
    assert_eq!(profile["email"], "alisher.toshmatov@example.uz");
    assert_eq!(profile["phone_number"], "+998901112233");
    assert_eq!(
        profile["legal_entities"],
        json!([
            {"tin": "305123456", "name": "\"TOSHMATOV SAVDO\" MChJ", "is_basic": true},
            {"tin": "306654321", "name": "\"BAXT\" XK", "is_basic": false}
        ])
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions WHERE provider = 'oneid' AND acr = 'e-signature'")
            .await,
        1,
        "the session knows the person signed with their key"
    );

    // The same callback again (a replayed code and state) signs nobody in, and never reaches
    // OneID: the state was spent.
    let mut thief = app.client();
    let replay = thief.get(&callback).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST, "{}", replay.body);
    assert!(
        replay.contains("used already or is too old"),
        "{}",
        replay.body
    );
    assert_ne!(thief.get("/applications").await.status, StatusCode::OK);
    assert_eq!(oneid.grants().len(), 2);

    // Another person, by password, whose birth date comes as YYYY-MM-DD and who gives no
    // e-mail, phone or organisation.
    let mut other = app.client();
    let callback = through_oneid(
        &app,
        &oneid,
        &mut other,
        "/sign-in/oneid",
        "kamola",
        "LOGINPASSMETHOD",
    )
    .await;
    let signed = other.get(&callback).await;
    assert_eq!(
        signed.location.as_deref(),
        Some("/applications"),
        "{}",
        signed.body
    );
    let profile = profile_of(&app, "41503951234568").await;
    assert_eq!(profile["birthdate"], "1995-03-15");
    assert_eq!(profile["name"], "Yusupova Kamola Odil Qizi");
    for absent in ["email", "phone_number", "legal_entities"] {
        assert!(profile.get(absent).is_none(), "no {absent}: {profile}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions WHERE provider = 'oneid' AND acr = 'password'")
            .await,
        1
    );
}

async fn codes_oneid_does_not_honour_and_cancelled_sign_ins_start_no_session(postgres: bool) {
    let Some((app, oneid)) = setup(postgres).await else {
        return;
    };
    let refused_as_untrusted = |page: &Page| {
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.body);
        assert!(page.contains("could not be trusted"), "{}", page.body);
    };

    // A code OneID never issued, with a state the portal did issue.
    let mut portal = app.client();
    let leave = portal.get("/sign-in/oneid").await;
    let state = query_param(&leave.location.unwrap(), "state").unwrap();
    let made_up = portal
        .get(&format!(
            "/sign-in/oneid/callback?code=bm90LWlzc3VlZA%3D%3D&state={state}"
        ))
        .await;
    refused_as_untrusted(&made_up);

    // A code that has expired at OneID.
    let mut portal = app.client();
    let callback = through_oneid(
        &app,
        &oneid,
        &mut portal,
        "/sign-in/oneid",
        "alisher",
        "MOBILEMETHOD",
    )
    .await;
    oneid.expire_codes();
    refused_as_untrusted(&portal.get(&callback).await);

    // A code OneID issued to another system, slipped into the portal's callback with a state
    // of the portal's own.
    let mut elsewhere = at_oneid(&app);
    let foreign = sign_in_at_oneid(
        &mut elsewhere,
        &format!(
            "{}?response_type=one_code&client_id={OTHER_CLIENT}&redirect_uri={OTHER_REDIRECT}&scope={OTHER_CLIENT}&state=theirs",
            oneid.endpoint()
        ),
        "alisher",
        "PKCSMETHOD",
    )
    .await;
    let foreign_code = query_param(&foreign, "code").unwrap();
    let mut portal = app.client();
    let leave = portal.get("/sign-in/oneid").await;
    let state = query_param(&leave.location.unwrap(), "state").unwrap();
    let slipped = portal
        .get(&format!(
            "/sign-in/oneid/callback?{}",
            query_of(&[("code", &foreign_code), ("state", &state)])
        ))
        .await;
    refused_as_untrusted(&slipped);

    // The person cancels at OneID.
    let mut portal = app.client();
    let leave = portal.get("/sign-in/oneid").await;
    let page = at_oneid(&app).get(&leave.location.unwrap()).await;
    let marker = "name=\"interaction\" value=\"";
    let start = page.body.find(marker).unwrap() + marker.len();
    let interaction = page.body[start..].split('"').next().unwrap().to_owned();
    let cancelled = at_oneid(&app)
        .post(
            &format!("{}/sso/login", oneid.base),
            &[("interaction", interaction.as_str()), ("action", "cancel")],
        )
        .await;
    let refused = portal.get(&path_of(&cancelled.location.unwrap())).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.contains("did not sign you in"), "{}", refused.body);

    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE idp = '{}'",
            oneid.base
        ))
        .await,
        0,
        "nobody was kept"
    );
}

/// Pairs as a query string, each value percent-encoded.
fn query_of(pairs: &[(&str, &str)]) -> String {
    reqwest::Url::parse_with_params("http://x/", pairs)
        .unwrap()
        .query()
        .unwrap()
        .to_owned()
}

async fn whom_oneid_cannot_vouch_for_enough_is_not_let_in(postgres: bool) {
    let Some((app, oneid)) = setup(postgres).await else {
        return;
    };
    let mut portal = app.client();
    let callback = through_oneid(
        &app,
        &oneid,
        &mut portal,
        "/sign-in/oneid",
        "visitor",
        "LOGINPASSMETHOD",
    )
    .await;
    let refused = portal.get(&callback).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        refused.contains("personal identification number"),
        "{}",
        refused.body
    );
    assert_ne!(portal.get("/applications").await.status, StatusCode::OK);

    // A service asks for a one-time code; the person signs in at OneID with a password.
    let mut portal = app.client();
    let callback = through_oneid(
        &app,
        &oneid,
        &mut portal,
        "/sign-in/oneid?acr=otp",
        "alisher",
        "LOGINPASSMETHOD",
    )
    .await;
    let refused = portal.get(&callback).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.contains("needs a surer way"), "{}", refused.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

async fn signing_out_ends_the_oneid_session_too_even_when_oneid_is_down(postgres: bool) {
    let Some((app, mut oneid)) = setup(postgres).await else {
        return;
    };
    let mut citizen = app.client();
    let callback = through_oneid(
        &app,
        &oneid,
        &mut citizen,
        "/sign-in/oneid",
        "alisher",
        "LOGINPASSMETHOD",
    )
    .await;
    assert_eq!(citizen.get(&callback).await.status, StatusCode::SEE_OTHER);
    let issued = oneid.issued();
    assert_eq!(issued.len(), 1);
    let out = sign_out_of(&mut citizen).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
    assert_eq!(
        out.location.as_deref(),
        Some("/"),
        "OneID has no logout page: home"
    );
    let logouts = oneid.logouts();
    assert_eq!(logouts.len(), 1, "one_log_out was called");
    assert_eq!(logouts[0].client_id, CLIENT_ID);
    assert_eq!(logouts[0].access_token, issued[0].access_token);
    assert!(logouts[0].live, "with the token OneID issued at sign-in");
    assert!(oneid.issued()[0].revoked);
    assert_ne!(citizen.get("/applications").await.status, StatusCode::OK);

    // OneID goes down: one citizen is signed in, another is on the way back with a code.
    let mut citizen = app.client();
    let callback = through_oneid(
        &app,
        &oneid,
        &mut citizen,
        "/sign-in/oneid",
        "alisher",
        "MOBILEMETHOD",
    )
    .await;
    assert_eq!(citizen.get(&callback).await.status, StatusCode::SEE_OTHER);
    let mut arriving = app.client();
    let arriving_callback = through_oneid(
        &app,
        &oneid,
        &mut arriving,
        "/sign-in/oneid",
        "kamola",
        "LOGINPASSMETHOD",
    )
    .await;
    oneid.stop().await;
    let unreachable = arriving.get(&arriving_callback).await;
    assert_eq!(
        unreachable.status,
        StatusCode::BAD_GATEWAY,
        "{}",
        unreachable.body
    );
    assert!(
        unreachable.contains("cannot be reached"),
        "{}",
        unreachable.body
    );
    // Signing out still signs out.
    let out = sign_out_of(&mut citizen).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
    assert_eq!(out.location.as_deref(), Some("/"));
    assert_ne!(citizen.get("/applications").await.status, StatusCode::OK);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

async fn sign_out_of(b: &mut Browser) -> Page {
    let home = b.get("/").await;
    b.post("/sign-out", &[("csrf_token", &home.csrf())]).await
}

macro_rules! both {
    ($($name:ident),*) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() { super::$name(false).await }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() { super::$name(true).await }
        }
    )*};
}

both!(
    a_citizen_signs_in_through_oneid_and_lands_where_they_were_going,
    codes_oneid_does_not_honour_and_cancelled_sign_ins_start_no_session,
    whom_oneid_cannot_vouch_for_enough_is_not_let_in,
    signing_out_ends_the_oneid_session_too_even_when_oneid_is_down
);
