//! A notice's words: its Fluent message in the person's language, and how many SMS segments
//! it costs.
//!
//! Messages are `notice-<event>` (the text; for an SMS, short) and `notice-<event>-subject`
//! (an e-mail's subject), with the notice's parameters as arguments.

use crate::{Channel, Notice};
use serde_json::Value;
use yagona_i18n::{Args, I18n};

/// What is sent: an e-mail's subject (other channels have none) and the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
}

/// The notice in its language.
pub fn render(i18n: &I18n, notice: &Notice) -> Rendered {
    let mut args = Args::new();
    for (k, v) in &notice.params {
        match v {
            Value::String(s) => args.set(k.clone(), s.clone()),
            Value::Number(n) => args.set(k.clone(), n.to_string()),
            Value::Bool(b) => args.set(k.clone(), b.to_string()),
            _ => {}
        }
    }
    let id = format!("notice-{}", notice.event);
    let text = i18n.t(notice.locale, &id, Some(&args));
    Rendered {
        subject: i18n.t(notice.locale, &format!("{id}-subject"), Some(&args)),
        text: if notice.channel == Channel::Sms {
            for_sms(&text)
        } else {
            text
        },
    }
}

/// An SMS's text in the GSM-7 alphabet where it costs nothing in meaning: the Uzbek Latin
/// letters oʻ and gʻ and the typographic quotes are written with the ASCII apostrophe and
/// quote, as Uzbek SMS senders do, so that a Latin text is not billed as UCS-2 (70 characters
/// a segment instead of 160).
pub fn for_sms(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'ʻ' | 'ʼ' | '‘' | '’' | '`' => '\'',
            '“' | '”' | '«' | '»' => '"',
            '–' | '—' => '-',
            '\u{a0}' => ' ',
            other => other,
        })
        .collect()
}

/// The GSM 03.38 default alphabet (and its extension table, which costs two septets).
const GSM7: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const GSM7_EXTENDED: &str = "^{}\\[~]|€\x0c";

/// How many SMS segments a text costs: in the GSM-7 alphabet 160 septets in one, 153 a
/// segment when split; anything else (Cyrillic, the Uzbek ʻ) is UCS-2, 70 characters in one
/// and 67 a segment (counted in UTF-16 units).
pub fn sms_segments(text: &str) -> usize {
    if text.is_empty() {
        return 1;
    }
    let gsm: Option<usize> = text.chars().try_fold(0usize, |n, c| {
        if GSM7.contains(c) {
            Some(n + 1)
        } else if GSM7_EXTENDED.contains(c) {
            Some(n + 2)
        } else {
            None
        }
    });
    let (units, single, part) = match gsm {
        Some(septets) => (septets, 160, 153),
        None => (text.encode_utf16().count(), 70, 67),
    };
    if units <= single {
        1
    } else {
        units.div_ceil(part)
    }
}

#[cfg(test)]
mod tests {
    use super::sms_segments;

    #[test]
    fn segments_are_counted_as_networks_bill_them() {
        assert_eq!(sms_segments(&"a".repeat(160)), 1);
        assert_eq!(sms_segments(&"a".repeat(161)), 2);
        assert_eq!(sms_segments(&"a".repeat(306)), 2);
        assert_eq!(sms_segments(&"a".repeat(307)), 3);
        // Extension characters cost two septets.
        assert_eq!(sms_segments(&"€".repeat(80)), 1);
        assert_eq!(sms_segments(&"€".repeat(81)), 2);
        // Cyrillic is UCS-2: 70 in one, 67 a segment.
        assert_eq!(sms_segments(&"ж".repeat(70)), 1);
        assert_eq!(sms_segments(&"ж".repeat(71)), 2);
        assert_eq!(sms_segments(&"ж".repeat(134)), 2);
        // Uzbek Latin's ʻ is not in GSM-7: the whole text would go as UCS-2…
        assert_eq!(sms_segments(&format!("Toʻlov {}", "a".repeat(70))), 2);
        // …unless written with the apostrophe, as an SMS is.
        assert_eq!(
            sms_segments(&super::for_sms(&format!("Toʻlov {}", "a".repeat(70)))),
            1
        );
    }
}
