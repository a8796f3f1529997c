"""The fleet index: which providers accept a source, answered without a scan of the fleet.

A fleet of a hundred thousand hosts has millions of rules but few distinct
rule sets, and its sources fall into few classes (:mod:`.classes`). The index
is built on those two facts:

Units
    Providers are grouped by their rule set (equal models have byte-equal
    canonical texts, clause 6.4, so the model is the key). Within a rule set,
    device instances whose own values agree on every key the rules read
    through ``$`` are judged alike by every source (clause 8.4): they form one
    *unit*. A device type is a unit of its own per distinct template. A unit
    is decided once per source class, by the semantic core:
    :func:`~migcompat.compare.compiled` for an instance unit (one compiled
    rule set per rule set and own values), :func:`~migcompat.compare.check`
    for a type (decided per parameter, with its choice). Only the grade
    (IDENTICAL for a member that describes the source's configuration) differs
    within a unit, and it is read from the unit's members by description.

The exact-match index
    A rule can accept a source only if each of its constraints holds. Each
    rule is filed under one key whose constraint is an equality without
    ranges: for each of its values (or, for ``$``, the unit's own value of the
    key), under ``(key, value)``, with values matched as the core matches them
    (:func:`~migcompat.semantics.values.match_key`); and under
    ``(key, absent)`` when the value a source without the key is judged on
    (the target's default, or the registry's, clause 8.3) satisfies it. A rule
    whose ``$`` equality tells the units of its rule set apart is filed per
    unit (the adversarial fleet where ``$`` makes every device's rules
    differ); any other, once for its whole rule set. A rule with no such key
    is a candidate for every source. A query looks up the source's value of
    each filed key, a few dictionary lookups, and decides only the units the
    buckets name: the index prunes, the core decides, so every answer is
    exactly :func:`~migcompat.compare.check`'s (a differential test holds it
    to a linear scan).

Caching
    The decided units of a source class are kept (at most
    :data:`MAX_CACHED_CLASSES` classes, least recently used first out), so
    each distinct (class, unit) pair is evaluated once and a repeated query
    costs one dictionary lookup; the flat list of (provider, verdict) pairs
    is kept too (at most :data:`MAX_CACHED_PAIRS` pairs in all), so a
    repeated flat answer costs the copy of a list.

Cost: building is linear in the number of providers plus the size of the
distinct rule sets. A query of a new class costs the lookups plus one
decision per candidate unit, O(keys x log rules) each
(:class:`~migcompat.semantics.compiled.CompiledRules`); the result's size is
the number of accepting providers. The near misses of a source
(:meth:`FleetIndex.near_misses`) cost one explained check per unit; the
targets whose verdict is UNKNOWN (:meth:`FleetIndex.undecided`) one
decision per unit, since the buckets do not prune them.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from .._arguments import require
from .._caches import register_lru
from ..compare import accepts, check, compiled
from ..model import SELF, CompatibleDevices, Constraint, Equals, MigrationVersion, Ratio, Value, Version
from ..semantics.compiled import CompiledRules
from ..semantics.constraints import holds, uses_self
from ..semantics.rules import same_configuration, self_keys, self_values, source_value
from ..semantics.templates import decision_cost
from ..semantics.values import match_key
from ..verdict import SOURCE_IS_TEMPLATE, Answer, Grade, Verdict
from .classes import SourceClass, source_classes
from .inventory import Inventory, Provider

__all__ = [
    "INDEX_KEYS",
    "MAX_CACHED_CLASSES",
    "MAX_CACHED_PAIRS",
    "MAX_NEAR_MISSES",
    "NEAR_MISSES",
    "FleetIndex",
    "IndexStats",
    "by_provider",
    "linear_scan",
    "rank",
]

INDEX_KEYS: Final = ("driver", "device_api", "stream", "pci_id", "type")
"""The keys a rule is preferably filed under (the identity keys of the conformance matrix), in this order."""

MAX_CACHED_CLASSES: Final = 4096
"""At most this many source classes' decided units are kept."""

MAX_CACHED_PAIRS: Final = 4_000_000
"""At most this many (provider, verdict) pairs of flat answers are kept (least recently used first out)."""

NEAR_MISSES: Final = 5
"""How many near misses :meth:`FleetIndex.near_misses` gives when not told."""

MAX_NEAR_MISSES: Final = 1000
"""At most this many near misses are asked of :meth:`FleetIndex.near_misses` at once."""

