"""What a conformance run produces: failures, per-check tallies, the matrix and the upgrade relations."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from ..sysfs.model import HostData
from .registry import CHECKS, SUITE_VERSION

__all__ = [
    "INPUT_DETAIL",
    "MAX_EDGES",
    "RESULTS",
    "UNDECIDED_OBJECTS",
    "AcceptedPairs",
    "Excerpt",
    "Failure",
    "HostSummary",
    "MatrixSummary",
    "Note",
    "Report",
    "Tally",
    "UpgradeResult",
    "collector_paused",
    "host_label",
    "input_label",
    "located",
    "render_excerpt",
]

_WINDOW: Final = 96

RESULTS: Final = ("passed", "failed", "undecided")
"""A run's results (:meth:`Report.result`), as the JSON report's ``result`` has them."""

INPUT_DETAIL: Final = "input"
"""The key of a failure's ``details`` that names the input (as given, see
:func:`input_label`) a failure on a host with no name came from."""


def input_label(host: HostData) -> str:
    """How *host* is named on the command line: its origin (the path given), else its root."""
    return host.origin or host.root


def host_label(host: HostData) -> str:
    """How the report names *host*: its name, or for a host with no name its input (:func:`input_label`).

    The one place that decides it, as ``conformance --help`` says and the
    failures' headers show (:attr:`Failure.where`): message bodies, the
    matrix's labels and the hosts of every report format use it.
    """
    return host.host or input_label(host)


def located(host: str, path: str) -> str:
    """``host:path``, or *path* alone when the host has no name (a capture of a mirror taken without --host), or
    *host* alone for the host itself (no path)."""
    return (f"{host}:{path}" if path else host) if host else path


@dataclass(frozen=True)
class Excerpt:
    """The offending line of an attribute, with the 1-based *column* and *length* of the span to underline."""

    line: int
    column: int
    length: int
    text: str

    def to_json(self) -> dict[str, object]:
        """The excerpt as the JSON report has it."""
        return {"line": self.line, "column": self.column, "length": self.length, "text": self.text}


@dataclass(frozen=True)
class Failure:
    """One failed check on one object.

    *path* is the object (a placement directory or an attribute file, relative
    to the sysfs root) on host *host*; *details* holds machine-readable extras
    (``error_code`` of a parse error, ``witness`` of a breaking change, ...).
    """

    check: str
    host: str
    path: str
    message: str
    excerpt: Excerpt | None = None
    details: Mapping[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """``host:path`` of the object; for a host with no name, the input it came from (:data:`INPUT_DETAIL`)."""
        return located(self.host or self.details.get(INPUT_DETAIL, ""), self.path)

    @property
    def severity(self) -> str:
        """The severity of the failed check: ``required`` or ``recommended``."""
        return CHECKS[self.check].severity

    @property
    def clause(self) -> str:
        """The spec clause the failed check enforces."""
        return CHECKS[self.check].clause

    def to_json(self) -> dict[str, object]:
        """The failure as the JSON report has it."""
        return {
            "check": self.check,
            "severity": self.severity,
            "clause": self.clause,
            "host": self.host,
            "path": self.path,
            "message": self.message,
            "excerpt": None if self.excerpt is None else self.excerpt.to_json(),
            "details": dict(self.details),
        }


@dataclass(frozen=True)
class Note:
    """What a run could not check in full, or checked another way, for one object (not a failure)."""

    check: str
    host: str
    path: str
    message: str
    input: str = ""
    """For a host with no name, the input it came from (:func:`input_label`), as a failure's details name it."""

    @property
    def where(self) -> str:
        """``host:path`` of the object; for a host with no name, ``input:path`` (or its path alone when the input is
        not known); the host (or input) alone for a note on the host itself (no path)."""
        return located(self.host or self.input, self.path)

    def to_json(self) -> dict[str, object]:
        """The note as the JSON report has it."""
        return {"check": self.check, "host": self.host, "path": self.path, "message": self.message}


