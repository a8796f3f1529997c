"""The conformance case suite: its files, its checks, its generator and the commands that list and copy it."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from migcompat.cases.extract import EXAMPLES_FILE, stale_examples
from migcompat.cases.lint import lint
from migcompat.cases.model import KINDS, RETIRED_FILE, Selection, case_problems, load_suite
from migcompat.cases.schemas import validator
from migcompat.cases.spec import read_spec
from migcompat.cli import main
from migcompat.errors import ERROR_CODES
from migcompat.verdict import REASON_CODES

RUNS_LONG = True  # queued first in the default run (conftest.py)

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "conformance" / "cases"
SPEC = read_spec(ROOT / "spec" / "migcompat.rst")
SUITE = load_suite(CASES)
GENERATE = CASES.parent / "tools" / "generate_cases.py"


def _load_generator() -> Any:
    """The maintainer's script conformance/tools/generate_cases.py, which is not part of the package."""
    spec = importlib.util.spec_from_file_location("migcompat_cases_generate", GENERATE)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _load_generator()


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "cases"
    shutil.copytree(CASES, target)
    return target


def _edit(directory: Path, name: str, change: Any) -> None:
    path = directory / name
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=1) + "\n")


# ---- the committed suite ----------------------------------------------------------------


def test_cases_check_passes_and_covers_every_mandatory_unit() -> None:
    result = CliRunner().invoke(main, ["cases", "check"])
    assert result.exit_code == 0, result.output
    assert "the suite is valid" in result.output
    assert "all mandatory units" in result.output
    line = next(line for line in result.output.splitlines() if "all mandatory units" in line)
    assert "(100%)" in line, line


