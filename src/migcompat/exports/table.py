"""What every export says: the source classes known at export time, and which providers accept each.

A *class* is a device's ``migration_version`` up to byte equality of its
canonical text (:func:`migcompat.fleet.classes.class_id` names it). The
classes known at export time are those of the inventory's devices (the
sources that exist) and of any extra sources the operator names. For each
class and each provider (a device, or a device type a device can be created
from), the provider *accepts* the class exactly when :func:`migcompat.compare.check`
answers COMPATIBLE: the fleet index answers the question, once per distinct
(class, rule set) pair. An UNKNOWN verdict is not acceptance: an export says
yes only where migcompat says yes.

The exports built on this table are therefore necessary and sufficient for
the classes it knows, and silent about any other: a source of a class not
seen at export time needs a new export or an online ``migcompat match``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from ..capture import CaptureError, load, loads
from ..emit import emit
from ..fleet.classes import class_id
from ..fleet.index import FleetIndex
from ..fleet.inventory import STDIN_NAME, Inventory, InventoryFinding, Provider
from ..model import MigrationVersion
from ..verdict import Answer
from .errors import ExportError

__all__ = [
    "SCOPE_NOTE",
    "ExportTable",
    "KnownClass",
    "build_table",
    "check_inventory",
    "provider_key",
]

SCOPE_NOTE: Final = (
    "Necessary and sufficient for the source classes known at export time (listed here): a provider carries "
    "the accepts mark of a class exactly when migcompat check says it accepts that class. A source of a class "
    "not listed here needs a new export, or an online 'migcompat match'."
)
"""The sentence every export document carries about what it is."""


def provider_key(provider: Provider) -> str:
    """The stable name of *provider* in export documents and operator maps: ``HOST:PATH``."""
    return provider.where


@dataclass(frozen=True)
class KnownClass:
    """A source class known at export time: its identifier, canonical text and model."""

    id: str
    text: str
    version: MigrationVersion


@dataclass(frozen=True)
class ExportTable:
    """The known classes and, per provider (in inventory order), what it is and which classes it accepts.

    ``is_class[i]`` is the class of provider *i* when it is a device (None for
    a type); ``accepts[i]`` is the set of class identifiers provider *i* accepts.
    """

    classes: tuple[KnownClass, ...]
    providers: tuple[Provider, ...]
    is_class: tuple[str | None, ...]
    accepts: tuple[frozenset[str], ...]

    def accepting(self, class_id: str) -> list[Provider]:
        """The providers that accept the class *class_id*, in inventory order."""
        return [p for p, accepted in zip(self.providers, self.accepts, strict=True) if class_id in accepted]

    def known(self, class_id: str) -> KnownClass | None:
        """The known class *class_id*, or None when the export did not see it."""
        for known in self.classes:
            if known.id == class_id:
                return known
        return None


def check_inventory(inventory: Inventory, *, stdin: bytes | None = None) -> None:
    """Raise :class:`~migcompat.exports.errors.ExportError` unless each host of *inventory* is one named capture.

    An export writes per host name: a Kubernetes node, the resource provider
    names ``{host}_...``. Two captures that name one host (a current and a
    year-old capture of a node, side by side in a directory) would be merged
    into one node, whose labels would then be the union of both; a capture
    whose host is empty (``migcompat capture --sysfs COPY`` without
    ``--host``) names no node at all. So:

    * a capture with an empty host name, among the captures a provider or a
      finding comes from, is ``export-invalid-name``, naming the file (both
      files when two have it): capture again with ``--host NAME``; *where*
      is the file. *stdin* is the text of the capture read as ``-``, used only
      to tell which file it is;
    * two captures naming the same host (the inventory's ``duplicate-host``
      finding) is ``export-collision``, naming the host and both files, and
      how many other hosts have the same problem; *where* is the host.
    """
    duplicates = [finding for finding in inventory.findings if finding.code == "duplicate-host"]
    empty_duplicate = next((finding for finding in duplicates if finding.host == ""), None)
    if empty_duplicate is not None:
        first = _first_file(empty_duplicate, inventory.files, stdin)
        _refuse_empty_host([name for name in (first, empty_duplicate.path) if name is not None])
    if any(provider.host == "" for provider in inventory.providers) or any(
        finding.host == "" and finding.code != "not-a-capture" for finding in inventory.findings
    ):
        _refuse_empty_host(_files_without_host(inventory.files, stdin))
    if duplicates:
        duplicate = duplicates[0]
        first = _first_file(duplicate, inventory.files, stdin)
        both = f"{first} and {duplicate.path}" if first is not None else f"{duplicate.path} and another capture"
        hosts = len({finding.host for finding in duplicates}) - 1
        more = f" ({hosts} other {'host' if hosts == 1 else 'hosts'} too)" if hosts else ""
        raise ExportError(
            "export-collision",
            f"host {duplicate.host!r} is in two captures, {both}{more}: an export writes one node, and its resource"
            " providers, per host name, so their devices would be merged; keep only the current capture of each host",
            where=duplicate.host,
        )


def _host_of(name: str, stdin: bytes | None) -> str | None:
    """The host name the capture *name* records, read again; None when it cannot be read."""
    try:
        return (loads(stdin, STDIN_NAME) if name == STDIN_NAME and stdin is not None else load(name)).host
    except CaptureError:
        return None


def _first_file(finding: InventoryFinding, files: Sequence[str], stdin: bytes | None) -> str | None:
    """The capture read before the one a ``duplicate-host`` finding names that records the same host, or None.

    The captures its message names are tried first; each is read again to
    be sure (this runs only when an export is refused).
    """
    earlier = list(files[: files.index(finding.path)] if finding.path in files else files)
    named = [name for name in earlier if name in finding.message]
    for name in [*named, *(name for name in earlier if name not in named)]:
        if _host_of(name, stdin) == finding.host:
            return name
    return None


def _files_without_host(files: Sequence[str], stdin: bytes | None) -> list[str]:
    """The first two captures among *files* whose host name is empty (read again: only when an export is refused)."""
    found: list[str] = []
    for name in files:
        if _host_of(name, stdin) == "":
            found.append(name)
            if len(found) == 2:
                break
    return found


def _refuse_empty_host(files: Sequence[str]) -> None:
    named = " and ".join(files) if files else "a capture of the inventory"
    raise ExportError(
        "export-invalid-name",
        f"{named} {'record' if len(files) > 1 else 'records'} no host name (an empty 'host'): an export names nodes"
        " and resource providers after the host; capture again with 'migcompat capture --host NAME'",
        where=files[0] if files else "",
    )


def build_table(providers: Sequence[Provider], extra_sources: Iterable[MigrationVersion] = ()) -> ExportTable:
    """The export table of *providers*, with the classes of their devices and of *extra_sources*.

    A source given in *extra_sources* must be a device description (no
    ``param`` lines); a type template is not a source and is left out.
    """
    by_id: dict[str, KnownClass] = {}
    candidates = [p.version for p in providers if p.kind == "device"]
    candidates.extend(extra_sources)
    for version in candidates:
        if version.params:
            continue
        ident = class_id(version)
        if ident not in by_id:
            by_id[ident] = KnownClass(ident, emit(version), version)
    classes = tuple(sorted(by_id.values(), key=lambda known: known.id))
    position = {id(p): i for i, p in enumerate(providers)}
    accepts: list[set[str]] = [set() for _ in providers]
    index = FleetIndex.build(providers)
    for known in classes:
        for provider, verdict in index.accepting(known.version):
            if verdict.answer is Answer.COMPATIBLE:
                accepts[position[id(provider)]].add(known.id)
    is_class = tuple(class_id(p.version) if p.kind == "device" and not p.version.params else None for p in providers)
    return ExportTable(classes, tuple(providers), is_class, tuple(frozenset(a) for a in accepts))
