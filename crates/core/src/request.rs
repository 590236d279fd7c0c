//! What a request says about who is asking and in which language, read from its raw text. The
//! edges (pages, APIs) hand over the header values; this knows no HTTP types.

use crate::Locale;

/// A cookie's value among the `Cookie` header values of a request.
pub fn cookie<'a>(headers: impl IntoIterator<Item = &'a str>, name: &str) -> Option<&'a str> {
    headers
        .into_iter()
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A parameter of a query string, as written (not decoded).
pub fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The language a request is answered in: the one chosen on the page (`?lang=`), else the one
/// remembered (the language cookie), else the browser's best (`Accept-Language`), else Uzbek.
pub fn request_locale(
    chosen: Option<Locale>,
    remembered: Option<Locale>,
    accept_language: Option<&str>,
) -> Locale {
    chosen
        .or(remembered)
        .or_else(|| accept_language.and_then(Locale::negotiate))
        .unwrap_or(Locale::Uz)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_found_across_header_values() {
        let headers = ["a=1; yg_session=abc", "yg_lang=ru"];
        assert_eq!(cookie(headers, "yg_session"), Some("abc"));
        assert_eq!(cookie(headers, "yg_lang"), Some("ru"));
        assert_eq!(cookie(headers, "b"), None);
    }

    #[test]
    fn the_chosen_language_wins_then_the_remembered_then_the_browser_s() {
        let ru = Some("ru-RU,ru;q=0.9");
        assert_eq!(
            request_locale(Some(Locale::En), Some(Locale::UzCyrl), ru),
            Locale::En
        );
        assert_eq!(
            request_locale(None, Some(Locale::UzCyrl), ru),
            Locale::UzCyrl
        );
        assert_eq!(request_locale(None, None, ru), Locale::Ru);
        assert_eq!(request_locale(None, None, Some("de")), Locale::Uz);
        assert_eq!(query_param("a=1&lang=en", "lang"), Some("en"));
    }
}
