"""The terminal report: summary tables, each failure with its check ID, object, text and caret, and the clause.

Uses rich; colour only on a terminal, and never with ``NO_COLOR`` set
(rich honours it). This module is imported by the command line only.
"""

from __future__ import annotations

import sys
from typing import IO, Final

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .registry import CHECKS, SUITE_VERSION
from .results import Failure, Report, render_excerpt

__all__ = ["MAX_PER_CHECK", "render_excerpt", "write_text_report"]

MAX_PER_CHECK: Final = 20
"""At most this many failures of one check are shown in full; --format json has them all."""


def _status(report: Report) -> str:
    if report.ok:
        warned = len(report.warnings)
        return "[bold green]PASSED[/]" + (f" with {warned} warning{'s' * (warned != 1)}" if warned else "")
    failed = len(report.required_failures)
    return f"[bold red]FAILED[/]: {failed} required check failure{'s' * (failed != 1)}, {len(report.warnings)} warnings"


def _failure(console: Console, failure: Failure) -> None:
    word = "[bold red]FAIL[/]" if failure.severity == "required" else "[bold yellow]WARN[/]"
    console.print(f"{word} [bold]{failure.check}[/]  {escape(failure.host)}:{escape(failure.path)}")
    console.print(f"     {escape(failure.message)}", soft_wrap=True)
    if failure.excerpt is not None:
        for line in render_excerpt(failure.excerpt):
            console.print("     " + escape(line), soft_wrap=True, highlight=False)
    console.print(f"     [dim]spec clause {failure.clause}: {escape(CHECKS[failure.check].title)}[/]")


def write_text_report(report: Report, stream: IO[str] | None = None, *, color: bool | None = None) -> None:
    """Write *report* for people to *stream* (standard output by default)."""
    target = stream if stream is not None else sys.stdout
    try:
        terminal = target.isatty()
    except (OSError, ValueError, AttributeError):
        terminal = False
    console = Console(
        file=target, force_terminal=color, no_color=color is False, highlight=False, width=None if terminal else 120
    )
    placements = sum(h.placements for h in report.hosts)
    console.print(
        f"[bold]migcompat conformance[/] suite {SUITE_VERSION}, spec {report.spec_version}: "
        f"{len(report.hosts)} host{'s' * (len(report.hosts) != 1)}, {placements} placements"
    )
    hosts = Table(title="Hosts", title_justify="left", show_edge=False)
    for column in ("host", "role", "from", "kernel", "placements", "migratable", "findings"):
        hosts.add_column(column, justify="right" if column in ("placements", "migratable", "findings") else "left")
    for host in report.hosts:
        hosts.add_row(
            escape(host.name),
            host.role,
            escape(host.origin or host.source),
            escape(host.kernel),
            str(host.placements),
            str(host.migratable),
            str(host.findings),
        )
    console.print(hosts)
    shown: dict[str, int] = {}
    if report.failures:
        console.print()
    for failure in report.failures:
        count = shown.get(failure.check, 0)
        shown[failure.check] = count + 1
        if count < MAX_PER_CHECK:
            _failure(console, failure)
    for ident, count in shown.items():
        if count > MAX_PER_CHECK:
            console.print(f"... and {count - MAX_PER_CHECK} more {ident} failures (--format json lists them all)")
    if report.upgrades:
        upgrades = Table(title="Upgrades (old driver -> new driver)", title_justify="left", show_edge=False)
        for column in ("type or device", "relation", "verdict"):
            upgrades.add_column(column)
        for upgrade in report.upgrades:
            verdict = "[red]breaking[/]" if upgrade.breaking else "[green]accepts the old[/]"
            upgrades.add_row(escape(upgrade.identity), upgrade.relation, verdict)
        console.print()
        console.print(upgrades)
    if report.notes:
        console.print()
        for note in report.notes:
            where = f"{escape(note.host)}:{escape(note.path)}" if note.host else escape(note.path)
            console.print(f"[bold]NOTE[/] [bold]{note.check}[/]  {where}")
            console.print(f"     {escape(note.message)}", soft_wrap=True)
    matrix = report.matrix
    console.print()
    listed = "" if len(matrix.edges) == matrix.accepted_pairs else f", the first {len(matrix.edges)} listed in JSON"
    console.print(
        f"Compatibility matrix: {len(matrix.classes)} distinct device classes, {matrix.accepted_pairs} compatible"
        f" (source, target) pairs{listed}; {matrix.evaluated_pairs} verdicts computed after indexing",
        soft_wrap=True,
    )
    summary = Table(title="Checks", title_justify="left", show_edge=False)
    for column in ("check", "clause", "severity", "checked", "failed", "status"):
        summary.add_column(column, justify="right" if column in ("checked", "failed") else "left", no_wrap=True)
    for ident, tally in report.tallies.items():
        check = CHECKS[ident]
        status = {
            "passed": "[green]pass[/]",
            "failed": "[red]FAIL[/]" if check.severity == "required" else "[yellow]warn[/]",
            "not-applicable": "[dim]n/a[/]",
        }[tally.status]
        summary.add_row(ident, check.clause, check.severity, str(tally.checked), str(tally.failed), status)
    console.print()
    console.print(summary)
    console.print()
    console.print(f"Result: {_status(report)} ({report.seconds:.3f} s)")
