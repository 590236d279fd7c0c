"""SpiffWorkflow side of the process benchmark: the same model, run to completion N times.

Prints one line: `spiffworkflow <completed> <seconds>`.
"""
import sys
import time

from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

model, runs = sys.argv[1], int(sys.argv[2])
parser = BpmnParser()
parser.add_bpmn_file(model)
spec = parser.get_spec("bench")

def run_once():
    wf = BpmnWorkflow(spec)
    for task in wf.get_tasks(state=TaskState.READY):
        task.data["amount"] = 1500
    wf.do_engine_steps()
    # Service tasks wait in STARTED for their result (as Yagona's jobs wait for a worker);
    # answer them, and the person's task, until the instance completes.
    for _ in range(100):
        if wf.is_completed():
            return
        for task in wf.get_tasks(state=TaskState.STARTED):
            task.complete()
        for task in wf.get_tasks(state=TaskState.READY, manual=True):
            task.run()
        wf.do_engine_steps()
    raise AssertionError("the instance did not complete")

run_once()  # warm-up, and a check that the model runs at all
start = time.perf_counter()
for _ in range(runs):
    run_once()
print(f"spiffworkflow {runs} {time.perf_counter() - start:.6f}")
