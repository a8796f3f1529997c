"""The fleet inventory keeps what it can use and says what it cannot (reviews r1 and r2).

- A device whose migration_version is valid but whose rules are missing or invalid stays a source.
- Inside an inventory directory a bad *.json file is skipped with a finding; named directly it is an error.
- A target whose attributes are invalid, missing or in a newer format makes a negative answer unknown,
  unless its readable rules already reject the source (r2 #5).
- Each fault is reported once, grouped per host; match counts every host read and pads its host column.
- Provider has the parent device, available_instances and to_json().
- capture() of a root that is not a sysfs tree says so; capture without --host warns.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fresh_captures import now_text
from migcompat.capture import capture, dumps
from migcompat.cli import main
from migcompat.fleet.inventory import (
    FleetError,
    Inventory,
    PartialPlacement,
    inventory_of,
    load_inventory,
    may_accept,
)
from migcompat.parse import parse_compatible, parse_version
from migcompat.sysfs.model import Attr, Finding, HostData, Placement

SUCCESS, NEGATIVE, UNDECIDED = 0, 1, 3
ROOT = Path(__file__).resolve().parent.parent
RULES = "mc1\naccept driver=d stream_version=1.0..$ q=..$\n"
VERSION = "mc1 driver=d q=4 stream_version=1.1\n"
OTHER_RULES = "mc1\naccept driver=other q=..$\n"
ACCEPTED = "mc1 driver=d q=2 stream_version=1.0\n"
REFUSED = "mc1 driver=d q=2 stream_version=9.0\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _device(ident: str, version: bytes | None = VERSION.encode(), rules: bytes | None = RULES.encode()) -> Placement:
    attributes = {}
    if version is not None:
        attributes["migration_version"] = Attr(version)
    if rules is not None:
        attributes["migration_compatible_devices"] = Attr(rules)
    return Placement(
        "pci", ident, f"bus/pci/devices/{ident}/vfio-dev/vfio0", attributes, {}, {"physfn": "0000:01:00.0"}
    )


def _unreadable(ident: str, name: str, rules: str = RULES) -> tuple[Placement, Finding]:
    """A device whose attribute *name* could not be read when captured, and the capture's finding."""
    attributes = {"migration_version": Attr(VERSION.encode()), "migration_compatible_devices": Attr(rules.encode())}
    attributes[name] = Attr(None, error="unreadable")
    path = f"bus/pci/devices/{ident}/vfio-dev/vfio0"
    return Placement("pci", ident, path, attributes), Finding("unreadable", f"{path}/{name}", "Permission denied", True)


def _host(name: str, placements: tuple[Placement, ...], findings: tuple[Finding, ...] = ()) -> HostData:
    return HostData(name, "6.8", now_text(), "test", "/sys", "capture", False, placements, findings)


def _save(path: Path, host: HostData) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(host), encoding="ascii")
    return str(path)


@pytest.fixture
def source(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "accepted").write_text(ACCEPTED)
    (tmp_path / "refused").write_text(REFUSED)
    return {"accepted": str(tmp_path / "accepted"), "refused": str(tmp_path / "refused")}


# ---- r1 #4: a device with a valid migration_version stays a source --------------------------------------------


def test_a_device_whose_rules_are_missing_or_invalid_stays_a_source_not_a_target() -> None:
    fleet = load_inventory([str(ROOT / "conformance/samples/broken-pair/host.json")])
    assert [(p.ident, p.target) for p in fleet.sources] == [("0000:3b:00.1", True), ("0000:3b:00.2", False)]
    assert [p.ident for p in fleet.providers] == ["0000:3b:00.1"]
    (finding,) = [f for f in fleet.findings if f.path.startswith("bus/pci/devices/0000:3b:00.2")]
    assert finding.code == "missing-attribute" and "kept as a source, not a target" in finding.message
    assert finding.hides_targets and fleet.incomplete
    invalid = inventory_of(_host("h", (_device("0000:01:00.1", rules=b"mc1\naccept nonsense\n"),)), "h.json")
    assert [(p.ident, p.target, p.rules.rules) for p in invalid.sources] == [("0000:01:00.1", False, ())]
    assert invalid.providers == () and invalid.findings[0].code == "invalid-attribute"
    assert "kept as a source" in invalid.findings[0].message


