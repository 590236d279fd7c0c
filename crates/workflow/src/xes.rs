//! Process mining: the history of instances as an IEEE 1849 XES event log.
//!
//! One trace per instance (its `concept:name` is the business key — the application number —
//! or the instance id), one event per completed element with `concept:name` (the element's name,
//! or its id), `time:timestamp`, `lifecycle:transition` and `org:resource` (who did it), the
//! standard extensions that ProM, Disco, Celonis and pm4py read.

use std::fmt::Write;

/// One event of the log.
#[derive(Debug, Clone)]
pub struct XesEvent {
    pub case: String,
    pub activity: String,
    pub element_id: String,
    pub element_type: String,
    pub timestamp: String,
    pub lifecycle: String,
    pub resource: Option<String>,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Writes the log; events must come grouped by case, in order within each case.
pub fn write(process: &str, events: &[XesEvent]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<log xes.version=\"1849-2016\" xes.features=\"nested-attributes\" xmlns=\"http://www.xes-standard.org/\">\n");
    for (name, prefix, uri) in [
        (
            "Concept",
            "concept",
            "http://www.xes-standard.org/concept.xesext",
        ),
        ("Time", "time", "http://www.xes-standard.org/time.xesext"),
        (
            "Lifecycle",
            "lifecycle",
            "http://www.xes-standard.org/lifecycle.xesext",
        ),
        (
            "Organizational",
            "org",
            "http://www.xes-standard.org/org.xesext",
        ),
    ] {
        let _ = writeln!(
            out,
            "  <extension name=\"{name}\" prefix=\"{prefix}\" uri=\"{uri}\"/>"
        );
    }
    out.push_str("  <global scope=\"trace\"><string key=\"concept:name\" value=\"\"/></global>\n");
    out.push_str("  <global scope=\"event\"><string key=\"concept:name\" value=\"\"/><date key=\"time:timestamp\" value=\"1970-01-01T00:00:00Z\"/><string key=\"lifecycle:transition\" value=\"complete\"/></global>\n");
    out.push_str("  <classifier name=\"Activity\" keys=\"concept:name\"/>\n");
    let _ = writeln!(
        out,
        "  <string key=\"concept:name\" value=\"{}\"/>",
        esc(process)
    );
    let mut current: Option<&str> = None;
    for e in events {
        if current != Some(e.case.as_str()) {
            if current.is_some() {
                out.push_str("  </trace>\n");
            }
            let _ = writeln!(
                out,
                "  <trace>\n    <string key=\"concept:name\" value=\"{}\"/>",
                esc(&e.case)
            );
            current = Some(&e.case);
        }
        let _ = write!(
            out,
            "    <event><string key=\"concept:name\" value=\"{}\"/><date key=\"time:timestamp\" value=\"{}\"/><string key=\"lifecycle:transition\" value=\"{}\"/><string key=\"yagona:element\" value=\"{}\"/><string key=\"yagona:type\" value=\"{}\"/>",
            esc(&e.activity),
            esc(&e.timestamp),
            esc(&e.lifecycle),
            esc(&e.element_id),
            esc(&e.element_type)
        );
        if let Some(r) = &e.resource {
            let _ = write!(out, "<string key=\"org:resource\" value=\"{}\"/>", esc(r));
        }
        out.push_str("</event>\n");
    }
    if current.is_some() {
        out.push_str("  </trace>\n");
    }
    out.push_str("</log>\n");
    out
}
