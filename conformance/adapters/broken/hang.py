#!/usr/bin/env python3
"""A deliberately broken implementation that hangs, and leaves a child holding its output open.

Every mode reads its input, starts a child process that inherits standard
output and sleeps, then sleeps itself; it ignores SIGTERM. The conformance
runner must judge every case ``timeout`` and kill the whole process group.
Modes: ``parse KIND``, ``emit``, ``check``, ``serve``.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    mode = argv[1] if len(argv) > 1 else ""
    if mode == "serve":
        sys.stdin.readline()
    else:
        sys.stdin.buffer.read()
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
