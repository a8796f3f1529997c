"""The direction of upgrades (U1, U2): does a newer driver accept what the older one accepted?

Each type or device of the old hosts is paired with its counterparts on the
new hosts, and the two rule sets are related exactly
(:func:`~migcompat.relate.relate`). A witness source that the old rules
accepted and the new ones do not is a breaking change.

How old and new are paired. An old identity (a type by its type id, then by
the type's name for NVIDIA-style ids that change between releases; a device
by driver and PCI vendor:device; the mdevs of a type whose type directory has
no attributes, as every type has until the kernel's mdev core gives them
these attributes, by driver and type id) is matched with the new targets of
the same identity. Within it, each old target is compared with the new targets of the
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

Within those candidates the pairing is one-to-one, as ``migcompat diff``
pairs targets: an old target with the new one at the same place (the same
host and placement path, then the same placement path: one type id offered by
many parent devices is one copy per parent), then of the same placement
identity, then the others in order, each new target taken once. Only the
targets left over when one side has more of them than the other are compared
as before, with every candidate. So N copies of a type on N parents cost N
comparisons, not N x N.

Whichever targets are compared, ``$`` is resolved with one configuration on
both sides: the old rules with the old device's own description, the new
rules with the new device's description *as configured like the old one*
(its configuration keys take the old device's values), so a configuration
difference between two functions is never reported as a regression, while a
new rule that pins the driver's own version (``stream_version=$``) still
reads the new driver's value. Each breaking change is reported once.

A device type is compared as a type: :func:`~migcompat.relate.relate` takes
both templates (clause 8.5: a type accepts a source when a device created with
some choice does), exactly as ``migcompat diff`` and ``migcompat relate`` do,
never enumerating the type's choices (a rule is expanded only over the values
of the parameters it reads through ``$``, within
:data:`~migcompat.relate.MAX_VARIANTS`), and one relation, one line of the
report and at most one failure are given per pair of types. The
configuration keys that the templates' ``param`` lines set are the type's
choice and are not copied from the old type. A breaking change of a type
names the parameter choice under which the old type accepted the witness
(``choice`` in the failure's details). A type unchanged by the update (the
same rules and template) is ``equal`` without being related.

The witness is, first, a device of the old driver (an instance, or the device
of one of a type's covering choices, :func:`~migcompat.semantics.templates.covering_choices`)
that the old rules accept and the new ones do not; a device that its own old
rules do not accept either is not a source the update dropped (that is
MC-E6-SELF's failure, on the side that is checked). Failing such a device, it
is the source :func:`~migcompat.relate.relate` found. The old driver's device
is a failure even when the relation is ``equal`` or ``subset`` (a device
outside the conforming sources of clause 8.7, whose registry key has another
type or form), under a message that says so, never "breaking ... equal".

A breaking change is explained: the new rules' verdict for the witness, with
its reason codes (:data:`~migcompat.verdict.REASON_CODES`), and a fix for the
common case of a new critical field without a ``default``
(``missing-field``). An ``unknown`` verdict is reported as "not known to be
accepted".

Bounds. The relations of one run together are bounded
(:class:`~migcompat.relate.RelationWork`, which also counts a template's
expansion into rule variants), and so are the verdicts on the old driver's own
devices (each charged as many constraint evaluations as its rules have
constraints). A pair whose relation
cannot be decided (a bound of :mod:`migcompat.relate` exceeded, such as the
rule variants of a type whose rules read many parameters through ``$``, or
the run's work spent) is never a pass: it is listed as ``undecided``, counted
as undecided for MC-U1-BREAKING (which makes the run's result undecided, exit
status 3, unless a required check failed), and only the old driver's own
devices are checked while the work lasts, a refused one failing. One note per
identity says how many of its pairs were left undecided and why.

Whether a removed identity's devices are accepted by some new target is
asked of the fleet index of the new targets of its driver
(:class:`~migcompat.fleet.index.FleetIndex`, decided per parameter for a
type as :func:`~migcompat.compare.check` decides it), which decides only the
targets whose rules may accept the device. The decisions of one run together
are bounded (:data:`MAX_REMOVED_DECISIONS`); the removed identities left once
it is spent are undecided for MC-U2-REMOVED, with a note.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from .._pairing import pair_in_turn
from ..compare import accepts, check
from ..display import plural
from ..emit import emit, value_text
from ..fleet.index import FleetIndex
from ..fleet.inventory import Provider
from ..model import CompatibleDevices, Field, MigrationVersion, Value
from ..relate import (
    MAX_EVALUATIONS,
    MAX_STEPS,
    Relation,
    RelationResult,
    RelationTooComplex,
    RelationWork,
    narrowing_hint,
    relate,
)
from ..semantics.values import match_key
from ..verdict import Answer, Verdict
from .emitter_checks import Analysis, Device, hex_id
from .results import Failure, Note, Report, UpgradeResult, located

__all__ = ["MAX_REMOVED_DECISIONS", "upgrade_checks"]

MAX_REASONS_SHOWN: Final = 3
"""A breaking change's message quotes at most this many reasons of the new rules' verdict."""

MAX_REMOVED_DECISIONS: Final = 200_000
"""At most this much work deciding whether the devices of removed identities (MC-U2-REMOVED) are accepted.

