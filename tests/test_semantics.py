"""The semantic core against independent oracles.

* The compiled evaluator (bit masks, hashed values, range segments) against
  the plain one (every rule, every constraint, in order) on generated rule sets
  with ``$`` and ``$N``, defaults, sets, ranges and undecided constraints: same
  answer, same first matching rule, same nearest rules.
* The per-parameter template decision against brute-force enumeration of every
  choice: same answer, and the reported choice is the identical configuration
  when it accepts (8.5-CH1/CH2), otherwise the first accepting one in the
  order of clause 8.6.
* The reproducers of the issue that asked for the core: each answers, fast.
"""

from __future__ import annotations

import itertools
import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migcompat import parse_compatible, parse_version
from migcompat.compare import accepts, check
from migcompat.emit import emit, value_text
from migcompat.errors import ParseError
from migcompat.model import CompatibleDevices, Field, MigrationVersion, Value
from migcompat.plan import plan
from migcompat.registry import registry_default
from migcompat.semantics.compiled import compile_rules, minimum
from migcompat.semantics.rules import Context, evaluate_rule, own_values, rule_counts, rule_truth
from migcompat.semantics.templates import covering_choices, covering_devices, decide_type, device_for, parameters_of
from migcompat.semantics.values import compare, equivalent, match_key
from migcompat.verdict import Answer, Grade
from strategies import examples, version_models
from timebounds import bound

RUNS_LONG = True  # queued first in the default run (conftest.py)

KEYS = ("v.a", "v.b", "v.c", "aggregate", "features")
CONSTANTS = {
    "integer": ["0", "1", "2", "3", "5"],
    "version": ["1.0", "1.0.0", "1.2", "2.0", "2.0.1"],
    "ratio": ["1/3", "1/2", "2/3", "1/1"],
    "token": ["x", "y", "z"],
    "set": ["{}", "{p}", "{q}", "{p,q}"],
}
ORDERED = ("integer", "version", "ratio")


# $N of a version (a prefix class, row 8.1-PX2) as an alternative or a range end; an own value of another type
# (a template's param lines give each key any of the types) makes it true for nothing (row 8.1-PX3).
PREFIXES = ["$1", "$2", "$1..", "..$2", "$1..$2", "1.0..$1", "$2..2.0.1"]


def _alternative(rng: random.Random, kind: str) -> str:
    roll = rng.random()
    if roll < 0.15:
        return "$"
    if kind == "version" and roll < 0.3:
        return rng.choice(PREFIXES)
    if kind in ORDERED and roll < 0.55:
        low, high = sorted(rng.sample(range(len(CONSTANTS[kind])), 2))
        shape = rng.choice(["both", "low", "high", "self-high", "self-low"])
        lo, hi = CONSTANTS[kind][low], CONSTANTS[kind][high]
        return {
            "both": f"{lo}..{hi}",
            "low": f"{lo}..",
            "high": f"..{hi}",
            "self-high": f"{lo}..$",
            "self-low": "$..",
        }[shape]
    return rng.choice(CONSTANTS[kind])


def _constraint(rng: random.Random, key: str) -> str:
    kind = rng.choice(list(CONSTANTS))
    if kind == "set" and rng.random() < 0.5:
        operand = "$" if rng.random() < 0.25 else rng.choice(CONSTANTS["set"])
        return f"{key}{rng.choice(['<=', '>='])}{operand}"
    alternatives = list(dict.fromkeys(_alternative(rng, kind) for _ in range(rng.randint(1, 3))))
    return f"{key}=" + "|".join(alternatives)


def _value(rng: random.Random) -> str:
    return rng.choice(CONSTANTS[rng.choice(list(CONSTANTS))])


def _fields(rng: random.Random, keys: tuple[str, ...], marks: bool = True) -> str:
    items = []
    for key in sorted(rng.sample(keys, rng.randint(0, len(keys)))):
        mark = "~" if marks and rng.random() < 0.3 else ""
        items.append(f"{mark}{key}={_value(rng)}")
    return " ".join(items)


