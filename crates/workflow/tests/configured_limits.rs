//! A node's `[workflow]` limits apply to every model it reads. (A binary of its own: the limits
//! are the process's.)

use yagona_workflow::{read, Limits, ReadError};

fn nested(levels: usize) -> String {
    let mut body = String::from(r#"<startEvent id="s"/>"#);
    for i in 0..levels {
        body = format!(r#"<subProcess id="sp{i}">{body}</subProcess>"#);
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"><process id="p" isExecutable="true">{body}</process></definitions>"#
    )
}

#[test]
fn configured_limits_apply_to_every_read_and_nonsense_is_refused() {
    assert!(read(&nested(20)).is_ok(), "within the default depth");
    assert!(Limits::configure(Limits {
        max_bytes: 1 << 20,
        max_depth: 0
    })
    .is_err());
    let err = Limits::configure(Limits {
        max_bytes: 1 << 20,
        max_depth: 5_000,
    })
    .unwrap_err();
    assert!(err.contains("between 1 and 400"), "{err}");
    Limits::configure(Limits {
        max_bytes: 4 << 10,
        max_depth: 12,
    })
    .unwrap();
    assert!(matches!(read(&nested(20)), Err(ReadError::TooDeep { .. })));
    let big = nested(2).replace(r#"<startEvent id="s"/>"#, &r#"<task id="t"/>"#.repeat(400));
    assert!(
        matches!(read(&big), Err(ReadError::TooLarge { .. })),
        "over 4 KB"
    );
    Limits::configure(Limits::default()).unwrap();
    assert!(read(&nested(20)).is_ok());
}
