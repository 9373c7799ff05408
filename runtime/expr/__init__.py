"""The safe expression language: formulas and condition trees, one AST, one interpreter. Pure."""

# No Python `eval`/`exec`: formula text is tokenized and parsed here, condition trees are mapped
# node by node, and evaluation runs only the allow-listed functions in `functions.FUNCTIONS`
# under a `Budget`. Every failure is an `ExpressionError`.

from runtime.expr.ast import Budget, Node, field_refs
from runtime.expr.conditions import (
    CONDITION_SCHEMA,
    check_condition,
    compile_condition,
    evaluate_condition,
)
from runtime.expr.formula import check_formula, parse_formula
from runtime.expr.functions import FUNCTIONS
from runtime.expr.interpreter import Compiled, compile, evaluate

__all__ = [
    "CONDITION_SCHEMA",
    "FUNCTIONS",
    "Budget",
    "Compiled",
    "Node",
    "check_condition",
    "check_formula",
    "compile",
    "compile_condition",
    "evaluate",
    "evaluate_condition",
    "field_refs",
    "parse_formula",
]
