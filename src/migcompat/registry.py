"""The standard key registry of specification clause 11.

Undotted keys are standard: their type, whether they are written critical or
ignorable (``~``), and their default are fixed here. Dotted keys
(``vendor.key``) belong to vendors and have no registry entry.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

from .model import Value, ValueType

__all__ = ["SIMILARITY", "STANDARD_KEYS", "Form", "StandardKey", "closest_standard_key", "registry_default"]

Form = Literal["critical", "ignorable", "either"]
"""How an emitter writes a standard key: without ``~``, with it, or at its choice."""


@dataclass(frozen=True)
class StandardKey:
    """One registry entry: the value type, the written form, the default, and the meaning."""

    type: ValueType
    form: Form
    meaning: str
    default: Value | None = None
    since: str = "1.0"


STANDARD_KEYS: Final[Mapping[str, StandardKey]] = MappingProxyType(
    {
        "aggregate": StandardKey(
            "integer", "critical", "creation-time aggregation count: how many units of the type the device holds", 1
        ),
        "device_api": StandardKey(
            "token",
            "critical",
            "the VFIO device API: vfio-pci, vfio-platform, vfio-amba, vfio-ccw, vfio-ap, vfio-fsl-mc or vfio-cdx",
        ),
        "driver": StandardKey("token", "critical", "the kernel driver that produces the migration stream"),
        "features": StandardKey(
            "set", "critical", "capabilities the device uses that shape its stream (R12)", frozenset()
        ),
        "legacy": StandardKey("token", "critical", "an opaque pre-migcompat migration_version, compared for equality"),
        "name": StandardKey("token", "ignorable", "the human name of the device type, %XX-escaped"),
        "pci_id": StandardKey("token", "critical", "PCI vendor:device the guest sees, lower-case hex (8086:591d)"),
        "pci_subsystem": StandardKey("token", "either", "PCI subsystem vendor:device, lower-case hex"),
        "share": StandardKey("ratio", "critical", "the fraction of the parent device the device holds (R10)"),
        "stream": StandardKey("token", "critical", "the migration stream format family"),
        "stream_version": StandardKey("version", "critical", "the version of the migration stream format"),
        "type": StandardKey("token", "either", "the mdev type id, <parent driver>-<group name>"),
    }
)
"""Every standard key of spec version 1.0, by key."""


def registry_default(key: str) -> Value | None:
    """The registry default of *key* (clause 5.7), or None when it has none."""
    entry = STANDARD_KEYS.get(key)
    return None if entry is None else entry.default


SIMILARITY: Final = 0.75
"""How alike (the ratio of ``difflib.SequenceMatcher``, 0 to 1) a key must be to a registry key to be suggested.

High enough that ``legacy_version`` is not taken for ``stream_version``
(0.71), low enough for a dropped or doubled letter or underscore
(``drvier``, ``deviceapi``, ``stream_ver``)."""


_ALIASES: Final = MappingProxyType(
    {
        "device_id": "pci_id",
        "vendor_id": "pci_id",
        "pci_device": "pci_id",
        "subsystem_id": "pci_subsystem",
        "subsystem": "pci_subsystem",
        "subsys_id": "pci_subsystem",
        "mdev_type": "type",
    }
)
"""Names drivers use for what a registry key holds, which spelling alone would not lead to: ``device_id`` is
the ``pci_id`` (vendor:device), not the ``device_api`` it looks like."""


def closest_standard_key(key: str, written: Collection[str] = ()) -> str | None:
    """The registry key *key* was most likely meant to be (``stream_version`` for ``stream_verison``), or None.

    Only for a standard key that is not in the registry (undotted, clause
    5.2): None for a registry key, for a vendor key (dotted: its namespace
    names its own keys) and when no registry key is at least
    :data:`SIMILARITY` alike. The keys *written* (those already on the
    line) are not suggested: writing one of them again would not help. For
    messages that say "did you mean ...?".
    """
    if "." in key or key in STANDARD_KEYS:
        return None
    meant = _ALIASES.get(key)
    if meant is not None and meant not in written:
        return meant
    import difflib  # for messages only: importing migcompat does not pay for it

    candidates = [name for name in STANDARD_KEYS if name not in written]
    found = difflib.get_close_matches(key, candidates, n=1, cutoff=SIMILARITY)
    return found[0] if found else None
