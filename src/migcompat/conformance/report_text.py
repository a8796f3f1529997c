"""The terminal report: hosts, each failure with its check ID, object, text and caret, and the checks.

Uses rich; colour only on a terminal, and never with ``NO_COLOR`` set
(rich honours it). This module is imported by the command line only.

Every string that came from an input (host, kernel, origin, path, type and
device names, messages that quote them) is shown through
:func:`migcompat.display.escape`: one line of printable ASCII, so a name can
neither move the cursor nor start a line of its own. Nothing is parsed as
rich markup or emoji codes (the console has both off and every line is a
:class:`rich.text.Text`), so ``[bold]`` or ``:smile:`` in a name prints as
written. Items are one line each (a long one is wrapped by the terminal,
never cut); the one table, of the checks, fits 80 columns without cutting
a check ID or a status.
"""

from __future__ import annotations

import errno
import os
import sys
from typing import IO, Final

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..display import all_printable, escape, plural, rule_numbers
from ..fleet.diff import relation_name
from .registry import CHECKS, SUITE_VERSION
from .results import Failure, MatrixSummary, Report, render_excerpt

__all__ = ["MAX_PER_CHECK", "MIN_WIDTH", "render_excerpt", "write_text_report"]

MAX_PER_CHECK: Final = 20
"""At most this many failures of one check are shown in full; --format json has them all."""

MIN_WIDTH: Final = 80
"""The report is laid out for at least this many columns (a narrower terminal wraps its lines)."""

_INDENT: Final = "     "

_Part = str | tuple[str, str] | Text


def _line(*parts: _Part) -> Text:
    """One line of the report: plain strings and (string, style) pairs, never parsed as markup."""
    return Text.assemble(*parts, no_wrap=True, end="\n")


def _shown(text: str) -> str:
    """An input-derived message: escaped, with its rule numbers marked 0-based."""
    return rule_numbers(escape(text))


def _status(report: Report, warnings_fail: bool) -> Text:
    warned = len(report.warnings)
    if warnings_fail and warned and report.ok:
        return Text.assemble(("FAILED", "bold red"), f": {plural(warned, 'warning')} (--fail-on-warning)")
    if report.ok and report.result(warnings_fail=warnings_fail) == "undecided":
        summary = report.undecided_summary(warnings_fail=warnings_fail)
        return Text.assemble(
            ("UNDECIDED", "bold yellow"),
            f": {summary}; no required check failed, {plural(warned, 'warning')} (see the notes)",
        )
    if report.ok:
        return Text.assemble(("PASSED", "bold green"), f" with {plural(warned, 'warning')}" if warned else "")
    failed = len(report.required_failures)
    return Text.assemble(
        ("FAILED", "bold red"), f": {plural(failed, 'required check failure')}, {plural(warned, 'warning')}"
    )


def _failure(console: Console, failure: Failure) -> None:
    word = ("FAIL", "bold red") if failure.severity == "required" else ("WARN", "bold yellow")
    where = escape(failure.where)
    if failure.excerpt is not None:  # path:line:column, as compilers and 'migcompat lint' write it
        where += f":{failure.excerpt.line}:{failure.excerpt.column}"
    console.print(_line(word, " ", (failure.check, "bold"), "  ", where), soft_wrap=True)
    console.print(_line(_INDENT, _shown(failure.message)), soft_wrap=True)
    if failure.excerpt is not None:
        lines = render_excerpt(failure.excerpt)
        if not all_printable(lines):  # render_excerpt shows only printable ASCII; never trust it blindly
            lines = [escape(line) for line in lines]
        for line in lines:
            console.print(_line(_INDENT, line), soft_wrap=True)
    if "hint" in failure.details:  # a parse error's common slip (migcompat._hints)
        console.print(_line(_INDENT, escape(f"hint: {failure.details['hint']}")), soft_wrap=True)
    title = CHECKS[failure.check].title
    console.print(_line((f"{_INDENT}spec clause {failure.clause}: {title}", "dim")), soft_wrap=True)


class _Console(Console):
    """A rich console that lets a closed pipe (``| head``) reach the caller as :class:`BrokenPipeError`.

    rich's own handling points standard output at /dev/null and raises
    ``SystemExit(1)``, a status that reads as "checks failed"; the command
    line ends a closed pipe with 141, as for every other report format.
    """

    def on_broken_pipe(self) -> None:
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


def _console(target: IO[str], color: bool | None) -> Console:
    try:
        terminal = target.isatty()
    except (OSError, ValueError, AttributeError):
        terminal = False
    console = _Console(
        file=target,
        force_terminal=color,
        no_color=color is False,
        highlight=False,
        markup=False,
        emoji=False,
        width=None if terminal or os.environ.get("COLUMNS", "").isdigit() else MIN_WIDTH,
    )
    if console.width < MIN_WIDTH:
        console.width = MIN_WIDTH
    return console


def _print_table(console: Console, table: Table) -> None:
    """*table*, without the spaces rich pads its lines with when the output is not a terminal (CI logs)."""
    if console.is_terminal:
        console.print(table)
        return
    with console.capture() as captured:
        console.print(table)
    console.file.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))


