//! Expressions in process models: FEEL, written the way Camunda Modeler writes them — a leading
//! `=` marks an expression (`=amount > 1000`), anything else is a literal string.
//!
//! The engine sees only the [`Expressions`] trait; [`Feel`] implements it with dsntk's FEEL
//! parser and evaluator, so another evaluator can replace it without touching the engine.
//! Variables are JSON values, as process variables are stored.

use dsntk_feel::context::FeelContext;
use dsntk_feel::values::Value;
use dsntk_feel::{FeelNumber, FeelScope, Name};
use serde_json::{Map, Number, Value as Json};
use std::str::FromStr;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExprError {
    #[error("the expression {expression:?} does not parse: {message}")]
    Syntax { expression: String, message: String },
    #[error("the expression {expression:?} failed: {message}")]
    Evaluation { expression: String, message: String },
    #[error("the condition {expression:?} gave {found}, not true or false")]
    NotBoolean { expression: String, found: String },
}

/// What the engine needs from an expression language.
pub trait Expressions: Send + Sync {
    /// The value of an expression (or literal) given the variables in scope.
    fn evaluate(&self, expression: &str, variables: &Map<String, Json>) -> Result<Json, ExprError>;

    /// A sequence-flow condition: must be true or false; anything else is an error (an incident,
    /// in Camunda's words), never silently false.
    fn condition(
        &self,
        expression: &str,
        variables: &Map<String, Json>,
    ) -> Result<bool, ExprError> {
        match self.evaluate(expression, variables)? {
            Json::Bool(b) => Ok(b),
            other => Err(ExprError::NotBoolean {
                expression: expression.to_owned(),
                found: other.to_string(),
            }),
        }
    }
}

/// FEEL by dsntk.
#[derive(Debug, Default, Clone, Copy)]
pub struct Feel;

fn to_feel(v: &Json) -> Value {
    match v {
        Json::Null => Value::Null(None),
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => FeelNumber::from_str(&n.to_string())
            .map(Value::Number)
            .unwrap_or(Value::Null(None)),
        Json::String(s) => Value::String(s.clone()),
        Json::Array(a) => Value::List(a.iter().map(to_feel).collect()),
        Json::Object(o) => Value::Context(context(o)),
    }
}

fn context(vars: &Map<String, Json>) -> FeelContext {
    let mut ctx = FeelContext::default();
    for (k, v) in vars {
        ctx.set_entry(&Name::from(k.as_str()), to_feel(v));
    }
    ctx
}