def _rules(rng: random.Random, count: int) -> str:
    lines = ["mc1"]
    if rng.random() < 0.4:
        defaults = _fields(rng, KEYS, marks=False)
        if defaults:
            lines.append(f"default {defaults}")
    for _ in range(count):
        keys = sorted(rng.sample(KEYS, rng.randint(0, 3)))
        lines.append(" ".join(["accept", *(_constraint(rng, key) for key in keys)]))
    return "\n".join(lines) + "\n"


def _parsed(text: str, parser: object) -> object:
    try:
        return parser(text)  # type: ignore[operator]
    except ParseError:
        return None


def _instance(rng: random.Random) -> MigrationVersion | None:
    return _parsed(f"mc1 {_fields(rng, KEYS)}".rstrip() + "\n", parse_version)  # type: ignore[return-value]


def _plain(source: MigrationVersion, target: CompatibleDevices, context: Context) -> tuple[Answer, int | None]:
    answer = Answer.INCOMPATIBLE
    for index, rule in enumerate(target.rules):
        truth = rule_truth(rule, source, context)
        if truth is True:
            return Answer.COMPATIBLE, index
        if truth is None:
            answer = Answer.UNKNOWN
    return answer, None


def _plain_nearest(source: MigrationVersion, target: CompatibleDevices, context: Context) -> list[int]:
    counts = [rule_counts(rule, source, context) for rule in target.rules]
    clean = [index for index, (failed, _) in enumerate(counts) if failed == 0]
    if clean:
        fewest = min(counts[index][1] for index in clean)
        return [index for index in clean if counts[index][1] == fewest]
    fewest = min(failed for failed, _ in counts)
    return [index for index, (failed, _) in enumerate(counts) if failed == fewest]


@settings(max_examples=examples(150), deadline=None)
@given(st.randoms(use_true_random=False))
def test_compiled_evaluator_agrees_with_the_plain_one(rng: random.Random) -> None:
    target = _parsed(_rules(rng, rng.randint(1, 12)), parse_compatible)
    if not isinstance(target, CompatibleDevices):
        return
    own = _instance(rng) if rng.random() < 0.7 else None
    context = Context(target.defaults, own_values(own))
    compiled = compile_rules(target, own_values(own))
    for _ in range(20):
        source = _instance(rng)
        if source is None:
            continue
        expected = _plain(source, target, context)
        assert compiled.decide(source) == expected, (source, target, own)
        judged = compiled.judge(source, 3)
        assert judged[:2] == expected
        if expected[0] is Answer.COMPATIBLE:
            assert judged[2:] == ((), 0)
        if expected[0] is not Answer.COMPATIBLE and target.rules:
            assert compiled.explain(source, 3) == (judged[0], *judged[2:])
            answer, chosen = compiled.nearest(source)
            assert answer is expected[0]
            assert chosen == _plain_nearest(source, target, context)
            answer, outcomes, more = compiled.explain(source, 3)
            assert [o.index for o in outcomes] == chosen[:3] and more == len(chosen) - len(outcomes)
            assert list(outcomes) == [evaluate_rule(i, target.rules[i], source, context) for i in chosen[:3]]


@settings(max_examples=examples(60), deadline=None)
@given(st.randoms(use_true_random=False))
def test_one_rule_set_compiled_for_many_own_values_agrees_with_the_plain_one(rng: random.Random) -> None:
    """A fleet's devices share a rule set and differ in their own values: the part compiled once per rule set
    (the constraints without ``$``) is reused for each, and each device still decides as the plain evaluator."""
    target = _parsed(_rules(rng, rng.randint(1, 12)), parse_compatible)
    if not isinstance(target, CompatibleDevices):
        return
    sources = [source for source in (_instance(rng) for _ in range(8)) if source is not None]
    for _ in range(6):
        own = _instance(rng)
        context = Context(target.defaults, own_values(own))
        compiled = compile_rules(target, own_values(own))
        for source in sources:
            expected = _plain(source, target, context)
            assert compiled.decide(source) == expected, (source, target, own)
            if expected[0] is not Answer.COMPATIBLE and target.rules:
                assert compiled.nearest(source) == (expected[0], _plain_nearest(source, target, context))


INDEXED_RULES = """mc1
accept f<={p,q}
accept f<={}
accept f>={}
accept f>={p} g=1
accept f>={p,q,r}
accept f<=$
accept f>=$ g=2
accept g=$|3
accept g=$..5 f<={q}
accept g=1..$|7
"""


