//! Application forms: the data (a JSON Schema 2020-12) and how it is presented (steps, labels,
//! hints, options in four languages).
//!
//! The schema is the single authority on what one answer must be; the presentation decides how
//! questions are grouped and worded, and carries the form's [`Rule`]s: what must hold across
//! answers and against the date (a birth not in the future, within a month of it, an age
//! limit, one of two fields), as FEEL with a message in four languages. Validation returns
//! [`FieldError`]s that name the field and the failed rule, so every channel words them the
//! same, in the user's language.

mod rules;
pub use rules::{Context, Rule};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use yagona_core::{Code, I18nText};

#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("the form's schema is not a valid JSON Schema 2020-12: {0}")]
    Schema(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Widget {
    Text,
    Textarea,
    Number,
    Date,
    Email,
    Tel,
    Select,
    Radios,
    Checkbox,
    File,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldOption {
    pub value: String,
    pub label: I18nText,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: String,
    pub widget: Widget,
    pub label: I18nText,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<I18nText>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autocomplete: Option<String>,
    /// What the state already knows to fill this field with, as `source.path` (for example
    /// `person.surname`, `residence.address.text`; the registry's `facts.toml` says which
    /// register answers each source): fetched through the exchange when the application
    /// starts, shown with where it came from, and changeable by the applicant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<String>,
    #[serde(default, rename = "option", skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<FieldOption>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accept: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size_kb: Option<u32>,
    /// Messages for failed rules, by JSON Schema keyword (`pattern`, `required`, …).
    #[serde(default, rename = "error", skip_serializing_if = "BTreeMap::is_empty")]
    pub errors: BTreeMap<String, I18nText>,
}

impl Field {
    /// The fact source and the path in its record that prefill this field (`person.surname` →
    /// (`person`, `surname`)), if it says so and both are named.
    pub fn prefill_source(&self) -> Option<(&str, &str)> {
        self.prefill
            .as_deref()?
            .split_once('.')
            .filter(|(s, p)| !s.is_empty() && !p.is_empty())
    }
}

impl Field {
    /// The largest upload accepted for a file field, in bytes (5 MiB unless the form says).
    pub fn max_bytes(&self) -> usize {
        self.max_size_kb.unwrap_or(5120) as usize * 1024
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: Code,
    pub title: I18nText,
    #[serde(rename = "field")]
    pub fields: Vec<Field>,
}

/// The presentation of a form, as in `form.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Presentation {
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
    /// What must hold across answers (`[[rule]]`), checked after the schema.
    #[serde(default, rename = "rule", skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
}

/// A form: its schema and its presentation, checked to agree with each other.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormDefinition {
    pub schema: Value,
    pub presentation: Presentation,
    /// The compiled validator, built on first use: compiling a schema costs far more than
    /// checking answers with it.
    #[serde(skip)]
    compiled: CompiledCache,
}

#[derive(Clone, Default)]
struct CompiledCache(std::sync::OnceLock<std::sync::Arc<CompiledForm>>);

impl PartialEq for CompiledCache {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl std::fmt::Debug for CompiledCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "compiled"
        } else {
            "not compiled"
        })
    }
}

/// A failed rule on one answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    /// The schema property (form field) the error belongs to.
    pub field: String,
    /// The JSON Schema keyword that failed: `required`, `pattern`, `maxLength`, `format`, …
    pub keyword: String,
    /// The rule's limit where it has one (a length, a bound), for the message.
    pub limit: Option<String>,
    /// The form's own message for a failed [`Rule`] (keyword `rule`), in four languages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<I18nText>,
}

impl FormDefinition {
    pub fn new(schema: Value, presentation: Presentation) -> Self {
        FormDefinition {
            schema,
            presentation,
            compiled: CompiledCache::default(),
        }
    }

    pub fn steps(&self) -> &[Step] {
        &self.presentation.steps
    }

    pub fn step(&self, id: &str) -> Option<(usize, &Step)> {
        self.presentation
            .steps
            .iter()
            .enumerate()
            .find(|(_, s)| s.id.as_str() == id)
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.presentation
            .steps
            .iter()
            .flat_map(|s| &s.fields)
            .find(|f| f.name == name)
    }

    fn properties(&self) -> Option<&Map<String, Value>> {
        self.schema.get("properties").and_then(Value::as_object)
    }

    fn property(&self, name: &str) -> Option<&Value> {
        self.properties().and_then(|p| p.get(name))
    }

