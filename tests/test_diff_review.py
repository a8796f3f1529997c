"""``migcompat diff`` after review r2 (findings 3, 4 and 18).

- #3: over fleet directories, devices are paired within a host of the same
  name only; a host missing on one side is a removed (or added) host, and one
  new device is never paired with two old ones. Two single hosts are still
  compared with each other, whatever their names.
- #4: a pair whose new (or old) counterpart is there but could not be read is
  undecided: not breaking, no witness, ``undecided`` in JSON, exit 3 with one
  message.
- #18: each change is laid out over several lines, and the relation is said
  in words that name the side that accepts more.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from migcompat.capture import dumps
from migcompat.cli import main
from migcompat.fleet.diff import placement_key
from migcompat.sysfs.model import Attr, Finding, HostData, Placement

ROOT = Path(__file__).resolve().parents[1]
NVIDIA = ROOT / "conformance" / "samples" / "nvidia-vgpu"

SUCCESS, NEGATIVE, UNDECIDED = 0, 1, 3
VERSION = "mc1 driver=d q=4 stream_version=1.1\n"
RULES = "mc1\naccept driver=d stream_version=1.0..$ q=..$\n"
NARROW = "mc1\naccept driver=d stream_version=1.1..$ q=..$\n"
OWN_VERSION = "mc1 driver=e q=4\n"  # a device only its own rules accept
OWN_RULES = "mc1\naccept driver=e q=..$\n"


def run(*args: str) -> Result:
    """``migcompat ARGS`` in-process; a Python exception is a test failure, not a result."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _device(ident: str, version: str | None = VERSION, rules: str | None = RULES, error: str = "") -> Placement:
    """A PCI function's placement; an attribute given as None could not be read (*error* says why)."""
    attributes = {
        name: Attr(None if text is None else text.encode(), error=None if text is not None else error)
        for name, text in (("migration_version", version), ("migration_compatible_devices", rules))
    }
    return Placement("pci", ident, f"bus/pci/devices/{ident}/vfio-dev/vfio0", attributes)


def _save(directory: Path, name: str, placements: tuple[Placement, ...], findings: tuple[Finding, ...] = ()) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    host = HostData(name, "6.8", "2025-01-01T00:00:00Z", "test", "/sys", "capture", False, placements, findings)
    path = directory / f"{name}.json"
    path.write_text(dumps(host), encoding="ascii")
    return str(path)


def _json(*args: str) -> tuple[int, dict[str, object]]:
    result = run("diff", "--format", "json", "--all", *args)
    return result.exit_code, json.loads(result.stdout)


def _changes(document: dict[str, object]) -> list[dict[str, object]]:
    changes = document["changes"]
    assert isinstance(changes, list)
    return changes


def _where(side: object) -> str | None:
    return None if side is None else str(side["where"])  # type: ignore[index]


def _new_paired_once(document: dict[str, object]) -> None:
    taken = Counter(_where(change["new"]) for change in _changes(document) if change["new"] is not None)
    assert [where for where, count in taken.items() if count > 1] == []


# ---- #3: pairing over fleet directories -----------------------------------------------------------------------


def test_a_removed_host_is_removed_not_paired_with_another_hosts_device(tmp_path: Path) -> None:
    for name in ("a", "b"):
        _save(tmp_path / "old", name, (_device("0000:01:00.1"),))
    _save(tmp_path / "new", "b", (_device("0000:01:00.1"),))
    status, document = _json(str(tmp_path / "old"), str(tmp_path / "new"))
    assert status == SUCCESS  # b's device accepts a's description: removed, not breaking
    states = {_where(change["old"]): change["state"] for change in _changes(document)}
    # it was {"a:...": "unchanged", "b:...": "unchanged"}: a's device paired with b's
    assert states == {
        "a:bus/pci/devices/0000:01:00.1/vfio-dev/vfio0": "removed",
        "b:bus/pci/devices/0000:01:00.1/vfio-dev/vfio0": "unchanged",
    }
    assert document["hosts"] == {"paired": [{"old": "b", "new": "b"}], "removed": ["a"], "added": [], "unread": []}
    _new_paired_once(document)
    text = run("diff", str(tmp_path / "old"), str(tmp_path / "new"))
    assert "REMOVED HOST a: not on the new side" in text.stdout
    assert "note: host a is not on the new side" in text.stdout