# ---- r1 #9: a bad file inside a directory is skipped with a finding -------------------------------------------


@pytest.mark.parametrize(
    "text", ['{"truncated": ', "[1, 2]", None], ids=["truncated", "not-an-object", "newer-version"]
)
def test_a_bad_json_file_in_a_directory_is_skipped_with_a_finding_named_directly_it_is_an_error(
    tmp_path: Path, text: str | None
) -> None:
    good = _save(tmp_path / "dir" / "a.json", _host("a", (_device("0000:01:00.1"),)))
    bad = tmp_path / "dir" / "b.json"
    if text is None:
        document = json.loads(Path(good).read_text())
        document["version"] = 2
        text = json.dumps(document)
    bad.write_text(text)
    fleet = load_inventory([str(tmp_path / "dir")])
    assert [p.host for p in fleet.providers] == ["a"]
    (finding,) = fleet.findings
    assert finding.code == "invalid-capture" and finding.path == str(bad) and str(bad) in finding.message
    assert finding.hides_targets and fleet.incomplete  # a host may be missing
    with pytest.raises(FleetError) as raised:
        load_inventory([str(bad)])
    assert raised.value.code == "capture-invalid" and str(bad) in raised.value.message


# ---- r1 #10: an unstable attribute is a finding ----------------------------------------------------------------


def test_an_unstable_attribute_gives_a_finding_and_the_provider_is_kept() -> None:
    unstable = Placement(
        "pci",
        "0000:01:00.1",
        "bus/pci/devices/0000:01:00.1/vfio-dev/vfio0",
        {
            "migration_version": Attr(VERSION.encode(), reread=b"mc1 driver=d q=5 stream_version=1.1\n"),
            "migration_compatible_devices": Attr(RULES.encode()),
        },
    )
    fleet = inventory_of(_host("h", (unstable,)), "h.json")
    assert [p.ident for p in fleet.providers] == ["0000:01:00.1"]
    (finding,) = fleet.findings
    assert finding.code == "unstable-attribute" and finding.path.endswith("/migration_version")
    assert not finding.hides_targets and not fleet.incomplete
    stable = inventory_of(_host("h", (_device("0000:01:00.1"),)), "h.json")
    assert stable.findings == ()


# ---- r1 #5: an invalid or newer-format target makes "no" unknown ----------------------------------------------


def test_match_is_unknown_not_no_when_a_target_has_a_newer_format(tmp_path: Path, source: dict[str, str]) -> None:
    newer = _save(tmp_path / "n.json", _host("n", (_device("0000:01:00.1", rules=b"mc2\naccept driver=d\n"),)))
    clean = _save(tmp_path / "c.json", _host("c", (_device("0000:01:00.1"),)))
    assert run("match", source["refused"], clean).exit_code == NEGATIVE
    result = run("match", source["refused"], clean, newer)
    assert result.exit_code == UNDECIDED, result.output
    assert "1 target on host n is undecided" in result.stderr and "error[capture-invalid]" in result.stderr
    document = json.loads(run("match", "--format", "json", source["refused"], clean, newer).stdout)
    assert document["incomplete"] is True
    assert document["undecided"] == {
        "targets": [
            {
                "host": "n",
                "ident": "0000:01:00.1",
                "kind": "device",
                "path": "bus/pci/devices/0000:01:00.1/vfio-dev/vfio0",
                "capture": newer,
                "unreadable": ["migration_compatible_devices"],
                "param_lines": False,
                "driver": "d",
                "stream": None,
            }
        ],
        "faults": 0,
        "unknown_targets": [],
    }
    assert [(f["code"], f["hides_targets"]) for f in document["findings"]] == [("invalid-attribute", True)]
    assert run("match", source["accepted"], clean, newer).exit_code == SUCCESS


# ---- r2 #5: a placement whose readable rules reject the source hides nothing from it ----------------------------


def test_may_accept_decides_with_the_readable_rules_without_the_targets_own_values() -> None:
    source = parse_version(ACCEPTED)
    other = PartialPlacement("h", "x", "device", "p", parse_compatible(OTHER_RULES))
    assert may_accept(other, source) is False and other.may_accept(source) is False
    own = PartialPlacement("h", "x", "device", "p", parse_compatible(RULES))  # q=..$: undecided without $
    assert may_accept(own, source) is True
    assert may_accept(PartialPlacement("h", "x", "device", "p", None), source) is True
    with pytest.raises(TypeError):
        may_accept(own, None)  # type: ignore[arg-type]


