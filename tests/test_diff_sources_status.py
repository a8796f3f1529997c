"""The exit status of ``migcompat diff --sources`` when an upgrade strands the fleet's devices (vendor review r19, L-8).

A definite stranding (a source class the old driver accepted that no new
target accepts and none may) is status 1, ``ExitCode.NEGATIVE``, whatever
else the diff found; an undecided class beside it makes the status 3, which
outranks 1 as for every command (``combine``), and the JSON still says
``fleet_breaking``. Both ``diff --help`` and the exit-status page say so.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner, Result

from migcompat.cli import main
from migcompat.cli.exitcodes import ExitCode
from test_diff_sources import NARROW, V10, V11, _device, _save

ROOT = Path(__file__).resolve().parents[1]
B_RULES = "mc1\naccept driver=d stream_version=1.0.. q=$ x.k=7\n"
"""Host b's rules: they read b's own q, which its description lacks, so they may accept a source with x.k=7."""
B_VERSION = "mc1 driver=d\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _update(tmp_path: Path) -> tuple[str, str]:
    """Host a narrows its rules from stream 1.0..$ to 1.1..$; host b is there, unchanged, on both sides."""
    old, new = tmp_path / "old", tmp_path / "new"
    _save(old, "a", _device("0000:01:00.1"))
    _save(new, "a", _device("0000:01:00.1", V11, NARROW))
    for side in (old, new):
        _save(side, "b", _device("0000:02:00.1", B_VERSION, B_RULES))
    return str(old), str(new)


def test_a_definite_stranding_beside_an_undecided_class_is_not_success(tmp_path: Path) -> None:
    """Class ~x.k=1 is stranded for certain (b rejects it); class ~x.k=7 may be accepted by b: not decided."""
    old, new = _update(tmp_path)
    stranded = V10.replace("\n", " ~x.k=1\n")
    undecided = V10.replace("\n", " ~x.k=7\n")
    sources = _save(tmp_path / "fleet", "s", _device("0000:05:00.1", stranded), _device("0000:05:00.2", undecided))
    result = run("diff", "--sources", sources, old, new)
    assert result.exit_code == ExitCode.UNDECIDED, result.output  # 3 outranks 1, never 0
    assert "STRANDED class " in result.stdout and "not decided: no new target accepts it" in result.stdout
    assert "breaking change for the inventory: 1 source class (1 device)" in result.stderr
    document = json.loads(run("diff", "--format", "json", "--sources", sources, old, new).stdout)
    assert document["fleet_breaking"] is True and document["undecided"] is True
    strands = [entry["strands"] for change in document["changes"] for entry in change["stranded"]]
    assert sorted(strands) == [False, True]


def test_the_definite_stranding_alone_is_status_1(tmp_path: Path) -> None:
    old, new = _update(tmp_path)
    sources = _save(tmp_path / "fleet", "s", _device("0000:05:00.1", V10.replace("\n", " ~x.k=1\n")))
    result = run("diff", "--sources", sources, old, new)
    assert result.exit_code == ExitCode.NEGATIVE == 1, result.output
    assert "breaking change for the inventory" in result.stderr


def _words(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_the_help_and_the_exit_status_page_say_what_strands_means() -> None:
    epilog = _words(run("diff", "--help").stdout)
    assert (
        "with --sources: 1 only when a source class of the inventory is stranded (accepted by the old driver,"
        " and no new target accepts it or may), 0 when the rules narrowed but strand none of it, 3 when that is"
        " not decided"
    ) in epilog
    page = _words((ROOT / "docs" / "cli-exit-codes.rst").read_text(encoding="utf-8"))
    assert "``migcompat diff --sources INVENTORY`` exits with ``1`` when the update definitely strands" in page
    assert "``fleet_breaking``" in page