def test_a_removed_host_whose_devices_nothing_accepts_is_breaking(tmp_path: Path) -> None:
    _save(tmp_path / "old", "a", (_device("0000:01:00.1", OWN_VERSION, OWN_RULES),))
    _save(tmp_path / "old", "b", (_device("0000:01:00.1", OWN_VERSION, OWN_RULES.replace("..$", "4")),))
    _save(tmp_path / "new", "b", (_device("0000:01:00.1", OWN_VERSION, OWN_RULES.replace("..$", "4")),))
    _save(tmp_path / "new", "c", (_device("0000:02:00.1"),))
    status, document = _json(str(tmp_path / "old"), str(tmp_path / "new"))
    # a's device went with its host; b's (which accepts q=4 only) accepts its description q=4, so it is
    # only removed. It was paired with b's device instead: "superset", breaking, exit 1.
    assert status == SUCCESS, document
    assert [change["state"] for change in _changes(document)] == ["removed", "unchanged", "added"]
    assert document["hosts"] == {"paired": [{"old": "b", "new": "b"}], "removed": ["a"], "added": ["c"], "unread": []}


def test_a_type_is_paired_by_name_only_within_its_host_and_a_new_type_once(tmp_path: Path) -> None:
    for side in ("old", "new"):
        (tmp_path / side).mkdir()
    shutil.copy(NVIDIA / "old.json", tmp_path / "old" / "old.json")  # host t4-node-16, nvidia-222...
    shutil.copy(NVIDIA / "new.json", tmp_path / "old" / "new.json")  # host t4-node-17, nvidia-230...
    shutil.copy(NVIDIA / "new.json", tmp_path / "new" / "new.json")  # t4-node-16 is gone
    status, document = _json(str(tmp_path / "old"), str(tmp_path / "new"))
    assert status == SUCCESS
    _new_paired_once(document)  # nvidia-230 was paired with t4-node-16's nvidia-222 and with itself
    for change in _changes(document):
        old = change["old"]
        assert old is not None
        expected = "removed" if str(old["where"]).startswith("t4-node-16:") else "unchanged"  # type: ignore[index]
        assert change["state"] == expected, change
    assert document["hosts"]["removed"] == ["t4-node-16"]  # type: ignore[index]


def test_two_single_hosts_are_compared_whatever_their_names_and_the_output_says_so() -> None:
    result = run("diff", str(NVIDIA / "old.json"), str(NVIDIA / "new.json"))
    assert result.exit_code == SUCCESS, result.output
    assert "hosts: one on each side, compared with each other: t4-node-16 (old) and t4-node-17 (new)" in result.stdout
    assert "REMOVED" not in result.stdout
    document = json.loads(run("diff", "--format", "json", str(NVIDIA / "old.json"), str(NVIDIA / "new.json")).stdout)
    assert document["hosts"] == {
        "paired": [{"old": "t4-node-16", "new": "t4-node-17"}],
        "removed": [],
        "added": [],
        "unread": [],
    }
    assert {change["state"] for change in document["changes"]} == {"widened"}


# ---- #4: a counterpart that could not be read -------------------------------------------------------------------


def _unreadable_counterpart(tmp_path: Path, old_name: str, new_name: str) -> tuple[str, str]:
    old = _save(tmp_path / "old", old_name, (_device("0000:01:00.1"),))
    fault = Finding(
        "not-a-file", "bus/pci/devices/0000:01:00.1/vfio-dev/vfio0/migration_version", "not a regular file", True
    )
    new = _save(tmp_path / "new", new_name, (_device("0000:01:00.1", None, RULES, "not-a-file"),), (fault,))
    return old, new


