//! A node: the components put together. The domain components share one database and one
//! catalogue; the pages, the APIs and the exchange gateway each get what they need and nothing
//! of each other; the binary's router and server ([`crate::server`]) put their routes side by
//! side.

use crate::metrics::{self, Metrics};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;
use tower_http::set_header::SetResponseHeaderLayer;
use yagona_api::Api;
use yagona_applications::{Applications, ExchangeCall, ExchangeClient, ExchangeReply};
use yagona_core::Locale;
use yagona_db::Db;
use yagona_exchange::{ClientId, ErrorKind, ExchangeError, ServiceId};
use yagona_gateway::{Call, Gateway, GatewayConfig, R1_ROUTE};
use yagona_registry::CatalogueCache;
use yagona_web::{Pages, PagesConfig};

/// What a node is configured with.
#[derive(Debug, Clone, Default)]
pub struct NodeConfig {
    pub pages: PagesConfig,
    pub gateway: GatewayConfig,
    /// The subsystem the platform asks registers as (once-only prefill, service tasks that name
    /// no subsystem of their own); none: the platform asks nobody on its own.
    pub portal: Option<ClientId>,
    /// The demo's stand-ins for Payme and Click, served under `/sandbox` (never in production).
    pub payment_sandbox: Option<Arc<yagona_payments_sandbox::Sandbox>>,
    /// The folder of the agencies' document signing keys (`yagona documents keygen`); none:
    /// the exchange's keys folder.
    pub document_keys: Option<std::path::PathBuf>,
    /// The channels notices go out on (`[notices]`).
    pub channels: yagona_channels::ChannelsConfig,
    /// The demo's stand-ins for the SMS gateway and Telegram, and its mail catcher, served
    /// under `/sandbox` (never in production).
    pub notice_sandbox: Option<Arc<yagona_notice_sandbox::NoticeSandbox>>,
    /// The networks of the proxies in front of the node (load balancers on other hosts) whose
    /// `X-Forwarded-For` names the client; a proxy on the node's own host always may.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// The node's APIs, called in place by its gateway for services whose base URL is
/// `yagona:node/PATH` (no pages, no exchange: a call cannot come back round).
fn own_services(api: &Arc<Api>, config: &NodeConfig) -> yagona_gateway::NodeServices {
    let limit = config.gateway.max_body_bytes;
    let routes = yagona_api::routes(api.clone()).layer(DefaultBodyLimit::max(
        config.pages.max_body_bytes.min(limit),
    ));
    Arc::new(move |request: http::Request<axum::body::Bytes>| {
        use tower::ServiceExt;
        let routes = routes.clone();
        Box::pin(async move {
            let answer = routes
                .oneshot(request.map(axum::body::Body::from))
                .await
                .unwrap_or_else(|never| match never {});
            let (parts, body) = answer.into_parts();
            let body = axum::body::to_bytes(body, limit)
                .await
                .map_err(|e| e.to_string())?;
            Ok(http::Response::from_parts(parts, body))
        })
    })
}

/// The components of a running node.
pub struct Node {
    pub db: Db,
    pub catalogue: CatalogueCache,
    pub gateway: Arc<Gateway>,
    /// How the domain reaches other agencies: through this node's gateway.
    pub exchange: Arc<dyn ExchangeClient>,
    pub applications: Arc<Applications>,
    /// Prints, signs and verifies result documents.
    pub issuer: Arc<yagona_applications::Issuer>,
    pub pages: Arc<Pages>,
    pub api: Arc<Api>,
    pub metrics: Arc<Metrics>,
    /// Yagona's side of Payme's Merchant API and of Click's SHOP API, where configured.
    pub payme: Option<Arc<yagona_payments::payme::Payme>>,
    pub click: Option<Arc<yagona_payments::click::Click>>,
    /// The ways notices go out from this node.
    pub senders: yagona_notices::dispatch::Senders,
    pub i18n: Arc<yagona_i18n::I18n>,
    /// The request bodies this node reads at once, and how long each may take.
    pub bodies: Arc<crate::bodies::Bodies>,
    pub config: NodeConfig,
}

impl Node {
    /// Puts a node together on a migrated database.
    pub async fn new(db: Db, config: NodeConfig) -> anyhow::Result<Arc<Node>> {
        let catalogue = CatalogueCache::new(&db).await?;
        let gateway = Arc::new(Gateway::new(&db, config.gateway.clone()).await?);
        let exchange: Arc<dyn ExchangeClient> = Arc::new(GatewayClient {
            gateway: gateway.clone(),
            platform: config.portal.clone(),
        });
        let issuer = Arc::new(result_issuer(&config)?);
        let applications = Arc::new(
            Applications::new(db.clone(), catalogue.clone(), Some(exchange.clone()))
                .with_issuer(issuer.clone()),
        );
        // A payment settles in the provider's call: the invoice, the process hearing
        // `fee-paid` and the history line commit together.
        let merchant = yagona_payments::Merchant::new(
            db.clone(),
            Arc::new(yagona_applications::fees::FeeSettlement::new(
                db.clone(),
                catalogue.clone(),
            )),
        );
        let payments = &config.pages.payments;
        let payme = payments
            .payme
            .clone()
            .map(|c| Arc::new(yagona_payments::payme::Payme::new(merchant.clone(), c)));
        let click = payments
            .click
            .clone()
            .map(|c| Arc::new(yagona_payments::click::Click::new(merchant.clone(), c)));
        let mut senders = config.channels.senders().map_err(|e| anyhow::anyhow!(e))?;
        if let (Some(sandbox), true) = (&config.notice_sandbox, config.channels.smtp.is_none()) {
            // The demo catches e-mail instead of sending it.
            senders = senders.with(Arc::new(yagona_notice_sandbox::MailCatcher(
                sandbox.clone(),
            )));
        }
        let metrics = Arc::new(Metrics::new(|registry| {
            applications.register_metrics(registry)
        }));
        let api = Arc::new(Api {
            db: db.clone(),
            catalogue: catalogue.clone(),
            applications: applications.clone(),
            mediator: yagona_api::Mediator::random(),
        });
        // The node's APIs as services of its own behind the gateway (`yagona:node/…`): the
        // GovStack Registration API believes the calling system the gateway vouches for.
        gateway.serve_node(api.mediator.secret(), own_services(&api, &config))?;
        let reload = gateway.clone();
        let mut pages_config = config.pages.clone();
        // People link a Telegram chat by starting the bot, where its updates reach a node.
        pages_config.telegram = config
            .channels
            .telegram
            .as_ref()
            .filter(|t| t.links_chats())
            .map(|t| yagona_web::TelegramBot {
                bot: t.bot.clone(),
                link_base: t.link_base.clone(),
            });
        let pages = Arc::new(
            Pages::new(
                db.clone(),
                pages_config,
                catalogue.clone(),
                applications.clone(),
                serde_json::to_value(yagona_api::openapi())?,
                Arc::new(move || -> BoxFuture<'static, ()> {
                    let gateway = reload.clone();
                    Box::pin(async move { gateway.reload().await })
                }),
            )
            .await?,
        );
        Ok(Arc::new(Node {
            db,
            catalogue,
            gateway,
            exchange,
            applications,
            issuer,
            pages: pages.clone(),
            api,
            metrics,
            payme,
            click,
            senders,
            i18n: Arc::new(yagona_i18n::I18n::new()),
            bodies: Arc::new(
                crate::bodies::Bodies::new(
                    config.pages.body_budget_bytes,
                    config.pages.max_body_bytes,
                    Duration::from_secs(config.pages.read_body_within_secs),
                )
                .with_pages(pages.clone()),
            ),
            config,
        }))
    }

