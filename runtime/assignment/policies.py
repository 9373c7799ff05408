"""Assignment policies: each registered with its config schema; the choice is pure. Pure.

The shell (runtime/actions/assign_owner.py) gathers what a policy needs — the candidates, a
turn number from a persisted counter, the open load of each candidate — and the policy decides
and says why (the `why` goes to the flow's trace).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from jsonschema import Draft202012Validator

from runtime.errors import ExpressionError, Problem
from runtime.expr.conditions import check_condition, evaluate_condition
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
    now: datetime = datetime(2000, 1, 1, tzinfo=UTC)  # conditions on the record read it


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

    def uses_turn(self, config: Mapping[str, Any]) -> bool:  # noqa: ARG002
        """Whether this decision takes a round-robin turn (the shell moves the counter)."""
        return self.needs_turn

    def uses_loads(self, config: Mapping[str, Any]) -> bool:  # noqa: ARG002
        """Whether the shell must count each candidate's open items."""
        return self.needs_loads

    def problems(self, config: Any) -> list[Problem]:
        """Everything wrong with a config: its schema first (pointers under the config)."""
        validator = Draft202012Validator(self.config_schema)
        return [
            Problem(
                "invalid_assignment_config",
                error.message,
                pointer="".join(f"/{part}" for part in error.absolute_path),
            )
            for error in sorted(validator.iter_errors(config), key=lambda e: list(e.path))
        ]

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


_LEVEL = {"type": "number", "minimum": 0, "maximum": 100}
_WEIGHT = {"type": "number", "exclusiveMinimum": 0, "maximum": 100}


@policies.register
class SkillMatch(Policy):
    """Weighted skill match: the record needs skills (each with a weight), the candidates have
    them at a level; a candidate scores the sum of weight × level over what the record needs.
    The best score wins; a tie goes to the fewest open items (then the username order), or by
    round robin among the tied. Candidates are in username order: the config is an object, and
    PostgreSQL's JSONB keeps no key order, so no other order would be the same everywhere."""

    key = "skill_match"
    label: ClassVar[dict[str, str]] = {"zh-CN": "按技能匹配", "en": "Skill match"}
    config_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "required": ["users", "needs"],
        "additionalProperties": False,
        "properties": {
            "users": {
                "description": "Candidates with their skills: {user: {skill: level}}.",
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"minLength": 1},
                "additionalProperties": {
                    "type": "object",
                    "propertyNames": {"minLength": 1},
                    "additionalProperties": _LEVEL,
                },
            },
            "needs": {
                "description": (
                    "What a record needs: {skill, weight, condition?} (the skill when the "
                    "condition holds) or {field, weight} (the field's value names the skill)."
                ),
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["weight"],
                    "additionalProperties": False,
                    "oneOf": [{"required": ["skill"]}, {"required": ["field"]}],
                    "properties": {
                        "skill": {"type": "string", "minLength": 1},
                        "field": {"type": "string", "minLength": 1},
                        "condition": {"type": "object"},
                        "weight": _WEIGHT,
                    },
                },
            },
            "tie_break": {"enum": ["load", "round_robin"], "default": "load"},
        },
    }

    def candidates(self, config: Mapping[str, Any]) -> tuple[str, ...]:
        users = config.get("users")
        return tuple(sorted(str(user) for user in users)) if isinstance(users, Mapping) else ()

    def uses_turn(self, config: Mapping[str, Any]) -> bool:
        return bool(config.get("tie_break") == "round_robin")

    def uses_loads(self, config: Mapping[str, Any]) -> bool:
        return bool(config.get("tie_break", "load") == "load")

    def problems(self, config: Any) -> list[Problem]:
        found = super().problems(config)
        if found or not isinstance(config, Mapping):
            return found
        skills = {skill for levels in config["users"].values() for skill in levels}
        for index, need in enumerate(config["needs"]):
            pointer = f"/needs/{index}"
            if "condition" in need:
                for problem in check_condition(need["condition"], pointer=f"{pointer}/condition"):
                    found.append(
                        Problem("invalid_condition", problem.message, pointer=problem.pointer)
                    )
                if "field" in need:
                    found.append(
                        Problem(
                            "invalid_assignment_config",
                            "A need names a skill by its field's value or a fixed skill with a "
                            "condition, not both.",
                            pointer=f"{pointer}/condition",
                        )
                    )
            if "skill" in need and need["skill"] not in skills:
                found.append(
                    Problem(
                        "unknown_skill",
                        f"No candidate has the skill {need['skill']!r}.",
                        pointer=f"{pointer}/skill",
                    )
                )
        return found

    def needed(self, config: Mapping[str, Any], inputs: Inputs) -> list[tuple[str, Decimal]]:
        """The skills this record needs, with their weights (a skill needed twice adds up)."""
        weights: dict[str, Decimal] = {}
        for need in config.get("needs") or ():
            if "field" in need:
                value = inputs.record.get(str(need["field"]))
                names = value if isinstance(value, list) else [value]
                skills = [str(name) for name in names if name not in (None, "")]
            elif need.get("condition") is None or _holds(need["condition"], inputs):
                skills = [str(need["skill"])]
            else:
                skills = []
            for skill in skills:
                weights[skill] = weights.get(skill, Decimal(0)) + _decimal(need.get("weight"))
        return list(weights.items())

    def choose(self, config: Mapping[str, Any], inputs: Inputs) -> Choice:
        if not inputs.candidates:
            return Choice(None, {"policy": self.key, "reason": "no candidate"})
        users = config.get("users") or {}
        needed = self.needed(config, inputs)
        scores: dict[str, Decimal] = {}
        for user in inputs.candidates:
            levels = users.get(user) or {}  # a backup standing in brings their own skills
            scores[user] = sum(
                (weight * _decimal(levels.get(skill)) for skill, weight in needed), Decimal(0)
            )
        best = max(scores.values())
        tied = [user for user in inputs.candidates if scores[user] == best]
        why: dict[str, Any] = {
            "policy": self.key,
            "needs": {skill: _number(weight) for skill, weight in needed},
            "scores": {user: _number(score) for user, score in scores.items()},
        }
        if len(tied) == 1:
            return Choice(tied[0], why)
        why["tied"] = tied
        if config.get("tie_break") == "round_robin":
            why["tie_break"] = {"round_robin": inputs.turn}
            return Choice(tied[(inputs.turn - 1) % len(tied)], why)
        loads = {user: inputs.loads.get(user, 0) for user in tied}
        why["tie_break"] = {"loads": loads}
        return Choice(min(tied, key=lambda user: loads[user]), why)


def _holds(condition: Mapping[str, Any], inputs: Inputs) -> bool:
    try:
        return evaluate_condition(condition, inputs.record, now=inputs.now)
    except ExpressionError:
        return False  # a condition that cannot be evaluated on this record does not hold


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if isinstance(value, int | float | str) else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def _number(value: Decimal) -> int | float:
    """A JSON number for the trace: whole numbers stay integers."""
    return int(value) if value == value.to_integral_value() else float(value)


def choose_many(policy: Policy, config: Mapping[str, Any], inputs: Inputs, n: int) -> list[Choice]:
    """The next `n` decisions for one record shape (simulation: nothing is stored)."""
    out: list[Choice] = []
    loads = dict(inputs.loads)
    for offset in range(n):
        step = Inputs(inputs.candidates, inputs.record, inputs.turn + offset, loads, inputs.now)
        choice = policy.choose(config, step)
        out.append(choice)
        if choice.user is not None:
            loads[choice.user] = loads.get(choice.user, 0) + 1
    return out
