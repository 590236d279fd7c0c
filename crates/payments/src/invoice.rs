//! Invoices and the providers' transactions that pay them.

use crate::money::Tiyin;
use serde::Serialize;
use std::fmt;
use yagona_core::{Pinfl, Timestamp};

/// An invoice's number: `INV-`, the year it was issued (Tashkent time), and its place in that
/// year's sequence, at least six digits: `INV-2026-000123`. Numbered without gaps within a year
/// (the counter moves in the transaction that creates the invoice), as accounting expects of
/// invoices, and unlike an application's random reference number (`YG-7K4M-X9QA`), which it
/// cannot be mistaken for. It is what Payme's account field and Click's `merchant_trans_id`
/// carry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct InvoiceNumber(String);

impl InvoiceNumber {
    pub(crate) fn new(year: i32, seq: i64) -> InvoiceNumber {
        InvoiceNumber(format!("INV-{year}-{seq:06}"))
    }

    /// Accepts the number in any case with surrounding spaces; nothing else.
    pub fn parse(s: &str) -> Option<InvoiceNumber> {
        let s = s.trim().to_ascii_uppercase();
        let mut parts = s.split('-');
        let (Some("INV"), Some(year), Some(seq), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        (year.len() == 4 && digits(year) && (6..=12).contains(&seq.len()) && digits(seq))
            .then_some(InvoiceNumber(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<InvoiceNumber> for String {
    fn from(n: InvoiceNumber) -> String {
        n.0
    }
}

impl fmt::Display for InvoiceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where an invoice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum InvoiceStatus {
    /// Waiting to be paid.
    Unpaid,
    /// A provider's transaction holds it (Payme created, Click prepared): no other may start.
    Pending,
    Paid,
    /// Withdrawn before it was paid; it can no longer be paid.
    Cancelled,
    /// Paid, then the money went back to the payer.
    Refunded,
}

impl InvoiceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Unpaid => "unpaid",
            InvoiceStatus::Pending => "pending",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Cancelled => "cancelled",
            InvoiceStatus::Refunded => "refunded",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<InvoiceStatus> {
        Some(match s {
            "unpaid" => InvoiceStatus::Unpaid,
            "pending" => InvoiceStatus::Pending,
            "paid" => InvoiceStatus::Paid,
            "cancelled" => InvoiceStatus::Cancelled,
            "refunded" => InvoiceStatus::Refunded,
            _ => return None,
        })
    }
}

impl fmt::Display for InvoiceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The payment systems Yagona takes fees through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Payme,
    Click,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Payme => "payme",
            Provider::Click => "click",
        }
    }

    /// The payment system's name as people know it: `Payme`, `Click`.
    pub fn name(self) -> &'static str {
        match self {
            Provider::Payme => "Payme",
            Provider::Click => "Click",
        }
    }

