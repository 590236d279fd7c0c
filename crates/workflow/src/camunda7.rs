//! Camunda 7 models, run unchanged: their `camunda:` extensions are read as the Camunda 8 ones
//! they correspond to, and plain JUEL (`${amount > 1000 && approved}`) is translated to FEEL.
//!
//! Read: external tasks (`camunda:type="external"`, `camunda:topic` → job type), user tasks'
//! `camunda:assignee`, `candidateGroups`, `candidateUsers`, `formKey`, `dueDate`,
//! `followUpDate`, `camunda:inputOutput` parameters, call activities' `camunda:in`/`camunda:out`,
//! business-rule tasks' `camunda:decisionRef`/`resultVariable`, multi-instance
//! `camunda:collection`/`elementVariable`. JUEL: variables and their properties, literals,
//! comparisons, boolean logic and arithmetic. Anything else — Java delegates, listeners,
//! scripts, method calls, `execution` — cannot run here and is refused with the reason, element
//! by element, by the check before deployment.

use crate::model::*;
use crate::xml::Node;

pub const CAMUNDA: &str = "http://camunda.org/schema/1.0/bpmn";

/// A text as Camunda 7 writes it: plain text stays a literal; `${…}` (or `#{…}`) becomes a
/// FEEL expression (`=…`); text with expressions inside becomes a FEEL concatenation.
pub fn translate(text: &str) -> Result<String, String> {
    if !text.contains("${") && !text.contains("#{") {
        return Ok(text.to_owned());
    }
    let mut parts: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("${").or_else(|| rest.find("#{")) {
        let at = match (rest.find("${"), rest.find("#{")) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            _ => at,
        };
        if at > 0 {
            parts.push(feel_string(&rest[..at]));
        }
        let body = &rest[at + 2..];
        let end = closing(body)
            .ok_or_else(|| format!("{text:?}: an expression is not closed with }}"))?;
        let feel = juel(&body[..end]).map_err(|e| format!("{text:?}: {e}"))?;
        parts.push(feel);
        rest = &body[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(feel_string(rest));
    }
    Ok(match parts.as_slice() {
        [one] => format!("={one}"),
        many => format!(
            "={}",
            many.iter()
                .map(|p| if p.starts_with('"') {
                    p.clone()
                } else {
                    format!("string({p})")
                })
                .collect::<Vec<_>>()
                .join(" + ")
        ),
    })
}

/// Where the `}` closing an expression is, outside its string literals.
fn closing(body: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut depth = 0usize;
    for (i, c) in body.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '{') => depth += 1,
            (None, '}') if depth == 0 => return Some(i),
            (None, '}') => depth -= 1,
            _ => {}
        }
    }
    None
}

fn feel_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    Number(String),
    Text(String),
    Op(&'static str),
    Open,
    Close,
}

const OPS: &[(&str, &str)] = &[
    ("==", "="),
    ("!=", "!="),
    ("<=", "<="),
    (">=", ">="),
    ("&&", "and"),
    ("||", "or"),
    ("<", "<"),
    (">", ">"),
    ("!", "not"),
    ("+", "+"),
    ("-", "-"),
    ("*", "*"),
    ("/", "/"),
    ("%", "%"),
];

const WORD_OPS: &[(&str, &str)] = &[
    ("and", "and"),
    ("or", "or"),
    ("not", "not"),
    ("eq", "="),
    ("ne", "!="),
    ("lt", "<"),
    ("gt", ">"),
    ("le", "<="),
    ("ge", ">="),
    ("div", "/"),
    ("mod", "%"),
];

fn tokens(src: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    'next: while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '(' || c == ')' {
            out.push(if c == '(' { Token::Open } else { Token::Close });
            i += 1;
            continue;
        }
        if c == '\'' || c == '"' {
            let mut text = String::new();
            i += 1;
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\\' && i + 1 < chars.len() {
                    i += 1;
                }
                text.push(chars[i]);
                i += 1;
            }
            if i >= chars.len() {
                return Err("a string is not closed".into());
            }
            i += 1;
            out.push(Token::Text(text));
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            out.push(Token::Number(chars[start..i].iter().collect()));
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if let Some((_, op)) = WORD_OPS.iter().find(|(w, _)| *w == word) {
                out.push(Token::Op(op));
            } else {
                out.push(Token::Name(word));
            }
            continue;
        }
        for (js, feel) in OPS {
            let n = js.chars().count();
            if chars[i..].iter().take(n).copied().eq(js.chars()) {
                out.push(Token::Op(feel));
                i += n;
                continue 'next;
            }
        }
        return Err(format!(
            "{c:?} is not plain JUEL here (variables, literals, comparisons, and/or/not, arithmetic)"
        ));
    }
    Ok(out)
}

