"""A verdict for a missing or invalid attribute says which one (rows 8.5-VD2, 8.8-NR5, 8.8-RC14; specification 1.1).

1.0 answered ``check(None, rules)`` with an unknown verdict without reasons, which the published verdict schema
rejects (every verdict other than compatible has a reason) and which left the operator guessing which attribute
to fix. Now each missing or invalid attribute gives one ``missing-attribute`` reason, source first, concerning no
field and no rule; the library, the command line's helper, the dogfood adapter and the cases agree.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from migcompat import parse_compatible, parse_version
from migcompat.cli.attributes import InputFailure, Loader, missing_reasons, unsupported_reasons
from migcompat.compare import MISSING_RULES, MISSING_SOURCE, accepts, check, check_attributes
from migcompat.model import CompatibleDevices, MigrationVersion
from migcompat.verdict import REASON_CODES, UNDECIDED_CODES, Answer
from test_verdict_schema import schema_errors

ROOT = Path(__file__).resolve().parents[1]
SOURCE = parse_version("mc1 a=1\n")
RULES = parse_compatible("mc1\naccept a=1\n")
SOURCE_TEXT = "the source's migration_version is missing or invalid"
RULES_TEXT = "the target's migration_compatible_devices is missing or invalid"

COMBINATIONS = [
    (None, RULES, [SOURCE_TEXT]),
    (SOURCE, None, [RULES_TEXT]),
    (None, None, [SOURCE_TEXT, RULES_TEXT]),
]


@pytest.mark.parametrize(("source", "rules", "messages"), COMBINATIONS)
def test_each_missing_attribute_has_its_reason_source_first(
    source: MigrationVersion | None, rules: CompatibleDevices | None, messages: list[str]
) -> None:
    for own in (None, SOURCE):
        verdict = check(source, rules, own)
        assert verdict.answer is Answer.UNKNOWN and verdict.nearest == () and verdict.also_near == 0
        assert [(r.code, r.field, r.source, r.allowed, r.message) for r in verdict.reasons] == [
            ("missing-attribute", None, None, None, message) for message in messages
        ]
        assert all(reason.undecided for reason in verdict.reasons)
        assert accepts(source, rules, own) is Answer.UNKNOWN


@pytest.mark.parametrize(("source", "rules", "messages"), COMBINATIONS)
def test_the_verdict_is_valid_against_the_published_schema(
    source: MigrationVersion | None, rules: CompatibleDevices | None, messages: list[str]
) -> None:
    document = json.loads(json.dumps(check(source, rules).to_json()))
    assert schema_errors("verdict", document) == []
    assert [reason["message"] for reason in document["reasons"]] == messages
    # What 1.0 wrote is what the schema refuses: the reason is needed, not decoration.
    assert schema_errors("verdict", {**document, "reasons": []})


def test_summary_and_explanation_name_the_attribute() -> None:
    assert check(None, RULES).summary() == f"unknown: {SOURCE_TEXT}"
    assert check(SOURCE, None).summary() == f"unknown: {RULES_TEXT}"
    assert check(None, None).summary() == f"unknown: {SOURCE_TEXT}; {RULES_TEXT}"
    assert check(None, None).explain().splitlines()[1:] == [
        f"  - [missing-attribute] {SOURCE_TEXT}",
        f"  - [missing-attribute] {RULES_TEXT}",
    ]


def test_a_missing_own_description_is_not_a_missing_attribute() -> None:
    verdict = check(SOURCE, RULES, None)
    assert verdict.answer is Answer.COMPATIBLE and verdict.reasons == ()
    undecided = check(SOURCE, parse_compatible("mc1\naccept a=$\n"), None)
    assert [reason.code for reason in undecided.reasons] == ["missing-self"]


def test_the_code_is_registered_as_an_undecided_reason() -> None:
    assert "missing-attribute" in REASON_CODES and "missing-attribute" in UNDECIDED_CODES
    assert list(REASON_CODES)[-1] == "missing-attribute", "a new code comes last: the schema's enum keeps its order"
    assert MISSING_SOURCE.code == MISSING_RULES.code == "missing-attribute"


# ---- the command line's helper ---------------------------------------------------------------


def _loaded(tmp_path: Path, source: str | None, rules: str | None) -> Loader:
    loader = Loader()
    paths = {}
    for name, text in (("source", source), ("rules", rules)):
        path = tmp_path / name
        if text is not None:
            path.write_text(text)
        paths[name] = str(path)
    loader.version("source", paths["source"])
    loader.compatible("target", paths["rules"])
    return loader


def test_the_command_line_composes_the_library_s_reasons(tmp_path: Path) -> None:
    loader = _loaded(tmp_path, "mc1 a=01\n", None)  # an invalid source, rules that cannot be read
    reasons = missing_reasons(loader.failures)
    assert [(r.code, r.field) for r in reasons] == [("missing-attribute", None)] * 2
    assert reasons[0].message == f"{SOURCE_TEXT}: {tmp_path / 'source'}: integer 01 has a leading zero"
    assert reasons[1].message.startswith(f"{RULES_TEXT}: {tmp_path / 'rules'}: ")
    library = check(None, None).reasons
    assert [r.message.split(":")[0] for r in reasons] == [r.message for r in library]


def test_the_command_line_gives_no_reason_for_what_8_5_vd1_or_other_roles_decide(tmp_path: Path) -> None:
    loader = _loaded(tmp_path, "mc2 a=1\n", "mc1\naccept a=1\n")
    assert missing_reasons(loader.failures) == ()
    assert [r.code for r in unsupported_reasons(loader.failures)] == ["unsupported-version"]
    other = InputFailure("target_self", "own", "migration_version", reason="No such file")
    assert missing_reasons([other]) == ()
    renamed = InputFailure("b", "rules", "migration_compatible_devices", reason="No such file")
    assert [r.message for r in missing_reasons([renamed], ("a", "b"))] == [f"{RULES_TEXT}: rules: No such file"]


# ---- the dogfood adapter and the cases ------------------------------------------------------------


def _adapter() -> Any:
    spec = importlib.util.spec_from_file_location(
        "migcompat_adapter_h10", ROOT / "conformance" / "adapters" / "migcompat_adapter.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    ("source", "target", "codes"),
    [
        (None, "mc1\naccept a=1\n", ["missing-attribute"]),
        ("mc1 a=01\n", "mc1\naccept a=1\n", ["missing-attribute"]),
        ("mc1\naccept a=1\n", "mc1\naccept a=01\n", ["missing-attribute", "missing-attribute"]),
        ("mc2 a=1\n", None, ["unsupported-version"]),
    ],
)
def test_the_dogfood_adapter_reports_the_library_s_reasons(
    source: str | None, target: str | None, codes: list[str]
) -> None:
    answer = _adapter().do_check({"source": source, "target": target, "target_self": None})
    assert answer["verdict"] == "unknown"
    assert [reason["code"] for reason in answer["reasons"]] == codes


def test_the_cases_expect_the_reason_from_1_1_and_keep_1_0_s_expectations() -> None:
    cases = {
        case["id"]: case for case in json.loads((ROOT / "conformance" / "cases" / "check.json").read_text())["cases"]
    }
    for identifier in ("check-verdict-missing-001", "check-verdict-missing-002", "check-verdict-invalid-001"):
        assert cases[identifier]["spec_versions"] == {"since": "1.0"}
        assert "reasons" not in cases[identifier]["expect"]
    new = [case for case in cases.values() if "missing-attribute" in case["expect"].get("reasons", [])]
    assert len(new) == 6
    for case in new:
        assert case["spec_versions"] == {"since": "1.1"} and case["level"] == "required"
        assert {"8.5-VD2", "8.8-NR5", "8.8-RC14"} <= set(case["clauses"])


_SOURCE = b"mc1 driver=d\n"
_RULES = b"mc1\naccept driver=d\n"


@pytest.mark.parametrize(
    ("attributes", "codes"),
    [
        ((_SOURCE, _RULES, b"mc2 driver=d newthing=1\n"), ["unsupported-version"]),  # the library once said compatible
        ((b"mc2 x\n", b"mc3\n", None), ["unsupported-version", "unsupported-version"]),
        ((b"mc2 x\n", None, None), ["unsupported-version"]),  # VD1 comes before VD2
        ((b"mc1 driver=\n", _RULES, None), ["missing-attribute"]),
        ((_SOURCE, None, None), ["missing-attribute"]),
    ],
)
def test_check_attributes_decides_vd1_then_vd2(attributes: tuple[bytes | None, ...], codes: list[str]) -> None:
    """Row 8.5-VD1 in the library: an attribute of an unsupported format version, the target's own included,
    makes the verdict unknown with its reason, in argument order, as the CLI and mc_check answer."""
    verdict = check_attributes(*attributes)
    assert verdict.answer is Answer.UNKNOWN
    assert [reason.code for reason in verdict.reasons] == codes
    assert not schema_errors("verdict", verdict.to_json())


def test_check_attributes_is_check_on_what_parses() -> None:
    own = b"mc1 driver=d\n"
    assert check_attributes(_SOURCE, _RULES, own) == check(
        parse_version(_SOURCE), parse_compatible(_RULES), parse_version(own)
    )
    assert check_attributes(_SOURCE.decode(), _RULES, b"mc1 driver=\n") == check(  # invalid own: $ without value
        parse_version(_SOURCE), parse_compatible(_RULES), None
    )
    with pytest.raises(TypeError, match="target_self must be a str or bytes"):
        check_attributes(_SOURCE, _RULES, 3)  # type: ignore[arg-type]


def test_check_attributes_says_whether_an_attribute_is_missing_or_not_valid() -> None:
    """A caller logging the verdict learns what to fix: the missing attribute, or the invalid one's error."""
    verdict = check_attributes(b"mc1 driver=\n", None)
    assert [reason.code for reason in verdict.reasons] == ["missing-attribute", "missing-attribute"]
    invalid, missing = (reason.message for reason in verdict.reasons)
    assert invalid.startswith("the source's migration_version is not valid: error[syntax]: ")
    assert invalid.endswith("(line 1, column 12)")
    assert missing == "the target's migration_compatible_devices is missing"
    [reason] = check_attributes(_SOURCE, b"mc1\naccept driver=d \n").reasons
    assert reason.message.startswith("the target's migration_compatible_devices is not valid: error[whitespace]: ")
    assert verdict.summary() == f"unknown: {invalid}; {missing}"
    assert not schema_errors("verdict", verdict.to_json())


