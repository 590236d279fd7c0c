//! The invoice's and its transactions' state changes, each inside the caller's transaction and
//! guarded: an update that finds the row no longer as it was read fails the call with
//! [`PaymentError::Conflict`], which rolls it back and runs it again on what the other call
//! committed. Every change locks the invoice's row before its transactions' rows, so that
//! PostgreSQL sees one order and two calls never wait for each other in a circle.

use super::rows::{self, invoice_columns, transaction_columns};
use crate::invoice::{InvoiceStatus, Provider, ProviderTransaction, TransactionState};
use crate::{Invoice, PaymentError, Settlement, Tiyin, Tx};
use sqlx::Any;
use yagona_core::{format_timestamp, Timestamp};

pub(crate) async fn invoice<'e, E>(e: E, number: &str) -> Result<Option<Invoice>, PaymentError>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let row = sqlx::query(concat!(
        "SELECT ",
        invoice_columns!(),
        " FROM payment_invoices WHERE number = $1"
    ))
    .bind(number)
    .fetch_optional(e)
    .await?;
    row.as_ref().map(rows::invoice).transpose()
}

pub(crate) async fn by_provider_id<'e, E>(
    e: E,
    provider: Provider,
    provider_id: &str,
) -> Result<Option<ProviderTransaction>, PaymentError>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let row = sqlx::query(concat!(
        "SELECT ",
        transaction_columns!(),
        " FROM payment_transactions WHERE provider = $1 AND provider_id = $2"
    ))
    .bind(provider.as_str())
    .bind(provider_id)
    .fetch_optional(e)
    .await?;
    row.as_ref().map(rows::transaction).transpose()
}

pub(crate) async fn by_id<'e, E>(e: E, id: i64) -> Result<Option<ProviderTransaction>, PaymentError>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let row = sqlx::query(concat!(
        "SELECT ",
        transaction_columns!(),
        " FROM payment_transactions WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(e)
    .await?;
    row.as_ref().map(rows::transaction).transpose()
}

/// The transaction that holds the invoice now (created or performed), if any.
pub(crate) async fn holder<'e, E>(
    e: E,
    number: &str,
) -> Result<Option<ProviderTransaction>, PaymentError>
where
    E: sqlx::Executor<'e, Database = Any>,
{
    let row = sqlx::query(concat!(
        "SELECT ",
        transaction_columns!(),
        " FROM payment_transactions WHERE active_invoice = $1"
    ))
    .bind(number)
    .fetch_optional(e)
    .await?;
    row.as_ref().map(rows::transaction).transpose()
}

/// Whether a new transaction of `amount` may pay an invoice now.
#[derive(Debug)]
pub(crate) enum Admission {
    Open(Invoice),
    /// It may, once this transaction — open past its time — is cancelled.
    AfterReleasing(ProviderTransaction, Invoice),
    NotFound,
    WrongAmount,
    Paid,
    /// Cancelled, refunded, or past its expiry.
    Closed,
    /// Another transaction, still in its time, holds it.
    Busy,
}

/// Decides [`Admission`] from what was read, changing nothing (a check answers from it as is).
pub(crate) fn assess(
    invoice: Option<Invoice>,
    holder: Option<ProviderTransaction>,
    amount: Tiyin,
    now: Timestamp,
) -> Admission {
    let Some(invoice) = invoice else {
        return Admission::NotFound;
    };
    if invoice.amount != amount {
        return Admission::WrongAmount;
    }
    let past_expiry = invoice.expires_at.is_some_and(|e| now >= e);
    match invoice.status {
        InvoiceStatus::Paid => Admission::Paid,
        InvoiceStatus::Cancelled | InvoiceStatus::Refunded => Admission::Closed,
        _ if past_expiry => Admission::Closed,
        InvoiceStatus::Unpaid => Admission::Open(invoice),
        InvoiceStatus::Pending => match holder {
            Some(h) if h.expired_at(now) => Admission::AfterReleasing(h, invoice),
            Some(_) => Admission::Busy,
            // Pending with no holder cannot be written by this crate; open() refuses it.
            None => Admission::Open(invoice),
        },
    }
}

