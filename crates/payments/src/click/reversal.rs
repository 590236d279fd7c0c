//! Refunds through Click: Yagona asks Click's merchant API to reverse a completed payment
//! (`DELETE …/payment/reversal/{service_id}/{payment_id}` with the `Auth` header), and records
//! the refund once Click has done it.
//!
//! The refund is asked first (recorded on the transaction as `refund_requested_at`), then Click
//! is called, then the refund is recorded with the settlement hook in one transaction. Should
//! the node stop between Click's answer and that commit, asking again calls Click again: the
//! sandbox answers a reversal already done with success; where Click answers otherwise, the
//! invoice stays paid with its refund asked, and the day's reconciliation shows the payment
//! reversed at Click and paid at Yagona.
//!
//! Click's `payment_id` is taken to be the `click_paydoc_id` of the SHOP API's calls (the
//! payment's number at Click), as the integrations that call reversal do; `click_trans_id`
//! is the id of one attempt.

use super::Click;
use crate::invoice::{InvoiceStatus, Provider, TransactionState};
use crate::store::ledger;
use crate::{Invoice, PaymentError, Tx};
use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::Value;

/// Click's merchant API's answer.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct ClickApiAnswer {
    /// 0 when done.
    pub error_code: i64,
    #[serde(default)]
    pub error_note: String,
    #[serde(default)]
    pub payment_id: Option<Value>,
}

/// What Yagona asks of Click's merchant API: over HTTPS in the node (`yagona_api::payments::ClickHttpApi`),
/// and anything else in tests.
pub trait ClickMerchantApi: Send + Sync {
    /// Reverses (cancels) a completed payment.
    fn reversal<'a>(
        &'a self,
        service_id: &'a str,
        payment_id: &'a str,
    ) -> BoxFuture<'a, Result<ClickApiAnswer, PaymentError>>;
}

impl Click {
    /// Refunds an invoice paid through Click, where [`crate::Settlement::may_refund`] allows it:
    /// Click reverses the payment, then the invoice is `refunded` and the platform's
    /// [`crate::Settlement::refunded`] runs in the same transaction. Asked again once done, it
    /// answers the refunded invoice.
    pub async fn refund(
        &self,
        number: &str,
        api: &dyn ClickMerchantApi,
    ) -> Result<Invoice, PaymentError> {
        let db = &self.merchant.db;
        let asked = in_transaction!(db, |tx| self.ask_refund(tx, number))?;
        let Some((txn_id, payment_id)) = asked else {
            return self
                .merchant
                .store()
                .invoice(number)
                .await?
                .ok_or_else(|| PaymentError::NoInvoice(number.to_owned()));
        };
        let answer = api.reversal(&self.config.service_id, &payment_id).await?;
        if answer.error_code != 0 {
            return Err(PaymentError::Provider(format!(
                "Click refused the reversal of payment {payment_id}: {} {}",
                answer.error_code, answer.error_note
            )));
        }
        in_transaction!(db, |tx| self.record_refund(tx, txn_id, number))
    }

    /// Checks the refund may be made and records that it was asked: the transaction's id and
    /// Click's payment id, or `None` when it is refunded already.
    async fn ask_refund(
        &self,
        tx: &mut Tx,
        number: &str,
    ) -> Result<Option<(i64, String)>, PaymentError> {
        let now = self.merchant.clock.now();
        let invoice = ledger::invoice(&mut **tx, number)
            .await?
            .ok_or_else(|| PaymentError::NoInvoice(number.to_owned()))?;
        if invoice.status == InvoiceStatus::Refunded && invoice.provider == Some(Provider::Click) {
            return Ok(None);
        }
        let paid_by_click =
            invoice.status == InvoiceStatus::Paid && invoice.provider == Some(Provider::Click);
        let txn = match (&invoice.provider_transaction, paid_by_click) {
            (Some(id), true) => ledger::by_provider_id(&mut **tx, Provider::Click, id).await?,
            _ => None,
        };
        let Some(txn) = txn.filter(|t| t.state == TransactionState::Performed) else {
            return Err(PaymentError::NotAllowed {
                number: number.to_owned(),
                status: invoice.status,
                action: "refunded through Click",
            });
        };
        if !self.merchant.settlement.may_refund(tx, &invoice).await? {
            return Err(PaymentError::RefundNotAllowed(number.to_owned()));
        }
        let payment_id = txn
            .details
            .get("click_paydoc_id")
            .and_then(Value::as_str)
            .unwrap_or(&txn.provider_id)
            .to_owned();
        let mut details = txn.details.clone();
        details["refund_requested_at"] = Value::String(yagona_core::format_timestamp(&now));
        sqlx::query("UPDATE payment_transactions SET details = $1 WHERE id = $2 AND state = 2")
            .bind(details.to_string())
            .bind(txn.id)
            .execute(&mut **tx)
            .await?;
        Ok(Some((txn.id, payment_id)))
    }

    async fn record_refund(
        &self,
        tx: &mut Tx,
        txn_id: i64,
        number: &str,
    ) -> Result<Invoice, PaymentError> {
        let now = self.merchant.clock.now();
        let txn = ledger::by_id(&mut **tx, txn_id)
            .await?
            .ok_or_else(|| PaymentError::NoInvoice(number.to_owned()))?;
        if txn.state == TransactionState::Performed {
            let mut details = txn.details.clone();
            details["reversed_at"] = Value::String(yagona_core::format_timestamp(&now));
            ledger::cancel_performed(
                tx,
                self.merchant.settlement.as_ref(),
                &txn,
                crate::reason::REFUND,
                InvoiceStatus::Refunded,
                now,
                Some(details),
            )
            .await?;
        }
        ledger::invoice(&mut **tx, number)
            .await?
            .ok_or_else(|| PaymentError::NoInvoice(number.to_owned()))
    }
}
