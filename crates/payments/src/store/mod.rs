//! Invoices: creating them, reading them, and the changes the platform makes to them (allowing
//! a refund, withdrawing an unpaid one, letting go of transactions open past their time).
//!
//! - `rows`: reading rows back into [`Invoice`] and [`ProviderTransaction`];
//! - `ledger`: the guarded state changes the protocols make inside their transactions.

pub(crate) mod ledger;
mod rows;

use crate::invoice::{InvoiceNumber, InvoiceStatus, Provider, ProviderTransaction};
use crate::{Invoice, NewInvoice, PaymentError, MIGRATIONS};
use chrono::Datelike;
use rows::invoice_columns;
pub(crate) use rows::transaction as transaction_row;
pub(crate) use rows::transaction_columns;
use yagona_core::{format_timestamp, tashkent_date, Timestamp};
use yagona_db::{Db, DbError};

/// The invoices and the providers' transactions, in the node's database.
#[derive(Clone, Copy)]
pub struct PaymentStore<'a> {
    pub db: &'a Db,
}

impl<'a> PaymentStore<'a> {
    pub fn new(db: &'a Db) -> PaymentStore<'a> {
        PaymentStore { db }
    }

    /// Applies the component's migrations.
    pub async fn migrate(db: &Db) -> Result<(), DbError> {
        db.migrate("payments", MIGRATIONS).await
    }

    /// The application's invoice: a new one numbered in this year's sequence, or — asked again
    /// for the same application — the one it already has. Asked again with another service,
    /// payer or amount, it refuses rather than answer with a different invoice.
    pub async fn create_invoice(&self, new: &NewInvoice) -> Result<Invoice, PaymentError> {
        self.create_invoice_at(new, crate::Clock::system().now())
            .await
    }

    /// [`PaymentStore::create_invoice`] at a given moment.
    pub async fn create_invoice_at(
        &self,
        new: &NewInvoice,
        now: Timestamp,
    ) -> Result<Invoice, PaymentError> {
        if let Some(existing) = self.invoice_for_application(&new.application).await? {
            return same(existing, new);
        }
        let created = in_transaction!(self.db, |tx| insert_invoice(tx, new, now))?;
        same(created, new)
    }

    /// [`PaymentStore::create_invoice`] inside the caller's transaction: the application's
    /// submission and its invoice commit together, and the year's counter moves only if they
    /// do, so numbers have no gaps.
    pub async fn create_invoice_in(
        tx: &mut crate::Tx,
        new: &NewInvoice,
        now: Timestamp,
    ) -> Result<Invoice, PaymentError> {
        let invoice = insert_invoice(tx, new, now).await?;
        same(invoice, new)
    }

    /// The application's invoice, read in the caller's transaction.
    pub async fn invoice_for_application_in(
        tx: &mut crate::Tx,
        application: &str,
    ) -> Result<Option<Invoice>, PaymentError> {
        of_application(&mut **tx, application).await
    }

    /// The application ended: its invoice, if still unpaid, is withdrawn (no payment may start
    /// on it any more), and if paid and `refund` says the money goes back, a refund is allowed.
    /// In the caller's transaction (the step that ended the application's process). Answers
    /// the invoice as it now stands.
    pub async fn application_ended_in(
        tx: &mut crate::Tx,
        application: &str,
        refund: bool,
        now: Timestamp,
    ) -> Result<Option<Invoice>, PaymentError> {
        let at = format_timestamp(&now);
        sqlx::query(
            "UPDATE payment_invoices SET status = 'cancelled', updated_at = $1 \
             WHERE application = $2 AND status = 'unpaid'",
        )
        .bind(&at)
        .bind(application)
        .execute(&mut **tx)
        .await?;
        if refund {
            sqlx::query(
                "UPDATE payment_invoices SET refund_allowed = 1, updated_at = $1 \
                 WHERE application = $2 AND status = 'paid' AND refund_allowed = 0",
            )
            .bind(&at)
            .bind(application)
            .execute(&mut **tx)
            .await?;
        }
        Self::invoice_for_application_in(tx, application).await
    }

    /// Invoices paid through `provider` whose refund is allowed and not yet made: what the
    /// node's refund loop asks the provider to give back (Click's reversal), oldest first.
    pub async fn refunds_due(
        &self,
        provider: Provider,
        limit: i64,
    ) -> Result<Vec<Invoice>, PaymentError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            invoice_columns!(),
            " FROM payment_invoices WHERE status = 'paid' AND refund_allowed = 1 \
              AND provider = $1 ORDER BY updated_at, number LIMIT $2"
        ))
        .bind(provider.as_str())
        .bind(limit)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(rows::invoice).collect()
    }

    pub async fn invoice(&self, number: &str) -> Result<Option<Invoice>, PaymentError> {
        let Some(number) = InvoiceNumber::parse(number) else {
            return Ok(None);
        };
        ledger::invoice(&self.db.pool, number.as_str()).await
    }

    pub async fn invoice_for_application(
        &self,
        application: &str,
    ) -> Result<Option<Invoice>, PaymentError> {
        of_application(&self.db.pool, application).await
    }

    /// Invoices issued or paid in `[from, to)`, oldest first: what reconciliation and the
    /// e-Government Centre's reports go through.
    pub async fn invoices(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<Invoice>, PaymentError> {
        let (from, to) = (format_timestamp(&from), format_timestamp(&to));
        let rows = sqlx::query(concat!(
            "SELECT ",
            invoice_columns!(),
            " FROM payment_invoices WHERE (created_at >= $1 AND created_at < $2) \
              OR (paid_at >= $1 AND paid_at < $2) ORDER BY created_at, number"
        ))
        .bind(from)
        .bind(to)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(rows::invoice).collect()
    }

    /// Every transaction a provider opened for an invoice, oldest first.
    pub async fn transactions_of(
        &self,
        number: &str,
    ) -> Result<Vec<ProviderTransaction>, PaymentError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            transaction_columns!(),
            " FROM payment_transactions WHERE invoice = $1 ORDER BY id"
        ))
        .bind(number)
        .fetch_all(&self.db.pool)
        .await?;
        rows.iter().map(rows::transaction).collect()
    }

    /// A provider's transaction by the provider's id of it.
    pub async fn transaction(
        &self,
        provider: Provider,
        provider_id: &str,
    ) -> Result<Option<ProviderTransaction>, PaymentError> {
        ledger::by_provider_id(&self.db.pool, provider, provider_id).await
    }

    /// A provider's transactions created in `[from, to)` (Payme's by its own `time`, from which
    /// its statement counts; Click's by when Yagona recorded them), oldest first.
    pub async fn provider_transactions(
        &self,
        provider: Provider,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<ProviderTransaction>, PaymentError> {
        let rows = match provider {
            Provider::Payme => {
                sqlx::query(concat!(
                    "SELECT ",
                    transaction_columns!(),
                    " FROM payment_transactions WHERE provider = 'payme' \
                      AND provider_time >= $1 AND provider_time < $2 ORDER BY provider_time, id"
                ))
                .bind(from.timestamp_millis())
                .bind(to.timestamp_millis())
                .fetch_all(&self.db.pool)
                .await?
            }
            Provider::Click => {
                sqlx::query(concat!(
                    "SELECT ",
                    transaction_columns!(),
                    " FROM payment_transactions WHERE provider = 'click' \
                      AND created_at >= $1 AND created_at < $2 ORDER BY created_at, id"
                ))
                .bind(format_timestamp(&from))
                .bind(format_timestamp(&to))
                .fetch_all(&self.db.pool)
                .await?
            }
        };
        rows.iter().map(rows::transaction).collect()
    }

    /// Records that the invoice's money may go back once paid (its service allows refunds and
    /// the application was rejected). The default [`crate::Settlement::may_refund`] reads it.
    pub async fn allow_refund(&self, number: &str) -> Result<Invoice, PaymentError> {
        let now = crate::Clock::system().now();
        let changed = sqlx::query(
            "UPDATE payment_invoices SET refund_allowed = 1, updated_at = $1 WHERE number = $2",
        )
        .bind(format_timestamp(&now))
        .bind(number)
        .execute(&self.db.writer)
        .await?;
        if changed.rows_affected() == 0 {
            return Err(PaymentError::NoInvoice(number.to_owned()));
        }
        self.invoice(number)
            .await?
            .ok_or_else(|| PaymentError::NoInvoice(number.to_owned()))
    }

    /// Withdraws an unpaid invoice (the application was withdrawn, or the fee was waived): no
    /// payment can start on it any more. One being paid or paid cannot be withdrawn.
    pub async fn cancel_invoice(&self, number: &str) -> Result<Invoice, PaymentError> {
        let now = crate::Clock::system().now();
        let changed = sqlx::query(
            "UPDATE payment_invoices SET status = 'cancelled', updated_at = $1 \
             WHERE number = $2 AND status = 'unpaid'",
        )
        .bind(format_timestamp(&now))
        .bind(number)
        .execute(&self.db.writer)
        .await?;
        let invoice = self
            .invoice(number)
            .await?
            .ok_or_else(|| PaymentError::NoInvoice(number.to_owned()))?;
        if changed.rows_affected() == 0 && invoice.status != InvoiceStatus::Cancelled {
            return Err(PaymentError::NotAllowed {
                number: number.to_owned(),
                status: invoice.status,
                action: "cancelled",
            });
        }
        Ok(invoice)
    }

    /// Cancels (reason 4, timeout) every transaction still open past its time — Payme's 12
    /// hours from its `time`, Click's prepare lifetime — so that their invoices show as unpaid
    /// again. The providers' own calls do the same for the invoice they touch; this is for the
    /// node's housekeeping. Answers how many were cancelled.
    pub async fn release_expired(&self, now: Timestamp) -> Result<usize, PaymentError> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            transaction_columns!(),
            " FROM payment_transactions WHERE state = 1 AND expires_at < $1 ORDER BY id"
        ))
        .bind(format_timestamp(&now))
        .fetch_all(&self.db.pool)
        .await?;
        let mut released = 0;
        for row in &rows {
            let txn = rows::transaction(row)?;
            let done = in_transaction!(self.db, |tx| release(tx, &txn, now))?;
            released += usize::from(done);
        }
        Ok(released)
    }
}

