"""``match`` never answers "no" when a target may accept the source (review r3 findings 1, 2, 6, 11, 13, 15).

- A target read whole whose verdict is UNKNOWN (a key the source lacks, a
  ``$`` without value) makes "no target accepts" unknown: exit 3, listed
  under "undecided" as "unknown_targets" (``FleetIndex.undecided``).
- A capture's fault is matched to a partial placement of the same capture
  file, never of another capture that names the same host.
- A device instance with ``param`` lines hides a target; a device whose
  ``migration_version`` is missing but whose rules accept the source accepts
  it (clause 8.5), with an unknown description and no grade.
- "undecided" says which attribute of a placement is unreadable, and its
  driver and stream when its description is readable.
- A capture's host name is checked when it is read (``invalid-host-name``).
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from fresh_captures import now_text
from migcompat.capture import dumps
from migcompat.cli import main
from migcompat.compare import check
from migcompat.fleet.index import FleetIndex
from migcompat.fleet.inventory import FINDING_CODES, Provider, load_inventory
from migcompat.model import Field, MigrationVersion
from migcompat.parse import parse_compatible, parse_version
from migcompat.sysfs.model import Attr, Finding, HostData, Placement
from migcompat.verdict import Answer
from strategies import examples
from test_fleet_index import fleets, instances

SUCCESS, NEGATIVE, UNDECIDED = 0, 1, 3
PATH = "bus/pci/devices/0000:01:00.1/vfio-dev/vfio0"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _device(ident: str, version: str | Attr | None, rules: str | Attr | None) -> Placement:
    attributes = {}
    for name, value in (("migration_version", version), ("migration_compatible_devices", rules)):
        if value is not None:
            attributes[name] = Attr(value.encode()) if isinstance(value, str) else value
    return Placement("pci", ident, f"bus/pci/devices/{ident}/vfio-dev/vfio0", attributes)


def _save(path: Path, name: str, *placements: Placement, findings: tuple[Finding, ...] = ()) -> str:
    host = HostData(name, "6.8", now_text(), "test", "/sys", "capture", False, placements, findings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(host), encoding="ascii")
    return str(path)


def _source(tmp_path: Path, text: str) -> str:
    path = tmp_path / "src"
    path.write_text(text)
    return str(path)


# ---- finding 1: a target whose verdict is UNKNOWN


def test_a_target_whose_verdict_is_unknown_makes_the_answer_unknown(tmp_path: Path) -> None:
    capture = _save(
        tmp_path / "h1.json", "h1", _device("0000:01:00.1", "mc1 driver=d q=1\n", "mc1\naccept driver=d q=1\n")
    )
    source = _source(tmp_path, "mc1 driver=d\n")
    text = run("match", source, capture)
    assert text.exit_code == UNDECIDED, text.output
    assert "no device or type accepts" not in text.stdout
    assert "no target read accepts the source; 1 target on host h1 is undecided: the answer is not known" in text.stdout
    assert "the source has no q" in text.stdout
    document = json.loads(run("match", "--format", "json", source, capture).stdout)
    assert document["accepted"] == []
    (entry,) = document["undecided"]["unknown_targets"]
    assert [t["ident"] for t in entry["targets"]] == ["0000:01:00.1"]
    assert entry["verdict"]["verdict"] == "unknown"
    # the same target with the key the rules need: a definite answer either way
    assert run("match", _source(tmp_path, "mc1 driver=d q=2\n"), capture).exit_code == NEGATIVE
    assert run("match", _source(tmp_path, "mc1 driver=d q=1\n"), capture).exit_code == SUCCESS


def test_a_dollar_without_value_makes_the_answer_unknown(tmp_path: Path) -> None:
    capture = _save(tmp_path / "h.json", "h", _device("0000:01:00.1", "mc1 driver=d\n", "mc1\naccept driver=d w=$\n"))
    result = run("match", "--format", "json", _source(tmp_path, "mc1 driver=d w=1\n"), capture)
    assert result.exit_code == UNDECIDED
    assert len(json.loads(result.stdout)["undecided"]["unknown_targets"]) == 1


def test_pruned_candidates_are_not_a_superset_of_the_unknown_targets() -> None:
    """Why FleetIndex.undecided decides every unit: a rule filed under a key the source lacks is in no bucket."""
    version = parse_version("mc1 driver=d sv=1.0\n")
    rules = parse_compatible("mc1\naccept sv=1.0\n")
    index = FleetIndex.build([Provider("h", "x", "device", "p", version, rules, None)])
    source = MigrationVersion({"driver": Field("d", False)})  # a field the rules need not read
    assert check(source, rules, version).answer is Answer.UNKNOWN
    assert index.candidate_units(source) == []
    assert [members[0].ident for members, _ in index.undecided(source)] == ["x"]


@settings(max_examples=examples(40), deadline=None)
@given(fleets(), st.lists(instances(), min_size=1, max_size=4))
def test_index_undecided_is_every_target_check_calls_unknown(providers: list[Provider], sources: list[object]) -> None:
    index = FleetIndex.build(providers)
    for source in sources:
        assert not isinstance(source, Provider)
        expected = {
            p.ident
            for p in providers
            if check(source, p.rules, p.version).answer is Answer.UNKNOWN  # type: ignore[arg-type]
        }
        found = index.undecided(source)  # type: ignore[arg-type]
        assert {p.ident for members, _ in found for p in members} == expected
        assert all(verdict.answer is Answer.UNKNOWN for _, verdict in found)


# ---- finding 2: faults are matched by capture file, not by host name


def test_a_fault_of_one_capture_is_not_hidden_by_a_namesake_captures_partial_placement(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    _save(
        fleet / "a.json",
        "h",
        _device("0000:01:00.1", Attr(None, error="unreadable"), "mc1\naccept driver=other\n"),
        findings=(Finding("unreadable", PATH + "/migration_version", "Permission denied", True),),
    )
    _save(fleet / "b.json", "h", findings=(Finding("unreadable", PATH, "Permission denied"),))
    _save(fleet / "x.json", "x", _device("0000:09:00.1", "mc1 driver=zz\n", "mc1\naccept driver=zz\n"))
    source = _source(tmp_path, "mc1 driver=d\n")
    result = run("match", "--format", "json", source, str(fleet))
    assert result.exit_code == UNDECIDED, result.output
    assert json.loads(result.stdout)["undecided"]["faults"] == 1
    (fault,) = load_inventory([str(fleet)]).undecided(parse_version("mc1 driver=d\n")).faults
    assert fault.capture.endswith("b.json")
    text = run("match", source, str(fleet))
    assert "none changes this answer" not in text.stderr


# ---- finding 6: what is a target


def test_an_instance_with_param_lines_hides_a_target(tmp_path: Path) -> None:
    rules = "mc1\naccept driver=d q=1..4\n"
    capture = _save(tmp_path / "a.json", "a", _device("0000:01:00.1", "mc1 driver=d\nparam q=2\nparam q=3\n", rules))
    other = _save(tmp_path / "c.json", "c", _device("0000:03:00.1", "mc1 driver=z\n", "mc1\naccept driver=z\n"))
    result = run("match", "--format", "json", _source(tmp_path, "mc1 driver=d q=2\n"), capture, other)
    assert result.exit_code == UNDECIDED, result.output
    (target,) = json.loads(result.stdout)["undecided"]["targets"]
    assert (target["param_lines"], target["unreadable"], target["driver"]) == (True, [], "d")
    # its readable rules reject this source: a definite no
    assert run("match", _source(tmp_path, "mc1 driver=d q=9\n"), capture, other).exit_code == NEGATIVE


def test_a_device_without_a_description_whose_rules_accept_the_source_accepts_it(tmp_path: Path) -> None:
    rules = "mc1\naccept driver=d q=1..4\n"
    capture = _save(tmp_path / "b.json", "b", _device("0000:02:00.1", None, rules))
    other = _save(tmp_path / "c.json", "c", _device("0000:03:00.1", "mc1 driver=z\n", "mc1\naccept driver=z\n"))
    source = _source(tmp_path, "mc1 driver=d q=2\n")
    result = run("match", "--format", "json", source, capture, other)
    assert result.exit_code == SUCCESS, result.output
    (accepted,) = json.loads(result.stdout)["accepted"]
    assert (accepted["ident"], accepted["description_unknown"]) == ("0000:02:00.1", True)
    assert accepted["verdict"]["verdict"] == "compatible" and accepted["verdict"]["grade"] is None
    text = run("match", source, capture, other)
    assert text.exit_code == SUCCESS and "description unknown, no grade" in text.stdout
    # rules that need the description ($ without value): still undecided
    selfish = _save(tmp_path / "d.json", "d", _device("0000:04:00.1", None, "mc1\naccept driver=d q=..$\n"))
    assert run("match", source, selfish, other).exit_code == UNDECIDED


def test_every_placement_partial_and_rejecting_is_a_no_not_nothing_to_check(tmp_path: Path) -> None:
    capture = _save(
        tmp_path / "c.json",
        "c",
        _device("0000:05:00.1", Attr(None, error="unreadable"), "mc1\naccept driver=z\n"),
        findings=(Finding("unreadable", "bus/pci/devices/0000:05:00.1/vfio-dev/vfio0/migration_version", "x", True),),
    )
    result = run("match", _source(tmp_path, "mc1 driver=d q=7\n"), capture)
    assert result.exit_code == NEGATIVE, result.output
    assert "nothing-to-check" not in result.stderr
    # and one whose rules may accept: unknown, not nothing to check
    maybe = _save(tmp_path / "m.json", "m", _device("0000:06:00.1", "mc1 driver=d\n", None))
    assert run("match", _source(tmp_path, "mc1 driver=d q=7\n"), maybe).exit_code == UNDECIDED


# ---- findings 11 and 13: what undecided says


def test_undecided_says_what_is_unreadable_and_the_driver_and_stream(tmp_path: Path) -> None:
    capture = _save(
        tmp_path / "h.json",
        "h",
        _device("0000:01:00.1", "mc1 driver=mlx stream=mlx-vf\n", Attr(b"mc1\nbroken\n")),
        _device("0000:02:00.1", None, "mc1\naccept driver=d\n"),
    )
    result = run("match", "--format", "json", _source(tmp_path, "mc1 driver=d q=1\n"), capture)
    assert result.exit_code == UNDECIDED, result.output
    targets = {t["ident"]: t for t in json.loads(result.stdout)["undecided"]["targets"]}
    rules_unread = targets["0000:01:00.1"]
    assert rules_unread["unreadable"] == ["migration_compatible_devices"]
    assert (rules_unread["driver"], rules_unread["stream"], rules_unread["param_lines"]) == ("mlx", "mlx-vf", False)
    assert "0000:02:00.1" not in targets  # its rules accept the source: it is accepted, not undecided


def test_stdout_never_says_no_when_the_answer_is_unknown(tmp_path: Path) -> None:
    capture = _save(tmp_path / "h.json", "h", _device("0000:01:00.1", "mc1 driver=d\n", None))
    result = run("match", _source(tmp_path, "mc1 driver=d\n"), capture)
    assert result.exit_code == UNDECIDED
    assert "no device or type accepts" not in result.stdout
    assert "no target read accepts the source; 1 target on host h is undecided: the answer is not known" in (
        result.stdout
    )


# ---- finding 15: host names


def test_an_invalid_host_name_is_a_finding_and_the_host_column_is_capped(tmp_path: Path) -> None:
    assert "invalid-host-name" in FINDING_CODES
    fleet = tmp_path / "fleet"
    for number, name in enumerate(["\x1b[31mred", "a" * 5000, " ", "good"]):
        _save(
            fleet / f"h{number}.json",
            name,
            _device("0000:01:00.1", "mc1 driver=d q=2\n", "mc1\naccept driver=d q=1..4\n"),
        )
    inventory = load_inventory([str(fleet)])
    bad = [f for f in inventory.findings if f.code == "invalid-host-name"]
    assert len(bad) == 3 and not any(f.hides_targets for f in bad)
    assert all(f.path.endswith(".json") and "a" * 100 not in f.message for f in bad)
    result = run("match", _source(tmp_path, "mc1 driver=d q=2\n"), str(fleet))
    assert result.exit_code == SUCCESS
    assert "\x1b" not in result.output
    good = next(line for line in result.stdout.splitlines() if "good" in line)
    assert len(good.split("good")[0]) < 50  # padded to the capped column, not to the long name