/// Identifiers that follow a `.` in an expression (outside string literals).
fn path_names(expression: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_string = false;
    let chars: Vec<char> = expression.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '"' => in_string = !in_string,
            '.' if !in_string => {
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && (chars[end].is_alphanumeric() || chars[end] == '_') {
                    end += 1;
                }
                if end > start && !chars[start].is_ascii_digit() {
                    names.push(chars[start..end].iter().collect());
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    names
}

/// The variables with every null and every context extended by `names` (as nulls), recursively.
fn shape_of(vars: &Map<String, Json>, names: &[String]) -> Map<String, Json> {
    fn shape(v: &Json, names: &[String]) -> Json {
        match v {
            Json::Null => Json::Object(names.iter().map(|n| (n.clone(), Json::Null)).collect()),
            Json::Object(o) => {
                let mut m: Map<String, Json> = o
                    .iter()
                    .map(|(k, v)| (k.clone(), shape(v, names)))
                    .collect();
                for n in names {
                    m.entry(n.clone()).or_insert(Json::Null);
                }
                Json::Object(m)
            }
            Json::Array(a) => Json::Array(a.iter().map(|x| shape(x, names)).collect()),
            other => other.clone(),
        }
    }
    vars.iter()
        .map(|(k, v)| (k.clone(), shape(v, names)))
        .collect()
}

fn to_json(v: &Value, expression: &str) -> Result<Json, ExprError> {
    let fail = |message: String| ExprError::Evaluation {
        expression: expression.to_owned(),
        message,
    };
    Ok(match v {
        Value::Null(None) => Json::Null,
        Value::Null(Some(message)) => return Err(fail(message.clone())),
        Value::Boolean(b) => Json::Bool(*b),
        Value::String(s) => Json::String(s.clone()),
        Value::Number(n) => {
            let text = n.to_string();
            text.parse::<i64>()
                .map(Json::from)
                .ok()
                .or_else(|| {
                    text.parse::<f64>()
                        .ok()
                        .and_then(Number::from_f64)
                        .map(Json::Number)
                })
                .ok_or_else(|| fail(format!("the number {text} has no JSON form")))?
        }
        Value::List(items) => Json::Array(
            items
                .iter()
                .map(|i| to_json(i, expression))
                .collect::<Result<_, _>>()?,
        ),
        Value::Context(ctx) => {
            let mut m = Map::new();
            for (name, value) in ctx.iter() {
                m.insert(name.to_string(), to_json(value, expression)?);
            }
            Json::Object(m)
        }
        // Dates, times and durations travel as their ISO 8601 text, as Camunda stores them.
        Value::Date(_)
        | Value::DateTime(_)
        | Value::Time(_)
        | Value::DaysAndTimeDuration(_)
        | Value::YearsAndMonthsDuration(_) => Json::String(v.to_string()),
        other => {
            return Err(fail(format!(
                "a {} cannot be stored in a variable",
                other.type_of()
            )))
        }
    })
}

impl Expressions for Feel {
    fn evaluate(&self, expression: &str, variables: &Map<String, Json>) -> Result<Json, ExprError> {
        let Some(feel) = expression.trim_start().strip_prefix('=') else {
            return Ok(Json::String(expression.to_owned()));
        };
        let scope = FeelScope::default();
        scope.push(context(variables));
        // dsntk's parser consults the scope to tell names (which may contain spaces) from
        // keywords: in `then result.riskLevel else …` it must know `riskLevel` is a name, which
        // it cannot while `result` is null. So it parses against the variables' shape, where
        // every context (and every null) also knows the names the expression uses after a dot.
        let shape = FeelScope::default();
        shape.push(context(&shape_of(variables, &path_names(feel))));
        let ast = dsntk_feel_parser::parse_expression(&shape, feel.trim(), false).map_err(|e| {
            ExprError::Syntax {
                expression: expression.to_owned(),
                message: e.to_string(),
            }
        })?;
        let value = dsntk_feel_evaluator::evaluate(&scope, &ast);
        to_json(&value, expression)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(v: Json) -> Map<String, Json> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn the_conditions_of_c_9_0_evaluate_as_camunda_would() {
        let f = Feel;
        let red = vars(json!({"riskLevels": ["green", "red"], "approved": true}));
        let green = vars(json!({"riskLevels": ["green", "green"], "approved": false}));
        let yellow = vars(json!({"riskLevels": ["yellow", "yellow"], "approved": false}));
        assert!(f
            .condition("= some risk in riskLevels satisfies risk = \"red\"", &red)
            .unwrap());
        assert!(!f
            .condition("= some risk in riskLevels satisfies risk = \"red\"", &green)
            .unwrap());
        assert!(f.condition("= approved", &red).unwrap());
        assert!(f.condition("= not(approved)", &green).unwrap());
        assert!(f
            .condition(
                "= every risk in riskLevels satisfies risk = \"yellow\"",
                &yellow
            )
            .unwrap());
        assert!(!f
            .condition(
                "= every risk in riskLevels satisfies risk = \"yellow\"",
                &red
            )
            .unwrap());
    }

    #[test]
    fn mappings_build_values_and_literals_stay_text() {
        let f = Feel;
        let v = vars(
            json!({"result": null, "applicant": {"name": "Dilnoza", "email": "d@example.uz"}, "applicationNumber": 7}),
        );
        // C.9.0's output mapping, when the decision gave no result. (dsntk 0.3 cannot parse the
        // `!= null then result.riskLevel` form while `result` is null; this equivalent it can.)
        assert_eq!(
            f.evaluate(
                "= if result = null then [\"green\"] else result.riskLevel",
                &v
            )
            .unwrap(),
            json!(["green"])
        );
        let with = vars(json!({"result": {"riskLevel": ["red"]}}));
        assert_eq!(
            f.evaluate(
                "= if result != null then result.riskLevel else [\"green\"]",
                &with
            )
            .unwrap(),
            json!(["red"])
        );
        assert_eq!(
            f.evaluate(
                "= {\n \"name\": applicant.name,\n \"applicationNumber\": applicationNumber\n}",
                &v
            )
            .unwrap(),
            json!({"name": "Dilnoza", "applicationNumber": 7})
        );
        assert_eq!(
            f.evaluate("demo@camunda.com", &v).unwrap(),
            json!("demo@camunda.com")
        );
        assert_eq!(f.evaluate("= 1 + 2 * 3", &v).unwrap(), json!(7));
        assert_eq!(f.evaluate("= 10 / 4", &v).unwrap(), json!(2.5));
    }

    #[test]
    fn bad_expressions_are_errors_not_false() {
        let f = Feel;
        let v = Map::new();
        assert!(
            matches!(f.condition("= 1 +", &v), Err(ExprError::Syntax { .. })),
            "{:?}",
            f.condition("= 1 +", &v)
        );
        assert!(matches!(
            f.condition("= \"yes\"", &v),
            Err(ExprError::NotBoolean { .. })
        ));
        assert!(
            f.condition("= amount > 10", &v).is_err(),
            "an unknown variable is not silently false"
        );
    }
}
