"""The compatibility matrix across devices (M1, M2).

Classes
    The matrix is computed over *classes*: one per distinct triple of a source
    description, a rule set and a target, so a thousand identical VFs are one
    class. A device instance is its own target (its rules read its own
    fields through ``$``). A device type is the target of each of its
    covering choices (:func:`~migcompat.semantics.templates.covering_choices`):
    as a target it stands for every device it can create, decided per
    parameter (:func:`~migcompat.compare.accepts` with the template); as a
    source, each covering choice's device is one class, whose label says
    which of the type's choices it stands for. A description is first
    stripped of the ignorable fields that no rule of the run constrains (no
    target can tell such descriptions apart).

Deciding, once per distinct rule set
    Targets are grouped by their rule set (its text); each distinct rule set
    *R* is decided against the source classes once, whatever the number of
    targets that use it. What a constraint means is asked of
    :mod:`migcompat.semantics` every time; this module only relies on how a
    constraint's truth can change along the order of values
    (:func:`~migcompat.semantics.values.order_key`).

    1. *Candidates.* The sources are indexed by their values of every key a
       rule constrains (vendor keys included), each key's distinct values
       sorted the first time a rule's constraint on it is looked up: one sort
       of the sources' values per key the rules name. A constraint is true,
       false or undecided alike on every value of one type between two
       consecutive values it writes
       (:func:`~migcompat.semantics.constraints.constants`), so one value of
       each such run, decided by :func:`~migcompat.semantics.constraints.holds`
       without own values, answers for the run: a lookup costs O(constants x
       log n), and each rule is looked up on every key it constrains and kept
       on the most selective one. A source without the key is judged on the
       default (clause 8.3); with none, only a constraint that accepts any
       value can hold. So rule sets that each accept only their own device
       through a vendor key cost one verdict per device, not one per pair.
    2. *The part that does not read* ``$``. For each candidate source, the
       rules of *R* without ``$`` are decided once
       (:func:`~migcompat.semantics.rules.rule_truth`, or *R* compiled without
       own values when it has more than a few rules,
       :func:`~migcompat.compare.compiled`): one that matches makes every
       target of *R* accept the source.
    3. *The part that reads* ``$``, *by sorting*. The targets of *R* are
       grouped by their own values (:func:`~migcompat.semantics.rules.own_values`)
       on the keys *R* reads through ``$``. One such key *k* whose ``$``
       stands only in alternatives and range ends is chosen (the one with the
       most distinct own values), and the groups that agree on the other keys
       form a *subgroup*, sorted by their own value of *k*. For a source
       whose value of *k* is *v*, a constraint on *k* has one truth value on
       all own values below *v*, on those equal to *v*, on those above *v*
       (in *v*'s type), and on each other type's: the targets of a subgroup
       that accept the source are a union of at most a few runs of that
       order, found by binary search. A rule's constraint on *k* is decided
       once per run, and the whole rule once per source and subgroup, on one
       run where that constraint holds (the rest of the rule judges every
       target of the subgroup alike). A device type is a group of its own,
       decided per parameter.

    The work is O((classes + rule sets x candidate sources x subgroups) log n),
    plus, per rule, O(keys it names x constants x log n) for the lookups
    (a key's set values, which are not ordered, are decided one by one, up
    to ``_MAX_SET_PROBES`` of them), plus one sort of the sources' values
    per key the rules name, plus, for each candidate source, one verdict per
    device type of *R*.
    Subgroups are few when the keys *R* reads through ``$`` other than the
    sorted one have few distinct own values, as on every fleet of the
    samples; when *R* reads ``$`` only through subset or superset operands,
    every group is a subgroup.

The result
    The accepted pairs are kept compactly (``CompactMatrix``): per
    source and rule set, runs of the rule set's sorted order of targets. The
    report lists the first :data:`~migcompat.conformance.results.MAX_EDGES`
    pairs in ascending order and counts all of them (``accepted_pairs``),
    however many: a fleet in which every device accepts every device with
    fewer queues has a quadratic number of compatible pairs and a linear
    representation. ``candidate_pairs`` counts the (source class, target
    class) pairs the index left, ``evaluated_pairs`` the work units of the verdicts computed.

M2
    Classes whose critical fields are equal are compared pairwise; they are
    few per group on real fleets. At most ``MAX_M2_PAIRS`` pairs are
    examined in all, and a note says how many were not; at most
    ``MAX_M2_FAILURES`` one-way pairs are reported as failures, each
    explained (:func:`~migcompat.compare.check`), and the others are counted
    in the check's tally, with a note.
"""

from __future__ import annotations

