//! The demo's identity provider, an OpenID provider in its own right: `yagona demo` signs its
//! made-up people in through the same relying party (`crate::oidc`) as OneID or any provider a
//! deployment configures — discovery, PKCE, nonce, a signed ID token, userinfo, logout — so
//! the demo exercises the real path and needs nothing else running.
//!
//! Its authorization endpoint is the sign-in page itself (`/sign-in`): asked with the OpenID
//! parameters, the page lists the personas and the ways to sign in (password, one-time code,
//! e-signature key: the `acr` the ID token reports); choosing one grants a code, kept hashed
//! in `demo_idp_grants`, good once for a minute. The rest lives under `/demo-idp`. ID tokens
//! are signed with an Ed25519 key whose seed is a node secret, so every node of one database
//! signs alike. Only where the demo identity provider is switched on.

use crate::context::Ctx;
use crate::oidc::{ProviderConfig, ProviderKind};
use crate::render::{error_page, PageError};
use crate::Pages;
use axum::extract::{Query, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use openidconnect::core::{
    CoreEdDsaPrivateSigningKey, CoreGenderClaim, CoreJsonWebKeySet,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
};
use openidconnect::{
    AccessToken, Audience, AuthenticationContextClass, EndUserName, IdToken, IdTokenClaims,
    IssuerUrl, JsonWebKeyId, LocalizedClaim, Nonce, PrivateSigningKey, StandardClaims,
    SubjectIdentifier,
};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::Arc;
use yagona_identity::{demo, random_token, IdentityStore, Role, User};

/// The relying party's client at the demo provider.
pub const CLIENT_ID: &str = "yagona-demo";
/// The provider's id in the portal's addresses (`/sign-in/demo/callback`).
pub const PROVIDER: &str = "demo";
/// The ways a demo person can say they signed in, weakest first.
pub const LEVELS: [&str; 3] = ["password", "otp", "e-signature"];
/// How long a code may wait to be exchanged.
const CODE_SECONDS: i64 = 60;
/// How long an ID token and an access token last.
const TOKEN_MINUTES: i64 = 10;

pub fn issuer(public_url: &str) -> String {
    format!("{}/demo-idp", public_url.trim_end_matches('/'))
}

fn callback(public_url: &str) -> String {
    format!(
        "{}/sign-in/{PROVIDER}/callback",
        public_url.trim_end_matches('/')
    )
}

/// The demo provider as the relying party is configured with it: its people are kept under
/// the demo's own name, and its staff claims make officers, operators and administrators.
pub fn provider(public_url: &str, client_secret: String) -> ProviderConfig {
    ProviderConfig {
        id: PROVIDER.into(),
        kind: ProviderKind::Openid,
        label: "Demo ID".into(),
        issuer: issuer(public_url),
        client_id: CLIENT_ID.into(),
        client_secret: Some(client_secret),
        scopes: vec!["profile".into()],
        pinfl_claim: "pinfl".into(),
        staff_roles: ["officer", "operator", "admin"]
            .into_iter()
            .map(|r| (r.to_owned(), r.to_owned()))
            .collect(),
        role_claim: "yagona_role".into(),
        agency_claim: "yagona_agency".into(),
        acr_values: LEVELS.iter().map(|l| (*l).to_owned()).collect(),
        account_namespace: Some(demo::IDP.into()),
    }
}

/// The client secret, a node secret every node of the database shares.
pub async fn client_secret(store: &IdentityStore<'_>) -> anyhow::Result<String> {
    Ok(URL_SAFE_NO_PAD.encode(store.secret("demo-idp-client").await?))
}

fn public_url(state: &Pages) -> Option<&str> {
    state
        .config
        .public_url
        .as_deref()
        .filter(|_| state.config.demo_sign_in)
}

/// The signing key: Ed25519 from the node secret's seed.
async fn signing_key(state: &Pages) -> anyhow::Result<CoreEdDsaPrivateSigningKey> {
    use ed25519_dalek::pkcs8::{spki::der::pem::LineEnding, EncodePrivateKey};
    let seed = IdentityStore { db: &state.db }
        .secret("demo-idp-ed25519")
        .await?;
    let seed: [u8; 32] = seed
        .get(..32)
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| anyhow::anyhow!("the demo provider's key seed is not 32 bytes"))?;
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let kid = hex8(key.verifying_key().as_bytes());
    CoreEdDsaPrivateSigningKey::from_ed25519_pem(&pem, Some(JsonWebKeyId::new(kid)))
        .map_err(|e| anyhow::anyhow!(e))
}

