"""``migcompat parse``: check attribute strings and show their canonical form."""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from typing import Final, Literal

import click

from ..emit import emit
from ..errors import ParseError
from ..jsonmodel import to_json
from ..model import CompatibleDevices, MigrationVersion
from ..parse import detect, parse_compatible, parse_version
from .attributes import bounded_error, error_record, input_hint, refuse_two_stdins
from .exitcodes import EXIT_STATUS_HELP, ExitCode, combine
from .io import ATTRIBUTE_READ_LIMIT, STDIN, CannotRead, Input, display_name, read_error, read_input
from .options import checked_path, format_option
from .output import echo, echo_error, echo_json, render_parse_error

__all__ = ["parse_command"]

Attribute = Literal["migration_version", "migration_compatible_devices"]

_ATTRIBUTES: Final[dict[str, Attribute]] = {
    "version": "migration_version",
    "compatible": "migration_compatible_devices",
}

_HELP: Final = f"""Check migcompat attribute strings and show their canonical form.

Reads each FILE (a sysfs attribute, a file, or - for standard input; standard
input when no FILE is given) and says whether it is a valid migration_version
or migration_compatible_devices string: a valid one is summarised with its
canonical form, an invalid one reported with its error code and the line and
column of the fault and, for a common slip (a $ in a migration_version, ~
in a rule, an upper-case key, a space inside a value, ...), a hint line
saying what to write instead. Exit status: 0 every input valid, 1 one is
not, 3 one cannot be read or is in a format version (mcN, N other than 1)
this migcompat does not implement: whether it is valid is not known.

\b
Examples:
  migcompat parse /sys/bus/mdev/devices/$UUID/vfio-dev/vfio*/migration_version
  migcompat parse --format json attr.txt | migcompat emit
  echo 'mc1 device_api=vfio-pci driver=mtty' | migcompat parse -

The attribute is told by its first line unless --attribute says which it is;
after an invalid input the next FILE is read. Reading stops after
{ATTRIBUTE_READ_LIMIT} bytes: a longer input is reported as too-long.

With --format json each input gives one line of JSON (JSON Lines), also for a
single input: {{"path", "attribute", "canonical", "canonical_text", "model"}}
for a valid string (model is the JSON data model), {{"path", "attribute",
"error": {{"code", "message", "line", "column"}}}} for an invalid one (the
error has "hint" too when the text shows a common slip), and
{{"path", "error": {{"code", "message"}}}} for an input that could not be read
(code input-unreadable).
"""


@click.command(
    "parse",
    help=_HELP,
    epilog=EXIT_STATUS_HELP + "\n\nFor parse: 0 every input is valid, 1 one is not, 3 one cannot be read or is in"
    " a format version this migcompat does not implement.",
    short_help="Check attribute strings and show their canonical form.",
)
@click.argument("files", nargs=-1, metavar="[FILE ...|-]", type=checked_path(dash=True))
@click.option(
    "--attribute",
    "-a",
    type=click.Choice(sorted(_ATTRIBUTES)),
    default=None,
    help="Which attribute the input is: version (migration_version) or compatible "
    "(migration_compatible_devices). Default: detect it from the first line.",
)
@format_option("text: a summary for people; json: one JSON object per input, one per line.")
@click.pass_context
def parse_command(ctx: click.Context, files: Sequence[str], attribute: str | None, output_format: str) -> None:
    paths = list(files) or [STDIN]
    refuse_two_stdins(
        (f"FILE {number}" if len(paths) > 1 else "the attribute", path) for number, path in enumerate(paths, 1)
    )
    forced = _ATTRIBUTES[attribute] if attribute else None
    statuses = []
    summaries = 0
    for path in paths:
        status, summary = _parse_one(path, forced, json_output=output_format == "json")
        statuses.append(status)
        if summary is not None:
            echo(("\n" if summaries else "") + summary)  # a blank line between summaries
            summaries += 1
    ctx.exit(combine(statuses))


def _parse_one(path: str, forced: Attribute | None, *, json_output: bool) -> tuple[ExitCode, str | None]:
    """Parse one input and report it; return its status and, in text mode, its summary for stdout."""
    try:
        source = read_input(path, ATTRIBUTE_READ_LIMIT)
    except CannotRead as exc:
        echo_error(str(exc), "input-unreadable")
        if path != STDIN and os.path.isdir(path):
            name = shlex.quote(display_name(path))
            echo(
                f"migcompat: hint: parse reads attribute files: give {name}/migration_version or"
                f" {name}/migration_compatible_devices, or check the device's attributes with 'migcompat lint {name}'",
                err=True,
            )
        if json_output:
            echo_json({"path": path, "error": read_error(exc.reason)})
        return ExitCode.UNDECIDED, None
    kind: Attribute = forced or (
        "migration_compatible_devices" if detect(source.data) == "migration_compatible_devices" else "migration_version"
    )
    try:
        model: MigrationVersion | CompatibleDevices = (
            parse_version(source.data) if kind == "migration_version" else parse_compatible(source.data)
        )
    except ParseError as exc:
        error = bounded_error(exc, source)
        hint = input_hint(source, kind, error)
        if json_output:
            echo_json({"path": path, "attribute": kind, "error": error_record(error, hint)})
        else:
            echo(render_parse_error(error, source.name), err=True)
            if hint:
                echo(f"migcompat: hint: {hint}", err=True)
        # Another format version may well be valid: this migcompat cannot tell (as check's unknown, row 8.5-VD1).
        return (ExitCode.UNDECIDED if error.code == "unsupported-version" else ExitCode.NEGATIVE), None
    canonical = emit(model)
    if not json_output:
        return ExitCode.SUCCESS, _summary(source, kind, model, canonical)
    echo_json(
        {
            "path": path,
            "attribute": kind,
            "canonical": source.data == canonical.encode("ascii"),
            "canonical_text": canonical,
            "model": to_json(model),
        }
    )
    return ExitCode.SUCCESS, None


def _summary(source: Input, kind: Attribute, model: MigrationVersion | CompatibleDevices, canonical: str) -> str:
    lines = [
        f"{source.name}: valid {kind}: {_describe(model)}",
        f"canonical: {_canonical_note(source.data, canonical)}",
    ]
    lines.extend("  " + line for line in canonical.splitlines())
    return "\n".join(lines)


def _describe(model: MigrationVersion | CompatibleDevices) -> str:
    if isinstance(model, MigrationVersion):
        fields = _count(len(model.fields), "field")
        if not model.params:
            return f"a device instance with {fields}"
        names = ", ".join(dict.fromkeys(param.name for param in model.params))
        return f"a device type with {fields} and {_count(len(model.params), 'param line')} (parameters: {names})"
    what = _count(len(model.rules), "accept rule") if model.rules else "no accept rules (accepts no source)"
    if model.defaults:
        what += f", defaults for {_count(len(model.defaults), 'field')}"
    return what


def _canonical_note(data: bytes, canonical: str) -> str:
    expected = canonical.encode("ascii")
    if data == expected:
        return "yes"
    if data + b"\n" == expected:
        return "no (the final newline is missing)"
    return "no"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
