"""The sysfs reader stays inside its root when the tree changes under it, and its cost is bounded on a crafted tree.

The race of review r13 #5 is made deterministic: a wrapper around ``os.open``
(or ``os.listdir``) swaps a directory the reader has already resolved for a
symbolic link to a directory outside the tree, right before the reader opens
a path through it. The cost of review r13 #6 is measured in system calls
(each link is read once per walk), not in wall time: speed is measured in
``benchmarks/bench_sysfs.py``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sample_fleet import mlx5_host, write_tree

from migcompat.sysfs import MAX_LINKS, PATH_MAX, read_tree
from migcompat.sysfs.model import Finding, Placement

SECRET = b"mc1 device_api=vfio-pci secret=OUTSIDE_THE_TREE\n"
SECRET_NAMES = ("vfioSECRET1", "vfioSECRET2")


def _tree(base: Path) -> tuple[Path, Path, Path]:
    """An mlx5 host under *base*/root, a directory outside it with a secret attribute and names; its VF's vfio0."""
    root = base / "root"
    write_tree(mlx5_host("m", "1.1"), str(root))
    outside = base / "outside"
    outside.mkdir()
    (outside / "migration_version").write_bytes(SECRET)
    (outside / "migration_compatible_devices").write_bytes(SECRET)
    for name in SECRET_NAMES:
        (outside / name).mkdir()
    vfio0 = next(path.parent for path in sorted((root / "devices").rglob("vfio-dev/vfio0/migration_version")))
    return root, outside, vfio0


def _swap(directory: Path, outside: Path) -> None:
    """Replace *directory* (inside the tree) with a symbolic link to *outside*, as the tree's owner could."""
    directory.rename(directory.with_name(directory.name + ".moved"))
    directory.symlink_to(outside)


def _leaks(placements: tuple[Placement, ...], findings: tuple[Finding, ...]) -> list[str]:
    """Everything of the outside directory that made it into the result."""
    leaked = [
        f"{placement.path}/{name}"
        for placement in placements
        for name, attr in placement.attributes.items()
        if b"OUTSIDE" in (attr.data or b"") or b"OUTSIDE" in (attr.reread or b"")
    ]
    leaked += [
        repr(finding) for finding in findings if any(name in finding.message + finding.path for name in SECRET_NAMES)
    ]
    return leaked


@pytest.fixture
def swap_before(monkeypatch: pytest.MonkeyPatch) -> Callable[[str, Path, Path], list[str]]:
    """Arm a swap: the first ``os.open``/``os.listdir`` of a path ending in *suffix* swaps *directory* first."""
    armed: list[tuple[str, Path, Path]] = []
    fired: list[str] = []
    real_open, real_listdir = os.open, os.listdir

    def fire(path: object) -> None:
        if armed and isinstance(path, str) and path.endswith(armed[0][0]):
            _, directory, outside = armed.pop()
            _swap(directory, outside)
            fired.append(path)

    def swapping_open(path: str, flags: int, *args: object, **kwargs: object) -> int:
        fire(path)
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    def swapping_listdir(path: object = ".") -> list[str]:
        fire(path)
        return real_listdir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", swapping_open)
    monkeypatch.setattr(os, "listdir", swapping_listdir)

    def arm(suffix: str, directory: Path, outside: Path) -> list[str]:
        armed.append((suffix, directory, outside))
        return fired

    return arm


@pytest.mark.parametrize("swapped", ["vfio0", "vfio-dev", "device"])
def test_a_directory_swapped_for_a_link_before_an_attribute_is_opened_yields_nothing_outside(
    tmp_path: Path, swap_before: Callable[[str, Path, Path], list[str]], swapped: str
) -> None:
    root, outside, vfio0 = _tree(tmp_path)
    directory = {"vfio0": vfio0, "vfio-dev": vfio0.parent, "device": vfio0.parent.parent}[swapped]
    if swapped != "vfio0":  # the link must lead to a directory shaped like the one it replaces
        shaped = tmp_path / "shaped"
        target = shaped / ("vfio-dev/vfio0" if swapped == "device" else "vfio0")
        target.mkdir(parents=True)
        (target / "migration_version").write_bytes(SECRET)
        outside = shaped
    device = vfio0.parent.parent.name
    fired = swap_before(f"{device}/vfio-dev/vfio0/migration_version", directory, outside)
    placements, findings = read_tree(str(root))
    assert fired, "the swap never happened: the reader no longer opens the attribute by this path"
    assert _leaks(placements, findings) == []
    shown = f"bus/pci/devices/{device}/vfio-dev/vfio0/migration_version"
    refused = [f for f in findings if f.path == shown]
    assert refused and refused[0].attribute, findings
    assert refused[0].code in {"link-escapes-root", "unreadable"}, refused
    (vf,) = [p for p in placements if p.ident == device]
    assert vf.attributes["migration_version"].data is None


