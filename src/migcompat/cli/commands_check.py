"""``migcompat check``: does a target accept a source's migration stream?"""

from __future__ import annotations

from shlex import quote
from typing import Final

import click

from ..compare import check
from ..verdict import Answer, Verdict
from .attributes import (
    InputFailure,
    Loader,
    optional_version_in,
    refuse_two_stdins,
    report_failures,
    status_of,
    unsupported_reasons,
)
from .exitcodes import EXIT_STATUS_HELP, ExitCode
from .io import display_name
from .options import checked_path, format_option
from .output import echo, echo_json

__all__ = ["check_command"]

_HELP: Final = """Tell whether a target device accepts a source device's migration stream.

SOURCE is the source's migration_version, TARGET the target's
migration_compatible_devices (each a file, - for standard input, or a
directory holding it). Writes the verdict in one line: compatible (identical
or accepted, with the rule that matched), incompatible (with the nearest
rules), or unknown (the data cannot decide). Exit status: 0 compatible, 1
incompatible, 3 unknown or an input that cannot be read or is not valid.

\b
Examples:
  migcompat check /sys/bus/mdev/devices/$SRC/vfio-dev/vfio* /sys/bus/mdev/devices/$DST/vfio-dev/vfio*
  ssh src-host cat /sys/bus/mdev/devices/$SRC/vfio-dev/vfio*/migration_version \\
      | migcompat check --explain - /sys/bus/mdev/devices/$DST/vfio-dev/vfio*
  migcompat check --format json src_version dst_rules --target-self dst_version

A directory is a device's VFIO device directory,
/sys/bus/mdev/devices/UUID/vfio-dev/vfioN, or an mdev type's. The TARGET
directory's migration_version, when present, is the target's own
description, which the rules' $ references read and which tells an
IDENTICAL target from one that merely accepts the source. --target-self gives
(or overrides) that description.

A verdict is unknown when the data cannot decide, e.g. a $ whose value is not
known, or a format version this migcompat does not implement. --explain adds
every failing constraint of the nearest rules with its reason code. The
answer is directional: that B accepts A says nothing about A accepting B. A
compatible verdict predicts; the target's driver still validates the stream.

With --format json the output is one JSON object: the verdict as the JSON
Schema verdict.schema.json describes it (in migcompat/_data/ where migcompat
is installed, in spec/schema/ of its source; the documentation's JSON Schemas
page shows it; {"verdict", "grade", "matched_rule", "nearest", "reasons"})
plus the "source", "target" and "target_self" files read. A source or
target that cannot be read or is not a valid attribute counts as missing
(spec clause 8.5, row 8.5-VD2): the verdict is unknown, with one
missing-attribute reason per missing attribute, and the input's error is
listed in "input_errors" (each shaped like a 'migcompat parse --format json'
record, the error under "error") and written on standard error. The
target's own migration_version in that state also counts as missing: the
verdict is given without it, with its error beside it, and the exit status
is 3 (an input is bad), whatever the verdict. An unsupported format
version makes the verdict unknown whatever else is wrong (row 8.5-VD1).
"""

_EPILOG: Final = (
    EXIT_STATUS_HELP + "\n\nFor check: 0 compatible, 1 incompatible, 3 unknown or an input that"
    " cannot be read or is not a valid attribute."
)


@click.command(
    "check", help=_HELP, epilog=_EPILOG, short_help="Tell whether a target accepts a source's migration stream."
)
@click.argument("source", metavar="SOURCE", type=checked_path(dash=True))
@click.argument("target", metavar="TARGET", type=checked_path(dash=True))
@click.option(
    "--target-self",
    metavar="FILE",
    type=checked_path(dash=True),
    default=None,
    help="The target's own migration_version (a file, - or a device directory), which $ in its rules refers to. "
    "Default: the migration_version in the TARGET directory, if any.",
)
@format_option("text: the verdict for people; json: one JSON object (verdict.schema.json).")
@click.option(
    "--explain",
    "-e",
    is_flag=True,
    help="List each failing constraint of the nearest rules with its reason code (text output; JSON always has them).",
)
@click.pass_context
def check_command(
    ctx: click.Context, source: str, target: str, target_self: str | None, output_format: str, explain: bool
) -> None:
    json_output = output_format == "json"
    own_argument = target_self if target_self is not None else optional_version_in(target)
    refuse_two_stdins([("SOURCE", source), ("TARGET", target), ("--target-self", target_self)])
    loader = Loader()
    source_model = loader.version("source", source)
    target_model = loader.compatible("target", target)
    own_model = loader.version("target_self", own_argument)
    unsupported = [failure for failure in loader.failures if failure.unsupported]
    if unsupported:  # 8.5-VD1 comes first: the answer is unknown
        verdict = Verdict(Answer.UNKNOWN, reasons=unsupported_reasons(unsupported))
    else:
        # A missing, unreadable or invalid source or target is None here: row 8.5-VD2's verdict, with one
        # missing-attribute reason each (8.8-NR5). An own description in that state counts as missing (8.5).
        verdict = check(source_model, target_model, own_model)
    reported = loader.broken
    swapped = None if json_output else _swapped(loader.failures)  # JSON keeps each input's hint in its record
    if swapped:
        for failure in loader.failures:
            failure.hint = None  # one hint for the two, below
    report_failures(reported, json_output=json_output)
    if swapped:
        echo(f"migcompat: hint: {swapped}", err=True)
    if json_output:
        errors = {"input_errors": [failure.to_json() for failure in reported]} if reported else {}
        echo_json({**loader.paths, **verdict.to_json(), **errors})
    else:
        echo(verdict.explain() if explain else verdict.summary())
        hint = _hint(verdict, own_model is not None, loader.paths.get("target_self"))
        if hint:
            echo(f"migcompat: hint: {hint}", err=True)
    # An own description that cannot be read or is not valid leaves a verdict to give, but an input was bad: 3.
    ctx.exit(ExitCode.UNDECIDED if reported else status_of(verdict.answer))


def _swapped(failures: list[InputFailure]) -> str | None:
    """The hint for a SOURCE and a TARGET that each look like the other's attribute, or None."""
    roles = {failure.role: failure for failure in failures if failure.other}
    if "source" not in roles or "target" not in roles:
        return None
    source, target = roles["source"].path, roles["target"].path
    return (
        f"SOURCE and TARGET look swapped ({display_name(source)} holds rules, {display_name(target)} a"
        f" migration_version): the source's migration_version comes first, as in"
        f" 'migcompat check {quote(display_name(target))} {quote(display_name(source))}'"
    )


def _hint(verdict: Verdict, has_self: bool, own_path: str | None) -> str | None:
    """What to do about an unknown verdict that the command line can fix; *own_path* is the own description
    that was read (or tried), if any."""
    if verdict.answer is not Answer.UNKNOWN or not any(r.code == "missing-self" for r in verdict.reasons):
        return None
    if has_self:
        return None
    if own_path is not None:  # given, or found in TARGET's directory, but not usable: its error is above
        return (
            f"the target's rules refer to its own values ($), and its migration_version {display_name(own_path)}"
            " could not be used (above): fix it, or give another with --target-self"
        )
    return (
        "the target's rules refer to its own values ($): give its migration_version with --target-self, or"
        " name the target's device directory as TARGET"
    )
