"""The run log's reading of trace entries: steps, redaction, one-line summaries. Pure.

A trace entry (decision 0005) says what the engine did; a step says it for people: the input it
read (condition values, action params), what came out (branch, results, assignee and reason) and
the error. Secrets in action params never leave this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from runtime.flows.visibility import without_fields as without_fields  # run-log steps use it
from runtime.i18n import text

REDACTED = "•••"
# Keys whose values are credentials wherever they appear in action params (robots, HTTP).
SECRET_KEYS = frozenset({"secret", "password", "token", "api_key", "authorization", "sign"})
# Keys that name where a call goes (a robot's webhook carries its key); admins alone see them.
ADDRESS_KEYS = frozenset({"url", "webhook", "headers"})
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
FORMULA_FIELD = re.compile(r"\{([a-z][a-z0-9_]*)(?:\.[a-z][a-z0-9_]*)?\}")
TEXT_RESULTS = ("title", "body", "subject")  # rendered texts an action reports back


def condition_fields(tree: Any) -> list[str]:
    """The field keys a condition tree reads, in order of appearance, each once."""
    found: dict[str, None] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, Mapping):
            field = node.get("field")
            if isinstance(field, str):
                found.setdefault(field.partition(".")[0], None)
            formula = node.get("formula")
            if isinstance(formula, str):
                for match in FORMULA_FIELD.finditer(formula):
                    found.setdefault(match.group(1), None)
            for key in ("all", "any", "not", "value"):
                if key in node:
                    walk(node[key])

    walk(tree)
    return list(found)


def redact(value: Any, *, admin: bool) -> Any:
    """Action params without credentials; without addresses too for someone not an admin."""
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = str(key).lower()
            if name in SECRET_KEYS or (name in ADDRESS_KEYS and not admin):
                out[str(key)] = REDACTED if item not in (None, "") else item
            elif name in ("url", "webhook") and isinstance(item, str):  # keys ride in queries
                out[str(key)] = item.split("?", 1)[0] + ("?" + REDACTED if "?" in item else "")
            else:
                out[str(key)] = redact(item, admin=admin)
        return out
    if isinstance(value, list):
        return [redact(item, admin=admin) for item in value]
    return value


def reads_hidden(params: Mapping[str, Any], hidden: set[str]) -> bool:
    """Whether an action's templates ({field}) name a hidden field."""
    return bool(hidden) and any(
        match.group(1) in hidden
        for name in TEXT_RESULTS
        if isinstance(params.get(name), str)
        for match in PLACEHOLDER.finditer(str(params[name]))
    )


def build_step(
    entry: Mapping[str, Any],
    *,
    node: Mapping[str, Any] | None,
    edges: Mapping[str, Mapping[str, Any]],
    seen: Mapping[str, Any],
    params_by_key: Mapping[str, Mapping[str, Any]],
    admin: bool,
) -> dict[str, Any]:
    """One trace entry as a step: node, kind, input, output, error.

    `seen` is the record as the run saw it at this entry (for condition values);
    `params_by_key` the params of the actions run so far (their results' templates).
    """
    data: Mapping[str, Any] = entry.get("data") or {}
    kind = str(entry.get("kind"))
    step: dict[str, Any] = {
        "seq": entry.get("seq"),
        "node": entry.get("node"),
        "node_type": node.get("type") if node else None,
        "label": node.get("label") if node else None,
        "kind": kind,
        "input": None,
        "output": None,
        "error": None,
    }
    if kind == "entered":
        step["input"] = {"via": data.get("via"), "attempt": data.get("attempt")}
    elif kind == "condition":
        edge = edges.get(str(data.get("edge"))) or {}
        tree = edge.get("condition")
        recorded = data.get("values")
        if isinstance(recorded, Mapping):  # the engine recorded what the condition read
            values = dict(recorded)
        else:  # runs from before it did: the record as the audit trail says it was
            values = {field: seen.get(field) for field in condition_fields(tree)}
        step["input"] = {
            "edge": data.get("edge"),
            "edge_label": edge.get("label"),
            "condition": tree,
            "values": values,
        }
        step["output"] = {"result": bool(data.get("result")), "default": bool(data.get("default"))}
        if data.get("result"):
            step["output"]["branch"] = data.get("edge")
            step["output"]["to"] = edge.get("to")
    elif kind == "left":
        step["output"] = {
            key: data[key] for key in ("edges", "ports", "jump", "returned_to") if key in data
        }
    elif kind == "effect":
        _effect_step(step, data, params_by_key, admin=admin)
    elif kind == "error":
        raw = data.get("result")
        result: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        step["error"] = {
            "code": data.get("code"),
            "message": data.get("message") or result.get("error") or data.get("code"),
            **({"detail": dict(result)} if result else {}),
        }
        if data.get("key"):
            step["action_key"] = data.get("key")
    elif kind == "retry":  # an operator ran a failed action again (incidents)
        step["input"] = {"by": data.get("by"), "key": data.get("key")}
        step["action_key"] = data.get("key")
    elif kind == "vote":
        step["input"] = dict(data)
    else:  # approver and kinds added later: what the engine wrote
        step["output"] = dict(data)
    return step


