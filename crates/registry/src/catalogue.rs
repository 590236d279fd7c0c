//! The catalogue: the registry held in memory for reading, with a search index.
//!
//! Search works on the Latin skeleton of every text (see `yagona_core::text`), in all four
//! languages at once, with prefix matching per word: `tug'il`, `туғил` and `rozhd` all find the
//! birth registration service. Every query word must match some word of the service — as a
//! whole word, by its stem (`births`, `регистрации`, `tugʻilishni`), as a prefix, or, when it
//! matches nothing, corrected to the nearest word the index knows (`brith` → `birth`), which
//! [`SearchResults::did_you_mean`] offers back. Title matches rank first, then popularity; see
//! `search.rs`.

use crate::model::*;
use crate::search::{
    Index, Popularity, W_AGENCY, W_DESCRIPTION, W_KEYWORDS, W_LIFE_EVENT, W_NAME, W_OTHER,
};
use chrono::NaiveDate;
use std::collections::HashMap;
use yagona_calendar::Calendar;

pub struct Catalogue {
    /// The registry version this catalogue was built from.
    pub version: i64,
    pub registry: Registry,
    pub calendar: Calendar,
    service_versions: HashMap<String, i64>,
    by_code: HashMap<String, usize>,
    index: Index,
}

pub struct SearchHit<'a> {
    pub service: &'a Service,
    pub score: u32,
}

/// What a search found, best first, and the query as corrected when a word of it was.
pub struct SearchResults<'a> {
    pub hits: Vec<SearchHit<'a>>,
    /// The query with its misspelt words replaced by the words the index knows (in the script
    /// each was typed in), when any was: for "Did you mean …?".
    pub did_you_mean: Option<String>,
}

impl Catalogue {
    pub fn new(registry: Registry, version: i64, service_versions: HashMap<String, i64>) -> Self {
        let calendar = Calendar::new(registry.calendar.iter().cloned());
        let by_code = registry
            .services
            .iter()
            .enumerate()
            .map(|(i, s)| (s.passport.code.as_str().to_owned(), i))
            .collect();
        let mut index = Index::default();
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
            let mut words = index.service(i);
            let mut add = |text: &str, weight: u8| words.add(text, weight);
            for t in p.name.all() {
                add(t, W_NAME);
            }
            // The code's words, as keywords: a code is not what people read as the title.
            add(&p.code.as_str().replace('-', " "), W_KEYWORDS);
            if let Some(k) = &p.keywords {
                for t in k.all() {
                    words.keywords(t);
                }
            }
            let mut add = |text: &str, weight: u8| words.add(text, weight);
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

    /// Services matching the query, best first (see [`Catalogue::find`]).
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit<'_>> {
        self.find(query, limit, &Popularity::default()).hits
    }

    /// Services matching every word of the query (stopwords aside), best first — whole title and keyword phrases, then title matches, then
    /// `popularity` — and the query as corrected, if it was.
    pub fn find(&self, query: &str, limit: usize, popularity: &Popularity) -> SearchResults<'_> {
        let services = &self.registry.services;
        let found = self.index.search(query, limit, &|s| {
            popularity.of(services[s].passport.code.as_str())
        });
        SearchResults {
            hits: found
                .hits
                .into_iter()
                .map(|(s, score)| SearchHit {
                    service: &services[s],
                    score,
                })
                .collect(),
            did_you_mean: found.did_you_mean,
        }
    }
}
