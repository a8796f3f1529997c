"""An inventory: the providers of many hosts, read from their captures.

A *provider* is a place a migrating device can go: an existing device
instance (an mdev, a PCI function, a device on another bus), or a device type
a device can be created from (an mdev type). Each carries its description
(``migration_version``, a template for a type) and its rules
(``migration_compatible_devices``). The device instances are also the fleet's
migration *sources*.

:func:`load_inventory` reads capture files (``migcompat capture``, schema
``spec/schema/capture.schema.json``) or directories of them. It pairs and
parses each host's placements as the conformance suite does
(:func:`~migcompat.conformance.emitter_checks.analyse_host`), and skips, with
an :class:`InventoryFinding` saying why, only what keeps a placement from
being a target: a migration attribute that is missing, could not be read or
does not parse (or is in a format version not implemented), and a device
instance whose ``migration_version`` has ``param`` lines. Such a placement
is kept as a :class:`PartialPlacement` with its readable rules, since its
verdict as a target is unknown (rows 8.5-VD1, 8.5-VD2); a device instance
whose ``migration_version`` is valid stays a *source* even then. The
suite's other checks (canonical form, self-acceptance, registry, modes,
templates...) are not made here: a placement that fails them is a provider,
and ``migcompat conformance`` reports them; only an unstable attribute (two
reads differ) is also an ``unstable-attribute`` finding, its first read kept.
What a capture recorded while it was taken (an unreadable directory, a link
loop, an attribute too long: the ``findings`` of its
:class:`~migcompat.sysfs.model.HostData`) is kept as well, one
:class:`InventoryFinding` each, naming the capture. A finding that may hide a
target (a capture's fault, :func:`hides_targets`; a placement skipped for a
missing, unreadable or invalid attribute; a file of a directory that is not
a valid capture) makes the inventory *incomplete*
(:attr:`Inventory.incomplete`): a question it answers negatively ("no target
accepts") is then not known, unless the readable rules of the placements
concerned already reject the source (:meth:`Inventory.undecided`).

A file named directly that cannot be read or is not a valid capture is an
:class:`InventoryError` naming the file. Inside a directory, a ``*.json``
file that is not a capture at all (its ``format`` is not
``migcompat-capture``: a sample's manifest) is skipped with a
``not-a-capture`` finding, and one that is not a valid capture (truncated,
not a JSON object, a newer capture version, unreadable) with an
``invalid-capture`` finding that names it: one bad file in a spool directory
does not take the whole fleet down, and the inventory is incomplete.

Cost: reading is linear in the captures' size; attribute texts are parsed and
checked once per distinct text, whatever the number of hosts that share them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Final, Literal

from .._arguments import require
from ..capture import CaptureError, check_host_name, load, loads
from ..errors import MigcompatError
from ..limits import MAX_ATTRIBUTE_BYTES
from ..model import CompatibleDevices, MigrationVersion
from ..sysfs.model import COMPATIBLE, VERSION, Finding, HostData, Placement
from ..sysfs.reader import READ_LIMIT

if TYPE_CHECKING:
    from ..conformance.emitter_checks import TextCache
    from ..verdict import Verdict

__all__ = [
    "FINDING_CODES",
    "MAX_CAPTURE_FILES",
    "READ_FAULTS",
    "STDIN",
    "STDIN_NAME",
    "BarePlacement",
    "FleetError",
    "Inventory",
    "InventoryError",
    "InventoryFinding",
    "NoCaptureFile",
    "PartialPlacement",
    "Provider",
    "Undecided",
    "duplicate_hosts",
    "hides_targets",
    "invalid_capture_reason",
    "inventory_of",
    "load_inventory",
    "load_inventory_text",
    "may_accept",
]

STDIN: Final = "-"
"""The inventory path that names the capture given as text (:func:`load_inventory`'s *stdin*)."""

STDIN_NAME: Final = "<stdin>"
"""How findings and errors name that capture."""

MAX_CAPTURE_FILES: Final = 200_000
"""At most this many capture files are read from the paths of one inventory; more is an error."""

MAX_INVENTORY_DIRECTORIES: Final = 100_000
"""At most this many directories are searched under one path of an inventory (symbolic links to directories
followed, each directory once); more is an error, so that a link to ``/`` is a prompt refusal, not a walk."""

FINDING_CODES: Final = {
    "missing-attribute": "the placement has one migration attribute but not the other: not a target (its"
    " verdict is unknown); a device whose migration_version is valid stays a source",
    "invalid-attribute": "a migration attribute could not be read, or does not parse (or is in a format version"
    " not implemented): not a target (its verdict is unknown); a device whose migration_version is valid stays"
    " a source",
    "not-a-target": "the attributes parse but the placement cannot be a target (an instance with param lines): its"
    " verdict is at best unknown, so it may hide a target",
    "unstable-attribute": "two reads of a migration attribute differ: the placement is kept with its first read,"
    " which may not be what the driver says next",
    "not-a-capture": "a JSON file in an inventory directory that is not a migcompat capture (skipped)",
    "invalid-capture": "a JSON file in an inventory directory that is not a valid capture (truncated, not an"
    " object, a newer capture version, unreadable): skipped; a host may be missing",
    "duplicate-host": "two captures name the same host; both are read, so its placements appear twice",
    "invalid-host-name": "a capture's host name is not one 'migcompat capture --host' accepts (a space or control"
    " character, too long): the capture is read, but the name is shown escaped and cut",
}
"""The codes of the inventory's own findings (:class:`InventoryFinding`), with their meaning.

A finding a capture recorded (its *capture* is not empty) carries the
capture's code instead, one of :data:`migcompat.sysfs.model.FINDING_CODES`.
"""

READ_FAULTS: Final = frozenset(
    {
        "unreadable",
        "not-a-file",
        "not-a-directory",
        "link-loop",
        "dangling-link",
        "link-escapes-root",
        "several-vfio-devices",
    }
)
"""The capture finding codes that say something could not be read or followed (see :func:`hides_targets`)."""

_PLACEMENT_CODES: Final = frozenset({"missing-attribute", "invalid-attribute", "not-a-target"})
"""The inventory's own finding codes that are about a :class:`PartialPlacement` (kept beside the finding)."""

_DESCRIPTIVE: Final = frozenset(
    {
        # the descriptive attributes the reader reads (migcompat.sysfs.reader)
        "name",
        "description",
        "device_api",
        "available_instances",
        "vendor",
        "device",
        "subsystem_vendor",
        "subsystem_device",
        # the links it follows to describe a device, not to find it or its attributes
        "driver",
        "physfn",
        "mdev_type",
    }
)
_LISTINGS: Final = frozenset({"bus", "devices", "mdev_bus", "mdev_supported_types"})
"""The directories whose entries are buses, devices, parents or types: a fault on an entry hides it."""


def hides_targets(finding: Finding) -> bool:
    """Whether the capture *finding* may hide a target: part of the host that was not read may hold one.

    True for a fault that kept something from being read or followed
    (:data:`READ_FAULTS`: an unreadable directory or migration attribute, a
    link loop, a dangling link, a ``vfio-dev/`` with several entries...),
    unless it is about a descriptive attribute or link of a device or type
    (``name``, ``vendor``, ``driver``, ``mdev_type``, ``virtfnN``...): the
    reader reads those besides the migration attributes, which a fault there
    does not keep from being read. A fault on an entry of a listing (a device under
    ``bus/*/devices``, a type under ``mdev_supported_types``) always hides it.
    The other codes (``missing``, ``binary-content``, ``too-long``,
    ``duplicate``, the placement codes) describe what was read, and hide
    nothing, except a ``missing`` finding on the root itself (path ``""``):
    the tree read is not a sysfs root (no ``bus/``, no ``class/``), so none of
    the host was read.
    """
    if finding.code == "missing" and finding.path == "":
        return True
    if finding.code not in READ_FAULTS:
        return False
    parent, _, name = finding.path.rpartition("/")
    if parent.rpartition("/")[2] in _LISTINGS:
        return True
    return not (name in _DESCRIPTIVE or (name.startswith("virtfn") and name[6:].isdigit()))


class FleetError(MigcompatError):
    """An inventory that cannot be read, or a fleet question too large to answer.

    Its *code* is ``capture-unreadable`` (a path that does not exist or cannot
    be read, a directory without captures, too many files) or
    ``capture-invalid`` (a capture file that is not valid): *where* is then the
    file (with the JSON Pointer or the line and column in it, when known) and
    the message names it. It is ``too-complex`` for a compatibility matrix with
    more cells than its bound (:data:`~migcompat.fleet.matrix.MAX_CELLS`).
    """

    def __init__(self, code: str, message: str, *, where: str) -> None:
        super().__init__(code, message, where=where)

    def __str__(self) -> str:
        return f"error[{self.code}]: {self.message}"


InventoryError = FleetError
"""The name :func:`load_inventory`'s callers catch: the same class as :class:`FleetError`."""


class NoCaptureFile(FleetError):
    """A directory of an inventory that holds no capture (``*.json``) file: ``capture-unreadable``.

    A command that takes other inputs from a directory too (``migcompat
    diff``: device directories, a sysfs tree) catches it to say what else
    it looked for.
    """


@dataclass(frozen=True)
class Provider:
    """A device instance (*kind* ``device``) or a device type (*kind* ``type``) on host *host*.

    *ident* is the placement's identity: the UUID of an mdev, the PCI address
    of a PCI function, ``bus/name`` of another device, the type id of an mdev
    type (two parent devices of one host may offer the same type id: *parent*
    and *path* tell them apart). *path* is its directory in the capture
    (relative to the sysfs root). *version* is the instance's
    ``migration_version`` or the type's template; *rules* its
    ``migration_compatible_devices``; *driver* the driver that writes them (the
    ``driver`` field, else the driver link), or None. *name* is a type's human
    name (its ``name`` attribute), or None. *parent* is the identity of the
    parent device: the PCI address of the device that offers an mdev type or
    holds an mdev (the one to create a device on), the physical function of a
    PCI virtual function; None when the capture does not record one.
    *available_instances* is how many more devices a type can create, as the
    capture read it (its ``available_instances`` attribute); None for a
    device, or when it was not read or is not a decimal number.

    *target* is False for a device instance kept only as a *source*: its
    ``migration_version`` is valid but its ``migration_compatible_devices`` is
    missing, unreadable or invalid, so its verdict as a target is unknown; it
    is in ``Inventory.sources``, never in ``Inventory.providers``, and
    its *rules* are empty (they were not read: never check a source against
    them).
    """

    host: str
    ident: str
    kind: Literal["device", "type"]
    path: str
    version: MigrationVersion
    rules: CompatibleDevices
    driver: str | None
    name: str | None = field(default=None, compare=False)
    parent: str | None = field(default=None, compare=False)
    available_instances: int | None = field(default=None, compare=False)
    target: bool = field(default=True, compare=False)

    @property
    def where(self) -> str:
        """``host:path``, how reports name the provider."""
        return f"{self.host}:{self.path}"

    def to_json(self) -> dict[str, object]:
        """The provider as a JSON-ready dict: ``host``, ``ident``, ``kind``, ``path``, ``driver``, ``parent``
        and ``available_instances`` (null when not known), as ``migcompat match --format json`` lists it."""
        return {
            "host": self.host,
            "ident": self.ident,
            "kind": self.kind,
            "path": self.path,
            "driver": self.driver,
            "parent": self.parent,
            "available_instances": self.available_instances,
        }


@dataclass(frozen=True)
class BarePlacement:
    """A placement its capture lists with neither migration attribute: a device or type that does not migrate.

    A driver that does not migrate writes neither attribute (clause 10), so it
    is no provider and no source, and it hides no target: no source is
    compatible with it (row 8.5-VD2). An export still maps it, with no mark,
    so that a driver update that drops both attributes clears the marks an
    earlier export gave its resource provider. *host*, *ident*, *kind*, *path* and *capture* are as
    for a :class:`PartialPlacement`.
    """

    host: str
    ident: str
    kind: Literal["device", "type"]
    path: str
    capture: str = ""

    @property
    def where(self) -> str:
        """``host:path``, as a provider is named."""
        return f"{self.host}:{self.path}"


@dataclass(frozen=True)
class PartialPlacement:
    """A placement with migration attributes that is not a target: one of them is missing, unreadable or invalid.

    Or a device instance whose ``migration_version`` has ``param`` lines
    (a ``not-a-target`` finding): its verdict is at best unknown. Such a
    placement may hide a target, unless its readable rules already reject a
    source (:func:`may_accept`). A device instance whose rules are valid but
    whose ``migration_version`` is missing or invalid has the verdict
    ``check(S, rules, None)`` (clause 8.5: every ``$`` is then without value;
    row 8.5-VD2 is about the source and the target's *rules* only), so it may
    even accept a source: :meth:`accepts`.

    *kind*, *host*, *ident* and *path* are as for a :class:`Provider`;
    *capture* names the capture file it is in. *rules* is its
    ``migration_compatible_devices`` when that was read and is valid and the
    placement's ``migration_version`` is not in an unsupported format version
    (which makes every verdict unknown, row 8.5-VD1); None otherwise.
    *version* is its ``migration_version`` when that was read and is valid
    (with ``param`` lines for an instance that is not a target), else None.
    *unread* names the migration attributes (``migration_version``,
    ``migration_compatible_devices``) that are missing, unreadable or
    invalid: empty for an instance with ``param`` lines.
    """

    host: str
    ident: str
    kind: Literal["device", "type"]
    path: str
    rules: CompatibleDevices | None
    capture: str = ""
    version: MigrationVersion | None = None
    unread: tuple[str, ...] = ()

    def may_accept(self, source: MigrationVersion) -> bool:
        """Whether this placement may accept *source*: see :func:`may_accept`."""
        return may_accept(self, source)

    def accepts(self, source: MigrationVersion) -> Verdict | None:
        """The verdict of a device instance whose description is unknown but whose rules accept *source*, or None.

        For a device instance (not a type: what to create from a type is read
        from its template) whose ``migration_version`` is missing or invalid
        (not in an unsupported format version) and whose rules are valid, the
        verdict is :func:`~migcompat.compare.check` of *source* against its
        rules without a description (clause 8.5); when that is COMPATIBLE, it
        is returned without a grade (IDENTICAL or not needs the description).
        None in every other case. Raises :class:`TypeError` unless *source* is
        a :class:`~migcompat.model.MigrationVersion`.
        """
        from ..compare import check
        from ..verdict import Answer, Verdict

        require("source", source, MigrationVersion)
        if self.kind != "device" or self.version is not None or self.rules is None:
            return None
        verdict = check(source, self.rules, None)
        if verdict.answer is not Answer.COMPATIBLE:
            return None
        return Verdict(Answer.COMPATIBLE, None, verdict.matched)


def may_accept(placement: PartialPlacement, source: MigrationVersion) -> bool:
    """Whether the :class:`PartialPlacement` *placement* may accept the device *source*.

    False only when its readable rules reject *source* whatever the target's
    own description: :func:`~migcompat.compare.check` of *source* against
    them without the target's ``migration_version`` (``$`` then reads no
    value, row 8.4-SF4) is INCOMPATIBLE, which it is then for every own value.
    True when the rules were not read (or are not valid), or that check is
    UNKNOWN or COMPATIBLE. Raises :class:`TypeError` unless *source* is a
    :class:`~migcompat.model.MigrationVersion`.
    """
    from ..compare import check
    from ..verdict import Answer

    require("placement", placement, PartialPlacement)
    require("source", source, MigrationVersion)
    if placement.rules is None:
        return True
    return check(source, placement.rules, None).answer is not Answer.INCOMPATIBLE


@dataclass(frozen=True)
class InventoryFinding:
    """A placement (or a file) that is not a provider, and why; or a fault a capture recorded.

    The inventory's own findings have a *code* of :data:`FINDING_CODES` and
    an empty *capture*. A finding a capture recorded while it was taken
    (``findings`` of :class:`~migcompat.sysfs.model.HostData`) has the capture's
    code (:data:`migcompat.sysfs.model.FINDING_CODES`), its *path* relative to
    the sysfs root, and *capture* naming the capture file (or sysfs tree) it
    is in; *attribute* is the capture's flag (the fault concerns a migration
    attribute or a link needed to interpret one) and *hides_targets* says
    whether a target may be in what could not be read (:func:`hides_targets`).
    The inventory's own findings about a placement with a missing, unreadable
    or invalid attribute, or about a file of a directory that is not a valid
    capture, also have *hides_targets* set.
    """

    code: str
    host: str
    path: str
    message: str
    capture: str = ""
    attribute: bool = False
    hides_targets: bool = False

    def to_json(self) -> dict[str, object]:
        """The finding as a JSON-ready dict: a capture's also has ``capture``, ``attribute`` and ``hides_targets``;
        the inventory's own has ``hides_targets`` (true) when it may hide a target."""
        out: dict[str, object] = {"code": self.code, "host": self.host, "path": self.path, "message": self.message}
        if self.capture:
            out.update(capture=self.capture, attribute=self.attribute, hides_targets=self.hides_targets)
        elif self.hides_targets:
            out["hides_targets"] = True
        return out

    @classmethod
    def of_capture(cls, host: HostData, finding: Finding, capture: str) -> InventoryFinding:
        """The inventory's finding for *finding*, which the capture *capture* of *host* recorded."""
        return cls(
            finding.code,
            host.host,
            finding.path,
            finding.message,
            capture or "<capture>",
            finding.attribute,
            hides_targets(finding),
        )


@dataclass(frozen=True)
class Undecided:
    """What keeps "no target accepts" from being known for one source (:meth:`Inventory.undecided`).

    *placements* are the :class:`PartialPlacement` objects that may accept the
    source; *faults* the findings that may hide a target and concern no
    partial placement (an unreadable directory, a link loop, a file of a
    directory that is not a valid capture). It is true when either is not
    empty.
    """

    placements: tuple[PartialPlacement, ...] = ()
    faults: tuple[InventoryFinding, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.placements or self.faults)

    @property
    def hosts(self) -> tuple[str, ...]:
        """The hosts (or, for a file that names none, the captures) concerned, in the order found."""
        names = [p.host or p.capture for p in self.placements] + [f.host or f.capture or f.path for f in self.faults]
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Inventory:
    """Every provider of a set of hosts, in the order read; the device instances among them are the *sources*.

    *providers* are the targets; *sources* every device instance whose
    ``migration_version`` is valid, the targets among them and those kept only
    as sources (``Provider.target`` False). *hosts* are the hosts of the
    captures read (a host whose placements were all skipped included).
    *partial* holds the placements that are not targets because an attribute
    is missing, unreadable or invalid (:class:`PartialPlacement`); *bare* the
    placements with neither attribute (:class:`BarePlacement`). Build one
    with :func:`load_inventory`, :func:`inventory_of`, or :meth:`of`.
    """

    providers: tuple[Provider, ...]
    sources: tuple[Provider, ...]
    findings: tuple[InventoryFinding, ...] = ()
    files: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    file_hosts: tuple[tuple[str, str], ...] = ()
    """(capture file, the host name it records), for every capture read, in the order read."""
    partial: tuple[PartialPlacement, ...] = ()
    bare: tuple[BarePlacement, ...] = ()
    file_times: tuple[tuple[str, str], ...] = ()
    """(capture file, the time it records as taken, as written there), for every capture read, in the order read:
    :func:`~migcompat.fleet.freshness.stale_captures` reads them."""

    @property
    def incomplete(self) -> bool:
        """True when some finding may hide a target (``InventoryFinding.hides_targets``).

        That is: a capture could not read part of its host where a target may
        be (:func:`hides_targets`), a placement is not a target because an
        attribute is missing, unreadable, invalid or in a newer format, or it
        is an instance with ``param`` lines (see :class:`PartialPlacement`), or
        a file of a directory is not a valid capture. A target the inventory has is real; that no
        target accepts a source is then not known in general: for one source,
        :meth:`undecided` says whether it is.
        """
        return any(finding.hides_targets for finding in self.findings)

    def undecided(self, source: MigrationVersion) -> Undecided:
        """What may hide a target that accepts *source*: empty when "no target read accepts" is the answer.

        The partial placements that may accept *source* (:func:`may_accept`;
        one that does accept it, :meth:`PartialPlacement.accepts`, is among
        them), and the findings that may hide a target and are about no
        partial placement. A fault on a placement whose readable rules reject
        *source* whatever the target's own values (an unreadable
        ``migration_version`` beside rules for another driver) hides nothing
        from it. A capture's fault is matched to a placement of the same
        capture *file* (its path, or its parent's), never of another capture
        that names the same host (two captures named alike, or both without a
        host name, hold the same paths for different machines). The
        inventory's own finding about a partial placement (``missing-attribute``,
        ``invalid-attribute``, ``not-a-target``) is that placement, never a
        fault of its own. The targets the inventory did read whose verdict is
        UNKNOWN are not here: :meth:`~migcompat.fleet.index.FleetIndex.undecided`
        finds them. Raises :class:`TypeError` unless *source* is a
        :class:`~migcompat.model.MigrationVersion`.
        """
        require("source", source, MigrationVersion)
        if not self.incomplete and not self.partial:
            return Undecided()
        by_path: set[tuple[str, str]] = {(placement.capture, placement.path) for placement in self.partial}
        placements = tuple(p for p in self.partial if may_accept(p, source))
        faults = []
        for finding in self.findings:
            if not finding.hides_targets or (not finding.capture and finding.code in _PLACEMENT_CODES):
                continue
            concerned = finding.capture and (
                (finding.capture, finding.path) in by_path
                or (finding.capture, finding.path.rpartition("/")[0]) in by_path
            )
            if not concerned:
                faults.append(finding)
        return Undecided(placements, tuple(faults))

    def without_targets_of(self, hosts: Iterable[str]) -> Inventory:
        """This inventory with no target on *hosts*: what an export leaves out (``--exclude-host``).

        The devices of *hosts* stay as sources only (``Provider.target``
        False), so that their classes are still known; their other providers,
        their partial and bare placements and their findings go. The hosts
        stay in *hosts* and *file_hosts*: their captures were read.
        """
        left = frozenset(hosts)
        if not left:
            return self
        return Inventory(
            tuple(p for p in self.providers if p.host not in left),
            tuple(replace(p, target=False) if p.host in left and p.target else p for p in self.sources),
            tuple(finding for finding in self.findings if finding.host not in left),
            self.files,
            self.hosts,
            self.file_hosts,
            tuple(p for p in self.partial if p.host not in left),
            tuple(p for p in self.bare if p.host not in left),
            self.file_times,
        )

    @classmethod
    def of(
        cls,
        providers: Iterable[Provider],
        findings: Iterable[InventoryFinding] = (),
        files: Iterable[str] = (),
        file_hosts: Iterable[tuple[str, str]] = (),
        partial: Iterable[PartialPlacement] = (),
        bare: Iterable[BarePlacement] = (),
        file_times: Iterable[tuple[str, str]] = (),
    ) -> Inventory:
        """The inventory of *providers*: the targets among them are the providers, the devices the sources.

        A provider whose ``target`` is False is a source only.
        The hosts are those *file_hosts* names, then those of the providers and
        partial placements. The ``duplicate-host`` findings are those of
        *file_hosts* (:func:`duplicate_hosts`), whatever *findings* holds, so
        inventories combined by hand (their providers, findings, files,
        file_hosts and partial placements concatenated) are checked as
        :func:`load_inventory` checks its captures. *file_times* holds (capture
        file, the time it records) for each capture, as :attr:`file_times` does.
        """
        every = tuple(providers)
        kept = tuple(p for p in every if p.target)
        pairs = tuple(file_hosts)
        partials = tuple(partial)
        names = [host for _, host in pairs] + [p.host for p in every] + [p.host for p in partials]
        hosts = tuple(dict.fromkeys(names))
        sources = tuple(p for p in every if p.kind == "device")
        found = [finding for finding in findings if finding.code != "duplicate-host"]
        found.extend(duplicate_hosts(pairs))
        return cls(kept, sources, tuple(found), tuple(files), hosts, pairs, partials, tuple(bare), tuple(file_times))


def duplicate_hosts(file_hosts: Iterable[tuple[str, str]]) -> tuple[InventoryFinding, ...]:
    """The ``duplicate-host`` findings of the captures *file_hosts* lists as (file, host name): one per capture
    that names a host an earlier one names (an empty host name included)."""
    seen: dict[str, str] = {}
    out: list[InventoryFinding] = []
    for name, host in file_hosts:
        if host in seen:
            out.append(
                InventoryFinding(
                    "duplicate-host", host, name, f"host {_host_name(host)} is in {seen[host]} and in {name}"
                )
            )
        else:
            seen[host] = name
    return tuple(out)


def _host_name(host: str) -> str:
    return host if host else "(empty)"


def _capture_files(path: str, findings: list[InventoryFinding]) -> tuple[list[str], bool]:
    """The capture files *path* names (itself, or the ``*.json`` files under it), and whether it is a directory.

    Under a directory, a subdirectory given as a symbolic link is searched as
    a symbolic link to a capture file is read, once (a link back up the tree
    is not followed again); one that cannot be read (``EACCES``) is an
    ``invalid-capture`` finding on *findings*: the hosts captured in it are
    missing, as those of a capture that cannot be read are.
    """
    if path == STDIN:
        return [STDIN], False
    if os.path.isdir(path):
        found: list[str] = []
        unread: list[OSError] = []
        seen: set[tuple[int, int]] = set()
        for root, dirs, files in os.walk(path, onerror=unread.append, followlinks=True):
            try:
                info = os.stat(root)
            except OSError as failure:
                unread.append(failure)
                dirs[:] = []
                continue
            if (info.st_dev, info.st_ino) in seen:  # a link to a directory already searched
                dirs[:] = []
                continue
            seen.add((info.st_dev, info.st_ino))
            if len(seen) > MAX_INVENTORY_DIRECTORIES:
                raise InventoryError(
                    "capture-unreadable",
                    f"{path} holds more than {MAX_INVENTORY_DIRECTORIES} directories (symbolic links followed);"
                    " name the captures' directories",
                    where=path,
                )
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".json"):
                    found.append(os.path.join(root, name))
                    if len(found) > MAX_CAPTURE_FILES:
                        raise InventoryError(
                            "capture-unreadable",
                            f"{path} holds more than {MAX_CAPTURE_FILES} JSON files; name fewer",
                            where=path,
                        )
        for error in unread:
            where = os.fspath(error.filename) if error.filename is not None else path
            if os.path.normpath(where) == os.path.normpath(path):  # the directory named itself
                raise InventoryError("capture-unreadable", f"cannot read {path}: {error.strerror or error}", where=path)
            reason = error.strerror or str(error)
            findings.append(
                InventoryFinding(
                    "invalid-capture",
                    "",
                    where,
                    f"cannot read the directory {where}: {reason} [capture-unreadable]{_SKIPPED_CAPTURE}",
                    hides_targets=True,
                )
            )
        if not found and not unread:
            raise NoCaptureFile("capture-unreadable", f"{path} holds no capture (*.json) file", where=path)
        return found, True
    if not os.path.exists(path):
        raise InventoryError("capture-unreadable", f"cannot read {path}: No such file or directory", where=path)
    return [path], False