def test_a_pair_whose_new_counterpart_could_not_be_read_is_undecided_not_breaking(tmp_path: Path) -> None:
    for old_name, new_name in (("h", "h"), ("mlx5-new-01", "cx6-broken")):  # one host each: paired across names
        old, new = _unreadable_counterpart(tmp_path / old_name, old_name, new_name)
        status, document = _json(old, new)
        assert status == UNDECIDED
        # it was breaking: true, undecided: false, counts {"breaking": 1}, with a witness
        assert (document["breaking"], document["undecided"], document["counts"]) == (False, True, {"undecided": 1})
        (change,) = _changes(document)
        assert change["state"] == "undecided" and change["unread"] == "new"
        assert change["stopped_accepting"] is None and change["new"] is None
        assert "its counterpart on the new side could not be read or is not valid" in str(change["error"])
        text = run("diff", old, new)
        assert text.exit_code == UNDECIDED
        assert "BREAKING" not in text.stdout and "stopped accepting" not in text.stdout
        assert "UNDECIDED  device 0000:01:00.1" in text.stdout and "  new: could not be read" in text.stdout
        errors = [line for line in text.stderr.splitlines() if line.startswith("migcompat: error")]
        assert len(errors) == 1, errors  # it was two: "not decided", then "error: breaking change"
        assert errors[0].startswith(
            f"migcompat: error[capture-unreadable]: the diff is not decided: on the new side, part of host {new_name} "
        )
        assert errors[0].endswith(
            "; 1 pair is undecided: the counterpart there could not be read or is not valid (UNDECIDED above)"
        )


def test_a_new_counterpart_with_invalid_rules_is_undecided_not_removed(tmp_path: Path) -> None:
    old = _save(tmp_path / "old", "h", (_device("0000:01:00.1", OWN_VERSION, OWN_RULES),))
    new = _save(tmp_path / "new", "h", (_device("0000:01:00.1", OWN_VERSION, "mc1\naccept driver=\n"),))
    status, document = _json(old, new)
    assert status == UNDECIDED  # it was state "breaking": "no new target accepts this target's own description"
    assert document["counts"] == {"undecided": 1} and document["breaking"] is False
    assert document["undecided"] is True
    text = run("diff", old, new)
    assert "migcompat: error: breaking change" not in text.stderr
    (error,) = [line for line in text.stderr.splitlines() if line.startswith("migcompat: error")]
    assert error.startswith("migcompat: error[capture-unreadable]: the diff is not decided: on the new side, ")
    assert "1 pair is undecided: the counterpart there could not be read or is not valid" in error


def test_a_removed_device_nothing_read_accepts_is_undecided_when_a_fault_may_hide_a_target(tmp_path: Path) -> None:
    _save(tmp_path / "old", "h", (_device("0000:01:00.1"), _device("0000:01:00.2", OWN_VERSION, OWN_RULES)))
    _save(tmp_path / "old", "g", (_device("0000:09:00.1"),))
    _save(tmp_path / "new", "h", (_device("0000:01:00.1"),))
    loop = Finding("link-loop", "bus/pci/devices/0000:09:00.2", "more than 40 symbolic links to resolve: a link loop")
    _save(tmp_path / "new", "g", (_device("0000:09:00.1"),), (loop,))  # g may hold a target that accepts it
    status, document = _json(str(tmp_path / "old"), str(tmp_path / "new"))
    assert status == UNDECIDED
    states = {_where(change["old"]): (change["state"], change["unread"]) for change in _changes(document)}
    # it was "breaking", with "no new target accepts this target's own description" as if all were read
    # (its counterpart is not unread: it is gone; what may accept it is on g, which is not read whole)
    assert states["h:bus/pci/devices/0000:01:00.2/vfio-dev/vfio0"] == ("undecided", None)
    assert document["breaking"] is False and document["counts"] == {"undecided": 1, "unchanged": 2}
    # A fault above every device of the host (its device listing) may hide the counterpart itself.
    listing = Finding("unreadable", "bus/pci/devices", "Permission denied")
    _save(tmp_path / "new2", "h", (_device("0000:01:00.1"),), (listing,))
    _save(tmp_path / "new2", "g", (_device("0000:09:00.1"),))
    status, document = _json(str(tmp_path / "old"), str(tmp_path / "new2"))
    assert status == UNDECIDED
    (change,) = [change for change in _changes(document) if change["state"] != "unchanged"]
    assert "part of host h on the new side could not be read when captured" in str(change["error"])


