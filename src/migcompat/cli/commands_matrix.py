"""``migcompat matrix``: which device classes of a fleet can migrate to which."""

from __future__ import annotations

import os
from typing import Final

import click

from ..display import escape, plural
from ..emit import emit
from ..fleet.html import render_html
from ..fleet.inventory import STDIN, STDIN_NAME, FleetError
from ..fleet.matrix import Matrix, build_matrix, cell_symbol
from .attributes import refuse_two_stdins
from .commands_match import load_inventory_or_exit, report_findings
from .exitcodes import EXIT_STATUS_HELP, ExitCode
from .options import format_option
from .output import echo, echo_error, echo_json

__all__ = ["matrix_command"]

_HELP: Final = """Show which device classes of a fleet can migrate to which.

INVENTORY is one or more captures ('migcompat capture') or directories of
them; one capture can be - (standard input). A source class is the devices whose migration_version is the same (its
id is a digest of the canonical text, as 'migcompat match' shows it); a
target class is the devices and device types whose migration_version and
rules are both the same. Rows are source classes (S1, S2, ...), columns
target classes (T1, T2, ...), each grouped by driver and version.

In the terminal each cell is one character: = identical (the target is the
same configuration), + accepted, . incompatible, ? unknown; the classes are
listed below the grid with their members. --html FILE writes a standalone
page (no network needed to view it) with the same matrix as an SVG heat map:
hover over a cell for its verdict and reason, or find the pair in the side
table. --html - writes the page to standard output instead of the terminal
matrix (it cannot be combined with --format json, whose document goes there
too). Each distinct pair is checked once, exactly as 'migcompat check'
would; a fleet of more than 250,000 pairs of classes is refused (exit 3).

Placements whose attributes are missing or invalid are not in the matrix; a
note on standard error counts them. What a capture recorded while it was
taken (an unreadable directory, a link loop...) is a warning on standard
error, with the first few: a device there that could not be read is not in
the matrix, which shows what was read (the exit status stays 0).

With --format json the output is one JSON object: {"sources", "targets",
"cells": [{"source", "target", "verdict", ...}], "counts", "findings",
"incomplete"}, each cell a verdict as spec/schema/verdict.schema.json
describes it; "findings" lists the skipped placements and the captures'
faults (each with "capture", "attribute" and "hides_targets"), and
"incomplete" is true when one may hide a device or type.

\b
Examples:
  migcompat matrix captures/
  migcompat matrix --html matrix.html captures/ && xdg-open matrix.html
  migcompat matrix --html - captures/ > matrix.html
  migcompat matrix --format json host1.json host2.json
"""

_EPILOG: Final = (
    EXIT_STATUS_HELP + "\n\n\b\nFor matrix: 0 the matrix was written, 3 an input cannot be read, the fleet has"
    "\nno device, or the matrix is too large (or --html cannot be written)."
)

_STDOUT: Final = "-"
"""The --html FILE that means standard output, as for 'migcompat capture -o -'."""

MAX_GRID_COLUMNS: Final = 120
"""The terminal grid is drawn for at most this many target classes; beyond, the pairs are listed."""


