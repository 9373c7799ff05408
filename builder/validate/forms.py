"""Form definitions: meta-schema problems plus semantic ones, each with a JSON pointer. Pure."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from jsonschema.exceptions import ValidationError

from builder.validate.meta import (
    is_under,
    json_pointer,
    prefer_condition_problems,
    schema_problems,
    unique_problems,
)
from runtime import expr
from runtime.definitions import references
from runtime.definitions.schemas import form_validator
from runtime.errors import ExpressionError, FormworkError, Problem
from runtime.fields.base import FieldType, ValueProblem, field_types
from runtime.i18n import Messages, message

CONDITION_KEYS = ("visible_when", "required_when", "readonly_when")

MESSAGES: Messages = {
    "duplicate_field_key": {
        "en": "The field key {key!r} is used twice.",
        "zh-CN": "字段标识 {key!r} 重复。",
    },
    "unknown_field_type": {
        "en": "There is no field type {type!r}.",
        "zh-CN": "没有字段类型 {type!r}。",
    },
    "invalid_field_config": {
        "en": "The {type} field's config is wrong: {detail}",
        "zh-CN": "{type} 字段的配置有误：{detail}",
    },
    "unknown_field_in_layout": {
        "en": "The layout names {key!r}, which is not a field.",
        "zh-CN": "布局引用了不存在的字段 {key!r}。",
    },
    "field_missing_from_layout": {
        "en": "The field {key!r} is not hidden but the layout does not show it.",
        "zh-CN": "字段 {key!r} 未隐藏，但布局中没有它。",
    },
    "field_in_layout_twice": {
        "en": "The layout shows {key!r} more than once.",
        "zh-CN": "布局中多次出现字段 {key!r}。",
    },
    "condition_unknown_field": {
        "en": "This refers to {key!r}, which is not a field of this form.",
        "zh-CN": "引用了本表单中不存在的字段 {key!r}。",
    },
    "invalid_condition": {
        "en": "The condition is wrong: {detail}",
        "zh-CN": "条件有误：{detail}",
    },
    "invalid_formula": {
        "en": "The formula is wrong: {detail}",
        "zh-CN": "公式有误：{detail}",
    },
    "formula_cycle": {
        "en": "These formula fields depend on each other in a cycle: {cycle}.",
        "zh-CN": "这些公式字段循环依赖：{cycle}。",
    },
    "unknown_dedupe_field": {
        "en": "Duplicates are looked up by {key!r}, which is not a field.",
        "zh-CN": "查重字段 {key!r} 不存在。",
    },
    "unknown_capture_field": {
        "en": "{param!r} is captured into {key!r}, which is not a field.",
        "zh-CN": "{param!r} 要写入的字段 {key!r} 不存在。",
    },
    "unknown_public_field": {
        "en": "The public form lists {key!r}, which is not a field.",
        "zh-CN": "公开表单列出了不存在的字段 {key!r}。",
    },
    "invalid_default": {
        "en": "The default value does not fit the field: {detail}",
        "zh-CN": "默认值不符合该字段：{detail}",
    },
    "title_field_unknown": {
        "en": "The title field {key!r} is not a field of this form.",
        "zh-CN": "标题字段 {key!r} 不存在。",
    },
    "relation_unknown_form": {
        "en": "The relation points at the form {form!r}, which does not exist.",
        "zh-CN": "关联的表单 {form!r} 不存在。",
    },
}


def validate_form(
    doc: Mapping[str, Any], *, known_forms: set[str] | None = None, locale: str = "en"
) -> list[Problem]:
    """Every problem of a form definition: meta-schema ones first, then semantic ones."""
    checker = _FormChecker(doc, known_forms=known_forms, locale=locale)
    checker.problems.extend(schema_problems(form_validator(), doc, classify=_classify))
    if isinstance(doc, Mapping):
        checker.run()
    return unique_problems(checker.problems)


def _classify(error: ValidationError) -> tuple[str, str, str | None] | None:
    """Report schema errors inside a field's type, config or conditions under their own codes."""
    path = list(error.absolute_path)
    if len(path) < 2 or path[0] != "fields" or not isinstance(path[1], int):
        return None
    field_pointer = json_pointer(path[:2])
    if len(path) == 2 and error.validator == "required" and error.validator_value == ["config"]:
        return "invalid_field_config", f"{field_pointer}/config", None
    if len(path) == 3 and path[2] == "type" and error.validator == "enum":
        text = message(MESSAGES, "unknown_field_type", "en", type=error.instance)
        return "unknown_field_type", json_pointer(path), text
    if len(path) >= 3 and path[2] == "config":
        return "invalid_field_config", json_pointer(path), None
    if len(path) >= 3 and path[2] in CONDITION_KEYS:
        return "invalid_condition", json_pointer(path), None
    return None


