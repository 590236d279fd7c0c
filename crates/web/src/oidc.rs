//! The OpenID Connect relying party (an edge: it speaks HTTP to the providers; the attempts and
//! people it resolves are kept by `yagona_identity`). Signing in through OpenID Connect
//! providers (OneID's own OAuth 2.0 flavour aside): the
//! Authorization Code flow with PKCE (S256), `state` and `nonce`, the ID token checked against
//! the provider's JWKS (issuer, audience, expiry, signature, nonce), userinfo, and RP-initiated
//! logout. Several providers at once, each configured in `yagona.toml` (`[[identity.providers]]`):
//! the citizens' and each agency's own.
//!
//! A sign-in attempt is kept in the database (`sign_in_attempts`, the state only as a hash), so
//! any node can finish what another began and a state is good once: a replayed callback finds
//! it used. The provider's metadata and keys are fetched on first use and again when a token
//! names a key not seen yet, so a provider's key rotation needs no restart.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata,
};
use openidconnect::{
    AuthenticationContextClass, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret,
    CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, TokenResponse,
};
use serde::Deserialize;
use serde_json::{Map, Value as Json};
use std::time::{Duration, Instant};
use yagona_core::Pinfl;
use yagona_db::DbError;
use yagona_identity::{random_token, IdentityStore, Role, User};

/// How long a sign-in may take between leaving for the provider and coming back.
pub const ATTEMPT_MINUTES: i64 = 10;

/// How long a provider's metadata and keys are used before they are fetched again.
const METADATA_TTL: Duration = Duration::from_secs(3600);

/// One provider, as `[[identity.providers]]` in `yagona.toml` configures it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// The provider's name in addresses: `/sign-in/{id}`, `/sign-in/{id}/callback`.
    pub id: String,
    /// The protocol: OpenID Connect (default), or OneID's own OAuth 2.0 flavour.
    #[serde(default)]
    pub kind: ProviderKind,
    /// What the sign-in page's button says, e.g. "OneID" or "Adliya vazirligi xodimlari".
    pub label: String,
    /// The issuer; its `/.well-known/openid-configuration` says the rest.
    pub issuer: String,
    pub client_id: String,
    /// None: a public client (PKCE alone).
    pub client_secret: Option<String>,
    /// Scopes beyond `openid` (default: `profile`, `email`, `phone`).
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// The claim that carries the PINFL (default `pinfl`).
    #[serde(default = "default_pinfl_claim")]
    pub pinfl_claim: String,
    /// Which values of the claim `role_claim` make a person staff of this platform, and what
    /// staff: `officer` (with the claim `agency_claim` naming the agency), `operator` or
    /// `admin`, e.g. `{ registrar = "officer" }`. Empty (the default): nobody this provider
    /// signs in is staff, only citizens with a PINFL.
    #[serde(default)]
    pub staff_roles: std::collections::BTreeMap<String, String>,
    #[serde(default = "default_role_claim")]
    pub role_claim: String,
    #[serde(default = "default_agency_claim")]
    pub agency_claim: String,
    /// The levels of assurance (`acr`) this provider reports, weakest first, e.g.
    /// `["password", "otp", "e-signature"]`.
    #[serde(default)]
    pub acr_values: Vec<String>,
    /// The name people of this provider are kept under (default: its issuer).
    #[serde(default)]
    pub account_namespace: Option<String>,
}

/// Which protocol a provider speaks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// OpenID Connect: discovery, ID tokens, JWKS.
    #[default]
    Openid,
    /// Uzbekistan's OneID (sso.egov.uz): OAuth 2.0 with its own grants and profile, no ID token.
    Oneid,
}

fn default_scopes() -> Vec<String> {
    vec!["profile".into(), "email".into(), "phone".into()]
}
fn default_pinfl_claim() -> String {
    "pinfl".into()
}
fn default_role_claim() -> String {
    "yagona_role".into()
}
fn default_agency_claim() -> String {
    "yagona_agency".into()
}

