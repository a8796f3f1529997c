"""Finding, reading and parsing the attributes the comparator commands take.

``check``, ``relate`` and ``plan`` name their inputs in the same ways: a file,
``-`` for standard input, or a sysfs device (or mdev type) directory that holds
the attribute. This module turns such an argument into the file to read,
reads it within the attribute limit and parses it (a file found in a
directory only when it is a regular file reached through no link: see
:func:`read_in_directory`); every way that can fail
becomes one :class:`InputFailure`, which knows which input (its *role*) it is
about and how to report itself in text and in JSON.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from typing import Final, Literal

import click

from ..errors import ParseError
from ..limits import MAX_ATTRIBUTE_BYTES
from ..model import CompatibleDevices, MigrationVersion
from ..parse import detect, parse_compatible, parse_version
from ..verdict import Answer, Reason
from .exitcodes import ExitCode
from .io import (
    ATTRIBUTE_READ_LIMIT,
    STDIN,
    CannotRead,
    Input,
    display_name,
    entry_exists,
    open_directory,
    open_subdirectory,
    read_entry,
    read_error,
    read_input,
    stdin_is_terminal,
)
from .output import echo, echo_error, render_parse_error

__all__ = [
    "COMPATIBLE",
    "VERSION",
    "Attribute",
    "InputFailure",
    "Loader",
    "bounded_error",
    "compatible_from",
    "error_record",
    "holds_attributes",
    "input_hint",
    "load_compatible",
    "load_version",
    "missing_reasons",
    "optional_version_in",
    "read_attribute_in",
    "read_in_directory",
    "refuse_two_stdins",
    "report_failures",
    "status_of",
    "unsupported_reasons",
    "version_from",
]

Attribute = Literal["migration_version", "migration_compatible_devices"]
VERSION: Final[Attribute] = "migration_version"
COMPATIBLE: Final[Attribute] = "migration_compatible_devices"
_VFIO_DEV: Final = "vfio-dev"
"""The directory of a device's VFIO device directory (``vfioN``), where its attributes are since 1.1 (clause 10)."""


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
        other: bool = False,
    ) -> None:
        super().__init__(f"{role}: {path}: {error or reason}")
        self.role = role
        self.path = path
        self.name = display_name(path)
        self.attribute = attribute
        self.error = error
        self.reason = reason
        self.hint = hint
        self.other = other
        """True when the input looks like the other attribute (the arguments swapped, perhaps)."""

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
        """A record shaped like a ``migcompat parse --format json`` record, plus the input's role.

        The error of an invalid attribute has the member ``hint`` when the
        command tells the likely slip (:attr:`hint`).
        """
        if self.error is not None:
            error = error_record(self.error, self.hint)
            return {"input": self.role, "path": self.path, "attribute": self.attribute, "error": error}
        assert self.reason is not None  # exactly one of error and reason is set
        return {"input": self.role, "path": self.path, "error": read_error(self.reason)}


# ---- which file an argument names -----------------------------------------------------------


def read_in_directory(directory: str, names: Iterable[Attribute]) -> tuple[str, dict[Attribute, Input | CannotRead]]:
    """Read the attributes *names* of the device (or mdev type) directory *directory* the user named.

    Returns where the attributes are (the directory's placement, clause 10:
    its VFIO device directory ``vfio-dev/vfioN`` when it has one) and, for
    each of *names* present there, what was read or why it could not be. A
    name that is absent is left out.

    The directory is opened once; everything below it is opened relative to
    its descriptor and never through a symbolic link (``vfio-dev`` and
    ``vfioN`` with ``O_NOFOLLOW|O_DIRECTORY``, each attribute with
    :func:`~migcompat.cli.io.read_entry`: a regular file only). So an
    attribute that is a link to a file outside the directory, a FIFO or a
    device is refused unread (``not a regular file (a symbolic link)``) and
    nothing of its target is opened or shown. The path the user typed may
    itself be, or pass through, a link (``/sys/bus/pci/devices/ADDRESS``).

    A directory with a ``migration_version`` regular file of its own (an
    mdev type, a copied pair of files, a 1.0 layout), or without
    ``vfio-dev/``, or with other than one ``vfio*`` entry in it, is its own
    placement. Raises :class:`CannotRead` when the directory cannot be
    opened, or when its ``vfio-dev`` or ``vfioN`` is a link or not a directory.
    """
    top = open_directory(directory)
    try:
        where, placement = _placement(directory, top)
        try:
            found: dict[Attribute, Input | CannotRead] = {}
            for name in names:
                if not entry_exists(placement, name):
                    continue
                try:
                    found[name] = read_entry(placement, name, os.path.join(where, name), ATTRIBUTE_READ_LIMIT)
                except CannotRead as exc:
                    found[name] = exc
            return where, found
        finally:
            if placement != top:
                os.close(placement)
    finally:
        os.close(top)


