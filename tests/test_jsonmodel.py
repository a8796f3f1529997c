"""The JSON data model: the schema, to_json/from_json, and their agreement.

The schema's patterns are ECMA-262 regular expressions, as JSON Schema
specifies. Python's ``re`` differs in one way that matters here: ``$`` also
matches before a final newline, so ``jsonschema`` as shipped would accept
``"vfio-pci\\n"`` as a token. The validator below applies ``pattern`` with
ECMA-262's meaning of ``$`` (the end of the string) so that the tests hold the
schema to what it says.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema.validators import Draft202012Validator, extend
from referencing import Registry, Resource

import migcompat
from migcompat import jsonmodel
from migcompat._values import TOKEN_ALPHABET
from migcompat.cases.paths import source_checkout
from migcompat.emit import emit
from migcompat.errors import DataModelError
from migcompat.jsonmodel import EXTRA_CHECKS, SCHEMA_ID, from_json, load_schema, to_json
from migcompat.model import SELF, CompatibleDevices, Equals, Field, MigrationVersion, Range, Rule, Subset
from migcompat.parse import parse
from migcompat.resources import data_path
from strategies import compatible_models, examples, members, tokens, version_models

RUNS_LONG = True  # queued first in the default run (conftest.py)

REPO = Path(__file__).resolve().parents[1]
SCHEMA_FILE = REPO / "spec" / "schema" / "data-model.schema.json"


# ---------------------------------------------------------------- the validator


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[jsonschema.ValidationError]:
    if validator.is_type(instance, "string"):
        python = pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith(r"\$") else pattern
        if not re.search(python, instance):
            yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = extend(Draft202012Validator, {"pattern": _ecma_pattern})
SCHEMA = load_schema()
VALIDATOR = EcmaValidator(SCHEMA)
_REGISTRY: Registry[Any] = Registry().with_resource(SCHEMA_ID, Resource.from_contents(SCHEMA))


def _validator_for(definition: str) -> Any:
    return EcmaValidator({"$ref": f"{SCHEMA_ID}#/$defs/{definition}"}, registry=_REGISTRY)


DOCUMENT_VALIDATORS = {name: _validator_for(name) for name in ("migration_version", "migration_compatible_devices")}


def schema_errors(document: object) -> list[str]:
    """The schema's complaints about *document* (empty when it is valid)."""
    return [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(document)]


# ---------------------------------------------------------------- realistic attributes

