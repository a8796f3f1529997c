"""Verdicts against a device type: ``accepts`` on rules compiled against the type, beside deciding afresh.

Run: ``python benchmarks/bench_type.py [--passes N] [--repeat R]``

A scheduler filters many sources against each device type a host offers. For
each type of the bundled GVT-g sample (old and new driver), the sources are
the device instances of both hosts; in the same run, three figures per type:
``accepts`` (the rules compiled once against the type, then a few mask
operations per key and ``param`` line), the per-parameter decision made afresh
for every source (``decide_type``, what ``accepts`` did before it kept compiled
types, and what ``check`` does to explain), and ``check``. The ratio is
``accepts`` over ``decide_type``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from migcompat import parse_compatible, parse_version
from migcompat.compare import accepts, check
from migcompat.semantics.templates import decide_type

sys.path.insert(0, str(Path(__file__).parent))
from bench_check import rates

SAMPLES = Path(__file__).resolve().parent.parent / "conformance" / "samples" / "gvt-g"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passes", type=int, default=5000, help="verdicts per timed run (default 5000)")
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs of each, taken in turns; the best is reported (default 3)"
    )
    args = parser.parse_args()
    texts = [
        (p["kind"], p["ident"], p["attributes"])
        for host in ("new", "old")
        for p in json.loads((SAMPLES / f"{host}.json").read_text())["placements"]
        if "migration_version" in p["attributes"]
    ]
    sources = [parse_version(a["migration_version"]["text"]) for kind, _, a in texts if kind != "mdev_type"]
    print(f"{len(sources)} sources: the device instances of both sample hosts (old and new driver)")
    print(f"{'type':<16} {'lines':>5} {'accepts/s':>11} {'decide/s':>11} {'check/s':>11} {'ratio':>7}")
    for kind, ident, attributes in texts:
        if kind != "mdev_type":
            continue
        template = parse_version(attributes["migration_version"]["text"])
        rules = parse_compatible(attributes["migration_compatible_devices"]["text"])
        for source in sources:
            if accepts(source, rules, template) is not decide_type(source, rules, template).answer:
                raise SystemExit(f"{ident}: accepts and decide_type disagree")
        per_accepts, per_decide, per_check = rates(
            [
                (lambda s, r=rules, t=template: accepts(s, r, t), sources, args.passes),
                (lambda s, r=rules, t=template: decide_type(s, r, t), sources, args.passes),
                (lambda s, r=rules, t=template: check(s, r, t), sources, args.passes // 4),
            ],
            args.repeat,
        )
        print(
            f"{ident:<16} {len(template.params):>5} {per_accepts:>11,.0f} {per_decide:>11,.0f} {per_check:>11,.0f}"
            f" {per_accepts / per_decide:>6.1f}x"
        )


if __name__ == "__main__":
    main()
