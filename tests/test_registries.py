"""Every registry entry is complete: schemas valid, both labels, example config validates."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator

from runtime.fields import FieldType, field_types
from runtime.fields.base import COMMON_MESSAGES
from runtime.i18n import LOCALES

FIELD_TYPES = list(field_types)
GROUPS = {"basic", "choice", "people", "advanced"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_field_types_are_registered() -> None:
    assert len(FIELD_TYPES) >= 25
    assert {"text", "money", "region", "line_items", "formula", "serial"} <= set(field_types.keys())


@pytest.mark.parametrize("entry", FIELD_TYPES, ids=lambda entry: entry.key)
class TestFieldType:
    def test_config_schema_is_valid_and_closed(self, entry: FieldType) -> None:
        Draft202012Validator.check_schema(entry.config_schema)
        assert entry.config_schema["type"] == "object"
        assert entry.config_schema["additionalProperties"] is False

    def test_example_config_validates(self, entry: FieldType) -> None:
        Draft202012Validator(entry.config_schema).validate(entry.example_config)

    def test_labels_and_palette_entry(self, entry: FieldType) -> None:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", entry.key)
        assert entry.version >= 1
        assert all(entry.label.get(locale) for locale in LOCALES)
        assert entry.icon
        assert entry.group in GROUPS
        assert entry.widget

    def test_value_schema_is_valid(self, entry: FieldType) -> None:
        Draft202012Validator.check_schema(entry.value_schema(entry.example_config))

    def test_compiles_its_example_config(self, entry: FieldType) -> None:
        assert callable(entry.compile(entry.example_config))

    def test_messages_exist_in_both_locales_with_the_same_placeholders(
        self, entry: FieldType
    ) -> None:
        for code, texts in {**COMMON_MESSAGES, **entry.messages}.items():
            assert set(LOCALES) <= set(texts), code
            placeholders = [set(PLACEHOLDER.findall(texts[locale])) for locale in LOCALES]
            assert placeholders[0] == placeholders[1], code

    def test_format_of_none_is_empty(self, entry: FieldType) -> None:
        for locale in LOCALES:
            assert entry.format(None, entry.example_config, locale) == ""
