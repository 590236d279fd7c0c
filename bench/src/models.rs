//! The model-reading benchmark: `cargo run --release -p yagona-bench --bin model-bench`.
//!
//! Generates executable BPMN models of 1, 2, 4 and 8 MB — blocks of a service task with a timer
//! boundary event, an exclusive gateway with a conditional and a default flow, a user task, a
//! receive task on a message of its own, a join and, every tenth block, a sub-process, all of it
//! drawn (BPMN DI) — and times `yagona_workflow::read` and `yagona_workflow::check` on each
//! (the best of several runs). It prints MB/s and, per doubling of the size, how much longer
//! each took: 2.0 is linear, 4.0 quadratic. Target: at most 2.5 for reading and for checking,
//! on average over the doublings from 1 to 8 MB.

/// The allocator the `yagona` binary uses, so that the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::fmt::Write;
use std::time::{Duration, Instant};

const SIZES_MB: [usize; 4] = [1, 2, 4, 8];
/// Each figure is the best of at least this many runs, and of as many as fit in a second.
const RUNS: usize = 3;
const TARGET: f64 = 2.5;

const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="generated" targetNamespace="http://yagona.uz/bench">
"#;

/// Writes the process part and the drawing part of a model side by side.
struct Model {
    messages: String,
    process: String,
    diagram: String,
    column: usize,
}

impl Model {
    fn len(&self) -> usize {
        HEAD.len() + self.messages.len() + self.process.len() + self.diagram.len()
    }

    fn element(&mut self, xml: &str, id: &str) {
        let _ = writeln!(self.process, "    {xml}");
        let _ = writeln!(
            self.diagram,
            "      <bpmndi:BPMNShape id=\"{id}_di\" bpmnElement=\"{id}\"><dc:Bounds x=\"{}\" y=\"100\" width=\"100\" height=\"80\"/></bpmndi:BPMNShape>",
            self.column * 150
        );
    }

    fn flow(&mut self, id: &str, from: &str, to: &str, condition: Option<&str>) {
        let _ = match condition {
            Some(c) => writeln!(
                self.process,
                "    <bpmn:sequenceFlow id=\"{id}\" sourceRef=\"{from}\" targetRef=\"{to}\"><bpmn:conditionExpression xsi:type=\"bpmn:tFormalExpression\">{c}</bpmn:conditionExpression></bpmn:sequenceFlow>"
            ),
            None => writeln!(
                self.process,
                "    <bpmn:sequenceFlow id=\"{id}\" sourceRef=\"{from}\" targetRef=\"{to}\"/>"
            ),
        };
        let x = self.column * 150;
        let _ = writeln!(
            self.diagram,
            "      <bpmndi:BPMNEdge id=\"{id}_di\" bpmnElement=\"{id}\"><di:waypoint x=\"{}\" y=\"140\"/><di:waypoint x=\"{}\" y=\"140\"/></bpmndi:BPMNEdge>",
            x + 100,
            x + 150
        );
    }
}

/// An executable model of about `bytes` bytes that `check` finds nothing wrong with.
fn generate(bytes: usize) -> String {
    let mut m = Model {
        messages: String::new(),
        process: String::from("  <bpmn:process id=\"generated\" isExecutable=\"true\">\n"),
        diagram: String::from("  <bpmndi:BPMNDiagram id=\"diagram\">\n    <bpmndi:BPMNPlane id=\"plane\" bpmnElement=\"generated\">\n"),
        column: 0,
    };
    m.element("<bpmn:startEvent id=\"start\"/>", "start");
    let mut previous = "start".to_owned();
    let mut i = 0;
    while m.len() < bytes {
        m.column = i + 1;
        let _ = writeln!(
            m.messages,
            "  <bpmn:message id=\"m{i}\" name=\"m{i}\"><bpmn:extensionElements><zeebe:subscription correlationKey=\"=key\"/></bpmn:extensionElements></bpmn:message>"
        );
        let (t, b, g, u, r, j) = (
            format!("t{i}"),
            format!("b{i}"),
            format!("g{i}"),
            format!("u{i}"),
            format!("r{i}"),
            format!("j{i}"),
        );
        m.element(&format!("<bpmn:serviceTask id=\"{t}\" name=\"Check {i}\"><bpmn:extensionElements><zeebe:taskDefinition type=\"check\" retries=\"3\"/><zeebe:ioMapping><zeebe:input source=\"=amount\" target=\"amount\"/></zeebe:ioMapping></bpmn:extensionElements><bpmn:incoming>f{i}a</bpmn:incoming><bpmn:outgoing>f{i}b</bpmn:outgoing></bpmn:serviceTask>"), &t);
        m.element(&format!("<bpmn:boundaryEvent id=\"{b}\" attachedToRef=\"{t}\"><bpmn:timerEventDefinition><bpmn:timeDuration>P10D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>"), &b);
        m.element(
            &format!("<bpmn:exclusiveGateway id=\"{g}\" default=\"f{i}d\"/>"),
            &g,
        );
        m.element(&format!("<bpmn:userTask id=\"{u}\" name=\"Review {i}\"><bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups=\"officers\"/><zeebe:formDefinition formKey=\"review\"/></bpmn:extensionElements></bpmn:userTask>"), &u);
        m.element(
            &format!("<bpmn:receiveTask id=\"{r}\" messageRef=\"m{i}\"/>"),
            &r,
        );
        m.element(&format!("<bpmn:exclusiveGateway id=\"{j}\"/>"), &j);
        m.flow(&format!("f{i}a"), &previous, &t, None);
        m.flow(&format!("f{i}b"), &t, &g, None);
        m.flow(&format!("f{i}c"), &g, &u, Some("=amount &gt; 1000"));
        m.flow(&format!("f{i}d"), &g, &r, None);
        m.flow(&format!("f{i}e"), &u, &j, None);
        m.flow(&format!("f{i}f"), &r, &j, None);
        m.flow(&format!("f{i}g"), &b, &j, None);
        previous = j;
        if i % 10 == 9 {
            let s = format!("s{i}");
            m.element(&format!("<bpmn:subProcess id=\"{s}\"><bpmn:startEvent id=\"{s}_start\"/><bpmn:sequenceFlow id=\"{s}_f1\" sourceRef=\"{s}_start\" targetRef=\"{s}_task\"/><bpmn:task id=\"{s}_task\"/><bpmn:sequenceFlow id=\"{s}_f2\" sourceRef=\"{s}_task\" targetRef=\"{s}_end\"/><bpmn:endEvent id=\"{s}_end\"/></bpmn:subProcess>"), &s);
            m.flow(&format!("f{i}s"), &previous, &s, None);
            previous = s;
        }
        i += 1;
    }
    m.column += 1;
    m.element("<bpmn:endEvent id=\"end\"/>", "end");
    m.flow("f_end", &previous, "end", None);
    format!(
        "{HEAD}{}{}  </bpmn:process>\n{}    </bpmndi:BPMNPlane>\n  </bpmndi:BPMNDiagram>\n</bpmn:definitions>\n",
        m.messages, m.process, m.diagram
    )
}

