//! Signing in through a real, certified OpenID provider — panva's `oidc-provider` from npm,
//! started by the test (`.ci/oidc`) — with PKCE, state and nonce; the ID token checked against
//! the provider's keys, rotated without a restart; and everything that must fail failing with a
//! clear page and no session: a replayed callback, a forged state, a token signed by a key the
//! provider no longer publishes, an expired token. On both databases.

mod common;
use common::*;
use reqwest::StatusCode;
use serde_json::json;
use std::path::PathBuf;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use yagona_web::oidc::ProviderConfig;
use yagona_web::PagesConfig;

/// The provider, running while the test runs.
struct Provider {
    issuer: String,
    _child: tokio::process::Child,
}

fn harness() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.ci/oidc")
}

/// Starts oidc-provider with Yagona (at `app`) as its client; `None` outside CI when its npm
/// packages are not installed (`.ci/run` installs them; under CI their absence fails).
async fn provider(app: &str, env: &[(&str, &str)]) -> Option<Provider> {
    if !harness().join("node_modules/oidc-provider").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "oidc-provider is not installed: npm ci --prefix .ci/oidc"
        );
        eprintln!("skipped: oidc-provider is not installed (npm ci --prefix .ci/oidc)");
        return None;
    }
    let clients = json!([{
        "client_id": "yagona",
        "client_secret": "yagona-secret",
        "redirect_uris": [format!("{app}/sign-in/test/callback")],
        "post_logout_redirect_uris": [format!("{app}/")],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
    }]);
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(harness().join("provider.mjs"))
        .env("OIDC_PORT", "0")
        .env("OIDC_CLIENTS", clients.to_string())
        .env("NODE_NO_WARNINGS", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("node runs");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
        .await
        .expect("the provider starts within 30 s")
        .unwrap()
        .expect("the provider says where it listens");
    let issuer = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("an address")
        .to_owned();
    // Keep reading what it prints, so its output never blocks it.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Some(Provider {
        issuer,
        _child: child,
    })
}

fn config(app: &str, issuer: &str) -> PagesConfig {
    PagesConfig {
        secure_cookies: false,
        public_url: Some(app.to_owned()),
        providers: vec![ProviderConfig {
            id: "test".into(),
            kind: Default::default(),
            label: "OneID (test)".into(),
            issuer: issuer.to_owned(),
            client_id: "yagona".into(),
            client_secret: Some("yagona-secret".into()),
            scopes: vec![
                "profile".into(),
                "email".into(),
                "phone".into(),
                "pinfl".into(),
                "officer".into(),
            ],
            pinfl_claim: "pinfl".into(),
            staff_roles: [("registrar".to_owned(), "officer".to_owned())].into(),
            role_claim: "roles".into(),
            agency_claim: "agency".into(),
            acr_values: vec!["password".into(), "otp".into(), "e-signature".into()],
            account_namespace: None,
        }],
        ..PagesConfig::default()
    }
}

/// A node and a provider that know each other.
async fn setup(postgres: bool, env: &[(&str, &str)]) -> Option<(TestApp, Provider)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let app = format!("http://{}", listener.local_addr().unwrap());
    let p = provider(&app, env).await?;
    let node = if postgres {
        TestApp::postgres_on(listener, config(&app, &p.issuer)).await?
    } else {
        TestApp::sqlite_on(listener, config(&app, &p.issuer)).await
    };
    Some((node, p))
}

/// A browser at the provider: its own cookies, absolute addresses.
fn at_provider(app: &TestApp) -> Browser {
    let mut b = app.client();
    b.base = String::new();
    b
}

fn absolute(base: &str, location: &str) -> String {
    if location.starts_with("http") {
        location.to_owned()
    } else {
        format!("{}{location}", base.trim_end_matches('/'))
    }
}

