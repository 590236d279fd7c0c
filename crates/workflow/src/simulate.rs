//! `yagona process simulate`: one instance of a process, in memory, on a virtual clock — an
//! oracle for what a model does.
//!
//! The instance runs on the engine core ([`crate::engine`]), the same semantics the platform
//! runs with; only the answers are the simulation's. Time is virtual: it starts at
//! [`EPOCH`] and jumps to the next thing that happens. Timers fall due by their ISO 8601
//! values and fire in due-time order (cycles repeat until their scope ends); user tasks and
//! jobs complete at once with the outputs given for them (or none), unless an [`Act`] completes
//! them at a later moment; messages arrive at the moment an [`Act`] says. At the same moment,
//! acts come before timers (a task completed on its deadline is in time), and timers go in the
//! order they were armed. Business-rule tasks answer with a null result (no decision is
//! deployed in a simulation); call activities complete without output.
//!
//! A run always says how it ended ([`End`]), with every step before, even when it ends in an
//! incident, a deadlock or the step limit.

use crate::engine::{Completed, EngineError, Instance, WaitKind};
use crate::feel::Expressions;
use crate::model::*;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{Map, Value as Json};
use std::collections::HashMap;

pub use crate::engine::EngineError as SimulationError;

/// Where virtual time starts: a Monday, 09:00 in Tashkent.
pub const EPOCH: &str = "2027-01-04T04:00:00Z";

/// Something that happens at a moment after the start.
#[derive(Debug, Clone, PartialEq)]
pub struct Act {
    pub after: Duration,
    pub what: ActKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ActKind {
    /// The task (by element id) completes with these outputs.
    Complete {
        task: String,
        outputs: Map<String, Json>,
    },
    /// The message (by name) arrives with these variables.
    Message {
        name: String,
        variables: Map<String, Json>,
    },
}

/// How the run ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "end", rename_all = "kebab-case")]
pub enum End {
    Completed,
    /// Nothing more happens by itself: these elements wait (messages never sent, say).
    Waiting {
        at: Vec<String>,
    },
    Incident {
        at: String,
        message: String,
    },
    /// Tokens wait at a join for tokens that cannot come.
    Deadlock {
        at: Vec<String>,
    },
    StepLimit {
        steps: usize,
    },
}

impl End {
    /// Whether the run ended where a model should not: an incident, a deadlock, the limit.
    pub fn failed(&self) -> bool {
        matches!(
            self,
            End::Incident { .. } | End::Deadlock { .. } | End::StepLimit { .. }
        )
    }
}

impl std::fmt::Display for End {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            End::Completed => write!(f, "completed"),
            End::Waiting { at } => write!(f, "waiting at {}", at.join(", ")),
            End::Incident { at, message } => write!(f, "incident at {at}: {message}"),
            End::Deadlock { at } => write!(
                f,
                "deadlock at {}: tokens wait for others that cannot come",
                at.join(", ")
            ),
            End::StepLimit { steps } => {
                write!(
                    f,
                    "step limit: {steps} steps without coming to rest (a loop?)"
                )
            }
        }
    }
}

/// A completed element and when, in virtual time after the start.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timed {
    #[serde(flatten)]
    pub element: Completed,
    /// ISO 8601 duration since the start (`PT0S`, `P1D`, `P2DT3H`).
    pub at: String,
}

/// The run: each element as it completed, the variables at the end, how it ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub completed: Vec<Completed>,
    pub steps: Vec<Timed>,
    pub variables: Map<String, Json>,
    /// Elements still waiting when nothing more could happen (messages never sent).
    pub waiting: Vec<String>,
    pub end: End,
}

const MAX_ANSWERS: usize = 100_000;

fn iso(d: Duration) -> String {
    let secs = d.num_seconds();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    let mut out = String::from("P");
    if days > 0 {
        out.push_str(&format!("{days}D"));
    }
    if rest > 0 || days == 0 {
        out.push('T');
        if h > 0 {
            out.push_str(&format!("{h}H"));
        }
        if m > 0 {
            out.push_str(&format!("{m}M"));
        }
        if s > 0 || rest == 0 {
            out.push_str(&format!("{s}S"));
        }
    }
    out
}

