#!/usr/bin/env python3
"""A deliberately broken implementation that prints garbage.

The parser prints bytes that are not UTF-8, the emitter floods its standard
output without end, the checker prints text that is not JSON, and in the
persistent mode the program answers each request with a line that is not
JSON. The conformance runner must judge every case ``garbage`` and never
read more than its output limit. Modes: ``parse KIND``, ``emit``, ``check``,
``serve``.
"""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) > 1 else ""
    out = sys.stdout.buffer
    if mode == "serve":
        for _ in sys.stdin:
            out.write(b"<html>not json</html>\n")
            out.flush()
        return 0
    sys.stdin.buffer.read()
    if mode == "parse":
        out.write(b"\xff\xfe\x00garbage{")
    elif mode == "emit":
        chunk = b"mc1 " + b"x" * 65536
        try:
            while True:
                out.write(chunk)
        except BrokenPipeError:
            return 0
    else:
        out.write(b"{verdict: maybe")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
