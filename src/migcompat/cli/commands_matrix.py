"""``migcompat matrix``: which device classes of a fleet can migrate to which."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Final

import click

from ..display import escape, first_few, plural
from ..emit import emit
from ..fleet.classes import SourceClass, TargetClass
from ..fleet.html import render_html
from ..fleet.inventory import STDIN, STDIN_NAME, FleetError
from ..fleet.matrix import Matrix, build_matrix, cell_symbol, hosts_text
from .attributes import refuse_two_stdins
from .captures import load_inventory_or_exit, report_findings
from .exitcodes import EXIT_STATUS_HELP, ExitCode
from .io import error_document
from .options import checked_path, format_option
from .output import echo, echo_error, echo_json, write_output_or_exit

__all__ = ["matrix_command"]

_HELP: Final = """Show which device classes of a fleet can migrate to which.

INVENTORY is one or more captures ('migcompat capture') or directories of
them; one capture can be - (standard input). Prints a grid of source classes
(rows) against target classes (columns), grouped by behaviour, one character
per cell: = identical,
+ accepted, . incompatible, ? unknown; --html FILE writes it as a page with a
heat map. Exit status: 0 the matrix was written, 3 an input cannot be read or
the fleet is empty or too large.

\b
Examples:
  migcompat matrix captures/
  migcompat matrix --html matrix.html captures/ && xdg-open matrix.html
  migcompat matrix --html - captures/ > matrix.html
  migcompat matrix --format json host1.json host2.json

A source class is the devices whose migration_version is the same; a
target class is the devices and device types whose migration_version and
rules are both the same. The matrix shows them by behaviour group: classes
that differ only in ignorable (~) fields that no rule of the inventory
constrains (a firmware build, say) are judged alike by every target (or
every source), so they are one row (or column); a group is named by its
description without those fields and lists its classes. A row's "class"
is the digest of that description: the id 'migcompat match' prints and the
scheduler exports of the same inventory label the row's devices with; a
class's own "description digest" (of its whole description, shown when the
row ignores a field) is no export's label. Rows are source
groups (S1, S2, ...), sorted by driver, stream and version (compared as
versions); columns are target groups (T1, T2, ...), each at the first row
it is identical to, so identical cells run down a diagonal. Each is
labelled with its driver and the field that tells it apart from its
driver's others; a column also with its kind (device, type NAME, or type
NAME + device).