def test_check_attributes_says_why_the_own_values_are_not_known() -> None:
    """An own migration_version that is not valid counts as missing (8.4-SF4), but the reason says so."""
    rules = "mc1\naccept driver=i915 share=$\n"
    verdict = check_attributes("mc1 driver=i915 share=1/2\n", rules, b"mc1 driver=i915 share=01/2\n")
    [outcome] = verdict.nearest
    assert [reason.code for reason in verdict.reasons] == ["missing-self"] == [r.code for r in outcome.reasons]
    assert verdict.reasons[0].message == (
        "the rule compares share with the target's own value ($), which is not known: the target's"
        " migration_version is not valid: error[leading-zero]: ratio 01/2: numerator integer 01 has a leading zero"
        " (line 1, column 23)"
    )
    assert outcome.reasons == verdict.reasons
    plain = check_attributes("mc1 driver=i915 share=1/2\n", rules, None)  # not given: nothing to add
    assert plain.reasons[0].message.endswith("which is not known")
    assert not schema_errors("verdict", verdict.to_json())


def test_check_attributes_takes_what_the_parsers_take() -> None:
    verdict = check_attributes(bytearray(b"mc1 driver=d\n"), memoryview(b"mc1\naccept driver=d\n"))
    assert verdict.answer is Answer.COMPATIBLE
    assert str(verdict.answer) == f"{verdict.answer}" == "compatible"  # a log line shows the word
