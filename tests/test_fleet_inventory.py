"""Reading an inventory: providers from captures, coded errors naming the file, findings for what is skipped."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from migcompat.capture import dumps
from migcompat.errors import MigcompatError
from migcompat.fleet.classes import source_classes, target_classes
from migcompat.fleet.inventory import InventoryError, load_inventory
from migcompat.sysfs.model import Attr, HostData, Placement

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "conformance" / "samples"


def _host(name: str, placements: tuple[Placement, ...]) -> HostData:
    return HostData(name, "6.8", "2025-01-01T00:00:00Z", "test", "/sys", "capture", False, placements)


def _pci(ident: str, version: bytes | None, rules: bytes | None) -> Placement:
    attributes = {}
    if version is not None:
        attributes["migration_version"] = Attr(version)
    if rules is not None:
        attributes["migration_compatible_devices"] = Attr(rules)
    return Placement("pci", ident, f"bus/pci/devices/{ident}", attributes)


def test_samples_give_devices_and_types() -> None:
    fleet = load_inventory([str(SAMPLES / "gvt-g")])
    assert fleet.hosts == ("gvt-new", "gvt-old")
    kinds = {(p.host, p.kind) for p in fleet.providers}
    assert kinds == {("gvt-new", "device"), ("gvt-new", "type"), ("gvt-old", "device"), ("gvt-old", "type")}
    assert fleet.sources == tuple(p for p in fleet.providers if p.kind == "device")
    types = [p for p in fleet.providers if p.kind == "type"]
    assert {p.ident for p in types} == {"i915-GVTg_V5_1", "i915-GVTg_V5_2", "i915-GVTg_V5_4", "i915-GVTg_V5_8"}
    assert all(p.version.params and p.driver == "i915" and p.name for p in types)
    # The manifest beside the captures is not a capture: skipped, with a finding.
    assert [f.code for f in fleet.findings] == ["not-a-capture"]
    assert len(source_classes(fleet.providers)) == 4
    assert len(target_classes(fleet.providers)) == 12


def test_broken_placements_are_skipped_with_findings(tmp_path: Path) -> None:
    good = _pci("0000:01:00.1", b"mc1 driver=d q=1\n", b"mc1\naccept driver=d q=..$\n")
    unpaired = _pci("0000:01:00.2", b"mc1 driver=d q=1\n", None)
    invalid = _pci("0000:01:00.3", b"mc1 driver=d q=007\n", b"mc1\naccept driver=d\n")
    params = _pci("0000:01:00.4", b"mc1 driver=d\nparam q=1\n", b"mc1\naccept driver=d\n")
    (tmp_path / "h.json").write_text(dumps(_host("h", (good, unpaired, invalid, params))))
    fleet = load_inventory([str(tmp_path / "h.json")])
    assert [p.ident for p in fleet.providers] == ["0000:01:00.1"]
    found = {(f.code, f.path) for f in fleet.findings}
    assert found == {
        ("missing-attribute", "bus/pci/devices/0000:01:00.2"),
        ("invalid-attribute", "bus/pci/devices/0000:01:00.3/migration_version"),
        ("not-a-target", "bus/pci/devices/0000:01:00.4"),
    }
    invalid_message = next(f.message for f in fleet.findings if f.code == "invalid-attribute")
    assert "leading-zero" in invalid_message


def test_duplicate_hosts_are_kept_and_noted(tmp_path: Path) -> None:
    placement = _pci("0000:01:00.1", b"mc1 driver=d\n", b"mc1\naccept driver=d\n")
    (tmp_path / "a.json").write_text(dumps(_host("h", (placement,))))
    (tmp_path / "b.json").write_text(dumps(_host("h", (placement,))))
    fleet = load_inventory([str(tmp_path)])
    assert len(fleet.providers) == 2
    assert [f.code for f in fleet.findings] == ["duplicate-host"]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (None, "capture-unreadable"),
        ("{", "capture-invalid"),
        ('{"format": "something-else"}', "capture-invalid"),
        ('{"format": "migcompat-capture", "version": 1}', "capture-invalid"),
    ],
)
def test_errors_are_coded_and_name_the_file(tmp_path: Path, content: str | None, code: str) -> None:
    path = tmp_path / "host.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(InventoryError) as raised:
        load_inventory([str(path)])
    error = raised.value
    assert isinstance(error, MigcompatError) and error.code == code
    assert str(path) in error.message and error.where.startswith(str(path))


def test_a_directory_without_captures_is_an_error_and_one_whose_capture_is_broken_is_incomplete(
    tmp_path: Path,
) -> None:
    with pytest.raises(InventoryError, match="holds no capture"):
        load_inventory([str(tmp_path)])
    with pytest.raises(InventoryError, match="no inventory given"):
        load_inventory([])
    # In a directory, a broken capture is skipped with a finding that names it and may hide a target (r1 #9):
    # nothing was read, but the inventory says it is incomplete, not that the directory holds no target.
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "migcompat-capture", "version": 99}')
    fleet = load_inventory([str(tmp_path)])
    assert fleet.providers == () and fleet.hosts == () and fleet.files == ()
    assert [(f.code, f.host, f.path, f.hides_targets) for f in fleet.findings] == [
        ("invalid-capture", "", str(broken), True)
    ]
    assert fleet.findings[0].message == (
        f"{broken}: capture version 99 is not supported (this migcompat reads 1) (at /version) [capture-invalid];"
        " skipped: a host may be missing"
    )
    assert fleet.incomplete
    # Named directly, it is still an error naming the file.
    with pytest.raises(InventoryError) as raised:
        load_inventory([str(broken)])
    assert raised.value.code == "capture-invalid" and str(broken) in raised.value.message


def test_a_symlinked_subdirectory_is_searched_once(tmp_path: Path) -> None:
    """A rack kept elsewhere and linked in is read, as a linked capture file is; a link back up is not a loop."""
    inventory, real = tmp_path / "inv", tmp_path / "real"
    (inventory / "rackA").mkdir(parents=True)
    real.mkdir()
    (inventory / "rackA" / "old.json").write_bytes((SAMPLES / "mlx5" / "old.json").read_bytes())
    (real / "old.json").write_bytes((SAMPLES / "gvt-g" / "old.json").read_bytes())
    (inventory / "linked").symlink_to("../real")
    (inventory / "rackA" / "up").symlink_to("..")
    loaded = load_inventory([str(inventory)])
    assert loaded.files == (str(inventory / "linked" / "old.json"), str(inventory / "rackA" / "old.json"))
    assert loaded.findings == ()


_UNREADABLE_RACK = """
import json, sys
from migcompat.fleet.inventory import load_inventory
inventory = load_inventory([sys.argv[1]])
print(json.dumps([inventory.files, [[f.code, f.path, f.message, f.hides_targets] for f in inventory.findings]]))
"""

_PR_CAPBSET_DROP, _CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 24, 1, 2


def _without_dac_override() -> None:
    """In the child, before exec: drop the capabilities that let root read any directory, for good (they leave the
    bounding set, so exec does not give them back). A process of another user has none to drop."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0 and os.geteuid() == 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_an_unreadable_subdirectory_is_a_finding_that_hides_targets(tmp_path: Path) -> None:
    """A rack the reader may not list is never skipped in silence: its hosts are missing, as an unreadable
    capture's are (an export then refuses the inventory). Root reads it only without its DAC capabilities."""
    inventory = tmp_path / "inv"
    for rack, sample in (("rackA", "mlx5"), ("rackB", "hisi-acc")):
        (inventory / rack).mkdir(parents=True)
        (inventory / rack / "old.json").write_bytes((SAMPLES / sample / "old.json").read_bytes())
    (inventory / "rackB").chmod(0)
    (tmp_path / "labels").mkdir(mode=0o755)
    try:
        process = subprocess.run(
            [sys.executable, "-c", _UNREADABLE_RACK, str(inventory)],
            capture_output=True,
            text=True,
            preexec_fn=_without_dac_override,
            check=False,
        )
        export = subprocess.run(
            [sys.executable, "-m", "migcompat", "export", "kubernetes", str(inventory), "-o", str(tmp_path / "labels")],
            capture_output=True,
            text=True,
            preexec_fn=_without_dac_override,
            check=False,
        )
    finally:
        (inventory / "rackB").chmod(0o755)
    assert process.returncode == 0, process.stderr
    files, findings = json.loads(process.stdout)
    assert files == [str(inventory / "rackA" / "old.json")]
    assert findings == [
        [
            "invalid-capture",
            str(inventory / "rackB"),
            f"cannot read the directory {inventory / 'rackB'}: Permission denied [capture-unreadable];"
            " skipped: a host may be missing",
            True,
        ]
    ]
    # An export refuses it: the rack's hosts would lose their labels without a word (it exported the others).
    assert export.returncode == 3, export.stderr
    assert export.stderr.startswith(
        f"migcompat: error[capture-invalid]: cannot read the directory {inventory / 'rackB'}: Permission denied:"
        " the hosts it holds would be missing from the export"
    )
    assert not any((tmp_path / "labels").iterdir())


