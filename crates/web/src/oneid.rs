//! Signing in through OneID (sso.egov.uz), Uzbekistan's single identification system. OneID
//! borrows OAuth 2.0's words but is not OpenID Connect: no discovery, no ID token, no keys, no
//! PKCE, no nonce. One address answers four operations, told apart by a parameter:
//!
//! | operation | how | here |
//! |---|---|---|
//! | authorize | browser `GET ?response_type=one_code&client_id&redirect_uri&scope&state` | [`begin`] |
//! | code → token | `POST grant_type=one_authorization_code` (+ secret, code, redirect_uri) | [`finish`] |
//! | profile | `POST grant_type=one_access_token_identify` (the token as a form field) | [`finish`] |
//! | logout | `POST grant_type=one_log_out`, server to server only | [`log_out`] |
//!
//! With no signed token, what vouches for the person is the back channel: OneID's own address
//! over TLS and this system's `client_secret`. The published parameters are scattered and
//! sometimes contradict each other; each choice made where they do is said where it is made
//! (the sources are gathered in the protocol brief, section a).
//!
//! Configured as any provider (`[[identity.providers]]` with `kind = "oneid"`): `issuer` is
//! OneID's base address (`https://sso.egov.uz`), `client_id` and `client_secret` what OneID
//! issued, `scopes` OneID's scope.

use crate::oidc::{error_chain, ProviderConfig, SignInError, Verified, ATTEMPT_MINUTES};
use serde_json::{Map, Value as Json};
use std::time::Duration;
use yagona_core::{Phone, Pinfl};
use yagona_identity::{random_token, IdentityStore};
use yagona_registry::Assurance;

/// Where OneID answers all four operations, under its base address. Choice: one address for
/// all of them, as every source but one has it (one client uses separate `Access.do` and
/// `UserInfo.do`, which nothing else confirms); an `issuer` that already names a `….do`
/// address is taken as that address (older hosts such as `sso2.egov.uz:8443` differ only in
/// the base).
const ENDPOINT_PATH: &str = "/sso/oauth/Authorization.do";

/// `scopes` as `ProviderConfig` fills it when not set: OpenID Connect's, never OneID's.
const OPENID_DEFAULT_SCOPES: [&str; 3] = ["profile", "email", "phone"];

/// How OneID says the person signed in (`auth_method`), as the platform's levels of assurance
/// (`acr`, weakest first: `password` < `otp` < `e-signature`, the same names the OpenID
/// providers report). Mobile-ID (`MOBILEMETHOD`) is a SIM-based signature and could be read
/// higher; the brief's choice is `otp`. Anything else (`QR`, a method OneID adds later) gives
/// no level at all, so a service that asks for one asks the person to sign in again.
const ACR_OF_AUTH_METHOD: &[(&str, Assurance)] = &[
    ("LOGINPASSMETHOD", Assurance::Password),
    ("MOBILEMETHOD", Assurance::Otp),
    ("PKCSMETHOD", Assurance::ESignature),
    ("LEPKCSMETHOD", Assurance::ESignature),
];

/// The level of assurance a service may ask for that OneID is told to use (`auth_methods`):
/// only e-signature, with the person's own key (`PKCSMETHOD`). Choice: lower levels are not
/// asked for; an answer below the level asked is refused at the callback.
const E_SIGNATURE_METHOD: &str = "PKCSMETHOD";

/// How long a citizen's sign-out waits for OneID's `one_log_out` before going on without it.
const LOG_OUT_TIMEOUT: Duration = Duration::from_secs(5);

fn endpoint(config: &ProviderConfig) -> Result<url::Url, SignInError> {
    let base = config.issuer.trim_end_matches('/');
    let address = if base.ends_with(".do") {
        base.to_owned()
    } else {
        format!("{base}{ENDPOINT_PATH}")
    };
    url::Url::parse(&address)
        .map_err(|e| SignInError::Invalid(format!("OneID address {address:?}: {e}")))
}

/// OneID's `scope` is not a list of permissions but one value its administrator issues with
/// the client (often the client id itself, e.g. `scope=adp.gov.uz`; sometimes another, e.g.
/// `myportal`). Choice: `scopes` names it (`scopes = ["myportal"]`); left unset, it is the
/// client id.
fn scope(config: &ProviderConfig) -> String {
    if config.scopes.is_empty() || config.scopes == OPENID_DEFAULT_SCOPES {
        config.client_id.clone()
    } else {
        config.scopes.join(" ")
    }
}

