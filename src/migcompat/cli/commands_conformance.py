"""``migcompat conformance``: run the driver conformance suite on a host, a tree, captures or a sample."""

from __future__ import annotations

import os
import shlex
import sys
import textwrap
from collections.abc import Sequence
from typing import Final, NoReturn

import click

from ..capture import CAPTURE_FORMAT, CAPTURE_READ_LIMIT, CaptureError, capture, load, loads
from ..display import escape, plural
from ..parse import detect
from ..sysfs.model import MIGRATION_ATTRIBUTES, HostData
from .attributes import holds_attributes
from .exitcodes import EXIT_STATUS_HELP, ExitCode
from .io import STDIN, CannotRead, display_name, error_document, read_input, stdin_is_terminal
from .options import checked_path, format_option
from .output import color_enabled, echo, echo_error, echo_json

__all__ = ["conformance_command"]

PROGRESS_THRESHOLD: Final = 2000
"""A progress bar is shown (on a terminal) when the run has at least this many placements."""


def _sample_names() -> list[str]:
    from ..conformance.samples import sample_names

    return sample_names()


def _sample_descriptions() -> dict[str, str]:
    from ..conformance.samples import sample_descriptions

    return sample_descriptions()


_HELP: Final = """Run the driver conformance suite: do the drivers' migration attributes meet the spec?

Checks every device's migration_version and migration_compatible_devices on
each INPUT -- a sysfs root (the live /sys when no INPUT is given, or a
directory that mirrors it) or a capture written by 'migcompat capture' (-
reads one from standard input) -- against the emitter requirements of the
spec, then the compatibility matrix across the devices, and with --against
whether a driver update broke a source. --sample NAME runs on a bundled
sample host instead (listed below). Exit status: 0 every required check
passes (warnings allowed), 1 one fails, 3 nothing could be checked or a
required check could not be decided (an upgrade pair too complex to relate).

\b
Examples:
  migcompat conformance --sample gvt-g
  migcompat conformance                              # this host's /sys
  migcompat conformance new-host.json --against old-host.json
  migcompat conformance --format junit host.json > conformance.xml
  ssh gpu-node-7 migcompat capture | migcompat conformance -

The checks: each device's attributes are in its VFIO device directory
(<device>/vfio-dev/vfioN, spec clause 10; attributes in the bus device
directory, the placement of spec 1.0, fail MC-SYSFS-PLACEMENT), then every
migration_version and migration_compatible_devices of each input against the
emitter requirements of spec clause 12.1 (valid, canonical,
registry keys, no param lines on instances, both-or-neither, mode 0444 (on
/sys or a capture of it: a copied tree's files have the copy's modes, and
the check says skip), stable
reads, self-acceptance, every $ resolvable, instances matching their type's
template), then the compatibility matrix across all devices (surprises such
as identical devices that accept each other one way only) and, with
--against or a two-host sample, whether the newer driver accepts everything
the older one accepted (each source it dropped is a breaking change).

The samples whose names start with broken- each fail a different required
check on purpose (exit status 1), those that start with warn- only warn (exit
status 0). To check attribute files without a tree, use 'migcompat lint'.

The report lists each failure with its check ID, the object's path, the
offending text with a caret and the spec clause, then a summary table (the
vendor guide, 'Reading the report', walks through one). --format json writes
the report, on one line, as conformance-report.schema.json describes it (a JSON Schema in
migcompat/_data/ where migcompat is installed, in spec/schema/ of its source;
the documentation's JSON Schemas page shows it); --format junit writes JUnit
XML for CI; --format ktap writes KTAP version 1, the kernel's test output
format, for kernel-side CI. When an INPUT or a --against baseline cannot be read
or holds nothing to check, json writes {"error": {"code", "message",
"where"}} (command-error.schema.json), junit one test case in <error> and ktap
one 'not ok' test, each naming the input and the error (exit status 3). A failed
recommended check is a warning: the run passes, unless --fail-on-warning is
given (then exit status 1, and junit and ktap show the warnings as failures).
An upgrade pair whose relation could not be decided (too complex, or past the
run's bound) is never a pass: when no required check failed, the result is
UNDECIDED (exit status 3; json "result": "undecided", junit an <error> test
case, ktap a 'not ok' check), and a note per type or device says why.

A --against baseline must hold migration attributes: one that holds none (a
wrong path, a subdirectory of the tree) is an error, as the upgrade check
could not run. Old and new devices are paired by configuration: each old
device with the new devices whose configuration (the fields that differ
between the devices of one side, such as a queue count, but not the driver's
or its stream's) agrees, then by PCI address or type id, else with every new
device of the same vendor:device or type; the new rules' $ is read with the
old device's configuration, so a capture whose functions were re-enumerated
or configured otherwise is not a breaking change.

A failure on a host with no name (a capture without --host) is named by its
input, as given. Rule numbers count from 0.
"""