UUID1_VERSION = (
    "mc1 aggregate=1 device_api=vfio-pci driver=i915 gvt.interface_version=3 gvt.pv_mode={context,ppgtt} "
    "pci_id=8086:591d share=1/2 stream=gvt-gen9 type=i915-GVTg_V5_2\n"
)
_GVT_TYPES = "type=i915-GVTg_V5_1|i915-GVTg_V5_2|i915-GVTg_V5_4|i915-GVTg_V5_8"
UUID1_COMPATIBLE = (
    "mc1\n"
    "default gvt.pv_mode={}\n"
    "accept aggregate=1..8 device_api=vfio-pci driver=i915 gvt.interface_version=2..3 gvt.pv_mode<={context,ppgtt} "
    f"pci_id=8086:591d share=1/2 stream=gvt-gen9 {_GVT_TYPES}\n"
    "accept aggregate=1..8 device_api=vfio-pci driver=i915 gvt.interface_version=1 gvt.pv_mode={} "
    f"pci_id=8086:591d share=1/2 stream=gvt-gen9 {_GVT_TYPES}\n"
)
UUID2_VERSION = (
    "mc1 aggregate=2 device_api=vfio-pci driver=i915 gvt.interface_version=1 pci_id=8086:591d share=1/2 "
    "stream=gvt-gen9 type=i915-GVTg_V5_4\n"
)
UUID2_COMPATIBLE = (
    "mc1\naccept aggregate=1..8 device_api=vfio-pci driver=i915 gvt.interface_version=1 pci_id=8086:591d "
    f"share=1/2 stream=gvt-gen9 {_GVT_TYPES}\n"
)
GVT_TEMPLATE = (
    "mc1 device_api=vfio-pci driver=i915 gvt.interface_version=3 pci_id=8086:591d stream=gvt-gen9 type=i915-GVTg_V5_8\n"
    "param aggregate=1 share=1/8\n"
    "param aggregate=2 share=1/4\n"
    "param aggregate=4 share=1/2\n"
    "param aggregate=8 share=1/1\n"
)
GVT_TEMPLATE_COMPATIBLE = (
    "mc1\n"
    "default gvt.pv_mode={}\n"
    "accept aggregate=1..8 device_api=vfio-pci driver=i915 gvt.interface_version=1..3 gvt.pv_mode<=$ "
    f"pci_id=8086:591d share=$ stream=gvt-gen9 {_GVT_TYPES}\n"
)
NVIDIA_VERSION = (
    "mc1 device_api=vfio-pci driver=nvidia ~name=GRID%20T4-2Q nvidia.vgpu_mgr=16.4.0 pci_id=10de:1eb8 "
    "pci_subsystem=10de:12a2 stream=nvidia-vgpu stream_version=16.4 type=nvidia-222\n"
)
NVIDIA_COMPATIBLE = (
    "mc1\n"
    "accept device_api=vfio-pci driver=nvidia name=GRID%20T4-2Q nvidia.vgpu_mgr=16.0..$ pci_id=10de:1eb8 "
    "stream=nvidia-vgpu stream_version=16.0..16.4|$\n"
)
MLX5_VERSION = (
    "mc1 device_api=vfio-pci driver=mlx5_vfio_pci features={ipsec,roce,vlan} mlx5.max_queues=64 pci_id=15b3:101e "
    "~pci_subsystem=15b3:0061 stream=mlx5-vf stream_version=2.1\n"
)
MLX5_COMPATIBLE = (
    "mc1\n"
    "default features={} mlx5.max_queues=1\n"
    "accept device_api=vfio-pci driver=mlx5_vfio_pci features<=$ mlx5.max_queues=..$ pci_id=15b3:101e "
    "stream=mlx5-vf stream_version=2.0..2.1|3.0\n"
    "accept device_api=vfio-pci driver=mlx5_vfio_pci features>={roce} pci_id=15b3:101e stream=mlx5-vf\n"
)
OTHERS = [
    "mc1 device_api=vfio-pci driver=mtty type=mtty-2\n",
    "mc1 device_api=vfio-ccw driver=vfio_ccw\n",
    "mc1 device_api=vfio-ap driver=vfio_ap legacy=8086-591d-i915-GVTg_V5_2-1\n",
    "mc1 a=18446744073709551615 b=0 v=0.0 w=1.2.3.4.5.6.7.8 r=0/1 t=GRID%20T4-2Q s={1,1.2,a} e={}\n",
    "mc1 a=b\nparam ~aggregate=1 share=1/8\nparam ~aggregate=2\n",
    "mc1 a=b\nparam mode={x,y} q=1\nparam mode={} q=2\nparam size=large\n",
    "mc1\n",
    "mc1\naccept\n",
    "mc1\naccept share=1/8..1/2|1/1 version=$..$ n=0..|5\n",
    "mc1\naccept gvt.pv_mode={}|{ppgtt}|{context,ppgtt}|$\n",
    "mc1\ndefault aggregate=1 features={}\naccept aggregate=$ features>=$\n",
]
ATTRIBUTES = [
    UUID1_VERSION,
    UUID1_COMPATIBLE,
    UUID2_VERSION,
    UUID2_COMPATIBLE,
    GVT_TEMPLATE,
    GVT_TEMPLATE_COMPATIBLE,
    NVIDIA_VERSION,
    NVIDIA_COMPATIBLE,
    MLX5_VERSION,
    MLX5_COMPATIBLE,
    *OTHERS,
]


# ---------------------------------------------------------------- (a) the schema itself


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert SCHEMA["$id"] == SCHEMA_ID == "urn:migcompat:schema:data-model:1.0"
    assert SCHEMA["title"]
    assert SCHEMA["description"]
    assert {"migration_version", "migration_compatible_devices"} <= set(SCHEMA["$defs"])


def test_every_definition_is_described_and_every_object_closed() -> None:
    for name, definition in SCHEMA["$defs"].items():
        assert definition.get("description"), name

    def objects(node: Any) -> Iterator[dict[str, Any]]:
        """Every object schema that lists its members, other than the tag dispatchers."""
        if isinstance(node, dict):
            if node.get("type") == "object" and "properties" in node and "allOf" not in node:
                yield node
            for child in node.values():
                yield from objects(child)
        elif isinstance(node, list):
            for child in node:
                yield from objects(child)

    closed = list(objects(SCHEMA["$defs"]))
    assert len(closed) >= 15
    for node in closed:
        assert node.get("additionalProperties") is False, node


@pytest.mark.skipif(source_checkout() is None, reason="the package is installed, not imported from a source tree")
def test_load_schema_reads_the_normative_file() -> None:
    assert load_schema() == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert data_path("data-model.schema.json").resolve() == SCHEMA_FILE.resolve()
    first, second = load_schema(), load_schema()
    first["$defs"].clear()
    assert second["$defs"], "load_schema must hand out a fresh copy"


def test_schema_examples_are_valid_documents() -> None:
    for name in ("migration_version", "migration_compatible_devices"):
        for example in SCHEMA["$defs"][name]["examples"]:
            assert schema_errors(example) == []
            assert to_json(from_json(example)) == example


def test_lexeme_patterns_are_the_grammar_terminals() -> None:
    from migcompat.reference_parser import lark_parser

    terminals = {terminal.name: terminal.pattern.value for terminal in lark_parser().terminals}
    assert jsonmodel._KEY.pattern == terminals["KEY"]
    assert jsonmodel._INT.pattern == terminals["INT"]
    assert jsonmodel._VERSION.pattern == terminals["VERSION"]
    assert jsonmodel._RATIO.pattern == terminals["RATIO"]
    assert jsonmodel._TOKEN.pattern == terminals["TOKEN"]


