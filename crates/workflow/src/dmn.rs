//! DMN decisions for business-rule tasks (`zeebe:calledDecision`), as Camunda Modeler saves
//! them: decision tables (hit policies UNIQUE, FIRST, ANY, COLLECT with or without SUM, MIN,
//! MAX, COUNT, RULE ORDER) and literal expressions, evaluated with the same FEEL library as
//! the process ([`crate::feel::Expressions`]).
//!
//! An input entry is a FEEL unary test (`< 18`, `[1..5]`, `"a","b"`, `not("c")`, `-`); it is
//! evaluated as `(input expression) in (test)`, which FEEL defines for positive unary tests.

use crate::feel::{ExprError, Expressions};
use crate::xml::{self, Node};
use serde_json::{Map, Value as Json};

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub id: String,
    pub name: Option<String>,
    pub line: usize,
    pub logic: Logic,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Logic {
    Table(Table),
    Literal { expression: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub hit_policy: String,
    pub aggregation: Option<String>,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub line: usize,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DmnError {
    #[error(transparent)]
    Xml(#[from] xml::XmlError),
    #[error("line {line}: {reason}")]
    Invalid { line: usize, reason: String },
    #[error("decision {decision:?}: {error}")]
    Expression { decision: String, error: ExprError },
    #[error("decision {decision:?}: hit policy UNIQUE, but rules {rules:?} all match")]
    NotUnique { decision: String, rules: Vec<usize> },
}

fn text(n: &Node) -> String {
    n.children
        .iter()
        .find(|c| c.name == "text")
        .map(|t| t.text.trim().to_owned())
        .unwrap_or_else(|| n.text.trim().to_owned())
}

fn invalid(line: usize, reason: impl Into<String>) -> DmnError {
    DmnError::Invalid {
        line,
        reason: reason.into(),
    }
}

/// Reads every decision of a DMN file (any DMN 1.x namespace and prefix).
pub fn read(source: &str) -> Result<Vec<Decision>, DmnError> {
    let root = xml::parse(source)?;
    if root.name != "definitions" || !root.ns.contains("DMN") {
        return Err(invalid(
            root.line,
            format!("the root element is <{}>, not DMN <definitions>", root.name),
        ));
    }
    let mut out = Vec::new();
    for d in root.children.iter().filter(|c| c.name == "decision") {
        let id = d
            .attr("id")
            .ok_or_else(|| invalid(d.line, "a decision needs an id"))?
            .to_owned();
        let logic = if let Some(t) = d.children.iter().find(|c| c.name == "decisionTable") {
            let inputs: Vec<String> = t
                .children
                .iter()
                .filter(|c| c.name == "input")
                .map(|i| {
                    i.children
                        .iter()
                        .find(|c| c.name == "inputExpression")
                        .map(text)
                        .filter(|s| !s.is_empty())
                        .ok_or_else(|| invalid(i.line, "an input needs an inputExpression"))
                })
                .collect::<Result<_, _>>()?;
            let outputs: Vec<String> = t
                .children
                .iter()
                .filter(|c| c.name == "output")
                .map(|o| {
                    o.attr("name")
                        .map(str::to_owned)
                        .ok_or_else(|| invalid(o.line, "an output needs a name"))
                })
                .collect::<Result<_, _>>()?;
            if outputs.is_empty() {
                return Err(invalid(t.line, "a decision table needs an output"));
            }
            let rules = t
                .children
                .iter()
                .filter(|c| c.name == "rule")
                .map(|r| {
                    let ins: Vec<String> = r
                        .children
                        .iter()
                        .filter(|c| c.name == "inputEntry")
                        .map(text)
                        .collect();
                    let outs: Vec<String> = r
                        .children
                        .iter()
                        .filter(|c| c.name == "outputEntry")
                        .map(text)
                        .collect();
                    if ins.len() != inputs.len() || outs.len() != outputs.len() {
                        return Err(invalid(
                            r.line,
                            format!(
                                "the rule has {} input and {} output entries; the table has {} inputs and {} outputs",
                                ins.len(),
                                outs.len(),
                                inputs.len(),
                                outputs.len()
                            ),
                        ));
                    }
                    Ok(Rule {
                        line: r.line,
                        inputs: ins,
                        outputs: outs,
                    })
                })
                .collect::<Result<_, _>>()?;
            let hit_policy = t.attr("hitPolicy").unwrap_or("UNIQUE").to_owned();
            if !["UNIQUE", "FIRST", "ANY", "COLLECT", "RULE ORDER"].contains(&hit_policy.as_str()) {
                return Err(invalid(
                    t.line,
                    format!("hit policy {hit_policy} is not supported (UNIQUE, FIRST, ANY, COLLECT, RULE ORDER are)"),
                ));
            }
            Logic::Table(Table {
                hit_policy,
                aggregation: t.attr("aggregation").map(str::to_owned),
                inputs,
                outputs,
                rules,
            })
        } else if let Some(l) = d.children.iter().find(|c| c.name == "literalExpression") {
            Logic::Literal {
                expression: text(l),
            }
        } else {
            return Err(invalid(
                d.line,
                "a decision needs a decisionTable or a literalExpression",
            ));
        };
        out.push(Decision {
            id,
            name: d.attr("name").map(str::to_owned),
            line: d.line,
            logic,
        });
    }
    if out.is_empty() {
        return Err(invalid(root.line, "the file defines no decision"));
    }
    Ok(out)
}

fn feel(text: &str) -> String {
    format!("={text}")
}

impl Decision {
    /// The decision's result for these variables: a table's single output as a value, several
    /// outputs as an object; COLLECT and RULE ORDER give a list (or the aggregate); no match
    /// gives `null`.
    pub fn evaluate(
        &self,
        variables: &Map<String, Json>,
        expr: &dyn Expressions,
    ) -> Result<Json, DmnError> {
        let err = |error| DmnError::Expression {
            decision: self.id.clone(),
            error,
        };
        let table = match &self.logic {
            Logic::Literal { expression } => {
                return expr.evaluate(&feel(expression), variables).map_err(err)
            }
            Logic::Table(t) => t,
        };
        let mut matched: Vec<(usize, Json)> = Vec::new();
        for (n, rule) in table.rules.iter().enumerate() {
            let mut all = true;
            for (input, test) in table.inputs.iter().zip(&rule.inputs) {
                let test = test.trim();
                if test.is_empty() || test == "-" {
                    continue;
                }
                let condition = match test.strip_prefix("not(").and_then(|t| t.strip_suffix(')')) {
                    Some(inner) => format!("not(({input}) in ({inner}))"),
                    None => format!("({input}) in ({test})"),
                };
                // A rule matches when every test is true; a test that is null (an input
                // missing or of another type) does not match, as in DMN and Camunda.
                if expr.evaluate(&feel(&condition), variables).map_err(err)? != Json::Bool(true) {
                    all = false;
                    break;
                }
            }
            if !all {
                continue;
            }
            let mut values = Map::new();
            for (name, out) in table.outputs.iter().zip(&rule.outputs) {
                let v = if out.trim().is_empty() {
                    Json::Null
                } else {
                    expr.evaluate(&feel(out), variables).map_err(err)?
                };
                values.insert(name.clone(), v);
            }
            let value = if values.len() == 1 {
                values
                    .into_iter()
                    .next()
                    .map(|(_, v)| v)
                    .unwrap_or(Json::Null)
            } else {
                Json::Object(values)
            };
            matched.push((n + 1, value));
            if table.hit_policy == "FIRST" {
                break;
            }
        }
        match table.hit_policy.as_str() {
            "COLLECT" | "RULE ORDER" => {
                let values: Vec<Json> = matched.into_iter().map(|(_, v)| v).collect();
                Ok(aggregate(table.aggregation.as_deref(), values))
            }
            "UNIQUE" if matched.len() > 1 => Err(DmnError::NotUnique {
                decision: self.id.clone(),
                rules: matched.iter().map(|(n, _)| *n).collect(),
            }),
            _ => Ok(matched
                .into_iter()
                .next()
                .map(|(_, v)| v)
                .unwrap_or(Json::Null)),
        }
    }
}

fn aggregate(how: Option<&str>, values: Vec<Json>) -> Json {
    let numbers = || values.iter().filter_map(Json::as_f64);
    let num = |f: f64| {
        serde_json::Number::from_f64(f)
            .map(|n| {
                if f.fract() == 0.0 && f.abs() < 1e15 {
                    Json::from(f as i64)
                } else {
                    Json::Number(n)
                }
            })
            .unwrap_or(Json::Null)
    };
    match how {
        Some("SUM") => num(numbers().sum()),
        Some("MIN") => numbers().reduce(f64::min).map(num).unwrap_or(Json::Null),
        Some("MAX") => numbers().reduce(f64::max).map(num).unwrap_or(Json::Null),
        Some("COUNT") => Json::from(values.len()),
        _ => Json::Array(values),
    }
}
