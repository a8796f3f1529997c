"""``migcompat diff``: what a driver update changed, and whether it breaks migration from the old driver."""

from __future__ import annotations

import dataclasses
import os
import shlex
from typing import Final

import click

from ..capture import CAPTURE_READ_LIMIT, CaptureError, capture
from ..display import escape, first_few, plural
from ..emit import emit
from ..fleet.classes import export_class_id, read_keys
from ..fleet.diff import (
    MAX_SOURCE_DECISIONS,
    RELATION_WORDS,
    Change,
    ClassImpact,
    DiffResult,
    Side,
    SourceImpact,
    Target,
    TargetKind,
    diff,
    field_changes,
    source_impact,
)
from ..fleet.inventory import (
    STDIN_NAME,
    Inventory,
    InventoryError,
    NoCaptureFile,
    inventory_of,
    load_inventory,
    load_inventory_text,
)
from ..relate import narrowing_hint
from .attributes import (
    COMPATIBLE,
    VERSION,
    InputFailure,
    compatible_from,
    read_in_directory,
    refuse_two_stdins,
    report_failures,
    version_from,
)
from .captures import SHOWN_FINDINGS, host_name, inventory_failed, load_inventory_or_exit, report_findings
from .exitcodes import EXIT_STATUS_HELP, ExitCode, combine
from .io import ATTRIBUTE_READ_LIMIT, STDIN, CannotRead, Input, display_name, error_document, read_input
from .options import checked_path, format_option
from .output import echo, echo_error, echo_json

__all__ = ["diff_command"]

_LONG_WITNESS: Final = "(a source longer than one attribute, 4095 bytes: not shown)"
"""What stands for a witness that the relation has but does not show (clause 8.7)."""

