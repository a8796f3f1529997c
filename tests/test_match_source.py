"""``migcompat match --source-device HOST:PATH``, the host filters, and the near misses of the fleet index.

An operator has the captures, not the hosts' sysfs: the source is named by
its place in the inventory (r2 #7). A live migration goes to another host,
so the source's own host is left out unless ``--same-host``, and the output
says so. ``FleetIndex.near_misses`` is the library's ranking of the targets
that refuse a source, which ``--explain`` prints (r1 #8).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fresh_captures import now_text
from migcompat.capture import dumps
from migcompat.cli import main
from migcompat.compare import check
from migcompat.fleet.index import MAX_NEAR_MISSES, FleetIndex
from migcompat.fleet.inventory import Provider, load_inventory
from migcompat.model import CompatibleDevices, MigrationVersion
from migcompat.parse import parse_compatible, parse_version
from migcompat.sysfs.model import Attr, Finding, HostData, Placement
from migcompat.verdict import Answer

ROOT = Path(__file__).resolve().parents[1]
GVT = ROOT / "conformance" / "samples" / "gvt-g"
UUID1 = "4b20d080-1b54-4048-85b3-a6a62d165c01"
SUCCESS, NEGATIVE, USAGE, UNDECIDED = 0, 1, 2, 3

RULES = "mc1\naccept driver=d stream_version=1.0..$ q=..$\n"
V11 = "mc1 driver=d q=4 stream_version=1.1\n"
V20 = "mc1 driver=d q=4 stream_version=2.0\n"


def run(*args: str) -> Result:
    """``migcompat ARGS`` in-process; a Python exception is a test failure, not a result."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _placement(ident: str, version: str | None, rules: str = RULES) -> Placement:
    attributes = {"migration_compatible_devices": Attr(rules.encode())}
    if version is not None:
        attributes["migration_version"] = Attr(version.encode())
    return Placement("pci", ident, f"bus/pci/devices/{ident}/vfio-dev/vfio0", attributes)


def _save(path: Path, name: str, *placements: Placement, findings: tuple[Finding, ...] = ()) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = HostData(name, "6.8", now_text(), "test", "/sys", "capture", False, placements, findings)
    path.write_text(dumps(data), encoding="utf-8")
    return str(path)


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    """Hosts a (1.1, two devices), b (1.1) and c (2.0): a 1.1 device goes to a or b, a 2.0 one to c only."""
    _save(tmp_path / "fleet" / "a.json", "a", _placement("0000:01:00.1", V11), _placement("0000:01:00.2", V11))
    _save(tmp_path / "fleet" / "b.json", "b", _placement("0000:01:00.1", V11))
    _save(tmp_path / "fleet" / "c.json", "c", _placement("0000:01:00.1", V20))
    return tmp_path / "fleet"


def _accepted(result: Result) -> list[tuple[str, str]]:
    return [(entry["host"], entry["ident"]) for entry in json.loads(result.stdout)["accepted"]]


# ---- the source taken from the inventory ------------------------------------------------------------------------


def test_the_source_device_and_its_host_are_left_out_and_the_output_says_so(fleet: Path) -> None:
    by_ident = run("match", "--format", "json", "--source-device", "a:0000:01:00.1", str(fleet))
    assert by_ident.exit_code == SUCCESS, by_ident.output
    assert _accepted(by_ident) == [("b", "0000:01:00.1"), ("c", "0000:01:00.1")]  # not a: the VM's own host
    document = json.loads(by_ident.stdout)
    assert document["source"] == "a:bus/pci/devices/0000:01:00.1/vfio-dev/vfio0"
    assert document["source_device"]["host"] == "a" and document["source_device"]["ident"] == "0000:01:00.1"
    assert document["left_out"] == {
        "source_device": True,
        "source_host": "a",
        "exclude_hosts": [],
        "only_hosts": None,
        "targets": 2,
    }
    # HOST:PATH, the key of Provider.where and of the exports' mappings, names the same device.
    by_path = run("match", "--format", "json", "-d", "a:bus/pci/devices/0000:01:00.1/vfio-dev/vfio0/", str(fleet))
    assert json.loads(by_path.stdout) == document

    text = run("match", "-d", "a:0000:01:00.1", str(fleet))
    assert text.exit_code == SUCCESS
    assert text.stdout.splitlines()[1:5] == [
        "device: a 0000:01:00.1 (a:bus/pci/devices/0000:01:00.1/vfio-dev/vfio0)",
        text.stdout.splitlines()[2],
        "left out: the source device and its host a (a live migration goes to another host; --same-host keeps the"
        " host)",
        "2 targets accept it: 2 devices, 0 types to create, on 2 hosts (of 2 targets on 2 hosts)",
    ]
    assert text.stdout.splitlines()[2].startswith("class:  ")