def load_inventory(paths: Sequence[str | os.PathLike[str]], *, stdin: bytes | None = None) -> Inventory:
    """Read the captures *paths* name (files, or directories searched for ``*.json`` files).

    Inside a directory, a JSON file that is not a capture at all (its
    ``format`` member is not ``migcompat-capture``, such as a sample's
    manifest) is skipped with a ``not-a-capture`` finding, and one that is not
    a valid capture (truncated, not a JSON object, a newer capture version,
    unreadable) with an ``invalid-capture`` finding naming it (which may hide
    a target); a file named directly must be a valid capture. A file named
    twice (directly and through its directory, say) is read once. The path ``-``
    (:data:`STDIN`) names the capture whose text is *stdin* (what a command
    read from its standard input), named ``<stdin>`` in findings and errors;
    it may be given once. Raises :class:`InventoryError`.
    """
    from ..conformance.results import collector_paused

    if isinstance(paths, (str, bytes, os.PathLike)):
        raise TypeError(f"paths must be a sequence of paths, not one {type(paths).__name__}: give [{paths!r}]")
    names_given = [os.fspath(path) for path in paths]
    if not names_given:
        raise InventoryError("capture-unreadable", "no inventory given: name capture files or directories", where="")
    if names_given.count(STDIN) > 1:
        raise InventoryError("capture-unreadable", "standard input (-) can be given only once", where=STDIN_NAME)
    if STDIN in names_given and stdin is None:
        raise InventoryError(
            "capture-unreadable", "the inventory names standard input (-) but no text was given", where=STDIN_NAME
        )
    from ..conformance.emitter_checks import TextCache

    cache = TextCache(checks=False)
    providers: list[Provider] = []
    partial: list[PartialPlacement] = []
    bare: list[BarePlacement] = []
    findings: list[InventoryFinding] = []
    files: list[str] = []
    file_hosts: list[tuple[str, str]] = []
    file_times: list[tuple[str, str]] = []
    read: set[tuple[int, int]] = set()
    with collector_paused():
        for path in names_given:
            names, in_directory = _capture_files(path, findings)
            for name in names:
                # One file named twice (dup/a.json dup/a.json, or a.json and its directory) is read once.
                if _read_before(name, read):
                    continue
                host = _load(name, in_directory, findings, stdin)
                if host is None:
                    continue
                if name == STDIN:
                    name = STDIN_NAME
                files.append(name)
                file_hosts.append((name, host.host))
                file_times.append((name, host.time))
                _read_host(host, name, cache, providers, partial, findings, bare)
    return Inventory.of(providers, findings, files, file_hosts, partial, bare, file_times)


