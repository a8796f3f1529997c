"""MC-U1-BREAKING decides a device type exactly, as ``diff`` and ``relate`` do, and never calls "equal" breaking.

The trees are those of a review: an mdev type ``acmegpu-4`` whose template has
two parameters, ``aggregate`` (which sets ``acmegpu.vram`` and ``share``) and
``acmegpu.fps``. The new rules drop ``acmegpu.fps`` above 30 only with
``acmegpu.vram=2048``: a change visible under a combination of two
parameters, which no covering choice (one parameter changed at a time from
the first choice) shows. The suite used to pass it while ``diff`` and
``relate --require no-breaking`` failed it; and it called two identical trees,
whose rules fail MC-E6-SELF, an "equal, breaking" upgrade.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from migcompat.capture import capture
from migcompat.cli import main
from migcompat.conformance import Report, run
from migcompat.parse import parse_compatible, parse_version
from migcompat.relate import Relation, relate
from timebounds import bound

TYPE = "class/mdev_bus/0000:00:02.0/mdev_supported_types/acmegpu-4"
VERSION = (
    "mc1 acmegpu.fw=3.1 device_api=vfio-pci driver=acmegpu pci_id=1234:9999 stream=acmegpu stream_version=2.0"
    " type=acmegpu-4\n"
    "param aggregate=1 acmegpu.vram=1024 share=1/4\n"
    "param aggregate=2 acmegpu.vram=2048 share=1/2\n"
    "param acmegpu.fps=30\n"
    "param acmegpu.fps=60\n"
)
COMMON = (
    "device_api=vfio-pci driver=acmegpu pci_id=1234:9999 share=$ stream=acmegpu stream_version=1.0..$ type=acmegpu-4"
)
OLD_RULES = f"mc1\naccept acmegpu.fps=..$ acmegpu.fw=$ acmegpu.vram=$ aggregate=1..2 {COMMON}\n"
BREAKING_RULES = (
    "mc1\n"
    f"accept acmegpu.fps=..30|$ acmegpu.fw=$ acmegpu.vram=2048 aggregate=1..2 {COMMON}\n"
    f"accept acmegpu.fps=..$ acmegpu.fw=$ acmegpu.vram=1024 aggregate=1..2 {COMMON}\n"
)


def _type(root: Path, rules: str, version: str = VERSION) -> Path:
    """A sysfs-shaped tree holding the one type, with *rules* as its migration_compatible_devices."""
    directory = root / TYPE
    directory.mkdir(parents=True)
    (directory / "device_api").write_text("vfio-pci\n")
    (directory / "migration_version").write_text(version)
    (directory / "migration_compatible_devices").write_text(rules)
    return root


def _upgrade(tmp_path: Path, old_rules: str, new_rules: str, version: str = VERSION) -> Report:
    old = _type(tmp_path / "old", old_rules, version)
    new = _type(tmp_path / "new", new_rules, version)
    return run([capture(new)], baseline=[capture(old)])


def _u1(report: Report) -> list[str]:
    return [failure.message for failure in report.failures if failure.check == "MC-U1-BREAKING"]


def test_a_breaking_change_under_a_combination_of_two_parameters_fails_u1(tmp_path: Path) -> None:
    # The library's own exact answer, the one diff and relate give: old and new overlap.
    template = parse_version(VERSION)
    exact = relate(parse_compatible(OLD_RULES), parse_compatible(BREAKING_RULES), template, template)
    assert exact.relation is Relation.OVERLAP and exact.only_first is not None
    report = _upgrade(tmp_path, OLD_RULES, BREAKING_RULES)
    [failure] = [failure for failure in report.failures if failure.check == "MC-U1-BREAKING"]
    assert failure.path == TYPE + "/migration_compatible_devices"
    assert "breaking change in mdev type acmegpu-4 (acmegpu)" in failure.message
    assert "(relation old -> new: overlap)" in failure.message
    # A witness the old type accepted (with 2048 MiB and more than 30 fps) and the new type refuses, whatever choice.
    witness = parse_version(failure.details["witness"])
    assert witness.fields["acmegpu.vram"].value == 2048
    assert witness.fields["acmegpu.fps"].value > 30
    assert failure.details["relation"] == "overlap"
    # The parameter choice under which the old type accepted it: the combination of both parameters.
    assert failure.details["choice"] == "acmegpu.fps=60 aggregate=2"
    assert "with the parameter choice acmegpu.fps=60 aggregate=2" in failure.message
    assert [(u.relation, u.breaking) for u in report.upgrades] == [("overlap", True)]
    assert report.ok and report.result(warnings_fail=True) == "failed"  # a warning: clause 9.5 is a SHOULD


def test_the_command_line_fails_the_combination_as_diff_and_relate_do(tmp_path: Path) -> None:
    old = _type(tmp_path / "old", OLD_RULES)
    new = _type(tmp_path / "new", BREAKING_RULES)
    runner = CliRunner()
    conformance = runner.invoke(
        main, ["conformance", str(new), "--against", str(old), "--no-progress", "--fail-on-warning"]
    )
    diff = runner.invoke(main, ["diff", str(old), str(new)])
    relation = runner.invoke(
        main, ["relate", "--old", str(old / TYPE), "--new", str(new / TYPE), "--require", "no-breaking"]
    )
    assert (conformance.exit_code, diff.exit_code, relation.exit_code) == (1, 1, 1), conformance.stdout
    assert "WARN MC-U1-BREAKING" in conformance.stdout
    assert "mdev type acmegpu-4 (acmegpu): overlap, breaking" in conformance.stdout


def test_a_combination_that_breaks_nothing_passes_u1(tmp_path: Path) -> None:
    # The same split by vram, but each rule keeps acmegpu.fps=..$, and stream 0.9 is newly accepted: widened.
    widened = BREAKING_RULES.replace("acmegpu.fps=..30|$", "acmegpu.fps=..$").replace(
        "stream_version=1.0..$", "stream_version=0.9..$"
    )
    template = parse_version(VERSION)
    assert relate(parse_compatible(OLD_RULES), parse_compatible(widened), template, template).relation is (
        Relation.SUBSET
    )
    report = _upgrade(tmp_path, OLD_RULES, widened)
    assert _u1(report) == []
    assert [(u.relation, u.breaking) for u in report.upgrades] == [("subset", False)]
    assert report.tallies["MC-U1-BREAKING"].checked == 1
    assert report.ok, [failure.message for failure in report.failures]


def test_identical_trees_are_equal_not_breaking_and_the_fault_is_e6s_alone(tmp_path: Path) -> None:
    # The rules forget to constrain type and aggregate: no device of the type is accepted by its own rules (E6),
    # on the old side as on the new. The upgrade changed nothing.
    rules = (
        "mc1\naccept acmegpu.fps=..$ acmegpu.fw=$ acmegpu.vram=$ device_api=vfio-pci driver=acmegpu pci_id=1234:9999"
        " share=$ stream=acmegpu stream_version=1.0..$\n"
    )
    report = _upgrade(tmp_path, rules, rules)
    assert _u1(report) == []
    assert [(u.relation, u.breaking) for u in report.upgrades] == [("equal", False)]
    assert report.tallies["MC-U1-BREAKING"].failed == 0
    assert {failure.check for failure in report.failures} == {"MC-E6-SELF"}
    assert not any("relation old -> new: equal" in failure.message for failure in report.failures)


def test_a_device_its_old_rules_refused_too_is_not_a_breaking_change(tmp_path: Path) -> None:
    # A device instance (an mdev type without param lines is one device) whose rules, old and new, leave its
    # critical type and stream_version unconstrained: its own rules refuse it on both sides (E6). The new rules
    # only add a line: widened. The own device the new rules refuse was never accepted, so nothing broke.
    version = VERSION.split("\n", 1)[0] + "\n"
    rules = "mc1\naccept acmegpu.fw=$ device_api=vfio-pci driver=acmegpu pci_id=1234:9999 stream=acmegpu\n"
    widened = rules + "accept acmegpu.fw=9.9 device_api=vfio-pci driver=acmegpu pci_id=1234:9999 stream=acmegpu2\n"
    for number, new_rules in enumerate((rules, widened)):
        report = _upgrade(tmp_path / str(number), rules, new_rules, version)
        assert _u1(report) == []
        assert [(u.relation, u.breaking) for u in report.upgrades] == [(("equal", "subset")[number], False)]
        assert "MC-E6-SELF" in {failure.check for failure in report.failures}


def test_a_type_too_complex_to_relate_is_undecided_never_a_pass(tmp_path: Path) -> None:
    # Thirteen more binary parameters, all read through ..$: 16384 choices per rule, over relate's 4096 rule
    # variants. Its 15 covering choices used to decide it; now the note says it is undecided, U1 counts no pass,
    # and the old driver's own devices are still checked.
    names = [f"acmegpu.p{number:02}" for number in range(13)]
    version = VERSION.split("param acmegpu.fps")[0] + "".join(f"param {n}={v}\n" for n in names for v in (1, 2))
    items = [*(f"{n}=..$" for n in names), *COMMON.split(), "acmegpu.fw=$", "acmegpu.vram=$", "aggregate=1..2"]
    rules = "mc1\naccept " + " ".join(sorted(items, key=lambda item: item.split("=", 1)[0])) + "\n"
    widened = rules.replace("stream_version=1.0..$", "stream_version=0.9..$")
    for number, (new_rules, breaking) in enumerate(((widened, False), (rules.replace("fw=$", "fw=3.2"), True))):
        started = time.perf_counter()
        report = _upgrade(tmp_path / str(number), rules, new_rules, version)
        assert time.perf_counter() - started < bound(30)
        assert [u.relation for u in report.upgrades] == ["undecided"]
        [note] = [note for note in report.notes if note.check == "MC-U1-BREAKING"]
        assert "could not be decided exactly" in note.message and "MAX_VARIANTS" in note.message
        assert "only the old driver's own devices (its covering choices) were checked" in note.message
        failures = _u1(report)
        if not breaking:
            assert failures == [] and report.tallies["MC-U1-BREAKING"].checked == 0  # not counted as passed
            assert report.ok, [failure.message for failure in report.failures]
            # No failure, but not a pass either: the run is undecided (exit status 3).
            assert report.tallies["MC-U1-BREAKING"].undecided == 1 and report.result(warnings_fail=True) == "undecided"
            continue
        [message] = failures
        assert "the old driver's own device (" in message and "acmegpu.fw=3.1" in message


@pytest.mark.slow  # seconds: CI's slow run keeps it
def test_many_types_whose_rules_read_ten_parameters_are_related_within_the_runs_bound(tmp_path: Path) -> None:
    # Each rule reads ten binary parameters through ..$: relate() expands it into 1,024 rule variants per side,
    # some 0.3 s each. The run's bound (MAX_COMMAND_WORK, which counts that expansion) decides the first few
    # exactly and leaves the others undecided, each with a note: one line per type, never a pass undecided.
    names = [f"acmegpu.p{number}" for number in range(10)]
    items = [*(f"{n}=..$" for n in names), *COMMON.replace(" share=$", "").split(), "acmegpu.fw=$"]
    rules = "mc1\naccept " + " ".join(sorted(items, key=lambda item: item.split("=", 1)[0])) + "\n"
    widened = rules.replace("stream_version=1.0..$", "stream_version=0.9..$")
    count = 30
    for side, text in (("old", rules), ("new", widened)):
        for index in range(count):
            directory = tmp_path / side / TYPE.replace("acmegpu-4", f"acmegpu-{index}")
            directory.mkdir(parents=True)
            head = VERSION.split("\n", 1)[0].replace("type=acmegpu-4", f"type=acmegpu-{index}")
            (directory / "device_api").write_text("vfio-pci\n")
            (directory / "migration_version").write_text(
                head + "\n" + "".join(f"param {n}={v}\n" for n in names for v in (1, 2))
            )
            (directory / "migration_compatible_devices").write_text(text)
    started = time.perf_counter()
    report = run([capture(tmp_path / "new")], baseline=[capture(tmp_path / "old")])
    assert time.perf_counter() - started < bound(20)
    relations = [u.relation for u in report.upgrades]
    assert len(relations) == count and set(relations) <= {"subset", "undecided"} and "subset" in relations
    notes = [note for note in report.notes if note.check == "MC-U1-BREAKING"]
    assert len(notes) == relations.count("undecided")
    assert report.tallies["MC-U1-BREAKING"].checked == relations.count("subset")
    assert report.tallies["MC-U1-BREAKING"].undecided == relations.count("undecided")
    assert _u1(report) == []
