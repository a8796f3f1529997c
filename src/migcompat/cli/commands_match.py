"""``migcompat match``: every device, or type to create, across a fleet that would accept a source."""

from __future__ import annotations

import datetime
import os
from collections.abc import Sequence
from typing import Final

import click

from .._files import open_regular
from ..display import escape, first_few, plural
from ..emit import emit, value_text
from ..fleet.classes import class_id, export_class_id, read_keys
from ..fleet.index import MAX_NEAR_MISSES, NEAR_MISSES, FleetIndex, rank
from ..fleet.inventory import (
    Inventory,
    InventoryFinding,
    PartialPlacement,
    Provider,
    Undecided,
)
from ..model import MigrationVersion
from ..sysfs.model import MIGRATION_ATTRIBUTES
from ..verdict import Verdict
from .attributes import Loader, refuse_two_stdins, report_failures
from .captures import (
    SHOWN_FINDINGS,
    check_capture_ages,
    cut,
    fail,
    host_name,
    load_inventory_or_exit,
    max_capture_age_option,
    report_findings,
)
from .exitcodes import EXIT_STATUS_HELP, ExitCode
from .io import STDIN
from .options import checked_path, format_option
from .output import echo, echo_error, echo_json

__all__ = [
    "SourceNotFound",
    "find_source_device",
    "incomplete_message",
    "match_command",
    "provider_json",
    "undecided_message",
]

_THEN: Final = "the answer says what each host accepted then, which may not be what it accepts now"
"""What an answer from a stale capture is, for the warning about it."""

_HELP: Final = """Find every device, or device type to create, in a fleet that accepts a source.

SOURCE is the source device's migration_version (a file, - for standard
input, or a device directory), or --source-device HOST:PATH or HOST:IDENT
takes it from the inventory. INVENTORY is one or more captures ('migcompat
capture -o host.json' on each host) or directories of them. Prints every
(host, device or type, creation parameters) whose rules accept the source,
ranked, each with its verdict and the rule that matched. Exit status: 0 some
device or type accepts the source, 1 none does, 3 not known.

\b
Examples:
  migcompat match /sys/bus/mdev/devices/$UUID captures/
  migcompat match --source-device t4-180:$UUID captures/
  migcompat match --explain src_version host1.json host2.json
  migcompat match --format json - captures/ < src_version

The ranking: existing devices first (an IDENTICAL one before one that merely
accepts it), then device types to create, each with the creation parameters a
device needs (as 'migcompat plan' would choose). The answer is exactly what
'migcompat check' says for each pair; the fleet index (migcompat.fleet.index)
finds it without checking every pair. Whether a device is free is not known
from a capture: the scheduler decides that.

--source-device HOST:PATH names the device at PATH on HOST (its path in the
capture, as --format json lists it and the exports' mappings name it),
HOST:IDENT the one whose identity is IDENT (a PCI address, an mdev UUID); no
SOURCE is given then (why it is an option: the fleet guide, 'Where can this
device go?'). The device itself is then left out of the targets, and so is
its host unless --same-host (a live migration goes to another host); the
output says what was left out. A device that is not in the inventory, that
the name fits several times (they are listed), that is a device type, or
whose migration_version is missing, unreadable or invalid is an error (exit
status 3).

--host NAME keeps only the targets of the hosts named, --exclude-host NAME
leaves out those of a host (both repeatable, whatever the source).

A capture taken longer ago than --max-capture-age (48 hours by default), or
whose recorded time is in the future or unreadable, is named in a warning on
standard error: its host may have changed since (a driver updated, a type
enabled), so the answer is what the host was then. The captures of hosts
left out of the targets are not judged, but for the source device's own.

A JSON file in an INVENTORY directory that is not a capture (such as a
sample's manifest) is skipped (--format json lists it under "findings"). One
capture can be - (standard input, as from 'ssh host migcompat capture -o
-'), when SOURCE is not.

--explain adds the near misses: the targets (one per group that every source
judges alike) that do not accept the source, nearest first (an unknown
verdict first, then the fewest failing constraints), each with the failing
constraints of its nearest rules: FleetIndex.near_misses in the library.

The answer is not known (exit status 3, not 1) when no target read accepts
the source but one may: a target read whole whose verdict is unknown (the
source lacks a key its rules constrain and it declares no default, a '$'
whose own value does not exist; FleetIndex.undecided in the library), or a
placement whose attributes are missing, unreadable or invalid (or in a newer
format), a device instance whose migration_version has param lines, or part
of a host that could not be read (what a capture recorded while it was
taken: an unreadable directory, a link loop...). Such placements are not
targets; each fault is reported once on standard error, grouped per host (a
warning for what may hide a target, a note for the rest); a device instance
whose rules alone are valid is judged by them (spec clause 8.5: its '$' have
no value), with an unknown description. A placement whose
rules were read already rejects the source when they refuse it whatever the
target's own values. The details: the fleet guide, 'When the inventory is
incomplete'.

"class" is the source's class as the scheduler exports of INVENTORY
('migcompat export') label it: the digest of its description without the
~ fields no rule of the inventory reads (every type enabled), what a
selector or trait names. When that leaves fields out, the text output also
shows the "description digest" of the whole description, no export's label.

With --format json the output is one JSON object: {"source" (the file
read, or HOST:PATH), "source_device" (the device taken from the inventory,
or null), "class" (the exports' label), "description_digest" (of the whole
description: "class" when "class_ignored" is empty), "class_ignored" (the
~ fields "class" leaves out), "accepted": [{"host", "ident", "kind", "path", "driver",
"parent", "available_instances", "verdict"}], "near_misses" (with
--explain), "inventory", "left_out": {"source_device", "source_host",
"exclude_hosts", "only_hosts", "targets": how many}, "findings",
"incomplete", "stale_captures", "undecided"}; each verdict as verdict.schema.json (the
documentation's JSON Schemas page) describes it, with the type's "choice";
an accepted device whose description is unknown has "description_unknown":
true (and no grade); "findings" lists what could not be used (a capture's
with "capture", "attribute" and "hides_targets"); "incomplete" is true when
something may hide a target, for any source; "undecided" is {"targets": the
placements not read whole that may accept this source, each with "capture",
"unreadable" (the names of its migration attributes missing, unreadable or
invalid), "param_lines" and its description's "driver" and "stream" (null
when not readable), "faults": how many findings may hide a target and
concern no placement, "unknown_targets": [{"targets", "verdict"}] the targets
read whole whose verdict is unknown, one entry per group judged alike};
"stale_captures" the captures the warning names (--max-capture-age), each
{"capture", "host", "time", "problem": old, future or no-time,
"age_seconds" (for old, else null), "message"}.
"""

