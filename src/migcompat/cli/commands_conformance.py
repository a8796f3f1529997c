"""``migcompat conformance``: run the driver conformance suite on a host, a tree, captures or a sample."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Final

import click

from ..capture import CaptureError, capture, load
from ..sysfs.model import HostData
from .exitcodes import EXIT_STATUS_HELP, ExitCode
from .options import format_option
from .output import color_enabled, echo, echo_error

__all__ = ["conformance_command"]

PROGRESS_THRESHOLD: Final = 2000
"""A progress bar is shown (on a terminal) when the run has at least this many placements."""


def _sample_names() -> list[str]:
    from ..conformance.samples import sample_names

    return sample_names()


_HELP: Final = """Run the driver conformance suite: do the drivers' migration attributes meet the spec?

Checks every migration_version and migration_compatible_devices of each
input against the emitter requirements of spec clause 12.1 (valid, canonical,
registry keys, no param lines on instances, both-or-neither, mode 0444, stable
reads, self-acceptance, every $ resolvable, instances matching their type's
template), then the compatibility matrix across all devices (surprises such
as identical devices that accept each other one way only) and, with
--against or a two-host sample, whether the newer driver accepts everything
the older one accepted (each source it dropped is a breaking change).

An INPUT is a sysfs root (a live /sys or a directory that mirrors it) or a
capture written by 'migcompat capture'. With no INPUT and no --sample, the
live /sys is checked. --sample NAME runs on a bundled sample host instead;
the samples whose names start with broken- each fail a different check on purpose.

The report lists each failure with its check ID, the object's path, the
offending text with a caret and the spec clause, then a summary table.
--format json writes spec/schema/conformance-report.schema.json; --format
junit writes JUnit XML for CI. A failed recommended check is a warning.

\b
Examples:
  migcompat conformance --sample gvt-g
  migcompat conformance                              # this host's /sys
  migcompat conformance new-host.json --against old-host.json
  migcompat conformance --format junit host.json > conformance.xml
"""

_EPILOG: Final = (
    EXIT_STATUS_HELP + "\n\n\b\nFor conformance: 0 every required check passes (warnings allowed), 1 a required"
    "\ncheck fails, 3 an input cannot be read or holds nothing to check."
)


class _SampleChoice(click.Choice):  # type: ignore[type-arg]
    """The bundled sample names, listed lazily (in --help and in the error for a wrong name)."""

    name = "sample"

    def __init__(self) -> None:
        super().__init__([], case_sensitive=True)

    @property  # type: ignore[override]
    def choices(self) -> Sequence[str]:
        return _sample_names()

    @choices.setter
    def choices(self, value: Sequence[str]) -> None:
        pass


@click.command(
    "conformance", help=_HELP, epilog=_EPILOG, short_help="Run the driver conformance suite on a host or a capture."
)
@click.argument("inputs", nargs=-1, metavar="[ROOT|CAPTURE ...]", type=click.Path())
@click.option(
    "--sample",
    "sample",
    type=_SampleChoice(),
    default=None,
    help="Run on the bundled sample host NAME instead of an INPUT.",
)
@click.option(
    "--against",
    "against",
    metavar="OLD",
    multiple=True,
    type=click.Path(),
    help="An older driver's capture or tree: report every source it accepted that the INPUTs' drivers do not "
    "(repeatable).",
)
@format_option("text: a report for people; json: the report schema; junit: JUnit XML.", ("text", "json", "junit"))
@click.option("--no-progress", is_flag=True, help="Never show a progress bar.")
@click.pass_context
def conformance_command(
    ctx: click.Context,
    inputs: Sequence[str],
    sample: str | None,
    against: Sequence[str],
    output_format: str,
    no_progress: bool,
) -> None:
    from ..conformance.runner import run
    from ..conformance.samples import SampleError, load_sample

    if sample is not None and (inputs or against):
        raise click.UsageError("--sample runs on the bundled sample alone; give no INPUT or --against with it")
    old: tuple[HostData, ...] = ()
    baseline: list[HostData] = []
    if sample is not None:
        try:
            loaded = load_sample(sample)
        except SampleError as exc:
            echo_error(str(exc))
            ctx.exit(ExitCode.UNDECIDED)
        hosts = list(loaded.hosts)
        old = loaded.old
    else:
        paths = list(inputs) or ["/sys"]
        hosts = [_read(ctx, path) for path in paths]
        baseline = [_read(ctx, path) for path in against]
        if not any(p.migratable for host in hosts for p in host.placements):
            _nothing(ctx, hosts, explicit=bool(inputs))
    progress = None
    total = sum(len(h.placements) for h in (*hosts, *old, *baseline))
    if not no_progress and total >= PROGRESS_THRESHOLD and _stderr_tty():
        progress = _progress_bar(total)
    try:
        report = run(hosts, old=old, baseline=baseline, progress=progress.update if progress else None)
    finally:
        if progress is not None:
            progress.close()
    if output_format == "json":
        echo(json.dumps(report.to_json(), indent=1, ensure_ascii=True))
    elif output_format == "junit":
        from ..conformance.report_junit import junit_xml

        click.echo(junit_xml(report), nl=False)
    else:
        from ..conformance.report_text import write_text_report

        if sample is not None:
            echo(f"Sample {sample}: {loaded.description}")
        write_text_report(report, sys.stdout, color=color_enabled())
    ctx.exit(ExitCode.SUCCESS if report.ok else ExitCode.NEGATIVE)


def _read(ctx: click.Context, path: str) -> HostData:
    try:
        if os.path.isdir(path):
            return capture(path)
        return load(path)
    except CaptureError as exc:
        echo_error(exc.message if not exc.pointer else str(exc))
        ctx.exit(ExitCode.UNDECIDED)


def _nothing(ctx: click.Context, hosts: Sequence[HostData], *, explicit: bool) -> None:
    where = ", ".join(h.origin or h.root for h in hosts)
    vfio = sum(len(h.placements) for h in hosts)
    found = (
        f"found {vfio} VFIO device(s) or mdev type(s), none of which exposes migration_version or"
        " migration_compatible_devices"
        if vfio
        else "found no VFIO device, mdev type or mdev"
    )
    echo_error(f"nothing to check: {found} under {where}")
    names = _sample_names()
    hint = "" if explicit else " (this machine has no migcompat-enabled driver)"
    echo(
        f"migcompat: to see the suite at work{hint}, run it on a bundled sample host:\n"
        f"  migcompat conformance --sample NAME\n"
        f"  NAME is one of: {', '.join(names)}",
        err=True,
    )
    ctx.exit(ExitCode.UNDECIDED)


def _stderr_tty() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (OSError, ValueError):
        return False


class _Bar:
    """A rich progress bar on standard error."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("checking"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task("checking", total=total)
        self._progress.start()

    def update(self, done: int, total: int) -> None:
        self._progress.update(self._task, completed=done, total=total)

    def close(self) -> None:
        self._progress.stop()


def _progress_bar(total: int) -> _Bar:
    return _Bar(total)
