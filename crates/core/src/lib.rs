//! Yagona's shared domain vocabulary: the small types every component speaks.
//!
//! Each type here is parsed once at the edge (a form, a file, an API call) and is valid from then
//! on: a [`Pinfl`] always has 14 digits, a [`Code`] is always a safe lower-case identifier, an
//! [`I18nText`] always has all four languages.

mod ids;
mod locale;
mod money;
mod problem;
mod reference;
pub mod request;
pub mod text;
mod time;

pub use ids::{Code, Email, ParseError, Phone, Pinfl, Stir};
pub use locale::{I18nText, Locale};
pub use money::{group_thousands, BhmMultiple, Fee};
pub use problem::{FieldProblem, Problem, PROBLEM_BASE, PROBLEM_JSON};
pub use reference::{DocumentNumber, ReferenceNumber, TrackingNumber};
/// SHA-256 of some bytes as lower-case hex: content fingerprints, token hashes, document digests.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub use time::{
    format_timestamp, now, parse_timestamp, rfc3339, tashkent_date, tashkent_day_start,
    tashkent_display, Timestamp,
};