/// The shortest time of `f` over at least [`RUNS`] runs (and as many more as fit in a second).
fn best<T>(mut f: impl FnMut() -> T) -> Duration {
    let started = Instant::now();
    let mut best = Duration::MAX;
    let mut runs = 0;
    while runs < RUNS || started.elapsed() < Duration::from_secs(1) {
        let t = Instant::now();
        std::hint::black_box(f());
        best = best.min(t.elapsed());
        runs += 1;
    }
    best
}

fn main() -> anyhow::Result<()> {
    println!(
        "Model reading benchmark: generated executable models with diagrams, best of ≥ {RUNS} runs"
    );
    println!(
        "{:>5} {:>9} {:>12} {:>12} {:>12} {:>14} {:>14}",
        "MB",
        "elements",
        "read MB/s",
        "check MB/s",
        "both MB/s",
        "read ×/doubling",
        "check ×/doubling"
    );
    let mut times: Vec<(Duration, Duration)> = Vec::new();
    for mb in SIZES_MB {
        let source = generate(mb << 20);
        let size = source.len() as f64 / (1 << 20) as f64;
        let defs = yagona_workflow::read(&source)?;
        let findings = yagona_workflow::check(&defs);
        anyhow::ensure!(
            findings.is_empty(),
            "the generated model should run: {:?}",
            &findings[..findings.len().min(3)]
        );
        let elements: usize = defs.processes.iter().map(|p| p.scope.walk().len()).sum();
        let read = best(|| yagona_workflow::read(&source));
        let check = best(|| yagona_workflow::check(&defs));
        let rate = |d: Duration| size / d.as_secs_f64();
        let ratio = |now: Duration, before: Duration| {
            format!("{:.2}", now.as_secs_f64() / before.as_secs_f64())
        };
        let (read_ratio, check_ratio) = match times.last() {
            Some((r, c)) => (ratio(read, *r), ratio(check, *c)),
            None => ("–".into(), "–".into()),
        };
        println!(
            "{size:>5.1} {elements:>9} {:>12.1} {:>12.1} {:>12.1} {read_ratio:>14} {check_ratio:>14}",
            rate(read),
            rate(check),
            rate(read + check),
        );
        times.push((read, check));
    }
    // From the smallest model to the largest: the first doubling alone is swayed by the
    // smallest model fitting in the processor's caches.
    let doublings = (SIZES_MB.len() - 1) as f64;
    let growth = |first: Duration, last: Duration| {
        (last.as_secs_f64() / first.as_secs_f64()).powf(1.0 / doublings)
    };
    let (first, last) = (times[0], times[times.len() - 1]);
    let (read, check) = (growth(first.0, last.0), growth(first.1, last.1));
    let verdict = |r: f64| if r <= TARGET { "met" } else { "NOT met" };
    println!(
        "time per doubling from {} to {} MB (2.0 linear, 4.0 quadratic): read {read:.2} [target ≤ {TARGET}: {}], check {check:.2} [target ≤ {TARGET}: {}]",
        SIZES_MB[0],
        SIZES_MB[SIZES_MB.len() - 1],
        verdict(read),
        verdict(check)
    );
    Ok(())
}