import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from ..compare import accepts, check, compiled
from ..display import plural
from ..emit import emit, value_text
from ..model import SELF, AnyValue, CompatibleDevices, Constraint, Equals, MigrationVersion, Rule, Value, value_type
from ..semantics.compiled import CompiledRules
from ..semantics.constraints import constants, holds, self_positions, uses_self
from ..semantics.rules import Context, constrained_keys, own_values, project, rule_truth, source_value
from ..semantics.templates import decision_cost, reading_cost
from ..semantics.values import is_ordered, match_key, order_key
from ..verdict import Answer
from .emitter_checks import Analysis, Device
from .results import MAX_EDGES, Failure, Note, Report, collector_paused, host_label, located

__all__ = [
    "MAX_M2_FAILURES",
    "MAX_M2_PAIRS",
    "MAX_MATRIX_WORK",
    "MAX_RULE_BY_RULE",
    "CompactMatrix",
    "compatibility_matrix",
]

MAX_M2_PAIRS: Final = 200_000
"""At most this many pairs of classes with equal critical fields are examined by MC-M2-ASYMMETRY."""

MAX_M2_FAILURES: Final = 100
"""At most this many one-way pairs are reported (and explained) as MC-M2-ASYMMETRY failures; the rest are counted."""

MAX_MATRIX_WORK: Final = 500_000
"""At most this many work units of verdicts (``evaluated_pairs``, counted as
:func:`~migcompat.semantics.templates.decision_cost` counts them: one more per 16 keys the rules constrain, and
for a device type times one more than its ``param`` lines) are computed for the matrix. The rule sets left
undecided beyond it are named in a note, their target classes counted (``undecided_targets``), and
MC-M2-ASYMMETRY leaves their classes out."""

MAX_RULE_BY_RULE: Final = 4
"""A rule set with at most this many rules is decided rule by rule, a larger one through its compiled form."""

_MAX_SET_PROBES: Final = 64
"""A key's set values are decided one by one against a constraint when it has at most this many distinct ones."""

_SORTABLE: Final = frozenset({"alternative", "bound"})
_EMPTY: Final = MigrationVersion({})

SortKey = tuple[object, ...]


def _sort_key(value: Value | None) -> SortKey:
    """A total order on own values: none first, then by type; equal keys exactly for matching values."""
    if value is None:
        return (0,)
    kind = value_type(value)
    if is_ordered(value):
        return (1, kind, order_key(value))  # type: ignore[arg-type]
    key = match_key(value)
    return (2, kind, tuple(sorted(key)) if isinstance(key, frozenset) else key)


# ---- the classes ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Class:
    ident: int
    analysis: Analysis
    device: Device
    source: int
    rule_set: int
    target: _Target
    members: int = 0
    position: int = 0


@dataclass(slots=True)
class _Target:
    """One distinct target of a rule set: a device instance's own description, or a type's template."""

    own: MigrationVersion
    is_type: bool
    classes: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _Group:
    """Targets of one rule set that no constraint can tell apart; a run [start, end) of its order."""

    own: MigrationVersion
    """A target's own description (or its type's template): the group's representative."""
    value: Value | None = None
    """The own value of the rule set's sorted key."""
    start: int = 0
    end: int = 0


@dataclass(slots=True)
class _Block:
    """Groups of one subgroup whose sorted key's values are of one type (or absent): [start, end) of its groups."""

    prefix: tuple[object, ...]
    start: int
    end: int


@dataclass(slots=True)
class _Subgroup:
    """Instance groups with equal own values on every ``$`` key but the sorted one, in order of that key."""

    groups: list[_Group]
    keys: list[SortKey]
    blocks: list[_Block]
    own: dict[str, Value] = field(default_factory=dict)
    """The own values on the rule set's ``$`` keys of the subgroup's first group (all alike but the sorted key's)."""


@dataclass(slots=True)
class _RuleSet:
    index: int
    rules: CompatibleDevices
    targets: dict[tuple[bool, str], _Target] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)
    sort_key: str | None = None
    subgroups: list[_Subgroup] = field(default_factory=list)
    types: list[_Group] = field(default_factory=list)
    self_rules: list[Rule] = field(default_factory=list)
    type_key: str | None = None
    """A key every rule constrains by ``key=$`` alone: a type accepts only sources of its own value of it."""
    type_index: dict[Hashable, list[_Group]] = field(default_factory=dict)
    """The types by their fixed value of :attr:`type_key` (:func:`~migcompat.semantics.values.match_key`)."""
    untyped: list[_Group] = field(default_factory=list)
    """The types whose template does not fix :attr:`type_key`: decided for every source."""


@dataclass(slots=True)
class _KeyIndex:
    """The sources' distinct values of one key, sorted: (sort key, value, sources) each, in blocks of one type."""

    entries: list[tuple[SortKey, Value, list[int]]]
    keys: list[SortKey]
    sizes: list[int]
    """``sizes[i]``: how many sources hold the first *i* values."""
    blocks: list[_Block]
    holders: list[int]
    """The sources of every value, value by value: those of values *i* to *j* are ``holders[sizes[i]:sizes[j]]``."""


