"""The order of the ordered value types (clause 5.3): integers, versions, ratios."""

from __future__ import annotations

from .model import Ratio, Version

Ordered = int | Version | Ratio


def compare(a: Ordered, b: Ordered) -> int:
    """-1, 0 or 1 as *a* is below, equivalent to, or above *b*.

    Both must be of the same type. Versions compare component by component
    with missing trailing components as zero; ratios as rational numbers.
    """
    if type(a) is not type(b):
        raise TypeError(f"cannot order {type(a).__name__} against {type(b).__name__}")
    if isinstance(a, Version):
        assert isinstance(b, Version)
        width = max(len(a.parts), len(b.parts))
        left, right = a.padded(width), b.padded(width)
        return (left > right) - (left < right)
    if isinstance(a, Ratio):
        assert isinstance(b, Ratio)
        left_n, right_n = a.numerator * b.denominator, b.numerator * a.denominator
        return (left_n > right_n) - (left_n < right_n)
    assert isinstance(a, int)
    assert isinstance(b, int)
    return (a > b) - (a < b)
