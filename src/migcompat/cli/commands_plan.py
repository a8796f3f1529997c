"""``migcompat plan``: which device created from a type would accept a source?"""

from __future__ import annotations

from typing import Final

import click

from ..model import CompatibleDevices, MigrationVersion
from ..plan import Plan, plan
from ..verdict import Answer, Verdict
from .attributes import (
    COMPATIBLE,
    VERSION,
    Loader,
    refuse_two_stdins,
    report_failures,
    status_of,
    unsupported_reasons,
)
from .exitcodes import EXIT_STATUS_HELP
from .options import checked_path, directory_problem, format_option
from .output import echo, echo_json

__all__ = ["plan_command"]

_HELP: Final = """Find the creation parameters of a device type whose device would accept a source.

SOURCE is the source's migration_version, as for 'migcompat check'; TYPE is
an mdev type directory (/sys/class/mdev_bus/PARENT/mdev_supported_types/TYPE).
Prints, for each creation parameter, the values under which a device of the
type accepts the source, and one recommended choice (or, when none works, the
nearest device explained). Exit status: 0 some choice accepts the source, 1
none does, 3 unknown or an input that cannot be read or is not valid.

\b
Examples:
  migcompat plan /sys/bus/mdev/devices/$SRC \\
      /sys/class/mdev_bus/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_8
  migcompat plan --format json src_version --type-version tmpl --type-rules rules

SOURCE is a file, - for standard input, or a device directory. TYPE holds the
type's migration_version -- a template whose param lines list the
creation-time parameters -- and the migration_compatible_devices its devices
would have. --type-version and --type-rules give (or override) those two
files, so TYPE may be left out when both are given.

Decides each creation parameter on its own, never the product of their
values: for each parameter, the values under which a device accepts the
source (a parameter no rule reads through $ takes any value), and one
recommended choice: the configuration identical to the source when one
accepts it (spec rows 8.5-CH1/CH2), else the first accepting one in the
order of spec clause 8.6 (the choice 'migcompat check' reports against the
type). When the values of
two parameters work only in certain pairings (two rules, each accepting a
different pairing), the plan lists those combinations. When no choice works,
it explains the nearest device. For example, a GVT-g type whose rules say
share=$ takes a source with share=1/2 only when created with aggregate=4.

With --format json the output is one JSON object: the plan as the JSON
Schema plan.schema.json describes it (in migcompat/_data/ where migcompat is
installed, in spec/schema/ of its source; the documentation's JSON Schemas
page shows it; {"answer", "choice", "verdict", "parameters", "combinations",
"independent"}) plus the "source", "type_version" and "type_rules" files
read. An input that cannot be read or is not a valid attribute counts as
missing (spec row 8.5-VD2): the plan is unknown, its verdict has one
missing-attribute reason per missing attribute, and the input's error is
listed in "input_errors" (the error under "error") and written on standard
error.
"""

_EPILOG: Final = (
    EXIT_STATUS_HELP + "\n\nFor plan: 0 some parameter choice accepts the source, 1 none does,"
    " 3 unknown (the data cannot decide) or an input that cannot be read or is not valid."
)


@click.command(
    "plan", help=_HELP, epilog=_EPILOG, short_help="Find creation parameters whose device would accept a source."
)
@click.argument("source", metavar="SOURCE", type=checked_path(dash=True))
@click.argument("type_dir", metavar="[TYPE]", required=False, default=None, type=checked_path())  # kind checked below
@click.option(
    "--type-version",
    metavar="FILE",
    type=checked_path(dash=True),
    default=None,
    help="The type's template migration_version (with param lines). Default: the one in the TYPE directory.",
)
@click.option(
    "--type-rules",
    metavar="FILE",
    type=checked_path(dash=True),
    default=None,
    help="The type's migration_compatible_devices. Default: the one in the TYPE directory.",
)
@format_option("text: the plan for people; json: one JSON object (plan.schema.json).")
@click.pass_context
def plan_command(
    ctx: click.Context,
    source: str,
    type_dir: str | None,
    type_version: str | None,
    type_rules: str | None,
    output_format: str,
) -> None:
    if type_dir is None and (type_version is None or type_rules is None):
        raise click.UsageError("give an mdev type directory TYPE, or both --type-version and --type-rules")
    json_output = output_format == "json"
    version_argument = type_version if type_version is not None else type_dir
    rules_argument = type_rules if type_rules is not None else type_dir
    assert version_argument is not None and rules_argument is not None
    refuse_two_stdins([("SOURCE", source), ("--type-version", type_version), ("--type-rules", type_rules)])
    loader = Loader()
    source_model = loader.version("source", source)
    wrong = None if type_dir is None else directory_problem(type_dir)
    template: MigrationVersion | None = None
    rules: CompatibleDevices | None = None
    # A TYPE that is not a directory is an input that cannot be read (status 3), never read as an attribute file.
    if type_version is None and wrong is not None:
        loader.unreadable("type_version", version_argument, VERSION, wrong)
    else:
        template = loader.version("type_version", version_argument)
    if type_rules is None and wrong is not None:
        loader.unreadable("type_rules", rules_argument, COMPATIBLE, wrong)
    else:
        rules = loader.compatible("type_rules", rules_argument)
    unsupported = [failure for failure in loader.failures if failure.unsupported]
    if unsupported:  # 8.5-VD1 comes first: no device is known to accept
        verdict = Verdict(Answer.UNKNOWN, reasons=unsupported_reasons(unsupported))
        result = Plan(Answer.UNKNOWN, {}, verdict, ())
    else:
        # An input that cannot be read or is not valid is None here: row 8.5-VD2's unknown plan.
        result = plan(source_model, template, rules)
        if template is not None and not template.params and not json_output:
            echo(
                "migcompat: note: the type's migration_version has no param lines: there is no creation parameter to"
                " choose (for an existing device, 'migcompat check SOURCE DEVICE' gives the verdict)",
                err=True,
            )
    report_failures(loader.broken, json_output=json_output)
    if json_output:
        errors = {"input_errors": [failure.to_json() for failure in loader.broken]} if loader.broken else {}
        echo_json({**loader.paths, **result.to_json(), **errors})
    else:
        echo(result.explain())
    ctx.exit(status_of(result.answer))
