"""One rule against one source (clauses 8.1 to 8.4): the single rule evaluator.

A rule is evaluated in a :class:`Context`: the target's ``default`` line,
which supplies the source value of a key the source does not carry
(clause 8.3), and the target's own values, which ``$`` reads (clause 8.4).
The evaluator has three modes, which agree by construction because they share
:func:`~migcompat.semantics.constraints.holds`:

* :func:`rule_truth` -- matches, false or undecided;
* :func:`rule_counts` -- how many constraints fail and how many are undecided;
* :func:`evaluate_rule` -- every failing or undecided constraint as a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Final

from .._caches import register_lru
from ..model import AnyValue, CompatibleDevices, Constraint, Field, MigrationVersion, Rule, Value
from ..registry import STANDARD_KEYS, registry_default
from ..verdict import Reason, RuleOutcome
from .constraints import Truth, failure, holds, unconstrained_reason, undecided_reason, uses_self
from .values import equivalent

__all__ = [
    "MAX_REASONS",
    "NO_VALUES",
    "REGISTRY_DEFAULTS",
    "Context",
    "constrained_keys",
    "evaluate_rule",
    "must_understand",
    "outcome",
    "own_values",
    "project",
    "rule_counts",
    "rule_truth",
    "same_configuration",
    "self_keys",
    "self_values",
    "source_value",
    "truth_of",
    "understood_keys",
]

MAX_REASONS: Final = 16
"""At most this many reasons explain one rule; :attr:`~migcompat.verdict.RuleOutcome.more_reasons` counts the rest."""

NO_VALUES: Final[Mapping[str, Value]] = MappingProxyType({})

REGISTRY_DEFAULTS: Final[Mapping[str, Value]] = MappingProxyType(
    {key: entry.default for key, entry in STANDARD_KEYS.items() if entry.default is not None}
)
"""The keys that have a registry default (clause 5.7), with it."""


@dataclass(frozen=True)
class Context:
    """What a rule is evaluated with, besides the source.

    *defaults* is the target's ``default`` line; *own* maps each key to the
    target's own value (clause 8.4); a key missing from *own* has no own value.
    """

    defaults: Mapping[str, Value] = field(default_factory=lambda: NO_VALUES)
    own: Mapping[str, Value] = field(default_factory=lambda: NO_VALUES)


def own_values(target_self: MigrationVersion | None) -> Mapping[str, Value]:
    """The target's own value of every key it has one for (rows 8.4-SF1 to SF4).

    A device's fields, then the registry defaults for keys it does not carry;
    nothing at all when *target_self* is None. A template's fields are those of
    every device it creates; its param-dependent keys are decided per choice
    (:mod:`~migcompat.semantics.templates`).
    """
    if target_self is None:
        return NO_VALUES
    own = dict(REGISTRY_DEFAULTS)
    own.update((key, entry.value) for key, entry in target_self.fields.items())
    return own


@register_lru
@lru_cache(maxsize=256)
def self_keys(rules: CompatibleDevices) -> tuple[str, ...]:
    """The keys, sorted, on which some rule of *rules* reads the target's own value (``$`` or ``$N``).

    A rule reads the own value of its own key only (clause 8.4), so two
    devices whose :func:`self_values` for these keys agree are judged alike by
    every source: the rules' meaning depends on nothing else of theirs.
    """
    return tuple(sorted({key for rule in rules.rules for key, c in rule.constraints.items() if uses_self(c)}))


def self_values(target_self: MigrationVersion, keys: tuple[str, ...]) -> tuple[Value | None, ...]:
    """*target_self*'s own value of each of *keys*, as :func:`own_values` gives it (None: no own value)."""
    fields = target_self.fields
    values: list[Value | None] = []
    for key in keys:
        entry = fields.get(key)
        values.append(entry.value if entry is not None else registry_default(key))
    return tuple(values)


def constrained_keys(rule_sets: Iterable[CompatibleDevices]) -> frozenset[str]:
    """Every key that some rule of *rule_sets* constrains (``key=*`` included)."""
    keys: set[str] = set()
    for rules in set(rule_sets):
        for rule in rules.rules:
            keys.update(rule.constraints)
    return frozenset(keys)


def project(version: MigrationVersion, keys: frozenset[str]) -> MigrationVersion:
    """*version* without its non-critical fields whose key is not in *keys*; ``param`` lines are kept whole.

    A rule ignores a non-critical field it does not constrain (clauses 8.1,
    8.2), so every target whose rules constrain only keys of *keys*
    (:func:`constrained_keys`) gives *version* and its projection the same
    verdict, except that the IDENTICAL grade compares whole descriptions
    (:func:`same_configuration`). *version* itself is returned when nothing is
    left out.
    """
    fields = version.fields
    kept = {key: entry for key, entry in fields.items() if entry.critical or key in keys}
    if len(kept) == len(fields):
        return version
    return MigrationVersion(kept, version.params)


def must_understand(key: str, entry: Field) -> bool:
    """Whether a rule must constrain the source field *key* to match (clause 8.2).

    A critical field must be understood, unless its value is its registry
    default (spec 1.1): a field written with the value that its absence stands
    for says nothing a target must understand, so ``features={}`` and no
    ``features`` at all get one verdict.
    """
    if not entry.critical:
        return False
    default = REGISTRY_DEFAULTS.get(key)
    return default is None or not equivalent(entry.value, default)


