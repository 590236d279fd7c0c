//! The platform's machine interfaces, apart from the pages: the JSON API (`/api/v1`: the
//! catalogue, the signed-in citizen's applications, the contact point's figures), the job
//! worker API (`/api/v1/jobs`, `/api/v1/messages`), the GovStack Registration Building Block
//! (`/govstack/registration`) and Open311 GeoReport v2 (`/open311`).
//!
//! Where to start: [`routes`] and [`open311_routes`] are the whole surface; [`openapi`] is its
//! one OpenAPI 3.1 document. Every handler parses the request, calls one operation of a domain
//! component and writes the answer; refusals are RFC 9457 problem documents
//! ([`yagona_core::Problem`]), except Open311's, which has its own error format.
//!
//! What it must not know: pages, templates, the exchange gateway. Who is asking comes from the
//! session cookie (citizens, officers), a worker's bearer token, or an Open311 API key.

// Handlers refuse with the response itself (`Result<_, Response>`): boxing it would only add an
// allocation to every refusal, on a path taken once per request.
#![allow(clippy::result_large_err)]

mod caller;
mod catalogue;
mod figures;
mod govstack;
mod incidents;
mod jobs;
mod open311;
pub mod payments;
mod problem;

pub use caller::Caller;

use axum::Router;
use std::sync::Arc;
use utoipa::OpenApi;
use yagona_applications::Applications;
use yagona_db::Db;
use yagona_registry::CatalogueCache;

/// What the API's handlers reach.
pub struct Api {
    pub db: Db,
    pub catalogue: CatalogueCache,
    pub applications: Arc<Applications>,
    /// How this node's own gateway vouches for the calling systems of GovStack calls.
    pub mediator: Mediator,
}

/// GovStack's Information Mediator is this node's own exchange gateway: it authenticates the
/// calling system (client token or mutual TLS) and passes the call on. A GovStack service
/// believes the `Information-Mediator-Client` header only when the call carries the node's
/// secret in [`Mediator::HEADER`] — which only the gateway adds, and which it removes (with every
/// `x-yagona-*` header) from what callers send. Anyone else's header is a claim, not an identity.
#[derive(Clone)]
pub struct Mediator {
    secret: String,
}

impl Mediator {
    /// The header the gateway puts its node's secret in.
    pub const HEADER: &'static str = "x-yagona-mediator";

    /// A fresh secret, made when a node starts (each node's gateway calls its own services).
    pub fn random() -> Mediator {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Mediator {
            secret: bytes.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }

    /// What the gateway sends in [`Mediator::HEADER`].
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// Whether the call came through the gateway (compared in constant time).
    pub fn vouches_for(&self, headers: &axum::http::HeaderMap) -> bool {
        use subtle::ConstantTimeEq;
        headers
            .get(Self::HEADER)
            .is_some_and(|v| bool::from(v.as_bytes().ct_eq(self.secret.as_bytes())))
    }
}

/// The JSON API, the job worker API, GovStack Registration and the OpenAPI document.
pub fn routes(api: Arc<Api>) -> Router {
    Router::new()
        .merge(catalogue::routes())
        .merge(figures::routes())
        .merge(jobs::routes())
        .merge(incidents::routes())
        .merge(govstack::routes())
        .with_state(api)
}

/// Open311 GeoReport v2 (`/open311/…`), in its own formats (JSON and XML) and error format.
pub fn open311_routes(api: Arc<Api>) -> Router {
    open311::routes().with_state(api)
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Yagona API", version = "1", description = "The catalogue of public services, the signed-in citizen's applications, the contact point's figures, agency systems' job workers, the GovStack Registration Building Block and Open311 GeoReport v2."),
    components(schemas(yagona_core::Problem, yagona_core::FieldProblem)),
    modifiers(&WorkerToken),
    tags((name = "catalogue", description = "Services, life events and agencies"), (name = "applications", description = "The signed-in citizen's applications"),
        (name = "appeals", description = "The single contact point's figures (appeals are filed through the portal and Open311 at /open311/v2/)"),
        (name = "jobs", description = "Agency systems working service tasks and publishing messages (as Zeebe's job workers), with a token from `yagona worker create`"),
        (name = "govstack-registration", description = "GovStack Registration Building Block 0.1.1 (and its statistics 1.0.0), over the same applications and tasks as the portal; where the specification declares `Information-Mediator-Client`, the call names its system there, and comes through the node's Information Mediator or from someone signed in"),
        (name = "open311", description = "Open311 GeoReport v2: service requests to the single contact point, JSON or XML (`.json`/`.xml`), with an API key from `yagona open311 client`"))
)]
struct ApiDoc;

/// The bearer token of a job worker client.
struct WorkerToken;

impl utoipa::Modify for WorkerToken {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "worker_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI 3.1 document of every interface here: each module describes its own paths, and
/// they are put together into one.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for part in [
        catalogue::CatalogueApi::openapi(),
        figures::FiguresApi::openapi(),
        jobs::JobsApi::openapi(),
        incidents::IncidentsApi::openapi(),
        govstack::GovStackApi::openapi(),
        open311::Open311Api::openapi(),
        payments::PaymentsApi::openapi(),
    ] {
        doc.merge(part);
    }
    doc
}