    pub fn parse(s: &str) -> Option<Provider> {
        match s {
            "payme" => Some(Provider::Payme),
            "click" => Some(Provider::Click),
            _ => None,
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A fee to pay for an application.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Invoice {
    pub number: InvoiceNumber,
    /// The application's reference number (`YG-…`): one invoice per application.
    pub application: String,
    /// The service's code in the registry.
    pub service: String,
    /// Who is to pay: the applicant.
    pub payer: Pinfl,
    pub amount: Tiyin,
    pub status: InvoiceStatus,
    /// Whether the money may go back once paid (the service allows refunds and the application
    /// was rejected): set by [`crate::PaymentStore::allow_refund`], read by the default
    /// [`crate::Settlement::may_refund`].
    pub refund_allowed: bool,
    #[serde(with = "yagona_core::rfc3339")]
    pub created_at: Timestamp,
    /// After this moment no new payment may start (one already started may finish).
    #[serde(with = "yagona_core::rfc3339::option")]
    pub expires_at: Option<Timestamp>,
    #[serde(with = "yagona_core::rfc3339::option")]
    pub paid_at: Option<Timestamp>,
    /// Who was paid, and the provider's id of the payment (Payme's transaction id, Click's
    /// `click_trans_id`), from the moment it was paid; kept when it is refunded.
    pub provider: Option<Provider>,
    pub provider_transaction: Option<String>,
    #[serde(with = "yagona_core::rfc3339")]
    pub updated_at: Timestamp,
}

impl Invoice {
    /// Whether a new payment may start now: unpaid and not past its expiry.
    pub fn open_at(&self, now: Timestamp) -> bool {
        self.status == InvoiceStatus::Unpaid && self.expires_at.is_none_or(|e| now < e)
    }
}

/// What the platform asks for when an application owes a fee.
#[derive(Debug, Clone)]
pub struct NewInvoice {
    pub application: String,
    pub service: String,
    pub payer: Pinfl,
    pub amount: Tiyin,
    pub expires_at: Option<Timestamp>,
}

/// The state of a provider's transaction, in Payme's numbers (Click's are mapped onto them:
/// prepared = 1, completed = 2, cancelled = -1, cancelled or reversed after completion = -2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TransactionState {
    /// Created (Payme) or prepared (Click): holds the invoice.
    Created,
    /// Performed (Payme) or completed (Click): the invoice is paid.
    Performed,
    /// Cancelled before it was performed.
    Cancelled,
    /// Cancelled after it was performed: the money went back.
    CancelledAfterPerform,
}

impl TransactionState {
    pub fn code(self) -> i64 {
        match self {
            TransactionState::Created => 1,
            TransactionState::Performed => 2,
            TransactionState::Cancelled => -1,
            TransactionState::CancelledAfterPerform => -2,
        }
    }

    pub(crate) fn from_code(code: i64) -> Option<TransactionState> {
        Some(match code {
            1 => TransactionState::Created,
            2 => TransactionState::Performed,
            -1 => TransactionState::Cancelled,
            -2 => TransactionState::CancelledAfterPerform,
            _ => return None,
        })
    }
}

/// Payme's reasons for a cancellation (`CancelTransaction`'s `reason`), which Yagona also uses
/// for its own cancellations.
pub mod reason {
    /// The receiver was not found or is inactive.
    pub const RECEIVER_NOT_FOUND: i64 = 1;
    /// A debit error at the processing centre.
    pub const DEBIT_ERROR: i64 = 2;
    /// The transaction failed to execute (Yagona: Click cancelled it).
    pub const TRANSACTION_ERROR: i64 = 3;
    /// The transaction timed out (Payme's 12 hours; Click's prepare lifetime).
    pub const TIMEOUT: i64 = 4;
    /// A refund: the money went back.
    pub const REFUND: i64 = 5;
    pub const UNKNOWN: i64 = 10;
}

/// One attempt of a provider to pay an invoice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderTransaction {
    /// Yagona's id: Payme's `transaction`, Click's `merchant_prepare_id` and
    /// `merchant_confirm_id`.
    pub id: i64,
    pub provider: Provider,
    /// The provider's id: Payme's `id`, Click's `click_trans_id`.
    pub provider_id: String,
    pub invoice: InvoiceNumber,
    pub amount: Tiyin,
    pub state: TransactionState,
    pub reason: Option<i64>,
    /// Payme's `time` (milliseconds), from which its 12 hours count; `None` for Click.
    pub provider_time: Option<i64>,
    #[serde(with = "yagona_core::rfc3339")]
    pub created_at: Timestamp,
    /// A transaction still open after this moment no longer holds its invoice.
    #[serde(with = "yagona_core::rfc3339")]
    pub expires_at: Timestamp,
    #[serde(with = "yagona_core::rfc3339::option")]
    pub performed_at: Option<Timestamp>,
    #[serde(with = "yagona_core::rfc3339::option")]
    pub cancelled_at: Option<Timestamp>,
    /// What else the provider said (Click's `click_paydoc_id`, `sign_time`, its cancelling
    /// error), and when a refund was asked of the provider.
    pub details: serde_json::Value,
}

impl ProviderTransaction {
    pub fn expired_at(&self, now: Timestamp) -> bool {
        self.state == TransactionState::Created && now > self.expires_at
    }
}

/// Milliseconds since the epoch, as Payme writes moments; 0 for none.
pub(crate) fn millis(t: Option<Timestamp>) -> i64 {
    t.map_or(0, |t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoice_numbers_read_back() {
        let n = InvoiceNumber::new(2026, 123);
        assert_eq!(n.as_str(), "INV-2026-000123");
        assert_eq!(InvoiceNumber::parse(" inv-2026-000123 "), Some(n));
        assert_eq!(
            InvoiceNumber::new(2026, 1_234_567).as_str(),
            "INV-2026-1234567"
        );
        for bad in [
            "",
            "INV-2026",
            "INV-26-000123",
            "YG-7K4M-X9QA",
            "INV-2026-12",
            "INV-2026-000123-1",
            "INV-2026-00012a",
        ] {
            assert_eq!(InvoiceNumber::parse(bad), None, "{bad}");
        }
    }
}