def _placement(directory: str, top: int) -> tuple[str, int]:
    """The path and an open descriptor of the placement of *directory* (open as *top*); see :func:`read_in_directory`.

    The descriptor is *top* itself or a new one, which the caller closes.
    """
    mode = _lstat_mode(top, _VFIO_DEV)
    if stat.S_ISREG(_lstat_mode(top, VERSION)) or not (stat.S_ISDIR(mode) or stat.S_ISLNK(mode)):
        return directory, top
    # Where the directory has neither attribute itself, a vfio-dev that cannot be searched is why they are missing.
    own = any(stat.S_ISREG(_lstat_mode(top, name)) for name in (VERSION, COMPATIBLE))
    vfio_path = os.path.join(directory, _VFIO_DEV)
    try:
        vfio = open_subdirectory(top, _VFIO_DEV, vfio_path)
    except CannotRead:
        if stat.S_ISLNK(mode) or not own:
            raise  # a link where the kernel has a directory is never followed; an unreadable one is said so
        return directory, top
    try:
        try:
            entries = sorted(entry for entry in os.listdir(vfio) if entry.startswith("vfio"))
        except OSError as exc:
            if own:
                return directory, top
            raise CannotRead(display_name(vfio_path), exc.strerror or str(exc), path=vfio_path) from None
        if len(entries) > 1 and not own:  # the sysfs reader's several-vfio-devices: which one is meant?
            shown = ", ".join(entries[:4]) + (", ..." if len(entries) > 4 else "")
            raise CannotRead(
                display_name(vfio_path),
                f"it holds {len(entries)} vfio devices ({shown}), where the kernel makes one: name the one meant",
                path=vfio_path,
            )
        if len(entries) != 1:
            return directory, top  # the caller reports the missing attribute
        where = os.path.join(vfio_path, entries[0])
        return where, open_subdirectory(vfio, entries[0], where)  # a link or a file raises
    finally:
        os.close(vfio)


def _lstat_mode(parent: int, name: str) -> int:
    """The ``lstat`` mode of the entry *name* of the directory open as *parent*; 0 when there is none."""
    try:
        return os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode
    except OSError:
        return 0


def read_attribute_in(role: str, directory: str, name: Attribute) -> Input:
    """Read the attribute *name* of the device directory *directory* (see :func:`read_in_directory`).

    Raises :class:`InputFailure` for *role*: ``the directory has no NAME
    attribute`` (its path the directory's), or the reason the directory or
    the attribute cannot be read (its path the file's), such as ``not a
    regular file (a symbolic link)``.
    """
    try:
        _, found = read_in_directory(directory, (name,))
    except CannotRead as exc:
        raise InputFailure(role, exc.path, name, reason=exc.reason) from None
    source = found.get(name)
    if source is None:
        raise InputFailure(role, directory, name, reason=f"the directory has no {name} attribute")
    if isinstance(source, CannotRead):
        raise InputFailure(role, source.path, name, reason=source.reason)
    return source


def holds_attributes(directory: str) -> bool:
    """Whether *directory* holds a migration attribute file: a device's VFIO directory, or an mdev type's."""
    return directory != STDIN and any(os.path.isfile(os.path.join(directory, name)) for name in (VERSION, COMPATIBLE))


def _is_directory(argument: str) -> bool:
    """Whether *argument* names a directory (following links: the argument is the user's own)."""
    return argument != STDIN and os.path.isdir(argument)


def optional_version_in(argument: str) -> str | None:
    """Where to load a target's own ``migration_version`` from, when its rules are a device directory's.

    Returns *argument* itself (give it to :meth:`Loader.version`, which reads
    the ``migration_version`` in the same placement, safely) when it is a
    directory whose placement has a ``migration_version`` entry, of any kind
    (a link there is then reported, not followed); else None.
    """
    if not _is_directory(argument):
        return None
    try:
        top = open_directory(argument)
    except CannotRead:
        return None  # reading the rules says why
    try:
        _, placement = _placement(argument, top)
        try:
            return argument if entry_exists(placement, VERSION) else None
        finally:
            if placement != top:
                os.close(placement)
    except CannotRead:
        return None  # a vfio-dev or vfioN that is a link: reading the rules says so
    finally:
        os.close(top)


def refuse_two_stdins(named: Iterable[tuple[str, str | None]]) -> None:
    """Raise a usage error when more than one input is standard input; note reading from a terminal."""
    readers = [option for option, path in named if path == STDIN]
    if len(readers) > 1:
        raise click.UsageError(f"only one input can be standard input (-), but {' and '.join(readers)} both are")
    if readers and stdin_is_terminal():
        echo(f"migcompat: reading {readers[0]} from standard input (end it with Ctrl-D)", err=True)


# ---- reading and parsing ------------------------------------------------------------------------


def load_version(role: str, path: str) -> MigrationVersion:
    """Read and parse the ``migration_version`` at *path* (a path the user named)."""
    return version_from(role, _read(role, path, VERSION))


def version_from(role: str, source: Input) -> MigrationVersion:
    """Parse the ``migration_version`` read as *source*; raises :class:`InputFailure`."""
    try:
        return parse_version(source.data)
    except ParseError as exc:
        raise _invalid(role, source, VERSION, exc) from None


