"""The emitter checks of clause 12.1 (E1 to E8 and the SHOULDs) on one host's placements.

Checks that depend only on an attribute's text (parsing, canonical form, the
registry, ``$``, self-acceptance) are evaluated once per distinct pair of
texts and the outcome is applied to every placement that has them, so a host
of a thousand identical VFs costs little more than one. Checks that depend on
the placement (the pair, modes, stability, agreement with sysfs, E8) run per
placement.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from .._values import encode_token
from ..compare import check
from ..emit import emit, value_text
from ..errors import ParseError
from ..model import (
    CompatibleDevices,
    Constraint,
    Equals,
    Field,
    MigrationVersion,
    Range,
    SelfRef,
    Subset,
    Superset,
    Value,
    value_type,
)
from ..parse import parse_compatible, parse_version
from ..plan import device_from
from ..registry import STANDARD_KEYS, registry_default
from ..sysfs.model import COMPATIBLE, VERSION, Attr, HostData, Placement
from ..verdict import Answer
from .results import Excerpt, Failure, Report

__all__ = ["MAX_CHOICES", "Analysis", "Device", "TextCache", "analyse_host", "choices", "locate"]

MAX_CHOICES: Final = 4096
"""At most this many parameter choices of one template are checked (the first ones, in declaration order)."""

VFIO_DEVICE_APIS: Final = frozenset({"vfio-pci", "vfio-platform", "vfio-amba", "vfio-ccw", "vfio-ap"})
_PCI_ID: Final = re.compile(r"[0-9a-f]{4}:[0-9a-f]{4}")
_INSTANCE_KINDS: Final = frozenset({"mdev", "pci", "device"})
_MDEV_KINDS: Final = frozenset({"mdev", "mdev_type"})


@dataclass(frozen=True)
class Device:
    """One device a placement describes: an instance, or D(c) of a type for choice *choice*."""

    choice: Mapping[str, Value]
    version: MigrationVersion
    text: str


@dataclass
class Analysis:
    """One placement, parsed: what the matrix and upgrade checks build on.

    *devices* is empty unless both attributes are valid and the placement is
    usable as a target (an instance without param lines, or a type).
    """

    host: HostData
    placement: Placement
    version: MigrationVersion | None = None
    rules: CompatibleDevices | None = None
    rules_text: str = ""
    devices: list[Device] = field(default_factory=list)

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
    """The item ``key=...`` (or ``~key=``, ``key<=``...) in *data*, first on *line* if given."""
    for number, text in enumerate(_lines(data), start=1):
        if line is not None and number != line:
            continue
        column = 1
        for item in text.split(" "):
            name = re.split(r"[=<>]", item.lstrip("~"), maxsplit=1)[0]
            if name == key and item != name:
                return Excerpt(number, column, len(item), text)
            column += len(item) + 1
    return None


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
    problems: list[_Problem]
    passed: list[str]


TextCache = dict[tuple[str, bytes | None, bytes | None], _TextOutcome]
"""The outcomes of the text checks, by (kind of placement, migration_version, migration_compatible_devices)."""


def choices(template: MigrationVersion, limit: int = MAX_CHOICES) -> list[dict[str, Value]]:
    """The choices of *template* (one value per parameter), in declaration order, at most *limit*."""
    grouped: dict[str, list[Value]] = {}
    for param in template.params:
        grouped.setdefault(param.name, []).append(param.value)
    names = list(grouped)
    return [
        dict(zip(names, combo, strict=True)) for combo in itertools.islice(itertools.product(*grouped.values()), limit)
    ]


def _describe(choice: Mapping[str, Value]) -> str:
    return " ".join(f"{name}={value_text(value)}" for name, value in choice.items()) or "(no parameters)"


class _TextChecks:
    """The checks on a pair of attribute texts, for one kind of placement."""

    def __init__(self, kind: str, version: Attr | None, rules: Attr | None) -> None:
        self.kind = kind
        self.version_attr = version
        self.rules_attr = rules
        self.problems: list[_Problem] = []
        self.passed: list[str] = []

    def fail(
        self, check_id: str, attribute: str | None, message: str, excerpt: Excerpt | None = None, **details: str
    ) -> None:
        self.problems.append(_Problem(check_id, attribute, message, excerpt, details))

    def ok(self, check_id: str) -> None:
        self.passed.append(check_id)

    def run(self) -> _TextOutcome:
        version = self._parse(VERSION, self.version_attr)
        rules = self._parse(COMPATIBLE, self.rules_attr)
        assert version is None or isinstance(version, MigrationVersion)
        assert rules is None or isinstance(rules, CompatibleDevices)
        devices: list[Device] = []
        if version is not None:
            self._registry_version(version)
            self._required(version)
            devices = self._devices(version)
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
        if version is not None and rules is not None and devices and self._selfref(rules, devices):
            self._self_acceptance(rules, devices)
        rules_text = emit(rules) if rules is not None else ""
        return _TextOutcome(version, rules, rules_text, devices, self.problems, self.passed)

    def _data(self, name: str) -> bytes:
        attr = self.version_attr if name == VERSION else self.rules_attr
        return b"" if attr is None or attr.data is None else attr.data

    # E1, E2
    def _parse(self, name: str, attr: Attr | None) -> MigrationVersion | CompatibleDevices | None:
        if attr is None or attr.data is None:
            return None
        try:
            model: MigrationVersion | CompatibleDevices = (
                parse_version(attr.data) if name == VERSION else parse_compatible(attr.data)
            )
        except ParseError as error:
            self.fail(
                "MC-E1-PARSE",
                name,
                f"error[{error.code}]: {error.message}",
                _parse_excerpt(error),
                error_code=error.code,
            )
            return None
        self.ok("MC-E1-PARSE")
        canonical = emit(model).encode("ascii")
        if attr.data == canonical:
            self.ok("MC-E2-CANONICAL")
        elif attr.data + b"\n" == canonical:
            lines = _lines(attr.data)
            excerpt = Excerpt(len(lines), len(lines[-1]) + 1, 1, lines[-1])
            self.fail(
                "MC-E2-CANONICAL", name, "the final newline is missing (show() must end the text with one LF)", excerpt
            )
        else:
            excerpt = _difference(attr.data, canonical)
            expected = _lines(canonical)
            shown = expected[excerpt.line - 1] if excerpt.line <= len(expected) else "(no such line)"
            self.fail(
                "MC-E2-CANONICAL",
                name,
                f"not in canonical form; line {excerpt.line} should read: {shown!r}",
                excerpt,
                canonical=canonical.decode("ascii"),
            )
        return model

    # E3 (registry)
    def _registry_version(self, version: MigrationVersion) -> None:
        data = self._data(VERSION)
        before = len(self.problems)
        for line, fields in [(1, version.fields)] + [
            (index, {p.name: Field(p.value, p.critical), **p.fields}) for index, p in enumerate(version.params, start=2)
        ]:
            for key, entry in fields.items():
                problem = self._field_problem(key, entry)
                if problem:
                    self.fail("MC-E3-REGISTRY", VERSION, problem, locate(data, key, line), key=key)
        if len(self.problems) == before:
            self.ok("MC-E3-REGISTRY")

    def _field_problem(self, key: str, entry: Field) -> str | None:
        if "." in key:
            return None
        standard = STANDARD_KEYS.get(key)
        if standard is None:
            return f"{key} is not a registry key; a vendor key has a namespace (vendor.{key})"
        if standard.form == "critical" and not entry.critical:
            return f"{key} is a critical key in the registry; write it without ~"
        if standard.form == "ignorable" and entry.critical:
            return f"{key} is an ignorable key in the registry; write it as ~{key}"
        kind = value_type(entry.value)
        if kind != standard.type:
            return f"{key} must be a {standard.type}, not the {kind} {value_text(entry.value)}"
        return self._condition(key, entry.value)

    def _condition(self, key: str, value: Value) -> str | None:
        if key == "device_api" and value not in VFIO_DEVICE_APIS:
            return f"device_api {value} is not a VFIO device API ({', '.join(sorted(VFIO_DEVICE_APIS))})"
        if key in ("pci_id", "pci_subsystem") and not (isinstance(value, str) and _PCI_ID.fullmatch(value)):
            return f"{key} {value_text(value)} is not vvvv:dddd in lower-case hexadecimal"
        if key == "type" and self.kind not in _MDEV_KINDS:
            return "type is only for mdev types and instances"
        return None

    def _registry_rules(self, rules: CompatibleDevices) -> None:
        data = self._data(COMPATIBLE)
        before = len(self.problems)
        line = 2
        if rules.defaults:
            for key, value in rules.defaults.items():
                problem = self._key_problem(key, [value])
                if problem:
                    self.fail("MC-E3-REGISTRY", COMPATIBLE, problem, locate(data, key, line), key=key)
            line += 1
        for number, rule in enumerate(rules.rules, start=line):
            for key, constraint in rule.constraints.items():
                problem = self._key_problem(key, _constants(constraint), constraint)
                if problem:
                    self.fail("MC-E3-REGISTRY", COMPATIBLE, problem, locate(data, key, number), key=key)
        if len(self.problems) == before:
            self.ok("MC-E3-REGISTRY")

    def _key_problem(self, key: str, values: Sequence[Value], constraint: Constraint | None = None) -> str | None:
        if "." in key:
            return None
        standard = STANDARD_KEYS.get(key)
        if standard is None:
            return f"{key} is not a registry key; a vendor key has a namespace (vendor.{key})"
        if isinstance(constraint, Subset | Superset) and standard.type != "set":
            return f"{key} is a {standard.type}; subset and superset apply to sets"
        for value in values:
            kind = value_type(value)
            if kind != standard.type:
                return f"{key} is a {standard.type} in the registry; {value_text(value)} is a {kind}"
        return None

    # E3 (device_api and driver)
    def _required(self, version: MigrationVersion) -> None:
        data = self._data(VERSION)
        missing = [key for key in ("device_api", "driver") if not _always_set(version, key)]
        if missing:
            what = " and ".join(missing)
            excerpt = Excerpt(1, 1, len(_lines(data)[0]), _lines(data)[0])
            scope = "every device the template describes" if version.params else "the device"
            self.fail("MC-E3-REQUIRED", VERSION, f"{scope} must carry {what}", excerpt)
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
            return [Device({}, version, emit(version))]
        devices = []
        for choice in choices(version):
            device = device_from(version, choice)
            devices.append(Device(choice, device, emit(device)))
        return devices

    # S1
    def _accept_all(self, rules: CompatibleDevices) -> None:
        first = 3 if rules.defaults else 2
        bad = [first + index for index, rule in enumerate(rules.rules) if not rule.constraints]
        for line in bad:
            self.fail(
                "MC-S1-ACCEPT-ALL",
                COMPATIBLE,
                "an accept line without constraints accepts every source whose fields are all ignorable",
                _line_excerpt(self._data(COMPATIBLE), line),
            )
        if not bad:
            self.ok("MC-S1-ACCEPT-ALL")

    # E7
    def _selfref(self, rules: CompatibleDevices, devices: list[Device]) -> bool:
        data = self._data(COMPATIBLE)
        first = 3 if rules.defaults else 2
        failed = False
        for number, rule in enumerate(rules.rules, start=first):
            for key, constraint in rule.constraints.items():
                positions = _self_positions(constraint)
                if not positions:
                    continue
                problem = self._selfref_problem(key, constraint, positions, devices)
                if problem:
                    failed = True
                    self.fail("MC-E7-SELFREF", COMPATIBLE, problem, locate(data, key, number), key=key)
        if not failed:
            self.ok("MC-E7-SELFREF")
        return not failed

    def _selfref_problem(
        self, key: str, constraint: Constraint, positions: set[str], devices: list[Device]
    ) -> str | None:
        others = {value_type(v) for v in _constants(constraint)}
        for device in devices:
            entry = device.version.fields.get(key)
            value = entry.value if entry is not None else registry_default(key)
            where = "the device" if not device.choice else f"the device created with {_describe(device.choice)}"
            if value is None:
                return f"$ refers to {key}, which {where} does not carry and which has no registry default"
            kind = value_type(value)
            if "operand" in positions and kind != "set":
                return f"$ is a subset/superset operand but {key} of {where} is the {kind} {value_text(value)}"
            if "alternative" in positions and others and kind not in others:
                alternatives = "/".join(sorted(others))
                return f"$ stands for the {kind} {value_text(value)} but the other alternatives are {alternatives}"
            if "bound" in positions:
                if others and kind not in others:
                    return f"$ ends a range of {'/'.join(sorted(others))} but stands for the {kind} {value_text(value)}"
                if kind not in ("integer", "version", "ratio"):
                    return f"$ ends a range but stands for the {kind} {value_text(value)}, which is not ordered"
        return None

    # E6
    def _self_acceptance(self, rules: CompatibleDevices, devices: list[Device]) -> None:
        for device in devices:
            verdict = check(device.version, rules, device.version)
            if verdict.answer is Answer.COMPATIBLE:
                continue
            who = (
                "the device" if self.kind in _INSTANCE_KINDS else f"the device created with {_describe(device.choice)}"
            )
            reasons = "; ".join(f"[{r.code}] {r.message}" for r in verdict.reasons[:3])
            key = next((r.field for r in verdict.reasons if r.field), None)
            excerpt = None
            if key is not None:
                excerpt = locate(self._data(COMPATIBLE), key) or locate(self._data(VERSION), key)
            self.fail(
                "MC-E6-SELF",
                COMPATIBLE,
                f"{who} is not accepted by its own rules ({verdict.answer.value}): {reasons}",
                excerpt,
                device=device.text.rstrip("\n"),
            )
            return
        self.ok("MC-E6-SELF")


def _always_set(version: MigrationVersion, key: str) -> bool:
    if key in version.fields:
        return True
    lines: dict[str, list[bool]] = {}
    for param in version.params:
        lines.setdefault(param.name, []).append(key == param.name or key in param.fields)
    return any(all(sets) for sets in lines.values())


def _constants(constraint: Constraint) -> list[Value]:
    if isinstance(constraint, Equals):
        out: list[Value] = []
        for alternative in constraint.alternatives:
            if isinstance(alternative, Range):
                out.extend(
                    end
                    for end in (alternative.low, alternative.high)
                    if end is not None and not isinstance(end, SelfRef)
                )
            elif not isinstance(alternative, SelfRef):
                out.append(alternative)
        return out
    return [] if isinstance(constraint.operand, SelfRef) else [constraint.operand]


def _self_positions(constraint: Constraint) -> set[str]:
    if isinstance(constraint, Equals):
        found = set()
        for alternative in constraint.alternatives:
            if isinstance(alternative, SelfRef):
                found.add("alternative")
            elif isinstance(alternative, Range) and (
                isinstance(alternative.low, SelfRef) or isinstance(alternative.high, SelfRef)
            ):
                found.add("bound")
        return found
    return {"operand"} if isinstance(constraint.operand, SelfRef) else set()


# ---- per placement ---------------------------------------------------------------------------------


class HostChecker:
    """Runs the emitter checks over one host, caching the text checks by content."""

    def __init__(self, report: Report, cache: TextCache) -> None:
        self.report = report
        self.cache = cache
        self.templates: dict[bytes, MigrationVersion | None] = {}

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
        read = [f for f in host.findings if f.attribute]
        tree = [f for f in host.findings if not f.attribute]
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

    def _placement(self, host: HostData, placement: Placement, types: Mapping[tuple[str, str], Placement]) -> Analysis:
        report = self.report
        version_attr = placement.attributes.get(VERSION)
        rules_attr = placement.attributes.get(COMPATIBLE)
        analysis = Analysis(host, placement)
        if version_attr is None and rules_attr is None:
            return analysis
        key = (
            "instance" if placement.kind in _INSTANCE_KINDS and placement.kind != "mdev" else placement.kind,
            None if version_attr is None else version_attr.data,
            None if rules_attr is None else rules_attr.data,
        )
        outcome = self.cache.get(key)
        if outcome is None:
            outcome = _TextChecks(placement.kind, version_attr, rules_attr).run()
            self.cache[key] = outcome
        for ident in outcome.passed:
            report.passed(ident)
        for problem in outcome.problems:
            path = placement.path + (f"/{problem.attribute}" if problem.attribute else "")
            report.fail(Failure(problem.check, host.host, path, problem.message, problem.excerpt, problem.details))
        analysis.version = outcome.version
        analysis.rules = outcome.rules
        analysis.rules_text = outcome.rules_text
        if outcome.rules is not None:
            analysis.devices = outcome.devices
        self._pair(host, placement)
        self._modes(host, placement)
        self._stable(host, placement)
        self._sysfs(host, placement, outcome.version, types)
        if placement.kind == "mdev" and outcome.version is not None and not outcome.version.params:
            self._template(host, placement, outcome.version, types)
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
            return
        for name, attr in placement.attributes.items():
            if attr.mode is None:
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
        if placement.kind in ("pci", "device") and "driver" in links:
            expected["driver"] = (links["driver"].replace("-", "_"), "the bound driver")
        data = placement.attributes[VERSION].data or b""
        failed = False
        for key, (want, what) in expected.items():
            entry = version.fields.get(key)
            if entry is None or not isinstance(entry.value, str):
                continue
            got = entry.value.replace("-", "_") if key == "driver" else entry.value
            if got != want:
                failed = True
                self.report.fail(
                    Failure(
                        "MC-E3-SYSFS",
                        host.host,
                        f"{placement.path}/{VERSION}",
                        f"{key}={entry.value} does not match {what}, {want}",
                        locate(data, key, 1),
                        {"key": key, "expected": want},
                    )
                )
        if expected and not failed:
            self.report.passed("MC-E3-SYSFS")

    # E8
    def _template(
        self,
        host: HostData,
        placement: Placement,
        version: MigrationVersion,
        types: Mapping[tuple[str, str], Placement],
    ) -> None:
        links = placement.links
        type_placement = types.get((links.get("type_parent", ""), links.get("mdev_type", "")))
        if type_placement is None:
            return
        type_attr = type_placement.attributes.get(VERSION)
        if type_attr is None or type_attr.data is None:
            return
        if type_attr.data not in self.templates:
            try:
                self.templates[type_attr.data] = parse_version(type_attr.data)
            except ParseError:
                self.templates[type_attr.data] = None
        template = self.templates[type_attr.data]
        if template is None:
            return
        data = placement.attributes[VERSION].data or b""
        path = f"{placement.path}/{VERSION}"
        choice: dict[str, Value] = {}
        for name in dict.fromkeys(p.name for p in template.params):
            entry = version.fields.get(name)
            declared = [p.value for p in template.params if p.name == name]
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
                    )
                )
                return
            choice[name] = entry.value
        want = device_from(template, choice)
        if want.fields == version.fields:
            self.report.passed("MC-E8-TEMPLATE")
            return
        differences = []
        first_key = None
        for key in sorted(set(want.fields) | set(version.fields)):
            a, b = want.fields.get(key), version.fields.get(key)
            if a == b:
                continue
            first_key = first_key or key
            if a is None:
                differences.append(f"{key} is not in the template")
            elif b is None:
                differences.append(f"{key} is missing (the template gives {_field_text(key, a)})")
            else:
                differences.append(f"{_field_text(key, b)} should be {_field_text(key, a)}")
        self.report.fail(
            Failure(
                "MC-E8-TEMPLATE",
                host.host,
                path,
                f"the device does not report D({_describe(choice)}) of type {type_placement.ident}: "
                + "; ".join(differences),
                locate(data, first_key or "", 1),
                {"expected": emit(want).rstrip("\n")},
            )
        )


def _field_text(key: str, entry: Field) -> str:
    return ("" if entry.critical else "~") + key + "=" + value_text(entry.value)


def hex_id(text: str) -> str:
    text = text.strip().lower()
    return text[2:] if text.startswith("0x") else text


def analyse_host(host: HostData, report: Report, cache: TextCache) -> list[Analysis]:
    """Run the emitter checks of *host* into *report*; the analyses of its placements."""
    return list(HostChecker(report, cache).run(host))
