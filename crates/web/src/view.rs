//! View models: domain values turned into what a page or the API shows, in one language.

use chrono::NaiveDate;
use serde_json::{json, Value};
use yagona_applications::{Application, Document, Holder, Status};
use yagona_core::{group_thousands, Fee, Locale};
use yagona_forms::{Field, FieldError, Widget};
use yagona_i18n::{Args, I18n};
use yagona_registry::{Catalogue, Service};

/// `2026-yil 27-noyabr`, `27 ноября 2026 г.`, `27 November 2026`.
pub fn date(i18n: &I18n, l: Locale, d: NaiveDate) -> String {
    i18n.date(l, d)
}

pub fn fee(
    i18n: &I18n,
    l: Locale,
    catalogue: &Catalogue,
    service: &Service,
    today: NaiveDate,
) -> String {
    match (&service.passport.fee, catalogue.fee_uzs(service, today)) {
        (Fee::Free, _) => i18n.t(l, "fee-free", None),
        (Fee::Bhm { multiple }, Some(amount)) => {
            let mut args = Args::new();
            args.set("amount", group_thousands(amount));
            args.set("multiple", multiple.to_string());
            i18n.t(l, "fee-bhm", Some(&args))
        }
        (_, Some(amount)) => {
            let mut args = Args::new();
            args.set("amount", group_thousands(amount));
            i18n.t(l, "fee-amount", Some(&args))
        }
        (_, None) => i18n.t(l, "fee-unknown", None),
    }
}

pub fn deadline(i18n: &I18n, l: Locale, days: u32) -> String {
    i18n.count(l, "working-days", "count", days as i64)
}

/// A service as a card in lists and search results.
pub fn service_card(
    i18n: &I18n,
    l: Locale,
    catalogue: &Catalogue,
    s: &Service,
    today: NaiveDate,
) -> Value {
    let p = &s.passport;
    let agency = catalogue
        .agency(p.agency.as_str())
        .map(|a| a.display_name().get(l).to_owned())
        .unwrap_or_default();
    json!({
        "code": p.code.as_str(),
        "name": p.name.get(l),
        "description": p.description.get(l),
        "agency": agency,
        "fee": fee(i18n, l, catalogue, s, today),
        "deadline": deadline(i18n, l, p.deadline_working_days),
        "online": p.online,
    })
}

pub fn status(i18n: &I18n, l: Locale, s: Status) -> Value {
    let class = match s {
        Status::Draft => "draft",
        Status::Submitted => "submitted",
        Status::InReview => "in-review",
        Status::Returned => "action-required",
        Status::Approved => "approved",
        Status::Rejected => "rejected",
    };
    json!({"code": s.code(), "label": i18n.t(l, &format!("status-{}", s.code()), None), "class": class})
}

pub fn holder(i18n: &I18n, l: Locale, catalogue: &Catalogue, h: &Holder) -> String {
    let agency_name = |code: &str| {
        catalogue
            .agency(code)
            .map(|a| a.name.get(l).to_owned())
            .unwrap_or_else(|| code.to_owned())
    };
    let mut args = Args::new();
    match h {
        Holder::Applicant => i18n.t(l, "holder-applicant", None),
        Holder::Agency { agency } => {
            args.set("agency", agency_name(agency));
            i18n.t(l, "holder-agency", Some(&args))
        }
        Holder::Officer { agency, name } => {
            args.set("agency", agency_name(agency));
            args.set("officer", name.clone());
            i18n.t(l, "holder-officer", Some(&args))
        }
        Holder::Closed => i18n.t(l, "holder-closed", None),
    }
}

/// A process step's name in the reader's language (`yagona:label`), else its BPMN name.
pub fn step_label(l: Locale, labels: &serde_json::Map<String, Value>) -> Option<String> {
    yagona_workflow::model::label_in(labels, l)
}