_HELP: Final = """Show what a driver update changed: which sources it stopped accepting.

OLD and NEW are the same hosts (or the same device) before and after the
update: captures, directories of captures, sysfs trees, or a driver's
attribute files. For each device and type it prints what the new driver
stopped accepting (a breaking change), what it newly accepts and how its
description changed, each difference with a witness source: the check a
vendor's CI runs on a driver update, like 'buf breaking' or 'oasdiff
breaking'. Exit status: 0 no breaking change, 1 a breaking change (with
--sources: one that strands a device of the fleet), 3 some pair could not be
decided or part of a side could not be read (3 wins, as for every command).

\b
Examples:
  migcompat diff docs/examples/driver-update/mlx5-old docs/examples/driver-update/mlx5-new
  migcompat diff before/ after/                # two directories of captures
  migcompat diff --format json old.json new.json
  migcompat diff --sources fleet/ old.json new.json

OLD and NEW, named by their role: each is a capture ('migcompat capture'), a
directory of captures, a sysfs tree (a mirror of /sys, read as 'migcompat
conformance' reads one), a device directory holding migration_version and
migration_compatible_devices (a driver's attribute files, as a vendor's CI
writes them), a directory of such device directories (each paired with the
one of the same name), or a migration_compatible_devices file alone (whose rules
must not read $: without the device's migration_version, what they accept
is not known, and the pair is undecided). One of them can be - (standard
input): a capture, or a migration_compatible_devices.

Hosts are paired by name: an old host with no new host of its name is a
removed host, a new host with no old one an added host. A side with several
captures of one host name (captures taken without --host all name none) is
refused (error[capture-invalid], naming two of them): which is which machine
is not known; capture with --host, or diff one capture against another. When
the other side has a file that is not a valid capture, the host may be in it:
'host b: its capture FILE is not valid (not compared)', and its devices are
undecided. When each side has exactly one host (two captures, or two sysfs
trees), those two are compared, whatever their names. Each old device and
type is paired with the new one of its paired host with the same identity
(PCI address, mdev UUID, type id), else -- for a type -- the same name and
driver; never with a device of another host, and a new device or type is
paired once. Two attribute-file sides of one device each (device
directories, rules files) are that device, whatever their names, unless one
is a device type and the other an instance.

For each pair it prints what the new driver stopped accepting (a source the
old rules accepted and the new do not: a breaking change), what it newly
accepts, and, when the device's description changed, the fields that
differ; each difference with a witness source, computed exactly by
'migcompat relate'. The relation is said of the old rules to the new ones:
widened (new accepts every source old did, and more; "subset" in JSON),
narrowed (new accepts only sources old did, not all: breaking; "superset"
in JSON), equal, overlap (new stopped accepting some sources old accepted,
and accepts some old did not: breaking) or disjoint (new accepts none of the
sources old accepted: breaking). An old device or type with no counterpart
is removed: breaking when no new target accepts its own description and
nothing undecided may (a new target whose verdict is unknown, a placement
whose readable rules do not reject it, a fault that may hide a target, as
'match' scopes them); else undecided: "no new target accepts it (N undecided
targets on hosts ...)".

When the counterpart is there but could not be read or is not valid (a
skipped placement, or a fault its capture recorded), or a fault may hide
it, the pair is undecided: never breaking, no witness. Each undecided pair
says why ('not decided: ... [CODE]'); standard error has a coded line for
the first few not due to an unread counterpart: too-complex (the relation
is beyond the bounds), missing-self (rules that read $ without the device's
migration_version), or the code of what may accept a removed device
(capture-unreadable, missing-field...). The fleet guide, 'What did the
driver update change?', walks through these cases.

Placements of a capture or sysfs tree whose attributes are missing or
invalid are not targets (a pair they would be in is undecided); a note on
standard error counts them. What a
capture (or the reading of a sysfs tree) recorded, such as an unreadable
directory or a link loop, is a warning on standard error, with the first
few (once when both sides would report the same, as 'diff A A'). When
such a fault may hide a device or type, the pairs it would be in are not
known, and the diff is not decided.

With --format json the output is one JSON object: {"old", "new", "breaking",
"undecided", "incomplete", "counts", "hosts": {"paired", "removed",
"added", "unread"}, "changes": [{"state", "old", "new", "relation",
"stopped_accepting", "newly_accepts", "emits", "field_changes", "error",
"code", "unread", "notes"}], "findings": [{"side", "code", "host", "path",
"message", ...}]}: "state" is breaking, undecided, removed, widened,
changed, added or unchanged, and "counts" counts each; "undecided" is true
when the exit status is 3 for a pair or a side; "unread" is "old" or "new"
when the pair is undecided because that side's counterpart could not be
read; "hosts" "unread" lists the hosts that may be in a file that is not a
valid capture ({"host", "side", "invalid_captures", "message"}); "findings"
lists both sides' skipped placements and the faults their
captures recorded (each with "capture", "attribute" and "hides_targets"),
and "incomplete" is true when one may hide a target.

With --sources INVENTORY (repeatable: captures or directories of them, as
'match' reads them; - for standard input) the fleet's own devices are
judged too: each source class of the inventory (its device instances with
equal descriptions) is checked against the old and the new target of every
changed pair (breaking or not, a removed one too), each with its own
description for $. A class the old target accepted and the new does not is
STRANDED (with its devices, the first few, counted) unless another new
target accepts it ("accepted elsewhere by N"); one only the new accepts is
newly accepted. A class is named by the id the scheduler exports of the
inventory label it with (as 'match' prints it), followed by its description
digest when that id leaves ~ fields out. The exit status then says whether the fleet is affected: 1
only when some class is stranded with no new target accepting it and none
that may, 0 otherwise, even when the rules dropped sources ("the new rules
dropped some sources, but no device of the inventory is affected"), 3 when
undecided. Cost: one
decision per (source class, distinct changed pair); beyond {max_decisions} the diff is
refused with error[too-complex]. JSON: each change has "stranded" and
"newly_accepted" lists ({"id" (the description digest), "class" (the
exports' label), "class_ignored", "members", "member_count"}; a stranded one
also "accepted_elsewhere", "elsewhere", "strands", "error", "code"), and
the object has "fleet_breaking" and "sources" ({"inventory", "classes",
"decisions", "incomplete"}).
""".replace("{max_decisions}", f"{MAX_SOURCE_DECISIONS:,}")

_EPILOG: Final = (
    EXIT_STATUS_HELP + "\n\nFor diff: 0 no breaking change, 1 a breaking change (the new driver stopped"
    " accepting a source the old one accepted); with --sources: 1 only when a source class of the inventory is"
    " stranded (accepted by the old driver, and no new target accepts it or may), 0 when the rules narrowed but"
    " strand none of it, 3 when that is not decided (also beside a stranded class: 3 wins, and the JSON's"
    " fleet_breaking is true). 3 when an input cannot be read or is not valid, a pair's"
    " relation is too complex to decide or rules read $ without the description (the reason is printed),"
    " a side names one host in several captures, or a capture or sysfs tree could not read part of its"
    " host (a device there is not compared)."
)

