"""The conformance runner: migcompat passes its own cases through the external protocol (dogfood),
and deliberately broken implementations are caught with the right failure category."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
import uuid
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from migcompat.cases.model import Case, Selection, load_suite
from migcompat.cases.report import json_report, junit_report, text_report
from migcompat.cases.runner import NOT_RUN, Options, Programs, Result, run_cases
from migcompat.cases.schemas import validator
from migcompat.cli import main
from migcompat.limits import SPEC_VERSION
from timebounds import bound

RUNS_LONG = True  # queued first in the default run (conftest.py)

ROOT = Path(__file__).resolve().parents[1]
ADAPTERS = ROOT / "conformance" / "adapters"
ADAPTER = ADAPTERS / "migcompat_adapter.py"
SUITE = load_suite(ROOT / "conformance" / "cases")


def command(script: Path, *words: str) -> tuple[str, ...]:
    return (sys.executable, str(script), *words)


def dogfood(persistent: bool) -> Programs:
    if persistent:
        serve = command(ADAPTER, "serve")
        return Programs(parser=serve, emitter=serve, checker=serve, persistent=True)
    return Programs(
        parser=command(ADAPTER, "parse"), emitter=command(ADAPTER, "emit"), checker=command(ADAPTER, "check")
    )


def sample(per_kind: int) -> list[Case]:
    """A few cases of every kind, spread over the suite."""
    chosen: list[Case] = []
    for kind in ("parse-valid", "parse-invalid", "emit", "emit-invalid", "check", "relate"):
        of_kind = [case for case in SUITE.cases if case.kind == kind and case.applies_to(SPEC_VERSION)]
        step = max(1, len(of_kind) // per_kind)
        chosen.extend(of_kind[::step][:per_kind])
    return chosen


def outcomes(results: list[Result]) -> dict[str, str]:
    return {result.case.id: result.outcome for result in results}


# ---- dogfood ------------------------------------------------------------------------------


def test_dogfood_the_whole_suite_through_the_persistent_protocol() -> None:
    """migcompat's own parser, emitter and checker pass every case of the revision they implement."""
    current = [case for case in SUITE.cases if case.applies_to(SPEC_VERSION)]
    results = run_cases(current, dogfood(persistent=True), Options(timeout=20))
    failed = [f"{r.case.id}: {r.outcome}: {r.detail}" for r in results if r.outcome != "pass"]
    assert not failed, "\n".join(failed)
    assert len(results) == len(current)
    # The cases of 1.0 whose expectation 1.1 changed are not passed by a 1.1 implementation.
    older = [case for case in SUITE.cases if not case.applies_to(SPEC_VERSION)]
    assert older
    assert all(r.outcome != "pass" for r in run_cases(older, dogfood(persistent=True), Options(timeout=20)))


@pytest.mark.slow  # heavy: keeps the default run within two minutes; .ci/run runs it
def test_dogfood_a_sample_process_per_case() -> None:
    cases = sample(8)
    results = run_cases(cases, dogfood(persistent=False), Options(timeout=30, parallel=2))
    failed = [f"{r.case.id}: {r.outcome}: {r.detail}" for r in results if r.outcome != "pass"]
    assert not failed, "\n".join(failed)
    assert len(results) >= 40


