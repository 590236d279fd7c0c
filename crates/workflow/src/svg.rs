//! The process diagram as SVG, drawn on the server from the model's diagram interchange (BPMN DI),
//! with the elements an instance has passed and the ones it waits at highlighted.
//!
//! Only presentation attributes are used (no `style`), so the picture obeys a strict
//! Content-Security-Policy when inlined in a page; it has a title for screen readers. Markers
//! (a timer's clock, a message's envelope, a task's kind) are drawn as shapes, never typed as
//! symbols, so they do not depend on the fonts a reader has. The picture scales with its
//! `viewBox`; `data-min-width` says how narrow it may be drawn with its labels still legible
//! (three quarters of its size, rounded up to 80 px), for the page to scroll it below that.

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
    let legible = ((vw * 0.75 / 80.0).ceil() as i64).clamp(1, 40) * 80;
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="{vx:.1} {vy:.1} {vw:.1} {vh:.1}" width="{vw:.0}" height="{vh:.0}" data-min-width="{legible}" role="img" aria-labelledby="process-diagram-title"><title id="process-diagram-title">{}</title>"#,
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
                // A throwing event's marker is filled, a catching one's outlined (BPMN 2.0).
                let throws = matches!(
                    kind,
                    Kind::EndEvent { .. } | Kind::IntermediateThrowEvent { .. }
                );
                event_marker(&mut out, trigger, (cx, cy), r, stroke, throws);
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
                gateway_marker(
                    &mut out,
                    kind,
                    (cx, cy),
                    s.height.min(s.width) / 2.0,
                    stroke,
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
                task_marker(&mut out, kind, (s.x + 5.0, s.y + 5.0), stroke);
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
                if let Some(m) = e.and_then(|e| e.multi_instance.as_ref()) {
                    // Three bars: lying for one instance after another, standing for all at once.
                    let (top, d) = (s.y + s.height - 14.0, 4.0);
                    let mut path = String::new();
                    for i in [-1.0, 0.0, 1.0] {
                        let _ = if m.sequential {
                            write!(path, "M{:.1},{:.1}h10", cx - 5.0, top + 5.0 + i * d)
                        } else {
                            write!(path, "M{:.1},{top:.1}v10", cx + i * d)
                        };
                    }
                    let _ = write!(
                        out,
                        r#"<path d="{path}" fill="none" stroke="{stroke}" stroke-width="1.5"/>"#
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

/// An event's marker, drawn inside its circle (centre `c`, radius `r`).
fn event_marker(
    out: &mut String,
    trigger: &Trigger,
    (cx, cy): (f64, f64),
    r: f64,
    stroke: &str,
    filled: bool,
) {
    let fill = if filled { stroke } else { "none" };
    let k = r / 18.0; // markers are drawn for BPMN's 36 px event and scaled
    match trigger {
        Trigger::Timer { .. } => {
            // A clock face with twelve, three, six and nine o'clock marks and two hands.
            let face = 10.5 * k;
            let _ = write!(
                out,
                r#"<g data-marker="timer"><circle cx="{cx:.1}" cy="{cy:.1}" r="{face:.1}" fill="{PAPER}" stroke="{stroke}" stroke-width="1.5"/>"#
            );
            let mut ticks = String::new();
            for (dx, dy) in [(0.0, -1.0), (1.0, 0.0), (0.0, 1.0), (-1.0, 0.0)] {
                let _ = write!(
                    ticks,
                    "M{:.1},{:.1}L{:.1},{:.1}",
                    cx + dx * face * 0.7,
                    cy + dy * face * 0.7,
                    cx + dx * face,
                    cy + dy * face
                );
            }
            let _ = write!(
                out,
                r#"<path d="{ticks}" fill="none" stroke="{stroke}" stroke-width="1"/><path d="M{:.1},{:.1}L{cx:.1},{cy:.1}L{:.1},{:.1}" fill="none" stroke="{stroke}" stroke-width="1.5" stroke-linecap="round"/></g>"#,
                cx,
                cy - face * 0.6,
                cx + face * 0.45,
                cy + face * 0.1
            );
        }
        Trigger::Message { .. } => {
            let (w, h) = (15.0 * k, 10.5 * k);
            let (x, y) = (cx - w / 2.0, cy - h / 2.0);
            let flap = if filled { PAPER } else { stroke };
            let _ = write!(
                out,
                r#"<g data-marker="message"><rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{fill}" stroke="{stroke}" stroke-width="1.2"/><path d="M{x:.1},{y:.1}L{cx:.1},{:.1}L{:.1},{y:.1}" fill="none" stroke="{flap}" stroke-width="1.2"/></g>"#,
                cy + h * 0.1,
                x + w
            );
        }
        Trigger::Error { .. } => {
            let p = [
                (-6.0, 7.0),
                (-2.5, -7.0),
                (1.5, 1.0),
                (6.0, -7.0),
                (2.5, 7.0),
                (-1.5, -1.0),
            ];
            let _ = write!(
                out,
                r#"<polygon data-marker="error" points="{}" fill="{fill}" stroke="{stroke}" stroke-width="1.2" stroke-linejoin="round"/>"#,
                points(&p, (cx, cy), k)
            );
        }
        Trigger::Terminate => {
            let _ = write!(
                out,
                r#"<circle data-marker="terminate" cx="{cx:.1}" cy="{cy:.1}" r="{:.1}" fill="{stroke}"/>"#,
                11.0 * k
            );
        }
        Trigger::Signal { .. } => {
            let p = [(0.0, -8.0), (7.5, 5.5), (-7.5, 5.5)];
            let _ = write!(
                out,
                r#"<polygon data-marker="signal" points="{}" fill="{fill}" stroke="{stroke}" stroke-width="1.2" stroke-linejoin="round"/>"#,
                points(&p, (cx, cy), k)
            );
        }
        Trigger::Escalation { .. } => {
            let p = [(0.0, -8.0), (6.0, 7.0), (0.0, 2.0), (-6.0, 7.0)];
            let _ = write!(
                out,
                r#"<polygon data-marker="escalation" points="{}" fill="{fill}" stroke="{stroke}" stroke-width="1.2" stroke-linejoin="round"/>"#,
                points(&p, (cx, cy), k)
            );
        }
        _ => {}
    }
}

/// A gateway's marker inside its diamond (centre `c`, half its size `r`).
fn gateway_marker(out: &mut String, kind: &Kind, (cx, cy): (f64, f64), r: f64, stroke: &str) {
    let a = r * 0.4;
    let (path, width) = match kind {
        Kind::ExclusiveGateway { .. } => (
            format!(
                "M{:.1},{:.1}L{:.1},{:.1}M{:.1},{:.1}L{:.1},{:.1}",
                cx - a * 0.75,
                cy - a * 0.75,
                cx + a * 0.75,
                cy + a * 0.75,
                cx + a * 0.75,
                cy - a * 0.75,
                cx - a * 0.75,
                cy + a * 0.75
            ),
            3.0,
        ),
        Kind::ParallelGateway => (
            format!(
                "M{cx:.1},{:.1}V{:.1}M{:.1},{cy:.1}H{:.1}",
                cy - a,
                cy + a,
                cx - a,
                cx + a
            ),
            3.0,
        ),
        Kind::InclusiveGateway { .. } => {
            let _ = write!(
                out,
                r#"<circle data-marker="inclusive" cx="{cx:.1}" cy="{cy:.1}" r="{:.1}" fill="none" stroke="{stroke}" stroke-width="2.5"/>"#,
                a * 0.9
            );
            return;
        }
        Kind::EventBasedGateway => {
            let _ = write!(
                out,
                r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="{:.1}" fill="none" stroke="{stroke}" stroke-width="1"/>"#,
                a * 1.05
            );
            let pentagon: Vec<(f64, f64)> = (0..5)
                .map(|i| {
                    let t = std::f64::consts::PI * (2.0 * i as f64 / 5.0 - 0.5);
                    (t.cos() * 0.6, t.sin() * 0.6)
                })
                .collect();
            let _ = write!(
                out,
                r#"<polygon data-marker="event-based" points="{}" fill="none" stroke="{stroke}" stroke-width="1.2"/>"#,
                points(&pentagon, (cx, cy), a)
            );
            return;
        }
        _ => {
            // Complex: an asterisk of four strokes.
            let d = a * 0.7;
            (
                format!(
                    "M{cx:.1},{:.1}V{:.1}M{:.1},{cy:.1}H{:.1}M{:.1},{:.1}L{:.1},{:.1}M{:.1},{:.1}L{:.1},{:.1}",
                    cy - a,
                    cy + a,
                    cx - a,
                    cx + a,
                    cx - d,
                    cy - d,
                    cx + d,
                    cy + d,
                    cx + d,
                    cy - d,
                    cx - d,
                    cy + d
                ),
                2.5,
            )
        }
    };
    let _ = write!(
        out,
        r#"<path data-marker="gateway" d="{path}" fill="none" stroke="{stroke}" stroke-width="{width}" stroke-linecap="round"/>"#
    );
}

/// A task's kind, drawn in a 14 px box at its top left corner `(x, y)`.
fn task_marker(out: &mut String, kind: &Kind, (x, y): (f64, f64), stroke: &str) {
    let at = |dx: f64, dy: f64| format!("{:.1},{:.1}", x + dx, y + dy);
    let body = match kind {
        Kind::UserTask => format!(
            r#"<circle cx="{:.1}" cy="{:.1}" r="3.2" fill="none" stroke="{stroke}" stroke-width="1.2"/><path d="M{}C{} {} {}" fill="none" stroke="{stroke}" stroke-width="1.2"/>"#,
            x + 7.0,
            y + 4.0,
            at(1.0, 14.0),
            at(1.0, 7.5),
            at(13.0, 7.5),
            at(13.0, 14.0)
        ),
        Kind::ServiceTask => {
            // A cog: eight teeth round a ring.
            let mut teeth = String::new();
            for i in 0..8 {
                let t = std::f64::consts::PI * i as f64 / 4.0;
                let (c, s) = (t.cos(), t.sin());
                let _ = write!(
                    teeth,
                    "M{:.1},{:.1}L{:.1},{:.1}",
                    x + 7.0 + c * 4.0,
                    y + 7.0 + s * 4.0,
                    x + 7.0 + c * 6.8,
                    y + 7.0 + s * 6.8
                );
            }
            format!(
                r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="none" stroke="{stroke}" stroke-width="1.6"/><path d="{teeth}" fill="none" stroke="{stroke}" stroke-width="2.2"/>"#,
                x + 7.0,
                y + 7.0
            )
        }
        Kind::SendTask | Kind::ReceiveTask { .. } => {
            let send = matches!(kind, Kind::SendTask);
            let (fill, flap) = if send {
                (stroke, PAPER)
            } else {
                ("none", stroke)
            };
            format!(
                r#"<rect x="{:.1}" y="{:.1}" width="14" height="10" fill="{fill}" stroke="{stroke}" stroke-width="1.2"/><path d="M{}L{}L{}" fill="none" stroke="{flap}" stroke-width="1.2"/>"#,
                x,
                y + 2.0,
                at(0.0, 2.0),
                at(7.0, 8.0),
                at(14.0, 2.0)
            )
        }
        Kind::BusinessRuleTask => format!(
            r#"<rect x="{:.1}" y="{:.1}" width="14" height="11" fill="none" stroke="{stroke}" stroke-width="1.2"/><path d="M{}H{:.1}M{}H{:.1}M{}V{:.1}" fill="none" stroke="{stroke}" stroke-width="1"/>"#,
            x,
            y + 1.0,
            at(0.0, 4.5),
            x + 14.0,
            at(0.0, 8.0),
            x + 14.0,
            at(4.5, 4.5),
            y + 12.0
        ),
        Kind::ScriptTask => format!(
            r#"<path d="M{}H{:.1}C{} {} {}H{:.1}C{} {} {}Z" fill="none" stroke="{stroke}" stroke-width="1.2"/><path d="M{}h6M{}h6M{}h6" fill="none" stroke="{stroke}" stroke-width="1"/>"#,
            at(3.0, 0.5),
            x + 13.0,
            at(9.0, 4.0),
            at(15.0, 10.0),
            at(11.0, 13.5),
            x + 1.0,
            at(5.0, 10.0),
            at(-1.0, 4.0),
            at(3.0, 0.5),
            at(4.0, 4.0),
            at(4.5, 7.0),
            at(4.0, 10.0)
        ),
        Kind::CallActivity => format!(
            r#"<rect x="{:.1}" y="{:.1}" width="12" height="12" fill="none" stroke="{stroke}" stroke-width="1.2"/><path d="M{}V{:.1}M{}H{:.1}" fill="none" stroke="{stroke}" stroke-width="1.5"/>"#,
            x + 1.0,
            y + 1.0,
            at(7.0, 3.5),
            y + 10.5,
            at(3.5, 7.0),
            x + 10.5
        ),
        _ => return,
    };
    let _ = write!(out, r#"<g data-marker="task">{body}</g>"#);
}

/// Points of a shape given around `(0, 0)`, scaled by `k` and moved to `c`.
fn points(p: &[(f64, f64)], (cx, cy): (f64, f64), k: f64) -> String {
    p.iter()
        .map(|(x, y)| format!("{:.1},{:.1}", cx + x * k, cy + y * k))
        .collect::<Vec<_>>()
        .join(" ")
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
