"""Rule-set relations (clause 8.7): compare two targets by the sources they accept.

:func:`relate` answers EQUAL, SUBSET, SUPERSET, DISJOINT or OVERLAP, exactly,
in the spirit of NIST CPE name matching, and gives a witness source for each
difference: a source that one rule set accepts and the other does not. This is
how a vendor learns that driver 2.0 stopped accepting something 1.9 accepted.

The sources considered are those a conforming emitter can write: a standard
key has its registry type and written form (clause 11).

How it is exact. Only the keys that some rule constrains matter (a source's
other fields are judged alike by every rule). For each such key the states a
source can give it fall into finitely many classes, its *atoms*, that every
constraint treats alike: absent; for ordered types, each constant the rules
mention and each gap between consecutive constants; for tokens, each mentioned
token and "any other"; for sets, the presence of each mentioned member and of
some other member -- each written critical or ignorable, as the registry
allows. Every rule of both sides is one bit of a Python int. For each atom the
semantic core decides every constraint on the key
(:func:`~migcompat.semantics.constraints.holds`; only ``True`` accepts, clause
8.7, so a ``$`` without value accepts nothing) and the atom gets a mask: the
rules that hold there (a rule that does not constrain the key holds on
"absent" and on ignorable atoms). Atoms with equal masks are one choice. A rule
accepts a source exactly when its bit survives every key; no rule is ever
expanded into the product of its constraints' options.

A constraint is evaluated once per alternative and per piece between the
constants that alternative mentions, not once per atom. The atoms of a
set-valued key come from a walk over its mentioned members (members every
operand treats alike taken as one group: none, some or all of them), keeping
one pattern per partial signature -- which operands the pattern can still
satisfy -- so ``features<={...}`` with 64 members costs a few states, not 2**64.

The relation then needs three answers. A source only the first accepts exists
when some rule of the first is not covered by the second's rules: for each of
the first's rules in turn, a search key by key inside that rule's atoms, whose
state is the mask of the second's rules still alive, memoised on (key, mask);
a rule of the second that holds on every remaining atom ends the search there.
Likewise the other way; and a source both accept exists when a rule of each
holds together on some atom of every key. Each answer comes with its witness.

A target whose own description is a device-type template stands for every
device its type can create (clause 8.5). A rule depends on the choice only
through the parameters whose lines set a key it reads through ``$``; it is
expanded into one *rule variant* per combination of those parameters' values
(usually none or one parameter), each with its own values fixed, and the side
is the union of its variants.

Bounds. Deciding the relation is co-NP-hard in general (rule sets are
disjunctions of conjunctions), so the work is bounded and
:class:`RelationTooComplex` (error code ``too-complex``) is raised when a
bound is exceeded, never an answer that is not exact:

* :data:`MAX_VARIANTS` = 4096 rule variants in all, both sides together (a rule
  that reads no template parameter through ``$`` is one variant; one that reads
  a parameter with 16 values, 16);
* :data:`MAX_EVALUATIONS` = 100,000 constraint evaluations to expand the rule
  variants (each variant's device and each constraint that reads ``$``
  resolved for it, counted before any is built) and to find the atoms (an
  equals constraint with many alternatives counts one more per 32 of them);
* :data:`MAX_STATES` = 50,000 states: memoised (key, alive rules) pairs of the
  searches and partial member patterns of set-valued keys;
* :data:`MAX_STEPS` = 2,000,000 units of search work: one per atom mask examined,
  ten per search step (a state tried from one atom of a key).

Each bound alone costs at most about a quarter of a second of Python on a
current machine, so every input up to the 4096-byte attribute limit is
decided, or refused, well under a second (``benchmarks/worst_relate.py``
builds the slowest we know). The rule sets drivers write -- a few rules over a
few dozen keys, sets of a few dozen features, one template parameter read
through ``$`` -- take a few milliseconds. What is refused: rule sets whose
set-valued key has thousands of classes (such as a dozen rules each requiring
a different single member, ``f>={m1}``, ``f>={m2}``...), and templates whose
rules read parameters with thousands of value combinations.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from math import prod
from types import MappingProxyType
from typing import Final, NamedTuple

from ._arguments import require
from ._caches import register_lru
from .compare import accepts
from .emit import constraint_text, emit, value_text
from .errors import MigcompatError
from .limits import MAX_ATTRIBUTE_BYTES, MAX_INTEGER, MAX_SET_MEMBERS
from .model import (
    SELF,
    AnyValue,
    CompatibleDevices,
    Constraint,
    Equals,
    Field,
    MigrationVersion,
    Param,
    Ratio,
    Subset,
    Value,
    Version,
    value_type,
)
from .registry import STANDARD_KEYS
from .semantics.constraints import constants, holds, prefix_bounds, prefix_lengths, reads_self, uses_self
from .semantics.rules import must_understand, own_values, source_value
from .semantics.templates import device_for, parameters_of
from .semantics.values import OrderKey, order_key
from .verdict import Answer

__all__ = [
    "MAX_COMMAND_WORK",
    "MAX_EVALUATIONS",
    "MAX_STATES",
    "MAX_STEPS",
    "MAX_VARIANTS",
    "Relation",
    "RelationResult",
    "RelationTooComplex",
    "RelationWork",
    "agrees_with_verdicts",
    "narrowing_hint",
    "relate",
]

MAX_VARIANTS: Final = 4096
"""At most this many rule variants, both sides together (a template side's rules expanded per parameter value)."""
MAX_EVALUATIONS: Final = 100_000
"""At most this many constraint evaluations while building the keys' atoms (a long equals constraint counts more)."""
MAX_STATES: Final = 50_000
"""At most this many search states: memoised (key, alive rules) pairs and partial set-member patterns."""
MAX_STEPS: Final = 2_000_000
"""At most this much search work: a mask examined counts 1, a search step (a state tried from one atom) counts 10."""
MAX_COMMAND_WORK: Final = 10 * MAX_STEPS
"""At most this much work for all the relations of one command together (:class:`RelationWork`): a few seconds.

Ten relations that each reach :data:`MAX_STEPS` (or fewer that also reach the
other bounds); the pairs drivers write cost a small part of one each, so a
``diff`` of thousands of ordinary pairs stays far below it.
"""
_SEARCH_STEP: Final = 10

_MISSING: Final = object()
_WITNESS_KEY: Final = "migcompat.witness"
_EMPTY_SOURCE: Final = MigrationVersion({})
_NO_KEYS: Final[Mapping[str, str]] = MappingProxyType({})
_ALL_TYPES: Final = ("token", "integer", "version", "ratio", "set")
_PYTHON_TYPES: Final[Mapping[str, type]] = {"token": str, "integer": int, "version": Version, "ratio": Ratio}

# The outcomes of the search, as bits: accepted by the first only, by the second only, by both.
_ONLY_FIRST: Final = 1
_ONLY_SECOND: Final = 2
_BOTH: Final = 4
_OUTCOMES: Final = (_ONLY_FIRST, _ONLY_SECOND, _BOTH)


class RelationTooComplex(MigcompatError):
    """The relation could not be decided within the bounds of :mod:`migcompat.relate`.

    The message names the bound that was exceeded. This is no answer, not a
    negative one: the command line exits with status 3.
    """

    code = "too-complex"

    def __init__(self, message: str) -> None:
        super().__init__("too-complex", message)


class _Kind(NamedTuple):
    """One atom of a key: absent (value _MISSING), or a value written critical or not."""

    value: object
    critical: bool


_ABSENT: Final = _Kind(_MISSING, False)


class Relation(str, enum.Enum):
    """How the sets of sources two targets accept relate."""

    EQUAL = "equal"
    """Both accept exactly the same sources."""
    SUBSET = "subset"
    """Every source the first accepts, the second accepts too, and the second accepts more."""
    SUPERSET = "superset"
    """Every source the second accepts, the first accepts too, and the first accepts more."""
    DISJOINT = "disjoint"
    """No source is accepted by both."""
    OVERLAP = "overlap"
    """Some sources are accepted by both, and each accepts some the other does not."""

    @property
    def has_first_only(self) -> bool:
        """Whether the first accepts some source the second does not: of old to new rules, a breaking change."""
        return self in (Relation.SUPERSET, Relation.OVERLAP, Relation.DISJOINT)


@dataclass(frozen=True)
class RelationResult:
    """The relation, with witness sources and what was assumed.

    *only_first* is a source the first rule set accepts and the second does
    not (None when there is none, or when the one found is longer than one
    attribute: the universe of clause 8.7 disregards that limit, and
    *relation* says what the universe holds); *only_second* the
    reverse; *both* one they both accept. *notes* lists constraints with a ``$`` that has no value: such
    an alternative, or such a rule, accepts nothing (clauses 8.4 and 8.7),
    exactly as a verdict would say.
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


class RelationWork:
    """The work of several :func:`relate` calls added up, and its bound.

    Each call is bounded, their number is not: a command that relates many
    pairs (``migcompat diff``, the conformance suite's upgrade check) passes
    one :class:`RelationWork` to every call, and once it is :attr:`spent`
    relates no more pairs, reporting each left as too complex
    (:meth:`refusal`). The work is counted in search units, a call's bound
    being :data:`MAX_STEPS` of them; a constraint evaluation counts as a
    :data:`MAX_EVALUATIONS`-th of that bound, and so does each constraint
    resolved for a template's rule variant (and each variant's device).
    """

    __slots__ = ("limit", "units", "what")

    def __init__(self, what: str, limit: int | None = None) -> None:
        self.what = what
        self.limit = MAX_COMMAND_WORK if limit is None else limit
        self.units = 0

    @property
    def spent(self) -> bool:
        """Whether the calls so far did more work than the limit (:data:`MAX_COMMAND_WORK` unless given)."""
        return self.units > self.limit

    def refusal(self) -> RelationTooComplex:
        """The error of a pair left unrelated because the work is :attr:`spent`."""
        return RelationTooComplex(
            f"not related: the relations of {self.what} together reached their bound (MAX_COMMAND_WORK, as much"
            " as 5 to 10 relations that reach their own bounds); relate fewer targets at a time"
        )


def relate(
    first: CompatibleDevices,
    second: CompatibleDevices,
    first_self: MigrationVersion | None = None,
    second_self: MigrationVersion | None = None,
    *,
    work: RelationWork | None = None,
) -> RelationResult:
    """The relation between the sources *first* and *second* accept.

    *first_self* and *second_self* are the targets' own descriptions, which
    resolve their rules' ``$`` references. A description that is a device-type
    template stands for every device the type can create: the type accepts a
    source when a device created with some parameter choice does (clause 8.5).
    The call's work is added to *work*, if given, also when it is refused.

    Raises :class:`RelationTooComplex` when a bound of this module is exceeded,
    and :class:`TypeError` for arguments of another type.
    """
    require("first", first, CompatibleDevices)
    require("second", second, CompatibleDevices)
    require("first_self", first_self, MigrationVersion, optional=True)
    require("second_self", second_self, MigrationVersion, optional=True)
    budget = _Budget()
    try:
        return _relate(first, second, first_self, second_self, budget)
    finally:
        if work is not None:
            work.units += budget.steps + budget.evaluations * (MAX_STEPS // MAX_EVALUATIONS)


def _relate(
    first: CompatibleDevices,
    second: CompatibleDevices,
    first_self: MigrationVersion | None,
    second_self: MigrationVersion | None,
    budget: _Budget,
) -> RelationResult:
    notes: list[str] = []
    blocks = _blocks(first, first_self, "first", notes, budget) + _blocks(second, second_self, "second", notes, budget)
    total = sum(block.count for block in blocks)
    if total > MAX_VARIANTS:
        raise RelationTooComplex(
            f"the rules expand to {total} rule variants, one per combination of the values of the template"
            f" parameters a rule reads through $; the bound is {MAX_VARIANTS} (MAX_VARIANTS)"
        )
    everything = (1 << total) - 1
    first_bits = (1 << sum(block.count for block in blocks if block.side == 0)) - 1
    second_bits = everything & ~first_bits
    per_key: dict[str, list[tuple[int, Constraint, Value | None, Value | None]]] = {}
    defaults = (first.defaults, second.defaults)
    start = 0
    for block in blocks:
        whole = ((1 << block.count) - 1) << start
        for key, constraint, owns in block.constraints:
            default = source_value(key, _EMPTY_SOURCE, defaults[block.side])
            entries = per_key.setdefault(key, [])
            if len(owns) == 1:
                entries.append((whole, constraint, owns[0], default))
                continue
            by_own: dict[Value | None, int] = {}
            for offset, own in enumerate(owns):
                by_own[own] = by_own.get(own, 0) | 1 << (start + offset)
            budget.charge(len(by_own))
            entries.extend((mask, constraint, own, default) for own, mask in by_own.items())
        start += block.count

    alive = everything
    fixed: dict[str, _Kind] = {}
    layers: list[_Layer] = []
    for key in sorted(per_key):
        atoms = _key_atoms(key, per_key[key], everything, budget)
        if len(atoms) == 1:
            [(mask, kind)] = atoms.items()
            alive &= mask
            fixed[key] = kind
        else:
            layers.append(_Layer(key, list(atoms), list(atoms.values())))
    # Keys whose atoms tell the most rules apart first: they settle the alive mask soonest.
    layers.sort(key=lambda layer: -len(layer.masks))
    keys = set(per_key)

    def source(path: Sequence[int]) -> MigrationVersion:
        chosen = dict(fixed)
        for layer, index in zip(layers, path, strict=True):
            chosen[layer.key] = layer.kinds[index]
        return _witness(chosen, keys)

    witnesses: list[MigrationVersion | None] = []
    for mine, theirs in ((first_bits, second_bits), (second_bits, first_bits)):
        found = _escaping(layers, alive & mine, alive & theirs, budget)
        witnesses.append(None if found is None else source(found))
    found = _meeting(layers, alive & first_bits, alive & second_bits, budget)
    witnesses.append(None if found is None else source(found))
    only_first, only_second, both = witnesses
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
    # The universe disregards the limit on a whole attribute (clause 8.7); a witness is one attribute's text.
    only_first, only_second, both = (_fitting(witness) for witness in (only_first, only_second, both))
    return RelationResult(relation, only_first, only_second, both, tuple(notes))


def _fitting(witness: MigrationVersion | None) -> MigrationVersion | None:
    """*witness* when its canonical text fits one attribute (:data:`~migcompat.limits.MAX_ATTRIBUTE_BYTES`)."""
    if witness is None or len(emit(witness)) <= MAX_ATTRIBUTE_BYTES:
        return witness
    return None


class _Budget:
    """Counts the work of one :func:`relate` and raises :class:`RelationTooComplex` past a bound."""

    __slots__ = ("evaluations", "states", "steps")

    def __init__(self) -> None:
        self.evaluations = 0
        self.states = 0
        self.steps = 0

    def holds(self, constraint: Constraint, value: Value, own: Value | None) -> bool:
        """Whether *constraint* is true for *value* (undecided is not true), counted."""
        self.evaluations += 1 + len(constraint.alternatives) // 32 if type(constraint) is Equals else 1
        if self.evaluations > MAX_EVALUATIONS:
            raise RelationTooComplex(
                f"the rules need more than {MAX_EVALUATIONS} constraint evaluations (MAX_EVALUATIONS)"
                " to divide the source values into classes"
            )
        return holds(constraint, value, own) is True

    def expand(self, name: str, index: int, cost: int) -> None:
        """Count the *cost* of expanding *name*'s rule *index* into its variants (evaluations); raise past the bound."""
        if self.evaluations + cost > MAX_EVALUATIONS:
            raise RelationTooComplex(
                f"{name} rule {index} expands into rule variants whose constraints that read $ need more than"
                f" {MAX_EVALUATIONS} resolutions with the rules before it (MAX_EVALUATIONS): it reads many template"
                " parameters through $ on many keys"
            )
        self.evaluations += cost

    def charge(self, count: int) -> None:
        """Count *count* evaluations' worth of work."""
        self.evaluations += count
        if self.evaluations > MAX_EVALUATIONS:
            raise RelationTooComplex(
                f"the rules need more than {MAX_EVALUATIONS} constraint evaluations (MAX_EVALUATIONS)"
                " to divide the source values into classes"
            )

    def state(self, count: int = 1) -> None:
        self.states += count
        if self.states > MAX_STATES:
            raise RelationTooComplex(
                f"the relation needs more than {MAX_STATES} search states (MAX_STATES): the rules combine"
                " too many keys, values or set members in too many ways"
            )

    def step(self, count: int = 1) -> None:
        self.steps += count
        if self.steps > MAX_STEPS:
            raise RelationTooComplex(
                f"the relation needs more than {MAX_STEPS} units of search work (MAX_STEPS): the rules combine"
                " too many keys, values or set members in too many ways"
            )


# ---- rule variants and $ ------------------------------------------------------------


@dataclass(frozen=True)
class _Block:
    """The variants of one rule of one side: *count* rules, one bit each, alike but for their own values.

    Each constraint has the own value its ``$`` reads in each variant (None:
    no value), or one own value for all of them.
    """

    side: int
    count: int
    constraints: tuple[tuple[str, Constraint, tuple[Value | None, ...]], ...]


def _blocks(
    rules: CompatibleDevices, own: MigrationVersion | None, name: str, notes: list[str], budget: _Budget
) -> list[_Block]:
    """One block per rule of *rules*; against a template, its variants over the parameters it reads (clause 8.5).

    The variants beyond one per rule are counted in *budget*, as they are built.
    """
    side = 0 if name == "first" else 1
    if own is None or not own.params:
        values = own_values(own)
        return [
            _Block(side, 1, tuple(_resolved(name, index, rule.constraints, [values], (), notes)))
            for index, rule in enumerate(rules.rules)
        ]
    parameters = parameters_of(own)
    setter: dict[str, int] = {}
    for position, parameter in enumerate(parameters):
        for line in parameter.lines:
            setter[parameter.name] = position
            for key in line.fields:
                setter[key] = position
    fixed = own_values(MigrationVersion(own.fields))
    devices: dict[tuple[tuple[int, ...], tuple[int, ...]], Mapping[str, Value]] = {}
    blocks: list[_Block] = []
    total = 0
    for index, rule in enumerate(rules.rules):
        read = tuple(sorted({setter[k] for k, c in rule.constraints.items() if k in setter and uses_self(c)}))
        count = prod(len(parameters[position].lines) for position in read)
        total += count
        if total > MAX_VARIANTS:
            raise RelationTooComplex(
                f"{name} rule {index} and the rules before it expand to more than {MAX_VARIANTS} rule variants"
                " (MAX_VARIANTS), one per combination of the values of the template parameters a rule reads"
                " through $"
            )
        if read:
            # Each variant is a device and the rule's constraints that read $ resolved for it: counted as
            # evaluations, before any is built, so a rule whose expansion is too large is refused at once.
            budget.expand(name, index, count * (1 + sum(map(uses_self, rule.constraints.values()))))
        choices: list[tuple[Param, ...]] = []
        owns: list[Mapping[str, Value]] = []
        for combination in itertools.product(*(range(len(parameters[position].lines)) for position in read)):
            pairs = zip(read, combination, strict=True)
            lines = tuple(parameters[position].lines[choice] for position, choice in pairs)
            found = devices.get((read, combination))
            if found is None:
                found = own_values(device_for(own, {line.name: line.value for line in lines})) if read else fixed
                devices[(read, combination)] = found
            choices.append(lines)
            owns.append(found)
        keys = {key: parameters[position].name for key, position in setter.items() if position in read}
        constraints = _resolved(name, index, rule.constraints, owns, choices, notes, keys)
        blocks.append(_Block(side, count, tuple(constraints)))
    return blocks


def _resolved(
    name: str,
    index: int,
    constraints: Mapping[str, Constraint],
    owns: Sequence[Mapping[str, Value]],
    choices: Sequence[Sequence[Param]],
    notes: list[str],
    parameter_keys: Mapping[str, str] = _NO_KEYS,
) -> list[tuple[str, Constraint, tuple[Value | None, ...]]]:
    """Each constraint of rule *index* with the own value its ``$`` reads in each variant; notes for missing ones."""
    out: list[tuple[str, Constraint, tuple[Value | None, ...]]] = []
    for key, constraint in constraints.items():
        if not uses_self(constraint):
            out.append((key, constraint, (None,)))
            continue
        parameter = parameter_keys.get(key)
        found = (owns[0].get(key),) if parameter is None else tuple(values.get(key) for values in owns)
        if None in found:
            where = ""
            if parameter is not None:
                missing = {
                    value_text(line.value): None
                    for variant, value in enumerate(found)
                    if value is None
                    for line in choices[variant]
                    if line.name == parameter
                }
                devices = "device" if len(missing) == 1 else "devices"
                where = f" for the {devices} created with {parameter}={'|'.join(missing)}"
            notes.append(
                f"{name} rule {index}: {key}{constraint_text(constraint)} refers to the target's own {key},"
                f" which is not known{where}; {_consequence(constraint)}"
            )
        out.append((key, constraint, found))
    return out


def _consequence(constraint: Constraint) -> str:
    """What a ``$`` without value does to *constraint* (only True accepts, clause 8.7)."""
    if type(constraint) is not Equals:
        return "the rule accepts nothing"
    with_self = sum(1 for alternative in constraint.alternatives if reads_self(alternative))
    if with_self == len(constraint.alternatives):
        return "the rule accepts nothing"
    return "that alternative accepts nothing" if with_self == 1 else "those alternatives accept nothing"


# ---- the atoms of one key -----------------------------------------------------------


def _key_atoms(
    key: str,
    entries: Sequence[tuple[int, Constraint, Value | None, Value | None]],
    everything: int,
    budget: _Budget,
) -> dict[int, _Kind]:
    """The distinct masks of *key*'s atoms, each with its first atom (absent first), in order.

    *entries* holds (rule bit, constraint, own value, default) for every rule
    variant that constrains *key*.
    """
    constrained = 0
    distinct: dict[tuple[Constraint, Value | None], int] = {}
    absent_groups: dict[tuple[Constraint, Value | None, Value | None], int] = {}
    for bit, constraint, own, default in entries:
        constrained |= bit
        distinct[(constraint, own)] = distinct.get((constraint, own), 0) | bit
        absent_groups[(constraint, own, default)] = absent_groups.get((constraint, own, default), 0) | bit
    free = everything & ~constrained
    registered = STANDARD_KEYS.get(key)
    if registered is not None and registered.default is not None:
        # The registry default needs no rule (8.2): a class of its own, though no constraint names it.
        distinct.setdefault((Equals((registered.default,)), None), 0)
    types = _ALL_TYPES if registered is None else (registered.type,)
    form = "either" if registered is None else registered.form
    forms = {"critical": (True,), "ignorable": (False,), "either": (True, False)}[form]

    atoms: dict[int, _Kind] = {}
    absent = free
    for (constraint, own, default), mask in absent_groups.items():
        if type(constraint) is AnyValue or (default is not None and budget.holds(constraint, default, own)):
            absent |= mask  # 8.3: the default's truth; key=* holds with no value (8.1-AN1)
    atoms[absent] = _ABSENT
    present: list[tuple[Value, int]] = []
    for name in types:
        if name == "set":
            present.extend(_set_masks(distinct, budget))
        elif name == "token":
            present.extend(_token_masks(distinct, budget))
        else:
            present.extend(_ordered_masks(name, distinct, budget))
    for value, mask in present:
        for critical in forms:
            understood = not must_understand(key, Field(value, critical))  # 8.2: ignorable, or its registry default
            atoms.setdefault(mask | free if understood else mask, _Kind(value, critical))
    return atoms


@register_lru
@lru_cache(maxsize=4096)
def _parts(constraint: Constraint) -> tuple[Constraint, ...]:
    """*constraint* as a disjunction of parts: an equals constraint is true when one alternative is (8.1-ALT1)."""
    if type(constraint) is Equals and len(constraint.alternatives) > 1:
        return tuple(Equals((alternative,)) for alternative in constraint.alternatives)
    return (constraint,)


def _scalar_constants(constraint: Constraint, own: Value | None, kind: type) -> list[Value]:
    """The values of type *kind* that *constraint*'s truth depends on: its constants and its resolved ``$``."""
    found = [value for value in constants(constraint) if type(value) is kind]
    if own is not None and type(own) is kind and uses_self(constraint):
        found.append(own)
        if kind is Version:
            found.extend(end for length in prefix_lengths(constraint) for end in prefix_bounds(length, own) or ())
    return found


def _token_masks(distinct: Mapping[tuple[Constraint, Value | None], int], budget: _Budget) -> list[tuple[Value, int]]:
    """Each token class (every mentioned token, then any other) with the rules that hold on it.

    A part of a constraint (one alternative) treats every token it does not
    mention alike, so it is evaluated on the tokens it mentions and on one
    token no constraint mentions; the constraint holds where one part does.
    """
    parts = {(c, o): [(part, _scalar_constants(part, o, str)) for part in _parts(c)] for c, o in distinct}
    mentioned = sorted({str(token) for found in parts.values() for _, tokens in found for token in tokens})
    representatives = _token_representatives(mentioned)
    other = representatives[-1]
    position = {token: index for index, token in enumerate(representatives)}
    everywhere = 0
    toggles = [0] * len(representatives)
    for (constraint, own), mask in distinct.items():
        elsewhere = [budget.holds(part, other, own) for part, _ in parts[(constraint, own)]]
        true_elsewhere = sum(elsewhere)
        if true_elsewhere:
            everywhere |= mask
        mentions: dict[str, list[int]] = {}
        for index, (_, tokens) in enumerate(parts[(constraint, own)]):
            for token in set(map(str, tokens)):
                mentions.setdefault(token, []).append(index)
        for token, indices in mentions.items():
            true = true_elsewhere - sum(elsewhere[i] for i in indices) > 0 or any(
                budget.holds(parts[(constraint, own)][i][0], token, own) for i in indices
            )
            if true != bool(true_elsewhere):
                toggles[position[token]] ^= mask
    return [(token, everywhere ^ toggles[index]) for index, token in enumerate(representatives)]


def _ordered_masks(
    name: str, distinct: Mapping[tuple[Constraint, Value | None], int], budget: _Budget
) -> list[tuple[Value, int]]:
    """Each class of an ordered type (constants and the gaps between them) with the rules that hold on it.

    A part of a constraint (one alternative) is true or false alike between
    consecutive constants it mentions, so it is evaluated once per such piece.
    A constraint holds on the union of its parts' true pieces, which its mask
    is XORed onto at the ends (a running XOR then gives each class its rules).
    """
    kind = _PYTHON_TYPES[name]
    parts = {(c, o): [(part, _scalar_constants(part, o, kind)) for part in _parts(c)] for c, o in distinct}
    every = [value for found in parts.values() for _, points in found for value in points]
    if name == "integer":
        representatives = _integer_representatives(every)  # type: ignore[arg-type]
    elif name == "version":
        representatives = _version_representatives(every)  # type: ignore[arg-type]
    else:
        representatives = _ratio_representatives(every)  # type: ignore[arg-type]
    position: dict[OrderKey, int] = {order_key(value): index for index, value in enumerate(representatives)}  # type: ignore[arg-type]
    count = len(representatives)
    delta = [0] * (count + 1)
    for (constraint, own), mask in distinct.items():
        true: list[tuple[int, int]] = []
        for part, points in parts[(constraint, own)]:
            cuts = sorted({position[order_key(value)] for value in points})  # type: ignore[arg-type]
            start = 0
            for cut in [*cuts, count]:
                if start < cut and budget.holds(part, representatives[start], own):
                    true.append((start, cut - 1))
                if cut < count and budget.holds(part, representatives[cut], own):
                    true.append((cut, cut))
                start = cut + 1
        true.sort()
        merged: list[list[int]] = []
        for low, high in true:
            if merged and low <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], high)
            else:
                merged.append([low, high])
        for low, high in merged:
            delta[low] ^= mask
            delta[high + 1] ^= mask
    out: list[tuple[Value, int]] = []
    running = 0
    for index, value in enumerate(representatives):
        running ^= delta[index]
        out.append((value, running))
    return out


