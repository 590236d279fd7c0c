//! The BPMN 2.0 process model as Yagona reads it: processes, their flow elements and sequence
//! flows, the Camunda 8 (`zeebe:`) extensions that make a model executable, and the diagram
//! (BPMN DI) that draws it.

use serde::Serialize;

pub const BPMN: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
pub const BPMNDI: &str = "http://www.omg.org/spec/BPMN/20100524/DI";
pub const DC: &str = "http://www.omg.org/spec/DD/20100524/DC";
pub const DI: &str = "http://www.omg.org/spec/DD/20100524/DI";
pub const ZEEBE: &str = "http://camunda.org/schema/zeebe/1.0";

#[derive(Debug, Clone, Serialize, Default)]
pub struct Definitions {
    pub id: String,
    pub processes: Vec<Process>,
    pub messages: Vec<Named>,
    pub errors: Vec<ErrorDef>,
    /// `<escalation>`s, with their `escalationCode` in `code`.
    #[serde(default)]
    pub escalations: Vec<ErrorDef>,
    pub signals: Vec<Named>,
    pub diagram: Diagram,
}

#[derive(Debug, Clone, Serialize)]
pub struct Named {
    pub id: String,
    pub name: Option<String>,
    pub line: usize,
    /// For messages: the `zeebe:subscription` correlation key expression.
    pub correlation_key: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorDef {
    pub id: String,
    pub name: Option<String>,
    pub code: Option<String>,
    pub line: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Process {
    pub id: String,
    pub name: Option<String>,
    pub executable: bool,
    pub line: usize,
    pub scope: Scope,
}

/// The contents of a process or a sub-process.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Scope {
    pub elements: Vec<FlowElement>,
    pub flows: Vec<SequenceFlow>,
    /// `<association>`s (source → target): a compensation boundary event to its handler.
    pub associations: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SequenceFlow {
    pub id: String,
    pub name: Option<String>,
    pub source: String,
    pub target: String,
    /// The condition as written, e.g. `=amount > 1000` (FEEL, Camunda style).
    pub condition: Option<String>,
    pub line: usize,
    /// `yagona:label` names by language.
    pub labels: std::collections::BTreeMap<String, String>,
    /// Why the condition cannot run here, if it cannot (JUEL that is not plain, a script).
    pub refused: Option<String>,
}

/// What starts, ends or interrupts: the event definition of an event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Trigger {
    None,
    Timer {
        date: Option<String>,
        duration: Option<String>,
        cycle: Option<String>,
        /// `yagona:calendar="working-days"`: a duration of whole days counts working days on
        /// the platform's holiday calendar (a statutory "10 working days").
        working_days: bool,
    },
    Message {
        message: Option<String>,
    },
    Error {
        error: Option<String>,
    },
    Terminate,
    /// A signal: broadcast to every instance with a catch event for it.
    Signal {
        signal: Option<String>,
    },
    /// An escalation: a throw is caught by an escalation event sub-process of its scope or a
    /// boundary event of an enclosing sub-process; uncaught, the process goes on.
    Escalation {
        escalation: Option<String>,
    },
    Conditional,
    /// Compensation: thrown, it undoes the completed activities of its scope (or only
    /// `activityRef`'s); on a boundary, it names the activity a handler undoes.
    Compensation {
        activity: Option<String>,
    },
    /// A link: a throw jumps to the catch of the same name in the same (sub-)process.
    Link {
        name: Option<String>,
    },
    Cancel,
    /// More than one event definition on one event.
    Multiple,
}

impl Trigger {
    pub fn label(&self) -> &'static str {
        match self {
            Trigger::None => "none",
            Trigger::Timer { .. } => "timer",
            Trigger::Message { .. } => "message",
            Trigger::Error { .. } => "error",
            Trigger::Terminate => "terminate",
            Trigger::Signal { .. } => "signal",
            Trigger::Escalation { .. } => "escalation",
            Trigger::Conditional => "conditional",
            Trigger::Compensation { .. } => "compensation",
            Trigger::Link { .. } => "link",
            Trigger::Cancel => "cancel",
            Trigger::Multiple => "multiple",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Kind {
    StartEvent {
        trigger: Trigger,
        interrupting: bool,
    },
    EndEvent {
        trigger: Trigger,
    },
    IntermediateCatchEvent {
        trigger: Trigger,
    },
    IntermediateThrowEvent {
        trigger: Trigger,
    },
    BoundaryEvent {
        trigger: Trigger,
        attached_to: String,
        cancel_activity: bool,
    },
    Task,
    ManualTask,
    ServiceTask,
    UserTask,
    SendTask,
    ReceiveTask {
        message: Option<String>,
    },
    BusinessRuleTask,
    ScriptTask,
    CallActivity,
    SubProcess {
        triggered_by_event: bool,
        scope: Box<Scope>,
    },
    Transaction {
        scope: Box<Scope>,
    },
    /// Camunda 8's ad-hoc sub-process: its inner elements run in any order, as many times as
    /// asked, or not at all.
    AdHocSubProcess {
        scope: Box<Scope>,
        /// `zeebe:adHoc activeElementsCollection`: the ids of the elements to start on entry.
        active_elements: Option<String>,
        /// `completionCondition`: asked each time an inner element completes.
        completion_condition: Option<String>,
        /// `cancelRemainingInstances` (default true): whether the elements still running are
        /// cancelled when the condition holds, or waited for.
        cancel_remaining: bool,
    },
    ExclusiveGateway {
        default: Option<String>,
    },
    InclusiveGateway {
        default: Option<String>,
    },
    ParallelGateway,
    EventBasedGateway,
    ComplexGateway,
}

impl Kind {
    /// The BPMN element name, as in the XML (`serviceTask`).
    pub fn tag(&self) -> &'static str {
        match self {
            Kind::StartEvent { .. } => "startEvent",
            Kind::EndEvent { .. } => "endEvent",
            Kind::IntermediateCatchEvent { .. } => "intermediateCatchEvent",
            Kind::IntermediateThrowEvent { .. } => "intermediateThrowEvent",
            Kind::BoundaryEvent { .. } => "boundaryEvent",
            Kind::Task => "task",
            Kind::ManualTask => "manualTask",
            Kind::ServiceTask => "serviceTask",
            Kind::UserTask => "userTask",
            Kind::SendTask => "sendTask",
            Kind::ReceiveTask { .. } => "receiveTask",
            Kind::BusinessRuleTask => "businessRuleTask",
            Kind::ScriptTask => "scriptTask",
            Kind::CallActivity => "callActivity",
            Kind::SubProcess { .. } => "subProcess",
            Kind::Transaction { .. } => "transaction",
            Kind::AdHocSubProcess { .. } => "adHocSubProcess",
            Kind::ExclusiveGateway { .. } => "exclusiveGateway",
            Kind::InclusiveGateway { .. } => "inclusiveGateway",
            Kind::ParallelGateway => "parallelGateway",
            Kind::EventBasedGateway => "eventBasedGateway",
            Kind::ComplexGateway => "complexGateway",
        }
    }

    /// What a sub-process (embedded, event, transaction or ad-hoc) holds.
    pub fn scope(&self) -> Option<&Scope> {
        match self {
            Kind::SubProcess { scope, .. }
            | Kind::Transaction { scope }
            | Kind::AdHocSubProcess { scope, .. } => Some(scope),
            _ => None,
        }
    }

    pub fn is_activity(&self) -> bool {
        matches!(
            self,
            Kind::Task
                | Kind::ManualTask
                | Kind::ServiceTask
                | Kind::UserTask
                | Kind::SendTask
                | Kind::ReceiveTask { .. }
                | Kind::BusinessRuleTask
                | Kind::ScriptTask
                | Kind::CallActivity
                | Kind::SubProcess { .. }
                | Kind::Transaction { .. }
                | Kind::AdHocSubProcess { .. }
        )
    }
}

/// Multi-instance loop characteristics of an activity.
#[derive(Debug, Clone, Serialize)]
pub struct MultiInstance {
    pub sequential: bool,
    /// `zeebe:loopCharacteristics inputCollection`.
    pub input_collection: Option<String>,
    pub input_element: Option<String>,
    pub output_collection: Option<String>,
    pub output_element: Option<String>,
    /// `completionCondition`: once true after an instance completes, the others are cancelled.
    pub completion_condition: Option<String>,
}

/// An input or output mapping (`zeebe:input` / `zeebe:output`).
#[derive(Debug, Clone, Serialize)]
pub struct Mapping {
    pub source: String,
    pub target: String,
}

/// The Camunda 8 extension elements of a flow element.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Zeebe {
    /// `zeebe:taskDefinition type` (service, send, business-rule and script tasks).
    pub task_type: Option<String>,
    pub retries: Option<String>,
    /// `zeebe:assignmentDefinition` / `zeebe:taskSchedule` (user tasks).
    pub assignee: Option<String>,
    pub candidate_groups: Option<String>,
    pub candidate_users: Option<String>,
    pub due_date: Option<String>,
    pub follow_up_date: Option<String>,
    pub form_key: Option<String>,
    pub form_id: Option<String>,
    /// `zeebe:calledElement processId` (call activities).
    pub called_process: Option<String>,
    pub propagate_all_child_variables: Option<bool>,
    /// `zeebe:calledDecision decisionId resultVariable` (business-rule tasks).
    pub called_decision: Option<String>,
    pub result_variable: Option<String>,
    pub inputs: Vec<Mapping>,
    pub outputs: Vec<Mapping>,
    pub headers: Vec<(String, String)>,
    /// `zeebe:script expression` (script tasks evaluated as FEEL).
    pub script: Option<String>,
    /// Attributes and elements of Yagona's own namespace (documented in ARCHITECTURE.md).
    pub yagona: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlowElement {
    pub id: String,
    pub name: Option<String>,
    pub kind: Kind,
    pub line: usize,
    pub incoming: Vec<String>,
    pub outgoing: Vec<String>,
    pub multi_instance: Option<MultiInstance>,
    /// `standardLoopCharacteristics`: not executable (no engine of Camunda 8's family runs it).
    pub standard_loop: bool,
    /// `isForCompensation`: a compensation handler, started only by compensation.
    pub for_compensation: bool,
    pub zeebe: Zeebe,
    /// What of the element cannot run here and why (Camunda 7 extensions Yagona does not run,
    /// JUEL that is not plain): reported by the check before deployment.
    pub refused: Vec<String>,
}

impl FlowElement {
    /// The name in a language (`uz`, `uz-Cyrl`, `ru`, `en`), else the BPMN name.
    pub fn name_in(&self, lang: Option<&str>) -> Option<String> {
        lang.and_then(|l| {
            self.labels()
                .get(l)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        })
        .or_else(|| self.name.clone())
    }