_ABSENT: Final = ("<absent>",)
"""The bucket value of a source that does not carry the key."""

_ALL: Final = -1
"""A bucket entry that names every unit of its rule set."""

_EMPTY_SOURCE: Final = MigrationVersion({})


class _Unit:
    """Providers of one rule set that every source judges alike (up to the IDENTICAL grade)."""

    __slots__ = ("_compiled", "group", "is_type", "lists", "number", "own", "representative", "versions")

    def __init__(self, group: _Group, number: int, own: tuple[Value | None, ...], first: Provider) -> None:
        self.group = group
        self.number = number
        self.own = own
        self.is_type = first.kind == "type"
        self.representative = first.version
        self.lists: dict[MigrationVersion, list[Provider]] = {}
        self.versions: dict[MigrationVersion, tuple[Provider, ...]] = {}
        self._compiled: CompiledRules | None = None

    @property
    def compiled(self) -> CompiledRules:
        """An instance unit's rules compiled for its own values, once: the unit keeps them, so a fleet of more
        rule sets than :func:`~migcompat.compare.compiled` caches does not compile them again for each query."""
        found = self._compiled
        if found is None:
            found = self._compiled = compiled(self.group.rules, self.representative)
        return found

    def check(self, source: MigrationVersion) -> Verdict:
        """:func:`~migcompat.compare.check`'s verdict for *source* against the unit's representative."""
        if self.is_type or source.params or not self.group.rules.rules:
            return check(source, self.group.rules, self.representative)  # what check() says without compiling
        return self.compiled.verdict(source, self.representative)

    def add(self, provider: Provider) -> None:
        found = self.lists.get(provider.version)
        if found is None:
            self.lists[provider.version] = [provider]
        else:
            found.append(provider)

    def freeze(self) -> None:
        """Make each description's member list a tuple, shared by every answer."""
        self.versions = {version: tuple(members) for version, members in self.lists.items()}
        self.lists = {}

    @property
    def members(self) -> tuple[Provider, ...]:
        """Every provider of the unit, description by description."""
        return tuple(provider for members in self.versions.values() for provider in members)

    def decide(self, source: MigrationVersion) -> Verdict | None:
        """The verdict shared by the unit's members that are not identical to *source*, or None when not compatible."""
        rules = self.group.rules
        if self.is_type:
            verdict = check(source, rules, self.representative)
            return verdict if verdict.answer is Answer.COMPATIBLE else None
        answer, matched = self.compiled.decide(source)
        if answer is not Answer.COMPATIBLE:
            return None
        return Verdict(Answer.COMPATIBLE, Grade.ACCEPTED, matched)

    def answer(self, source: MigrationVersion, verdict: Verdict) -> list[tuple[tuple[Provider, ...], Verdict]]:
        """The unit's members grouped with their verdicts, given the unit's shared compatible *verdict*."""
        out = []
        for version, members in self.versions.items():
            if not self.is_type and same_configuration(version, source):
                out.append((members, Verdict(Answer.COMPATIBLE, Grade.IDENTICAL, verdict.matched)))
            else:
                out.append((members, verdict))
        return out


class _Group:
    """One distinct rule set and its units."""

    __slots__ = ("number", "rules", "self_keys", "units")

    def __init__(self, number: int, rules: CompatibleDevices) -> None:
        self.number = number
        self.rules = rules
        self.self_keys = self_keys(rules)
        self.units: dict[tuple[bool, object], _Unit] = {}

    def unit_key(self, provider: Provider) -> tuple[bool, object]:
        if provider.kind == "type":
            return (True, provider.version)
        return (False, self_values(provider.version, self.self_keys))


_VALUE_TYPES: Final = frozenset({str, int, Version, Ratio, frozenset})


@register_lru
@lru_cache(maxsize=65536)
def _reads_self(constraint: Constraint) -> bool:
    """:func:`~migcompat.semantics.constraints.uses_self`, remembered: fleets repeat their constraints."""
    return uses_self(constraint)


@register_lru
@lru_cache(maxsize=65536)
def _equality(constraint: Constraint) -> bool:
    """Whether *constraint* holds only for values equal to one of its alternatives: plain values and ``$``.

    Ranges, and any other kind of alternative (such as a ``$N`` prefix), are
    not equalities: a rule is never filed under such a key.
    """
    return type(constraint) is Equals and all(
        alternative is SELF or type(alternative) in _VALUE_TYPES for alternative in constraint.alternatives
    )


