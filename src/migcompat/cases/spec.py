"""Reading the specification's reStructuredText: clauses, mandatory units, table rows, examples.

The conformance tooling takes everything it needs to know about the
specification from the ``.rst`` source itself, so that there is one source of
truth (clause 12.4):

* the clauses: each ``.. _clause-N:`` label and the text up to the next one;
* the *mandatory units*: clauses whose own text states a requirement with
  MUST, SHALL or REQUIRED; the requirement identifiers of clauses 12.1 to 12.3
  (``E1``, ``P2``, ``C3``); the labelled rows of clause 8's decision tables
  (``8.1-EQ3``); the error codes of clause 7.3's table; the identifiers of
  the sentences that state a requirement (``:must:`7-M2```), and the
  sentences that should have one and do not (:meth:`SpecDocument.unlabelled`);
* the units tested on devices rather than by cases (clause 12.4's table);
* the example attributes: ``.. code-block:: text`` blocks whose ``:class:``
  names ``mc-version``, ``mc-compatible`` or ``mc-invalid mc-error-<code>``.

The file is read as a case file is (:func:`~migcompat.cases.model.read_case_file`):
only a regular file, of at most :data:`MAX_SPEC_BYTES`, in UTF-8; anything
else raises :class:`SpecUnreadable` naming the file, never a hang on a FIFO
or a read of ``/dev/zero`` without end.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from ..errors import MigcompatError
from .model import CaseError, read_case_file

__all__ = [
    "MAX_SPEC_BYTES",
    "Clause",
    "Example",
    "SpecDocument",
    "SpecUnreadable",
    "examples",
    "examples_under",
    "read_spec",
    "read_spec_text",
]

_LABEL: Final = re.compile(r"^\.\. _clause-(?P<number>\d+(?:\.\d+)*):\s*$")
_KEYWORD: Final = re.compile(r'(?<!")\b(?:MUST|SHALL|REQUIRED)\b(?!")')
_REQUIREMENT: Final = re.compile(r"^(?P<id>[EPC][1-9][0-9]*)\s*$")
_MUST: Final = re.compile(r":must:`(?P<id>(?P<clause>\d+(?:\.\d+)*)-M(?P<rank>[1-9][0-9]*))`")
_SENTENCE_END: Final = re.compile(r"\.(?=\s)|\n\s*\n")
_ROW_LABEL: Final = re.compile(r"^\s*\* - (?P<label>\d+(?:\.\d+)*-[A-Z]+[0-9]+)\s*$")
_ROW_CELL: Final = re.compile(r"^\s*\* - (?P<cell>.*?)\s*$")
_ERROR_CELL: Final = re.compile(r"^\s*\* - ``(?P<code>[a-z][a-z-]*)``\s*$")
_DIRECTIVE: Final = re.compile(r"^(?P<indent>[ ]*)\.\. code-block:: text[ ]*$")
_DEVICE_TABLE: Final = "Mandatory units tested on devices"
_UNIT: Final = re.compile(r"^(?:\d+(?:\.\d+)*|[EPC][1-9][0-9]*|\d+(?:\.\d+)*-[A-Z]+[0-9]+|[a-z][a-z-]*)$")

MAX_SPEC_BYTES: Final = 16 << 20
"""The largest specification file that is read: 16 MiB, a hundred times the specification (about 150 KB)."""

MUST_CLAUSE_EXEMPT: Final = frozenset({"2.1"})
"""Clauses whose capitalised keywords define the keywords rather than state requirements."""


@dataclass(frozen=True)
class Clause:
    """One numbered clause: its number, title, first line and own text (up to the next clause label)."""

    number: str
    title: str
    line: int
    text: str

    @property
    def states_requirement(self) -> bool:
        """True when the clause's own text uses MUST, SHALL or REQUIRED (outside quotes)."""
        return self.number not in MUST_CLAUSE_EXEMPT and bool(_KEYWORD.search(self.text))


@dataclass(frozen=True)
class Example:
    """A classed ``code-block:: text`` of the specification, with its content unindented."""

    source: str
    line: int
    clause: str
    classes: tuple[str, ...]
    text: str

    @property
    def kind(self) -> str:
        """``mc-version``, ``mc-compatible`` or ``mc-invalid``."""
        for name in ("mc-version", "mc-compatible", "mc-invalid"):
            if name in self.classes:
                return name
        return ""

    @property
    def error_codes(self) -> tuple[str, ...]:
        return tuple(c.removeprefix("mc-error-") for c in self.classes if c.startswith("mc-error-"))


