"""Typed read-only views of definitions, built from their JSON. Definitions layer: pure.

The views copy what they hold, so changing the source JSON later does not change them; nested
JSON (configs, conditions, defaults) is exposed as `Mapping`/`Any` and must be treated as read-only.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from runtime.errors import NotFound

Text = Mapping[str, str]


@dataclass(frozen=True, slots=True)
class FieldDef:
    """One field of a form (decision 0002)."""

    key: str
    type: str
    label: Text
    index: int  # position in the definition's `fields` array
    config: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    help: Text | None = None
    placeholder: Text | None = None
    required: bool = False
    has_default: bool = False
    default: Any = None
    visible_when: Mapping[str, Any] | None = None
    required_when: Mapping[str, Any] | None = None
    readonly_when: Mapping[str, Any] | None = None
    readonly: bool = False
    hidden: bool = False

    @property
    def pointer(self) -> str:
        """JSON pointer of this field in its form definition."""
        return f"/fields/{self.index}"

    @classmethod
    def from_json(cls, doc: Mapping[str, Any], index: int) -> FieldDef:
        """Build the view of `doc`, the field at `fields[index]`."""
        return cls(
            key=str(doc["key"]),
            type=str(doc["type"]),
            label=dict(doc.get("label") or {}),
            index=index,
            config=copy.deepcopy(dict(doc.get("config") or {})),
            help=_text(doc.get("help")),
            placeholder=_text(doc.get("placeholder")),
            required=bool(doc.get("required", False)),
            has_default="default" in doc,
            default=copy.deepcopy(doc.get("default")),
            visible_when=_condition(doc.get("visible_when")),
            required_when=_condition(doc.get("required_when")),
            readonly_when=_condition(doc.get("readonly_when")),
            readonly=bool(doc.get("readonly", False)),
            hidden=bool(doc.get("hidden", False)),
        )


@dataclass(frozen=True, slots=True)
class SectionDef:
    """A layout section: a titled group of field keys."""

    items: tuple[str, ...]
    title: Text | None = None
    columns: int = 1
    key: str | None = None
    collapsed: bool = False


@dataclass(frozen=True, slots=True)
class TabDef:
    """One tab of a tabs layout item: field keys and sections."""

    title: Text
    items: tuple[str | SectionDef, ...]
    key: str | None = None


@dataclass(frozen=True, slots=True)
class TabsDef:
    """A layout item holding tabs."""

    tabs: tuple[TabDef, ...]
    key: str | None = None


LayoutItem = SectionDef | TabsDef


@dataclass(frozen=True, slots=True)
class DedupeDef:
    keys: tuple[str, ...]
    policy: str  # skip | update | create


@dataclass(frozen=True, slots=True)
class PublicDef:
    """The public (no login) form settings."""

    enabled: bool
    allowed_origins: tuple[str, ...] = ()
    dedupe: DedupeDef | None = None
    capture: Mapping[str, str] = dataclasses.field(default_factory=dict)
    submit_label: Text | None = None
    thank_you: Text | None = None
    rate_limit_per_minute: int | None = None


@dataclass(frozen=True, slots=True)
class FormDef:
    """A form definition; build it with `FormDef.from_json` from a valid definition."""

    key: str
    title: Text
    fields: tuple[FieldDef, ...]
    format: int = 1
    description: Text | None = None
    title_field: str | None = None
    layout: tuple[LayoutItem, ...] | None = None
    public: PublicDef | None = None
    _by_key: Mapping[str, FieldDef] = dataclasses.field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> FormDef:
        """Build the view of a (meta-schema valid) form definition."""
        fields = tuple(FieldDef.from_json(item, index) for index, item in enumerate(doc["fields"]))
        layout = doc.get("layout")
        return cls(
            key=str(doc["key"]),
            title=dict(doc["title"]),
            fields=fields,
            format=int(doc.get("format", 1)),
            description=_text(doc.get("description")),
            title_field=doc.get("title_field"),
            layout=None if layout is None else tuple(_layout_item(item) for item in layout),
            public=_public(doc.get("public")),
            _by_key={item.key: item for item in reversed(fields)},  # first wins on duplicates
        )

    def get_field(self, key: str) -> FieldDef | None:
        """The field with `key`, or None."""
        return self._by_key.get(key)

    def field(self, key: str) -> FieldDef:
        """The field with `key`; raises `NotFound`."""
        found = self._by_key.get(key)
        if found is None:
            raise NotFound("unknown_field", f"form {self.key!r} has no field {key!r}")
        return found

    def has_field(self, key: str) -> bool:
        return key in self._by_key

    def field_keys(self) -> tuple[str, ...]:
        """Field keys in definition order."""
        return tuple(item.key for item in self.fields)

    def layout_keys(self) -> tuple[str, ...]:
        """Field keys in the order the layout shows them (duplicates and unknown keys dropped)."""
        if self.layout is None:
            return self.field_keys()
        seen: dict[str, None] = {}
        for key in _iter_layout_keys(self.layout):
            if key in self._by_key:
                seen.setdefault(key, None)
        return tuple(seen)

    def fields_in_layout_order(self) -> tuple[FieldDef, ...]:
        """Fields as the layout shows them, then the fields it leaves out, in definition order."""
        placed = self.layout_keys()
        placed_set = set(placed)
        rest = tuple(item for item in self.fields if item.key not in placed_set)
        return tuple(self._by_key[key] for key in placed) + rest


def _iter_layout_keys(items: tuple[LayoutItem, ...]) -> Iterator[str]:
    for item in items:
        if isinstance(item, SectionDef):
            yield from item.items
            continue
        for tab in item.tabs:
            for entry in tab.items:
                if isinstance(entry, SectionDef):
                    yield from entry.items
                else:
                    yield entry


def _text(value: Any) -> Text | None:
    return None if value is None else dict(value)


def _condition(value: Any) -> Mapping[str, Any] | None:
    return None if value is None else copy.deepcopy(value)


def _section(doc: Mapping[str, Any]) -> SectionDef:
    return SectionDef(
        items=tuple(str(key) for key in doc.get("items") or ()),
        title=_text(doc.get("title")),
        columns=int(doc.get("columns", 1)),
        key=doc.get("key"),
        collapsed=bool(doc.get("collapsed", False)),
    )


def _layout_item(doc: Mapping[str, Any]) -> LayoutItem:
    if doc.get("type") == "tabs":
        tabs = tuple(
            TabDef(
                title=dict(tab.get("title") or {}),
                items=tuple(
                    str(entry) if isinstance(entry, str) else _section(entry)
                    for entry in tab.get("items") or ()
                ),
                key=tab.get("key"),
            )
            for tab in doc.get("tabs") or ()
        )
        return TabsDef(tabs=tabs, key=doc.get("key"))
    return _section(doc)


def _public(doc: Mapping[str, Any] | None) -> PublicDef | None:
    if doc is None:
        return None
    dedupe = doc.get("dedupe")
    rate_limit = doc.get("rate_limit")
    return PublicDef(
        enabled=bool(doc.get("enabled", False)),
        allowed_origins=tuple(doc.get("allowed_origins") or ()),
        dedupe=None
        if dedupe is None
        else DedupeDef(keys=tuple(dedupe["keys"]), policy=str(dedupe["policy"])),
        capture=dict(doc.get("capture") or {}),
        submit_label=_text(doc.get("submit_label")),
        thank_you=_text(doc.get("thank_you")),
        rate_limit_per_minute=None if rate_limit is None else int(rate_limit["per_minute"]),
    )
