"""Every kind of rule MISSION.md lists, in our format, decided both ways with the reasons named.

Kinds: exact identity, set membership, version ranges with open ends and
"same major, minor no less", capability sets, numeric limits, linked
parameters (type x aggregation), defaults for absent fields, and the opaque
legacy token. Plus the GVT-g UUID1/UUID2 case of the upstream discussion.
"""

from __future__ import annotations

import pytest

from migcompat import parse_compatible, parse_version
from migcompat.compare import accepts, check
from migcompat.plan import plan
from migcompat.verdict import Answer, Grade, Verdict

UUID1 = (
    "mc1 aggregate=1 device_api=vfio-pci driver=i915 gvt.interface_version=3 gvt.pv_mode={context,ppgtt}"
    " pci_id=8086:591d share=1/2 stream=gvt-gen9 type=i915-GVTg_V5_2\n"
)
UUID2 = (
    "mc1 aggregate=2 device_api=vfio-pci driver=i915 gvt.interface_version=1 pci_id=8086:591d share=1/2"
    " stream=gvt-gen9 type=i915-GVTg_V5_4\n"
)
TYPES = "i915-GVTg_V5_1|i915-GVTg_V5_2|i915-GVTg_V5_4|i915-GVTg_V5_8"
UUID1_RULES = (
    "mc1\ndefault gvt.pv_mode={}\n"
    "accept aggregate=1..8 device_api=vfio-pci driver=i915 gvt.interface_version=2..3 gvt.pv_mode<={context,ppgtt}"
    f" pci_id=8086:591d share=1/2 stream=gvt-gen9 type={TYPES}\n"
    "accept aggregate=1..8 device_api=vfio-pci driver=i915 gvt.interface_version=1 gvt.pv_mode={}"
    f" pci_id=8086:591d share=1/2 stream=gvt-gen9 type={TYPES}\n"
)
UUID2_RULES = (
    "mc1\naccept aggregate=1..8 device_api=vfio-pci driver=i915 gvt.interface_version=1 pci_id=8086:591d"
    f" share=1/2 stream=gvt-gen9 type={TYPES}\n"
)


def verdict(source: str, rules: str, own: str | None = None) -> Verdict:
    result = check(parse_version(source), parse_compatible(rules), None if own is None else parse_version(own))
    assert accepts(parse_version(source), parse_compatible(rules), None if own is None else parse_version(own)) is (
        result.answer
    )
    return result


def codes(result: Verdict) -> dict[str | None, str]:
    return {reason.field: reason.code for reason in result.reasons}


def test_gvt_uuid2_migrates_to_uuid1() -> None:
    result = verdict(UUID2, UUID1_RULES, UUID1)
    assert result.answer is Answer.COMPATIBLE
    assert result.matched == 1  # the rule for interface version 1, pv_mode absent -> default {}
    assert result.grade is Grade.ACCEPTED


def test_gvt_uuid1_does_not_migrate_to_uuid2_and_says_why() -> None:
    result = verdict(UUID1, UUID2_RULES, UUID2)
    assert result.answer is Answer.INCOMPATIBLE
    assert codes(result) == {"gvt.interface_version": "not-equal", "gvt.pv_mode": "unconstrained-critical"}
    text = result.explain()
    assert "gvt.interface_version 3 is not 1" in text
    assert "gvt.pv_mode={context,ppgtt} is not constrained" in text


def test_a_device_accepts_itself_identically() -> None:
    result = verdict(UUID1, UUID1_RULES, UUID1)
    assert (result.answer, result.grade) == (Answer.COMPATIBLE, Grade.IDENTICAL)


# ---- exact identity ------------------------------------------------------------------

IDENTITY_RULES = (
    "mc1\naccept device_api=vfio-pci driver=mlx5_vfio_pci pci_id=15b3:101e stream=mlx5 stream_version=1.0\n"
)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("device_api", "vfio-ccw", "not-equal"),
        ("driver", "mlx5_core", "not-equal"),
        ("pci_id", "15b3:1018", "not-equal"),
    ],
)
def test_exact_identity(field: str, value: str, code: str) -> None:
    fields = {
        "device_api": "vfio-pci",
        "driver": "mlx5_vfio_pci",
        "pci_id": "15b3:101e",
        "stream": "mlx5",
        "stream_version": "1.0",
    }
    good = "mc1 " + " ".join(f"{k}={v}" for k, v in fields.items()) + "\n"
    assert verdict(good, IDENTITY_RULES).answer is Answer.COMPATIBLE
    bad = "mc1 " + " ".join(f"{k}={value if k == field else v}" for k, v in fields.items()) + "\n"
    result = verdict(bad, IDENTITY_RULES)
    assert result.answer is Answer.INCOMPATIBLE
    assert codes(result) == {field: code}