def test_dogfood_through_the_command_line(tmp_path: Path) -> None:
    serve = shlex.join(command(ADAPTER, "serve"))
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    args = ["cases", "run", "--persistent", "--parser", serve, "--emitter", serve, "--checker", serve]
    args += ["--junit", str(junit), "--json", str(report), "--run", "check-*"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "PASSED" in result.output
    tree = ElementTree.parse(junit)
    assert int(tree.getroot().get("tests") or 0) == sum(
        1 for c in SUITE.cases if c.kind == "check" and c.applies_to(SPEC_VERSION)
    )
    document = json.loads(report.read_text())
    assert document["summary"]["ok"] is True
    counts = document["summary"]["outcomes"]
    assert counts["pass"] == sum(1 for c in SUITE.cases if c.kind == "check" and c.applies_to(SPEC_VERSION))
    assert sum(counts.values()) == counts["pass"]


# ---- broken implementations ---------------------------------------------------------------

SELECTION = Selection(
    run=[
        "parse-valid-final-lf-00[12]",
        "parse-invalid-nul-00[12]",
        "parse-invalid-syntax-001",
        "emit-version-001",
        "emit-invalid-00[12]",
        "check-rule-00[12]",
        "check-verdict-no-rules-001",
        "relate-disjoint-001",
    ]
)
BROKEN_CASES = SUITE.select(SELECTION)


def broken(name: str, persistent: bool) -> Programs:
    script = ADAPTERS / "broken" / f"{name}.py"
    if persistent:
        serve = command(script, "serve")
        return Programs(parser=serve, emitter=serve, checker=serve, persistent=True)
    return Programs(parser=command(script, "parse"), emitter=command(script, "emit"), checker=command(script, "check"))


@pytest.mark.parametrize("persistent", [False, True], ids=["process-per-case", "persistent"])
@pytest.mark.parametrize(("name", "category"), [("crash", "crash"), ("hang", "timeout"), ("garbage", "garbage")])
def test_a_broken_implementation_is_caught_with_its_category(name: str, category: str, persistent: bool) -> None:
    started = time.monotonic()
    # Only the hanging program gets a short timeout: on a loaded machine, starting a Python adapter for a
    # crashing or garbage-writing one can itself take longer than half a second.
    timeout = 0.5 if category == "timeout" else 20
    results = run_cases(BROKEN_CASES, broken(name, persistent), Options(timeout=timeout, parallel=4))
    assert len(results) == len(BROKEN_CASES) >= 10
    if category == "timeout":  # after 3 timeouts in a row a program's remaining cases are not run
        not_run = {r.case.id for r in results if r.outcome == "skip" and r.detail.startswith(f"{NOT_RUN}: ")}
        assert {r.case.id for r in results if r.outcome != "timeout"} == not_run, outcomes(results)
        assert {r.case.program for r in results if r.outcome == "timeout"} == {"parser", "emitter", "checker"}
    else:
        assert set(outcomes(results).values()) == {category}, outcomes(results)
    assert time.monotonic() - started < bound(60)


@pytest.mark.parametrize("persistent", [False, True], ids=["process-per-case", "persistent"])
def test_an_implementation_that_accepts_everything_is_wrong(persistent: bool) -> None:
    results = run_cases(BROKEN_CASES, broken("accept_everything", persistent), Options(timeout=10, parallel=4))
    found = outcomes(results)
    assert set(found.values()) <= {"pass", "wrong"}, found
    for identifier in ("parse-invalid-nul-001", "emit-invalid-001", "check-rule-001", "check-verdict-no-rules-001"):
        assert found[identifier] == "wrong", identifier
    assert found["relate-disjoint-001"] == "wrong"


def _sleepers(token: str) -> int:
    """The processes alive that carry *token* in their environment: this test's adapters and what they started."""
    found = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or entry.name == str(os.getpid()):
            continue
        try:
            environment = (entry / "environ").read_bytes()
        except OSError:
            continue  # gone, or not ours to read
        if token.encode() in environment:
            found += 1
    return found


def test_a_hanging_implementation_leaves_no_process_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    token = f"migcompat-test-{uuid.uuid4()}"
    monkeypatch.setenv("MIGCOMPAT_TEST_TOKEN", token)  # inherited by the adapters, and only by them
    run_cases(BROKEN_CASES[:3], broken("hang", persistent=False), Options(timeout=0.3))
    run_cases(BROKEN_CASES[:3], broken("hang", persistent=True), Options(timeout=0.3))
    deadline = time.monotonic() + 5
    while _sleepers(token) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _sleepers(token) == 0


def test_a_flood_of_output_is_cut_at_the_limit() -> None:
    cases = SUITE.select(Selection(run=["emit-version-00*"]))
    results = run_cases(cases, broken("garbage", persistent=False), Options(timeout=20))
    assert {r.outcome for r in results} == {"garbage"}
    assert all("more than" in r.detail for r in results)


def test_a_missing_program_is_a_crash_not_an_exception() -> None:
    programs = Programs(parser=("/nonexistent/parser",), checker=("/nonexistent/checker",))
    results = run_cases(BROKEN_CASES, programs, Options(timeout=2))
    assert {r.outcome for r in results if r.case.program != "emitter"} == {"crash"}
    assert {r.outcome for r in results if r.case.program == "emitter"} == {"skip"}
    persistent = Programs(parser=("/nonexistent/parser",), persistent=True)
    parse_cases = [case for case in BROKEN_CASES if case.program == "parser"]
    assert {r.outcome for r in run_cases(parse_cases, persistent, Options(timeout=2))} == {"crash"}


# ---- protocol details ---------------------------------------------------------------------


def _script(tmp_path: Path, body: str) -> tuple[str, ...]:
    path = tmp_path / "program.py"
    path.write_text("import sys, json\n" + body)
    return (sys.executable, str(path))


@pytest.mark.parametrize(
    ("line", "outcome"), [("1", "pass"), ("1.0", "pass"), ("0", "garbage"), ("-1", "garbage"), ("true", "garbage")]
)
def test_a_rejection_s_line_is_an_integer_from_one(tmp_path: Path, line: str, outcome: str) -> None:
    """protocol-response.schema.json: a line and a column count from 1; a line 0 is no place in the input."""
    answer = '{"code": "empty", "line": ' + line + ', "column": 1}'
    parser = _script(tmp_path, f"sys.stdin.buffer.read()\nprint({answer!r})\nsys.exit(1)\n")
    result = run_cases(SUITE.select(Selection(run=["parse-invalid-empty-001"])), Programs(parser=parser), Options())
    assert [r.outcome for r in result] == [outcome], [r.detail for r in result]
    if outcome == "garbage":
        assert 'the error\'s "line" is not an integer from 1' in result[0].detail


def test_a_rejection_without_a_code_passes_unless_codes_are_required(tmp_path: Path) -> None:
    parser = _script(tmp_path, "sys.stdin.buffer.read()\nsys.exit(1)\n")
    cases = SUITE.select(Selection(run=["parse-invalid-nul-001"]))
    assert run_cases(cases, Programs(parser=parser), Options())[0].outcome == "pass"
    strict = run_cases(cases, Programs(parser=parser), Options(require_codes=True))[0]
    assert strict.outcome == "wrong"


def test_a_wrong_code_or_position_is_wrong(tmp_path: Path) -> None:
    cases = SUITE.select(Selection(run=["parse-invalid-nul-001"]))
    code = _script(tmp_path, 'sys.stdin.buffer.read()\nprint(json.dumps({"code": "syntax"}))\nsys.exit(1)\n')
    assert run_cases(cases, Programs(parser=code), Options())[0].outcome == "wrong"
    where = _script(
        tmp_path, 'sys.stdin.buffer.read()\nprint(json.dumps({"code": "nul", "line": 1, "column": 1}))\nsys.exit(1)\n'
    )
    result = run_cases(cases, Programs(parser=where), Options())[0]
    assert result.outcome == "wrong"
    assert "column" in result.detail


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ({"code": "leading-zero", "line": 1, "column": 7}, "pass"),
        ({"code": "duplicate-key", "line": 1, "column": 10}, "pass"),
        ({"code": "duplicate-key"}, "pass"),
        ({"code": "duplicate-key", "line": 1, "column": 7}, "wrong"),
        ({"code": "syntax"}, "wrong"),
    ],
)
def test_either_code_of_two_conditions_passes_at_its_own_position(
    tmp_path: Path, answer: dict[str, object], outcome: str
) -> None:
    """Clause 7: of two conditions of clause 7.3, a parser reports either; each has its own position."""
    case = SUITE.by_id()["parse-invalid-several-001"]
    assert [case.expect["code"], *(a["code"] for a in case.expect["alternatives"])] == ["leading-zero", "duplicate-key"]
    parser = _script(tmp_path, f"sys.stdin.buffer.read()\nprint(json.dumps({answer!r}))\nsys.exit(1)\n")
    result = run_cases([case], Programs(parser=parser), Options())[0]
    assert result.outcome == outcome, result.detail
    if outcome == "wrong" and answer["code"] == "syntax":
        assert "expected leading-zero or duplicate-key" in result.detail


