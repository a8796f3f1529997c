"""Reading an inventory: providers from captures, coded errors naming the file, findings for what is skipped."""

from __future__ import annotations

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
