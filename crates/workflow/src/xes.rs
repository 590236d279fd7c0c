//! Process mining: the history of instances as an IEEE 1849-2016 XES event log, the way pm4py,
//! Disco, ProM and Celonis read one.
//!
//! One trace per case — an instance with the processes it called — named (`concept:name`) by
//! the name the caller gives its business key (the platform gives an application's reference
//! number), else by the key, else by the instance id; the instance id and its process are the
//! trace's `instance` and `process`. A task (or a call activity) gives a `start` event when it
//! begins to wait, an `assign` each time a person takes it (user tasks), and a `complete` when it
//! ends; a task that begins and ends within one step starts and completes at the same moment.
//! `org:resource` is who did it: the officer's, the applicant's or the worker's name. Events,
//! gateways and sub-processes take no one's work and are left out unless asked for
//! ([`Options::with_events`]), as `complete` events. Each event also names the element that made
//! it (`element`, `elementType`). Attributes outside the standard extensions carry no prefix, so
//! every prefix in the log is declared in its header.

use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// One row of history as the store keeps it, with the case it belongs to.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    /// The case: the instance at the top of the call tree.
    pub case: String,
    pub business_key: Option<String>,
    /// The case's process.
    pub process: String,
    /// The instance the element ran in (the case's, or a process it called).
    pub instance: String,
    pub element_id: String,
    pub element_type: String,
    pub element_name: Option<String>,
    pub at: String,
    pub lifecycle: String,
    pub resource: Option<String>,
}

/// What the log holds besides the tasks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Events, gateways and sub-processes too.
    pub with_events: bool,
}

/// One trace of the log.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub name: String,
    pub instance: String,
    pub process: String,
    pub events: Vec<Event>,
}

/// One event of a trace.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub activity: String,
    pub lifecycle: String,
    pub timestamp: String,
    pub resource: Option<String>,
    pub element_id: String,
    pub element_type: String,
}

/// Elements that are work someone or something does, and so take time: what a log is about.
pub fn is_task(element_type: &str) -> bool {
    matches!(
        element_type,
        "task"
            | "manualTask"
            | "serviceTask"
            | "userTask"
            | "sendTask"
            | "receiveTask"
            | "businessRuleTask"
            | "scriptTask"
            | "callActivity"
    )
}

/// The cases of `rows` (grouped by case, each case's rows in order), each named by what `names`
/// gives for its business key, else by the key, else by its instance id. A task's first `start` opens it until its `complete`; the further
/// starts of a multi-instance task meanwhile are its inner instances, and a completion with no
/// start before it (the task began in the same step) gets one at the same moment.
pub fn cases(rows: &[HistoryRow], options: Options, names: &HashMap<String, String>) -> Vec<Case> {
    let mut out: Vec<Case> = Vec::new();
    // Two cases with one name stay two traces: the later ones are numbered.
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut open: HashSet<(&str, &str)> = HashSet::new();
    for row in rows {
        if out.last().is_none_or(|c| c.instance != row.case) {
            let key = match row.business_key.as_deref() {
                Some(k) => names.get(k).map_or(k, String::as_str),
                None => &row.case,
            };
            let seen = seen.entry(key).or_default();
            *seen += 1;
            out.push(Case {
                name: match *seen {
                    1 => key.to_owned(),
                    n => format!("{key} ({n})"),
                },
                instance: row.case.clone(),
                process: row.process.clone(),
                events: Vec::new(),
            });
            open.clear();
        }
        let Some(case) = out.last_mut() else {
            continue;
        };
        let event = |lifecycle: &str, resource: Option<String>| Event {
            activity: row
                .element_name
                .as_deref()
                .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| row.element_id.clone()),
            lifecycle: lifecycle.to_owned(),
            timestamp: row.at.clone(),
            resource,
            element_id: row.element_id.clone(),
            element_type: row.element_type.clone(),
        };
        if !is_task(&row.element_type) {
            if options.with_events {
                case.events
                    .push(event(&row.lifecycle, row.resource.clone()));
            }
            continue;
        }
        let task = (row.instance.as_str(), row.element_id.as_str());
        match row.lifecycle.as_str() {
            "start" => {
                if open.insert(task) {
                    case.events.push(event("start", row.resource.clone()));
                }
            }
            "complete" => {
                if !open.remove(&task) {
                    case.events.push(event("start", None));
                }
                case.events.push(event("complete", row.resource.clone()));
            }
            other => {
                // Taken before its start was recorded (a task older than this history).
                if open.insert(task) {
                    case.events.push(event("start", None));
                }
                case.events.push(event(other, row.resource.clone()));
            }
        }
    }
    out
}