def test_match_says_no_when_every_fault_is_on_a_placement_whose_rules_reject_the_source(
    tmp_path: Path, source: dict[str, str]
) -> None:
    rejecting, fault = _unreadable("0000:01:00.2", "migration_version", OTHER_RULES)
    path = _save(tmp_path / "h.json", _host("h", (_device("0000:01:00.1"), rejecting), (fault,)))
    fleet = load_inventory([path])
    assert fleet.incomplete and not fleet.undecided(parse_version(REFUSED))
    assert [p.ident for p in fleet.partial] == ["0000:01:00.2"]
    result = run("match", source["refused"], path)
    assert result.exit_code == NEGATIVE, result.output  # it was 3: the fault could not matter
    assert "[unreadable]" in result.stderr  # still reported

    hiding, fault2 = _unreadable("0000:01:00.3", "migration_version", RULES)  # its rules may accept it
    path = _save(tmp_path / "g.json", _host("g", (_device("0000:01:00.1"), rejecting, hiding), (fault, fault2)))
    result = run("match", source["refused"], path)
    assert result.exit_code == UNDECIDED
    assert "no target read accepts the source, but 1 target on host g is undecided" in result.stderr
    assert "error[capture-unreadable]" in result.stderr

    loop = Finding("link-loop", "bus/pci/devices/0000:01:00.9", "more than 40 symbolic links")
    path = _save(tmp_path / "l.json", _host("l", (_device("0000:01:00.1"), rejecting), (fault, loop)))
    result = run("match", source["refused"], path)
    assert result.exit_code == UNDECIDED  # the loop hides what it hides, whatever the source
    assert "no target read accepts the source, but part of host l could not be read:" in result.stderr


# ---- r2 #16, #20, #14: one report, grouped per host; all hosts counted; padding; (empty) -----------------------


def test_each_fault_is_reported_once_grouped_per_host(tmp_path: Path, source: dict[str, str]) -> None:
    first, fault1 = _unreadable("0000:01:00.2", "migration_compatible_devices")
    second, fault2 = _unreadable("0000:01:00.3", "migration_compatible_devices")
    a = _save(tmp_path / "a.json", _host("a", (_device("0000:01:00.1"), first, second), (fault1, fault2)))
    b = _save(tmp_path / "b.json", _host("b", (_device("0000:01:00.1"), first), (fault1,)))
    result = run("match", source["accepted"], a, b)
    assert result.exit_code == SUCCESS
    lines = result.stderr.splitlines()
    assert lines[0].startswith("migcompat: warning: 3 faults on 2 hosts may hide a device or type")
    assert sum("0000:01:00.2" in line for line in lines) == 2  # once per host, not once more as "skipped"
    assert not any(line.startswith("note:") for line in lines)
    assert lines[1] == f"  a ({a}):" and lines[4] == f"  b ({b}):"
    assert lines[2].endswith("Permission denied [unreadable]")


def test_match_counts_every_host_read_and_pads_the_host_column(tmp_path: Path, source: dict[str, str]) -> None:
    short = _save(tmp_path / "s.json", _host("s", (_device("0000:01:00.1"),)))
    long = _save(tmp_path / "l.json", _host("a-much-longer-host", (_device("0000:01:00.1"),)))
    skipped = _save(tmp_path / "k.json", _host("k", (_device("0000:01:00.1", rules=None),)))
    result = run("match", source["accepted"], short, long, skipped)
    assert "(of 2 targets on 3 hosts)" in result.stdout
    rows = [line for line in result.stdout.splitlines() if ". " in line[:6]]
    assert [row.index(" device") for row in rows] == [len("   1. a-much-longer-host ")] * 2


def test_an_empty_host_name_is_shown_and_duplicate_hosts_are_capped(tmp_path: Path, source: dict[str, str]) -> None:
    paths = [_save(tmp_path / f"{n}.json", _host("", (_device("0000:01:00.1"),))) for n in range(6)]
    result = run("match", source["accepted"], *paths)
    assert result.exit_code == SUCCESS
    assert "1. (empty)  device" in result.stdout
    duplicate = [
        line for line in result.stderr.splitlines() if line.startswith("migcompat: warning: host (empty) is in")
    ]
    assert len(duplicate) == 3
    assert "migcompat: warning: ... and 2 more captures naming a host an earlier one names" in result.stderr


