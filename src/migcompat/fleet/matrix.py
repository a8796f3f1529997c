"""Which class of device can migrate to which: the fleet's compatibility matrix.

Rows are groups of source classes (:class:`~.classes.SourceGroup`: device
instances whose descriptions are equal once the non-critical fields that no
rule of the inventory reads are left out), columns groups of target classes
(:class:`~.classes.TargetGroup`: devices and types with equal rules whose
descriptions are equal in the same sense). Every target judges the members of
a row alike, and every source the members of a column (:mod:`.classes`), so
600 hosts whose devices differ only in an ignorable firmware field are one row.
A group keeps its exact classes, and their stable ids, as its members.

Rows are sorted by description (:func:`~.classes.compare_descriptions`:
driver, stream, versions compared as versions), and columns follow the rows:
a column sits at the first row it is identical to, so the identical cells run
down a diagonal; a column identical to no row sits where its description
would among the rows. Each row and column is labelled with the fields that
tell it apart from the others of its driver (:func:`~.classes.tells_apart`).

A cell is :func:`~.classes.group_verdict`'s verdict for its pair, reasons
included: the verdict of one pair of member classes, evaluated once whatever
the number of hosts that hold it.

The matrix has rows x columns cells; :data:`MAX_CELLS` bounds it (a larger
one is refused with a :class:`~.inventory.FleetError` of code ``too-complex``:
``migcompat match`` answers one source against any fleet).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from ..emit import emit
from ..semantics.templates import decision_cost
from ..verdict import Answer, Grade, Verdict
from .classes import (
    SourceGroup,
    TargetClass,
    TargetGroup,
    description_key,
    group_verdict,
    read_keys,
    source_classes,
    source_groups,
    source_index,
    target_classes,
    target_groups,
    tells_apart,
)
from .inventory import FleetError, Provider

__all__ = [
    "MAX_CELLS",
    "MAX_LISTED_INCOMPATIBLE",
    "MAX_WORK",
    "Matrix",
    "build_matrix",
    "cell_meaning",
    "cell_symbol",
    "hosts_text",
]

MAX_CELLS: Final = 250_000
"""At most this many cells (source groups x target groups) are computed: 500 x 500."""

MAX_WORK: Final = 500_000
"""At most this many work units (:func:`~migcompat.semantics.templates.decision_cost`) go into the cells: a cell
against a device costs one (one more per 16 keys its rules constrain), against a device type that times one more
than its ``param`` lines, so 500 x 500 cells of devices pass, and 50 x 50 of types of 300 param lines each
are refused, as the conformance suite's matrix stops at the same budget."""

MAX_LISTED_INCOMPATIBLE: Final = 2_000
"""At most this many incompatible cells are listed (JSON ``cells``, the HTML table of pairs); the rest are counted.

Every identical, accepted and unknown cell is listed, and the first
incompatible ones in row order up to this bound: a fleet where every host
differs has hundreds of thousands of incompatible pairs, each with its
reasons, which no one reads one by one.
"""