def _effect_step(
    step: dict[str, Any],
    data: Mapping[str, Any],
    params_by_key: Mapping[str, Mapping[str, Any]],
    *,
    admin: bool,
) -> None:
    effect = data.get("effect")
    if effect == "run_action":
        step["effect"] = "run_action"
        step["action"] = data.get("action")
        step["action_key"] = data.get("key")
        step["input"] = {
            "action": data.get("action"),
            "params": redact(data.get("params") or {}, admin=admin),
        }
    elif "action_done" in data:
        step["effect"] = "action_done"
        step["action_key"] = data.get("action_done")
        result = {k: v for k, v in dict(data.get("result") or {}).items() if k != "record"}
        output: dict[str, Any] = redact(result, admin=admin)
        if "assigned" in result:  # assign_owner: who, and the policy's reasons
            output["assignee"] = output.pop("assigned")
            output["reason"] = output.pop("why", None)
        step["output"] = output
        params = params_by_key.get(str(data.get("action_done")))
        if params is not None:
            step["action"] = params.get("action")
    else:
        step["effect"] = effect
        step["output"] = redact({k: v for k, v in data.items() if k != "effect"}, admin=admin)


def describe(step: Mapping[str, Any], *, locale: str, labels: Mapping[str, Any]) -> str | None:
    """What a step did, in one line for the record's timeline; None for bookkeeping steps."""
    zh = locale == "zh-CN"
    output: Mapping[str, Any] = step.get("output") or {}
    given: Mapping[str, Any] = step.get("input") or {}
    if step.get("error"):
        message = step["error"].get("message")
        return f"出错：{message}" if zh else f"failed: {message}"
    if step["kind"] == "retry":
        by = given.get("by") or ("系统" if zh else "the system")
        return f"{by} 重试了这一步" if zh else f"retried by {by}"
    if step["kind"] == "condition" and output.get("result"):
        branch = text(given.get("edge_label"), locale) or str(given.get("edge"))
        values = _pairs(given.get("values") or {}, labels, locale)
        if output.get("default"):
            return f"默认分支：{branch}" if zh else f"otherwise: {branch}"
        suffix = f"（{values}）" if zh else f" ({values})"
        return (f"条件成立：{branch}" if zh else f"took {branch}") + (suffix if values else "")
    if step.get("effect") == "action_done":
        return _describe_result(str(step.get("action") or ""), output, locale, labels)
    if step.get("effect") == "finish":
        outcome = output.get("outcome")
        return f"结束：{outcome}" if zh else f"ended: {outcome}"
    if step.get("effect") == "start_subflow":
        return f"启动子流程 {output.get('flow')}" if zh else f"started subflow {output.get('flow')}"
    return None


def _describe_result(
    action: str, result: Mapping[str, Any], locale: str, labels: Mapping[str, Any]
) -> str:
    zh = locale == "zh-CN"
    if action == "update_fields" and isinstance(result.get("fields"), Mapping):
        pairs = _pairs(result["fields"], labels, locale)
        return f"更新 {pairs}" if zh else f"set {pairs}"
    if "assignee" in result:
        why = _reason_text(result.get("reason"))
        head = f"分配给 {result['assignee']}" if zh else f"assigned to {result['assignee']}"
        return f"{head}（{why}）" if zh and why else (f"{head} ({why})" if why else head)
    if "notified" in result:
        people = ", ".join(str(u) for u in result.get("notified") or []) or "-"
        channels = ", ".join(str(c) for c in result.get("channels") or [])
        return f"通知 {people}（{channels}）" if zh else f"notified {people} ({channels})"
    if "tasks_for" in result:
        people = ", ".join(str(u) for u in result.get("tasks_for") or []) or "-"
        title = result.get("title") or ""
        return f"待办给 {people}：{title}" if zh else f"task for {people}: {title}"
    if "from" in result and "to" in result and "field" in result:
        label = _label(str(result["field"]), labels, locale)
        return f"{label} {result['from']} → {result['to']}"
    short = ", ".join(f"{k}={_short(v)}" for k, v in list(result.items())[:3])
    return f"{action}：{short}" if zh else f"{action}: {short}"


def _reason_text(reason: Any) -> str:
    if isinstance(reason, str):
        return reason
    if isinstance(reason, Mapping):
        return "; ".join(f"{k}: {_short(v)}" for k, v in list(reason.items())[:4])
    if isinstance(reason, list):
        return "; ".join(_short(item) for item in reason[:4])
    return ""


def _pairs(values: Mapping[str, Any], labels: Mapping[str, Any], locale: str) -> str:
    return ", ".join(f"{_label(k, labels, locale)} = {_short(v)}" for k, v in values.items())


def _label(key: str, labels: Mapping[str, Any], locale: str) -> str:
    return text(labels.get(key), locale) or key


def _short(value: Any, width: int = 60) -> str:
    if isinstance(value, list | tuple):
        shown = "[" + ", ".join("∅" if v is None else str(v) for v in value) + "]"
    else:
        shown = "∅" if value is None else str(value)
    return shown if len(shown) <= width else shown[: width - 1] + "…"


def summary_lines(
    steps: Iterable[Mapping[str, Any]], *, locale: str, labels: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The steps that did something, as {node, label, text} lines (the record's timeline)."""
    lines = []
    for step in steps:
        line = describe(step, locale=locale, labels=labels)
        if line is not None:
            lines.append(
                {
                    "seq": step.get("seq"),
                    "node": step.get("node"),
                    "label": text(step.get("label"), locale) or step.get("node"),
                    "text": line,
                    "error": step.get("error") is not None,
                }
            )
    return lines
