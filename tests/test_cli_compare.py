"""The comparator commands: ``migcompat check``, ``relate`` and ``plan``.

CliRunner tests, with sysfs-like directories built in ``tmp_path``, and a few
runs of the installed script. Every JSON output is validated against its
schema (``spec/schema/{verdict,relation,plan}.schema.json``).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from migcompat import parse_compatible, parse_version
from migcompat.cli import main
from migcompat.cli.exitcodes import ExitCode
from migcompat.compare import MISSING_RULES, MISSING_SOURCE, check
from migcompat.plan import MISSING_TEMPLATE
from test_verdict_schema import (
    UUID1_RULES,
    UUID1_VERSION,
    UUID2_RULES,
    UUID2_VERSION,
    V5_8_RULES,
    V5_8_TEMPLATE,
    document_errors,
)

COMPATIBLE, NEGATIVE, USAGE, UNDECIDED = 0, 1, 2, 3


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def run(runner: CliRunner, *args: str, stdin: bytes | str | None = None) -> Result:
    """``migcompat ARGS`` in-process; a Python exception is a test failure, not a result."""
    return runner.invoke(main, list(args), input=stdin, catch_exceptions=False)


def write(directory: Path, name: str, content: str | bytes) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(content.encode("ascii") if isinstance(content, str) else content)
    return str(path)


def device(directory: Path, version: str | None, rules: str | None) -> str:
    """A sysfs device (or mdev type) directory holding the attributes given."""
    directory.mkdir(parents=True, exist_ok=True)
    if version is not None:
        write(directory, "migration_version", version)
    if rules is not None:
        write(directory, "migration_compatible_devices", rules)
    return str(directory)


def json_output(result: Result, schema: str) -> dict[str, object]:
    """The one JSON document *result* wrote, after checking it against *schema*."""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    document = json.loads(lines[0])
    assert isinstance(document, dict)
    assert document_errors(schema, document) == []
    return document


def codes(document: dict[str, object]) -> set[tuple[str, str | None]]:
    reasons = document["reasons"]
    assert isinstance(reasons, list)
    return {(reason["code"], reason["field"]) for reason in reasons}


@pytest.fixture
def gvt(tmp_path: Path) -> dict[str, str]:
    """The brief's UUID1 and UUID2 devices as loose files and as sysfs device directories."""
    return {
        "v1": write(tmp_path, "uuid1_version", UUID1_VERSION),
        "r1": write(tmp_path, "uuid1_rules", UUID1_RULES),
        "v2": write(tmp_path, "uuid2_version", UUID2_VERSION),
        "r2": write(tmp_path, "uuid2_rules", UUID2_RULES),
        "uuid1": device(tmp_path / "devices" / "uuid1", UUID1_VERSION, UUID1_RULES),
        "uuid2": device(tmp_path / "devices" / "uuid2", UUID2_VERSION, UUID2_RULES),
        "v5_8": device(tmp_path / "mdev_supported_types" / "i915-GVTg_V5_8", V5_8_TEMPLATE, V5_8_RULES),
    }


# --- help --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["check", "relate", "plan"])
def test_help(runner: CliRunner, command: str) -> None:
    result = run(runner, command, "--help")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: migcompat {command} ")
    assert "Examples:\n" in result.stdout
    assert f"\n    migcompat {command} " in result.stdout  # the example block kept its layout
    for code in ExitCode:
        assert re.search(rf"^ +{int(code)} +", result.stdout, re.MULTILINE), f"exit status {int(code)} missing"
    assert f"For {command}: 0 " in result.stdout
    assert f"{command}.schema.json" in result.stdout.replace("verdict.schema", "check.schema").replace(
        "relation.schema", "relate.schema"
    )


def test_group_help_lists_the_comparator_commands(runner: CliRunner) -> None:
    result = run(runner, "--help")
    for command in ("check", "relate", "plan"):
        assert re.search(rf"^  {command} +\S", result.stdout, re.MULTILINE), command


def test_relate_help_documents_require_for_ci(runner: CliRunner) -> None:
    text = " ".join(run(runner, "relate", "--help").stdout.split())
    assert "--require RELATION[,RELATION...]" in text
    assert "the exit status is 1 unless the relation is one of those given" in text
    assert "'--require equal,superset'" in text
    assert "stopped accepting" in text


# --- check: the GVT-g example both ways --------------------------------------------------------------


def test_check_uuid2_to_uuid1_is_compatible(runner: CliRunner, gvt: dict[str, str]) -> None:
    result = run(runner, "check", gvt["v2"], gvt["r1"], "--target-self", gvt["v1"])
    assert result.exit_code == COMPATIBLE
    assert result.stdout == "compatible (accepted): accepted by rule 1\n"
    assert result.stderr == ""

    document = json_output(
        run(runner, "check", "-f", "json", gvt["v2"], gvt["r1"], "--target-self", gvt["v1"]), "verdict"
    )
    assert document == {
        "source": gvt["v2"],
        "target": gvt["r1"],
        "target_self": gvt["v1"],
        "verdict": "compatible",
        "grade": "accepted",
        "matched_rule": 1,
        "nearest": [],
        "reasons": [],
        "also_near": 0,
        "choice": None,
    }


