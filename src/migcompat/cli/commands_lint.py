"""``migcompat lint``: the conformance suite's emitter checks on attribute files, without a sysfs tree."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Final

import click

from ..conformance.emitter_checks import TextFindings, check_texts
from ..conformance.registry import CHECKS
from ..conformance.results import Failure, render_excerpt
from ..errors import ParseError
from ..parse import detect
from ..sysfs.model import VFIO_DEV
from .attributes import COMPATIBLE, VERSION, Attribute, bounded_error, holds_attributes, read_in_directory
from .exitcodes import EXIT_STATUS_HELP, ExitCode
from .io import (
    ATTRIBUTE_READ_LIMIT,
    STDIN,
    CannotRead,
    Input,
    display_name,
    read_error,
    read_input,
    stdin_is_terminal,
)
from .options import checked_path, format_option
from .output import echo, echo_error, echo_json

__all__ = ["lint_command"]

_HELP: Final = """Check migration attribute files the way the conformance suite checks a driver's.

Runs the checks of 'migcompat conformance' that need only the attributes'
text, with no sysfs tree or capture, on attribute files, standard input (-,
or no FILE) or a device or mdev type directory, and reports each failure
with the check ID, the line and column and the spec clause. Exit status: 0
every required check passes (warnings allowed), 1 one fails, 3 an input
cannot be read.

\b
Examples:
  migcompat lint migration_version
  migcompat lint /sys/bus/pci/devices/0000:3b:00.1
  migcompat lint --kind instance vf/migration_version vf/migration_compatible_devices
  printf 'mc1 device_api=vfio-pci driver=mtty\\n' | migcompat lint -

The checks: MC-E1-PARSE (valid), MC-E2-CANONICAL (byte-equal to the
canonical form, final LF included), MC-E3-REGISTRY and MC-E3-REQUIRED
(standard keys as the registry has them; device_api and driver present),
MC-E4-NO-PARAMS (no param lines on a device instance), and the warnings
MC-S1-ACCEPT-ALL, MC-S2-DEFAULT-WRITTEN and MC-M1-ACCEPTS-NOTHING; and when
both attributes of one device are given, MC-E6-SELF (the device accepts
itself) and MC-E7-SELFREF (every $ and $N has a value of a type its place
allows; a $N needs a version).

A directory gives both its attribute files, checked together, and
MC-E5-PAIR (both or neither). A file named migration_version or
migration_compatible_devices is that attribute; any other is told by its
first line, as 'migcompat parse' does. The two attribute files of one
directory, given as two FILEs, are checked together.

An attribute in a sysfs directory is checked as a device type's when the
directory is an mdev type's (under mdev_supported_types), as a device
instance's when it is a device's or its VFIO device directory's
(DEVICE/vfio-dev/vfioN; the device has an mdev_type, subsystem, vendor or
driver entry); elsewhere a migration_version with param lines is taken for a
type's template and one without for an instance's. An instance is an mdev
when it has an mdev_type link (or its subsystem is mdev), another device when
its subsystem is another bus or it has a vendor file (a PCI function); an
mdev may write a field with its registry default (it reports D(c) of its
type, spec clause 6.3), another device should not (MC-S2-DEFAULT-WRITTEN).
When the files do not tell, an instance that writes such a field is not
checked for MC-S2-DEFAULT-WRITTEN, and the output says why. --kind says which
it is instead: type, mdev, pci (a PCI function), device (a device on another
bus) or instance (an mdev or not, as its directory tells); with an instance
kind, MC-E4-NO-PARAMS reports a template printed by an instance.
What needs the device's place in sysfs is left to 'migcompat conformance' on
a tree or a capture: agreement with sysfs (MC-E3-SYSFS, and type= on mdevs
only), modes, stable reads, instances that match their type (MC-E8) and the
compatibility matrix.

