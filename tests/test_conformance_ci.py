"""``migcompat conformance`` as a CI job: the upgrade gate's baseline, reports on input errors, test names, warnings.

A --against baseline that holds no migration attribute (a wrong path, a
subdirectory of the tree) is an input error, not a silent pass without the
upgrade check; the reader's findings on a usable baseline are notes. With
--format junit or ktap an input that cannot be used still gives a
well-formed, failing report. JUnit test case names are unique per input
and stable as the fleet changes. --fail-on-warning makes warnings gate.
A capture records its root as given, not as an absolute path.
"""

from __future__ import annotations

import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from migcompat.cli import main
from migcompat.resources import data_path

SUCCESS, NEGATIVE, UNDECIDED = 0, 1, 3
TREES = Path(__file__).resolve().parent.parent / "conformance" / "sample-trees"
OLD = TREES / "warn-upgrade" / "old"
NEW = TREES / "warn-upgrade" / "new"
SELF = TREES / "broken-self" / "host"
MIGRATION_ATTRIBUTES = ("migration_version", "migration_compatible_devices")


def run(*args: str, stdin: str | None = None) -> Result:
    """``migcompat ARGS`` in-process; a Python exception is a test failure, not a result."""
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def capture_of(tree: Path, output: Path, status: int = SUCCESS) -> str:
    result = run("capture", "--sysfs", str(tree), "-o", str(output))
    assert result.exit_code == status, result.stderr
    assert output.is_file()
    return str(output)


def junit(document: str) -> ET.Element:
    """The JUnit document, parsed, after checking that every count is the count of what is written."""
    root = ET.fromstring(document)
    assert root.tag == "testsuites"
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        counts = {
            "tests": len(cases),
            "failures": sum(case.find("failure") is not None for case in cases),
            "errors": sum(case.find("error") is not None for case in cases),
            "skipped": sum(case.find("skipped") is not None for case in cases),
        }
        for name, count in counts.items():
            assert suite.get(name) == str(count), (suite.get("name"), name)
        for name in totals:
            totals[name] += counts[name]
    for name, total in totals.items():
        assert root.get(name) == str(total), name
    return root


# ---- finding 1: a baseline with nothing to compare against ------------------------------------------


@pytest.mark.parametrize("kind", ["empty", "not-sysfs", "subdirectory", "capture"])
def test_a_baseline_without_migration_attributes_is_an_input_error(tmp_path: Path, kind: str) -> None:
    if kind == "empty":
        baseline = tmp_path / "empty"
        baseline.mkdir()
    elif kind == "not-sysfs":
        baseline = tmp_path / "notsys"
        (baseline / "foo").mkdir(parents=True)
    elif kind == "subdirectory":
        baseline = OLD / "bus"  # a typo: below the real baseline's root
    else:
        empty = tmp_path / "empty"
        empty.mkdir()
        baseline = Path(capture_of(empty, tmp_path / "previous.json", UNDECIDED))  # written, with its finding
    result = run("conformance", str(NEW), "--against", str(baseline), "--no-progress")
    assert result.exit_code == UNDECIDED
    assert result.stdout == ""
    assert (
        f"migcompat: error[nothing-to-check]: --against {baseline}: nothing to compare against:"
        " found no VFIO device, mdev type or mdev, so the upgrade check (MC-U1) cannot run\n"
    ) in result.stderr
    # The baseline's own finding says why, as the reader recorded it.
    assert f"migcompat: {baseline}: finding missing at .: the root holds neither bus/ nor class/" in result.stderr


def test_a_baseline_whose_devices_have_no_attributes_says_what_it_found(tmp_path: Path) -> None:
    baseline = tmp_path / "old"
    shutil.copytree(OLD, baseline, symlinks=True)
    removed = 0
    for name in MIGRATION_ATTRIBUTES:
        for attribute in baseline.rglob(name):
            attribute.unlink()
            removed += 1
    assert removed
    result = run("conformance", str(NEW), "--against", str(baseline), "--no-progress", "--format", "json")
    assert result.exit_code == UNDECIDED
    error = json.loads(result.stdout)["error"]  # the error alone, as match and matrix write it
    assert (error["code"], error["where"]) == ("nothing-to-check", str(baseline))
    assert "error[nothing-to-check]: --against" in result.stderr
    assert "none of which exposes migration_version or migration_compatible_devices" in result.stderr


