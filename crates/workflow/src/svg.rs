//! The process diagram as SVG, drawn on the server from the model's diagram interchange (BPMN DI),
//! with the elements an instance has passed and the ones it waits at highlighted.
//!
//! Only presentation attributes are used (no `style`), so the picture obeys a strict
//! Content-Security-Policy when inlined in a page; it has a title for screen readers.

use crate::model::*;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// What to highlight: where an instance is now, and where it has been.
#[derive(Debug, Default, Clone)]
pub struct Highlight {
    pub active: HashSet<String>,
    /// Where an incident holds the instance: drawn in red.
    pub incident: HashSet<String>,
    pub done: HashSet<String>,
    /// Names in this language where the model gives them (`yagona:label`), else BPMN names.
    pub language: Option<String>,
}

const INK: &str = "#0b0c0c";
const DONE: &str = "#00703c";
const ACTIVE: &str = "#1d70b8";
const INCIDENT: &str = "#d4351c";
const PAPER: &str = "#ffffff";
const FRAME: &str = "#b1b4b6";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn kinds(defs: &Definitions) -> HashMap<&str, &FlowElement> {
    defs.processes
        .iter()
        .flat_map(|p| p.scope.walk())
        .map(|e| (e.id.as_str(), e))
        .collect()
}

/// Splits a name into lines of at most `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn text_block(out: &mut String, lines: &[String], cx: f64, top: f64) {
    for (i, l) in lines.iter().enumerate() {
        let _ = write!(
            out,
            r#"<text x="{cx:.1}" y="{:.1}" font-size="11" text-anchor="middle" fill="{INK}">{}</text>"#,
            top + 12.0 * (i as f64 + 1.0),
            esc(l)
        );
    }
}

