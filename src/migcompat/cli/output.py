"""Writing results and errors: colour only for a terminal, and never when NO_COLOR is set.

Messages about a failure go to standard error and start with ``migcompat:``;
results go to standard output. Text is styled unconditionally here and
:func:`echo` strips the styles unless the stream is a terminal and the
``NO_COLOR`` environment variable (https://no-color.org) is unset or empty
(:func:`color_enabled`: ``TERM=dumb`` has none, ``FORCE_COLOR`` asks for it).
A standard output closed before the command started fails the first write to
it, as a full disk does (:func:`adopt_closed_streams`).

Output files (``capture -o FILE``, ``export ... -o DIR``, ``cases run --json
FILE``...) are written by :func:`write_output` and :func:`write_in_directory`:
whole or not at all, without following a link planted at a name the command
picks, and without waiting on a FIFO that no process reads.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import stat
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final, Literal, NoReturn, TextIO, overload

import click

from .._files import was_read
from ..display import first_few
from ..errors import DataModelError, MigcompatError, ParseError
from ..jsonmodel import without_surrogates

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = [
    "OutputError",
    "adopt_closed_streams",
    "check_writable",
    "color_enabled",
    "echo",
    "echo_error",
    "echo_json",
    "exit_with",
    "open_output_directory",
    "open_output_subdirectory",
    "prepare_directory",
    "render_model_error",
    "render_parse_error",
    "write_in_directory",
    "write_output",
    "write_output_or_exit",
]

PROGRAM = "migcompat"


class _ClosedOutput(io.RawIOBase):
    """The bytes under a standard output that was closed when the process started: every write fails."""

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer) -> int:
        if not memoryview(data).nbytes:
            return 0  # Click probes a stream with empty writes to tell bytes from text
        raise OSError(errno.EBADF, "standard output is closed")


class _ClosedError(io.RawIOBase):
    """The bytes under a standard error that was closed when the process started: every write is dropped."""

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer) -> int:
        return memoryview(data).nbytes


class _Undeliverable(io.RawIOBase):
    """Standard error, whose messages are dropped when they cannot be written (a full disk, an I/O error).

    A message is not the answer: a ``2>>log`` on a full file system must not
    turn a written capture or a negative answer into status 3, just as a closed
    standard error does not. A closed pipe (EPIPE) still ends the command.
    """

    _DROPPED: Final = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})

    def __init__(self, fd: int) -> None:
        self._fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, data: ReadableBuffer) -> int:
        try:
            return os.write(self._fd, data)
        except OSError as exc:
            if exc.errno in self._DROPPED:
                return memoryview(data).nbytes
            raise


def adopt_closed_streams() -> None:
    """Give a standard output or error that was closed (``>&-``, ``2>&-``) a stream that says so.

    Started with file descriptor 1 or 2 closed, Python sets ``sys.stdout`` or
    ``sys.stderr`` to None. ``click.echo`` then drops what it is given, so a
    command would answer nobody and exit 0; and Click writes its usage errors
    to standard output when standard error is None. So:

    * ``sys.stdout`` becomes a stream whose every write raises
      ``OSError(EBADF, "standard output is closed")``, which the command group
      reports as it reports ``> /dev/full`` ("cannot write the output:
      standard output is closed", status 3); a command that writes nothing to
      standard output (``capture -o FILE``) is not affected;
    * ``sys.stderr`` becomes a stream that drops what is written to it: the
      messages have no reader, and the exit status still says what happened.

    No file descriptor is opened. Streams that are open are left as they are.
    """
    if sys.stdout is None:
        sys.stdout = io.TextIOWrapper(_ClosedOutput(), encoding="utf-8", write_through=True)
    if sys.stderr is None:
        sys.stderr = io.TextIOWrapper(_ClosedError(), encoding="utf-8", errors="replace", write_through=True)
    sys.stdout = _whole_writes(sys.stdout)
    sys.stderr = _dropping_undeliverable(sys.stderr)


def _dropping_undeliverable(stream: TextIO) -> TextIO:
    """*stream* (standard error) over :class:`_Undeliverable`, when it writes to a file descriptor."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # a test's capture, or the closed stream above
        return stream
    if not isinstance(stream, io.TextIOWrapper) or isinstance(getattr(stream, "buffer", None), _ClosedError):
        return stream
    return _buffered_like(stream, _Undeliverable(fd))


def _whole_writes(stream: TextIO) -> TextIO:
    """*stream* (standard output), made to write all it is given or raise.

    Two things let a large write end short without an error, so that a
    command would exit 0 having written part of its answer, or miss a closed
    pipe: a descriptor left non-blocking by another program that shares it
    (a terminal, a pipe), which makes a write stop at what fits; and
    unbuffered mode (``PYTHONUNBUFFERED``, ``-u``), whose text stream writes
    straight to the descriptor and ignores a short write. So the descriptor
    is made blocking, as every program that writes to it expects, and an
    unbuffered stream gets a buffer, which writes all or raises, flushed at
    every line as unbuffered output is expected to be.
    """
    try:
        fd = stream.fileno()
        if not os.get_blocking(fd):
            os.set_blocking(fd, True)
    except (AttributeError, OSError, ValueError):  # not a file (a test's capture): nothing to do
        return stream
    raw = getattr(stream, "buffer", None)
    if not isinstance(raw, io.RawIOBase) or not isinstance(stream, io.TextIOWrapper):
        return stream
    return _buffered_like(stream, raw)


def _buffered_like(stream: io.TextIOWrapper, raw: io.RawIOBase) -> TextIO:
    """A text stream over *raw* with *stream*'s encoding, buffered (each write whole), flushed at every line."""
    return io.TextIOWrapper(io.BufferedWriter(raw), encoding=stream.encoding, errors=stream.errors, line_buffering=True)


def color_enabled(err: bool = False) -> bool:
    """True when styles should reach standard error (*err*) or standard output: a terminal that shows them.

    Not with ``NO_COLOR`` set, nor on a ``TERM=dumb`` terminal (an editor's
    shell, a serial console), which shows escape codes as text. ``FORCE_COLOR``
    (set, and not ``0``) styles output that is not a terminal, for a CI log
    that renders escape codes; ``NO_COLOR`` still wins.
    """
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    stream = sys.stderr if err else sys.stdout
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):
        return False


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """Write *text* to standard output, or standard error when *err*."""
    click.echo(text, err=err, nl=nl, color=color_enabled(err))


