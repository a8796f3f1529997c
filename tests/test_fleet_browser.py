"""The HTML compatibility matrix in a real browser: Debian's chromium, headless, offline.

The page of the bundled GVT-g and mlx5 sample fleets is written by
``migcompat matrix --html``; chromium takes a screenshot of it, which must not
be blank, and prints its DOM after the page's script ran, which must hold one
cell per (source class, target class) pair, the script's own count of them,
and no reference to anything outside the page.

Its layout is checked at 1280 px (a laptop) and 390 px (a phone), on that page
and on the page of every good sample fleet at once: a copy of the page runs
``docs/_static/layoutcheck.js`` (text cut at the edge of its box; whether the
page scrolls sideways) and ``tests/data/matrix_layoutcheck.js`` (group
separators that cross a column label, labels cut off by the heat map's edge,
words split across lines in the tables, legend labels apart from their swatch)
inside an ``<iframe>`` of that width, and posts the findings to the page
around it, whose DOM chromium prints. The screenshots are kept in the
directory named by ``MIGCOMPAT_SCREENSHOTS``, if set, for a person to look at.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from migcompat.cli import main
from migcompat.fleet.classes import source_classes, target_classes
from migcompat.fleet.html import LONG_TOKEN
from migcompat.fleet.inventory import load_inventory

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "conformance" / "samples"
OFFLINE = ("--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync")
LAYOUTCHECK = ROOT / "docs" / "_static" / "layoutcheck.js"
MATRIX_CHECK = ROOT / "tests" / "data" / "matrix_layoutcheck.js"
# Two drivers, whose separator used to cross the labels T6, T12 and T13; and every good sample at once.
TWO_DRIVERS = ("gvt-g", "mlx5")
EVERY_GOOD = ("gvt-g", "hisi-acc", "mlx5", "mtty", "nvidia-vgpu", "pds", "qat", "virtio-net", "xe")
WIDTHS = (1280, 390)
# A window wider than any frame under test: the page is laid out at the frame's width.
FRAMED = "--window-size=1400,1000"
REPORT = re.compile(r'<pre id="mc-report">(.*?)</pre>', re.S)


def _png_rows(data: bytes) -> tuple[int, int, bytes]:
    """(width, height, the decompressed image data) of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, width, height, idat = 8, 0, 0, b""
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        offset += 12 + length
    return width, height, zlib.decompress(idat)


