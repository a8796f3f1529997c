"""Reading a sysfs tree safely: never writing, bounded, and never failing on a fault.

The reader walks a sysfs root (``/sys`` or any directory that mirrors its
layout) and collects every placement clause 10 defines:

* mdev types, ``class/mdev_bus/<parent>/mdev_supported_types/<type-id>/``,
  with ``name``, ``description``, ``device_api`` and ``available_instances``;
* mdev instances, ``bus/mdev/devices/<uuid>/``, with their ``mdev_type`` link;
* PCI functions, ``bus/pci/devices/<BDF>/``, bound to vfio-pci or a variant
  driver (or with a ``vfio-dev/`` directory or the attributes), with ``vendor``,
  ``device``, ``subsystem_vendor``, ``subsystem_device``, ``driver`` and the
  SR-IOV links;
* devices of other buses (``bus/<bus>/devices/<name>/``) bound to a VFIO
  driver (or with a ``vfio-dev/`` directory or the attributes), clause 10.4.

A device instance's attributes are read from its VFIO device directory, the one
entry of its ``vfio-dev/`` subdirectory (``bus/pci/devices/<BDF>/vfio-dev/vfio3/``),
and the placement's path is that directory; the device keeps being named by
its bus name (the placement's *ident*). What does not fit clause 10 is a
finding, never a guess:

* attributes in the bus device directory itself, the placement of
  specification 1.0, are ``legacy-placement``; they are still read (and are the
  placement, with the device directory as its path) when the VFIO device
  directory holds none, so that their content is checked too;
* a ``vfio-dev/`` with several entries is ``several-vfio-devices`` (none of
  them is read);
* attributes on a device that is not a VFIO device, an mdev parent (reached
  as ``class/mdev_bus/<parent>`` or as a bus device) or a device bound to a
  driver that is not a VFIO driver and has no ``vfio-dev/``, are
  ``not-a-vfio-device``; they are not read, and the device is no placement;
* a device bound to a VFIO driver with no ``vfio-dev/vfioN`` (a kernel before
  Linux 6.1, or a mirror without it) is ``no-vfio-device``.

How it stays safe:

* every file is opened with ``os.open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK
  | O_CLOEXEC)``; nothing is ever opened for writing, created or changed;
* every attribute is read with at most 4096 bytes (the limit plus one byte, so
  an over-long attribute is recognised without reading more); a migration
  attribute with one byte more, so that the report can say whether reading
  stopped there (:attr:`~migcompat.sysfs.model.Attr.truncated`), and 4096 are kept;
* symbolic links are resolved by hand, one component at a time, confined to the
  root (an absolute ``/sys/...`` target in a mirrored tree is read inside the
  mirror, never from the real ``/sys``), with at most 40 links per path (the
  kernel's limit), so a loop ends as a finding; device directories already
  visited (by device and inode number) are not read twice;
* a missing file, EACCES or any other ``OSError``, binary content, a dangling
  link or a link loop becomes a :class:`~migcompat.sysfs.model.Finding`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final

from ..limits import MAX_ATTRIBUTE_BYTES, READ_BYTES
from .model import MIGRATION_ATTRIBUTES, VFIO_DEV, Attr, Finding, Placement, PlacementKind

__all__ = [
    "MAX_LINKS",
    "READ_LIMIT",
    "ReadResult",
    "is_sysfs",
    "is_vfio_driver",
    "read_attribute",
    "read_tree",
]

READ_LIMIT: Final = READ_BYTES
"""At most this many bytes are read of any attribute: one page plus one byte."""

MAX_LINKS: Final = 40
"""At most this many symbolic links are followed to resolve one path (the kernel's MAXSYMLINKS)."""

_OPEN_FLAGS: Final = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | os.O_CLOEXEC

_TYPE_PROPERTIES: Final = ("name", "description", "device_api", "available_instances")
_PCI_PROPERTIES: Final = ("vendor", "device", "subsystem_vendor", "subsystem_device")
_SKIPPED_BUSES: Final = frozenset({"pci", "mdev"})
_NAMES_SHOWN: Final = 4
"""At most this many entry names of an ambiguous ``vfio-dev/`` are quoted in its finding."""


def is_vfio_driver(name: str | None) -> bool:
    """True for ``vfio-pci``, its variant drivers (``mlx5_vfio_pci``...) and the other VFIO bus drivers."""
    return name is not None and "vfio" in name


@dataclass
class ReadResult:
    """The bytes of one file (at most :data:`READ_LIMIT`), its mode, or the finding code of why not."""

    data: bytes | None
    mode: int | None = None
    error: str | None = None
    message: str = ""


def read_attribute(path: str, limit: int = READ_LIMIT, *, follow: bool = False) -> ReadResult:
    """Read at most *limit* bytes of the regular file *path*; a final link is not followed unless *follow*."""
    flags = _OPEN_FLAGS & ~getattr(os, "O_NOFOLLOW", 0) if follow else _OPEN_FLAGS
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return _failure(exc)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return ReadResult(None, None, "not-a-file", "not a regular file")
        parts: list[bytes] = []
        size = 0
        while size < limit:
            chunk = os.read(fd, limit - size)
            if not chunk:
                break
            parts.append(chunk)
            size += len(chunk)
        return ReadResult(b"".join(parts), stat.S_IMODE(info.st_mode))
    except OSError as exc:
        return _failure(exc)
    finally:
        os.close(fd)


def _failure(exc: OSError) -> ReadResult:
    if exc.errno == errno.ENOENT:
        return ReadResult(None, None, "missing", "no such file")
    if exc.errno == errno.ELOOP:
        return ReadResult(None, None, "not-a-file", "a symbolic link where a regular file belongs")
    if exc.errno in (errno.EISDIR, errno.ENXIO):
        return ReadResult(None, None, "not-a-file", os.strerror(exc.errno))
    reason = exc.strerror or os.strerror(exc.errno or 0) or type(exc).__name__
    return ReadResult(None, None, "unreadable", reason)


def is_sysfs(root: str) -> bool:
    """True when *root* lies on a mounted sysfs (from ``/proc/self/mountinfo``; False when unknown)."""
    result = read_attribute("/proc/self/mountinfo", 1 << 20)
    if result.data is None:
        return os.path.realpath(root) == "/sys"
    real = os.path.realpath(root)
    best, fstype = "", ""
    for line in result.data.decode("utf-8", "replace").splitlines():
        left, _, right = line.partition(" - ")
        fields = left.split()
        if len(fields) < 5 or not right:
            continue
        mount_point = fields[4].replace("\\040", " ")
        inside = real == mount_point or real.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, fstype = mount_point, right.split()[0]
    return fstype == "sysfs"


@dataclass
class _Walk:
    """The state of one walk over a root: findings so far and directories already seen."""

    root: str
    reread: bool
    findings: list[Finding] = field(default_factory=list)
    seen: dict[tuple[int, int], str] = field(default_factory=dict)
    roles: dict[tuple[int, int], str] = field(default_factory=dict)
    """What a directory already read was read as, when that explains a later ``duplicate`` (an mdev parent)."""
    quiet: set[tuple[int, int]] = field(default_factory=set)
    """Directories whose second sighting needs no ``duplicate`` finding: its cause is reported already."""

    # ---- paths and links -------------------------------------------------------------

    def rel(self, path: str) -> str:
        relative = os.path.relpath(path, self.root)
        return "" if relative == "." else relative

    def note(self, code: str, path: str, message: str, *, attribute: bool) -> None:
        self.findings.append(Finding(code, self.rel(path) if os.path.isabs(path) else path, message, attribute))

    def resolve(self, path: str, *, attribute: bool, missing_ok: bool = False) -> str | None:
        """The real path of *path* inside the root, following links by hand; None (and a finding) on a fault."""
        resolved = self.root
        pending = [part for part in self.rel(path).split("/") if part][::-1]
        hops = 0
        last_link: str | None = None
        while pending:
            part = pending.pop()
            if part == ".":
                continue
            if part == "..":
                if resolved == self.root:
                    self.note(
                        "link-escapes-root",
                        last_link or path,
                        "a symbolic link leads outside the tree being read; it is not followed",
                        attribute=attribute,
                    )
                    return None
                resolved = os.path.dirname(resolved)
                continue
            candidate = os.path.join(resolved, part)
            try:
                info = os.lstat(candidate)
            except FileNotFoundError:
                if last_link is not None:
                    self.note(
                        "dangling-link",
                        last_link,
                        f"the symbolic link points to {self.rel(candidate) or '/'}, which does not exist",
                        attribute=attribute,
                    )
                elif not missing_ok:
                    self.note("missing", candidate, "not found", attribute=attribute)
                return None
            except OSError as exc:
                self.note("unreadable", candidate, exc.strerror or str(exc), attribute=attribute)
                return None
            if not stat.S_ISLNK(info.st_mode):
                resolved = candidate
                continue
            hops += 1
            if hops > MAX_LINKS:
                self.note(
                    "link-loop",
                    path,
                    f"more than {MAX_LINKS} symbolic links to resolve: a link loop",
                    attribute=attribute,
                )
                return None
            try:
                target = os.readlink(candidate)
            except OSError as exc:
                self.note("unreadable", candidate, exc.strerror or str(exc), attribute=attribute)
                return None
            last_link = self.rel(candidate)
            if os.path.isabs(target):
                if target != "/sys" and not target.startswith("/sys/"):
                    self.note(
                        "link-escapes-root",
                        candidate,
                        f"the symbolic link points to {target}, outside the sysfs tree; it is not followed",
                        attribute=attribute,
                    )
                    return None
                resolved = self.root
                target = target[len("/sys") :]
            pending.extend(part for part in reversed(target.split("/")) if part)
        return resolved

    def listdir(self, path: str, *, attribute: bool, missing_ok: bool = True, shown: str | None = None) -> list[str]:
        """The sorted entries of the directory *path*; [] and a finding (at *shown*, if given) on a fault."""
        where = path if shown is None else shown
        try:
            return sorted(os.listdir(path))
        except FileNotFoundError:
            if not missing_ok:
                self.note("missing", where, "directory not found", attribute=attribute)
        except NotADirectoryError:
            self.note("not-a-directory", where, "not a directory", attribute=attribute)
        except OSError as exc:
            self.note("unreadable", where, exc.strerror or str(exc), attribute=attribute)
        return []

    def directory(self, path: str, *, attribute: bool = True, why: str = "", role: str = "") -> str | None:
        """*path* resolved, checked to be a directory not seen before.

        A directory seen before is a ``duplicate`` finding, which names what it
        was read as (*role* of its first sighting) and why it was looked at
        again (*why*, of this one), unless its cause is reported already.
        """
        real = self.resolve(path, attribute=attribute)
        if real is None:
            return None
        try:
            info = os.stat(real)
        except OSError as exc:
            self.note("unreadable", path, exc.strerror or str(exc), attribute=attribute)
            return None
        if not stat.S_ISDIR(info.st_mode):
            self.note("not-a-directory", path, "not a directory", attribute=attribute)
            return None
        key = (info.st_dev, info.st_ino)
        if key in self.seen:
            if key not in self.quiet:
                first = self.roles.get(key)
                self.note(
                    "duplicate",
                    path,
                    f"the same directory as {self.seen[key]}"
                    + (f" ({first})" if first else "")
                    + (f", reached again here because {why}" if why else "")
                    + "; read once",
                    attribute=False,
                )
            return None
        self.seen[key] = self.rel(path)
        if role:
            self.roles[key] = role
        return real

    def misplaced(self, real: str, shown: str, name: str, *, driver: str | None, parent: bool) -> bool:
        """Report migration attributes on *real*, a device that is not a VFIO device; True when it has some.

        *real* is an mdev parent (*parent*) or a device bound to *driver*, a
        driver that is not a VFIO driver: clause 10 places no attribute on
        it, so the attributes are a placement fault (``not-a-vfio-device``)
        and are not read as a placement.
        """
        present = [entry for entry in MIGRATION_ATTRIBUTES if os.path.lexists(os.path.join(real, entry))]
        if not present:
            return False
        names = " and ".join(present)
        if parent:
            message = (
                f"{names} on the mdev parent {name}, which is not a VFIO device; a type's belong in"
                f" mdev_supported_types/<type>/, an instance's in its {VFIO_DEV}/vfioN/ (clause 10); not read"
            )
        else:
            message = (
                f"{name} is bound to {driver}, not a VFIO driver: migration attributes do not belong on it"
                f" ({names}; clause 10 puts a device's in its {VFIO_DEV}/vfioN/ once a VFIO driver is bound); not read"
            )
        self.findings.append(Finding("not-a-vfio-device", shown, message, attribute=True))
        return True

    def link_name(self, directory: str, name: str, *, attribute: bool) -> str | None:
        """The name (last component) of the directory the link *name* in *directory* leads to, if any."""
        path = os.path.join(directory, name)
        try:
            os.lstat(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.note("unreadable", path, exc.strerror or str(exc), attribute=attribute)
            return None
        real = self.resolve(path, attribute=attribute)
        return None if real is None else os.path.basename(real)

    # ---- files -----------------------------------------------------------------------

    def properties(self, directory: str, names: tuple[str, ...], shown: str) -> dict[str, str]:
        found: dict[str, str] = {}
        for name in names:
            path = os.path.join(directory, name)
            result = read_attribute(path)
            where = f"{shown}/{name}"
            if result.data is None:
                if result.error != "missing":
                    self.findings.append(Finding(result.error or "unreadable", where, result.message))
                continue
            if len(result.data) > MAX_ATTRIBUTE_BYTES:
                self.findings.append(Finding("too-long", where, f"longer than {MAX_ATTRIBUTE_BYTES} bytes"))
                continue
            text = result.data[:-1] if result.data.endswith(b"\n") else result.data
            if any((byte < 0x20 and byte not in (0x09, 0x0A)) or byte > 0x7E for byte in text):
                self.findings.append(
                    Finding("binary-content", where, "holds bytes that are not printable ASCII text; ignored")
                )
                continue
            found[name] = text.decode("ascii")
        return found

    def migration_attributes(self, directory: str, shown: str) -> dict[str, Attr]:
        found: dict[str, Attr] = {}
        for name in MIGRATION_ATTRIBUTES:
            path = os.path.join(directory, name)
            first = read_attribute(path, READ_LIMIT + 1)  # one byte more: is the file longer than READ_LIMIT?
            if first.error == "missing":
                continue
            if first.data is None:
                self.findings.append(
                    Finding(first.error or "unreadable", f"{shown}/{name}", first.message, attribute=True)
                )
                found[name] = Attr(None, None, first.mode, first.error or "unreadable")
                continue
            second = read_attribute(path, READ_LIMIT + 1) if self.reread else first
            reread = second.data if second.data is not None else first.data
            found[name] = Attr(
                first.data[:READ_LIMIT], reread[:READ_LIMIT], first.mode, truncated=len(first.data) > READ_LIMIT
            )
        return found

    def instance(self, real: str, shown: str, *, bound: bool) -> tuple[str, dict[str, Attr]]:
        """The placement of the device directory *real* (named *shown*): its path and attributes (clause 10).

        The path is ``<shown>/vfio-dev/<entry>`` when the one entry of the
        device's ``vfio-dev/`` holds attributes, else *shown* itself (with the
        attributes of specification 1.0's placement, if any). *bound* says the
        device is bound to a VFIO driver, so that it should have a VFIO device
        directory.
        """
        legacy = self.migration_attributes(real, shown)
        entries: list[str] | None = None  # None: no vfio-dev/ (or one already reported as a fault)
        resolved: str | None = None
        vfio_dev = os.path.join(real, VFIO_DEV)
        present = os.path.lexists(vfio_dev)
        if present:
            resolved = self.resolve(vfio_dev, attribute=True)
            faults = len(self.findings)
            entries = None if resolved is None else self.listdir(resolved, attribute=True, shown=f"{shown}/{VFIO_DEV}")
            if len(self.findings) > faults:  # not a directory, or unreadable: reported already
                entries = None
        if entries is not None and len(entries) > 1:
            names = ", ".join(entries[:_NAMES_SHOWN]) + (", ..." if len(entries) > _NAMES_SHOWN else "")
            self.findings.append(
                Finding(
                    "several-vfio-devices",
                    f"{shown}/{VFIO_DEV}",
                    f"{len(entries)} entries ({names}); a device has one VFIO device directory, so none is read",
                    attribute=True,
                )
            )
            entries = None
        elif entries == [] or (not present and bound and not legacy):
            where = f"{shown}/{VFIO_DEV}"
            self.findings.append(
                Finding(
                    "no-vfio-device",
                    where,
                    ("empty" if entries == [] else "not found, though a VFIO driver is bound")
                    + ": the device has no VFIO device directory, where clause 10 places its attributes"
                    " (VFIO core creates vfio-dev/vfioN since Linux 6.1)",
                )
            )
        attributes: dict[str, Attr] = {}
        path = shown
        if entries:
            (entry,) = entries
            directory = None if resolved is None else self.directory(os.path.join(resolved, entry))
            if directory is not None:
                path = f"{shown}/{VFIO_DEV}/{entry}"
                attributes = self.migration_attributes(directory, path)
        if legacy:
            names = " and ".join(legacy)
            self.findings.append(
                Finding(
                    "legacy-placement",
                    shown,
                    f"{names} in the bus device directory: the attributes are in the 1.0 placement;"
                    f" spec 1.1 clause 10 puts them in {VFIO_DEV}/vfioN/"
                    + (
                        f" (here {path}, which is read)"
                        if attributes
                        else " (read here, so that their content is checked)"
                    ),
                    attribute=True,
                )
            )
            if not attributes:
                return shown, legacy
        return path, attributes

    # ---- the placements ------------------------------------------------------------

    def mdev_types(self) -> Iterator[Placement]:
        bus = os.path.join(self.root, "class", "mdev_bus")
        for parent in self.listdir(bus, attribute=True):
            parent_dir = self.directory(os.path.join(bus, parent), role="an mdev parent")
            if parent_dir is None:
                continue
            if self.misplaced(parent_dir, f"class/mdev_bus/{parent}", parent, driver=None, parent=True):
                # Reported here: the same directory reached as a bus device says nothing more.
                with contextlib.suppress(OSError):  # stat()ed a moment ago by directory()
                    info = os.stat(parent_dir)
                    self.quiet.add((info.st_dev, info.st_ino))
            shown_types = f"class/mdev_bus/{parent}/mdev_supported_types"
            types_dir = self.resolve(os.path.join(parent_dir, "mdev_supported_types"), attribute=True)
            if types_dir is None:
                continue
            for type_id in self.listdir(types_dir, attribute=True, missing_ok=False):
                type_dir = self.directory(os.path.join(types_dir, type_id))
                if type_dir is None:
                    continue
                shown = f"{shown_types}/{type_id}"
                yield Placement(
                    "mdev_type",
                    type_id,
                    shown,
                    self.migration_attributes(type_dir, shown),
                    self.properties(type_dir, _TYPE_PROPERTIES, shown),
                    {"parent": parent},
                )

    def mdevs(self) -> Iterator[Placement]:
        devices = os.path.join(self.root, "bus", "mdev", "devices")
        for uuid in self.listdir(devices, attribute=True):
            real = self.directory(os.path.join(devices, uuid))
            if real is None:
                continue
            shown = f"bus/mdev/devices/{uuid}"
            links = {"parent": os.path.basename(os.path.dirname(real))}
            type_link = os.path.join(real, "mdev_type")
            try:
                os.lstat(type_link)
            except FileNotFoundError:
                self.findings.append(
                    Finding("missing", f"{shown}/mdev_type", "the mdev has no mdev_type link", attribute=True)
                )
            except OSError as exc:
                self.findings.append(
                    Finding("unreadable", f"{shown}/mdev_type", exc.strerror or str(exc), attribute=True)
                )
            else:
                type_dir = self.resolve(type_link, attribute=True)
                if type_dir is not None:
                    links["mdev_type"] = os.path.basename(type_dir)
                    type_parent = os.path.dirname(os.path.dirname(type_dir))
                    links["type_parent"] = os.path.basename(type_parent)
            path, attributes = self.instance(real, shown, bound=True)
            yield Placement("mdev", uuid, path, attributes, {}, links)

    def bus_devices(self, bus: str, kind: PlacementKind) -> Iterator[Placement]:
        devices = os.path.join(self.root, "bus", bus, "devices")
        for name in self.listdir(devices, attribute=False):
            path = os.path.join(devices, name)
            real = self.resolve(path, attribute=False)
            if real is None:
                continue
            driver = self.link_name(real, "driver", attribute=False)
            has_attributes = any(os.path.lexists(os.path.join(real, entry)) for entry in MIGRATION_ATTRIBUTES)
            has_vfio_dev = os.path.lexists(os.path.join(real, VFIO_DEV))
            if not (has_attributes or has_vfio_dev or is_vfio_driver(driver)):
                continue
            why = " and ".join(
                reason
                for reason, present in (
                    ("it has migration attributes", has_attributes),
                    (f"it has a {VFIO_DEV}/ directory", has_vfio_dev),
                    (f"it is bound to the VFIO driver {driver}", is_vfio_driver(driver)),
                )
                if present
            )
            real = self.directory(path, why=why)
            if real is None:
                continue
            shown = f"bus/{bus}/devices/{name}"
            parent = os.path.isdir(os.path.join(real, "mdev_supported_types"))
            if (parent and not is_vfio_driver(driver)) or (
                driver is not None and not is_vfio_driver(driver) and not has_vfio_dev
            ):
                # Not a VFIO device (an mdev parent, or bound to another driver): never a placement.
                self.misplaced(real, shown, name, driver=driver, parent=parent)
                continue
            links: dict[str, str] = {} if driver is None else {"driver": driver}
            properties: dict[str, str] = {}
            if kind == "pci":
                properties = self.properties(real, _PCI_PROPERTIES, shown)
                physfn = self.link_name(real, "physfn", attribute=False)
                if physfn is not None:
                    links["physfn"] = physfn
                for entry in self.listdir(real, attribute=False):
                    if entry.startswith("virtfn") and entry[6:].isdigit():
                        target = self.link_name(real, entry, attribute=False)
                        if target is not None:
                            links[entry] = target
            ident = name if kind == "pci" else f"{bus}/{name}"
            path, attributes = self.instance(real, shown, bound=is_vfio_driver(driver))
            yield Placement(kind, ident, path, attributes, properties, links)

    def other_buses(self) -> Iterator[Placement]:
        for bus in self.listdir(os.path.join(self.root, "bus"), attribute=False):
            if bus not in _SKIPPED_BUSES:
                yield from self.bus_devices(bus, "device")


def read_tree(root: str, *, reread: bool = True) -> tuple[tuple[Placement, ...], tuple[Finding, ...]]:
    """Every placement under the sysfs *root*, and every fault met on the way.

    With *reread* each migration attribute is read twice (stability, E5).
    Raises nothing for a fault inside the tree; the caller checks that *root*
    itself is a readable directory.
    """
    walk = _Walk(os.path.realpath(root), reread)
    placements = [
        *walk.mdev_types(),
        *walk.mdevs(),
        *walk.bus_devices("pci", "pci"),
        *walk.other_buses(),
    ]
    return tuple(placements), tuple(walk.findings)
