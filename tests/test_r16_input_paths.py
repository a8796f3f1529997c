"""Input paths of ``cases``, ``plan`` and ``capture`` that are not what they should be (review r16).

Each is an input that cannot be read -- exit status 3, the command's error
code for that kind of input, a message naming the path and what it is --
never a hang, a read without end, a usage error (status 2) or a report over
zero cases:

* ``--spec-file`` is read like a case file: a FIFO or a device is refused
  unread, a file larger than :data:`~migcompat.cases.spec.MAX_SPEC_BYTES`
  from its size, bytes that are not UTF-8 with their offset;
* ``cases check`` stops at a case file that cannot be read or is not one,
  as ``cases list`` and ``cases run`` do, and all three say that an empty
  case directory holds nothing to check;
* a file or a FIFO where a directory belongs (``plan``'s TYPE, ``capture
  --sysfs``, ``cases --cases``) or a FIFO as ``--expect-fail``.

The FIFO cases run ``migcompat`` as a child process with a timeout, so that a
regression fails instead of hanging.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from migcompat.cases.spec import MAX_SPEC_BYTES
from migcompat.cli import main
from migcompat.cli.exitcodes import ExitCode

ROOT = Path(__file__).resolve().parent.parent
VERSION = "mc1 device_api=vfio-pci driver=mtty\n"
MEMORY_CAP = 2 << 30
"""The address space a child may use: a reader that slurps /dev/zero fails at once rather than filling memory."""


def run(*args: str) -> Result:
    """``migcompat ARGS`` in-process; a Python exception is a test failure, not a result."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def child(*args: str) -> subprocess.CompletedProcess[str]:
    """``migcompat ARGS`` as a child process, standard input closed, within a timeout and a memory cap."""
    env = {key: value for key, value in os.environ.items() if key != "MIGCOMPAT_DEBUG"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "migcompat.cli", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={**env, "NO_COLOR": "1"},
        timeout=30,
        check=False,
        preexec_fn=_cap_memory,
    )


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    """A FIFO that no process writes to."""
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


def assert_no_answer(status: int, stderr: str, code: str, *texts: str) -> None:
    """Exit status 3 and one ``error[CODE]`` line that holds every one of *texts*."""
    assert status == ExitCode.UNDECIDED, stderr
    lines = [line for line in stderr.splitlines() if f"error[{code}]" in line]
    assert lines, stderr
    assert all(text in lines[0] for text in texts), stderr
    assert "Traceback" not in stderr and "internal error" not in stderr


# ---- 1. the specification file -------------------------------------------------------------------------


@pytest.mark.parametrize("command", [("cases", "check"), ("cases", "extract", "--check")], ids=["check", "extract"])
def test_a_fifo_as_the_specification_is_refused_unread(fifo: Path, command: tuple[str, ...]) -> None:
    result = child(*command, "--spec-file", str(fifo))
    assert_no_answer(result.returncode, result.stderr, "input-unreadable", str(fifo), "not a regular file (a FIFO)")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_as_the_specification_is_refused_unread() -> None:
    result = child("cases", "check", "--spec-file", "/dev/zero")
    assert_no_answer(
        result.returncode, result.stderr, "input-unreadable", "/dev/zero", "not a regular file (a character device)"
    )


def test_a_specification_larger_than_the_limit_is_refused_from_its_size(tmp_path: Path) -> None:
    spec = tmp_path / "huge.rst"
    with open(spec, "wb") as stream:
        stream.truncate(MAX_SPEC_BYTES + 1)  # sparse: nothing is written
    result = run("cases", "check", "--spec-file", str(spec))
    assert_no_answer(result.exit_code, result.stderr, "input-unreadable", str(spec), "more than the 16 MiB")


def test_a_specification_that_is_not_utf8_names_the_file_and_the_offset(tmp_path: Path) -> None:
    spec = tmp_path / "latin1.rst"
    spec.write_bytes(b"x\xa6 not UTF-8\n")
    result = run("cases", "check", "--spec-file", str(spec))
    assert_no_answer(
        result.exit_code, result.stderr, "input-unreadable", str(spec), "not UTF-8 text (byte 0xa6 at offset 1)"
    )
    assert "codec" not in result.stderr


def test_a_missing_specification_names_the_file_without_an_errno(tmp_path: Path) -> None:
    spec = tmp_path / "gone.rst"
    result = run("cases", "check", "--spec-file", str(spec))
    assert_no_answer(result.exit_code, result.stderr, "input-unreadable", f"{spec}: No such file or directory")
    assert "[Errno" not in result.stderr


