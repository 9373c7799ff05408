"""Compile a form definition once into what every submission needs. Pure."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from threading import Lock
from typing import Any

import runtime.fields  # noqa: F401 - registers every field type
from runtime import expr
from runtime.definitions import references
from runtime.definitions.model import FieldDef, FormDef
from runtime.errors import FormworkError, InvalidDefinition, Problem
from runtime.fields.base import Checker, FieldType, ValueProblem, field_types
from runtime.fields.line_items import LineItems, RowComputer
from runtime.i18n import LOCALES, text

Predicate = Callable[[Mapping[str, Any], datetime], Any]
Evaluator = Callable[[Mapping[str, Any], datetime], Any]

CACHE_SIZE = 256
SERIAL_TYPE = "serial"


@dataclass(frozen=True, slots=True)
class CompiledField:
    """One field, ready for `check_values`."""

    key: str
    field_type: FieldType
    config: Mapping[str, Any]
    check: Checker | None  # None for computed fields: they never take input
    is_computed: bool
    is_locked: bool  # computed or readonly: never written from input
    required: bool
    hidden: bool
    visible_when: Predicate | None
    required_when: Predicate | None
    readonly_when: Predicate | None
    has_default: bool
    default: Any  # canonical value (static default)
    default_formula: Evaluator | None  # {"formula": ...} default, evaluated with `now`
    formula_refs: frozenset[str]  # formula fields only: the refs of their formula
    compute_rows: RowComputer | None  # line items with row formulas: (rows, now) → rows
    # `required_message` by locale (each locale filled, falling back to the other); None: the
    # standard text. Resolved here so the required check only reads it when a value is missing.
    required_text: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class CompiledForm:
    """A form definition compiled for fast submissions (see `runtime.forms.submit`)."""

    key: str
    digest: str  # sha256 of the definition's JSON (sorted keys)
    definition: FormDef
    contract: dict[str, Any]  # JSON Schema 2020-12 of `records.data`
    fields: Mapping[str, CompiledField]  # definition order
    empty_record: Mapping[str, None]  # every key → None
    required_checks: tuple[CompiledField, ...]  # fields with `required` or `required_when`
    readonly_checks: tuple[CompiledField, ...]  # writable fields with `readonly_when`
    defaults: tuple[CompiledField, ...]  # fields with a default
    computed_order: tuple[CompiledField, ...]  # formula fields, dependencies first
    row_formula_fields: tuple[CompiledField, ...]  # fields with `compute_rows`

    def field(self, key: str) -> CompiledField | None:
        return self.fields.get(key)


_cache: OrderedDict[tuple[str, tuple[int, ...]], CompiledForm] = OrderedDict()
_cache_lock = Lock()


def definition_digest(doc: Mapping[str, Any]) -> str:
    """Content hash of a definition (independent of key order and whitespace)."""
    text = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def compile_form(doc: Mapping[str, Any]) -> CompiledForm:
    """Compile a valid form definition (validate it first); cached by content, bounded (LRU).

    Raises `InvalidDefinition` for what cannot be compiled (unknown type, bad config or
    default, formula cycle).
    """
    digest = definition_digest(doc)
    # Tests swap field types in and out of the registry: a compiled form follows it.
    cache_key = (digest, tuple(id(entry) for entry in field_types))
    with _cache_lock:
        found = _cache.get(cache_key)
        if found is not None:
            _cache.move_to_end(cache_key)
            return found
    compiled = _compile(doc, digest)
    with _cache_lock:
        _cache[cache_key] = compiled
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled


def clear_cache() -> None:
    """Forget every compiled form."""
    with _cache_lock:
        _cache.clear()


def _compile(doc: Mapping[str, Any], digest: str) -> CompiledForm:
    definition = FormDef.from_json(doc)
    raw_fields = doc.get("fields") or []
    fields = {
        item.key: _compile_field(item, _required_text(raw_fields[item.index]))
        for item in definition.fields
    }
    writable_conditions = tuple(
        item for item in fields.values() if item.readonly_when is not None and not item.is_locked
    )
    return CompiledForm(
        key=definition.key,
        digest=digest,
        definition=definition,
        contract=_contract(definition, fields),
        fields=fields,
        empty_record=dict.fromkeys(fields),
        required_checks=tuple(
            item
            for item in fields.values()
            if not item.is_computed and (item.required or item.required_when is not None)
        ),
        readonly_checks=writable_conditions,
        defaults=tuple(item for item in fields.values() if item.has_default),
        computed_order=_computed_order(definition, fields),
        row_formula_fields=tuple(item for item in fields.values() if item.compute_rows is not None),
    )


def _required_text(raw: Any) -> Mapping[str, str] | None:
    """A field's `required_message` with every locale filled in, or None when it has none."""
    given = raw.get("required_message") if isinstance(raw, Mapping) else None
    if not isinstance(given, Mapping) or not any(isinstance(v, str) and v for v in given.values()):
        return None
    return {locale: text(given, locale) for locale in LOCALES}


