//! `yagona process simulate`: one instance of a process, in memory, to see the path a model takes.
//!
//! The instance runs on the engine core ([`crate::engine`]), the same semantics the platform
//! runs with; only the answers are the simulation's: user tasks complete with the outputs given
//! for them (or none), timers fire at once (but only when nothing else can move, so a deadline
//! never beats the work it guards), service and business-rule tasks answer with empty results (a
//! decision that is not deployed yields none), call activities complete without output.

use crate::engine::{Completed, EngineError, Instance, WaitKind};
use crate::feel::Expressions;
use crate::model::*;
use serde::Serialize;
use serde_json::{Map, Value as Json};
use std::collections::HashMap;

pub use crate::engine::EngineError as SimulationError;

/// How the run ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub completed: Vec<Completed>,
    pub variables: Map<String, Json>,
    /// Elements still waiting when nothing more could happen (messages never sent).
    pub waiting: Vec<String>,
}

const MAX_ANSWERS: usize = 100_000;

/// Runs one instance of `process` (or the first executable process) until it ends or only
/// messages could move it further.
pub fn simulate(
    defs: &Definitions,
    process: Option<&str>,
    variables: Map<String, Json>,
    task_outputs: HashMap<String, Map<String, Json>>,
    expr: &dyn Expressions,
) -> Result<Outcome, EngineError> {
    let (mut inst, first) = Instance::start(defs, process, variables, expr)?;
    let mut completed = first.completed;
    for _ in 0..MAX_ANSWERS {
        if inst.ended {
            break;
        }
        // Work first: tasks complete before any timer fires.
        let task = inst
            .waits
            .iter()
            .find(|w| matches!(w.what, WaitKind::Job { .. } | WaitKind::UserTask))
            .cloned();
        if let Some(w) = task {
            let result = match task_outputs.get(&w.element) {
                Some(given) => given.clone(),
                None => default_answer(defs, &w.element),
            };
            completed.extend(inst.complete(defs, w.id, result, expr)?.completed);
            continue;
        }
        let timer = inst
            .waits
            .iter()
            .find(|w| matches!(w.what, WaitKind::Timer { .. }))
            .map(|w| w.id);
        match timer {
            Some(id) => completed.extend(inst.trigger(defs, id, Map::new(), expr)?.completed),
            None => break,
        }
    }
    let waiting = inst.waits.iter().map(|w| w.element.clone()).collect();
    Ok(Outcome {
        completed,
        variables: inst.variables,
        waiting,
    })
}

/// A business-rule task's decision is not deployed in a simulation: its result variable is null.
fn default_answer(defs: &Definitions, element: &str) -> Map<String, Json> {
    let e = defs
        .processes
        .iter()
        .flat_map(|p| p.scope.walk())
        .find(|e| e.id == element);
    match e {
        Some(FlowElement {
            kind: Kind::BusinessRuleTask,
            zeebe,
            ..
        }) => match &zeebe.result_variable {
            Some(var) => [(var.clone(), Json::Null)].into_iter().collect(),
            None => Map::new(),
        },
        _ => Map::new(),
    }
}
