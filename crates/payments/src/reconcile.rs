//! Reconciliation: a provider's statement of a day against Yagona's records of that day, with
//! every difference listed for the e-Government Centre.
//!
//! The statements are CSV files with a header line, comma-separated, one transaction a line:
//!
//! **Payme** (the fields of the Merchant API's `GetStatement`, as Payme Business's cabinet
//! exports its transactions):
//!
//! ```text
//! id,time,amount,account,create_time,perform_time,cancel_time,state,reason
//! 5305e3bab097f420a62ced0b,1767336000000,8240000,INV-2026-000123,1767336000120,1767336030000,0,2,
//! ```
//!
//! `id` is Payme's transaction id, `time` Payme's moment of creation (milliseconds, by which the
//! day is chosen), `amount` tiyin, `account` the invoice number, the three times milliseconds
//! (0: none), `state` Payme's (1 created, 2 performed, -1 cancelled, -2 cancelled after
//! perform), `reason` empty or the cancellation's.
//!
//! **Click** (the columns of the cabinet's payment registry):
//!
//! ```text
//! payment_id,click_trans_id,merchant_trans_id,amount,status,date
//! 1946296773,2154447325,INV-2026-000124,82400.00,confirmed,2026-01-02 11:05:00
//! ```
//!
//! `payment_id` is Click's payment number (`click_paydoc_id`), `click_trans_id` the attempt's
//! id the SHOP API sent, `merchant_trans_id` the invoice number, `amount` soʻm with up to two
//! decimals (read exactly), `status` `confirmed`, `cancelled` or `reversed`, `date` Tashkent
//! time.
//!
//! Transactions are matched by the provider's id. A statement line is looked up in all of
//! Yagona's records, not only the day's (the two clocks may put a payment near midnight on
//! different days). Yagona's records of the day are those Payme dated that day (by its `time`)
//! and those Click's Prepare brought that day, Tashkent time. A record missing from the
//! statement is a difference when money moved (paid or refunded) — and for Payme in every
//! state, since its statement lists every transaction it created; Click's registry lists only
//! payments, so a Prepare that never completed is not expected in it.

use crate::invoice::{Provider, ProviderTransaction, TransactionState};
use crate::{PaymentError, PaymentStore, Tiyin};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::fmt;

/// How a payment stands, on either side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Standing {
    /// Created or prepared, not yet paid.
    Open,
    Paid,
    /// Cancelled before the money moved.
    Cancelled,
    /// The money went back.
    Refunded,
}

impl Standing {
    fn of(state: TransactionState) -> Standing {
        match state {
            TransactionState::Created => Standing::Open,
            TransactionState::Performed => Standing::Paid,
            TransactionState::Cancelled => Standing::Cancelled,
            TransactionState::CancelledAfterPerform => Standing::Refunded,
        }
    }

    fn money_moved(self) -> bool {
        matches!(self, Standing::Paid | Standing::Refunded)
    }
}

impl fmt::Display for Standing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Standing::Open => "open",
            Standing::Paid => "paid",
            Standing::Cancelled => "cancelled",
            Standing::Refunded => "refunded",
        })
    }
}

/// One transaction of a provider's statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementLine {
    /// The line in the file (the header is line 1).
    pub line: u64,
    pub provider_id: String,
    pub invoice: String,
    pub amount: Tiyin,
    pub standing: Standing,
}

/// A statement that cannot be read, and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("statement line {line}: {message}")]
pub struct StatementError {
    pub line: u64,
    pub message: String,
}

#[derive(Deserialize)]
struct PaymeLine {
    id: String,
    #[allow(dead_code)]
    time: i64,
    amount: i64,
    account: String,
    #[allow(dead_code)]
    create_time: i64,
    #[allow(dead_code)]
    perform_time: i64,
    #[allow(dead_code)]
    cancel_time: i64,
    state: i64,
    #[allow(dead_code)]
    reason: Option<i64>,
}

#[derive(Deserialize)]
struct ClickLine {
    #[allow(dead_code)]
    payment_id: String,
    click_trans_id: String,
    merchant_trans_id: String,
    amount: String,
    status: String,
    #[allow(dead_code)]
    date: String,
}

/// Reads a provider's statement (the formats above).
pub fn parse_statement(
    provider: Provider,
    csv_text: &str,
) -> Result<Vec<StatementLine>, StatementError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(csv_text.as_bytes());
    let failed = |e: csv::Error| StatementError {
        line: e.position().map_or(1, |p| p.line()),
        message: e.to_string(),
    };
    let mut lines = Vec::new();
    match provider {
        Provider::Payme => {
            for record in reader.records() {
                let record = record.map_err(failed)?;
                let line = record.position().map_or(0, |p| p.line());
                let row: PaymeLine = record.deserialize(None).map_err(failed)?;
                let bad = |message: String| StatementError { line, message };
                let standing = match row.state {
                    1 => Standing::Open,
                    2 => Standing::Paid,
                    -1 => Standing::Cancelled,
                    -2 => Standing::Refunded,
                    other => return Err(bad(format!("unknown state {other}"))),
                };
                lines.push(StatementLine {
                    line,
                    provider_id: row.id,
                    invoice: row.account,
                    amount: Tiyin::new(row.amount).map_err(|e| bad(e.to_string()))?,
                    standing,
                });
            }
        }
        Provider::Click => {
            for record in reader.records() {
                let record = record.map_err(failed)?;
                let line = record.position().map_or(0, |p| p.line());
                let row: ClickLine = record.deserialize(None).map_err(failed)?;
                let bad = |message: String| StatementError { line, message };
                let standing = match row.status.to_ascii_lowercase().as_str() {
                    "confirmed" => Standing::Paid,
                    "cancelled" => Standing::Cancelled,
                    "reversed" => Standing::Refunded,
                    other => return Err(bad(format!("unknown status {other:?}"))),
                };
                lines.push(StatementLine {
                    line,
                    provider_id: row.click_trans_id,
                    invoice: row.merchant_trans_id,
                    amount: Tiyin::parse_som(&row.amount).map_err(|e| bad(e.to_string()))?,
                    standing,
                });
            }
        }
    }
    Ok(lines)
}