/// An application in lists and on its page.
pub fn application(
    i18n: &I18n,
    l: Locale,
    catalogue: &Catalogue,
    app: &Application,
    today: NaiveDate,
) -> Value {
    let service = catalogue.service(&app.service_code);
    let service_name = service
        .map(|s| s.passport.name.get(l).to_owned())
        .unwrap_or_else(|| app.service_code.clone());
    json!({
        "reference": app.reference,
        "service_code": app.service_code,
        "service_name": service_name,
        "applicant_name": app.applicant_name,
        "applicant_pinfl": app.applicant_pinfl,
        "status": status(i18n, l, app.status),
        "holder": holder(i18n, l, catalogue, &app.holder()),
        // One way of writing a moment per language, in Tashkent time.
        "submitted_at": app.submitted_at.as_ref().map(|t| i18n.date_time(l, t)),
        "updated_at": i18n.date_time(l, &app.updated_at),
        "decision_due": app.decision_due.map(|d| date(i18n, l, d)),
        "decision_due_iso": app.decision_due.map(|d| d.to_string()),
        "overdue": app.overdue(today),
        "editable": app.status.editable_by_applicant(),
        "current_step": app.current_step.as_ref().and_then(|s| step_label(l, s)),
        "final": app.status.is_final(),
    })
}

pub fn documents(i18n: &I18n, l: Locale, docs: &[Document]) -> Value {
    json!(docs
        .iter()
        .map(|d| json!({
            "id": d.id, "kind": d.kind.code(), "field": d.field, "file_name": d.file_name,
            "media_type": d.media_type, "size_kb": (d.size + 1023) / 1024, "created_at": i18n.date_time(l, &d.created_at),
        }))
        .collect::<Vec<_>>())
}

/// What registers told, as pages show it: when they were asked, and the days among their
/// values, the way the page's language writes them.
pub fn facts(i18n: &I18n, l: Locale, facts: &[yagona_applications::FactSummary]) -> Value {
    json!(facts
        .iter()
        .map(|f| json!({
            "source": f.source,
            "fetched": i18n.date_time(l, &f.fetched_at),
            "items": f.items.iter().map(|i| match i.parse::<NaiveDate>() {
                Ok(d) => date(i18n, l, d),
                Err(_) => i.clone(),
            }).collect::<Vec<_>>(),
            "request_id": f.request_id,
        }))
        .collect::<Vec<_>>())
}

/// The message for a failed rule on a field: the form's own wording if it has one for the rule,
/// otherwise the platform's, naming the field.
pub fn field_error(i18n: &I18n, l: Locale, field: &Field, e: &FieldError) -> String {
    // A rule of the form's own carries its message.
    if let Some(message) = &e.message {
        return message.get(l).to_owned();
    }
    if let Some(custom) = field.errors.get(&e.keyword) {
        return custom.get(l).to_owned();
    }
    let mut args = Args::new();
    if e.keyword.starts_with("upload-") {
        // The file's problems name the field as it is labelled (`upload-too-large` and co.).
        args.set("label", field.label.get(l).to_owned());
        if let Some(limit) = &e.limit {
            args.set("limit", limit.clone());
        }
        return i18n.t(l, &e.keyword, Some(&args));
    }
    let id = match (e.keyword.as_str(), field.widget) {
        ("required", Widget::Select | Widget::Radios) => "error-choose",
        ("required", Widget::File) => "error-upload",
        ("required", Widget::Checkbox) | ("const", Widget::Checkbox) => "error-confirm",
        ("required", _) => "error-required",
        ("minLength", _) => "error-min-length",
        ("maxLength", _) => "error-max-length",
        ("minimum", _) => "error-minimum",
        ("maximum", _) => "error-maximum",
        ("pattern", _) => "error-pattern",
        ("format", Widget::Date) | ("type", Widget::Date) => "error-date",
        ("format", Widget::Email) => "error-email",
        ("type", Widget::Number) => "error-number",
        ("enum", _) => "error-choose",
        _ => "error-invalid",
    };
    args.set("label", label_in_sentence(l, field.label.get(l)));
    // As labelled, for a message that starts with it ("Year of registration must be a number").
    args.set("Label", field.label.get(l).to_owned());
    if let Some(limit) = &e.limit {
        match limit.parse::<i64>() {
            Ok(n) => args.set("limit", n),
            Err(_) => args.set("limit", limit.clone()),
        }
    }
    i18n.t(l, id, Some(&args))
}

/// English messages put the label inside a sentence ("Enter child's surname"), so its capital
/// goes unless the label starts with an acronym (PINFL, STIR). The other languages quote it.
fn label_in_sentence(l: Locale, label: &str) -> String {
    let mut chars = label.chars();
    match (l, chars.next(), chars.next()) {
        (Locale::En, Some(first), Some(second))
            if first.is_uppercase() && second.is_lowercase() =>
        {
            first.to_lowercase().chain(label.chars().skip(1)).collect()
        }
        _ => label.to_owned(),
    }
}

