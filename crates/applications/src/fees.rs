//! Fees: the invoice a paid service's application gets when it is submitted, and what the
//! application's process hears when the fee is paid or goes back.
//!
//! - At the first submission, in its transaction, the application gets its invoice
//!   ([`yagona_payments::PaymentStore::create_invoice_in`]): the fee in tiyin at the BHM in
//!   force that day, payable for [`PAY_WITHIN_DAYS`] days. The process starts with a variable
//!   `fee` (`invoice`, `amount` in tiyin, `expiresAt`, `closeAt`, `refundable`), so that a model
//!   can wait for the payment: an event-based gateway with the message `fee-paid` (correlation
//!   key `=applicationId`) and a timer at `=fee.closeAt` — a day after the last day to pay, so
//!   that a payment begun on the last day (Payme allows twelve hours) can finish.
//! - When a provider's call makes the invoice paid, [`FeeSettlement::paid`] publishes
//!   `fee-paid` inside that call's transaction, with the step it causes: the payment, the
//!   process moving on and the history line commit together or not at all.
//! - When the process ends, the projection closes the invoice in the same step: an unpaid one
//!   can no longer be paid; a paid one of a rejected application whose service says so may be
//!   refunded.

use crate::model::{Application, ApplicationError};
use crate::status::{Action, Actor, Status};
use futures::future::BoxFuture;
use serde_json::{json, Map, Value};
use yagona_core::Timestamp;
use yagona_payments::{Invoice, NewInvoice, PaymentError, PaymentStore, Provider, Tiyin, Tx};
use yagona_registry::{Catalogue, Service};
use yagona_workflow::store::StoreError;

/// How long an invoice may be paid, in calendar days from submission.
pub const PAY_WITHIN_DAYS: i64 = 30;

/// The message a payment publishes to the application's process.
pub const FEE_PAID_MESSAGE: &str = "fee-paid";

/// How long `fee-paid` is kept for a process that does not wait for it yet (one that waits
/// elsewhere first): as long as an invoice may be paid, and the day after.
const MESSAGE_TTL_DAYS: i64 = PAY_WITHIN_DAYS + 1;

/// What an application of a paid service owes, as the registry says on the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeeDue {
    pub amount: Tiyin,
    pub refundable: bool,
}

/// The fee the service charges today, or `None` for a free service. A BHM multiple the
/// registry has no BHM for is an error, never a guess.
pub fn fee_due(
    catalogue: &Catalogue,
    service: &Service,
    today: chrono::NaiveDate,
) -> Result<Option<FeeDue>, ApplicationError> {
    if service.passport.fee.is_free() {
        return Ok(None);
    }
    let bhm = yagona_registry::Registry::bhm_on(&catalogue.registry.bhm, today);
    let tiyin = match (&service.passport.fee, bhm) {
        (yagona_core::Fee::Bhm { .. }, None) => {
            return Err(ApplicationError::Process(format!(
                "the registry has no BHM in force on {today} to count the fee of {}",
                service.passport.code
            )))
        }
        (fee, bhm) => fee.amount_tiyin(bhm.unwrap_or(0)),
    };
    let amount = Tiyin::new(tiyin)
        .map_err(|e| ApplicationError::Process(format!("the fee cannot be invoiced: {e}")))?;
    Ok(Some(FeeDue {
        amount,
        refundable: service.passport.refund_if_rejected,
    }))
}

/// Issues the application's invoice in the submission's transaction and answers the process
/// variable `fee`.
pub(crate) async fn invoice_in(
    tx: &mut Tx,
    app: &Application,
    due: FeeDue,
    now: Timestamp,
) -> Result<Value, ApplicationError> {
    let expires = now + chrono::Duration::days(PAY_WITHIN_DAYS);
    let invoice = PaymentStore::create_invoice_in(
        tx,
        &NewInvoice {
            application: app.reference.as_str().to_owned(),
            service: app.service_code.clone(),
            payer: app.applicant_pinfl.clone(),
            amount: due.amount,
            expires_at: Some(expires),
        },
        now,
    )
    .await
    .map_err(payment_error)?;
    Ok(json!({
        "invoice": invoice.number.as_str(),
        "amount": invoice.amount.as_i64(),
        "expiresAt": yagona_core::format_timestamp(&expires),
        "closeAt": yagona_core::format_timestamp(&(expires + chrono::Duration::days(1))),
        "refundable": due.refundable,
    }))
}

/// `82 400` from tiyin (whole soʻm; tiyin shown when there are any).
pub(crate) fn som_text(tiyin: i64) -> String {
    let whole = yagona_core::group_thousands(tiyin / 100);
    match tiyin % 100 {
        0 => whole,
        rest => format!("{whole},{rest:02}"),
    }
}

pub(crate) fn payment_error(e: PaymentError) -> ApplicationError {
    match e {
        PaymentError::Db(d) => ApplicationError::Db(d),
        PaymentError::Conflict => ApplicationError::Conflict,
        other => ApplicationError::Process(other.to_string()),
    }
}