def _set_masks(distinct: Mapping[tuple[Constraint, Value | None], int], budget: _Budget) -> list[tuple[Value, int]]:
    """One set per class of set values the constraints tell apart, with the rules that hold on it.

    A set's class is which mentioned members it has and whether it has
    another. The classes are found member group by member group (members
    every operand treats alike form one group: none, some or all of them can
    be chosen), keeping one pattern, with the fewest members, per partial
    signature: which subset, superset and set-alternative operands the
    pattern can still satisfy. A set has at most 64 members (clause 5.3.5).
    """
    items: dict[tuple[str, frozenset[str]], int] = {}
    for constraint, own in distinct:
        if type(constraint) is Equals:
            for alternative in constraint.alternatives:
                value = own if alternative is SELF else alternative
                if type(value) is frozenset:
                    items.setdefault(("eq", value), len(items))
        elif type(constraint) is not AnyValue:
            operand = own if constraint.operand is SELF else constraint.operand  # type: ignore[union-attr]
            if type(operand) is frozenset:
                items.setdefault(("sub" if type(constraint) is Subset else "sup", operand), len(items))
    subsets = equals = supersets = 0
    columns: dict[str, int] = {}
    for (kind, operand), index in items.items():
        bit = 1 << index
        if kind == "eq":
            equals |= bit
        elif kind == "sub":
            subsets |= bit
        else:
            supersets |= bit
        for member in operand:
            columns[member] = columns.get(member, 0) | bit
    groups: dict[int, list[str]] = {}
    for member in sorted(columns):
        groups.setdefault(columns[member], []).append(member)
    full = (1 << len(items)) - 1
    # signature -> (member count, chosen members); the fewest members win (the 64-member limit)
    states: dict[int, tuple[int, tuple[str, ...]]] = {full: (0, ())}
    for column, members in groups.items():
        keep_none = full & ~(column & (supersets | equals))
        keep_all = full & ~((subsets | equals) & ~column)
        options: list[tuple[int, int, tuple[str, ...]]] = [(keep_none, 0, ()), (keep_all, len(members), tuple(members))]
        if len(members) > 1:
            options.append((keep_none & keep_all, 1, (members[0],)))
        following: dict[int, tuple[int, tuple[str, ...]]] = {}
        for signature, (count, chosen) in states.items():
            for keep, added, more in options:
                total = count + added
                if total > MAX_SET_MEMBERS:
                    continue
                after = signature & keep
                found = following.get(after)
                if found is None or found[0] > total:
                    following[after] = (total, chosen + more)
        budget.state(len(following))
        states = following
    other = _fresh_token(columns)
    finals: dict[int, frozenset[str]] = {}
    for signature, (_, chosen) in states.items():
        finals.setdefault(signature, frozenset(chosen))
    for signature, (count, chosen) in states.items():
        if count < MAX_SET_MEMBERS:
            finals.setdefault(signature & ~(subsets | equals), frozenset((*chosen, other)))
    out: list[tuple[Value, int]] = []
    for value in finals.values():
        mask = 0
        for (constraint, own), bits in distinct.items():
            if budget.holds(constraint, value, own):
                mask |= bits
        out.append((value, mask))
    return out


