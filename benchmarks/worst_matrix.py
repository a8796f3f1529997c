"""Benchmark: the conformance suite on the slowest captures we can construct.

Run: ``python benchmarks/bench_worst.py`` (all worst cases) or ``python benchmarks/worst_matrix.py`` (add
``--quick`` to skip the 100,000-device capture).

Each capture is built outside the timing, written as capture JSON, and timed
from its text to the report (``capture.loads`` then
``migcompat.conformance.run``; best of 3, once for the largest). The
baseline, in the same run, is ``capture.loads`` of the same text alone: the
ratio says how many times the cost of merely reading the capture the whole
suite takes. The captures:

* **type at the limit**: one mdev type whose template fills the 4095-byte
  attribute limit with binary parameters (2^n choices), each read through
  ``..$`` by its rules, and one device of it;
* **type, two rules**: the same with two rules that split the first
  parameter's values between them, so that E6 must search;
* **type, one wide parameter**: one parameter with as many values as fit;
* **own ..$ value**: PFs each with its own ``mlx5.max_queues``, read through
  ``mlx5.max_queues=..$`` (a device accepts every device with no more
  queues: the compatible pairs are quadratic in number);
* **distinct rule sets (by type)**: NVIDIA-style types, each with its own
  rules accepting only itself, and one vGPU each;
* **distinct rule sets (passing)**: QAT-style VFs, each with its own rule set
  (a rate limit written as a constant), all of which pass every other
  constraint: the work is distinct rule sets x passing sources by nature;
* **distinct rule sets (own serial)**: QAT-style VFs alike on every identity
  key, each with its own rule set accepting only itself through a vendor
  constant (``qat.serial=<i>``, review r11 #1): the index narrows on that
  key, so the verdicts (and the time) grow with the devices, not the pairs.

Each line gives the best wall time and the CPU time of that run (the
machine may be shared: CPU is the figure to compare). The captures of one or
two devices at the attribute limit, and the fleets of up to 2,000 devices,
must take under a second of CPU. The fleet pairs of 10,000 and 100,000
devices ("own ..$ value") and of 1,000 and 10,000 ("own serial") are judged
by their growth instead, which must stay near-linear: at most twice the
device factor (x10 devices, at most x20 CPU time; quadratic would be x100).
The exit status is 1 when a line breaks its rule.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final

sys.path.insert(0, str(Path(__file__).parent.parent / "conformance" / "tools"))

from sample_fleet import Host, Mdev, MdevParent, MdevType, PciFunction, to_host_data

from migcompat.capture import dumps, loads
from migcompat.conformance import Report, run
from migcompat.emit import emit
from migcompat.limits import MAX_ATTRIBUTE_BYTES
from migcompat.parse import parse_compatible, parse_version
from migcompat.sysfs.model import HostData

_FLEET_LINES: Final = (("own ..$ value", ("10000", "100000")), ("distinct rule sets, own serial", ("1000", "10000")))
"""The fleet pairs judged by growth: (label prefix, (smaller, larger) device counts)."""
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _name(index: int) -> str:
    """A short vendor key: w.aa, w.ab, ... (a key's parts start with a letter)."""
    return "w." + _LETTERS[index // 26] + _LETTERS[index % 26]


def _canonical_version(text: str) -> str:
    found = emit(parse_version(text.encode()))
    assert found == text, (found, text)
    return text


def _canonical_rules(text: str) -> str:
    found = emit(parse_compatible(text.encode()))
    assert found == text, (found, text)
    return text


_HEAD = "mc1 device_api=vfio-pci driver=mtty stream=wide type=wide-1"
_COMMON = "device_api=vfio-pci driver=mtty stream=wide type=$"


def _type_host(version: str, rules: str, instance: str) -> HostData:
    entry = MdevType("wide-1", "Wide", "", "vfio-pci", 1, version, rules)
    parent = MdevParent("wide", "devices/virtual/wide/wide", [entry])
    mdev = Mdev("83b8f4f2-509f-382f-3c1e-e6bfe0fa1001", parent, "wide-1", instance, rules)
    return to_host_data(Host("wide", "6.8.0-45-generic", [parent], [mdev]))


def type_at_the_limit(split: bool = False) -> tuple[HostData, str]:
    """A type with as many binary parameters as fit in 4095 bytes, each read through ``..$``."""
    params = 0
    while True:
        lines = [_HEAD] + [f"param {_name(i)}={v}" for i in range(params + 1) for v in range(2)]
        if len("\n".join(lines)) + 1 > MAX_ATTRIBUTE_BYTES:
            break
        params += 1
    lines = [_HEAD] + [f"param {_name(i)}={v}" for i in range(params) for v in range(2)]
    version = _canonical_version("\n".join(lines) + "\n")
    reads = "".join(f" {_name(i)}=..$" for i in range(1, params))
    if split:
        rules = f"mc1\naccept {_COMMON} {_name(0)}=0{reads}\naccept {_COMMON} {_name(0)}=1{reads}\n"
    else:
        rules = f"mc1\naccept {_COMMON} {_name(0)}=..${reads}\n"
    assert len(rules) <= MAX_ATTRIBUTE_BYTES
    instance = _canonical_version(_HEAD + "".join(f" {_name(i)}=0" for i in range(params)) + "\n")
    label = f"type at the limit, 2^{params} choices" + (", two rules" if split else "")
    return _type_host(version, _canonical_rules(rules), instance), label


def type_with_one_wide_parameter() -> tuple[HostData, str]:
    """One parameter with as many integer values as fit, read through ``$``."""
    values = 0
    while len("\n".join([_HEAD] + [f"param w.q={v}" for v in range(values + 1)])) + 1 <= MAX_ATTRIBUTE_BYTES:
        values += 1
    version = _canonical_version("\n".join([_HEAD] + [f"param w.q={v}" for v in range(values)]) + "\n")
    rules = _canonical_rules(f"mc1\naccept {_COMMON} w.q=$\n")
    return _type_host(version, rules, _canonical_version(f"{_HEAD} w.q=0\n")), f"type, one parameter of {values} values"


def _bdf(index: int) -> str:
    domain, rest = divmod(index, 256 * 32)
    bus, slot = divmod(rest, 32)
    return f"{domain:04x}:{bus:02x}:{slot:02x}.0"


def own_queue_values(devices: int) -> tuple[HostData, str]:
    """PFs each with its own ``mlx5.max_queues``, accepting the devices with no more queues."""
    rules = _canonical_rules(
        "mc1\naccept device_api=vfio-pci driver=mlx5_vfio_pci mlx5.max_queues=..$ pci_id=15b3:101d"
        " stream=mlx5-vf stream_version=1.0..$\n"
    )
    functions = []
    for index in range(devices):
        bdf = _bdf(index)
        version = (
            f"mc1 device_api=vfio-pci driver=mlx5_vfio_pci mlx5.max_queues={index + 1} pci_id=15b3:101d"
            " stream=mlx5-vf stream_version=1.1\n"
        )
        functions.append(
            PciFunction(
                bdf,
                f"devices/pci{bdf[:7]}/{bdf}",
                0x15B3,
                0x101D,
                0x15B3,
                0x0016,
                "mlx5_vfio_pci",
                None,
                version,
                rules,
            )
        )
    return to_host_data(Host("queues", "6.8.0-45-generic", functions=functions)), f"own ..$ value, {devices} PFs"


def distinct_rule_sets_by_type(types: int) -> tuple[HostData, str]:
    """NVIDIA-style types, each with its own rules (accepting only itself) and one vGPU."""
    entries = []
    mdevs = []
    parent = MdevParent("0000:3b:00.0", "devices/pci0000:3a/0000:3b:00.0", entries)
    for index in range(types):
        ident = f"nvidia-{index + 100}"
        version = _canonical_version(
            f"mc1 device_api=vfio-pci driver=nvidia nvidia.vgpu_mgr=17.0 stream=nvidia-vgpu type={ident}\n"
        )
        rules = _canonical_rules(
            f"mc1\naccept device_api=vfio-pci driver=nvidia nvidia.vgpu_mgr=16.0..$ stream=nvidia-vgpu type={ident}\n"
        )
        entries.append(MdevType(ident, f"GRID {index}", "", "vfio-pci", 1, version, rules))
        mdevs.append(Mdev(f"00000000-0000-4000-8000-{index:012x}", parent, ident, version, rules))
    host = to_host_data(Host("types", "5.15.0-119-generic", [parent], mdevs))
    return host, f"distinct rule sets by type, {types} types"


def distinct_rule_sets_passing(devices: int) -> tuple[HostData, str]:
    """QAT-style VFs, each with its own rule set (a rate limit as a constant); all pass every other constraint."""
    functions = []
    for index in range(devices):
        bdf = _bdf(index)
        rate = index + 1
        version = _canonical_version(
            f"mc1 device_api=vfio-pci driver=qat_vfio_pci pci_id=8086:4941 qat.rate={rate} qat.services={{asym,sym}}"
            " stream=qat-gen4 stream_version=1.1\n"
        )
        rules = _canonical_rules(
            f"mc1\naccept device_api=vfio-pci driver=qat_vfio_pci pci_id=8086:4941 qat.rate=..{rate}"
            " qat.services=$ stream=qat-gen4 stream_version=1.0..$\n"
        )
        functions.append(
            PciFunction(
                bdf, f"devices/pci{bdf[:7]}/{bdf}", 0x8086, 0x4941, 0x8086, 0x0000, "qat_vfio_pci", None, version, rules
            )
        )
    return to_host_data(Host("qat", "6.8.0-45-generic", functions=functions)), f"distinct rule sets, {devices} passing"


def distinct_rule_sets_own_serial(devices: int) -> tuple[HostData, str]:
    """QAT-style VFs alike on the identity keys, each accepting only itself through ``qat.serial=<i>``."""
    functions = []
    for index in range(devices):
        bdf = _bdf(index)
        version = _canonical_version(
            f"mc1 device_api=vfio-pci driver=qat_vfio_pci pci_id=8086:4941 qat.serial={index} stream=qat-gen4"
            " stream_version=1.1\n"
        )
        rules = _canonical_rules(
            f"mc1\naccept device_api=vfio-pci driver=qat_vfio_pci pci_id=8086:4941 qat.serial={index}"
            " stream=qat-gen4 stream_version=1.0..$\n"
        )
        functions.append(
            PciFunction(
                bdf, f"devices/pci{bdf[:7]}/{bdf}", 0x8086, 0x4941, 0x8086, 0x0000, "qat_vfio_pci", None, version, rules
            )
        )
    host = to_host_data(Host("qat", "6.8.0-45-generic", functions=functions))
    return host, f"distinct rule sets, own serial, {devices} VFs"


def _best(function: Callable[[], object], repeat: int) -> tuple[float, float]:
    """The best wall time of *repeat* runs of *function*, and the CPU time of that run."""
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        function()
        best = min(best, (time.perf_counter() - started, time.process_time() - cpu))
    return best


def measure(text: str, repeat: int) -> tuple[float, float, float, Report]:
    """The best time from *text* to the report, its CPU time, the best time of ``loads(text)`` alone, the report."""
    reports: list[Report] = []
    baseline, _ = _best(lambda: loads(text), repeat)
    seconds, cpu = _best(lambda: reports.append(run([loads(text)])), repeat)
    return seconds, cpu, baseline, reports[-1]


def main(quick: bool = False) -> int:
    """Print the table; 1 if a line run more than once took a second or more of CPU."""
    captures: list[tuple[Callable[[], tuple[HostData, str]], int]] = [
        (type_at_the_limit, 3),
        (lambda: type_at_the_limit(split=True), 3),
        (type_with_one_wide_parameter, 3),
        (lambda: own_queue_values(10_000), 3),
        (lambda: distinct_rule_sets_by_type(1_000), 3),
        (lambda: distinct_rule_sets_passing(300), 3),
        (lambda: distinct_rule_sets_own_serial(1_000), 3),
        (lambda: distinct_rule_sets_own_serial(10_000), 1),
    ]
    if not quick:
        captures.append((lambda: own_queue_values(100_000), 1))
    header = (
        f"{'capture':<44} {'devices':>8} {'bytes':>11} {'seconds':>8} {'cpu s':>7} {'loads ms':>9} {'ratio':>7}  matrix"
    )
    print(header)
    print("-" * len(header))
    timings: dict[str, tuple[int, float]] = {}
    status = 0
    for make, repeat in captures:
        host, label = make()
        text = dumps(host)
        devices = len(host.placements)
        seconds, cpu, baseline, report = measure(text, repeat)
        matrix = report.matrix
        failed = ",".join(report.failed_checks()) or "no failures"
        print(
            f"{label:<44} {devices:>8} {len(text):>11} {seconds:>8.3f} {cpu:>7.3f} {baseline * 1000:>9.2f}"
            f" {seconds / baseline:>7.1f}"
            f"  {len(matrix.classes)} classes, {matrix.accepted_pairs} pairs, {matrix.evaluated_pairs} verdicts;"
            f" {failed}" + ("" if repeat > 1 else " (one run)")
        )
        timings[label] = (devices, cpu)
        fleet = any(label.startswith(f"{prefix}, ") for prefix, _ in _FLEET_LINES)
        if not fleet and cpu >= 1.0:
            status = 1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process (building the captures included): {peak:.0f} MB")
    for prefix, sizes in _FLEET_LINES:
        small, large = (
            next((value for label, value in timings.items() if label.startswith(f"{prefix}, {size} ")), None)
            for size in sizes
        )
        if small and large:
            factor, growth = large[0] / small[0], large[1] / small[1]
            print(
                f"growth of {prefix!r} {sizes[0]} -> {sizes[1]} devices (x{factor:.0f}): CPU time"
                f" x{growth:.1f} (linear: x{factor:.0f}, quadratic: x{factor**2:.0f})"
            )
            if growth > 2 * factor:
                status = 1
    return status


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="leave out the 100,000-device capture")
    sys.exit(main(parser.parse_args().quick))
