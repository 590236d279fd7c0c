//! `yagona process check`, `registry validate` and deployment: which parts of a model the
//! engine cannot run, and why — and what would run but probably not as meant.
//!
//! The executable subset: start events (none, timer, message), end events (none, terminate,
//! error, message), service, user, send, receive, business-rule tasks (and plain/manual tasks,
//! which pass through), embedded and event sub-processes, call activities, exclusive, parallel,
//! inclusive and event-based gateways, timer and message catch events, timer/message/error
//! boundary events, and multi-instance tasks. Anything else is reported with its id, line and
//! reason — never silently skipped. Every FEEL expression must parse and every timer value be
//! ISO 8601 ([`crate::timer`]); references (messages, errors, decisions, called processes where
//! they are known) must resolve.
//!
//! Findings are [`Severity::Error`] (refused: the model is not deployed) or
//! [`Severity::Warning`]: a deadlock an exclusive or inclusive split into a parallel join
//! makes, a loop with no wait state, an element nothing leads to, a process that is not
//! executable (documentation only).

mod flow;

use crate::model::*;
use crate::timer::{self, TimerField};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The model is refused.
    Error,
    /// It runs, but probably not as meant.
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The element's id (or the process's, for process-wide findings).
    pub id: String,
    /// The BPMN element name, e.g. `complexGateway`.
    pub element: String,
    pub line: usize,
    pub reason: String,
    pub severity: Severity,
}

impl Finding {
    /// Whether the model is refused for it.
    pub fn blocks(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl std::fmt::Display for Finding {
    /// `line 12: approve (exclusiveGateway): reason`, with `warning: ` before a warning.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.severity == Severity::Warning {
            write!(f, "warning: ")?;
        }
        write!(
            f,
            "line {}: {} ({}): {}",
            self.line, self.id, self.element, self.reason
        )
    }
}

/// What the model may refer to outside its file. `None`: not known here, not checked.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Processes a call activity may call (the model's own are always known).
    pub processes: Option<BTreeSet<String>>,
    /// Decisions a business-rule task may call.
    pub decisions: Option<BTreeSet<String>>,
}

struct Ctx<'a> {
    known: &'a Known,
    out: Vec<Finding>,
    /// The ids of the file's messages, errors and processes: looked up once per reference,
    /// not by going through the lists (quadratic in the model's size).
    messages: HashSet<&'a str>,
    errors: HashSet<&'a str>,
    escalations: HashSet<&'a str>,
    signals: HashSet<&'a str>,
    processes: HashSet<&'a str>,
    /// The process's own associations, where a sub-process's compensation boundary event may
    /// also find its handler.
    root_associations: HashMap<&'a str, &'a str>,
}

/// A (sub-)process's elements and flows by id.
struct Index<'a> {
    elements: HashMap<&'a str, &'a FlowElement>,
    flows: HashMap<&'a str, &'a SequenceFlow>,
    /// Associations by source (a compensation boundary event → its handler).
    associations: HashMap<&'a str, &'a str>,
    /// Link catch events by name: how many.
    links: HashMap<&'a str, usize>,
}

impl<'a> Index<'a> {
    fn of(s: &'a Scope) -> Self {
        let mut elements = HashMap::new();
        let mut links = HashMap::new();
        for e in &s.elements {
            if let Kind::IntermediateCatchEvent {
                trigger: Trigger::Link { name: Some(n) },
            } = &e.kind
            {
                *links.entry(n.as_str()).or_insert(0) += 1;
            }
            // The first of the same id, as `Scope::element` finds it.
            elements.entry(e.id.as_str()).or_insert(e);
        }
        let mut flows = HashMap::new();
        for f in &s.flows {
            flows.entry(f.id.as_str()).or_insert(f);
        }
        let associations = s
            .associations
            .iter()
            .map(|(from, to)| (from.as_str(), to.as_str()))
            .collect();
        Index {
            associations,
            elements,
            flows,
            links,
        }
    }
}