# ---- representatives ----------------------------------------------------------------


def _fresh_token(taken: Iterable[str]) -> str:
    used = set(taken)
    for index in itertools.count():
        candidate = f"migcompat-other-{index}"
        if candidate not in used:
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover


def _token_representatives(tokens: list[str]) -> list[str]:
    """Every mentioned token, then one that is not mentioned (last)."""
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


def _conforms(key: str, atom: _Kind) -> bool:
    """Whether a source field of this class can be written by a conforming emitter (clause 11).

    A standard key has one value type and a written form (critical, ignorable or
    either); sources that break them are not valid emitter output, so they are
    not part of the space the relation is computed over. (:func:`_key_atoms`
    builds only conforming atoms; this is the rule it follows, for tests.)
    """
    entry = STANDARD_KEYS.get(key)
    if entry is None or atom == _ABSENT:
        return True
    if value_type(atom.value) != entry.type:  # type: ignore[arg-type]
        return False
    return entry.form == "either" or atom.critical == (entry.form == "critical")


def _witness(chosen: Mapping[str, _Kind], keys: set[str]) -> MigrationVersion:
    """The source with the atoms *chosen* for the constrained keys."""
    fields = {key: Field(kind.value, kind.critical) for key, kind in sorted(chosen.items()) if kind != _ABSENT}  # type: ignore[arg-type]
    if not fields:
        # A migration_version has at least one field: an ignorable one no rule constrains is disregarded.
        name = _WITNESS_KEY
        while name in keys:
            name += "_"
        fields[name] = Field(1, False)
    return MigrationVersion(fields)