_SHOWN: Final = ("breaking", "undecided", "removed", "widened", "changed", "added")


class _Unreadable(Exception):
    def __init__(self, failure: InputFailure) -> None:
        super().__init__(str(failure))
        self.failure = failure


def _attribute_side(role: str, path: str) -> list[Target]:
    """A device directory's two attributes as one target (its migration_version, when it has one, for ``$``).

    They are read by :func:`~migcompat.cli.attributes.read_in_directory`: a
    regular file reached through no link only (a link out of the directory
    is refused unread).
    """
    try:
        _, found = read_in_directory(path, (COMPATIBLE, VERSION))
    except CannotRead as exc:
        raise InputFailure(role, exc.path, COMPATIBLE, reason=exc.reason) from None
    for attribute in (COMPATIBLE, VERSION):
        source = found.get(attribute)
        if isinstance(source, CannotRead):
            raise InputFailure(role, source.path, attribute, reason=source.reason)
    version_source, rules_source = found.get(VERSION), found.get(COMPATIBLE)
    if not isinstance(rules_source, Input):
        raise InputFailure(role, path, COMPATIBLE, reason=f"the directory has no {COMPATIBLE} attribute")
    version = version_from(role, version_source) if isinstance(version_source, Input) else None
    rules = compatible_from(role, rules_source)
    kind: TargetKind = "type" if version is not None and version.params else "device"
    driver_field = None if version is None else version.fields.get("driver")
    driver = driver_field.value if driver_field is not None and isinstance(driver_field.value, str) else None
    name = os.path.basename(os.path.normpath(path))
    return [Target(path, "", kind, name, driver, version, rules)]


def _rules_side(role: str, path: str, data: bytes, complete: bool) -> list[Target]:
    """A migration_compatible_devices read already (from a file, a pipe or standard input) as one target."""
    kept = data[:ATTRIBUTE_READ_LIMIT]
    name = display_name(path)
    rules = compatible_from(role, Input(path, name, kept, complete and len(kept) == len(data)))
    label = STDIN_NAME if path == STDIN else path
    return [Target(label, "", "device", os.path.basename(os.path.normpath(label)), None, None, rules)]


def _is_device_directory(path: str) -> bool:
    """Whether the directory *path* is a device directory: it has a migration_compatible_devices entry.

    Only the entry's name is looked at (no file is opened): an entry that is
    not a readable regular file is then reported by :func:`_attribute_side`.
    """
    return os.path.lexists(os.path.join(path, COMPATIBLE))


