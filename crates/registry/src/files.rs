//! The registry as files: reading a folder (with every problem located), and writing one.
//!
//! The format is documented in `registry/README.md` at the repository root.

use crate::model::*;
use serde::de::DeserializeOwned;
use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use yagona_calendar::YearCalendar;
use yagona_core::{Code, I18nText};
use yagona_forms::{FormDefinition, Presentation};

/// One thing wrong with a registry folder: which file, where in it, and what.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: PathBuf,
    /// `line:column` for syntax and type errors, a key path (`name.ru`, `step[0].field[2]`) for
    /// rules across keys; empty when the problem is the file as a whole.
    pub location: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location.is_empty() {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}: {}",
                self.file.display(),
                self.location,
                self.message
            )
        }
    }
}

/// Reads a TOML file of a registry folder at `root`; a file that cannot be read, or a syntax or
/// type error, is one [`Problem`] (located by line and column where it can be).
pub fn toml_file<T: DeserializeOwned>(root: &Path, path: &Path) -> Result<T, Problem> {
    let file = path.strip_prefix(root).unwrap_or(path).to_path_buf();
    let source = std::fs::read_to_string(path).map_err(|e| Problem {
        file: file.clone(),
        location: String::new(),
        message: format!("cannot read: {e}"),
    })?;
    toml::from_str::<T>(&source).map_err(|e| Problem {
        file,
        location: e
            .span()
            .map(|s| {
                let (l, c) = line_col(&source, s.start);
                format!("{l}:{c}")
            })
            .unwrap_or_default(),
        // Some syntax errors come without words (a file cut short in a string, say).
        message: match e.message().trim() {
            "" => "this is not valid TOML here (is the file cut short?)".to_owned(),
            m => m.to_owned(),
        },
    })
}

struct Reader<'a> {
    root: &'a Path,
    problems: Vec<Problem>,
    /// What runs but looks wrong (a process model's structural warnings).
    warnings: Vec<Problem>,
}

fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(source.len());
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    let before = &source[..end];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, col)
}

impl Reader<'_> {
    fn rel(&self, path: &Path) -> PathBuf {
        path.strip_prefix(self.root).unwrap_or(path).to_path_buf()
    }

    fn warning(&mut self, path: &Path, location: impl Into<String>, message: impl Into<String>) {
        let file = self.rel(path);
        self.warnings.push(Problem {
            file,
            location: location.into(),
            message: message.into(),
        });
    }

    fn problem(&mut self, path: &Path, location: impl Into<String>, message: impl Into<String>) {
        let file = self.rel(path);
        self.problems.push(Problem {
            file,
            location: location.into(),
            message: message.into(),
        });
    }

    fn read(&mut self, path: &Path) -> Option<String> {
        match std::fs::read_to_string(path) {
            Ok(s) => Some(s),
            Err(e) => {
                self.problem(path, "", format!("cannot read: {e}"));
                None
            }
        }
    }

    fn toml<T: DeserializeOwned>(&mut self, path: &Path) -> Option<T> {
        match toml_file(self.root, path) {
            Ok(v) => Some(v),
            Err(p) => {
                self.problems.push(p);
                None
            }
        }
    }

    fn json(&mut self, path: &Path) -> Option<serde_json::Value> {
        let source = self.read(path)?;
        match serde_json::from_str(&source) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(path, format!("{}:{}", e.line(), e.column()), e.to_string());
                None
            }
        }
    }

    fn texts(&mut self, path: &Path, items: &[(&str, Option<&I18nText>)]) {
        for (key, text) in items {
            if let Some(text) = text {
                for l in text.missing() {
                    self.problem(
                        path,
                        format!("{key}.{}", l.tag()),
                        "text is missing in this language",
                    );
                }
            }
        }
    }

    fn code_matches(&mut self, path: &Path, code: &Code, expected: &str) {
        if code.as_str() != expected {
            self.problem(
                path,
                "code",
                format!(
                    "code {:?} must match the file or folder name {expected:?}",
                    code.as_str()
                ),
            );
        }
    }
}

