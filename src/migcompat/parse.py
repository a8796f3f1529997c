"""Parsing the two attributes: the public entry points (clause 7).

Each entry point tries the fast path first (:mod:`migcompat._fast`) and, for
any input it does not accept, runs the reference parser
(:mod:`migcompat.reference_parser`), which either produces the same model or raises the
authoritative :class:`~migcompat.errors.ParseError`. A differential test holds
the two to the same results.

Before both, the optional C accelerator runs when it is installed (the module
``migcompat_accel``, ``pip install ./c/python``: libmigcompat's parser building
these same model objects): it returns the model of a valid attribute and None
for anything else, which then takes the path above, so errors always come from
the pure-Python parsers. It is imported on the first parse, not with
``migcompat``, and not at all when the environment variable
``MIGCOMPAT_NO_ACCEL`` is set to a non-empty value at that moment, or when it
implements another specification version. ``tests/test_c_accel.py`` holds it to
the pure-Python parser's results.
"""

from __future__ import annotations

import importlib
import os
from typing import Final, Protocol, cast

from . import _fast
from .errors import ParseError
from .limits import HEADER, SPEC_VERSION
from .model import CompatibleDevices, MigrationVersion
from .reference_parser import reference_parse_compatible, reference_parse_version

__all__ = ["Accelerator", "accelerator", "detect", "parse", "parse_compatible", "parse_version"]


class Accelerator(Protocol):
    """The interface of the C accelerator module: the model of a valid attribute, or None for anything else."""

    SPEC_VERSION: str

    def parse_version(self, text: str | bytes, /) -> MigrationVersion | None:
        """The model of a valid ``migration_version``, equal to the pure-Python parser's; None for any other input."""

    def parse_compatible(self, text: str | bytes, /) -> CompatibleDevices | None:
        """The model of a valid ``migration_compatible_devices``; None for any other input."""


_accel: Accelerator | None = None
_accel_loaded = False


def accelerator() -> Accelerator | None:
    """The C accelerator the parse functions use (module ``migcompat_accel``), or None when they use none.

    Decided once, on the first call (the first parse): None when
    ``MIGCOMPAT_NO_ACCEL`` is set to a non-empty value, when the module is not
    installed or fails to import, or when it implements another specification
    version than this package.
    """
    global _accel, _accel_loaded
    if not _accel_loaded:
        _accel = _load_accelerator()
        _accel_loaded = True
    return _accel


def _load_accelerator() -> Accelerator | None:
    if os.environ.get("MIGCOMPAT_NO_ACCEL"):
        return None
    try:
        module = importlib.import_module("migcompat_accel")
    except ImportError:
        return None
    if getattr(module, "SPEC_VERSION", None) != SPEC_VERSION:
        return None
    return cast(Accelerator, module)


def parse_version(text: str | bytes) -> MigrationVersion:
    """Parse the content of a ``migration_version`` attribute.

    *text* is the attribute as read: ``bytes`` from sysfs (or a
    ``bytearray``/``memoryview`` of them) or ``str``; its one final newline is
    optional. An invalid attribute raises :class:`~migcompat.errors.ParseError`
    with its code, line and column (clause 7); an argument of another type
    raises :class:`TypeError`. Linear in the size of *text*.
    """
    if type(text) is not str and type(text) is not bytes:
        text = _attribute_text(text)
    accel = _accel if _accel_loaded else accelerator()
    if accel is not None:
        model = accel.parse_version(text)
        if model is not None:
            return model
    result = _fast.parse_version(text)
    if result is None:
        try:
            return reference_parse_version(text)
        except ParseError as error:
            raise _hinted(error, text, "migration_version") from None
    return result


def parse_compatible(text: str | bytes) -> CompatibleDevices:
    """Parse the content of a ``migration_compatible_devices`` attribute.

    *text* is as for :func:`parse_version`; an invalid attribute raises
    :class:`~migcompat.errors.ParseError`, an argument of another type
    :class:`TypeError`. Linear in the size of *text*.
    """
    if type(text) is not str and type(text) is not bytes:
        text = _attribute_text(text)
    accel = _accel if _accel_loaded else accelerator()
    if accel is not None:
        model = accel.parse_compatible(text)
        if model is not None:
            return model
    result = _fast.parse_compatible(text)
    if result is None:
        try:
            return reference_parse_compatible(text)
        except ParseError as error:
            raise _hinted(error, text, "migration_compatible_devices") from None
    return result


_OTHER_PARSER: Final = {
    "migration_version": "it looks like a migration_compatible_devices (its first line is the bare header):"
    " parse it with parse_compatible()",
    "migration_compatible_devices": "it looks like a migration_version (its first line has fields):"
    " parse it with parse_version()",
}


def _hinted(error: ParseError, text: str | bytes, attribute: str) -> ParseError:
    """*error* with its ``hint`` set when the likely cause of a ``syntax`` error is known.

    The one place that sets the hint: when *text* is the other attribute, that
    (the command line words it with the file's name); else the slip of
    :func:`migcompat._hints.syntax_hint`'s table that the text shows, if any.
    The code and position are left as they are.
    """
    if error.code == "syntax":
        if detect(text) != attribute:
            error.hint = _OTHER_PARSER[attribute]
        else:
            from ._hints import syntax_hint  # on the error path only: importing migcompat stays light

            error.hint = syntax_hint(text, attribute, error.line, error.column)
    return error


def detect(text: str | bytes) -> str:
    """Which attribute *text* is: ``"migration_version"`` or ``"migration_compatible_devices"``.

    A ``migration_compatible_devices`` attribute's first line is the bare header
    (clause 4.2); a ``migration_version``'s first line has at least one field.
    A first line that is the header followed only by spaces, tabs or a carriage
    return (a file saved with CRLF line ends) holds no field either: it is
    taken for the rules, whose parser then says what is wrong with it. Other
    text that is neither is reported as ``migration_version``, whose parser
    then says what is wrong.
    """
    if type(text) is not str and type(text) is not bytes:
        text = _attribute_text(text)
    start = text[:_DETECT_BYTES] if isinstance(text, str) else text[:_DETECT_BYTES].decode("ascii", "replace")
    first, newline, _ = start.partition("\n")
    if first.rstrip(" \t\r") == HEADER and (newline or len(start) < _DETECT_BYTES):
        return "migration_compatible_devices"
    return "migration_version"


_DETECT_BYTES: Final = 64
"""How much of an attribute :func:`detect` reads: its header line, with some blanks after it."""


def parse(text: str | bytes) -> MigrationVersion | CompatibleDevices:
    """Parse either attribute, telling them apart with :func:`detect` (a bare ``mc1`` first line is the rules).

    *text* and the errors raised are as for :func:`parse_version`.
    """
    if detect(text) == "migration_compatible_devices":
        return parse_compatible(text)
    return parse_version(text)


def _attribute_text(text: object) -> str | bytes:
    """*text* as ``str`` or ``bytes``: a subclass or a bytes-like object converted; TypeError for anything else."""
    if isinstance(text, str):
        return str(text)
    if isinstance(text, (bytes, bytearray, memoryview)):
        return bytes(text)
    raise TypeError(f"an attribute is str or bytes (or bytearray, memoryview), not {type(text).__name__}")
