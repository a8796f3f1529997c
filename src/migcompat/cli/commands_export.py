"""``migcompat export``: Placement traits and Kubernetes node labels for the schedulers that run fleets."""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import stat
from collections.abc import Callable, Mapping, Sequence
from numbers import Number
from typing import TYPE_CHECKING, Any, Final, NoReturn, TypeVar

import click

from .._jsondoc import json_text, pointer_token
from ..display import escape, first_few, plural
from ..errors import MigcompatError
from ..exports import DEFAULT_PARALLEL, MAX_PARALLEL
from .attributes import Loader, refuse_two_stdins, report_failures
from .captures import check_capture_ages, max_capture_age_option, read_capture_stdin, report_findings
from .exitcodes import EXIT_STATUS_HELP, ExitCode
from .groups import SuggestingGroup
from .io import STDIN, CannotRead, display_name, error_document, read_entry, read_input
from .options import checked_path, format_option
from .output import (
    ERRORS_SAID,
    OutputError,
    check_writable,
    echo,
    echo_error,
    echo_json,
    exit_with,
    prepare_directory,
    write_all_in_directory,
    write_output,
    write_output_or_exit,
)
from .signals import Terminated

if TYPE_CHECKING:
    from ..exports.mapping import ExportMapping
    from ..exports.placement import PlacementExport
    from ..exports.placement_client import PushReport
    from ..exports.table import ExportTable, Undecided
    from ..fleet.inventory import BarePlacement, Inventory, Provider
    from ..model import MigrationVersion

__all__ = ["export_command"]

_SCOPE: Final = """\
An export is necessary and sufficient for the source classes known when it
is made (the classes of the inventory's devices, and of any --source): a
provider is marked as accepting a class exactly when 'migcompat check' says
it accepts it. A class is the device descriptions that the exported rules
cannot tell apart: equal once the non-critical fields no rule reads (a
firmware build) are left out; the mapping records the keys the rules read,
and a query leaves out the same fields of its SOURCE. A source of a class
not seen then needs a new export, or an online 'migcompat match'."""

_GROUP_HELP: Final = f"""Export a fleet's compatibility to the schedulers that place VMs.

migcompat does not schedule: OpenStack Placement (Nova's scheduler) matches
traits and Kubernetes matches node labels, at scale. 'export placement' and
'export kubernetes' write what they match on, from an INVENTORY of captures
('migcompat capture' files, or directories of them; one can be -, standard
input), one capture per host, each naming its host; the '-query' commands
print what a source's placement request needs. Exit status: 0 written, 1 a
query matches nothing, 3 an input or the export is not usable (see
'migcompat export COMMAND --help').

\b
Examples:
  migcompat capture -o t4-node-16.json                   # on each host
  migcompat export kubernetes captures/ -o labels/
  migcompat export kubernetes-query --mapping labels/mapping.migcompat /sys/bus/mdev/devices/$UUID
  migcompat export placement --enabled-type nvidia-230 captures/ -o traits.json
  migcompat export placement-query --mapping traits.json /sys/bus/mdev/devices/$UUID

Placements whose migration attributes are missing or invalid are left out,
with a note on standard error counting them; an inventory left with no
provider at all is an error, and nothing is written or removed. What a
capture recorded while it was taken (an unreadable directory, a link loop...)
is a warning on standard error, with the first few: a device there that
could not be read is not in the export, which is written all the same (it
marks what was read, and nothing it could not read as accepting). A host
whose placements could not be decided keeps its node object with only the
labels decided (none: an empty set, which clears its labels), and such a
placement's resource provider gets no migcompat trait (a push clears them);
a warning names the hosts. With --strict, 'export kubernetes' and 'export
placement' refuse such an inventory instead (exit 3): nothing is written,
removed or pushed (the schedulers guide, 'When the inventory is incomplete').
A file of an INVENTORY directory that is not a valid capture (truncated in
transfer) is refused with or without --strict (exit 3, nothing written,
removed or pushed): the host it holds is not known, so the labels and traits
an earlier export gave that host would stay in force. A JSON file there that
is not a capture at all (no capture format: an error saved as JSON) is
skipped with a note, and refused with --strict; a conformance sample's
sample.json is skipped without one.
A capture taken longer ago than --max-capture-age (48 hours by default),
or whose time is in the future or unreadable, is named in a warning: its
host may have changed since; --strict refuses it (error[capture-stale]).

{_SCOPE}
"""

_EPILOG: Final = (
    EXIT_STATUS_HELP + "\n\nFor export: 0 written (and pushed), 1 a query that matches no node or resource"
    " provider of the export, 2 a bad option value (an --endpoint that is"
    " not an http(s) URL, an --rp-name field other than the four listed, --rp-name '' without"
    " --rp-uuids, a --node-name field other than {host} and {short}, a --prefix or --namespace Kubernetes"
    " does not allow, an --enabled-type no device"
    " type of the inventory (or of its HOST) has, two inputs on standard"
    " input, --mapping with -o FILE, --mapping - without -o DIR), 3 an input that cannot be read,"
    " a host in two captures, a capture without a host name or a file of an INVENTORY directory that is"
    " not a valid capture, nothing to export, with --strict"
    " a placement that could not be decided, a capture fault that may hide one or a capture older than"
    " --max-capture-age, a source that"
    " is a device type, a name from the inventory outside the scheduler's rules or a collision, two providers on one"
    " resource provider, a source of a class the export does not know, or a Placement request"
    " that failed."
)
_AS_IT_WAS: Final = (
    "the export says what each host was then, which may not be what it is now (a driver updated, a type enabled)"
)
"""What an export from a stale capture does, for the warning about it."""
_SHOWN_TYPES: Final = 20
"""How many of the inventory's type names an unmatched --enabled-type error lists."""


_T = TypeVar("_T")


def _option_value(ctx: click.Context, option: str, make: Callable[[], _T]) -> _T:
    """*make*() for the value of *option*: a name it refuses (``export-invalid-name``) is the command line's fault,
    a usage error (exit status 2) naming *option*, found before any input is read."""
    try:
        return make()
    except MigcompatError as exc:
        if exc.code != "export-invalid-name":
            _fail(ctx, exc)
        echo_error(f"{option}: {escape(exc.message)}")
        ctx.exit(ExitCode.USAGE)


def _fail(ctx: click.Context, exc: MigcompatError) -> NoReturn:
    echo_error(escape(exc.message), exc.code)
    ctx.exit(ExitCode.UNDECIDED)


def _sources(ctx: click.Context, paths: Sequence[str], label: str) -> list[tuple[str, MigrationVersion]]:
    """The migration_version of every path (a file, - or a device directory); failures end the command.

    A device type's template (param lines) is not a source: it ends the
    command with exit 3, naming it, rather than be left out silently.
    """
    loader = Loader()
    versions = [(path, loader.version(f"source {number}", path)) for number, path in enumerate(paths, 1)]
    if loader.failures:
        report_failures(loader.failures, json_output=False)
        ctx.exit(ExitCode.UNDECIDED)
    read = [(path, version) for path, version in versions if version is not None]
    for path, version in read:
        if version.params:
            echo_error(
                f"{label} {display_name(path)} is a device type (its migration_version has param lines),"
                f" not a device instance: {label} takes a device's migration_version",
                "source-is-template",  # as 'migcompat match' says it
            )
            ctx.exit(ExitCode.UNDECIDED)
    return read


def _write(ctx: click.Context, path: str, text: str, *, after: str = "") -> None:
    """Write *text* to the file *path* the user named; a failure ends the command with exit 3 (*after*: what was done).

    The file is replaced whole, and a FIFO that no process reads is an
    error at once (:func:`~migcompat.cli.output.write_output`).
    """
    write_output_or_exit(ctx, path, text, encoding="ascii", after=after)


def _reason(exc: OSError | ValueError) -> str:
    """Why an output could not be written: the system's message, else the exception's text (an embedded NUL...)."""
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)


def _output_name(path: str) -> str:
    """How messages name the output *path*: ``<stdout>`` for ``-``, else as :func:`~migcompat.cli.io.display_name`."""
    return "<stdout>" if path == STDIN else display_name(path)


def _json_text(document: object) -> str:
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"


