use serde::{Deserialize, Serialize};

/// A service fee as the law sets it: free, a fixed sum in soʻm, or a multiple of the base
/// calculation amount (BHM), which changes by decree and so is resolved on the day of payment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Fee {
    Free,
    Fixed { uzs: i64 },
    Bhm { multiple: f64 },
}

impl Fee {
    /// The amount in soʻm given the BHM in force, rounded to whole soʻm.
    pub fn amount_uzs(&self, bhm_uzs: i64) -> i64 {
        match self {
            Fee::Free => 0,
            Fee::Fixed { uzs } => *uzs,
            Fee::Bhm { multiple } => (multiple * bhm_uzs as f64).round() as i64,
        }
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
    #[test]
    fn bhm_fees_follow_the_amount_in_force() {
        assert_eq!(Fee::Bhm { multiple: 0.5 }.amount_uzs(412_000), 206_000);
        assert_eq!(Fee::Free.amount_uzs(412_000), 0);
        assert_eq!(group_thousands(1_236_000), "1\u{a0}236\u{a0}000");
    }
}