def test_the_findings_on_a_usable_baseline_are_notes(tmp_path: Path) -> None:
    baseline = tmp_path / "old"
    shutil.copytree(OLD, baseline, symlinks=True)
    (baseline / "bus" / "pci" / "devices" / "dangling").symlink_to("nowhere")
    plain = run("conformance", str(NEW), "--against", str(OLD), "--format", "json")
    result = run("conformance", str(NEW), "--against", str(baseline), "--format", "json")
    assert result.exit_code == plain.exit_code == SUCCESS  # the baseline's finding fails nothing (U1 warns)
    assert json.loads(result.stdout)["failures"] == json.loads(plain.stdout)["failures"] != []
    notes = json.loads(result.stdout)["notes"]
    added = [note for note in notes if note not in json.loads(plain.stdout)["notes"]]
    assert added
    assert all(note["check"].startswith("MC-SYSFS-") for note in added)
    assert all(f"in the --against baseline {baseline} (not checked itself): " in note["message"] for note in added)
    text = run("conformance", str(NEW), "--against", str(baseline), "--no-progress").stdout
    assert f"in the --against baseline {baseline} (not checked itself)" in text


# ---- finding 6: junit and ktap on input errors ----------------------------------------------------------


def _error_cases(tmp_path: Path) -> dict[str, tuple[list[str], str, str]]:
    """Each input error: the arguments, the input named and the error code."""
    broken = tmp_path / "broken.json"
    broken.write_text('{"format":"migcompat-capture","version":1\n', encoding="ascii")
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = str(tmp_path / "nonexist.json")
    return {
        "missing capture": ([missing], missing, "capture-unreadable"),
        "broken capture": ([str(broken)], str(broken), "capture-invalid"),
        "missing baseline": ([str(NEW), "--against", missing], missing, "capture-unreadable"),
        "empty baseline": ([str(NEW), "--against", str(empty)], str(empty), "nothing-to-check"),
    }


@pytest.mark.parametrize("case", ["missing capture", "broken capture", "missing baseline", "empty baseline"])
def test_junit_reports_an_input_error_as_an_error_test_case(tmp_path: Path, case: str) -> None:
    arguments, name, code = _error_cases(tmp_path)[case]
    result = run("conformance", *arguments, "--format", "junit")
    assert result.exit_code == UNDECIDED
    assert f"error[{code}]" in result.stderr
    root = junit(result.stdout)
    assert (root.get("tests"), root.get("errors"), root.get("failures")) == ("1", "1", "0")
    (suite,) = root.iter("testsuite")
    assert suite.get("errors") == "1"
    (testcase,) = suite.iter("testcase")
    assert testcase.get("name") == f"input {name}"
    error = testcase.find("error")
    assert error is not None
    assert error.get("type") == code
    assert error.get("message", "").startswith(f"error[{code}]: ")
    assert name in error.get("message", "")


@pytest.mark.parametrize("case", ["missing capture", "broken capture", "missing baseline", "empty baseline"])
def test_ktap_reports_an_input_error_as_not_ok(tmp_path: Path, case: str) -> None:
    arguments, name, code = _error_cases(tmp_path)[case]
    result = run("conformance", *arguments, "--format", "ktap")
    assert result.exit_code == UNDECIDED
    lines = result.stdout.splitlines()
    assert lines[:2] == ["KTAP version 1", "1..1"]
    assert lines[2].startswith(f"# error[{code}]: ")
    assert lines[3] == f"not ok 1 input {name}"
    assert lines[4] == "# totals: pass:0 fail:1 skip:0"


