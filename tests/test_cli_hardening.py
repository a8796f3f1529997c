"""Defects of ``cases``, ``capture`` and ``lint`` found by an outside review, each held by a test.

* ``cases extract`` refuses a specification without clauses or examples, and
  writes into the bundled suite only from a source checkout;
* ``cases run`` kills every program it started when it is interrupted
  (SIGINT) or terminated (SIGTERM), and says once that a program cannot be
  started instead of reporting a crash per case;
* ``lint`` reports the size of an over-long attribute as ``parse`` does: a
  lower bound when reading stopped at the limit;
* ``capture`` and ``conformance`` on a copy of a sysfs tree do not record
  this machine's kernel release and host name as the captured host's.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final

import pytest
from click.testing import CliRunner, Result
from sample_fleet import gvt_host, write_tree

import migcompat
from migcompat.capture import capture
from migcompat.cli import main
from migcompat.cli.exitcodes import ExitCode
from migcompat.limits import MAX_ATTRIBUTE_BYTES
from migcompat.sysfs.reader import is_sysfs

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "conformance" / "cases"
SPEC = ROOT / "spec" / "migcompat.rst"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under *directory*, by relative path, with its bytes."""
    return {str(path.relative_to(directory)): path.read_bytes() for path in directory.rglob("*") if path.is_file()}


# ---- cases extract: what it reads and where it writes -----------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no numbered clause"),
        ("Not the specification\n======================\n\nJust text.\n", "no numbered clause"),
        (".. _clause-1:\n\n1 Scope\n=======\n\nA clause, but no example attribute.\n", "no example attribute"),
    ],
    ids=["empty", "no-clause", "no-example"],
)
def test_extract_refuses_a_specification_without_clauses_or_examples(
    tmp_path: Path, cases_copy: Path, text: str, message: str
) -> None:
    spec = tmp_path / "spec.rst"
    spec.write_text(text, encoding="utf-8")
    before = snapshot(cases_copy)
    for check in ([], ["--check"]):
        result = run("cases", "extract", "--spec-file", str(spec), "--cases", str(cases_copy), *check)
        assert result.exit_code == ExitCode.UNDECIDED, result.output
        assert message in result.stderr
        assert "wrote" not in result.stdout
    assert snapshot(cases_copy) == before


def test_check_refuses_a_specification_without_clauses(tmp_path: Path) -> None:
    spec = tmp_path / "empty.rst"
    spec.write_text("", encoding="utf-8")
    result = run("cases", "check", "--spec-file", str(spec))
    assert result.exit_code == ExitCode.UNDECIDED
    assert "cannot read the specification" in result.stderr and "no numbered clause" in result.stderr


def test_extract_still_writes_a_spec_with_examples(tmp_path: Path, cases_copy: Path) -> None:
    (cases_copy / "spec-examples.json").unlink()
    result = run("cases", "extract", "--spec-file", str(SPEC), "--cases", str(cases_copy))
    assert result.exit_code == 0, result.output
    assert result.stdout == "wrote spec-examples.json\n"
    assert (cases_copy / "spec-examples.json").read_bytes() == (CASES / "spec-examples.json").read_bytes()


def test_extract_replaces_a_link_planted_at_its_file_and_leaves_what_it_leads_to(
    tmp_path: Path, cases_copy: Path
) -> None:
    """A security review: extract wrote with Path.write_text, truncating and following a link at the name."""
    victim = tmp_path / "victim"
    document = json.loads((CASES / "spec-examples.json").read_text())
    victim.write_text(json.dumps({**document, "cases": []}))  # a case file the suite reads, and extract replaces
    before = victim.read_bytes()
    (cases_copy / "spec-examples.json").unlink()
    (cases_copy / "spec-examples.json").symlink_to(victim)
    result = run("cases", "extract", "--spec-file", str(SPEC), "--cases", str(cases_copy))
    assert result.exit_code == 0, result.output
    assert victim.read_bytes() == before
    assert not (cases_copy / "spec-examples.json").is_symlink()
    assert (cases_copy / "spec-examples.json").read_bytes() == (CASES / "spec-examples.json").read_bytes()