/// Draws the diagram; `title` names it for assistive technology.
pub fn render(defs: &Definitions, title: &str, highlight: &Highlight) -> String {
    let d = &defs.diagram;
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    for s in &d.shapes {
        min_x = min_x.min(s.x);
        min_y = min_y.min(s.y);
        max_x = max_x.max(s.x + s.width);
        max_y = max_y.max(s.y + s.height + 30.0);
    }
    for e in &d.edges {
        for (x, y) in &e.points {
            min_x = min_x.min(*x);
            min_y = min_y.min(*y);
            max_x = max_x.max(*x);
            max_y = max_y.max(*y);
        }
    }
    if min_x > max_x {
        (min_x, min_y, max_x, max_y) = (0.0, 0.0, 100.0, 50.0);
    }
    let pad = 20.0;
    let (vx, vy, vw, vh) = (
        min_x - pad,
        min_y - pad,
        max_x - min_x + 2.0 * pad,
        max_y - min_y + 2.0 * pad,
    );
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="{vx:.1} {vy:.1} {vw:.1} {vh:.1}" width="{vw:.0}" height="{vh:.0}" role="img" aria-labelledby="process-diagram-title"><title id="process-diagram-title">{}</title>"#,
        esc(title)
    );
    for (id, colour) in [("arrow", INK), ("arrow-done", DONE)] {
        let _ = write!(
            out,
            r#"<defs><marker id="{id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker></defs>"#
        );
    }
    let elements = kinds(defs);
    let flows: HashMap<&str, &SequenceFlow> = defs
        .processes
        .iter()
        .flat_map(|p| flows_of(&p.scope))
        .map(|f| (f.id.as_str(), f))
        .collect();
    // Pools, lanes and expanded sub-processes first, so that what is inside is drawn over them.
    let mut shapes: Vec<&Shape> = d.shapes.iter().collect();
    shapes.sort_by_key(
        |s| match elements.get(s.element.as_str()).map(|e| &e.kind) {
            Some(
                Kind::SubProcess { .. } | Kind::Transaction { .. } | Kind::AdHocSubProcess { .. },
            ) => 1,
            Some(_) => 2,
            None => 0,
        },
    );
    for s in shapes {
        let e = elements.get(s.element.as_str());
        let state = if highlight.incident.contains(&s.element) {
            Some(INCIDENT)
        } else if highlight.active.contains(&s.element) {
            Some(ACTIVE)
        } else if highlight.done.contains(&s.element) {
            Some(DONE)
        } else {
            None
        };
        let stroke = state.unwrap_or(INK);
        let width = if state.is_some() { 3.0 } else { 1.5 };
        let (cx, cy) = (s.x + s.width / 2.0, s.y + s.height / 2.0);
        let class = match state {
            Some(ACTIVE) => " class=\"yg-active\"",
            Some(INCIDENT) => " class=\"yg-incident\"",
            Some(_) => " class=\"yg-done\"",
            None => "",
        };
        let _ = write!(out, r#"<g data-element="{}"{class}>"#, esc(&s.element));
        match e.map(|e| &e.kind) {
            None => {
                // A pool or a lane: a frame, no label (participants are not part of the model).
                let _ = write!(
                    out,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="{FRAME}" stroke-width="1"/>"#,
                    s.x, s.y, s.width, s.height
                );
            }
            Some(
                kind @ (Kind::StartEvent { .. }
                | Kind::EndEvent { .. }
                | Kind::IntermediateCatchEvent { .. }
                | Kind::IntermediateThrowEvent { .. }
                | Kind::BoundaryEvent { .. }),
            ) => {
                let r = s.width.min(s.height) / 2.0;
                let outer = if matches!(kind, Kind::EndEvent { .. }) {
                    width + 2.0
                } else {
                    width
                };
                let _ = write!(
                    out,
                    r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="{r:.1}" fill="{PAPER}" stroke="{stroke}" stroke-width="{outer}"/>"#
                );
                if matches!(
                    kind,
                    Kind::IntermediateCatchEvent { .. }
                        | Kind::IntermediateThrowEvent { .. }
                        | Kind::BoundaryEvent { .. }
                ) {
                    let _ = write!(
                        out,
                        r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="{:.1}" fill="none" stroke="{stroke}" stroke-width="1"/>"#,
                        r - 3.0
                    );
                }
                let trigger = match kind {
                    Kind::StartEvent { trigger, .. }
                    | Kind::EndEvent { trigger }
                    | Kind::IntermediateCatchEvent { trigger }
                    | Kind::IntermediateThrowEvent { trigger }
                    | Kind::BoundaryEvent { trigger, .. } => trigger,
                    _ => &Trigger::None,
                };
                let mark = match trigger {
                    Trigger::Timer { .. } => "⏱",
                    Trigger::Message { .. } => "✉",
                    Trigger::Error { .. } => "ϟ",
                    Trigger::Terminate => "●",
                    Trigger::Signal { .. } => "△",
                    _ => "",
                };
                if !mark.is_empty() {
                    let _ = write!(
                        out,
                        r#"<text x="{cx:.1}" y="{:.1}" font-size="{:.0}" text-anchor="middle" fill="{stroke}">{mark}</text>"#,
                        cy + r * 0.35,
                        r
                    );
                }
                outside_label(
                    &mut out,
                    e.and_then(|e| e.name_in(highlight.language.as_deref()))
                        .as_deref(),
                    s,
                );
            }
            Some(
                kind @ (Kind::ExclusiveGateway { .. }
                | Kind::InclusiveGateway { .. }
                | Kind::ParallelGateway
                | Kind::EventBasedGateway
                | Kind::ComplexGateway),
            ) => {
                let _ = write!(
                    out,
                    r#"<polygon points="{cx:.1},{:.1} {:.1},{cy:.1} {cx:.1},{:.1} {:.1},{cy:.1}" fill="{PAPER}" stroke="{stroke}" stroke-width="{width}"/>"#,
                    s.y,
                    s.x + s.width,
                    s.y + s.height,
                    s.x
                );
                let mark = match kind {
                    Kind::ExclusiveGateway { .. } => "×",
                    Kind::ParallelGateway => "+",
                    Kind::InclusiveGateway { .. } => "○",
                    Kind::EventBasedGateway => "⬠",
                    _ => "✱",
                };
                let _ = write!(
                    out,
                    r#"<text x="{cx:.1}" y="{:.1}" font-size="{:.0}" text-anchor="middle" fill="{stroke}">{mark}</text>"#,
                    cy + s.height * 0.18,
                    s.height * 0.5
                );
                outside_label(
                    &mut out,
                    e.and_then(|e| e.name_in(highlight.language.as_deref()))
                        .as_deref(),
                    s,
                );
            }
            Some(kind) => {
                let dash = if matches!(
                    kind,
                    Kind::SubProcess {
                        triggered_by_event: true,
                        ..
                    }
                ) {
                    r#" stroke-dasharray="4 3""#
                } else {
                    ""
                };
                let fill = if kind.is_activity() && !matches!(kind, Kind::SubProcess { .. }) {
                    PAPER
                } else {
                    "none"
                };
                let _ = write!(
                    out,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="10" fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dash}/>"#,
                    s.x, s.y, s.width, s.height
                );
                let icon = match kind {
                    Kind::UserTask => "☺",
                    Kind::ServiceTask => "⚙",
                    Kind::SendTask => "✉",
                    Kind::ReceiveTask { .. } => "✉",
                    Kind::BusinessRuleTask => "▦",
                    Kind::ScriptTask => "✎",
                    Kind::CallActivity => "⇲",
                    _ => "",
                };
                if !icon.is_empty() {
                    let _ = write!(
                        out,
                        r#"<text x="{:.1}" y="{:.1}" font-size="12" fill="{stroke}">{icon}</text>"#,
                        s.x + 5.0,
                        s.y + 15.0
                    );
                }
                if let Some(name) = e
                    .and_then(|e| e.name_in(highlight.language.as_deref()))
                    .as_deref()
                {
                    let lines = wrap(name, ((s.width / 6.5) as usize).max(8));
                    let top = if matches!(kind, Kind::SubProcess { .. }) {
                        s.y + 2.0
                    } else {
                        cy - 6.0 * lines.len() as f64 - 2.0
                    };
                    text_block(&mut out, &lines, cx, top);
                }
                if e.is_some_and(|e| e.multi_instance.is_some()) {
                    let _ = write!(
                        out,
                        r#"<text x="{cx:.1}" y="{:.1}" font-size="12" text-anchor="middle" fill="{stroke}">{}</text>"#,
                        s.y + s.height - 4.0,
                        if e.and_then(|e| e.multi_instance.as_ref())
                            .is_some_and(|m| m.sequential)
                        {
                            "≡"
                        } else {
                            "⦀"
                        }
                    );
                }
            }
        }
        out.push_str("</g>");
    }
    for edge in &d.edges {
        let Some(flow) = flows.get(edge.element.as_str()) else {
            continue; // associations and message flows are not drawn
        };
        if edge.points.len() < 2 {
            continue;
        }
        let passed = highlight.done.contains(&flow.source)
            && (highlight.done.contains(&flow.target) || highlight.active.contains(&flow.target));
        let (colour, marker, w) = if passed {
            (DONE, "arrow-done", 2.5)
        } else {
            (INK, "arrow", 1.2)
        };
        let points: Vec<String> = edge
            .points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect();
        let _ = write!(
            out,
            r#"<polyline data-flow="{}" points="{}" fill="none" stroke="{colour}" stroke-width="{w}" marker-end="url(#{marker})"/>"#,
            esc(&flow.id),
            points.join(" ")
        );
        let flow_name = highlight
            .language
            .as_deref()
            .and_then(|l| flow.labels.get(l).cloned())
            .or_else(|| flow.name.clone());
        if let (Some(name), Some(label)) = (flow_name.as_deref(), edge.label) {
            text_block(
                &mut out,
                &wrap(name, 20),
                label.x + label.width / 2.0,
                label.y - 2.0,
            );
        }
    }
    out.push_str("</svg>");
    out
}

/// The name of an event or gateway, where the modeler placed its label (else below the shape).
fn outside_label(out: &mut String, name: Option<&str>, s: &Shape) {
    let Some(name) = name else { return };
    match s.label {
        Some(b) => text_block(
            out,
            &wrap(name, ((b.width / 5.5) as usize).max(10)),
            b.x + b.width / 2.0,
            b.y - 2.0,
        ),
        None => text_block(
            out,
            &wrap(name, 18),
            s.x + s.width / 2.0,
            s.y + s.height + 2.0,
        ),
    }
}

fn flows_of(s: &Scope) -> Vec<&SequenceFlow> {
    let mut out: Vec<&SequenceFlow> = s.flows.iter().collect();
    for e in &s.elements {
        if let Kind::SubProcess { scope, .. }
        | Kind::Transaction { scope }
        | Kind::AdHocSubProcess { scope, .. } = &e.kind
        {
            out.extend(flows_of(scope));
        }
    }
    out
}