/// Why a sign-in did not happen. None of them starts a session.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("no sign-in provider {0:?}")]
    UnknownProvider(String),
    /// The callback's `state` names no attempt, one already used, or one too old.
    #[error("the sign-in request is unknown, used already or too old")]
    BadState,
    /// The person cancelled, or the provider refused (its `error` parameter).
    #[error("the provider did not sign the person in: {0}")]
    Refused(String),
    #[error("the provider cannot be reached: {0}")]
    Unreachable(String),
    /// The provider's answer fails a check: the code, the ID token, its signature or nonce.
    #[error("the provider's answer is not acceptable: {0}")]
    Invalid(String),
    /// The provider signed the person in less surely than the service asked (the level).
    #[error("signed in less surely than asked ({0})")]
    TooWeak(String),
    /// Signed in at the provider, but not someone this provider may sign in here (no PINFL).
    #[error("not allowed: {0}")]
    NotAllowed(String),
    /// This client started too many sign-ins lately.
    #[error("too many sign-ins from this client")]
    TooMany,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A person a provider vouched for.
#[derive(Debug, Clone)]
pub struct Verified {
    pub provider: String,
    pub issuer: String,
    pub subject: String,
    /// The level of assurance the provider reports.
    pub acr: Option<String>,
    /// The ID token as received (for RP-initiated logout's `id_token_hint`); for OneID, which
    /// has none, its access token (for `one_log_out`).
    pub id_token: String,
    /// The ID token's claims with userinfo's on top.
    pub claims: Map<String, Json>,
    /// Where the person was going.
    pub next: String,
}

struct Provider {
    config: ProviderConfig,
    metadata: tokio::sync::RwLock<Option<(CoreProviderMetadata, Instant)>>,
}

/// The configured providers.
pub struct Providers {
    list: Vec<Provider>,
    http: reqwest::Client,
}

