//! The catalogue's search index: forgiving matching in four languages and both scripts, and
//! ranking by title match, then popularity.
//!
//! Every word is reduced to a *key*: its Latin skeleton (`yagona_core::text`: case, apostrophe
//! variants, Cyrillic → Latin, romanisation variants), with doubled letters made single
//! (`passport` and `паспорт` meet). A key also has a *stem*: common Uzbek, Russian and English
//! endings stripped until none is left (`tugʻilishni` → `tugilish`, `регистрации` and
//! `регистрация` → `registras`, `births` → `birth`). The index holds both keys and stems.
//!
//! A query word matches a word of a service when they share the key or the stem (a whole-word
//! match), or when the query word begins the service's word (a prefix match). A query word that
//! matches nothing at all is corrected: the nearest words of the index's vocabulary by
//! Damerau–Levenshtein distance (transpositions count one), within a budget by the word's length
//! (none for 3 letters or fewer, 1 for 4–7, 2 for longer), stand in for it, and the query as
//! corrected — in the words the index knows, in the script the word was typed in — is offered as
//! "did you mean". Stopwords are left out (`how`, `to`, `get` in "how to get an id card"); a word
//! nothing is near finds nothing, as GOV.UK's search shows "no results" with advice rather than
//! results for part of the query.
//!
//! Ranking, best first: the query is a whole title or a whole keyword phrase; then how well each
//! query word matched (title whole word > title prefix > keywords > agency and life events >
//! description and the rest); then how much of the title the query covers; then popularity (the
//! caller's, e.g. applications in the last 90 days); then the finer score; then registry order.

use std::collections::{BTreeMap, HashMap};
use yagona_core::text::{is_apostrophe, is_cyrillic, tokens};

/// Field weights: where a word occurs in a service's passport.
pub(crate) const W_NAME: u8 = 10;
pub(crate) const W_KEYWORDS: u8 = 7;
pub(crate) const W_AGENCY: u8 = 4;
pub(crate) const W_LIFE_EVENT: u8 = 3;
pub(crate) const W_DESCRIPTION: u8 = 2;
pub(crate) const W_OTHER: u8 = 1;

/// How popular each service is, by code — for example applications submitted in the last 90
/// days. The caller supplies it (the registry keeps no count of applications); services it does
/// not name count 0.
#[derive(Debug, Clone, Default)]
pub struct Popularity {
    counts: HashMap<String, u32>,
}

impl Popularity {
    pub fn new(counts: impl IntoIterator<Item = (String, u32)>) -> Popularity {
        Popularity {
            counts: counts.into_iter().collect(),
        }
    }

    pub fn of(&self, code: &str) -> u32 {
        self.counts.get(code).copied().unwrap_or(0)
    }
}

/// A word as written and as the index knows it.
#[derive(Debug, Clone)]
pub(crate) struct Word {
    /// As written, in lower case.
    pub surface: String,
    /// The skeleton (`yagona_core::text`).
    pub plain: String,
    pub key: String,
    pub stem: String,
}

/// The words of a text: split where the skeleton splits, each with its key and stem.
pub(crate) fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    for piece in text.split(|c: char| !(c.is_alphanumeric() || is_apostrophe(c))) {
        let piece = piece.trim_matches(is_apostrophe);
        if piece.is_empty() {
            continue;
        }
        let toks = tokens(piece);
        let whole = toks.len() == 1;
        for t in toks {
            let key = key(&t);
            out.push(Word {
                surface: if whole {
                    piece.to_lowercase()
                } else {
                    t.clone()
                },
                stem: stem(&key),
                key,
                plain: t,
            });
        }
    }
    out
}