def test_the_swap_is_reported_as_leading_outside_the_tree(
    tmp_path: Path, swap_before: Callable[[str, Path, Path], list[str]]
) -> None:
    """The directory the walk holds is the one it resolved: the file opened by path is not its file."""
    root, outside, vfio0 = _tree(tmp_path)
    swap_before(f"{vfio0.parent.parent.name}/vfio-dev/vfio0/migration_version", vfio0, outside)
    _, findings = read_tree(str(root))
    (refused,) = [f for f in findings if f.path.endswith("vfio0/migration_version")]
    assert refused.code == "link-escapes-root" and "not read" in refused.message


@pytest.mark.parametrize(("swapped", "code"), [("vfio-dev", "not-a-directory"), ("device", "link-escapes-root")])
def test_a_directory_swapped_for_a_link_before_vfio_dev_is_listed_shows_no_outside_name(
    tmp_path: Path, swap_before: Callable[[str, Path, Path], list[str]], swapped: str, code: str
) -> None:
    """vfio-dev/ itself a link now: O_NOFOLLOW refuses it; a directory above it: the descriptor is not the tree's."""
    root, outside, vfio0 = _tree(tmp_path)
    device = vfio0.parent.parent
    directory = vfio0.parent
    if swapped == "device":
        directory = device
        (tmp_path / "shaped").mkdir()
        outside.rename(tmp_path / "shaped" / "vfio-dev")
        outside = tmp_path / "shaped"
    fired = swap_before(f"{device.name}/vfio-dev", directory, outside)
    placements, findings = read_tree(str(root))
    assert fired
    assert _leaks(placements, findings) == []
    assert not any(f.code == "several-vfio-devices" for f in findings), findings
    (refused,) = [f for f in findings if f.path == f"bus/pci/devices/{device.name}/vfio-dev"]
    assert refused.code == code and refused.attribute
    (vf,) = [p for p in placements if p.ident == device.name]
    assert vf.attributes == {}


def test_a_descriptive_attribute_read_through_a_swapped_device_directory_is_not_kept(
    tmp_path: Path, swap_before: Callable[[str, Path, Path], list[str]]
) -> None:
    root, _, vfio0 = _tree(tmp_path)
    device = vfio0.parent.parent
    shaped = tmp_path / "shaped"
    shaped.mkdir()
    (shaped / "vendor").write_text("0x6666\n")
    swap_before(f"{device.name}/vendor", device, shaped)
    placements, findings = read_tree(str(root))
    (vf,) = [p for p in placements if p.ident == device.name]
    assert vf.properties.get("vendor") != "0x6666"
    assert any(f.path == f"bus/pci/devices/{device.name}/vendor" for f in findings), findings


# ---- cost: each link read once per walk; the kernel's bounds per path --------------------------------------


