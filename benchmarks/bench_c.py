"""libmigcompat (C) against the Python reference: parse and check throughput on the same corpus.

Run: ``python benchmarks/bench_c.py [--count N] [--repeat R]`` (builds ``c/lib`` with make first).

Parse: the mixed fleet corpus of ``corpus.py`` (device instances, templates and rule sets of six
drivers), every string parsed by ``mc-bench`` (the C library, into its fixed-size model) and by
``migcompat.parse`` (into Python objects), with the fast path's caches kept and emptied per string;
``json.loads`` on the same content as JSON is printed as the yardstick of bench_parse.py. The C rate
is not a Python-object rate: it is what a C consumer (libvirt, QEMU) gets, not what a Python binding
would give.

Check: triples of a source instance, a rule set and the target's own description (an instance, or a
GVT-g device type) of the same driver; both sides parse the three attributes and decide, and both count
the compatible verdicts, which must agree. The C side also reports the rate of the decision alone, as
``compare.check`` on parsed models does on the Python side.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import corpus as fleet
import migcompat
from migcompat import _fast
from migcompat.compare import check

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "c" / "lib"
BUILD = LIB / "build"


def triples(count: int, seed: int = 2020) -> list[tuple[str, str, str | None]]:
    """*count* (source, rules, own) triples of one driver each."""
    rng = random.Random(seed)
    makers: list[tuple[Callable[[random.Random], str], Callable[[random.Random], str], Callable[[random.Random], str]]]
    makers = [
        (fleet.gvt_instance, fleet.gvt_rules, fleet.gvt_template),
        (fleet.gvt_instance, fleet.gvt_rules, fleet.gvt_instance),
        (fleet.nvidia_instance, fleet.nvidia_rules, fleet.nvidia_instance),
        (fleet.mlx5_instance, fleet.mlx5_rules, fleet.mlx5_instance),
        (fleet.mtty_instance, fleet.mtty_rules, fleet.mtty_instance),
    ]
    out: list[tuple[str, str, str | None]] = []
    for index in range(count):
        source, rules, own = makers[index % len(makers)]
        out.append((source(rng), rules(rng), own(rng) if rng.random() < 0.9 else None))
    return out


def best_time(function: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        _fast.clear_caches()
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def c_bench(mode: str, records: Sequence[str], repeat: int) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("wb", suffix=".corpus") as handle:
        handle.write(b"\0".join(text.encode("ascii") for text in records) + b"\0")
        handle.flush()
        result = subprocess.run(
            [str(BUILD / "mc-bench"), mode, handle.name, str(repeat)], capture_output=True, text=True, check=True
        )
    figures: dict[str, float] = json.loads(result.stdout)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000, help="strings and triples (default 10000)")
    parser.add_argument("--repeat", type=int, default=5, help="passes; the best is reported (default 5)")
    args = parser.parse_args()
    subprocess.run(["make", "-s", "-C", str(LIB), f"BUILD={BUILD}", "all"], check=True)

    texts = fleet.corpus(args.count)
    documents = [json.dumps(migcompat.to_json(migcompat.parse(text))) for text in texts]

    def uncached() -> None:
        for text in texts:
            _fast.clear_caches()
            migcompat.parse(text)

    c_parse = c_bench("parse", texts, args.repeat)
    assert c_parse["valid"] == len(texts), c_parse
    rates = {
        "C mc_parse (into its C model)": c_parse["per_second"],
        "Python migcompat.parse": len(texts) / best_time(lambda: [migcompat.parse(t) for t in texts], args.repeat),
        "Python migcompat.parse, caches emptied per string": len(texts) / best_time(uncached, args.repeat),
        "json.loads (same content as JSON)": len(texts) / best_time(lambda: [json.loads(d) for d in documents], 3),
    }
    mean = sum(map(len, texts)) / len(texts)
    print(f"parse: {len(texts)} strings, mean {mean:.0f} bytes")
    for name, rate in rates.items():
        print(f"  {name:52s} {rate:12,.0f} strings/s")
    c_rate, (py, py_cold, loads) = c_parse["per_second"], list(rates.values())[1:]
    print(
        f"  C / Python parse: {c_rate / py:.1f}x; C / Python cache-cold: {c_rate / py_cold:.1f}x;"
        f" C / json.loads: {c_rate / loads:.1f}x"
    )

    work = triples(args.count)
    flat = [text for triple in work for text in (triple[0], triple[1], triple[2] or "")]
    c_check = c_bench("check", flat, args.repeat)

    def python_check() -> int:
        compatible = 0
        for source, rules, own in work:
            verdict = check(
                migcompat.parse_version(source),
                migcompat.parse_compatible(rules),
                migcompat.parse_version(own) if own else None,
            )
            compatible += verdict.compatible
        return compatible

    parsed = [
        (migcompat.parse_version(s), migcompat.parse_compatible(r), migcompat.parse_version(o) if o else None)
        for s, r, o in work
    ]
    python_compatible = python_check()
    assert python_compatible == c_check["compatible"], (python_compatible, c_check)
    python_rate = len(work) / best_time(python_check, args.repeat)
    python_decide = len(work) / best_time(lambda: [check(*triple) for triple in parsed], args.repeat)
    print(f"check: {len(work)} (source, rules, own) triples, {python_compatible} compatible on both sides")
    print(f"  {'C parse three attributes + mc_check':52s} {c_check['per_second']:12,.0f} checks/s")
    print(f"  {'Python parse three attributes + check':52s} {python_rate:12,.0f} checks/s")
    print(f"  {'C mc_check alone':52s} {c_check['check_only_per_second']:12,.0f} checks/s")
    print(f"  {'Python check alone (parsed models)':52s} {python_decide:12,.0f} checks/s")
    print(
        f"  C / Python, parse + check: {c_check['per_second'] / python_rate:.1f}x;"
        f" check alone: {c_check['check_only_per_second'] / python_decide:.1f}x"
    )


if __name__ == "__main__":
    main()
