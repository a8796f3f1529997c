"""``migcompat check`` with inputs that are invalid: which ones leave a verdict to give (clause 8.5).

The target's own ``migration_version`` is needed only for ``$`` and the
grade: when it is invalid, it counts as missing, every ``$`` is without value,
and the verdict follows the rows of 8.5 -- with the parse error reported
beside it and exit status 3, as for any input that is not valid. An
unsupported format version comes first (row 8.5-VD1): the answer is unknown,
whatever else is wrong. An invalid source or rule set leaves no
question (8.5-VD2), and a file that cannot be read is an error.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from migcompat.cli import main
from test_verdict_schema import document_errors

UNDECIDED = 3


@pytest.fixture
def files(tmp_path: Path) -> Path:
    for name, text in {
        "source": "mc1 a=b\n",
        "source_c": "mc1 a=b c=1\n",
        "rules": "mc1\naccept a=b\n",
        "self_rules": "mc1\naccept a=$ c=2\n",
        "bad": "mc1  a=b\n",
        "mc2": "mc2\naccept a=b\n",
    }.items():
        (tmp_path / name).write_text(text)
    return tmp_path


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def test_an_invalid_own_description_counts_as_missing(files: Path) -> None:
    status, out, err = run(files / "source", files / "rules", "--target-self", files / "bad")
    assert (status, out) == (UNDECIDED, "compatible (accepted): accepted by rule 0\n")
    assert "error[whitespace]" in err and "bad:1:5" in err
    status, out, err = run("--format", "json", files / "source", files / "rules", "--target-self", files / "bad")
    document = json.loads(out)
    assert (status, document["verdict"], document["grade"]) == (UNDECIDED, "compatible", "accepted")
    assert [error["error"]["code"] for error in document["input_errors"]] == ["whitespace"]
    assert document["input_errors"][0]["input"] == "target_self"
    assert document_errors("verdict", document) == []


def test_without_its_own_values_a_rule_reading_them_is_undecided(files: Path) -> None:
    status, out, _ = run(files / "source_c", files / "self_rules", "--target-self", files / "bad")
    assert status == UNDECIDED and out.startswith("incompatible")  # c=2 fails, whatever $ would say; bad input: 3
    status, out, _ = run(files / "source", files / "self_rules", "--target-self", files / "bad")
    assert status == UNDECIDED and out.startswith("unknown")  # a=$ without value, c missing: undecided


def test_an_unsupported_format_version_comes_first(files: Path) -> None:
    status, out, _ = run("--format", "json", files / "bad", files / "mc2")
    document = json.loads(out)
    assert (status, document["verdict"]) == (UNDECIDED, "unknown")
    assert [reason["code"] for reason in document["reasons"]] == ["unsupported-version"]
    assert [error["input"] for error in document["input_errors"]] == ["source"]
    assert document_errors("verdict", document) == []


def test_an_invalid_source_or_an_unreadable_own_description_is_missing(files: Path) -> None:
    # Clause 8.8: the reasons of row 8.8-NR5 with the verdict of row 8.5-VD2, the input's error beside them.
    status, out, _ = run("--format", "json", files / "bad", files / "rules")
    document = json.loads(out)
    assert (status, document["verdict"]) == (UNDECIDED, "unknown")
    assert [reason["code"] for reason in document["reasons"]] == ["missing-attribute"]
    assert [error["input"] for error in document["input_errors"]] == ["source"]
    assert document_errors("verdict", document) == []
    # An own description that cannot be read: the verdict without it, but exit status 3 (a file is not there).
    status, out, err = run(files / "source", files / "rules", "--target-self", files / "missing")
    assert status == UNDECIDED and out.startswith("compatible") and "cannot read" in err


def test_relate_computes_the_relation_without_an_invalid_own_description(files: Path) -> None:
    (files / "self_only").write_text("mc1\naccept a=$\n")
    result = CliRunner().invoke(
        main, ["relate", str(files / "self_only"), str(files / "rules"), "--a-self", str(files / "bad")]
    )
    assert result.exit_code == UNDECIDED, result.output  # the relation, but an input was not valid
    assert "SUBSET" in result.stdout and "error[whitespace]" in result.stderr
    assert f"(own values: {files / 'bad'}, not valid: not used)" in result.stdout
    args = ["relate", "-f", "json", str(files / "self_only"), str(files / "rules"), "--a-self", str(files / "bad")]
    result = CliRunner().invoke(main, [*args, "--require", "equal"])
    document = json.loads(result.stdout)
    assert result.exit_code == UNDECIDED and document["satisfied"] is None
    assert [error["input"] for error in document["input_errors"]] == ["a_self"]
    assert document_errors("relation", document) == []


def test_swapped_arguments_get_one_hint_that_says_so(files: Path) -> None:
    status, out, err = run(files / "rules", files / "source")
    assert status == UNDECIDED and out.startswith("unknown")
    hints = [line for line in err.splitlines() if line.startswith("migcompat: hint:")]
    assert hints == [
        f"migcompat: hint: SOURCE and TARGET look swapped ({files / 'rules'} holds rules, {files / 'source'} a"
        f" migration_version): the source's migration_version comes first, as in"
        f" 'migcompat check {files / 'source'} {files / 'rules'}'"
    ]
    assert err.count("error[syntax]") == 2  # each input's error is still shown
    # One input of the wrong kind keeps its own hint; JSON keeps each input's hint in its record.
    status, _, err = run(files / "source", files / "source")
    assert "hint: " in err and "look swapped" not in err
    status, out, err = run("--format", "json", files / "rules", files / "source")
    assert all("hint" in error["error"] for error in json.loads(out)["input_errors"]) and "look swapped" not in err


def test_the_hint_for_dollar_without_value_says_whether_an_own_description_was_given(files: Path) -> None:
    (files / "self_only").write_text("mc1\naccept a=$\n")
    _, _, err = run(files / "source", files / "self_only", "--target-self", files / "bad")
    [hint] = [line for line in err.splitlines() if line.startswith("migcompat: hint:")]
    assert hint == (
        f"migcompat: hint: the target's rules refer to its own values ($), and its migration_version {files / 'bad'}"
        " could not be used (above): fix it, or give another with --target-self"
    )
    _, _, err = run(files / "source", files / "self_only")
    [hint] = [line for line in err.splitlines() if line.startswith("migcompat: hint:")]
    assert "give its migration_version with --target-self, or name the target's device directory" in hint