def test_a_directory_as_the_specification_is_an_input_error_in_json_too(tmp_path: Path) -> None:
    result = run("cases", "check", "--spec-file", str(tmp_path), "--format", "json")
    assert_no_answer(result.exit_code, result.stderr, "input-unreadable", str(tmp_path), "(a directory)")
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "input-unreadable" and error["where"] == str(tmp_path)


# ---- 2. cases check on a case file that cannot be used, and an empty case directory ----------------------


def test_cases_check_stops_at_a_fifo_among_the_case_files(cases_copy: Path) -> None:
    (cases_copy / "parse-valid.json").unlink()
    os.mkfifo(cases_copy / "parse-valid.json")
    result = child("cases", "check", "--cases", str(cases_copy))
    assert_no_answer(
        result.returncode, result.stderr, "case-invalid", "parse-valid.json", "not a regular file (a FIFO)"
    )
    assert "0 cases" not in result.stdout and "100%" not in result.stdout


def test_cases_check_stops_at_a_case_file_that_is_not_json(cases_copy: Path) -> None:
    (cases_copy / "parse-valid.json").write_text("{")
    result = run("cases", "check", "--cases", str(cases_copy))
    assert_no_answer(result.exit_code, result.stderr, "case-invalid", "parse-valid.json", "invalid JSON")
    assert result.stdout == ""


@pytest.mark.parametrize("command", [("list",), ("check",), ("run", "--parser", "true")], ids=["list", "check", "run"])
def test_an_empty_case_directory_holds_nothing_to_check(tmp_path: Path, command: tuple[str, ...]) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("cases", *command, "--cases", str(empty))
    assert_no_answer(result.exit_code, result.stderr, "nothing-to-check", str(empty))
    assert result.stdout == ""


# ---- 3. a path of the wrong kind -------------------------------------------------------------------------


def test_a_file_as_the_plan_type_is_an_unreadable_input(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    (source / "migration_version").write_text(VERSION)
    type_file = tmp_path / "v"
    type_file.write_text(VERSION)
    result = run("plan", str(source), str(type_file))
    assert_no_answer(
        result.exit_code, result.stderr, "input-unreadable", str(type_file), "not a directory (a regular file)"
    )
    assert "Usage:" not in result.stderr


def test_a_fifo_as_the_plan_type_is_an_unreadable_input(tmp_path: Path, fifo: Path) -> None:
    source = tmp_path / "source"
    source.write_text(VERSION)
    result = child("plan", "--format", "json", str(source), str(fifo))
    assert_no_answer(result.returncode, result.stderr, "input-unreadable", str(fifo), "not a directory (a FIFO)")
    errors = json.loads(result.stdout)["input_errors"]
    assert [error["input"] for error in errors] == ["type_version", "type_rules"]
    assert all(error["error"]["code"] == "input-unreadable" for error in errors)


def test_a_file_as_the_sysfs_root_is_an_unreadable_capture(tmp_path: Path) -> None:
    root = tmp_path / "sys"
    root.write_text("")
    result = run("capture", "--sysfs", str(root))
    assert_no_answer(
        result.exit_code, result.stderr, "capture-unreadable", str(root), "not a directory (a regular file)"
    )
    assert result.stdout == ""


@pytest.mark.parametrize("command", [("list",), ("check",), ("run", "--parser", "true")], ids=["list", "check", "run"])
def test_a_file_as_the_case_directory_is_a_case_error(tmp_path: Path, command: tuple[str, ...]) -> None:
    cases = tmp_path / "cases.json"
    cases.write_text("{}")
    result = run("cases", *command, "--cases", str(cases))
    assert_no_answer(result.exit_code, result.stderr, "case-invalid", str(cases), "not a directory (a regular file)")


def test_a_file_as_the_case_directory_in_json_is_the_error_document(tmp_path: Path) -> None:
    cases = tmp_path / "cases.json"
    cases.write_text("{}")
    result = run("cases", "list", "--cases", str(cases), "--format", "json")
    assert result.exit_code == ExitCode.UNDECIDED
    assert json.loads(result.stdout)["error"]["code"] == "case-invalid"


def test_a_fifo_as_the_expected_failures_is_a_case_error(fifo: Path) -> None:
    result = child("cases", "run", "--parser", "true", "--expect-fail", str(fifo))
    assert_no_answer(result.returncode, result.stderr, "case-invalid", str(fifo), "not a regular file (a FIFO)")
