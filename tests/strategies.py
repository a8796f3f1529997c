"""Hypothesis strategies for valid migcompat data models and their texts.

Every model drawn here holds the invariants of clause 7.3 and fits the limits
of clause 4.4, so ``parse(emit(model)) == model`` must hold for all of them.
"""

from __future__ import annotations

import os
from math import gcd

from hypothesis import assume
from hypothesis import strategies as st

from migcompat.emit import emit
from migcompat.limits import MAX_ATTRIBUTE_BYTES, MAX_INTEGER
from migcompat.model import (
    ANY,
    SELF,
    Alternative,
    CompatibleDevices,
    Constraint,
    Equals,
    Field,
    MigrationVersion,
    Param,
    Range,
    Ratio,
    Rule,
    SelfPrefix,
    Subset,
    Superset,
    Value,
    Version,
)


def examples(count: int) -> int:
    """The examples to draw for a test written for *count*, as the profiles of conftest.py scale them.

    Half of *count* (at least 10) in the default profile, ten times *count* in the thorough one
    (HYPOTHESIS_PROFILE=thorough).
    """
    return count * 10 if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else max(count // 2, 10)


_LOWER = "abcdefghijklmnopqrstuvwxyz"
_DIGITS = "0123456789"


def _name(min_rest: int, max_rest: int) -> st.SearchStrategy[str]:
    """``[a-z][a-z0-9_]{min_rest,max_rest}``, drawn without a regular expression (from_regex is many times slower)."""
    return st.builds(
        str.__add__, st.sampled_from(_LOWER), st.text(_LOWER + _DIGITS + "_", min_size=min_rest, max_size=max_rest)
    )


keys = st.builds(
    lambda head, tail: head if tail is None else f"{head}.{tail}", _name(0, 8), st.none() | _name(0, 8)
) | _name(55, 62)

_PLAIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_:+-"
_ESCAPABLE = [c for c in map(chr, range(0x20, 0x7F)) if c not in _PLAIN and c != "."]
_unit = st.sampled_from(list(_PLAIN)) | st.sampled_from(_ESCAPABLE).map(lambda c: f"%{ord(c):02X}")
_segment = st.lists(_unit, min_size=1, max_size=6).map("".join)


@st.composite
def tokens(draw: st.DrawFn, long: bool = True) -> str:
    """A valid token: dotted segments with at least one non-digit character."""
    parts = draw(st.lists(_segment, min_size=1, max_size=3))
    text = ".".join(parts)
    if not text.replace(".", "").strip("0123456789"):
        text += draw(st.sampled_from(list("abcxyz_-:+")))
    if long and draw(st.integers(0, 30)) == 0:
        text = (text + "x" * 255)[:255]
    return text


integers = st.integers(0, MAX_INTEGER) | st.integers(0, 100)
versions = st.lists(st.integers(0, 2**64 - 1) | st.integers(0, 20), min_size=2, max_size=8).map(
    lambda parts: Version(tuple(parts))
)


@st.composite
def ratios(draw: st.DrawFn) -> Ratio:
    denominator = draw(st.integers(1, 64) | st.integers(1, MAX_INTEGER))
    numerator = draw(st.integers(0, 64) | st.integers(0, MAX_INTEGER))
    divisor = gcd(numerator, denominator)
    return Ratio(numerator // divisor, denominator // divisor)


_numeric_member = st.builds(
    lambda whole, part: whole if part is None else f"{whole}.{part}",
    st.text(_DIGITS, min_size=1, max_size=4),
    st.none() | st.text(_DIGITS, min_size=1, max_size=3),
)
members = tokens(long=False) | _numeric_member
sets = st.frozensets(members, max_size=8)

VALUE_STRATEGIES = {
    "token": tokens(),
    "integer": integers,
    "version": versions,
    "ratio": ratios(),
    "set": sets,
}
values: st.SearchStrategy[Value] = st.one_of(*VALUE_STRATEGIES.values())
ORDERED = ("integer", "version", "ratio")


def _fits(model: MigrationVersion | CompatibleDevices) -> bool:
    return len(emit(model)) <= MAX_ATTRIBUTE_BYTES


field_maps = st.dictionaries(keys, st.builds(Field, values, st.booleans()), min_size=1, max_size=8)


@st.composite
def version_models(draw: st.DrawFn) -> MigrationVersion:
    """A valid ``migration_version``: an instance, or a type template with param lines."""
    fixed = draw(field_maps)
    params: list[Param] = []
    used = set(fixed)
    for _ in range(draw(st.integers(0, 2))):
        name = draw(keys.filter(lambda k: k not in used))
        used.add(name)
        extra_keys = draw(st.lists(keys.filter(lambda k: k not in used), max_size=3, unique=True))
        used.update(extra_keys)
        kind = draw(st.sampled_from(sorted(VALUE_STRATEGIES)))
        choices = draw(st.lists(VALUE_STRATEGIES[kind], min_size=1, max_size=4, unique=True))
        critical = draw(st.booleans())
        for choice in choices:
            line_fields = {key: Field(draw(values), draw(st.booleans())) for key in extra_keys if draw(st.booleans())}
            params.append(Param(name, choice, critical, line_fields))
    model = MigrationVersion(fixed, tuple(draw(st.permutations(params))) if params else ())
    assume(_fits(model))
    return model


@st.composite
def _range(draw: st.DrawFn, kind: str) -> Range:
    strategy = VALUE_STRATEGIES[kind]
    if kind == "version":  # $1 to $7 read the target's version (spec 1.1)
        strategy = strategy | st.builds(SelfPrefix, st.integers(1, 7))
    low = draw(st.none() | st.just(SELF) | strategy)
    high = draw(st.just(SELF) | strategy) if low is None else draw(st.none() | st.just(SELF) | strategy)
    ends = (low, high)
    if None not in ends and not any(end is SELF or isinstance(end, SelfPrefix) for end in ends):
        from migcompat.semantics.values import compare

        if compare(low, high) > 0:  # type: ignore[arg-type]
            low, high = high, low
    return Range(low, high)  # type: ignore[arg-type]


@st.composite
def constraints(draw: st.DrawFn) -> Constraint:
    """One constraint of any operator, its alternatives of one type."""
    operator = draw(st.sampled_from(["equals", "equals", "subset", "superset", "any"]))
    if operator == "any":
        return ANY
    if operator != "equals":
        operand = draw(st.just(SELF) | sets)
        return Subset(operand) if operator == "subset" else Superset(operand)
    kind = draw(st.sampled_from(sorted(VALUE_STRATEGIES)))
    alternative: st.SearchStrategy[Alternative] = VALUE_STRATEGIES[kind] | st.just(SELF)
    if kind in ORDERED:
        alternative = alternative | _range(kind)
    if kind == "version":
        alternative = alternative | st.builds(SelfPrefix, st.integers(1, 7))
    chosen = draw(st.lists(alternative, min_size=1, max_size=4, unique=True))
    return Equals(tuple(chosen))


rules = st.builds(Rule, st.dictionaries(keys, constraints(), max_size=6))


@st.composite
def compatible_models(draw: st.DrawFn) -> CompatibleDevices:
    """A valid ``migration_compatible_devices``."""
    model = CompatibleDevices(
        tuple(draw(st.lists(rules, max_size=5))),
        draw(st.dictionaries(keys, values, max_size=4)),
    )
    assume(_fits(model))
    return model


models = version_models() | compatible_models()


MUTATION_ALPHABET = "mc1 =~{},|.$<>/%:-_aAzZ09\n\r\t\x00param acceptdefault*"
"""Bytes that make attribute texts interesting: the syntax's own characters, a few letters and digits, faults."""


def mutate(draw: st.DrawFn, text: str) -> str:
    """*text* with one to three characters inserted, deleted, replaced or a span duplicated: mostly invalid."""
    for _ in range(draw(st.integers(1, 3))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        char = draw(st.sampled_from(MUTATION_ALPHABET))
        if action == "insert":
            text = text[:position] + char + text[position:]
        elif action == "delete":
            text = text[:position] + text[position + 1 :]
        elif action == "replace":
            text = text[:position] + char + text[position + 1 :]
        else:
            end = draw(st.integers(position, len(text)))
            text = text[:end] + text[position:end] + text[end:]
    return text
