//! Reading BPMN 2.0 XML (as bpmn.io and Camunda Modeler save it) into the [`Definitions`] model.
//!
//! Reading takes time in proportion to the model, and a model may be only so large and nest
//! only so deep ([`Limits`]): whatever a file holds, reading it answers in bounded time and
//! stack, and so does everything that walks a model read (checking, running, drawing).

use crate::model::*;
use crate::xml::{self, Node, XmlError};
use std::collections::{HashMap, HashSet};

/// How large a model may be, and how deeply its elements may nest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The size of the file, in bytes. Default 10 MB: models drawn by people stay far below
    /// 1 MB.
    pub max_bytes: usize,
    /// How many XML elements may be inside one another, the root counting as one. Default 100:
    /// a sub-process is one level (a task in it, two), and modelers nest a handful. Everything
    /// that walks a model recurses at most this deep, so a limit far above the default needs a
    /// larger stack than a thread's usual 2 MB.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 10 * 1024 * 1024,
            max_depth: xml::MAX_DEPTH,
        }
    }
}

/// The deepest nesting a node may be configured to read: walking a model recurses this deep, and
/// a thread's stack (2 MB) holds about 400 levels.
pub const MAX_CONFIGURABLE_DEPTH: usize = 400;

static CONFIGURED: std::sync::RwLock<Option<Limits>> = std::sync::RwLock::new(None);

impl Limits {
    /// The limits [`read`] applies: as configured for this node (`[workflow]` in
    /// `yagona.toml`), else the defaults.
    pub fn current() -> Limits {
        CONFIGURED
            .read()
            .map(|l| *l)
            .unwrap_or_else(|e| *e.into_inner())
            .unwrap_or_default()
    }

    /// Sets the limits for every model this process reads from now on (deployments, the
    /// registry, checks). Refuses a depth its threads' stacks could not hold.
    pub fn configure(limits: Limits) -> Result<(), String> {
        if limits.max_depth == 0 || limits.max_depth > MAX_CONFIGURABLE_DEPTH {
            return Err(format!(
                "max_depth must be between 1 and {MAX_CONFIGURABLE_DEPTH}, not {}",
                limits.max_depth
            ));
        }
        if limits.max_bytes == 0 {
            return Err("max_model_mb must be at least 1".into());
        }
        *CONFIGURED.write().unwrap_or_else(|e| e.into_inner()) = Some(limits);
        Ok(())
    }
}

/// Why a file is not a BPMN model at all (as opposed to a model with unsupported parts, which
/// [`crate::check`] reports).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Xml(XmlError),
    #[error("line {line}: the root element is <{found}>, not BPMN 2.0 <definitions>")]
    NotBpmn { line: usize, found: String },
    /// `line` is where the file passes the limit.
    #[error("line {line}: the model is {bytes} bytes, more than the limit of {limit} bytes (passed on this line)")]
    TooLarge {
        line: usize,
        bytes: usize,
        limit: usize,
    },
    /// `line` is the first element too deep.
    #[error("line {line}: the model nests deeper than {limit} levels of XML elements, the limit")]
    TooDeep { line: usize, limit: usize },
}

impl From<XmlError> for ReadError {
    fn from(e: XmlError) -> Self {
        match e {
            XmlError::TooDeep { line, limit } => ReadError::TooDeep { line, limit },
            e => ReadError::Xml(e),
        }
    }
}

impl ReadError {
    pub fn line(&self) -> usize {
        match self {
            ReadError::Xml(e) => e.line(),
            ReadError::NotBpmn { line, .. }
            | ReadError::TooLarge { line, .. }
            | ReadError::TooDeep { line, .. } => *line,
        }
    }
}

/// Reads a model within the default [`Limits`].
pub fn read(source: &str) -> Result<Definitions, ReadError> {
    read_with(source, &Limits::current())
}

