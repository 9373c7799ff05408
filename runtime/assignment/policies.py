"""Assignment policies: each registered with its config schema; the choice is pure. Pure.

The shell (runtime/actions/assign_owner.py) gathers what a policy needs — the candidates, a
turn number from a persisted counter, the open load of each candidate — and the policy decides
and says why (the `why` goes to the flow's trace).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from runtime.registry import Registry

_USERS = {
    "description": "Candidates, in order.",
    "type": "array",
    "minItems": 1,
    "uniqueItems": True,
    "items": {"type": "string", "minLength": 1},
}


@dataclass(frozen=True, slots=True)
class Inputs:
    """What the shell read for one decision."""

    candidates: tuple[str, ...]  # available users, in the configured order
    record: Mapping[str, Any] = field(default_factory=dict)
    turn: int = 0  # round robin: this decision's number, 1, 2, 3 … (a persisted counter)
    loads: Mapping[str, int] = field(default_factory=dict)  # load balance: open items per user


@dataclass(frozen=True, slots=True)
class Choice:
    user: str | None
    why: dict[str, Any]


class Policy:
    key: ClassVar[str] = ""
    version: ClassVar[int] = 1
    label: ClassVar[dict[str, str]] = {}
    icon: ClassVar[str] = "people"
    group: ClassVar[str] = "assignment"
    config_schema: ClassVar[dict[str, Any]] = {}
    needs_turn: ClassVar[bool] = False
    needs_loads: ClassVar[bool] = False

    def candidates(self, config: Mapping[str, Any]) -> tuple[str, ...]:
        return tuple(str(user) for user in config.get("users") or ())

    def choose(self, config: Mapping[str, Any], inputs: Inputs) -> Choice:
        raise NotImplementedError


policies: Registry[Policy] = Registry("assignment policy")


@policies.register
class RoundRobin(Policy):
    key = "round_robin"
    label: ClassVar[dict[str, str]] = {"zh-CN": "轮流分配", "en": "Round robin"}
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["users"],
        "properties": {"users": _USERS},
    }
    needs_turn = True

    def choose(self, config: Mapping[str, Any], inputs: Inputs) -> Choice:  # noqa: ARG002
        # The candidates (from config["users"], less the unavailable) say it all.
        if not inputs.candidates:
            return Choice(None, {"policy": self.key, "reason": "no candidate"})
        user = inputs.candidates[(inputs.turn - 1) % len(inputs.candidates)]
        why = {"policy": self.key, "turn": inputs.turn, "of": list(inputs.candidates)}
        return Choice(user, why)


@policies.register
class LoadBalance(Policy):
    key = "load_balance"
    label: ClassVar[dict[str, str]] = {"zh-CN": "按负载分配", "en": "Fewest open items"}
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["users"],
        "properties": {
            "users": _USERS,
            "open": {
                "description": "A condition on records: those that count as open (default: all).",
            },
        },
    }
    needs_loads = True

    def choose(self, config: Mapping[str, Any], inputs: Inputs) -> Choice:  # noqa: ARG002
        # `open` is read by the shell, which counts the loads.
        if not inputs.candidates:
            return Choice(None, {"policy": self.key, "reason": "no candidate"})
        # Fewest open items; ties go to the first in the configured order (min is stable).
        user = min(inputs.candidates, key=lambda name: inputs.loads.get(name, 0))
        loads = {name: inputs.loads.get(name, 0) for name in inputs.candidates}
        return Choice(user, {"policy": self.key, "loads": loads})


@policies.register
class FieldMap(Policy):
    key = "field_map"
    label: ClassVar[dict[str, str]] = {"zh-CN": "按字段分配（区域）", "en": "By field (territory)"}
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["field", "map"],
        "properties": {
            "field": {"type": "string"},
            "map": {"type": "object", "additionalProperties": {"type": "string"}},
            "default": {"type": "string"},
        },
    }

    def candidates(self, config: Mapping[str, Any]) -> tuple[str, ...]:
        users = [str(user) for user in (config.get("map") or {}).values()]
        if config.get("default"):
            users.append(str(config["default"]))
        return tuple(dict.fromkeys(users))

    def choose(self, config: Mapping[str, Any], inputs: Inputs) -> Choice:
        key = str(config.get("field", ""))
        value = inputs.record.get(key)
        mapped = (config.get("map") or {}).get(str(value)) if value is not None else None
        user = mapped or config.get("default")
        available = user in inputs.candidates
        why = {"policy": self.key, "field": key, "value": value, "mapped": bool(mapped)}
        if user and not available:
            why["unavailable"] = user
        return Choice(str(user) if user and available else None, why)


def choose_many(policy: Policy, config: Mapping[str, Any], inputs: Inputs, n: int) -> list[Choice]:
    """The next `n` decisions for one record shape (simulation: nothing is stored)."""
    out: list[Choice] = []
    loads = dict(inputs.loads)
    for offset in range(n):
        step = Inputs(inputs.candidates, inputs.record, inputs.turn + offset, loads)
        choice = policy.choose(config, step)
        out.append(choice)
        if choice.user is not None:
            loads[choice.user] = loads.get(choice.user, 0) + 1
    return out
