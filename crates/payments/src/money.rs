//! Money as whole tiyin (1 soʻm = 100 tiyin): never a floating-point number.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A positive sum of money in tiyin. Payme sends tiyin as integers; Click sends soʻm as decimal
/// text (`"82400.00"`), read exactly by [`Tiyin::parse_som`].
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(try_from = "i64", into = "i64")]
#[schema(value_type = i64)]
pub struct Tiyin(i64);

/// Why a sum of money was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("an amount must be more than zero")]
    NotPositive,
    #[error("{0:?} is not an amount in soʻm: digits, and at most two decimals after a point")]
    NotSom(String),
    #[error("the amount is too large")]
    TooLarge,
}

/// No fee comes near this (a trillion soʻm); it keeps every sum and its text well inside i64.
const MAX_TIYIN: i64 = 100_000_000_000_000;

impl Tiyin {
    pub fn new(tiyin: i64) -> Result<Tiyin, AmountError> {
        if tiyin <= 0 {
            Err(AmountError::NotPositive)
        } else if tiyin > MAX_TIYIN {
            Err(AmountError::TooLarge)
        } else {
            Ok(Tiyin(tiyin))
        }
    }

    /// Whole soʻm.
    pub fn from_som(som: i64) -> Result<Tiyin, AmountError> {
        som.checked_mul(100)
            .ok_or(AmountError::TooLarge)
            .and_then(Tiyin::new)
    }

    /// Decimal soʻm as Click writes them: `82400`, `82400.5`, `82400.00`. Nothing else: no sign,
    /// no exponent, no spaces, no more than two decimals, no point without digits on each side.
    pub fn parse_som(text: &str) -> Result<Tiyin, AmountError> {
        let bad = || AmountError::NotSom(text.chars().take(40).collect());
        let (whole, fraction) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (text.contains('.') && !digits(fraction)) || fraction.len() > 2 {
            return Err(bad());
        }
        if whole.trim_start_matches('0').len() > 13 {
            return Err(AmountError::TooLarge);
        }
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let cents: i64 = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().map_err(|_| bad())? * 10,
            _ => fraction.parse().map_err(|_| bad())?,
        };
        Tiyin::new(whole * 100 + cents)
    }

    pub fn as_i64(self) -> i64 {
        self.0
    }

    /// `82400.00`: the soʻm with two decimals, as Click's checkout link and statements write them.
    pub fn som_text(self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl TryFrom<i64> for Tiyin {
    type Error = AmountError;
    fn try_from(v: i64) -> Result<Self, Self::Error> {
        Tiyin::new(v)
    }
}

impl From<Tiyin> for i64 {
    fn from(t: Tiyin) -> i64 {
        t.0
    }
}

/// `82 400.00 soʻm`, grouped as Uzbek texts write sums.
impl fmt::Display for Tiyin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:02} soʻm",
            yagona_core::group_thousands(self.0 / 100),
            self.0 % 100
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn click_amounts_are_read_exactly() {
        assert_eq!(Tiyin::parse_som("82400.00").unwrap().as_i64(), 8_240_000);
        assert_eq!(Tiyin::parse_som("82400").unwrap().as_i64(), 8_240_000);
        assert_eq!(Tiyin::parse_som("82400.5").unwrap().as_i64(), 8_240_050);
        assert_eq!(Tiyin::parse_som("0.01").unwrap().as_i64(), 1);
        // 0.1 + 0.2 is not 0.3 in floating point; here it is what was written.
        assert_eq!(Tiyin::parse_som("1000.29").unwrap().as_i64(), 100_029);
    }

    #[test]
    fn anything_but_plain_decimal_som_is_refused() {
        for bad in [
            "", ".", "1.", ".5", "1.234", "-1", "+1", "1e3", " 1", "1 ", "1,00", "NaN", "inf",
            "0x10", "١٢", "1.2.3",
        ] {
            assert!(Tiyin::parse_som(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(Tiyin::parse_som("0.00"), Err(AmountError::NotPositive));
        assert_eq!(
            Tiyin::parse_som("99999999999999999999999"),
            Err(AmountError::TooLarge)
        );
    }

    #[test]
    fn sums_are_written_with_two_decimals() {
        let t = Tiyin::new(8_240_050).unwrap();
        assert_eq!(t.som_text(), "82400.50");
        assert_eq!(t.to_string(), "82\u{a0}400.50 soʻm");
        assert_eq!(Tiyin::from_som(5).unwrap().som_text(), "5.00");
    }
}
