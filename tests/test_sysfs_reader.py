"""The sysfs reader on generated trees: every fault becomes a finding, nothing crashes, nothing is written."""

from __future__ import annotations

import dataclasses
import errno
import os
import shutil
from pathlib import Path

import pytest
from sample_fleet import gvt_host, mlx5_host, mtty_host, to_host_data, write_tree

from migcompat.sysfs import READ_LIMIT, read_attribute, read_tree
from migcompat.sysfs.model import HostData, Placement, split_vfio_path


def _mtty(root: Path) -> Path:
    write_tree(mtty_host("h", "1.1"), str(root))
    return root / "devices/virtual/mtty/mtty"


def _codes(root: Path) -> dict[str, set[str]]:
    _, findings = read_tree(str(root))
    out: dict[str, set[str]] = {}
    for finding in findings:
        out.setdefault(finding.code, set()).add(finding.path)
    return out


def _without_modes(placements: tuple[Placement, ...]) -> list[Placement]:
    return [
        dataclasses.replace(p, attributes={k: dataclasses.replace(a, mode=None) for k, a in p.attributes.items()})
        for p in placements
    ]


@pytest.mark.parametrize(
    "make", [lambda: gvt_host("g", 3), lambda: mlx5_host("m", "1.1"), lambda: mtty_host("t", "1.1")]
)
def test_reading_a_written_tree_gives_what_the_driver_model_says(tmp_path: Path, make: object) -> None:
    host = make()  # type: ignore[operator]
    write_tree(host, str(tmp_path))
    placements, findings = read_tree(str(tmp_path))
    assert findings == ()
    assert _without_modes(placements) == _without_modes(to_host_data(host).placements)


def test_mdev_links_are_followed_to_the_type(tmp_path: Path) -> None:
    write_tree(gvt_host("g", 3), str(tmp_path))
    placements, _ = read_tree(str(tmp_path))
    mdevs = [p for p in placements if p.kind == "mdev"]
    assert {p.links["mdev_type"] for p in mdevs} == {"i915-GVTg_V5_4", "i915-GVTg_V5_8"}
    assert all(p.links["type_parent"] == "0000:00:02.0" for p in mdevs)
    types = [p for p in placements if p.kind == "mdev_type"]
    assert types[0].properties["device_api"] == "vfio-pci"
    assert "low_gm_size" in types[0].properties["description"]  # multi-line text is fine


def test_sriov_links_and_ids(tmp_path: Path) -> None:
    write_tree(mlx5_host("m", "1.1"), str(tmp_path))
    placements, _ = read_tree(str(tmp_path))
    (vf, *_) = [p for p in placements if p.kind == "pci"]
    assert vf.links == {"driver": "mlx5_vfio_pci", "physfn": "0000:3b:00.0"}
    assert vf.properties["vendor"] == "0x15b3" and vf.properties["device"] == "0x101e"


def test_missing_attribute_and_missing_tree(tmp_path: Path) -> None:
    parent = _mtty(tmp_path)
    os.remove(parent / "mdev_supported_types/mtty-1/migration_compatible_devices")
    os.remove(parent / "mdev_supported_types/mtty-1/name")
    placements, findings = read_tree(str(tmp_path))
    assert findings == ()  # absent files are not faults of the tree; the conformance suite judges them
    mtty1 = next(p for p in placements if p.ident == "mtty-1")
    assert set(mtty1.attributes) == {"migration_version"} and "name" not in mtty1.properties
    assert read_tree(str(tmp_path / "nowhere")) == ((), ())


def test_eacces_becomes_a_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parent = _mtty(tmp_path)
    denied = str(parent / "mdev_supported_types/mtty-2/migration_version")
    real_open = os.open

    def fake_open(path: str, flags: int, *args: object, **kwargs: object) -> int:
        if os.path.realpath(path) == os.path.realpath(denied):
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", fake_open)
    placements, findings = read_tree(str(tmp_path))
    (finding,) = findings
    assert finding.code == "unreadable" and finding.attribute
    assert finding.path == "class/mdev_bus/mtty/mdev_supported_types/mtty-2/migration_version"
    mtty2 = next(p for p in placements if p.ident == "mtty-2")
    assert mtty2.attributes["migration_version"].data is None
    assert mtty2.attributes["migration_version"].error == "unreadable"


def test_binary_content_in_a_descriptive_attribute(tmp_path: Path) -> None:
    parent = _mtty(tmp_path)
    (parent / "mdev_supported_types/mtty-1/name").write_bytes(b"\x00\xffserial\n")
    assert _codes(tmp_path) == {"binary-content": {"class/mdev_bus/mtty/mdev_supported_types/mtty-1/name"}}


