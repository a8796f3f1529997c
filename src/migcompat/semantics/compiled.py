"""A rule set compiled once into an evaluator (clause 8.5, decided fast).

:class:`CompiledRules` turns a ``migration_compatible_devices`` and its
target's own values into, for each key some rule constrains, a map from the
source value to the set of rules whose constraint on that key holds, as an
integer bit mask (bit *i* for rule *i*):

* equals constraints are dispatched by a hash of the value (order-equivalent
  values share one, :func:`~migcompat.semantics.values.match_key`);
* ranges partition each ordered type's values once, at the sorted range ends,
  and a source value finds its part by binary search;
* subset and superset constraints are indexed by the members of their
  operands (a member maps to the rules whose operand holds it);
* a ``$`` without a value makes its rules undecided wherever no other
  alternative of their constraint holds;
* identical constraints in several rules are indexed once.

No constraint is evaluated on its own: a source is decided with a few mask
operations per key, whatever the number of rules. The cost is
O(k log r + m + u) for k keys, r rules, the m members of the source's sets
and the u members of the superset operands of the keys it is read on
(:func:`~migcompat.semantics.templates.reading_cost` counts it in work
units), and compiling costs O(n log n) in the size of the rule set. The
constraints that read no ``$`` are compiled once per rule set, whatever the
own values, so compiling it again for another device of a fleet costs only
its constraints that read ``$``. The evaluator agrees with the plain one
(:mod:`~migcompat.semantics.rules`) by construction and by test.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from functools import lru_cache
from operator import itemgetter
from types import MappingProxyType
from typing import Final, TypeAlias, TypeVar, cast

from .._arguments import require
from .._caches import register_lru
from ..model import (
    SELF,
    AnyValue,
    CompatibleDevices,
    Constraint,
    Equals,
    MigrationVersion,
    Range,
    SelfPrefix,
    Subset,
    Superset,
    Value,
    Version,
)
from ..registry import registry_default
from ..verdict import NO_RULES, SOURCE_IS_TEMPLATE, Answer, Grade, Reason, RuleOutcome, Verdict, missing_verdict
from .constraints import (
    NOT_A_VERSION,
    UNRESOLVED,
    failure,
    resolve_alternative,
    unconstrained_reason,
    undecided_reason,
    uses_self,
)
from .rules import REGISTRY_DEFAULTS, must_understand, outcome, same_configuration
from .values import OrderKey, is_ordered, match_key, order_key

_V = TypeVar("_V")

__all__ = ["MAX_NEAREST", "CompiledRules", "compile_rules", "minimum"]


MAX_NEAREST: Final = 3
"""At most this many nearest rules are explained; :attr:`~migcompat.verdict.Verdict.also_near` counts the rest."""


class _Segments:
    """The values of one ordered type, cut at the range ends: a mask per point and per gap."""

    __slots__ = ("masks", "points")

    def __init__(self, points: list[OrderKey], masks: list[int]) -> None:
        self.points = points
        self.masks = masks

    def mask(self, key: OrderKey) -> int:
        points = self.points
        index = bisect_left(points, key)
        if index < len(points) and points[index] == key:
            return self.masks[2 * index + 1]
        return self.masks[2 * index]


def _segments(intervals: Sequence[tuple[int, OrderKey | None, OrderKey | None]]) -> _Segments:
    """*intervals* are (rule mask, low, high) with None for an open end; one rule mask may recur."""
    points = sorted({end for _, low, high in intervals for end in (low, high) if end is not None})
    position = {point: index for index, point in enumerate(points)}
    last = 2 * len(points)
    spans: dict[int, list[tuple[int, int]]] = {}
    for mask, low, high in intervals:
        start = 0 if low is None else 2 * position[low] + 1
        end = last if high is None else 2 * position[high] + 1
        if start <= end:
            spans.setdefault(mask, []).append((start, end))
    delta = [0] * (last + 2)
    for mask, pieces in spans.items():
        pieces.sort()
        merged: list[list[int]] = []
        for start, end in pieces:
            if merged and start <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        for start, end in merged:
            delta[start] ^= mask
            delta[end + 1] ^= mask
    masks = []
    running = 0
    for index in range(last + 1):
        running ^= delta[index]
        masks.append(running)
    return _Segments(points, masks)


class _SetIndex:
    """Distinct set operands of one operator on one key: which of them a source set is a subset or superset of.

    A member maps to the rules whose operand holds it. The rules whose
    operand contains a set *v* (``v<=operand``) are those whose operand holds
    each member of *v*: an AND over its members. The rules whose operand *v*
    contains (``v>=operand``) are those whose operand holds no member outside
    *v*: an OR over the members of every operand that *v* lacks. A source set
    costs O(|v|) masks for subsets and O(|u|) for supersets, where *u* is the
    union of the operands, whatever the number of rules.
    """

    __slots__ = ("all", "members", "union")

    def __init__(self) -> None:
        self.all = 0
        self.members: dict[str, int] = {}
        self.union: set[str] = set()

    def add(self, operand: frozenset[str], mask: int) -> None:
        self.all |= mask
        for member in operand:
            self.members[member] = self.members.get(member, 0) | mask
        self.union.update(operand)

    def within(self, value: frozenset[str]) -> int:
        """The rules whose operand contains *value*."""
        members = self.members
        found = self.all
        for member in value:
            found &= members.get(member, 0)
            if not found:
                break
        return found

    def covering(self, value: frozenset[str]) -> int:
        """The rules whose operand *value* contains."""
        members = self.members
        lacking = 0
        for member in self.union.difference(value):
            lacking |= members[member]
        return self.all & ~lacking


class _KeyPlan:
    """What every rule's constraint on one key says about a source value: each constraint is indexed, none is
    evaluated on its own, so a source value costs a few mask operations whatever the number of rules."""

    __slots__ = (
        "anything",
        "constrained",
        "default",
        "distinct",
        "exact",
        "key",
        "segments",
        "subsets",
        "supersets",
        "unresolved",
    )

    def __init__(self, key: str, constraints: Mapping[Constraint, int], own: Value | None, default: Value | None):
        self.key = key
        self.default = default
        self.distinct = len(constraints)
        self.constrained = 0
        self.anything = 0  # the rules that constrain the key with key=*: true with any value and none
        self.unresolved = 0  # the rules whose constraint reads a $ without a value: undecided unless it holds
        self.exact: dict[Hashable, int] = {}
        self.subsets: _SetIndex | None = None
        self.supersets: _SetIndex | None = None
        intervals: dict[type, list[tuple[int, OrderKey | None, OrderKey | None]]] = {}
        for constraint, mask in constraints.items():
            self.constrained |= mask
            kind = type(constraint)
            if kind is AnyValue:
                self.anything |= mask
            elif kind is Equals:
                self._index(constraint, mask, own, intervals)  # type: ignore[arg-type]
            else:
                self._index_set(constraint, mask, own)  # type: ignore[arg-type]
        self.segments = {kind: _segments(found) for kind, found in intervals.items()}

    def _index(
        self,
        constraint: Equals,
        mask: int,
        own: Value | None,
        intervals: dict[type, list[tuple[int, OrderKey | None, OrderKey | None]]],
    ) -> None:
        """Index an equals constraint's alternatives; one that reads a ``$`` without a value makes it undecided
        where no other holds (8.1-SR1, RG7, PX1)."""
        values: list[Value] = []
        ranges: list[tuple[type, OrderKey | None, OrderKey | None]] = []
        for alternative in constraint.alternatives:
            if type(alternative) is SelfPrefix or (
                type(alternative) is Range and SelfPrefix in (type(alternative.low), type(alternative.high))
            ):
                alternative = resolve_alternative(alternative, own)  # type: ignore[assignment]
                if alternative is UNRESOLVED:
                    self.unresolved |= mask
                    continue
                if alternative is NOT_A_VERSION:
                    continue  # 8.1-PX3: true for no value
            if alternative is SELF:
                if own is None:
                    self.unresolved |= mask
                    continue
                values.append(own)
            elif type(alternative) is Range:
                low, high = alternative.low, alternative.high
                if low is SELF or high is SELF:
                    if own is None:
                        self.unresolved |= mask
                        continue
                    low = own if low is SELF else low  # type: ignore[assignment]
                    high = own if high is SELF else high  # type: ignore[assignment]
                ends = [end for end in (low, high) if end is not None]
                kind = type(ends[0])
                if not all(is_ordered(end) and type(end) is kind for end in ends):
                    continue  # 8.1-RG4, RG5: true for no value
                ranges.append(
                    (
                        kind,
                        None if low is None else order_key(low),  # type: ignore[arg-type]
                        None if high is None else order_key(high),  # type: ignore[arg-type]
                    )
                )
            else:
                values.append(alternative)  # type: ignore[arg-type]
        for value in values:
            found = match_key(value)
            self.exact[found] = self.exact.get(found, 0) | mask
        for kind, start, end in ranges:
            intervals.setdefault(kind, []).append((mask, start, end))

    def _index_set(self, constraint: Subset | Superset, mask: int, own: Value | None) -> None:
        """Index a subset or superset constraint under its operand (``$`` read as *own*)."""
        operand = constraint.operand
        if operand is SELF:
            if own is None:
                self.unresolved |= mask  # 8.1-SB4, SP4
                return
            operand = own  # type: ignore[assignment]
        if type(operand) is not frozenset:
            return  # 8.1-SB3, SP3: the target's own value is not a set, true for no value
        if type(constraint) is Subset:
            if self.subsets is None:
                self.subsets = _SetIndex()
            self.subsets.add(operand, mask)
        else:
            if self.supersets is None:
                self.supersets = _SetIndex()
            self.supersets.add(operand, mask)

    def masks(self, value: Value) -> tuple[int, int]:
        """The rules whose constraint on this key holds for *value*, and those for which it is undecided."""
        passed = self.exact.get(match_key(value), 0) | self.anything
        if self.segments:
            segments = self.segments.get(type(value))
            if segments is not None:
                passed |= segments.mask(order_key(value))  # type: ignore[arg-type]
        if type(value) is frozenset:  # 8.1-SB2, SP2: a subset or superset holds for a set only
            if self.subsets is not None:
                passed |= self.subsets.within(value)
            if self.supersets is not None:
                passed |= self.supersets.covering(value)
        return passed, self.unresolved & ~passed


def minimum(masks: Iterable[int], universe: int) -> int:
    """The rules of *universe* that are in the fewest of *masks* (a bit-sliced counter)."""
    planes: list[int] = []
    for mask in masks:
        carry = mask & universe
        for index, plane in enumerate(planes):
            if not carry:
                break
            planes[index] = plane ^ carry
            carry &= plane
        if carry:
            planes.append(carry)
    chosen = universe
    for plane in reversed(planes):
        if chosen & ~plane:
            chosen &= ~plane
    return chosen


def bits(mask: int) -> list[int]:
    """The indices of the set bits of *mask*, in increasing order."""
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


class _Shared:
    """What compiling a rule set decides whatever the target's own values.

    The constraints that read no ``$`` are compiled once (:attr:`plans`);
    those that read one are kept by key (:attr:`reading`) and compiled for
    each target's own values by :class:`CompiledRules`, so the devices of a
    fleet that share a rule set but differ in their own values share all
    but those. A rule constrains a key once, so the two kinds of plan of
    one key hold disjoint rules.
    """

    __slots__ = ("all", "lookups", "plans", "reading", "unconstrained")

    def __init__(self, target: CompatibleDevices) -> None:
        self.all = (1 << len(target.rules)) - 1
        fixed: dict[str, dict[Constraint, int]] = {}
        reading: dict[str, dict[Constraint, int]] = {}
        constrained: dict[str, int] = {}
        for index, rule in enumerate(target.rules):
            bit = 1 << index
            for key, constraint in rule.constraints.items():
                group = (reading if uses_self(constraint) else fixed).setdefault(key, {})
                group[constraint] = group.get(constraint, 0) | bit
                constrained[key] = constrained.get(key, 0) | bit
        defaults = target.defaults
        self.plans = [_KeyPlan(key, group, None, _default(defaults, key)) for key, group in fixed.items()]
        self.reading = [(key, group, _default(defaults, key)) for key, group in reading.items()]
        # A critical source field fails every rule that does not constrain its key (8.1-RU1).
        self.unconstrained = {key: self.all & ~mask for key, mask in constrained.items()}
        self.lookups = tuple(_getter(rule.constraints) for rule in target.rules)
        """Each rule's ``constraints.get``, at a dict's cost, for the explanations."""


_Step: TypeAlias = (
    "tuple[str, int, int, Value | None, _KeyPlan | None, dict[Hashable, int], int, dict[Hashable, int], int]"
)
"""One key's plan as the deciding loops read it: the key, the rules that constrain it and those that say
``key=*``, its default, and then either the plan itself (when it has ranges or residual constraints) or
None and the equals dispatch read two ways: the rules a value leaves alive (every rule but those whose
constraint is false for it) and the rules it fails, each with the answer for a value no rule names."""


def _step(plan: _KeyPlan) -> _Step:
    constrained, anything = plan.constrained, plan.anything
    if plan.segments or plan.subsets or plan.supersets or plan.unresolved:
        return plan.key, constrained, anything, plan.default, plan, {}, 0, {}, 0
    keep = ~constrained | anything
    alive = {value: keep | mask for value, mask in plan.exact.items()}
    fails = {value: constrained & ~(anything | mask) for value, mask in plan.exact.items()}
    return plan.key, constrained, anything, plan.default, None, alive, keep, fails, constrained & ~anything


def _getter(items: Mapping[str, _V]) -> Callable[[str], _V | None]:
    """A model mapping's ``get`` at the cost of a dict's (a source's fields, a rule's constraints): a model's mappings
    are each a :class:`~migcompat.model.FrozenMap`, whose keys view is its dict's, and ``mapping`` reads that dict
    through a proxy without a Python call per key."""
    return cast("Callable[[str], _V | None]", items.keys().mapping.get)  # type: ignore[attr-defined]


def _default(defaults: Mapping[str, Value], key: str) -> Value | None:
    return defaults[key] if key in defaults else registry_default(key)


@register_lru
@lru_cache(maxsize=256)
def _shared(target: CompatibleDevices) -> _Shared:
    return _Shared(target)


class CompiledRules:
    """A target's rules, compiled for its own values: decide many sources fast.

    Build it with :func:`compile_rules`. It is immutable and safe to share: its attributes cannot be set, and
    its tables are private (the cached forms that :func:`~migcompat.compare.check` and
    :func:`~migcompat.compare.accepts` use are shared by every caller of the process).
    Compiling a rule set again for other own values costs only its
    constraints that read ``$``: the rest is compiled once per rule set.
    """

    __slots__ = ("_all", "_count", "_lookups", "_own", "_steps", "_target", "_unconstrained")
    _all: int
    _count: int
    _lookups: tuple[Callable[[str], Constraint | None], ...]
    _own: dict[str, Value]
    _steps: tuple[_Step, ...]
    _target: CompatibleDevices
    _unconstrained: dict[str, int]

    def __init__(self, target: CompatibleDevices, own: Mapping[str, Value]) -> None:
        shared = _shared(target)
        plans = shared.plans + [_KeyPlan(key, group, own.get(key), default) for key, group, default in shared.reading]
        # Keys whose constraints tell the rules apart most are tried first: they empty the mask soonest.
        plans.sort(key=lambda plan: -plan.distinct)
        fields = {
            "_target": target,
            "_own": dict(own),
            "_count": len(target.rules),
            "_all": shared.all,
            "_unconstrained": shared.unconstrained,
            "_lookups": shared.lookups,
            "_steps": tuple(_step(plan) for plan in plans),
        }
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"CompiledRules is immutable: cannot set {name}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"CompiledRules is immutable: cannot delete {name}")

    @property
    def target(self) -> CompatibleDevices:
        """The rule set compiled."""
        return self._target

    @property
    def own(self) -> Mapping[str, Value]:
        """The own values the rules were compiled for (those of the keys they read through ``$``), read-only."""
        return MappingProxyType(self._own)

    def decide(self, source: MigrationVersion | None) -> tuple[Answer, int | None]:
        """The verdict's answer for *source* and, when compatible, the first rule that matches.

        As :func:`~migcompat.compare.accepts` answers: a missing source (None)
        and a device type (a source with ``param`` lines, row 8.5-VD3) are
        unknown; a value of another type raises :class:`TypeError`. The
        result is a pair, true whatever it holds: test its answer
        (``decide(source)[0] is Answer.COMPATIBLE``), never the pair.
        """
        if type(source) is not MigrationVersion or source.params:
            require("source", source, MigrationVersion, optional=True)
            return Answer.UNKNOWN, None
        everything = alive = self._all
        unconstrained_by = self._unconstrained
        fields = source.fields
        for key, entry in fields.items():
            unconstrained = unconstrained_by.get(key, everything)
            if unconstrained and entry.critical and (key not in REGISTRY_DEFAULTS or must_understand(key, entry)):
                alive &= ~unconstrained
        if not alive:
            return Answer.INCOMPATIBLE, None
        undecided = 0
        get = _getter(fields)
        for key, constrained, anything, default, plan, survivors, unnamed, _, _ in self._steps:
            if not constrained & alive:
                continue
            carried = get(key)
            value = default if carried is None else carried.value
            if value is None:
                undecided |= constrained & ~anything  # 8.3-AB4; 8.1-AN1
                continue
            if plan is None:
                alive &= survivors.get(match_key(value) if type(value) is Version else value, unnamed)
            else:
                passed, maybe = plan.masks(value)
                alive &= ~constrained | passed | maybe
                undecided |= maybe
            if not alive:
                return Answer.INCOMPATIBLE, None
        matched = alive & ~undecided
        if matched:
            return Answer.COMPATIBLE, (matched & -matched).bit_length() - 1
        return Answer.UNKNOWN, None

    def rule_masks(self, source: MigrationVersion, *, critical: bool = True) -> tuple[int, int]:
        """Every rule that a constraint fails for *source*, and every rule with an undecided constraint.

        With *critical* False, a critical source field that a rule leaves
        unconstrained does not fail it (8.1-RU1 is left to the caller): for
        rule sets that hold only part of each rule's constraints, as a device
        type's rules split by parameter (:mod:`~migcompat.semantics.compiled_type`).
        """
        _, failed, _, undecided = self._tally(source, critical)
        return failed, undecided

    def _tally(
        self, source: MigrationVersion, critical: bool = True
    ) -> tuple[list[tuple[str, Value | None, int, int]], int, int, int]:
        """Rows (key, source value, rules it fails, rules it leaves undecided) for the keys where some rule
        fails or is undecided; then every rule failed, every rule failed more than once, and every rule
        undecided.

        Unlike :meth:`decide` it reads every key: the explanation needs each
        rule's count, not only whether some rule survives. The rules failed
        more than once tell, without counting, whether some rule fails just
        once: those are then the nearest.
        """
        everything = self._all
        unconstrained_by = self._unconstrained
        fields = source.fields
        rows: list[tuple[str, Value | None, int, int]] = []
        failed = twice = undecided = 0
        for key, entry in fields.items() if critical else ():
            unconstrained = unconstrained_by.get(key, everything)
            if unconstrained and entry.critical and (key not in REGISTRY_DEFAULTS or must_understand(key, entry)):
                rows.append((key, entry.value, unconstrained, 0))
                twice |= failed & unconstrained
                failed |= unconstrained
        get = _getter(fields)
        for key, constrained, anything, default, plan, _, _, failing, unnamed in self._steps:
            carried = get(key)
            value = default if carried is None else carried.value
            if value is None:
                maybe = constrained & ~anything  # 8.3-AB4; 8.1-AN1
                if maybe:
                    rows.append((key, None, 0, maybe))
                    undecided |= maybe
                continue
            if plan is None:
                fail = failing.get(match_key(value) if type(value) is Version else value, unnamed)
                if fail:
                    rows.append((key, value, fail, 0))
                    twice |= failed & fail
                    failed |= fail
                continue
            passed, maybe = plan.masks(value)
            fail = constrained & ~(passed | maybe)
            if fail or maybe:
                rows.append((key, value, fail, maybe))
                twice |= failed & fail
                failed |= fail
                undecided |= maybe
        return rows, failed, twice, undecided

    def nearest(self, source: MigrationVersion) -> tuple[Answer, list[int]]:
        """For a source no rule matches: the answer and the nearest rules, in rule order.

        Nearest are the rules with the fewest failing constraints (critical
        fields they leave unconstrained included); when some rules have none,
        the answer is unknown and the nearest are those of them with the fewest
        undecided constraints.
        """
        rows, failed, twice, _ = self._tally(source)
        answer, chosen = self._nearest(rows, failed, twice)
        return answer, bits(chosen)

    def _nearest(self, rows: list[tuple[str, Value | None, int, int]], failed: int, twice: int) -> tuple[Answer, int]:
        clean = self._all & ~failed
        if clean:
            return Answer.UNKNOWN, minimum((maybe for _, _, _, maybe in rows if maybe), clean)
        once = failed & ~twice
        if once:
            return Answer.INCOMPATIBLE, once  # every rule fails, these on one constraint only: none fewer
        return Answer.INCOMPATIBLE, minimum((fail for _, _, fail, _ in rows if fail), self._all)

    def explain(self, source: MigrationVersion, limit: int) -> tuple[Answer, tuple[RuleOutcome, ...], int]:
        """For a source no rule matches: the answer, the first *limit* nearest rules explained, and how many more.

        Each explained rule lists its failing and undecided constraints in key
        order, as :func:`~migcompat.semantics.rules.evaluate_rule` does.
        """
        answer, _, outcomes, more = self.judge(source, limit)
        return answer, outcomes, more

    def judge(
        self, source: MigrationVersion | None, limit: int
    ) -> tuple[Answer, int | None, tuple[RuleOutcome, ...], int]:
        """:meth:`decide` and :meth:`explain` in one pass over the source's keys.

        The answer; the first rule that matches, if one does; otherwise the
        first *limit* nearest rules explained, and how many more are as near.
        A missing source or a device type is unknown, without rules explained
        (:func:`~migcompat.compare.check` gives the reason).
        """
        answer, matched, outcomes, _, more = self._judge(source, limit)
        return answer, matched, outcomes, more

    def _judge(
        self, source: MigrationVersion | None, limit: int
    ) -> tuple[Answer, int | None, tuple[RuleOutcome, ...], tuple[Reason, ...], int]:
        """:meth:`judge`, and the explained rules' reasons in rule order (a verdict's :attr:`~Verdict.reasons`)."""
        if type(source) is not MigrationVersion or source.params:
            require("source", source, MigrationVersion, optional=True)
            return Answer.UNKNOWN, None, (), (), 0
        rows, failed, twice, undecided = self._tally(source)
        matched = self._all & ~(failed | undecided)
        if matched:
            return Answer.COMPATIBLE, (matched & -matched).bit_length() - 1, (), (), 0
        answer, chosen = self._nearest(rows, failed, twice)
        if len(rows) > 1:
            rows.sort(key=_row_key)
        own = self._own
        lookups = self._lookups
        outcomes: list[RuleOutcome] = []
        flat: list[Reason] = []
        wanted = chosen
        while wanted and len(outcomes) < limit:
            bit = wanted & -wanted
            wanted ^= bit
            index = bit.bit_length() - 1
            lookup = lookups[index]
            reasons: list[Reason] = []
            for key, value, fail, maybe in rows:
                if fail & bit:
                    constraint = lookup(key)
                    if constraint is None:
                        reasons.append(unconstrained_reason(key, value))  # type: ignore[arg-type]
                    else:
                        reasons.append(failure(key, constraint, value, own.get(key)))  # type: ignore[arg-type]
                elif maybe & bit:
                    reasons.append(undecided_reason(key, lookup(key), value))  # type: ignore[arg-type]
            ruled = outcome(index, reasons)
            outcomes.append(ruled)
            flat.extend(ruled.reasons)
        return answer, None, tuple(outcomes), tuple(flat), chosen.bit_count() - len(outcomes)

    def verdict(self, source: MigrationVersion, target_self: MigrationVersion | None = None) -> Verdict:
        """:func:`~migcompat.compare.check`'s verdict for the device instance *source* against these rules.

        *target_self* is the device instance these rules were compiled for
        (its own values), or None; it only decides the IDENTICAL grade. A
        caller that decides many sources against one target keeps this
        object: compiling is done once, whatever the process's compiled-rule
        caches hold.

        As :func:`~migcompat.compare.check` answers them: a missing source
        (None) is unknown with ``missing-attribute``, a device type as source
        unknown with ``source-is-template``, and rules without an ``accept``
        line are incompatible with ``no-rules``; an argument of another type
        raises :class:`TypeError`, a device type as *target_self*
        :class:`ValueError`.
        """
        if type(source) is not MigrationVersion or source.params or not self._count:
            if source is None:
                return missing_verdict(True, False)
            require("source", source, MigrationVersion)
            if source.params:
                return Verdict(Answer.UNKNOWN, reasons=(SOURCE_IS_TEMPLATE,))
            return Verdict(Answer.INCOMPATIBLE, reasons=(NO_RULES,))
        if target_self is not None and (type(target_self) is not MigrationVersion or target_self.params):
            require("target_self", target_self, MigrationVersion)
            raise ValueError(
                "target_self is a device-type template (it has param lines): compiled rules are for a device"
                " instance's own values; check() decides a type"
            )
        answer, matched, nearest, reasons, more = self._judge(source, MAX_NEAREST)
        if answer is Answer.COMPATIBLE:
            identical = target_self is not None and same_configuration(source, target_self)
            return Verdict(answer, Grade.IDENTICAL if identical else Grade.ACCEPTED, matched)
        return Verdict(answer, None, None, nearest, reasons, more)


_row_key: Final = itemgetter(0)


def compile_rules(target: CompatibleDevices, own: Mapping[str, Value]) -> CompiledRules:
    """*target*'s rules compiled for the own values *own* (see :func:`~migcompat.semantics.rules.own_values`).

    Only the own values of :func:`~migcompat.semantics.rules.self_keys` are
    read, so *own* may hold just those (:func:`~migcompat.compare.compiled`
    passes no more).
    """
    return CompiledRules(target, own)
