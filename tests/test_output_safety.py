"""Hostile names cannot steer the reports: text, JUnit and KTAP show every input-derived string escaped.

A capture (and a case file) can name a host, a kernel, a type or a device
with escape sequences that clear the screen or erase a line, a newline
followed by a genuine-looking ``PASS`` line, rich markup, NUL, DEL, non-ASCII
and characters XML 1.0 forbids. None of them may reach a report raw.
"""

from __future__ import annotations

import io
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sample_fleet import Host, MdevType, PciFunction, mtty_host, to_host_data

from migcompat.capture import dumps
from migcompat.cases.model import Case
from migcompat.cases.report import junit_report, text_report
from migcompat.cases.runner import Result
from migcompat.cli import main
from migcompat.conformance import CHECKS, Report, run
from migcompat.conformance.report_junit import junit_nothing, junit_xml
from migcompat.conformance.report_ktap import INDENT, render, render_nothing
from migcompat.conformance.report_text import write_text_report
from migcompat.conformance.results import Failure, Note
from migcompat.conformance.samples import load_sample
from migcompat.display import escape, plural, rule_numbers

FAKE_PASS = "PASS MC-E1-PARSE all good"
HOSTILE = (
    "evil\x1b[2J\x1b[H\x1b[1A\x1b[2K\r\n"
    + FAKE_PASS
    + "\n# fake diagnostic\nok 99 forged[red]red[/red][bold]:smile:\x00\x7f\x9b\u00e9\u202e\u2028\x0b\x0c\x1c\ud800\\#"
)
"""Every trick at once: cursor movement and erasure, CR, a forged PASS line, KTAP lines, markup, NUL, DEL, C1, ..."""

XML_FORBIDDEN = "\x00\x01\x08\x0b\x0c\x0e\x1f\ufffe\uffff\ud800"
SGR = re.compile(r"\x1b\[[0-9;]*m")
SCHEMA = Path(__file__).parent / "data" / "junit.xsd"


# ---- building hostile inputs ------------------------------------------------------------------------


def _hostile_host(role: str, stream: str, *, broken: bool) -> Host:
    """An mtty host whose every name is hostile; *broken* adds a VF whose migration_version does not parse."""
    host = mtty_host(f"{role}{HOSTILE}", stream)
    host.kernel = f"6.8{HOSTILE}"
    parent = host.parents[0]
    parent.name = f"mtty{HOSTILE}"
    for entry in parent.types:
        entry.ident = f"{entry.ident}{HOSTILE}"
    for mdev in host.mdevs:
        mdev.uuid = f"83b8f4f2{HOSTILE}"
        mdev.type_id = parent.types[1].ident
    if broken:
        host.functions.append(
            PciFunction(
                f"0000:3b:00.1{HOSTILE}",
                "devices/pci0000:3a/0000:3b:00.1",
                0x15B3,
                0x101E,
                0x15B3,
                0x0047,
                "mlx5_vfio_pci",
                version="mc1 device_api=vfio-pci stream=x stream_version=01.0\n",
                rules="mc1\naccept stream=x\n",
            )
        )
        parent.types.append(MdevType(f"bad{HOSTILE}", "bad", "", "vfio-pci", 1, "mc1 a=\n", None))
    return host