    pub fn is_required(&self, name: &str) -> bool {
        self.schema
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|v| v.as_str() == Some(name)))
    }

    /// Every way the schema and the presentation disagree, each with its location
    /// (`step[1].field[0] (name)`), for `registry validate`.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Err(e) = self.compile() {
            out.push(e.to_string());
        }
        if self.schema.get("$schema").and_then(Value::as_str)
            != Some("https://json-schema.org/draft/2020-12/schema")
        {
            out.push(
                "schema: $schema must be \"https://json-schema.org/draft/2020-12/schema\"".into(),
            );
        }
        if self.schema.get("type").and_then(Value::as_str) != Some("object") {
            out.push("schema: type must be \"object\"".into());
        }
        let Some(props) = self.properties() else {
            out.push("schema: properties is missing".into());
            return out;
        };
        if self.presentation.steps.is_empty() {
            out.push("form.toml: a form needs at least one step".into());
        }
        let mut seen: BTreeMap<&str, String> = BTreeMap::new();
        let mut step_ids = std::collections::BTreeSet::new();
        for (si, step) in self.presentation.steps.iter().enumerate() {
            if !step_ids.insert(step.id.as_str()) {
                out.push(format!(
                    "step[{si}]: id {:?} is used twice",
                    step.id.as_str()
                ));
            }
            for l in step.title.missing() {
                out.push(format!("step[{si}].title: {} is missing", l.tag()));
            }
            if step.fields.is_empty() {
                out.push(format!("step[{si}]: a step needs at least one field"));
            }
            for (fi, f) in step.fields.iter().enumerate() {
                let at = format!("step[{si}].field[{fi}] ({})", f.name);
                if let Some(prev) = seen.insert(&f.name, at.clone()) {
                    out.push(format!("{at}: already shown at {prev}"));
                }
                for l in f.label.missing() {
                    out.push(format!("{at}.label: {} is missing", l.tag()));
                }
                if let Some(h) = &f.hint {
                    for l in h.missing() {
                        out.push(format!("{at}.hint: {} is missing", l.tag()));
                    }
                }
                for (k, msg) in &f.errors {
                    for l in msg.missing() {
                        out.push(format!("{at}.error.{k}: {} is missing", l.tag()));
                    }
                }
                if let Some(source) = &f.prefill {
                    if f.prefill_source().is_none() {
                        out.push(format!(
                            "{at}.prefill: {source:?} is not SOURCE.PATH (for example person.surname)"
                        ));
                    }
                    if !matches!(f.widget, Widget::Text | Widget::Textarea | Widget::Date) {
                        out.push(format!(
                            "{at}.prefill: only text, textarea and date fields are prefilled"
                        ));
                    }
                }
                let Some(prop) = props.get(&f.name) else {
                    out.push(format!("{at}: the schema has no property {:?}", f.name));
                    continue;
                };
                let ty = prop.get("type").and_then(Value::as_str).unwrap_or("");
                let expected: &[&str] = match f.widget {
                    Widget::Number => &["number", "integer"],
                    Widget::Checkbox => &["boolean"],
                    _ => &["string"],
                };
                if !expected.contains(&ty) {
                    out.push(format!(
                        "{at}: widget {:?} needs a schema type of {}, found {ty:?}",
                        f.widget,
                        expected.join(" or ")
                    ));
                }
                if matches!(f.widget, Widget::Select | Widget::Radios) {
                    let enum_values: Vec<&str> = prop
                        .get("enum")
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(Value::as_str).collect())
                        .unwrap_or_default();
                    let option_values: Vec<&str> =
                        f.options.iter().map(|o| o.value.as_str()).collect();
                    if enum_values.is_empty() {
                        out.push(format!(
                            "{at}: a {:?} field needs an enum in the schema",
                            f.widget
                        ));
                    } else if enum_values.len() != option_values.len()
                        || !enum_values.iter().all(|v| option_values.contains(v))
                    {
                        out.push(format!("{at}: options {option_values:?} do not match the schema enum {enum_values:?}"));
                    }
                    for (oi, o) in f.options.iter().enumerate() {
                        for l in o.label.missing() {
                            out.push(format!("{at}.option[{oi}].label: {} is missing", l.tag()));
                        }
                    }
                } else if !f.options.is_empty() {
                    out.push(format!("{at}: only select and radios fields have options"));
                }
                if f.widget == Widget::File && f.accept.is_empty() {
                    out.push(format!(
                        "{at}: a file field must list the accepted types (accept)"
                    ));
                }
            }
        }
        for name in props.keys() {
            if !seen.contains_key(name.as_str()) {
                out.push(format!(
                    "schema: property {name:?} is not shown in any step"
                ));
            }
        }
        out.extend(rules::problems(self));
        out
    }

    /// The compiled validator. Formats (`date`, `email`) are checked, not just annotated.
    pub fn compile(&self) -> Result<std::sync::Arc<CompiledForm>, FormError> {
        if let Some(c) = self.compiled.0.get() {
            return Ok(c.clone());
        }
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&self.schema)
            .map_err(|e| FormError::Schema(e.to_string()))?;
        let rules = rules::compile(self);
        Ok(self
            .compiled
            .0
            .get_or_init(|| std::sync::Arc::new(CompiledForm { validator, rules }))
            .clone())
    }

    /// Turns what a browser sent for one field into the JSON value the schema expects. An empty
    /// answer is no answer (absent), so that `required` reports it rather than `minLength`.
    pub fn coerce(&self, field: &Field, raw: Option<&str>) -> Option<Value> {
        let ty = self
            .property(&field.name)
            .and_then(|p| p.get("type"))
            .and_then(Value::as_str);
        match field.widget {
            Widget::Checkbox => Some(Value::Bool(matches!(
                raw,
                Some("true" | "on" | "yes" | "1")
            ))),
            _ => {
                let raw = raw.map(str::trim).filter(|s| !s.is_empty())?;
                match ty {
                    Some("integer") => Some(
                        raw.parse::<i64>()
                            .map(Value::from)
                            .unwrap_or_else(|_| Value::String(raw.into())),
                    ),
                    Some("number") => Some(
                        raw.replace(',', ".")
                            .parse::<f64>()
                            .ok()
                            .and_then(serde_json::Number::from_f64)
                            .map(Value::Number)
                            .unwrap_or_else(|| Value::String(raw.into())),
                    ),
                    _ => Some(Value::String(raw.into())),
                }
            }
        }
    }
}

