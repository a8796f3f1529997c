"""The compatibility matrix as a standalone HTML page with an inline SVG heat map.

The page needs nothing but itself: no stylesheet, font, script or image is
fetched (it opens offline, from a file or an e-mail attachment). Groups of
source classes are the rows and groups of target classes the columns
(:class:`~.matrix.Matrix`: in their order), separated by driver. The heat
map's axes carry the short labels (:meth:`~.matrix.Matrix.short_labels`: what
tells a row or column apart from the others of its driver first, a column's
device type name say, and no driver), each whole label in its tooltip; a list
beside the map says which rows and columns are of which driver. Each cell
is one ``<rect class="cell ...">`` whose ``<title>`` (shown on hover) holds
the verdict and its reasons (for at most
:data:`~.matrix.MAX_LISTED_INCOMPATIBLE` incompatible cells; the others
only its summary). A side table lists every pair that is not incompatible
and the first :data:`~.matrix.MAX_LISTED_INCOMPATIBLE` incompatible ones of
one driver or stream (it counts the others, and those across drivers), each
with its verdict's summary and its reasons folded under it (``<details>``,
opened when its cell is clicked). The tables of groups give each group's
description, what it ignores, its rules (a column), every member and every
class with its id (a row's: the class the exports label it with, and each
class's description digest); a list of more than five members or classes is
folded.
Every string that comes from the input is escaped.

Nothing on the page but the heat map scrolls sideways, and the page never does:
a heat map wider than the screen scrolls within its own box, and every table
fits the width. A class table is a table on a wide screen (the label's cell holds the
class id too; the members and the attributes get the width) and one labelled
block per class below 60em; the table of every pair is a table, and below 40em
one block per pair: source, target and verdict on a line, the reason under them.
Group separators stop at the cells, clear of the rotated column labels; the
legend keeps each swatch by its label; table text breaks between words, after
"=" or "," within a longer run, and anywhere only in a run of more than
:data:`LONG_TOKEN` characters.
tests/test_fleet_browser.py checks all of this in chromium at 1280 and 390 px.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Final

from ..display import plural
from ..emit import emit, value_text
from ..model import MigrationVersion
from ..verdict import Answer, Verdict
from .classes import SourceGroup, TargetGroup
from .inventory import Provider
from .matrix import MAX_LISTED_INCOMPATIBLE, Matrix, cell_meaning

__all__ = ["LONG_TOKEN", "WHOLE_TOKEN", "render_html"]

_CELL: Final = 18
_CHAR: Final = 7.0
"""At least the advance of one glyph of the heat map's 11 px monospace font (DejaVu Sans Mono: 6.6 px)."""
_SIN60: Final = 0.866
_LABEL_CHARS: Final = 48
"""A heat-map label longer than this is cut with an ellipsis (whole in its tooltip and in the class tables)."""
WHOLE_TOKEN: Final = 24
"""A run of at most this many characters without a space is never split in a table cell."""
LONG_TOKEN: Final = 40
"""A run of more characters than this without a space (a sysfs path) may break anywhere in a table cell.

Runs of more than :data:`WHOLE_TOKEN` and at most this many characters break only after "=" and ",".
"""
_COLOURS: Final = {
    "identical": "#1a7f37",
    "accepted": "#6fdd8b",
    "incompatible": "#e6e8eb",
    "unknown": "#e3b341",
}
_STYLE: Final = """
body { font-family: sans-serif; margin: 1.5em; color: #1f2328; overflow-wrap: break-word; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 2em; }
.layout { display: flex; gap: 2em; align-items: flex-start; flex-wrap: wrap; }
.layout > div { min-width: 0; max-width: 100%; }
.heatmap, .wide { overflow-x: auto; max-width: 100%; }
.heatmap svg { display: block; }
svg text { font-size: 11px; font-family: monospace; }
rect.cell { stroke: #ffffff; stroke-width: 1; }
rect.cell:hover, rect.cell.picked { stroke: #0969da; stroke-width: 2; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border: 1px solid #d0d7de; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.text { font-family: monospace; white-space: pre-wrap; }
#pairs td.text { max-width: 60em; }
td .w { white-space: nowrap; }
td .long { overflow-wrap: anywhere; }
tr.picked td { background: #ddf4ff; }
.legend .key { display: inline-block; white-space: nowrap; margin-right: 1em; }
.legend .swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: middle; }
.pairs { max-height: 40em; overflow-y: auto; }
table.classes { width: 100%; }
table.classes th.members { width: 40%; }
table.classes th.version { width: 50%; }
table.classes .id { display: block; font-family: monospace; color: #57606a; }
@media (max-width: 60em) {
  table.classes, table.classes tbody, table.classes tr, table.classes td { display: block; }
  table.classes thead { display: none; }
  table.classes tr { border: 1px solid #d0d7de; margin-bottom: 0.5em; }
  table.classes td { border: 0; padding: 2px 6px; }
  table.classes td:first-child { font-weight: bold; background: #f6f8fa; }
  table.classes .id { font-weight: normal; }
  table.classes td.text::before { content: attr(data-label) ":"; display: block; font: bold 12px sans-serif; }
}
@media (max-width: 40em) {
  body { margin: 0.5em; }
  #pairs, #pairs thead, #pairs tbody { display: block; }
  #pairs tr { display: grid; grid-template-columns: 4.5em 4.5em 1fr; border-bottom: 1px solid #d0d7de; }
  #pairs th, #pairs td { border: 0; padding: 2px 3px; }
  #pairs th:last-child, #pairs td.text { grid-column: 1 / -1; }
}
"""
_SCRIPT: Final = """
(function () {
  var cells = document.querySelectorAll("rect.cell");
  document.body.setAttribute("data-cells", String(cells.length));
  cells.forEach(function (cell) {
    cell.addEventListener("click", function () {
      document.querySelectorAll(".picked").forEach(function (e) { e.classList.remove("picked"); });
      cell.classList.add("picked");
      var id = "pair-" + cell.getAttribute("data-source") + "-" + cell.getAttribute("data-target");
      var row = document.getElementById(id);
      if (row) {
        row.classList.add("picked");
        var reasons = row.querySelector("details");
        if (reasons) { reasons.open = true; }
        row.scrollIntoView({block: "nearest"});
      }
    });
  });
})();
"""


