"""The one check that a public entry point was given the model objects it documents.

A caller who passes the wrong thing (a string instead of a parsed attribute,
rules where a description belongs) gets a :class:`TypeError` naming the
argument, the type it needs and how to get one, instead of an
``AttributeError`` from deep inside the comparator.
"""

from __future__ import annotations

from typing import Final

from .model import CompatibleDevices, MigrationVersion

__all__ = ["require"]

_FROM: Final[dict[type, str]] = {
    MigrationVersion: " (from parse_version)",
    CompatibleDevices: " (from parse_compatible)",
}


def require(name: str, value: object, kind: type, *, optional: bool = False) -> None:
    """Raise :class:`TypeError` unless *value* is a *kind* (or None, when *optional*)."""
    if type(value) is kind or (optional and value is None):
        return
    alternative = " or None" if optional else ""
    article = "an" if kind.__name__[0] in "aeiou" else "a"
    raise TypeError(
        f"{name} must be {article} {kind.__name__}{_FROM.get(kind, '')}{alternative}, not {type(value).__name__}"
    )