def test_a_new_device_whose_old_counterpart_could_not_be_read_is_undecided_not_added(tmp_path: Path) -> None:
    old = _save(tmp_path / "old", "h", (_device("0000:01:00.1"), _device("0000:01:00.2", VERSION, None, "unreadable")))
    new = _save(tmp_path / "new", "h", (_device("0000:01:00.1"), _device("0000:01:00.2")))
    status, document = _json(old, new)
    assert status == UNDECIDED  # it was 0: "1 added, 1 unchanged"
    assert document["counts"] == {"undecided": 1, "unchanged": 1}
    (change,) = [change for change in _changes(document) if change["state"] == "undecided"]
    assert change["old"] is None and change["unread"] == "old"


# ---- #18: readable output ------------------------------------------------------------------------------------


def test_each_change_is_laid_out_over_lines_and_the_relation_names_who_accepts_less(tmp_path: Path) -> None:
    old = _save(tmp_path / "old", "h", (_device("0000:01:00.1"),))
    new = _save(tmp_path / "new", "h", (_device("0000:01:00.1", VERSION.replace("\n", " z=1\n"), NARROW),))
    result = run("diff", old, new)
    assert result.exit_code == NEGATIVE, result.output
    lines = result.stdout.splitlines()
    start = lines.index("BREAKING   device 0000:01:00.1 (d)")  # it was one line with both places and "old -> new is"
    assert lines[start + 1 : start + 3] == [
        "  at:  h:bus/pci/devices/0000:01:00.1/vfio-dev/vfio0",
        "  relation: narrowed: new accepts only sources old did, and not all of them (old is a superset of new)",
    ]
    assert lines[start + 3].startswith("  stopped accepting: mc1 ")
    assert lines[start + 4 : start + 6] == ["  description changed (old -> new):", "    z: - -> 1"]
    assert "old -> new is" not in result.stdout
    assert result.stderr.splitlines()[-1] == (
        "migcompat: error: breaking change: the new driver stopped accepting a source the old one accepted"
        " (1 target, marked BREAKING in the report on standard output)"
    )
    help_text = " ".join(run("diff", "--help").stdout.split())
    assert 'narrowed (new accepts only sources old did, not all: breaking; "superset" in JSON)' in help_text
    assert '"unread"' in help_text and '"hosts": {"paired", "removed",' in help_text


def test_placement_key_names_the_placement_a_path_is_in() -> None:
    assert placement_key("bus/pci/devices/0000:01:00.1/vfio-dev/vfio0/migration_version") == ("device", "0000:01:00.1")
    assert placement_key("bus/mdev/devices/c2b5/vfio-dev/vfio0") == ("device", "c2b5")
    assert placement_key("bus/ccw/devices/0.0.1234") == ("device", "ccw/0.0.1234")
    assert placement_key("class/mdev_bus/0000:3b:00.0/mdev_supported_types/nvidia-230/name") == ("type", "nvidia-230")
    assert placement_key("bus/pci/devices") is None
    assert placement_key("class/mdev_bus/0000:3b:00.0") is None


# ---- review r3 (#3, #4, #9, #12 and #1's diff part) ------------------------------------------------------------


