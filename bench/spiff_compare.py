"""Compare the flow engine with SpiffWorkflow on one small approval process (issue 3).

Run: .venv/bin/python bench/spiff_compare.py [instances]   (default 500)

It makes a throwaway venv in a temporary directory, `pip install SpiffWorkflow` into it, writes
a small script there and runs it with that venv's Python: the script parses the inline BPMN
below with SpiffWorkflow's `BpmnParser` (once) and completes the process `instances` times.
Then it completes Formwork's equivalent flow as many times in this interpreter and prints both
figures, the SpiffWorkflow version and the ratio. Nothing is installed into the project's venv;
without network or PyPI it says why and exits 0.

The process, the same in both engines:
    start → approval "manager" → exclusive choice (total > 500000: to "director",
    otherwise straight to the script) → approval "director" → script / action (status =
    "approved") → end
The record is {total: 600000, discount: 0.75, status: "draft"}, so both approvals run.

How steps are counted (the same for both engines): a completed instance is 5 steps, the
engine advances of the issue —
    1. start (the instance is created and runs to the first approval),
    2. the first approval is completed,
    3. the exclusive choice and the second approval it opens,
    4. the script (SpiffWorkflow) / the update_fields action (Formwork),
    5. the end.
µs per step = wall time per completed instance / 5, steps/s = 5 / that time, so the ratio is
the ratio of whole instances and does not depend on the count. The calls that do it:
    SpiffWorkflow: BpmnWorkflow(spec) + start data + do_engine_steps(); then, per user task,
      task.run() + do_engine_steps() (the script and the end run inside the last call): 3 calls.
    Formwork: step(start); step(task_completed approve) × 2; step(action_done) (the shell runs
      the action between the last two): 4 `step` calls, all timed.
Both keep the instance in memory (no persistence); the parse of the BPMN and the definition
dict are made once, outside the timing, as a shell would cache them. A second Formwork line
sends the state through JSON after every step, as the shell stores it.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runtime.flows import new_state, step
from runtime.org.directory import Directory

STEPS_PER_INSTANCE = 5
REPEATS = 5
GOAL = 20.0  # the issue: Formwork at least 20× faster per step

BPMN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="quote_definitions" targetNamespace="http://formwork.example/bench">
  <bpmn:process id="quote_approval" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f_start_manager</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="manager" name="Manager approval">
      <bpmn:incoming>f_start_manager</bpmn:incoming>
      <bpmn:outgoing>f_manager_route</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:exclusiveGateway id="route" default="f_route_mark">
      <bpmn:incoming>f_manager_route</bpmn:incoming>
      <bpmn:outgoing>f_route_director</bpmn:outgoing>
      <bpmn:outgoing>f_route_mark</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:userTask id="director" name="Director approval">
      <bpmn:incoming>f_route_director</bpmn:incoming>
      <bpmn:outgoing>f_director_mark</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:scriptTask id="mark" name="Mark approved">
      <bpmn:incoming>f_director_mark</bpmn:incoming>
      <bpmn:incoming>f_route_mark</bpmn:incoming>
      <bpmn:outgoing>f_mark_end</bpmn:outgoing>
      <bpmn:script>status = "approved"</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f_mark_end</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f_start_manager" sourceRef="start" targetRef="manager"/>
    <bpmn:sequenceFlow id="f_manager_route" sourceRef="manager" targetRef="route"/>
    <bpmn:sequenceFlow id="f_route_director" sourceRef="route" targetRef="director">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression"
        >total &gt; 500000</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_route_mark" sourceRef="route" targetRef="mark"/>
    <bpmn:sequenceFlow id="f_director_mark" sourceRef="director" targetRef="mark"/>
    <bpmn:sequenceFlow id="f_mark_end" sourceRef="mark" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

# Runs inside the temporary venv: argv = [bpmn file, instances, repeats]; prints one JSON line.
SPIFF_SCRIPT = """
import json, statistics, sys, time
from importlib.metadata import version

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser import BpmnParser
from SpiffWorkflow.util.task import TaskState

bpmn_path, instances, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
parser = BpmnParser()
parser.add_bpmn_file(bpmn_path)
spec = parser.get_spec("quote_approval")
RECORD = {"total": 600000, "discount": 0.75, "status": "draft"}


def one():
    workflow = BpmnWorkflow(spec)
    [start] = workflow.get_tasks(state=TaskState.READY)
    start.data.update(RECORD)
    workflow.do_engine_steps()
    done = []
    for _ in range(2):
        [task] = workflow.get_tasks(state=TaskState.READY, manual=True)
        done.append(task.task_spec.name)
        task.data["outcome"] = "approve"
        task.run()
        workflow.do_engine_steps()
    return workflow, done


workflow, done = one()
assert workflow.is_completed(), "the process did not complete"
assert done == ["manager", "director"], done
assert workflow.data.get("status") == "approved", workflow.data
timings = []
for _ in range(repeats):
    began = time.perf_counter()
    for _ in range(instances):
        one()
    timings.append((time.perf_counter() - began) / instances)
