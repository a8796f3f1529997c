"""The HTML compatibility matrix in a real browser: Debian's chromium, headless, offline.

The page of the bundled GVT-g and mlx5 sample fleets is written by
``migcompat matrix --html``; chromium takes a screenshot of it, which must not
be blank, and prints its DOM after the page's script ran, which must hold one
cell per (source class, target class) pair, the script's own count of them,
and no reference to anything outside the page.
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from migcompat.cli import main
from migcompat.fleet.classes import source_classes, target_classes
from migcompat.fleet.inventory import load_inventory

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "conformance" / "samples"
OFFLINE = ("--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync")


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
