"""The comparator's JSON Schemas: verdict, relation and plan.

Each schema describes exactly what ``to_json()`` of :class:`Verdict`,
:class:`RelationResult` and :class:`Plan` writes (the root), and, under
``$defs``, the documents the ``check``, ``relate`` and ``plan`` commands write.
Like ``test_jsonmodel``, validation runs the schemas' patterns as the
ECMA-262 expressions JSON Schema says they are (Python's ``$`` would also
match before a final newline).

:func:`document_errors` is also used by ``test_cli_compare`` to validate real
command output.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema.validators import Draft202012Validator, extend
from referencing import Registry, Resource

from migcompat import parse_compatible, parse_version
from migcompat.cases.paths import source_checkout
from migcompat.compare import check
from migcompat.errors import ERROR_CODES
from migcompat.model import SELF, CompatibleDevices, Equals, Field, MigrationVersion, Range, Rule, Subset, Version
from migcompat.plan import Plan, plan
from migcompat.relate import Relation, relate
from migcompat.resources import data_path
from migcompat.verdict import REASON_CODES, UNDECIDED_CODES, Answer, Grade, Reason, Verdict
from strategies import compatible_models, version_models

REPO = Path(__file__).resolve().parents[1]
SCHEMA_DIR = REPO / "spec" / "schema"
FILES = {
    "verdict": "verdict.schema.json",
    "relation": "relation.schema.json",
    "plan": "plan.schema.json",
}
SCHEMAS: dict[str, dict[str, Any]] = {
    name: json.loads((SCHEMA_DIR / file).read_text(encoding="utf-8")) for name, file in FILES.items()
}
IDS = {name: f"urn:migcompat:schema:{name}:1.0" for name in FILES}
DOCUMENTS = {"verdict": "check_document", "relation": "relate_document", "plan": "plan_document"}
"""The ``$defs`` entry describing each command's JSON output."""

# The GVT-g example of the design brief.
UUID1_VERSION = (
    "mc1 aggregate=1 device_api=vfio-pci driver=i915 gvt.interface_version=3 gvt.pv_mode={context,ppgtt} "
    "pci_id=8086:591d share=1/2 stream=gvt-gen9 type=i915-GVTg_V5_2\n"
)
TYPES = "type=i915-GVTg_V5_1|i915-GVTg_V5_2|i915-GVTg_V5_4|i915-GVTg_V5_8"
UUID1_RULES = (
    "mc1\n"
    "default gvt.pv_mode={}\n"
    "accept aggregate=1..8 device_api=vfio-pci driver=i915 gvt.interface_version=2..3 "
    f"gvt.pv_mode<={{context,ppgtt}} pci_id=8086:591d share=1/2 stream=gvt-gen9 {TYPES}\n"
    "accept aggregate=1..8 device_api=vfio-pci driver=i915 gvt.interface_version=1 gvt.pv_mode={} "
    f"pci_id=8086:591d share=1/2 stream=gvt-gen9 {TYPES}\n"
)
UUID2_VERSION = (
    "mc1 aggregate=2 device_api=vfio-pci driver=i915 gvt.interface_version=1 pci_id=8086:591d share=1/2 "
    "stream=gvt-gen9 type=i915-GVTg_V5_4\n"
)
UUID2_RULES = (
    "mc1\n"
    "accept aggregate=1..8 device_api=vfio-pci driver=i915 gvt.interface_version=1 pci_id=8086:591d share=1/2 "
    f"stream=gvt-gen9 {TYPES}\n"
)
V5_8_TEMPLATE = (
    "mc1 device_api=vfio-pci driver=i915 gvt.interface_version=3 pci_id=8086:591d stream=gvt-gen9 type=i915-GVTg_V5_8\n"
    + "".join(
        f"param aggregate={k} share={Fraction(k, 8).numerator}/{Fraction(k, 8).denominator}\n" for k in range(1, 9)
    )
)
V5_8_RULES = (
    "mc1\n"
    "default gvt.pv_mode={}\n"
    "accept aggregate=1..8 device_api=vfio-pci driver=i915 gvt.interface_version=1..3 "
    f"gvt.pv_mode<={{context,ppgtt}} pci_id=8086:591d share=$ stream=gvt-gen9 {TYPES}\n"
)


