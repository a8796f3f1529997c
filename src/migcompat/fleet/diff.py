"""What a driver update changed: the sources it stopped and started accepting, and what it emits differently.

The old and the new side are each a set of targets (devices and types, from
captures, or one device's attribute files). Each old target is paired with
its new counterpart: on the same host with the same identity (type id, PCI
address, UUID), else with the same identity on any host, else, for a type,
with the new type of the same human name and driver (NVIDIA-style ids change
between releases), as the conformance suite's upgrade check pairs them. For
each pair the two rule sets are related exactly
(:func:`~migcompat.relate.relate`, with each side's own description for
``$``): a source the old rules accepted and the new ones do not is a
*breaking* change, with that source as witness; one only the new rules accept
is a widening, with its witness. A target whose description changed is
listed with the fields that changed.

An old target with no counterpart is *removed*: breaking when no new target
accepts its own description (for a type, the devices of its covering
choices), as found by the fleet index. A new target with none is *added*.

Pairs with equal texts on both sides are related once, however many hosts
hold them. :class:`~migcompat.relate.RelationTooComplex` on a pair is
recorded on it (*error*); the result is then *undecided*. So is a pair one of
whose sides has rules that read ``$`` but no description
(:func:`~migcompat.semantics.rules.self_keys`): what that device accepts through them
is not known.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..emit import emit, value_text
from ..model import CompatibleDevices, MigrationVersion
from ..relate import Relation, RelationTooComplex, relate
from ..semantics.rules import self_keys
from ..semantics.templates import covering_choices, device_for
from .index import FleetIndex
from .inventory import Provider

__all__ = ["BREAKING", "Change", "DiffResult", "Target", "diff", "field_changes"]

BREAKING = frozenset({Relation.SUPERSET, Relation.OVERLAP, Relation.DISJOINT})
"""The relations of old to new rules under which the new rules drop a source the old ones accepted."""


@dataclass(frozen=True)
class Target:
    """One side's target: a provider of a capture, or a device's attribute files (*version* None if absent)."""

    label: str
    host: str
    kind: str
    ident: str
    driver: str | None
    version: MigrationVersion | None
    rules: CompatibleDevices
    name: str | None = None

    @classmethod
    def of(cls, provider: Provider) -> Target:
        """The target of a capture's *provider*."""
        return cls(
            provider.where,
            provider.host,
            provider.kind,
            provider.ident,
            provider.driver,
            provider.version,
            provider.rules,
            provider.name,
        )

    @property
    def what(self) -> str:
        """How a report names the target: ``mdev type ID (driver)`` or ``device ID (driver)``."""
        driver = f" ({self.driver})" if self.driver else ""
        return f"{'mdev type' if self.kind == 'type' else 'device'} {self.ident}{driver}"


