//! The process diagram drawn as SVG from the model's diagram interchange.

use std::path::PathBuf;
use yagona_workflow::svg::{render, Highlight};
use yagona_workflow::{read, xml};

fn model(name: &str) -> yagona_workflow::Definitions {
    read(
        &std::fs::read_to_string(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/miwg")
                .join(name),
        )
        .unwrap(),
    )
    .unwrap()
}

#[test]
fn every_element_is_drawn_and_the_instance_path_is_highlighted() {
    let defs = model("C.9.0.bpmn");
    let mut h = Highlight::default();
    h.done.extend(
        [
            "StartEvent_ApplicationReceived",
            "ServiceTask_GetCreditScore",
        ]
        .map(String::from),
    );
    h.active
        .insert("BusinessRuleTask_CheckApplicationAutomatically".into());
    let svg = render(&defs, "Customer onboarding", &h);
    if let Ok(path) = std::env::var("YAGONA_SVG_OUT") {
        std::fs::write(path, &svg).unwrap();
    }
    let root = xml::parse(&svg).expect("well-formed SVG");
    assert_eq!(root.name, "svg");
    assert_eq!(root.attr("role"), Some("img"));
    let groups: Vec<_> = root
        .descendants()
        .filter(|n| n.attr("data-element").is_some())
        .collect();
    assert_eq!(
        groups.len(),
        defs.diagram.shapes.len(),
        "one group per shape"
    );
    let class_of = |id: &str| {
        groups
            .iter()
            .find(|g| g.attr("data-element") == Some(id))
            .and_then(|g| g.attr("class"))
    };
    assert_eq!(
        class_of("BusinessRuleTask_CheckApplicationAutomatically"),
        Some("yg-active")
    );
    assert_eq!(class_of("ServiceTask_GetCreditScore"), Some("yg-done"));
    assert_eq!(class_of("ExclusiveGateway_Risk"), None);
    assert!(
        !svg.contains("style="),
        "no inline styles: the page's CSP forbids them"
    );
    assert!(
        svg.contains(">Check") && svg.contains("automatically<"),
        "element names are written"
    );
}

#[test]
fn every_reference_model_draws_without_fail() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/miwg");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "bpmn") {
            let defs = read(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let svg = render(&defs, "x", &Highlight::default());
            xml::parse(&svg).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}

#[test]
fn markers_are_drawn_not_typed_and_the_picture_says_how_narrow_it_stays_legible() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/miwg");
    let mut timers = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "bpmn") {
            continue;
        }
        let defs = read(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let svg = render(&defs, "x", &Highlight::default());
        // Symbols like ⏱ need a font the reader may not have (an emoji font): shapes only.
        let root = xml::parse(&svg).unwrap();
        for t in root.descendants().filter(|n| n.name == "text") {
            let text = &t.text;
            assert!(
                text.chars()
                    .all(|c| !matches!(c as u32, 0x2190..=0x2BFF | 0x1F300..)),
                "{}: a symbol typed as text: {text}",
                path.display()
            );
        }
        timers += svg.matches(r#"data-marker="timer""#).count();
        // Three quarters of the drawn width, rounded up to 80 px: the page's CSS knows these.
        let width: f64 = root.attr("width").unwrap().parse().unwrap();
        let legible: f64 = root.attr("data-min-width").unwrap().parse().unwrap();
        assert_eq!(legible % 80.0, 0.0);
        assert!(legible >= width * 0.75 && legible < width * 0.75 + 80.0 || legible == 3200.0);
        assert!(root.attr("viewBox").is_some());
    }
    assert!(
        timers > 0,
        "the reference models have timers, drawn as clocks"
    );
}