def test_this_is_a_source_checkout() -> None:
    from migcompat.cases.paths import source_checkout

    if "site-packages" in str(Path(migcompat.__file__)):
        pytest.skip("the package is installed, not imported from a source tree")
    assert source_checkout() == ROOT


def _installed(tmp_path: Path) -> tuple[Path, Path]:
    """migcompat laid out as a wheel installs it (data under migcompat/_data/), outside any source tree."""
    site = tmp_path / "site-packages"
    package = site / "migcompat"
    shutil.copytree(ROOT / "src" / "migcompat", package, ignore=shutil.ignore_patterns("__pycache__"))
    data = package / "_data"
    shutil.copytree(ROOT / "spec" / "schema", data)
    shutil.copy(ROOT / "grammar" / "migcompat.lark", data / "migcompat.lark")
    shutil.copy(SPEC, data / "migcompat.rst")
    shutil.copytree(CASES, data / "cases")
    return site, data / "cases"


def _run_installed(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, PYTHONPATH=str(site))
    code = "import sys; from migcompat.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120
    )


def test_an_installed_package_never_writes_its_own_cases(tmp_path: Path) -> None:
    site, bundled = _installed(tmp_path)
    # A specification whose examples differ from the bundled ones: extraction would change the suite.
    spec = tmp_path / "changed.rst"
    spec.write_text(SPEC.read_text(encoding="utf-8").replace("driver=i915", "driver=i916"), encoding="utf-8")
    before = snapshot(bundled)
    probe = _run_installed(site, tmp_path, "cases", "extract", "--spec-file", str(spec))
    assert probe.returncode == ExitCode.USAGE, probe.stdout + probe.stderr
    assert "--cases" in probe.stderr and "source checkout" in probe.stderr
    assert snapshot(bundled) == before
    # Reading the bundled suite needs no --cases.
    check = _run_installed(site, tmp_path, "cases", "extract", "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout == "spec-examples.json is up to date\n"
    # And with --cases it writes where it is told.
    elsewhere = tmp_path / "mine"
    shutil.copytree(CASES, elsewhere)
    wrote = _run_installed(site, tmp_path, "cases", "extract", "--spec-file", str(spec), "--cases", str(elsewhere))
    assert wrote.returncode == 0, wrote.stdout + wrote.stderr
    assert "spec-examples.json" in wrote.stdout
    assert snapshot(bundled) == before


def test_extract_help_says_where_it_writes() -> None:
    result = run("cases", "extract", "--help")
    assert "source checkout" in result.stdout and "--cases" in result.stdout


# ---- cases run: the programs end with the run ---------------------------------------------------


def _alive(pid: int) -> bool:
    """Whether *pid* is a process that has not ended (a zombie has ended)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stream:
            state = stream.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def sleeper(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A program that records its pid in a directory, then sleeps (as ``exec sleep 100``); killed afterwards."""
    pids = tmp_path / "pids"
    pids.mkdir()
    program = tmp_path / "slp"
    program.write_text(f'#!/bin/sh\necho $$ > "{pids}/$$"\nexec sleep 100\n', encoding="ascii")
    program.chmod(0o755)
    yield program, pids
    for path in pids.iterdir():
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(path.name), signal.SIGKILL)


