"""update_fields: write values into the flow's record, or the records it links to. Shell.

Values are validated like any other write. A value that is one `{field}` placeholder takes that
field of the flow's record with its type (`{now}`: the moment the action runs); other text fills
its placeholders; anything else is written as given. With `target` (a relation field of the
flow's record) the values go to the linked record(s) instead — a follow-up stamps its lead's
`last_activity_at`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from runtime.actions.base import ActionContext, ActionType, action_types
from runtime.actions.shared import fill_typed
from runtime.errors import FormworkError
from runtime.records import service as records
from runtime.records.models import Record


@action_types.register
class UpdateFields(ActionType):
    key = "update_fields"
    label: ClassVar[dict[str, str]] = {"zh-CN": "更新字段", "en": "Update fields"}
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["fields"],
        "additionalProperties": False,
        "properties": {
            "fields": {"description": "Field → value or template.", "type": "object"},
            "target": {
                "description": "A relation field: update the record(s) it links to instead.",
                "type": "string",
                "minLength": 1,
            },
        },
    }

    def run(self, ctx: ActionContext) -> dict[str, Any]:
        record = ctx.record
        if record is None or record.deleted_at is not None:
            return {"error": "record deleted"}
        source = {"now": ctx.now.isoformat(), **record.data, "id": record.id}
        fields = {
            str(key): fill_typed(value, source)
            for key, value in (ctx.params.get("fields") or {}).items()
        }
        target = ctx.params.get("target")
        # The flow's own record as a person's form would write it; linked ones as the system.
        linked = _linked(ctx, record, str(target)) if target else [record]
        for row in linked:
            records.update_record(
                ctx.db,
                record=row,
                raw=fields,
                expected_version=None,
                actor=None,
                now=ctx.now,
                via="flow",
                system=bool(target),
            )
        if not target:
            return {"fields": fields, "record": dict(record.data)}
        updated = [{"form": row.form_key, "id": row.id} for row in linked]
        return {"fields": fields, "target": target, "updated": updated}


def _linked(ctx: ActionContext, record: Record, field_key: str) -> list[Record]:
    """The live records the relation field `field_key` of `record` links to."""
    form = records.load_form(ctx.db, app_key=record.app_key, form_key=record.form_key)
    field = next((f for f in form.doc.get("fields", []) if f["key"] == field_key), None)
    if field is None or field.get("type") != "relation":
        raise FormworkError("invalid_target", f"{field_key!r} is not a relation field.")
    value = record.data.get(field_key)
    ids = value if isinstance(value, list) else [] if value is None else [value]
    form_key = str((field.get("config") or {}).get("form"))
    found = []
    for record_id in ids:
        try:
            linked = records.load_record(
                ctx.db, app_key=record.app_key, form_key=form_key, record_id=int(record_id)
            )
        except FormworkError:
            continue  # deleted since: nothing to stamp
        found.append(linked)
    return found