Each failure is reported as conformance reports it: FAIL (WARN for a
recommended check), the check ID, the file with the line and column, the
message, the line with a caret under the fault and the spec clause; then
one line per input with the checks it ran, and one per check it did not run
with the reason. --format json writes one JSON object: {"result",
"inputs", "input_errors", "failures", "notes"}, each input {"path", "kind"
(type or instance), "device" (mdev, pci, device, or null when not known),
"migration_version", "migration_compatible_devices", "checked", "failed"},
each failure as in the
conformance report (without "host"), each input error {"path", "error":
{"code", "message"}} as 'migcompat parse --format json' writes it, and a check
not run for a reason of the texts as a note whose message starts with "not
checked: "; "result"
is "passed", "failed" or, when an input could not be read (exit status 3),
"undecided".
"""

_EPILOG: Final = (
    EXIT_STATUS_HELP + "\n\nFor lint: 0 every required check passes (warnings allowed), 1 a required"
    " check fails, 3 an input cannot be read."
)

_KINDS: Final = {"type": "mdev_type", "instance": "unplaced", "mdev": "mdev", "pci": "pci", "device": "device"}
"""--kind, as the placement kind of the checks (:data:`~migcompat.conformance.emitter_checks.PLACEMENT_KINDS`).

``instance`` is a device instance whose directory may still say whether it is
an mdev; when it does not, it is ``unplaced``: an mdev or not, which decides
MC-S2-DEFAULT-WRITTEN (clause 6.3 exempts a device created from a type).
"""
_INSTANCE_KINDS: Final = frozenset({"mdev", "pci", "device", "unplaced"})

_PARAM_LINE: Final = re.compile(rb"(?:^|\n)param ")


@dataclass
class _Unit:
    """What is checked together: one attribute file, or both attributes of one device."""

    label: str
    version: Input | None = None
    rules: Input | None = None
    directory: str | None = None
    """The device directory the unit was read from (a DIR argument), for MC-E5-PAIR."""
    kind: str = "unplaced"
    findings: TextFindings | None = None
    pair_failure: Failure | None = None
    failures: list[Failure] = field(default_factory=list)

    def path_of(self, attribute: str) -> str:
        source = self.version if attribute == VERSION else self.rules
        return source.name if source is not None else self.label

    @property
    def what(self) -> str:
        kind = "device type" if self.kind == "mdev_type" else "device instance"
        if self.version is not None and self.rules is not None:
            return f"a {kind}'s {VERSION} and {COMPATIBLE}"
        if self.version is not None:
            return f"a {kind}'s {VERSION}"
        return f"a {COMPATIBLE}"


@click.command(
    "lint",
    help=_HELP,
    epilog=_EPILOG,
    short_help="Check attribute files with the conformance suite's emitter checks.",
)
@click.argument("inputs", nargs=-1, metavar="[FILE|DIR ...|-]", type=checked_path(dash=True))
@click.option(
    "--kind",
    type=click.Choice(sorted(_KINDS)),
    default=None,
    help="Whether the attributes are a device type's or a device instance's, and whether the instance is an mdev "
    "(mdev), a PCI function (pci) or a device on another bus (device); instance: an instance, an mdev or not as its "
    "directory says. Default: what its sysfs directory is, else a type when it has param lines, an instance when "
    "not.",
)
@format_option("text: findings and a summary for people; json: one JSON object.")
@click.pass_context
def lint_command(ctx: click.Context, inputs: Sequence[str], kind: str | None, output_format: str) -> None:
    paths = list(inputs) or [STDIN]
    if paths.count(STDIN) > 1:
        raise click.UsageError("only one input can be standard input (-)")
    if STDIN in paths and stdin_is_terminal():
        echo("migcompat: reading the attribute from standard input (end it with Ctrl-D)", err=True)
    units, input_errors = _units(paths)
    for error in input_errors:
        echo_error(f"cannot read {display_name(error[0])}: {error[1]}", "input-unreadable")
    for unit in units:
        _check(unit, kind)
    if output_format == "json":
        echo_json(_document(units, input_errors))
    else:
        _write_text(units, input_errors)
    ctx.exit(_STATUSES[_result(units, input_errors)])


# ---- reading the inputs ---------------------------------------------------------------------------


def _units(paths: Sequence[str]) -> tuple[list[_Unit], list[tuple[str, str]]]:
    """The units to check, in the order of the arguments, and the (path, reason) of each input not read."""
    units: list[_Unit] = []
    errors: list[tuple[str, str]] = []
    files: dict[str, list[tuple[Attribute, Input]]] = {}
    order: list[tuple[str, str]] = []  # ("unit", index) or ("files", directory), as the arguments come
    for path in paths:
        if path != STDIN and os.path.isdir(path):
            unit = _directory(path, errors)
            if unit is not None:
                order.append(("unit", str(len(units))))
                units.append(unit)
            continue
        try:
            source = read_input(path, ATTRIBUTE_READ_LIMIT)
        except CannotRead as exc:
            errors.append((path, exc.reason))
            continue
        attribute = _attribute(path, source.data)
        directory = "" if path == STDIN else os.path.dirname(os.path.abspath(path))
        key = directory if path != STDIN else STDIN
        if key not in files:
            order.append(("files", key))
            files[key] = []
        files[key].append((attribute, source))
    result: list[_Unit] = []
    for what, key in order:
        if what == "unit":
            result.append(units[int(key)])
            continue
        group = files[key]
        kinds = [attribute for attribute, _ in group]
        if key != STDIN and sorted(kinds) == [COMPATIBLE, VERSION]:
            version = next(source for attribute, source in group if attribute == VERSION)
            rules = next(source for attribute, source in group if attribute == COMPATIBLE)
            result.append(_Unit(f"{version.name} and {rules.name}", version, rules))
            continue
        for attribute, source in group:
            if attribute == VERSION:
                result.append(_Unit(source.name, version=source))
            else:
                result.append(_Unit(source.name, rules=source))
    return result, errors


def _attribute(path: str, data: bytes) -> Attribute:
    """Which attribute the file *path* holds: the one it is named after, else the one its first line says."""
    name = os.path.basename(path)
    if name == VERSION or (name != COMPATIBLE and detect(data) == VERSION):
        return VERSION
    return COMPATIBLE


def _directory(argument: str, errors: list[tuple[str, str]]) -> _Unit | None:
    """The unit of the device directory *argument*, or None when it cannot be read (the reason added to *errors*).

    Its attributes are read by :func:`~migcompat.cli.attributes.read_in_directory`:
    a regular file reached through no link only, so a link to a file or a
    device elsewhere, or a FIFO, is refused unread.
    """
    unit = _Unit(display_name(argument), directory=argument)
    try:
        _, found = read_in_directory(argument, (VERSION, COMPATIBLE))
    except CannotRead as exc:
        errors.append((exc.path, exc.reason))
        return None
    present = list(found)
    if not present:
        reason = f"the directory has neither {VERSION} nor {COMPATIBLE}"
        if any(os.path.isdir(os.path.join(argument, top)) for top in ("bus", "class", "devices")):
            # The name escaped (a hostile name cannot reach the terminal) and quoted for the shell, to be pasted;
            # the command itself is quoted only when the name needed no quotes, to avoid nested ones.
            word = shlex.quote(display_name(argument))
            command = f"migcompat conformance {word}"
            shown = f"'{command}'" if word == display_name(argument) else command
            reason += f"; it is a sysfs tree: {shown} checks every device in it"
        elif _holds_devices(argument):
            word = shlex.quote(display_name(argument))
            reason += f"; its subdirectories hold them: check each device directory, 'migcompat lint {word}/*'"
        errors.append((argument, reason))
        return None
    refused = [read for read in found.values() if isinstance(read, CannotRead)]
    if refused:
        for failure in refused:
            reason = failure.reason
            if reason.endswith("(a symbolic link)"):
                word = shlex.quote(display_name(argument))
                reason += (
                    "; inside a directory no link is followed (a sysfs attribute is a file): give the files"
                    f" themselves, 'migcompat lint {word}/migration_*', or copy the directory with cp -L"
                )
            errors.append((failure.path, reason))
        return None
    for name, source in found.items():
        assert not isinstance(source, CannotRead)
        if name == VERSION:
            unit.version = source
        else:
            unit.rules = source
    if len(present) == 1:
        missing = COMPATIBLE if present == [VERSION] else VERSION
        unit.pair_failure = Failure(
            "MC-E5-PAIR",
            "",
            unit.label,
            f"{present[0]} is present but {missing} is not: a driver exposes both attributes or neither",
        )
    return unit


def _holds_devices(directory: str) -> bool:
    """Whether a subdirectory of *directory* holds a migration attribute (a folder of device directories)."""
    try:
        with os.scandir(directory) as entries:  # the first 256 entries: a hint is not worth a long listing
            subdirectories = [entry.path for entry in islice(entries, 256) if entry.is_dir(follow_symlinks=False)]
    except OSError:
        return False
    return any(holds_attributes(sub) for sub in subdirectories)


# ---- checking ---------------------------------------------------------------------------------------


_TYPE_ENTRIES: Final = ("available_instances", "create")
"""Entries of an mdev type directory: one that holds them is a type's."""
_INSTANCE_ENTRIES: Final = ("mdev_type", "subsystem", "vendor", "driver")
"""Entries of a device's directory (an mdev's type link, its bus, a PCI function's vendor, the bound driver)."""