def _read_before(name: str, read: set[tuple[int, int]]) -> bool:
    """Whether the file *name* is one of those already read (*read* holds their device and inode, and now its)."""
    if name == STDIN:
        return False
    try:
        info = os.stat(name)
    except (OSError, ValueError):
        return False  # reading it says why
    identity = (info.st_dev, info.st_ino)
    if identity in read:
        return True
    read.add(identity)
    return False


def load_inventory_text(data: bytes, name: str) -> Inventory:
    """The inventory of one capture whose text *data* was read already (from *name*); :class:`InventoryError` else."""
    try:
        host = loads(data, name)
    except CaptureError as error:
        raise InventoryError(error.code, _error_message(error, name), where=name) from None
    return inventory_of(host, name)


def inventory_of(host: HostData, origin: str) -> Inventory:
    """The providers of one host read already (a sysfs tree :func:`~migcompat.capture.capture` read), from *origin*.

    Raises :class:`TypeError` unless *host* is a :class:`~migcompat.sysfs.model.HostData` and *origin* a str.
    """
    from ..conformance.emitter_checks import TextCache
    from ..conformance.results import collector_paused

    require("host", host, HostData)
    require("origin", origin, str)
    providers: list[Provider] = []
    partial: list[PartialPlacement] = []
    bare: list[BarePlacement] = []
    findings: list[InventoryFinding] = []
    with collector_paused():
        _read_host(host, origin, TextCache(checks=False), providers, partial, findings, bare)
    return Inventory.of(providers, findings, [origin], [(origin, host.host)], partial, bare, [(origin, host.time)])


