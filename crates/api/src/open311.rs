//! Open311 GeoReport v2 (<http://wiki.open311.org/GeoReport_v2>) over the contact point's
//! appeals, for city systems and apps that report issues: `/open311/discovery.{fmt}` and
//! `/open311/v2/…`, each answer in JSON (`.json`) or XML (`.xml`).
//!
//! Mapping: an Open311 *service* is a registry service (`service_code` = its code, `group` = its
//! agency's name) or a contact-centre topic (`service_code` = the topic's code); a *service
//! request* is an appeal filed through the Open311 channel (`service_request_id` = its tracking
//! number, `MR-XXXX-XXXX`; the token is the same number, since requests are created at once). The
//! service definition has the attributes `kind` (inquiry, complaint or proposal), `subject` and
//! `application_reference` (the `YG-XXXX-XXXX` number of an application the appeal is about).
//! `status` is `open` while the appeal waits for an answer and `closed` once answered;
//! `status_notes` is the latest public answer; `expected_datetime` is the legal deadline's day at
//! 18:00 Tashkent time. Texts are in the language asked by `?locale=` (`uz`, `uz-Cyrl`, `ru`,
//! `en`; `ru_RU`-like forms too), else by `Accept-Language`, else Uzbek.
//!
//! Deviations from the specification, deliberate:
//! - **Reading requests needs an API key too**, and a client reads only the requests it filed
//!   (GeoReport lets anyone list every request): appeals carry people's names, contacts and
//!   complaints. `GET requests` therefore lists the calling client's requests, by the spec's
//!   filters (`service_request_id`, `service_code`, `start_date`, `end_date`, `status`; by
//!   default the last 90 days, at most 1,000, newest first), all applied in the store's query.
//! - `POST requests` needs a name (`first_name` and/or `last_name`) and an e-mail address or a
//!   phone number, as the law on appeals does; `device_id`, `account_id`, `address_id`,
//!   `media_url` and `jurisdiction_id` (there is one jurisdiction) are accepted and ignored. An
//!   `Idempotency-Key` header makes a retry return the request filed the first time (200
//!   instead of 201). JSON bodies are accepted besides the spec's form encoding.
//!
//! Errors are the spec's: `[{"code": 400, "description": "…"}]` or
//! `<errors><error><code>400</code><description>…</description></error></errors>`, with the
//! HTTP status equal to the code.

use crate::Api;
use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use std::collections::HashSet;
use std::sync::Arc;
use yagona_contact::topics::{ContactData, Topic, TopicStore};
use yagona_contact::{
    Actor, Appeal, AppealError, AppealStore, Channel, Kind, NewAppeal, Problem, QueueFilter,
    Viewer, MAX_BODY,
};
use yagona_core::request::ClientAddress;
use yagona_core::{Locale, ReferenceNumber, Timestamp, TrackingNumber};
use yagona_identity::attempts::{Attempts, Limit};
use yagona_registry::{Catalogue, Service};

const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";
/// When this API last changed (discovery's `changeset`).
const CHANGESET: &str = "2026-11-27T00:00:00+05:00";
/// The longest request body accepted.
const MAX_REQUEST_BYTES: usize = 64 * 1024;
/// The most requests one list answers, and the default span of a list (the spec's defaults).
const MAX_LIST: usize = 1000;
const DEFAULT_SPAN_DAYS: i64 = 90;
/// How much of the description makes the subject when none is given.
const SUBJECT_FROM_DESCRIPTION: usize = 80;
const MAX_IDEMPOTENCY_KEY: usize = 200;
/// Wrong API keys one address may give in an hour: keys cannot be guessed at speed, on any
/// node (counted in the database).
const WRONG_KEYS: Limit = Limit {
    scope: "open311-key",
    max: 20,
    window_secs: 3600,
};

pub fn routes() -> Router<Arc<Api>> {
    Router::new().route("/open311/{*path}", any(dispatch))
}

// ---------------------------------------------------------------------------------------------
// Answers: one tree, written as JSON or XML.

