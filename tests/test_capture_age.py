"""A capture's age: the exports warn about (with --strict: refuse) captures that may not describe their hosts now.

An operator's review: a host whose capture job had stopped kept its traits and labels from a capture months old,
and every export pushed them again in silence, though the capture records when it was taken.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fresh_captures import now_text
from migcompat.capture import capture_moment, capture_time
from migcompat.cli import main
from migcompat.fleet.freshness import CLOCK_SKEW, StaleCapture, age_text, parse_age, stale_captures
from migcompat.fleet.inventory import load_inventory

ROOT = Path(__file__).resolve().parents[1]
VGPU = ROOT / "conformance" / "samples" / "nvidia-vgpu"
ENABLED = ("--enabled-type", "nvidia-222", "--enabled-type", "nvidia-230")
UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 12, 3, 12, 0, 0, tzinfo=UTC)


def _capture(directory: Path, sample: str, host: str, time: str) -> Path:
    """The vGPU sample capture *sample* (old or new) as *directory*/*host*.json, naming *host*, taken at *time*."""
    document = json.loads((VGPU / f"{sample}.json").read_text())
    document["host"], document["time"] = host, time
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{host}.json"
    path.write_text(json.dumps(document))
    return path


def _ago(**delta: float) -> str:
    """The capture time that many days, hours... before now."""
    moment = datetime.datetime.now(UTC) - datetime.timedelta(**delta)
    return capture_time(str(int(moment.timestamp())))


def _export(*args: str) -> Result:
    return CliRunner().invoke(main, ["export", *args], env={"OS_TOKEN": "x"})


# ---- the library: which captures, and why ----------------------------------------------------------------


def test_stale_captures_names_the_old_the_future_and_the_unreadable_in_the_order_read(tmp_path: Path) -> None:
    times = {
        "fresh": "2026-12-03T11:00:00Z",
        "edge": "2026-12-01T12:00:00Z",  # exactly 48 hours: not older than the age allowed
        "old": "2026-12-01T11:59:59Z",
        "skewed": "2026-12-03T12:05:00Z",  # within the clock skew allowed
        "ahead": "2026-12-03T12:05:01Z",
        "none": "",
        "no-day": "2026-02-30T10:00:00Z",
        "epoch": "1764763200",  # what --time accepts, but not what a capture records
        "local": "2026-12-03T11:00:00+01:00",
    }
    for host, time in times.items():
        _capture(tmp_path, "new", host, time)
    inventory = load_inventory([tmp_path])
    assert dict(inventory.file_times) == {str(tmp_path / f"{host}.json"): time for host, time in times.items()}
    found = stale_captures(inventory, datetime.timedelta(hours=48), NOW)
    expected = [("old", "old"), ("ahead", "future"), ("none", "no-time"), ("no-day", "no-time")]
    expected += [("epoch", "no-time"), ("local", "no-time")]
    assert [(c.host, c.problem) for c in found] == sorted(
        expected,
        key=lambda item: str(tmp_path / f"{item[0]}.json"),  # a directory's captures are read in name order
    )
    old = next(c for c in found if c.problem == "old")
    assert old.age == datetime.timedelta(hours=48, seconds=1)
    assert old.message == f"{tmp_path / 'old.json'} (host old): taken 2026-12-01T11:59:59Z, 2 days ago"
    ahead = next(c for c in found if c.problem == "future")
    assert "in the future (the host's clock is wrong?)" in ahead.message and ahead.age is None
    assert "its time '2026-02-30T10:00:00Z' is not a UTC time" in next(c for c in found if c.host == "no-day").message
    assert stale_captures(inventory, datetime.timedelta(days=3650), NOW) == tuple(
        c for c in found if c.problem != "old"
    )
    assert datetime.timedelta(minutes=5) == CLOCK_SKEW


def test_stale_captures_checks_its_arguments(tmp_path: Path) -> None:
    inventory = load_inventory([_capture(tmp_path, "new", "h", "2026-12-03T11:00:00Z")])
    with pytest.raises(ValueError, match="aware datetime"):
        stale_captures(inventory, datetime.timedelta(hours=1), datetime.datetime(2026, 12, 3))
    with pytest.raises(ValueError, match="must not be negative"):
        stale_captures(inventory, datetime.timedelta(hours=-1), NOW)
    with pytest.raises(TypeError):
        stale_captures(inventory, 48, NOW)  # type: ignore[arg-type]
    assert stale_captures(inventory, datetime.timedelta(0), NOW)[0].age == datetime.timedelta(hours=1)


def test_the_inventory_keeps_each_capture_s_time_past_an_excluded_host(tmp_path: Path) -> None:
    _capture(tmp_path, "old", "t4-node-16", "2025-01-15T09:30:00Z")
    _capture(tmp_path, "new", "t4-node-17", "2026-12-03T11:00:00Z")
    inventory = load_inventory([tmp_path]).without_targets_of(["t4-node-16"])
    assert [time for _, time in inventory.file_times] == ["2025-01-15T09:30:00Z", "2026-12-03T11:00:00Z"]


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("48h", 172800), ("2d", 172800), ("36", 129600), ("90m", 5400), ("3600s", 3600), ("1w", 604800), ("0", 0)],
)
def test_parse_age_reads_a_whole_number_and_a_unit(text: str, seconds: int) -> None:
    assert parse_age(text) == datetime.timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "2x", "-1h", "1.5h", " 2h", "2h ", "2 h", "h", "36601d", "9" * 100, "OFF"])
def test_parse_age_refuses_anything_else_saying_what_it_accepts(text: str) -> None:
    with pytest.raises(ValueError, match="give a whole number and a unit, s, m, h, d or w"):
        parse_age(text)


def test_off_is_no_limit_and_ages_read_in_words() -> None:
    assert parse_age("off") is None
    assert parse_age("36500d") == datetime.timedelta(days=36500)
    words = [age_text(datetime.timedelta(seconds=s)) for s in (0, 1, 59, 60, 3599, 7200, 86399, 86400, 10**8)]
    assert words[:4] == ["0 seconds", "1 second", "59 seconds", "1 minute"]
    assert words[4:] == ["59 minutes", "2 hours", "23 hours", "1 day", "1157 days"]


def test_capture_moment_reads_only_what_capture_time_writes() -> None:
    assert capture_moment("2025-01-31T12:00:00Z") == datetime.datetime(2025, 1, 31, 12, tzinfo=UTC)
    assert capture_moment(capture_time("1738324800")) == datetime.datetime(2025, 1, 31, 12, tzinfo=UTC)
    for text in ("1738324800", "2025-01-31 12:00:00Z", "2025-01-31T12:00:00", "2025-13-01T00:00:00Z", ""):
        assert capture_moment(text) is None


# ---- the exports: a warning, or with --strict a refusal before anything is written ------------------------


@pytest.mark.parametrize("command", ["placement", "kubernetes"])
def test_an_old_capture_is_a_warning_naming_it_and_the_export_is_written(tmp_path: Path, command: str) -> None:
    fleet = tmp_path / "fleet"
    _capture(fleet, "old", "t4-node-16", _ago(days=9, hours=1))
    _capture(fleet, "new", "t4-node-17", _ago(hours=1))
    out = tmp_path / ("traits.json" if command == "placement" else "labels")
    result = _export(command, str(fleet), *ENABLED, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert (
        f"migcompat: warning: 1 capture is older than 2 days (--max-capture-age): {fleet / 't4-node-16.json'}"
        " (host t4-node-16): taken " in result.stderr
    )
    assert ", 9 days ago; the export says what each host was then" in result.stderr
    assert "t4-node-17.json" not in result.stderr
    assert out.exists()
    quiet = _export(command, str(fleet), *ENABLED, "-o", str(out), "--max-capture-age", "10d")
    assert quiet.exit_code == 0 and "--max-capture-age" not in quiet.stderr, quiet.output
    off = _export(command, str(fleet), *ENABLED, "-o", str(out), "--max-capture-age", "off")
    assert off.exit_code == 0 and "--max-capture-age" not in off.stderr, off.output


@pytest.mark.parametrize("command", ["placement", "kubernetes"])
def test_strict_refuses_an_old_capture_and_writes_nothing(tmp_path: Path, command: str) -> None:
    fleet = tmp_path / "fleet"
    _capture(fleet, "old", "t4-node-16", _ago(hours=49))
    _capture(fleet, "new", "t4-node-17", _ago(hours=47))
    out = tmp_path / ("traits.json" if command == "placement" else "labels")
    result = _export(command, str(fleet), *ENABLED, "-o", str(out), "--strict")
    assert result.exit_code == 3, result.output
    assert result.stderr.startswith(
        "migcompat: error[capture-stale]: --strict: 1 capture is older than 2 days (--max-capture-age):"
        f" {fleet / 't4-node-16.json'} (host t4-node-16): taken "
    )
    assert "nothing was written: capture those hosts again, or give a larger --max-capture-age" in result.stderr
    assert not out.exists()
    assert _export(command, str(fleet), *ENABLED, "-o", str(out), "--strict", "--max-capture-age", "3d").exit_code == 0
    assert out.exists()


def test_a_capture_from_the_future_or_without_a_time_is_named_too(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    _capture(fleet, "old", "t4-node-16", _ago(hours=-1))  # its host's clock an hour fast
    _capture(fleet, "new", "t4-node-17", "yesterday")
    result = _export("placement", str(fleet), *ENABLED, "--mapping", str(tmp_path / "m.json"))
    assert result.exit_code == 0, result.output
    assert "migcompat: warning: 2 captures record a time in the future or unreadable (--max-capture-age):" in (
        result.stderr
    )
    assert "(host t4-node-16): taken " in result.stderr and "which is in the future" in result.stderr
    assert "(host t4-node-17): its time 'yesterday' is not a UTC time such as 2025-01-31T12:00:00Z" in result.stderr
    refused = _export("placement", str(fleet), *ENABLED, "--mapping", str(tmp_path / "s.json"), "--strict")
    assert refused.exit_code == 3 and "error[capture-stale]" in refused.stderr
    # off judges no time at all, as it says
    assert _export("placement", str(fleet), *ENABLED, "--strict", "--max-capture-age", "off").exit_code == 0


def test_an_excluded_host_s_capture_is_not_judged(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    _capture(fleet, "old", "t4-node-16", "2025-01-15T09:30:00Z")  # being re-provisioned: no new capture yet
    _capture(fleet, "new", "t4-node-17", now_text())
    result = _export("placement", str(fleet), *ENABLED, "--exclude-host", "t4-node-16", "--strict")
    assert result.exit_code == 0, result.output
    assert "--max-capture-age" not in result.stderr


def test_strict_says_an_incomplete_inventory_first(tmp_path: Path) -> None:
    """Both refusals apply: the one about what the inventory lacks comes first, as before the age was judged."""
    fleet = tmp_path / "fleet"
    _capture(fleet, "old", "t4-node-16", "2025-01-15T09:30:00Z")
    (fleet / "t4-node-17.json").write_text('{"error": "the capture failed"}\n')
    result = _export("kubernetes", str(fleet), "-o", str(tmp_path / "labels"), "--strict")
    assert result.exit_code == 3 and "error[capture-invalid]: --strict: 1 JSON file" in result.stderr


def test_the_json_report_carries_the_refusal_s_code(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    _capture(fleet, "old", "t4-node-16", _ago(days=30))
    mapping = tmp_path / "traits.json"
    result = _export(
        "placement", str(fleet), "--enabled-type", "nvidia-222", "--mapping", str(mapping), "--endpoint", "http://127.0.0.1:9",
        "--format", "json", "--strict",
    )  # fmt: skip
    assert result.exit_code == 3, result.output
    document = json.loads(result.stdout)
    assert document["error"]["code"] == "capture-stale" and "30 days ago" in document["error"]["message"]
    assert not mapping.exists()


# ---- match: its answer is acted on (a migration's target), so it warns too -------------------------------------

SOURCE = "t4-node-16:c2b5a1b0-7f3e-4d1a-9a51-3f4c0e7d2a10"
"""The old driver's vGPU, a source on host t4-node-16."""


def _match(*args: str) -> Result:
    return CliRunner().invoke(main, ["match", *args])


def test_match_warns_about_an_old_capture_and_answers_as_without_the_limit(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    _capture(fleet, "old", "t4-node-16", _ago(hours=1))
    _capture(fleet, "new", "t4-node-17", _ago(days=3, hours=1))
    result = _match("--format", "json", "--source-device", SOURCE, str(fleet))
    off = _match("--format", "json", "--source-device", SOURCE, str(fleet), "--max-capture-age", "off")
    assert result.exit_code == off.exit_code == 0, result.output
    answer, unjudged = json.loads(result.stdout), json.loads(off.stdout)
    stale = answer.pop("stale_captures")
    assert unjudged.pop("stale_captures") == [] and answer == unjudged  # the same answer; the stale capture added
    taken = json.loads((fleet / "t4-node-17.json").read_text())["time"]
    assert stale == [
        {
            "capture": str(fleet / "t4-node-17.json"),
            "host": "t4-node-17",
            "time": taken,
            "problem": "old",
            "age_seconds": stale[0]["age_seconds"],
            "message": f"{fleet / 't4-node-17.json'} (host t4-node-17): taken {taken}, 3 days ago",
        }
    ]
    assert 3 * 86400 + 3600 <= stale[0]["age_seconds"] < 3 * 86400 + 3600 + 120
    assert result.stderr == (
        f"migcompat: warning: 1 capture is older than 2 days (--max-capture-age): {fleet / 't4-node-17.json'}"
        f" (host t4-node-17): taken {json.loads((fleet / 't4-node-17.json').read_text())['time']}, 3 days ago;"
        " the answer says what each host accepted then, which may not be what it accepts now: capture those hosts"
        " again\n"
    )
    assert off.stderr == "" and _match("--source-device", SOURCE, str(fleet), "--max-capture-age", "4d").stderr == ""


def test_match_judges_the_source_device_s_host_and_not_a_host_left_out(tmp_path: Path) -> None:
    """The source's own host is left out of the targets, but the source is read from its capture: judged. A host
    --exclude-host (or --host) leaves out gives nothing to the answer: not judged."""
    fleet = tmp_path / "fleet"
    _capture(fleet, "old", "t4-node-16", _ago(days=5))
    _capture(fleet, "new", "t4-node-17", _ago(days=5))
    source = _match("--source-device", SOURCE, str(fleet))
    assert source.exit_code == 0, source.output
    assert "2 captures are older than 2 days" in source.stderr and "(host t4-node-16)" in source.stderr
    given = tmp_path / "source"
    given.write_text(  # that vGPU's migration_version
        "mc1 device_api=vfio-pci driver=nvidia ~name=GRID%20T4-2Q nvidia.vgpu_mgr=16.2 pci_id=10de:1eb8 share=1/8"
        " stream=nvidia-vgpu ~type=nvidia-222\n"
    )
    for option, judged, unjudged in (
        ("--exclude-host", "t4-node-17", "t4-node-16"),
        ("--host", "t4-node-16", "t4-node-17"),
    ):
        left = _match(str(given), str(fleet), option, "t4-node-16")
        assert left.exit_code == 0 and "1 capture is older than 2 days" in left.stderr, left.output
        assert f"(host {judged})" in left.stderr and f"(host {unjudged})" not in left.stderr


@pytest.mark.parametrize("command", ["export", "match"])
@pytest.mark.parametrize("value", ["2x", "-1", "1.5h", ""])
def test_a_bad_age_is_a_usage_error(command: str, value: str) -> None:
    if command == "export":
        result = _export("placement", str(VGPU), "--max-capture-age", value)
    else:
        result = _match("--source-device", SOURCE, str(VGPU), "--max-capture-age", value)
    assert result.exit_code == 2
    assert "Invalid value for '--max-capture-age'" in result.stderr and "is not an age" in result.stderr


def test_stale_capture_is_a_frozen_record() -> None:
    capture = StaleCapture("a.json", "", "", "no-time")
    assert capture.message == "a.json: its time '' is not a UTC time such as 2025-01-31T12:00:00Z"
    assert capture.to_json() == {
        "capture": "a.json", "host": "", "time": "", "problem": "no-time", "age_seconds": None,
        "message": capture.message,
    }  # fmt: skip
    old = StaleCapture("b.json", "h", "2025-01-15T09:30:00Z", "old", datetime.timedelta(days=2, seconds=1.5))
    assert old.to_json()["age_seconds"] == 2 * 86400 + 1 and old.to_json()["message"].endswith(", 2 days ago")
    with pytest.raises(AttributeError):
        capture.host = "h"  # type: ignore[misc]