def test_check_uuid1_to_uuid2_is_incompatible(runner: CliRunner, gvt: dict[str, str]) -> None:
    result = run(runner, "check", gvt["v1"], gvt["r2"], "--target-self", gvt["v2"])
    assert result.exit_code == NEGATIVE
    assert result.stdout == "incompatible: no rule accepts the source (nearest: rule 0)\n"

    result = run(runner, "check", "--explain", gvt["v1"], gvt["r2"])
    assert result.exit_code == NEGATIVE
    lines = result.stdout.splitlines()
    assert lines[0] == "incompatible: no rule accepts the source (nearest: rule 0)"
    assert lines[1] == "  rule 0:"
    assert lines[2] == "    - [not-equal] gvt.interface_version 3 is not 1"
    assert lines[3].startswith("    - [unconstrained-critical] the source's critical field gvt.pv_mode={context,ppgtt}")

    result = run(runner, "check", "--format", "json", gvt["v1"], gvt["r2"], "--target-self", gvt["v2"])
    assert result.exit_code == NEGATIVE
    document = json_output(result, "verdict")
    assert document["verdict"] == "incompatible"
    assert document["grade"] is None
    assert document["matched_rule"] is None
    assert codes(document) == {("not-equal", "gvt.interface_version"), ("unconstrained-critical", "gvt.pv_mode")}
    reasons = {reason["code"]: reason for reason in document["reasons"]}  # type: ignore[attr-defined]
    assert reasons["not-equal"]["source"] == "3"
    assert reasons["not-equal"]["allowed"] == "=1"
    assert reasons["unconstrained-critical"]["source"] == "{context,ppgtt}"
    assert document["nearest"] == [{"rule": 0, "outcome": "failed", "reasons": document["reasons"], "more_reasons": 0}]


def test_check_sysfs_device_directories(runner: CliRunner, gvt: dict[str, str]) -> None:
    result = run(runner, "check", "-f", "json", gvt["uuid2"], gvt["uuid1"])
    assert result.exit_code == COMPATIBLE
    document = json_output(result, "verdict")
    assert document["source"] == os.path.join(gvt["uuid2"], "migration_version")
    assert document["target"] == os.path.join(gvt["uuid1"], "migration_compatible_devices")
    assert document["target_self"] == os.path.join(gvt["uuid1"], "migration_version")
    assert (document["verdict"], document["grade"], document["matched_rule"]) == ("compatible", "accepted", 1)

    result = run(runner, "check", gvt["uuid1"], gvt["uuid2"])
    assert result.exit_code == NEGATIVE
    assert result.stdout.startswith("incompatible: ")


def test_check_identical_grade_needs_the_target_s_own_description(runner: CliRunner, gvt: dict[str, str]) -> None:
    result = run(runner, "check", gvt["uuid1"], gvt["uuid1"])
    assert result.exit_code == COMPATIBLE
    assert result.stdout == "compatible (identical): accepted by rule 0\n"
    # the rules file alone: accepted, but nothing says the target is the same configuration
    result = run(runner, "check", gvt["uuid1"], os.path.join(gvt["uuid1"], "migration_compatible_devices"))
    assert result.stdout == "compatible (accepted): accepted by rule 0\n"


def test_check_target_self_overrides_the_directory(runner: CliRunner, gvt: dict[str, str]) -> None:
    result = run(runner, "check", "-f", "json", gvt["uuid1"], gvt["uuid1"], "--target-self", gvt["v2"])
    document = json_output(result, "verdict")
    assert document["target_self"] == gvt["v2"]
    assert document["grade"] == "accepted"
    # a device directory works as --target-self too
    result = run(runner, "check", "-f", "json", gvt["v1"], gvt["r1"], "--target-self", gvt["uuid1"])
    document = json_output(result, "verdict")
    assert document["target_self"] == os.path.join(gvt["uuid1"], "migration_version")
    assert document["grade"] == "identical"


def test_check_source_from_standard_input(runner: CliRunner, gvt: dict[str, str]) -> None:
    result = run(runner, "check", "-f", "json", "-", gvt["uuid1"], stdin=UUID2_VERSION)
    assert result.exit_code == COMPATIBLE
    assert json_output(result, "verdict")["source"] == "-"


def test_check_dollar_without_the_target_s_values_is_unknown(
    runner: CliRunner, gvt: dict[str, str], tmp_path: Path
) -> None:
    rules = os.path.join(gvt["v5_8"], "migration_compatible_devices")
    result = run(runner, "check", gvt["v2"], rules)
    assert result.exit_code == UNDECIDED
    assert result.stdout == "unknown: the rule compares share with the target's own value ($), which is not known\n"
    assert "hint: " in result.stderr
    assert "--target-self" in result.stderr
    # the type directory: its template's share depends on aggregate, and the verdict is the one over
    # every device the type can create (clause 8.5): aggregate=4 gives share=1/2
    result = run(runner, "check", gvt["v2"], gvt["v5_8"])
    assert result.exit_code == COMPATIBLE
    document = json_output(run(runner, "check", "-f", "json", gvt["v2"], gvt["v5_8"]), "verdict")
    assert document["verdict"] == "compatible"
    # a created device: aggregate=4 gives share=1/2
    created = write(tmp_path, "created", UUID2_VERSION.replace("aggregate=2", "aggregate=4").replace("V5_4", "V5_8"))
    result = run(runner, "check", gvt["v2"], rules, "--target-self", created)
    assert result.exit_code == COMPATIBLE