# ---- set membership -----------------------------------------------------------------


def test_any_of_these_mdev_types() -> None:
    rules = f"mc1\naccept device_api=vfio-pci driver=i915 type={TYPES}\n"
    assert verdict("mc1 device_api=vfio-pci driver=i915 type=i915-GVTg_V5_4\n", rules).compatible
    result = verdict("mc1 device_api=vfio-pci driver=i915 type=i915-GVTg_V4_4\n", rules)
    assert codes(result) == {"type": "not-equal"}
    assert "is none of i915-GVTg_V5_1, i915-GVTg_V5_2" in result.reasons[0].message


# ---- version ranges ---------------------------------------------------------------------

RANGES = "mc1\naccept driver=nvidia stream=nvidia-vgpu stream_version=2.0.2..2.0.4|2.1.0..\n"


@pytest.mark.parametrize(
    ("version", "expected", "code"),
    [
        ("2.0.2", Answer.COMPATIBLE, None),
        ("2.0.4", Answer.COMPATIBLE, None),
        ("2.0.5", Answer.INCOMPATIBLE, "outside-ranges"),
        ("2.1", Answer.COMPATIBLE, None),  # 2.1 is 2.1.0: the open-ended range starts there
        ("7.3", Answer.COMPATIBLE, None),
        ("2.0.1", Answer.INCOMPATIBLE, "below-range"),
    ],
)
def test_version_ranges_with_open_ends(version: str, expected: Answer, code: str | None) -> None:
    """R9's example, 2.0.2-2.0.4,2.1.0- in the upstream notation."""
    result = verdict(f"mc1 driver=nvidia stream=nvidia-vgpu stream_version={version}\n", RANGES)
    assert result.answer is expected
    if code:
        assert codes(result) == {"stream_version": code}


def test_same_major_minor_no_less_with_self_reference() -> None:
    """A target at 1.4 accepts sources 1.0 up to its own version: `1.0..$`."""
    rules = "mc1\naccept driver=mtty stream=mtty stream_version=1.0..$\n"
    target = "mc1 driver=mtty stream=mtty stream_version=1.4\n"
    assert verdict("mc1 driver=mtty stream=mtty stream_version=1.3\n", rules, target).compatible
    newer = verdict("mc1 driver=mtty stream=mtty stream_version=1.5\n", rules, target)
    assert codes(newer) == {"stream_version": "above-range"}
    assert "stream_version 1.5 is above the accepted range 1.0..1.4" in newer.explain()
    other_major = verdict("mc1 driver=mtty stream=mtty stream_version=2.0\n", rules, target)
    assert other_major.answer is Answer.INCOMPATIBLE


# ---- capability sets ---------------------------------------------------------------------

CAPS = "mc1\ndefault features={}\naccept driver=virtio_vfio_pci features<={mq,rss,tso,vlan}\n"


def test_capability_sets_target_must_contain_every_source_feature() -> None:
    assert verdict("mc1 driver=virtio_vfio_pci features={mq,tso}\n", CAPS).compatible
    assert verdict("mc1 driver=virtio_vfio_pci\n", CAPS).compatible  # absent -> {} (R11)
    result = verdict("mc1 driver=virtio_vfio_pci features={mq,packed}\n", CAPS)
    assert codes(result) == {"features": "not-subset"}
    assert "{packed}" in result.reasons[0].message


def test_superset_requires_features() -> None:
    rules = "mc1\naccept driver=virtio_vfio_pci features>={mq}\n"
    result = verdict("mc1 driver=virtio_vfio_pci features={tso}\n", rules)
    assert codes(result) == {"features": "not-superset"}


# ---- numeric limits ------------------------------------------------------------------------


def test_numeric_limits_target_resource_at_least_the_source() -> None:
    rules = "mc1\naccept driver=mlx5_vfio_pci mlx5.max_queues=..$\n"
    target = "mc1 driver=mlx5_vfio_pci mlx5.max_queues=32\n"
    assert verdict("mc1 driver=mlx5_vfio_pci mlx5.max_queues=16\n", rules, target).compatible
    result = verdict("mc1 driver=mlx5_vfio_pci mlx5.max_queues=64\n", rules, target)
    assert codes(result) == {"mlx5.max_queues": "above-range"}
    unknown = verdict("mc1 driver=mlx5_vfio_pci mlx5.max_queues=16\n", rules)
    assert unknown.answer is Answer.UNKNOWN
    assert codes(unknown) == {"mlx5.max_queues": "missing-self"}