def _kind_of(unit: _Unit, forced: str | None) -> str:
    """The placement kind *unit* is checked as: --kind, else where it lies in sysfs, else its param lines."""
    if forced is not None and _KINDS[forced] != "unplaced":
        return _KINDS[forced]
    source = unit.version or unit.rules
    assert source is not None
    placed = None
    if source.path != STDIN:
        where = unit.directory if unit.directory is not None else os.path.dirname(os.path.abspath(source.path))
        placed = _placement_of(where)
    if forced is not None:  # --kind instance: an mdev or not, as the directory says
        return placed if placed in _INSTANCE_KINDS else "unplaced"
    if placed is not None:
        return placed
    if unit.version is not None and _PARAM_LINE.search(unit.version.data):
        return "mdev_type"
    return "unplaced"


def _placement_of(where: str) -> str | None:
    """The placement kind of the attribute directory *where* as its place in sysfs says, or None if it says none."""
    parent = os.path.dirname(os.path.abspath(where))
    if os.path.basename(parent) == VFIO_DEV:
        # DEVICE/vfio-dev/vfioN: a device instance's VFIO device directory (clause 10); DEVICE tells its kind.
        return _instance_kind(os.path.dirname(parent))
    if os.path.basename(parent) == "mdev_supported_types" or any(
        os.path.lexists(os.path.join(where, entry)) for entry in _TYPE_ENTRIES
    ):
        return "mdev_type"
    if any(os.path.lexists(os.path.join(where, entry)) for entry in _INSTANCE_ENTRIES):
        return _instance_kind(where)
    return None