/// Text for an XML attribute value: markup escaped, line breaks kept as character references,
/// and characters XML 1.0 cannot hold left out.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || matches!(c, '\u{FFFE}' | '\u{FFFF}') => {}
            c => out.push(c),
        }
    }
    out
}

/// The standard extensions the log uses: (name, prefix).
const EXTENSIONS: [(&str, &str); 4] = [
    ("Concept", "concept"),
    ("Time", "time"),
    ("Lifecycle", "lifecycle"),
    ("Organizational", "org"),
];

/// Writes the log named `name` (the process, or the platform) with `cases` as its traces.
pub fn write(name: &str, cases: &[Case]) -> String {
    // `xes.version` is a decimal in the standard's schema: 1849.2016, as Disco writes it.
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<log xes.version=\"1849.2016\" xmlns=\"http://www.xes-standard.org/\">\n",
    );
    for (extension, prefix) in EXTENSIONS {
        let _ = writeln!(
            out,
            "  <extension name=\"{extension}\" prefix=\"{prefix}\" uri=\"http://www.xes-standard.org/{prefix}.xesext\"/>"
        );
    }
    out.push_str(concat!(
        "  <global scope=\"trace\"><string key=\"concept:name\" value=\"\"/></global>\n",
        "  <global scope=\"event\"><string key=\"concept:name\" value=\"\"/>",
        "<string key=\"lifecycle:transition\" value=\"complete\"/>",
        "<date key=\"time:timestamp\" value=\"1970-01-01T00:00:00Z\"/></global>\n",
        "  <classifier name=\"Activity\" keys=\"concept:name\"/>\n",
        "  <classifier name=\"Activity_and_transition\" keys=\"concept:name lifecycle:transition\"/>\n",
        "  <classifier name=\"Resource\" keys=\"org:resource\"/>\n",
    ));
    let _ = writeln!(
        out,
        "  <string key=\"concept:name\" value=\"{}\"/>",
        esc(name)
    );
    out.push_str("  <string key=\"lifecycle:model\" value=\"standard\"/>\n");
    for case in cases {
        let _ = writeln!(
            out,
            "  <trace>\n    <string key=\"concept:name\" value=\"{}\"/>\n    <string key=\"instance\" value=\"{}\"/>\n    <string key=\"process\" value=\"{}\"/>",
            esc(&case.name),
            esc(&case.instance),
            esc(&case.process)
        );
        for e in &case.events {
            let _ = write!(
                out,
                "    <event><string key=\"concept:name\" value=\"{}\"/><string key=\"lifecycle:transition\" value=\"{}\"/><date key=\"time:timestamp\" value=\"{}\"/>",
                esc(&e.activity),
                esc(&e.lifecycle),
                esc(&e.timestamp)
            );
            if let Some(r) = &e.resource {
                let _ = write!(out, "<string key=\"org:resource\" value=\"{}\"/>", esc(r));
            }
            let _ = writeln!(
                out,
                "<string key=\"element\" value=\"{}\"/><string key=\"elementType\" value=\"{}\"/></event>",
                esc(&e.element_id),
                esc(&e.element_type)
            );
        }
        out.push_str("  </trace>\n");
    }
    out.push_str("</log>\n");
    out
}
