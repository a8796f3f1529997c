"""Writing results and errors: colour only for a terminal, and never when NO_COLOR is set.

Messages about a failure go to standard error and start with ``migcompat:``;
results go to standard output. Text is styled unconditionally here and
:func:`echo` strips the styles unless the stream is a terminal and the
``NO_COLOR`` environment variable (https://no-color.org) is unset or empty.
A standard output closed before the command started fails the first write to
it, as a full disk does (:func:`adopt_closed_streams`).
"""

from __future__ import annotations

import errno
import io
import json
import os
import sys
from typing import TYPE_CHECKING, Final

import click

from ..errors import DataModelError, ParseError

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

__all__ = [
    "adopt_closed_streams",
    "color_enabled",
    "echo",
    "echo_error",
    "echo_json",
    "render_model_error",
    "render_parse_error",
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


def color_enabled(err: bool = False) -> bool:
    """True when styles should reach standard error (*err*) or standard output."""
    if os.environ.get("NO_COLOR"):
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


def echo_json(document: object) -> None:
    """Write *document* as one line of JSON (ASCII only, so any terminal shows it).

    A string that holds bytes which are not UTF-8 (a file name, kept by
    Python as lone surrogates) is written with those bytes as ``\\xNN``
    escapes: a lone surrogate is not valid JSON text for strict parsers.
    """
    text = json.dumps(document, ensure_ascii=True, separators=(",", ":"))
    if "\\ud" in text:  # rare: only then look for lone surrogates
        text = json.dumps(_without_surrogates(document), ensure_ascii=True, separators=(",", ":"))
    echo(text)


def _without_surrogates(value: object) -> object:
    if isinstance(value, str):
        if any("\ud800" <= char <= "\udfff" for char in value):
            try:
                return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            except UnicodeEncodeError:  # a surrogate that stands for no byte
                return value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {_without_surrogates(key): _without_surrogates(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_without_surrogates(item) for item in value]
    return value


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
    first = min(max(0, start - _WINDOW // 2), len(text) - _WINDOW)
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
