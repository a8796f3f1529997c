"""The reference parser: the normative Lark grammar plus the checks of clause 7.

This parser defines what a valid attribute is. :mod:`migcompat.parse` runs a
faster equivalent first and comes here for every input that the fast path does
not accept, so that the error a user sees always comes from this module.
Importing it is cheap; Lark is loaded on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar

from . import _build, _values
from ._input import split_lines
from ._values import Problem
from .errors import ParseError
from .model import (
    ANY,
    SELF,
    Alternative,
    CompatibleDevices,
    Constraint,
    Equals,
    MigrationVersion,
    Range,
    Rule,
    SelfPrefix,
    Subset,
    Superset,
    Value,
)

if TYPE_CHECKING:
    from lark import Lark, Token, Tree

_T = TypeVar("_T")
__all__ = ["lark_parser", "reference_parse_compatible", "reference_parse_version"]

START_VERSION = "version_attribute"
START_COMPATIBLE = "compatible_attribute"

_TERMINAL_NAMES = {
    "KEY": "a key",
    "TOKEN": "a token",
    "INT": "an integer",
    "VERSION": "a version",
    "RATIO": "a ratio",
    "SELF_PREFIX": "a $N prefix ($1 to $7)",
    "SP": "a space",
    "NL": "a newline",
    "HEADER": "the header 'mc1'",
    "IGNORABLE": "'~'",
    "$END": "the end of the attribute",
}


@cache
def lark_parser() -> Lark:
    """The LALR(1) parser built from ``grammar/migcompat.lark`` with ``strict=True``."""
    from lark import Lark

    from .resources import grammar_text

    return Lark(
        grammar_text(),
        parser="lalr",
        start=[START_VERSION, START_COMPATIBLE],
        strict=True,
        propagate_positions=True,
        maybe_placeholders=False,
    )


def reference_parse_version(text: str | bytes) -> MigrationVersion:
    """Parse a ``migration_version`` with the reference parser."""
    lines = split_lines(text)
    tree = _parse("\n".join(lines), START_VERSION, lines)
    return _Walker(lines).version(tree)


def reference_parse_compatible(text: str | bytes) -> CompatibleDevices:
    """Parse a ``migration_compatible_devices`` with the reference parser."""
    lines = split_lines(text)
    tree = _parse("\n".join(lines), START_COMPATIBLE, lines)
    return _Walker(lines).compatible(tree)


def _parse(text: str, start: str, lines: list[str]) -> Tree[Token]:
    from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

    parser = lark_parser()
    try:
        return parser.parse(text, start=start)
    except UnexpectedInput as exc:
        if isinstance(exc, UnexpectedCharacters):
            position = exc.pos_in_stream or 0
            got = repr(text[position]) if position < len(text) else "the end"
            expected = exc.allowed or set()
        elif isinstance(exc, UnexpectedToken):
            got = _describe_token(exc.token)
            expected = exc.expected
        else:
            assert isinstance(exc, UnexpectedEOF)
            got, expected = "the end of the attribute", set(exc.expected)
        interactive = getattr(exc, "interactive_parser", None)
        if interactive is not None:
            # LALR merges the states after a value of both attributes, so the lexer's and the table's sets
            # over-approximate ('..' and '|' after a migration_version value); feeding each one tells.
            expected = interactive.accepts() or expected
        line = max(1, getattr(exc, "line", 1) or 1)
        column = max(1, getattr(exc, "column", 1) or 1)
        at_end = isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END")
        if at_end or line > len(lines):
            line, column = len(lines), len(lines[-1]) + 1
        raise ParseError(
            "syntax",
            f"expected {_describe_expected(expected)}, found {got}",
            line=line,
            column=column,
            text=lines[line - 1],
        ) from None


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "the end of the attribute"
    if token.type == "NL":
        return "the end of the line"
    if token.type == "SP":
        return "a space"
    return repr(str(token))


def _describe_expected(names: set[str] | frozenset[str]) -> str:
    terminals = {t.name: t for t in lark_parser().terminals}
    shown = set()
    for name in names:
        if name in _TERMINAL_NAMES:
            shown.add(_TERMINAL_NAMES[name])
        elif name in terminals and terminals[name].pattern.type == "str":
            shown.add(repr(terminals[name].pattern.value))
        else:
            shown.add(name.lower())
    ordered = sorted(shown)
    return ordered[0] if len(ordered) == 1 else "one of " + ", ".join(ordered)


class _Walker:
    """Builds the model from a Lark tree, turning every Problem into a positioned ParseError."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def version(self, tree: Tree[Token]) -> MigrationVersion:
        header = [self._field(child) for child in _trees(tree, "field")]
        params = [[self._field(f) for f in _trees(line, "field")] for line in _trees(tree, "param_line")]
        return self._guard(lambda: _build.version_attribute(header, params))

    def compatible(self, tree: Tree[Token]) -> CompatibleDevices:
        defaults: list[_build.FieldItem] = []
        rules: list[Rule] = []
        for line in _trees(tree, "default_line"):
            for item in _trees(line, "default"):
                key, value = _token(item.children[0]), _tree(item.children[1])
                defaults.append(_build.FieldItem(True, self._key(key), self._value(value), key, value))
        for line in _trees(tree, "accept_line"):
            items = [self._constraint(c) for c in line.children if _is_tree(c)]
            rules.append(self._guard(lambda items=items: _build.rule(items)))  # type: ignore[misc]
        return self._guard(lambda: _build.compatible_attribute(defaults, rules))

    def _field(self, tree: Tree[Token]) -> _build.FieldItem:
        children = tree.children
        critical = True
        if _is_token(children[0]) and children[0].type == "IGNORABLE":
            critical = False
            children = children[1:]
        key, value = _token(children[0]), _tree(children[1])
        return _build.FieldItem(critical, self._key(key), self._value(value), key, value)

    def _constraint(self, tree: Tree[Token]) -> _build.ConstraintItem:
        key_token = _token(tree.children[0])
        operands = [_tree(child) for child in tree.children[1:]]
        key = self._key(key_token)
        constraint: Constraint
        if tree.data == "equals":
            constraint = Equals(tuple(self._alternative(alt) for alt in operands))
        elif tree.data == "any_value":
            constraint = ANY
        else:
            (operand,) = operands
            value = SELF if operand.data == "self" else self._value(operand)
            constraint = Subset(value) if tree.data == "subset" else Superset(value)  # type: ignore[arg-type]
        return _build.ConstraintItem(key, constraint, key_token, operands)

    def _alternative(self, tree: Tree[Token]) -> Alternative:
        if tree.data == "self":
            return SELF
        if tree.data == "self_prefix":
            return _self_prefix(tree)
        if tree.data in ("closed_range", "low_range", "high_range"):
            bounds = [self._bound(_tree(child)) for child in tree.children]
            if tree.data == "closed_range":
                return Range(bounds[0], bounds[1])
            if tree.data == "low_range":
                return Range(bounds[0], None)
            return Range(None, bounds[0])
        return self._value(tree)

    def _bound(self, tree: Tree[Token]) -> Any:
        if tree.data == "self":
            return SELF
        if tree.data == "self_prefix":
            return _self_prefix(tree)
        return self._value(tree)

    def _value(self, tree: Tree[Token]) -> Value:
        if tree.data == "set":
            members = [child for child in tree.children if _is_token(child)]
            checked = [self._check(_values.token, member) for member in members]
            try:
                return _values.member_set(checked)
            except Problem as exc:
                raise self._error(exc, members[min(exc.offset, len(members) - 1)]) from None
        convert: Callable[[str], Value] = _CONVERTERS[str(tree.data)]
        return self._check(convert, _token(tree.children[0]))

    def _key(self, token: Token) -> str:
        return self._check(_values.key, token)

    def _check(self, convert: Callable[[str], _T], token: Token) -> _T:
        try:
            return convert(str(token))
        except Problem as exc:
            raise self._error(exc, token, inside=True) from None

    def _guard(self, build: Callable[[], _T]) -> _T:
        try:
            return build()
        except Problem as exc:
            raise self._error(exc, exc.where) from None

    def _error(self, exc: Problem, where: object, *, inside: bool = False) -> ParseError:
        line, column, length = _position(where)
        if inside:
            column += exc.offset
            length = exc.length or length
        return ParseError(exc.code, exc.message, line=line, column=column, length=length, text=self.lines[line - 1])


