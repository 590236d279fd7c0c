//! Fees as invoices, paid through Payme and Click, each over its own published merchant
//! protocol.
//!
//! An application that owes a fee gets an [`Invoice`] ([`PaymentStore::create_invoice`], one
//! per application, amounts in whole [`Tiyin`]). The portal sends the citizen to the
//! provider's checkout ([`checkout`]); the provider then calls Yagona's merchant endpoints, and
//! those calls settle the invoice:
//!
//! - [`payme`]: Payme's Merchant API, JSON-RPC 2.0 (`POST /payments/payme`) with Basic
//!   authorization (`CheckPerformTransaction`, `CreateTransaction`, `PerformTransaction`,
//!   `CancelTransaction`, `CheckTransaction`, `GetStatement`, `ChangePassword`);
//! - [`click`]: Click's SHOP API, form-encoded `Prepare` and `Complete` with an MD5 signature
//!   (`POST /payments/click/prepare`, `POST /payments/click/complete`), and refunds through
//!   Click's merchant API ([`click::ClickMerchantApi`]).
//!
//! Every provider call is one database transaction, and the platform's [`Settlement`] hook runs
//! inside it when an invoice becomes paid or its money goes back, so that the payment and what
//! the application's process does about it commit together or not at all. Nothing is lost nor
//! taken twice:
//!
//! - a provider's transaction id is stored once, and an invoice is held by at most one open or
//!   performed transaction (unique constraints, see [`MIGRATIONS`]), so two calls at once
//!   credit once;
//! - every state change is guarded (`UPDATE … WHERE status = …`); a change that lost a race is
//!   rolled back and the call is answered from what the winner committed, so a retried call
//!   gets the same answer;
//! - a call that fails before its commit (the database, or the settlement hook) changes
//!   nothing, and the provider's retry completes it.
//!
//! [`reconcile`] compares a provider's daily statement with Yagona's records.
//!
//! It is a domain component and speaks no HTTP: [`payme::Payme::answer`] and
//! [`click::Click::answer`] take a call's raw body and give the protocol's answer, which the
//! API's edge (`yagona_api::payments`) serves at the providers' endpoints; asking Click for a
//! reversal goes through [`click::ClickMerchantApi`], a trait this crate owns and the edge
//! implements over HTTPS.

use futures::future::BoxFuture;
use std::sync::Arc;
use yagona_core::Timestamp;
use yagona_db::{Db, DbError};

/// A write transaction of the payments component, shared with the settlement hook.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// How often a call whose guarded change lost a race (or hit a unique constraint another call
/// had just taken) is run again from the start, reading what the winner committed.
const ATTEMPTS: u32 = 5;

/// Runs `$work` — an expression awaiting to `Result<T, PaymentError>` that uses `$tx: &mut Tx`
/// — as one write transaction, in the database's group commit (SQLite), again when it lost a
/// race; evaluates to the work's result. The transaction commits when the work is `Ok` and
/// rolls back when it is `Err`.
macro_rules! in_transaction {
    ($db:expr, |$tx:ident| $work:expr) => {
        async {
            let db: &yagona_db::Db = $db;
            let mut attempt = 0u32;
            loop {
                attempt += 1;
                let mut slot = db.join_group().await?;
                let done = {
                    let $tx: &mut $crate::Tx = slot.tx();
                    $work.await
                };
                let again =
                    matches!(&done, Err(e) if e.lost_race()) && attempt < $crate::ATTEMPTS;
                match slot
                    .finish(done.is_ok())
                    .await
                    .map_err(yagona_db::DbError::from)?
                {
                    yagona_db::Outcome::Committed => break done,
                    yagona_db::Outcome::Retry => continue,
                    yagona_db::Outcome::RolledBack if again => continue,
                    yagona_db::Outcome::RolledBack => break done,
                }
            }
        }
        .await
    };
}

pub mod checkout;
pub mod click;
mod invoice;
mod money;
pub mod payme;
pub mod reconcile;
mod schema;
pub mod store;

pub use invoice::{
    reason, Invoice, InvoiceNumber, InvoiceStatus, NewInvoice, Provider, ProviderTransaction,
    TransactionState,
};
pub use money::{AmountError, Tiyin};
pub use schema::MIGRATIONS;
pub use store::PaymentStore;

#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("no invoice {0}")]
    NoInvoice(String),
    #[error("invoice {number} is {status}: it cannot be {action}")]
    NotAllowed {
        number: String,
        status: InvoiceStatus,
        action: &'static str,
    },
    #[error("application {application} already has invoice {number}, for another service, payer or amount")]
    InvoiceDiffers { application: String, number: String },
    #[error("invoice {0} may not be refunded: the service does not allow it, or the application was not rejected")]
    RefundNotAllowed(String),
    #[error("the platform could not settle the payment: {0}")]
    Settlement(String),
    #[error("the payment provider refused: {0}")]
    Provider(String),
    /// A guarded change found the row changed meanwhile; the call is run again.
    #[error("the invoice changed meanwhile")]
    Conflict,
    #[error("stored payment data is unreadable: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for PaymentError {
    fn from(e: sqlx::Error) -> Self {
        PaymentError::Db(DbError::Sqlx(e))
    }
}

