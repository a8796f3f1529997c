"""Benchmark: the full conformance suite on generated captures of 1,000 and 10,000 devices.

Run: ``python benchmarks/bench_conformance.py [SIZES...]`` (default 1000 10000).

Each capture is one host with a realistic mix of the sample fleet's drivers
(generated outside the timing): mlx5 VFs (8 per PF, the firmware version, an
ignorable field, differs between PFs, so the number of distinct strings grows
with the fleet), QAT and HiSilicon VFs, GVT-g GPUs with their four types and
aggregated vGPUs, NVIDIA T4s with vGPUs, and mtty devices. The suite runs
every check, the compatibility matrix included. The growth ratio from the
smallest to the largest size should be close to the size ratio (linear), far
below its square (quadratic).
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "conformance" / "tools"))

from sample_fleet import (
    Host,
    Mdev,
    MdevParent,
    MdevType,
    PciFunction,
    gvt_rules,
    gvt_version,
    hisi_rules,
    hisi_version,
    mlx5_rules,
    mlx5_version,
    mtty_rules,
    mtty_version,
    nvidia_rules,
    nvidia_version,
    qat_rules,
    qat_version,
    to_host_data,
)

from migcompat.capture import dumps, loads
from migcompat.conformance import run
from migcompat.sysfs.model import HostData

PATTERN = ["mlx5", "gvt", "qat", "mlx5", "nvidia", "hisi", "mlx5", "gvt", "qat", "mtty"]


def _bdf(index: int, function: int = 0) -> str:
    domain, bus = divmod(index, 256)
    slot, fn = divmod(function, 8)
    return f"{domain:04x}:{bus:02x}:{slot:02x}.{fn}"


def _uuid(index: int) -> str:
    return str(uuid.UUID(int=index + 1))


def _vfs(
    host: Host,
    unit: int,
    pf_ids: tuple[int, int],
    vf_ids: tuple[int, int],
    pf_driver: str,
    vf_driver: str,
    count: int,
    version: str,
    rules: str,
) -> int:
    pf_bdf = _bdf(unit)
    bridge = f"devices/pci{pf_bdf[:4]}:{pf_bdf[5:7]}"
    pf = PciFunction(pf_bdf, f"{bridge}/{pf_bdf}", *pf_ids, pf_ids[0], 0, pf_driver)
    host.functions.append(pf)
    for index in range(count):
        bdf = _bdf(unit, index + 1)
        pf.virtfns.append(bdf)
        host.functions.append(
            PciFunction(bdf, f"{bridge}/{bdf}", *vf_ids, pf_ids[0], 0, vf_driver, pf_bdf, version, rules)
        )
    return count


def fleet(devices: int) -> HostData:
    """One host with about *devices* placements of the sample drivers."""
    host = Host(f"bench-{devices}", "6.8.0-45-generic")
    made = unit = 0
    while made < devices:
        kind = PATTERN[unit % len(PATTERN)]
        if kind == "mlx5":
            stream = "1.1" if unit % 4 else "1.0"
            version = mlx5_version(stream, (8, 16, 32)[unit % 3], f"28.{39 + unit % 40}.1002", features=stream != "1.0")
            made += _vfs(
                host,
                unit,
                (0x15B3, 0x101D),
                (0x15B3, 0x101E),
                "mlx5_core",
                "mlx5_vfio_pci",
                8,
                version,
                mlx5_rules(features=stream != "1.0"),
            )
        elif kind == "qat":
            services = "{asym,sym}" if unit % 2 else "{dc}"
            made += _vfs(
                host,
                unit,
                (0x8086, 0x4940),
                (0x8086, 0x4941),
                "4xxx",
                "qat_vfio_pci",
                4,
                qat_version("1.1", services),
                qat_rules(),
            )
        elif kind == "hisi":
            made += _vfs(
                host,
                unit,
                (0x19E5, 0xA255),
                (0x19E5, 0xA256),
                "hisi_sec2",
                "hisi_acc_vfio_pci",
                4,
                hisi_version("1.1"),
                hisi_rules(),
            )
        elif kind == "gvt":
            bdf = _bdf(unit)
            gpu = PciFunction(bdf, f"devices/pci{bdf[:4]}:{bdf[5:7]}/{bdf}", 0x8086, 0x591D, 0x8086, 0x2212, "i915")
            interface = 3 if unit % 3 else 2
            rules = gvt_rules(interface)
            types = [
                MdevType(f"i915-GVTg_V5_{n}", f"GVTg_V5_{n}", "", "vfio-pci", n - 1, gvt_version(n, interface), rules)
                for n in (1, 2, 4, 8)
            ]
            parent = MdevParent(bdf, gpu.devpath, types)
            host.functions.append(gpu)
            host.parents.append(parent)
            for index, (n, aggregate) in enumerate(((4, 2), (8, 1), (8, 2), (8, 4))):
                host.mdevs.append(
                    Mdev(
                        _uuid(unit * 16 + index),
                        parent,
                        f"i915-GVTg_V5_{n}",
                        gvt_version(n, interface, aggregate),
                        rules,
                    )
                )
            made += 8
        elif kind == "nvidia":
            bdf = _bdf(unit)
            gpu = PciFunction(bdf, f"devices/pci{bdf[:4]}:{bdf[5:7]}/{bdf}", 0x10DE, 0x1EB8, 0x10DE, 0x12A2, "nvidia")
            manager = "17.0" if unit % 2 else "16.2"
            base = 230 if manager == "17.0" else 222
            types = [
                MdevType(
                    f"nvidia-{base + i}",
                    f"GRID T4-{p}",
                    "",
                    "vfio-pci",
                    1,
                    nvidia_version(p, manager, f"nvidia-{base + i}"),
                    nvidia_rules(p),
                )
                for i, p in enumerate(("2Q", "4Q", "8Q"))
            ]
            parent = MdevParent(bdf, gpu.devpath, types)
            host.functions.append(gpu)
            host.parents.append(parent)
            for index in range(4):
                host.mdevs.append(
                    Mdev(
                        _uuid(unit * 16 + index),
                        parent,
                        f"nvidia-{base}",
                        nvidia_version("2Q", manager, f"nvidia-{base}"),
                        nvidia_rules("2Q"),
                    )
                )
            made += 7
        else:
            name = f"mtty{unit}"
            types = [
                MdevType(
                    f"mtty-{p}",
                    ("Single port serial", "Dual port serial")[p - 1],
                    "",
                    "vfio-pci",
                    4,
                    mtty_version(p, "1.1"),
                    mtty_rules("1.1"),
                )
                for p in (1, 2)
            ]
            parent = MdevParent(name, f"devices/virtual/mtty/{name}", types)
            host.parents.append(parent)
            for index in range(2):
                host.mdevs.append(
                    Mdev(_uuid(unit * 16 + index), parent, "mtty-2", mtty_version(2, "1.1"), mtty_rules("1.1"))
                )
            made += 4
        unit += 1
    return to_host_data(host)


def main(sizes: list[int]) -> None:
    results = []
    for size in sizes:
        text = dumps(fleet(size))
        devices = len(loads(text).placements)
        times = []
        for _ in range(3):
            # From the capture file's text to the report: loading the capture is part of the suite's work.
            started = time.perf_counter()
            report = run([loads(text)])
            times.append(time.perf_counter() - started)
        best = min(times)
        results.append((devices, best))
        matrix = report.matrix
        print(
            f"{devices:>6} devices ({len(text) / 1e6:.1f} MB capture): {best:8.3f} s wall, capture text to report"
            f" (best of 3; first run {times[0]:.3f} s),"
            f" {best / devices * 1e6:7.1f} us/device;"
            f" {len(report.failures)} failures; matrix {len(matrix.classes)} classes, {matrix.evaluated_pairs}"
            f" pairs evaluated (naive: {len(matrix.classes) ** 2})"
        )
    if len(results) > 1:
        (small, t_small), (large, t_large) = results[0], results[-1]
        size_ratio = large / small
        print(
            f"growth {small} -> {large} devices (x{size_ratio:.1f}): time x{t_large / t_small:.2f}"
            f" (linear: x{size_ratio:.1f}, quadratic: x{size_ratio**2:.0f})"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", metavar="SIZE", type=int, nargs="*", help="devices per capture (default 1000 10000)")
    main(parser.parse_args().sizes or [1000, 10000])
