"""update_fields: write values into the flow's record (validated like any other write). Shell."""

from __future__ import annotations

from typing import Any, ClassVar

from runtime.actions.base import ActionContext, ActionType, action_types
from runtime.records import service as records


@action_types.register
class UpdateFields(ActionType):
    key = "update_fields"
    label: ClassVar[dict[str, str]] = {"zh-CN": "更新字段", "en": "Update fields"}
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["fields"],
        "properties": {"fields": {"type": "object"}},
    }

    def run(self, ctx: ActionContext) -> dict[str, Any]:
        record = ctx.record
        if record is None or record.deleted_at is not None:
            return {"error": "record deleted"}
        fields = dict(ctx.params.get("fields") or {})
        records.update_record(
            ctx.db,
            record=record,
            raw=fields,
            expected_version=None,
            actor=None,
            now=ctx.now,
            via="flow",
        )
        return {"fields": fields, "record": dict(record.data)}