def test_same_host_keeps_the_hosts_other_targets_never_the_device_itself(fleet: Path) -> None:
    result = run("match", "--format", "json", "--same-host", "-d", "a:0000:01:00.1", str(fleet))
    assert result.exit_code == SUCCESS
    assert _accepted(result) == [("a", "0000:01:00.2"), ("b", "0000:01:00.1"), ("c", "0000:01:00.1")]
    assert json.loads(result.stdout)["left_out"]["source_host"] is None
    text = run("match", "--same-host", "-d", "a:0000:01:00.1", str(fleet))
    assert "left out: the source device itself" in text.stdout.splitlines()


def test_a_source_with_nowhere_else_to_go_is_a_negative_answer(fleet: Path) -> None:
    """r2 #7: the 18.0 vGPU on t4-180 was "accepted" by its own host, which really meant nowhere else."""
    result = run("match", "-d", "c:0000:01:00.1", str(fleet))
    assert result.exit_code == NEGATIVE, result.output
    assert "no device or type accepts the source (3 targets on 2 hosts checked)" in result.stdout
    assert run("match", "--same-host", "-d", "c:0000:01:00.1", str(fleet)).exit_code == NEGATIVE  # only itself


def test_the_pointer_to_explain_is_given_only_without_it(fleet: Path) -> None:
    plain = run("match", "-d", "c:0000:01:00.1", str(fleet))
    assert "checked); --explain shows the nearest\n" in plain.stdout
    explained = run("match", "--explain", "-d", "c:0000:01:00.1", str(fleet))
    assert explained.exit_code == NEGATIVE
    assert "checked)\nnear misses (nearest first):" in explained.stdout and "--explain" not in explained.stdout