/// Plain JUEL as FEEL; each binary operation in parentheses, so precedence carries over.
pub fn juel(src: &str) -> Result<String, String> {
    if src.chars().count() > crate::feel::MAX_LENGTH {
        return Err("the expression is too long".into());
    }
    let toks = tokens(src)?;
    let mut p = Parser {
        toks,
        at: 0,
        depth: 0,
    };
    let out = p.or()?;
    if p.at != p.toks.len() {
        return Err(format!("{src:?} has more after a whole expression"));
    }
    Ok(out)
}

struct Parser {
    toks: Vec<Token>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek_op(&self, ops: &[&str]) -> Option<&'static str> {
        match self.toks.get(self.at) {
            Some(Token::Op(o)) if ops.contains(o) => Some(o),
            _ => None,
        }
    }
    fn binary(
        &mut self,
        ops: &[&str],
        next: fn(&mut Parser) -> Result<String, String>,
    ) -> Result<String, String> {
        let mut left = next(self)?;
        while let Some(op) = self.peek_op(ops) {
            self.at += 1;
            let right = next(self)?;
            left = if op == "%" {
                format!("modulo({left}, {right})")
            } else {
                format!("({left} {op} {right})")
            };
        }
        Ok(left)
    }
    fn or(&mut self) -> Result<String, String> {
        self.binary(&["or"], Parser::and)
    }
    fn and(&mut self) -> Result<String, String> {
        self.binary(&["and"], Parser::equality)
    }
    fn equality(&mut self) -> Result<String, String> {
        self.binary(&["=", "!="], Parser::relation)
    }
    fn relation(&mut self) -> Result<String, String> {
        self.binary(&["<", ">", "<=", ">="], Parser::sum)
    }
    fn sum(&mut self) -> Result<String, String> {
        self.binary(&["+", "-"], Parser::product)
    }
    fn product(&mut self) -> Result<String, String> {
        self.binary(&["*", "/", "%"], Parser::unary)
    }
    fn unary(&mut self) -> Result<String, String> {
        self.depth += 1;
        if self.depth > crate::feel::MAX_NESTING {
            return Err("the expression nests too deep".into());
        }
        let out = match self.peek_op(&["not", "-"]) {
            Some("not") => {
                self.at += 1;
                format!("not({})", self.unary()?)
            }
            Some(_) => {
                self.at += 1;
                format!("(-{})", self.unary()?)
            }
            None => self.primary()?,
        };
        self.depth -= 1;
        Ok(out)
    }
    fn primary(&mut self) -> Result<String, String> {
        let t = self
            .toks
            .get(self.at)
            .cloned()
            .ok_or("the expression ends too early")?;
        self.at += 1;
        match t {
            Token::Number(n) => Ok(n),
            Token::Text(s) => Ok(feel_string(&s)),
            Token::Open => {
                let inner = self.or()?;
                match self.toks.get(self.at) {
                    Some(Token::Close) => {
                        self.at += 1;
                        Ok(format!("({inner})"))
                    }
                    _ => Err("a parenthesis is not closed".into()),
                }
            }
            Token::Name(name) => {
                let root = name.split('.').next().unwrap_or_default();
                if matches!(
                    root,
                    "execution" | "task" | "authenticatedUserId" | "variables"
                ) {
                    return Err(format!(
                        "{root} is the Camunda 7 engine's own object, which Yagona does not have"
                    ));
                }
                if matches!(self.toks.get(self.at), Some(Token::Open)) {
                    return Err(format!(
                        "{name}(…) calls a method: only plain JUEL (variables, literals, comparisons, and/or/not, arithmetic) runs here"
                    ));
                }
                if name.split('.').any(str::is_empty) {
                    return Err(format!("{name:?} is not a variable or a property of one"));
                }
                Ok(match name.as_str() {
                    "true" | "false" | "null" => name,
                    "empty" => return Err("`empty` is not supported; compare with null".into()),
                    _ => name,
                })
            }
            Token::Op(op) => Err(format!("{op:?} where a value was expected")),
            Token::Close => Err("a ) where a value was expected".into()),
        }
    }
}