def _count_readlinks(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    calls: list[object] = []
    real = os.readlink

    def counting(path: object, *args: object, **kwargs: object) -> str:
        calls.append(path)
        return real(path, *args, **kwargs)  # type: ignore[arg-type,no-any-return]

    monkeypatch.setattr(os, "readlink", counting)
    return calls


def _slow_tree(root: Path, devices: int, *, chain: int, pad: int) -> None:
    """r13 #6's shape: *devices* links to the head of a chain of *chain* links, each target padded with d/.. pairs."""
    (root / "bus/pci/devices").mkdir(parents=True)
    (root / "d").mkdir()
    for index in range(chain):
        following = f"c{index + 1}" if index < chain - 1 else "d"
        os.symlink("d/../" * pad + following, root / f"c{index}")
    for index in range(devices):
        os.symlink("../../../c0", root / f"bus/pci/devices/0000:00:{index % 32:02x}.{index % 8}x{index}")


def test_the_padded_chain_of_the_review_ends_as_one_finding_per_device(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _slow_tree(tmp_path, 200, chain=39, pad=800)
    readlinks = _count_readlinks(monkeypatch)
    placements, findings = read_tree(str(tmp_path))
    assert placements == ()
    assert {(f.code, f.attribute) for f in findings} == {("link-loop", False)}
    assert len(findings) == 200 and all(f"{PATH_MAX} bytes" in f.message for f in findings)
    assert len(readlinks) <= 200 + 39  # each link read once; it was up to 40 per device


def test_a_chain_within_the_bounds_is_resolved_once_for_every_device(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _slow_tree(tmp_path, 100, chain=MAX_LINKS - 1, pad=10)  # 39 links, 40 with the device's own: the limit
    readlinks = _count_readlinks(monkeypatch)
    placements, findings = read_tree(str(tmp_path))
    assert placements == () and findings == ()  # resolved (to d, no device there): nothing to report
    assert len(readlinks) == 100 + MAX_LINKS - 1


def test_one_link_more_than_the_kernel_follows_is_a_loop_for_every_device_that_uses_it(tmp_path: Path) -> None:
    _slow_tree(tmp_path, 3, chain=MAX_LINKS, pad=0)  # 41 links per device path
    placements, findings = read_tree(str(tmp_path))
    assert placements == ()
    assert [(f.code, f.message) for f in findings] == [
        ("link-loop", f"more than {MAX_LINKS} symbolic links to resolve: a link loop")
    ] * 3


def test_link_targets_are_bounded_across_a_resolution_not_per_link(tmp_path: Path) -> None:
    """Two links of 2,500 bytes each are each under PATH_MAX, together over it: not followed."""
    _slow_tree(tmp_path, 1, chain=2, pad=500)
    (finding,) = read_tree(str(tmp_path))[1]
    assert finding.code == "link-loop" and f"more than {PATH_MAX} bytes" in finding.message
    short = tmp_path / "short"
    _slow_tree(short, 1, chain=2, pad=300)
    assert read_tree(str(short)) == ((), ())


def test_a_link_loop_met_again_is_reported_again_without_resolving_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bus/pci/devices").mkdir(parents=True)
    os.symlink("b", tmp_path / "a")
    os.symlink("a", tmp_path / "b")
    for index in range(50):
        os.symlink("../../../a", tmp_path / f"bus/pci/devices/0000:00:00.{index}")
    readlinks = _count_readlinks(monkeypatch)
    placements, findings = read_tree(str(tmp_path))
    assert placements == () and len(findings) == 50
    assert {f.code for f in findings} == {"link-loop"}
    assert len(readlinks) == 50 + 2


def test_a_chain_far_longer_than_the_kernel_follows_ends_without_walking_it_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """3,000 chained links: no more than MAX_LINKS links at once (no RecursionError), one loop per device."""
    _slow_tree(tmp_path, 20, chain=3000, pad=0)
    readlinks = _count_readlinks(monkeypatch)
    placements, findings = read_tree(str(tmp_path))
    assert placements == ()
    assert [f.code for f in findings] == ["link-loop"] * 20
    assert len(readlinks) <= 20 * (MAX_LINKS + 1)  # at most as many links as the kernel follows, per device


def test_devices_entering_a_long_chain_at_different_links_each_cost_at_most_the_kernel_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the outermost link of a too-deep resolution is known to be a loop; each entry walks at most 41 links."""
    _slow_tree(tmp_path, 0, chain=400, pad=0)
    for index in range(100):
        os.symlink(f"../../../c{index}", tmp_path / f"bus/pci/devices/0000:01:00.{index}")
    readlinks = _count_readlinks(monkeypatch)
    placements, findings = read_tree(str(tmp_path))
    assert placements == () and [f.code for f in findings] == ["link-loop"] * 100
    assert len(readlinks) <= 100 * (MAX_LINKS + 2)


def test_a_link_that_resolves_on_its_own_is_not_taken_for_a_loop_after_a_deeper_path_failed(tmp_path: Path) -> None:
    """c1...c39 lead to d within the bound: met first within c0's too long resolution, they still resolve after."""
    _slow_tree(tmp_path, 0, chain=MAX_LINKS, pad=0)  # c0 -> c1 -> ... -> c39 -> d: 40 links from c0
    (tmp_path / "d" / "vfio-dev" / "vfio0").mkdir(parents=True)
    (tmp_path / "d" / "vfio-dev" / "vfio0" / "migration_version").write_bytes(b"mc1 a=1\n")
    os.symlink("../../../c0", tmp_path / "bus/pci/devices/0000:00:00.0")  # 41 links: a loop
    os.symlink("../../../c1", tmp_path / "bus/pci/devices/0000:00:00.1")  # 40 links: read
    placements, findings = read_tree(str(tmp_path))
    assert [(f.code, f.path) for f in findings] == [("link-loop", "bus/pci/devices/0000:00:00.0")]
    assert [(p.ident, p.attributes["migration_version"].data) for p in placements] == [("0000:00:00.1", b"mc1 a=1\n")]
