"""The comparator: does a target accept a source? (clause 8)

:func:`check` answers with a :class:`~migcompat.verdict.Verdict` that explains
itself; :func:`accepts` answers the same question with only the
:class:`~migcompat.verdict.Answer`, for schedulers that filter thousands of
candidates. Both are directional (R7): ``check(a, rules_of_b)`` says nothing
about ``check(b, rules_of_a)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .emit import alternative_text, constraint_text, value_text
from .model import (
    Alternative,
    CompatibleDevices,
    Constraint,
    Equals,
    MigrationVersion,
    Range,
    Rule,
    SelfRef,
    Subset,
    Value,
    value_type,
)
from .ordering import compare
from .registry import STANDARD_KEYS, registry_default
from .verdict import Answer, Grade, Reason, RuleOutcome, Verdict

__all__ = ["accepts", "check", "evaluate_rule", "source_value"]

_ORDERED = ("integer", "version", "ratio")
MAX_NEAREST = 3
"""At most this many nearest rules are explained; :attr:`Verdict.also_near` counts the rest."""


def check(
    source: MigrationVersion,
    target: CompatibleDevices,
    target_self: MigrationVersion | None = None,
) -> Verdict:
    """Whether *target* accepts *source*, with the reasons when it does not.

    *target_self* is the target's own ``migration_version``; the rules' ``$``
    references read it (clause 8.4), and it decides the IDENTICAL grade. When it
    is a device-type template, the verdict is the one over every device the type
    can create (clause 8.5): compatible if one of them accepts the source, and
    then that device's verdict; :func:`migcompat.plan.plan` says which choices.
    """
    if target_self is not None and target_self.params:
        return _check_type(source, target, target_self)
    if source.params:
        reason = Reason(
            "source-is-template",
            None,
            "the source is a device type (it has param lines); compare a device instance",
        )
        return Verdict(Answer.UNKNOWN, reasons=(reason,))
    own = _own_values(target_self)
    if not target.rules:
        reason = Reason("no-rules", None, "the target's migration_compatible_devices has no accept rule")
        return Verdict(Answer.INCOMPATIBLE, reasons=(reason,))
    # Count each rule's failures cheaply (stopping once a rule is farther than the nearest so
    # far); write explanations only for the nearest rules.
    counts = []
    best = len(source.fields) + max(len(rule.constraints) for rule in target.rules)
    for index, rule in enumerate(target.rules):
        failed, undecided = _rule_counts(rule, source, target.defaults, own, best)
        if failed == 0 and undecided == 0:
            return Verdict(Answer.COMPATIBLE, _grade(source, target_self), index)
        best = min(best, failed)
        counts.append((failed, undecided))
    undecided_rules = [index for index, (failed, _) in enumerate(counts) if failed == 0]
    if undecided_rules:
        answer = Answer.UNKNOWN
        fewest = min(counts[index][1] for index in undecided_rules)
        chosen = [index for index in undecided_rules if counts[index][1] == fewest]
    else:
        answer = Answer.INCOMPATIBLE
        fewest = min(failed for failed, _ in counts)
        chosen = [index for index, (failed, _) in enumerate(counts) if failed == fewest]
    shown = chosen[:MAX_NEAREST]
    nearest = tuple(evaluate_rule(index, target.rules[index], source, target.defaults, own) for index in shown)
    reasons = tuple(reason for outcome in nearest for reason in outcome.reasons)
    return Verdict(answer, nearest=nearest, reasons=reasons, also_near=len(chosen) - len(shown))


def accepts(
    source: MigrationVersion,
    target: CompatibleDevices,
    target_self: MigrationVersion | None = None,
) -> Answer:
    """The answer of :func:`check` alone, without building explanations."""
    if source.params:
        return Answer.UNKNOWN
    if target_self is not None and target_self.params:
        from .plan import devices_of

        answers = {accepts(source, target, device) for device in devices_of(target_self, target)}
        for answer in (Answer.COMPATIBLE, Answer.UNKNOWN):
            if answer in answers:
                return answer
        return Answer.INCOMPATIBLE
    own = _own_values(target_self)
    answer = Answer.INCOMPATIBLE
    for rule in target.rules:
        result = _rule_holds(rule, source, target.defaults, own)
        if result is True:
            return Answer.COMPATIBLE
        if result is None:
            answer = Answer.UNKNOWN
    return answer


def _check_type(source: MigrationVersion, target: CompatibleDevices, template: MigrationVersion) -> Verdict:
    from .plan import devices_of

    verdicts = [check(source, target, device) for device in devices_of(template, target)]
    for answer in (Answer.COMPATIBLE, Answer.UNKNOWN, Answer.INCOMPATIBLE):
        for verdict in verdicts:
            if verdict.answer is answer:
                return verdict
    raise AssertionError("a template creates at least one device")  # pragma: no cover


def _own_values(target_self: MigrationVersion | None) -> Mapping[str, Value]:
    # A template's param-dependent fields are unknown until parameters are chosen (see migcompat.plan).
    if target_self is None:
        return {}
    own = {key: entry.default for key, entry in STANDARD_KEYS.items() if entry.default is not None}
    own.update((key, field.value) for key, field in target_self.fields.items())
    return own


def _grade(source: MigrationVersion, target_self: MigrationVersion | None) -> Grade:
    if target_self is not None and not target_self.params and source.fields == target_self.fields:
        return Grade.IDENTICAL
    return Grade.ACCEPTED


def source_value(key: str, source: MigrationVersion, defaults: Mapping[str, Value]) -> Value | None:
    """The value a rule sees for *key*: the source's, else the target's default, else the registry's."""
    field = source.fields.get(key)
    if field is not None:
        return field.value
    if key in defaults:
        return defaults[key]
    return registry_default(key)


