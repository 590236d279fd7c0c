//! The execution core: one process instance as a serializable state, moved forward by events.
//!
//! An [`Instance`] holds everything a running process is: its scopes (the process and entered
//! sub-processes), the tokens waiting at joins, the work it waits for ([`Wait`]: a job for a
//! worker, a user task, a timer, a message) and its variables. Each call — start, complete a
//! wait, fire a timer, throw an error — runs the instance until it can go no further and says
//! what changed, so a store can persist the new state and the new waits in one transaction, and
//! a simulation can answer the waits at once. Nothing here does I/O.

use crate::feel::{ExprError, Expressions};
use crate::model::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet, VecDeque};

/// An element that completed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Completed {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    #[error("no executable process {0:?} in the model")]
    NoProcess(String),
    #[error("the process has no start event to start from")]
    NoStart,
    #[error("gateway {0:?}: no outgoing flow's condition is true and there is no default flow")]
    NoMatchingFlow(String),
    #[error("element {0:?}: {1}")]
    Expression(String, ExprError),
    #[error("error {code:?} thrown at {element:?} is not caught")]
    UncaughtError { element: String, code: String },
    #[error("the instance did not come to rest within {0} steps (a loop without a wait?)")]
    TooManySteps(usize),
    #[error("the model has no element {0:?} where the instance expects one (was it changed?)")]
    Broken(String),
    #[error("nothing waits with id {0}")]
    UnknownWait(u64),
    /// A timer whose value cannot be scheduled, a message whose correlation key cannot be
    /// read: the element cannot wait.
    #[error("{element:?} cannot wait: {message}")]
    CannotWait { element: String, message: String },
    /// Elements asked of an ad-hoc sub-process that cannot be started there.
    #[error("ad-hoc sub-process {ad_hoc:?}: {message}")]
    AdHoc { ad_hoc: String, message: String },
}

/// What a wait is for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum WaitKind {
    /// Work for a job worker (service, send, business-rule, script tasks; call activities).
    Job { job_type: Option<String> },
    /// Work for a person (a user task).
    UserTask,
    /// A timer: the model's expression, resolved to a moment by whoever schedules it.
    Timer {
        date: Option<String>,
        duration: Option<String>,
        cycle: Option<String>,
        /// Whole days of the duration are working days on the holiday calendar.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        working_days: bool,
    },
    /// A message to wait for.
    Message { message: Option<String> },
    /// A signal to wait for (by the `<signal>`'s id).
    Signal { signal: Option<String> },
}

impl WaitKind {
    /// What a catching event waits for: its timer, or its message.
    pub fn of_trigger(trigger: &Trigger) -> WaitKind {
        match trigger {
            Trigger::Timer {
                date,
                duration,
                cycle,
                working_days,
            } => WaitKind::Timer {
                date: date.clone(),
                duration: duration.clone(),
                cycle: cycle.clone(),
                working_days: *working_days,
            },
            Trigger::Message { message } => WaitKind::Message {
                message: message.clone(),
            },
            Trigger::Signal { signal } => WaitKind::Signal {
                signal: signal.clone(),
            },
            _ => WaitKind::Message { message: None },
        }
    }
}

/// Something the instance waits for, at one element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wait {
    pub id: u64,
    pub scope: usize,
    pub element: String,
    pub what: WaitKind,
    /// For boundary events: the wait of the activity they are attached to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_to: Option<u64>,
    /// For the events after an event-based gateway: the first to happen withdraws the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<u64>,
    /// The task's input variables (after input mappings), for the worker or the person.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub inputs: Map<String, Json>,
    /// Multi-instance: the element of the collection this instance works on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<Json>,
    /// A repeating timer (ISO 8601 cycle `R<n>/…`): how many times it has fired before.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub fired: u32,
    /// The start event of this event sub-process waits (a message or a timer in its scope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_sub: Option<String>,
    /// For boundary events of an embedded sub-process: the scope it runs in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_scope: Option<usize>,
    /// For boundary events of a multi-instance activity: the activity, whose instances it
    /// guards together (its body, in Camunda's words).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The number of repetitions of an ISO 8601 cycle (`R3/PT1H` → 3; `R/PT1H` → unbounded).
pub fn repetitions(cycle: &str) -> Option<u32> {
    let r = cycle.trim().strip_prefix('R')?.split('/').next()?;
    if r.is_empty() {
        Some(u32::MAX)
    } else {
        r.parse().ok()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ScopeState {
    parent: Option<usize>,
    /// The sub-process element that owns the scope (none for the process).
    owner: Option<String>,
    live: usize,
    /// Tokens waiting at joining gateways: gateway → incoming flow → count.
    joins: BTreeMap<String, BTreeMap<String, usize>>,
    done: bool,
    /// The scope's own variables (a sub-process's input mappings; a multi-instance
    /// sub-process's element of the collection and loop counter), over its parent's.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    vars: Map<String, Json>,
    /// One instance of a multi-instance sub-process: its place in the collection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    item: Option<usize>,
    /// An ad-hoc sub-process whose completion condition held while it waits for the elements
    /// still running: nothing more is started in it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    closing: bool,
    /// Ended by cancellation (an interrupting event, a terminate end event, a boundary event)
    /// rather than by completing: what completed inside it is not compensated.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    cancelled: bool,
    /// A compensation handler running for the compensation throw event of this id in the
    /// parent scope, which goes on once every handler it started is done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    compensation: Option<String>,
}

impl ScopeState {
    fn new(parent: Option<usize>, owner: Option<String>) -> ScopeState {
        ScopeState {
            parent,
            owner,
            live: 0,
            joins: BTreeMap::new(),
            done: false,
            vars: Map::new(),
            item: None,
            closing: false,
            cancelled: false,
            compensation: None,
        }
    }
}

/// Multi-instance bookkeeping of one activity in one scope.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Multi {
    /// How many instances in all (0 in states stored before it was kept: then as many as
    /// completed).
    #[serde(default)]
    total: usize,
    pending: usize,
    outputs: Vec<(usize, Json)>,
    /// Sequential: the items not started yet.
    queue: VecDeque<(usize, Json)>,
}

/// How a multi-instance activity goes on after one of its instances completed.
enum Next {
    /// Start the next instance (sequential): its place and element of the collection.
    Start(usize, Json),
    /// Wait for the instances still running.
    Wait,
    /// All done: the activity completes.
    Done,
}

/// One running (or ended) process instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instance {
    pub process: String,
    pub variables: Map<String, Json>,
    pub waits: Vec<Wait>,
    pub ended: bool,
    scopes: Vec<ScopeState>,
    multi: BTreeMap<String, Multi>,
    next_wait: u64,
    /// Activities that completed and have a compensation handler: (scope, activity), each
    /// compensated at most once.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    compensable: Vec<(usize, String)>,
}

/// What one call changed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Step {
    /// The wait this step answered (none for a start).
    pub consumed: Option<u64>,
    pub completed: Vec<Completed>,
    pub new_waits: Vec<Wait>,
    pub cancelled_waits: Vec<u64>,
    /// Signals thrown (by name), for the store to broadcast.
    pub signals: Vec<String>,
    /// Escalations (by code) nobody in the instance caught: a called process passes them to
    /// its call activity.
    pub escalations: Vec<String>,
}

const MAX_STEPS: usize = 100_000;

struct Run<'a> {
    defs: &'a Definitions,
    process: &'a Process,
    expr: &'a dyn Expressions,
    queue: VecDeque<(usize, String, Option<String>)>,
    step: Step,
    count: usize,
    /// The activities with a compensation boundary event, found when first needed.
    compensated: std::cell::OnceCell<HashSet<String>>,
}

