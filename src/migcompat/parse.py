"""Parsing the two attributes: the public entry points (clause 7).

Each entry point tries the fast path first (:mod:`migcompat._fast`) and, for
any input it does not accept, runs the reference parser
(:mod:`migcompat.reference_parser`), which either produces the same model or raises the
authoritative :class:`~migcompat.errors.ParseError`. A differential test holds
the two to the same results.
"""

from __future__ import annotations

from . import _fast
from .limits import HEADER
from .model import CompatibleDevices, MigrationVersion
from .reference_parser import reference_parse_compatible, reference_parse_version

__all__ = ["detect", "parse", "parse_compatible", "parse_version"]


def parse_version(text: str | bytes) -> MigrationVersion:
    """Parse the content of a ``migration_version`` attribute.

    *text* is the attribute as read (``bytes`` from sysfs, or ``str``); its one
    final newline is optional. Raises :class:`~migcompat.errors.ParseError`.
    """
    result = _fast.parse_version(text)
    if result is None:
        return reference_parse_version(text)
    return result


def parse_compatible(text: str | bytes) -> CompatibleDevices:
    """Parse the content of a ``migration_compatible_devices`` attribute.

    Raises :class:`~migcompat.errors.ParseError`.
    """
    result = _fast.parse_compatible(text)
    if result is None:
        return reference_parse_compatible(text)
    return result


def detect(text: str | bytes) -> str:
    """Which attribute *text* is: ``"migration_version"`` or ``"migration_compatible_devices"``.

    A ``migration_compatible_devices`` attribute's first line is the bare header
    (clause 4.2); a ``migration_version``'s first line has at least one field.
    Text that is neither is reported as ``migration_version``, whose parser then
    says what is wrong.
    """
    head = text[: len(HEADER) + 1] if isinstance(text, str) else text[: len(HEADER) + 1].decode("ascii", "replace")
    if head in (HEADER, HEADER + "\n"):
        return "migration_compatible_devices"
    return "migration_version"


def parse(text: str | bytes) -> MigrationVersion | CompatibleDevices:
    """Parse either attribute, telling them apart with :func:`detect`."""
    if detect(text) == "migration_compatible_devices":
        return parse_compatible(text)
    return parse_version(text)
