use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A service fee as the law sets it: free, a fixed sum in soʻm, or a multiple of the base
/// calculation amount (BHM), which changes by decree and so is resolved on the day of payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Fee {
    Free,
    Fixed {
        uzs: i64,
    },
    Bhm {
        #[schema(value_type = f64)]
        multiple: BhmMultiple,
    },
}

impl Fee {
    /// The amount in tiyin (1/100 soʻm) given the BHM in force, in whole tiyin, with no
    /// floating point on the way: what an invoice asks.
    pub fn amount_tiyin(&self, bhm_uzs: i64) -> i64 {
        match self {
            Fee::Free => 0,
            Fee::Fixed { uzs } => uzs.saturating_mul(100),
            // bhm × 100 tiyin × (thousandths / 1000), rounded half up to the tiyin.
            Fee::Bhm { multiple } => {
                let exact = i128::from(bhm_uzs) * 100 * i128::from(multiple.thousandths());
                i64::try_from((exact + 500) / 1000).unwrap_or(i64::MAX)
            }
        }
    }

    /// The amount in whole soʻm given the BHM in force (half a soʻm rounds up).
    pub fn amount_uzs(&self, bhm_uzs: i64) -> i64 {
        (self.amount_tiyin(bhm_uzs) + 50) / 100
    }

    pub fn is_free(&self) -> bool {
        matches!(self, Fee::Free)
    }
}

/// A multiple of the BHM, exact to the thousandth as decrees write them (0.2, 0.89, 1.5):
/// kept as a whole number of thousandths, so that a fee never depends on how a binary fraction
/// rounds. Written in files and JSON as the decimal number; one with more than three decimals,
/// or not positive, is refused when read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BhmMultiple(u32);

impl BhmMultiple {
    pub fn from_thousandths(thousandths: u32) -> Option<BhmMultiple> {
        (thousandths > 0).then_some(BhmMultiple(thousandths))
    }

    /// The decimal as read from a file: positive, at most three decimals, below a million.
    pub fn from_decimal(value: f64) -> Option<BhmMultiple> {
        if !value.is_finite() || value <= 0.0 || value >= 1_000_000.0 {
            return None;
        }
        let scaled = value * 1000.0;
        let whole = scaled.round();
        ((scaled - whole).abs() < 1e-6)
            .then(|| BhmMultiple::from_thousandths(whole as u32))
            .flatten()
    }

    pub fn thousandths(self) -> u32 {
        self.0
    }
}

impl fmt::Display for BhmMultiple {
    /// `0.2`, `0.89`, `1`: the decimal with no trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, part) = (self.0 / 1000, self.0 % 1000);
        if part == 0 {
            return write!(f, "{whole}");
        }
        let digits = format!("{part:03}");
        write!(f, "{whole}.{}", digits.trim_end_matches('0'))
    }
}

impl Serialize for BhmMultiple {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // The shortest decimal that reads back as this multiple.
        let text = self.to_string();
        s.serialize_f64(text.parse::<f64>().unwrap_or(0.0))
    }
}

impl<'de> Deserialize<'de> for BhmMultiple {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = f64::deserialize(d)?;
        BhmMultiple::from_decimal(value).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "a BHM multiple is a positive number with at most three decimals, not {value}"
            ))
        })
    }
}

/// Formats a sum of soʻm with thin groups as Uzbek and Russian texts write it: `412 000`.
pub fn group_thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bhm(x: f64) -> Fee {
        Fee::Bhm {
            multiple: BhmMultiple::from_decimal(x).unwrap(),
        }
    }

    #[test]
    fn bhm_fees_follow_the_amount_in_force() {
        assert_eq!(bhm(0.5).amount_uzs(412_000), 206_000);
        assert_eq!(Fee::Free.amount_uzs(412_000), 0);
        assert_eq!(group_thousands(1_236_000), "1\u{a0}236\u{a0}000");
    }

    #[test]
    fn fees_are_exact_in_tiyin() {
        // 0.89 and 0.2 are not exact binary fractions; the fee is exact all the same.
        assert_eq!(bhm(0.89).amount_tiyin(412_000), 36_668_000);
        assert_eq!(bhm(0.2).amount_tiyin(412_000), 8_240_000);
        assert_eq!(bhm(0.02).amount_tiyin(375_000), 750_000);
        // A third of a tiyin rounds to the nearest.
        assert_eq!(bhm(0.001).amount_tiyin(1), 0);
        assert_eq!(bhm(0.005).amount_tiyin(1), 1);
        assert_eq!(Fee::Fixed { uzs: 20_000 }.amount_tiyin(412_000), 2_000_000);
    }

    #[test]
    fn multiples_read_as_decrees_write_them() {
        assert_eq!(BhmMultiple::from_decimal(0.89).unwrap().thousandths(), 890);
        assert_eq!(BhmMultiple::from_decimal(0.89).unwrap().to_string(), "0.89");
        assert_eq!(BhmMultiple::from_decimal(1.0).unwrap().to_string(), "1");
        assert!(BhmMultiple::from_decimal(0.0001).is_none());
        assert!(BhmMultiple::from_decimal(-1.0).is_none());
        assert!(BhmMultiple::from_decimal(f64::NAN).is_none());
        let json = serde_json::to_string(&bhm(0.89)).unwrap();
        assert_eq!(json, r#"{"kind":"bhm","multiple":0.89}"#);
        assert_eq!(serde_json::from_str::<Fee>(&json).unwrap(), bhm(0.89));
        assert!(serde_json::from_str::<Fee>(r#"{"kind":"bhm","multiple":0.1234}"#).is_err());
    }
}