def _migcompat(*args: str) -> subprocess.Popen[bytes]:
    """``migcompat ARGS`` as a process of its own, with SIGINT at its default (a shell may have ignored it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "migcompat.cli", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


_MODES: Final = {"serial": ([], 1), "parallel": (["--parallel", "3"], 3), "persistent": (["--persistent"], 1)}
_DEFAULT_RUN: Final = {(signal.SIGINT, "parallel"), (signal.SIGTERM, "persistent")}


@pytest.mark.parametrize(
    ("options", "programs", "how"),
    [
        pytest.param(
            *_MODES[mode],
            how,
            id=f"{how.name}-{mode}",
            # Two combinations in the default run, all six in the slow one.
            marks=() if (how, mode) in _DEFAULT_RUN else pytest.mark.slow,
        )
        for how in (signal.SIGINT, signal.SIGTERM)
        for mode in _MODES
    ],
)
def test_an_interrupted_run_kills_the_programs_it_started(
    sleeper: tuple[Path, Path], options: list[str], programs: int, how: signal.Signals
) -> None:
    program, pids = sleeper
    process = _migcompat("cases", "run", "--parser", str(program), "--kind", "parse-valid", "--timeout", "60", *options)
    try:
        assert _wait_for(lambda: len(list(pids.iterdir())) >= programs, 30), "the programs did not start"
        time.sleep(0.2)  # each pid file is written before its exec: let the sleeps begin
        started = [int(path.name) for path in pids.iterdir()]
        assert all(_alive(pid) for pid in started)
        process.send_signal(how)
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if how == signal.SIGINT:
        assert process.returncode == ExitCode.INTERRUPTED, stderr
    else:
        assert process.returncode == -signal.SIGTERM, stderr
    assert b"Traceback" not in stderr
    assert _wait_for(lambda: not any(_alive(pid) for pid in started), 5), "a program outlived the run"


def test_a_program_left_behind_by_a_case_is_killed(tmp_path: Path) -> None:
    """A program that answers but leaves a child in its process group: the child ends with the case."""
    marker = tmp_path / "child"
    program = tmp_path / "parser"
    program.write_text(
        f'#!/bin/sh\nsleep 100 >/dev/null 2>&1 </dev/null &\necho $! > "{marker}"\nexit 2\n', encoding="ascii"
    )
    program.chmod(0o755)
    result = run("cases", "run", "--parser", str(program), "--run", "parse-valid-final-lf-002")
    child = int(marker.read_text(encoding="ascii"))
    try:
        assert result.exit_code == ExitCode.NEGATIVE
        assert _wait_for(lambda: not _alive(child), 5), "the program's child outlived its case"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)


# ---- cases run: a program that cannot be started ------------------------------------------------


def _programs(tmp_path: Path) -> dict[str, tuple[str, str]]:
    directory = tmp_path / "a-directory"
    directory.mkdir()
    plain = tmp_path / "not-executable"
    plain.write_text("#!/bin/sh\nexit 0\n", encoding="ascii")
    plain.chmod(0o644)
    return {
        "missing": (str(tmp_path / "no-such-parser"), "No such file or directory"),
        "directory": (str(directory), "is a directory"),
        "not-executable": (str(plain), "Permission denied"),
        "not-on-path": ("no-such-parser-on-path-x7", "not found on PATH"),
    }


@pytest.mark.parametrize("which", ["missing", "directory", "not-executable", "not-on-path"])
@pytest.mark.parametrize("persistent", [False, True], ids=["per-case", "persistent"])
def test_a_program_that_cannot_be_started_is_one_error(tmp_path: Path, which: str, persistent: bool) -> None:
    program, reason = _programs(tmp_path)[which]
    extra = ["--persistent"] if persistent else []
    result = run("cases", "run", "--checker", program, "--kind", "check", *extra)
    assert result.exit_code == ExitCode.UNDECIDED, result.output
    assert result.stdout == ""
    assert result.stderr == f"migcompat: error[program-unstartable]: cannot start {program}: {reason} (--checker)\n"


def test_a_program_that_fails_to_execute_is_one_error(tmp_path: Path) -> None:
    """The file is there and executable, but its interpreter is not: found when the first case starts it."""
    program = tmp_path / "parser"
    program.write_text("#!/no/such/interpreter\n", encoding="ascii")
    program.chmod(0o755)
    result = run("cases", "run", "--parser", str(program), "--kind", "parse-invalid")
    assert result.exit_code == ExitCode.UNDECIDED, result.output
    assert result.stdout == ""  # no report: the run gave no answer
    lines = [line for line in result.stderr.splitlines() if "cannot start" in line]
    reason = "No such file or directory"
    assert lines == [f"migcompat: error[program-unstartable]: cannot start {program}: {reason} (--parser)"]


# ---- lint: the size of an over-long attribute ---------------------------------------------------


def _long(tmp_path: Path, size: int) -> Path:
    path = tmp_path / "migration_version"
    head = b"mc1 device_api=vfio-pci driver=x a="
    path.write_bytes(head + b"0" * (size - len(head) - 1) + b"\n")
    assert path.stat().st_size == size
    return path


@pytest.mark.parametrize("size", [MAX_ATTRIBUTE_BYTES + 2, 12_033, 10 << 20])
def test_lint_says_when_it_stopped_reading(tmp_path: Path, size: int) -> None:
    path = _long(tmp_path, size)
    limit = MAX_ATTRIBUTE_BYTES + 1
    expected = (
        f"error[too-long]: the attribute is more than {limit} bytes (reading stopped there); "
        f"at most {MAX_ATTRIBUTE_BYTES} are allowed, including the final newline"
    )
    result = run("lint", str(path))
    assert result.exit_code == ExitCode.NEGATIVE
    assert expected in result.stdout
    assert f"is {limit} bytes;" not in result.stdout
    document = json.loads(run("lint", "--format", "json", str(path)).stdout)
    assert [failure["message"] for failure in document["failures"]] == [expected]
    parsed = run("parse", str(path))
    assert expected in parsed.stderr  # the same words as parse


def test_lint_gives_the_size_of_an_attribute_it_read_whole(tmp_path: Path) -> None:
    path = _long(tmp_path, MAX_ATTRIBUTE_BYTES + 1)
    result = run("lint", str(path))
    assert result.exit_code == ExitCode.NEGATIVE
    assert f"the attribute is {MAX_ATTRIBUTE_BYTES + 1} bytes; at most {MAX_ATTRIBUTE_BYTES}" in result.stdout


# ---- capture and conformance of a copied tree ---------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> str:
    root = tmp_path / "sysfs-copy"
    write_tree(gvt_host("gvt", 2), str(root))
    return str(root)


def test_a_copied_tree_has_no_known_kernel_or_host(tree: str) -> None:
    assert not is_sysfs(tree)
    result = run("capture", "--sysfs", tree)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["kernel"] == "" and document["host"] == ""
    assert os.uname().release not in result.stdout.replace(tree, "")


def test_kernel_and_host_of_a_copied_tree_can_be_given(tree: str) -> None:
    result = run("capture", "--sysfs", tree, "--host", "gpu-node-7", "--kernel", "6.8.0-45-generic")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["host"], document["kernel"]) == ("gpu-node-7", "6.8.0-45-generic")


@pytest.mark.parametrize(
    "option",
    [
        ["--host", ""],
        ["--host", " "],
        ["--host", "a\nb"],
        ["--kernel", ""],
        ["--kernel", "6.8 generic"],
        ["--kernel", "6" * 65],
    ],
    ids=["empty-host", "blank-host", "host-newline", "empty-kernel", "kernel-space", "kernel-long"],
)
def test_bad_host_or_kernel_is_a_usage_error(tree: str, option: list[str]) -> None:
    result = run("capture", "--sysfs", tree, *option)
    assert result.exit_code == ExitCode.USAGE, result.output
    assert option[0] in result.stderr
    assert result.stdout == ""


def test_conformance_of_a_copied_tree_does_not_claim_this_kernel(tree: str) -> None:
    result = run("conformance", "--format", "json", tree)
    document = json.loads(result.stdout)
    (host,) = document["hosts"]
    assert host["kernel"] == "" and host["name"] == ""


def test_the_library_keeps_what_it_is_given_and_refuses_blanks(tree: str) -> None:
    assert capture(tree, host="h", kernel="6.1").kernel == "6.1"
    with pytest.raises(ValueError, match="host"):
        capture(tree, host="")
    with pytest.raises(ValueError, match="kernel"):
        capture(tree, kernel="")


@pytest.mark.skipif(not is_sysfs("/sys"), reason="/sys is not a mounted sysfs here")
def test_a_live_sysfs_records_this_kernel_and_host() -> None:
    host = capture("/sys")
    assert (host.kernel, host.host) == (os.uname().release, os.uname().nodename)
