"""The fleet index answers exactly what check() answers, pair by pair (differential, Hypothesis).

Fleets are drawn from a small vocabulary so that sources are often accepted:
a few drivers and types, an opaque ``legacy`` token, integers (``aggregate``,
with its registry default), versions
(``1.0`` and ``1.0.0`` among them), ratios and feature sets (``features``, default the empty set), constraints of
every operator with ``$``, ranges, defaults, ignorable fields, and device
types with parameters. The adversarial fleets give every device a rule set
that reads ``$`` on a key whose own value is different on every device, so
that no two devices' rules mean the same.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migcompat.compare import check
from migcompat.fleet.classes import class_id, source_classes
from migcompat.fleet.index import FleetIndex, linear_scan, rank
from migcompat.fleet.inventory import Provider
from migcompat.model import (
    SELF,
    CompatibleDevices,
    Constraint,
    Equals,
    Field,
    MigrationVersion,
    Param,
    Range,
    Ratio,
    Rule,
    Subset,
    Superset,
    Value,
    Version,
)
from migcompat.parse import parse_compatible, parse_version
from migcompat.verdict import Answer, Grade
from strategies import examples

POOLS: dict[str, list[Value]] = {
    "driver": ["drv_a", "drv_b"],
    "type": ["t1", "t2", "t3"],
    "legacy": ["L0", "L1", "L2"],
    "aggregate": [1, 2, 3, 4],
    "sv": [Version((1, 0)), Version((1, 0, 0)), Version((1, 1)), Version((2, 0))],
    "share": [Ratio(1, 2), Ratio(1, 1)],
    "features": [frozenset(), frozenset({"x"}), frozenset({"x", "y"}), frozenset({"y", "z"})],
}
ORDERED = {"aggregate", "sv", "share"}


@st.composite
def instances(draw: st.DrawFn) -> MigrationVersion:
    fields = {}
    for key, pool in POOLS.items():
        if key == "driver" or draw(st.booleans()):
            fields[key] = Field(draw(st.sampled_from(pool)), draw(st.integers(0, 3)) > 0)
    return MigrationVersion(fields)


@st.composite
def constraints(draw: st.DrawFn, key: str) -> Constraint:
    pool = POOLS[key]
    if key == "features":
        operand = draw(st.sampled_from([SELF, *pool]))
        kind = draw(st.sampled_from([Subset, Superset, Equals]))
        if kind is Equals:
            return Equals((draw(st.sampled_from(pool)),))
        return kind(operand)  # type: ignore[no-any-return]
    options: list[object] = [*pool, SELF]
    if key in ORDERED:
        low = draw(st.sampled_from([None, SELF, *pool]))
        high = draw(st.sampled_from([SELF, *pool]) if low is None else st.sampled_from([None, SELF, *pool]))
        if low is not None and high is not None and low is not SELF and high is not SELF:
            from migcompat.semantics.values import compare

            if compare(low, high) > 0:  # type: ignore[arg-type]
                low, high = high, low
        options.append(Range(low, high))  # type: ignore[arg-type]
    chosen = draw(st.lists(st.sampled_from(options), min_size=1, max_size=3, unique=True))
    return Equals(tuple(chosen))  # type: ignore[arg-type]


@st.composite
def rule_sets(draw: st.DrawFn) -> CompatibleDevices:
    rules = []
    for _ in range(draw(st.integers(0, 4))):
        keys = draw(st.lists(st.sampled_from(sorted(POOLS)), max_size=5, unique=True))
        rules.append(Rule({key: draw(constraints(key)) for key in keys}))
    defaults = {}
    for key in draw(st.lists(st.sampled_from(sorted(POOLS)), max_size=4, unique=True)):
        defaults[key] = draw(st.sampled_from(POOLS[key]))
    return CompatibleDevices(tuple(rules), defaults)


@st.composite
def templates(draw: st.DrawFn) -> MigrationVersion:
    fixed = draw(instances())
    fields = {key: entry for key, entry in fixed.fields.items() if key not in ("aggregate", "share")}
    params = []
    for value in draw(st.lists(st.sampled_from([1, 2, 3, 4]), min_size=1, max_size=3, unique=True)):
        extra = {"share": Field(draw(st.sampled_from(POOLS["share"])))} if draw(st.booleans()) else {}
        params.append(Param("aggregate", value, draw(st.booleans()), extra))
    return MigrationVersion(fields, tuple(params))


@st.composite
def fleets(draw: st.DrawFn) -> list[Provider]:
    """A fleet of a few hosts: shared rule sets (as drivers ship them), some per-device ones, some types."""
    shared = draw(st.lists(rule_sets(), min_size=1, max_size=4))
    providers = []
    for number in range(draw(st.integers(1, 25))):
        host = f"h{draw(st.integers(0, 5))}"
        rules = draw(st.sampled_from(shared) | rule_sets())
        if draw(st.integers(0, 4)) == 0:
            version = draw(templates())
            kind = "type"
        else:
            version = draw(instances())
            kind = "device"
        providers.append(Provider(host, f"p{number}", kind, f"bus/x/{number}", version, rules, None))
    return providers


@st.composite
def adversarial_fleets(draw: st.DrawFn) -> list[Provider]:
    """Every device reads ``$`` on a key whose own value is its own: no two devices' rules mean the same."""
    base = draw(instances())
    extra = draw(rule_sets())
    rules = CompatibleDevices(
        (
            Rule(
                {
                    "driver": Equals((base.fields["driver"].value,)),
                    "legacy": Equals((SELF,)),
                    "aggregate": Equals((Range(None, SELF),)),
                }
            ),
            *extra.rules,
        ),
        extra.defaults,
    )
    providers = []
    for number in range(draw(st.integers(2, 30))):
        fields = dict(base.fields)
        fields["legacy"] = Field(f"L{draw(st.integers(0, 6))}x{number % 7}")
        fields["aggregate"] = Field(draw(st.sampled_from([1, 2, 3, 4])))
        providers.append(
            Provider(f"h{number % 3}", f"p{number}", "device", f"bus/x/{number}", MigrationVersion(fields), rules, None)
        )
    return providers


