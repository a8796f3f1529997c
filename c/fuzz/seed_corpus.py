#!/usr/bin/env python3
"""Write the libFuzzer seed corpus: every attribute of the conformance cases, and every check as NUL-joined parts.

Run: ``python c/fuzz/seed_corpus.py DIR``; one file per input, named by its SHA-1.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from differential import seeds


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "corpus")
    out.mkdir(parents=True, exist_ok=True)
    attributes, checks = seeds()
    inputs = [data for _, data in attributes]
    for request in checks:
        parts = [request.get(k) or "" for k in ("source", "target", "target_self")]
        inputs.append(b"\0".join(p.encode("utf-8") for p in parts))
    for data in inputs:
        (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
    print(f"{len(set(inputs))} seeds in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
