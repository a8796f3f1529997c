"""Opening a file to read it: never blocking, never a terminal, and a regular file only.

Every reader of a file whose name comes from outside -- a capture, a case
file, a mapping file, a command's input, a sysfs attribute -- opens it with
:func:`open_regular` (or reads it whole with :func:`read_regular`), so that
whatever the name turns out to be, reading it is bounded:

* the name is looked at first (``stat``, or ``lstat`` when a final link is
  not to be followed): a FIFO, a socket, a device or a directory is refused
  without being opened at all, since opening a device node can act on it;
* it is then opened with ``O_NONBLOCK`` (a FIFO put there since cannot make
  the open wait for a writer), ``O_NOCTTY`` (a terminal never becomes the
  process's controlling terminal) and ``O_CLOEXEC`` (no program the process
  starts inherits it);
* ``fstat`` of that very descriptor decides what is read: a name replaced
  since it was looked at is refused all the same. A pipe's descriptor is
  made blocking again for the read (its writer may be slow); a regular
  file's stays non-blocking, so that a file that only looks regular -- a
  ``/proc`` or tracing file that waits for events, such as ``/proc/kmsg``
  linked into a directory of captures -- fails the read with ``EAGAIN``
  rather than waiting for ever.

Within :func:`noting_reads` (a command of the CLI runs in one), the identity
of each regular file opened is noted, so that an output can be refused when
it would replace one of the command's inputs (:func:`was_read`).

A pipe is accepted only where the caller asks for it (``pipes=True``: the
path a user typed for a command's input, ``<(ssh host cat ...)``); a regular
file everywhere. What is refused raises :class:`NotARegularFile`, an
:class:`OSError` whose text is ``not a regular file (a FIFO)``, so that a
reader that reports ``OSError.strerror`` says why without a case of its own.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Iterator
from typing import Final, TypeVar

from .display import file_kind

__all__ = [
    "READ_FLAGS",
    "FileTooLarge",
    "NotARegularFile",
    "note_read",
    "noting_reads",
    "open_regular",
    "read_regular",
    "was_read",
    "what_file",
]

READ_FLAGS: Final = (
    os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
)
"""How a file is opened to be read: without blocking (a FIFO), never as the controlling terminal, not inherited."""
_NOFOLLOW: Final = getattr(os, "O_NOFOLLOW", 0)
_CHUNK: Final = 1 << 20
_T = TypeVar("_T")


_read: set[tuple[int, int]] | None = None
"""The (device, inode) of each regular file opened within :func:`noting_reads`; None outside it."""


@contextlib.contextmanager
def noting_reads() -> Iterator[None]:
    """Within this, the identity of each regular file :func:`open_regular` opens is noted (:func:`was_read`).

    The CLI runs each command within it; a library caller pays nothing. The
    notes are the whole process's (worker threads read inputs too), and
    those of an enclosing call come back when it ends.
    """
    global _read
    enclosing, _read = _read, set()
    try:
        yield
    finally:
        _read = enclosing


def note_read(info: os.stat_result) -> None:
    """Note the file of status *info* (from ``fstat`` of a descriptor read) as read, if it is a regular file."""
    noted = _read
    if noted is not None and stat.S_ISREG(info.st_mode):
        noted.add((info.st_dev, info.st_ino))


def was_read(info: os.stat_result) -> bool:
    """Whether the file of status *info* is a regular file read within the current :func:`noting_reads`."""
    noted = _read
    return noted is not None and stat.S_ISREG(info.st_mode) and (info.st_dev, info.st_ino) in noted


def what_file(mode: int) -> str:
    """What a file of ``st_mode`` *mode* (from ``lstat`` or ``fstat``) is, for a message: ``a symbolic link``,
    ``a FIFO``, ``a character device``... (:func:`migcompat.display.file_kind`, links included)."""
    return "a symbolic link" if stat.S_ISLNK(mode) else file_kind(mode)


class NotARegularFile(OSError):
    """A path that is not a regular file (nor a pipe, where one is accepted): refused, and nothing read from it.

    *mode* is its ``st_mode``; ``strerror`` (and ``str()``) says what it
    is: ``not a regular file (a character device)``. Its errno is None.
    """

    def __init__(self, mode: int, filename: str | None = None) -> None:
        super().__init__(None, f"not a regular file ({what_file(mode)})", filename)
        self.mode = mode

    def __str__(self) -> str:
        return str(self.strerror)


class FileTooLarge(OSError):
    """A regular file larger than the limit it was read with (:func:`read_regular`): refused, or its read stopped.

    *size* is its size as ``fstat`` gave it, before a byte was read, or None
    when it grew past *limit* while it was read; *limit* is the limit.
    Its errno is ``EFBIG``.
    """

    def __init__(self, size: int | None, limit: int) -> None:
        reason = f"more than the {limit} bytes read" if size is None else f"{size} bytes, more than the {limit} read"
        super().__init__(errno.EFBIG, reason)
        self.size = size
        self.limit = limit


def open_regular(
    path: str | os.PathLike[str], *, follow: bool = True, dir_fd: int | None = None, pipes: bool = False
) -> tuple[int, os.stat_result]:
    """Open the regular file *path* to read it: its descriptor (the caller closes it) and ``fstat``.

    *path* is looked up relative to the directory open as *dir_fd* when
    given. A final symbolic link is followed only with *follow* (a link the
    user typed is theirs; one found inside a directory is not); without it
    a link raises :class:`NotARegularFile` and its target is never opened.
    With *pipes*, a FIFO is accepted too: opened without blocking, it reads
    as empty at once when it has no writer. Anything else -- a socket, a
    character or block device (``/dev/zero``, ``/dev/tty``), a directory --
    raises :class:`NotARegularFile`, found before it is opened. A pipe's
    descriptor is blocking (``O_NONBLOCK`` is cleared once ``fstat`` has
    said what it is); a regular file's is not, so that a read of a file
    that only looks regular and waits for events raises ``EAGAIN``.

    Raises :class:`OSError` for every failure (the system's, or
    :class:`NotARegularFile`), and :class:`ValueError` for a path with a NUL
    byte.
    """

    def refused(mode: int) -> bool:
        return not (stat.S_ISREG(mode) or (pipes and stat.S_ISFIFO(mode)))

    name = os.fspath(path)
    try:
        mode = os.stat(name, dir_fd=dir_fd, follow_symlinks=follow).st_mode
    except FileNotFoundError:
        raise _dangling(name, dir_fd) from None
    if refused(mode):
        raise NotARegularFile(mode, name)
    try:
        descriptor = os.open(name, READ_FLAGS if follow else READ_FLAGS | _NOFOLLOW, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno == errno.ELOOP and not follow:  # replaced by a link since it was looked at
            raise NotARegularFile(stat.S_IFLNK, name) from None
        raise
    try:
        info = os.fstat(descriptor)
        if refused(info.st_mode):
            raise NotARegularFile(info.st_mode, name)
        if stat.S_ISFIFO(info.st_mode):
            os.set_blocking(descriptor, True)
        note_read(info)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor, info


def _dangling(name: str, dir_fd: int | None) -> FileNotFoundError:
    """The error for *name*, which is not there: when it is a symbolic link whose target is not, it says so
    (``a symbolic link to ../../x, which does not exist``), as a tree copied without its links' targets has."""
    try:
        target = os.readlink(name, dir_fd=dir_fd)
    except (OSError, ValueError):
        return FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), name)
    return FileNotFoundError(errno.ENOENT, f"a symbolic link to {target}, which does not exist", name)