def test_an_input_error_on_standard_input_is_a_junit_error() -> None:
    result = run("conformance", "-", "--format", "junit", stdin="not json")
    assert result.exit_code == UNDECIDED
    root = junit(result.stdout)
    assert root.get("errors") == "1"
    (testcase,) = root.iter("testcase")
    assert testcase.get("name") == "input <stdin>"


# ---- finding 7: unique and stable JUnit names ---------------------------------------------------------


def _names(root: ET.Element) -> list[tuple[str | None, str | None]]:
    return [(case.get("classname"), case.get("name")) for case in root.iter("testcase")]


def test_junit_names_failures_by_input_when_the_host_has_no_name(tmp_path: Path) -> None:
    first = capture_of(SELF, tmp_path / "a.json")
    second = capture_of(SELF, tmp_path / "b.json")
    result = run("conformance", first, second, "--format", "junit")
    assert result.exit_code == NEGATIVE
    names = _names(junit(result.stdout))
    assert len(names) == len(set(names))
    failed = [name for classname, name in names if classname == "MC-E6-SELF" and name and "/" in name]
    assert failed and {name.split(":")[0] for name in failed} == {first, second}
    # The text report and ktap name the input too, and json keeps it in the failure's details.
    assert f"FAIL MC-E6-SELF  {first}:bus/" in run("conformance", first, second, "--no-progress").stdout
    assert f" {second}:bus/" in run("conformance", first, second, "--format", "ktap").stdout
    failures = json.loads(run("conformance", first, second, "--format", "json").stdout)["failures"]
    assert {f["details"].get("input") for f in failures if f["check"] == "MC-E6-SELF"} == {first, second}
    assert {f["host"] for f in failures} == {""}


def test_junit_names_stay_unique_when_an_input_repeats(tmp_path: Path) -> None:
    result = run("conformance", str(SELF), str(SELF), "--format", "junit")
    names = _names(junit(result.stdout))
    assert len(names) == len(set(names))
    assert any(name and name.endswith(" (2)") for _, name in names)


def test_the_passing_test_case_has_a_stable_name_and_its_count_in_system_out(tmp_path: Path) -> None:
    one = junit(run("conformance", str(SELF), "--format", "junit").stdout)
    two = junit(run("conformance", str(SELF), str(NEW), "--format", "junit").stdout)

    def passed(root: ET.Element) -> dict[str, str]:
        return {
            str(case.get("name")): str(case.findtext("system-out"))
            for case in root.iter("testcase")
            if case.get("classname") == "MC-E1-PARSE" and case.find("failure") is None
        }

    assert list(passed(one)) == list(passed(two)) == ["MC-E1-PARSE: objects passed"]
    assert passed(one)["MC-E1-PARSE: objects passed"] != passed(two)["MC-E1-PARSE: objects passed"]
    assert passed(one)["MC-E1-PARSE: objects passed"].endswith(" objects passed")


def test_ktap_names_are_stable_unique_and_may_hold_braces(tmp_path: Path) -> None:
    # An input named with braces once reached str.format and ended the run with an internal error.
    braced = tmp_path / "k{0}"
    shutil.copytree(SELF, braced, symlinks=True)
    result = run("conformance", str(braced), str(braced), "--format", "ktap")
    assert result.exit_code == NEGATIVE, result.stderr
    results = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith(("ok ", "not ok "))]
    failed = [line for line in results if line.startswith("not ok ") and f" {braced}:bus/" in line]
    assert len(failed) == 4
    assert [line.endswith(" (2)") for line in failed] == [False, False, True, True]  # the second input's, alike
    assert not [line for line in results if re.fullmatch(r"(not )?ok \d+ \d+ .*", line)]  # no count in a name


# ---- finding 14: --fail-on-warning -----------------------------------------------------------------------


def test_warnings_pass_without_the_option_and_fail_with_it() -> None:
    plain = run("conformance", "--sample", "warn-accept-all", "--no-progress")
    strict = run("conformance", "--sample", "warn-accept-all", "--no-progress", "--fail-on-warning")
    assert plain.exit_code == SUCCESS
    assert "Result: PASSED with 2 warnings" in plain.stdout
    assert strict.exit_code == NEGATIVE
    assert "Result: FAILED: 2 warnings (--fail-on-warning)" in strict.stdout
    clean = run("conformance", "--sample", "mlx5", "--no-progress", "--fail-on-warning")
    assert clean.exit_code == SUCCESS


