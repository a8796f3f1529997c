"""The ``migcompat`` command line.

Only this package imports Click; ``import migcompat`` does not load it. The
console script ``migcompat`` runs :data:`main`. Modules:

* :mod:`.exitcodes` -- the exit-status table every command shares;
* :mod:`.io` -- bounded reading of files, sysfs attributes and standard input;
* :mod:`.jsoninput` -- strict JSON decoding with positioned errors;
* :mod:`.output` -- colour, error rendering, JSON lines;
* :mod:`.attributes` -- finding, reading and parsing the comparator commands' inputs;
* ``commands_NAME`` -- one command (or command group) each, imported only when
  it runs or its help is shown (:data:`COMMANDS`): ``migcompat check`` does not
  pay for the fleet exports, the cases runner or the conformance suite.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final, NoReturn, TypeVar

import click

from .. import __version__
from .._files import noting_reads
from ..limits import FORMAT_VERSION, SPEC_VERSION, SUITE_VERSION
from .exitcodes import EXIT_STATUS_HELP, ExitCode
from .groups import SuggestingGroup
from .output import adopt_closed_streams, echo_error
from .signals import terminations_unwind

__all__ = ["COMMANDS", "ExitCode", "main"]

COMMANDS: Final[Mapping[str, str]] = {
    "capture": "commands_capture:capture_command",
    "cases": "commands_cases:cases_command",
    "check": "commands_check:check_command",
    "conformance": "commands_conformance:conformance_command",
    "diff": "commands_diff:diff_command",
    "emit": "commands_emit:emit_command",
    "export": "commands_export:export_command",
    "lint": "commands_lint:lint_command",
    "match": "commands_match:match_command",
    "matrix": "commands_matrix:matrix_command",
    "parse": "commands_parse:parse_command",
    "plan": "commands_plan:plan_command",
    "relate": "commands_relate:relate_command",
}
"""Each command's name and where it is defined (``module:attribute`` in this package), loaded on first use."""

_HELP: Final = """Parse, check and write migcompat attributes.

migcompat is the reference implementation of the migcompat specification: the
structured migration_version and migration_compatible_devices sysfs attributes
that say which VFIO devices a device's live-migration stream can go to. Each
command reads files, sysfs attributes or standard input (-) and answers with
its exit status: 0 yes, 1 no, 2 a usage error, 3 no answer (the table below);
'migcompat COMMAND --help' describes a command.

\b
Examples:
  migcompat conformance                 # the driver conformance suite on this host's /sys
  migcompat conformance --sample gvt-g  # ... or on a bundled sample host
  migcompat parse /sys/bus/mdev/devices/$UUID/vfio-dev/vfio*/migration_version
  migcompat parse --format json attr.txt > model.json
  migcompat emit model.json
  migcompat check --explain src/migration_version /sys/bus/mdev/devices/$UUID/vfio-dev/vfio*
  migcompat relate --old old_rules --new new_rules --require no-breaking
  migcompat plan src/migration_version .../mdev_supported_types/i915-GVTg_V5_8
  migcompat capture -o host.json        # on each host of a fleet, then:
  migcompat match /sys/bus/mdev/devices/$UUID captures/
  migcompat diff old-captures/ new-captures/
  migcompat export kubernetes captures/ -o labels/
"""


_T = TypeVar("_T")

_WRITE_ERRORS: Final = frozenset(
    code
    for code in (getattr(errno, name, None) for name in ("ENOSPC", "EDQUOT", "EFBIG", "EIO", "EROFS", "ENXIO", "EBADF"))
    if code is not None
)
"""The errors of writing to a stream (a full disk, a quota, a broken terminal) that reach the group."""


def _is_closed_output(exc: BaseException) -> bool:
    """Whether *exc* says the reader of the output went away (EPIPE: ``| head`` has exited)."""
    return isinstance(exc, BrokenPipeError) or (isinstance(exc, OSError) and exc.errno == errno.EPIPE)


def _is_write_error(exc: BaseException) -> bool:
    """Whether *exc* is a failed write to an output stream.

    Every command reads its inputs through :mod:`.io` or its loaders, which
    turn an ``OSError`` into a message of their own, and names the file in it;
    an ``OSError`` that reaches the group without a file name is a write to
    standard output or standard error that failed.
    """
    return isinstance(exc, OSError) and exc.filename is None and exc.errno in _WRITE_ERRORS


