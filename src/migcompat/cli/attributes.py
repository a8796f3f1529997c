"""Finding, reading and parsing the attributes the comparator commands take.

``check``, ``relate`` and ``plan`` name their inputs in the same ways: a file,
``-`` for standard input, or a sysfs device (or mdev type) directory that holds
the attribute. This module turns such an argument into the file to read,
reads it within the attribute limit and parses it; every way that can fail
becomes one :class:`InputFailure`, which knows which input (its *role*) it is
about and how to report itself in text and in JSON.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Final, Literal

import click

from ..display import file_kind
from ..errors import ParseError
from ..model import CompatibleDevices, MigrationVersion
from ..parse import detect, parse_compatible, parse_version
from ..verdict import Answer, Reason
from .commands_parse import bounded_error
from .exitcodes import ExitCode
from .io import ATTRIBUTE_READ_LIMIT, STDIN, CannotRead, Input, display_name, read_input, stdin_is_terminal
from .output import echo, echo_error, render_parse_error

__all__ = [
    "COMPATIBLE",
    "VERSION",
    "Attribute",
    "InputFailure",
    "Loader",
    "compatible_from",
    "load_compatible",
    "load_version",
    "missing_reasons",
    "optional_version_in",
    "refuse_two_stdins",
    "report_failures",
    "status_of",
    "unsupported_reasons",
]

Attribute = Literal["migration_version", "migration_compatible_devices"]
VERSION: Final[Attribute] = "migration_version"
COMPATIBLE: Final[Attribute] = "migration_compatible_devices"


class InputFailure(Exception):
    """An input that could not be read, or holds an invalid attribute.

    *role* names the input (``source``, ``target``, ``a_self``, ...); *path*
    is the file that was (or would have been) read, ``-`` for standard input.
    Exactly one of *error* (the attribute is invalid) and *reason* (it could
    not be read) is set.
    """

    def __init__(
        self,
        role: str,
        path: str,
        attribute: Attribute,
        *,
        error: ParseError | None = None,
        reason: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(f"{role}: {path}: {error or reason}")
        self.role = role
        self.path = path
        self.name = display_name(path)
        self.attribute = attribute
        self.error = error
        self.reason = reason
        self.hint = hint

    shown_as: str | None = None
    """How messages name the role when the command line names it otherwise (``old`` for ``a``), or None."""

    @property
    def label(self) -> str:
        """The role in words: ``target self`` for ``target_self`` (or :attr:`shown_as`)."""
        return self.shown_as if self.shown_as is not None else self.role.replace("_", " ")

    @property
    def unsupported(self) -> bool:
        """True for an attribute in a format version this parser does not implement.

        Such an input is not broken: the comparator cannot judge it, so the
        answer is ``unknown`` (reason ``unsupported-version``), not an error.
        """
        return self.error is not None and self.error.code == "unsupported-version"

    def to_json(self) -> dict[str, object]:
        """A record shaped like a ``migcompat parse --format json`` record, plus the input's role."""
        if self.error is None:
            return {"input": self.role, "path": self.path, "read_error": self.reason, "code": "input-unreadable"}
        return {"input": self.role, "path": self.path, "attribute": self.attribute, "error": self.error.to_dict()}


# ---- which file an argument names -----------------------------------------------------------


def placement_of(directory: str) -> str:
    """Where a device directory's attributes are: its VFIO device directory when it has one (clause 10).

    A device bound to a VFIO driver has one entry in ``vfio-dev/`` (``vfioN``,
    Linux 6.1 and later), which holds the attributes since specification 1.1;
    a directory without ``vfio-dev/`` (an mdev type, a copied pair of files, a
    1.0 layout) holds them itself. With several ``vfio-dev/`` entries the
    directory itself is returned, and the caller reports the missing file.
    """
    vfio = os.path.join(directory, "vfio-dev")
    if os.path.isdir(vfio) and not os.path.isfile(os.path.join(directory, VERSION)):
        try:
            entries = [entry for entry in os.listdir(vfio) if entry.startswith("vfio")]
        except OSError:
            return directory
        if len(entries) == 1:
            return os.path.join(vfio, entries[0])
    return directory


