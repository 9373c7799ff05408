"""return_to_pool and start_flow: two small record actions. Shell.

`return_to_pool` empties the owner field (公海池: the record waits for anyone to claim it or for
the routing to give it out again) and may set a status; `start_flow` starts another published
flow of the app on this record without waiting for it (a subflow waits).
"""

from __future__ import annotations

from typing import Any, ClassVar

from runtime.actions.base import ActionContext, ActionType, action_types
from runtime.automation import sequences
from runtime.flows import service as flows
from runtime.org.models import User
from runtime.records import service as records


@action_types.register
class ReturnToPool(ActionType):
    key = "return_to_pool"
    label: ClassVar[dict[str, str]] = {"zh-CN": "退回公海池", "en": "Return to the pool"}
    icon = "inbox"
    group = "assignment"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "field": {"type": "string", "default": "owner"},
            "status": {"description": "Also set the status field to this value."},
        },
    }

    def run(self, ctx: ActionContext) -> dict[str, Any]:
        record = ctx.record
        if record is None or record.deleted_at is not None:
            return {"error": "record deleted"}
        field = str(ctx.params.get("field") or "owner")
        changes: dict[str, Any] = {field: None}
        if ctx.params.get("status") is not None:
            changes["status"] = ctx.params["status"]
        before = record.data.get(field)
        records.update_record(
            ctx.db,
            record=record,
            raw=changes,
            expected_version=None,
            actor=None,
            now=ctx.now,
            via="flow",
            system=True,
        )
        return {"released": before, "record": dict(record.data)}


@action_types.register
class StartFlow(ActionType):
    key = "start_flow"
    label: ClassVar[dict[str, str]] = {"zh-CN": "启动流程", "en": "Start a flow"}
    icon = "play"
    group = "flow"
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["flow"],
        "properties": {"flow": {"type": "string"}},
    }

    def run(self, ctx: ActionContext) -> dict[str, Any]:
        record = ctx.record
        if record is None or record.deleted_at is not None:
            return {"error": "record deleted"}
        key = str(ctx.params.get("flow", ""))
        definition = flows.published_flow(ctx.db, app_key=record.app_key, key=key)
        if definition is None or definition.doc.get("form") != record.form_key:
            return {"error": f"no published flow {key!r} for {record.form_key!r}"}
        submitter_id = ctx.instance.submitter_id
        submitter = ctx.db.get(User, submitter_id) if submitter_id is not None else None
        started, verdict = sequences.start(
            ctx.db, definition=definition, record=record, actor=submitter, now=ctx.now
        )
        if started is None:  # a sequence the record may not enter (again) now
            return {"skipped": {"flow": key, **(verdict.to_json() if verdict else {})}}
        return {"started": {"flow": key, "instance": started.id, "status": started.status}}