_EPILOG: Final = (
    EXIT_STATUS_HELP + "\n\nFor match: 0 some device or type accepts the source, 1 none does, 3 an"
    " input cannot be read or is not valid (or the source is a device type, not a device, or"
    " --source-device names no such device, several, or one whose migration_version is not valid), the"
    " inventory has no device or type with valid attributes (or none is left once the source's"
    " host and the hosts filtered out are left out: nothing to check), or none of the"
    " targets read accepts the source but one not read whole, or with invalid attributes, may, or one"
    " read whole is undecided (its verdict is unknown)."
)

DEFAULT_LIMIT: Final = 50


def provider_json(provider: Provider, verdict: Verdict | None = None) -> dict[str, object]:
    """A provider (:meth:`Provider.to_json`), and its verdict when given, as a JSON-ready dict."""
    out = provider.to_json()
    if verdict is not None:
        out["verdict"] = verdict.to_json()
    return out


def incomplete_message(inventory: Inventory) -> str:
    """What an :attr:`~Inventory.incomplete` *inventory* leaves unknown: which hosts were not read whole."""
    hosts = _fault_hosts([f for f in inventory.findings if f.hides_targets])
    return f"part of {_hosts_named(hosts)} could not be read or is not valid"


def _fault_hosts(faults: Sequence[InventoryFinding]) -> list[str]:
    """The hosts of the *faults* (for a file that names none, the capture or the file), in the order found."""
    return list(dict.fromkeys(f.host or f.capture or f.path for f in faults))


def _hosts(hosts: Sequence[str]) -> str:
    return first_few(hosts, SHOWN_FINDINGS, host_name)


def _hosts_named(hosts: Sequence[str]) -> str:
    """``host NAME`` or ``hosts NAME, NAME...``: :func:`_hosts` after the noun its count takes."""
    return f"{'host' if len(hosts) == 1 else 'hosts'} {_hosts(hosts)}"


def _undecided_targets(count: int, hosts: Sequence[str]) -> str:
    """``N targets on hosts ... are undecided``."""
    return f"{plural(count, 'target')} on {_hosts_named(hosts)} {'is' if count == 1 else 'are'} undecided"