def _project(device: Device, relevant: frozenset[str]) -> Device:
    """*device* without the ignorable fields no rule constrains (:func:`~migcompat.semantics.rules.project`)."""
    version = project(device.version, relevant)
    if version is device.version or not version.fields:
        return device
    return Device(device.choice, version, device.varied)


def _label(analysis: Analysis, device: Device) -> str:
    where = located(host_label(analysis.host), analysis.placement.path)
    if not device.choice:
        return where
    choice = " ".join(f"{k}={value_text(v)}" for k, v in device.choice.items())
    covering = len(analysis.devices)
    if covering >= analysis.choices:
        return f"{where} [{choice}]"
    if device.varied is None:
        stands = "every parameter at its first value"
    else:
        name, _ = device.varied
        stands = f"{name}={value_text(device.choice[name])}, the other parameters at their first value"
    return (
        f"{where} [{choice}] (covering choice for {stands}; one of {covering} standing for the type's"
        f" {analysis.choices} choices)"
    )


# ---- the index ------------------------------------------------------------------------------------------


class _Index:
    """The sources by their values of any key a rule constrains, and which values a rule's constraint can accept.

    Building the index records, in one pass over the sources' fields, which
    sources have each key. A key's distinct values are sorted
    (:func:`_sort_key`) lazily, the first time some rule's constraint on it
    is looked up, so a run pays one sort of the sources' values per key its
    rules name; the other keys cost only that first pass. A constraint is true, false
    or undecided alike on all the values of one type that lie between two
    consecutive values it writes (its constants), so each such run is
    decided by the core on one of its values: a lookup costs O(constants x
    log values), not a scan of the values, and is kept (per key and
    constraint). Set values, which subset and superset do not order, are
    decided one by one, up to ``_MAX_SET_PROBES`` distinct set values of
    a key; beyond that they all count as passing (a superset, as always).

    :meth:`candidates` looks each rule up on every key the rule constrains
    and keeps the most selective: per rule, O(keys it names x constants x
    log values), plus the size of the sources it keeps.
    """

    def __init__(self, sources: Sequence[MigrationVersion]) -> None:
        self.size = len(sources)
        self.sources = sources
        self.present: dict[str, list[int]] = {}
        for ident, version in enumerate(sources):
            for key in version.fields:
                found = self.present.get(key)
                if found is None:
                    self.present[key] = [ident]
                else:
                    found.append(ident)
        self.indexed: dict[str, _KeyIndex] = {}
        self.memo: dict[tuple[str, Constraint], tuple[list[tuple[int, int]], int]] = {}

    def _key(self, key: str) -> _KeyIndex:
        """The sorted distinct values of *key* among the sources, built on first use."""
        found = self.indexed.get(key)
        if found is not None:
            return found
        values: dict[Hashable, tuple[Value, list[int]]] = {}
        for ident in self.present.get(key, ()):
            value = self.sources[ident].fields[key].value
            entry = values.get(match := match_key(value))
            if entry is None:
                values[match] = (value, [ident])
            else:
                entry[1].append(ident)
        entries = sorted(((_sort_key(value), value, ids) for value, ids in values.values()), key=lambda e: e[0])
        keys = [entry[0] for entry in entries]
        sizes = [0, *itertools.accumulate(len(entry[2]) for entry in entries)]
        blocks: list[_Block] = []
        for index, sort_key in enumerate(keys):
            if blocks and blocks[-1].prefix == sort_key[:2]:
                blocks[-1].end = index + 1
            else:
                blocks.append(_Block(sort_key[:2], index, index + 1))
        holders = [ident for entry in entries for ident in entry[2]]
        found = self.indexed[key] = _KeyIndex(entries, keys, sizes, blocks, holders)
        return found

    def _passing(self, key: str, constraint: Constraint) -> tuple[list[tuple[int, int]], int]:
        """The runs [first, last) of *key*'s sorted values that may satisfy *constraint* (without own values).

        Also the number of sources those runs hold.
        """
        found = self.memo.get((key, constraint))
        if found is not None:
            return found
        index = self._key(key)
        entries, keys = index.entries, index.keys
        cuts: dict[tuple[object, ...], set[int]] = {}
        for constant in constants(constraint):
            point = _sort_key(constant)
            cuts.setdefault(point[:2], set()).add(bisect_left(keys, point))
            cuts[point[:2]].add(bisect_right(keys, point))
        runs: list[tuple[int, int]] = []
        for block in index.blocks:
            if block.prefix[1] == "set":
                if block.end - block.start > _MAX_SET_PROBES:
                    runs.append((block.start, block.end))
                    continue
                bounds = list(range(block.start, block.end + 1))
            else:
                inside = {cut for cut in cuts.get(block.prefix, ()) if block.start < cut < block.end}
                bounds = sorted({block.start, block.end} | inside)
            for first, last in itertools.pairwise(bounds):
                if holds(constraint, entries[first][1], None) is not False:
                    runs.append((first, last))
        size = sum(index.sizes[last] - index.sizes[first] for first, last in runs)
        found = self.memo[(key, constraint)] = (runs, size)
        return found

    def _absent_pass(self, key: str, constraint: Constraint, defaults: Mapping[str, Value]) -> bool:
        """Whether a source without *key* may satisfy *constraint*: it is judged on the default (clause 8.3).

        With no default, the constraint is true only if it accepts any value
        (8.1-AN1); otherwise it is undecided and its rule never matches.
        """
        default = source_value(key, _EMPTY, defaults)
        if default is None:
            return type(constraint) is AnyValue
        return holds(constraint, default, None) is not False

    def candidates(self, rules: CompatibleDevices) -> list[int] | range:
        """The sources some rule of *rules* may accept: a superset of those it does, in ascending order.

        The runs the rules keep are merged key by key before their sources are
        gathered, so rules that keep overlapping runs of one key (ranges that
        share values) cost the sources of the union once, not once per rule.
        """
        pool: set[int] = set()
        kept: dict[str, list[tuple[int, int]]] = {}
        unheld: set[str] = set()  # the keys whose rules may also accept the sources without them
        for rule in rules.rules:
            best: tuple[str, list[tuple[int, int]], bool, int] | None = None
            for key, constraint in rule.constraints.items():
                runs, size = self._passing(key, constraint)
                absent = self.size - len(self.present.get(key, ()))
                with_absent = absent > 0 and self._absent_pass(key, constraint, rules.defaults)
                if with_absent:
                    size += absent
                if best is None or size < best[3]:
                    best = (key, runs, with_absent, size)
                    if size == 0:
                        break
            if best is None or best[3] == self.size:
                return range(self.size)
            key, runs, with_absent, _ = best
            kept.setdefault(key, []).extend(runs)
            if with_absent:
                unheld.add(key)
        for key, runs in kept.items():
            index = self._key(key)
            runs.sort()
            end = -1
            for first, last in runs:
                if first > end:
                    pool.update(index.holders[index.sizes[first] : index.sizes[last]])
                elif last > end:
                    pool.update(index.holders[index.sizes[end] : index.sizes[last]])
                end = max(end, last)
        for key in unheld:
            present = set(self.present.get(key, ()))
            pool.update(ident for ident in range(self.size) if ident not in present)
        return sorted(pool)


