//! A form's rules across answers: what the schema cannot say about one answer alone — a date
//! not in the future, within a month of an event, an age limit, one of two fields given —
//! written as FEEL in `form.toml` (`[[rule]]`), each with the field it belongs to and its
//! message in four languages.
//!
//! A rule's `when` is a FEEL boolean that must hold. It sees every answer by its name (`null`
//! when not given), the answers of date fields as FEEL dates, `today` (the day in Tashkent,
//! given by the caller so that the check is the same on every channel and in tests), and
//! `pinfl_birth_date(p)`, the birth date a PINFL encodes. A rule fails only when it is
//! `false`: one whose answers are missing gives `null` and is left to `required`.

use crate::{FieldError, FormDefinition};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use yagona_core::I18nText;
use yagona_workflow::feel::{self, Expressions, Feel};

/// What must hold across a form's answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// The field the error belongs to: the error summary links to it.
    pub field: String,
    /// A FEEL boolean that must hold (`birth_date <= today`).
    pub when: String,
    /// What the person is told when it does not, in four languages.
    pub message: I18nText,
}

/// What rules are evaluated against besides the answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// Today, in Tashkent.
    pub today: NaiveDate,
}

impl Context {
    pub fn on(today: NaiveDate) -> Context {
        Context { today }
    }

    /// Today in Tashkent, now.
    pub fn now() -> Context {
        Context::on(yagona_core::tashkent_date(&yagona_core::now()))
    }
}

/// The names a rule may use besides the form's answers.
pub const NAMES: &[&str] = &["today", "pinfl_birth_date"];

/// The birth date a PINFL encodes: its first digit the century (1–2: 1800s, 3–4: 1900s,
/// 5–6: 2000s), the next six the day, month and year.
const PINFL_BIRTH_DATE: &str = "function(p) if p = null or string length(p) != 14 then null \
     else date((if substring(p, 1, 1) in [\"1\", \"2\"] then \"18\" \
     else if substring(p, 1, 1) in [\"3\", \"4\"] then \"19\" else \"20\") \
     + substring(p, 6, 2) + \"-\" + substring(p, 4, 2) + \"-\" + substring(p, 2, 2))";

/// The context entry holding a rule's value.
const RESULT: &str = "yagona_rule_holds";

/// A rule ready to evaluate.
pub(crate) struct Compiled {
    field: String,
    expression: String,
    message: I18nText,
    /// Every answer the form has, so that a missing one reads as `null`.
    names: Vec<String>,
}