@dataclass
class Tally:
    """How many objects a check examined, how many failed it, and how many it could not decide.

    An object left *undecided* (an upgrade pair whose relation is too complex,
    or the run's bound spent) is neither checked nor failed. An object
    *skipped* is one the check applies to but did not examine, for a reason a
    note of the check gives (the file modes of a copied tree, a check that
    another check's failure keeps from running): neither checked nor failed.
    """

    checked: int = 0
    failed: int = 0
    undecided: int = 0
    skipped: int = 0

    @property
    def status(self) -> str:
        """``failed``, ``undecided`` (none failed, some not decided), ``passed``, ``not-run`` (nothing checked, some
        objects skipped: see the check's notes) or ``not-applicable`` (nothing there to check)."""
        if self.failed:
            return "failed"
        if self.undecided:
            return "undecided"
        if self.checked:
            return "passed"
        return "not-run" if self.skipped else "not-applicable"

    @property
    def unchecked_reason(self) -> str:
        """Why nothing was checked, for a skipped test of the KTAP and JUnit reports (the notes say more)."""
        if self.skipped:
            return f"not run: {self.skipped} {'object' if self.skipped == 1 else 'objects'} skipped (see the notes)"
        return "not applicable: nothing to check"


UNDECIDED_OBJECTS: Final = {
    "MC-U1-BREAKING": ("upgrade pair", "upgrade pairs"),
    "MC-U2-REMOVED": ("removed type or device", "removed types or devices"),
    "MC-M2-ASYMMETRY": ("target class of the matrix", "target classes of the matrix"),
}
"""What a check leaves undecided, as the result line counts it (``object`` for any other check)."""


@dataclass(frozen=True)
class HostSummary:
    """One host of the run: where it came from and what was found there."""

    name: str
    origin: str
    source: str
    role: str
    kernel: str
    time: str
    placements: int
    migratable: int
    findings: int
    label: str = ""
    """How the report names the host (:func:`host_label`): *name*, or for a host with no name its input."""

    def to_json(self) -> dict[str, object]:
        """The host as the JSON report has it."""
        return {
            "name": self.name,
            "origin": self.origin,
            "source": self.source,
            "role": self.role,
            "kernel": self.kernel,
            "time": self.time,
            "placements": self.placements,
            "migratable": self.migratable,
            "findings": self.findings,
        }


@dataclass(frozen=True)
class UpgradeResult:
    """How the rules of one type or device relate between the older and the newer driver."""

    identity: str
    old: str
    new: str
    relation: str
    witness: str | None = None
    note: str | None = None
    """For a breaking change: whether *witness* is the old driver's own device or a source its rules accepted."""

    @property
    def breaking(self) -> bool:
        """True when the newer driver no longer accepts a source the older one did (*witness* is one)."""
        return self.witness is not None

    def to_json(self) -> dict[str, object]:
        """The relation as the JSON report has it."""
        return {
            "identity": self.identity,
            "old": self.old,
            "new": self.new,
            "relation": self.relation,
            "breaking": self.breaking,
            "witness": self.witness,
            "note": self.note,
        }


MAX_EDGES: Final = 100_000
"""At most this many compatible pairs are listed in ``MatrixSummary.edges`` (and the JSON report)."""


class AcceptedPairs(Protocol):
    """Every compatible (source class, target class) pair of a matrix, held compactly."""

    def __len__(self) -> int:
        """How many pairs are compatible."""
        ...

    def __contains__(self, pair: object) -> bool:
        """Whether the (source class, target class) *pair* is compatible."""
        ...

    def __iter__(self) -> Iterator[tuple[int, int]]:
        """The compatible pairs in ascending order (source, then target); as many as :meth:`__len__` says."""
        ...