@dataclass(frozen=True)
class SpecDocument:
    """What the conformance tooling reads from one specification file."""

    path: Path
    clauses: dict[str, Clause]
    requirements: dict[str, str]
    """Requirement identifier -> the clause that states it."""
    rows: dict[str, str]
    """Decision-table row label -> the clause whose table holds it."""
    error_codes: tuple[str, ...]
    """The codes of clause 7.3's table, in table order."""
    device_units: dict[str, str]
    """Mandatory units that clause 12.4 says are tested on devices, with why."""
    examples: tuple[Example, ...] = field(default=())
    musts: dict[str, str] = field(default_factory=dict)
    """Requirement sentence identifier (``7-M2``) -> the clause it is in."""

    @property
    def must_clauses(self) -> tuple[str, ...]:
        """Clause numbers whose own text states a requirement."""
        return tuple(number for number, clause in self.clauses.items() if clause.states_requirement)

    def mandatory_units(self) -> dict[str, str]:
        """Every mandatory unit, by name, with its category: clause, requirement, row or error-code."""
        units: dict[str, str] = {}
        for number in self.must_clauses:
            units[number] = "clause"
        for name in self.requirements:
            units[name] = "requirement"
        for label in self.rows:
            units[label] = "row"
        for code in self.error_codes:
            units[code] = "error-code"
        for ident in self.musts:
            units[ident] = "must"
        return units

    def unlabelled(self) -> list[tuple[str, str]]:
        """(clause, sentence start) of each sentence that states a requirement without a ``:must:`` identifier.

        Sentences in list tables (whose rows are labelled) and the clauses of
        ``MUST_CLAUSE_EXEMPT`` and 12.4 (which quote the keywords) are
        not counted. A sentence ends at a full stop before white space, or at
        a blank line.
        """
        found: list[tuple[str, str]] = []
        for number, clause in self.clauses.items():
            if number in MUST_CLAUSE_EXEMPT or number == "12.4":
                continue
            prose = "\n".join(_outside_tables(clause.text.splitlines()))
            start = 0
            for end in [*(m.start() for m in _SENTENCE_END.finditer(prose)), len(prose)]:
                sentence = prose[start:end]
                start = end + 1
                if _KEYWORD.search(sentence) and not _MUST.search(sentence):
                    found.append((number, " ".join(sentence.split())[:80]))
        return found

    def citable(self, name: str) -> bool:
        """Whether a case may cite *name*: a clause, a requirement identifier, a row label or an error code."""
        return (
            name in self.clauses
            or name in self.requirements
            or name in self.rows
            or name in self.error_codes
            or name in self.musts
        )

    def covered_by(self, cited: Iterable[str]) -> set[str]:
        """The units that citing *cited* covers: each cited one, and the clause of each cited row, code or sentence."""
        covered: set[str] = set()
        for name in cited:
            covered.add(name)
            if name in self.rows:
                covered.add(self.rows[name])
            if name in self.musts:
                covered.add(self.musts[name])
            if name in self.error_codes:
                covered.add("7.3")
        return covered


class SpecUnreadable(MigcompatError, ValueError):
    """The specification file *path* cannot be read; *reason* says why (``not a regular file (a FIFO)``).

    Its *code* is ``input-unreadable`` and *where* the path.
    """

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__("input-unreadable", reason, where=str(path))
        self.path = path
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


def read_spec_text(path: Path) -> str:
    """The text of the specification file *path*: a regular file of at most :data:`MAX_SPEC_BYTES`, in UTF-8.

    Raises :class:`SpecUnreadable` naming *path* when it is missing or cannot
    be opened, is not a regular file (a FIFO, a device, a directory: refused
    unread), is larger than the limit (refused from its size, unread), or
    holds bytes that are not UTF-8 (the first one and its offset).
    """
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        info = None  # reading says why
    if info is not None and stat.S_ISREG(info.st_mode) and info.st_size > MAX_SPEC_BYTES:
        limit = MAX_SPEC_BYTES >> 20
        raise SpecUnreadable(path, f"{info.st_size} bytes, more than the {limit} MiB a specification file may have")
    try:
        return read_case_file(path, MAX_SPEC_BYTES)
    except CaseError as exc:
        raise SpecUnreadable(path, exc.message.removeprefix("cannot read: ")) from None


def read_spec(path: Path) -> SpecDocument:
    """Read the specification at *path*.

    Raises :class:`SpecUnreadable` (a ValueError) when it cannot be read (see
    :func:`read_spec_text`) and ValueError when it is not the specification: it
    has no numbered clause (no ``.. _clause-N:`` label), or a label is not
    followed by its heading.
    """
    lines = read_spec_text(path).splitlines()
    clauses = _clauses(lines)
    if not clauses:
        raise ValueError(f"{path}: no numbered clause (no '.. _clause-N:' label): this is not the specification")
    requirements: dict[str, str] = {}
    rows: dict[str, str] = {}
    for number, clause in clauses.items():
        own = clause.text.splitlines()
        if number.startswith("12.") and number in ("12.1", "12.2", "12.3"):
            for line in own:
                match = _REQUIREMENT.match(line)
                if match:
                    requirements[match.group("id")] = number
        if number == "8" or number.startswith("8."):
            for line in own:
                match = _ROW_LABEL.match(line)
                if match:
                    label = match.group("label")
                    if label in rows:
                        raise ValueError(f"{path}: row label {label} appears twice")
                    rows[label] = number
    errors = _error_codes(clauses.get("7.3"))
    device = _device_units(clauses.get("12.4"))
    musts: dict[str, str] = {}
    for number, clause in clauses.items():
        for match in _MUST.finditer(clause.text):
            ident = match.group("id")
            if match.group("clause") != number:
                raise ValueError(f"{path}: the requirement {ident} is in clause {number}, not {match.group('clause')}")
            if ident in musts:
                raise ValueError(f"{path}: the requirement identifier {ident} appears twice")
            musts[ident] = number
    return SpecDocument(
        path, clauses, requirements, rows, errors, device, tuple(examples_in(path, lines, clauses)), musts
    )