fn properties(form: &FormDefinition) -> Vec<(&str, bool)> {
    form.schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| {
            p.iter()
                .map(|(k, v)| {
                    let date = v.get("format").and_then(Value::as_str) == Some("date");
                    (k.as_str(), date)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The rule as evaluated: a FEEL context that turns dates into dates, then the rule.
fn wrapped(form: &FormDefinition, when: &str) -> String {
    let mut entries: Vec<String> = properties(form)
        .into_iter()
        .filter(|(name, date)| *date && is_name(name))
        .map(|(name, _)| format!("{name}: date({name})"))
        .collect();
    entries.push("today: date(today)".into());
    entries.push(format!("pinfl_birth_date: {PINFL_BIRTH_DATE}"));
    entries.push(format!("{RESULT}: ({})", when.trim()));
    format!("={{{}}}.{RESULT}", entries.join(", "))
}

fn is_name(s: &str) -> bool {
    s.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_alphanumeric() || c == '_')
}

pub(crate) fn compile(form: &FormDefinition) -> Vec<Compiled> {
    let names: Vec<String> = properties(form)
        .into_iter()
        .map(|(n, _)| n.to_owned())
        .collect();
    form.presentation
        .rules
        .iter()
        .map(|r| Compiled {
            field: r.field.clone(),
            expression: wrapped(form, r.when.trim().trim_start_matches('=')),
            message: r.message.clone(),
            names: names.clone(),
        })
        .collect()
}

fn variables(
    names: &[String],
    answers: &Map<String, Value>,
    context: &Context,
) -> Map<String, Value> {
    let mut vars = answers.clone();
    for n in names {
        vars.entry(n.clone()).or_insert(Value::Null);
    }
    vars.insert("today".into(), Value::String(context.today.to_string()));
    vars
}

/// The rules that fail, one per field, in the order the form lists them.
pub(crate) fn check(
    rules: &[Compiled],
    answers: &Map<String, Value>,
    context: &Context,
) -> Vec<FieldError> {
    let Some(first) = rules.first() else {
        return Vec::new();
    };
    let vars = variables(&first.names, answers, context);
    let mut out: Vec<FieldError> = Vec::new();
    for r in rules {
        if out.iter().any(|e| e.field == r.field) {
            continue;
        }
        // A rule that does not parse never gets here: the registry refuses it when it loads.
        if let Ok(Value::Bool(false)) = Feel.evaluate(&r.expression, &vars) {
            out.push(FieldError {
                field: r.field.clone(),
                keyword: "rule".into(),
                limit: None,
                message: Some(r.message.clone()),
            });
        }
    }
    out
}

/// Names in an expression that look like answers (they have an underscore), outside strings.
fn answer_names(expression: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_string = false;
    let mut word = String::new();
    let mut after_dot = false;
    for c in expression.chars().chain(std::iter::once(' ')) {
        if in_string {
            in_string = c != '"';
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if word.contains('_') && !after_dot && !out.contains(&word) {
            out.push(word.clone());
        }
        if !word.is_empty() || !c.is_whitespace() {
            after_dot = c == '.';
        }
        word.clear();
        in_string = c == '"';
    }
    out
}

/// Every way the form's rules are wrong, each located as `rule[i]…`, for `problems`.
pub(crate) fn problems(form: &FormDefinition) -> Vec<String> {
    let mut out = Vec::new();
    let rules = &form.presentation.rules;
    if rules.is_empty() {
        return out;
    }
    let props = properties(form);
    for (name, _) in &props {
        if NAMES.contains(name) {
            out.push(format!(
                "schema: property {name:?} has a name rules use for something else"
            ));
        }
    }
    let names: Vec<String> = props.iter().map(|(n, _)| (*n).to_owned()).collect();
    let context = Context::on(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap_or_default());
    for (i, r) in rules.iter().enumerate() {
        let at = format!("rule[{i}]");
        if form.field(&r.field).is_none() {
            out.push(format!("{at}.field: the form shows no field {:?}", r.field));
        }
        for l in r.message.missing() {
            out.push(format!("{at}.message: {} is missing", l.tag()));
        }
        let when = r.when.trim().trim_start_matches('=');
        if when.trim().is_empty() {
            out.push(format!("{at}.when: the rule is empty"));
            continue;
        }
        if let Err(e) = feel::syntax(&format!("={when}")) {
            out.push(format!("{at}.when: {e}"));
            continue;
        }
        let unknown: Vec<String> = answer_names(when)
            .into_iter()
            .filter(|n| !names.contains(n) && !NAMES.contains(&n.as_str()))
            .collect();
        if !unknown.is_empty() {
            out.push(format!(
                "{at}.when: the form has no answer {}",
                unknown
                    .iter()
                    .map(|n| format!("{n:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            continue;
        }
        let expression = wrapped(form, when);
        match Feel.evaluate(&expression, &variables(&names, &Map::new(), &context)) {
            Err(e) => out.push(format!("{at}.when: {e}")),
            Ok(Value::Bool(_) | Value::Null) => {}
            Ok(other) => out.push(format!("{at}.when: gives {other}, not true or false")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Field, Presentation, Step, Widget};
    use serde_json::json;
    use std::collections::BTreeMap;
    use yagona_core::Code;

    fn field(name: &str, widget: Widget) -> Field {
        Field {
            name: name.into(),
            widget,
            label: I18nText::same(name),
            hint: None,
            autocomplete: None,
            prefill: None,
            options: vec![],
            accept: vec![],
            max_size_kb: None,
            errors: BTreeMap::new(),
        }
    }

    fn rule(field: &str, when: &str) -> Rule {
        Rule {
            field: field.into(),
            when: when.into(),
            message: I18nText::same(&format!("{field} is wrong")),
        }
    }

    fn form(rules: Vec<Rule>) -> FormDefinition {
        FormDefinition::new(
            json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "properties": {
                    "birth_date": {"type": "string", "format": "date"},
                    "mother_pinfl": {"type": "string", "pattern": "^[0-9]{14}$"},
                    "phone": {"type": "string"},
                    "email": {"type": "string"}
                }
            }),
            Presentation {
                steps: vec![Step {
                    id: Code::parse("one").unwrap(),
                    title: I18nText::same("One"),
                    fields: vec![
                        field("birth_date", Widget::Date),
                        field("mother_pinfl", Widget::Text),
                        field("phone", Widget::Tel),
                        field("email", Widget::Email),
                    ],
                }],
                rules,
            },
        )
    }

    fn failing(f: &FormDefinition, answers: Value, today: &str) -> Vec<String> {
        let context = Context::on(today.parse().unwrap());
        f.compile()
            .unwrap()
            .validate(answers.as_object().unwrap(), &context)
            .into_iter()
            .map(|e| format!("{}:{}", e.field, e.keyword))
            .collect()
    }

    #[test]
    fn dates_compare_with_today_and_durations() {
        let f = form(vec![
            rule("birth_date", "birth_date <= today"),
            rule("birth_date", "birth_date >= today - duration(\"P1M\")"),
        ]);
        assert_eq!(f.problems(), Vec::<String>::new());
        let today = "2026-12-07";
        assert!(failing(&f, json!({"birth_date": "2026-12-07"}), today).is_empty());
        assert!(failing(&f, json!({"birth_date": "2026-11-07"}), today).is_empty());
        assert_eq!(
            failing(&f, json!({"birth_date": "2026-12-08"}), today),
            ["birth_date:rule"]
        );
        assert_eq!(
            failing(&f, json!({"birth_date": "2026-11-06"}), today),
            ["birth_date:rule"]
        );
        // Missing or malformed: the schema's business, not the rule's.
        assert!(failing(&f, json!({}), today).is_empty());
        assert_eq!(
            failing(&f, json!({"birth_date": "2026-02-30"}), today),
            ["birth_date:format"]
        );
    }

    #[test]
    fn one_of_two_fields_and_ages_from_a_pinfl() {
        let f = form(vec![
            rule("phone", "phone != null or email != null"),
            rule(
                "mother_pinfl",
                "pinfl_birth_date(mother_pinfl) <= birth_date - duration(\"P16Y\")",
            ),
        ]);
        assert_eq!(f.problems(), Vec::<String>::new());
        let today = "2026-12-07";
        assert_eq!(failing(&f, json!({}), today), ["phone:rule"]);
        assert!(failing(&f, json!({"email": "a@b.uz"}), today).is_empty());
        // Born 9 December 1985 (3…): a mother at 41.
        let ok =
            json!({"phone": "1", "birth_date": "2026-11-20", "mother_pinfl": "30912850420017"});
        assert!(failing(&f, ok, today).is_empty());
        // Born 1 May 2015 (5…): eleven at the birth.
        let young =
            json!({"phone": "1", "birth_date": "2026-11-20", "mother_pinfl": "50105150420017"});
        assert_eq!(failing(&f, young, today), ["mother_pinfl:rule"]);
    }

    #[test]
    fn a_failed_rule_carries_its_message() {
        let f = form(vec![rule("birth_date", "birth_date <= today")]);
        let errors = f.compile().unwrap().validate(
            json!({"birth_date": "2030-01-01"}).as_object().unwrap(),
            &Context::on("2026-12-07".parse().unwrap()),
        );
        assert_eq!(
            errors[0].message.as_ref().map(|m| m.en.as_str()),
            Some("birth_date is wrong")
        );
    }

    #[test]
    fn malformed_rules_are_problems_with_their_place() {
        let mut bad_message = rule("birth_date", "birth_date <= today");
        bad_message.message.ru = " ".into();
        let f = form(vec![
            rule("birth_dat", "birth_date <= today"),
            rule("birth_date", "birth_date <= (today"),
            rule("birth_date", "birth_dat <= today"),
            rule("birth_date", "\"yes\""),
            bad_message,
        ]);
        let problems = f.problems();
        let has = |prefix: &str, text: &str| {
            problems
                .iter()
                .any(|p| p.starts_with(prefix) && p.contains(text))
        };
        assert!(
            has("rule[0].field:", "no field \"birth_dat\""),
            "{problems:?}"
        );
        assert!(has("rule[1].when:", "does not parse"), "{problems:?}");
        assert!(
            has("rule[2].when:", "no answer \"birth_dat\""),
            "{problems:?}"
        );
        assert!(has("rule[3].when:", "not true or false"), "{problems:?}");
        assert!(has("rule[4].message:", "ru is missing"), "{problems:?}");
    }

    #[test]
    fn names_in_strings_and_after_dots_are_not_answers() {
        assert_eq!(
            answer_names("a_b + \"c_d\" + x.e_f + g_h"),
            ["a_b".to_owned(), "g_h".to_owned()]
        );
    }
}
