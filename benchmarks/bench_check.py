"""Verdict throughput: ``accepts`` and ``check`` for targets of 1, 200 and 1000 rules.

Run: ``python benchmarks/bench_check.py [--calls N] [--rounds R]``

The targets are GVT-g acceptance rules, one per combination of share,
interface version and a vendor slot value, as a large fleet policy would
enumerate them (1000 rules do not fit one 4095-byte attribute: such a policy is
held by a scheduler, so each rule is parsed on its own). For each target three
kinds of source are decided: those that the first rule accepts, those that only
the last rule accepts, and those that no rule accepts (they miss on one key, so
the explanation has many equally near rules to choose from). Each kind is a
pool of 128 distinct sources that every timed run cycles through, so no
memo of one source's answer, or of one failing value's reason, can stand in
for deciding it: the sources of the first two kinds differ in the keys that
every rule accepts (aggregate, pv_mode, type), those of the third in the
value that misses.

Beside the figures, in the same run, two plain-Python baselines over the same
rules: a loop of dict comparisons (each rule a dict from key to the set of
allowed values, ranges expanded; the loop stops at the first rule that
matches), and a single dict equality. The ratios say what the comparator costs
over the simplest code that could answer the same question.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import migcompat
from migcompat.compare import accepts, check
from migcompat.model import CompatibleDevices, MigrationVersion
from migcompat.verdict import Reason, RuleOutcome, Verdict

TYPES = "i915-GVTg_V5_1|i915-GVTg_V5_2|i915-GVTg_V5_4|i915-GVTg_V5_8"
SHARES = ["1/8", "1/4", "3/8", "1/2", "5/8", "3/4", "7/8", "1/1"]
HEAD = "mc1\ndefault gvt.pv_mode={}\n"
T = TypeVar("T")


def _parameters(index: int) -> tuple[str, int, int]:
    return SHARES[index % len(SHARES)], 1 + (index // len(SHARES)) % 3, index // (len(SHARES) * 3)


def rules(count: int) -> CompatibleDevices:
    """*count* rules, rule *i* accepting exactly the (share, interface, slot) of :func:`_parameters`."""
    parsed = []
    for index in range(count):
        share, interface, slot = _parameters(index)
        line = (
            f"accept aggregate=1..8 device_api=vfio-pci driver=i915 gvt.interface_version={interface}"
            f" gvt.pv_mode<={{context,ppgtt}} gvt.slot={slot} pci_id=8086:591d share={share} stream=gvt-gen9"
            f" type={TYPES}"
        )
        parsed.extend(migcompat.parse_compatible(HEAD + line + "\n").rules)
    return CompatibleDevices(tuple(parsed), migcompat.parse_compatible(HEAD).defaults)


POOL = 128
PV_MODES = ["{}", "{ppgtt}", "{context}", "{context,ppgtt}"]


def source(share: str, interface: int, slot: int, variant: int = 0) -> MigrationVersion:
    """The source with these parameters; *variant* (0 to 127) picks aggregate, pv_mode and type."""
    aggregate, mode, kind = 1 + variant % 8, PV_MODES[variant // 8 % 4], TYPES.split("|")[variant // 32 % 4]
    return migcompat.parse_version(
        f"mc1 aggregate={aggregate} device_api=vfio-pci driver=i915 gvt.interface_version={interface}"
        f" gvt.pv_mode={mode} gvt.slot={slot} pci_id=8086:591d share={share} stream=gvt-gen9 type={kind}\n"
    )


def pool(kind: str, count: int) -> list[MigrationVersion]:
    """:data:`POOL` distinct sources of *kind* (first, last, none) for a target of *count* rules."""
    if kind == "none":
        share, interface, _ = _parameters(count - 1)
        return [source(share, interface, 10**6 + index, index) for index in range(POOL)]
    parameters = _parameters(0 if kind == "first" else count - 1)
    return [source(*parameters, index) for index in range(POOL)]


# ---- the plain-Python baselines -----------------------------------------------------------------


def plain_rules(count: int) -> list[dict[str, object]]:
    """The same rules as dicts of allowed values: what a hand-written matcher would hold."""
    out = []
    for index in range(count):
        share, interface, slot = _parameters(index)
        out.append(
            {
                "aggregate": set(range(1, 9)),
                "device_api": {"vfio-pci"},
                "driver": {"i915"},
                "gvt.interface_version": {interface},
                "gvt.pv_mode": {
                    frozenset(),
                    frozenset({"context"}),
                    frozenset({"ppgtt"}),
                    frozenset({"context", "ppgtt"}),
                },
                "gvt.slot": {slot},
                "pci_id": {"8086:591d"},
                "share": {share},
                "stream": {"gvt-gen9"},
                "type": set(TYPES.split("|")),
            }
        )
    return out


def plain_source(model: MigrationVersion) -> dict[str, object]:
    return {key: str(entry.value) if key == "share" else entry.value for key, entry in model.fields.items()}


def plain_loop(source: dict[str, object], table: list[dict[str, object]]) -> int | None:
    for index, rule in enumerate(table):
        if all(source.get(key) in allowed for key, allowed in rule.items()):  # type: ignore[operator]
            return index
    return None


# ---- measuring -------------------------------------------------------------------------------------


def rates(functions: Sequence[tuple[Callable[[T], object], Sequence[T], int]], rounds: int) -> list[float]:
    """Calls per second of each (function, items, calls per run): the best of *rounds* runs.

    The functions take turns, one run each per round, so a machine that slows
    down for a while (a shared host) slows them all alike and the ratios between
    them hold; the best run of each is its figure, as :mod:`timeit` reports.
    """
    cycled = [list(items) * max(calls // len(items), 1) for _, items, calls in functions]
    best = [float("inf")] * len(functions)
    for _ in range(rounds):
        for index, ((function, _, _), run) in enumerate(zip(functions, cycled, strict=True)):
            start = time.perf_counter()
            for item in run:
                function(item)
            best[index] = min(best[index], time.perf_counter() - start)
    return [len(run) / elapsed for run, elapsed in zip(cycled, best, strict=True)]


def rebuild(verdict: Verdict) -> Verdict:
    """*verdict* built again, object by object, from its finished strings: no deciding, no formatting."""
    nearest = tuple(
        RuleOutcome(
            outcome.index,
            tuple(Reason(r.code, r.field, r.message, r.source, r.allowed) for r in outcome.reasons),
            outcome.more_reasons,
        )
        for outcome in verdict.nearest
    )
    reasons = tuple(reason for outcome in nearest for reason in outcome.reasons)
    return Verdict(verdict.answer, verdict.grade, verdict.matched, nearest, reasons, verdict.also_near)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2560, help="verdicts per timed run (default 2560)")
    parser.add_argument(
        "--rounds", type=int, default=30, help="timed runs of each measure, in turns; the best counts (default 30)"
    )
    args = parser.parse_args()
    calls, rounds = args.calls, args.rounds

    print(
        f"{'rules':>5} {'source':<7} {'accepts/s':>11} {'check/s':>11} {'explain/s':>11} {'objects/s':>11}"
        f" {'loop/s':>11} "
        f"{'dict==/s':>11} {'check cost':>10} {'vs loop':>8}"
    )
    for count in (1, 200, 1000):
        target = rules(count)
        table = plain_rules(count)
        for name in ("first", "last", "none"):
            models = pool(name, count)
            expected = {"first": 0, "last": count - 1, "none": None}[name]
            plains = [plain_source(model) for model in models]
            for model, plain in zip(models, plains, strict=True):
                verdict = check(model, target)
                if verdict.matched != expected or plain_loop(plain, table) != expected:
                    raise SystemExit(f"{count} rules, source {name}: matched {verdict.matched}, expected {expected}")
            pairs = [(plain, dict(plain)) for plain in plains]
            verdicts = [check(model, target) for model in models]
            per_accepts, per_check, per_explain, per_objects, per_loop, per_equal = rates(
                [
                    (lambda m, t=target: accepts(m, t), models, calls),
                    (lambda m, t=target: check(m, t), models, calls),
                    (lambda m, t=target: check(m, t).explain(), models, calls // 4),
                    (rebuild, verdicts, calls),
                    (lambda p, t=table: plain_loop(p, t), plains, max(calls // max(count // 20, 1), 128)),
                    (lambda pair: pair[0] == pair[1], pairs, calls),
                ],
                rounds,
            )
            print(
                f"{count:>5} {name:<7} {per_accepts:>11,.0f} {per_check:>11,.0f} {per_explain:>11,.0f}"
                f" {per_objects:>11,.0f}"
                f" {per_loop:>11,.0f} {per_equal:>11,.0f} {per_accepts / per_check:>9.2f}x"
                f" {per_accepts / per_loop:>7.1f}x"
            )
    print(
        "objects/s: building check's verdict objects again from its finished strings (the floor of any"
        " explained verdict in this data model)."
    )
    print(
        "check cost: accepts/s over check/s (the explanation's cost). vs loop: accepts/s over the plain"
        " loop's verdicts/s (above 1: faster than the loop)."
    )


if __name__ == "__main__":
    main()
