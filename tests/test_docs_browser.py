"""The built documentation site, as a browser shows it.

The site is built into a temporary directory, then Debian's ``chromium`` in
headless mode

* takes a screenshot of each main page at 1280x900 (kept in the directory named
  by ``MIGCOMPAT_SCREENSHOTS``, if set, for a person to look at), and
* loads every page with ``?layoutcheck``: ``docs/_static/layoutcheck.js``
  then lists, in the DOM that ``--dump-dom`` prints, what a reader cannot read
  whole: text cut at the right edge of a box that hides its overflow, a table
  wider than the column (its right-hand columns behind a scrollbar), a word of
  an inline literal broken across two lines (``--host`` read as "- -host") or
  running past the edge of its paragraph, and, on the pages of
  :data:`WRAPPED_PAGES`, a code block that scrolls sideways;

every local link and image of every built page (``href`` and ``src``, with
their ``#anchor``) must point to a file, and an ``id``, that exists; and the
landing page's version numbers are those of the code.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import migcompat
from migcompat.capture import CAPTURE_VERSION
from migcompat.conformance.registry import SUITE_VERSION
from migcompat.exports.mapping import MAPPING_VERSION, READ_VERSIONS
from migcompat.limits import HEADER, SPEC_VERSION

for _module in ("sphinx", "furo", "sphinx_click", "sphinx_copybutton"):
    pytest.importorskip(_module, reason="the docs extra is not installed: pip install -e '.[docs]'")

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LAYOUTCHECK = DOCS / "_static" / "layoutcheck.js"
SITE_CSS = DOCS / "_static" / "migcompat.css"

# The main pages: the landing page, the guides, the specification and the CLI reference.
PAGES = (
    "index",
    "quickstart",
    "guides/first-capture",
    "guides/vendor",
    "guides/integrator",
    "spec/migcompat",
    "reference/cli",
    "reference/failure-modes",
)
# Pages on which no code block may scroll sideways: on the landing page the
# attribute examples and the explanation wrap, so that a newcomer sees every rule
# whole. Elsewhere long attribute and console lines scroll rather than wrap.
WRAPPED_PAGES = frozenset({"index"})
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
    """(whether the page scrolls sideways, what layoutcheck.js found) of *page*.

    Each finding is a dict with its ``problem`` (``cut``, ``table``, ``split``,
    ``juts`` or ``scrolls``), the ``element``, its widths and the start of its text.
    """
    result = _browse(chromium, "--dump-dom", page.as_uri() + "?layoutcheck")
    match = REPORT.search(result.stdout)
    assert match, f"{page}: no layout report in the DOM (is layoutcheck.js loaded?)\n{result.stderr[-2000:]}"
    found = json.loads(html.unescape(match.group(2)))
    return match.group(1) == "true", found


def _faults(name: str, found: list[dict[str, object]]) -> list[dict[str, object]]:
    """What layoutcheck.js found on the page *name* that is a fault there."""
    return [entry for entry in found if entry["problem"] != "scrolls" or name in WRAPPED_PAGES]


def _check_page(chromium: str, site: Path, name: str) -> list[str]:
    sideways, found = _layout_report(chromium, site / f"{name}.html")
    faults = [f"{name}: {entry}" for entry in _faults(name, found)]
    if sideways:
        faults.append(f"{name}: the page is wider than the window")
    return faults


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
    faults = _check_page(chromium, site, name)
    assert not faults, "text a reader cannot read whole:\n" + "\n".join(faults)


def test_every_other_page_renders_without_cut_text(site: Path) -> None:
    """The pages that are not screenshotted: API reference, specification annexes, FAQ..."""
    chromium = _chromium()
    names = sorted(
        path.relative_to(site).with_suffix("").as_posix()
        for path in site.rglob("*.html")
        if not path.relative_to(site).parts[0].startswith("_")
    )
    others = [name for name in names if name not in PAGES]
    assert len(others) > 20
    with ThreadPoolExecutor(max_workers=2) as pool:
        faults = [
            fault
            for page_faults in pool.map(lambda name: _check_page(chromium, site, name), others)
            for fault in page_faults
        ]
    assert not faults, "text a reader cannot read whole:\n" + "\n".join(faults)


# One of each thing the layout check must find, as the site would show it without migcompat.css.
LONG_LINE = "mc1 " + " ".join(f"key{number}=value{number}" for number in range(60))
LONG_TEST = "test_a_capture_larger_than_the_limit_is_refused_before_it_is_read"
PROBLEMS = f"""
<pre id="cut" style="width: 300px; overflow-x: hidden">{LONG_LINE}</pre>
<pre id="scrolls" style="width: 300px; overflow-x: auto">{LONG_LINE}</pre>
<div class="highlight-text mc-wrap"><div class="highlight"><pre id="wrapped"
  style="width: 300px; overflow-x: auto">{LONG_LINE}</pre></div></div>
