"""The emitter checks of clause 12.1 (E1 to E8 and the SHOULDs) on one host's placements.

Checks that depend only on an attribute's text (parsing, canonical form, the
registry, ``$``, self-acceptance) are evaluated once per distinct pair of
texts and the outcome is applied to every placement that has them, so a host
of a thousand identical VFs costs little more than one. Checks that depend on
the placement (the pair, modes, stability, agreement with sysfs, E8) run per
placement. E8 compares no field on which the type's template itself fails
MC-E3-SYSFS (a note says so). An mdev that reports *D(c)* but whose rules
do not relate ``equal`` to its type's for *c* (clause 10.1) fails the
recommended MC-S3-TYPE-RULES (a warning, with a source one side accepts and
the other refuses); a relation too complex to decide is a note.

A device type's choices are the product of its parameters' values, which a
4096-byte template can make astronomically many; no check enumerates them.
What a constraint means is decided by :mod:`migcompat.semantics` alone.

* The type's *covering choices* (:func:`~migcompat.semantics.templates.covering_choices`) stand for it as a
  source (here and in the compatibility matrix): the choice with every
  parameter at its first declared value, and for each parameter and each of
  its other values the choice that changes only that parameter. Every
  declared value appears in some covering choice, and there are
  ``1 + sum(values - 1)`` of them: linear in the template.
* E7 is decided exactly on the covering choices: a ``$`` on key *k* reads only
  the value of *k*, which one parameter at most sets (``param-conflict``), and
  every value of that parameter is in some covering choice.
* E6 ("every device D(c) the type creates is accepted by its own rules under
  c") is decided per parameter: a rule's truth under a choice is the
  conjunction of its truth on the fixed fields and on each parameter's line
  (``param-conflict`` again), each evaluated once by the core's rule
  evaluator. Whether some choice defeats every rule is then a search over the
  parameters' values that is exact whenever it finishes within
  ``MAX_SEARCH`` steps, which it always does for a type of at most
  :data:`MAX_CHOICES` choices, and on any size when each rule's truth does not
  depend on the choice (the common ``k=$`` and ``k=..$`` shapes). Beyond that
  bound E6 is checked on the covering choices only, and a note says so.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from types import MappingProxyType
from typing import Final

from .._caches import register_lru
from .._values import encode_token
from ..compare import check
from ..display import article, plural
from ..emit import alternative_text, emit, value_text
from ..errors import ParseError
from ..limits import MAX_ATTRIBUTE_BYTES
from ..model import (
    SELF,
    Alternative,
    CompatibleDevices,
    Constraint,
    Equals,
    Field,
    MigrationVersion,
    Range,
    SelfPrefix,
    Subset,
    Superset,
    Value,
    value_type,
)
from ..parse import detect, parse_compatible, parse_version
from ..registry import STANDARD_KEYS, closest_standard_key, registry_default
from ..relate import Relation, RelationTooComplex, relate
from ..semantics.constraints import NOT_A_VERSION, constants, reads_self, resolve_alternative
from ..semantics.rules import Context, own_values, rule_truth, self_values
from ..semantics.templates import (
    Parameter,
    SelfAcceptance,
    choice_count,
    covering_devices,
    device_for,
    parameters_of,
    setters,
)
from ..sysfs.model import (
    COMPATIBLE,
    FINDING_CODES,
    PLACEMENT_FINDINGS,
    VERSION,
    VFIO_DEV,
    Attr,
    Finding,
    HostData,
    Placement,
)
from ..sysfs.reader import READ_LIMIT
from ..verdict import Answer, Reason
from .results import Excerpt, Failure, Note, Report, collector_paused, host_label

__all__ = [
    "MAX_CHOICES",
    "MAX_KEPT_FIELDS",
    "MAX_SEARCH",
    "PLACEMENT_KINDS",
    "Analysis",
    "Device",
    "TextCache",
    "TextFindings",
    "analyse_host",
    "check_texts",
    "locate",
]

MAX_CHOICES: Final = 4096
"""E6 is decided exactly for every device type with at most this many choices (and for many larger ones)."""

MAX_SEARCH: Final = 2 * MAX_CHOICES
"""At most this many steps of the search for a choice whose device its own rules reject (E6).

The search branches only on parameters with at least two differently-behaving
values, so its tree has fewer inner nodes than leaves: twice the number of
choices bounds it, and a type of at most :data:`MAX_CHOICES` choices is always
decided exactly.
"""

_NO_CHOICE: Final[Mapping[str, Value]] = MappingProxyType({})

_FEW_RULES: Final = 8
"""Self-acceptance of a device instance with at most this many rules is decided rule by rule, not compiled."""

VFIO_DEVICE_APIS: Final = frozenset(
    {"vfio-pci", "vfio-platform", "vfio-amba", "vfio-ccw", "vfio-ap", "vfio-fsl-mc", "vfio-cdx"}
)
"""The values of device_api (registry, clause 11): the VFIO_DEVICE_API_*_STRING strings, and vfio-fsl-mc
and vfio-cdx for the device APIs that have a VFIO_DEVICE_FLAGS_* flag and no string."""
BUS_DEVICE_APIS: Final = {
    "platform": "vfio-platform",
    "amba": "vfio-amba",
    "fsl-mc": "vfio-fsl-mc",
    "cdx": "vfio-cdx",
}
"""The device API of a device its bus's VFIO driver binds directly (vfio-platform, vfio-amba, vfio-fsl-mc,
vfio-cdx): what E3 expects of ``device_api`` on ``bus/<bus>/devices/<name>``. The ccw and ap devices are
mdevs, whose type says its ``device_api``; a device on a bus not listed here is not compared."""
_PCI_ID: Final = re.compile(r"[0-9a-f]{4}:[0-9a-f]{4}")
_INSTANCE_KINDS: Final = frozenset({"mdev", "pci", "device", "unplaced"})
_MDEV_KINDS: Final = frozenset({"mdev", "mdev_type"})
PLACEMENT_KINDS: Final = ("mdev_type", "mdev", "pci", "device", "unplaced")
"""The kinds of placement :func:`check_texts` takes: a device type, then the kinds of device instance.