_CONTROL: Final = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
"""The control characters but tab and newline (HTML forbids them, and a terminal obeys them: ``--html -``), and
lone surrogates (a name decoded with ``surrogateescape``), which UTF-8 cannot encode."""


def _e(text: str) -> str:
    """*text* for the page: each control character (ESC, BEL...) or lone surrogate of the input written as
    ``\\xNN`` (``\\uDCNN``) first."""
    return html.escape(_CONTROL.sub(_escaped, text), quote=True)


def _escaped(found: re.Match[str]) -> str:
    code = ord(found.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


# A run of non-spaces that needs more than escaping: one that holds a character after which a
# browser may break a line (a hyphen, a question mark, any character outside the safe set, which
# also stands for ")(" and "]("), or one longer than WHOLE_TOKEN characters.
_SAFE: Final = r"A-Za-z0-9_.:'()\[\]=,"
_NEEDY: Final = re.compile(rf"(?<!\S)(?:\S*?(?:[^\s{_SAFE}]|[)\]][(\[])\S*|\S{{{WHOLE_TOKEN + 1},}})", re.ASCII)
_BREAK_AFTER: Final = re.compile(r"[^=,]*[=,]|[^=,]+")
_BREAK_AFTER_LONG: Final = re.compile(r"[^=,/]*[=,/]|[^=,/]+")
_PLAIN: Final = re.compile(rf"[{_SAFE}]*", re.ASCII)
_BREAKS_INSIDE: Final = re.compile(r"[)\]][(\[]")


def _whole(text: str) -> str:
    """*text* escaped and, if a browser could break a line inside it, kept on one line (``span.w``)."""
    if len(text) < 2 or (_PLAIN.fullmatch(text) and not _BREAKS_INSIDE.search(text)):
        return _e(text)
    return f'<span class="w">{_e(text)}</span>'


def _token(token: str) -> str:
    """One run of non-spaces as HTML for a table cell.

    Up to :data:`WHOLE_TOKEN` characters it stays whole; up to :data:`LONG_TOKEN` it may
    break after its "=" and "," only; longer (a sysfs path), it may break after "/" too, and
    anywhere if it must (``span.long``) rather than widen its column to its length.
    """
    if len(token) <= WHOLE_TOKEN:
        return _whole(token)
    if len(token) > LONG_TOKEN:
        return '<span class="long">' + "<wbr>".join(map(_e, _BREAK_AFTER_LONG.findall(token))) + "</span>"
    return "<wbr>".join(map(_whole, _BREAK_AFTER.findall(token)))


def _t(text: str) -> str:
    """*text* escaped for a table cell, where lines break at spaces and, if they must, after "=" or ",".

    A browser would also break a word after a hyphen or a question mark (and, with
    ``word-break: break-all``, anywhere): each run of non-spaces is kept whole or given
    its own places to break by :func:`_token`. Runs that need nothing but escaping (most
    of them) are left to one regular expression, which keeps a page of
    :data:`~.matrix.MAX_CELLS` cells quick to write.
    """
    out, end = [], 0
    for match in _NEEDY.finditer(text):
        out.append(_e(text[end : match.start()]))
        out.append(_token(match.group()))
        end = match.end()
    out.append(_e(text[end:]))
    return "".join(out)


def _reason(verdict: Verdict) -> str:
    """The verdict's summary and, when it is not compatible, its first reasons."""
    lines = [verdict.summary()]
    lines.extend(f"[{reason.code}] {reason.message}" for reason in verdict.reasons[:4])
    if len(verdict.reasons) > 4:
        lines.append(f"and {len(verdict.reasons) - 4} more reasons")
    return "\n".join(lines)


def _source_label(number: int, matrix: Matrix) -> str:
    return f"S{number} {matrix.source_labels[number - 1]}"


def _target_label(number: int, matrix: Matrix) -> str:
    return f"T{number} {matrix.target_labels[number - 1]}"


def _axis_labels(matrix: Matrix) -> tuple[list[str], list[str]]:
    """The heat map's row and column labels: the number and the short label (:meth:`~.matrix.Matrix.short_labels`)."""
    rows, columns = matrix.short_labels()
    return [f"S{n} {label}" for n, label in enumerate(rows, start=1)], [
        f"T{n} {label}" for n, label in enumerate(columns, start=1)
    ]


def _ranges(numbers: Sequence[int], letter: str) -> str:
    """``S1-S4, S7``: *numbers* (ascending) as runs of consecutive ones."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and runs[-1][-1] + 1 == number:
            runs[-1].append(number)
        else:
            runs.append([number])
    dash = "\u2013"  # an en dash: S1-S4 is a range, not a name
    return ", ".join(
        f"{letter}{run[0]}" if len(run) == 1 else f"{letter}{run[0]}{dash}{letter}{run[-1]}" for run in runs
    )


def _driver_legend(matrix: Matrix) -> str:
    """Which rows and columns are of which driver: what the heat map's short labels leave out; as HTML."""
    drivers: dict[str, tuple[list[int], list[int]]] = {}
    for number, source in enumerate(matrix.sources, start=1):
        drivers.setdefault(source.driver, ([], []))[0].append(number)
    for number, target in enumerate(matrix.targets, start=1):
        drivers.setdefault(target.driver, ([], []))[1].append(number)
    items = []
    for driver, (rows, columns) in drivers.items():
        where = [part for part in (_ranges(rows, "S"), _ranges(columns, "T")) if part]
        items.append(f"<li><b>{_t(driver or '?')}</b>: {_e('; '.join(where))}</li>")
    return (
        '<div class="drivers"><p>Drivers (the labels of the heat map leave the driver out; hover over a label for'
        f" the whole of it):</p><ul>{''.join(items)}</ul></div>"
    )


def _groups(keys: Sequence[str]) -> list[tuple[int, int, str]]:
    """Runs [start, end) of equal group keys."""
    runs: list[tuple[int, int, str]] = []
    for index, key in enumerate(keys):
        if runs and runs[-1][2] == key:
            runs[-1] = (runs[-1][0], index + 1, key)
        else:
            runs.append((index, index + 1, key))
    return runs


def _label(text: str, x: float, y: float, extra: str = "", full: str = "") -> str:
    """One heat-map label: *text*, cut to :data:`_LABEL_CHARS` characters, with *full* (else *text*) in its tooltip.

    The tooltip is left out when the label shows all it says.
    """
    full = full or text
    shown = text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "\u2026"
    if shown == full:
        return f'<text x="{x}" y="{y}"{extra}>{_e(shown)}</text>'
    return f'<text x="{x}" y="{y}"{extra}><title>{_e(full)}</title>{_e(shown)}</text>'


def _svg(matrix: Matrix, max_incompatible: int = MAX_LISTED_INCOMPATIBLE) -> str:
    """The heat map: room is made for the longest labels, and no line crosses a label.

    Row labels end left of the cells; column labels rise at 60 degrees from above their
    column. A group separator runs between the cells (and, for rows, under the row labels,
    which sit between two separators) but stops at the top of the cells, below the column
    labels, which it would otherwise cross. A cell's tooltip holds its verdict's reasons, but
    for the incompatible cells past the first *max_incompatible*: their summary only.
    """
    rows, columns = len(matrix.sources), len(matrix.targets)
    source_labels = [_source_label(number, matrix) for number in range(1, rows + 1)]
    target_labels = [_target_label(number, matrix) for number in range(1, columns + 1)]
    source_short, target_short = _axis_labels(matrix)
    longest_row = min(_LABEL_CHARS, max(map(len, source_short), default=0))
    longest_column = min(_LABEL_CHARS, max(map(len, target_short), default=0))
    left = round(12 + longest_row * _CHAR)
    # A column label starts 6 px above the cells and rises by sin 60 per unit of length; its
    # glyphs stand 11 px tall, of which half counts upwards once turned.
    top = round(6 + longest_column * _CHAR * _SIN60 + 12)
    right = left + columns * _CELL
    width = max(right + 4, round(right - 5 + longest_column * _CHAR / 2 + 12))
    height = top + rows * _CELL + 4
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="heatmap" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img" aria-label="compatibility matrix">'
    ]
    for number, (label, full) in enumerate(zip(source_short, source_labels, strict=True), start=1):
        y = top + (number - 1) * _CELL + _CELL - 5
        out.append(_label(label, left - 6, y, ' text-anchor="end"', full))
    for number, (label, full) in enumerate(zip(target_short, target_labels, strict=True), start=1):
        x = left + (number - 1) * _CELL + _CELL - 5
        out.append(_label(label, x, top - 6, f' transform="rotate(-60 {x} {top - 6})"', full))
    # Driver bands: a line between the drivers of each axis.
    for start, _, _ in _groups([item.driver for item in matrix.sources])[1:]:
        y = top + start * _CELL
        out.append(f'<line x1="0" y1="{y}" x2="{right}" y2="{y}" stroke="#57606a"/>')
    for start, _, _ in _groups([item.driver for item in matrix.targets])[1:]:
        x = left + start * _CELL
        out.append(f'<line x1="{x}" y1="{top}" x2="{x}" y2="{top + rows * _CELL}" stroke="#57606a"/>')
    incompatible = 0
    for row, verdicts in enumerate(matrix.cells):
        for column, verdict in enumerate(verdicts):
            meaning = cell_meaning(verdict)
            x, y = left + column * _CELL, top + row * _CELL
            if meaning == "incompatible":
                incompatible += 1
            # Past the bound, an incompatible cell's tooltip is its summary: 'migcompat check' gives the reasons.
            reason = verdict.summary() if incompatible > max_incompatible else _reason(verdict)
            title = f"{source_labels[row]} -> {target_labels[column]}: {reason}"
            out.append(
                f'<rect class="cell {meaning}" data-source="S{row + 1}" data-target="T{column + 1}"'
                f' data-verdict="{meaning}" x="{x}" y="{y}" width="{_CELL}" height="{_CELL}"'
                f' fill="{_COLOURS[meaning]}"><title>{_e(title)}</title></rect>'
            )
    out.append("</svg>")
    return "\n".join(out)


