//! The e-Government Centre's page of payments: the invoices of the last seven days (Tashkent
//! time), and a provider's daily statement reconciled against Yagona's records, with every
//! difference listed. Reconciling reads and compares; it changes nothing.

use crate::context::Ctx;
use crate::fees::amount_text;
use crate::form::{FormRefused, UploadForm};
use crate::render::{error_page, page_with_status, PageError};
use crate::{view, Pages};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};
use std::sync::Arc;
use yagona_core::{tashkent_date, tashkent_day_start, Locale};
use yagona_i18n::Args;
use yagona_payments::reconcile::{reconcile, Difference, ReconcileError, Reconciliation, Standing};
use yagona_payments::{InvoiceStatus, PaymentError, PaymentStore, Provider};

const PROVIDERS: [Provider; 2] = [Provider::Payme, Provider::Click];

/// How many days the summary shows, today included.
const SUMMARY_DAYS: i64 = 7;

fn today() -> NaiveDate {
    tashkent_date(&yagona_core::now())
}

/// One day's invoices.
#[derive(Default, Clone, Copy)]
struct DayFigures {
    issued: usize,
    paid: usize,
    paid_tiyin: i64,
    refunded: usize,
    cancelled: usize,
}

impl DayFigures {
    fn add(mut self, other: &DayFigures) -> DayFigures {
        self.issued += other.issued;
        self.paid += other.paid;
        self.paid_tiyin += other.paid_tiyin;
        self.refunded += other.refunded;
        self.cancelled += other.cancelled;
        self
    }
}

/// The last seven days, newest first, and their totals: invoices issued on the day, paid on
/// the day (how many and how much), and refunded or cancelled on the day (the day an invoice
/// now refunded or cancelled last changed), among the invoices issued or paid in those days.
async fn summary(state: &Pages, l: Locale, today: NaiveDate) -> Result<Value, PaymentError> {
    let first = today - Duration::days(SUMMARY_DAYS - 1);
    let invoices = PaymentStore::new(&state.db)
        .invoices(
            tashkent_day_start(first),
            tashkent_day_start(today + Duration::days(1)),
        )
        .await?;
    let mut days = [DayFigures::default(); SUMMARY_DAYS as usize];
    let index = |d: NaiveDate| {
        let i = (d - first).num_days();
        (0..SUMMARY_DAYS).contains(&i).then_some(i as usize)
    };
    for inv in &invoices {
        if let Some(i) = index(tashkent_date(&inv.created_at)) {
            days[i].issued += 1;
        }
        if let Some(i) = inv.paid_at.as_ref().and_then(|t| index(tashkent_date(t))) {
            days[i].paid += 1;
            days[i].paid_tiyin += inv.amount.as_i64();
        }
        match (inv.status, index(tashkent_date(&inv.updated_at))) {
            (InvoiceStatus::Refunded, Some(i)) => days[i].refunded += 1,
            (InvoiceStatus::Cancelled, Some(i)) => days[i].cancelled += 1,
            _ => {}
        }
    }
    let row = |label: String, d: &DayFigures| {
        json!({
            "day": label, "issued": d.issued, "paid": d.paid,
            "paid_total": amount_text(state, l, d.paid_tiyin),
            "refunded": d.refunded, "cancelled": d.cancelled,
        })
    };
    let rows: Vec<Value> = days
        .iter()
        .enumerate()
        .rev()
        .map(|(i, d)| {
            let day = first + Duration::days(i as i64);
            row(view::date(&state.i18n, l, day), d)
        })
        .collect();
    let total = days.iter().fold(DayFigures::default(), DayFigures::add);
    Ok(json!({
        "days": rows,
        "total": row(state.i18n.t(l, "payments-admin-total", None), &total),
    }))
}

/// What the form shows as entered (on a GET: yesterday, whose statement is the one to check).
fn entered(provider: Option<&str>, day: &str, month: &str, year: &str) -> Value {
    json!({"provider": provider, "day": day, "month": month, "year": year})
}

async fn view(state: &Pages, ctx: &Ctx, entered: Value) -> Result<Value, PaymentError> {
    let providers: Vec<Value> = PROVIDERS
        .iter()
        .map(|p| json!({"id": p.as_str(), "label": Provider::name(*p)}))
        .collect();
    // Refunds Payme's side must make: Payme's Merchant API lets only the cashbox's owner
    // cancel a payment (in Payme Business), which the endpoint then accepts. Click's are asked
    // by the node itself; those still waiting are listed too.
    let store = PaymentStore::new(&state.db);
    let mut refunds = Vec::new();
    for provider in PROVIDERS {
        for invoice in store.refunds_due(provider, 100).await? {
            refunds.push(json!({
                "invoice": invoice.number.as_str(),
                "application": invoice.application,
                "amount": amount_text(state, ctx.locale, invoice.amount.as_i64()),
                "provider": provider.name(),
                "transaction": invoice.provider_transaction,
            }));
        }
    }
    Ok(json!({
        "summary": summary(state, ctx.locale, today()).await?,
        "refunds": refunds,
        "providers": providers,
        "entered": entered,
        "errors": [],
        "field_errors": {},
    }))
}