/// Runs one instance of `process` (or the first executable process), completing tasks at once
/// with `task_outputs`; an incident is an error (see [`run`] for the whole story).
pub fn simulate(
    defs: &Definitions,
    process: Option<&str>,
    variables: Map<String, Json>,
    task_outputs: HashMap<String, Map<String, Json>>,
    expr: &dyn Expressions,
) -> Result<Outcome, EngineError> {
    let (outcome, error) = run(defs, process, variables, &task_outputs, &[], expr);
    match error {
        Some(e) => Err(e),
        None => Ok(outcome),
    }
}

/// Runs one instance on the virtual clock with timed acts. Returns the outcome — every step up
/// to the end, however it ended — and the engine's error where it ended in one.
pub fn run(
    defs: &Definitions,
    process: Option<&str>,
    variables: Map<String, Json>,
    task_outputs: &HashMap<String, Map<String, Json>>,
    acts: &[Act],
    expr: &dyn Expressions,
) -> (Outcome, Option<EngineError>) {
    let epoch: DateTime<Utc> = EPOCH.parse().expect("the epoch is a timestamp");
    let mut now = epoch;
    let mut steps: Vec<Timed> = Vec::new();
    let note = |steps: &mut Vec<Timed>, completed: Vec<Completed>, now: DateTime<Utc>| {
        steps.extend(completed.into_iter().map(|c| Timed {
            element: c,
            at: iso(now - epoch),
        }))
    };
    let finish = |inst: Option<&Instance>,
                  steps: Vec<Timed>,
                  end: End,
                  variables: Map<String, Json>| Outcome {
        completed: steps.iter().map(|t| t.element.clone()).collect(),
        steps,
        variables: inst.map(|i| i.variables.clone()).unwrap_or(variables),
        waiting: inst
            .map(|i| i.waits.iter().map(|w| w.element.clone()).collect())
            .unwrap_or_default(),
        end,
    };
    let failed = |e: &EngineError, at: String| match e {
        EngineError::TooManySteps(n) => End::StepLimit { steps: *n },
        EngineError::Expression(el, _) | EngineError::NoMatchingFlow(el) => End::Incident {
            at: el.clone(),
            message: e.to_string(),
        },
        EngineError::UncaughtError { element, .. } => End::Incident {
            at: element.clone(),
            message: e.to_string(),
        },
        _ => End::Incident {
            at,
            message: e.to_string(),
        },
    };
    let (mut inst, first) = match Instance::start(defs, process, variables.clone(), expr) {
        Ok(x) => x,
        Err(e) => {
            let end = failed(&e, "start".into());
            return (finish(None, steps, end, variables), Some(e));
        }
    };
    note(&mut steps, first.completed, now);
    // When each timer wait falls due: set when it first appears.
    let mut due: HashMap<u64, DateTime<Utc>> = HashMap::new();
    let mut pending: Vec<(DateTime<Utc>, usize, &Act)> = acts
        .iter()
        .enumerate()
        .map(|(i, a)| (epoch + a.after, i, a))
        .collect();
    pending.sort_by_key(|(t, i, _)| (*t, *i));
    let timed_task = |task: &str, pending: &[(DateTime<Utc>, usize, &Act)]| {
        pending
            .iter()
            .any(|(_, _, a)| matches!(&a.what, ActKind::Complete { task: t, .. } if t == task))
    };
    for _ in 0..MAX_ANSWERS {
        if inst.ended {
            return (finish(Some(&inst), steps, End::Completed, variables), None);
        }
        for w in &inst.waits {
            if matches!(w.what, WaitKind::Timer { .. }) && !due.contains_key(&w.id) {
                let at = crate::store::timer_due(&w.what, now, &inst.variables_for(w), expr, None);
                match at {
                    Some(at) => {
                        due.insert(w.id, at);
                    }
                    None => {
                        let message =
                            crate::store::timer_problem(&w.what, &inst.variables_for(w), expr)
                                .unwrap_or_else(|| "the timer cannot be scheduled".into());
                        let end = End::Incident {
                            at: w.element.clone(),
                            message,
                        };
                        return (finish(Some(&inst), steps, end, variables), None);
                    }
                }
            }
        }
        // Work first: tasks complete at once, unless an act completes them later.
        let task = inst
            .waits
            .iter()
            .find(|w| {
                matches!(w.what, WaitKind::Job { .. } | WaitKind::UserTask)
                    && !timed_task(&w.element, &pending)
            })
            .cloned();
        let result = if let Some(w) = task {
            let result = match task_outputs.get(&w.element) {
                Some(given) => given.clone(),
                None => default_answer(defs, &w.element),
            };
            inst.complete(defs, w.id, result, expr)
                .map_err(|e| (e, w.element.clone()))
        } else {
            // The next thing to happen: an act whose wait is there, else the earliest timer.
            let act = pending.iter().position(|(_, _, a)| match &a.what {
                ActKind::Complete { task, .. } => inst.waits.iter().any(|w| {
                    &w.element == task
                        && matches!(w.what, WaitKind::Job { .. } | WaitKind::UserTask)
                }),
                ActKind::Message { name, .. } => message_wait(defs, &inst, name).is_some(),
            });
            let timer = inst
                .waits
                .iter()
                .filter_map(|w| due.get(&w.id).map(|t| (*t, w.id, w.element.clone())))
                .min();
            let act_first = match (&act, &timer) {
                (Some(i), Some((t, _, _))) => pending[*i].0 <= *t,
                (Some(_), None) => true,
                _ => false,
            };
            if act_first {
                let (at, _, a) = pending.remove(act.expect("an act was found"));
                now = now.max(at);
                match &a.what {
                    ActKind::Complete { task, outputs } => {
                        let w = inst
                            .waits
                            .iter()
                            .find(|w| &w.element == task)
                            .map(|w| w.id)
                            .expect("the task waits");
                        inst.complete(defs, w, outputs.clone(), expr)
                            .map_err(|e| (e, task.clone()))
                    }
                    ActKind::Message { name, variables } => {
                        let (w, element) = message_wait(defs, &inst, name).expect("a wait");
                        inst.trigger(defs, w, variables.clone(), expr)
                            .map_err(|e| (e, element))
                    }
                }
            } else if let Some((at, id, element)) = timer {
                now = now.max(at);
                due.remove(&id);
                inst.trigger(defs, id, Map::new(), expr)
                    .map_err(|e| (e, element))
            } else {
                let joins = inst.waiting_joins();
                let end = if inst.waits.is_empty() && !joins.is_empty() {
                    End::Deadlock { at: joins }
                } else {
                    End::Waiting {
                        at: inst.waits.iter().map(|w| w.element.clone()).collect(),
                    }
                };
                return (finish(Some(&inst), steps, end, variables), None);
            }
        };
        match result {
            Ok(step) => {
                for c in &step.cancelled_waits {
                    due.remove(c);
                }
                note(&mut steps, step.completed, now);
            }
            Err((e, at)) => {
                let end = failed(&e, at);
                return (finish(Some(&inst), steps, end, variables), Some(e));
            }
        }
    }
    let end = End::StepLimit { steps: MAX_ANSWERS };
    (finish(Some(&inst), steps, end, variables), None)
}

/// The wait for a message of this name (by the message's name or id), if one waits.
fn message_wait(defs: &Definitions, inst: &Instance, name: &str) -> Option<(u64, String)> {
    inst.waits.iter().find_map(|w| match &w.what {
        WaitKind::Message { message: Some(m) } => {
            let named = defs
                .messages
                .iter()
                .find(|x| &x.id == m)
                .is_some_and(|x| x.name.as_deref() == Some(name) || x.id == name);
            (named || m == name).then(|| (w.id, w.element.clone()))
        }
        _ => None,
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
