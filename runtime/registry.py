"""Registries: one per extension point, keyed by `key`. Pure."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, Protocol, TypeVar

from runtime.errors import InvalidDefinition, Problem


class Entry(Protocol):
    """What every registered type offers (class attributes on the implementations)."""

    @property
    def key(self) -> str: ...
    @property
    def version(self) -> int: ...
    @property
    def label(self) -> dict[str, str]: ...
    @property
    def icon(self) -> str: ...
    @property
    def group(self) -> str: ...
    @property
    def config_schema(self) -> dict[str, Any]: ...


T = TypeVar("T", bound=Entry)


class Registry(Generic[T]):
    """Entries of one extension point; registering a key twice raises."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, cls: type[T]) -> type[T]:
        """Class decorator: instantiate `cls` and register the instance under `cls.key`."""
        self.add(cls())
        return cls

    def add(self, entry: T) -> T:
        if entry.key in self._entries:
            raise ValueError(f"{self.kind} {entry.key!r} is already registered")
        self._entries[entry.key] = entry
        return entry

    def remove(self, key: str) -> None:
        del self._entries[key]

    def get(self, key: str) -> T | None:
        return self._entries.get(key)

    def load(self, key: str, *, pointer: str = "") -> T:
        """Return the entry or raise `InvalidDefinition` pointing at where the key was used."""
        entry = self._entries.get(key)
        if entry is None:
            message = f"unknown {self.kind} {key!r}"
            raise InvalidDefinition(
                f"unknown_{self.kind.replace(' ', '_')}",
                message,
                [Problem(f"unknown_{self.kind.replace(' ', '_')}", message, pointer=pointer)],
            )
        return entry

    def keys(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[T]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def snapshot(self) -> Callable[[], None]:
        """Return a function restoring the current entries (tests adding throwaway types)."""
        saved = dict(self._entries)

        def restore() -> None:
            self._entries.clear()
            self._entries.update(saved)

        return restore