``unplaced`` is a device instance whose placement is not known (its files
alone, outside sysfs): an mdev or not. The checks whose outcome depends on
that (MC-S2-DEFAULT-WRITTEN for a field written with its registry default,
and the registry's "type only for mdevs") are then not decided: the first is
in :attr:`TextFindings.unchecked`, the second is a note.
"""
_S2: Final = "MC-S2-DEFAULT-WRITTEN"


def _another_version(attribute: str) -> str:
    """Why an *attribute* of another major format version fails MC-E1-PARSE, to follow the parser's message.

    A conforming parser rejects ``mcN``, *N* other than 1, with
    ``unsupported-version`` (9.1-M1), and the attributes of clause 10 hold
    ``mc1`` and no other (clause 9.6): such an attribute is not valid as the
    kind its file name says (E1), whatever a later format would make of it.
    """
    return (
        f"; {attribute}, as every attribute of clause 10, holds format mc1 and no other: a later format goes in"
        " a second pair of attributes beside the mc1 pair (clause 9.6)"
    )


@dataclass(frozen=True)
class Device:
    """One device a placement describes: an instance, or D(c) of a type for the covering choice *choice*.

    *varied* is, for a covering choice other than the first, the parameter it
    changes and the index of the value it gives it; None for the first
    covering choice (every parameter at its first value) and for an instance.
    """

    choice: Mapping[str, Value]
    version: MigrationVersion
    varied: tuple[str, int] | None = None

    @cached_property
    def text(self) -> str:
        """The device's ``migration_version`` in canonical form, written when first asked for."""
        return emit(self.version)


@dataclass
class Analysis:
    """One placement, parsed: what the matrix and upgrade checks build on.

    *devices* is empty unless both attributes are valid and the placement is
    usable as a target (an instance without param lines, or a type); for a
    type it holds the devices of its covering choices (:func:`~migcompat.semantics.templates.covering_choices`),
    of which the type has *choices* in all.
    """

    host: HostData
    placement: Placement
    version: MigrationVersion | None = None
    rules: CompatibleDevices | None = None
    rules_text: str = ""
    devices: list[Device] = field(default_factory=list)
    choices: int = 1

    @property
    def template(self) -> MigrationVersion | None:
        """The type's template (its ``migration_version``), or None for a device instance."""
        if self.version is not None and self.version.params:
            return self.version
        return None

    @property
    def driver(self) -> str | None:
        if self.version is None:
            return self.placement.links.get("driver")
        entry = self.version.fields.get("driver")
        if entry is not None and isinstance(entry.value, str):
            return entry.value
        return self.placement.links.get("driver")


# ---- locating text -----------------------------------------------------------------------------


def _lines(data: bytes) -> list[str]:
    return data.decode("ascii", "replace").split("\n")


def locate(data: bytes, key: str, line: int | None = None) -> Excerpt | None:
    """The item ``key=...`` (or ``~key=``, ``key<=``...) in *data*, first on *line* if given.

    The items of *data* are indexed once (:func:`_items`), so reporting every
    key of an attribute costs one pass over it, not one per key.
    """
    first, on_line = _items(data)
    return first.get(key) if line is None else on_line.get((line, key))


@register_lru
@lru_cache(maxsize=64)
def _items(data: bytes) -> tuple[dict[str, Excerpt], dict[tuple[int, str], Excerpt]]:
    """Every ``key=...`` item of *data*: the first of each key, and the first of each key on each line."""
    first: dict[str, Excerpt] = {}
    on_line: dict[tuple[int, str], Excerpt] = {}
    for number, text in enumerate(_lines(data), start=1):
        column = 1
        for item in text.split(" "):
            name = _ITEM_NAME.split(item.lstrip("~"), maxsplit=1)[0]
            if item != name and (number, name) not in on_line:
                excerpt = Excerpt(number, column, len(item), text)
                on_line[(number, name)] = excerpt
                first.setdefault(name, excerpt)
            column += len(item) + 1
    return first, on_line


_ITEM_NAME: Final = re.compile(r"[=<>]")


def _line_excerpt(data: bytes, line: int) -> Excerpt:
    lines = _lines(data)
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    return Excerpt(line, 1, max(1, len(text)), text)


def _parse_excerpt(error: ParseError) -> Excerpt:
    return Excerpt(error.line, error.column, error.length, error.text)


def _difference(data: bytes, expected: bytes) -> Excerpt:
    """Where *data* first differs from *expected*: the line of *data* and the column."""
    got, want = _lines(data), _lines(expected)
    for number, (left, right) in enumerate(itertools.zip_longest(got, want, fillvalue=None), start=1):
        if left == right:
            continue
        text = left or ""
        other = right or ""
        column = next((i for i, (a, b) in enumerate(zip(text, other, strict=False)) if a != b), None)
        if column is None:
            column = min(len(text), len(other))
        column = text.rfind(" ", 0, column) + 1  # the item the difference is in, from its first byte
        end = text.find(" ", column)
        length = max(1, (len(text) if end < 0 else end) - column) if left is not None else 1
        return Excerpt(number, column + 1, length, text)
    return Excerpt(1, 1, 1, got[0] if got else "")


# ---- the text checks ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Problem:
    check: str
    attribute: str | None
    message: str
    excerpt: Excerpt | None = None
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass
class _TextOutcome:
    version: MigrationVersion | None
    rules: CompatibleDevices | None
    rules_text: str
    devices: list[Device]
    choices: int
    problems: list[_Problem]
    passes: dict[str, int]
    """How many times each check passed."""
    notes: list[_Problem]
    unchecked: dict[str, str] = field(default_factory=dict)
    """Why each check that applies but could not be decided was not run (check ID: reason)."""


@dataclass(frozen=True)
class _RulesChecks:
    """The outcome of the checks on a rules attribute alone: its model, canonical text, problems and passes."""

    rules: CompatibleDevices | None
    text: str
    parse_problems: tuple[_Problem, ...]
    problems: tuple[_Problem, ...]
    passed: tuple[str, ...]
    selfrefs: tuple[_SelfRef, ...] = ()


@dataclass(frozen=True)
class _SelfRef:
    """A constraint with ``$`` or ``$N``: its accept line's number, its key, what reads the own value, the types of
    its other values.

    *reads* holds the alternatives that read the own value (``$``, ``$N``, or a
    range with such an end), in the order written; None stands for a ``$``
    subset or superset operand.
    """

    line: int
    key: str
    reads: tuple[Alternative | None, ...]
    others: frozenset[str]


@register_lru
@lru_cache(maxsize=1024)
def _rules_checks(data: bytes) -> _RulesChecks:
    return _TextChecks("", None, data).rules_only()


MAX_KEPT_FIELDS: Final = 2_000_000
"""The fields of covering devices a run keeps for the matrix and the upgrade checks: about 250 MB.

A device type's own checks (E6, E7) use all its covering choices
(:func:`~migcompat.semantics.templates.covering_choices`), at most about 155
devices of as many fields within the 4095-byte limit. Once they are done,
the type keeps them for the checks across placements, unless the run's
types have already kept this many fields: then it keeps only its first
covering choice, and a note says so. Without the bound, a capture at its
64 MiB limit of such types would keep some 20 GB.
"""


class TextCache(dict[tuple[str, bytes | None, bytes | None], _TextOutcome]):
    """The outcomes of the text checks, by (kind of placement, migration_version, migration_compatible_devices).

    One cache serves every host of a run. It counts the fields of the
    covering devices its outcomes keep (*kept*, at most about
    :data:`MAX_KEPT_FIELDS`) and the device types cut to their first
    covering choice (*cut*). With *checks* False, its hosts' attributes are
    parsed and paired and nothing else is checked: what an inventory needs
    to know its providers, at a cost linear in the texts (the registry's
    suggestions for every unregistered key, self-acceptance and the
    templates' checks are the conformance suite's).
    """

    def __init__(self, *, checks: bool = True) -> None:
        super().__init__()
        self.kept = 0
        self.cut = 0
        self.checks = checks

    def keep(self, outcome: _TextOutcome) -> bool:
        """Count *outcome*'s covering devices, first cutting them to the first when the bound is spent.

        True when they were cut.
        """
        size = sum(len(device.version.fields) for device in outcome.devices)
        cut = len(outcome.devices) > 1 and self.kept + size > MAX_KEPT_FIELDS
        if cut:
            outcome.devices = outcome.devices[:1]
            size = len(outcome.devices[0].version.fields)
            self.cut += 1
        self.kept += size
        return cut


def _cut_note() -> str:
    return (
        "the device types checked from this one on keep only their first covering choice for the compatibility"
        f" matrix and the upgrade checks: the run's types already keep {MAX_KEPT_FIELDS} fields of covering devices"
        " (MAX_KEPT_FIELDS); each type's own checks (E6, E7) still use all its covering choices (check fewer hosts"
        " at a time)"
    )


def _choice_text(choice: Mapping[str, Value]) -> str:
    return " ".join(f"{name}={value_text(value)}" for name, value in choice.items())


def _describe(choice: Mapping[str, Value]) -> str:
    return _choice_text(choice) or "(no parameters)"


def _device_of(choice: Mapping[str, Value]) -> str:
    """D(c) for the choice *choice*, as clause 5.5 writes it: ``D(aggregate=2)``, or ``D()`` for a type without
    parameters."""
    return f"D({_choice_text(choice)})"


def _written_lines(version: MigrationVersion) -> list[tuple[int, Mapping[str, Field]]]:
    """Each line of *version* with the fields it writes: line 1 the fixed fields, then each ``param`` line's
    parameter and fields, numbered as in the text."""
    return [(1, version.fields)] + [
        (number, {p.name: Field(p.value, p.critical), **p.fields}) for number, p in enumerate(version.params, start=2)
    ]


class _TextChecks:
    """The checks on a pair of attribute texts, for one kind of placement."""

    def __init__(self, kind: str, version: bytes | None, rules: bytes | None) -> None:
        self.kind = kind
        self.version_data = version
        self.rules_data = rules
        self.canonical: dict[str, str] = {}
        self.owns: dict[int, Mapping[str, Value]] = {}
        self.problems: list[_Problem] = []
        self.passed: list[str] = []
        self.notes: list[_Problem] = []
        self.unchecked: dict[str, str] = {}
        self.choices = 1

    def fail(
        self, check_id: str, attribute: str | None, message: str, excerpt: Excerpt | None = None, **details: str
    ) -> None:
        self.problems.append(_Problem(check_id, attribute, message, excerpt, details))

    def ok(self, check_id: str) -> None:
        self.passed.append(check_id)

    def run(self) -> _TextOutcome:
        version = self._parse(VERSION, self.version_data)
        assert version is None or isinstance(version, MigrationVersion)
        # The checks of the rules alone are shared by every placement with the same rules.
        part = _rules_checks(self.rules_data) if self.rules_data is not None else None
        rules = part.rules if part is not None else None
        if part is not None:
            self.problems.extend(part.parse_problems)
            self.passed.extend(part.passed)
        devices: list[Device] = []
        if version is not None:
            self._registry_version(version)
            self._required(version)
            devices = self._devices(version)
        if part is not None:
            self.problems.extend(part.problems)
        if version is not None and part is not None and rules is not None and devices:
            if not self._selfref(version, part.selfrefs, devices):
                self.unchecked["MC-E6-SELF"] = (
                    "not run, as MC-E7-SELFREF failed: a $ or $N has no value of a type its place allows"
                )
            elif version.params:
                self._type_self_acceptance(version, rules, devices)
            else:
                who = "the device" if self.kind in _INSTANCE_KINDS else _created(_NO_CHOICE)
                self._self_acceptance(who, rules, devices[0])
        rules_text = part.text if part is not None else ""
        passes: dict[str, int] = {}
        for ident in self.passed:
            passes[ident] = passes.get(ident, 0) + 1
        return _TextOutcome(
            version, rules, rules_text, devices, self.choices, self.problems, passes, self.notes, self.unchecked
        )

    def parse_only(self) -> _TextOutcome:
        """Both texts parsed (MC-E1-PARSE, and MC-E2-CANONICAL as the parse finds it) and the devices the
        description stands for, without the other checks."""
        version = self._parse(VERSION, self.version_data)
        rules = self._parse(COMPATIBLE, self.rules_data)
        assert version is None or isinstance(version, MigrationVersion)
        assert rules is None or isinstance(rules, CompatibleDevices)
        devices = self._devices(version) if version is not None else []
        return _TextOutcome(
            version,
            rules,
            self.canonical.get(COMPATIBLE, ""),
            devices,
            self.choices,
            self.problems,
            {},
            [],
        )

    def rules_only(self) -> _RulesChecks:
        """The checks of the rules attribute alone (E1, E2, E3, S1, M1)."""
        rules = self._parse(COMPATIBLE, self.rules_data)
        assert rules is None or isinstance(rules, CompatibleDevices)
        parse_problems = list(self.problems)
        del self.problems[:]
        if rules is not None:
            self._registry_rules(rules)
            self._accept_all(rules)
            if rules.rules:
                self.ok("MC-M1-ACCEPTS-NOTHING")
            else:
                self.fail(
                    "MC-M1-ACCEPTS-NOTHING",
                    COMPATIBLE,
                    "the attribute has no accept line: the target accepts no source at all",
                    _line_excerpt(self._data(COMPATIBLE), 1),
                )
        text = self.canonical.get(COMPATIBLE, "")
        selfrefs: list[_SelfRef] = []
        if rules is not None:
            first = 3 if rules.defaults else 2
            for number, rule in enumerate(rules.rules, start=first):
                for key, constraint in rule.constraints.items():
                    reads: tuple[Alternative | None, ...]
                    if type(constraint) is Equals:
                        reads = tuple(alternative for alternative in constraint.alternatives if reads_self(alternative))
                    else:
                        reads = (
                            (None,) if isinstance(constraint, Subset | Superset) and constraint.operand is SELF else ()
                        )
                    if reads:
                        others = frozenset(value_type(v) for v in constants(constraint))
                        selfrefs.append(_SelfRef(number, key, reads, others))
        return _RulesChecks(
            rules,
            text,
            tuple(parse_problems),
            tuple(self.problems),
            tuple(self.passed),
            tuple(selfrefs),
        )

    def _data(self, name: str) -> bytes:
        data = self.version_data if name == VERSION else self.rules_data
        return b"" if data is None else data

    # E1, E2
    def _parse(self, name: str, data: bytes | None) -> MigrationVersion | CompatibleDevices | None:
        if data is None:
            return None
        try:
            model: MigrationVersion | CompatibleDevices = (
                parse_version(data) if name == VERSION else parse_compatible(data)
            )
        except ParseError as error:
            # A common slip's hint (migcompat._hints); not the library's "parse it with parse_compatible()".
            hint = {"hint": error.hint} if error.hint is not None and detect(data) == name else {}
            if data.lstrip()[:1] == b"{":
                hint = {
                    "hint": "it is a JSON document, not an attribute: a capture is checked by 'migcompat"
                    " conformance FILE', a data model written out by 'migcompat emit FILE'"
                }
            message = f"error[{error.code}]: {error.message}"
            if error.code == "unsupported-version":  # E1 fails: 9.1-M1 and 9.6, not check's unknown of 9.1-M2
                message += _another_version(name)
            self.fail(
                "MC-E1-PARSE",
                name,
                message,
                _parse_excerpt(error),
                error_code=error.code,
                **hint,
            )
            return None
        self.ok("MC-E1-PARSE")
        text = self.canonical[name] = emit(model)
        canonical = text.encode("ascii")
        if data == canonical:
            self.ok("MC-E2-CANONICAL")
        elif data + b"\n" == canonical:
            lines = _lines(data)
            excerpt = Excerpt(len(lines), len(lines[-1]) + 1, 1, lines[-1])
            self.fail(
                "MC-E2-CANONICAL", name, "the final newline is missing (show() must end the text with one LF)", excerpt
            )
        else:
            excerpt = _difference(data, canonical)
            expected = _lines(canonical)
            shown = expected[excerpt.line - 1] if excerpt.line <= len(expected) else "(no such line)"
            self.fail(
                "MC-E2-CANONICAL",
                name,
                f"not in canonical form; line {excerpt.line} should read: {shown!r}"
                + _other_differences(data, canonical),
                excerpt,
                canonical=canonical.decode("ascii"),
            )
        return model

    # E3 (registry)
    def _registry_version(self, version: MigrationVersion) -> None:
        data = self._data(VERSION)
        before = len(self.problems)
        # An unplaced instance may be an mdev, which may carry type=: that condition is left undecided (a note).
        mdev = self.kind in _MDEV_KINDS or self.kind == "unplaced"
        for line, fields in _written_lines(version):
            for key, entry in fields.items():
                if "." in key:
                    problem = None
                elif key not in STANDARD_KEYS:
                    driver = version.fields.get("driver")
                    problem = _unregistered(key, fields, driver.value if driver is not None else None)
                else:
                    problem = _field_problem(key, entry.critical, entry.value, mdev)
                if problem:
                    self.fail("MC-E3-REGISTRY", VERSION, problem, locate(data, key, line), key=key)
        if len(self.problems) == before:
            self.ok("MC-E3-REGISTRY")
        if self.kind == "unplaced" and "type" in version.fields:
            self.notes.append(
                _Problem(
                    "MC-E3-REGISTRY",
                    VERSION,
                    "type= is only for mdev types and instances: not checked, as whether this device is an mdev is"
                    " not known from its files",
                )
            )
        self._defaults_written(version)

    # S2
    def _defaults_written(self, version: MigrationVersion) -> None:
        """Fields written with their key's registry default (clause 6.3), which a device created from a type may write.

        An mdev reports D(c) of its type (E8), which lists its parameters'
        values, defaults included: clause 6.3 exempts it, so nothing of an
        mdev's is a finding. For an unplaced instance, a default written is
        a finding or not as the device is an mdev or not: S2 is then not
        decided (:attr:`unchecked`), while one that writes none passes either way.
        """
        data = self._data(VERSION)
        written = [] if self.kind == "mdev" else _defaults_in(version)
        if written and self.kind == "unplaced":
            shown = ", ".join(f"{key}={value_text(value)}" for key, value in written)
            what = "is its key's registry default" if len(written) == 1 else "are their keys' registry defaults"
            self.unchecked[_S2] = (
                f"{shown} {what}, which a device created from a type (an mdev) writes"
                " as part of D(c) and another device should not (clause 6.3): whether this device is an mdev is"
                " not known from its files"
            )
            return
        for key, value in written:
            self.fail(
                _S2,
                VERSION,
                f"{key}={value_text(value)} is the registry default of {key}; leave the field out",
                locate(data, key, 1),
                key=key,
            )
        if not written:
            self.ok(_S2)

    def _registry_rules(self, rules: CompatibleDevices) -> None:
        data = self._data(COMPATIBLE)
        before = len(self.problems)
        line = 2
        if rules.defaults:
            for key, value in rules.defaults.items():
                problem = self._key_problem(key, [value], written=rules.defaults) or _default_problem(key, value)
                if problem:
                    self.fail("MC-E3-REGISTRY", COMPATIBLE, problem, locate(data, key, line), key=key)
            line += 1
        for number, rule in enumerate(rules.rules, start=line):
            driver = _driver_of(rule.constraints)
            for key, constraint in rule.constraints.items():
                problem = self._key_problem(
                    key, constants(constraint), constraint, written=rule.constraints, driver=driver
                )
                if problem:
                    self.fail("MC-E3-REGISTRY", COMPATIBLE, problem, locate(data, key, number), key=key)
        if len(self.problems) == before:
            self.ok("MC-E3-REGISTRY")

    def _key_problem(
        self,
        key: str,
        values: Sequence[Value],
        constraint: Constraint | None = None,
        *,
        written: Collection[str] = (),
        driver: Value | None = None,
    ) -> str | None:
        """What is wrong with *key* (of *values*) on a default line or in a rule by the registry (E3), or None;
        *written* are the keys on that line."""
        if "." in key:
            return None
        standard = STANDARD_KEYS.get(key)
        if standard is None:
            return _unregistered(key, written, driver)
        if isinstance(constraint, Subset | Superset) and standard.type != "set":
            return f"{key} is a {standard.type}; subset and superset apply to sets"
        for value in values:
            kind = value_type(value)
            if kind != standard.type:
                return f"{key} is {article(standard.type)} in the registry; {value_text(value)} is {article(kind)}"
        return None

    # E3 (device_api and driver)
    def _required(self, version: MigrationVersion) -> None:
        data = self._data(VERSION)
        missing = [key for key in ("device_api", "driver") if not _always_set(version, key)]
        if missing:
            what = " and ".join(missing)
            excerpt = Excerpt(1, 1, len(_lines(data)[0]), _lines(data)[0])
            scope = "every device the template describes" if version.params else "the device"
            written = {*version.fields, *(key for param in version.params for key in (param.name, *param.fields))}
            meant = [
                f"{key} (for {closest_standard_key(key, written)}?)"
                for key in sorted(written)
                if closest_standard_key(key, written) in missing
            ]
            also = f"; it writes {', '.join(meant)}" if meant else ""
            self.fail("MC-E3-REQUIRED", VERSION, f"{scope} must carry {what}{also}", excerpt)
        else:
            self.ok("MC-E3-REQUIRED")

    # E4
    def _devices(self, version: MigrationVersion) -> list[Device]:
        if self.kind in _INSTANCE_KINDS:
            if version.params:
                data = self._data(VERSION)
                self.fail(
                    "MC-E4-NO-PARAMS",
                    VERSION,
                    "a device instance's migration_version has param lines (it describes a type, not this device)",
                    _line_excerpt(data, 2),
                )
                return []
            self.ok("MC-E4-NO-PARAMS")
            return [Device(_NO_CHOICE, version)]
        self.choices = choice_count(version)
        return [Device(choice, device, varied) for choice, varied, device in covering_devices(version)]

    # S1
    def _accept_all(self, rules: CompatibleDevices) -> None:
        first = 3 if rules.defaults else 2
        bad = [first + index for index, rule in enumerate(rules.rules) if not rule.constraints]
        for line in bad:
            self.fail(
                "MC-S1-ACCEPT-ALL",
                COMPATIBLE,
                "an accept line without constraints accepts every source whose fields are all ignorable"
                " or critical with their key's registry default (aggregate=1, features={})",
                _line_excerpt(self._data(COMPATIBLE), line),
            )
        if not bad:
            self.ok("MC-S1-ACCEPT-ALL")

    # E7
    def _selfref(self, version: MigrationVersion, selfrefs: Sequence[_SelfRef], devices: list[Device]) -> bool:
        """E7 on the covering choices, which is exact: each ``$`` key takes the values of one parameter at most."""
        failed = False
        base = devices[0]
        varying: dict[str, list[Device]] = {}
        setter: dict[str, str] = {}
        if version.params:
            for device in devices[1:]:
                if device.varied is not None:
                    varying.setdefault(device.varied[0], []).append(device)
            setter = setters(parameters_of(version))
        for selfref in selfrefs:
            key = selfref.key
            relevant = [base, *varying.get(setter.get(key, ""), ())] if setter else [base]
            for problem in self._selfref_problems(selfref, relevant):
                failed = True
                self.fail(
                    "MC-E7-SELFREF", COMPATIBLE, problem, locate(self._data(COMPATIBLE), key, selfref.line), key=key
                )
        if not failed:
            self.ok("MC-E7-SELFREF")
        return not failed

    def _selfref_problems(self, selfref: _SelfRef, devices: Sequence[Device]) -> list[str]:
        """What is wrong with each ``$`` and ``$N`` of *selfref* (E7): for each, its first device's problem."""
        key = selfref.key
        found: dict[str, str] = {}  # by the alternative as written ("" when the key has no value at all)
        for device in devices:
            (value,) = self_values(device.version, (key,))
            if value is None:
                tokens = _self_tokens(selfref.reads)
                verb = "refers" if len(tokens) == 1 else "refer"
                found.setdefault(
                    "",
                    f"{' and '.join(tokens)} {verb} to {key}, which {_where(device)} does not carry and which has no"
                    " registry default",
                )
                continue
            for alternative in selfref.reads:
                shown = "$" if alternative is None else alternative_text(alternative)
                if shown not in found:
                    problem = _read_problem(selfref, alternative, value, device)
                    if problem is not None:
                        found[shown] = problem
        return list(found.values())

    def _own(self, version: MigrationVersion) -> Mapping[str, Value]:
        """The own values of a device this placement describes (clause 8.4), computed once per device."""
        found = self.owns.get(id(version))
        if found is None:
            found = self.owns[id(version)] = own_values(version)
        return found

    # E6
    def _self_acceptance(self, who: str, rules: CompatibleDevices, device: Device) -> None:
        version = device.version
        if len(rules.rules) <= _FEW_RULES:
            # The core's rule evaluator, without compiling rules that judge this one device only.
            context = Context(rules.defaults, self._own(version))
            if any(rule_truth(rule, version, context) is True for rule in rules.rules):
                self.ok("MC-E6-SELF")
                return
        verdict = check(version, rules, version)
        if verdict.answer is Answer.COMPATIBLE:
            self.ok("MC-E6-SELF")
            return
        self._self_failure(who, version, verdict.answer, verdict.reasons)

    def _type_self_acceptance(
        self, template: MigrationVersion, rules: CompatibleDevices, devices: list[Device]
    ) -> None:
        search = SelfAcceptance(template, rules)
        choice, exact = search.run(MAX_SEARCH)
        if not exact:
            choice = search.first_rejected([device.choice for device in devices])
        if choice is None:
            self.ok("MC-E6-SELF")
            if not exact:
                self.notes.append(
                    _Problem(
                        "MC-E6-SELF",
                        COMPATIBLE,
                        f"checked on the type's {len(devices)} covering choices only (every declared value of every"
                        f" parameter in one of them), not on all its {self.choices} choices: the search for a choice"
                        f" whose device its rules reject stopped after {MAX_SEARCH} steps",
                    )
                )
            return
        device = device_for(template, choice)
        verdict = check(device, rules, device)
        if verdict.answer is Answer.COMPATIBLE:  # pragma: no cover - the per-parameter decomposition is exact
            raise AssertionError(f"E6 found {_describe(choice)} rejected but its device is accepted")
        self._self_failure(_created(choice), device, verdict.answer, verdict.reasons)

    def _self_failure(self, who: str, device: MigrationVersion, answer: Answer, reasons: Sequence[Reason]) -> None:
        shown = "; ".join(f"[{r.code}] {r.message}" for r in reasons[:3])
        first = next((r for r in reasons if r.field), None)
        excerpt, attribute, advice = None, COMPATIBLE, ""
        if first is not None:
            key = first.field
            assert key is not None
            # The excerpt names the file its line is in: the rules' constraint, else the version's field.
            excerpt = locate(self._data(COMPATIBLE), key)
            if excerpt is None:
                excerpt = locate(self._data(VERSION), key)
                attribute = VERSION if excerpt is not None else COMPATIBLE
            if first.code == "unconstrained-critical":
                advice = f"; constrain {key} in a rule ({key}=$ accepts the device's own value)"
                entry = STANDARD_KEYS.get(key)
                if entry is None or entry.form != "critical":  # the registry lets ~ mark only these (E3)
                    advice += f", or write the field ~{key} if it does not change the migration stream"
            elif first.code == "missing-field":  # the source is the device: it does not carry the key
                advice = (
                    f"; the device does not carry {key}: write {key} in its {VERSION}, or give {key} a value on the"
                    f" default line (default {key}=...); {key}=$ would not do, as $ stands for the device's own"
                    " value, which a default line never supplies (clause 8.4)"
                )
            else:
                advice = f"; make a rule's constraint on {key} accept the device's own value ({key}=$ does)"
        self.fail(
            "MC-E6-SELF",
            attribute,
            f"{who} is not accepted by its own rules ({answer.value}): {shown}{advice}",
            excerpt,
            device=emit(device).rstrip("\n"),
        )


def _default_problem(key: str, value: Value) -> str | None:
    """What is wrong with ``default key=value`` by E3: a key with a registry default keeps that value (5.7), and a
    registry key's value meets the registry's conditions (a source without it is taken to have it)."""
    registered = registry_default(key)
    if registered is None or value == registered:
        return _condition_problem(key, value) if "." not in key and key in STANDARD_KEYS else None
    return (
        f"default {key}={value_text(value)} gives {key} another value than its registry default"
        f" {value_text(registered)}: a source without {key} is a device with {key}={value_text(registered)}"
        f" (clause 5.7), so a default line must not say otherwise; remove {key} from the default line"
    )


@register_lru
@lru_cache(maxsize=4096)
def _field_problem(key: str, critical: bool, value: Value, mdev: bool) -> str | None:
    """What is wrong with the field *key* of a ``migration_version`` by the registry (E3), or None."""
    if "." in key:
        return None
    standard = STANDARD_KEYS.get(key)
    if standard is None:
        return _unregistered(key)
    if standard.form == "critical" and not critical:
        return f"{key} is a critical key in the registry; write it without ~"
    if standard.form == "ignorable" and critical:
        return f"{key} is an ignorable key in the registry; write it as ~{key}"
    kind = value_type(value)
    if kind != standard.type:
        return f"{key} must be {article(standard.type)}, not the {kind} {value_text(value)}"
    condition = _condition_problem(key, value)
    if condition is not None:
        return condition
    if key == "type" and not mdev:
        return "type is only for mdev types and instances"
    return None


def _condition_problem(key: str, value: Value) -> str | None:
    """What is wrong with *value* of the registry key *key* by the registry's conditions on its values (E3), or
    None: whether a device writes it or a ``default`` line gives it to the sources that do not."""
    if key == "device_api" and value not in VFIO_DEVICE_APIS:
        return f"device_api {value_text(value)} is not a VFIO device API ({', '.join(sorted(VFIO_DEVICE_APIS))})"
    if key in ("pci_id", "pci_subsystem") and not (isinstance(value, str) and _PCI_ID.fullmatch(value)):
        return f"{key} {value_text(value)} is not vvvv:dddd in lower-case hexadecimal"
    return None


_NAMESPACE: Final = re.compile(r"[a-z][a-z0-9_]*")
"""A module name that can be a key's namespace as it is (clause 11.1)."""


def _unregistered(key: str, written: Collection[str] = (), driver: object = None) -> str:
    """The E3 message for the standard key *key* that the registry does not have, with the likely registry key
    among those not *written* on its line, and the vendor key it could be: in the namespace of *driver* (the
    ``driver`` value of the line, the module's name) when that is one, else ``vendor.``."""
    meant = closest_standard_key(key, written)
    guess = "" if meant is None else f" (did you mean {meant}?)"
    namespace = driver if isinstance(driver, str) and _NAMESPACE.fullmatch(driver) else "vendor"
    return f"{key} is not a registry key{guess}; a vendor key has a namespace ({namespace}.{key})"


def _driver_of(constraints: Mapping[str, Constraint]) -> Value | None:
    """The one value a rule's ``driver`` constraint allows, or None."""
    constraint = constraints.get("driver")
    values = constants(constraint) if constraint is not None else ()
    return values[0] if len(values) == 1 else None


def _where(device: Device) -> str:
    return "the device" if not device.choice else _created(device.choice)


def _created(choice: Mapping[str, Value]) -> str:
    """The device a type creates with *choice*, as a message names it; for a type without parameters, the one
    device the type describes."""
    return f"the device created with {_describe(choice)}" if choice else "the device the type describes"


def _defaults_in(version: MigrationVersion) -> list[tuple[str, Value]]:
    """The fields of *version*'s first line whose value is their key's registry default (clause 6.3)."""
    written: list[tuple[str, Value]] = []
    for key, entry in version.fields.items():
        default = registry_default(key)
        if default is not None and entry.value == default:
            written.append((key, entry.value))
    return written


def _prefixes(alternative: Alternative) -> list[str]:
    """The ``$N`` of *alternative*, as written: itself, or a range's ends."""
    return [token for token in _self_tokens((alternative,)) if token != "$"]


def _self_tokens(reads: Sequence[Alternative | None]) -> list[str]:
    """The self-references of a constraint as written, each once: ``$``, ``$1``..."""
    tokens: dict[str, None] = {}
    for alternative in reads:
        if alternative is None:  # a subset or superset operand
            tokens["$"] = None
            continue
        ends = (alternative.low, alternative.high) if type(alternative) is Range else (alternative,)
        for end in ends:
            if end is SELF:
                tokens["$"] = None
            elif type(end) is SelfPrefix:
                tokens[f"${end.length}"] = None
    return list(tokens)


def _read_problem(selfref: _SelfRef, alternative: Alternative | None, value: Value, device: Device) -> str | None:
    """What is wrong (E7) with one alternative of *selfref* that reads the own value *value*, or None.

    None stands for a ``$`` operand of subset or superset. What a ``$N``
    stands for is the core's :func:`~migcompat.semantics.constraints.resolve_alternative`:
    a ``$N`` on a value that is not a version resolves to nothing (row 8.1-PX3).
    """
    key, others = selfref.key, selfref.others
    kind = value_type(value)
    shown = value_text(value)
    if alternative is None:
        if kind != "set":
            return f"$ is a subset/superset operand but {key} of {_where(device)} is the {kind} {shown}"
        return None
    if resolve_alternative(alternative, value) is NOT_A_VERSION:
        prefixes = " and ".join(_prefixes(alternative))
        written = alternative_text(alternative)
        where = prefixes if written == prefixes else f"{prefixes} in {written}"
        return (
            f"{where} on {key} (line {selfref.line}) stands for the versions that begin as the own version does, but"
            f" {key} of {_where(device)} is the {kind} {shown}, not a version: {written} stands for nothing and"
            " accepts no source (rows 8.1-PX3, 8.8-RC7)"
        )
    if alternative is SELF:
        if others and kind not in others:
            alternatives = "/".join(sorted(others))
            return f"$ stands for the {kind} {shown} but the other alternatives are {alternatives}"
        return None
    if type(alternative) is Range and SELF in (alternative.low, alternative.high):
        if others and kind not in others:
            ranges = "/".join(f"{other}s" for other in sorted(others))
            return f"$ ends a range of {ranges} but stands for the {kind} {shown}"
        if kind not in ("integer", "version", "ratio"):
            return f"$ ends a range but stands for the {kind} {shown}, which is not ordered"
    # A $N that resolves stands for versions, as the constraint's other values are (mixed-types).
    return None


def _always_set(version: MigrationVersion, key: str) -> bool:
    if key in version.fields:
        return True
    lines: dict[str, list[bool]] = {}
    for param in version.params:
        lines.setdefault(param.name, []).append(key == param.name or key in param.fields)
    return any(all(sets) for sets in lines.values())


# ---- the text checks alone, for one attribute file or one device's pair ------------------------------


@dataclass(frozen=True)
class TextFindings:
    """What :func:`check_texts` found: the checks that need only the attributes' text.

    Each failure's and note's *path* is the attribute it is about
    (``migration_version`` or ``migration_compatible_devices``) and its
    *host* is empty. *passed* counts, per check ID, the objects that passed
    it; a check that is in neither *passed* nor the failures did not apply
    (E6 and E7 need both attributes, E4 a device instance).
    """

    failures: tuple[Failure, ...]
    notes: tuple[Note, ...]
    passed: Mapping[str, int]
    version: MigrationVersion | None
    rules: CompatibleDevices | None
    unchecked: Mapping[str, str] = field(default_factory=dict)
    """Why each check that applies to the texts was not run: check ID to reason (MC-E6-SELF when
    MC-E7-SELFREF failed; MC-S2-DEFAULT-WRITTEN for an ``unplaced`` instance that writes a default)."""

    @property
    def checked(self) -> tuple[str, ...]:
        """The IDs of the checks that ran (passed or failed), each once, in the order they ran."""
        found = dict.fromkeys(self.passed)
        found.update(dict.fromkeys(failure.check for failure in self.failures))
        return tuple(found)


def finding_check(finding: Finding) -> str:
    """The check a reader's *finding* counts against: MC-SYSFS-PLACEMENT, MC-SYSFS-READ or MC-SYSFS-TREE."""
    if finding.code in PLACEMENT_FINDINGS:
        return "MC-SYSFS-PLACEMENT"
    return "MC-SYSFS-READ" if finding.attribute else "MC-SYSFS-TREE"


def check_texts(version: bytes | None, rules: bytes | None, *, kind: str) -> TextFindings:
    """Run the emitter checks that need no sysfs tree on one placement's attribute texts.

    *version* and *rules* are the ``migration_version`` and
    ``migration_compatible_devices`` bytes (None for one that is not given);
    *kind* is one of :data:`PLACEMENT_KINDS`: ``mdev_type`` for a device type,
    ``mdev``, ``pci``, ``device`` or ``unplaced`` (an mdev or not, not
    known) for an instance. These are the checks
    ``migcompat conformance`` runs per distinct pair of texts: E1, E2, E3
    (registry and required keys), E4, S1 and M1, and E6 and E7 when both
    texts are given and valid.
    """
    if kind not in PLACEMENT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(PLACEMENT_KINDS)}, not {kind!r}")
    outcome = _TextChecks(kind, version, rules).run()
    return TextFindings(
        tuple(Failure(p.check, "", p.attribute or "", p.message, p.excerpt, p.details) for p in outcome.problems),
        tuple(Note(n.check, "", n.attribute or "", n.message) for n in outcome.notes),
        MappingProxyType(dict(outcome.passes)),
        outcome.version,
        outcome.rules,
        MappingProxyType(dict(outcome.unchecked)),
    )