def _forget_constraints() -> None:
    """Empty the per-constraint caches that filing uses: they serve one build, and an index outlives none of them."""
    _reads_self.cache_clear()
    _equality.cache_clear()
    _plain_bucket_values.cache_clear()


def _key_rank(key: str, constraint: Equals) -> tuple[int, int, str]:
    preferred = INDEX_KEYS.index(key) if key in INDEX_KEYS else len(INDEX_KEYS)
    return (preferred, len(constraint.alternatives), key)


def _bucket_values(key: str, constraint: Equals, own: Value | None, rules: CompatibleDevices) -> frozenset[Hashable]:
    """The bucket values a source can have on *key* for *constraint* to hold (own value *own* for ``$``)."""
    if own is None:
        return _plain_bucket_values(key, constraint, rules.defaults)
    return _values_of(key, constraint, own, rules.defaults)


@register_lru
@lru_cache(maxsize=65536)
def _plain_bucket_values(key: str, constraint: Equals, defaults: Mapping[str, Value]) -> frozenset[Hashable]:
    return _values_of(key, constraint, None, defaults)


def _values_of(key: str, constraint: Equals, own: Value | None, defaults: Mapping[str, Value]) -> frozenset[Hashable]:
    values: set[Hashable] = set()
    for alternative in constraint.alternatives:
        if alternative is SELF:
            if own is not None:
                values.add(match_key(own))
        else:
            values.add(match_key(alternative))  # type: ignore[arg-type]
    default = source_value(key, _EMPTY_SOURCE, defaults)
    if default is not None and holds(constraint, default, own) is True:
        values.add(_ABSENT)
    return frozenset(values)


class _Option:
    """One way to file a rule: under its equality constraint on *key* (per unit when it reads ``$``)."""

    __slots__ = ("constraint", "found", "key", "selfish")

    def __init__(self, key: str, constraint: Equals, selfish: bool) -> None:
        self.key = key
        self.constraint = constraint
        self.selfish = selfish
        self.found: list[tuple[tuple[str, Hashable], int]] | None = None

    def values(self, group: _Group, instances: Sequence[_Unit]) -> list[tuple[tuple[str, Hashable], int]]:
        """The buckets filing this way would add an entry to, each with the number of units the entry names."""
        if self.found is None:
            self.found = self._values(group, instances)
        return self.found

    def _values(self, group: _Group, instances: Sequence[_Unit]) -> list[tuple[tuple[str, Hashable], int]]:
        key = self.key
        if not self.selfish:
            units = len(group.units)
            return [((key, value), units) for value in _bucket_values(key, self.constraint, None, group.rules)]
        position = group.self_keys.index(key)
        return [
            ((key, value), 1)
            for unit in instances
            for value in _bucket_values(key, self.constraint, unit.own[position], group.rules)
        ]


def _choose(
    options: Sequence[_Option],
    group: _Group,
    instances: Sequence[_Unit],
    potential: Mapping[tuple[str, Hashable], int],
) -> _Option | None:
    """The option whose fullest bucket would name the fewest units (then the preferred key): the most selective.

    A bucket's size is counted before any choice, over every way every rule
    could be filed: an estimate, which only decides how fast queries are.
    """
    best: tuple[int, tuple[int, int, str]] | None = None
    chosen = None
    for option in options:
        found = option.values(group, instances)
        if not found:
            return option  # the rule holds for no source value: filed nowhere, never a candidate
        score = (max(potential.get(value, 0) for value, _ in found), _key_rank(option.key, option.constraint))
        if best is None or score < best:
            best, chosen = score, option
    return chosen


@dataclass(frozen=True)
class IndexStats:
    """What an index holds: providers, distinct rule sets, units, buckets, and rules filed nowhere."""

    providers: int
    rule_sets: int
    units: int
    buckets: int
    unfiled_rules: int