    /// The names people see, as JSON: `yagona:label` in each language it gives (`uz`,
    /// `uz-Cyrl`, `ru`, `en`) and the BPMN `name` under `name`.
    pub fn labels(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut out = serde_json::Map::new();
        if let Some(n) = &self.name {
            out.insert(
                "name".into(),
                n.split_whitespace().collect::<Vec<_>>().join(" ").into(),
            );
        }
        for (k, v) in &self.zeebe.yagona {
            if let Some(lang) = k.strip_prefix("label.") {
                out.insert(lang.to_owned(), v.clone().into());
            }
        }
        out
    }
}

/// What people call an element in a language (its `yagona:label` in that language, else its
/// BPMN name), from [`FlowElement::labels`] as stored with tasks and steps.
pub fn label_in(
    labels: &serde_json::Map<String, serde_json::Value>,
    locale: yagona_core::Locale,
) -> Option<String> {
    labels
        .get(locale.tag())
        .or_else(|| labels.get("name"))
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
}

/// The diagram: where each element and flow is drawn.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Diagram {
    pub shapes: Vec<Shape>,
    pub edges: Vec<Edge>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Shape {
    pub element: String,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub expanded: Option<bool>,
    pub label: Option<Bounds>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Bounds {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    pub element: String,
    pub points: Vec<(f64, f64)>,
    pub label: Option<Bounds>,
}

impl Scope {
    /// Every element, including those inside sub-processes (each sub-process followed by what
    /// it holds). Each element is visited once, whatever the nesting: a list of the scopes
    /// being walked, not recursion, so the time is the number of elements.
    pub fn walk(&self) -> Vec<&FlowElement> {
        let mut out = Vec::new();
        let mut open = vec![self.elements.iter()];
        while let Some(scope) = open.last_mut() {
            let Some(e) = scope.next() else {
                open.pop();
                continue;
            };
            out.push(e);
            if let Some(inner) = e.kind.scope() {
                open.push(inner.elements.iter());
            }
        }
        out
    }

    pub fn element(&self, id: &str) -> Option<&FlowElement> {
        self.elements.iter().find(|e| e.id == id)
    }
}
