"""Rule-set relations (clause 8.7): compare two targets by the sources they accept.

:func:`relate` answers EQUAL, SUBSET, SUPERSET, DISJOINT or OVERLAP, exactly,
in the spirit of NIST CPE name matching, and gives a witness source for each
difference: a source that one rule set accepts and the other does not. This is
how a vendor learns that driver 2.0 stopped accepting something 1.9 accepted.

The sources considered are those a conforming emitter can write: a standard
key has its registry type and written form (clause 11).

How it is exact. Only the keys that some rule constrains matter (a source's
other fields are judged alike by every rule). For each such key the values a
source can hold fall into finitely many classes that every constraint treats
alike: for ordered types, the constants the rules mention and the gaps
between them; for tokens, each mentioned token and "any other"; for sets, one
yes/no coordinate per mentioned member plus "has another member". Each class
gets one representative value, and the verdict machinery itself
(:mod:`migcompat.compare`) decides which classes a rule accepts, so the
relation cannot drift from the verdicts. A rule is then a box in a finite
product space and a rule set a union of boxes; the search below splits that
space one coordinate at a time, grouping the classes no alive box tells apart.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Final, NamedTuple, cast

from .compare import _holds, accepts
from .emit import constraint_text
from .limits import MAX_INTEGER
from .model import (
    CompatibleDevices,
    Constraint,
    Equals,
    Field,
    MigrationVersion,
    Range,
    Ratio,
    SelfRef,
    Subset,
    Superset,
    Value,
    Version,
    value_type,
)
from .plan import devices_of
from .registry import STANDARD_KEYS, registry_default
from .verdict import Answer

__all__ = ["Relation", "RelationResult", "relate"]

_MISSING: Final = object()
_SET: Final = "set"


class _Kind(NamedTuple):
    """One class of a key's state: absent, or a representative value (or _SET) written critical or not."""

    value: object
    critical: bool


_ABSENT: Final = _Kind(_MISSING, False)
_WITNESS_KEY: Final = "migcompat.witness"


class Relation(str, enum.Enum):
    """How the sets of sources two targets accept relate."""

    EQUAL = "equal"
    SUBSET = "subset"
    """Every source the first accepts, the second accepts too, and the second accepts more."""
    SUPERSET = "superset"
    DISJOINT = "disjoint"
    """No source is accepted by both."""
    OVERLAP = "overlap"
    """Some sources are accepted by both, and each accepts some the other does not."""


@dataclass(frozen=True)
class RelationResult:
    """The relation, with witness sources and what was assumed.

    *only_first* is a source the first rule set accepts and the second does
    not (None when there is none); *only_second* the reverse; *both* one they
    both accept. *notes* lists constraints whose ``$`` could not be resolved:
    such a rule accepts nothing (clause 8.4), exactly as a verdict would say.
    """

    relation: Relation
    only_first: MigrationVersion | None = None
    only_second: MigrationVersion | None = None
    both: MigrationVersion | None = None
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        """The result as a JSON-ready dict (relation.schema.json); witnesses as canonical text."""
        from .emit import emit

        def text(model: MigrationVersion | None) -> str | None:
            return None if model is None else emit(model)

        return {
            "relation": self.relation.value,
            "only_first": text(self.only_first),
            "only_second": text(self.only_second),
            "both": text(self.both),
            "notes": list(self.notes),
        }


