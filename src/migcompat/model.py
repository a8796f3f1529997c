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

Every class here is deeply immutable and hashable, so models may be dict keys
and set members. Their mappings (``MigrationVersion.fields``,
``Param.fields``, ``Rule.constraints``, ``CompatibleDevices.defaults``)
are :class:`FrozenMap` instances: a constructor given a plain dict (or any
mapping) stores a read-only copy of it, and one given a list where the model
holds a tuple stores the tuple. Two parsed attributes are equal (``==``)
exactly when their canonical strings are byte-equal (clause 6.4); equal models
hash equal.
"""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar, overload

__all__ = [
    "ANY",
    "SELF",
    "Alternative",
    "AnyValue",
    "Bound",
    "CompatibleDevices",
    "Constraint",
    "Equals",
    "Field",
    "FrozenMap",
    "MigrationVersion",
    "Param",
    "Range",
    "Ratio",
    "Rule",
    "SelfPrefix",
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
    a range check while being different values (their texts differ). The
    comparison operators follow that order (``min``, ``sorted`` and ``<``
    work); comparing with another type raises :class:`TypeError`.
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

    def __reduce__(self) -> tuple[type[Version], tuple[tuple[int, ...]]]:
        return (Version, (self.parts,))

    def __str__(self) -> str:
        return ".".join(map(str, self.parts))

    def padded(self, length: int = 8) -> tuple[int, ...]:
        """The components, zero-extended to *length*: the key versions are ordered by."""
        return self.parts + (0,) * (length - len(self.parts))

    # Ordered as clause 5.3 orders versions; 1.0 and 1.0.0 are neither less nor greater, yet not equal.
    def __lt__(self, other: object) -> bool:
        return self.padded() < other.padded() if type(other) is Version else NotImplemented

    def __le__(self, other: object) -> bool:
        return self.padded() <= other.padded() if type(other) is Version else NotImplemented

    def __gt__(self, other: object) -> bool:
        return self.padded() > other.padded() if type(other) is Version else NotImplemented

    def __ge__(self, other: object) -> bool:
        return self.padded() >= other.padded() if type(other) is Version else NotImplemented


class Ratio:
    """A ratio of two integers in lowest terms, ``numerator/denominator``.

    The denominator is at least 1. Ratios are ordered as rational numbers,
    and the comparison operators follow that order.
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

    def __reduce__(self) -> tuple[type[Ratio], tuple[int, int]]:
        return (Ratio, (self.numerator, self.denominator))

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"

    # Ordered as rational numbers (clause 5.3); in lowest terms, equal value is equality.
    def __lt__(self, other: object) -> bool:
        if type(other) is not Ratio:
            return NotImplemented
        return self.numerator * other.denominator < other.numerator * self.denominator

    def __le__(self, other: object) -> bool:
        if type(other) is not Ratio:
            return NotImplemented
        return self.numerator * other.denominator <= other.numerator * self.denominator

    def __gt__(self, other: object) -> bool:
        if type(other) is not Ratio:
            return NotImplemented
        return self.numerator * other.denominator > other.numerator * self.denominator

    def __ge__(self, other: object) -> bool:
        if type(other) is not Ratio:
            return NotImplemented
        return self.numerator * other.denominator >= other.numerator * self.denominator


_K = TypeVar("_K")
_V = TypeVar("_V", covariant=True)
_T = TypeVar("_T")


