"""Formula editor endpoints: the function list, a formula evaluated on sample data. Shell."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from builder import formula
from runtime.definitions import store
from runtime.http.deps import DB, AdminUser, SlugPath, now_utc, request_locale
from runtime.http.payload import require_text

router = APIRouter(prefix="/api", tags=["definitions"])


class EvaluateIn(BaseModel):
    """`fields` are the form's fields as the designer holds them (default: the stored form's);
    `field` is the formula field being edited; `sample` holds values by field key."""

    model_config = ConfigDict(extra="forbid")
    expression: str = Field(min_length=1, max_length=4000)
    sample: dict[str, Any] = Field(default_factory=dict)
    fields: list[dict[str, Any]] | None = Field(default=None, max_length=500)
    field: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    result: Literal["number", "money", "text", "date", "boolean"] = "number"
    decimals: int | None = Field(default=None, ge=0, le=10)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")


@router.get("/formula/functions")
def list_functions(_user: AdminUser) -> dict[str, Any]:
    """The functions a formula may call (runtime.expr's table), with syntax and descriptions."""
    return {"items": formula.functions()}


@router.post("/apps/{app}/forms/{key}/formula/evaluate")
def evaluate_formula(
    app: SlugPath, key: SlugPath, body: EvaluateIn, request: Request, db: DB, _user: AdminUser
) -> dict[str, Any]:
    """Evaluate a formula over sample values with the real interpreter; nothing is stored."""
    require_text(body.model_dump())
    store.load_app(db, app_key=app)
    fields = body.fields
    if fields is None:
        doc = store.current_doc(db, app_key=app, kind="forms", key=key) or {}
        fields = list(doc.get("fields") or [])
    config: dict[str, Any] = {"result": body.result}
    if body.decimals is not None:
        config["decimals"] = body.decimals
    if body.currency is not None:
        config["currency"] = body.currency
    return formula.evaluate_formula(
        body.expression,
        sample=body.sample,
        fields=fields,
        config=config,
        field=body.field,
        now=now_utc(),
        locale=request_locale(request),
    )