# ---- per placement ---------------------------------------------------------------------------------


class HostChecker:
    """Runs the emitter checks over one host, caching the text checks by content."""

    def __init__(self, report: Report, cache: TextCache) -> None:
        self.report = report
        self.cache = cache
        self.templates: dict[bytes, tuple[MigrationVersion, tuple[Parameter, ...]] | None] = {}
        self.modeless: set[str] = set()  # hosts (host_label) told of modes not checked: a copy's, or none recorded
        self.relations: dict[tuple[bytes | None, bytes | None, bytes, str], _RulesDifference | None] = {}
        self.found: frozenset[str] | None = None  # the directories of the host's findings, once an mdev asks

    def run(self, host: HostData) -> Iterator[Analysis]:
        """Check every placement of *host*, yielding each one's analysis (after its checks)."""
        self._findings(host)
        types = {(p.links.get("parent", ""), p.ident): p for p in host.placements if p.kind == "mdev_type"}
        analyses: dict[str, Analysis] = {}
        for placement in host.placements:
            analysis = self._placement(host, placement, types)
            analyses[placement.path] = analysis
            yield analysis

    def _findings(self, host: HostData) -> None:
        report = self.report
        self._placements(host)
        read = [f for f in host.findings if finding_check(f) == "MC-SYSFS-READ"]
        tree = [f for f in host.findings if finding_check(f) == "MC-SYSFS-TREE"]
        read.extend(_unreported_errors(host))
        for finding in read:
            report.fail(
                Failure(
                    "MC-SYSFS-READ",
                    host.host,
                    finding.path,
                    f"{finding.code}: {finding.message}",
                    details={"finding": finding.code},
                )
            )
        for finding in tree:
            report.fail(
                Failure(
                    "MC-SYSFS-TREE",
                    host.host,
                    finding.path,
                    f"{finding.code}: {finding.message}",
                    details={"finding": finding.code},
                )
            )
        if not read:
            report.passed("MC-SYSFS-READ")
        if not tree:
            report.passed("MC-SYSFS-TREE")

    def _placements(self, host: HostData) -> None:
        """Clause 10: every device instance's attributes are in its VFIO device directory (MC-SYSFS-PLACEMENT).

        The reader's findings say so for a tree; a capture taken before
        specification 1.1 has no such finding, and its placements' paths (the
        bus device directory) say it instead.
        """
        reported: set[str] = set()
        for finding in host.findings:
            if finding_check(finding) == "MC-SYSFS-PLACEMENT":
                reported.add(finding.path.removesuffix(f"/{VFIO_DEV}"))
                self.report.fail(
                    Failure(
                        "MC-SYSFS-PLACEMENT",
                        host.host,
                        finding.path,
                        f"{finding.code}: {finding.message}",
                        details={"finding": finding.code},
                    )
                )
        passed = 0
        for placement in host.placements:
            if placement.kind not in _INSTANCE_KINDS or not placement.attributes:
                continue
            if not placement.legacy:
                # In its VFIO device directory: right, unless a stray copy in the bus directory was reported above.
                passed += placement.device_path not in reported
            elif placement.path not in reported:
                reported.add(placement.path)
                names = " and ".join(placement.attributes)
                self.report.fail(
                    Failure(
                        "MC-SYSFS-PLACEMENT",
                        host.host,
                        placement.path,
                        f"legacy-placement: {names} in the bus device directory: the attributes are in the 1.0"
                        f" placement; spec 1.1 clause 10 puts them in {VFIO_DEV}/vfioN/",
                        details={"finding": "legacy-placement"},
                    )
                )
        if passed:
            self.report.passed("MC-SYSFS-PLACEMENT", passed)

    def _placement(self, host: HostData, placement: Placement, types: Mapping[tuple[str, str], Placement]) -> Analysis:
        report = self.report
        version_attr = placement.attributes.get(VERSION)
        rules_attr = placement.attributes.get(COMPATIBLE)
        analysis = Analysis(host, placement)
        if placement.kind == "mdev" and version_attr is None and self.cache.checks:
            self._unreported(host, placement, types)
        if version_attr is None and rules_attr is None:
            return analysis
        key = (
            "instance" if placement.kind in _INSTANCE_KINDS and placement.kind != "mdev" else placement.kind,
            None if version_attr is None else version_attr.data,
            None if rules_attr is None else rules_attr.data,
        )
        outcome = self.cache.get(key)
        if outcome is None:
            checks = _TextChecks(placement.kind, key[1], key[2])
            outcome = checks.run() if self.cache.checks else checks.parse_only()
            self.cache[key] = outcome
            if self.cache.keep(outcome) and self.cache.cut == 1:
                report.note(Note("MC-E6-SELF", host.host, placement.path, _cut_note()))
        for ident, count in outcome.passes.items():
            report.passed(ident, count)
        for problem in outcome.problems:
            path = placement.path + (f"/{problem.attribute}" if problem.attribute else "")
            message = problem.message
            if problem.details.get("error_code") == "too-long" and problem.attribute is not None:
                message = _cut_message(placement.attributes.get(problem.attribute), message)
            report.fail(Failure(problem.check, host.host, path, message, problem.excerpt, problem.details))
        for note in outcome.notes:
            path = placement.path + (f"/{note.attribute}" if note.attribute else "")
            report.note(Note(note.check, host.host, path, note.message))
        for ident, reason in outcome.unchecked.items():
            report.skip(ident)
            report.note(Note(ident, host.host, placement.path, reason))
        analysis.version = outcome.version
        analysis.rules = outcome.rules
        analysis.rules_text = outcome.rules_text
        if outcome.rules is not None:
            analysis.devices = outcome.devices
            analysis.choices = outcome.choices
        if not self.cache.checks:
            return analysis
        self._pair(host, placement)
        self._modes(host, placement)
        self._stable(host, placement)
        self._sysfs(host, placement, outcome.version, types)
        if placement.kind == "mdev" and outcome.version is not None and not outcome.version.params:
            self._template(host, placement, outcome.version, types, outcome.rules)
        return analysis

    # E5
    def _pair(self, host: HostData, placement: Placement) -> None:
        present = [name for name in (VERSION, COMPATIBLE) if name in placement.attributes]
        if len(present) == 2:
            self.report.passed("MC-E5-PAIR")
            return
        missing = COMPATIBLE if present == [VERSION] else VERSION
        self.report.fail(
            Failure(
                "MC-E5-PAIR",
                host.host,
                placement.path,
                f"{present[0]} is present but {missing} is not: a driver exposes both attributes or neither",
            )
        )

    def _modes(self, host: HostData, placement: Placement) -> None:
        if not host.modes_authoritative:
            self._modes_unknown(host, placement)
            return
        for name, attr in placement.attributes.items():
            if attr.mode is None:
                if attr.data is not None and host_label(host) not in self.modeless:
                    self.modeless.add(host_label(host))
                    self.report.note(
                        Note(
                            "MC-E5-MODE",
                            host.host,
                            f"{placement.path}/{name}",
                            "the capture says its modes are the files' (modes_authoritative) but records no mode"
                            " for this attribute: its mode, and that of any other such attribute of the host, is"
                            " not checked",
                        )
                    )
                continue
            if attr.mode == 0o444:
                self.report.passed("MC-E5-MODE")
            else:
                self.report.fail(
                    Failure(
                        "MC-E5-MODE",
                        host.host,
                        f"{placement.path}/{name}",
                        f"mode {attr.mode:04o}: the attribute must be a read-only file, mode 0444 (a show() method"
                        " and no store())",
                        details={"mode": f"{attr.mode:04o}"},
                    )
                )

    def _stable(self, host: HostData, placement: Placement) -> None:
        for name, attr in placement.attributes.items():
            if attr.data is None:
                continue
            if attr.stable:
                self.report.passed("MC-E5-STABLE")
                continue
            assert attr.reread is not None
            excerpt = _difference(attr.data, attr.reread)
            second = _lines(attr.reread)
            shown = second[excerpt.line - 1] if excerpt.line <= len(second) else ""
            self.report.fail(
                Failure(
                    "MC-E5-STABLE",
                    host.host,
                    f"{placement.path}/{name}",
                    f"two consecutive reads differ; the second read line {excerpt.line} as {shown!r}",
                    excerpt,
                    {"second_read": attr.reread.decode("ascii", "replace")},
                )
            )

    # E3 against sysfs
    def _sysfs(
        self,
        host: HostData,
        placement: Placement,
        version: MigrationVersion | None,
        types: Mapping[tuple[str, str], Placement],
    ) -> None:
        if version is None:
            return
        expected, mismatches = _sysfs_mismatches(placement, version, types)
        data = placement.attributes[VERSION].data or b""
        for key, got, want, what, line in mismatches:
            self.report.fail(
                Failure(
                    "MC-E3-SYSFS",
                    host.host,
                    f"{placement.path}/{VERSION}",
                    f"{key}={got} does not match {what}, {want}" + (f" (param line {line})" if line > 1 else ""),
                    locate(data, key, line),
                    {"key": key, "expected": want},
                )
            )
        if expected and not mismatches:
            self.report.passed("MC-E3-SYSFS")

    def _type_rules(
        self,
        host: HostData,
        placement: Placement,
        version: MigrationVersion,
        rules: CompatibleDevices,
        type_placement: Placement,
        created: MigrationVersion,
        choice: Mapping[str, Value],
    ) -> None:
        """MC-S3-TYPE-RULES: an instance's rules relate equal to its type's for its choice (clauses 10.1, 12.1).

        Run only on an instance that reports D(c) (E8 passed), so that a
        difference is in the rules, not a consequence of the fields. Equal
        rules pass; other rules fail the check (a warning: clause 12.1 makes
        it a SHOULD), naming the relation and a source one side accepts and
        the other refuses, since a scheduler plans creations by the type's
        rules (clause 8.6). A relation too complex to decide is a note, and
        neither passes nor fails. Nothing is checked when the type's rules
        are missing or do not parse (E1 and E5 report them).
        """
        type_attr = type_placement.attributes.get(COMPATIBLE)
        if type_attr is None or type_attr.data is None:
            return
        type_rules = _rules_checks(type_attr.data).rules
        if type_rules is None:
            return
        own_attr = placement.attributes.get(VERSION)
        rules_attr = placement.attributes.get(COMPATIBLE)
        key = (
            None if own_attr is None else own_attr.data,
            None if rules_attr is None else rules_attr.data,
            type_attr.data,
            emit(created),
        )
        if key not in self.relations:  # a host of many alike instances relates their rules once
            self.relations[key] = _rules_relation(rules, version, type_rules, created)
        difference = self.relations[key]
        path = f"{placement.path}/{COMPATIBLE}"
        described = _describe(choice)
        for_choice = f" for {described}" if choice else ""
        if difference is None:
            self.report.passed("MC-S3-TYPE-RULES")
        elif difference.relation is None:
            self.report.note(
                Note(
                    "MC-S3-TYPE-RULES",
                    host.host,
                    path,
                    f"the device's rules not compared with those of type {type_placement.ident}{for_choice}:"
                    f" {difference.text}",
                )
            )
        else:
            self.report.fail(
                Failure(
                    "MC-S3-TYPE-RULES",
                    host.host,
                    path,
                    f"the device's rules are not those of type {type_placement.ident}{for_choice} (relation"
                    f" instance -> type: {difference.relation}): the type's rules{for_choice} and the instance's"
                    f" rules accept different sources: {difference.text}; a scheduler plans with the type's rules"
                    " (clause 8.6), so the two should accept the same sources",
                    None,
                    {
                        "type": type_placement.ident,
                        "choice": described if choice else "",
                        "relation": difference.relation,
                        **difference.witnesses,
                    },
                )
            )

    def _modes_unknown(self, host: HostData, placement: Placement) -> None:
        """E5's mode check skipped: the files of a copied tree (or a capture of one) have the copy's modes.

        Each attribute there counts as skipped, and the host has one note
        saying why, so that the check does not read as having had nothing
        to check.
        """
        present = sum(1 for attr in placement.attributes.values() if attr.data is not None)
        if not present:
            return
        self.report.skip("MC-E5-MODE", present)
        if host_label(host) in self.modeless:
            return
        self.modeless.add(host_label(host))
        self.report.note(
            Note(
                "MC-E5-MODE",
                host.host,
                "",  # the host itself
                "modes not checked: the files are a copy of a sysfs tree (or a capture of one), whose modes are"
                " the copy's, not the driver's; run on /sys, or a capture of it, to check them",
            )
        )

    # E8
    def _type_version(self, placement: Placement, types: Mapping[tuple[str, str], Placement]) -> Placement | None:
        """The mdev type *placement* (an mdev) was created from, when the type publishes a ``migration_version``."""
        links = placement.links
        type_placement = types.get((links.get("type_parent", ""), links.get("mdev_type", "")))
        if type_placement is None:
            return None
        type_attr = type_placement.attributes.get(VERSION)
        return None if type_attr is None or type_attr.data is None else type_placement

    def _unreported(self, host: HostData, placement: Placement, types: Mapping[tuple[str, str], Placement]) -> None:
        """E8 on an mdev without a ``migration_version``: one its type publishes fails (5.5-M1).

        Not checked for an mdev of a type that publishes none (a type that is
        not migratable), nor for one the reader has a finding on (its
        attributes are then not known to be absent: MC-SYSFS-* says why).
        """
        type_placement = self._type_version(placement, types)
        if self.found is None:
            self.found = _found_in(host)
        if type_placement is None or placement.device_path in self.found:
            return  # not migratable, or not read: a finding says why (its VFIO device directory, unreadable...)
        self.report.fail(
            Failure(
                "MC-E8-TEMPLATE",
                host.host,
                f"{placement.path}/{VERSION}",
                f"the device has no {VERSION}, but it was created from type {type_placement.ident}, which publishes"
                f" one: a device created from a type reports D(c) of its type (clause 5.5)",
            )
        )

    def _template(
        self,
        host: HostData,
        placement: Placement,
        version: MigrationVersion,
        types: Mapping[tuple[str, str], Placement],
        rules: CompatibleDevices | None = None,
    ) -> None:
        type_placement = self._type_version(placement, types)
        if type_placement is None:
            return
        type_attr = type_placement.attributes[VERSION]
        assert type_attr.data is not None
        if type_attr.data not in self.templates:
            try:
                parsed = parse_version(type_attr.data)
            except ParseError:
                self.templates[type_attr.data] = None
            else:
                self.templates[type_attr.data] = (parsed, parameters_of(parsed))
        known = self.templates[type_attr.data]
        if known is None:
            return
        template, parameters = known
        data = placement.attributes[VERSION].data or b""
        path = f"{placement.path}/{VERSION}"
        choice: dict[str, Value] = {}
        for parameter in parameters:
            name = parameter.name
            entry = version.fields.get(name)
            declared = parameter.values
            if entry is None or entry.value not in declared:
                shown = "does not carry it" if entry is None else f"has {name}={value_text(entry.value)}"
                self.report.fail(
                    Failure(
                        "MC-E8-TEMPLATE",
                        host.host,
                        path,
                        f"the type {type_placement.ident} has the creation parameter {name} "
                        f"({'|'.join(value_text(v) for v in declared)}) but the device {shown}",
                        locate(data, name, 1),
                        _default_left_out(parameter) if entry is None else {},
                    )
                )
                return
            choice[name] = entry.value
        want = device_for(template, choice)
        if want.fields == version.fields:
            self.report.passed("MC-E8-TEMPLATE")
            if rules is not None:  # the device is D(c): its rules should be its type's too
                self._type_rules(host, placement, version, rules, type_placement, want, choice)
            return
        # A field the template itself gets wrong (MC-E3-SYSFS on the type) is no fault of the instance's.
        wrong = {key for key, *_ in _sysfs_mismatches(type_placement, template, types)[1]}
        differences = []
        first_key = None
        skipped = []
        for key in sorted(set(want.fields) | set(version.fields)):
            a, b = want.fields.get(key), version.fields.get(key)
            if a == b:
                continue
            if key in wrong:
                skipped.append(key)
                continue
            first_key = first_key or key
            if a is None:
                differences.append(f"{key} is not in the template")
            elif b is None:
                differences.append(f"{key} is missing (the template gives {_field_text(key, a)})")
            else:
                differences.append(f"{_field_text(key, b)} should be {_field_text(key, a)}")
        if skipped:
            self.report.note(
                Note(
                    "MC-E8-TEMPLATE",
                    host.host,
                    path,
                    f"{', '.join(skipped)} not compared with {_device_of(choice)} of type {type_placement.ident}:"
                    " the type's template itself fails MC-E3-SYSFS on " + ("it" if len(skipped) == 1 else "them"),
                )
            )
        if not differences:
            self.report.passed("MC-E8-TEMPLATE")
            if rules is not None:
                self._type_rules(host, placement, version, rules, type_placement, want, choice)
            return
        self.report.fail(
            Failure(
                "MC-E8-TEMPLATE",
                host.host,
                path,
                f"the device does not report {_device_of(choice)} of type {type_placement.ident}: "
                + "; ".join(differences)
                + " (clause 5.5 asks it until the device is first opened or configured otherwise: check a device"
                " created for the run, before a guest or a tool changed it)",
                locate(data, first_key or "", 1),
                {"expected": emit(want).rstrip("\n")},
            )
        )


