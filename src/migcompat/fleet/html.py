"""The compatibility matrix as a standalone HTML page with an inline SVG heat map.

The page needs nothing but itself: no stylesheet, font, script or image is
fetched (it opens offline, from a file or an e-mail attachment). Source
classes are the rows and target classes the columns, grouped by driver and
version; each cell is one ``<rect class="cell ...">`` whose ``<title>`` (shown
on hover) holds the verdict and its reasons, and a side table lists every
pair with its reason. Every string that comes from the input is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Final

from ..emit import emit
from ..verdict import Verdict
from .classes import SourceClass, TargetClass
from .matrix import Matrix, cell_meaning

__all__ = ["render_html"]

_CELL: Final = 18
_LEFT: Final = 230
_TOP: Final = 170
_COLOURS: Final = {
    "identical": "#1a7f37",
    "accepted": "#6fdd8b",
    "incompatible": "#e6e8eb",
    "unknown": "#e3b341",
}
_STYLE: Final = """
body { font-family: sans-serif; margin: 1.5em; color: #1f2328; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 2em; }
.layout { display: flex; gap: 2em; align-items: flex-start; flex-wrap: wrap; }
svg text { font-size: 11px; font-family: monospace; }
svg .group { font-size: 11px; font-weight: bold; font-family: sans-serif; }
rect.cell { stroke: #ffffff; stroke-width: 1; }
rect.cell:hover, rect.cell.picked { stroke: #0969da; stroke-width: 2; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border: 1px solid #d0d7de; padding: 2px 6px; text-align: left; vertical-align: top; }
td.text { font-family: monospace; white-space: pre-wrap; word-break: break-all; max-width: 60em; }
tr.picked td { background: #ddf4ff; }
.legend span { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; vertical-align: middle; }
.pairs { max-height: 40em; overflow: auto; }
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
      if (row) { row.classList.add("picked"); row.scrollIntoView({block: "nearest"}); }
    });
  });
})();
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _reason(verdict: Verdict) -> str:
    """The verdict's summary and, when it is not compatible, its first reasons."""
    lines = [verdict.summary()]
    lines.extend(f"[{reason.code}] {reason.message}" for reason in verdict.reasons[:4])
    if len(verdict.reasons) > 4:
        lines.append(f"and {len(verdict.reasons) - 4} more reasons")
    return "\n".join(lines)


def _source_label(number: int, item: SourceClass) -> str:
    driver, version = item.group
    return f"S{number} {driver or '?'} {version}".rstrip()


def _target_label(number: int, item: TargetClass) -> str:
    driver, version = item.group
    what = item.members[0].ident if item.kind == "type" else "device"
    return f"T{number} {driver or '?'} {version} {what}".rstrip()


def _groups(keys: Sequence[tuple[str, str]]) -> list[tuple[int, int, tuple[str, str]]]:
    """Runs [start, end) of equal group keys."""
    runs: list[tuple[int, int, tuple[str, str]]] = []
    for index, key in enumerate(keys):
        if runs and runs[-1][2] == key:
            runs[-1] = (runs[-1][0], index + 1, key)
        else:
            runs.append((index, index + 1, key))
    return runs


def _svg(matrix: Matrix) -> str:
    rows, columns = len(matrix.sources), len(matrix.targets)
    width = _LEFT + columns * _CELL + 150  # room for the last rotated column labels
    height = _TOP + rows * _CELL + 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="heatmap" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img" aria-label="compatibility matrix">'
    ]
    for number, item in enumerate(matrix.sources, start=1):
        y = _TOP + (number - 1) * _CELL + _CELL - 5
        out.append(f'<text x="{_LEFT - 6}" y="{y}" text-anchor="end">{_e(_source_label(number, item))}</text>')
    for number, target in enumerate(matrix.targets, start=1):
        x = _LEFT + (number - 1) * _CELL + _CELL - 5
        out.append(
            f'<text x="{x}" y="{_TOP - 6}" transform="rotate(-60 {x} {_TOP - 6})">'
            f"{_e(_target_label(number, target))}</text>"
        )
    # Group bands: a line between the groups of each axis.
    for start, _, _ in _groups([item.group for item in matrix.sources])[1:]:
        y = _TOP + start * _CELL
        out.append(f'<line x1="0" y1="{y}" x2="{_LEFT + columns * _CELL}" y2="{y}" stroke="#57606a"/>')
    for start, _, _ in _groups([item.group for item in matrix.targets])[1:]:
        x = _LEFT + start * _CELL
        out.append(f'<line x1="{x}" y1="{_TOP - 40}" x2="{x}" y2="{_TOP + rows * _CELL}" stroke="#57606a"/>')
    for row, verdicts in enumerate(matrix.cells):
        source = matrix.sources[row]
        for column, verdict in enumerate(verdicts):
            target = matrix.targets[column]
            meaning = cell_meaning(verdict)
            x, y = _LEFT + column * _CELL, _TOP + row * _CELL
            title = (
                f"S{row + 1} ({source.group[0]} {source.group[1]}) -> T{column + 1} ({target.kind}"
                f" {target.members[0].ident if target.kind == 'type' else target.group[0]}): {_reason(verdict)}"
            )
            out.append(
                f'<rect class="cell {meaning}" data-source="S{row + 1}" data-target="T{column + 1}"'
                f' data-verdict="{meaning}" x="{x}" y="{y}" width="{_CELL}" height="{_CELL}"'
                f' fill="{_COLOURS[meaning]}"><title>{_e(title)}</title></rect>'
            )
    out.append("</svg>")
    return "\n".join(out)


