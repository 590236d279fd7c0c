//! What a result document says: its service's template (`result.toml`) filled from the
//! application's process variables with FEEL, each value written the way each language writes
//! it; and the page that prints it, in the holder's language with Uzbek beside it.

use crate::model::Application;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use yagona_core::{parse_timestamp, I18nText, Locale, Timestamp};
use yagona_documents::{Bilingual, Row, Sheet};
use yagona_forms::FormDefinition;
use yagona_i18n::{Args, I18n};
use yagona_registry::{ResultTemplate, ValueFormat};
use yagona_workflow::feel::{Expressions, Feel};

/// A filled result: its title and rows in four languages. Kept with the document, so that a
/// result superseded to be issued again says the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Content {
    pub title: I18nText,
    pub rows: Vec<FilledRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FilledRow {
    pub label: I18nText,
    pub value: I18nText,
}

fn each(f: impl Fn(Locale) -> String) -> I18nText {
    I18nText {
        uz: f(Locale::Uz),
        uz_cyrl: f(Locale::UzCyrl),
        ru: f(Locale::Ru),
        en: f(Locale::En),
    }
}

/// A message in every language.
pub(crate) fn message(i18n: &I18n, id: &str, args: Option<&Args>) -> I18nText {
    each(|l| i18n.t(l, id, args))
}