def test_cases_check_json() -> None:
    result = CliRunner().invoke(main, ["cases", "check", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True
    assert report["mandatory_units"]["covered"] == report["mandatory_units"]["total"] > 100


def test_the_suite_has_at_least_300_cases_of_every_kind() -> None:
    assert not SUITE.problems
    assert len(SUITE.cases) >= 300
    assert {case.kind for case in SUITE.cases} == set(KINDS)


def test_every_error_code_has_a_required_case() -> None:
    codes = {case.expect["code"] for case in SUITE.cases if case.kind in ("parse-invalid", "emit-invalid")}
    assert codes == set(ERROR_CODES)


def test_every_reason_code_is_expected_by_some_case() -> None:
    codes = {code for case in SUITE.cases if case.kind == "check" for code in case.expect.get("reasons", [])}
    assert codes == set(REASON_CODES)


def test_every_decision_table_row_is_cited_by_a_required_case() -> None:
    cited = {name for case in SUITE.cases if case.level == "required" for name in case.clauses}
    assert set(SPEC.rows) <= cited
    assert len(SPEC.rows) >= 80


def test_every_limit_is_tested_at_and_past_its_bound() -> None:
    ids = set(SUITE.by_id())
    for code in ("too-long", "key-too-long", "token-too-long", "too-many-members", "version-too-long", "int-overflow"):
        assert any(i.startswith(f"parse-invalid-{code}-") for i in ids), code
    limits = [case for case in SUITE.cases if case.id.startswith("parse-valid-limit-")]
    assert len(limits) >= 12


def test_the_generated_files_are_up_to_date() -> None:
    assert generate.stale(CASES) == [], "run 'python conformance/tools/generate_cases.py' and commit the files"


def test_the_spec_examples_are_extracted_up_to_date() -> None:
    assert not stale_examples(SPEC, CASES), "run 'migcompat cases extract' and commit the file"
    examples = SUITE.files[EXAMPLES_FILE]
    assert len(examples) >= 40
    assert {case.data["input"] for case in examples} == {example.text for example in SPEC.examples}
    assert all(case.level == "required" for case in examples)


def test_the_case_schema_knows_every_code() -> None:
    schema = json.loads((ROOT / "spec" / "schema" / "case-file.schema.json").read_text())
    assert schema["$defs"]["error_code"]["enum"] == list(ERROR_CODES)


def test_the_retired_list_is_valid_and_disjoint() -> None:
    assert not set(SUITE.retired) & set(SUITE.by_id())
    assert (CASES / RETIRED_FILE).exists()


# ---- the specification as data ----------------------------------------------------------


def test_the_spec_reader_finds_clauses_requirements_rows_and_codes() -> None:
    assert {"4.1", "7", "8", "8.4", "8.5", "9.1", "12.2", "12.3"} <= set(SPEC.must_clauses)
    assert "2.1" not in SPEC.must_clauses
    assert {f"E{i}" for i in range(1, 9)} | {f"P{i}" for i in range(1, 6)} | {f"C{i}" for i in range(1, 6)} == set(
        SPEC.requirements
    )
    assert SPEC.rows["8.1-EQ3"] == "8.1"
    assert SPEC.rows["8.8-RC13"] == "8.8"
    assert SPEC.error_codes == tuple(ERROR_CODES)
    assert {"E5", "10.5"} <= set(SPEC.device_units)
    assert SPEC.covered_by(["8.1-EQ1", "leading-zero"]) == {"8.1-EQ1", "8.1", "leading-zero", "7.3"}


def test_every_sentence_that_states_a_requirement_has_an_identifier() -> None:
    """Clause 12.4, item 5: each MUST sentence is a mandatory unit of its own, so that a clause with three MUSTs is
    not covered by a case that tests one (an implementer's review: clause 7's check order had no case)."""
    assert SPEC.unlabelled() == []
    assert len(SPEC.musts) == 33
    assert SPEC.musts["7-M2"] == "7" and SPEC.musts["10.5-M3"] == "10.5"
    for ident, clause in SPEC.musts.items():
        assert ident.startswith(clause + "-M")
    ranks: dict[str, list[int]] = {}
    for ident, clause in SPEC.musts.items():
        ranks.setdefault(clause, []).append(int(ident.rpartition("-M")[2]))
    assert all(sorted(found) == list(range(1, len(found) + 1)) for found in ranks.values()), ranks
    assert SPEC.covered_by(["7-M2"]) == {"7-M2", "7"}
    assert SPEC.mandatory_units()["7-M2"] == "must"


def test_a_requirement_sentence_without_an_identifier_is_found(tmp_path: Path) -> None:
    text = (ROOT / "spec" / "migcompat.rst").read_text(encoding="utf-8")
    stripped = text.replace(":must:`7-M2` ", "", 1)
    assert stripped != text
    (tmp_path / "spec.rst").write_text(stripped, encoding="utf-8")
    spec = read_spec(tmp_path / "spec.rst")
    assert [(clause, sentence[:40]) for clause, sentence in spec.unlabelled()] == [
        ("7", "The checks apply in this order, and a pa")
    ]
    report = lint(CASES, spec)
    assert any("clause 7 states a requirement without an identifier" in error for error in report.errors)
    (tmp_path / "twice.rst").write_text(text.replace(":must:`7-M3`", ":must:`7-M2`"), encoding="utf-8")
    with pytest.raises(ValueError, match="7-M2 appears twice"):
        read_spec(tmp_path / "twice.rst")
    (tmp_path / "moved.rst").write_text(text.replace(":must:`7-M3`", ":must:`8-M9`"), encoding="utf-8")
    with pytest.raises(ValueError, match="8-M9 is in clause 7"):
        read_spec(tmp_path / "moved.rst")


def test_the_driver_checks_cite_the_sentences_tested_on_devices() -> None:
    from migcompat.conformance.registry import CHECKS, SENTENCES, checks_citing

    assert set(SENTENCES) <= set(CHECKS)
    assert {ident for idents in SENTENCES.values() for ident in idents} <= set(SPEC.musts)

    assert checks_citing("10.5-M1") == ["MC-E5-MODE", "MC-E5-STABLE"]
    assert checks_citing("10-M1") == ["MC-SYSFS-PLACEMENT"]
    assert all(checks_citing(unit) for unit in SPEC.device_units)


def test_every_reason_code_has_a_row_in_the_spec() -> None:
    text = SPEC.clauses["8.8"].text
    for code in REASON_CODES:
        assert f"``{code}``" in text, code


# ---- the checks catch a broken suite ----------------------------------------------------


def test_lint_catches_a_duplicate_id(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    _edit(directory, "relate.json", lambda d: d["cases"].append(dict(d["cases"][0])))
    report = lint(directory, SPEC)
    assert any("used more than once" in e for e in report.errors)


def test_lint_catches_a_retired_id_that_reappears(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    victim = SUITE.files["relate.json"][0].id
    _edit(directory, RETIRED_FILE, lambda d: d["retired"].append({"id": victim, "reason": "test"}))
    report = lint(directory, SPEC)
    assert any("is retired" in e for e in report.errors)


def test_lint_catches_an_unknown_clause_and_an_invalid_model(tmp_path: Path) -> None:
    directory = _copy(tmp_path)

    def change(document: dict[str, Any]) -> None:
        document["cases"][0]["clauses"].append("99.9")
        document["cases"][1]["expect"]["model"]["fields"] = {}

    _edit(directory, "parse-valid.json", change)
    report = lint(directory, SPEC)
    assert any("99.9" in e for e in report.errors)
    assert any("not valid" in e or "schema" in e for e in report.errors)


def test_lint_reports_lost_coverage(tmp_path: Path) -> None:
    directory = _copy(tmp_path)

    def drop(document: dict[str, Any]) -> None:
        document["cases"] = [c for c in document["cases"] if "8.7-RL4" not in c["clauses"]]

    _edit(directory, "relate.json", drop)
    report = lint(directory, SPEC)
    assert "8.7-RL4" in report.coverage["row"].missing
    assert not report.ok


def test_lint_catches_a_schema_violation(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    _edit(directory, "emit.json", lambda d: d["cases"][0].update(level="mandatory"))
    report = lint(directory, SPEC)
    assert any("schema" in e for e in report.errors)


def test_a_schema_violation_is_reported_at_the_member_that_is_wrong(tmp_path: Path) -> None:
    """A case is validated against its kind's definition only, so the error names the member, not every kind."""
    directory = _copy(tmp_path)

    def change(document: dict[str, Any]) -> None:
        del document["cases"][3]["expect"]["verdict"]
        document["cases"][5]["kind"] = "chek"

    _edit(directory, "check.json", change)
    schema_errors = [e for e in lint(directory, SPEC).errors if "schema" in e]
    assert "check.json: schema: at /cases/3/expect: 'verdict' is a required property" in schema_errors
    assert any(e.startswith("check.json: schema: at /cases/5/kind: 'chek' is not one of") for e in schema_errors)
    assert not any("any of the given schemas" in e for e in schema_errors)
    retired = {"format": "migcompat-retired-1", "description": "d", "retired": [{"id": "check-x-001"}]}
    errors = list(validator("case-file.schema.json").iter_errors(retired))
    assert [(list(e.absolute_path), e.message) for e in errors] == [(["retired", 0], "'reason' is a required property")]


def _several(document: dict[str, Any], index: int) -> dict[str, Any]:
    """The *index*-th case of a parse-invalid file that has alternatives."""
    found: list[dict[str, Any]] = [case for case in document["cases"] if "alternatives" in case["expect"]]
    return found[index]


def test_lint_checks_every_code_of_a_case_with_alternatives(tmp_path: Path) -> None:
    directory = _copy(tmp_path)

    def change(document: dict[str, Any]) -> None:
        _several(document, 0)["expect"]["alternatives"][0]["code"] = "no-such-code"
        second = _several(document, 1)["expect"]
        second["code"], second["alternatives"][0]["code"] = "syntax", "nul"
        _several(document, 2)["expect"]["alternatives"][0]["code"] = _several(document, 2)["expect"]["code"]

    _edit(directory, "parse-invalid.json", change)
    errors = lint(directory, SPEC).errors
    assert any(e.endswith("unknown error code no-such-code") for e in errors), errors
    assert any("this library rejects the input with unreduced-ratio, not syntax or nul" in e for e in errors), errors
    assert any(e.endswith("an error code is expected twice") for e in errors), errors


@pytest.mark.parametrize(
    ("alternatives", "problem"),
    [
        ([], "expect.alternatives is not a non-empty list"),
        (["leading-zero"], "expect.alternatives[0] is not an object"),
        ([{"line": 1, "column": 2}], "expect.alternatives[0] lacks 'code'"),
        ([{"code": "nul", "line": 1}], "expect.alternatives[0].line and expect.alternatives[0].column go together"),
        ([{"code": "nul", "at": 3}], "expect.alternatives[0] has unexpected"),
    ],
)
def test_malformed_alternatives_are_problems_of_the_case(tmp_path: Path, alternatives: object, problem: str) -> None:
    directory = _copy(tmp_path)
    _edit(directory, "parse-invalid.json", lambda d: _several(d, 0)["expect"].update(alternatives=alternatives))
    problems = load_suite(directory).problems
    assert any(problem in p for p in problems), problems


def _with_text(document: dict[str, Any]) -> dict[str, Any]:
    return next(case for case in document["cases"] if "document_text" in case)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda case: case.update(document={}), 'exactly one of "document" and "document_text" is required'),
        (lambda case: case.pop("document_text"), 'exactly one of "document" and "document_text" is required'),
        (lambda case: case.update(document_text='{"a": 1,\n"a": 2}'), '"document_text" is not JSON text on one line'),
        (lambda case: case.update(document_text=""), '"document_text" is not JSON text on one line'),
        (lambda case: case.update(document_text='{"a": 1}}'), '"document_text" is not JSON text: '),
        (lambda case: case.update(document_text="[" * 100 + "]" * 100), "nested too deeply"),
    ],
)
def test_an_emit_invalid_case_has_its_document_as_a_value_or_as_text(tmp_path: Path, change: Any, problem: str) -> None:
    directory = _copy(tmp_path)
    edited: list[dict[str, Any]] = []
    _edit(directory, "emit.json", lambda d: (edited.append(_with_text(d)), change(edited[0])))
    problems = load_suite(directory).problems
    assert any(problem in p for p in problems), problems
    if "is not JSON text: " not in problem and "nested" not in problem:  # the schema cannot say what JSON text is
        assert list(validator("case-file.schema.json", "/$defs/emit_invalid").iter_errors(edited[0]))


def _with_model_text(document: dict[str, Any]) -> dict[str, Any]:
    return next(case for case in document["cases"] if "model_text" in case)


MODEL = {"attribute": "migration_compatible_devices", "defaults": {}, "format": 1, "rules": []}


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda case: case.update(model=MODEL), 'exactly one of "model" and "model_text" is required'),
        (lambda case: case.pop("model_text"), 'exactly one of "model" and "model_text" is required'),
        (
            lambda case: case.update(model_text='{"format": 1.0,\n"rules": []}'),
            '"model_text" is not JSON text on one line',
        ),
        (lambda case: case.update(model_text='{"format": 1.0}\r'), '"model_text" is not JSON text on one line'),
        (lambda case: case.update(model_text=""), '"model_text" is not JSON text on one line'),
        (lambda case: case.update(model_text=MODEL), '"model_text" is not JSON text on one line'),
        (lambda case: case.update(model_text='{"format": 1.0}}'), '"model_text" is not JSON text: '),
        (lambda case: case.update(model_text='{"format": 1.0, "format": 1}'), 'the member "format" appears twice'),
        (lambda case: case.update(model_text="[1.0]"), '"model_text" is not the text of a JSON object'),
    ],
)
def test_an_emit_case_has_its_model_as_a_value_or_as_one_line_of_json_text(
    tmp_path: Path, change: Any, problem: str
) -> None:
    """model_text, like document_text, is JSON text on one line, which the runner writes into a request line as it is;
    a valid model being an object without a member twice (clause 5.8), it is read strictly. The problem names the
    case."""
    directory = _copy(tmp_path)
    edited: list[dict[str, Any]] = []
    _edit(directory, "emit.json", lambda d: (edited.append(_with_model_text(d)), change(edited[0])))
    problems = load_suite(directory).problems
    named = [p for p in problems if f"({edited[0]['id']})" in p]
    assert any(problem in p for p in named), problems
    assert edited[0]["id"] not in load_suite(directory).by_id()  # left out of the suite
    if "is not JSON text: " not in problem and "twice" not in problem and "object" not in problem:
        assert list(validator("case-file.schema.json", "/$defs/emit").iter_errors(edited[0]))


