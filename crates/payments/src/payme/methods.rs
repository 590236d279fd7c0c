//! The Merchant API's methods.

use super::rpc::{self, code, RpcError};
use super::Payme;
use crate::invoice::{millis, Provider, ProviderTransaction, TransactionState};
use crate::store::ledger::{self, Admission, Opening};
use crate::{InvoiceStatus, PaymentError, Tx};
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use subtle::ConstantTimeEq;
use yagona_core::{format_timestamp, Timestamp};

/// Payme cancels a created transaction 12 hours after its `time`.
pub(crate) const TIMEOUT_MS: i64 = 43_200_000;

type Answer = Result<Value, RpcError>;

impl Payme {
    /// Whether the call carries `Basic base64(login:key)` with the cashbox's key in force.
    pub(super) async fn authorized(&self, header: Option<&str>) -> Result<bool, PaymentError> {
        use base64::Engine;
        let Some(credentials) = header
            .and_then(|h| h.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
            .and_then(|(_, b64)| {
                base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .ok()
            })
            .and_then(|raw| String::from_utf8(raw).ok())
        else {
            return Ok(false);
        };
        let Some((login, key)) = credentials.split_once(':') else {
            return Ok(false);
        };
        let login_ok: bool = login.as_bytes().ct_eq(self.config.login.as_bytes()).into();
        let stored: Option<String> = sqlx::query_scalar(
            "SELECT key_hash FROM payment_provider_keys WHERE provider = 'payme'",
        )
        .fetch_optional(&self.merchant.db.pool)
        .await?;
        let key_ok: bool = match stored {
            Some(hash) => yagona_core::sha256_hex(key.as_bytes())
                .as_bytes()
                .ct_eq(hash.as_bytes())
                .into(),
            None => key.as_bytes().ct_eq(self.config.key.as_bytes()).into(),
        };
        Ok(login_ok & key_ok)
    }

    pub(super) async fn call(&self, call: &Value) -> Answer {
        let Some(method) = call.get("method").and_then(Value::as_str) else {
            return Err(RpcError::new(code::INVALID_REQUEST));
        };
        let empty = Map::new();
        let params = match call.get("params") {
            Some(Value::Object(p)) => p,
            None | Some(Value::Null) => &empty,
            Some(_) => return Err(RpcError::new(code::INVALID_REQUEST)),
        };
        let done = match method {
            "CheckPerformTransaction" => self.check_perform(params).await,
            "CreateTransaction" => self.create(params).await,
            "PerformTransaction" => self.perform(params).await,
            "CancelTransaction" => self.cancel(params).await,
            "CheckTransaction" => self.check(params).await,
            "GetStatement" => self.statement(params).await,
            "ChangePassword" => self.change_password(params).await,
            other => {
                return Err(RpcError::with_data(
                    code::METHOD_NOT_FOUND,
                    other.to_owned(),
                ));
            }
        };
        done.unwrap_or_else(|e| {
            tracing::error!(method, error = %e, "payme: the call could not be done");
            Err(RpcError::new(code::SYSTEM))
        })
    }

    fn admission_error(&self, admission: &Admission) -> RpcError {
        let field = self.config.account_field.clone();
        match admission {
            Admission::NotFound => RpcError::with_data(code::NO_INVOICE, field),
            Admission::WrongAmount => RpcError::new(code::WRONG_AMOUNT),
            Admission::Paid => RpcError::with_data(code::INVOICE_PAID, field),
            Admission::Closed => RpcError::with_data(code::INVOICE_CLOSED, field),
            Admission::Busy | Admission::Open(_) | Admission::AfterReleasing(..) => {
                RpcError::new(code::CANNOT_PERFORM)
            }
        }
    }

    /// CheckPerformTransaction `{amount, account}` → `{"allow": true}`. Changes nothing.
    async fn check_perform(&self, params: &Map<String, Value>) -> Result<Answer, PaymentError> {
        let (number, amount) = match (
            rpc::account(params, &self.config.account_field),
            rpc::amount(params),
        ) {
            (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
            (Ok(n), Ok(a)) => (n, a),
        };
        let now = self.merchant.clock.now();
        let pool = &self.merchant.db.pool;
        let invoice = ledger::invoice(pool, &number).await?;
        let holder = match &invoice {
            Some(i) if i.status == InvoiceStatus::Pending => ledger::holder(pool, &number).await?,
            _ => None,
        };
        Ok(match ledger::assess(invoice, holder, amount, now) {
            Admission::Open(_) | Admission::AfterReleasing(..) => Ok(json!({ "allow": true })),
            other => Err(self.admission_error(&other)),
        })
    }

    /// CreateTransaction `{id, time, amount, account}` → `{create_time, transaction, state: 1}`.
    async fn create(&self, params: &Map<String, Value>) -> Result<Answer, PaymentError> {
        let parsed = (|| -> Result<_, RpcError> {
            let id = rpc::transaction_id(params)?;
            let time = rpc::integer(params, "time")?;
            let expires = DateTime::<Utc>::from_timestamp_millis(time.saturating_add(TIMEOUT_MS))
                .filter(|_| time > 0)
                .ok_or(RpcError::new(code::INVALID_REQUEST))?;
            let number = rpc::account(params, &self.config.account_field)?;
            let amount = rpc::amount(params)?;
            Ok((id, time, expires, number, amount))
        })();
        let (id, time, expires, number, amount) = match parsed {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let db = &self.merchant.db;
        Ok(in_transaction!(db, |tx| self
            .create_in(tx, id, time, expires, &number, amount))?)
    }

    async fn create_in(
        &self,
        tx: &mut Tx,
        id: &str,
        time: i64,
        expires_at: Timestamp,
        number: &str,
        amount: crate::Tiyin,
    ) -> Result<Answer, PaymentError> {
        let now = self.merchant.clock.now();
        if let Some(known) = ledger::by_provider_id(&mut **tx, Provider::Payme, id).await? {
            return Ok(match known.state {
                TransactionState::Created if known.expired_at(now) => {
                    ledger::cancel_open(tx, &known, crate::reason::TIMEOUT, now, None).await?;
                    Err(RpcError::new(code::CANNOT_PERFORM))
                }
                TransactionState::Created => Ok(created(&known)),
                _ => Err(RpcError::new(code::CANNOT_PERFORM)),
            });
        }
        let admission = ledger::admit(tx, number, amount, now).await?;
        let Admission::Open(invoice) = admission else {
            return Ok(Err(self.admission_error(&admission)));
        };
        if now > expires_at {
            // Payme's own time says this transaction is already past its 12 hours.
            return Ok(Err(RpcError::new(code::CANNOT_PERFORM)));
        }
        let opened = ledger::open(
            tx,
            &invoice,
            Opening {
                provider: Provider::Payme,
                provider_id: id,
                provider_time: Some(time),
                expires_at,
                details: json!({ "account": { &self.config.account_field: number } }),
            },
            now,
        )
        .await?;
        Ok(Ok(created(&opened)))
    }

    /// PerformTransaction `{id}` → `{transaction, perform_time, state: 2}`.
    async fn perform(&self, params: &Map<String, Value>) -> Result<Answer, PaymentError> {
        let id = match rpc::transaction_id(params) {
            Ok(id) => id,
            Err(e) => return Ok(Err(e)),
        };
        let db = &self.merchant.db;
        Ok(in_transaction!(db, |tx| self.perform_in(tx, id))?)
    }

    async fn perform_in(&self, tx: &mut Tx, id: &str) -> Result<Answer, PaymentError> {
        let now = self.merchant.clock.now();
        let Some(known) = ledger::by_provider_id(&mut **tx, Provider::Payme, id).await? else {
            return Ok(Err(RpcError::new(code::NOT_FOUND)));
        };
        Ok(match known.state {
            TransactionState::Created if known.expired_at(now) => {
                ledger::cancel_open(tx, &known, crate::reason::TIMEOUT, now, None).await?;
                Err(RpcError::new(code::CANNOT_PERFORM))
            }
            TransactionState::Created => {
                let done =
                    ledger::perform(tx, self.merchant.settlement.as_ref(), &known, now).await?;
                Ok(performed(&done))
            }
            TransactionState::Performed => Ok(performed(&known)),
            TransactionState::Cancelled | TransactionState::CancelledAfterPerform => {
                Err(RpcError::new(code::CANNOT_PERFORM))
            }
        })
    }

    /// CancelTransaction `{id, reason}` → `{transaction, cancel_time, state: -1 | -2}`.
    async fn cancel(&self, params: &Map<String, Value>) -> Result<Answer, PaymentError> {
        let (id, reason) = match (rpc::transaction_id(params), rpc::integer(params, "reason")) {
            (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
            (Ok(id), Ok(reason)) => (id, reason),
        };
        let db = &self.merchant.db;
        Ok(in_transaction!(db, |tx| self.cancel_in(tx, id, reason))?)
    }

    async fn cancel_in(&self, tx: &mut Tx, id: &str, reason: i64) -> Result<Answer, PaymentError> {
        let now = self.merchant.clock.now();
        let Some(known) = ledger::by_provider_id(&mut **tx, Provider::Payme, id).await? else {
            return Ok(Err(RpcError::new(code::NOT_FOUND)));
        };
        let settlement = self.merchant.settlement.as_ref();
        Ok(match known.state {
            TransactionState::Created => {
                let done = ledger::cancel_open(tx, &known, reason, now, None).await?;
                Ok(cancelled(&done))
            }
            TransactionState::Performed => {
                if ledger::may_refund(tx, settlement, known.invoice.as_str()).await? {
                    let done = ledger::cancel_performed(
                        tx,
                        settlement,
                        &known,
                        reason,
                        InvoiceStatus::Refunded,
                        now,
                        None,
                    )
                    .await?;
                    Ok(cancelled(&done))
                } else {
                    Err(RpcError::new(code::CANNOT_CANCEL))
                }
            }
            TransactionState::Cancelled | TransactionState::CancelledAfterPerform => {
                Ok(cancelled(&known))
            }
        })
    }

    /// CheckTransaction `{id}` → its times (0 where none), state and reason. Changes nothing.
    async fn check(&self, params: &Map<String, Value>) -> Result<Answer, PaymentError> {
        let id = match rpc::transaction_id(params) {
            Ok(id) => id,
            Err(e) => return Ok(Err(e)),
        };
        let known = ledger::by_provider_id(&self.merchant.db.pool, Provider::Payme, id).await?;
        Ok(match known {
            None => Err(RpcError::new(code::NOT_FOUND)),
            Some(t) => Ok(json!({
                "create_time": t.created_at.timestamp_millis(),
                "perform_time": millis(t.performed_at),
                "cancel_time": millis(t.cancelled_at),
                "transaction": t.id.to_string(),
                "state": t.state.code(),
                "reason": t.reason,
            })),
        })
    }

    /// GetStatement `{from, to}` → every transaction whose Payme `time` is within the two
    /// (both included), in every state, oldest first.
    async fn statement(&self, params: &Map<String, Value>) -> Result<Answer, PaymentError> {
        let (from, to) = match (rpc::integer(params, "from"), rpc::integer(params, "to")) {
            (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
            (Ok(f), Ok(t)) => (f, t),
        };
        let rows = sqlx::query(concat!(
            "SELECT ",
            crate::store::transaction_columns!(),
            " FROM payment_transactions WHERE provider = 'payme' \
              AND provider_time >= $1 AND provider_time <= $2 ORDER BY provider_time, id"
        ))
        .bind(from)
        .bind(to)
        .fetch_all(&self.merchant.db.pool)
        .await?;
        let mut transactions = Vec::with_capacity(rows.len());
        for row in &rows {
            let t = crate::store::transaction_row(row)?;
            transactions.push(json!({
                "id": t.provider_id,
                "time": t.provider_time,
                "amount": t.amount.as_i64(),
                "account": { &self.config.account_field: t.invoice.as_str() },
                "create_time": t.created_at.timestamp_millis(),
                "perform_time": millis(t.performed_at),
                "cancel_time": millis(t.cancelled_at),
                "transaction": t.id.to_string(),
                "state": t.state.code(),
                "reason": t.reason,
                "receivers": null,
            }));
        }
        Ok(Ok(json!({ "transactions": transactions })))
    }

    /// ChangePassword `{password}` → `{"success": true}`: the cashbox's new key, in force from
    /// the next call on; the old one is refused from then.
    async fn change_password(&self, params: &Map<String, Value>) -> Result<Answer, PaymentError> {
        let Some(password) = params
            .get("password")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
        else {
            return Ok(Err(RpcError::new(code::INVALID_REQUEST)));
        };
        let now = self.merchant.clock.now();
        sqlx::query(
            "INSERT INTO payment_provider_keys (provider, key_hash, changed_at) \
             VALUES ('payme', $1, $2) ON CONFLICT (provider) \
             DO UPDATE SET key_hash = excluded.key_hash, changed_at = excluded.changed_at",
        )
        .bind(yagona_core::sha256_hex(password.as_bytes()))
        .bind(format_timestamp(&now))
        .execute(&self.merchant.db.writer)
        .await?;
        tracing::info!("payme: the cashbox key was changed by ChangePassword");
        Ok(Ok(json!({ "success": true })))
    }
}

fn created(t: &ProviderTransaction) -> Value {
    json!({
        "create_time": t.created_at.timestamp_millis(),
        "transaction": t.id.to_string(),
        "state": t.state.code(),
    })
}

fn performed(t: &ProviderTransaction) -> Value {
    json!({
        "transaction": t.id.to_string(),
        "perform_time": millis(t.performed_at),
        "state": t.state.code(),
    })
}

fn cancelled(t: &ProviderTransaction) -> Value {
    json!({
        "transaction": t.id.to_string(),
        "cancel_time": millis(t.cancelled_at),
        "state": t.state.code(),
    })
}