/// Cancels one transaction found open past its time, unless another call got to it first.
async fn release(
    tx: &mut crate::Tx,
    txn: &ProviderTransaction,
    now: Timestamp,
) -> Result<bool, PaymentError> {
    match ledger::by_id(&mut **tx, txn.id).await? {
        Some(current) if current.expired_at(now) => {
            ledger::cancel_open(tx, &current, crate::reason::TIMEOUT, now, None).await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

async fn insert_invoice(
    tx: &mut crate::Tx,
    new: &NewInvoice,
    now: Timestamp,
) -> Result<Invoice, PaymentError> {
    // Asked twice at once: the second finds the first's invoice here (SQLite), or its insert
    // meets the unique application and the call runs again to find it (PostgreSQL).
    if let Some(existing) = of_application(&mut **tx, &new.application).await? {
        return Ok(existing);
    }
    let year = tashkent_date(&now).year();
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO payment_invoice_counters (year, last) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET last = payment_invoice_counters.last + 1 RETURNING last",
    )
    .bind(i64::from(year))
    .fetch_one(&mut **tx)
    .await?;
    let number = InvoiceNumber::new(year, seq);
    let at = format_timestamp(&now);
    sqlx::query(
        "INSERT INTO payment_invoices (number, application, service, payer, amount, status, \
         refund_allowed, created_at, expires_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, 'unpaid', 0, $6, $7, $6)",
    )
    .bind(number.as_str())
    .bind(&new.application)
    .bind(&new.service)
    .bind(new.payer.as_str())
    .bind(new.amount.as_i64())
    .bind(&at)
    .bind(new.expires_at.as_ref().map(format_timestamp))
    .execute(&mut **tx)
    .await?;
    Ok(Invoice {
        number,
        application: new.application.clone(),
        service: new.service.clone(),
        payer: new.payer.clone(),
        amount: new.amount,
        status: InvoiceStatus::Unpaid,
        refund_allowed: false,
        created_at: now,
        expires_at: new.expires_at,
        paid_at: None,
        provider: None,
        provider_transaction: None,
        updated_at: now,
    })
}

/// The application's invoice, read through `db`.
async fn of_application<'e>(
    db: impl sqlx::Executor<'e, Database = sqlx::Any>,
    application: &str,
) -> Result<Option<Invoice>, PaymentError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        invoice_columns!(),
        " FROM payment_invoices WHERE application = $1"
    ))
    .bind(application)
    .fetch_optional(db)
    .await?;
    row.as_ref().map(rows::invoice).transpose()
}

/// The application's invoice, if it is the one asked for.
fn same(invoice: Invoice, new: &NewInvoice) -> Result<Invoice, PaymentError> {
    if invoice.service == new.service && invoice.payer == new.payer && invoice.amount == new.amount
    {
        Ok(invoice)
    } else {
        Err(PaymentError::InvoiceDiffers {
            application: invoice.application,
            number: invoice.number.to_string(),
        })
    }
}
