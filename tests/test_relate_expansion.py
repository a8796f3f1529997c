"""The cost of a template's rule variants in :func:`migcompat.relate.relate` (review r17, a cost hunter).

A rule that reads template parameters through ``$`` is expanded into one
variant per combination of their values, each a device with the rule's
``$`` constraints resolved for it. That work is counted, as constraint
evaluations, before any variant is built: an expansion too large is refused
at once, and a refusal charges the command's :class:`~migcompat.relate.RelationWork`
only for what was done, so a few refused types cannot use up the budget
that the other pairs of a ``diff`` or an upgrade check need.
"""

from __future__ import annotations

import pytest

from migcompat import parse_compatible, parse_version
from migcompat.relate import MAX_COMMAND_WORK, MAX_EVALUATIONS, MAX_STEPS, RelationTooComplex, RelationWork, relate


def _type(parameters: int, keys: int, narrow: bool = False) -> tuple[str, str]:
    """A template of *parameters* binary parameters, each setting *keys* more keys, and one rule reading all."""
    lines = [
        " ".join([f"param p{i}={value}"] + [f"q{i}x{j}={value}" for j in range(keys)])
        for i in range(parameters)
        for value in (1, 2)
    ]
    read = sorted([f"p{i}" for i in range(parameters)] + [f"q{i}x{j}" for i in range(parameters) for j in range(keys)])
    constraints = [f"{key}=$" if narrow and key == read[0] else f"{key}=..$" for key in read]
    return "mc1 d=1\n" + "\n".join(lines) + "\n", "mc1\naccept " + " ".join(["d=1", *constraints]) + "\n"


def test_an_expansion_too_large_is_refused_before_it_is_built() -> None:
    version, rules = _type(11, 12)  # 2048 variants a side, each resolving 144 constraints: 3.9 KB, 1.4 s before
    assert len(version) <= 4095 and len(rules) <= 4095
    template, accepted = parse_version(version), parse_compatible(rules)
    work = RelationWork("this test")
    with pytest.raises(RelationTooComplex) as refused:
        relate(accepted, accepted, template, template, work=work)
    assert refused.value.code == "too-complex"
    assert "MAX_EVALUATIONS" in refused.value.message and "first rule 0" in refused.value.message
    assert work.units == 0  # nothing was built, nothing is charged


def test_a_refused_expansion_leaves_the_budget_to_the_other_pairs() -> None:
    big = _type(11, 12)
    small_old, small_new = _type(2, 1), _type(2, 1, narrow=True)
    work = RelationWork("this test")
    for _ in range(20):  # as many refused types as an inventory may hold
        with pytest.raises(RelationTooComplex):
            relate(
                parse_compatible(big[1]),
                parse_compatible(big[1]),
                parse_version(big[0]),
                parse_version(big[0]),
                work=work,
            )
    assert not work.spent
    result = relate(
        parse_compatible(small_old[1]),
        parse_compatible(small_new[1]),
        parse_version(small_old[0]),
        parse_version(small_new[0]),
        work=work,
    )
    assert result.relation.value == "superset"  # the narrowed type is still decided, and breaking


def test_an_expansion_within_the_bound_is_charged_to_the_command() -> None:
    version, rules = _type(8, 2)  # 256 variants a side, each a device and 24 resolved constraints
    template, accepted = parse_version(version), parse_compatible(rules)
    work = RelationWork("this test")
    assert relate(accepted, accepted, template, template, work=work).relation.value == "equal"
    expansion = 2 * 256 * (1 + 24)
    assert expansion < MAX_EVALUATIONS
    assert work.units >= expansion * (MAX_STEPS // MAX_EVALUATIONS)
    assert work.units < MAX_COMMAND_WORK