def _class_table(title: str, ident: str, rows: list[tuple[str, str, str, str]]) -> str:
    """A table of groups, one row each (label, id line, members, text: HTML); on a narrow screen, one block each.

    The id line goes under the label, in the label's cell, and no column repeats the driver
    and version the label says: the members and the attributes get the width.
    """
    out = [
        f'<h2>{_e(title)}</h2><div class="wide"><table class="classes" id="{ident}"><thead><tr><th>group, class</th>'
        '<th class="members">members</th><th class="version">migration_version</th></tr></thead><tbody>'
    ]
    for label, digest, members, text in rows:
        out.append(
            f'<tr><td>{_t(label)}\n<span class="id">{_t(digest)}</span></td>'
            f'<td class="text" data-label="members">{members}</td>'
            f'<td class="text" data-label="migration_version">{text}</td></tr>'
        )
    out.append("</tbody></table></div>")
    return "\n".join(out)


_OPEN_UP_TO: Final = 5
"""A list of at most this many members or classes is shown open; a longer one is folded (``<details>``)."""


def _folded(summary: str, body: str, count: int) -> str:
    """*body* (HTML) under *summary* (text), in a ``<details>`` open when *count* is small.

    The summary ends with a newline (shown as none, at the end of its block), so that no
    text check reads its last word and the body's first as one word.
    """
    opened = " open" if count <= _OPEN_UP_TO else ""
    return f"<details{opened}><summary>{_t(summary)}\n</summary>{body}</details>"