/// A service's process must read, be runnable, and have the service's code as its id.
fn check_process(
    r: &mut Reader<'_>,
    path: &Path,
    bpmn: &str,
    code: &str,
    decisions: &BTreeSet<String>,
    processes: &BTreeSet<String>,
) {
    let defs = match yagona_workflow::read(bpmn) {
        Ok(d) => d,
        Err(e) => {
            r.problem(path, format!("line {}", e.line()), e.to_string());
            return;
        }
    };
    let known = yagona_workflow::check::Known {
        processes: Some(processes.clone()),
        decisions: Some(decisions.clone()),
    };
    for f in yagona_workflow::check::check_against(&defs, &known) {
        if f.blocks() {
            r.problem(
                path,
                format!("line {}", f.line),
                format!("{} ({}): {}", f.id, f.element, f.reason),
            );
        } else {
            r.warning(
                path,
                format!("line {}", f.line),
                format!("{} ({}): {}", f.id, f.element, f.reason),
            );
        }
    }
    if !defs.processes.iter().any(|p| p.executable && p.id == code) {
        r.problem(
            path,
            "process",
            format!("no executable process with id {code:?} (the service's code)"),
        );
    }
}

/// A service's result template, beside its passport.
pub const RESULT_FILE: &str = "result.toml";

/// The most rows a one-page result holds.
pub const MAX_RESULT_ROWS: usize = 16;

/// A result template's texts are in four languages, its values are FEEL that parses, and an
/// `option` row names a field of the form that has options.
fn check_result(r: &mut Reader<'_>, path: &Path, t: &ResultTemplate, form: &FormDefinition) {
    r.texts(path, &[("title", Some(&t.title))]);
    if t.rows.is_empty() {
        r.problem(path, "row", "a result document has at least one row");
    }
    if t.rows.len() > MAX_RESULT_ROWS {
        r.problem(
            path,
            "row",
            format!("at most {MAX_RESULT_ROWS} rows fit on the one page of a result"),
        );
    }
    let mut feel = Vec::new();
    if let Some(a) = &t.assign_pinfl {
        feel.push(("assign_pinfl.sex".to_owned(), a.sex.as_str()));
        feel.push(("assign_pinfl.birth_date".to_owned(), a.birth_date.as_str()));
    }
    for (i, row) in t.rows.iter().enumerate() {
        r.texts(path, &[(&format!("row[{i}].label"), Some(&row.label))]);
        feel.push((format!("row[{i}].value"), row.value.as_str()));
        match (row.format, &row.field) {
            (ValueFormat::Option, None) => r.problem(
                path,
                format!("row[{i}].field"),
                "an option row names the form field whose options it shows",
            ),
            (ValueFormat::Option, Some(f)) => {
                if form.field(f).is_none_or(|f| f.options.is_empty()) {
                    r.problem(
                        path,
                        format!("row[{i}].field"),
                        format!("the form has no field {f:?} with options"),
                    );
                }
            }
            (_, Some(_)) => r.problem(
                path,
                format!("row[{i}].field"),
                "only an option row (format = \"option\") names a field",
            ),
            (_, None) => {}
        }
    }
    for (location, expression) in feel {
        if !expression.trim_start().starts_with('=') {
            r.problem(
                path,
                location,
                "a value is a FEEL expression: start it with =",
            );
        } else if let Err(e) = yagona_workflow::feel::syntax(expression) {
            r.problem(path, location, e.to_string());
        }
    }
}

/// Where a registry folder declares its fact sources.
pub const FACTS_FILE: &str = "facts.toml";

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Facts {
    #[serde(default)]
    source: Vec<FactSource>,
}

/// A rule's problem located by the line of its `[[rule]]` table (`line 12 (rule[0].when)`);
/// any other location as it is.
fn rule_line(source: &str, location: &str) -> String {
    let Some(index) = location
        .strip_prefix("rule[")
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(n, _)| n.parse::<usize>().ok())
    else {
        return location.to_owned();
    };
    source
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[rule]]")
        .nth(index)
        .map(|(n, _)| format!("line {} ({location})", n + 1))
        .unwrap_or_else(|| location.to_owned())
}

