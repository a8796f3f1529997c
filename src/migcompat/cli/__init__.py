"""The ``migcompat`` command line.

Only this package imports Click; ``import migcompat`` does not load it. The
console script ``migcompat`` runs :data:`main`. Modules:

* :mod:`.exitcodes` -- the exit-status table every command shares;
* :mod:`.io` -- bounded reading of files, sysfs attributes and standard input;
* :mod:`.jsoninput` -- strict JSON decoding with positioned errors;
* :mod:`.output` -- colour, error rendering, JSON lines;
* :mod:`.attributes` -- finding, reading and parsing the comparator commands' inputs;
* :mod:`.commands_parse`, :mod:`.commands_emit`, :mod:`.commands_check`,
  :mod:`.commands_relate`, :mod:`.commands_plan` -- one command each.
"""

from __future__ import annotations

import os
from typing import Any, Final

import click

from .. import __version__
from ..limits import FORMAT_VERSION, SPEC_VERSION
from .commands_capture import capture_command
from .commands_cases import cases_command
from .commands_check import check_command
from .commands_conformance import conformance_command
from .commands_emit import emit_command
from .commands_parse import parse_command
from .commands_plan import plan_command
from .commands_relate import relate_command
from .exitcodes import EXIT_STATUS_HELP, ExitCode
from .output import echo_error

__all__ = ["ExitCode", "main"]

_HELP: Final = """Parse, check and write migcompat attributes.

migcompat is the reference implementation of the migcompat specification: the
structured migration_version and migration_compatible_devices sysfs attributes
that say which VFIO devices a device's live-migration stream can go to. Each
command reads files, sysfs attributes or standard input (-) and answers with
its exit status; 'migcompat COMMAND --help' describes a command.

\b
Examples:
  migcompat conformance                 # the driver conformance suite on this host's /sys
  migcompat conformance --sample gvt-g  # ... or on a bundled sample host
  migcompat parse /sys/bus/mdev/devices/$UUID/migration_version
  migcompat parse --format json attr.txt > model.json
  migcompat emit model.json
  migcompat check --explain src/migration_version /sys/bus/mdev/devices/$UUID
  migcompat relate --require equal,superset old_rules new_rules
  migcompat plan src/migration_version .../mdev_supported_types/i915-GVTg_V5_8
"""


class _Group(click.Group):
    """A group whose commands never end in a traceback.

    An unexpected exception is a bug in migcompat: it is reported in one line
    (set ``MIGCOMPAT_DEBUG=1`` for the traceback) with status 3, because the
    question was not answered. Ctrl-C ends with status 130, not Click's 1,
    which would read as a negative answer.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo(err=True)
            ctx.exit(ExitCode.INTERRUPTED)
        except BrokenPipeError:
            raise  # Click silences a closed pipe (``migcompat parse ... | head``)
        except Exception as exc:
            if os.environ.get("MIGCOMPAT_DEBUG"):
                raise
            echo_error(f"internal error: {type(exc).__name__}: {exc} (this is a bug in migcompat; please report it)")
            ctx.exit(ExitCode.UNDECIDED)


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
    message=f"migcompat %(version)s (migcompat specification {SPEC_VERSION}, format header mc{FORMAT_VERSION})",
)
def main() -> None:
    pass


main.add_command(parse_command)
main.add_command(emit_command)
main.add_command(check_command)
main.add_command(relate_command)
main.add_command(plan_command)
main.add_command(capture_command)
main.add_command(conformance_command)
main.add_command(cases_command)
