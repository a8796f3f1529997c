"""``Verdict.from_json``: the inverse of ``to_json``, and a strict reader of what a verdict writes.

An integrator that runs ``migcompat check --format json`` in another process,
or keeps verdicts in a database, reads them back into the
:class:`~migcompat.verdict.Verdict` they were written from. Every document
that no verdict writes is refused with ``verdict-invalid`` and a JSON Pointer.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from migcompat import parse_compatible, parse_version
from migcompat.cli import main
from migcompat.compare import check
from migcompat.errors import LIBRARY_ERROR_CODES, MigcompatError, VerdictError
from migcompat.model import MigrationVersion
from migcompat.verdict import Verdict
from strategies import compatible_models, version_models
from test_verdict_schema import (
    VERDICT_MUTATIONS,
    _mutated,
    _set,
    gvt_verdicts,
    roundtrip,
    schema_errors,
    small_rule_sets,
    small_sources,
)
from timebounds import bound


def read(document: object) -> Verdict:
    return Verdict.from_json(document)


@pytest.mark.parametrize("case", sorted(gvt_verdicts()))
def test_every_kind_of_verdict_reads_back_equal(case: str) -> None:
    verdict = gvt_verdicts()[case]
    assert read(roundtrip(verdict.to_json())) == verdict


def test_a_device_type_s_choice_reads_back_as_values_of_each_type() -> None:
    template = parse_version(
        "mc1 driver=d\nparam count=2 share=1/2 level=1.2 kind=fast mask={a,b}\n"
        "param count=4 share=1/4 level=1.10 kind=slow mask={}\n"
    )
    rules = parse_compatible("mc1\naccept driver=d count=$ share=$ level=$ kind=$ mask<=$\n")
    for source_text in (
        "mc1 driver=d count=4 share=1/4 level=1.10 kind=slow mask={}\n",
        "mc1 driver=d count=3 share=1/4 level=1.10 kind=slow mask={}\n",
    ):
        verdict = check(parse_version(source_text), rules, template)
        assert verdict.choice is not None
        back = read(roundtrip(verdict.to_json()))
        assert back == verdict
        assert dict(back.choice or {}) == dict(verdict.choice)


@given(small_sources(), small_rule_sets(), st.none() | small_sources())
def test_every_small_world_verdict_reads_back_equal(
    source: MigrationVersion, target: Any, own: MigrationVersion | None
) -> None:
    verdict = check(source, target, own)
    assert read(roundtrip(verdict.to_json())) == verdict


@given(version_models(), compatible_models(), st.none() | version_models())
def test_every_verdict_reads_back_equal(source: MigrationVersion, target: Any, own: MigrationVersion | None) -> None:
    verdict = check(source, target, own)
    assert read(roundtrip(verdict.to_json())) == verdict


@pytest.mark.parametrize("mutation", sorted(set(VERDICT_MUTATIONS) - {"extra-member"}))
def test_what_the_schema_refuses_is_refused(mutation: str) -> None:
    case, change = VERDICT_MUTATIONS[mutation]
    document = _mutated(roundtrip(gvt_verdicts()[case].to_json()), change)
    assert schema_errors("verdict", document) != []
    with pytest.raises(VerdictError) as caught:
        read(document)
    assert caught.value.code == "verdict-invalid"


def test_the_check_command_s_whole_output_reads_as_its_verdict(tmp_path: Path) -> None:
    source = "mc1 driver=i915 share=1/2\n"
    rules = "mc1\naccept driver=i915 share=1/4\naccept driver=nvidia share=1/2\n"
    (tmp_path / "source").write_text(source)
    (tmp_path / "rules").write_text(rules)
    result = CliRunner().invoke(main, ["check", "--format", "json", str(tmp_path / "source"), str(tmp_path / "rules")])
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    assert {"source", "target", "target_self"} <= set(document)  # members beside the verdict's are not read
    assert read(document) == check(parse_version(source), parse_compatible(rules))


INCOMPATIBLE = roundtrip(gvt_verdicts()["incompatible"].to_json())
TEMPLATE = roundtrip(gvt_verdicts()["template-self"].to_json())


FAULTS = {
    "not-an-object": (INCOMPATIBLE, lambda d: d.clear() or d.update({"x": 1}), "", "'verdict' is missing"),
    "rule-as-bool": (INCOMPATIBLE, _set(["nearest", 0, "rule"], True), "/nearest/0/rule", "non-negative integer"),
    "more-reasons-negative": (INCOMPATIBLE, _set(["nearest", 0, "more_reasons"], -2), "/nearest/0/more_reasons", ""),
    "outcome-member-extra": (INCOMPATIBLE, _set(["nearest", 0, "why"], 1), "/nearest/0/why", "unexpected member"),
    "reason-message-empty": (INCOMPATIBLE, _set(["reasons", 0, "message"], ""), "/reasons/0/message", ""),
    "reason-source-number": (INCOMPATIBLE, _set(["reasons", 0, "source"], 3), "/reasons/0/source", "a number"),
    "reasons-not-the-nearest-s": (
        INCOMPATIBLE,
        lambda d: d["reasons"].reverse() if len(d["reasons"]) > 1 else d["reasons"].append(d["reasons"][0]),
        "/reasons",
        "nearest rules",
    ),
    "choice-not-a-value": (TEMPLATE, lambda d: d["choice"].update({"aggregate": "1 2"}), "/choice/aggregate", ""),
    "choice-bad-value": (TEMPLATE, lambda d: d["choice"].update({"aggregate": "007"}), "/choice/aggregate", "leading"),
    "choice-bad-name": (TEMPLATE, lambda d: d["choice"].update({"A/b": "1"}), "/choice/A~1b", "parameter name"),
    "choice-not-text": (TEMPLATE, lambda d: d["choice"].update({"aggregate": 1}), "/choice/aggregate", "a number"),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_is_named_where_it_is(fault: str) -> None:
    document, change, where, words = FAULTS[fault]
    with pytest.raises(VerdictError) as caught:
        read(_mutated(document, change))
    error = caught.value
    assert (error.code, error.where) == ("verdict-invalid", where), error
    assert words in error.message
    assert str(error).startswith("error[verdict-invalid]: ")
    assert isinstance(error, MigcompatError) and isinstance(error, ValueError)


@pytest.mark.parametrize("data", ['{"verdict": "compatible"}', b"{}", None, 3, [INCOMPATIBLE]])
def test_what_is_not_a_decoded_object_is_refused(data: object) -> None:
    with pytest.raises(VerdictError) as caught:
        read(data)
    assert caught.value.where == ""
    if isinstance(data, (str, bytes)):
        assert "json.loads" in caught.value.message


def test_the_code_is_registered() -> None:
    assert "verdict-invalid" in LIBRARY_ERROR_CODES


def test_reading_is_linear_in_the_document() -> None:
    """30,000 nearest rules (a document of about 5 MB) read in well under the bound."""
    document = copy.deepcopy(INCOMPATIBLE)
    outcome = document["nearest"][0]
    document["nearest"] = [dict(outcome, rule=index) for index in range(30_000)]
    document["reasons"] = [reason for item in document["nearest"] for reason in item["reasons"]]
    start = time.perf_counter()
    verdict = read(document)
    assert time.perf_counter() - start < bound(10)
    assert len(verdict.nearest) == 30_000