/// A form ready to check answers.
pub struct CompiledForm {
    validator: jsonschema::Validator,
    rules: Vec<rules::Compiled>,
}

impl CompiledForm {
    /// Every failed rule for the whole set of answers, one per field (the first rule that
    /// fails): the schema's first, then the form's [`Rule`]s on the fields the schema let
    /// through, evaluated in `context` (today's date in Tashkent).
    pub fn validate(&self, answers: &Map<String, Value>, context: &Context) -> Vec<FieldError> {
        let mut out = self.validate_schema(answers);
        for e in rules::check(&self.rules, answers, context) {
            if !out.iter().any(|f| f.field == e.field) {
                out.push(e);
            }
        }
        out
    }

    /// The schema's failed rules only.
    fn validate_schema(&self, answers: &Map<String, Value>) -> Vec<FieldError> {
        let instance = Value::Object(answers.clone());
        let mut out: Vec<FieldError> = Vec::new();
        for e in self.validator.iter_errors(&instance) {
            let path = e.instance_path.to_string();
            let (field, keyword, limit) = match &e.kind {
                jsonschema::error::ValidationErrorKind::Required { property } => (
                    property.as_str().unwrap_or_default().to_owned(),
                    "required",
                    None,
                ),
                kind => {
                    let field = path
                        .trim_start_matches('/')
                        .split('/')
                        .next()
                        .unwrap_or("")
                        .to_owned();
                    use jsonschema::error::ValidationErrorKind as K;
                    let (kw, limit) = match kind {
                        K::MinLength { limit } => ("minLength", Some(limit.to_string())),
                        K::MaxLength { limit } => ("maxLength", Some(limit.to_string())),
                        K::Minimum { limit } => ("minimum", Some(limit.to_string())),
                        K::Maximum { limit } => ("maximum", Some(limit.to_string())),
                        K::Pattern { .. } => ("pattern", None),
                        K::Format { format } => ("format", Some(format.clone())),
                        K::Enum { .. } => ("enum", None),
                        K::Constant { .. } => ("const", None),
                        K::Type { .. } => ("type", None),
                        K::AdditionalProperties { .. } => ("additionalProperties", None),
                        _ => ("invalid", None),
                    };
                    (field, kw, limit)
                }
            };
            if !out.iter().any(|f| f.field == field) {
                out.push(FieldError {
                    field,
                    keyword: keyword.to_owned(),
                    limit,
                    message: None,
                });
            }
        }
        out
    }