def _answers(found: list[tuple[Provider, object]]) -> dict[str, object]:
    return {provider.ident: verdict for provider, verdict in found}


def _assert_agrees(providers: list[Provider], sources: list[MigrationVersion]) -> None:
    index = FleetIndex.build(providers)
    for source in sources:
        # check() on every pair: the verdict of each provider that accepts the source.
        verdicts = {p.ident: check(source, p.rules, p.version) for p in providers}
        expected = {ident: verdict for ident, verdict in verdicts.items() if verdict.answer is Answer.COMPATIBLE}
        assert _answers(linear_scan(providers, source)) == expected  # type: ignore[arg-type]
        assert _answers(index.accepting(source)) == expected  # type: ignore[arg-type]
        assert _answers(index.accepting(source)) == expected  # type: ignore[arg-type]  # from the cache
    # The bulk answer for exports: every provider against every class of the fleet's sources, as check() says.
    classes = source_classes(providers)
    for provider, accepted in index.acceptance():
        got = {item.id: verdict for item, verdict in accepted}
        want = {}
        for item in classes:
            verdict = check(item.version, provider.rules, provider.version)
            if verdict.answer is Answer.COMPATIBLE:
                want[item.id] = verdict
        assert got == want
        assert index.classes_accepted(provider) == accepted
    # The bulk answer by position, as the exports ask it, with sources the fleet does not have among them.
    versions = [item.version for item in classes] + list(sources)
    for provider, positions in index.accepted_sources(versions):
        want_positions = tuple(
            i
            for i, version in enumerate(versions)
            if not version.params and check(version, provider.rules, provider.version).answer is Answer.COMPATIBLE
        )
        assert positions == want_positions


@settings(max_examples=examples(30))
@given(fleets(), st.lists(instances(), max_size=4))
def test_index_equals_linear_scan_equals_check(providers: list[Provider], extra: list[MigrationVersion]) -> None:
    sources = [p.version for p in providers if p.kind == "device"] + extra
    _assert_agrees(providers, sources)


@settings(max_examples=examples(25))
@given(adversarial_fleets(), st.lists(instances(), max_size=3))
def test_index_equals_check_when_every_device_rules_differ(
    providers: list[Provider], extra: list[MigrationVersion]
) -> None:
    sources = [p.version for p in providers] + extra
    _assert_agrees(providers, sources)