/// One way a provider's statement and Yagona's records disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Difference {
    /// The provider has it; Yagona has no record of it.
    MissingInYagona {
        provider_id: String,
        invoice: String,
        amount: Tiyin,
        provider: Standing,
    },
    /// Yagona has it; the provider's statement does not.
    MissingAtProvider {
        provider_id: String,
        invoice: String,
        amount: Tiyin,
        yagona: Standing,
    },
    AmountMismatch {
        provider_id: String,
        invoice: String,
        yagona: Tiyin,
        provider: Tiyin,
    },
    StandingMismatch {
        provider_id: String,
        invoice: String,
        yagona: Standing,
        provider: Standing,
    },
    InvoiceMismatch {
        provider_id: String,
        yagona: String,
        provider: String,
    },
}

/// The outcome of a day's reconciliation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    pub provider: Provider,
    pub day: NaiveDate,
    /// Transactions on both sides that agree.
    pub matched: usize,
    pub differences: Vec<Difference>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Statement(#[from] StatementError),
    #[error(transparent)]
    Payment(#[from] PaymentError),
}

/// Compares a provider's statement of a day (Tashkent time) with Yagona's records.
pub async fn reconcile(
    store: &PaymentStore<'_>,
    provider: Provider,
    day: NaiveDate,
    statement: &str,
) -> Result<Reconciliation, ReconcileError> {
    let lines = parse_statement(provider, statement)?;
    let from = yagona_core::tashkent_day_start(day);
    let to = from + chrono::Duration::days(1);
    let ours: BTreeMap<String, ProviderTransaction> = store
        .provider_transactions(provider, from, to)
        .await?
        .into_iter()
        .map(|t| (t.provider_id.clone(), t))
        .collect();
    let mut seen = HashSet::new();
    let mut matched = 0;
    let mut differences = Vec::new();
    for line in &lines {
        seen.insert(line.provider_id.clone());
        let record = match ours.get(&line.provider_id) {
            Some(t) => Some(t.clone()),
            None => store.transaction(provider, &line.provider_id).await?,
        };
        let Some(record) = record else {
            differences.push(Difference::MissingInYagona {
                provider_id: line.provider_id.clone(),
                invoice: line.invoice.clone(),
                amount: line.amount,
                provider: line.standing,
            });
            continue;
        };
        let before = differences.len();
        if record.invoice.as_str() != line.invoice.trim().to_ascii_uppercase() {
            differences.push(Difference::InvoiceMismatch {
                provider_id: line.provider_id.clone(),
                yagona: record.invoice.to_string(),
                provider: line.invoice.clone(),
            });
        }
        if record.amount != line.amount {
            differences.push(Difference::AmountMismatch {
                provider_id: line.provider_id.clone(),
                invoice: record.invoice.to_string(),
                yagona: record.amount,
                provider: line.amount,
            });
        }
        let standing = Standing::of(record.state);
        if standing != line.standing {
            differences.push(Difference::StandingMismatch {
                provider_id: line.provider_id.clone(),
                invoice: record.invoice.to_string(),
                yagona: standing,
                provider: line.standing,
            });
        }
        if differences.len() == before {
            matched += 1;
        }
    }
    for (id, record) in &ours {
        let standing = Standing::of(record.state);
        let expected = provider == Provider::Payme || standing.money_moved();
        if !seen.contains(id) && expected {
            differences.push(Difference::MissingAtProvider {
                provider_id: id.clone(),
                invoice: record.invoice.to_string(),
                amount: record.amount,
                yagona: standing,
            });
        }
    }
    Ok(Reconciliation {
        provider,
        day,
        matched,
        differences,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_are_read_with_their_lines() {
        let payme = "id,time,amount,account,create_time,perform_time,cancel_time,state,reason\n\
                     a1,1767336000000,8240000,INV-2026-000001,1767336000120,1767336030000,0,2,\n\
                     a2,1767336000000,100,INV-2026-000002,1767336000120,0,1767336030000,-1,3\n";
        let lines = parse_statement(Provider::Payme, payme).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].line, 2);
        assert_eq!(lines[0].standing, Standing::Paid);
        assert_eq!(lines[1].standing, Standing::Cancelled);

        let click = "payment_id,click_trans_id,merchant_trans_id,amount,status,date\n\
                     19,21,INV-2026-000003,82400.00,confirmed,2026-01-02 11:05:00\n";
        let lines = parse_statement(Provider::Click, click).unwrap();
        assert_eq!(lines[0].amount.as_i64(), 8_240_000);

        let wrong = "payment_id,click_trans_id,merchant_trans_id,amount,status,date\n\
                     19,21,INV-2026-000003,82400.001,confirmed,2026-01-02 11:05:00\n";
        assert_eq!(parse_statement(Provider::Click, wrong).unwrap_err().line, 2);
        let short = "id,time\nx,1\n";
        assert!(parse_statement(Provider::Payme, short).is_err());
    }
}
