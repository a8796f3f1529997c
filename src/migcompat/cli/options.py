"""Options that several commands share, declared once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

__all__ = ["format_option"]

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