@dataclass(frozen=True)
class _RulesDifference:
    """How an instance's rules differ from its type's: *relation* (instance -> type) and the witnesses.

    *relation* is None when the relation was too complex to decide, and
    *text* then says why; otherwise *text* names a source that one side
    accepts and the other refuses, and *witnesses* holds those sources
    (``type_accepts``: the type accepts it and the instance refuses it;
    ``instance_accepts``: the reverse), each as its canonical text.
    """

    relation: str | None
    text: str
    witnesses: Mapping[str, str] = field(default_factory=dict)


def _rules_relation(
    rules: CompatibleDevices, own: MigrationVersion, type_rules: CompatibleDevices, created: MigrationVersion
) -> _RulesDifference | None:
    """How an instance's *rules* (``$`` of *own*) differ from its type's (``$`` of *created*, D(c)); None if not.

    Clause 10.1: the type's ``migration_compatible_devices`` holds the rules
    of a device created from the type, which is what ``plan`` and ``match``
    predict from. None when the two relate ``equal`` (clause 8.7); otherwise
    the relation and a source that one side accepts and the other does not,
    or, with no relation, that it was too complex to decide
    (:mod:`migcompat.relate`'s bounds).
    """
    try:
        result = relate(rules, type_rules, own, created)
    except RelationTooComplex as error:
        return _RulesDifference(None, error.message)
    if result.relation is Relation.EQUAL:
        return None
    parts = []
    witnesses = {}
    if result.only_second is not None:
        witnesses["type_accepts"] = emit(result.only_second).rstrip("\n")
        parts.append(f"the type accepts and the instance refuses: {witnesses['type_accepts']}")
    if result.only_first is not None:
        witnesses["instance_accepts"] = emit(result.only_first).rstrip("\n")
        parts.append(f"the instance accepts and the type refuses: {witnesses['instance_accepts']}")
    return _RulesDifference(result.relation.value, "; ".join(parts), MappingProxyType(witnesses))


