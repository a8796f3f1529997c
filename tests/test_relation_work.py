"""The relations of one command are bounded together, not only one by one (review r11 #4).

Each ``relate`` call stays within its own bounds (about a quarter of a second
at worst), but ``diff`` and the upgrade check of ``conformance --against``
relate one pair per distinct target: 20 devices whose rule sets each exhaust a
call's bounds took 4.4 s, 10,000 would take half an hour. A
:class:`~migcompat.relate.RelationWork` adds the calls' work up; once it is
spent, the pairs left are reported as too complex to decide (exit status 3),
never related, never guessed.
"""

from __future__ import annotations

import pytest

import migcompat.relate as relate_module
from migcompat.conformance import run
from migcompat.conformance.samples import load_sample
from migcompat.fleet.diff import Target, diff
from migcompat.parse import parse_compatible, parse_version
from migcompat.relate import MAX_COMMAND_WORK, MAX_STEPS, RelationWork, relate


def _target(index: int, rules: str) -> Target:
    version = parse_version(f"mc1 driver=d q={index} stream_version=1.1\n")
    return Target(f"h:{index}", "h", "device", f"0000:00:{index:02x}.0", "d", version, parse_compatible(rules))


def test_relate_adds_its_work_and_the_bound_is_some_calls_worth() -> None:
    work = RelationWork("a test")
    relate(parse_compatible("mc1\naccept q=1..3\n"), parse_compatible("mc1\naccept q=2..4\n"), work=work)
    first = work.units
    assert 0 < first < MAX_STEPS // 100  # an ordinary pair costs a small part of one call's bound
    relate(parse_compatible("mc1\naccept q=1..3 k=a|b\n"), parse_compatible("mc1\naccept q=2..4\n"), work=work)
    assert work.units > first and not work.spent
    assert MAX_COMMAND_WORK >= 10 * MAX_STEPS


def test_once_the_work_is_spent_diff_leaves_the_other_pairs_undecided(monkeypatch: pytest.MonkeyPatch) -> None:
    old = [_target(i, "mc1\naccept driver=d q=..$ stream_version=1.0..$\n") for i in range(5)]
    new = [_target(i, "mc1\naccept driver=d q=..$ stream_version=1.1..$\n") for i in range(5)]
    assert all(change.code is None for change in diff(old, new).changes)  # within the bound: each related

    monkeypatch.setattr(relate_module, "MAX_COMMAND_WORK", 0)
    changes = diff(old, new).changes
    assert changes[0].relation is not None and changes[0].code is None  # the first pair spends the work
    assert [change.code for change in changes[1:]] == ["too-complex"] * 4
    assert all(change.relation is None for change in changes[1:])
    assert "the relations of this diff together reached their bound" in (changes[1].error or "")


def test_once_the_work_is_spent_the_upgrade_check_notes_what_it_did_not_relate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sample = load_sample("gvt-g")
    assert all(u.relation != "undecided" for u in run(sample.hosts, old=sample.old).upgrades)
    monkeypatch.setattr(relate_module, "MAX_COMMAND_WORK", 0)
    report = run(sample.hosts, old=sample.old)
    undecided = [u for u in report.upgrades if u.relation == "undecided"]
    assert undecided  # with no work allowed, the first own-device checks spend it: no pair is related
    assert any("the relations of this upgrade check together reached their bound" in n.message for n in report.notes)
    # U1 is recommended (clause 9.5): undecided, it fails nothing, but it is never a pass where warnings fail.
    assert report.result() == "passed" and report.result(warnings_fail=True) == "undecided"


def test_a_refused_call_counts_its_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(relate_module, "MAX_STEPS", 50)
    work = RelationWork("a test")
    first = parse_compatible("mc1\n" + "".join(f"accept k{i % 5}={i}..{i + 3} v=a|b\n" for i in range(30)))
    with pytest.raises(relate_module.RelationTooComplex):
        relate(first, parse_compatible("mc1\naccept v=a\n"), work=work)
    assert work.units > 50
