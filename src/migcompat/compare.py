"""The comparator: does a target accept a source? (clause 8)

:func:`check` answers with a :class:`~migcompat.verdict.Verdict` that explains
itself; :func:`accepts` answers the same question with only the
:class:`~migcompat.verdict.Answer`, for schedulers that filter thousands of
candidates. Both are directional (R7): ``check(a, rules_of_b)`` says nothing
about ``check(b, rules_of_a)``.

What a constraint and a rule mean is decided in :mod:`migcompat.semantics`;
this module only puts verdicts together. A target's rules are compiled once
per (rules, own description) pair and kept in a small cache, so deciding many
sources against one target costs a few mask operations per key of each
source (:class:`~migcompat.semantics.compiled.CompiledRules`). Against a device
type, the verdict is decided per parameter, never per combination
(:mod:`migcompat.semantics.templates`), and :func:`accepts` keeps the rules
compiled against the type (:mod:`migcompat.semantics.compiled_type`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import Final, TypeVar

from ._arguments import require
from ._caches import clear_all, register_lru
from .errors import ParseError
from .model import CompatibleDevices, MigrationVersion, Value
from .parse import parse_compatible, parse_version
from .semantics.compiled import MAX_NEAREST, CompiledRules, compile_rules
from .semantics.compiled_type import CompiledType, compile_type
from .semantics.rules import NO_VALUES, self_keys, self_values
from .semantics.templates import decide_type, device_for, identical_choice
from .verdict import (
    MISSING_RULES,
    MISSING_SOURCE,
    SOURCE_IS_TEMPLATE,
    Answer,
    Reason,
    Verdict,
    missing_verdict,
)

__all__ = [
    "MAX_NEAREST",
    "MISSING_RULES",
    "MISSING_SOURCE",
    "accepts",
    "check",
    "check_attributes",
    "clear_cache",
    "compiled",
]


def compiled(target: CompatibleDevices, target_self: MigrationVersion | None = None) -> CompiledRules:
    """*target*'s rules compiled for the own values of the device instance *target_self* (cached).

    Integrators deciding many sources against one target can keep the result and
    call its :meth:`~migcompat.semantics.compiled.CompiledRules.decide`. The
    rules read a device's own values only through ``$`` (clause 8.4), so the
    cache is keyed by the rule set and the device's values of the keys its
    rules read that way (:func:`~migcompat.semantics.rules.self_keys`): the
    devices of a fleet that share a rule set without ``$`` share one compiled
    rule set, however many they are. The most recently used 256 are kept.

    Arguments of another type raise :class:`TypeError`; a *target_self* that
    is a device-type template (it has ``param`` lines) raises
    :class:`ValueError`, since the own values of a type's devices depend on
    the creation parameters: :func:`check`, :func:`accepts` and
    :func:`~migcompat.plan.plan` decide a type.
    """
    require("target", target, CompatibleDevices)
    require("target_self", target_self, MigrationVersion, optional=True)
    if target_self is None:
        return _compiled(target, None)
    if target_self.params:
        raise ValueError(
            "target_self is a device-type template (it has param lines): compiled rules are for a device"
            " instance's own values; check(), accepts() or plan() decide a type"
        )
    values = self_values(target_self, self_keys(target))
    return _compiled(target, values or None)  # without keys read through $, one compiled form serves every device


def clear_cache() -> None:
    """Empty every cache of the library: the rule sets compiled for :func:`compiled` and for device types, the
    items the parser has kept, and what any other module imported so far remembers (the fleet index's caches
    of each :class:`~migcompat.fleet.index.FleetIndex` aside: its own ``clear_cache`` empties them). A process
    done with a fleet gets the memory back, but for the strings Python has interned."""
    clear_all()


@register_lru
@lru_cache(maxsize=256)
def _compiled(target: CompatibleDevices, values: tuple[Value | None, ...] | None) -> CompiledRules:
    """*target* compiled for its own values *values* of :func:`self_keys` (None: no own description)."""
    if values is None:
        return compile_rules(target, NO_VALUES)
    own = {key: value for key, value in zip(self_keys(target), values, strict=True) if value is not None}
    return compile_rules(target, own)


@register_lru
@lru_cache(maxsize=256)
def _compiled_type(target: CompatibleDevices, template: MigrationVersion) -> CompiledType:
    """*target* compiled against the device type *template*, for :func:`accepts`."""
    return compile_type(target, template)


def check(
    source: MigrationVersion | None,
    target: CompatibleDevices | None,
    target_self: MigrationVersion | None = None,
) -> Verdict:
    """Whether *target* accepts *source*, with the reasons when it does not.

    *target_self* is the target's own ``migration_version``; the rules' ``$``
    references read it (clause 8.4), and it decides the IDENTICAL grade. When it
    is a device-type template, the verdict is the one over every device the type
    can create (clause 8.5) and carries the parameter :attr:`~migcompat.verdict.Verdict.choice`:
    for a compatible verdict, the first choice (clause 8.6 order) whose device
    accepts the source; otherwise the choice under which the nearest rule came
    closest, which the explanation is about.

    A missing *source* or *target* (None: absent, unreadable or invalid) gives
    an unknown verdict (row 8.5-VD2) with one reason ``missing-attribute``
    per missing attribute, source first (:data:`~migcompat.verdict.MISSING_SOURCE`,
    :data:`~migcompat.verdict.MISSING_RULES`; row 8.8-RC14), whose message names the attribute;
    a missing *target_self* only leaves ``$`` without values. A value of
    another type raises :class:`TypeError`.
    """
    if (
        type(source) is not MigrationVersion
        or type(target) is not CompatibleDevices
        or (target_self is not None and type(target_self) is not MigrationVersion)
    ):
        _check_types(source, target, target_self)  # a missing attribute, or TypeError
        return missing_verdict(source is None, target is None)  # at least one is None, or _check_types raised
    if source.params:
        return Verdict(Answer.UNKNOWN, reasons=(SOURCE_IS_TEMPLATE,))
    if target_self is not None and target_self.params:
        return _check_type(source, target, target_self)
    return compiled(target, target_self).verdict(source, target_self)  # rules without accept too: no-rules


def check_attributes(
    source: str | bytes | None,
    target: str | bytes | None,
    target_self: str | bytes | None = None,
) -> Verdict:
    """:func:`check` from the three attributes as read from sysfs: what a scheduler holds, as ``mc_check`` takes it.

    Each argument is an attribute's contents (text, or bytes as read: a
    ``bytearray`` or ``memoryview`` of them too, as the parsers take), or
    None when the attribute is missing. Rows 8.5-VD1 and VD2 are
    decided here, in this order:

    * an attribute in a format version this library does not implement (a
      header ``mcN``, *N* other than 1; the target's own ``migration_version``
      included when given) makes the verdict unknown, with one
      ``unsupported-version`` reason per such attribute, in argument order;
    * otherwise an invalid source or rule set counts as missing (reason
      ``missing-attribute``), and an invalid *target_self* leaves every ``$``
      without value (8.4-SF4), as :func:`check` with None for it does.

    A ``missing-attribute`` reason says which it was: an attribute that is
    missing (None), or one that is not valid, with its parse error
    (``the source's migration_version is not valid: error[syntax]: ...
    (line 1, column 7)``), so that a caller can log what to fix; a
    ``missing-self`` reason adds the error of a *target_self* that is not
    valid.

    Arguments of another type raise :class:`TypeError`.
    """
    unsupported: list[Reason] = []
    invalid: dict[str, Reason] = {}
    source_model = _attribute(_SOURCE, source, parse_version, unsupported, invalid)
    rules = _attribute(_RULES, target, parse_compatible, unsupported, invalid)
    own = _attribute(_OWN, target_self, parse_version, unsupported, invalid)
    if unsupported:
        return Verdict(Answer.UNKNOWN, reasons=tuple(unsupported))  # 8.5-VD1
    if source_model is None or rules is None:  # 8.5-VD2, each reason saying whether missing or not valid
        missing = [_missing(attribute, data, invalid) for attribute, data in ((_SOURCE, source), (_RULES, target))]
        return Verdict(Answer.UNKNOWN, reasons=tuple(reason for reason in missing if reason is not None))
    verdict = check(source_model, rules, own)
    own_error = invalid.get(_OWN)
    return verdict if own_error is None else _noting_own(verdict, own_error.message)


def _noting_own(verdict: Verdict, error: str) -> Verdict:
    """*verdict* with each ``missing-self`` reason saying why the own values are not known: *error*, the target's
    own ``migration_version`` is not valid (so that the fault is found, not taken for an attribute not given)."""

    def mend(reason: Reason) -> Reason:
        return replace(reason, message=f"{reason.message}: {error}") if reason.code == "missing-self" else reason

    nearest = tuple(replace(outcome, reasons=tuple(map(mend, outcome.reasons))) for outcome in verdict.nearest)
    return replace(verdict, nearest=nearest, reasons=tuple(map(mend, verdict.reasons)))


_SOURCE: Final = "the source's migration_version"
_RULES: Final = "the target's migration_compatible_devices"
_OWN: Final = "the target's migration_version"


def _missing(attribute: str, data: str | bytes | None, invalid: dict[str, Reason]) -> Reason | None:
    """The ``missing-attribute`` reason of *attribute*, if it has one: missing, or not valid (found by parsing)."""
    if data is None:
        return Reason("missing-attribute", None, f"{attribute} is missing")
    return invalid.get(attribute)


_M = TypeVar("_M", MigrationVersion, CompatibleDevices)


_ARGUMENTS: Final = {_SOURCE: "source", _RULES: "target", _OWN: "target_self"}


def _attribute(
    attribute: str,
    data: str | bytes | None,
    parser: Callable[[str | bytes], _M],
    unsupported: list[Reason],
    invalid: dict[str, Reason],
) -> _M | None:
    """*data* parsed, or None when it is missing or invalid; an unsupported format version adds its reason to
    *unsupported*, any other parse error a ``missing-attribute`` reason to *invalid*."""
    if data is None:
        return None
    if not isinstance(data, (str, bytes, bytearray, memoryview)):  # what the parsers take
        raise TypeError(
            f"{_ARGUMENTS[attribute]} must be a str or bytes (the attribute's contents) or None,"
            f" not {type(data).__name__}"
        )
    try:
        return parser(data)
    except ParseError as error:
        if error.code == "unsupported-version":
            unsupported.append(Reason("unsupported-version", None, f"{attribute}: {error.message}"))
        else:
            invalid[attribute] = Reason("missing-attribute", None, f"{attribute} is not valid: {error}")
        return None


def accepts(
    source: MigrationVersion | None,
    target: CompatibleDevices | None,
    target_self: MigrationVersion | None = None,
) -> Answer:
    """The answer of :func:`check` alone, without building explanations."""
    if (
        type(source) is not MigrationVersion
        or type(target) is not CompatibleDevices
        or (target_self is not None and type(target_self) is not MigrationVersion)
    ):
        _check_types(source, target, target_self)  # a missing attribute, or TypeError
        return Answer.UNKNOWN  # 8.5-VD2
    if source.params:
        return Answer.UNKNOWN
    if target_self is not None and target_self.params:
        return _compiled_type(target, target_self).answer(source)
    return compiled(target, target_self).decide(source)[0]


def _check_types(source: object, target: object, target_self: object) -> None:
    """Raise :class:`TypeError` unless each argument is None or of its model class."""
    for name, value, kind in (
        ("source", source, MigrationVersion),
        ("target", target, CompatibleDevices),
        ("target_self", target_self, MigrationVersion),
    ):
        require(name, value, kind, optional=True)


def _check_type(source: MigrationVersion, target: CompatibleDevices, template: MigrationVersion) -> Verdict:
    decision = decide_type(source, target, template)
    choice = decision.values()
    if decision.answer is Answer.COMPATIBLE:
        identical = identical_choice(source, template)
        if identical is not None and identical != choice:
            verdict = check(source, target, device_for(template, identical))
            if verdict.answer is Answer.COMPATIBLE:  # the identical configuration wins (8.5-CH2)
                return replace(verdict, choice=identical)
    device = device_for(template, choice)
    verdict = check(source, target, device)
    if verdict.answer is not decision.answer:  # pragma: no cover - the two evaluators agree by construction
        raise AssertionError(f"type verdict {decision.answer.value} but D(c) verdict {verdict.answer.value}")
    return replace(verdict, choice=choice)