impl Run<'_> {
    fn has_compensation(&self, activity: &str) -> bool {
        self.compensated
            .get_or_init(|| {
                self.process
                    .scope
                    .walk()
                    .into_iter()
                    .filter_map(|e| match &e.kind {
                        Kind::BoundaryEvent {
                            trigger: Trigger::Compensation { .. },
                            attached_to,
                            ..
                        } => Some(attached_to.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .contains(activity)
    }
}

fn find_scope<'a>(s: &'a Scope, owner: &str) -> Option<&'a Scope> {
    for e in &s.elements {
        if let Kind::SubProcess { scope, .. }
        | Kind::Transaction { scope }
        | Kind::AdHocSubProcess { scope, .. } = &e.kind
        {
            if e.id == owner {
                return Some(scope);
            }
            if let Some(found) = find_scope(scope, owner) {
                return Some(found);
            }
        }
    }
    None
}

impl Instance {
    /// Starts an instance at the process's none start event (or its first start event).
    pub fn start(
        defs: &Definitions,
        process: Option<&str>,
        variables: Map<String, Json>,
        expr: &dyn Expressions,
    ) -> Result<(Instance, Step), EngineError> {
        Self::start_at(defs, process, None, variables, expr)
    }

    /// Starts an instance at a given start event of the process (a message or timer start
    /// event that happened), or at its none start event.
    pub fn start_at(
        defs: &Definitions,
        process: Option<&str>,
        start_event: Option<&str>,
        variables: Map<String, Json>,
        expr: &dyn Expressions,
    ) -> Result<(Instance, Step), EngineError> {
        let p = defs
            .processes
            .iter()
            .find(|p| p.executable && process.is_none_or(|id| p.id == id))
            .ok_or_else(|| EngineError::NoProcess(process.unwrap_or("(any)").to_owned()))?;
        let starts = || {
            p.scope
                .elements
                .iter()
                .filter(|e| matches!(e.kind, Kind::StartEvent { .. }))
        };
        let start = match start_event {
            Some(id) => starts().find(|e| e.id == id),
            None => starts()
                .find(|e| {
                    matches!(
                        e.kind,
                        Kind::StartEvent {
                            trigger: Trigger::None,
                            ..
                        }
                    )
                })
                .or_else(|| starts().next()),
        }
        .ok_or(EngineError::NoStart)?;
        let mut inst = Instance {
            process: p.id.clone(),
            variables,
            waits: Vec::new(),
            ended: false,
            scopes: vec![ScopeState::new(None, None)],
            multi: BTreeMap::new(),
            next_wait: 1,
            compensable: Vec::new(),
        };
        let mut run = Run {
            defs,
            process: p,
            expr,
            queue: VecDeque::new(),
            step: Step::default(),
            count: 0,
            compensated: std::cell::OnceCell::new(),
        };
        inst.arm_event_subs(&mut run, 0)?;
        inst.spawn(&mut run, 0, &start.id, None);
        inst.drain(&mut run)?;
        Ok((inst, run.step))
    }

    fn run<'a>(
        &self,
        defs: &'a Definitions,
        expr: &'a dyn Expressions,
    ) -> Result<Run<'a>, EngineError> {
        let process = defs
            .processes
            .iter()
            .find(|p| p.id == self.process)
            .ok_or_else(|| EngineError::NoProcess(self.process.clone()))?;
        Ok(Run {
            defs,
            process,
            expr,
            queue: VecDeque::new(),
            step: Step::default(),
            count: 0,
            compensated: std::cell::OnceCell::new(),
        })
    }

    fn take_wait(&mut self, run: &mut Run<'_>, id: u64) -> Result<Wait, EngineError> {
        let i = self
            .waits
            .iter()
            .position(|w| w.id == id)
            .ok_or(EngineError::UnknownWait(id))?;
        run.step.consumed = Some(id);
        Ok(self.waits.remove(i))
    }

    /// Applies a change to a copy and keeps it only if it succeeds: a failed step (a gateway
    /// with no way out, a bad expression) leaves the instance exactly as it was.
    fn atomically(
        &mut self,
        f: impl FnOnce(&mut Instance) -> Result<Step, EngineError>,
    ) -> Result<Step, EngineError> {
        let mut next = self.clone();
        let step = f(&mut next)?;
        *self = next;
        Ok(step)
    }

    /// Joining gateways where tokens wait for others (in scopes still running): with nothing
    /// else to wait for, the instance is deadlocked there.
    pub fn waiting_joins(&self) -> Vec<String> {
        self.scopes
            .iter()
            .filter(|s| !s.done)
            .flat_map(|s| {
                s.joins
                    .iter()
                    .filter(|(_, arrived)| arrived.values().any(|n| *n > 0))
                    .map(|(gateway, _)| gateway.clone())
            })
            .collect()
    }

    /// The variables visible in a scope: the process's, with each enclosing sub-process's own
    /// on top (the innermost wins), as Camunda resolves a name from the inside out.
    pub fn variables_in(&self, scope: usize) -> Cow<'_, Map<String, Json>> {
        let mut chain = Vec::new();
        let mut at = Some(scope);
        while let Some(s) = at.and_then(|i| self.scopes.get(i)) {
            if !s.vars.is_empty() {
                chain.push(&s.vars);
            }
            at = s.parent;
        }
        if chain.is_empty() {
            return Cow::Borrowed(&self.variables);
        }
        let mut all = self.variables.clone();
        for vars in chain.into_iter().rev() {
            all.extend(vars.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        Cow::Owned(all)
    }

    /// The variables the element of a wait sees (a job's worker, a timer's expression).
    pub fn variables_for(&self, w: &Wait) -> Cow<'_, Map<String, Json>> {
        self.variables_in(w.scope)
    }

    /// Sets a variable as Camunda propagates it: in the innermost scope, from `scope` outwards,
    /// that has a variable of that name, else in the process's. A `path` (`a.b.c`, an output
    /// mapping's target) sets inside contexts; otherwise the name is taken whole.
    fn set_var(&mut self, scope: usize, name: &str, value: Json, path: bool) {
        let first = if path {
            name.split('.').next().unwrap_or(name)
        } else {
            name
        };
        let mut at = Some(scope);
        let mut target = None;
        while let Some(s) = at.and_then(|i| self.scopes.get(i)) {
            if s.vars.contains_key(first) {
                target = at;
                break;
            }
            at = s.parent;
        }
        let vars = match target {
            Some(i) => &mut self.scopes[i].vars,
            None => &mut self.variables,
        };
        if path {
            set_path(vars, name, value);
        } else {
            vars.insert(name.to_owned(), value);
        }
    }

    /// Completes a job or a user task with its result variables.
    pub fn complete(
        &mut self,
        defs: &Definitions,
        wait: u64,
        result: Map<String, Json>,
        expr: &dyn Expressions,
    ) -> Result<Step, EngineError> {
        self.atomically(|i| i.complete_inner(defs, wait, result, expr))
    }

    /// A timer is due, or a message arrived: the event it waits at happens.
    pub fn trigger(
        &mut self,
        defs: &Definitions,
        wait: u64,
        variables: Map<String, Json>,
        expr: &dyn Expressions,
    ) -> Result<Step, EngineError> {
        self.atomically(|i| i.trigger_inner(defs, wait, variables, expr))
    }

    /// A worker reports a business error for a job: caught by an error boundary event of the
    /// activity or of an enclosing sub-process; otherwise an error, and nothing changes.
    pub fn throw_error(
        &mut self,
        defs: &Definitions,
        wait: u64,
        code: &str,
        expr: &dyn Expressions,
    ) -> Result<Step, EngineError> {
        self.atomically(|i| i.throw_inner(defs, wait, code, expr))
    }

    /// Starts elements of a running ad-hoc sub-process (by the sub-process's id), as Camunda's
    /// "activate activities within an ad-hoc sub-process" does.
    pub fn activate_ad_hoc(
        &mut self,
        defs: &Definitions,
        ad_hoc: &str,
        elements: &[String],
        expr: &dyn Expressions,
    ) -> Result<Step, EngineError> {
        self.atomically(|i| {
            let mut run = i.run(defs, expr)?;
            let scope = (0..i.scopes.len())
                .find(|&s| {
                    let st = &i.scopes[s];
                    !st.done && !st.closing && st.owner.as_deref() == Some(ad_hoc)
                })
                .ok_or_else(|| EngineError::AdHoc {
                    ad_hoc: ad_hoc.to_owned(),
                    message: "it is not running".into(),
                })?;
            if !matches!(
                i.element(&run, i.scopes[scope].parent.unwrap_or(0), ad_hoc)?
                    .kind,
                Kind::AdHocSubProcess { .. }
            ) {
                return Err(EngineError::AdHoc {
                    ad_hoc: ad_hoc.to_owned(),
                    message: "it is not an ad-hoc sub-process".into(),
                });
            }
            i.activate(&mut run, scope, elements)?;
            i.drain(&mut run)?;
            Ok(run.step)
        })
    }

    /// An escalation the process called by this wait (a call activity) did not catch: caught
    /// by an escalation boundary event of the call activity, else outwards from it as if
    /// thrown there. An interrupting catch withdraws the call activity (and so ends the
    /// called process); uncaught, it goes on up to this instance's own caller.
    pub fn escalate_from(
        &mut self,
        defs: &Definitions,
        wait: u64,
        code: &str,
        expr: &dyn Expressions,
    ) -> Result<Step, EngineError> {
        self.atomically(|i| {
            let mut run = i.run(defs, expr)?;
            let w = i
                .waits
                .iter()
                .find(|x| x.id == wait)
                .cloned()
                .ok_or(EngineError::UnknownWait(wait))?;
            let activity = i.element(&run, w.scope, &w.element)?;
            let boundary = i.model(&run, w.scope)?.elements.iter().find(|b| {
                matches!(&b.kind, Kind::BoundaryEvent { trigger: Trigger::Escalation { escalation }, attached_to, .. }
                    if attached_to == &w.element && Self::catches_escalation(&run, escalation, code))
            });
            match boundary {
                Some(b) => {
                    if matches!(
                        b.kind,
                        Kind::BoundaryEvent {
                            cancel_activity: true,
                            ..
                        }
                    ) {
                        if activity.multi_instance.is_some() {
                            i.end_body(&mut run, w.scope, &w.element);
                        } else {
                            i.cancel_attached(&mut run, w.id);
                            i.cancel_wait(&mut run, w.id);
                        }
                    } else {
                        i.scopes[w.scope].live += 1;
                    }
                    i.leave(&mut run, w.scope, b)?;
                }
                None => {
                    i.escalate(&mut run, w.scope, code)?;
                }
            }
            i.drain(&mut run)?;
            Ok(run.step)
        })
    }

    fn complete_inner(
        &mut self,
        defs: &Definitions,
        wait: u64,
        result: Map<String, Json>,
        expr: &dyn Expressions,
    ) -> Result<Step, EngineError> {
        let mut run = self.run(defs, expr)?;
        let w = self.take_wait(&mut run, wait)?;
        self.cancel_attached(&mut run, w.id);
        let e = self.element(&run, w.scope, &w.element)?;
        self.finish_activity(&mut run, w, e, result)?;
        self.drain(&mut run)?;
        Ok(run.step)
    }

    fn trigger_inner(
        &mut self,
        defs: &Definitions,
        wait: u64,
        variables: Map<String, Json>,
        expr: &dyn Expressions,
    ) -> Result<Step, EngineError> {
        let mut run = self.run(defs, expr)?;
        let w = self.take_wait(&mut run, wait)?;
        for (name, value) in variables {
            self.set_var(w.scope, &name, value, false);
        }
        if let Some(sub) = w.event_sub.clone() {
            self.start_event_sub(&mut run, w.scope, &sub, Some(&w))?;
            self.drain(&mut run)?;
            return Ok(run.step);
        }
        let e = self.element(&run, w.scope, &w.element)?;
        if let (
            Kind::BoundaryEvent {
                cancel_activity, ..
            },
            Some(inner),
        ) = (&e.kind, w.on_scope)
        {
            // A timer or message on an embedded sub-process.
            if *cancel_activity {
                self.cancel_within(&mut run, inner);
                let others: Vec<u64> = self
                    .waits
                    .iter()
                    .filter(|x| x.on_scope == Some(inner))
                    .map(|x| x.id)
                    .collect();
                for o in others {
                    self.cancel_wait(&mut run, o);
                }
            } else {
                self.scopes[w.scope].live += 1;
            }
            self.leave(&mut run, w.scope, e)?;
            self.drain(&mut run)?;
            return Ok(run.step);
        }
        if let (
            Kind::BoundaryEvent {
                cancel_activity, ..
            },
            Some(body),
        ) = (&e.kind, w.body.clone())
        {
            // On a multi-instance activity: interrupting ends all its instances; otherwise a
            // new token leaves, and a cycle arms again.
            if *cancel_activity {
                self.end_body(&mut run, w.scope, &body);
            } else {
                self.scopes[w.scope].live += 1;
                if let Some(again) = self.cycle_again(&mut run, &w, None) {
                    self.set_body(&mut run, again, &body);
                }
            }
            self.leave(&mut run, w.scope, e)?;
            self.drain(&mut run)?;
            return Ok(run.step);
        }
        match (&e.kind, w.attached_to) {
            (
                Kind::BoundaryEvent {
                    cancel_activity, ..
                },
                Some(activity),
            ) => {
                if *cancel_activity {
                    // Interrupting: the activity (and every other event on it) is withdrawn.
                    if self.waits.iter().any(|x| x.id == activity) {
                        self.cancel_wait(&mut run, activity);
                    }
                    self.cancel_attached(&mut run, activity);
                    self.leave(&mut run, w.scope, e)?;
                } else {
                    // Non-interrupting: a new token leaves the boundary; the activity goes on.
                    self.scopes[w.scope].live += 1;
                    // A timer on a cycle (`R3/P1D`: three reminders a day apart) arms again
                    // until its repetitions are spent; a single-shot timer is spent. A message
                    // or signal stays subscribed while the activity runs, as in Camunda.
                    self.cycle_again(&mut run, &w, Some(activity));
                    if matches!(w.what, WaitKind::Message { .. } | WaitKind::Signal { .. }) {
                        self.add_wait(
                            &mut run,
                            w.scope,
                            &w.element,
                            w.what.clone(),
                            Some(activity),
                            Map::new(),
                            None,
                        );
                    }
                    self.leave(&mut run, w.scope, e)?;
                }
            }
            _ => {
                // Event-based gateway: the other events it armed are withdrawn.
                if let Some(group) = w.group {
                    let siblings: Vec<u64> = self
                        .waits
                        .iter()
                        .filter(|x| x.group == Some(group))
                        .map(|x| x.id)
                        .collect();
                    for s in siblings {
                        self.cancel_wait(&mut run, s);
                    }
                }
                self.leave(&mut run, w.scope, e)?;
            }
        }
        self.drain(&mut run)?;
        Ok(run.step)
    }

    /// A non-interrupting timer on a cycle arms again until its repetitions are spent: the
    /// new wait, if it does.
    fn cycle_again(
        &mut self,
        run: &mut Run<'_>,
        w: &Wait,
        attached_to: Option<u64>,
    ) -> Option<u64> {
        let WaitKind::Timer {
            cycle: Some(cycle), ..
        } = &w.what
        else {
            return None;
        };
        let text = match run.expr.evaluate(cycle, &self.variables_in(w.scope)) {
            Ok(Json::String(s)) => s,
            _ => String::new(),
        };
        if repetitions(&text).is_none_or(|n| w.fired + 1 >= n) {
            return None;
        }
        let again = self.add_wait(
            run,
            w.scope,
            &w.element,
            w.what.clone(),
            attached_to,
            Map::new(),
            None,
        );
        self.update_wait(run, again, |x| x.fired = w.fired + 1);
        Some(again)
    }

    fn throw_inner(
        &mut self,
        defs: &Definitions,
        wait: u64,
        code: &str,
        expr: &dyn Expressions,
    ) -> Result<Step, EngineError> {
        let mut run = self.run(defs, expr)?;
        let w = self.take_wait(&mut run, wait)?;
        self.cancel_attached(&mut run, w.id);
        if let Some(boundary) = self.boundary_for(&run, w.scope, &w.element, code) {
            // The error ends the whole activity: a multi-instance task's other instances too.
            self.end_body(&mut run, w.scope, &w.element);
            self.leave(&mut run, w.scope, boundary)?;
        } else {
            self.throw(&mut run, w.scope, &w.element, code)?;
        }
        self.drain(&mut run)?;
        Ok(run.step)
    }

    fn model<'a>(&self, run: &Run<'a>, scope: usize) -> Result<&'a Scope, EngineError> {
        match &self.scopes[scope].owner {
            None => Ok(&run.process.scope),
            Some(owner) => find_scope(&run.process.scope, owner)
                .ok_or_else(|| EngineError::Broken(owner.clone())),
        }
    }

    fn element<'a>(
        &self,
        run: &Run<'a>,
        scope: usize,
        id: &str,
    ) -> Result<&'a FlowElement, EngineError> {
        self.model(run, scope)?
            .element(id)
            .ok_or_else(|| EngineError::Broken(id.to_owned()))
    }

    fn spawn(&mut self, run: &mut Run<'_>, scope: usize, at: &str, via: Option<String>) {
        self.scopes[scope].live += 1;
        run.queue.push_back((scope, at.to_owned(), via));
    }

    fn take(&mut self, scope: usize, n: usize) {
        self.scopes[scope].live = self.scopes[scope].live.saturating_sub(n);
    }

    #[allow(clippy::too_many_arguments)]
    fn add_wait(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        element: &str,
        what: WaitKind,
        attached_to: Option<u64>,
        inputs: Map<String, Json>,
        item: Option<Json>,
    ) -> u64 {
        let id = self.next_wait;
        self.next_wait += 1;
        let w = Wait {
            id,
            scope,
            element: element.to_owned(),
            what,
            attached_to,
            group: None,
            inputs,
            item,
            fired: 0,
            event_sub: None,
            on_scope: None,
            body: None,
        };
        run.step.new_waits.push(w.clone());
        self.waits.push(w);
        id
    }

    fn cancel_wait(&mut self, run: &mut Run<'_>, id: u64) {
        self.waits.retain(|w| w.id != id);
        run.step.cancelled_waits.push(id);
    }

    fn cancel_attached(&mut self, run: &mut Run<'_>, activity: u64) {
        let attached: Vec<u64> = self
            .waits
            .iter()
            .filter(|w| w.attached_to == Some(activity))
            .map(|w| w.id)
            .collect();
        for a in attached {
            self.cancel_wait(run, a);
        }
    }

    fn eval(
        run: &Run<'_>,
        element: &str,
        expression: &str,
        vars: &Map<String, Json>,
    ) -> Result<Json, EngineError> {
        run.expr
            .evaluate(expression, vars)
            .map_err(|e| EngineError::Expression(element.to_owned(), e))
    }

    fn condition(
        run: &Run<'_>,
        element: &str,
        expression: &str,
        vars: &Map<String, Json>,
    ) -> Result<bool, EngineError> {
        run.expr
            .condition(expression, vars)
            .map_err(|e| EngineError::Expression(element.to_owned(), e))
    }

    fn record(run: &mut Run<'_>, e: &FlowElement) {
        run.step.completed.push(Completed {
            id: e.id.clone(),
            kind: e.kind.tag().to_owned(),
            name: e.name.clone(),
        });
    }

    fn drain(&mut self, run: &mut Run<'_>) -> Result<(), EngineError> {
        while let Some((scope, at, via)) = run.queue.pop_front() {
            run.count += 1;
            if run.count > MAX_STEPS {
                return Err(EngineError::TooManySteps(MAX_STEPS));
            }
            if self.scopes[scope].done {
                continue;
            }
            self.enter(run, scope, &at, via)?;
        }
        Ok(())
    }

    fn enter(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        at: &str,
        via: Option<String>,
    ) -> Result<(), EngineError> {
        let e = self.element(run, scope, at)?;
        match &e.kind {
            // Message end and throw events with a job type are sent by a worker, as in
            // Camunda 8; without one they pass like none events.
            Kind::EndEvent {
                trigger: Trigger::Message { .. },
            }
            | Kind::IntermediateThrowEvent {
                trigger: Trigger::Message { .. },
            } if e.zeebe.task_type.is_some() => self.start_activity(run, scope, e),
            // A link throw jumps to the catch of its name; the catch passes the token on.
            Kind::IntermediateThrowEvent {
                trigger: Trigger::Link { name },
            } => {
                let target = self
                    .model(run, scope)?
                    .elements
                    .iter()
                    .find(|x| matches!(&x.kind, Kind::IntermediateCatchEvent { trigger: Trigger::Link { name: n } } if n == name))
                    .ok_or_else(|| EngineError::Broken(format!("{} (link {name:?})", e.id)))?;
                Self::record(run, e);
                self.take(scope, 1);
                self.spawn(run, scope, &target.id, None);
                Ok(())
            }
            Kind::IntermediateCatchEvent {
                trigger: Trigger::Link { .. },
            } => self.leave(run, scope, e),
            Kind::IntermediateThrowEvent {
                trigger: Trigger::Escalation { escalation },
            } => {
                let code = self.escalation_code(run, escalation);
                if self.escalate(run, scope, &code)? {
                    self.leave(run, scope, e)
                } else {
                    Self::record(run, e);
                    Ok(())
                }
            }
            Kind::IntermediateThrowEvent {
                trigger: Trigger::Compensation { activity },
            }
            | Kind::EndEvent {
                trigger: Trigger::Compensation { activity },
            } => self.compensate(run, scope, e, activity.as_deref()),
            Kind::IntermediateThrowEvent {
                trigger: Trigger::Signal { signal },
            } => {
                run.step.signals.push(Self::signal_name(run, signal));
                self.leave(run, scope, e)
            }
            Kind::EndEvent {
                trigger: Trigger::Signal { signal },
            } => {
                run.step.signals.push(Self::signal_name(run, signal));
                Self::record(run, e);
                self.take(scope, 1);
                if self.scopes[scope].live == 0 {
                    self.finish_scope(run, scope, false)?;
                }
                Ok(())
            }
            Kind::StartEvent { .. }
            | Kind::IntermediateThrowEvent { .. }
            | Kind::Task
            | Kind::ManualTask => self.leave(run, scope, e),
            Kind::EndEvent {
                trigger: Trigger::Escalation { escalation },
            } => {
                Self::record(run, e);
                self.take(scope, 1);
                let code = self.escalation_code(run, escalation);
                if self.escalate(run, scope, &code)? && self.scopes[scope].live == 0 {
                    self.finish_scope(run, scope, false)?;
                }
                Ok(())
            }
            Kind::EndEvent { trigger } => {
                Self::record(run, e);
                self.take(scope, 1);
                match trigger {
                    Trigger::Terminate => self.finish_scope(run, scope, true),
                    Trigger::Error { error } => {
                        let code = self.error_code(run, error);
                        self.throw(run, scope, &e.id, &code)
                    }
                    _ if self.scopes[scope].live == 0 => self.finish_scope(run, scope, false),
                    _ => Ok(()),
                }
            }
            Kind::IntermediateCatchEvent { trigger } | Kind::BoundaryEvent { trigger, .. } => {
                self.add_wait(
                    run,
                    scope,
                    &e.id,
                    WaitKind::of_trigger(trigger),
                    None,
                    Map::new(),
                    None,
                );
                Ok(())
            }
            Kind::ReceiveTask { message } => {
                let w = self.add_wait(
                    run,
                    scope,
                    &e.id,
                    WaitKind::Message {
                        message: message.clone(),
                    },
                    None,
                    Map::new(),
                    None,
                );
                self.arm_boundaries(run, scope, e, w)
            }
            Kind::ServiceTask
            | Kind::SendTask
            | Kind::BusinessRuleTask
            | Kind::ScriptTask
            | Kind::UserTask
            | Kind::CallActivity => self.start_activity(run, scope, e),
            Kind::SubProcess {
                triggered_by_event: false,
                ..
            } => match &e.multi_instance {
                None => {
                    let child = self.open_scope(run, scope, e, Map::new(), None)?;
                    self.arm_scope_boundaries(run, scope, e, child)
                }
                Some(mi) => {
                    let local = self.variables_in(scope).into_owned();
                    let Some(first) = self.begin_multi(run, scope, e, mi, &local)? else {
                        return self.leave(run, scope, e);
                    };
                    for (i, item) in first {
                        self.open_instance(run, scope, e, mi, i, item)?;
                    }
                    Ok(())
                }
            },
            Kind::AdHocSubProcess {
                active_elements, ..
            } => {
                let child = self.open_scope(run, scope, e, Map::new(), None)?;
                self.arm_scope_boundaries(run, scope, e, child)?;
                // The elements the collection names start; none (no collection, an empty list)
                // leaves the sub-process waiting for elements to be activated.
                let ids = match active_elements {
                    None => Vec::new(),
                    Some(expression) => {
                        let value = Self::eval(run, &e.id, expression, &self.variables_in(child))?;
                        let ids = value.as_array().and_then(|items| {
                            items
                                .iter()
                                .map(|i| i.as_str().map(str::to_owned))
                                .collect::<Option<Vec<String>>>()
                        });
                        ids.ok_or_else(|| EngineError::AdHoc {
                            ad_hoc: e.id.clone(),
                            message: format!(
                                "activeElementsCollection {expression:?} gave {value}, not a list of element ids"
                            ),
                        })?
                    }
                };
                self.activate(run, child, &ids)
            }
            Kind::ParallelGateway | Kind::InclusiveGateway { .. } if e.incoming.len() > 1 => {
                self.join(run, scope, e, via.unwrap_or_default())
            }
            Kind::EventBasedGateway => {
                Self::record(run, e);
                // The gateway's token waits at whichever event comes first.
                let mut group = None;
                for f in self
                    .model(run, scope)?
                    .flows
                    .iter()
                    .filter(|f| f.source == e.id)
                {
                    let target = self.element(run, scope, &f.target)?;
                    let what = match &target.kind {
                        Kind::IntermediateCatchEvent { trigger } => WaitKind::of_trigger(trigger),
                        Kind::ReceiveTask { message } => WaitKind::Message {
                            message: message.clone(),
                        },
                        _ => continue,
                    };
                    let id = self.add_wait(run, scope, &target.id, what, None, Map::new(), None);
                    let g = *group.get_or_insert(id);
                    if let Some(w) = self.waits.iter_mut().find(|w| w.id == id) {
                        w.group = Some(g);
                    }
                    if let Some(w) = run.step.new_waits.iter_mut().find(|w| w.id == id) {
                        w.group = Some(g);
                    }
                }
                Ok(())
            }
            _ => self.leave(run, scope, e),
        }
    }

    /// A task begins: input mappings, then one wait per instance (multi-instance) or one wait.
    fn start_activity(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        e: &FlowElement,
    ) -> Result<(), EngineError> {
        let mut inputs = Map::new();
        let mut local = self.variables_in(scope).into_owned();
        for m in &e.zeebe.inputs {
            let v = Self::eval(run, &e.id, &m.source, &local)?;
            local.insert(m.target.clone(), v.clone());
            inputs.insert(m.target.clone(), v);
        }
        // A script task with a FEEL expression is the engine's own work: no worker needed.
        if let (Kind::ScriptTask, Some(script), None) =
            (&e.kind, &e.zeebe.script, &e.multi_instance)
        {
            let value = Self::eval(run, &e.id, script, &local)?;
            if let Some(var) = &e.zeebe.result_variable {
                self.set_var(scope, var, value, false);
            }
            return self.leave(run, scope, e);
        }
        let what = match e.kind {
            Kind::UserTask => WaitKind::UserTask,
            _ => WaitKind::Job {
                job_type: e.zeebe.task_type.clone(),
            },
        };
        match &e.multi_instance {
            None => {
                let w = self.add_wait(run, scope, &e.id, what, None, inputs, None);
                self.arm_boundaries(run, scope, e, w)
            }
            Some(mi) => {
                let Some(first) = self.begin_multi(run, scope, e, mi, &local)? else {
                    return self.leave(run, scope, e);
                };
                for (i, item) in first {
                    let mut inp = inputs.clone();
                    if let Some(name) = &mi.input_element {
                        inp.insert(name.clone(), item.clone());
                    }
                    self.add_wait(
                        run,
                        scope,
                        &e.id,
                        what.clone(),
                        None,
                        inp,
                        Some(json_index(i, item)),
                    );
                }
                Ok(())
            }
        }
    }

    /// A multi-instance activity's input collection.
    fn collection(
        run: &Run<'_>,
        e: &FlowElement,
        mi: &MultiInstance,
        vars: &Map<String, Json>,
    ) -> Result<Vec<Json>, EngineError> {
        match mi
            .input_collection
            .as_deref()
            .map(|c| Self::eval(run, &e.id, c, vars))
            .transpose()?
        {
            Some(Json::Array(items)) => Ok(items),
            Some(other) => Err(EngineError::Expression(
                e.id.clone(),
                ExprError::Evaluation {
                    expression: mi.input_collection.clone().unwrap_or_default(),
                    message: format!("gave {other}, not a list"),
                },
            )),
            None => Ok(Vec::new()),
        }
    }

    /// A multi-instance activity begins: its collection is read, its bookkeeping kept and its
    /// boundary events armed; returns the instances to start now (all of them, or the first
    /// when sequential), or none when the collection is empty and the activity is done.
    fn begin_multi(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        e: &FlowElement,
        mi: &MultiInstance,
        vars: &Map<String, Json>,
    ) -> Result<Option<Vec<(usize, Json)>>, EngineError> {
        let items = Self::collection(run, e, mi, vars)?;
        if items.is_empty() {
            if let Some(out) = &mi.output_collection {
                self.set_var(scope, out, Json::Array(vec![]), false);
            }
            return Ok(None);
        }
        let mut m = Multi {
            total: items.len(),
            pending: items.len(),
            ..Default::default()
        };
        let mut items: VecDeque<(usize, Json)> = items.into_iter().enumerate().collect();
        let first: Vec<(usize, Json)> = if mi.sequential {
            items.pop_front().into_iter().collect()
        } else {
            items.drain(..).collect()
        };
        m.queue = items;
        self.multi.insert(format!("{scope}/{}", e.id), m);
        self.arm_body_boundaries(run, scope, e)?;
        Ok(Some(first))
    }

    /// An embedded sub-process begins in a scope of its own, with its input mappings (and
    /// `locals`) as its own variables; returns the scope. The parent keeps counting the
    /// sub-process's token until the scope ends.
    fn open_scope(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        e: &FlowElement,
        locals: Map<String, Json>,
        item: Option<usize>,
    ) -> Result<usize, EngineError> {
        // An ad-hoc sub-process has no start event: the caller starts its elements.
        let start = match &e.kind {
            Kind::SubProcess { scope: inner, .. } => Some(
                inner
                    .elements
                    .iter()
                    .find(|x| matches!(x.kind, Kind::StartEvent { .. }))
                    .ok_or_else(|| EngineError::Broken(format!("{} (start event)", e.id)))?,
            ),
            Kind::AdHocSubProcess { .. } => None,
            _ => return Err(EngineError::Broken(e.id.clone())),
        };
        let mut vars = locals;
        if !e.zeebe.inputs.is_empty() {
            let mut seen = self.variables_in(scope).into_owned();
            seen.extend(vars.iter().map(|(k, v)| (k.clone(), v.clone())));
            for m in &e.zeebe.inputs {
                let v = Self::eval(run, &e.id, &m.source, &seen)?;
                seen.insert(m.target.clone(), v.clone());
                set_path(&mut vars, &m.target, v);
            }
        }
        let child = self.scopes.len();
        let mut state = ScopeState::new(Some(scope), Some(e.id.clone()));
        state.vars = vars;
        state.item = item;
        self.scopes.push(state);
        self.arm_event_subs(run, child)?;
        if let Some(start) = start {
            self.spawn(run, child, &start.id, None);
        }
        Ok(child)
    }

    /// Starts elements of the ad-hoc sub-process running in `scope`, by id: each must be an
    /// element of it that a token can start at (not a boundary event).
    fn activate(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        ids: &[String],
    ) -> Result<(), EngineError> {
        let model = self.model(run, scope)?;
        let owner = self.scopes[scope].owner.clone().unwrap_or_default();
        for id in ids {
            let known = model.element(id).is_some_and(|x| {
                !matches!(
                    x.kind,
                    Kind::BoundaryEvent { .. } | Kind::StartEvent { .. } | Kind::EndEvent { .. }
                )
            });
            if !known {
                return Err(EngineError::AdHoc {
                    ad_hoc: owner,
                    message: format!("{id:?} is not an element of it that can be started"),
                });
            }
        }
        for id in ids {
            self.spawn(run, scope, id, None);
        }
        Ok(())
    }

    /// An inner element of an ad-hoc sub-process completed: its completion condition is asked.
    /// When it holds, the sub-process completes at once (its other elements cancelled), or,
    /// with `cancelRemainingInstances="false"`, once they are done. Returns whether it
    /// completed.
    fn ad_hoc_condition(&mut self, run: &mut Run<'_>, scope: usize) -> Result<bool, EngineError> {
        if self.scopes[scope].compensation.is_some() {
            return Ok(false);
        }
        let (Some(parent), Some(owner)) =
            (self.scopes[scope].parent, self.scopes[scope].owner.clone())
        else {
            return Ok(false);
        };
        let Kind::AdHocSubProcess {
            completion_condition: Some(condition),
            cancel_remaining,
            ..
        } = &self.element(run, parent, &owner)?.kind
        else {
            return Ok(false);
        };
        let holds = Self::condition(run, &owner, condition, &self.variables_in(scope))?;
        if !holds {
            return Ok(false);
        }
        if *cancel_remaining {
            self.finish_scope(run, scope, true)?;
            return Ok(true);
        }
        self.scopes[scope].closing = true;
        Ok(false)
    }

    /// One instance of a multi-instance sub-process: a scope whose own variables are its
    /// element of the collection and `loopCounter` (from 1), as in Camunda.
    fn open_instance(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        e: &FlowElement,
        mi: &MultiInstance,
        index: usize,
        item: Json,
    ) -> Result<usize, EngineError> {
        let mut locals = Map::new();
        // An output element that names a variable is the instance's own from the start
        // (Camunda sets it to null), so what the instance's tasks write there stays theirs.
        if let Some(name) = mi.output_element.as_deref().and_then(variable_of) {
            locals.insert(name.to_owned(), Json::Null);
        }
        if let Some(name) = &mi.input_element {
            locals.insert(name.clone(), item);
        }
        locals.insert("loopCounter".into(), (index + 1).into());
        self.open_scope(run, scope, e, locals, Some(index))
    }

    /// Arms the boundary events on `activity` that wait for something from outside (timers,
    /// messages, signals — errors and escalations are thrown to them), each with `attached_to`;
    /// returns the new waits.
    fn arm_attached(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        activity: &str,
        attached_to: Option<u64>,
    ) -> Result<Vec<u64>, EngineError> {
        let boundaries: Vec<&FlowElement> = self
            .model(run, scope)?
            .elements
            .iter()
            .filter(|b| matches!(&b.kind, Kind::BoundaryEvent { attached_to, trigger, .. } if attached_to == activity && !matches!(trigger, Trigger::Error { .. } | Trigger::Escalation { .. } | Trigger::Compensation { .. })))
            .collect();
        let mut armed = Vec::new();
        for b in boundaries {
            if let Kind::BoundaryEvent { trigger, .. } = &b.kind {
                armed.push(self.add_wait(
                    run,
                    scope,
                    &b.id,
                    WaitKind::of_trigger(trigger),
                    attached_to,
                    Map::new(),
                    None,
                ));
            }
        }
        Ok(armed)
    }

    /// The boundary events of a multi-instance activity guard all its instances together.
    fn arm_body_boundaries(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        activity: &FlowElement,
    ) -> Result<(), EngineError> {
        for id in self.arm_attached(run, scope, &activity.id, None)? {
            self.set_body(run, id, &activity.id);
        }
        Ok(())
    }

    /// Changes a wait the step just added, in the instance and in what the step reports.
    fn update_wait(&mut self, run: &mut Run<'_>, id: u64, f: impl Fn(&mut Wait)) {
        for w in self
            .waits
            .iter_mut()
            .chain(run.step.new_waits.iter_mut())
            .filter(|w| w.id == id)
        {
            f(w);
        }
    }

    fn set_body(&mut self, run: &mut Run<'_>, wait: u64, body: &str) {
        self.update_wait(run, wait, |w| w.body = Some(body.to_owned()));
    }

    /// Ends a multi-instance activity's instances still running and its boundary events.
    fn end_body(&mut self, run: &mut Run<'_>, scope: usize, activity: &str) {
        self.cancel_instances(run, scope, activity);
        let gone: Vec<u64> = self
            .waits
            .iter()
            .filter(|x| x.scope == scope && x.body.as_deref() == Some(activity))
            .map(|x| x.id)
            .collect();
        for g in gone {
            self.cancel_wait(run, g);
        }
        self.multi.remove(&format!("{scope}/{activity}"));
    }

    /// Withdraws the running instances of an activity: its waits (with what is attached to
    /// them) and, for a sub-process, its scopes.
    fn cancel_instances(&mut self, run: &mut Run<'_>, scope: usize, activity: &str) {
        let waits: Vec<u64> = self
            .waits
            .iter()
            .filter(|x| x.scope == scope && x.element == activity)
            .map(|x| x.id)
            .collect();
        for w in waits {
            self.cancel_attached(run, w);
            self.cancel_wait(run, w);
        }
        let children: Vec<usize> = (0..self.scopes.len())
            .filter(|&i| {
                let s = &self.scopes[i];
                s.parent == Some(scope) && s.owner.as_deref() == Some(activity) && !s.done
            })
            .collect();
        for c in children {
            self.cancel_within(run, c);
        }
    }

    fn arm_boundaries(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        activity: &FlowElement,
        wait: u64,
    ) -> Result<(), EngineError> {
        self.arm_attached(run, scope, &activity.id, Some(wait))?;
        Ok(())
    }

    /// A task's result: output mappings (or the result merged whole), multi-instance collection.
    fn finish_activity(
        &mut self,
        run: &mut Run<'_>,
        w: Wait,
        e: &FlowElement,
        result: Map<String, Json>,
    ) -> Result<(), EngineError> {
        let mut local = self.variables_in(w.scope).into_owned();
        local.extend(w.inputs.clone());
        local.extend(result.clone());
        if e.zeebe.outputs.is_empty() {
            if e.multi_instance.is_none() {
                for (name, value) in result {
                    self.set_var(w.scope, &name, value, false);
                }
            }
        } else {
            for m in &e.zeebe.outputs {
                let v = Self::eval(run, &e.id, &m.source, &local)?;
                self.set_var(w.scope, &m.target, v, true);
            }
        }
        let Some(mi) = &e.multi_instance else {
            return self.leave(run, w.scope, e);
        };
        let index = w
            .item
            .as_ref()
            .and_then(|i| i.get("index"))
            .and_then(Json::as_u64)
            .unwrap_or(0) as usize;
        match self.instance_done(run, w.scope, e, mi, index, &local)? {
            Next::Start(i, item) => {
                let mut inp = w.inputs.clone();
                if let Some(name) = &mi.input_element {
                    inp.insert(name.clone(), item.clone());
                }
                self.add_wait(
                    run,
                    w.scope,
                    &e.id,
                    w.what.clone(),
                    None,
                    inp,
                    Some(json_index(i, item)),
                );
                Ok(())
            }
            Next::Wait => Ok(()),
            Next::Done => self.leave(run, w.scope, e),
        }
    }

    /// One instance of a multi-instance activity completed (`local`: the variables it saw):
    /// its output element goes into the output collection, the completion condition is asked,
    /// and the activity says how it goes on.
    fn instance_done(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        e: &FlowElement,
        mi: &MultiInstance,
        index: usize,
        local: &Map<String, Json>,
    ) -> Result<Next, EngineError> {
        let key = format!("{scope}/{}", e.id);
        let out = mi
            .output_element
            .as_deref()
            .map(|o| Self::eval(run, &e.id, o, local))
            .transpose()?
            .unwrap_or(Json::Null);
        let mut m = self.multi.remove(&key).unwrap_or_default();
        m.outputs.push((index, out));
        m.pending = m.pending.saturating_sub(1);
        // The output collection as it stands, after each instance, as Camunda keeps it (a
        // completion condition may read it): one place per instance, in the collection's order.
        let mut collection = None;
        if let Some(name) = &mi.output_collection {
            let total = m
                .total
                .max(m.outputs.iter().map(|(i, _)| i + 1).max().unwrap_or(0));
            let mut items = vec![Json::Null; total];
            for (i, v) in &m.outputs {
                if let Some(slot) = items.get_mut(*i) {
                    *slot = v.clone();
                }
            }
            let items = Json::Array(items);
            self.set_var(scope, name, items.clone(), false);
            collection = Some((name.clone(), items));
        }
        // The completion condition, as Camunda evaluates it after each instance: with the
        // instance's variables and the counts of instances.
        let done_early = match &mi.completion_condition {
            Some(condition) if m.pending > 0 => {
                let mut vars = local.clone();
                if let Some((name, items)) = collection {
                    vars.insert(name, items);
                }
                let total = m.total.max(m.outputs.len());
                let active = m.pending - m.queue.len();
                vars.insert("numberOfInstances".into(), total.into());
                vars.insert("numberOfCompletedInstances".into(), m.outputs.len().into());
                vars.insert("numberOfActiveInstances".into(), active.into());
                run.expr
                    .condition(condition, &vars)
                    .map_err(|err| EngineError::Expression(e.id.clone(), err))?
            }
            _ => false,
        };
        if done_early {
            // The instances still running are cancelled, with what is attached to them.
            self.cancel_instances(run, scope, &e.id);
            m.queue.clear();
            m.pending = 0;
        }
        if let Some((i, item)) = m.queue.pop_front() {
            self.multi.insert(key, m);
            return Ok(Next::Start(i, item));
        }
        if m.pending > 0 {
            self.multi.insert(key, m);
            return Ok(Next::Wait);
        }
        // Done: those that never completed (a completion condition ended the rest) stay null
        // in the output collection, as in Camunda; the body's boundary events go.
        self.end_body(run, scope, &e.id);
        Ok(Next::Done)
    }

    fn join(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        e: &FlowElement,
        via: String,
    ) -> Result<(), EngineError> {
        *self.scopes[scope]
            .joins
            .entry(e.id.clone())
            .or_default()
            .entry(via)
            .or_default() += 1;
        let arrived = self.scopes[scope].joins[&e.id].clone();
        let ready = match e.kind {
            Kind::ParallelGateway => e
                .incoming
                .iter()
                .all(|f| arrived.get(f).copied().unwrap_or(0) > 0),
            // Inclusive join: go on when no other token of the scope can still reach the gateway.
            _ => {
                let model = self.model(run, scope)?;
                let queued = run
                    .queue
                    .iter()
                    .filter(|(s, ..)| *s == scope)
                    .map(|(_, at, _)| at.as_str());
                let waiting = self
                    .waits
                    .iter()
                    .filter(|w| w.scope == scope && w.attached_to.is_none())
                    .map(|w| w.element.as_str());
                let sub_scopes = self
                    .scopes
                    .iter()
                    .filter(|s| s.parent == Some(scope) && !s.done)
                    .filter_map(|s| s.owner.as_deref());
                !queued
                    .chain(waiting)
                    .chain(sub_scopes)
                    .any(|at| reaches(model, at, &e.id))
            }
        };
        if !ready {
            return Ok(());
        }
        let consumed = match e.kind {
            Kind::ParallelGateway => {
                if let Some(j) = self.scopes[scope].joins.get_mut(&e.id) {
                    for f in &e.incoming {
                        if let Some(n) = j.get_mut(f) {
                            *n = n.saturating_sub(1);
                        }
                    }
                }
                e.incoming.len()
            }
            _ => self.scopes[scope]
                .joins
                .remove(&e.id)
                .map(|m| m.values().sum())
                .unwrap_or(1),
        };
        self.take(scope, consumed.saturating_sub(1));
        self.leave(run, scope, e)
    }

    /// The element is done: record it and send its token along the right outgoing flows.
    fn leave(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        e: &FlowElement,
    ) -> Result<(), EngineError> {
        Self::record(run, e);
        self.take(scope, 1);
        if e.kind.is_activity() && !e.for_compensation && run.has_compensation(&e.id) {
            self.compensable.push((scope, e.id.clone()));
        }
        if self.ad_hoc_condition(run, scope)? {
            return Ok(());
        }
        let flows: Vec<&SequenceFlow> = self
            .model(run, scope)?
            .flows
            .iter()
            .filter(|f| f.source == e.id)
            .collect();
        let vars = &*self.variables_in(scope);
        let chosen: Vec<&SequenceFlow> = match &e.kind {
            Kind::ExclusiveGateway { default } => {
                let mut pick = None;
                for f in flows.iter().filter(|f| Some(&f.id) != default.as_ref()) {
                    match &f.condition {
                        Some(c) if Self::condition(run, &e.id, c, vars)? => {
                            pick = Some(*f);
                            break;
                        }
                        None if flows.len() == 1 => pick = Some(*f),
                        _ => {}
                    }
                }
                match pick.or_else(|| {
                    default
                        .as_ref()
                        .and_then(|d| flows.iter().find(|f| &f.id == d).copied())
                }) {
                    Some(f) => vec![f],
                    None if flows.is_empty() => vec![],
                    None => return Err(EngineError::NoMatchingFlow(e.id.clone())),
                }
            }
            Kind::InclusiveGateway { default } => {
                let mut picked = Vec::new();
                for f in flows.iter().filter(|f| Some(&f.id) != default.as_ref()) {
                    if f.condition
                        .as_deref()
                        .map(|c| Self::condition(run, &e.id, c, vars))
                        .transpose()?
                        .unwrap_or(true)
                    {
                        picked.push(*f);
                    }
                }
                if picked.is_empty() {
                    match default
                        .as_ref()
                        .and_then(|d| flows.iter().find(|f| &f.id == d))
                    {
                        Some(f) => picked.push(*f),
                        None if flows.is_empty() => {}
                        None => return Err(EngineError::NoMatchingFlow(e.id.clone())),
                    }
                }
                picked
            }
            // Activities and events: every unconditional flow, and each conditional one that holds.
            _ => {
                let mut picked = Vec::new();
                for f in flows {
                    if f.condition
                        .as_deref()
                        .map(|c| Self::condition(run, &e.id, c, vars))
                        .transpose()?
                        .unwrap_or(true)
                    {
                        picked.push(f);
                    }
                }
                picked
            }
        };
        if chosen.is_empty() && self.scopes[scope].live == 0 {
            return self.finish_scope(run, scope, false);
        }
        for f in chosen {
            self.spawn(run, scope, &f.target, Some(f.id.clone()));
        }
        Ok(())
    }

    fn error_code(&self, run: &Run<'_>, error: &Option<String>) -> String {
        error
            .as_ref()
            .and_then(|r| run.defs.errors.iter().find(|x| &x.id == r))
            .and_then(|x| x.code.clone())
            .unwrap_or_default()
    }

    /// A scope ran out of tokens (or was terminated): its sub-process completes in the parent.
    fn finish_scope(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        terminate: bool,
    ) -> Result<(), EngineError> {
        if let Some(throw) = self.scopes[scope].compensation.clone() {
            // A compensation handler is done: its throw event goes on after the last one.
            self.scopes[scope].done = true;
            let parent = self.scopes[scope].parent.unwrap_or(0);
            let pending = self.scopes.iter().any(|s| {
                s.parent == Some(parent) && s.compensation.as_deref() == Some(&throw) && !s.done
            });
            if pending {
                return Ok(());
            }
            let e = self.element(run, parent, &throw)?;
            return self.compensated(run, parent, e);
        }
        self.scopes[scope].done = true;
        if terminate {
            self.cancel_within(run, scope);
        }
        // The scope's event sub-processes can no longer start, nor its boundary events fire.
        let armed: Vec<u64> = self
            .waits
            .iter()
            .filter(|w| (w.scope == scope && w.event_sub.is_some()) || w.on_scope == Some(scope))
            .map(|w| w.id)
            .collect();
        for id in armed {
            self.cancel_wait(run, id);
        }
        match (self.scopes[scope].parent, self.scopes[scope].owner.clone()) {
            (Some(parent), Some(owner)) => {
                let e = self.element(run, parent, &owner)?;
                // Output mappings read the sub-process's variables and write the parent's.
                let local = self.variables_in(scope).into_owned();
                for m in &e.zeebe.outputs {
                    let v = Self::eval(run, &e.id, &m.source, &local)?;
                    self.set_var(parent, &m.target, v, true);
                }
                match (&e.multi_instance, self.scopes[scope].item) {
                    (Some(mi), Some(index)) => {
                        match self.instance_done(run, parent, e, mi, index, &local)? {
                            Next::Start(i, item) => {
                                self.open_instance(run, parent, e, mi, i, item)?;
                                Ok(())
                            }
                            Next::Wait => Ok(()),
                            Next::Done => self.leave(run, parent, e),
                        }
                    }
                    _ => self.leave(run, parent, e),
                }
            }
            _ => {
                let all: Vec<u64> = self.waits.iter().map(|w| w.id).collect();
                for id in all {
                    self.cancel_wait(run, id);
                }
                for s in &mut self.scopes {
                    s.done = true;
                }
                run.queue.clear();
                self.compensable.clear();
                self.ended = true;
                Ok(())
            }
        }
    }

    fn inside(&self, s: usize, scope: usize) -> bool {
        let mut at = Some(s);
        while let Some(x) = at {
            if x == scope {
                return true;
            }
            at = self.scopes[x].parent;
        }
        false
    }

    /// Ends a scope and every scope inside it, with their waits, queued tokens and the
    /// boundary events armed on them.
    fn cancel_within(&mut self, run: &mut Run<'_>, scope: usize) {
        self.withdraw_inside(run, scope);
        let guarding: Vec<u64> = self
            .waits
            .iter()
            .filter(|w| w.on_scope.is_some_and(|s| self.inside(s, scope)))
            .map(|w| w.id)
            .collect();
        for id in guarding {
            self.cancel_wait(run, id);
        }
        for i in 0..self.scopes.len() {
            if self.inside(i, scope) {
                if !self.scopes[i].done {
                    self.scopes[i].cancelled = true;
                }
                self.scopes[i].done = true;
            }
        }
    }

    /// Withdraws every wait and queued token of the scope and of the scopes inside it.
    fn withdraw_inside(&mut self, run: &mut Run<'_>, scope: usize) {
        let doomed: Vec<u64> = self
            .waits
            .iter()
            .filter(|w| self.inside(w.scope, scope))
            .map(|w| w.id)
            .collect();
        for id in doomed {
            self.cancel_wait(run, id);
        }
        let keep: Vec<bool> = run
            .queue
            .iter()
            .map(|(s, ..)| !self.inside(*s, scope))
            .collect();
        let mut i = 0;
        run.queue.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }

    /// An error thrown in `scope`: caught by a matching error boundary event of an enclosing
    /// sub-process, which then ends.
    fn throw(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        element: &str,
        code: &str,
    ) -> Result<(), EngineError> {
        let mut at = scope;
        loop {
            // An error event sub-process of the scope catches first, interrupting the scope.
            if let Some(sub) = self.error_sub_for(run, at, code) {
                return self.start_event_sub(run, at, &sub, None);
            }
            let (Some(parent), Some(owner)) =
                (self.scopes[at].parent, self.scopes[at].owner.clone())
            else {
                return Err(EngineError::UncaughtError {
                    element: element.to_owned(),
                    code: code.to_owned(),
                });
            };
            if let Some(boundary) = self.boundary_for(run, parent, &owner, code) {
                // All of a multi-instance sub-process's instances end with it.
                self.cancel_within(run, at);
                self.end_body(run, parent, &owner);
                // The boundary event takes over the sub-process's token in the parent.
                return self.leave(run, parent, boundary);
            }
            at = parent;
        }
    }

    /// A signal's name, by which it is broadcast (its id where it has none).
    fn signal_name(run: &Run<'_>, signal: &Option<String>) -> String {
        let s = signal.clone().unwrap_or_default();
        run.defs
            .signals
            .iter()
            .find(|x| x.id == s)
            .and_then(|x| x.name.clone())
            .unwrap_or(s)
    }

    fn escalation_code(&self, run: &Run<'_>, escalation: &Option<String>) -> String {
        escalation
            .as_ref()
            .and_then(|r| run.defs.escalations.iter().find(|x| &x.id == r))
            .and_then(|x| x.code.clone())
            .unwrap_or_default()
    }

    /// Whether a catch event's escalation (by reference) catches `code`: no reference catches
    /// every escalation.
    fn catches_escalation(run: &Run<'_>, escalation: &Option<String>, code: &str) -> bool {
        let caught = escalation
            .as_ref()
            .and_then(|r| run.defs.escalations.iter().find(|x| &x.id == r))
            .and_then(|x| x.code.clone());
        escalation.is_none() || caught.as_deref() == Some(code)
    }

    /// An escalation thrown in `scope`, as Camunda handles it: caught by an escalation event
    /// sub-process of the scope, else by an escalation boundary event of the sub-process that
    /// is the scope, and so on outwards. Interrupting catches end the scope; non-interrupting
    /// ones start beside it. Returns whether the thrower goes on (it does unless interrupted;
    /// an escalation nobody catches is no error).
    fn escalate(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        code: &str,
    ) -> Result<bool, EngineError> {
        let mut at = scope;
        loop {
            let sub = self
                .event_subs(run, at)?
                .into_iter()
                .find_map(|(sub, start)| match &start.kind {
                    Kind::StartEvent {
                        trigger: Trigger::Escalation { escalation },
                        interrupting,
                    } if Self::catches_escalation(run, escalation, code) => {
                        Some((sub.id.clone(), *interrupting))
                    }
                    _ => None,
                });
            if let Some((sub, interrupting)) = sub {
                self.start_event_sub(run, at, &sub, None)?;
                return Ok(!interrupting);
            }
            let (Some(parent), Some(owner)) =
                (self.scopes[at].parent, self.scopes[at].owner.clone())
            else {
                run.step.escalations.push(code.to_owned());
                return Ok(true);
            };
            let boundary = self.model(run, parent)?.elements.iter().find(|b| {
                matches!(&b.kind, Kind::BoundaryEvent { trigger: Trigger::Escalation { escalation }, attached_to, .. }
                    if attached_to == &owner && Self::catches_escalation(run, escalation, code))
            });
            if let Some(boundary) = boundary {
                let interrupting = matches!(
                    boundary.kind,
                    Kind::BoundaryEvent {
                        cancel_activity: true,
                        ..
                    }
                );
                if interrupting {
                    self.cancel_within(run, at);
                    self.end_body(run, parent, &owner);
                    self.leave(run, parent, boundary)?;
                    return Ok(false);
                }
                self.scopes[parent].live += 1;
                self.leave(run, parent, boundary)?;
                return Ok(true);
            }
            at = parent;
        }
    }

    /// An embedded sub-process begins: its timer, message and signal boundary events wait
    /// beside it.
    fn arm_scope_boundaries(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        sub: &FlowElement,
        inner: usize,
    ) -> Result<(), EngineError> {
        for id in self.arm_attached(run, scope, &sub.id, None)? {
            self.update_wait(run, id, |w| w.on_scope = Some(inner));
        }
        Ok(())
    }

    /// The event sub-processes of a scope, with their start events.
    fn event_subs<'a>(
        &self,
        run: &Run<'a>,
        scope: usize,
    ) -> Result<Vec<(&'a FlowElement, &'a FlowElement)>, EngineError> {
        let mut out = Vec::new();
        for e in &self.model(run, scope)?.elements {
            if let Kind::SubProcess {
                triggered_by_event: true,
                scope: inner,
            } = &e.kind
            {
                if let Some(start) = inner
                    .elements
                    .iter()
                    .find(|x| matches!(x.kind, Kind::StartEvent { .. }))
                {
                    out.push((e, start));
                }
            }
        }
        Ok(out)
    }

    /// When a scope begins, its event sub-processes with a message or timer start wait for it.
    fn arm_event_subs(&mut self, run: &mut Run<'_>, scope: usize) -> Result<(), EngineError> {
        for (sub, start) in self.event_subs(run, scope)? {
            self.arm_event_sub(run, scope, sub, start);
        }
        Ok(())
    }

    fn arm_event_sub(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        sub: &FlowElement,
        start: &FlowElement,
    ) {
        if let Kind::StartEvent { trigger, .. } = &start.kind {
            if matches!(
                trigger,
                Trigger::Timer { .. } | Trigger::Message { .. } | Trigger::Signal { .. }
            ) {
                let id = self.add_wait(
                    run,
                    scope,
                    &start.id,
                    WaitKind::of_trigger(trigger),
                    None,
                    Map::new(),
                    None,
                );
                self.update_wait(run, id, |w| w.event_sub = Some(sub.id.clone()));
            }
        }
    }

    /// The event sub-process of the scope whose error start event catches `code`.
    fn error_sub_for(&self, run: &Run<'_>, scope: usize, code: &str) -> Option<String> {
        let subs = self.event_subs(run, scope).ok()?;
        subs.into_iter().find_map(|(sub, start)| match &start.kind {
            Kind::StartEvent {
                trigger: Trigger::Error { error },
                ..
            } => {
                let caught = error
                    .as_ref()
                    .and_then(|r| run.defs.errors.iter().find(|x| &x.id == r))
                    .and_then(|x| x.code.clone());
                (caught.is_none() || caught.as_deref() == Some(code)).then(|| sub.id.clone())
            }
            _ => None,
        })
    }

    /// An event sub-process of `scope` starts. Interrupting (the default, and always for an
    /// error): everything else in the scope is withdrawn and the scope ends with the
    /// sub-process. Non-interrupting: it runs beside the scope's work, and a message start
    /// waits again for the next message.
    fn start_event_sub(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        sub_id: &str,
        fired: Option<&Wait>,
    ) -> Result<(), EngineError> {
        let sub = self.element(run, scope, sub_id)?;
        let Kind::SubProcess { scope: inner, .. } = &sub.kind else {
            return Err(EngineError::Broken(sub_id.to_owned()));
        };
        let start = inner
            .elements
            .iter()
            .find(|x| matches!(x.kind, Kind::StartEvent { .. }))
            .ok_or_else(|| EngineError::Broken(format!("{sub_id} (start event)")))?;
        let interrupting = match &start.kind {
            Kind::StartEvent {
                trigger: Trigger::Error { .. },
                ..
            } => true,
            Kind::StartEvent { interrupting, .. } => *interrupting,
            _ => true,
        };
        if interrupting {
            // Withdraw every wait and token of the scope and of the scopes inside it.
            self.withdraw_inside(run, scope);
            for i in 0..self.scopes.len() {
                if i != scope && self.inside(i, scope) {
                    if !self.scopes[i].done {
                        self.scopes[i].cancelled = true;
                    }
                    self.scopes[i].done = true;
                }
            }
            self.scopes[scope].live = 0;
            self.scopes[scope].joins.clear();
            self.multi
                .retain(|k, _| !k.starts_with(&format!("{scope}/")));
        } else if let (
            Some(w),
            Kind::StartEvent {
                trigger: Trigger::Message { .. } | Trigger::Signal { .. },
                ..
            },
        ) = (fired, &start.kind)
        {
            let _ = w;
            self.arm_event_sub(run, scope, sub, start);
        }
        // The event sub-process runs as a sub-process of the scope.
        self.scopes[scope].live += 1;
        let child = self.scopes.len();
        self.scopes
            .push(ScopeState::new(Some(scope), Some(sub.id.clone())));
        self.arm_event_subs(run, child)?;
        self.spawn(run, child, &start.id, None);
        Ok(())
    }

    /// A compensation throw or end event: the handlers of the activities that completed in
    /// its scope (and in the sub-processes of it that completed), or only of `only`, start
    /// all at once, each in a scope of its own; the event waits until they are done, as in
    /// Camunda. A throw in an event sub-process compensates the scope the sub-process is in.
    fn compensate(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        e: &FlowElement,
        only: Option<&str>,
    ) -> Result<(), EngineError> {
        let in_event_sub = match (self.scopes[scope].parent, self.scopes[scope].owner.clone()) {
            (Some(parent), Some(owner)) => matches!(
                self.element(run, parent, &owner)?.kind,
                Kind::SubProcess {
                    triggered_by_event: true,
                    ..
                }
            ),
            _ => false,
        };
        let target = if in_event_sub {
            self.scopes[scope].parent.unwrap_or(scope)
        } else {
            scope
        };
        let chosen: Vec<(usize, String)> = self
            .compensable
            .iter()
            .filter(|(s, activity)| {
                self.completed_within(*s, target)
                    && only.is_none_or(|o| {
                        (*s == target && activity == o) || self.below(*s, target, o)
                    })
            })
            .cloned()
            .collect();
        self.compensable.retain(|r| !chosen.contains(r));
        let mut started = 0;
        for (s, activity) in chosen {
            let Some(handler) = self.handler_of(run, s, &activity)? else {
                continue;
            };
            let mut state = ScopeState::new(Some(scope), self.scopes[s].owner.clone());
            if s != target {
                // A completed sub-process's handler sees its variables as they were.
                state.vars = self.scopes[s].vars.clone();
            }
            state.compensation = Some(e.id.clone());
            let child = self.scopes.len();
            self.scopes.push(state);
            self.spawn(run, child, &handler, None);
            started += 1;
        }
        if started == 0 {
            return self.compensated(run, scope, e);
        }
        Ok(())
    }

    /// Every handler a compensation event started is done: the event completes.
    fn compensated(
        &mut self,
        run: &mut Run<'_>,
        scope: usize,
        e: &FlowElement,
    ) -> Result<(), EngineError> {
        if let Kind::EndEvent { .. } = e.kind {
            Self::record(run, e);
            self.take(scope, 1);
            if self.scopes[scope].live == 0 && !self.scopes[scope].done {
                return self.finish_scope(run, scope, false);
            }
            return Ok(());
        }
        self.leave(run, scope, e)
    }

    /// Whether `s` is `target`, or a scope inside it whose sub-processes (up to `target`) all
    /// completed.
    fn completed_within(&self, s: usize, target: usize) -> bool {
        let mut at = s;
        while at != target {
            let st = &self.scopes[at];
            if !st.done || st.cancelled || st.compensation.is_some() {
                return false;
            }
            match st.parent {
                Some(p) => at = p,
                None => return false,
            }
        }
        true
    }

    /// Whether `s` lies inside the sub-process `owner` that ran in `target`.
    fn below(&self, s: usize, target: usize, owner: &str) -> bool {
        let mut at = s;
        while let Some(parent) = self.scopes[at].parent {
            if parent == target {
                return self.scopes[at].owner.as_deref() == Some(owner);
            }
            at = parent;
        }
        false
    }

    /// The compensation handler of an activity: the activity its compensation boundary
    /// event's association points to.
    fn handler_of(
        &self,
        run: &Run<'_>,
        scope: usize,
        activity: &str,
    ) -> Result<Option<String>, EngineError> {
        let model = self.model(run, scope)?;
        let Some(boundary) = model.elements.iter().find(|b| {
            matches!(&b.kind, Kind::BoundaryEvent { trigger: Trigger::Compensation { .. }, attached_to, .. } if attached_to == activity)
        }) else {
            return Ok(None);
        };
        let handler = model
            .associations
            .iter()
            .chain(run.process.scope.associations.iter())
            .find(|(source, _)| source == &boundary.id)
            .map(|(_, target)| target.clone());
        Ok(handler.filter(|h| model.element(h).is_some()))
    }

    fn boundary_for<'a>(
        &self,
        run: &Run<'a>,
        scope: usize,
        activity: &str,
        code: &str,
    ) -> Option<&'a FlowElement> {
        let model = self.model(run, scope).ok()?;
        model.elements.iter().find(|b| match &b.kind {
            Kind::BoundaryEvent {
                trigger: Trigger::Error { error },
                attached_to,
                ..
            } if attached_to == activity => {
                let caught = error
                    .as_ref()
                    .and_then(|r| run.defs.errors.iter().find(|x| &x.id == r))
                    .and_then(|x| x.code.clone());
                caught.is_none() || caught.as_deref() == Some(code)
            }
            _ => false,
        })
    }
}

