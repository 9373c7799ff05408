"""A small form definition shared by the compile and submit tests."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

NOW = datetime(2026, 11, 22, 8, 30, tzinfo=UTC)


def text(zh: str, en: str) -> dict[str, str]:
    return {"zh-CN": zh, "en": en}


def options(*values: str) -> dict[str, Any]:
    return {"options": [{"value": value} for value in values]}


DEAL: dict[str, Any] = {
    "format": 1,
    "key": "deal",
    "title": text("交易", "Deal"),
    "fields": [
        {
            "key": "number",
            "type": "serial",
            "label": text("编号", "No."),
            "config": {"pattern": "D-{0000}"},
        },
        {"key": "name", "type": "text", "label": text("名称", "Name"), "required": True},
        {
            "key": "phone",
            "type": "phone",
            "label": text("手机", "Mobile"),
            "required_when": {"field": "email", "op": "is_empty"},
        },
        {"key": "email", "type": "email", "label": text("邮箱", "Email")},
        {
            "key": "stage",
            "type": "select",
            "label": text("阶段", "Stage"),
            "default": "new",
            "config": options("new", "won", "lost"),
        },
        {
            "key": "reason",
            "type": "text",
            "label": text("原因", "Reason"),
            "visible_when": {"field": "stage", "op": "eq", "value": "lost"},
            "required_when": {"field": "stage", "op": "eq", "value": "lost"},
        },
        {
            "key": "amount",
            "type": "money",
            "label": text("金额", "Amount"),
            "readonly_when": {"field": "stage", "op": "eq", "value": "won"},
        },
        {"key": "score", "type": "number", "label": text("评分", "Score"), "readonly": True},
        {
            "key": "total",
            "type": "formula",
            "label": text("总额", "Total"),
            "config": {"expression": "ROUND({subtotal}*{discount},2)", "result": "money"},
        },
        {
            "key": "items",
            "type": "line_items",
            "label": text("明细", "Items"),
            "config": {
                "columns": [
                    {"key": "product", "type": "text"},
                    {"key": "quantity", "type": "number"},
                    {"key": "unit_price", "type": "money"},
                    {"key": "amount", "type": "money"},
                ],
                "row_formulas": {"amount": "{quantity}*{unit_price}"},
            },
        },
        {
            "key": "subtotal",
            "type": "formula",
            "label": text("小计", "Subtotal"),
            "config": {"expression": "SUM({items.amount})", "result": "money"},
        },
        {
            "key": "discount",
            "type": "number",
            "label": text("折扣", "Discount"),
            "default": "1",
            "config": {"min": "0.01", "max": 1, "decimals": 2},
        },
        {
            "key": "per_unit",
            "type": "formula",
            "label": text("单价", "Per unit"),
            "config": {"expression": 'IF(ISBLANK({units}),"",{amount}/{units})', "result": "money"},
        },
        {"key": "units", "type": "number", "label": text("数量", "Units")},
        {
            "key": "opened_on",
            "type": "date",
            "label": text("日期", "Opened"),
            "default": {"formula": "TODAY()"},
        },
        {
            "key": "tags",
            "type": "multiselect",
            "label": text("标签", "Tags"),
            "config": options("a", "b"),
        },
    ],
}


def deal() -> dict[str, Any]:
    return copy.deepcopy(DEAL)