def test_importing_migcompat_does_not_import_jsonschema() -> None:
    code = "import sys, migcompat; migcompat.from_json; assert 'jsonschema' not in sys.modules, 'jsonschema imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
    source = Path(jsonmodel.__file__).read_text(encoding="utf-8")
    assert "import jsonschema" not in source
    assert "from jsonschema" not in source


# ---------------------------------------------------------------- (b) to_json output is valid


@pytest.mark.parametrize("text", ATTRIBUTES)
def test_to_json_of_parsed_attributes_is_valid(text: str) -> None:
    model = parse(text)
    document = to_json(model)
    assert schema_errors(document) == []
    assert list(DOCUMENT_VALIDATORS[document["attribute"]].iter_errors(document)) == []
    other = next(name for name in DOCUMENT_VALIDATORS if name != document["attribute"])
    assert not DOCUMENT_VALIDATORS[other].is_valid(document)


def test_to_json_of_uuid1() -> None:
    document = to_json(parse(UUID1_VERSION))
    assert document["attribute"] == "migration_version"
    assert document["format"] == 1
    assert document["params"] == []
    assert document["fields"]["aggregate"] == {"critical": True, "value": {"type": "integer", "value": "1"}}
    assert document["fields"]["gvt.pv_mode"]["value"] == {"type": "set", "value": ["context", "ppgtt"]}
    assert document["fields"]["share"]["value"] == {"type": "ratio", "value": "1/2"}
    assert list(document["fields"]) == sorted(document["fields"])


def test_to_json_of_uuid1_rules() -> None:
    document = to_json(parse(UUID1_COMPATIBLE))
    assert document["defaults"] == {"gvt.pv_mode": {"type": "set", "value": []}}
    first, second = (rule["constraints"] for rule in document["rules"])
    assert first["aggregate"] == {
        "alternatives": [
            {"max": {"type": "integer", "value": "8"}, "min": {"type": "integer", "value": "1"}, "type": "range"}
        ],
        "op": "equals",
    }
    assert first["gvt.pv_mode"] == {"op": "subset", "operand": {"type": "set", "value": ["context", "ppgtt"]}}
    assert [alt["value"] for alt in first["type"]["alternatives"]] == [
        "i915-GVTg_V5_1",
        "i915-GVTg_V5_2",
        "i915-GVTg_V5_4",
        "i915-GVTg_V5_8",
    ]
    assert second["gvt.pv_mode"] == {"alternatives": [{"type": "set", "value": []}], "op": "equals"}


def test_to_json_of_template_and_self() -> None:
    template = to_json(parse(GVT_TEMPLATE))
    assert [param["value"]["value"] for param in template["params"]] == ["1", "2", "4", "8"]
    assert template["params"][0] == {
        "critical": True,
        "fields": {"share": {"critical": True, "value": {"type": "ratio", "value": "1/8"}}},
        "name": "aggregate",
        "value": {"type": "integer", "value": "1"},
    }
    rules = to_json(parse(NVIDIA_COMPATIBLE))["rules"][0]["constraints"]
    assert rules["nvidia.vgpu_mgr"]["alternatives"] == [
        {"max": {"type": "self"}, "min": {"type": "version", "value": "16.0"}, "type": "range"}
    ]
    assert rules["stream_version"]["alternatives"][1] == {"type": "self"}
    mlx5 = to_json(parse(MLX5_COMPATIBLE))["rules"]
    assert mlx5[0]["constraints"]["features"] == {"op": "subset", "operand": {"type": "self"}}
    assert mlx5[0]["constraints"]["mlx5.max_queues"]["alternatives"] == [
        {"max": {"type": "self"}, "min": None, "type": "range"}
    ]
    assert mlx5[1]["constraints"]["features"] == {"op": "superset", "operand": {"type": "set", "value": ["roce"]}}


def test_to_json_rejects_other_objects() -> None:
    with pytest.raises(TypeError):
        to_json("mc1 a=b\n")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        to_json(Rule({}))  # type: ignore[arg-type]


# ---------------------------------------------------------------- (c) round trips


@pytest.mark.parametrize("text", ATTRIBUTES)
def test_round_trips_of_parsed_attributes(text: str) -> None:
    model = parse(text)
    document = to_json(model)
    assert from_json(document) == model
    assert to_json(from_json(document)) == document
    assert from_json(json.loads(json.dumps(document))) == model
    assert json.dumps(document) == json.dumps(document, sort_keys=True)
    assert emit(from_json(document)) == emit(model)


def test_from_json_builds_the_expected_model() -> None:
    document = {
        "attribute": "migration_compatible_devices",
        "defaults": {"features": {"type": "set", "value": []}},
        "format": 1,
        "rules": [
            {
                "constraints": {
                    "features": {"op": "subset", "operand": {"type": "self"}},
                    "n": {
                        "alternatives": [
                            {"max": None, "min": {"type": "integer", "value": "2"}, "type": "range"},
                            {"type": "self"},
                        ],
                        "op": "equals",
                    },
                }
            }
        ],
    }
    assert from_json(document) == CompatibleDevices(
        (Rule({"features": Subset(SELF), "n": Equals((Range(2, None), SELF))}),), {"features": frozenset()}
    )
    assert from_json(document) == parse("mc1\ndefault features={}\naccept features<=$ n=2..|$\n")


