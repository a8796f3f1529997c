"""What every export says: the source classes known at export time, and which providers accept each.

A *class* is a set of device descriptions that the rules of the exported
providers cannot tell apart: descriptions whose projection
(:func:`migcompat.semantics.rules.project`) onto the keys those rules
constrain (:func:`migcompat.semantics.rules.constrained_keys`, the *keys*
of the :class:`ExportTable`) is byte-equal. A rule ignores a non-critical field
it does not constrain (clauses 8.1, 8.2), so every provider of the export
gives every member of a class the same answer; a critical field is never
left out. The class is named by :func:`migcompat.fleet.classes.class_id` of
the projected description (:func:`~migcompat.fleet.classes.export_class`),
so hosts that differ only in a per-host value no rule reads
(``~fw_version``) share one class, one label and one trait; a description with nothing to leave out keeps the id
of its whole text. The classes known at export time are those of the
inventory's devices (the sources that exist) and of any extra sources the
operator names. For each class and each provider (a device, or a device type
a device can be created from), the provider *accepts* the class exactly when
:func:`migcompat.compare.check` answers COMPATIBLE for its members: the fleet
index answers the question, once per distinct (class, rule set) pair. An
UNKNOWN verdict is not acceptance: an export says yes only where migcompat
says yes.

The exports built on this table are therefore necessary and sufficient for
the classes it knows, and silent about any other: a source of a class not
seen at export time needs a new export or an online ``migcompat match``.
When a rule starts to constrain a key (a driver update), the classes split
at the next export: the ids change with the key set.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from ..display import plural
from ..emit import emit
from ..fleet.classes import export_class
from ..fleet.index import FleetIndex
from ..fleet.inventory import (
    BarePlacement,
    FleetError,
    Inventory,
    InventoryFinding,
    Provider,
    invalid_capture_reason,
)
from ..model import MigrationVersion
from ..semantics.rules import constrained_keys
from .errors import SPLIT_THE_FLEET, ExportError

__all__ = [
    "MAX_ACCEPTED",
    "MAX_PAIRS",
    "SCOPE_NOTE",
    "ExportTable",
    "KnownClass",
    "Undecided",
    "build_table",
    "check_inventory",
    "incomplete_findings",
    "provider_key",
    "template_problem",
    "undecided_hosts",
    "undecided_placements",
]

SCOPE_NOTE: Final = (
    "Necessary and sufficient for the source classes known at export time (listed here): a provider carries "
    "the accepts mark of a class exactly when migcompat check says it accepts that class. A source of a class "
    "not listed here needs a new export, or an online 'migcompat match'."
)
"""The sentence every export document carries about what it is."""


def template_problem(template: str, fields: Sequence[str]) -> str | None:
    """Why *template* is not a name template over *fields*, or None when it is one.

    A template is text with plain ``{field}`` replacement fields, each field
    one of *fields*, and ``{{``, ``}}`` for literal braces: no attribute,
    index, conversion or format specification (``{host.x}``, ``{host[0]}``,
    ``{host!r}``, ``{host:>9}``), which would not make a name. The empty
    template is refused too.
    """
    if not template:
        return "is empty"
    try:
        parsed = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(template)]
    except ValueError as exc:
        return f"is not a format template: {exc}"
    for name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in fields or spec or conversion is not None:
            text = (
                "{" + name + (f"!{conversion}" if conversion is not None else "") + (f":{spec}" if spec else "") + "}"
            )
            return f"has the field {text}: only {', '.join('{' + known + '}' for known in fields)} may be used"
    return None


def provider_key(provider: Provider | Undecided | BarePlacement) -> str:
    """The stable name of *provider* in export documents and operator maps: ``HOST:PATH``."""
    return provider.where


_SKIPPED: Final = frozenset({"missing-attribute", "invalid-attribute"})
"""The inventory's finding codes of a placement left out because what it accepts could not be decided."""


@dataclass(frozen=True)
class Undecided:
    """A placement of the inventory that is not a provider because what it accepts could not be decided.

    Its migration attributes are missing, invalid or were unreadable when
    its host was captured: a :class:`~migcompat.fleet.inventory.PartialPlacement`
    with attributes it could not read. *kind*, *ident* and *path* are the
    placement's, as for a :class:`~migcompat.fleet.inventory.Provider`. An
    export gives it no "accepts" mark (and clears any an earlier export gave it).
    """

    host: str
    path: str
    kind: str
    ident: str

    @property
    def where(self) -> str:
        """``host:path``, as a provider is named."""
        return f"{self.host}:{self.path}"


