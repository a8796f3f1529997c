"""What the sysfs reader finds: placements, their attributes, and the faults it met.

A :class:`HostData` is everything the conformance suite needs about one host,
whether it was just read from a live ``/sys``, from a directory that mirrors
it, or loaded from a capture file (:mod:`migcompat.capture`). All classes are
immutable; attribute contents are kept as the bytes that were read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

__all__ = [
    "COMPATIBLE",
    "FINDING_CODES",
    "MIGRATION_ATTRIBUTES",
    "PLACEMENT_FINDINGS",
    "VERSION",
    "VFIO_DEV",
    "Attr",
    "Finding",
    "HostData",
    "Placement",
    "PlacementKind",
    "split_vfio_path",
]

VERSION: Final = "migration_version"
"""The file name of the attribute that describes a device (clause 10)."""
COMPATIBLE: Final = "migration_compatible_devices"
"""The file name of the attribute that lists the sources a device accepts (clause 10)."""
MIGRATION_ATTRIBUTES: Final = (VERSION, COMPATIBLE)
"""The two migration attributes, in the order they are read and reported."""

VFIO_DEV: Final = "vfio-dev"
"""The subdirectory of a device that holds its VFIO device directory ``vfioN`` (Linux 6.1 and later)."""

PlacementKind = Literal["mdev_type", "mdev", "pci", "device"]
"""Where the spec places the attributes (clause 10): an mdev type directory (10.1), or
the VFIO device directory of an mdev instance (10.2), a PCI function (10.3) or a
device on another bus (10.4)."""

FINDING_CODES: Final[Mapping[str, str]] = {
    "missing": "a file or directory the suite looks for is not there",
    "unreadable": "a file or directory could not be read (EACCES, EIO, ...)",
    "binary-content": "a descriptive attribute holds bytes that are not printable ASCII text",
    "too-long": "a descriptive attribute is longer than one page",
    "dangling-link": "a symbolic link whose target does not exist",
    "link-loop": "a symbolic link that leads back to itself (or through too many links)",
    "link-escapes-root": "a symbolic link that leads outside the tree being read",
    "not-a-file": "an attribute that is not a regular file (a directory, a FIFO, a device, a link)",
    "not-a-directory": "a path that should be a directory is not one",
    "duplicate": "the same device directory was reached twice under different names",
    "legacy-placement": "a device's migration attributes are in its bus device directory, the placement of"
    " specification 1.0; specification 1.1 (clause 10) puts them in vfio-dev/vfioN/",
    "several-vfio-devices": "a device's vfio-dev/ directory has more than one entry, so its VFIO device"
    " directory (clause 10) is ambiguous",
    "no-vfio-device": "a device bound to a VFIO driver has no vfio-dev/vfioN directory (a kernel before"
    " Linux 6.1, or a tree that lacks it)",
    "not-a-vfio-device": "migration attributes on a device that is not a VFIO device (an mdev parent, or a"
    " device bound to a driver that is not a VFIO driver), where clause 10 places none; they are not read",
}
"""Every code a :class:`Finding` can carry, with its meaning."""

PLACEMENT_FINDINGS: Final = frozenset({"legacy-placement", "several-vfio-devices", "not-a-vfio-device"})
"""The finding codes that say a device's attributes are not where clause 10 places them."""


def split_vfio_path(path: str) -> tuple[str, str | None]:
    """*path* as (device directory, VFIO device name): ``("bus/pci/devices/<BDF>", "vfio3")``.

    A path that does not end in ``vfio-dev/<name>`` is a device (or mdev type)
    directory itself: its VFIO device name is None.
    """
    head, sep, name = path.rpartition("/")
    device, _, middle = head.rpartition("/")
    if sep and name and middle == VFIO_DEV:
        return device, name
    return path, None


@dataclass(frozen=True)
class Finding:
    """A fault the reader met and recorded instead of failing: *code* is one of :data:`FINDING_CODES`.

    *path* is relative to the root that was read; *attribute* is True when the
    fault is about one of the two migration attributes or a link the suite has
    to follow to interpret them (``mdev_type``, the placement directories), so
    that the conformance suite can tell a failed requirement from a cosmetic one.
    """

    code: str
    path: str
    message: str
    attribute: bool = False