<div style="width: 300px"><table id="table" class="docutils failure-modes"><tr><td>bound</td>
  <td><code class="docutils literal test-name"><span class="pre">{LONG_TEST}</span></code></td></tr></table></div>
<p style="width: 21ch; font-family: monospace">{"a" * 17} <code class="docutils literal"><span
  id="split" class="pre">--host</span></code></p>
<p style="width: 10ch; font-family: monospace"><code class="docutils literal"><span id="juts" class="pre"
  style="white-space: nowrap">capture-unreadable</span></code></p>
"""


def _synthetic(chromium: str, directory: Path, css: bool) -> dict[str, str]:
    """{element id: problem} that layoutcheck.js finds in :data:`PROBLEMS`, with or without migcompat.css."""
    shutil.copy(LAYOUTCHECK, directory / "layoutcheck.js")
    shutil.copy(SITE_CSS, directory / "migcompat.css")
    link = "<link rel='stylesheet' href='migcompat.css'>" if css else ""
    page = directory / ("with-css.html" if css else "without-css.html")
    page.write_text(
        f"<!doctype html><html><head>{link}<script src='layoutcheck.js'></script></head><body>{PROBLEMS}</body></html>",
        encoding="utf-8",
    )
    sideways, found = _layout_report(chromium, page)
    assert not sideways
    return {
        str(entry["element"]).partition("#")[2].split(".")[0] or str(entry["element"]): str(entry["problem"])
        for entry in found
    }


def test_the_layout_check_finds_what_a_reader_cannot_read(tmp_path: Path) -> None:
    """The check is not vacuous: without the site's CSS, each fault of PROBLEMS is reported as what it is."""
    found = _synthetic(_chromium(), tmp_path, css=False)
    assert found == {
        "cut": "cut",
        "scrolls": "scrolls",
        "wrapped": "scrolls",
        "table": "table",
        "split": "split",
        "juts": "juts",
    }


def test_the_site_css_keeps_literals_whole_and_tables_in_the_column(tmp_path: Path) -> None:
    """migcompat.css: ``--host`` stays on one line, a test name wraps in a failure-modes table, mc-wrap blocks wrap.

    The same page without the CSS has all three faults (the test above).
    """
    found = _synthetic(_chromium(), tmp_path, css=True)
    assert found == {"cut": "cut", "scrolls": "scrolls", "juts": "juts"}


def test_the_landing_pages_versions_are_those_of_the_code() -> None:
    """The "Versions" table of docs/index.rst says the numbers the package, the C library and the formats carry."""
    text = (DOCS / "index.rst").read_text(encoding="utf-8")
    table = text.split("\nVersions\n========\n", 1)[1]
    header = (ROOT / "c" / "lib" / "include" / "migcompat.h").read_text(encoding="utf-8")

    def define(name: str) -> str:
        match = re.search(rf"^#define {name} (\d+)$", header, re.M)
        assert match, name
        return match.group(1)

    release = ".".join(define(f"MC_VERSION_{part}") for part in ("MAJOR", "MINOR", "PATCH"))
    schema = json.loads((ROOT / "spec" / "schema" / "conformance-report.schema.json").read_text(encoding="utf-8"))
    report_version = schema["properties"]["version"]["const"]
    older = " and ".join(str(version) for version in READ_VERSIONS if version != MAPPING_VERSION)
    rows = re.sub(r"\s+", " ", table)
    for expected in (
        f"- {migcompat.__version__} - Unreleased",
        f"- {SPEC_VERSION}, attribute header ``{HEADER}`` - Proposed",
        f"- {SUITE_VERSION} - Unreleased; it checks specification {SPEC_VERSION}",
        f"- {release}, soname ``libmigcompat.so.{define('MC_API_VERSION')}`` - Unreleased",
        f"- {CAPTURE_VERSION}, {report_version} and {MAPPING_VERSION} - Unreleased",
        f"also reads versions {older},",
    ):
        assert expected in rows, expected


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