def _read_host(
    host: HostData,
    origin: str,
    cache: TextCache,
    providers: list[Provider],
    partial: list[PartialPlacement],
    findings: list[InventoryFinding],
    bare: list[BarePlacement],
) -> None:
    """Add what the capture *origin* of *host* holds: its host name's finding, its recorded faults, its placements."""
    _check_host(host.host, origin, findings)
    findings.extend(InventoryFinding.of_capture(host, finding, origin) for finding in host.findings)
    _providers(host, origin, cache, providers, partial, findings, bare)


def _check_host(host: str, capture: str, findings: list[InventoryFinding]) -> None:
    """An ``invalid-host-name`` finding when the capture *capture* names a host *host* that ``capture --host``
    would refuse (:func:`~migcompat.capture.check_host_name`); an empty name (none recorded) is not one."""
    if not host:
        return
    try:
        check_host_name(host)
    except ValueError as error:
        why = str(error).replace(f" {host!r}", "")  # the name is shown (escaped) where the finding is
        findings.append(InventoryFinding("invalid-host-name", host, capture, f"{capture}: {why}"))


_SKIPPED_CAPTURE: Final = "; skipped: a host may be missing"


def invalid_capture_reason(finding: InventoryFinding) -> str:
    """What is wrong with the file of an ``invalid-capture`` *finding*, naming it (its message without the
    error code and the note that it was skipped)."""
    return finding.message.removesuffix(_SKIPPED_CAPTURE).rpartition(" [")[0] or finding.message