@dataclass(frozen=True)
class Attr:
    """One migration attribute of a placement.

    *data* is what the first read returned (at most one page plus one byte), or
    None when the file exists but could not be read (*error* then says why, as
    a :data:`FINDING_CODES` code). *reread* is what a second read right after
    returned; the two differ only for an unstable attribute. *mode* is the
    file's permission bits (``0o444`` for a conforming attribute) or None when
    not known. *truncated* says whether the file is longer than *data*: True
    when reading stopped at the limit (the reader reads one byte more to
    know), False when *data* is all of it, None when not known (a capture
    keeps only the first bytes of a longer attribute).
    """

    data: bytes | None
    reread: bytes | None = None
    mode: int | None = None
    error: str | None = None
    truncated: bool | None = field(default=None, compare=False)
    """Not compared: two reads of the same bytes are the same attribute, whether or not the reader knew more."""

    @property
    def stable(self) -> bool:
        """True unless two reads returned different bytes."""
        return self.reread is None or self.reread == self.data


@dataclass(frozen=True)
class Placement:
    """A directory where the spec places the two attributes (clause 10).

    *ident* names the object: the type id of an mdev type, the UUID of an mdev,
    the BDF of a PCI function, ``bus/name`` for other devices. *path* is the
    directory that holds the attribute files, relative to the root, under the
    canonical name clause 10 gives the object: an mdev type's directory
    (``class/mdev_bus/<parent>/mdev_supported_types/<type-id>``), or a device
    instance's VFIO device directory (``bus/mdev/devices/<uuid>/vfio-dev/vfioN``,
    ``bus/pci/devices/<BDF>/vfio-dev/vfioN``, ``bus/<bus>/devices/<name>/vfio-dev/vfioN``).
    A device instance whose path is its bus device directory itself
    (``bus/pci/devices/<BDF>``) has its attributes in the placement of
    specification 1.0 (:attr:`legacy`), or none; captures taken before
    specification 1.1 have such paths. *properties* holds the descriptive
    attributes of the type or device directory, read as text without the final
    newline (``name``, ``device_api``, ``vendor``, ...); *links* the names the
    relevant links point to (``driver``, ``mdev_type``, ``parent``, ``physfn``,
    ``virtfn0``...). *attributes* holds the migration attributes that exist.
    """

    kind: PlacementKind
    ident: str
    path: str
    attributes: Mapping[str, Attr] = field(default_factory=dict)
    properties: Mapping[str, str] = field(default_factory=dict)
    links: Mapping[str, str] = field(default_factory=dict)

    @property
    def migratable(self) -> bool:
        """True when the placement exposes at least one migration attribute."""
        return bool(self.attributes)

    @property
    def device_path(self) -> str:
        """The type or device directory, relative to the root: *path* without a final ``vfio-dev/vfioN``."""
        return split_vfio_path(self.path)[0]

    @property
    def vfio_device(self) -> str | None:
        """The name of the VFIO device directory (``vfio3``) that holds the attributes, or None."""
        return split_vfio_path(self.path)[1]

    @property
    def legacy(self) -> bool:
        """True for a device instance with attributes in its bus device directory (specification 1.0's placement)."""
        return self.kind != "mdev_type" and bool(self.attributes) and self.vfio_device is None


@dataclass(frozen=True)
class HostData:
    """Everything read from one host.

    *source* says where it came from: ``sysfs`` (a live sysfs mount), ``tree``
    (a directory that mirrors one) or ``capture``. *modes_authoritative* is True
    when file modes are the driver's own (read from sysfs itself): a mirrored
    tree or a git checkout does not keep mode 0444, so mode checks apply only then.
    """

    host: str
    kernel: str
    time: str
    tool: str
    root: str
    source: Literal["sysfs", "tree", "capture"]
    modes_authoritative: bool
    placements: tuple[Placement, ...] = ()
    findings: tuple[Finding, ...] = ()
    origin: str = ""
    """How this host was named on the command line (a path or ``sample:NAME/host``)."""
