"""The exception hierarchy and the stable error codes (specification clause 7).

Every error migcompat raises to its callers is a :class:`MigcompatError` carrying
a stable :attr:`~MigcompatError.code` and a location :attr:`~MigcompatError.where`.
The codes of attribute and data model input are those of the specification
(:data:`ERROR_CODES`); the library's other errors have the codes of
:data:`LIBRARY_ERROR_CODES`. Parse errors also carry the 1-based line and
column of the offending byte and render a caret line under it
(:meth:`ParseError.render`)::

    error[leading-zero]: integer 007 has a leading zero
     --> line 1, column 22
      |
    1 | mc1 device_api=x qty=007
      |                      ^^^
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "ERROR_CODES",
    "LIBRARY_ERROR_CODES",
    "ChoiceError",
    "DataModelError",
    "MigcompatError",
    "ParseError",
    "VerdictError",
]

ERROR_CODES: Final[dict[str, str]] = {
    # input as a whole (clause 7.1)
    "empty": "the attribute is empty or holds only white space",
    "too-long": "the attribute exceeds 4095 bytes including its final newline",
    "non-ascii": "a byte outside 7-bit ASCII",
    "nul": "a NUL byte",
    "crlf": "a carriage return (CR); lines end with LF alone",
    "control-char": "a control character other than LF",
    "whitespace": "a blank line, or a space that is not a single separator",
    "bad-header": "the first line does not start with a format header such as mc1",
    "unsupported-version": "the header names a format version this parser does not implement",
    # syntax (clause 7.2)
    "syntax": "the text does not match the grammar",
    # values and structure (clause 7.3)
    "leading-zero": "an integer, version component or ratio term with a leading zero",
    "int-overflow": "an integer above 18446744073709551615",
    "key-too-long": "a key longer than 63 bytes",
    "token-too-long": "a token or set member longer than 255 bytes",
    "bad-escape": "a %XX escape that is not upper-case hex for a printable byte outside the token alphabet",
    "version-too-long": "a version with more than 8 components",
    "too-many-members": "a set with more than 64 members",
    "zero-denominator": "a ratio whose denominator is 0",
    "unreduced-ratio": "a ratio not in lowest terms",
    "duplicate-key": "a key given twice where it must be unique",
    "duplicate-member": "a set member or constraint alternative given twice",
    "duplicate-param": "the same creation-time parameter value declared twice",
    "param-conflict": "two different parameters both set the same field",
    "mixed-types": "alternatives, range ends or parameter values of different types",
    "empty-range": "a range whose low end is above its high end",
    # data model (JSON) input (clause 5.8)
    "invalid-model": "a JSON document that is not a valid migcompat data model",
}
"""Every stable error code of the specification, with the one-line meaning the spec gives it."""

LIBRARY_ERROR_CODES: Final[dict[str, str]] = {
    "capture-invalid": "a capture document that is not valid JSON or not a valid capture",
    "capture-unreadable": "a capture file or sysfs tree that cannot be read, or a capture file too large to read",
    "capture-stale": "a capture older than the age an export allows, or whose recorded time is in the future or"
    " unreadable",
    "case-invalid": "a conformance case file or directory that cannot be read or is not a valid case file",
    "program-unstartable": "a program under test (cases run --parser, --emitter, --checker) that cannot be started",
    "sample-unknown": "no bundled conformance sample has the name asked for",
    "sample-invalid": "a bundled conformance sample that cannot be read",
    "schema-unavailable": "the jsonschema package or a published JSON Schema file is not available",
    "too-complex": "a question that cannot be decided within the library's bounds on work",
    "choice-invalid": "a device type's creation-parameter choice that names no declared parameter or value",
    "verdict-invalid": "a JSON document that is not a verdict as Verdict.to_json() writes it",
    # the command's own inputs and outputs
    "input-unreadable": "an input (a file, a device directory, standard input) that cannot be read",
    "output-unwritable": "an output (standard output, a file, a directory) that cannot be written",
    "output-unsafe": "an output directory that every user can write to, without the sticky bit",
    "output-is-input": "an output file that is one of the command's inputs, which writing it would replace",
    "nothing-to-check": "an inventory, capture or sysfs tree with nothing the command can check",
    "source-unknown": "a source device, named by host and path or identity, that the inventory does not have",
    "source-ambiguous": "a source device name that fits several different devices of the inventory",
    # the scheduler exports (migcompat.exports)
    "export-invalid-name": "a trait, label or object name outside the scheduler's naming rules",
    "export-collision": "two different classes or providers would get the same exported name",
    "export-unknown-class": "a source whose class was not known when the export was made",
    "export-mapping-invalid": "an export mapping file that cannot be read or is not one migcompat wrote",
    "export-ambiguous-provider": "several migcompat providers map to one scheduler resource provider",
    "export-stale-traits": "scheduler resource providers outside an export carry marks an earlier export gave",
    "placement-failed": "the Placement service could not be reached or refused a request",
}
"""The stable codes of the library's errors that the specification does not define.