def test_binary_migration_attribute_is_kept_as_bytes(tmp_path: Path) -> None:
    parent = _mtty(tmp_path)
    (parent / "mdev_supported_types/mtty-1/migration_version").write_bytes(b"mc1 \xff\x00\n")
    placements, findings = read_tree(str(tmp_path))
    assert findings == ()
    mtty1 = next(p for p in placements if p.ident == "mtty-1")
    assert mtty1.attributes["migration_version"].data == b"mc1 \xff\x00\n"


def test_an_over_long_attribute_is_read_one_page_plus_one_byte(tmp_path: Path) -> None:
    parent = _mtty(tmp_path)
    path = parent / "mdev_supported_types/mtty-1/migration_version"
    path.write_bytes(b"mc1 " + b"a" * 4996)
    placements, _ = read_tree(str(tmp_path))
    data = next(p for p in placements if p.ident == "mtty-1").attributes["migration_version"].data
    assert data is not None and len(data) == READ_LIMIT == 4096
    (parent / "mdev_supported_types/mtty-1/name").write_bytes(b"x" * 5000)
    assert "too-long" in _codes(tmp_path)


def test_dangling_link(tmp_path: Path) -> None:
    parent = _mtty(tmp_path)
    uuid = "83b8f4f2-509f-382f-3c1e-e6bfe0fa1001"
    os.remove(parent / uuid / "mdev_type")
    os.symlink("../mdev_supported_types/mtty-9", parent / uuid / "mdev_type")
    placements, findings = read_tree(str(tmp_path))
    (finding,) = findings
    assert finding.code == "dangling-link" and finding.attribute
    assert finding.path.endswith(f"{uuid}/mdev_type")
    mdev = next(p for p in placements if p.kind == "mdev")
    assert "mdev_type" not in mdev.links and mdev.attributes  # the device itself is still read


@pytest.mark.parametrize("target", ["loop", "../devices/loop2"])
def test_link_loops_end_as_findings(tmp_path: Path, target: str) -> None:
    _mtty(tmp_path)
    devices = tmp_path / "bus/mdev/devices"
    if target == "loop":
        os.symlink("loop", devices / "loop")
    else:
        os.symlink("../devices/loop2", devices / "loop2")
    codes = _codes(tmp_path)
    assert set(codes) == {"link-loop"}


def test_two_link_cycle(tmp_path: Path) -> None:
    _mtty(tmp_path)
    bus = tmp_path / "class/mdev_bus"
    os.symlink("b", bus / "a")
    os.symlink("a", bus / "b")
    assert set(_codes(tmp_path)) == {"link-loop"}


def test_links_never_leave_the_root(tmp_path: Path) -> None:
    _mtty(tmp_path)
    bus = tmp_path / "class/mdev_bus"
    os.symlink("/etc", bus / "etc")
    os.symlink("../../../../..", bus / "up")
    codes = _codes(tmp_path)
    assert set(codes) == {"link-escapes-root"}


def test_absolute_sys_links_are_read_inside_the_mirror(tmp_path: Path) -> None:
    _mtty(tmp_path)
    link = tmp_path / "class/mdev_bus/mtty"
    os.remove(link)
    os.symlink("/sys/devices/virtual/mtty/mtty", link)
    placements, findings = read_tree(str(tmp_path))
    assert findings == ()
    assert {p.ident for p in placements if p.kind == "mdev_type"} == {"mtty-1", "mtty-2"}


def test_an_attribute_that_is_a_link_or_a_directory(tmp_path: Path) -> None:
    parent = _mtty(tmp_path)
    attr = parent / "mdev_supported_types/mtty-1/migration_version"
    os.remove(attr)
    os.symlink("name", attr)
    other = parent / "mdev_supported_types/mtty-2/migration_compatible_devices"
    os.remove(other)
    other.mkdir()
    codes = _codes(tmp_path)
    assert set(codes) == {"not-a-file"}
    assert len(codes["not-a-file"]) == 2


def test_a_fifo_does_not_block(tmp_path: Path) -> None:
    parent = _mtty(tmp_path)
    attr = parent / "mdev_supported_types/mtty-1/migration_version"
    os.remove(attr)
    os.mkfifo(attr)
    assert set(_codes(tmp_path)) == {"not-a-file"}


def test_read_attribute_reads_at_most_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(b"x" * 100_000)
    result = read_attribute(str(path))
    assert result.data is not None and len(result.data) == READ_LIMIT
    assert read_attribute(str(tmp_path / "none")).error == "missing"