def undecided_placements(inventory: Inventory) -> list[Undecided]:
    """The placements of *inventory* left out because what they accept could not be decided, in order, each once."""
    found = [Undecided(p.host, p.path, p.kind, p.ident) for p in inventory.partial if p.unread]
    return list(dict.fromkeys(found))


def _placement_path(finding: InventoryFinding) -> str:
    """The placement a finding of :data:`_SKIPPED` is about (an ``invalid-attribute`` finding names the file)."""
    return finding.path.rpartition("/")[0] if finding.code == "invalid-attribute" else finding.path


def undecided_hosts(inventory: Inventory) -> list[str]:
    """The hosts of *inventory* where something could not be decided, sorted.

    A placement left out (:func:`undecided_placements`), or a fault its
    capture recorded where a target may be (*hides_targets* of
    :class:`~migcompat.fleet.inventory.InventoryFinding`).
    """
    return sorted({finding.host for finding in inventory.findings if finding.code in _SKIPPED or finding.hides_targets})


def incomplete_findings(
    inventory: Inventory, enabled: Callable[[str, str], bool] | None = None
) -> list[InventoryFinding]:
    """The findings of *inventory* that keep an export from being whole, in order: what ``--strict`` refuses.

    Every finding that may hide a target (*hides_targets* of
    :class:`~migcompat.fleet.inventory.InventoryFinding`: a
    placement left out because what it accepts could not be decided, a
    fault its capture recorded where a target may be, a file of a directory
    that is not a valid capture), except a placement left out that is a
    device type *enabled* (``enabled(host, type)``) says the export does not
    keep: its traits and labels would not be written anyway.
    """
    dropped = set()
    if enabled is not None:
        undecided = undecided_placements(inventory)
        dropped = {(u.host, u.path) for u in undecided if u.kind == "type" and not enabled(u.host, u.ident)}

    def kept(finding: InventoryFinding) -> bool:
        if finding.code not in _SKIPPED or finding.capture:
            return True
        return (finding.host, _placement_path(finding)) not in dropped

    return [finding for finding in inventory.findings if finding.hides_targets and kept(finding)]


@dataclass(frozen=True)
class KnownClass:
    """A source class known at export time: its identifier, canonical text and model.

    *version* is the class's description (:func:`~migcompat.fleet.classes.export_class`: projected
    onto the keys the export's rules constrain), *text* its canonical text,
    *id* :func:`~migcompat.fleet.classes.class_id` of it.
    """

    id: str
    text: str
    version: MigrationVersion


@dataclass(frozen=True)
class ExportTable:
    """The known classes and, per provider (in inventory order), what it is and which classes it accepts.

    ``is_class[i]`` is the class of provider *i* when it is a device (None for
    a type); ``accepts[i]`` is the set of class identifiers provider *i* accepts.
    *keys* are the keys the providers' rules constrain, onto which every
    source description is projected to find its class (:func:`~migcompat.fleet.classes.export_class`).
    *held* lists, as (host, class identifier), the devices kept only as
    sources (``Provider.target`` False): their hosts have a device of that
    class, though the device accepts nothing the export could decide.
    """

    classes: tuple[KnownClass, ...]
    providers: tuple[Provider, ...]
    is_class: tuple[str | None, ...]
    accepts: tuple[frozenset[str], ...]
    keys: frozenset[str] = frozenset()
    held: tuple[tuple[str, str], ...] = ()

    def class_of(self, version: MigrationVersion) -> str:
        """The identifier of the class of the description *version* in this export (known to it or not)."""
        return export_class(version, self.keys)[0]

    def accepting(self, class_id: str) -> list[Provider]:
        """The providers that accept the class *class_id*, in inventory order."""
        return [p for p, accepted in zip(self.providers, self.accepts, strict=True) if class_id in accepted]

    def known(self, class_id: str) -> KnownClass | None:
        """The known class *class_id*, or None when the export did not see it."""
        for known in self.classes:
            if known.id == class_id:
                return known
        return None