def _template(ident: str) -> Placement:
    """An mdev type: a template (param lines) with rules that accept the d devices."""
    attributes = {
        "migration_version": Attr(b"mc1 driver=d stream_version=1.1\nparam q=4\n"),
        "migration_compatible_devices": Attr(RULES.encode()),
    }
    return Placement("mdev_type", ident, f"class/mdev_bus/0000:3b:00.0/mdev_supported_types/{ident}", attributes)


def test_a_side_with_two_captures_of_one_host_name_is_refused_naming_them(tmp_path: Path) -> None:
    # r3 #3: old has m1 and m2, both without a host name; new only m2 (m1 was decommissioned). The two ""
    # hosts were paired: m1's device "became" m2's (WIDENED) and m2's was REMOVED, exit 0.
    m1 = (_device("0000:01:00.1", VERSION.replace("q=4", "q=2"), OWN_RULES),)
    m2 = (_device("0000:01:00.1", VERSION.replace("q=4", "q=3"), RULES),)
    _save(tmp_path / "old", "", m1)
    (tmp_path / "old" / ".json").rename(tmp_path / "old" / "m1.json")
    _save(tmp_path / "old", "", m2)
    (tmp_path / "old" / ".json").rename(tmp_path / "old" / "m2.json")
    _save(tmp_path / "new", "", m2)
    result = run("diff", str(tmp_path / "old"), str(tmp_path / "new"))
    assert result.exit_code == UNDECIDED, result.output
    assert result.stdout == ""
    error = result.stderr.splitlines()[-1]
    assert error.startswith("migcompat: error[capture-invalid]: on the old side, ")
    assert f"{tmp_path / 'old' / 'm1.json'} and {tmp_path / 'old' / 'm2.json'} both record no host name" in error
    status, document = _json(str(tmp_path / "old"), str(tmp_path / "new"))
    assert status == UNDECIDED and document["error"]["code"] == "capture-invalid"  # type: ignore[index]
    # A host name in two captures (a current and a year-old one) is refused the same way.
    for name in ("a", "b"):
        _save(tmp_path / "named" / name, "h", (_device("0000:01:00.1"),))
    refused = run("diff", str(tmp_path / "named"), str(tmp_path / "named" / "a"))
    assert refused.exit_code == UNDECIDED
    assert "both record host h: diff pairs the hosts" in refused.stderr
    # One capture on each side, both without a host name, is still one host against the other.
    alone = run("diff", str(tmp_path / "old" / "m2.json"), str(tmp_path / "new" / ".json"))
    assert alone.exit_code == SUCCESS, alone.output


def test_pairing_is_linear_in_the_targets_even_when_they_share_host_and_identity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # r3 #3: take() scanned every candidate for each old target: 30,000 targets with one (host, kind,
    # identity) took about 11 s. Each new target is now queued once and taken off its queue at most once,
    # so the work is linear: counted here (pops), not timed.
    from collections import deque

    import migcompat._pairing as pairing_module
    from migcompat.fleet.diff import Target, diff
    from migcompat.parse import parse_compatible, parse_version

    pops = [0]

    class CountingDeque(deque):  # type: ignore[type-arg]
        def popleft(self):  # type: ignore[no-untyped-def]
            pops[0] += 1
            return super().popleft()

    monkeypatch.setattr(pairing_module, "deque", CountingDeque)  # diff pairs through migcompat._pairing
    version, rules = parse_version(VERSION), parse_compatible(RULES)
    targets = [Target(f"m{i}", "", "device", "0000:01:00.1", "d", version, rules) for i in range(3000)]
    result = diff(targets, targets)
    assert [(c.old, c.new) for c in result.changes] == [(t, t) for t in targets]  # in order, each taken once
    assert 0 < pops[0] <= len(targets)  # one queue entry per new target, popped at most once


