"""The fleet index at scale: build time and memory, query latency, and the speed-up over a linear scan.

Run: ``python benchmarks/bench_fleet.py [--scale S] [--queries Q] [--scan-queries K] [--fleet NAME]``

Three generated fleets, each of 100,000 hosts at ``--scale 1`` (about a
million accept rules):

``realistic``
    Hosts of four kinds, as a cloud runs them: ConnectX VFs on
    ``mlx5_vfio_pci`` (40%, four VFs a host), GVT-g (25%, four mdev types and
    two vGPUs), NVIDIA vGPU (20%, three types and two vGPUs) and QAT VFs (15%,
    four VFs), each at one of a few driver versions; a newer driver accepts
    every older stream version (one rule each), and the rules read ``$`` the
    way drivers do (queues, features, share, type). A few dozen source classes.
``adversarial``
    ConnectX-like VFs whose rules read an opaque ``legacy`` token through
    ``$`` that differs on every device: one rule-set text, but as many
    meanings as devices (each VF accepts only its own legacy stream).
``adversarial-text``
    The same, with each device's token written into its rules: every rule-set
    text differs.

For each: the index's build time and memory (the process's peak resident set,
and its growth while the index is built), then ``Q`` queries for sources
drawn from the fleet's devices (so most hit a class seen before, as a
scheduler's do; in the adversarial fleets every query is a new class): the
median and 99th percentile latency of the index's grouped answer
(:meth:`~migcompat.fleet.index.FleetIndex.accepting_groups`) and of the flat
list of (provider, verdict) pairs (:meth:`~migcompat.fleet.index.FleetIndex.accepting`),
and of the first query of each class alone. The baseline is a linear scan,
``accepts()`` on every provider and ``check()`` on those that accept
(:func:`~migcompat.fleet.index.linear_scan`),
timed in the same run on ``K`` of the same queries; when the scan would take
too long it is timed on a sample of the providers and extrapolated to the
whole fleet (the script prints which). Every scanned answer is compared with
the index's. Targets: median query under 1 ms, at least 1000x the scan,
under 2 GiB.
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from migcompat.fleet.index import FleetIndex, linear_scan
from migcompat.fleet.inventory import Provider
from migcompat.model import CompatibleDevices, MigrationVersion
from migcompat.parse import parse_compatible, parse_version

HOSTS = 100_000


def _rss_mib() -> float:
    """The current resident set size, in MiB (Linux /proc; else the peak)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return _peak_mib()


def _peak_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


class _Models:
    """Parsed attributes by text: hosts that report the same string share one model, as a loader would."""

    def __init__(self) -> None:
        self.versions: dict[str, MigrationVersion] = {}
        self.rules: dict[str, CompatibleDevices] = {}

    def version(self, text: str) -> MigrationVersion:
        found = self.versions.get(text)
        if found is None:
            found = self.versions[text] = parse_version(text)
        return found

    def compatible(self, text: str) -> CompatibleDevices:
        found = self.rules.get(text)
        if found is None:
            found = self.rules[text] = parse_compatible(text)
        return found


# ---- the realistic fleet ----------------------------------------------------------------------------------

_FEATURES = ["{}", "{pre_copy}", "{chunk_mode,pre_copy}", "{chunk_mode,pre_copy}"]
_SHARES = {1: ["1/1"], 2: ["1/2", "1/1"], 4: ["1/4", "1/2", "3/4", "1/1"], 8: ["1/8", "1/4", "3/8", "1/2"]}
_GVT_TYPES = "i915-GVTg_V5_1|i915-GVTg_V5_2|i915-GVTg_V5_4|i915-GVTg_V5_8"
_NVIDIA = [("16.2", 16, 2), ("16.3", 16, 3), ("17.0", 17, 0), ("17.1", 17, 1)]