def echo_error(message: str, code: str | None = None) -> None:
    """Write ``migcompat: error[CODE]: MESSAGE`` to standard error (``error:`` alone without a *code*).

    *code* is a stable error code (:data:`~migcompat.errors.ERROR_CODES`,
    :data:`~migcompat.errors.LIBRARY_ERROR_CODES`) for programs that read
    standard error; every failure of an input or an output has one.
    """
    word = "error" if code is None else f"error[{code}]"
    echo(f"{PROGRAM}: {_error_word(word)}: {message}", err=True)
    ctx = click.get_current_context(silent=True)
    if ctx is not None and code is not None:
        ctx.meta.setdefault(ERRORS_SAID, []).append((code, message))


ERRORS_SAID: Final = "migcompat.errors_said"
"""The key of the click context's ``meta`` (shared by a command's contexts) under which :func:`echo_error` lists the
``(code, message)`` of every error it wrote with a code, in order: a command whose JSON output must carry the error
that ended it reads the first."""


def echo_json(document: object) -> None:
    """Write *document* as one line of JSON (ASCII only, so any terminal shows it).

    A string that holds bytes which are not UTF-8 (a file name, kept by
    Python as lone surrogates) is written with those bytes as ``\\xNN``
    escapes: a lone surrogate is not valid JSON text for strict parsers.
    """
    text = json.dumps(document, ensure_ascii=True, separators=(",", ":"))
    if "\\ud" in text:  # rare: only then look for lone surrogates
        text = json.dumps(without_surrogates(document), ensure_ascii=True, separators=(",", ":"))
    echo(text)


