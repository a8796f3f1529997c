"""Running the suite: the emitter checks on every host, then the upgrade and matrix checks."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence

from ..limits import SPEC_VERSION
from ..sysfs.model import HostData
from .emitter_checks import Analysis, TextCache, analyse_host, finding_check
from .matrix_checks import compatibility_matrix
from .results import INPUT_DETAIL, HostSummary, Note, Report, host_label, input_label
from .upgrade_checks import upgrade_checks

__all__ = ["INPUT_DETAIL", "Progress", "run"]


Progress = Callable[[int, int], None]
"""Called with (placements done, placements in all) as the run goes."""


def _tool() -> str:
    from .. import __version__

    return f"migcompat {__version__}"


def _baseline_notes(host: HostData, report: Report) -> None:
    """The reader's findings on the baseline *host*, as notes: it is not checked, but what it lacks is shown."""
    name = input_label(host)
    for finding in host.findings:
        report.note(
            Note(
                finding_check(finding),
                host.host,
                finding.path,
                f"in the --against baseline {name} (not checked itself): {finding.code}: {finding.message}",
            )
        )


_Span = tuple[range, range, HostData]
"""The indexes of one input's emitter failures in ``report.failures`` and of its notes in ``report.notes``."""


def _name_inputs(report: Report, spans: Sequence[_Span]) -> None:
    """Name the input of each failure and note on a host with no name: a failure's in its details
    (:data:`.results.INPUT_DETAIL`), a note's in its *input*.

    *spans* say which failures and notes each input's emitter checks made. A
    later one (upgrade, matrix) on a host with no name is given the input
    whose placement holds its path, when only one input with no host name
    has that placement.
    """
    unnamed = [(failures, notes, host) for failures, notes, host in spans if not host.host]
    if not unnamed:
        return

    def holder(path: str) -> str | None:
        holders = {
            input_label(host)
            for _, _, host in unnamed
            if any(path == p.path or path.startswith(p.path + "/") for p in host.placements)
        }
        return holders.pop() if len(holders) == 1 else None

    failure_owner = {index: input_label(host) for failures, _, host in unnamed for index in failures}
    for index, failure in enumerate(report.failures):
        if failure.host or INPUT_DETAIL in failure.details:
            continue
        label = failure_owner.get(index) or holder(failure.path)
        if label is not None:
            report.failures[index] = dataclasses.replace(failure, details={**failure.details, INPUT_DETAIL: label})
    note_owner = {index: input_label(host) for _, notes, host in unnamed for index in notes}
    for index, note in enumerate(report.notes):
        if note.host or note.input:
            continue
        label = note_owner.get(index) or holder(note.path)
        if label is not None:
            report.notes[index] = dataclasses.replace(note, input=label)


def run(
    hosts: Sequence[HostData],
    *,
    old: Sequence[HostData] = (),
    baseline: Sequence[HostData] = (),
    progress: Progress | None = None,
) -> Report:
    """Check *hosts* and return the report.

    *old* hosts are checked too and are the older side of the upgrade check;
    *baseline* hosts (``--against``) are only the older side, not checked
    themselves; the reader's findings on them are notes of the report (a
    baseline that cannot be read fails nothing, but says so). The newer side
    is *hosts*. Without *old* and *baseline* no upgrade check runs.

    A failure on a host with no name (a capture of a mirrored tree without
    ``--host``) names the input it came from in its details
    (:data:`~migcompat.conformance.results.INPUT_DETAIL`), so that two such inputs can be told apart.
    """
    started = time.perf_counter()
    report = Report(tool=_tool(), spec_version=SPEC_VERSION)
    cache = TextCache()
    total = sum(len(h.placements) for h in (*old, *hosts, *baseline))
    done = 0

    def analyse(host: HostData, role: str, into: Report) -> list[Analysis]:
        nonlocal done
        analyses = []
        for analysis in analyse_host(host, into, cache):
            analyses.append(analysis)
            done += 1
            if progress is not None and (done % 64 == 0 or done == total):
                progress(done, total)
        report.hosts.append(
            HostSummary(
                host.host,
                host.origin,
                host.source,
                role,
                host.kernel,
                host.time,
                len(host.placements),
                sum(1 for p in host.placements if p.migratable),
                len(host.findings),
                host_label(host),
            )
        )
        return analyses

    checked_old: list[Analysis] = []
    newer: list[Analysis] = []
    spans: list[_Span] = []
    for host, role in [*((h, "old") for h in old), *((h, "new" if old or baseline else "host") for h in hosts)]:
        failures, notes = len(report.failures), len(report.notes)
        analysed = analyse(host, role, report)
        (checked_old if role == "old" else newer).extend(analysed)
        spans.append((range(failures, len(report.failures)), range(notes, len(report.notes)), host))
    scratch = Report()
    unchecked_old: list[Analysis] = []
    for host in baseline:
        unchecked_old += analyse(host, "baseline", scratch)
        _baseline_notes(host, report)
    if checked_old or unchecked_old:
        upgrade_checks([*checked_old, *unchecked_old], newer, report)
    compatibility_matrix([*checked_old, *newer], report)
    _name_inputs(report, spans)
    if progress is not None and total:
        progress(total, total)
    report.seconds = time.perf_counter() - started
    return report