class FleetIndex:
    """Which providers accept a source, exactly as :func:`~migcompat.compare.check` says, without a scan.

    Build it with :meth:`build`. It is not changed by queries other than
    through its cache, and every answer is computed from the providers given.

    Thread safety: one index may be queried from several threads at once. Its
    caches are read and updated under a lock, and the deciding is done
    outside it; two threads that miss the same source both decide it and get
    equal answers. The caches hold at most *max_cached_classes* sources'
    answers and *max_cached_pairs* (provider, verdict) pairs in all
    (:meth:`build`); :meth:`clear_cache` empties them.
    """

    def __init__(self, max_cached_classes: int = 0, max_cached_pairs: int = 0) -> None:
        self.max_cached_classes = max_cached_classes or MAX_CACHED_CLASSES
        self.max_cached_pairs = max_cached_pairs or MAX_CACHED_PAIRS
        self._lock = threading.Lock()
        self.providers: tuple[Provider, ...] = ()
        self._groups: dict[CompatibleDevices, _Group] = {}
        self._group_list: list[_Group] = []
        self._units: list[_Unit] = []
        self._buckets: dict[tuple[str, Hashable], list[tuple[_Group, int]]] = {}
        self._keys: tuple[str, ...] = ()
        self._always: list[tuple[_Group, int]] = []
        self._unfiled = 0
        self._cache: OrderedDict[MigrationVersion, tuple[tuple[tuple[Provider, ...], Verdict], ...]] = OrderedDict()
        self._flat: OrderedDict[MigrationVersion, tuple[tuple[Provider, Verdict], ...]] = OrderedDict()
        self._flat_pairs = 0
        self._classes: tuple[SourceClass, ...] | None = None
        self._reverse: dict[int, list[tuple[SourceClass, Verdict]]] | None = None

    # ---- building

    @classmethod
    def build(
        cls,
        providers: Iterable[Provider],
        *,
        max_cached_classes: int = MAX_CACHED_CLASSES,
        max_cached_pairs: int = MAX_CACHED_PAIRS,
    ) -> FleetIndex:
        """The index of *providers*: device instances and device types (:class:`~.inventory.Provider`).

        The index remembers the answers for up to *max_cached_classes* distinct
        sources and up to *max_cached_pairs* (provider, verdict) pairs of
        :meth:`accepting` (the defaults, :data:`MAX_CACHED_CLASSES` and
        :data:`MAX_CACHED_PAIRS`, can hold a few hundred MiB on a fleet of
        thousands of hosts queried with thousands of distinct sources).
        Anything else than providers (an :class:`~.inventory.Inventory`
        itself: give its ``providers``), or a bound below 1, raises
        :class:`TypeError` or :class:`ValueError`.
        """
        if isinstance(providers, Inventory):
            raise TypeError("providers must be Provider objects: give the inventory's .providers, not the Inventory")
        for name, bound in (("max_cached_classes", max_cached_classes), ("max_cached_pairs", max_cached_pairs)):
            require(name, bound, int)
            if bound < 1:
                raise ValueError(f"{name} must be at least 1, not {bound}")
        index = cls(max_cached_classes, max_cached_pairs)
        index.providers = tuple(providers)
        for provider in index.providers:
            if type(provider) is not Provider:
                raise TypeError(f"providers must be Provider objects, not {type(provider).__name__}")
        groups = index._groups
        for provider in index.providers:
            group = groups.get(provider.rules)
            if group is None:
                group = groups[provider.rules] = _Group(len(groups), provider.rules)
            key = group.unit_key(provider)
            unit = group.units.get(key)
            if unit is None:
                unit = group.units[key] = _Unit(group, len(index._units), key[1] if not key[0] else (), provider)  # type: ignore[arg-type]
                index._units.append(unit)
            unit.add(provider)
        index._group_list = list(groups.values())
        for unit in index._units:
            unit.freeze()
        try:
            index._file_all()
        finally:
            _forget_constraints()
        index._keys = tuple(sorted({key for key, _ in index._buckets}))
        return index

    def _options(self, group: _Group) -> list[list[_Option]]:
        """For each rule of *group*: the ways it can be filed, one per equality constraint."""
        instances = [unit for unit in group.units.values() if not unit.is_type]
        per_unit = len(instances) > 1
        out = []
        for rule in group.rules.rules:
            options = []
            for key, constraint in rule.constraints.items():
                if not _equality(constraint):
                    continue
                selfish = _reads_self(constraint)
                if selfish and not per_unit:
                    continue  # with one instance (or none) the rule is filed for the whole rule set, by a plain key
                options.append(_Option(key, constraint, selfish))  # type: ignore[arg-type]
            out.append(options)
        return out

    def _file_all(self) -> None:
        """File every rule under its most selective equality key (two passes: count, then choose).

        The ways to file each rule are worked out in each pass rather than
        kept between them: a fleet whose every rule set differs has millions.
        """
        potential: dict[tuple[str, Hashable], int] = {}
        for group in self._group_list:
            instances = [unit for unit in group.units.values() if not unit.is_type]
            for options in self._options(group):
                for option in options:
                    for value, units in option.values(group, instances):
                        potential[value] = potential.get(value, 0) + units
        for group in self._group_list:
            instances = [unit for unit in group.units.values() if not unit.is_type]
            types = [(group, unit.number) for unit in group.units.values() if unit.is_type]
            for options in self._options(group):
                self._file_rule(group, options, instances, types, potential)

    def _file_rule(
        self,
        group: _Group,
        options: Sequence[_Option],
        instances: Sequence[_Unit],
        types: Sequence[tuple[_Group, int]],
        potential: Mapping[tuple[str, Hashable], int],
    ) -> None:
        best = _choose(options, group, instances, potential)
        if best is None:
            self._unfiled += 1
            self._always.append((group, _ALL))
            return
        if not best.selfish:
            self._put(best.key, best.constraint, None, group.rules, (group, _ALL))
            return
        position = group.self_keys.index(best.key)
        for unit in instances:
            self._put(best.key, best.constraint, unit.own[position], group.rules, (group, unit.number))
        if types:
            fallback = _choose([option for option in options if not option.selfish], group, instances, potential)
            for entry in types:
                if fallback is None:
                    self._always.append(entry)
                else:
                    self._put(fallback.key, fallback.constraint, None, group.rules, entry)
            if fallback is None:
                self._unfiled += 1

    def _put(
        self, key: str, constraint: Equals, own: Value | None, rules: CompatibleDevices, entry: tuple[_Group, int]
    ) -> None:
        buckets = self._buckets
        for value in _bucket_values(key, constraint, own, rules):
            bucket = buckets.get((key, value))
            if bucket is None:
                buckets[(key, value)] = [entry]
            elif bucket[-1] != entry:
                bucket.append(entry)

    # ---- queries

    def stats(self) -> IndexStats:
        """How many providers, distinct rule sets, units and buckets the index holds."""
        return IndexStats(len(self.providers), len(self._groups), len(self._units), len(self._buckets), self._unfiled)

    def candidate_units(self, source: MigrationVersion) -> list[int]:
        """The numbers of the units that may accept *source* (a superset of those that do): what the index prunes to."""
        return [unit.number for unit in self._candidates(source)]

    def candidate_cost(self, source: MigrationVersion) -> int:
        """The work units (:func:`~migcompat.semantics.templates.decision_cost`) of deciding *source* against the
        units that may accept it: one per device unit (one more per 16 keys its rules constrain), and for a device
        type's that times one more than its ``param`` lines."""
        return sum(decision_cost(unit.representative, unit.group.rules) for unit in self._candidates(source))

    def _candidates(self, source: MigrationVersion) -> list[_Unit]:
        """The units that may accept *source*: a superset of those that do, each once, in build order.

        A *source* that is not a :class:`~migcompat.model.MigrationVersion` raises :class:`TypeError`.
        """
        require("source", source, MigrationVersion)
        fields = source.fields
        buckets = self._buckets
        whole: set[int] = set()
        units: set[int] = set()
        for entries in itertools.chain(
            (self._always,),
            (
                buckets.get((key, _ABSENT if (entry := fields.get(key)) is None else match_key(entry.value)), ())
                for key in self._keys
            ),
        ):
            for group, number in entries:
                if number == _ALL:
                    whole.add(group.number)
                else:
                    units.add(number)
        found: list[_Unit] = []
        groups = self._group_list
        for number in sorted(whole):
            found.extend(groups[number].units.values())
        if units:
            done = {unit.number for unit in found}
            found.extend(self._units[number] for number in sorted(units - done))
        found.sort(key=lambda unit: unit.number)
        return found

    def accepting_groups(self, source: MigrationVersion) -> tuple[tuple[tuple[Provider, ...], Verdict], ...]:
        """Every provider that accepts *source*, grouped by verdict: ((providers, verdict), ...) in build order.

        A source that is a device-type template is accepted by none (its
        verdict is unknown, clause 8.5). The answer is cached per source.
        A *source* of another type raises :class:`TypeError`.
        """
        require("source", source, MigrationVersion)
        cache = self._cache
        with self._lock:
            found = cache.get(source)
            if found is not None:
                cache.move_to_end(source)
                return found
        if source.params:
            result: tuple[tuple[tuple[Provider, ...], Verdict], ...] = ()
        else:
            out: list[tuple[tuple[Provider, ...], Verdict]] = []
            for unit in self._candidates(source):
                verdict = unit.decide(source)
                if verdict is not None:
                    out.extend(unit.answer(source, verdict))
            result = tuple(out)
        with self._lock:
            cache[source] = result
            cache.move_to_end(source)
            while len(cache) > self.max_cached_classes:
                cache.popitem(last=False)
        return result

    def accepting(self, source: MigrationVersion) -> list[tuple[Provider, Verdict]]:
        """Every provider whose rules accept *source*, with :func:`~migcompat.compare.check`'s verdict.

        For a device type the verdict carries the creation parameters
        (:attr:`~migcompat.verdict.Verdict.choice`). Providers come in the
        order of their units, then of their descriptions; :func:`rank` orders
        them for a person.
        """
        require("source", source, MigrationVersion)
        flat = self._flat
        with self._lock:
            found = flat.get(source)
            if found is not None:
                flat.move_to_end(source)
                return list(found)
        out: list[tuple[Provider, Verdict]] = []
        for members, verdict in self.accepting_groups(source):
            out.extend(zip(members, itertools.repeat(verdict, len(members)), strict=True))
        if len(out) <= self.max_cached_pairs:
            with self._lock:
                previous = flat.pop(source, None)  # another thread may have cached it meanwhile
                if previous is not None:
                    self._flat_pairs -= len(previous)
                flat[source] = tuple(out)
                self._flat_pairs += len(out)
                while self._flat_pairs > self.max_cached_pairs or len(flat) > self.max_cached_classes:
                    _, dropped = flat.popitem(last=False)
                    self._flat_pairs -= len(dropped)
        return out

    def clear_cache(self) -> None:
        """Forget every remembered answer (the index itself is kept)."""
        with self._lock:
            self._cache.clear()
            self._flat.clear()
            self._flat_pairs = 0

    def verdicts(self, source: MigrationVersion) -> Iterator[tuple[tuple[Provider, ...], Verdict]]:
        """Every unit's verdict for *source*, explained (:func:`~migcompat.compare.check`), in index order.

        This evaluates every unit of the fleet; callers bound what they ask.
        :meth:`near_misses` ranks them for a person.
        A *source* of another type raises :class:`TypeError`.
        """
        require("source", source, MigrationVersion)
        return self._verdicts(source)

    def _verdicts(self, source: MigrationVersion) -> Iterator[tuple[tuple[Provider, ...], Verdict]]:
        for unit in self._units:
            yield unit.members, unit.check(source)

    def near_misses(
        self, source: MigrationVersion, count: int = NEAR_MISSES
    ) -> list[tuple[tuple[Provider, ...], Verdict]]:
        """The *count* nearest targets that do not accept *source*, nearest first, each with its explained verdict.

        What to show someone who asks why a source has nowhere to go. One
        entry per unit (the providers every source judges alike, together,
        with :func:`~migcompat.compare.check`'s verdict for them, as
        :meth:`verdicts` gives it); a unit that accepts *source* is never one.
        Nearest first means: an UNKNOWN verdict first (the source lacks a
        field the rules need, or a ``$`` cannot be read: such a target may
        accept it once that is known), then the fewest failing constraints in
        the nearest rule (the ``nearest`` outcomes of the
        :class:`~migcompat.verdict.Verdict`, counting the reasons not listed),
        then the index's order (that of the providers it was built from).
        So a target of another driver, which fails on ``driver`` and most
        other keys, comes after one of the source's own driver that fails on
        one version range.

        Cost: one explained check of *source* per unit of the index
        (:attr:`units`, which is at most the number of providers and on a
        real fleet far fewer), each linear in the size of the unit's rule
        set; nothing else grows with the fleet: at most *count* verdicts are
        kept while the units are ranked (a heap), and nothing is cached.
        *count* is from 1 to :data:`MAX_NEAR_MISSES`, else
        :class:`ValueError`; a *source* of another type, or a *count* that
        is not an int, raises :class:`TypeError`.
        """
        require("source", source, MigrationVersion)
        require("count", count, int)
        if not 1 <= count <= MAX_NEAR_MISSES:
            raise ValueError(f"count must be from 1 to {MAX_NEAR_MISSES}, not {count}")

        def ranked() -> Iterator[tuple[tuple[int, int, int], tuple[Provider, ...], Verdict]]:
            for order, (members, verdict) in enumerate(self._verdicts(source)):
                if verdict.answer is Answer.COMPATIBLE:
                    continue
                failing = min(
                    (len(outcome.reasons) + outcome.more_reasons for outcome in verdict.nearest),
                    default=len(verdict.reasons),
                )
                yield (0 if verdict.answer is Answer.UNKNOWN else 1, failing, order), members, verdict

        nearest = heapq.nsmallest(count, ranked(), key=lambda item: item[0])
        return [(members, verdict) for _, members, verdict in nearest]

    def undecided(self, source: MigrationVersion) -> list[tuple[tuple[Provider, ...], Verdict]]:
        """The targets whose verdict for *source* is UNKNOWN, one entry per unit, with the explained verdict.

        Such a target may accept *source* once what is missing is known (the
        source lacks a key the rules constrain and the target declares no
        default for it, row 8.3-AB4; a ``$`` whose own value does not exist,
        8.1-SR1): when no target accepts *source* and this is not empty, "no"
        is not the answer, the answer is not known. Members are grouped as
        :meth:`near_misses` groups them, in the index's order.

        Every unit is decided, not only the candidates the index prunes to:
        the exact-match buckets file a rule under the values that may
        *satisfy* it, and a rule whose filed key the source lacks (with no
        default) is UNKNOWN yet in no bucket the source names, so the
        candidates are not a superset of the UNKNOWN units.

        Cost: one decision per unit of the index (:attr:`units`) by its
        compiled rule set (no explanation built; a device type by
        :func:`~migcompat.compare.check`), then one explained check per
        UNKNOWN unit; nothing is cached. A source that is a device-type
        template has every unit, each with the unknown verdict of row
        8.5-VD3 (reason ``source-is-template``), as :meth:`verdicts` says: no
        target accepts it, and "no" is not the answer. A *source* of another
        type raises :class:`TypeError`.
        """
        require("source", source, MigrationVersion)
        if source.params:
            template = Verdict(Answer.UNKNOWN, reasons=(SOURCE_IS_TEMPLATE,))
            return [(unit.members, template) for unit in self._units]
        out = []
        for unit in self._units:
            if unit.is_type:
                verdict = unit.check(source)
                if verdict.answer is not Answer.UNKNOWN:
                    continue
            else:
                answer, _ = unit.compiled.decide(source)
                if answer is not Answer.UNKNOWN:
                    continue
                verdict = unit.check(source)
            out.append((unit.members, verdict))
        return out

    @property
    def units(self) -> int:
        """How many units (groups of providers every source judges alike) the index holds."""
        return len(self._units)

    # ---- the classes of the fleet's own sources, for exports

    @property
    def source_classes(self) -> tuple[SourceClass, ...]:
        """The classes of the device instances indexed (:func:`~.classes.source_classes`)."""
        if self._classes is None:
            self._classes = source_classes(self.providers)
        return self._classes

    def _reverse_map(self) -> dict[int, list[tuple[SourceClass, Verdict]]]:
        if self._reverse is None:
            classes = self.source_classes
            self._reverse = {
                number: [(classes[position], verdict) for position, verdict in decided]
                for number, decided in self._decide_all([item.version for item in classes]).items()
            }
        return self._reverse

    def _decide_all(self, sources: Sequence[MigrationVersion]) -> dict[int, list[tuple[int, Verdict]]]:
        """For each unit, the positions in *sources* of those it accepts, with the unit's verdict, in order.

        The candidates of every source are found first and then each unit
        decides all of its candidates in a row: its rules are compiled once
        for them (the compiled-rules cache holds a few hundred rule sets, and
        a fleet has more units than that), so the cost is one compilation per
        unit plus one decision per candidate pair.
        """
        pending: dict[int, list[int]] = {}
        for position, source in enumerate(sources):
            for unit in self._candidates(source):
                pending.setdefault(unit.number, []).append(position)
        decided: dict[int, list[tuple[int, Verdict]]] = {}
        for number in sorted(pending):
            unit = self._units[number]
            for position in pending[number]:
                verdict = unit.decide(sources[position])
                if verdict is not None:
                    decided.setdefault(number, []).append((position, verdict))
        return decided

    def accepted_sources(self, sources: Sequence[MigrationVersion]) -> Iterator[tuple[Provider, tuple[int, ...]]]:
        """Every provider with the positions in *sources* of the sources it accepts, in index order.

        What an export needs: every provider against every class, decided
        unit by unit (see :meth:`classes_accepted` for one provider, with
        verdicts). A source that is a device-type template is accepted by none.
        """
        for source in sources:
            require("sources", source, MigrationVersion)
        kept = [source if not source.params else None for source in sources]
        decided = self._decide_all([source for source in kept if source is not None])
        positions = [position for position, source in enumerate(kept) if source is not None]
        for unit in self._units:
            accepted = tuple(positions[position] for position, _ in decided.get(unit.number, ()))
            for provider in unit.members:
                yield provider, accepted

    def _unit_of(self, provider: Provider) -> _Unit:
        require("provider", provider, Provider)
        group = self._groups.get(provider.rules)
        unit = None if group is None else group.units.get(group.unit_key(provider))
        if unit is None or provider not in unit.versions.get(provider.version, ()):
            raise KeyError(f"{provider.where} is not in the index")
        return unit

    def classes_accepted(self, provider: Provider) -> tuple[tuple[SourceClass, Verdict], ...]:
        """The fleet's source classes *provider* accepts, each with its verdict, in class order.

        Every class is decided once for the whole fleet (on first use); a
        provider's answer is its unit's, with IDENTICAL for its own class.
        Raises KeyError for a provider that was not indexed, and TypeError for anything but a provider.
        """
        unit = self._unit_of(provider)
        return _own_grade(self._reverse_map().get(unit.number, ()), provider)

    def acceptance(self) -> Iterator[tuple[Provider, tuple[tuple[SourceClass, Verdict], ...]]]:
        """Every provider with the fleet's source classes it accepts (as :meth:`classes_accepted`), in index order."""
        reverse = self._reverse_map()
        for unit in self._units:
            accepted = reverse.get(unit.number, ())
            for provider in unit.members:
                yield provider, _own_grade(accepted, provider)


