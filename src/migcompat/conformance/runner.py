"""Running the suite: the emitter checks on every host, then the upgrade and matrix checks."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from ..limits import SPEC_VERSION
from ..sysfs.model import HostData
from .emitter_checks import Analysis, TextCache, analyse_host
from .matrix_checks import compatibility_matrix
from .results import HostSummary, Report
from .upgrade_checks import upgrade_checks

__all__ = ["Progress", "run"]

Progress = Callable[[int, int], None]
"""Called with (placements done, placements in all) as the run goes."""


def _tool() -> str:
    from .. import __version__

    return f"migcompat {__version__}"


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
    themselves. The newer side is *hosts*. Without *old* and *baseline* no
    upgrade check runs.
    """
    started = time.perf_counter()
    report = Report(tool=_tool(), spec_version=SPEC_VERSION)
    cache: TextCache = {}
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
            )
        )
        return analyses

    checked_old: list[Analysis] = []
    newer: list[Analysis] = []
    for host in old:
        checked_old += analyse(host, "old", report)
    for host in hosts:
        newer += analyse(host, "new" if old or baseline else "host", report)
    scratch = Report()
    unchecked_old: list[Analysis] = []
    for host in baseline:
        unchecked_old += analyse(host, "baseline", scratch)
    if checked_old or unchecked_old:
        upgrade_checks([*checked_old, *unchecked_old], newer, report)
    compatibility_matrix([*checked_old, *newer], report)
    if progress is not None and total:
        progress(total, total)
    report.seconds = time.perf_counter() - started
    return report
