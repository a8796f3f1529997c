"""A target unchanged between the two sides is EQUAL without asking ``relate`` (review r11 #3).

``migcompat diff`` of a 1,000-device capture with itself took 23 s: every
device's rules read its own queue count through ``$``, so each pair was a
distinct relation to decide, although old and new were byte for byte the same.
When both sides are the same rules read with the same own values, each of
them known, ``relate`` can only answer EQUAL with no witness and no note: the
diff now says so at once. Held here to ``relate`` itself on every target of
every bundled sample.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import migcompat.fleet.diff as diff_module
from migcompat.fleet.diff import Target, diff
from migcompat.fleet.inventory import load_inventory
from migcompat.parse import parse_compatible, parse_version
from migcompat.relate import Relation, relate

SAMPLES = sorted((Path(__file__).resolve().parents[1] / "conformance" / "samples").glob("*/*.json"))


def _targets() -> list[Target]:
    found: list[Target] = []
    for path in SAMPLES:
        if path.name == "sample.json":
            continue
        found.extend(Target.of(provider) for provider in load_inventory([path]).providers)
    return found


@pytest.fixture
def relations(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every relate() the diff makes."""
    calls: list[object] = []

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return relate(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(diff_module, "relate", counting)
    return calls


def test_a_target_unchanged_on_both_sides_is_equal_as_relate_would_say(relations: list[object]) -> None:
    targets = _targets()
    assert len(targets) > 100
    short = 0
    for target in targets:
        before = len(relations)
        [change] = diff([target], [target]).changes
        assert change.relation is Relation.EQUAL, target.label
        if len(relations) == before:  # answered without relate: it must agree, witnesses and notes included
            short += 1
            result = relate(target.rules, target.rules, target.version, target.version)
            assert (result.relation, result.only_first, result.only_second) == (Relation.EQUAL, None, None)
            assert change.notes == result.notes == ()
    assert 50 < short < len(targets)  # device types, and devices whose $ has no own value, still go to relate


def test_a_diff_of_a_fleet_with_itself_relates_nothing_when_every_own_value_is_known(relations: list[object]) -> None:
    rules = parse_compatible("mc1\naccept driver=d q=..$ stream_version=1.0..$\n")
    targets = [
        Target(
            f"h:{i}",
            "h",
            "device",
            f"0000:00:{i:02x}.0",
            "d",
            parse_version(f"mc1 driver=d q={i} stream_version=1.1\n"),
            rules,
        )
        for i in range(200)
    ]
    result = diff(targets, targets)
    assert all(change.relation is Relation.EQUAL for change in result.changes)
    assert relations == []


def test_a_device_whose_dollar_has_no_own_value_is_still_related(relations: list[object]) -> None:
    rules = parse_compatible("mc1\naccept driver=d q=..$\n")
    target = Target("h:0", "h", "device", "0000:00:00.0", "d", parse_version("mc1 driver=d\n"), rules)
    [change] = diff([target], [target]).changes
    assert len(relations) == 1
    assert change.notes  # relate's note: q's own value is not known