LENIENT_EMITTER = """
from migcompat import emit, from_json
sys.set_int_max_str_digits(0)  # an integer of any length read (emit-invalid-number-008 has 5000 digits)
def answer(document):
    try:
        return emit(from_json(document))
    except Exception:
        return None
"""


@pytest.mark.parametrize("persistent", [False, True], ids=["process-per-case", "persistent"])
def test_an_emitter_that_keeps_the_last_of_two_members_is_wrong(tmp_path: Path, persistent: bool) -> None:
    """The document_text cases of a member twice reach the emitter as text in both modes, so a reader that lets the
    last of two members win accepts them, and is caught; migcompat's own adapter rejects them (the dogfood runs)."""
    cases = [case for case in SUITE.cases if "document_text" in case.data and case.id.startswith("emit-invalid-twice-")]
    assert len(cases) >= 5
    lines = tmp_path / "lines"
    if persistent:
        body = LENIENT_EMITTER + (
            f"seen = open({str(lines)!r}, 'w')\n"
            "for line in sys.stdin:\n"
            "    seen.write(line)\n"
            "    seen.flush()\n"
            "    request = json.loads(line)\n"
            "    text = answer(request['model'])\n"
            "    status = {'status': 'ok', 'result': text} if text else {'status': 'rejected'}\n"
            "    print(json.dumps({'id': request['id'], **status}), flush=True)\n"
        )
    else:
        body = LENIENT_EMITTER + "text = answer(json.load(sys.stdin))\nsys.stdout.write(text or '')\n"
        body += "sys.exit(not text)\n"
    results = run_cases(cases, Programs(emitter=_script(tmp_path, body), persistent=persistent), Options(timeout=20))
    assert {result.outcome for result in results} == {"wrong"}, [(r.case.id, r.outcome, r.detail) for r in results]
    assert all("accepted a document that is not a valid data model" in result.detail for result in results)
    if persistent:  # each request line holds the case's text verbatim as the value of "model"
        seen = lines.read_text(encoding="utf-8").splitlines()
        for case in cases:
            assert sum(line.endswith(f', "model": {case.data["document_text"]}}}') for line in seen) == 1