impl Ctx<'_> {
    fn find(&mut self, e: &FlowElement, reason: impl Into<String>) {
        self.push(&e.id, e.kind.tag(), e.line, reason, Severity::Error);
    }
    fn warn(&mut self, e: &FlowElement, reason: impl Into<String>) {
        self.push(&e.id, e.kind.tag(), e.line, reason, Severity::Warning);
    }
    fn push(
        &mut self,
        id: &str,
        element: &str,
        line: usize,
        reason: impl Into<String>,
        severity: Severity,
    ) {
        self.out.push(Finding {
            id: id.to_owned(),
            element: element.to_owned(),
            line,
            reason: reason.into(),
            severity,
        });
    }
    fn message_known(&self, id: &Option<String>) -> bool {
        id.as_ref()
            .is_some_and(|m| self.messages.contains(m.as_str()))
    }
    /// A FEEL expression (or literal) in `what` of an element must parse.
    fn expression(&mut self, e: &FlowElement, what: &str, text: &str) {
        if let Err(err) = crate::feel::syntax(text) {
            self.find(e, format!("{what}: {err}"));
        }
    }
    /// A timer value: an expression must parse, a literal must be valid ISO 8601.
    fn timer_value(&mut self, e: &FlowElement, field: TimerField, text: &str) {
        if text.trim_start().starts_with('=') {
            self.expression(e, field.element(), text);
        } else if let Some(why) = timer::problem(field, text) {
            self.find(e, format!("{}: {why}", field.element()));
        }
    }
}

/// Everything in the model the engine cannot run (errors), and what looks wrong (warnings),
/// checked on its own: references outside the file are not checked.
pub fn check(defs: &Definitions) -> Vec<Finding> {
    check_against(defs, &Known::default())
}

/// [`check`], with the processes and decisions the model may call outside its file.
pub fn check_against(defs: &Definitions, known: &Known) -> Vec<Finding> {
    let mut c = Ctx {
        known,
        out: Vec::new(),
        messages: defs.messages.iter().map(|m| m.id.as_str()).collect(),
        errors: defs.errors.iter().map(|e| e.id.as_str()).collect(),
        escalations: defs.escalations.iter().map(|e| e.id.as_str()).collect(),
        signals: defs.signals.iter().map(|e| e.id.as_str()).collect(),
        processes: defs.processes.iter().map(|p| p.id.as_str()).collect(),
        root_associations: HashMap::new(),
    };
    if defs.processes.is_empty() {
        c.push(
            &defs.id,
            "definitions",
            1,
            "the file defines no process",
            Severity::Error,
        );
    }
    for m in &defs.messages {
        if let Some(key) = &m.correlation_key {
            if let Err(err) = crate::feel::syntax(key) {
                c.push(
                    &m.id,
                    "message",
                    m.line,
                    format!("zeebe:subscription correlationKey: {err}"),
                    Severity::Error,
                );
            }
        }
    }
    for p in &defs.processes {
        if !p.executable {
            c.push(
                &p.id,
                "process",
                p.line,
                "isExecutable is not true: the process is documentation only and is not deployed",
                Severity::Warning,
            );
            continue;
        }
        let starts = p
            .scope
            .elements
            .iter()
            .filter(|e| matches!(e.kind, Kind::StartEvent { .. }))
            .count();
        if starts == 0 {
            c.push(
                &p.id,
                "process",
                p.line,
                "the process has no start event",
                Severity::Error,
            );
        }
        c.root_associations = p
            .scope
            .associations
            .iter()
            .map(|(from, to)| (from.as_str(), to.as_str()))
            .collect();
        scope(&mut c, &p.scope, ScopeKind::Process);
    }
    c.out
}

#[derive(Clone, Copy, PartialEq)]
enum ScopeKind {
    Process,
    SubProcess,
    EventSubProcess,
    AdHoc,
}

