"""Conformance cases: the data model of a case file, loading and selection (clause 12.4).

A case file is JSON (``spec/schema/case-file.schema.json``)::

    {"format": "migcompat-cases-1", "description": "...", "cases": [CASE, ...]}

and ``retired.json`` lists the identifiers that may never be used again::

    {"format": "migcompat-retired-1", "description": "...", "retired": [{"id": ..., "reason": ...}]}

:func:`load_suite` reads a directory of such files and checks each case's
shape itself, so that the runner never trips over a malformed case even when
the ``jsonschema`` package is not installed (``migcompat cases check``
validates against the schema as well).

Loading is bounded whatever a directory holds: only regular files are read
(a FIFO, a socket or a device named ``*.json`` is an error naming it, found
without opening it for a blocking read), each of at most
:data:`MAX_CASE_FILE_BYTES` bytes, decoded by
:func:`migcompat.jsonmodel.decode_json` (the number of values, nesting and
integers bounded).
"""

from __future__ import annotations

import base64
import fnmatch
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from .._files import FileTooLarge, read_regular
from .._jsondoc import integer_value, json_text
from ..errors import MigcompatError
from ..jsonmodel import decode_json, json_fault

__all__ = [
    "CASE_FORMAT",
    "KINDS",
    "MAX_CASE_FILE_BYTES",
    "RETIRED_FILE",
    "RETIRED_FORMAT",
    "Case",
    "CaseError",
    "Selection",
    "Suite",
    "load_suite",
    "read_case_file",
    "retired_text",
    "spec_version_key",
]

CASE_FORMAT: Final = "migcompat-cases-1"
"""The ``"format"`` member of a case file."""
RETIRED_FORMAT: Final = "migcompat-retired-1"
"""The ``"format"`` member of ``retired.json``."""
RETIRED_FILE: Final = "retired.json"
"""The file of a suite's directory that lists the retired identifiers."""
MAX_CASE_FILE_BYTES: Final = 16 << 20
"""The largest case file that is read: 16 MiB, a hundred times the largest file of the suite."""

KINDS: Final = ("parse-valid", "parse-invalid", "emit", "emit-invalid", "check", "relate")
"""Every case kind."""

PROGRAM_OF_KIND: Final = {
    "parse-valid": "parser",
    "parse-invalid": "parser",
    "emit": "emitter",
    "emit-invalid": "emitter",
    "check": "checker",
    "relate": "checker",
}
"""Which program a case of each kind is run through."""

LEVELS: Final = ("required", "recommended")
ATTRIBUTES: Final = ("migration_version", "migration_compatible_devices")
VERDICTS: Final = ("compatible", "incompatible", "unknown")
GRADES: Final = ("identical", "accepted")
COUNTED_REASONS: Final = frozenset({"missing-attribute", "unsupported-version"})
"""The reason codes whose number clause 8.8 fixes (rows 8.8-NR5 and 8.8-NR4): a case may give it (``reason_counts``)."""
RELATIONS: Final = ("equal", "subset", "superset", "disjoint", "overlap")

