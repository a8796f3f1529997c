"""One constraint on one value (clause 8.1): its truth, and why it is false.

*value* is the source value of the constrained key (clause 8.3) and *own* the
target's own value of that key, or None when it does not exist (clause 8.4).
Truth is three-valued: ``True``, ``False``, or ``None`` for undecided.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from .._caches import register_lru
from ..emit import alternative_text, constraint_text, value_text
from ..limits import MAX_INTEGER, MAX_VERSION_PARTS
from ..model import (
    SELF,
    Alternative,
    AnyValue,
    Bound,
    Constraint,
    Equals,
    Range,
    SelfPrefix,
    Subset,
    Value,
    Version,
    value_type,
)
from ..verdict import Reason
from .values import compare, equivalent, is_ordered

__all__ = [
    "NOT_A_VERSION",
    "UNRESOLVED",
    "Truth",
    "alternative_holds",
    "constants",
    "failure",
    "holds",
    "prefix_bounds",
    "prefix_lengths",
    "reads_self",
    "resolve_alternative",
    "self_positions",
    "unconstrained_reason",
    "undecided_reason",
    "uses_self",
]

Truth = bool | None
"""``True``, ``False``, or ``None`` for undecided."""

UNRESOLVED: Final = object()
"""What :func:`resolve_alternative` returns for an alternative whose ``$`` or ``$N`` has no value."""
NOT_A_VERSION: Final = object()
"""What :func:`resolve_alternative` returns for a ``$N`` whose target value is not a version (true for nothing)."""


def holds(constraint: Constraint, value: Value, own: Value | None) -> Truth:
    """The truth of *constraint* for the source value *value* (clause 8.1)."""
    if type(constraint) is Equals:
        undecided = False
        unordered = own is not None and not is_ordered(value)
        for alternative in constraint.alternatives:
            if unordered and (type(alternative) is Range or type(alternative) is SelfPrefix):
                continue  # false, as alternative_holds says (8.1-RG4), without a call: a rule may hold hundreds
            result = alternative_holds(alternative, value, own)
            if result:
                return True
            if result is None:
                undecided = True
        return None if undecided else False
    if type(constraint) is AnyValue:
        return True  # 8.1-AN1
    operand = constraint.operand  # type: ignore[union-attr]
    if operand is SELF:
        if own is None:
            return None  # 8.1-SB4, 8.1-SP4
        operand = own
    if type(value) is not frozenset or type(operand) is not frozenset:
        return False  # 8.1-SB2/SB3, 8.1-SP2/SP3
    if type(constraint) is Subset:
        return value <= operand
    return value >= operand


def alternative_holds(alternative: Alternative, value: Value, own: Value | None) -> Truth:
    """The truth of one alternative of an equals constraint (the first three tables of clause 8.1)."""
    if alternative is SELF:
        if own is None:
            return None  # 8.1-SR1
        return equivalent(value, own)  # 8.1-SR2 to SR7
    if type(alternative) is Range or type(alternative) is SelfPrefix:
        if own is not None and not is_ordered(value):
            return False  # 8.1-RG4 whatever the ends resolve to: nothing to resolve
        resolved = resolve_alternative(alternative, own)
        if resolved is UNRESOLVED:
            return None  # 8.1-RG7, 8.1-PX1
        if resolved is NOT_A_VERSION:
            return False  # 8.1-PX3
        return _in_range(value, resolved.low, resolved.high)  # type: ignore[attr-defined]  # 8.1-RG, 8.1-PX2
    return equivalent(value, alternative)  # type: ignore[arg-type]


def prefix_bounds(length: int, own: Value) -> tuple[Version, Version] | None:
    """The lowest and highest version that start with the first *length* components of *own* (``$N``).

    Missing components of *own* read as zero. None when *own* is not a
    version: ``$N`` then matches nothing (row 8.1-PX3). A version has at most
    :data:`~migcompat.limits.MAX_VERSION_PARTS` components of at most
    :data:`~migcompat.limits.MAX_INTEGER`, so the class is a closed range.
    """
    if type(own) is not Version:
        return None
    parts = own.parts[:length]
    parts += (0,) * (length - len(parts))
    low = Version(parts if len(parts) > 1 else (*parts, 0))
    high = Version(parts + (MAX_INTEGER,) * (MAX_VERSION_PARTS - length))
    return low, high


def _end(end: object, own: Value, which: int) -> object:
    """A range end with ``$`` or ``$N`` replaced (*which*: 0 low, 1 high); :data:`NOT_A_VERSION` for a bad ``$N``."""
    if end is SELF:
        return own
    if type(end) is SelfPrefix:
        bounds = prefix_bounds(end.length, own)
        return NOT_A_VERSION if bounds is None else bounds[which]
    return end


def _in_range(value: Value, low: object, high: object) -> bool:
    if not is_ordered(value):
        return False  # 8.1-RG4
    kind = type(value)
    if low is not None and (type(low) is not kind or compare(low, value) > 0):  # type: ignore[arg-type]
        return False  # 8.1-RG5, or below
    return high is None or (type(high) is kind and compare(value, high) <= 0)  # type: ignore[arg-type]


def resolve_alternative(alternative: Alternative, own: Value | None) -> object:
    """*alternative* with ``$`` replaced by *own*; a range keeps its shape with its ends replaced.

    A ``$N`` alternative becomes the range of its prefix class. Returns
    :data:`UNRESOLVED` when a ``$`` or ``$N`` it holds has no value, and
    :data:`NOT_A_VERSION` for a ``$N`` alternative, or a range with a ``$N``
    end, whose value is not a version (it holds for nothing).
    """
    if alternative is SELF:
        return UNRESOLVED if own is None else own
    if type(alternative) is SelfPrefix:
        if own is None:
            return UNRESOLVED
        bounds = prefix_bounds(alternative.length, own)
        return NOT_A_VERSION if bounds is None else Range(*bounds)
    if type(alternative) is Range:
        low, high = alternative.low, alternative.high
        if low is SELF or high is SELF or type(low) is SelfPrefix or type(high) is SelfPrefix:
            if own is None:
                return UNRESOLVED
            ends = (_end(low, own, 0), _end(high, own, 1))
            return NOT_A_VERSION if NOT_A_VERSION in ends else Range(*ends)  # type: ignore[arg-type]
    return alternative


def uses_self(constraint: Constraint) -> bool:
    """Whether ``$`` appears anywhere in *constraint*."""
    return bool(self_positions(constraint))


def self_positions(constraint: Constraint) -> frozenset[str]:
    """Where ``$`` or ``$N`` appears: ``alternative``, ``bound`` (a range end) and ``operand`` (subset, superset)."""
    if type(constraint) is Equals:
        found = set()
        for alternative in constraint.alternatives:
            if alternative is SELF or type(alternative) is SelfPrefix:
                found.add("alternative")
            elif type(alternative) is Range and reads_self(alternative):
                found.add("bound")
        return frozenset(found)
    if type(constraint) is AnyValue:
        return frozenset()
    return frozenset({"operand"}) if constraint.operand is SELF else frozenset()  # type: ignore[union-attr]


def prefix_lengths(constraint: Constraint) -> list[int]:
    """The lengths *N* of the ``$N`` in *constraint*, as alternatives or range ends."""
    if type(constraint) is not Equals:
        return []
    found: list[int] = []
    for alternative in constraint.alternatives:
        ends = (alternative.low, alternative.high) if type(alternative) is Range else (alternative,)
        found.extend(end.length for end in ends if type(end) is SelfPrefix)
    return found


def reads_self(alternative: Alternative) -> bool:
    """Whether *alternative* reads the target's own value: it is ``$`` or ``$N``, or a range with such an end."""
    if type(alternative) is Range:
        return _reads_self(alternative.low, alternative.high)
    return _reads_self(alternative)


