//! Structural warnings over one (sub-)process's sequence flows: what runs, but probably not as
//! the modeller meant. Linear in the size of the scope.

use super::Ctx;
use crate::model::*;
use std::collections::{HashMap, HashSet};

/// Elements where a token rests until something outside the instance happens.
fn waits(e: &FlowElement) -> bool {
    match &e.kind {
        Kind::UserTask
        | Kind::ServiceTask
        | Kind::SendTask
        | Kind::ReceiveTask { .. }
        | Kind::CallActivity
        | Kind::EventBasedGateway
        | Kind::IntermediateCatchEvent { .. } => true,
        // A decision is evaluated at once; a job type makes it a worker's job.
        Kind::BusinessRuleTask | Kind::ScriptTask => e.zeebe.task_type.is_some(),
        // A sub-process waits if anything inside it does.
        Kind::SubProcess { scope, .. }
        | Kind::Transaction { scope }
        | Kind::AdHocSubProcess { scope, .. } => scope.walk().into_iter().any(waits),
        _ => false,
    }
}

/// `ad_hoc`: the scope is an ad-hoc sub-process, whose elements with no way in are started by
/// name rather than reached.
pub(super) fn warnings(c: &mut Ctx<'_>, s: &Scope, ad_hoc: bool) {
    let by_id: HashMap<&str, &FlowElement> =
        s.elements.iter().map(|e| (e.id.as_str(), e)).collect();
    let flows: HashMap<&str, &SequenceFlow> = s.flows.iter().map(|f| (f.id.as_str(), f)).collect();
    let mut next: HashMap<&str, Vec<&str>> = HashMap::new();
    for f in &s.flows {
        if by_id.contains_key(f.source.as_str()) && by_id.contains_key(f.target.as_str()) {
            next.entry(f.source.as_str())
                .or_default()
                .push(f.target.as_str());
        }
    }
    unreachable(c, s, &next, ad_hoc);
    deadlocks(c, s, &by_id, &flows);
    busy_loops(c, s, &by_id, &next);
}

/// Elements no path from a start event (or a boundary event of a reached activity) leads to.
fn unreachable(c: &mut Ctx<'_>, s: &Scope, next: &HashMap<&str, Vec<&str>>, ad_hoc: bool) {
    let mut attached: HashMap<&str, Vec<&str>> = HashMap::new();
    for e in &s.elements {
        if let Kind::BoundaryEvent { attached_to, .. } = &e.kind {
            attached
                .entry(attached_to.as_str())
                .or_default()
                .push(&e.id);
        }
    }
    let mut seen: HashSet<&str> = HashSet::new();
    let mut stack: Vec<&str> = s
        .elements
        .iter()
        .filter(|e| match &e.kind {
            Kind::StartEvent { .. } => true,
            // Event sub-processes start on their own event; link catch events are jumped to.
            Kind::SubProcess {
                triggered_by_event: true,
                ..
            } => true,
            Kind::IntermediateCatchEvent {
                trigger: Trigger::Link { .. },
            } => true,
            Kind::BoundaryEvent { .. } => false,
            _ => ad_hoc && e.incoming.is_empty(),
        })
        .map(|e| e.id.as_str())
        .collect();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        stack.extend(next.get(id).into_iter().flatten().copied());
        stack.extend(attached.get(id).into_iter().flatten().copied());
    }
    for e in &s.elements {
        // A boundary event of an unreachable activity is unreachable with it: said once.
        // A compensation handler is started by compensation, not reached.
        if !seen.contains(e.id.as_str())
            && !matches!(e.kind, Kind::BoundaryEvent { .. })
            && !e.for_compensation
        {
            c.warn(e, "unreachable: no path from a start event leads here");
        }
    }
}

/// From an incoming flow of a join, back through elements with one way in and one way out, to
/// the split that chose this branch: the gateway and the outgoing flow taken.
fn split_of<'a>(
    flow: &'a str,
    by_id: &HashMap<&str, &'a FlowElement>,
    flows: &HashMap<&str, &'a SequenceFlow>,
) -> Option<(&'a FlowElement, &'a str)> {
    let mut flow = flow;
    for _ in 0..by_id.len() + 1 {
        let f = flows.get(flow)?;
        let source = by_id.get(f.source.as_str())?;
        if source.outgoing.len() > 1 {
            return Some((source, flow));
        }
        if source.incoming.len() != 1 {
            return None;
        }
        flow = source.incoming[0].as_str();
    }
    None
}