def _inventory(
    ctx: click.Context,
    inventory: Sequence[str],
    enabled_types: Mapping[str, str],
    *,
    excluded: Sequence[str] = (),
) -> tuple[list[Provider], list[Provider], Inventory, Callable[[str, str], bool]]:
    """Every provider of *inventory*, those the export keeps, all that was read, and which types are enabled.

    The path ``-`` is the capture on standard input. An inventory that
    cannot be read, in which two captures name one host or a capture names
    none (:func:`~migcompat.exports.table.check_inventory`), ends the command
    with exit 3. The placements left out (missing or invalid attributes) are
    counted in a note on standard error; an inventory left with no provider
    ends the command with exit 3, before anything is written, unless it has
    placements an export maps with no mark (an undecided placement, one with
    neither migration attribute): clearing the marks an earlier export gave
    them (Placement traits, node labels) is then what the export is for.
    The hosts *excluded* (``--exclude-host``) have no target in the export
    (:meth:`~migcompat.fleet.inventory.Inventory.without_targets_of`); one
    that is not in the inventory is a usage error (exit 2).

    The providers kept are the devices and the enabled device types; the
    last value says whether the type named (the second argument) is enabled
    on a host (the first). *enabled_types* holds type names, enabled on
    every host, and ``HOST=TYPE``, enabled on that host, each with where it
    was given (:func:`_enabled_entries`), whose types are then
    those its ``HOST=`` entries name and no other: as Nova's ``[devices]
    enabled_mdev_types``, which each compute host sets for itself. Every
    type is enabled when *enabled_types* is empty, and on a host that has no
    ``HOST=`` entry when there is no plain TYPE either. A TYPE that no device
    type of the inventory (of HOST) has, or a HOST that is not in the
    inventory, ends the command with a usage error (exit 2) listing the
    type names (or hosts) it has: a misspelt name would otherwise leave
    providers out, silently.
    """
    from ..exports.table import check_inventory, undecided_placements
    from ..fleet.inventory import load_inventory

    try:
        stdin = read_capture_stdin() if STDIN in inventory else None
        loaded = load_inventory(list(inventory), stdin=stdin)
        check_inventory(loaded)
    except MigcompatError as exc:
        _fail(ctx, exc)
    unknown = [host for host in dict.fromkeys(excluded) if host not in loaded.hosts]
    if unknown:
        echo_error(
            f"--exclude-host: no host of the inventory is named {', '.join(repr(escape(h)) for h in unknown)}"
            f" (its hosts: {first_few(sorted(loaded.hosts), _SHOWN_TYPES, escape)})"
        )
        ctx.exit(ExitCode.USAGE)
    whole, loaded = loaded, loaded.without_targets_of(excluded)
    report_findings(loaded)
    foreign = _not_captures(loaded)
    if foreign:
        echo(
            f"migcompat: note: skipped {plural(len(foreign), 'JSON file')} of the inventory that"
            f" {'is' if len(foreign) == 1 else 'are'} not a migcompat capture: {first_few(foreign, 3, escape)}"
            " (--strict refuses them: one may be a host's capture that failed)",
            err=True,
        )
    if not loaded.providers and not (loaded.bare or undecided_placements(loaded)):
        skipped = [f for f in loaded.findings if f.code != "not-a-capture" and not f.capture]
        if skipped:
            why = "every placement with migration attributes was skipped (see the note above)"
        elif loaded.incomplete:
            why = (
                "its captures hold no device or device type with migration attributes that could be read"
                " (see the warning above)"
            )
        else:
            why = "its captures hold no device or device type with migration attributes"
        echo_error(f"nothing to export: the inventory has no provider: {why}; nothing was written", "nothing-to-check")
        ctx.exit(ExitCode.UNDECIDED)
    every = list(loaded.providers)
    if not enabled_types:
        return every, every, loaded, lambda host, ident: True
    everywhere: set[str] = set()
    scoped: dict[str, set[str]] = {}
    given: dict[tuple[str, str | None], str] = {}  # where the first entry of (HOST, TYPE) and of (HOST, any) was
    for value, where in enabled_types.items():
        host, name = _host_and_type(value)
        if host:
            scoped.setdefault(host, set()).add(name)
        else:
            everywhere.add(name)
        given.setdefault((host, name), where)
        given.setdefault((host, None), where)

    def listed(option: str, shown: Sequence[tuple[str, str]]) -> tuple[str, str]:
        """What an error names first, and its list of (name, where it was given): a file's with its line."""
        if all(where == _ENABLED_FLAG for _, where in shown):
            return option, first_few(shown, _SHOWN_TYPES, lambda item: f"'{escape(item[0])}'")
        files = all(where != _ENABLED_FLAG for _, where in shown)
        return "--enabled-types-file" if files else f"{_ENABLED_FLAG}, --enabled-types-file", first_few(
            shown, _SHOWN_TYPES, lambda item: f"'{escape(item[0])}' ({item[1]})"
        )

    # the names are checked against the whole inventory: leaving a host out does not make its types unknown
    typed = [(p.host, p.ident) for p in whole.providers if p.kind == "type"]
    typed += [(u.host, u.ident) for u in undecided_placements(whole) if u.kind == "type"]
    typed += [(b.host, b.ident) for b in whole.bare if b.kind == "type"]
    hosts = sorted({host for _, host in whole.file_hosts})
    unknown_hosts = sorted(host for host in scoped if host not in hosts)
    if unknown_hosts:
        option, names = listed("--enabled-type HOST=TYPE", [(host, given[host, None]) for host in unknown_hosts])
        echo_error(
            f"{option}: no host of the inventory is named {names} (its hosts: {first_few(hosts, _SHOWN_TYPES, escape)})"
        )
        ctx.exit(ExitCode.USAGE)
    for host, names_on in sorted(scoped.items()):
        there = sorted({ident for on, ident in typed if on == host})
        missing = sorted(name for name in names_on if name not in there)
        if missing:
            option, names = listed(
                f"--enabled-type {escape(host)}=TYPE", [(name, given[host, name]) for name in missing]
            )
            echo_error(
                f"{option}: no device type of host {escape(host)} is named {names}"
                f" (its types: {first_few(there, _SHOWN_TYPES, escape) or 'none'})"
            )
            ctx.exit(ExitCode.USAGE)
    types = sorted({ident for _, ident in typed})
    unmatched = sorted(name for name in everywhere if name not in types)
    if unmatched:
        option, names = listed(_ENABLED_FLAG, [(name, given["", name]) for name in unmatched])
        echo_error(
            f"{option}: no device type of the inventory is named {names}"
            f" (its types: {first_few(types, _SHOWN_TYPES, escape) or 'none'})"
        )
        ctx.exit(ExitCode.USAGE)

    def enabled(host: str, ident: str) -> bool:
        if host in scoped:
            return ident in scoped[host]
        return ident in everywhere if everywhere else True

    return every, [p for p in every if p.kind != "type" or enabled(p.host, p.ident)], loaded, enabled


_ENABLED_FLAG: Final = "--enabled-type"
_ENABLED_READ_LIMIT: Final = 1 << 20
"""Read at most this much of an --enabled-types-file (1 MiB: some 30,000 HOST=TYPE entries)."""
_ENTRY_SEPARATORS: Final = re.compile(r"[ \t\r\f\v,]+")


def _host_and_type(entry: str) -> tuple[str, str]:
    """The HOST ('' for none) and the TYPE of an ``[HOST=]TYPE`` entry."""
    host, _, name = entry.rpartition("=")
    return host, name


def _enabled_entries(ctx: click.Context, given: Sequence[str], files: Sequence[str]) -> dict[str, str]:
    """Every ``[HOST=]TYPE`` entry of --enabled-type and of each --enabled-types-file, with where it was given.

    The value is ``--enabled-type`` for an entry given on the command line
    (first), else ``FILE, line N`` for the first line that gives it. A file
    holds entries separated by white space or commas, a ``#`` starting a
    comment to the end of its line; lines end at a line feed, and a byte
    order mark may start it. A file that cannot be read (or is larger than
    :data:`_ENABLED_READ_LIMIT`) ends the command with exit 3
    (``input-unreadable``), as another unreadable input does. A file that is
    not UTF-8, holds an entry with an empty HOST or TYPE, several ``=`` or a
    character that is not printable, or, with no --enabled-type, holds no
    entry at all (a template that rendered empty would otherwise enable
    every type) ends it with a usage error (exit 2) naming the file and line.
    """
    entries = dict.fromkeys(given, _ENABLED_FLAG)
    for path in files:
        name = display_name(path)
        try:
            text = _read_bounded(path, _ENABLED_READ_LIMIT).decode("utf-8-sig")
        except CannotRead as exc:
            echo_error(f"--enabled-types-file: {escape(str(exc))}", "input-unreadable")
            ctx.exit(ExitCode.UNDECIDED)
        except UnicodeDecodeError as exc:
            row = exc.object.count(b"\n", 0, exc.start) + 1
            column = exc.start - exc.object.rfind(b"\n", 0, exc.start)
            echo_error(f"--enabled-types-file {name}, line {row}, column {column}: not UTF-8 text")
            ctx.exit(ExitCode.USAGE)
        for number, line in enumerate(text.split("\n"), 1):
            for entry in _ENTRY_SEPARATORS.split(line.partition("#")[0]):
                if not entry:
                    continue
                host, name_of_type = _host_and_type(entry)
                if not name_of_type or "=" in host or (entry.count("=") and not host) or not entry.isprintable():
                    echo_error(
                        f"--enabled-types-file {name}, line {number}: '{escape(entry)}' is not an entry TYPE or"
                        " HOST=TYPE"
                    )
                    ctx.exit(ExitCode.USAGE)
                entries.setdefault(entry, f"{name}, line {number}")
    if files and not entries:
        echo_error(
            f"--enabled-types-file {', '.join(display_name(path) for path in files)}: no [HOST=]TYPE entry (only"
            " blank lines and comments), which would export every type: name the enabled types, or leave out"
            " --enabled-types-file"
        )
        ctx.exit(ExitCode.USAGE)
    return entries