@register_lru
@lru_cache(maxsize=4096)
def understood_keys(source: MigrationVersion) -> frozenset[str]:
    """The keys of *source*'s fields that a rule must constrain to match it (:func:`must_understand`).

    Kept for the 4096 most recent sources: a matrix decides each source
    against every target, and a device of many critical fields would be
    read again for each.
    """
    return frozenset(key for key, entry in source.fields.items() if must_understand(key, entry))


def same_configuration(first: MigrationVersion, second: MigrationVersion) -> bool:
    """Whether *first* and *second* describe the same configuration (clause 8.2).

    Their fields are equal once each critical field whose value is its key's
    registry default is set aside (row 8.2-CR7): the same keys, values equal
    as data model values and the same criticality. It decides the identical
    grade (row 8.8-GR1) and the identical choice of a device type (8.5-CH1).
    Linear in the number of fields.
    """
    fields, others = first.fields, second.fields
    if fields == others:
        return True
    return _set_aside(fields) == _set_aside(others)


def _set_aside(fields: Mapping[str, Field]) -> dict[str, Field]:
    return {key: entry for key, entry in fields.items() if not entry.critical or must_understand(key, entry)}


def source_value(key: str, source: MigrationVersion, defaults: Mapping[str, Value]) -> Value | None:
    """The value a rule sees for *key* (clause 8.3): the source's, the target's default, the registry's, or None."""
    entry = source.fields.get(key)
    if entry is not None:
        return entry.value
    found = defaults.get(key)
    if found is not None:
        return found
    return registry_default(key)


def rule_truth(rule: Rule, source: MigrationVersion, context: Context) -> Truth:
    """Whether *rule* matches *source* (True), is false, or is undecided (None): rows 8.1-RU1 to RU4."""
    constraints = rule.constraints
    for key, entry in source.fields.items():
        if key not in constraints and must_understand(key, entry):
            return False
    undecided = False
    own = context.own
    for key, constraint in constraints.items():
        value = source_value(key, source, context.defaults)
        if value is None:
            if type(constraint) is not AnyValue:  # 8.1-AN1: true whatever the value, and with none
                undecided = True
            continue
        result = holds(constraint, value, own.get(key))
        if result is False:
            return False
        if result is None:
            undecided = True
    return None if undecided else True


def rule_counts(rule: Rule, source: MigrationVersion, context: Context) -> tuple[int, int]:
    """How many constraints of *rule* fail (unconstrained critical fields included), and how many are undecided."""
    constraints = rule.constraints
    failed = sum(1 for key, entry in source.fields.items() if key not in constraints and must_understand(key, entry))
    undecided = 0
    own = context.own
    for key, constraint in constraints.items():
        value = source_value(key, source, context.defaults)
        result = truth_of(constraint, value, own.get(key))
        if result is False:
            failed += 1
        elif result is None:
            undecided += 1
    return failed, undecided


def evaluate_rule(index: int, rule: Rule, source: MigrationVersion, context: Context) -> RuleOutcome:
    """Every failing or undecided constraint of rule *index*, as reasons in key order."""
    reasons: list[Reason] = []
    constraints = rule.constraints
    own = context.own
    for key in sorted(set(constraints) | {k for k, entry in source.fields.items() if must_understand(k, entry)}):
        constraint = constraints.get(key)
        if constraint is None:
            reasons.append(unconstrained_reason(key, source.fields[key].value))
            continue
        value = source_value(key, source, context.defaults)
        if value is None:
            if type(constraint) is not AnyValue:
                reasons.append(undecided_reason(key, constraint, None))
            continue
        result = holds(constraint, value, own.get(key))
        if result is None:
            reasons.append(undecided_reason(key, constraint, value))
        elif result is False:
            reasons.append(failure(key, constraint, value, own.get(key)))
    return outcome(index, reasons)


def truth_of(constraint: Constraint, value: Value | None, own: Value | None) -> Truth:
    """:func:`~migcompat.semantics.constraints.holds`, and for a key without a value (*value* None):
    undecided (8.3-AB4), but true for ``key=*`` (8.1-AN1)."""
    if value is None:
        return True if type(constraint) is AnyValue else None
    return holds(constraint, value, own)


def outcome(index: int, reasons: list[Reason]) -> RuleOutcome:
    """Rule *index*'s outcome from its reasons in key order, at most :data:`MAX_REASONS` of them listed.

    When the rule failed, a failing reason is among those listed, so the
    outcome's state (failed or undecided) is the rule's.
    """
    if len(reasons) <= MAX_REASONS:
        return RuleOutcome(index, tuple(reasons))
    kept = reasons[:MAX_REASONS]
    if all(reason.undecided for reason in kept):
        failing = next((reason for reason in reasons[MAX_REASONS:] if not reason.undecided), None)
        if failing is not None:
            kept[-1] = failing
    return RuleOutcome(index, tuple(kept), len(reasons) - len(kept))