def _silence_output() -> None:
    """Point standard output and error at /dev/null, so that flushing them at exit cannot fail again."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):
            fd = stream.fileno()
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, fd)
            os.close(null)


def _flush_output() -> None:
    """Flush standard output, so a write error surfaces here rather than at interpreter exit."""
    if sys.stdout is not None:
        sys.stdout.flush()


def _output_failed(exc: OSError) -> NoReturn:
    """End the command after the write error *exc* on the output: quietly for a closed pipe."""
    if _is_closed_output(exc):
        _silence_output()
        raise click.exceptions.Exit(ExitCode.CLOSED_OUTPUT)
    reason = exc.strerror or os.strerror(exc.errno or 0)
    with contextlib.suppress(OSError, ValueError):
        echo_error(f"cannot write the output: {reason}", "output-unwritable")
    _silence_output()
    raise click.exceptions.Exit(ExitCode.UNDECIDED)


_KEEP: Final = "\u2011"
"""Stands for each ``-`` while help text is wrapped, so no line breaks inside ``--same-host`` or ``too-long``."""


class _Formatter(click.HelpFormatter):
    """Click's help formatter, except that lines never break at a hyphen.

    Option names, error codes and sysfs paths hold hyphens; a break there
    (``--same-`` / ``host``) shows a name that does not exist and breaks a
    copied command. The texts are wrapped with every ``-`` replaced by a
    character that is not a break point, then it is put back.
    """

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args.replace("-", _KEEP), prefix)

    def write_text(self, text: str) -> None:
        super().write_text(text.replace("-", _KEEP))

    def write_dl(self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        super().write_dl([(term, text.replace("-", _KEEP)) for term, text in rows], col_max, col_spacing)

    def getvalue(self) -> str:
        return super().getvalue().replace(_KEEP, "-")


class _Context(click.Context):
    formatter_class = _Formatter


def _adopt(command: click.Command) -> click.Command:
    """*command* (and, for a group, its commands) with its help formatted by :class:`_Formatter`."""
    command.context_class = _Context
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _adopt(sub)
    return command


class _Group(SuggestingGroup):
    """A group whose commands never end in a traceback.

    An unexpected exception is a bug in migcompat: it is reported in one line
    (set ``MIGCOMPAT_DEBUG=1`` for the traceback) with status 3, because the
    question was not answered. Ctrl-C ends with status 130, not Click's 1,
    which would read as a negative answer. Output closed by its reader
    (``migcompat ... | head``) ends every command, its help included, quietly
    with status 141; any other failure to write the output, a standard output
    closed before the command started (``>&-``) included, is reported as
    "cannot write the output: REASON" with status 3 (see :mod:`.exitcodes`).
    A standard error closed before it started takes the messages silently.
    Help never breaks a line at a hyphen (:class:`_Formatter`).

    Its commands are those added to it and those of :data:`COMMANDS`, whose
    module is imported when the command is first asked for; a mistyped one
    is answered with the names it may have meant (:class:`.groups.SuggestingGroup`).
    """

    context_class = _Context

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command *cmd_name*: one added to the group, else one of :data:`COMMANDS`, imported now."""
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in COMMANDS:
            module, attribute = COMMANDS[cmd_name].split(":")
            command = getattr(importlib.import_module(f".{module}", __name__), attribute)
        return None if command is None else _adopt(command)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        adopt_closed_streams()
        with noting_reads():  # so that no output replaces an input (output-is-input)
            return super().main(*args, **kwargs)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        # ``migcompat --help`` and ``--version`` write while the group's own context is made.
        return _guard_output(lambda: super(_Group, self).make_context(info_name, args, parent, **extra))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with terminations_unwind():
                return _guard_output(lambda: self._invoke(ctx))
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            with contextlib.suppress(OSError, ValueError):
                click.echo(err=True)
            ctx.exit(ExitCode.INTERRUPTED)
        except Exception as exc:
            if os.environ.get("MIGCOMPAT_DEBUG"):
                raise
            echo_error(f"internal error: {type(exc).__name__}: {exc} (this is a bug in migcompat; please report it)")
            ctx.exit(ExitCode.UNDECIDED)

    def _invoke(self, ctx: click.Context) -> Any:
        try:
            result = super().invoke(ctx)
        except click.exceptions.Exit:
            _flush_output()
            raise
        _flush_output()
        return result


def _guard_output(action: Callable[[], _T]) -> _T:
    """*action*, with a closed or failing output turned into the statuses of :mod:`.exitcodes`."""
    try:
        return action()
    except OSError as exc:
        if _is_closed_output(exc) or _is_write_error(exc):
            _output_failed(exc)
        raise


@click.group(
    "migcompat",
    cls=_Group,
    help=_HELP,
    epilog=EXIT_STATUS_HELP,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(
    __version__,
    "--version",
    "-V",
    message=(
        f"migcompat %(version)s (migcompat specification {SPEC_VERSION}, format header mc{FORMAT_VERSION},"
        f" conformance suite {SUITE_VERSION})"
    ),
)
def main() -> None:
    pass
