"""The standard key registry of specification clause 11.

Undotted keys are standard: their type, whether they are written critical or
ignorable (``~``), and their default are fixed here. Dotted keys
(``vendor.key``) belong to vendors and have no registry entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

from .model import Value, ValueType

__all__ = ["STANDARD_KEYS", "Form", "StandardKey", "registry_default"]

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