In the terminal a cell = means the target is the same configuration, for
some pair of the groups' classes; the groups are listed below the grid with
their classes, hosts and descriptions (and a column's rules). --html FILE
writes a standalone page (no network needed to view it) with the same matrix
as an SVG heat map: hover over a cell for its verdict and reason, or find
the pair in the side table (it lists every pair that is not incompatible and
the first 2,000 incompatible ones of one driver or stream, and counts the
others; reasons and long member lists unfold on demand). --html - writes the
page to standard output instead of the terminal matrix (it cannot be
combined with --format json, whose document goes there too). Each distinct
pair of groups is checked once, exactly as 'migcompat check' would; a fleet
of more than 250,000 pairs of groups, or whose pairs would cost more than
500,000 work units (a pair costs one, and one more per param line of a device
type), is refused (exit 3).

Placements whose attributes are missing, unreadable or invalid are not
targets in the matrix (a device whose migration_version is valid is still a
source: its class is a row, with no column of its own). They, and what a capture recorded while it
was taken (an unreadable directory, a link loop...), are reported once on
standard error, grouped per host, the first few: a device there that could
not be read is not in the matrix, which shows what was read (the exit status
stays 0; the fleet guide, 'When the inventory is incomplete').

With --format json the output is one JSON object: {"sources", "targets",
"cells": [{"source", "target", "verdict", ...}], "unlisted", "counts",
"findings", "incomplete"}, each cell a verdict as verdict.schema.json (the
documentation's JSON Schemas page) describes it, with "classes": the pair of
classes whose verdict it is
("cells" lists every cell that is not incompatible and the first 2,000
incompatible ones in row order; "unlisted": {"incompatible": N} counts the
others, "counts" every cell); each
group has "classes" (each with "id", "migration_version", "members"; a
source class's "id" is its description digest), "description", "ignored",
"hosts" and "name" (its label), and "id" and "migration_version" of its
first class; a row also has "class", the id the exports label it with (as
'match' prints it); "findings" lists the skipped placements and the captures'
faults (each with "capture", "attribute" and "hides_targets"), and
"incomplete" is true when one may hide a device or type.
"""

_EPILOG: Final = (
    EXIT_STATUS_HELP + "\n\nFor matrix: 0 the matrix was written, 3 an input cannot be read, the fleet has"
    " no device, or the matrix is too large (or --html cannot be written)."
)

_STDOUT: Final = "-"
"""The --html FILE that means standard output, as for 'migcompat capture -o -'."""

MAX_GRID_COLUMNS: Final = 120
"""The terminal grid is drawn for at most this many target classes; beyond, the pairs are listed."""


@click.command("matrix", help=_HELP, epilog=_EPILOG, short_help="Show which device classes can migrate to which.")
@click.argument("inventory", metavar="INVENTORY...", nargs=-1, required=True, type=checked_path())
@click.option(
    "--html",
    "html_file",
    metavar="FILE",
    type=checked_path(dash=True),
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
    if not fleet.sources:  # a device kept only as a source is a row with no column
        report_findings(fleet)  # as 'match' does: the placements skipped, and what could not be read
        echo_error(
            "the inventory has no device instance with valid attributes: no source class to show", "nothing-to-check"
        )
        if json_output:
            echo_json(error_document("nothing-to-check", "no device instance in the inventory"))
        ctx.exit(ExitCode.UNDECIDED)
    try:
        matrix = build_matrix(fleet.providers, sources_only=[p for p in fleet.sources if not p.target])
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
        write_output_or_exit(ctx, html_file, page)
    if json_output:
        document = matrix.to_json()
        document["findings"] = [finding.to_json() for finding in fleet.findings]
        document["incomplete"] = fleet.incomplete
        if html_file is not None:
            document["html"] = html_file
        echo_json(document)
        ctx.exit(ExitCode.SUCCESS)
    report_findings(fleet)
    source_count, target_count = matrix.class_counts()
    lines = [
        f"{plural(len(matrix.sources), 'source group')} (rows, {plural(source_count, 'class', 'classes')}) x"
        f" {plural(len(matrix.targets), 'target group')} (columns, {plural(target_count, 'class', 'classes')}):"
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
    lines.append("source classes: by group, one group per row")
    for number, (item, label) in enumerate(zip(matrix.sources, matrix.source_labels, strict=True), start=1):
        lines.append(
            f"  S{number} {escape(label)}: class {item.export_id}, {plural(len(item.members), 'device')}"
            f" {escape(hosts_text(item.members))}"
        )
        lines.extend(f"     {escape(line)}" for line in emit(item.version).splitlines())
        if item.ignored:
            lines.append(
                f"     (ignoring {escape(', '.join(item.ignored))}: no rule of the inventory reads it;"
                f" {_digests(item.classes)})"
            )
    lines.append("target classes: by group, one group per column")
    for number, (target, label) in enumerate(zip(matrix.targets, matrix.target_labels, strict=True), start=1):
        kinds = [provider.kind for provider in target.members]
        members = ", ".join(plural(kinds.count(kind), kind) for kind in ("device", "type") if kind in kinds)
        lines.append(
            f"  T{number} {escape(label)}: {_classes(target.classes)}, {members} {escape(hosts_text(target.members))}"
        )
        lines.extend(f"     {escape(line)}" for line in emit(target.version).splitlines())
        lines.extend(f"     {escape(line)}" for line in emit(target.rules).splitlines()[1:])
        if target.ignored:
            lines.append(f"     (ignoring {escape(', '.join(target.ignored))}: no rule of the inventory reads it)")
    counts = matrix.counts()
    lines.append("pairs: " + ", ".join(f"{count} {name}" for name, count in counts.items()))
    if html_file is not None:
        lines.append(f"wrote {escape(html_file)}")
    echo("\n".join(lines))
    ctx.exit(ExitCode.SUCCESS)


def _classes(classes: Sequence[TargetClass], limit: int = 3) -> str:
    """``target class ID``, or ``N target classes (ID, ID, ID and M more)``: digests of description and rules."""
    if len(classes) == 1:
        return f"target class {classes[0].id}"
    return f"{len(classes)} target classes ({first_few(classes, limit, lambda item: item.id)})"


def _digests(classes: Sequence[SourceClass], limit: int = 3) -> str:
    """``description digest ID``, or ``N description digests: ID, ID, ID and M more``: no export's label."""
    if len(classes) == 1:
        return f"description digest {classes[0].id}"
    return f"{len(classes)} description digests: {first_few(classes, limit, lambda item: item.id)}"


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