def test_an_emit_case_given_as_text_is_checked_as_its_model(tmp_path: Path) -> None:
    """cases check reads model_text by the number rule: a $N length written 2.00 is 2, one written 2.50 is no
    integer, so that case's model is not valid."""
    directory = _copy(tmp_path)
    edited: list[dict[str, Any]] = []

    def change(document: dict[str, Any]) -> None:
        case = next(case for case in document["cases"] if '"length": 2.00' in case.get("model_text", ""))
        case["model_text"] = case["model_text"].replace('"length": 2.00', '"length": 2.50')
        edited.append(case)

    assert not [e for e in lint(CASES, SPEC, SUITE).errors if "emit-number-" in e]
    _edit(directory, "emit.json", change)
    assert not load_suite(directory).problems
    errors = lint(directory, SPEC).errors
    assert [e for e in errors if edited[0]["id"] in e and "an expected value is not valid" in e], errors


def test_lint_catches_stale_spec_examples(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    _edit(directory, EXAMPLES_FILE, lambda d: d["cases"].pop())
    report = lint(directory, SPEC)
    assert any("not up to date" in e for e in report.errors)


def test_the_generator_retires_dropped_ids(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    files = generate.build()
    dropped = files["relate.json"].pop(0)["id"]
    texts = generate.expected_files(directory, files)
    retired = json.loads(texts[RETIRED_FILE])["retired"]
    assert dropped in {entry["id"] for entry in retired}


def test_the_generator_refuses_a_retired_id(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    victim = SUITE.files["relate.json"][0].id
    _edit(directory, RETIRED_FILE, lambda d: d["retired"].append({"id": victim, "reason": "test"}))
    with pytest.raises(ValueError, match="retired"):
        generate.expected_files(directory)


# ---- loading and selecting --------------------------------------------------------------


def test_a_malformed_case_is_left_out_with_a_reason(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    _edit(directory, "relate.json", lambda d: d["cases"][0].pop("expect"))
    suite = load_suite(directory)
    assert suite.problems
    assert len(suite.cases) == len(SUITE.cases) - 1


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"kind": "nonsense"}, "unknown kind"),
        ({"id": "Upper Case"}, "bad id"),
        ({"level": "must"}, "bad level"),
        ({"spec_versions": {"since": "one"}}, "bad spec_versions"),
        ({"clauses": []}, "bad clauses"),
        ({"input_base64": "AAAA"}, "exactly one"),
    ],
)
def test_case_problems(change: dict[str, Any], problem: str) -> None:
    case = SUITE.files["parse-invalid.json"][0].to_json() | change
    assert any(problem in p for p in case_problems(case))