def test_set_members_in_any_order_and_arrays_as_tuples() -> None:
    document = to_json(parse(UUID1_VERSION))
    shuffled = copy.deepcopy(document)
    shuffled["fields"]["gvt.pv_mode"]["value"]["value"] = ["ppgtt", "context"]
    shuffled["params"] = ()
    assert from_json(shuffled) == parse(UUID1_VERSION)
    assert to_json(from_json(shuffled)) == document


def test_format_may_be_written_as_a_json_float() -> None:
    document = to_json(parse("mc1 a=b\n"))
    document["format"] = 1.0
    assert schema_errors(document) == []
    assert from_json(document) == MigrationVersion({"a": Field("b")})


@settings(max_examples=examples(50))
@given(st.one_of(version_models(), compatible_models()))
def test_round_trip_of_generated_models(model: MigrationVersion | CompatibleDevices) -> None:
    document = to_json(model)
    assert schema_errors(document) == []
    assert from_json(document) == model
    assert to_json(from_json(document)) == document
    assert json.dumps(document) == json.dumps(document, sort_keys=True)
    assert from_json(to_json(parse(emit(model)))) == parse(emit(model))


# ---------------------------------------------------------------- (d) bad documents


def _document(text: str) -> dict[str, Any]:
    return to_json(parse(text))


V = _document("mc1 device_api=vfio-pci f={a,b} n=3 share=1/2 v=1.2\nparam aggregate=1 slot=x\nparam aggregate=2\n")
C = _document("mc1\ndefault f={}\naccept a=1..8 d=vfio-pci f<={x,y} s=$ v=1.0..$\n")
A = "/rules/0/constraints/a"  # an equals constraint of C


def _set(document: Any, pointer: str, value: Any) -> None:
    parts = [part.replace("~1", "/").replace("~0", "~") for part in pointer.split("/")[1:]]
    node = document
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if isinstance(node, list) and int(last) == len(node):
        node.append(value)
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def bad(base: Any, *changes: tuple[str, Any], drop: str | None = None) -> Any:
    """A copy of *base* with each (pointer, value) set and the member *drop* removed."""
    document = copy.deepcopy(base)
    for pointer, value in changes:
        _set(document, pointer, value)
    if drop is not None:
        parent, _, name = drop.rpartition("/")
        node = document
        for part in parent.split("/")[1:]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        del node[name]
    return document


def _deep(depth: int) -> list[Any]:
    node: list[Any] = []
    for _ in range(depth):
        node = [node]
    return node


def _token(value: str) -> dict[str, str]:
    return {"type": "token", "value": value}


def _integer(value: str) -> dict[str, str]:
    return {"type": "integer", "value": value}


def _range(low: Any, high: Any) -> dict[str, Any]:
    return {"max": high, "min": low, "type": "range"}


_MANY_FIELDS = {f"field_{i:03d}": {"critical": True, "value": _token("x" * 40)} for i in range(100)}

# (document, JSON pointer of the error, what rejects it: "schema" or the EXTRA_CHECKS code)
N = "/fields/n/value/value"  # the integer of V
VER = "/fields/v/value/value"  # the version of V
RAT = "/fields/share/value/value"  # the ratio of V
TOK = "/fields/device_api/value"  # the token of V
SET = "/fields/f/value/value"  # the set of V
F = "/rules/0/constraints/f"  # a subset constraint of C
ALT = A + "/alternatives"