fn scope(c: &mut Ctx<'_>, s: &Scope, kind: ScopeKind) {
    let ids: HashSet<&str> = s.elements.iter().map(|e| e.id.as_str()).collect();
    for f in &s.flows {
        for (end, id) in [("source", &f.source), ("target", &f.target)] {
            if !ids.contains(id.as_str()) {
                c.push(
                    &f.id,
                    "sequenceFlow",
                    f.line,
                    format!("the {end} {id:?} is not an element of the same (sub-)process"),
                    Severity::Error,
                );
            }
        }
        if let Some(why) = &f.refused {
            c.push(&f.id, "sequenceFlow", f.line, why.clone(), Severity::Error);
        }
        if let Some(condition) = &f.condition {
            if let Err(err) = crate::feel::syntax(condition) {
                c.push(
                    &f.id,
                    "sequenceFlow",
                    f.line,
                    format!("conditionExpression: {err}"),
                    Severity::Error,
                );
            }
        }
    }
    if kind == ScopeKind::AdHoc {
        // Camunda's constraints: no start or end events, at least one activity.
        for e in &s.elements {
            if matches!(e.kind, Kind::StartEvent { .. } | Kind::EndEvent { .. }) {
                c.find(
                    e,
                    "an ad-hoc sub-process has no start or end events: its elements are started by activeElementsCollection or through the API",
                );
            }
        }
        if !s.elements.iter().any(|e| e.kind.is_activity()) {
            if let Some(first) = s.elements.first() {
                c.find(first, "an ad-hoc sub-process needs at least one activity");
            }
        }
    } else if kind != ScopeKind::Process {
        let starts: Vec<&FlowElement> = s
            .elements
            .iter()
            .filter(|e| matches!(e.kind, Kind::StartEvent { .. }))
            .collect();
        if starts.len() != 1 {
            if let Some(first) = s.elements.first() {
                let what = if kind == ScopeKind::EventSubProcess {
                    "an event sub-process"
                } else {
                    "a sub-process"
                };
                c.find(
                    first,
                    format!(
                        "{what} needs exactly one start event, found {}",
                        starts.len()
                    ),
                );
            }
        }
    }
    let index = Index::of(s);
    for e in &s.elements {
        element(c, &index, e, kind);
        expressions(c, e);
    }
    flow::warnings(c, s, kind == ScopeKind::AdHoc);
}

/// Every expression an element carries must parse.
fn expressions(c: &mut Ctx<'_>, e: &FlowElement) {
    let z = &e.zeebe;
    let optional = [
        ("zeebe:taskDefinition type", &z.task_type),
        ("zeebe:taskDefinition retries", &z.retries),
        ("zeebe:assignmentDefinition assignee", &z.assignee),
        (
            "zeebe:assignmentDefinition candidateGroups",
            &z.candidate_groups,
        ),
        (
            "zeebe:assignmentDefinition candidateUsers",
            &z.candidate_users,
        ),
        ("zeebe:taskSchedule dueDate", &z.due_date),
        ("zeebe:taskSchedule followUpDate", &z.follow_up_date),
        ("zeebe:calledElement processId", &z.called_process),
        ("zeebe:calledDecision decisionId", &z.called_decision),
        ("zeebe:script expression", &z.script),
    ];
    for (what, text) in optional {
        if let Some(text) = text {
            c.expression(e, what, text);
        }
    }
    for m in &z.inputs {
        c.expression(e, &format!("zeebe:input {:?}", m.target), &m.source);
    }
    for m in &z.outputs {
        c.expression(e, &format!("zeebe:output {:?}", m.target), &m.source);
    }
    if let Some(mi) = &e.multi_instance {
        if let Some(text) = &mi.input_collection {
            c.expression(e, "zeebe:loopCharacteristics inputCollection", text);
        }
        if let Some(text) = &mi.output_element {
            c.expression(e, "zeebe:loopCharacteristics outputElement", text);
        }
        if let Some(text) = &mi.completion_condition {
            c.expression(e, "completionCondition", text);
        }
    }
    if let Kind::AdHocSubProcess {
        active_elements,
        completion_condition,
        ..
    } = &e.kind
    {
        if let Some(text) = active_elements {
            c.expression(e, "zeebe:adHoc activeElementsCollection", text);
        }
        if let Some(text) = completion_condition {
            c.expression(e, "completionCondition", text);
        }
    }
    let trigger = match &e.kind {
        Kind::StartEvent { trigger, .. }
        | Kind::IntermediateCatchEvent { trigger }
        | Kind::BoundaryEvent { trigger, .. } => Some(trigger),
        _ => None,
    };
    if let Some(Trigger::Timer {
        date,
        duration,
        cycle,
        ..
    }) = trigger
    {
        for (field, text) in [
            (TimerField::Date, date),
            (TimerField::Duration, duration),
            (TimerField::Cycle, cycle),
        ] {
            if let Some(text) = text {
                c.timer_value(e, field, text);
            }
        }
    }
    // A called process or decision named as a literal must exist where that is known.
    let literal = |t: &Option<String>| {
        t.as_ref()
            .filter(|t| !t.trim_start().starts_with('=') && !t.is_empty())
            .cloned()
    };
    if let (Some(called), Some(known)) = (literal(&z.called_process), &c.known.processes) {
        let own = c.processes.contains(called.as_str());
        if !own && !known.contains(&called) {
            c.find(
                e,
                format!("calls process {called:?}, which is neither in this file nor deployed"),
            );
        }
    }
    if let (Some(decision), Some(known), None) = (
        literal(&z.called_decision),
        &c.known.decisions,
        &z.task_type,
    ) {
        if !known.contains(&decision) {
            c.find(
                e,
                format!("calls decision {decision:?}, which no .dmn file of the service defines"),
            );
        }
    }
}