def check_inventory(inventory: Inventory) -> None:
    """Raise :class:`~migcompat.exports.errors.ExportError` unless each host of *inventory* is one named capture.

    An export writes per host name: a Kubernetes node, the resource provider
    names ``{host}_...``. Two captures that name one host (a current and a
    year-old capture of a node, side by side in a directory) would be merged
    into one node, whose labels would then be the union of both; a capture
    whose host is empty (``migcompat capture --sysfs COPY`` without
    ``--host``) names no node at all. So:

    * a capture with an empty host name is ``export-invalid-name``, naming
      the file (the first two files when several have it): capture again
      with ``--host NAME``; *where* is the file;
    * two captures naming the same host is ``export-collision``, naming the
      host and both files, and how many other hosts have the same problem;
      *where* is the host;
    * a file of an inventory directory that is not a valid capture (its
      ``invalid-capture`` finding: truncated in transfer, say) raises
      :class:`~migcompat.fleet.inventory.FleetError` ``capture-invalid``, as
      that file named alone would: the host it holds is not known, so its
      node and providers would be left out of the export, and what an
      earlier export gave them (labels, traits) would stay in force; *where*
      is the file. ``--strict`` is not needed to refuse it: an export can
      mark only what was decided for a host it knows, not for one it lost.

    The files and their hosts are the inventory's
    :attr:`~migcompat.fleet.inventory.Inventory.file_hosts`.
    """
    nameless = [name for name, host in inventory.file_hosts if host == ""]
    if nameless:
        _refuse_empty_host(nameless[:2])
    by_host: dict[str, list[str]] = {}
    for name, host in inventory.file_hosts:
        by_host.setdefault(host, []).append(name)
    shared = {host: names for host, names in by_host.items() if len(names) > 1}
    if shared:
        host, names = next(iter(shared.items()))
        others = len(shared) - 1
        more = f" ({plural(others, 'other host')} too)" if others else ""
        raise ExportError(
            "export-collision",
            f"host {host!r} is in two captures, {names[0]} and {names[1]}{more}: an export writes one node, and its"
            " resource providers, per host name, so their devices would be merged; keep only the current capture"
            " of each host",
            where=host,
        )
    lost = [finding for finding in inventory.findings if finding.code == "invalid-capture"]
    if lost:
        too = f" ({plural(len(lost) - 1, 'other file')} too)" if len(lost) > 1 else ""
        reason = invalid_capture_reason(lost[0])
        if reason.startswith("cannot read the directory "):  # a part of an inventory directory that cannot be listed
            what, fix = "hosts it holds", "make it readable, or name the inventory's other parts instead"
        else:
            what, fix = "host it holds", "capture it again, or remove the file from the inventory"
        raise FleetError(
            "capture-invalid",
            f"{reason}{too}: the {what} would be missing from the export, and the labels and traits an earlier"
            f" export gave {'them' if what.startswith('hosts') else 'that host'} would stay in force; {fix}",
            where=lost[0].path,
        )


def _refuse_empty_host(files: Sequence[str]) -> None:
    raise ExportError(
        "export-invalid-name",
        f"{' and '.join(files)} {'record' if len(files) > 1 else 'records'} no host name (an empty 'host'): an export"
        " names nodes and resource providers after the host; capture again with 'migcompat capture --host NAME'",
        where=files[0],
    )


MAX_ACCEPTED: Final = 1_000_000
"""At most this many accepted classes are listed in an export's distinct sets of accepted classes.

The count is over the distinct sets (a set shared by many providers counts
once): what an export's mapping lists in ``accept_sets``. 1,000,000 class
numbers are 5 MB or more of mapping; a fleet where every host accepts its
own large set of classes (every host's rules differ) passes it, and is
refused as soon as it does, before the whole table is built.
"""

MAX_CHECKS: Final = 5_000_000
"""At most this many work units of (class, unit) pairs are decided for an export: 20 times the matrix's bound on
cells.

A unit is a group of providers that every source judges alike
(:attr:`~migcompat.fleet.index.FleetIndex.units`); the pairs counted are
those the index cannot rule out, counted before any is decided, each at its
cost (:meth:`~migcompat.fleet.index.FleetIndex.candidate_cost`: one for a
device, one more per 16 keys its rules constrain, and for a device type that
times one more than its ``param`` lines, as it is decided per parameter). 600 hosts with the same rules are a few
units; 3,000 hosts whose rules each hold a per-host constant are 3,000, and
3,000 classes against them are 9,000,000 pairs, refused.
"""

MAX_PAIRS: Final = 2_000_000
"""At most this many (provider, accepted class) pairs in an export: what its labels or traits are made of.

:data:`MAX_ACCEPTED` counts a set of classes shared by many providers
once, as the mapping lists it; the labels of every node and the traits of
every resource provider repeat it for each. 800 hosts of 4 devices that
accept each other's classes (each device its own class) are 10,240,000
pairs, gigabytes of labels: refused. 2,000,000 pairs are some hundred MB
of table and output.
"""

_CHUNK: Final = 128
"""The classes decided at a time by :func:`build_table`, between two checks of the bounds on what it lists."""


