"""Reads an XES log with pm4py, the process-mining library, and checks that it finds the cases
and events the test expects: `python3 xes_pm4py.py LOG.xes EXPECTED.json`.

EXPECTED.json maps each case's name to its instance id and its events in order, each
[activity, lifecycle transition, resource or null]. Exits 77 when pm4py is not installed (the
Rust test that runs this decides whether that may be skipped), 1 when pm4py reads something
other than expected, 0 when it reads exactly that.
"""

import json
import sys

try:
    import pm4py
    from pm4py.objects.log.util import interval_lifecycle
except ImportError:
    print("pm4py is not installed", file=sys.stderr)
    sys.exit(77)


def fail(message):
    print(f"pm4py read the log differently: {message}", file=sys.stderr)
    sys.exit(1)


def main(log_path, expected_path):
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)

    # The event log as pm4py's own reader gives it, trace by trace.
    log = pm4py.read_xes(log_path, return_legacy_log_object=True)
    found = {}
    for trace in log:
        name = trace.attributes.get("concept:name")
        if name in found:
            fail(f"two traces named {name!r}")
        found[name] = {
            "instance": trace.attributes.get("instance"),
            "events": [
                [e.get("concept:name"), e.get("lifecycle:transition"), e.get("org:resource")]
                for e in trace
            ],
        }
        for e in trace:
            if e["time:timestamp"].tzinfo is None:
                fail(f"case {name}: a timestamp without its time zone")
    if set(found) != set(expected):
        fail(f"cases {sorted(found)}, expected {sorted(expected)}")
    for name, case in expected.items():
        if found[name]["instance"] != case["instance"]:
            fail(f"case {name}: instance {found[name]['instance']!r}, expected {case['instance']!r}")
        if found[name]["events"] != case["events"]:
            fail(f"case {name}: events {found[name]['events']}, expected {case['events']}")

    # The same log as a data frame, the way most pm4py analyses start.
    frame = pm4py.read_xes(log_path)
    if set(frame["case:concept:name"]) != set(expected):
        fail(f"data frame cases {sorted(set(frame['case:concept:name']))}")
    events = sum(len(c["events"]) for c in expected.values())
    if len(frame) != events:
        fail(f"data frame has {len(frame)} events, expected {events}")

    # Start and complete pair up into one interval per task, as pm4py's lifecycle tools pair
    # them (an assignment is not part of the interval).
    for trace in interval_lifecycle.to_interval(log):
        name = trace.attributes["concept:name"]
        tasks = sorted(e[0] for e in expected[name]["events"] if e[1] == "complete")
        got = sorted(e["concept:name"] for e in trace)
        if got != tasks:
            fail(f"case {name}: intervals {got}, expected {tasks}")
        for e in trace:
            if "@@startevent_concept:name" not in e or e["start_timestamp"] > e["time:timestamp"]:
                fail(f"case {name}: {e['concept:name']} has no start before its completion")

    print(f"pm4py {pm4py.__version__} read {len(found)} cases and {events} events as expected")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
