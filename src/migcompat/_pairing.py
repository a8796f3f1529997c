"""Pairing an old side's items with a new side's, one to one, by keys tried in turn.

``migcompat diff`` pairs the targets of two inventories, and the conformance
suite's upgrade check the copies of one identity, the same way: for each key
in turn, every old item not yet paired takes the first new item not yet
taken whose key is its own. Each candidate list is a queue and a taken item
leaves every queue for good, so the whole costs time linear in the items
times the keys.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

__all__ = ["pair_in_turn"]

_Old = TypeVar("_Old")
_New = TypeVar("_New")


def pair_in_turn(
    old: Sequence[_Old],
    new: Sequence[_New],
    keys: Sequence[tuple[Callable[[_Old], Hashable | None], Callable[[_New], Hashable | None]]],
) -> tuple[dict[int, _New], set[int]]:
    """The new item paired with each old one (by its position in *old*), and the ``id`` of every new item taken.

    *keys* are (old key, new key) functions, tried in order: all the old
    items are matched by one key before the next is tried. A key of None
    matches nothing. Within a key, old items take their partners in their
    order, and new items are taken in theirs.
    """
    found: dict[int, _New] = {}
    used: set[int] = set()
    for old_key, new_key in keys:
        queues: dict[Hashable, deque[_New]] = {}
        for candidate in new:
            if id(candidate) not in used and (key := new_key(candidate)) is not None:
                queues.setdefault(key, deque()).append(candidate)
        for position, item in enumerate(old):
            if position in found or (key := old_key(item)) is None:
                continue
            queue = queues.get(key)
            if queue:
                partner = queue.popleft()  # each item is in one queue of this key, and leaves it when taken
                found[position] = partner
                used.add(id(partner))
    return found, used
