"""What a driver update changed: the sources it stopped and started accepting, and what it emits differently.

The old and the new side are each a set of targets (devices and types, from
captures, or one device's attribute files). Hosts are paired first: each old
host with the new host of the same name, unless each side has exactly one
host and no file that is not a valid capture (two captures of one host, or
of two hosts to compare: these two are paired, whatever their names). A side
with several captures of one host name (the empty name of captures taken
without ``--host`` included) is refused: which of them is which machine is
not known. An old host with no new host is a *removed host*, a new host
with no old one an *added host* (*removed_hosts* and *added_hosts* of
:class:`DiffResult`), unless the other side has a file that is not a valid
capture, which may be the host's (*unread_hosts*: its targets are
undecided). Each old
target is then paired with a new target of its paired host: the one with the
same identity (type id, PCI address, UUID), else, for a type, the new type of
the same human name and driver (NVIDIA-style ids change between releases), as
the conformance suite's upgrade check pairs them. A target is never paired
with a target of another host (but the paired one), and a new target is
paired with at most one old target. Only when both sides are attribute files
(no capture) and each is one target of one kind are those two paired whatever
their identities.

For each pair the two rule sets are related exactly
(:func:`~migcompat.relate.relate`, with each side's own description for
``$``). The relation is the old accepted set's to the new one's, named in
JSON by the set relation (:class:`~migcompat.relate.Relation`) and in text by
the direction a reader looks for (:data:`RELATION_NAMES`,
:data:`RELATION_WORDS`): ``subset`` is "widened" (the new set strictly
contains the old one), ``superset`` "narrowed" (the old set strictly contains
the new one), ``equal`` "equal", ``overlap`` "overlap" (new stopped accepting
some sources old accepted, and accepts some old did not), ``disjoint``
"disjoint" (new accepts none of the sources old accepted). A source the old
rules accepted and the new ones do not is a *breaking* change, with that
source as witness; one only the new rules accept is a widening, with its
witness. A target whose description changed is listed with the fields that
changed.

An old target with no counterpart is *removed*: breaking when no new target
accepts its own description (for a type, the devices of its covering
choices), as found by the fleet index, and nothing undecided may: a new
target whose verdict for it is UNKNOWN, a placement of the new side whose
readable half does not reject it, or a fault that may hide a target (scoped
as ``match`` scopes it: :meth:`~.inventory.Inventory.undecided`); else the
removal is *undecided* ("no new target accepts it (N undecided targets on
hosts ...)"). A new target with none is *added*. That is so only when the
other side was read: when its counterpart's placement is there but could not
be read or is not valid (a skipped placement, or a fault the capture
recorded there, :class:`Side`), or when a fault may hide it, the pair is
*undecided* (*unread* names the side), never breaking and with no witness.

Pairs with equal texts on both sides are related once, however many hosts
hold them, and a target whose rules and own values are the same on both sides
is EQUAL without being related. The relations of one diff together are
bounded (:class:`~migcompat.relate.RelationWork`): the pairs left once it is
spent are *undecided* (*code* ``too-complex``). :class:`~migcompat.relate.RelationTooComplex` on a pair is
recorded on it (*error*, *code* ``too-complex``); the result is then
*undecided*. So is a pair one of whose sides has rules that read ``$`` but no
description (:func:`~migcompat.semantics.rules.self_keys`; *code*
``missing-self``): what that device accepts through them is not known.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final, Literal

from .._pairing import pair_in_turn
from ..compare import check
from ..display import first_few, plural
from ..emit import emit, value_text
from ..model import CompatibleDevices, MigrationVersion
from ..relate import Relation, RelationTooComplex, RelationWork, relate
from ..semantics.rules import own_values, self_keys
from ..semantics.templates import covering_devices
from ..verdict import UNDECIDED_CODES, Answer
from .classes import SourceClass, source_classes
from .index import FleetIndex
from .inventory import FleetError, Inventory, InventoryFinding, Provider

__all__ = [
    "BREAKING",
    "MAX_SOURCE_DECISIONS",
    "RELATION_NAMES",
    "RELATION_WORDS",
    "Change",
    "ClassImpact",
    "DiffResult",
    "Side",
    "SourceImpact",
    "Target",
    "TargetKind",
    "Unread",
    "diff",
    "field_changes",
    "placement_key",
    "relation_name",
    "source_impact",
]

BREAKING = frozenset(relation for relation in Relation if relation.has_first_only)
"""The relations of old to new rules under which the new rules drop a source the old ones accepted."""

RELATION_NAMES: Final[Mapping[Relation, str]] = {
    Relation.EQUAL: "equal",
    Relation.SUBSET: "widened",
    Relation.SUPERSET: "narrowed",
    Relation.OVERLAP: "overlap",
    Relation.DISJOINT: "disjoint",
}
"""What text output calls a pair's relation (old rules to new rules): the direction of the change.

