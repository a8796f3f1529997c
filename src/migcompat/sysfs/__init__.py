"""Reading sysfs: the placements of clause 10, read-only, bounded and fault-tolerant.

:func:`~migcompat.sysfs.reader.read_tree` walks a root;
:mod:`migcompat.sysfs.model` holds what it returns. See
:mod:`migcompat.capture` for a whole host with its metadata, saved as JSON.
"""

from __future__ import annotations

from .model import (
    COMPATIBLE,
    FINDING_CODES,
    MIGRATION_ATTRIBUTES,
    VERSION,
    Attr,
    Finding,
    HostData,
    Placement,
    PlacementKind,
)
from .reader import MAX_LINKS, PATH_MAX, READ_LIMIT, is_sysfs, is_vfio_driver, read_attribute, read_tree

__all__ = [
    "COMPATIBLE",
    "FINDING_CODES",
    "MAX_LINKS",
    "MIGRATION_ATTRIBUTES",
    "PATH_MAX",
    "READ_LIMIT",
    "VERSION",
    "Attr",
    "Finding",
    "HostData",
    "Placement",
    "PlacementKind",
    "is_sysfs",
    "is_vfio_driver",
    "read_attribute",
    "read_tree",
]