/// The answers that identify an application's subject must be answers of its form, and a way
/// to treat duplicates needs them.
fn check_identity(r: &mut Reader<'_>, path: &Path, p: &ServicePassport, form: &FormDefinition) {
    for (i, name) in p.identify_by.iter().enumerate() {
        if form.field(name).is_none() {
            r.problem(
                path,
                format!("identify_by[{i}]"),
                format!("the form shows no field {name:?}"),
            );
        }
    }
    if p.on_duplicate.is_some() && p.identify_by.is_empty() {
        r.problem(
            path,
            "on_duplicate",
            "name the answers that identify the application's subject (identify_by)",
        );
    }
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// Reads a registry folder. Returns the registry only when it has no problems at all; otherwise
/// every problem found (reading goes on past the first, so one run shows them all).
pub fn read_dir(root: &Path) -> Result<Registry, Vec<Problem>> {
    read_dir_with_warnings(root).0
}

/// [`read_dir`], with the warnings that do not stop the registry from loading (a process
/// model's possible deadlocks, loops without a wait, unreachable elements).
pub fn read_dir_with_warnings(root: &Path) -> (Result<Registry, Vec<Problem>>, Vec<Problem>) {
    let mut r = Reader {
        root,
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    let result = read_into(&mut r, root);
    (result, r.warnings)
}

fn read_into(r: &mut Reader<'_>, root: &Path) -> Result<Registry, Vec<Problem>> {
    let mut reg = Registry::default();
    if !root.is_dir() {
        r.problem(root, "", "not a folder");
        return Err(std::mem::take(&mut r.problems));
    }

    for path in sorted_entries(&root.join("agencies")) {
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        if let Some(a) = r.toml::<Agency>(&path) {
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_owned();
            r.code_matches(&path, &a.code, &stem);
            r.texts(
                &path,
                &[
                    ("name", Some(&a.name)),
                    ("short_name", a.short_name.as_ref()),
                ],
            );
            if let Some(p) = &a.phone {
                let ok = p.len() == 13
                    && p.starts_with("+998")
                    && p[4..].bytes().all(|b| b.is_ascii_digit());
                if !ok {
                    r.problem(&path, "phone", "a phone number is +998 and 9 digits");
                }
            }
            reg.agencies.push(a);
        }
    }
    if reg.agencies.is_empty() && r.problems.is_empty() {
        r.problem(
            &root.join("agencies"),
            "",
            "no agencies: the folder is missing or empty",
        );
    }

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct LifeEvents {
        life_event: Vec<LifeEvent>,
    }
    let le_path = root.join("life-events.toml");
    if let Some(le) = r.toml::<LifeEvents>(&le_path) {
        for (i, e) in le.life_event.iter().enumerate() {
            r.texts(
                &le_path,
                &[
                    (&format!("life_event[{i}].name"), Some(&e.name)),
                    (
                        &format!("life_event[{i}].description"),
                        Some(&e.description),
                    ),
                ],
            );
        }
        reg.life_events = le.life_event;
    }

    #[derive(serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Bhm {
        amount: Vec<BhmAmount>,
    }
    let bhm_path = root.join("bhm.toml");
    if let Some(b) = r.toml::<Bhm>(&bhm_path) {
        for (i, a) in b.amount.iter().enumerate() {
            if a.uzs <= 0 {
                r.problem(
                    &bhm_path,
                    format!("amount[{i}].uzs"),
                    "the amount must be positive",
                );
            }
        }
        reg.bhm = b.amount;
    }

    // Fact sources are optional: a registry without them prefills nothing.
    let facts_path = root.join(FACTS_FILE);
    if facts_path.exists() {
        if let Some(f) = r.toml::<Facts>(&facts_path) {
            let mut keys = BTreeSet::new();
            for (i, source) in f.source.iter().enumerate() {
                if !keys.insert(source.key.as_str()) {
                    r.problem(
                        &facts_path,
                        format!("source[{i}].key"),
                        format!("{:?} is declared twice", source.key.as_str()),
                    );
                }
                if source.service.split('/').count() != 5
                    || source.service.split('/').any(str::is_empty)
                {
                    r.problem(
                        &facts_path,
                        format!("source[{i}].service"),
                        "an exchange service is INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE",
                    );
                }
                let rest = source.path.replace(FACT_PINFL, "");
                if !source.path.starts_with('/')
                    || !source.path.contains(FACT_PINFL)
                    || rest.contains(['{', '}', '?', '#', ' '])
                {
                    r.problem(
                        &facts_path,
                        format!("source[{i}].path"),
                        format!("a path starts with / and names the applicant as {FACT_PINFL} (e.g. /v1/persons/{FACT_PINFL})"),
                    );
                }
            }
            reg.facts = f.source;
        }
    }

    for path in sorted_entries(&root.join("calendar")) {
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        if let Some(y) = r.toml::<YearCalendar>(&path) {
            let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            if stem != y.year.to_string() {
                r.problem(
                    &path,
                    "year",
                    format!("year {} must match the file name", y.year),
                );
            }
            for p in y.problems() {
                let (loc, msg) = p.split_once(": ").unwrap_or(("", &p));
                r.problem(&path, loc.to_owned(), msg.to_owned());
            }
            let mut texts: Vec<(String, &I18nText)> = Vec::new();
            texts.extend(
                y.holidays
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (format!("holiday[{i}].name"), &h.name)),
            );
            texts.extend(
                y.days_off
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (format!("day_off[{i}].reason"), &h.reason)),
            );
            texts.extend(
                y.working_days
                    .iter()
                    .enumerate()
                    .map(|(i, h)| (format!("working_day[{i}].reason"), &h.reason)),
            );
            let items: Vec<(&str, Option<&I18nText>)> =
                texts.iter().map(|(k, t)| (k.as_str(), Some(*t))).collect();
            r.texts(&path, &items);
            reg.calendar.push(y);
        }
    }

    let agency_codes: BTreeSet<&str> = reg.agencies.iter().map(|a| a.code.as_str()).collect();
    let event_codes: BTreeSet<&str> = reg.life_events.iter().map(|e| e.code.as_str()).collect();
    let mut services = Vec::new();
    // What a call activity may call: every service's process.
    let processes: BTreeSet<String> = sorted_entries(&root.join("services"))
        .iter()
        .filter(|d| d.is_dir())
        .filter_map(|d| d.file_name().and_then(|n| n.to_str()).map(str::to_owned))
        .collect();
    for dir in sorted_entries(&root.join("services")) {
        if !dir.is_dir() {
            continue;
        }
        let name = dir
            .file_name()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_owned();
        let pp = dir.join("passport.toml");
        let passport = r.toml::<ServicePassport>(&pp);
        let schema = r.json(&dir.join("form.schema.json"));
        let presentation = r.toml::<Presentation>(&dir.join("form.toml"));
        if let Some(p) = &passport {
            r.code_matches(&pp, &p.code, &name);
            if !agency_codes.contains(p.agency.as_str()) {
                r.problem(
                    &pp,
                    "agency",
                    format!("no agency {:?} in agencies/", p.agency.as_str()),
                );
            }
            if p.life_events.is_empty() {
                r.problem(
                    &pp,
                    "life_events",
                    "a service belongs to at least one life event",
                );
            }
            for (i, e) in p.life_events.iter().enumerate() {
                if !event_codes.contains(e.as_str()) {
                    r.problem(
                        &pp,
                        format!("life_events[{i}]"),
                        format!("no life event {:?} in life-events.toml", e.as_str()),
                    );
                }
            }
            if p.deadline_working_days == 0 {
                r.problem(
                    &pp,
                    "deadline_working_days",
                    "the statutory deadline is at least 1 working day",
                );
            }
            if p.channels.is_empty() {
                r.problem(&pp, "channels", "name at least one channel");
            }
            match &p.fee {
                yagona_core::Fee::Fixed { uzs } if *uzs <= 0 => r.problem(
                    &pp,
                    "fee.uzs",
                    "a fixed fee is a positive amount (use kind = \"free\")",
                ),
                _ => {}
            }
            let docs: Vec<(String, &I18nText)> = p
                .documents
                .iter()
                .enumerate()
                .map(|(i, d)| (format!("document[{i}].name"), &d.name))
                .collect();
            let mut items: Vec<(&str, Option<&I18nText>)> = vec![
                ("name", Some(&p.name)),
                ("description", Some(&p.description)),
                ("who_may_apply", Some(&p.who_may_apply)),
                ("legal_basis", Some(&p.legal_basis)),
                ("result", Some(&p.result)),
                ("keywords", p.keywords.as_ref()),
            ];
            items.extend(docs.iter().map(|(k, t)| (k.as_str(), Some(*t))));
            r.texts(&pp, &items);
        }
        if let (Some(passport), Some(schema), Some(presentation)) = (passport, schema, presentation)
        {
            let form = FormDefinition::new(schema, presentation);
            for (i, f) in form.steps().iter().flat_map(|s| &s.fields).enumerate() {
                if let Some((source, _)) = f.prefill_source() {
                    if reg.fact_source(source).is_none() {
                        r.problem(
                            &dir.join("form.toml"),
                            format!("field {:?} (#{}) prefill", f.name, i + 1),
                            format!("no fact source {source:?} in {FACTS_FILE}"),
                        );
                    }
                }
            }
            let form_toml = std::fs::read_to_string(dir.join("form.toml")).unwrap_or_default();
            for p in form.problems() {
                let (loc, msg) = p.split_once(": ").unwrap_or(("", &p));
                let file = if loc.starts_with("schema") {
                    "form.schema.json"
                } else {
                    "form.toml"
                };
                r.problem(&dir.join(file), rule_line(&form_toml, loc), msg.to_owned());
            }
            check_identity(r, &pp, &passport, &form);
            let process_path = dir.join("process.bpmn");
            let process = if process_path.exists() {
                r.read(&process_path)
            } else {
                None
            };
            let mut decisions = std::collections::BTreeMap::new();
            let mut decision_ids = BTreeSet::new();
            for path in sorted_entries(&dir) {
                if path.extension().and_then(|e| e.to_str()) != Some("dmn") {
                    continue;
                }
                let Some(source) = r.read(&path) else {
                    continue;
                };
                match yagona_workflow::dmn::read(&source) {
                    Ok(ds) => decision_ids.extend(ds.into_iter().map(|d| d.id)),
                    Err(yagona_workflow::dmn::DmnError::Invalid { line, reason }) => {
                        r.problem(&path, format!("line {line}"), reason)
                    }
                    Err(e) => r.problem(&path, "", e.to_string()),
                }
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_owned();
                decisions.insert(name, source);
            }
            if let Some(bpmn) = &process {
                check_process(
                    r,
                    &process_path,
                    bpmn,
                    passport.code.as_str(),
                    &decision_ids,
                    &processes,
                );
            }
            // Task forms: forms/<key>.schema.json with forms/<key>.toml.
            let mut task_forms = std::collections::BTreeMap::new();
            for path in sorted_entries(&dir.join("forms")) {
                let Some(key) = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .and_then(|n| n.strip_suffix(".schema.json"))
                    .map(str::to_owned)
                else {
                    continue;
                };
                let toml_path = dir.join("forms").join(format!("{key}.toml"));
                let (Some(schema), Some(presentation)) =
                    (r.json(&path), r.toml::<Presentation>(&toml_path))
                else {
                    continue;
                };
                let tf = FormDefinition::new(schema, presentation);
                for p in tf.problems() {
                    let (loc, msg) = p.split_once(": ").unwrap_or(("", &p));
                    r.problem(&toml_path, loc.to_owned(), msg.to_owned());
                }
                task_forms.insert(key, tf);
            }
            if let Some(defs) = process
                .as_deref()
                .and_then(|b| yagona_workflow::read(b).ok())
            {
                for e in defs.processes.iter().flat_map(|p| p.scope.walk()) {
                    if let Some(key) = &e.zeebe.form_key {
                        if !key.starts_with("yagona:") && !task_forms.contains_key(key) {
                            r.problem(
                                &process_path,
                                format!("line {}", e.line),
                                format!(
                                    "{} uses form {key:?}: add forms/{key}.schema.json and forms/{key}.toml",
                                    e.id
                                ),
                            );
                        }
                    }
                }
            }
            // The result document's template is optional: without one, the passport's result.
            let result_path = dir.join(RESULT_FILE);
            let result = if result_path.exists() {
                r.toml::<ResultTemplate>(&result_path)
                    .inspect(|t| check_result(r, &result_path, t, &form))
            } else {
                None
            };
            services.push(Service {
                passport,
                form,
                process,
                decisions,
                task_forms,
                result,
            });
        }
    }
    reg.services = services;
    if reg.calendar.is_empty() {
        r.problem(
            &root.join("calendar"),
            "",
            "no calendar years: deadlines cannot be counted",
        );
    }
    if r.problems.is_empty() {
        Ok(reg)
    } else {
        Err(std::mem::take(&mut r.problems))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot write {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("cannot encode {0}: {1}")]
    Encode(PathBuf, String),
}