# ---- linked parameters ------------------------------------------------------------------------


def test_linked_parameters_type_and_aggregation_through_share() -> None:
    template = parse_version(
        "mc1 device_api=vfio-pci driver=i915 gvt.interface_version=3 pci_id=8086:591d stream=gvt-gen9"
        " type=i915-GVTg_V5_8\n"
        + "".join(f"param aggregate={k} share={s}\n" for k, s in [(1, "1/8"), (2, "1/4"), (4, "1/2"), (8, "1/1")])
    )
    rules = parse_compatible(
        "mc1\ndefault gvt.pv_mode={}\naccept aggregate=1..8 device_api=vfio-pci driver=i915"
        " gvt.interface_version=1..3 gvt.pv_mode<={context,ppgtt} pci_id=8086:591d share=$ stream=gvt-gen9"
        f" type={TYPES}\n"
    )
    result = plan(parse_version(UUID2), template, rules)
    assert result.answer is Answer.COMPATIBLE
    assert dict(result.choice) == {"aggregate": 4}
    assert [(p.name, p.working) for p in result.parameters] == [("aggregate", (4,))]
    assert check(parse_version(UUID2), rules, template).choice == {"aggregate": 4}
    whole = parse_version(UUID2.replace("share=1/2", "share=3/4"))
    assert plan(whole, template, rules).answer is Answer.INCOMPATIBLE


# ---- defaults --------------------------------------------------------------------------------------


def test_absent_field_takes_the_targets_default_and_missing_default_is_unknown() -> None:
    with_default = "mc1\ndefault gvt.pv_mode={}\naccept driver=i915 gvt.pv_mode={}\n"
    assert verdict("mc1 driver=i915\n", with_default).compatible
    without = "mc1\naccept driver=i915 gvt.pv_mode={}\n"
    result = verdict("mc1 driver=i915\n", without)
    assert result.answer is Answer.UNKNOWN
    assert codes(result) == {"gvt.pv_mode": "missing-field"}


def test_registry_default_applies_without_a_default_line() -> None:
    assert verdict("mc1 driver=i915\n", "mc1\naccept aggregate=1 driver=i915\n").compatible


# ---- legacy opaque token ------------------------------------------------------------------------


def test_opaque_legacy_token_compared_for_equality() -> None:
    rules = "mc1\naccept driver=acme legacy=acme-v3-8086-591d-f00d\n"
    assert verdict("mc1 driver=acme legacy=acme-v3-8086-591d-f00d\n", rules).compatible
    result = verdict("mc1 driver=acme legacy=acme-v3-8086-591d-beef\n", rules)
    assert codes(result) == {"legacy": "not-equal"}


# ---- criticality -----------------------------------------------------------------------------------


def test_ignorable_fields_may_go_unconstrained_critical_ones_may_not() -> None:
    rules = "mc1\naccept driver=nvidia name=GRID%20T4-2Q\n"
    assert verdict("mc1 driver=nvidia ~name=GRID%20T4-2Q ~type=nvidia-222\n", rules).compatible
    result = verdict("mc1 driver=nvidia ~name=GRID%20T4-2Q type=nvidia-222\n", rules)
    assert codes(result) == {"type": "unconstrained-critical"}


def test_no_rules_accepts_nothing() -> None:
    result = verdict("mc1 driver=i915\n", "mc1\n")
    assert result.answer is Answer.INCOMPATIBLE
    assert codes(result) == {None: "no-rules"}
    # No rule is nearest: the summary (what 'migcompat check' prints) is the one reason, not an empty rule list.
    assert result.nearest == ()
    assert result.summary() == "incompatible: the target's migration_compatible_devices has no accept rule"


# ---- $ and $N whose own value is of another type (review r19, mutation testing) --------------------------

PREFIX_TYPE = "mc1 driver=d\nparam mode=a acme.v=tok\nparam mode=b acme.v=tok2\n"
PREFIX_RULES = "mc1\naccept driver=d mode=* acme.v=$1\naccept driver=d mode=* acme.v=1.0\n"