/// The process ended: the invoice is closed as the ending says, in the step's transaction.
pub(crate) async fn application_ended_in(
    tx: &mut Tx,
    reference: &str,
    approved: bool,
    variables: &Map<String, Value>,
    at: Timestamp,
) -> Result<(), StoreError> {
    let refundable = variables
        .get("fee")
        .and_then(|f| f.get("refundable"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    PaymentStore::application_ended_in(tx, reference, refundable && !approved, at)
        .await
        .map_err(|e| match e {
            PaymentError::Db(d) => StoreError::Db(d),
            other => StoreError::Db(yagona_db::DbError::Sqlx(sqlx::Error::Protocol(
                other.to_string(),
            ))),
        })?;
    Ok(())
}

/// What the platform does when a provider's call moves an application's money: the process
/// hears `fee-paid`, and the history says who was paid.
pub struct FeeSettlement {
    db: yagona_db::Db,
    catalogue: yagona_registry::CatalogueCache,
}

impl FeeSettlement {
    pub fn new(db: yagona_db::Db, catalogue: yagona_registry::CatalogueCache) -> FeeSettlement {
        FeeSettlement { db, catalogue }
    }
}

/// The application an invoice is for: its id and status, read in the payment's transaction.
async fn application_of(tx: &mut Tx, invoice: &Invoice) -> Result<(String, Status), PaymentError> {
    let row: Option<(String, String)> =
        sqlx::query_as("SELECT id, status FROM applications WHERE reference = $1")
            .bind(&invoice.application)
            .fetch_optional(&mut **tx)
            .await?;
    row.map(|(id, status)| (id, Status::parse(&status).unwrap_or(Status::Submitted)))
        .ok_or_else(|| {
            PaymentError::Settlement(format!(
                "invoice {} names application {}, which does not exist",
                invoice.number, invoice.application
            ))
        })
}

async fn history(
    tx: &mut Tx,
    app_id: &str,
    invoice: &Invoice,
    action: Action,
) -> Result<(), PaymentError> {
    let actor = Actor::System {
        name: invoice
            .provider
            .map(Provider::name)
            .unwrap_or_default()
            .to_owned(),
    };
    let comment = format!(
        "{} · {} soʻm",
        invoice.number,
        yagona_core::group_thousands(invoice.amount.as_i64() / 100)
    );
    crate::store::record(
        tx,
        app_id,
        &yagona_core::now(),
        &actor,
        action,
        None,
        Some(&comment),
        None,
    )
    .await?;
    Ok(())
}

impl yagona_payments::Settlement for FeeSettlement {
    fn paid<'a>(
        &'a self,
        tx: &'a mut Tx,
        invoice: &'a Invoice,
    ) -> BoxFuture<'a, Result<(), PaymentError>> {
        Box::pin(async move {
            let (app_id, status) = application_of(tx, invoice).await?;
            history(tx, &app_id, invoice, Action::PayFee).await?;
            if status.is_final() {
                // Paid after the application had ended (a payment begun before its close that
                // the provider finished late): the money goes back, nothing is reopened.
                PaymentStore::application_ended_in(
                    tx,
                    &invoice.application,
                    true,
                    yagona_core::now(),
                )
                .await?;
                return Ok(());
            }
            if let Some(app) = crate::store::ApplicationStore::by_id_in(tx, &app_id).await? {
                let mut params = Map::new();
                params.insert("amount".into(), som_text(invoice.amount.as_i64()).into());
                params.insert("invoice".into(), invoice.number.as_str().into());
                crate::notices::tell_in(
                    tx,
                    &app,
                    yagona_notices::Event::PaymentReceived,
                    invoice.number.as_str(),
                    params,
                )
                .await
                .map_err(|e| PaymentError::Settlement(e.to_string()))?;
            }
            let cat = self.catalogue.get().await;
            let engine = crate::process::processes(&self.db, &cat.calendar);
            let mut variables = Map::new();
            variables.insert(
                "feePaid".into(),
                json!({
                    "invoice": invoice.number.as_str(),
                    "provider": invoice.provider.map(Provider::as_str),
                    "at": invoice.paid_at.as_ref().map(yagona_core::format_timestamp),
                }),
            );
            engine
                .publish_in(
                    tx,
                    FEE_PAID_MESSAGE,
                    &app_id,
                    variables,
                    chrono::Duration::days(MESSAGE_TTL_DAYS),
                    &format!("{FEE_PAID_MESSAGE}:{}", invoice.number),
                )
                .await
                .map_err(|e| match e {
                    StoreError::Conflict => PaymentError::Conflict,
                    StoreError::Db(d) => PaymentError::Db(d),
                    other => PaymentError::Settlement(other.to_string()),
                })?;
            Ok(())
        })
    }

    fn refunded<'a>(
        &'a self,
        tx: &'a mut Tx,
        invoice: &'a Invoice,
    ) -> BoxFuture<'a, Result<(), PaymentError>> {
        Box::pin(async move {
            let (app_id, _) = application_of(tx, invoice).await?;
            history(tx, &app_id, invoice, Action::RefundFee).await
        })
    }
}

impl crate::Applications {
    /// The invoice of an application the caller has already read (and so may see): `None` for
    /// a free service, or before submission.
    pub async fn invoice(&self, app: &Application) -> Result<Option<Invoice>, ApplicationError> {
        PaymentStore::new(&self.db)
            .invoice_for_application(app.reference.as_str())
            .await
            .map_err(payment_error)
    }

    /// What the service would charge if submitted today: `None` when free.
    pub async fn fee_today(&self, service: &Service) -> Result<Option<FeeDue>, ApplicationError> {
        let cat = self.catalogue.get().await;
        fee_due(
            &cat,
            service,
            yagona_core::tashkent_date(&yagona_core::now()),
        )
    }
}
