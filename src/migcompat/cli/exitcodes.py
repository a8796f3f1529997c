"""The exit statuses of every ``migcompat`` command, in one table.

Every command answers a question (is this string valid? is this source
compatible with that target? do these checks pass?), so every command uses the
same four statuses. ``docs/cli-exit-codes.rst`` documents this table and a test
holds the page to it; ``migcompat --help`` prints it from here.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from typing import Final

__all__ = ["EXIT_STATUS_HELP", "MEANINGS", "ExitCode", "combine"]


class ExitCode(enum.IntEnum):
    """A process exit status."""

    SUCCESS = 0
    """A positive answer: valid, compatible, all checks pass."""
    NEGATIVE = 1
    """A negative answer: invalid string, incompatible, failed checks."""
    USAGE = 2
    """A usage error: an unknown option, a bad option value (Click's own status)."""
    UNDECIDED = 3
    """No answer: the input could not be read, or the question could not be decided."""
    INTERRUPTED = 130
    """Interrupted (Ctrl-C): 128 + SIGINT, as a shell reports it."""


MEANINGS: Final[Mapping[ExitCode, str]] = {
    ExitCode.SUCCESS: "success: valid, compatible, all checks pass",
    ExitCode.NEGATIVE: "a negative answer: invalid string, incompatible, a failed check",
    ExitCode.USAGE: "usage error: an unknown option or a bad option value",
    ExitCode.UNDECIDED: "no answer: an input could not be read, or the answer could not be decided",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
}
"""What each status means, for ``--help`` and the documentation."""

_PRECEDENCE: Final = (ExitCode.SUCCESS, ExitCode.NEGATIVE, ExitCode.UNDECIDED, ExitCode.USAGE, ExitCode.INTERRUPTED)


def combine(codes: Iterable[ExitCode]) -> ExitCode:
    """The status of a run that answered several inputs.

    The most serious status wins: an input that could not be read or decided
    (3) outranks a negative answer (1), which outranks success (0), so a script
    never mistakes an incomplete run for an answer. No inputs means success.
    """
    return max(codes, key=_PRECEDENCE.index, default=ExitCode.SUCCESS)


def _help_text() -> str:
    rows = "\n".join(f"  {int(code):<3}  {meaning}" for code, meaning in MEANINGS.items())
    # \b keeps Click from rewrapping the table.
    return (
        "\b\nExit status (the same for every command):\n"
        + rows
        + "\n\nWith several inputs the most serious status wins: 3, then 1, then 0."
    )


EXIT_STATUS_HELP: Final = _help_text()
"""The exit-status table as a Click help epilog."""