def test_junit_shows_warnings_and_fails_them_with_the_option() -> None:
    def suite(*options: str) -> ET.Element:
        result = run("conformance", "--sample", "warn-accept-all", "--format", "junit", *options)
        found = [s for s in junit(result.stdout).iter("testsuite") if s.get("name") == "MC-S1-ACCEPT-ALL"]
        assert len(found) == 1
        return found[0]

    plain = suite()
    assert plain.get("failures") == "0"
    assert {p.get("name"): p.get("value") for p in plain.iter("property")}["warnings"] == "2"
    strict = suite("--fail-on-warning")
    assert strict.get("failures") == "2"
    messages = [f.get("message", "") for f in strict.iter("failure")]
    assert all(message.startswith("WARNING ") for message in messages)


def test_ktap_fails_warnings_with_the_option() -> None:
    plain = run("conformance", "--sample", "warn-accept-all", "--format", "ktap").stdout
    strict = run("conformance", "--sample", "warn-accept-all", "--format", "ktap", "--fail-on-warning")
    assert strict.exit_code == NEGATIVE
    assert "not ok" not in plain
    top = [line for line in strict.stdout.splitlines() if line.startswith("not ok")]
    assert len(top) == 1 and top[0].endswith(" MC-S1-ACCEPT-ALL")
    assert "# FAILED: 2 warnings (--fail-on-warning)" in strict.stdout


def test_help_describes_the_option() -> None:
    text = run("conformance", "--help").stdout
    assert "--fail-on-warning" in text
    assert "a --against baseline cannot" in " ".join(text.split())


# ---- finding 15: the capture's root ---------------------------------------------------------------------


def test_a_capture_records_its_root_as_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(OLD, tmp_path / "old", symlinks=True)
    monkeypatch.chdir(tmp_path)
    result = run("capture", "--sysfs", "old")
    assert result.exit_code == SUCCESS
    assert json.loads(result.stdout)["root"] == "old"


def test_an_input_error_report_shows_a_hostile_name_safely(tmp_path: Path) -> None:
    missing = str(tmp_path / "no\nsuch #1\x1b[2J.json")
    document = run("conformance", missing, "--format", "junit").stdout
    (testcase,) = junit(document).iter("testcase")
    assert "\n" not in str(testcase.get("name")) and "\x1b" not in document
    ktap = run("conformance", missing, "--format", "ktap").stdout.splitlines()
    assert len(ktap) == 5
    assert ktap[3].startswith("not ok 1 input ") and "#" not in ktap[3]
    assert "\x1b" not in "".join(ktap)


@pytest.mark.parametrize("kind", ["empty capture", "not-sysfs"])
def test_an_input_with_nothing_to_check_among_others_is_an_input_error(tmp_path: Path, kind: str) -> None:
    """A host given among others and never checked (its driver not loaded, a wrong path) must not let a run pass."""
    good = capture_of(TREES / "mlx5" / "new", tmp_path / "up.json")
    if kind == "empty capture":
        (tmp_path / "empty" / "bus").mkdir(parents=True)
        empty = capture_of(tmp_path / "empty", tmp_path / "down.json", status=UNDECIDED)
    else:
        (tmp_path / "notsys").mkdir()
        empty = str(tmp_path / "notsys")
    result = run("conformance", "--no-progress", good, empty)
    assert result.exit_code == UNDECIDED, result.stdout
    assert result.stderr.startswith(
        f"migcompat: error[nothing-to-check]: nothing to check: found no VFIO device, mdev type or mdev under {empty}\n"
    )
    assert "every INPUT must hold migration attributes (1 other does)" in result.stderr
    for output_format in ("json", "junit"):
        result = run("conformance", "--no-progress", "--format", output_format, good, empty)
        assert result.exit_code == UNDECIDED
        if output_format == "json":
            assert json.loads(result.stdout)["error"]["code"] == "nothing-to-check"
        else:
            assert int(junit(result.stdout).get("errors", "0")) == 1
    assert run("conformance", "--no-progress", good).exit_code == SUCCESS


