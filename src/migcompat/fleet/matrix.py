"""Which class of device can migrate to which: the fleet's compatibility matrix.

Rows are the source classes (:class:`~.classes.SourceClass`: device instances
with equal descriptions), columns the target classes
(:class:`~.classes.TargetClass`: devices and types with equal descriptions
and rules), both sorted by driver and version so that a driver's classes sit
together. A cell is :func:`~migcompat.compare.check`'s verdict for its pair,
reasons included: each distinct pair is evaluated once, whatever the number of
hosts that hold it.

The matrix has rows x columns cells; :data:`MAX_CELLS` bounds it (a larger
one is refused with a :class:`~.inventory.FleetError` of code ``too-complex``:
``migcompat match`` answers one source against any fleet).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from ..compare import check
from ..emit import emit
from ..verdict import Answer, Grade, Verdict
from .classes import SourceClass, TargetClass, source_classes, target_classes
from .inventory import FleetError, Provider

__all__ = ["MAX_CELLS", "Matrix", "build_matrix", "cell_meaning", "cell_symbol"]

MAX_CELLS: Final = 250_000
"""At most this many cells (source classes x target classes) are computed: 500 x 500."""


@dataclass(frozen=True)
class Matrix:
    """The verdict of every (source class, target class) pair: ``cells[row][column]``."""

    sources: tuple[SourceClass, ...]
    targets: tuple[TargetClass, ...]
    cells: tuple[tuple[Verdict, ...], ...]

    def counts(self) -> dict[str, int]:
        """How many cells have each symbol's meaning: identical, accepted, incompatible, unknown."""
        found = {"identical": 0, "accepted": 0, "incompatible": 0, "unknown": 0}
        for row in self.cells:
            for verdict in row:
                found[cell_meaning(verdict)] += 1
        return found

    def to_json(self) -> dict[str, object]:
        """The matrix as a JSON-ready dict: the classes and, per cell, its verdict (verdict.schema.json)."""
        return {
            "sources": [
                {
                    "id": item.id,
                    "label": f"S{number}",
                    "driver": item.group[0],
                    "version": item.group[1],
                    "migration_version": emit(item.version).rstrip("\n"),
                    "members": [provider.where for provider in item.members],
                }
                for number, item in enumerate(self.sources, start=1)
            ],
            "targets": [
                {
                    "id": item.id,
                    "label": f"T{number}",
                    "kind": item.kind,
                    "driver": item.group[0],
                    "version": item.group[1],
                    "migration_version": emit(item.version).rstrip("\n"),
                    "members": [provider.where for provider in item.members],
                }
                for number, item in enumerate(self.targets, start=1)
            ],
            "cells": [
                {"source": f"S{row + 1}", "target": f"T{column + 1}", **verdict.to_json()}
                for row, verdicts in enumerate(self.cells)
                for column, verdict in enumerate(verdicts)
            ],
            "counts": self.counts(),
        }


def cell_meaning(verdict: Verdict) -> str:
    """``identical``, ``accepted``, ``incompatible`` or ``unknown``."""
    if verdict.answer is Answer.COMPATIBLE:
        return "identical" if verdict.grade is Grade.IDENTICAL else "accepted"
    return str(verdict.answer.value)


_SYMBOLS: Final = {"identical": "=", "accepted": "+", "incompatible": ".", "unknown": "?"}


def cell_symbol(verdict: Verdict) -> str:
    """One ASCII character for a cell: ``=`` identical, ``+`` accepted, ``.`` incompatible, ``?`` unknown."""
    return _SYMBOLS[cell_meaning(verdict)]


def build_matrix(providers: Sequence[Provider], *, max_cells: int | None = None) -> Matrix:
    """The matrix of *providers*' source classes against their target classes.

    Raises :class:`~.inventory.FleetError` (``too-complex``) beyond *max_cells* pairs (:data:`MAX_CELLS` if None).
    """
    if max_cells is None:
        max_cells = MAX_CELLS
    sources = source_classes(providers)
    targets = target_classes(providers)
    size = len(sources) * len(targets)
    if size > max_cells:
        raise FleetError(
            "too-complex",
            f"the fleet has {len(sources)} source classes and {len(targets)} target classes, {size} pairs;"
            f" the matrix shows at most {max_cells} (use 'migcompat match' for one source, or fewer captures)",
            where="",
        )
    columns: list[list[Verdict]] = []
    for target in targets:  # one target's rules compiled once, for every source (compare.compiled's cache)
        columns.append([check(source.version, target.rules, target.version) for source in sources])
    cells = tuple(tuple(column[row] for column in columns) for row in range(len(sources)))
    return Matrix(sources, targets, cells)