# ---- the plain answer ---------------------------------------------------------


def _rule_counts(
    rule: Rule, source: MigrationVersion, defaults: Mapping[str, Value], own: Mapping[str, Value], limit: int
) -> tuple[int, int]:
    """How many constraints of *rule* fail, and how many cannot be decided, for *source*.

    Counting stops once more than *limit* have failed: such a rule is not among the nearest.
    """
    constraints = rule.constraints
    failed = sum(1 for key, field in source.fields.items() if field.critical and key not in constraints)
    undecided = 0
    for key, constraint in constraints.items():
        if failed > limit:
            break
        value = source_value(key, source, defaults)
        result = None if value is None else _holds(constraint, value, own.get(key))
        if result is False:
            failed += 1
        elif result is None:
            undecided += 1
    return failed, undecided


def _rule_holds(
    rule: Rule, source: MigrationVersion, defaults: Mapping[str, Value], own: Mapping[str, Value]
) -> bool | None:
    constraints = rule.constraints
    for key, field in source.fields.items():
        if field.critical and key not in constraints:
            return False
    undecided = False
    for key, constraint in constraints.items():
        value = source_value(key, source, defaults)
        if value is None:
            undecided = True
            continue
        result = _holds(constraint, value, own.get(key))
        if result is False:
            return False
        if result is None:
            undecided = True
    return None if undecided else True


def _holds(constraint: Constraint, value: Value, own: Value | None) -> bool | None:
    """Whether *value* satisfies *constraint*; None when a ``$`` it needs is unknown."""
    if isinstance(constraint, Equals):
        undecided = False
        for alternative in constraint.alternatives:
            result = _alternative_holds(alternative, value, own)
            if result:
                return True
            if result is None:
                undecided = True
        return None if undecided else False
    operand = constraint.operand
    if isinstance(operand, SelfRef):
        if own is None:
            return None
        operand = own  # type: ignore[assignment]
    if type(value) is not frozenset or type(operand) is not frozenset:
        return False
    if isinstance(constraint, Subset):
        return value <= operand
    return value >= operand


def _alternative_holds(alternative: Alternative, value: Value, own: Value | None) -> bool | None:
    if isinstance(alternative, SelfRef):
        if own is None:
            return None
        return _equal(value, own)
    if isinstance(alternative, Range):
        low, high = alternative.low, alternative.high
        if isinstance(low, SelfRef) or isinstance(high, SelfRef):
            if own is None:
                return None
            low = own if isinstance(low, SelfRef) else low  # type: ignore[assignment]
            high = own if isinstance(high, SelfRef) else high  # type: ignore[assignment]
        kind = type(value)
        if value_type(value) not in _ORDERED:
            return False
        if low is not None and (type(low) is not kind or compare(low, value) > 0):  # type: ignore[arg-type]
            return False
        return high is None or (type(high) is kind and compare(value, high) <= 0)  # type: ignore[arg-type]
    return _equal(value, alternative)


def _equal(a: Value, b: Value) -> bool:
    """Equality for matching: order-equivalence for ordered types (1.0 matches 1.0.0)."""
    if type(a) is not type(b):
        return False
    if value_type(a) in _ORDERED:
        return compare(a, b) == 0  # type: ignore[arg-type]
    return a == b


# ---- the explained answer -----------------------------------------------------