# ---- the search ---------------------------------------------------------------------


class _Layer(NamedTuple):
    """One key in the search: the distinct masks of its atoms, and an atom for each."""

    key: str
    masks: list[int]
    kinds: list[_Kind]


def _escaping(layers: Sequence[_Layer], rules: int, others: int, budget: _Budget) -> list[int] | None:
    """A source (an atom index per layer) that one rule of *rules* accepts and no rule of *others* does.

    Each rule of *rules* is tried in turn: a search inside the rule's box (the
    atoms where it holds) for a point that escapes every rule of *others*, so
    only the other side's alive rules are a state. None when every rule's box
    is covered by *others*.
    """
    while rules:
        rule = rules & -rules
        rules ^= rule
        alive = rule | others
        inside: list[list[int]] = []
        indices: list[list[int]] = []
        fixed: list[int] = []
        for layer in layers:
            budget.step(len(layer.masks))
            restricted: dict[int, int] = {}
            for index, mask in enumerate(layer.masks):
                if mask & rule:
                    restricted.setdefault(mask & others | rule, index)
            if not restricted:
                break  # the rule accepts nothing
            if len(restricted) == 1:
                [(mask, index)] = restricted.items()
                alive &= mask
                fixed.append(index)
            else:
                inside.append(list(restricted))
                indices.append(list(restricted.values()))
                fixed.append(-1)
        else:
            search = _Search(inside, rule, others, budget, _ONLY_FIRST)
            reach, root = search.run(alive)
            if reach:
                path = iter(search.path(root, _ONLY_FIRST))
                searched = iter(indices)
                return [index if index >= 0 else next(searched)[next(path)] for index in fixed]
    return None