def _refuse_incomplete(ctx: click.Context, loaded: Inventory, enabled: Callable[[str, str], bool]) -> None:
    """With --strict: end the command with exit 3, before anything is written, when *loaded* is not whole.

    Not whole: a finding of :func:`~migcompat.exports.table.incomplete_findings`
    (a placement of the export that could not be decided, a capture fault
    that may hide one). The code is ``capture-unreadable`` when a capture
    could not read part of its host, else ``capture-invalid``, as ``migcompat
    match`` says when such a finding leaves its answer unknown.
    """
    from ..exports.table import incomplete_findings

    foreign = _not_captures(loaded)
    if foreign:
        echo_error(
            f"--strict: {plural(len(foreign), 'JSON file')} of the inventory {'is' if len(foreign) == 1 else 'are'}"
            f" not a migcompat capture: {first_few(foreign, 3, escape)}; one may be a host's capture that failed"
            " (an error saved in its place), whose host the export would then leave out: nothing was written;"
            " move such files out of the inventory directory, or export without --strict",
            "capture-invalid",
        )
        ctx.exit(ExitCode.UNDECIDED)
    found = incomplete_findings(loaded, enabled)
    if not found:
        return
    hosts = sorted({finding.host for finding in found})
    faults = sum(1 for finding in found if finding.capture)
    placements = len(found) - faults
    parts = []
    if placements:
        parts.append(f"{plural(placements, 'placement')} could not be decided")
    if faults:
        parts.append(f"{plural(faults, 'capture fault')} may hide a device or type")
    echo_error(
        f"--strict: {' and '.join(parts)} (see above), on {plural(len(hosts), 'host')}: {_host_list(hosts)};"
        " nothing was written, so what an earlier export gave their nodes and resource providers stays in force:"
        " capture those hosts again, or export without --strict to mark only what was decided (and clear the rest)",
        "capture-unreadable" if faults else "capture-invalid",
    )
    ctx.exit(ExitCode.UNDECIDED)


def _not_captures(loaded: Inventory) -> list[str]:
    """The JSON files of the inventory's directories that are not captures (an error saved as JSON, another
    program's document), but for a conformance sample's manifest, ``sample.json`` beside its captures."""
    return [
        finding.path
        for finding in loaded.findings
        if finding.code == "not-a-capture" and os.path.basename(finding.path) != _SAMPLE_MANIFEST
    ]


_SAMPLE_MANIFEST: Final = "sample.json"


def _table(ctx: click.Context, providers: Sequence[Provider], loaded: Inventory, sources: Sequence[str]) -> ExportTable:
    """The export table of *providers*: the classes of their devices, of the devices *loaded* keeps only as
    sources (``Provider.target`` False: their rules are unusable, but a target may accept them) and of the
    --source files *sources*. A table too large to write ends the command (exit 3) before it is built whole."""
    from ..exports.table import build_table

    extra = [version for _, version in _sources(ctx, sources, "--source")]
    try:
        return build_table(providers, extra, sources_only=[p for p in loaded.sources if not p.target])
    except MigcompatError as exc:
        _fail(ctx, exc)


def _read_mapping(ctx: click.Context, path: str, expected_format: str) -> ExportMapping:
    """The mapping document *path* names (a file, a pipe, or - for standard input), read bounded."""
    from ..exports.errors import ExportError
    from ..exports.mapping import MAPPING_READ_LIMIT, parse_mapping

    name = display_name(path)
    try:
        read = _read_bounded(path, MAPPING_READ_LIMIT)
        return parse_mapping(read, name, expected_format)
    except CannotRead as exc:
        _fail(ctx, ExportError("export-mapping-invalid", str(exc), where=name))
    except MigcompatError as exc:
        _fail(ctx, exc)


def _read_bounded(path: str, limit: int) -> bytes:
    """The bytes of the input *path* (- is standard input; see :func:`~migcompat.cli.io.read_input`), at most *limit*.

    A regular file larger than *limit* is refused from its size, unread.
    Raises :class:`~migcompat.cli.io.CannotRead`.
    """
    name = display_name(path)
    if path != STDIN:
        try:
            info = os.stat(path)
        except (OSError, ValueError):
            info = None  # read_input says why
        if info is not None and stat.S_ISREG(info.st_mode) and info.st_size > limit:
            raise CannotRead(name, f"it is {info.st_size} bytes, more than the {limit} read")
    read = read_input(path, limit)
    if not read.complete:
        raise CannotRead(name, f"it is more than the {limit} bytes read")
    return read.data


