//! A stand-in for OneID (sso.egov.uz), for tests only: no real OneID is reachable from a test.
//! It follows OneID's published protocol to the letter, as the protocol brief (section
//! a) gathers it: one address, `/sso/oauth/Authorization.do`, for every operation —
//!
//! - `GET ?response_type=one_code&client_id&redirect_uri&scope&state[&auth_methods]`: the
//!   sign-in page (a plain form: choose a person and a way of signing in, or cancel), which
//!   sends the browser back to `redirect_uri?code=…&state=…` (or `?error=access_denied&state=…`);
//! - `POST grant_type=one_authorization_code` (client_id, client_secret, code, redirect_uri):
//!   `{scope, expires_in, token_type, refresh_token, access_token}`; a code is good once, for
//!   a short time, for the client and redirect address it was issued to;
//! - `POST grant_type=one_access_token_identify` (client_id, client_secret, access_token,
//!   scope): the person's profile, a flat JSON object (`pin`, `sur_name`, `first_name`,
//!   `mid_name`, `full_name`, `birth_date`, `legal_info`, `auth_method`, `ret_cd`, …);
//! - `POST grant_type=one_log_out` (client_id, client_secret, access_token, scope):
//!   `{"ret_cd":"0"}`, the token revoked.
//!
//! Parameters are read from the form body or the query string, as OneID reads both. Errors
//! are a 400 with `{"error": …}` (OneID's are undocumented; clients look for a 400 and
//! `error`). Codes are base64 with `+`, `/` and `=`, like the specification's sample
//! (`oofys6rkl9P8/NZREMVSmA==`), and sent percent-encoded.
#![allow(dead_code)]

use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::header::LOCATION;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const ENDPOINT: &str = "/sso/oauth/Authorization.do";

/// A client system registered with OneID.
#[derive(Clone, Debug)]
pub struct Client {
    pub id: String,
    pub secret: String,
    pub redirect_uris: Vec<String>,
    /// The scope OneID's administrator issued with the client.
    pub scope: String,
}

/// A `one_log_out` call as the stand-in received it.
#[derive(Clone, Debug)]
pub struct LogOut {
    pub client_id: String,
    pub access_token: String,
    /// Whether the token was one the stand-in had issued and not revoked.
    pub live: bool,
}

/// An access token the stand-in issued.
#[derive(Clone, Debug)]
pub struct Issued {
    pub access_token: String,
    pub client_id: String,
    pub person: String,
    pub revoked: bool,
}

struct Pending {
    client_id: String,
    redirect_uri: String,
    state: String,
    auth_methods: Option<Vec<String>>,
}

struct Code {
    client_id: String,
    redirect_uri: String,
    person: String,
    auth_method: String,
    issued: Instant,
}

#[derive(Default)]
struct Books {
    pending: HashMap<String, Pending>,
    codes: HashMap<String, Code>,
    tokens: Vec<(Issued, String, String)>, // (token, scope, auth_method)
    logouts: Vec<LogOut>,
    /// Every grant asked for, in order.
    grants: Vec<String>,
}

struct Shared {
    clients: Vec<Client>,
    /// People by login: their OneID profile as `one_access_token_identify` answers it, less
    /// what depends on the sign-in (`auth_method`, `sess_id`, `ret_cd`).
    people: BTreeMap<String, Value>,
    code_ttl: Duration,
    books: Mutex<Books>,
}

/// The ways of signing in OneID offers.
pub const METHODS: [&str; 4] = [
    "LOGINPASSMETHOD",
    "MOBILEMETHOD",
    "PKCSMETHOD",
    "LEPKCSMETHOD",
];