@dataclass
class MatrixSummary:
    """The cross-device compatibility matrix, over classes of identical descriptions.

    A class is one distinct (device description, rule set, target) triple; a
    device instance is its own target, a device type is the target for each of
    its covering choices (some device the type creates accepts the source).
    *members* counts the devices (and covering choices) in it. *edges* lists
    the first :data:`MAX_EDGES` (source class, target class) pairs, in
    ascending order, whose verdict is compatible; *accepted_pairs* counts all
    of them, and *accepted* holds them all, compactly (it is not part of the
    JSON report). *candidate_pairs* counts the (source class, target class)
    pairs the index of the keys the rules constrain left to decide, and *evaluated_pairs* the
    verdicts computed to decide them (each for one source and a whole run of
    targets), in work units (:func:`~migcompat.semantics.templates.decision_cost`:
    one a verdict, more for rules of many keys and against a device type).
    """

    classes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[tuple[int, int]] = field(default_factory=list)
    candidate_pairs: int = 0
    evaluated_pairs: int = 0
    accepted_pairs: int = 0
    undecided_targets: int = 0
    """Target classes whose rule set was not decided against every source (the work bound was reached): 0 when
    the matrix is complete."""
    accepted: AcceptedPairs | None = field(default=None, repr=False, compare=False)
    from_types: int = field(default=0, repr=False, compare=False)
    """How many of the classes are a device type's covering choices (not part of the JSON report)."""

    def to_json(self) -> dict[str, object]:
        """The matrix as the JSON report has it."""
        return {
            "classes": self.classes,
            "edges": [{"source": s, "target": t} for s, t in self.edges],
            "candidate_pairs": self.candidate_pairs,
            "evaluated_pairs": self.evaluated_pairs,
            "accepted_pairs": self.accepted_pairs,
            "undecided_targets": self.undecided_targets,
        }


