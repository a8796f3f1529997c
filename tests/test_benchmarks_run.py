"""Every benchmark script still runs: its ``--help``, and a run at its smallest size.

Nothing here measures a speed (the benchmarks do that, and print their
figures); these tests catch a benchmark that no longer imports or starts, as
``bench_type.py`` once did after a helper it imported was renamed. A script
added to ``benchmarks/`` must be listed below, so that none goes unrun.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

# Each script that runs: its arguments for the smallest run that still prints its
# table, and a line of that table.  The default run takes the quick ones; the
# others (seconds each, or a C toolchain, or a Placement service) run in the slow run.
QUICK = {
    "bench_check.py": (["--calls", "128", "--rounds", "1"], "accepts/s"),
    "bench_conformance.py": (["50"], "devices"),
    "bench_fleet.py": (["--scale", "0.001"], "speed-up"),
    "bench_parse.py": (["--count", "100", "--repeat", "1"], "json.loads"),
    "bench_sysfs.py": (["20"], "crafted"),
    "bench_type.py": (["--passes", "50", "--repeat", "1"], "accepts/s"),
}
SLOW = {
    "bench_c.py": (["--count", "100", "--repeat", "1"], "C / Python"),
    "bench_export.py": (["--hosts", "2", "--vfs", "2", "--classes", "2"], "units"),
    "bench_push.py": (["--providers", "8", "--delay", "0", "--parallel", "2", "--rounds", "1"], "speed-up"),
    "bench_startup.py": (["--repeat", "1"], "migcompat --help"),
    "bench_worst.py": ([], "slowest line"),
    "worst_matrix.py": (["--quick"], "peak resident memory"),
    "worst_relate.py": ([], "relate s"),
}
# Scripts whose exit status says whether a line exceeded their one-second budget:
# a test must not turn that speed into a pass or a failure, only the table's presence.
BUDGETED = {"bench_worst.py", "worst_matrix.py", "worst_relate.py"}
# Modules the scripts import, with no command of their own.
LIBRARIES = {"corpus.py"}


def run(script: str, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=BENCHMARKS.parent,
    )


def test_every_script_is_listed() -> None:
    scripts = {path.name for path in BENCHMARKS.glob("*.py")}
    assert scripts == set(QUICK) | set(SLOW) | LIBRARIES


@pytest.mark.parametrize("script", sorted(set(QUICK) | set(SLOW)))
def test_help_describes_the_benchmark(script: str) -> None:
    result = run(script, "--help", timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: "), result.stdout
    first_line = (BENCHMARKS / script).read_text().split('"""')[1].splitlines()[0]
    assert first_line[:40] in " ".join(result.stdout.split()), "the help should carry the module's description"


def _check_run(script: str, args: list[str], marker: str) -> None:
    result = run(script, *args)
    assert "Traceback" not in result.stderr, result.stderr
    allowed = {0, 1} if script in BUDGETED else {0}
    assert result.returncode in allowed, result.stdout + result.stderr
    assert marker in result.stdout, result.stdout


@pytest.mark.parametrize(("script", "args", "marker"), [(s, *QUICK[s]) for s in sorted(QUICK)])
def test_quick_benchmarks_run(script: str, args: list[str], marker: str) -> None:
    _check_run(script, args, marker)


@pytest.mark.slow
@pytest.mark.parametrize(("script", "args", "marker"), [(s, *SLOW[s]) for s in sorted(SLOW)])
def test_slow_benchmarks_run(script: str, args: list[str], marker: str) -> None:
    if script == "bench_c.py" and (shutil.which("make") is None or shutil.which("cc") is None):
        pytest.skip("bench_c.py builds c/lib: make and a C compiler are not installed (.ci/run installs them)")
    if script == "bench_push.py":
        pytest.importorskip("placement", reason="bench_push.py needs the placement extra (.ci/run installs it)")
    _check_run(script, args, marker)
