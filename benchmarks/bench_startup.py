"""Command-line start-up: what one ``migcompat`` call costs before it does its work.

Run: ``python benchmarks/bench_startup.py [--repeat R]``

Each line is the best of *R* runs of a fresh interpreter (``sys.executable``),
so the figures include Python's own start-up. Beside the commands, in the same
run, three baselines:

* ``python -c pass``: the interpreter alone;
* ``import click``: the CLI framework alone;
* every command module imported: what each call paid before the commands
  were loaded on first use (:data:`migcompat.cli.COMMANDS`).

A scheduler or a shell loop that calls ``migcompat check`` per candidate pays
the start-up each time; the ratio column says how many times the interpreter's
own start-up a line costs. Where bytecode is not cached (``PYTHONDONTWRITEBYTECODE``
set, or an editable install never imported before), every line also compiles
the modules it imports, so the gap between the eager and the lazy lines grows.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSION = ROOT / "examples" / "gvt-g" / "uuid1" / "migration_version"
RULES = ROOT / "examples" / "gvt-g" / "uuid1" / "migration_compatible_devices"

EVERY_COMMAND = (
    "import importlib, migcompat.cli as c\n"
    "for target in c.COMMANDS.values():\n"
    "    importlib.import_module('migcompat.cli.' + target.split(':')[0])\n"
)


def best(argv: list[str], repeat: int) -> float:
    """The fastest of *repeat* runs of *argv*, in seconds (its exit status is not judged: ``check`` says 0 or 1)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        quiet = subprocess.DEVNULL
        subprocess.run(argv, stdout=quiet, stderr=quiet, stdin=quiet, check=False)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7, help="runs of each line; the best is reported (default 7)")
    args = parser.parse_args()
    python = sys.executable
    cli = [python, "-m", "migcompat"]
    lines = [
        ("python -c pass", [python, "-c", "pass"]),
        ("import click", [python, "-c", "import click"]),
        ("import migcompat", [python, "-c", "import migcompat"]),
        ("every command module imported", [python, "-c", EVERY_COMMAND]),
        ("migcompat --version", [*cli, "--version"]),
        ("migcompat check --help", [*cli, "check", "--help"]),
        ("migcompat parse FILE", [*cli, "parse", str(VERSION)]),
        ("migcompat check SOURCE RULES", [*cli, "check", str(VERSION), str(RULES)]),
        ("migcompat --help", [*cli, "--help"]),
    ]
    floor = None
    print(f"{'what':<32} {'seconds':>8} {'x python':>9}")
    for name, argv in lines:
        seconds = best(argv, args.repeat)
        floor = floor or seconds
        print(f"{name:<32} {seconds:>8.3f} {seconds / floor:>8.1f}x")


if __name__ == "__main__":
    main()