@click.command("matrix", help=_HELP, epilog=_EPILOG, short_help="Show which device classes can migrate to which.")
@click.argument("inventory", metavar="INVENTORY...", nargs=-1, required=True, type=click.Path())
@click.option(
    "--html",
    "html_file",
    metavar="FILE",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    default=None,
    help="Also write the matrix as a standalone HTML page with an SVG heat map to FILE"
    " (- writes only the page, to standard output).",
)
@format_option("text: a grid and the classes, for people; json: one JSON object.")
@click.pass_context
def matrix_command(ctx: click.Context, inventory: tuple[str, ...], html_file: str | None, output_format: str) -> None:
    json_output = output_format == "json"
    if html_file == _STDOUT and json_output:
        raise click.UsageError("--html - and --format json both write to standard output; give --html a FILE")
    refuse_two_stdins([("INVENTORY", path) for path in inventory])
    fleet = load_inventory_or_exit(ctx, inventory, json_output=json_output)
    if not fleet.sources:
        report_findings(fleet)  # as 'match' does: the placements skipped, and what could not be read
        echo_error(
            "the inventory has no device instance with valid attributes: no source class to show", "nothing-to-check"
        )
        if json_output:
            echo_json({"error": {"code": "nothing-to-check", "message": "no device instance in the inventory"}})
        ctx.exit(ExitCode.UNDECIDED)
    try:
        matrix = build_matrix(fleet.providers)
    except FleetError as error:
        echo_error(error.message, error.code)
        if json_output:
            echo_json({"error": error.to_dict()})
        ctx.exit(ExitCode.UNDECIDED)
    if html_file is not None:
        page = render_html(matrix, inputs=[_input_name(path) for path in inventory])
        if html_file == _STDOUT:
            report_findings(fleet)
            click.echo(page.encode("utf-8"), nl=False)  # bytes: the page is UTF-8, whatever the locale
            ctx.exit(ExitCode.SUCCESS)
        try:
            with open(html_file, "w", encoding="utf-8") as out:
                out.write(page)
        except OSError as exc:
            echo_error(f"cannot write {escape(html_file)}: {exc.strerror or exc}", "output-unwritable")
            ctx.exit(ExitCode.UNDECIDED)
    if json_output:
        document = matrix.to_json()
        document["findings"] = [finding.to_json() for finding in fleet.findings]
        document["incomplete"] = fleet.incomplete
        if html_file is not None:
            document["html"] = html_file
        echo_json(document)
        ctx.exit(ExitCode.SUCCESS)
    report_findings(fleet)
    lines = [
        f"{plural(len(matrix.sources), 'source class', 'source classes')} (rows) x"
        f" {plural(len(matrix.targets), 'target class', 'target classes')} (columns):"
        " = identical, + accepted, . incompatible, ? unknown"
    ]
    if len(matrix.targets) <= MAX_GRID_COLUMNS:
        lines.extend(_grid(matrix))
    else:
        lines.append(f"(more than {MAX_GRID_COLUMNS} target classes: the accepted pairs are listed instead)")
        for row, verdicts in enumerate(matrix.cells, start=1):
            accepted = [f"T{column}" for column, verdict in enumerate(verdicts, start=1) if verdict.compatible]
            lines.append(f"S{row} -> {' '.join(accepted) if accepted else '(none)'}")
    lines.append("")
    lines.append("source classes:")
    for number, item in enumerate(matrix.sources, start=1):
        lines.append(
            f"  S{number} {item.id} ({plural(len(item.members), 'device')}, e.g. {escape(item.members[0].where)})"
        )
        lines.append(f"     {escape(emit(item.version).rstrip())}")
    lines.append("target classes:")
    for number, target in enumerate(matrix.targets, start=1):
        kind = f"type {escape(target.members[0].ident)}" if target.kind == "type" else "device"
        lines.append(
            f"  T{number} {kind} ({plural(len(target.members), 'member')}, e.g. {escape(target.members[0].where)})"
        )
    counts = matrix.counts()
    lines.append("pairs: " + ", ".join(f"{count} {name}" for name, count in counts.items()))
    if html_file is not None:
        lines.append(f"wrote {escape(html_file)}")
    echo("\n".join(lines))
    ctx.exit(ExitCode.SUCCESS)


def _grid(matrix: Matrix) -> list[str]:
    sources = matrix.sources
    targets = matrix.targets
    width = len(f"S{len(sources)}")
    # Column numbers written vertically, one digit per line.
    digits = len(str(len(targets)))
    header = []
    for place in range(digits):
        row = "".join(str(number).rjust(digits)[place] for number in range(1, len(targets) + 1))
        header.append(" " * (width + 3) + row)
    lines = [*header, " " * (width + 3) + "-" * len(targets)]
    for number, verdicts in enumerate(matrix.cells, start=1):
        lines.append(f"S{number}".ljust(width) + " | " + "".join(cell_symbol(verdict) for verdict in verdicts))
    return lines


def _input_name(path: str) -> str:
    """How the HTML page names an inventory argument: its last component, or ``<stdin>``."""
    if path == STDIN:
        return STDIN_NAME
    return os.path.basename(path.rstrip("/")) or path
