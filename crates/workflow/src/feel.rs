//! Expressions in process models: FEEL, written the way Camunda Modeler writes them — a leading
//! `=` marks an expression (`=amount > 1000`), anything else is a literal string.
//!
//! The engine sees only the [`Expressions`] trait; [`Feel`] implements it with dsntk's FEEL
//! parser and evaluator, so another evaluator can replace it without touching the engine.
//! Variables are JSON values, as process variables are stored.

mod nulls;

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
    /// The value of an expression (or literal) given the variables in scope, with the reason
    /// it is null where evaluation gave up along the way. Only an expression that does not
    /// parse is an error: evaluation is null-friendly, as FEEL in Camunda 8 is.
    fn evaluate_traced(
        &self,
        expression: &str,
        variables: &Map<String, Json>,
    ) -> Result<(Json, Option<String>), ExprError>;

    /// The value of an expression (or literal) given the variables in scope.
    fn evaluate(&self, expression: &str, variables: &Map<String, Json>) -> Result<Json, ExprError> {
        self.evaluate_traced(expression, variables).map(|(v, _)| v)
    }

    /// A sequence-flow condition: must be true or false; anything else (null included) is an
    /// error (an incident, in Camunda's words), never silently false.
    fn condition(
        &self,
        expression: &str,
        variables: &Map<String, Json>,
    ) -> Result<bool, ExprError> {
        match self.evaluate_traced(expression, variables)? {
            (Json::Bool(b), _) => Ok(b),
            (other, warning) => Err(ExprError::NotBoolean {
                expression: expression.to_owned(),
                found: match warning {
                    Some(w) => format!("{other} ({w})"),
                    None => other.to_string(),
                },
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

/// FEEL's keywords: never variables.
const KEYWORDS: &[&str] = &[
    "and",
    "or",
    "not",
    "if",
    "then",
    "else",
    "for",
    "in",
    "return",
    "some",
    "every",
    "satisfies",
    "instance",
    "of",
    "between",
    "null",
    "true",
    "false",
    "function",
    "external",
];

/// The words of the built-in functions whose names have several words (`upper case`,
/// `get or else`): filling a missing variable named like one of them would split the name.
const NAME_WORDS: &[&str] = &[
    "string",
    "length",
    "upper",
    "lower",
    "case",
    "substring",
    "before",
    "after",
    "starts",
    "ends",
    "with",
    "join",
    "list",
    "contains",
    "insert",
    "index",
    "distinct",
    "values",
    "date",
    "time",
    "years",
    "months",
    "duration",
    "day",
    "year",
    "week",
    "month",
    "get",
    "value",
    "entries",
    "context",
    "put",
    "merge",
    "round",
    "up",
    "down",
    "half",
    "overlaps",
    "finished",
    "started",
    "met",
    "by",
    "is",
    "defined",
    "empty",
    "blank",
    "duplicate",
    "last",
    "trim",
    "partition",
];

/// The names an expression uses as variables: identifiers outside string literals that do not
/// follow a `.` (a path) and are not called (`f(`); `strict` leaves out the words of
/// multi-word function names.
fn identifiers(expression: &str, strict: bool) -> Vec<String> {
    let chars: Vec<char> = expression.chars().collect();
    let mut names = Vec::new();
    let mut i = 0;
    let mut in_string = false;
    let mut after_dot = false;
    let mut run: Vec<String> = Vec::new();
    while i < chars.len() {
        let c = chars[i];
        if c != ' ' && !(c.is_alphanumeric() || c == '_' || c == '?') {
            run.clear();
        }
        if in_string {
            if c == '\\' {
                i += 1;
            } else if c == '"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if c == '"' {
            in_string = true;
            i += 1;
            continue;
        }
        if c.is_alphabetic() || c == '_' || c == '?' {
            let start = i;
            i += 1;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '?')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let called = chars[i..].iter().find(|c| !c.is_whitespace()) == Some(&'(');
            // `?` is the item of a filter, never a variable.
            let keyword = KEYWORDS.contains(&word.as_str()) || word == "?";
            let name_word = strict && NAME_WORDS.contains(&word.as_str());
            if !after_dot && !called && !keyword && !name_word && !names.contains(&word) {
                names.push(word.clone());
            }
            // FEEL names may have spaces (`Current Vacation Status`): the run of words so far.
            if keyword || after_dot {
                run.clear();
            } else {
                run.push(word);
                if run.len() > 1 && !strict {
                    let joined = run.join(" ");
                    if !names.contains(&joined) {
                        names.push(joined);
                    }
                }
            }
            after_dot = false;
            continue;
        }
        if !c.is_whitespace() {
            after_dot = c == '.';
        }
        i += 1;
    }
    names
}

/// Camunda's functions beyond the DMN standard library, written in FEEL: they take part in
/// parsing and evaluation as any built-in does. `is defined` cannot tell a variable set to null
/// from one that does not exist (Yagona gives both as null), so it answers as `!= null`.
const CAMUNDA_FUNCTIONS: &str = r#"{
  is defined: function(value) value != null,
  get or else: function(value, default) if value = null then default else value,
  is empty: function(list) count(list) = 0,
  trim: function(string) replace(string, "^\s+|\s+$", ""),
  is blank: function(string) replace(string, "^\s+|\s+$", "") = "",
  duplicate values: function(list) distinct values(list[count(index of(list, item)) > 1]),
  last day of month: function(d) date(d.year, d.month, 1) + duration("P1M") - duration("P1D")
}"#;

/// The context of [`CAMUNDA_FUNCTIONS`], evaluated once.
fn camunda_functions() -> FeelContext {
    static FUNCTIONS: std::sync::OnceLock<Option<Value>> = std::sync::OnceLock::new();
    let value = FUNCTIONS.get_or_init(|| {
        let scope = FeelScope::default();
        let ast = dsntk_feel_parser::parse_expression(&scope, CAMUNDA_FUNCTIONS, false).ok()?;
        Some(dsntk_feel_evaluator::evaluate(&scope, &ast))
    });
    match value {
        Some(Value::Context(ctx)) => ctx.clone(),
        _ => FeelContext::default(),
    }
}

/// A FEEL value as JSON. FEEL is null-friendly, as in Camunda 8: what failed along the way
/// (no such variable, no such key, a wrong type, a failed function) is null, and the first
/// reason is kept in `warnings` for whoever reports a null where it cannot go on.
fn to_json(v: &Value, warnings: &mut Vec<String>) -> Json {
    match v {
        Value::Null(None) => Json::Null,
        Value::Null(Some(message)) => {
            warnings.push(message.clone());
            Json::Null
        }
        Value::Boolean(b) => Json::Bool(*b),
        Value::String(s) => Json::String(s.clone()),
        Value::Number(n) => {
            let text = n.to_string();
            match text.parse::<i64>() {
                Ok(i) => Json::from(i),
                Err(_) => match text.parse::<f64>().ok().and_then(Number::from_f64) {
                    Some(n) => Json::Number(n),
                    None => {
                        warnings.push(format!("the number {text} has no JSON form"));
                        Json::Null
                    }
                },
            }
        }
        Value::List(items) => Json::Array(items.iter().map(|i| to_json(i, warnings)).collect()),
        Value::Context(ctx) => Json::Object(
            ctx.iter()
                .map(|(name, value)| (name.to_string(), to_json(value, warnings)))
                .collect(),
        ),
        // Dates, times and durations travel as their ISO 8601 text, as Camunda stores them.
        Value::Date(_)
        | Value::DateTime(_)
        | Value::Time(_)
        | Value::DaysAndTimeDuration(_)
        | Value::YearsAndMonthsDuration(_) => Json::String(v.to_string()),
        other => {
            warnings.push(format!(
                "a {} cannot be stored in a variable",
                other.type_of()
            ));
            Json::Null
        }
    }
}

/// Parses a FEEL expression (without its leading `=`) against a scope where every name it uses
/// is known, so that dsntk's parser, which needs to know names to tell them from keywords, reads
/// it the way it would read it with those variables set. First with the names that are not
/// words of function names, then with all of them.
/// The longest expression read, in characters, and the deepest nesting of brackets: dsntk's
/// parser and evaluator recurse on the expression's structure, and a condition of 5,000 terms or
/// 2,000 nested lists would overflow a thread's stack and abort the node. Real conditions and
/// mappings are far smaller.
pub const MAX_LENGTH: usize = 4_000;
pub const MAX_NESTING: usize = 64;

/// Why an expression is too big to read safely, if it is.
fn too_big(feel: &str) -> Option<String> {
    let length = feel.chars().count();
    if length > MAX_LENGTH {
        return Some(format!(
            "the expression is {length} characters long, more than the limit of {MAX_LENGTH}"
        ));
    }
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for c in feel.chars() {
        if in_string {
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => escaped = false,
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '[' | '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    (deepest > MAX_NESTING).then(|| {
        format!(
            "the expression nests {deepest} brackets deep, more than the limit of {MAX_NESTING}"
        )
    })
}

fn parse(
    feel: &str,
    variables: &Map<String, Json>,
) -> Result<(dsntk_feel_parser::AstNode, Map<String, Json>), String> {
    if let Some(why) = too_big(feel) {
        return Err(why);
    }
    let mut first_error = None;
    for strict in [true, false] {
        let mut filled = variables.clone();
        for name in identifiers(feel, strict) {
            filled.entry(name).or_insert(Json::Null);
        }
        let shape = FeelScope::default();
        shape.push(camunda_functions());
        shape.push(context(&shape_of(&filled, &path_names(feel))));
        match dsntk_feel_parser::parse_expression(&shape, feel.trim(), false) {
            Ok(ast) => return Ok((nulls::rewrite(ast), filled)),
            Err(e) => {
                first_error.get_or_insert(e.to_string());
            }
        }
    }
    Err(first_error.unwrap_or_default())
}

/// An expression as an error message shows it: whole when short, its start when long.
fn shown(expression: &str) -> String {
    match expression.char_indices().nth(120) {
        Some((at, _)) => format!("{}…", &expression[..at]),
        None => expression.to_owned(),
    }
}

/// Does an expression parse? A literal (no leading `=`) always does. For checking models
/// before they deploy.
pub fn syntax(expression: &str) -> Result<(), ExprError> {
    match expression.trim_start().strip_prefix('=') {
        None => Ok(()),
        Some(feel) if feel.trim().is_empty() => Err(ExprError::Syntax {
            expression: shown(expression),
            message: "the expression is empty".into(),
        }),
        Some(feel) => parse(feel, &Map::new())
            .map(|_| ())
            .map_err(|message| ExprError::Syntax {
                expression: shown(expression),
                message,
            }),
    }
}

impl Expressions for Feel {
    fn evaluate_traced(
        &self,
        expression: &str,
        variables: &Map<String, Json>,
    ) -> Result<(Json, Option<String>), ExprError> {
        let Some(feel) = expression.trim_start().strip_prefix('=') else {
            return Ok((Json::String(expression.to_owned()), None));
        };
        let (ast, filled) = parse(feel, variables).map_err(|message| ExprError::Syntax {
            expression: shown(expression),
            message,
        })?;
        let scope = FeelScope::default();
        scope.push(camunda_functions());
        scope.push(context(&filled));
        let value = dsntk_feel_evaluator::evaluate(&scope, &ast);
        let mut warnings = Vec::new();
        let json = to_json(&value, &mut warnings);
        Ok((json, warnings.into_iter().next()))
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

    /// The examples of Camunda 8.8's "Error handling" page (language guide): what goes wrong
    /// is null, and nulls flow through operators.
    #[test]
    fn null_friendly_as_camundas_error_handling_page_shows() {
        let f = Feel;
        let none = Map::new();
        assert_eq!(f.evaluate("= a.b > 10", &none).unwrap(), Json::Null);
        assert_eq!(
            f.evaluate("= [{a: 1}, {b: 2}].a", &none).unwrap(),
            json!([1, null])
        );
        assert_eq!(
            f.evaluate("= [{a: 1}, {b: 2}][a < 10]", &none).unwrap(),
            json!([{"a": 1}])
        );
        assert_eq!(
            f.evaluate("= a != null and a.b > 10", &none).unwrap(),
            json!(false)
        );
        assert_eq!(
            f.evaluate("= get or else(a, \"prio-99\")", &none).unwrap(),
            json!("prio-99")
        );
        assert_eq!(
            f.evaluate(
                "= get or else(a, \"prio-99\")",
                &vars(json!({"a": "prio-1"}))
            )
            .unwrap(),
            json!("prio-1")
        );
        assert_eq!(f.evaluate("= not(null)", &none).unwrap(), Json::Null);
        // "No variable exists with the given name": MIWG C.9.0's `= corporation`.
        assert_eq!(f.evaluate("= corporation", &none).unwrap(), Json::Null);
        // "A value is compared to another value of a different type", "an operation is not
        // defined for the given values", "a function can't be invoked with the arguments".
        let v = vars(json!({"n": 1, "s": "x", "o": {"k": 2}}));
        assert_eq!(f.evaluate("= s > 1", &v).unwrap(), Json::Null);
        assert_eq!(f.evaluate("= n + \"x\"", &v).unwrap(), Json::Null);
        assert_eq!(f.evaluate("= upper case(n)", &v).unwrap(), Json::Null);
        assert_eq!(f.evaluate("= o.missing", &v).unwrap(), Json::Null);
        assert_eq!(
            f.evaluate("= if missing then 1 else 2", &v).unwrap(),
            json!(2)
        );
        // A missing variable is null, so a null check says so.
        assert_eq!(f.evaluate("= x = null", &none).unwrap(), json!(true));
        // Compared with a value, null is unequal to it, on either side ("Equality" in the
        // language guide: `null = 1` is false).
        assert_eq!(
            f.evaluate("= x = \"rejected\"", &none).unwrap(),
            json!(false)
        );
        assert_eq!(
            f.evaluate("= \"rejected\" = x", &none).unwrap(),
            json!(false)
        );
        assert_eq!(
            f.evaluate("= x != \"rejected\"", &none).unwrap(),
            json!(true)
        );
        assert_eq!(f.evaluate("= null != null", &none).unwrap(), json!(false));
        assert_eq!(
            f.evaluate("= some v in [null, \"a\"] satisfies v = \"a\"", &none)
                .unwrap(),
            json!(true)
        );
        assert_eq!(f.evaluate("= s = \"x\"", &v).unwrap(), json!(true));
        assert_eq!(f.evaluate("= o = {k: 2}", &v).unwrap(), json!(true));
    }

    /// Camunda's extension functions, with the examples of its built-in function pages.
    #[test]
    fn camundas_extension_functions() {
        let f = Feel;
        let none = Map::new();
        let eval = |e: &str| f.evaluate(e, &none).unwrap();
        assert_eq!(eval("= is defined(1)"), json!(true));
        assert_eq!(eval("= is defined(x)"), json!(false));
        assert_eq!(eval("= is defined(x.y)"), json!(false));
        assert_eq!(eval("= is empty([])"), json!(true));
        assert_eq!(eval("= is empty([1,2,3])"), json!(false));
        assert_eq!(eval("= trim(\"  hello world  \")"), json!("hello world"));
        assert_eq!(eval("= is blank(\"\")"), json!(true));
        assert_eq!(eval("= is blank(\"  \")"), json!(true));
        assert_eq!(eval("= is blank(\"hello world\")"), json!(false));
        assert_eq!(eval("= duplicate values([1,2,3,2,1])"), json!([1, 2]));
        assert_eq!(
            eval("= last day of month(date(\"2022-10-01\"))"),
            json!("2022-10-31")
        );
        assert_eq!(
            eval("= last day of month(date(\"2024-02-10\"))"),
            json!("2024-02-29")
        );
    }

    #[test]
    fn syntax_is_checked_without_variables() {
        for ok in [
            "= corporation",
            "= if result != null then result.riskLevel else [\"green\"]",
            "= some risk in riskLevels satisfies risk = \"red\"",
            "= upper case(applicant.name)",
            "= date(submittedAt) + duration(\"P10D\")",
            "= {\n \"name\": applicant.name,\n \"n\": applicationNumber\n}",
            "= if amount > 1000 then \"large\" else \"small\"",
            "PT1H",
            "plain text",
        ] {
            assert_eq!(syntax(ok), Ok(()), "{ok}");
        }
        for bad in [
            "= 1 +",
            "= amount >",
            "= \"unterminated",
            "= (a",
            "= 1 ++ 2",
            "=",
        ] {
            assert!(syntax(bad).is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn expressions_too_big_to_read_safely_are_refused_not_a_crash() {
        let long = format!("={}", vec!["1"; 5_000].join("+"));
        let err = syntax(&long).unwrap_err().to_string();
        assert!(err.contains("more than the limit of 4000"), "{err}");
        assert!(Feel.evaluate(&long, &Map::new()).is_err());
        assert!(
            err.len() < 400,
            "the error does not repeat the whole expression: {err}"
        );
        let deep = format!("={}1{}", "[".repeat(1_000), "]".repeat(1_000));
        let err = syntax(&deep).unwrap_err().to_string();
        assert!(err.contains("nests 1000 brackets deep"), "{err}");
        // Brackets inside a string are text.
        let text = format!("=\"{}\"", "[".repeat(100));
        assert_eq!(syntax(&text), Ok(()));
        let fine = format!("={}1{}", "[".repeat(60), "]".repeat(60));
        assert_eq!(syntax(&fine), Ok(()));
    }
}