/// Leaves the portal for the provider, signs in there as `account` at `acr`, and returns the
/// address the provider sends the browser back to (the portal's callback with code and state).
async fn sign_in_at_provider(
    portal: &mut Browser,
    idp: &mut Browser,
    issuer: &str,
    start: &str,
    account: &str,
    acr: &str,
) -> String {
    let leave = portal.get(start).await;
    assert_eq!(leave.status, StatusCode::SEE_OTHER, "{}", leave.body);
    let auth = leave.location.unwrap();
    assert!(auth.starts_with(issuer), "to the provider: {auth}");
    for param in [
        "code_challenge=",
        "code_challenge_method=S256",
        "state=",
        "nonce=",
    ] {
        assert!(auth.contains(param), "{param} in {auth}");
    }
    let interaction = idp.get(&auth).await;
    let login = absolute(
        issuer,
        interaction
            .location
            .as_deref()
            .expect("to the sign-in page"),
    );
    let logged = idp
        .post(
            &format!("{login}/login"),
            &[("account", account), ("acr", acr)],
        )
        .await;
    let resume = absolute(
        issuer,
        logged.location.as_deref().expect("back to the provider"),
    );
    let back = idp.get(&resume).await;
    back.location.expect("the provider sends the browser back")
}

/// A new browser that signs in at the provider as `account`; returns it and the address the
/// provider sends it back to.
async fn fresh_sign_in(app: &TestApp, p: &Provider, account: &str, acr: &str) -> (Browser, String) {
    let mut portal = app.client();
    let mut idp = at_provider(app);
    let back = sign_in_at_provider(
        &mut portal,
        &mut idp,
        &p.issuer,
        "/sign-in/test",
        account,
        acr,
    )
    .await;
    (portal, back)
}

fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map(|x| x.1).unwrap_or(url);
    rest.find('/')
        .map(|i| rest[i..].to_owned())
        .unwrap_or("/".into())
}

async fn a_citizen_signs_in_and_comes_back_where_they_were_going(postgres: bool) {
    let Some((app, p)) = setup(postgres, &[]).await else {
        return;
    };
    let mut portal = app.client();
    let mut idp = at_provider(&app);
    // Forms may lead to the provider (signing out there, signing in again more surely): the
    // policy lets a form's redirects go there, and nowhere else.
    let csp = reqwest::get(format!("{}/", app.address))
        .await
        .unwrap()
        .headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains(&format!("form-action 'self' {}", p.issuer)),
        "{csp}"
    );
    let page = portal.get("/sign-in").await;
    assert!(page.contains("OneID (test)"), "the provider is offered");
    let back = sign_in_at_provider(
        &mut portal,
        &mut idp,
        &p.issuer,
        "/sign-in/test?next=/services/birth-registration",
        "citizen",
        "otp",
    )
    .await;
    assert!(back.starts_with(&app.address), "{back}");
    let callback = path_of(&back);
    let signed = portal.get(&callback).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
    assert_eq!(
        signed.location.as_deref(),
        Some("/services/birth-registration")
    );
    let mine = portal.get("/applications").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(
        mine.contains("Karimov Aziz Rustamovich"),
        "signed in as the provider's person"
    );
    // One person per PINFL, whichever provider vouches: the demo's Dilnoza Karimova has
    // this PINFL, so it is her account (and her applications) under the provider's name.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE pinfl = '31505901234567'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions WHERE provider = 'test' AND acr = 'otp'")
            .await,
        1,
        "the session knows how strongly the person signed in"
    );
    // The same callback again (a replayed code and state) signs nobody in.
    let mut thief = app.client();
    let replay = thief.get(&callback).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST, "{}", replay.body);
    assert!(
        replay.contains("used already or is too old"),
        "{}",
        replay.body
    );
    let nobody = thief.get("/applications").await;
    assert_ne!(nobody.status, StatusCode::OK, "no session for the replay");

    // Signing out ends the provider's session too (RP-initiated logout).
    let home = portal.get("/").await;
    let out = portal
        .post("/sign-out", &[("csrf_token", &home.csrf())])
        .await;
    let to = out.location.unwrap();
    assert!(
        to.starts_with(&p.issuer),
        "to the provider's end-session endpoint: {to}"
    );
    assert!(to.contains("id_token_hint="));
}