/// Reads a model within the given limits.
pub fn read_with(source: &str, limits: &Limits) -> Result<Definitions, ReadError> {
    if source.len() > limits.max_bytes {
        let line = 1 + source.as_bytes()[..limits.max_bytes]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        return Err(ReadError::TooLarge {
            line,
            bytes: source.len(),
            limit: limits.max_bytes,
        });
    }
    let root = xml::parse_within(source, limits.max_depth)?;
    if !root.is(BPMN, "definitions") {
        return Err(ReadError::NotBpmn {
            line: root.line,
            found: root.name.clone(),
        });
    }
    let mut defs = Definitions {
        id: root.attr("id").unwrap_or_default().to_owned(),
        ..Default::default()
    };
    for n in root.children_in(BPMN) {
        match n.name.as_str() {
            "process" => defs.processes.push(Process {
                id: n.attr("id").unwrap_or_default().to_owned(),
                name: n.attr("name").map(str::to_owned),
                executable: n.attr("isExecutable") == Some("true"),
                line: n.line,
                scope: scope(n),
            }),
            "message" => defs.messages.push(Named {
                id: n.attr("id").unwrap_or_default().to_owned(),
                name: n.attr("name").map(str::to_owned),
                line: n.line,
                correlation_key: n
                    .descendants()
                    .find(|d| d.is(ZEEBE, "subscription"))
                    .and_then(|d| d.attr("correlationKey"))
                    .map(str::to_owned),
            }),
            "signal" => defs.signals.push(Named {
                id: n.attr("id").unwrap_or_default().to_owned(),
                name: n.attr("name").map(str::to_owned),
                line: n.line,
                correlation_key: None,
            }),
            "error" => defs.errors.push(ErrorDef {
                id: n.attr("id").unwrap_or_default().to_owned(),
                name: n.attr("name").map(str::to_owned),
                code: n.attr("errorCode").map(str::to_owned),
                line: n.line,
            }),
            "escalation" => defs.escalations.push(ErrorDef {
                id: n.attr("id").unwrap_or_default().to_owned(),
                name: n.attr("name").map(str::to_owned),
                code: n.attr("escalationCode").map(str::to_owned),
                line: n.line,
            }),
            _ => {}
        }
    }
    for d in root.children.iter().filter(|c| c.is(BPMNDI, "BPMNDiagram")) {
        read_diagram(d, &mut defs.diagram);
    }
    Ok(defs)
}