def evaluate_rule(
    index: int,
    rule: Rule,
    source: MigrationVersion,
    defaults: Mapping[str, Value],
    own: Mapping[str, Value],
) -> RuleOutcome:
    """Every failing or undecided constraint of one rule, as reasons."""
    reasons: list[Reason] = []
    for key in sorted(set(rule.constraints) | {k for k, f in source.fields.items() if f.critical}):
        constraint = rule.constraints.get(key)
        if constraint is None:
            shown = value_text(source.fields[key].value)
            reasons.append(
                Reason(
                    "unconstrained-critical",
                    key,
                    f"the source's critical field {key}={shown} is not constrained by this rule,"
                    " so the target cannot be assumed to understand it",
                    shown,
                    None,
                )
            )
            continue
        value = source_value(key, source, defaults)
        allowed = constraint_text(constraint)
        if value is None:
            reasons.append(
                Reason(
                    "missing-field",
                    key,
                    f"the source has no {key} and the target declares no default for it",
                    None,
                    allowed,
                )
            )
            continue
        result = _holds(constraint, value, own.get(key))
        if result is True:
            continue
        if result is None:
            reasons.append(
                Reason(
                    "missing-self",
                    key,
                    f"the rule compares {key} with the target's own value ($), which is not known",
                    value_text(value),
                    allowed,
                )
            )
            continue
        reasons.append(_failure(key, constraint, value, own.get(key)))
    return RuleOutcome(index, tuple(reasons))


def _failure(key: str, constraint: Constraint, value: Value, own: Value | None) -> Reason:
    shown = value_text(value)
    allowed = constraint_text(constraint)
    kind = value_type(value)
    if isinstance(constraint, Equals):
        alternatives = constraint.alternatives
        resolved = [_resolve(alt, own) for alt in alternatives]
        if not any(kind in _alternative_types(alt) and len(_alternative_types(alt)) == 1 for alt in resolved):
            mixed = [alt for alt in resolved if len(_alternative_types(alt)) > 1]
            if mixed:
                message = (
                    f"{key} {shown} cannot lie in {alternative_text(mixed[0])}: with the target's own value"
                    f" for $, the range's ends are of different types ({key}{allowed})"
                )
            else:
                expected = " or ".join(sorted(set().union(*map(_alternative_types, resolved))))
                message = f"{key} is the {kind} {shown}, but the rule accepts only {expected} values ({key}{allowed})"
            return Reason("type-mismatch", key, message, shown, allowed)
        ranges = [alt for alt in resolved if isinstance(alt, Range) and _alternative_types(alt) == {kind}]
        if ranges and len(ranges) == len(resolved):
            text = "|".join(alternative_text(r) for r in ranges)
            plural = "range" if len(ranges) == 1 else "ranges"
            if all(r.low is not None and compare(value, r.low) < 0 for r in ranges):  # type: ignore[arg-type]
                return Reason(
                    "below-range", key, f"{key} {shown} is below the accepted {plural} {text}", shown, allowed
                )
            if all(r.high is not None and compare(value, r.high) > 0 for r in ranges):  # type: ignore[arg-type]
                return Reason(
                    "above-range", key, f"{key} {shown} is above the accepted {plural} {text}", shown, allowed
                )
            return Reason(
                "outside-ranges", key, f"{key} {shown} lies outside the accepted ranges {text}", shown, allowed
            )
        choices = ", ".join(alternative_text(alt) for alt in resolved)
        which = f"is not {choices}" if len(resolved) == 1 else f"is none of {choices}"
        return Reason("not-equal", key, f"{key} {shown} {which}", shown, allowed)
    operand = own if isinstance(constraint.operand, SelfRef) else constraint.operand
    if type(value) is not frozenset or type(operand) is not frozenset:
        what = "a set" if type(value) is not frozenset else f"a set, but the target's own {key} is not a set"
        return Reason("type-mismatch", key, f"{key} is the {kind} {shown}; the rule expects {what}", shown, allowed)
    if isinstance(constraint, Subset):
        extra = ",".join(sorted(value - operand))
        return Reason(
            "not-subset",
            key,
            f"{key} has {{{extra}}}, which the target does not accept (it accepts at most {value_text(operand)})",
            shown,
            allowed,
        )
    missing = ",".join(sorted(operand - value))
    return Reason(
        "not-superset",
        key,
        f"{key} lacks {{{missing}}}, which the target requires (it requires at least {value_text(operand)})",
        shown,
        allowed,
    )


def _resolve(alternative: Alternative, own: Value | None) -> Any:
    """*alternative* with ``$`` replaced by the target's own value (known here)."""
    if isinstance(alternative, SelfRef):
        return own
    if isinstance(alternative, Range):
        low = own if isinstance(alternative.low, SelfRef) else alternative.low
        high = own if isinstance(alternative.high, SelfRef) else alternative.high
        return Range(low, high)  # type: ignore[arg-type]
    return alternative


def _alternative_types(alternative: Any) -> set[str]:
    """The value types of a (resolved) alternative: one, or two for a range whose ``$`` end differs."""
    if isinstance(alternative, Range):
        ends: list[Any] = [alternative.low, alternative.high]
        return {value_type(end) for end in ends if end is not None}
    if alternative is None:
        return set()
    return {value_type(alternative)}