@pytest.mark.parametrize("own", [None, "mc1 f={p} g=4\n", "mc1 f=p g=x\n", "mc1 g=1.0\n"])
def test_set_operands_and_self_without_a_value_are_indexed_as_the_plain_evaluator_decides(own: str | None) -> None:
    """Subset and superset operands indexed by member, and a ``$`` without a value (or of another type) making
    its rules undecided unless another alternative holds: every rule's truth, for sources of every kind."""
    target = parse_compatible(INDEXED_RULES)
    own_version = None if own is None else parse_version(own)
    context = Context(target.defaults, own_values(own_version))
    compiled = compile_rules(target, own_values(own_version))
    sources = ["mc1 h=0\n", "mc1 f={}\n", "mc1 f={p}\n", "mc1 f={q}\n", "mc1 f={p,q}\n", "mc1 f={p,q,r,s}\n"]
    sources += ["mc1 f=p\n", "mc1 f={r} g=1\n", "mc1 f={p} g=2\n", "mc1 g=3\n", "mc1 g=4 f={q}\n", "mc1 g=7\n"]
    for text in sources:
        source = parse_version(text)
        expected = _plain(source, target, context)
        assert compiled.decide(source) == expected, text
        truths = [rule_truth(rule, source, context) for rule in target.rules]
        failed, undecided = compiled.rule_masks(source)
        assert [failed >> i & 1 for i in range(len(truths))] == [truth is False for truth in truths], text
        assert [undecided >> i & 1 and not failed >> i & 1 for i in range(len(truths))] == [
            truth is None for truth in truths
        ], text


@given(st.lists(st.integers(0, (1 << 12) - 1), max_size=12), st.integers(1, (1 << 12) - 1))
def test_bit_sliced_minimum_counts_like_a_loop(masks: list[int], universe: int) -> None:
    counts = {i: sum(1 for m in masks if m >> i & 1) for i in range(12) if universe >> i & 1}
    fewest = min(counts.values())
    assert minimum(masks, universe) == sum(1 << i for i, c in counts.items() if c == fewest)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [("1.0", "1.0.0", True), ("1.0.1", "1.0", False), ("1", "1.0", False), ("1/2", "1/2", True), ("x", "{x}", False)],
)
def test_match_key_is_matching(a: str, b: str, same: bool) -> None:
    va, vb = (parse_version(f"mc1 k={text}\n").fields["k"].value for text in (a, b))
    assert equivalent(va, vb) is same
    assert (match_key(va) == match_key(vb)) is same
    if same and type(va) is type(vb) and not isinstance(va, (str, frozenset)):
        assert compare(va, vb) == 0  # type: ignore[arg-type]


# ---- templates against brute force -------------------------------------------------------------


def _template(rng: random.Random) -> str:
    lines = ["mc1 v.fixed=1"]
    taken = ["v.fixed"]
    for parameter in rng.sample(["p", "q", "aggregate"], rng.randint(1, 3)):
        taken.append(parameter)
        keys = [key for key in ("v.a", "v.b", "v.c", "aggregate", "features") if key not in taken]
        mine = rng.sample(keys, rng.randint(0, min(2, len(keys))))
        taken += mine
        values = rng.sample(["1", "2", "3"], rng.randint(1, 3))
        kinds = {key: rng.choice(list(CONSTANTS)) for key in mine}  # one type a key, so values repeat and order
        for value in values:
            sets = " ".join(f"{key}={rng.choice(CONSTANTS[kinds[key]])}" for key in sorted(mine) if rng.random() < 0.85)
            lines.append(f"param {parameter}={value} {sets}".rstrip())
    return "\n".join(lines) + "\n"


def _near_device(rng: random.Random, template: MigrationVersion) -> MigrationVersion | None:
    """A device of *template* for a random choice, with a field sometimes dropped or changed."""
    choice = {p.name: rng.choice(p.lines).value for p in parameters_of(template)}
    fields = dict(device_for(template, choice).fields)
    if fields and rng.random() < 0.5:
        key = rng.choice(sorted(fields))
        if rng.random() < 0.5:
            del fields[key]
        else:
            fields[key] = Field(parse_version(f"mc1 k={_value(rng)}\n").fields["k"].value, fields[key].critical)
    return MigrationVersion(fields)