def test_the_one_target_fallback_pairs_attribute_files_only_and_never_across_kinds(tmp_path: Path) -> None:
    # r3 #4: two captures, each with one device at another address, were paired (BREAKING, exit 1), while the
    # same change beside an unchanged device was REMOVED + ADDED (exit 0).
    old = _save(tmp_path / "old", "a", (_device("0000:01:00.1"),))
    new = _save(tmp_path / "new", "a", (_device("0000:02:00.1", VERSION, NARROW),))
    status, document = _json(old, new)
    assert status == SUCCESS, document
    assert [change["state"] for change in _changes(document)] == ["removed", "added"]
    # Two device directories (attribute files, no capture) are still the pair, whatever their names ...
    for name, text in (("dev_old", VERSION), ("dev_new", VERSION)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "migration_version").write_text(text)
        (tmp_path / name / "migration_compatible_devices").write_text(RULES)
    status, document = _json(str(tmp_path / "dev_old"), str(tmp_path / "dev_new"))
    assert status == SUCCESS and [change["state"] for change in _changes(document)] == ["unchanged"]
    # ... but never a device instance with a device type.
    (tmp_path / "dev_new" / "migration_version").write_text("mc1 driver=d stream_version=1.1\nparam q=4\n")
    status, document = _json(str(tmp_path / "dev_old"), str(tmp_path / "dev_new"))
    assert [change["state"] for change in _changes(document)] == ["removed", "added"], document


def test_a_removed_device_is_breaking_when_the_only_fault_is_on_a_placement_that_rejects_it(tmp_path: Path) -> None:
    # r3 #9: host a was decommissioned and nothing accepts its q=7 device; c's migration_version is unreadable,
    # but c's readable rules accept driver=z only, so c cannot take it. It was UNDECIDED ("new: could not be
    # read ... a target there may accept it"), as if any fault anywhere hid a target.
    _save(tmp_path / "old", "a", (_device("0000:01:00.1", OWN_VERSION.replace("q=4", "q=7"), OWN_RULES),))
    _save(tmp_path / "new", "c", (_device("0000:05:00.1", None, "mc1\naccept driver=z\n", "unreadable"),))
    status, document = _json(str(tmp_path / "old"), str(tmp_path / "new"))
    assert status == UNDECIDED  # c is not read whole (3 wins), but the removal is definite
    (change,) = [change for change in _changes(document) if change["old"] is not None]
    assert change["state"] == "breaking" and change["stopped_accepting"] == "mc1 driver=e q=7"
    # When c's readable rules may accept it, it is undecided, and says why without calling a host unread.
    _save(tmp_path / "new2", "c", (_device("0000:05:00.1", None, OWN_RULES.replace("..$", "..9"), "unreadable"),))
    result = run("diff", "--all", str(tmp_path / "old"), str(tmp_path / "new2"))
    assert result.exit_code == UNDECIDED
    assert "  new: none\n  not decided: no new target accepts it (1 undecided target on host c)" in result.stdout
    assert "could not be read\n" not in result.stdout.replace("new: could not be read", "")
    assert "new: could not be read" not in result.stdout
    assert "error[capture-unreadable]: whether removing device 0000:01:00.1 (e)" in result.stderr


def test_a_removed_device_a_new_target_judges_unknown_is_undecided_not_breaking(tmp_path: Path) -> None:
    # r3 #1 (diff): c's rules need r, which the removed device does not carry: check says unknown (clause 8.3),
    # so c may accept it once that is known. It was BREAKING, exit 1.
    _save(tmp_path / "old", "a", (_device("0000:01:00.1", OWN_VERSION, OWN_RULES),))
    _save(
        tmp_path / "new", "c", (_device("0000:05:00.1", "mc1 driver=e q=9 r=1\n", "mc1\naccept driver=e q=1..9 r=1\n"),)
    )
    status, document = _json(str(tmp_path / "old"), str(tmp_path / "new"))
    assert status == UNDECIDED, document
    (change,) = [change for change in _changes(document) if change["old"] is not None]
    assert (change["state"], change["unread"], change["code"]) == ("undecided", None, "missing-field")
    assert change["error"] == "no new target accepts it (1 undecided target on host c)"
    assert document["breaking"] is False


