"""Source classes: device descriptions that are equal, named by a stable digest.

Two parsed ``migration_version`` attributes are equal exactly when their
canonical texts are byte-equal (clause 6.4), so every target judges the
members of one class alike. A class is named by :func:`class_id`, a digest of
that text: stable across hosts, runs and releases of migcompat, and made of
upper-case hexadecimal digits only, so that it fits an OpenStack Placement
trait name (``CUSTOM_[A-Z0-9_]+``) or a Kubernetes label as it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from .._arguments import require
from ..emit import emit, value_text
from ..model import CompatibleDevices, MigrationVersion

if TYPE_CHECKING:
    from .inventory import Provider

__all__ = ["CLASS_ID_LENGTH", "Grouped", "SourceClass", "TargetClass", "class_id", "source_classes", "target_classes"]

CLASS_ID_LENGTH: Final = 32
"""A class id is this many upper-case hexadecimal digits: 128 bits of SHA-256."""


def class_id(version: MigrationVersion) -> str:
    """The stable identifier of *version*'s class: the first 32 hex digits of SHA-256 of its canonical text, upper-case.

    Equal descriptions (clause 6.4) and only they share an id (up to a 128-bit
    collision); a device type's template is named the same way.
    """
    require("version", version, MigrationVersion)
    digest = hashlib.sha256(emit(version).encode("ascii")).hexdigest()
    return digest[:CLASS_ID_LENGTH].upper()


def _target_id(version: MigrationVersion, rules: CompatibleDevices) -> str:
    text = emit(version) + emit(rules)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:CLASS_ID_LENGTH].upper()


def _driver(version: MigrationVersion) -> str:
    entry = version.fields.get("driver")
    return entry.value if entry is not None and isinstance(entry.value, str) else ""


def _stream_version(version: MigrationVersion) -> str:
    """The ``stream_version`` field, else the first (by name) field whose key ends in ``version``, as text."""
    keys = ["stream_version", *sorted(key for key in version.fields if key.endswith("version"))]
    for key in keys:
        entry = version.fields.get(key)
        if entry is not None:
            return value_text(entry.value)
    return ""


class Grouped:
    """What a matrix groups a class by: its description's driver and version-like field."""

    version: MigrationVersion

    @property
    def driver(self) -> str:
        """The class's ``driver`` field, or an empty string."""
        return _driver(self.version)

    @property
    def group(self) -> tuple[str, str]:
        """(driver, version-like field): what a matrix groups classes by."""
        return _driver(self.version), _stream_version(self.version)


@dataclass(frozen=True)
class SourceClass(Grouped):
    """The device instances of an inventory whose descriptions are equal.

    *id* is :func:`class_id` of *version*; *members* are the providers (all of
    kind ``device``) that have it, in inventory order.
    """

    id: str
    version: MigrationVersion
    members: tuple[Provider, ...]


@dataclass(frozen=True)
class TargetClass(Grouped):
    """The providers of an inventory with equal descriptions and equal rules: every source judges them alike.

    *id* is a digest of both canonical texts; *kind* is ``device`` or
    ``type``; *version* is the device's description or the type's template.
    """

    id: str
    kind: str
    version: MigrationVersion
    rules: CompatibleDevices
    members: tuple[Provider, ...]


def source_classes(providers: Iterable[Provider]) -> tuple[SourceClass, ...]:
    """The classes of the device instances among *providers*, sorted by driver, version-like field and id."""
    found: dict[MigrationVersion, list[Provider]] = {}
    for provider in providers:
        if provider.kind == "device":
            found.setdefault(provider.version, []).append(provider)
    classes = [SourceClass(class_id(version), version, tuple(members)) for version, members in found.items()]
    classes.sort(key=lambda item: (item.group, item.id))
    return tuple(classes)


def target_classes(providers: Iterable[Provider]) -> tuple[TargetClass, ...]:
    """The distinct targets among *providers* (by description and rules), sorted by driver, version-like field, id."""
    found: dict[tuple[MigrationVersion, CompatibleDevices], list[Provider]] = {}
    for provider in providers:
        found.setdefault((provider.version, provider.rules), []).append(provider)
    classes = [
        TargetClass(_target_id(version, rules), members[0].kind, version, rules, tuple(members))
        for (version, rules), members in found.items()
    ]
    classes.sort(key=lambda item: (item.group, item.kind, item.id))
    return tuple(classes)
