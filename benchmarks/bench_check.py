"""Verdict throughput: plain answers and explained verdicts, for targets with 1 and with 200 rules.

Run: ``python benchmarks/bench_check.py [--sources N] [--repeat R]``

Sources are drawn from the realistic corpus (``corpus.py``); the targets are
GVT-g acceptance rules: one rule, and 200 rules (one per combination of type,
share, interface version and a vendor extension value, as a large fleet policy
would enumerate them). The explanation path's cost is reported as a ratio to
the plain path in the same run.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import migcompat
from corpus import corpus
from migcompat.compare import accepts, check
from migcompat.model import CompatibleDevices, MigrationVersion

TYPES = "i915-GVTg_V5_1|i915-GVTg_V5_2|i915-GVTg_V5_4|i915-GVTg_V5_8"


def one_rule() -> CompatibleDevices:
    return migcompat.parse_compatible(
        "mc1\ndefault gvt.pv_mode={}\n"
        "accept aggregate=1..8 device_api=vfio-pci driver=i915 gvt.interface_version=2..3"
        f" gvt.pv_mode<={{context,ppgtt}} pci_id=8086:591d share=1/2 stream=gvt-gen9 type={TYPES}\n"
    )


def many_rules(count: int = 200) -> CompatibleDevices:
    lines = ["mc1", "default gvt.pv_mode={}"]
    shares = ["1/8", "1/4", "3/8", "1/2", "5/8", "3/4", "7/8", "1/1"]
    index = 0
    while len(lines) - 2 < count:
        share = shares[index % len(shares)]
        interface = 1 + (index // len(shares)) % 3
        slot = index // (len(shares) * 3)
        lines.append(
            f"accept aggregate=1..8 device_api=vfio-pci driver=i915 gvt.interface_version={interface}"
            f" gvt.pv_mode<={{context,ppgtt}} gvt.slot={slot} pci_id=8086:591d share={share} stream=gvt-gen9"
            f" type={TYPES}"
        )
        index += 1
    # 200 rules do not fit one 4096-byte page; a policy this large is held by a scheduler (built
    # from many attributes), not by one sysfs attribute, so each rule is parsed on its own.
    head = "\n".join(lines[:2]) + "\n"
    rules = []
    for line in lines[2:]:
        rules.extend(migcompat.parse_compatible(head + line + "\n").rules)
    return CompatibleDevices(tuple(rules), migcompat.parse_compatible(head).defaults)


def rate(function: Callable[[MigrationVersion], object], sources: list[MigrationVersion], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for source in sources:
            function(source)
        best = min(best, time.perf_counter() - start)
    return len(sources) / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=5000, help="source devices per pass (default 5000)")
    parser.add_argument("--repeat", type=int, default=3, help="passes; the best is reported (default 3)")
    args = parser.parse_args()

    sources = [m for m in map(migcompat.parse, corpus(args.sources * 2)) if isinstance(m, MigrationVersion)]
    sources = [s for s in sources if not s.params][: args.sources]
    gvt = sum(1 for s in sources if s.fields.get("driver") and s.fields["driver"].value == "i915")
    print(f"sources: {len(sources)} device instances from the corpus ({gvt} GVT-g, the rest other drivers)")
    for name, target in (("1 rule", one_rule()), ("200 rules", many_rules())):
        plain = rate(lambda s, t=target: accepts(s, t), sources, args.repeat)
        explained = rate(lambda s, t=target: check(s, t).explain(), sources, args.repeat)
        verdict_only = rate(lambda s, t=target: check(s, t), sources, args.repeat)
        print(f"target with {name} ({len(target.rules)} accept lines):")
        print(f"  plain verdict (accepts)      {plain:12,.0f} verdicts/s")
        print(f"  explained verdict (check)    {verdict_only:12,.0f} verdicts/s  cost x{plain / verdict_only:.2f}")
        print(f"  check + explain() text       {explained:12,.0f} verdicts/s  cost x{plain / explained:.2f}")


if __name__ == "__main__":
    main()
