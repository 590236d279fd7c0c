//! Interface text in four languages, through Project Fluent.
//!
//! Every string a person reads in the interface has a message id in `locales/<tag>.ftl`; plural
//! forms follow CLDR rules for each language (Russian has one/few/many/other, Uzbek and English
//! one/other). Registry content (service names, form labels) is data and does not live here.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::collections::HashMap;
use unic_langid::LanguageIdentifier;
use yagona_core::Locale;

pub use fluent_bundle::FluentArgs as Args;

/// The cookie that remembers the interface language a person chose (`?lang=…`).
pub const LANGUAGE_COOKIE: &str = "yagona_lang";

const SOURCES: [(Locale, &str); 4] = [
    (Locale::Uz, include_str!("../locales/uz.ftl")),
    (Locale::UzCyrl, include_str!("../locales/uz-Cyrl.ftl")),
    (Locale::Ru, include_str!("../locales/ru.ftl")),
    (Locale::En, include_str!("../locales/en.ftl")),
];

/// The translations of the interface, loaded once at start.
pub struct I18n {
    bundles: HashMap<Locale, FluentBundle<FluentResource>>,
}

impl Default for I18n {
    fn default() -> Self {
        Self::new()
    }
}

impl I18n {
    /// Loads the built-in translations. They are part of the binary and checked by tests, so a
    /// syntax error here is a build defect, not input: it panics at start.
    pub fn new() -> Self {
        let mut bundles = HashMap::new();
        for (locale, source) in SOURCES {
            let resource =
                FluentResource::try_new(source.to_owned()).unwrap_or_else(|(_, errs)| {
                    panic!("{}.ftl does not parse: {errs:?}", locale.tag())
                });
            // Plural rules are the same for both Uzbek scripts; CLDR files them under `uz`.
            let plural_tag = if locale == Locale::UzCyrl {
                "uz"
            } else {
                locale.tag()
            };
            let langid: LanguageIdentifier = plural_tag.parse().expect("valid language tag");
            let mut bundle = FluentBundle::new_concurrent(vec![langid]);
            // Unicode isolation marks would show up in HTML attributes and plain-text output.
            bundle.set_use_isolating(false);
            bundle.add_resource(resource).unwrap_or_else(|errs| {
                panic!("{}.ftl has duplicate messages: {errs:?}", locale.tag())
            });
            bundles.insert(locale, bundle);
        }
        I18n { bundles }
    }

    /// The message `id` in `locale`, falling back to English, then to the id itself, so that a
    /// missing translation shows up on the page instead of breaking it.
    pub fn t(&self, locale: Locale, id: &str, args: Option<&FluentArgs>) -> String {
        for l in [locale, Locale::En] {
            let bundle = &self.bundles[&l];
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = vec![];
                let text = bundle.format_pattern(pattern, args, &mut errors);
                return text.into_owned();
            }
        }
        id.to_owned()
    }

    /// Shorthand for a message with one numeric argument, as plural messages take.
    pub fn count(&self, locale: Locale, id: &str, name: &'static str, n: i64) -> String {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(n));
        self.t(locale, id, Some(&args))
    }

    /// A day the way the language writes it: `2026-yil 27-noyabr`, `2026 йил 27 ноябрь`,
    /// `27 ноября 2026 г.`, `27 November 2026`.
    pub fn date(&self, locale: Locale, day: chrono::NaiveDate) -> String {
        use chrono::Datelike;
        let mut args = FluentArgs::new();
        args.set("day", day.day().to_string());
        args.set(
            "month",
            self.t(locale, &format!("month-{}", day.month()), None),
        );
        args.set("year", day.year().to_string());
        self.t(locale, "document-date", Some(&args))
    }

    /// A moment in Tashkent time, the way the language writes it: `2026-yil 27-noyabr, soat
    /// 14:05`, `27 ноября 2026 г., 14:05`.
    pub fn date_time(&self, locale: Locale, moment: &yagona_core::Timestamp) -> String {
        let local = *moment + chrono::Duration::hours(5);
        let mut args = FluentArgs::new();
        args.set("date", self.date(locale, local.date_naive()));
        args.set("time", local.format("%H:%M").to_string());
        self.t(locale, "document-date-time", Some(&args))
    }

    /// Message ids defined in one language's file, for completeness checks.
    pub fn ids(&self, locale: Locale) -> Vec<String> {
        let source = SOURCES
            .iter()
            .find(|(l, _)| *l == locale)
            .map(|(_, s)| *s)
            .unwrap_or("");
        source
            .lines()
            .filter_map(|l| {
                let (id, _) = l.split_once('=')?;
                let id = id.trim();
                let valid = !l.starts_with([' ', '\t', '#', '.', '['])
                    && !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                valid.then(|| id.to_owned())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_message() {
        let i18n = I18n::new();
        let english = i18n.ids(Locale::En);
        assert!(english.len() > 50, "English catalogue looks truncated");
        for locale in [Locale::Uz, Locale::UzCyrl, Locale::Ru] {
            let ids = i18n.ids(locale);
            let missing: Vec<_> = english.iter().filter(|id| !ids.contains(id)).collect();
            assert!(missing.is_empty(), "{} lacks {missing:?}", locale.tag());
        }
    }

    #[test]
    fn dates_are_written_the_way_each_language_writes_them() {
        let i18n = I18n::new();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(i18n.date(Locale::Uz, day), "2026-yil 27-noyabr");
        assert_eq!(i18n.date(Locale::Ru, day), "27 ноября 2026 г.");
        assert_eq!(i18n.date(Locale::En, day), "27 November 2026");
        // 09:05 UTC is 14:05 in Tashkent.
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-27T09:05:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(i18n.date_time(Locale::En, &t), "27 November 2026, 14:05");
        assert!(i18n.date_time(Locale::Uz, &t).contains("14:05"));
    }

    #[test]
    fn russian_plurals_use_few_and_many() {
        let i18n = I18n::new();
        let one = i18n.count(Locale::Ru, "working-days", "count", 1);
        let few = i18n.count(Locale::Ru, "working-days", "count", 3);
        let many = i18n.count(Locale::Ru, "working-days", "count", 5);
        assert!(one.contains("рабочий день"), "{one}");
        assert!(few.contains("рабочих дня"), "{few}");
        assert!(many.contains("рабочих дней"), "{many}");
        assert_eq!(
            i18n.count(Locale::En, "working-days", "count", 1),
            "1 working day"
        );
        assert_eq!(
            i18n.count(Locale::En, "working-days", "count", 10),
            "10 working days"
        );
        assert!(i18n
            .count(Locale::UzCyrl, "working-days", "count", 10)
            .contains("иш куни"));
    }
}
