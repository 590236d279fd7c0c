//! `yagona process simulate`: one instance of a process, in memory, to see the path a model takes.
//!
//! User tasks complete with the outputs given for them (or none), timers fire at once (but only
//! when nothing else can move, so a deadline never beats the work it guards), service and
//! business-rule tasks are answered with empty results (a decision that is not deployed yields
//! none), call activities complete without output. Gateways, conditions and mappings are
//! evaluated for real, by the same [`Expressions`] the engine uses; a gateway with no matching
//! flow, or a bad expression, stops the run with an error.

use crate::feel::{ExprError, Expressions};
use crate::model::*;
use serde::Serialize;
use serde_json::{Map, Value as Json};
use std::collections::{BTreeMap, HashMap, VecDeque};

/// One element that completed, as `simulate` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Completed {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimulationError {
    #[error("no executable process {0:?} in the file")]
    NoProcess(String),
    #[error("the process has no none start event to start from")]
    NoStart,
    #[error("gateway {0:?}: no outgoing flow's condition is true and there is no default flow")]
    NoMatchingFlow(String),
    #[error("element {0:?}: {1}")]
    Expression(String, ExprError),
    #[error("error {code:?} thrown at {element:?} is not caught by any boundary event")]
    UncaughtError { element: String, code: String },
    #[error("the run did not finish within {0} steps (a loop without end?)")]
    TooManySteps(usize),
    #[error("element {0:?} refers to {1:?}, which the model does not define")]
    Broken(String, String),
}

/// How the run ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub completed: Vec<Completed>,
    pub variables: Map<String, Json>,
    /// Elements still waiting when nothing more could happen (messages never sent).
    pub waiting: Vec<String>,
}

struct Token {
    scope: usize,
    at: String,
    via: Option<String>,
}

struct ScopeRun<'m> {
    model: &'m Scope,
    parent: Option<usize>,
    /// The sub-process element that owns this scope (None for the process).
    owner: Option<&'m FlowElement>,
    live: usize,
    joins: HashMap<String, BTreeMap<String, usize>>,
    done: bool,
}

enum Wait {
    Task { scope: usize, element: String },
    Timer { scope: usize, element: String },
    Message { scope: usize, element: String },
}

pub struct Simulation<'m> {
    defs: &'m Definitions,
    expr: &'m dyn Expressions,
    outputs: HashMap<String, Map<String, Json>>,
    scopes: Vec<ScopeRun<'m>>,
    queue: VecDeque<Token>,
    waits: Vec<Wait>,
    vars: Map<String, Json>,
    completed: Vec<Completed>,
    steps: usize,
}

const MAX_STEPS: usize = 100_000;

/// Runs one instance of `process` (or the first executable process) to its end.
pub fn simulate(
    defs: &Definitions,
    process: Option<&str>,
    variables: Map<String, Json>,
    task_outputs: HashMap<String, Map<String, Json>>,
    expr: &dyn Expressions,
) -> Result<Outcome, SimulationError> {
    let p = defs
        .processes
        .iter()
        .find(|p| p.executable && process.is_none_or(|id| p.id == id))
        .ok_or_else(|| SimulationError::NoProcess(process.unwrap_or("(any)").to_owned()))?;
    let start = p
        .scope
        .elements
        .iter()
        .find(|e| {
            matches!(
                e.kind,
                Kind::StartEvent {
                    trigger: Trigger::None,
                    ..
                }
            )
        })
        .or_else(|| {
            p.scope
                .elements
                .iter()
                .find(|e| matches!(e.kind, Kind::StartEvent { .. }))
        })
        .ok_or(SimulationError::NoStart)?;
    let mut sim = Simulation {
        defs,
        expr,
        outputs: task_outputs,
        scopes: vec![ScopeRun {
            model: &p.scope,
            parent: None,
            owner: None,
            live: 0,
            joins: HashMap::new(),
            done: false,
        }],
        queue: VecDeque::new(),
        waits: Vec::new(),
        vars: variables,
        completed: Vec::new(),
        steps: 0,
    };
    sim.spawn(0, &start.id, None);
    sim.run()?;
    let waiting = sim.waits.iter().map(|w| match w {
        Wait::Task { element, .. }
        | Wait::Timer { element, .. }
        | Wait::Message { element, .. } => element.clone(),
    });
    Ok(Outcome {
        completed: sim.completed.clone(),
        variables: sim.vars.clone(),
        waiting: waiting.collect(),
    })
}