impl Providers {
    /// Checks the configuration (ids unique and address-safe, issuers URLs); nothing is fetched.
    pub fn new(configs: Vec<ProviderConfig>) -> Result<Providers, String> {
        let mut seen = std::collections::HashSet::new();
        for c in &configs {
            if c.id.is_empty()
                || !c
                    .id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(format!(
                    "provider id {:?}: letters, digits, - and _ only",
                    c.id
                ));
            }
            if !seen.insert(c.id.clone()) {
                return Err(format!("provider id {:?} twice", c.id));
            }
            IssuerUrl::new(c.issuer.clone())
                .map_err(|e| format!("provider {:?}: issuer {:?}: {e}", c.id, c.issuer))?;
        }
        // Redirects are not followed: a provider's endpoints answer where they are (SSRF).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Providers {
            list: configs
                .into_iter()
                .map(|config| Provider {
                    config,
                    metadata: tokio::sync::RwLock::new(None),
                })
                .collect(),
            http,
        })
    }

    pub fn configs(&self) -> impl Iterator<Item = &ProviderConfig> {
        self.list.iter().map(|p| &p.config)
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    fn provider(&self, id: &str) -> Result<&Provider, SignInError> {
        self.list
            .iter()
            .find(|p| p.config.id == id)
            .ok_or_else(|| SignInError::UnknownProvider(id.to_owned()))
    }

    /// The provider's metadata with its keys: cached, or fetched (again when `fresh`).
    async fn metadata(
        &self,
        p: &Provider,
        fresh: bool,
    ) -> Result<CoreProviderMetadata, SignInError> {
        if !fresh {
            if let Some((m, at)) = p.metadata.read().await.as_ref() {
                if at.elapsed() < METADATA_TTL {
                    return Ok(m.clone());
                }
            }
        }
        let issuer = IssuerUrl::new(p.config.issuer.clone())
            .map_err(|e| SignInError::Invalid(e.to_string()))?;
        let m = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| SignInError::Unreachable(error_chain(&e)))?;
        *p.metadata.write().await = Some((m.clone(), Instant::now()));
        Ok(m)
    }

    fn client(
        p: &Provider,
        m: CoreProviderMetadata,
        redirect_uri: &str,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        SignInError,
    > {
        let redirect = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|e| SignInError::Invalid(format!("redirect URI: {e}")))?;
        Ok(CoreClient::from_provider_metadata(
            m,
            ClientId::new(p.config.client_id.clone()),
            p.config.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
    }

    /// The ID-token check: the provider's asymmetric algorithms (RS256 when it names none).
    fn verifier<'a>(
        client: &'a CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        algs: &[CoreJwsSigningAlgorithm],
    ) -> openidconnect::core::CoreIdTokenVerifier<'a> {
        let verifier = client.id_token_verifier();
        if algs.is_empty() {
            verifier
        } else {
            verifier.set_allowed_algs(algs.iter().cloned())
        }
    }

    /// Starts a sign-in: keeps the attempt (state, nonce, PKCE verifier, where to go after)
    /// and returns the provider's authorization address to send the browser to. `acr`: the
    /// level of assurance to ask for.
    pub async fn begin(
        &self,
        store: &IdentityStore<'_>,
        provider: &str,
        redirect_uri: &str,
        next: &str,
        acr: Option<&str>,
    ) -> Result<String, SignInError> {
        let p = self.provider(provider)?;
        if p.config.kind == ProviderKind::Oneid {
            return crate::oneid::begin(&p.config, store, redirect_uri, next, acr).await;
        }
        let client = Self::client(p, self.metadata(p, false).await?, redirect_uri)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                || CsrfToken::new(random_token()),
                || Nonce::new(random_token()),
            )
            .set_pkce_challenge(challenge);
        for s in &p.config.scopes {
            request = request.add_scope(Scope::new(s.clone()));
        }
        if let Some(acr) = acr {
            request = request.add_auth_context_value(AuthenticationContextClass::new(acr.into()));
        }
        let (url, state, nonce) = request.url();
        store
            .keep_attempt(
                state.secret(),
                provider,
                nonce.secret(),
                verifier.secret(),
                next,
                acr,
            )
            .await?;
        Ok(url.to_string())
    }

    /// Finishes a sign-in at the callback: the attempt is taken (once), the code exchanged with
    /// the PKCE verifier, the ID token checked (a key not seen yet makes the keys fetched again,
    /// once), userinfo read. `iss` is the callback's `iss` parameter where the provider sends
    /// one (RFC 9207): it must be the provider's issuer.
    pub async fn finish(
        &self,
        store: &IdentityStore<'_>,
        provider: &str,
        redirect_uri: &str,
        code: &str,
        state: &str,
        iss: Option<&str>,
    ) -> Result<Verified, SignInError> {
        let p = self.provider(provider)?;
        if p.config.kind == ProviderKind::Oneid {
            return crate::oneid::finish(
                &p.config,
                &self.http,
                store,
                redirect_uri,
                code,
                state,
                iss,
            )
            .await;
        }
        // Only one callback can use an attempt.
        let attempt = store
            .take_attempt(state, provider, chrono::Duration::minutes(ATTEMPT_MINUTES))
            .await?
            .ok_or(SignInError::BadState)?;
        if let Some(iss) = iss {
            if iss.trim_end_matches('/') != p.config.issuer.trim_end_matches('/') {
                return Err(SignInError::Invalid(format!(
                    "the answer names issuer {iss:?}, not {:?}",
                    p.config.issuer
                )));
            }
        }
        let metadata = self.metadata(p, false).await?;
        // The signature algorithms the provider says it signs ID tokens with (asymmetric only).
        let metadata_algs: Vec<CoreJwsSigningAlgorithm> = metadata
            .id_token_signing_alg_values_supported()
            .iter()
            .filter(|a| {
                !matches!(
                    a,
                    CoreJwsSigningAlgorithm::None
                        | CoreJwsSigningAlgorithm::HmacSha256
                        | CoreJwsSigningAlgorithm::HmacSha384
                        | CoreJwsSigningAlgorithm::HmacSha512
                )
            })
            .cloned()
            .collect();
        let client = Self::client(p, metadata, redirect_uri)?;
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| SignInError::Invalid(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(attempt.verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| SignInError::Invalid(format!("token request: {}", error_chain(&e))))?;
        let id_token = token
            .id_token()
            .ok_or_else(|| SignInError::Invalid("no ID token in the token response".into()))?;
        let nonce = Nonce::new(attempt.nonce.clone());
        let verifier = Self::verifier(&client, &metadata_algs);
        let checked = match id_token.claims(&verifier, &nonce) {
            Ok(c) => Ok(c.clone()),
            // A key we do not have: the provider may have rotated its keys. Fetch them again,
            // once, and check again.
            Err(ClaimsVerificationError::SignatureVerification(_)) => {
                let fresh = Self::client(p, self.metadata(p, true).await?, redirect_uri)?;
                let verifier = Self::verifier(&fresh, &metadata_algs);
                let again = id_token.claims(&verifier, &nonce).cloned();
                again
            }
            Err(e) => Err(e),
        }
        .map_err(|e| SignInError::Invalid(format!("ID token: {}", error_chain(&e))))?;
        // The extra claims (the PINFL, names in other scripts): the checked token's payload.
        let raw = id_token.to_string();
        let mut claims = raw
            .split('.')
            .nth(1)
            .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
            .and_then(|b| serde_json::from_slice::<Map<String, Json>>(&b).ok())
            .unwrap_or_default();
        if let Some(info) = self.userinfo(p, token.access_token().secret()).await? {
            // Userinfo speaks for the same subject or not at all.
            if info.get("sub").and_then(Json::as_str) != Some(checked.subject().as_str()) {
                return Err(SignInError::Invalid(
                    "userinfo is about another subject".into(),
                ));
            }
            claims.extend(info);
        }
        let acr = checked.auth_context_ref().map(|a| a.to_string());
        reaches(
            attempt.acr.as_deref(),
            acr.as_deref().and_then(yagona_registry::Assurance::parse),
        )?;
        Ok(Verified {
            provider: provider.to_owned(),
            issuer: checked.issuer().to_string(),
            subject: checked.subject().to_string(),
            acr,
            id_token: raw,
            claims,
            next: attempt.next,
        })
    }

    async fn userinfo(
        &self,
        p: &Provider,
        access_token: &str,
    ) -> Result<Option<Map<String, Json>>, SignInError> {
        let m = self.metadata(p, false).await?;
        let Some(endpoint) = m.userinfo_endpoint() else {
            return Ok(None);
        };
        let resp = self
            .http
            .get(endpoint.url().clone())
            .bearer_auth(access_token)
            .send()
            .await
            .map_err(|e| SignInError::Unreachable(format!("userinfo: {}", error_chain(&e))))?;
        if !resp.status().is_success() {
            return Err(SignInError::Invalid(format!(
                "userinfo answered {}",
                resp.status()
            )));
        }
        // A signed (JWT) userinfo is not asked for; JSON is what comes.
        resp.json::<Map<String, Json>>()
            .await
            .map(Some)
            .map_err(|e| SignInError::Invalid(format!("userinfo: {e}")))
    }

    /// Where to send the browser to end the provider's session too (RP-initiated logout), if
    /// the provider offers it.
    pub async fn logout_url(
        &self,
        provider: &str,
        id_token: &str,
        post_logout_redirect_uri: &str,
    ) -> Option<String> {
        let p = self.provider(provider).ok()?;
        // OneID has no logout page: its session ends by a call from here, and the browser
        // stays on this site (`id_token` holds OneID's access token).
        if p.config.kind == ProviderKind::Oneid {
            crate::oneid::log_out(&p.config, &self.http, id_token).await;
            return None;
        }
        // Not among the metadata the library reads: the discovery document says it.
        let discovery = format!(
            "{}/.well-known/openid-configuration",
            p.config.issuer.trim_end_matches('/')
        );
        let doc: Json = self
            .http
            .get(discovery)
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        let end = doc.get("end_session_endpoint")?.as_str()?;
        let mut url = url::Url::parse(end).ok()?;
        url.query_pairs_mut()
            .append_pair("id_token_hint", id_token)
            .append_pair("client_id", &p.config.client_id)
            .append_pair("post_logout_redirect_uri", post_logout_redirect_uri);
        Some(url.to_string())
    }

    /// The person a provider vouched for, as this platform knows them: a citizen by PINFL, or
    /// an officer of an agency where the provider may say so. Kept (created or updated), with
    /// what the provider said of them.
    pub async fn person(
        &self,
        store: &IdentityStore<'_>,
        v: &Verified,
    ) -> Result<User, SignInError> {
        let p = self.provider(&v.provider)?;
        let claim = |name: &str| v.claims.get(name).and_then(Json::as_str).map(str::trim);
        let name = claim("name")
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .or_else(|| {
                let parts: Vec<&str> = ["given_name", "middle_name", "family_name"]
                    .iter()
                    .filter_map(|c| claim(c))
                    .filter(|c| !c.is_empty())
                    .collect();
                (!parts.is_empty()).then(|| parts.join(" "))
            })
            .unwrap_or_else(|| v.subject.clone());
        // Staff by the provider's word, where this provider may say so.
        let staff = match v.claims.get(&p.config.role_claim) {
            Some(Json::String(r)) => p.config.staff_roles.get(r),
            Some(Json::Array(rs)) => rs
                .iter()
                .filter_map(Json::as_str)
                .find_map(|r| p.config.staff_roles.get(r)),
            _ => None,
        };
        let agency = claim(&p.config.agency_claim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned);
        let role = match (staff.map(String::as_str), &agency) {
            (Some("officer"), Some(_)) => Some(Role::Officer),
            (Some("operator"), _) => Some(Role::Operator),
            (Some("admin"), _) => Some(Role::Admin),
            _ => None,
        };
        let pinfl = claim(&p.config.pinfl_claim)
            .map(|s| Pinfl::parse(s).map_err(|e| SignInError::NotAllowed(format!("PINFL: {e}"))))
            .transpose()?;
        // No staff role from the provider: one an administrator gave this person applies.
        let mut agency = agency;
        let role = match (role, &pinfl) {
            (None, Some(pinfl)) => match store.role_grant(pinfl).await? {
                Some(g) => {
                    agency = g.agency.clone();
                    Some(g.role)
                }
                None => None,
            },
            (role, _) => role,
        };
        let idp = p
            .config
            .account_namespace
            .clone()
            .unwrap_or_else(|| v.issuer.clone());
        let user = match role {
            Some(role) => User {
                id: String::new(),
                role,
                name,
                pinfl,
                agency: if role == Role::Officer { agency } else { None },
                idp,
                subject: v.subject.clone(),
            },
            None => {
                let Some(pinfl) = pinfl else {
                    return Err(SignInError::NotAllowed(format!(
                        "the provider gave no PINFL (claim {:?})",
                        p.config.pinfl_claim
                    )));
                };
                User {
                    id: String::new(),
                    role: Role::Citizen,
                    name,
                    pinfl: Some(pinfl),
                    agency: None,
                    idp,
                    subject: v.subject.clone(),
                }
            }
        };
        Ok(store.keep_person(user, &profile(&v.claims)).await?)
    }
}

