"""The case runner's judgement of verdicts that leave nearest rules or reasons out, of decided choices, and of
relate cases whose own description is invalid (clauses 8.5, 8.8, 12.5; review r6 findings 3, 4 and 15), and of what an
implementer reading only the documents could get wrong (review r18): the choice, the nearest rule, positions and the
number of missing-attribute reasons.

A comparator may explain only the first nearest rules (``also_near`` counts the others) and at most 16 reasons per
rule (``more_reasons``). When nothing was left out the reported reason codes must be the expected set; when something
was, they must be a subset of it. Each test runs a fake checker that prints one fixed answer.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

from migcompat.cases.model import Selection, load_suite
from migcompat.cases.runner import Options, Programs, Result, run_cases

ROOT = Path(__file__).resolve().parents[1]
SUITE = load_suite(ROOT / "conformance" / "cases")
TRUNCATED = "check-nearest-truncated-001"
"""Four rules equally near, one reason each: not-equal, below-range, above-range, outside-ranges."""


def _answer(tmp_path: Path, case_id: str, answer: dict[str, Any]) -> Result:
    """Run the case *case_id* through a checker that prints *answer*."""
    program = tmp_path / "checker.py"
    program.write_text(f"import sys, json\nsys.stdin.read()\nprint(json.dumps({answer!r}))\n")
    cases = SUITE.select(Selection(run=[case_id]))
    assert len(cases) == 1, case_id
    return run_cases(cases, Programs(checker=(sys.executable, str(program))), Options(timeout=20))[0]


def _verdict(*codes: str, **members: Any) -> dict[str, Any]:
    return {"verdict": "incompatible", "reasons": [{"code": code} for code in codes], **members}


def test_the_truncation_case_expects_four_codes() -> None:
    (case,) = SUITE.select(Selection(run=[TRUNCATED]))
    assert sorted(case.expect["reasons"]) == ["above-range", "below-range", "not-equal", "outside-ranges"]


def test_every_code_without_anything_left_out_passes(tmp_path: Path) -> None:
    answer = _verdict("not-equal", "below-range", "above-range", "outside-ranges", also_near=0)
    assert _answer(tmp_path, TRUNCATED, answer).outcome == "pass"


def test_a_subset_with_also_near_passes(tmp_path: Path) -> None:
    answer = _verdict("not-equal", "below-range", "above-range", nearest=[0, 1, 2], also_near=1)
    result = _answer(tmp_path, TRUNCATED, answer)
    assert result.outcome == "pass", result.detail


def test_nearest_rules_left_out_after_fewer_than_three_is_wrong(tmp_path: Path) -> None:
    result = _answer(tmp_path, TRUNCATED, _verdict("not-equal", "below-range", nearest=[0, 1], also_near=2))
    assert result.outcome == "wrong"
    assert "2 nearest rules left out after 2 explained (8.8 requires at least three)" in result.detail


MANY = "check-nearest-truncated-002"
"""One rule with 17 keys not equal and one below its range: 18 reasons, of which a verdict may list 16."""


def test_a_subset_with_more_reasons_on_a_nearest_rule_passes(tmp_path: Path) -> None:
    listed = [{"code": "not-equal"}] * 16
    answer = _verdict(*["not-equal"] * 16, nearest=[{"rule": 0, "reasons": listed, "more_reasons": 2}])
    result = _answer(tmp_path, MANY, answer)
    assert result.outcome == "pass", result.detail


def test_a_subset_with_more_reasons_on_the_response_passes(tmp_path: Path) -> None:
    assert _answer(tmp_path, MANY, _verdict(*["not-equal"] * 16, more_reasons=2)).outcome == "pass"


def test_reasons_left_out_before_the_sixteenth_is_wrong(tmp_path: Path) -> None:
    result = _answer(tmp_path, MANY, _verdict("not-equal", more_reasons=17))
    assert result.outcome == "wrong"
    assert "17 reasons left out after only 1 (8.8 allows leaving out only past 16)" in result.detail
    listed = [{"code": "not-equal"}] * 3
    answer = _verdict(*["not-equal"] * 3, nearest=[{"rule": 0, "reasons": listed, "more_reasons": 15}])
    assert _answer(tmp_path, MANY, answer).outcome == "wrong"


def test_a_subset_without_anything_left_out_is_wrong(tmp_path: Path) -> None:
    result = _answer(tmp_path, TRUNCATED, _verdict("not-equal", "below-range", "above-range", also_near=0))
    assert result.outcome == "wrong"
    assert "reason codes above-range, below-range, not-equal; expected" in result.detail


def test_a_subset_with_rule_numbers_as_nearest_and_no_counts_is_wrong(tmp_path: Path) -> None:
    """A ``nearest`` list of rule numbers (as the C adapter writes) says nothing was left out."""
    result = _answer(tmp_path, TRUNCATED, _verdict("not-equal", nearest=[0, 1, 2]))
    assert result.outcome == "wrong"


def test_an_extra_code_is_wrong_even_when_something_was_left_out(tmp_path: Path) -> None:
    result = _answer(tmp_path, TRUNCATED, _verdict("not-equal", "not-subset", nearest=[0, 1, 2], also_near=1))
    assert result.outcome == "wrong"
    assert "reason codes not-subset not expected" in result.detail
    assert "left 1 nearest rules or reasons out" in result.detail


@pytest.mark.parametrize(
    "members",
    [
        {"also_near": "1"},
        {"also_near": -1},
        {"also_near": True},
        {"more_reasons": 1.5},
        {"nearest": [{"more_reasons": "2"}]},
    ],
)
def test_a_count_that_is_not_a_count_is_garbage(tmp_path: Path, members: dict[str, Any]) -> None:
    result = _answer(tmp_path, TRUNCATED, _verdict("not-equal", **members))
    assert result.outcome == "garbage"
    assert "not a non-negative integer" in result.detail


# ---- the reported choice (8.5-CH1, CH2, 8.6-PL1) -----------------------------------------------------------


def _compatible(choice: dict[str, str]) -> dict[str, Any]:
    return {"verdict": "compatible", "choice": choice}


def test_the_first_accepting_choice_passes_and_a_later_one_is_wrong(tmp_path: Path) -> None:
    assert _answer(tmp_path, "check-choice-004", _compatible({"p": "2"})).outcome == "pass"
    later = _answer(tmp_path, "check-choice-004", _compatible({"p": "3"}))
    assert later.outcome == "wrong"
    assert "expected p=2" in later.detail


def test_a_free_parameter_must_take_its_first_declared_value(tmp_path: Path) -> None:
    good = {"free": "1", "p": "2", "q": "b"}
    assert _answer(tmp_path, "check-choice-005", _compatible(good)).outcome == "pass"
    result = _answer(tmp_path, "check-choice-005", _compatible(good | {"free": "2"}))
    assert result.outcome == "wrong"
    assert "free=2" in result.detail


def test_a_free_parameter_takes_the_identical_configurations_value(tmp_path: Path) -> None:
    assert _answer(tmp_path, "check-choice-007", _compatible({"free": "2", "p": "2"})).outcome == "pass"
    assert _answer(tmp_path, "check-choice-007", _compatible({"free": "1", "p": "2"})).outcome == "wrong"


def test_the_wide_cases_pin_one_choice_of_2_to_the_60(tmp_path: Path) -> None:
    (case,) = SUITE.select(Selection(run=["check-choice-wide-002"]))
    assert len(case.expect["parameters"]) == 60
    template = case.data["target_self"]
    assert len(template.encode()) < 4095
    assert template.count("\nparam ") == 120
    (choice,) = case.expect["choices"]
    assert _answer(tmp_path, case.id, _compatible(choice)).outcome == "pass"
    first = dict.fromkeys(choice, "0")  # what CH2 would give: every parameter's first declared value
    assert _answer(tmp_path, case.id, _compatible(first)).outcome == "wrong"


# ---- relate with an invalid own description (8.4-SF4) ----------------------------------------------------------


def test_a_relate_case_with_an_invalid_own_description_judges_witnesses_without_it(tmp_path: Path) -> None:
    """first a=$|1 with the invalid own a=02 accepts what a=1 accepts: a=1 is in both, a=2 in neither."""
    both = {"relation": "equal", "only_first": None, "only_second": None, "both": "mc1 a=1\n"}
    assert _answer(tmp_path, "relate-self-invalid-001", both).outcome == "pass"
    lenient = {"relation": "equal", "only_first": None, "only_second": None, "both": "mc1 a=2\n"}
    result = _answer(tmp_path, "relate-self-invalid-001", lenient)
    assert result.outcome == "wrong"
    assert "witness both" in result.detail


def _adapter() -> Any:
    spec = importlib.util.spec_from_file_location(
        "migcompat_adapter_h66", ROOT / "conformance" / "adapters" / "migcompat_adapter.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_adapter_relates_with_an_invalid_own_description_as_missing() -> None:
    adapter = _adapter()
    request = {"first": "mc1\naccept a=$|1\n", "second": "mc1\naccept a=1\n", "first_self": "mc1 a=02\n"}
    assert adapter.do_relate(request)["relation"] == "equal"
    with pytest.raises(adapter.Rejected) as rejected:
        adapter.do_relate(request | {"first_self": "mc2 a=1\n"})
    assert rejected.value.error == {"code": "unsupported-version"}
    assert adapter.do_relate(request | {"first_self": None})["relation"] == "equal"


# ---- the number of missing-attribute reasons (8.8-NR5; review r18) --------------------------------------------


def _unknown(*codes: str) -> dict[str, Any]:
    return {"verdict": "unknown", "reasons": [{"code": code} for code in codes]}


def test_one_missing_attribute_reason_for_two_missing_attributes_is_wrong(tmp_path: Path) -> None:
    result = _answer(tmp_path, "check-verdict-missing-005", _unknown("missing-attribute"))
    assert result.outcome == "wrong"
    assert "1 reasons missing-attribute; this verdict MUST carry 2" in result.detail


def test_a_missing_attribute_reason_for_each_missing_attribute_passes(tmp_path: Path) -> None:
    result = _answer(tmp_path, "check-verdict-missing-005", _unknown("missing-attribute", "missing-attribute"))
    assert result.outcome == "pass", result.detail


def test_one_unsupported_version_reason_for_three_such_attributes_is_wrong(tmp_path: Path) -> None:
    """Row 8.8-NR4: a reason for each attribute in another format version, as 8.8-NR5 has for missing ones."""
    result = _answer(tmp_path, "check-verdict-unsupported-006", _unknown("unsupported-version"))
    assert result.outcome == "wrong"
    assert "1 reasons unsupported-version; this verdict MUST carry 3" in result.detail


def test_two_missing_attribute_reasons_for_one_missing_attribute_are_wrong(tmp_path: Path) -> None:
    result = _answer(tmp_path, "check-verdict-missing-003", _unknown("missing-attribute", "missing-attribute"))
    assert result.outcome == "wrong"
    assert "2 reasons missing-attribute; this verdict MUST carry 1" in result.detail


BAD_COUNTS = "expect.reason_counts is not an object of missing-attribute (8.8-NR5) or unsupported-version"


@pytest.mark.parametrize(
    ("counts", "problem"),
    [
        ({"not-equal": 1}, BAD_COUNTS),
        ({"missing-attribute": 0}, BAD_COUNTS),
        ({"missing-attribute": True}, BAD_COUNTS),
    ],
)
def test_the_case_model_refuses_bad_reason_counts(counts: dict[str, Any], problem: str) -> None:
    from migcompat.cases.model import _check

    raw = {
        "source": None,
        "target": None,
        "target_self": None,
        "expect": {"verdict": "unknown", "reasons": ["missing-attribute"], "reason_counts": counts},
    }
    assert any(problem in found for found in _check(raw))


def test_the_case_model_refuses_a_count_of_an_unlisted_code() -> None:
    from migcompat.cases.model import _check

    raw = {
        "source": None,
        "target": None,
        "target_self": None,
        "expect": {"verdict": "unknown", "reasons": ["no-rules"], "reason_counts": {"missing-attribute": 1}},
    }
    assert "expect.reason_counts counts a code that expect.reasons does not list" in _check(raw)


# ---- what an implementer reading only the documents could get wrong and still pass (review r18) -------------


@pytest.mark.parametrize(
    ("case_id", "choice"),
    [
        ("check-choice-008", {"p": "2", "q": "1"}),  # the first rule that can match, at its own best choice
        ("check-choice-009", {"a": "2", "z": "1"}),  # parameters taken in param-line order (z before a)
    ],
)
def test_a_choice_other_than_the_first_in_the_order_of_8_6_is_wrong(
    tmp_path: Path, case_id: str, choice: dict[str, str]
) -> None:
    answer = {"verdict": "compatible", "grade": "accepted", "choice": choice}
    assert _answer(tmp_path, case_id, answer).outcome == "wrong"


def test_the_nearest_rule_by_reasons_instead_of_failures_is_wrong(tmp_path: Path) -> None:
    assert _answer(tmp_path, "check-nearest-007", _verdict("not-equal", also_near=0)).outcome == "wrong"
    assert _answer(tmp_path, "check-nearest-007", _verdict("not-equal", "missing-field")).outcome == "pass"


def test_a_syntax_error_at_the_start_of_a_whole_item_is_wrong(tmp_path: Path) -> None:
    program = tmp_path / "parser.py"
    program.write_text(
        "import sys, json\nsys.stdin.read()\n"
        "print(json.dumps({'code': 'syntax', 'line': 1, 'column': 5}))\nsys.exit(1)\n"
    )
    cases = SUITE.select(Selection(run=["parse-invalid-position-syntax-026"]))
    assert cases and cases[0].data["input"] == "mc1 a.b.c=1"
    (result,) = run_cases(cases, Programs(parser=(sys.executable, str(program))), Options(timeout=20))
    assert result.outcome == "wrong", result.detail
