"""A parser for the op table's formula notation ("v·u^(v−1)", "1 − out² = 1 − tanh²u"...)
into sympy, so that tests can check each text against its rule without a hand-made map.

The notation, as the table writes it:

- numbers, the operands and ``out`` (names given by the caller), the constant ``e``;
- ``+``, ``−``/``-``, ``·``/``×``/``*``, ``/``/``÷``, ``^`` and superscript powers (``u²``),
  juxtaposition as multiplication (``2√u``, ``σ(u)(1 − σ(u))``);
- ``√x``, ``|x|``, and the functions ``ln sin cos tanh exp sign σ max``, applied to a
  parenthesized argument list or to the next atom (``ln u``), with an optional power
  written between name and argument (``tanh²u`` = (tanh u)²);
- ``a if c else b`` with comparisons ``> < ≥ ≤``;
- alternatives ``a = b = …`` (each one a full expression of the same thing);
- a trailing note ``(x at u = 0)``: the value ``x`` at that point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy

FUNCTIONS = {  # the notation's function names: standard mathematics, nothing op-specific
    "ln": sympy.log, "exp": sympy.exp, "sin": sympy.sin, "cos": sympy.cos,
    "tanh": sympy.tanh, "sign": sympy.sign, "max": sympy.Max,
    "σ": lambda x: 1 / (1 + sympy.exp(-x)),  # the logistic function
}
CONSTANTS = {"e": sympy.E}
SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
COMPARISONS = {">": sympy.Gt, "<": sympy.Lt, "≥": sympy.Ge, "≤": sympy.Le}
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_]+)|([⁰¹²³⁴⁵⁶⁷⁸⁹]+)|(\S))")


class NotationError(ValueError):
    """A formula text the notation does not cover (an unknown name, a stray symbol)."""


@dataclass(frozen=True)
class Formula:
    """A parsed text: its alternatives (all meant to be equal) and its point notes."""

    alternatives: tuple[sympy.Expr, ...]
    notes: tuple[tuple[sympy.Expr, dict[str, sympy.Expr]], ...]  # (value, {name: point})


def tokenize(text: str) -> list[tuple[str, str]]:
    """(kind, text) tokens: kind is "number", "name", "power" or "symbol"."""
    tokens, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:  # only trailing space can fail to match
            break
        number, name, power, symbol = match.groups()
        kind = "number" if number else "name" if name else "power" if power else "symbol"
        token = number or name or power or symbol
        tokens.append((kind, {"−": "-", "×": "*", "·": "*", "÷": "/"}.get(token, token)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str, names: dict[str, sympy.Expr]) -> None:
        self.text, self.names = text, names
        self.tokens = tokenize(text)
        self.at = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "")

    def take(self, expected: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token[0] == "end" or (expected is not None and token[1] != expected):
            raise NotationError(f"{self.text!r}: expected {expected or 'more'}, "
                                f"got {token[1] or 'the end'} at token {self.at}")
        self.at += 1
        return token

    def formula(self) -> Formula:
        alternatives = [self.conditional()]
        while self.peek()[1] == "=":
            self.take("=")
            alternatives.append(self.conditional())
        notes = []
        while self.peek()[1] == "(" and self.note_ahead():
            notes.append(self.note())
        if self.peek()[0] != "end":
            raise NotationError(f"{self.text!r}: unexpected {self.peek()[1]!r}")
        return Formula(tuple(alternatives), tuple(notes))

    def note_ahead(self) -> bool:
        """Is the parenthesized group starting here a note "(x at u = 0)"?"""
        depth, offset = 0, 0
        while (token := self.peek(offset))[0] != "end":
            depth += {"(": 1, ")": -1}.get(token[1], 0)
            if depth == 0:
                return False
            if depth == 1 and token == ("name", "at"):
                return True
            offset += 1
        return False

    def note(self) -> tuple[sympy.Expr, dict[str, sympy.Expr]]:
        self.take("(")
        value = self.conditional()
        self.take("at")
        point = {}
        while True:
            name = self.take()[1]
            if name not in self.names:
                raise NotationError(f"{self.text!r}: a note binds an unknown name {name!r}")
            self.take("=")
            point[name] = self.sum()
            if self.peek()[1] != ",":
                break
            self.take(",")
        self.take(")")
        return value, point

    def conditional(self) -> sympy.Expr:
        value = self.sum()
        if self.peek() == ("name", "if"):
            self.take("if")
            left = self.sum()
            comparison = COMPARISONS.get(self.take()[1])
            if comparison is None:
                raise NotationError(f"{self.text!r}: a condition needs one of {set(COMPARISONS)}")
            condition = comparison(left, self.sum())
            self.take("else")
            return sympy.Piecewise((value, condition), (self.conditional(), True))
        return value

    def sum(self) -> sympy.Expr:
        value = self.term()
        while self.peek()[1] in ("+", "-"):
            sign = self.take()[1]
            value = value + self.term() if sign == "+" else value - self.term()
        return value

    def starts_atom(self) -> bool:
        kind, text = self.peek()
        if text == "(":
            return not self.note_ahead()
        return kind == "number" or text == "√" or text in FUNCTIONS or (
            kind == "name" and text not in ("if", "else", "at"))

    def term(self) -> sympy.Expr:
        value = self.unary()
        while True:
            if self.peek()[1] in ("*", "/"):
                operator = self.take()[1]
                right = self.unary()
                value = value * right if operator == "*" else value / right
            elif self.starts_atom():
                value = value * self.power()  # juxtaposition: 2√u, σ(u)(1 − σ(u))
            else:
                return value

    def unary(self) -> sympy.Expr:
        if self.peek()[1] == "-":
            self.take("-")
            return -self.unary()
        return self.power()

    def power(self) -> sympy.Expr:
        base = self.atom()
        if self.peek()[0] == "power":
            return base ** superscript(self.take()[1])
        if self.peek()[1] == "^":
            self.take("^")
            return base ** self.unary()
        return base

    def atom(self) -> sympy.Expr:
        kind, text = self.take()
        if kind == "number":
            return sympy.Rational(text)
        if text == "(":
            value = self.conditional()
            self.take(")")
            return value
        if text == "|":
            value = self.sum()
            self.take("|")
            return sympy.Abs(value)
        if text == "√":
            return sympy.sqrt(self.power())
        if text in FUNCTIONS:
            exponent = superscript(self.take()[1]) if self.peek()[0] == "power" else 1
            return FUNCTIONS[text](*self.arguments()) ** exponent
        if text in self.names:
            return self.names[text]
        if text in CONSTANTS:
            return CONSTANTS[text]
        raise NotationError(f"{self.text!r}: unknown name or symbol {text!r}")

    def arguments(self) -> list[sympy.Expr]:
        if self.peek()[1] != "(":
            return [self.atom()]  # ln u, cos u
        self.take("(")
        values = [self.conditional()]
        while self.peek()[1] == ",":
            self.take(",")
            values.append(self.conditional())
        self.take(")")
        return values


def superscript(digits: str) -> sympy.Integer:
    """``²`` → 2, ``¹⁰`` → 10."""
    return sympy.Integer("".join(str(SUPERSCRIPTS.index(d)) for d in digits))


def parse(text: str, names: dict[str, sympy.Expr]) -> Formula:
    """Parse one formula text; ``names`` gives the sympy value of each name (u, v, out)."""
    return _Parser(text, names).formula()
