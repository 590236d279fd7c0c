//! Reading the payments' rows back into their types.

use crate::invoice::{
    InvoiceNumber, InvoiceStatus, Provider, ProviderTransaction, TransactionState,
};
use crate::{Invoice, PaymentError, Tiyin};
use sqlx::any::AnyRow;
use sqlx::Row;
use yagona_core::{parse_timestamp, Pinfl, Timestamp};

/// The columns [`invoice`] reads, as a literal for `concat!`.
macro_rules! invoice_columns {
    () => {
        "number, application, service, payer, amount, status, refund_allowed, created_at, \
         expires_at, paid_at, provider, provider_transaction, updated_at"
    };
}

/// The columns [`transaction`] reads, as a literal for `concat!`.
macro_rules! transaction_columns {
    () => {
        "id, provider, provider_id, invoice, amount, state, reason, provider_time, created_at, \
         expires_at, performed_at, cancelled_at, details"
    };
}
pub(crate) use {invoice_columns, transaction_columns};

fn corrupt(what: &str, value: &str) -> PaymentError {
    PaymentError::Corrupt(format!("{what} {value:?}"))
}

fn moment(row: &AnyRow, column: &str) -> Result<Timestamp, PaymentError> {
    let text: String = row.try_get(column)?;
    parse_timestamp(&text).ok_or_else(|| corrupt(column, &text))
}

fn maybe_moment(row: &AnyRow, column: &str) -> Result<Option<Timestamp>, PaymentError> {
    let text: Option<String> = row.try_get(column)?;
    text.map(|t| parse_timestamp(&t).ok_or_else(|| corrupt(column, &t)))
        .transpose()
}

fn amount(row: &AnyRow) -> Result<Tiyin, PaymentError> {
    let v: i64 = row.try_get("amount")?;
    Tiyin::new(v).map_err(|_| corrupt("amount", &v.to_string()))
}

pub(crate) fn invoice(row: &AnyRow) -> Result<Invoice, PaymentError> {
    let number: String = row.try_get("number")?;
    let payer: String = row.try_get("payer")?;
    let status: String = row.try_get("status")?;
    let provider: Option<String> = row.try_get("provider")?;
    Ok(Invoice {
        number: InvoiceNumber::parse(&number).ok_or_else(|| corrupt("invoice number", &number))?,
        application: row.try_get("application")?,
        service: row.try_get("service")?,
        payer: Pinfl::parse(&payer).map_err(|_| corrupt("payer", &payer))?,
        amount: amount(row)?,
        status: InvoiceStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?,
        refund_allowed: row.try_get::<i64, _>("refund_allowed")? != 0,
        created_at: moment(row, "created_at")?,
        expires_at: maybe_moment(row, "expires_at")?,
        paid_at: maybe_moment(row, "paid_at")?,
        provider: provider
            .map(|p| Provider::parse(&p).ok_or_else(|| corrupt("provider", &p)))
            .transpose()?,
        provider_transaction: row.try_get("provider_transaction")?,
        updated_at: moment(row, "updated_at")?,
    })
}

pub(crate) fn transaction(row: &AnyRow) -> Result<ProviderTransaction, PaymentError> {
    let provider: String = row.try_get("provider")?;
    let invoice: String = row.try_get("invoice")?;
    let state: i64 = row.try_get("state")?;
    let details: String = row.try_get("details")?;
    Ok(ProviderTransaction {
        id: row.try_get("id")?,
        provider: Provider::parse(&provider).ok_or_else(|| corrupt("provider", &provider))?,
        provider_id: row.try_get("provider_id")?,
        invoice: InvoiceNumber::parse(&invoice).ok_or_else(|| corrupt("invoice", &invoice))?,
        amount: amount(row)?,
        state: TransactionState::from_code(state)
            .ok_or_else(|| corrupt("state", &state.to_string()))?,
        reason: row.try_get("reason")?,
        provider_time: row.try_get("provider_time")?,
        created_at: moment(row, "created_at")?,
        expires_at: moment(row, "expires_at")?,
        performed_at: maybe_moment(row, "performed_at")?,
        cancelled_at: maybe_moment(row, "cancelled_at")?,
        details: serde_json::from_str(&details).map_err(|_| corrupt("details", &details))?,
    })
}