def _self_rule(rng: random.Random, source: MigrationVersion) -> str:
    """A rule over the source's keys, mostly through ``$``."""
    items = []
    for key, entry in sorted(source.fields.items()):
        form = rng.random()
        if form < 0.5:
            items.append(f"{key}=$")
        elif form < 0.7 and not isinstance(entry.value, (str, frozenset)):
            items.append(f"{key}=..$")
        elif form < 0.8 and isinstance(entry.value, frozenset):
            items.append(f"{key}<=$")
        else:
            items.append(f"{key}={value_text(entry.value)}")
    return "accept " + " ".join(items) + "\n"


def _configuration(version: MigrationVersion) -> dict[str, Field]:
    """The fields of *version* but those set aside: critical, with the key's registry default (clause 8.2)."""
    return {
        key: entry
        for key, entry in version.fields.items()
        if not (entry.critical and registry_default(key) is not None and equivalent(entry.value, registry_default(key)))  # type: ignore[arg-type]
    }


def _choices(template: MigrationVersion) -> list[dict[str, Value]]:
    parameters = parameters_of(template)
    return [
        {p.name: line.value for p, line in zip(parameters, combo, strict=True)}
        for combo in itertools.product(*(p.lines for p in parameters))
    ]


@settings(max_examples=examples(200), deadline=None)
@given(st.randoms(use_true_random=False))
def test_type_verdict_agrees_with_every_choice_enumerated(rng: random.Random) -> None:
    template = _parsed(_template(rng), parse_version)
    target = _parsed(_rules(rng, rng.randint(1, 4)).replace("accept", "accept", 1), parse_compatible)
    if not isinstance(template, MigrationVersion) or not isinstance(target, CompatibleDevices):
        return
    source = _instance(rng) if rng.random() < 0.4 else _near_device(rng, template)
    if source is None:
        return
    if rng.random() < 0.6:
        target = _parsed(emit(target) + _self_rule(rng, source), parse_compatible)
        assert isinstance(target, CompatibleDevices)
    outcomes = [(choice, accepts(source, target, device_for(template, choice))) for choice in _choices(template)]
    answers = {answer for _, answer in outcomes}
    expected = next(a for a in (Answer.COMPATIBLE, Answer.UNKNOWN, Answer.INCOMPATIBLE) if a in answers)
    verdict = check(source, target, template)
    assert verdict.answer is expected
    assert accepts(source, target, template) is expected
    assert verdict.choice is not None
    assert set(verdict.choice) == {p.name for p in parameters_of(template)}
    if expected is Answer.COMPATIBLE:
        first = next(choice for choice, answer in outcomes if answer is Answer.COMPATIBLE)
        mine = _configuration(source)
        same = [c for c, a in outcomes if a is Answer.COMPATIBLE and _configuration(device_for(template, c)) == mine]
        # The identical configuration wins (8.5); otherwise the first accepting choice in clause 8.6 order.
        assert dict(verdict.choice) == (same[0] if same else first)
        assert (verdict.grade is Grade.IDENTICAL) == bool(same)
        device = device_for(template, verdict.choice)
        assert verdict.matched == check(source, target, device).matched
        result = plan(source, template, target)
        working = {p.name: set(p.working) for p in result.parameters}
        accepted = [choice for choice, answer in outcomes if answer is Answer.COMPATIBLE]
        for name in working:
            assert working[name] == {choice[name] for choice in accepted}
        covered = [
            choice
            for choice in _choices(template)
            if any(all(choice[n] in vs for n, vs in c.values.items()) for c in result.combinations)
        ]
        assert covered == accepted


