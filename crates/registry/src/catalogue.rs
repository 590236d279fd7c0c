//! The catalogue: the registry held in memory for reading, with a search index.
//!
//! Search works on the Latin skeleton of every text (see `yagona_core::text`), in all four
//! languages at once, with prefix matching per word: `tug'il`, `туғил` and `rozhd` all find the
//! birth registration service. Every query word must match some word of the service; fields
//! weigh differently (a match in the name counts more than one in the description).

use crate::model::*;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashMap};
use yagona_calendar::Calendar;
use yagona_core::text::tokens;

pub struct Catalogue {
    /// The registry version this catalogue was built from.
    pub version: i64,
    pub registry: Registry,
    pub calendar: Calendar,
    service_versions: HashMap<String, i64>,
    by_code: HashMap<String, usize>,
    /// Skeleton word → (service index, weight of the best field it occurs in).
    index: BTreeMap<String, Vec<(u32, u8)>>,
}

pub struct SearchHit<'a> {
    pub service: &'a Service,
    pub score: u32,
}

const W_NAME: u8 = 10;
const W_KEYWORDS: u8 = 7;
const W_AGENCY: u8 = 4;
const W_LIFE_EVENT: u8 = 3;
const W_DESCRIPTION: u8 = 2;
const W_OTHER: u8 = 1;

impl Catalogue {
    pub fn new(registry: Registry, version: i64, service_versions: HashMap<String, i64>) -> Self {
        let calendar = Calendar::new(registry.calendar.iter().cloned());
        let by_code = registry
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.passport.code.as_str().to_owned(), i))
            .collect();
        let mut index: BTreeMap<String, Vec<(u32, u8)>> = BTreeMap::new();
        let agencies: HashMap<&str, &Agency> = registry
            .agencies
            .iter()
            .map(|a| (a.code.as_str(), a))
            .collect();
        let events: HashMap<&str, &LifeEvent> = registry
            .life_events
            .iter()
            .map(|e| (e.code.as_str(), e))
            .collect();
        for (i, s) in registry.services.iter().enumerate() {
            let p = &s.passport;
            let mut words: HashMap<String, u8> = HashMap::new();
            let mut add = |text: &str, weight: u8| {
                for t in tokens(text) {
                    let w = words.entry(t).or_insert(0);
                    *w = (*w).max(weight);
                }
            };
            for t in p.name.all() {
                add(t, W_NAME);
            }
            add(p.code.as_str(), W_NAME);
            if let Some(k) = &p.keywords {
                for t in k.all() {
                    add(t, W_KEYWORDS);
                }
            }
            if let Some(a) = agencies.get(p.agency.as_str()) {
                for t in a
                    .name
                    .all()
                    .into_iter()
                    .chain(a.short_name.iter().flat_map(|s| s.all()))
                {
                    add(t, W_AGENCY);
                }
            }
            for e in &p.life_events {
                if let Some(e) = events.get(e.as_str()) {
                    for t in e.name.all() {
                        add(t, W_LIFE_EVENT);
                    }
                }
            }
            for t in p.description.all() {
                add(t, W_DESCRIPTION);
            }
            for t in p
                .result
                .all()
                .into_iter()
                .chain(p.documents.iter().flat_map(|d| d.name.all()))
            {
                add(t, W_OTHER);
            }
            for (word, weight) in words {
                index.entry(word).or_default().push((i as u32, weight));
            }
        }
        Catalogue {
            version,
            registry,
            calendar,
            service_versions,
            by_code,
            index,
        }
    }

    pub fn services(&self) -> &[Service] {
        &self.registry.services
    }

    pub fn service(&self, code: &str) -> Option<&Service> {
        self.by_code.get(code).map(|i| &self.registry.services[*i])
    }

    /// The published version of a service that new applications are made under.
    pub fn service_version(&self, code: &str) -> Option<i64> {
        self.service_versions.get(code).copied()
    }

    pub fn agencies(&self) -> &[Agency] {
        &self.registry.agencies
    }

    pub fn agency(&self, code: &str) -> Option<&Agency> {
        self.registry
            .agencies
            .iter()
            .find(|a| a.code.as_str() == code)
    }

    pub fn life_event(&self, code: &str) -> Option<&LifeEvent> {
        self.registry
            .life_events
            .iter()
            .find(|e| e.code.as_str() == code)
    }

    pub fn services_for_life_event(&self, code: &str) -> Vec<&Service> {
        self.registry
            .services
            .iter()
            .filter(|s| s.passport.life_events.iter().any(|e| e.as_str() == code))
            .collect()
    }

    pub fn services_of_agency(&self, code: &str) -> Vec<&Service> {
        self.registry
            .services
            .iter()
            .filter(|s| s.passport.agency.as_str() == code)
            .collect()
    }

    /// The fee in soʻm on a given day (BHM multiples use the BHM in force that day).
    pub fn fee_uzs(&self, service: &Service, day: NaiveDate) -> Option<i64> {
        let bhm = Registry::bhm_on(&self.registry.bhm, day);
        match (&service.passport.fee, bhm) {
            (yagona_core::Fee::Bhm { .. }, None) => None,
            (fee, bhm) => Some(fee.amount_uzs(bhm.unwrap_or(0))),
        }
    }

    /// Services matching every word of the query (as a word prefix), best first.
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit<'_>> {
        let words = tokens(query);
        if words.is_empty() {
            return Vec::new();
        }
        let n = self.registry.services.len();
        let mut total: Vec<u32> = vec![0; n];
        let mut matched: Vec<u16> = vec![0; n];
        let mut best: Vec<u8> = vec![0; n];
        for (qi, word) in words.iter().enumerate() {
            best.iter_mut().for_each(|b| *b = 0);
            for (token, postings) in self.index.range(word.clone()..) {
                if !token.starts_with(word.as_str()) {
                    break;
                }
                // A whole-word match beats a prefix match of the same field.
                let exact = token.len() == word.len();
                for &(s, w) in postings {
                    let w = if exact { w.saturating_mul(2) } else { w };
                    let b = &mut best[s as usize];
                    *b = (*b).max(w);
                }
            }
            for s in 0..n {
                if best[s] > 0 && matched[s] as usize == qi {
                    matched[s] += 1;
                    total[s] += best[s] as u32;
                }
            }
        }
        let mut hits: Vec<(usize, u32)> = (0..n)
            .filter(|s| matched[*s] as usize == words.len())
            .map(|s| (s, total[s]))
            .collect();
        hits.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        hits.truncate(limit);
        hits.into_iter()
            .map(|(s, score)| SearchHit {
                service: &self.registry.services[s],
                score,
            })
            .collect()
    }
}
