//! Where the portal sends the citizen to pay: a plain link (or a 303 to it), no JavaScript.
//!
//! - Payme: `<checkout_url>/<base64 of m=…;ac.<field>=…;a=…;l=…;c=…>` (Payme's "GET" checkout:
//!   standard base64 with padding of `key=value` pairs joined by `;`).
//! - Click: `<checkout_url>?service_id=…&merchant_id=…&amount=…&transaction_param=…&return_url=…`
//!   with the amount in soʻm as `N.NN`.
//!
//! The base addresses come from the configuration, so the demo points them at the sandbox.

use crate::click::ClickConfig;
use crate::payme::PaymeConfig;
use crate::Invoice;
use base64::Engine;

/// The languages Payme's checkout speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymeLanguage {
    Uz,
    Ru,
    En,
}

impl PaymeLanguage {
    /// Payme's checkout has no Uzbek Cyrillic: an Uzbek reader of either script gets `uz`.
    pub fn for_locale(locale: &str) -> PaymeLanguage {
        match locale {
            l if l.starts_with("ru") => PaymeLanguage::Ru,
            l if l.starts_with("en") => PaymeLanguage::En,
            _ => PaymeLanguage::Uz,
        }
    }

    fn code(self) -> &'static str {
        match self {
            PaymeLanguage::Uz => "uz",
            PaymeLanguage::Ru => "ru",
            PaymeLanguage::En => "en",
        }
    }
}

/// Payme's parameters separate pairs with `;` and have no escaping of their own: a `;` in the
/// return address is written percent-encoded, which a browser reads the same.
fn payme_value(s: &str) -> String {
    s.replace(';', "%3B")
}

impl PaymeConfig {
    /// The link that opens Payme's checkout for the invoice; after paying, Payme sends the
    /// citizen to `return_url`.
    pub fn checkout_link(
        &self,
        invoice: &Invoice,
        language: PaymeLanguage,
        return_url: &str,
    ) -> String {
        let params = format!(
            "m={};ac.{}={};a={};l={};c={}",
            payme_value(&self.merchant_id),
            self.account_field,
            invoice.number,
            invoice.amount.as_i64(),
            language.code(),
            payme_value(return_url),
        );
        format!(
            "{}/{}",
            self.checkout_url.trim_end_matches('/'),
            base64::engine::general_purpose::STANDARD.encode(params)
        )
    }
}

impl ClickConfig {
    /// The link that opens Click's payment page for the invoice; after paying, Click sends the
    /// citizen to `return_url`.
    pub fn checkout_link(&self, invoice: &Invoice, return_url: &str) -> String {
        let query = serde_urlencoded::to_string([
            ("service_id", self.service_id.as_str()),
            ("merchant_id", self.merchant_id.as_str()),
            ("amount", invoice.amount.som_text().as_str()),
            ("transaction_param", invoice.number.as_str()),
            ("return_url", return_url),
        ])
        .unwrap_or_default();
        let sep = if self.checkout_url.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{sep}{query}", self.checkout_url)
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;

    #[test]
    fn paymes_documented_example_encodes_as_documented() {
        // From Payme's "sending a receipt by GET" page.
        let encoded = base64::engine::general_purpose::STANDARD
            .encode("m=587f72c72cac0d162c722ae2;ac.order_id=197;a=500");
        assert_eq!(
            encoded,
            "bT01ODdmNzJjNzJjYWMwZDE2MmM3MjJhZTI7YWMub3JkZXJfaWQ9MTk3O2E9NTAw"
        );
    }
}