def attribute_in(role: str, argument: str, name: Attribute) -> str:
    """The file of attribute *name* that *argument* names: itself, or *name* in a device's placement."""
    if argument != STDIN and os.path.isdir(argument):
        path = os.path.join(placement_of(argument), name)
        if not os.path.lexists(path):
            raise InputFailure(role, argument, name, reason=f"the directory has no {name} attribute")
        if not os.path.isfile(path):
            try:
                kind = file_kind(os.stat(path).st_mode)
            except OSError as exc:
                kind = exc.strerror or "it cannot be read"
            raise InputFailure(role, path, name, reason=f"not a regular file ({kind})")
        return path
    return argument


def optional_version_in(argument: str) -> str | None:
    """The ``migration_version`` beside a target's rules: in the same device's placement, if there is one."""
    if argument == STDIN or not os.path.isdir(argument):
        return None
    path = os.path.join(placement_of(argument), VERSION)
    return path if os.path.isfile(path) else None


def refuse_two_stdins(named: Iterable[tuple[str, str | None]]) -> None:
    """Raise a usage error when more than one input is standard input; note reading from a terminal."""
    readers = [option for option, path in named if path == STDIN]
    if len(readers) > 1:
        raise click.UsageError(f"only one input can be standard input (-), but {' and '.join(readers)} both are")
    if readers and stdin_is_terminal():
        echo(f"migcompat: reading {readers[0]} from standard input (end it with Ctrl-D)", err=True)


# ---- reading and parsing ------------------------------------------------------------------------


def load_version(role: str, path: str) -> MigrationVersion:
    """Read and parse the ``migration_version`` at *path*."""
    source = _read(role, path, VERSION)
    try:
        return parse_version(source.data)
    except ParseError as exc:
        raise _invalid(role, source, VERSION, exc) from None


def load_compatible(role: str, path: str) -> CompatibleDevices:
    """Read and parse the ``migration_compatible_devices`` at *path*."""
    return compatible_from(role, _read(role, path, COMPATIBLE))


def compatible_from(role: str, source: Input) -> CompatibleDevices:
    """Parse the ``migration_compatible_devices`` read as *source*; raises :class:`InputFailure`."""
    try:
        return parse_compatible(source.data)
    except ParseError as exc:
        raise _invalid(role, source, COMPATIBLE, exc) from None


def _read(role: str, path: str, attribute: Attribute) -> Input:
    try:
        return read_input(path, ATTRIBUTE_READ_LIMIT)
    except CannotRead as exc:
        raise InputFailure(role, path, attribute, reason=exc.reason) from None


_LOOKS_LIKE: Final[dict[str, str]] = {
    VERSION: "a migration_version (its first line has fields)",
    COMPATIBLE: "a migration_compatible_devices (its first line is the bare header)",
}


def _invalid(role: str, source: Input, attribute: Attribute, error: ParseError) -> InputFailure:
    hint = None
    if source.data.lstrip()[:1] == b"{":
        # A capture or a data model where an attribute belongs: the arguments are in the wrong order or place.
        hint = (
            f"{source.name} should be a {attribute}, but it is a JSON document"
            " (a capture goes where a command takes captures, a data model to 'migcompat emit')"
        )
    elif error.code == "syntax" and detect(source.data) != attribute:
        # The classic slip: SOURCE and TARGET swapped, or a type's rules given as its version.
        hint = f"{source.name} should be a {attribute}, but it looks like {_LOOKS_LIKE[detect(source.data)]}"
    return InputFailure(role, source.path, attribute, error=bounded_error(error, source), hint=hint)


# ---- reporting ----------------------------------------------------------------------------------


def report_failures(failures: Iterable[InputFailure], *, json_output: bool) -> None:
    """Write the failures to standard error as ``migcompat parse`` does.

    In JSON mode an invalid attribute is reported in the JSON document alone
    (the caller writes it), as ``parse --format json`` does; a read error is
    reported on standard error in both modes.
    """
    for failure in failures:
        if failure.error is None:
            echo_error(f"cannot read {failure.name} ({failure.label}): {failure.reason}", "input-unreadable")
        elif not json_output:
            echo(render_parse_error(failure.error, failure.name), err=True)
            if failure.hint:
                echo(f"hint: {failure.hint}", err=True)


