"""runtime/definitions/canonical.py: meta-schema key order, byte-identical round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime.definitions import canonical

ROOT = Path(__file__).resolve().parents[3]
SHIPPED = sorted(
    path for path in (ROOT / "form_schemas").glob("*/*.json") if path.parent.name != "_meta"
)


def kind_of(path: Path) -> str:
    return "app" if path.name == "app.json" else "form"


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_export_import_export_is_byte_identical(path: Path) -> None:
    original = path.read_text(encoding="utf-8")
    exported = canonical.dumps(kind_of(path), json.loads(original))
    assert exported == original
    assert canonical.dumps(kind_of(path), json.loads(exported)) == exported


def test_keys_follow_the_meta_schema_then_unknown_keys_sorted() -> None:
    doc = {
        "zz": 1,
        "fields": [
            {
                "config": {"allow_other": True, "options": [{"label": {"en": "A"}, "value": "a"}]},
                "label": {"en": "City", "zh-CN": "城市"},
                "type": "select",
                "key": "city",
                "visible_when": {"value": "x", "op": "eq", "field": "name"},
            }
        ],
        "title": {"en": "T", "zh-CN": "表"},
        "key": "t",
        "format": 1,
        "aa": 2,
    }
    text = canonical.dumps("form", doc)
    assert text.endswith("}\n")
    assert list(json.loads(text)) == ["format", "key", "title", "fields", "aa", "zz"]
    field = json.loads(text)["fields"][0]
    assert list(field) == ["key", "type", "label", "config", "visible_when"]
    assert list(field["label"]) == ["zh-CN", "en"]
    assert list(field["config"]) == ["options", "allow_other"]  # the select type's schema order
    assert list(field["config"]["options"][0]) == ["value", "label"]
    assert list(field["visible_when"]) == ["field", "op", "value"]


def test_layout_items_follow_section_and_tabs_order() -> None:
    doc = {
        "format": 1,
        "key": "t",
        "title": {"en": "T"},
        "fields": [],
        "layout": [
            {"items": ["a"], "title": {"en": "S"}, "columns": 2, "type": "section"},
            {
                "tabs": [{"items": [{"items": ["b"], "type": "section"}], "title": {"en": "X"}}],
                "type": "tabs",
            },
        ],
    }
    layout = json.loads(canonical.dumps("form", doc))["layout"]
    assert list(layout[0]) == ["type", "title", "columns", "items"]
    assert list(layout[1]["tabs"][0]) == ["title", "items"]
    assert list(layout[1]["tabs"][0]["items"][0]) == ["type", "items"]


def test_text_is_utf8_with_two_space_indent() -> None:
    text = canonical.dumps("app", {"title": {"zh-CN": "客户"}, "key": "crm", "format": 1})
    assert text == '{\n  "format": 1,\n  "key": "crm",\n  "title": {\n    "zh-CN": "客户"\n  }\n}\n'


def test_new_kinds_plug_in() -> None:
    canonical.register_kind("probe", lambda: {"properties": {"b": {}, "a": {}}})
    try:
        assert canonical.dumps("probe", {"a": 1, "b": 2}) == '{\n  "b": 2,\n  "a": 1\n}\n'
    finally:
        canonical._KINDS.pop("probe")
    with pytest.raises(ValueError, match="unknown definition kind"):
        canonical.dumps("probe", {})
