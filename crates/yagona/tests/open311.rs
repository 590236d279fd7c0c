//! The Open311 GeoReport v2 API over the contact point's appeals, as a city system or an app
//! sees it: every JSON answer is checked against the standard's own schemas (in `tests/open311/`,
//! CC BY 3.0), XML answers and errors are checked for the spec's shape, and a
//! client reads only what it filed.

mod common;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use yagona_contact::{Actor, AppealStore, Channel, Kind, Viewer};

on_both_databases!(
    discovery_services_and_definitions,
    a_client_files_a_request_and_reads_it_back,
    a_retry_with_the_same_idempotency_key_files_once,
    lists_filter_by_the_spec_parameters,
    each_client_sees_only_its_own_and_keys_are_required,
    bad_input_is_refused_and_creates_nothing,
);

// The GeoReport v2 schemas, verbatim (see open311/README.md).
/// `service.json`
const SERVICE: &str = include_str!("open311/service.json");
/// `services.json`
const SERVICES: &str = include_str!("open311/services.json");
/// `service-definition.json`
const SERVICE_DEFINITION: &str = include_str!("open311/service-definition.json");
/// `request.json`
const REQUEST: &str = include_str!("open311/request.json");
/// `requests.json`
const REQUESTS: &str = include_str!("open311/requests.json");
/// The answer to `POST requests` (swagger.json's `RequestResponse`; the spec lists no file).
const REQUEST_RESPONSE: &str = r#"{"type":"array","minItems":1,"items":{"required":["service_request_id","service_notice","token"],"properties":{"service_request_id":{"type":"string"},"token":{"type":"string"},"service_notice":{"type":"string"},"account_id":{"type":"string"}}}}"#;
/// The answer to `GET tokens/{token}` (swagger.json's `TokenResponse`).
const TOKEN_RESPONSE: &str = r#"{"type":"array","minItems":1,"items":{"required":["service_request_id","token"],"properties":{"service_request_id":{"type":"string"},"token":{"type":"string"}}}}"#;
/// The spec's error answer.
const ERRORS: &str = r#"{"type":"array","minItems":1,"items":{"type":"object","required":["code","description"],"additionalProperties":false,"properties":{"code":{"type":"integer"},"description":{"type":"string","minLength":1}}}}"#;

/// `value` must match `schema`, its `$ref`s to the other files resolved, formats checked.
fn conforms(schema: &str, value: &Value) {
    let parse = |s: &str| -> Value { serde_json::from_str(s).expect("the schema is JSON") };
    let mut options = jsonschema::options();
    options.should_validate_formats(true);
    for (name, text) in [
        ("service.json", SERVICE),
        ("request.json", REQUEST),
        ("service-definition.json", SERVICE_DEFINITION),
    ] {
        options.with_resource(
            format!("json-schema:///{name}"),
            jsonschema::Resource::from_contents(parse(text)).expect("a resource"),
        );
    }
    let validator = options.build(&parse(schema)).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?} in {value}");
}

/// An Open311 client over HTTP: no cookies, no CSRF, an API key or not.
struct Client {
    http: reqwest::Client,
    base: String,
    key: Option<String>,
}