# ---- the compact matrix ---------------------------------------------------------------------------------


class CompactMatrix:
    """Every compatible (source class, target class) pair: per source and rule set, runs of the rule set's order.

    Implements :class:`~migcompat.conformance.results.AcceptedPairs`.
    """

    def __init__(self, classes: Sequence[_Class], rule_sets: Sequence[_RuleSet]) -> None:
        self._classes = classes
        self._rule_sets = rule_sets
        self._runs: dict[int, list[tuple[int, int, int]]] = {}
        self._count = -1

    def add(self, source: int, rule_set: int, start: int, end: int) -> None:
        """Record that source *source* is accepted by the targets [start, end) of rule set *rule_set*'s order."""
        runs = self._runs.get(source)
        if runs is None:
            self._runs[source] = [(rule_set, start, end)]
        elif runs[-1][0] == rule_set and runs[-1][2] == start:
            runs[-1] = (rule_set, runs[-1][1], end)
        else:
            runs.append((rule_set, start, end))

    def __len__(self) -> int:
        if self._count < 0:
            runs = self._runs
            per_source = {source: sum(end - start for _, start, end in found) for source, found in runs.items()}
            self._count = sum(per_source.get(item.source, 0) for item in self._classes)
        return self._count

    def __contains__(self, pair: object) -> bool:
        if not isinstance(pair, tuple) or len(pair) != 2:
            return False
        source, target = self._classes[pair[0]], self._classes[pair[1]]
        rule_set, position = target.rule_set, target.position
        return any(
            found == rule_set and start <= position < end for found, start, end in self._runs.get(source.source, ())
        )

    def targets(self, ident: int) -> list[int]:
        """The target classes that accept class *ident* as a source, in ascending order."""
        found: list[int] = []
        for rule_set, start, end in self._runs.get(self._classes[ident].source, ()):
            found.extend(self._rule_sets[rule_set].order[start:end])
        found.sort()
        return found

    def __iter__(self) -> Iterator[tuple[int, int]]:
        for item in self._classes:
            for target in self.targets(item.ident):
                yield item.ident, target

    def parts(self, ident: int) -> tuple[MigrationVersion, CompatibleDevices, MigrationVersion]:
        """Class *ident*'s source description, rule set and target (its own description, or its type's template)."""
        item = self._classes[ident]
        return item.device.version, self._rule_sets[item.rule_set].rules, item.target.own


# ---- building and deciding -------------------------------------------------------------------------------