_EPILOG: Final = (
    EXIT_STATUS_HELP + "\n\nFor conformance: 0 every required check passes (warnings allowed), 1 a required"
    " check fails (or, with --fail-on-warning, a recommended one), 3 an input or a --against baseline cannot"
    " be read or holds nothing to check, or no required check failed but one could not be decided (an"
    " MC-U1-BREAKING upgrade pair too complex to relate, or past the run's bound: the result is UNDECIDED)."
)

_HELP_WIDTH: Final = 96
"""The width the list of samples is wrapped to (Click indents it by two more columns)."""


def _samples_help() -> str:
    """The bundled samples, one per line with its description, as a block Click keeps as it is."""
    descriptions = _sample_descriptions()
    if not descriptions:
        return "\b\nSamples (--sample NAME): none; this migcompat is installed without its samples."
    width = max(len(name) for name in descriptions) + 2
    lines = ["\b", "Samples (--sample NAME):"]
    for name, description in descriptions.items():
        wrapped = textwrap.wrap(description or "(no description)", _HELP_WIDTH - 2 - width) or [""]
        lines.append(f"  {name:<{width}}{wrapped[0]}")
        lines.extend(" " * (2 + width) + more for more in wrapped[1:])
    return "\n".join(lines)


class _Command(click.Command):
    """The conformance command, whose epilog lists the bundled samples (read when the help is shown).

    The documentation reads :attr:`epilog` (the list wrapped to :data:`_HELP_WIDTH`); ``--help``
    writes the list as a definition list, wrapped to the terminal's width as the options are.
    """

    @property
    def epilog(self) -> str:
        return _samples_help() + "\n\n" + _EPILOG

    @epilog.setter
    def epilog(self, value: str | None) -> None:
        pass

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        descriptions = _sample_descriptions()
        if not descriptions:
            formatter.write_paragraph()
            formatter.write_text("Samples (--sample NAME): none; this migcompat is installed without its samples.")
        else:
            with formatter.section("Samples (--sample NAME)"):
                formatter.write_dl([(name, text or "(no description)") for name, text in descriptions.items()])
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text(_EPILOG)


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
    "conformance",
    cls=_Command,
    help=_HELP,
    short_help="Run the driver conformance suite on a host or a capture.",
)
@click.argument("inputs", nargs=-1, metavar="[INPUT ...]", type=checked_path(dash=True))
@click.option(
    "--sample",
    "samples",
    metavar="NAME",
    type=_SampleChoice(),
    multiple=True,
    help="Run on the bundled sample host NAME (see Samples below) instead of an INPUT; one sample per run.",
)
@click.option(
    "--against",
    "against",
    metavar="OLD",
    multiple=True,
    type=checked_path(dash=True),
    help="An older driver's capture or tree: report every source it accepted that the INPUTs' drivers do not "
    "(repeatable).",
)
@format_option(
    "text: a report for people; json: the report schema; junit: JUnit XML;"
    " ktap: KTAP version 1 (the kernel's test format).",
    ("text", "json", "junit", "ktap"),
)
@click.option(
    "--fail-on-warning",
    is_flag=True,
    help="Exit with status 1 when a recommended check fails too (a warning), and show warnings as failures in"
    " junit and ktap.",
)
@click.option("--no-progress", is_flag=True, help="Never show a progress bar.")
@click.pass_context
def conformance_command(
    ctx: click.Context,
    inputs: Sequence[str],
    samples: Sequence[str],
    against: Sequence[str],
    output_format: str,
    fail_on_warning: bool,
    no_progress: bool,
) -> None:
    from ..conformance.runner import run
    from ..conformance.samples import SampleError, load_sample

    if len(samples) > 1:  # each is a fleet of its own, with its own expected failures: one report each
        raise click.UsageError(
            f"--sample runs one bundled sample; run the command once for each ({', '.join(samples)})"
        )
    sample = samples[0] if samples else None
    if sample is not None and (inputs or against):
        raise click.UsageError("--sample runs on the bundled sample alone; give no INPUT or --against with it")
    if [*inputs, *against].count(STDIN) > 1:
        raise click.UsageError("only one input can be standard input (-)")
    old: tuple[HostData, ...] = ()
    baseline: list[HostData] = []
    try:
        if sample is not None:
            try:
                loaded = load_sample(sample)
            except SampleError as exc:
                raise _Unusable(f"sample:{sample}", exc.code, exc.message) from None
            hosts = list(loaded.hosts)
            old = loaded.old
        else:
            paths = list(inputs) or ["/sys"]
            hosts = [_read(path) for path in paths]
            baseline = [_read(path) for path in against]
            # Every INPUT must hold something to check: a host given among others and never checked (its driver
            # not loaded, a wrong path) would let the run pass.
            empty = [(path, host) for path, host in zip(paths, hosts, strict=True) if not _holds_attributes(host)]
            if empty:
                _nothing(
                    ctx,
                    [host for _, host in empty],
                    [path for path, _ in empty],
                    explicit=bool(inputs),
                    output_format=output_format,
                    others=len(hosts) - len(empty),
                    against=against,
                )
            for path, host in zip(against, baseline, strict=True):
                _check_baseline(path, host)
    except _Unusable as exc:
        _unusable(ctx, exc, output_format)
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
        echo_json(report.to_json(warnings_fail=fail_on_warning))
    elif output_format == "junit":
        from ..conformance.report_junit import junit_xml

        click.echo(junit_xml(report, warnings_fail=fail_on_warning), nl=False)
    elif output_format == "ktap":
        from ..conformance.report_ktap import render

        click.echo(render(report, warnings_fail=fail_on_warning), nl=False)
    else:
        from ..conformance.report_text import write_text_report

        if sample is not None:
            echo(f"Sample {sample}: {loaded.description}")
        write_text_report(report, sys.stdout, color=color_enabled(), warnings_fail=fail_on_warning)
    result = report.result(warnings_fail=fail_on_warning)
    statuses = {"failed": ExitCode.NEGATIVE, "undecided": ExitCode.UNDECIDED, "passed": ExitCode.SUCCESS}
    ctx.exit(statuses[result])