def _unread(faults: Sequence[InventoryFinding]) -> str:
    """``part of hosts ... could not be read``: the hosts (or captures) of the *faults*."""
    return f"part of {_hosts_named(_fault_hosts(faults))} could not be read"


def undecided_message(undecided: Undecided) -> str:
    """Why "no target accepts" is not known for a source: the targets that may accept it, the hosts not read whole."""
    parts = []
    if undecided.placements:
        count = len(undecided.placements)
        hosts = list(dict.fromkeys(p.host for p in undecided.placements))
        templates = any(p.version is not None and p.version.params for p in undecided.placements)
        params = ", or an instance with param lines" if templates else ""
        parts.append(
            f"{_undecided_targets(count, hosts)} (a migration attribute missing, unreadable or invalid{params})"
        )
    if undecided.faults:
        parts.append(_unread(undecided.faults))
    return " and ".join(parts)


class SourceNotFound(Exception):
    """``--source-device NAME`` names no usable source device of the inventory (exit status 3).

    *code* is ``source-unknown`` (no such device), ``source-ambiguous``
    (several devices the name fits: *matches* lists them, as
    ``host:path``), ``source-is-template``
    (a device type, or an instance whose ``migration_version`` has ``param``
    lines) or ``missing-attribute`` (its ``migration_version`` is missing,
    unreadable or invalid). *reason* says which in one word (``unknown``,
    ``ambiguous``, ``type``, ``template``, ``invalid``), for the JSON output.
    """

    def __init__(self, code: str, reason: str, message: str, matches: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.matches = matches

    def to_json(self, name: str) -> dict[str, object]:
        """The error as the JSON output's ``"error"`` member."""
        return {
            "code": self.code,
            "reason": self.reason,
            "message": self.message,
            "where": name,
            "matches": list(self.matches),
        }


def _splits(fleet: Inventory, name: str) -> list[tuple[str, str]]:
    """The ways *name* reads as ``HOST:REST`` with HOST a host of *fleet* (a host name may hold ``:`` too)."""
    hosts = set(fleet.hosts)
    out = []
    at = name.find(":")
    while at >= 0:
        if name[:at] in hosts:
            out.append((name[:at], name[at + 1 :].rstrip("/")))
        at = name.find(":", at + 1)
    return out


def _looks_like_attribute(path: str) -> bool:
    """Whether *path* is a device directory (it holds a migration attribute) or a file that starts as an
    attribute does (``mc`` and a digit): a SOURCE, not a capture."""
    if path == STDIN:
        return False
    if os.path.isdir(path):
        return any(os.path.isfile(os.path.join(path, name)) for name in MIGRATION_ATTRIBUTES)
    try:
        descriptor, _ = open_regular(path)  # a FIFO or a device is not even opened
    except (OSError, ValueError):
        return False  # the inventory's reader says why
    try:
        head = os.read(descriptor, 3)
    except OSError:
        return False
    finally:
        os.close(descriptor)
    return head[:2] == b"mc" and head[2:3].isdigit()


def find_source_device(fleet: Inventory, name: str) -> Provider:
    """The device of *fleet* that *name* (``HOST:PATH`` or ``HOST:IDENT``) names, to be a migration source.

    *PATH* is the placement's path in the capture (``Provider.path``, as
    ``--format json`` lists it and the exports' mappings key it:
    ``Provider.where`` is ``HOST:PATH``); *IDENT* its identity
    (``Provider.ident``: a PCI address, an mdev UUID). A host name may hold
    ``:``: every split whose left part is a host of *fleet* is tried. Any
    device instance whose ``migration_version`` is valid can be named (a
    target, or one kept only as a source). Devices that are equal in every
    compared field (a host captured twice, unchanged) count as one. Raises
    :class:`SourceNotFound` for no such device, several, a device type, an
    instance with ``param`` lines, or a device whose ``migration_version``
    is missing, unreadable or invalid.
    """
    splits = _splits(fleet, name)
    if not splits:
        host = name.partition(":")[0]
        raise SourceNotFound(
            "source-unknown",
            "unknown",
            f"--source-device {cut(name)}: the inventory has no host {host_name(host)}"
            f" ({plural(len(fleet.hosts), 'host')}: {_hosts(fleet.hosts)})",
        )
    found: list[Provider] = []
    for host, rest in splits:
        for provider in fleet.sources:
            if provider.host == host and rest in (provider.path, provider.ident) and provider not in found:
                found.append(provider)
    if len(found) == 1:
        return found[0]
    if found:
        places = {p.where for p in found}
        if len(places) == 1:  # one HOST:PATH, different devices: the host is in several captures
            [host] = {p.host for p in found}
            captures = [file for file, named in fleet.file_hosts if named == host]
            fix = (
                f"; host {host_name(host)} is in {len(captures)} captures ({', '.join(map(cut, captures))}):"
                " remove the stale one from the inventory, or name the current one alone"
            )
        else:
            fix = "; give the path of one (--format json lists them all)"
        raise SourceNotFound(
            "source-ambiguous",
            "ambiguous",
            f"--source-device {cut(name)} names {len(found)} different devices: "
            + first_few(found, SHOWN_FINDINGS, lambda p: f"{cut(p.where)} (class {class_id(p.version)})", "; ")
            + fix,
            tuple(p.where for p in found),
        )
    for host, rest in splits:
        for provider in fleet.providers:
            if provider.kind == "type" and provider.host == host and rest in (provider.path, provider.ident):
                raise SourceNotFound(
                    "source-is-template",
                    "type",
                    f"--source-device {cut(name)} is the device type {cut(provider.where)}, not a device:"
                    " name a device instance (a type is a target, never a source)",
                    (provider.where,),
                )
        for placement in fleet.partial:
            if (
                placement.kind == "device"
                and placement.version is None
                and placement.host == host
                and rest in (placement.path, placement.ident)
            ):
                why = [
                    f.message
                    for f in fleet.findings
                    if f.host == host
                    and f.code in ("missing-attribute", "invalid-attribute")
                    and f.path.startswith(placement.path)
                ]
                detail = f" ({cut(why[0])})" if why else ""
                where = f"{placement.host}:{placement.path}"
                raise SourceNotFound(
                    "missing-attribute",
                    "invalid",
                    f"--source-device {cut(name)}: the migration_version of {cut(where)} is missing, unreadable"
                    f" or invalid{detail}: what it is is not known, so it cannot be a source",
                    (where,),
                )
        for finding in fleet.findings:
            if (
                finding.code == "not-a-target"
                and finding.host == host
                and (finding.path == rest or rest in finding.path.split("/"))
            ):
                raise SourceNotFound(
                    "source-is-template",
                    "template",
                    f"--source-device {cut(name)}: {cut(finding.message)} (a device instance must not have"
                    " param lines): it cannot be a source",
                    (f"{host}:{finding.path}",),
                )
    host, rest = splits[0]
    devices = [p.ident for p in fleet.sources if p.host == host]
    hint = (
        f"its {plural(len(devices), 'device')} with a valid migration_version: "
        + first_few(devices, SHOWN_FINDINGS, cut)
        if devices
        else "it has no device with a valid migration_version"
    )
    raise SourceNotFound(
        "source-unknown",
        "unknown",
        f"--source-device {cut(name)}: host {host_name(host)} has no device with the path or identity"
        f" {cut(rest)} ({hint})",
    )


def _choice(verdict: Verdict) -> str:
    if not verdict.choice:
        return ""
    return " ".join(f"{name}={value_text(value)}" for name, value in verdict.choice.items())


@click.command(
    "match",
    help=_HELP,
    epilog=_EPILOG,
    short_help="Find every device or type in a fleet that accepts a source.",
)
@click.argument("paths", metavar="[SOURCE] INVENTORY...", nargs=-1, required=True, type=checked_path(dash=True))
@click.option(
    "--source-device",
    "-d",
    metavar="HOST:PATH|HOST:IDENT",
    help="Take the source from the inventory: the device at PATH (as --format json lists it) or with the"
    " identity IDENT (PCI address, mdev UUID) on HOST; then give no SOURCE. Leaves out that device and,"
    " unless --same-host, its host.",
)
@click.option(
    "--same-host",
    is_flag=True,
    help="With --source-device: keep the targets of the source's own host (the device itself stays out).",
)
@click.option(
    "--host",
    "only_hosts",
    metavar="NAME",
    multiple=True,
    help="Only the targets of this host (repeatable).",
)
@click.option(
    "--exclude-host",
    "exclude_hosts",
    metavar="NAME",
    multiple=True,
    help="Leave out the targets of this host (repeatable).",
)
@click.option("--explain", "-e", is_flag=True, help="Also show the near misses, nearest first, with their reasons.")
@click.option(
    "--near",
    metavar="N",
    type=click.IntRange(1, MAX_NEAR_MISSES),
    default=NEAR_MISSES,
    show_default=True,
    help="How many near misses to show; implies --explain.",
)
@click.option(
    "--limit",
    metavar="N",
    type=click.IntRange(0),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="Text output: show at most N accepting targets (0: all); JSON lists all.",
)
@max_capture_age_option("the answer would say what it accepted then.")
@format_option("text: a ranked list for people; json: one JSON object.")
@click.pass_context
def match_command(
    ctx: click.Context,
    paths: tuple[str, ...],
    source_device: str | None,
    same_host: bool,
    only_hosts: tuple[str, ...],
    exclude_hosts: tuple[str, ...],
    explain: bool,
    near: int,
    limit: int,
    max_age: datetime.timedelta | None,
    output_format: str,
) -> None:
    json_output = output_format == "json"
    explain = explain or ctx.get_parameter_source("near") is click.core.ParameterSource.COMMANDLINE
    if source_device is None:
        if same_host:
            raise click.UsageError("--same-host keeps the source's host: it needs --source-device", ctx)
        if len(paths) < 2:
            raise click.UsageError("give SOURCE and at least one INVENTORY (or --source-device HOST:PATH)", ctx)
        source, inventory = paths[0], paths[1:]
    else:
        if ":" not in source_device:
            raise click.BadParameter(
                f"{source_device!r} is not HOST:PATH or HOST:IDENT", ctx, param_hint="'--source-device'"
            )
        attribute = next((path for path in paths if _looks_like_attribute(path)), None)
        if attribute is not None:
            raise click.UsageError(
                f"{escape(attribute)} looks like a device or a migration attribute, not a capture: with"
                " --source-device the source is the device it names, so give no SOURCE, only the INVENTORY",
                ctx,
            )
        source, inventory = None, paths
    refuse_two_stdins([*((("SOURCE", source),) if source is not None else ()), *(("INVENTORY", p) for p in inventory)])
    device: Provider | None = None
    if source is not None:
        loader = Loader()
        version = loader.version("source", source)
        if loader.failures or version is None:
            report_failures(loader.failures, json_output=json_output)
            if json_output:
                echo_json(loader.failure_document())
            elif source != STDIN and (source.endswith(".json") or (":" in source and not os.path.lexists(source))):
                echo(
                    "migcompat: hint: to take the source from a capture, give --source-device HOST:PATH or HOST:IDENT"
                    " (its PCI address or mdev UUID) and the captures as INVENTORY",
                    err=True,
                )
            ctx.exit(ExitCode.UNDECIDED)
        if version.params:
            fail(
                ctx,
                "the source is a device type (its migration_version has param lines); give a device instance's",
                json_output,
                {"code": "source-is-template", "message": "the source is a device type, not a device instance"},
            )
        fleet = load_inventory_or_exit(ctx, inventory, json_output=json_output)
        source_name = loader.paths["source"]
    else:
        assert source_device is not None  # SOURCE is None only with --source-device
        fleet = load_inventory_or_exit(ctx, inventory, json_output=json_output)
        try:
            device = find_source_device(fleet, source_device)
        except SourceNotFound as error:
            if not json_output:
                report_findings(fleet)
            echo_error(error.message, error.code)
            if json_output:
                echo_json({"error": error.to_json(source_device)})
            ctx.exit(ExitCode.UNDECIDED)
        version = device.version
        source_name = device.where
    scope = _Scope(fleet, device, same_host, only_hosts, exclude_hosts)
    for option, name in scope.unknown:
        echo(f"migcompat: warning: {option} {host_name(name)} names no host of the inventory", err=True)
    judged = {*scope.hosts, *((device.host,) if device is not None else ())}
    unjudged = [host for host in fleet.hosts if host not in judged]
    stale = check_capture_ages(ctx, fleet, max_age, _THEN, excluded=unjudged)
    partial = [p for p in fleet.partial if scope.keeps(p.host, p.path)]
    if not scope.targets and not partial:
        report_findings(fleet)
        if not fleet.providers:
            message = "the inventory has no device or type with valid attributes: nothing to check"
            short = "no device or type with valid attributes in the inventory"
        else:
            message = f"no target is left to check once these are left out: {scope.left_out_text()}"
            short = "every target of the inventory is left out"
        fail(ctx, message, json_output, {"code": "nothing-to-check", "message": short})
    label = _Class(version, fleet)
    index = FleetIndex.build(scope.targets)
    found = rank(index.accepting(version))
    blind = [(p, verdict) for p in partial if (verdict := p.accepts(version)) is not None]
    undecided = Undecided() if found or blind else scope.undecided(fleet.undecided(version))
    unknown = [] if found or blind else index.undecided(version)
    unknown_count = sum(len(members) for members, _ in unknown)
    misses: list[tuple[tuple[Provider, ...], Verdict]] = []
    if explain:
        misses = index.near_misses(version, near)
    if json_output:
        document: dict[str, object] = {
            "source": source_name,
            "source_device": None if device is None else device.to_json(),
            "class": label.id,
            "description_digest": label.digest,
            "class_ignored": list(label.ignored),
            "accepted": [provider_json(provider, verdict) for provider, verdict in found]
            + [_blind_json(placement, verdict) for placement, verdict in blind],
            "inventory": {
                "files": len(fleet.files),
                "hosts": len(fleet.hosts),
                "providers": len(fleet.providers),
            },
            "left_out": scope.to_json(),
            "findings": [finding.to_json() for finding in fleet.findings],
            "incomplete": fleet.incomplete,
            "stale_captures": [capture.to_json() for capture in stale],
            "undecided": {
                "targets": [_partial_json(placement) for placement in undecided.placements],
                "faults": len(undecided.faults),
                "unknown_targets": [
                    {"targets": [provider_json(p) for p in members], "verdict": verdict.to_json()}
                    for members, verdict in unknown
                ],
            },
        }
        if explain:
            document["near_misses"] = [
                {"targets": [provider_json(p) for p in members], "verdict": verdict.to_json()}
                for members, verdict in misses
            ]
        echo_json(document)
    else:
        report_findings(fleet, settled=not found and not blind and not undecided)
        echo(_text(version, label, device, found, scope, limit, blind, undecided, unknown, explained=explain))
        if explain:
            echo(_misses_text(misses))
    if found or blind:
        ctx.exit(ExitCode.SUCCESS)  # a target that accepts is an answer, whatever could not be read
    if undecided:
        read_fault = bool(undecided.faults) or any(f.capture and f.hides_targets for f in fleet.findings)
        also = f"; and {_unknown_text(unknown_count, unknown)}" if unknown else ""
        echo_error(
            f"no target read accepts the source, but {undecided_message(undecided)}{also}: a device or type there"
            " may accept it, so the answer is not known",
            "capture-unreadable" if read_fault else "capture-invalid",
        )
        ctx.exit(ExitCode.UNDECIDED)
    if unknown:
        echo_error(
            f"no target read accepts the source, but {_unknown_text(unknown_count, unknown)}: they may accept it"
            " once that is known, so the answer is not known (--format json lists them under undecided)",
        )
        ctx.exit(ExitCode.UNDECIDED)
    ctx.exit(ExitCode.NEGATIVE)  # what was not read or is not valid already rejects the source


class _Class:
    """The source's class as the scheduler exports of the same inventory label it, and its description digest.

    *id* is :func:`~migcompat.fleet.classes.export_class_id` of the source
    over the keys the rules of the whole inventory read (every type enabled,
    whatever --host or --exclude-host keep, as an export of INVENTORY
    projects); *ignored* the ``~`` fields that leaves out; *digest* the
    :func:`~migcompat.fleet.classes.class_id` of the whole description,
    *id* itself when nothing is left out.
    """

    def __init__(self, version: MigrationVersion, fleet: Inventory) -> None:
        self.id, self.ignored = export_class_id(version, read_keys(fleet.providers))
        self.digest = class_id(version)

    def lines(self) -> list[str]:
        """``class:  ID``, and when the id leaves fields out, what and the description digest beside it."""
        if not self.ignored:
            return [f"class:  {self.id}"]
        left = ", ".join(f"~{key}" for key in self.ignored)
        return [
            f"class:  {self.id} (the exports' label: without {escape(left)}, which no rule of the inventory reads)",
            f"description digest: {self.digest} (of the whole description: no export labels it)",
        ]


class _Scope:
    """The targets a query considers: the inventory's, less the source device, its host and the hosts filtered out."""

    def __init__(
        self,
        fleet: Inventory,
        device: Provider | None,
        same_host: bool,
        only: tuple[str, ...],
        excluded: tuple[str, ...],
    ) -> None:
        self.device = device
        self.same_host = same_host
        self.only = tuple(dict.fromkeys(only))
        self.excluded = tuple(dict.fromkeys(excluded))
        self.own_host = device.host if device is not None and not same_host else None
        known = set(fleet.hosts)
        self.unknown = [("--host", name) for name in self.only if name not in known] + [
            ("--exclude-host", name) for name in self.excluded if name not in known
        ]
        self.hosts = tuple(host for host in fleet.hosts if self.keeps_host(host))
        self.targets = tuple(p for p in fleet.providers if self.keeps(p.host, p.path))
        self.left = len(fleet.providers) - len(self.targets)

    def keeps_host(self, host: str) -> bool:
        """Whether the targets of *host* are considered."""
        if self.only and host not in self.only:
            return False
        return host != self.own_host and host not in self.excluded

    def keeps(self, host: str, path: str) -> bool:
        """Whether the placement at *path* of *host* is considered (never the source device itself)."""
        if self.device is not None and (host, path) == (self.device.host, self.device.path):
            return False
        return self.keeps_host(host)

    def undecided(self, undecided: Undecided) -> Undecided:
        """*undecided* without what is left out (a fault that names no host is kept: it may be any host's)."""
        return Undecided(
            tuple(p for p in undecided.placements if self.keeps(p.host, p.path)),
            tuple(f for f in undecided.faults if not f.host or self.keeps_host(f.host)),
        )

    def left_out_text(self) -> str:
        """What is left out, for people: one sentence without a final period; empty when nothing is."""
        parts = []
        if self.device is not None:
            if self.own_host is not None:
                parts.append(
                    f"the source device and its host {host_name(self.own_host)} (a live migration goes to another"
                    " host; --same-host keeps the host)"
                )
            else:
                parts.append("the source device itself")
        if self.excluded:
            parts.append(f"{_hosts_named(self.excluded)} (--exclude-host)")
        if self.only:
            parts.append(f"every host but {_hosts(self.only)} (--host)")
        return "; ".join(parts)

    def to_json(self) -> dict[str, object]:
        """What is left out, as the JSON output's ``"left_out"``."""
        return {
            "source_device": self.device is not None,
            "source_host": self.own_host,
            "exclude_hosts": list(self.excluded),
            "only_hosts": list(self.only) if self.only else None,
            "targets": self.left,
        }


def _partial_json(placement: PartialPlacement) -> dict[str, object]:
    """A placement not read whole: where it is, which of its attributes is unreadable (``unreadable``: the
    names of those missing, unreadable or invalid; empty for an instance with param lines, ``param_lines``
    true), and its ``driver`` and ``stream`` when its description is readable (else null)."""
    fields = placement.version.fields if placement.version is not None else {}
    driver, stream = fields.get("driver"), fields.get("stream")
    return {
        "host": placement.host,
        "ident": placement.ident,
        "kind": placement.kind,
        "path": placement.path,
        "capture": placement.capture,
        "unreadable": list(placement.unread),
        "param_lines": placement.version is not None and bool(placement.version.params),
        "driver": None if driver is None else value_text(driver.value),
        "stream": None if stream is None else value_text(stream.value),
    }


def _blind_json(placement: PartialPlacement, verdict: Verdict) -> dict[str, object]:
    """A device whose description is unknown but whose rules accept the source, as an ``accepted`` entry: the
    keys of :func:`provider_json` (driver, parent and available_instances null) and ``description_unknown``."""
    return {
        "host": placement.host,
        "ident": placement.ident,
        "kind": placement.kind,
        "path": placement.path,
        "driver": None,
        "parent": None,
        "available_instances": None,
        "verdict": verdict.to_json(),
        "description_unknown": True,
    }


def _why_unknown(verdict: Verdict) -> str:
    """Why an UNKNOWN *verdict* is unknown, in a few words (its summary without the answer)."""
    return verdict.summary().removeprefix("unknown: ")


def _unknown_text(count: int, unknown: list[tuple[tuple[Provider, ...], Verdict]]) -> str:
    hosts = list(dict.fromkeys(p.host for members, _ in unknown for p in members))
    return f"{_undecided_targets(count, hosts)} (their verdict is unknown: {_why_unknown(unknown[0][1])})"


_HOST_COLUMN: Final = 32
"""The host column of the text output is at most this wide (a longer name takes more room on its own line)."""


def _text(
    version: MigrationVersion,
    label: _Class,
    device: Provider | None,
    found: list[tuple[Provider, Verdict]],
    scope: _Scope,
    limit: int,
    blind: list[tuple[PartialPlacement, Verdict]],
    undecided: Undecided,
    unknown: list[tuple[tuple[Provider, ...], Verdict]],
    *,
    explained: bool,
) -> str:
    lines = [f"source: {escape(emit(version).rstrip())}"]
    if device is not None:
        lines.append(f"device: {host_name(device.host)} {escape(device.ident)} ({escape(device.where)})")
    lines.extend(label.lines())
    left_out = scope.left_out_text()
    if left_out:
        lines.append(f"left out: {left_out}")
    providers = len(scope.targets)
    hosts = len(scope.hosts)
    if not found and not blind:
        if undecided or unknown:
            count = len(undecided.placements) + sum(len(members) for members, _ in unknown)
            names = list(
                dict.fromkeys([p.host for p in undecided.placements] + [p.host for m, _ in unknown for p in m])
            )
            parts = []
            if count:
                parts.append(_undecided_targets(count, names))
            if undecided.faults:
                parts.append(_unread(undecided.faults))
            lines.append(
                f"no target read accepts the source; {' and '.join(parts)}: the answer is not known"
                f" ({plural(providers, 'target')} on {plural(hosts, 'host')} checked)"
            )
            for members, verdict in unknown[:SHOWN_FINDINGS]:
                first = members[0]
                more = f" and {plural(len(members) - 1, 'more target')} judged alike" if len(members) > 1 else ""
                lines.append(
                    f"  undecided: {host_name(first.host)} {first.kind} {escape(first.ident)}{more}:"
                    f" unknown: {escape(_why_unknown(verdict))}"
                )
            if len(unknown) > SHOWN_FINDINGS:
                lines.append(f"  ... and {len(unknown) - SHOWN_FINDINGS} more (--format json lists them)")
            return "\n".join(lines)
        lines.append(
            f"no device or type accepts the source ({plural(providers, 'target')} on {plural(hosts, 'host')}"
            f" checked){'' if explained else '; --explain shows the nearest'}"
        )
        return "\n".join(lines)
    devices = sum(1 for provider, _ in found if provider.kind == "device")
    on = len({provider.host for provider, _ in found} | {placement.host for placement, _ in blind})
    total = len(found) + len(blind)
    unknown_description = f" ({len(blind)} of them with an unknown description)" if blind else ""
    lines.append(
        f"{plural(total, 'target')} accept{'s' if total == 1 else ''} it: {plural(devices + len(blind), 'device')}"
        f"{unknown_description}, {plural(len(found) - devices, 'type')} to create, on {plural(on, 'host')}"
        f" (of {plural(providers, 'target')} on {plural(hosts, 'host')})"
    )
    shown = found if limit == 0 else found[:limit]
    names = [host_name(provider.host) for provider, _ in shown] + [host_name(p.host) for p, _ in blind]
    width = min(max((len(name) for name in names), default=0), _HOST_COLUMN)
    for number, (provider, verdict) in enumerate(shown, start=1):
        kind = provider.kind
        grade = verdict.grade.value if verdict.grade is not None else ""
        choice = _choice(verdict)
        create = f"; create with {choice}" if choice else ""
        lines.append(
            f"{number:>4}. {host_name(provider.host):<{width}}  {kind:<6} {escape(provider.ident)}"
            f"  {grade} by rule {verdict.matched}{create}"
        )
    if len(found) > len(shown):
        lines.append(f"      ... and {len(found) - len(shown)} more (--limit 0 shows all)")
    rest = blind if limit == 0 else blind[: max(limit - len(shown), 0)]
    for number, (placement, verdict) in enumerate(rest, start=len(shown) + 1):
        lines.append(
            f"{number:>4}. {host_name(placement.host):<{width}}  {placement.kind:<6} {escape(placement.ident)}"
            f"  accepted by rule {verdict.matched} (its migration_version is missing or invalid: description"
            " unknown, no grade)"
        )
    if len(blind) > len(rest):
        lines.append(f"      ... and {len(blind) - len(rest)} more with an unknown description (--limit 0 shows all)")
    return "\n".join(lines)


def _misses_text(misses: list[tuple[tuple[Provider, ...], Verdict]]) -> str:
    if not misses:
        return "near misses: none (every target accepts the source)"
    lines = ["near misses (nearest first):"]
    for members, verdict in misses:
        first = members[0]
        more = f" and {plural(len(members) - 1, 'more target')} judged alike" if len(members) > 1 else ""
        lines.append(f"  {host_name(first.host)} {first.kind} {escape(first.ident)}{more}:")
        lines.extend("    " + escape(line) for line in verdict.explain().split("\n"))
    return "\n".join(lines)
