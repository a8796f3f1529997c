"""The built documentation site, as a browser shows it.

The site is built into a temporary directory, then Debian's ``chromium`` in
headless mode

* takes a screenshot of each main page at 1280x900 (kept in the directory named
  by ``MIGCOMPAT_SCREENSHOTS``, if set, for a person to look at), and
* loads each main page with ``?layoutcheck``: ``docs/_static/layoutcheck.js``
  then lists, in the DOM that ``--dump-dom`` prints, every element whose
  content is wider than its box while its ``overflow-x`` hides the rest: text
  cut at the right edge, such as a long attribute line in a block that neither
  wraps nor scrolls;

and every local link and image of every built page (``href`` and ``src``, with
their ``#anchor``) must point to a file, and an ``id``, that exists.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

for _module in ("sphinx", "furo", "sphinx_click", "sphinx_copybutton"):
    pytest.importorskip(_module, reason="the docs extra is not installed: pip install -e '.[docs]'")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LAYOUTCHECK = DOCS / "_static" / "layoutcheck.js"

# The main pages: the landing page, the guides, the specification and the CLI reference.
PAGES = (
    "index",
    "quickstart",
    "guides/first-capture",
    "guides/vendor",
    "guides/integrator",
    "spec/migcompat",
    "reference/cli",
)
WINDOW = "1280,900"
REPORT = re.compile(r'<pre id="mc-layoutcheck" data-page-overflow="(true|false)">(.*?)</pre>', re.S)


def _chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


def _browse(chromium: str, *arguments: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            chromium,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            f"--window-size={WINDOW}",
            "--run-all-compositor-stages-before-draw",
            "--virtual-time-budget=2000",
            *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _layout_report(chromium: str, page: Path) -> tuple[bool, list[dict[str, object]]]:
    """(whether the page scrolls sideways, the elements whose text is cut) of *page*."""
    result = _browse(chromium, "--dump-dom", page.as_uri() + "?layoutcheck")
    match = REPORT.search(result.stdout)
    assert match, f"{page}: no layout report in the DOM (is layoutcheck.js loaded?)\n{result.stderr[-2000:]}"
    cut = json.loads(html.unescape(match.group(2)))
    return match.group(1) == "true", cut


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs-browser")
    env = dict(os.environ, NO_COLOR="1", COLUMNS="120")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", "html", "-d", str(out / "doctrees"), str(DOCS), str(out / "html")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out / "html"


@pytest.mark.parametrize("name", PAGES)
def test_main_page_renders_without_cut_text(site: Path, name: str, tmp_path: Path) -> None:
    chromium = _chromium()
    page = site / f"{name}.html"
    assert page.is_file(), page
    keep = os.environ.get("MIGCOMPAT_SCREENSHOTS")
    shots = Path(keep) if keep else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    shot = shots / f"{name.replace('/', '-')}.png"
    result = _browse(chromium, f"--screenshot={shot}", page.as_uri())
    assert shot.is_file() and shot.stat().st_size > 10_000, result.stderr[-2000:]
    sideways, cut = _layout_report(chromium, page)
    assert not cut, f"{name}: text cut at the edge of its box:\n" + "\n".join(map(str, cut))
    assert not sideways, f"{name}: the page is wider than the window"


def test_the_layout_check_finds_cut_text(tmp_path: Path) -> None:
    """The check is not vacuous: a long line in a block that hides overflow is reported."""
    chromium = _chromium()
    shutil.copy(LAYOUTCHECK, tmp_path / "layoutcheck.js")
    page = tmp_path / "cut.html"
    line = "mc1 " + " ".join(f"key{number}=value{number}" for number in range(60))
    page.write_text(
        "<!doctype html><html><head><script src='layoutcheck.js'></script></head><body>"
        f"<pre style='width: 300px; overflow-x: hidden'>{line}</pre>"
        f"<pre style='width: 300px; overflow-x: auto'>{line}</pre></body></html>",
        encoding="utf-8",
    )
    sideways, cut = _layout_report(chromium, page)
    assert [entry["element"] for entry in cut] == ["pre"]
    assert not sideways


class _Page(HTMLParser):
    """The ids of one HTML page and the local targets of its href and src attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name") and (name == "id" or tag == "a"):
                self.ids.add(value)
            elif name in ("href", "src") and not (tag == "link" and value.startswith(("http:", "https:"))):
                self.links.append(value)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_every_local_link_and_anchor_exists(site: Path) -> None:
    pages = {path: _parse(path) for path in sorted(site.rglob("*.html"))}
    assert len(pages) > 20
    broken = []
    for path, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:", "data:")):
                continue
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file() or not target.is_relative_to(site.resolve()):
                broken.append(f"{path.relative_to(site)}: {link} (no such file)")
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if fragment not in ids:
                    broken.append(f"{path.relative_to(site)}: {link} (no id {fragment!r})")
    assert not broken, "broken local links:\n" + "\n".join(broken)