/// `GET /admin/payments`.
pub async fn show(State(state): State<Arc<Pages>>, ctx: Ctx) -> Response {
    if ctx.admin().is_none() {
        return crate::staff::forbidden_or_sign_in(&state, &ctx);
    }
    let yesterday = today() - Duration::days(1);
    let shown = entered(
        None,
        &yesterday.format("%-d").to_string(),
        &yesterday.format("%-m").to_string(),
        &yesterday.format("%Y").to_string(),
    );
    match view(&state, &ctx, shown).await {
        Ok(data) => page_with_status(&state, &ctx, StatusCode::OK, "admin_payments.html", data),
        Err(e) => {
            tracing::error!(error = %e, "payments summary");
            error_page(&state, &ctx, PageError::Internal)
        }
    }
}

/// A day as the GOV.UK date input sends it: day, month and a four-digit year.
fn parse_day(day: &str, month: &str, year: &str) -> Option<NaiveDate> {
    let number = |s: &str| {
        let s = s.trim();
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let year = year.trim();
    if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, number(month)?, number(day)?)
}

/// `POST /admin/payments` (multipart: `provider`, `date-day`, `date-month`, `date-year`, the
/// `statement` file): reconciles the provider's statement of that day and shows every
/// difference. Wrong answers, or a statement that cannot be read (named by its line), come
/// back on the page with what to fix.
pub async fn reconcile_statement(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    upload: UploadForm,
) -> Response {
    // Only an administrator's statement is read.
    let Some(admin) = ctx.admin() else {
        return crate::staff::forbidden_or_sign_in(&state, &ctx);
    };
    let l = ctx.locale;
    let t = |key: &str| state.i18n.t(l, key, None);
    let max = state.config.max_body_bytes;
    let form = match upload
        .read(&state, &ctx, |name| (name == "statement").then_some(max))
        .await
    {
        Ok(f) => f,
        Err(FormRefused::TooLarge { limit, .. }) => {
            let msg = crate::form::too_large_message(&state, &ctx, limit);
            let shown = entered(None, "", "", "");
            return refused_with(
                &state,
                &ctx,
                shown,
                &[("statement", "#statement", msg)],
                StatusCode::PAYLOAD_TOO_LARGE,
            )
            .await;
        }
        Err(FormRefused::Page(r)) => return r,
    };
    let mut errors = Vec::new();
    let provider = form.get("provider").and_then(Provider::parse);
    if provider.is_none() {
        errors.push(("provider", "#provider", t("payments-admin-error-provider")));
    }
    let (d, m, y) = (
        form.get("date-day").unwrap_or(""),
        form.get("date-month").unwrap_or(""),
        form.get("date-year").unwrap_or(""),
    );
    let day = parse_day(d, m, y);
    match day {
        None => errors.push(("date", "#date-day", t("payments-admin-error-date"))),
        Some(day) if day > today() => {
            errors.push(("date", "#date-day", t("payments-admin-error-date-future")))
        }
        Some(_) => {}
    }
    let file = form.files.iter().find(|f| f.field == "statement");
    let text = match file {
        None => {
            errors.push((
                "statement",
                "#statement",
                t("payments-admin-error-statement"),
            ));
            None
        }
        Some(f) if f.bytes.is_empty() => {
            errors.push(("statement", "#statement", t("payments-admin-error-empty")));
            None
        }
        Some(f) => match std::str::from_utf8(&f.bytes) {
            // A spreadsheet's export may begin with a byte order mark; it is not a column.
            Ok(text) => Some(text.strip_prefix('\u{feff}').unwrap_or(text)),
            Err(_) => {
                errors.push((
                    "statement",
                    "#statement",
                    t("payments-admin-error-encoding"),
                ));
                None
            }
        },
    };
    let shown = entered(form.get("provider"), d, m, y);
    let done = match (provider, day, text) {
        (Some(provider), Some(day), Some(text)) if errors.is_empty() => {
            reconcile(&PaymentStore::new(&state.db), provider, day, text).await
        }
        _ => return refused(&state, &ctx, shown, &errors).await,
    };
    match done {
        Ok(result) => {
            tracing::info!(
                admin = %admin.name, provider = %result.provider, day = %result.day,
                matched = result.matched, differences = result.differences.len(),
                "payment statement reconciled"
            );
            match view(&state, &ctx, shown).await {
                Ok(mut data) => {
                    data["result"] = result_view(&state, l, &result);
                    page_with_status(&state, &ctx, StatusCode::OK, "admin_payments.html", data)
                }
                Err(e) => {
                    tracing::error!(error = %e, "payments summary");
                    error_page(&state, &ctx, PageError::Internal)
                }
            }
        }
        Err(ReconcileError::Statement(e)) => {
            let mut args = Args::new();
            args.set("line", e.line as i64);
            args.set("reason", e.message.clone());
            let message = state.i18n.t(l, "payments-admin-error-line", Some(&args));
            refused(&state, &ctx, shown, &[("statement", "#statement", message)]).await
        }
        Err(ReconcileError::Payment(e)) => {
            tracing::error!(error = %e, "reconciling a payment statement");
            error_page(&state, &ctx, PageError::Internal)
        }
    }
}

