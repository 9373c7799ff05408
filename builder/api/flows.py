"""Flow simulation endpoint: run the current draft (or published) flow, store nothing. Shell."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from builder import publish as publishing
from builder import simulate as simulation
from runtime.definitions import store
from runtime.errors import InvalidDefinition, NotFound, Problem
from runtime.http.deps import DB, CurrentUser, SlugPath, now_utc
from runtime.http.payload import require_text
from runtime.org import service as org

router = APIRouter(prefix="/api/apps", tags=["definitions"])

# Problems of a stored draft the engine cannot start from at all (its shape is not a flow's: a
# draft is stored only when it fits the meta-schema, so these are duplicate ids); everything
# else runs, and an edge into nowhere stops the run where it is taken (builder/simulate.py).
_CANNOT_RUN = frozenset({"duplicate_node_id", "duplicate_edge_id"})


class SimulateIn(BaseModel):
    """`record` is the data the flow starts with; each event may carry `at` (ISO-8601)."""

    model_config = ConfigDict(extra="forbid")
    record: dict[str, Any] = Field(default_factory=dict)
    submitter: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]{1,64}$")
    events: list[dict[str, Any]] = Field(default_factory=list, max_length=simulation.MAX_EVENTS)
    at: str | None = Field(default=None, max_length=64)


@router.post("/{app}/flows/{key}/simulate")
def simulate_flow(
    app: SlugPath, key: SlugPath, body: SimulateIn, db: DB, user: CurrentUser
) -> dict[str, Any]:
    """Never commits: the directory is read, the engine runs in memory."""
    require_text(body.model_dump())
    store.load_app(db, app_key=app)
    doc = store.current_doc(db, app_key=app, kind="flows", key=key)
    if doc is None:
        raise NotFound("definition_not_found", f"No flows definition {key!r} in {app}.")
    problems: list[Problem] = []
    if store.get_draft(db, app_key=app, kind="flows", key=key) is not None:
        # A draft may be saved with problems (a half-built flow, decision 0011): it runs as far
        # as the engine can take it, and its problems come back beside the trace.
        problems = publishing.validate(db, app_key=app, kind="flows", key=key, doc=doc)
        shape = [p for p in problems if p.code in _CANNOT_RUN]
        if shape:
            message = "The draft cannot be run: " + "; ".join(p.message for p in shape)
            raise InvalidDefinition("draft_cannot_run", message, shape)
    now = simulation.parse_at(body.at, field="at") if body.at else now_utc()
    result = simulation.simulate(
        doc,
        record=body.record,
        submitter=body.submitter or user.username,
        events=body.events,
        now=now,
        directory=org.directory(db),
    )
    db.rollback()
    return {**result, "problems": [problem.to_json() for problem in problems]}
