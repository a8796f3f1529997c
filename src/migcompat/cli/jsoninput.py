"""Decoding a JSON document read from an input, with errors that say where.

Strict JSON (RFC 8259): UTF-8 (a leading byte order mark is ignored), no
``NaN`` or ``Infinity``, and no object with the same member twice (Python's
:mod:`json` would silently keep the last one). The cost is bounded: the
input is at most :data:`~migcompat.cli.io.JSON_READ_LIMIT` bytes and
:data:`~migcompat.jsonmodel.MAX_JSON_VALUES` values, nested at most
:data:`~migcompat.jsonmodel.MAX_JSON_DEPTH` levels, and an integer has
at most :data:`~migcompat.jsonmodel.MAX_JSON_INTEGER_DIGITS` digits
(:func:`migcompat.jsonmodel.decode_json`).
"""

from __future__ import annotations

from ..jsonmodel import decode_json
from .io import JSON_READ_LIMIT, Input

__all__ = ["InvalidJSON", "load_json"]


class InvalidJSON(Exception):
    """An input that was read but is not a JSON document.

    *line* and *column* (1-based, in characters) locate a syntax error; they
    are None for a fault that has no single position.
    """

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column

    def describe(self, name: str) -> str:
        """A one-line description naming input *name* and the position."""
        where = f" at line {self.line}, column {self.column}" if self.line is not None else ""
        return f"{name}: invalid JSON{where}: {self.message}"


def load_json(source: Input) -> object:
    """The JSON document *source* holds.

    Raises :class:`InvalidJSON` for everything that is not one JSON
    document, bytes that are not UTF-8 text included (RFC 8259 asks for
    UTF-8): the input was read, and is not valid.
    """
    if not source.complete:
        raise InvalidJSON(f"the document is larger than {JSON_READ_LIMIT} bytes")
    return decode_json(source.data, _invalid, strict=True)


def _invalid(message: str, line: int | None, column: int | None) -> InvalidJSON:
    if message.startswith("more than one JSON value"):
        message += " (parse --format json writes one line per input)"
    return InvalidJSON(message, line=line, column=column)