/// An answer's content, in the order its fields are written. Lists name their XML items.
enum Node {
    Null,
    Str(String),
    Num(f64),
    Int(i64),
    Bool(bool),
    Obj(Vec<(&'static str, Node)>),
    List(&'static str, Vec<Node>),
}

fn text(s: impl Into<String>) -> Node {
    Node::Str(s.into())
}

fn opt_text<S: Into<String>>(s: Option<S>) -> Node {
    s.map_or(Node::Null, |s| Node::Str(s.into()))
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Null => s.serialize_none(),
            Node::Str(v) => s.serialize_str(v),
            Node::Num(v) => s.serialize_f64(*v),
            Node::Int(v) => s.serialize_i64(*v),
            Node::Bool(v) => s.serialize_bool(*v),
            Node::Obj(fields) => {
                let mut m = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
            Node::List(_, items) => {
                let mut q = s.serialize_seq(Some(items.len()))?;
                for v in items {
                    q.serialize_element(v)?;
                }
                q.end()
            }
        }
    }
}

/// Characters XML 1.0 cannot carry even escaped become U+FFFD.
fn xml_safe(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect()
}

fn write_xml<W: std::io::Write>(
    w: &mut quick_xml::Writer<W>,
    name: &str,
    node: &Node,
) -> std::io::Result<()> {
    let scalar = match node {
        Node::Null => return w.write_event(Event::Empty(BytesStart::new(name))),
        Node::Obj(fields) => {
            w.write_event(Event::Start(BytesStart::new(name)))?;
            for (k, v) in fields {
                write_xml(w, k, v)?;
            }
            return w.write_event(Event::End(BytesEnd::new(name)));
        }
        Node::List(item, items) => {
            w.write_event(Event::Start(BytesStart::new(name)))?;
            for v in items {
                write_xml(w, item, v)?;
            }
            return w.write_event(Event::End(BytesEnd::new(name)));
        }
        Node::Str(v) => xml_safe(v),
        Node::Num(v) => v.to_string(),
        Node::Int(v) => v.to_string(),
        Node::Bool(v) => v.to_string(),
    };
    w.write_event(Event::Start(BytesStart::new(name)))?;
    w.write_event(Event::Text(BytesText::new(&scalar)))?;
    w.write_event(Event::End(BytesEnd::new(name)))
}

fn to_xml(root: &str, node: &Node) -> std::io::Result<Vec<u8>> {
    let mut w = quick_xml::Writer::new(Vec::new());
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)))?;
    write_xml(&mut w, root, node)?;
    Ok(w.into_inner())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

impl Format {
    fn parse(ext: &str) -> Option<Format> {
        match ext.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "xml" => Some(Format::Xml),
            _ => None,
        }
    }
}

/// A successful answer: its status, its XML root element and its content.
struct Reply {
    status: StatusCode,
    root: &'static str,
    node: Node,
}

impl Reply {
    fn ok(root: &'static str, node: Node) -> Reply {
        Reply {
            status: StatusCode::OK,
            root,
            node,
        }
    }
}

/// An error as the spec writes it: its code is the HTTP status.
#[derive(Debug)]
struct Failure {
    status: StatusCode,
    description: String,
}

impl Failure {
    fn new(status: StatusCode, description: impl Into<String>) -> Failure {
        Failure {
            status,
            description: description.into(),
        }
    }
    fn bad(description: impl Into<String>) -> Failure {
        Failure::new(StatusCode::BAD_REQUEST, description)
    }
    fn not_found(description: impl Into<String>) -> Failure {
        Failure::new(StatusCode::NOT_FOUND, description)
    }
}

fn internal(e: impl std::fmt::Display) -> Failure {
    tracing::error!(error = %e, "open311 API");
    Failure::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "something went wrong on our side; try again later",
    )
}

fn render(fmt: Format, status: StatusCode, root: &str, node: &Node) -> Response {
    let body = match fmt {
        Format::Json => serde_json::to_vec(node).map_err(|e| e.to_string()),
        Format::Xml => to_xml(root, node).map_err(|e| e.to_string()),
    };
    match body {
        Ok(bytes) => {
            let content_type = match fmt {
                Format::Json => "application/json",
                Format::Xml => "text/xml; charset=utf-8",
            };
            (
                status,
                [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
                bytes,
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "open311 answer could not be written");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                [(header::CONTENT_TYPE, "application/json")],
                r#"[{"code":500,"description":"the answer could not be written"}]"#,
            )
                .into_response()
        }
    }
}

fn fail(fmt: Format, f: Failure) -> Response {
    let node = Node::List(
        "error",
        vec![Node::Obj(vec![
            ("code", Node::Int(i64::from(f.status.as_u16()))),
            ("description", text(f.description)),
        ])],
    );
    render(fmt, f.status, "errors", &node)
}

// ---------------------------------------------------------------------------------------------
// The call: route, format, language, parameters, client.

struct Call<'a> {
    state: &'a Api,
    headers: &'a HeaderMap,
    /// The calling client's address, as the node settled it.
    address: String,
    locale: Locale,
    query: Vec<(String, String)>,
    /// The body's fields (POST), by the spec's names (`attribute[kind]`).
    form: Vec<(String, String)>,
}

fn lookup<'v>(fields: &'v [(String, String)], name: &str) -> Option<&'v str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// A language as a parameter names it: a tag of ours, or `ru_RU`-like forms by their language.
fn parse_locale(s: &str) -> Option<Locale> {
    let t = s.trim().replace('_', "-");
    Locale::parse(&t).or_else(|| Locale::negotiate(&t))
}