def _sysfs_mismatches(
    placement: Placement, version: MigrationVersion, types: Mapping[tuple[str, str], Placement]
) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str, str, str, int]]]:
    """What E3 expects of *placement*'s standard keys from sysfs, and where *version* differs from it.

    The first value maps each key to (expected value, what sysfs fact it is);
    the second lists (key, value written, expected value, what, line) for
    every field of *version* that does not match (MC-E3-SYSFS): a fixed
    field (line 1) or a field of a template's ``param`` line (a ``type`` or
    ``device_api`` that a parameter sets must be the type's too).
    """
    expected: dict[str, tuple[str, str]] = {}
    props = placement.properties
    links = placement.links
    type_props: Mapping[str, str] = {}
    if placement.kind == "mdev_type":
        expected["type"] = (placement.ident, "the type id (its directory name)")
        type_props = props
    elif placement.kind == "mdev" and "mdev_type" in links:
        expected["type"] = (links["mdev_type"], "the type its mdev_type link points to")
        parent_type = types.get((links.get("type_parent", ""), links["mdev_type"]))
        type_props = parent_type.properties if parent_type is not None else {}
    if "device_api" in type_props:
        expected["device_api"] = (type_props["device_api"], "the type's device_api attribute")
    if "name" in type_props:
        with contextlib.suppress(ValueError):
            expected["name"] = (encode_token(type_props["name"]), "the type's name attribute, escaped")
    if placement.kind == "pci":
        expected["device_api"] = ("vfio-pci", "the VFIO API of a PCI function (VFIO_DEVICE_API_PCI_STRING)")
        if "vendor" in props and "device" in props:
            expected["pci_id"] = (
                f"{hex_id(props['vendor'])}:{hex_id(props['device'])}",
                "the function's vendor:device",
            )
        if "subsystem_vendor" in props and "subsystem_device" in props:
            expected["pci_subsystem"] = (
                f"{hex_id(props['subsystem_vendor'])}:{hex_id(props['subsystem_device'])}",
                "the function's subsystem_vendor:subsystem_device",
            )
    if placement.kind == "device":
        bus = placement.ident.partition("/")[0]
        if bus in BUS_DEVICE_APIS:
            expected["device_api"] = (BUS_DEVICE_APIS[bus], f"the VFIO API of a device on the {bus} bus")
    if placement.kind in ("pci", "device") and "driver" in links:
        expected["driver"] = (links["driver"].replace("-", "_"), "the bound driver")
    mismatches: list[tuple[str, str, str, str, int]] = []
    for number, fields in _written_lines(version):
        for key, (want, what) in expected.items():
            entry = fields.get(key)
            if entry is None or not isinstance(entry.value, str):
                continue
            got = entry.value.replace("-", "_") if key == "driver" else entry.value
            if got != want:
                mismatches.append((key, entry.value, want, what, number))
    return expected, mismatches


