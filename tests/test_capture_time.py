"""The time a capture records: now, ``--time``, or ``SOURCE_DATE_EPOCH`` for captures that must be reproducible."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sample_fleet import gvt_host, write_tree

from migcompat.capture import capture, capture_time, loads
from migcompat.cli import main
from migcompat.cli.exitcodes import ExitCode


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = str(tmp_path_factory.mktemp("time") / "sys")
    write_tree(gvt_host("gvt", 2), root)
    return root


@pytest.mark.parametrize(
    ("given", "recorded"),
    [
        ("0", "1970-01-01T00:00:00Z"),
        ("1738324800", "2025-01-31T12:00:00Z"),
        ("253402300799", "9999-12-31T23:59:59Z"),
        ("2024-02-29T23:59:59Z", "2024-02-29T23:59:59Z"),
    ],
)
def test_a_time_is_recorded_in_rfc_3339_utc(tree: str, given: str, recorded: str) -> None:
    assert capture_time(given) == recorded
    assert capture(tree, host="h", time=given).time == recorded


@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("253402300800", "after the year 9999"),
        ("9" * 5000, "after the year 9999"),
        ("2023-02-29T00:00:00Z", "is not a date and time that exists"),
        ("2025-01-31T12:00:00+01:00", "neither RFC 3339 UTC to the second"),
        ("2025-01-31 12:00:00Z", "neither RFC 3339 UTC to the second"),
        ("-1", "neither RFC 3339 UTC to the second"),
        ("", "neither RFC 3339 UTC to the second"),
    ],
)
def test_a_time_that_is_not_one_is_refused_saying_why(tree: str, given: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        capture_time(given)
    with pytest.raises(ValueError, match=why):
        capture(tree, host="h", time=given)


def test_source_date_epoch_makes_two_captures_identical(tree: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = CliRunner().invoke(main, ["capture", "--sysfs", tree, "--host", "h"])
    second = CliRunner().invoke(main, ["capture", "--sysfs", tree, "--host", "h"])
    assert first.exit_code == second.exit_code == 0, first.output
    assert first.stdout == second.stdout
    assert loads(first.stdout).time == "2023-11-14T22:13:20Z"


def test_the_time_option_wins_over_source_date_epoch(tree: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    result = CliRunner().invoke(main, ["capture", "--sysfs", tree, "--host", "h", "--time", "2025-01-31T12:00:00Z"])
    assert result.exit_code == 0, result.output
    assert loads(result.stdout).time == "2025-01-31T12:00:00Z"


@pytest.mark.parametrize(
    ("epoch", "message"),
    [
        ("17x", "SOURCE_DATE_EPOCH: 17x is not a count of seconds since 1970-01-01 UTC"),
        ("2025-01-31T12:00:00Z", "is not a count of seconds since 1970-01-01 UTC"),
        ("999999999999", "SOURCE_DATE_EPOCH: the time 999999999999 (seconds since 1970) is after the year 9999"),
        ("\x1b[2J", "SOURCE_DATE_EPOCH: \\x1b[2J is not a count"),
    ],
)
def test_a_malformed_source_date_epoch_is_a_usage_error(
    tree: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, epoch: str, message: str
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    output = tmp_path / "c.json"
    result = CliRunner().invoke(main, ["capture", "--sysfs", tree, "--host", "h", "-o", str(output)])
    assert result.exit_code == ExitCode.USAGE
    assert message in result.output
    assert "\x1b" not in result.output
    assert not output.exists()


def test_a_bad_time_option_names_the_option(tree: str) -> None:
    result = CliRunner().invoke(main, ["capture", "--sysfs", tree, "--host", "h", "--time", "yesterday"])
    assert result.exit_code == ExitCode.USAGE
    assert "Invalid value for '--time': the time 'yesterday' is neither RFC 3339 UTC" in result.output