def _compile_field(item: FieldDef, required_text: Mapping[str, str] | None = None) -> CompiledField:
    field_type = field_types.load(item.type, pointer=f"{item.pointer}/type")
    config = item.config
    check = None if field_type.is_computed else _compile_checker(field_type, item)
    formula = references.formula_text(field_type, config)
    default, default_formula = _compile_default(item, check)
    return CompiledField(
        key=item.key,
        field_type=field_type,
        config=config,
        check=check,
        is_computed=field_type.is_computed,
        is_locked=field_type.is_computed or item.readonly,
        required=item.required,
        hidden=item.hidden,
        visible_when=_condition(item.visible_when, f"{item.pointer}/visible_when"),
        required_when=_condition(item.required_when, f"{item.pointer}/required_when"),
        readonly_when=_condition(item.readonly_when, f"{item.pointer}/readonly_when"),
        has_default=item.has_default and (default is not None or default_formula is not None),
        default=default,
        default_formula=default_formula,
        formula_refs=references.formula_refs(formula) if formula is not None else frozenset(),
        compute_rows=field_type.row_computer(config) if isinstance(field_type, LineItems) else None,
        required_text=required_text,
    )


def _compile_checker(field_type: FieldType, item: FieldDef) -> Checker:
    try:
        return field_type.compile(item.config)
    except FormworkError as error:  # InvalidDefinition, or ExpressionError of a formula
        problems = [
            Problem(p.code, p.message, pointer=item.pointer + (p.pointer or "/config"))
            for p in error.to_problems()
        ]
        raise InvalidDefinition("invalid_field_config", error.message, problems) from error


def _compile_default(item: FieldDef, check: Checker | None) -> tuple[Any, Evaluator | None]:
    if not item.has_default or check is None or references.is_empty(item.default):
        return None, None
    default = item.default
    pointer = f"{item.pointer}/default"
    if isinstance(default, Mapping) and set(default) == {"formula"}:
        evaluate: Evaluator = expr.compile(expr.parse_formula(str(default["formula"])))
        return None, evaluate
    try:
        return check(default), None
    except ValueProblem as problem:
        message = f"the default of {item.key!r} does not fit the field ({problem.code})"
        raise InvalidDefinition(
            "invalid_default", message, [Problem("invalid_default", message, pointer=pointer)]
        ) from None


def _condition(tree: Mapping[str, Any] | None, pointer: str) -> Predicate | None:
    if tree is None:
        return None
    try:
        return expr.compile(expr.compile_condition(tree))
    except InvalidDefinition:
        raise
    except FormworkError as error:  # ExpressionError: the condition does not compile
        message = f"invalid condition: {error}"
        raise InvalidDefinition(
            "invalid_condition", message, [Problem("invalid_condition", message, pointer=pointer)]
        ) from error


def _computed_order(
    definition: FormDef, fields: Mapping[str, CompiledField]
) -> tuple[CompiledField, ...]:
    formulas = {
        key: item
        for key, item in fields.items()
        if item.is_computed and item.field_type.key != SERIAL_TYPE
    }
    graph = {
        key: sorted({ref.partition(".")[0] for ref in item.formula_refs} & set(formulas))
        for key, item in formulas.items()
    }
    try:
        order = references.topological_order(graph)
    except ValueError as error:
        cycle = references.cycles(graph)[0]
        pointer = f"{definition.field(cycle[0]).pointer}/config/{references.FORMULA_CONFIG_KEY}"
        message = f"formula cycle: {' → '.join(cycle)}"
        raise InvalidDefinition(
            "formula_cycle", message, [Problem("formula_cycle", message, pointer=pointer)]
        ) from error
    return tuple(formulas[key] for key in order)


def _contract(definition: FormDef, fields: Mapping[str, CompiledField]) -> dict[str, Any]:
    properties = {
        key: {"anyOf": [item.field_type.value_schema(item.config), {"type": "null"}]}
        for key, item in fields.items()
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"records.data of form {definition.key}",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }


def to_input(value: Any) -> Any:
    """A Python value (from a formula) as JSON input a field checker accepts."""
    if isinstance(value, datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value
