"""The standard key registry of specification clause 11.

Undotted keys are standard: their type, whether they are written critical or
ignorable (``~``), and their default are fixed here. Dotted keys
(``vendor.key``) belong to vendors and have no registry entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from .model import Value, ValueType

__all__ = ["STANDARD_KEYS", "StandardKey", "registry_default"]


@dataclass(frozen=True)
class StandardKey:
    """One registry entry: the value type, the written form, the default, and the meaning."""

    type: ValueType
    critical: bool
    meaning: str
    default: Value | None = None
    since: str = "1.0"


STANDARD_KEYS: Final[Mapping[str, StandardKey]] = MappingProxyType(
    {
        "aggregate": StandardKey(
            "integer", True, "creation-time aggregation count: how many units of the type the device holds", 1
        ),
        "device_api": StandardKey("token", True, "the VFIO device API: vfio-pci, vfio-ccw, vfio-ap or vfio-platform"),
        "driver": StandardKey("token", True, "the kernel driver that produces the migration stream"),
        "features": StandardKey("set", True, "capabilities the device uses that shape its stream (R12)", frozenset()),
        "legacy": StandardKey("token", True, "an opaque pre-migcompat migration_version, compared for equality"),
        "name": StandardKey("token", False, "the human name of the device type, %XX-escaped"),
        "pci_id": StandardKey("token", True, "PCI vendor:device the guest sees, lower-case hex (8086:591d)"),
        "pci_subsystem": StandardKey("token", True, "PCI subsystem vendor:device, lower-case hex"),
        "share": StandardKey("ratio", True, "the fraction of the parent device the device holds (R10)"),
        "stream": StandardKey("token", True, "the migration stream format family"),
        "stream_version": StandardKey("version", True, "the version of the migration stream format"),
        "type": StandardKey("token", True, "the mdev type id, <parent driver>-<group name>"),
    }
)
"""Every standard key of spec version 1.0, by key."""


def registry_default(key: str) -> Value | None:
    """The registry default of *key* (clause 5.7), or None when it has none."""
    entry = STANDARD_KEYS.get(key)
    return None if entry is None else entry.default