def load_compatible(role: str, path: str) -> CompatibleDevices:
    """Read and parse the ``migration_compatible_devices`` at *path* (a path the user named)."""
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
    hint = input_hint(source, attribute, error)
    other = _looks_like_other(source, attribute, error)
    return InputFailure(role, source.path, attribute, error=bounded_error(error, source), hint=hint, other=other)


def _is_json(source: Input) -> bool:
    return source.data.lstrip()[:1] == b"{"


def _looks_like_other(source: Input, attribute: Attribute, error: ParseError) -> bool:
    """Whether *source*, which failed to parse as *attribute*, is the other attribute (the arguments swapped)."""
    return error.hint is not None and not _is_json(source) and detect(source.data) != attribute


def input_hint(source: Input, attribute: Attribute, error: ParseError) -> str | None:
    """The hint the command line gives beside *error*, raised parsing *source* as *attribute*, or None.

    A JSON document where an attribute belongs, or the other attribute (the
    arguments swapped), is worded with the file's name; else the parser's
    :attr:`~migcompat.errors.ParseError.hint` on a common slip in the
    attribute itself (a ``$`` in a ``migration_version``, an upper-case key,
    ...), if it has one.
    """
    if _is_json(source):
        # A capture or a data model where an attribute belongs: the arguments are in the wrong order or place.
        return (
            f"{source.name} should be a {attribute}, but it is a JSON document"
            " (a capture goes where a command takes captures, a data model to 'migcompat emit')"
        )
    if _looks_like_other(source, attribute, error):
        # The classic slip: SOURCE and TARGET swapped, or a type's rules given as its version.
        return f"{source.name} should be a {attribute}, but it looks like {_LOOKS_LIKE[detect(source.data)]}"
    return error.hint


def error_record(error: ParseError, hint: str | None) -> dict[str, object]:
    """The JSON error object of an invalid attribute: :meth:`ParseError.to_dict`, and ``hint`` when *hint* is set.

    The shape of ``$defs/error`` of command-error.schema.json and of the
    parse error of ``$defs/input_error`` of verdict.schema.json.
    """
    record = error.to_dict()
    if hint:
        record["hint"] = hint
    return record


# ---- reporting ----------------------------------------------------------------------------------


def report_failures(failures: Iterable[InputFailure], *, json_output: bool) -> None:
    """Write the failures to standard error as ``migcompat parse`` does.

    In JSON mode, where the caller writes each failure in the JSON document, an
    invalid attribute is one line on standard error (its code, the input and
    the position), as a read error is in both modes: every failed input has its
    ``error[CODE]`` line, whatever the format.
    """
    for failure in failures:
        if failure.error is None:
            echo_error(f"cannot read {failure.name} ({failure.label}): {failure.reason}", "input-unreadable")
        elif json_output:
            error = failure.error
            echo_error(
                f"{failure.name} ({failure.label}), line {error.line}, column {error.column}: {error.message}",
                error.code,
            )
        else:
            echo(render_parse_error(failure.error, failure.name), err=True)
            if failure.hint:
                echo(f"migcompat: hint: {failure.hint}", err=True)


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
            return version_from(role, self._read(role, argument, VERSION))
        except InputFailure as failure:
            self.failures.append(failure)
            return None

    def unreadable(self, role: str, argument: str, attribute: Attribute, reason: str) -> None:
        """Record that *role*'s *attribute* is not read from *argument*, for *reason* (an ``input-unreadable``
        failure, as when reading fails): the command found *argument* unusable before reading it."""
        self.paths[role] = argument
        self.failures.append(InputFailure(role, argument, attribute, reason=reason))

    def compatible(self, role: str, argument: str) -> CompatibleDevices | None:
        """The ``migration_compatible_devices`` *argument* names, or None."""
        self.paths[role] = argument
        try:
            return compatible_from(role, self._read(role, argument, COMPATIBLE))
        except InputFailure as failure:
            self.failures.append(failure)
            return None

    def _read(self, role: str, argument: str, attribute: Attribute) -> Input:
        """Read *attribute* from *argument*: the file itself, or the attribute of the device directory.

        A file the user named is read as :func:`~migcompat.cli.io.read_input`
        reads it (a link, a pipe, ``<(...)`` are fine); one found in a
        directory by :func:`read_attribute_in` (a regular file, never through
        a link). Records the file read as the role's path (the argument when
        the directory has no such attribute).
        """
        if not _is_directory(argument):
            return _read(role, argument, attribute)
        try:
            source = read_attribute_in(role, argument, attribute)
        except InputFailure as failure:
            self.paths[role] = failure.path
            raise
        self.paths[role] = source.path
        return source

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


def bounded_error(error: ParseError, source: Input) -> ParseError:
    """*error*, saying "more than" when the reader stopped before the end of the input.

    The parser only saw the first bytes of a longer input, so the size it
    reports for a ``too-long`` error is a lower bound.
    """
    if error.code != "too-long" or source.complete:
        return error
    return ParseError(
        error.code,
        f"the attribute is more than {len(source.data)} bytes (reading stopped there); "
        f"at most {MAX_ATTRIBUTE_BYTES} are allowed, including the final newline",
        line=error.line,
        column=error.column,
        length=error.length,
        text=error.text,
        hint=error.hint,
    )