fn refs(n: &Node, name: &str) -> Vec<String> {
    n.children
        .iter()
        .filter(|c| c.is(BPMN, name))
        .map(|c| c.text.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

fn trigger(n: &Node) -> Trigger {
    let defs: Vec<&Node> = n
        .children
        .iter()
        .filter(|c| c.ns == BPMN && c.name.ends_with("EventDefinition"))
        .collect();
    if defs.len() > 1 {
        return Trigger::Multiple;
    }
    let Some(d) = defs.first() else {
        return Trigger::None;
    };
    // A Camunda 7 `${…}` value is translated; one that cannot be is kept as written, and the
    // check refuses it as not ISO 8601.
    let expr = |name: &str| {
        d.child(BPMN, name)
            .map(|c| c.text.trim().to_owned())
            .filter(|s| !s.is_empty())
            .map(|s| crate::camunda7::translate(&s).unwrap_or(s))
    };
    match d.name.as_str() {
        "timerEventDefinition" => Trigger::Timer {
            date: expr("timeDate"),
            duration: expr("timeDuration"),
            cycle: expr("timeCycle"),
            working_days: d.attrs.iter().any(|a| {
                a.ns.contains("yagona") && a.name == "calendar" && a.value == "working-days"
            }),
        },
        "messageEventDefinition" => Trigger::Message {
            message: d.attr("messageRef").map(str::to_owned),
        },
        "errorEventDefinition" => Trigger::Error {
            error: d.attr("errorRef").map(str::to_owned),
        },
        "terminateEventDefinition" => Trigger::Terminate,
        "signalEventDefinition" => Trigger::Signal {
            signal: d.attr("signalRef").map(str::to_owned),
        },
        "escalationEventDefinition" => Trigger::Escalation {
            escalation: d.attr("escalationRef").map(str::to_owned),
        },
        "conditionalEventDefinition" => Trigger::Conditional,
        "compensateEventDefinition" => Trigger::Compensation {
            activity: d.attr("activityRef").map(str::to_owned),
        },
        "linkEventDefinition" => Trigger::Link {
            name: d.attr("name").map(str::to_owned),
        },
        "cancelEventDefinition" => Trigger::Cancel,
        _ => Trigger::Multiple,
    }
}

fn zeebe(n: &Node) -> Zeebe {
    let mut z = Zeebe::default();
    let Some(ext) = n.child(BPMN, "extensionElements") else {
        return z;
    };
    for d in ext.descendants() {
        if d.ns != ZEEBE {
            if d.ns.contains("yagona") {
                for a in &d.attrs {
                    z.yagona
                        .push((format!("{}.{}", d.name, a.name), a.value.clone()));
                }
            }
            continue;
        }
        let a = |k: &str| d.attr(k).map(str::to_owned);
        match d.name.as_str() {
            "taskDefinition" => {
                z.task_type = a("type");
                z.retries = a("retries");
            }
            "assignmentDefinition" => {
                z.assignee = a("assignee");
                z.candidate_groups = a("candidateGroups");
                z.candidate_users = a("candidateUsers");
            }
            "taskSchedule" => {
                z.due_date = a("dueDate");
                z.follow_up_date = a("followUpDate");
            }
            "formDefinition" => {
                z.form_key = a("formKey");
                z.form_id = a("formId");
            }
            "calledElement" => {
                z.called_process = a("processId");
                z.propagate_all_child_variables =
                    d.attr("propagateAllChildVariables").map(|v| v == "true");
            }
            "calledDecision" => {
                z.called_decision = a("decisionId");
                z.result_variable = a("resultVariable");
            }
            "input" => z.inputs.push(Mapping {
                source: a("source").unwrap_or_default(),
                target: a("target").unwrap_or_default(),
            }),
            "output" => z.outputs.push(Mapping {
                source: a("source").unwrap_or_default(),
                target: a("target").unwrap_or_default(),
            }),
            "header" => z
                .headers
                .push((a("key").unwrap_or_default(), a("value").unwrap_or_default())),
            "script" => {
                z.script = a("expression");
                z.result_variable = a("resultVariable").or(z.result_variable.take());
            }
            _ => {}
        }
    }
    z
}

fn multi_instance(n: &Node) -> Option<MultiInstance> {
    let m = n.child(BPMN, "multiInstanceLoopCharacteristics")?;
    let z = m.descendants().find(|d| d.is(ZEEBE, "loopCharacteristics"));
    let a = |k: &str| z.and_then(|z| z.attr(k)).map(str::to_owned);
    Some(MultiInstance {
        sequential: m.attr("isSequential") == Some("true"),
        input_collection: a("inputCollection"),
        input_element: a("inputElement"),
        output_collection: a("outputCollection"),
        output_element: a("outputElement"),
        completion_condition: m
            .child(BPMN, "completionCondition")
            .map(|c| c.text.trim().to_owned())
            .filter(|t| !t.is_empty()),
    })
}

fn scope(container: &Node) -> Scope {
    let mut s = Scope::default();
    for n in container.children_in(BPMN) {
        let kind = match n.name.as_str() {
            "sequenceFlow" => {
                // Camunda 7's JUEL is translated; a condition in a script language is refused.
                let condition = n.child(BPMN, "conditionExpression").and_then(|c| {
                    let text = c.text.trim();
                    if text.is_empty() {
                        return None;
                    }
                    let language = c.attr("language").unwrap_or_default().to_ascii_lowercase();
                    // Declared FEEL is FEEL, with or without Camunda's leading `=`.
                    if language.contains("feel") {
                        let feel = text.strip_prefix('=').unwrap_or(text);
                        return Some(Ok(format!("={feel}")));
                    }
                    Some(if language.is_empty() || language.contains("juel") {
                        crate::camunda7::translate(text).map_err(|e| format!("conditionExpression: {e}"))
                    } else {
                        Err(format!("conditionExpression in {language} cannot run here: write it in FEEL (=…) or plain JUEL (${{…}})"))
                    })
                });
                s.flows.push(SequenceFlow {
                    id: n.attr("id").unwrap_or_default().to_owned(),
                    name: n.attr("name").map(str::to_owned),
                    source: n.attr("sourceRef").unwrap_or_default().to_owned(),
                    target: n.attr("targetRef").unwrap_or_default().to_owned(),
                    // Refused, the condition is kept as written, so the gateway is not also
                    // said to have a flow without one.
                    condition: condition.clone().map(|c| {
                        c.unwrap_or_else(|_| {
                            n.child(BPMN, "conditionExpression")
                                .map(|x| x.text.trim().to_owned())
                                .unwrap_or_default()
                        })
                    }),
                    refused: condition.and_then(Result::err),
                    line: n.line,
                    labels: n
                        .child(BPMN, "extensionElements")
                        .into_iter()
                        .flat_map(|x| x.children.iter())
                        .filter(|c| c.ns.contains("yagona") && c.name == "label")
                        .flat_map(|c| c.attrs.iter())
                        .map(|a| (a.name.clone(), a.value.clone()))
                        .collect(),
                });
                continue;
            }
            "startEvent" => Kind::StartEvent {
                trigger: trigger(n),
                interrupting: n.attr("isInterrupting") != Some("false"),
            },
            "endEvent" => Kind::EndEvent {
                trigger: trigger(n),
            },
            "intermediateCatchEvent" => Kind::IntermediateCatchEvent {
                trigger: trigger(n),
            },
            "intermediateThrowEvent" => Kind::IntermediateThrowEvent {
                trigger: trigger(n),
            },
            "boundaryEvent" => Kind::BoundaryEvent {
                trigger: trigger(n),
                attached_to: n.attr("attachedToRef").unwrap_or_default().to_owned(),
                cancel_activity: n.attr("cancelActivity") != Some("false"),
            },
            "task" => Kind::Task,
            "manualTask" => Kind::ManualTask,
            "serviceTask" => Kind::ServiceTask,
            "userTask" => Kind::UserTask,
            "sendTask" => Kind::SendTask,
            "receiveTask" => Kind::ReceiveTask {
                message: n.attr("messageRef").map(str::to_owned),
            },
            "businessRuleTask" => Kind::BusinessRuleTask,
            "scriptTask" => Kind::ScriptTask,
            "callActivity" => Kind::CallActivity,
            "subProcess" => Kind::SubProcess {
                triggered_by_event: n.attr("triggeredByEvent") == Some("true"),
                scope: Box::new(scope(n)),
            },
            "transaction" => Kind::Transaction {
                scope: Box::new(scope(n)),
            },
            "adHocSubProcess" => Kind::AdHocSubProcess {
                scope: Box::new(scope(n)),
                active_elements: n
                    .child(BPMN, "extensionElements")
                    .and_then(|x| x.child(ZEEBE, "adHoc"))
                    .and_then(|z| z.attr("activeElementsCollection"))
                    .map(str::to_owned),
                completion_condition: n
                    .child(BPMN, "completionCondition")
                    .map(|c| c.text.trim().to_owned())
                    .filter(|t| !t.is_empty()),
                cancel_remaining: n.attr("cancelRemainingInstances") != Some("false"),
            },
            "exclusiveGateway" => Kind::ExclusiveGateway {
                default: n.attr("default").map(str::to_owned),
            },
            "inclusiveGateway" => Kind::InclusiveGateway {
                default: n.attr("default").map(str::to_owned),
            },
            "parallelGateway" => Kind::ParallelGateway,
            "eventBasedGateway" => Kind::EventBasedGateway,
            "complexGateway" => Kind::ComplexGateway,
            // A compensation boundary event's handler is named by an association.
            "association" => {
                if let (Some(source), Some(target)) = (n.attr("sourceRef"), n.attr("targetRef")) {
                    s.associations.push((source.to_owned(), target.to_owned()));
                }
                continue;
            }
            // Lanes, data objects and annotations describe; they do not run.
            _ => continue,
        };
        let mut zeebe = zeebe(n);
        let mut multi = multi_instance(n);
        let refused = crate::camunda7::apply(n, &kind, &mut zeebe, &mut multi);
        if let Kind::CallActivity = kind {
            // BPMN's own attribute, for models not made in Camunda Modeler.
            if zeebe.called_process.is_none() {
                zeebe.called_process = n.attr("calledElement").map(str::to_owned);
            }
        }
        s.elements.push(FlowElement {
            id: n.attr("id").unwrap_or_default().to_owned(),
            name: n.attr("name").map(str::to_owned),
            kind,
            line: n.line,
            incoming: refs(n, "incoming"),
            outgoing: refs(n, "outgoing"),
            multi_instance: multi,
            standard_loop: n.child(BPMN, "standardLoopCharacteristics").is_some(),
            for_compensation: n.attr("isForCompensation") == Some("true"),
            zeebe,
            refused,
        });
    }
    link_flows(&mut s);
    s
}

/// Models may omit `<incoming>`/`<outgoing>`; the sequence flows are authoritative: each flow is
/// added, in the order of the flows, to its source's outgoing and its target's incoming flows
/// unless they name it already. By id through maps, not by comparing every element with every
/// flow: that took time in the square of the model's size.
fn link_flows(s: &mut Scope) {
    let mut at: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, e) in s.elements.iter().enumerate() {
        at.entry(e.id.as_str()).or_default().push(i);
    }
    // For each element, the flows leaving it and the flows reaching it.
    let mut links: Vec<(Vec<usize>, Vec<usize>)> = vec![Default::default(); s.elements.len()];
    for (k, f) in s.flows.iter().enumerate() {
        for &i in at.get(f.source.as_str()).into_iter().flatten() {
            links[i].0.push(k);
        }
        for &i in at.get(f.target.as_str()).into_iter().flatten() {
            links[i].1.push(k);
        }
    }
    drop(at);
    let flows = &s.flows;
    let add = |named: &mut Vec<String>, found: Vec<usize>| {
        if found.is_empty() {
            return;
        }
        let known: HashSet<&str> = named.iter().map(String::as_str).collect();
        let mut added: HashSet<&str> = HashSet::new();
        let new: Vec<String> = found
            .into_iter()
            .map(|k| flows[k].id.as_str())
            .filter(|id| !known.contains(id) && added.insert(id))
            .map(str::to_owned)
            .collect();
        drop(known);
        named.extend(new);
    };
    for (e, (outgoing, incoming)) in s.elements.iter_mut().zip(links) {
        add(&mut e.outgoing, outgoing);
        add(&mut e.incoming, incoming);
    }
}

fn bounds(n: &Node) -> Option<Bounds> {
    let b = n.child(DC, "Bounds")?;
    let f = |k: &str| {
        b.attr(k)
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|v| v.is_finite())
    };
    Some(Bounds {
        x: f("x")?,
        y: f("y")?,
        width: f("width")?,
        height: f("height")?,
    })
}