    /// The whole HTTP surface of the node: pages, APIs, the exchange, health and metrics.
    pub fn router(&self) -> Router {
        let max_body = self.config.pages.max_body_bytes;
        let refuse_oversize = |max: usize| {
            axum::middleware::from_fn_with_state(max, crate::bodies::refuse_declared_oversize)
        };
        let pages_and_api = yagona_web::router(self.pages.clone())
            .merge(
                yagona_api::routes(self.api.clone())
                    .layer(DefaultBodyLimit::max(max_body))
                    .layer(refuse_oversize(max_body)),
            )
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CONTENT_SECURITY_POLICY,
                content_security_policy(&self.config.pages),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ))
            .layer(SetResponseHeaderLayer::if_not_present(
                header::REFERRER_POLICY,
                HeaderValue::from_static("same-origin"),
            ));
        // The exchange has its own limits and answers in its own protocol: no sessions, no
        // page headers (a provider's answer passes as it was given).
        let mut exchange = Router::new()
            .route(R1_ROUTE, any(exchange_call))
            .route("/listClients", get(exchange_call));
        for v in ["r0", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"] {
            exchange = exchange.route(&format!("/{v}/{{*rest}}"), any(exchange_call));
        }
        let operations = Router::new()
            .route("/healthz", get(metrics::healthz))
            .with_state(self.db.clone())
            .merge(
                Router::new()
                    .route("/metrics", get(metrics::metrics))
                    .with_state(self.metrics.clone()),
            );
        // The providers' calls answer in their protocols' formats: no page headers, no
        // framework limits (each reads at most a small body itself).
        let mut payments = yagona_api::payments::routes(self.payme.clone(), self.click.clone());
        let mut sandbox = Router::new();
        if let Some(s) = &self.config.payment_sandbox {
            sandbox = sandbox.merge(yagona_payments_sandbox::routes(s.clone()));
        }
        if let Some(s) = &self.config.notice_sandbox {
            sandbox = sandbox.merge(yagona_notice_sandbox::routes(s.clone()));
        }
        if self.config.payment_sandbox.is_some() || self.config.notice_sandbox.is_some() {
            payments = payments.nest("/sandbox", sandbox);
        }
        // Telegram's updates to the bot: people pressing Start on a link to their account.
        if let Some(secret) = self
            .config
            .channels
            .telegram
            .as_ref()
            .and_then(|t| t.webhook_secret.clone())
        {
            payments = payments.merge(
                Router::new()
                    .route(
                        "/notices/telegram/updates",
                        axum::routing::post(telegram_update),
                    )
                    .with_state((self.db.clone(), secret)),
            );
        }
        // The SMS gateway's delivery reports, at an address with a secret in it.
        if let Some(secret) = self.config.channels.receipt_secret.clone() {
            payments = payments.merge(
                Router::new()
                    .route(
                        "/notices/sms/receipts/{secret}",
                        axum::routing::post(sms_receipt),
                    )
                    .with_state((self.db.clone(), secret)),
            );
        }
        pages_and_api
            .merge(exchange.with_state(self.gateway.clone()))
            .merge(yagona_api::open311_routes(self.api.clone()).layer(refuse_oversize(max_body)))
            .merge(payments)
            .merge(operations)
            .layer(axum::middleware::from_fn_with_state(
                self.bodies.clone(),
                crate::bodies::guard,
            ))
            .layer(axum::middleware::from_fn_with_state(
                self.metrics.clone(),
                metrics::track,
            ))
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(
                yagona_web::panic_page,
            ))
    }

    /// The node's background work: timers that fall due and the built-in service tasks
    /// (those that ask other agencies too), and the pushes of published events. Every node
    /// runs it; claims in the database keep each step to one node.
    pub fn spawn_background(self: &Arc<Self>, name: &str) -> Vec<tokio::task::JoinHandle<()>> {
        let every = Duration::from_millis(500);
        vec![
            tokio::spawn(yagona_applications::workers::run_forever(
                self.db.clone(),
                name.to_owned(),
                every,
                Some(self.exchange.clone()),
                self.issuer.clone(),
            )),
            yagona_gateway::rooms::spawn_pusher(self.gateway.clone(), every),
            // The message log's head signed every minute, and witnessed (`gateway::witness`).
            yagona_gateway::spawn_checkpoints(self.gateway.clone(), Duration::from_secs(60)),
            tokio::spawn(payments_upkeep(self.clone())),
            tokio::spawn(notices_loop(self.clone(), name.to_owned())),
        ]
    }
}

