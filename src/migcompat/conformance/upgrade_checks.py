"""The direction of upgrades (U1, U2): does a newer driver accept what the older one accepted?

Each type or device of the old hosts is paired with its counterpart on the new
hosts (by type id, then by the type's name for NVIDIA-style ids that change
between releases, or by PCI vendor:device), and the two rule sets are related
exactly (:func:`~migcompat.relate.relate`). A witness source that the old
rules accepted and the new ones do not is a breaking change.

A device type is compared through the devices of its covering choices
(:func:`~migcompat.semantics.templates.covering_choices`), paired by
choice: linear in its template, never the product of its parameters. Whether
a removed identity's devices are accepted by some new type is decided per
parameter (:func:`~migcompat.compare.accepts` with the template).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence

from ..compare import accepts
from ..emit import emit, value_text
from ..model import CompatibleDevices, MigrationVersion, Value
from ..relate import Relation, RelationTooComplex, relate
from ..semantics.values import match_key
from ..verdict import Answer
from .emitter_checks import Analysis, hex_id
from .results import Failure, Note, Report, UpgradeResult

__all__ = ["upgrade_checks"]


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
        choice = " ".join(f"{k}={value_text(v)}" for k, v in new_device.choice.items())
        what = _show(identity) + (f" [{choice}]" if choice else "")
        # Concrete evidence first: the old driver's own device, as the old host reports it.
        own_rejected = accepts(old_device.version, current.rules, new_device.version) is not Answer.COMPATIBLE
        try:
            result = relate(previous.rules, current.rules, old_device.version, new_device.version)
        except RelationTooComplex as error:
            memo[key] = None
            _undecided(what, previous, current, old_device.text, own_rejected, error, report)
            continue
        memo[key] = result.relation
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


def _undecided(
    what: str,
    previous: Analysis,
    current: Analysis,
    own_text: str,
    own_rejected: bool,
    error: RelationTooComplex,
    report: Report,
) -> None:
    """U1 when the relation is too complex to decide: the old driver's own device is checked, and a note says so."""
    old_where = f"{previous.host.host}:{previous.placement.path}"
    path = current.placement.path + "/migration_compatible_devices"
    witness = own_text.rstrip("\n") if own_rejected else None
    how = f"the old driver's own device ({old_where}) is not accepted by the new rules" if own_rejected else None
    report.upgrades.append(
        UpgradeResult(what, old_where, f"{current.host.host}:{current.placement.path}", "undecided", witness, how)
    )
    report.note(
        Note(
            "MC-U1-BREAKING",
            current.host.host,
            path,
            f"{what}: the relation of the old and the new rules could not be decided exactly ({error.message});"
            " only the old driver's own device was checked",
        )
    )
    if witness is not None:
        report.fail(
            Failure(
                "MC-U1-BREAKING",
                current.host.host,
                path,
                f"breaking change in {what}: {how}: {witness}",
                details={"witness": witness, "relation": "undecided", "old": old_where},
            )
        )


def _choice_key(choice: Mapping[str, Value]) -> frozenset[tuple[str, Hashable]]:
    return frozenset((k, match_key(v)) for k, v in choice.items())


def _removed(identity: tuple[str, ...], olds: Sequence[Analysis], new: Sequence[Analysis], report: Report) -> None:
    """An old identity with no counterpart: is any of its devices accepted by some new target?"""
    # Each distinct target once: its rules, and its template (a type decides per parameter) or its own description.
    targets: dict[tuple[str, str], tuple[CompatibleDevices, MigrationVersion]] = {}
    for analysis in new:
        if analysis.rules is None or not analysis.devices or analysis.driver != olds[0].driver:
            continue
        template = analysis.template
        own = template or analysis.devices[0].version
        text = emit(template) if template is not None else analysis.devices[0].text
        targets.setdefault((analysis.rules_text, text), (analysis.rules, own))
    for previous in _distinct(olds):
        for device in previous.devices:
            for rules, own in targets.values():
                if accepts(device.version, rules, own) is Answer.COMPATIBLE:
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
