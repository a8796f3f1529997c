"""An output that names one of the command's inputs is refused before anything is written (``output-is-input``).

A report, a mapping or a JSON result written over a capture, or over the
expected-failure file a run reads, destroyed the input and exited 0 (an
outside review found it for ``matrix --html``, ``export placement -o``,
``export kubernetes --mapping`` and ``cases run --json``). A file is the
same input however it is named: through a link, inside a directory the
command read, or redirected to standard input.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from migcompat._files import note_read, noting_reads, read_regular, was_read
from migcompat.cli import main
from migcompat.cli.exitcodes import ExitCode

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "conformance" / "samples"
SPEC = ROOT / "spec" / "migcompat.rst"
REFUSED = "error[output-is-input]"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(arg) for arg in args])


@pytest.fixture
def capture(tmp_path: Path) -> Path:
    path = tmp_path / "gvt.json"
    shutil.copy(SAMPLES / "gvt-g" / "new.json", path)
    return path


def refused(result: Result, name: str) -> None:
    assert result.exit_code == ExitCode.UNDECIDED, result.output
    assert f"{REFUSED}: cannot write {name}: it is one of this command's inputs" in result.stderr
    assert "Traceback" not in result.output


def test_matrix_html_over_its_capture_is_refused_and_the_capture_kept(capture: Path) -> None:
    before = capture.read_bytes()
    result = run("matrix", "--html", capture, capture)
    refused(result, str(capture))
    assert result.stdout == ""  # no grid either: the command gave no answer
    assert capture.read_bytes() == before


def test_an_export_mapping_or_output_over_a_capture_is_refused(tmp_path: Path, capture: Path) -> None:
    vgpu = tmp_path / "nv.json"
    shutil.copy(SAMPLES / "nvidia-vgpu" / "new.json", vgpu)
    before = {path: path.read_bytes() for path in (capture, vgpu)}
    age = ("--max-capture-age", "off")
    refused(run("export", "kubernetes", capture, "--mapping", capture, *age), str(capture))
    refused(run("export", "placement", vgpu, "-o", vgpu, "--enabled-type", "nvidia-230", *age), str(vgpu))
    refused(run("export", "placement", vgpu, "--mapping", vgpu, "--enabled-type", "nvidia-230", *age), str(vgpu))
    assert {path: path.read_bytes() for path in before} == before


def test_the_same_file_reached_by_a_link_or_inside_a_directory_is_an_input(tmp_path: Path, capture: Path) -> None:
    link = tmp_path / "report.html"
    link.symlink_to(capture.name)
    before = capture.read_bytes()
    refused(run("matrix", "--html", link, capture), str(link))
    captures = tmp_path / "captures"
    captures.mkdir()
    shutil.copy(capture, captures / "a.json")
    shutil.copy(SAMPLES / "nvidia-vgpu" / "new.json", captures / "b.json")
    inside = captures / "b.json"
    refused(run("export", "kubernetes", captures, "--mapping", inside, "--max-capture-age", "off"), str(inside))
    assert inside.read_bytes() == (SAMPLES / "nvidia-vgpu" / "new.json").read_bytes()
    assert capture.read_bytes() == before


def test_a_file_redirected_to_standard_input_is_an_input(tmp_path: Path, capture: Path) -> None:
    before = capture.read_bytes()
    with capture.open("rb") as stdin:
        done = subprocess.run(
            [sys.executable, "-m", "migcompat", "matrix", "--html", str(capture), "-"],
            stdin=stdin,
            capture_output=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == ExitCode.UNDECIDED, done.stderr
    assert REFUSED.encode() in done.stderr
    assert capture.read_bytes() == before


def test_a_run_whose_report_would_replace_its_expected_failures_starts_no_program(tmp_path: Path) -> None:
    marker = tmp_path / "started"
    program = tmp_path / "parser.sh"
    program.write_text(f"#!/bin/sh\ntouch {marker}\nexit 0\n")
    program.chmod(0o755)
    expected = tmp_path / "xfail.json"
    expected.write_text('{"parse-valid-final-lf-001": "a known fault"}\n')
    before = expected.read_bytes()
    for option in ("--json", "--junit"):
        result = run(
            "cases", "run", "--parser", program, "--run", "parse-valid-final-lf-001",
            "--expect-fail", expected, option, expected,
        )  # fmt: skip
        refused(result, str(expected))
    assert not marker.exists()  # refused before the run, which could take minutes, not after it
    assert expected.read_bytes() == before


def test_a_report_beside_its_inputs_is_written(tmp_path: Path, capture: Path) -> None:
    page = tmp_path / "matrix.html"
    result = run("matrix", "--html", page, capture)
    assert result.exit_code == 0, result.output
    assert page.read_text().startswith("<!DOCTYPE html>")


def test_cases_extract_still_updates_the_examples_file_it_reads(tmp_path: Path, cases_copy: Path) -> None:
    """``cases extract`` reads the suite's examples file to write its new version: that is no input lost."""
    examples = cases_copy / "spec-examples.json"
    document = json.loads(examples.read_text())
    document["cases"][0]["description"] = "an older wording"
    examples.write_text(json.dumps(document, indent=1) + "\n")
    result = run("cases", "extract", "--spec-file", SPEC, "--cases", cases_copy)
    assert result.exit_code == 0, result.output
    assert "wrote spec-examples.json" in result.stdout
    assert examples.read_bytes() == (ROOT / "conformance" / "cases" / "spec-examples.json").read_bytes()


def test_reads_are_noted_only_within_noting_reads(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.write_text("1")
    second.write_text("2")
    read_regular(first, 10)  # a library caller: nothing is kept
    assert not was_read(os.stat(first))
    with noting_reads():
        read_regular(first, 10)
        with noting_reads():
            read_regular(second, 10)
            assert was_read(os.stat(second)) and not was_read(os.stat(first))
        assert was_read(os.stat(first)) and not was_read(os.stat(second))
        note_read(os.stat(tmp_path))  # a directory is not an input file
        assert not was_read(os.stat(tmp_path))
    assert not was_read(os.stat(first))