print(json.dumps({"version": version("SpiffWorkflow"), "instance_s": statistics.median(timings)}))
"""

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
RECORD = {"total": 600000, "discount": 0.75, "status": "draft"}
DIRECTORY = Directory(department_of={}, head_of={}, parent_of={}, members_of_role={})


def _node(node_id: str, node_type: str, **config: Any) -> dict[str, Any]:
    return {"id": node_id, "type": node_type, "config": config}


def _edge(source: str, target: str, port: str = "out", **extra: Any) -> dict[str, Any]:
    return {"id": f"{source}-{target}", "from": source, "to": target, "port": port, **extra}


FLOW: dict[str, Any] = {
    "format": 1,
    "key": "quote_approval",
    "title": {"en": "Quote approval", "zh-CN": "报价审批"},
    "form": "quote",
    "starts_on": ["record_created"],
    "nodes": [
        _node("start", "start"),
        _node("manager", "approval", approvers=[{"type": "users", "users": ["qian"]}]),
        _node("route", "condition"),
        _node("director", "approval", approvers=[{"type": "users", "users": ["zhao"]}]),
        _node("mark", "action", action="update_fields", params={"fields": {"status": "approved"}}),
        _node("end", "end", outcome="approved"),
    ],
    "edges": [
        _edge("start", "manager"),
        _edge("manager", "route", "approved"),
        _edge(
            "route",
            "director",
            order=1,
            condition={"field": "total", "op": "gt", "value": 500000},
        ),
        _edge("route", "mark", order=2, default=True),
        _edge("director", "mark", "approved"),
        _edge("mark", "end"),
    ],
}
EVENTS: list[dict[str, Any]] = [
    {"type": "start", "record": RECORD, "submitter": "south_a"},
    {"type": "task_completed", "task": "manager:1:qian", "by": "qian", "outcome": "approve"},
    {"type": "task_completed", "task": "director:1:zhao", "by": "zhao", "outcome": "approve"},
    {"type": "action_done", "key": "mark:1", "result": {"ok": True}},
]


def formwork_instance(*, through_json: bool = False) -> dict[str, Any]:
    state: dict[str, Any] = new_state()
    for event in EVENTS:
        state = step(FLOW, state, event, NOW, directory=DIRECTORY).state
        if through_json:
            state = json.loads(json.dumps(state, ensure_ascii=False))
    return state


def time_formwork(instances: int, *, through_json: bool = False) -> float:
    final = formwork_instance(through_json=through_json)
    assert final["status"] == "approved", final["status"]
    assert final["record"]["status"] == "approved", final["record"]
    timings = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        for _ in range(instances):
            formwork_instance(through_json=through_json)
        timings.append((time.perf_counter() - began) / instances)
    return statistics.median(timings)


def run(command: list[str], *, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def time_spiff(instances: int, workdir: Path) -> dict[str, Any] | str:
    """SpiffWorkflow's figures from a fresh venv in `workdir`, or why there are none."""
    python3 = shutil.which("python3") or sys.executable
    venv = workdir / "venv"
    made = run([python3, "-m", "venv", str(venv)], timeout=300)
    if made.returncode != 0:
        return f"could not create a venv: {(made.stderr or made.stdout).strip()[-800:]}"
    python = venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    try:
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        installed = run([*pip, "SpiffWorkflow"], timeout=900)
    except subprocess.TimeoutExpired:
        return "pip install SpiffWorkflow timed out"
    if installed.returncode != 0:
        reason = (installed.stderr or installed.stdout).strip()[-800:]
        return f"pip install SpiffWorkflow failed: {reason}"
    (workdir / "quote.bpmn").write_text(BPMN, encoding="utf-8")
    (workdir / "spiff_run.py").write_text(SPIFF_SCRIPT, encoding="utf-8")
    script = [str(python), str(workdir / "spiff_run.py"), str(workdir / "quote.bpmn")]
    done = run([*script, str(instances), str(REPEATS)], timeout=1800)
    if done.returncode != 0:
        return f"the SpiffWorkflow script failed: {(done.stderr or done.stdout).strip()[-1500:]}"
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def line(label: str, instance_s: float) -> str:
    per_step = instance_s / STEPS_PER_INSTANCE
    return (
        f"{label:<34} {instance_s * 1e6:9.1f} µs/instance {per_step * 1e6:8.1f} µs/step"
        f" {1 / per_step:>10,.0f} steps/s"
    )


def main(argv: list[str]) -> int:
    instances = int(argv[0]) if argv else 500
    print(f"{instances} instances × {REPEATS} repeats, median; {STEPS_PER_INSTANCE} steps/instance")
    with tempfile.TemporaryDirectory(prefix="spiff_compare_") as temp:
        spiff = time_spiff(instances, Path(temp))
    formwork = time_formwork(instances)
    formwork_json = time_formwork(instances, through_json=True)
    print(line("Formwork (state in memory)", formwork))
    print(line("Formwork (state through JSON)", formwork_json))
    if isinstance(spiff, str):
        print(f"SpiffWorkflow: not measured — {spiff}")
        print("(the comparison needs PyPI; Formwork's figures above stand alone)")
        return 0
    spiff_s = float(spiff["instance_s"])
    print(line(f"SpiffWorkflow {spiff['version']} (in memory)", spiff_s))
    ratio = spiff_s / formwork
    verdict = "meets" if ratio >= GOAL else "misses"
    print(f"ratio: Formwork is {ratio:.1f}× faster per step ({verdict} the {GOAL:.0f}× goal)")
    print(f"       {spiff_s / formwork_json:.1f}× with Formwork's state through JSON")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
