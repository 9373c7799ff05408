"""runtime/definitions/model.py: typed read-only views of form definitions."""

from __future__ import annotations

import dataclasses

import pytest

from runtime.definitions.model import FormDef, SectionDef, TabsDef
from runtime.errors import NotFound

DOC = {
    "format": 1,
    "key": "t",
    "title": {"zh-CN": "表", "en": "T"},
    "title_field": "b",
    "fields": [
        {"key": "a", "type": "text", "label": {"en": "A"}},
        {"key": "b", "type": "text", "label": {"en": "B"}, "required": True, "default": "x"},
        {"key": "c", "type": "text", "label": {"en": "C"}, "hidden": True},
        {"key": "d", "type": "select", "label": {"en": "D"}, "config": {"options": []}},
    ],
    "layout": [
        {"type": "section", "items": ["d", "b"], "columns": 2},
        {
            "type": "tabs",
            "tabs": [{"title": {"en": "X"}, "items": ["a", {"type": "section", "items": ["b"]}]}],
        },
    ],
    "public": {
        "enabled": True,
        "dedupe": {"keys": ["b"], "policy": "update"},
        "rate_limit": {"per_minute": 5},
    },
}


def test_fields_and_lookup() -> None:
    form = FormDef.from_json(DOC)
    assert form.field_keys() == ("a", "b", "c", "d")
    assert form.field("b").required
    assert form.field("b").has_default
    assert form.field("b").default == "x"
    assert form.field("d").pointer == "/fields/3"
    assert form.get_field("zz") is None
    with pytest.raises(NotFound):
        form.field("zz")


def test_fields_in_layout_order_then_the_rest() -> None:
    form = FormDef.from_json(DOC)
    assert [f.key for f in form.fields_in_layout_order()] == ["d", "b", "a", "c"]
    assert isinstance(form.layout[0], SectionDef) if form.layout else False
    assert isinstance(form.layout[1], TabsDef) if form.layout else False


def test_views_are_frozen_and_detached_from_the_json() -> None:
    doc = {**DOC, "fields": [dict(f) for f in DOC["fields"]]}  # type: ignore[union-attr]
    form = FormDef.from_json(doc)
    with pytest.raises(dataclasses.FrozenInstanceError):
        form.key = "other"  # type: ignore[misc]
    doc["fields"][3]["config"]["options"].append({"value": "new"})  # type: ignore[index]
    assert form.field("d").config == {"options": []}


def test_public_settings() -> None:
    public = FormDef.from_json(DOC).public
    assert public is not None
    assert public.enabled
    assert public.dedupe is not None
    assert public.dedupe.keys == ("b",)
    assert public.rate_limit_per_minute == 5
