"""Syntax-error hints for the slips drivers' authors make most (vendor review r19, L-6).

Each slip keeps its code and position (clause 7.3, the conformance cases pin
them); the error gains one line saying what to write instead, in
``ParseError.hint``, beside the error of ``parse``, ``lint`` and ``check``,
and as ``hint`` in their JSON error objects.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from migcompat import ParseError, parse_compatible, parse_version
from migcompat.cli import main
from migcompat.cli.exitcodes import ExitCode
from test_verdict_schema import document_errors

ROOT = Path(__file__).resolve().parents[1]
VERSION = "migration_version"
COMPATIBLE = "migration_compatible_devices"

# (attribute, text, line, column, a part of the hint)
SLIPS = [
    # $ in a migration_version or in a default line: allowed only in accept rules
    (VERSION, "mc1 driver=d stream_version=$\n", 1, 29, "allowed only in the accept rules"),
    (VERSION, "mc1 driver=d stream_version=$1\n", 1, 29, "a migration_version gives each field a literal value"),
    (VERSION, "mc1 driver=d\nparam share=$\n", 2, 13, "allowed only in the accept rules"),
    (COMPATIBLE, "mc1\ndefault gvt.pv_mode=$\n", 2, 21, "a default line gives each key a literal value"),
    # ~ in an accept rule or the default line: only on migration_version fields
    (COMPATIBLE, "mc1\naccept ~name=x\n", 2, 8, "keys in accept lines carry no mark (clause 5.4): write name=x"),
    (COMPATIBLE, "mc1\naccept driver=d ~name=x\n", 2, 17, "the ignorable mark ~ belongs on a field"),
    (COMPATIBLE, "mc1\ndefault ~a.b=1\n", 2, 9, "keys in default lines carry no mark"),
    # unknown $-forms
    (COMPATIBLE, "mc1\naccept stream_version=$8\n", 2, 24, "$8 is not a self-reference"),
    (COMPATIBLE, "mc1\naccept stream_version=$12\n", 2, 25, "$12 is not a self-reference"),
    (COMPATIBLE, "mc1\naccept stream_version=$1..$0\n", 2, 28, "$0 is not a self-reference"),
    (COMPATIBLE, "mc1\naccept a=$x\n", 2, 11, "$x is not a self-reference: the forms are $ (the target's own value)"),
    (COMPATIBLE, "mc1\naccept a=$$\n", 2, 11, "$$ is not a self-reference"),
    # <=$1: the operand of subset and superset is a set or $
    (COMPATIBLE, "mc1\naccept features<=$1\n", 2, 19, "the operand of <= is a set or $ alone, never $N"),
    (COMPATIBLE, "mc1\naccept features>=$7\n", 2, 19, "the operand of >= is a set or $ alone, never $N"),
    # upper-case keys
    (VERSION, "mc1 Device_api=vfio-pci\n", 1, 5, "keys are lower case"),
    (VERSION, "mc1 device_API=vfio-pci\n", 1, 12, "write device_api"),
    (VERSION, "mc1 driver=d\nparam Share=1/2\n", 2, 7, "write share"),
    (COMPATIBLE, "mc1\naccept Driver=d\n", 2, 8, "write driver"),
    (COMPATIBLE, "mc1\naccept nvidia.Vgpu_mgr=1\n", 2, 14, "write nvidia.vgpu_mgr"),
    # an unescaped space inside a value
    (VERSION, "mc1 driver=nvidia type=GRID T4-2Q\n", 1, 29, "escape the space as %20 (type=GRID%20T4-2Q)"),
    (VERSION, "mc1 name=dual port\n", 1, 19, "port is not a key=value: a value cannot hold a space"),
    (VERSION, "mc1 name=dual port x=1\n", 1, 19, "(name=dual%20port)"),
    (COMPATIBLE, "mc1\naccept type=GRID T4\n", 2, 18, "(type=GRID%20T4)"),
    (VERSION, "mc1 features={a, b}\n", 1, 17, "a set's members are separated by a comma alone"),
    # a default line after an accept line
    (COMPATIBLE, "mc1\naccept driver=d\ndefault a.b=1\n", 3, 1, "the default line comes before every accept line"),
    (COMPATIBLE, "mc1\ndefault a.b=1\ndefault a.c=1\n", 3, 1, "there is at most one default line"),
]


def _parse(attribute: str, text: str) -> ParseError:
    parser = parse_version if attribute == VERSION else parse_compatible
    with pytest.raises(ParseError) as caught:
        parser(text)
    return caught.value


@pytest.mark.parametrize(("attribute", "text", "line", "column", "hint"), SLIPS)
def test_each_slip_gets_its_hint_and_keeps_its_code_and_position(
    attribute: str, text: str, line: int, column: int, hint: str
) -> None:
    error = _parse(attribute, text)
    assert (error.code, error.line, error.column) == ("syntax", line, column)
    assert error.hint is not None and hint in error.hint, error.hint
    assert "\n" not in error.hint
    assert str(error).endswith(f"; {error.hint}")
    assert "hint" not in error.to_dict()  # the library's error object is clause 7.3's; the commands add it


@pytest.mark.parametrize(
    ("attribute", "text"),
    [
        (VERSION, "mc1 a\n"),  # a key with no value after the header: no slip to name
        (VERSION, "mc1 a=1..$\n"),  # a range in a migration_version: not one of the slips
        (COMPATIBLE, "mc1\naccept a<=1\n"),  # a subset of a scalar
        (COMPATIBLE, "mc1\nacept a=1\n"),
        (COMPATIBLE, "mc1\naccept a=$1x..2\n"),
    ],
)
def test_other_syntax_errors_get_no_hint_or_a_fitting_one(attribute: str, text: str) -> None:
    error = _parse(attribute, text)
    assert error.code == "syntax"
    if text == "mc1\naccept a=$1x..2\n":
        assert error.hint is not None and error.hint.startswith("$1x is not a self-reference")
    else:
        assert error.hint is None, error.hint


@pytest.mark.parametrize(
    ("attribute", "text"),
    [
        (COMPATIBLE, "mc1\naccept stream_version=$1..$ features<=$ name=*\n"),
        (VERSION, "mc1 device_api=vfio-pci ~name=Dual%20port type=GRID%20T4-2Q\n"),
        (COMPATIBLE, "mc1\ndefault a.b=1\naccept a.b=1\n"),
    ],
)
def test_the_valid_forms_the_hints_name_stay_valid(attribute: str, text: str) -> None:
    (parse_version if attribute == VERSION else parse_compatible)(text)


def test_a_value_error_keeps_no_hint() -> None:
    """Only syntax errors get a hint: the codes of clause 7.3 already name their fault."""
    assert _parse(VERSION, "mc1 Q=007 a=$\n").hint is not None  # the grammar fails first, at Q
    assert _parse(VERSION, "mc1 a=007\n").hint is None


def test_the_other_attribute_still_wins() -> None:
    error = _parse(VERSION, "mc1\naccept A=$8\n")
    assert error.hint is not None and error.hint.endswith("parse it with parse_compatible()")


# ---- the commands ------------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_parse_shows_the_hint_after_the_error_and_in_json(tmp_path: Path) -> None:
    path = _write(tmp_path, "mv", "mc1 driver=nvidia type=GRID T4-2Q\n")
    result = CliRunner().invoke(main, ["parse", path])
    assert result.exit_code == ExitCode.NEGATIVE
    lines = result.stderr.splitlines()
    assert lines[0] == "migcompat: error[syntax]: expected one of '~', a key, found 'T4-2Q'"
    assert lines[-1] == (
        "migcompat: hint: T4-2Q is not a key=value: a value cannot hold a space; if it belongs to the value"
        " before it, escape the space as %20 (type=GRID%20T4-2Q)"
    )
    result = CliRunner().invoke(main, ["parse", "--format", "json", path])
    record = json.loads(result.stdout)
    assert record["error"]["code"] == "syntax"
    assert (record["error"]["line"], record["error"]["column"]) == (1, 29)
    assert record["error"]["hint"].endswith("(type=GRID%20T4-2Q)")


def test_parse_json_has_no_hint_without_a_slip(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["parse", "--format", "json", _write(tmp_path, "mv", "mc1 a\n")])
    assert "hint" not in json.loads(result.stdout)["error"]


def test_lint_shows_the_hint_under_the_excerpt_and_in_the_details(tmp_path: Path) -> None:
    path = _write(tmp_path, COMPATIBLE, "mc1\naccept driver=d features<=$1\n")
    result = CliRunner().invoke(main, ["lint", path])
    assert result.exit_code == ExitCode.NEGATIVE
    assert "     hint: the operand of <= is a set or $ alone, never $N (clause 5.6)\n" in result.stdout
    document = json.loads(CliRunner().invoke(main, ["lint", "--format", "json", path]).stdout)
    (failure,) = document["failures"]
    assert failure["details"] == {
        "error_code": "syntax",
        "hint": "the operand of <= is a set or $ alone, never $N (clause 5.6)",
    }


def test_check_gives_the_hint_in_text_and_in_schema_valid_json(tmp_path: Path) -> None:
    source = _write(tmp_path, "mv", "mc1 Driver=d\n")
    target = _write(tmp_path, "mcd", "mc1\naccept driver=d\n")
    result = CliRunner().invoke(main, ["check", source, target])
    assert result.exit_code == ExitCode.UNDECIDED
    assert "migcompat: hint: keys are lower case" in result.stderr
    result = CliRunner().invoke(main, ["check", "--format", "json", source, target])
    document = json.loads(result.stdout)
    assert document_errors("verdict", document) == []
    (error,) = document["input_errors"]
    assert error["error"]["hint"].endswith("write driver")


@pytest.mark.parametrize(("form", "shown"), [("ktap", "# hint: keys are lower"), ("junit", "hint: keys are lower")])
def test_conformance_reports_give_the_hint_in_every_format(tmp_path: Path, form: str, shown: str) -> None:
    capture = json.loads((ROOT / "conformance" / "samples" / "gvt-g" / "old.json").read_text())
    placement = next(p for p in capture["placements"] if "text" in p["attributes"]["migration_version"])
    placement["attributes"]["migration_version"]["text"] = "mc1 Driver=i915\n"
    path = tmp_path / "host.json"
    path.write_text(json.dumps(capture))
    result = CliRunner().invoke(main, ["conformance", "--format", form, str(path)])
    assert result.exit_code == ExitCode.NEGATIVE, result.output
    assert "MC-E1-PARSE" in result.stdout
    assert shown in result.stdout
    assert "write driver" in result.stdout


@pytest.mark.parametrize(
    ("attribute", "text", "hint"),
    [
        # review r20 finding 8: each of these had a wrong or misleading hint
        (COMPATIBLE, "mc1\ndefault feature~s={}\n", None),  # a ~ inside a key is not the mark
        (COMPATIBLE, "mc1\naccept type=$~\n", None),
        (COMPATIBLE, "mc1\naccept ~~name=x\n", "keys in accept lines carry no mark (clause 5.4): write name=x"),
        (VERSION, "mc1 ~Name=x\n", "write ~name"),  # the mark kept
        (COMPATIBLE, "mc1\naccept a=1\n$\n", None),  # not a default line
        (VERSION, "mc1 driver=foo type =x\n", "no space between a key and its operator: write type=x"),
        (COMPATIBLE, "mc1\naccept a=1 accept b=2\n", "accept starts a line: begin a new line before it"),
        (VERSION, "mc1 a=1 param b=2\n", "param starts a line"),
        (COMPATIBLE, "mc1\naccept a={x,y} z\n", None),  # no %20 can join a set and a word
    ],
)
def test_a_hint_says_nothing_rather_than_something_wrong(attribute: str, text: str, hint: str | None) -> None:
    error = _parse(attribute, text)
    assert error.code == "syntax"
    if hint is None:
        assert error.hint is None, error.hint
    else:
        assert error.hint is not None and hint in error.hint, error.hint


def test_a_hint_quotes_at_most_forty_characters_of_the_text() -> None:
    error = _parse(COMPATIBLE, "mc1\naccept a=" + "$" * 4000 + "\n")
    assert error.hint is not None and len(error.hint) < 200, error.hint
    assert error.hint.startswith("$$$") and "..." in error.hint