fn read_diagram(d: &Node, out: &mut Diagram) {
    for n in d.descendants() {
        if n.is(BPMNDI, "BPMNShape") {
            if let (Some(element), Some(b)) = (n.attr("bpmnElement"), bounds(n)) {
                out.shapes.push(Shape {
                    element: element.to_owned(),
                    x: b.x,
                    y: b.y,
                    width: b.width,
                    height: b.height,
                    expanded: n.attr("isExpanded").map(|v| v == "true"),
                    label: n.child(BPMNDI, "BPMNLabel").and_then(bounds),
                });
            }
        } else if n.is(BPMNDI, "BPMNEdge") {
            if let Some(element) = n.attr("bpmnElement") {
                let points = n
                    .children
                    .iter()
                    .filter(|w| w.is(DI, "waypoint"))
                    .filter_map(|w| {
                        Some((
                            w.attr("x")?.parse::<f64>().ok()?,
                            w.attr("y")?.parse::<f64>().ok()?,
                        ))
                    })
                    .filter(|(x, y)| x.is_finite() && y.is_finite())
                    .collect();
                out.edges.push(Edge {
                    element: element.to_owned(),
                    points,
                    label: n.child(BPMNDI, "BPMNLabel").and_then(bounds),
                });
            }
        }
    }
}
