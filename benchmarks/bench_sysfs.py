"""Benchmark: the sysfs reader on a generated mirrored tree, and on review r13 #6's crafted tree of chained links.

Run: ``python benchmarks/bench_sysfs.py [DEVICES]`` (default 1000).

The ordinary tree is :func:`bench_conformance.fleet`'s host of about DEVICES
placements, written as a sysfs tree by the sample fleet's ``write_tree``
(outside the timing). The crafted tree has DEVICES/2.5 device links, each to
the head of a chain of 39 links whose targets are padded with 800 ``d/..``
pairs (192 KiB for 400 links): before each link was resolved once per walk and
link targets were bounded across a path, it took about 0.26 s per device link;
it must now take about as long per entry as the ordinary tree, or less.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "conformance" / "tools"))

import sample_fleet

import bench_conformance
from migcompat.sysfs import read_tree
from migcompat.sysfs.model import HostData


def _ordinary(root: str, devices: int) -> None:
    """Write the benchmark fleet's host of about *devices* placements as a sysfs tree under *root*."""
    hosts: list[sample_fleet.Host] = []
    make = bench_conformance.to_host_data

    def keep(host: sample_fleet.Host) -> HostData:
        hosts.append(host)
        return make(host)

    bench_conformance.to_host_data = keep
    try:
        bench_conformance.fleet(devices)
    finally:
        bench_conformance.to_host_data = make
    sample_fleet.write_tree(hosts[0], root)


def _crafted(root: str, links: int) -> None:
    """Write review r13 #6's tree: *links* device links to a chain of 39 padded links."""
    os.makedirs(os.path.join(root, "bus", "pci", "devices"))
    os.makedirs(os.path.join(root, "d"))
    for index in range(39):
        os.symlink("d/../" * 800 + (f"c{index + 1}" if index < 38 else "d"), os.path.join(root, f"c{index}"))
    for index in range(links):
        name = f"0000:00:{index % 32:02x}.{index % 8}x{index}"
        os.symlink("../../../c0", os.path.join(root, "bus", "pci", "devices", name))


def main(devices: int = 1000) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        ordinary, crafted = os.path.join(scratch, "ordinary"), os.path.join(scratch, "crafted")
        _ordinary(ordinary, devices)
        links = max(1, devices * 2 // 5)
        _crafted(crafted, links)
        for name, root, entries in (("ordinary", ordinary, devices), ("crafted", crafted, links)):
            start = time.perf_counter()
            placements, findings = read_tree(root)
            elapsed = time.perf_counter() - start
            print(
                f"{name:9} {entries:6} entries: {elapsed:7.3f} s ({elapsed / entries * 1e3:.3f} ms each),"
                f" {len(placements)} placements, {len(findings)} findings"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "devices", metavar="DEVICES", type=int, nargs="?", default=1000, help="about how many placements (default 1000)"
    )
    main(parser.parse_args().devices)
