"""The library's process-wide caches, and the one call that empties them all.

A module that keeps something between calls (compiled rule sets, parsed
items, per-constraint answers) registers how to forget it when it is
imported (:func:`register`); :func:`clear_all` forgets everything. A module
that was never imported holds nothing, so it has nothing to register.
Every cache is bounded by its number of entries; what each may hold is in
the integrator guide ("Memory").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeVar

__all__ = ["clear_all", "register", "register_lru"]

_CLEARERS: Final[list[Callable[[], None]]] = []

_F = TypeVar("_F", bound=Callable[[], None])
_L = TypeVar("_L", bound=Callable[..., object])


def register(clear: _F) -> _F:
    """Call *clear* (a cache's ``cache_clear``, or a function that empties a module's dicts) in :func:`clear_all`."""
    _CLEARERS.append(clear)
    return clear


def register_lru(function: _L) -> _L:
    """Register a :func:`functools.lru_cache` function's ``cache_clear``; return the function (a decorator)."""
    register(function.cache_clear)  # type: ignore[attr-defined]
    return function


def clear_all() -> None:
    """Empty every registered cache. Safe at any time, from any thread: a cache emptied while in use is refilled."""
    for clear in tuple(_CLEARERS):
        clear()