class _Matrix:
    def __init__(self, analyses: Sequence[Analysis], report: Report) -> None:
        self.report = report
        self.classes: list[_Class] = []
        self.rule_sets: list[_RuleSet] = []
        self.sources: list[MigrationVersion] = []
        self._collect(analyses)
        self.relation = CompactMatrix(self.classes, self.rule_sets)
        self.undecided: list[int] = []
        """The rule sets not decided in full, :data:`MAX_MATRIX_WORK` being spent."""

    def _collect(self, analyses: Sequence[Analysis]) -> None:
        relevant = constrained_keys(a.rules for a in analyses if a.rules is not None)
        projections: dict[str, Device] = {}
        by_key: dict[tuple[str, str, bool, str], _Class] = {}
        source_ids: dict[str, int] = {}
        rule_sets: dict[str, _RuleSet] = {}
        for analysis in analyses:
            if analysis.rules is None or not analysis.devices:
                continue
            rule_set = rule_sets.get(analysis.rules_text)
            if rule_set is None:
                rule_set = rule_sets[analysis.rules_text] = _RuleSet(len(rule_sets), analysis.rules)
                self.rule_sets.append(rule_set)
            template = analysis.template
            template_text = emit(template) if template is not None else ""
            for original in analysis.devices:
                device = projections.get(original.text)
                if device is None:
                    device = projections[original.text] = _project(original, relevant)
                target_key = (template is not None, template_text if template is not None else device.text)
                key = (device.text, analysis.rules_text, *target_key)
                found = by_key.get(key)
                if found is None:
                    source = source_ids.get(device.text)
                    if source is None:
                        source = source_ids[device.text] = len(self.sources)
                        self.sources.append(device.version)
                    target = rule_set.targets.get(target_key)
                    if target is None:
                        own = template if template is not None else device.version
                        target = rule_set.targets[target_key] = _Target(own, template is not None)
                    found = by_key[key] = _Class(len(self.classes), analysis, device, source, rule_set.index, target)
                    target.classes.append(found.ident)
                    self.classes.append(found)
                found.members += 1

    # -- the layout of one rule set's targets

    def _layout(self, rule_set: _RuleSet) -> None:
        """Group and sort the targets of *rule_set*, and number its classes in that order."""
        rules = rule_set.rules
        self_keys: set[str] = set()
        unsortable: set[str] = set()
        for rule in rules.rules:
            reads = False
            for key, constraint in rule.constraints.items():
                positions = self_positions(constraint)
                if positions:
                    reads = True
                    self_keys.add(key)
                    if not positions <= _SORTABLE:
                        unsortable.add(key)
            if reads:
                rule_set.self_rules.append(rule)
        keys = sorted(self_keys)
        grouped: dict[tuple[SortKey, ...], tuple[list[Value | None], list[_Target]]] = {}
        for target in rule_set.targets.values():
            if target.is_type:
                group = _Group(target.own)
                rule_set.types.append(group)
                self._place(rule_set, group, [target])
                continue
            own = own_values(target.own) if keys else {}
            values = [own.get(key) for key in keys]
            found = grouped.get(own_key := tuple(_sort_key(value) for value in values))
            if found is None:
                grouped[own_key] = (values, [target])
            else:
                found[1].append(target)
        sortable = [index for index, key in enumerate(keys) if key not in unsortable]
        if sortable:
            best = max(sortable, key=lambda index: len({own[index] for own in grouped}))
            rule_set.sort_key = keys[best]
        else:
            best = -1
        subgroups: dict[tuple[SortKey, ...], list[tuple[SortKey, Value | None, list[_Target]]]] = {}
        owns: dict[tuple[SortKey, ...], dict[str, Value]] = {}
        for own_key, (values, targets) in grouped.items():
            rest = own_key[:best] + own_key[best + 1 :] if best >= 0 else own_key
            if rest not in owns:
                owns[rest] = {key: value for key, value in zip(keys, values, strict=True) if value is not None}
            if best >= 0:
                subgroups.setdefault(rest, []).append((own_key[best], values[best], targets))
            else:
                subgroups.setdefault(rest, []).append(((0,), None, targets))
        for rest, members in sorted(subgroups.items(), key=lambda item: item[0]):
            if best < 0:
                # Nothing to sort by: each group is probed on its own.
                for sort_value, _, targets in members:
                    group = _Group(targets[0].own)
                    self._place(rule_set, group, targets)
                    rule_set.subgroups.append(_Subgroup([group], [sort_value], [_Block((), 0, 1)], owns[rest]))
                continue
            members.sort(key=lambda member: member[0])
            groups = []
            sort_keys = []
            blocks: list[_Block] = []
            for index, (sort_value, value, targets) in enumerate(members):
                group = _Group(targets[0].own, value)
                self._place(rule_set, group, targets)
                groups.append(group)
                sort_keys.append(sort_value)
                if blocks and blocks[-1].prefix == sort_value[:2]:
                    blocks[-1].end = index + 1
                else:
                    blocks.append(_Block(sort_value[:2], index, index + 1))
            rule_set.subgroups.append(_Subgroup(groups, sort_keys, blocks, owns[rest]))

    def _place(self, rule_set: _RuleSet, group: _Group, targets: Sequence[_Target]) -> None:
        group.start = len(rule_set.order)
        for target in targets:
            for ident in target.classes:
                self.classes[ident].position = len(rule_set.order)
                rule_set.order.append(ident)
        group.end = len(rule_set.order)

    # -- deciding

    def decide(self) -> None:
        """Decide every rule set against its candidate sources, within :data:`MAX_MATRIX_WORK` verdicts.

        Once the budget is spent, the rule set being decided and every later
        one with candidates are left undecided (:attr:`undecided`): the pairs
        found so far are true, but not all the pairs.
        """
        matrix = self.report.matrix
        index = _Index(self.sources)
        for rule_set in self.rule_sets:
            self._layout(rule_set)
            _index_types(rule_set)
            if not rule_set.rules.rules:
                continue  # accepts nothing: MC-M1-ACCEPTS-NOTHING's finding
            candidates = index.candidates(rule_set.rules)
            if self.undecided and candidates:
                self.undecided.append(rule_set.index)
                continue
            matrix.candidate_pairs += len(candidates) * len(rule_set.order)
            decided = (
                self._by_rule(rule_set, candidates)
                if len(rule_set.rules.rules) <= MAX_RULE_BY_RULE
                else self._compiled(rule_set, candidates)
            )
            if not decided:
                self.undecided.append(rule_set.index)
        matrix.accepted = self.relation
        matrix.accepted_pairs = len(self.relation)
        matrix.undecided_targets = sum(len(self.rule_sets[index].order) for index in self.undecided)

    def _spent(self) -> bool:
        return self.report.matrix.evaluated_pairs >= MAX_MATRIX_WORK

    def _by_rule(self, rule_set: _RuleSet, candidates: Sequence[int]) -> bool:
        """Decide *candidates* against the targets of a rule set of few rules, rule by rule; False when the work
        budget ran out first.

        A rule without ``$`` judges every target alike: one evaluation. Within
        a subgroup, a ``$`` rule's constraints other than the one on the sorted
        key judge every target alike too, so the rule holds on a run of
        targets exactly when that constraint holds for the run's own value
        and the whole rule holds on one such run: one evaluation of the rule
        per source and subgroup, and one of the constraint per run.
        """
        rules = rule_set.rules
        defaults = rules.defaults
        matrix = self.report.matrix
        cost = reading_cost(rules)
        everything = len(rule_set.order)
        plain = [rule for rule in rules.rules if rule not in rule_set.self_rules]
        unowned = Context(defaults)
        sort_key = rule_set.sort_key
        reading = [
            (rule, constraint if constraint is not None and uses_self(constraint) else None)
            for rule in rule_set.self_rules
            for constraint in [rule.constraints.get(sort_key) if sort_key else None]
        ]
        add = self.relation.add
        for source in candidates:
            if self._spent():
                return False
            version = self.sources[source]
            matrix.evaluated_pairs += cost
            if any(rule_truth(rule, version, unowned) is True for rule in plain):
                add(source, rule_set.index, 0, everything)
                continue
            if not reading:
                continue
            value = source_value(sort_key, version, defaults) if sort_key else None
            found: list[tuple[int, int]] = []
            for subgroup in rule_set.subgroups:
                groups = subgroup.groups
                pieces = _pieces(subgroup, value)
                accepted = [False] * len(pieces)
                for rule, constraint in reading:
                    if constraint is None or value is None:
                        chosen = [index for index, taken in enumerate(accepted) if not taken]
                    else:
                        chosen = [
                            index
                            for index, (first, _) in enumerate(pieces)
                            if not accepted[index] and holds(constraint, value, groups[first].value) is True
                        ]
                    if not chosen:
                        continue
                    own = subgroup.own
                    if sort_key is not None:
                        own = dict(own)
                        representative = groups[pieces[chosen[0]][0]].value
                        if representative is None:
                            own.pop(sort_key, None)
                        else:
                            own[sort_key] = representative
                    matrix.evaluated_pairs += cost
                    if rule_truth(rule, version, Context(defaults, own)) is True:
                        for index in chosen:
                            accepted[index] = True
                for (first, last), taken in zip(pieces, accepted, strict=True):
                    if taken:
                        found.append((groups[first].start, groups[last - 1].end))
            self._finish(source, version, rule_set, found)
        return True

    def _compiled(self, rule_set: _RuleSet, candidates: Sequence[int]) -> bool:
        """Decide *candidates* against the targets of a rule set of many rules, through its compiled form; False
        when the work budget ran out first.

        Compiled without own values, the rule set accepts a source for every
        target (compatible), for none (incompatible), or only through a ``$``
        rule (unknown); those are then decided per run of targets, on one
        representative each.
        """
        rules = rule_set.rules
        matrix = self.report.matrix
        cost = reading_cost(rules)
        unowned = compiled(rules)
        everything = len(rule_set.order)
        sort_key = rule_set.sort_key
        # Each run's own values, compiled once: a rule set of more runs than compare's cache holds is not
        # compiled again for every source.
        owned: dict[int, CompiledRules] = {}
        for source in candidates:
            if self._spent():
                return False
            version = self.sources[source]
            matrix.evaluated_pairs += cost
            answer = unowned.decide(version)[0]
            if answer is Answer.COMPATIBLE:
                self.relation.add(source, rule_set.index, 0, everything)
                continue
            if answer is Answer.INCOMPATIBLE or not rule_set.self_rules:
                continue
            value = source_value(sort_key, version, rules.defaults) if sort_key else None
            found: list[tuple[int, int]] = []
            for subgroup in rule_set.subgroups:
                for first, last in _pieces(subgroup, value):
                    matrix.evaluated_pairs += cost
                    group = subgroup.groups[first]
                    found_rules = owned.get(id(group))
                    if found_rules is None:
                        found_rules = owned[id(group)] = compiled(rules, group.own)
                    if found_rules.decide(version)[0] is Answer.COMPATIBLE:
                        found.append((group.start, subgroup.groups[last - 1].end))
            self._finish(source, version, rule_set, found)
        return True

    def _finish(self, source: int, version: MigrationVersion, rule_set: _RuleSet, found: list[tuple[int, int]]) -> None:
        """Add the device types of *rule_set* that accept *version* (per parameter) to *found*, and record them all.

        Where every rule says ``key=$`` for one key (:func:`_index_types`), only
        the types whose template fixes the source's value of it are decided:
        the others cannot accept it, and a host of many types is not decided
        type by type for every source.
        """
        types = rule_set.types
        if rule_set.type_key is not None:
            value = source_value(rule_set.type_key, version, rule_set.rules.defaults)
            same = () if value is None else rule_set.type_index.get(match_key(value), ())
            types = [*rule_set.untyped, *same]
        for group in types:
            self.report.matrix.evaluated_pairs += decision_cost(group.own, rule_set.rules)
            if accepts(version, rule_set.rules, group.own) is Answer.COMPATIBLE:
                found.append((group.start, group.end))
        found.sort()
        for start, end in found:
            self.relation.add(source, rule_set.index, start, end)

    # -- the report

    def fill(self) -> None:
        matrix = self.report.matrix
        matrix.from_types = sum(1 for item in self.classes if item.target.is_type)
        matrix.classes = [
            {
                "id": item.ident,
                "label": _label(item.analysis, item.device),
                "migration_version": item.device.text.rstrip("\n"),
                "members": item.members,
            }
            for item in self.classes
        ]
        matrix.edges = list(itertools.islice(self.relation, MAX_EDGES))


