"""A selection of no case, and a revision the suite does not know, are said, never answered as if they were cases.

``cases run --run typo`` already ended with ``nothing-to-check``; ``list``
printed nothing and ``copy`` "copied 0 cases", both with status 0, and
``--spec 2.0`` listed every case (an outside review).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from migcompat.cli import main
from migcompat.cli.exitcodes import ExitCode
from migcompat.limits import SPEC_VERSION


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, ["cases", *(str(arg) for arg in args)])


@pytest.mark.parametrize("command", [("list",), ("run", "--parser", "true"), ("copy", "OUT")])
def test_a_selection_of_no_case_is_nothing_to_check(tmp_path: Path, command: tuple[str, ...]) -> None:
    args = [tmp_path / "out" if arg == "OUT" else arg for arg in command]
    result = run(*args, "--run", "no-such-case-*")
    assert result.exit_code == ExitCode.UNDECIDED, result.output
    assert result.stderr == "migcompat: error[nothing-to-check]: no case is selected\n"
    assert result.stdout == ""
    assert not (tmp_path / "out").exists()  # copy wrote nothing, not even the schemas


def test_list_json_says_so_as_an_error_document() -> None:
    result = run("list", "--kind", "parse-valid", "--run", "check-*", "--format", "json")
    assert result.exit_code == ExitCode.UNDECIDED
    assert json.loads(result.stdout) == {
        "error": {"code": "nothing-to-check", "message": "no case is selected", "where": "the selection"}
    }


def test_an_empty_suite_still_copies_its_schemas(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run("copy", tmp_path / "out", "--cases", tmp_path / "empty")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "schema" / "case-file.schema.json").is_file()


def test_a_revision_after_this_migcompat_is_a_usage_error() -> None:
    major, minor = SPEC_VERSION.split(".")
    for later in (f"{major}.{int(minor) + 1}", f"{int(major) + 1}.0", "9.9"):
        result = run("list", "--spec", later)
        assert result.exit_code == ExitCode.USAGE
        assert f"'{later}' is a revision this migcompat does not know" in result.stderr
    listed = {spec: run("list", "--spec", spec) for spec in ("1.0", SPEC_VERSION)}
    assert all(result.exit_code == 0 for result in listed.values())
    assert 0 < len(listed["1.0"].stdout.splitlines()) < len(listed[SPEC_VERSION].stdout.splitlines())
