"""Every shipped definition validates and is byte-canonical (STYLE §7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from builder.validate.forms import validate_form
from runtime.definitions import canonical
from runtime.definitions.model import FormDef
from runtime.forms.compile import compile_form

ROOT = Path(__file__).resolve().parents[1]
FORMS = sorted(
    path
    for path in (ROOT / "form_schemas").glob("*/*.json")
    if path.parent.name != "_meta" and path.name != "app.json"
)
APPS = sorted((ROOT / "form_schemas").glob("*/app.json"))


def ids(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def load(path: Path) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def known_forms(app: str) -> set[str]:
    return {str(load(path)["key"]) for path in FORMS if path.parent.name == app}


def test_the_shipped_apps_are_there() -> None:
    assert {path.parent.name for path in APPS} == {"crm", "expense"}
    assert known_forms("crm") == {
        "lead",
        "account",
        "contact",
        "opportunity",
        "quote",
        "contract",
        "payment",
        "followup",
    }


@pytest.mark.parametrize("path", FORMS, ids=ids)
def test_shipped_form_validates(path: Path) -> None:
    doc = load(path)
    assert doc["key"] == path.stem
    assert validate_form(doc, known_forms=known_forms(path.parent.name)) == []
    compile_form(doc)
    assert FormDef.from_json(doc).fields_in_layout_order()


@pytest.mark.parametrize("path", FORMS + APPS, ids=ids)
def test_shipped_definition_is_canonical(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    kind = "app" if path.name == "app.json" else "form"
    assert canonical.dumps(kind, json.loads(text)) == text


@pytest.mark.parametrize("path", APPS, ids=ids)
def test_app_manifest(path: Path) -> None:
    doc = load(path)
    assert doc["format"] == 1
    assert doc["key"] == path.parent.name
    assert set(doc["title"]) == {"zh-CN", "en"}  # type: ignore[arg-type]


DESIGN_KEYS = {
    "lead": "name company title phone email city source industry company_size tags status score "
    "owner last_activity_at",
    "opportunity": "name account lead amount stage owner expected_close_date contract_amount "
    "sign_date",
    "quote": "opportunity items subtotal discount total status",
    "contract": "opportunity account amount start_date end_date sign_date status",
}


@pytest.mark.parametrize("form", sorted(DESIGN_KEYS))
def test_crm_field_keys_of_the_public_contract(form: str) -> None:
    doc = FormDef.from_json(load(ROOT / "form_schemas" / "crm" / f"{form}.json"))
    assert set(DESIGN_KEYS[form].split()) <= set(doc.field_keys())