ID_PATTERN: Final = re.compile(r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$")
ID_MAX: Final = 120
VERSION_PATTERN: Final = re.compile(r"^[1-9][0-9]*\.(?:0|[1-9][0-9]*)$")
CITATION_PATTERN: Final = re.compile(r"^(?:\d+(?:\.\d+)*|[EPC][1-9][0-9]*|\d+(?:\.\d+)*-[A-Z]+[0-9]+|[a-z][a-z-]*)$")

_COMMON: Final = {"id", "kind", "description", "clauses", "level", "spec_versions"}
_MEMBERS: Final[Mapping[str, frozenset[str]]] = {
    "parse-valid": frozenset({"attribute", "input", "input_base64", "expect"}),
    "parse-invalid": frozenset({"attribute", "input", "input_base64", "expect"}),
    "emit": frozenset({"model", "model_text", "expect"}),
    "emit-invalid": frozenset({"document", "document_text", "expect"}),
    "check": frozenset({"source", "target", "target_self", "expect"}),
    "relate": frozenset({"first", "second", "first_self", "second_self", "expect"}),
}


class CaseError(MigcompatError, ValueError):
    """A case file that cannot be used: *where* names the file and, if known, the case.

    Its *code* is always ``case-invalid``: the directory, or a case or
    retired-id file in it, cannot be read or is not what it must be.
    """

    def __init__(self, where: str, message: str) -> None:
        super().__init__("case-invalid", message, where=where)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def spec_version_key(version: str) -> tuple[int, int]:
    """``"1.10"`` -> ``(1, 10)``, for ordering specification revisions."""
    major, _, minor = version.partition(".")
    return int(major), int(minor or 0)


@dataclass(frozen=True)
class Case:
    """One conformance case: its common members and its kind's members (*data*, the JSON object)."""

    id: str
    kind: str
    description: str
    clauses: tuple[str, ...]
    level: str
    since: str
    until: str | None
    data: Mapping[str, Any]
    file: str = ""

    @property
    def program(self) -> str:
        """``parser``, ``emitter`` or ``checker``."""
        return PROGRAM_OF_KIND[self.kind]

    @property
    def expect(self) -> Mapping[str, Any]:
        """The case's ``expect`` member: what a conforming implementation answers."""
        result: Mapping[str, Any] = self.data["expect"]
        return result

    def input_bytes(self) -> bytes:
        """The attribute bytes of a parse case."""
        if "input_base64" in self.data:
            return base64.b64decode(self.data["input_base64"], validate=True)
        text: str = self.data["input"]
        return text.encode("utf-8")

    def emit_model(self) -> Any:
        """The data model of an ``emit`` case, decoded: one given as text (``model_text``) read as JSON by the number
        rule of clause 2.4 (``1.0`` is the integer 1), as a conforming emitter reads it."""
        if "model_text" in self.data:
            return decode_json(self.data["model_text"], _NotJSON, strict=True)
        return self.data["model"]

    def applies_to(self, version: str) -> bool:
        """Whether the case applies to specification revision *version*."""
        key = spec_version_key(version)
        if key < spec_version_key(self.since):
            return False
        return self.until is None or key < spec_version_key(self.until)

    def to_json(self) -> dict[str, Any]:
        """The case as it appears in a case file."""
        versions: dict[str, str] = {"since": self.since}
        if self.until is not None:
            versions["until"] = self.until
        out: dict[str, Any] = {
            "id": self.id,
            "kind": self.kind,
            "description": self.description,
            "clauses": list(self.clauses),
            "level": self.level,
            "spec_versions": versions,
        }
        out.update(self.data)
        return out


@dataclass(frozen=True)
class Selection:
    """Which cases to use: globs on ids (``run``/``skip``), kinds, a spec revision, a level."""

    run: Sequence[str] = ()
    skip: Sequence[str] = ()
    kinds: Sequence[str] = ()
    spec: str | None = None
    level: str | None = None

    def selects(self, case: Case) -> bool:
        """Whether *case* passes every criterion of the selection."""
        if self.run and not any(fnmatch.fnmatchcase(case.id, pattern) for pattern in self.run):
            return False
        if any(fnmatch.fnmatchcase(case.id, pattern) for pattern in self.skip):
            return False
        if self.kinds and case.kind not in self.kinds:
            return False
        if self.spec is not None and not case.applies_to(self.spec):
            return False
        return self.level is None or case.level == self.level


@dataclass
class Suite:
    """The cases of a directory, in file order then case order, and the retired identifiers."""

    directory: Path
    cases: list[Case] = field(default_factory=list)
    files: dict[str, list[Case]] = field(default_factory=dict)
    retired: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    """Problems found while loading: cases that were left out, duplicate identifiers."""

    def select(self, selection: Selection) -> list[Case]:
        """The cases *selection* selects, in suite order."""
        return [case for case in self.cases if selection.selects(case)]

    def by_id(self) -> dict[str, Case]:
        """Every case, by identifier."""
        return {case.id: case for case in self.cases}


def load_suite(directory: Path) -> Suite:
    """Load every ``*.json`` case file of *directory* (and its ``retired.json``).

    A file that is not a case file raises :class:`CaseError`; a malformed case
    is left out and recorded in :attr:`Suite.problems`, as is an identifier
    that appears twice (its later occurrences are left out).
    """
    if not directory.is_dir():
        raise CaseError(str(directory), "not a directory of case files")
    suite = Suite(directory)
    seen: set[str] = set()
    try:  # glob() reads an unreadable directory as an empty one
        names = sorted(entry.name for entry in os.scandir(directory) if entry.name.endswith(".json"))
    except OSError as exc:
        raise CaseError(str(directory), f"cannot read: {exc.strerror or exc}") from None
    for path in (directory / name for name in names):
        document = _read_json(path)
        if path.name == RETIRED_FILE:
            suite.retired = _retired(document, path.name)
            continue
        if not isinstance(document, dict) or document.get("format") != CASE_FORMAT:
            raise CaseError(path.name, f'not a case file (its "format" is not "{CASE_FORMAT}")')
        raw_cases = document.get("cases")
        if not isinstance(raw_cases, list):
            raise CaseError(path.name, '"cases" is not a list')
        loaded: list[Case] = []
        for index, raw in enumerate(raw_cases):
            where = f"{path.name}: case {index}" + (
                f" ({_shown_id(raw['id'])})" if isinstance(raw, dict) and "id" in raw else ""
            )
            problems = case_problems(raw)
            if problems:
                suite.problems.extend(f"{where}: {problem}" for problem in problems)
                continue
            case = _case(raw, path.name)
            if case.id in seen:
                suite.problems.append(f"{where}: the id {case.id} is used more than once")
                continue
            seen.add(case.id)
            loaded.append(case)
        suite.files[path.name] = loaded
        suite.cases.extend(loaded)
    return suite


def _read_json(path: Path) -> Any:
    def error(message: str, line: int | None, column: int | None) -> CaseError:
        return CaseError(path.name, f"cannot read: {json_fault(message, line, column)}")

    return decode_json(read_case_file(path), error, strict=True)


def read_case_file(path: Path, limit: int = MAX_CASE_FILE_BYTES) -> str:
    """The UTF-8 text of the regular file *path* (a case file, ``retired.json``, an expected-failure file).

    The file is opened as :func:`migcompat._files.open_regular` opens it and
    checked before it is read: a FIFO, a socket, a device or a directory
    (refused unopened), a file larger than *limit* bytes, and bytes that are
    not UTF-8 raise :class:`CaseError` naming the file, as does every
    ``OSError``. Nothing here can hang on a FIFO, read ``/dev/zero`` forever
    or take a terminal.
    """
    name = path.name or str(path)
    try:
        data = read_regular(path, limit)
    except FileTooLarge as exc:
        if exc.size is None:
            raise CaseError(name, f"cannot read: more than the {limit} bytes a case file may have") from None
        raise CaseError(name, f"cannot read: {exc.size} bytes, more than the {limit} a case file may have") from None
    except (OSError, ValueError) as exc:
        raise CaseError(name, f"cannot read: {_reason(exc)}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaseError(
            name, f"cannot read: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _shown_id(value: object) -> str:
    return value if isinstance(value, str) and len(value) <= ID_MAX and value.isprintable() else _brief(value)


def _brief(value: object) -> str:
    """*value* for a problem message: short JSON text, cut after 60 characters (never a huge repr)."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:60]) + f"... ({len(value)} characters)"
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    try:
        text = json_text(value, ensure_ascii=True)
    except (TypeError, ValueError, RecursionError):
        text = "..."
    return text if len(text) <= 60 else text[:60] + "..."


def _retired(document: Any, where: str) -> dict[str, str]:
    if not isinstance(document, dict) or document.get("format") != RETIRED_FORMAT:
        raise CaseError(where, f'not a retired-id file (its "format" is not "{RETIRED_FORMAT}")')
    entries = document.get("retired")
    if not isinstance(entries, list):
        raise CaseError(where, '"retired" is not a list')
    retired: dict[str, str] = {}
    for entry in entries:
        if not (isinstance(entry, dict) and isinstance(entry.get("id"), str) and isinstance(entry.get("reason"), str)):
            raise CaseError(where, f"malformed entry {_brief(entry)}")
        retired[entry["id"]] = entry["reason"]
    return retired


def retired_text(entries: Mapping[str, str]) -> str:
    """The text of ``retired.json`` listing *entries* (identifier to reason): stable, sorted, ASCII."""
    document = {
        "format": RETIRED_FORMAT,
        "description": "Case identifiers that were used and may never be used again, with why they were retired.",
        "retired": [{"id": key, "reason": reason} for key, reason in sorted(entries.items())],
    }
    return json.dumps(document, indent=1, ensure_ascii=True) + "\n"


def _case(raw: Mapping[str, Any], file: str) -> Case:
    versions = raw["spec_versions"]
    data = {key: value for key, value in raw.items() if key not in _COMMON}
    return Case(
        id=raw["id"],
        kind=raw["kind"],
        description=raw["description"],
        clauses=tuple(raw["clauses"]),
        level=raw["level"],
        since=versions["since"],
        until=versions.get("until"),
        data=data,
        file=file,
    )


# ---- shape checks (the same rules as the schema, for loading without jsonschema) ----


def case_problems(raw: object) -> list[str]:
    """What is wrong with the shape of one case; an empty list when nothing is."""
    if not isinstance(raw, dict):
        return ["a case is not a JSON object"]
    problems: list[str] = []
    kind = raw.get("kind")
    if kind not in KINDS:
        return [f"unknown kind {_brief(kind)}"]
    allowed = _COMMON | _MEMBERS[kind]
    problems.extend(f"unexpected member {_brief(name)}" for name in sorted(set(raw) - allowed))
    for name in sorted(_COMMON - set(raw)):
        problems.append(f"missing member {name!r}")
    if problems:
        return problems
    identifier = raw["id"]
    if not (isinstance(identifier, str) and ID_PATTERN.match(identifier) and len(identifier) <= ID_MAX):
        problems.append(f"bad id {_brief(identifier)}")
    if not (isinstance(raw["description"], str) and raw["description"].strip()):
        problems.append("empty description")
    clauses = raw["clauses"]
    if not (
        isinstance(clauses, list)
        and clauses
        and all(isinstance(c, str) and CITATION_PATTERN.match(c) for c in clauses)
        and len(set(clauses)) == len(clauses)
    ):
        problems.append(f"bad clauses {_brief(clauses)}")
    if raw["level"] not in LEVELS:
        problems.append(f"bad level {_brief(raw['level'])}")
    versions = raw["spec_versions"]
    if not (
        isinstance(versions, dict)
        and set(versions) <= {"since", "until"}
        and isinstance(versions.get("since"), str)
        and VERSION_PATTERN.match(versions["since"])
        and (
            versions.get("until") is None
            or (isinstance(versions["until"], str) and VERSION_PATTERN.match(versions["until"]))
        )
    ):
        problems.append(f"bad spec_versions {_brief(versions)}")
    problems.extend(_KIND_CHECKS[kind](raw))
    return problems


def _expect(raw: Mapping[str, Any], required: Iterable[str], optional: Iterable[str] = ()) -> list[str]:
    expect = raw.get("expect")
    if not isinstance(expect, dict):
        return ['missing or malformed "expect"']
    required = set(required)
    problems = [f"expect lacks {name!r}" for name in sorted(required - set(expect))]
    problems.extend(f"expect has unexpected {_brief(name)}" for name in sorted(set(expect) - required - set(optional)))
    return problems


def _attribute_input(raw: Mapping[str, Any]) -> list[str]:
    problems = []
    if raw.get("attribute") not in ATTRIBUTES:
        problems.append(f"bad attribute {_brief(raw.get('attribute'))}")
    has_text, has_b64 = "input" in raw, "input_base64" in raw
    if has_text == has_b64:
        problems.append('exactly one of "input" and "input_base64" is required')
    elif has_text and not isinstance(raw["input"], str):
        problems.append('"input" is not a string')
    elif has_b64:
        try:
            base64.b64decode(raw["input_base64"], validate=True)
        except (TypeError, ValueError):
            problems.append('"input_base64" is not base64')
    return problems


def _parse_valid(raw: Mapping[str, Any]) -> list[str]:
    problems = _attribute_input(raw) + _expect(raw, ["model"], ["canonical"])
    if not problems and not isinstance(raw["expect"]["model"], dict):
        problems.append("expect.model is not an object")
    return problems


def _parse_invalid(raw: Mapping[str, Any]) -> list[str]:
    problems = _attribute_input(raw) + _expect(raw, ["code"], ["line", "column", "alternatives"])
    if problems:
        return problems
    expect = raw["expect"]
    problems = _error_answer(expect, "expect")
    if "alternatives" in expect:
        alternatives = expect["alternatives"]
        if not isinstance(alternatives, list) or not alternatives:
            return [*problems, "expect.alternatives is not a non-empty list"]
        for index, alternative in enumerate(alternatives):
            where = f"expect.alternatives[{index}]"
            if not isinstance(alternative, dict):
                problems.append(f"{where} is not an object")
                continue
            unexpected = sorted(set(alternative) - {"code", "line", "column"})
            problems.extend(f"{where} has unexpected {_brief(name)}" for name in unexpected)
            problems.extend(_error_answer(alternative, where) if "code" in alternative else [f"{where} lacks 'code'"])
    return problems


def _error_answer(answer: Mapping[str, Any], where: str) -> list[str]:
    """The problems of one expected error: a code, and a line and a column together, each a positive integer."""
    problems = []
    if not isinstance(answer["code"], str):
        problems.append(f"{where}.code is not a string")
    if ("line" in answer) != ("column" in answer):
        problems.append(f"{where}.line and {where}.column go together")
    for name in ("line", "column"):
        if name in answer and not ((integer_value(answer[name]) or 0) >= 1):  # the number rule: 1.0 is 1
            problems.append(f"{where}.{name} is not a positive integer")
    return problems


def _emit(raw: Mapping[str, Any]) -> list[str]:
    problems = _expect(raw, ["text"])
    if ("model" in raw) == ("model_text" in raw):
        problems.append('exactly one of "model" and "model_text" is required')
    elif "model_text" in raw:
        # A valid data model is an object without a member twice (clause 5.8): the text is read strictly.
        problems.extend(_json_text_problems(raw, "model_text", strict=True, is_object=True))
    elif not isinstance(raw["model"], dict):
        problems.append('"model" is not an object')
    if not problems and not isinstance(raw["expect"]["text"], str):
        problems.append("expect.text is not a string")
    return problems


class _NotJSON(ValueError):
    def __init__(self, message: str, line: int | None, column: int | None) -> None:
        super().__init__(json_fault(message, line, column))


def _json_text_problems(
    raw: Mapping[str, Any], name: str, *, strict: bool = False, is_object: bool = False
) -> list[str]:
    """The problems of the member *name* of *raw*: a document given as JSON text (``model_text``, ``document_text``).

    The runner writes the text into a request line as it is (clause 12.5), so it must be JSON text on one line;
    with *strict* an object with a member twice is a problem too, and with *is_object* a text of anything but an
    object.
    """
    text = raw[name]
    if not isinstance(text, str) or not text or "\n" in text or "\r" in text:
        return [f'"{name}" is not JSON text on one line']
    try:
        # the numbers are the program's to judge: one too long for any member is a case (clause 2.4)
        document = decode_json(text, _NotJSON, strict=strict, numbers_as_text=True)
    except _NotJSON as exc:
        return [f'"{name}" is not JSON text: {exc}']
    if is_object and not isinstance(document, dict):
        return [f'"{name}" is not the text of a JSON object']
    return []


def _emit_invalid(raw: Mapping[str, Any]) -> list[str]:
    problems = _expect(raw, ["code"])
    if ("document" in raw) == ("document_text" in raw):
        problems.append('exactly one of "document" and "document_text" is required')
    elif "document_text" in raw:
        problems.extend(_json_text_problems(raw, "document_text"))  # a member twice is what it may hold
    if not problems and raw["expect"]["code"] != "invalid-model":
        problems.append('expect.code is not "invalid-model"')
    return problems


def _attribute_texts(raw: Mapping[str, Any], names: Sequence[str]) -> list[str]:
    problems = []
    for name in names:
        if name not in raw:
            problems.append(f"missing {name!r}")
        elif raw[name] is not None and not isinstance(raw[name], str):
            problems.append(f"{name!r} is neither a string nor null")
    return problems


def _check(raw: Mapping[str, Any]) -> list[str]:
    problems = _attribute_texts(raw, ("source", "target", "target_self"))
    problems += _expect(raw, ["verdict"], ["reasons", "reason_counts", "grade", "choices", "parameters"])
    if problems:
        return problems
    expect = raw["expect"]
    if expect["verdict"] not in VERDICTS:
        problems.append(f"bad verdict {_brief(expect['verdict'])}")
    if "grade" in expect and expect["grade"] not in GRADES:
        problems.append(f"bad grade {_brief(expect['grade'])}")
    if "reasons" in expect and not (
        isinstance(expect["reasons"], list) and all(isinstance(c, str) for c in expect["reasons"])
    ):
        problems.append("expect.reasons is not a list of codes")
    counts = expect.get("reason_counts", {})
    if not (
        isinstance(counts, dict)
        and all(code in COUNTED_REASONS and (integer_value(n) or 0) >= 1 for code, n in counts.items())
    ):
        problems.append(
            "expect.reason_counts is not an object of missing-attribute (8.8-NR5) or unsupported-version (8.8-NR4)"
            " counts"
        )
    elif counts and not set(counts) <= set(expect.get("reasons", ())):
        problems.append("expect.reason_counts counts a code that expect.reasons does not list")
    if ("choices" in expect) != ("parameters" in expect):
        problems.append("expect.choices and expect.parameters go together")
    if "choices" in expect:
        choices, parameters = expect["choices"], expect["parameters"]
        if not (
            isinstance(parameters, dict)
            and all(isinstance(v, list) and v and all(isinstance(x, str) for x in v) for v in parameters.values())
        ):
            problems.append("expect.parameters is not an object of value lists")
        elif not (
            isinstance(choices, list)
            and choices
            and all(
                isinstance(c, dict) and all(k in parameters and v in parameters[k] for k, v in c.items())
                for c in choices
            )
        ):
            problems.append("expect.choices is not a list of assignments of declared parameter values")
    return problems


def _relate(raw: Mapping[str, Any]) -> list[str]:
    problems = _attribute_texts(raw, ("first", "second", "first_self", "second_self"))
    problems += _expect(raw, ["relation"])
    if not problems and raw["expect"]["relation"] not in RELATIONS:
        problems.append(f"bad relation {_brief(raw['expect']['relation'])}")
    for name in ("first", "second"):
        if not problems and raw[name] is None:
            problems.append(f"{name!r} is null")
    return problems


_KIND_CHECKS: Final = {
    "parse-valid": _parse_valid,
    "parse-invalid": _parse_invalid,
    "emit": _emit,
    "emit-invalid": _emit_invalid,
    "check": _check,
    "relate": _relate,
}