def _meeting(layers: Sequence[_Layer], first: int, second: int, budget: _Budget) -> list[int] | None:
    """A source one rule of *first* and one rule of *second* both accept: two boxes that meet on every key."""
    meets: dict[int, int] = {}
    rules = first
    while rules:
        rule = rules & -rules
        rules ^= rule
        meets[rule] = rule | second
    for layer in layers:
        budget.step(len(layer.masks) * len(meets))
        for rule, partners in meets.items():
            reach = 0
            for mask in layer.masks:
                if mask & rule:
                    reach |= mask
            meets[rule] = partners & reach
    for rule, partners in meets.items():
        if partners & rule and partners & second:
            partner = partners & second & -(partners & second)
            both = rule | partner
            return [next(i for i, mask in enumerate(layer.masks) if mask & both == both) for layer in layers]
    return None


class _Search:
    """Which outcomes (first only, second only, both) some choice of one atom per key reaches.

    The state is the depth (keys decided) and the mask of rules still alive.
    Two normalisations merge states that must have the same outcomes: a rule
    that no atom of some remaining key satisfies is dropped, and when a rule
    of a side holds on every atom of every remaining key, that side is
    accepted whatever follows, so its alive rules are replaced by that one.
    Only the outcomes in *wanted* are looked for.
    """

    def __init__(self, layers: list[list[int]], first: int, second: int, budget: _Budget, wanted: int) -> None:
        self.layers = layers
        self.first = first
        self.second = second
        self.budget = budget
        self.wanted = wanted
        depth = len(layers)
        everything = first | second
        self.satisfiable = [everything] * (depth + 1)
        self.universal = [everything] * (depth + 1)
        for index in range(depth - 1, -1, -1):
            some, every = 0, everything
            for mask in layers[index]:
                some |= mask
                every &= mask
            self.satisfiable[index] = self.satisfiable[index + 1] & some
            self.universal[index] = self.universal[index + 1] & every
        self.memo: list[dict[int, tuple[int, int, int, int]]] = [{} for _ in range(depth)]

    def normalise(self, depth: int, alive: int) -> int:
        alive &= self.satisfiable[depth]
        forced = alive & self.universal[depth]
        if forced:
            first = forced & self.first
            if first:
                alive = (alive & ~self.first) | (first & -first)
            second = forced & self.second
            if second:
                alive = (alive & ~self.second) | (second & -second)
        return alive

    def quick(self, depth: int, alive: int) -> int | None:
        """The wanted outcomes from a state when they need no search (or are memoised), else None."""
        first, second = alive & self.first, alive & self.second
        if not first:
            return _ONLY_SECOND & self.wanted if second else 0
        if not second:
            return _ONLY_FIRST & self.wanted
        universal = self.universal[depth]
        if first & universal and second & universal:
            return _BOTH & self.wanted
        found = self.memo[depth].get(alive)
        return None if found is None else found[0]

    def run(self, alive: int) -> tuple[int, int]:
        """The wanted outcomes reachable from the start, and the normalised start state."""
        root = self.normalise(0, alive)
        known = self.quick(0, root)
        if known is not None:
            return known, root
        layers, memo, budget = self.layers, self.memo, self.budget
        # A frame: depth, alive, next atom, outcomes so far, outcomes possible, atom per outcome.
        stack: list[list[int]] = [self._frame(0, root)]
        while stack:
            frame = stack[-1]
            depth, alive, index, reach, possible = frame[0], frame[1], frame[2], frame[3], frame[4]
            masks = layers[depth]
            descended = False
            while index < len(masks) and reach != possible:
                budget.step(_SEARCH_STEP)
                child = self.normalise(depth + 1, alive & masks[index])
                found = self.quick(depth + 1, child)
                if found is None:
                    frame[2], frame[3] = index, reach
                    stack.append(self._frame(depth + 1, child))
                    descended = True
                    break
                new = found & ~reach
                for slot, outcome in enumerate(_OUTCOMES):
                    if new & outcome:
                        frame[5 + slot] = index
                reach |= new
                index += 1
            if descended:
                continue
            memo[depth][alive] = (reach, frame[5], frame[6], frame[7])
            stack.pop()
        return self.memo[0][root][0], root

    def _frame(self, depth: int, alive: int) -> list[int]:
        self.budget.state()
        universal = self.universal[depth]
        possible = _BOTH
        if not alive & self.second & universal:
            possible |= _ONLY_FIRST
        if not alive & self.first & universal:
            possible |= _ONLY_SECOND
        return [depth, alive, 0, 0, possible & self.wanted, -1, -1, -1]

    def path(self, root: int, outcome: int) -> list[int]:
        """One atom index per key reaching *outcome* (which :meth:`run` found reachable)."""
        chosen: list[int] = []
        alive = root
        for depth, masks in enumerate(self.layers):
            first, second = alive & self.first, alive & self.second
            universal = self.universal[depth]
            if not first or not second:
                keep = first or second
                keep &= -keep
                index = next(i for i, mask in enumerate(masks) if mask & keep)
            elif first & universal and second & universal:
                index = 0
            else:
                index = self.memo[depth][alive][1 + _OUTCOMES.index(outcome)]
            chosen.append(index)
            alive = self.normalise(depth + 1, alive & masks[index])
        return chosen