def _load(name: str, in_directory: bool, findings: list[InventoryFinding], stdin: bytes | None) -> HostData | None:
    try:
        if name == STDIN and stdin is not None:
            name = STDIN_NAME
            return loads(stdin, STDIN_NAME)
        return load(name)
    except CaptureError as error:
        message = _error_message(error, name)
        if in_directory and error.code == "capture-invalid" and error.pointer == "/format":
            findings.append(InventoryFinding("not-a-capture", "", name, f"{name} is not a migcompat capture; skipped"))
            return None
        if in_directory:
            findings.append(
                InventoryFinding(
                    "invalid-capture",
                    "",
                    name,
                    f"{message} [{error.code}]{_SKIPPED_CAPTURE}",
                    hides_targets=True,
                )
            )
            return None
        where = f"{name}: {error.where}" if error.where and error.where != name else name
        raise InventoryError(error.code, message, where=where) from None


def _error_message(error: CaptureError, name: str) -> str:
    """The message of the capture *error* for the file *name*: naming it, with the JSON pointer when there is one,
    else the line and column in the file when the error has them."""
    message = error.message if name in error.message else f"{name}: {error.message}"
    if error.pointer:
        message += f" (at {error.pointer})"
    elif error.where and error.where != name:
        message += f" ({error.where})"
    return message