# ---------------------------------------------------------------- validators


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[jsonschema.ValidationError]:
    if validator.is_type(instance, "string"):
        python = pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith(r"\$") else pattern
        if not re.search(python, instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = extend(Draft202012Validator, {"pattern": _ecma_pattern})
REGISTRY: Registry[Any] = Registry().with_resources(
    (schema["$id"], Resource.from_contents(schema)) for schema in SCHEMAS.values()
)


def _errors(schema: dict[str, Any], document: object) -> list[str]:
    validator = EcmaValidator(schema, registry=REGISTRY)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def schema_errors(name: str, document: object) -> list[str]:
    """What schema *name*'s root (the library's ``to_json()``) says about *document*."""
    return _errors(SCHEMAS[name], document)


def definition_errors(name: str, definition: str, document: object) -> list[str]:
    """What ``$defs/definition`` of schema *name* says about *document*."""
    return _errors({"$ref": f"{IDS[name]}#/$defs/{definition}"}, document)


def document_errors(name: str, document: object) -> list[str]:
    """What schema *name* says about a command's JSON output *document*."""
    return definition_errors(name, DOCUMENTS[name], document)


def roundtrip(document: dict[str, object]) -> object:
    """*document* as a JSON consumer sees it."""
    return json.loads(json.dumps(document))


# ---------------------------------------------------------------- the schemas themselves


@pytest.mark.parametrize("name", sorted(FILES))
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    schema = SCHEMAS[name]
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == IDS[name]
    assert schema["title"]
    assert schema["description"]
    for definition, body in schema["$defs"].items():
        assert body.get("description"), f"{name}: $defs/{definition} has no description"
    assert DOCUMENTS[name] in schema["$defs"]


@pytest.mark.skipif(source_checkout() is None, reason="the package is installed, not imported from a source tree")
@pytest.mark.parametrize("name", sorted(FILES))
def test_schemas_are_found_as_package_data(name: str) -> None:
    assert data_path(FILES[name]).resolve() == (SCHEMA_DIR / FILES[name]).resolve()


def test_every_cross_reference_resolves() -> None:
    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for child in node.values():
                yield from refs(child)
        elif isinstance(node, list):
            for child in node:
                yield from refs(child)

    for name, schema in SCHEMAS.items():
        for ref in refs(schema):
            base, _, pointer = ref.partition("#")
            target = SCHEMAS[next(n for n, i in IDS.items() if i == base)] if base else schema
            assert pointer.startswith("/$defs/"), ref
            assert pointer.removeprefix("/$defs/") in target["$defs"], f"{name}: {ref} does not resolve"


def test_reason_code_enum_is_the_reason_code_table() -> None:
    assert SCHEMAS["verdict"]["$defs"]["reason_code"]["enum"] == list(REASON_CODES)
    for code, meaning in REASON_CODES.items():
        assert f"{code}: {meaning}" in SCHEMAS["verdict"]["$defs"]["reason_code"]["description"]


def test_undecided_codes_are_the_library_s() -> None:
    assert set(SCHEMAS["verdict"]["$defs"]["undecided_code"]["enum"]) == UNDECIDED_CODES


def test_error_code_enum_is_the_error_code_table() -> None:
    assert SCHEMAS["verdict"]["$defs"]["error_code"]["enum"] == list(ERROR_CODES)


def test_vocabularies_are_the_library_enums() -> None:
    assert SCHEMAS["verdict"]["$defs"]["answer"]["enum"] == [answer.value for answer in Answer]
    assert SCHEMAS["verdict"]["$defs"]["grade"]["enum"] == [grade.value for grade in Grade]
    assert SCHEMAS["relation"]["$defs"]["relation_name"]["enum"] == [relation.value for relation in Relation]


# ---------------------------------------------------------------- verdicts


def gvt_verdicts() -> dict[str, Verdict]:
    uuid1, uuid2 = parse_version(UUID1_VERSION), parse_version(UUID2_VERSION)
    rules1, rules2 = parse_compatible(UUID1_RULES), parse_compatible(UUID2_RULES)
    template, type_rules = parse_version(V5_8_TEMPLATE), parse_compatible(V5_8_RULES)
    return {
        "accepted": check(uuid2, rules1, uuid1),
        "identical": check(uuid1, rules1, uuid1),
        "incompatible": check(uuid1, rules2, uuid2),
        "missing-self": check(uuid2, type_rules, None),
        "template-self": check(uuid2, type_rules, template),
        "source-is-template": check(template, rules1, uuid1),
        "no-rules": check(uuid1, parse_compatible("mc1\n")),
        "unsupported-version": Verdict(
            Answer.UNKNOWN, reasons=(Reason("unsupported-version", None, "format version 2 is not supported"),)
        ),
    }


@pytest.mark.parametrize("case", sorted(gvt_verdicts()))
def test_gvt_verdicts_validate(case: str) -> None:
    verdict = gvt_verdicts()[case]
    document = roundtrip(verdict.to_json())
    assert schema_errors("verdict", document) == []
    assert definition_errors("verdict", "verdict", document) == []


def test_gvt_verdict_cases_are_the_expected_answers() -> None:
    verdicts = gvt_verdicts()
    assert verdicts["accepted"].grade is Grade.ACCEPTED
    assert verdicts["identical"].grade is Grade.IDENTICAL
    assert verdicts["incompatible"].answer is Answer.INCOMPATIBLE
    for case in ("missing-self", "source-is-template", "unsupported-version"):
        assert verdicts[case].answer is Answer.UNKNOWN, case
    # A template self stands for the devices the type creates: aggregate=4 accepts UUID2 (clause 8.5).
    assert verdicts["template-self"].answer is Answer.COMPATIBLE
    assert [reason.code for reason in verdicts["no-rules"].reasons] == ["no-rules"]


def _mutated(document: object, change: Any) -> object:
    copied = copy.deepcopy(document)
    change(copied)
    return copied


def _set(path: list[Any], value: object) -> Any:
    def change(document: Any) -> None:
        for step in path[:-1]:
            document = document[step]
        document[path[-1]] = value

    return change


VERDICT_MUTATIONS = {
    "compatible-without-grade": ("accepted", _set(["grade"], None)),
    "compatible-without-rule": ("accepted", _set(["matched_rule"], None)),
    "compatible-with-reasons": (
        "accepted",
        _set(["reasons"], [{"code": "not-equal", "field": "driver", "message": "x", "source": "a", "allowed": "=b"}]),
    ),
    "compatible-also-near": ("accepted", _set(["also_near"], 1)),
    "negative-also-near": ("incompatible", _set(["also_near"], -1)),
    "missing-also-near": ("incompatible", lambda d: d.pop("also_near")),
    "unknown-answer": ("accepted", _set(["verdict"], "maybe")),
    "extra-member": ("accepted", _set(["source"], "file")),
    "missing-member": ("incompatible", lambda d: d.pop("nearest")),
    "incompatible-with-grade": ("incompatible", _set(["grade"], "accepted")),
    "incompatible-with-rule": ("incompatible", _set(["matched_rule"], 0)),
    "incompatible-without-reasons": ("no-rules", _set(["reasons"], [])),
    "unknown-reason-code": ("incompatible", _set(["reasons", 0, "code"], "too-old")),
    "bad-field-key": ("incompatible", _set(["reasons", 0, "field"], "Driver")),
    "bad-allowed": ("incompatible", _set(["reasons", 0, "allowed"], "1")),
    "failed-outcome-of-unknown": ("missing-self", _set(["nearest", 0, "outcome"], "failed")),
    "decided-reason-in-unknown": ("missing-self", _set(["reasons", 0, "code"], "not-equal")),
    "undecided-outcome-with-failure": ("missing-self", _set(["nearest", 0, "reasons", 0, "code"], "not-equal")),
    "matched-outcome-with-reasons": ("incompatible", _set(["nearest", 0, "outcome"], "matched")),
    "negative-rule-index": ("incompatible", _set(["nearest", 0, "rule"], -1)),
}


@pytest.mark.parametrize("mutation", sorted(VERDICT_MUTATIONS))
def test_schema_rejects_what_no_verdict_is(mutation: str) -> None:
    case, change = VERDICT_MUTATIONS[mutation]
    document = roundtrip(gvt_verdicts()[case].to_json())
    assert schema_errors("verdict", document) == []
    assert schema_errors("verdict", _mutated(document, change)) != []


# A small world, so that generated sources and rules often meet (and $ often resolves).
KEYS = ["driver", "stream_version", "features", "share", "gvt.mode"]
TOKENS = ["i915", "nvidia", "mlx5"]
MEMBERS = ["a", "b", "c"]
small_versions = st.builds(lambda a, b: Version((a, b)), st.integers(1, 3), st.integers(0, 3))
member_sets = st.frozensets(st.sampled_from(MEMBERS))
SMALL_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "driver": st.sampled_from(TOKENS),
    "stream_version": small_versions,
    "features": member_sets,
    "share": st.sampled_from([1, 2, 4]),
    "gvt.mode": st.sampled_from(TOKENS) | st.integers(0, 3),
}


