"""Reading the inputs of a command: bounded, and with errors people can read.

An input is a path or ``-`` for standard input. A path names a regular file
(a sysfs attribute is one) or a pipe (``<(ssh host cat ...)``); anything
else (a character device such as ``/dev/zero`` or ``/dev/tty``, a socket) is
refused unopened (:mod:`migcompat._files`). It is opened without blocking
and never as a controlling terminal, so a FIFO without a writer cannot hang a
command: a pipe that gives nothing is an input that cannot be read, not an
empty attribute. Every read
stops at a limit, so a runaway input (``/dev/zero``) is never slurped into
memory. Every way reading can fail becomes a :class:`CannotRead` carrying a
one-line reason.

A file the command finds *inside* a directory the user named (a device
directory's ``migration_version``, its ``vfio-dev/vfioN``) is another
matter: the user never typed its name, so whoever can write to that
directory must not be able to point it elsewhere. :func:`open_directory`,
:func:`open_subdirectory` and :func:`read_entry` read such files relative to
the directory's descriptor, never through a symbolic link, and a regular file
only (as the sysfs reader does); a link, a FIFO or a device there is refused
unread and its target never opened.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from dataclasses import dataclass
from typing import BinaryIO, Final

from .._files import note_read, open_regular, what_file
from ..limits import READ_BYTES

__all__ = [
    "ATTRIBUTE_READ_LIMIT",
    "JSON_READ_LIMIT",
    "STDIN",
    "CannotRead",
    "Input",
    "display_name",
    "entry_exists",
    "entry_kind",
    "error_document",
    "open_directory",
    "open_subdirectory",
    "read_entry",
    "read_error",
    "read_input",
    "stdin_is_terminal",
]

STDIN: Final = "-"
"""The argument that names standard input."""

ATTRIBUTE_READ_LIMIT: Final = READ_BYTES
"""Read at most this much of an attribute: one byte more than the longest valid one,
so that the parser, not the reader, reports an over-long attribute (``too-long``).
(:func:`read_input` then reads one byte more to tell whether the input goes on.)"""

JSON_READ_LIMIT: Final = 1 << 20
"""Read at most this much of a JSON document (1 MiB): far more than any data model
whose attribute fits in 4095 bytes needs."""

_CHUNK: Final = 1 << 16


class CannotRead(Exception):
    """An input could not be read; *reason* says why, in a few words.

    *name* is how messages show the input; *path* is the path itself (the
    same as *name* unless given), for the callers that report it in JSON.
    """

    def __init__(self, name: str, reason: str, *, path: str | None = None) -> None:
        super().__init__(f"cannot read {name}: {reason}")
        self.name = name
        self.reason = reason
        self.path = name if path is None else path


def read_error(reason: str) -> dict[str, str]:
    """The JSON error object of an input that could not be read, *reason* saying why.

    Every command writes it under ``"error"`` beside the input's ``"path"``,
    as it writes a parse error's (which adds ``"line"`` and ``"column"``), so
    a script finds every failed input's code at ``.error.code``
    (``$defs/read_error`` of verdict.schema.json).
    """
    return {"code": "input-unreadable", "message": reason}


def error_document(code: str, message: str, where: str | None = None) -> dict[str, dict[str, str]]:
    """The whole JSON output of a command that has no answer: ``{"error": {"code", "message", "where"}}``.

    The shape of command-error.schema.json; *where* (the input, as shown) is left out when None.
    """
    error = {"code": code, "message": message}
    if where is not None:
        error["where"] = where
    return {"error": error}


@dataclass(frozen=True)
class Input:
    """What was read from one input.

    *path* is the argument as given (``-`` for standard input); *name* is how
    messages show it. *complete* is False when the input is longer than the
    limit it was read with, and *data* holds only its first ``limit`` bytes.
    """

    path: str
    name: str
    data: bytes
    complete: bool


def display_name(path: str) -> str:
    """How messages name the input *path*: ``<stdin>`` for ``-``, else the path.

    Bytes that are not valid UTF-8 in a file name (Python keeps them as lone
    surrogates) and control characters are shown as escapes, so a hostile name
    can neither break the terminal nor make the output unencodable.
    """
    if path == STDIN:
        return "<stdin>"
    text = path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def stdin_is_terminal() -> bool:
    """True when standard input is an interactive terminal."""
    stream = sys.stdin
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):
        return False


def read_input(path: str, limit: int) -> Input:
    """Read at most *limit* bytes of the input *path* (``-`` = standard input).

    A path is opened by :func:`migcompat._files.open_regular`: a regular
    file or a pipe (``<(ssh host cat ...)``) is read; anything else -- a
    character device (``/dev/zero``, ``/dev/tty``), a socket, a directory --
    is refused unopened. Raises :class:`CannotRead` for every failure: a
    missing file, a permission error, a refused kind of file, a pipe that
    gives nothing, a closed standard input, an I/O error.
    """
    name = display_name(path)
    try:
        if path == STDIN:
            data, complete = _read_bounded(_stdin(name), limit)
        else:
            descriptor, info = open_regular(path, pipes=True)
            with open(descriptor, "rb", buffering=0) as stream:
                # Opened without blocking, then blocking again: a pipe whose writer is connected reads as usual;
                # one without a writer reads as empty at once: no input, rather than an empty attribute.
                data, complete = _read_bounded(stream, limit)
                if not data and stat.S_ISFIFO(info.st_mode):
                    raise CannotRead(name, "the pipe gave nothing to read (no writer yet, or one that wrote nothing)")
    except CannotRead:
        raise
    except OSError as exc:
        raise CannotRead(name, _reason(exc)) from None
    except ValueError as exc:  # e.g. an embedded NUL in the path, or a closed stream
        raise CannotRead(name, str(exc) or type(exc).__name__) from None
    return Input(path=path, name=name, data=data, complete=complete)


_CLOEXEC: Final = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY: Final = getattr(os, "O_DIRECTORY", 0)


def open_directory(path: str) -> int:
    """Open the directory *path* that the user named, and return its descriptor (the caller closes it).

    The path is the user's own: links in it, or the whole of it, are followed
    (``/sys/bus/pci/devices/ADDRESS`` is one). Raises :class:`CannotRead` when
    it cannot be opened as a directory.
    """
    try:
        return os.open(path, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    except OSError as exc:
        raise CannotRead(display_name(path), _reason(exc), path=path) from None
    except ValueError as exc:  # an embedded NUL
        raise CannotRead(display_name(path), str(exc) or type(exc).__name__, path=path) from None


def open_subdirectory(parent: int, name: str, path: str) -> int:
    """Open the directory *name* in the directory open as *parent*, never through a symbolic link.

    *path* is where it is (``parent``'s path joined with *name*), for
    messages. Returns the new descriptor (the caller closes it). Raises
    :class:`CannotRead` for an entry that is missing, a link (``not a
    directory (a symbolic link)``), not a directory, or cannot be opened.
    """
    try:
        return os.open(name, os.O_RDONLY | _NOFOLLOW | _DIRECTORY | _CLOEXEC, dir_fd=parent)
    except OSError as exc:
        reason = _reason(exc)
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            reason = f"not a directory ({entry_kind(parent, name)})"
        raise CannotRead(display_name(path), reason, path=path) from None


def entry_exists(parent: int, name: str) -> bool:
    """Whether the directory open as *parent* has an entry *name* (of any kind; a link is not followed).

    An entry that cannot be looked at (a directory without search
    permission) counts as present: reading it then says why it cannot be read.
    """
    try:
        os.stat(name, dir_fd=parent, follow_symlinks=False)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return True


def read_entry(parent: int, name: str, path: str, limit: int) -> Input:
    """Read at most *limit* bytes of the regular file *name* in the directory open as *parent*.

    For an attribute the command found inside a directory, not one the user
    named: *name* is opened relative to *parent* by
    :func:`migcompat._files.open_regular` without following a link, and
    read only when ``fstat`` of that very descriptor says it is a regular
    file. A symbolic link (wherever it points), a FIFO, a socket, a device
    or a directory raises :class:`CannotRead` (``not a regular file (a
    symbolic link)``) and nothing is read from it; a link's target is never
    opened, nor is an entry that ``lstat`` already shows is not a regular
    file (a device node with side effects on open). *path* (*parent*'s path
    joined with *name*) is the :attr:`Input.path` and names the file in
    messages.
    """
    shown = display_name(path)
    try:
        descriptor, _ = open_regular(name, dir_fd=parent, follow=False)
        with open(descriptor, "rb", buffering=0) as stream:
            data, complete = _read_bounded(stream, limit)
    except OSError as exc:
        raise CannotRead(shown, _reason(exc), path=path) from None
    return Input(path=path, name=shown, data=data, complete=complete)


def entry_kind(parent: int, name: str) -> str:
    """What the entry *name* of *parent* is, for a message (``a symbolic link``, ``a regular file``...)."""
    try:
        mode = os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode
    except OSError as exc:
        return _reason(exc)
    return "a regular file" if stat.S_ISREG(mode) else what_file(mode)


def _stdin(name: str) -> BinaryIO:
    stream = sys.stdin
    if stream is None:  # the process was started with standard input closed
        raise CannotRead(name, "standard input is closed")
    binary: BinaryIO | None = getattr(stream, "buffer", None)
    if binary is None:
        raise CannotRead(name, "standard input is not a byte stream")
    with contextlib.suppress(OSError, ValueError):  # no descriptor (a test's stream): nothing to note
        note_read(os.fstat(binary.fileno()))  # `< FILE`: FILE is an input, not to be replaced by an output
    return binary


def _read_bounded(stream: BinaryIO, limit: int) -> tuple[bytes, bool]:
    """Read from *stream* until end of file or *limit* bytes, whichever comes first.

    Returns the bytes and whether end of file was reached within the limit. A
    short read (a pipe, a terminal) is not mistaken for end of file.
    """
    parts: list[bytes] = []
    size = 0
    while size < limit:
        chunk = stream.read(min(_CHUNK, limit - size))
        if not chunk:
            return b"".join(parts), True
        parts.append(chunk)
        size += len(chunk)
    # The limit is reached: the input is complete only if nothing follows.
    return b"".join(parts), not stream.read(1)


def _reason(exc: OSError) -> str:
    """A short reason for *exc*: the system's message, without the repeated path."""
    if exc.strerror:
        return exc.strerror
    if exc.errno:
        return os.strerror(exc.errno)
    return str(exc) or type(exc).__name__