def _instance_kind(device: str) -> str:
    """Whether the device directory *device* is an mdev's (``mdev``), another device's, or does not say (``unplaced``).

    An mdev has an ``mdev_type`` link and its ``subsystem`` link names the
    mdev bus; a PCI function has ``vendor`` and ``device`` attributes
    (registry, ``pci_id``), which no mdev has. A ``driver`` link alone does
    not tell.
    """
    if os.path.lexists(os.path.join(device, "mdev_type")):
        return "mdev"
    subsystem = os.path.join(device, "subsystem")
    if os.path.islink(subsystem):
        with contextlib.suppress(OSError):
            bus = os.path.basename(os.readlink(subsystem).rstrip("/"))
            if bus:
                return "mdev" if bus == "mdev" else "pci" if bus == "pci" else "device"
    if os.path.lexists(os.path.join(device, "vendor")):
        return "pci"
    return "unplaced"


def _check(unit: _Unit, forced: str | None) -> None:
    unit.kind = _kind_of(unit, forced)
    unit.findings = check_texts(
        None if unit.version is None else unit.version.data,
        None if unit.rules is None else unit.rules.data,
        kind=unit.kind,
    )
    if unit.pair_failure is not None:
        unit.failures.append(unit.pair_failure)
    for failure in unit.findings.failures:
        unit.failures.append(
            Failure(
                failure.check,
                "",
                _file_of(unit, failure),
                _bounded_message(unit, failure),
                failure.excerpt,
                failure.details,
            )
        )


def _bounded_message(unit: _Unit, failure: Failure) -> str:
    """*failure*'s message, saying "more than" (as ``parse`` does) for a too-long attribute not read to its end.

    The checks saw only the first ATTRIBUTE_READ_LIMIT bytes of a longer
    file, so the size the parser reported is a lower bound.
    """
    source = unit.version if failure.path == VERSION else unit.rules
    if (
        failure.check != "MC-E1-PARSE"
        or failure.details.get("error_code") != "too-long"
        or source is None
        or source.complete  # the message already gives the size read, and its code
    ):
        return failure.message
    error = bounded_error(ParseError("too-long", failure.message, line=1, column=1), source)
    return f"error[{error.code}]: {error.message}"


_BOTH_ATTRIBUTES: Final = frozenset({"MC-E6-SELF", "MC-E7-SELFREF"})
"""The checks that read both attributes of a device: the excerpt of one of their failures may be a line of either."""


