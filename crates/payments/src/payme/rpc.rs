//! Payme's JSON-RPC envelope: reading a call's parameters, and its errors with their messages in
//! Russian, Uzbek (Latin) and English (Payme requires the three for account errors; Yagona
//! sends them with every error).

use crate::Tiyin;
use serde_json::{json, Map, Value};

/// An error answer: `{"code", "message": {"ru", "uz", "en"}, "data"}`.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    pub code: i64,
    pub data: Option<Value>,
}

pub mod code {
    /// The request's HTTP method is not POST.
    pub const NOT_POST: i64 = -32300;
    /// The body is not JSON.
    pub const PARSE: i64 = -32700;
    /// Required fields are missing or of the wrong type.
    pub const INVALID_REQUEST: i64 = -32600;
    /// No such method (`data` names it).
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// The authorization is missing or wrong.
    pub const UNAUTHORIZED: i64 = -32504;
    /// Yagona could not do it (the database, the settlement): Payme tries again.
    pub const SYSTEM: i64 = -32400;
    /// The amount is not the invoice's.
    pub const WRONG_AMOUNT: i64 = -31001;
    pub const NOT_FOUND: i64 = -31003;
    /// A performed transaction whose service may not be refunded.
    pub const CANNOT_CANCEL: i64 = -31007;
    /// The transaction's or the invoice's state forbids it.
    pub const CANNOT_PERFORM: i64 = -31008;
    /// Account errors (-31050 … -31099), `data` = the account field:
    /// no such invoice,
    pub const NO_INVOICE: i64 = -31050;
    /// the invoice is paid,
    pub const INVOICE_PAID: i64 = -31051;
    /// the invoice is cancelled, refunded or past its expiry.
    pub const INVOICE_CLOSED: i64 = -31052;
}

impl RpcError {
    pub fn new(code: i64) -> RpcError {
        RpcError { code, data: None }
    }

    pub fn with_data(code: i64, data: impl Into<Value>) -> RpcError {
        RpcError {
            code,
            data: Some(data.into()),
        }
    }

    fn message(&self) -> (&'static str, &'static str, &'static str) {
        match self.code {
            code::NOT_POST => (
                "Метод запроса не POST",
                "Soʻrov usuli POST emas",
                "The request method is not POST",
            ),
            code::PARSE => (
                "Ошибка разбора JSON",
                "JSON tahlilida xato",
                "The request is not valid JSON",
            ),
            code::INVALID_REQUEST => (
                "Отсутствуют обязательные поля или тип полей не соответствует спецификации",
                "Majburiy maydonlar yoʻq yoki ularning turi notoʻgʻri",
                "Required fields are missing or of the wrong type",
            ),
            code::METHOD_NOT_FOUND => (
                "Запрашиваемый метод не найден",
                "Soʻralgan usul topilmadi",
                "Method not found",
            ),
            code::UNAUTHORIZED => (
                "Недостаточно привилегий для выполнения метода",
                "Usulni bajarish uchun huquq yetarli emas",
                "Insufficient privileges to perform the method",
            ),
            code::WRONG_AMOUNT => ("Неверная сумма", "Notoʻgʻri summa", "Incorrect amount"),
            code::NOT_FOUND => (
                "Транзакция не найдена",
                "Tranzaksiya topilmadi",
                "Transaction not found",
            ),
            code::CANNOT_CANCEL => (
                "Невозможно отменить транзакцию: услуга предоставлена в полном объёме",
                "Tranzaksiyani bekor qilib boʻlmaydi: xizmat toʻliq koʻrsatilgan",
                "The transaction cannot be cancelled: the service has been provided in full",
            ),
            code::CANNOT_PERFORM => (
                "Невозможно выполнить операцию",
                "Amalni bajarib boʻlmaydi",
                "The operation cannot be performed",
            ),
            code::NO_INVOICE => (
                "Счёт не найден",
                "Hisob-faktura topilmadi",
                "Invoice not found",
            ),
            code::INVOICE_PAID => (
                "Счёт уже оплачен",
                "Hisob-faktura allaqachon toʻlangan",
                "The invoice is already paid",
            ),
            code::INVOICE_CLOSED => (
                "Счёт отменён или срок его оплаты истёк",
                "Hisob-faktura bekor qilingan yoki toʻlov muddati oʻtgan",
                "The invoice is cancelled or past its due date",
            ),
            _ => ("Системная ошибка", "Tizim xatosi", "System error"),
        }
    }

    pub fn to_json(&self) -> Value {
        let (ru, uz, en) = self.message();
        let mut error = json!({ "code": self.code, "message": { "ru": ru, "uz": uz, "en": en } });
        if let Some(data) = &self.data {
            error["data"] = data.clone();
        }
        error
    }
}

/// The whole answer to a call: its result or its error, and the call's `id` as it was sent.
pub fn envelope(id: Value, outcome: Result<Value, RpcError>) -> Value {
    match outcome {
        Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        Err(e) => json!({ "jsonrpc": "2.0", "id": id, "error": e.to_json() }),
    }
}

fn invalid() -> RpcError {
    RpcError::new(code::INVALID_REQUEST)
}

/// Payme's transaction id: a non-empty string (24 characters in practice; Yagona takes up to
/// 64 so as not to refuse a longer one).
pub fn transaction_id(params: &Map<String, Value>) -> Result<&str, RpcError> {
    match params.get("id") {
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 64 => Ok(s),
        _ => Err(invalid()),
    }
}

pub fn integer(params: &Map<String, Value>, name: &str) -> Result<i64, RpcError> {
    params.get(name).and_then(Value::as_i64).ok_or_else(invalid)
}

/// The amount in tiyin: a number that is not a positive whole number of tiyin is a wrong
/// amount, anything else in its place a malformed call.
pub fn amount(params: &Map<String, Value>) -> Result<Tiyin, RpcError> {
    match params.get("amount") {
        Some(Value::Number(n)) => n
            .as_i64()
            .and_then(|v| Tiyin::new(v).ok())
            .ok_or_else(|| RpcError::new(code::WRONG_AMOUNT)),
        _ => Err(invalid()),
    }
}

/// The invoice number from `account.<field>` (a string, or a number written as one), in its
/// canonical form when it is one; a missing field is an account error naming it.
pub fn account(params: &Map<String, Value>, field: &str) -> Result<String, RpcError> {
    let Some(Value::Object(account)) = params.get("account") else {
        return Err(invalid());
    };
    let given = match account.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(RpcError::with_data(code::NO_INVOICE, field)),
    };
    Ok(crate::InvoiceNumber::parse(&given).map_or(given, |n| n.to_string()))
}