def test_unrelated_pci_devices_are_skipped(tmp_path: Path) -> None:
    write_tree(gvt_host("g", 3), str(tmp_path))
    placements, _ = read_tree(str(tmp_path))
    assert not [p for p in placements if p.kind == "pci"]  # the GPU is bound to i915, not a VFIO driver


def test_host_data_is_immutable() -> None:
    data = to_host_data(mtty_host("t", "1.1"))
    assert isinstance(data, HostData)
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.host = "x"  # type: ignore[misc]


# ---- clause 10: a device instance's attributes are in its VFIO device directory ----------------------

VF = "0000:3b:00.1"
"""The first mlx5 VF of the sample host: bound to mlx5_vfio_pci, VFIO device vfio0."""


def _mlx5(root: Path) -> Path:
    """An mlx5 host written under *root*; the first VF's device directory."""
    write_tree(mlx5_host("m", "1.1"), str(root))
    return root / "bus/pci/devices" / VF


def _vf(placements: tuple[Placement, ...]) -> Placement:
    return next(p for p in placements if p.ident == VF)


def _move_attributes(source: Path, target: Path) -> dict[str, bytes]:
    moved = {}
    for name in ("migration_version", "migration_compatible_devices"):
        moved[name] = (source / name).read_bytes()
        (target / name).write_bytes(moved[name])
        (source / name).unlink()
    return moved


def test_instance_attributes_are_read_from_the_vfio_device_directory(tmp_path: Path) -> None:
    write_tree(gvt_host("g", 3), str(tmp_path / "gvt"))
    device = _mlx5(tmp_path / "mlx5")
    assert not (device / "migration_version").exists() and (device / "vfio-dev/vfio0/migration_version").is_file()
    placements, findings = read_tree(str(tmp_path / "mlx5"))
    assert findings == ()
    vf = _vf(placements)
    assert vf.ident == VF and vf.path == f"bus/pci/devices/{VF}/vfio-dev/vfio0"
    assert vf.device_path == f"bus/pci/devices/{VF}" and vf.vfio_device == "vfio0" and not vf.legacy
    assert vf.attributes["migration_version"].data == (device / "vfio-dev/vfio0/migration_version").read_bytes()
    assert vf.properties["vendor"] == "0x15b3"  # descriptive attributes come from the device directory
    placements, findings = read_tree(str(tmp_path / "gvt"))
    assert findings == ()
    mdevs = {p.ident: p.path for p in placements if p.kind == "mdev"}
    assert mdevs == {
        "4b20d080-1b54-4048-85b3-a6a62d165c01": "bus/mdev/devices/4b20d080-1b54-4048-85b3-a6a62d165c01/vfio-dev/vfio0",
        "8d9d1b8a-5a7e-4b45-9e0e-2c2d3d6b0c02": "bus/mdev/devices/8d9d1b8a-5a7e-4b45-9e0e-2c2d3d6b0c02/vfio-dev/vfio1",
    }
    types = [p for p in placements if p.kind == "mdev_type"]
    assert types and all(p.vfio_device is None and not p.legacy for p in types)  # a type has no VFIO device


def test_the_vfio_index_is_found_not_assumed(tmp_path: Path) -> None:
    device = _mlx5(tmp_path)
    os.rename(device / "vfio-dev/vfio0", device / "vfio-dev/vfio17")
    placements, findings = read_tree(str(tmp_path))
    assert findings == ()
    assert _vf(placements).path == f"bus/pci/devices/{VF}/vfio-dev/vfio17"
    assert _vf(placements).attributes


def test_attributes_in_the_bus_device_directory_are_the_legacy_placement(tmp_path: Path) -> None:
    device = _mlx5(tmp_path)
    moved = _move_attributes(device / "vfio-dev/vfio0", device)
    placements, findings = read_tree(str(tmp_path))
    (finding,) = findings
    assert finding.code == "legacy-placement" and finding.attribute
    assert finding.path == f"bus/pci/devices/{VF}"
    assert "1.0 placement" in finding.message and "vfio-dev/vfioN/" in finding.message
    vf = _vf(placements)
    assert vf.legacy and vf.path == f"bus/pci/devices/{VF}" and vf.vfio_device is None
    assert {name: attr.data for name, attr in vf.attributes.items()} == moved  # still read, for the other checks