ROUNDED = ("1.00000000000000000001", "0.99999999999999999999", "2.00000000000000000001")
"""The numbers of the number cases that a binary float rounds to an integer."""


@pytest.mark.parametrize("persistent", [False, True], ids=["process-per-case", "persistent"])
def test_model_text_reaches_the_emitter_verbatim_and_a_float_reader_is_caught(tmp_path: Path, persistent: bool) -> None:
    """The model_text cases reach the emitter as the text the case writes, in both modes (clause 12.5), as do the
    number cases' document_text: an emitter that reads numbers as binary floats takes 1.0 and 10E-1 for 1 (clause
    2.4), so it passes the emit cases, and is caught on 1.00000000000000000001, which it rounds to 1."""
    given = [case for case in SUITE.cases if "model_text" in case.data and case.applies_to(SPEC_VERSION)]
    assert len(given) >= 7
    assert {case.kind for case in given} == {"emit"}
    numbers = [case for case in SUITE.cases if case.id.startswith("emit-invalid-number-")]
    assert len(numbers) >= 7
    texts = {case.id: case.data.get("model_text") or case.data["document_text"] for case in [*given, *numbers]}
    seen = tmp_path / "seen"
    if persistent:
        body = LENIENT_EMITTER + (
            f"seen = open({str(seen)!r}, 'w')\n"
            "for line in sys.stdin:\n"
            "    seen.write(line)\n"
            "    seen.flush()\n"
            "    request = json.loads(line)\n"
            "    text = answer(request['model'])\n"
            "    status = {'status': 'ok', 'result': text} if text else {'status': 'rejected'}\n"
            "    print(json.dumps({'id': request['id'], **status}), flush=True)\n"
        )
    else:  # each input on a line of its own: the texts are one line each, and a write in append mode is atomic
        body = LENIENT_EMITTER + (
            "data = sys.stdin.read()\n"
            f"with open({str(seen)!r}, 'a') as seen:\n"
            "    seen.write(data + '\\n')\n"
            "text = answer(json.loads(data))\n"
            "sys.stdout.write(text or '')\n"
            "sys.exit(not text)\n"
        )
    program = _script(tmp_path, body)
    results = run_cases([*given, *numbers], Programs(emitter=program, persistent=persistent), Options(timeout=20))
    found = {result.case.id: result.outcome for result in results}
    rounded = {identifier for identifier, text in texts.items() if any(number in text for number in ROUNDED)}
    assert len(rounded) == 3
    assert found == {identifier: "wrong" if identifier in rounded else "pass" for identifier in texts}, [
        (r.case.id, r.outcome, r.detail) for r in results
    ]
    lines = seen.read_text(encoding="utf-8").splitlines()
    for identifier, text in texts.items():
        if persistent:  # the value of "model", unquoted
            assert sum(line.endswith(f', "model": {text}}}') for line in lines) == 1, identifier
        else:  # standard input, byte for byte
            assert lines.count(text) == 1, identifier