fn client_secret(config: &ProviderConfig) -> Result<&str, SignInError> {
    config
        .client_secret
        .as_deref()
        .ok_or_else(|| SignInError::Invalid("OneID needs the client_secret it issued".into()))
}

/// The sign-in as OneID's level of assurance names it.
fn acr_of(auth_method: &str) -> Option<Assurance> {
    ACR_OF_AUTH_METHOD
        .iter()
        .find(|(m, _)| m.eq_ignore_ascii_case(auth_method.trim()))
        .map(|(_, acr)| *acr)
}

/// Starts a sign-in: keeps the attempt and returns OneID's authorization address. The state is
/// random and bound to the attempt kept here (one old sample packs the sign-in method into it;
/// that is not followed). OneID has neither nonce nor PKCE, so the attempt keeps both empty.
pub(crate) async fn begin(
    config: &ProviderConfig,
    store: &IdentityStore<'_>,
    redirect_uri: &str,
    next: &str,
    acr: Option<&str>,
) -> Result<String, SignInError> {
    let mut url = endpoint(config)?;
    let state = random_token();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "one_code")
            .append_pair("client_id", &config.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &scope(config))
            .append_pair("state", &state);
        if acr.and_then(Assurance::parse) == Some(Assurance::ESignature) {
            q.append_pair("auth_methods", E_SIGNATURE_METHOD);
        }
    }
    store
        .keep_attempt(&state, &config.id, "", "", next, acr)
        .await?;
    Ok(url.to_string())
}

/// Finishes a sign-in at the callback (`?code=…&state=…`): the attempt taken once, the code
/// exchanged for an access token (`one_authorization_code`), the profile read with it
/// (`one_access_token_identify`), and the profile read as OpenID Connect claims.
///
/// The result's `subject` is the PINFL: OneID's `user_id` is the person's login, which they can
/// change. Its `id_token` is OneID's access token (OneID has no ID token): kept only on the
/// session's row, for `one_log_out` at sign-out, never in a cookie or with the person.
pub(crate) async fn finish(
    config: &ProviderConfig,
    http: &reqwest::Client,
    store: &IdentityStore<'_>,
    redirect_uri: &str,
    code: &str,
    state: &str,
    iss: Option<&str>,
) -> Result<Verified, SignInError> {
    let attempt = store
        .take_attempt(
            state,
            &config.id,
            chrono::Duration::minutes(ATTEMPT_MINUTES),
        )
        .await?
        .ok_or(SignInError::BadState)?;
    // OneID sends no `iss`; one that comes anyway must name this provider (RFC 9207).
    let issuer = config.issuer.trim_end_matches('/').to_owned();
    if let Some(iss) = iss {
        if iss.trim_end_matches('/') != issuer {
            return Err(SignInError::Invalid(format!(
                "the answer names issuer {iss:?}, not {issuer:?}"
            )));
        }
    }
    // OneID's codes are base64 and may hold `+`, `/` and `=`; the code is opaque and decoded
    // once. A query decoder reads a bare `+` as a space, which a base64 code never holds, so a
    // space can only be a `+` that came unencoded.
    let code = code.replace(' ', "+");
    let endpoint = endpoint(config)?;
    let secret = client_secret(config)?;
    let scope = scope(config);
    // The code is good once: this call is never retried. Choice: every field in the form body
    // (some clients send them in the query string, which OneID also reads), so the secret
    // stays out of access logs.
    let token = call(
        http,
        &endpoint,
        "token request",
        &[
            ("grant_type", "one_authorization_code"),
            ("client_id", &config.client_id),
            ("client_secret", secret),
            ("code", &code),
            ("redirect_uri", redirect_uri),
        ],
    )
    .await?;
    let access_token = token
        .get("access_token")
        .and_then(Json::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| SignInError::Invalid("no access_token in OneID's token answer".into()))?;
    if let Some(kind) = token.get("token_type").and_then(Json::as_str) {
        if !kind.eq_ignore_ascii_case("bearer") {
            return Err(SignInError::Invalid(format!("token_type {kind:?}")));
        }
    }
    // Choice: `scope` is sent, as most clients do (one old client leaves it out).
    let profile = call(
        http,
        &endpoint,
        "profile request",
        &[
            ("grant_type", "one_access_token_identify"),
            ("client_id", &config.client_id),
            ("client_secret", secret),
            ("access_token", access_token),
            ("scope", &scope),
        ],
    )
    .await?;
    let pin = text(&profile, "pin")
        .ok_or_else(|| SignInError::NotAllowed("OneID's profile has no PINFL (pin)".into()))?;
    let pinfl = Pinfl::parse(&pin)
        .map_err(|_| SignInError::Invalid(format!("OneID's pin {pin:?} is not a PINFL")))?;
    let mut level = text(&profile, "auth_method").as_deref().and_then(acr_of);
    // An account OneID has not confirmed (by e-signature or Mobile-ID) vouches for no level:
    // its holder typed the identity in. `valid` comes as the string "true" in OneID's sample,
    // as a boolean elsewhere; both are read.
    if flag(profile.get("valid")) == Some(false) {
        level = None;
    }
    // Asked for a level of assurance, the answer must reach it (as for OpenID providers).
    crate::oidc::reaches(attempt.acr.as_deref(), level)?;
    let acr = level.map(|l| l.code().to_owned());
    let claims = claims(config, &profile, pinfl.as_str(), acr.as_deref());
    Ok(Verified {
        provider: config.id.clone(),
        issuer,
        subject: pinfl.as_str().to_owned(),
        acr,
        id_token: access_token.to_owned(),
        claims,
        next: attempt.next,
    })
}

