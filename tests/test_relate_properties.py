"""Properties of verdicts and rule-set relations (clause 8): directionality, symmetry, agreement, monotonicity."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from migcompat.compare import accepts, check
from migcompat.model import CompatibleDevices, Equals, Field, MigrationVersion, Range, Rule, Subset, Version
from migcompat.relate import Relation, agrees_with_verdicts, relate
from migcompat.verdict import Answer
from strategies import examples

# A small world so that generated sources and rules meet often. Vendor keys, so that the
# registry's types and forms (which relate() honours) do not constrain the generated data.
KEYS = ["x.driver", "x.stream_version", "x.features", "x.share", "gvt.mode"]
TOKENS = ["i915", "nvidia", "mlx5"]
MEMBERS = ["a", "b", "c"]
versions = st.builds(lambda a, b: Version((a, b)), st.integers(1, 3), st.integers(0, 4))
member_sets = st.frozensets(st.sampled_from(MEMBERS))


def values_for(key: str) -> st.SearchStrategy[object]:
    return {
        "x.driver": st.sampled_from(TOKENS),
        "x.stream_version": versions,
        "x.features": member_sets,
        "x.share": st.sampled_from([1, 2, 4]),
        "gvt.mode": st.sampled_from(TOKENS) | st.integers(0, 3),
    }[key]


@st.composite
def sources(draw: st.DrawFn) -> MigrationVersion:
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, unique=True))
    return MigrationVersion({k: Field(draw(values_for(k)), draw(st.booleans())) for k in keys})  # type: ignore[arg-type]


@st.composite
def constraints(draw: st.DrawFn, key: str) -> object:
    if key == "x.features":
        if draw(st.booleans()):
            return Subset(draw(member_sets))
        return Equals(tuple(draw(st.lists(member_sets, min_size=1, max_size=2, unique=True))))
    if key == "x.stream_version":
        low, high = sorted([draw(versions), draw(versions)], key=lambda v: v.padded())
        return Equals((draw(st.sampled_from([Range(low, high), Range(low, None), Range(None, high), low])),))
    if key == "x.share":
        return Equals(tuple(draw(st.lists(st.sampled_from([1, 2, 4]), min_size=1, max_size=3, unique=True))))
    return Equals(tuple(draw(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=2, unique=True))))


@st.composite
def rule_sets(draw: st.DrawFn) -> CompatibleDevices:
    rules = []
    for _ in range(draw(st.integers(0, 3))):
        keys = draw(st.lists(st.sampled_from(KEYS), unique=True))
        rules.append(Rule({k: draw(constraints(k)) for k in keys}))  # type: ignore[misc]
    defaults = {}
    if draw(st.booleans()):
        defaults["gvt.mode"] = draw(st.sampled_from(TOKENS))
    return CompatibleDevices(tuple(rules), defaults)


def accepted(source: MigrationVersion, rules: CompatibleDevices) -> bool:
    return accepts(source, rules) is Answer.COMPATIBLE


@given(rule_sets(), rule_sets())
def test_relation_is_antisymmetric(a: CompatibleDevices, b: CompatibleDevices) -> None:
    forward, backward = relate(a, b).relation, relate(b, a).relation
    mirror = {
        Relation.EQUAL: Relation.EQUAL,
        Relation.SUBSET: Relation.SUPERSET,
        Relation.SUPERSET: Relation.SUBSET,
        Relation.DISJOINT: Relation.DISJOINT,
        Relation.OVERLAP: Relation.OVERLAP,
    }
    assert backward is mirror[forward]


@given(rule_sets(), rule_sets())
def test_relation_witnesses_get_the_verdicts_they_claim(a: CompatibleDevices, b: CompatibleDevices) -> None:
    assert agrees_with_verdicts(relate(a, b), a, b)


@settings(max_examples=examples(60))
@given(rule_sets(), rule_sets(), st.lists(sources(), min_size=1, max_size=25))
def test_relation_agrees_with_verdicts_on_generated_sources(
    a: CompatibleDevices, b: CompatibleDevices, probes: list[MigrationVersion]
) -> None:
    relation = relate(a, b).relation
    for source in probes:
        in_a, in_b = accepted(source, a), accepted(source, b)
        if relation in (Relation.EQUAL, Relation.SUBSET):
            assert not in_a or in_b
        if relation in (Relation.EQUAL, Relation.SUPERSET):
            assert not in_b or in_a
        if relation is Relation.DISJOINT:
            assert not (in_a and in_b)


@given(rule_sets())
def test_every_rule_set_equals_itself(a: CompatibleDevices) -> None:
    assert relate(a, a).relation is Relation.EQUAL


@given(rule_sets(), st.lists(sources(), min_size=1, max_size=10), st.data())
def test_adding_a_rule_never_removes_an_accepted_source(
    a: CompatibleDevices, probes: list[MigrationVersion], data: st.DataObject
) -> None:
    extra = data.draw(rule_sets())
    assume(extra.rules)
    grown = CompatibleDevices(a.rules + extra.rules[:1], a.defaults)
    for source in probes:
        if accepted(source, a):
            assert accepted(source, grown)
    assert relate(a, grown).relation in (Relation.EQUAL, Relation.SUBSET)


@given(sources(), versions, versions)
def test_verdicts_are_directional_never_assumed_symmetric(base: MigrationVersion, one: Version, two: Version) -> None:
    """Devices that accept "my stream version or older": the older migrates to the newer, never back."""
    assume(one.padded() != two.padded())
    old, new = sorted([one, two], key=Version.padded)

    def device(version: Version) -> tuple[MigrationVersion, CompatibleDevices]:
        fields = {**base.fields, "x.stream_version": Field(version, True)}
        constraints = {key: Equals((field.value,)) for key, field in fields.items() if key != "x.stream_version"}
        constraints["x.stream_version"] = Equals((Range(None, version),))
        return MigrationVersion(fields), CompatibleDevices((Rule(constraints),))  # type: ignore[arg-type]

    (a, a_rules), (b, b_rules) = device(old), device(new)
    assert check(a, b_rules).answer is Answer.COMPATIBLE
    assert check(b, a_rules).answer is Answer.INCOMPATIBLE
    assert relate(a_rules, b_rules).relation is Relation.SUBSET


@given(sources(), rule_sets())
def test_accepts_and_check_agree(source: MigrationVersion, rules: CompatibleDevices) -> None:
    verdict = check(source, rules)
    assert accepts(source, rules) is verdict.answer
    if verdict.answer is Answer.INCOMPATIBLE and rules.rules:
        assert verdict.reasons
        assert all(reason.field is None or reason.message for reason in verdict.reasons)


def test_relations_range_over_sources_a_conforming_emitter_can_write() -> None:
    """features is a critical set in the registry: an ignorable or non-set features is no valid source."""
    from migcompat import parse_compatible

    only_sets = parse_compatible("mc1\ndefault features={}\naccept driver=x features<={a}\n")
    anything = parse_compatible("mc1\naccept driver=x\n")
    result = relate(only_sets, anything)
    # 'anything' accepts only sources without features (a critical key it does not constrain), or with
    # features={}, its registry default, which needs no rule (spec 1.1, clause 8.2).
    assert result.relation is Relation.SUPERSET
    assert result.only_first is not None
    assert result.only_first.fields["features"] == Field(frozenset({"a"}), True)