def _outside_tables(lines: Sequence[str]) -> Iterable[str]:
    """*lines* without the ``list-table`` and literal blocks (those indented under a ``::`` line or directive)."""
    skipping: int | None = None
    for line in lines:
        indent = _indent(line)
        if skipping is not None:
            if not line.strip() or indent > skipping:
                continue
            skipping = None
        if line.lstrip().startswith(".. ") or line.rstrip().endswith("::"):
            skipping = indent
            yield ""
            continue
        yield line


def _clauses(lines: Sequence[str]) -> dict[str, Clause]:
    starts: list[tuple[int, str]] = []
    for index, line in enumerate(lines):
        match = _LABEL.match(line)
        if match:
            starts.append((index, match.group("number")))
    clauses: dict[str, Clause] = {}
    for position, (index, number) in enumerate(starts):
        end = starts[position + 1][0] if position + 1 < len(starts) else len(lines)
        title = ""
        for candidate in lines[index + 1 : end]:
            if candidate.strip():
                title = candidate.strip()
                break
        if not title.startswith(number + " "):
            raise ValueError(f"clause label {number} is not followed by a heading '{number} ...' (got {title!r})")
        clauses[number] = Clause(number, title[len(number) + 1 :], index + 1, "\n".join(lines[index + 1 : end]))
    return clauses


def _error_codes(clause: Clause | None) -> tuple[str, ...]:
    if clause is None:
        return ()
    codes: list[str] = []
    lines = clause.text.splitlines()
    for index, line in enumerate(lines):
        # A row starts with "* - ``code``"; the rows of the header and other columns do not match.
        match = _ERROR_CELL.match(line)
        if match and line.lstrip().startswith("* - "):
            codes.append(match.group("code"))
        del index
    return tuple(codes)


def _device_units(clause: Clause | None) -> dict[str, str]:
    if clause is None:
        return {}
    lines = clause.text.splitlines()
    units: dict[str, str] = {}
    inside = False
    for index, line in enumerate(lines):
        if line.startswith(".. list-table::"):
            inside = _DEVICE_TABLE in line
            continue
        if not inside:
            continue
        if line and not line.startswith(" "):
            inside = False
            continue
        match = _ROW_CELL.match(line)
        if match and index + 1 < len(lines):
            name = match.group("cell")
            why = lines[index + 1].strip().removeprefix("- ").strip()
            if name != "unit" and _UNIT.match(name):
                units[name] = why
    return units


def examples_in(path: Path, lines: Sequence[str], clauses: dict[str, Clause] | None = None) -> list[Example]:
    """Every classed ``code-block:: text`` of *lines* (the file *path*), in document order."""
    numbers = sorted(((c.line, n) for n, c in (_clauses(lines) if clauses is None else clauses).items()), reverse=True)
    found: list[Example] = []
    index = 0
    while index < len(lines):
        match = _DIRECTIVE.match(lines[index])
        index += 1
        if not match:
            continue
        start = index
        base = len(match.group("indent"))
        classes: tuple[str, ...] = ()
        while index < len(lines) and lines[index].strip().startswith(":"):
            option, _, value = lines[index].strip()[1:].partition(":")
            if option == "class":
                classes = tuple(value.split())
            index += 1
        body: list[str] = []
        while index < len(lines) and (not lines[index].strip() or _indent(lines[index]) > base):
            body.append(lines[index])
            index += 1
        while body and not body[-1].strip():
            body.pop()
        while body and not body[0].strip():
            body.pop(0)
        if body and any(c.startswith("mc-") for c in classes):
            width = min(_indent(line) for line in body if line.strip())
            text = "\n".join(line[width:] for line in body) + "\n"
            clause = next((number for first, number in numbers if first <= start), "")
            found.append(Example(path.name, start, clause, classes, text))
    return found


def examples(path: Path) -> list[Example]:
    """Every example attribute of the specification file *path* (:class:`SpecUnreadable` when it cannot be read)."""
    return examples_in(path, read_spec_text(path).splitlines())


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def examples_under(root: Path) -> list[Example]:
    """Every example attribute of every ``.rst`` file under *root*, file by file in name order.

    Each file is read as :func:`read_spec_text` reads it (:class:`SpecUnreadable` for one that cannot be).
    """
    found: list[Example] = []
    for path in sorted(root.rglob("*.rst")):
        lines = read_spec_text(path).splitlines()
        try:
            clauses = _clauses(lines)
        except ValueError:
            clauses = {}
        found.extend(examples_in(path, lines, clauses))
    return found
