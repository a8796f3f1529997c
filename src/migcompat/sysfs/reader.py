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

* every file is opened with :func:`migcompat._files.open_regular`: looked at
  with ``lstat`` first (a FIFO, a socket or a device is never opened), then
  opened with ``O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC``
  and read only if ``fstat`` says it is a regular file; nothing is ever
  opened for writing, created or changed;
* nothing outside the root is read, even if the tree changes while it is read
  (its owner swapping a directory already checked for a symbolic link): the
  root is opened once, and every directory the walk uses is reached from that
  descriptor one component at a time with ``O_NOFOLLOW | O_DIRECTORY`` (never
  through a link or ``..``), so that every name the walk looks up (``lstat``,
  ``readlink``) is looked up in a directory inside the tree; a file opened by
  its path is used only when its descriptor is the very file that directory
  holds under that name (same device and inode), and a directory is listed
  through a descriptor checked the same way. A mismatch is a
  ``link-escapes-root`` finding and nothing of what was opened is kept. This
  needs no ``/proc`` (it works where ``/proc`` is not mounted); hard links
  inside the tree count as inside (``fs.protected_hardlinks`` keeps other
  users from making them to root's files);
* every attribute is read with at most 4096 bytes (the limit plus one byte, so
  an over-long attribute is recognised without reading more); a migration
  attribute with one byte more, so that the report can say whether reading
  stopped there (:attr:`~migcompat.sysfs.model.Attr.truncated`), and 4096 are kept;
* symbolic links are resolved by hand, one component at a time, confined to the
  root (an absolute ``/sys/...`` target in a mirrored tree is read inside the
  mirror, never from the real ``/sys``), with at most 40 links per path (the
  kernel's MAXSYMLINKS) and at most :data:`PATH_MAX` bytes of link targets
  read to resolve one path (the kernel's bound on one path, here on all the
  targets together), so a loop or a padded chain ends as a ``link-loop``
  finding; device directories already visited (by device and inode number)
  are not read twice;
* a walk's cost grows with the size of the tree, not with how its links are
  chained: each link is resolved once per walk (its result, or its own fault,
  is kept and reused, its links and target bytes counted again against each
  path that uses it), no more than 40 links are ever being resolved at once,
  and what ``lstat`` says of each name is kept for the walk, so a small
  crafted tree of long chained links cannot make it take minutes;
* a missing file, EACCES or any other ``OSError``, binary content, a dangling
  link or a link loop becomes a :class:`~migcompat.sysfs.model.Finding`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Final

from .._files import READ_FLAGS, NotARegularFile, open_regular
from ..limits import MAX_ATTRIBUTE_BYTES, READ_BYTES
from .model import MIGRATION_ATTRIBUTES, VFIO_DEV, Attr, Finding, Placement, PlacementKind

__all__ = [
    "MAX_LINKS",
    "PATH_MAX",
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

PATH_MAX: Final = 4096
"""At most this many bytes of symbolic link targets are followed to resolve one path (the kernel's PATH_MAX)."""

_LIST_FLAGS: Final = READ_FLAGS | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_DIRECTORY", 0)
"""How a directory is opened to be listed: by descriptor, never through a final link."""
_WALK_FLAGS: Final = (
    getattr(os, "O_PATH", os.O_RDONLY) | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC
)
"""How each directory on the way from the root is opened: relative to its parent's descriptor, never through a link."""
_DIRECTORIES_KEPT: Final = 32
"""At most this many directory descriptors are kept open by a walk (the most recently used)."""
_LINK: Final = "a symbolic link where a regular file belongs"
_LOOP: Final = f"more than {MAX_LINKS} symbolic links to resolve: a link loop"

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
    """Read at most *limit* bytes of the regular file *path*; a final link is not followed unless *follow*.

    The result's *data* is None when the file was not read, and *error* says
    why: ``missing`` (no such file: the device has no such attribute),
    ``not-a-file`` (a directory, a device, a FIFO, or a symbolic link not
    followed) or ``unreadable`` (``EACCES``, ``EIO``...), with *message* in
    words. Only ``missing`` is an attribute that is not there: one that is
    there but cannot be read is a fault of the host or the driver, not a
    device that does not speak migcompat.
    """
    return _read(path, limit, follow=follow)


def _read(
    path: str,
    limit: int,
    *,
    follow: bool = False,
    inside: Callable[[os.stat_result], ReadResult | None] | None = None,
) -> ReadResult:
    """:func:`read_attribute`; *inside*, if given, is asked about the descriptor's ``fstat`` before any read.

    A result from *inside* is returned instead (the file is not read); None
    lets the read go on.
    """
    try:
        fd, info = open_regular(path, follow=follow)
    except NotARegularFile as exc:
        if stat.S_ISLNK(exc.mode):
            return ReadResult(None, None, "not-a-file", _LINK)
        return ReadResult(None, None, "not-a-file", "not a regular file")
    except OSError as exc:
        return _failure(exc)
    except ValueError:  # no such path can exist
        return ReadResult(None, None, "unreadable", "a NUL byte in the path")
    try:
        refused = None if inside is None else inside(info)
        if refused is not None:
            return refused
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
        return ReadResult(None, None, "not-a-file", _LINK)
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


@dataclass(frozen=True)
class _Fault:
    """Why a path could not be resolved: a finding still to be recorded (*where* None: at the path resolved)."""

    code: str
    where: str | None
    message: str


@dataclass(frozen=True)
class _Link:
    """A symbolic link resolved: the real path it leads to, and the links and target bytes that took."""

    real: str
    hops: int
    size: int


_TOO_LONG: Final = (
    f"more than {PATH_MAX} bytes of symbolic link targets to resolve (the kernel's PATH_MAX): not followed"
)
_BUSY: Final = _Fault("link-loop", None, _LOOP)
"""The mark of a link being resolved: met again during its own resolution, it is a loop."""


@dataclass(frozen=True)
class _Over(_Fault):
    """More links (or target bytes) being resolved at once than a path may take, counted from the outermost.

    *links* and *size* count every link being resolved, the one refused
    included; whether that is a fault of one of them depends on how many of
    them are its own (:meth:`_Walk.follow`).
    """

    links: int = 0
    size: int = 0


@dataclass
class _Walk:
    """The state of one walk over a root: findings so far, directories already seen, and what was looked up."""

    root: str
    reread: bool
    root_fd: int = -1
    """The root, opened once; every other directory is reached from it without following a link."""
    findings: list[Finding] = field(default_factory=list)
    seen: dict[tuple[int, int], str] = field(default_factory=dict)
    roles: dict[tuple[int, int], str] = field(default_factory=dict)
    """What a directory already read was read as, when that explains a later ``duplicate`` (an mdev parent)."""
    quiet: set[tuple[int, int]] = field(default_factory=set)
    """Directories whose second sighting needs no ``duplicate`` finding: its cause is reported already."""
    directories: OrderedDict[str, int] = field(default_factory=OrderedDict)
    """Descriptors of the directories used last, by real path (at most :data:`_DIRECTORIES_KEPT`)."""
    names: dict[str, os.stat_result | OSError] = field(default_factory=dict)
    """What ``lstat`` said of each real path looked up in this walk (each is looked up once)."""
    links: dict[str, _Link | _Fault] = field(default_factory=dict)
    """Each link resolved in this walk (by its real path), or why it could not be (:data:`_BUSY` meanwhile)."""
    depth: int = 0
    """How many links are being resolved at once (each waiting for the next): at most :data:`MAX_LINKS`."""
    pending: int = 0
    """The bytes of their targets: at most :data:`PATH_MAX`."""

    def close(self) -> None:
        """Close every descriptor the walk holds."""
        for fd in self.directories.values():
            os.close(fd)
        self.directories.clear()
        if self.root_fd >= 0:
            os.close(self.root_fd)
            self.root_fd = -1

    # ---- descriptors -----------------------------------------------------------------

    def dirfd(self, real: str) -> int:
        """A descriptor of the directory *real* (a real path under the root), reached from the root's.

        Each component is opened relative to its parent's descriptor with
        ``O_NOFOLLOW | O_DIRECTORY``, so the directory is inside the tree
        whatever happened to the tree since *real* was resolved: a component
        that is now a link or a file raises ``ENOTDIR``. The descriptor stays
        owned by the walk (do not close it); it is valid until the next call.
        """
        if real == self.root:
            return self.root_fd
        fd = self.directories.get(real)
        if fd is not None:
            self.directories.move_to_end(real)
            return fd
        head, name = os.path.split(real)
        inside = head == self.root or head.startswith(self.root.rstrip("/") + "/")
        if not inside or name in ("", ".", ".."):
            raise NotADirectoryError(errno.ENOTDIR, "not a directory inside the tree", real)
        fd = os.open(name, _WALK_FLAGS, dir_fd=self.dirfd(head))
        self.directories[real] = fd
        if len(self.directories) > _DIRECTORIES_KEPT:
            os.close(self.directories.popitem(last=False)[1])
        return fd

    def lstat(self, real: str) -> os.stat_result:
        """``lstat`` of *real* (a real directory's path, then a name), looked up in its directory's descriptor."""
        known = self.names.get(real)
        if known is None:
            try:
                if real == self.root:
                    known = os.fstat(self.root_fd)
                else:
                    head, name = os.path.split(real)
                    known = os.stat(name, dir_fd=self.dirfd(head), follow_symlinks=False)
            except OSError as exc:
                known = exc
            self.names[real] = known
        if isinstance(known, OSError):
            raise OSError(known.errno, known.strerror, known.filename)
        return known

    def exists(self, real: str) -> bool:
        """True when the name *real* exists (a link counts, whatever it points to)."""
        try:
            self.lstat(real)
        except OSError:
            return False
        return True

    def read(self, directory: str, name: str, limit: int = READ_LIMIT) -> ReadResult:
        """Read the regular file *name* of the real directory *directory*, if it is the tree's own file.

        The file is opened by its path (never through a final link) and used
        only when its descriptor is the file that *directory*, reached from
        the root (:meth:`dirfd`), holds under *name*: a directory on the way
        swapped for a link makes the path lead elsewhere, which is a
        ``link-escapes-root`` result, and nothing read through it is kept.
        """
        path = os.path.join(directory, name)
        return _read(path, limit, inside=lambda info: self.holds(path, info))

    def holds(self, real: str, info: os.stat_result) -> ReadResult | None:
        """None when *info* (of a descriptor) is what the tree holds at *real*; else why not, as a read's result.

        What the tree holds at *real* is looked up in the descriptor of its
        directory reached from the root (:meth:`dirfd`), never through a link.
        """
        try:
            if real == self.root:
                own = os.fstat(self.root_fd)
            else:
                head, name = os.path.split(real)
                own = os.stat(name, dir_fd=self.dirfd(head), follow_symlinks=False)
        except OSError as exc:
            return _failure(exc)
        if (own.st_dev, own.st_ino) != (info.st_dev, info.st_ino):
            return ReadResult(
                None,
                None,
                "link-escapes-root",
                "the path led outside the tree being read when it was opened (the tree changed while it was"
                " read: a directory on the way replaced by a symbolic link?); what it leads to is not read",
            )
        return None

    # ---- paths and links -------------------------------------------------------------

    def rel(self, path: str) -> str:
        relative = os.path.relpath(path, self.root)
        return "" if relative == "." else relative

    def note(self, code: str, path: str, message: str, *, attribute: bool) -> None:
        self.findings.append(Finding(code, self.rel(path) if os.path.isabs(path) else path, message, attribute))

    def resolve(self, path: str, *, attribute: bool, missing_ok: bool = False) -> str | None:
        """The real path of *path* inside the root, following links by hand; None (and a finding) on a fault."""
        outcome = self.resolved(path)
        if isinstance(outcome, str):
            return outcome
        if not (missing_ok and outcome.code == "missing"):
            where = self.rel(path) if outcome.where is None else outcome.where
            self.findings.append(Finding(outcome.code, where, outcome.message, attribute))
        return None

    def resolved(self, path: str) -> str | _Fault:
        """The real path of *path* inside the root, or why there is none (recording nothing)."""
        outcome = self.components(self.root, self.rel(path).split("/"), None)
        return outcome if isinstance(outcome, _Fault) else outcome[0]

    def components(self, start: str, parts: list[str], link: str | None) -> tuple[str, int, int] | _Fault:
        """Walk *parts* from the real directory *start*: the real path, and the links and target bytes followed.

        *link* names the link whose target *parts* are (None: the path being
        resolved); a fault in its target is that link's.
        """
        resolved = start
        hops = size = 0
        for part in parts:
            if part in ("", "."):
                continue
            if part == "..":
                if resolved == self.root:
                    return _Fault(
                        "link-escapes-root",
                        link,
                        "a symbolic link leads outside the tree being read; it is not followed",
                    )
                resolved = os.path.dirname(resolved)
                continue
            candidate = os.path.join(resolved, part)
            try:
                info = self.lstat(candidate)
            except FileNotFoundError:
                if link is not None:
                    return _Fault(
                        "dangling-link",
                        link,
                        f"the symbolic link points to {self.rel(candidate) or '/'}, which does not exist",
                    )
                return _Fault("missing", self.rel(candidate), "not found")
            except OSError as exc:
                return _Fault("unreadable", self.rel(candidate), exc.strerror or str(exc))
            if not stat.S_ISLNK(info.st_mode):
                resolved = candidate
                continue
            followed = self.follow(candidate)
            if isinstance(followed, _Fault):
                return followed
            hops += followed.hops
            size += followed.size
            if hops > MAX_LINKS:
                return _Fault("link-loop", None, _LOOP)
            if size > PATH_MAX:
                return _Fault("link-loop", None, _TOO_LONG)
            resolved = followed.real
        return resolved, hops, size

    def follow(self, link: str) -> _Link | _Fault:
        """Where the link *link* (a real directory's path, then its name) leads; resolved once per walk.

        What is kept does not depend on the path being resolved: a link's own
        links and target bytes, or its own fault. Links resolved within links
        go at most :data:`MAX_LINKS` deep (and :data:`PATH_MAX` bytes of
        targets): past that the outermost of them is a loop, and those within
        it are resolved again, if met again, from where they start.
        """
        known = self.links.get(link)
        if known is not None:
            return known
        if self.depth >= MAX_LINKS:
            return _Over("link-loop", None, _LOOP, self.depth + 1, self.pending)
        self.links[link] = _BUSY
        above, before = self.depth, self.pending
        self.depth += 1
        try:
            outcome = self.target(link)
        finally:
            self.depth -= 1
        if isinstance(outcome, _Over):
            if outcome.links - above <= MAX_LINKS and outcome.size - before <= PATH_MAX:
                del self.links[link]  # over the bounds only with the links it is resolved within
                return outcome
            outcome = _Fault(outcome.code, outcome.where, outcome.message)  # over them on its own
        self.links[link] = outcome
        return outcome

    def target(self, link: str) -> _Link | _Fault:
        shown = self.rel(link)
        head, name = os.path.split(link)
        try:
            target = os.readlink(name, dir_fd=self.dirfd(head))
        except OSError as exc:
            return _Fault("unreadable", shown, exc.strerror or str(exc))
        start = head
        rest = target
        if os.path.isabs(target):
            if target != "/sys" and not target.startswith("/sys/"):
                return _Fault(
                    "link-escapes-root",
                    shown,
                    f"the symbolic link points to {target}, outside the sysfs tree; it is not followed",
                )
            start, rest = self.root, target[len("/sys") :]
        if self.pending + len(target) > PATH_MAX:
            return _Over("link-loop", None, _TOO_LONG, self.depth, self.pending + len(target))
        self.pending += len(target)
        try:
            outcome = self.components(start, rest.split("/"), shown)
        finally:
            self.pending -= len(target)
        if isinstance(outcome, _Fault):
            return outcome
        real, hops, size = outcome
        if hops + 1 > MAX_LINKS:
            return _Fault("link-loop", None, _LOOP)
        if size + len(target) > PATH_MAX:
            return _Fault("link-loop", None, _TOO_LONG)
        return _Link(real, hops + 1, size + len(target))

    def is_directory(self, path: str) -> bool:
        """True when *path* resolves, inside the root, to a directory (recording nothing)."""
        real = self.resolved(path)
        if isinstance(real, _Fault):
            return False
        try:
            return stat.S_ISDIR(self.lstat(real).st_mode)
        except OSError:
            return False

    def listdir(self, path: str, *, attribute: bool, missing_ok: bool = True, shown: str | None = None) -> list[str]:
        """The sorted entries of the directory *path*; [] and a finding (at *shown*, if given) on a fault.

        The directory is opened with ``O_DIRECTORY | O_NOFOLLOW`` and listed
        through its descriptor, once that is known to be the directory inside
        the tree (:meth:`holds`).
        """
        where = path if shown is None else shown
        real = self.resolved(path)
        if isinstance(real, _Fault):
            if real.code != "missing":
                self.note(real.code, where if real.where is None else real.where, real.message, attribute=attribute)
            elif not missing_ok:
                self.note("missing", where, "directory not found", attribute=attribute)
            return []
        try:
            fd = os.open(real, _LIST_FLAGS)
        except FileNotFoundError:
            if not missing_ok:
                self.note("missing", where, "directory not found", attribute=attribute)
            return []
        except NotADirectoryError:
            self.note("not-a-directory", where, "not a directory", attribute=attribute)
            return []
        except OSError as exc:
            self.note("unreadable", where, exc.strerror or str(exc), attribute=attribute)
            return []
        try:
            refused = self.holds(real, os.fstat(fd))
            if refused is not None:
                self.note(refused.error or "unreadable", where, refused.message, attribute=attribute)
                return []
            return sorted(os.listdir(fd))
        except OSError as exc:
            self.note("unreadable", where, exc.strerror or str(exc), attribute=attribute)
            return []
        finally:
            os.close(fd)

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
            info = os.fstat(self.dirfd(real))
        except NotADirectoryError:
            self.note("not-a-directory", path, "not a directory", attribute=attribute)
            return None
        except OSError as exc:
            self.note("unreadable", path, exc.strerror or str(exc), attribute=attribute)
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
        present = [entry for entry in MIGRATION_ATTRIBUTES if self.exists(os.path.join(real, entry))]
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
            self.lstat(path)
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
            result = self.read(directory, name)
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
            first = self.read(directory, name, READ_LIMIT + 1)  # one byte more: is the file longer than READ_LIMIT?
            if first.error == "missing":
                continue
            if first.data is None:
                self.findings.append(
                    Finding(first.error or "unreadable", f"{shown}/{name}", first.message, attribute=True)
                )
                found[name] = Attr(None, None, first.mode, first.error or "unreadable")
                continue
            second = self.read(directory, name, READ_LIMIT + 1) if self.reread else first
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
        present = self.exists(vfio_dev)
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
                    info = os.fstat(self.dirfd(parent_dir))
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
                self.lstat(type_link)
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
            has_attributes = any(self.exists(os.path.join(real, entry)) for entry in MIGRATION_ATTRIBUTES)
            has_vfio_dev = self.exists(os.path.join(real, VFIO_DEV))
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
            parent = self.is_directory(os.path.join(real, "mdev_supported_types"))
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
    real = os.path.realpath(root)
    try:
        root_fd = os.open(real, _LIST_FLAGS)
    except OSError:
        return (), ()  # no tree to read: the caller says so
    walk = _Walk(real, reread, root_fd)
    try:
        placements = [
            *walk.mdev_types(),
            *walk.mdevs(),
            *walk.bus_devices("pci", "pci"),
            *walk.other_buses(),
        ]
    finally:
        walk.close()
    # A directory reached through several links (a PF's VFs) is one fault, recorded once however often reached.
    return tuple(placements), tuple(dict.fromkeys(walk.findings))