/// The page again with what to fix (422); nothing was compared.
async fn refused(
    state: &Pages,
    ctx: &Ctx,
    shown: Value,
    errors: &[(&str, &str, String)],
) -> Response {
    refused_with(state, ctx, shown, errors, StatusCode::UNPROCESSABLE_ENTITY).await
}

async fn refused_with(
    state: &Pages,
    ctx: &Ctx,
    shown: Value,
    errors: &[(&str, &str, String)],
    status: StatusCode,
) -> Response {
    match view(state, ctx, shown).await {
        Ok(mut data) => {
            data["errors"] = errors
                .iter()
                .map(|(field, href, message)| json!({"field": field, "href": href, "message": message}))
                .collect();
            for (field, _, message) in errors {
                data["field_errors"][*field] = json!(message);
            }
            page_with_status(state, ctx, status, "admin_payments.html", data)
        }
        Err(e) => {
            tracing::error!(error = %e, "payments summary");
            error_page(state, ctx, PageError::Internal)
        }
    }
}

/// The outcome as the page shows it: each difference in words, with both sides.
fn result_view(state: &Pages, l: Locale, r: &Reconciliation) -> Value {
    let i18n = &state.i18n;
    let standing = |s: &Standing| i18n.t(l, &format!("payments-admin-standing-{s}"), None);
    let amount = |a: &yagona_payments::Tiyin| amount_text(state, l, a.as_i64());
    let both = |a: &yagona_payments::Tiyin, s: &Standing| format!("{}, {}", amount(a), standing(s));
    let differences: Vec<Value> = r
        .differences
        .iter()
        .map(|d| {
            let (kind, provider_id, invoice, yagona, provider) = match d {
                Difference::MissingInYagona {
                    provider_id,
                    invoice,
                    amount,
                    provider,
                } => (
                    "missing-in-yagona",
                    provider_id,
                    invoice,
                    None,
                    Some(both(amount, provider)),
                ),
                Difference::MissingAtProvider {
                    provider_id,
                    invoice,
                    amount,
                    yagona,
                } => (
                    "missing-at-provider",
                    provider_id,
                    invoice,
                    Some(both(amount, yagona)),
                    None,
                ),
                Difference::AmountMismatch {
                    provider_id,
                    invoice,
                    yagona,
                    provider,
                } => (
                    "amount-mismatch",
                    provider_id,
                    invoice,
                    Some(amount(yagona)),
                    Some(amount(provider)),
                ),
                Difference::StandingMismatch {
                    provider_id,
                    invoice,
                    yagona,
                    provider,
                } => (
                    "standing-mismatch",
                    provider_id,
                    invoice,
                    Some(standing(yagona)),
                    Some(standing(provider)),
                ),
                Difference::InvoiceMismatch {
                    provider_id,
                    yagona,
                    provider,
                } => (
                    "invoice-mismatch",
                    provider_id,
                    yagona,
                    Some(yagona.clone()),
                    Some(provider.clone()),
                ),
            };
            json!({
                "kind": kind,
                "kind_label": i18n.t(l, &format!("payments-admin-kind-{kind}"), None),
                "provider_id": provider_id,
                "invoice": invoice,
                "yagona": yagona,
                "provider": provider,
            })
        })
        .collect();
    json!({
        "provider": Provider::name(r.provider),
        "date": view::date(i18n, l, r.day),
        "matched": r.matched,
        "differences": differences,
    })
}

#[cfg(test)]
mod tests {
    use super::parse_day;
    use chrono::NaiveDate;

    #[test]
    fn a_day_is_a_real_date_with_a_four_digit_year() {
        assert_eq!(
            parse_day("2", "1", "2026"),
            NaiveDate::from_ymd_opt(2026, 1, 2)
        );
        assert_eq!(
            parse_day(" 02 ", "01", "2026"),
            NaiveDate::from_ymd_opt(2026, 1, 2)
        );
        for (d, m, y) in [
            ("31", "2", "2026"),
            ("", "1", "2026"),
            ("1", "13", "2026"),
            ("1", "1", "26"),
            ("-1", "1", "2026"),
            ("1", "1", "+2026"),
            ("x", "1", "2026"),
            ("001", "1", "2026"),
        ] {
            assert_eq!(parse_day(d, m, y), None, "{d}-{m}-{y}");
        }
    }
}