def test_adversarial_candidates_are_pruned() -> None:
    rules = parse_compatible("mc1\naccept driver=d legacy=$ q=..$\n")
    providers = [
        Provider(
            "h", f"p{n}", "device", f"x/{n}", parse_version(f"mc1 driver=d legacy=tok{n} q={n % 4 + 1}\n"), rules, None
        )
        for n in range(200)
    ]
    index = FleetIndex.build(providers)
    assert index.units == 200
    source = parse_version("mc1 driver=d legacy=tok17 q=1\n")
    assert index.candidate_units(source) == [17]
    assert _answers(index.accepting(source)) == _answers(linear_scan(providers, source))  # type: ignore[arg-type]
    assert [p.ident for p, _ in index.accepting(source)] == ["p17"]


def test_identical_grade_and_type_choice() -> None:
    rules = parse_compatible("mc1\naccept driver=d q=..$\n")
    device = parse_version("mc1 driver=d q=2\n")
    template = parse_version("mc1 driver=d\nparam q=1\nparam q=2\nparam q=3\n")
    providers = [
        Provider("h1", "a", "device", "x/a", device, rules, "d"),
        Provider("h1", "b", "device", "x/b", parse_version("mc1 driver=d q=3\n"), rules, "d"),
        Provider("h2", "t", "type", "x/t", template, rules, "d"),
    ]
    index = FleetIndex.build(providers)
    found = {p.ident: v for p, v in index.accepting(device)}
    assert found["a"].grade is Grade.IDENTICAL
    assert found["b"].grade is Grade.ACCEPTED
    assert found["t"].choice == {"q": 2}
    assert [p.ident for p, _ in rank(index.accepting(device))] == ["a", "b", "t"]
    # A type that had no instance left when captured comes after the types that can still create one.
    full = Provider("h0", "f", "type", "x/f", template, rules, "d", available_instances=0)
    free = Provider("h9", "g", "type", "x/g", template, rules, "d", available_instances=2)
    found_types = FleetIndex.build([full, *providers, free]).accepting(device)
    assert [p.ident for p, _ in rank(found_types)] == ["a", "b", "t", "g", "f"]
    # A template is not a source: nothing accepts it.
    assert index.accepting(template) == []


def test_class_id_is_stable_and_canonical() -> None:
    one = parse_version("mc1 driver=d q=2\n")
    assert class_id(one) == class_id(parse_version("mc1 q=2 driver=d\n"))
    assert class_id(one) != class_id(parse_version("mc1 driver=d q=3\n"))
    assert len(class_id(one)) == 32 and class_id(one) == class_id(one).upper()
    assert set(class_id(one)) <= set("0123456789ABCDEF")


def test_identical_grade_sets_aside_registry_defaults() -> None:
    """``aggregate=1`` written or left out: one configuration, so IDENTICAL either way (8.2, 8.8-GR1)."""
    rules = parse_compatible("mc1\naccept driver=d\n")
    written = parse_version("mc1 aggregate=1 driver=d\n")
    omitted = parse_version("mc1 driver=d\n")
    ignorable = parse_version("mc1 ~aggregate=1 driver=d\n")
    providers = [
        Provider("h", "w", "device", "x/w", written, rules, "d"),
        Provider("h", "o", "device", "x/o", omitted, rules, "d"),
        Provider("h", "i", "device", "x/i", ignorable, rules, "d"),
    ]
    index = FleetIndex.build(providers)
    for source in (written, omitted):
        grades = {p.ident: v.grade for p, v in index.accepting(source)}
        assert grades == {"w": Grade.IDENTICAL, "o": Grade.IDENTICAL, "i": Grade.ACCEPTED}
        assert grades == {p.ident: check(source, p.rules, p.version).grade for p in providers}
    by_class = {p.ident: {item.version: v.grade for item, v in accepted} for p, accepted in index.acceptance()}
    assert by_class["o"][written] is Grade.IDENTICAL and by_class["w"][omitted] is Grade.IDENTICAL
    assert by_class["i"][written] is Grade.ACCEPTED


def _cache_fleet() -> tuple[list[Provider], list[MigrationVersion]]:
    rules = parse_compatible("mc1\naccept driver=d q=1..4\naccept driver=d q=..$\n")
    providers = [
        Provider(f"h{n % 5}", f"p{n}", "device", f"x/{n}", parse_version(f"mc1 driver=d q={n % 9}\n"), rules, "d")
        for n in range(60)
    ]
    sources = [parse_version(f"mc1 driver=d q={q} ~serial=s{n}\n") for n in range(40) for q in range(6)]
    return providers, sources


