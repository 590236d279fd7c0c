//! Reading is bounded: a model may be only so large and nest only so deep, every refusal names
//! the line, and no file — however deep — can exhaust the stack of the thread reading it, nor of
//! those checking, simulating or drawing what was read. (That reading takes time in proportion
//! to the model is measured by `cargo run --release -p yagona-bench --bin model-bench`.)

use std::collections::HashMap;
use yagona_workflow::feel::Feel;
use yagona_workflow::read::{read_with, Limits};
use yagona_workflow::{check, read, xml, ReadError};

/// A test thread's usual stack: what every walk over a model must fit in.
const STACK: usize = 2 * 1024 * 1024;

fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// A runnable process whose sub-processes nest `levels` deep, one element per line. Its XML
/// nests `levels + 3` deep: definitions, process, the sub-processes, and the events in the
/// innermost one. Returns the model and the line of its first element at the deepest level.
fn nested(levels: usize) -> (String, usize) {
    let mut lines = vec![
        r#"<?xml version="1.0" encoding="UTF-8"?>"#.to_owned(),
        r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="nested">"#.to_owned(),
        r#"<bpmn:process id="nested" isExecutable="true">"#.to_owned(),
    ];
    for level in 0..levels {
        lines.push(format!(r#"<bpmn:startEvent id="start{level}"/>"#));
        lines.push(format!(
            r#"<bpmn:sequenceFlow id="in{level}" sourceRef="start{level}" targetRef="sub{level}"/>"#
        ));
        lines.push(format!(
            r#"<bpmn:sequenceFlow id="out{level}" sourceRef="sub{level}" targetRef="end{level}"/>"#
        ));
        lines.push(format!(r#"<bpmn:endEvent id="end{level}"/>"#));
        lines.push(format!(r#"<bpmn:subProcess id="sub{level}">"#));
    }
    let deepest = lines.len() + 1;
    lines.extend([
        r#"<bpmn:startEvent id="first"/>"#.to_owned(),
        r#"<bpmn:sequenceFlow id="only" sourceRef="first" targetRef="last"/>"#.to_owned(),
        r#"<bpmn:endEvent id="last"/>"#.to_owned(),
    ]);
    lines.extend((0..levels).map(|_| "</bpmn:subProcess>".to_owned()));
    lines.push("</bpmn:process>".into());
    lines.push("</bpmn:definitions>".into());
    (lines.join("\n"), deepest)
}

#[test]
fn a_model_nested_to_the_limit_reads_checks_runs_and_draws_on_a_small_stack() {
    let depth = Limits::default().max_depth;
    let (model, _) = nested(depth - 3);
    on_small_stack(move || {
        let defs = read(&model).expect("at the limit is within it");
        assert_eq!(check(&defs), []);
        assert_eq!(defs.processes[0].scope.walk().len(), 3 * (depth - 3) + 2);
        let outcome = yagona_workflow::simulate::simulate(
            &defs,
            None,
            Default::default(),
            HashMap::new(),
            &Feel,
        )
        .expect("the nested sub-processes run through");
        assert!(outcome.waiting.is_empty(), "{outcome:?}");
        let svg = yagona_workflow::svg::render(&defs, "nested", &Default::default());
        assert!(svg.starts_with("<svg"));
    });
}

#[test]
fn a_model_nested_one_level_past_the_limit_is_refused_with_the_line() {
    let depth = Limits::default().max_depth;
    let (model, line) = nested(depth - 2);
    let e = read(&model).unwrap_err();
    assert_eq!(e, ReadError::TooDeep { line, limit: depth });
    assert_eq!(e.line(), line);
    assert_eq!(
        e.to_string(),
        format!(
            "line {line}: the model nests deeper than {depth} levels of XML elements, the limit"
        )
    );
}

#[test]
fn the_depth_limit_is_the_callers_to_choose() {
    let (model, line) = nested(5);
    let shallow = Limits {
        max_depth: 7,
        ..Limits::default()
    };
    assert_eq!(
        read_with(&model, &shallow).unwrap_err(),
        ReadError::TooDeep { line, limit: 7 }
    );
    let enough = Limits {
        max_depth: 8,
        ..Limits::default()
    };
    assert!(read_with(&model, &enough).is_ok());
}

#[test]
fn nesting_thousands_deep_is_refused_not_a_crash() {
    on_small_stack(|| {
        let (model, line) = nested(5_000);
        let e = read(&model).unwrap_err();
        assert!(matches!(e, ReadError::TooDeep { limit: 100, .. }), "{e}");
        assert!(
            e.line() < line,
            "the first element too deep, not the deepest: {e}"
        );
        let plain = format!(
            "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\">\n{}{}</bpmn:definitions>",
            "<a>\n".repeat(100_000),
            "</a>".repeat(100_000)
        );
        assert_eq!(
            read(&plain).unwrap_err(),
            ReadError::TooDeep {
                line: 101,
                limit: 100
            }
        );
    });
}

#[test]
fn a_tree_of_any_depth_is_dropped_without_recursion() {
    on_small_stack(|| {
        let depth = 200_000;
        let doc = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        let root = xml::parse_within(&doc, depth).expect("within its own limit");
        assert_eq!(root.descendants().count(), depth - 1);
        drop(root);
    });
}

#[test]
fn a_model_larger_than_the_limit_is_refused_with_the_line_where_it_passes_it() {
    let (model, _) = nested(3);
    let small = Limits {
        max_bytes: 200,
        ..Limits::default()
    };
    let e = read_with(&model, &small).unwrap_err();
    let line = 1 + model[..200].matches('\n').count();
    assert_eq!(
        e,
        ReadError::TooLarge {
            line,
            bytes: model.len(),
            limit: 200
        }
    );
    assert_eq!(
        e.to_string(),
        format!(
            "line {line}: the model is {} bytes, more than the limit of 200 bytes (passed on this line)",
            model.len()
        )
    );
    assert!(read_with(
        &model,
        &Limits {
            max_bytes: model.len(),
            ..Limits::default()
        }
    )
    .is_ok());
}

#[test]
fn the_default_size_limit_is_ten_megabytes() {
    assert_eq!(Limits::default().max_bytes, 10 * 1024 * 1024);
    let (model, _) = nested(1);
    let padded = model.replacen(
        "<bpmn:process",
        &format!("<!--{}-->\n<bpmn:process", " ".repeat(10 * 1024 * 1024)),
        1,
    );
    assert!(matches!(
        read(&padded),
        Err(ReadError::TooLarge {
            limit: 10_485_760,
            ..
        })
    ));
}

#[test]
fn shapes_that_once_took_quadratic_time_read_in_one_pass() {
    // Thousands of attributes on one element, flows listed apart from their elements, and an
    // element attached to by thousands of flows: each read once, not compared with all others.
    let attrs: String = (0..20_000).map(|i| format!(" a{i}=\"{i}\"")).collect();
    let doc = format!("<a{attrs}/>");
    assert_eq!(xml::parse(&doc).unwrap().attrs.len(), 20_000);
    let tasks = 5_000;
    let mut model = String::from(
        r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"/><bpmn:parallelGateway id="g"/><bpmn:sequenceFlow id="sg" sourceRef="s" targetRef="g"/>"#,
    );
    for i in 0..tasks {
        model += &format!(
            r#"<bpmn:task id="t{i}"><bpmn:outgoing>back{i}</bpmn:outgoing></bpmn:task><bpmn:sequenceFlow id="to{i}" sourceRef="g" targetRef="t{i}"/><bpmn:sequenceFlow id="back{i}" sourceRef="t{i}" targetRef="g"/>"#
        );
    }
    model += "</bpmn:process></bpmn:definitions>";
    let defs = read(&model).unwrap();
    let scope = &defs.processes[0].scope;
    let gateway = scope.element("g").unwrap();
    assert_eq!(gateway.outgoing.len(), tasks);
    assert_eq!(gateway.incoming.len(), tasks + 1);
    let task = scope.element("t7").unwrap();
    assert_eq!(task.outgoing, ["back7"], "named once, though both name it");
    assert_eq!(task.incoming, ["to7"]);
}