def _checks_table(report: Report) -> Table:
    """The checks: ID and status first and never cut; the clause wraps when the width is short."""
    table = Table(
        title="Checks", title_justify="left", title_style="bold", box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False
    )
    width = max(len(ident) for ident in report.tallies) if report.tallies else 5
    table.add_column("check", no_wrap=True, min_width=width)
    table.add_column("status", no_wrap=True, min_width=6)  # "undecided" is 9 columns: 80 still fit
    table.add_column("checked", justify="right", no_wrap=True)
    table.add_column("failed", justify="right", no_wrap=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("clause", overflow="fold", ratio=1)
    for ident, tally in report.tallies.items():
        check = CHECKS[ident]
        status = {
            "passed": Text("pass", style="green"),
            "failed": Text("FAIL", style="red") if check.severity == "required" else Text("warn", style="yellow"),
            "undecided": Text("undecided", style="yellow"),
            "not-run": Text("skip", style="yellow"),
            "not-applicable": Text("n/a", style="dim"),
        }[tally.status]
        table.add_row(Text(ident), status, str(tally.checked), str(tally.failed), check.severity, Text(check.clause))
    return table


def write_text_report(
    report: Report, stream: IO[str] | None = None, *, color: bool | None = None, warnings_fail: bool = False
) -> None:
    """Write *report* for people to *stream* (standard output by default).

    A failure is named ``host:path``, or ``input:path`` when the host has no
    name (the input as given on the command line), followed by
    ``:line:column`` when it points into an attribute's text. With *warnings_fail*
    (``--fail-on-warning``) a run with warnings ends ``Result: FAILED``.
    *color* True forces colour, False forbids it, None leaves it to rich
    (colour on a terminal, unless ``NO_COLOR`` is set). A run that no required
    check failed but that left a required check's object undecided (an upgrade
    pair too complex to relate) ends ``Result: UNDECIDED: ...``, never
    ``PASSED``; its status is ``undecided`` in the checks table. A failed write is
    raised as the ``OSError`` it is, a closed pipe as :class:`BrokenPipeError`
    (never rich's ``SystemExit``).
    """
    target = stream if stream is not None else sys.stdout
    console = _console(target, color)
    placements = sum(h.placements for h in report.hosts)
    console.print(
        _line(
            ("migcompat conformance", "bold"),
            f" suite {SUITE_VERSION}, spec {escape(report.spec_version)}: "
            f"{plural(len(report.hosts), 'host')}, {plural(placements, 'placement')}",
        ),
        soft_wrap=True,
    )
    if report.hosts:
        console.print()
        console.print(_line(("Hosts", "bold")))
        for host in report.hosts:
            # A host without a name is named by its input, as its failures are; "host" is the role of a lone one.
            named = escape(host.label)
            said = [host.role] if host.role != "host" else []
            if not host.name:
                said.append("no host name")
            aside = f" ({escape(', '.join(said))})" if said else ""
            console.print(
                _line(
                    "  ",
                    (named, "bold"),
                    f"{aside}: {plural(host.placements, 'placement')},"
                    f" {host.migratable} migratable, {plural(host.findings, 'finding')};"
                    f" kernel {escape(host.kernel or 'unknown')}"
                    + (f"; from {escape(host.origin or host.source)}" if host.name else ""),
                ),
                soft_wrap=True,
            )
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
            more = plural(count - MAX_PER_CHECK, f"more {ident} failure")
            console.print(_line(f"... and {more} (--format json lists them all)"), soft_wrap=True)
    if report.upgrades:
        console.print()
        console.print(_line(("Upgrades (old driver -> new driver)", "bold")))
        for upgrade in report.upgrades:
            verdict = (
                ("breaking", "red")
                if upgrade.breaking
                else ("not decided, not a pass", "yellow")
                if upgrade.relation == "undecided"
                else ("accepts the old", "green")
            )
            console.print(
                _line("  ", escape(upgrade.identity), f": {escape(relation_name(upgrade.relation))}, ", verdict),
                soft_wrap=True,
            )
    if report.notes:
        console.print()
        for note in report.notes:
            console.print(_line(("NOTE", "bold"), " ", (note.check, "bold"), "  ", escape(note.where)), soft_wrap=True)
            console.print(_line(_INDENT, _shown(note.message)), soft_wrap=True)
    matrix = report.matrix
    console.print()
    listed = "" if len(matrix.edges) == matrix.accepted_pairs else f", the first {len(matrix.edges)} listed in JSON"
    console.print(
        _line(
            f"Compatibility matrix: {plural(len(matrix.classes), 'distinct device class', 'distinct device classes')},"
            f" {plural(matrix.accepted_pairs, 'compatible (source, target) pair')}{listed}{_types_note(matrix)};"
            f" {plural(matrix.evaluated_pairs, 'verdict')} computed after indexing"
            + (
                f"; not complete: {plural(matrix.undecided_targets, 'target class', 'target classes')} undecided"
                if matrix.undecided_targets
                else ""
            )
        ),
        soft_wrap=True,
    )
    console.print()
    _print_table(console, _checks_table(report))
    console.print()
    console.print(_line("Result: ", _status(report, warnings_fail), f" ({report.seconds:.3f} s)"), soft_wrap=True)


def _types_note(matrix: MatrixSummary) -> str:
    """How a device type is counted in the matrix, when it has classes from types: a reader would take its
    pairs for migrations between the devices of the choices."""
    if not matrix.from_types:
        return ""
    return (
        f" ({plural(matrix.from_types, 'class is', 'classes are')} a device type's covering choices: a type is a"
        " target once per choice, and accepts a source when some device it can create does)"
    )