@pytest.mark.slow  # about 15 s: keeps the default run within two minutes; .ci/run runs it
def test_index_queried_from_threads_keeps_its_cache_consistent() -> None:
    """Eight threads ask one index with small caches the same sources in the same order, switching often.

    They miss the same source at the same time, so without the lock one
    thread's eviction removes what another is moving (KeyError) or the pair
    count drifts; each of three trials caught that about three times in four.
    """
    import sys
    import threading

    providers, sources = _cache_fleet()
    expected = {source: _answers(linear_scan(providers, source)) for source in sources}
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(3):
            index = FleetIndex.build(providers, max_cached_classes=7, max_cached_pairs=90)
            failures: list[BaseException] = []

            def work(index: FleetIndex = index, failures: list[BaseException] = failures) -> None:
                try:
                    for round_ in range(10):
                        for position in range(len(sources)):
                            source = sources[(position + round_) % len(sources)]
                            assert _answers(index.accepting(source)) == expected[source]
                except BaseException as error:
                    failures.append(error)

            threads = [threading.Thread(target=work) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert failures == []
            assert len(index._cache) <= 7
            assert index._flat_pairs == sum(len(pairs) for pairs in index._flat.values()) <= 90
    finally:
        sys.setswitchinterval(interval)


def test_index_cache_bounds_and_clearing() -> None:
    providers, sources = _cache_fleet()
    index = FleetIndex.build(providers, max_cached_classes=3, max_cached_pairs=1000)
    for source in sources[:10]:
        index.accepting(source)
    assert len(index._cache) == 3 and index._flat_pairs > 0
    index.clear_cache()
    assert len(index._cache) == 0 and index._flat_pairs == 0 and not index._flat
    assert _answers(index.accepting(sources[0])) == _answers(linear_scan(providers, sources[0]))
    for bad in (0, -1):
        with pytest.raises(ValueError, match="max_cached_classes must be at least 1"):
            FleetIndex.build(providers, max_cached_classes=bad)
    with pytest.raises(TypeError, match="max_cached_pairs"):
        FleetIndex.build(providers, max_cached_pairs="10")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="source"):
        index.verdicts(None)  # type: ignore[arg-type]


def test_a_fleet_of_more_rule_sets_than_the_cache_compiles_each_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The units keep their compiled rules: queries over 300 distinct rule sets (the process caches 256) do not
    compile them again, and every verdict is still check()'s."""
    import migcompat.compare

    providers = [_numbered(n, f"v.id={n}", f"v.id={n}|{n + 1}") for n in range(300)]
    index = FleetIndex.build(providers)
    source = parse_version("mc1 driver=d v.id=1000\n")
    first = [verdict for _, verdict in index.verdicts(source)]
    assert first == [check(source, p.rules, p.version) for p in providers]
    compiles = []
    original = migcompat.compare.compile_rules
    monkeypatch.setattr(migcompat.compare, "compile_rules", lambda *a: compiles.append(a) or original(*a))
    migcompat.compare.clear_cache()
    assert [verdict for _, verdict in index.verdicts(source)] == first
    assert [len(found) for found in (index.undecided(source), index.near_misses(source, 5))] == [0, 5]
    assert index.accepting(parse_version("mc1 driver=d v.id=7\n")) and not compiles


def test_a_template_source_is_undecided_on_every_unit_as_its_verdicts_say() -> None:
    """undecided()'s rule, "none accepts and this is not empty: the answer is not known", holds for a type."""
    index = FleetIndex.build([_numbered(n, f"n={n}", f"n={n}") for n in range(3)])
    template = parse_version("mc1 driver=d n=1\nparam p=1\n")
    undecided = index.undecided(template)
    assert undecided == list(index.verdicts(template))
    assert {verdict.reasons[0].code for _, verdict in undecided} == {"source-is-template"}
    assert not index.accepting(template)


def _numbered(n: int, field: str, constraint: str) -> Provider:
    """Device *n* of host h: driver d and *field*, accepting driver d and *constraint*."""
    return Provider(
        "h",
        f"p{n}",
        "device",
        f"x/{n}",
        parse_version(f"mc1 driver=d {field}\n"),
        parse_compatible(f"mc1\naccept driver=d {constraint}\n"),
        None,
    )
