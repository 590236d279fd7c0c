//! The fee on the citizen's and the officer's pages: what is owed before submitting, the
//! invoice after (its number, amount, status, the last day to pay), and the pay buttons that
//! send the citizen to Payme's or Click's checkout — a form posted here and answered with a
//! 303 to the provider, so it works without JavaScript and the invoice is checked open at the
//! moment of paying.

use crate::context::Ctx;
use crate::form::VerifiedForm;
use crate::render::{application_error, error_page, sign_in_redirect, PageError};
use crate::view;
use crate::Pages;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::{json, Value};
use std::sync::Arc;
use yagona_applications::fees::FeeDue;
use yagona_applications::Application;
use yagona_core::{group_thousands, tashkent_date, Locale, ReferenceNumber};
use yagona_i18n::Args;
use yagona_payments::{Invoice, InvoiceStatus, Provider};

/// `82 400 soʻm` from tiyin (an amount in tiyin that is not whole soʻm shows them: `82 400,50`).
pub fn amount_text(state: &Pages, l: Locale, tiyin: i64) -> String {
    let (som, rest) = (tiyin / 100, tiyin % 100);
    let whole = if rest == 0 {
        group_thousands(som)
    } else {
        format!("{},{rest:02}", group_thousands(som))
    };
    let mut args = Args::new();
    args.set("amount", whole);
    state.i18n.t(l, "fee-amount", Some(&args))
}

/// The fee before submission, for the check-answers page: `None` for a free service.
pub fn due_view(state: &Pages, l: Locale, due: Option<FeeDue>) -> Value {
    match due {
        Some(d) => json!({"amount": amount_text(state, l, d.amount.as_i64())}),
        None => Value::Null,
    }
}

/// The invoice as the pages show it; `can_pay` and `providers` only for its payer while it may
/// be paid.
pub fn invoice_view(
    state: &Pages,
    l: Locale,
    invoice: Option<&Invoice>,
    app: &Application,
    payer_view: bool,
) -> Value {
    let Some(inv) = invoice else {
        return Value::Null;
    };
    let i18n = &*state.i18n;
    let status_key = match inv.status {
        InvoiceStatus::Unpaid => "fee-status-unpaid",
        InvoiceStatus::Pending => "fee-status-pending",
        InvoiceStatus::Paid => "fee-status-paid",
        InvoiceStatus::Cancelled => "fee-status-cancelled",
        InvoiceStatus::Refunded => "fee-status-refunded",
    };
    let now = yagona_core::now();
    let open = inv.open_at(now) && !app.status.is_final();
    let providers: Vec<Value> = [Provider::Payme, Provider::Click]
        .into_iter()
        .filter(|p| match p {
            Provider::Payme => state.config.payments.payme.is_some(),
            Provider::Click => state.config.payments.click.is_some(),
        })
        .map(|p| json!({"id": p.as_str(), "label": p.name()}))
        .collect();
    let paid_text = inv.paid_at.as_ref().map(|at| {
        let mut args = Args::new();
        args.set("date", view::date(i18n, l, tashkent_date(at)));
        args.set(
            "provider",
            inv.provider.map(Provider::name).unwrap_or_default(),
        );
        i18n.t(l, "fee-paid-on", Some(&args))
    });
    json!({
        "number": inv.number.as_str(),
        "amount": amount_text(state, l, inv.amount.as_i64()),
        "status": inv.status.as_str(),
        "status_label": i18n.t(l, status_key, None),
        "pay_by": inv.expires_at.as_ref().filter(|_| open).map(|e| view::date(i18n, l, tashkent_date(e))),
        "paid": paid_text,
        "refund_allowed": inv.refund_allowed && inv.status == InvoiceStatus::Paid,
        "can_pay": payer_view && open,
        "pending": inv.status == InvoiceStatus::Pending,
        "providers": if payer_view && open { providers } else { Vec::new() },
    })
}

/// `POST /applications/{reference}/pay` (`provider` = `payme` | `click`): the citizen's pay
/// button. Their own application, its invoice still open: 303 to the provider's checkout,
/// which sends them back to the application's page. Anything else: back to that page, which
/// says where the invoice stands.
pub async fn pay(
    State(state): State<Arc<Pages>>,
    ctx: Ctx,
    Path(reference): Path<String>,
    form: VerifiedForm,
) -> Response {
    let Some(pinfl) = ctx.citizen().and_then(|u| u.pinfl.clone()) else {
        return sign_in_redirect(&ctx);
    };
    let Ok(reference) = ReferenceNumber::parse(&reference) else {
        return error_page(&state, &ctx, PageError::NotFound);
    };
    let app = match state.applications.for_applicant(&pinfl, &reference).await {
        Ok((app, _)) => app,
        Err(e) => return application_error(&state, &ctx, e),
    };
    let back = format!("/applications/{}", app.reference);
    let Some(provider) = form.get("provider").and_then(Provider::parse) else {
        return Redirect::to(&back).into_response();
    };
    let invoice = match state.applications.invoice(&app).await {
        Ok(Some(i)) => i,
        Ok(None) => return Redirect::to(&back).into_response(),
        Err(e) => return application_error(&state, &ctx, e),
    };
    if !invoice.open_at(yagona_core::now()) || app.status.is_final() {
        return Redirect::to(&back).into_response();
    }
    let return_url = format!(
        "{}{back}?paid={}",
        state
            .config
            .public_url
            .as_deref()
            .unwrap_or("")
            .trim_end_matches('/'),
        provider.as_str()
    );
    match state
        .config
        .payments
        .checkout_link(provider, &invoice, ctx.locale.tag(), &return_url)
    {
        Some(link) => Redirect::to(&link).into_response(),
        None => Redirect::to(&back).into_response(),
    }
}
