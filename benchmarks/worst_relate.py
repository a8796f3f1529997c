"""Worst cases for ``relate``: the slowest rule sets we can build within the 4095-byte attribute limit.

Run: ``python benchmarks/bench_worst.py`` (all worst cases) or ``python benchmarks/worst_relate.py``

Each case is a pair of targets (rules, and the own migration_version that
``$`` reads, a device-type template for the last cases), each attribute at
most 4095 bytes. The shapes are those that made the old product expansion
blow up (one rule with two set alternatives on every key; a ``default`` line
with a rule over the same keys), and those that are hard for any exact method:
many overlapping ranges on many keys, sets with many members, many rules over
many keys, many ``$`` rules against a template with many parameter lines.

Each line gives the bytes of the larger rule set, the best of 3 times of
``relate``, its answer (the relation, or ``too-complex`` when a bound of
:mod:`migcompat.relate` was exceeded), and, measured in the same run, the
time to parse the inputs with ``parse_compatible`` (and ``parse_version``) and
the ratio. Every line must stay under one second; the last column says
whether it does, and the exit status is 1 if one does not.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable, Iterator
from math import gcd

from bench_worst import BUDGET, LIMIT, best, fill
from migcompat import parse_compatible, parse_version
from migcompat.relate import RelationTooComplex, relate


def words(head: str, word: Callable[[int], str], limit: int = LIMIT) -> str:
    """*head*, then `` word(0) word(1)...`` on its line for as long as it fits, then LF."""
    text = head
    index = 0
    while len(text) + 1 + len(word(index)) + 1 <= limit:
        text += " " + word(index)
        index += 1
    return text + "\n"


Case = tuple[str, str, str, str | None, str | None]
"""(name, first rules, second rules, first's own migration_version, second's)."""


def key(index: int) -> str:
    return f"v.k{index}"


def dense(seed: int, side: int) -> str:
    """As many rules as fit, each allowing each value of 7 on each of 9 keys with probability 0.9."""
    pick = random.Random(seed * 10 + side)
    text = "mc1\n"
    while True:
        line = "accept " + " ".join(
            f"{chr(97 + k)}=" + ("|".join(str(v) for v in range(7) if pick.random() < 0.9) or str(pick.randrange(7)))
            for k in range(9)
        )
        if len(text) + len(line) + 1 > LIMIT:
            return text
        text += line + "\n"


def cases() -> Iterator[Case]:
    # The shapes the product expansion could not do: 2 options on every key of one rule.
    twenty = "mc1\naccept " + " ".join(f"{chr(97 + i)}={{a}}|{{b}}" for i in range(20)) + "\n"
    yield "20 keys of {a}|{b} vs accept", twenty, "mc1\naccept\n", None, None
    many = words("mc1\naccept", lambda i: f"{key(i)}={{a}}|{{b}}")
    yield "as many keys of {a}|{b} as fit vs accept", many, "mc1\naccept\n", None, None
    keys16 = [chr(97 + i) for i in range(16)]
    shape = "mc1\ndefault " + " ".join(f"{k}=1" for k in keys16) + "\naccept " + " ".join(f"{k}=1" for k in keys16)
    yield "default + accept, 16 keys, vs itself", shape + "\n", shape + "\n", None, None
    near = shape.replace("p=1\naccept", "p=2\naccept").replace(" p=1", " p=1|2")
    yield "default + accept, 16 keys, vs a near variant", shape + "\n", near + "\n", None, None
    wide = words("mc1\ndefault", lambda i: f"{key(i)}=1", LIMIT // 3)
    wide_rule = words("accept", lambda i: f"{key(i)}=1|2", LIMIT - len(wide))
    yield (
        "default + accept, as many keys as fit",
        wide + wide_rule,
        wide + wide_rule.replace("=1|2", "=2|1"),
        None,
        None,
    )

    # Many overlapping ranges on many keys: every rule a box of ranges, two sides shifted.
    rng = random.Random(7)

    def ranges(shift: int) -> str:
        return fill(
            "mc1\n",
            lambda i: (
                "accept "
                + " ".join(
                    f"{key(k)}={(i * 7 + k * 3 + shift) % 40}..{(i * 7 + k * 3 + shift) % 40 + 25}" for k in range(6)
                )
                + "\n"
            ),
        )

    yield "overlapping ranges: rules x 6 keys", ranges(0), ranges(1), None, None
    one_key = fill("mc1\n", lambda i: f"accept v.a={i * 3}..{i * 3 + 7}\n")
    yield (
        "overlapping ranges on one key",
        one_key,
        fill("mc1\n", lambda i: f"accept v.a={i * 3 + 1}..{i * 3 + 8}\n"),
        None,
        None,
    )
    points = fill("mc1\n", lambda i: f"accept v.a={i}\n")
    yield "one constant per rule, one key", points, fill("mc1\n", lambda i: f"accept v.a={i + 1}\n"), None, None
    alternatives = words("mc1\naccept v.a=0", lambda i: f"|{i + 1}").replace(" |", "|")
    yield "one constant per alternative, one key", alternatives, points, None, None

    # Many set members.
    members = [f"m{i}" for i in range(64)]
    full = "mc1\naccept features<={" + ",".join(members) + "}\n"
    yield "features<= 64 members vs 63", full, full.replace(",m63", ""), None, None
    sets = fill("mc1\n", lambda i: "accept features<={" + ",".join(members[i % 48 : i % 48 + 16]) + "}\n")
    yield "subsets of 16 of 64 members, many rules", sets, sets.replace("m0,", ""), None, None
    pairs = [f"{{{members[a]},{members[b]}}}" for a in range(64) for b in range(a + 1, 64)]
    alts = words("mc1\naccept v.f={}", lambda i: "|" + pairs[i]).replace(" |", "|")
    yield "set alternatives of 2 members", alts, alts.replace("|{m0,m1}", ""), None, None
    singles = fill("mc1\n", lambda i: f"accept v.f>={{{members[i % 64]}}} v.g={i // 64}\n")
    yield "supersets of one member, many rules", singles, "mc1\naccept v.f>={} v.g=0..9\n", None, None
    co_singles = fill(
        "mc1\n", lambda i: "accept v.f<={" + ",".join(m for m in members[:14] if m != members[i % 14]) + "}\n"
    )
    yield (
        "subsets missing one of 14 members",
        co_singles,
        "mc1\naccept v.f<={" + ",".join(members[:14]) + "}\n",
        None,
        None,
    )

    # Many rules x many keys, values drawn from a few.
    def grid(seed: int, keys: int, values: int) -> str:
        pick = random.Random(seed)
        return fill(
            "mc1\n", lambda i: "accept " + " ".join(f"{key(k)}={pick.randrange(values)}" for k in range(keys)) + "\n"
        )

    yield "random rules: 8 keys x 3 values", grid(1, 8, 3), grid(2, 8, 3), None, None
    yield "random rules: 16 keys x 2 values", grid(3, 16, 2), grid(4, 16, 2), None, None
    yield "random rules: 4 keys x 10 values", grid(5, 4, 10), grid(6, 4, 10), None, None
    every = "mc1\n" + "".join(
        "accept " + " ".join(f"{key(k)}={(n >> k) & 1}" for k in range(8)) + "\n" for n in range(2**8)
    )
    every = every[: every.rindex("\naccept", 0, LIMIT - 1) + 1]
    yield (
        "many binary combinations vs all",
        every,
        "mc1\naccept " + " ".join(f"{key(k)}=0|1" for k in range(8)) + "\n",
        None,
        None,
    )
    spread = fill(
        "mc1\n", lambda i: "accept " + " ".join(f"{key(k)}={rng.randrange(4)}" for k in range(i % 5, i % 5 + 6)) + "\n"
    )
    yield "random rules over shifting keys", spread, grid(8, 10, 4), None, None

    # Dense random boxes: each rule allows ~90% of 7 values on each of 9 keys. Deciding whether one
    # side's boxes cover the other's is the hard core of the problem (co-NP): these hit MAX_STEPS.
    for seed in (5, 17):
        yield f"dense random boxes, 9 keys x 7 values ({seed})", dense(seed, 1), dense(seed, 2), None, None

    # Near the set-key bound: a dozen rules each requiring a different member (4096 classes of sets).
    twelve = "mc1\n" + "".join(f"accept v.f>={{{members[i]}}}\n" for i in range(12))
    yield "supersets of one member, 12 rules", twelve, "mc1\naccept v.f>={}\n", None, None

    # A template with many parameter lines read through $: one variant per rule and line.
    lines64 = "mc1 device_api=vfio-pci driver=x\n" + "".join(f"param v.p={i} v.k={i} v.s={i % 5}\n" for i in range(64))
    rules32 = "mc1\n" + "".join(f"accept device_api=vfio-pci driver=x v.k=$|{i + 1000} v.s=0..$\n" for i in range(32))
    reordered = "mc1\n" + "\n".join(reversed(rules32.split("\n")[1:-1])) + "\n"
    yield "template: 64 lines x 32 $ rules a side, reordered", rules32, reordered, lines64, lines64
    shifted = rules32.replace("v.k=$|1000 ", "v.k=$|999 ")
    yield "template: 64 lines x 32 $ rules a side, changed", rules32, shifted, lines64, lines64
    template = fill("mc1 device_api=vfio-pci driver=x\n", lambda i: f"param v.p={i} v.k={i} v.s={i % 7}\n")
    dollars = fill("mc1\n", lambda i: f"accept device_api=vfio-pci driver=x v.k=$|{i + 1000} v.s=0..$\n")
    yield "template: as many lines and $ rules as fit", dollars, dollars.replace("0..$", "$"), template, template
    two = "mc1 driver=x\n" + "".join(f"param v.p{i % 2}={i // 2} v.k{i % 2}={i // 2}\n" for i in range(80))
    both = "mc1\naccept driver=x v.k0=$ v.k1=$\n"
    yield "template: one rule reads two 40-value parameters", both, "mc1\naccept driver=x v.k0=$ v.k1=0..$\n", two, two
    two = fill("mc1 driver=x\n", lambda i: f"param v.p{i % 2}={i // 2} v.k{i % 2}={i // 2}\n")
    yield (
        "template: one rule reads two parameters, all lines",
        both,
        "mc1\naccept driver=x v.k0=$ v.k1=0..$\n",
        two,
        two,
    )
    # One rule reads every binary parameter through $ on many keys: 2^k variants a side, each resolving every key.
    for parameters, keys, name in ((11, 1, "11 params x 2 keys"), (11, 12, "11 params x 13 keys")):
        lines = [
            " ".join([f"param v.p{i}={value}"] + [f"v.q{i}x{j}={value}" for j in range(keys)])
            for i in range(parameters)
            for value in (1, 2)
        ]
        read = sorted(
            [f"v.p{i}" for i in range(parameters)] + [f"v.q{i}x{j}" for i in range(parameters) for j in range(keys)]
        )
        many = "mc1 driver=x\n" + "\n".join(lines) + "\n"
        upto = "mc1\naccept " + " ".join(["driver=x", *(f"{key}=..$" for key in read)]) + "\n"
        narrowed = upto.replace(f"{read[0]}=..$", f"{read[0]}=$")
        yield f"template: one rule reads {name}", upto, narrowed, many, many
    # An outside review's: sets tested against every $a..$b of a template's version lines (the prefix classes
    # were resolved for each, though a set is never in a range), then ratio lines against $..a/b ranges.
    prefixes = [f"${a}..${b}" for a in range(1, 8) for b in range(1, 8)]
    prefixes += [f"${a}.." for a in range(1, 8)] + [f"..${a}" for a in range(1, 8)]
    classes = "mc1\n" + "".join(f"accept features>={{m{i}}}\n" for i in range(8))
    classes += "accept features=" + "|".join(prefixes) + "\n"
    versions = fill("mc1 driver=x\n", lambda i: f"param features=1.{i}\n")
    yield "template: version lines x $a..$b, sets tested", classes, "mc1\naccept\n", versions, None
    ratios = [(a, b) for b in range(2, 300) for a in range(1, b) if gcd(a, b) == 1]
    lines = fill("mc1 driver=x\n", lambda i: f"param features={ratios[i][0]}/{ratios[i][1]}\n")

    def ranges(shift: int) -> str:
        head = "mc1\ndefault features=100/1\n" + "".join(f"accept features>={{{c}}}\n" for c in "bcde")

        def alternative(i: int) -> str:
            return f"|$..{ratios[i + shift][0]}/{ratios[i + shift][1]}"

        return fill(head + "accept features=$", alternative, LIMIT - 1) + "\n"

    yield "template: ratio lines x $..a/b, two sides", ranges(0), ranges(1), lines, lines


def measure(
    first_text: str, second_text: str, first_own: str | None, second_own: str | None
) -> tuple[float, str, float]:
    """The best time of relate, its answer, and the best time to parse the inputs."""
    first, second = parse_compatible(first_text), parse_compatible(second_text)
    first_self = None if first_own is None else parse_version(first_own)
    second_self = None if second_own is None else parse_version(second_own)

    def run() -> str:
        try:
            return relate(first, second, first_self, second_self).relation.value
        except RelationTooComplex:
            return "too-complex"

    def parse() -> object:
        parse_compatible(first_text), parse_compatible(second_text)
        for own in (first_own, second_own):
            if own is not None:
                parse_version(own)
        return None

    seconds, answer = best(run)
    baseline, _ = best(parse)
    return seconds, str(answer), baseline


def main() -> int:
    rows = []
    for name, first_text, second_text, first_own, second_own in cases():
        size = max(len(text) for text in (first_text, second_text, first_own or "", second_own or ""))
        assert size <= LIMIT, name
        seconds, answer, baseline = measure(first_text, second_text, first_own, second_own)
        rows.append((name, size, seconds, answer, baseline))
    print(f"{'case':<52} {'bytes':>5} {'relate s':>9} {'answer':<12} {'parse s':>9} {'ratio':>7}  <1s")
    for name, size, seconds, answer, baseline in rows:
        ok = "yes" if seconds < BUDGET else "NO"
        print(f"{name:<52} {size:>5} {seconds:>9.4f} {answer:<12} {baseline:>9.5f} {seconds / baseline:>7.0f}  {ok}")
    return 1 if any(seconds >= BUDGET for _, _, seconds, _, _ in rows) else 0


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    sys.exit(main())