@dataclass(frozen=True)
class Matrix:
    """The verdict of every (source group, target group) pair: ``cells[row][column]``.

    ``pairs[row][column]`` names the member classes (source class id, target class
    id) whose verdict the cell is; *source_labels* and *target_labels* are what
    tells each row and column apart (:func:`~.classes.tells_apart`), without its
    ``S``/``T`` number: the driver, the fields, then a column's kind.
    *source_short* and *target_short* say the same for a narrow place (the
    heat map's axes): what tells a row or column apart from the others of its
    driver first (a column's kind, ``type i915-GVTg_V5_8``, then the fields),
    without the driver its driver band shares (kept when the band is that one
    row or column); empty, the full labels stand for them.
    """

    sources: tuple[SourceGroup, ...]
    targets: tuple[TargetGroup, ...]
    cells: tuple[tuple[Verdict, ...], ...]
    pairs: tuple[tuple[tuple[str, str], ...], ...]
    source_labels: tuple[str, ...]
    target_labels: tuple[str, ...]
    source_short: tuple[str, ...] = ()
    target_short: tuple[str, ...] = ()

    def short_labels(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The rows' and the columns' short labels (*source_short*, *target_short*, else the full labels)."""
        return self.source_short or self.source_labels, self.target_short or self.target_labels

    def counts(self) -> dict[str, int]:
        """How many cells have each symbol's meaning: identical, accepted, incompatible, unknown."""
        found = {"identical": 0, "accepted": 0, "incompatible": 0, "unknown": 0}
        for row in self.cells:
            for verdict in row:
                found[cell_meaning(verdict)] += 1
        return found

    def listed(self, limit: int = MAX_LISTED_INCOMPATIBLE) -> tuple[list[tuple[int, int]], int]:
        """The cells to list, as (row, column) in row order, and how many incompatible ones are left out.

        Every cell that is not incompatible, and the first *limit* incompatible
        ones (:data:`MAX_LISTED_INCOMPATIBLE`).
        """
        found: list[tuple[int, int]] = []
        incompatible = 0
        for row, verdicts in enumerate(self.cells):
            for column, verdict in enumerate(verdicts):
                if verdict.answer is Answer.INCOMPATIBLE:
                    incompatible += 1
                    if incompatible > limit:
                        continue
                found.append((row, column))
        return found, max(0, incompatible - limit)

    def class_counts(self) -> tuple[int, int]:
        """How many source classes and target classes the groups hold."""
        return sum(len(item.classes) for item in self.sources), sum(len(item.classes) for item in self.targets)

    def to_json(self, limit: int = MAX_LISTED_INCOMPATIBLE) -> dict[str, object]:
        """The matrix as a JSON-ready dict: the groups, their classes and, per cell, its verdict.

        A group's ``id``, ``migration_version`` and first ``members`` are its first class's (for a
        source class, ``id`` is its description digest); a row's ``class`` is the id the scheduler
        exports label it with (:attr:`~.classes.SourceGroup.export_id`, what ``match`` prints);
        ``description`` is the projected description that names the group, ``ignored`` the
        fields left out of it, ``classes`` every class with its id and members. A cell is a
        verdict (verdict.schema.json) with ``classes``: the member classes it is the verdict of.
        ``cells`` lists the cells of :meth:`listed` (every cell that is not incompatible, the first
        *limit* incompatible ones); ``unlisted`` counts the incompatible cells left out, and
        ``counts`` counts every cell.
        """
        listed, unlisted = self.listed(limit)
        return {
            "sources": [
                _group_json(item, f"S{number}", name)
                for number, (item, name) in enumerate(zip(self.sources, self.source_labels, strict=True), start=1)
            ],
            "targets": [
                _group_json(item, f"T{number}", name)
                for number, (item, name) in enumerate(zip(self.targets, self.target_labels, strict=True), start=1)
            ],
            "cells": [
                {
                    "source": f"S{row + 1}",
                    "target": f"T{column + 1}",
                    **self.cells[row][column].to_json(),
                    "classes": {"source": self.pairs[row][column][0], "target": self.pairs[row][column][1]},
                }
                for row, column in listed
            ],
            "unlisted": {"incompatible": unlisted},
            "counts": self.counts(),
        }


def _group_json(item: SourceGroup | TargetGroup, label: str, name: str) -> dict[str, object]:
    """A row or column of :meth:`Matrix.to_json`; a column also has its ``kind`` and ``rules``."""
    out: dict[str, object] = {"id": item.classes[0].id, "label": label, "name": name}
    if isinstance(item, TargetGroup):
        out["kind"] = item.kind
    else:
        out["class"] = item.export_id
    out["driver"], out["version"] = item.group
    out["migration_version"] = emit(item.classes[0].version).rstrip("\n")
    out["description"] = emit(item.version).rstrip("\n")
    if isinstance(item, TargetGroup):
        out["rules"] = emit(item.rules).rstrip("\n")
    out["ignored"] = list(item.ignored)
    out["members"] = [provider.where for provider in item.members]
    out["hosts"] = _hosts(item.members)
    out["classes"] = [
        {
            "id": member.id,
            **({"kind": member.kind} if isinstance(member, TargetClass) else {}),
            "migration_version": emit(member.version).rstrip("\n"),
            "members": [provider.where for provider in member.members],
        }
        for member in item.classes
    ]
    return out


def _hosts(providers: Sequence[Provider]) -> list[str]:
    """The hosts of *providers*, each once, sorted."""
    return sorted({provider.host for provider in providers})


def hosts_text(providers: Sequence[Provider], limit: int = 2) -> str:
    """``on h1, h2`` for at most *limit* hosts, else ``on N hosts``."""
    hosts = _hosts(providers)
    if len(hosts) <= limit:
        return "on " + ", ".join(host or "(empty)" for host in hosts)
    return f"on {len(hosts)} hosts"


def cell_meaning(verdict: Verdict) -> str:
    """``identical``, ``accepted``, ``incompatible`` or ``unknown``."""
    if verdict.answer is Answer.COMPATIBLE:
        return "identical" if verdict.grade is Grade.IDENTICAL else "accepted"
    return str(verdict.answer.value)


_SYMBOLS: Final = {"identical": "=", "accepted": "+", "incompatible": ".", "unknown": "?"}


def cell_symbol(verdict: Verdict) -> str:
    """One ASCII character for a cell: ``=`` identical, ``+`` accepted, ``.`` incompatible, ``?`` unknown."""
    return _SYMBOLS[cell_meaning(verdict)]


def build_matrix(
    providers: Sequence[Provider],
    *,
    max_cells: int | None = None,
    max_work: int = MAX_WORK,
    sources_only: Sequence[Provider] = (),
) -> Matrix:
    """The matrix of *providers*' source groups against their target groups (module docstring).

    *sources_only* are devices kept only as sources (``Provider.target``
    False, in ``Inventory.sources``, not in *providers*): their
    classes are rows, judged by every target, and have no column. Raises
    :class:`~.inventory.FleetError` (``too-complex``) beyond *max_cells* pairs
    (:data:`MAX_CELLS` if None), or beyond *max_work* work units, before any cell is decided.
    """
    if max_cells is None:
        max_cells = MAX_CELLS
    keys = read_keys(providers)
    source_list = source_classes([*providers, *(p for p in sources_only if p.kind == "device")])
    target_list = target_classes(providers)
    sources = sorted(
        source_groups(source_list, keys), key=lambda item: (description_key(item.version), item.classes[0].id)
    )
    targets = target_groups(target_list, keys)
    size = len(sources) * len(targets)
    if size > max_cells:
        raise FleetError(
            "too-complex",
            f"the fleet has {len(sources)} groups of source classes and {len(targets)} of target classes"
            f" ({len(source_list)} and {len(target_list)} classes), {size} pairs; the matrix shows at most"
            f" {max_cells} (use 'migcompat match' for one source, or fewer captures)",
            where="",
        )
    work = len(sources) * sum(decision_cost(target.classes[0].version, target.rules) for target in targets)
    if work > max_work:
        raise FleetError(
            "too-complex",
            f"the fleet's matrix of {len(sources)} groups of source classes and {len(targets)} of target classes"
            f" would cost {work} work units (a verdict costs one more per 16 keys its rules constrain, and against a"
            f" device type one more per param line); the matrix does at most {max_work} (use 'migcompat match' for"
            " one source, or fewer captures)",
            where="",
        )
    indexes = [source_index(source) for source in sources]
    columns = []
    for target in targets:  # one target's rules compiled once, for every source (compare.compiled's cache)
        columns.append([group_verdict(source, target, index) for source, index in zip(sources, indexes, strict=True)])
    # Columns follow the rows: at the first row they are identical to, else where their description sorts among them.
    row_keys = [description_key(source.version) for source in sources]
    placed = []
    for number, (target, column) in enumerate(zip(targets, columns, strict=True)):
        anchor = next((row for row, cell in enumerate(column) if cell.verdict.grade is Grade.IDENTICAL), None)
        own = description_key(target.version)
        place = (anchor, 1) if anchor is not None else (bisect_left(row_keys, own), 0)
        placed.append((place, own, target.kind, target.classes[0].id, number))
    order = [entry[-1] for entry in sorted(placed)]
    ordered_targets = tuple(targets[number] for number in order)
    cells = tuple(tuple(columns[number][row].verdict for number in order) for row in range(len(sources)))
    pairs = tuple(
        tuple((columns[number][row].source.id, columns[number][row].target.id) for number in order)
        for row in range(len(sources))
    )
    source_labels, source_short = _source_labels(sources)
    target_labels, target_short = _target_labels(ordered_targets)
    return Matrix(
        tuple(sources), ordered_targets, cells, pairs, source_labels, target_labels, source_short, target_short
    )


def _bands(drivers: Sequence[str]) -> dict[str, list[int]]:
    """The positions of each driver's rows (or columns)."""
    found: dict[str, list[int]] = {}
    for position, driver in enumerate(drivers):
        found.setdefault(driver, []).append(position)
    return found


def _source_labels(sources: Sequence[SourceGroup]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Each row's driver and the fields that tell it apart from the other rows of its driver; and its short label.

    The short label is the fields alone when the driver's band has other rows (the driver when it has none).
    """
    labels = [""] * len(sources)
    short = [""] * len(sources)
    for driver, positions in _bands([item.driver for item in sources]).items():
        parts = tells_apart([sources[position].version for position in positions], limit=3)
        for position, part in zip(positions, parts, strict=True):
            labels[position] = " ".join([driver or "?", *part])
            short[position] = " ".join(part) if part else labels[position]
    ids = [item.classes[0].id for item in sources]
    return _unique(labels, ids), _unique_short(short, labels, ids)


def _what(target: TargetGroup) -> str:
    names = ",".join(target.type_names)
    if target.kind == "mixed":
        return f"type {names} + device"
    return f"type {names}" if target.kind == "type" else "device"


def _target_labels(targets: Sequence[TargetGroup]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Each column's driver, the fields that tell it apart from its driver's other columns, its kind, else its hosts.

    And its short label: the kind, then those fields (and hosts), without the driver when its band has other columns.
    """
    labels = [""] * len(targets)
    short = [""] * len(targets)
    for driver, positions in _bands([item.driver for item in targets]).items():
        what = [_what(targets[position]) for position in positions]
        parts = tells_apart([targets[position].version for position in positions], 3, what)
        band = [" ".join([driver or "?", *part, kind]) for part, kind in zip(parts, what, strict=True)]
        brief = [
            " ".join([kind, *part] if len(positions) > 1 else [driver or "?", kind, *part])
            for part, kind in zip(parts, what, strict=True)
        ]
        seen = Counter(band)
        repeated = {label for label, count in seen.items() if count > 1}
        for position, label, mark in zip(positions, band, brief, strict=True):
            if label in repeated:
                hosts = " " + hosts_text(targets[position].members)
                label, mark = label + hosts, mark + hosts
            labels[position] = label
            short[position] = mark
    ids = [item.classes[0].id for item in targets]
    return _unique(labels, ids), _unique_short(short, labels, ids)


def _unique_short(short: list[str], labels: list[str], ids: Sequence[str]) -> tuple[str, ...]:
    """*short*, each whose full label :func:`_unique` makes unique with an id followed by that id (8 digits)."""
    repeated = {label for label, count in Counter(labels).items() if count > 1}
    return tuple(
        f"{mark} {ident[:8]}" if label in repeated else mark
        for mark, label, ident in zip(short, labels, ids, strict=True)
    )


def _unique(labels: list[str], ids: Sequence[str]) -> tuple[str, ...]:
    """*labels*, each one that is still not unique followed by its first class's id (8 digits)."""
    repeated = {label for label, count in Counter(labels).items() if count > 1}
    return tuple(
        f"{label} {ident[:8]}" if label in repeated else label for label, ident in zip(labels, ids, strict=True)
    )