def relate(
    first: CompatibleDevices,
    second: CompatibleDevices,
    first_self: MigrationVersion | None = None,
    second_self: MigrationVersion | None = None,
) -> RelationResult:
    """The relation between the sources *first* and *second* accept.

    *first_self* and *second_self* are the targets' own descriptions, which
    resolve their rules' ``$`` references. A description that is a device-type
    template stands for every device the type can create: the type accepts a
    source when a device created with some parameter choice does (clause 8.5).
    """
    notes: list[str] = []
    sides = [
        _Side(_resolve(first, first_self, "first", notes), first.defaults),
        _Side(_resolve(second, second_self, "second", notes), second.defaults),
    ]
    space = _Space(sides)
    boxes = [space.boxes(side) for side in sides]
    search = _Search(space, boxes[0], boxes[1])
    only_first = search.find(want_first=True, want_second=False)
    only_second = search.find(want_first=False, want_second=True)
    both = search.find(want_first=True, want_second=True)
    witnesses = [None if path is None else space.witness(path) for path in (only_first, only_second, both)]
    if only_first is None and only_second is None:
        relation = Relation.EQUAL
    elif only_first is None:
        relation = Relation.SUBSET
    elif only_second is None:
        relation = Relation.SUPERSET
    elif both is None:
        relation = Relation.DISJOINT
    else:
        relation = Relation.OVERLAP
    return RelationResult(relation, witnesses[0], witnesses[1], witnesses[2], tuple(notes))


# ---- resolving $ ------------------------------------------------------------------


def _resolve(
    rules: CompatibleDevices, own: MigrationVersion | None, name: str, notes: list[str]
) -> list[dict[str, Constraint] | None]:
    """Each rule's constraints with ``$`` replaced, or None for a rule that needs an unknown ``$``.

    For a template, the rules are resolved once per relevant parameter choice.
    """
    if own is None or not own.params:
        return _resolve_for(rules, own, name, notes)
    resolved: list[dict[str, Constraint] | None] = []
    for device in devices_of(own, rules):
        resolved.extend(_resolve_for(rules, device, name, notes))
    return resolved


def _resolve_for(
    rules: CompatibleDevices, own: MigrationVersion | None, name: str, notes: list[str]
) -> list[dict[str, Constraint] | None]:
    values = {} if own is None else {key: f.value for key, f in own.fields.items()}
    for key in {k for rule in rules.rules for k in rule.constraints} - set(values):
        default = registry_default(key) if own is not None else None
        if default is not None:
            values[key] = default
    resolved: list[dict[str, Constraint] | None] = []
    for index, rule in enumerate(rules.rules):
        out: dict[str, Constraint] = {}
        for key, constraint in rule.constraints.items():
            replaced = _replace_self(constraint, values.get(key, _MISSING))
            if replaced is None:
                note = (
                    f"{name} rule {index}: {key}{constraint_text(constraint)} refers to the target's own {key},"
                    " which is not known; the rule accepts nothing"
                )
                if note not in notes:
                    notes.append(note)
                break
            out[key] = replaced
        else:
            resolved.append(out)
            continue
        resolved.append(None)
    return resolved


def _replace_self(constraint: Constraint, own: object) -> Constraint | None:
    def value(item: Any) -> Any:
        return own if isinstance(item, SelfRef) else item

    if isinstance(constraint, Equals):
        alternatives: list[Any] = []
        for alternative in constraint.alternatives:
            if isinstance(alternative, Range):
                low, high = value(alternative.low), value(alternative.high)
                if low is _MISSING or high is _MISSING:
                    return None
                alternatives.append(Range(low, high))
            else:
                resolved = value(alternative)
                if resolved is _MISSING:
                    return None
                alternatives.append(resolved)
        return Equals(tuple(alternatives))
    operand = value(constraint.operand)
    if operand is _MISSING:
        return None
    return type(constraint)(operand)


# ---- the finite space ---------------------------------------------------------------


@dataclass
class _Side:
    rules: list[dict[str, Constraint] | None]
    defaults: Mapping[str, Value]

    def default(self, key: str) -> object:
        if key in self.defaults:
            return self.defaults[key]
        found = registry_default(key)
        return _MISSING if found is None else found


Box = tuple[frozenset[int], ...]


