"""The data model of the two attributes (specification clause 5).

Values are plain Python objects where Python has a fitting type and small
immutable classes where it does not:

=============  ==========================  ======================
spec type      Python type                 example text
=============  ==========================  ======================
token          :class:`str`                ``vfio-pci``
integer        :class:`int`                ``42``
version        :class:`Version`            ``1.4.2``
ratio          :class:`Ratio`              ``1/2``
set            :class:`frozenset` of str   ``{ppgtt,context}``
=============  ==========================  ======================

Every class here is immutable. Two parsed attributes are equal (``==``) exactly
when their canonical strings are byte-equal (clause 6.4).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

__all__ = [
    "SELF",
    "Alternative",
    "Bound",
    "CompatibleDevices",
    "Constraint",
    "Equals",
    "Field",
    "MigrationVersion",
    "Param",
    "Range",
    "Ratio",
    "Rule",
    "SelfRef",
    "Subset",
    "Superset",
    "Value",
    "Version",
    "value_type",
]


class Version:
    """A dotted version: two to eight non-negative integer components.

    Versions are ordered component by component, a missing trailing component
    counting as zero (clause 5.3), so ``1.0`` and ``1.0.0`` are *equivalent* in
    a range check while being different values (their texts differ).
    """

    __slots__ = ("parts",)
    parts: tuple[int, ...]

    def __init__(self, parts: tuple[int, ...]) -> None:
        object.__setattr__(self, "parts", parts)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Version is immutable")

    def __eq__(self, other: object) -> bool:
        return type(other) is Version and other.parts == self.parts

    def __hash__(self) -> int:
        return hash((Version, self.parts))

    def __repr__(self) -> str:
        return f"Version({self})"

    def __str__(self) -> str:
        return ".".join(map(str, self.parts))

    def padded(self, length: int = 8) -> tuple[int, ...]:
        """The components, zero-extended to *length*: the key versions are ordered by."""
        return self.parts + (0,) * (length - len(self.parts))


class Ratio:
    """A ratio of two integers in lowest terms, ``numerator/denominator``.

    The denominator is at least 1. Ratios are ordered as rational numbers.
    """

    __slots__ = ("denominator", "numerator")
    numerator: int
    denominator: int

    def __init__(self, numerator: int, denominator: int) -> None:
        object.__setattr__(self, "numerator", numerator)
        object.__setattr__(self, "denominator", denominator)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Ratio is immutable")

    def __eq__(self, other: object) -> bool:
        return type(other) is Ratio and other.numerator == self.numerator and other.denominator == self.denominator

    def __hash__(self) -> int:
        return hash((Ratio, self.numerator, self.denominator))

    def __repr__(self) -> str:
        return f"Ratio({self})"

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


Value = str | int | Version | Ratio | frozenset[str]
"""A value of one of the five types of clause 5.3."""

ValueType = Literal["token", "integer", "version", "ratio", "set"]


def value_type(value: Value) -> ValueType:
    """The spec's name for the type of *value*."""
    kind = type(value)
    if kind is str:
        return "token"
    if kind is int:
        return "integer"
    if kind is Version:
        return "version"
    if kind is Ratio:
        return "ratio"
    if kind is frozenset:
        return "set"
    raise TypeError(f"not a migcompat value: {value!r}")


@dataclass(frozen=True)
class Field:
    """One ``key=value`` of a ``migration_version``.

    *critical* is False for a field written with the ``~`` (ignorable) mark:
    a target whose rule does not constrain an ignorable field may still accept
    the source; it may not when the field is critical (clause 8.2).
    """

    value: Value
    critical: bool = True


@dataclass(frozen=True)
class Param:
    """One ``param`` line of a device-type template (clause 5.5).

    A device created from the type with creation-time parameter *name* set to
    *value* has the field ``name=value`` (ignorable unless *critical*) and every
    field in *fields*, in addition to the template's own fields.
    """

    name: str
    value: Value
    critical: bool = True
    fields: Mapping[str, Field] = field(default_factory=dict)


@dataclass(frozen=True)
class MigrationVersion:
    """A parsed ``migration_version`` attribute.

    For a device instance, *params* is empty. For a device type it lists the
    creation-time parameters and what each of their values adds to the fields.
    """

    fields: Mapping[str, Field]
    params: tuple[Param, ...] = ()

    @property
    def is_template(self) -> bool:
        """True when the attribute declares creation-time parameters."""
        return bool(self.params)


class SelfRef:
    """The ``$`` reference: the target's own value of the constrained field."""

    __slots__ = ()
    _instance: SelfRef | None = None

    def __new__(cls) -> SelfRef:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "SELF"

    def __reduce__(self) -> str:
        return "SELF"


SELF: Final = SelfRef()
"""The single :class:`SelfRef` instance."""

Bound = int | Version | Ratio | SelfRef
"""A range end: a value of an ordered type, or ``$``."""


@dataclass(frozen=True)
class Range:
    """An inclusive range; a missing end (None) is open (clause 5.6)."""

    low: Bound | None
    high: Bound | None


Alternative = Value | Range | SelfRef
"""One ``|``-separated alternative of an :class:`Equals` constraint."""


@dataclass(frozen=True)
class Equals:
    """``key=a|b|lo..hi``: the source value equals one alternative or lies in one range."""

    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class Subset:
    """``key<={...}``: the source's set is a subset of the operand."""

    operand: frozenset[str] | SelfRef


@dataclass(frozen=True)
class Superset:
    """``key>={...}``: the source's set is a superset of the operand."""

    operand: frozenset[str] | SelfRef


Constraint = Equals | Subset | Superset
"""One constraint of a rule: :class:`Equals`, :class:`Subset` or :class:`Superset`."""


@dataclass(frozen=True)
class Rule:
    """One ``accept`` line: the conjunction of its constraints, keyed by field."""

    constraints: Mapping[str, Constraint]


@dataclass(frozen=True)
class CompatibleDevices:
    """A parsed ``migration_compatible_devices`` attribute.

    A source is accepted when at least one rule accepts it (the rules are
    OR'd); *defaults* gives the value of a field a source does not carry.
    """

    rules: tuple[Rule, ...] = ()
    defaults: Mapping[str, Value] = field(default_factory=dict)