impl Call<'_> {
    /// A parameter of the body, else of the query string: trimmed, never empty.
    fn field(&self, name: &str) -> Option<&str> {
        lookup(&self.form, name).or_else(|| lookup(&self.query, name))
    }

    fn locale_from(&self) -> Locale {
        self.field("locale")
            .and_then(parse_locale)
            .or_else(|| {
                self.headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Locale::negotiate)
            })
            .unwrap_or(Locale::Uz)
    }

    /// The calling client, by its `api_key`: (id, name).
    async fn client(&self) -> Result<(String, String), Failure> {
        let denied = || {
            Failure::new(
                StatusCode::FORBIDDEN,
                "api_key: a valid API key is required; the platform's operators issue them",
            )
        };
        let Some(key) = self.field("api_key") else {
            return Err(denied());
        };
        let attempts = Attempts { db: &self.state.db };
        if attempts
            .exhausted(&WRONG_KEYS, &self.address)
            .await
            .map_err(internal)?
        {
            return Err(Failure::new(
                StatusCode::TOO_MANY_REQUESTS,
                "api_key: too many wrong keys from this address; try again in an hour",
            ));
        }
        let found = if key.len() <= 200 {
            (AppealStore { db: &self.state.db })
                .client_by_key(key)
                .await
                .map_err(internal)?
        } else {
            None
        };
        match found {
            Some(c) => Ok(c),
            None => {
                attempts
                    .spend(&WRONG_KEYS, &self.address)
                    .await
                    .map_err(internal)?;
                Err(denied())
            }
        }
    }

    /// `https://host` as the client reached us.
    fn base_url(&self) -> String {
        let host = self
            .headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|h| {
                !h.is_empty()
                    && h.len() <= 255
                    && h.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c))
            })
            .unwrap_or("localhost");
        let scheme = match self
            .headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_ascii_lowercase())
            .as_deref()
        {
            Some("https") => "https",
            _ => "http",
        };
        format!("{scheme}://{host}")
    }
}

async fn dispatch(
    State(state): State<Arc<Api>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    path: Result<Path<String>, PathRejection>,
    address: Option<axum::Extension<ClientAddress>>,
    body: Body,
) -> Response {
    let Ok(Path(path)) = path else {
        return fail(Format::Json, Failure::bad("the path is not valid"));
    };
    let segments: Vec<&str> = path.split('/').collect();
    let Some((last, dirs)) = segments.split_last() else {
        return fail(Format::Json, Failure::not_found("no such resource"));
    };
    let (stem, fmt) = match last.rsplit_once('.') {
        Some((stem, ext)) => match Format::parse(ext) {
            Some(f) => (stem, f),
            None => {
                return fail(
                    Format::Json,
                    Failure::bad(format!(
                        "format {:?} is not supported: end the path with .json or .xml",
                        ext.chars().take(20).collect::<String>()
                    )),
                )
            }
        },
        None => {
            return fail(
                Format::Json,
                Failure::bad("give the format: end the path with .json or .xml"),
            )
        }
    };
    let query = match yagona_core::request::form_fields(uri.query().unwrap_or("").as_bytes()) {
        Ok(q) => q,
        Err(e) => return fail(fmt, Failure::bad(e.to_string())),
    };
    let mut call = Call {
        state: &state,
        headers: &headers,
        address: address.map_or_else(|| "unknown".to_owned(), |a| a.0 .0),
        locale: Locale::Uz,
        query,
        form: Vec::new(),
    };
    call.locale = call.locale_from();
    let get = method == Method::GET || method == Method::HEAD;
    let post = method == Method::POST;
    let result = match (dirs, stem) {
        ([], "discovery") if get => Ok(discovery(&call)),
        (["v2"], "services") if get => services(&call).await,
        (["v2"], "requests") if get => list_requests(&call).await,
        (["v2"], "requests") if post => match read_form(&headers, body).await {
            Ok(form) => {
                call.form = form;
                call.locale = call.locale_from();
                create(&call).await
            }
            Err(f) => Err(f),
        },
        (["v2", "services"], code) if get => definition(&call, code).await,
        (["v2", "requests" | "request"], id) if get => one_request(&call, id).await,
        (["v2", "tokens"], token) if get => token_request(&call, token).await,
        ([], "discovery")
        | (["v2"], "services" | "requests")
        | (["v2", "services" | "requests" | "request" | "tokens"], _) => Err(Failure::new(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("method {method} is not allowed here"),
        )),
        _ => Err(Failure::not_found("no such resource")),
    };
    match result {
        Ok(r) => render(fmt, r.status, r.root, &r.node),
        Err(f) => fail(fmt, f),
    }
}

/// A POST body's fields: form-encoded (as the spec has it) or a JSON object, whose `attribute`
/// object gives `attribute[CODE]` fields.
async fn read_form(headers: &HeaderMap, body: Body) -> Result<Vec<(String, String)>, Failure> {
    let bytes = axum::body::to_bytes(body, MAX_REQUEST_BYTES)
        .await
        .map_err(|_| {
            Failure::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is larger than {MAX_REQUEST_BYTES} bytes"),
            )
        })?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let media = content_type.split(';').next().unwrap_or("").trim();
    if media == "application/json" || media.ends_with("+json") {
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| Failure::bad(format!("the body is not JSON: {e}")))?;
        let serde_json::Value::Object(map) = value else {
            return Err(Failure::bad("the body must be a JSON object"));
        };
        let scalar = |k: &str, v: &serde_json::Value| -> Result<Option<String>, Failure> {
            match v {
                serde_json::Value::Null => Ok(None),
                serde_json::Value::String(s) if s.contains('\0') => {
                    Err(Failure::bad(format!("{k}: must not contain NUL")))
                }
                serde_json::Value::String(s) => Ok(Some(s.clone())),
                serde_json::Value::Number(n) => Ok(Some(n.to_string())),
                serde_json::Value::Bool(b) => Ok(Some(b.to_string())),
                _ => Err(Failure::bad(format!("{k}: must be a string or a number"))),
            }
        };
        let mut fields = Vec::new();
        for (k, v) in &map {
            match v {
                serde_json::Value::Object(attrs) if k == "attribute" => {
                    for (ak, av) in attrs {
                        let name = format!("attribute[{ak}]");
                        if let Some(s) = scalar(&name, av)? {
                            fields.push((name, s));
                        }
                    }
                }
                _ => {
                    if let Some(s) = scalar(k, v)? {
                        fields.push((k.clone(), s));
                    }
                }
            }
        }
        Ok(fields)
    } else {
        // Text that is not UTF-8 is refused, not stored as U+FFFD.
        yagona_core::request::form_fields(&bytes).map_err(|e| Failure::bad(e.to_string()))
    }
}

