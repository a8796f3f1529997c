"""The fast path: regular expressions over whole lines, then plain string splitting.

It shares the whole-input checks of clause 7.1 (:func:`~migcompat._input.split_lines`)
with the reference parser and lets their errors through; past them, it returns
None for anything it does not accept, and the caller then runs the reference
parser (:mod:`migcompat.reference_parser`), which either agrees or raises the error. So
this module reports no errors of its own, and it must never accept a string
the reference parser rejects nor build a different model: the
differential tests (``tests/test_differential.py``) hold it to that, and
``tests/test_grammar.py`` checks that the terminal patterns below are the
grammar's own.
"""

from __future__ import annotations

import re
from sys import intern
from typing import Final, TypeVar

from . import _build, _values
from ._caches import register
from ._input import split_lines
from ._values import INTERN_LIMIT, Problem
from .limits import MAX_INTEGER, MAX_TOKEN_BYTES, MAX_VERSION_PARTS
from .model import (
    ANY,
    SELF,
    Alternative,
    Bound,
    CompatibleDevices,
    Constraint,
    Equals,
    Field,
    MigrationVersion,
    Range,
    Ratio,
    Rule,
    SelfPrefix,
    Subset,
    Superset,
    Value,
    Version,
    _adopt,
)
from .terminals import INT, KEY, RATIO, SELF_PREFIX, TOKEN, VERSION

_MEMBER = f"(?:{TOKEN}|{VERSION}|{INT})"
_SET = rf"\{{(?:{_MEMBER}(?:,{_MEMBER})*)?\}}"
_VALUE = f"(?:{_SET}|{TOKEN}|{RATIO}|{VERSION}|{INT})"
_SCALAR = f"(?:{RATIO}|{VERSION}|{INT})"
_BOUND = rf"(?:{_SCALAR}|\$|{SELF_PREFIX})"
_ALTERNATIVE = rf"(?:{_BOUND}\.\.{_BOUND}?|\.\.{_BOUND}|{_VALUE}|\$|{SELF_PREFIX})"
_OPERAND = rf"(?:{_SET}|\$)"
_CONSTRAINT = rf"{KEY}(?:=\*|={_ALTERNATIVE}(?:\|{_ALTERNATIVE})*|[<>]={_OPERAND})"
_FIELD = f"~?{KEY}={_VALUE}"

_FIELD_ITEM: Final = re.compile(_FIELD)
_CONSTRAINT_ITEM: Final = re.compile(_CONSTRAINT)
_DEFAULT_ITEM: Final = re.compile(f"{KEY}={_VALUE}")

# Attribute strings repeat their items heavily across a fleet (the same driver,
# device id, stream and type on every device), so each item's parse is kept.
# Only valid items are kept, and an item's meaning does not depend on its line.
# Only short items: a long one (a constraint of hundreds of alternatives) is rarely
# repeated, and 8192 of them would hold hundreds of MiB.
_CACHE_LIMIT: Final = 8192
_CACHED_ITEM_LENGTH: Final = 256
_fields_cache: dict[str, tuple[str, Field]] = {}
_constraints_cache: dict[str, tuple[str, Constraint]] = {}
_DIGITS: Final = frozenset("0123456789")
_Item = TypeVar("_Item")


def _keep(cache: dict[str, _Item], item: str, parsed: _Item) -> None:
    """Keep *item*'s parse in *cache* when the item is short; a full cache starts again empty."""
    if len(item) <= _CACHED_ITEM_LENGTH:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[item] = parsed


@register
def clear_caches() -> None:
    """Forget every item parsed so far (:func:`migcompat.compare.clear_cache`, and benchmarks of a cold start)."""
    _fields_cache.clear()
    _constraints_cache.clear()


def parse_version(text: str | bytes) -> MigrationVersion | None:
    """The model of a valid ``migration_version``, or None to defer to the reference parser."""
    try:
        lines = split_lines(text)
        first = lines[0]
        if len(first) < 5:
            return None
        fields = _fields(first[4:].split(" "))
        if fields is None:
            return None
        if len(lines) == 1:
            return MigrationVersion(_adopt(fields))
        return _template(fields, lines[1:])
    except Problem:
        return None


def _field(item: str) -> tuple[str, Field] | None:
    cached = _fields_cache.get(item)
    if cached is not None:
        return cached
    if _FIELD_ITEM.fullmatch(item) is None:
        return None
    key, _, raw = item.partition("=")
    critical = key[0] != "~"
    if not critical:
        key = key[1:]
    result = (_values.key(key), Field(_value(raw), critical))
    _keep(_fields_cache, item, result)
    return result


def _fields(items: list[str]) -> dict[str, Field] | None:
    fields = {}
    for item in items:
        parsed = _fields_cache.get(item) or _field(item)
        if parsed is None:
            return None
        fields[parsed[0]] = parsed[1]
    if len(fields) != len(items):
        return None
    return fields