def _members(providers: Sequence[Provider]) -> str:
    """Every member (``host:path``), under a summary of how many there are, on which hosts; as HTML."""
    hosts = len({provider.host for provider in providers})
    kinds = [provider.kind for provider in providers]
    counted = ", ".join(plural(kinds.count(kind), kind) for kind in ("device", "type") if kind in kinds)
    summary = f"{counted} on {plural(hosts, 'host')}"
    return _folded(summary, _t("\n".join(provider.where for provider in providers)), len(providers))


def _group_text(group: SourceGroup | TargetGroup, rules: str = "") -> str:
    """The group's description (and *rules*), what it leaves out, and each class with its id and members; as HTML.

    A source class's id is named its description digest: no export's label when the group ignores a field.
    """
    out = [_t(emit(group.version).rstrip("\n") + rules)]
    digest = "description digest " if isinstance(group, SourceGroup) else ""
    if group.ignored:
        out.append(_t(f"\n(ignoring {', '.join(group.ignored)}: no rule of the inventory reads it)"))
        if len(group.classes) == 1 and digest:
            out.append(_t(f"\n({digest}{group.classes[0].id}: not the exports' label)"))
    if len(group.classes) > 1:
        parts = [
            f'<div class="class"><span class="id">{_t(digest + item.id)}</span>\n{_t(emit(item.version).rstrip())}\n'
            f"{_members(item.members)}</div>"
            for item in group.classes
        ]
        out.append("\n" + _folded(f"{len(group.classes)} classes", "".join(parts), len(group.classes)))
    return "".join(out)