One unit per (device, new target) verdict the fleet index computes, weighted
by the keys the target's rules constrain and by its param lines (a type is
decided per parameter; :func:`~migcompat.semantics.templates.decision_cost`): about a
second or two of verdicts on 60-parameter templates. The identities left once
it is spent are undecided.
"""

_EVALUATION_UNITS: Final = MAX_STEPS // MAX_EVALUATIONS
"""What :class:`~migcompat.relate.RelationWork` charges one constraint evaluation, as relate charges it."""

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
    if placement.kind == "mdev" and placement.links.get("mdev_type"):
        return ("mdev", driver, placement.links["mdev_type"])
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
    if kind == "mdev":
        return f"mdev devices of type {what} ({driver})"
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


def _one_to_one(
    olds: Sequence[Analysis], news: Sequence[Analysis]
) -> tuple[list[tuple[Analysis, Analysis]], list[Analysis], list[Analysis]]:
    """*olds* paired one-to-one with *news*: the pairs, and the olds and the news left without one.

    As ``migcompat diff`` pairs targets (:func:`~migcompat._pairing.pair_in_turn`):
    the same host and placement path, then the same placement path (another
    host's capture of the same machine), then the same placement identity;
    then the targets left are paired in order.
    """
    keys: list[Callable[[Analysis], Hashable]] = [
        lambda a: (a.host.host, a.placement.path),
        lambda a: a.placement.path,
        lambda a: a.placement.ident,
    ]
    found, used = pair_in_turn(olds, news, [(key, key) for key in keys])
    rest_new = [current for current in news if id(current) not in used]
    rest_old: list[Analysis] = []
    pairs: list[tuple[Analysis, Analysis]] = []
    left = iter(rest_new)
    taken = 0
    for position, previous in enumerate(olds):
        partner = found[position] if position in found else next(left, None)
        if partner is None:
            rest_old.append(previous)
            continue
        taken += position not in found
        pairs.append((previous, partner))
    return pairs, rest_old, rest_new[taken:]


def _same_place(previous: Analysis, candidates: Sequence[Analysis]) -> list[Analysis]:
    """The candidates of *previous*'s placement identity (its type id, PCI address), else all of them."""
    same = [n for n in candidates if n.placement.ident == previous.placement.ident]
    return same or list(candidates)


def _pairs(olds: Sequence[Analysis], news: Sequence[Analysis], keys: frozenset[str]) -> list[tuple[Analysis, Analysis]]:
    """The (old, new) pairs of one identity to compare: one-to-one within a configuration, as the module says.

    An old target is a candidate of the new targets of its configuration, or
    of every new target when none has it. Within those, :func:`_one_to_one`;
    the targets a side has more of are compared with every (distinct)
    candidate of the same placement identity, else every candidate, as
    before: never fewer comparisons than one per target, and linear when the
    sides have as many targets of each configuration.
    """
    by_configuration: dict[_Configuration, list[Analysis]] = {}
    for current in news:
        by_configuration.setdefault(_configuration(current, keys), []).append(current)
    olds_by: dict[_Configuration, list[Analysis]] = {}
    for previous in olds:
        olds_by.setdefault(_configuration(previous, keys), []).append(previous)
    pairs: list[tuple[Analysis, Analysis]] = []
    orphans: list[Analysis] = []
    for configuration, mine in olds_by.items():
        theirs = by_configuration.get(configuration)
        if not theirs:
            orphans.extend(mine)
            continue
        matched, rest_old, rest_new = _one_to_one(mine, theirs)
        pairs.extend(matched)
        distinct = _distinct(theirs)
        pairs.extend((previous, current) for previous in rest_old for current in _same_place(previous, distinct))
        for current in rest_new:
            pairs.extend((previous, current) for previous in _same_place(current, _distinct(mine)))
    if orphans:
        matched, rest_old, _ = _one_to_one(orphans, news)
        pairs.extend(matched)
        distinct = _distinct(news)
        pairs.extend((previous, current) for previous in rest_old for current in _same_place(previous, distinct))
    return pairs


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
    removed = _Removed(new)
    undecided: dict[tuple[str, ...], _Undecided] = {}
    for identity, olds in old_ids.items():
        if identity[0] == "mdev" and (
            ("mdev_type", *identity[1:]) in old_ids or ("mdev_type", *identity[1:]) in new_ids
        ):
            continue  # the type's own attributes are compared: its devices are created from them (clause 10.1)
        news = new_ids.get(identity)
        if news is None:
            first = olds[0]
            name = _name_identity(first)
            news = new_names.get(name) if name is not None else None
        if not news:
            if identity[0] != "mdev":  # an mdev is created and removed by its user: one not there is no removal
                removed.check(identity, olds, report)
            continue
        report.passed("MC-U2-REMOVED")
        keys = _configuration_keys((olds, news))
        # A key no old device writes is new in this release: the new device keeps its own value of it, which the
        # old device has none of to give (an rx_rings the new VFs vary would otherwise leave $ without value).
        known = frozenset(key for analysis in olds for device in analysis.devices for key in device.version.fields)
        for previous, current in _pairs(olds, news, keys):
            _compare(identity, previous, current, keys, report, memo, work, undecided, known)
    for identity, left in undecided.items():
        _undecided_note(identity, left, report)
    removed.note(report)


def _parameter_keys(version: MigrationVersion) -> frozenset[str]:
    """The keys *version*'s ``param`` lines set (each parameter's own key and the fields of its lines)."""
    return frozenset(key for line in version.params for key in (line.name, *line.fields))


def _compare(
    identity: tuple[str, ...],
    previous: Analysis,
    current: Analysis,
    keys: frozenset[str],
    report: Report,
    memo: _Memo,
    work: RelationWork,
    undecided: dict[tuple[str, ...], _Undecided],
    known: frozenset[str] = frozenset(),
) -> None:
    """U1 for one pair of old and new targets: their rules related exactly, a type as the type (its template).

    A pair left undecided is counted in *undecided*, under its identity. *known* are the keys some old device of
    the identity writes: a configuration key outside them is new, and the new device keeps its own value.
    """
    assert previous.rules is not None and current.rules is not None
    # A type is its template: relate() and the verdicts decide it over every choice (clause 8.5) without
    # enumerating the choices, as diff and relate do. An instance (or a type without param lines) is its one device.
    old_self = previous.template or previous.devices[0].version
    new_base = current.template or current.devices[0].version
    # The configuration that param lines set is the type's choice, not a key to copy across.
    fixed = (keys & known) - _parameter_keys(old_self) - _parameter_keys(new_base)
    new_self = _configured_like(new_base, old_self, fixed)
    key = (previous.rules_text, emit(old_self), current.rules_text, emit(new_self))
    if key in memo:
        return  # the same comparison, through another new target: reported once
    what = _show(identity)
    old_where = _where(previous)
    # Concrete evidence first: a device of the old driver (for a type, of one of its covering choices) that the
    # old rules accepted and the new ones do not. One the old rules refused too is MC-E6's fault, not the upgrade's.
    same = previous.rules == current.rules and old_self == new_self
    own, complete = (None, True) if same else _own_refusal(previous, current, old_self, new_self, work)
    try:
        # One target twice accepts the same sources: equal, with nothing to relate (a type unchanged by the update).
        result = RelationResult(Relation.EQUAL) if same else _relate(previous, current, old_self, new_self, work)
    except RelationTooComplex as error:
        memo[key] = None
        _undecided(identity, previous, current, own, complete, error, report, undecided)
        return
    relation = result.relation
    memo[key] = relation
    # relate() considers only sources a conforming emitter can write (registry types and forms).
    hypothetical = result.only_first
    verdict: Verdict | None = None
    witness: str | None = None
    hint: str | None = None
    how = ""
    details: dict[str, str] = {}
    if own is not None:
        device, verdict = own
        witness = device.text.rstrip("\n")
        how = f"{_own_device(device, old_where)} is {_refused(verdict)} by the new rules, which the old ones accept"
        if device.choice:
            details["choice"] = _choice_text(device.choice)
    elif hypothetical is not None:
        witness = emit(hypothetical).rstrip("\n")
        verdict = check(hypothetical, current.rules, new_self)
        how = f"the old rules ({old_where}) accepted this source and the new ones do not"
        hint = narrowing_hint(hypothetical, previous.rules, current.rules)
        old_choice = check(hypothetical, previous.rules, old_self).choice if previous.template is not None else None
        if old_choice:
            details["choice"] = _choice_text(old_choice)
            how = (
                f"the old rules ({old_where}) accepted this source, with the parameter choice"
                f" {details['choice']}, and the new ones do not under any choice"
            )
    report.upgrades.append(UpgradeResult(what, old_where, _where(current), relation.value, witness, how or None))
    path = current.placement.path + "/migration_compatible_devices"
    if witness is None or verdict is None:
        if relation.has_first_only:  # the source found is longer than one attribute
            report.fail(
                Failure(
                    "MC-U1-BREAKING",
                    current.host.host,
                    path,
                    f"breaking change in {what}: the new driver drops sources the old one ({old_where}) accepted"
                    f" (relation old -> new: {relation.value}); each source found is longer than one"
                    " attribute (4095 bytes), so none is shown",
                    details={"relation": relation.value, "old": old_where},
                )
            )
        else:
            report.passed("MC-U1-BREAKING")
        return
    if relation.has_first_only:
        dropped = {
            Relation.SUPERSET: "accepts less than the old one",
            Relation.OVERLAP: "accepts some sources the old one did not, but drops others",
            Relation.DISJOINT: "accepts none of the sources the old one accepted",
        }[relation]
        message = f"breaking change in {what}: the new driver {dropped} (relation old -> new: {relation.value})"
    else:
        # Over the conforming sources of clause 8.7 nothing was dropped, yet this device of the old driver,
        # which is outside them (a registry key of another type or form), is refused: still a lost migration.
        message = (
            f"upgrade refuses an old device in {what}: the new driver does not accept a device of the old driver"
            f" that the old rules accepted (over the conforming sources of clause 8.7 the relation old -> new is"
            f" {relation.value}; this device is not one of them)"
        )
    report.fail(
        Failure(
            "MC-U1-BREAKING",
            current.host.host,
            path,
            f"{message}; {how}: {witness}{_why(verdict, current.rules)}{'' if hint is None else f'; {hint}'}",
            details={**_details(witness, relation.value, old_where, verdict), **details},
        )
    )


def _relate(
    previous: Analysis, current: Analysis, old_self: MigrationVersion, new_self: MigrationVersion, work: RelationWork
) -> RelationResult:
    """:func:`~migcompat.relate.relate` of the two targets, within the run's *work*.

    Raises :class:`~migcompat.relate.RelationTooComplex` when *work* is spent
    or a bound of :mod:`migcompat.relate` is exceeded.
    """
    assert previous.rules is not None and current.rules is not None
    if work.spent:
        raise work.refusal()
    return relate(previous.rules, current.rules, old_self, new_self, work=work)


def _own_refusal(
    previous: Analysis, current: Analysis, old_self: MigrationVersion, new_self: MigrationVersion, work: RelationWork
) -> tuple[tuple[Device, Verdict] | None, bool]:
    """The first device of *previous* that its old rules accept and the new rules do not, with the new verdict.

    For a type, its covering devices (those the run kept); each verdict is the
    type's, over every choice (clause 8.5). A device its own old rules do not
    accept is not a source the upgrade dropped: that is MC-E6-SELF's failure.
    Each verdict is charged to *work* (one constraint evaluation per
    constraint of the rules, as :class:`~migcompat.relate.RelationWork` counts
    them); once it is spent the devices left are not checked. The second item
    is whether every device was checked.
    """
    assert previous.rules is not None and current.rules is not None
    new_cost = _evaluation_cost(current.rules)
    old_cost = _evaluation_cost(previous.rules)
    for device in previous.devices:
        if work.spent:
            return None, False
        work.units += new_cost
        if accepts(device.version, current.rules, new_self) is Answer.COMPATIBLE:
            continue
        work.units += old_cost
        if accepts(device.version, previous.rules, old_self) is not Answer.COMPATIBLE:
            continue
        return (device, check(device.version, current.rules, new_self)), True
    return None, True


def _evaluation_cost(rules: CompatibleDevices) -> int:
    """What one verdict of *rules* is charged: one constraint evaluation per constraint (at least one)."""
    return _EVALUATION_UNITS * max(1, sum(len(rule.constraints) for rule in rules.rules))


def _own_device(device: Device, old_where: str) -> str:
    """How a failure names the old driver's own *device*: with its parameter choice, for a device of a type."""
    created = f" created with {_choice_text(device.choice)}" if device.choice else ""
    return f"the old driver's own device ({old_where}){created}"


def _choice_text(choice: Mapping[str, Value]) -> str:
    return " ".join(f"{name}={value_text(value)}" for name, value in choice.items())


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


@dataclass
class _Undecided:
    """The pairs of one identity left undecided: how many, the first one's object and reason, what was checked."""

    host: str
    path: str
    reason: str
    pairs: int = 0
    unchecked: int = 0
    template: bool = False


def _undecided(
    identity: tuple[str, ...],
    previous: Analysis,
    current: Analysis,
    own: tuple[Device, Verdict] | None,
    complete: bool,
    error: RelationTooComplex,
    report: Report,
    undecided: dict[tuple[str, ...], _Undecided],
) -> None:
    """U1 when the relation is too complex to decide: undecided, and a refused own device of the old driver fails.

    Never a pass: the pair is counted as undecided for the check (the run is
    then undecided, unless a required check failed), and the upgrade is
    listed as ``undecided``. *complete* says whether all the old driver's own
    devices were checked (the run's work may have been spent first). The
    note is given once per identity (:func:`_undecided_note`).
    """
    assert current.rules is not None
    what = _show(identity)
    old_where = _where(previous)
    path = current.placement.path + "/migration_compatible_devices"
    witness = how = None
    if own is not None:
        device, verdict = own
        witness = device.text.rstrip("\n")
        how = f"{_own_device(device, old_where)} is {_refused(verdict)} by the new rules, which the old ones accept"
    report.upgrades.append(UpgradeResult(what, old_where, _where(current), "undecided", witness, how))
    left = undecided.get(identity)
    if left is None:
        left = undecided[identity] = _Undecided(current.host.host, path, error.message)
    left.pairs += 1
    left.unchecked += not complete
    left.template = left.template or previous.template is not None
    if own is None:
        report.undecide("MC-U1-BREAKING")
        return
    device, verdict = own
    details = _details(device.text.rstrip("\n"), "undecided", old_where, verdict)
    if device.choice:
        details["choice"] = _choice_text(device.choice)
    report.fail(
        Failure(
            "MC-U1-BREAKING",
            current.host.host,
            path,
            f"breaking change in {what}: {how}: {witness}{_why(verdict, current.rules)}",
            details=details,
        )
    )


def _undecided_note(identity: tuple[str, ...], left: _Undecided, report: Report) -> None:
    """The one note of an *identity* some of whose pairs were left undecided: how many, why, what was checked."""
    pairs = "" if left.pairs == 1 else f" for {left.pairs} pairs of old and new targets"
    checked = (
        "only the old driver's own devices (its covering choices) were checked"
        if left.template
        else "only the old driver's own device was checked"
    )
    if left.unchecked:
        checked += f", and not even they for {plural(left.unchecked, 'pair')}: the run's work was spent before"
    report.note(
        Note(
            "MC-U1-BREAKING",
            left.host,
            left.path,
            f"{_show(identity)}: the relation of the old and the new rules could not be decided exactly{pairs}"
            f" ({left.reason}); {checked}",
        )
    )


class _Removed:
    """MC-U2-REMOVED: is any device of an old identity with no counterpart accepted by some new target?

    Asked of the fleet index of the new targets of the identity's driver (built
    on first use, one per driver), within :data:`MAX_REMOVED_DECISIONS` for
    the whole run.
    """

    def __init__(self, new: Sequence[Analysis]) -> None:
        self.new = new
        self.indexes: dict[str | None, FleetIndex] = {}
        self.answers: dict[tuple[str | None, MigrationVersion], bool] = {}
        self.spent = 0
        self.left: list[tuple[str, Analysis]] = []

    def _index(self, driver: str | None) -> FleetIndex:
        """The index of the new targets of *driver* (a verdict on it is charged its
        :meth:`~migcompat.fleet.index.FleetIndex.candidate_cost`)."""
        found = self.indexes.get(driver)
        if found is not None:
            return found
        providers: list[Provider] = []
        for analysis in self.new:
            if analysis.rules is None or not analysis.devices or analysis.driver != driver:
                continue
            placement = analysis.placement
            providers.append(
                Provider(
                    analysis.host.host,
                    placement.ident,
                    "type" if analysis.template is not None else "device",
                    placement.path,
                    analysis.template or analysis.devices[0].version,
                    analysis.rules,
                    driver,
                )
            )
        found = self.indexes[driver] = FleetIndex.build(providers)
        return found

    def _accepted(self, driver: str | None, source: MigrationVersion) -> bool | None:
        """Whether some new target of *driver* accepts *source*; None when the run's bound is spent first."""
        key = (driver, source)
        answer = self.answers.get(key)
        if answer is not None:
            return answer
        index = self._index(driver)
        cost = index.candidate_cost(source)
        if self.spent + cost > MAX_REMOVED_DECISIONS:
            return None
        self.spent += cost
        answer = self.answers[key] = bool(index.accepting_groups(source))
        return answer

    def check(self, identity: tuple[str, ...], olds: Sequence[Analysis], report: Report) -> None:
        """MC-U2-REMOVED for the old *identity* (its targets *olds*), which has no counterpart on the new side."""
        driver = olds[0].driver
        for previous in _distinct(olds):
            for device in previous.devices:
                accepted = self._accepted(driver, device.version)
                if accepted is None:
                    self.left.append((_show(identity), previous))
                    report.undecide("MC-U2-REMOVED")
                    return
                if accepted:
                    continue
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

    def note(self, report: Report) -> None:
        """One note for the removed identities left undecided, the run's bound being spent."""
        if not self.left:
            return
        what, first = self.left[0]
        more = (
            f" and {plural(len(self.left) - 1, 'more removed identity', 'more removed identities')}"
            if len(self.left) > 1
            else ""
        )
        report.note(
            Note(
                "MC-U2-REMOVED",
                first.host.host,
                first.placement.path,
                f"{what}{more}: whether a new target accepts their devices was not decided, the run's bound on"
                f" these verdicts (MAX_REMOVED_DECISIONS, {MAX_REMOVED_DECISIONS}) being reached",
            )
        )