class FrozenMap(Mapping[_K, _V]):
    """A read-only, hashable mapping that keeps insertion order.

    ``FrozenMap(m)`` copies the mapping (or iterable of pairs) *m*;
    ``FrozenMap(f)`` for a FrozenMap *f* is *f* itself. It compares equal to
    any mapping with the same items, as a dict does, and its hash is that of
    the frozenset of its items, computed on first use and kept (so the values
    must be hashable for ``hash()``, as every model value is). Reads go
    straight to a private dict: ``m.get(k)`` costs a ``dict.get`` and one
    method call. There are no mutating methods, and attributes cannot be set.
    Pickling and copying keep the items and their order.
    """

    __slots__ = ("_data", "_hash")
    _data: dict[_K, _V]
    _hash: int

    def __new__(cls, items: Mapping[_K, _V] | Iterable[tuple[_K, _V]] = (), /) -> FrozenMap[_K, _V]:
        if type(items) is cls:
            return items
        self = object.__new__(cls)
        _set_data(self, items._data if isinstance(items, FrozenMap) else dict(items))
        return self

    def __getitem__(self, key: _K, /) -> _V:
        return self._data[key]

    @overload
    def get(self, key: _K, /) -> _V | None: ...
    @overload
    def get(self, key: _K, default: _T, /) -> _V | _T: ...
    def get(self, key: _K, default: object = None, /) -> object:
        """The value of *key*, or *default* when the map has no *key*."""
        return self._data.get(key, default)

    def __contains__(self, key: object, /) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[_K]:
        return iter(self._data)

    def __reversed__(self) -> Iterator[_K]:
        return reversed(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def keys(self) -> KeysView[_K]:
        """A read-only view of the keys, in insertion order."""
        return self._data.keys()

    def values(self) -> ValuesView[_V]:
        """A read-only view of the values, in insertion order."""
        return self._data.values()

    def items(self) -> ItemsView[_K, _V]:
        """A read-only view of the ``(key, value)`` pairs, in insertion order."""
        return self._data.items()

    def to_dict(self) -> dict[_K, _V]:
        """A new dict with the same items in the same order, for the caller to change.

        It costs one dict copy; ``dict(m)`` reads the items one ``m[key]`` call
        at a time and is several times slower.
        """
        return self._data.copy()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenMap):
            return self is other or self._data == other._data
        if isinstance(other, dict):
            return self._data == other
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        try:
            return self._hash
        except AttributeError:
            value = hash(frozenset(self._data.items()))
            _set_hash(self, value)
            return value

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def __reduce__(self) -> tuple[type[FrozenMap[_K, _V]], tuple[dict[_K, _V]]]:
        return (type(self), (self._data,))

    def __copy__(self) -> FrozenMap[_K, _V]:
        return self

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("FrozenMap is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("FrozenMap is immutable")


_set_data: Final[Callable[[FrozenMap[Any, Any], dict[Any, Any]], None]] = vars(FrozenMap)["_data"].__set__
_set_hash: Final[Callable[[FrozenMap[Any, Any], int], None]] = vars(FrozenMap)["_hash"].__set__
_new: Final = object.__new__


def _adopt(data: dict[_K, _T]) -> FrozenMap[_K, _T]:
    """A FrozenMap over *data* itself, not a copy: for builders that made *data* and drop it."""
    self: FrozenMap[_K, _T] = _new(FrozenMap)
    _set_data(self, data)
    return self


_EMPTY: Final[FrozenMap[Any, Any]] = _adopt({})


def _cached_hash(model: Any, parts: tuple[object, ...]) -> int:
    """The hash of *parts*, kept in *model*'s ``__dict__`` (which pickling leaves out) after the first call."""
    value = hash(parts)
    model.__dict__["_hash"] = value
    return value


def _state(model: object) -> dict[str, object]:
    """*model*'s attributes for pickling: its fields, not its cached hash (string hashes differ between processes)."""
    state = dict(model.__dict__)
    state.pop("_hash", None)
    return state


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


@dataclass(frozen=True, init=False)
class Field:
    """One ``key=value`` of a ``migration_version``.

    *critical* is False for a field written with the ``~`` (ignorable) mark:
    a target whose rule does not constrain an ignorable field may still accept
    the source; it may not when the field is critical (clause 8.2).
    """

    value: Value
    critical: bool = True

    def __init__(self, value: Value, critical: bool = True) -> None:
        attributes = self.__dict__
        attributes["value"] = value
        attributes["critical"] = critical


@dataclass(frozen=True, init=False)
class Param:
    """One ``param`` line of a device-type template (clause 5.5).

    A device created from the type with creation-time parameter *name* set to
    *value* has the field ``name=value`` (ignorable unless *critical*) and every
    field in *fields*, in addition to the template's own fields. *fields* is
    stored as a :class:`FrozenMap`.
    """

    name: str
    value: Value
    critical: bool = True
    fields: Mapping[str, Field] = _EMPTY

    def __init__(self, name: str, value: Value, critical: bool = True, fields: Mapping[str, Field] = _EMPTY) -> None:
        attributes = self.__dict__
        attributes["name"] = name
        attributes["value"] = value
        attributes["critical"] = critical
        attributes["fields"] = fields if type(fields) is FrozenMap else FrozenMap(fields)


@dataclass(frozen=True, init=False)
class MigrationVersion:
    """A parsed ``migration_version`` attribute.

    For a device instance, *params* is empty. For a device type it lists the
    creation-time parameters and what each of their values adds to the fields.
    *fields* is stored as a :class:`FrozenMap`, *params* as a tuple. The hash
    is computed on first use and kept.
    """

    fields: Mapping[str, Field]
    params: tuple[Param, ...] = ()

    def __init__(self, fields: Mapping[str, Field], params: Iterable[Param] = ()) -> None:
        attributes = self.__dict__
        attributes["fields"] = fields if type(fields) is FrozenMap else FrozenMap(fields)
        attributes["params"] = params if type(params) is tuple else tuple(params)

    def __hash__(self) -> int:
        cached: int | None = self.__dict__.get("_hash")
        return _cached_hash(self, (self.fields, self.params)) if cached is None else cached

    def __getstate__(self) -> dict[str, object]:
        return _state(self)

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


@dataclass(frozen=True)
class SelfPrefix:
    """``$1`` to ``$7``: the target's own version cut to its first *length* components (spec 1.1).

    It stands for the versions that start with those components (their
    *prefix class*, trailing components read as zero): as an alternative, a
    source version matches when its first *length* components are the
    target's; as a range's low end it is the lowest version of the class, as
    a high end the highest, so ``$1..$2`` reads "the same major version as
    mine, up to my minor version, any patch level".
    """

    length: int


Bound = int | Version | Ratio | SelfRef | SelfPrefix
"""A range end: a value of an ordered type, ``$`` or ``$N``."""


@dataclass(frozen=True)
class Range:
    """An inclusive range; a missing end (None) is open (clause 5.6)."""

    low: Bound | None
    high: Bound | None


Alternative = Value | Range | SelfRef | SelfPrefix
"""One ``|``-separated alternative of an :class:`Equals` constraint."""


@dataclass(frozen=True, init=False)
class Equals:
    """``key=a|b|lo..hi``: the source value equals one alternative or lies in one range.

    The hash is computed on first use and kept (a constraint can hold
    hundreds of alternatives, and the comparators key their work by it).
    """

    alternatives: tuple[Alternative, ...]

    def __init__(self, alternatives: Iterable[Alternative]) -> None:
        self.__dict__["alternatives"] = alternatives if type(alternatives) is tuple else tuple(alternatives)

    def __hash__(self) -> int:
        cached: int | None = self.__dict__.get("_hash")
        return _cached_hash(self, (self.alternatives,)) if cached is None else cached

    def __getstate__(self) -> dict[str, object]:
        return _state(self)


@dataclass(frozen=True)
class Subset:
    """``key<={...}``: the source's set is a subset of the operand."""

    operand: frozenset[str] | SelfRef


@dataclass(frozen=True)
class Superset:
    """``key>={...}``: the source's set is a superset of the operand."""

    operand: frozenset[str] | SelfRef


@dataclass(frozen=True)
class AnyValue:
    """``key=*``: every value, and no value (spec 1.1).

    The constraint restricts nothing; it says that the target understands
    the key, so that a critical field of that key does not make the rule
    false (clause 8.2).
    """


ANY: Final = AnyValue()
"""The :class:`AnyValue` constraint (every instance is equal to it)."""

Constraint = Equals | Subset | Superset | AnyValue
"""One constraint of a rule: :class:`Equals`, :class:`Subset`, :class:`Superset` or :class:`AnyValue`."""


@dataclass(frozen=True, init=False)
class Rule:
    """One ``accept`` line: the conjunction of its constraints, keyed by field.

    *constraints* is stored as a :class:`FrozenMap`. The hash is computed on
    first use and kept.
    """

    constraints: Mapping[str, Constraint]

    def __init__(self, constraints: Mapping[str, Constraint]) -> None:
        self.__dict__["constraints"] = constraints if type(constraints) is FrozenMap else FrozenMap(constraints)

    def __hash__(self) -> int:
        cached: int | None = self.__dict__.get("_hash")
        return _cached_hash(self, (self.constraints,)) if cached is None else cached

    def __getstate__(self) -> dict[str, object]:
        return _state(self)


@dataclass(frozen=True, init=False)
class CompatibleDevices:
    """A parsed ``migration_compatible_devices`` attribute.

    A source is accepted when at least one rule accepts it (the rules are
    OR'd); *defaults* gives the value of a field a source does not carry.
    *rules* is stored as a tuple, *defaults* as a :class:`FrozenMap`. The hash
    is computed on first use and kept.
    """

    rules: tuple[Rule, ...] = ()
    defaults: Mapping[str, Value] = _EMPTY

    def __init__(self, rules: Iterable[Rule] = (), defaults: Mapping[str, Value] = _EMPTY) -> None:
        attributes = self.__dict__
        attributes["rules"] = rules if type(rules) is tuple else tuple(rules)
        attributes["defaults"] = defaults if type(defaults) is FrozenMap else FrozenMap(defaults)

    def __hash__(self) -> int:
        cached: int | None = self.__dict__.get("_hash")
        return _cached_hash(self, (self.rules, self.defaults)) if cached is None else cached

    def __getstate__(self) -> dict[str, object]:
        return _state(self)