def _pieces(subgroup: _Subgroup, value: Value | None) -> list[tuple[int, int]]:
    """The runs [first, last) of *subgroup*'s groups on which a source value *value* is judged alike.

    Own values of another type than *value*'s (or none) form one run per type;
    those of *value*'s type split into below, equal to and above *value*.
    """
    groups = len(subgroup.groups)
    if value is None or groups == 1:
        return [(0, groups)]
    key = _sort_key(value)
    prefix = key[:2]
    pieces = []
    for block in subgroup.blocks:
        if block.prefix != prefix:
            pieces.append((block.start, block.end))
            continue
        low = bisect_left(subgroup.keys, key, block.start, block.end)
        high = bisect_right(subgroup.keys, key, low, block.end)
        if block.start < low:
            pieces.append((block.start, low))
        if low < high:
            pieces.append((low, high))
        if high < block.end:
            pieces.append((high, block.end))
    return pieces


def _index_types(rule_set: _RuleSet) -> None:
    """File the types of *rule_set* by a key every rule constrains by ``key=$`` alone, if there is one.

    Such a rule holds only for a source whose value of the key matches the
    target's own (clause 8.4), and a key a template fixes is the same in every
    device it creates: a type can accept only the sources of its fixed value.
    """
    rules = rule_set.rules.rules
    if not rule_set.types or not rules:
        return
    only_self = Equals((SELF,))
    keys = [key for key, constraint in rules[0].constraints.items() if constraint == only_self]
    key = next((key for key in keys if all(rule.constraints.get(key) == only_self for rule in rules[1:])), None)
    if key is None:
        return
    rule_set.type_key = key
    for group in rule_set.types:
        entry = group.own.fields.get(key)
        if entry is None:
            rule_set.untyped.append(group)
        else:
            rule_set.type_index.setdefault(match_key(entry.value), []).append(group)