BAD_DOCUMENTS: list[tuple[str, Any, str, str]] = [
    # the document as a whole
    ("array", [], "", "schema"),
    ("null", None, "", "schema"),
    ("string", "mc1 a=b\n", "", "schema"),
    ("empty object", {}, "", "schema"),
    ("unknown attribute", bad(V, ("/attribute", "migration_foo")), "/attribute", "schema"),
    ("attribute not a string", bad(V, ("/attribute", ["migration_version"])), "/attribute", "schema"),
    ("format 2", bad(V, ("/format", 2)), "/format", "schema"),
    ("format true", bad(V, ("/format", True)), "/format", "schema"),
    ("format as a string", bad(C, ("/format", "1")), "/format", "schema"),
    ("missing params", bad(V, drop="/params"), "", "schema"),
    ("missing rules", bad(C, drop="/rules"), "", "schema"),
    ("unknown member", bad(V, ("/comment", "hello")), "/comment", "schema"),
    ("member of the other attribute", bad(V, ("/defaults", {})), "/defaults", "schema"),
    # fields
    ("no fields", bad(V, ("/fields", {})), "/fields", "schema"),
    ("fields an array", bad(V, ("/fields", [])), "/fields", "schema"),
    ("upper-case key", bad(V, ("/fields/Device_api", V["fields"]["device_api"])), "/fields/Device_api", "schema"),
    ("key with two dots", bad(V, ("/fields/a.b.c", V["fields"]["n"])), "/fields/a.b.c", "schema"),
    ("key of 64 bytes", bad(V, ("/fields/" + "k" * 64, V["fields"]["n"])), "/fields/" + "k" * 64, "schema"),
    ("key with a slash", bad(V, ("/fields/a~1b", V["fields"]["n"])), "/fields/a~1b", "schema"),
    ("critical a string", bad(V, ("/fields/n/critical", "yes")), "/fields/n/critical", "schema"),
    ("critical 1", bad(V, ("/fields/n/critical", 1)), "/fields/n/critical", "schema"),
    ("missing critical", bad(V, drop="/fields/n/critical"), "/fields/n", "schema"),
    ("field a bare value", bad(V, ("/fields/n", _integer("3"))), "/fields/n/type", "schema"),
    ("deeply nested field", bad(V, ("/fields/n", _deep(50))), "/fields/n", "schema"),
    # values
    ("unknown value type", bad(V, ("/fields/n/value/type", "float")), "/fields/n/value/type", "schema"),
    ("self as a field value", bad(V, ("/fields/n/value", {"type": "self"})), "/fields/n/value/type", "schema"),
    ("value missing", bad(V, drop=N), "/fields/n/value", "schema"),
    ("value extra member", bad(V, ("/fields/n/value/unit", "MB")), "/fields/n/value/unit", "schema"),
    ("integer as a number", bad(V, (N, 3)), N, "schema"),
    ("integer true", bad(V, (N, True)), N, "schema"),
    ("leading zero", bad(V, (N, "007")), N, "schema"),
    ("negative integer", bad(V, (N, "-1")), N, "schema"),
    ("non-ASCII digits", bad(V, (N, "\u0661\u0662")), N, "schema"),
    ("integer of 5000 digits", bad(V, (N, "9" * 5000)), N, "schema"),
    ("version of one part", bad(V, (VER, "1")), VER, "schema"),
    ("version of nine parts", bad(V, (VER, "1.2.3.4.5.6.7.8.9")), VER, "schema"),
    ("version leading zero", bad(V, (VER, "1.02")), VER, "schema"),
    ("zero denominator", bad(V, (RAT, "1/0")), RAT, "schema"),
    ("ratio 0/2", bad(V, (RAT, "0/2")), RAT, "schema"),
    ("ratio as a token", bad(V, ("/fields/share/value/type", "token")), RAT, "schema"),
    ("digit-only token", bad(V, (TOK + "/value", "1.2")), TOK + "/value", "schema"),
    ("token with a space", bad(V, (TOK, _token("vfio pci"))), TOK + "/value", "schema"),
    ("token with ..", bad(V, (TOK, _token("a..b"))), TOK + "/value", "schema"),
    ("lower-case escape", bad(V, (TOK, _token("T4%2f2Q"))), TOK + "/value", "schema"),
    ("escape of a letter", bad(V, (TOK, _token("%41B"))), TOK + "/value", "schema"),
    ("escape of a dot", bad(V, (TOK, _token("a%2Eb"))), TOK + "/value", "schema"),
    ("escape of DEL", bad(V, (TOK, _token("a%7F"))), TOK + "/value", "schema"),
    ("token of 256 bytes", bad(V, (TOK, _token("t" * 256))), TOK + "/value", "schema"),
    ("token ending in LF", bad(V, (TOK, _token("vfio-pci\n"))), TOK + "/value", "schema"),
    ("empty token", bad(V, (TOK, _token(""))), TOK + "/value", "schema"),
    ("set a string", bad(V, (SET, "{a,b}")), SET, "schema"),
    ("set duplicate", bad(V, (SET, ["a", "a"])), SET + "/1", "schema"),
    ("set of 65", bad(V, (SET, [f"m{i}" for i in range(65)])), SET + "/64", "schema"),
    ("empty set member", bad(V, (SET, [""])), SET + "/0", "schema"),
    ("set member a number", bad(V, (SET, ["a", 1])), SET + "/1", "schema"),
    ("set member with comma", bad(V, (SET, ["a,b"])), SET + "/0", "schema"),
    # params
    ("params an object", bad(V, ("/params", {})), "/params", "schema"),
    ("param not an object", bad(V, ("/params/1", "aggregate=2")), "/params/1", "schema"),
    ("param bad name", bad(V, ("/params/0/name", "1abc")), "/params/0/name", "schema"),
    ("param missing fields", bad(V, drop="/params/1/fields"), "/params/1", "schema"),
    ("param value a range", bad(V, ("/params/0/value", _range(None, _integer("2")))), "/params/0/value/type", "schema"),
    # rules and constraints
    ("rules an object", bad(C, ("/rules", {"constraints": {}})), "/rules", "schema"),
    ("rule not an object", bad(C, ("/rules/0", [])), "/rules/0", "schema"),
    ("rule missing constraints", bad(C, ("/rules/0", {})), "/rules/0", "schema"),
    ("unknown operator", bad(C, (A + "/op", "like")), A + "/op", "schema"),
    ("no alternatives", bad(C, (ALT, [])), ALT, "schema"),
    ("alternatives not an array", bad(C, (ALT, _integer("1"))), ALT, "schema"),
    ("equals with operand", bad(C, (A + "/operand", {"type": "self"})), A + "/operand", "schema"),
    ("subset with alternatives", bad(C, (F, {"alternatives": [], "op": "subset"})), F + "/alternatives", "schema"),
    ("subset of a token", bad(C, (F + "/operand", _token("x"))), F + "/operand/type", "schema"),
    ("range of two open ends", bad(C, (ALT + "/0", _range(None, None))), ALT + "/0/max", "schema"),
    ("range missing max", bad(C, drop=ALT + "/0/max"), ALT + "/0", "schema"),
    ("range of tokens", bad(C, (ALT + "/0/min", _token("a"))), ALT + "/0/min/type", "schema"),
    ("range of sets", bad(C, (ALT + "/0/max", {"type": "set", "value": []})), ALT + "/0/max/type", "schema"),
    (
        "self with a value",
        bad(C, ("/rules/0/constraints/s/alternatives/0/value", "$")),
        "/rules/0/constraints/s/alternatives/0/value",
        "schema",
    ),
    ("literal duplicate alternative", bad(C, (ALT, [_integer("1"), _integer("1")])), ALT + "/1", "schema"),
    ("default of self", bad(C, ("/defaults/f", {"type": "self"})), "/defaults/f/type", "schema"),
    (
        "default with criticality",
        bad(C, ("/defaults/f", {"critical": True, "value": _integer("1")})),
        "/defaults/f",
        "schema",
    ),
    (
        "bad constraint key",
        bad(C, ("/rules/0/constraints/~0x", C["rules"][0]["constraints"]["d"])),
        "/rules/0/constraints/~0x",
        "schema",
    ),
    # the checks a schema cannot state
    ("integer 2**64", bad(V, (N, "18446744073709551616")), N, "int-overflow"),
    ("version part 2**64", bad(V, (VER, "1.18446744073709551616")), VER, "int-overflow"),
    ("ratio term 2**64", bad(V, (RAT, "1/18446744073709551616")), RAT, "int-overflow"),
    ("unreduced ratio", bad(V, (RAT, "2/4")), RAT, "unreduced-ratio"),
    ("empty range", bad(C, (ALT + "/0", _range(_integer("8"), _integer("1")))), ALT + "/0", "empty-range"),
    ("range of two types", bad(C, (ALT + "/0/max", {"type": "version", "value": "8.0"})), ALT + "/0", "mixed-types"),
    ("alternatives of two types", bad(C, (ALT + "/1", _token("x"))), ALT + "/1", "mixed-types"),
    (
        "same set twice",
        bad(
            C,
            (
                F,
                {
                    "alternatives": [{"type": "set", "value": ["a", "b"]}, {"type": "set", "value": ["b", "a"]}],
                    "op": "equals",
                },
            ),
        ),
        F + "/alternatives/1",
        "duplicate-member",
    ),
    ("param is a fixed field", bad(V, ("/params/0/name", "n")), "/params/0/name", "duplicate-key"),
    (
        "param field is a fixed field",
        bad(V, ("/params/0/fields/device_api", V["fields"]["n"])),
        "/params/0/fields/device_api",
        "duplicate-key",
    ),
    (
        "param field is the param",
        bad(V, ("/params/0/fields/aggregate", V["fields"]["n"])),
        "/params/0/fields/aggregate",
        "duplicate-key",
    ),
    ("param value twice", bad(V, ("/params/1/value", _integer("1"))), "/params/1/value", "duplicate-param"),
    ("param values of two types", bad(V, ("/params/1/value", _token("two"))), "/params/1/value", "mixed-types"),
    (
        "two params set one field",
        bad(V, ("/params/1/name", "mode"), ("/params/1/fields/slot", V["fields"]["n"])),
        "/params/1/fields/slot",
        "param-conflict",
    ),
    ("canonical text over 4095 bytes", bad(V, ("/fields", _MANY_FIELDS)), "", "too-long"),
]


