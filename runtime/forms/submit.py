"""Check submitted values against a compiled form: coerce, validate, apply defaults, compute.

Pure: `now` and the existing record come in as arguments.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from runtime.errors import ExpressionError, Problem
from runtime.fields.base import COMMON_MESSAGES, ValueProblem
from runtime.forms.compile import CompiledField, CompiledForm, to_input
from runtime.i18n import DEFAULT_LOCALE, Messages, message

SUBMIT_MESSAGES: Messages = {
    **COMMON_MESSAGES,
    "formula_error": {
        "en": "This value could not be calculated: {detail}",
        "zh-CN": "无法计算此值：{detail}",
    },
}


def check_values(
    form: CompiledForm,
    raw: Mapping[str, Any],
    *,
    existing: Mapping[str, Any] | None,
    locale: str,
    now: datetime,
    writable: Collection[str] | None = None,
    partial: bool = False,
    system: bool = False,
) -> tuple[dict[str, Any], list[Problem]]:
    """Return the full canonical record data (existing merged with `raw`) and every problem.

    At most one problem per field. Unknown, computed, read-only and non-`writable` keys of
    `raw` are reported and never written. `partial` (PATCH) checks `required` only for the
    keys in `raw`. Serial fields keep their existing value: the shell fills them on insert.
    `system` writes (automations) may set read-only fields — a score the rules keep — but never
    computed ones.
    """
    fields = form.fields
    problems: dict[str, Problem] = {}
    data = dict(form.empty_record)
    if existing is not None:
        for key, value in existing.items():
            if key in fields:
                data[key] = value
    allowed = None
    if writable is not None:
        allowed = writable if isinstance(writable, set | frozenset) else frozenset(writable)

    given: dict[str, Any] = {}
    for key, value in raw.items():
        spec = fields.get(key)
        if spec is None:
            problems[key] = _common_problem("unknown_field", key, locale)
            continue
        locked = spec.is_computed if system else spec.is_locked
        if locked or (allowed is not None and key not in allowed):
            problems[key] = _problem(spec, "read_only", locale)
            continue
        given[key] = _checked(spec, value, locale, problems)
    data.update(given)

    if existing is None:
        _apply_defaults(form, given, data, now, locale, problems)
    if form.row_formula_fields:  # new values only: stored rows keep their computed cells
        _compute_rows(form, data, None if existing is None else given, now, locale, problems)
    if form.computed_order:
        _compute(form, data, now, locale, problems)
    if form.readonly_checks:
        reverted = _revert_readonly(form, given, existing, data, now, locale, problems)
        if reverted:
            if existing is None and form.row_formula_fields:  # reverted to the default
                _compute_rows(form, data, reverted, now, locale, {})
            _compute(form, data, now, locale, problems)
    if form.required_checks:
        _check_required(form, raw if partial else None, data, now, locale, problems)
    return data, list(problems.values())


def _checked(spec: CompiledField, value: Any, locale: str, problems: dict[str, Problem]) -> Any:
    """The canonical value of one input (None when empty or wrong; wrong adds a problem)."""
    if value is None:
        return None
    kind = type(value)
    if kind is str:
        if not value or value.isspace():
            return None
    elif (kind is list or kind is dict) and not value:
        return None
    check = spec.check
    if check is None:  # computed fields are locked, so this is unreachable
        return None
    try:
        return check(value)
    except ValueProblem as error:
        problems[spec.key] = _problem(spec, error.code, locale, **error.params)
        return None


def _apply_defaults(
    form: CompiledForm,
    given: Mapping[str, Any],
    data: dict[str, Any],
    now: datetime,
    locale: str,
    problems: dict[str, Problem],
) -> None:
    for spec in form.defaults:
        if spec.key not in given:  # absent, or rejected (unknown/read-only): never written
            data[spec.key] = _default_value(spec, data, now, locale, problems)


def _default_value(
    spec: CompiledField,
    data: Mapping[str, Any],
    now: datetime,
    locale: str,
    problems: dict[str, Problem],
) -> Any:
    if spec.default_formula is None:
        return spec.default
    try:
        value = to_input(spec.default_formula(data, now))
    except ExpressionError as error:
        problems[spec.key] = _problem(spec, "formula_error", locale, detail=error.message)
        return None
    return _checked(spec, value, locale, problems)


def _compute_rows(
    form: CompiledForm,
    data: dict[str, Any],
    only: Collection[str] | None,
    now: datetime,
    locale: str,
    problems: dict[str, Problem],
) -> None:
    """Run the row formulas of the line-items values in `only` (None: all) at `now`."""
    for spec in form.row_formula_fields:
        rows = data[spec.key]
        if rows is None or spec.compute_rows is None or (only is not None and spec.key not in only):
            continue
        try:
            data[spec.key] = spec.compute_rows(rows, now)
        except ValueProblem as error:
            data[spec.key] = None
            problems[spec.key] = _problem(spec, error.code, locale, **error.params)


def _compute(
    form: CompiledForm,
    data: dict[str, Any],
    now: datetime,
    locale: str,
    problems: dict[str, Problem],
) -> None:
    for spec in form.computed_order:
        try:
            data[spec.key] = spec.field_type.compute(spec.config, data, now=now)
        except ExpressionError as error:
            data[spec.key] = None
            problems[spec.key] = _problem(spec, "formula_error", locale, detail=error.message)
        except ValueProblem as error:
            data[spec.key] = None
            problems[spec.key] = _problem(spec, error.code, locale, **error.params)
        else:
            earlier = problems.get(spec.key)
            if earlier is not None and earlier.code == "formula_error":
                del problems[spec.key]  # the second pass (after a revert) succeeded


def _revert_readonly(
    form: CompiledForm,
    given: Mapping[str, Any],
    existing: Mapping[str, Any] | None,
    data: dict[str, Any],
    now: datetime,
    locale: str,
    problems: dict[str, Problem],
) -> set[str]:
    """Undo inputs to fields whose `readonly_when` holds on the merged data; their keys."""
    reverted: set[str] = set()
    for spec in form.readonly_checks:
        key = spec.key
        if key in given and spec.readonly_when is not None and spec.readonly_when(data, now):
            problems[key] = _problem(spec, "read_only", locale)
            if existing is not None:
                data[key] = existing.get(key)
            elif spec.has_default:
                data[key] = _default_value(spec, data, now, locale, {})
            else:
                data[key] = None
            reverted.add(key)
    return reverted


def _check_required(
    form: CompiledForm,
    only: Mapping[str, Any] | None,
    data: Mapping[str, Any],
    now: datetime,
    locale: str,
    problems: dict[str, Problem],
) -> None:
    for spec in form.required_checks:
        key = spec.key
        if key in problems or (only is not None and key not in only):
            continue
        value = data[key]
        if value is not None and value != "" and value != [] and value != {}:
            continue
        if not spec.required and not (
            spec.required_when is not None and spec.required_when(data, now)
        ):
            continue
        if spec.visible_when is not None and not spec.visible_when(data, now):
            continue  # hidden by a condition: never required
        custom = spec.required_text
        problems[key] = (
            _problem(spec, "required", locale)
            if custom is None
            else Problem("required", custom.get(locale) or custom[DEFAULT_LOCALE], field=key)
        )


def _problem(spec: CompiledField, code: str, locale: str, **params: object) -> Problem:
    field_type = spec.field_type
    if code in field_type.messages or code in COMMON_MESSAGES:
        return field_type.problem(code, spec.key, locale, **params)
    return _common_problem(code, spec.key, locale, **params)


def _common_problem(code: str, key: str, locale: str, **params: object) -> Problem:
    return Problem(code, message(SUBMIT_MESSAGES, code, locale, **params), field=key, params=params)
