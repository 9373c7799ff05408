"""Flow simulation endpoint: run the current draft (or published) flow, store nothing. Shell."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from builder import simulate as simulation
from runtime.definitions import store
from runtime.errors import NotFound
from runtime.http.deps import DB, CurrentUser, SlugPath, now_utc
from runtime.http.payload import require_text
from runtime.org import service as org

router = APIRouter(prefix="/api/apps", tags=["definitions"])


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
    return result
