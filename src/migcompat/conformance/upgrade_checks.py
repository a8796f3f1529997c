"""The direction of upgrades (U1, U2): does a newer driver accept what the older one accepted?

Each type or device of the old hosts is paired with its counterparts on the
new hosts, and the two rule sets are related exactly
(:func:`~migcompat.relate.relate`). A witness source that the old rules
accepted and the new ones do not is a breaking change.

How old and new are paired. An old identity (a type by its type id, then by
the type's name for NVIDIA-style ids that change between releases; a device
by driver and PCI vendor:device) is matched with the new targets of the same
identity. Within it, each old target is compared with the new targets of the
same *configuration*, when there are any: those whose values agree with the
old target's on the identity's configuration keys, the keys whose value
differs between two devices of the identity on one side (``acme.queues=8``
on one VF, ``16`` on another), present or absent alike. A key whose value is
the same on every device of a side (a firmware version), and the registry's
keys of the driver and its stream (``stream_version``, which a baseline
mixing driver versions varies), are the driver's, not the configuration's. Among those, or when no new target
has its configuration, the new targets of the same placement (the same PCI
address or type id) are preferred; failing both, every new target of the
identity. So a capture whose VFs were re-enumerated at other addresses, or
taken on another rig, pairs by configuration, not by name.

Whichever targets are compared, ``$`` is resolved with one configuration on
both sides: the old rules with the old device's own description, the new
rules with the new device's description *as configured like the old one*
(its configuration keys take the old device's values), so a configuration
difference between two functions is never reported as a regression, while a
new rule that pins the driver's own version (``stream_version=$``) still
reads the new driver's value. Each breaking change is reported once.

A breaking change is explained: the new rules' verdict for the witness (the
old driver's own device when the new rules do not accept it), with its reason
codes (:data:`~migcompat.verdict.REASON_CODES`), and a fix for the common
case of a new critical field without a ``default`` (``missing-field``). An
``unknown`` verdict is reported as "not known to be accepted".

A device type is compared through the devices of its covering choices
(:func:`~migcompat.semantics.templates.covering_choices`), paired by
choice: linear in its template, never the product of its parameters. Whether
a removed identity's devices are accepted by some new type is decided per
parameter (:func:`~migcompat.compare.accepts` with the template).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Final

from ..compare import accepts, check
from ..emit import emit, value_text
from ..model import CompatibleDevices, Field, MigrationVersion, Value
from ..relate import Relation, RelationTooComplex, RelationWork, relate
from ..semantics.values import match_key
from ..verdict import Answer, Verdict
from .emitter_checks import Analysis, Device, hex_id
from .results import Failure, Note, Report, UpgradeResult, located

__all__ = ["upgrade_checks"]

MAX_REASONS_SHOWN: Final = 3
"""A breaking change's message quotes at most this many reasons of the new rules' verdict."""

_Memo = dict[tuple[str, str, str, str], Relation | None]
_Configuration = tuple[tuple[str, Hashable], ...]


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


def _where(analysis: Analysis) -> str:
    return located(analysis.host.host, analysis.placement.path)


def _distinct(analyses: Iterable[Analysis]) -> list[Analysis]:
    seen: dict[tuple[str, tuple[str, ...]], Analysis] = {}
    for analysis in analyses:
        seen.setdefault((analysis.rules_text, tuple(d.text for d in analysis.devices)), analysis)
    return list(seen.values())


def _state(version: MigrationVersion, key: str) -> tuple[bool, Hashable] | None:
    entry = version.fields.get(key)
    return None if entry is None else (entry.critical, match_key(entry.value))


_DRIVER_KEYS: Final = frozenset({"device_api", "driver", "legacy", "stream", "stream_version"})
"""The registry keys that describe the driver and its stream (clause 11), never a device's configuration."""