def _parent(placement: Placement) -> str | None:
    """The parent device of *placement*: the mdev parent, else a virtual function's physical function."""
    return placement.links.get("parent") or placement.links.get("physfn")


def _instances(placement: Placement) -> int | None:
    text = placement.properties.get("available_instances")
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return int(text)


def _providers(
    host: HostData,
    origin: str,
    cache: TextCache,
    providers: list[Provider],
    partial: list[PartialPlacement],
    findings: list[InventoryFinding],
    bare: list[BarePlacement],
) -> None:
    from ..conformance.emitter_checks import analyse_host
    from ..conformance.results import Report

    report = Report()
    analyses = analyse_host(host, report, cache)
    problems: dict[str, str] = {}
    for failure in report.failures:
        if failure.check == "MC-E1-PARSE":
            problems.setdefault(failure.path, failure.message)
    for analysis in analyses:
        placement = analysis.placement
        kind: Literal["device", "type"] = "type" if placement.kind == "mdev_type" else "device"
        if not placement.migratable:
            bare.append(BarePlacement(host.host, placement.ident, kind, placement.path, origin))
            continue
        version, rules = analysis.version, analysis.rules
        source_only = kind == "device" and version is not None and not version.params
        keep = "; kept as a source, not a target" if source_only else "; skipped"
        missing = [name for name in (VERSION, COMPATIBLE) if name not in placement.attributes]
        if missing or version is None or rules is None:
            if missing:
                findings.append(
                    InventoryFinding(
                        "missing-attribute",
                        host.host,
                        placement.path,
                        f"{placement.path} has no {missing[0]}{keep}",
                        hides_targets=True,
                    )
                )
            else:
                name = VERSION if version is None else COMPATIBLE
                attribute_path = f"{placement.path}/{name}"
                why = _why_invalid(
                    placement.attributes[name].data, placement.attributes[name].error, problems.get(attribute_path)
                )
                findings.append(
                    InventoryFinding(
                        "invalid-attribute",
                        host.host,
                        attribute_path,
                        f"{attribute_path}: {why}{keep}",
                        hides_targets=True,
                    )
                )
            unsupported = problems.get(f"{placement.path}/{VERSION}", "").startswith("error[unsupported-version]")
            unread = tuple(
                name for name, value in ((VERSION, version), (COMPATIBLE, rules)) if value is None or name in missing
            )
            partial.append(
                PartialPlacement(
                    host.host,
                    placement.ident,
                    kind,
                    placement.path,
                    None if unsupported else rules,
                    origin,
                    version,
                    unread,
                )
            )
            if source_only and version is not None:
                providers.append(
                    _provider(host, placement, kind, version, CompatibleDevices(), analysis.driver, target=False)
                )
            continue
        if not analysis.devices:
            findings.append(
                InventoryFinding(
                    "not-a-target",
                    host.host,
                    placement.path,
                    f"{placement.path}: a device instance whose migration_version has param lines; skipped: its"
                    " verdict as a target is at best unknown",
                    hides_targets=True,
                )
            )
            partial.append(
                PartialPlacement(host.host, placement.ident, kind, placement.path, rules, origin, version, ())
            )
            continue
        for name in (VERSION, COMPATIBLE):
            if not placement.attributes[name].stable:
                attribute_path = f"{placement.path}/{name}"
                findings.append(
                    InventoryFinding(
                        "unstable-attribute",
                        host.host,
                        attribute_path,
                        f"{attribute_path}: two consecutive reads differ; the first read is used, but the driver"
                        " may say otherwise next time",
                    )
                )
        providers.append(_provider(host, placement, kind, version, rules, analysis.driver))


