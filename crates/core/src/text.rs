//! Text normalisation for search across Uzbek Latin, Uzbek Cyrillic, Russian and English.
//!
//! Latin→Cyrillic transliteration is ambiguous (`ts` or `s` for `ц`, `ye` or `e` for `е`), so we do
//! not guess one way: every text and every query is reduced to the same lower-case Latin
//! *skeleton* and compared there. `Tugʻilish`, `Tug'ilish`, `tug‘ilish` and `Туғилиш` all become
//! `tugilish`.

/// Whether a text is written in Cyrillic (its first letter decides), else Latin.
pub fn is_cyrillic(text: &str) -> bool {
    text.chars()
        .find(|c| c.is_alphabetic())
        .is_some_and(|c| matches!(c, '\u{0400}'..='\u{052F}'))
}

/// Apostrophe-like characters people type for ʻ (oʻ, gʻ) and ʼ (the glottal stop).
pub fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '`'
            | '\u{2BB}'
            | '\u{2BC}'
            | '\u{2018}'
            | '\u{2019}'
            | '\u{B4}'
            | '\u{2BD}'
            | '\u{2032}'
    )
}

fn is_vowel(c: char) -> bool {
    matches!(
        c,
        'a' | 'e'
            | 'i'
            | 'o'
            | 'u'
            | 'а'
            | 'е'
            | 'ё'
            | 'и'
            | 'о'
            | 'у'
            | 'ў'
            | 'э'
            | 'ю'
            | 'я'
            | 'ы'
    )
}

/// Cyrillic letter → Latin, as the Uzbek Latin alphabet writes it (Russian letters included).
fn cyrillic_to_latin(c: char, prev: Option<char>) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'ғ' => "g",
        'д' => "d",
        // `е` is `ye` at the start of a word or after a vowel; the skeleton then folds `ye` to `e`.
        'е' => match prev {
            None => "ye",
            Some(p) if is_vowel(p) || !p.is_alphabetic() => "ye",
            _ => "e",
        },
        'ё' => "yo",
        'ж' => "j",
        'з' => "z",
        'и' => "i",
        'й' => "y",
        'к' => "k",
        'қ' => "q",
        'л' => "l",
        'м' => "m",
        'н' => "n",
        'о' => "o",
        'ў' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' => "u",
        'ф' => "f",
        'х' => "x",
        'ҳ' => "h",
        'ц' => "s",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "sh",
        'ъ' | 'ь' => "",
        'ы' => "i",
        'э' => "e",
        'ю' => "yu",
        'я' => "ya",
        _ => return None,
    })
}

/// Reduces a text to its search skeleton: lower case, Latin letters and digits only, words
/// separated by single spaces.
pub fn skeleton(text: &str) -> String {
    let mut latin = String::with_capacity(text.len());
    let mut prev: Option<char> = None;
    for ch in text.chars() {
        if is_apostrophe(ch) {
            // oʻ/gʻ and the glottal stop vanish: their Cyrillic counterparts carry no mark either.
            continue;
        }
        for c in ch.to_lowercase() {
            if let Some(l) = cyrillic_to_latin(c, prev) {
                latin.push_str(l);
            } else if c.is_ascii_alphanumeric() {
                latin.push(c);
            } else if c.is_alphanumeric() {
                // Other scripts and accented letters: keep the base letter when it is ASCII.
                latin.push(fold_accent(c));
            } else {
                latin.push(' ');
            }
            prev = Some(c);
        }
    }
    // Fold the digraphs and letters that differ between Russian and Uzbek romanisations.
    let mut out = String::with_capacity(latin.len());
    for word in latin.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&fold_word(word));
    }
    out
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        other => other,
    }
}

fn fold_word(word: &str) -> String {
    word.replace("kh", "x")
        .replace("zh", "j")
        .replace("ts", "s")
        .replace("ye", "e")
        .replace("yo", "o")
        .replace("yu", "u")
        .replace("ya", "a")
        .replace('w', "v")
}

/// Splits a skeleton into its words (search tokens).
pub fn tokens(text: &str) -> Vec<String> {
    skeleton(text)
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uzbek_apostrophe_variants_match() {
        let canonical = skeleton("Tugʻilishni roʻyxatdan oʻtkazish");
        for typed in [
            "Tug'ilishni ro'yxatdan o'tkazish",
            "tug‘ilishni ro‘yxatdan o‘tkazish",
            "tug`ilishni ro`yxatdan o`tkazish",
        ] {
            assert_eq!(skeleton(typed), canonical);
        }
    }

    #[test]
    fn latin_and_cyrillic_uzbek_meet() {
        assert_eq!(
            skeleton("Туғилишни рўйхатга олиш"),
            skeleton("Tugʻilishni roʻyxatga olish")
        );
        assert_eq!(
            skeleton("Якка тартибдаги тадбиркор"),
            skeleton("Yakka tartibdagi tadbirkor")
        );
        assert_eq!(skeleton("Ҳоким"), skeleton("Hokim"));
        assert_eq!(skeleton("Қурилиш"), skeleton("Qurilish"));
        assert_eq!(skeleton("Ер участкаси"), skeleton("Yer uchastkasi"));
    }

    #[test]
    fn russian_romanisations_fold_together() {
        assert_eq!(skeleton("Справка"), skeleton("spravka"));
        assert_eq!(skeleton("Хоким"), skeleton("khokim"));
        assert_eq!(skeleton("Хоким"), skeleton("xokim"));
        assert_eq!(skeleton("Ташкент"), "toshkent".replace("osh", "ash"));
    }
}
