"""Rules that read ``$`` compared without their device's description: no requirement is checked on them.

Related without the target's own description, a rule's ``$`` parts accept
nothing (clause 8.7), which is what a verdict of such a target says (unknown,
never compatible). What the real device accepts is then not known, so
``relate --require`` and ``diff`` answer undecided (exit status 3) instead of
a vacuous "equal" between two rule sets that accept nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from migcompat import parse_compatible
from migcompat.cli import main
from migcompat.relate import Relation, relate
from migcompat.semantics.rules import self_keys
from test_verdict_schema import document_errors

ROOT = Path(__file__).resolve().parents[1]
UPDATE = ROOT / "docs" / "examples" / "driver-update"
OLD_RULES = UPDATE / "mlx5-old" / "migration_compatible_devices"
NEW_RULES = UPDATE / "mlx5-new" / "migration_compatible_devices"
SUCCESS, NEGATIVE, UNDECIDED = 0, 1, 3


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_self_keys_lists_the_keys_read_through_self() -> None:
    rules = parse_compatible("mc1\naccept a=1 b=$ c<=$ d=1..$ e=$1 f=*\naccept a=$|2\n")
    assert self_keys(rules) == ("a", "b", "c", "d", "e")
    assert self_keys(parse_compatible("mc1\naccept a=1 f=*\n")) == ()


def test_the_relation_alone_is_still_computed_and_noted(runner: CliRunner) -> None:
    result = runner.invoke(main, ["relate", "--old", str(OLD_RULES), "--new", str(NEW_RULES)])
    assert result.exit_code == SUCCESS, result.output
    assert "EQUAL" in result.stdout
    # The headline says whose description is missing: this is the relation of the rules alone.
    assert "without the own description old and new read through $, as far as the rules alone tell" in result.stdout
    assert "refers to the target's own features, which is not known" in result.stdout
    assert relate(parse_compatible(OLD_RULES.read_text()), parse_compatible(NEW_RULES.read_text())).relation is (
        Relation.EQUAL
    )


def test_no_breaking_cannot_be_checked_without_the_descriptions(runner: CliRunner) -> None:
    result = runner.invoke(
        main, ["relate", "--old", str(OLD_RULES), "--new", str(NEW_RULES), "--require", "no-breaking"]
    )
    assert result.exit_code == UNDECIDED, result.output
    assert result.stderr.count("error[missing-self]: --require cannot be checked") == 2
    assert "--old's rules read the target's own features, mlx5.max_queues, stream_version through $" in result.stderr
    assert "or --new-self" in result.stderr


def test_one_missing_description_is_enough_to_leave_it_unchecked(runner: CliRunner) -> None:
    args = ["relate", "--old", str(OLD_RULES), "--new", str(UPDATE / "mlx5-new"), "--require", "no-breaking"]
    result = runner.invoke(main, [*args, "--format", "json"])
    assert result.exit_code == UNDECIDED, result.output
    document = json.loads(result.stdout)
    assert document["satisfied"] is None
    assert document["missing_self"] == {"a": ["features", "mlx5.max_queues", "stream_version"]}
    assert document_errors("relation", document) == []


def test_with_both_descriptions_the_break_is_found(runner: CliRunner) -> None:
    args = ["relate", "--old", str(OLD_RULES), "--new", str(NEW_RULES), "--require", "no-breaking"]
    selves = ["--old-self", str(UPDATE / "mlx5-old" / "migration_version")]
    selves += ["--new-self", str(UPDATE / "mlx5-new" / "migration_version")]
    result = runner.invoke(main, [*args, *selves, "--format", "json"])
    assert result.exit_code == NEGATIVE, result.output
    document = json.loads(result.stdout)
    assert document["satisfied"] is False and "missing_self" not in document
    assert document_errors("relation", document) == []


def test_a_requirement_on_rules_without_self_is_checked_as_before(runner: CliRunner, tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    old.write_text("mc1\naccept driver=x stream_version=1.0|1.1\n")
    new.write_text("mc1\naccept driver=x stream_version=1.1\n")
    result = runner.invoke(main, ["relate", "--old", str(old), "--new", str(new), "--require", "no-breaking"])
    assert result.exit_code == NEGATIVE, result.output
    assert runner.invoke(main, ["diff", str(old), str(new)]).exit_code == NEGATIVE


def test_diff_of_rules_files_reading_self_is_undecided(runner: CliRunner) -> None:
    result = runner.invoke(main, ["diff", str(OLD_RULES), str(NEW_RULES)])
    assert result.exit_code == UNDECIDED, result.output
    assert "UNDECIDED" in result.stdout and "1 undecided" in result.stdout
    assert "the old rules read the target's own features, mlx5.max_queues, stream_version through $" in result.stderr
    assert "the new rules read" in result.stderr


def test_diff_with_one_side_known_is_still_undecided(runner: CliRunner) -> None:
    result = runner.invoke(main, ["diff", str(OLD_RULES), str(UPDATE / "mlx5-new")])
    assert result.exit_code == UNDECIDED, result.output
    assert "the old rules read" in result.stderr and "the new rules read" not in result.stderr
    decided = runner.invoke(main, ["diff", str(UPDATE / "mlx5-old"), str(UPDATE / "mlx5-new")])
    assert decided.exit_code == NEGATIVE and "BREAKING" in decided.stdout


def test_an_input_that_cannot_be_read_is_named_by_its_role_on_the_command_line(runner: CliRunner) -> None:
    result = runner.invoke(main, ["relate", "--old", "/nonexistent/a", "--new", "/nonexistent/b"])
    assert result.exit_code == UNDECIDED
    assert "cannot read /nonexistent/a (old)" in result.stderr and "(new)" in result.stderr
    plain = runner.invoke(main, ["relate", "-f", "json", "/nonexistent/a", str(NEW_RULES)])
    assert "cannot read /nonexistent/a (a)" in plain.stderr
    assert json.loads(plain.stdout)["input_errors"][0]["input"] == "a"  # the JSON keeps the schema's roles