@st.composite
def small_sources(draw: st.DrawFn) -> MigrationVersion:
    keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, unique=True))
    return MigrationVersion({key: Field(draw(SMALL_VALUES[key]), draw(st.booleans())) for key in keys})


@st.composite
def small_constraint(draw: st.DrawFn, key: str) -> Any:
    if draw(st.integers(0, 5)) == 0:
        return Subset(SELF) if key == "features" else Equals((SELF,))
    if key == "features":
        return Subset(draw(member_sets))
    if key == "stream_version":
        low, high = sorted([draw(small_versions), draw(small_versions)], key=lambda v: v.padded())
        return Equals((draw(st.sampled_from([Range(low, high), Range(low, None), Range(None, high), low])),))
    values = st.lists(SMALL_VALUES[key] if key != "gvt.mode" else st.sampled_from(TOKENS), min_size=1, unique=True)
    return Equals(tuple(draw(values)))


@st.composite
def small_rule_sets(draw: st.DrawFn) -> CompatibleDevices:
    rules = []
    for _ in range(draw(st.integers(0, 3))):
        keys = draw(st.lists(st.sampled_from(KEYS), unique=True))
        rules.append(Rule({key: draw(small_constraint(key)) for key in keys}))
    defaults = {"gvt.mode": draw(st.sampled_from(TOKENS))} if draw(st.booleans()) else {}
    return CompatibleDevices(tuple(rules), defaults)


