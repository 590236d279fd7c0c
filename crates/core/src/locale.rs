use serde::{Deserialize, Serialize};
use std::fmt;

/// The four languages of the platform. Every page, message and registry text exists in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Locale {
    /// Uzbek, Latin script (the official script).
    #[serde(rename = "uz")]
    Uz,
    /// Uzbek, Cyrillic script.
    #[serde(rename = "uz-Cyrl")]
    UzCyrl,
    #[serde(rename = "ru")]
    Ru,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub const ALL: [Locale; 4] = [Locale::Uz, Locale::UzCyrl, Locale::Ru, Locale::En];

    /// The BCP 47 tag, as used in `<html lang>`, file keys and the `lang` query parameter.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::Uz => "uz",
            Locale::UzCyrl => "uz-Cyrl",
            Locale::Ru => "ru",
            Locale::En => "en",
        }
    }

    /// The language's own name, for the language switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::Uz => "Oʻzbekcha",
            Locale::UzCyrl => "Ўзбекча",
            Locale::Ru => "Русский",
            Locale::En => "English",
        }
    }

    /// Parses a tag exactly as the platform writes it, case-insensitively (`uz-cyrl` is accepted).
    pub fn parse(tag: &str) -> Option<Locale> {
        let t = tag.trim().to_ascii_lowercase().replace('_', "-");
        match t.as_str() {
            "uz" | "uz-latn" | "uz-latn-uz" | "uz-uz" => Some(Locale::Uz),
            "uz-cyrl" | "uz-cyrl-uz" => Some(Locale::UzCyrl),
            "ru" | "ru-ru" | "ru-uz" => Some(Locale::Ru),
            "en" | "en-us" | "en-gb" => Some(Locale::En),
            _ => None,
        }
    }

    /// Chooses the best language from an `Accept-Language` header (RFC 9110 §12.5.4):
    /// the highest-weighted range that matches one of ours, by primary subtag where needed.
    pub fn negotiate(accept_language: &str) -> Option<Locale> {
        let mut ranges: Vec<(f32, usize, &str)> = accept_language
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut it = part.split(';');
                let range = it.next()?.trim();
                if range.is_empty() {
                    return None;
                }
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                (q > 0.0).then_some((q, i, range))
            })
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranges.into_iter().find_map(|(_, _, range)| {
            Locale::parse(range).or_else(|| {
                let lower = range.to_ascii_lowercase();
                if lower.starts_with("uz") && lower.contains("cyrl") {
                    Some(Locale::UzCyrl)
                } else {
                    Locale::parse(lower.split('-').next().unwrap_or(""))
                }
            })
        })
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

/// A text given in all four languages. Registry files must provide every language; the type
/// cannot be built with one missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct I18nText {
    pub uz: String,
    #[serde(rename = "uz-Cyrl")]
    pub uz_cyrl: String,
    pub ru: String,
    pub en: String,
}

impl I18nText {
    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::Uz => &self.uz,
            Locale::UzCyrl => &self.uz_cyrl,
            Locale::Ru => &self.ru,
            Locale::En => &self.en,
        }
    }

    /// Languages whose text is empty (after trimming): a registry file with any is invalid.
    pub fn missing(&self) -> Vec<Locale> {
        Locale::ALL
            .into_iter()
            .filter(|l| self.get(*l).trim().is_empty())
            .collect()
    }

    /// Every language's text, for indexing.
    pub fn all(&self) -> [&str; 4] {
        [&self.uz, &self.uz_cyrl, &self.ru, &self.en]
    }

    pub fn same(text: &str) -> Self {
        Self {
            uz: text.into(),
            uz_cyrl: text.into(),
            ru: text.into(),
            en: text.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_highest_weight_we_speak() {
        assert_eq!(
            Locale::negotiate("ru-RU,ru;q=0.9,en;q=0.8"),
            Some(Locale::Ru)
        );
        assert_eq!(
            Locale::negotiate("de-DE,de;q=0.9,en;q=0.5"),
            Some(Locale::En)
        );
        assert_eq!(Locale::negotiate("uz-Cyrl-UZ"), Some(Locale::UzCyrl));
        assert_eq!(Locale::negotiate("en;q=0.4, uz;q=0.8"), Some(Locale::Uz));
        assert_eq!(Locale::negotiate("fr, de"), None);
        assert_eq!(Locale::negotiate(""), None);
    }
}