fn hex8(bytes: &[u8]) -> String {
    Sha256::digest(bytes)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// `GET /demo-idp/.well-known/openid-configuration`.
pub async fn discovery(State(state): State<Arc<Pages>>) -> Response {
    let Some(base) = public_url(&state) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let iss = issuer(base);
    Json(json!({
        "issuer": iss,
        "authorization_endpoint": format!("{}/sign-in", base.trim_end_matches('/')),
        "token_endpoint": format!("{iss}/token"),
        "userinfo_endpoint": format!("{iss}/userinfo"),
        "jwks_uri": format!("{iss}/jwks"),
        "end_session_endpoint": format!("{iss}/end-session"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["openid", "profile"],
        "claims_supported": ["sub", "name", "pinfl", "yagona_role", "yagona_agency", "acr", "auth_time"],
        "acr_values_supported": LEVELS,
    }))
    .into_response()
}

/// `GET /demo-idp/jwks`.
pub async fn jwks(State(state): State<Arc<Pages>>) -> Response {
    if public_url(&state).is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    match signing_key(&state).await {
        Ok(key) => Json(CoreJsonWebKeySet::new(vec![key.as_verification_key()])).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "demo provider key");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The OpenID parameters of an authorization request to the demo provider.
#[derive(Deserialize, Serialize, Default, Debug, Clone)]
pub struct AuthorizeQuery {
    #[serde(default)]
    pub response_type: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub redirect_uri: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub code_challenge: String,
    #[serde(default)]
    pub code_challenge_method: String,
    #[serde(default)]
    pub acr_values: Option<String>,
}

impl AuthorizeQuery {
    /// Whether a request is addressed to the demo provider at all.
    pub fn is_authorization(&self) -> bool {
        self.client_id == CLIENT_ID
    }

    /// What is wrong with the request, if anything. The client and where it goes back must
    /// be exactly the portal's, so a code never goes anywhere else.
    fn problem(&self, public_url: &str) -> Option<&'static str> {
        if self.response_type != "code" {
            Some("response_type must be code")
        } else if self.redirect_uri != callback(public_url) {
            Some("redirect_uri is not the portal's")
        } else if self.state.is_empty() {
            Some("state is missing")
        } else if self.code_challenge.len() < 43 || self.code_challenge_method != "S256" {
            Some("a PKCE S256 code challenge is required")
        } else {
            None
        }
    }

    /// The level asked for: the first of `acr_values` the provider knows.
    fn wanted_level(&self) -> &'static str {
        self.acr_values
            .as_deref()
            .unwrap_or("")
            .split_whitespace()
            .find_map(|a| LEVELS.iter().find(|l| **l == a).copied())
            .unwrap_or(LEVELS[0])
    }
}

/// What the sign-in page shows as the demo provider's: the personas, the levels, and the
/// request's parameters to carry through the form. `None` when the request is not valid.
pub fn authorization_page(state: &Pages, q: &AuthorizeQuery) -> Result<Value, &'static str> {
    let base = public_url(state).ok_or("the demo identity provider is off")?;
    if let Some(problem) = q.problem(base) {
        return Err(problem);
    }
    let wanted = q.wanted_level();
    let levels: Vec<Value> = LEVELS
        .iter()
        .map(|l| json!({"value": l, "checked": *l == wanted}))
        .collect();
    let mut hidden = BTreeMap::new();
    hidden.insert("client_id", q.client_id.clone());
    hidden.insert("response_type", q.response_type.clone());
    hidden.insert("redirect_uri", q.redirect_uri.clone());
    hidden.insert("state", q.state.clone());
    hidden.insert("code_challenge", q.code_challenge.clone());
    hidden.insert("code_challenge_method", q.code_challenge_method.clone());
    if let Some(n) = &q.nonce {
        hidden.insert("nonce", n.clone());
    }
    Ok(json!({"levels": levels, "hidden": hidden}))
}

