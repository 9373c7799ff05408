"""The flow meta-schema, composed at load time with the condition tree; registers the "flow"
kind for canonical JSON. Definitions layer: pure (reads the shipped meta-schema file once).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from runtime import expr
from runtime.definitions import canonical

META_FILE = Path(__file__).resolve().parents[2] / "flow_definitions" / "_meta" / "flow.schema.json"
CONDITION_ID = "urn:formwork:meta:flow-condition"

# Node types and their ports (decision 0005). The node registry in runtime/flows/nodes/ becomes
# the authority once it exists; until then these mirror the meta-schema.
NODE_TYPES = (
    "start",
    "end",
    "approval",
    "cc",
    "condition",
    "parallel",
    "join",
    "action",
    "wait",
    "subflow",
)
APPROVAL_PORTS = ("approved", "rejected")
DEFAULT_PORT = "out"
WAIT_PORTS = (DEFAULT_PORT, "timeout")  # `timeout`: a signal wait whose time ran out first
# A subflow node leaves by the port named after the subflow's outcome when it is connected,
# else by `out`.
SUBFLOW_PORTS = (DEFAULT_PORT, "approved", "rejected", "completed", "withdrawn", "failed")


def ports(node_type: str) -> tuple[str, ...]:
    """The exits a node of `node_type` has (an end node has none)."""
    if node_type == "approval":
        return APPROVAL_PORTS
    if node_type == "subflow":
        return SUBFLOW_PORTS
    if node_type == "wait":
        return WAIT_PORTS
    if node_type == "end":
        return ()
    return (DEFAULT_PORT,)


@lru_cache(maxsize=1)
def _load() -> Mapping[str, Any]:
    with META_FILE.open(encoding="utf-8") as file:
        loaded: dict[str, Any] = json.load(file)
    return loaded


@lru_cache(maxsize=2)
def _compose(condition_schema_id: int) -> dict[str, Any]:
    del condition_schema_id  # only the cache key: follows expr.CONDITION_SCHEMA if replaced
    schema = copy.deepcopy(dict(_load()))
    condition = copy.deepcopy(dict(expr.CONDITION_SCHEMA))
    condition["$id"] = CONDITION_ID  # its own "#/$defs/…" refs resolve inside it
    condition.pop("$schema", None)
    schema["$defs"]["condition"] = condition
    return schema


def composed_flow_meta_schema() -> Mapping[str, Any]:
    """The cached composed flow meta-schema (shared: do not mutate)."""
    return _compose(id(expr.CONDITION_SCHEMA))


def flow_meta_schema() -> dict[str, Any]:
    """The composed flow meta-schema; a fresh copy the caller may change."""
    return copy.deepcopy(_compose(id(expr.CONDITION_SCHEMA)))


@lru_cache(maxsize=2)
def _validator(condition_schema_id: int) -> Draft202012Validator:
    return Draft202012Validator(_compose(condition_schema_id))


def flow_validator() -> Draft202012Validator:
    """The cached validator of the composed flow meta-schema."""
    return _validator(id(expr.CONDITION_SCHEMA))


canonical.register_kind("flow", composed_flow_meta_schema)