They concern the library's own inputs (captures, case files, conformance
samples, schemas) and its bounds on work (``too-complex``).
"""


def _encodable(text: str) -> str:
    """*text* with each lone surrogate written as its ``\\udXXX`` escape, so that it can be written as UTF-8.

    A place named after a JSON member (``"\\ud800"`` is valid JSON) would
    otherwise make ``str()`` of the error fail to encode in a UTF-8 log.
    """
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


class MigcompatError(Exception):
    """Base of every error migcompat raises about its inputs, its outputs and its bounds on work.

    A call with arguments of the wrong type raises Python's :class:`TypeError`
    instead, and a lookup of something never given (a provider not in a fleet
    index) :class:`KeyError`: those are mistakes in the calling program, not
    in its data.

    *code* is one of :data:`ERROR_CODES` or :data:`LIBRARY_ERROR_CODES`; it
    never changes meaning between releases, so programs may match on it.
    *message* is for people. *where* locates the fault, in the form the input
    calls for (``"line 2, column 5"``, a JSON Pointer, a file name); it is
    empty when there is no place to name.
    """

    where: str = ""

    def __init__(self, code: str, message: str, *, where: str = "") -> None:
        if code not in ERROR_CODES and code not in LIBRARY_ERROR_CODES:
            raise ValueError(f"unregistered error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.where = _encodable(where)

    def __str__(self) -> str:
        return f"error[{self.code}]: {self.message}"

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (type(self), self.args, self.__dict__))

    def to_dict(self) -> dict[str, object]:
        """The error as a JSON-ready dict: ``code``, ``message`` and its place as its class gives it.

        Here ``where``; :class:`ParseError` gives ``line`` and ``column``,
        :class:`DataModelError` a JSON Pointer ``path`` (the shapes of the
        command-error schema). Code that handles any library error reads the
        attributes every class has: :attr:`code`, :attr:`message` and
        :attr:`where`.
        """
        return {"code": self.code, "message": self.message, "where": self.where}


class ParseError(MigcompatError):
    """An attribute string that is not valid; *code* is one of :data:`ERROR_CODES`.

    *line* and *column* are 1-based and count bytes; *length* is how many bytes
    the caret underlines. *text* is the line the error is on, for rendering.
    *where* is ``"line L, column C"``. *hint* is the likely cause when the
    parser can tell, else None: :func:`~migcompat.parse_version` and
    :func:`~migcompat.parse_compatible` set it on a ``syntax`` error when they
    are given the other attribute, or when the text shows one of the common
    slips of drivers' authors (``$`` outside an accept rule, ``~`` in a rule,
    ``$8``, ``<=$1``, an upper-case key, a space inside a value, a ``default``
    line after an ``accept`` line), as one line saying what to write instead.
    It is part of ``str()`` but not of the code or the position, which clause
    7.3 fixes, nor of :meth:`to_dict`; the command line adds it to its JSON
    error objects as ``hint``.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        line: int,
        column: int,
        length: int = 1,
        text: str = "",
        hint: str | None = None,
    ) -> None:
        super().__init__(code, message, where=f"line {line}, column {column}")
        self.line = line
        self.column = column
        self.length = max(1, length)
        self.text = text
        self.hint = hint

    def __str__(self) -> str:
        hint = f"; {self.hint}" if self.hint else ""
        return f"error[{self.code}]: {self.message} (line {self.line}, column {self.column}){hint}"

    def render(self, source_name: str | None = None) -> str:
        """The error with the offending line and a caret under the span."""
        where = f"line {self.line}, column {self.column}"
        if source_name:
            where = f"{source_name}:{self.line}:{self.column}"
        shown = _printable(self.text)
        gutter = " " * len(str(self.line))
        lines = [
            f"error[{self.code}]: {self.message}",
            f"{gutter}--> {where}",
            f"{gutter} |",
            f"{self.line} | {shown}",
            f"{gutter} | {' ' * (self.column - 1)}{'^' * self.length}",
        ]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, object]:
        """The error as a JSON-ready dict: code, message, line and column."""
        return {
            "code": self.code,
            "message": self.message,
            "line": self.line,
            "column": self.column,
        }


class DataModelError(MigcompatError):
    """A JSON document that does not describe a valid data model; *code* is ``invalid-model``.

    *path* is a JSON Pointer (RFC 6901) to the offending member, empty for the
    document itself; *where* is the same pointer.
    """

    def __init__(self, message: str, *, path: str = "") -> None:
        super().__init__("invalid-model", message, where=path)
        self.path = self.where

    def __str__(self) -> str:
        where = self.path or "the document's top level"
        return f"error[{self.code}]: {self.message} (at {where})"

    def to_dict(self) -> dict[str, object]:
        """The error as a JSON-ready dict: code, message and JSON Pointer path."""
        return {"code": self.code, "message": self.message, "path": self.path}


class ChoiceError(MigcompatError, ValueError):
    """A choice of creation parameters that a template does not declare; *code* is ``choice-invalid``.

    *where* names the parameter at fault (empty when the choice misses
    several). It is also a :class:`ValueError`.
    """

    def __init__(self, message: str, *, parameter: str = "") -> None:
        super().__init__("choice-invalid", message, where=parameter)


class VerdictError(MigcompatError, ValueError):
    """A JSON document that is not a verdict as :meth:`~migcompat.verdict.Verdict.to_json` writes it.

    Its *code* is ``verdict-invalid``; *where* is a JSON Pointer (RFC 6901) to
    the offending member, empty for the document itself. It is also a
    :class:`ValueError`.
    """

    def __init__(self, message: str, *, where: str = "") -> None:
        super().__init__("verdict-invalid", message, where=where)

    def __str__(self) -> str:
        where = self.where or "the document's top level"
        return f"error[{self.code}]: {self.message} (at {where})"


def _rebuild(kind: type[MigcompatError], args: tuple[object, ...], state: dict[str, object]) -> MigcompatError:
    """The error *kind* with *args* and attributes *state*, unpickled without calling its ``__init__``."""
    error = kind.__new__(kind, *args)
    error.args = args
    error.__dict__.update(state)
    return error


def _printable(text: str) -> str:
    """*text* with control and non-ASCII characters shown as one-column escapes."""
    out = []
    for char in text:
        if " " <= char <= "~":
            out.append(char)
        else:
            out.append("?")
    return "".join(out)