def _file_of(unit: _Unit, failure: Failure) -> str:
    """The file *failure* is about; for a check of both attributes (E6, E7) whose excerpt is a line of the other
    file, that one. Any other check is about the attribute it names: a parse error's excerpt (MC-E1-PARSE) is
    where the parser stopped, which need not be a whole line, and may read as a line of the other file too."""
    attributed = unit.version if failure.path == VERSION else unit.rules
    other = unit.rules if failure.path == VERSION else unit.version
    excerpt = failure.excerpt
    if (
        failure.check in _BOTH_ATTRIBUTES
        and excerpt is not None
        and other is not None
        and not _shows(attributed, excerpt.line, excerpt.text)
        and _shows(other, excerpt.line, excerpt.text)
    ):
        return other.name
    return unit.path_of(failure.path)


def _shows(source: Input | None, line: int, text: str) -> bool:
    """Whether line *line* of *source* is *text*."""
    if source is None:
        return False
    lines = source.data.decode("ascii", "replace").split("\n")
    return 0 < line <= len(lines) and lines[line - 1] == text


def _required(failures: Sequence[Failure]) -> list[Failure]:
    return [failure for failure in failures if failure.severity == "required"]


def _checked(unit: _Unit) -> list[str]:
    assert unit.findings is not None
    found = dict.fromkeys(unit.findings.checked)
    if unit.directory is not None:
        found["MC-E5-PAIR"] = None
    return [ident for ident in CHECKS if ident in found]


_STATUSES: Final = {"undecided": ExitCode.UNDECIDED, "failed": ExitCode.NEGATIVE, "passed": ExitCode.SUCCESS}


def _result(units: Sequence[_Unit], errors: Sequence[tuple[str, str]]) -> str:
    """The run's result, as the JSON says it and the exit status ranks it: an input not read leaves it undecided,
    whatever else failed; then a failed required check makes it failed; else it passed (warnings allowed)."""
    if errors:
        return "undecided"
    return "failed" if any(_required(unit.failures) for unit in units) else "passed"


def _unchecked(unit: _Unit) -> list[str]:
    """Why each check that did not run on *unit* did not: the checks that need both attributes, and those the
    checks could not decide (:attr:`~migcompat.conformance.emitter_checks.TextFindings.unchecked`)."""
    reasons: list[str] = []
    if unit.version is None or unit.rules is None:
        missing = COMPATIBLE if unit.version is not None else VERSION
        reasons.append(
            f"MC-E6-SELF and MC-E7-SELFREF need the device's {missing} too: give both files, or their directory"
        )
    else:
        assert unit.findings is not None
        ran = set(_checked(unit)) | set(_ids(unit.failures)) | set(unit.findings.unchecked)
        if not {"MC-E6-SELF", "MC-E7-SELFREF"} & ran:
            failed = [check for check in ("MC-E1-PARSE", "MC-E4-NO-PARAMS") if check in _ids(unit.failures)]
            why = f" ({' and '.join(failed)} failed)" if failed else ""
            reasons.append(f"MC-E6-SELF and MC-E7-SELFREF need both attributes valid{why}")
    for check, reason in _undecided(unit):
        reasons.append(f"{check}: {reason}")
    return reasons


def _undecided(unit: _Unit) -> list[tuple[str, str]]:
    """The checks the text checks did not run on *unit*, with the reason, in the order of the registry."""
    assert unit.findings is not None
    unchecked = unit.findings.unchecked
    found: list[tuple[str, str]] = []
    for check in CHECKS:
        reason = unchecked.get(check)
        if reason is None:
            continue
        if check == "MC-S2-DEFAULT-WRITTEN":
            reason += "; --kind mdev, pci or device says which"
        found.append((check, reason))
    return found


# ---- reporting --------------------------------------------------------------------------------------


def _location(failure: Failure) -> str:
    if failure.excerpt is None:
        return failure.path
    return f"{failure.path}:{failure.excerpt.line}:{failure.excerpt.column}"