class _FormChecker:
    def __init__(
        self, doc: Mapping[str, Any], *, known_forms: set[str] | None, locale: str
    ) -> None:
        self.doc = doc
        self.known_forms = known_forms
        self.locale = locale
        self.problems: list[Problem] = []
        raw_fields = doc.get("fields") if isinstance(doc, Mapping) else None
        self.fields: list[tuple[int, Mapping[str, Any]]] = [
            (index, item)
            for index, item in enumerate(raw_fields if isinstance(raw_fields, list) else ())
            if isinstance(item, Mapping) and isinstance(item.get("key"), str)
        ]
        self.by_key: dict[str, tuple[int, Mapping[str, Any]]] = {}
        for index, item in self.fields:
            self.by_key.setdefault(item["key"], (index, item))
        self.formulas: dict[str, tuple[str, frozenset[str]]] = {}  # key → (pointer, refs)

    def add(self, code: str, pointer: str, **params: object) -> None:
        text = message(MESSAGES, code, self.locale, **params)
        self.problems.append(Problem(code, text, pointer=pointer, params=params))

    def has_problem_under(self, pointer: str) -> bool:
        return any(is_under(problem, pointer) for problem in self.problems)

    def run(self) -> None:
        self.check_keys()
        for index, item in self.fields:
            self.check_field(index, item)
        self.check_formula_cycles()
        self.check_layout()
        self.check_title_field()
        self.check_public()

    # fields

    def check_keys(self) -> None:
        seen: set[str] = set()
        for index, item in self.fields:
            key = item["key"]
            if key in seen:
                self.add("duplicate_field_key", f"/fields/{index}/key", key=key)
            seen.add(key)

    def check_field(self, index: int, item: Mapping[str, Any]) -> None:
        pointer = f"/fields/{index}"
        for name in CONDITION_KEYS:
            if name in item:
                self.check_condition(item[name], f"{pointer}/{name}")
        type_key = item.get("type")
        field_type = field_types.get(type_key) if isinstance(type_key, str) else None
        if field_type is None:
            if isinstance(type_key, str) and not self.has_problem_under(f"{pointer}/type"):
                self.add("unknown_field_type", f"{pointer}/type", type=type_key)
            return
        config = item.get("config", {})
        if not isinstance(config, Mapping) or self.has_problem_under(f"{pointer}/config"):
            return
        checker = self.compile_config(field_type, config, pointer)
        formula = references.formula_text(field_type, config)
        if formula is not None:
            formula_pointer = f"{pointer}/config/{references.FORMULA_CONFIG_KEY}"
            refs = self.check_formula(formula, formula_pointer)
            if refs is not None:
                self.formulas[item["key"]] = (formula_pointer, refs)
        target = references.relation_target(field_type, config)
        if target is not None and self.known_forms is not None and target not in self.known_forms:
            target_pointer = f"{pointer}/config/{references.RELATION_CONFIG_KEY}"
            self.add("relation_unknown_form", target_pointer, form=target)
        if "default" in item:
            self.check_default(field_type, checker, item["default"], f"{pointer}/default")

    def compile_config(self, field_type: FieldType, config: Mapping[str, Any], pointer: str) -> Any:
        try:
            return field_type.compile(config)
        except ExpressionError as error:
            if references.formula_text(field_type, config) is None:  # else check_formula says it
                self.add("invalid_formula", f"{pointer}/config", detail=error.message)
        except FormworkError as error:
            for problem in error.to_problems():
                self.add(
                    "invalid_field_config",
                    pointer + (problem.pointer or "/config"),
                    type=field_type.key,
                    detail=problem.message,
                )
        return None

    def check_default(
        self, field_type: FieldType, checker: Any, default: Any, pointer: str
    ) -> None:
        if field_type.is_computed:
            self.add("invalid_default", pointer, detail="computed fields have no default")
            return
        if isinstance(default, Mapping) and set(default) == {"formula"}:
            text = default["formula"]
            if isinstance(text, str):
                self.check_formula(text, f"{pointer}/formula")
            else:
                self.add("invalid_default", pointer, detail="the formula must be text")
            return
        if checker is None or references.is_empty(default):
            return
        try:
            checker(default)
        except ValueProblem as problem:
            detail = field_type.problem(problem.code, "", "en", **problem.params).message
            self.add("invalid_default", pointer, detail=detail)

    # conditions and formulas

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
        if found:
            return
        for ref, ref_pointer in references.condition_refs(tree, pointer):
            self.check_ref(ref, ref_pointer)

    def check_formula(self, text: str, pointer: str) -> frozenset[str] | None:
        """Report the formula's problems; return its field refs, or None when it is wrong."""
        found = expr.check_formula(text, pointer=pointer)
        for problem in found:
            self.add(
                "invalid_formula",
                problem.pointer or pointer,
                detail=problem.message,
                cause=problem.code,
            )
        if found:
            return None
        refs = references.formula_refs(text)
        for ref in sorted(refs):
            self.check_ref(ref, pointer)
        return refs

    def check_ref(self, ref: str, pointer: str) -> None:
        head, _, column = ref.partition(".")
        found = self.by_key.get(head)
        if found is None:
            self.add("condition_unknown_field", pointer, key=ref)
            return
        columns = references.column_keys(found[1])
        if column and columns is not None and column not in columns:
            self.add("condition_unknown_field", pointer, key=ref)

    def check_formula_cycles(self) -> None:
        graph = {
            key: sorted({ref.partition(".")[0] for ref in refs} & set(self.formulas))
            for key, (_, refs) in self.formulas.items()
        }
        for cycle in references.cycles(graph):
            first = min(cycle, key=lambda key: self.by_key[key][0])
            self.add("formula_cycle", self.formulas[first][0], cycle=" → ".join(cycle))

    # layout, title, public

    def check_layout(self) -> None:
        layout = self.doc.get("layout")
        if not isinstance(layout, list):
            return
        placed: set[str] = set()
        for key, pointer in references.layout_entries(layout):
            if key not in self.by_key:
                self.add("unknown_field_in_layout", pointer, key=key)
            elif key in placed:
                self.add("field_in_layout_twice", pointer, key=key)
            placed.add(key)
        for index, item in self.fields:
            key = item["key"]
            if key not in placed and not item.get("hidden") and self.by_key[key][0] == index:
                self.add("field_missing_from_layout", f"/fields/{index}", key=key)

    def check_title_field(self) -> None:
        title_field = self.doc.get("title_field")
        if isinstance(title_field, str) and title_field not in self.by_key:
            self.add("title_field_unknown", "/title_field", key=title_field)

    def check_public(self) -> None:
        public = self.doc.get("public")
        if not isinstance(public, Mapping):
            return
        listed = public.get("fields")
        for position, key in enumerate(listed if isinstance(listed, list) else ()):
            if isinstance(key, str) and key not in self.by_key:
                self.add("unknown_public_field", f"/public/fields/{position}", key=key)
        dedupe = public.get("dedupe")
        keys = dedupe.get("keys") if isinstance(dedupe, Mapping) else None
        for position, key in enumerate(keys if isinstance(keys, list) else ()):
            if isinstance(key, str) and key not in self.by_key:
                self.add("unknown_dedupe_field", f"/public/dedupe/keys/{position}", key=key)
        capture = public.get("capture")
        for param, key in capture.items() if isinstance(capture, Mapping) else ():
            if isinstance(key, str) and key not in self.by_key:
                pointer = json_pointer(["public", "capture", param])
                self.add("unknown_capture_field", pointer, param=param, key=key)


def iter_problem_codes() -> Iterator[str]:
    """The semantic problem codes `validate_form` may report (besides `schema_violation`)."""
    yield from MESSAGES