def narrowing_hint(witness: MigrationVersion, old: CompatibleDevices, new: CompatibleDevices) -> str | None:
    """Why *witness*, a source *old* accepts and *new* does not, may be no source a driver writes; None otherwise.

    That is so when the witness writes ignorable (``~``) a vendor key that no
    rule of *old* constrains and some rule of *new* does: a new release that
    adds a constraint on a key of its own narrows what the rules accept, by
    the sources that write that key ignorable or with another value (clause
    8.7 counts them, as a later release could write them). The hint names the
    key and the way to keep accepting them: keep the old release's rules
    beside the new ones. It does not say that no other source is lost.
    """
    constrained_before = {key for rule in old.rules for key in rule.constraints}
    constrained_now = {key for rule in new.rules for key in rule.constraints}
    keys = [
        key
        for key, entry in witness.fields.items()
        if not entry.critical and key not in STANDARD_KEYS and key not in constrained_before and key in constrained_now
    ]
    if not keys:
        return None
    written = " ".join(f"~{key}={value_text(witness.fields[key].value)}" for key in keys)
    named = " and ".join(keys)
    return (
        f"this source writes {written}: the old rules leave {named} unconstrained, so they accept a source that"
        f" writes it ignorable with any value, and the new rules constrain it (a later release may write it so)."
        " To keep accepting every source the old rules accepted, keep the old release's accept lines beside the"
        " new ones, then check again (vendor guide: Adding a field in a new driver release)"
    )


def agrees_with_verdicts(
    result: RelationResult,
    first: CompatibleDevices,
    second: CompatibleDevices,
    first_self: MigrationVersion | None = None,
    second_self: MigrationVersion | None = None,
) -> bool:
    """Whether every witness of *result* gets the verdicts it claims (a self-check for tests)."""
    checks = [
        (result.only_first, True, False),
        (result.only_second, False, True),
        (result.both, True, True),
    ]
    for source, in_first, in_second in checks:
        if source is None:
            continue
        if (accepts(source, first, first_self) is Answer.COMPATIBLE) != in_first:
            return False
        if (accepts(source, second, second_self) is Answer.COMPATIBLE) != in_second:
            return False
    return True