def _provider(
    host: HostData,
    placement: Placement,
    kind: Literal["device", "type"],
    version: MigrationVersion,
    rules: CompatibleDevices,
    driver: str | None,
    *,
    target: bool = True,
) -> Provider:
    return Provider(
        host.host,
        placement.ident,
        kind,
        placement.path,
        version,
        rules,
        driver,
        placement.properties.get("name") if kind == "type" else None,
        _parent(placement),
        _instances(placement) if kind == "type" else None,
        target,
    )


def _why_invalid(data: bytes | None, error: str | None, problem: str | None) -> str:
    """Why a migration attribute with the content *data* (None: *error*) is not valid, from its parse *problem*.

    An attribute the reader (or the capture loader) cut at ``READ_LIMIT``
    bytes was longer than what was read: its size is not known, so a
    ``too-long`` problem is said as "longer than" the limit, never as the
    size the parser saw in the cut text.
    """
    if data is None:
        return f"it could not be read when the host was captured ({error or 'unreadable'})"
    if problem is None:
        return "it is not a valid attribute"
    if problem.startswith("error[too-long]:") and len(data) >= READ_LIMIT:
        return (
            f"error[too-long]: the attribute is longer than {MAX_ATTRIBUTE_BYTES} bytes (only its first"
            f" {READ_LIMIT} are read); at most {MAX_ATTRIBUTE_BYTES} are allowed, including the final newline"
        )
    return problem
