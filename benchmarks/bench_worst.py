"""Worst cases: the slowest inputs we can build within the 4095-byte attribute limit.

Run: ``python benchmarks/bench_worst.py``

For each operation that could blow up on valid input -- ``check``, ``accepts``
and ``plan`` against a device type, ``check`` with explanations against a large rule set,
``relate``, and the conformance matrix -- this builds the most expensive
inputs we know of, each attribute at most 4095 bytes, and times the operation
(best of 3). Beside each figure, in the same run, the time to parse the same
attributes: the ratio says how many parses the operation costs. Every line
must stay under one second; the last column says whether it does.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterator
from math import gcd
from pathlib import Path

from migcompat import parse_compatible, parse_version
from migcompat.compare import accepts, check, clear_cache
from migcompat.limits import MAX_ATTRIBUTE_BYTES
from migcompat.plan import plan

sys.path.insert(0, str(Path(__file__).parent))

LIMIT = MAX_ATTRIBUTE_BYTES
"""The largest attribute, final LF included."""
BUDGET = 1.0
"""Seconds: no line may take longer."""


def fill(head: str, line: Callable[[int], str], limit: int = LIMIT) -> str:
    """*head* and then ``line(0)``, ``line(1)``... for as long as the text stays within *limit* bytes."""
    text = head
    index = 0
    while len(text) + len(line(index)) <= limit:
        text += line(index)
        index += 1
    return text


def best(function: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    """The fastest of *repeat* runs of *function*, and its result."""
    fastest = float("inf")
    result: object = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest, result


Case = tuple[str, str, str, str]
"""(name, template or target's own migration_version, migration_compatible_devices, source)."""


def type_cases() -> Iterator[Case]:
    """Templates and rules that make per-parameter decisions work hardest."""
    head = "mc1 device_api=vfio-pci driver=x\n"
    # Every (rule, line) pair is evaluated: as many lines of one parameter as fit, as many distinct $ rules.
    yield (
        "one parameter x distinct $ rules",
        fill(head, lambda i: f"param v.p={i} v.k={i}\n"),
        fill("mc1\n", lambda i: f"accept v.k=$|{i + 10**6}\n"),
        "mc1 v.k=999999\n",
    )
    yield (
        "one parameter x distinct $ ranges",
        fill(head, lambda i: f"param v.p={i} v.k={i}\n"),
        fill("mc1\n", lambda i: f"accept v.k={i}..$\n"),
        "mc1 v.k=100000\n",
    )
    # As many binary parameters as fit, each read through $: 2^n choices, never enumerated.
    template = fill(head, lambda i: f"param v.p{i}=1 v.k{i}=1\nparam v.p{i}=2 v.k{i}=2\n")
    count = template.count("\nparam") // 2
    parts = [f"v.k{i}=$" for i in range(count)]
    rules = "mc1\naccept device_api=vfio-pci driver=x"
    for part in parts:
        if len(rules) + len(part) + 2 > LIMIT:
            break
        rules += " " + part
    rules += "\n"
    source = "mc1 device_api=vfio-pci driver=x " + " ".join(f"v.k{i}={1 + i % 2}" for i in range(count)) + "\n"
    yield (f"{count} binary parameters, 2^{count} choices", template, rules, source)
    # Two rules per parameter pairing, so the working values interact.
    template = fill(head, lambda i: f"param v.p{i}=1 v.k{i}=1\nparam v.p{i}=2 v.k{i}=2\n", 2048)
    count = template.count("\nparam") // 2
    rules = fill("mc1\n", lambda i: f"accept v.k{i % count}=$ v.k{(i + 1) % count}=$|{i}\n")
    source = "mc1 " + " ".join(f"~v.k{i}=1" for i in range(count)) + "\n"
    yield (f"{count} parameters, pairwise rules", template, rules, source)
    # An outside review's: as many ratio lines as fit, read through $ by as many ratio-range alternatives:
    # every (line, alternative) pair is evaluated, each an exact comparison of ratios.
    ratios = sorted(
        {f"{a}/{b}" for a in range(100) for b in range(1, 100) if gcd(a, b) == 1}, key=lambda s: (len(s), s)
    )
    yield (
        "ratio lines x $ ratio ranges",
        fill("mc1 driver=x\n", lambda i: f"param r={ratios[i]}\n"),
        fill("mc1\naccept driver=x r=$", lambda i: f"|$..{ratios[i]}", LIMIT - 1) + "\n",
        "mc1 driver=x r=1000/1\n",
    )


def instance_cases() -> Iterator[Case]:
    """Large rule sets that make compiling and explaining work hardest."""
    own = "mc1 v.k=5\n"
    yield ("many ranges, one key", own, fill("mc1\n", lambda i: f"accept v.k={i}..{i + 500}\n"), "mc1 v.k=100000\n")
    yield (
        "many keys, one rule each",
        own,
        fill("mc1\n", lambda i: f"accept v.a{i}=1 v.b=$|{i}\n"),
        "mc1 " + " ".join(f"v.a{i}=2" for i in range(40)) + "\n",
    )
    yield ("many subset rules", own, fill("mc1\n", lambda i: f"accept v.s<={{m{i},n{i}}}\n"), "mc1 v.s={m1,x}\n")
    yield (
        "equally near rules",
        own,
        fill("mc1\n", lambda i: f"accept v.a=1 v.b={i}\n"),
        "mc1 v.a=1 v.b=100000\n",
    )


def _cold_check(source: object, rules: object, own: object) -> str:
    """``check`` with the compiled-rules cache emptied first: compiling is part of the cost."""
    clear_cache()
    return check(source, rules, own).explain()  # type: ignore[arg-type]


def _cold_accepts(source: object, rules: object, own: object) -> str:
    """``accepts`` with the cache emptied first: against a type, compiling per ``param`` line is the cost."""
    clear_cache()
    return accepts(source, rules, own).value  # type: ignore[arg-type]


def main() -> int:
    print(f"{'operation':<10} {'case':<40} {'bytes':>6} {'seconds':>9} {'parse s':>9} {'ratio':>7}  answer")
    worst = 0.0
    for kind, cases in (("type", type_cases()), ("instance", instance_cases())):
        for name, own_text, rules_text, source_text in cases:
            own, rules, source = parse_version(own_text), parse_compatible(rules_text), parse_version(source_text)
            parse_time, _ = best(lambda o=own_text, r=rules_text: (parse_version(o), parse_compatible(r)))
            size = len(own_text) + len(rules_text)
            operations: list[tuple[str, Callable[[], object]]] = [
                ("check", lambda s=source, r=rules, o=own: _cold_check(s, r, o)),
            ]
            if kind == "type":
                operations.append(("accepts", lambda s=source, r=rules, o=own: _cold_accepts(s, r, o)))
                operations.append(("plan", lambda s=source, r=rules, o=own: plan(s, o, r).explain()))
            for operation, function in operations:
                seconds, result = best(function)
                worst = max(worst, seconds)
                answer = str(result).splitlines()[0][:40]
                print(
                    f"{operation:<10} {name:<40} {size:>6} {seconds:>9.4f} {parse_time:>9.4f}"
                    f" {seconds / parse_time:>6.1f}x  {answer}"
                )
    print(f"slowest line: {worst:.3f} s ({'within' if worst < BUDGET else 'OVER'} the {BUDGET:.0f} s budget)")
    return 1 if worst >= BUDGET else 0


def run_all() -> int:
    """Every section: check and plan here, then relate and the conformance matrix from their modules."""
    import worst_matrix
    import worst_relate

    status = 0
    for title, section in (
        ("check and plan", main),
        ("relate", worst_relate.main),
        ("the conformance matrix", worst_matrix.main),
    ):
        print(f"\n== {title}")
        status |= section()
    return status


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    sys.exit(run_all())