@given(small_sources(), small_rule_sets(), st.none() | small_sources())
def test_every_small_world_verdict_validates(
    source: MigrationVersion, target: CompatibleDevices, own: MigrationVersion | None
) -> None:
    verdict = check(source, target, own)
    assert schema_errors("verdict", roundtrip(verdict.to_json())) == []


@given(version_models(), compatible_models(), st.none() | version_models())
def test_every_verdict_validates(
    source: MigrationVersion, target: CompatibleDevices, own: MigrationVersion | None
) -> None:
    verdict = check(source, target, own)
    assert schema_errors("verdict", roundtrip(verdict.to_json())) == []


# ---------------------------------------------------------------- relations


@given(small_rule_sets(), small_rule_sets(), st.none() | small_sources(), st.none() | small_sources())
def test_every_small_world_relation_validates(
    first: CompatibleDevices,
    second: CompatibleDevices,
    first_self: MigrationVersion | None,
    second_self: MigrationVersion | None,
) -> None:
    result = relate(first, second, first_self, second_self)
    assert schema_errors("relation", roundtrip(result.to_json())) == []


def test_gvt_relations_validate() -> None:
    rules1, rules2 = parse_compatible(UUID1_RULES), parse_compatible(UUID2_RULES)
    for first, second in ((rules1, rules2), (rules2, rules1), (rules1, rules1), (parse_compatible("mc1\n"), rules1)):
        document = roundtrip(relate(first, second).to_json())
        assert schema_errors("relation", document) == [], document
    noted = relate(parse_compatible(V5_8_RULES), rules1).to_json()
    assert noted["notes"]
    assert schema_errors("relation", roundtrip(noted)) == []


