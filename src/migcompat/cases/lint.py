"""``migcompat cases check``: the suite checks itself (clause 12.4).

* every case file is valid against ``case-file.schema.json``;
* identifiers are unique across files and none is retired;
* every expected data model is valid (schema and :func:`migcompat.from_json`),
  and every expected canonical text is a valid attribute in canonical form;
* every cited clause, requirement, table row and error code exists in the
  specification;
* the specification's examples are extracted up to date;
* every mandatory unit of the specification outside the device-tested ones is
  covered by at least one ``required`` case, and the coverage is reported.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from ..display import escape
from ..emit import emit
from ..errors import ERROR_CODES, MigcompatError, ParseError
from ..jsonmodel import decode_json, from_json, json_fault
from ..limits import SPEC_VERSION
from ..model import MigrationVersion
from ..parse import parse_compatible, parse_version
from ..verdict import REASON_CODES
from .extract import EXAMPLES_FILE, stale_examples
from .model import Case, CaseError, Suite, load_suite, read_case_file
from .schemas import SchemaUnavailable, validator
from .spec import SpecDocument

__all__ = ["Coverage", "LintReport", "lint"]

CATEGORIES = ("clause", "must", "requirement", "row", "error-code")


@dataclass
class Coverage:
    """Mandatory units of one category: how many, which are covered by a required case, which are not."""

    total: list[str] = field(default_factory=list)
    covered: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {"total": len(self.total), "covered": len(self.covered), "missing": self.missing}


@dataclass
class LintReport:
    """What :func:`lint` found: the problems, counts of the cases, and the coverage of the mandatory units."""

    errors: list[str] = field(default_factory=list)
    cases: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    levels: dict[str, int] = field(default_factory=dict)
    coverage: dict[str, Coverage] = field(default_factory=dict)
    device_units: dict[str, str] = field(default_factory=dict)
    device_checks: dict[str, list[str]] = field(default_factory=dict)
    """For each unit tested on devices, the driver checks (migcompat.conformance) that cite it."""

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.errors

    def totals(self) -> tuple[int, int]:
        """(covered, total) mandatory units, over every category."""
        covered = sum(len(c.covered) for c in self.coverage.values())
        total = sum(len(c.total) for c in self.coverage.values())
        return covered, total

    def to_json(self) -> dict[str, object]:
        """The report as ``migcompat cases check --format json`` writes it."""
        covered, total = self.totals()
        return {
            "ok": self.ok,
            "errors": self.errors,
            "cases": self.cases,
            "kinds": self.kinds,
            "levels": self.levels,
            "coverage": {name: c.to_json() for name, c in self.coverage.items()},
            "mandatory_units": {"covered": covered, "total": total},
            "tested_on_devices": self.device_units,
            "device_checks": self.device_checks,
        }

    def text(self) -> str:
        """The report for people, as ``migcompat cases check`` prints it."""
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.kinds.items()))
        lines = [f"{self.cases} cases, of every revision of the specification: {kinds}"]
        lines.append("levels: " + ", ".join(f"{n} {k}" for k, n in sorted(self.levels.items())))
        names = {
            "clause": "MUST clauses",
            "must": "MUST sentences",
            "requirement": "requirement ids",
            "row": "decision-table rows",
            "error-code": "error codes",
        }
        lines.append("coverage of the mandatory units by required cases (clause 12.4):")
        for category in CATEGORIES:
            c = self.coverage.get(category)
            if c is None:
                continue
            percent = 100.0 * len(c.covered) / len(c.total) if c.total else 100.0
            lines.append(f"  {names[category]:<20} {len(c.covered):>3}/{len(c.total):<3} ({percent:.0f}%)")
            if c.missing:
                lines.append(f"    not covered: {', '.join(c.missing)}")
        covered, total = self.totals()
        percent = 100.0 * covered / total if total else 100.0
        lines.append(f"  {'all mandatory units':<20} {covered:>3}/{total:<3} ({percent:.0f}%)")
        if self.device_units:
            checked = sum(1 for unit in self.device_units if self.device_checks.get(unit))
            lines.append(
                f"  {'tested on devices':<20} {checked:>3}/{len(self.device_units):<3} by the driver checks of"
                " 'migcompat conformance':"
            )
            for unit in self.device_units:
                lines.append(f"    {unit}: {', '.join(self.device_checks.get(unit, [])) or 'NO CHECK'}")
        if self.errors:
            lines.append(f"{len(self.errors)} problem(s):")
            lines.extend(f"  - {escape(error)}" for error in self.errors)
        else:
            lines.append("the suite is valid")
        return "\n".join(lines)


def lint(directory: Path, spec: SpecDocument, suite: Suite | None = None) -> LintReport:
    """Check the case suite in *directory* against the specification *spec*.

    *suite* is that directory's suite when the caller has loaded it already
    (:func:`load_suite`); it is not loaded again.
    """
    report = LintReport()
    if suite is None:
        try:
            suite = load_suite(directory)
        except CaseError as exc:
            report.errors.append(str(exc))
            return report
    report.errors.extend(suite.problems)
    _schema(directory, report)
    report.cases = len(suite.cases)
    for case in suite.cases:
        report.kinds[case.kind] = report.kinds.get(case.kind, 0) + 1
        report.levels[case.level] = report.levels.get(case.level, 0) + 1
    for identifier in sorted(set(suite.by_id()) & set(suite.retired)):
        report.errors.append(
            f"{suite.by_id()[identifier].file}: the id {identifier} is retired ({suite.retired[identifier]})"
        )
    _values(suite, report)
    _citations(suite, spec, report)
    if stale_examples(spec, directory):
        report.errors.append(f"{EXAMPLES_FILE} is not up to date with the specification: run 'migcompat cases extract'")
    _coverage(suite, spec, report)
    return report


def _schema(directory: Path, report: LintReport) -> None:
    try:
        validator("case-file.schema.json")
    except SchemaUnavailable as exc:
        report.errors.append(str(exc))
        return
    for path in sorted(directory.glob("*.json")):
        try:
            text = read_case_file(path)
        except CaseError as exc:
            report.errors.append(str(exc))
            continue
        report.errors.extend(_schema_errors(path.name, text))


_SCHEMA_ERRORS: dict[tuple[str, bytes], tuple[str, ...]] = {}
"""Schema errors by case file name and SHA-256 of its text: at most :data:`_SCHEMA_MEMO` files, not their texts."""
_SCHEMA_MEMO: Final = 16


def _schema_errors(name: str, text: str) -> tuple[str, ...]:
    """The schema errors of the case file *name* holding *text* (the first 20).

    Validating the whole suite is most of what linting it costs; a process
    that lints copies of one suite (a vendor's edits, the tests) validates
    each distinct file once.
    """
    key = (name, hashlib.sha256(text.encode("utf-8")).digest())
    found = _SCHEMA_ERRORS.get(key)
    if found is None:
        found = _validate(name, text)
        if len(_SCHEMA_ERRORS) >= _SCHEMA_MEMO:
            _SCHEMA_ERRORS.clear()
        _SCHEMA_ERRORS[key] = found
    return found


def _validate(name: str, text: str) -> tuple[str, ...]:
    try:
        document = decode_json(text, lambda message, line, column: ValueError(json_fault(message, line, column)))
    except ValueError as exc:
        return (f"{name}: {exc}",)
    check = validator("case-file.schema.json")
    errors = sorted(check.iter_errors(document), key=lambda e: list(e.absolute_path))[:20]
    return tuple(
        f"{name}: schema: at /{'/'.join(str(part) for part in error.absolute_path)}: {_short(error.message)}"
        for error in errors
    )


def _error_answers(case: Case, where: str, report: LintReport) -> None:
    """A parse-invalid case's codes are known, distinct, and this library's parser gives one of them."""
    answers = [case.expect, *case.expect.get("alternatives", ())]
    codes = [answer["code"] for answer in answers]
    report.errors.extend(f"{where}: unknown error code {code}" for code in codes if code not in ERROR_CODES)
    if len(set(codes)) != len(codes):
        report.errors.append(f"{where}: an error code is expected twice")
    parser = parse_version if case.data["attribute"] == "migration_version" else parse_compatible
    try:
        parser(case.input_bytes())
    except ParseError as error:
        if error.code not in codes:
            report.errors.append(f"{where}: this library rejects the input with {error.code}, not {' or '.join(codes)}")
    else:
        report.errors.append(f"{where}: this library accepts the input")


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _values(suite: Suite, report: LintReport) -> None:
    """Expected values are checked with this library, so only in the cases of the revision it implements."""
    for case in suite.cases:
        if not case.applies_to(SPEC_VERSION):
            continue
        where = f"{case.file}: {case.id}"
        data, expect = case.data, case.expect
        try:
            if case.kind == "parse-valid":
                model = from_json(expect["model"])
                attribute = (
                    "migration_version" if isinstance(model, MigrationVersion) else "migration_compatible_devices"
                )
                if attribute != data["attribute"]:
                    report.errors.append(
                        f"{where}: the expected model is a {attribute}, the input a {data['attribute']}"
                    )
                if "canonical" in expect and emit(model) != expect["canonical"]:
                    report.errors.append(f"{where}: expect.canonical is not the canonical text of expect.model")
            elif case.kind == "parse-invalid":
                _error_answers(case, where, report)
            elif case.kind == "emit":
                model = from_json(case.emit_model())
                text = expect["text"]
                parser = parse_version if isinstance(model, MigrationVersion) else parse_compatible
                if emit(parser(text)) != text:
                    report.errors.append(f"{where}: expect.text is not in canonical form")
            elif case.kind == "check":
                unknown = sorted(set(expect.get("reasons", [])) - set(REASON_CODES))
                if unknown:
                    report.errors.append(f"{where}: unknown reason codes {', '.join(unknown)}")
        except MigcompatError as exc:
            report.errors.append(f"{where}: an expected value is not valid: {exc}")


def _citations(suite: Suite, spec: SpecDocument, report: LintReport) -> None:
    mandatory = spec.mandatory_units()
    for case in suite.cases:
        unknown = [name for name in case.clauses if not spec.citable(name)]
        if unknown:
            report.errors.append(
                f"{case.file}: {case.id}: cites what the specification does not have: {', '.join(unknown)}"
            )
        if case.level == "required" and not (spec.covered_by(case.clauses) & set(mandatory)):
            report.errors.append(f"{case.file}: {case.id}: a required case that cites no mandatory unit")


def _coverage(suite: Suite, spec: SpecDocument, report: LintReport) -> None:
    mandatory = spec.mandatory_units()
    report.device_units = dict(spec.device_units)
    from ..conformance.registry import checks_citing

    for unit in spec.device_units:
        report.device_checks[unit] = checks_citing(unit)
        if not report.device_checks[unit]:
            report.errors.append(f"clause 12.4 says {unit} is tested on devices, but no driver check cites it")
    for number, sentence in spec.unlabelled():
        report.errors.append(
            f"clause {number} states a requirement without an identifier (:must:`{number}-M<n>`): {sentence!r}"
        )
    stale = sorted(set(spec.device_units) - set(mandatory))
    if stale:
        report.errors.append(
            f"clause 12.4 lists units tested on devices that are not mandatory units: {', '.join(stale)}"
        )
    covered: set[str] = set()
    for case in suite.cases:
        if case.level == "required":
            covered |= spec.covered_by(case.clauses)
    for category in CATEGORIES:
        units = [name for name, kind in mandatory.items() if kind == category and name not in spec.device_units]
        report.coverage[category] = Coverage(
            total=units,
            covered=[u for u in units if u in covered],
            missing=[u for u in units if u not in covered],
        )
    missing = [u for c in report.coverage.values() for u in c.missing]
    if missing:
        report.errors.append(f"mandatory units without a required case: {', '.join(missing)}")