def test_check_a_template_source_is_unknown(runner: CliRunner, gvt: dict[str, str]) -> None:
    result = run(runner, "check", "-f", "json", gvt["v5_8"], gvt["uuid1"])
    assert result.exit_code == UNDECIDED
    assert codes(json_output(result, "verdict")) == {("source-is-template", None)}


def test_check_target_that_accepts_nothing(runner: CliRunner, gvt: dict[str, str], tmp_path: Path) -> None:
    result = run(runner, "check", "-f", "json", gvt["v1"], write(tmp_path, "none", "mc1\n"))
    assert result.exit_code == NEGATIVE
    assert codes(json_output(result, "verdict")) == {("no-rules", None)}
    result = run(runner, "check", gvt["v1"], write(tmp_path, "none", "mc1\n"))
    assert result.exit_code == NEGATIVE
    assert result.stdout == "incompatible: the target's migration_compatible_devices has no accept rule\n"


def test_check_and_plan_a_type_whose_dollar_n_reads_a_token(runner: CliRunner, tmp_path: Path) -> None:
    """Row 8.1-PX3 through the commands: $1 of a parameter's token is false under every choice, so check and plan
    answer incompatible (exit 1) with the reason type-mismatch, never an internal error (review r19, M05)."""
    source = write(tmp_path, "source", "mc1 driver=d mode=a acme.v=2.0\n")
    template = write(tmp_path, "template", "mc1 driver=d\nparam mode=a acme.v=tok\nparam mode=b acme.v=tok2\n")
    rules = write(tmp_path, "rules", "mc1\naccept driver=d mode=* acme.v=$1\naccept driver=d mode=* acme.v=1.0\n")
    mismatch = (
        "the rule compares acme.v with a prefix of the target's own acme.v (acme.v=$1),"
        " but the target's own value tok is not a version"
    )
    result = run(runner, "check", "--explain", source, rules, "--target-self", template)
    assert (result.exit_code, result.stderr) == (NEGATIVE, "")
    assert result.stdout.splitlines() == [
        "incompatible: no rule accepts the source (nearest: rule 0, 1, with the creation parameters mode=a)",
        "  rule 0:",
        f"    - [type-mismatch] {mismatch}",
        "  rule 1:",
        "    - [not-equal] acme.v 2.0 is not 1.0",
    ]
    document = json_output(run(runner, "check", "-f", "json", source, rules, "--target-self", template), "verdict")
    assert document["verdict"] == "incompatible" and document["choice"] == {"mode": "a"}
    assert codes(document) == {("type-mismatch", "acme.v"), ("not-equal", "acme.v")}
    result = run(runner, "plan", source, "--type-version", template, "--type-rules", rules)
    assert (result.exit_code, result.stderr) == (NEGATIVE, "")
    assert result.stdout.splitlines()[:2] == [
        "no parameter choice: no device created from this type is known to accept the source",
        "  nearest: the device created with mode=a:",
    ]
    assert f"        - [type-mismatch] {mismatch}" in result.stdout.splitlines()
    document = json_output(
        run(runner, "plan", "-f", "json", source, "--type-version", template, "--type-rules", rules), "plan"
    )
    assert document["answer"] == "incompatible" and document["combinations"] == []


# --- check: inputs it cannot use ---------------------------------------------------------------------


@pytest.mark.parametrize("where", ["source", "target", "target_self"])
def test_check_unsupported_format_version_is_unknown(
    runner: CliRunner, gvt: dict[str, str], tmp_path: Path, where: str
) -> None:
    source, target, own = gvt["v2"], gvt["r1"], gvt["v1"]
    if where == "source":
        source = write(tmp_path, "mc2", "mc2 device_api=vfio-pci driver=i915\n")
    elif where == "target":
        target = write(tmp_path, "mc2", "mc2\naccept device_api=vfio-pci\n")
    else:
        own = write(tmp_path, "mc2", "mc2 device_api=vfio-pci driver=i915\n")
    result = run(runner, "check", "-f", "json", source, target, "--target-self", own)
    assert result.exit_code == UNDECIDED
    document = json_output(result, "verdict")
    assert document["verdict"] == "unknown"
    assert codes(document) == {("unsupported-version", None)}
    message = document["reasons"][0]["message"]  # type: ignore[index]
    assert f"({where.replace('_', ' ')}): format version 2 is not supported" in message
    assert str(tmp_path / "mc2") in message

    result = run(runner, "check", "--explain", source, target, "--target-self", own)
    assert result.exit_code == UNDECIDED
    assert result.stdout.startswith("unknown: ")
    assert "[unsupported-version]" in result.stdout