async fn forged_and_cancelled_sign_ins_start_no_session(postgres: bool) {
    let Some((app, p)) = setup(postgres, &[]).await else {
        return;
    };
    let mut portal = app.client();
    // A state nobody issued.
    let forged = portal
        .get("/sign-in/test/callback?code=abc&state=made-up")
        .await;
    assert_eq!(forged.status, StatusCode::BAD_REQUEST, "{}", forged.body);
    // The person cancels at the provider.
    let mut idp = at_provider(&app);
    let leave = portal.get("/sign-in/test").await;
    let interaction = idp.get(&leave.location.unwrap()).await;
    let login = absolute(&p.issuer, interaction.location.as_deref().unwrap());
    let aborted = idp.post(&format!("{login}/abort"), &[]).await;
    let resume = absolute(&p.issuer, aborted.location.as_deref().unwrap());
    let back = idp.get(&resume).await.location.unwrap();
    let refused = portal.get(&path_of(&back)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(refused.contains("did not sign you in"));
    // A code from one sign-in brought back with the state of another (someone slipping their
    // own sign-in into another's browser): the nonce and the PKCE verifier of that state do
    // not fit the code, so it is refused.
    let mut victim = app.client();
    let mut attacker_idp = at_provider(&app);
    let mut attacker = app.client();
    let attackers = sign_in_at_provider(
        &mut attacker,
        &mut attacker_idp,
        &p.issuer,
        "/sign-in/test",
        "minimal",
        "password",
    )
    .await;
    let code = attackers
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("code="))
        .unwrap()
        .to_owned();
    let victims = victim.get("/sign-in/test").await.location.unwrap();
    let state = victims
        .split(['?', '&'])
        .find_map(|kv| kv.strip_prefix("state="))
        .unwrap()
        .to_owned();
    let mixed = victim
        .get(&format!("/sign-in/test/callback?code={code}&state={state}"))
        .await;
    assert_eq!(mixed.status, StatusCode::BAD_REQUEST, "{}", mixed.body);
    assert!(mixed.contains("could not be trusted"));
    // An unknown provider.
    assert_eq!(
        portal.get("/sign-in/nope").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

async fn keys_rotate_without_a_restart_and_a_retired_key_is_refused(postgres: bool) {
    let Some((app, p)) = setup(postgres, &[]).await else {
        return;
    };
    let admin = reqwest::Client::new();
    // The portal learns the first key at the first sign-in.
    let (mut portal, back) = fresh_sign_in(&app, &p, "citizen", "password").await;
    assert_eq!(
        portal.get(&path_of(&back)).await.status,
        StatusCode::SEE_OTHER
    );
    // The provider rotates its key: the next ID token names a key the portal has not seen;
    // it fetches the keys again and accepts it.
    admin
        .post(format!("{}/admin/rotate", p.issuer))
        .send()
        .await
        .unwrap();
    let (mut portal, back) = fresh_sign_in(&app, &p, "minimal", "password").await;
    let signed = portal.get(&path_of(&back)).await;
    assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);

    // The provider signs with a key it does not publish (a forged token, as far as anyone can
    // tell): the portal fetches the keys again, still finds no such key, and refuses.
    admin
        .post(format!("{}/admin/rotate?withhold=1", p.issuer))
        .send()
        .await
        .unwrap();
    let (mut portal, back) = fresh_sign_in(&app, &p, "citizen", "password").await;
    let refused = portal.get(&path_of(&back)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.contains("could not be trusted"));
    assert!(portal.get("/applications").await.status != StatusCode::OK);
}

async fn an_expired_id_token_is_refused(postgres: bool) {
    // The provider's clock is two hours behind: its ID tokens (valid an hour) have expired.
    let Some((app, p)) = setup(postgres, &[("OIDC_CLOCK_OFFSET", "-7200")]).await else {
        return;
    };
    let (mut portal, back) = fresh_sign_in(&app, &p, "citizen", "password").await;
    let refused = portal.get(&path_of(&back)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
}

async fn an_officer_s_agency_comes_from_the_provider(postgres: bool) {
    let Some((app, p)) = setup(postgres, &[]).await else {
        return;
    };
    let (mut portal, back) = fresh_sign_in(&app, &p, "officer", "e-signature").await;
    let signed = portal.get(&path_of(&back)).await;
    assert_eq!(signed.location.as_deref(), Some("/staff/applications"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE kind = 'officer' AND agency_code = 'civil-registry' AND pinfl = '42007851234560'").await,
        1
    );
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
    a_citizen_signs_in_and_comes_back_where_they_were_going,
    forged_and_cancelled_sign_ins_start_no_session,
    keys_rotate_without_a_restart_and_a_retired_key_is_refused,
    an_expired_id_token_is_refused,
    an_officer_s_agency_comes_from_the_provider
);
