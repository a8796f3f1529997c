"""``migcompat diff``: what a driver update changed, and whether it breaks migration from the old driver."""

from __future__ import annotations

import dataclasses
import os
from typing import Final

import click

from ..capture import CaptureError, capture
from ..display import escape, plural
from ..emit import emit
from ..fleet.diff import Change, DiffResult, Target, diff, field_changes
from ..fleet.inventory import STDIN_NAME, FleetError, Inventory, InventoryError, inventory_of
from .attributes import (
    COMPATIBLE,
    VERSION,
    InputFailure,
    compatible_from,
    load_compatible,
    load_version,
    refuse_two_stdins,
    report_failures,
)
from .commands_match import load_inventory_or_exit, read_capture_stdin, report_findings
from .exitcodes import EXIT_STATUS_HELP, ExitCode, combine
from .io import ATTRIBUTE_READ_LIMIT, STDIN, Input, display_name
from .options import format_option
from .output import echo, echo_error, echo_json

__all__ = ["diff_command"]

_HELP: Final = """Show what a driver update changed: which sources it stopped accepting.

OLD and NEW are the same hosts (or the same device) before and after the
update, named by their role: each is a capture ('migcompat capture'), a
directory of captures, a sysfs tree (a mirror of /sys, read as 'migcompat
conformance' reads one), a device directory holding migration_version and
migration_compatible_devices (a driver's attribute files, as a vendor's CI
writes them), a directory of such device directories (each paired with the
one of the same name), or a migration_compatible_devices file alone (whose rules
must not read $: without the device's migration_version, what they accept
is not known, and the pair is undecided). One of them can be - (standard
input): a capture, or a migration_compatible_devices. Each old device and type is paired
with its new counterpart (same host and identity, else same identity, else
-- for a type -- same name and driver).

For each pair it prints what the new driver stopped accepting (a source the
old rules accepted and the new do not: a breaking change), what it newly
accepts, and, when the device's description changed, the fields that
differ; each difference with a witness source, computed exactly by
'migcompat relate'. An old device or type with no counterpart is removed:
breaking when no new target accepts its own description.

Exit status 1 on a breaking change, 0 otherwise, and 3 when some pair could
not be decided (3 wins, as for every command): the check a vendor's CI runs
on a driver update, like 'buf breaking' or 'oasdiff breaking'.

With --format json the output is one JSON object: {"old", "new", "breaking",
"counts", "changes": [{"state", "old", "new", "relation",
"stopped_accepting", "newly_accepts", "emits", "field_changes", "error",
"notes"}]}.

\b
Examples:
  migcompat diff docs/examples/driver-update/mlx5-old docs/examples/driver-update/mlx5-new
  migcompat diff before/ after/                # two directories of captures
  migcompat diff --format json old.json new.json
"""

_EPILOG: Final = (
    EXIT_STATUS_HELP + "\n\n\b\nFor diff: 0 no breaking change, 1 a breaking change (the new driver stopped"
    "\naccepting a source the old one accepted), 3 an input cannot be read or is not valid, or a pair's"
    "\nrelation is too complex to decide (the reason is printed)."
)

_SHOWN: Final = ("breaking", "undecided", "removed", "widened", "changed", "added")


class _Unreadable(Exception):
    def __init__(self, failure: InputFailure) -> None:
        super().__init__(str(failure))
        self.failure = failure


def _attribute_side(role: str, path: str, stdin: bytes | None) -> list[Target]:
    """A device directory's two attributes, or a rules file alone (*stdin* for ``-``), as one target."""
    if path == STDIN:
        assert stdin is not None
        kept = stdin[:ATTRIBUTE_READ_LIMIT]
        rules = compatible_from(role, Input(STDIN, display_name(STDIN), kept, len(kept) == len(stdin)))
        return [Target(STDIN_NAME, "", "device", STDIN_NAME, None, None, rules)]
    if os.path.isdir(path):
        rules_path = os.path.join(path, COMPATIBLE)
        version_path = os.path.join(path, VERSION)
        version = load_version(role, version_path) if os.path.isfile(version_path) else None
    else:
        rules_path, version = path, None
    rules = load_compatible(role, rules_path)
    kind = "type" if version is not None and version.params else "device"
    driver_field = None if version is None else version.fields.get("driver")
    driver = driver_field.value if driver_field is not None and isinstance(driver_field.value, str) else None
    name = os.path.basename(os.path.normpath(path))
    return [Target(path, "", kind, name, driver, version, rules)]


_SYSFS_TOP: Final = ("bus", "class", "devices")
"""Directories of which a sysfs tree (a mirror of /sys) has at least one at its top."""


def _directory_side(role: str, path: str) -> tuple[list[Target], Inventory | None] | None:
    """A directory that is a sysfs tree or holds device directories, as targets; None for anything else.

    A sysfs tree is read as ``migcompat conformance`` reads one (its findings
    are returned for the caller to note); each device directory (one that
    holds migration_compatible_devices, as a vendor's build writes them) is
    one target, named by its directory.
    """
    if not os.path.isdir(path):
        return None
    if any(os.path.isdir(os.path.join(path, top)) for top in _SYSFS_TOP):
        try:
            host = capture(path, host=os.path.basename(os.path.normpath(path)))
        except CaptureError as error:
            raise InventoryError(error.code, error.message, where=path) from None
        fleet = inventory_of(host, path)
        return [Target.of(provider) for provider in fleet.providers], fleet
    try:
        entries = sorted(os.listdir(path))
    except OSError:
        return None
    devices = [os.path.join(path, entry) for entry in entries if _is_attributes(os.path.join(path, entry), None)]
    devices = [device for device in devices if os.path.isdir(device)]
    if not devices:
        return None
    targets = []
    for device in devices:
        (target,) = _attribute_side(role, device, None)
        targets.append(dataclasses.replace(target, ident=os.path.basename(device)))
    return targets, None