def _class_table(title: str, ident: str, rows: list[tuple[str, str, str, str, str]]) -> str:
    out = [
        f'<h2>{_e(title)}</h2><table id="{ident}"><thead><tr><th>class</th><th>id</th><th>driver, version</th>'
        "<th>members</th><th>migration_version</th></tr></thead><tbody>"
    ]
    for label, digest, group, members, text in rows:
        out.append(
            f"<tr><td>{_e(label)}</td><td>{_e(digest)}</td><td>{_e(group)}</td>"
            f'<td class="text">{_e(members)}</td><td class="text">{_e(text)}</td></tr>'
        )
    out.append("</tbody></table>")
    return "\n".join(out)


def _members(providers: Sequence[object], limit: int = 5) -> str:
    names = [getattr(provider, "where", "") for provider in providers[:limit]]
    more = f"\n... and {len(providers) - limit} more" if len(providers) > limit else ""
    return f"{len(providers)}: " + "\n".join(names) + more


def render_html(matrix: Matrix, *, title: str = "migcompat compatibility matrix", inputs: Sequence[str] = ()) -> str:
    """The standalone HTML page of *matrix*."""
    counts = matrix.counts()
    legend = "".join(f'<span style="background:{_COLOURS[name]}"></span>{name} ({counts[name]})' for name in _COLOURS)
    pairs = [
        '<div class="pairs"><table id="pairs"><thead><tr><th>source</th><th>target</th><th>verdict</th>'
        "<th>reason</th></tr></thead><tbody>"
    ]
    for row, verdicts in enumerate(matrix.cells):
        for column, verdict in enumerate(verdicts):
            pairs.append(
                f'<tr id="pair-S{row + 1}-T{column + 1}"><td>S{row + 1}</td><td>T{column + 1}</td>'
                f'<td>{cell_meaning(verdict)}</td><td class="text">{_e(_reason(verdict))}</td></tr>'
            )
    pairs.append("</tbody></table></div>")
    sources = _class_table(
        "Source classes (rows)",
        "sources",
        [
            (
                _source_label(number, item),
                item.id,
                " ".join(item.group),
                _members(item.members),
                emit(item.version).rstrip("\n"),
            )
            for number, item in enumerate(matrix.sources, start=1)
        ],
    )
    targets = _class_table(
        "Target classes (columns)",
        "targets",
        [
            (
                _target_label(number, item),
                item.id,
                " ".join(item.group),
                _members(item.members),
                emit(item.version).rstrip("\n") + "\n" + emit(item.rules).rstrip("\n"),
            )
            for number, item in enumerate(matrix.targets, start=1)
        ],
    )
    read = ", ".join(inputs)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body><h1>{_e(title)}</h1>"
        f"<p>{len(matrix.sources)} source classes (rows) x {len(matrix.targets)} target classes (columns)"
        f"{' from ' + _e(read) if read else ''}. A cell says whether the target class accepts the source class's"
        " migration stream; hover over it for the reason, or click it to find its row in the table.</p>"
        f'<p class="legend">{legend}</p>\n'
        f'<div class="layout"><div>{_svg(matrix)}</div><div><h2>Every pair</h2>{"".join(pairs)}</div></div>\n'
        f"{sources}\n{targets}\n"
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