def test_attributes_in_both_places_read_the_vfio_device_directory(tmp_path: Path) -> None:
    device = _mlx5(tmp_path)
    (device / "migration_version").write_bytes(b"mc1 device_api=vfio-pci driver=old\n")
    placements, findings = read_tree(str(tmp_path))
    (finding,) = findings
    assert finding.code == "legacy-placement" and finding.path == f"bus/pci/devices/{VF}"
    assert f"bus/pci/devices/{VF}/vfio-dev/vfio0, which is read" in finding.message
    vf = _vf(placements)
    assert not vf.legacy and vf.path.endswith("/vfio-dev/vfio0")
    assert vf.attributes["migration_version"].data == (device / "vfio-dev/vfio0/migration_version").read_bytes()


def test_several_vfio_devices_are_a_finding_and_none_is_read(tmp_path: Path) -> None:
    device = _mlx5(tmp_path)
    (device / "vfio-dev/vfio5").mkdir()
    placements, findings = read_tree(str(tmp_path))
    (finding,) = findings
    assert finding.code == "several-vfio-devices" and finding.attribute
    assert finding.path == f"bus/pci/devices/{VF}/vfio-dev" and "vfio0, vfio5" in finding.message
    vf = _vf(placements)
    assert vf.attributes == {} and vf.path == f"bus/pci/devices/{VF}"


@pytest.mark.parametrize("how", ["empty", "absent"])
def test_a_vfio_bound_device_without_a_vfio_device_is_a_finding(tmp_path: Path, how: str) -> None:
    device = _mlx5(tmp_path)
    shutil.rmtree(device / "vfio-dev/vfio0")
    if how == "absent":
        (device / "vfio-dev").rmdir()
    placements, findings = read_tree(str(tmp_path))
    (finding,) = findings
    assert finding.code == "no-vfio-device" and not finding.attribute
    assert finding.path == f"bus/pci/devices/{VF}/vfio-dev"
    assert _vf(placements).attributes == {}


def test_a_vfio_dev_link_out_of_the_root_is_not_followed(tmp_path: Path) -> None:
    device = _mlx5(tmp_path / "root")
    outside = tmp_path / "outside" / "vfio0"
    outside.mkdir(parents=True)
    (outside / "migration_version").write_bytes(b"mc1 device_api=vfio-pci driver=evil\n")
    shutil.rmtree(device / "vfio-dev")
    os.symlink("../" * 12 + "outside", device / "vfio-dev")
    placements, findings = read_tree(str(tmp_path / "root"))
    assert {f.code for f in findings} == {"link-escapes-root"}
    assert _vf(placements).attributes == {}


def test_a_vfio_device_directory_reached_by_a_link_inside_the_root(tmp_path: Path) -> None:
    device = _mlx5(tmp_path)
    os.rename(device / "vfio-dev/vfio0", tmp_path / "elsewhere")
    os.symlink("/sys/elsewhere", device / "vfio-dev/vfio0")
    placements, findings = read_tree(str(tmp_path))
    assert findings == ()
    assert _vf(placements).path == f"bus/pci/devices/{VF}/vfio-dev/vfio0" and _vf(placements).attributes


def test_a_vfio_dev_that_is_a_file_is_one_finding(tmp_path: Path) -> None:
    device = _mlx5(tmp_path)
    shutil.rmtree(device / "vfio-dev")
    (device / "vfio-dev").write_bytes(b"not a directory\n")
    placements, findings = read_tree(str(tmp_path))
    assert [(f.code, f.path) for f in findings] == [("not-a-directory", f"bus/pci/devices/{VF}/vfio-dev")]
    assert _vf(placements).attributes == {}


@pytest.mark.parametrize(
    ("path", "split"),
    [
        ("bus/pci/devices/0000:3b:00.1/vfio-dev/vfio12", ("bus/pci/devices/0000:3b:00.1", "vfio12")),
        ("bus/pci/devices/0000:3b:00.1", ("bus/pci/devices/0000:3b:00.1", None)),
        ("class/mdev_bus/p/mdev_supported_types/t", ("class/mdev_bus/p/mdev_supported_types/t", None)),
        ("bus/pci/devices/0000:3b:00.1/vfio-dev", ("bus/pci/devices/0000:3b:00.1/vfio-dev", None)),
        ("bus/pci/devices/0000:3b:00.1/vfio-dev/", ("bus/pci/devices/0000:3b:00.1/vfio-dev/", None)),
        ("bus/pci/devices/x/not-vfio-dev/vfio0", ("bus/pci/devices/x/not-vfio-dev/vfio0", None)),
    ],
)
def test_split_vfio_path(path: str, split: tuple[str, str | None]) -> None:
    assert split_vfio_path(path) == split