def test_a_response_with_another_id_is_garbage(tmp_path: Path) -> None:
    body = 'for line in sys.stdin:\n    print(json.dumps({"id": "x", "status": "ok", "result": {}}), flush=True)\n'
    program = _script(tmp_path, body)
    cases = SUITE.select(Selection(run=["check-rule-00[12]"]))
    results = run_cases(cases, Programs(checker=program, persistent=True), Options(timeout=5))
    assert {r.outcome for r in results} == {"garbage"}


def test_exit_status_one_for_a_check_request_is_wrong_and_for_relate_a_skip(tmp_path: Path) -> None:
    program = _script(tmp_path, "sys.stdin.read()\nsys.exit(1)\n")
    cases = SUITE.select(Selection(run=["check-rule-001", "relate-disjoint-001"]))
    found = outcomes(run_cases(cases, Programs(checker=program), Options()))
    assert found == {"check-rule-001": "wrong", "relate-disjoint-001": "skip"}


def test_a_wrong_witness_is_wrong(tmp_path: Path) -> None:
    answer = {"relation": "disjoint", "only_first": "mc1 a=2\n", "only_second": None, "both": None}
    program = _script(tmp_path, f"sys.stdin.read()\nprint(json.dumps({answer!r}))\n")
    cases = SUITE.select(Selection(run=["relate-disjoint-001"]))
    result = run_cases(cases, Programs(checker=program), Options())[0]
    assert result.outcome == "wrong"
    assert "witness" in result.detail


def test_a_choice_that_matches_no_rule_is_wrong(tmp_path: Path) -> None:
    answer = {"verdict": "compatible", "choice": {"aggregate": "3"}}
    program = _script(tmp_path, f"sys.stdin.read()\nprint(json.dumps({answer!r}))\n")
    cases = SUITE.select(Selection(run=["check-type-001"]))
    result = run_cases(cases, Programs(checker=program), Options())[0]
    assert result.outcome == "wrong"
    assert "no rule matches" in result.detail


def test_a_choice_that_names_a_key_the_type_does_not_declare_is_wrong(tmp_path: Path) -> None:
    """12.5-M1: the choice gives a declared value for every parameter, and names nothing else."""
    answer = {"verdict": "compatible", "choice": {"aggregate": "1", "zz_not_a_param": "1"}}
    program = _script(tmp_path, f"sys.stdin.read()\nprint(json.dumps({answer!r}))\n")
    case = SUITE.by_id()["check-type-001"]
    assert case.expect["parameters"].keys() == {"aggregate"}
    result = run_cases([case], Programs(checker=program), Options())[0]
    assert result.outcome == "wrong" and "zz_not_a_param, which the type declares no param line" in result.detail


@pytest.mark.parametrize("persistent", [False, True], ids=["process-per-case", "persistent"])
def test_an_answer_with_a_member_written_twice_is_garbage(tmp_path: Path, persistent: bool) -> None:
    """Clause 5.8: an object with two members of one name is no data model; a lenient reader keeps the last."""
    good = '{"verdict": "incompatible", "verdict": "compatible", "grade": "accepted", "matched_rule": 0}'
    if persistent:
        line = '{"id": "%s", "status": "ok", "result": ' + good + "}"
        body = f"for line in sys.stdin:\n    print({line!r} % json.loads(line)['id'], flush=True)\n"
    else:
        body = f"sys.stdin.read()\nprint({good!r})\n"
    cases = SUITE.select(Selection(run=["check-rule-001"]))
    result = run_cases(cases, Programs(checker=_script(tmp_path, body), persistent=persistent), Options(timeout=5))
    assert [r.outcome for r in result] == ["garbage"], [r.detail for r in result]
    assert 'the member "verdict" appears twice' in result[0].detail


