"""The HTML compatibility matrix in a real browser: Debian's chromium, headless, offline.

The page of the bundled GVT-g and mlx5 sample fleets is written by
``migcompat matrix --html``; chromium takes a screenshot of it, which must not
be blank, and prints its DOM after the page's script ran, which must hold one
cell per (source class, target class) pair, the script's own count of them,
and no reference to anything outside the page.

Its layout is checked at 1280 px (a laptop) and 390 px (a phone), on that page,
on the page of every good sample fleet at once, and on the page of a large
generated fleet (:func:`_large_fleet`: long host, device, type and driver
names, long field values, dozens of classes on each axis): a copy of the page
runs ``docs/_static/layoutcheck.js`` (text cut at the edge of its box; whether
the page scrolls sideways) and ``tests/data/matrix_layoutcheck.js`` (group
separators that cross a column label, labels cut off by the heat map's edge,
words split across lines in the tables, legend labels apart from their swatch,
any element of any section that reaches past the viewport's edge, any box but
the heat map's that scrolls sideways, and which tables were measured), every
folded ``<details>`` opened first (members, classes, a pair's reasons), inside
an ``<iframe>`` of that width, and posts the findings to the page around it,
whose DOM chromium prints. Only the heat map may scroll sideways: every table
fits the width, as a table or, on a narrow screen, one block per row. The
screenshots are kept in the directory named by ``MIGCOMPAT_SCREENSHOTS``, if
set, for a person to look at.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from migcompat.capture import dumps
from migcompat.cli import main
from migcompat.fleet.html import LONG_TOKEN
from migcompat.fleet.inventory import load_inventory
from migcompat.fleet.matrix import build_matrix
from migcompat.sysfs.model import Attr, HostData, Placement, PlacementKind

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "conformance" / "samples"
OFFLINE = ("--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync")
LAYOUTCHECK = ROOT / "docs" / "_static" / "layoutcheck.js"
MATRIX_CHECK = ROOT / "tests" / "data" / "matrix_layoutcheck.js"
# Two drivers, whose separator used to cross the labels T6, T12 and T13; and every good sample at once.
TWO_DRIVERS = ("gvt-g", "mlx5")
EVERY_GOOD = ("gvt-g", "hisi-acc", "mlx5", "mtty", "nvidia-vgpu", "pds", "qat", "virtio-net", "xe")
LARGE = ("large",)  # not a sample: the fleet _large_fleet writes
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
    matrix = build_matrix(load_inventory(inputs).providers)
    pairs = len(matrix.sources) * len(matrix.targets)  # one cell per pair of groups

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


# The large fleet's drivers: (driver, its version-like field, its versions, the PCI id of its functions).
LARGE_DRIVERS = (
    ("nvidia_vgpu_vfio_datacenter_ampere", "nvidia.vgpu_manager_version", ("16.0", "16.4", "17.1"), "10de:20b5"),
    ("mlx5_vfio_pci", "mlx5.firmware_interface_version", ("22.39", "22.41"), "15b3:101e"),
    ("hisi_acc_vfio_pci", "hisi_acc.qm_version", ("3", "4"), "19e5:a256"),
)


def _large_fleet(directory: Path) -> Path:
    """Captures of 5 hosts of 3 drivers (one with a long name), in a directory with a long name.

    Each host has 4 functions of each driver: 3 mdev instances (a UUID in a long sysfs path)
    and one mdev type with a long name. Host names are fully qualified and long; every
    description carries a firmware build of 38 characters, which the reasons quote.
    Versions, shares and builds vary, so that there are dozens of source classes (rows)
    and of target classes (columns), and some of each verdict but unknown.
    """
    rng = random.Random(7)
    captures = directory / "captures-production-eu-west-3a-compute-fleet"
    captures.mkdir()
    for number in range(5):
        host = f"compute-node-{number:04d}.rack-{17 + number}.az-eu-west-3a.production.cloud.example.internal"
        placements = []
        kind: PlacementKind
        for function, (driver, key, versions, pci_id) in enumerate(LARGE_DRIVERS):
            parent = f"0000:{0x3B + number:02x}:00.{function}"
            for index in range(4):
                version = rng.choice(versions)
                build = f"{version}.{rng.randint(1000, 1001)}-signed-production-build-ga100-a"[:38]
                share = rng.choice(("1/1", "1/2", "1/4", "1/8"))
                head, tail = f"device_api=vfio-pci driver={driver}", f"pci_id={pci_id}"
                tail += f" stream={driver}-stream vendor.firmware_build_identifier={build}"
                shares = "|".join(sorted({share, "1/8"}))
                rules = f"mc1\naccept {head} {key}={versions[0]}..$ {tail} share={shares}\n"
                if index == 3:
                    ident = f"{driver}-profile-{rng.randint(1, 4)}-compute-long-type-name"
                    kind, path = "mdev_type", f"class/mdev_bus/{parent}/mdev_supported_types/{ident}"
                    text = f"mc1 {head} {key}={version} {tail}\nparam share=1/2\n"
                else:
                    ident = "-".join(f"{rng.getrandbits(4 * size):0{size}x}" for size in (8, 4, 4, 4, 12))
                    kind, path = "mdev", f"bus/mdev/devices/{ident}/vfio-dev/vfio{index}"
                    text = f"mc1 {head} {key}={version} {tail} share={share}\n"
                attributes = {
                    "migration_version": Attr(text.encode()),
                    "migration_compatible_devices": Attr(rules.encode()),
                }
                placements.append(Placement(kind, ident, path, attributes))
        data = HostData(host, "6.8", "2025-01-15T09:30:00Z", "test", "/sys", "capture", False, tuple(placements))
        (captures / f"{host}.json").write_text(dumps(data), encoding="utf-8")
    return captures


def _write_page(tmp_path: Path, samples: tuple[str, ...]) -> Path:
    """The page of *samples* (names of sample fleets, or LARGE)."""
    page = tmp_path / "matrix.html"
    inputs = [str(_large_fleet(tmp_path)) if name == "large" else str(SAMPLES / name) for name in samples]
    result = CliRunner().invoke(main, ["matrix", "--html", str(page), *inputs], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return page


def test_the_large_fleet_is_large(tmp_path: Path) -> None:
    """The large fleet has what it stands for: dozens of rows and columns, long names, every verdict but unknown."""
    fleet = load_inventory([str(_large_fleet(tmp_path))])
    assert not fleet.findings
    matrix = build_matrix(fleet.providers)  # its firmware build is critical: no two classes are one group
    assert len(matrix.sources) >= 30 and len(matrix.targets) >= 40
    assert min(len(provider.where) for provider in fleet.providers) > 120
    (tmp_path / "page").mkdir()
    text = _write_page(tmp_path / "page", LARGE).read_text(encoding="utf-8")
    assert all(f'data-verdict="{verdict}"' in text for verdict in ("identical", "accepted", "incompatible"))


def _layout(chromium: str, page: Path, width: int, workdir: Path) -> dict[str, object]:
    """The findings of both layout checks on *page*, laid out *width* px wide (see the module's docstring)."""
    from test_docs_browser import _browse

    shutil.copy(LAYOUTCHECK, workdir / "layoutcheck.js")
    shutil.copy(MATRIX_CHECK, workdir / "matrix_layoutcheck.js")
    checked = workdir / "checked.html"
    text = page.read_text(encoding="utf-8")
    assert text.count("</body>") == 1
    # Every <details> opened first: what a person unfolds (members, classes, reasons) is checked as shown.
    checks = (
        '<script>document.querySelectorAll("details").forEach(function (d) { d.open = true; });</script>'
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
@pytest.mark.parametrize(
    "samples", [TWO_DRIVERS, EVERY_GOOD, LARGE], ids=["two-drivers", "every-good-sample", "large-fleet"]
)
def test_matrix_page_layout(tmp_path: Path, samples: tuple[str, ...], width: int) -> None:
    """No line crosses a label, no word is split, the legend holds together, and nothing is wider than the page.

    Every section fits the viewport, and nothing but the heat map scrolls sideways
    within its own box: the tables fit the width, at both widths.
    """
    from test_docs_browser import _browse, _chromium

    chromium = _chromium()
    page = _write_page(tmp_path, samples)
    keep = os.environ.get("MIGCOMPAT_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shot = Path(keep) / f"matrix-{'-'.join(samples) if len(samples) < 3 else 'every'}-{width}.png"
        _browse(
            chromium,
            *OFFLINE,
            f"--user-data-dir={tmp_path / 'shot'}",
            f"--window-size={width},1600",
            f"--screenshot={shot}",
            page.as_uri(),
        )

    report = _layout(chromium, page, width, tmp_path)
    layout, heatmap, tables = report["layout"], report["heatmap"], report["tables"]
    assert isinstance(layout, dict), "layoutcheck.js did not run"
    assert isinstance(heatmap, dict), "no heat map"
    assert isinstance(tables, list)
    measured = {table["id"] for table in tables if table["laidOut"]}
    faults = {
        "group separators cross these column labels": report["crossings"],
        "these heat-map labels run past its edge": report["clipped"],
        "words split across lines in the tables (before/after the break)": report["breaks"],
        "legend labels off the line of their swatch": report["legend"],
        "text cut at the edge of its box": layout["cut"],
        "the page scrolls sideways": layout["pageOverflow"],
        "these elements reach past the edge of the viewport": report["pastViewport"],
        "these boxes scroll sideways (only the heat map may)": report["scrollers"],
        "these tables were not measured (missing or not laid out)": sorted({"pairs", "sources", "targets"} - measured),
        # Every fleet's heat map is wider than a phone: it must scroll within its own box.
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
        # a short label that fits beside its swatch in any font, and one too long for the legend's line
        "<p class='legend' style='width: 150px; font: 12px monospace'><span style='display: inline-block;"
        " width: 12px; height: 12px; background: #e6e8eb'></span>ok (1)<span style='display: inline-block;"
        " width: 12px; height: 12px; background: #e3b341'></span>unknown-and-undecided-by-any-rule (0)</p>"
        "<div><svg xmlns='http://www.w3.org/2000/svg' id='heatmap' width='300' height='120'>"
        "<text x='20' y='100' transform='rotate(-60 20 100)' style='font: 11px monospace'>T1 i915 2 device</text>"
        "<text x='290' y='100' style='font: 11px monospace'>S1 beyond the edge</text>"
        "<line x1='30' y1='60' x2='30' y2='120' stroke='black'/></svg></div>"
        "<table><tr><td style='width: 8em; font-family: monospace; white-space: pre-wrap; word-break: break-all'>"
        "no rule accepts the source (nearest: rule 0, with the creation parameters aggregate=1)</td></tr></table>"
        "<h2>Every pair</h2><div class='pairs' style='overflow: auto; max-height: 5em'>"
        "<table id='pairs' style='width: 700px'><tr><td>wider than its box, so it scrolls</td></tr></table></div>"
        "<table id='gone' style='display: none'><tr><td>not laid out</td></tr></table>"
        "<div style='width: 600px'>wide</div></body></html>",
        encoding="utf-8",
    )
    report = _layout(chromium, page, 390, tmp_path)
    assert report["crossings"] == ["T1 i915 2 device"]
    assert report["clipped"] == ["S1 beyond the edge"]
    assert report["breaks"]
    assert report["legend"] == ["unknown-and-undecided-by-any-rule (0)"]
    layout = report["layout"]
    assert isinstance(layout, dict) and layout["pageOverflow"] is True
    # The box of the wide table scrolls; the table inside it does not reach past the viewport, the wide div does.
    scrollers, past = report["scrollers"], report["pastViewport"]
    assert isinstance(scrollers, list) and isinstance(past, list)
    assert len(scrollers) == 1, scrollers
    assert re.fullmatch(r"div\.pairs \(Every pair\): content 7\d\d px in a box of \d+ px", scrollers[0]), scrollers
    assert len(past) == 1 and re.fullmatch(r"div \(Every pair\): 8\.\.608 of \d+ px", past[0]), past
    assert report["tables"] == [
        {"id": "", "laidOut": True},
        {"id": "pairs", "laidOut": True},
        {"id": "gone", "laidOut": False},
    ]