def build_table(
    providers: Sequence[Provider],
    extra_sources: Iterable[MigrationVersion] = (),
    *,
    sources_only: Sequence[Provider] = (),
    max_accepted: int | None = None,
    max_checks: int | None = None,
    max_pairs: int | None = None,
) -> ExportTable:
    """The export table of *providers*, with the classes of their devices, of *sources_only* and of *extra_sources*.

    The table's keys are those the rules of *providers* constrain
    (:func:`~migcompat.semantics.rules.constrained_keys`), and each class is
    a description projected onto them (:func:`~migcompat.fleet.classes.export_class`): descriptions
    that differ only in non-critical fields no rule of *providers* reads are
    one class, which every provider accepts or does not as it does each of
    them. A source given in *extra_sources* (a device kept only as a source,
    a ``--source`` file) must be a device description (no ``param`` lines); a
    type template is not a source and is left out. *sources_only* are the
    devices an inventory keeps only as sources (``Provider.target`` False):
    their classes are known and listed in the table's *held*, and they
    are not providers of the table.

    The work is bounded before and while it is done. The (class, unit) pairs
    to decide are counted first: beyond *max_checks* (``MAX_CHECKS`` if
    None) a :class:`~migcompat.fleet.inventory.FleetError` ``too-complex`` is
    raised before any is decided. The classes are then decided 128 at a
    time; after each batch, the sizes of the distinct sets of classes
    accepted so far are summed, and beyond *max_accepted*
    (:data:`MAX_ACCEPTED` if None) ``too-complex`` is raised too, as it is
    when the (provider, accepted class) pairs so far pass *max_pairs*
    (:data:`MAX_PAIRS` if None): the work done, and what an export writes,
    are bounded by the bounds, not by the fleet.
    """
    if max_accepted is None:
        max_accepted = MAX_ACCEPTED
    if max_pairs is None:
        max_pairs = MAX_PAIRS
    keys = constrained_keys(p.rules for p in providers)
    by_id: dict[str, KnownClass] = {}
    own: dict[MigrationVersion, str] = {}  # each distinct description projected once
    candidates = [p.version for p in providers if p.kind == "device"]
    candidates.extend(p.version for p in sources_only if not p.version.params)
    candidates.extend(extra_sources)
    for version in candidates:
        if version.params or version in own:
            continue
        ident, projected = export_class(version, keys)
        own[version] = ident
        if ident not in by_id:
            by_id[ident] = KnownClass(ident, emit(projected), projected)
    classes = tuple(sorted(by_id.values(), key=lambda known: known.id))
    position = {id(p): i for i, p in enumerate(providers)}
    found: list[list[int]] = [[] for _ in providers]
    index = FleetIndex.build(providers)
    if max_checks is None:
        max_checks = MAX_CHECKS
    checks = 0
    for number, known in enumerate(classes, start=1):
        checks += index.candidate_cost(known.version)
        if checks > max_checks:
            raise FleetError(
                "too-complex",
                f"the export would cost more than {max_checks} work units to decide pairs of a class and a group"
                f" of providers ({checks} for the first {number} of its {len(classes)} classes, against"
                f" {index.units} groups of {len(providers)} providers; a verdict costs one more per 16 keys its"
                f" rules constrain, and a device type's one more per param line); {SPLIT_THE_FLEET}",
                where="",
            )
    pairs = 0
    for start in range(0, len(classes), _CHUNK):
        batch = [known.version for known in classes[start : start + _CHUNK]]
        for provider, accepted in index.accepted_sources(batch):
            if accepted:
                found[position[id(provider)]].extend(start + number for number in accepted)
                pairs += len(accepted)
        if pairs > max_pairs:
            raise FleetError(
                "too-complex",
                f"the export would give more than {max_pairs} pairs of a provider and a class it accepts ({pairs}"
                f" after {min(start + _CHUNK, len(classes))} of its {len(classes)} classes, for {len(providers)}"
                f" providers), the bound on the labels and traits it writes; {SPLIT_THE_FLEET}",
                where="",
            )
        listed = sum(len(numbers) for numbers in {tuple(numbers) for numbers in found})
        if listed > max_accepted:
            raise FleetError(
                "too-complex",
                f"the export would list more than {max_accepted} accepted classes in its distinct sets of accepted"
                f" classes ({listed} after {min(start + _CHUNK, len(classes))} of its {len(classes)} classes, for"
                f" {len(providers)} providers), the bound on the size of its mapping; {SPLIT_THE_FLEET}",
                where="",
            )
    accepts = [frozenset(classes[number].id for number in numbers) for numbers in found]
    is_class = tuple(own[p.version] if p.kind == "device" and not p.version.params else None for p in providers)
    held = tuple((p.host, own[p.version]) for p in sources_only if not p.version.params)
    return ExportTable(classes, tuple(providers), is_class, tuple(accepts), keys, held)