def _nonblocking(read: Callable[..., _T], *arguments: object) -> _T:
    """*read* called with *arguments*; a read that would wait raises an :class:`OSError` that says why."""
    try:
        return read(*arguments)
    except BlockingIOError:
        raise OSError(
            errno.EAGAIN, "a file that waits for data to be written to it (it only looks like a regular file)"
        ) from None


def read_regular(path: str | os.PathLike[str], limit: int) -> bytearray:
    """The whole content of the regular file *path* (opened by :func:`open_regular`), at most *limit* bytes.

    A file that ``fstat`` says is larger than *limit* raises
    :class:`FileTooLarge` before a byte is read; one that grows past it
    while it is read raises it once ``limit + 1`` bytes are in. The content
    is read into one buffer of the file's size (and one byte more, which
    tells a file that grew), so that reading costs little more memory than
    the file. Raises :class:`OSError` (:class:`NotARegularFile`,
    :class:`FileTooLarge`, the system's) and :class:`ValueError` as
    :func:`open_regular` does.
    """
    descriptor, info = open_regular(path)
    try:
        if info.st_size > limit:
            raise FileTooLarge(info.st_size, limit)
        buffer = bytearray(info.st_size + 1)
        size = 0
        with memoryview(buffer) as view:
            while size < len(buffer):
                count = _nonblocking(os.readv, descriptor, [view[size:]])
                if count == 0:
                    break
                size += count
        while size == len(buffer) and size <= limit:  # the file grew since fstat
            chunk = _nonblocking(os.read, descriptor, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            buffer += chunk
            size += len(chunk)
        if size > limit:
            raise FileTooLarge(None, limit)
        del buffer[size:]
        return buffer
    finally:
        os.close(descriptor)