@pytest.mark.parametrize(
    ("document", "path", "rejected_by"), [case[1:] for case in BAD_DOCUMENTS], ids=[case[0] for case in BAD_DOCUMENTS]
)
def test_from_json_rejects_bad_documents(document: Any, path: str, rejected_by: str) -> None:
    with pytest.raises(DataModelError) as info:
        from_json(document)
    error = info.value
    assert error.code == "invalid-model"
    assert error.path == path, error.message
    assert error.to_dict() == {"code": "invalid-model", "message": error.message, "path": path}
    assert str(error).startswith("error[invalid-model]: ")
    if rejected_by == "schema":
        assert schema_errors(document), f"the schema accepts what from_json rejects: {error}"
    else:
        assert rejected_by in EXTRA_CHECKS
        assert schema_errors(document) == [], "an extra check the schema makes after all"
        assert error.message.endswith(f"[{rejected_by}]"), error.message


def test_bad_documents_are_many_and_distinct() -> None:
    assert len(BAD_DOCUMENTS) >= 25
    texts = [
        json.dumps(case[1], sort_keys=True) if case[0] != "deeply nested field" else "deep" for case in BAD_DOCUMENTS
    ]
    assert len(set(texts)) == len(texts)
    assert {case[3] for case in BAD_DOCUMENTS} == {"schema"} | EXTRA_CHECKS


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("007", "leading-zero"),
        ("18446744073709551616", "int-overflow"),
    ],
)
def test_messages_name_the_text_format_check(value: str, code: str) -> None:
    with pytest.raises(DataModelError) as info:
        from_json(bad(V, ("/fields/n/value/value", value)))
    assert info.value.message.endswith(f"[{code}]")


