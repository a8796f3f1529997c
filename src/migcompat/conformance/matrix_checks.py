"""The checks across devices: the compatibility matrix (M1, M2) and the direction of upgrades (U1, U2).

The matrix is computed over *classes*: one per distinct pair of a device
description and a rule set, so a thousand identical VFs are one class. A
description is first stripped of the ignorable fields that no rule of the
run constrains (no target can tell such descriptions apart), so VFs that
differ only in, say, an informative ``~mlx5.fw_version`` are one class too. A
target's rules are not compared with every source: each rule is looked up in
an index of the sources by the values of a few identity keys (``driver``,
``device_api``, ``stream``, ``pci_id``, ``type``) that rules constrain by
equality, and only the sources the index returns are evaluated, with the fast
:func:`~migcompat.compare.accepts`. :func:`~migcompat.compare.check` is called
only to explain a flagged surprise.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from ..compare import accepts, check
from ..emit import emit, value_text
from ..model import CompatibleDevices, Equals, MigrationVersion, Range, SelfRef, Value, Version
from ..registry import registry_default
from ..relate import Relation, relate
from ..verdict import Answer
from .emitter import Analysis, Device, hex_id
from .results import Failure, Report, UpgradeResult

__all__ = ["INDEX_KEYS", "compatibility_matrix", "upgrade_checks"]

INDEX_KEYS: Final = ("driver", "device_api", "stream", "pci_id", "type")
"""The keys sources are indexed by; a rule constraining one of them by plain values is looked up, not scanned."""

_ABSENT: Final = ("absent",)
MAX_EDGES: Final = 100_000


def _norm(value: Value) -> Hashable:
    """A key under which order-equivalent values (1.0 and 1.0.0) coincide."""
    if isinstance(value, Version):
        return ("version", value.padded())
    return (type(value).__name__, value)


@dataclass
class _Class:
    ident: int
    device: Device
    rules: CompatibleDevices
    analysis: Analysis
    members: int = 0
    source: int = 0


@dataclass
class _Sources:
    """The distinct source descriptions and the index over them."""

    versions: list[MigrationVersion] = field(default_factory=list)
    by_text: dict[str, int] = field(default_factory=dict)
    index: dict[tuple[str, Hashable], set[int]] = field(default_factory=dict)

    def add(self, device: Device) -> int:
        found = self.by_text.get(device.text)
        if found is not None:
            return found
        ident = len(self.versions)
        self.versions.append(device.version)
        self.by_text[device.text] = ident
        for key in INDEX_KEYS:
            entry = device.version.fields.get(key)
            self.index.setdefault((key, _ABSENT if entry is None else _norm(entry.value)), set()).add(ident)
        return ident

    def candidates(self, rules: CompatibleDevices, own: MigrationVersion) -> Iterable[int]:
        """The sources some rule of *rules* might accept (a superset of those it does)."""
        pool: set[int] = set()
        for rule in rules.rules:
            best: set[int] | None = None
            for key in INDEX_KEYS:
                found = self._lookup(key, rule.constraints.get(key), rules, own)
                if found is not None and (best is None or len(found) < len(best)):
                    best = found
            if best is None:
                return range(len(self.versions))
            pool |= best
        return sorted(pool)

    def _lookup(self, key: str, constraint: object, rules: CompatibleDevices, own: MigrationVersion) -> set[int] | None:
        if not isinstance(constraint, Equals):
            return None
        values: list[Value] = []
        for alternative in constraint.alternatives:
            if isinstance(alternative, Range) or type(alternative) is frozenset:
                return None
            if isinstance(alternative, SelfRef):
                entry = own.fields.get(key)
                if entry is None:
                    continue  # $ without a value matches nothing here (E7 reports it)
                values.append(entry.value)
            else:
                values.append(alternative)
        found: set[int] = set()
        for value in values:
            found |= self.index.get((key, _norm(value)), set())
        # A source without the key is judged on the target's default or the registry's.
        default = rules.defaults.get(key, registry_default(key))
        if default is None or any(_norm(default) == _norm(v) for v in values):
            found |= self.index.get((key, _ABSENT), set())
        return found


def _constrained_keys(analyses: Sequence[Analysis]) -> frozenset[str]:
    keys: set[str] = set()
    seen: set[str] = set()
    for analysis in analyses:
        if analysis.rules is None or analysis.rules_text in seen:
            continue
        seen.add(analysis.rules_text)
        for rule in analysis.rules.rules:
            keys.update(rule.constraints)
    return frozenset(keys)


def _project(device: Device, relevant: frozenset[str]) -> Device:
    """*device* without the ignorable fields no rule constrains: every target judges it alike."""
    fields = {key: entry for key, entry in device.version.fields.items() if entry.critical or key in relevant}
    if len(fields) == len(device.version.fields) or not fields:
        return device
    version = MigrationVersion(fields)
    return Device(device.choice, version, emit(version))


def _label(analysis: Analysis, device: Device) -> str:
    choice = " ".join(f"{k}={value_text(v)}" for k, v in device.choice.items())
    return f"{analysis.host.host}:{analysis.placement.path}" + (f" [{choice}]" if choice else "")


def compatibility_matrix(analyses: Sequence[Analysis], report: Report) -> None:
    """Fill ``report.matrix`` and run MC-M2-ASYMMETRY over the classes of *analyses*."""
    classes: dict[tuple[str, str], _Class] = {}
    sources = _Sources()
    relevant = _constrained_keys(analyses)
    projections: dict[str, Device] = {}
    for analysis in analyses:
        if analysis.rules is None:
            continue
        for original in analysis.devices:
            device = projections.get(original.text)
            if device is None:
                device = projections[original.text] = _project(original, relevant)
            key = (device.text, analysis.rules_text)
            found = classes.get(key)
            if found is None:
                found = _Class(len(classes), device, analysis.rules, analysis)
                found.source = sources.add(device)
                classes[key] = found
            found.members += 1
    ordered = list(classes.values())
    by_source: dict[int, list[int]] = {}
    for item in ordered:
        by_source.setdefault(item.source, []).append(item.ident)
    accepted: set[tuple[int, int]] = set()
    matrix = report.matrix
    for target in ordered:
        candidates = list(sources.candidates(target.rules, target.device.version))
        matrix.candidate_pairs += len(candidates)
        for source in candidates:
            matrix.evaluated_pairs += 1
            if accepts(sources.versions[source], target.rules, target.device.version) is Answer.COMPATIBLE:
                for ident in by_source[source]:
                    accepted.add((ident, target.ident))
    matrix.classes = [
        {
            "id": item.ident,
            "label": _label(item.analysis, item.device),
            "migration_version": item.device.text.rstrip("\n"),
            "members": item.members,
        }
        for item in ordered
    ]
    matrix.edges = sorted(accepted)[:MAX_EDGES]
    _asymmetry(ordered, accepted, report)


def _signature(version: MigrationVersion) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((key, value_text(entry.value)) for key, entry in version.fields.items() if entry.critical))


def _asymmetry(ordered: Sequence[_Class], accepted: set[tuple[int, int]], report: Report) -> None:
    groups: dict[tuple[tuple[str, str], ...], list[_Class]] = {}
    for item in ordered:
        groups.setdefault(_signature(item.device.version), []).append(item)
    for group in groups.values():
        for index, first in enumerate(group):
            for second in group[index + 1 :]:
                if not first.rules.rules or not second.rules.rules:
                    continue  # a target that accepts nothing is MC-M1-ACCEPTS-NOTHING's finding
                forward = (first.ident, second.ident) in accepted
                backward = (second.ident, first.ident) in accepted
                if forward == backward:
                    report.passed("MC-M2-ASYMMETRY")
                    continue
                source, target = (first, second) if backward else (second, first)
                verdict = check(source.device.version, target.rules, target.device.version)
                who, whom = _label(target.analysis, target.device), _label(source.analysis, source.device)
                reasons = "; ".join(f"[{r.code}] {r.message}" for r in verdict.reasons[:3])
                report.fail(
                    Failure(
                        "MC-M2-ASYMMETRY",
                        target.analysis.host.host,
                        target.analysis.placement.path + "/migration_compatible_devices",
                        f"{who} does not accept {whom}, which accepts it,"
                        f" although their critical fields are equal: {reasons}",
                        details={"source": source.device.text.rstrip("\n"), "target": target.device.text.rstrip("\n")},
                    )
                )


# ---- upgrades -----------------------------------------------------------------------------------


def _identity(analysis: Analysis) -> tuple[str, ...] | None:
    placement = analysis.placement
    driver = analysis.driver or "?"
    if placement.kind == "mdev_type":
        return ("mdev_type", driver, placement.ident)
    if placement.kind in ("pci", "device"):
        props = placement.properties
        ids = f"{hex_id(props.get('vendor', '?'))}:{hex_id(props.get('device', '?'))}"
        return (placement.kind, driver, ids)
    return None


def _name_identity(analysis: Analysis) -> tuple[str, ...] | None:
    name = analysis.placement.properties.get("name")
    if analysis.placement.kind != "mdev_type" or not name:
        return None
    return ("mdev_type-name", analysis.driver or "?", name)


def _group(
    analyses: Iterable[Analysis],
) -> tuple[dict[tuple[str, ...], list[Analysis]], dict[tuple[str, ...], list[Analysis]]]:
    by_id: dict[tuple[str, ...], list[Analysis]] = {}
    by_name: dict[tuple[str, ...], list[Analysis]] = {}
    for analysis in analyses:
        if analysis.rules is None or not analysis.devices:
            continue
        ident = _identity(analysis)
        if ident is None:
            continue
        by_id.setdefault(ident, []).append(analysis)
        name = _name_identity(analysis)
        if name is not None:
            by_name.setdefault(name, []).append(analysis)
    return by_id, by_name


def _show(identity: tuple[str, ...]) -> str:
    kind, driver, what = identity
    if kind.startswith("mdev_type"):
        return f"mdev type {what} ({driver})"
    return f"{driver} {kind} device {what}"


def _distinct(analyses: Iterable[Analysis]) -> list[Analysis]:
    seen: dict[tuple[str, tuple[str, ...]], Analysis] = {}
    for analysis in analyses:
        seen.setdefault((analysis.rules_text, tuple(d.text for d in analysis.devices)), analysis)
    return list(seen.values())


def upgrade_checks(old: Sequence[Analysis], new: Sequence[Analysis], report: Report) -> None:
    """MC-U1-BREAKING and MC-U2-REMOVED: does the newer driver accept what the older one accepted?"""
    old_ids, _ = _group(old)
    new_ids, new_names = _group(new)
    memo: dict[tuple[str, str, str, str], Relation | None] = {}
    for identity, olds in old_ids.items():
        news = new_ids.get(identity)
        if news is None:
            first = olds[0]
            name = _name_identity(first)
            news = new_names.get(name) if name is not None else None
        if not news:
            _removed(identity, olds, new, report)
            continue
        report.passed("MC-U2-REMOVED")
        for previous in _distinct(olds):
            same = [n for n in news if n.placement.ident == previous.placement.ident] or news
            for current in _distinct(same):
                _compare(identity, previous, current, report, memo)


def _compare(
    identity: tuple[str, ...],
    previous: Analysis,
    current: Analysis,
    report: Report,
    memo: dict[tuple[str, str, str, str], Relation | None],
) -> None:
    assert previous.rules is not None and current.rules is not None
    new_devices = {_choice_key(d.choice): d for d in current.devices}
    pairs = [(d, new_devices[_choice_key(d.choice)]) for d in previous.devices if _choice_key(d.choice) in new_devices]
    if not pairs:
        pairs = [(previous.devices[0], current.devices[0])]
    old_where = f"{previous.host.host}:{previous.placement.path}"
    new_where = f"{current.host.host}:{current.placement.path}"
    for old_device, new_device in pairs:
        key = (previous.rules_text, old_device.text, current.rules_text, new_device.text)
        if key in memo:
            continue
        result = relate(previous.rules, current.rules, old_device.version, new_device.version)
        memo[key] = result.relation
        choice = " ".join(f"{k}={value_text(v)}" for k, v in new_device.choice.items())
        what = _show(identity) + (f" [{choice}]" if choice else "")
        # Concrete evidence first: the old driver's own device, as the old host reports it.
        own_rejected = accepts(old_device.version, current.rules, new_device.version) is not Answer.COMPATIBLE
        # relate() considers only sources a conforming emitter can write (registry types and forms).
        hypothetical = result.only_first
        if own_rejected:
            witness: str | None = old_device.text.rstrip("\n")
            how = f"the old driver's own device ({old_where}) is not accepted by the new rules"
        elif hypothetical is not None:
            witness = emit(hypothetical).rstrip("\n")
            how = f"the old rules ({old_where}) accepted this source and the new ones do not"
        else:
            witness = None
            how = ""
        note = how or None
        report.upgrades.append(UpgradeResult(what, old_where, new_where, result.relation.value, witness, note))
        if witness is None:
            report.passed("MC-U1-BREAKING")
            continue
        dropped = {
            Relation.SUPERSET: "accepts less than the old one",
            Relation.OVERLAP: "accepts some sources the old one did not, but drops others",
            Relation.DISJOINT: "accepts none of the sources the old one accepted",
        }.get(result.relation, "drops sources the old one accepted")
        report.fail(
            Failure(
                "MC-U1-BREAKING",
                current.host.host,
                current.placement.path + "/migration_compatible_devices",
                f"breaking change in {what}: the new driver {dropped} (relation old -> new:"
                f" {result.relation.value}); {how}: {witness}",
                details={"witness": witness, "relation": result.relation.value, "old": old_where},
            )
        )


def _choice_key(choice: Mapping[str, Value]) -> frozenset[tuple[str, Hashable]]:
    return frozenset((k, _norm(v)) for k, v in choice.items())


def _removed(identity: tuple[str, ...], olds: Sequence[Analysis], new: Sequence[Analysis], report: Report) -> None:
    """An old identity with no counterpart: is any of its devices accepted by some new target?"""
    targets = [a for a in new if a.rules is not None and a.devices and a.driver == olds[0].driver]
    for previous in _distinct(olds):
        for device in previous.devices:
            for target in targets:
                assert target.rules is not None
                if any(accepts(device.version, target.rules, t.version) is Answer.COMPATIBLE for t in target.devices):
                    break
            else:
                report.fail(
                    Failure(
                        "MC-U2-REMOVED",
                        previous.host.host,
                        previous.placement.path,
                        f"{_show(identity)} is not offered with the new driver, and no type or device of the new"
                        f" host accepts its devices, e.g. {device.text.rstrip()}",
                        details={"source": device.text.rstrip("\n")},
                    )
                )
                return
    report.passed("MC-U2-REMOVED")