/// [`assess`] on the rows as they are inside the transaction, releasing an expired holder.
pub(crate) async fn admit(
    tx: &mut Tx,
    number: &str,
    amount: Tiyin,
    now: Timestamp,
) -> Result<Admission, PaymentError> {
    let found = invoice(&mut **tx, number).await?;
    let held = match &found {
        Some(i) if i.status == InvoiceStatus::Pending => holder(&mut **tx, number).await?,
        _ => None,
    };
    match assess(found, held, amount, now) {
        Admission::AfterReleasing(h, mut invoice) => {
            cancel_open(tx, &h, crate::reason::TIMEOUT, now, None).await?;
            invoice.status = InvoiceStatus::Unpaid;
            invoice.updated_at = now;
            Ok(Admission::Open(invoice))
        }
        other => Ok(other),
    }
}

/// What a new transaction records.
pub(crate) struct Opening<'a> {
    pub provider: Provider,
    pub provider_id: &'a str,
    pub provider_time: Option<i64>,
    pub expires_at: Timestamp,
    pub details: serde_json::Value,
}

/// Opens a transaction that holds the (unpaid) invoice until it is performed or cancelled.
pub(crate) async fn open(
    tx: &mut Tx,
    invoice: &Invoice,
    opening: Opening<'_>,
    now: Timestamp,
) -> Result<ProviderTransaction, PaymentError> {
    let at = format_timestamp(&now);
    let held = sqlx::query(
        "UPDATE payment_invoices SET status = 'pending', updated_at = $1 \
         WHERE number = $2 AND status = 'unpaid'",
    )
    .bind(&at)
    .bind(invoice.number.as_str())
    .execute(&mut **tx)
    .await?;
    if held.rows_affected() != 1 {
        return Err(PaymentError::Conflict);
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO payment_transactions (provider, provider_id, invoice, amount, state, \
         provider_time, created_at, expires_at, active_invoice, details) \
         VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $3, $8) RETURNING id",
    )
    .bind(opening.provider.as_str())
    .bind(opening.provider_id)
    .bind(invoice.number.as_str())
    .bind(invoice.amount.as_i64())
    .bind(opening.provider_time)
    .bind(&at)
    .bind(format_timestamp(&opening.expires_at))
    .bind(opening.details.to_string())
    .fetch_one(&mut **tx)
    .await?;
    Ok(ProviderTransaction {
        id,
        provider: opening.provider,
        provider_id: opening.provider_id.to_owned(),
        invoice: invoice.number.clone(),
        amount: invoice.amount,
        state: TransactionState::Created,
        reason: None,
        provider_time: opening.provider_time,
        created_at: now,
        expires_at: opening.expires_at,
        performed_at: None,
        cancelled_at: None,
        details: opening.details,
    })
}

/// Performs an open transaction: the invoice is paid, and the platform settles it.
pub(crate) async fn perform(
    tx: &mut Tx,
    settlement: &dyn Settlement,
    txn: &ProviderTransaction,
    now: Timestamp,
) -> Result<ProviderTransaction, PaymentError> {
    let at = format_timestamp(&now);
    let paid = sqlx::query(concat!(
        "UPDATE payment_invoices SET status = 'paid', paid_at = $1, provider = $2, \
         provider_transaction = $3, updated_at = $1 WHERE number = $4 AND status = 'pending' \
         RETURNING ",
        invoice_columns!()
    ))
    .bind(&at)
    .bind(txn.provider.as_str())
    .bind(&txn.provider_id)
    .bind(txn.invoice.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(invoice) = paid.as_ref().map(rows::invoice).transpose()? else {
        return Err(PaymentError::Conflict);
    };
    let done = sqlx::query(
        "UPDATE payment_transactions SET state = 2, performed_at = $1 WHERE id = $2 AND state = 1",
    )
    .bind(&at)
    .bind(txn.id)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(PaymentError::Conflict);
    }
    settlement.paid(tx, &invoice).await?;
    Ok(ProviderTransaction {
        state: TransactionState::Performed,
        performed_at: Some(now),
        ..txn.clone()
    })
}

