//! `yagona process check`: which parts of a model the engine cannot run, and why.
//!
//! The executable subset: start events (none, timer, message), end events (none, terminate,
//! error, message), service, user, send, receive, business-rule tasks (and plain/manual tasks,
//! which pass through), embedded and event sub-processes, call activities, exclusive, parallel,
//! inclusive and event-based gateways, timer and message catch events, timer/message/error
//! boundary events, and multi-instance tasks. Anything else is reported with its id, line and reason — never silently skipped.

use crate::model::*;
use serde::Serialize;
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The element's id (or the process's, for process-wide findings).
    pub id: String,
    /// The BPMN element name, e.g. `complexGateway`.
    pub element: String,
    pub line: usize,
    pub reason: String,
}

struct Ctx<'a> {
    defs: &'a Definitions,
    out: Vec<Finding>,
}

impl Ctx<'_> {
    fn find(&mut self, e: &FlowElement, reason: impl Into<String>) {
        self.out.push(Finding {
            id: e.id.clone(),
            element: e.kind.tag().to_owned(),
            line: e.line,
            reason: reason.into(),
        });
    }
    fn message_known(&self, id: &Option<String>) -> bool {
        id.as_ref()
            .is_some_and(|m| self.defs.messages.iter().any(|x| &x.id == m))
    }
}

/// Everything in the model the engine cannot run. Empty means every executable process runs.
pub fn check(defs: &Definitions) -> Vec<Finding> {
    let mut c = Ctx {
        defs,
        out: Vec::new(),
    };
    if defs.processes.is_empty() {
        c.out.push(Finding {
            id: defs.id.clone(),
            element: "definitions".into(),
            line: 1,
            reason: "the file defines no process".into(),
        });
    }
    for p in &defs.processes {
        if !p.executable {
            c.out.push(Finding {
                id: p.id.clone(),
                element: "process".into(),
                line: p.line,
                reason: "isExecutable is not true: the process is documentation only and is not deployed".into(),
            });
            continue;
        }
        let starts = p
            .scope
            .elements
            .iter()
            .filter(|e| matches!(e.kind, Kind::StartEvent { .. }))
            .count();
        if starts == 0 {
            c.out.push(Finding {
                id: p.id.clone(),
                element: "process".into(),
                line: p.line,
                reason: "the process has no start event".into(),
            });
        }
        scope(&mut c, &p.scope, ScopeKind::Process);
    }
    c.out
}

#[derive(Clone, Copy, PartialEq)]
enum ScopeKind {
    Process,
    SubProcess,
    EventSubProcess,
}

fn scope(c: &mut Ctx<'_>, s: &Scope, kind: ScopeKind) {
    let ids: HashSet<&str> = s.elements.iter().map(|e| e.id.as_str()).collect();
    for f in &s.flows {
        for (end, id) in [("source", &f.source), ("target", &f.target)] {
            if !ids.contains(id.as_str()) {
                c.out.push(Finding {
                    id: f.id.clone(),
                    element: "sequenceFlow".into(),
                    line: f.line,
                    reason: format!("the {end} {id:?} is not an element of the same (sub-)process"),
                });
            }
        }
    }
    if kind != ScopeKind::Process {
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
                c.out.push(Finding {
                    id: first.id.clone(),
                    element: first.kind.tag().into(),
                    line: first.line,
                    reason: format!(
                        "{what} needs exactly one start event, found {}",
                        starts.len()
                    ),
                });
            }
        }
    }
    for e in &s.elements {
        element(c, s, e, kind);
    }
}

fn timer_ok(t: &Trigger) -> bool {
    matches!(t, Trigger::Timer { date, duration, cycle, .. } if date.is_some() || duration.is_some() || cycle.is_some())
}

fn element(c: &mut Ctx<'_>, s: &Scope, e: &FlowElement, in_scope: ScopeKind) {
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
        ) {
            c.find(e, "multi-instance runs on tasks only");
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
                    Trigger::Message { .. } | Trigger::Error { .. } | Trigger::Timer { .. }
                ),
                ScopeKind::SubProcess => matches!(trigger, Trigger::None),
                ScopeKind::Process => matches!(
                    trigger,
                    Trigger::None | Trigger::Timer { .. } | Trigger::Message { .. }
                ),
            };
            if !ok {
                let allowed = match in_scope {
                    ScopeKind::EventSubProcess => "message, error, timer",
                    ScopeKind::SubProcess => "none",
                    ScopeKind::Process => "none, timer, message",
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
            ) {
                c.find(
                    e,
                    unsupported_trigger(trigger, "none, terminate, error, message"),
                );
            }
            if let Trigger::Error { error } = trigger {
                if !error
                    .as_ref()
                    .is_some_and(|r| c.defs.errors.iter().any(|x| &x.id == r))
                {
                    c.find(
                        e,
                        "an error end event needs an errorRef to an <error> of the file",
                    );
                }
            }
        }
        Kind::IntermediateCatchEvent { trigger } => {
            if !matches!(trigger, Trigger::Timer { .. } | Trigger::Message { .. }) {
                c.find(e, unsupported_trigger(trigger, "timer, message"));
            }
            trigger_details(c, e, trigger);
        }
        Kind::IntermediateThrowEvent { trigger } => {
            if !matches!(trigger, Trigger::None | Trigger::Message { .. }) {
                c.find(e, unsupported_trigger(trigger, "none, message"));
            }
        }
        Kind::BoundaryEvent {
            trigger,
            attached_to,
            ..
        } => {
            if !matches!(
                trigger,
                Trigger::Timer { .. } | Trigger::Message { .. } | Trigger::Error { .. }
            ) {
                c.find(e, unsupported_trigger(trigger, "timer, message, error"));
            }
            if !s.element(attached_to).is_some_and(|a| a.kind.is_activity()) {
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
        Kind::AdHocSubProcess { .. } => c.find(e, "ad-hoc sub-processes are not supported"),
        Kind::ComplexGateway => c.find(e, "complex gateways are not supported"),
        Kind::ExclusiveGateway { default } | Kind::InclusiveGateway { default } => {
            if e.outgoing.len() > 1 {
                for id in &e.outgoing {
                    let flow = s.flows.iter().find(|f| &f.id == id);
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
                    .iter()
                    .find(|f| &f.id == id)
                    .and_then(|f| s.element(&f.target));
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

fn trigger_details(c: &mut Ctx<'_>, e: &FlowElement, t: &Trigger) {
    match t {
        Trigger::Timer { .. } if !timer_ok(t) => {
            c.find(e, "a timer needs timeDate, timeDuration or timeCycle")
        }
        Trigger::Message { message } if !c.message_known(message) => {
            c.find(e, "needs a messageRef to a <message> of the file")
        }
        _ => {}
    }
}
