"""``migcompat capture``: save a host's sysfs placements as a capture file."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Final

import click

from ..capture import CaptureError, capture, capture_time, check_host_name, check_kernel_release, dumps
from ..display import plural
from .exitcodes import EXIT_STATUS_HELP, ExitCode
from .io import display_name
from .options import checked_path, directory_problem
from .output import echo, echo_error, write_output_or_exit

__all__ = ["capture_command"]


_HELP: Final = """Save what the conformance suite needs from this host's sysfs as one JSON file.

Reads the sysfs tree at --sysfs (default /sys; any directory that mirrors it
works) without writing anything, and writes one capture of the host's VFIO
devices, mdev types and mdevs with their migration attributes to --output, or
standard output. Run 'migcompat conformance host.json' on any machine to
check it, or give captures to the fleet commands (match, matrix, diff,
export). Exit status: 0 written, 3 written but nothing to check, or an error.

\b
Examples:
  migcompat capture -o gpu-node-7.json
  migcompat capture --sysfs /mnt/sysfs-copy --host gpu-node-7 --kernel 6.8.0-45-generic -o gpu-node-7.json

What is read: every mdev type and mdev, every PCI function bound to vfio-pci
or a variant driver, and other VFIO devices, with their migration_version and
migration_compatible_devices (each read twice, to check stability; a
device's from its VFIO device directory vfio-dev/vfioN, spec clause 10, and
any found in its bus directory, the placement of spec 1.0, reported), the
attributes the checks compare them with, the file modes, and every fault met
(unreadable files, dangling links, link loops), plus the host name, kernel
release, time and tool version. The capture's JSON Schema is
capture.schema.json: in migcompat/_data/ where migcompat is installed (in
spec/schema/ of its source; the documentation's JSON Schemas page shows it).

The host name and kernel release are this machine's only when ROOT is a
mounted sysfs. Of a copy of a sysfs tree they are not known: give them with
--host and --kernel, or each is recorded as empty (unknown). A capture
with no host name is still written (a copy read for the conformance suite
needs none), with a warning: the fleet commands list its placements under
the host name (empty), every such capture looks like the same host, and
'migcompat export' refuses it. A ROOT that holds neither bus/ nor class/ is
not a sysfs tree: nothing is read, and the capture has a "missing" finding
at its root.

When no VFIO device, mdev type or mdev exposes a migration attribute there is
nothing to check: the capture is still written, a message says so, and the
exit status is 3 (the same as 'migcompat conformance' on such a host).
"""


def _checked(check: Callable[[str], str], value: str | None) -> str | None:
    """*value* as *check* accepts it (None stays None); a value it refuses is a usage error."""
    if value is None:
        return None
    try:
        return check(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _time(value: str | None) -> str | None:
    """--time as recorded, else SOURCE_DATE_EPOCH's when it is set, else None (now)."""
    if value is not None:
        return _checked(capture_time, value)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return None
    problem = f"{display_name(epoch)} is not a count of seconds since 1970-01-01 UTC (such as 1738324800)"
    if epoch.isascii() and epoch.isdigit():
        try:
            return capture_time(epoch)
        except ValueError as exc:
            problem = str(exc)
    raise click.UsageError(f"the environment's SOURCE_DATE_EPOCH: {problem}")


@click.command(
    "capture",
    help=_HELP,
    epilog=EXIT_STATUS_HELP + "\n\nFor capture: 0 written, 3 written but nothing to check, or an error.",
    short_help="Save a host's sysfs placements as JSON.",
)
@click.option(
    "--sysfs",
    "root",
    metavar="ROOT",
    default="/sys",
    show_default=True,
    type=checked_path(),  # checked by the command: a wrong kind of path is status 3, not 2
    help="The sysfs root to read.",
)
@click.option("--output", "-o", metavar="FILE", default="-", help="Where to write the capture (- for standard output).")
@click.option(
    "--host",
    "host_name",
    metavar="NAME",
    default=None,
    callback=lambda ctx, param, value: _checked(check_host_name, value),
    help="The host name to record. Default: this host's when ROOT is a mounted sysfs, else none (empty).",
)
@click.option(
    "--kernel",
    "kernel",
    metavar="RELEASE",
    default=None,
    callback=lambda ctx, param, value: _checked(check_kernel_release, value),
    help="The kernel release (uname -r) to record. Default: this host's when ROOT is a mounted sysfs,"
    " else none (empty).",
)
@click.option(
    "--time",
    "taken",
    metavar="TIME",
    default=None,
    callback=lambda ctx, param, value: _time(value),
    help="The time to record as the capture's: RFC 3339 UTC to the second (2025-01-31T12:00:00Z) or seconds"
    " since 1970. Default: SOURCE_DATE_EPOCH when it is set (a capture made at a package's build time comes out"
    " the same on every build), else now.",
)
@click.pass_context
def capture_command(
    ctx: click.Context, root: str, output: str, host_name: str | None, kernel: str | None, taken: str | None
) -> None:
    problem = directory_problem(root)
    if problem is not None:  # a file or a FIFO as ROOT: an input that cannot be read, like a missing ROOT
        echo_error(f"cannot read {display_name(root)}: {problem}", "capture-unreadable")
        ctx.exit(ExitCode.UNDECIDED)
    try:
        data = capture(root, host=host_name, kernel=kernel, time=taken)
    except CaptureError as exc:
        echo_error(exc.message, exc.code)
        ctx.exit(ExitCode.UNDECIDED)
    text = dumps(data)
    if output == "-":
        click.echo(text, nl=False)
    else:
        write_output_or_exit(ctx, output, text, encoding="ascii")  # whole or not at all; a FIFO never hangs
    migratable = sum(1 for p in data.placements if p.migratable)
    where = "" if output == "-" else f" into {display_name(output)}"
    echo(
        f"migcompat: captured {plural(len(data.placements), 'placement')} ({migratable} with migration attributes) and"
        f" {plural(len(data.findings), 'finding')} from {display_name(root)}{where}",
        err=True,
    )
    if data.findings and data.findings[0].code == "missing" and data.findings[0].path == "":
        echo(f"migcompat: warning: {display_name(root)}: {data.findings[0].message}", err=True)
    if not data.host:
        echo(
            f"migcompat: warning: {display_name(root)} is not a mounted sysfs and --host was not given: the capture"
            " names no host; the fleet commands list its placements under the host name (empty) and 'migcompat"
            " export' refuses it: give --host NAME for a capture of a fleet host",
            err=True,
        )
    if not migratable:
        found = (
            f"found {len(data.placements)} VFIO device(s) or mdev type(s), none of which exposes"
            " migration_version or migration_compatible_devices"
            if data.placements
            else "found no VFIO device, mdev type or mdev"
        )
        echo_error(f"nothing to check: {found} under {display_name(root)}", "nothing-to-check")
        ctx.exit(ExitCode.UNDECIDED)
    ctx.exit(ExitCode.SUCCESS)