/// A skeleton word with doubled letters made single (digits are left alone), unless that would
/// leave fewer than three letters.
pub(crate) fn key(skeleton_word: &str) -> String {
    let mut out = String::with_capacity(skeleton_word.len());
    let mut prev = None;
    for c in skeleton_word.chars() {
        if Some(c) == prev && c.is_alphabetic() {
            continue;
        }
        out.push(c);
        prev = Some(c);
    }
    // An abbreviation such as `ООО` stays as it is rather than become one letter.
    if out.chars().count() < 3 && out.len() < skeleton_word.len() {
        return skeleton_word.to_owned();
    }
    out
}

/// Endings stripped from keys (Latin skeletons), longest first: Uzbek case, plural and
/// possessive suffixes, Russian inflections, English plurals and verb forms.
const SUFFIXES: &[&str] = &[
    // Uzbek
    "larning", "laridan", "larini", "lardan", "larga", "larda", "larni", "lari", "ning", "dagi",
    "lar", "dan", "ni", "ga", "ka", "qa", "da", "si", // Russian
    "iami", "ami", "ogo", "ego", "omu", "emu", "imi", "iey", "iy", "oy", "ey", "ie", "ia", "iu",
    "ov", "ev", "om", "em", "am", "ax", "ix", // English
    "ing", "ed", "s", // vowels and -y end words in all three
    "a", "e", "i", "o", "u", "y",
];

/// Shortest stem left after stripping an ending.
const MIN_STEM: usize = 4;

/// A key with its endings stripped, repeatedly, as long as the stem stays at least
/// [`MIN_STEM`] letters long (so a stem is its own stem).
pub(crate) fn stem(key: &str) -> String {
    let mut s = key.to_owned();
    if s.chars().any(|c| c.is_ascii_digit()) {
        return s;
    }
    'strip: loop {
        let len = s.chars().count();
        for suffix in SUFFIXES {
            if s.ends_with(suffix) && len - suffix.chars().count() >= MIN_STEM {
                s.truncate(s.len() - suffix.len());
                continue 'strip;
            }
        }
        return s;
    }
}

/// Words that carry no meaning in a search for a service, as typed (compared as skeletons).
const STOPWORDS: &[&str] = &[
    // English
    "a", "an", "the", "of", "for", "to", "how", "i", "my", "in", "on", "and", "or", "with", "do",
    "can", "get", "need", "want", "what",
    "where", // Russian (и в на о об для по с как где мне)
    "v", "na", "o", "ob", "dla", "po", "s", "kak", "gde", "mne", "xochu", "nujno", // Uzbek
    "va", "uchun", "bilan", "qanday", "qayerda", "kerak",
];

fn is_stopword(plain: &str) -> bool {
    static SKELETONS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    SKELETONS
        .get_or_init(|| {
            STOPWORDS
                .iter()
                .map(|w| yagona_core::text::skeleton(w))
                .collect()
        })
        .iter()
        .any(|w| w == plain)
}

/// Edits a query word may need to match: none for 3 letters or fewer, 1 for 4–7, 2 for longer.
pub(crate) fn typo_budget(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// One occurrence of a term in a service.
#[derive(Debug, Clone, Copy)]
struct Posting {
    service: u32,
    /// The weight of the best field it occurs in.
    weight: u8,
    /// Words in the shortest title it occurs in; 0 when in no title.
    title_len: u8,
}

#[derive(Debug, Default)]
struct Term {
    key: String,
    postings: Vec<Posting>,
    /// As written in Latin and in Cyrillic, when the term is a whole word (not only a stem).
    latin: Option<String>,
    cyrillic: Option<String>,
}

impl Term {
    fn is_word(&self) -> bool {
        self.latin.is_some() || self.cyrillic.is_some()
    }
}

/// The index of all services' words.
#[derive(Debug, Default)]
pub(crate) struct Index {
    terms: BTreeMap<String, u32>,
    entries: Vec<Term>,
    /// Whole words (ids) by length in characters, for corrections.
    by_len: Vec<Vec<u32>>,
    /// Whole titles (tier 2) and keyword phrases (tier 1), as their words' stems.
    phrases: HashMap<String, Vec<(u32, u8)>>,
    services: usize,
}

/// Collects one service's words before they go into the index.
pub(crate) struct ServiceWords<'a> {
    index: &'a mut Index,
    service: u32,
    seen: HashMap<u32, Posting>,
}