``subset`` (the old accepted set within the new one) is *widened*, ``superset``
*narrowed*; the set names stay in JSON (``Relation.value``).
"""

RELATION_WORDS: Final[Mapping[Relation, str]] = {
    Relation.EQUAL: "equal: new accepts the same sources as old",
    Relation.SUBSET: "widened: new accepts every source old did, and more (old is a subset of new)",
    Relation.SUPERSET: "narrowed: new accepts only sources old did, and not all of them (old is a superset of new)",
    Relation.OVERLAP: "overlap: new stopped accepting some sources old accepted, and accepts some old did not",
    Relation.DISJOINT: "disjoint: new accepts none of the sources old accepted",
}
"""How text output says a pair's relation (old rules to new rules): :data:`RELATION_NAMES` first, then in words.

The words name the side that accepts more, and for ``subset`` and
``superset`` (the JSON names) say which set is within which.
"""


def relation_name(value: str) -> str:
    """A relation's JSON name *value* (``subset``...) as text output leads with it: ``widened (subset)``, say.

    The direction (:data:`RELATION_NAMES`) first, and the set name after it in
    parentheses when the two differ; a value that names no relation is
    returned as it is.
    """
    names = {relation.value: name for relation, name in RELATION_NAMES.items()}
    name = names.get(value)
    if name is None or name == value:
        return value
    return f"{name} ({value})"


TargetKind = Literal["device", "type"]
"""A target's kind: a device instance or a device type (as :class:`~.inventory.Provider` has it)."""

_SKIPPED_PLACEMENTS = frozenset({"missing-attribute", "invalid-attribute", "not-a-target"})
"""The inventory's codes for a placement that is there but is not a target (:data:`~.inventory.FINDING_CODES`)."""


def placement_key(path: str) -> tuple[TargetKind, str] | None:
    """The (kind, identity) of the placement a sysfs *path* is in or under, as :class:`Target` has them; None else.

    ``class/mdev_bus/<parent>/mdev_supported_types/<type>[/...]`` is the type
    ``<type>``; ``bus/<bus>/devices/<name>[/...]`` the device ``<name>`` (a
    PCI address or an mdev's UUID), or ``<bus>/<name>`` on another bus (as
    :class:`~migcompat.sysfs.model.Placement` names them). A path above them
    (``bus/pci/devices``, ``class/mdev_bus/<parent>``) names no placement.
    """
    parts = path.split("/")
    if len(parts) >= 5 and parts[:2] == ["class", "mdev_bus"] and parts[3] == "mdev_supported_types" and parts[4]:
        return "type", parts[4]
    if len(parts) >= 4 and parts[0] == "bus" and parts[2] == "devices" and parts[1] and parts[3]:
        return "device", parts[3] if parts[1] in ("pci", "mdev") else f"{parts[1]}/{parts[3]}"
    return None


@dataclass(frozen=True)
class Unread:
    """A placement of *host* that is there but could not be read or is not valid, and *why* (a message)."""

    host: str
    kind: TargetKind
    ident: str
    path: str
    why: str


@dataclass(frozen=True)
class Side:
    """What one side holds besides its targets: every host it names, and what of them could not be read.

    *hosts* are the hosts its captures name, also those none of whose
    placements is a target; *unread* the placements that are there but are
    not targets (skipped, or under a fault the capture recorded that may hide
    a target); *hidden* the hosts with such a fault that names no placement
    (an unreadable listing: any target of the host may be in it); *incomplete*
    whether the side has any fault that may hide a target
    (:attr:`~.inventory.Inventory.incomplete`). *file_hosts* are the
    (capture file, host) pairs of its captures (:attr:`~.inventory.Inventory.file_hosts`),
    *invalid* the files of a directory that are not valid captures (any host
    may be in one), and *inventory* the inventory the side was made of (None
    for attribute files): what may hide a target that accepts a removed
    target's description is asked of it (:meth:`~.inventory.Inventory.undecided`).
    """

    hosts: tuple[str, ...] = ()
    unread: tuple[Unread, ...] = ()
    hidden: frozenset[str] = frozenset()
    incomplete: bool = False
    file_hosts: tuple[tuple[str, str], ...] = ()
    invalid: tuple[str, ...] = ()
    inventory: Inventory | None = field(default=None, compare=False)

    @classmethod
    def of(cls, inventory: Inventory) -> Side:
        """The side an inventory (captures, or a sysfs tree read) makes."""
        hosts = tuple(dict.fromkeys([*(host for _, host in inventory.file_hosts), *inventory.hosts]))
        unread: list[Unread] = []
        hidden: set[str] = set()
        invalid: list[str] = []
        for finding in inventory.findings:
            if finding.code == "invalid-capture" and not finding.capture:
                invalid.append(finding.path)
                continue
            skipped = not finding.capture and finding.code in _SKIPPED_PLACEMENTS
            if not (skipped or finding.hides_targets):
                continue
            key = placement_key(finding.path)
            if key is None:
                hidden.add(finding.host)
                continue
            unread.append(Unread(finding.host, key[0], key[1], finding.path, _why(finding)))
        return cls(
            hosts,
            tuple(unread),
            frozenset(hidden),
            inventory.incomplete,
            inventory.file_hosts,
            tuple(invalid),
            inventory,
        )

    def shared_hosts(self) -> dict[str, tuple[str, ...]]:
        """The host names (the empty one included) that several of the side's captures record, with those captures."""
        files: dict[str, list[str]] = {}
        for name, host in self.file_hosts:
            files.setdefault(host, []).append(name)
        return {host: tuple(names) for host, names in files.items() if len(names) > 1}