def _cut_message(attr: Attr | None, message: str) -> str:
    """The ``too-long`` parse error *message* of *attr*, saying where reading stopped when it did.

    The reader keeps the first :data:`~migcompat.sysfs.reader.READ_LIMIT`
    bytes, so the parser's size is that of the bytes read, not of the file:
    the message then says "more than" (the reader knows the file goes on) or
    "at least" (a capture, which keeps no more), and that the line shown is
    cut there.
    """
    if attr is None or attr.data is None or len(attr.data) < READ_LIMIT or attr.truncated is False:
        return message
    size = (
        f"more than {READ_LIMIT} bytes (reading stopped there)"
        if attr.truncated
        else f"at least {READ_LIMIT} bytes (only the first {READ_LIMIT} were kept)"
    )
    return (
        f"error[too-long]: the attribute is {size}; at most {MAX_ATTRIBUTE_BYTES} are allowed, including the final"
        " newline; the line shown is cut where reading stopped"
    )


def _unreported_errors(host: HostData) -> list[Finding]:
    """A finding for each attribute recorded as unread (its *error*) that no finding of *host* is about.

    The sysfs reader reports every attribute it cannot read; a capture from
    another producer, or an edited one, may record the error alone, and the
    attribute is still one that could not be read (MC-SYSFS-READ).
    """
    reported = {finding.path for finding in host.findings}
    found = []
    for placement in host.placements:
        for name, attr in placement.attributes.items():
            path = f"{placement.path}/{name}"
            if attr.error is not None and path not in reported:
                found.append(
                    Finding(
                        attr.error if attr.error in FINDING_CODES else "unreadable",
                        path,
                        f"the attribute is recorded as not read ({attr.error}), with no finding that says why",
                        attribute=True,
                    )
                )
    return found