def render_parse_error(error: ParseError, name: str) -> str:
    """*error* with its location in input *name* and a caret under the span.

    A long line (an over-long attribute is one line of 4096 bytes) is shown
    as a window around the caret, so the report fits a terminal.
    """
    lines = error.render(name).split("\n")
    head = f"error[{error.code}]"
    lines[0] = f"{PROGRAM}: {_error_word(head)}{lines[0][len(head) :]}"
    margin = len(str(error.line)) + 3  # "12 | "
    text, carets = _window(lines[-2][margin:], lines[-1][margin:], error.column - 1)
    lines[-2] = lines[-2][:margin] + text
    lines[-1] = lines[-1][:margin] + click.style(carets, fg="red", bold=True)
    return "\n".join(lines)


_WINDOW: Final = 72
_ELLIPSIS: Final = "..."


def _window(text: str, carets: str, start: int) -> tuple[str, str]:
    """At most about :data:`_WINDOW` columns of *text* and *carets* around column *start* (0-based)."""
    if len(text) <= _WINDOW:
        return text, carets
    width = max(len(text), len(carets.rstrip()))  # a caret may stand after the last character (too-long)
    first = min(max(0, start - _WINDOW // 2), width - _WINDOW)
    last = first + _WINDOW
    left = _ELLIPSIS if first > 0 else ""
    right = _ELLIPSIS if last < len(text) else ""
    return left + text[first:last] + right, " " * len(left) + carets[first:last].rstrip()


def render_model_error(error: DataModelError, name: str) -> str:
    """*error* with the input *name* and the JSON Pointer of the offending member."""
    where = f"at {error.path}" if error.path else "at the top level"
    return f"{PROGRAM}: {_error_word(f'error[{error.code}]')}: {error.message}\n --> {name}, {where}"


def _error_word(word: str) -> str:
    return click.style(word, fg="red", bold=True)


# ---- output files ----------------------------------------------------------------------


class OutputError(MigcompatError):
    """An output file or directory that cannot be written, or that is not safe to write into.

    *code* is ``output-unwritable`` (a write that failed, a FIFO that no
    process reads, a directory where a file is to go, a directory that
    cannot be created), ``output-unsafe`` (an output directory that other
    users can write to, or that another user owns) or ``output-is-input`` (a
    file the command read, which the output would replace). *message* says what
    and why, with the path escaped for a terminal; *where* is the path.
    """


def write_output(path: str | os.PathLike[str], data: str | bytes, *, encoding: str = "utf-8") -> None:
    """Write *data* (text is encoded with *encoding* first) to the file *path* that the user named.

    * A new name or a regular file: *data* goes into a new file created
      beside it (``O_EXCL``, :func:`tempfile.mkstemp`), which then replaces
      the name (:func:`os.replace`). Until the write is complete the old
      file stays whole; a write that fails or is interrupted leaves it as it
      was, and no temporary file. The new file is the process's, with the
      old one's permission bits but write permission for others
      (:func:`_new_mode`), and its group when the old file was the process's
      own; a new name gets ``0644`` under the umask.
    * A FIFO, a socket, a device (``/dev/stdout``, ``/dev/null``, a pipe as
      ``/dev/fd/N``) or a symbolic link: opened where it is, without
      blocking, so a FIFO that no process reads is an error at once instead
      of a wait for ever. A link is followed, since the user named it (a
      regular file it leads to is truncated and written in place, a
      dangling link creates its target, as ``open(path, "w")`` does) -- but
      only one that the user or the owner of its directory made, in a
      directory nobody else can write to, as the kernel's
      ``protected_symlinks`` has it for sticky directories (:func:`_trusted_link`):
      another user's link in a shared directory may lead anywhere, and is
      ``output-unsafe``. Names the command picks itself go through
      :func:`write_in_directory`.
    * A directory: an error.

    ``-`` is a file name here: standard output is the caller's business.
    Raises :class:`OutputError`: ``output-is-input`` for a file the command
    has read (:func:`_refuse_an_input`), before anything is written, and
    ``output-unwritable`` for every failure.
    """
    name = os.fspath(path)
    payload = _encoded(name, data, encoding)
    found = _not_a_directory(name, name)  # None: a new name, or a dangling link
    linked = os.path.islink(name)
    if linked:
        _trusted_link(name)
    if (found is not None and not stat.S_ISREG(found.st_mode)) or linked:
        _write_in_place(name, payload, found)
    else:
        _write_replacing(name, payload, found)


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise :class:`OutputError` (``output-unwritable``) when :func:`write_output` to *path* would surely fail.

    A command that writes or pushes something else first checks its other
    outputs with this, so that its exit status 3 ("nothing written") holds
    for the mistakes a user makes: *path* is a directory, its directory does
    not exist or is not one, or the process may not create a file there. A
    FIFO, a device or a symbolic link is opened where it is, and only the
    write itself can tell; so can a full disk. A file the command has read
    (an input the output would replace) raises ``output-is-input``: call
    this once the inputs are read.
    """
    name = os.fspath(path)
    found = _not_a_directory(name, name)
    if os.path.islink(name):
        _trusted_link(name)
        return
    if found is not None and not stat.S_ISREG(found.st_mode):
        return
    parent = os.path.dirname(name) or "."
    try:
        if not stat.S_ISDIR(os.stat(parent).st_mode):
            raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))
        if not os.access(parent, os.W_OK | os.X_OK):
            raise OSError(errno.EACCES, os.strerror(errno.EACCES))
    except (OSError, ValueError) as exc:
        raise _cannot_write(name, exc) from None


def write_in_directory(
    directory: str | os.PathLike[str],
    name: str,
    data: str | bytes,
    *,
    encoding: str = "utf-8",
    dir_fd: int | None = None,
    update: bool = False,
) -> None:
    """Write *data* to the file *name*, which the command picked, in *directory*: whole, and never through a link.

    *data* goes into a new file created in *directory* (``O_EXCL``,
    ``O_NOFOLLOW``), which then replaces *name* (:func:`os.replace`): a
    symbolic link found there, dangling or not, is replaced by the file and
    what it leads to is left alone; a regular file stays whole until the
    write is complete, and the new one gets its permission bits (else those
    of a new file under the umask). With *dir_fd*, the descriptor of the
    directory (:func:`open_output_directory`, :func:`open_output_subdirectory`),
    every name is looked up in it and *directory* only names it in
    messages: a directory on the way replaced by a link since it was opened
    changes nothing. Else check *directory* with :func:`prepare_directory`
    first, so that nobody else can plant names in it. A file the command
    has read is refused (``output-is-input``) unless *update* says that the
    command read it to write its new version (``cases extract``). Raises
    :class:`OutputError` (``output-unwritable``) for every failure.
    """
    path = os.path.join(os.fspath(directory), name)
    payload = _encoded(path, data, encoding)
    try:
        found = os.stat(name if dir_fd is not None else path, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        found = None
    except (OSError, ValueError) as exc:
        raise _cannot_write(path, exc) from None
    if found is not None and not update:
        _refuse_an_input(path, found)
    _write_replacing(path, payload, found if found is not None and stat.S_ISREG(found.st_mode) else None, dir_fd=dir_fd)


def write_all_in_directory(directory: str | os.PathLike[str], files: Sequence[tuple[str, bytes]]) -> None:
    """Write each (name, content) of *files* in *directory* as :func:`write_in_directory` does, all or none.

    Every content goes into a new file first; only once all are written
    whole does each replace its name (a rename in one directory, which does
    not fail for want of space). A failure before that -- a full disk, a
    name that is a directory -- leaves every old file as it was and no new
    one: a set of files read together (a scheduler's objects and the mapping
    that describes them) is never half old, half new. Check *directory* with
    :func:`prepare_directory` first. Raises :class:`OutputError`
    (``output-unwritable``), saying that nothing was written; in the rare case
    that a rename fails (an I/O error, a file system remounted read-only),
    the error names the files already replaced and those left as they were.
    """
    place = os.fspath(directory)
    staged: list[tuple[str, str]] = []
    try:
        parent = os.open(place, _DIRECTORY_FLAGS)
    except (OSError, ValueError) as exc:
        raise _cannot_write_into(place, exc) from None
    try:
        try:
            for name, payload in files:
                path = os.path.join(place, name)
                found = _not_a_directory(name, path, dir_fd=parent)
                old = found if found is not None and stat.S_ISREG(found.st_mode) else None
                try:
                    staged.append((_stage(parent, name, payload, old), name))
                except OSError as exc:
                    raise _cannot_write(path, exc) from None
        except OutputError as error:
            raise OutputError(error.code, f"{error.message}; nothing was written", where=error.where) from None
        replaced: list[str] = []
        try:
            for temporary, name in staged:
                os.replace(temporary, name, src_dir_fd=parent, dst_dir_fd=parent)
                replaced.append(name)
        except OSError as exc:  # a rename failed: those before it are done
            raise _partly_written(place, exc, replaced, [name for _, name in staged[len(replaced) :]]) from None
        staged.clear()
    finally:
        for temporary, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=parent)
        os.close(parent)


def _not_a_directory(name: str, path: str, *, dir_fd: int | None = None) -> os.stat_result | None:
    """The status of the output *name* (following a final link unless in the directory open as *dir_fd*), None
    when there is none; :class:`OutputError` naming *path* when it cannot be looked at or is a directory."""
    try:
        found = os.stat(name, dir_fd=dir_fd, follow_symlinks=dir_fd is None)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        raise _cannot_write(path, exc) from None
    if stat.S_ISDIR(found.st_mode):
        raise OutputError("output-unwritable", f"cannot write {_shown(path)}: it is a directory", where=path)
    _refuse_an_input(path, found)
    return found


def _refuse_an_input(path: str, found: os.stat_result) -> None:
    """Raise ``output-is-input`` when the file *path* (of status *found*) is one this command has read.

    Writing would replace an input with the output (``matrix --html cap.json
    cap.json``, a ``--mapping`` that names a capture), and the input would be
    lost. The file is known by its identity (:func:`migcompat._files.was_read`),
    so a link to it, or a name it is reached by inside a directory read, is the
    same file.
    """
    if was_read(found):
        raise OutputError(
            "output-is-input",
            f"cannot write {_shown(path)}: it is one of this command's inputs, which the output would replace:"
            " name another output",
            where=path,
        )


def _stage(parent: int, name: str, payload: bytes, old: os.stat_result | None) -> str:
    """A new file holding *payload* in the directory open as *parent*, to replace *name*: its name."""
    fd, temporary = _new_file(parent, name)
    try:
        with open(fd, "wb") as stream:
            os.fchmod(fd, _new_mode(old))
            stream.write(payload)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=parent)
        raise
    return temporary


def prepare_directory(path: str | os.PathLike[str]) -> os.stat_result:
    """Make sure that *path* is a directory that not everybody can write to, creating it if needed; its status.

    The names the command picks in it are written by replacing them
    (:func:`write_in_directory`), never by following a link planted there, so
    a directory that the user's group or another user can write (a checkout
    under ``sudo``) is fine. One that every user can write, without the
    sticky bit that keeps each user's files their own (as ``/tmp`` has), is
    refused: anybody could replace the files between this write and the
    scheduler's read. A directory created here (with its missing parents) is
    not writable by group or others, whatever the umask. Raises
    :class:`OutputError`: ``output-unwritable`` when it cannot be created or
    is not a directory, ``output-unsafe`` when every user can write to it.
    """
    name = os.fspath(path)
    try:
        _make_directories(name)
        found = os.stat(name)
    except FileExistsError:
        kind = "a file, not a directory" if os.path.isfile(name) else "not a directory"
        raise OutputError("output-unwritable", f"cannot write into {_shown(name)}: it is {kind}", where=name) from None
    except (OSError, ValueError) as exc:
        raise OutputError("output-unwritable", f"cannot create {_shown(name)}: {_reason(exc)}", where=name) from None
    if not stat.S_ISDIR(found.st_mode):  # replaced since makedirs looked
        raise OutputError("output-unwritable", f"cannot write into {_shown(name)}: it is not a directory", where=name)
    _refuse_shared(name, found)
    return found


def open_output_directory(path: str | os.PathLike[str]) -> int:
    """:func:`prepare_directory` *path*, then open it: its descriptor (the caller closes it).

    The path is the user's own: links in it, or the whole of it, are
    followed, as :func:`prepare_directory` follows them. What was opened is
    checked again through its descriptor (a directory, not one every user
    can write to). Write into it with :func:`write_in_directory` given
    ``dir_fd``, and reach the directories below it with
    :func:`open_output_subdirectory`. Raises :class:`OutputError` as
    :func:`prepare_directory` does.
    """
    name = os.fspath(path)
    prepare_directory(name)
    try:
        descriptor = os.open(name, _DIRECTORY_FLAGS)
    except (OSError, ValueError) as exc:
        raise _cannot_write_into(name, exc) from None
    return _unshared(name, descriptor)


@overload
def open_output_subdirectory(parent: int, name: str, path: str, *, create: Literal[True] = True) -> int: ...


@overload
def open_output_subdirectory(parent: int, name: str, path: str, *, create: bool) -> int | None: ...


def open_output_subdirectory(parent: int, name: str, path: str, *, create: bool = True) -> int | None:
    """The directory *name* in the output directory open as *parent*, never through a link: its descriptor.

    For a directory the command picks inside the one the user named (``cases
    copy DIR`` writes ``DIR/schema/``). With *create*, a missing one is made
    (mode 0755 under the umask) and opened; without it, None is returned
    for a missing one. It is opened relative to *parent* with
    ``O_NOFOLLOW | O_DIRECTORY``: a symbolic link found there (which
    whoever else can write to *parent* may have put there, to lead the
    files elsewhere) or anything that is not a directory is refused, and
    nothing is written through it. *path* (*parent*'s path joined with
    *name*) names it in messages. The caller closes the descriptor. Raises
    :class:`OutputError`: ``output-unwritable`` for a link, another kind of
    file or a failure, ``output-unsafe`` for a directory every user can
    write to (as :func:`prepare_directory`).
    """
    from .io import entry_kind

    try:
        if create:
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o755, dir_fd=parent)
        descriptor = os.open(name, _DIRECTORY_FLAGS | os.O_NOFOLLOW, dir_fd=parent)
    except FileNotFoundError as exc:
        if create:  # removed since it was made
            raise _cannot_write_into(path, exc) from None
        return None
    except OSError as exc:
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
            raise _cannot_write_into(path, exc) from None
        try:
            linked = stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode)
        except OSError:
            linked = False
        if linked:
            raise OutputError(
                "output-unwritable",
                f"cannot write into {_shown(path)}: it is a symbolic link, which migcompat does not follow (whoever"
                f" can write to {_shown(os.path.dirname(path) or os.curdir)} can put one there to lead the files"
                " elsewhere): remove it, or give another directory",
                where=path,
            ) from None
        raise OutputError(
            "output-unwritable",
            f"cannot write into {_shown(path)}: it is {entry_kind(parent, name)}, not a directory",
            where=path,
        ) from None
    return _unshared(path, descriptor)


def _unshared(name: str, descriptor: int) -> int:
    """*descriptor*, of the directory *name*, once ``fstat`` says it is not one every user can write to
    (:func:`_refuse_shared`); closed when it is."""
    try:
        _refuse_shared(name, os.fstat(descriptor))
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def _refuse_shared(name: str, found: os.stat_result) -> None:
    """Raise ``output-unsafe`` when the directory *name* (of status *found*) can be written by every user
    and has no sticky bit."""
    if found.st_mode & stat.S_IWOTH and not found.st_mode & stat.S_ISVTX:
        raise OutputError(
            "output-unsafe",
            f"{_shown(name)} can be written by every user (mode {stat.S_IMODE(found.st_mode):04o}, without the"
            " sticky bit), who could replace the files migcompat writes there: make it not writable by others"
            " (chmod o-w) or give another directory",
            where=name,
        )


def write_output_or_exit(
    ctx: click.Context, path: str | os.PathLike[str], data: str | bytes, *, encoding: str = "utf-8", after: str = ""
) -> None:
    """:func:`write_output`; a failure is reported (``migcompat: error[CODE]: ...``) and ends the command with status 3.

    *after* is added to the message: what was done before the write failed.
    """
    try:
        write_output(path, data, encoding=encoding)
    except OutputError as exc:
        exit_with(ctx, exc, after=after)


def exit_with(ctx: click.Context, error: OutputError, *, after: str = "") -> NoReturn:
    """Report *error* (``migcompat: error[CODE]: MESSAGE`` and *after*) and end the command with status 3."""
    from .exitcodes import ExitCode

    echo_error(error.message + after, error.code)
    ctx.exit(ExitCode.UNDECIDED)


def _encoded(path: str, data: str | bytes, encoding: str) -> bytes:
    if isinstance(data, bytes):
        return data
    try:
        return data.encode(encoding)
    except UnicodeEncodeError as exc:
        raise OutputError("output-unwritable", f"cannot write {_shown(path)}: {exc}", where=path) from None


def _write_in_place(path: str, payload: bytes, found: os.stat_result | None) -> None:
    """Open *path* without blocking (a FIFO that no process reads fails at once, ENXIO) and write *payload* to it."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOCTTY | os.O_CLOEXEC | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags, 0o666)
    except OSError as exc:
        if exc.errno == errno.ENXIO and found is not None and not stat.S_ISREG(found.st_mode):
            from ..display import file_kind

            what = "a FIFO that no process reads" if stat.S_ISFIFO(found.st_mode) else file_kind(found.st_mode)
            raise OutputError("output-unwritable", f"cannot write {_shown(path)}: it is {what}", where=path) from None
        raise _cannot_write(path, exc) from None
    try:
        with open(fd, "wb") as stream:
            os.set_blocking(fd, True)
            stream.write(payload)
    except OSError as exc:
        raise _cannot_write(path, exc) from None


def _write_replacing(path: str, payload: bytes, old: os.stat_result | None, *, dir_fd: int | None = None) -> None:
    """Write *payload* into a new file beside *path*, then put it in *path*'s place.

    *old* is the status of the regular file at *path*, whose permission bits
    the new file gets (:func:`_new_mode`), and its group when it was the
    process's own file. Both names are in the directory open as *dir_fd*
    when given (*path* then only names the file in messages), else in
    *path*'s directory, opened once here: the new file is made and renamed
    in that one directory.
    """
    directory, base = os.path.split(path)
    place = directory or os.curdir
    try:
        parent = os.open(place, _DIRECTORY_FLAGS) if dir_fd is None else dir_fd
        try:
            fd, temporary = _new_file(parent, base)
        except BaseException:
            if dir_fd is None:
                os.close(parent)
            raise
    except (OSError, ValueError) as exc:
        raise OutputError(
            "output-unwritable",
            f"cannot write {_shown(path)}: {_reason(exc)} (creating a new file in {_shown(place)},"
            " to replace it whole)",
            where=path,
        ) from None
    try:
        with open(fd, "wb") as stream:
            if old is not None and old.st_uid == os.geteuid() and old.st_gid != os.getegid():
                with contextlib.suppress(OSError):  # the process's own file, in a group of its own choosing
                    os.fchown(fd, -1, old.st_gid)
            os.fchmod(fd, _new_mode(old))
            stream.write(payload)
        os.replace(temporary, base, src_dir_fd=parent, dst_dir_fd=parent)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary, dir_fd=parent)
        if isinstance(exc, OSError):
            raise _cannot_write(path, exc) from None
        raise
    finally:
        if dir_fd is None:
            os.close(parent)