def _is_attributes(path: str, stdin: bytes | None) -> bool:
    """Whether *path* is a device directory (it holds migration_compatible_devices) or an attribute file."""
    if path == STDIN:
        return not (stdin or b"").lstrip().startswith(b"{")
    if os.path.isdir(path):
        return os.path.isfile(os.path.join(path, COMPATIBLE))
    try:
        with open(path, "rb") as handle:
            head = handle.read(64).lstrip()
    except OSError:
        return False  # the inventory loader reports it
    return not head.startswith(b"{")


@click.command(
    "diff",
    help=_HELP,
    epilog=_EPILOG,
    short_help="Show what a driver update changed; exit 1 on a breaking change.",
)
@click.argument("old", metavar="OLD", type=click.Path())
@click.argument("new", metavar="NEW", type=click.Path())
@click.option("--all", "show_all", is_flag=True, help="Also list the pairs that did not change.")
@format_option("text: the changes for people; json: one JSON object.")
@click.pass_context
def diff_command(ctx: click.Context, old: str, new: str, show_all: bool, output_format: str) -> None:
    json_output = output_format == "json"
    refuse_two_stdins([("OLD", old), ("NEW", new)])
    stdin = None
    if STDIN in (old, new):
        try:
            stdin = read_capture_stdin()
        except FleetError as error:
            echo_error(f"cannot read {STDIN_NAME}: {escape(error.message)}", error.code)
            if json_output:
                echo_json({"error": error.to_dict()})
            ctx.exit(ExitCode.UNDECIDED)
    sides: list[list[Target]] = []
    for role, path in (("old", old), ("new", new)):
        if _is_attributes(path, stdin):
            try:
                sides.append(_attribute_side(role, path, stdin))
            except InputFailure as failure:
                report_failures([failure], json_output=json_output)
                if json_output:
                    echo_json({"old": old, "new": new, "input_errors": [failure.to_json()]})
                ctx.exit(ExitCode.UNDECIDED)
        else:
            try:
                found = None if path == STDIN else _directory_side(role, path)
            except InputFailure as failure:
                report_failures([failure], json_output=json_output)
                if json_output:
                    echo_json({"old": old, "new": new, "input_errors": [failure.to_json()]})
                ctx.exit(ExitCode.UNDECIDED)
            except InventoryError as error:
                echo_error(f"cannot read {escape(path)}: {escape(error.message)}", error.code)
                if json_output:
                    echo_json({"error": error.to_dict()})
                ctx.exit(ExitCode.UNDECIDED)
            if found is not None:
                targets, tree = found
                if tree is not None and not json_output:
                    report_findings(tree)
                sides.append(targets)
                continue
            fleet = load_inventory_or_exit(ctx, [path], json_output=json_output, stdin=stdin)
            if not json_output:
                report_findings(fleet)
            sides.append([Target.of(provider) for provider in fleet.providers])
    if not sides[0]:
        echo_error(
            f"{escape(old)} (old) has no device or type with valid attributes: nothing to compare", "nothing-to-check"
        )
        ctx.exit(ExitCode.UNDECIDED)
    result = diff(sides[0], sides[1])
    status = combine(
        [
            ExitCode.NEGATIVE if result.breaking else ExitCode.SUCCESS,
            ExitCode.UNDECIDED if result.undecided else ExitCode.SUCCESS,
        ]
    )
    if json_output:
        echo_json(
            {
                "old": old,
                "new": new,
                "breaking": result.breaking,
                "undecided": result.undecided,
                "counts": result.counts(),
                "changes": [change.to_json() for change in result.changes],
            }
        )
    else:
        echo(_text(old, new, result, show_all))
        for change in result.changes:
            if change.error is not None:
                echo_error(f"the relation cannot be decided for {_what(change)}: {escape(change.error)}", "too-complex")
        if result.breaking:
            echo_error("breaking change: the new driver stopped accepting a source the old one accepted")
    ctx.exit(status)


def _what(change: Change) -> str:
    old, new = change.old, change.new
    if old is not None and new is not None:
        arrow = "" if old.label == new.label else f" -> {escape(new.label)}"
        return f"{escape(old.what)} ({escape(old.label)}{arrow})"
    target = old or new
    assert target is not None
    return f"{escape(target.what)} ({escape(target.label)})"


def _text(old: str, new: str, result: DiffResult, show_all: bool) -> str:
    lines = [f"old: {escape(old)}", f"new: {escape(new)}"]
    for change in result.changes:
        if change.state not in _SHOWN and not show_all:
            continue
        relation = f": old -> new is {change.relation.value.upper()}" if change.relation is not None else ""
        lines.append(f"{change.state.upper():<10} {_what(change)}{relation}")
        if change.stopped is not None:
            lines.append(f"  stopped accepting: {escape(emit(change.stopped).rstrip())}")
        if change.started is not None:
            lines.append(f"  newly accepts:     {escape(emit(change.started).rstrip())}")
        if change.emits is not None:
            lines.append(f"  emits differently: {escape('; '.join(field_changes(change.old, change.new)))}")
        lines.extend(f"  note: {escape(note)}" for note in change.notes)
    counts = result.counts()
    summary = ", ".join(f"{plural(count, name, name)}" for name, count in sorted(counts.items()))
    lines.append(f"{plural(len(result.changes), 'target')} compared: {summary}")
    return "\n".join(lines)