def test_check_invalid_string_is_reported_like_parse(runner: CliRunner, gvt: dict[str, str], tmp_path: Path) -> None:
    bad = write(tmp_path, "bad", "mc1 aggregate=01 device_api=vfio-pci\n")
    result = run(runner, "check", bad, gvt["r1"])
    assert result.exit_code == UNDECIDED
    # An invalid source counts as missing: row 8.5-VD2's verdict, with the reason of 8.8-NR5 (clause 8.8).
    assert result.stdout == "unknown: the source's migration_version is missing or invalid\n"
    assert result.stderr.startswith("migcompat: error[leading-zero]: ")
    assert f"--> {bad}:1:15" in result.stderr
    assert "1 | mc1 aggregate=01 device_api=vfio-pci\n" in result.stderr
    assert re.search(r"^ +\| +\^+$", result.stderr, re.MULTILINE)
    # the same error as 'migcompat parse' reports
    assert run(runner, "parse", bad).stderr == result.stderr

    result = run(runner, "check", "-f", "json", bad, gvt["r1"])
    assert result.exit_code == UNDECIDED
    # In JSON mode, one line with the code and the position: the error's whole report is the JSON document.
    assert (
        result.stderr
        == f"migcompat: error[leading-zero]: {bad} (source), line 1, column 15: integer 01 has a leading zero\n"
    )
    document = json_output(result, "verdict")
    assert document == {
        "source": bad,
        "target": gvt["r1"],
        "target_self": None,
        **check(None, parse_compatible(Path(gvt["r1"]).read_text())).to_json(),
        "input_errors": [
            {
                "input": "source",
                "path": bad,
                "attribute": "migration_version",
                "error": {
                    "code": "leading-zero",
                    "message": document["input_errors"][0]["error"]["message"],  # type: ignore[index]
                    "line": 1,
                    "column": 15,
                },
            }
        ],
    }


def test_check_invalid_rules_in_the_target_directory(runner: CliRunner, gvt: dict[str, str], tmp_path: Path) -> None:
    broken = device(tmp_path / "broken", UUID1_VERSION, "mc1\naccept share=2/4\n")
    result = run(runner, "check", gvt["v2"], broken)
    assert result.exit_code == UNDECIDED
    assert "error[unreduced-ratio]" in result.stderr
    document = json_output(run(runner, "check", "-f", "json", gvt["v2"], broken), "verdict")
    [error] = document["input_errors"]  # type: ignore[misc]
    assert error["input"] == "target"
    assert error["attribute"] == "migration_compatible_devices"
    assert (error["error"]["code"], error["error"]["line"]) == ("unreduced-ratio", 2)


def test_check_swapped_arguments_get_a_hint(runner: CliRunner, gvt: dict[str, str]) -> None:
    result = run(runner, "check", gvt["r2"], gvt["v1"])
    assert result.exit_code == UNDECIDED
    assert "error[syntax]" in result.stderr
    assert f"hint: SOURCE and TARGET look swapped ({gvt['r2']} holds rules, {gvt['v1']} a migration_version)" in (
        result.stderr
    )
    assert result.stderr.count("hint:") == 1  # one hint for the two inputs


def test_check_missing_file(runner: CliRunner, gvt: dict[str, str], tmp_path: Path) -> None:
    missing = str(tmp_path / "missing")
    result = run(runner, "check", missing, gvt["r1"])
    assert result.exit_code == UNDECIDED
    assert result.stdout == "unknown: the source's migration_version is missing or invalid\n"
    assert (
        result.stderr
        == f"migcompat: error[input-unreadable]: cannot read {missing} (source): No such file or directory\n"
    )

    result = run(runner, "check", "-f", "json", gvt["v1"], missing)
    assert result.exit_code == UNDECIDED
    assert "cannot read" in result.stderr  # a read error goes to standard error in JSON mode too
    document = json_output(result, "verdict")
    assert document["input_errors"] == [
        {
            "input": "target",
            "path": missing,
            "error": {"code": "input-unreadable", "message": "No such file or directory"},
        }
    ]
    assert (document["verdict"], document["reasons"]) == ("unknown", [MISSING_RULES.to_json()])