def _other_differences(data: bytes, canonical: bytes) -> str:
    """What else of *data* differs from its *canonical* text than the first line that differs, so that one round of
    fixes can mend all: how many other lines differ, and a final newline that is missing. Empty when nothing else."""
    written, expected = data.removesuffix(b"\n").split(b"\n"), canonical.removesuffix(b"\n").split(b"\n")
    differing = sum(1 for a, b in zip(written, expected, strict=False) if a != b)
    differing += abs(len(written) - len(expected))
    said = []
    if differing > 1:
        said.append(f"{plural(differing - 1, 'other line')} {'differs' if differing == 2 else 'differ'} too")
    if not data.endswith(b"\n"):
        said.append("the final newline is missing")
    return "".join(f"; {part}" for part in said)


def _found_in(host: HostData) -> frozenset[str]:
    """Every directory at or above the path of one of *host*'s findings: where the reader found something wrong."""
    found: set[str] = set()
    for finding in host.findings:
        parts = finding.path.split("/")
        found.update("/".join(parts[:end]) for end in range(1, len(parts) + 1))
    return frozenset(found)


def _default_left_out(parameter: Parameter) -> dict[str, str]:
    """The hint of E8 for a device that leaves out *parameter* when one of its declared values is its key's registry
    default (clause 6.3's exception), as failure details; empty otherwise."""
    default = registry_default(parameter.name)
    if default is None or default not in parameter.values:
        return {}
    field_ = f"{parameter.name}={value_text(default)}"
    return {
        "hint": f"a device created from a type reports D(c), {field_} included, though a field whose value is its"
        " key's registry default is otherwise left out: clause 6.3 makes this exception"
    }


def _field_text(key: str, entry: Field) -> str:
    return ("" if entry.critical else "~") + key + "=" + value_text(entry.value)


def hex_id(text: str) -> str:
    text = text.strip().lower()
    return text[2:] if text.startswith("0x") else text


def analyse_host(host: HostData, report: Report, cache: TextCache) -> list[Analysis]:
    """Run the emitter checks of *host* into *report*; the analyses of its placements."""
    with collector_paused():
        return list(HostChecker(report, cache).run(host))