def test_host_filters_apply_to_any_source(fleet: Path, tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.write_text(V11)
    only = run("match", "--format", "json", "--host", "b", "--host", "c", str(source), str(fleet))
    assert _accepted(only) == [("b", "0000:01:00.1"), ("c", "0000:01:00.1")]
    assert json.loads(only.stdout)["left_out"]["only_hosts"] == ["b", "c"]
    excluded = run("match", "--format", "json", "--exclude-host", "b", "--exclude-host", "a", str(source), str(fleet))
    assert _accepted(excluded) == [("c", "0000:01:00.1")]
    text = run("match", "--exclude-host", "b", "--exclude-host", "zz", str(source), str(fleet))
    assert text.exit_code == SUCCESS
    assert "migcompat: warning: --exclude-host zz names no host of the inventory" in text.stderr
    assert "left out: hosts b, zz (--exclude-host)" in text.stdout
    assert "(of 3 targets on 2 hosts)" in text.stdout

    nothing = run("match", "--host", "a", "-d", "a:0000:01:00.1", str(fleet))
    assert nothing.exit_code == UNDECIDED  # nothing left to check is not a "no"
    assert "error[nothing-to-check]: no target is left to check" in nothing.stderr and "--same-host" in nothing.stderr
    typo = run("match", "--format", "json", "--host", "q", str(source), str(fleet))
    assert typo.exit_code == UNDECIDED and json.loads(typo.stdout)["error"]["code"] == "nothing-to-check"
    assert "migcompat: warning: --host q names no host of the inventory" in typo.stderr


def test_a_fault_on_a_host_left_out_does_not_make_the_answer_unknown(fleet: Path, tmp_path: Path) -> None:
    # d's unreadable device may accept anything: with d in the answer, "no" is not known.
    unreadable = _placement("0000:01:00.9", V20, rules="mc1\naccept\n")
    attributes = dict(unreadable.attributes)
    attributes["migration_compatible_devices"] = Attr(None, None, 0o444, "unreadable")
    fault = Finding("unreadable", f"{unreadable.path}/migration_compatible_devices", "Permission denied", True)
    _save(
        fleet / "d.json",
        "d",
        Placement("pci", unreadable.ident, unreadable.path, attributes),
        findings=(fault,),
    )
    assert run("match", "--same-host", "-d", "c:0000:01:00.1", str(fleet)).exit_code == UNDECIDED
    result = run("match", "--exclude-host", "d", "-d", "c:0000:01:00.1", str(fleet))
    assert result.exit_code == NEGATIVE, result.output
    # The fault is still reported, as one that cannot change this answer (not "may then be missing").
    assert result.stderr.splitlines()[0].startswith("migcompat: note: 1 fault on 1 host may hide a device or type")
    assert "but none changes this answer" in result.stderr and "may then be missing" not in result.stderr
    # The device whose rules could not be read is a source: it can be named, and its own host is left out.
    own = run("match", "--format", "json", "-d", "d:0000:01:00.9", str(fleet))
    assert own.exit_code == SUCCESS and _accepted(own) == [("c", "0000:01:00.1")]


def test_a_host_name_with_a_colon(tmp_path: Path) -> None:
    _save(tmp_path / "f" / "x.json", "fd00::1", _placement("0000:01:00.1", V11))
    _save(tmp_path / "f" / "y.json", "fd00::2", _placement("0000:01:00.1", V11))
    result = run("match", "--format", "json", "-d", "fd00::1:0000:01:00.1", str(tmp_path / "f"))
    assert result.exit_code == SUCCESS, result.output
    assert _accepted(result) == [("fd00::2", "0000:01:00.1")]


def test_a_host_captured_twice_unchanged_is_one_device(fleet: Path) -> None:
    _save(fleet / "again" / "b.json", "b", _placement("0000:01:00.1", V11))
    result = run("match", "--format", "json", "-d", "b:0000:01:00.1", str(fleet))
    assert result.exit_code == SUCCESS and json.loads(result.stdout)["source_device"]["host"] == "b"


# ---- errors: exit status 3, a code, and what was found --------------------------------------------------------


def _error(result: Result) -> dict[str, object]:
    assert result.exit_code == UNDECIDED, result.output
    error = json.loads(result.stdout)["error"]
    assert isinstance(error, dict)
    return error


def test_an_unknown_host_or_device_is_an_error_that_shows_what_there_is(fleet: Path) -> None:
    host = run("match", "-d", "z:0000:01:00.1", str(fleet))
    assert host.exit_code == UNDECIDED
    assert host.stderr.splitlines()[-1] == (
        "migcompat: error[source-unknown]: --source-device z:0000:01:00.1: the inventory has no host z"
        " (3 hosts: a, b, c)"
    )
    device = run("match", "-d", "a:0000:09:00.0", str(fleet))
    assert device.stderr.splitlines()[-1] == (
        "migcompat: error[source-unknown]: --source-device a:0000:09:00.0: host a has no device with the path or"
        " identity 0000:09:00.0 (its 2 devices with a valid migration_version: 0000:01:00.1, 0000:01:00.2)"
    )
    assert device.stdout == ""
    error = _error(run("match", "--format", "json", "-d", "a:0000:09:00.0", str(fleet)))
    assert (error["code"], error["reason"], error["where"], error["matches"]) == (
        "source-unknown",
        "unknown",
        "a:0000:09:00.0",
        [],
    )


def test_an_ambiguous_device_lists_every_match(fleet: Path) -> None:
    _save(fleet / "later" / "b.json", "b", _placement("0000:01:00.1", V20))  # b captured again, after an update
    result = run("match", "-d", "b:0000:01:00.1", str(fleet))
    assert result.exit_code == UNDECIDED
    assert "error[source-ambiguous]: --source-device b:0000:01:00.1 names 2 different devices: " in result.stderr
    assert result.stderr.count("b:bus/pci/devices/0000:01:00.1/vfio-dev/vfio0 (class ") == 2
    # Both have one HOST:PATH, so naming the path cannot tell them apart: the captures can.
    assert "host b is in 2 captures (" in result.stderr and f"{fleet / 'later' / 'b.json'})" in result.stderr
    assert "remove the stale one from the inventory, or name the current one alone" in result.stderr
    assert "give the path of one" not in result.stderr
    error = _error(run("match", "--format", "json", "-d", "b:0000:01:00.1", str(fleet)))
    assert error["reason"] == "ambiguous"
    assert error["matches"] == ["b:bus/pci/devices/0000:01:00.1/vfio-dev/vfio0"] * 2


def test_a_device_type_or_a_device_without_a_valid_description_is_no_source(fleet: Path, tmp_path: Path) -> None:
    error = _error(run("match", "--format", "json", "-d", "gvt-new:i915-GVTg_V5_4", str(GVT)))
    assert (error["code"], error["reason"]) == ("source-is-template", "type")
    assert error["matches"] == ["gvt-new:class/mdev_bus/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4"]

    _save(fleet / "e.json", "e", _placement("0000:01:00.1", "mc1 driver=d q=04\n"), _placement("0000:01:00.2", None))
    invalid = run("match", "-d", "e:0000:01:00.1", str(fleet))
    assert invalid.exit_code == UNDECIDED
    assert invalid.stderr.splitlines()[-1].startswith(
        "migcompat: error[missing-attribute]: --source-device e:0000:01:00.1: the migration_version of"
        " e:bus/pci/devices/0000:01:00.1/vfio-dev/vfio0 is missing, unreadable or invalid (bus/pci/devices/"
    )
    assert "[leading-zero]" in invalid.stderr or "leading zero" in invalid.stderr
    missing = _error(run("match", "--format", "json", "-d", "e:0000:01:00.2", str(fleet)))
    assert (missing["code"], missing["reason"]) == ("missing-attribute", "invalid")
    assert "has no migration_version" in str(missing["message"])

    _save(fleet / "p.json", "p", _placement("0000:01:00.1", "mc1 driver=d\nparam q=4\n"))
    template = _error(run("match", "--format", "json", "-d", "p:0000:01:00.1", str(fleet)))
    assert (template["code"], template["reason"]) == ("source-is-template", "template")


def test_usage_errors_and_the_hint_for_a_capture_given_as_source(fleet: Path) -> None:
    assert run("match", "-d", "no-colon", str(fleet)).exit_code == USAGE
    assert run("match", "--same-host", str(fleet / "a.json"), str(fleet)).exit_code == USAGE
    assert run("match", str(fleet)).exit_code == USAGE  # a SOURCE and no inventory
    # A SOURCE beside --source-device (a device directory or an attribute file) is a usage error, not a capture
    # that cannot be read.
    device = fleet.parent / "device"
    device.mkdir(exist_ok=True)
    (device / "migration_version").write_text("mc1 device_api=vfio-pci driver=d\n")
    for source in (device, device / "migration_version"):
        result = run("match", "-d", "a:0000:01:00.1", str(source), str(fleet))
        assert result.exit_code == USAGE, result.output
        assert "looks like a device or a migration attribute, not a capture" in result.stderr
        assert "give no SOURCE" in result.stderr
    hinted = run("match", f"{fleet / 'a.json'}:0000:01:00.1", str(fleet))
    assert hinted.exit_code == UNDECIDED
    assert "hint: to take the source from a capture, give --source-device HOST:PATH or HOST:IDENT" in hinted.stderr
    help_text = run("match", "--help").stdout
    assert "--source-device" in help_text and "--exclude-host" in help_text and "--same-host" in help_text


# ---- near misses, from the library ------------------------------------------------------------------------------


def _provider(host: str, ident: str, version: str, rules: str) -> Provider:
    return Provider(host, ident, "device", f"p/{ident}", parse_version(version), parse_compatible(rules), "d")


def _brute_force(index: FleetIndex, source: MigrationVersion) -> list[tuple[str, ...]]:
    """Every refusing unit, ranked by the documented order, as its members' idents."""
    ranked = []
    for order, (members, verdict) in enumerate(index.verdicts(source)):
        if verdict.answer is Answer.COMPATIBLE:
            continue
        failing = min((len(o.reasons) + o.more_reasons for o in verdict.nearest), default=len(verdict.reasons))
        ranked.append(((verdict.answer is not Answer.UNKNOWN, failing, order), tuple(p.ident for p in members)))
    return [idents for _, idents in sorted(ranked)]


def test_near_misses_rank_unknown_first_then_fewest_failing_constraints_one_per_unit() -> None:
    providers = [
        _provider("h", "other-driver", "mc1 driver=x q=1\n", "mc1\naccept driver=x stream_version=2.0 q=1\n"),
        _provider("h", "two-fail", V11, "mc1\naccept driver=d stream_version=3.0 q=9\n"),
        _provider("h", "one-fail", V11, "mc1\naccept driver=d stream_version=3.0 q=..$\n"),
        _provider("h", "one-fail-too", V11, "mc1\naccept driver=d stream_version=3.0 q=..$\n"),  # same unit
        _provider("h", "unknown", V11, "mc1\naccept driver=d stream_version=1.0..$ q=..$ z=1\n"),  # no z
        _provider("h", "accepts", V11, RULES),
    ]
    index = FleetIndex.build(providers)
    source = parse_version("mc1 driver=d q=2 stream_version=1.0\n")
    misses = index.near_misses(source, 10)
    idents = [tuple(p.ident for p in members) for members, _ in misses]
    assert idents == [("unknown",), ("one-fail", "one-fail-too"), ("two-fail",), ("other-driver",)]
    assert idents == _brute_force(index, source)
    for members, verdict in misses:  # each verdict is check()'s, explained
        assert verdict == check(source, members[0].rules, members[0].version)
    assert [tuple(p.ident for p in m) for m, _ in index.near_misses(source, 2)] == idents[:2]
    assert [tuple(p.ident for p in m) for m, _ in index.near_misses(source)] == idents  # default: 5
    assert index.near_misses(parse_version("mc1 driver=d q=4 stream_version=1.1\n"), 1)[0][0][0].ident == "unknown"


def test_near_misses_bounds_and_types() -> None:
    index = FleetIndex.build([_provider("h", "a", V11, RULES)])
    source = parse_version(V11)
    assert index.near_misses(source, MAX_NEAR_MISSES) == []  # the only target accepts it
    for count in (0, MAX_NEAR_MISSES + 1, -1):
        with pytest.raises(ValueError, match="count must be from 1 to"):
            index.near_misses(source, count)
    with pytest.raises(TypeError):
        index.near_misses(V11, 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        index.near_misses(source, True)
    with pytest.raises(TypeError):
        index.near_misses(source, 1.0)  # type: ignore[arg-type]


def test_explain_prints_the_librarys_near_misses(tmp_path: Path) -> None:
    fleet = load_inventory([str(GVT)])
    source = parse_version((ROOT / "docs/examples/driver-update/mlx5-new/migration_version").read_bytes())
    expected = FleetIndex.build(fleet.providers).near_misses(source, 3)
    path = tmp_path / "source"
    path.write_bytes((ROOT / "docs/examples/driver-update/mlx5-new/migration_version").read_bytes())
    result = run("match", "--format", "json", "--near", "3", str(path), str(GVT))
    assert result.exit_code == NEGATIVE
    shown = json.loads(result.stdout)["near_misses"]
    assert [[t["path"] for t in miss["targets"]] for miss in shown] == [[p.path for p in m] for m, _ in expected]
    assert [miss["verdict"] for miss in shown] == [verdict.to_json() for _, verdict in expected]


def test_empty_rules_are_a_near_miss_like_any_refusal() -> None:
    index = FleetIndex.build([_provider("h", "none", V11, "mc1\n")])
    ((members, verdict),) = index.near_misses(parse_version(V11), 5)
    assert members[0].ident == "none" and verdict.answer is Answer.INCOMPATIBLE
    assert isinstance(members[0].rules, CompatibleDevices)