RELATION_MUTATIONS = {
    "equal-with-difference": ("equal", _set(["only_first"], UUID2_VERSION)),
    "subset-with-only-first": ("subset", _set(["only_first"], UUID2_VERSION)),
    # A region without a witness is allowed (null): the one found may be longer than one attribute (8.7).
    "witness-without-newline": ("superset", _set(["only_first"], UUID2_VERSION.rstrip("\n"))),
    "witness-two-lines": ("superset", _set(["only_first"], UUID2_VERSION + UUID2_VERSION)),
    "witness-is-rules": ("superset", _set(["only_first"], UUID2_RULES)),
    "unknown-relation": ("equal", _set(["relation"], "similar")),
    "extra-member": ("equal", _set(["a"], "rules")),
}


@pytest.mark.parametrize("mutation", sorted(RELATION_MUTATIONS))
def test_schema_rejects_what_no_relation_is(mutation: str) -> None:
    rules1, rules2 = parse_compatible(UUID1_RULES), parse_compatible(UUID2_RULES)
    narrower = parse_compatible(UUID2_RULES.replace("|i915-GVTg_V5_8", ""))
    results = {
        "equal": relate(rules1, rules1),
        "subset": relate(narrower, rules2),
        "superset": relate(rules2, narrower),
    }
    case, change = RELATION_MUTATIONS[mutation]
    document = roundtrip(results[case].to_json())
    assert document["relation"] == case
    assert schema_errors("relation", document) == []
    assert schema_errors("relation", _mutated(document, change)) != []


# ---------------------------------------------------------------- plans


def gvt_plans() -> dict[str, Plan]:
    template, rules = parse_version(V5_8_TEMPLATE), parse_compatible(V5_8_RULES)
    half = parse_version(UUID2_VERSION)
    third = parse_version(UUID2_VERSION.replace("share=1/2", "share=1/3"))
    no_share = parse_version(UUID2_VERSION.replace(" share=1/2", ""))
    unsupported = Verdict(Answer.UNKNOWN, reasons=(Reason("unsupported-version", None, "format version 2"),))
    return {
        "compatible": plan(half, template, rules),
        "incompatible": plan(third, template, rules),
        "unknown": plan(no_share, template, rules),
        "unsupported": Plan(Answer.UNKNOWN, {}, unsupported, ()),
    }


@pytest.mark.parametrize("case", sorted(gvt_plans()))
def test_gvt_plans_validate(case: str) -> None:
    result = gvt_plans()[case]
    assert result.answer.value == case if case != "unsupported" else result.answer is Answer.UNKNOWN
    assert schema_errors("plan", roundtrip(result.to_json())) == []


def test_gvt_plan_picks_aggregate_4() -> None:
    document = gvt_plans()["compatible"].to_json()
    assert document["choice"] == {"aggregate": "4"}
    assert document["parameters"] == [
        {"name": "aggregate", "values": ["1", "2", "3", "4", "5", "6", "7", "8"], "working": ["4"], "relevant": True}
    ]


