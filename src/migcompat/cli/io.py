"""Reading the inputs of a command: bounded, and with errors people can read.

An input is a path or ``-`` for standard input. A path names a regular file
(a sysfs attribute is one), a pipe (``<(ssh host cat ...)``) or a character
device; anything else is refused unread. It is opened without blocking, so a
FIFO without a writer cannot hang a command: it reads as empty. Every read
stops at a limit, so a runaway input (``/dev/zero``) is never slurped into
memory. Every way reading can fail becomes a :class:`CannotRead` carrying a
one-line reason.
"""

from __future__ import annotations

import os
import stat
import sys
from dataclasses import dataclass
from typing import BinaryIO, Final

from ..display import file_kind
from ..limits import READ_BYTES

__all__ = [
    "ATTRIBUTE_READ_LIMIT",
    "JSON_READ_LIMIT",
    "STDIN",
    "CannotRead",
    "Input",
    "display_name",
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
    """An input could not be read; *reason* says why, in a few words."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"cannot read {name}: {reason}")
        self.name = name
        self.reason = reason


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

    Raises :class:`CannotRead` for every failure: a missing file, a permission
    error, a directory, a path that is neither a regular file, a pipe nor a
    character device (refused unread), a closed standard input, an I/O error.
    """
    name = display_name(path)
    try:
        if path == STDIN:
            data, complete = _read_bounded(_stdin(name), limit)
        else:
            with open(path, "rb", buffering=0, opener=_open_without_blocking) as stream:
                mode = os.fstat(stream.fileno()).st_mode
                if not (stat.S_ISREG(mode) or stat.S_ISFIFO(mode) or stat.S_ISCHR(mode)):
                    raise CannotRead(name, f"not a regular file ({file_kind(mode)})")
                # Opened without blocking, a pipe whose writer is connected reads as usual once blocking again;
                # one without a writer reads as empty at once.
                os.set_blocking(stream.fileno(), True)
                data, complete = _read_bounded(stream, limit)
    except CannotRead:
        raise
    except OSError as exc:
        raise CannotRead(name, _reason(exc)) from None
    except ValueError as exc:  # e.g. an embedded NUL in the path, or a closed stream
        raise CannotRead(name, str(exc) or type(exc).__name__) from None
    return Input(path=path, name=name, data=data, complete=complete)


def _open_without_blocking(path: str, flags: int) -> int:
    """Open *path* with O_NONBLOCK, as the sysfs reader does: a FIFO without a writer cannot hang the open."""
    return os.open(path, flags | getattr(os, "O_NONBLOCK", 0))


def _stdin(name: str) -> BinaryIO:
    stream = sys.stdin
    if stream is None:  # the process was started with standard input closed
        raise CannotRead(name, "standard input is closed")
    binary: BinaryIO | None = getattr(stream, "buffer", None)
    if binary is None:
        raise CannotRead(name, "standard input is not a byte stream")
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