// ---------------------------------------------------------------------------------------------
// Discovery and services.

fn discovery(call: &Call<'_>) -> Reply {
    let url = format!("{}/open311/v2", call.base_url());
    Reply::ok(
        "discovery",
        Node::Obj(vec![
            ("changeset", text(CHANGESET)),
            (
                "contact",
                text("The single contact point of the e-Government Centre (Yagona)"),
            ),
            (
                "key_service",
                text("API keys are issued by the platform's operators (`yagona open311 client NAME`); send one as api_key with every call"),
            ),
            (
                "endpoints",
                Node::List(
                    "endpoint",
                    vec![Node::Obj(vec![
                        ("specification", text(SPECIFICATION)),
                        ("url", text(url)),
                        ("changeset", text(CHANGESET)),
                        ("type", text("production")),
                        (
                            "formats",
                            Node::List(
                                "format",
                                vec![text("application/json"), text("text/xml")],
                            ),
                        ),
                    ])],
                ),
            ),
        ]),
    )
}

fn agency_name(cat: &Catalogue, code: &str, l: Locale) -> Option<String> {
    cat.agency(code).map(|a| a.name.get(l).to_owned())
}

fn service_node(cat: &Catalogue, s: &Service, l: Locale) -> Node {
    let p = &s.passport;
    Node::Obj(vec![
        ("service_code", text(p.code.as_str())),
        ("service_name", text(p.name.get(l))),
        ("description", text(p.description.get(l))),
        ("metadata", Node::Bool(true)),
        ("type", text("realtime")),
        (
            "keywords",
            opt_text(p.keywords.as_ref().map(|k| k.get(l).to_owned())),
        ),
        ("group", opt_text(agency_name(cat, p.agency.as_str(), l))),
    ])
}

fn topic_node(cat: &Catalogue, t: &Topic, l: Locale) -> Node {
    Node::Obj(vec![
        ("service_code", text(t.code.as_str())),
        ("service_name", text(t.name.get(l))),
        ("description", text(t.name.get(l))),
        ("metadata", Node::Bool(true)),
        ("type", text("realtime")),
        ("keywords", Node::Null),
        ("group", opt_text(agency_name(cat, t.agency.as_str(), l))),
    ])
}

async fn topics(state: &Api) -> Result<ContactData, Failure> {
    TopicStore { db: &state.db }.load().await.map_err(internal)
}

async fn services(call: &Call<'_>) -> Result<Reply, Failure> {
    let cat = call.state.catalogue.get().await;
    let data = topics(call.state).await?;
    let l = call.locale;
    let mut items: Vec<Node> = cat
        .services()
        .iter()
        .map(|s| service_node(&cat, s, l))
        .collect();
    items.extend(
        data.topics
            .iter()
            .filter(|t| cat.service(t.code.as_str()).is_none())
            .map(|t| topic_node(&cat, t, l)),
    );
    Ok(Reply::ok("services", Node::List("service", items)))
}

/// Texts of the service definition in the four languages.
fn in_language(l: Locale, uz: &str, uz_cyrl: &str, ru: &str, en: &str) -> String {
    match l {
        Locale::Uz => uz,
        Locale::UzCyrl => uz_cyrl,
        Locale::Ru => ru,
        Locale::En => en,
    }
    .to_owned()
}

fn kind_name(kind: Kind, l: Locale) -> String {
    match kind {
        Kind::Inquiry => in_language(l, "Ariza", "Ариза", "Заявление", "Inquiry"),
        Kind::Complaint => in_language(l, "Shikoyat", "Шикоят", "Жалоба", "Complaint"),
        Kind::Proposal => in_language(l, "Taklif", "Таклиф", "Предложение", "Proposal"),
    }
}