_DIRECTORY_FLAGS: Final = getattr(os, "O_PATH", os.O_RDONLY) | os.O_DIRECTORY | os.O_CLOEXEC
"""How an output directory is opened to make, rename and look up names in it: ``O_PATH`` where there is one,
so that a directory the user may write to but not list (mode ``-wx``) takes the files as it did before."""
_TEMPORARY_FLAGS: Final = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_NOCTTY | os.O_CLOEXEC
"""How the new file of :func:`_write_replacing` is made: a new name, never through a link, not inherited."""


def _new_file(parent: int, base: str) -> tuple[int, str]:
    """A new file (mode 0600) in the directory open as *parent*, named ``.BASE.XXXXXXXX.tmp``: its descriptor and name.

    As :func:`tempfile.mkstemp` makes one, in a directory given by its descriptor.
    """
    import secrets

    for _ in range(100):
        name = f".{base[:64]}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(name, _TEMPORARY_FLAGS, 0o600, dir_fd=parent), name
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary file name")


def _new_mode(old: os.stat_result | None) -> int:
    """The permission bits of a file written in *old*'s place: *old*'s without write permission for others (a file
    another user planted, mode 0666, would otherwise make the output writable by all), else 0644 under the umask.
    Never setuid, setgid or sticky."""
    if old is None:
        return 0o644 & ~_umask()
    return stat.S_IMODE(old.st_mode) & 0o775