def _mlx5(models: _Models, host: str, rng: random.Random, out: list[Provider]) -> None:
    v = rng.choice([0, 1, 2, 3, 3, 2])
    queues = rng.choice([16, 32, 64])
    version = models.version(
        f"mc1 device_api=vfio-pci driver=mlx5_vfio_pci features={_FEATURES[v]} ~mlx5.fw_version=28.{39 + v}.1000"
        f" mlx5.max_queues={queues} pci_id=15b3:101e stream=mlx5-vf stream_version=1.{v}\n"
    )
    rules = models.compatible(
        "mc1\n"
        + "".join(
            f"accept device_api=vfio-pci driver=mlx5_vfio_pci features<=$ mlx5.max_queues=..$ pci_id=15b3:101e"
            f" stream=mlx5-vf stream_version=1.{u}\n"
            for u in range(v + 1)
        )
    )
    for vf in range(4):
        ident = f"0000:3b:00.{vf + 1}"
        out.append(Provider(host, ident, "device", f"bus/pci/devices/{ident}", version, rules, "mlx5_vfio_pci"))


def _gvt(models: _Models, host: str, rng: random.Random, out: list[Provider]) -> None:
    interface = rng.choice([1, 2, 3, 3])
    rules = models.compatible(
        "mc1\ndefault gvt.pv_mode={}\n"
        f"accept aggregate=1..8 device_api=vfio-pci driver=i915 gvt.interface_version=1..{interface}"
        f" gvt.pv_mode<={{context,ppgtt}} pci_id=8086:591d share=$ stream=gvt-gen9 type={_GVT_TYPES}\n"
        f"accept aggregate=1..8 device_api=vfio-pci driver=i915 gvt.interface_version=1"
        f" pci_id=8086:591d share=$ stream=gvt-gen9 type={_GVT_TYPES}\n"
    )
    mode = " gvt.pv_mode={context,ppgtt}" if interface > 1 else ""
    base = f"device_api=vfio-pci driver=i915 gvt.interface_version={interface}{mode} pci_id=8086:591d"
    for size in (1, 2, 4, 8):
        params = "".join(f"param aggregate={n} share={share}\n" for n, share in enumerate(_SHARES[size], start=1))
        template = models.version(f"mc1 {base} stream=gvt-gen9 type=i915-GVTg_V5_{size}\n{params}")
        path = f"class/mdev_bus/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_{size}"
        out.append(Provider(host, f"i915-GVTg_V5_{size}", "type", path, template, rules, "i915"))
    for slot in range(2):
        size = rng.choice([2, 4, 8])
        aggregate = rng.choice([1, 2])
        share = _SHARES[size][aggregate - 1]
        version = models.version(
            f"mc1 aggregate={aggregate} {base} share={share} stream=gvt-gen9 type=i915-GVTg_V5_{size}\n"
        )
        ident = f"4b20d080-1b54-4048-85b3-{slot:012d}"
        out.append(Provider(host, ident, "device", f"bus/mdev/devices/{ident}", version, rules, "i915"))


def _nvidia(models: _Models, host: str, rng: random.Random, out: list[Provider]) -> None:
    manager, major, minor = rng.choice(_NVIDIA)
    rules = models.compatible(
        "mc1\n"
        + "".join(
            f"accept device_api=vfio-pci driver=nvidia nvidia.vgpu_mgr={major}.{m} pci_id=10de:1eb8 share=$"
            f" stream=nvidia-vgpu type=$\n"
            for m in range(minor + 1)
        )
        + (
            "accept device_api=vfio-pci driver=nvidia nvidia.vgpu_mgr=16.0..16.9 pci_id=10de:1eb8 share=$"
            " stream=nvidia-vgpu type=$\n"
            if major == 17
            else ""
        )
    )
    shares = {"nvidia-222": "1/8", "nvidia-223": "1/4", "nvidia-224": "1/2"}
    for name, share in shares.items():
        version = models.version(
            f"mc1 device_api=vfio-pci driver=nvidia nvidia.vgpu_mgr={manager} pci_id=10de:1eb8 share={share}"
            f" stream=nvidia-vgpu type={name}\n"
        )
        path = f"class/mdev_bus/0000:3b:00.0/mdev_supported_types/{name}"
        out.append(Provider(host, name, "type", path, version, rules, "nvidia"))
    for slot in range(2):
        name = rng.choice(list(shares))
        version = models.version(
            f"mc1 device_api=vfio-pci driver=nvidia nvidia.vgpu_mgr={manager} pci_id=10de:1eb8 share={shares[name]}"
            f" stream=nvidia-vgpu type={name}\n"
        )
        ident = f"c2b5a1b0-7f3e-4d1a-9a51-{slot:012d}"
        out.append(Provider(host, ident, "device", f"bus/mdev/devices/{ident}", version, rules, "nvidia"))


