"""From checked items to the data model: the structural checks of clause 7.3.

Both parsers feed these builders the same items, so both produce the same
model and detect the same structural errors. Each item carries a *where*
handle that the builder hands back, unchanged, on the :class:`Problem` it
raises, so that the caller can say where the fault is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from ._values import Problem
from .model import (
    Alternative,
    CompatibleDevices,
    Constraint,
    Equals,
    Field,
    MigrationVersion,
    Param,
    Range,
    Rule,
    SelfPrefix,
    SelfRef,
    Value,
    _adopt,
    value_type,
)
from .semantics.values import compare


class FieldItem(NamedTuple):
    """``[~]key=value`` as read, with a place for each part."""

    critical: bool
    key: str
    value: Value
    where_key: object = None
    where_value: object = None


class ConstraintItem(NamedTuple):
    """``key OP operand`` as read; *where_parts* has one place per alternative."""

    key: str
    constraint: Constraint
    where_key: object = None
    where_parts: Sequence[object] = ()


def fail(code: str, message: str, where: object) -> Problem:
    """A Problem located at *where*."""
    return Problem(code, message, where=where)


def fields(items: Iterable[FieldItem], taken: Mapping[str, object] | None = None) -> dict[str, Field]:
    """The fields of one line; *taken* holds keys already used elsewhere."""
    result: dict[str, Field] = {}
    for item in items:
        if item.key in result or (taken is not None and item.key in taken):
            raise fail("duplicate-key", f"key {item.key!r} is given twice", item.where_key)
        result[item.key] = Field(item.value, item.critical)
    return result


def version_attribute(header: Sequence[FieldItem], params: Sequence[Sequence[FieldItem]]) -> MigrationVersion:
    """A ``migration_version`` from its header fields and its ``param`` lines."""
    own = fields(header)
    if not params:
        return MigrationVersion(_adopt(own))
    owner: dict[str, str] = {}  # field key -> the parameter whose lines set it
    seen: dict[str, dict[Value, object]] = {}
    kinds: dict[str, str] = {}
    built = []
    for line in params:
        head, rest = line[0], line[1:]
        if head.key in own:
            raise fail("duplicate-key", f"parameter {head.key!r} is also a fixed field", head.where_key)
        values = seen.setdefault(head.key, {})
        if head.value in values:
            raise fail(
                "duplicate-param",
                f"parameter {head.key}={_text(head.value)} is declared twice",
                head.where_value,
            )
        values[head.value] = head.where_value
        kind = kinds.setdefault(head.key, value_type(head.value))
        if kind != value_type(head.value):
            raise fail(
                "mixed-types",
                f"parameter {head.key!r} has {kind} and {value_type(head.value)} values",
                head.where_value,
            )
        extra = fields(rest, own)
        if head.key in extra:
            raise fail(
                "duplicate-key",
                f"key {head.key!r} is given twice",
                rest[[i.key for i in rest].index(head.key)].where_key,
            )
        for item in (head, *rest):
            holder = owner.setdefault(item.key, head.key)
            if holder != head.key:
                raise fail(
                    "param-conflict",
                    f"field {item.key!r} is set by parameter {holder!r} and by parameter {head.key!r}",
                    item.where_key,
                )
        built.append(Param(head.key, head.value, head.critical, _adopt(extra)))
    return MigrationVersion(_adopt(own), tuple(built))


def defaults(items: Iterable[FieldItem]) -> dict[str, Value]:
    """The ``default`` line."""
    return {key: field.value for key, field in fields(items).items()}


def rule(items: Iterable[ConstraintItem]) -> Rule:
    """One ``accept`` line."""
    return Rule(_adopt(constraints(items)))


def constraints(items: Iterable[ConstraintItem]) -> dict[str, Constraint]:
    """The constraints of one ``accept`` line, checked."""
    result: dict[str, Constraint] = {}
    for item in items:
        if item.key in result:
            raise fail("duplicate-key", f"key {item.key!r} is constrained twice in one rule", item.where_key)
        if isinstance(item.constraint, Equals):
            _check_alternatives(item.key, item.constraint.alternatives, item.where_parts)
        result[item.key] = item.constraint
    return result


def compatible_attribute(default_items: Iterable[FieldItem], rules: Iterable[Rule]) -> CompatibleDevices:
    """A ``migration_compatible_devices`` from its ``default`` line and rules."""
    return CompatibleDevices(tuple(rules), _adopt(defaults(default_items)))


def _check_alternatives(key: str, alternatives: Sequence[Alternative], where: Sequence[object]) -> None:
    kind = None
    seen: set[object] = set()
    for index, alternative in enumerate(alternatives):
        place = where[index] if index < len(where) else None
        if alternative in seen:
            raise fail("duplicate-member", f"alternative {_text(alternative)} of {key!r} is given twice", place)
        seen.add(alternative)
        for this in _types_of(alternative):
            if kind is None:
                kind = this
            elif this != kind:
                raise fail("mixed-types", f"{key!r} mixes {kind} and {this} alternatives", place)
        if isinstance(alternative, Range):
            low, high = alternative.low, alternative.high
            if (
                low is not None
                and high is not None
                and not isinstance(low, SelfRef | SelfPrefix)
                and not isinstance(high, SelfRef | SelfPrefix)
                and compare(low, high) > 0
            ):
                raise fail("empty-range", f"range {_text(alternative)} is empty: {low} is above {high}", place)


def _types_of(alternative: Alternative) -> list[str]:
    """The value types *alternative* names: ``$`` names none, ``$N`` a version (it reads the target's version)."""
    if isinstance(alternative, SelfRef):
        return []
    if isinstance(alternative, SelfPrefix):
        return ["version"]
    if isinstance(alternative, Range):
        return [
            "version" if isinstance(end, SelfPrefix) else value_type(end)
            for end in (alternative.low, alternative.high)
            if end is not None and not isinstance(end, SelfRef)
        ]
    return [value_type(alternative)]


def _text(item: Alternative) -> str:
    from .emit import alternative_text

    return alternative_text(item)
