//! The protocol's metaservices: `listClients` (JSON or X-Road's XML, in X-Road's or GovStack's
//! field names) and a provider's `listMethods`, `allowedMethods` and `getOpenAPI`.

use crate::pipeline::{header_text, refuse};
use crate::snapshot::Snapshot;
use crate::{Body, Gateway};
use http::header::{self, HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::json;
use yagona_core::Locale;
use yagona_exchange::{ClientId, ErrorKind, ExchangeError, ServiceId};

/// A JSON (or other) answer with its content type.
fn answer(content_type: &'static str, body: impl Into<Body>) -> http::Response<Body> {
    let mut r = http::Response::new(body.into());
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

fn json_response(v: serde_json::Value) -> http::Response<Body> {
    answer("application/json;charset=utf-8", v.to_string())
}

/// Whose field names a metaservice answers with: X-Road's (snake_case) or GovStack's
/// Information Mediator's (camelCase, `applicationCode`, lists under `member`), by the header
/// the caller named itself with.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    XRoad,
    GovStack,
}

impl Dialect {
    pub(crate) fn of(headers: &HeaderMap) -> Dialect {
        if header_text(headers, "x-road-client").is_none()
            && header_text(headers, "x-govstack-client").is_some()
        {
            Dialect::GovStack
        } else {
            Dialect::XRoad
        }
    }
}

impl Dialect {
    /// A metaservice's refusal as this dialect answers it. GovStack's `im-directory-api.yaml`
    /// has one answer for a request naming what is not there — 400, "Error in request" — and
    /// keeps 500 for the server's own failures; X-Road answers an unknown service or provider
    /// as `server.serverproxy.unknown_*` with 500, and its clients expect that.
    pub(crate) fn refusal(self, e: ExchangeError) -> ExchangeError {
        match (self, e.kind) {
            (Dialect::GovStack, ErrorKind::UnknownService | ErrorKind::UnknownMember) => {
                ExchangeError::new(ErrorKind::BadRequest, e.message)
            }
            _ => e,
        }
    }
}

fn service_json(
    service: &ServiceId,
    endpoints: Vec<serde_json::Value>,
    openapi: bool,
    dialect: Dialect,
) -> serde_json::Value {
    let p = &service.provider;
    if dialect == Dialect::GovStack {
        return json!({
            "objectType": "SERVICE",
            "serviceType": if openapi { "OPENAPI" } else { "REST" },
            "instanceId": p.instance,
            "memberClass": p.class,
            "memberCode": p.member,
            "applicationCode": p.subsystem,
            "serviceCode": service.code,
            "endpointList": {"member": endpoints},
        });
    }
    json!({
        "member_class": p.class,
        "member_code": p.member,
        "object_type": "SERVICE",
        "service_code": service.code,
        "service_type": if openapi { "OPENAPI" } else { "REST" },
        "subsystem_code": p.subsystem,
        "xroad_instance": p.instance,
        "endpoint_list": endpoints,
    })
}

pub(crate) fn metaservice(
    snapshot: &Snapshot,
    client: &ClientId,
    meta: &ServiceId,
    query: Option<&str>,
    dialect: Dialect,
) -> Result<http::Response<Body>, ExchangeError> {
    let list = if dialect == Dialect::GovStack {
        "member"
    } else {
        "service"
    };
    let provider = snapshot
        .directory
        .subsystem(&meta.provider)
        .ok_or_else(|| {
            refuse(
                ErrorKind::UnknownMember,
                format!(
                    "provider {} is not a subsystem in the directory",
                    meta.provider
                ),
            )
        })?;
    match meta.code.as_str() {
        "listMethods" => {
            let services: Vec<_> = provider
                .services
                .values()
                .map(|s| {
                    let endpoints = s
                        .endpoints()
                        .into_iter()
                        .map(|e| json!({"method": e.method, "path": e.path}))
                        .collect();
                    service_json(&s.id, endpoints, s.openapi.is_some(), dialect)
                })
                .collect();
            Ok(json_response(json!({ list: services })))
        }
        "allowedMethods" => {
            let groups = snapshot.directory.groups_of(client);
            let services: Vec<_> = provider
                .services
                .values()
                .filter_map(|s| {
                    let endpoints: Vec<_> = s
                        .rights
                        .iter()
                        .filter(|r| r.covers(client, &groups))
                        .map(|r| json!({"method": r.method, "path": r.path}))
                        .collect();
                    (!endpoints.is_empty())
                        .then(|| service_json(&s.id, endpoints, s.openapi.is_some(), dialect))
                })
                .collect();
            Ok(json_response(json!({ list: services })))
        }
        _ => {
            let code = query
                .and_then(|q| {
                    serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                        .ok()?
                        .into_iter()
                        .find(|(k, _)| k == "serviceCode")
                        .map(|(_, v)| v)
                })
                .ok_or_else(|| refuse(ErrorKind::BadRequest, "getOpenAPI needs ?serviceCode=…"))?;
            // A code no service could have is the caller's mistake, in either dialect.
            yagona_exchange::id::check_part(&code).map_err(|why| {
                refuse(
                    ErrorKind::InvalidServiceIdentifier,
                    format!("serviceCode {code:?}: {why}"),
                )
            })?;
            let service = provider.services.get(&code).ok_or_else(|| {
                refuse(
                    ErrorKind::UnknownService,
                    format!("{} offers no service {code:?}", meta.provider),
                )
            })?;
            let text = service.openapi.clone().ok_or_else(|| {
                refuse(
                    ErrorKind::UnknownService,
                    format!("service {code:?} has no OpenAPI description"),
                )
            })?;
            Ok(answer("application/json;charset=utf-8", text))
        }
    }
}

#[derive(Deserialize, Default)]
struct ListClientsQuery {
    #[serde(rename = "xRoadInstance")]
    xroad_instance: Option<String>,
    /// GovStack's name for the same filter; asking with it gets GovStack's field names.
    #[serde(rename = "instanceId")]
    instance_id: Option<String>,
}

/// `GET /listClients`: every member and subsystem, as JSON when asked for, else as X-Road's XML.
pub(crate) async fn list_clients(
    gw: &Gateway,
    query: Option<&str>,
    headers: &HeaderMap,
) -> http::Response<Body> {
    // Unknown or malformed parameters are ignored, as X-Road's own server does.
    let q: ListClientsQuery = serde_urlencoded::from_str(query.unwrap_or("")).unwrap_or_default();
    let snapshot = gw.snapshot().await;
    let locale = header_text(headers, "accept-language")
        .and_then(|l| l.split([',', ';']).find_map(Locale::parse))
        .unwrap_or(Locale::Uz);
    let govstack = q.instance_id.is_some() || Dialect::of(headers) == Dialect::GovStack;
    let wants_json = govstack || header_text(headers, "accept").is_some_and(|a| a.contains("json"));
    let instance = q.instance_id.as_ref().or(q.xroad_instance.as_ref());
    let mut rows = Vec::new();
    for m in snapshot.directory.members.values() {
        if instance.is_some_and(|i| i != &m.id.instance) {
            continue;
        }
        let name = m.name.get(locale).to_owned();
        rows.push((m.id.clone(), name.clone(), None));
        for s in m.subsystems.values() {
            let sub_name = s.name.as_ref().map(|n| n.get(locale).to_owned());
            rows.push((s.id.clone(), name.clone(), sub_name));
        }
    }
    if govstack {
        let members: Vec<_> = rows
            .iter()
            .map(|(id, name, sub_name)| {
                let mut v = json!({
                    "name": sub_name.as_deref().unwrap_or(name),
                    "id": {
                        "objectType": if id.subsystem.is_some() { "APPLICATION" } else { "MEMBER" },
                        "instanceId": id.instance,
                        "memberClass": id.class,
                        "memberCode": id.member,
                    },
                });
                if let Some(s) = &id.subsystem {
                    v["id"]["applicationCode"] = json!(s);
                }
                v
            })
            .collect();
        return json_response(json!({ "member": members }));
    }
    if wants_json {
        let members: Vec<_> = rows
            .iter()
            .map(|(id, name, sub_name)| {
                let mut v = json!({
                    "id": {
                        "member_class": id.class,
                        "member_code": id.member,
                        "object_type": if id.subsystem.is_some() { "SUBSYSTEM" } else { "MEMBER" },
                        "xroad_instance": id.instance,
                    },
                    "name": name,
                });
                if let Some(s) = &id.subsystem {
                    v["id"]["subsystem_code"] = json!(s);
                    if let Some(n) = sub_name {
                        v["subsystem_name"] = json!(n);
                    }
                }
                v
            })
            .collect();
        return json_response(json!({ "member": members }));
    }
    let esc = |s: &str| quick_xml::escape::escape(s).into_owned();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ns2:clientList xmlns:ns2=\"http://x-road.eu/xsd/xroad.xsd\" xmlns:id=\"http://x-road.eu/xsd/identifiers\">",
    );
    for (id, name, _) in &rows {
        let kind = if id.subsystem.is_some() {
            "SUBSYSTEM"
        } else {
            "MEMBER"
        };
        xml.push_str(&format!(
            "<ns2:member><ns2:id id:objectType=\"{kind}\"><id:xRoadInstance>{}</id:xRoadInstance><id:memberClass>{}</id:memberClass><id:memberCode>{}</id:memberCode>",
            esc(&id.instance),
            esc(&id.class),
            esc(&id.member)
        ));
        if let Some(s) = &id.subsystem {
            xml.push_str(&format!("<id:subsystemCode>{}</id:subsystemCode>", esc(s)));
        }
        xml.push_str(&format!(
            "</ns2:id><ns2:name>{}</ns2:name></ns2:member>",
            esc(name)
        ));
    }
    xml.push_str("</ns2:clientList>");
    answer("text/xml;charset=utf-8", xml)
}
