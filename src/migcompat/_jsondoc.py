"""Helpers of every reader of JSON documents: a member's JSON Pointer token, what a value is, and JSON numbers.

The number rule, decided here for every reader (specification clause 2.4): a
JSON number is an integer when its exact decimal value is one, as JSON
Schema's ``"integer"`` has it, whatever its spelling and never after
rounding to a binary float. ``1``, ``1.0``, ``1e0`` and ``10E-1`` are the
integer 1; ``1.5`` and ``1.00000000000000000001`` are not integers, and
neither is ``true``. :func:`decode_number` and :func:`decode_integer` are the
decoding hooks that apply it to JSON text (so that a decoded integer is
always an :class:`int`); :func:`integer_value` applies it to a value already
decoded, by anyone.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from numbers import Number
from typing import Any, Final

__all__ = [
    "MAX_INTEGER_DIGITS",
    "decode_integer",
    "decode_number",
    "describe",
    "integer_value",
    "json_text",
    "pointer_token",
    "show",
]

MAX_INTEGER_DIGITS: Final = 64
"""The most digits of an integer that :func:`decode_integer`, :func:`decode_number` and
:func:`integer_value` read (:data:`migcompat.jsonmodel.MAX_JSON_INTEGER_DIGITS`)."""

SHOWN_CHARS: Final = 40
"""A string longer than this is shown cut, with its length."""


def pointer_token(name: str) -> str:
    """*name* as one JSON Pointer reference token (RFC 6901: ``~`` as ``~0``, ``/`` as ``~1``)."""
    return name.replace("~", "~0").replace("/", "~1")


def describe(data: object) -> str:
    """What the decoded JSON value *data* is, briefly and safely (never a full repr of a big structure)."""
    if data is None:
        return "null"
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, str):
        return "the string " + show(data)
    if isinstance(data, Number):
        return "a number"
    if isinstance(data, Mapping):
        return "an object"
    if isinstance(data, (list, tuple)):
        return "an array"
    return f"a Python {type(data).__name__}"


def show(text: str) -> str:
    """*text* quoted for a message, cut after :data:`SHOWN_CHARS` characters with its length then given."""
    if len(text) > SHOWN_CHARS:
        return repr(text[:SHOWN_CHARS]) + f"... ({len(text)} characters)"
    return repr(text)


# ---------------------------------------------------------------- JSON numbers

_NUMBER: Final = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([-+]?[0-9]+))?")
"""A JSON number as :mod:`json` hands it to a hook (RFC 8259: sign, digits, fraction, exponent)."""

_EXPONENT_DIGITS: Final = 18
"""The longest exponent, in digits (leading zeros aside), that is read as a number; a longer one is
beyond every bound (more digits than :data:`MAX_INTEGER_DIGITS`, or closer to 0 than any bound)."""

_TINY: Final = "1e-999999999"
"""A non-integer that stands for a number too close to 0 for :class:`~decimal.Decimal` (``1e-99999999999999999999``)."""


def _too_long(digits: int | str, literal: str | None = None) -> ValueError:
    """The error for an integer of *digits* digits; *literal* is how it was written, when not digit by digit."""
    written = "an integer" if literal is None else f"the number {show(literal)}, an integer"
    return ValueError(f"{written} of {digits} digits; at most {MAX_INTEGER_DIGITS} are read")


def decode_integer(digits: str) -> int:
    """The ``parse_int`` hook: the integer a JSON number without fraction or exponent spells.

    Raises :class:`ValueError` for one of more than :data:`MAX_INTEGER_DIGITS`
    digits, before converting it (which costs time quadratic in its length).
    """
    count = len(digits.lstrip("-"))
    if count > MAX_INTEGER_DIGITS:
        raise _too_long(count)
    return int(digits)


def decode_number(literal: str) -> int | float | Decimal:
    """The ``parse_float`` hook: the value of a JSON number written with a fraction or an exponent.

    Decided on the exact decimal value of *literal*, never on a rounded one:

    * an integer (``1.0``, ``1e0``, ``10E-1``, ``-0.0``) is an :class:`int`;
    * any other number is a :class:`float` when the nearest float is not an
      integer either (``1.5``, ``0.1``), else a :class:`~decimal.Decimal`
      that keeps it from passing for one (``1.00000000000000000001`` and
      ``1e-400``, which a float rounds to 1.0 and 0.0; one closer to 0 than a
      Decimal holds is read as a tiny non-integer of its sign). JSON Schema
      then judges it as the text says (a Decimal is a number, never an
      integer), and so does :func:`integer_value`.

    Raises :class:`ValueError` for an integer of more than
    :data:`MAX_INTEGER_DIGITS` digits (``1e400``, ``1e999999999``), as
    :func:`decode_integer` does for one written out. The cost is linear in
    the length of *literal*: no power of ten is ever computed beyond that bound.
    """
    match = _NUMBER.fullmatch(literal)
    if match is None:  # not a JSON number: no hook of json's sees one
        raise ValueError(f"{show(literal)} is not a JSON number")
    sign, whole, fraction, exponent = match.groups()
    fraction = fraction or ""
    digits = (whole + fraction).lstrip("0")
    significand = digits.rstrip("0")
    if not significand:
        return 0
    written = (exponent or "0").lstrip("+-").lstrip("0")
    huge = len(written) > _EXPONENT_DIGITS
    scale = 0 if huge else int(exponent or "0") - len(fraction) + len(digits) - len(significand)
    if huge and not (exponent or "").startswith("-"):
        raise _too_long(f"more than 10**{_EXPONENT_DIGITS}", literal)
    if not huge and scale >= 0:
        count = len(significand) + scale
        if count > MAX_INTEGER_DIGITS:
            raise _too_long(count, literal)
        value: int = int(significand) * 10**scale
        return -value if sign else value
    nearest = float(literal)
    if math.isfinite(nearest) and not nearest.is_integer():
        return nearest
    try:
        return Decimal(literal)
    except InvalidOperation:  # an exponent beyond Decimal's range
        return Decimal(sign + _TINY)


def integer_value(data: object) -> int | None:
    """The integer that the decoded JSON value *data* is, by the number rule; None when it is no integer.

    An :class:`int` (not a :class:`bool`: ``true`` is not 1) is itself; a
    finite :class:`float` whose value is an integer is that integer (``1.0``
    is 1, as JSON Schema validating the same value has it); a
    :class:`~decimal.Decimal` whose exact value is an integer is that integer
    when it has at most :data:`MAX_INTEGER_DIGITS` digits (a longer one is
    never converted: ``Decimal("1e999999999")`` would take gigabytes); any
    other value is None. A value that :func:`decode_number` made is judged
    as its text was; a float made by a reader that rounds
    (``json.loads("1.00000000000000000001")`` is 1.0) can only be judged as
    the float it is.
    """
    if isinstance(data, bool):
        return None
    if isinstance(data, int):
        return int(data)
    if isinstance(data, float):
        return int(data) if math.isfinite(data) and data.is_integer() else None
    if isinstance(data, Decimal):
        if not data.is_finite() or (data and data.adjusted() >= MAX_INTEGER_DIGITS):
            return None
        return int(data) if data == data.to_integral_value() else None
    return None


def json_text(value: object, **options: Any) -> str:
    """``json.dumps(value, **options)``, a :class:`~decimal.Decimal` written as its exact text (``1E-400``).

    A decoded document holds a Decimal for a number that no float keeps
    from passing for an integer (:func:`decode_number`); written back with
    this function, it is the same number, never a rounded float, and never
    a :class:`TypeError`.
    """
    marker = os.urandom(8).hex()  # not the secrets module: it costs the library's import 5 ms
    numbers: list[str] = []

    def stand_in(item: object) -> object:
        if isinstance(item, Decimal):
            numbers.append(str(item))
            return f"{marker}:{len(numbers) - 1}"
        raise TypeError(f"Object of type {type(item).__name__} is not JSON serializable")

    text = json.dumps(value, default=stand_in, **options)
    if not numbers:
        return text
    return re.sub(f'"{marker}:([0-9]+)"', lambda found: numbers[int(found[1])], text)
