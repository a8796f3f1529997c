"""Value equality and order (clauses 5.3 and 8.1): the one place they are decided.

Values of different types are never equal and never ordered against each
other. Integers, versions and ratios are ordered; two ordered values are
*order-equivalent* when neither is below the other (``1.0`` and ``1.0.0``).
Tokens and sets are equal when their bytes, or their members' bytes, are.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import TYPE_CHECKING, Final, TypeAlias

from ..model import Ratio, Value, Version

if TYPE_CHECKING:
    from fractions import Fraction

__all__ = ["ORDERED_TYPES", "compare", "equivalent", "is_ordered", "match_key", "order_key"]

Ordered = int | Version | Ratio
"""A value of an ordered type: integer, version or ratio."""
OrderKey: TypeAlias = "int | tuple[int, ...] | Fraction"
"""What :func:`order_key` returns: an integer, a zero-padded tuple of version components, or a fraction."""

ORDERED_TYPES: Final = (int, Version, Ratio)
"""The Python types of the ordered value types: integer, version, ratio."""

_VERSION_TAG: Final = "version"


def is_ordered(value: object) -> bool:
    """True for an integer, a version or a ratio."""
    kind = type(value)
    return kind is int or kind is Version or kind is Ratio


def match_key(value: Value) -> Hashable:
    """A hashable key that two values share exactly when they match (clause 8.1, EQ1-EQ6).

    Keys of values of different types never coincide. A version's key drops
    its trailing zero components, so ``1.0`` and ``1.0.0`` share one; a ratio
    is in lowest terms, so it is its own key, as are tokens, integers and sets.
    """
    if type(value) is Version:
        parts = value.parts
        end = len(parts)
        while end and parts[end - 1] == 0:
            end -= 1
        return (_VERSION_TAG, parts[:end])
    return value


def order_key(value: Ordered) -> OrderKey:
    """A key whose natural order is the order of *value*'s type.

    Only keys of values of one type may be compared with each other.
    """
    kind = type(value)
    if kind is Version:
        return value.padded()  # type: ignore[union-attr]
    if kind is Ratio:
        from fractions import Fraction  # costs a few ms; only ratios need it

        return Fraction(value.numerator, value.denominator)  # type: ignore[union-attr]
    return value  # type: ignore[return-value]


def equivalent(a: Value, b: Value) -> bool:
    """Whether *a* matches *b*: same type, and same value or order-equivalent."""
    return type(a) is type(b) and (a == b or match_key(a) == match_key(b))


def compare(a: Ordered, b: Ordered) -> int:
    """-1, 0 or 1 as *a* is below, order-equivalent to, or above *b*.

    Both must be of the same ordered type; TypeError otherwise.
    """
    if type(a) is not type(b) or not is_ordered(a):
        raise TypeError(f"cannot order {type(a).__name__} against {type(b).__name__}")
    if isinstance(a, Ratio) and isinstance(b, Ratio):  # positive denominators: cross-multiplying keeps the order
        cross, other = a.numerator * b.denominator, b.numerator * a.denominator
        return (cross > other) - (cross < other)
    if isinstance(a, Version) and isinstance(b, Version):
        padded, against = a.padded(), b.padded()
        return (padded > against) - (padded < against)
    assert isinstance(a, int) and isinstance(b, int)
    return (a > b) - (a < b)