def test_a_capture_named_twice_is_read_once(tmp_path: Path) -> None:
    """The same file given twice, or given and found in its directory, is one host, not a duplicate."""
    capture = tmp_path / "a.json"
    capture.write_bytes((SAMPLES / "mlx5" / "old.json").read_bytes())
    for paths in ([capture, capture], [capture, tmp_path]):
        loaded = load_inventory([str(path) for path in paths])
        assert loaded.files == (str(capture),)
        assert [finding.code for finding in loaded.findings] == []
    (tmp_path / "b.json").write_bytes(capture.read_bytes())  # a copy is another capture of the host: still warned
    assert [f.code for f in load_inventory([str(tmp_path)]).findings] == ["duplicate-host"]


def test_a_link_to_a_large_tree_is_refused_at_the_directory_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Links are followed, so a link to / would walk the whole system: the bound refuses it promptly."""
    import migcompat.fleet.inventory as inventory_module

    monkeypatch.setattr(inventory_module, "MAX_INVENTORY_DIRECTORIES", 50)
    (tmp_path / "inv").mkdir()
    (tmp_path / "inv" / "a.json").write_bytes((SAMPLES / "mlx5" / "old.json").read_bytes())
    (tmp_path / "inv" / "everything").symlink_to("/")
    with pytest.raises(InventoryError, match=r"holds more than 50 directories \(symbolic links followed\)"):
        load_inventory([str(tmp_path / "inv")])