def _own_grade(
    accepted: Sequence[tuple[SourceClass, Verdict]], provider: Provider
) -> tuple[tuple[SourceClass, Verdict], ...]:
    if provider.kind == "type":
        return tuple(accepted)
    return tuple(
        (
            item,
            Verdict(Answer.COMPATIBLE, Grade.IDENTICAL, verdict.matched)
            if same_configuration(item.version, provider.version)
            else verdict,
        )
        for item, verdict in accepted
    )


def linear_scan(providers: Iterable[Provider], source: MigrationVersion) -> list[tuple[Provider, Verdict]]:
    """The providers that accept *source*, asking every one: the index's reference.

    Each provider is decided by :func:`~migcompat.compare.accepts` (no
    explanation is built for a refusal) and each one that accepts gets
    :func:`~migcompat.compare.check`'s verdict: the fastest honest scan.
    """
    out = []
    for provider in providers:
        if accepts(source, provider.rules, provider.version) is Answer.COMPATIBLE:
            out.append((provider, check(source, provider.rules, provider.version)))
    return out


def rank(found: Iterable[tuple[Provider, Verdict]]) -> list[tuple[Provider, Verdict]]:
    """*found* ordered for a person: existing devices first, then types that can still create a device, then
    types whose ``available_instances`` was 0 when captured; identical before accepted; then host, path.

    A display order, not a placement policy: a capture does not say whether
    an existing device is free, *available_instances* is as old as the
    capture, and the source itself (or its host) is in *found* when it
    accepts its own description: a scheduler filters what it cannot use.
    """

    def key(item: tuple[Provider, Verdict]) -> tuple[int, int, str, str]:
        provider, verdict = item
        return (
            0 if provider.kind == "device" else 2 if provider.available_instances == 0 else 1,
            0 if verdict.grade is Grade.IDENTICAL else 1,
            provider.host,
            provider.path,
        )

    return sorted(found, key=key)


def by_provider(found: Iterable[tuple[Provider, Verdict]]) -> Mapping[Provider, Verdict]:
    """*found* as a mapping from provider to verdict (for comparing answers)."""
    return dict(found)