/// A parallel join fed by two branches of one exclusive split: only one branch ever arrives,
/// and the join waits for ever. (An inclusive split may take one branch only, too.)
fn deadlocks(
    c: &mut Ctx<'_>,
    s: &Scope,
    by_id: &HashMap<&str, &FlowElement>,
    flows: &HashMap<&str, &SequenceFlow>,
) {
    for join in &s.elements {
        if !matches!(join.kind, Kind::ParallelGateway) || join.incoming.len() < 2 {
            continue;
        }
        let mut splits: HashMap<&str, &str> = HashMap::new();
        for incoming in &join.incoming {
            let Some((split, taken)) = split_of(incoming, by_id, flows) else {
                continue;
            };
            let choosing = match split.kind {
                Kind::ExclusiveGateway { .. } => Some("exclusive"),
                Kind::InclusiveGateway { .. } => Some("inclusive"),
                Kind::EventBasedGateway => Some("event-based"),
                _ => None,
            };
            let Some(how) = choosing else { continue };
            match splits.get(split.id.as_str()) {
                Some(other) if *other != taken => {
                    c.warn(
                        join,
                        format!(
                            "deadlock: the {how} gateway {:?} (line {}) may take only one of the branches this parallel join waits for, and the join then waits for ever; join them with an exclusive or inclusive gateway",
                            split.id, split.line
                        ),
                    );
                    break;
                }
                _ => {
                    splits.insert(&split.id, taken);
                }
            }
        }
    }
}

/// A cycle of sequence flows with no wait state on it: once entered, it runs without rest
/// until a condition lets it out, and with none, until the step limit stops it.
fn busy_loops(
    c: &mut Ctx<'_>,
    s: &Scope,
    by_id: &HashMap<&str, &FlowElement>,
    next: &HashMap<&str, Vec<&str>>,
) {
    // Tarjan's strongly connected components, iteratively (no recursion on model input).
    let ids: Vec<&str> = s.elements.iter().map(|e| e.id.as_str()).collect();
    let index_of: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let n = ids.len();
    let mut index = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut counter = 0;
    let succ = |v: usize| -> Vec<usize> {
        next.get(ids[v])
            .into_iter()
            .flatten()
            .filter_map(|t| index_of.get(t).copied())
            .collect()
    };
    let mut components: Vec<Vec<usize>> = Vec::new();
    for root in 0..n {
        if index[root] != usize::MAX {
            continue;
        }
        let mut work: Vec<(usize, Vec<usize>, usize)> = vec![(root, succ(root), 0)];
        index[root] = counter;
        low[root] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some((v, children, i)) = work.last_mut() {
            let v = *v;
            if *i < children.len() {
                let w = children[*i];
                *i += 1;
                if index[w] == usize::MAX {
                    index[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, succ(w), 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some((parent, _, _)) = work.last() {
                low[*parent] = low[*parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }
    for component in components {
        let cyclic = component.len() > 1
            || next
                .get(ids[component[0]])
                .is_some_and(|t| t.contains(&ids[component[0]]));
        if !cyclic {
            continue;
        }
        let members: Vec<&FlowElement> = component
            .iter()
            .filter_map(|i| by_id.get(ids[*i]).copied())
            .collect();
        if members.iter().any(|e| waits(e)) {
            continue;
        }
        // Report it once, at the element of the loop that comes first in the file.
        if let Some(first) = members.iter().min_by_key(|e| e.line) {
            let mut names: Vec<&str> = members.iter().map(|e| e.id.as_str()).collect();
            names.sort_unstable();
            c.warn(
                first,
                format!(
                    "a loop with no wait state ({}): it runs without rest until a condition lets it out",
                    names.join(" → ")
                ),
            );
        }
    }
}