/// Reads an element's Camunda 7 extensions into the Camunda 8 form the engine runs, and says
/// what of them cannot run here.
pub fn apply(n: &Node, kind: &Kind, z: &mut Zeebe, mi: &mut Option<MultiInstance>) -> Vec<String> {
    let mut refused = Vec::new();
    let attr = |name: &str| n.attr_ns(CAMUNDA, name).map(str::to_owned);
    let text = |what: &str, value: Option<String>, refused: &mut Vec<String>| {
        value.and_then(|v| match translate(&v) {
            Ok(t) => Some(t),
            Err(e) => {
                refused.push(format!("camunda:{what}: {e}"));
                None
            }
        })
    };
    for java in ["class", "delegateExpression", "expression"] {
        if attr(java).is_some() {
            refused.push(format!(
                "camunda:{java} runs Java code inside Camunda 7, which Yagona does not run: make it an external task (camunda:type=\"external\" camunda:topic=\"…\") for a job worker"
            ));
        }
    }
    if attr("type").as_deref() == Some("external") || attr("topic").is_some() {
        z.task_type = z.task_type.take().or(attr("topic"));
    } else if let Some(t) = attr("type") {
        refused.push(format!(
            "camunda:type={t:?} is a Camunda 7 connector; only external tasks run here"
        ));
    }
    if matches!(kind, Kind::UserTask) {
        z.assignee = z
            .assignee
            .take()
            .or(text("assignee", attr("assignee"), &mut refused));
        z.candidate_groups = z.candidate_groups.take().or(text(
            "candidateGroups",
            attr("candidateGroups"),
            &mut refused,
        ));
        z.candidate_users = z.candidate_users.take().or(text(
            "candidateUsers",
            attr("candidateUsers"),
            &mut refused,
        ));
        z.form_key = z.form_key.take().or(attr("formKey"));
        z.due_date = z
            .due_date
            .take()
            .or(text("dueDate", attr("dueDate"), &mut refused));
        z.follow_up_date =
            z.follow_up_date
                .take()
                .or(text("followUpDate", attr("followUpDate"), &mut refused));
    }
    if matches!(kind, Kind::BusinessRuleTask) {
        z.called_decision = z.called_decision.take().or(attr("decisionRef"));
    }
    if let Some(r) = attr("resultVariable") {
        z.result_variable.get_or_insert(r);
    }
    if matches!(kind, Kind::ScriptTask) && z.script.is_none() {
        let format = n
            .attr("scriptFormat")
            .unwrap_or_default()
            .to_ascii_lowercase();
        let body = n
            .child(crate::model::BPMN, "script")
            .map(|s| s.text.trim().to_owned())
            .unwrap_or_default();
        match format.as_str() {
            "juel" => match juel(body.trim_start_matches("${").trim_end_matches('}')) {
                Ok(f) => z.script = Some(format!("={f}")),
                Err(e) => refused.push(format!("script: {e}")),
            },
            "feel" => z.script = Some(format!("={body}")),
            "" => {}
            other => refused.push(format!(
                "a script in {other} cannot run here: write it as a FEEL expression (zeebe:script) or make it an external task"
            )),
        }
    }
    if let Some(ext) = n.child(crate::model::BPMN, "extensionElements") {
        for d in ext.children.iter().filter(|d| d.ns == CAMUNDA) {
            match d.name.as_str() {
                "inputOutput" => {
                    for p in d.children.iter().filter(|p| p.ns == CAMUNDA) {
                        let Some(name) = p.attr("name").map(str::to_owned) else {
                            continue;
                        };
                        if p.children.iter().any(|c| c.ns == CAMUNDA) {
                            refused.push(format!(
                                "camunda:{} {name:?}: lists, maps and scripts in parameters are not supported; write a FEEL expression",
                                p.name
                            ));
                            continue;
                        }
                        let Some(source) = text(&p.name, Some(p.text.trim().to_owned()), &mut refused)
                        else {
                            continue;
                        };
                        // A literal parameter is a FEEL string, as Camunda 7 gives it.
                        let source = if source.starts_with('=') {
                            source
                        } else {
                            format!("={}", feel_string(&source))
                        };
                        let mapping = Mapping {
                            source,
                            target: name,
                        };
                        match p.name.as_str() {
                            "inputParameter" => z.inputs.push(mapping),
                            "outputParameter" => z.outputs.push(mapping),
                            _ => {}
                        }
                    }
                }
                "in" | "out" if matches!(kind, Kind::CallActivity) => {
                    if d.attr("variables") == Some("all") || d.attr("businessKey").is_some() {
                        continue; // Yagona's default: all variables, the caller's business key
                    }
                    let source = d
                        .attr("source")
                        .map(|s| format!("={s}"))
                        .or_else(|| d.attr("sourceExpression").and_then(|s| text(d.name.as_str(), Some(s.to_owned()), &mut refused)));
                    match (source, d.attr("target")) {
                        (Some(source), Some(target)) => {
                            let m = Mapping {
                                source,
                                target: target.to_owned(),
                            };
                            if d.name == "in" {
                                z.inputs.push(m);
                            } else {
                                z.outputs.push(m);
                            }
                        }
                        _ => refused.push(format!("camunda:{} needs source and target", d.name)),
                    }
                }
                "executionListener" | "taskListener" => refused.push(format!(
                    "camunda:{} runs code on the Camunda 7 engine's events; model the work as a task instead",
                    d.name
                )),
                "connector" => refused.push(
                    "camunda:connector (Camunda 7 connectors) is not supported; make it an external task".into(),
                ),
                "formData" => refused.push(
                    "camunda:formData (generated forms) is not supported; give the task a camunda:formKey".into(),
                ),
                _ => {} // properties, failedJobRetryTimeCycle and the like describe, they do not run
            }
        }
    }
    if let Some(m) = n.child(crate::model::BPMN, "multiInstanceLoopCharacteristics") {
        let collection = m.attr_ns(CAMUNDA, "collection").map(|c| {
            if c.contains("${") || c.contains("#{") {
                translate(c)
            } else {
                Ok(format!("={c}")) // a variable's name
            }
        });
        if let Some(mi) = mi.as_mut() {
            match collection {
                Some(Ok(c)) if mi.input_collection.is_none() => mi.input_collection = Some(c),
                Some(Err(e)) => refused.push(format!("camunda:collection: {e}")),
                _ => {}
            }
            if mi.input_element.is_none() {
                mi.input_element = m.attr_ns(CAMUNDA, "elementVariable").map(str::to_owned);
            }
            if let Some(c) = mi.completion_condition.take() {
                match translate(&c) {
                    Ok(t) => mi.completion_condition = Some(t),
                    Err(e) => refused.push(format!("completionCondition: {e}")),
                }
            }
            if mi.input_collection.is_none()
                && m.child(crate::model::BPMN, "loopCardinality").is_some()
            {
                refused.push(
                    "loopCardinality: give the multi-instance a collection to go through instead"
                        .into(),
                );
            }
        }
    }
    refused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_juel_becomes_feel() {
        for (juel_text, feel) in [
            ("${amount > 1000}", "=(amount > 1000)"),
            (
                "${amount gt 1000 && approved}",
                "=((amount > 1000) and approved)",
            ),
            ("${!approved}", "=not(approved)"),
            ("${not (a || b)}", "=not(((a or b)))"),
            ("${status == 'rejected'}", "=(status = \"rejected\")"),
            ("${applicant.age ge 18}", "=(applicant.age >= 18)"),
            ("${a + b * 2}", "=(a + (b * 2))"),
            ("${n % 2 eq 0}", "=(modulo(n, 2) = 0)"),
            ("${x != null}", "=(x != null)"),
            (
                "Dear ${name}, done",
                "=\"Dear \" + string(name) + \", done\"",
            ),
            ("plain text", "plain text"),
            ("${reviewers}", "=reviewers"),
        ] {
            assert_eq!(translate(juel_text).as_deref(), Ok(feel), "{juel_text}");
            assert_eq!(crate::feel::syntax(feel), Ok(()), "{feel}");
        }
    }

    #[test]
    fn anything_else_is_refused_with_a_reason() {
        for (bad, says) in [
            ("${execution.getVariable('x')}", "engine's own object"),
            ("${execution.processBusinessKey}", "engine's own object"),
            ("${bean.check(order)}", "calls a method"),
            ("${a ? b : c}", "'?' is not plain JUEL"),
            ("${items[0]}", "'[' is not plain JUEL"),
            ("${empty list}", "`empty` is not supported"),
            ("${a > }", "ends too early"),
            ("${a", "not closed"),
        ] {
            let err = translate(bad).unwrap_err();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
