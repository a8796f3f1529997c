"""Decoding a JSON document read from an input, with errors that say where.

Strict JSON (RFC 8259): UTF-8 (a leading byte order mark is ignored), no
``NaN`` or ``Infinity``, and no object with the same member twice (Python's
:mod:`json` would silently keep the last one).
"""

from __future__ import annotations

import json
from typing import NoReturn

from .io import JSON_READ_LIMIT, CannotRead, Input

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

    Raises :class:`CannotRead` for bytes that are not UTF-8 text and
    :class:`InvalidJSON` for everything else that is not one JSON document.
    """
    if not source.complete:
        raise InvalidJSON(f"the document is larger than {JSON_READ_LIMIT} bytes")
    try:
        text = source.data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CannotRead(
            source.name, f"not UTF-8 text (byte 0x{source.data[exc.start]:02x} at offset {exc.start})"
        ) from None
    try:
        return json.loads(text, object_pairs_hook=_unique_members, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        message = exc.msg
        if message == "Extra data":
            message = (
                "more than one JSON value: one document was expected (parse --format json writes one line per input)"
            )
        raise InvalidJSON(message, line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise InvalidJSON("arrays or objects are nested too deeply") from None
    except ValueError as exc:  # from the hooks below, or an integer with too many digits
        raise InvalidJSON(str(exc)) from None


def _unique_members(pairs: list[tuple[str, object]]) -> dict[str, object]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the member {json.dumps(key)} appears twice in one object")
            seen.add(key)
    return document


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON value")
