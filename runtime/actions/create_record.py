"""create_record: a new record of another form, its fields mapped from this one. Shell.

`values` maps the new record's fields to templates over the flow's record: `{field}` is that
field's stored value, `{id}` the record's id; a template that is exactly one placeholder keeps
the value's type (a number stays a number); lists and objects are filled inside (line items from
a template: `"items": [{"product": "{name}", "quantity": 1, "unit_price": "{amount}"}]`). The
new record is validated like any write, keeps a relation to its source when the mapping names
one (lead → opportunity: `"lead": "{id}"`), and its timeline says a flow created it. One
transaction with the step: done once.
"""

from __future__ import annotations

from typing import Any, ClassVar

from runtime.actions.base import ActionContext, ActionType, action_types
from runtime.actions.shared import fill_typed
from runtime.records import service as records


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
            str(field): _fill_deep(template, source)
            for field, template in (ctx.params.get("values") or {}).items()
        }
        raw = {field: value for field, value in raw.items() if value not in (None, "")}
        form = records.load_form(ctx.db, app_key=record.app_key, form_key=str(ctx.params["form"]))
        created = records.create_record(
            ctx.db, form=form, raw=raw, actor=None, now=ctx.now, via="flow"
        )
        return {"created": {"form": form.form_key, "id": created.id}}


def _fill_deep(template: Any, source: dict[str, Any]) -> Any:
    """`fill_typed` over a template, into its lists and objects."""
    if isinstance(template, list):
        return [_fill_deep(item, source) for item in template]
    if isinstance(template, dict):
        return {str(key): _fill_deep(value, source) for key, value in template.items()}
    return fill_typed(template, source)