impl ServiceWords<'_> {
    /// Adds a text of a field with the given weight.
    pub fn add(&mut self, text: &str, weight: u8) {
        let ws = words(text);
        let title_len = if weight == W_NAME {
            ws.len().clamp(1, 255) as u8
        } else {
            0
        };
        for w in ws {
            let id = self.index.term(&w.key, Some(&w.surface));
            self.note(id, weight, title_len);
            if w.stem != w.key {
                let id = self.index.term(&w.stem, None);
                self.note(id, weight, title_len);
            }
        }
        if weight == W_NAME {
            self.phrase(text, 2);
        }
    }

    /// Adds keywords: a comma- or semicolon-separated list of phrases.
    pub fn keywords(&mut self, text: &str) {
        self.add(text, W_KEYWORDS);
        for phrase in text.split([',', ';']) {
            self.phrase(phrase, 1);
        }
    }

    fn phrase(&mut self, text: &str, tier: u8) {
        let p = phrase_key(&words(text));
        if p.is_empty() {
            return;
        }
        let list = self.index.phrases.entry(p).or_default();
        match list.iter_mut().find(|(s, _)| *s == self.service) {
            Some((_, t)) => *t = (*t).max(tier),
            None => list.push((self.service, tier)),
        }
    }

    fn note(&mut self, id: u32, weight: u8, title_len: u8) {
        let p = self.seen.entry(id).or_insert(Posting {
            service: self.service,
            weight: 0,
            title_len: 0,
        });
        p.weight = p.weight.max(weight);
        if title_len > 0 && (p.title_len == 0 || title_len < p.title_len) {
            p.title_len = title_len;
        }
    }
}

impl Drop for ServiceWords<'_> {
    fn drop(&mut self) {
        for (id, posting) in self.seen.drain() {
            self.index.entries[id as usize].postings.push(posting);
        }
    }
}

fn phrase_key(words: &[Word]) -> String {
    let mut out = String::new();
    for w in words {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&w.stem);
    }
    out
}

/// What a search found and how it read the query.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// Service indices with their fine score, best first.
    pub hits: Vec<(usize, u32)>,
    /// The query as corrected, when a word of it was corrected.
    pub did_you_mean: Option<String>,
}

/// How one query word matches one service (the best of its matches).
#[derive(Clone, Copy, Default)]
struct Best {
    level: u8,
    fine: u16,
    cover: u16,
}