@settings(max_examples=examples(60), deadline=None)
@given(st.randoms(use_true_random=False))
def test_accepts_against_a_type_keeps_its_compiled_rules_right_for_many_sources(rng: random.Random) -> None:
    """One type and rule set, many sources: ``accepts`` reuses the rules compiled against the type and the
    outcomes it kept per parameter (sources that share a parameter's keys), and still answers as the
    per-parameter decision made afresh (itself held to brute force above)."""
    template = _parsed(_template(rng), parse_version)
    target = _parsed(_rules(rng, rng.randint(1, 4)), parse_compatible)
    if not isinstance(template, MigrationVersion) or not isinstance(target, CompatibleDevices):
        return
    first = _near_device(rng, template)
    if first is not None and rng.random() < 0.6:
        target = _parsed(emit(target) + _self_rule(rng, first), parse_compatible)
        assert isinstance(target, CompatibleDevices)
    for _ in range(40):
        source = _instance(rng) if rng.random() < 0.3 else _near_device(rng, template)
        if source is not None:
            assert accepts(source, target, template) is decide_type(source, target, template).answer


# ---- reproducers ---------------------------------------------------------------------------------


def test_a_self_range_end_of_a_token_is_a_type_mismatch_not_a_crash() -> None:
    source = parse_version("mc1 a=x\n")
    verdict = check(source, parse_compatible("mc1\naccept a=$..\n"), source)
    assert verdict.answer is Answer.INCOMPATIBLE
    assert [reason.code for reason in verdict.reasons] == ["type-mismatch"]


def test_check_against_a_type_reports_the_choice() -> None:
    template = parse_version("mc1 a=b\nparam p=1 x=1\nparam p=2 x=2\n")
    verdict = check(parse_version("mc1 x=2\n"), parse_compatible("mc1\naccept x=$\n"), template)
    assert verdict.answer is Answer.COMPATIBLE
    assert verdict.choice == {"p": 2}
    assert verdict.to_json()["choice"] == {"p": "2"}
    assert "p=2" in verdict.summary()


def _wide_template(parameters: int, values: int = 2) -> MigrationVersion:
    lines = ["mc1 device_api=vfio-pci driver=x"]
    for index in range(parameters):
        lines += [f"param v.p{index:02}={value} v.k{index:02}={value}" for value in range(1, values + 1)]
    return parse_version("\n".join(lines) + "\n")


def test_a_template_of_sixteen_parameters_read_through_self_is_decided_per_parameter() -> None:
    template = _wide_template(16)
    rules = parse_compatible(
        "mc1\naccept device_api=vfio-pci driver=x " + " ".join(f"v.k{i:02}=$ v.p{i:02}=1..2" for i in range(16)) + "\n"
    )
    source = parse_version(
        "mc1 device_api=vfio-pci driver=x " + " ".join(f"v.k{i:02}={1 + i % 2} v.p{i:02}=1" for i in range(16)) + "\n"
    )
    started = time.perf_counter()
    verdict = check(source, rules, template)
    result = plan(source, template, rules)
    elapsed = time.perf_counter() - started
    assert verdict.answer is Answer.COMPATIBLE
    assert verdict.choice == {f"v.p{i:02}": 1 + i % 2 for i in range(16)}
    assert len(result.explain()) < 4000  # one line per parameter, not one per combination
    assert elapsed < bound(5)  # a guard against the product (65,536 choices), not a speed test


def test_an_explained_rule_lists_at_most_sixteen_reasons_a_failing_one_among_them() -> None:
    keys = [f"v.k{i:02}" for i in range(20)]
    rules = parse_compatible("mc1\naccept " + " ".join(f"{key}=$" for key in keys) + " v.z=1\n")
    source = parse_version("mc1 " + " ".join(f"{key}=1" for key in keys) + " v.z=2\n")
    verdict = check(source, rules)  # no own values: 20 undecided constraints, then v.z fails
    [outcome] = verdict.nearest
    assert len(outcome.reasons) == 16 and outcome.more_reasons == 5
    assert not outcome.undecided and verdict.answer is Answer.INCOMPATIBLE
    assert outcome.reasons[-1].code == "not-equal" and outcome.reasons[-1].field == "v.z"
    assert "    - and 5 more" in verdict.explain().splitlines()


@settings(max_examples=examples(60), deadline=None)
@given(version_models())
def test_the_covering_devices_are_the_devices_of_the_covering_choices(template: MigrationVersion) -> None:
    # covering_devices swaps one parameter's line into the first device; device_for walks every param line.
    expected = [(choice, varied, device_for(template, choice)) for choice, varied in covering_choices(template)]
    found = covering_devices(template)
    assert found == expected
    assert [hash(device) for _, _, device in found] == [hash(device) for _, _, device in expected]
