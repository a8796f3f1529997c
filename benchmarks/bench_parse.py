"""Parse throughput: migcompat against json.loads on the same content in JSON form.

Run: ``python benchmarks/bench_parse.py [--count N] [--repeat R]``

Both sides start from text and end with Python objects: migcompat parses the
attribute strings into its data model; json.loads parses the JSON data-model
documents of the very same attributes (``migcompat.to_json``). The figure that
matters is the ratio of the two rates, measured in the same run; the target is
a ratio of at most 2 (migcompat no slower than twice json.loads). The reference
(Lark) parser's rate is printed too, to show what the fast path buys.

migcompat.parse is measured twice: pure Python (the fast path and its item
caches), and with the optional C accelerator (``pip install ./c/python``, the
module ``migcompat_accel``) when it is installed and ``MIGCOMPAT_NO_ACCEL`` is
not set; the accelerator keeps no item caches, so its cache-cold rate is its
rate. ``--accel PATH`` takes the accelerator from the directory PATH instead
(a build of ``c/python`` that is not installed).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import migcompat
from corpus import corpus
from migcompat import _fast
from migcompat.parse import accelerator, detect
from migcompat.reference_parser import reference_parse_compatible, reference_parse_version

parse_module = sys.modules["migcompat.parse"]  # the module (migcompat.parse is the function)


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


@contextmanager
def pure_python() -> Iterator[None]:
    """migcompat.parse without its accelerator, for the duration of a with block."""
    accelerator()  # decided once, on first use; then set aside
    saved = parse_module._accel
    parse_module._accel = None
    try:
        yield
    finally:
        parse_module._accel = saved


def reference(text: str) -> object:
    if detect(text) == "migration_compatible_devices":
        return reference_parse_compatible(text)
    return reference_parse_version(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000, help="strings in the mix (default 10000)")
    parser.add_argument("--repeat", type=int, default=5, help="passes; the best is reported (default 5)")
    parser.add_argument("--accel", type=Path, help="a directory holding a built migcompat_accel module to use")
    args = parser.parse_args()
    if args.accel is not None:
        sys.path.insert(0, str(args.accel))

    texts = corpus(args.count)
    documents = [json.dumps(migcompat.to_json(migcompat.parse(text))) for text in texts]
    accel = accelerator()
    with pure_python():
        rates = {
            "migcompat.parse, pure Python": best_rate(migcompat.parse, texts, args.repeat),
            "migcompat.parse, pure Python, caches emptied per string": best_rate(uncached, texts, args.repeat),
        }
    if accel is not None:
        rates["migcompat.parse, C accelerator"] = best_rate(migcompat.parse, texts, args.repeat)
        rates["migcompat.parse, C accelerator, caches emptied per string"] = best_rate(uncached, texts, args.repeat)
    rates["json.loads (same content as JSON)"] = best_rate(json.loads, documents, args.repeat)
    with pure_python():
        rates["reference parser (Lark LALR)"] = best_rate(reference, texts[: max(1, args.count // 10)], 1)
    text_bytes = sum(map(len, texts)) / len(texts)
    json_bytes = sum(map(len, documents)) / len(documents)
    print(f"corpus: {len(texts)} strings, mean {text_bytes:.0f} bytes as attributes, {json_bytes:.0f} bytes as JSON")
    for name, rate in rates.items():
        print(f"{name:58s} {rate:12,.0f} strings/s")
    json_rate = rates["json.loads (same content as JSON)"]
    pure = rates["migcompat.parse, pure Python"]
    target = "(target <= 2.00: migcompat no slower than 2x json.loads)"
    print(f"ratio json.loads/migcompat, pure Python: {json_rate / pure:.2f} {target}")
    print(f"fast path speed-up over the reference parser: {pure / rates['reference parser (Lark LALR)']:.1f}x")
    cold = json_rate / rates["migcompat.parse, pure Python, caches emptied per string"]
    print(f"cache-cold ratio json.loads/migcompat, pure Python: {cold:.2f}")
    if accel is None:
        print("cache-cold ratio json.loads/migcompat, C accelerator: not measured: migcompat_accel is not installed")
        print("  (pip install ./c/python, or --accel DIR), or MIGCOMPAT_NO_ACCEL is set")
        return
    accel_cold = json_rate / rates["migcompat.parse, C accelerator, caches emptied per string"]
    print(f"cache-cold ratio json.loads/migcompat, C accelerator: {accel_cold:.2f} {target}")
    print(f"ratio json.loads/migcompat, C accelerator: {json_rate / rates['migcompat.parse, C accelerator']:.2f}")
    print(f"accelerator: {getattr(accel, '__file__', accel)}")


if __name__ == "__main__":
    main()