def _looks_like_json(data: bytes) -> bool:
    """Whether *data* is a JSON document (a capture) rather than an attribute: it opens with ``{``."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{"


_SYSFS_TOP: Final = ("bus", "class", "devices")
"""Directories of which a sysfs tree (a mirror of /sys) has at least one at its top."""


def _directory_side(role: str, path: str) -> tuple[list[Target], Inventory | None] | None:
    """A directory that is a sysfs tree or holds device directories, as targets; None for anything else.

    A sysfs tree is read as ``migcompat conformance`` reads one (its findings
    are returned for the caller to note); each device directory (one that
    holds migration_compatible_devices, as a vendor's build writes them) is
    one target, named by its directory. No entry but a directory is opened.
    """
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
    devices = [
        os.path.join(path, entry)
        for entry in entries
        if os.path.isdir(os.path.join(path, entry)) and _is_device_directory(os.path.join(path, entry))
    ]
    if not devices:
        return None
    targets = []
    for device in devices:
        (target,) = _attribute_side(role, device)
        targets.append(dataclasses.replace(target, ident=os.path.basename(device)))
    return targets, None


@click.command(
    "diff",
    help=_HELP,
    epilog=_EPILOG,
    short_help="Show what a driver update changed; exit 1 on a breaking change.",
)
@click.argument("old", metavar="OLD", type=checked_path())
@click.argument("new", metavar="NEW", type=checked_path())
@click.option("--all", "show_all", is_flag=True, help="Also list the pairs that did not change.")
@click.option(
    "--sources",
    "source_paths",
    metavar="INVENTORY",
    multiple=True,
    type=checked_path(),
    help="Captures (or directories of them; - for standard input) whose devices are the fleet's sources:"
    " report the classes each change strands or newly accepts, and exit 1 only when one is stranded.",
)
@format_option("text: the changes for people; json: one JSON object.")
@click.pass_context
def diff_command(
    ctx: click.Context, old: str, new: str, show_all: bool, source_paths: tuple[str, ...], output_format: str
) -> None:
    json_output = output_format == "json"
    refuse_two_stdins([("OLD", old), ("NEW", new), *(("--sources", path) for path in source_paths)])
    inventory = load_inventory_or_exit(ctx, source_paths, json_output=json_output) if source_paths else None
    if inventory is not None and not json_output:
        report_findings(inventory)
    sides: list[list[Target]] = []
    fleets: list[tuple[str, Inventory]] = []
    for role, path in (("old", old), ("new", new)):
        try:
            targets, fleet = _side(ctx, role, path, json_output)
            sides.append(targets)
            if fleet is not None:
                if not json_output and all(_reported(fleet) != _reported(seen) for _, seen in fleets):
                    # once per distinct inventory ('diff A A' reports A's faults once), and "a capture names no
                    # host" once for both sides
                    named = any("" in seen.hosts for _, seen in fleets)
                    report_findings(
                        dataclasses.replace(fleet, hosts=tuple(h for h in fleet.hosts if h)) if named else fleet
                    )
                fleets.append((role, fleet))
        except InputFailure as failure:
            report_failures([failure], json_output=json_output)
            if json_output:
                echo_json({"old": old, "new": new, "input_errors": [failure.to_json()]})
            ctx.exit(ExitCode.UNDECIDED)
        except InventoryError as error:
            echo_error(escape(error.message), error.code)
            if json_output:
                echo_json({"error": error.to_dict()})
            ctx.exit(ExitCode.UNDECIDED)
    if not sides[0]:
        message = f"{escape(old)} (old) has no device or type with valid attributes: nothing to compare"
        echo_error(message, "nothing-to-check")
        if sides[1] and not json_output:  # an update that adds migration support, or an old side taken wrongly
            echo(
                "migcompat: hint: if the old driver wrote no migration attributes, the update adds migration"
                " support and breaks no migration: check the new side alone with 'migcompat conformance"
                f" {shlex.quote(display_name(new))}'; else OLD is not what was meant (a host whose driver was not"
                " loaded when captured?)",
                err=True,
            )
        if json_output:
            echo_json(error_document("nothing-to-check", message, display_name(old)))
        ctx.exit(ExitCode.UNDECIDED)
    side_of = {role: Side.of(fleet) for role, fleet in fleets}
    impact: SourceImpact | None = None
    labels = None if inventory is None else _Labels(inventory)
    try:
        result = diff(sides[0], sides[1], old_side=side_of.get("old"), new_side=side_of.get("new"))
        if inventory is not None:
            impact = source_impact(result, inventory.sources, sides[1], new_side=side_of.get("new"))
    except InventoryError as error:
        echo_error(escape(error.message), error.code)
        if json_output:
            echo_json({"error": error.to_dict()})
        ctx.exit(ExitCode.UNDECIDED)
    incomplete = [(role, fleet) for role, fleet in fleets if fleet.incomplete]
    hides_sources = inventory is not None and _hides_sources(inventory)
    if impact is None:
        undecided = result.undecided or bool(incomplete)
        negative = result.breaking
    else:
        undecided = impact.undecided or bool(incomplete) or hides_sources
        negative = impact.fleet_breaking
    status = combine(
        [
            ExitCode.NEGATIVE if negative else ExitCode.SUCCESS,
            ExitCode.UNDECIDED if undecided else ExitCode.SUCCESS,
        ]
    )
    if json_output:
        changes = [change.to_json() for change in result.changes]
        extra: dict[str, object] = {}
        if impact is not None:
            assert labels is not None
            for entry, impacts in zip(changes, impact.impacts, strict=True):
                for kind in ("stranded", "newly_accepted"):
                    entry[kind] = [labels.json(i) for i in impacts if i.kind == kind]
            extra = {
                "fleet_breaking": impact.fleet_breaking,
                "sources": {
                    "inventory": list(source_paths),
                    "classes": impact.classes,
                    "decisions": impact.decisions,
                    "incomplete": hides_sources,
                },
            }
        echo_json(
            {
                "old": old,
                "new": new,
                "breaking": result.breaking,
                **extra,
                "undecided": undecided,
                "incomplete": bool(incomplete),
                "counts": result.counts(),
                "hosts": {
                    "paired": [{"old": before, "new": after} for before, after in result.hosts],
                    "removed": list(result.removed_hosts),
                    "added": list(result.added_hosts),
                    "unread": [
                        {"host": host, "side": role, "invalid_captures": list(files), "message": why}
                        for role, host, files, why in result.unread_hosts
                    ],
                },
                "changes": changes,
                "findings": [
                    {"side": role, **finding.to_json()} for role, fleet in fleets for finding in fleet.findings
                ],
            }
        )
    else:
        echo(_text(old, new, result, show_all, impact, labels))
        _report_undecided(result)
        _report_unread(result, dict(incomplete))
        if impact is not None:
            assert inventory is not None
            _report_sources(result, impact)
            if hides_sources:
                echo_error(
                    f"whether the fleet is affected is not decided: in the --sources inventory, {_not_read(inventory)}",
                    "capture-unreadable",
                )
        elif result.breaking:
            breaking = sum(change.breaking for change in result.changes)
            echo_error(
                f"breaking change: the new driver stopped accepting a source the old one accepted"
                f" ({plural(breaking, 'target')}, marked BREAKING in the report on standard output)"
            )
    ctx.exit(status)


def _reported(fleet: Inventory) -> tuple[object, ...]:
    """What :func:`report_findings` prints of *fleet*: two sides equal in this get one report."""
    return (fleet.findings, "" in fleet.hosts)


_SHOWN_UNDECIDED: Final = 5
"""How many undecided pairs (other than those whose counterpart could not be read) standard error names."""


def _report_undecided(result: DiffResult) -> None:
    """One error line, with its code, for each of the first few pairs undecided for another reason than an
    unread counterpart (a relation too complex, rules that read ``$`` without a description, a removed target
    that an undecided new target may accept); a count of the rest."""
    undecided = [change for change in result.changes if change.error is not None and change.unread is None]
    for change in undecided[:_SHOWN_UNDECIDED]:
        if change.code == "too-complex":
            message = f"the relation cannot be decided for {_what(change)}: {escape(change.error or '')}"
        elif change.new is None:
            message = f"whether removing {_what(change)} is breaking is not known: {escape(change.error or '')}"
        else:
            message = f"the relation is not known for {_what(change)}: {escape(change.error or '')}"
        echo_error(message, change.code)
    if len(undecided) > _SHOWN_UNDECIDED:
        echo_error(
            f"... and {plural(len(undecided) - _SHOWN_UNDECIDED, 'more undecided pair')} (UNDECIDED above)",
            "too-complex" if all(c.code == "too-complex" for c in undecided) else None,
        )


def _not_read(inventory: Inventory) -> str:
    """What of an :attr:`~Inventory.incomplete` *inventory* was not read: hosts, and files that are not valid
    captures (named as files, never as hosts)."""
    hosts = list(dict.fromkeys(f.host for f in inventory.findings if f.hides_targets and f.host))
    files = list(dict.fromkeys(f.path for f in inventory.findings if f.hides_targets and not f.host and not f.capture))
    nameless = any(f.hides_targets and not f.host and f.capture for f in inventory.findings)
    parts = []
    if hosts or nameless:
        shown = [host_name(host) for host in hosts] + (["(empty)"] if nameless else [])
        named = f"{'host' if len(shown) == 1 else 'hosts'} {first_few(shown, SHOWN_FINDINGS)}"
        parts.append(f"part of {named} could not be read or is not valid")
    if files:
        which = "capture" if len(files) == 1 else "captures"
        parts.append(
            f"the {which} {first_few(files, SHOWN_FINDINGS, escape)} {'is' if len(files) == 1 else 'are'} not valid"
        )
    return "; ".join(parts)


def _report_unread(result: DiffResult, incomplete: dict[str, Inventory]) -> None:
    """One line per side that could not be read whole, or whose counterparts made pairs undecided."""
    for role in ("old", "new"):
        unread = sum(change.unread == role for change in result.changes)
        parts = []
        if role in incomplete:
            parts.append(_not_read(incomplete[role]))
        if unread:
            parts.append(
                f"{plural(unread, 'pair is', 'pairs are')} undecided: the counterpart there could not be read"
                " or is not valid (UNDECIDED above)"
            )
        elif role in incomplete:
            parts.append("a device or type there is not compared (see the warning above)")
        if parts:
            echo_error(f"the diff is not decided: on the {role} side, {'; '.join(parts)}", "capture-unreadable")


def _what(change: Change) -> str:
    target = change.old or change.new
    assert target is not None
    return f"{escape(target.what)} ({escape(target.label)})"


def _hides_sources(inventory: Inventory) -> bool:
    """Whether a fault of the --sources *inventory* may hide a source: one that may hide a target, unless it is
    about a migration_compatible_devices (the device's description, what a source is, was read)."""
    return any(finding.hides_targets and not finding.path.endswith("/" + COMPATIBLE) for finding in inventory.findings)


def _report_sources(result: DiffResult, impact: SourceImpact) -> None:
    """The --sources verdict on standard error: the fleet is affected, or no device of it is a source the rules
    dropped."""
    if impact.fleet_breaking:
        stranded = impact.stranded
        devices = sum(len(source.members) for source in stranded.values())
        echo_error(
            f"breaking change for the inventory: {plural(len(stranded), 'source class', 'source classes')}"
            f" ({plural(devices, 'device')}) accepted before and by no new target (STRANDED above)"
        )
    elif result.breaking and not impact.undecided:
        echo(
            "migcompat: note: the new rules dropped some sources, but no device of the inventory is affected"
            f" ({plural(impact.classes, 'source class', 'source classes')} checked)",
            err=True,
        )


class _Labels:
    """The names of an inventory's source classes, as the scheduler exports of that inventory label them.

    A source class (:class:`~migcompat.fleet.classes.SourceClass`) is a whole
    description; the exports label its projection onto the keys the
    inventory's rules read (:func:`~migcompat.fleet.classes.export_class_id`,
    as ``match`` prints it), which leaves out the ``~`` fields no rule reads.
    """

    def __init__(self, inventory: Inventory) -> None:
        self.keys = read_keys(inventory.providers)

    def label(self, item: ClassImpact) -> tuple[str, tuple[str, ...]]:
        """The exports' id of *item*'s class, and the ``~`` fields it leaves out."""
        return export_class_id(item.source.version, self.keys)

    def text(self, item: ClassImpact) -> str:
        """``ID``, or ``ID (description digest DIGEST)`` when the exports' id leaves fields out."""
        label, ignored = self.label(item)
        return label if not ignored else f"{label} (description digest {item.source.id})"

    def json(self, item: ClassImpact) -> dict[str, object]:
        """:meth:`ClassImpact.to_json` with ``class`` and ``class_ignored`` after its ``id``."""
        label, ignored = self.label(item)
        out = item.to_json()
        return {"id": out.pop("id"), "class": label, "class_ignored": list(ignored), **out}


def _impact_lines(impacts: tuple[ClassImpact, ...], labels: _Labels) -> list[str]:
    """One line per class a change strands or newly accepts, with its first members and how many there are."""
    lines = []
    for item in impacts:
        members = item.source.members
        shown = first_few(members, SHOWN_FINDINGS, lambda member: escape(member.where))
        devices = f"{plural(len(members), 'device')}: {shown}"
        if item.kind == "newly_accepted":
            lines.append(f"  newly accepted class {labels.text(item)} ({devices})")
            continue
        if item.accepted_elsewhere:
            others = ", ".join(escape(where) for where in item.elsewhere)
            rest = item.accepted_elsewhere - len(item.elsewhere)
            state = f"accepted elsewhere by {others}{f' and {rest} more' if rest else ''}"
        elif item.undecided is not None:
            state = f"not decided: {escape(item.undecided[1])} [{item.undecided[0]}]"
        else:
            state = "no new target accepts it"
        lines.append(f"  {'STRANDED' if item.strands else 'stranded'} class {labels.text(item)} ({devices}): {state}")
    return lines


def _text(
    old: str,
    new: str,
    result: DiffResult,
    show_all: bool,
    impact: SourceImpact | None = None,
    labels: _Labels | None = None,
) -> str:
    """The changes for people: a header line per change, then one indented line per fact, then the counts."""
    lines = [f"old: {escape(old)}", f"new: {escape(new)}"]
    if len(result.hosts) == 1 and result.hosts[0][0] != result.hosts[0][1]:
        before, after = (escape(host) if host else "(no host name)" for host in result.hosts[0])
        lines.append(f"hosts: one on each side, compared with each other: {before} (old) and {after} (new)")
    lines.extend(f"REMOVED HOST {escape(host)}: not on the new side" for host in result.removed_hosts)
    lines.extend(f"ADDED HOST {escape(host)}: not on the old side" for host in result.added_hosts)
    lines.extend(escape(why) for _, _, _, why in result.unread_hosts)  # "host b: its capture ... is not valid"
    impacts = impact.impacts if impact is not None else tuple(() for _ in result.changes)
    for change, classes in zip(result.changes, impacts, strict=True):
        if change.state not in _SHOWN and not show_all:
            continue
        target = change.old or change.new
        assert target is not None
        lines.append(f"{change.state.upper():<10} {escape(target.what)}")
        if change.old is not None and change.new is not None and change.old.label == change.new.label:
            lines.append(f"  at:  {escape(change.old.label)}")
        else:
            for role, side in (("old", change.old), ("new", change.new)):
                missing = "could not be read" if change.unread == role else "none"
                lines.append(f"  {role}: {missing if side is None else escape(side.label)}")
        if change.relation is not None:
            lines.append(f"  relation: {RELATION_WORDS[change.relation]}")
        if change.stopped is not None:
            lines.append(f"  stopped accepting: {escape(emit(change.stopped).rstrip())}")
            hint = (
                None
                if change.old is None or change.new is None
                else narrowing_hint(change.stopped, change.old.rules, change.new.rules)
            )
            if hint is not None:
                lines.append(f"  why: {escape(hint)}")
        elif change.breaking:
            lines.append(f"  stopped accepting: {_LONG_WITNESS}")
        if change.started is not None:
            lines.append(f"  newly accepts:     {escape(emit(change.started).rstrip())}")
        if change.emits is not None:
            lines.append("  description changed (old -> new):")
            lines.extend(f"    {escape(line)}" for line in field_changes(change.old, change.new))
        if change.error is not None:
            code = f" [{change.code}]" if change.code else ""
            lines.append(f"  not decided: {escape(change.error)}{code}")
        lines.extend(f"  note: {escape(note)}" for note in change.notes)
        if classes:
            assert labels is not None
            lines.extend(_impact_lines(classes, labels))
    counts = result.counts()
    summary = ", ".join(f"{plural(count, name, name)}" for name, count in sorted(counts.items()))
    lines.append(f"{plural(len(result.changes), 'target')} compared: {summary}")
    if impact is not None:
        stranded = len(impact.stranded)
        lines.append(
            f"{plural(impact.classes, 'source class', 'source classes')} of the inventory checked: {stranded} stranded"
        )
    return "\n".join(lines)


def _side(ctx: click.Context, role: str, path: str, json_output: bool) -> tuple[list[Target], Inventory | None]:
    """The targets OLD or NEW names, and the inventory they come from (None for attribute files).

    Raises :class:`InputFailure` or :class:`InventoryError`. A file, a pipe
    or standard input is read once, and told apart by its first character: a
    capture (JSON) or a migration_compatible_devices. A directory is a device
    directory, a sysfs tree, a directory of device directories, or a
    directory of captures, in that order. The caller reports the
    inventory's findings (:func:`report_findings`).
    """
    if path == STDIN or not os.path.isdir(path):
        try:
            read = read_input(path, CAPTURE_READ_LIMIT)
        except CannotRead as exc:
            raise InputFailure(role, path, COMPATIBLE, reason=exc.reason) from None
        if not _looks_like_json(read.data):
            return _rules_side(role, path, read.data, read.complete), None
        if not read.complete:
            raise InventoryError(
                "capture-unreadable",
                f"{read.name} is larger than the {CAPTURE_READ_LIMIT >> 20} MiB a capture may be",
                where=read.name,
            )
        fleet = load_inventory_text(read.data, read.name)
    elif _is_device_directory(path):
        return _attribute_side(role, path), None
    else:
        found = _directory_side(role, path)
        if found is not None:
            return found
        try:
            fleet = load_inventory([path])
        except NoCaptureFile:
            raise InventoryError(
                "capture-unreadable",
                f"{display_name(path)} ({role}) holds nothing diff reads: no device directory (one with"
                " migration_compatible_devices), no sysfs tree and no capture (*.json) file",
                where=path,
            ) from None
        except InventoryError as error:
            inventory_failed(ctx, error, json_output=json_output)
    return [Target.of(provider) for provider in fleet.providers], fleet