def _qat(models: _Models, host: str, rng: random.Random, out: list[Provider]) -> None:
    v = rng.choice([0, 1])
    caps = "{asym,auth,cipher,sym}" if v == 0 else "{asym,auth,cipher,sm3,sm4,sym}"
    version = models.version(
        f"mc1 device_api=vfio-pci driver=qat_vfio_pci pci_id=8086:4941 qat.caps={caps} qat.services={{asym,sym}}"
        f" stream=qat-gen4 stream_version=1.{v}\n"
    )
    rules = models.compatible(
        "mc1\n"
        + "".join(
            f"accept device_api=vfio-pci driver=qat_vfio_pci pci_id=8086:4941 qat.caps<=$ qat.services=$"
            f" stream=qat-gen4 stream_version=1.{u}\n"
            for u in range(v + 1)
        )
    )
    for vf in range(4):
        ident = f"0000:6b:00.{vf + 1}"
        out.append(Provider(host, ident, "device", f"bus/pci/devices/{ident}", version, rules, "qat_vfio_pci"))


def realistic(hosts: int, rng: random.Random) -> list[Provider]:
    models = _Models()
    kinds: list[Callable[[_Models, str, random.Random, list[Provider]], None]] = [_mlx5, _gvt, _nvidia, _qat]
    weights = [40, 25, 20, 15]
    out: list[Provider] = []
    for number in range(hosts):
        rng.choices(kinds, weights)[0](models, f"node-{number:06d}", rng, out)
    return out


# ---- the adversarial fleets -----------------------------------------------------------------------------


def adversarial(hosts: int, rng: random.Random, *, in_text: bool) -> list[Provider]:
    """ConnectX-like VFs, each accepting only its own opaque legacy stream (via ``$``, or written in its rules)."""
    models = _Models()
    out: list[Provider] = []
    for number in range(hosts):
        host = f"node-{number:06d}"
        v = rng.choice([1, 2])
        for vf in range(4):
            token = f"fw{number:06d}x{vf}"
            version = parse_version(  # every device's description differs: parsed each, as a loader would
                f"mc1 device_api=vfio-pci driver=mlx5_vfio_pci legacy={token} mlx5.max_queues=32"
                f" pci_id=15b3:101e stream=mlx5-vf stream_version=1.{v}\n"
            )
            own = token if in_text else "$"
            text = "mc1\n" + "".join(
                f"accept device_api=vfio-pci driver=mlx5_vfio_pci legacy={own} mlx5.max_queues=..$"
                f" pci_id=15b3:101e stream=mlx5-vf stream_version=1.{u}\n"
                for u in range(v + 1)
            )
            rules = parse_compatible(text) if in_text else models.compatible(text)
            ident = f"0000:3b:00.{vf + 1}"
            out.append(Provider(host, ident, "device", f"bus/pci/devices/{ident}", version, rules, "mlx5_vfio_pci"))
    return out


# ---- measuring ----------------------------------------------------------------------------------------------


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.3f} ms"


