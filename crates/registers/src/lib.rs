//! The demo's agency registers: the systems other agencies would run, served by a Yagona node in
//! the demo so that the exchange has real providers behind it. Each is reached through the
//! gateway (`/r1/UZ/GOV/<STIR>/<subsystem>/<service>/…`), never called directly by the portal,
//! and each has an OpenAPI description in `registry/exchange/openapi/`.
//!
//! | register | agency | path under `/registers` |
//! |---|---|---|
//! | persons (civil status, passport) | civil registry | `/civil-registry/v1/persons/{pinfl}` |
//! | permanent residence | interior | `/interior/v1/residence/{pinfl}` |
//! | tax debt | tax committee | `/tax/v1/taxpayers/{tin}/debt` |
//! | real estate | cadastre | `/cadastre/v1/properties/{number}`, `…/properties?owner={pinfl}` |
//! | social benefits | social protection | `/social-protection/v1/persons/{pinfl}/benefits` |
//!
//! Answers are JSON; an unknown or malformed identifier is an RFC 9457 problem document.

use axum::extract::{Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::OnceLock;

struct Data {
    people: Vec<Value>,
    properties: Vec<Value>,
    organisations: Vec<Value>,
}

fn data() -> &'static Data {
    static DATA: OnceLock<Data> = OnceLock::new();
    DATA.get_or_init(|| Data {
        people: serde_json::from_str(include_str!("../data/people.json"))
            .expect("people.json is valid"),
        properties: serde_json::from_str(include_str!("../data/properties.json"))
            .expect("properties.json is valid"),
        organisations: serde_json::from_str(include_str!("../data/organisations.json"))
            .expect("organisations.json is valid"),
    })
}

/// The registers' routes, to be served under `/registers`.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/civil-registry/v1/persons/{pinfl}", get(person))
        .route("/interior/v1/residence/{pinfl}", get(residence))
        .route("/tax/v1/taxpayers/{tin}/debt", get(tax_debt))
        .route("/cadastre/v1/properties", get(properties_of))
        .route("/cadastre/v1/properties/{number}", get(property))
        .route(
            "/social-protection/v1/persons/{pinfl}/benefits",
            get(benefits),
        )
}

fn problem(status: StatusCode, title: &str, detail: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        Json(json!({"type": "about:blank", "title": title, "status": status.as_u16(), "detail": detail})),
    )
        .into_response()
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// The person with this PINFL, or the problem to answer (boxed: an answer is large).
fn person_by(pinfl: &str) -> Result<&'static Value, Box<Response>> {
    if !digits(pinfl, 14) {
        return Err(Box::new(problem(
            StatusCode::BAD_REQUEST,
            "Malformed PINFL",
            format!("{pinfl:?} is not 14 digits"),
        )));
    }
    data()
        .people
        .iter()
        .find(|p| p["pinfl"] == pinfl)
        .ok_or_else(|| {
            Box::new(problem(
                StatusCode::NOT_FOUND,
                "No such person",
                format!("no person with PINFL {pinfl} in the register"),
            ))
        })
}

fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}

async fn person(Path(pinfl): Path<String>) -> Response {
    match person_by(&pinfl) {
        Err(r) => *r,
        Ok(p) => Json(json!({
            "pinfl": p["pinfl"],
            "surname": p["surname"],
            "givenName": p["givenName"],
            "patronymic": p["patronymic"],
            "cyrillic": {
                "surname": p["surnameCyrl"],
                "givenName": p["givenNameCyrl"],
                "patronymic": p["patronymicCyrl"],
            },
            "birthDate": p["birthDate"],
            "sex": p["sex"],
            "birthPlace": p["birthPlace"],
            "citizenship": "UZ",
            "alive": true,
            "passport": p["passport"],
        }))
        .into_response(),
    }
}

