//! Once only: the portal asks the state's registers — through the exchange, like any other
//! system, with the citizen's PINFL as `X-Road-UserId` and the application number as
//! `X-Road-Issue` — for what they already know, prefills the form's fields that say so
//! (`prefill = "person.surname"`), and shows where each value came from.

use crate::exchange::call_as;
use crate::AppState;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use yagona_applications::Fact;
use yagona_core::Locale;
use yagona_exchange::ServiceId;
use yagona_forms::FormDefinition;

/// Where each kind of fact comes from: the exchange service and the path, `{pinfl}` replaced.
struct Source {
    key: &'static str,
    service: &'static str,
    path: &'static str,
}

const SOURCES: &[Source] = &[
    Source {
        key: "person",
        service: "UZ/GOV/201122919/civil-records/persons",
        path: "/v1/persons/{pinfl}",
    },
    Source {
        key: "residence",
        service: "UZ/GOV/200935935/address-register/residence",
        path: "/v1/residence/{pinfl}",
    },
];

fn service_id(text: &str) -> Option<ServiceId> {
    ServiceId::from_path(text).ok().map(|(id, _)| id)
}

/// The fact sources a form's fields draw on.
fn needed(form: &FormDefinition) -> Vec<&'static Source> {
    SOURCES
        .iter()
        .filter(|s| {
            form.steps().iter().flat_map(|st| &st.fields).any(|f| {
                f.prefill
                    .as_deref()
                    .and_then(|p| p.split_once('.'))
                    .is_some_and(|(k, _)| k == s.key)
            })
        })
        .collect()
}

/// Asks the registers the form needs about the applicant. A register that is down or knows
/// nothing leaves its fields for the applicant to fill: the application goes on regardless.
pub async fn gather(
    state: &AppState,
    form: &FormDefinition,
    pinfl: &str,
    reference: &str,
) -> Vec<Fact> {
    let Some(portal) = state.gateway.config.portal.clone() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for source in needed(form) {
        let Some(service) = service_id(source.service) else {
            continue;
        };
        let path = source.path.replace("{pinfl}", pinfl);
        let user = format!("UZ{pinfl}");
        match call_as(
            state,
            &portal,
            &service,
            &path,
            Some(&user),
            Some(reference),
        )
        .await
        {
            Ok(answer) if answer.status == 200 => {
                match serde_json::from_slice::<Value>(&answer.body) {
                    Ok(data) => out.push(Fact {
                        source: source.key.into(),
                        service: service.to_string(),
                        request_id: answer.request_id,
                        fetched_at: yagona_core::format_timestamp(&yagona_core::now()),
                        data,
                    }),
                    Err(e) => {
                        tracing::warn!(service = %service, error = %e, "a register answered with something other than JSON")
                    }
                }
            }
            Ok(answer) => {
                tracing::info!(service = %service, status = answer.status, "the register has nothing for the applicant")
            }
            Err(e) => {
                tracing::warn!(service = %service, error = %e, "a register could not be asked; the applicant fills the fields in")
            }
        }
    }
    out
}

/// The answers the facts fill: field → value.
pub fn prefill(form: &FormDefinition, facts: &[Fact]) -> Map<String, Value> {
    let mut out = Map::new();
    for f in form.steps().iter().flat_map(|s| &s.fields) {
        let Some((key, path)) = f.prefill.as_deref().and_then(|p| p.split_once('.')) else {
            continue;
        };
        if let Some(v) = facts
            .iter()
            .find(|x| x.source == key)
            .and_then(|x| x.value(path))
        {
            out.insert(f.name.clone(), Value::String(v));
        }
    }
    out
}

/// Each fact's source for people: "«service title» — provider".
async fn labels(state: &AppState, facts: &[Fact], l: Locale) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for f in facts {
        if let Some(id) = service_id(&f.service) {
            if let Some((title, agency)) = state.gateway.describe(&state.db, &id, l).await {
                out.insert(f.source.clone(), format!("«{title}» — {agency}"));
            }
        }
    }
    out
}

/// The fields whose value is still what a register said, with that register.
pub async fn field_sources(
    state: &AppState,
    form: &FormDefinition,
    answers: &Map<String, Value>,
    facts: &[Fact],
    l: Locale,
) -> HashMap<String, String> {
    let labels = labels(state, facts, l).await;
    let filled = prefill(form, facts);
    filled
        .into_iter()
        .filter(|(field, v)| answers.get(field) == Some(v))
        .filter_map(|(field, _)| {
            let f = form
                .steps()
                .iter()
                .flat_map(|s| &s.fields)
                .find(|x| x.name == field)?;
            let key = f.prefill.as_deref()?.split_once('.')?.0;
            Some((field, labels.get(key)?.clone()))
        })
        .collect()
}

/// What the check-answers and officers' pages show of each fact: its source, when it was
/// asked, and the values in it people care about.
pub async fn summaries(state: &AppState, facts: &[Fact], l: Locale) -> Vec<Value> {
    let labels = labels(state, facts, l).await;
    facts
        .iter()
        .map(|f| {
            let items: Vec<String> = match f.source.as_str() {
                "person" => vec![
                    ["surname", "givenName", "patronymic"]
                        .iter()
                        .filter_map(|k| f.value(k))
                        .collect::<Vec<_>>()
                        .join(" "),
                    f.value("birthDate").unwrap_or_default(),
                ],
                "residence" => vec![f.value("address.text").unwrap_or_default()],
                _ => vec![],
            };
            json!({
                "source": labels.get(&f.source).cloned().unwrap_or_else(|| f.service.clone()),
                "fetched": yagona_core::parse_timestamp(&f.fetched_at)
                    .map(|t| yagona_core::tashkent_display(&t))
                    .unwrap_or_default(),
                "items": items.into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>(),
                "request_id": f.request_id,
            })
        })
        .collect()
}
