"""Formula text → AST: a tokenizer and a Pratt parser with Excel precedence. Pure."""

# Precedence, loosest first (all binary operators are left-associative, as in Excel):
# comparisons `= <> < <= > >=`, then `&`, then `+ -`, then `* /`, then `^`, then unary `-`.
# So `2^3^2` is 64 and `-2^2` is 4, exactly as Excel computes them.

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from runtime.errors import ExpressionError, Problem
from runtime.expr.ast import (
    DEFAULT_BUDGET,
    Binary,
    Budget,
    Call,
    Compare,
    Field,
    Literal,
    Negate,
    Node,
    fail,
)
from runtime.expr.functions import FUNCTIONS

FIELD_KEY = r"[A-Za-z][A-Za-z0-9_]*"
FIELD_RE = re.compile(rf"({FIELD_KEY})(?:\.({FIELD_KEY}))?", re.ASCII)

_TOKEN_RE = re.compile(
    r"""
    (?P<space>[ \t\r\n\u00a0\u3000]+)
    | (?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
    | (?P<string>"(?:[^"]|"")*")
    | (?P<field>\{[^{}]*\})
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    | (?P<op><>|<=|>=|[-+*/^&=<>(),])
    """,
    re.VERBOSE,
)
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")

_COMPARISONS = {"=": "eq", "<>": "ne", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}
# left binding power of each binary operator (Excel order)
_BINDING = {
    **dict.fromkeys(_COMPARISONS, 10),
    "&": 20,
    "+": 30,
    "-": 30,
    "*": 40,
    "/": 40,
    "^": 50,
}
_PREFIX_BINDING = 60  # unary minus binds tighter than ^


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number | string | field | name | op | end
    text: str
    position: int  # 1-based character position in the source


def _syntax(message: str, position: int, code: str = "syntax_error") -> ExpressionError:
    text = f"{message} at position {position}."
    return ExpressionError(code, text, [Problem(code, text, params={"position": position})])