def test_expected_failures_xfail_and_xpass() -> None:
    cases = SUITE.select(Selection(run=["check-rule-001", "check-rule-006"]))
    expected = {"check-rule-001": "known", "check-rule-006": "known"}
    programs = broken("accept_everything", persistent=False)
    found = outcomes(run_cases(cases, programs, Options(expected_failures=expected)))
    assert found == {"check-rule-001": "xfail", "check-rule-006": "xpass"}


def test_an_expected_failure_that_passes_fails_the_command(tmp_path: Path) -> None:
    expected = tmp_path / "xfail.json"
    expected.write_text(json.dumps({"check-rule-006": "it used to fail"}))
    serve = shlex.join(command(ADAPTER, "serve"))
    args = [
        "cases",
        "run",
        "--persistent",
        "--checker",
        serve,
        "--run",
        "check-rule-006",
        "--expect-fail",
        str(expected),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "XPASS" in result.output


def test_the_command_refuses_bad_usage(tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["cases", "run"]).exit_code == 2
    assert CliRunner().invoke(main, ["cases", "run", "--parser", ""]).exit_code == 2
    none = CliRunner().invoke(main, ["cases", "run", "--parser", "true", "--run", "no-such-case"])
    assert none.exit_code == 3
    bad = tmp_path / "bad.json"
    bad.write_text("[1]")
    invalid = CliRunner().invoke(main, ["cases", "run", "--parser", "true", "--expect-fail", str(bad)])
    assert invalid.exit_code == 3  # read, but not an expected-failure file: an input that cannot be used
    assert f"error[case-invalid]: {bad} (--expect-fail): an expected-failure file is a JSON object" in invalid.output


def test_reports_in_every_format() -> None:
    cases = SUITE.select(Selection(run=["check-rule-00[1-4]", "relate-disjoint-001"]))
    results = run_cases(cases, broken("accept_everything", persistent=False), Options(parallel=2))
    text = text_report(results)
    assert "WRONG" in text
    assert "FAILED" in text
    document = json.loads(json_report(results, {"checker": "x"}))
    assert document["summary"]["failed"] == sum(1 for r in results if r.failed)
    root = ElementTree.fromstring(junit_report(results))
    assert int(root.get("failures") or 0) == sum(1 for r in results if r.outcome == "wrong")
    assert root.find(".//testcase") is not None


# ---- the protocol's messages have schemas -------------------------------------------------


def test_the_dogfood_adapter_speaks_the_schemas() -> None:
    responses = validator("protocol-response.schema.json")
    requests = validator("protocol-request.schema.json")
    check = validator("protocol-response.schema.json", "/$defs/check_response")
    relate = validator("protocol-response.schema.json", "/$defs/relate_response")
    cases = sample(5)
    from migcompat.cases.runner import _request

    lines = []
    for index, case in enumerate(cases):
        request = {"id": str(index), **_request(case)}
        assert not list(requests.iter_errors(request)), request
        lines.append(json.dumps(request))
    run = subprocess.run(
        [sys.executable, str(ADAPTER), "serve"],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ},
    )
    answers = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(answers) == len(cases)
    for case, answer in zip(cases, answers, strict=True):
        assert not list(responses.iter_errors(answer)), answer
        if case.kind == "check":
            assert not list(check.iter_errors(answer["result"])), answer
        if case.kind == "relate":
            assert not list(relate.iter_errors(answer["result"])), answer


def test_a_verdict_without_the_reasons_the_spec_requires_is_wrong(tmp_path: Path) -> None:
    """Explaining is recommended (C5), but unsupported-version and missing-attribute MUST be reported (8.8)."""
    program = _script(tmp_path, 'sys.stdin.read()\nprint(json.dumps({"verdict": "unknown"}))\n')
    ids = ["check-verdict-unsupported-001", "check-verdict-missing-003", "check-verdict-missing-001"]
    results = {r.case.id: r for r in run_cases(SUITE.select(Selection(run=ids)), Programs(checker=program), Options())}
    assert {ident: result.outcome for ident, result in results.items()} == {
        "check-verdict-unsupported-001": "wrong",
        "check-verdict-missing-003": "wrong",
        "check-verdict-missing-001": "pass",  # a 1.0 case: it expects no reason
    }
    assert "MUST carry the reason unsupported-version" in results["check-verdict-unsupported-001"].detail
    assert "MUST carry the reason missing-attribute" in results["check-verdict-missing-003"].detail