def _id_line(group: SourceGroup | TargetGroup) -> str:
    """A row's class as the exports label it (``class ID``); a column's target class id, or how many it has."""
    if isinstance(group, SourceGroup):
        return f"class {group.export_id}"
    if len(group.classes) == 1:
        return f"target class {group.classes[0].id}"
    return f"{len(group.classes)} target classes"


def _stream(version: MigrationVersion) -> str | None:
    entry = version.fields.get("stream")
    return None if entry is None else value_text(entry.value)


def _listed(matrix: Matrix, row: int, column: int) -> bool:
    """Whether the table of pairs lists a pair: not when it is incompatible across drivers and streams."""
    source, target = matrix.sources[row], matrix.targets[column]
    if matrix.cells[row][column].answer is not Answer.INCOMPATIBLE or source.driver == target.driver:
        return True
    stream = _stream(source.version)
    return stream is not None and stream == _stream(target.version)


def _pair_reason(verdict: Verdict) -> str:
    """The verdict's summary, and its reasons behind it (``<details>``) when there are any; as HTML."""
    lines = _reason(verdict).split("\n")
    if len(lines) == 1:
        return _t(lines[0])
    return f"<details><summary>{_t(lines[0])}\n</summary>{_t(chr(10).join(lines[1:]))}</details>"