def unsupported_reasons(failures: Iterable[InputFailure]) -> tuple[Reason, ...]:
    """One ``unsupported-version`` reason for each input in a format version the parser does not implement."""
    return tuple(
        Reason("unsupported-version", None, f"{failure.name} ({failure.label}): {failure.error.message}")
        for failure in failures
        if failure.error is not None and failure.unsupported
    )


def missing_reasons(
    failures: Iterable[InputFailure], roles: tuple[str, str] = ("source", "target")
) -> tuple[Reason, ...]:
    """One ``missing-attribute`` reason for each of the inputs *roles* that is missing or invalid (row 8.5-VD2).

    *roles* names the source's ``migration_version`` and the target's
    ``migration_compatible_devices``, in that order, which is the order of the
    reasons (row 8.8-NR5). Each message starts as
    :func:`~migcompat.compare.check`'s does for the same attribute (``the
    source's migration_version is missing or invalid``) and adds the file and
    why it could not be used, so that the command and the library agree. A
    failure of another role, or an unsupported format version (row 8.5-VD1,
    :func:`unsupported_reasons`), gives none.
    """
    broken = {failure.role: failure for failure in failures if not failure.unsupported}
    reasons = []
    for role, owner in zip(roles, ("source", "target"), strict=True):
        failure = broken.get(role)
        if failure is not None:
            why = failure.reason if failure.error is None else failure.error.message
            message = f"the {owner}'s {failure.attribute} is missing or invalid: {failure.name}: {why}"
            reasons.append(Reason("missing-attribute", None, message))
    return tuple(reasons)


_STATUS: Final = {
    Answer.COMPATIBLE: ExitCode.SUCCESS,
    Answer.INCOMPATIBLE: ExitCode.NEGATIVE,
    Answer.UNKNOWN: ExitCode.UNDECIDED,
}


def status_of(answer: Answer) -> ExitCode:
    """The exit status of a comparator answer: compatible 0, incompatible 1, unknown 3."""
    return _STATUS[answer]


class Loader:
    """Loads a command's inputs, collecting every failure instead of stopping at the first.

    A command reports all its broken inputs at once; :attr:`paths` records,
    per role, the file read (or the argument, when it named no readable file),
    for the ``path`` members of the JSON output.
    """

    def __init__(self) -> None:
        self.failures: list[InputFailure] = []
        self.paths: dict[str, str | None] = {}

    def version(self, role: str, argument: str | None) -> MigrationVersion | None:
        """The ``migration_version`` *argument* names (a file, ``-`` or a directory), or None."""
        self.paths[role] = argument
        if argument is None:
            return None
        try:
            path = attribute_in(role, argument, VERSION)
            self.paths[role] = path
            return load_version(role, path)
        except InputFailure as failure:
            self.failures.append(failure)
            return None

    def compatible(self, role: str, argument: str) -> CompatibleDevices | None:
        """The ``migration_compatible_devices`` *argument* names, or None."""
        self.paths[role] = argument
        try:
            path = attribute_in(role, argument, COMPATIBLE)
            self.paths[role] = path
            return load_compatible(role, path)
        except InputFailure as failure:
            self.failures.append(failure)
            return None

    @property
    def broken(self) -> list[InputFailure]:
        """The failures that leave no question to answer: all but ``unsupported-version``."""
        return [failure for failure in self.failures if not failure.unsupported]

    def invalid_descriptions(self, *roles: str) -> list[InputFailure]:
        """The failures of the own descriptions *roles* that were read but are invalid.

        Such a description counts as missing (clause 8.5): the command answers
        without it and reports its error beside the answer. A description that
        cannot be read, or has an unsupported format version, is not among them.
        """
        return [failure for failure in self.broken if failure.role in roles and failure.error is not None]

    def failure_document(self) -> dict[str, object]:
        """The JSON output of a command whose inputs could not all be read or parsed."""
        return {**self.paths, "input_errors": [failure.to_json() for failure in self.failures]}