def test_check_directory_without_the_attribute(runner: CliRunner, gvt: dict[str, str], tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run(runner, "check", str(empty), gvt["uuid1"])
    assert result.exit_code == UNDECIDED
    assert (
        result.stderr == f"migcompat: error[input-unreadable]: cannot read {empty} (source):"
        " the directory has no migration_version attribute\n"
    )
    result = run(runner, "check", "-f", "json", gvt["v1"], str(empty))
    assert json_output(result, "verdict")["input_errors"] == [
        {
            "input": "target",
            "path": str(empty),
            "error": {
                "code": "input-unreadable",
                "message": "the directory has no migration_compatible_devices attribute",
            },
        }
    ]


def test_check_reports_every_broken_input(runner: CliRunner, tmp_path: Path) -> None:
    bad = write(tmp_path, "bad", "mc1 x=1 x=2\n")
    result = run(runner, "check", "-f", "json", bad, str(tmp_path / "missing"), "--target-self", bad + "2")
    assert result.exit_code == UNDECIDED
    document = json_output(result, "verdict")
    assert [error["input"] for error in document["input_errors"]] == ["source", "target", "target_self"]  # type: ignore[attr-defined]
    assert document["reasons"] == [MISSING_SOURCE.to_json(), MISSING_RULES.to_json()]


def test_check_only_one_input_can_be_standard_input(runner: CliRunner) -> None:
    result = run(runner, "check", "-", "-", stdin="")
    assert result.exit_code == USAGE
    assert "only one input can be standard input" in result.stderr


def test_check_needs_two_arguments(runner: CliRunner, gvt: dict[str, str]) -> None:
    assert run(runner, "check", gvt["v1"]).exit_code == USAGE
    assert run(runner, "check", "--format", "yaml", gvt["v1"], gvt["r1"]).exit_code == USAGE


# --- relate ------------------------------------------------------------------------------------------

BASE = "mc1\naccept device_api=vfio-pci driver=i915 gvt.interface_version=1..2 stream=gvt-gen9 type=i915-GVTg_V5_4\n"
NARROWER = "mc1\naccept device_api=vfio-pci driver=i915 gvt.interface_version=1 stream=gvt-gen9 type=i915-GVTg_V5_4\n"
SPLIT = (  # the same sources as BASE, written as two rules
    "mc1\n"
    "accept device_api=vfio-pci driver=i915 gvt.interface_version=1 stream=gvt-gen9 type=i915-GVTg_V5_4\n"
    "accept device_api=vfio-pci driver=i915 gvt.interface_version=2 stream=gvt-gen9 type=i915-GVTg_V5_4\n"
)
OTHER_DRIVER = "mc1\naccept device_api=vfio-pci driver=nvidia stream=grid type=nvidia-222\n"
SHIFTED = "mc1\naccept device_api=vfio-pci driver=i915 gvt.interface_version=2..3 stream=gvt-gen9 type=i915-GVTg_V5_4\n"

RELATIONS = {
    "equal": (BASE, SPLIT, "A and B are EQUAL: they accept the same sources", (False, False, True)),
    "subset": (NARROWER, BASE, "A is a SUBSET of B: B accepts every source A accepts, and more", (False, True, True)),
    "superset": (
        BASE,
        NARROWER,
        "A is a SUPERSET of B: A accepts every source B accepts, and more",
        (True, False, True),
    ),
    "disjoint": (BASE, OTHER_DRIVER, "A and B are DISJOINT: no source is accepted by both", (True, True, False)),
    "overlap": (
        BASE,
        SHIFTED,
        "A and B OVERLAP: both accept some sources, and each accepts some the other does not",
        (True, True, True),
    ),
}
LABELS = ("accepted by A only:", "accepted by B only:", "accepted by both:")


@pytest.mark.parametrize("relation", sorted(RELATIONS))
def test_relate_each_relation(runner: CliRunner, tmp_path: Path, relation: str) -> None:
    first, second, sentence, present = RELATIONS[relation]
    a, b = write(tmp_path, "a", first), write(tmp_path, "b", second)
    result = run(runner, "relate", a, b)
    assert result.exit_code == COMPATIBLE
    lines = result.stdout.splitlines()
    assert lines[:3] == [f"A: {a}", f"B: {b}", sentence]
    witnesses = {line.split(":", 1)[0] + ":": line.split(":", 1)[1].strip() for line in lines[3:]}
    assert set(witnesses) == {label for label, shown in zip(LABELS, present, strict=True) if shown}
    for text in witnesses.values():
        assert parse_version(text).fields["driver"].value in ("i915", "nvidia")

    result = run(runner, "relate", "--format", "json", a, b)
    assert result.exit_code == COMPATIBLE
    document = json_output(result, "relation")
    assert document["relation"] == relation
    assert (document["a"], document["b"], document["a_self"], document["b_self"]) == (a, b, None, None)
    assert "required" not in document
    for member, label in zip(("only_first", "only_second", "both"), LABELS, strict=True):
        if label in witnesses:
            assert document[member] == witnesses[label] + "\n"
        else:
            assert document[member] is None


def test_relate_witnesses_are_the_difference(runner: CliRunner, tmp_path: Path) -> None:
    a, b = write(tmp_path, "a", BASE), write(tmp_path, "b", NARROWER)
    document = json_output(run(runner, "relate", "-f", "json", a, b), "relation")
    only_a = document["only_first"]
    assert isinstance(only_a, str)
    assert parse_version(only_a).fields["gvt.interface_version"].value == 2
    # the witness really is accepted by A and not by B
    source = write(tmp_path, "witness", only_a)
    assert run(runner, "check", source, a).exit_code == COMPATIBLE
    assert run(runner, "check", source, b).exit_code == NEGATIVE


@pytest.mark.parametrize("relation", sorted(RELATIONS))
def test_relate_require(runner: CliRunner, tmp_path: Path, relation: str) -> None:
    first, second, _, _ = RELATIONS[relation]
    a, b = write(tmp_path, "a", first), write(tmp_path, "b", second)
    result = run(runner, "relate", "--require", f"{relation},disjoint", a, b)
    assert result.exit_code == COMPATIBLE
    assert result.stderr == ""
    others = [name for name in RELATIONS if name != relation]
    result = run(runner, "relate", "--require", ",".join(others), a, b)
    assert result.exit_code == NEGATIVE
    assert (
        result.stderr
        == f"migcompat: error: the relation is {relation}, but --require allows only {', '.join(others)}\n"
    )
    assert result.stdout.splitlines()[2] == RELATIONS[relation][2]  # the witnesses are still shown

    result = run(runner, "relate", "-f", "json", "--require", others[0], "--require", others[1], a, b)
    assert result.exit_code == NEGATIVE
    document = json_output(result, "relation")
    assert document["required"] == others[:2]
    assert document["satisfied"] is False
    document = json_output(run(runner, "relate", "-f", "json", "--require", relation.upper(), a, b), "relation")
    assert (document["required"], document["satisfied"]) == ([relation], True)


def test_relate_require_catches_a_driver_that_stopped_accepting(runner: CliRunner, tmp_path: Path) -> None:
    """The vendor CI check: the new driver must accept everything the old one did."""
    old = device(tmp_path / "old", None, UUID1_RULES)
    new_rules = UUID1_RULES.replace("gvt.interface_version=2..3", "gvt.interface_version=3")
    new = device(tmp_path / "new", None, new_rules)
    result = run(runner, "relate", "--require", "equal,superset", new, old)
    assert result.exit_code == NEGATIVE
    assert "A is a SUBSET of B" in result.stdout
    [line] = [line for line in result.stdout.splitlines() if line.startswith("accepted by B only:")]
    lost = parse_version(line.split(":", 1)[1].strip())
    assert lost.fields["gvt.interface_version"].value == 2
    assert "the relation is subset, but --require allows only equal, superset" in result.stderr
    # the other way round the update is fine
    assert run(runner, "relate", "--require", "equal,superset", old, new).exit_code == COMPATIBLE


def test_relate_bad_require_is_a_usage_error(runner: CliRunner, gvt: dict[str, str]) -> None:
    result = run(runner, "relate", "--require", "equal,similar", gvt["r1"], gvt["r2"])
    assert result.exit_code == USAGE
    assert "'similar' is not a relation; use equal, subset, superset, disjoint, overlap" in result.stderr


def test_relate_gvt_rule_sets(runner: CliRunner, gvt: dict[str, str]) -> None:
    result = run(runner, "relate", "-f", "json", gvt["uuid1"], gvt["uuid2"])
    assert result.exit_code == COMPATIBLE
    document = json_output(result, "relation")
    assert document["a_self"] == os.path.join(gvt["uuid1"], "migration_version")
    assert document["b_self"] == os.path.join(gvt["uuid2"], "migration_version")
    assert document["relation"] == "overlap"


def test_relate_notes_an_unresolved_dollar(runner: CliRunner, gvt: dict[str, str]) -> None:
    rules = os.path.join(gvt["v5_8"], "migration_compatible_devices")
    result = run(runner, "relate", rules, gvt["r2"])
    assert result.exit_code == COMPATIBLE
    lines = result.stdout.splitlines()
    assert "A is a SUBSET of B" in lines[2]
    assert lines[-1] == (
        "migcompat: note: A rule 0: share=$ refers to the target's own share, which is not known; the rule"
        " accepts nothing"
    )
    document = json_output(run(runner, "relate", "-f", "json", rules, gvt["r2"]), "relation")
    assert document["notes"] == [
        "first rule 0: share=$ refers to the target's own share, which is not known; the rule accepts nothing"
    ]
    # --a-self resolves it: a device created with aggregate=4 (share=1/2)
    created = UUID2_VERSION.replace("aggregate=2", "aggregate=4")
    result = run(runner, "relate", "-f", "json", rules, gvt["r2"], "--a-self", "-", stdin=created)
    assert json_output(result, "relation")["notes"] == []


def test_relate_a_type_stands_for_every_device_it_can_create(runner: CliRunner, gvt: dict[str, str]) -> None:
    """The type directory's template resolves share=$ once per aggregate value (clause 8.5)."""
    result = run(runner, "relate", "-f", "json", gvt["v5_8"], gvt["r2"])
    assert result.exit_code == COMPATIBLE
    document = json_output(result, "relation")
    assert document["notes"] == []
    # The type accepts sources of every share k/8; UUID2's rules accept share 1/2 only.
    assert document["relation"] in ("superset", "overlap")
    assert document["only_first"] is not None
    assert "share=1/2" not in document["only_first"]


def test_relate_inputs_it_cannot_use(runner: CliRunner, gvt: dict[str, str], tmp_path: Path) -> None:
    bad = write(tmp_path, "bad", "mc1\naccept driver=i915 driver=i915\n")
    result = run(runner, "relate", bad, gvt["r1"])
    assert result.exit_code == UNDECIDED
    assert result.stdout == ""
    assert "error[duplicate-key]" in result.stderr
    mc2 = write(tmp_path, "mc2", "mc2\n")
    result = run(runner, "relate", "-f", "json", gvt["r1"], mc2)
    assert result.exit_code == UNDECIDED
    document = json_output(result, "relation")
    assert document["input_errors"][0]["input"] == "b"  # type: ignore[index]
    assert document["input_errors"][0]["error"]["code"] == "unsupported-version"  # type: ignore[index]
    result = run(runner, "relate", "-f", "json", gvt["r1"], str(tmp_path / "missing"))
    assert result.exit_code == UNDECIDED
    assert json_output(result, "relation")["input_errors"][0]["error"] == {
        "code": "input-unreadable",
        "message": "No such file or directory",
    }  # type: ignore[index]


# --- plan --------------------------------------------------------------------------------------------


def test_plan_gvt_v5_8_picks_aggregate_4(runner: CliRunner, gvt: dict[str, str]) -> None:
    result = run(runner, "plan", gvt["v2"], gvt["v5_8"])
    assert result.exit_code == COMPATIBLE
    assert result.stdout == (
        "create the device with aggregate=4: compatible (accepted), by rule 0\n"
        "  aggregate: 4 works (declared: 1|2|3|4|5|6|7|8)\n"
    )

    result = run(runner, "plan", "--format", "json", gvt["uuid2"], gvt["v5_8"])
    assert result.exit_code == COMPATIBLE
    document = json_output(result, "plan")
    assert document["source"] == os.path.join(gvt["uuid2"], "migration_version")
    assert document["type_version"] == os.path.join(gvt["v5_8"], "migration_version")
    assert document["type_rules"] == os.path.join(gvt["v5_8"], "migration_compatible_devices")
    assert document["answer"] == "compatible"
    assert document["choice"] == {"aggregate": "4"}
    assert document["verdict"] == {
        "verdict": "compatible",
        "grade": "accepted",
        "matched_rule": 0,
        "nearest": [],
        "reasons": [],
        "also_near": 0,
        "choice": {"aggregate": "4"},
    }
    assert document["parameters"] == [
        {"name": "aggregate", "values": ["1", "2", "3", "4", "5", "6", "7", "8"], "working": ["4"], "relevant": True}
    ]
    assert document["combinations"] == [{"rule": 0, "values": {"aggregate": ["4"]}}]
    assert document["independent"] is True


def test_plan_with_no_solution(runner: CliRunner, gvt: dict[str, str], tmp_path: Path) -> None:
    third = write(tmp_path, "third", UUID2_VERSION.replace("share=1/2", "share=1/3"))
    result = run(runner, "plan", third, gvt["v5_8"])
    assert result.exit_code == NEGATIVE
    lines = result.stdout.splitlines()
    assert lines[0] == "no parameter choice: no device created from this type is known to accept the source"
    assert lines[1] == "  nearest: the device created with aggregate=1:"
    assert "        - [not-equal] share 1/3 is not 1/8" in lines
    document = json_output(run(runner, "plan", "-f", "json", third, gvt["v5_8"]), "plan")
    assert document["answer"] == "incompatible"
    assert document["combinations"] == []
    assert document["parameters"][0]["working"] == []  # type: ignore[index]
    assert document["verdict"]["verdict"] == "incompatible"  # type: ignore[index]


def test_plan_undecided_is_unknown(runner: CliRunner, gvt: dict[str, str], tmp_path: Path) -> None:
    no_share = write(tmp_path, "no_share", UUID2_VERSION.replace(" share=1/2", ""))
    result = run(runner, "plan", "-f", "json", no_share, gvt["v5_8"])
    assert result.exit_code == UNDECIDED
    document = json_output(result, "plan")
    assert document["answer"] == "unknown"
    assert document["verdict"]["reasons"][0]["code"] == "missing-field"  # type: ignore[index]


def test_plan_with_files_and_free_parameters(runner: CliRunner, gvt: dict[str, str], tmp_path: Path) -> None:
    template = write(tmp_path, "template", V5_8_TEMPLATE + "param ~display=hdmi\nparam ~display=vga\n")
    rules = os.path.join(gvt["v5_8"], "migration_compatible_devices")
    result = run(runner, "plan", gvt["v2"], "--type-version", template, "--type-rules", rules)
    assert result.exit_code == COMPATIBLE
    assert "  display: any of hdmi|vga (no rule reads it)" in result.stdout.splitlines()
    document = json_output(
        run(runner, "plan", "-f", "json", gvt["v2"], "--type-version", template, "--type-rules", rules), "plan"
    )
    assert document["parameters"][1] == {  # type: ignore[index]
        "name": "display",
        "values": ["hdmi", "vga"],
        "working": ["hdmi", "vga"],
        "relevant": False,
    }
    assert document["choice"] == {"aggregate": "4", "display": "hdmi"}
    assert document["type_version"] == template
    # an option overrides one file of the TYPE directory
    result = run(runner, "plan", "-f", "json", gvt["v2"], gvt["v5_8"], "--type-version", template)
    assert json_output(result, "plan")["type_version"] == template


def test_plan_against_a_device_says_there_is_nothing_to_choose(runner: CliRunner, gvt: dict[str, str]) -> None:
    result = run(runner, "plan", gvt["v1"], gvt["uuid2"])
    assert "no param lines" in result.stderr and "migcompat check" in result.stderr
    assert "no param lines" not in run(runner, "plan", gvt["v2"], gvt["v5_8"]).stderr


def test_plan_needs_a_type(runner: CliRunner, gvt: dict[str, str]) -> None:
    result = run(runner, "plan", gvt["v2"])
    assert result.exit_code == USAGE
    assert "give an mdev type directory TYPE, or both --type-version and --type-rules" in result.stderr
    assert run(runner, "plan", gvt["v2"], "--type-version", gvt["v1"]).exit_code == USAGE
    assert run(runner, "plan", gvt["v2"], gvt["v1"]).exit_code == UNDECIDED  # a file is no type directory: unreadable


def test_plan_unsupported_version_is_unknown(runner: CliRunner, gvt: dict[str, str], tmp_path: Path) -> None:
    mc2 = write(tmp_path, "mc2", "mc2 device_api=vfio-pci\n")
    result = run(runner, "plan", "-f", "json", mc2, gvt["v5_8"])
    assert result.exit_code == UNDECIDED
    document = json_output(result, "plan")
    assert document["answer"] == "unknown"
    assert document["choice"] == {}
    assert document["verdict"]["reasons"][0]["code"] == "unsupported-version"  # type: ignore[index]
    result = run(runner, "plan", mc2, gvt["v5_8"])
    assert result.exit_code == UNDECIDED
    assert "format version 2 is not supported" in result.stdout


def test_plan_inputs_it_cannot_use(runner: CliRunner, gvt: dict[str, str], tmp_path: Path) -> None:
    half_type = device(tmp_path / "half_type", V5_8_TEMPLATE, None)
    result = run(runner, "plan", gvt["v2"], half_type)
    assert result.exit_code == UNDECIDED
    assert "the directory has no migration_compatible_devices attribute" in result.stderr
    assert result.stdout.startswith("unknown")  # the type's rules are missing: row 8.5-VD2, clause 8.8
    assert "[missing-attribute] the target's migration_compatible_devices is missing" in result.stdout
    assert "nearest" not in result.stdout  # no device was decided
    document = json_output(run(runner, "plan", "-f", "json", gvt["v2"], half_type), "plan")
    assert (document["answer"], document["choice"], document["parameters"]) == ("unknown", {}, [])
    assert document["verdict"]["reasons"] == [MISSING_RULES.to_json()]  # type: ignore[index]
    conflict = device(tmp_path / "conflict", V5_8_TEMPLATE + "param other=1 share=1/8\n", V5_8_RULES)
    result = run(runner, "plan", "-f", "json", gvt["v2"], conflict)
    assert result.exit_code == UNDECIDED
    document = json_output(result, "plan")
    assert document["input_errors"][0]["input"] == "type_version"  # type: ignore[index]
    assert document["input_errors"][0]["error"]["code"] == "param-conflict"  # type: ignore[index]
    assert document["verdict"]["reasons"] == [MISSING_TEMPLATE.to_json()]  # type: ignore[index]


# --- the installed script ----------------------------------------------------------------------------

SCRIPT = Path(sys.executable).with_name("migcompat")
needs_script = pytest.mark.skipif(not SCRIPT.exists(), reason="the migcompat script is not installed")


def script(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run([str(SCRIPT), *args], input=stdin, capture_output=True, env=env, timeout=60, check=False)


@needs_script
def test_script_check_both_ways(gvt: dict[str, str]) -> None:
    result = script("check", gvt["uuid2"], gvt["uuid1"])
    assert (result.returncode, result.stdout) == (0, b"compatible (accepted): accepted by rule 1\n")
    result = script("check", "--format", "json", "-", gvt["uuid2"], stdin=UUID1_VERSION.encode())
    assert result.returncode == 1
    document = json.loads(result.stdout)
    assert document_errors("verdict", document) == []
    assert {reason["code"] for reason in document["reasons"]} == {"not-equal", "unconstrained-critical"}
    result = script("check", "-", gvt["uuid2"], stdin=b"mc2 device_api=vfio-pci\n")
    assert result.returncode == 3
    assert result.stdout.startswith(b"unknown: <stdin> (source): format version 2 is not supported")
    assert b"Traceback" not in result.stderr


@needs_script
def test_script_relate_require_and_plan(gvt: dict[str, str], tmp_path: Path) -> None:
    narrower = write(tmp_path, "narrower", NARROWER)
    base = write(tmp_path, "base", BASE)
    result = script("relate", "--require", "equal,superset", narrower, base)
    assert result.returncode == 1
    assert b"A is a SUBSET of B" in result.stdout
    assert b"--require allows only equal, superset" in result.stderr
    result = script("plan", "--format", "json", gvt["uuid2"], gvt["v5_8"])
    assert result.returncode == 0
    document = json.loads(result.stdout)
    assert document_errors("plan", document) == []
    assert document["choice"] == {"aggregate": "4"}


# --- device directories: the attributes in vfio-dev/vfioN (spec 1.1, clause 10) -------------------------


def _device(root: Path, name: str, *vfio: str) -> Path:
    device = root / name
    for entry in vfio:
        placement = device / "vfio-dev" / entry
        placement.mkdir(parents=True)
        (placement / "migration_version").write_text("mc1 device_api=vfio-pci driver=mtty stream_version=1.1\n")
        (placement / "migration_compatible_devices").write_text(
            "mc1\naccept device_api=vfio-pci driver=mtty stream_version=1.0..$\n"
        )
    return device


def test_a_device_directory_is_read_through_its_vfio_device(runner: CliRunner, tmp_path: Path) -> None:
    device = _device(tmp_path, "0000:3b:00.1", "vfio7")
    result = run(runner, "check", str(device), str(device))
    assert result.exit_code == ExitCode.SUCCESS, result.output
    assert result.stdout.startswith("compatible (identical)")


def test_a_device_with_two_vfio_devices_names_no_placement(runner: CliRunner, tmp_path: Path) -> None:
    device = _device(tmp_path, "0000:3b:00.2", "vfio1", "vfio2")
    result = run(runner, "check", str(device), str(device))
    assert result.exit_code == ExitCode.UNDECIDED
    assert "vfio-dev (source): it holds 2 vfio devices (vfio1, vfio2), where the kernel makes one" in result.stderr
