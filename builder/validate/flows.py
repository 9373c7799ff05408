"""Flow definitions (decision 0005): meta-schema problems plus semantic ones, each with a JSON
pointer. Pure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from croniter import croniter
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from builder.validate.meta import (
    is_under,
    json_pointer,
    prefer_condition_problems,
    schema_problems,
    unique_problems,
)
from runtime import expr
from runtime.definitions import flow_schema, references
from runtime.definitions.durations import DurationError, parse_duration
from runtime.definitions.flow_model import reachable_from
from runtime.errors import Problem
from runtime.i18n import Messages, message

USER_FIELD_TYPES = frozenset({"user"})
DATE_FIELD_TYPES = frozenset({"date", "datetime"})
DURATION_KEYS = frozenset({"after", "offset", "every", "duration", "timeout"})
RETURN_TARGETS = frozenset({"previous", "submitter"})
BRANCH_KEYS = ("condition", "order", "default")
BEFORE_SAVE_NODES = frozenset({"start", "condition", "action", "end"})

MESSAGES: Messages = {
    "timeout_without_limit": {
        "en": "The wait {node!r} has no event with a timeout: nothing leaves by its timeout exit.",
        "zh-CN": "等待节点 {node!r} 没有设置等待事件和超时时间，超时出口不会被走到。",
    },
    "unknown_action": {
        "en": "There is no action type {action!r}.",
        "zh-CN": "没有动作类型 {action!r}。",
    },
    "invalid_action_params": {
        "en": "The {action} action's settings are wrong here: {detail}",
        "zh-CN": "{action} 动作的设置有误：{detail}",
    },
    "form_mismatch": {
        "en": "The flow routes records of {flow_form!r}, but the form given is {form!r}.",
        "zh-CN": "流程处理的表单是 {flow_form!r}，但给出的表单是 {form!r}。",
    },
    "duplicate_node_id": {
        "en": "The node id {id!r} is used twice.",
        "zh-CN": "节点标识 {id!r} 重复。",
    },
    "duplicate_edge_id": {
        "en": "The edge id {id!r} is used twice.",
        "zh-CN": "连线标识 {id!r} 重复。",
    },
    "dangling_edge": {
        "en": "The edge points at {node!r}, which is not a node of this flow.",
        "zh-CN": "连线指向不存在的节点 {node!r}。",
    },
    "duplicate_edge": {
        "en": "This edge repeats {source!r} → {target!r} by the port {port!r}.",
        "zh-CN": "连线 {source!r} → {target!r}（出口 {port!r}）重复。",
    },
    "unknown_port": {
        "en": "A {type} node has no exit {port!r}; it has: {ports}.",
        "zh-CN": "{type} 节点没有出口 {port!r}；可用出口：{ports}。",
    },
    "missing_start": {
        "en": "The flow has no start node.",
        "zh-CN": "流程缺少开始节点。",
    },
    "several_starts": {
        "en": "The flow has more than one start node.",
        "zh-CN": "流程有多个开始节点。",
    },
    "missing_end": {
        "en": "The flow has no end node.",
        "zh-CN": "流程缺少结束节点。",
    },
    "unreachable_node": {
        "en": "The node {id!r} cannot be reached from the start.",
        "zh-CN": "从开始节点无法到达节点 {id!r}。",
    },
    "dead_end": {
        "en": "The node {id!r} has no way out; connect it or use an end node.",
        "zh-CN": "节点 {id!r} 没有出口连线；请连接下一个节点或结束节点。",
    },
    "approval_without_approved_edge": {
        "en": "The approval {id!r} needs an edge leaving by 'approved'.",
        "zh-CN": "审批节点 {id!r} 缺少“通过”出口的连线。",
    },
    "condition_without_default": {
        "en": "The condition {id!r} needs one default branch for when nothing matches.",
        "zh-CN": "条件节点 {id!r} 需要一个默认分支。",
    },
    "several_defaults": {
        "en": "The condition {id!r} has more than one default branch.",
        "zh-CN": "条件节点 {id!r} 有多个默认分支。",
    },
    "condition_edge_without_condition": {
        "en": "A branch of a condition needs a condition and an order (missing: {missing}).",
        "zh-CN": "条件分支需要条件和顺序（缺少：{missing}）。",
    },
    "unexpected_condition": {
        "en": "Only branches of a condition node use {key!r}; here it has no effect.",
        "zh-CN": "只有条件节点的分支使用 {key!r}，这里不起作用。",
    },
    "invalid_condition": {
        "en": "The condition is wrong: {detail}",
        "zh-CN": "条件有误：{detail}",
    },
    "condition_unknown_field": {
        "en": "This refers to {key!r}, which is not a field of the form.",
        "zh-CN": "引用了表单中不存在的字段 {key!r}。",
    },
    "join_without_split": {
        "en": "The join names {split!r}, which is not a parallel node.",
        "zh-CN": "汇聚节点引用的 {split!r} 不是并行节点。",
    },
    "join_not_closing_split": {
        "en": "This branch of {split!r} never reaches the join {join!r}.",
        "zh-CN": "{split!r} 的这个分支到达不了汇聚节点 {join!r}。",
    },
    "approver_unknown_field": {
        "en": "The approver field {key!r} is not a user field of the form.",
        "zh-CN": "审批人字段 {key!r} 不是表单中的人员字段。",
    },
    "approver_unresolvable": {
        "en": "These approvers can never resolve to anyone: {detail}",
        "zh-CN": "审批人无法确定：{detail}",
    },
    "field_permission_unknown_field": {
        "en": "The field permission names {key!r}, which is not a field of the form.",
        "zh-CN": "字段权限引用了表单中不存在的字段 {key!r}。",
    },
    "deadline_unknown_field": {
        "en": "The deadline is read from {key!r}, which is not a date field of the form.",
        "zh-CN": "截止时间所用的字段 {key!r} 不是表单中的日期字段。",
    },
    "wait_unknown_field": {
        "en": "The wait is until {key!r}, which is not a date field of the form.",
        "zh-CN": "等待所用的字段 {key!r} 不是表单中的日期字段。",
    },
    "before_save_node": {
        "en": "A before-save rule can only branch and block; {type!r} has no place in it.",
        "zh-CN": "保存前校验只能判断条件和阻止保存，不能包含 {type!r}。",
    },
    "invalid_cron": {
        "en": "{cron!r} is not a schedule: five cron fields (minute hour day month weekday).",
        "zh-CN": "{cron!r} 不是有效的定时规则：应为五段 cron（分 时 日 月 周）。",
    },
    "trigger_unknown_field": {
        "en": "The trigger watches {key!r}, which the form does not have.",
        "zh-CN": "触发条件关注的字段 {key!r} 在表单中不存在。",
    },
    "subflow_unknown": {
        "en": "There is no flow {flow!r} to run as a subflow.",
        "zh-CN": "子流程 {flow!r} 不存在。",
    },
    "return_to_unknown_node": {
        "en": "Returns go to {node!r}, which is not a node of this flow.",
        "zh-CN": "退回目标 {node!r} 不是本流程的节点。",
    },
    "invalid_duration": {
        "en": "The duration is wrong: {detail}",
        "zh-CN": "时长有误：{detail}",
    },
}


def validate_flow(
    doc: Mapping[str, Any],
    *,
    form_doc: Mapping[str, Any] | None = None,
    known_flows: set[str] | None = None,
    known_roles: set[str] | None = None,
    action_schemas: Mapping[str, Mapping[str, Any]] | None = None,
    locale: str = "en",
) -> list[Problem]:
    """Every problem of a flow definition: meta-schema ones first, then semantic ones.

    References to form fields are checked only with `form_doc`, subflows only with
    `known_flows`, roles only with `known_roles`, action nodes' params only with
    `action_schemas` (action type key → its config schema).
    """
    checker = _FlowChecker(
        doc,
        form_doc=form_doc,
        known_flows=known_flows,
        known_roles=known_roles,
        action_schemas=action_schemas,
        locale=locale,
    )
    checker.problems.extend(schema_problems(flow_schema.flow_validator(), doc, classify=_classify))
    if isinstance(doc, Mapping):
        checker.run()
    return unique_problems(checker.problems)


def iter_problem_codes() -> Iterator[str]:
    """The semantic problem codes `validate_flow` may report (besides `schema_violation`)."""
    yield from MESSAGES


def _classify(error: ValidationError) -> tuple[str, str, str | None] | None:
    """Report schema errors in edge conditions and durations under their own codes."""
    path = list(error.absolute_path)
    if len(path) >= 3 and path[0] == "edges" and path[2] == "condition":
        return "invalid_condition", json_pointer(path[:3]), None
    if len(path) >= 2 and path[0] == "trigger" and path[1] == "condition":
        return "invalid_condition", json_pointer(path[:2]), None
    if len(path) >= 4 and path[0] == "nodes" and path[2] == "config" and path[-1] in DURATION_KEYS:
        return "invalid_duration", json_pointer(path), None
    return None


def _items(doc: Mapping[str, Any], name: str, *keys: str) -> list[tuple[int, Mapping[str, Any]]]:
    """(index, item) of the objects in `doc[name]` whose `keys` are text; the rest is skipped."""
    raw = doc.get(name)
    return [
        (index, item)
        for index, item in enumerate(raw if isinstance(raw, list) else ())
        if isinstance(item, Mapping) and all(isinstance(item.get(key), str) for key in keys)
    ]


def _valid_cron(cron: Any) -> bool:
    return isinstance(cron, str) and len(cron.split()) == 5 and bool(croniter.is_valid(cron))


_PARAMS_VALIDATORS: dict[tuple[str, int], Draft202012Validator] = {}


def _params_validator(action: str, schema: Mapping[str, Any]) -> Draft202012Validator:
    """A compiled validator per action type (its schema is a class constant)."""
    key = (action, id(schema))
    found = _PARAMS_VALIDATORS.get(key)
    if found is None:
        found = _PARAMS_VALIDATORS[key] = Draft202012Validator(schema)
    return found


def _config(node: Mapping[str, Any]) -> Mapping[str, Any]:
    config = node.get("config")
    return config if isinstance(config, Mapping) else {}


class _FlowChecker:
    def __init__(
        self,
        doc: Mapping[str, Any],
        *,
        form_doc: Mapping[str, Any] | None,
        known_flows: set[str] | None,
        known_roles: set[str] | None,
        action_schemas: Mapping[str, Mapping[str, Any]] | None,
        locale: str,
    ) -> None:
        self.doc = doc
        self.known_flows = known_flows
        self.known_roles = known_roles
        self.action_schemas = action_schemas
        self.locale = locale
        self.problems: list[Problem] = []
        self.form_doc = form_doc if isinstance(form_doc, Mapping) else None
        self.fields: dict[str, Mapping[str, Any]] | None = None
        if self.form_doc is not None:
            self.fields = {}
            for _, field in _items(self.form_doc, "fields", "key"):
                self.fields.setdefault(field["key"], field)
        is_doc = isinstance(doc, Mapping)
        self.nodes = _items(doc, "nodes", "id") if is_doc else []
        self.edges = _items(doc, "edges", "from", "to") if is_doc else []
        self.by_id: dict[str, tuple[int, Mapping[str, Any]]] = {}
        for index, node in self.nodes:
            self.by_id.setdefault(node["id"], (index, node))
        # Edges whose both ends exist: the graph every structural check walks.
        self.links = [
            (index, edge)
            for index, edge in self.edges
            if edge["from"] in self.by_id and edge["to"] in self.by_id
        ]
        self.successors: dict[str, list[str]] = {}
        for _, edge in self.links:
            self.successors.setdefault(edge["from"], []).append(edge["to"])

    def add(self, code: str, pointer: str, **params: object) -> None:
        text = message(MESSAGES, code, self.locale, **params)
        self.problems.append(Problem(code, text, pointer=pointer, params=params))

    def has_problem_under(self, pointer: str) -> bool:
        return any(is_under(problem, pointer) for problem in self.problems)

    def node_type(self, node_id: str) -> str | None:
        found = self.by_id.get(node_id)
        kind = found[1].get("type") if found else None
        return kind if isinstance(kind, str) else None

    def outgoing(self, node_id: str) -> list[tuple[int, Mapping[str, Any]]]:
        return [(index, edge) for index, edge in self.edges if edge["from"] == node_id]

    def run(self) -> None:
        self.check_form()
        self.check_ids()
        self.check_edges()
        self.check_start_and_end()
        self.check_exits()
        self.check_branches()
        for index, edge in self.edges:
            if "condition" in edge:
                self.check_condition(edge["condition"], f"/edges/{index}/condition")
        for index, node in self.nodes:
            self.check_node(index, node)
        self.check_trigger()

    def check_trigger(self) -> None:
        trigger = self.doc.get("trigger")
        if not isinstance(trigger, Mapping):
            return
        if "condition" in trigger:
            self.check_condition(trigger["condition"], "/trigger/condition")
        if trigger.get("type") == "schedule" and not _valid_cron(trigger.get("cron")):
            self.add("invalid_cron", "/trigger/cron", cron=trigger.get("cron"))
        if trigger.get("type") == "before_save":
            # Run in memory before a save: only what needs no waiting and writes nothing.
            for index, node in self.nodes:
                kind = node.get("type")
                action = _config(node).get("action")
                if kind not in BEFORE_SAVE_NODES or (kind == "action" and action != "block"):
                    self.add("before_save_node", f"/nodes/{index}", type=action or kind)
        fields = trigger.get("fields")
        if self.fields is not None and isinstance(fields, list):
            for index, key in enumerate(fields):
                if isinstance(key, str) and key not in self.fields:
                    self.add("trigger_unknown_field", f"/trigger/fields/{index}", key=key)

    # the flow as a whole

    def check_form(self) -> None:
        if self.form_doc is None:
            return
        flow_form, form = self.doc.get("form"), self.form_doc.get("key")
        if isinstance(flow_form, str) and flow_form != form:
            self.add("form_mismatch", "/form", flow_form=flow_form, form=form)

    def check_ids(self) -> None:
        seen: set[str] = set()
        for index, node in self.nodes:
            if node["id"] in seen:
                self.add("duplicate_node_id", f"/nodes/{index}/id", id=node["id"])
            seen.add(node["id"])
        seen = set()
        for index, edge in _items(self.doc, "edges", "id"):
            if edge["id"] in seen:
                self.add("duplicate_edge_id", f"/edges/{index}/id", id=edge["id"])
            seen.add(edge["id"])

    def check_edges(self) -> None:
        seen: set[tuple[str, str, str]] = set()
        for index, edge in self.edges:
            for end in ("from", "to"):
                if edge[end] not in self.by_id:
                    self.add("dangling_edge", f"/edges/{index}/{end}", node=edge[end])
            port = edge.get("port", flow_schema.DEFAULT_PORT)
            if not isinstance(port, str):
                continue
            marker = (edge["from"], port, edge["to"])
            if marker in seen:
                self.add(
                    "duplicate_edge",
                    f"/edges/{index}",
                    source=marker[0],
                    port=port,
                    target=marker[2],
                )
            seen.add(marker)
            kind = self.node_type(edge["from"])
            if kind in flow_schema.NODE_TYPES and port not in flow_schema.ports(kind):
                pointer = f"/edges/{index}/port" if "port" in edge else f"/edges/{index}"
                names = ", ".join(flow_schema.ports(kind)) or "-"
                self.add("unknown_port", pointer, type=kind, port=port, ports=names)
            elif kind == "wait" and port == "timeout":
                config = _config(self.by_id[edge["from"]][1])
                if "timeout" not in config or "event" not in config:
                    self.add("timeout_without_limit", f"/edges/{index}/port", node=edge["from"])

    def check_start_and_end(self) -> None:
        starts = [index for index, node in self.nodes if node.get("type") == "start"]
        if not starts:
            self.add("missing_start", "/nodes")
        for index in starts[1:]:
            self.add("several_starts", f"/nodes/{index}")
        if not any(node.get("type") == "end" for _, node in self.nodes):
            self.add("missing_end", "/nodes")
        if not starts:
            return
        reached = reachable_from(self.nodes[starts[0]][1]["id"], self.successors)
        for index, node in self.nodes:
            if node["id"] not in reached and self.by_id[node["id"]][0] == index:
                self.add("unreachable_node", f"/nodes/{index}", id=node["id"])

    def check_exits(self) -> None:
        for index, node in self.nodes:
            kind, edges = node.get("type"), self.outgoing(node["id"])
            if kind == "approval":
                if not any(edge.get("port") == "approved" for _, edge in edges):
                    self.add("approval_without_approved_edge", f"/nodes/{index}", id=node["id"])
            elif kind != "end" and not edges:
                self.add("dead_end", f"/nodes/{index}", id=node["id"])

    def check_branches(self) -> None:
        """Condition nodes: ordered conditional branches plus one default (decision 0005)."""
        for index, node in self.nodes:
            edges = self.outgoing(node["id"])
            if node.get("type") != "condition":
                for edge_index, edge in edges:
                    for key in BRANCH_KEYS:
                        if key in edge and edge[key] is not False:
                            self.add("unexpected_condition", f"/edges/{edge_index}/{key}", key=key)
                continue
            defaults = [edge_index for edge_index, edge in edges if edge.get("default") is True]
            if edges and not defaults:
                self.add("condition_without_default", f"/nodes/{index}", id=node["id"])
            for edge_index in defaults[1:]:
                self.add("several_defaults", f"/edges/{edge_index}/default", id=node["id"])
            for edge_index, edge in edges:
                if edge.get("default") is True:
                    for key in ("condition", "order"):
                        if key in edge:
                            self.add("unexpected_condition", f"/edges/{edge_index}/{key}", key=key)
                    continue
                missing = [key for key in ("condition", "order") if key not in edge]
                if missing:
                    self.add(
                        "condition_edge_without_condition",
                        f"/edges/{edge_index}",
                        missing=", ".join(missing),
                    )

    def check_condition(self, tree: Any, pointer: str) -> None:
        found = expr.check_condition(tree, pointer=pointer)
        if not prefer_condition_problems(self.problems, found, pointer):
            return
        for problem in found:
            self.add(
                "invalid_condition",
                problem.pointer or pointer,
                detail=problem.message,
                cause=problem.code,
            )
        if found or self.fields is None:
            return
        for ref, ref_pointer in references.condition_refs(tree, pointer):
            head, _, column = ref.partition(".")
            field = self.fields.get(head)
            columns = None if field is None else references.column_keys(field)
            if field is None or (column and columns is not None and column not in columns):
                self.add("condition_unknown_field", ref_pointer, key=ref)

    # nodes

    def check_node(self, index: int, node: Mapping[str, Any]) -> None:
        pointer = f"/nodes/{index}/config"
        config = _config(node)
        kind = node.get("type")
        if kind == "approval":
            self.check_approvers(config.get("approvers"), f"{pointer}/approvers")
            self.check_approval(config, pointer)
        elif kind == "cc":
            self.check_approvers(config.get("recipients"), f"{pointer}/recipients")
        elif kind == "join":
            self.check_join(node, config, pointer)
        elif kind == "wait":
            self.check_duration(config, "duration", pointer, minimum=timedelta(0))
            self.check_duration(config, "timeout", pointer, minimum=timedelta(seconds=1))
            self.check_duration(config, "offset", pointer)
            self.check_date_field(config, "wait_unknown_field", pointer)
        elif kind == "subflow":
            flow = config.get("flow")
            known = self.known_flows
            if isinstance(flow, str) and known is not None and flow not in known:
                self.add("subflow_unknown", f"{pointer}/flow", flow=flow)
        elif kind == "action":
            self.check_action(config, pointer)

    def check_action(self, config: Mapping[str, Any], pointer: str) -> None:
        """The action type exists and its params fit its config schema (with `action_schemas`)."""
        action, params = config.get("action"), config.get("params", {})
        if self.action_schemas is None or not isinstance(action, str):
            return
        schema = self.action_schemas.get(action)
        if schema is None:
            self.add("unknown_action", f"{pointer}/action", action=action)
            return
        if not isinstance(params, Mapping):
            return  # the meta-schema reports it
        for error in _params_validator(action, schema).iter_errors(params):
            where = pointer + json_pointer(["params", *error.absolute_path])
            self.add("invalid_action_params", where, action=action, detail=error.message)

    def check_approvers(self, specs: Any, pointer: str) -> None:
        if not isinstance(specs, list):
            return
        if not specs:
            self.add("approver_unresolvable", pointer, detail="the list is empty")
        for position, spec in enumerate(specs):
            if not isinstance(spec, Mapping):
                continue
            here = f"{pointer}/{position}"
            kind = spec.get("type")
            if kind == "users" and spec.get("users") == []:
                self.add("approver_unresolvable", f"{here}/users", detail="no user is named")
            role = spec.get("role")
            roles = self.known_roles
            if kind == "role" and isinstance(role, str) and roles is not None and role not in roles:
                self.add("approver_unresolvable", f"{here}/role", detail=f"no role {role!r}")
            key = spec.get("field")
            named = kind in ("field", "department_head")
            if named and isinstance(key, str) and self.fields is not None:
                field = self.fields.get(key)
                if field is None or field.get("type") not in USER_FIELD_TYPES:
                    self.add("approver_unknown_field", f"{here}/field", key=key)

    def check_approval(self, config: Mapping[str, Any], pointer: str) -> None:
        permissions = config.get("field_permissions")
        if isinstance(permissions, Mapping) and self.fields is not None:
            for key in permissions:
                if key not in self.fields:
                    target = f"{pointer}/field_permissions/{json_pointer([key])[1:]}"
                    self.add("field_permission_unknown_field", target, key=key)
        deadline = config.get("deadline")
        if isinstance(deadline, Mapping):
            here = f"{pointer}/deadline"
            self.check_duration(deadline, "after", here, minimum=timedelta(microseconds=1))
            self.check_duration(deadline, "offset", here)
            self.check_date_field(deadline, "deadline_unknown_field", here)
        remind = config.get("remind")
        if isinstance(remind, Mapping):
            self.check_duration(
                remind, "every", f"{pointer}/remind", minimum=timedelta(microseconds=1)
            )
        back = config.get("return_to")
        if isinstance(back, str) and back not in RETURN_TARGETS and back not in self.by_id:
            self.add("return_to_unknown_node", f"{pointer}/return_to", node=back)

    def check_join(self, node: Mapping[str, Any], config: Mapping[str, Any], pointer: str) -> None:
        split = config.get("split")
        if not isinstance(split, str):
            return
        if self.node_type(split) != "parallel":
            self.add("join_without_split", f"{pointer}/split", split=split)
            return
        for index, edge in self.outgoing(split):
            if edge["to"] not in self.by_id:
                continue
            if node["id"] not in reachable_from(edge["to"], self.successors):
                self.add("join_not_closing_split", f"/edges/{index}", split=split, join=node["id"])

    def check_duration(
        self,
        config: Mapping[str, Any],
        key: str,
        pointer: str,
        *,
        minimum: timedelta | None = None,
    ) -> None:
        text = config.get(key)
        if not isinstance(text, str) or self.has_problem_under(f"{pointer}/{key}"):
            return
        try:
            length = parse_duration(text)
        except DurationError as error:
            self.add("invalid_duration", f"{pointer}/{key}", detail=str(error))
            return
        if minimum is not None and length < minimum:
            detail = f"{text!r} must be {'more than zero' if minimum else 'zero or more'}"
            self.add("invalid_duration", f"{pointer}/{key}", detail=detail)

    def check_date_field(self, config: Mapping[str, Any], code: str, pointer: str) -> None:
        key = config.get("field")
        if not isinstance(key, str) or self.fields is None:
            return
        field = self.fields.get(key)
        if field is None or field.get("type") not in DATE_FIELD_TYPES:
            self.add(code, f"{pointer}/field", key=key)