def _trusted_link(name: str) -> None:
    """Raise :class:`OutputError` (``output-unsafe``) unless the symbolic link *name* may be followed to write.

    Followed: a link of the process's own user, or one whose directory only
    its owner can write to and that this owner (or root) made -- the kernel's
    ``protected_symlinks`` rule, also where the directory is not sticky. A
    link another user made in a directory others can write to (a group's
    report directory, ``/tmp``) could lead to any file the process may write.
    """
    try:
        link = os.lstat(name)
        directory = os.stat(os.path.dirname(name) or os.curdir)
    except (OSError, ValueError) as exc:
        raise _cannot_write(name, exc) from None
    if link.st_uid == os.geteuid():
        return
    shared = bool(directory.st_mode & (stat.S_IWGRP | stat.S_IWOTH))
    if not shared and link.st_uid in (directory.st_uid, 0):
        return
    from ..display import escape

    try:
        target = os.readlink(name)
    except OSError:
        target = "?"
    where = "a directory others can write to" if shared else f"a directory of user {directory.st_uid}"
    raise OutputError(
        "output-unsafe",
        f"cannot write {_shown(name)}: it is a symbolic link to {escape(target)} that user {link.st_uid} made in"
        f" {where}, which may lead to any file this process may write: remove the link, or name the file it"
        " should lead to",
        where=name,
    )


