"""The conformance matrix decided the slow way, for tests that hold the index to it."""

from __future__ import annotations

from migcompat.compare import accepts
from migcompat.conformance.matrix_checks import CompactMatrix
from migcompat.verdict import Answer


def brute_pairs(relation: CompactMatrix, classes: int) -> set[tuple[int, int]]:
    """Every (source class, target class) pair of *relation* whose verdict is compatible, deciding all pairs."""
    found = set()
    for source in range(classes):
        version = relation.parts(source)[0]
        for target in range(classes):
            _, rules, own = relation.parts(target)
            if accepts(version, rules, own) is Answer.COMPATIBLE:
                found.add((source, target))
    return found
