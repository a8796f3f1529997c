"""The scheduler exports' table at scale: every provider against every class of the fleet.

Run: ``python benchmarks/bench_export.py [--hosts H] [--vfs V] [--classes C]``

The fleet is the one an outside review exported: ``H`` hosts of ``V``
ConnectX VFs each (``mlx5_vfio_pci``), whose ``migration_version`` differ in
``mlx5.max_queues`` (``C`` distinct values, so ``C`` source classes) and
whose rules accept ``mlx5.max_queues=..$``: each VF accepts every class with
as many queues as it has or fewer, so the answer itself holds about
``H * V * C / 2`` (provider, class) pairs.

Figures: the time of :func:`~migcompat.exports.table.build_table` (every
provider against every class, which the index decides unit by unit:
:meth:`~migcompat.fleet.index.FleetIndex.accepted_sources`), of the label
build of ``export kubernetes`` (:func:`~migcompat.exports.kubernetes.build_export`)
and of the Placement export with its mapping document; beside them, in the same run, the
baseline: the same table asked class by class
(:meth:`~migcompat.fleet.index.FleetIndex.accepting` for each class, how the
table was built before), whose answer must be the same.
"""

from __future__ import annotations

import argparse
import time

from migcompat.exports import kubernetes, placement
from migcompat.exports.table import build_table
from migcompat.fleet.index import FleetIndex
from migcompat.fleet.inventory import Provider
from migcompat.parse import parse_compatible, parse_version
from migcompat.verdict import Answer

VERSION = (
    "mc1 device_api=vfio-pci driver=mlx5_vfio_pci features={{chunk_mode,pre_copy}} mlx5.fw_version=28.39.1002"
    " mlx5.max_macs=4 mlx5.max_queues={queues} pci_id=15b3:101e stream=mlx5-vf stream_version=1.1\n"
)
RULES = (
    "mc1\naccept device_api=vfio-pci driver=mlx5_vfio_pci features<=$ mlx5.fw_version=28.39.1002..$"
    " mlx5.max_macs=..$ mlx5.max_queues=..$ pci_id=15b3:101e stream=mlx5-vf stream_version=1.0..$\n"
)


def fleet(hosts: int, vfs: int, classes: int) -> list[Provider]:
    rules = parse_compatible(RULES)
    versions = [parse_version(VERSION.format(queues=queues)) for queues in range(1, classes + 1)]
    out = []
    for host in range(hosts):
        for vf in range(vfs):
            ident = f"0000:3b:{vf // 8:02x}.{vf % 8}"
            version = versions[(host * vfs + vf) % classes]
            out.append(
                Provider(f"node-{host:05d}", ident, "device", f"bus/pci/devices/{ident}", version, rules, "mlx5")
            )
    return out


def costly(shape: str, devices: int) -> list[Provider]:
    """*devices* devices of one 4 KB rule set of *shape*, each accepting the smaller k and so its own unit."""
    if shape == "subsets":
        rules = "".join(f"accept k=..$ f<={{m{j},z}}\n" for j in range(160))
        version = "mc1 k={i} f={{m{m},z}}\n"
    elif shape == "supersets":
        rules = "".join(f"accept k=..$ f>={{m{j},z}}\n" for j in range(160))
        version = "mc1 k={i} f={{m{m},z}}\n"
    else:
        rules = "accept k=..$ " + " ".join(f"a{j}=1" for j in range(400)) + "\n"
        version = "mc1 k={i} " + " ".join(f"a{j}=1" for j in range(400)) + "\n"
    parsed = parse_compatible("mc1\n" + rules)
    return [
        Provider(
            f"node-{i:05d}",
            "0000:3b:00.1",
            "device",
            "bus/pci/devices/0000:3b:00.1",
            parse_version(version.format(i=i, m=i % 160)),
            parsed,
            "x",
        )
        for i in range(devices)
    ]


def per_unit(providers: list[Provider]) -> tuple[int, float]:
    """The work units ``build_table`` counts for *providers*, and the microseconds it takes per unit."""
    index = FleetIndex.build(providers)
    units = sum(index.candidate_cost(version) for version in {p.version for p in providers})
    start = time.perf_counter()
    build_table(providers)
    return units, (time.perf_counter() - start) * 1e6 / units


def class_by_class(providers: list[Provider], table_classes: list) -> list[frozenset[str]]:  # type: ignore[type-arg]
    """The baseline: each class asked of the index on its own (the table's accepts, by provider)."""
    position = {id(p): i for i, p in enumerate(providers)}
    accepts: list[set[str]] = [set() for _ in providers]
    index = FleetIndex.build(providers)
    for known in table_classes:
        for provider, verdict in index.accepting(known.version):
            if verdict.answer is Answer.COMPATIBLE:
                accepts[position[id(provider)]].add(known.id)
    return [frozenset(found) for found in accepts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=800, help="hosts (default 800)")
    parser.add_argument("--vfs", type=int, default=8, help="VFs a host (default 8)")
    parser.add_argument("--classes", type=int, default=600, help="distinct max_queues values (default 600)")
    args = parser.parse_args()
    providers = fleet(args.hosts, args.vfs, args.classes)
    start = time.perf_counter()
    table = build_table(providers)
    table_seconds = time.perf_counter() - start
    pairs = sum(len(accepted) for accepted in table.accepts)
    start = time.perf_counter()
    labels = kubernetes.build_export(table)
    label_seconds = time.perf_counter() - start
    start = time.perf_counter()
    placement.build_export(table).to_json()
    mapping_seconds = time.perf_counter() - start
    start = time.perf_counter()
    baseline = class_by_class(providers, list(table.classes))
    baseline_seconds = time.perf_counter() - start
    if baseline != list(table.accepts):
        raise SystemExit("the class-by-class baseline disagrees with the table")
    print(
        f"{len(providers):,} providers on {args.hosts:,} hosts, {len(table.classes):,} classes,"
        f" {pairs:,} (provider, class) pairs accepted"
    )
    print(f"  build_table (unit by unit):     {table_seconds:8.2f} s")
    print(f"  baseline (class by class):      {baseline_seconds:8.2f} s   ({baseline_seconds / table_seconds:.1f}x)")
    print(f"  kubernetes labels, {len(labels.nodes):,} nodes:  {label_seconds:8.2f} s")
    print(f"  placement export and mapping:   {mapping_seconds:8.2f} s")
    print("microseconds of build_table per work unit counted (the bound's currency):")
    units, base = per_unit(fleet(100, 8, 100))
    print(f"  {'ConnectX fleet (baseline)':<28} {units:>10,} units {base:6.2f} us")
    for shape, devices in (("subsets", 200), ("supersets", 200), ("keys", 100)):
        units, cost = per_unit(costly(shape, devices))
        print(f"  {shape + ', each its own unit':<28} {units:>10,} units {cost:6.2f} us   ({cost / base:.1f}x)")


if __name__ == "__main__":
    main()