def test_a_prefix_of_a_parameter_s_own_value_that_is_no_version_holds_for_nothing() -> None:
    """Row 8.1-PX3 against a type: under every choice the own value of acme.v is a token, so acme.v=$1 is false
    (not undecided) and the verdict is incompatible, explained under the first choice; check and plan agree with
    accepts (the type's compiled rules) instead of failing on the disagreement."""
    source = parse_version("mc1 driver=d mode=a acme.v=2.0\n")
    template, rules = parse_version(PREFIX_TYPE), parse_compatible(PREFIX_RULES)
    result = verdict("mc1 driver=d mode=a acme.v=2.0\n", PREFIX_RULES, PREFIX_TYPE)
    assert result.answer is Answer.INCOMPATIBLE
    assert result.choice == {"mode": "a"}
    assert [outcome.index for outcome in result.nearest] == [0, 1]
    mismatch = result.nearest[0].reasons[0]
    assert (mismatch.code, mismatch.field) == ("type-mismatch", "acme.v")
    assert mismatch.message == (
        "the rule compares acme.v with a prefix of the target's own acme.v (acme.v=$1),"
        " but the target's own value tok is not a version"
    )
    assert [reason.code for reason in result.nearest[1].reasons] == ["not-equal"]
    found = plan(source, template, rules)
    assert found.answer is Answer.INCOMPATIBLE
    assert found.choice == {"mode": "a"}
    # Each device of the type, on its own, says the same.
    for mode, own in (("a", "tok"), ("b", "tok2")):
        device = f"mc1 acme.v={own} driver=d mode={mode}\n"
        alone = verdict("mc1 driver=d mode=a acme.v=2.0\n", PREFIX_RULES, device)
        assert alone.answer is Answer.INCOMPATIBLE
        assert [reason.code for reason in alone.nearest[0].reasons] == ["type-mismatch"]
    # Where one choice's own value is a version, $1 reads it there: that choice accepts 2.x.
    mixed = PREFIX_TYPE.replace("acme.v=tok2", "acme.v=2.1")
    accepted = verdict("mc1 driver=d mode=a acme.v=2.0.5\n", PREFIX_RULES, mixed)
    assert accepted.answer is Answer.COMPATIBLE and accepted.choice == {"mode": "b"} and accepted.matched == 0


@pytest.mark.parametrize(("value", "shown"), [("5", "5"), ("0", "0")])
def test_a_range_beside_a_dollar_of_another_type_fails_as_not_equal(value: str, shown: str) -> None:
    """Row 8.8-RC1, not RC2/RC3: the range codes need every alternative to be a range of the value's type, and
    $ here is the token tok, so a value outside 1..3 is not-equal whichever side of the range it is on."""
    result = verdict(f"mc1 acme.x={value}\n", "mc1\naccept acme.x=1..3|$\n", "mc1 acme.x=tok\n")
    assert result.answer is Answer.INCOMPATIBLE
    [reason] = result.reasons
    assert (reason.code, reason.field) == ("not-equal", "acme.x")
    assert reason.message == f"acme.x {shown} is none of 1..3, tok"
    # With $ a version range of the value's type, the range codes apply.
    ranged = verdict(f"mc1 acme.x={value}\n", "mc1\naccept acme.x=1..3|$..\n", "mc1 acme.x=9\n")
    assert codes(ranged) == {"acme.x": "outside-ranges" if value == "5" else "below-range"}


# ---- the nearest rule against a type: ties go to the lower rule index -------------------------------------

TIE_TYPE = "mc1 driver=d\nparam mode=a acme.i=7 acme.j=1\nparam mode=b acme.i=8 acme.j=2\n"
TIE_RULES = "mc1\naccept acme.j=$ driver=d mode=* acme.z=1\naccept acme.i=$ driver=d mode=* acme.z=1\n"


@pytest.mark.parametrize(
    ("source", "answer", "code"),
    [
        ("mc1 driver=d ~acme.i=7 ~acme.j=2\n", Answer.UNKNOWN, "missing-field"),  # acme.z missing: undecided
        ("mc1 driver=d ~acme.i=7 ~acme.j=2 acme.z=2\n", Answer.INCOMPATIBLE, "not-equal"),  # acme.z wrong: false
    ],
    ids=["unknown", "incompatible"],
)
def test_two_rules_equally_near_under_different_choices_explain_with_the_first_rule_s_choice(
    source: str, answer: Answer, code: str
) -> None:
    """Rule 0 comes nearest under mode=b (acme.j=$ holds there), rule 1 under mode=a (acme.i=$ holds there), each
    with one undecided (or failing) constraint: the tie goes to rule 0, so the verdict and the plan report mode=b."""
    result = verdict(source, TIE_RULES, TIE_TYPE)
    assert result.answer is answer
    assert [outcome.index for outcome in result.nearest] == [0]
    assert result.choice == {"mode": "b"}
    assert [reason.code for reason in result.reasons] == [code]
    found = plan(parse_version(source), parse_version(TIE_TYPE), parse_compatible(TIE_RULES))
    assert found.answer is answer
    assert found.choice == {"mode": "b"}