def _reads_self(*ends: object) -> bool:
    return any(end is SELF or type(end) is SelfPrefix for end in ends)


def constants(constraint: Constraint) -> list[Value]:
    """The values written in *constraint*: alternatives, range ends and operands, ``$`` left out."""
    if type(constraint) is Equals:
        out: list[Value] = []
        for alternative in constraint.alternatives:
            if type(alternative) is Range:
                ends: tuple[Bound | None, ...] = (alternative.low, alternative.high)
                out.extend(end for end in ends if end is not None and not _reads_self(end))  # type: ignore[misc]
            elif alternative is not SELF and type(alternative) is not SelfPrefix:
                out.append(alternative)  # type: ignore[arg-type]
        return out
    if type(constraint) is AnyValue:
        return []
    operand = constraint.operand  # type: ignore[union-attr]
    return [operand] if isinstance(operand, frozenset) else []


# ---- explanations --------------------------------------------------------------------


def unconstrained_reason(key: str, value: Value) -> Reason:
    """The reason a rule is false for a critical field of the source it does not constrain (row 8.1-RU1)."""
    shown = value_text(value)
    return Reason(
        "unconstrained-critical",
        key,
        f"the source's critical field {key}={shown} is not constrained by this rule,"
        " so the target cannot be assumed to understand it",
        shown,
        None,
    )


def undecided_reason(key: str, constraint: Constraint, value: Value | None) -> Reason:
    """The reason a constraint is undecided: the source value, or a ``$`` it needs, does not exist."""
    allowed = constraint_text(constraint)
    if value is None:
        return Reason(
            "missing-field", key, f"the source has no {key} and the target declares no default for it", None, allowed
        )
    return Reason(
        "missing-self",
        key,
        f"the rule compares {key} with the target's own value ($), which is not known",
        value_text(value),
        allowed,
    )


@register_lru
@lru_cache(maxsize=4096)
def _allowed(constraint: Constraint) -> str:
    return constraint_text(constraint)