fn timer_ok(t: &Trigger) -> bool {
    matches!(t, Trigger::Timer { date, duration, cycle, .. } if date.is_some() || duration.is_some() || cycle.is_some())
}

fn element(c: &mut Ctx<'_>, s: &Index<'_>, e: &FlowElement, in_scope: ScopeKind) {
    for why in &e.refused {
        c.find(e, why.clone());
    }
    if e.for_compensation && (!e.incoming.is_empty() || !e.outgoing.is_empty()) {
        c.find(
            e,
            "a compensation handler (isForCompensation) has no incoming or outgoing sequence flows: compensation starts it",
        );
    }
    if e.standard_loop {
        c.find(
            e,
            "standard loops are not supported; use multi-instance (sequential) instead",
        );
    }
    if let Some(mi) = &e.multi_instance {
        if !matches!(
            e.kind,
            Kind::ServiceTask
                | Kind::UserTask
                | Kind::SendTask
                | Kind::ReceiveTask { .. }
                | Kind::BusinessRuleTask
                | Kind::ScriptTask
                | Kind::Task
                | Kind::ManualTask
                | Kind::CallActivity
                | Kind::SubProcess {
                    triggered_by_event: false,
                    ..
                }
        ) {
            c.find(
                e,
                "multi-instance runs on tasks, embedded sub-processes and call activities",
            );
        } else if mi.input_collection.is_none() {
            c.find(
                e,
                "multi-instance needs zeebe:loopCharacteristics inputCollection",
            );
        }
    }
    let unsupported_trigger = |t: &Trigger, allowed: &str| {
        format!(
            "a {} {} is not supported (supported: {allowed})",
            t.label(),
            e.kind.tag()
        )
    };
    match &e.kind {
        Kind::StartEvent { trigger, .. } => {
            let ok = match in_scope {
                ScopeKind::EventSubProcess => matches!(
                    trigger,
                    Trigger::Message { .. }
                        | Trigger::Error { .. }
                        | Trigger::Timer { .. }
                        | Trigger::Escalation { .. }
                        | Trigger::Signal { .. }
                ),
                ScopeKind::SubProcess => matches!(trigger, Trigger::None),
                // Said once for the scope, above.
                ScopeKind::AdHoc => true,
                ScopeKind::Process => matches!(
                    trigger,
                    Trigger::None
                        | Trigger::Timer { .. }
                        | Trigger::Message { .. }
                        | Trigger::Signal { .. }
                ),
            };
            if !ok {
                let allowed = match in_scope {
                    ScopeKind::EventSubProcess => "message, error, timer, escalation, signal",
                    ScopeKind::SubProcess | ScopeKind::AdHoc => "none",
                    ScopeKind::Process => "none, timer, message, signal",
                };
                c.find(e, unsupported_trigger(trigger, allowed));
            }
            trigger_details(c, e, trigger);
        }
        Kind::EndEvent { trigger } => {
            if !matches!(
                trigger,
                Trigger::None
                    | Trigger::Terminate
                    | Trigger::Error { .. }
                    | Trigger::Message { .. }
                    | Trigger::Escalation { .. }
                    | Trigger::Signal { .. }
                    | Trigger::Compensation { .. }
            ) {
                c.find(
                    e,
                    unsupported_trigger(
                        trigger,
                        "none, terminate, error, message, escalation, signal, compensation",
                    ),
                );
            }
            compensation_ref(c, s, e, trigger);
            // A message throw or end event is sent by a worker and needs no messageRef.
            if let Trigger::Escalation { .. } | Trigger::Signal { .. } = trigger {
                trigger_details(c, e, trigger);
            }
            if let Trigger::Error { error } = trigger {
                if !error
                    .as_ref()
                    .is_some_and(|r| c.errors.contains(r.as_str()))
                {
                    c.find(
                        e,
                        "an error end event needs an errorRef to an <error> of the file",
                    );
                }
            }
        }
        Kind::IntermediateCatchEvent { trigger } => {
            if !matches!(
                trigger,
                Trigger::Timer { .. }
                    | Trigger::Message { .. }
                    | Trigger::Link { .. }
                    | Trigger::Signal { .. }
            ) {
                c.find(
                    e,
                    unsupported_trigger(trigger, "timer, message, link, signal"),
                );
            }
            trigger_details(c, e, trigger);
            if let Trigger::Link { name } = trigger {
                let same = name
                    .as_deref()
                    .and_then(|n| s.links.get(n))
                    .copied()
                    .unwrap_or(0);
                if name.is_none() {
                    c.find(
                        e,
                        "a link catch event needs a name (linkEventDefinition name)",
                    );
                } else if same > 1 {
                    c.find(e, format!("{same} link catch events are named {name:?} in the same (sub-)process; a link needs exactly one"));
                }
            }
        }
        Kind::IntermediateThrowEvent { trigger } => {
            if !matches!(
                trigger,
                Trigger::None
                    | Trigger::Message { .. }
                    | Trigger::Link { .. }
                    | Trigger::Escalation { .. }
                    | Trigger::Signal { .. }
                    | Trigger::Compensation { .. }
            ) {
                c.find(
                    e,
                    unsupported_trigger(
                        trigger,
                        "none, message, link, escalation, signal, compensation",
                    ),
                );
            }
            compensation_ref(c, s, e, trigger);
            // A message throw or end event is sent by a worker and needs no messageRef.
            if let Trigger::Escalation { .. } | Trigger::Signal { .. } = trigger {
                trigger_details(c, e, trigger);
            }
            if let Trigger::Link { name } = trigger {
                if name
                    .as_deref()
                    .and_then(|n| s.links.get(n))
                    .copied()
                    .unwrap_or(0)
                    == 0
                    || name.is_none()
                {
                    c.find(
                        e,
                        format!(
                            "no link catch event named {name:?} in the same (sub-)process to go to"
                        ),
                    );
                }
            }
        }
        Kind::BoundaryEvent {
            trigger,
            attached_to,
            ..
        } => {
            if !matches!(
                trigger,
                Trigger::Timer { .. }
                    | Trigger::Message { .. }
                    | Trigger::Error { .. }
                    | Trigger::Escalation { .. }
                    | Trigger::Signal { .. }
                    | Trigger::Compensation { .. }
            ) {
                c.find(
                    e,
                    unsupported_trigger(
                        trigger,
                        "timer, message, error, escalation, signal, compensation",
                    ),
                );
            }
            if let Trigger::Compensation { .. } = trigger {
                let handler = s
                    .associations
                    .get(e.id.as_str())
                    .or_else(|| c.root_associations.get(e.id.as_str()))
                    .and_then(|h| s.elements.get(h));
                match handler {
                    Some(h) if h.for_compensation && h.kind.is_activity() => {}
                    Some(h) => c.find(
                        e,
                        format!(
                            "its handler {:?} must be an activity marked isForCompensation",
                            h.id
                        ),
                    ),
                    None => c.find(
                        e,
                        "a compensation boundary event needs an association to its handler (an activity marked isForCompensation)",
                    ),
                }
            }
            // An escalation reaches a boundary from inside an embedded sub-process, or from the
            // process a call activity called.
            if matches!(trigger, Trigger::Escalation { .. })
                && !s
                    .elements
                    .get(attached_to.as_str())
                    .is_some_and(|a| matches!(a.kind, Kind::SubProcess { .. } | Kind::CallActivity))
            {
                c.find(
                    e,
                    "an escalation boundary event runs on an embedded sub-process or a call activity (only they can throw one)",
                );
            }
            if !s
                .elements
                .get(attached_to.as_str())
                .is_some_and(|a| a.kind.is_activity())
            {
                c.find(e, format!("attachedToRef {attached_to:?} is not an activity of the same (sub-)process"));
            }
            trigger_details(c, e, trigger);
        }
        Kind::ServiceTask | Kind::SendTask => {
            if e.zeebe.task_type.as_deref().is_none_or(str::is_empty) {
                c.find(
                    e,
                    "needs a job type (zeebe:taskDefinition type) for a worker to do it",
                );
            }
        }
        Kind::BusinessRuleTask => {
            if e.zeebe.called_decision.is_none() && e.zeebe.task_type.is_none() {
                c.find(e, "needs a decision (zeebe:calledDecision decisionId) or a job type (zeebe:taskDefinition)");
            }
        }
        Kind::ScriptTask => {
            if e.zeebe.script.is_none() && e.zeebe.task_type.is_none() {
                c.find(
                    e,
                    "needs a FEEL expression (zeebe:script) or a job type (zeebe:taskDefinition)",
                );
            }
        }
        Kind::ReceiveTask { message } => {
            if !c.message_known(message) {
                c.find(e, "needs a messageRef to a <message> of the file");
            }
        }
        Kind::CallActivity => {
            if e.zeebe.called_process.as_deref().is_none_or(str::is_empty) {
                c.find(
                    e,
                    "needs the called process id (zeebe:calledElement processId)",
                );
            }
        }
        Kind::UserTask | Kind::Task | Kind::ManualTask | Kind::ParallelGateway => {}
        Kind::SubProcess {
            triggered_by_event,
            scope: inner,
        } => {
            scope(
                c,
                inner,
                if *triggered_by_event {
                    ScopeKind::EventSubProcess
                } else {
                    ScopeKind::SubProcess
                },
            );
        }
        Kind::Transaction { .. } => c.find(
            e,
            "transactions (with compensation and cancel) are not supported",
        ),
        Kind::AdHocSubProcess { scope: inner, .. } => {
            if e.zeebe.task_type.is_some() {
                c.find(e, "an ad-hoc sub-process run by a job worker (zeebe:taskDefinition) is not supported; start its elements with activeElementsCollection or through the API");
            }
            scope(c, inner, ScopeKind::AdHoc);
        }
        Kind::ComplexGateway => c.find(e, "complex gateways are not supported"),
        Kind::ExclusiveGateway { default } | Kind::InclusiveGateway { default } => {
            if e.outgoing.len() > 1 {
                for id in &e.outgoing {
                    let flow = s.flows.get(id.as_str());
                    if default.as_ref() != Some(id) && flow.is_some_and(|f| f.condition.is_none()) {
                        c.find(
                            e,
                            format!(
                                "outgoing flow {id:?} has no condition and is not the default flow"
                            ),
                        );
                    }
                }
            }
        }
        Kind::EventBasedGateway => {
            for id in &e.outgoing {
                let target = s
                    .flows
                    .get(id.as_str())
                    .and_then(|f| s.elements.get(f.target.as_str()));
                let ok = target.is_some_and(|t| {
                    matches!(
                        t.kind,
                        Kind::IntermediateCatchEvent {
                            trigger: Trigger::Timer { .. } | Trigger::Message { .. }
                        } | Kind::ReceiveTask { .. }
                    )
                });
                if !ok {
                    c.find(
                        e,
                        format!("outgoing flow {id:?} must lead to a timer or message catch event"),
                    );
                }
            }
        }
    }
}