/// A value in every language, or `None` when there is nothing to print.
fn written(
    i18n: &I18n,
    form: &FormDefinition,
    format: ValueFormat,
    field: Option<&str>,
    value: &Value,
) -> Option<I18nText> {
    let text = match value {
        Value::Null => return None,
        Value::String(s) if s.trim().is_empty() => return None,
        Value::Object(m) if m.contains_key("uz") => {
            let get = |l: Locale| {
                m.get(l.tag())
                    .or_else(|| m.get("uz"))
                    .map(plain)
                    .unwrap_or_default()
            };
            return Some(each(get));
        }
        Value::Bool(b) => {
            return Some(message(
                i18n,
                if *b { "document-yes" } else { "document-no" },
                None,
            ))
        }
        other => plain(other),
    };
    match format {
        ValueFormat::Text => Some(each(|_| text.clone())),
        ValueFormat::Date => match text.get(..10).and_then(|d| d.parse::<NaiveDate>().ok()) {
            Some(day) => Some(each(|l| i18n.date(l, day))),
            None => Some(each(|_| text.clone())),
        },
        ValueFormat::DateTime => match parse_timestamp(&text) {
            Some(t) => Some(each(|l| i18n.date_time(l, &t))),
            None => Some(each(|_| text.clone())),
        },
        ValueFormat::Option => {
            let option = field
                .and_then(|f| form.field(f))
                .and_then(|f| f.options.iter().find(|o| o.value == text));
            match option {
                Some(o) => Some(o.label.clone()),
                None => Some(each(|_| text.clone())),
            }
        }
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(plain)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The template filled from `variables`. A value that fails to evaluate is left out, and
/// logged: the document still says everything else.
pub fn fill(
    i18n: &I18n,
    template: &ResultTemplate,
    form: &FormDefinition,
    variables: &Map<String, Value>,
) -> Content {
    let rows = template
        .rows
        .iter()
        .filter_map(|row| {
            let value = Feel
                .evaluate(&row.value, variables)
                .map_err(|e| tracing::warn!(error = %e, "a result row's value"))
                .ok()?;
            Some(FilledRow {
                label: row.label.clone(),
                value: written(i18n, form, row.format, row.field.as_deref(), &value)?,
            })
        })
        .collect();
    Content {
        title: template.title.clone(),
        rows,
    }
}

/// What a service without a template prints: the passport's result, the service, the
/// application and its holder.
pub fn standard(
    i18n: &I18n,
    service: &yagona_registry::Service,
    app: &Application,
    decided: &Timestamp,
) -> Content {
    let row = |label: &str, value: I18nText| FilledRow {
        label: message(i18n, label, None),
        value,
    };
    Content {
        title: message(i18n, "document-default-title", None),
        rows: vec![
            row("document-row-service", service.passport.name.clone()),
            row("document-row-result", service.passport.result.clone()),
            row(
                "document-row-holder",
                each(|_| format!("{} ({})", app.applicant_name, app.applicant_pinfl)),
            ),
            row(
                "document-row-application",
                each(|_| app.reference.to_string()),
            ),
            row("document-row-decided", each(|l| i18n.date_time(l, decided))),
        ],
    }
}

/// A PINFL for a person the document brings into the register, from their sex and date of
/// birth as the civil registry numbers people — the century and sex, the date (DDMMYY) — then
/// six digits drawn from `seed` (the application: the same application always gets the same
/// number) and the check digit (the digits weighted 7, 3, 1 in turn, modulo 10).
pub fn assigned_pinfl(sex: &str, born: NaiveDate, seed: &str) -> String {
    let female = matches!(sex, "female" | "f" | "F");
    let century = match born.year() {
        ..=1899 => 1,
        1900..=1999 => 3,
        _ => 5,
    } + u32::from(female);
    let hash = yagona_core::sha256_hex(seed.as_bytes());
    let drawn: u64 = u64::from_str_radix(&hash[..12], 16).unwrap_or(0) % 1_000_000;
    let body = format!(
        "{century}{:02}{:02}{:02}{drawn:06}",
        born.day(),
        born.month(),
        born.year() % 100
    );
    let check: u32 = body
        .chars()
        .zip([7, 3, 1].iter().cycle())
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum::<u32>()
        % 10;
    format!("{body}{check}")
}

/// What the page of a result prints, besides its content.
pub struct Frame<'a> {
    pub locale: Locale,
    pub agency: &'a I18nText,
    pub number: &'a str,
    pub issued: &'a Timestamp,
    pub verify_url: &'a str,
    pub reference: &'a str,
    /// Who signs, when the agency has a key here.
    pub signer: Option<&'a yagona_documents::Signer>,
}

pub(super) fn both(i18n: &I18n, l: Locale, id: &str, args: Option<&Args>) -> Bilingual {
    Bilingual::new(i18n.t(l, id, args), i18n.t(Locale::Uz, id, args))
}

fn both_text(l: Locale, t: &I18nText) -> Bilingual {
    Bilingual::new(t.get(l), t.get(Locale::Uz))
}

/// The page: every text in the holder's language, with Uzbek beside it.
pub fn sheet(i18n: &I18n, content: &Content, frame: &Frame<'_>) -> Sheet {
    let l = frame.locale;
    let mut args = Args::new();
    args.set("number", frame.number.to_owned());
    let number = both(i18n, l, "document-pdf-number", Some(&args));
    let issued = Bilingual::new(
        {
            let mut a = Args::new();
            a.set("date", i18n.date_time(l, frame.issued));
            i18n.t(l, "document-pdf-issued", Some(&a))
        },
        {
            let mut a = Args::new();
            a.set("date", i18n.date_time(Locale::Uz, frame.issued));
            i18n.t(Locale::Uz, "document-pdf-issued", Some(&a))
        },
    );
    let mut footer_args = Args::new();
    footer_args.set("reference", frame.reference.to_owned());
    let mut footer = vec![joined(i18n, l, "document-pdf-application", &footer_args)];
    match frame.signer {
        Some(signer) => {
            let mut a = Args::new();
            a.set("signer", signer.name().to_owned());
            a.set("fingerprint", signer.fingerprint()[..16].to_owned());
            footer.push(joined(i18n, l, "document-pdf-signed", &a));
        }
        None => footer.push(joined(i18n, l, "document-pdf-unsigned", &Args::new())),
    }
    Sheet {
        header: both(i18n, l, "document-pdf-header", None),
        agency: both_text(l, frame.agency),
        title: both_text(l, &content.title),
        number,
        issued,
        rows: content
            .rows
            .iter()
            .map(|r| Row {
                label: both_text(l, &r.label),
                value: both_text(l, &r.value),
            })
            .collect(),
        verify: both(i18n, l, "document-pdf-verify", None),
        verify_url: frame.verify_url.to_owned(),
        footer,
        attachments: Vec::new(),
    }
}

/// Small print in the holder's language and Uzbek, on one line.
fn joined(i18n: &I18n, l: Locale, id: &str, args: &Args) -> String {
    let main = i18n.t(l, id, Some(args));
    if l == Locale::Uz {
        main
    } else {
        format!("{main} / {}", i18n.t(Locale::Uz, id, Some(args)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_templates_fill_with_dates_in_each_language() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../registry");
        let registry = yagona_registry::files::read_dir(&root).expect("the demo registry reads");
        let i18n = I18n::new();
        let service = |code: &str| {
            registry
                .services
                .iter()
                .find(|s| s.passport.code.as_str() == code)
                .expect("the service")
        };
        let vars: Map<String, Value> = serde_json::from_value(serde_json::json!({
            "applicant": "31505901234567", "applicantName": "Dilnoza Karimova",
            "issuedOn": "2026-12-07", "issuedAt": "2026-12-06T22:47:00.000000Z",
            "answers": {"cadastral_number": "10:05:04:01:03:0112", "district": "mirzo-ulugbek",
                        "plot_address": "Qorasuv-3, 17", "works_type": "new", "floors": 2,
                        "floor_area": 180, "purpose": "visa"},
            "facts": {"person": {"birthDate": "1990-05-15"}},
        }))
        .unwrap();
        let permit = service("construction-permit");
        let filled = fill(&i18n, permit.result.as_ref().unwrap(), &permit.form, &vars);
        let text: Vec<String> = filled.rows.iter().map(|r| r.value.en.clone()).collect();
        assert!(text.contains(&"7 December 2028".to_owned()), "{text:?}");
        assert!(text.contains(&"180 m²".to_owned()), "{text:?}");
        assert!(text.iter().any(|t| t.contains("Ulug")), "{text:?}");
        let certificate = service("no-criminal-record-certificate");
        let filled = fill(
            &i18n,
            certificate.result.as_ref().unwrap(),
            &certificate.form,
            &vars,
        );
        let ru: Vec<String> = filled.rows.iter().map(|r| r.value.ru.clone()).collect();
        assert!(ru.contains(&"6 января 2027 г.".to_owned()), "{ru:?}");
        assert!(ru.contains(&"15 мая 1990 г.".to_owned()), "{ru:?}");
        assert!(ru.contains(&"Судимости не имеет".to_owned()), "{ru:?}");
    }

    #[test]
    fn an_assigned_pinfl_has_the_century_sex_and_date_and_checks() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let boy = assigned_pinfl("male", day, "application-1");
        assert_eq!(boy.len(), 14);
        assert!(boy.starts_with("5201126"), "{boy}");
        assert!(assigned_pinfl("female", day, "application-1").starts_with('6'));
        assert_eq!(boy, assigned_pinfl("male", day, "application-1"));
        assert_ne!(boy, assigned_pinfl("male", day, "application-2"));
        assert!(yagona_core::Pinfl::parse(&boy).is_ok());
    }
}