def test_absurd_inputs() -> None:
    looped: dict[str, Any] = {"attribute": "migration_version", "format": 1, "params": []}
    looped["fields"] = {"a": looped}
    cases: list[tuple[object, str]] = [
        (looped, "/fields/a/attribute"),
        ({1: 2}, ""),
        (bad(V, ("/fields/n", {("a",): 1})), "/fields/n"),
        (object(), ""),
        (b'{"attribute": "migration_version"}', ""),
        (bad(V, ("/format", float("nan"))), "/format"),
        (bad(V, ("/format", 10**10000)), "/format"),
        (bad(V, ("/fields/n/value/value", "\ud800")), "/fields/n/value/value"),
        (bad(V, ("/fields/device_api/value/value", "x" * 1_000_000)), "/fields/device_api/value/value"),
        (bad(V, ("/fields/" + "k" * 100_000, V["fields"]["n"])), "/fields/" + "k" * 100_000),
        (bad(C, (A + "/alternatives", [_deep(100_000)])), A + "/alternatives/0"),
        (bad(V, ("/params", [_deep(100_000)])), "/params/0"),
        ({"attribute": {"nested": _deep(100_000)}}, "/attribute"),
    ]
    for document, path in cases:
        with pytest.raises(DataModelError) as info:
            from_json(document)
        assert info.value.path == path
        assert len(info.value.message) < 300, "messages quote only a bounded part of the input"


@pytest.mark.parametrize("kind", ["token", "set"])
def test_every_escape_is_judged_alike(kind: str) -> None:
    """The schema spells out the allowed %XX escapes; _values.token checks them. They agree on all 484."""
    digits = "0123456789ABCDEFabcdef"
    accepted = set()
    for high in digits:
        for low in digits:
            text = f"GRID%{high}{low}T4"
            document = bad(V, (SET, [text])) if kind == "set" else bad(V, (TOK, _token(text)))
            if check_agreement(document) is not None:
                accepted.add(chr(int(high + low, 16)))
    printable = {chr(code) for code in range(0x20, 0x7F)}
    assert accepted == printable - set(TOKEN_ALPHABET)
    assert "%" in accepted
    assert " " in accepted


def test_integer_beyond_python_digit_limit() -> None:
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(640)
    try:
        with pytest.raises(DataModelError) as info:
            from_json(bad(V, ("/fields/n/value/value", "1" * 700)))
    finally:
        sys.set_int_max_str_digits(limit)
    assert info.value.path == "/fields/n/value/value"


def test_numbers_as_text_reads_any_number_and_keeps_the_other_checks() -> None:
    """decode_json(numbers_as_text=True), for a reader that only judges whether a text is JSON (the case files'
    document_text): a number of any length is kept as its text; a member twice and a text that is no JSON are
    still refused."""

    class Fault(ValueError):
        def __init__(self, message: str, line: int | None, column: int | None) -> None:
            super().__init__(message)

    long = "1" + "0" * 4998 + "1"
    text = f'{{"format": {long}, "n": [1.0, 1e400, -0.5]}}'
    with pytest.raises(Fault, match="an integer of 5000 digits"):
        jsonmodel.decode_json(text, Fault)
    assert jsonmodel.decode_json(text, Fault, numbers_as_text=True) == {"format": long, "n": ["1.0", "1e400", "-0.5"]}
    with pytest.raises(Fault):
        jsonmodel.decode_json('{"a": 1, "a": 2}', Fault, strict=True, numbers_as_text=True)
    with pytest.raises(Fault):
        jsonmodel.decode_json("{1: 2}", Fault, numbers_as_text=True)


# ---------------------------------------------------------------- (e) arbitrary input

json_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=30,
)
_NAMES = ["attribute", "format", "fields", "params", "defaults", "rules", "constraints", "op", "alternatives",
          "operand", "type", "value", "min", "max", "critical", "name"]  # fmt: skip
near_documents = st.fixed_dictionaries(
    {"attribute": st.sampled_from(["migration_version", "migration_compatible_devices"]), "format": st.just(1)},
    optional=dict.fromkeys([name for name in _NAMES if name not in ("attribute", "format")], json_data),
)


