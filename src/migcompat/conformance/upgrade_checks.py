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
expansion into rule variants). A pair whose relation
cannot be decided (a bound of :mod:`migcompat.relate` exceeded, such as the
rule variants of a type whose rules read many parameters through ``$``, or
the run's work spent) is never a pass: it is listed as ``undecided`` with a
note, and only the old driver's own devices are checked, a refused one
failing. Whether a removed identity's devices are accepted by some new type
is decided per parameter (:func:`~migcompat.compare.accepts` with the
template).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Final

from ..compare import accepts, check
from ..emit import emit, value_text
from ..model import CompatibleDevices, Field, MigrationVersion, Value
from ..relate import Relation, RelationResult, RelationTooComplex, RelationWork, relate
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
) -> None:
    """U1 for one pair of old and new targets: their rules related exactly, a type as the type (its template)."""
    assert previous.rules is not None and current.rules is not None
    # A type is its template: relate() and the verdicts decide it over every choice (clause 8.5) without
    # enumerating the choices, as diff and relate do. An instance (or a type without param lines) is its one device.
    old_self = previous.template or previous.devices[0].version
    new_base = current.template or current.devices[0].version
    # The configuration that param lines set is the type's choice, not a key to copy across.
    fixed = keys - _parameter_keys(old_self) - _parameter_keys(new_base)
    new_self = _configured_like(new_base, old_self, fixed)
    key = (previous.rules_text, emit(old_self), current.rules_text, emit(new_self))
    if key in memo:
        return  # the same comparison, through another new target: reported once
    what = _show(identity)
    old_where = _where(previous)
    # Concrete evidence first: a device of the old driver (for a type, of one of its covering choices) that the
    # old rules accepted and the new ones do not. One the old rules refused too is MC-E6's fault, not the upgrade's.
    same = previous.rules == current.rules and old_self == new_self
    own = None if same else _own_refusal(previous, current, old_self, new_self)
    try:
        # One target twice accepts the same sources: equal, with nothing to relate (a type unchanged by the update).
        result = RelationResult(Relation.EQUAL) if same else _relate(previous, current, old_self, new_self, work)
    except RelationTooComplex as error:
        memo[key] = None
        _undecided(what, previous, current, own, error, report)
        return
    relation = result.relation
    memo[key] = relation
    # relate() considers only sources a conforming emitter can write (registry types and forms).
    hypothetical = result.only_first
    verdict: Verdict | None = None
    witness: str | None = None
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
            f"{message}; {how}: {witness}{_why(verdict, current.rules)}",
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
    previous: Analysis, current: Analysis, old_self: MigrationVersion, new_self: MigrationVersion
) -> tuple[Device, Verdict] | None:
    """The first device of *previous* that its old rules accept and the new rules do not, with the new verdict.

    For a type, its covering devices (those the run kept); each verdict is the
    type's, over every choice (clause 8.5). A device its own old rules do not
    accept is not a source the upgrade dropped: that is MC-E6-SELF's failure.
    """
    assert previous.rules is not None and current.rules is not None
    for device in previous.devices:
        if accepts(device.version, current.rules, new_self) is Answer.COMPATIBLE:
            continue
        if accepts(device.version, previous.rules, old_self) is not Answer.COMPATIBLE:
            continue
        return device, check(device.version, current.rules, new_self)
    return None


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


def _undecided(
    what: str,
    previous: Analysis,
    current: Analysis,
    own: tuple[Device, Verdict] | None,
    error: RelationTooComplex,
    report: Report,
) -> None:
    """U1 when the relation is too complex to decide: a note says so, and a refused own device of the old driver fails.

    Never a pass: the check is not counted as passed for the pair, and the
    upgrade is listed as ``undecided``.
    """
    assert current.rules is not None
    old_where = _where(previous)
    path = current.placement.path + "/migration_compatible_devices"
    witness = how = None
    if own is not None:
        device, verdict = own
        witness = device.text.rstrip("\n")
        how = f"{_own_device(device, old_where)} is {_refused(verdict)} by the new rules, which the old ones accept"
    report.upgrades.append(UpgradeResult(what, old_where, _where(current), "undecided", witness, how))
    checked = (
        "only the old driver's own devices (its covering choices) were checked"
        if previous.template is not None
        else "only the old driver's own device was checked"
    )
    report.note(
        Note(
            "MC-U1-BREAKING",
            current.host.host,
            path,
            f"{what}: the relation of the old and the new rules could not be decided exactly ({error.message});"
            f" {checked}",
        )
    )
    if own is not None:
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
