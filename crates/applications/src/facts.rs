//! Once only: when an application starts, the platform asks the state's registers — through
//! the exchange, as the portal's subsystem, with the applicant's PINFL as `X-Road-UserId` and
//! the application's number as `X-Road-Issue` — for what they already know, prefills the form's
//! fields that say so (`prefill = "person.surname"`), and shows where each value came from.
//! Which register answers which fact is the registry's `facts.toml`.

use crate::exchange::{ExchangeCall, ExchangeClient};
use crate::model::Fact;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use yagona_core::{now, Locale, Pinfl};
use yagona_exchange::ServiceId;
use yagona_forms::FormDefinition;
use yagona_registry::FactSource;

fn service_id(text: &str) -> Option<ServiceId> {
    ServiceId::from_path(text)
        .ok()
        .filter(|(_, rest)| rest.is_empty())
        .map(|(id, _)| id)
}

/// The fact sources a form's fields draw on.
fn needed<'s>(sources: &'s [FactSource], form: &FormDefinition) -> Vec<&'s FactSource> {
    sources
        .iter()
        .filter(|s| {
            form.steps()
                .iter()
                .flat_map(|st| &st.fields)
                .any(|f| f.prefill_source().is_some_and(|(k, _)| k == s.key.as_str()))
        })
        .collect()
}

/// Asks the registers the form needs about the applicant. A register that is down or knows
/// nothing leaves its fields for the applicant to fill: the application goes on regardless.
pub async fn gather(
    exchange: &dyn ExchangeClient,
    sources: &[FactSource],
    form: &FormDefinition,
    pinfl: &Pinfl,
    reference: &str,
) -> Vec<Fact> {
    if exchange.platform().is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let user = format!("UZ{pinfl}");
    for source in needed(sources, form) {
        let Some(service) = service_id(&source.service) else {
            tracing::warn!(source = %source.key, "a fact source names no exchange service");
            continue;
        };
        let path = source.path_for(pinfl.as_str());
        let call = ExchangeCall {
            client: None,
            service: &service,
            method: "GET",
            path: &path,
            body: Vec::new(),
            user_id: Some(&user),
            issue: Some(reference),
            message_id: None,
        };
        match exchange.call(call).await {
            Ok(answer) if answer.status == 200 => {
                match serde_json::from_slice::<Value>(&answer.body) {
                    Ok(data) => out.push(Fact {
                        source: source.key.as_str().to_owned(),
                        service: service.to_string(),
                        request_id: answer.request_id,
                        fetched_at: now(),
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

use yagona_core::text::is_cyrillic;

/// The values a fact gives for a path: the value itself first (the original), then the same in
/// the other script where the register gives it (`cyrillic.PATH`, `latin.PATH`: a person's
/// name in both of Uzbekistan's scripts).
fn variants(fact: &Fact, path: &str) -> Vec<String> {
    [
        path.to_owned(),
        format!("cyrillic.{path}"),
        format!("latin.{path}"),
    ]
    .iter()
    .filter_map(|p| fact.value(p))
    .collect()
}

/// The answers the facts fill: field → value. Where a register gives a value (a name) in both
/// scripts, the one in `cyrillic`'s script is taken (Cyrillic when `true`); else the original.
pub fn prefill(form: &FormDefinition, facts: &[Fact], cyrillic: bool) -> Map<String, Value> {
    let mut out = Map::new();
    for f in form.steps().iter().flat_map(|s| &s.fields) {
        let Some((key, path)) = f.prefill_source() else {
            continue;
        };
        let Some(fact) = facts.iter().find(|x| x.source == key) else {
            continue;
        };
        let found = variants(fact, path);
        let chosen = found
            .iter()
            .find(|v| is_cyrillic(v) == cyrillic)
            .or(found.first());
        if let Some(v) = chosen {
            out.insert(f.name.clone(), Value::String(v.clone()));
        }
    }
    out
}

/// Each fact's source for people: "«service title» — provider".
async fn labels(
    exchange: &dyn ExchangeClient,
    facts: &[Fact],
    l: Locale,
) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for f in facts {
        if let Some(id) = service_id(&f.service) {
            if let Some((title, agency)) = exchange.describe(&id, l).await {
                out.insert(f.source.clone(), format!("«{title}» — {agency}"));
            }
        }
    }
    out
}

/// The fields whose value is still what a register said, with that register.
pub async fn field_sources(
    exchange: &dyn ExchangeClient,
    form: &FormDefinition,
    answers: &Map<String, Value>,
    facts: &[Fact],
    l: Locale,
) -> HashMap<String, String> {
    let labels = labels(exchange, facts, l).await;
    // Still the register's value, in whichever script it was filled in.
    form.steps()
        .iter()
        .flat_map(|s| &s.fields)
        .filter_map(|f| {
            let (key, path) = f.prefill_source()?;
            let fact = facts.iter().find(|x| x.source == key)?;
            let answer = answers.get(&f.name)?.as_str()?;
            if !variants(fact, path).iter().any(|v| v == answer) {
                return None;
            }
            Some((f.name.clone(), labels.get(key)?.clone()))
        })
        .collect()
}

/// What pages show of a fact: its source, when it was asked, the values people care about,
/// and where the exchange is in the message log.
#[derive(Debug, Clone, Serialize)]
pub struct FactSummary {
    pub source: String,
    /// When the register was asked (pages write it in their language).
    #[serde(with = "yagona_core::rfc3339")]
    pub fetched_at: yagona_core::Timestamp,
    pub items: Vec<String>,
    pub request_id: String,
}

/// The facts as pages show them, each in the lines its source's `summary` names.
pub async fn summaries(
    exchange: &dyn ExchangeClient,
    sources: &[FactSource],
    facts: &[Fact],
    l: Locale,
) -> Vec<FactSummary> {
    let labels = labels(exchange, facts, l).await;
    facts
        .iter()
        .map(|f| {
            let lines = sources
                .iter()
                .find(|s| s.key.as_str() == f.source)
                .map(|s| s.summary.as_slice())
                .unwrap_or_default();
            let items = lines
                .iter()
                .map(|paths| {
                    paths
                        .iter()
                        .filter_map(|p| f.value(p))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .filter(|s| !s.is_empty())
                .collect();
            FactSummary {
                source: labels
                    .get(&f.source)
                    .cloned()
                    .unwrap_or_else(|| f.service.clone()),
                fetched_at: f.fetched_at,
                items,
                request_id: f.request_id.clone(),
            }
        })
        .collect()
}