def test_a_host_whose_new_capture_is_not_valid_is_undecided_not_removed(tmp_path: Path) -> None:
    # r3 #12: b's capture is there, but truncated: it was "REMOVED HOST b: not on the new side", and the error
    # said "part of host .../new/b.json could not be read", calling a file a host.
    for name in ("a", "b"):
        _save(tmp_path / "old", name, (_device("0000:01:00.1"),))
    _save(tmp_path / "new", "a", (_device("0000:01:00.1"),))
    broken = tmp_path / "new" / "b.json"
    broken.write_text(Path(_save(tmp_path / "x", "b", (_device("0000:01:00.1"),))).read_text()[:40])
    result = run("diff", str(tmp_path / "old"), str(tmp_path / "new"))
    assert result.exit_code == UNDECIDED, result.output
    assert "REMOVED" not in result.stdout and "not on the new side" not in result.stdout
    assert f"host b: its capture {broken} is not valid (not compared)\n" in result.stdout
    assert f"not decided: host b: its capture {broken} is not valid (not compared) [capture-unreadable]" in (
        result.stdout
    )
    assert f"part of host {broken}" not in result.stderr
    assert f"on the new side, the capture {broken} is not valid; 1 pair is undecided" in result.stderr
    _, document = _json(str(tmp_path / "old"), str(tmp_path / "new"))
    assert document["hosts"]["removed"] == []  # type: ignore[index]
    assert document["hosts"]["unread"] == [  # type: ignore[index]
        {
            "host": "b",
            "side": "new",
            "invalid_captures": [str(broken)],
            "message": f"host b: its capture {broken} is not valid (not compared)",
        }
    ]


def test_rules_that_read_dollar_without_the_description_are_missing_self_not_too_complex(tmp_path: Path) -> None:
    # r3 #12: 'diff ra rb' said error[too-complex], and the UNDECIDED block gave no reason.
    (tmp_path / "ra").write_text("mc1\naccept driver=d q=..$\n")
    (tmp_path / "rb").write_text("mc1\naccept driver=d q=1..$\n")
    result = run("diff", str(tmp_path / "ra"), str(tmp_path / "rb"))
    assert result.exit_code == UNDECIDED
    assert "too-complex" not in result.stderr
    assert result.stderr.startswith("migcompat: error[missing-self]: the relation is not known for device ra (")
    assert "  not decided: the old rules read the target's own q through $, and the old migration_version" in (
        result.stdout
    )
    assert result.stdout.count("[missing-self]") == 1


def test_a_capture_that_names_no_host_is_warned_of_once(tmp_path: Path) -> None:
    old = _save(tmp_path / "old", "", (_device("0000:01:00.1"),))
    cosmetic = Finding("missing", "bus/pci/devices/0000:01:00.1/name", "no such file")
    new = _save(tmp_path / "new", "", (_device("0000:01:00.1"),), (cosmetic,))  # the two sides' reports differ
    result = run("diff", old, new)
    assert result.exit_code == SUCCESS, result.output
    assert result.stderr.count("a capture names no host") == 1  # it was once per side


def test_an_old_side_without_attributes_says_the_update_may_add_migration_support(tmp_path: Path) -> None:
    old = _save(tmp_path, "zero.json", ())
    new = _save(tmp_path, "new.json", (_device("0000:01:00.1"),))
    result = run("diff", old, new)
    assert result.exit_code == 3  # refused still: an old side taken wrongly must not pass as "nothing broke"
    assert f"error[nothing-to-check]: {old} (old) has no device or type with valid attributes" in result.stderr
    assert "the update adds migration support and breaks no migration: check the new side alone with" in (result.stderr)
    assert f"'migcompat conformance {new}'" in result.stderr