def compatibility_matrix(analyses: Sequence[Analysis], report: Report) -> None:
    """Fill ``report.matrix`` and run MC-M2-ASYMMETRY over the classes of *analyses*."""
    with collector_paused():
        matrix = _Matrix(analyses, report)
        matrix.decide()
        matrix.fill()
        _undecided_note(matrix, report)
        _asymmetry(matrix, report)


# ---- M2 --------------------------------------------------------------------------------------------------


def _signature(version: MigrationVersion) -> frozenset[tuple[str, Value]]:
    """The critical fields, as the data model has them (clause 6.4: ``1.0`` and ``1.0.0`` differ)."""
    return frozenset((key, entry.value) for key, entry in version.fields.items() if entry.critical)


def _undecided_note(matrix: _Matrix, report: Report) -> None:
    """Say which rule sets the matrix left undecided, :data:`MAX_MATRIX_WORK` being spent."""
    if not matrix.undecided:
        return
    first = matrix.rule_sets[matrix.undecided[0]]
    example = matrix.classes[first.order[0]]
    sets = plural(len(matrix.undecided), "rule set")
    targets = plural(report.matrix.undecided_targets, "target class", "target classes")
    report.note(
        Note(
            "MC-M2-ASYMMETRY",
            "",
            "(compatibility matrix)",
            f"the matrix is not complete: its budget of {MAX_MATRIX_WORK} verdicts was spent before {sets} ({targets};"
            f" the first at {_label(example.analysis, example.device)}) were decided against every source; the pairs"
            " listed are true but not all of them, and MC-M2-ASYMMETRY leaves those classes out (check fewer hosts at"
            " a time)",
        )
    )
    # Not a pass: with --fail-on-warning the run is then undecided (Report.result), as for an upgrade pair.
    report.undecide("MC-M2-ASYMMETRY", report.matrix.undecided_targets)