def test_selection_by_glob_kind_level_and_spec_version() -> None:
    case = SUITE.cases[0]
    assert Selection(run=[case.id]).selects(case)
    assert not Selection(skip=["parse-*", "spec-*"]).selects(SUITE.by_id()["parse-invalid-nul-001"])
    assert Selection(kinds=["check"], level="recommended").selects(SUITE.by_id()["check-type-should-001"])
    assert not Selection(spec="0.9").selects(case)
    assert Selection(spec="1.7").selects(case)
    limited = type(case)(**{**case.__dict__, "until": "1.2"})
    assert limited.applies_to("1.1")
    assert not limited.applies_to("1.2")


def test_bytes_json_cannot_carry_use_base64() -> None:
    for case in SUITE.cases:
        if case.kind in ("parse-valid", "parse-invalid"):
            raw = case.input_bytes()
            plain = all(b == 0x0A or 0x20 <= b <= 0x7E for b in raw)
            assert ("input" in case.data) == plain or case.file == EXAMPLES_FILE, case.id
    assert SUITE.by_id()["parse-invalid-nul-001"].input_bytes().endswith(b"\x00")


# ---- list and copy ----------------------------------------------------------------------


def test_cases_list() -> None:
    result = CliRunner().invoke(main, ["cases", "list", "--kind", "relate"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == len(SUITE.files["relate.json"])
    assert all("\trelate\t" in line for line in lines)
    result = CliRunner().invoke(main, ["cases", "list", "--run", "parse-invalid-nul-*", "--format", "json"])
    assert [c["id"] for c in json.loads(result.output)] == [
        "parse-invalid-nul-001",
        "parse-invalid-nul-002",
        "parse-invalid-nul-003",
    ]


def test_cases_copy_writes_a_suite_that_checks(tmp_path: Path) -> None:
    destination = tmp_path / "vendored"
    result = CliRunner().invoke(main, ["cases", "copy", str(destination), "--kind", "check"])
    assert result.exit_code == 0, result.output
    copied = load_suite(destination)
    assert {case.kind for case in copied.cases} == {"check"}
    assert (destination / "schema" / "case-file.schema.json").exists()
    check = validator("case-file.schema.json")
    for path in destination.glob("*.json"):
        assert not list(check.iter_errors(json.loads(path.read_text()))), path
    again = CliRunner().invoke(main, ["cases", "copy", str(destination)])
    assert again.exit_code == 3  # an output it will not write, not a negative answer
    assert "error[output-unwritable]" in again.stderr and "use --force to overwrite" in again.stderr
    forced = CliRunner().invoke(main, ["cases", "copy", str(destination), "--force"])
    assert forced.exit_code == 0, forced.output


def test_cases_extract_check_mode() -> None:
    assert CliRunner().invoke(main, ["cases", "extract", "--check"]).exit_code == 0


@pytest.mark.slow  # seconds: CI's slow run keeps it
def test_the_generator_script_check_mode(tmp_path: Path) -> None:
    def script(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, str(GENERATE), *args]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    current = script("--check")
    assert (current.returncode, current.stdout) == (0, "up to date\n"), current.stderr
    directory = _copy(tmp_path)
    _edit(directory, "relate.json", lambda d: d["cases"].pop())
    stale = script("--check", "--cases", str(directory))
    assert (stale.returncode, stale.stdout) == (1, "not up to date: relate.json\n"), stale.stderr
    assert script("--cases", str(directory)).stdout == "wrote relate.json\n"
    assert script("--check", "--cases", str(directory)).returncode == 0
    assert "--check" in script("--help").stdout
