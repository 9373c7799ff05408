"""create_record: a new record of another form, its fields mapped from this one. Shell.

`values` maps the new record's fields to templates over the flow's record: `{field}` is that
field's stored value, `{id}` the record's id; a template that is exactly one placeholder keeps
the value's type (a number stays a number). The new record is validated like any write, keeps a
relation to its source when the mapping names one (lead → opportunity: `"lead": "{id}"`), and
its timeline says a flow created it. One transaction with the step: done once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from runtime.actions.base import ActionContext, ActionType, action_types
from runtime.records import service as records

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
WHOLE = re.compile(r"^\{([a-z][a-z0-9_]*)\}$")


def mapped(template: Any, source: Mapping[str, Any]) -> Any:
    if not isinstance(template, str):
        return template
    whole = WHOLE.match(template)
    if whole:
        return source.get(whole[1])

    def value(match: re.Match[str]) -> str:
        found = source.get(match[1])
        return "" if found is None else str(found)

    return PLACEHOLDER.sub(value, template)


@action_types.register
class CreateRecord(ActionType):
    key = "create_record"
    label: ClassVar[dict[str, str]] = {"zh-CN": "新建记录", "en": "Create a record"}
    icon = "plus"
    group = "record"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["form", "values"],
        "properties": {
            "form": {"description": "A form of the same app.", "type": "string"},
            "values": {"description": "Field → template over this record.", "type": "object"},
        },
    }

    def run(self, ctx: ActionContext) -> dict[str, Any]:
        record = ctx.record
        if record is None or record.deleted_at is not None:
            return {"error": "record deleted"}
        source = {**record.data, "id": record.id}
        raw = {
            str(field): mapped(template, source)
            for field, template in (ctx.params.get("values") or {}).items()
        }
        raw = {field: value for field, value in raw.items() if value not in (None, "")}
        form = records.load_form(ctx.db, app_key=record.app_key, form_key=str(ctx.params["form"]))
        created = records.create_record(
            ctx.db, form=form, raw=raw, actor=None, now=ctx.now, via="flow"
        )
        return {"created": {"form": form.form_key, "id": created.id}}
