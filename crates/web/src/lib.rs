//! The pages: the citizen portal, the officers' and operators' workspaces and the
//! administrators' pages, server-rendered in four languages and working without JavaScript.
//!
//! Where to start: [`router`] is every page; [`context::Ctx`] says who is asking and in which
//! language, settled once per request by [`context::session_layer`]; every POST is checked for
//! its CSRF token by [`form::VerifiedForm`] before anything else is read. A handler parses the
//! request, calls one operation of a domain component, and renders a template (`templates/`,
//! minijinja, with `t("message-id")` for interface text).
//!
//! What it must not know: business rules (they are the domain's: a handler never decides
//! whether something is allowed or valid), SQL, the exchange gateway, the JSON APIs.

mod appeals;
mod auth;
pub mod context;
mod demo_idp;
mod documents;
mod exchange_admin;
mod fees;
mod form;
mod history;
mod incidents_admin;
mod notices_pages;
pub mod oidc;
mod oneid;
mod payments_admin;
mod period;
mod portal;
mod ratings;
mod render;
mod roles_admin;
mod staff;
mod view;

pub use render::{panic_page, refusal_page};

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use axum::Router;
use futures::future::BoxFuture;
use oidc::{ProviderConfig, Providers};
use std::sync::Arc;
use yagona_applications::Applications;
use yagona_db::Db;
use yagona_i18n::I18n;
use yagona_identity::{Csrf, IdentityStore};
use yagona_registry::CatalogueCache;

/// Settings of the pages.
#[derive(Debug, Clone)]
pub struct PagesConfig {
    /// Mark cookies `Secure`. Browsers accept secure cookies on `http://localhost`, so this stays
    /// on in the demo too; turn it off only behind a plain-HTTP test harness.
    pub secure_cookies: bool,
    /// Show the demo identity provider (persona sign-in).
    pub demo_sign_in: bool,
    /// The largest request body accepted (uploads included), in bytes.
    pub max_body_bytes: usize,
    /// The bodies a node reads at once may together be this large (their declared sizes, or
    /// `max_body_bytes` when undeclared); more wait, then are turned away with 503.
    pub body_budget_bytes: usize,
    /// How long a request body may take to arrive, whole.
    pub read_body_within_secs: u64,
    /// The OpenID Connect providers people sign in with (`[[identity.providers]]`).
    pub providers: Vec<ProviderConfig>,
    /// The address people reach the portal at, e.g. `https://my.gov.uz`: where providers send
    /// them back (`/sign-in/{provider}/callback`, registered with each provider).
    pub public_url: Option<String>,
    /// The payment providers citizens pay fees through (`[payments]`).
    pub payments: yagona_payments::PaymentsConfig,
    /// The platform's Telegram bot, where people can link their chat to it
    /// (`[notices.telegram]` with a webhook).
    pub telegram: Option<TelegramBot>,
}

/// The Telegram bot people open to link their chat: `{link_base}/{bot}?start=…`.
#[derive(Debug, Clone)]
pub struct TelegramBot {
    /// The bot's username, without `@`.
    pub bot: String,
    /// `https://t.me` (the stand-in's in the demo).
    pub link_base: String,
}

impl Default for PagesConfig {
    fn default() -> Self {
        PagesConfig {
            secure_cookies: true,
            demo_sign_in: true,
            max_body_bytes: 25 * 1024 * 1024,
            body_budget_bytes: 200 * 1024 * 1024,
            read_body_within_secs: 120,
            providers: Vec::new(),
            public_url: None,
            payments: yagona_payments::PaymentsConfig::default(),
            telegram: None,
        }
    }
}

/// Called after an administrator changed the exchange's rights, so that this node's gateway
/// reads them at once (other nodes notice within seconds).
pub type DirectoryChanged = Arc<dyn Fn() -> BoxFuture<'static, ()> + Send + Sync>;

/// What the pages reach: the domain components they call, and what rendering needs.
pub struct Pages {
    pub db: Db,
    pub config: PagesConfig,
    pub catalogue: CatalogueCache,
    pub applications: Arc<Applications>,
    /// The OpenAPI document the API reference page shows.
    pub api_reference: serde_json::Value,
    pub directory_changed: DirectoryChanged,
    /// The sign-in providers, with what they publish (metadata, keys) as last fetched.
    pub providers: Providers,
    i18n: Arc<I18n>,
    csrf: Csrf,
    templates: minijinja::Environment<'static>,
}