async fn residence(Path(pinfl): Path<String>) -> Response {
    match person_by(&pinfl) {
        Err(r) => *r,
        Ok(p) => {
            let a = &p["residence"];
            let mut text = format!(
                "{}, {}, {}, {}, {}-uy",
                a["region"].as_str().unwrap_or_default(),
                a["district"].as_str().unwrap_or_default(),
                a["mahalla"].as_str().unwrap_or_default(),
                a["street"].as_str().unwrap_or_default(),
                a["house"].as_str().unwrap_or_default()
            );
            if let Some(apt) = a["apartment"].as_str() {
                text.push_str(&format!(", {apt}-xonadon"));
            }
            Json(json!({
                "pinfl": pinfl,
                "kind": "permanent",
                "address": {
                    "region": a["region"], "district": a["district"], "mahalla": a["mahalla"],
                    "street": a["street"], "house": a["house"], "apartment": a["apartment"],
                    "text": text,
                },
                "registeredSince": a["since"],
            }))
            .into_response()
        }
    }
}

async fn tax_debt(Path(tin): Path<String>) -> Response {
    let found = if digits(&tin, 14) {
        person_by(&tin).ok().map(|p| &p["taxDebtUzs"])
    } else if digits(&tin, 9) {
        data()
            .organisations
            .iter()
            .find(|o| o["tin"] == tin.as_str())
            .map(|o| &o["taxDebtUzs"])
    } else {
        return problem(
            StatusCode::BAD_REQUEST,
            "Malformed taxpayer number",
            format!("{tin:?} is neither a STIR (9 digits) nor a PINFL (14 digits)"),
        );
    };
    match found {
        None => problem(
            StatusCode::NOT_FOUND,
            "No such taxpayer",
            format!("no taxpayer {tin} in the register"),
        ),
        Some(debt) => Json(json!({
            "tin": tin,
            "hasDebt": debt.as_i64().unwrap_or(0) > 0,
            "debtUzs": debt,
            "asOf": today(),
        }))
        .into_response(),
    }
}

fn valid_cadastral(n: &str) -> bool {
    let groups: Vec<&str> = n.split(':').collect();
    groups.len() >= 4
        && groups
            .iter()
            .all(|g| !g.is_empty() && g.len() <= 4 && g.bytes().all(|b| b.is_ascii_digit()))
}

async fn property(Path(number): Path<String>) -> Response {
    if !valid_cadastral(&number) {
        return problem(
            StatusCode::BAD_REQUEST,
            "Malformed cadastral number",
            format!(
                "{number:?} is not colon-separated groups of digits (e.g. 10:01:04:02:01:0123)"
            ),
        );
    }
    match data()
        .properties
        .iter()
        .find(|p| p["cadastralNumber"] == number.as_str())
    {
        Some(p) => Json(p.clone()).into_response(),
        None => problem(
            StatusCode::NOT_FOUND,
            "No such property",
            format!("no property {number} in the cadastre"),
        ),
    }
}

#[derive(Deserialize)]
struct OwnerQuery {
    owner: Option<String>,
}

async fn properties_of(Query(q): Query<OwnerQuery>) -> Response {
    let Some(owner) = q.owner.filter(|o| digits(o, 14)) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "Owner required",
            "give the owner's PINFL: ?owner=<14 digits>".into(),
        );
    };
    let items: Vec<&Value> = data()
        .properties
        .iter()
        .filter(|p| {
            p["owners"]
                .as_array()
                .is_some_and(|o| o.iter().any(|x| x["pinfl"] == owner.as_str()))
        })
        .collect();
    Json(json!({"owner": owner, "items": items})).into_response()
}

async fn benefits(Path(pinfl): Path<String>) -> Response {
    match person_by(&pinfl) {
        Err(r) => *r,
        Ok(p) => {
            let list = p["benefits"].as_array().cloned().unwrap_or_default();
            Json(json!({
                "pinfl": pinfl,
                "inSocialRegister": !list.is_empty(),
                "benefits": list,
                "asOf": today(),
            }))
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_files_hold_together() {
        let d = data();
        for p in &d.properties {
            assert!(valid_cadastral(p["cadastralNumber"].as_str().unwrap()));
            for o in p["owners"].as_array().unwrap() {
                let pinfl = o["pinfl"].as_str().unwrap();
                assert!(person_by(pinfl).is_ok(), "owner {pinfl} is a person");
            }
        }
        assert!(d
            .people
            .iter()
            .all(|p| digits(p["pinfl"].as_str().unwrap(), 14)));
        assert!(d
            .organisations
            .iter()
            .all(|o| digits(o["tin"].as_str().unwrap(), 9)));
    }
}
