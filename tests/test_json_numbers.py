"""JSON numbers: every reader decides an integer-valued member exactly as its JSON Schema does.

JSON Schema's ``"integer"`` is a number whose exact value is an integer,
whatever its spelling: ``1.0``, ``1e0`` and ``10E-1`` are the integer 1;
``1.00000000000000000001`` (which a binary float rounds to 1.0) and ``1.5``
are not, and ``true`` is no number at all (specification clause 2.4). For
each integer member of each document migcompat reads, the table below writes
the member with many spellings into an otherwise valid document and asks the
schema (validated on the exact values, numbers decoded as
:class:`~decimal.Decimal`) and the reader the same question: they must agree.
The one bound a schema cannot state: an integer of more than
:data:`~migcompat.jsonmodel.MAX_JSON_INTEGER_DIGITS` digits, however written,
is refused by every reader before it is converted.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.validators import extend
from referencing import Registry, Resource

import migcompat
from migcompat import capture, jsonmodel
from migcompat._jsondoc import decode_number, integer_value, json_text
from migcompat.cases.model import case_problems
from migcompat.cases.schemas import SCHEMA_FILES, load
from migcompat.errors import DataModelError
from migcompat.exports.kubernetes import build_export
from migcompat.exports.mapping import mapping_text, parse_mapping
from migcompat.exports.table import build_table
from migcompat.fleet.inventory import load_inventory
from migcompat.jsonmodel import MAX_JSON_INTEGER_DIGITS, decode_json

ROOT = Path(__file__).resolve().parents[1]

# ---------------------------------------------------------------- the schema, on exact values


def _exact_integer(checker: object, instance: object) -> bool:
    if isinstance(instance, bool):
        return False
    if isinstance(instance, Decimal):
        return instance.is_finite() and instance == instance.to_integral_value()
    return isinstance(instance, int)


def _exact_number(checker: object, instance: object) -> bool:
    return not isinstance(instance, bool) and isinstance(instance, (int, Decimal))


ExactValidator = extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine_many({"integer": _exact_integer, "number": _exact_number}),
)
"""Draft 2020-12 judging the numbers of a document decoded with ``parse_float=Decimal``: on their exact value."""


@functools.cache
def _registry() -> Registry[Any]:
    return Registry().with_resources((load(name)["$id"], Resource.from_contents(load(name))) for name in SCHEMA_FILES)


@functools.cache
def _validator(name: str) -> Any:
    return ExactValidator(load(name), registry=_registry())


def schema_accepts(name: str, text: str) -> bool:
    """Whether *text*, its numbers read exactly, is valid against the schema file *name*."""
    return bool(_validator(name).is_valid(json.loads(text, parse_float=Decimal)))


# ---------------------------------------------------------------- the readers


def _data_model(text: str) -> None:
    jsonmodel.loads(text)


def _capture(text: str) -> None:
    capture.loads(text)


def _case_file(text: str) -> None:
    document = decode_json(text, lambda message, *_: ValueError(message), strict=True)
    problems = case_problems(document["cases"][0])
    if problems:
        raise ValueError(problems)


def _labels(text: str) -> None:
    parse_mapping(text.encode("utf-8"), "m.json", "migcompat-kubernetes-labels")


def _verdict(text: str) -> None:
    migcompat.Verdict.from_json(decode_json(text, lambda message, *_: ValueError(message), strict=True))


@functools.cache
def _documents() -> dict[str, Any]:
    """An otherwise valid document of each format, as decoded JSON."""
    compatible = migcompat.parse("mc1\ndefault device_api=vfio-pci\naccept device_api=vfio-pci v=$1..$\n")
    version = migcompat.parse("mc1 device_api=vfio-pci\n")
    cases = json.loads((ROOT / "conformance" / "cases" / "parse-invalid.json").read_text(encoding="utf-8"))
    case = next(case for case in cases["cases"] if "line" in case["expect"])
    providers = load_inventory([str(ROOT / "conformance" / "samples" / "nvidia-vgpu")]).providers
    labels = json.loads(mapping_text(build_export(build_table(providers)).to_json(), "m"))
    source = migcompat.parse("mc1 device_api=vfio-pci\n")
    target = migcompat.parse("mc1\naccept device_api=vfio-pci\n")
    return {
        "version": migcompat.to_json(version),
        "compatible": migcompat.to_json(compatible),
        "capture": json.loads((ROOT / "tests" / "data" / "capture-spec-1.0-mtty.json").read_text(encoding="utf-8")),
        "cases": {**{k: v for k, v in cases.items() if k != "cases"}, "cases": [case]},
        "labels": labels,
        "verdict": migcompat.check(source, target).to_json(),
    }


FIELDS: list[tuple[str, str, str, Callable[[str], None], int]] = [
    # (document, JSON Pointer of the member, schema, reader, a valid value)
    ("version", "/format", "data-model.schema.json", _data_model, 1),
    ("compatible", "/format", "data-model.schema.json", _data_model, 1),
    ("compatible", "/rules/0/constraints/v/alternatives/0/min/length", "data-model.schema.json", _data_model, 1),
    ("compatible", "/rules/0/constraints/v/alternatives/0/min/length", "data-model.schema.json", _data_model, 7),
    ("capture", "/version", "capture.schema.json", _capture, 1),
    ("cases", "/cases/0/expect/line", "case-file.schema.json", _case_file, 1),
    ("cases", "/cases/0/expect/column", "case-file.schema.json", _case_file, 1),
    ("labels", "/version", "kubernetes-labels.schema.json", _labels, 3),
    ("labels", "/accept_sets/0/0", "kubernetes-labels.schema.json", _labels, 0),
    ("verdict", "/also_near", "verdict.schema.json", _verdict, 0),
]


def spellings(value: int) -> list[str]:
    """*value* written every way JSON allows, and numbers near it that are not integers, and non-numbers."""
    return [
        f"{value}",
        f"{value}.0",
        f"{value}.000",
        f"{value}e0",
        f"{value}E+0",
        f"{value * 10}E-1",
        f"{value * 100}e-2",
        f"0.{value}e1",
        f"{value}.00000000000000000001",
        f"{value}.5",
        f"{value}e-400",
        f"{value + 1}.0",
        f"{value + 1}e0",
        f"{value}.99999999999999999999",
        "-0.0",
        "1e400",
        "1e999999999",
        "-1e999999999",
        "true",
        "false",
        "null",
        f'"{value}"',
        f"[{value}]",
    ]


def _written(document: Any, pointer: str, spelling: str) -> str:
    """*document* as JSON text with the member at *pointer* written as *spelling*, verbatim."""
    marker = "@@number@@"
    copy = json.loads(json.dumps(document))
    *parents, last = pointer.split("/")[1:]
    node = copy
    for name in parents:
        node = node[int(name)] if isinstance(node, list) else node[name]
    node[int(last) if isinstance(node, list) else last] = marker
    return json.dumps(copy).replace(json.dumps(marker), spelling)


def _digits(spelling: str) -> int:
    """How many digits the integer *spelling* stands for (0 when it is none): cheaply, without making it."""
    try:
        value = json.loads(spelling, parse_float=Decimal)
    except ValueError:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or not _exact_integer(None, value) or not value:
        return 0
    return Decimal(value).adjusted() + 1


@pytest.mark.parametrize(
    ("document", "pointer", "schema", "reader", "value"),
    FIELDS,
    ids=[f"{document}{pointer}={value}" for document, pointer, _, _, value in FIELDS],
)
def test_the_schema_and_the_reader_agree_on_every_spelling(
    document: str, pointer: str, schema: str, reader: Callable[[str], None], value: int
) -> None:
    base = _documents()[document]
    assert schema_accepts(schema, _written(base, pointer, str(value))), "the base document is valid"
    for spelling in spellings(value):
        text = _written(base, pointer, spelling)
        valid = schema_accepts(schema, text)
        try:
            reader(text)
        except (migcompat.MigcompatError, ValueError) as exc:
            accepted, why = False, str(exc)
        else:
            accepted, why = True, ""
        if valid and _digits(spelling) > MAX_JSON_INTEGER_DIGITS:  # the readers' bound, which no schema states
            assert not accepted and f"at most {MAX_JSON_INTEGER_DIGITS} are read" in why, spelling
            continue
        assert accepted == valid, f"{pointer}: {spelling}: schema {'accepts' if valid else 'refuses'}, reader {why}"


# ---------------------------------------------------------------- the decoded values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.0", 1),
        ("1e0", 1),
        ("10E-1", 1),
        ("100e-2", 1),
        ("0.1e1", 1),
        ("-0.0", 0),
        ("0e-99999999999999999999999", 0),
        ("1.5e1", 15),
        ("1e63", 10**63),
        ("-2.50e1", -25),
        ("1" + "0" * 100_000 + "e-100000", 1),
    ],
)
def test_a_number_whose_exact_value_is_an_integer_decodes_as_an_int(text: str, expected: int) -> None:
    decoded = decode_json(text, lambda message, *_: ValueError(message))
    assert type(decoded) is int and decoded == expected


@pytest.mark.parametrize(
    "text",
    ["1.00000000000000000001", "0.99999999999999999999", "1.5", "1e-400", "-1e-400", "1e-99999999999999999999"],
)
def test_a_number_that_is_no_integer_never_decodes_as_one(text: str) -> None:
    decoded = decode_json(f"[{text}]", lambda message, *_: ValueError(message))[0]
    assert type(decoded) is not int and integer_value(decoded) is None
    assert Draft202012Validator({"type": "integer"}).is_valid(decoded) is False
    assert Draft202012Validator({"type": "number"}).is_valid(decoded) is True
    if isinstance(decoded, Decimal) and "99999999999999999999" not in text:
        assert json_text(decoded) == str(Decimal(text)), "written back as the same number"


def test_true_is_not_the_integer_1() -> None:
    assert integer_value(True) is None and integer_value(False) is None
    assert integer_value(1.0) == 1 and integer_value(Decimal("10E-1")) == 1 and integer_value(1) == 1
    assert integer_value(float("inf")) is None and integer_value(Decimal("NaN")) is None
    assert integer_value(Decimal("1e999999999")) is None, "never converted"


@pytest.mark.parametrize(
    "text",
    ["1e999999999", "-1e999999999", "1e99999999999999999999999", "1" * 65 + ".0", "1.0e64", "1e" + "9" * 100_000],
)
def test_an_integer_beyond_the_bound_is_refused_quickly_however_written(text: str) -> None:
    start = time.perf_counter()
    with pytest.raises(ValueError, match=f"at most {MAX_JSON_INTEGER_DIGITS} are read"):
        decode_json(f'{{"format": {text}}}', lambda message, *_: ValueError(message))
    assert time.perf_counter() - start < 1.0


def test_a_long_fraction_costs_time_linear_in_its_length() -> None:
    start = time.perf_counter()
    assert decode_number("1." + "0" * 2_000_000 + "1") == Decimal("1." + "0" * 2_000_000 + "1")
    assert time.perf_counter() - start < 1.0


# ---------------------------------------------------------------- the errors


def test_a_data_model_number_that_is_no_integer_is_refused_at_its_member() -> None:
    document = migcompat.to_json(
        migcompat.parse("mc1\ndefault device_api=vfio-pci\naccept device_api=vfio-pci v=$1..$\n")
    )
    length = "/rules/0/constraints/v/alternatives/0/min/length"
    for pointer, spelling in [("/format", "1.00000000000000000001"), (length, "1.00000000000000000001")]:
        with pytest.raises(DataModelError) as caught:
            jsonmodel.loads(_written(document, pointer, spelling))
        assert caught.value.path == pointer and "found a number" in caught.value.message
    assert jsonmodel.loads(_written(document, length, "1.0")) == jsonmodel.loads(_written(document, length, "1"))
    assert jsonmodel.from_json({**document, "format": 1.0}) == jsonmodel.from_json(document)
    with pytest.raises(DataModelError, match="found true"):
        jsonmodel.from_json({**document, "format": True})
