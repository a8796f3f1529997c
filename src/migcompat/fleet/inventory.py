"""An inventory: the providers of many hosts, read from their captures.

A *provider* is a place a migrating device can go: an existing device
instance (an mdev, a PCI function, a device on another bus), or a device type
a device can be created from (an mdev type). Each carries its description
(``migration_version``, a template for a type) and its rules
(``migration_compatible_devices``). The device instances are also the fleet's
migration *sources*.

:func:`load_inventory` reads capture files (``migcompat capture``, schema
``spec/schema/capture.schema.json``) or directories of them. It pairs and
parses each host's placements exactly as the conformance suite does
(:func:`~migcompat.conformance.emitter_checks.analyse_host`), so a placement
the suite calls broken is not a provider here either: it is skipped and an
:class:`InventoryFinding` says why. What a capture recorded while it was
taken (an unreadable directory, a link loop, an attribute too long: the
``findings`` of its :class:`~migcompat.sysfs.model.HostData`) is kept as well, one
:class:`InventoryFinding` each, naming the capture; one that may hide a
target (:func:`hides_targets`) makes the inventory *incomplete*
(:attr:`Inventory.incomplete`): a question it answers negatively ("no target
accepts") is then not known. A file that cannot be read, or that is
named on the command line and is not a valid capture, is an
:class:`InventoryError` naming the file.

Cost: reading is linear in the captures' size; attribute texts are parsed and
checked once per distinct text, whatever the number of hosts that share them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from ..capture import CaptureError, load, loads
from ..errors import MigcompatError
from ..limits import MAX_ATTRIBUTE_BYTES
from ..model import CompatibleDevices, MigrationVersion
from ..sysfs.model import COMPATIBLE, VERSION, Finding, HostData
from ..sysfs.reader import READ_LIMIT

if TYPE_CHECKING:
    from ..conformance.emitter_checks import TextCache

__all__ = [
    "FINDING_CODES",
    "MAX_CAPTURE_FILES",
    "READ_FAULTS",
    "STDIN",
    "STDIN_NAME",
    "FleetError",
    "Inventory",
    "InventoryError",
    "InventoryFinding",
    "Provider",
    "hides_targets",
    "inventory_of",
    "load_inventory",
    "load_inventory_text",
]

STDIN: Final = "-"
"""The inventory path that names the capture given as text (:func:`load_inventory`'s *stdin*)."""

STDIN_NAME: Final = "<stdin>"
"""How findings and errors name that capture."""

MAX_CAPTURE_FILES: Final = 200_000
"""At most this many capture files are read from the paths of one inventory; more is an error."""

FINDING_CODES: Final = {
    "missing-attribute": "the placement has one migration attribute but not the other",
    "invalid-attribute": "a migration attribute does not parse (or is in a format version not implemented)",
    "not-a-target": "the attributes parse but the placement cannot be a target (an instance with param lines)",
    "not-a-capture": "a JSON file in an inventory directory that is not a migcompat capture (skipped)",
    "duplicate-host": "two captures name the same host; both are read, so its placements appear twice",
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
    nothing.
    """
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


@dataclass(frozen=True)
class Provider:
    """A device instance (*kind* ``device``) or a device type (*kind* ``type``) on host *host*.

    *ident* is the placement's identity: the UUID of an mdev, the PCI address
    of a PCI function, ``bus/name`` of another device, the type id of an mdev
    type. *path* is its directory in the capture (relative to the sysfs root).
    *version* is the instance's ``migration_version`` or the type's template;
    *rules* its ``migration_compatible_devices``; *driver* the driver that
    writes them (the ``driver`` field, else the driver link), or None. *name*
    is a type's human name (its ``name`` attribute), or None.
    """

    host: str
    ident: str
    kind: str
    path: str
    version: MigrationVersion
    rules: CompatibleDevices
    driver: str | None
    name: str | None = field(default=None, compare=False)

    @property
    def where(self) -> str:
        """``host:path``, how reports name the provider."""
        return f"{self.host}:{self.path}"


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
    """

    code: str
    host: str
    path: str
    message: str
    capture: str = ""
    attribute: bool = False
    hides_targets: bool = False

    def to_json(self) -> dict[str, object]:
        """The finding as a JSON-ready dict: a capture's also has ``capture``, ``attribute`` and ``hides_targets``."""
        out: dict[str, object] = {"code": self.code, "host": self.host, "path": self.path, "message": self.message}
        if self.capture:
            out.update(capture=self.capture, attribute=self.attribute, hides_targets=self.hides_targets)
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
class Inventory:
    """Every provider of a set of hosts, in the order read; the device instances among them are the *sources*.

    Build one with :func:`load_inventory`, or :meth:`of` from providers.
    """

    providers: tuple[Provider, ...]
    sources: tuple[Provider, ...]
    findings: tuple[InventoryFinding, ...] = ()
    files: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ()
    file_hosts: tuple[tuple[str, str], ...] = ()
    """(capture file, the host name it records), for every capture read, in the order read."""

    @property
    def incomplete(self) -> bool:
        """True when a capture could not read part of its host where a target may be (:func:`hides_targets`).

        A target the inventory has is real; that no target accepts a source
        is then not known.
        """
        return any(finding.hides_targets for finding in self.findings)

    @classmethod
    def of(
        cls,
        providers: Iterable[Provider],
        findings: Iterable[InventoryFinding] = (),
        files: Iterable[str] = (),
        file_hosts: Iterable[tuple[str, str]] = (),
    ) -> Inventory:
        """The inventory of *providers* (sources derived: those of kind ``device``)."""
        kept = tuple(providers)
        hosts = tuple(dict.fromkeys(provider.host for provider in kept))
        sources = tuple(p for p in kept if p.kind == "device")
        return cls(kept, sources, tuple(findings), tuple(files), hosts, tuple(file_hosts))


def _capture_files(path: str) -> tuple[list[str], bool]:
    """The capture files *path* names (itself, or the ``*.json`` files under it), and whether it is a directory."""
    if path == STDIN:
        return [STDIN], False
    if os.path.isdir(path):
        found: list[str] = []
        for root, dirs, files in os.walk(path):
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
        if not found:
            raise InventoryError("capture-unreadable", f"{path} holds no capture (*.json) file", where=path)
        return found, True
    if not os.path.exists(path):
        raise InventoryError("capture-unreadable", f"cannot read {path}: no such file or directory", where=path)
    return [path], False


def load_inventory(paths: Sequence[str], *, stdin: bytes | None = None) -> Inventory:
    """Read the captures *paths* name (files, or directories searched for ``*.json`` files).

    A JSON file found in a directory that is not a capture at all (its
    ``format`` member is not ``migcompat-capture``, such as a sample's
    manifest) is skipped with a ``not-a-capture`` finding; a file named
    directly must be a capture. The path ``-`` (:data:`STDIN`) names the
    capture whose text is *stdin* (what a command read from its standard
    input), named ``<stdin>`` in findings and errors; it may be given once.
    Raises :class:`InventoryError`.
    """
    from ..conformance.results import collector_paused

    if isinstance(paths, (str, bytes)):
        raise TypeError(f"paths must be a sequence of paths, not one {type(paths).__name__}: give [{paths!r}]")
    if not paths:
        raise InventoryError("capture-unreadable", "no inventory given: name capture files or directories", where="")
    if list(paths).count(STDIN) > 1:
        raise InventoryError("capture-unreadable", "standard input (-) can be given only once", where=STDIN_NAME)
    if STDIN in paths and stdin is None:
        raise InventoryError(
            "capture-unreadable", "the inventory names standard input (-) but no text was given", where=STDIN_NAME
        )
    cache: TextCache = {}
    providers: list[Provider] = []
    findings: list[InventoryFinding] = []
    files: list[str] = []
    file_hosts: list[tuple[str, str]] = []
    seen_hosts: dict[str, str] = {}
    with collector_paused():
        for path in paths:
            names, in_directory = _capture_files(path)
            for name in names:
                host = _load(name, in_directory, findings, stdin)
                if host is None:
                    continue
                if name == STDIN:
                    name = STDIN_NAME
                files.append(name)
                file_hosts.append((name, host.host))
                if host.host in seen_hosts:
                    findings.append(
                        InventoryFinding(
                            "duplicate-host",
                            host.host,
                            name,
                            f"host {host.host} is in {seen_hosts[host.host]} and in {name}",
                        )
                    )
                else:
                    seen_hosts[host.host] = name
                findings.extend(InventoryFinding.of_capture(host, finding, name) for finding in host.findings)
                _providers(host, cache, providers, findings)
    return Inventory.of(providers, findings, files, file_hosts)


def load_inventory_text(data: bytes, name: str) -> Inventory:
    """The inventory of one capture whose text *data* was read already (from *name*); :class:`InventoryError` else."""
    try:
        host = loads(data, name)
    except CaptureError as error:
        message = error.message if name in error.message else f"{name}: {error.message}"
        if error.pointer:
            message += f" (at {error.pointer})"
        raise InventoryError(error.code, message, where=name) from None
    return inventory_of(host, name)


def inventory_of(host: HostData, origin: str) -> Inventory:
    """The providers of one host read already (a sysfs tree :func:`~migcompat.capture.capture` read), from *origin*."""
    from ..conformance.results import collector_paused

    providers: list[Provider] = []
    findings = [InventoryFinding.of_capture(host, finding, origin) for finding in host.findings]
    with collector_paused():
        _providers(host, {}, providers, findings)
    return Inventory.of(providers, findings, [origin], [(origin, host.host)])


def _load(name: str, in_directory: bool, findings: list[InventoryFinding], stdin: bytes | None) -> HostData | None:
    try:
        if name == STDIN and stdin is not None:
            name = STDIN_NAME
            return loads(stdin, STDIN_NAME)
        return load(name)
    except CaptureError as error:
        if in_directory and error.code == "capture-invalid" and error.pointer == "/format":
            findings.append(InventoryFinding("not-a-capture", "", name, f"{name} is not a migcompat capture; skipped"))
            return None
        where = f"{name}: {error.where}" if error.where and error.where != name else name
        message = error.message if name in error.message else f"{name}: {error.message}"
        if error.pointer:
            message += f" (at {error.pointer})"
        raise InventoryError(error.code, message, where=where) from None


def _providers(host: HostData, cache: TextCache, providers: list[Provider], findings: list[InventoryFinding]) -> None:
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
        if not placement.migratable:
            continue
        missing = [name for name in (VERSION, COMPATIBLE) if name not in placement.attributes]
        if missing:
            findings.append(
                InventoryFinding(
                    "missing-attribute", host.host, placement.path, f"{placement.path} has no {missing[0]}; skipped"
                )
            )
            continue
        if analysis.version is None or analysis.rules is None:
            name = VERSION if analysis.version is None else COMPATIBLE
            attribute_path = f"{placement.path}/{name}"
            why = _why_invalid(
                placement.attributes[name].data, placement.attributes[name].error, problems.get(attribute_path)
            )
            findings.append(
                InventoryFinding("invalid-attribute", host.host, attribute_path, f"{attribute_path}: {why}; skipped")
            )
            continue
        if not analysis.devices:
            findings.append(
                InventoryFinding(
                    "not-a-target",
                    host.host,
                    placement.path,
                    f"{placement.path}: a device instance whose migration_version has param lines; skipped",
                )
            )
            continue
        kind = "type" if placement.kind == "mdev_type" else "device"
        providers.append(
            Provider(
                host.host,
                placement.ident,
                kind,
                placement.path,
                analysis.version,
                analysis.rules,
                analysis.driver,
                placement.properties.get("name") if kind == "type" else None,
            )
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