/// `POST /sign-in` with a persona: the demo provider signs the person in and sends the browser
/// back with a code.
pub async fn login(state: &Pages, ctx: &Ctx, form: &crate::form::VerifiedForm) -> Response {
    let Some(base) = public_url(state) else {
        return error_page(state, ctx, PageError::NotFound);
    };
    let field = |k: &str| form.get(k).unwrap_or("").to_owned();
    let q = AuthorizeQuery {
        response_type: field("response_type"),
        client_id: field("client_id"),
        redirect_uri: field("redirect_uri"),
        state: field("state"),
        nonce: form.get("nonce").map(str::to_owned),
        code_challenge: field("code_challenge"),
        code_challenge_method: field("code_challenge_method"),
        acr_values: None,
    };
    if !q.is_authorization() || q.problem(base).is_some() {
        return error_page(state, ctx, PageError::BadRequest);
    }
    let store = IdentityStore { db: &state.db };
    let person = match store
        .find_by_subject(demo::IDP, form.get("persona").unwrap_or(""))
        .await
    {
        Ok(Some(u)) => u,
        Ok(None) => return error_page(state, ctx, PageError::BadRequest),
        Err(e) => {
            tracing::error!(error = %e, "demo provider lookup");
            return error_page(state, ctx, PageError::Internal);
        }
    };
    let level = LEVELS
        .iter()
        .find(|l| form.get("acr") == Some(**l))
        .copied()
        .unwrap_or(LEVELS[0]);
    let code = random_token();
    if let Err(e) = store
        .demo_grant(
            &code,
            &person.subject,
            &q.redirect_uri,
            q.nonce.as_deref(),
            &q.code_challenge,
            level,
        )
        .await
    {
        tracing::error!(error = %e, "demo provider grant");
        return error_page(state, ctx, PageError::Internal);
    }
    let mut to = match url::Url::parse(&q.redirect_uri) {
        Ok(u) => u,
        Err(_) => return error_page(state, ctx, PageError::BadRequest),
    };
    to.query_pairs_mut()
        .append_pair("code", &code)
        .append_pair("state", &q.state)
        .append_pair("iss", &issuer(base));
    Redirect::to(to.as_str()).into_response()
}

/// An OAuth error answer (RFC 6749 §5.2).
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        [(CACHE_CONTROL, "no-store")],
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// The client's credentials: HTTP Basic (form-urlencoded parts) or in the body.
fn client_credentials(headers: &HeaderMap, form: &Map<String, Value>) -> Option<(String, String)> {
    if let Some(basic) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        let decoded = String::from_utf8(STANDARD.decode(basic.trim()).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        let unescape = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        };
        return Some((unescape(id)?, unescape(secret)?));
    }
    let get = |k: &str| form.get(k).and_then(Value::as_str).map(str::to_owned);
    Some((get("client_id")?, get("client_secret")?))
}

#[derive(Debug, Serialize, Deserialize)]
struct StaffClaims {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pinfl: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    yagona_role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    yagona_agency: Option<String>,
}

impl openidconnect::AdditionalClaims for StaffClaims {}

fn staff_claims(user: &User) -> StaffClaims {
    let role = match user.role {
        Role::Citizen => None,
        Role::Officer => Some("officer"),
        Role::Operator => Some("operator"),
        Role::Admin => Some("admin"),
    };
    StaffClaims {
        pinfl: user.pinfl.as_ref().map(|p| p.as_str().to_owned()),
        yagona_role: role.map(str::to_owned),
        yagona_agency: user.officer_agency().map(str::to_owned),
    }
}