@dataclass(frozen=True)
class Change:
    """One old target against its new counterpart (or without one: *old* or *new* is None).

    *relation* is old -> new (None when undecided or unpaired); *stopped* a
    source the old rules accept and the new do not; *started* one only the
    new rules accept; *emits* the (old, new) descriptions when they differ;
    *error* the reason the relation could not be decided.
    """

    old: Target | None
    new: Target | None
    relation: Relation | None = None
    stopped: MigrationVersion | None = None
    started: MigrationVersion | None = None
    emits: tuple[str, str] | None = None
    error: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def breaking(self) -> bool:
        """True when the new side drops a source the old side accepted."""
        return self.stopped is not None

    @property
    def state(self) -> str:
        """``breaking``, ``undecided``, ``widened``, ``changed``, ``removed``, ``added`` or ``unchanged``."""
        if self.breaking:
            return "breaking"
        if self.error is not None:
            return "undecided"
        if self.new is None:
            return "removed"
        if self.old is None:
            return "added"
        if self.started is not None:
            return "widened"
        if self.emits is not None:
            return "changed"
        return "unchanged"

    def to_json(self) -> dict[str, object]:
        """The change as a JSON-ready dict."""

        def side(target: Target | None) -> dict[str, object] | None:
            if target is None:
                return None
            return {"where": target.label, "kind": target.kind, "ident": target.ident, "driver": target.driver}

        def text(model: MigrationVersion | None) -> str | None:
            return None if model is None else emit(model).rstrip("\n")

        return {
            "state": self.state,
            "old": side(self.old),
            "new": side(self.new),
            "relation": None if self.relation is None else self.relation.value,
            "stopped_accepting": text(self.stopped),
            "newly_accepts": text(self.started),
            "emits": None if self.emits is None else {"old": self.emits[0], "new": self.emits[1]},
            "field_changes": [] if self.emits is None else field_changes(self.old, self.new),
            "error": self.error,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class DiffResult:
    """Every change, old targets in their order and then the added ones."""

    changes: tuple[Change, ...]

    @property
    def breaking(self) -> bool:
        """True when some change is breaking."""
        return any(change.breaking for change in self.changes)

    @property
    def undecided(self) -> bool:
        """True when some pair's relation could not be decided."""
        return any(change.error is not None for change in self.changes)

    def counts(self) -> dict[str, int]:
        """How many changes are in each state."""
        found: dict[str, int] = {}
        for change in self.changes:
            found[change.state] = found.get(change.state, 0) + 1
        return found


def field_changes(old: Target | None, new: Target | None) -> list[str]:
    """The fields of the two descriptions that differ, as ``key: old -> new`` (``-`` for absent)."""
    if old is None or new is None or old.version is None or new.version is None:
        return []
    before, after = old.version.fields, new.version.fields
    out = []
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a == b:
            continue
        shown = [
            "-" if entry is None else ("~" if not entry.critical else "") + value_text(entry.value) for entry in (a, b)
        ]
        out.append(f"{key}: {shown[0]} -> {shown[1]}")
    if old.version.params != new.version.params:
        out.append("param lines changed")
    return out


def _pair(old: Sequence[Target], new: Sequence[Target]) -> tuple[list[tuple[Target, Target | None]], list[Target]]:
    by_host: dict[tuple[str, str, str], list[Target]] = {}
    by_ident: dict[tuple[str, str], list[Target]] = {}
    by_name: dict[tuple[str | None, str], list[Target]] = {}
    for target in new:
        by_host.setdefault((target.host, target.kind, target.ident), []).append(target)
        by_ident.setdefault((target.kind, target.ident), []).append(target)
        if target.kind == "type" and target.name:
            by_name.setdefault((target.driver, target.name), []).append(target)
    used: set[int] = set()
    pairs: list[tuple[Target, Target | None]] = []
    for target in old:
        found = (
            by_host.get((target.host, target.kind, target.ident))
            or by_ident.get((target.kind, target.ident))
            or (by_name.get((target.driver, target.name)) if target.kind == "type" and target.name else None)
        )
        if not found and len(old) == 1 and len(new) == 1:
            found = [new[0]]  # one device's attribute files against another's: they are the pair
        counterpart = found[0] if found else None
        if counterpart is not None:
            used.add(id(counterpart))
        pairs.append((target, counterpart))
    added = [target for target in new if id(target) not in used]
    return pairs, added


def _own_devices(target: Target) -> list[MigrationVersion]:
    if target.version is None:
        return []
    if not target.version.params:
        return [target.version]
    return [device_for(target.version, choice) for choice, _ in covering_choices(target.version)]


def diff(old: Sequence[Target], new: Sequence[Target]) -> DiffResult:
    """What changed from the *old* targets to the *new* ones (see the module's description)."""
    pairs, added = _pair(old, new)
    memo: dict[tuple[object, ...], Change] = {}
    index: FleetIndex | None = None
    changes: list[Change] = []
    for before, after in pairs:
        if after is None:
            if index is None:
                index = FleetIndex.build(
                    Provider(t.host, t.ident, t.kind, t.label, t.version, t.rules, t.driver)
                    for t in new
                    if t.version is not None
                )
            orphans = [device for device in _own_devices(before) if not index.accepting(device)]
            changes.append(
                Change(
                    before,
                    None,
                    stopped=orphans[0] if orphans else None,
                    notes=(
                        "no new target accepts this target's own description"
                        if orphans
                        else "every device of this target is accepted by some new target",
                    ),
                )
            )
            continue
        key = (before.rules, before.version, after.rules, after.version)
        found = memo.get(key)
        if found is None:
            found = memo[key] = _compare(before, after)
        changes.append(replace(found, old=before, new=after))
    changes.extend(Change(None, target) for target in added)
    return DiffResult(tuple(changes))


def _compare(before: Target, after: Target) -> Change:
    emits = None
    if before.version is not None and after.version is not None and before.version != after.version:
        emits = (emit(before.version).rstrip("\n"), emit(after.version).rstrip("\n"))
    unknown = [
        f"the {side} rules read the target's own {', '.join(keys)} through $, and the {side} migration_version"
        " is not known: give the device's directory (both attribute files), or its capture"
        for side, target in (("old", before), ("new", after))
        if target.version is None and (keys := self_keys(target.rules))
    ]
    if unknown:
        return Change(before, after, emits=emits, error="; ".join(unknown))
    try:
        result = relate(before.rules, after.rules, before.version, after.version)
    except RelationTooComplex as error:
        return Change(before, after, emits=emits, error=error.message)
    stopped = result.only_first if result.relation in BREAKING else None
    return Change(before, after, result.relation, stopped, result.only_second, emits, notes=result.notes)