/// Writes a file, making its folder first.
pub fn write(path: &Path, content: &str) -> Result<(), WriteError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| WriteError::Io(parent.to_path_buf(), e))?;
    }
    std::fs::write(path, content).map_err(|e| WriteError::Io(path.to_path_buf(), e))
}

/// Writes a value as a TOML file.
pub fn to_toml<T: serde::Serialize>(path: &Path, v: &T) -> Result<(), WriteError> {
    let s = toml::to_string_pretty(v)
        .map_err(|e| WriteError::Encode(path.to_path_buf(), e.to_string()))?;
    write(path, &s)
}

/// Writes a registry in the folder format; [`read_dir`] reads it back to the same registry.
pub fn write_dir(reg: &Registry, root: &Path) -> Result<(), WriteError> {
    for a in &reg.agencies {
        to_toml(&root.join("agencies").join(format!("{}.toml", a.code)), a)?;
    }
    #[derive(serde::Serialize)]
    struct LifeEvents<'a> {
        life_event: &'a [LifeEvent],
    }
    to_toml(
        &root.join("life-events.toml"),
        &LifeEvents {
            life_event: &reg.life_events,
        },
    )?;
    #[derive(serde::Serialize)]
    struct Bhm<'a> {
        amount: &'a [BhmAmount],
    }
    to_toml(&root.join("bhm.toml"), &Bhm { amount: &reg.bhm })?;
    if !reg.facts.is_empty() {
        #[derive(serde::Serialize)]
        struct Facts<'a> {
            source: &'a [FactSource],
        }
        to_toml(&root.join(FACTS_FILE), &Facts { source: &reg.facts })?;
    }
    for y in &reg.calendar {
        to_toml(&root.join("calendar").join(format!("{}.toml", y.year)), y)?;
    }
    for s in &reg.services {
        let dir = root.join("services").join(s.passport.code.as_str());
        to_toml(&dir.join("passport.toml"), &s.passport)?;
        let schema = serde_json::to_string_pretty(&s.form.schema)
            .map_err(|e| WriteError::Encode(dir.clone(), e.to_string()))?;
        write(&dir.join("form.schema.json"), &(schema + "\n"))?;
        to_toml(&dir.join("form.toml"), &s.form.presentation)?;
        if let Some(bpmn) = &s.process {
            write(&dir.join("process.bpmn"), bpmn)?;
        }
        for (name, source) in &s.decisions {
            write(&dir.join(name), source)?;
        }
        if let Some(t) = &s.result {
            to_toml(&dir.join(RESULT_FILE), t)?;
        }
        for (key, tf) in &s.task_forms {
            let schema = serde_json::to_string_pretty(&tf.schema)
                .map_err(|e| WriteError::Encode(dir.join("forms"), e.to_string()))?;
            write(
                &dir.join("forms").join(format!("{key}.schema.json")),
                &(schema + "\n"),
            )?;
            to_toml(
                &dir.join("forms").join(format!("{key}.toml")),
                &tf.presentation,
            )?;
        }
    }
    Ok(())
}