/// How this node issues results: signed by every agency whose key is in its keys folder, with
/// QR codes leading to its public address.
pub fn result_issuer(config: &NodeConfig) -> anyhow::Result<yagona_applications::Issuer> {
    let signers = match config
        .document_keys
        .as_ref()
        .or(config.gateway.keys_dir.as_ref())
    {
        Some(dir) => yagona_documents::Signers::load(dir)
            .map_err(|e| anyhow::anyhow!("document signing keys in {}: {e}", dir.display()))?,
        None => yagona_documents::Signers::none(),
    };
    let base = config
        .pages
        .public_url
        .clone()
        .unwrap_or_else(|| "http://localhost:8080".into());
    Ok(yagona_applications::Issuer::new(signers, &base))
}

/// Every second: the notices due go out (see `yagona_notices::dispatch`).
async fn notices_loop(node: Arc<Node>, name: String) {
    if node.senders.is_empty() {
        return;
    }
    // Telegram is told where to send the bot's updates (each node says the same), again
    // until it has heard: Telegram, or the node itself in the demo, may not answer yet.
    if let Some(telegram) = node.config.channels.telegram.clone() {
        tokio::spawn(async move {
            let bot = yagona_channels::Telegram::new(telegram);
            for attempt in 1..=8u32 {
                match bot.set_webhook().await {
                    Ok(()) => return,
                    Err(e) => {
                        tracing::warn!(error = %e, attempt, "people cannot link Telegram chats until it is set");
                        tokio::time::sleep(Duration::from_secs(2u64.pow(attempt.min(6)))).await;
                    }
                }
            }
        });
    }
    loop {
        match yagona_notices::dispatch::run_once(
            &node.db,
            &node.senders,
            &node.i18n,
            &name,
            yagona_core::now(),
        )
        .await
        {
            Ok(round) if round.sent + round.retried + round.failed > 0 => {
                tracing::debug!(?round, "notices")
            }
            Ok(_) => tokio::time::sleep(Duration::from_secs(1)).await,
            Err(e) => {
                tracing::warn!(error = %e, "notices: a round failed");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}

/// `POST /notices/telegram/updates`: an update Telegram sends the bot's webhook, with the
/// secret given at `setWebhook` in `X-Telegram-Bot-Api-Secret-Token` (anything else is 401).
/// Someone pressing Start on a link to their account links the chat
/// (`Notices::telegram_started`); every other update is acknowledged and dropped, so that
/// Telegram does not send it again.
async fn telegram_update(
    State((db, secret)): State<(Db, String)>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    use subtle::ConstantTimeEq;
    let given = headers
        .get("x-telegram-bot-api-secret-token")
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !bool::from(given.ct_eq(secret.as_bytes())) {
        return axum::http::StatusCode::UNAUTHORIZED.into_response();
    }
    let update: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    if let Some((chat, token)) = yagona_channels::telegram_start(&update) {
        match yagona_notices::Notices::new(&db)
            .telegram_started(&token, &chat)
            .await
        {
            Ok(Some(_)) => tracing::info!("a Telegram chat was linked"),
            Ok(None) => tracing::info!("a Telegram start link that is unknown, used or expired"),
            // Telegram sends it again later.
            Err(e) => {
                tracing::warn!(error = %e, "Telegram start not recorded");
                return axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
        }
    }
    axum::http::StatusCode::OK.into_response()
}

/// `POST /notices/sms/receipts/{secret}`: Eskiz's delivery report, form-encoded or JSON.
/// Answered 200 whatever it says (the gateway does not retry on errors we could report); a
/// wrong secret is 404.
async fn sms_receipt(
    State((db, secret)): State<(Db, String)>,
    axum::extract::Path(given): axum::extract::Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    use subtle::ConstantTimeEq;
    if !bool::from(given.as_bytes().ct_eq(secret.as_bytes())) {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    let fields: serde_json::Value = if json {
        serde_json::from_slice(&body).unwrap_or_default()
    } else {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .map(|pairs| {
                serde_json::Value::Object(
                    pairs
                        .into_iter()
                        .map(|(k, v)| (k, serde_json::Value::String(v)))
                        .collect(),
                )
            })
            .unwrap_or_default()
    };
    if let Some((id, delivered)) = yagona_channels::eskiz_receipt(&fields) {
        if let Err(e) = yagona_notices::Notices::new(&db)
            .receipt(
                yagona_notices::Channel::Sms,
                &id,
                delivered,
                yagona_core::now(),
            )
            .await
        {
            tracing::warn!(error = %e, "SMS receipt not recorded");
            return axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    }
    axum::http::StatusCode::OK.into_response()
}

/// Once a minute: transactions open past their time are let go (their invoices may be paid
/// again), and fees whose refund is allowed are asked back from Click (Payme's are given back
/// by the cashbox's owner in Payme Business, whose cancel the endpoint then accepts).
async fn payments_upkeep(node: Arc<Node>) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        node.payments_round().await;
    }
}

impl Node {
    /// One round of the payments' upkeep (see `payments_upkeep`); answers how many refunds
    /// Click made.
    pub async fn payments_round(&self) -> usize {
        let store = yagona_payments::PaymentStore::new(&self.db);
        match store.release_expired(yagona_core::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                released = n,
                "payments: transactions past their time let go"
            ),
            Err(e) => tracing::warn!(error = %e, "payments: letting go of old transactions"),
        }
        let Some(click) = &self.click else { return 0 };
        let due = match store
            .refunds_due(yagona_payments::Provider::Click, 20)
            .await
        {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "payments: reading the refunds due");
                return 0;
            }
        };
        let api = yagona_api::payments::ClickHttpApi::new(click.config());
        let mut refunded = 0;
        for invoice in due {
            match click.refund(invoice.number.as_str(), &api).await {
                Ok(done) => {
                    refunded += 1;
                    tracing::info!(invoice = %done.number, status = %done.status, "payments: refund through Click")
                }
                Err(e) => {
                    tracing::warn!(invoice = %invoice.number, error = %e, "payments: Click refund not made; asked again next minute")
                }
            }
        }
        refunded
    }
}

/// Headers that tell browsers to run only this site's own resources, never to frame the pages,
/// never to guess content types, and not to leak addresses (reference numbers) to other sites.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// The pages' Content-Security-Policy. Forms post only here — and, because a browser holds a
/// form's redirects to `form-action` too, to the sign-in providers a form may lead to (signing
/// out there, signing in again at a surer level).
fn content_security_policy(pages: &yagona_web::PagesConfig) -> HeaderValue {
    let origins: Vec<String> = pages
        .providers
        .iter()
        .map(|p| p.issuer.as_str())
        // The pay buttons' redirects go to the providers' checkouts.
        .chain(pages.payments.checkout_urls())
        .filter_map(|u| url::Url::parse(u).ok())
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null")
        .collect();
    if origins.is_empty() {
        return HeaderValue::from_static(CSP);
    }
    let policy = CSP.replace(
        "form-action 'self'",
        &format!("form-action 'self' {}", origins.join(" ")),
    );
    HeaderValue::from_str(&policy).unwrap_or_else(|_| HeaderValue::from_static(CSP))
}

/// A call of the exchange's protocol that came through the router (the serving threads pass
/// `/r1/` calls to the gateway directly; see [`crate::server`]).
async fn exchange_call(State(gateway): State<Arc<Gateway>>, req: Request) -> Response {
    gateway.handle(req).await.into_response()
}

/// The domain's way to other agencies, through this node's gateway.
struct GatewayClient {
    gateway: Arc<Gateway>,
    platform: Option<ClientId>,
}

impl ExchangeClient for GatewayClient {
    fn platform(&self) -> Option<&ClientId> {
        self.platform.as_ref()
    }

    fn call<'a>(
        &'a self,
        call: ExchangeCall<'a>,
    ) -> BoxFuture<'a, Result<ExchangeReply, ExchangeError>> {
        Box::pin(async move {
            let client = call.client.or(self.platform.as_ref()).ok_or_else(|| {
                ExchangeError::new(
                    ErrorKind::InvalidClientIdentifier,
                    "no subsystem to ask as: name one, or configure the platform's ([exchange] portal)",
                )
            })?;
            let method = http::Method::from_bytes(call.method.as_bytes()).map_err(|_| {
                ExchangeError::new(
                    ErrorKind::BadRequest,
                    format!("{:?} is not a method", call.method),
                )
            })?;
            let reply = self
                .gateway
                .call(Call {
                    client,
                    service: call.service,
                    method,
                    path: call.path,
                    body: call.body,
                    user_id: call.user_id,
                    issue: call.issue,
                    message_id: call.message_id,
                })
                .await?;
            Ok(ExchangeReply {
                status: reply.status,
                body: reply.body,
                request_id: reply.request_id,
            })
        })
    }

    fn describe<'a>(
        &'a self,
        service: &'a ServiceId,
        locale: Locale,
    ) -> BoxFuture<'a, Option<(String, String)>> {
        Box::pin(self.gateway.describe(service, locale))
    }
}