def _configuration_keys(sides: Iterable[Sequence[Analysis]]) -> frozenset[str]:
    """The keys whose state (absent, or criticality and value) differs between two devices of one side.

    Except the registry's keys of the driver and its stream
    (:data:`_DRIVER_KEYS`): a baseline that mixes driver versions differs in
    ``stream_version``, which each device keeps. A vendor key that a mix of
    driver versions varies is taken for a configuration. Costs one look-up
    per key and device of each side.
    """
    varying: set[str] = set()
    for analyses in sides:
        devices = [device.version for analysis in analyses for device in analysis.devices]
        keys = {key for version in devices for key in version.fields} - _DRIVER_KEYS
        for key in keys - varying:
            first = _state(devices[0], key)
            if any(_state(version, key) != first for version in devices[1:]):
                varying.add(key)
    return frozenset(varying)


def _configuration(analysis: Analysis, keys: frozenset[str]) -> _Configuration:
    """*analysis*'s configuration: the state of each configuration key on its first device (its first choice)."""
    version = analysis.devices[0].version
    return tuple((key, _state(version, key)) for key in sorted(keys))


class _Counterparts:
    """The new targets of one identity, indexed by configuration and by placement (built once, in one pass)."""

    def __init__(self, news: Sequence[Analysis], keys: frozenset[str]) -> None:
        self.news = list(news)
        self.keys = keys
        self.by_configuration: dict[_Configuration, list[Analysis]] = {}
        for analysis in news:
            self.by_configuration.setdefault(_configuration(analysis, keys), []).append(analysis)

    def of(self, previous: Analysis) -> list[Analysis]:
        """The new targets *previous* is compared with: same configuration, then same placement, then all."""
        candidates = self.by_configuration.get(_configuration(previous, self.keys)) or self.news
        same_place = [n for n in candidates if n.placement.ident == previous.placement.ident]
        return same_place or candidates


def _configured_like(
    new_device: MigrationVersion, old_device: MigrationVersion, keys: frozenset[str]
) -> MigrationVersion:
    """*new_device* with *old_device*'s configuration: each key of *keys* as the old device has it (or absent)."""
    if not keys:
        return new_device
    fields: dict[str, Field] = {key: entry for key, entry in new_device.fields.items() if key not in keys}
    fields.update((key, entry) for key, entry in old_device.fields.items() if key in keys)
    if fields == dict(new_device.fields):
        return new_device
    return MigrationVersion(dict(sorted(fields.items())), new_device.params)


def upgrade_checks(old: Sequence[Analysis], new: Sequence[Analysis], report: Report) -> None:
    """MC-U1-BREAKING and MC-U2-REMOVED: does the newer driver accept what the older one accepted?

    Old and new targets are paired, and ``$`` resolved, as the module says;
    each breaking change is reported once.
    """
    old_ids, _ = _group(old)
    new_ids, new_names = _group(new)
    memo: _Memo = {}
    work = RelationWork("this upgrade check")
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
        keys = _configuration_keys((olds, news))
        counterparts = _Counterparts(news, keys)
        for previous in _distinct(olds):
            for current in _distinct(counterparts.of(previous)):
                _compare(identity, previous, current, keys, report, memo, work)


