#!/usr/bin/env python3
"""A deliberately broken implementation that crashes.

The parser dies of SIGSEGV, the emitter exits with status 70, the checker
aborts (SIGABRT), and in the persistent mode the program exits after reading
its first request. The conformance runner must judge every case ``crash``.
Modes: ``parse KIND``, ``emit``, ``check``, ``serve``.
"""

from __future__ import annotations

import os
import signal
import sys


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) > 1 else ""
    if mode == "serve":
        sys.stdin.readline()
        return 3
    sys.stdin.buffer.read()
    if mode == "parse":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif mode == "emit":
        return 70
    os.abort()
    return 70


if __name__ == "__main__":
    sys.exit(main(sys.argv))
