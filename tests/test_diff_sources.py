"""``migcompat diff --sources INVENTORY`` (review r2 #18): is a breaking change breaking for the fleet's devices?

Each source class of the inventory is checked against the old and the new
target of every changed pair: the classes the old accepted and the new does
not are stranded (with their devices), those only the new accepts newly
accepted; the exit status is 1 only when a class is stranded with no new
target accepting it, 0 when the rules narrowed but no device of the
inventory is affected, and 3 when that is not decided.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from migcompat.capture import dumps
from migcompat.cli import main
from migcompat.fleet.diff import Target, diff, source_impact
from migcompat.fleet.inventory import FleetError, load_inventory
from migcompat.parse import parse_compatible, parse_version
from migcompat.sysfs.model import Attr, HostData, Placement

SUCCESS, NEGATIVE, UNDECIDED = 0, 1, 3
V11 = "mc1 driver=d q=4 stream_version=1.1\n"
V10 = "mc1 driver=d q=4 stream_version=1.0\n"
RULES = "mc1\naccept driver=d stream_version=1.0..$ q=..$\n"
NARROW = "mc1\naccept driver=d stream_version=1.1..$ q=..$\n"
OWN_VERSION = "mc1 driver=e q=4\n"
OWN_RULES = "mc1\naccept driver=e q=..$\n"


def run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def _device(ident: str, version: str = V11, rules: str = RULES) -> Placement:
    attributes = {
        "migration_version": Attr(version.encode()),
        "migration_compatible_devices": Attr(rules.encode()),
    }
    return Placement("pci", ident, f"bus/pci/devices/{ident}/vfio-dev/vfio0", attributes)


def _save(directory: Path, name: str, *placements: Placement) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    host = HostData(name, "6.8", "2025-01-01T00:00:00Z", "test", "/sys", "capture", False, placements, ())
    path = directory / f"{name}.json"
    path.write_text(dumps(host), encoding="ascii")
    return str(path)


def _update(tmp_path: Path, *, other_new_rules: str | None = None, other_version: str = V11) -> tuple[str, str]:
    """Host a narrows its device's rules from stream 1.0..$ to 1.1..$; with *other_new_rules*, host b joins both
    sides, unchanged, with those rules (and *other_version*)."""
    old = tmp_path / "old"
    new = tmp_path / "new"
    _save(old, "a", _device("0000:01:00.1"))
    _save(new, "a", _device("0000:01:00.1", V11, NARROW))
    if other_new_rules is not None:
        _save(old, "b", _device("0000:02:00.1", other_version, other_new_rules))
        _save(new, "b", _device("0000:02:00.1", other_version, other_new_rules))
    return str(old), str(new)


def _json(*args: str) -> tuple[int, dict[str, object]]:
    result = run("diff", "--format", "json", *args)
    return result.exit_code, json.loads(result.stdout)


def test_a_narrowing_that_strands_a_device_of_the_inventory_exits_1_and_names_it(tmp_path: Path) -> None:
    old, new = _update(tmp_path)
    sources = _save(tmp_path / "fleet", "s", _device("0000:05:00.1", V10), _device("0000:05:00.2", V10))
    result = run("diff", "--sources", sources, old, new)
    assert result.exit_code == NEGATIVE, result.output
    assert "STRANDED class " in result.stdout
    assert "(2 devices: s:bus/pci/devices/0000:05:00.1/vfio-dev/vfio0, s:bus/pci/devices/0000:05:00.2" in result.stdout
    assert "no new target accepts it" in result.stdout
    assert "1 source class of the inventory checked: 1 stranded" in result.stdout
    assert "breaking change for the inventory: 1 source class (2 devices)" in result.stderr
    status, document = _json("--sources", sources, old, new)
    assert status == NEGATIVE and document["fleet_breaking"] is True
    (change,) = document["changes"]  # type: ignore[misc]
    (stranded,) = change["stranded"]
    assert stranded["member_count"] == 2 and stranded["strands"] is True and stranded["accepted_elsewhere"] == 0
    assert stranded["members"][0] == "s:bus/pci/devices/0000:05:00.1/vfio-dev/vfio0"
    assert len(stranded["id"]) == 32 and change["newly_accepted"] == []
    assert document["sources"] == {"inventory": [sources], "classes": 1, "decisions": 1, "incomplete": False}


def test_a_narrowing_no_device_of_the_inventory_is_in_exits_0_and_says_so(tmp_path: Path) -> None:
    old, new = _update(tmp_path)
    assert run("diff", old, new).exit_code == NEGATIVE  # without --sources: breaking (stream 1.0 is dropped)
    sources = _save(tmp_path / "fleet", "s", _device("0000:05:00.1", V11))
    result = run("diff", "--sources", sources, old, new)
    assert result.exit_code == SUCCESS, result.output
    assert "BREAKING" in result.stdout and "stranded class" not in result.stdout.lower()
    assert (
        "migcompat: note: the new rules dropped some sources, but no device of the inventory is affected"
        " (1 source class checked)" in result.stderr
    )
    status, document = _json("--sources", sources, old, new)
    assert (status, document["fleet_breaking"], document["breaking"]) == (SUCCESS, False, True)


def test_a_stranded_class_another_new_target_accepts_does_not_break_the_fleet(tmp_path: Path) -> None:
    old, new = _update(tmp_path, other_new_rules=RULES)
    sources = _save(tmp_path / "fleet", "s", _device("0000:05:00.1", V10))
    result = run("diff", "--sources", sources, old, new)
    assert result.exit_code == SUCCESS, result.output
    assert "stranded class " in result.stdout
    assert "accepted elsewhere by b:bus/pci/devices/0000:02:00.1/vfio-dev/vfio0" in result.stdout
    _, document = _json("--sources", sources, old, new)
    (stranded,) = document["changes"][0]["stranded"]  # type: ignore[index]
    assert stranded["accepted_elsewhere"] == 1 and stranded["strands"] is False


def test_a_new_target_that_may_accept_the_class_makes_the_answer_undecided(tmp_path: Path) -> None:
    # host b's rules read its own q through $, and its description has none: its verdict is unknown
    old, new = _update(
        tmp_path, other_new_rules="mc1\naccept driver=d stream_version=1.0.. q=$\n", other_version="mc1 driver=d\n"
    )
    sources = _save(tmp_path / "fleet", "s", _device("0000:05:00.1", V10))
    result = run("diff", "--sources", sources, old, new)
    assert result.exit_code == UNDECIDED, result.output
    assert "not decided: no new target accepts it (1 undecided target on host b)" in result.stdout
    _, document = _json("--sources", sources, old, new)
    assert document["fleet_breaking"] is False
    (stranded,) = document["changes"][0]["stranded"]  # type: ignore[index]
    assert stranded["code"] in ("missing-field", "missing-self") and stranded["strands"] is False


def test_a_widening_lists_the_newly_accepted_classes(tmp_path: Path) -> None:
    old, new = _update(tmp_path)
    sources = _save(tmp_path / "fleet", "s", _device("0000:05:00.1", V10))
    result = run("diff", "--sources", sources, new, old)  # the other way round: 1.1..$ widens to 1.0..$
    assert result.exit_code == SUCCESS, result.output
    assert "newly accepted class " in result.stdout and "(1 device: s:bus/pci/devices/0000:05:00.1" in result.stdout
    _, document = _json("--sources", sources, new, old)
    (accepted,) = document["changes"][0]["newly_accepted"]  # type: ignore[index]
    assert accepted["member_count"] == 1 and "strands" not in accepted


def test_a_removed_device_strands_the_classes_only_it_accepted(tmp_path: Path) -> None:
    old = _save(tmp_path / "old", "a", _device("0000:01:00.1"), _device("0000:01:00.2", OWN_VERSION, OWN_RULES))
    new = _save(tmp_path / "new", "a", _device("0000:01:00.1"))
    sources = _save(tmp_path / "fleet", "s", _device("0000:05:00.1", OWN_VERSION, OWN_RULES))
    status, document = _json("--sources", sources, old, new)
    assert status == NEGATIVE and document["fleet_breaking"] is True
    (removed,) = [change for change in document["changes"] if change["new"] is None]  # type: ignore[union-attr,index]
    assert [s["member_count"] for s in removed["stranded"]] == [1]


def test_sources_read_from_standard_input(tmp_path: Path) -> None:
    old, new = _update(tmp_path)
    sources = Path(_save(tmp_path / "fleet", "s", _device("0000:05:00.1", V10))).read_text()
    result = run("diff", "--sources", "-", old, new, stdin=sources)
    assert result.exit_code == NEGATIVE, result.output
    assert "STRANDED class " in result.stdout


def test_an_unreadable_inventory_is_refused_with_a_code(tmp_path: Path) -> None:
    old, new = _update(tmp_path)
    result = run("diff", "--sources", str(tmp_path / "missing.json"), old, new)
    assert result.exit_code == UNDECIDED
    assert "error[capture-unreadable]" in result.stderr and "Traceback" not in result.output


def test_the_work_is_bounded_before_it_is_done(tmp_path: Path) -> None:
    version, narrow, rules = parse_version(V11), parse_compatible(NARROW), parse_compatible(RULES)
    old = [Target(f"o{i}", "a", "device", f"0000:01:00.{i}", "d", version, rules) for i in range(3)]
    new = [Target(f"n{i}", "a", "device", f"0000:01:00.{i}", "d", version, narrow) for i in range(3)]
    result = diff(old, new)
    inventory = load_inventory([_save(tmp_path / "fleet", "s", _device("0000:05:00.1", V10))])
    impact = source_impact(result, inventory.sources, new, max_decisions=1)  # 3 equal pairs: one decision
    assert impact.decisions == 1 and impact.fleet_breaking
    with pytest.raises(FleetError) as caught:
        source_impact(result, inventory.sources, new, max_decisions=0)
    assert caught.value.code == "too-complex" and "1 source classes x 1 distinct changed pairs" in caught.value.message


def test_the_help_states_the_bound() -> None:
    result = run("diff", "--help")
    assert "--sources" in result.stdout and "200,000" in result.stdout


def test_a_class_is_named_by_the_exports_label_and_its_digest_when_they_differ(tmp_path: Path) -> None:
    """A ``~`` field no rule reads is left out of the label the exports and ``match`` give the class."""
    old, new = _update(tmp_path)
    noted = "mc1 driver=d q=4 stream_version=1.0 ~x.note=lab\n"
    sources = _save(tmp_path / "fleet", "s", _device("0000:05:00.1", noted), _device("0000:05:00.2"))
    matched = json.loads(
        run("match", "--format", "json", "--same-host", "--source-device", "s:0000:05:00.1", sources).stdout
    )
    label, digest = matched["class"], matched["description_digest"]
    assert label != digest

    result = run("diff", "--sources", sources, old, new)
    assert result.exit_code == NEGATIVE, result.output
    assert f"STRANDED class {label} (description digest {digest}) (1 device:" in result.stdout

    code, document = _json("--sources", sources, old, new)
    assert code == NEGATIVE
    [stranded] = [entry for change in document["changes"] for entry in change.get("stranded", [])]  # type: ignore[attr-defined]
    assert (stranded["id"], stranded["class"], stranded["class_ignored"]) == (digest, label, ["x.note"])


def test_a_class_with_nothing_left_out_is_named_by_one_id(tmp_path: Path) -> None:
    old, new = _update(tmp_path)
    sources = _save(tmp_path / "fleet", "s", _device("0000:05:00.1", V10))
    result = run("diff", "--sources", sources, old, new)
    assert "description digest" not in result.stdout
    _, document = _json("--sources", sources, old, new)
    [stranded] = [entry for change in document["changes"] for entry in change.get("stranded", [])]  # type: ignore[attr-defined]
    assert stranded["class"] == stranded["id"] and stranded["class_ignored"] == []