def _compare(
    identity: tuple[str, ...],
    previous: Analysis,
    current: Analysis,
    keys: frozenset[str],
    report: Report,
    memo: _Memo,
    work: RelationWork,
) -> None:
    assert previous.rules is not None and current.rules is not None
    new_devices = {_choice_key(d.choice): d for d in current.devices}
    pairs = [(d, new_devices[_choice_key(d.choice)]) for d in previous.devices if _choice_key(d.choice) in new_devices]
    if not pairs:
        pairs = [(previous.devices[0], current.devices[0])]
    old_where = _where(previous)
    new_where = _where(current)
    for old_device, new_device in pairs:
        own = _configured_like(new_device.version, old_device.version, keys)
        key = (previous.rules_text, old_device.text, current.rules_text, emit(own))
        if key in memo:
            continue  # the same comparison, through another new target: reported once
        choice = " ".join(f"{k}={value_text(v)}" for k, v in new_device.choice.items())
        what = _show(identity) + (f" [{choice}]" if choice else "")
        # Concrete evidence first: the old driver's own device, as the old host reports it.
        own_verdict = check(old_device.version, current.rules, own)
        try:
            if work.spent:
                raise work.refusal()
            result = relate(previous.rules, current.rules, old_device.version, own, work=work)
        except RelationTooComplex as error:
            memo[key] = None
            _undecided(what, previous, current, old_device, own_verdict, error, report)
            continue
        memo[key] = result.relation
        # relate() considers only sources a conforming emitter can write (registry types and forms).
        hypothetical = result.only_first
        verdict: Verdict | None = None
        if not own_verdict.compatible:
            witness: str | None = old_device.text.rstrip("\n")
            verdict = own_verdict
            how = f"the old driver's own device ({old_where}) is {_refused(verdict)} by the new rules"
        elif hypothetical is not None:
            witness = emit(hypothetical).rstrip("\n")
            verdict = check(hypothetical, current.rules, own)
            how = f"the old rules ({old_where}) accepted this source and the new ones do not"
        else:
            witness = None
            how = ""
        note = how or None
        report.upgrades.append(UpgradeResult(what, old_where, new_where, result.relation.value, witness, note))
        if witness is None and result.relation.has_first_only:  # the source found is longer than one attribute
            report.fail(
                Failure(
                    "MC-U1-BREAKING",
                    current.host.host,
                    current.placement.path + "/migration_compatible_devices",
                    f"breaking change in {what}: the new driver drops sources the old one ({old_where}) accepted"
                    f" (relation old -> new: {result.relation.value}); each source found is longer than one"
                    " attribute (4095 bytes), so none is shown",
                    details={"relation": result.relation.value, "old": old_where},
                )
            )
            continue
        if witness is None or verdict is None:
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
                f" {result.relation.value}); {how}: {witness}{_why(verdict, current.rules)}",
                details=_details(witness, result.relation.value, old_where, verdict),
            )
        )


def _refused(verdict: Verdict) -> str:
    """How the new rules refuse a source: an unknown verdict is not a refusal, only no acceptance."""
    if verdict.answer is Answer.UNKNOWN:
        return "not known to be accepted"
    return "not accepted"


def _why(verdict: Verdict, rules: CompatibleDevices) -> str:
    """The new rules' reasons for *verdict* with their codes, and a fix for a new field without a default."""
    if verdict.compatible:  # pragma: no cover - a witness is never accepted by the new rules
        return ""
    reasons = verdict.reasons
    text = f"; the new rules' verdict: {verdict.answer.value}"
    if reasons:
        shown = "; ".join(f"[{r.code}] {r.message}" for r in reasons[:MAX_REASONS_SHOWN])
        more = f" (and {len(reasons) - MAX_REASONS_SHOWN} more)" if len(reasons) > MAX_REASONS_SHOWN else ""
        text += f", because {shown}{more}"
    missing = sorted({r.field for r in reasons if r.code == "missing-field" and r.field})
    if missing:
        pairs = " ".join(f"{field}=<value the old driver implied>" for field in missing)
        where = "to the new rules' default line" if rules.defaults else "to the new rules"
        text += (
            f"; fix: add `default {pairs}` {where}, so that a source from the old driver, which does not write"
            f" {' or '.join(missing)}, is judged as the old driver behaved"
        )
    return text


def _details(witness: str, relation: str, old_where: str, verdict: Verdict) -> dict[str, str]:
    details = {"witness": witness, "relation": relation, "old": old_where, "verdict": verdict.answer.value}
    codes = list(dict.fromkeys(reason.code for reason in verdict.reasons))
    if codes:
        details["reasons"] = ",".join(codes)
    return details


def _undecided(
    what: str,
    previous: Analysis,
    current: Analysis,
    old_device: Device,
    own_verdict: Verdict,
    error: RelationTooComplex,
    report: Report,
) -> None:
    """U1 when the relation is too complex to decide: the old driver's own device is checked, and a note says so."""
    assert current.rules is not None
    old_where = _where(previous)
    path = current.placement.path + "/migration_compatible_devices"
    rejected = not own_verdict.compatible
    witness = old_device.text.rstrip("\n") if rejected else None
    how = f"the old driver's own device ({old_where}) is {_refused(own_verdict)} by the new rules" if rejected else None
    report.upgrades.append(UpgradeResult(what, old_where, _where(current), "undecided", witness, how))
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
                f"breaking change in {what}: {how}: {witness}{_why(own_verdict, current.rules)}",
                details=_details(witness, "undecided", old_where, own_verdict),
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