impl PaymentError {
    /// The call lost a race to another one and should be run again from the start: a guarded
    /// update found the row changed, a unique constraint was just taken, or PostgreSQL chose
    /// this transaction to break a deadlock or a serialization conflict.
    fn lost_race(&self) -> bool {
        match self {
            PaymentError::Conflict => true,
            PaymentError::Db(DbError::Sqlx(e)) => {
                yagona_db::is_unique_violation(e)
                    || matches!(e, sqlx::Error::Database(d)
                        if matches!(d.code().as_deref(), Some("40001") | Some("40P01")))
            }
            _ => false,
        }
    }
}

/// What the platform does when money moves, inside the transaction that records it: publish
/// the process message `fee-paid` for the application, and so on. An error rolls the payment
/// back, and the provider is answered with its protocol's system error, so that its retry
/// settles the payment again.
pub trait Settlement: Send + Sync {
    /// The invoice has just become paid.
    fn paid<'a>(
        &'a self,
        tx: &'a mut Tx,
        invoice: &'a Invoice,
    ) -> BoxFuture<'a, Result<(), PaymentError>>;

    /// Money credited for the invoice has just gone back: a refund (the invoice is now
    /// [`InvoiceStatus::Refunded`]), or Click cancelling a payment it had completed (the
    /// invoice is [`InvoiceStatus::Unpaid`] again and may be paid anew).
    fn refunded<'a>(
        &'a self,
        tx: &'a mut Tx,
        invoice: &'a Invoice,
    ) -> BoxFuture<'a, Result<(), PaymentError>>;

    /// Whether a paid invoice may be refunded (Payme's `CancelTransaction` after perform, a
    /// Click reversal). By default, what [`PaymentStore::allow_refund`] recorded on it.
    fn may_refund<'a>(
        &'a self,
        _tx: &'a mut Tx,
        invoice: &'a Invoice,
    ) -> BoxFuture<'a, Result<bool, PaymentError>> {
        let allowed = invoice.refund_allowed;
        Box::pin(async move { Ok(allowed) })
    }
}

/// A settlement that does nothing more than record the payment (tools, benchmarks).
pub struct NoSettlement;

impl Settlement for NoSettlement {
    fn paid<'a>(
        &'a self,
        _: &'a mut Tx,
        _: &'a Invoice,
    ) -> BoxFuture<'a, Result<(), PaymentError>> {
        Box::pin(async { Ok(()) })
    }
    fn refunded<'a>(
        &'a self,
        _: &'a mut Tx,
        _: &'a Invoice,
    ) -> BoxFuture<'a, Result<(), PaymentError>> {
        Box::pin(async { Ok(()) })
    }
}

/// The time the merchant endpoints go by; tests move it to see timeouts pass.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> Timestamp + Send + Sync>);

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(chrono::Utc::now))
    }

    pub fn new(now: impl Fn() -> Timestamp + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(now))
    }

    /// Now, to the microsecond, as stored: a moment read back gives the same milliseconds.
    pub fn now(&self) -> Timestamp {
        use chrono::SubsecRound;
        (self.0)().trunc_subsecs(6)
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

/// Yagona as the merchant the providers call: its database, what the platform does when money
/// moves, and its clock. Each protocol ([`payme::Payme`], [`click::Click`]) holds one.
#[derive(Clone)]
pub struct Merchant {
    pub db: Db,
    pub settlement: Arc<dyn Settlement>,
    pub clock: Clock,
}

impl Merchant {
    pub fn new(db: Db, settlement: Arc<dyn Settlement>) -> Merchant {
        Merchant {
            db,
            settlement,
            clock: Clock::system(),
        }
    }

    pub fn with_clock(mut self, clock: Clock) -> Merchant {
        self.clock = clock;
        self
    }

    pub fn store(&self) -> PaymentStore<'_> {
        PaymentStore { db: &self.db }
    }
}

/// `[payments]` in the configuration file: the providers Yagona takes fees through. A provider
/// not configured is not offered, and its endpoints are not served.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaymentsConfig {
    /// The Payme cashbox (`[payments.payme]`).
    #[serde(default)]
    pub payme: Option<payme::PaymeConfig>,
    /// The Click service (`[payments.click]`).
    #[serde(default)]
    pub click: Option<click::ClickConfig>,
}

impl PaymentsConfig {
    /// Whether any provider is configured.
    pub fn any(&self) -> bool {
        self.payme.is_some() || self.click.is_some()
    }

    /// The link to the provider's checkout for the invoice, in the person's language; after
    /// paying, the provider sends them to `return_url`. `None` where the provider is not
    /// configured.
    pub fn checkout_link(
        &self,
        provider: Provider,
        invoice: &Invoice,
        locale: &str,
        return_url: &str,
    ) -> Option<String> {
        match provider {
            Provider::Payme => self.payme.as_ref().map(|p| {
                p.checkout_link(
                    invoice,
                    checkout::PaymeLanguage::for_locale(locale),
                    return_url,
                )
            }),
            Provider::Click => self
                .click
                .as_ref()
                .map(|c| c.checkout_link(invoice, return_url)),
        }
    }

    /// The origins of the configured checkouts (for the pages' form-action policy: the pay
    /// button's redirect goes there).
    pub fn checkout_urls(&self) -> Vec<&str> {
        let mut urls = Vec::new();
        if let Some(p) = &self.payme {
            urls.push(p.checkout_url.as_str());
        }
        if let Some(c) = &self.click {
            urls.push(c.checkout_url.as_str());
        }
        urls
    }
}