fn definition_node(code: &str, l: Locale) -> Node {
    let attribute = |code: &'static str,
                     datatype: &'static str,
                     required: bool,
                     order: i64,
                     description: String,
                     values: Option<Node>| {
        let mut fields = vec![
            ("variable", Node::Bool(true)),
            ("code", text(code)),
            ("datatype", text(datatype)),
            ("required", Node::Bool(required)),
            ("datatype_description", Node::Null),
            ("order", Node::Int(order)),
            ("description", text(description)),
        ];
        if let Some(v) = values {
            fields.push(("values", v));
        }
        Node::Obj(fields)
    };
    let kinds = Node::List(
        "value",
        Kind::ALL
            .into_iter()
            .map(|k| {
                Node::Obj(vec![
                    ("key", text(k.code())),
                    ("name", text(kind_name(k, l))),
                ])
            })
            .collect(),
    );
    Node::Obj(vec![
        ("service_code", text(code)),
        (
            "attributes",
            Node::List(
                "attribute",
                vec![
                    attribute(
                        "kind",
                        "singlevaluelist",
                        false,
                        1,
                        in_language(
                            l,
                            "Murojaat turi: ariza, shikoyat yoki taklif (koʻrsatilmasa — ariza)",
                            "Мурожаат тури: ариза, шикоят ёки таклиф (кўрсатилмаса — ариза)",
                            "Вид обращения: заявление, жалоба или предложение (по умолчанию — заявление)",
                            "What the appeal is: an inquiry, a complaint or a proposal (inquiry if not given)",
                        ),
                        Some(kinds),
                    ),
                    attribute(
                        "subject",
                        "string",
                        true,
                        2,
                        in_language(
                            l,
                            "Murojaat mavzusi (200 belgigacha)",
                            "Мурожаат мавзуси (200 белгигача)",
                            "Тема обращения (до 200 символов)",
                            "The subject of the appeal (up to 200 characters)",
                        ),
                        None,
                    ),
                    attribute(
                        "application_reference",
                        "string",
                        false,
                        3,
                        in_language(
                            l,
                            "Murojaat tegishli boʻlgan davlat xizmati arizasining raqami (YG-XXXX-XXXX), agar boʻlsa",
                            "Мурожаат тегишли бўлган давлат хизмати аризасининг рақами (YG-XXXX-XXXX), агар бўлса",
                            "Номер заявки на государственную услугу, к которой относится обращение (YG-XXXX-XXXX), если есть",
                            "The number of the service application the appeal is about (YG-XXXX-XXXX), if any",
                        ),
                        None,
                    ),
                ],
            ),
        ),
    ])
}

async fn definition(call: &Call<'_>, code: &str) -> Result<Reply, Failure> {
    let cat = call.state.catalogue.get().await;
    let known = cat.service(code).is_some() || topics(call.state).await?.topic(code).is_some();
    if !known {
        return Err(Failure::not_found(format!(
            "service_code: there is no service {:?}",
            code.chars().take(100).collect::<String>()
        )));
    }
    Ok(Reply::ok(
        "service_definition",
        definition_node(code, call.locale),
    ))
}

// ---------------------------------------------------------------------------------------------
// Requests.

fn service_notice(deadline: NaiveDate, l: Locale) -> String {
    let d = deadline.format("%d.%m.%Y");
    match l {
        Locale::Uz => format!("Qonun boʻyicha javob muddati: {d}."),
        Locale::UzCyrl => format!("Қонун бўйича жавоб муддати: {d}."),
        Locale::Ru => format!("Срок ответа по закону: {d}."),
        Locale::En => format!(
            "The legal deadline for an answer is {}.",
            deadline.format("%-d %B %Y")
        ),
    }
}

fn tashkent() -> FixedOffset {
    FixedOffset::east_opt(5 * 3600).expect("UTC+5 is a valid offset")
}

/// A stored timestamp in Tashkent time, to the second.
fn datetime(t: &Timestamp) -> Node {
    text(
        t.with_timezone(&tashkent())
            .to_rfc3339_opts(SecondsFormat::Secs, false),
    )
}

/// The deadline's day at the end of office hours, Tashkent time.
fn expected(deadline: NaiveDate) -> String {
    format!("{deadline}T18:00:00+05:00")
}

fn open311_status(a: &Appeal) -> &'static str {
    if a.status.is_open() {
        "open"
    } else {
        "closed"
    }
}

fn service_code_of(a: &Appeal) -> &str {
    a.service
        .as_deref()
        .or(a.topic.as_deref())
        .unwrap_or_default()
}

fn request_node(
    cat: &Catalogue,
    data: &ContactData,
    a: &Appeal,
    notes: Option<String>,
    l: Locale,
) -> Node {
    let service_name = match (&a.service, &a.topic) {
        (Some(s), _) => cat.service(s).map(|s| s.passport.name.get(l).to_owned()),
        (None, Some(t)) => data.topic(t).map(|t| t.name.get(l).to_owned()),
        (None, None) => None,
    };
    let open = a.status.is_open();
    Node::Obj(vec![
        ("service_request_id", text(a.id.as_str())),
        ("status", text(open311_status(a))),
        ("status_notes", opt_text(notes)),
        ("service_name", opt_text(service_name)),
        ("service_code", text(service_code_of(a))),
        ("description", text(&a.body)),
        (
            "agency_responsible",
            opt_text(a.agency.as_deref().and_then(|c| agency_name(cat, c, l))),
        ),
        (
            "service_notice",
            opt_text(open.then(|| service_notice(a.deadline, l))),
        ),
        ("requested_datetime", datetime(&a.received_at)),
        ("updated_datetime", datetime(&a.updated_at)),
        ("expected_datetime", text(expected(a.deadline))),
        ("address", opt_text(a.address.clone())),
        ("address_id", Node::Null),
        ("zipcode", Node::Null),
        ("lat", a.lat.map_or(Node::Null, Node::Num)),
        ("long", a.lon.map_or(Node::Null, Node::Num)),
        ("media_url", Node::Null),
    ])
}

