"""Options that several commands share, declared once, and the check of a path that must be a directory."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from ..display import file_kind

__all__ = ["directory_problem", "format_option"]

_F = TypeVar("_F", bound=Callable[..., Any])


def format_option(help: str, choices: Sequence[str] = ("text", "json")) -> Callable[[_F], _F]:
    """``--format/-f`` with the given *choices* (default: the first), passed as ``output_format``."""
    return click.option(
        "--format",
        "-f",
        "output_format",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help=help,
    )


def checked_path(*, dash: bool = False, path_type: type | None = None) -> click.Path:
    """The parameter type of a path the command opens and checks itself (to read it, or to write into it).

    Click only names the path. Its default checks would make an existing file
    that cannot be read a usage error (exit status 2, no error code, nothing
    in ``--format json``); it is an input that cannot be read (exit status 3,
    ``input-unreadable`` or the command's own code), found when the command
    opens it. *dash* lets ``-`` stand for standard input; *path_type* is
    click's (``Path`` for :class:`pathlib.Path` values).
    """
    return click.Path(allow_dash=dash, readable=False, path_type=path_type)


def directory_problem(path: str | os.PathLike[str]) -> str | None:
    """Why *path*, given where a command takes a directory, is not one; None when it is a directory.

    ``not a directory (a regular file)``, ``not a directory (a FIFO)``..., or
    the system's reason it cannot be looked at (``No such file or
    directory``). Links are followed: the path is the user's own. Nothing is
    opened. A command checks this itself rather than through
    ``click.Path(file_okay=False)``, so that a path of the wrong kind is an
    input that cannot be read (exit status 3, with the command's error code
    for it), not a usage error.
    """
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return exc.strerror or str(exc)
    except ValueError as exc:  # an embedded NUL
        return str(exc)
    if stat.S_ISDIR(mode):
        return None
    return f"not a directory ({'a regular file' if stat.S_ISREG(mode) else file_kind(mode)})"
