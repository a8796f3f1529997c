"""The upgrade checks' bounds, and what a run they leave undecided says (review of the cost of MC-U1 and MC-U2).

* A pair MC-U1-BREAKING could not decide (too complex, or the run's
  RelationWork spent) never lets the run pass: with no required failure its
  result is *undecided*, exit status 3, in every report format.
* One type id offered by N parent devices, with rules that differ per parent,
  is N comparisons (one per parent, old with new), not N x N; undecided, it is
  one note.
* MC-U2-REMOVED asks the fleet index, and stops at MAX_REMOVED_DECISIONS.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import migcompat.fleet.index as fleet_index
import migcompat.relate as relate_module
from migcompat.capture import capture
from migcompat.cli import main
from migcompat.conformance import Report, run
from migcompat.conformance import upgrade_checks as upgrade_module
from migcompat.conformance.registry import CHECKS
from migcompat.resources import data_path

HEAD = (
    "mc1 acmegpu.fw=3.1 device_api=vfio-pci driver=acmegpu pci_id=1234:9999 stream=acmegpu stream_version=2.0"
    " type={t}\n"
)
COMMON = "device_api=vfio-pci driver=acmegpu pci_id=1234:9999 stream=acmegpu"


def _type(root: Path, parent: str, name: str, version: str, rules: str) -> None:
    directory = root / f"class/mdev_bus/{parent}/mdev_supported_types/{name}"
    directory.mkdir(parents=True)
    (directory / "device_api").write_text("vfio-pci\n")
    (directory / "migration_version").write_text(version)
    (directory / "migration_compatible_devices").write_text(rules)


def _parent(number: int) -> str:
    return f"0000:{number // 32:02x}:{number % 32:02x}.0"


def _starve(root: Path, heavy: int) -> None:
    """*heavy* types whose rules read 60 parameters through ..$ (relate refuses them: MAX_VARIANTS), and zz-1,
    a simple type whose new rules drop stream_version 1.0..1.4 (the starve.py reproducer of the review)."""
    names = [f"acmegpu.p{n:03}" for n in range(60)]
    for side in ("old", "new"):
        for number in range(heavy):
            name = f"acmegpu-{number}"
            version = HEAD.format(t=name) + "".join(f"param {n}={v}\n" for n in names for v in (1, 2))
            items = [
                *(f"{n}=..$" for n in names),
                "acmegpu.fw=$",
                *COMMON.split(),
                "stream_version=1.0..$" if side == "old" else "stream_version=0.9..$",
                f"type={name}",
            ]
            _type(root / side, "0000:00:02.0", name, version, "mc1\naccept " + " ".join(sorted(items)) + "\n")
        floor = "1.0" if side == "old" else "1.5"
        rules = f"mc1\naccept acmegpu.fw=$ {COMMON} stream_version={floor}..$ type=zz-1\n"
        _type(root / side, "0000:00:02.0", "zz-1", HEAD.format(t="zz-1"), rules)


def _conformance(root: Path, *extra: str) -> Any:
    return CliRunner().invoke(
        main, ["conformance", str(root / "new"), "--against", str(root / "old"), "--no-progress", *extra]
    )


# ---- 1: an undecided pair never passes ----------------------------------------------------------------


def test_cheap_refusals_never_hide_a_breaking_type_or_pass(tmp_path: Path) -> None:
    # Six types relate() refuses at once, then zz-1, which breaks. Either zz-1 is decided (and fails, exit 1), or
    # the run's work was spent before it and the run is undecided (exit 3): never PASSED, exit 0.
    _starve(tmp_path, 6)
    result = _conformance(tmp_path, "--fail-on-warning")  # MC-U1 is recommended: as a release CI runs it
    assert result.exit_code in (1, 3), result.output
    assert "Result: PASSED" not in result.output
    report = run([capture(tmp_path / "new")], baseline=[capture(tmp_path / "old")])
    zz = [u for u in report.upgrades if "zz-1" in u.identity]
    assert len(zz) == 1
    if zz[0].relation == "undecided":
        assert result.exit_code == 3 and report.result(warnings_fail=True) == "undecided"
    else:
        assert zz[0].breaking and result.exit_code == 1 and report.result(warnings_fail=True) == "failed"


def test_a_run_whose_work_is_spent_is_undecided_in_every_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The run's RelationWork spent from the start: zz-1 (breaking) cannot be related, and its own device is
    # accepted by the new rules, so nothing fails. Before, MC-U1 read n/a and the run PASSED with exit 0.
    monkeypatch.setattr(relate_module, "MAX_COMMAND_WORK", 0)
    _starve(tmp_path, 0)
    text = _conformance(tmp_path, "--fail-on-warning")  # MC-U1 is recommended: as a release CI runs it
    assert text.exit_code == 3, text.output
    assert "Result: UNDECIDED: 1 upgrade pair could not be decided (MC-U1-BREAKING)" in text.output
    assert "zz-1 (acmegpu): undecided, not decided, not a pass" in text.output
    [row] = [line for line in text.output.splitlines() if line.startswith("MC-U1-BREAKING")]
    assert row.split()[1] == "undecided"
    assert "PASSED" not in text.output

    raw = _conformance(tmp_path, "--format", "json", "--fail-on-warning")
    assert raw.exit_code == 3
    document = json.loads(raw.output)
    assert document["result"] == "undecided"
    [u1] = [check for check in document["checks"] if check["id"] == "MC-U1-BREAKING"]
    assert (u1["status"], u1["checked"], u1["failed"], u1["undecided"]) == ("undecided", 0, 0, 1)
    assert [u["relation"] for u in document["upgrades"]] == ["undecided"]
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(document, json.loads(data_path("conformance-report.schema.json").read_text()))

    junit = _conformance(tmp_path, "--format", "junit", "--fail-on-warning")
    assert junit.exit_code == 3
    root = ET.fromstring(junit.output)
    assert int(root.get("errors", "0")) == 1
    [suite] = [suite for suite in root.iter("testsuite") if suite.get("name") == "MC-U1-BREAKING"]
    [case] = suite.findall("testcase")
    assert case.get("name") == "MC-U1-BREAKING: undecided"
    error = case.find("error")
    assert error is not None and "1 upgrade pair could not be decided" in error.get("message", "")
    assert case.find("skipped") is None

    ktap = _conformance(tmp_path, "--format", "ktap", "--fail-on-warning")
    assert ktap.exit_code == 3
    lines = ktap.output.splitlines()
    number = 1 + list(CHECKS).index("MC-U1-BREAKING")
    assert f"not ok {number} MC-U1-BREAKING" in lines
    assert "# MC-U1-BREAKING undecided: 1 upgrade pair could not be decided; not a pass" in lines
    assert any(line.startswith("# UNDECIDED: 1 upgrade pair could not be decided") for line in lines)
    assert not any("MC-U1-BREAKING # SKIP" in line for line in lines)


def test_a_required_failure_still_wins_over_an_undecided_pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # zz-1 undecided (the work spent) and zz-2's new rules, which refuse its own device (MC-E6-SELF, a required
    # check): FAILED, exit 1, not undecided.
    monkeypatch.setattr(relate_module, "MAX_COMMAND_WORK", 0)
    _starve(tmp_path, 0)
    for side, fw in (("old", "$"), ("new", "3.2")):
        rules = f"mc1\naccept acmegpu.fw={fw} {COMMON} stream_version=1.0..$ type=zz-2\n"
        _type(tmp_path / side, "0000:00:02.0", "zz-2", HEAD.format(t="zz-2"), rules)
    result = _conformance(tmp_path, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["result"] == "failed"
    assert {u["relation"] for u in document["upgrades"]} == {"undecided"}
    assert "MC-E6-SELF" in {f["check"] for f in document["failures"] if f["severity"] == "required"}


# ---- 2: one type id on many parents is paired one-to-one --------------------------------------------


def _copies(root: Path, count: int, *, moved: bool = False) -> None:
    """*count* parents offering acmegpu-4, each parent's rules accepting its own acmegpu.fw=9.N too (the
    u1_quadratic.py reproducer); the new side widens stream_version. With *moved*, the new side's parents are at
    other addresses (re-enumerated), in the same order."""
    for side, floor in (("old", "1.0"), ("new", "0.9")):
        for number in range(count):
            parent = _parent(number + (200 if moved and side == "new" else 0))
            rules = (
                f"mc1\naccept acmegpu.fw=$ {COMMON} stream_version={floor}..$ type=acmegpu-4\n"
                f"accept acmegpu.fw=9.{number} {COMMON} stream_version={floor}..$ type=acmegpu-4\n"
            )
            _type(root / side, parent, "acmegpu-4", HEAD.format(t="acmegpu-4"), rules)


def _counting_relate(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = upgrade_module.relate

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(upgrade_module, "relate", counted)
    return calls


@pytest.mark.parametrize("moved", [False, True])
def test_copies_of_one_type_on_many_parents_are_compared_one_to_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moved: bool
) -> None:
    count = 24
    _copies(tmp_path, count, moved=moved)
    calls = _counting_relate(monkeypatch)
    report = run([capture(tmp_path / "new")], baseline=[capture(tmp_path / "old")])
    # One comparison per parent (before: count x count, each old copy against every new copy, and the copies
    # whose constant differs reported breaking).
    assert len(report.upgrades) == count and len(calls) == count
    assert {u.relation for u in report.upgrades} == {"subset"}
    assert report.tallies["MC-U1-BREAKING"].checked == count and report.failures == []
    pairs = {(u.old.split("/")[2], u.new.split("/")[2]) for u in report.upgrades}
    if not moved:
        assert all(old == new for old, new in pairs)  # the same parent's copy
    assert len({old for old, _ in pairs}) == len({new for _, new in pairs}) == count


def test_more_copies_on_one_side_fall_back_to_every_candidate_for_the_extra_ones(tmp_path: Path) -> None:
    # Three old parents and five new ones: three pairs one-to-one, and each of the two extra new copies is
    # compared with each old copy (as before), so every copy is compared at least once: 3 + 2 x 3 pairs.
    for side, count in (("old", 3), ("new", 5)):
        for number in range(count):
            floor = "1.5" if side == "new" and number == 4 else "1.0"  # the last new parent drops 1.0..1.4
            rules = (
                f"mc1\naccept acmegpu.fw=$ {COMMON} stream_version={floor}..$ type=acmegpu-4\n"
                f"accept acmegpu.fw=9.{number} {COMMON} stream_version={floor}..$ type=acmegpu-4\n"
            )
            _type(tmp_path / side, _parent(number), "acmegpu-4", HEAD.format(t="acmegpu-4"), rules)
    report = run([capture(tmp_path / "new")], baseline=[capture(tmp_path / "old")])
    assert len(report.upgrades) == 3 + 2 * 3
    assert {u.new.split("/")[2] for u in report.upgrades} == {_parent(number) for number in range(5)}
    assert {u.old.split("/")[2] for u in report.upgrades} == {_parent(number) for number in range(3)}
    # The one-to-one pairs (same parent) widen nothing away; the extra copies, compared with every old copy, drop
    # the old copies' own fw=9.N, and parent 4 drops stream_version 1.0..1.4 too.
    failed = {f.path.split("/")[2] for f in report.failures if f.check == "MC-U1-BREAKING"}
    assert failed == {_parent(3), _parent(4)}


def test_undecided_copies_give_one_note_per_type(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relate_module, "MAX_COMMAND_WORK", 0)
    count = 12
    _copies(tmp_path, count)
    report = run([capture(tmp_path / "new")], baseline=[capture(tmp_path / "old")])
    assert [u.relation for u in report.upgrades] == ["undecided"] * count
    [note] = [note for note in report.notes if note.check == "MC-U1-BREAKING"]
    assert f"could not be decided exactly for {count} pairs of old and new targets" in note.message
    assert "MAX_COMMAND_WORK" in note.message
    assert report.tallies["MC-U1-BREAKING"].undecided == count and report.result(warnings_fail=True) == "undecided"


def test_own_device_checks_count_against_the_runs_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # With the work spent, no pair runs accepts() on the old driver's devices any more (they did, outside
    # RelationWork, for every pair): only the first pair's check is done, and the note says the others were not.
    monkeypatch.setattr(relate_module, "MAX_COMMAND_WORK", 0)
    count = 10
    _copies(tmp_path, count)
    verdicts: list[int] = []
    real = upgrade_module.accepts

    def counted(*args: Any, **kwargs: Any) -> Any:
        verdicts.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(upgrade_module, "accepts", counted)
    report = run([capture(tmp_path / "new")], baseline=[capture(tmp_path / "old")])
    assert len(verdicts) == 1
    [note] = [note for note in report.notes if note.check == "MC-U1-BREAKING"]
    assert f"not even they for {count - 1} pairs" in note.message


# ---- 3: MC-U2-REMOVED is bounded ----------------------------------------------------------------------


def _removed(root: Path, count: int, params: int = 4) -> None:
    """*count* old types and *count* other new types of one driver (the u2_removed.py reproducer, smaller)."""
    names = [f"acmegpu.p{n}" for n in range(params)]
    for side in ("old", "new"):
        for number in range(count):
            name = f"{side}gpu-{number}"
            version = HEAD.format(t=name) + "".join(f"param {n}={v}\n" for n in names for v in (1, 2))
            items = [*(f"{n}=..$" for n in names), "acmegpu.fw=$", *COMMON.split(), "stream_version=1.0..$"]
            rules = "mc1\naccept " + " ".join(sorted([*items, f"type={name}"])) + "\n"
            _type(root / side, _parent(number), name, version, rules)


def _count(monkeypatch: pytest.MonkeyPatch, module: object, name: str, calls: list[int]) -> None:
    real: Callable[..., Any] = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)


def test_removed_types_are_decided_through_the_index_not_against_every_new_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = 30
    _removed(tmp_path, count)
    calls: list[int] = []
    _count(monkeypatch, upgrade_module, "accepts", calls)
    _count(monkeypatch, fleet_index, "check", calls)
    report = run([capture(tmp_path / "new")], baseline=[capture(tmp_path / "old")])
    tally = report.tallies["MC-U2-REMOVED"]
    assert (tally.checked, tally.failed, tally.undecided) == (count, count, 0)
    # Each new type accepts only its own type=: the index decides none of them for an old device (before: every
    # old device against every new type, count x count x devices verdicts).
    assert len(calls) <= count
    assert report.result() == "passed"  # MC-U2 is recommended: its failures are warnings


def test_removed_types_past_the_bound_are_undecided(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    count = 5
    _removed(tmp_path, count)
    # Each new type accepts the old type of its number too: a candidate the index cannot rule out.
    for path in (tmp_path / "new").rglob("migration_compatible_devices"):
        number = path.parent.name.rsplit("-", 1)[1]
        path.write_text(path.read_text().replace(f"type=newgpu-{number}", f"type=newgpu-{number}|oldgpu-{number}"))
    monkeypatch.setattr(upgrade_module, "MAX_REMOVED_DECISIONS", 0)
    report = run([capture(tmp_path / "new")], baseline=[capture(tmp_path / "old")])
    tally = report.tallies["MC-U2-REMOVED"]
    assert (tally.checked, tally.undecided) == (0, count)
    [note] = [note for note in report.notes if note.check == "MC-U2-REMOVED"]
    assert "4 more removed identities" in note.message and "MAX_REMOVED_DECISIONS" in note.message
    # A recommended check: the run passes, unless --fail-on-warning, which makes it undecided (exit 3).
    assert report.result() == "passed" and report.result(warnings_fail=True) == "undecided"
    assert _conformance(tmp_path).exit_code == 0
    assert _conformance(tmp_path, "--fail-on-warning").exit_code == 3


def test_a_report_without_undecided_objects_is_unchanged() -> None:
    report = Report()
    assert report.result(warnings_fail=True) == "passed" and report.undecided_summary() == ""
    assert all(check["undecided"] == 0 for check in report.to_json()["checks"])  # type: ignore[attr-defined]


def test_the_json_result_is_the_one_the_exit_status_gives_with_fail_on_warning() -> None:
    plain = CliRunner().invoke(main, ["conformance", "--sample", "warn-accept-all", "--format", "json"])
    strict = CliRunner().invoke(
        main, ["conformance", "--sample", "warn-accept-all", "--format", "json", "--fail-on-warning"]
    )
    assert (plain.exit_code, json.loads(plain.stdout)["result"]) == (0, "passed")
    assert (strict.exit_code, json.loads(strict.stdout)["result"]) == (1, "failed")  # it said passed, exiting 1