class _Space:
    """The coordinates: per key, a kind coordinate and, for sets, one bit per member plus 'other'."""

    def __init__(self, sides: Sequence[_Side]) -> None:
        constraints: dict[str, list[Constraint]] = {}
        for side in sides:
            for rule in side.rules:
                for key, constraint in (rule or {}).items():
                    constraints.setdefault(key, []).append(constraint)
        self.keys = sorted(constraints)
        self.kinds: dict[str, list[_Kind]] = {}
        self.members: dict[str, list[str]] = {}
        self.coordinates: list[tuple[str, object]] = []
        for key in self.keys:
            defaults = [side.default(key) for side in sides]
            atoms = _kind_atoms(constraints[key], [d for d in defaults if d is not _MISSING])
            self.kinds[key] = [atom for atom in atoms if _conforms(key, atom)]
            self.members[key] = sorted(_members(constraints[key]))
            self.coordinates.append((key, "kind"))
            self.coordinates.extend((key, member) for member in self.members[key])
            self.coordinates.append((key, "other"))
        self.sizes = [len(self.kinds[key]) if part == "kind" else 2 for key, part in self.coordinates]

    def boxes(self, side: _Side) -> list[Box]:
        result: list[Box] = []
        for rule in side.rules:
            if rule is None:
                continue
            per_key = [self._options(key, rule.get(key), side.default(key)) for key in self.keys]
            for combination in itertools.product(*per_key):
                result.append(tuple(itertools.chain.from_iterable(combination)))
        return result

    def _options(self, key: str, constraint: Constraint | None, default: object) -> list[tuple[frozenset[int], ...]]:
        """The boxes (restricted to *key*'s coordinates) of one constraint, or of no constraint."""
        kinds = self.kinds[key]
        members = self.members[key]
        full = frozenset({0, 1})
        free_bits = (full,) * (len(members) + 1)
        if constraint is None:
            allowed = frozenset(i for i, atom in enumerate(kinds) if atom == _ABSENT or not atom.critical)
            return [(allowed, *free_bits)]
        absent = frozenset(
            i
            for i, atom in enumerate(kinds)
            if atom == _ABSENT and default is not _MISSING and _holds(constraint, cast(Value, default), None)
        )
        set_kinds = frozenset(i for i, atom in enumerate(kinds) if atom.value is _SET)
        options: list[tuple[frozenset[int], ...]] = []
        if absent:
            options.append((absent, *free_bits))
        if isinstance(constraint, Subset | Superset):
            operand = constraint.operand
            assert isinstance(operand, frozenset)
            if isinstance(constraint, Subset):
                bits = (*tuple(full if m in operand else frozenset({0}) for m in members), frozenset({0}))
            else:
                bits = (*tuple(frozenset({1}) if m in operand else full for m in members), full)
            options.append((set_kinds, *bits))
            return options
        scalar = frozenset(
            i
            for i, atom in enumerate(kinds)
            if atom != _ABSENT and atom.value is not _SET and _holds(constraint, cast(Value, atom.value), None)
        )
        if scalar:
            options.append((scalar, *free_bits))
        for alternative in constraint.alternatives:
            if type(alternative) is frozenset:
                bits = (*tuple(frozenset({1 if m in alternative else 0}) for m in members), frozenset({0}))
                options.append((set_kinds, *bits))
        return options

    def witness(self, path: Sequence[int]) -> MigrationVersion:
        """A source whose coordinates are *path*."""
        fields: dict[str, Field] = {}
        position = 0
        for key in self.keys:
            atom = self.kinds[key][path[position]]
            members = self.members[key]
            bits = path[position + 1 : position + 2 + len(members)]
            position += len(members) + 2
            if atom == _ABSENT:
                continue
            value = cast(Value, atom.value)
            if atom.value is _SET:
                chosen = {m for m, bit in zip(members, bits, strict=False) if bit}
                if bits[-1]:
                    chosen.add(_fresh_token(members))
                value = frozenset(chosen)
            fields[key] = Field(value, atom.critical)
        if not fields:
            fields[_WITNESS_KEY if _WITNESS_KEY not in self.keys else _WITNESS_KEY + "_"] = Field(1, False)
        return MigrationVersion(fields)


def _members(constraints: Iterable[Constraint]) -> set[str]:
    found: set[str] = set()
    for constraint in constraints:
        if isinstance(constraint, Equals):
            for alternative in constraint.alternatives:
                if type(alternative) is frozenset:
                    found |= alternative
        elif type(constraint.operand) is frozenset:
            found |= constraint.operand
    return found