def _template(fixed: dict[str, Field], rest: list[str]) -> MigrationVersion | None:
    header = [_build.FieldItem(f.critical, k, f.value) for k, f in fixed.items()]
    params = []
    for line in rest:
        if not line.startswith("param "):
            return None
        items = []
        for item in line[6:].split(" "):
            parsed = _field(item)
            if parsed is None:
                return None
            key, field = parsed
            items.append(_build.FieldItem(field.critical, key, field.value))
        params.append(items)
    return _build.version_attribute(header, params)


def parse_compatible(text: str | bytes) -> CompatibleDevices | None:
    """The model of a valid ``migration_compatible_devices``, or None to defer."""
    try:
        lines = split_lines(text)
        if lines[0] != "mc1":
            return None
        defaults: list[_build.FieldItem] = []
        rules: list[Rule] = []
        for number, line in enumerate(lines[1:]):
            if line.startswith("accept"):
                rule = _rule(line)
                if rule is None:
                    return None
                rules.append(rule)
            elif number == 0 and line.startswith("default "):
                for item in line[8:].split(" "):
                    if _DEFAULT_ITEM.fullmatch(item) is None:
                        return None
                    key, _, raw = item.partition("=")
                    defaults.append(_build.FieldItem(True, _values.key(key), _value(raw)))
            else:
                return None
        return _build.compatible_attribute(defaults, rules)
    except Problem:
        return None


_ACCEPT_ALL: Final = Rule(_adopt({}))


def _rule(line: str) -> Rule | None:
    if line == "accept":
        return _ACCEPT_ALL
    if line[6] != " ":
        return None
    items = line[7:].split(" ")
    constraints = {}
    for item in items:
        parsed = _constraints_cache.get(item) or _constraint(item)
        if parsed is None:
            return None
        constraints[parsed[0]] = parsed[1]
    if len(constraints) != len(items):
        return None
    return Rule(_adopt(constraints))


def _constraint(item: str) -> tuple[str, Constraint] | None:
    if _CONSTRAINT_ITEM.fullmatch(item) is None:
        return None
    at = item.index("=")
    operator = item[at - 1]
    constraint: Constraint
    if operator == "<" or operator == ">":
        key = item[: at - 1]
        raw = item[at + 1 :]
        operand = SELF if raw == "$" else _value(raw)
        constraint = Subset(operand) if operator == "<" else Superset(operand)  # type: ignore[arg-type]
    elif item[at + 1 :] == "*":
        key = item[:at]
        constraint = ANY
    else:
        key = item[:at]
        constraint = Equals(tuple(_alternative(alt) for alt in item[at + 1 :].split("|")))
    key = _values.key(key)
    # The structural checks of a one-constraint rule are those that concern the constraint alone.
    _build.constraints([_build.ConstraintItem(key, constraint)])
    result = (key, constraint)
    _keep(_constraints_cache, item, result)
    return result


def _alternative(text: str) -> Alternative:
    if ".." in text:
        low, _, high = text.partition("..")
        return Range(_bound(low), _bound(high))
    if text[0] == "$":
        return SELF if len(text) == 1 else SelfPrefix(int(text[1]))
    return _value(text)


def _bound(text: str) -> Bound | None:
    if not text:
        return None
    if text[0] == "$":
        return SELF if len(text) == 1 else SelfPrefix(int(text[1]))
    return _value(text)  # type: ignore[return-value]


def _value(text: str) -> Value:
    """The value of a lexeme the line pattern has already matched."""
    value: Value
    first = text[0]
    if first == "{":
        members = text[1:-1].split(",") if len(text) > 2 else []
        for member in members:
            if len(member) > MAX_TOKEN_BYTES or "%" in member:
                _values.token(member)
        value = _values.member_set([intern(m) if len(m) <= INTERN_LIMIT else m for m in members])
    elif "/" in text:
        value = _ratio(text)
    elif first in _DIGITS and text.isdigit():
        value = _integer(text)
    elif first in _DIGITS and "." in text and text.replace(".", "").isdigit():
        parts = text.split(".")
        if len(parts) > MAX_VERSION_PARTS:
            raise Problem("version-too-long", text)
        value = Version(tuple(map(_integer, parts)))
    else:
        if len(text) > MAX_TOKEN_BYTES or "%" in text:
            _values.token(text)
        value = intern(text) if len(text) <= INTERN_LIMIT else text
    return value


def _integer(text: str) -> int:
    if (len(text) > 1 and text[0] == "0") or len(text) > 20:
        raise Problem("leading-zero" if text[0] == "0" else "int-overflow", text)
    value = int(text)
    if value > MAX_INTEGER:
        raise Problem("int-overflow", text)
    return value


def _ratio(text: str) -> Ratio:
    return _values.ratio(text)