def render_html(
    matrix: Matrix,
    *,
    title: str = "migcompat compatibility matrix",
    inputs: Sequence[str] = (),
    max_incompatible: int = MAX_LISTED_INCOMPATIBLE,
) -> str:
    """The standalone HTML page of *matrix*.

    Its table of pairs lists every pair that is not incompatible, and of the
    incompatible ones, those of one driver or stream up to *max_incompatible*
    (:data:`~.matrix.MAX_LISTED_INCOMPATIBLE`); the others are counted in a
    note. Every cell is in the heat map, its verdict in its tooltip (the
    reasons of the incompatible cells past *max_incompatible* left out).
    """
    counts = matrix.counts()
    legend = " ".join(
        f'<span class="key"><span class="swatch" style="background:{colour}"></span>{name} ({counts[name]})</span>'
        for name, colour in _COLOURS.items()
    )
    pairs = [
        '<div class="pairs"><table id="pairs"><thead><tr><th>source</th><th>target</th><th>verdict</th>'
        "<th>reason</th></tr></thead><tbody>"
    ]
    left_out, over = 0, 0
    incompatible = 0
    for row, verdicts in enumerate(matrix.cells):
        for column, verdict in enumerate(verdicts):
            if not _listed(matrix, row, column):
                left_out += 1
                continue
            if verdict.answer is Answer.INCOMPATIBLE:
                incompatible += 1
                if incompatible > max_incompatible:
                    over += 1
                    continue
            pairs.append(
                f'<tr id="pair-S{row + 1}-T{column + 1}"><td>S{row + 1}</td><td>T{column + 1}</td>'
                f'<td>{cell_meaning(verdict)}</td><td class="text">{_pair_reason(verdict)}</td></tr>'
            )
    pairs.append("</tbody></table></div>")
    notes = []
    if left_out:
        notes.append(f"{plural(left_out, 'incompatible pair')} across drivers and streams not listed")
    if over:
        notes.append(
            f"{plural(over, 'more incompatible pair')} not listed (the first {max_incompatible} of the others are)"
        )
    note = f'<p class="note">{"; ".join(notes)}: hover over its cell for the reason.</p>' if notes else ""
    sources = _class_table(
        "Source groups (rows)",
        "sources",
        [
            (_source_label(number, matrix), _id_line(item), _members(item.members), _group_text(item))
            for number, item in enumerate(matrix.sources, start=1)
        ],
    )
    targets = _class_table(
        "Target groups (columns)",
        "targets",
        [
            (
                _target_label(number, matrix),
                _id_line(item),
                _members(item.members),
                _group_text(item, "\n" + emit(item.rules).rstrip("\n")),
            )
            for number, item in enumerate(matrix.targets, start=1)
        ],
    )
    read = ", ".join(inputs)
    source_count, target_count = matrix.class_counts()
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body><h1>{_e(title)}</h1>"
        f"<p>{plural(len(matrix.sources), 'source group')} (rows, {plural(source_count, 'class', 'classes')}) x"
        f" {plural(len(matrix.targets), 'target group')} (columns, {plural(target_count, 'class', 'classes')})"
        f"{' from ' + _e(read) if read else ''}. A group holds the classes that differ only in fields no rule"
        " reads, which every target (every source) judges alike. A cell says whether the target group accepts"
        " the source group's migration stream (identical when some pair of their classes is the same"
        " configuration); hover over it for the reason, or click it to find its row in the table.</p>"
        f'<p class="legend">{legend}</p>\n'
        f'<div class="layout"><div class="heatmap">{_svg(matrix, max_incompatible)}{_driver_legend(matrix)}</div>'
        f"<div><h2>Every pair</h2>{note}{''.join(pairs)}</div></div>\n"
        f"{sources}\n{targets}\n"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