def _conforms(key: str, atom: _Kind) -> bool:
    """Whether a source field of this class can be written by a conforming emitter (clause 11).

    A standard key has one value type and a written form (critical, ignorable or
    either); sources that break them are not valid emitter output, so they are
    not part of the space the relation is computed over.
    """
    entry = STANDARD_KEYS.get(key)
    if entry is None or atom == _ABSENT:
        return True
    kind = "set" if atom.value is _SET else value_type(cast(Value, atom.value))
    if kind != entry.type:
        return False
    return entry.form == "either" or atom.critical == (entry.form == "critical")


def _kind_atoms(constraints: Iterable[Constraint], defaults: Iterable[object]) -> list[_Kind]:
    """ABSENT, then (representative, critical) for every value class, then (SET, critical)."""
    constants: dict[str, list[Value]] = {"token": [], "integer": [], "version": [], "ratio": []}
    for constraint in constraints:
        if isinstance(constraint, Equals):
            for alternative in constraint.alternatives:
                ends = [alternative.low, alternative.high] if isinstance(alternative, Range) else [alternative]
                for end in ends:
                    if end is not None and type(end) is not frozenset:
                        constants[value_type(end)].append(end)  # type: ignore[arg-type]
    for default in defaults:
        if type(default) is not frozenset:
            constants[value_type(default)].append(default)  # type: ignore[arg-type]
    representatives: list[Value] = []
    representatives += _token_representatives(constants["token"])  # type: ignore[arg-type]
    representatives += _integer_representatives(constants["integer"])  # type: ignore[arg-type]
    representatives += _version_representatives(constants["version"])  # type: ignore[arg-type]
    representatives += _ratio_representatives(constants["ratio"])  # type: ignore[arg-type]
    atoms = [_ABSENT]
    for value in [*representatives, _SET]:
        atoms.append(_Kind(value, True))
        atoms.append(_Kind(value, False))
    return atoms


def _fresh_token(taken: Iterable[str]) -> str:
    used = set(taken)
    for index in itertools.count():
        candidate = f"migcompat-other-{index}"
        if candidate not in used:
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def _token_representatives(tokens: list[str]) -> list[Value]:
    unique = sorted(set(tokens))
    return [*unique, _fresh_token(unique)]


def _integer_representatives(points: list[int]) -> list[Value]:
    unique = sorted(set(points))
    if not unique:
        return [0]
    result: list[Value] = []
    if unique[0] > 0:
        result.append(0)
    for index, point in enumerate(unique):
        result.append(point)
        following = unique[index + 1] if index + 1 < len(unique) else MAX_INTEGER + 1
        if point + 1 < following:
            result.append(point + 1)
    return result


def _version_representatives(points: list[Version]) -> list[Value]:
    unique = sorted({v.padded() for v in points})
    if not unique:
        return [Version((0, 0))]
    lowest = (0,) * 8
    result: list[tuple[int, ...]] = [lowest] if unique[0] > lowest else []
    for index, point in enumerate(unique):
        result.append(point)
        bound = unique[index + 1] if index + 1 < len(unique) else None
        between = _version_after(point, bound)
        if between is not None:
            result.append(between)
    return [_version(parts) for parts in result]


def _version_after(point: tuple[int, ...], bound: tuple[int, ...] | None) -> tuple[int, ...] | None:
    """The shortest 8-component version above *point* and below *bound* (None: no bound), if any."""
    for index in range(len(point)):
        if point[index] == MAX_INTEGER:
            continue
        candidate = point[:index] + (point[index] + 1,) + (0,) * (len(point) - index - 1)
        if bound is None or candidate < bound:
            return candidate
    return None


def _version(parts: tuple[int, ...]) -> Version:
    trimmed = list(parts)
    while len(trimmed) > 2 and trimmed[-1] == 0:
        trimmed.pop()
    return Version(tuple(trimmed))