def _write_text(units: Sequence[_Unit], errors: Sequence[tuple[str, str]]) -> None:
    if not units:
        return  # every input failed to read, and said so on standard error
    lines: list[str] = []
    for unit in units:
        for failure in unit.failures:
            fails = failure.severity == "required"
            word = click.style("FAIL" if fails else "WARN", fg="red" if fails else "yellow", bold=True)
            check = CHECKS[failure.check]
            lines.append(f"{word} {click.style(failure.check, bold=True)}  {_location(failure)}")
            lines.append(f"     {failure.message}")
            if failure.excerpt is not None:
                lines.extend("     " + line for line in render_excerpt(failure.excerpt))
            if "hint" in failure.details:
                lines.append(f"     hint: {failure.details['hint']}")
            lines.append(click.style(f"     spec clause {check.clause}: {check.title}", dim=True))
    if lines:
        lines.append("")
    failed = warned = 0
    for unit in units:
        required = _required(unit.failures)
        warnings = len(unit.failures) - len(required)
        failed += len(required)
        warned += warnings
        if required:
            status = click.style("FAILED", fg="red", bold=True) + f" ({', '.join(_ids(required))})"
        else:
            status = click.style("passed", fg="green", bold=True)
            if warnings:
                status += f" with {_count(warnings, 'warning')} ({', '.join(_ids(unit.failures))})"
        lines.append(f"{unit.label}: {unit.what}: {status}")
        lines.append(f"  checked: {', '.join(_checked(unit)) or 'nothing'}")
        assert unit.findings is not None
        lines.extend(f"  note: {note.check}: {note.message}" for note in unit.findings.notes)
        lines.extend(f"  not checked: {reason}" for reason in _unchecked(unit))
    if errors:  # as the exit status ranks it (_result): an input not read leaves the run undecided
        result = click.style("UNDECIDED", fg="yellow", bold=True) + f": {_count(len(errors), 'input')} not read"
        result += f" (above), {_count(failed, 'required check failure')}, {_count(warned, 'warning')}"
    elif failed:
        result = click.style("FAILED", fg="red", bold=True) + f": {_count(failed, 'required check failure')}"
        result += f", {_count(warned, 'warning')}"
    else:
        result = click.style("PASSED", fg="green", bold=True) + (f" with {_count(warned, 'warning')}" if warned else "")
    lines.append(f"Result: {result} ({_count(len(units), 'input')} checked)")
    echo("\n".join(lines))


def _ids(failures: Sequence[Failure]) -> list[str]:
    return list(dict.fromkeys(failure.check for failure in failures))


def _json_path(unit: _Unit) -> str:
    """The input as the JSON names it: the directory, the one file (``-`` for standard input, as in the attribute
    members), or the label of two files."""
    if unit.directory is not None:
        return unit.directory
    given = [source for source in (unit.version, unit.rules) if source is not None]
    return given[0].path if len(given) == 1 else unit.label


def _attribute_of(check: str) -> str:
    """The attribute a check that was not run is about: the rules for MC-E6-SELF, else the version."""
    return COMPATIBLE if check == "MC-E6-SELF" else VERSION


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _document(units: Sequence[_Unit], errors: Sequence[tuple[str, str]]) -> dict[str, object]:
    failures = [failure for unit in units for failure in unit.failures]
    inputs: list[dict[str, object]] = []
    notes: list[dict[str, str]] = []
    for unit in units:
        assert unit.findings is not None
        inputs.append(
            {
                "path": _json_path(unit),
                "kind": "type" if unit.kind == "mdev_type" else "instance",
                # What the instance is, as its directory or --kind says: mdev, pci, device; null when not known.
                "device": None if unit.kind in ("mdev_type", "unplaced") else unit.kind,
                VERSION: None if unit.version is None else unit.version.path,
                COMPATIBLE: None if unit.rules is None else unit.rules.path,
                "checked": _checked(unit),
                "failed": _ids(unit.failures),
            }
        )
        notes.extend(
            {"check": note.check, "path": unit.path_of(note.path), "message": note.message}
            for note in unit.findings.notes
        )
        notes.extend(
            {
                "check": check,
                "path": unit.path_of(_attribute_of(check)),
                "message": f"not checked: {reason}",
            }
            for check, reason in _undecided(unit)
        )
    return {
        "result": _result(units, errors),
        "inputs": inputs,
        "input_errors": [{"path": path, "error": read_error(reason)} for path, reason in errors],
        "failures": [{k: v for k, v in failure.to_json().items() if k != "host"} for failure in failures],
        "notes": notes,
    }