def bench(name: str, make: Callable[[], list[Provider]], queries: int, scan_queries: int, scan_limit: int) -> None:
    gc.collect()
    before = _rss_mib()
    started = time.perf_counter()
    providers = make()
    generated = time.perf_counter() - started
    rules = sum(len(p.rules.rules) for p in providers)
    hosts = len({p.host for p in providers})
    print(
        f"== {name}: {len(providers):,} providers ({sum(p.kind == 'device' for p in providers):,} devices),"
        f" {rules:,} rules, {hosts:,} hosts; generated in {generated:.1f} s, RSS +{_rss_mib() - before:.0f} MiB"
    )

    gc.collect()
    rss = _rss_mib()
    gc.disable()
    started = time.perf_counter()
    index = FleetIndex.build(providers)
    built = time.perf_counter() - started
    gc.enable()
    gc.freeze()  # the fleet and the index live as long as the process: keep them out of the collector's scans
    stats = index.stats()
    print(
        f"   index build: {built:.2f} s; {stats.rule_sets:,} distinct rule sets, {stats.units:,} units,"
        f" {stats.buckets:,} buckets, {stats.unfiled_rules:,} rules filed nowhere"
    )
    print(
        f"   memory: RSS {rss:.0f} MiB before the build, {_rss_mib():.0f} MiB after (+{_rss_mib() - rss:.0f} MiB);"
        f" process peak {_peak_mib():.0f} MiB"
    )

    rng = random.Random(7)
    devices = [p.version for p in providers if p.kind == "device"]
    sample = [rng.choice(devices) for _ in range(queries)]
    grouped: list[float] = []
    flat: list[float] = []
    cold: list[float] = []
    seen: set[MigrationVersion] = set()
    sizes: list[int] = []
    for source in sample:
        first = source not in seen
        seen.add(source)
        started = time.perf_counter()
        groups = index.accepting_groups(source)
        elapsed = time.perf_counter() - started
        grouped.append(elapsed)
        if first:
            cold.append(elapsed)
        started = time.perf_counter()
        answer = index.accepting(source)
        flat.append(time.perf_counter() - started)
        sizes.append(len(answer))
        del groups, answer
    print(
        f"   {queries:,} queries ({len(seen):,} distinct classes); answers of {min(sizes):,} to {max(sizes):,}"
        f" providers (median {int(statistics.median(sizes)):,})"
    )
    print(f"   grouped answer:  median {_ms(statistics.median(grouped))}, p99 {_ms(_percentile(grouped, 0.99))}")
    print(f"   flat list:       median {_ms(statistics.median(flat))}, p99 {_ms(_percentile(flat, 0.99))}")
    print(
        f"   first query of a class: median {_ms(statistics.median(cold))}, p99 {_ms(_percentile(cold, 0.99))}"
        f" ({len(cold):,} of them)"
    )

    scanned = providers if len(providers) <= scan_limit else rng.sample(providers, scan_limit)
    factor = len(providers) / len(scanned)
    times = []
    for source in sample[:scan_queries]:
        started = time.perf_counter()
        found = linear_scan(scanned, source)
        times.append((time.perf_counter() - started) * factor)
        expected = {id(p): v for p, v in found}
        if scanned is providers:
            got = {id(p): v for p, v in index.accepting(source)}
        else:
            members = {id(p) for p in scanned}
            got = {id(p): v for p, v in index.accepting(source) if id(p) in members}
        assert got == expected, f"{name}: the index and the scan disagree"
    how = (
        "the whole fleet"
        if scanned is providers
        else f"a random {len(scanned):,} of the {len(providers):,} providers, times {factor:.1f}"
    )
    scan = statistics.median(times)
    print(
        f"   linear scan (accepts() on every provider, {len(times)} queries on {how}): median {scan:.2f} s per query;"
        " its answers equal the index's"
    )
    print(
        f"   speed-up: {scan / statistics.median(grouped):,.0f}x (grouped), {scan / statistics.median(flat):,.0f}x"
        " (flat list), median over the same workload"
    )
    del index, providers
    gc.unfreeze()
    gc.collect()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 100,000 hosts (default 1)")
    parser.add_argument("--queries", type=int, default=2000, help="queries per fleet (default 2000)")
    parser.add_argument("--scan-queries", type=int, default=3, help="queries the linear scan answers (default 3)")
    parser.add_argument(
        "--scan-limit", type=int, default=60_000, help="scan at most this many providers, extrapolate (default 60000)"
    )
    parser.add_argument("--fleet", choices=["realistic", "adversarial", "adversarial-text", "all"], default="all")
    options = parser.parse_args()
    hosts = max(1, int(HOSTS * options.scale))
    fleets: dict[str, Callable[[], list[Provider]]] = {
        "realistic": lambda: realistic(hosts, random.Random(1)),
        "adversarial": lambda: adversarial(hosts, random.Random(2), in_text=False),
        "adversarial-text": lambda: adversarial(hosts, random.Random(3), in_text=True),
    }
    for name, make in fleets.items():
        if options.fleet in (name, "all"):
            bench(name, make, options.queries, options.scan_queries, options.scan_limit)


if __name__ == "__main__":
    main()
