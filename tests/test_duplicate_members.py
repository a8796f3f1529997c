"""JSON files people write -- case files, expected-failure maps, captures -- with one member twice.

RFC 8259 leaves to the reader which of two members of one name counts, so two
readers could take two different documents from one file: two runners two
different cases, two tools two different hosts. Each is refused with its
input's error code, naming the member, as the data model's JSON encoding
already is (clause 5.8); ``NaN`` and ``Infinity``, which are not JSON, too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migcompat.capture import CaptureError, loads
from migcompat.cases.model import CaseError, load_suite
from migcompat.cases.runner import load_expected_failures
from test_r16_input_paths import assert_no_answer, run

ROOT = Path(__file__).resolve().parent.parent
CAPTURE = ROOT / "conformance" / "samples" / "gvt-g" / "old.json"


def _twice(text: str, member: str, first: str) -> str:
    """*text* with *member* given the value *first* just before its own occurrence."""
    assert text.count(f'"{member}"') >= 1
    return text.replace(f'"{member}"', f'"{member}": {first}, "{member}"', 1)


def test_a_case_file_with_a_member_twice_is_refused(cases_copy: Path) -> None:
    path = cases_copy / "check.json"
    path.write_text(_twice(path.read_text(encoding="utf-8"), "description", '"the first"'), encoding="utf-8")
    with pytest.raises(CaseError, match='the member "description" appears twice in one object'):
        load_suite(cases_copy)
    result = run("cases", "check", "--cases", str(cases_copy))
    assert_no_answer(result.exit_code, result.stderr, "case-invalid", "check.json", '"description" appears twice')


def test_a_case_file_with_nan_is_refused(cases_copy: Path) -> None:
    path = cases_copy / "emit.json"
    path.write_text(_twice(path.read_text(encoding="utf-8"), "description", "NaN"), encoding="utf-8")
    result = run("cases", "list", "--cases", str(cases_copy))
    assert_no_answer(result.exit_code, result.stderr, "case-invalid", "emit.json", "NaN is not a JSON value")


def test_an_expected_failure_map_with_an_id_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match='the member "check-x-001" appears twice'):
        load_expected_failures('{"check-x-001": "known", "check-x-001": "fixed"}')
    path = tmp_path / "expected.json"
    path.write_text('{"check-x-001": "known", "check-x-001": "fixed"}', encoding="utf-8")
    result = run("cases", "run", "--parser", "true", "--expect-fail", str(path))
    assert_no_answer(result.exit_code, result.stderr, "case-invalid", str(path), '"check-x-001" appears twice')


def test_a_capture_with_a_member_twice_is_refused(tmp_path: Path) -> None:
    text = _twice(CAPTURE.read_text(encoding="utf-8"), "host", '"another-host"')
    with pytest.raises(CaptureError, match='the member "host" appears twice in one object') as caught:
        loads(text)
    assert caught.value.code == "capture-invalid"
    path = tmp_path / "capture.json"
    path.write_text(text, encoding="utf-8")
    for command in ("conformance", "matrix"):
        result = run(command, str(path))
        assert_no_answer(result.exit_code, result.stderr, "capture-invalid", str(path), '"host" appears twice')


def test_the_bundled_files_have_no_member_twice() -> None:
    """What the strict readers refuse is not in the suite or the samples they ship with."""
    load_suite(ROOT / "conformance" / "cases")
    for capture in sorted((ROOT / "conformance" / "samples").glob("*/*.json")):
        if capture.name != "sample.json":
            loads(capture.read_text(encoding="utf-8"))