def _asymmetry(matrix: _Matrix, report: Report) -> None:
    groups: dict[frozenset[tuple[str, Value]], list[_Class]] = {}
    undecided = set(matrix.undecided)
    for item in matrix.classes:
        # A target that accepts nothing is M1's finding; one whose rule set was not decided has no pairs to compare.
        if matrix.rule_sets[item.rule_set].rules.rules and item.rule_set not in undecided:
            groups.setdefault(_signature(item.device.version), []).append(item)
    relation = matrix.relation
    budget = MAX_M2_PAIRS
    skipped = 0
    unexplained = 0
    for group in groups.values():
        pairs = len(group) * (len(group) - 1) // 2
        if pairs > budget:
            skipped += pairs - budget
        for first, second in itertools.islice(itertools.combinations(group, 2), min(pairs, budget)):
            forward = (first.ident, second.ident) in relation
            backward = (second.ident, first.ident) in relation
            if forward == backward:
                report.passed("MC-M2-ASYMMETRY")
                continue
            source, target = (first, second) if backward else (second, first)
            if report.tallies["MC-M2-ASYMMETRY"].failed >= MAX_M2_FAILURES:
                unexplained += 1
                report.tallies["MC-M2-ASYMMETRY"].checked += 1
                report.tallies["MC-M2-ASYMMETRY"].failed += 1
                continue
            report.fail(_asymmetry_failure(matrix, source, target))
        budget -= min(pairs, budget)
    path = "(compatibility matrix)"
    if unexplained:
        report.note(
            Note(
                "MC-M2-ASYMMETRY",
                "",
                path,
                f"{unexplained} more one-way pairs of classes with equal critical fields are counted as failures"
                f" but not listed (at most {MAX_M2_FAILURES} are)",
            )
        )
    if skipped:
        report.note(
            Note(
                "MC-M2-ASYMMETRY",
                "",
                path,
                f"{skipped} pairs of classes with equal critical fields were not examined (at most {MAX_M2_PAIRS} are)",
            )
        )


def _asymmetry_failure(matrix: _Matrix, source: _Class, target: _Class) -> Failure:
    rules = matrix.rule_sets[target.rule_set].rules
    verdict = check(source.device.version, rules, target.target.own)
    who, whom = _label(target.analysis, target.device), _label(source.analysis, source.device)
    reasons = "; ".join(f"[{r.code}] {r.message}" for r in verdict.reasons[:3])
    equal = f"{whom}, which accepts it, although their critical fields are equal"
    if verdict.answer is Answer.UNKNOWN:  # undecided, not refused: say so (clause 8.5)
        message = f"{who} is not known to accept {equal} (unknown: {reasons})"
    else:
        message = f"{who} does not accept {equal}: {reasons}"
    return Failure(
        "MC-M2-ASYMMETRY",
        target.analysis.host.host,
        target.analysis.placement.path + "/migration_compatible_devices",
        message,
        details={"source": source.device.text.rstrip("\n"), "target": target.device.text.rstrip("\n")},
    )
