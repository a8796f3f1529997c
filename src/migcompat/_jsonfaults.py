"""Where a JSON text breaks a rule that Python's ``json`` reads past: the first such fault, with its position.

:func:`migcompat.jsonmodel.decode_json` refuses more than the JSON grammar
does: an object with the same member twice, ``NaN`` and ``Infinity``, a
number beyond the bounds of ``migcompat._jsondoc``, nesting deeper than a
limit. ``json`` finds these through hooks that are not told where they
are, so once it has refused a text, :func:`first_fault` reads the text again,
token by token, for the first fault in text order and its line and column.
It reads each character once: the cost is linear in the length of the text.
"""

from __future__ import annotations

import json
import re
from typing import Final

from ._jsondoc import SHOWN_CHARS, decode_integer, decode_number

__all__ = ["duplicate_member", "first_fault", "line_and_column", "not_a_value", "too_deep"]

_TOKEN: Final = re.compile(
    r"""(?P<string>"[^"\\]*(?:\\.[^"\\]*)*")
    |(?P<number>-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)
    |(?P<constant>NaN|-?Infinity)
    |(?P<open>[\[{])
    |(?P<close>[\]}])
    |(?P<comma>,)
    |[ \t\n\r:]+|true|false|null""",
    re.VERBOSE,
)
"""One token of JSON text (and the constants ``json`` reads besides); space, ``:`` and literals are unnamed."""


def duplicate_member(key: str) -> str:
    """The message for the member *key* given twice in one object."""
    shown = json.dumps(key[:SHOWN_CHARS]) + ("..." if len(key) > SHOWN_CHARS else "")
    return f"the member {shown} appears twice in one object"


def not_a_value(name: str) -> str:
    """The message for the constant *name* (``NaN``, ``Infinity``, ``-Infinity``), which is not JSON."""
    return f"{name} is not a JSON value"


def too_deep(limit: int) -> str:
    """The message for arrays and objects nested more than *limit* levels deep."""
    return f"arrays or objects are nested too deeply (more than {limit} levels)"


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column, in characters, of the character at *offset* of *text* (as ``json`` counts)."""
    start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - start + 1


def first_fault(text: str, *, numbers: bool, strict: bool, max_depth: int) -> tuple[str, int, int] | None:
    """The first fault of the JSON text *text* in text order: its message, line and column; None if it has none.

    The faults are an array or object nested more than *max_depth* levels
    (at its opening bracket), a number that ``decode_integer``
    or ``decode_number`` refuses (with *numbers*),
    and, with *strict*, a member given twice in one object (at its second
    key) and the constants ``NaN`` and ``Infinity``. *text* is read as far as
    it is JSON: a syntax error ends the search.
    """
    objects: list[set[str] | None] = []  # per open bracket: an object's keys so far, None for an array
    key_next = False
    position, end = 0, len(text)
    while position < end:
        found = _TOKEN.match(text, position)
        if found is None:
            return None
        start, position, kind = position, found.end(), found.lastgroup
        message = None
        if kind == "open":
            if len(objects) >= max_depth:
                message = too_deep(max_depth)
            key_next = text[start] == "{"
            objects.append(set() if key_next else None)
        elif kind == "close":
            if objects:
                objects.pop()
            key_next = False
        elif kind == "comma":
            key_next = bool(objects) and objects[-1] is not None
        elif kind == "string" and key_next:
            key_next = False
            keys = objects[-1]
            key = json.loads(found.group())
            if strict and keys is not None and key in keys:
                message = duplicate_member(key)
            elif keys is not None:
                keys.add(key)
        elif kind == "number" and numbers:
            literal = found.group()
            try:
                decode_integer(literal) if literal.lstrip("-").isdigit() else decode_number(literal)
            except ValueError as exc:
                message = str(exc)
        elif kind == "constant" and strict:
            message = not_a_value(found.group())
        if message is not None:
            return (message, *line_and_column(text, start))
    return None