def _check_endpoint(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """The --endpoint URL, or a usage error naming it when it is not an http(s) URL with a host."""
    from ..exports.placement_client import endpoint_problem

    if value is None:
        return None
    problem = endpoint_problem(value)
    if problem is not None:
        raise click.BadParameter(f"'{escape(value)}' {problem}", ctx, param)
    return value


def _check_rp_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """The --rp-name template ('' maps by UUID only; None: not given), or a usage error for another field or form."""
    from ..exports.placement import name_template_problem

    if not value:
        return value
    problem = name_template_problem(value)
    if problem is not None:
        raise click.BadParameter(f"'{escape(value)}' {problem}", ctx, param)
    return value


@click.group(
    "export",
    cls=SuggestingGroup,
    help=_GROUP_HELP,
    epilog=_EPILOG,
    short_help="Export a fleet's compatibility as Placement traits or Kubernetes node labels.",
)
def export_command() -> None:
    pass


_INVENTORY = click.argument("inventory", metavar="INVENTORY...", nargs=-1, required=True, type=checked_path(dash=True))
_EXTRA_SOURCE = click.option(
    "--source",
    "sources",
    metavar="FILE",
    multiple=True,
    type=checked_path(dash=True),
    help="A source device's migration_version (a file, - or a device directory) whose class the export should know"
    " besides the inventory's devices (repeatable). A device type's is refused.",
)
_STRICT = click.option(
    "--strict",
    is_flag=True,
    help="Exit 3, writing (and pushing) nothing, when a placement could not be decided or a capture fault may"
    " hide one, or when what an earlier export gave outside this one would stay in force (a pushed resource"
    " provider's traits: export-stale-traits): no export rather than a partial one.",
)


_MAX_CAPTURE_AGE = max_capture_age_option(
    "the export would advertise it as it was. --strict refuses such a capture (capture-stale)."
)
_ENABLED_TYPE = click.option(
    "--enabled-type",
    "enabled_types",
    metavar="[HOST=]TYPE",
    multiple=True,
    help="Keep only these device types (repeatable), as Nova's [devices] enabled_mdev_types does; default: all."
    " HOST=TYPE enables TYPE on HOST only, whose types are then those its HOST= values name. A TYPE no device type"
    " of the inventory (of HOST) has, or a HOST not in it, is a usage error.",
)
_ENABLED_TYPES_FILE = click.option(
    "--enabled-types-file",
    "enabled_files",
    metavar="FILE",
    multiple=True,
    type=checked_path(dash=True),
    help="Read more --enabled-type values from FILE (repeatable; - is standard input): [HOST=]TYPE entries separated"
    " by white space or commas, # starting a comment; for a fleet whose hosts each enable their own types. An"
    " error names the file and line.",
)

_PLACEMENT_HELP: Final = f"""Write (and push) Placement traits saying which source classes each provider accepts.

Every device and device type of the INVENTORY gets the trait
CUSTOM_MIGCOMPAT_ACCEPTS_<ID> for each known source class <ID> it accepts; a
device also gets CUSTOM_MIGCOMPAT_IS_<ID> for its own class. The mapping
document (JSON: each class with its canonical text, traits and query, each
trait's class, each provider's resource provider and set of accepted
classes) goes to --mapping FILE (or -o FILE, the same), or to standard
output (neither given, or -). Exit status: 0 written (and pushed), 3 the
mapping was not written (an input or a name is not usable, or a Placement
request failed).

\b
Examples:
  migcompat export placement conformance/samples/nvidia-vgpu/ --mapping traits.json \\
      --enabled-type nvidia-222 --enabled-type nvidia-230
  OS_TOKEN=... migcompat export placement captures/ --mapping traits.json \\
      --enabled-type nvidia-230 --endpoint http://placement.example:8778

With --endpoint URL the traits are pushed. First, reading only, every mapped
resource provider is found (in one listing, by name, or its UUID checked): one Placement
does not have, or two providers landing on one UUID, is an error and nothing
is written. Then each trait is created (PUT /traits/NAME: every ACCEPTS trait,
an IS trait only where a mapped provider carries it) and set on each
mapped resource provider (PUT /resource_providers/UUID/traits, with its
generation), keeping the provider's traits that do not start with
CUSTOM_MIGCOMPAT_. The token is read from the environment variable that
--token-env names (default OS_TOKEN). A resource provider outside the export
that carries CUSTOM_MIGCOMPAT_ traits (its host left out of the INVENTORY,
its type no longer enabled) is named in a warning, found before anything is
written: --strict refuses to push (export-stale-traits) and --prune clears
its migcompat traits. With --prune, the CUSTOM_MIGCOMPAT_ traits the export
no longer sets are then deleted from Placement. The
mapping is written once the push has succeeded: when a request fails part
way, the error lists what was applied and what was not, and the mapping is
not written (a FILE from an earlier export is left as it was); push again
once Placement answers.

Which resource provider a provider's traits go to (why, for Nova: the
schedulers guide, 'OpenStack Nova and Placement'): the UUID given for
HOST:PATH in --rp-uuids FILE (a JSON object; - reads it from standard
input), else the resource provider named by --rp-name (default
'{{host}}_{{nodedev}}' for device types only: the name Nova's libvirt driver
gives a physical GPU, such as HOST_pci_0000_84_00_0; a device type maps to
its parent GPU). A device is named only by an --rp-name given (Nova's
PCI-in-Placement sets a PCI device's traits itself): a note counts the PCI
devices left unmapped. An mdev instance has no resource provider of its own
in Nova and is left out unless --rp-uuids names it. Without --endpoint,
a note says how many names and UUIDs were not checked against Placement. A
placement whose attributes could not be read or decided is mapped too, with
no trait: a push clears its resource provider's CUSTOM_MIGCOMPAT_ traits,
even when nothing else could be decided; with --strict such an inventory
(or a capture fault that may hide a placement) is refused instead (exit 3),
and nothing is written or pushed. So is a placement with neither migration
attribute (its driver does not migrate), unless something else of the
export maps to its resource provider. A --rp-uuids value must be a UUID
string, and a key may appear once; a key that names no provider of the
INVENTORY gets a warning. Two providers on one resource provider (several
mdev types of one GPU) is an error (export-ambiguous-provider), with or
without --endpoint, and nothing is written: name the type Nova enables on
each GPU with --enabled-type (HOST=TYPE for one host), or map the providers
by UUID.

{_SCOPE}
"""


@export_command.command(
    "placement",
    help=_PLACEMENT_HELP,
    epilog=_EPILOG,
    short_help="Write and push Placement traits saying which source classes each provider accepts.",
)
@_INVENTORY
@click.option(
    "--mapping",
    metavar="FILE",
    type=checked_path(dash=True),
    help="Write the mapping document here (default, and -: standard output).",
)
@click.option(
    "--output",
    "-o",
    metavar="FILE",
    type=checked_path(dash=True),
    help="The same as --mapping FILE (give one of them): the mapping document is this export's output.",
)
@click.option(
    "--endpoint",
    metavar="URL",
    callback=_check_endpoint,
    help="Push the traits to the Placement service at URL (an http or https URL with a host).",
)
@click.option(
    "--token-env",
    metavar="NAME",
    default="OS_TOKEN",
    show_default=True,
    help="The environment variable holding the token sent to --endpoint.",
)
@click.option(
    "--prune",
    is_flag=True,
    help="With --endpoint: after the push, clear the CUSTOM_MIGCOMPAT_ traits of the resource providers outside"
    " the export, then delete Placement's CUSTOM_MIGCOMPAT_ traits this export does not set, keeping (and"
    " reporting) those still on a resource provider. Trait definitions are global to a Placement: prune only from"
    " the one export that owns the CUSTOM_MIGCOMPAT_ prefix there, the whole fleet's.",
)
@click.option(
    "--rp-uuids",
    metavar="FILE",
    type=checked_path(dash=True),
    help='A JSON object {"HOST:PATH": "UUID", ...} (- reads it from standard input).',
)
@click.option(
    "--rp-name",
    metavar="TEMPLATE",
    callback=_check_rp_name,
    help="The resource provider name of a provider, from the fields {host}, {ident}, {kind} and {nodedev}"
    " (no others, each as written here); '' maps by UUID only (and needs --rp-uuids). Default: '{host}_{nodedev}'"
    " for device types only; a TEMPLATE given here names devices too.",
)
@click.option(
    "--parallel",
    "-j",
    metavar="N",
    type=click.IntRange(1, MAX_PARALLEL),
    default=DEFAULT_PARALLEL,
    show_default=True,
    help="With --endpoint: up to N requests to Placement at once, each for a resource provider or a trait of its"
    " own; 1 makes them one at a time, in order, none after a failure.",
)
@_ENABLED_TYPE
@_ENABLED_TYPES_FILE
@click.option(
    "--exclude-host",
    "excluded",
    metavar="HOST",
    multiple=True,
    help="Give no trait on this host (repeatable): a host whose resource providers Placement does not have now"
    " (being re-provisioned). Its devices stay known as sources; its resource providers keep what an earlier"
    " export gave them, which the push names (and --prune clears).",
)
@_EXTRA_SOURCE
@_STRICT
@_MAX_CAPTURE_AGE
@format_option(
    "text: the summary and the push's report for people; json (with --endpoint and --mapping FILE): the push's"
    " report as one JSON object on standard output (push-report.schema.json), written when the push fails too,"
    " with the error's code; notes and warnings stay on standard error."
)
@click.pass_context
def placement_command(ctx: click.Context, /, output_format: str, **options: Any) -> None:
    json_output = output_format == "json"
    if json_output and options["endpoint"] is None:
        echo_error("--format json reports a push: give the --endpoint URL of the Placement service")
        ctx.exit(ExitCode.USAGE)
    if json_output and (options["mapping"] or options["output"] or STDIN) == STDIN:
        echo_error("--format json writes the push's report to standard output: give the mapping a --mapping FILE")
        ctx.exit(ExitCode.USAGE)
    try:
        _placement(ctx, json_output=json_output, **options)
    except click.exceptions.Exit as exc:
        if json_output and exc.exit_code == ExitCode.UNDECIDED and not ctx.meta.get(_REPORTED):
            # an error before any request: the error alone, as every command's JSON output has it
            said = ctx.meta.get(ERRORS_SAID) or [("placement-failed", "the export failed (see standard error)")]
            echo_json(error_document(*said[0]))
        raise


_REPORTED: Final = "migcompat.export.reported"
"""The key of the click context's ``meta`` set once the push's JSON report is written."""


def _placement(
    ctx: click.Context,
    *,
    json_output: bool,
    inventory: tuple[str, ...],
    mapping: str | None,
    output: str | None,
    endpoint: str | None,
    token_env: str,
    prune: bool,
    rp_uuids: str | None,
    rp_name: str | None,
    parallel: int,
    enabled_types: tuple[str, ...],
    enabled_files: tuple[str, ...],
    excluded: tuple[str, ...],
    sources: tuple[str, ...],
    strict: bool,
    max_age: datetime.timedelta | None,
) -> None:
    """``export placement``: the export, its push (with *endpoint*), and its report (*json_output*: as JSON)."""
    from ..exports.mapping import mapping_text
    from ..exports.placement import DEFAULT_NAME_TEMPLATE, ResourceProviderMap, build_export
    from ..exports.placement_client import PlacementClient, PushReport, cleartext_endpoint, push
    from ..exports.table import undecided_placements

    refuse_two_stdins(
        [
            *(("INVENTORY", path) for path in inventory),
            *(("--source", path) for path in sources),
            *(("--enabled-types-file", path) for path in enabled_files),
            ("--rp-uuids", rp_uuids),
        ]
    )
    if mapping is not None and output is not None:
        echo_error("-o/--output FILE is --mapping FILE by another name: give one of them, not both")
        ctx.exit(ExitCode.USAGE)
    mapping = mapping if output is None else output
    if prune and endpoint is None:
        echo_error("--prune deletes traits from a Placement service: give its --endpoint URL")
        ctx.exit(ExitCode.USAGE)
    if rp_name == "" and not rp_uuids:
        echo_error("--rp-name '' maps providers by UUID only: give the UUIDs with --rp-uuids FILE, or a name template")
        ctx.exit(ExitCode.USAGE)
    token = os.environ.get(token_env, "") if endpoint is not None else ""
    if endpoint is not None and not token:
        echo_error(f"no token to send to {escape(endpoint)}: set the environment variable {escape(token_env)}")
        ctx.exit(ExitCode.USAGE)
    if endpoint is not None and cleartext_endpoint(endpoint):
        echo(
            f"migcompat: warning: the token goes to {escape(endpoint)} in clear text (http:// to a host that is"
            " not this machine, or through the HTTP proxy of http_proxy): use https://",
            err=True,
        )
    uuids = _uuid_map(ctx, rp_uuids) if rp_uuids else {}
    entries = _enabled_entries(ctx, enabled_types, enabled_files)
    every, providers, loaded, enabled = _inventory(ctx, inventory, entries, excluded=excluded)
    if strict:
        _refuse_incomplete(ctx, loaded, enabled)
    check_capture_ages(ctx, loaded, max_age, _AS_IT_WAS, strict=strict, excluded=excluded)
    undecided = [u for u in undecided_placements(loaded) if u.kind != "type" or enabled(u.host, u.ident)]
    bare = [b for b in loaded.bare if b.kind != "type" or enabled(b.host, b.ident)]
    if rp_uuids:
        _warn_unmatched_keys(display_name(rp_uuids), uuids, [*every, *undecided, *bare])
    table = _table(ctx, providers, loaded, sources)
    target = mapping if mapping is not None and mapping != STDIN else None
    template = DEFAULT_NAME_TEMPLATE if rp_name is None else rp_name or None
    try:
        rp_map = ResourceProviderMap(uuids, template, devices=rp_name is not None)
        export = build_export(table, rp_map, undecided, bare)
        export.by_resource_provider()  # two providers on one resource provider: refused before anything is written
        text = mapping_text(export.to_json(), _output_name(STDIN if target is None else target))
    except MigcompatError as exc:
        _fail(ctx, exc)
    mapped = sum(entry.resource_provider is not None for entry in export.providers)
    undecided_mapped = sum(entry.resource_provider is not None for entry in export.undecided)
    also = (
        f" and {plural(len(export.undecided), 'undecided provider')} ({undecided_mapped} mapped, with no trait)"
        if export.undecided
        else ""
    )
    made = len(export.placement_traits())  # is traits no mapped provider carries are not made (F10)
    pushed = f" (a push makes {made})" if made < len(export.traits) else ""
    counts = {
        "source_classes": len(export.table.classes),
        "traits": len(export.traits),
        "traits_pushed": made,
        "providers": len(export.providers),
        "providers_mapped": mapped,
        "undecided": len(export.undecided),
        "undecided_mapped": undecided_mapped,
    }

    def report_json(report: PushReport | None, *, written: bool, error: tuple[str, str, str | None] | None) -> None:
        """Write the push's JSON report (push-report.schema.json) once, on standard output."""
        if not json_output:
            return
        document: dict[str, object] = {
            "endpoint": endpoint,
            "mapping": None if target is None else display_name(target),
            "mapping_written": written,
            "export": counts,
            "push": None if report is None else {**report.to_json(), "changed": report.changed()},
        }
        if error is not None:
            document.update(error_document(*error))
        ctx.meta[_REPORTED] = True
        echo_json(document)

    summary = (
        f"{plural(len(export.table.classes), 'source class', 'source classes')},"
        f" {plural(len(export.traits), 'trait')}{pushed},"
        f" {plural(len(export.providers), 'provider')}"
        f" ({mapped} mapped to a resource provider){also}"
    )
    report = None
    if endpoint is not None:
        try:
            if target is not None:
                check_writable(target)  # a mistake in -o leaves Placement as it was
        except OutputError as exc:
            report_json(None, written=False, error=(exc.code, exc.message + "; nothing was pushed", None))
            exit_with(ctx, exc, after="; nothing was pushed")
        try:
            report = push(export, PlacementClient(endpoint, token), prune=prune, refuse_stale=strict, parallel=parallel)
        except (KeyboardInterrupt, Terminated):
            with contextlib.suppress(OSError, ValueError):
                kept = f"; {display_name(target)} was not written" if target is not None else ""
                echo(
                    f"\nmigcompat: the push to {escape(endpoint)} was interrupted: Placement may be partly updated"
                    f"{kept}; run the same export again to finish it",
                    err=True,
                )
            raise
        except MigcompatError as exc:
            applied = getattr(exc, "report", None)
            report_json(
                applied if isinstance(applied, PushReport) else None,
                written=False,
                error=(exc.code, exc.message, exc.where),
            )
            if isinstance(applied, PushReport) and exc.code == "placement-failed":
                _push_failed(ctx, exc, applied, target)
            _fail(ctx, exc)
    if target is not None:
        done = f" (the push to {escape(endpoint)} was done: export again to write it)" if endpoint else ""
        try:
            write_output(target, text, encoding="ascii")
        except OutputError as exc:
            report_json(report, written=False, error=(exc.code, exc.message + done, display_name(target)))
            exit_with(ctx, exc, after=done)
    else:
        echo(text, nl=False)
    report_json(report, written=True, error=None)
    human = target is None or json_output  # standard output carries the mapping, or the JSON report
    echo(summary, err=human)
    for line in _placement_notes(export, pushed=endpoint is not None):
        echo(f"migcompat: note: {line}", err=True)
    _warn_undecided_placements(export)
    if report is not None:
        echo(
            f"pushed to {escape(str(endpoint))}: {plural(len(report.traits_created), 'trait')} created,"
            f" {plural(len(report.updated), 'resource provider')} updated, {len(report.unchanged)} unchanged",
            err=human,
        )
        _echo_outside(report, err=human)
        if report.pruned:
            _echo_prune(report.traits_removed, report.traits_in_use, err=human)
    ctx.exit(ExitCode.SUCCESS)


def _echo_outside(report: PushReport, *, err: bool) -> None:
    """Say which resource providers outside the export had migcompat traits: cleared (pruning), or a warning."""
    from ..exports.placement_client import outside_list

    if report.nova_pci:
        count = len(report.nova_pci)
        echo(
            f"migcompat: note: {plural(count, 'resource provider')} of Nova's PCI-in-Placement on the export's hosts"
            f" {'carries' if count == 1 else 'carry'} migcompat traits, which Nova sets from [pci] device_spec: left"
            f" as they are: {escape(outside_list(report.nova_pci))}",
            err=True,
        )
    if not report.outside:
        return
    count = len(report.outside)
    if report.cleared:
        echo(
            f"cleared the migcompat traits of {plural(len(report.cleared), 'resource provider')} outside the export:"
            f" {escape(outside_list(report.outside))}",
            err=err,
        )
        return
    echo(
        f"migcompat: warning: {plural(count, 'resource provider')} outside the export"
        f" {'carries' if count == 1 else 'carry'} migcompat traits an earlier export gave, which stay in force:"
        f" {escape(outside_list(report.outside))}; include {'its host' if count == 1 else 'their hosts'} in the"
        " inventory (with its enabled type), or push with --prune, which clears them (when this export is the whole"
        " fleet's); --strict refuses to push while they remain",
        err=True,
    )


def _placement_notes(export: PlacementExport, *, pushed: bool) -> list[str]:
    """The lines after a Placement export's summary: what is not mapped, and (dry run) what is not verified."""
    from ..exports.placement import nodedev_name
    from ..exports.table import provider_key

    lines = []
    pci = [
        e
        for e in export.providers
        if e.resource_provider is None and e.provider.kind == "device" and nodedev_name(e.provider.path) is not None
    ]
    if pci:
        lines.append(
            f"not mapped: {plural(len(pci), 'PCI device')} (such as {escape(provider_key(pci[0].provider))}): Nova's"
            " PCI-in-Placement names a PCI device's resource provider '<host>_<PF ADDRESS>', pools the VFs of a PF in"
            " it and sets its traits itself from [pci] device_spec, so the export does not guess a name; map them with"
            " --rp-uuids FILE or an --rp-name TEMPLATE of your own"
        )
    bare = [e for e in export.bare if e.resource_provider is not None]
    if bare:
        lines.append(
            f"{plural(len(bare), 'placement')} without migration attributes (such as"
            f" {escape(provider_key(bare[0].provider))}: a driver that does not migrate, or no longer does)"
            f" {'maps' if len(bare) == 1 else 'map'} to a resource provider no other provider maps to:"
            f" {'it gets' if len(bare) == 1 else 'they get'} no migcompat trait, and a push clears any an earlier"
            " export gave"
        )
    if not pushed:
        entries = [*export.providers, *export.undecided, *bare]
        names = sum(e.resource_provider is not None and e.resource_provider[0] == "name" for e in entries)
        uuids = sum(e.resource_provider is not None and e.resource_provider[0] == "uuid" for e in entries)
        if names or uuids:
            devices = sum(
                e.resource_provider is not None and e.resource_provider[0] == "name" and e.provider.kind == "device"
                for e in entries
            )
            how = (
                f" ({devices} of the names {'is' if devices == 1 else 'are'} of devices, from your --rp-name template)"
                if devices
                else ""
            )
            lines.append(
                f"unverified (no --endpoint): {plural(names, 'resource provider name')}{how} and"
                f" {plural(uuids, 'UUID')}, which a push looks up in Placement before it writes anything"
            )
    return lines


def _warn_undecided_placements(export: PlacementExport) -> None:
    """Warn on standard error, naming their hosts, about the placements the export could not decide."""
    if not export.undecided:
        return
    hosts = sorted({entry.provider.host for entry in export.undecided})
    mapped = sum(entry.resource_provider is not None for entry in export.undecided)
    cleared = (
        f"a push clears the CUSTOM_MIGCOMPAT_ traits of the {plural(mapped, 'resource provider')} they map to"
        if mapped
        else "none maps to a resource provider, whose traits the push leaves as they are"
    )
    echo(
        f"migcompat: warning: {plural(len(export.undecided), 'placement')} on {plural(len(hosts), 'host')} could not"
        f" be decided (see above) and {'gets' if len(export.undecided) == 1 else 'get'} no migcompat trait; {cleared}:"
        f" {_host_list(hosts)}",
        err=True,
    )


_SHOWN_HOSTS: Final = 20
"""How many hosts a warning names (it counts the rest)."""


def _host_list(hosts: Sequence[str]) -> str:
    """*hosts* for a message: the first :data:`_SHOWN_HOSTS`, then how many more."""
    return first_few(hosts, _SHOWN_HOSTS, escape)


_SHOWN_NOT_SET: Final = 10
"""How many of the resource providers a failed push did not reach its error names (it counts the rest)."""


def _push_failed(ctx: click.Context, exc: MigcompatError, report: PushReport, mapping: str | None) -> NoReturn:
    """Report a push that failed part way: the error, then exactly what it applied (*report*) and not; exit 3."""
    echo_error(escape(exc.message), exc.code)
    if report.in_doubt is not None:
        echo(
            f"migcompat: {escape(report.in_doubt)} got no answer once sent: Placement may have applied it, so it may"
            " have changed; what is below is what Placement confirmed",
            err=True,
        )
    if not report.changed():
        echo(f"migcompat: Placement {'confirmed no change' if report.in_doubt else 'was not changed'}", err=True)
    else:
        pruned = f", {plural(len(report.traits_removed), 'trait')} pruned" if report.pruned else ""
        echo(
            f"migcompat: applied all the same: {plural(len(report.traits_created), 'trait')} created,"
            f" {plural(len(report.updated), 'resource provider')} updated{pruned}",
            err=True,
        )
        for name in report.traits_created:
            echo(f"  created {escape(name)}", err=True)
        for key in report.updated:
            echo(f"  updated {escape(key)} ({escape(report.uuids.get(key, '?'))})", err=True)
        for uuid in report.cleared:
            echo(f"  cleared {escape(repr(report.outside[uuid]))} ({escape(uuid)}), outside the export", err=True)
        for name in report.traits_removed:
            echo(f"  removed {escape(name)}", err=True)
    if report.not_set:
        echo(f"migcompat: not reached: {plural(len(report.not_set), 'resource provider')}", err=True)
        for key in report.not_set[:_SHOWN_NOT_SET]:
            echo(f"  not set {escape(key)}", err=True)
        if len(report.not_set) > _SHOWN_NOT_SET:
            echo(f"  ... and {len(report.not_set) - _SHOWN_NOT_SET} more", err=True)
    where = f" to {display_name(mapping)}" if mapping is not None else ""
    echo(
        f"migcompat: the mapping was not written{where}, since Placement does not have what it says;"
        " run the export again once Placement answers",
        err=True,
    )
    ctx.exit(ExitCode.UNDECIDED)


def _echo_prune(removed: Sequence[str], in_use: Sequence[str], *, err: bool) -> None:
    """The prune's summary line, then one line per trait removed or kept because a resource provider has it."""
    echo(f"pruned: {plural(len(removed), 'trait')} removed, {len(in_use)} kept (still on a resource provider)", err=err)
    for name in removed:
        echo(f"  removed {escape(name)}", err=err)
    for name in in_use:
        echo(f"  kept in use {escape(name)}", err=err)


def _uuid_map(ctx: click.Context, path: str) -> dict[str, str]:
    """The --rp-uuids map *path* names (a file, a pipe, or - for standard input); a fault ends the command (exit 3).

    The JSON is read bounded and decoded by :func:`migcompat.jsonmodel.decode_json`
    (nesting bounded, a key given twice refused); it must be an object whose
    every value is a UUID string.
    """
    from ..exports.errors import ExportError
    from ..exports.mapping import MAPPING_READ_LIMIT
    from ..jsonmodel import decode_json

    name = display_name(path)

    def invalid(message: str, pointer: str = "") -> ExportError:
        return ExportError("export-mapping-invalid", message, where=name + (f"#{pointer}" if pointer else ""))

    def error(message: str, line: int | None, column: int | None) -> ExportError:
        at = f" (line {line}, column {column})" if line is not None else ""
        return invalid(f"{name} is not JSON: {message}{at}")

    try:
        data = _read_bounded(path, MAPPING_READ_LIMIT)
        if not data.strip():
            raise invalid(f"{name} is empty")
        document = decode_json(data, error, strict=True)
    except CannotRead as exc:
        _fail(ctx, invalid(str(exc)))
    except MigcompatError as exc:
        _fail(ctx, exc)
    if not isinstance(document, dict):
        _fail(ctx, invalid(f'{name} is not a JSON object {{"HOST:PATH": "UUID", ...}}'))
    for key, value in document.items():
        if not (isinstance(value, str) and _is_uuid(value)):
            shown = repr(value) if isinstance(value, str) else f"the JSON {_json_kind(value)} {_short_json(value)}"
            _fail(
                ctx,
                invalid(
                    f"{name}: the resource provider of {key!r} is {shown}, not a UUID"
                    " (a string of 8-4-4-4-12 hexadecimal digits, as Placement shows it, in either case)",
                    f"/{_pointer_token(key)}",
                ),
            )
    # Placement keeps a UUID as the lower-case text it shows: an upper-case one would name no resource provider.
    return {key: value.lower() for key, value in document.items()}


def _json_kind(value: object) -> str:
    """The JSON type of the decoded *value*, as RFC 8259 names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, Number):
        return "number"
    return "array" if isinstance(value, list) else "object"


def _short_json(value: object) -> str:
    """*value* as JSON, cut at 40 characters."""
    text = json_text(value, ensure_ascii=True)
    return text if len(text) <= 40 else text[:40] + "..."


_UUID: Final = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")


def _is_uuid(text: str) -> bool:
    """Whether *text* is a UUID in its hyphenated form, the form Placement takes in a path."""
    return _UUID.match(text) is not None


def _inside(path: str, directory: str) -> bool:
    """Whether the file *path* is an entry of *directory* (links resolved; neither need exist)."""
    return os.path.realpath(os.path.dirname(os.path.abspath(path))) == os.path.realpath(directory)


def _pointer_token(key: str) -> str:
    """*key* as one JSON Pointer reference token (RFC 6901)."""
    return pointer_token(key)


def _warn_unmatched_keys(
    path: str, uuids: dict[str, str], providers: Sequence[Provider | Undecided | BarePlacement]
) -> None:
    """Warn on standard error about the keys of the --rp-uuids map that name no provider of the inventory."""
    from ..exports.table import provider_key

    known = {provider_key(p) for p in providers}
    unmatched = [key for key in uuids if key not in known]
    if unmatched:
        names = ", ".join(f"'{escape(key)}'" for key in unmatched)
        echo(
            f"migcompat: warning: {escape(path)}: {plural(len(unmatched), 'key')} naming no provider of the"
            f" inventory (ignored): {names}",
            err=True,
        )


_QUERY_HELP: Final = f"""Print the Placement query that finds the targets of SOURCE.

SOURCE is a device's migration_version (a file, - or a device directory).
The query is 'required=CUSTOM_MIGCOMPAT_ACCEPTS_<ID>' for the source's class,
which the mapping document --mapping FILE names (written by 'migcompat export
placement'; - reads it from standard input) must know; add it to
GET /resource_providers (microversion 1.18) or GET /allocation_candidates
(1.29, for Nova's nested GPU providers) beside the resources asked for (Nova's
granular form: resources1=VGPU:1&required1=NAME), or give the trait to Nova as
trait:NAME=required. Several SOURCEs ask for targets accepting every one of
them; with --any, at least one (required=in:..., microversion 1.39). Exit
status: 0 printed, 1 no resource provider of the export matches, 3 no answer
(an input cannot be read, or the mapping does not know the source's class).

\b
Examples:
  migcompat export placement-query --mapping traits.json /sys/bus/mdev/devices/$UUID

The resource providers of the export the query matches (from the mapping's
accept_sets) are counted and named on standard error; when there is none,
no query is printed and the exit status is 1 (--format json prints its
document, with an empty 'matching', and exits 1 too).

{_SCOPE}
"""


@export_command.command(
    "placement-query", help=_QUERY_HELP, epilog=_EPILOG, short_help="Print the Placement query for a source's targets."
)
@click.argument("source", metavar="SOURCE...", nargs=-1, required=True, type=checked_path(dash=True))
@click.option(
    "--mapping",
    metavar="FILE",
    required=True,
    type=checked_path(dash=True),
    help="The mapping document 'export placement' wrote (its --mapping or -o FILE; - reads it from standard input).",
)
@click.option("--any", "any_of", is_flag=True, help="Targets accepting at least one SOURCE (default: every one).")
@format_option(
    "text: the query string; json: the query, its microversion, its traits and the matching resource providers."
)
@click.pass_context
def placement_query_command(
    ctx: click.Context, source: tuple[str, ...], mapping: str, any_of: bool, output_format: str
) -> None:
    from ..exports.mapping import accepting, classes_of
    from ..exports.placement import MAPPING_FORMAT, query_for

    refuse_two_stdins([*(("SOURCE", path) for path in source), ("--mapping", mapping)])
    versions = _sources(ctx, source, "SOURCE")
    known = _read_mapping(ctx, mapping, MAPPING_FORMAT)
    try:
        ids = classes_of(known, versions)
        query = query_for(ids, any_of=any_of)
    except MigcompatError as exc:
        _fail(ctx, exc)
    found = accepting(known, ids, any_of=any_of)
    if output_format == "json":
        echo_json({**query.to_json(), "matching": found})
    elif found != []:
        echo(query.query)
    _report_matches(ctx, found, "resource provider", output_format, len(source))


_SHOWN_MATCHES: Final = 10
"""How many of the nodes or resource providers a query matches its text output names (it counts the rest)."""


def _report_matches(
    ctx: click.Context, found: list[str] | None, what: str, output_format: str, sources: int
) -> NoReturn:
    """Say on standard error how many *what* of the export the query matches; exit 1 when none, else 0.

    *found* is None for a version 1 mapping, which cannot be counted (exit 0).
    """
    if found is None:
        echo(f"migcompat: note: not counted: a version 1 mapping does not say which {what}s accept what", err=True)
        ctx.exit(ExitCode.SUCCESS)
    if not found:
        echo(
            f"migcompat: no {what} of the export accepts {'them' if sources > 1 else 'it'}: the query would match"
            " nothing" + (" (nothing printed)" if output_format == "text" else ""),
            err=True,
        )
        ctx.exit(ExitCode.NEGATIVE)
    if output_format == "text":
        echo(f"{plural(len(found), what)} of the export match: {first_few(found, _SHOWN_MATCHES, escape)}", err=True)
    ctx.exit(ExitCode.SUCCESS)


_KUBERNETES_HELP: Final = f"""Write Kubernetes node labels (NFD NodeFeature objects): the source classes a node accepts.

Every node (host) of the INVENTORY gets, under the DNS prefix --prefix
(default migcompat.io), in the KubeVirt style that keeps what a node is apart
from what it accepts:

\b
  device-class.node.PREFIX/<ID>=true      it has a device of class <ID>
  device-migration.node.PREFIX/<ID>=true  a device or device type there
                                          accepts class <ID>

as one Node Feature Discovery NodeFeature object (nfd.k8s-sigs.io/v1alpha1)
per node, which NFD's master copies onto the node. Exit status: 0 written,
2 a bad option value (--prefix, --namespace, --node-name), 3 nothing
written (an input or a node name is not usable).

\b
Examples:
  migcompat export kubernetes conformance/samples/nvidia-vgpu/ -o labels/
  migcompat export kubernetes captures/ --mapping labels.json | kubectl apply -f -

Every host of the INVENTORY is a node, even one whose placements could not be read: its
labels are then only those decided (none: an empty set, which clears on
apply the labels an earlier export gave it); with --strict such an
inventory is refused instead (exit 3), and nothing is written or removed. A node's name is its host's,
or --node-name TEMPLATE made from {{host}} and {{short}} (the host name up to
its first dot), lower-cased with --lower; every host whose node name is not
a valid one is named in one error, and nothing is written. With -o DIR each object
goes to DIR/nodefeature-NODE.json and the mapping to DIR/mapping.migcompat;
otherwise (or with -o -) a v1 List of the objects goes to standard output.
--mapping FILE writes the mapping document (which 'export kubernetes-query'
reads) to FILE instead, with or without -o; --mapping - (standard output)
needs -o DIR.
Standard error says where the mapping went, or that none was written.
Apply the objects with 'kubectl apply -f DIR' (or -f -). Every
label is checked against Kubernetes' rules; the prefix may not be
kubernetes.io, k8s.io or a domain under them.

With -o DIR, the files DIR/nodefeature-NODE.json that an earlier export
wrote and this one did not (nodes no longer in the INVENTORY: each holds the
NodeFeature object migcompat-NODE) are removed, and counted, so that
'kubectl apply -f DIR' does not apply them again; so is a DIR/mapping.json
an earlier export wrote, which kubectl cannot read. Other files in DIR are
left alone, and a note names those called nodefeature-*.json that no export
wrote. Objects already in the cluster stay: delete them with 'kubectl
delete nodefeature'.

{_SCOPE}
"""


@export_command.command(
    "kubernetes",
    help=_KUBERNETES_HELP,
    epilog=_EPILOG,
    short_help="Write NFD NodeFeature objects labelling the source classes each node accepts.",
)
@_INVENTORY
@click.option(
    "--output",
    "-o",
    metavar="DIR",
    type=checked_path(dash=True),
    help="Write one file per node, and mapping.migcompat, here (-: the v1 List to standard output, as without -o).",
)
@click.option(
    "--mapping",
    metavar="FILE",
    type=checked_path(dash=True),
    help="Write the mapping document here (default: DIR/mapping.migcompat with -o DIR, else none;"
    " -: standard output, with -o DIR only).",
)
@click.option(
    "--prefix",
    metavar="DOMAIN",
    default="migcompat.io",
    show_default=True,
    help="The labels' DNS domain: one you own, not kubernetes.io or k8s.io (reserved by Kubernetes).",
)
@click.option(
    "--namespace",
    metavar="NAME",
    default="node-feature-discovery",
    show_default=True,
    help="The namespace of the NodeFeature objects (the one NFD's master watches).",
)
@click.option(
    "--node-name",
    metavar="TEMPLATE",
    default="{host}",
    show_default=True,
    help="A node's name from its capture's host name: the fields {host} and {short} (the host name up to its first"
    " dot), each as written here; for example '{short}' or '{short}.cluster.example'.",
)
@click.option("--lower", is_flag=True, help="Lower-case the node names (as kubelet does with the hostname).")
@_ENABLED_TYPE
@_ENABLED_TYPES_FILE
@_EXTRA_SOURCE
@_STRICT
@_MAX_CAPTURE_AGE
@click.pass_context
def kubernetes_command(
    ctx: click.Context,
    inventory: tuple[str, ...],
    output: str | None,
    mapping: str | None,
    prefix: str,
    namespace: str,
    node_name: str,
    lower: bool,
    enabled_types: tuple[str, ...],
    enabled_files: tuple[str, ...],
    sources: tuple[str, ...],
    strict: bool,
    max_age: datetime.timedelta | None,
) -> None:
    from ..exports.kubernetes import LabelScheme, NodeNames, build_export, check_namespace
    from ..exports.mapping import mapping_text
    from ..exports.table import undecided_hosts

    refuse_two_stdins(
        [
            *(("INVENTORY", path) for path in inventory),
            *(("--source", path) for path in sources),
            *(("--enabled-types-file", path) for path in enabled_files),
        ]
    )
    directory = output if output is not None and output != STDIN else None
    if mapping == STDIN and directory is None:
        echo_error("--mapping -: standard output carries the NodeFeature objects without -o DIR: give --mapping FILE")
        ctx.exit(ExitCode.USAGE)
    if (
        directory is not None
        and mapping not in (None, STDIN)
        and _inside(mapping, directory)
        and os.path.basename(mapping) != _MAPPING_FILE
    ):
        echo_error(
            f"--mapping {escape(display_name(mapping))}: a file in -o DIR, every JSON file of which"
            " 'kubectl apply -f DIR' takes for an object (and whose nodefeature-*.json files are this"
            f" export's): give a path outside {escape(display_name(directory))}, or leave --mapping out to"
            f" write {_MAPPING_FILE} there"
        )
        ctx.exit(ExitCode.USAGE)
    target = mapping if mapping is not None else os.path.join(directory, _MAPPING_FILE) if directory else None
    scheme = _option_value(ctx, "--prefix", lambda: LabelScheme(prefix))
    names = _option_value(ctx, "--node-name", lambda: NodeNames(node_name, lower))
    _option_value(ctx, "--namespace", lambda: check_namespace(namespace))
    _, providers, loaded, enabled = _inventory(ctx, inventory, _enabled_entries(ctx, enabled_types, enabled_files))
    if strict:
        _refuse_incomplete(ctx, loaded, enabled)
    check_capture_ages(ctx, loaded, max_age, _AS_IT_WAS, strict=strict)
    table = _table(ctx, providers, loaded, sources)
    try:
        export = build_export(table, scheme, hosts=[host for _, host in loaded.file_hosts], names=names)
        objects = export.node_features(namespace)
        text = mapping_text(export.to_json(), _output_name(target)) if target is not None else ""
    except MigcompatError as exc:
        _fail(ctx, exc)
    removed: list[str] = []
    foreign: list[str] = []
    if directory is None:
        if target is not None:  # a FILE (- is refused above), before the objects: a failure leaves stdout empty
            _write(ctx, target, text)
        echo(_json_text({"apiVersion": "v1", "kind": "List", "items": objects}), nl=False)
    else:
        written = {_node_feature_file(node) for node in export.nodes}
        made = not os.path.lexists(directory)
        try:
            place = prepare_directory(directory)  # refused when others could plant links at the names written
            if mapping is not None and mapping != STDIN:
                check_writable(mapping)  # a mistake in --mapping leaves DIR's files as they were
            files = [
                (_node_feature_file(node), _json_text(item).encode("ascii"))
                for node, item in zip(export.nodes, objects, strict=True)
            ]
            if mapping is None:
                files.append((_MAPPING_FILE, text.encode("ascii")))
                written.add(_MAPPING_FILE)
            write_all_in_directory(directory, files)  # all or none: objects and mapping never half old, half new
        except OutputError as exc:
            exit_with(ctx, exc)
        if target == STDIN:
            echo(text, nl=False)
        elif mapping is not None:
            _write(ctx, mapping, text)
        removed, foreign = _remove_stale(
            ctx,
            directory,
            written,
            shared=bool(place.st_mode & (stat.S_IWGRP | stat.S_IWOTH)),
            keep=mapping if mapping != STDIN else None,
        )
    if directory is not None and made and directory.lower().endswith(".json"):  # -o labels.json, as for placement
        echo(
            f"migcompat: note: made the directory {display_name(directory)}: export kubernetes writes one"
            " NodeFeature file per node into -o DIR (with no -o, one JSON List on standard output)",
            err=True,
        )
    stdout_taken = directory is None or target == STDIN
    labels = sum(len(labels) for labels in export.nodes.values())
    echo(
        f"{plural(len(export.table.classes), 'source class', 'source classes')},"
        f" {plural(len(objects), 'node')}, {plural(labels, 'label')}",
        err=stdout_taken,
    )
    if target is None:
        echo(
            "migcompat: note: no mapping was written, so 'export kubernetes-query' has none to read:"
            " give --mapping FILE (or -o DIR, which writes DIR/mapping.migcompat)",
            err=True,
        )
    else:
        where = "standard output" if target == STDIN else display_name(target)
        echo(f"migcompat: note: the mapping went to {where}", err=True)
    empty = [node for node, node_labels in export.nodes.items() if not node_labels]
    if empty:
        echo(
            f"migcompat: note: {plural(len(empty), 'node')} with no label (an empty spec.labels, which clears on"
            f" apply the labels an earlier export gave {'it' if len(empty) == 1 else 'them'}): {_host_list(empty)}",
            err=True,
        )
    undecided = undecided_hosts(loaded)
    if undecided:
        echo(
            f"migcompat: warning: {plural(len(undecided), 'host')} with placements that could not be decided (see"
            " above): their NodeFeature objects carry only the labels decided, and no device-migration label for"
            f" what could not be read: {_host_list([export.node_of.get(host, host) for host in undecided])}",
            err=True,
        )
    if removed:
        echo(
            f"{'migcompat: note: ' if stdout_taken else ''}removed {plural(len(removed), 'stale file')} an earlier"
            " export wrote and this one did not:"
            f" {', '.join(escape(name) for name in removed)}",
            err=stdout_taken,
        )
    if foreign:
        echo(
            f"migcompat: note: left {plural(len(foreign), 'file')} named as NodeFeature files are that no export"
            f" wrote (they hold another object, or none): {first_few(foreign, _SHOWN_HOSTS, escape)};"
            " 'kubectl apply -f DIR' applies them too",
            err=True,
        )
    ctx.exit(ExitCode.SUCCESS)


_MAPPING_FILE: Final = "mapping.migcompat"
"""The name of the mapping in the output directory when --mapping is not given: not ``.json``, ``.yaml`` or
``.yml``, the files ``kubectl apply -f DIR`` (and GitOps tools) read as Kubernetes objects."""
_LEGACY_MAPPING_FILE: Final = "mapping.json"
"""Where earlier exports put the mapping in the output directory, which broke ``kubectl apply -f DIR``."""
_NODE_FEATURE_FILE: Final = re.compile(r"nodefeature-(.+)\.json\Z", re.DOTALL)


def _node_feature_file(node: str) -> str:
    """The name of the file of *node*'s NodeFeature object in the output directory."""
    return f"nodefeature-{node}.json"


def _starts_with(descriptor: int, name: str, directory: str, head: bytes) -> bool:
    """Whether the regular file *name* in *directory* (open as *descriptor*) starts with *head*: at most that many
    bytes are read, and a link, a FIFO or a file that cannot be read starts with nothing."""
    try:
        return read_entry(descriptor, name, os.path.join(directory, name), len(head)).data == head
    except CannotRead:
        return False


def _remove_stale(
    ctx: click.Context, directory: str, written: set[str], *, shared: bool, keep: str | None
) -> tuple[list[str], list[str]]:
    """Remove from *directory* what an earlier export wrote there and this one did not: the names removed, and the
    names of NodeFeature files left because no export wrote them, each sorted.

    A candidate is a regular file (a symbolic link is never followed or
    removed) named as this command names them, ``nodefeature-NODE.json``
    with NODE a valid node name label value, outside *written*, that starts
    as the NodeFeature object an export writes for NODE does; or
    ``mapping.json``, where exports before this one put the mapping (which
    ``kubectl apply -f DIR`` cannot read), when it starts as a Kubernetes
    mapping document does and is not *keep* (the --mapping FILE given)
    (:func:`~migcompat.exports.kubernetes.written_head`: a few hundred bytes
    of each are read, whatever its size). In a *shared*
    directory (writable by others, with the sticky bit), only the files the
    effective user owns. Each name is checked with ``lstat`` again just
    before it is unlinked. A removal that fails ends the command with exit 3.
    """
    from ..exports.kubernetes import written_head
    from ..exports.labels import value_problem

    user = os.geteuid()
    removed: list[str] = []
    foreign: list[str] = []
    try:
        descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            with os.scandir(descriptor) as entries:
                names = sorted(entry.name for entry in entries if entry.name not in written)
            for name in names:
                found = _NODE_FEATURE_FILE.match(name)
                if found is not None and value_problem(found.group(1)) is None:
                    ours = _starts_with(descriptor, name, directory, written_head(found.group(1)))
                elif name == _LEGACY_MAPPING_FILE and (keep is None or not _same_file(keep, directory, name)):
                    ours = _starts_with(descriptor, name, directory, written_head())
                else:
                    continue
                try:
                    status = os.stat(name, dir_fd=descriptor, follow_symlinks=False)
                except FileNotFoundError:  # removed since the directory was read
                    continue
                if ours and stat.S_ISREG(status.st_mode) and (not shared or status.st_uid == user):
                    os.unlink(name, dir_fd=descriptor)
                    removed.append(name)
                elif found is not None:
                    foreign.append(name)
        finally:
            os.close(descriptor)
    except OSError as exc:
        echo_error(
            f"cannot remove the stale NodeFeature files of {display_name(directory)}: {_reason(exc)}",
            "output-unwritable",
        )
        ctx.exit(ExitCode.UNDECIDED)
    return removed, foreign


def _same_file(path: str, directory: str, name: str) -> bool:
    try:
        return os.path.samefile(path, os.path.join(directory, name))
    except (OSError, ValueError):
        return False


_KQUERY_HELP: Final = f"""Print the node affinity (or nodeSelector) a VM's pod needs to land where SOURCE can migrate.

SOURCE is a device's migration_version (a file, - or a device directory);
--mapping FILE is the mapping document 'migcompat export kubernetes' wrote
(DIR/mapping.migcompat with -o DIR, or its --mapping FILE; - reads it from
standard input), which must know the source's class. The output is a JSON object to merge into a pod spec (or
a KubeVirt VirtualMachine's template): {{"affinity": {{"nodeAffinity": ...}}}}
with a requiredDuringSchedulingIgnoredDuringExecution term on the
device-migration label of the source, or with --selector {{"nodeSelector": {{...}}}},
whose map is also what a KubeVirt VirtualMachineInstanceMigration takes as
spec.addedNodeSelector (a constraint on that one migration's target).
Several SOURCEs ask for nodes accepting every one; with --any, at least one.
With --format json: {{"spec": that object, "labels", "any_of", "matching",
"valid_for"}}. Exit status: 0 printed, 1 no node of the export matches, 3
no answer (an input cannot be read, or the mapping does not know the
source's class).

\b
Examples:
  migcompat export kubernetes-query --mapping labels/mapping.migcompat /sys/bus/mdev/devices/$UUID

The nodes of the export it matches (from the mapping's accept_sets) are
counted and named on standard error; when there is none, nothing is
printed (json: an empty 'matching') and the exit status is 1.

The affinity is for the device class each SOURCE has now: after a live
migration the VM's device is the target's, of another class, so compute it
again from that device before each migration (a note says so).

{_SCOPE}
"""


@export_command.command(
    "kubernetes-query",
    help=_KQUERY_HELP,
    epilog=_EPILOG,
    short_help="Print the node affinity a VM's pod needs to land where a source can migrate.",
)
@click.argument("source", metavar="SOURCE...", nargs=-1, required=True, type=checked_path(dash=True))
@click.option(
    "--mapping",
    metavar="FILE",
    required=True,
    type=checked_path(dash=True),
    help="The mapping document 'export kubernetes' wrote (DIR/mapping.migcompat with -o DIR, or its --mapping FILE;"
    " - reads it from standard input).",
)
@click.option("--any", "any_of", is_flag=True, help="Nodes accepting at least one SOURCE (default: every one).")
@click.option("--selector", is_flag=True, help="Print a nodeSelector instead of a node affinity (not with --any).")
@format_option(
    "text: the object to merge into the pod spec; json: that object ('spec'), the labels, the matching nodes"
    " and what the affinity is valid for."
)
@click.pass_context
def kubernetes_query_command(
    ctx: click.Context, source: tuple[str, ...], mapping: str, any_of: bool, selector: bool, output_format: str
) -> None:
    from ..exports.kubernetes import MAPPING_FORMAT, LabelScheme, node_affinity, node_selector
    from ..exports.mapping import accepting, classes_of

    refuse_two_stdins([*(("SOURCE", path) for path in source), ("--mapping", mapping)])
    if selector and any_of and len(source) > 1:
        echo_error("a nodeSelector cannot say 'any of': drop --selector or --any")
        ctx.exit(ExitCode.USAGE)
    versions = _sources(ctx, source, "SOURCE")
    known = _read_mapping(ctx, mapping, MAPPING_FORMAT)
    try:
        prefix = known.document.get("prefix")
        scheme = LabelScheme(prefix if isinstance(prefix, str) else "")
        ids = classes_of(known, versions)
        document: dict[str, object] = (
            {"nodeSelector": node_selector(ids, scheme)}
            if selector
            else {"affinity": node_affinity(ids, any_of=any_of, scheme=scheme)}
        )
    except MigcompatError as exc:
        _fail(ctx, exc)
    found = accepting(known, ids, any_of=any_of)
    if output_format == "json":
        echo_json(
            {
                "spec": document,
                "labels": [scheme.accepts(ident) for ident in dict.fromkeys(ids)],
                "any_of": any_of,
                "matching": found,
                "valid_for": _VALID_FOR,
            }
        )
    elif found != []:
        echo(json.dumps(document, indent=2, ensure_ascii=True))
        echo(f"migcompat: note: {_VALID_FOR}", err=True)
    _report_matches(ctx, found, "node", output_format, len(source))


_VALID_FOR: Final = (
    "this affinity (or selector) is for the device class each SOURCE has now: after a live migration the VM's"
    " device is the target's, of the target's class, so compute the affinity again from that device before the"
    " next migration"
)