/// Cancels an open transaction, which lets go of its invoice. `details` replaces what the
/// transaction recorded, when given.
pub(crate) async fn cancel_open(
    tx: &mut Tx,
    txn: &ProviderTransaction,
    reason: i64,
    now: Timestamp,
    details: Option<serde_json::Value>,
) -> Result<ProviderTransaction, PaymentError> {
    let at = format_timestamp(&now);
    let released = sqlx::query(
        "UPDATE payment_invoices SET status = 'unpaid', updated_at = $1 \
         WHERE number = $2 AND status = 'pending'",
    )
    .bind(&at)
    .bind(txn.invoice.as_str())
    .execute(&mut **tx)
    .await?;
    if released.rows_affected() != 1 {
        return Err(PaymentError::Conflict);
    }
    let details = details.unwrap_or_else(|| txn.details.clone());
    let done = sqlx::query(
        "UPDATE payment_transactions SET state = -1, reason = $1, cancelled_at = $2, \
         active_invoice = NULL, details = $3 WHERE id = $4 AND state = 1",
    )
    .bind(reason)
    .bind(&at)
    .bind(details.to_string())
    .bind(txn.id)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(PaymentError::Conflict);
    }
    Ok(ProviderTransaction {
        state: TransactionState::Cancelled,
        reason: Some(reason),
        cancelled_at: Some(now),
        details,
        ..txn.clone()
    })
}

/// Cancels a performed transaction: the money went back. The invoice becomes `refunded`, or
/// `unpaid` again when the provider undid the payment on its own (it may then be paid anew);
/// either way the platform hears of it.
pub(crate) async fn cancel_performed(
    tx: &mut Tx,
    settlement: &dyn Settlement,
    txn: &ProviderTransaction,
    reason: i64,
    invoice_becomes: InvoiceStatus,
    now: Timestamp,
    details: Option<serde_json::Value>,
) -> Result<ProviderTransaction, PaymentError> {
    let at = format_timestamp(&now);
    let changed = if invoice_becomes == InvoiceStatus::Unpaid {
        sqlx::query(
            "UPDATE payment_invoices SET status = 'unpaid', paid_at = NULL, provider = NULL, \
             provider_transaction = NULL, updated_at = $1 WHERE number = $2 AND status = 'paid'",
        )
        .bind(&at)
        .bind(txn.invoice.as_str())
        .execute(&mut **tx)
        .await?
    } else {
        sqlx::query(
            "UPDATE payment_invoices SET status = $1, updated_at = $2 \
             WHERE number = $3 AND status = 'paid'",
        )
        .bind(invoice_becomes.as_str())
        .bind(&at)
        .bind(txn.invoice.as_str())
        .execute(&mut **tx)
        .await?
    };
    if changed.rows_affected() != 1 {
        return Err(PaymentError::Conflict);
    }
    let details = details.unwrap_or_else(|| txn.details.clone());
    let done = sqlx::query(
        "UPDATE payment_transactions SET state = -2, reason = $1, cancelled_at = $2, \
         active_invoice = NULL, details = $3 WHERE id = $4 AND state = 2",
    )
    .bind(reason)
    .bind(&at)
    .bind(details.to_string())
    .bind(txn.id)
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() != 1 {
        return Err(PaymentError::Conflict);
    }
    let invoice = invoice(&mut **tx, txn.invoice.as_str())
        .await?
        .ok_or_else(|| PaymentError::NoInvoice(txn.invoice.to_string()))?;
    settlement.refunded(tx, &invoice).await?;
    Ok(ProviderTransaction {
        state: TransactionState::CancelledAfterPerform,
        reason: Some(reason),
        cancelled_at: Some(now),
        details,
        ..txn.clone()
    })
}

/// Whether the platform lets a paid invoice's money go back.
pub(crate) async fn may_refund(
    tx: &mut Tx,
    settlement: &dyn Settlement,
    number: &str,
) -> Result<bool, PaymentError> {
    let invoice = invoice(&mut **tx, number)
        .await?
        .ok_or_else(|| PaymentError::NoInvoice(number.to_owned()))?;
    settlement.may_refund(tx, &invoice).await
}