/// The requests as the spec lists them, each with its latest public answer.
async fn request_list(call: &Call<'_>, appeals: &[Appeal]) -> Result<Reply, Failure> {
    let cat = call.state.catalogue.get().await;
    let data = topics(call.state).await?;
    let ids: Vec<&TrackingNumber> = appeals.iter().map(|a| &a.id).collect();
    let mut notes = AppealStore { db: &call.state.db }
        .latest_replies(&ids)
        .await
        .map_err(internal)?;
    let items = appeals
        .iter()
        .map(|a| request_node(&cat, &data, a, notes.remove(&a.id), call.locale))
        .collect();
    Ok(Reply::ok("service_requests", Node::List("request", items)))
}

/// The Open311 name of a field the appeals store names.
fn field_name(field: &str, problem: Problem) -> &str {
    match (field, problem) {
        (_, Problem::NeedContact) => "email or phone",
        ("body", _) => "description",
        ("subject", _) => "attribute[subject]",
        ("name", _) => "first_name",
        ("address", _) => "address_string",
        ("service" | "topic", _) => "service_code",
        (f, _) => f,
    }
}

fn appeal_error(e: AppealError) -> Failure {
    match e {
        AppealError::Invalid { field, problem } => {
            Failure::bad(format!("{}: {problem}", field_name(field, problem)))
        }
        AppealError::NotFound => Failure::not_found("no such request"),
        other @ (AppealError::Conflict
        | AppealError::NotNow(_)
        | AppealError::ReopenPeriodOver
        | AppealError::AlreadyExtended) => Failure::new(StatusCode::CONFLICT, other.to_string()),
        other => internal(other),
    }
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, Failure> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = v
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| {
            !k.is_empty()
                && k.len() <= MAX_IDEMPOTENCY_KEY
                && k.bytes().all(|b| b.is_ascii_graphic())
        })
        .ok_or_else(|| {
            Failure::bad(format!(
                "Idempotency-Key: give 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"
            ))
        })?;
    Ok(Some(key.to_owned()))
}

fn coordinate(call: &Call<'_>, name: &str) -> Result<Option<f64>, Failure> {
    call.field(name)
        .map(|v| {
            v.parse::<f64>()
                .map_err(|_| Failure::bad(format!("{name}: is not a number")))
        })
        .transpose()
}

async fn create(call: &Call<'_>) -> Result<Reply, Failure> {
    let (client_id, client_name) = call.client().await?;
    let cat = call.state.catalogue.get().await;
    let data = topics(call.state).await?;
    let code = call
        .field("service_code")
        .ok_or_else(|| Failure::bad("service_code: is required"))?;
    let (service, topic) = if cat.service(code).is_some() {
        (Some(code.to_owned()), None)
    } else if data.topic(code).is_some() {
        (None, Some(code.to_owned()))
    } else {
        return Err(Failure::bad(format!(
            "service_code: {:?} is not a service of this API (see services.json)",
            code.chars().take(100).collect::<String>()
        )));
    };
    let description = call
        .field("description")
        .ok_or_else(|| Failure::bad("description: is required"))?;
    if description.chars().count() > MAX_BODY {
        return Err(Failure::bad(format!(
            "description: is too long (at most {MAX_BODY} characters)"
        )));
    }
    let kind = match call.field("attribute[kind]") {
        None => Kind::Inquiry,
        Some(k) => Kind::parse(&k.to_ascii_lowercase()).ok_or_else(|| {
            Failure::bad("attribute[kind]: is not one of inquiry, complaint, proposal")
        })?,
    };
    let subject = match call.field("attribute[subject]") {
        Some(s) => s.to_owned(),
        None => description
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(SUBJECT_FROM_DESCRIPTION)
            .collect::<String>()
            .trim()
            .to_owned(),
    };
    let application_ref = call
        .field("attribute[application_reference]")
        .map(|r| {
            ReferenceNumber::parse(r)
                .map(|r| r.as_str().to_owned())
                .map_err(|_| {
                    Failure::bad(
                        "attribute[application_reference]: is not an application number (YG-XXXX-XXXX)",
                    )
                })
        })
        .transpose()?;
    let name = [call.field("first_name"), call.field("last_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        return Err(Failure::bad(
            "first_name: is required (give first_name and/or last_name)",
        ));
    }
    let lat = coordinate(call, "lat")?;
    let lon = coordinate(call, "long")?;
    let key = idempotency_key(call.headers)?.map(|k| format!("open311:{client_id}:{k}"));
    let new = NewAppeal {
        kind,
        channel: Channel::Open311,
        service,
        topic,
        subject,
        body: description.to_owned(),
        pinfl: None,
        name,
        phone: call.field("phone").map(str::to_owned),
        email: call.field("email").map(str::to_owned),
        locale: call.locale,
        needs_checking: false,
        address: call.field("address_string").map(str::to_owned),
        lat,
        lon,
        application_ref,
        client_id: Some(client_id.clone()),
        idempotency_key: key,
        first_contact_answer: None,
        first_contact_kb: None,
        received_on: None,
        actor: Actor::Client {
            id: client_id,
            name: client_name,
        },
    };
    let filed = AppealStore { db: &call.state.db }
        .create(&cat, new)
        .await
        .map_err(appeal_error)?;
    let a = &filed.appeal;
    Ok(Reply {
        status: if filed.replayed {
            StatusCode::OK
        } else {
            StatusCode::CREATED
        },
        root: "service_requests",
        node: Node::List(
            "request",
            vec![Node::Obj(vec![
                ("service_request_id", text(a.id.as_str())),
                ("service_notice", text(service_notice(a.deadline, a.locale))),
                ("token", text(a.id.as_str())),
            ])],
        ),
    })
}

