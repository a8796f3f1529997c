"""What every export says: the source classes known at export time, and which providers accept each.

A *class* is a device's ``migration_version`` up to byte equality of its
canonical text (:func:`migcompat.fleet.classes.class_id` names it). The
classes known at export time are those of the inventory's devices (the
sources that exist) and of any extra sources the operator names. For each
class and each provider (a device, or a device type a device can be created
from), the provider *accepts* the class exactly when :func:`migcompat.compare.check`
answers COMPATIBLE: the fleet index answers the question, once per distinct
(class, rule set) pair. An UNKNOWN verdict is not acceptance: an export says
yes only where migcompat says yes.

The exports built on this table are therefore necessary and sufficient for
the classes it knows, and silent about any other: a source of a class not
seen at export time needs a new export or an online ``migcompat match``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from ..emit import emit
from ..fleet.classes import class_id
from ..fleet.index import FleetIndex
from ..fleet.inventory import Provider
from ..model import MigrationVersion
from ..verdict import Answer

__all__ = [
    "SCOPE_NOTE",
    "ExportTable",
    "KnownClass",
    "build_table",
    "provider_key",
]

SCOPE_NOTE: Final = (
    "Necessary and sufficient for the source classes known at export time (listed here): a provider carries "
    "the accepts mark of a class exactly when migcompat check says it accepts that class. A source of a class "
    "not listed here needs a new export, or an online 'migcompat match'."
)
"""The sentence every export document carries about what it is."""


def provider_key(provider: Provider) -> str:
    """The stable name of *provider* in export documents and operator maps: ``HOST:PATH``."""
    return provider.where


@dataclass(frozen=True)
class KnownClass:
    """A source class known at export time: its identifier, canonical text and model."""

    id: str
    text: str
    version: MigrationVersion


@dataclass(frozen=True)
class ExportTable:
    """The known classes and, per provider (in inventory order), what it is and which classes it accepts.

    ``is_class[i]`` is the class of provider *i* when it is a device (None for
    a type); ``accepts[i]`` is the set of class identifiers provider *i* accepts.
    """

    classes: tuple[KnownClass, ...]
    providers: tuple[Provider, ...]
    is_class: tuple[str | None, ...]
    accepts: tuple[frozenset[str], ...]

    def accepting(self, class_id: str) -> list[Provider]:
        """The providers that accept the class *class_id*, in inventory order."""
        return [p for p, accepted in zip(self.providers, self.accepts, strict=True) if class_id in accepted]

    def known(self, class_id: str) -> KnownClass | None:
        """The known class *class_id*, or None when the export did not see it."""
        for known in self.classes:
            if known.id == class_id:
                return known
        return None


def build_table(providers: Sequence[Provider], extra_sources: Iterable[MigrationVersion] = ()) -> ExportTable:
    """The export table of *providers*, with the classes of their devices and of *extra_sources*.

    A source given in *extra_sources* must be a device description (no
    ``param`` lines); a type template is not a source and is left out.
    """
    by_id: dict[str, KnownClass] = {}
    candidates = [p.version for p in providers if p.kind == "device"]
    candidates.extend(extra_sources)
    for version in candidates:
        if version.params:
            continue
        ident = class_id(version)
        if ident not in by_id:
            by_id[ident] = KnownClass(ident, emit(version), version)
    classes = tuple(sorted(by_id.values(), key=lambda known: known.id))
    position = {id(p): i for i, p in enumerate(providers)}
    accepts: list[set[str]] = [set() for _ in providers]
    index = FleetIndex.build(providers)
    for known in classes:
        for provider, verdict in index.accepting(known.version):
            if verdict.answer is Answer.COMPATIBLE:
                accepts[position[id(provider)]].add(known.id)
    is_class = tuple(class_id(p.version) if p.kind == "device" and not p.version.params else None for p in providers)
    return ExportTable(classes, tuple(providers), is_class, tuple(frozenset(a) for a in accepts))