/// Ends the person's OneID session too (`one_log_out`, server to server: OneID has no page to
/// send the browser to). Best effort, after this platform's own session has ended: a failure
/// is logged, never retried, and never stops the sign-out; OneID is waited for at most a few
/// seconds, so the next person at a shared computer does not find the last one still signed in
/// at OneID.
pub(crate) async fn log_out(config: &ProviderConfig, http: &reqwest::Client, access_token: &str) {
    if access_token.is_empty() {
        return;
    }
    let (Ok(endpoint), Ok(secret)) = (endpoint(config), client_secret(config)) else {
        return;
    };
    let scope = scope(config);
    let sent = http
        .post(endpoint)
        .timeout(LOG_OUT_TIMEOUT)
        .form(&[
            ("grant_type", "one_log_out"),
            ("client_id", &config.client_id),
            ("client_secret", secret),
            ("access_token", access_token),
            ("scope", &scope),
        ])
        .send()
        .await;
    match sent {
        Ok(r) if r.status().is_success() => {}
        Ok(r) => {
            tracing::warn!(provider = %config.id, status = %r.status(), "OneID's one_log_out refused")
        }
        Err(e) => {
            tracing::warn!(provider = %config.id, error = %error_chain(&e), "OneID's one_log_out failed")
        }
    }
}

/// One call to OneID's address, its answer read as a JSON object. OneID's errors are not
/// documented: clients look for a 400, an `error` field, or a `ret_cd` other than "0".
/// Choice: any of them refuses the sign-in; a connection that fails, or a 5xx, says OneID
/// cannot be reached.
async fn call(
    http: &reqwest::Client,
    endpoint: &url::Url,
    what: &str,
    form: &[(&str, &str)],
) -> Result<Map<String, Json>, SignInError> {
    let unreachable =
        |e: &reqwest::Error| SignInError::Unreachable(format!("{what}: {}", error_chain(e)));
    let resp = http
        .post(endpoint.clone())
        .form(form)
        .send()
        .await
        .map_err(|e| unreachable(&e))?;
    let status = resp.status();
    let body = resp.bytes().await.map_err(|e| unreachable(&e))?;
    if status.is_server_error() {
        return Err(SignInError::Unreachable(format!(
            "{what}: OneID answered {status}"
        )));
    }
    let json = serde_json::from_slice::<Map<String, Json>>(&body).ok();
    let error = json.as_ref().and_then(|j| {
        text(j, "error").map(|e| match text(j, "error_description") {
            Some(d) => format!("{e}: {d}"),
            None => e,
        })
    });
    if !status.is_success() {
        return Err(SignInError::Invalid(format!(
            "{what}: OneID answered {status} {}",
            error.unwrap_or_default()
        )));
    }
    let json = json.ok_or_else(|| {
        SignInError::Invalid(format!("{what}: OneID's answer is not a JSON object"))
    })?;
    if let Some(error) = error {
        return Err(SignInError::Invalid(format!("{what}: {error}")));
    }
    if let Some(code) = text(&json, "ret_cd") {
        if code != "0" {
            return Err(SignInError::Invalid(format!("{what}: ret_cd {code}")));
        }
    }
    Ok(json)
}