/// The request with this number, if the client filed it.
async fn own(call: &Call<'_>, client_id: &str, id: &str) -> Result<Option<Appeal>, Failure> {
    let Ok(number) = TrackingNumber::parse(id) else {
        return Ok(None);
    };
    AppealStore { db: &call.state.db }
        .get(&number, Viewer::Client(client_id))
        .await
        .map_err(internal)
}

async fn one_request(call: &Call<'_>, id: &str) -> Result<Reply, Failure> {
    let (client_id, _) = call.client().await?;
    let a = own(call, &client_id, id)
        .await?
        .ok_or_else(|| Failure::not_found("service_request_id: no such request of yours"))?;
    request_list(call, std::slice::from_ref(&a)).await
}

async fn token_request(call: &Call<'_>, token: &str) -> Result<Reply, Failure> {
    let (client_id, _) = call.client().await?;
    let a = own(call, &client_id, token)
        .await?
        .ok_or_else(|| Failure::not_found("token: no such token of yours"))?;
    Ok(Reply::ok(
        "service_requests",
        Node::List(
            "request",
            vec![Node::Obj(vec![
                ("service_request_id", text(a.id.as_str())),
                ("token", text(a.id.as_str())),
            ])],
        ),
    ))
}

fn date_param(call: &Call<'_>, name: &str) -> Result<Option<DateTime<Utc>>, Failure> {
    call.query_field(name)
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    Failure::bad(format!(
                        "{name}: is not a date and time in RFC 3339 (e.g. 2026-01-31T09:00:00+05:00)"
                    ))
                })
        })
        .transpose()
}

impl Call<'_> {
    fn query_field(&self, name: &str) -> Option<&str> {
        lookup(&self.query, name)
    }
}

async fn list_requests(call: &Call<'_>) -> Result<Reply, Failure> {
    let (client_id, _) = call.client().await?;
    let viewer = Viewer::Client(&client_id);
    if let Some(ids) = call.query_field("service_request_id") {
        let mut seen = HashSet::new();
        let mut found = Vec::new();
        for id in ids
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .take(MAX_LIST)
        {
            if let Some(a) = own(call, &client_id, id).await? {
                if seen.insert(a.id.clone()) {
                    found.push(a);
                }
            }
        }
        return request_list(call, &found).await;
    }
    let code = call.query_field("service_code");
    let start = date_param(call, "start_date")?;
    let end = date_param(call, "end_date")?;
    let span = chrono::Duration::days(DEFAULT_SPAN_DAYS);
    let (start, end) = match (start, end) {
        (Some(s), e) => (s, e),
        (None, Some(e)) => (e - span, Some(e)),
        (None, None) => (Utc::now() - span, None),
    };
    if end.is_some_and(|e| e < start) {
        return Err(Failure::bad("end_date: is before start_date"));
    }
    let (mut want_open, mut want_closed) = (false, false);
    match call.query_field("status") {
        None => (want_open, want_closed) = (true, true),
        Some(s) => {
            for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                match part.to_ascii_lowercase().as_str() {
                    "open" => want_open = true,
                    "closed" => want_closed = true,
                    _ => return Err(Failure::bad("status: give open, closed or open,closed")),
                }
            }
        }
    }
    let cat = call.state.catalogue.get().await;
    let topic_codes = topics(call.state).await?;
    let filter = QueueFilter {
        open_only: want_open && !want_closed,
        closed_only: want_closed && !want_open,
        service: code.filter(|c| cat.service(c).is_some()).map(str::to_owned),
        topic: code
            .filter(|c| topic_codes.topic(c).is_some())
            .map(str::to_owned),
        received_from: Some(start),
        received_to: end,
        newest_first: true,
        limit: MAX_LIST as u32,
        ..QueueFilter::default()
    };
    if code.is_some() && filter.service.is_none() && filter.topic.is_none() {
        // A code that is neither a service nor a topic has no requests.
        return request_list(call, &[]).await;
    }
    let appeals = AppealStore { db: &call.state.db }
        .queue(viewer, &filter)
        .await
        .map_err(internal)?;
    request_list(call, &appeals).await
}

/// The OpenAPI description of the Open311 endpoints. One handler answers them all (the format
/// is the path's extension), so they are described here, each as the specification has it.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    doc::discovery,
    doc::services,
    doc::service_definition,
    doc::list_requests,
    doc::create_request,
    doc::one_request,
    doc::token
))]
pub(crate) struct Open311Api;