/// Asked for a level of assurance (`asked`, an `acr`), the sign-in must reach it, whatever the
/// provider: one rule for OpenID providers and OneID.
pub(crate) fn reaches(
    asked: Option<&str>,
    got: Option<yagona_registry::Assurance>,
) -> Result<(), SignInError> {
    match asked.and_then(yagona_registry::Assurance::parse) {
        Some(asked) if got.is_none_or(|g| g < asked) => {
            Err(SignInError::TooWeak(asked.code().to_owned()))
        }
        _ => Ok(()),
    }
}

/// What of the claims is kept with the person: names (in every script the provider gives, as
/// `name#uz-Cyrl`-style claims), birth date, phone and e-mail where given, and the legal
/// entities the person may act for.
fn profile(claims: &Map<String, Json>) -> Json {
    let mut out = Map::new();
    for (k, v) in claims {
        let base = k.split('#').next().unwrap_or(k);
        let kept = matches!(
            base,
            "name"
                | "given_name"
                | "family_name"
                | "middle_name"
                | "birthdate"
                | "email"
                | "email_verified"
                | "phone_number"
                | "phone_number_verified"
                | "locale"
                | "legal_entities"
        );
        if kept {
            out.insert(k.clone(), v.clone());
        }
    }
    Json::Object(out)
}

pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}