def _why(finding: InventoryFinding) -> str:
    if finding.capture:
        return f"{finding.path}: {finding.message} [{finding.code}]"
    return finding.message


@dataclass(frozen=True)
class Target:
    """One side's target: a provider of a capture, or a device's attribute files (*version* None if absent)."""

    label: str
    host: str
    kind: TargetKind
    ident: str
    driver: str | None
    version: MigrationVersion | None
    rules: CompatibleDevices
    name: str | None = None

    @classmethod
    def of(cls, provider: Provider) -> Target:
        """The target of a capture's *provider*."""
        return cls(
            provider.where,
            provider.host,
            provider.kind,
            provider.ident,
            provider.driver,
            provider.version,
            provider.rules,
            provider.name,
        )

    @property
    def what(self) -> str:
        """How a report names the target: ``mdev type ID (driver)`` or ``device ID (driver)``."""
        driver = f" ({self.driver})" if self.driver else ""
        return f"{'mdev type' if self.kind == 'type' else 'device'} {self.ident}{driver}"


@dataclass(frozen=True)
class Change:
    """One old target against its new counterpart (or without one: *old* or *new* is None).

    *relation* is old -> new (None when undecided or unpaired); *stopped* a
    source the old rules accept and the new do not; *started* one only the
    new rules accept; *emits* the (old, new) descriptions when they differ;
    *error* the reason the relation could not be decided, and *code* its
    stable code: ``too-complex`` (:class:`~migcompat.relate.RelationTooComplex`),
    ``missing-self`` (rules that read ``$`` without the device's description),
    ``capture-unreadable`` (a counterpart, or a target that may accept a
    removed one, could not be read), or the reason code of an UNKNOWN verdict
    (``missing-field``, ``missing-self``...) of a new target that may accept a
    removed one; *unread* ``old`` or ``new`` when the pair is undecided because
    the counterpart on that side could not be read (or may be hidden by a
    fault, or be in a capture that is not valid), else None.
    """

    old: Target | None
    new: Target | None
    relation: Relation | None = None
    stopped: MigrationVersion | None = None
    started: MigrationVersion | None = None
    emits: tuple[str, str] | None = None
    error: str | None = None
    notes: tuple[str, ...] = field(default=())
    unread: str | None = None
    code: str | None = None

    @property
    def breaking(self) -> bool:
        """True when the new side drops a source the old side accepted.

        The relation says so (:data:`BREAKING`) also when no witness is shown:
        the one found can be longer than one attribute (clause 8.7).
        """
        return self.stopped is not None or self.relation in BREAKING

    @property
    def state(self) -> str:
        """``breaking``, ``undecided``, ``widened``, ``changed``, ``removed``, ``added`` or ``unchanged``."""
        if self.breaking:
            return "breaking"
        if self.error is not None:
            return "undecided"
        if self.new is None:
            return "removed"
        if self.old is None:
            return "added"
        if self.started is not None or self.relation is Relation.SUBSET:
            return "widened"
        if self.emits is not None:
            return "changed"
        return "unchanged"

    def to_json(self) -> dict[str, object]:
        """The change as a JSON-ready dict."""

        def side(target: Target | None) -> dict[str, object] | None:
            if target is None:
                return None
            return {"where": target.label, "kind": target.kind, "ident": target.ident, "driver": target.driver}

        def text(model: MigrationVersion | None) -> str | None:
            return None if model is None else emit(model).rstrip("\n")

        return {
            "state": self.state,
            "old": side(self.old),
            "new": side(self.new),
            "relation": None if self.relation is None else self.relation.value,
            "stopped_accepting": text(self.stopped),
            "newly_accepts": text(self.started),
            "emits": None if self.emits is None else {"old": self.emits[0], "new": self.emits[1]},
            "field_changes": [] if self.emits is None else field_changes(self.old, self.new),
            "error": self.error,
            "code": self.code,
            "unread": self.unread,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class DiffResult:
    """Every change, old targets in their order and then the new ones without a counterpart.

    *removed_hosts* are the old hosts with no new host of their name,
    *added_hosts* the new hosts with no old one (both empty when each side has
    one host: those two are paired); *hosts* the (old, new) host names paired.
    *unread_hosts* are the hosts with no counterpart while the other side has
    files that are not valid captures, each as (the role of that side, ``old``
    or ``new``; the host; those files, the one of the host's own capture file
    name alone when there is one; the message that says so, such as ``host b:
    its capture new/b.json is not valid (not compared)``): the host may be in
    one, so it is neither removed nor added, and its targets are undecided.
    """

    changes: tuple[Change, ...]
    removed_hosts: tuple[str, ...] = ()
    added_hosts: tuple[str, ...] = ()
    hosts: tuple[tuple[str, str], ...] = ()
    unread_hosts: tuple[tuple[str, str, tuple[str, ...], str], ...] = ()

    @property
    def breaking(self) -> bool:
        """True when some change is breaking."""
        return any(change.breaking for change in self.changes)

    @property
    def undecided(self) -> bool:
        """True when some pair's relation could not be decided."""
        return any(change.error is not None for change in self.changes)

    def counts(self) -> dict[str, int]:
        """How many changes are in each state."""
        found: dict[str, int] = {}
        for change in self.changes:
            found[change.state] = found.get(change.state, 0) + 1
        return found


def field_changes(old: Target | None, new: Target | None) -> list[str]:
    """The fields of the two descriptions that differ, as ``key: old -> new`` (``-`` for absent)."""
    if old is None or new is None or old.version is None or new.version is None:
        return []
    before, after = old.version.fields, new.version.fields
    out = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a == b:
            continue
        shown = [
            "-" if entry is None else ("~" if not entry.critical else "") + value_text(entry.value) for entry in (a, b)
        ]
        out.append(f"{key}: {shown[0]} -> {shown[1]}")
    if old.version.params != new.version.params:
        out.append("param lines changed")
    return out


def _host_pairs(old_hosts: Sequence[str], new_hosts: Sequence[str], *, single: bool = True) -> dict[str, str]:
    """Each old host's new host: the one of the same name, or (when *single*) the other side's only host when
    each side has one."""
    if single and len(old_hosts) == 1 and len(new_hosts) == 1:
        return {old_hosts[0]: new_hosts[0]}
    names = set(new_hosts)
    return {host: host for host in old_hosts if host in names}


def _pair(
    old: Sequence[Target], new: Sequence[Target], hosts: dict[str, str], *, attribute_files: bool = False
) -> tuple[list[tuple[Target, Target | None]], list[Target]]:
    """Each old target with its counterpart on its paired host (or None), and the new targets left.

    Identities are matched first, for every old target, and names then, so
    that a type paired by name never takes a new target another old target
    has by identity; a new target is taken once (:func:`~migcompat._pairing.pair_in_turn`,
    linear). When *attribute_files* (both sides are attribute files, no
    capture) and each side has one target of one kind, those two are the pair
    whatever their identities.
    """

    def ident(host: str | None, target: Target) -> tuple[str, str, str] | None:
        return None if host is None else (host, target.kind, target.ident)

    def name(host: str | None, target: Target) -> tuple[str, str | None, str] | None:
        return None if host is None or target.kind != "type" or not target.name else (host, target.driver, target.name)

    def old_ident(target: Target) -> tuple[str, str, str] | None:
        return ident(hosts.get(target.host), target)

    def new_ident(target: Target) -> tuple[str, str, str] | None:
        return ident(target.host, target)

    def old_name(target: Target) -> tuple[str, str | None, str] | None:
        return name(hosts.get(target.host), target)

    def new_name(target: Target) -> tuple[str, str | None, str] | None:
        return name(target.host, target)

    found, used = pair_in_turn(old, new, [(old_ident, new_ident), (old_name, new_name)])
    if (
        attribute_files
        and len(old) == 1
        and len(new) == 1
        and not found
        and old[0].kind == new[0].kind
        and hosts.get(old[0].host) == new[0].host
    ):
        found[0] = new[0]  # one device's attribute files against another's: they are the pair
        used.add(id(new[0]))
    pairs = [(target, found.get(position)) for position, target in enumerate(old)]
    return pairs, [target for target in new if id(target) not in used]


def _own_devices(target: Target) -> list[MigrationVersion]:
    if target.version is None:
        return []
    if not target.version.params:
        return [target.version]
    return [device for _, _, device in covering_devices(target.version)]


def _index(new: Iterable[Target]) -> FleetIndex:
    """The fleet index of the new side's targets that have a description (those a source may be placed on)."""
    return FleetIndex.build(
        Provider(t.host, t.ident, t.kind, t.label, t.version, t.rules, t.driver) for t in new if t.version is not None
    )


def _hosts_of(targets: Iterable[Target]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(target.host for target in targets))


def _by_key(unread: Iterable[Unread]) -> dict[tuple[str, str, str], Unread]:
    found: dict[tuple[str, str, str], Unread] = {}
    for entry in unread:
        found.setdefault((entry.host, entry.kind, entry.ident), entry)
    return found


def _unread_counterpart(
    target: Target, host: str | None, side: Side, unread: dict[tuple[str, str, str], Unread], role: str
) -> str | None:
    """Why *target*'s counterpart on the *role* side (on its *host*) is not known, or None when it is not there.

    *unread* is the side's :attr:`Side.unread` by (host, kind, identity), the first of each.
    """
    if host is None:
        return None
    found = unread.get((host, target.kind, target.ident))
    if found is not None:
        host_part = f"{found.host}: " if found.host else ""
        return f"its counterpart on the {role} side could not be read or is not valid: {host_part}{found.why}"
    if host in side.hidden:
        return (
            f"part of host {host} on the {role} side could not be read when captured, and its counterpart may be there"
        )
    return None


def diff(
    old: Sequence[Target],
    new: Sequence[Target],
    *,
    old_side: Side | None = None,
    new_side: Side | None = None,
) -> DiffResult:
    """What changed from the *old* targets to the *new* ones (see the module's description).

    *old_side* and *new_side* say which hosts each side names and what of
    them could not be read (:meth:`Side.of` an inventory); without one, a
    side's hosts are those of its targets, all read, and it is taken for
    attribute files. Raises :class:`~.inventory.FleetError` (code
    ``capture-invalid``) when a side has several captures of one host name
    (the empty name included: captures taken without ``--host``): hosts are
    paired by name, and which of those captures is which machine is not known.

    Cost: pairing is linear in the targets. A removed target that no new
    target accepts costs, once per distinct description, one decision per
    unit of the new side's fleet index (:meth:`~.index.FleetIndex.undecided`:
    a new target whose verdict is UNKNOWN may accept it) and the new
    inventory's :meth:`~.inventory.Inventory.undecided`.
    """
    before_side = old_side or Side(_hosts_of(old))
    after_side = new_side or Side(_hosts_of(new))
    _refuse_shared("old", before_side)
    _refuse_shared("new", after_side)
    old_hosts = tuple(dict.fromkeys([*before_side.hosts, *_hosts_of(old)]))
    new_hosts = tuple(dict.fromkeys([*after_side.hosts, *_hosts_of(new)]))
    hosts = _host_pairs(old_hosts, new_hosts, single=not (before_side.invalid or after_side.invalid))
    back = {after: before for before, after in hosts.items()}
    unread_hosts: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {}
    for role, side, mine, names, paired in (
        ("new", after_side, before_side, old_hosts, hosts),
        ("old", before_side, after_side, new_hosts, back),
    ):
        for host in names:
            if host not in paired and side.invalid:
                unread_hosts[(role, host)] = _unread_host(host, mine, side.invalid)
    removed_hosts = tuple(host for host in old_hosts if host not in hosts and ("new", host) not in unread_hosts)
    added_hosts = tuple(host for host in new_hosts if host not in back and ("old", host) not in unread_hosts)
    attribute_files = before_side.inventory is None and after_side.inventory is None
    pairs, added = _pair(old, new, hosts, attribute_files=attribute_files)
    unread_old = _by_key(before_side.unread)
    unread_new = _by_key(after_side.unread)
    memo: dict[tuple[object, ...], Change] = {}
    undecided_memo: dict[MigrationVersion, tuple[str, str] | None] = {}
    index: FleetIndex | None = None
    changes: list[Change] = []
    work = RelationWork("this diff")
    for before, after in pairs:
        if after is not None:
            key = (before.rules, before.version, after.rules, after.version)
            found = memo.get(key)
            if found is None:
                found = memo[key] = _compare(before, after, work)
            changes.append(replace(found, old=before, new=after))
            continue
        in_invalid = unread_hosts.get(("new", before.host))
        if in_invalid is not None:
            changes.append(Change(before, None, error=in_invalid[1], unread="new", code="capture-unreadable"))
            continue
        gone = () if before.host in hosts else (f"host {before.host} is not on the new side",)
        unread = _unread_counterpart(before, hosts.get(before.host), after_side, unread_new, "new")
        if unread is not None:
            changes.append(Change(before, None, error=unread, notes=gone, unread="new", code="capture-unreadable"))
            continue
        if index is None:
            index = _index(new)
        orphans = [device for device in _own_devices(before) if not index.accepting(device)]
        undecided = []
        for device in orphans:
            if device not in undecided_memo:
                undecided_memo[device] = _undecided(device, index, after_side.inventory)
            undecided.append(undecided_memo[device])
        definite = [device for device, why in zip(orphans, undecided, strict=True) if why is None]
        if orphans and not definite:
            code, why = next(why for why in undecided if why is not None)
            changes.append(Change(before, None, error=why, notes=gone, code=code))
            continue
        changes.append(
            Change(
                before,
                None,
                stopped=definite[0] if definite else None,
                notes=(
                    *gone,
                    "no new target accepts this target's own description"
                    if definite
                    else "every device of this target is accepted by some new target",
                ),
            )
        )
    for target in added:
        in_invalid = unread_hosts.get(("old", target.host))
        if in_invalid is not None:
            changes.append(Change(None, target, error=in_invalid[1], unread="old", code="capture-unreadable"))
            continue
        unread = _unread_counterpart(target, back.get(target.host), before_side, unread_old, "old")
        new_host = () if target.host in back else (f"host {target.host} is not on the old side",)
        changes.append(
            Change(
                None,
                target,
                error=unread,
                notes=new_host,
                unread=None if unread is None else "old",
                code=None if unread is None else "capture-unreadable",
            )
        )
    return DiffResult(
        tuple(changes),
        removed_hosts,
        added_hosts,
        tuple(hosts.items()),
        tuple((role, host, files, why) for (role, host), (files, why) in unread_hosts.items()),
    )


def _refuse_shared(role: str, side: Side) -> None:
    """Raise :class:`~.inventory.FleetError` when several of *side*'s captures record one host name."""
    shared = side.shared_hosts()
    if not shared:
        return
    host, files = next(iter(shared.items()))
    others = len(shared) - 1
    more = f" ({plural(others, 'other host name')} too)" if others else ""
    what = f"record no host name (captures taken without --host){more}" if not host else f"record host {host}{more}"
    raise FleetError(
        "capture-invalid",
        f"on the {role} side, {files[0]} and {files[1]} both {what}: diff pairs the hosts of the two sides by"
        " name, and which of these captures is which machine is not known; capture each host with"
        " 'migcompat capture --host NAME' and keep one capture per host, or diff one capture against another"
        " ('migcompat diff OLD.json NEW.json')",
        where=files[0],
    )


def _unread_host(host: str, own: Side, invalid: Sequence[str]) -> tuple[tuple[str, ...], str]:
    """The files of *invalid* (not valid captures) *host* may be in, and the message that says so.

    The one whose file name is that of *host*'s capture on its own side (*own*) when there is one, else all.
    """
    names = {os.path.basename(name) for name, recorded in own.file_hosts if recorded == host}
    same = tuple(name for name in invalid if os.path.basename(name) in names)
    shown = first_few(same or invalid, _SHOWN_NAMES)
    if same:
        return same, f"host {host}: its capture {shown} is not valid (not compared)"
    files = "a file that is not a valid capture" if len(invalid) == 1 else "files that are not valid captures"
    return tuple(invalid), f"host {host}: not among the captures read; it may be in {files}: {shown} (not compared)"


_SHOWN_NAMES: Final = 3
"""How many hosts or files a message of a change names; it counts the rest."""


def _undecided(device: MigrationVersion, index: FleetIndex, inventory: Inventory | None) -> tuple[str, str] | None:
    """(code, message) when a target of the new side may accept *device*, which no target read accepts; else None.

    Such a target is a new target whose verdict is UNKNOWN (:meth:`~.index.FleetIndex.undecided`),
    a placement of the new inventory whose readable half does not reject
    *device*, or a fault that may hide a target
    (:meth:`~.inventory.Inventory.undecided`, scoped as ``match`` scopes it).
    """
    targets: list[str] = []
    code = None
    for members, verdict in index.undecided(device):
        targets.extend(member.host for member in members)
        if code is None:
            code = next((r.code for r in verdict.reasons if r.code in UNDECIDED_CODES), "missing-field")
    faults: list[str] = []
    if inventory is not None:
        found = inventory.undecided(device)
        targets.extend(placement.host or placement.capture for placement in found.placements)
        faults.extend(f"host {f.host}" if f.host else f"capture {f.capture or f.path}" for f in found.faults)
        if found:
            code = "capture-unreadable"
    if code is None:
        return None
    parts = []
    if targets:
        hosts = [host or "(empty)" for host in dict.fromkeys(targets)]
        parts.append(
            f"{plural(len(targets), 'undecided target')} on"
            f" {'host' if len(hosts) == 1 else 'hosts'} {first_few(hosts, _SHOWN_NAMES)}"
        )
    if faults:
        parts.append(
            f"part of {first_few(list(dict.fromkeys(faults)), _SHOWN_NAMES)} could not be read or is not valid"
        )
    return code, f"no new target accepts it ({'; '.join(parts)})"


def _compare(before: Target, after: Target, work: RelationWork) -> Change:
    emits = None
    if before.version is not None and after.version is not None and before.version != after.version:
        emits = (emit(before.version).rstrip("\n"), emit(after.version).rstrip("\n"))
    unknown = [
        f"the {side} rules read the target's own {', '.join(keys)} through $, and the {side} migration_version"
        " is not known: give the device's directory (both attribute files), or its capture"
        for side, target in (("old", before), ("new", after))
        if target.version is None and (keys := self_keys(target.rules))
    ]
    if unknown:
        return Change(before, after, emits=emits, error="; ".join(unknown), code="missing-self")
    if _unchanged(before, after):
        return Change(before, after, Relation.EQUAL, emits=emits)
    if work.spent:
        return Change(before, after, emits=emits, error=work.refusal().message, code="too-complex")
    try:
        result = relate(before.rules, after.rules, before.version, after.version, work=work)
    except RelationTooComplex as error:
        return Change(before, after, emits=emits, error=error.message, code="too-complex")
    stopped = result.only_first if result.relation in BREAKING else None
    return Change(before, after, result.relation, stopped, result.only_second, emits, notes=result.notes)


def _unchanged(before: Target, after: Target) -> bool:
    """Whether the two sides are the same rules read with the same own values, each of them known.

    Then ``relate`` can only answer EQUAL, with no witness and no note (a note
    says a ``$`` has no value), so it is not asked: a diff of a fleet with
    itself relates nothing (review r11 #3).
    """
    version = before.version
    if before.rules != after.rules or version is None or version != after.version or version.params:
        return False
    known = own_values(version)
    return all(key in known for key in self_keys(before.rules))


# ---- the fleet's own sources (diff --sources) ------------------------------------------------------------

MAX_SOURCE_DECISIONS: Final = 200_000
"""The most (source class, distinct changed pair) decisions :func:`source_impact` makes; beyond, ``too-complex``."""

Impact = Literal["stranded", "newly_accepted"]
"""How a change affects an inventory's source class (:class:`ClassImpact`)."""


@dataclass(frozen=True)
class ClassImpact:
    """A source class of the inventory that the old target accepted and the new one does not, or the reverse.

    *kind* is ``stranded`` (the old target accepted the class, the new one
    does not or is gone) or ``newly_accepted``. For a stranded class,
    *elsewhere* are the new targets that accept it all the same (first few,
    as ``host:path``) and *accepted_elsewhere* how many
    there are; *undecided* the (code, message) when none accepts it but
    something on the new side may, or when one of the pair's verdicts is
    UNKNOWN (a class the old target may accept and the new does not, or the
    old accepts and the new may not). A stranded class with no new target
    accepting it and nothing undecided strands its devices: :attr:`strands`.
    """

    kind: Impact
    source: SourceClass
    accepted_elsewhere: int = 0
    elsewhere: tuple[str, ...] = ()
    undecided: tuple[str, str] | None = None

    @property
    def strands(self) -> bool:
        """True when the class's devices are left with no new target: stranded, none accepts it, nothing may."""
        return self.kind == "stranded" and not self.accepted_elsewhere and self.undecided is None

    def to_json(self, shown: int = _SHOWN_NAMES) -> dict[str, object]:
        """The class as a JSON-ready dict: ``id``, ``members`` (the first *shown* as ``host:path``),
        ``member_count``, and for a stranded class ``accepted_elsewhere``, ``elsewhere``, ``strands``,
        ``error`` and ``code``."""
        out: dict[str, object] = {
            "id": self.source.id,
            "members": [member.where for member in self.source.members[:shown]],
            "member_count": len(self.source.members),
        }
        if self.kind == "stranded":
            out.update(
                {
                    "accepted_elsewhere": self.accepted_elsewhere,
                    "elsewhere": list(self.elsewhere),
                    "strands": self.strands,
                    "error": None if self.undecided is None else self.undecided[1],
                    "code": None if self.undecided is None else self.undecided[0],
                }
            )
        return out


@dataclass(frozen=True)
class SourceImpact:
    """What each change does to an inventory's source classes: *impacts* has one tuple per change of the diff.

    *classes* is how many source classes the inventory has, *decisions* how
    many (class, distinct pair) decisions were made.
    """

    impacts: tuple[tuple[ClassImpact, ...], ...]
    classes: int
    decisions: int

    @property
    def stranded(self) -> dict[str, SourceClass]:
        """The classes some change strands (:attr:`ClassImpact.strands`), by id, each once."""
        return {impact.source.id: impact.source for impacts in self.impacts for impact in impacts if impact.strands}

    @property
    def fleet_breaking(self) -> bool:
        """True when some change strands a class: no new target accepts it, and nothing undecided may."""
        return any(impact.strands for impacts in self.impacts for impact in impacts)

    @property
    def undecided(self) -> bool:
        """True when whether some class is stranded is not known."""
        return any(impact.undecided is not None for impacts in self.impacts for impact in impacts)


def _judged(change: Change) -> bool:
    """Whether :func:`source_impact` decides the inventory's classes against *change*: an old target that changed."""
    return change.old is not None and change.state not in ("unchanged", "added")


def source_impact(
    result: DiffResult,
    sources: Sequence[Provider],
    new: Sequence[Target],
    *,
    new_side: Side | None = None,
    max_decisions: int = MAX_SOURCE_DECISIONS,
) -> SourceImpact:
    """Which of *sources*' classes each changed pair of *result* strands or newly accepts.

    *sources* are an inventory's ``sources`` (:class:`~.inventory.Inventory`); its
    device instances make the classes (:func:`~.classes.source_classes`).
    *new* are the new side's targets and *new_side* what of it could not be
    read, as given to :func:`diff`. Each class is decided with
    :func:`~migcompat.compare.check` against the old and the new target of
    every change whose old target changed (breaking or not, a removed one
    too: its new target is none), each with its own description for ``$``.
    A class the old accepts and the new does not is *stranded*; one the new
    accepts and the old does not *newly accepted*. A stranded class is then
    looked up in the new side's fleet index, as a removed target's own
    description is (:func:`diff`): another new target may accept it, or an
    undecided one may.

    Cost: one decision per (class, distinct changed pair), pairs with equal
    texts on both sides decided once; beyond *max_decisions* it raises
    :class:`~.inventory.FleetError` (``too-complex``) before deciding any.
    Then, once per stranded class, one lookup in the new side's index and
    one decision per unit of it when none accepts the class.
    """
    classes = source_classes(sources)
    judged = [change for change in result.changes if _judged(change)]
    distinct = {_pair_key(change) for change in judged}
    size = len(classes) * len(distinct)
    if size > max_decisions:
        raise FleetError(
            "too-complex",
            f"--sources: {len(classes)} source classes x {len(distinct)} distinct changed pairs is {size}"
            f" decisions; diff makes at most {max_decisions} (give fewer captures on a side or in the inventory)",
            where="",
        )
    index = _index(new)
    inventory = None if new_side is None else new_side.inventory
    answers: dict[tuple[object, ...], Answer] = {}
    elsewhere_memo: dict[MigrationVersion, tuple[int, tuple[str, ...], tuple[str, str] | None]] = {}

    def answer(source: MigrationVersion, target: Target) -> Answer:
        key = (source, target.rules, target.version)
        found = answers.get(key)
        if found is None:
            found = answers[key] = check(source, target.rules, target.version).answer
        return found

    def elsewhere(source: MigrationVersion) -> tuple[int, tuple[str, ...], tuple[str, str] | None]:
        found = elsewhere_memo.get(source)
        if found is None:
            accepting = index.accepting(source)
            shown = tuple(provider.path for provider, _ in accepting[:_SHOWN_NAMES])
            why = None if accepting else _undecided(source, index, inventory)
            found = elsewhere_memo[source] = (len(accepting), shown, why)
        return found

    impacts: list[tuple[ClassImpact, ...]] = []
    for change in result.changes:
        if not _judged(change):
            impacts.append(())
            continue
        assert change.old is not None
        found: list[ClassImpact] = []
        for source in classes:
            before = answer(source.version, change.old)
            if change.new is not None:
                after = answer(source.version, change.new)
            elif change.unread is not None:
                after = Answer.UNKNOWN  # the counterpart is there but could not be read
            else:
                after = Answer.INCOMPATIBLE
            if before is Answer.INCOMPATIBLE and after is Answer.COMPATIBLE:
                found.append(ClassImpact("newly_accepted", source))
                continue
            if after is Answer.COMPATIBLE or before is Answer.INCOMPATIBLE:
                continue
            count, shown, why = elsewhere(source.version)
            if not count and (before is Answer.UNKNOWN or after is Answer.UNKNOWN):
                side = "old" if before is Answer.UNKNOWN else "new"
                why = why or (
                    "capture-unreadable" if change.unread else "missing-field",
                    f"whether the {side} target accepts it is not known"
                    + (f": {change.error}" if change.error and side == "new" else ""),
                )
            found.append(ClassImpact("stranded", source, count, shown, why))
        impacts.append(tuple(found))
    return SourceImpact(tuple(impacts), len(classes), size)


def _pair_key(change: Change) -> tuple[object, ...]:
    old, new = change.old, change.new
    return (
        None if old is None else (old.rules, old.version),
        None if new is None else (new.rules, new.version),
        change.unread,
    )
