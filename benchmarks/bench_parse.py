"""Parse throughput: migcompat against json.loads on the same content in JSON form.

Run: ``python benchmarks/bench_parse.py [--count N] [--repeat R]``

Both sides start from text and end with Python objects: migcompat parses the
attribute strings into its data model; json.loads parses the JSON data-model
documents of the very same attributes (``migcompat.to_json``). The figure that
matters is the ratio of the two rates, measured in the same run; the target is
a ratio of at most 2 (migcompat no slower than twice json.loads). The reference
(Lark) parser's rate is printed too, to show what the fast path buys.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import migcompat
from corpus import corpus
from migcompat import _fast
from migcompat.parse import detect
from migcompat.reference_parser import reference_parse_compatible, reference_parse_version


def best_rate(function: Callable[[str], object], inputs: list[str], repeat: int) -> float:
    """Strings per second, the best of *repeat* passes over *inputs*.

    The fast path's item caches are emptied before every pass, so a pass gains
    only from the repetition inside the corpus itself, as a real fleet would.
    """
    best = float("inf")
    for _ in range(repeat):
        _fast.clear_caches()
        start = time.perf_counter()
        for text in inputs:
            function(text)
        best = min(best, time.perf_counter() - start)
    return len(inputs) / best


def uncached(text: str) -> object:
    """migcompat.parse with the item caches emptied first: no repetition helps at all."""
    _fast.clear_caches()
    return migcompat.parse(text)


def reference(text: str) -> object:
    if detect(text) == "migration_compatible_devices":
        return reference_parse_compatible(text)
    return reference_parse_version(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000, help="strings in the mix (default 10000)")
    parser.add_argument("--repeat", type=int, default=5, help="passes; the best is reported (default 5)")
    args = parser.parse_args()

    texts = corpus(args.count)
    documents = [json.dumps(migcompat.to_json(migcompat.parse(text))) for text in texts]
    rates = {
        "migcompat.parse": best_rate(migcompat.parse, texts, args.repeat),
        "migcompat.parse, caches emptied per string": best_rate(uncached, texts, args.repeat),
        "json.loads (same content as JSON)": best_rate(json.loads, documents, args.repeat),
        "reference parser (Lark LALR)": best_rate(reference, texts[: max(1, args.count // 10)], 1),
    }
    text_bytes = sum(map(len, texts)) / len(texts)
    json_bytes = sum(map(len, documents)) / len(documents)
    print(f"corpus: {len(texts)} strings, mean {text_bytes:.0f} bytes as attributes, {json_bytes:.0f} bytes as JSON")
    for name, rate in rates.items():
        print(f"{name:44s} {rate:12,.0f} strings/s")
    ratio = rates["json.loads (same content as JSON)"] / rates["migcompat.parse"]
    print(f"ratio json.loads/migcompat: {ratio:.2f} (target <= 2.00: migcompat no slower than 2x json.loads)")
    lark_ratio = rates["migcompat.parse"] / rates["reference parser (Lark LALR)"]
    print(f"fast path speed-up over the reference parser: {lark_ratio:.1f}x")
    cold = rates["json.loads (same content as JSON)"] / rates["migcompat.parse, caches emptied per string"]
    print(f"ratio json.loads/migcompat with no cache at all: {cold:.2f}")


if __name__ == "__main__":
    main()