impl<'m> Simulation<'m> {
    fn element(&self, scope: usize, id: &str) -> Result<&'m FlowElement, SimulationError> {
        self.scopes[scope]
            .model
            .element(id)
            .ok_or_else(|| SimulationError::Broken(id.to_owned(), id.to_owned()))
    }

    fn spawn(&mut self, scope: usize, at: &str, via: Option<String>) {
        self.scopes[scope].live += 1;
        self.queue.push_back(Token {
            scope,
            at: at.to_owned(),
            via,
        });
    }

    fn eval(
        &self,
        element: &str,
        expression: &str,
        local: &Map<String, Json>,
    ) -> Result<Json, SimulationError> {
        self.expr
            .evaluate(expression, local)
            .map_err(|e| SimulationError::Expression(element.to_owned(), e))
    }

    fn run(&mut self) -> Result<(), SimulationError> {
        loop {
            while let Some(t) = self.queue.pop_front() {
                self.steps += 1;
                if self.steps > MAX_STEPS {
                    return Err(SimulationError::TooManySteps(MAX_STEPS));
                }
                if self.scopes[t.scope].done {
                    continue;
                }
                self.enter(t)?;
            }
            // Work first: tasks complete before any timer fires.
            if let Some(i) = self
                .waits
                .iter()
                .position(|w| matches!(w, Wait::Task { .. }))
            {
                let Wait::Task { scope, element } = self.waits.remove(i) else {
                    unreachable!()
                };
                if !self.scopes[scope].done {
                    self.complete_task(scope, &element)?;
                }
                continue;
            }
            if let Some(i) = self
                .waits
                .iter()
                .position(|w| matches!(w, Wait::Timer { .. }))
            {
                let Wait::Timer { scope, element } = self.waits.remove(i) else {
                    unreachable!()
                };
                if !self.scopes[scope].done {
                    let e = self.element(scope, &element)?;
                    self.leave(scope, e)?;
                }
                continue;
            }
            return Ok(());
        }
    }

    fn enter(&mut self, t: Token) -> Result<(), SimulationError> {
        let e = self.element(t.scope, &t.at)?;
        match &e.kind {
            Kind::StartEvent { .. }
            | Kind::IntermediateThrowEvent { .. }
            | Kind::Task
            | Kind::ManualTask => self.leave(t.scope, e),
            Kind::EndEvent { trigger } => {
                self.record(e);
                self.scopes[t.scope].live = self.scopes[t.scope].live.saturating_sub(1);
                match trigger {
                    Trigger::Terminate => self.finish_scope(t.scope, true),
                    Trigger::Error { error } => {
                        let code = error
                            .as_ref()
                            .and_then(|r| self.defs.errors.iter().find(|x| &x.id == r))
                            .and_then(|x| x.code.clone())
                            .unwrap_or_default();
                        self.throw(t.scope, &e.id, &code)
                    }
                    _ => {
                        if self.scopes[t.scope].live == 0 {
                            self.finish_scope(t.scope, false)
                        } else {
                            Ok(())
                        }
                    }
                }
            }
            Kind::IntermediateCatchEvent {
                trigger: Trigger::Timer { .. },
            } => {
                self.waits.push(Wait::Timer {
                    scope: t.scope,
                    element: e.id.clone(),
                });
                Ok(())
            }
            Kind::IntermediateCatchEvent { .. } | Kind::ReceiveTask { .. } => {
                self.waits.push(Wait::Message {
                    scope: t.scope,
                    element: e.id.clone(),
                });
                Ok(())
            }
            Kind::ServiceTask
            | Kind::SendTask
            | Kind::BusinessRuleTask
            | Kind::ScriptTask
            | Kind::UserTask
            | Kind::CallActivity => {
                self.waits.push(Wait::Task {
                    scope: t.scope,
                    element: e.id.clone(),
                });
                Ok(())
            }
            Kind::SubProcess {
                triggered_by_event: false,
                scope,
            } => {
                let start = scope
                    .elements
                    .iter()
                    .find(|x| matches!(x.kind, Kind::StartEvent { .. }))
                    .ok_or_else(|| SimulationError::Broken(e.id.clone(), "start event".into()))?;
                let child = self.scopes.len();
                // The parent keeps counting the sub-process's token until the child scope ends.
                self.scopes.push(ScopeRun {
                    model: scope,
                    parent: Some(t.scope),
                    owner: Some(e),
                    live: 0,
                    joins: HashMap::new(),
                    done: false,
                });
                self.spawn(child, &start.id, None);
                Ok(())
            }
            Kind::ParallelGateway | Kind::InclusiveGateway { .. } if e.incoming.len() > 1 => {
                self.join(t, e)
            }
            Kind::EventBasedGateway => {
                self.record(e);
                self.scopes[t.scope].live = self.scopes[t.scope].live.saturating_sub(1);
                // Arm every following catch event; in a simulation a timer fires first.
                for f in self.flows_from(t.scope, &e.id) {
                    let target = self.element(t.scope, &f.target)?;
                    match &target.kind {
                        Kind::IntermediateCatchEvent {
                            trigger: Trigger::Timer { .. },
                        } => {
                            self.scopes[t.scope].live += 1;
                            self.waits.push(Wait::Timer {
                                scope: t.scope,
                                element: target.id.clone(),
                            });
                            return Ok(());
                        }
                        _ => {}
                    }
                }
                self.scopes[t.scope].live += 1;
                self.waits.push(Wait::Message {
                    scope: t.scope,
                    element: e.id.clone(),
                });
                Ok(())
            }
            _ => self.leave(t.scope, e),
        }
    }

    fn join(&mut self, t: Token, e: &'m FlowElement) -> Result<(), SimulationError> {
        let via = t.via.unwrap_or_default();
        *self.scopes[t.scope]
            .joins
            .entry(e.id.clone())
            .or_default()
            .entry(via)
            .or_default() += 1;
        let arrived = self.scopes[t.scope].joins[&e.id].clone();
        let ready = match e.kind {
            Kind::ParallelGateway => e
                .incoming
                .iter()
                .all(|f| arrived.get(f).copied().unwrap_or(0) > 0),
            // Inclusive join: go on when no other token of the scope can still reach the gateway.
            _ => {
                !self
                    .queue
                    .iter()
                    .any(|q| q.scope == t.scope && self.reaches(t.scope, &q.at, &e.id))
                    && !self.waits.iter().any(|w| match w {
                        Wait::Task { scope, element }
                        | Wait::Timer { scope, element }
                        | Wait::Message { scope, element } => {
                            *scope == t.scope && self.reaches(t.scope, element, &e.id)
                        }
                    })
            }
        };
        if !ready {
            return Ok(());
        }
        let consumed: usize = match e.kind {
            Kind::ParallelGateway => {
                let joins = self.scopes[t.scope]
                    .joins
                    .get_mut(&e.id)
                    .expect("just inserted");
                for f in &e.incoming {
                    if let Some(n) = joins.get_mut(f) {
                        *n = n.saturating_sub(1);
                    }
                }
                e.incoming.len()
            }
            _ => self.scopes[t.scope]
                .joins
                .remove(&e.id)
                .map(|m| m.values().sum())
                .unwrap_or(1),
        };
        // All joined tokens become one.
        self.scopes[t.scope].live = self.scopes[t.scope]
            .live
            .saturating_sub(consumed.saturating_sub(1));
        self.leave(t.scope, e)
    }

    /// Whether a token at `from` can still flow to `to` within the scope.
    fn reaches(&self, scope: usize, from: &str, to: &str) -> bool {
        let mut seen = std::collections::HashSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(at) = stack.pop() {
            if at == to {
                return true;
            }
            if !seen.insert(at.clone()) {
                continue;
            }
            stack.extend(self.flows_from(scope, &at).map(|f| f.target.clone()));
        }
        false
    }

    fn flows_from(&self, scope: usize, id: &str) -> impl Iterator<Item = &'m SequenceFlow> + 'm {
        let model = self.scopes[scope].model;
        let id = id.to_owned();
        model.flows.iter().filter(move |f| f.source == id)
    }

    fn record(&mut self, e: &FlowElement) {
        self.completed.push(Completed {
            id: e.id.clone(),
            kind: e.kind.tag().to_owned(),
            name: e.name.clone(),
        });
    }

    /// The element is done: record it and send its token along the right outgoing flows.
    fn leave(&mut self, scope: usize, e: &'m FlowElement) -> Result<(), SimulationError> {
        self.record(e);
        self.scopes[scope].live = self.scopes[scope].live.saturating_sub(1);
        let flows: Vec<&SequenceFlow> = self.flows_from(scope, &e.id).collect();
        let chosen: Vec<&SequenceFlow> = match &e.kind {
            Kind::ExclusiveGateway { default } => {
                let mut pick = None;
                for f in flows.iter().filter(|f| Some(&f.id) != default.as_ref()) {
                    match &f.condition {
                        Some(c) => {
                            if self
                                .expr
                                .condition(c, &self.vars)
                                .map_err(|x| SimulationError::Expression(e.id.clone(), x))?
                            {
                                pick = Some(*f);
                                break;
                            }
                        }
                        None if flows.len() == 1 => pick = Some(*f),
                        None => {}
                    }
                }
                let pick = pick.or_else(|| {
                    default
                        .as_ref()
                        .and_then(|d| flows.iter().find(|f| &f.id == d).copied())
                });
                match pick {
                    Some(f) => vec![f],
                    None if flows.is_empty() => vec![],
                    None => return Err(SimulationError::NoMatchingFlow(e.id.clone())),
                }
            }
            Kind::InclusiveGateway { default } => {
                let mut picked = Vec::new();
                for f in flows.iter().filter(|f| Some(&f.id) != default.as_ref()) {
                    let take = match &f.condition {
                        Some(c) => self
                            .expr
                            .condition(c, &self.vars)
                            .map_err(|x| SimulationError::Expression(e.id.clone(), x))?,
                        None => true,
                    };
                    if take {
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
                        None => return Err(SimulationError::NoMatchingFlow(e.id.clone())),
                    }
                }
                picked
            }
            // Activities and events: every unconditional flow, and each conditional one that holds.
            _ => {
                let mut picked = Vec::new();
                for f in flows {
                    let take = match &f.condition {
                        Some(c) => self
                            .expr
                            .condition(c, &self.vars)
                            .map_err(|x| SimulationError::Expression(e.id.clone(), x))?,
                        None => true,
                    };
                    if take {
                        picked.push(f);
                    }
                }
                picked
            }
        };
        if chosen.is_empty() && self.scopes[scope].live == 0 {
            return self.finish_scope(scope, false);
        }
        for f in chosen {
            self.spawn(scope, &f.target, Some(f.id.clone()));
        }
        Ok(())
    }

    /// A scope ran out of tokens (or was terminated): its sub-process completes in the parent.
    fn finish_scope(&mut self, scope: usize, terminate: bool) -> Result<(), SimulationError> {
        self.scopes[scope].done = true;
        if terminate {
            self.cancel_within(scope);
        }
        match (self.scopes[scope].parent, self.scopes[scope].owner) {
            (Some(parent), Some(owner)) => self.leave(parent, owner),
            _ => {
                // The process itself ended: nothing else may happen.
                for s in &mut self.scopes {
                    s.done = true;
                }
                self.waits.clear();
                self.queue.clear();
                Ok(())
            }
        }
    }

    fn cancel_within(&mut self, scope: usize) {
        let inside = |s: usize, scopes: &[ScopeRun<'_>]| {
            let mut at = Some(s);
            while let Some(x) = at {
                if x == scope {
                    return true;
                }
                at = scopes[x].parent;
            }
            false
        };
        let scopes = &self.scopes;
        self.waits.retain(|w| match w {
            Wait::Task { scope: s, .. }
            | Wait::Timer { scope: s, .. }
            | Wait::Message { scope: s, .. } => !inside(*s, scopes),
        });
        self.queue.retain(|t| !inside(t.scope, scopes));
        for i in 0..self.scopes.len() {
            if inside(i, &self.scopes) {
                self.scopes[i].done = true;
            }
        }
    }

    /// An error thrown in `scope`: caught by a matching error boundary event of an enclosing
    /// sub-process, which then ends; otherwise the run fails.
    fn throw(&mut self, scope: usize, element: &str, code: &str) -> Result<(), SimulationError> {
        let mut at = scope;
        loop {
            let (Some(parent), Some(owner)) = (self.scopes[at].parent, self.scopes[at].owner)
            else {
                return Err(SimulationError::UncaughtError {
                    element: element.to_owned(),
                    code: code.to_owned(),
                });
            };
            if let Some(boundary) = self.boundary_for(parent, &owner.id, code) {
                self.cancel_within(at);
                // The boundary event takes over the sub-process's token in the parent.
                return self.leave(parent, boundary);
            }
            at = parent;
        }
    }

    fn boundary_for(&self, scope: usize, activity: &str, code: &str) -> Option<&'m FlowElement> {
        self.scopes[scope]
            .model
            .elements
            .iter()
            .find(|b| match &b.kind {
                Kind::BoundaryEvent {
                    trigger: Trigger::Error { error },
                    attached_to,
                    ..
                } if attached_to == activity => {
                    let caught = error
                        .as_ref()
                        .and_then(|r| self.defs.errors.iter().find(|x| &x.id == r))
                        .and_then(|x| x.code.clone());
                    caught.is_none() || caught.as_deref() == Some(code)
                }
                _ => false,
            })
    }

    /// Completes a task as the simulation answers it, with input and output mappings applied.
    fn complete_task(&mut self, scope: usize, id: &str) -> Result<(), SimulationError> {
        let e = self.element(scope, id)?;
        let mut local = self.vars.clone();
        for m in &e.zeebe.inputs {
            let v = self.eval(&e.id, &m.source, &local)?;
            local.insert(m.target.clone(), v);
        }
        let instances: Vec<Option<Json>> = match &e.multi_instance {
            Some(mi) => {
                let coll = mi
                    .input_collection
                    .as_deref()
                    .map(|c| self.eval(&e.id, c, &local))
                    .transpose()?;
                match coll {
                    Some(Json::Array(items)) => items.into_iter().map(Some).collect(),
                    Some(other) => {
                        return Err(SimulationError::Expression(
                            e.id.clone(),
                            ExprError::Evaluation {
                                expression: mi.input_collection.clone().unwrap_or_default(),
                                message: format!("gave {other}, not a list"),
                            },
                        ))
                    }
                    None => vec![None],
                }
            }
            None => vec![None],
        };
        let mut collected = Vec::new();
        for item in instances {
            let mut inner = local.clone();
            if let (Some(item), Some(name)) = (
                item,
                e.multi_instance
                    .as_ref()
                    .and_then(|m| m.input_element.clone()),
            ) {
                inner.insert(name, item);
            }
            // Outputs given for the task win; otherwise each kind answers as a simulation does.
            let result: Map<String, Json> = match (self.outputs.get(&e.id), &e.kind) {
                (Some(given), _) => given.clone(),
                (None, Kind::ScriptTask) => match (&e.zeebe.script, &e.zeebe.result_variable) {
                    (Some(script), Some(var)) => [(var.clone(), self.eval(&e.id, script, &inner)?)]
                        .into_iter()
                        .collect(),
                    _ => Map::new(),
                },
                // No decision is deployed in a simulation: it yields none.
                (None, Kind::BusinessRuleTask) => match &e.zeebe.result_variable {
                    Some(var) => [(var.clone(), Json::Null)].into_iter().collect(),
                    None => Map::new(),
                },
                (None, _) => Map::new(),
            };
            inner.extend(result.clone());
            if e.zeebe.outputs.is_empty() && e.multi_instance.is_none() {
                self.vars.extend(result);
            }
            for m in &e.zeebe.outputs {
                let v = self.eval(&e.id, &m.source, &inner)?;
                set_path(&mut self.vars, &m.target, v);
            }
            if let Some(mi) = &e.multi_instance {
                let out = mi
                    .output_element
                    .as_deref()
                    .map(|o| self.eval(&e.id, o, &inner))
                    .transpose()?;
                collected.push(out.unwrap_or(Json::Null));
            }
        }
        if let Some(name) = e
            .multi_instance
            .as_ref()
            .and_then(|m| m.output_collection.clone())
        {
            self.vars.insert(name, Json::Array(collected));
        }
        self.leave(scope, e)
    }
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
