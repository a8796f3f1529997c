"""Helpers of every reader of decoded JSON documents: a member's JSON Pointer token, and what a value is."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = ["describe", "pointer_token", "show"]

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
    if isinstance(data, (int, float)):
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