/// `POST /demo-idp/token`: a code (once, within a minute, with its PKCE verifier) for an ID
/// token and an access token.
pub async fn token(
    State(state): State<Arc<Pages>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some(base) = public_url(&state) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // A body that is not a form gets OAuth's own error, not the framework's.
    let Ok(form) = serde_urlencoded::from_bytes::<Map<String, Value>>(&body) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body is not a form",
        );
    };
    let store = IdentityStore { db: &state.db };
    let secret = match client_secret(&store).await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "demo provider secret");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let authenticated = client_credentials(&headers, &form)
        .is_some_and(|(id, s)| id == CLIENT_ID && constant_eq(s.as_bytes(), secret.as_bytes()));
    if !authenticated {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "unknown client or wrong secret",
        );
    }
    let get = |k: &str| form.get(k).and_then(Value::as_str).unwrap_or("");
    if get("grant_type") != "authorization_code" {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only authorization_code",
        );
    }
    let access = random_token();
    let grant = match store.demo_redeem(get("code"), &access).await {
        Ok(Some(g)) => g,
        Ok(None) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "unknown or used code",
            )
        }
        Err(e) => {
            tracing::error!(error = %e, "demo provider redeem");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let now = chrono::Utc::now();
    if now - grant.created_at > chrono::Duration::seconds(CODE_SECONDS) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the code has expired",
        );
    }
    if get("redirect_uri") != grant.redirect_uri {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "redirect_uri differs",
        );
    }
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(get("code_verifier").as_bytes()));
    if !constant_eq(challenge.as_bytes(), grant.challenge.as_bytes()) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "PKCE verifier does not match",
        );
    }
    let user = match store.find_by_subject(demo::IDP, &grant.subject).await {
        Ok(Some(u)) => u,
        _ => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "the person is gone",
            )
        }
    };
    let key = match signing_key(&state).await {
        Ok(k) => k,
        Err(e) => {
            tracing::error!(error = %e, "demo provider key");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let Ok(iss) = IssuerUrl::new(issuer(base)) else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut name = LocalizedClaim::new();
    name.insert(None, EndUserName::new(user.name.clone()));
    let claims = IdTokenClaims::new(
        iss,
        vec![Audience::new(CLIENT_ID.into())],
        now + chrono::Duration::minutes(TOKEN_MINUTES),
        now,
        StandardClaims::new(SubjectIdentifier::new(user.subject.clone())).set_name(Some(name)),
        staff_claims(&user),
    )
    .set_nonce(grant.nonce.clone().map(Nonce::new))
    .set_auth_context_ref(Some(AuthenticationContextClass::new(grant.acr.clone())))
    .set_auth_time(Some(grant.created_at));
    let access_token = AccessToken::new(access.clone());
    let id_token = IdToken::<
        StaffClaims,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >::new(
        claims,
        &key,
        CoreJwsSigningAlgorithm::EdDsa,
        Some(&access_token),
        None,
    );
    match id_token {
        Ok(t) => (
            [(CACHE_CONTROL, "no-store")],
            Json(json!({
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": TOKEN_MINUTES * 60,
                "id_token": t.to_string(),
            })),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "demo provider signing");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Secrets and PKCE challenges are compared in constant time (`subtle`).
fn constant_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

/// `GET /demo-idp/userinfo` with the access token.
pub async fn userinfo(State(state): State<Arc<Pages>>, headers: HeaderMap) -> Response {
    if public_url(&state).is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let unauthorized = || {
        (
            StatusCode::UNAUTHORIZED,
            [(WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
        )
            .into_response()
    };
    let Some(token) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return unauthorized();
    };
    let store = IdentityStore { db: &state.db };
    let Ok(Some(subject)) = store.demo_token_subject(token.trim()).await else {
        return unauthorized();
    };
    match store.find_by_subject(demo::IDP, &subject).await {
        Ok(Some(user)) => {
            let mut claims = serde_json::to_value(staff_claims(&user))
                .ok()
                .and_then(|v| v.as_object().cloned())
                .unwrap_or_default();
            claims.insert("sub".into(), json!(user.subject));
            claims.insert("name".into(), json!(user.name));
            Json(Value::Object(claims)).into_response()
        }
        _ => unauthorized(),
    }
}

#[derive(Deserialize)]
pub struct EndSession {
    #[serde(default)]
    post_logout_redirect_uri: Option<String>,
}

/// `GET /demo-idp/end-session`: the demo provider keeps no session of its own; back to the
/// portal's front page (only ever there).
pub async fn end_session(State(state): State<Arc<Pages>>, Query(q): Query<EndSession>) -> Response {
    let Some(base) = public_url(&state) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let home = format!("{}/", base.trim_end_matches('/'));
    let to = match q.post_logout_redirect_uri {
        Some(u) if u == home => u,
        _ => "/".to_owned(),
    };
    Redirect::to(&to).into_response()
}