def resolve(document: Any, pointer: str) -> Any:
    """The node *pointer* names in *document*; fails when there is none."""
    node = document
    for raw in pointer.split("/")[1:] if pointer else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, (list, tuple)) else node[part]
    return node


def check_agreement(document: Any) -> MigrationVersion | CompatibleDevices | None:
    """from_json returns a model or raises DataModelError, in agreement with the schema."""
    errors = schema_errors(document)
    try:
        model = from_json(document)
    except DataModelError as error:
        assert error.code == "invalid-model"
        resolve(document, error.path)
        if not errors:
            code = re.search(r"\[([a-z-]+)\]$", error.message)
            assert code is not None, f"schema accepts, from_json says {error}"
            assert code[1] in EXTRA_CHECKS, f"schema accepts, from_json says {error}"
        return None
    assert errors == [], f"from_json accepts what the schema rejects: {errors}"
    assert parse(emit(model)) == model
    assert from_json(to_json(model)) == model
    return model


@settings(max_examples=examples(100))
@given(json_data | near_documents)
def test_arbitrary_json_returns_a_model_or_data_model_error(data: Any) -> None:
    check_agreement(data)


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    """A valid document with one node replaced, removed or added."""
    document = to_json(draw(st.one_of(version_models(), compatible_models())))
    pointers = list(_pointers(document, ""))
    pointer = draw(st.sampled_from(pointers))
    parent_pointer, _, name = pointer.rpartition("/")
    parent = resolve(document, parent_pointer)
    action = draw(st.sampled_from(["replace", "replace", "string", "remove", "add"]))
    if action == "add" and isinstance(parent, dict):
        parent[draw(st.sampled_from([*_NAMES, "x", "Bad", "a.b"]))] = draw(json_data)
    elif action == "remove" and isinstance(parent, dict):
        del parent[name.replace("~1", "/").replace("~0", "~")]
    else:
        old = resolve(document, pointer)
        if action == "string" and isinstance(old, str):
            new: Any = draw(_edited(old))
        else:
            new = draw(json_data | st.sampled_from(pointers).map(lambda p: copy.deepcopy(resolve(document, p))))
        _set(document, pointer, new)
    return document


def _pointers(node: Any, pointer: str) -> Iterator[str]:
    if pointer:
        yield pointer
    if isinstance(node, dict):
        for name, child in node.items():
            yield from _pointers(child, pointer + "/" + name.replace("~", "~0").replace("/", "~1"))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _pointers(child, f"{pointer}/{index}")


@st.composite
def _edited(draw: st.DrawFn, text: str) -> str:
    where = draw(st.integers(0, len(text)))
    insert = draw(st.text("09./%2AFaz_:+-~ {}$\n", max_size=3))
    cut = draw(st.integers(0, 2))
    return text[:where] + insert + text[where + cut :]


@settings(max_examples=examples(50))
@given(mutated_documents())
def test_mutated_documents_agree_with_the_schema(document: Any) -> None:
    check_agreement(document)


_LEXEME_ALPHABET = "0123456789./%2AEFaz_:+-~ \n"


@settings(max_examples=examples(100))
@given(
    kind=st.sampled_from(["token", "integer", "version", "ratio", "set", "key"]),
    text=st.text(_LEXEME_ALPHABET, max_size=12)
    | tokens()
    | members
    | st.from_regex(r"\A[0-9]{1,21}(/[0-9]{1,21}|(\.[0-9]{1,21}){1,9})?\Z"),
)
def test_every_lexeme_is_judged_alike(kind: str, text: str) -> None:
    """For each kind of string, the schema's pattern and from_json's checks agree."""
    if kind == "key":
        document = bad(V, ("/fields/" + text.replace("~", "~0").replace("/", "~1"), V["fields"]["n"]))
    elif kind == "set":
        document = bad(V, ("/fields/f/value/value", [text]))
    else:
        document = bad(V, ("/fields/n/value", {"type": kind, "value": text}))
    model = check_agreement(document)
    if model is not None and kind != "set" and kind != "key":
        assert isinstance(model, MigrationVersion)
        assert to_json(model)["fields"]["n"]["value"]["value"] == text


def test_public_names() -> None:
    assert migcompat.from_json is from_json
    assert migcompat.to_json is to_json
    assert set(jsonmodel.__all__) >= {"from_json", "to_json", "load_schema"}


def test_a_document_far_larger_than_any_model_is_refused_before_it_is_built() -> None:
    """No model of a 4095-byte attribute holds 65,536 values: a bigger document is refused at once."""
    fields = {f"k{i}": {"critical": True, "value": {"type": "integer", "value": i}} for i in range(20_000)}
    document = {"attribute": "migration_version", "format": 1, "params": [], "fields": fields}
    with pytest.raises(DataModelError, match=r"a document of more than 65536 values: .*\[too-long\]"):
        from_json(document)
    with pytest.raises(DataModelError, match="a document of 100005 values; at most 65536 are decoded"):
        jsonmodel.loads(json.dumps(document))
    with pytest.raises(DataModelError, match=r"from_json\(\) takes the decoded document; loads\(\) takes JSON text"):
        from_json(json.dumps(document))