impl Index {
    /// Starts a service's entry; its words go in when the returned value is dropped.
    pub fn service(&mut self, service: usize) -> ServiceWords<'_> {
        self.services = self.services.max(service + 1);
        ServiceWords {
            index: self,
            service: service as u32,
            seen: HashMap::new(),
        }
    }

    fn term(&mut self, key: &str, surface: Option<&str>) -> u32 {
        let id = match self.terms.get(key) {
            Some(id) => *id,
            None => {
                let id = self.entries.len() as u32;
                self.terms.insert(key.to_owned(), id);
                self.entries.push(Term {
                    key: key.to_owned(),
                    ..Term::default()
                });
                id
            }
        };
        if let Some(surface) = surface {
            let entry = &mut self.entries[id as usize];
            let was_word = entry.is_word();
            let slot = if is_cyrillic(surface) {
                &mut entry.cyrillic
            } else {
                &mut entry.latin
            };
            if slot.is_none() {
                *slot = Some(surface.to_owned());
            }
            if !was_word && !key.chars().all(|c| c.is_ascii_digit()) {
                let len = key.chars().count();
                if self.by_len.len() <= len {
                    self.by_len.resize_with(len + 1, Vec::new);
                }
                self.by_len[len].push(id);
            }
        }
        id
    }

    /// The terms a query word matches: (term, whole word?).
    fn matches(&self, key: &str, stem: &str, out: &mut Vec<(u32, bool)>) {
        let start = out.len();
        for k in [key, stem] {
            if let Some(id) = self.terms.get(k) {
                if !out[start..].iter().any(|(t, _)| t == id) {
                    out.push((*id, true));
                }
            }
        }
        let whole = out.len();
        for (term, id) in self
            .terms
            .range::<str, _>((std::ops::Bound::Included(key), std::ops::Bound::Unbounded))
        {
            if !term.starts_with(key) {
                break;
            }
            // Terms in the range are distinct: only the whole-word ones above can repeat.
            if !out[start..whole].iter().any(|(t, _)| t == id) {
                out.push((*id, false));
            }
        }
    }

    /// The nearest whole word of the vocabulary within the typo budget, if any: of those at the
    /// least distance, the one in most services.
    fn correct(&self, key: &str) -> Option<u32> {
        let len = key.chars().count();
        let budget = typo_budget(len);
        if budget == 0 || key.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        let mut best: Option<(usize, usize, u32)> = None;
        let lo = len.saturating_sub(budget);
        let hi = (len + budget).min(self.by_len.len().saturating_sub(1));
        for l in lo..=hi {
            for &id in self.by_len.get(l).into_iter().flatten() {
                let candidate = self.term_key(id);
                let d = strsim::damerau_levenshtein(key, candidate);
                if d > budget {
                    continue;
                }
                let df = self.entries[id as usize].postings.len();
                let better = match best {
                    None => true,
                    Some((bd, bdf, bid)) => {
                        d < bd
                            || (d == bd
                                && (df > bdf || (df == bdf && candidate < self.term_key(bid))))
                    }
                };
                if better {
                    best = Some((d, df, id));
                }
            }
        }
        best.map(|(_, _, id)| id)
    }

    /// Services matching every word of the query, best first. Stopwords (`how`, `для`, `uchun`)
    /// are left out, unless the query has nothing else.
    pub fn search(&self, query: &str, limit: usize, popularity: &dyn Fn(usize) -> u32) -> Found {
        let typed = words(query);
        let meaningful = typed.iter().any(|w| !is_stopword(&w.plain));
        let mut corrected = false;
        let mut shown: Vec<String> = Vec::with_capacity(typed.len());
        let mut used: Vec<Word> = Vec::with_capacity(typed.len());
        let mut per_word: Vec<Vec<(u32, bool)>> = Vec::with_capacity(typed.len());
        for w in &typed {
            if meaningful && is_stopword(&w.plain) {
                shown.push(w.surface.clone());
                continue;
            }
            let mut m = Vec::new();
            self.matches(&w.key, &w.stem, &mut m);
            if !m.is_empty() {
                shown.push(w.surface.clone());
                used.push(w.clone());
                per_word.push(m);
                continue;
            }
            // Nothing begins with the word: the nearest word the index knows stands in for it.
            let Some(id) = self.correct(&w.key) else {
                // Not even a correction: no service has every word.
                return Found::default();
            };
            let term = &self.entries[id as usize];
            let (first, second) = if is_cyrillic(&w.surface) {
                (&term.cyrillic, &term.latin)
            } else {
                (&term.latin, &term.cyrillic)
            };
            let surface = first
                .as_ref()
                .or(second.as_ref())
                .cloned()
                .unwrap_or_else(|| term.key.clone());
            let replacement = Word {
                surface: surface.clone(),
                plain: term.key.clone(),
                key: term.key.clone(),
                stem: stem(&term.key),
            };
            self.matches(&replacement.key, &replacement.stem, &mut m);
            shown.push(surface);
            used.push(replacement);
            per_word.push(m);
            corrected = true;
        }
        if per_word.is_empty() {
            return Found::default();
        }

        #[derive(Clone, Copy, Default)]
        struct Acc {
            matched: u16,
            level: u16,
            cover: u32,
            fine: u32,
        }
        let n = self.services;
        let mut acc = vec![Acc::default(); n];
        let mut best = vec![Best::default(); n];
        let mut touched: Vec<usize> = Vec::new();
        for (qi, m) in per_word.iter().enumerate() {
            touched.clear();
            for &(id, whole) in m {
                for p in &self.entries[id as usize].postings {
                    let s = p.service as usize;
                    if acc[s].matched as usize != qi {
                        continue; // an earlier word did not match this service
                    }
                    let level = match (p.weight, whole) {
                        (W_NAME, true) => 6,
                        (W_NAME, false) => 5,
                        (W_KEYWORDS, true) => 4,
                        (W_KEYWORDS, false) => 3,
                        (W_AGENCY | W_LIFE_EVENT, _) => 2,
                        _ => 1,
                    };
                    let fine = p.weight as u16 * if whole { 4 } else { 2 };
                    let cover = if p.title_len > 0 {
                        (if whole { 1000 } else { 500 }) / p.title_len as u16
                    } else {
                        0
                    };
                    let b = &mut best[s];
                    if b.level == 0 {
                        touched.push(s);
                    }
                    b.level = b.level.max(level);
                    b.fine = b.fine.max(fine);
                    b.cover = b.cover.max(cover);
                }
            }
            for &s in &touched {
                let b = std::mem::take(&mut best[s]);
                let a = &mut acc[s];
                a.matched += 1;
                a.level += b.level as u16;
                a.cover += b.cover as u32;
                a.fine += b.fine as u32;
            }
        }

        let words_n = per_word.len() as u16;
        let tiers: HashMap<u32, u8> = self
            .phrases
            .get(&phrase_key(&used))
            .map(|v| v.iter().copied().collect())
            .unwrap_or_default();
        let mut ranked: Vec<(usize, [u32; 6])> = (0..n)
            .filter(|s| acc[*s].matched == words_n)
            .map(|s| {
                let a = acc[s];
                let per_word_cover = a.cover / words_n as u32;
                let cover_band = match per_word_cover {
                    500.. => 2,
                    250.. => 1,
                    _ => 0,
                };
                let tier = tiers.get(&(s as u32)).copied().unwrap_or(0) as u32;
                (
                    s,
                    [
                        tier,
                        a.level as u32,
                        cover_band,
                        popularity(s),
                        a.cover,
                        a.fine,
                    ],
                )
            })
            .collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(limit);
        Found {
            hits: ranked.into_iter().map(|(s, k)| (s, k[5])).collect(),
            did_you_mean: corrected.then(|| shown.join(" ")),
        }
    }

    fn term_key(&self, id: u32) -> &str {
        &self.entries[id as usize].key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stem_of(word: &str) -> String {
        words(word).remove(0).stem
    }

    #[test]
    fn forms_of_a_word_share_a_stem() {
        for (a, b) in [
            ("births", "birth"),
            ("регистрации", "регистрация"),
            ("регистрацию", "регистрация"),
            ("tugʻilishni", "tug'ilish"),
            ("туғилишни", "tugilish"),
            ("паспорта", "pasport"),
            ("passport", "паспорт"),
            ("guvohnomasi", "guvohnoma"),
            ("oilalarga", "oila"),
        ] {
            assert_eq!(stem_of(a), stem_of(b), "{a} / {b}");
        }
        // A stem is its own stem; abbreviations keep their letters.
        assert_eq!(stem(&stem_of("ruxsatnomalar")), stem_of("ruxsatnomalar"));
        assert_eq!(words("ООО")[0].key, "ooo");
    }

    #[test]
    fn the_typo_budget_grows_with_the_word() {
        assert_eq!(typo_budget(3), 0);
        assert_eq!(typo_budget(4), 1);
        assert_eq!(typo_budget(7), 1);
        assert_eq!(typo_budget(8), 2);
        assert_eq!(strsim::damerau_levenshtein("brith", "birth"), 1);
    }
}
