"""The form designer's formula editor: the function list and a formula over sample data. Pure.

Evaluation runs the real thing: the formula becomes a formula field of a small form made of the
fields it reads (through other formula fields too), the sample is coerced by those fields' types
and computed by `runtime.forms.submit.check_values`, exactly as a record would be.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from builder.validate.forms import validate_form
from runtime import expr
from runtime.definitions import references
from runtime.errors import ExpressionError, FormworkError, InvalidInput, Problem
from runtime.fields.base import field_types
from runtime.forms.compile import compile_form
from runtime.forms.submit import check_values
from runtime.i18n import Messages, message

RESULTS = ("number", "money", "text", "date", "boolean")
KEPT_FIELD_KEYS = ("key", "type", "label", "config")
SAMPLE_KEY = "fw_formula_value"

MESSAGES: Messages = {
    "unknown_field": {
        "en": "The formula reads {key!r}, which is not a field of this form.",
        "zh-CN": "公式引用了本表单中不存在的字段 {key!r}。",
    },
    "bad_field": {
        "en": "The field {key!r} that the formula reads is not set up right: {detail}",
        "zh-CN": "公式引用的字段 {key!r} 配置有误：{detail}",
    },
}

# Syntax and one line per function; a test keeps this in step with runtime.expr.FUNCTIONS.
FUNCTION_HELP: dict[str, dict[str, str]] = {
    "IF": {
        "syntax": "IF(condition, then, else)",
        "zh-CN": "条件成立取第二个值，否则取第三个值",
        "en": "The second value when the condition holds, else the third",
    },
    "IFS": {
        "syntax": "IFS(condition1, value1, condition2, value2, …)",
        "zh-CN": "取第一个成立条件后面的值",
        "en": "The value after the first condition that holds",
    },
    "AND": {"syntax": "AND(a, b, …)", "zh-CN": "全部成立", "en": "True when all hold"},
    "OR": {"syntax": "OR(a, b, …)", "zh-CN": "任一成立", "en": "True when any holds"},
    "NOT": {"syntax": "NOT(a)", "zh-CN": "取反", "en": "The opposite"},
    "SUM": {
        "syntax": "SUM({items.amount})",
        "zh-CN": "求和（可用于明细表的列）",
        "en": "Total (also of a line-item column)",
    },
    "AVG": {"syntax": "AVG(a, b, …)", "zh-CN": "平均值", "en": "Average"},
    "MIN": {"syntax": "MIN(a, b, …)", "zh-CN": "最小值", "en": "Smallest"},
    "MAX": {"syntax": "MAX(a, b, …)", "zh-CN": "最大值", "en": "Largest"},
    "ROUND": {
        "syntax": "ROUND(number, digits)",
        "zh-CN": "四舍五入到指定小数位",
        "en": "Round to that many decimals",
    },
    "ABS": {"syntax": "ABS(number)", "zh-CN": "绝对值", "en": "Absolute value"},
    "CONCAT": {"syntax": "CONCAT(a, b, …)", "zh-CN": "连接文本", "en": "Join texts"},
    "LEFT": {"syntax": "LEFT(text, count)", "zh-CN": "左边几个字符", "en": "First characters"},
    "RIGHT": {"syntax": "RIGHT(text, count)", "zh-CN": "右边几个字符", "en": "Last characters"},
    "LEN": {"syntax": "LEN(text)", "zh-CN": "字符数", "en": "Number of characters"},
    "CONTAINS": {
        "syntax": "CONTAINS(text_or_list, part)",
        "zh-CN": "是否包含",
        "en": "Whether it contains the part",
    },
    "DATE": {"syntax": "DATE(year, month, day)", "zh-CN": "组成日期", "en": "Make a date"},
    "TODAY": {"syntax": "TODAY()", "zh-CN": "今天", "en": "Today"},
    "NOW": {"syntax": "NOW()", "zh-CN": "当前时间", "en": "The current time"},
    "DATEDIF": {
        "syntax": 'DATEDIF(start, end, "D")',
        "zh-CN": "两个日期相差的整年 Y、整月 M 或天数 D",
        "en": "Whole years Y, months M or days D between two dates",
    },
    "DATEADD": {
        "syntax": 'DATEADD(date, 30, "D")',
        "zh-CN": "日期加上年 Y、月 M、天 D、小时 h 或分钟 m",
        "en": "Add years Y, months M, days D, hours h or minutes m",
    },
    "WEEKDAY": {
        "syntax": "WEEKDAY(date)",
        "zh-CN": "星期几（1 = 周一 … 7 = 周日）",
        "en": "Day of the week (1 = Monday … 7 = Sunday)",
    },
    "ISBLANK": {"syntax": "ISBLANK(value)", "zh-CN": "是否为空", "en": "Whether it is empty"},
}


def functions() -> list[dict[str, Any]]:
    """Every allow-listed function with its arity, syntax and description (zh-CN and en)."""
    out = []
    for name, entry in expr.FUNCTIONS.items():
        help_text = FUNCTION_HELP.get(name, {})
        out.append(
            {
                "name": name,
                "min_args": entry.min_args,
                "max_args": entry.max_args,
                "syntax": help_text.get("syntax", f"{name}()"),
                "description": {
                    "zh-CN": help_text.get("zh-CN", ""),
                    "en": help_text.get("en", ""),
                },
            }
        )
    return out


def evaluate_formula(
    expression: str,
    *,
    sample: Mapping[str, Any],
    fields: Sequence[Any],
    config: Mapping[str, Any],
    field: str | None,
    now: datetime,
    locale: str,
) -> dict[str, Any]:
    """The formula's value over `sample` as a record of `fields` would compute it.

    `config` is the rest of the formula field's config (result, decimals, currency); `field` is
    the key of the formula field being edited (its stored formula is replaced by `expression`).
    Raises `InvalidInput` (422): `expression` for the formula's own problems, `sample.<key>`
    for a sample value its field refuses, `fields.<key>` for a field that cannot be used.
    """
    try:
        refs = _top_refs(expr.parse_formula(expression))
    except ExpressionError as error:
        raise _expression_problem(error) from None
    by_key = {
        item["key"]: item
        for item in fields
        if isinstance(item, Mapping) and isinstance(item.get("key"), str)
    }
    target = field if field is not None else _free_key(by_key)
    unknown = sorted(ref for ref in refs if ref not in by_key or ref == target)
    if unknown:
        problems = [
            Problem(
                "unknown_field",
                message(MESSAGES, "unknown_field", locale, key=key),
                field="expression",
            )
            for key in unknown
        ]
        raise InvalidInput("unknown_field", problems[0].message, problems)
    needed = _needed(refs, by_key, target)
    own = {"expression": expression, **{k: v for k, v in config.items() if k != "expression"}}
    doc_fields = [_plain(by_key[key]) for key in by_key if key in needed]
    doc_fields.append({"key": target, "type": "formula", "label": {"en": target}, "config": own})
    doc = {"format": 1, "key": "formula_sample", "title": {"en": "sample"}, "fields": doc_fields}
    _raise_field_problems(doc, target, locale)
    try:
        compiled = compile_form(doc)
    except FormworkError as error:
        raise _expression_problem(error) from None
    raw = {
        key: value
        for key, value in sample.items()
        if key in needed and compiled.fields[key].check is not None
    }
    data, problems = check_values(compiled, raw, existing=None, locale=locale, now=now, system=True)
    if problems:
        raise InvalidInput(
            problems[0].code, problems[0].message, _sample_problems(problems, target)
        )
    value = data[target]
    formula = field_types.load("formula")
    return {
        "value": value,
        "text": formula.format(value, own, locale),
        "refs": sorted(refs),
        "sample": {key: data[key] for key in data if key in needed},
    }


def _top_refs(node: expr.Node) -> frozenset[str]:
    """Field keys a formula reads (`{items.amount}` reads `items`)."""
    return frozenset(ref.split(".", 1)[0] for ref in expr.field_refs(node))


def _needed(refs: frozenset[str], by_key: Mapping[str, Any], target: str) -> set[str]:
    """The fields read, and those their own formulas read, transitively."""
    needed: set[str] = set()
    stack = list(refs)
    while stack:
        key = stack.pop()
        if key in needed or key == target or key not in by_key:
            continue
        needed.add(key)
        item = by_key[key]
        field_type = (
            field_types.get(item.get("type")) if isinstance(item.get("type"), str) else None
        )
        config = item.get("config")
        if field_type is None or not isinstance(config, Mapping):
            continue
        text = references.formula_text(field_type, config)
        if text is not None:
            stack.extend(ref.split(".", 1)[0] for ref in references.formula_refs(text))
    return needed


def _plain(item: Mapping[str, Any]) -> dict[str, Any]:
    """A field with only what computing needs (no required, defaults, conditions)."""
    out = {name: item[name] for name in KEPT_FIELD_KEYS if name in item}
    out.setdefault("label", {"en": str(item.get("key"))})
    return out


def _free_key(by_key: Mapping[str, Any]) -> str:
    key = SAMPLE_KEY
    while key in by_key:
        key += "_x"
    return key


def _raise_field_problems(doc: Mapping[str, Any], target: str, locale: str) -> None:
    found = validate_form(doc, locale=locale)
    if not found:
        return
    keys = [item["key"] for item in doc["fields"]]
    problems = []
    for problem in found:
        key = _pointer_key(problem.pointer or "", keys)
        if key == target or key is None:
            problems.append(Problem(problem.code, problem.message, field="expression"))
        else:
            text = message(MESSAGES, "bad_field", locale, key=key, detail=problem.message)
            problems.append(Problem("bad_field", text, field=f"fields.{key}"))
    raise InvalidInput(problems[0].code, problems[0].message, problems)


def _pointer_key(pointer: str, keys: Sequence[str]) -> str | None:
    parts = pointer.split("/")
    if len(parts) > 2 and parts[1] == "fields" and parts[2].isdigit() and int(parts[2]) < len(keys):
        return keys[int(parts[2])]
    return None


def _sample_problems(problems: Sequence[Problem], target: str) -> list[Problem]:
    out = []
    for problem in problems:
        if problem.field == target:
            out.append(Problem(problem.code, problem.message, field="expression"))
        else:
            out.append(Problem(problem.code, problem.message, field=f"sample.{problem.field}"))
    return out


def _expression_problem(error: FormworkError) -> InvalidInput:
    problems = [Problem(p.code, p.message, field="expression") for p in error.to_problems()]
    return InvalidInput(error.code, error.message, problems)