    /// The failed rules that belong to the given fields only (one step of a multi-step form).
    pub fn validate_fields(
        &self,
        answers: &Map<String, Value>,
        fields: &[Field],
        context: &Context,
    ) -> Vec<FieldError> {
        let mut errors = self.validate(answers, context);
        errors.retain(|e| fields.iter().any(|f| f.name == e.field));
        // Keep the order in which the fields appear on the page, as the error summary lists them.
        errors.sort_by_key(|e| fields.iter().position(|f| f.name == e.field));
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(s: &str) -> I18nText {
        I18nText::same(s)
    }

    fn day(s: &str) -> chrono::NaiveDate {
        s.parse().unwrap()
    }

    fn form() -> FormDefinition {
        FormDefinition::new(
            json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "type": "object",
                "additionalProperties": false,
                "required": ["name", "born", "sex"],
                "properties": {
                    "name": {"type": "string", "minLength": 2, "maxLength": 20},
                    "born": {"type": "string", "format": "date"},
                    "sex": {"type": "string", "enum": ["m", "f"]},
                    "pinfl": {"type": "string", "pattern": "^[0-9]{14}$"}
                }
            }),
            Presentation {
                steps: vec![Step {
                    id: Code::parse("child").unwrap(),
                    title: text("Child"),
                    fields: vec![
                        Field {
                            name: "name".into(),
                            widget: Widget::Text,
                            label: text("Name"),
                            hint: None,
                            autocomplete: None,
                            prefill: None,
                            options: vec![],
                            accept: vec![],
                            max_size_kb: None,
                            errors: BTreeMap::new(),
                        },
                        Field {
                            name: "born".into(),
                            widget: Widget::Date,
                            label: text("Born"),
                            hint: None,
                            autocomplete: None,
                            prefill: None,
                            options: vec![],
                            accept: vec![],
                            max_size_kb: None,
                            errors: BTreeMap::new(),
                        },
                        Field {
                            name: "sex".into(),
                            widget: Widget::Radios,
                            label: text("Sex"),
                            hint: None,
                            autocomplete: None,
                            prefill: None,
                            options: vec![
                                FieldOption {
                                    value: "m".into(),
                                    label: text("M"),
                                },
                                FieldOption {
                                    value: "f".into(),
                                    label: text("F"),
                                },
                            ],
                            accept: vec![],
                            max_size_kb: None,
                            errors: BTreeMap::new(),
                        },
                        Field {
                            name: "pinfl".into(),
                            widget: Widget::Text,
                            label: text("PINFL"),
                            hint: None,
                            autocomplete: None,
                            prefill: None,
                            options: vec![],
                            accept: vec![],
                            max_size_kb: None,
                            errors: BTreeMap::new(),
                        },
                    ],
                }],
                rules: vec![],
            },
        )
    }

    #[test]
    fn a_consistent_form_has_no_problems() {
        assert_eq!(form().problems(), Vec::<String>::new());
    }

    #[test]
    fn options_that_disagree_with_the_enum_are_reported_with_location() {
        let mut f = form();
        f.presentation.steps[0].fields[2].options.pop();
        let problems = f.problems();
        assert!(
            problems
                .iter()
                .any(|p| p.starts_with("step[0].field[2] (sex): options")),
            "{problems:?}"
        );
    }

    #[test]
    fn each_field_reports_its_first_failed_rule() {
        let f = form();
        let compiled = f.compile().unwrap();
        let answers = json!({"name": "A", "born": "2024-02-30", "pinfl": "123"});
        let errors = compiled.validate(
            answers.as_object().unwrap(),
            &Context::on(day("2026-12-07")),
        );
        let by_field: BTreeMap<_, _> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.keyword.as_str()))
            .collect();
        assert_eq!(by_field.get("name"), Some(&"minLength"));
        assert_eq!(by_field.get("born"), Some(&"format"));
        assert_eq!(by_field.get("sex"), Some(&"required"));
        assert_eq!(by_field.get("pinfl"), Some(&"pattern"));
    }

    #[test]
    fn empty_answers_count_as_missing() {
        let f = form();
        assert_eq!(
            f.coerce(&f.presentation.steps[0].fields[0], Some("  ")),
            None
        );
    }
}