@register_lru
@lru_cache(maxsize=4096)
def _resolved(constraint: Equals, own: Value | None) -> tuple[str, tuple[object, ...], str, frozenset[type] | None]:
    """What explaining *constraint* needs, the same for every source value.

    Its text (``=1|2``); its alternatives with ``$`` resolved; the end of the
    not-equal sentence (``is not 1`` or ``is none of 1, 2``); and, when every
    resolved alternative is a single value, their Python types (a false
    constraint on a value of one of them is then not-equal), else None.
    """
    resolved = tuple(resolve_alternative(alternative, own) for alternative in constraint.alternatives)
    text = ", ".join(
        "(none)" if alternative is NOT_A_VERSION else alternative_text(alternative)  # type: ignore[arg-type]
        for alternative in resolved
    )
    which = f"is not {text}" if len(resolved) == 1 else f"is none of {text}"
    single = not any(alternative is NOT_A_VERSION or type(alternative) is Range for alternative in resolved)
    types = frozenset(type(alternative) for alternative in resolved) if single else None
    return constraint_text(constraint), resolved, which, types


def failure(key: str, constraint: Constraint, value: Value, own: Value | None) -> Reason:
    """Why *constraint* is false for *value*; call only when :func:`holds` says False."""
    shown = value_text(value)
    if type(constraint) is Equals:
        allowed, resolved, which, single = _resolved(constraint, own)
        if single is not None and type(value) in single:
            return Reason("not-equal", key, f"{key} {shown} {which}", shown, allowed)
    else:
        allowed = _allowed(constraint)
    kind = value_type(value)
    if type(constraint) is AnyValue:
        raise ValueError(f"{key}=* holds for every value")
    if type(constraint) is not Equals:
        operand = own if constraint.operand is SELF else constraint.operand  # type: ignore[union-attr]
        if type(value) is not frozenset:
            return Reason("type-mismatch", key, f"{key} is the {kind} {shown}; the rule expects a set", shown, allowed)
        if type(operand) is not frozenset:
            return Reason(
                "type-mismatch",
                key,
                f"{key} is the {kind} {shown}; the rule expects a set, but the target's own {key} is not a set",
                shown,
                allowed,
            )
        if type(constraint) is Subset:
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
    usable = [alternative for alternative in resolved if _fits(alternative, value)]
    if not usable and NOT_A_VERSION in resolved:
        return Reason(
            "type-mismatch",
            key,
            f"the rule compares {key} with a prefix of the target's own {key} ({key}{allowed}),"
            f" but the target's own value {value_text(own)} is not a version",  # type: ignore[arg-type]
            shown,
            allowed,
        )
    if not usable:
        broken = [
            alternative for alternative in resolved if type(alternative) is Range and not _one_ordered_type(alternative)
        ]
        if broken:
            message = (
                f"{key} {shown} cannot lie in {alternative_text(broken[0])}: with the target's own value for $,"
                f" the range's ends are not of one ordered type ({key}{allowed})"
            )
        else:
            expected = " or ".join(sorted({name for alternative in resolved for name in _types(alternative)}))
            message = f"{key} is the {kind} {shown}, but the rule accepts only {expected} values ({key}{allowed})"
        return Reason("type-mismatch", key, message, shown, allowed)
    if len(usable) == len(resolved) and all(type(alternative) is Range for alternative in usable):
        ranges: list[Range] = usable  # type: ignore[assignment]
        text = "|".join(alternative_text(r) for r in ranges)
        plural = "range" if len(ranges) == 1 else "ranges"
        if all(r.low is not None and compare(value, r.low) < 0 for r in ranges):  # type: ignore[arg-type]
            return Reason("below-range", key, f"{key} {shown} is below the accepted {plural} {text}", shown, allowed)
        if all(r.high is not None and compare(value, r.high) > 0 for r in ranges):  # type: ignore[arg-type]
            return Reason("above-range", key, f"{key} {shown} is above the accepted {plural} {text}", shown, allowed)
        return Reason("outside-ranges", key, f"{key} {shown} lies outside the accepted ranges {text}", shown, allowed)
    return Reason("not-equal", key, f"{key} {shown} {which}", shown, allowed)


def _one_ordered_type(alternative: Range) -> bool:
    ends = [end for end in (alternative.low, alternative.high) if end is not None]
    return all(is_ordered(end) for end in ends) and len({type(end) for end in ends}) <= 1


def _fits(alternative: object, value: Value) -> bool:
    """Whether *alternative* (resolved) can hold for a value of *value*'s type at all."""
    if type(alternative) is Range:
        return is_ordered(value) and _one_ordered_type(alternative) and _types(alternative) <= {value_type(value)}
    return type(alternative) is type(value)


def _types(alternative: object) -> set[str]:
    if type(alternative) is Range:
        return {value_type(end) for end in (alternative.low, alternative.high) if end is not None}  # type: ignore[arg-type]
    return {value_type(alternative)}  # type: ignore[arg-type]