/// A field as text, trimmed; none when absent, null or empty. OneID sends most values as
/// strings, a few as numbers.
fn text(j: &Map<String, Json>, name: &str) -> Option<String> {
    match j.get(name)? {
        Json::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Json::Number(n) => Some(n.to_string()),
        Json::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A yes/no that OneID sends as a boolean or as the text "true"/"false".
fn flag(v: Option<&Json>) -> Option<bool> {
    match v? {
        Json::Bool(b) => Some(*b),
        Json::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Json::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// OneID's profile as OpenID Connect's claims, so that a person is kept the same way whichever
/// provider vouched for them.
fn claims(
    config: &ProviderConfig,
    profile: &Map<String, Json>,
    pinfl: &str,
    acr: Option<&str>,
) -> Map<String, Json> {
    let mut c = Map::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            c.insert(k.to_owned(), Json::String(v));
        }
    };
    put("sub", Some(pinfl.to_owned()));
    put(&config.pinfl_claim, Some(pinfl.to_owned()));
    // Choice: `sur_name` is the family name, `first_name` the given name, `mid_name` the
    // patronymic, as every source but one reads them (that one swaps surname and patronymic).
    // `full_name` ("Surname Given Patronymic") is the name as a whole and never split.
    let family = text(profile, "sur_name").map(|n| display_name(&n));
    let given = text(profile, "first_name").map(|n| display_name(&n));
    let middle = text(profile, "mid_name").map(|n| display_name(&n));
    let full = text(profile, "full_name")
        .map(|n| display_name(&n))
        .or_else(|| {
            let parts: Vec<&str> = [&family, &given, &middle]
                .into_iter()
                .filter_map(|p| p.as_deref())
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        });
    put("name", full);
    put("family_name", family);
    put("given_name", given);
    put("middle_name", middle);
    put(
        "birthdate",
        text(profile, "birth_date").and_then(|d| birthdate(&d)),
    );
    put("email", text(profile, "email"));
    // Uzbek numbers in one form (+998…); any other kept as OneID gave it.
    put(
        "phone_number",
        text(profile, "mob_phone_no")
            .map(|p| Phone::parse(&p).map(|p| p.as_str().to_owned()).unwrap_or(p)),
    );
    put("acr", acr.map(str::to_owned));
    // The organisations the person may act for: `le_tin` and `le_name` of each, `is_basic`
    // marking the main one (the entry's own `tin` and `acron_UZ` are not needed here).
    let entities: Vec<Json> = profile
        .get("legal_info")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let e = e.as_object()?;
            let tin = text(e, "le_tin")?;
            Some(serde_json::json!({
                "tin": tin,
                "name": text(e, "le_name").unwrap_or_default(),
                "is_basic": flag(e.get("is_basic")).unwrap_or(false),
            }))
        })
        .collect();
    if !entities.is_empty() {
        c.insert("legal_entities".into(), Json::Array(entities));
    }
    c
}

/// A name as people read it: OneID sends names in capitals (`KARIMOV`, `BAXTIYOR O'G'LI`),
/// shown title-cased (`Karimov`, `Baxtiyor O'g'li`: a letter after an apostrophe stays small).
/// A name that already has small letters is left as it is.
fn display_name(name: &str) -> String {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.chars().any(char::is_lowercase) {
        return name;
    }
    let mut out = String::with_capacity(name.len());
    let mut word_start = true;
    for ch in name.chars() {
        if word_start && ch.is_alphabetic() {
            out.extend(ch.to_uppercase());
            word_start = false;
        } else {
            out.extend(ch.to_lowercase());
        }
        if ch == ' ' || ch == '-' {
            word_start = true;
        }
    }
    out
}

