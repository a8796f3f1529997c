"""The driver checks: every check ID, the spec clause it enforces and its severity, in one table.

IDs are stable: a check is never renamed or given another meaning, so vendor
CI can match on them (skip lists, dashboards). ``MC-E<n>-...`` enforce the
emitter requirements E1 to E8 of clause 12.1; ``MC-S...`` the emitter's SHOULDs;
``MC-SYSFS-...`` the reading of the tree itself (clause 10); ``MC-U...`` the
direction of driver upgrades (R6, clause 8.7); ``MC-M...`` the cross-device
compatibility matrix. A failed *required* check fails the run; a failed
*recommended* check is a warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

from ..limits import SUITE_VERSION

__all__ = ["CHECKS", "SENTENCES", "SUITE_VERSION", "Check", "Severity"]

Severity = Literal["required", "recommended"]
"""A failed ``required`` check fails the run; a failed ``recommended`` check is a warning."""


@dataclass(frozen=True)
class Check:
    """One check: *ident* (``MC-E1-PARSE``), the spec *clause* it enforces, its *severity* and what it asks."""

    ident: str
    clause: str
    severity: Severity
    title: str
    requirement: str


def _table(*checks: Check) -> Mapping[str, Check]:
    return MappingProxyType({check.ident: check for check in checks})


CHECKS: Final[Mapping[str, Check]] = _table(
    Check(
        "MC-SYSFS-READ",
        "10",
        "required",
        "migration attributes and links can be read",
        "Every migration attribute that exists, and every link the suite follows to interpret it (the mdev_bus "
        "parent, the type directory, an mdev's mdev_type), can be read: no EACCES, dangling link or link loop; an "
        "attribute a capture records as unread is a failure even without a finding for it.",
    ),
    Check(
        "MC-SYSFS-TREE",
        "10",
        "recommended",
        "the tree around the attributes reads cleanly",
        "The attributes the suite compares the migration attributes with (name, device_api, vendor, device, ...) "
        "are readable, printable ASCII and within one page, and the other links it follows (driver, physfn, "
        "virtfn, the bus device links) resolve.",
    ),
    Check(
        "MC-SYSFS-PLACEMENT",
        "10",
        "required",
        "a device's attributes are in its VFIO device directory",
        "A device instance's attributes are in its VFIO device directory, the one entry of its vfio-dev/ directory "
        "(bus/pci/devices/<BDF>/vfio-dev/vfioN/, bus/mdev/devices/<uuid>/vfio-dev/vfioN/), and not in the bus device "
        "directory itself, where specification 1.0 placed them; a device that is not a VFIO device (an mdev parent, "
        "a device bound to a driver that is not a VFIO driver) has none.",
    ),
    Check(
        "MC-E1-PARSE",
        "12.1 E1 (4, 5, 7, 9.6)",
        "required",
        "the attribute is valid",
        "A conforming parser accepts the attribute as the kind its file name says, within every limit of clause 4.4."
        " An attribute in another major format version (mcN, N other than 1) fails, with unsupported-version"
        " (9.1-M1): the attributes of clause 10 hold format mc1 and no other, and a later format goes in a second"
        " pair of attributes beside them (clause 9.6).",
    ),
    Check(
        "MC-E2-CANONICAL",
        "12.1 E2 (6.3)",
        "required",
        "the attribute is in canonical form",
        "The attribute is byte-equal to its canonical form, ending with exactly one LF.",
    ),
    Check(
        "MC-E3-REGISTRY",
        "12.1 E3 (5.2, 5.7, 11)",
        "required",
        "standard keys follow the registry",
        "Every undotted key is a registry key, written in the registry's form (critical or ~ignorable), with a "
        "value of the registry's type that meets its conditions (device_api one of the VFIO APIs; pci_id and "
        "pci_subsystem four lower-case hex digits each side; type only on mdevs); a default line gives a key with "
        "a registry default no other value (5.7).",
    ),
    Check(
        "MC-E3-REQUIRED",
        "12.1 E3 (11)",
        "required",
        "every device carries device_api and driver",
        "Every device a migration_version describes carries the fields device_api and driver.",
    ),
    Check(
        "MC-E3-SYSFS",
        "12.1 E3 (11)",
        "required",
        "standard keys agree with sysfs",
        "Standard keys agree with the sysfs facts the registry ties them to: type is the mdev type id, device_api "
        "the type's device_api attribute (vfio-pci for a PCI function, vfio-platform, vfio-amba, vfio-fsl-mc or "
        "vfio-cdx for a device of that bus), name the type's name attribute (escaped), pci_id and pci_subsystem a "
        "PCI function's vendor, device, subsystem_vendor and subsystem_device, driver the device's bound driver.",
    ),
    Check(
        "MC-E4-NO-PARAMS",
        "12.1 E4 (10.2, 10.3, 10.4)",
        "required",
        "a device instance's migration_version has no param lines",
        "The migration_version of an mdev instance, a PCI function or another device has no param lines.",
    ),
    Check(
        "MC-E5-PAIR",
        "12.1 E5 (10.5)",
        "required",
        "both attributes or neither",
        "At each placement both attributes are present, or neither.",
    ),
    Check(
        "MC-E5-MODE",
        "12.1 E5 (10.5)",
        "required",
        "the attributes are read-only, mode 0444",
        "Both attributes are read-only files with mode 0444 (checked where modes are the driver's own: a live "
        "sysfs, or a capture of one).",
    ),
    Check(
        "MC-E5-STABLE",
        "12.1 E5 (10.5)",
        "required",
        "two reads return the same bytes",
        "Two consecutive reads without a configuration change in between return the same bytes.",
    ),
    Check(
        "MC-E6-SELF",
        "12.1 E6 (8)",
        "required",
        "self-acceptance",
        "A device instance accepts itself (verdict compatible); a device type accepts each device D(c) it creates, "
        "with a rule matching under choice c.",
    ),
    Check(
        "MC-E7-SELFREF",
        "12.1 E7 (8.4)",
        "required",
        "every $ and $N has a value of an allowed type",
        "Every $ and $N on key k has a value (each device the placement describes carries k, or k has a registry "
        "default) of a type the position allows: a version for a $N.",
    ),
    Check(
        "MC-E8-TEMPLATE",
        "12.1 E8 (5.5)",
        "required",
        "an instance reports D(c) of its type",
        "An mdev created from a type with choice c reports the fields of D(c), the device the type's template "
        "describes for c.",
    ),
    Check(
        "MC-S1-ACCEPT-ALL",
        "12.1, 5.6 (SHOULD NOT)",
        "recommended",
        "no accept line without constraints",
        "An emitter should not write an accept line without constraints: it accepts every source whose fields are "
        "all ignorable.",
    ),
    Check(
        "MC-S2-DEFAULT-WRITTEN",
        "12.1, 6.3 (SHOULD NOT), 8.2",
        "recommended",
        "no field written with its registry default",
        "A migration_version does not write a field whose value is its key's registry default (features={}, "
        "aggregate=1): its absence says the same, and a comparator of specification 1.0 refuses such a source "
        "unless the rule constrains the key.",
    ),
    Check(
        "MC-S3-TYPE-RULES",
        "12.1, 10.1 (SHOULD)",
        "recommended",
        "an instance has its type's rules",
        "An mdev created from a type that reports D(c) has a migration_compatible_devices that relates equal to "
        "the type's rules for its choice c (clause 8.7): a scheduler plans creations with the type's rules "
        "(clause 8.6), so an instance that accepts other sources than they do migrates otherwise than planned.",
    ),
    Check(
        "MC-U1-BREAKING",
        "9.5 (R6, 8.7)",
        "recommended",
        "a newer driver accepts everything the older one accepted",
        "For each type or device present with both driver versions, the newer driver's rules accept every source "
        "the older driver's rules accepted (relation old -> new equal or subset; a type related as the type, over "
        "every parameter choice); each source dropped is a breaking change, reported with a witness. A warning: "
        "clause 9.5 lets a release stop accepting a stream it no longer loads (a device whose rules accept only "
        "its own firmware drops the old firmware's sources by design), which the suite cannot tell from a "
        "mistake; --fail-on-warning, or 'migcompat diff' in a release's CI, makes it fail the run.",
    ),
    Check(
        "MC-U2-REMOVED",
        "R6",
        "recommended",
        "a newer driver keeps the older one's types and devices",
        "Every mdev type or device identity of the older capture is still offered with the newer driver, or its "
        "streams are accepted by another type of the newer host.",
    ),
    Check(
        "MC-M1-ACCEPTS-NOTHING",
        "8.5",
        "recommended",
        "a target accepts some source",
        "A migration_compatible_devices accepts at least one source: it has at least one accept line (each rule of a "
        "valid attribute matches some source once its $ and $N have values of the types MC-E7-SELFREF requires).",
    ),
    Check(
        "MC-M2-ASYMMETRY",
        "R7, 8.5",
        "recommended",
        "identical devices accept each other",
        "Two devices of the same identity whose critical fields are equal accept each other in both directions; a "
        "one-way acceptance between them is flagged as a surprise.",
    ),
)
"""Every check, by ID, in report order."""


SENTENCES: Final[Mapping[str, tuple[str, ...]]] = MappingProxyType(
    {
        "MC-SYSFS-PLACEMENT": ("10-M1",),
        "MC-E1-PARSE": ("10.5-M2", "12.1-M1"),
        "MC-E3-REGISTRY": ("5.2-M1", "5.7-M1", "11-M1", "11-M2"),
        "MC-E3-REQUIRED": ("11-M3",),
        "MC-E5-MODE": ("10.5-M1",),
        "MC-E5-STABLE": ("10.5-M1", "10.5-M3"),
        "MC-E8-TEMPLATE": ("5.5-M1",),
    }
)
"""The requirement sentences of the specification (``:must:`10.5-M1```, clause 12.4) that a check tests on
devices, by check ID: those no case can test."""


def checks_citing(unit: str) -> list[str]:
    """The IDs of the checks whose clause names *unit* (a clause number or a requirement id such as E5), or
    that test it when it is a requirement sentence (10.5-M1, ``SENTENCES``)."""
    return [
        check.ident
        for check in CHECKS.values()
        if unit in re.split(r"[^0-9A-Za-z.]+", check.clause) or unit in SENTENCES.get(check.ident, ())
    ]