# ---- choices: read-only, and checked when a device is predicted from one ------------------------------

TYPE_V = "mc1 driver=i915 type=t\nparam aggregate=1 share=1/8\nparam aggregate=4 share=1/2\n"
TYPE_RULES = "mc1\naccept aggregate=1..8 driver=i915 share=1/8..1/1 type=t\n"


def test_a_verdict_s_choice_and_a_plan_s_mappings_are_read_only_and_hashable() -> None:
    source = parse_version("mc1 aggregate=4 driver=i915 share=1/2 type=t\n")
    template, rules = parse_version(TYPE_V), parse_compatible(TYPE_RULES)
    verdict = check(source, rules, template)
    assert verdict.choice == {"aggregate": 4}
    with pytest.raises((TypeError, AttributeError)):
        verdict.choice["aggregate"] = 1  # type: ignore[index]
    with pytest.raises(AttributeError):
        verdict.choice.clear()  # type: ignore[union-attr]
    assert hash(verdict) == hash(check(source, rules, template))
    assert Verdict(Answer.COMPATIBLE, choice={"a": 1}) == Verdict(Answer.COMPATIBLE, choice={"a": 1})
    result = plan(source, template, rules)
    with pytest.raises(AttributeError):
        result.choice.update({"aggregate": 1})  # type: ignore[attr-defined]
    for combination in result.combinations:
        with pytest.raises(AttributeError):
            combination.values.pop("aggregate")  # type: ignore[attr-defined]


def test_device_from_takes_a_choice_as_model_values_or_as_their_json_text_and_refuses_others() -> None:
    from migcompat.errors import ChoiceError
    from migcompat.plan import device_from

    template = parse_version(TYPE_V)
    expected = parse_version("mc1 aggregate=4 driver=i915 share=1/2 type=t\n")
    assert device_from(template, {"aggregate": 4}) == expected
    assert device_from(template, {"aggregate": "4"}) == expected  # as Verdict.to_json() writes it
    verdict = check(expected, parse_compatible(TYPE_RULES), template)
    assert device_from(template, verdict.to_json()["choice"]) == expected  # type: ignore[arg-type]
    for bad, where in (({"aggregate": 2}, "aggregate"), ({"aggregate": "2"}, "aggregate"), ({"bogus": 1}, "bogus")):
        with pytest.raises(ChoiceError) as info:
            device_from(template, bad)
        assert info.value.code == "choice-invalid" and info.value.where == where
    with pytest.raises(ValueError, match="no value for aggregate"):
        device_from(template, {})
    for odd in (None, ["aggregate"], "aggregate=4"):
        with pytest.raises(TypeError, match="choice must be a mapping"):
            device_from(template, odd)  # type: ignore[arg-type]
    for huge in (10**5000, "9" * 100_000):
        with pytest.raises(ChoiceError) as info:
            device_from(template, {"aggregate": huge})
        assert len(str(info.value)) < 200


def test_a_false_rule_cut_to_16_reasons_still_lists_a_failing_one() -> None:
    """Clause 8.8: the reasons listed are the first 16 in key order, but when those are all undecided and the rule
    is false, the last gives way to the first failing one, so the listed reasons show the rule false."""
    keys = " ".join(f"a{number:02d}=1" for number in range(17))
    verdict = check(parse_version("mc1 z=1\n"), parse_compatible(f"mc1\naccept {keys} z=2\n"))
    assert verdict.answer is Answer.INCOMPATIBLE
    (outcome,) = verdict.nearest
    assert [reason.field for reason in outcome.reasons] == [f"a{number:02d}" for number in range(15)] + ["z"]
    assert {reason.code for reason in outcome.reasons[:15]} == {"missing-field"}
    assert all(reason.undecided for reason in outcome.reasons[:15]) and not outcome.reasons[15].undecided
    assert outcome.reasons[-1].code == "not-equal" and outcome.more_reasons == 2 and outcome.state == "failed"
    undecided = check(parse_version("mc1 z=2\n"), parse_compatible(f"mc1\naccept {keys} z=2\n"))
    assert undecided.answer is Answer.UNKNOWN  # nothing fails: the first 16 in key order, all undecided
    assert [reason.field for reason in undecided.nearest[0].reasons] == [f"a{number:02d}" for number in range(16)]