/// OneID's birth date in either of the forms it comes in, `YYYYMMDD` or `YYYY-MM-DD`, as
/// `YYYY-MM-DD`; none when it is neither (the sign-in goes on without it).
fn birthdate(d: &str) -> Option<String> {
    let format = if d.len() == 8 { "%Y%m%d" } else { "%Y-%m-%d" };
    chrono::NaiveDate::parse_from_str(d, format)
        .ok()
        .map(|d| d.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config() -> ProviderConfig {
        serde_json::from_value(json!({
            "id": "oneid", "kind": "oneid", "label": "OneID", "issuer": "https://sso.egov.uz/",
            "client_id": "my.gov.uz", "client_secret": "s",
        }))
        .unwrap()
    }

    #[test]
    fn one_address_answers_every_operation() {
        assert_eq!(
            endpoint(&config()).unwrap().as_str(),
            "https://sso.egov.uz/sso/oauth/Authorization.do"
        );
        let mut old = config();
        old.issuer = "https://sso2.egov.uz:8443/sso/oauth/Authorization.do".into();
        assert_eq!(endpoint(&old).unwrap().as_str(), old.issuer);
    }

    #[test]
    fn the_scope_is_the_client_id_unless_one_is_configured() {
        let mut c = config();
        assert_eq!(scope(&c), "my.gov.uz");
        c.scopes = vec!["myportal".into()];
        assert_eq!(scope(&c), "myportal");
    }

    #[test]
    fn birth_dates_come_in_either_form() {
        assert_eq!(birthdate("19900827").as_deref(), Some("1990-08-27"));
        assert_eq!(birthdate("1990-08-27").as_deref(), Some("1990-08-27"));
        assert_eq!(birthdate("19901327"), None);
        assert_eq!(birthdate("27.08.1990"), None);
    }

    #[test]
    fn capital_names_are_title_cased_keeping_the_apostrophe_s_letter_small() {
        assert_eq!(display_name("BAXTIYOR  O'G'LI"), "Baxtiyor O'g'li");
        assert_eq!(display_name("TO'XTASINOV"), "To'xtasinov");
        assert_eq!(display_name("ABDULLA-XO'JA"), "Abdulla-Xo'ja");
        assert_eq!(display_name("McLean"), "McLean");
    }

    #[test]
    fn the_way_of_signing_in_is_a_level_of_assurance() {
        assert_eq!(acr_of("LOGINPASSMETHOD"), Some(Assurance::Password));
        assert_eq!(acr_of("MOBILEMETHOD"), Some(Assurance::Otp));
        assert_eq!(acr_of("PKCSMETHOD"), Some(Assurance::ESignature));
        assert_eq!(acr_of("LEPKCSMETHOD"), Some(Assurance::ESignature));
        assert_eq!(acr_of("QR"), None);
    }

    #[test]
    fn the_profile_reads_as_openid_claims() {
        let profile = json!({
            "pin": "32708901234561", "user_id": "alisher", "sur_name": "TOSHMATOV",
            "first_name": "ALISHER", "mid_name": "BAXTIYOR O'G'LI", "full_name": "",
            "birth_date": "19900827", "email": "", "mob_phone_no": "998 90 111 22 33",
            "legal_info": [
                {"is_basic": "true", "tin": "512345678", "acron_UZ": "MChJ", "le_tin": "305123456", "le_name": "TOSHMATOV SAVDO MChJ"},
                {"is_basic": false, "le_name": "no TIN: left out"}
            ]
        });
        let c = claims(
            &config(),
            profile.as_object().unwrap(),
            "32708901234561",
            Some("otp"),
        );
        assert_eq!(c["pinfl"], "32708901234561");
        assert_eq!(c["name"], "Toshmatov Alisher Baxtiyor O'g'li");
        assert_eq!(c["family_name"], "Toshmatov");
        assert_eq!(c["middle_name"], "Baxtiyor O'g'li");
        assert_eq!(c["birthdate"], "1990-08-27");
        assert_eq!(c["phone_number"], "+998901112233");
        assert!(!c.contains_key("email"), "an empty e-mail is no e-mail");
        assert_eq!(c["acr"], "otp");
        assert_eq!(
            c["legal_entities"],
            json!([{"tin": "305123456", "name": "TOSHMATOV SAVDO MChJ", "is_basic": true}])
        );
    }
}