def _ratio_representatives(points: list[Ratio]) -> list[Value]:
    unique = sorted({Fraction(r.numerator, r.denominator) for r in points})
    if not unique:
        return [Ratio(0, 1)]
    result: list[Fraction] = []
    if unique[0] > 0:
        result.append(Fraction(0))
    for index, point in enumerate(unique):
        result.append(point)
        if index + 1 < len(unique):
            between = _simplest_between(point, unique[index + 1])
            if _fits(between):
                result.append(between)
        elif _fits(Fraction(int(point) + 1)):
            result.append(Fraction(int(point) + 1))
    return [Ratio(f.numerator, f.denominator) for f in result]


def _fits(fraction: Fraction) -> bool:
    return fraction.numerator <= MAX_INTEGER and fraction.denominator <= MAX_INTEGER


def _simplest_between(low: Fraction, high: Fraction) -> Fraction:
    """The fraction with the smallest denominator (then numerator) strictly between *low* and *high*.

    Every fraction in the interval has a numerator and a denominator at least
    as large, so if this one does not fit in 64 bits, no valid ratio lies there.
    """
    whole = low.numerator // low.denominator
    if whole + 1 < high:
        return Fraction(whole + 1)
    # Both ends lie in [whole, whole + 1]: recurse on the reciprocals of the fractional parts.
    upper = low - whole
    lower = high - whole
    if upper == 0:
        return whole + 1 / Fraction(int(1 / lower) + 1)
    return whole + 1 / _simplest_between(1 / lower, 1 / upper)


# ---- the search -------------------------------------------------------------------------


class _Search:
    """Finds a point of the space inside (or outside) each side's union of boxes."""

    def __init__(self, space: _Space, first: list[Box], second: list[Box]) -> None:
        self.space = space
        self.first = first
        self.second = second
        self.memo: dict[tuple[int, frozenset[int], frozenset[int], bool, bool], tuple[int, ...] | None] = {}

    def find(self, *, want_first: bool, want_second: bool) -> tuple[int, ...] | None:
        """A point in (or, when not wanted, outside) each side's union."""
        return self._find(
            0,
            frozenset(range(len(self.first))),
            frozenset(range(len(self.second))),
            want_first,
            want_second,
        )

    def _find(
        self, depth: int, alive_a: frozenset[int], alive_b: frozenset[int], want_a: bool, want_b: bool
    ) -> tuple[int, ...] | None:
        if (want_a and not alive_a) or (want_b and not alive_b):
            return None
        if depth == len(self.space.sizes):
            if (not want_a and alive_a) or (not want_b and alive_b):
                return None
            return ()
        if not want_a and not alive_a and not want_b and not alive_b:
            return (0,) * (len(self.space.sizes) - depth)
        memo_key = (depth, alive_a, alive_b, want_a, want_b)
        if memo_key in self.memo:
            return self.memo[memo_key]
        classes: dict[tuple[frozenset[int], frozenset[int]], int] = {}
        for atom in range(self.space.sizes[depth]):
            signature = (
                frozenset(i for i in alive_a if atom in self.first[i][depth]),
                frozenset(i for i in alive_b if atom in self.second[i][depth]),
            )
            classes.setdefault(signature, atom)
        found = None
        for (next_a, next_b), atom in classes.items():
            rest = self._find(depth + 1, next_a, next_b, want_a, want_b)
            if rest is not None:
                found = (atom, *rest)
                break
        self.memo[memo_key] = found
        return found


def agrees_with_verdicts(result: RelationResult, first: CompatibleDevices, second: CompatibleDevices) -> bool:
    """Whether every witness of *result* gets the verdicts it claims (a self-check for tests)."""
    checks = [
        (result.only_first, True, False),
        (result.only_second, False, True),
        (result.both, True, True),
    ]
    for source, in_first, in_second in checks:
        if source is None:
            continue
        if (accepts(source, first) is Answer.COMPATIBLE) != in_first:
            return False
        if (accepts(source, second) is Answer.COMPATIBLE) != in_second:
            return False
    return True