/// The stand-in, serving on 127.0.0.1 until stopped or dropped.
pub struct OneIdStandIn {
    /// Its base address (`http://127.0.0.1:port`), as `issuer` in Yagona's configuration.
    pub base: String,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// The people the stand-in knows: a citizen who may act for two organisations, one with no
/// organisation whose birth date comes in the other form, and an account without a PINFL.
pub fn people() -> BTreeMap<String, Value> {
    BTreeMap::from([
        (
            "alisher".to_owned(),
            json!({
                "valid": "true",
                "validation_method": ["PKCSMETHOD", "MOBILEMETHOD"],
                "pin": "32708901234561",
                "user_id": "alisher_t",
                "full_name": "TOSHMATOV ALISHER BAXTIYOR O'G'LI",
                "pport_no": "AB1234567",
                "birth_date": "19900827",
                "sur_name": "TOSHMATOV",
                "first_name": "ALISHER",
                "mid_name": "BAXTIYOR O'G'LI",
                "user_type": "I",
                "gd": "1",
                "natn": "O'ZBEK",
                "ctzn": "O'ZBEKISTON",
                "per_adr": "TOSHKENT SHAHRI, YUNUSOBOD TUMANI",
                "tin": "512345678",
                "email": "alisher.toshmatov@example.uz",
                "mob_phone_no": "998901112233",
                "legal_info": [
                    {"is_basic": true, "tin": "512345678", "acron_UZ": "MChJ", "le_tin": "305123456", "le_name": "\"TOSHMATOV SAVDO\" MChJ"},
                    {"is_basic": false, "tin": "512345678", "acron_UZ": "XK", "le_tin": "306654321", "le_name": "\"BAXT\" XK"}
                ]
            }),
        ),
        (
            "kamola".to_owned(),
            json!({
                "valid": true,
                "pin": "41503951234568",
                "user_id": "kamola",
                "full_name": "YUSUPOVA KAMOLA ODIL QIZI",
                "birth_date": "1995-03-15",
                "sur_name": "YUSUPOVA",
                "first_name": "KAMOLA",
                "mid_name": "ODIL QIZI",
                "user_type": "I",
                "email": "",
                "mob_phone_no": ""
            }),
        ),
        (
            "visitor".to_owned(),
            json!({
                "valid": "false",
                "user_id": "visitor",
                "full_name": "JOHN SMITH",
                "sur_name": "SMITH",
                "first_name": "JOHN",
                "user_type": "I"
            }),
        ),
    ])
}

fn random_code() -> String {
    // 32 random bytes in standard base64 (with `+`, `/` and one `=`), as OneID's codes look.
    yagona_identity::random_token()
        .replace('-', "+")
        .replace('_', "/")
        + "="
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn encode(s: &str) -> String {
    reqwest::Url::parse_with_params("http://x/", [("v", s)])
        .unwrap()
        .query()
        .unwrap()
        .trim_start_matches("v=")
        .to_owned()
}

fn refuse(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

impl OneIdStandIn {
    /// Starts the stand-in with these clients and people.
    pub async fn start(clients: Vec<Client>, people: BTreeMap<String, Value>) -> OneIdStandIn {
        let shared = Arc::new(Shared {
            clients,
            people,
            code_ttl: Duration::from_secs(60),
            books: Mutex::new(Books::default()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = Router::new()
            .route(ENDPOINT, get(authorize).post(grant))
            .route("/sso/login", post(login))
            .with_state(shared.clone());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
        OneIdStandIn {
            base,
            shared,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// The endpoint's full address.
    pub fn endpoint(&self) -> String {
        format!("{}{ENDPOINT}", self.base)
    }

    /// Stops serving: from now on nothing answers at its address.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
    }

    /// Makes every code issued so far older than a code lives.
    pub fn expire_codes(&self) {
        let mut books = self.shared.books.lock().unwrap();
        let old = Instant::now()
            .checked_sub(self.shared.code_ttl + Duration::from_secs(1))
            .unwrap();
        for c in books.codes.values_mut() {
            c.issued = old;
        }
    }

    pub fn logouts(&self) -> Vec<LogOut> {
        self.shared.books.lock().unwrap().logouts.clone()
    }

    pub fn issued(&self) -> Vec<Issued> {
        let books = self.shared.books.lock().unwrap();
        books.tokens.iter().map(|(i, _, _)| i.clone()).collect()
    }

    /// Every grant asked for so far, in order.
    pub fn grants(&self) -> Vec<String> {
        self.shared.books.lock().unwrap().grants.clone()
    }
}

impl Drop for OneIdStandIn {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The browser's visit: `response_type=one_code`, checked, answered with the sign-in page.
async fn authorize(
    State(s): State<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let p = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    if p("response_type") != "one_code" {
        return (StatusCode::BAD_REQUEST, "unsupported response_type").into_response();
    }
    let Some(client) = s.clients.iter().find(|c| c.id == p("client_id")) else {
        return (StatusCode::BAD_REQUEST, "unknown client_id").into_response();
    };
    // Never send a code to an address the client did not register.
    if !client.redirect_uris.iter().any(|r| r == p("redirect_uri")) {
        return (StatusCode::BAD_REQUEST, "redirect_uri not registered").into_response();
    }
    if p("scope") != client.scope {
        return (StatusCode::BAD_REQUEST, "scope not issued to this client").into_response();
    }
    let auth_methods = q.get("auth_methods").map(|m| {
        m.split(',')
            .map(|m| m.trim().to_owned())
            .collect::<Vec<_>>()
    });
    let interaction = yagona_identity::random_token();
    let offered: Vec<&str> = METHODS
        .iter()
        .copied()
        .filter(|m| {
            auth_methods
                .as_ref()
                .is_none_or(|a| a.iter().any(|x| x == m))
        })
        .collect();
    s.books.lock().unwrap().pending.insert(
        interaction.clone(),
        Pending {
            client_id: client.id.clone(),
            redirect_uri: p("redirect_uri").to_owned(),
            state: p("state").to_owned(),
            auth_methods,
        },
    );
    let people: String = s
        .people
        .keys()
        .map(|k| format!("<option value=\"{0}\">{0}</option>", escape(k)))
        .collect();
    let methods: String = offered
        .iter()
        .map(|m| format!("<label><input type=\"radio\" name=\"method\" value=\"{m}\"> {m}</label>"))
        .collect();
    Html(format!(
        "<!doctype html><title>OneID</title><h1>OneID: sign in to {client}</h1>\
         <form method=\"post\" action=\"/sso/login\">\
         <input type=\"hidden\" name=\"interaction\" value=\"{interaction}\">\
         <select name=\"person\">{people}</select>{methods}\
         <button name=\"action\" value=\"sign-in\">Sign in</button>\
         <button name=\"action\" value=\"cancel\">Cancel</button></form>",
        client = escape(&client.id),
    ))
    .into_response()
}

/// The sign-in page's form: back to the client with a code (or with `error` when cancelled).
async fn login(State(s): State<Arc<Shared>>, Form(f): Form<HashMap<String, String>>) -> Response {
    let p = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    let Some(pending) = s.books.lock().unwrap().pending.remove(p("interaction")) else {
        return (StatusCode::BAD_REQUEST, "no such sign-in").into_response();
    };
    let sep = if pending.redirect_uri.contains('?') {
        '&'
    } else {
        '?'
    };
    let back = if p("action") == "cancel" {
        // Not confirmed by OneID's documents: an OAuth 2.0 error, as its clients expect.
        format!(
            "{}{sep}error=access_denied&state={}",
            pending.redirect_uri,
            encode(&pending.state)
        )
    } else {
        let method = p("method");
        let allowed = METHODS.contains(&method)
            && pending
                .auth_methods
                .as_ref()
                .is_none_or(|a| a.iter().any(|m| m == method));
        if !allowed || !s.people.contains_key(p("person")) {
            return (
                StatusCode::BAD_REQUEST,
                "choose a person and an offered method",
            )
                .into_response();
        }
        let code = random_code();
        s.books.lock().unwrap().codes.insert(
            code.clone(),
            Code {
                client_id: pending.client_id,
                redirect_uri: pending.redirect_uri.clone(),
                person: p("person").to_owned(),
                auth_method: method.to_owned(),
                issued: Instant::now(),
            },
        );
        format!(
            "{}{sep}code={}&state={}",
            pending.redirect_uri,
            encode(&code),
            encode(&pending.state)
        )
    };
    (StatusCode::FOUND, [(LOCATION, back)]).into_response()
}

/// The back channel: `grant_type` says which operation.
async fn grant(
    State(s): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    form: Result<Form<HashMap<String, String>>, FormRejection>,
) -> Response {
    let mut params = query;
    if let Ok(Form(body)) = form {
        params.extend(body);
    }
    let p = |k: &str| params.get(k).map(String::as_str).unwrap_or("");
    let grant = p("grant_type").to_owned();
    s.books.lock().unwrap().grants.push(grant.clone());
    let Some(client) = s
        .clients
        .iter()
        .find(|c| c.id == p("client_id") && c.secret == p("client_secret"))
    else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "unknown client or wrong secret",
        );
    };
    match grant.as_str() {
        "one_authorization_code" => {
            let mut books = s.books.lock().unwrap();
            // Good once: the code is gone whatever comes next.
            let Some(code) = books.codes.remove(p("code")) else {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "unknown or used code",
                );
            };
            if code.issued.elapsed() > s.code_ttl {
                return refuse(StatusCode::BAD_REQUEST, "invalid_grant", "the code expired");
            }
            if code.client_id != client.id {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "the code is another client's",
                );
            }
            if code.redirect_uri != p("redirect_uri") {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "redirect_uri differs",
                );
            }
            let token = yagona_identity::random_token();
            books.tokens.push((
                Issued {
                    access_token: token.clone(),
                    client_id: client.id.clone(),
                    person: code.person,
                    revoked: false,
                },
                client.scope.clone(),
                code.auth_method,
            ));
            Json(json!({
                "scope": client.scope,
                "expires_in": 500000,
                "token_type": "bearer",
                "refresh_token": yagona_identity::random_token(),
                "access_token": token,
            }))
            .into_response()
        }
        "one_access_token_identify" => {
            let books = s.books.lock().unwrap();
            let Some((issued, scope, method)) = books.tokens.iter().find(|(i, _, _)| {
                i.access_token == p("access_token") && i.client_id == client.id && !i.revoked
            }) else {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "invalid_token",
                    "unknown access_token",
                );
            };
            if scope != p("scope") {
                return refuse(StatusCode::BAD_REQUEST, "invalid_scope", "scope differs");
            }
            let mut profile = s.people[&issued.person].as_object().cloned().unwrap();
            profile.insert("auth_method".into(), json!(method));
            profile.insert("sess_id".into(), json!(issued.access_token));
            profile.insert("ret_cd".into(), json!("0"));
            // Given only when the person signed with an organisation's key.
            if method == "LEPKCSMETHOD" {
                if let Some(le) = profile
                    .get("legal_info")
                    .and_then(Value::as_array)
                    .and_then(|l| l.first())
                    .and_then(|l| l.get("le_tin"))
                    .cloned()
                {
                    profile.insert("pkcs_legal_tin".into(), le);
                }
            }
            Json(Value::Object(profile)).into_response()
        }
        "one_log_out" => {
            let mut books = s.books.lock().unwrap();
            let token = p("access_token").to_owned();
            let mut live = false;
            for (i, _, _) in books.tokens.iter_mut() {
                if i.access_token == token && i.client_id == client.id && !i.revoked {
                    i.revoked = true;
                    live = true;
                }
            }
            books.logouts.push(LogOut {
                client_id: client.id.clone(),
                access_token: token,
                live,
            });
            Json(json!({"ret_cd": "0"})).into_response()
        }
        _ => refuse(StatusCode::BAD_REQUEST, "unsupported_grant_type", &grant),
    }
}