def test_matrix_page_renders_in_headless_chromium(tmp_path: Path) -> None:
    from test_docs_browser import _browse, _chromium  # the docs browser test's helpers: one way to run chromium

    chromium = _chromium()
    page = tmp_path / "matrix.html"
    inputs = [str(SAMPLES / "gvt-g"), str(SAMPLES / "mlx5")]
    result = CliRunner().invoke(main, ["matrix", "--html", str(page), *inputs], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    fleet = load_inventory(inputs)
    pairs = len(source_classes(fleet.providers)) * len(target_classes(fleet.providers))

    profile = tmp_path / "profile"
    shot = tmp_path / "matrix.png"
    shown = _browse(chromium, *OFFLINE, f"--user-data-dir={profile}", f"--screenshot={shot}", page.as_uri())
    assert shot.is_file(), shown.stderr[-2000:]
    width, height, pixels = _png_rows(shot.read_bytes())
    assert (width, height) == (1280, 900)
    # Not blank: the heat map's colours are there, not one background colour.
    assert len(set(pixels)) > 16
    assert sum(1 for byte in pixels if byte != 0xFF) > len(pixels) // 50

    dom = _browse(chromium, *OFFLINE, f"--user-data-dir={profile}", "--dump-dom", page.as_uri()).stdout
    cells = re.findall(r'<rect class="cell (identical|accepted|incompatible|unknown)"', dom)
    assert len(cells) == pairs
    assert f'data-cells="{pairs}"' in dom  # the page's script ran and counted them
    assert {"identical", "accepted", "incompatible"} <= set(cells)
    assert len(re.findall(r"<title>", dom)) >= pairs + 1
    assert not re.search(r'(src|href)="(https?:)?//', dom)


def _write_page(tmp_path: Path, samples: tuple[str, ...]) -> Path:
    page = tmp_path / "matrix.html"
    inputs = [str(SAMPLES / name) for name in samples]
    result = CliRunner().invoke(main, ["matrix", "--html", str(page), *inputs], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return page


def _layout(chromium: str, page: Path, width: int, workdir: Path) -> dict[str, object]:
    """The findings of both layout checks on *page*, laid out *width* px wide (see the module's docstring)."""
    from test_docs_browser import _browse

    shutil.copy(LAYOUTCHECK, workdir / "layoutcheck.js")
    shutil.copy(MATRIX_CHECK, workdir / "matrix_layoutcheck.js")
    checked = workdir / "checked.html"
    text = page.read_text(encoding="utf-8")
    assert text.count("</body>") == 1
    checks = (
        f'<script src="layoutcheck.js"></script><script>window.MC_LONG = {LONG_TOKEN};</script>'
        '<script src="matrix_layoutcheck.js"></script></body>'
    )
    checked.write_text(text.replace("</body>", checks), encoding="utf-8")
    frame = workdir / f"frame-{width}.html"
    frame.write_text(
        "<!DOCTYPE html><html><body style='margin: 0'>"
        f"<iframe src='checked.html?layoutcheck' style='border: 0; width: {width}px; height: 900px'></iframe>"
        "<script>window.addEventListener('message', function (event) {"
        " var report = document.createElement('pre'); report.id = 'mc-report';"
        " report.textContent = event.data; document.body.appendChild(report); });</script></body></html>",
        encoding="utf-8",
    )
    profile = workdir / f"profile-{width}"
    result = _browse(chromium, *OFFLINE, f"--user-data-dir={profile}", FRAMED, "--dump-dom", frame.as_uri())
    match = REPORT.search(result.stdout)
    assert match, f"no layout report in the DOM\n{result.stderr[-2000:]}"
    report: dict[str, object] = json.loads(html.unescape(match.group(1)))
    assert report["width"] == width - 15 or report["width"] == width, report["width"]  # less a scroll bar
    return report


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("samples", [TWO_DRIVERS, EVERY_GOOD], ids=["two-drivers", "every-good-sample"])
def test_matrix_page_layout(tmp_path: Path, samples: tuple[str, ...], width: int) -> None:
    """No line crosses a label, no word is split, the legend holds together, and the page never scrolls sideways."""
    from test_docs_browser import _browse, _chromium

    chromium = _chromium()
    page = _write_page(tmp_path, samples)
    keep = os.environ.get("MIGCOMPAT_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shot = Path(keep) / f"matrix-{len(samples)}-{width}.png"
        _browse(
            chromium,
            *OFFLINE,
            f"--user-data-dir={tmp_path / 'shot'}",
            f"--window-size={width},1600",
            f"--screenshot={shot}",
            page.as_uri(),
        )

    report = _layout(chromium, page, width, tmp_path)
    layout, heatmap = report["layout"], report["heatmap"]
    assert isinstance(layout, dict), "layoutcheck.js did not run"
    assert isinstance(heatmap, dict), "no heat map"
    faults = {
        "group separators cross these column labels": report["crossings"],
        "these heat-map labels run past its edge": report["clipped"],
        "words split across lines in the tables (before/after the break)": report["breaks"],
        "legend labels off the line of their swatch": report["legend"],
        "text cut at the edge of its box": layout["cut"],
        "the page scrolls sideways": layout["pageOverflow"],
        # Both fleets' heat maps are wider than a phone: they must scroll within their own box.
        "the heat map does not scroll within its own box": not heatmap["scrolls"]
        and (width == 390 or heatmap["contentWidth"] > heatmap["boxWidth"]),
    }
    found = {fault: where for fault, where in faults.items() if where}
    assert not found, f"{width} px: " + json.dumps(found, indent=1)[:6000]


def test_the_matrix_layout_check_finds_each_fault(tmp_path: Path) -> None:
    """The checks are not vacuous: a page with each fault has each reported, at the frame's width."""
    from test_docs_browser import _chromium

    chromium = _chromium()
    page = tmp_path / "faults.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        "<p class='legend' style='width: 150px'><span style='display: inline-block; width: 12px; height: 12px;"
        " background: #e6e8eb'></span>incompatible (63)<span style='display: inline-block; width: 12px;"
        " height: 12px; background: #e3b341'></span>unknown (0)</p>"
        "<div><svg xmlns='http://www.w3.org/2000/svg' id='heatmap' width='300' height='120'>"
        "<text x='20' y='100' transform='rotate(-60 20 100)' style='font: 11px monospace'>T1 i915 2 device</text>"
        "<text x='290' y='100' style='font: 11px monospace'>S1 beyond the edge</text>"
        "<line x1='30' y1='60' x2='30' y2='120' stroke='black'/></svg></div>"
        "<table><tr><td style='width: 8em; font-family: monospace; white-space: pre-wrap; word-break: break-all'>"
        "no rule accepts the source (nearest: rule 0, with the creation parameters aggregate=1)</td></tr></table>"
        "<div style='width: 600px'>wide</div></body></html>",
        encoding="utf-8",
    )
    report = _layout(chromium, page, 390, tmp_path)
    assert report["crossings"] == ["T1 i915 2 device"]
    assert report["clipped"] == ["S1 beyond the edge"]
    assert report["breaks"]
    assert report["legend"] == ["unknown (0)"]
    layout = report["layout"]
    assert isinstance(layout, dict) and layout["pageOverflow"] is True