/// A compensation throw's `activityRef` names an activity of the same (sub-)process.
fn compensation_ref(c: &mut Ctx<'_>, s: &Index<'_>, e: &FlowElement, t: &Trigger) {
    if let Trigger::Compensation {
        activity: Some(activity),
    } = t
    {
        if !s
            .elements
            .get(activity.as_str())
            .is_some_and(|a| a.kind.is_activity())
        {
            c.find(
                e,
                format!("activityRef {activity:?} is not an activity of the same (sub-)process"),
            );
        }
    }
}

fn trigger_details(c: &mut Ctx<'_>, e: &FlowElement, t: &Trigger) {
    match t {
        Trigger::Timer { .. } if !timer_ok(t) => {
            c.find(e, "a timer needs timeDate, timeDuration or timeCycle")
        }
        Trigger::Message { message } if !c.message_known(message) => {
            c.find(e, "needs a messageRef to a <message> of the file")
        }
        // Without an errorRef it catches every error; with one, the error must exist.
        Trigger::Error { error: Some(r) } if !c.errors.contains(r.as_str()) => {
            c.find(e, format!("errorRef {r:?} is not an <error> of the file"))
        }
        Trigger::Signal { signal } if !signal.as_deref().is_some_and(|r| c.signals.contains(r)) => {
            c.find(e, "needs a signalRef to a <signal> of the file")
        }
        Trigger::Escalation {
            escalation: Some(r),
        } if !c.escalations.contains(r.as_str()) => c.find(
            e,
            format!("escalationRef {r:?} is not an <escalation> of the file"),
        ),
        _ => {}
    }
}