# ---- r1 #6: Provider.parent, available_instances, to_json ----------------------------------------------------


def test_provider_has_its_parent_and_available_instances() -> None:
    fleet = load_inventory([str(ROOT / "conformance/samples/gvt-g/new.json")])
    types = {p.ident: p for p in fleet.providers if p.kind == "type"}
    assert types["i915-GVTg_V5_1"].parent == "0000:00:02.0" and types["i915-GVTg_V5_1"].available_instances == 0
    assert types["i915-GVTg_V5_8"].available_instances == 7
    device = fleet.sources[0]
    assert device.parent == "0000:00:02.0" and device.available_instances is None
    assert device.to_json() == {
        "host": device.host,
        "ident": device.ident,
        "kind": "device",
        "path": device.path,
        "driver": "i915",
        "parent": "0000:00:02.0",
        "available_instances": None,
    }
    vf = inventory_of(_host("h", (_device("0000:01:00.1"),)), "h").providers[0]
    assert vf.parent == "0000:01:00.0"  # a virtual function's physical function


def test_match_json_lists_the_parent_and_available_instances(source: dict[str, str]) -> None:
    result = run(
        "match", "--format", "json", str(ROOT / "examples/gvt-g/uuid2"), str(ROOT / "conformance/samples/gvt-g")
    )
    accepted = json.loads(result.stdout)["accepted"]
    assert all(entry["parent"] == "0000:00:02.0" for entry in accepted)
    assert {entry["available_instances"] for entry in accepted if entry["kind"] == "type"} - {None}


# ---- r1 #12, #16, #22 ---------------------------------------------------------------------------------------------


def test_inventory_of_none_is_a_type_error_and_paths_may_be_path_objects() -> None:
    with pytest.raises(TypeError, match="host must be a HostData"):
        inventory_of(None, "x")  # type: ignore[arg-type]
    fleet = load_inventory([ROOT / "conformance/samples/gvt-g/new.json"])
    assert fleet.files == (str(ROOT / "conformance/samples/gvt-g/new.json"),)
    with pytest.raises(TypeError):
        load_inventory(ROOT / "conformance/samples/gvt-g/new.json")  # type: ignore[arg-type]


def test_inventories_combined_by_hand_are_checked_for_duplicate_hosts() -> None:
    one = inventory_of(_host("h", (_device("0000:01:00.1"),)), "one.json")
    two = inventory_of(_host("h", (_device("0000:01:00.1"),)), "two.json")
    combined = Inventory.of(
        one.providers + two.providers,
        one.findings + two.findings,
        one.files + two.files,
        one.file_hosts + two.file_hosts,
        one.partial + two.partial,
    )
    assert [(f.code, f.path) for f in combined.findings] == [("duplicate-host", "two.json")]
    again = Inventory.of(combined.providers, combined.findings, (), combined.file_hosts)
    assert [f.code for f in again.findings] == ["duplicate-host"]  # not twice


# ---- r1 #17, r2 #14: capture of a wrong root, capture without --host ----------------------------------------------


def test_capture_of_a_root_that_is_not_a_sysfs_tree_has_a_finding(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    host = capture(tmp_path / "empty", host="h")
    assert host.placements == () and [(f.code, f.path) for f in host.findings] == [("missing", "")]
    assert inventory_of(host, "h").incomplete  # the host was not read at all
    result = run("capture", "--sysfs", str(tmp_path / "empty"), "--host", "h", "-o", str(tmp_path / "x.json"))
    assert result.exit_code == UNDECIDED
    assert "neither bus/ nor class/" in result.stderr


def test_capture_of_a_copy_without_host_warns(tmp_path: Path) -> None:
    tree = str(ROOT / "conformance/sample-trees/gvt-g/new")
    result = run("capture", "--sysfs", tree, "-o", str(tmp_path / "x.json"))
    assert result.exit_code == SUCCESS
    assert "--host was not given: the capture names no host" in result.stderr
    named = run("capture", "--sysfs", tree, "--host", "h", "-o", str(tmp_path / "y.json"))
    assert "warning" not in named.stderr
