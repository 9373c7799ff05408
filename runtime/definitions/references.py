"""What a form definition refers to: field refs of conditions and formulas, layout entries,
formula dependency cycles. Shared by the validator and the form compiler. Definitions layer: pure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from runtime import expr
from runtime.errors import ExpressionError
from runtime.expr import ast as expr_ast
from runtime.fields.base import FieldType

FORMULA_CONFIG_KEY = "expression"  # the formula field type's config key holding its text
RELATION_CONFIG_KEY = "form"  # a relation's config key naming the target form


def is_empty(value: Any) -> bool:
    """None, "", whitespace, [] and {} are empty (decision: empty input is stored as null)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | dict | tuple):
        return not value
    return False


def formula_text(field_type: FieldType, config: Mapping[str, Any]) -> str | None:
    """The formula of a computed field (formula type), or None."""
    text = config.get(FORMULA_CONFIG_KEY)
    return text if field_type.is_computed and isinstance(text, str) else None


def relation_target(field_type: FieldType, config: Mapping[str, Any]) -> str | None:
    """The form a relation field points at, or None for other types."""
    target = config.get(RELATION_CONFIG_KEY)
    return target if field_type.key == "relation" and isinstance(target, str) else None


def formula_refs(text: str) -> frozenset[str]:
    """Field refs of a formula ("items.amount" for a line-item column); empty if it is wrong."""
    try:
        node = expr.parse_formula(text)
    except ExpressionError:
        return frozenset()
    refs = set(expr.field_refs(node))
    stack = [node]
    while stack:  # add the columns `{items.amount}` reads, which field_refs folds into "items"
        current = stack.pop()
        if isinstance(current, expr_ast.Field) and current.column is not None:
            refs.add(f"{current.key}.{current.column}")
        stack.extend(expr_ast.children(current))
    return frozenset(refs)


def condition_refs(tree: Any, pointer: str) -> Iterator[tuple[str, str]]:
    """(field ref, JSON pointer) of every field a condition tree (decision 0002) reads."""
    if not isinstance(tree, Mapping):
        return
    for name in ("all", "any"):
        children = tree.get(name)
        if isinstance(children, list):
            for index, child in enumerate(children):
                yield from condition_refs(child, f"{pointer}/{name}/{index}")
    if "not" in tree:
        yield from condition_refs(tree["not"], f"{pointer}/not")
    for mode in ("some", "every"):  # {"some": "items", "where": C}
        if isinstance(tree.get(mode), str):
            yield tree[mode], f"{pointer}/{mode}"
            yield from condition_refs(tree.get("where"), f"{pointer}/where")
    if isinstance(tree.get("field"), str):
        yield tree["field"], f"{pointer}/field"
    value = tree.get("value")
    if isinstance(value, Mapping) and isinstance(value.get("field"), str):
        yield value["field"], f"{pointer}/value/field"
    if isinstance(value, list):  # between / in bounds naming fields
        for index, item in enumerate(value):
            if isinstance(item, Mapping) and isinstance(item.get("field"), str):
                yield item["field"], f"{pointer}/value/{index}/field"
    if isinstance(tree.get("formula"), str):
        for ref in sorted(formula_refs(tree["formula"])):
            yield ref, f"{pointer}/formula"


def column_keys(field: Mapping[str, Any]) -> frozenset[str] | None:
    """Column keys of a line-items field (`columns` and `row_formulas`), or None for others."""
    config = field.get("config")
    columns = config.get("columns") if isinstance(config, Mapping) else None
    if not isinstance(columns, list):
        return None
    keys = {
        column["key"]
        for column in columns
        if isinstance(column, Mapping) and isinstance(column.get("key"), str)
    }
    row_formulas = config.get("row_formulas") if isinstance(config, Mapping) else None
    if isinstance(row_formulas, Mapping):
        keys.update(str(key) for key in row_formulas)
    return frozenset(keys)


def layout_entries(layout: list[Any]) -> Iterator[tuple[str, str]]:
    """(field key, JSON pointer) of every field key a layout names, in layout order."""
    for index, item in enumerate(layout):
        if not isinstance(item, Mapping):
            continue
        if item.get("type") == "tabs":
            tabs = item.get("tabs")
            for tab_index, tab in enumerate(tabs if isinstance(tabs, list) else ()):
                entries = tab.get("items") if isinstance(tab, Mapping) else None
                base = f"/layout/{index}/tabs/{tab_index}/items"
                for position, entry in enumerate(entries if isinstance(entries, list) else ()):
                    if isinstance(entry, str):
                        yield entry, f"{base}/{position}"
                    elif isinstance(entry, Mapping):
                        yield from _section_entries(entry, f"{base}/{position}")
        else:
            yield from _section_entries(item, f"/layout/{index}")


def _section_entries(section: Mapping[str, Any], pointer: str) -> Iterator[tuple[str, str]]:
    items = section.get("items")
    for position, key in enumerate(items if isinstance(items, list) else ()):
        if isinstance(key, str):
            yield key, f"{pointer}/items/{position}"


def cycles(graph: Mapping[str, list[str]]) -> list[list[str]]:
    """Strongly connected components that form a cycle (Tarjan), each in graph order."""
    order = {key: position for position, key in enumerate(graph)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1 or node in graph.get(node, ()):
                found.append(sorted(component, key=order.__getitem__))

    for node in graph:
        if node not in index:
            visit(node)
    return sorted(found, key=lambda component: order[component[0]])


def topological_order(graph: Mapping[str, list[str]]) -> list[str]:
    """Nodes so that each comes after the nodes it depends on (graph: node → its dependencies).

    Ties keep graph order; raises ValueError on a cycle.
    """
    done: dict[str, None] = {}
    visiting: set[str] = set()

    def visit(node: str) -> None:
        if node in done:
            return
        if node in visiting:
            raise ValueError(f"dependency cycle through {node!r}")
        visiting.add(node)
        for target in graph.get(node, ()):
            if target in graph:
                visit(target)
        visiting.discard(node)
        done[node] = None

    for node in graph:
        visit(node)
    return list(done)