/// The variable an expression `=name` or `=name.path` reads, if that is all it does.
fn variable_of(expression: &str) -> Option<&str> {
    let path = expression.trim().strip_prefix('=')?.trim();
    let first = path.split('.').next()?;
    let ident = |s: &str| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_alphanumeric() || c == '_')
    };
    (path.split('.').all(ident)).then_some(first)
}

fn json_index(i: usize, item: Json) -> Json {
    serde_json::json!({"index": i, "value": item})
}

/// Whether a token at `from` can still flow to `to` within the scope.
fn reaches(model: &Scope, from: &str, to: &str) -> bool {
    let mut seen = HashSet::new();
    let mut stack = vec![from.to_owned()];
    while let Some(at) = stack.pop() {
        if at == to {
            return true;
        }
        if seen.insert(at.clone()) {
            stack.extend(
                model
                    .flows
                    .iter()
                    .filter(|f| f.source == at)
                    .map(|f| f.target.clone()),
            );
        }
    }
    false
}

/// Sets `a.b.c` in the variables, creating the contexts on the way (as Zeebe's output mappings).
fn set_path(vars: &mut Map<String, Json>, path: &str, value: Json) {
    let mut parts = path.split('.').peekable();
    let mut current = vars;
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            current.insert(p.to_owned(), value);
            return;
        }
        let entry = current
            .entry(p.to_owned())
            .or_insert_with(|| Json::Object(Map::new()));
        if !entry.is_object() {
            *entry = Json::Object(Map::new());
        }
        current = entry.as_object_mut().expect("made an object above");
    }
}