class _Unusable(Exception):
    """An input that cannot be used: *name* (as given), the stable error *code*, the *message* and *hints*.

    *message* is already escaped for display; each of *hints* is a line for
    standard error after the error (``migcompat: ...``).
    """

    def __init__(self, name: str, code: str, message: str, hints: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.name = name
        self.code = code
        self.message = message
        self.hints = tuple(hints)


def _unusable(ctx: click.Context, error: _Unusable, output_format: str) -> NoReturn:
    """Report *error* on standard error and on standard output in the format asked for; exit status 3.

    JSON gets the error alone (command-error.schema.json), as 'match' and
    'matrix' write it; junit and ktap a report with one failing test.
    """
    echo_error(error.message, error.code)
    for hint in error.hints:
        echo(hint, err=True)
    if output_format == "json":
        echo_json(error_document(error.code, error.message, display_name(error.name)))
    elif output_format == "junit":
        from ..conformance.report_junit import junit_error

        click.echo(junit_error(display_name(error.name), error.code, error.message), nl=False)
    elif output_format == "ktap":
        from ..conformance.report_ktap import render_error

        click.echo(render_error(display_name(error.name), error.code, error.message), nl=False)
    ctx.exit(ExitCode.UNDECIDED)


def _read(path: str) -> HostData:
    """The host of the INPUT or baseline *path*; raises :class:`_Unusable` when it cannot be read."""
    try:
        if path == STDIN:
            return _read_stdin()
        if os.path.isdir(path):
            return capture(path)
        return load(path)
    except CaptureError as exc:
        if exc.code != "capture-invalid":
            hints = []
            if exc.message.endswith("(a FIFO)"):  # <(ssh host migcompat capture -o -)
                hints.append(
                    "migcompat: conformance reads a capture from a file, or from standard input given as - (once):"
                    " give - in the pipe's place and redirect the pipe to it ('... < <(ssh HOST migcompat capture"
                    " -o -)'), or save the capture to a file first"
                )
            raise _Unusable(path, exc.code, escape(exc.message), hints) from None
        _not_a_capture(path, _reason(exc), _head(path))


def _read_stdin() -> HostData:
    """A capture from standard input, as 'migcompat capture' writes it to standard output."""
    if stdin_is_terminal():
        echo("migcompat: reading a capture from standard input (end it with Ctrl-D)", err=True)
    try:
        source = read_input(STDIN, CAPTURE_READ_LIMIT)
    except CannotRead as exc:
        raise _Unusable(STDIN, "input-unreadable", str(exc)) from None
    if not source.complete:
        raise _Unusable(
            STDIN,
            "capture-unreadable",
            f"cannot read <stdin>: the capture is larger than {CAPTURE_READ_LIMIT >> 20} MiB",
        )
    try:
        return loads(source.data, origin=source.name)
    except CaptureError as exc:
        _not_a_capture(STDIN, _reason(exc), source.data[:_HEAD])


def _check_baseline(path: str, host: HostData) -> None:
    """Raise :class:`_Unusable` when the --against baseline *host* (read from *path*) has no migration attribute.

    Such a baseline (a wrong or stale path, a subdirectory of the tree, a
    directory that is not a sysfs tree) leaves the upgrade check nothing to
    compare; passing without it would let a breaking change through. The
    error says what was found and lists the reader's findings on it.
    """
    if any(p.migratable for p in host.placements):
        return
    name = display_name(path)
    message = (
        f"--against {escape(name)}: nothing to compare against: {_found(host.placements)},"
        " so the upgrade check (MC-U1) cannot run"
    )
    hints = [
        f"migcompat: {escape(name)}: finding {escape(finding.code)} at {escape(finding.path or '.')}:"
        f" {escape(finding.message)}"
        for finding in host.findings
    ]
    hints.append(
        "migcompat: --against takes the older driver's capture or sysfs tree (the root that holds bus/ and class/),"
        " with its migration attributes"
    )
    raise _Unusable(path, "nothing-to-check", message, hints)


def _found(placements: Sequence[object]) -> str:
    """What a host without migration attributes holds, for an error message."""
    if placements:
        return (
            f"found {plural(len(placements), 'VFIO device or mdev type', 'VFIO devices or mdev types')}, none of"
            " which exposes migration_version or migration_compatible_devices"
        )
    return "found no VFIO device, mdev type or mdev"


def _reason(error: CaptureError) -> str:
    """Why a document is not a capture: the message, and where in the document (a JSON Pointer, or a line)."""
    if error.pointer:
        return f"{error.message} (at {error.pointer})"
    return f"{error.message} ({error.where})" if error.where else error.message


_HEAD: Final = 64
"""How much of an input that is not a capture is read again, to tell whether it looks like an attribute."""


def _head(path: str) -> bytes:
    try:
        return read_input(path, _HEAD).data
    except CannotRead:
        return b""


def _not_a_capture(path: str, reason: str, head: bytes) -> NoReturn:
    """Raise :class:`_Unusable` for an INPUT that is not a capture: what was expected, and lint for an attribute.

    A document that names the capture format near its start is a capture that
    breaks its schema: only what is wrong in it is said.
    """
    name = display_name(path)
    if f'"{CAPTURE_FORMAT}"'.encode() in head:
        raise _Unusable(path, "capture-invalid", f"{name} is not a valid capture: {escape(reason)}", [])
    hints = [
        "migcompat: conformance reads a capture (the JSON file 'migcompat capture' writes) or a sysfs tree"
        " (a directory such as /sys)"
    ]
    attribute = os.path.basename(path) if os.path.basename(path) in MIGRATION_ATTRIBUTES else None
    if attribute is None and len(head) > 2 and head.startswith(b"mc") and head[2:3].isdigit():
        attribute = detect(head)
    if attribute is not None:
        hints.append(
            f"migcompat: {name} looks like a {attribute} attribute; to check attribute files, run:\n"
            f"  migcompat lint {_quote(path)}"
        )
    raise _Unusable(path, "capture-invalid", f"{name} is not a capture: {escape(reason)}", hints)


def _holds_attributes(host: HostData) -> bool:
    return any(placement.migratable for placement in host.placements)


def _nothing(
    ctx: click.Context,
    hosts: Sequence[HostData],
    paths: Sequence[str],
    *,
    explicit: bool,
    output_format: str,
    others: int = 0,
    against: Sequence[str] = (),
) -> NoReturn:
    """Report that the INPUTs *paths* hold nothing to check, as an input that cannot be used is (exit status 3).

    Never a report that passes: a CI job reading the JSON result, the JUnit
    counts or the KTAP plan would count a host that was never checked. *others*
    is how many other INPUTs do hold migration attributes; *against* the --against baselines.
    """
    where = ", ".join(escape(h.origin or h.root) for h in hosts)
    reason = f"{_found([p for h in hosts for p in h.placements])} under {where}{_unread(hosts)}"
    hint = None
    if len(paths) == 1 and len(against) == 1 and all(map(holds_attributes, (*paths, *against))):
        hint = (  # the upgrade check asked for, on two device directories: diff does it
            f"migcompat: {display_name(paths[0])} is a device directory, not a sysfs root; to check the driver"
            f" update on two device directories, run:\n  migcompat diff {_quote(against[0])} {_quote(paths[0])}"
        )
    hint = hint or next((text for text in map(_directory_hint, paths) if text), None)
    if hint is None and others:
        hint = (
            f"migcompat: every INPUT must hold migration attributes ({plural(others, 'other')}"
            f" {'does' if others == 1 else 'do'}): is the driver"
            " loaded on that host, and is the path the root of its sysfs tree (or its capture)? Leave it out to"
            " check the others"
        )
    if hint is None:
        names = _sample_names()
        why = "" if explicit else " (this machine has no migcompat-enabled driver)"
        hint = (
            f"migcompat: to see the suite at work{why}, run it on a bundled sample host:\n"
            f"  migcompat conformance --sample NAME\n"
            f"  NAME is one of: {', '.join(names)} ('migcompat conformance --help' describes them)"
        )
    error = _Unusable(", ".join(paths), "nothing-to-check", f"nothing to check: {reason}", [hint])
    _unusable(ctx, error, output_format)


_UNREAD_SHOWN: Final = 5
"""The nothing-to-check error names at most this many paths that could not be read."""


def _unread(hosts: Sequence[HostData]) -> str:
    """What of *hosts* could not be read (their ``unreadable`` findings), for the nothing-to-check error: the
    reason there is nothing to check may be there. Empty when every path was read."""
    unread = [
        f"{escape(h.origin or h.root)}/{escape(f.path)} ({escape(f.message)})"
        for h in hosts
        for f in h.findings
        if f.code == "unreadable"
    ]
    if not unread:
        return ""
    more = len(unread) - _UNREAD_SHOWN
    shown = ", ".join(unread[:_UNREAD_SHOWN]) + (f" and {more} more" if more > 0 else "")
    return f"; {plural(len(unread), 'path')} could not be read, which may hold them: {shown}"


_SYSFS_TOP: Final = ("bus", "class", "devices")
"""Directories at the top of a sysfs root: a directory holding any of them is taken for one."""


def _quote(path: str) -> str:
    """*path* as a shell word, to paste into a command."""
    return shlex.quote(display_name(path)) if path != STDIN else STDIN


def _directory_hint(path: str) -> str | None:
    """What to run instead, when the directory *path* is not a sysfs root but holds some, or holds attributes."""
    if path == STDIN or not os.path.isdir(path):
        return None
    if holds_attributes(path):
        return (
            f"migcompat: {display_name(path)} is a device directory, not a sysfs root; to check its attributes, run:\n"
            f"  migcompat lint {_quote(path)}"
        )
    root = _enclosing_root(path)
    if root is not None:
        return (
            f"migcompat: {display_name(path)} is inside a sysfs tree, not its root; check the tree from its root"
            f" (the directory that holds bus/, class/ and devices/):\n  migcompat conformance {_quote(root)}"
        )
    if any(os.path.isdir(os.path.join(path, top)) for top in _SYSFS_TOP):
        return None  # a sysfs root, with nothing to check in it
    try:
        entries = sorted(os.listdir(path))
    except OSError:
        return None
    roots = [name for name in entries if any(os.path.isdir(os.path.join(path, name, top)) for top in _SYSFS_TOP)]
    if not roots:
        return _captures_hint(path, entries)
    name = os.path.basename(os.path.normpath(path))
    sample = os.path.basename(os.path.dirname(os.path.abspath(path))) == "sample-trees" and name in _sample_names()
    if set(roots) == {"old", "new"}:
        listed = "old/ and new/"
        what = "the new tree against the old"
        command = (
            f"migcompat conformance {_quote(os.path.join(path, 'new'))} --against {_quote(os.path.join(path, 'old'))}"
        )
    else:
        listed = ", ".join(escape(root) + "/" for root in roots)
        what = "the tree itself" if len(roots) == 1 else "the trees"
        command = "migcompat conformance " + " ".join(_quote(os.path.join(path, root)) for root in roots)
    trees = "trees" if len(roots) > 1 else "tree"
    if sample:
        return (
            f"migcompat: {display_name(path)} holds the sysfs {trees} of the sample {name} ({listed});"
            " run the sample:\n"
            f"  migcompat conformance --sample {name}\n"
            f"migcompat: or check {what}:\n"
            f"  {escape(command)}"
        )
    return (
        f"migcompat: {display_name(path)} is not a sysfs root, but it holds sysfs {trees} ({listed}); check {what}:\n"
        f"  {escape(command)}"
    )


_CAPTURE_MARK: Final = b'"migcompat-capture"'
"""What the first bytes of a capture hold (its ``format`` member), to tell captures from other JSON files."""


def _captures_hint(path: str, entries: Sequence[str]) -> str | None:
    """What to run when the directory *path* holds captures (as the fleet commands take it) rather than a tree."""
    captures = [name for name in entries if name.endswith(".json") and _CAPTURE_MARK in _head(os.path.join(path, name))]
    if not captures:
        return None
    command = "migcompat conformance " + " ".join(_quote(os.path.join(path, name)) for name in captures[:4])
    more = f" ... ({len(captures)} captures)" if len(captures) > 4 else ""
    return (
        f"migcompat: {display_name(path)} is not a sysfs root, but it holds captures; conformance takes each"
        f" capture file as an INPUT:\n  {escape(command)}{more}"
    )


def _enclosing_root(path: str) -> str | None:
    """The sysfs root *path* is under (``/sys`` for ``/sys/bus/pci``): the nearest of its three closest
    ancestors whose child on the way down is one of bus/, class/ and devices/."""
    below = os.path.normpath(path)
    for _ in range(3):
        parent = os.path.dirname(below)
        if not parent or parent == below:
            return None
        if os.path.basename(below) in _SYSFS_TOP:
            return parent
        below = parent
    return None


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