async fn page(resp: reqwest::Response) -> Page {
    let status = resp.status();
    let content_type = resp
        .headers()
        .get("content-type")
        .map(|c| c.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = resp.bytes().await.unwrap().to_vec();
    Page {
        status,
        location: None,
        content_type,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes,
    }
}

impl Client {
    fn new(app: &TestApp, key: Option<&str>) -> Client {
        Client {
            http: reqwest::Client::new(),
            base: app.address.clone(),
            key: key.map(str::to_owned),
        }
    }

    /// `path` with the API key added to its query.
    fn url(&self, path: &str) -> String {
        match &self.key {
            Some(k) => {
                let sep = if path.contains('?') { '&' } else { '?' };
                format!("{}{path}{sep}api_key={k}", self.base)
            }
            None => format!("{}{path}", self.base),
        }
    }

    async fn get(&self, path: &str) -> Page {
        page(self.http.get(self.url(path)).send().await.unwrap()).await
    }

    async fn get_in(&self, path: &str, accept_language: &str) -> Page {
        page(
            self.http
                .get(self.url(path))
                .header("accept-language", accept_language)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Posts a form with the API key among its fields, as the spec has it.
    async fn post(&self, path: &str, fields: &[(&str, &str)], idempotency: Option<&str>) -> Page {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        if let Some(k) = &self.key {
            form.push(("api_key", k));
        }
        let mut req = self.http.post(format!("{}{path}", self.base)).form(&form);
        if let Some(i) = idempotency {
            req = req.header("Idempotency-Key", i);
        }
        page(req.send().await.unwrap()).await
    }

    async fn post_json(&self, path: &str, body: &Value) -> Page {
        page(
            self.http
                .post(self.url(path))
                .json(body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }
}

async fn new_client(app: &TestApp, name: &str) -> (String, Client) {
    let (id, key) = AppealStore { db: &app.db }
        .create_client(name)
        .await
        .expect("a client");
    (id, Client::new(app, Some(&key)))
}

/// The fields of a good request about birth registration.
fn good<'a>() -> Vec<(&'a str, &'a str)> {
    vec![
        ("service_code", "birth-registration"),
        (
            "description",
            "The certificate I received has my daughter's name misspelt.",
        ),
        ("first_name", "Dilnoza"),
        ("last_name", "Karimova"),
        ("phone", "+998901234567"),
        ("email", "dilnoza@example.uz"),
        ("lat", "41.311081"),
        ("long", "69.240562"),
        ("address_string", "Yunusobod, Tashkent"),
        ("attribute[kind]", "complaint"),
        ("attribute[subject]", "Misspelt name"),
        ("locale", "en"),
    ]
}

/// Replaces or adds a field.
fn with<'a>(
    mut fields: Vec<(&'a str, &'a str)>,
    name: &'a str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    fields.retain(|(k, _)| *k != name);
    fields.push((name, value));
    fields
}

fn without<'a>(mut fields: Vec<(&'a str, &'a str)>, name: &str) -> Vec<(&'a str, &'a str)> {
    fields.retain(|(k, _)| *k != name);
    fields
}

/// Files a request and returns its id.
async fn file(c: &Client, fields: &[(&str, &str)]) -> String {
    let p = c.post("/open311/v2/requests.json", fields, None).await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
    assert_eq!(p.content_type, "application/json");
    conforms(REQUEST_RESPONSE, &p.json());
    p.json()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// An error answer in the spec's JSON format with this status, whose description says `says`.
fn is_error(p: &Page, status: StatusCode, says: &str) {
    assert_eq!(p.status, status, "{}", p.body);
    assert_eq!(p.content_type, "application/json", "{}", p.body);
    let v = p.json();
    conforms(ERRORS, &v);
    assert_eq!(v[0]["code"], json!(status.as_u16()), "{v}");
    let d = v[0]["description"].as_str().unwrap();
    assert!(d.contains(says), "{d:?} should say {says:?}");
}

/// An error answer in the spec's XML format.
fn is_xml_error(p: &Page, status: StatusCode, says: &str) {
    assert_eq!(p.status, status, "{}", p.body);
    assert_eq!(p.content_type, "text/xml; charset=utf-8");
    assert!(p.body.starts_with("<?xml"), "{}", p.body);
    let root = p
        .body
        .find("<errors><error><code>")
        .expect("errors/error/code");
    assert!(
        p.body[root..].ends_with("</description></error></errors>"),
        "{}",
        p.body
    );
    assert_eq!(
        xml_values(&p.body, "code"),
        vec![status.as_u16().to_string()]
    );
    assert!(
        xml_values(&p.body, "description")[0].contains(says),
        "{}",
        p.body
    );
}

/// The texts of every `<tag>…</tag>` (unescaped), in order.
fn xml_values(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let j = after
            .find(&close)
            .unwrap_or_else(|| panic!("<{tag}> is not closed in {xml}"));
        out.push(
            after[..j]
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        );
        rest = &after[j + close.len()..];
    }
    out
}

async fn appeals(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM appeals").await
}

async fn agency_name(app: &TestApp, code: &str, l: yagona_core::Locale) -> String {
    app.node
        .catalogue
        .get()
        .await
        .agency(code)
        .unwrap_or_else(|| panic!("agency {code}"))
        .name
        .get(l)
        .to_owned()
}

// ---------------------------------------------------------------------------------------------

async fn discovery_services_and_definitions(app: TestApp) {
    let anyone = Client::new(&app, None);
    let host = app.address.trim_start_matches("http://").to_owned();

    let d = anyone.get("/open311/discovery.json").await;
    assert_eq!(d.status, StatusCode::OK, "{}", d.body);
    assert_eq!(d.content_type, "application/json");
    let d = d.json();
    assert!(d["changeset"].is_string() && d["contact"].is_string() && d["key_service"].is_string());
    assert_eq!(
        d["endpoints"],
        json!([{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": format!("http://{host}/open311/v2"),
            "changeset": d["changeset"],
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }])
    );
    let x = anyone.get("/open311/discovery.xml").await;
    assert_eq!(x.status, StatusCode::OK);
    assert_eq!(x.content_type, "text/xml; charset=utf-8");
    assert!(
        x.body
            .starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><discovery>"),
        "{}",
        x.body
    );
    assert!(x
        .body
        .contains("<formats><format>application/json</format><format>text/xml</format></formats>"));
    assert_eq!(
        xml_values(&x.body, "url"),
        vec![format!("http://{host}/open311/v2")]
    );

    // Services: every registry service and every topic, named in the language asked.
    let cat = app.node.catalogue.get().await;
    let en = anyone.get("/open311/v2/services.json?locale=en").await;
    assert_eq!(en.status, StatusCode::OK, "{}", en.body);
    let en = en.json();
    conforms(SERVICES, &en);
    let list = en.as_array().unwrap();
    let by_code = |list: &Value, code: &str| -> Value {
        list.as_array()
            .unwrap()
            .iter()
            .find(|s| s["service_code"] == code)
            .unwrap_or_else(|| panic!("{code} is listed"))
            .clone()
    };
    assert_eq!(
        list.len(),
        cat.services().len() + 6,
        "services and the six topics"
    );
    for s in cat.services() {
        let o = by_code(&en, s.passport.code.as_str());
        assert_eq!(o["service_name"], s.passport.name.en);
        assert_eq!(o["metadata"], true);
        assert_eq!(o["type"], "realtime");
    }
    let birth = by_code(&en, "birth-registration");
    let civil = agency_name(&app, "civil-registry", yagona_core::Locale::En).await;
    assert_eq!(birth["group"], civil);
    assert!(birth["keywords"]
        .as_str()
        .unwrap()
        .contains("birth certificate"));
    assert_eq!(
        birth["description"],
        cat.service("birth-registration")
            .unwrap()
            .passport
            .description
            .en
    );
    let roads = by_code(&en, "city-roads-lighting-waste");
    assert_eq!(
        roads["service_name"],
        "Roads, street lighting and waste (Tashkent city)"
    );
    assert_eq!(
        roads["group"],
        agency_name(&app, "tashkent-khokimiyat", yagona_core::Locale::En).await
    );
    // Russian by parameter (a POSIX-like tag too), by Accept-Language, and Uzbek by default.
    for ru in [
        anyone.get("/open311/v2/services.json?locale=ru").await,
        anyone.get("/open311/v2/services.json?locale=ru_RU").await,
        anyone
            .get_in("/open311/v2/services.json", "ru-RU,ru;q=0.9")
            .await,
    ] {
        let ru = ru.json();
        conforms(SERVICES, &ru);
        assert_eq!(
            by_code(&ru, "city-roads-lighting-waste")["service_name"],
            "Дороги, уличное освещение и мусор (город Ташкент)"
        );
        assert_eq!(
            by_code(&ru, "birth-registration")["service_name"],
            cat.service("birth-registration").unwrap().passport.name.ru
        );
    }
    let uz = anyone.get("/open311/v2/services.json").await.json();
    assert_eq!(
        by_code(&uz, "birth-registration")["service_name"],
        cat.service("birth-registration").unwrap().passport.name.uz
    );
    let cyrl = anyone
        .get("/open311/v2/services.json?locale=uz-Cyrl")
        .await
        .json();
    assert_eq!(
        by_code(&cyrl, "birth-registration")["service_name"],
        cat.service("birth-registration")
            .unwrap()
            .passport
            .name
            .uz_cyrl
    );

    let x = anyone.get("/open311/v2/services.xml?locale=en").await;
    assert_eq!(x.status, StatusCode::OK);
    assert_eq!(x.content_type, "text/xml; charset=utf-8");
    assert!(
        x.body.contains("<services><service><service_code>"),
        "{}",
        x.body
    );
    assert!(x.body.ends_with("</service></services>"));
    assert_eq!(xml_values(&x.body, "service").len(), list.len());
    assert!(xml_values(&x.body, "service_code").contains(&"city-roads-lighting-waste".to_owned()));
    assert!(xml_values(&x.body, "group").contains(&civil));

    // Definitions: the same attributes for a service and a topic, names translated.
    for code in ["birth-registration", "city-roads-lighting-waste"] {
        let p = anyone
            .get(&format!("/open311/v2/services/{code}.json?locale=en"))
            .await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        let def = p.json();
        conforms(SERVICE_DEFINITION, &def);
        assert_eq!(def["service_code"], code);
        let attrs = def["attributes"].as_array().unwrap();
        let codes: Vec<&str> = attrs.iter().map(|a| a["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["kind", "subject", "application_reference"]);
        assert_eq!(attrs[0]["datatype"], "singlevaluelist");
        assert_eq!(attrs[0]["required"], false);
        assert_eq!(
            attrs[0]["values"],
            json!([{"key": "inquiry", "name": "Inquiry"}, {"key": "complaint", "name": "Complaint"}, {"key": "proposal", "name": "Proposal"}])
        );
        assert_eq!(
            (&attrs[1]["datatype"], &attrs[1]["required"]),
            (&json!("string"), &json!(true))
        );
        assert_eq!(
            (&attrs[2]["datatype"], &attrs[2]["required"]),
            (&json!("string"), &json!(false))
        );
    }
    let ru = anyone
        .get("/open311/v2/services/birth-registration.json?locale=ru")
        .await
        .json();
    conforms(SERVICE_DEFINITION, &ru);
    assert_eq!(ru["attributes"][0]["values"][1]["name"], "Жалоба");
    let x = anyone
        .get("/open311/v2/services/birth-registration.xml?locale=uz")
        .await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.body.contains("<service_definition><service_code>birth-registration</service_code><attributes><attribute>"), "{}", x.body);
    assert_eq!(
        xml_values(&x.body, "key"),
        ["inquiry", "complaint", "proposal"]
    );
    assert_eq!(xml_values(&x.body, "name"), ["Ariza", "Shikoyat", "Taklif"]);

    // Unknown service, unknown format, unknown resource, wrong method.
    is_error(
        &anyone.get("/open311/v2/services/no-such-thing.json").await,
        StatusCode::NOT_FOUND,
        "service_code",
    );
    is_xml_error(
        &anyone.get("/open311/v2/services/no-such-thing.xml").await,
        StatusCode::NOT_FOUND,
        "service_code",
    );
    is_error(
        &anyone.get("/open311/v2/services.html").await,
        StatusCode::BAD_REQUEST,
        "format",
    );
    is_error(
        &anyone.get("/open311/v2/services.csv").await,
        StatusCode::BAD_REQUEST,
        "format",
    );
    is_error(
        &anyone
            .get("/open311/v2/services/birth-registration.yaml")
            .await,
        StatusCode::BAD_REQUEST,
        "format",
    );
    is_error(
        &anyone.get("/open311/discovery").await,
        StatusCode::BAD_REQUEST,
        "format",
    );
    is_error(
        &anyone.get("/open311/v2/elsewhere.json").await,
        StatusCode::NOT_FOUND,
        "no such",
    );
    is_xml_error(
        &anyone.get("/open311/v2/a/b/c.xml").await,
        StatusCode::NOT_FOUND,
        "no such",
    );
    let p = page(
        anyone
            .http
            .delete(format!("{}/open311/v2/services.json", app.address))
            .send()
            .await
            .unwrap(),
    )
    .await;
    is_error(&p, StatusCode::METHOD_NOT_ALLOWED, "DELETE");
}

async fn a_client_files_a_request_and_reads_it_back(app: TestApp) {
    let (client_id, c) = new_client(&app, "Tashkent city app").await;
    let id = file(&c, &good()).await;
    assert!(id.starts_with("MR-"), "{id}");

    // The appeal as stored: the Open311 channel, the client's, routed to the service's agency.
    let store = AppealStore { db: &app.db };
    let a = store
        .get(&tracking(&id), Viewer::Agency("civil-registry"))
        .await
        .unwrap()
        .expect("the service's agency holds it");
    assert_eq!(a.channel, Channel::Open311);
    assert_eq!(a.client_id.as_deref(), Some(client_id.as_str()));
    assert_eq!(a.kind, Kind::Complaint);
    assert_eq!(
        (a.subject.as_str(), a.name.as_str()),
        ("Misspelt name", "Dilnoza Karimova")
    );
    assert_eq!(a.phone.as_deref(), Some("+998901234567"));
    assert_eq!(a.locale, yagona_core::Locale::En);
    assert_eq!((a.lat, a.lon), (Some(41.311081), Some(69.240562)));
    assert_eq!(a.address.as_deref(), Some("Yunusobod, Tashkent"));
    let history = store.events(&tracking(&id), true).await.unwrap();
    assert_eq!(history[0].actor_kind, "client");
    assert_eq!(history[0].actor_name, "Tashkent city app");

    // Read back by its number, under both paths the spec's documents use.
    let civil = agency_name(&app, "civil-registry", yagona_core::Locale::En).await;
    for path in [
        format!("/open311/v2/requests/{id}.json?locale=en"),
        format!("/open311/v2/request/{id}.json?locale=en"),
    ] {
        let p = c.get(&path).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        let v = p.json();
        conforms(REQUESTS, &v);
        let r = &v[0];
        assert_eq!(v.as_array().unwrap().len(), 1);
        assert_eq!(r["service_request_id"], id.as_str());
        assert_eq!(r["status"], "open");
        assert_eq!(r["status_notes"], Value::Null);
        assert_eq!(r["service_code"], "birth-registration");
        assert_eq!(
            r["service_name"],
            app.node
                .catalogue
                .get()
                .await
                .service("birth-registration")
                .unwrap()
                .passport
                .name
                .en
        );
        assert_eq!(
            r["description"],
            "The certificate I received has my daughter's name misspelt."
        );
        assert_eq!(r["agency_responsible"], civil);
        assert_eq!(
            r["expected_datetime"],
            format!("{}T18:00:00+05:00", a.deadline)
        );
        assert!(r["service_notice"]
            .as_str()
            .unwrap()
            .contains(&a.deadline.format("%-d %B %Y").to_string()));
        assert_eq!(
            (&r["lat"], &r["long"]),
            (&json!(41.311081), &json!(69.240562))
        );
        assert_eq!(r["address"], "Yunusobod, Tashkent");
        assert_eq!(
            (&r["address_id"], &r["zipcode"], &r["media_url"]),
            (&Value::Null, &Value::Null, &Value::Null)
        );
        let requested =
            chrono::DateTime::parse_from_rfc3339(r["requested_datetime"].as_str().unwrap())
                .unwrap();
        assert!(
            (chrono::Utc::now() - requested.with_timezone(&chrono::Utc))
                .num_seconds()
                .abs()
                < 120
        );
        assert!(r["updated_datetime"].is_string());
    }
    // Lower case and without hyphens is the same number.
    let loose = id.replace('-', "").to_lowercase();
    assert_eq!(
        c.get(&format!("/open311/v2/requests/{loose}.json"))
            .await
            .json()[0]["service_request_id"],
        id.as_str()
    );

    // The token is the number.
    let t = c.get(&format!("/open311/v2/tokens/{id}.json")).await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.body);
    conforms(TOKEN_RESPONSE, &t.json());
    assert_eq!(t.json(), json!([{"service_request_id": id, "token": id}]));
    let tx = c.get(&format!("/open311/v2/tokens/{id}.xml")).await;
    assert!(tx.body.contains(&format!("<service_requests><request><service_request_id>{id}</service_request_id><token>{id}</token></request></service_requests>")), "{}", tx.body);

    // About a topic, as JSON, with the subject taken from the description, in Russian; text
    // that is markup stays text in XML.
    let p = c
        .post_json(
            "/open311/v2/requests.json",
            &json!({
                "service_code": "city-roads-lighting-waste",
                "description": "Не горит фонарь <у дома 5> & во дворе темно уже неделю, а ещё яма на дороге прямо у подъезда \"номер два\"",
                "first_name": "Акмаль",
                "email": "akmal@example.uz",
                "lat": 41.3,
                "long": 69.25,
                "locale": "ru",
                "attribute": {"kind": "proposal", "application_reference": "yg 7k4m x9qa"},
                "device_id": "abc",
            }),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
    conforms(REQUEST_RESPONSE, &p.json());
    assert!(p.json()[0]["service_notice"]
        .as_str()
        .unwrap()
        .starts_with("Срок ответа по закону"));
    let lamp = p.json()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = store
        .get(&tracking(&lamp), Viewer::Agency("tashkent-khokimiyat"))
        .await
        .unwrap()
        .expect("the topic's agency holds it");
    assert_eq!(a.topic.as_deref(), Some("city-roads-lighting-waste"));
    assert_eq!(a.service, None);
    assert_eq!(a.kind, Kind::Proposal);
    assert_eq!(a.application_ref.as_deref(), Some("YG-7K4M-X9QA"));
    assert!(
        (70..=80).contains(&a.subject.chars().count()),
        "{}",
        a.subject
    );
    assert!(a.subject.starts_with("Не горит фонарь"));
    assert_eq!(a.locale, yagona_core::Locale::Ru);
    let x = c
        .get(&format!("/open311/v2/requests/{lamp}.xml?locale=ru"))
        .await;
    assert_eq!(x.status, StatusCode::OK, "{}", x.body);
    assert_eq!(x.content_type, "text/xml; charset=utf-8");
    assert!(x.body.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><service_requests><request><service_request_id>"), "{}", x.body);
    assert!(
        x.body.contains("&lt;у дома 5&gt; &amp; во дворе"),
        "{}",
        x.body
    );
    assert!(!x.body.contains("<у дома"));
    assert_eq!(xml_values(&x.body, "description")[0], a.body);
    assert_eq!(
        xml_values(&x.body, "service_code"),
        ["city-roads-lighting-waste"]
    );
    assert_eq!(xml_values(&x.body, "status"), ["open"]);
    assert_eq!(xml_values(&x.body, "lat"), ["41.3"]);
    assert!(x.body.contains("<status_notes/>"));
    assert_eq!(
        xml_values(&x.body, "agency_responsible"),
        [agency_name(&app, "tashkent-khokimiyat", yagona_core::Locale::Ru).await]
    );

    // The XML answer to a POST.
    let px = c.post("/open311/v2/requests.xml", &good(), None).await;
    assert_eq!(px.status, StatusCode::CREATED, "{}", px.body);
    assert!(
        px.body
            .contains("<service_requests><request><service_request_id>MR-"),
        "{}",
        px.body
    );
    assert_eq!(
        xml_values(&px.body, "token"),
        xml_values(&px.body, "service_request_id")
    );
    assert_eq!(xml_values(&px.body, "service_notice").len(), 1);

    // Once answered, the request is closed and the answer is its status notes.
    let officer = Actor::Officer {
        user_id: "officer-1".into(),
        name: "Officer".into(),
        agency: "civil-registry".into(),
    };
    store
        .reply(
            &tracking(&id),
            &officer,
            "The certificate has been reissued.",
        )
        .await
        .unwrap();
    let v = c
        .get(&format!("/open311/v2/requests/{id}.json"))
        .await
        .json();
    conforms(REQUESTS, &v);
    assert_eq!(v[0]["status"], "closed");
    assert_eq!(v[0]["status_notes"], "The certificate has been reissued.");
    assert_eq!(v[0]["service_notice"], Value::Null);
    assert_eq!(appeals(&app).await, 3);
}

async fn a_retry_with_the_same_idempotency_key_files_once(app: TestApp) {
    let (_, c) = new_client(&app, "Retrying app").await;
    let (_, other) = new_client(&app, "Another app").await;
    let first = c
        .post("/open311/v2/requests.json", &good(), Some("report-42"))
        .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let id = first.json()[0]["service_request_id"].clone();
    let again = c
        .post("/open311/v2/requests.json", &good(), Some("report-42"))
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    conforms(REQUEST_RESPONSE, &again.json());
    assert_eq!(again.json()[0]["service_request_id"], id);
    assert_eq!(appeals(&app).await, 1);
    // Another key, or the same key from another client, is another request.
    let next = c
        .post("/open311/v2/requests.json", &good(), Some("report-43"))
        .await;
    assert_eq!(next.status, StatusCode::CREATED);
    assert_ne!(next.json()[0]["service_request_id"], id);
    let theirs = other
        .post("/open311/v2/requests.json", &good(), Some("report-42"))
        .await;
    assert_eq!(theirs.status, StatusCode::CREATED);
    assert_ne!(theirs.json()[0]["service_request_id"], id);
    assert_eq!(appeals(&app).await, 3);
    // Retries at the same moment still file once.
    let fields = good();
    let tries = futures::future::join_all(
        (0..6).map(|_| c.post("/open311/v2/requests.json", &fields, Some("burst-1"))),
    )
    .await;
    let ids: std::collections::BTreeSet<String> = tries
        .iter()
        .map(|p| {
            assert!(
                p.status == StatusCode::CREATED || p.status == StatusCode::OK,
                "{}",
                p.body
            );
            p.json()[0]["service_request_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(
        tries
            .iter()
            .filter(|p| p.status == StatusCode::CREATED)
            .count(),
        1
    );
    assert_eq!(appeals(&app).await, 4);
    // A key that is not one.
    let long = "k".repeat(201);
    is_error(
        &c.post("/open311/v2/requests.json", &good(), Some(&long))
            .await,
        StatusCode::BAD_REQUEST,
        "Idempotency-Key",
    );
    assert_eq!(appeals(&app).await, 4);
}

async fn lists_filter_by_the_spec_parameters(app: TestApp) {
    let (_, c) = new_client(&app, "City app").await;
    let (_, other) = new_client(&app, "Other app").await;
    let birth = file(&c, &good()).await;
    let passport = file(&c, &with(good(), "service_code", "passport-id-card")).await;
    let roads = file(
        &c,
        &with(good(), "service_code", "city-roads-lighting-waste"),
    )
    .await;
    let theirs = file(&other, &good()).await;
    AppealStore { db: &app.db }
        .reply(
            &tracking(&passport),
            &Actor::Officer {
                user_id: "o".into(),
                name: "O".into(),
                agency: "interior".into(),
            },
            "Done.",
        )
        .await
        .unwrap();

    let ids = |p: &Page| -> Vec<String> {
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        let v = p.json();
        conforms(REQUESTS, &v);
        let mut ids: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["service_request_id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };
    let sorted = |mut v: Vec<&String>| -> Vec<String> {
        v.sort();
        v.into_iter().cloned().collect()
    };
    let all = sorted(vec![&birth, &passport, &roads]);
    assert_eq!(ids(&c.get("/open311/v2/requests.json").await), all);
    assert_eq!(
        ids(&c.get("/open311/v2/requests.json?status=open,closed").await),
        all
    );
    assert_eq!(
        ids(&c.get("/open311/v2/requests.json?status=open").await),
        sorted(vec![&birth, &roads])
    );
    assert_eq!(
        ids(&c.get("/open311/v2/requests.json?status=closed").await),
        vec![passport.clone()]
    );
    assert_eq!(
        ids(&c
            .get("/open311/v2/requests.json?service_code=birth-registration")
            .await),
        vec![birth.clone()]
    );
    assert_eq!(
        ids(&c
            .get("/open311/v2/requests.json?service_code=city-roads-lighting-waste")
            .await),
        vec![roads.clone()]
    );
    assert_eq!(
        ids(&c
            .get("/open311/v2/requests.json?service_code=passport-id-card&status=open")
            .await),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(&c
            .get("/open311/v2/requests.json?service_code=no-such-service")
            .await),
        Vec::<String>::new()
    );

    // Dates, in UTC and with an offset.
    let now = chrono::Utc::now();
    let at = |d: chrono::Duration| (now + d).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let hour = chrono::Duration::hours(1);
    assert_eq!(
        ids(&c
            .get(&format!(
                "/open311/v2/requests.json?start_date={}&end_date={}",
                at(-hour),
                at(hour)
            ))
            .await),
        all
    );
    assert_eq!(
        ids(&c
            .get(&format!(
                "/open311/v2/requests.json?start_date={}",
                at(hour)
            ))
            .await),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(&c
            .get(&format!("/open311/v2/requests.json?end_date={}", at(-hour)))
            .await),
        Vec::<String>::new()
    );
    let tashkent = (now - hour)
        .with_timezone(&chrono::FixedOffset::east_opt(5 * 3600).unwrap())
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
        .replace('+', "%2B");
    assert_eq!(
        ids(&c
            .get(&format!(
                "/open311/v2/requests.json?start_date={tashkent}&service_code=birth-registration"
            ))
            .await),
        vec![birth.clone()]
    );
    let long_ago = "2020-01-01T00:00:00Z";
    assert_eq!(
        ids(&c
            .get(&format!("/open311/v2/requests.json?end_date={long_ago}"))
            .await),
        Vec::<String>::new()
    );

    // By number: overrides the other filters; another client's number is not found.
    let list = format!("{birth},{passport},{theirs},MR-XXXX,{birth}");
    assert_eq!(
        ids(&c.get(&format!("/open311/v2/requests.json?service_request_id={list}&status=open&service_code=roads")).await),
        sorted(vec![&birth, &passport])
    );

    // The XML list.
    let x = c.get("/open311/v2/requests.xml?status=open").await;
    assert_eq!(x.status, StatusCode::OK);
    let mut xs = xml_values(&x.body, "service_request_id");
    xs.sort();
    assert_eq!(xs, sorted(vec![&birth, &roads]));
    assert!(x.body.contains("<service_requests><request>"));

    // Bad filters.
    for bad in [
        "start_date=yesterday",
        "end_date=2026-13-01T00:00:00Z",
        "start_date=2026-01-01",
    ] {
        is_error(
            &c.get(&format!("/open311/v2/requests.json?{bad}")).await,
            StatusCode::BAD_REQUEST,
            bad.split('=').next().unwrap(),
        );
    }
    is_xml_error(
        &c.get("/open311/v2/requests.xml?end_date=soon").await,
        StatusCode::BAD_REQUEST,
        "end_date",
    );
    is_error(
        &c.get(&format!(
            "/open311/v2/requests.json?start_date={}&end_date={}",
            at(hour),
            at(-hour)
        ))
        .await,
        StatusCode::BAD_REQUEST,
        "end_date",
    );
    is_error(
        &c.get("/open311/v2/requests.json?status=pending").await,
        StatusCode::BAD_REQUEST,
        "status",
    );
    is_error(
        &c.get("/open311/v2/requests.json?start_date=%FF").await,
        StatusCode::BAD_REQUEST,
        "start_date",
    );
}

async fn each_client_sees_only_its_own_and_keys_are_required(app: TestApp) {
    let (_, a) = new_client(&app, "App A").await;
    let (_, b) = new_client(&app, "App B").await;
    let id = file(&a, &good()).await;

    is_error(
        &b.get(&format!("/open311/v2/requests/{id}.json")).await,
        StatusCode::NOT_FOUND,
        "no such request",
    );
    is_xml_error(
        &b.get(&format!("/open311/v2/request/{id}.xml")).await,
        StatusCode::NOT_FOUND,
        "no such request",
    );
    is_error(
        &b.get(&format!("/open311/v2/tokens/{id}.json")).await,
        StatusCode::NOT_FOUND,
        "token",
    );
    is_error(
        &b.get("/open311/v2/requests/not-a-number.json").await,
        StatusCode::NOT_FOUND,
        "no such request",
    );
    assert_eq!(b.get("/open311/v2/requests.json").await.json(), json!([]));
    assert_eq!(
        b.get(&format!(
            "/open311/v2/requests.json?service_request_id={id}"
        ))
        .await
        .json(),
        json!([])
    );
    assert_eq!(
        a.get("/open311/v2/requests.json")
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // No key, or a key nobody was given: 403 in the spec's format, and nothing filed.
    let anyone = Client::new(&app, None);
    let forger = Client::new(&app, Some("o311_00000000000000000000000000000000"));
    for c in [&anyone, &forger] {
        is_error(
            &c.get("/open311/v2/requests.json").await,
            StatusCode::FORBIDDEN,
            "api_key",
        );
        is_xml_error(
            &c.get("/open311/v2/requests.xml").await,
            StatusCode::FORBIDDEN,
            "api_key",
        );
        is_error(
            &c.get(&format!("/open311/v2/requests/{id}.json")).await,
            StatusCode::FORBIDDEN,
            "api_key",
        );
        is_error(
            &c.get(&format!("/open311/v2/tokens/{id}.json")).await,
            StatusCode::FORBIDDEN,
            "api_key",
        );
        is_error(
            &c.post("/open311/v2/requests.json", &good(), None).await,
            StatusCode::FORBIDDEN,
            "api_key",
        );
        is_xml_error(
            &c.post("/open311/v2/requests.xml", &good(), None).await,
            StatusCode::FORBIDDEN,
            "api_key",
        );
    }
    // The key in the query string of a POST is as good as in its body.
    let key = a.key.clone().unwrap();
    let p = page(
        anyone
            .http
            .post(format!(
                "{}/open311/v2/requests.json?api_key={key}",
                app.address
            ))
            .form(&good())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.body);
    assert_eq!(appeals(&app).await, 2);
}

async fn bad_input_is_refused_and_creates_nothing(app: TestApp) {
    let (_, c) = new_client(&app, "Careless app").await;
    let long = "x".repeat(4001);
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (without(good(), "description"), "description: is required"),
        (
            with(good(), "description", "   "),
            "description: is required",
        ),
        (
            with(good(), "description", &long),
            "description: is too long",
        ),
        (without(good(), "service_code"), "service_code: is required"),
        (
            with(good(), "service_code", "no-such-service"),
            "service_code",
        ),
        (
            with(good(), "phone", "12345"),
            "phone: is not a phone number",
        ),
        (
            with(good(), "email", "not-an-address"),
            "email: is not an e-mail address",
        ),
        (without(without(good(), "phone"), "email"), "email or phone"),
        (with(good(), "lat", "91"), "lat: is out of range"),
        (with(good(), "long", "-180.5"), "long: is out of range"),
        (with(good(), "lat", "north"), "lat: is not a number"),
        (with(good(), "lat", "NaN"), "lat"),
        // One coordinate alone is no place.
        (without(good(), "long"), "long: is required"),
        (without(good(), "lat"), "lat: is required"),
        (
            without(without(good(), "first_name"), "last_name"),
            "first_name",
        ),
        (with(good(), "attribute[kind]", "praise"), "attribute[kind]"),
        (
            with(good(), "attribute[application_reference]", "12345"),
            "attribute[application_reference]",
        ),
        (
            with(good(), "attribute[subject]", &long),
            "attribute[subject]: is too long",
        ),
        (
            with(good(), "address_string", &long),
            "address_string: is too long",
        ),
    ];
    for (fields, says) in &cases {
        is_error(
            &c.post("/open311/v2/requests.json", fields, None).await,
            StatusCode::BAD_REQUEST,
            says,
        );
    }
    is_xml_error(
        &c.post(
            "/open311/v2/requests.xml",
            &without(good(), "description"),
            None,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "description: is required",
    );
    // Bodies that are not what they say, and a format that is not one.
    let raw = |body: &'static str, content_type: &'static str| {
        let url = format!(
            "{}/open311/v2/requests.json?api_key={}",
            app.address,
            c.key.clone().unwrap()
        );
        let http = c.http.clone();
        async move {
            page(
                http.post(url)
                    .header("content-type", content_type)
                    .body(body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    is_error(
        &raw("{not json", "application/json").await,
        StatusCode::BAD_REQUEST,
        "JSON",
    );
    // Bytes that are not UTF-8 text are refused, not stored as U+FFFD; so is a NUL.
    let encoded = |fields: &[(&str, &str)]| {
        fields
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&")
    };
    let form = "application/x-www-form-urlencoded";
    for sneaky in ["Karimova%FF", "Karimova%C3", "Kari%00mova"] {
        let body = format!(
            "{}&last_name={sneaky}",
            encoded(&without(good(), "last_name"))
        );
        let body: &'static str = Box::leak(body.into_boxed_str());
        is_error(&raw(body, form).await, StatusCode::BAD_REQUEST, "UTF-8");
    }
    let nul = serde_json::to_string(&json!({
        "service_code": "birth-registration", "description": "a\u{0}b", "first_name": "D",
        "email": "d@example.uz"
    }))
    .unwrap();
    is_error(
        &raw(Box::leak(nul.into_boxed_str()), "application/json").await,
        StatusCode::BAD_REQUEST,
        "NUL",
    );
    is_error(
        &c.get("/open311/v2/requests.json?service_code=%FF").await,
        StatusCode::BAD_REQUEST,
        "UTF-8",
    );
    is_error(
        &raw("[1, 2]", "application/json").await,
        StatusCode::BAD_REQUEST,
        "JSON object",
    );
    is_error(
        &raw(r#"{"description": {"a": 1}}"#, "application/json").await,
        StatusCode::BAD_REQUEST,
        "description",
    );
    is_error(
        &c.post("/open311/v2/requests.csv", &good(), None).await,
        StatusCode::BAD_REQUEST,
        "format",
    );
    is_error(
        &c.post("/open311/v2/services.json", &good(), None).await,
        StatusCode::METHOD_NOT_ALLOWED,
        "POST",
    );
    assert_eq!(appeals(&app).await, 0, "nothing was filed");
    // And the same request done right is filed.
    file(&c, &good()).await;
    assert_eq!(appeals(&app).await, 1);
}

fn tracking(id: &str) -> yagona_core::TrackingNumber {
    yagona_core::TrackingNumber::parse(id).expect("a tracking number")
}