@pytest.fixture(scope="module")
def captures(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two captures (new and old) of hostile hosts, under file names that are hostile too."""
    directory = tmp_path_factory.mktemp("captures")
    new = directory / "new\x1b[2J\nPASS.json"
    old = directory / "old\x1b[1A.json"
    new.write_text(dumps(to_host_data(_hostile_host("new", "1.1", broken=True))), encoding="utf-8")
    old.write_text(dumps(to_host_data(_hostile_host("old", "1.0", broken=False))), encoding="utf-8")
    return new, old


@pytest.fixture(scope="module")
def report(captures: tuple[Path, Path]) -> Report:
    from migcompat.capture import load

    new, old = captures
    result = run([load(str(new))], baseline=[load(str(old))])
    # Make sure the hostile strings are everywhere a report shows one.
    result.note(Note("MC-E1-PARSE", f"host{HOSTILE}", f"path{HOSTILE}", f"a note{HOSTILE}"))
    result.fail(Failure("MC-M2-ASYMMETRY", f"host{HOSTILE}", f"path{HOSTILE}", f"a warning{HOSTILE}"))
    return result


def _text(report: Report, **kwargs: Any) -> str:
    stream = io.StringIO()
    write_text_report(report, stream, **kwargs)
    return stream.getvalue()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


# ---- what no output may contain ----------------------------------------------------------------------


def _assert_no_raw_input(text: str, *, sgr: bool = False) -> None:
    """No control character but newline (and, with *sgr*, the colour sequences), no forged line, no raw input."""
    if sgr:
        text = SGR.sub("", text)
    bad = [char for char in text if (ord(char) < 0x20 and char != "\n") or 0x7F <= ord(char) < 0xA0]
    assert not bad, f"raw control characters {bad!r}"
    for char in ("\u00e9", "\u202e", "\u2028", "\ud800", "\U0001f604"):  # the input's, and :smile: as an emoji
        assert char not in text
    for line in text.split("\n"):
        stripped = line.strip()
        assert not stripped.startswith(("PASS", "ok 99", "# fake")), f"a line the input chose: {line!r}"
        assert not stripped.startswith("forged")


# ---- the escaping itself -------------------------------------------------------------------------------


def test_escape_makes_one_line_of_printable_ascii() -> None:
    shown = escape(HOSTILE)
    assert shown.isascii() and shown.isprintable()
    assert "\n" not in shown and "\x1b" not in shown
    assert "\\x1b[2J" in shown and "\\r\\n" + FAKE_PASS in shown and "\\x00\\x7f" in shown
    assert "\\xc3\\xa9" in shown  # é as its UTF-8 bytes
    assert escape("a\udca0b") == "a\\xa0b"  # a byte of a file name that is not UTF-8
    assert escape("plain-name_0:1.2/3") == "plain-name_0:1.2/3"
    assert escape("a\\x1b") == "a\\\\x1b"  # a literal backslash cannot pose as an escape
    assert escape("tab\there") == "tab\\there"


def test_plurals_and_rule_numbers() -> None:
    assert plural(1, "warning") == "1 warning" and plural(2, "warning") == "2 warnings"
    assert plural(1, "class", "classes") == "1 class" and plural(0, "class", "classes") == "0 classes"
    assert rule_numbers("no rule accepts (nearest: rule 0, 2)") == "no rule accepts (nearest: rule 0, 2 (0-based))"
    assert rule_numbers("old rule 3 and the rules before it") == "old rule 3 (0-based) and the rules before it"
    assert rule_numbers("rule set 3") == "rule set 3"


# ---- the text report -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stream", "color"),
    [(io.StringIO, False), (io.StringIO, True), (io.StringIO, None), (_Terminal, None), (_Terminal, False)],
)
def test_text_report_shows_every_name_escaped(report: Report, stream: type[io.StringIO], color: bool | None) -> None:
    target = stream()
    write_text_report(report, target, color=color)
    out = target.getvalue()
    colored = color is True or (color is None and stream is _Terminal)
    assert ("\x1b[" in out) == colored
    _assert_no_raw_input(out, sgr=colored)
    plain = SGR.sub("", out)
    assert escape(f"new{HOSTILE}") in plain  # the host, shown whole and escaped
    assert escape(f"6.8{HOSTILE}") in plain  # the kernel
    assert "FAIL MC-E1-PARSE" in plain and "WARN MC-M2-ASYMMETRY" in plain
    assert escape("new\x1b[2J\nPASS.json") in plain  # the capture's file name
    assert "[red]red[/red][bold]:smile:" in plain


def test_text_report_through_the_command(captures: tuple[Path, Path]) -> None:
    new, old = captures
    result = CliRunner().invoke(main, ["conformance", str(new), "--against", str(old)])
    assert result.exit_code == 1, result.output
    _assert_no_raw_input(result.stdout)
    assert escape(f"new{HOSTILE}") in result.stdout


def test_text_report_plurals() -> None:
    sample = load_sample("broken-parse")
    out = _text(run(sample.hosts, old=sample.old), color=False)
    assert "1 host," in out and "1 warnings" not in out and "1 pairs" not in out
    assert "2 required check failures, 0 warnings" in out
    report = Report()
    report.fail(Failure("MC-E1-PARSE", "h", "p", "m"))
    report.fail(Failure("MC-M2-ASYMMETRY", "h", "p", "m"))
    report.matrix.accepted_pairs = 1
    report.matrix.edges = [(0, 0)]
    report.matrix.evaluated_pairs = 1
    report.matrix.classes = [{}]
    out = _text(report, color=False)
    assert "1 required check failure, 1 warning " in out
    assert "1 distinct device class, 1 compatible (source, target) pair; 1 verdict computed" in out


def test_text_report_fits_80_columns_without_cutting_an_id(report: Report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    for stream in (io.StringIO(), _Terminal()):
        write_text_report(report, stream, color=False)
        out = stream.getvalue()
        assert "\u2026" not in out  # rich's ellipsis: nothing is cut
        lines = out.split("\n")
        table = lines[next(i for i, line in enumerate(lines) if line.startswith("Checks")) :]
        rows = {line.split()[0]: line for line in table if line.split() and line.split()[0] in CHECKS}
        assert set(rows) == set(CHECKS)  # every check ID, whole, at the start of its row
        for ident, row in rows.items():
            assert len(row.rstrip()) <= 80
            assert row.split()[1] in ("pass", "FAIL", "warn", "n/a"), row
            assert str(report.tallies[ident].checked) in row.split()
    narrow = _Terminal()
    monkeypatch.setenv("COLUMNS", "40")  # a narrower terminal: still laid out for 80, nothing cut
    write_text_report(report, narrow, color=False)
    assert "\u2026" not in narrow.getvalue() and "MC-M1-ACCEPTS-NOTHING" in narrow.getvalue()


# ---- JUnit -------------------------------------------------------------------------------------------


def _counted_as_written(document: str) -> ET.Element:
    root = ET.fromstring(document)
    assert root.tag == "testsuites"
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        assert int(suite.get("tests", "-1")) == len(cases)
        for name in ("failure", "error", "skipped"):
            written = sum(1 for case in cases if case.find(name) is not None)
            assert int(suite.get(name + ("s" if name != "skipped" else ""), "-1")) == written
        totals["tests"] += len(cases)
        totals["failures"] += int(suite.get("failures", "0"))
        totals["errors"] += int(suite.get("errors", "0"))
    for name, value in totals.items():
        assert int(root.get(name, "-1")) == value, name
    return root


def _schema_valid(document: str) -> None:
    xmlschema = pytest.importorskip("xmlschema")
    xmlschema.XMLSchema(str(SCHEMA)).validate(document)


def _all_strings(root: ET.Element) -> Iterator[str]:
    for element in root.iter():
        yield from element.attrib.values()
        if element.text:
            yield element.text


def test_junit_is_well_formed_counted_and_schema_valid(report: Report) -> None:
    document = junit_xml(report)
    _assert_no_raw_input(document)
    root = _counted_as_written(document)
    _schema_valid(document)
    for text in _all_strings(root):
        assert all(char == "\n" or " " <= char <= "~" for char in text), text
    names = [case.get("name", "") for case in root.iter("testcase")]
    assert escape(f"new{HOSTILE}") + ":" in "".join(names)
    assert all("\n" not in name for name in names)
    assert int(root.get("failures", "0")) >= 1


def test_junit_through_the_command_and_a_junit_reader(captures: tuple[Path, Path], tmp_path: Path) -> None:
    from junitparser import JUnitXml

    new, old = captures
    result = CliRunner().invoke(main, ["conformance", str(new), "--against", str(old), "--format", "junit"])
    assert result.exit_code == 1
    root = _counted_as_written(result.stdout)
    _schema_valid(result.stdout)
    (tmp_path / "report.xml").write_text(result.stdout, encoding="utf-8")
    parsed = JUnitXml.fromfile(str(tmp_path / "report.xml"))
    assert sum(1 for suite in parsed for _ in suite) == len(root.findall(".//testcase"))


def test_junit_counts_the_test_cases_it_writes() -> None:
    sample = load_sample("gvt-g")
    document = junit_xml(run(sample.hosts, old=sample.old))
    root = _counted_as_written(document)
    _schema_valid(document)
    assert int(root.get("tests", "0")) == len(root.findall(".//testcase"))
    empty = junit_xml(Report())  # nothing checked at all: every check is one skipped test case
    assert int(_counted_as_written(empty).get("tests", "0")) == len(CHECKS)


def test_junit_with_nothing_to_check_is_a_report() -> None:
    document = junit_nothing(f"found no VFIO device under {HOSTILE}")
    root = _counted_as_written(document)
    _schema_valid(document)
    _assert_no_raw_input(document)
    assert root.get("tests") == "1" and root.find(".//testcase/skipped") is not None


def test_junit_has_no_character_xml_forbids() -> None:
    report = Report()
    report.fail(Failure("MC-E1-PARSE", XML_FORBIDDEN, XML_FORBIDDEN, XML_FORBIDDEN))
    report.note(Note("MC-E1-PARSE", XML_FORBIDDEN, XML_FORBIDDEN, XML_FORBIDDEN))
    document = junit_xml(report)
    _counted_as_written(document)
    _schema_valid(document)


# ---- KTAP ---------------------------------------------------------------------------------------------

_VERSION = "KTAP version 1"
_PLAN = re.compile(r"1\.\.(0|[1-9][0-9]*)")
_RESULT = re.compile(r"(ok|not ok) ([1-9][0-9]*)(?: ([^#]*[^# ]))?(?: # (SKIP)?(?: ?(.*)))?")
_DIAGNOSTIC = re.compile(r"#(?: [ -~]*)?")


def _parse_ktap(text: str) -> list[dict[str, Any]]:
    """A strict KTAP version 1 reader: every line is a version, plan, result or diagnostic line."""
    assert text.endswith("\n") and not text.endswith("\n\n")
    lines = text[:-1].split("\n")
    for line in lines:
        assert line.isascii() and line.isprintable() and line == line.rstrip(), repr(line)
    end, tests = _ktap_block(lines, 0, 0)
    assert end == len(lines), lines[end:]
    return tests


def _ktap_block(lines: list[str], pos: int, depth: int) -> tuple[int, list[dict[str, Any]]]:
    indent = INDENT * depth
    assert lines[pos] == indent + _VERSION, lines[pos]
    plan = _PLAN.fullmatch(lines[pos + 1].removeprefix(indent))
    assert plan is not None and lines[pos + 1].startswith(indent), lines[pos + 1]
    pos += 2
    tests: list[dict[str, Any]] = []
    subtests: list[dict[str, Any]] | None = None
    while pos < len(lines):
        line = lines[pos]
        if depth and not line.startswith(indent):
            break
        rest = line[len(indent) :]
        if rest.startswith(" "):  # a subtest
            assert subtests is None, "two subtest blocks without a result between them"
            pos, subtests = _ktap_block(lines, pos, depth + 1)
            continue
        if _DIAGNOSTIC.fullmatch(rest):
            pos += 1
            continue
        match = _RESULT.fullmatch(rest)
        assert match is not None, f"not a KTAP line: {line!r}"
        assert int(match[2]) == len(tests) + 1, line
        test = {"ok": match[1] == "ok", "name": match[3] or "", "skip": match[4] is not None, "subtests": subtests}
        if subtests and not all(sub["ok"] for sub in subtests):
            assert not test["ok"], f"a failed subtest under a passed test: {line!r}"
        tests.append(test)
        subtests = None
        pos += 1
    assert subtests is None, "subtests without their test's result line"
    assert len(tests) == int(plan[1]), f"plan {plan[1]}, {len(tests)} results"
    return pos, tests


def test_ktap_is_strict_and_escapes_names(report: Report) -> None:
    text = render(report)
    _assert_no_raw_input(text)
    tests = _parse_ktap(text)
    assert [test["name"] for test in tests] == list(CHECKS)
    by_name = {test["name"]: test for test in tests}
    assert not by_name["MC-E1-PARSE"]["ok"]
    assert by_name["MC-M2-ASYMMETRY"]["ok"]  # a warning does not fail
    names = [sub["name"] for test in tests for sub in test["subtests"] or []]
    assert any(name.startswith(escape(f"new{HOSTILE}").replace("#", "\\x23")) for name in names)
    for test in tests:
        tally = report.tallies[test["name"]]
        assert test["skip"] == (tally.checked == 0)
        if tally.failed:
            assert test["subtests"] is not None
            assert sum(1 for sub in test["subtests"] if sub["name"].endswith("passed")) == (
                tally.checked > tally.failed
            )


def test_ktap_of_the_samples_and_of_nothing() -> None:
    for name in ("gvt-g", "broken-parse", "warn-upgrade"):
        sample = load_sample(name)
        sample_report = run(sample.hosts, old=sample.old)
        tests = _parse_ktap(render(sample_report))
        assert all(test["ok"] for test in tests) == sample_report.ok
    nothing = render_nothing(f"nothing under {HOSTILE}")
    _assert_no_raw_input(nothing)
    (test,) = _parse_ktap(nothing)
    assert test["skip"]


def test_the_ktap_grammar_rejects_what_it_must() -> None:
    good = "KTAP version 1\n1..1\nok 1 a\n"
    assert _parse_ktap(good)
    for bad in (
        "KTAP version 1\n1..2\nok 1 a\n",  # the plan does not match
        "KTAP version 1\n1..1\nok 1 a\nPASS b\n",  # an unknown line
        "KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n    not ok 1 b\nok 1 a\n",  # failed subtest, passed test
        "KTAP version 1\n1..1\nok 2 a\n",  # numbering
    ):
        with pytest.raises(AssertionError):
            _parse_ktap(bad)


# ---- the cases runner's reports -------------------------------------------------------------------------


def _case(identifier: str, description: str = "a case") -> Case:
    return Case(identifier, "parse-valid", description, ("4.1",), "required", "1.0", None, {})


def test_cases_reports_escape_ids_details_reasons_and_stderr() -> None:
    results = [
        Result(_case(f"id{HOSTILE}"), "wrong", f"detail{HOSTILE}", 0.01, f"stderr{HOSTILE}\n" * 3),
        Result(_case("crash-1"), "crash", "exit status 2", 0.02, f"{HOSTILE}\n{HOSTILE}"),
        Result(_case("xfail-1"), "xfail", "wrong: nope", 0.0, "", expected_failure=f"reason{HOSTILE}"),
        Result(_case("skip-1"), "skip", f"no --parser{HOSTILE}"),
        Result(_case("pass-1"), "pass"),
    ]
    for verbose in (False, True):
        text = text_report(results, verbose=verbose)
        _assert_no_raw_input(text + "\n")
        assert escape(f"id{HOSTILE}") in text
    assert escape(f"reason{HOSTILE}") in text_report(results, verbose=True)
    assert text_report(results[:1]).split("\n")[-3].startswith("1 case:")
    document = junit_report(results)
    _assert_no_raw_input(document)
    root = _counted_as_written(document)
    _schema_valid(document)
    assert root.get("tests") == "5" and root.get("failures") == "1" and root.get("errors") == "1"
    document = junit_report([])
    assert _counted_as_written(document).get("tests") == "1"


_PARSER = """
import json, sys
sys.stderr.write(HOSTILE)
print(json.dumps({"code": HOSTILE}))
sys.exit(1)
"""


def test_cases_run_through_the_command(tmp_path: Path) -> None:
    cases = json.loads((Path(__file__).parent.parent / "conformance" / "cases" / "parse-valid.json").read_text())
    first, second = cases["cases"][:2]
    second = dict(second, description=f"described{HOSTILE}")
    hostile = dict(first, id=f"bad{HOSTILE}")
    directory = tmp_path / "cases"
    directory.mkdir()
    (directory / "hostile.json").write_text(
        json.dumps({"format": cases["format"], "description": HOSTILE, "cases": [first, second, hostile]})
    )
    parser = tmp_path / "parser.py"
    parser.write_text(f"HOSTILE = {HOSTILE!r}\n" + _PARSER)
    expected = tmp_path / "expected.json"
    expected.write_text(json.dumps({first["id"]: f"reason{HOSTILE}"}))
    args = ["cases", "run", "--cases", str(directory), "--parser", f"{sys.executable} {parser}"]
    args += ["--expect-fail", str(expected), "-v"]
    for output in ("text", "junit"):
        result = CliRunner().invoke(main, [*args, "--format", output])
        assert result.exit_code == 1, result.output
        _assert_no_raw_input(result.stdout)
        if output == "junit":
            _counted_as_written(result.stdout)
            _schema_valid(result.stdout)
        else:
            assert "WRONG" in result.stdout and "XFAIL" in result.stdout
            assert escape(f"reason{HOSTILE}") in result.stdout


def test_failures_counted_but_not_listed_are_written_and_counted() -> None:
    report = Report()
    report.fail(Failure("MC-M2-ASYMMETRY", "h", "p", "one way"))
    report.tallies["MC-M2-ASYMMETRY"].checked += 4  # 2 more failures counted, not listed, and 2 passes
    report.tallies["MC-M2-ASYMMETRY"].failed += 2
    report.fail(Failure("MC-E1-PARSE", "h", "p", "bad"))
    report.tallies["MC-E1-PARSE"].checked += 1
    report.tallies["MC-E1-PARSE"].failed += 1
    root = _counted_as_written(junit_xml(report))
    suites = {suite.get("name"): suite for suite in root}
    assert suites["MC-M2-ASYMMETRY"].get("tests") == "3" and suites["MC-M2-ASYMMETRY"].get("failures") == "0"
    assert suites["MC-E1-PARSE"].get("tests") == "2" and suites["MC-E1-PARSE"].get("failures") == "2"
    tests = {test["name"]: test for test in _parse_ktap(render(report))}
    assert len(tests["MC-M2-ASYMMETRY"]["subtests"]) == 3 and tests["MC-M2-ASYMMETRY"]["ok"]
    assert [sub["ok"] for sub in tests["MC-E1-PARSE"]["subtests"]] == [False, False]


def test_the_matrix_page_carries_no_control_character_of_the_input(captures: tuple[Path, Path], tmp_path: Path) -> None:
    """Review r13 #8: ``html.escape`` leaves ESC and BEL, so the page (and a terminal, with ``--html -``) got them."""
    new, old = captures
    page = tmp_path / "matrix.html"
    result = CliRunner().invoke(main, ["matrix", "--html", str(page), str(new), str(old)])
    assert result.exit_code in (0, 1), result.output
    text = page.read_text(encoding="utf-8")
    bad = [char for char in text if (ord(char) < 0x20 and char not in "\n\t") or 0x7F <= ord(char) < 0xA0]
    assert not bad, f"raw control characters {sorted(set(bad))!r}"
    assert "\\x1b[2J" in text  # the hostile name is shown, escaped