def _make_directories(name: str) -> None:
    """Create *name* and its missing parents, each ``0755`` under the umask (:func:`os.makedirs` gives the parents
    ``0777`` under it: with a umask of 0, writable by all, so that anybody could replace what follows)."""
    missing: list[str] = []
    current = os.path.abspath(name)
    while not os.path.lexists(current):
        missing.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for directory in reversed(missing):  # mkdir's mode under the umask: 0755 at most, whatever the umask
        with contextlib.suppress(FileExistsError):  # made since it was looked at: prepare_directory checks it
            os.mkdir(directory, 0o755)
    if not missing and not os.path.isdir(name):
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), name)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _cannot_write(path: str, exc: OSError | ValueError) -> OutputError:
    return OutputError("output-unwritable", f"cannot write {_shown(path)}: {_reason(exc)}", where=path)


def _cannot_write_into(path: str, exc: OSError | ValueError) -> OutputError:
    return OutputError("output-unwritable", f"cannot write into {_shown(path)}: {_reason(exc)}", where=path)


def _partly_written(path: str, exc: OSError, replaced: Sequence[str], left: Sequence[str]) -> OutputError:
    """The error of a set of files of which *replaced* were written and *left* were not, when a rename failed."""
    done = first_few([_shown(name) for name in replaced], 5) if replaced else "none"
    return OutputError(
        "output-unwritable",
        f"cannot write into {_shown(path)}: {_reason(exc)}; the files are now half old, half new: replaced {done};"
        f" left as they were: {first_few([_shown(name) for name in left], 5)}; write them again",
        where=path,
    )


def _reason(exc: OSError | ValueError) -> str:
    """Why an output could not be written: the system's message, else the exception's text (an embedded NUL...)."""
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)


def _shown(path: str) -> str:
    """*path* as messages show it (:func:`~migcompat.cli.io.display_name`), so a hostile name cannot drive the
    terminal; ``-`` is itself here (an output path, where it means standard output)."""
    from .io import display_name

    return display_name(path) if path != "-" else path