#[allow(dead_code)]
mod doc {
    /// Open311 discovery: the endpoint, the specification, formats.
    #[utoipa::path(get, path = "/open311/discovery.{format}", tag = "open311",
        params(("format" = String, Path, description = "json or xml")),
        responses((status = 200, description = "{changeset, contact, key_service, endpoints: [{specification, url, changeset, type, formats}]}"),
            (status = 400, description = "[{code: 400, description}]: a format other than json or xml, or a parameter that is not valid")))]
    pub fn discovery() {}

    /// The services and contact-centre topics requests may be about.
    #[utoipa::path(get, path = "/open311/v2/services.{format}", tag = "open311",
        params(("format" = String, Path, description = "json or xml"), ("locale" = Option<String>, Query, description = "uz, uz-Cyrl, ru or en")),
        responses((status = 200, description = "[{service_code, service_name, description, metadata, type, keywords, group}]"),
            (status = 400, description = "[{code: 400, description}]: a format other than json or xml, or a parameter that is not valid")))]
    pub fn services() {}

    /// A service's definition: its attributes (kind, subject, application_reference).
    #[utoipa::path(get, path = "/open311/v2/services/{service_code}.{format}", tag = "open311",
        params(("service_code" = String, Path), ("format" = String, Path, description = "json or xml")),
        responses((status = 200, description = "{service_code, attributes: [{variable, code, datatype, required, datatype_description, order, description, values}]}"),
            (status = 404, description = "[{code: 404, description}]"), (status = 400, description = "[{code: 400, description}]: a format other than json or xml, or a parameter that is not valid")))]
    pub fn service_definition() {}

    /// The calling client's requests (by the spec's filters; the last 90 days by default).
    #[utoipa::path(get, path = "/open311/v2/requests.{format}", tag = "open311",
        params(("format" = String, Path, description = "json or xml"), ("api_key" = String, Query),
            ("service_request_id" = Option<String>, Query, description = "comma-separated tracking numbers"),
            ("service_code" = Option<String>, Query), ("start_date" = Option<String>, Query, description = "RFC 3339"),
            ("end_date" = Option<String>, Query, description = "RFC 3339"), ("status" = Option<String>, Query, description = "open, closed or open,closed")),
        responses((status = 200, description = "[{service_request_id, status, status_notes, service_name, service_code, description, agency_responsible, service_notice, requested_datetime, updated_datetime, expected_datetime, address, lat, long, …}]"),
            (status = 400, description = "[{code: 400, description}]: a format other than json or xml, or a parameter that is not valid"), (status = 403, description = "[{code: 403, description}]: no valid api_key"), (status = 429, description = "[{code: 429, description}]: too many wrong api_keys from this address")))]
    pub fn list_requests() {}

    /// Files a request: an appeal through the Open311 channel (form-encoded or JSON; an
    /// `Idempotency-Key` header makes a retry return the first one).
    #[utoipa::path(post, path = "/open311/v2/requests.{format}", tag = "open311",
        params(("format" = String, Path, description = "json or xml"), ("Idempotency-Key" = Option<String>, Header)),
        request_body(content_type = "application/x-www-form-urlencoded", description = "api_key, service_code, description, first_name/last_name, email or phone, lat and long or address_string, attribute[kind], attribute[subject], attribute[application_reference]"),
        responses((status = 201, description = "[{service_request_id, token, service_notice, account_id}]"), (status = 200, description = "the same request, filed before with this Idempotency-Key"),
            (status = 400, description = "[{code: 400, description}]: what is wrong, field by field"), (status = 403, description = "[{code: 403, description}]: no valid api_key"), (status = 429, description = "[{code: 429, description}]: too many wrong api_keys from this address"),
            (status = 413, description = "[{code: 413, description}]: the body is too large")))]
    pub fn create_request() {}

    /// One of the calling client's requests.
    #[utoipa::path(get, path = "/open311/v2/requests/{service_request_id}.{format}", tag = "open311",
        params(("service_request_id" = String, Path, description = "MR-XXXX-XXXX"), ("format" = String, Path, description = "json or xml"), ("api_key" = String, Query)),
        responses((status = 200, description = "[{service_request_id, …}]"), (status = 404, description = "[{code: 404, description}]"),
            (status = 400, description = "[{code: 400, description}]: a format other than json or xml, or a parameter that is not valid"), (status = 403, description = "[{code: 403, description}]: no valid api_key"), (status = 429, description = "[{code: 429, description}]: too many wrong api_keys from this address")))]
    pub fn one_request() {}

    /// The request a token stands for (requests are created at once: the token is its number).
    #[utoipa::path(get, path = "/open311/v2/tokens/{token}.{format}", tag = "open311",
        params(("token" = String, Path), ("format" = String, Path, description = "json or xml"), ("api_key" = String, Query)),
        responses((status = 200, description = "[{service_request_id, token}]"), (status = 404, description = "[{code: 404, description}]"),
            (status = 400, description = "[{code: 400, description}]: a format other than json or xml, or a parameter that is not valid"), (status = 403, description = "[{code: 403, description}]: no valid api_key"), (status = 429, description = "[{code: 429, description}]: too many wrong api_keys from this address")))]
    pub fn token() {}
}