def tokenize(text: str) -> list[Token]:
    """Split formula text into tokens (whitespace dropped), ending with an `end` token."""
    control = _CONTROL_RE.search(text)
    if control:
        raise _syntax("Control character not allowed", control.start() + 1, "invalid_character")
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        match = _TOKEN_RE.match(text, index)
        if match is None:
            char = text[index]
            if char == '"':
                raise _syntax("Unterminated string", index + 1)
            raise _syntax(f"Unexpected character {char!r}", index + 1)
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(Token(kind, match.group(), index + 1))
        index = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token], budget: Budget) -> None:
        self.tokens = tokens
        self.index = 0
        self.max_depth = budget.max_depth
        self.max_digits = budget.max_digits

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expect(self, text: str) -> Token:
        token = self.advance()
        if token.kind != "op" or token.text != text:
            raise _syntax(f"Expected {text!r} but found {_show(token)}", token.position)
        return token

    def deeper(self, level: int, token: Token) -> int:
        if level >= self.max_depth:
            raise _syntax(f"Nested deeper than {self.max_depth} levels", token.position, "too_deep")
        return level + 1

    def expression(self, min_binding: int, level: int) -> tuple[Node, int]:
        """Parse operators binding tighter than `min_binding`; return the node and its height."""
        node, height = self.prefix(level)
        while True:
            token = self.peek()
            binding = _BINDING.get(token.text, 0) if token.kind == "op" else 0
            if binding <= min_binding:
                return node, height
            self.advance()
            right, right_height = self.expression(binding, level)  # bounded by the ladder
            height = self.check_height(max(height, right_height) + 1, token)
            if token.text in _COMPARISONS:
                node = Compare(_COMPARISONS[token.text], node, right)
            else:
                node = Binary(token.text, node, right)

    def check_height(self, height: int, token: Token) -> int:
        if height > self.max_depth:
            raise _syntax(
                f"Expression nested deeper than {self.max_depth} levels", token.position, "too_deep"
            )
        return height

    def prefix(self, level: int) -> tuple[Node, int]:
        token = self.advance()
        match token.kind:
            case "number":
                return Literal(self.number(token)), 1
            case "string":
                return Literal(token.text[1:-1].replace('""', '"')), 1
            case "field":
                return self.field(token), 1
            case "name":
                return self.name(token, level)
            case "op" if token.text == "(":
                node, height = self.expression(0, self.deeper(level, token))
                self.expect(")")
                return node, height
            case "op" if token.text == "-":
                operand, height = self.expression(_PREFIX_BINDING, self.deeper(level, token))
                return Negate(operand), self.check_height(height + 1, token)
        raise _syntax(f"Unexpected {_show(token)}", token.position)

    def number(self, token: Token) -> Decimal:
        number = Decimal(token.text)
        if number.adjusted() >= self.max_digits and not number.is_zero():
            raise _syntax(
                f"Number has more than {self.max_digits} digits", token.position, "number_too_large"
            )
        return number

    def field(self, token: Token) -> Field:
        match = FIELD_RE.fullmatch(token.text[1:-1])
        if match is None:
            raise _syntax(f"Invalid field reference {token.text!r}", token.position)
        return Field(match.group(1), match.group(2))

    def name(self, token: Token, level: int) -> tuple[Node, int]:
        upper = token.text.upper()
        following = self.peek()
        if following.kind != "op" or following.text != "(":
            if upper in ("TRUE", "FALSE"):
                return Literal(upper == "TRUE"), 1
            raise _syntax(
                f"Unknown name {token.text!r} (write field references as {{key}})", token.position
            )
        function = FUNCTIONS.get(upper)
        if function is None:
            raise _syntax(f"Unknown function {token.text!r}", token.position, "unknown_function")
        self.advance()
        inner = self.deeper(level, token)
        args: list[Node] = []
        height = 0
        if not (self.peek().kind == "op" and self.peek().text == ")"):
            while True:
                arg, arg_height = self.expression(0, inner)
                args.append(arg)
                height = max(height, arg_height)
                if self.peek().kind == "op" and self.peek().text == ",":
                    self.advance()
                    continue
                break
        self.expect(")")
        count = len(args)
        too_few = count < function.min_args
        too_many = function.max_args is not None and count > function.max_args
        odd = upper == "IFS" and count % 2 == 1
        if too_few or too_many or odd:
            raise _syntax(
                f"{upper} does not take {count} argument(s)", token.position, "wrong_arity"
            )
        return Call(upper, tuple(args)), self.check_height(height + 1, token)


def _show(token: Token) -> str:
    return "the end of the formula" if token.kind == "end" else repr(token.text)


def parse_formula(text: str, *, budget: Budget | None = None) -> Node:
    """Parse formula text into an AST; raise `ExpressionError` (with a position) when invalid."""
    limits = budget or DEFAULT_BUDGET
    if not isinstance(text, str):
        fail("invalid_formula", "A formula must be text.")
    if len(text) > limits.max_text:
        fail(
            "too_long",
            f"The formula is longer than {limits.max_text} characters.",
            max_text=limits.max_text,
        )
    parser = _Parser(tokenize(text), limits)
    if parser.peek().kind == "end":
        raise _syntax("Empty formula", 1)
    node, _ = parser.expression(0, 0)
    token = parser.peek()
    if token.kind != "end":
        raise _syntax(f"Unexpected {_show(token)}", token.position)
    return node


def check_formula(text: str, *, pointer: str = "", budget: Budget | None = None) -> list[Problem]:
    """Every problem with formula text (at most one: parsing stops at the first), at `pointer`."""
    try:
        parse_formula(text, budget=budget)
    except ExpressionError as error:
        return [
            Problem(problem.code, problem.message, pointer=pointer, params=dict(problem.params))
            for problem in error.to_problems()
        ]
    return []