/// A form field ready for the template: labels, current value, options, error.
pub fn field(
    l: Locale,
    f: &Field,
    value: Option<&Value>,
    error: Option<String>,
    required: bool,
    file_name: Option<String>,
) -> Value {
    let value_str = match value {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    let options: Vec<Value> = f
        .options
        .iter()
        .map(|o| json!({"value": o.value, "label": o.label.get(l), "selected": o.value == value_str}))
        .collect();
    // A date is asked as GOV.UK's date input: day, month and year boxes, in the page's
    // language, whatever the browser's date picker would say.
    let (day, month, year) = match f.widget {
        Widget::Date => date_parts(&value_str),
        _ => Default::default(),
    };
    json!({
        "name": f.name,
        "day": day,
        "month": month,
        "year": year,
        "widget": serde_json::to_value(f.widget).unwrap_or(Value::Null),
        "label": f.label.get(l),
        "hint": f.hint.as_ref().map(|h| h.get(l)),
        "autocomplete": f.autocomplete,
        "value": value_str,
        "checked": value == Some(&Value::Bool(true)),
        "options": options,
        "accept": f.accept.join(","),
        "types": file_types(&f.accept),
        "max_size_mb": (f.max_bytes() as f64 / 1_048_576.0 * 10.0).round() / 10.0,
        "error": error,
        "required": required,
        "file_name": file_name,
    })
}

/// The kinds of file a field takes, as people know them: `PDF, JPG, PNG`.
fn file_types(accept: &[String]) -> String {
    let mut names: Vec<String> = accept
        .iter()
        .map(|m| match m.as_str() {
            "image/jpeg" => "JPG".to_owned(),
            "text/csv" => "CSV".to_owned(),
            other => other
                .rsplit(['/', '.'])
                .next()
                .unwrap_or(other)
                .to_uppercase(),
        })
        .collect();
    names.dedup();
    names.join(", ")
}

/// A `YYYY-MM-DD` answer as day, month and year boxes (leading zeros dropped, as people type
/// them); what does not parse is shown as it was typed.
pub fn date_parts(value: &str) -> (String, String, String) {
    let mut parts = value.splitn(3, '-');
    let (y, m, d) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let plain = |s: &str| match s.parse::<u32>() {
        Ok(n) => n.to_string(),
        Err(_) => s.to_owned(),
    };
    (plain(d), plain(m), y.to_owned())
}

/// The answer of a date input's three boxes (`{name}-day`, `-month`, `-year`): `YYYY-MM-DD`
/// when each is a number, nothing when all are empty, and otherwise what was typed, joined, so
/// that the form's rules refuse it with their message ("Enter a real date").
pub fn date_from_parts(day: &str, month: &str, year: &str) -> String {
    let (d, m, y) = (day.trim(), month.trim(), year.trim());
    if d.is_empty() && m.is_empty() && y.is_empty() {
        return String::new();
    }
    match (d.parse::<u32>(), m.parse::<u32>(), y.parse::<u32>()) {
        (Ok(d), Ok(m), Ok(y)) if y >= 1000 => format!("{y:04}-{m:02}-{d:02}"),
        _ => format!("{y}-{m}-{d}"),
    }
}

/// An answer as the "check your answers" page shows it.
pub fn answer_text(
    i18n: &I18n,
    l: Locale,
    f: &Field,
    value: Option<&Value>,
    file_name: Option<&str>,
) -> String {
    match (f.widget, value) {
        (_, None) => String::new(),
        (Widget::File, Some(_)) => file_name.unwrap_or_default().to_owned(),
        (Widget::Checkbox, Some(Value::Bool(true))) => i18n.t(l, "answer-yes", None),
        // A day the way the page's language writes it, as everywhere else.
        (Widget::Date, Some(Value::String(s))) => s
            .parse::<NaiveDate>()
            .map_or_else(|_| s.clone(), |d| date(i18n, l, d)),
        (Widget::Checkbox, Some(_)) => String::new(),
        (Widget::Select | Widget::Radios, Some(Value::String(v))) => f
            .options
            .iter()
            .find(|o| &o.value == v)
            .map(|o| o.label.get(l).to_owned())
            .unwrap_or_else(|| v.clone()),
        (_, Some(Value::String(s))) => s.clone(),
        (_, Some(v)) => v.to_string(),
    }
}