@dataclass
class Report:
    """The outcome of a conformance run."""

    hosts: list[HostSummary] = field(default_factory=list)
    tallies: dict[str, Tally] = field(default_factory=lambda: {ident: Tally() for ident in CHECKS})
    failures: list[Failure] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    upgrades: list[UpgradeResult] = field(default_factory=list)
    matrix: MatrixSummary = field(default_factory=MatrixSummary)
    seconds: float = 0.0
    tool: str = ""
    spec_version: str = ""

    def passed(self, ident: str, count: int = 1) -> None:
        """Count one object (or *count* objects) that passed the check *ident*."""
        self.tallies[ident].checked += count

    def fail(self, failure: Failure) -> None:
        """Record *failure* and count it against its check."""
        tally = self.tallies[failure.check]
        tally.checked += 1
        tally.failed += 1
        self.failures.append(failure)

    def note(self, note: Note) -> None:
        """Record *note*: what a check could not decide in full, or decided another way."""
        self.notes.append(note)

    def skip(self, ident: str, count: int = 1) -> None:
        """Count one object (or *count* objects) that the check *ident* applies to but did not examine; a note of
        the check says why."""
        self.tallies[ident].skipped += count

    def undecide(self, ident: str, count: int = 1) -> None:
        """Count one object (or *count* objects) that the check *ident* could not decide: never a pass."""
        self.tallies[ident].undecided += count

    def undecided_checks(self, *, warnings_fail: bool = False) -> list[str]:
        """The checks that left an object undecided and count for the result: required ones, and with
        *warnings_fail* recommended ones too, in registry order."""
        return [
            ident
            for ident, tally in self.tallies.items()
            if tally.undecided and (warnings_fail or CHECKS[ident].severity == "required")
        ]

    def undecided_summary(self, *, warnings_fail: bool = False) -> str:
        """What was left undecided, for a result line: ``2 upgrade pairs could not be decided (MC-U1-BREAKING)``."""
        parts = []
        for ident in self.undecided_checks(warnings_fail=warnings_fail):
            count = self.tallies[ident].undecided
            one, many = UNDECIDED_OBJECTS.get(ident, ("object", "objects"))
            parts.append(f"{count} {one if count == 1 else many} could not be decided ({ident})")
        return "; ".join(parts)

    def result(self, *, warnings_fail: bool = False) -> str:
        """``failed``, ``undecided`` or ``passed`` (:data:`RESULTS`), as the exit status says it: 1, 3 or 0.

        A failed required check (with *warnings_fail*, any failed check) wins;
        else a required check (with *warnings_fail*, any check) that left an
        object undecided makes the run undecided: no answer, never a pass.
        """
        if not self.ok or (warnings_fail and self.warnings):
            return "failed"
        if self.undecided_checks(warnings_fail=warnings_fail):
            return "undecided"
        return "passed"

    @property
    def required_failures(self) -> list[Failure]:
        """The failures of required checks: any of them fails the run."""
        return [f for f in self.failures if f.severity == "required"]

    @property
    def warnings(self) -> list[Failure]:
        """The failures of recommended checks."""
        return [f for f in self.failures if f.severity != "required"]

    @property
    def ok(self) -> bool:
        """True when no required check failed (warnings do not count; nor does an undecided check: :meth:`result`)."""
        return not self.required_failures

    def failed_checks(self) -> list[str]:
        """The IDs of the checks that failed at least once, in registry order."""
        return [ident for ident, tally in self.tallies.items() if tally.failed]

    def to_json(self, *, warnings_fail: bool = False) -> dict[str, object]:
        """The report as ``spec/schema/conformance-report.schema.json`` describes it; its ``result`` is
        :meth:`result` (with *warnings_fail*, as ``--fail-on-warning`` counts warnings and undecided
        recommended checks), the one the exit status gives."""
        return {
            "format": "migcompat-conformance-report",
            "version": 1,
            "suite_version": SUITE_VERSION,
            "spec_version": self.spec_version,
            "tool": self.tool,
            "result": self.result(warnings_fail=warnings_fail),
            "seconds": round(self.seconds, 6),
            "hosts": [host.to_json() for host in self.hosts],
            "checks": [
                {
                    "id": ident,
                    "clause": CHECKS[ident].clause,
                    "severity": CHECKS[ident].severity,
                    "title": CHECKS[ident].title,
                    "status": tally.status,
                    "checked": tally.checked,
                    "failed": tally.failed,
                    "undecided": tally.undecided,
                    "skipped": tally.skipped,
                }
                for ident, tally in self.tallies.items()
            ],
            "failures": [f.to_json() for f in self.failures],
            "notes": [n.to_json() for n in self.notes],
            "upgrades": [u.to_json() for u in self.upgrades],
            "matrix": self.matrix.to_json(),
        }


def render_excerpt(excerpt: Excerpt) -> list[str]:
    """The offending line with a caret line under the span, windowed around it when long."""
    text = "".join(c if " " <= c <= "~" else "?" for c in excerpt.text)
    start = excerpt.column - 1
    carets = " " * start + "^" * excerpt.length
    if len(text) > _WINDOW:
        first = min(max(0, start - _WINDOW // 3), len(text) - _WINDOW)
        left = "..." if first > 0 else ""
        right = "..." if first + _WINDOW < len(text) else ""
        text = left + text[first : first + _WINDOW] + right
        # A fault just past the end of the line (a missing newline, an attribute too long) keeps its caret.
        end = first + _WINDOW if right else max(first + _WINDOW, start + 1)
        carets = " " * len(left) + carets[first:end].rstrip()
    gutter = " " * len(str(excerpt.line))
    return [f"{excerpt.line} | {text}", f"{gutter} | {carets}"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration of the block (if it is enabled).

    The checks allocate many small objects while every placement's analysis
    is alive; each full collection would traverse all of them again, which
    on a 10,000-device fleet cost more than half the matrix's time. Nothing
    the checks allocate forms reference cycles, so nothing waits for the
    collector; it is resumed (and left to run as usual) afterwards, as
    Mercurial does around its allocation-heavy loops.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