def _mc2(tree: Path) -> Path:
    """*tree* with the first device instance's migration_version made format version 2."""
    attribute = sorted(tree.rglob("vfio-dev/vfio0/migration_version"))[0]
    attribute.chmod(0o644)
    attribute.write_bytes(b"mc2" + attribute.read_bytes()[3:])
    return attribute


_CLAUSE_9_6 = "holds format mc1 and no other: a later format goes in a second pair of attributes beside the mc1 pair"
"""How an MC-E1-PARSE failure for an attribute of another format version ends, before `` (clause 9.6)``."""


def test_an_attribute_of_another_format_version_fails_mc_e1_parse(tmp_path: Path) -> None:
    """An mc2 attribute in a file of clause 10 fails MC-E1-PARSE (12.1 E1, 9.1-M1), exit status 1, and says why:
    those files hold mc1 and no other, a later format goes in a second pair (clause 9.6). Never undecided."""
    jsonschema = pytest.importorskip("jsonschema")
    tree = tmp_path / "host"
    shutil.copytree(TREES / "mtty" / "new", tree, symlinks=True)
    attribute = _mc2(tree)
    result = run("conformance", "--no-progress", str(tree))
    assert result.exit_code == NEGATIVE, result.stdout
    assert re.search(r"^MC-E1-PARSE +FAIL +\d+ +1 +required", result.stdout, re.MULTILINE)
    assert "FAIL MC-E1-PARSE" in result.stdout
    said = " ".join(result.stdout.split())  # the message as one line, however the terminal wraps it
    why = f"migration_version, as every attribute of clause 10, {_CLAUSE_9_6} (clause 9.6)"
    assert f"error[unsupported-version]: format version 2 is not supported; this parser implements mc1; {why}" in said
    assert "Result: FAILED: 1 required check failure" in result.stdout
    assert "UNDECIDED" not in result.stdout and "undecided" not in result.stdout
    document = json.loads(run("conformance", "--no-progress", "-f", "json", str(tree)).stdout)
    schema = json.loads(data_path("conformance-report.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["result"] == "failed"
    [check] = [check for check in document["checks"] if check["id"] == "MC-E1-PARSE"]
    assert (check["status"], check["failed"], check["undecided"]) == ("failed", 1, 0)
    assert not [note for note in document["notes"] if note["check"] == "MC-E1-PARSE"]
    [failure] = [failure for failure in document["failures"] if failure["check"] == "MC-E1-PARSE"]
    assert failure["path"].endswith("vfio-dev/vfio0/migration_version")
    assert failure["details"]["error_code"] == "unsupported-version"
    assert failure["message"].endswith(why)
    # lint says the same of the attribute alone, and of a rules attribute of another version: FAIL, status 1.
    result = run("lint", str(attribute))
    assert result.exit_code == NEGATIVE, result.stdout
    assert "FAILED (MC-E1-PARSE)" in result.stdout and "checked: MC-E1-PARSE" in result.stdout
    assert why in result.stdout and "UNDECIDED" not in result.stdout
    rules = tmp_path / "migration_compatible_devices"
    rules.write_bytes(b"mc2\naccept device_api=vfio-pci\n")
    for given in (attribute, rules):
        lint = run("lint", "-f", "json", str(given))
        document = json.loads(lint.stdout)
        assert (lint.exit_code, document["result"]) == (NEGATIVE, "failed")
        [failure] = document["failures"]
        assert (failure["check"], failure["details"]["error_code"]) == ("MC-E1-PARSE", "unsupported-version")
        assert failure["message"].endswith(f"{given.name}, as every attribute of clause 10, {_CLAUSE_9_6} (clause 9.6)")
        assert document["notes"] == []
