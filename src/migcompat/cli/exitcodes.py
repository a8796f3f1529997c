"""The exit statuses of every ``migcompat`` command, in one table.

Every command answers a question (is this string valid? is this source
compatible with that target? do these checks pass?), so every command uses the
same four statuses, and two more that say the command was cut short.
``docs/cli-exit-codes.rst`` documents this table and a test holds the page to
it; ``migcompat --help`` prints it from here.

How the statuses that are not answers are chosen:

* Nothing to check (``migcompat capture`` or ``migcompat conformance`` found
  no device with a migration attribute) is 3, not 1: no question was
  answered, and 1 would tell a script that a check failed.
* A write error on the output (``> /dev/full``: no space left, an I/O error)
  is 3 with a one-line message: the answer did not reach its reader.
* Output closed early (``migcompat ... | head -1``: the reader exited) ends
  the command at once and quietly with 141, 128 + SIGPIPE: the status a shell
  reports for ``cat`` or ``yes`` ended by SIGPIPE in the same place, so
  ``set -o pipefail`` treats migcompat like any other filter. Not 0, which
  would claim an answer that was never written in full, and not 1, which would
  read as a negative answer ("checks failed").
* An optional package a command needs is missing (``cases check`` without
  ``jsonschema``) is 3, with what to install: the question was not decided.
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
    CLOSED_OUTPUT = 141
    """The output was closed before all of it was written (``| head``): 128 + SIGPIPE, as a shell reports it."""


MEANINGS: Final[Mapping[ExitCode, str]] = {
    ExitCode.SUCCESS: "success: valid, compatible, all checks pass",
    ExitCode.NEGATIVE: "a negative answer: invalid string, incompatible, a failed check",
    ExitCode.USAGE: "usage error: an unknown option or a bad option value",
    ExitCode.UNDECIDED: "no answer: an input was unreadable, or the answer could not be decided",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C)",
    ExitCode.CLOSED_OUTPUT: "output closed early (a reader such as head exited): 128 + SIGPIPE",
}
"""What each status means, for ``--help`` and the documentation."""

_PRECEDENCE: Final = (
    ExitCode.SUCCESS,
    ExitCode.NEGATIVE,
    ExitCode.UNDECIDED,
    ExitCode.USAGE,
    ExitCode.CLOSED_OUTPUT,
    ExitCode.INTERRUPTED,
)


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
        + "\n\nWith several inputs the most serious status wins: 3, then 1, then 0. Nothing to check,"
        "\na missing optional package and an output that cannot be written are 3."
    )


EXIT_STATUS_HELP: Final = _help_text()
"""The exit-status table as a Click help epilog."""