PLAN_MUTATIONS = {
    "compatible-without-combination": ("compatible", _set(["combinations"], [])),
    "compatible-with-incompatible-verdict": ("compatible", _set(["verdict", "verdict"], "incompatible")),
    "incompatible-with-working-values": ("incompatible", _set(["parameters", 0, "working"], ["1"])),
    "incompatible-with-combination": ("incompatible", _set(["combinations"], [{"rule": 0, "values": {}}])),
    "incompatible-with-unknown-verdict": ("incompatible", _set(["answer"], "unknown")),
    "bad-parameter-name": ("compatible", _set(["choice"], {"Aggregate": "4"})),
    "parameter-without-values": ("compatible", _set(["parameters", 0, "values"], [])),
    "combination-with-empty-values": ("compatible", _set(["combinations", 0, "values", "aggregate"], [])),
    "verdict-with-extra-member": ("compatible", _set(["verdict", "source"], "x")),
    "missing-independent": ("compatible", _set(["independent"], None)),
}


@pytest.mark.parametrize("mutation", sorted(PLAN_MUTATIONS))
def test_schema_rejects_what_no_plan_is(mutation: str) -> None:
    case, change = PLAN_MUTATIONS[mutation]
    document = roundtrip(gvt_plans()[case].to_json())
    assert schema_errors("plan", document) == []
    assert schema_errors("plan", _mutated(document, change)) != []


# ---------------------------------------------------------------- the command documents


def test_command_documents_need_their_paths() -> None:
    verdict = roundtrip(gvt_verdicts()["accepted"].to_json())
    assert isinstance(verdict, dict)
    assert document_errors("verdict", verdict) != []
    output = {"source": "a", "target": "b", "target_self": None, **verdict}
    assert document_errors("verdict", output) == []
    assert schema_errors("verdict", output) != [], "the root is the library's object alone"
    assert document_errors("verdict", {**output, "bogus": 1}) != []
    # An input that cannot be read or is not valid counts as missing: the verdict of row 8.5-VD2, with its error.
    missing = roundtrip(check(None, parse_compatible("mc1\naccept a=1\n")).to_json())
    assert isinstance(missing, dict)
    failure = {
        "source": "a",
        "target": "b",
        "target_self": None,
        **missing,
        "input_errors": [
            {
                "input": "source",
                "path": "a",
                "error": {"code": "input-unreadable", "message": "No such file or directory"},
            }
        ],
    }
    old_shape = {"input": "source", "path": "a", "read_error": "No such file or directory", "code": "input-unreadable"}
    assert document_errors("verdict", {**failure, "input_errors": [old_shape]}) != []
    assert document_errors("verdict", failure) == []
    assert document_errors("verdict", {**failure, "input_errors": []}) != []
    without_verdict = {key: value for key, value in failure.items() if key not in missing}
    assert document_errors("verdict", without_verdict) != [], "the verdict is always given (clause 8.8)"
    parse_failure = {
        "input": "target",
        "path": "b",
        "attribute": "migration_compatible_devices",
        "error": {"code": "leading-zero", "message": "m", "line": 2, "column": 9},
    }
    assert document_errors("verdict", {**failure, "input_errors": [parse_failure]}) == []
    bad = {**parse_failure, "error": {**parse_failure["error"], "code": "oops"}}  # type: ignore[dict-item]
    assert document_errors("verdict", {**failure, "input_errors": [bad]}) != []


def test_relate_document_requires_required_and_satisfied_together() -> None:
    rules = parse_compatible(UUID1_RULES)
    output = {"a": "x", "b": "y", "a_self": None, "b_self": None, **relate(rules, rules).to_json()}
    assert document_errors("relation", output) == []
    assert document_errors("relation", {**output, "required": ["equal"], "satisfied": True}) == []
    assert document_errors("relation", {**output, "required": ["equal"]}) != []
    assert document_errors("relation", {**output, "satisfied": True}) != []
    assert document_errors("relation", {**output, "required": ["same"], "satisfied": False}) != []