def _self_prefix(tree: Tree[Token]) -> SelfPrefix:
    return SelfPrefix(int(_token(tree.children[0])[1:]))


_CONVERTERS: dict[str, Callable[[str], Value]] = {
    "token": _values.token,
    "integer": _values.integer,
    "version": _values.version,
    "ratio": _values.ratio,
}


def _is_token(child: Token | Tree[Token]) -> TypeGuard[Token]:
    # lark's Token subclasses str; testing for str spares importing lark here.
    return isinstance(child, str)


def _token(child: Token | Tree[Token]) -> Token:
    assert _is_token(child), child
    return child


def _is_tree(child: Token | Tree[Token]) -> TypeGuard[Tree[Token]]:
    return not isinstance(child, str)


def _tree(child: Token | Tree[Token]) -> Tree[Token]:
    assert _is_tree(child), child
    return child


def _trees(tree: Tree[Token], data: str) -> list[Tree[Token]]:
    return [child for child in tree.children if _is_tree(child) and child.data == data]


def _position(where: object) -> tuple[int, int, int]:
    """Line, column and length of a Lark token or tree."""
    if where is None:
        return 1, 1, 1
    meta = getattr(where, "meta", where)
    line = getattr(meta, "line", 1) or 1
    column = getattr(meta, "column", 1) or 1
    end_line = getattr(meta, "end_line", line)
    end_column = getattr(meta, "end_column", column + 1) or column + 1
    length = end_column - column if end_line == line else 1
    return line, column, length