impl Pages {
    #[allow(clippy::too_many_arguments)]
    pub async fn new(
        db: Db,
        config: PagesConfig,
        catalogue: CatalogueCache,
        applications: Arc<Applications>,
        api_reference: serde_json::Value,
        directory_changed: DirectoryChanged,
    ) -> anyhow::Result<Pages> {
        let csrf = Csrf::new(IdentityStore { db: &db }.secret("csrf").await?);
        let i18n = Arc::new(I18n::new());
        // The demo's people sign in through its own OpenID provider, like everyone else.
        let mut configured = config.providers.clone();
        if let (true, Some(base)) = (config.demo_sign_in, config.public_url.as_deref()) {
            let secret = demo_idp::client_secret(&IdentityStore { db: &db }).await?;
            configured.push(demo_idp::provider(base, secret));
        }
        let providers =
            Providers::new(configured).map_err(|e| anyhow::anyhow!("[identity] {e}"))?;
        Ok(Pages {
            providers,
            templates: render::environment(i18n.clone()),
            i18n,
            csrf,
            config,
            catalogue,
            applications,
            api_reference,
            directory_changed,
            db,
        })
    }
}

/// Every page, with the session (and language) settled before any handler runs.
pub fn router(pages: Arc<Pages>) -> Router {
    let body_limit = pages.config.max_body_bytes;
    Router::new()
        .route("/", get(portal::home))
        .route("/services", get(portal::catalogue))
        .route("/services/{code}", get(portal::passport))
        .route(
            "/services/{code}/apply",
            get(portal::resume_application).post(portal::start_application),
        )
        .route("/applications", get(portal::my_applications))
        .route("/applications/{reference}", get(portal::application))
        .route(
            "/applications/{reference}/steps/{step}",
            get(portal::step).post(portal::save_step),
        )
        .route(
            "/applications/{reference}/check",
            get(portal::check_answers),
        )
        .route("/applications/{reference}/submit", post(portal::submit))
        .route("/applications/{reference}/pay", post(fees::pay))
        .route("/applications/{reference}/rating", post(ratings::rate))
        .route("/staff/ratings", get(ratings::staff))
        .route(
            "/account/notices",
            get(notices_pages::show).post(notices_pages::change),
        )
        .route(
            "/staff/notices",
            get(notices_pages::failed).post(notices_pages::resend),
        )
        .route(
            "/applications/{reference}/confirmation",
            get(portal::confirmation),
        )
        .route("/documents", get(documents::cabinet))
        .route("/documents/{id}", get(portal::download))
        .route(
            "/documents/{id}/share",
            get(documents::document).post(documents::create_share),
        )
        .route(
            "/documents/{id}/shares/{share}/withdraw",
            post(documents::withdraw_share),
        )
        .route("/verify", get(documents::verify_form))
        .route(
            "/verify/{number}",
            get(documents::verify).post(documents::verify_copy),
        )
        .route("/shared/{token}", get(documents::shared))
        .route("/shared/{token}/file", get(documents::shared_file))
        .route("/sign-in", get(auth::sign_in_page).post(auth::sign_in))
        .route("/sign-in/{provider}", get(auth::leave_for_provider))
        .route(
            "/demo-idp/.well-known/openid-configuration",
            get(demo_idp::discovery),
        )
        .route("/demo-idp/jwks", get(demo_idp::jwks))
        .route("/demo-idp/token", post(demo_idp::token))
        .route("/demo-idp/userinfo", get(demo_idp::userinfo))
        .route("/demo-idp/end-session", get(demo_idp::end_session))
        .route("/sign-in/{provider}/callback", get(auth::provider_callback))
        .route("/sign-out", post(auth::sign_out))
        .route("/staff", get(staff::home))
        .route("/staff/applications", get(staff::list))
        .route("/staff/applications/{reference}", get(staff::application))
        .route("/staff/applications/{reference}/take", post(staff::take))
        .route(
            "/staff/applications/{reference}/release",
            post(staff::release),
        )
        .route(
            "/staff/applications/{reference}/decision",
            post(staff::decide),
        )
        .route(
            "/staff/applications/{reference}/results/{number}",
            post(documents::change_result),
        )
        .route("/admin", get(staff::admin))
        .route(
            "/admin/roles",
            get(roles_admin::list).post(roles_admin::change),
        )
        .route(
            "/admin/payments",
            get(payments_admin::show).post(payments_admin::reconcile_statement),
        )
        .route("/admin/incidents", get(incidents_admin::list))
        .route(
            "/admin/incidents/{id}",
            get(incidents_admin::show).post(incidents_admin::act),
        )
        .route("/admin/exchange", get(exchange_admin::directory))
        .route("/admin/exchange/rights", post(exchange_admin::change_right))
        .route("/admin/exchange/traffic", get(exchange_admin::traffic))
        .route("/api/docs", get(render::api_reference))
        .merge(appeals::routes())
        .route("/static/{*path}", get(render::static_file))
        .route("/favicon.ico", get(render::favicon))
        .fallback(render::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            pages.clone(),
            form::refuse_declared_oversize,
        ))
        .layer(axum::middleware::from_fn_with_state(
            pages.clone(),
            context::session_layer,
        ))
        .with_state(pages)
}
