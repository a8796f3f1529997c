"""The data model is deeply immutable and hashable; every error for callers is a MigcompatError."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import pickle
import pkgutil
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import given, settings

import migcompat
from migcompat import _fast, emit, from_json, parse, parse_compatible, parse_version, to_json
from migcompat.capture import CaptureError
from migcompat.cases.model import CaseError, load_suite
from migcompat.cases.schemas import SchemaUnavailable
from migcompat.errors import ERROR_CODES, LIBRARY_ERROR_CODES, DataModelError, MigcompatError, ParseError
from migcompat.model import (
    SELF,
    CompatibleDevices,
    Equals,
    Field,
    FrozenMap,
    MigrationVersion,
    Param,
    Range,
    Rule,
    Subset,
)
from migcompat.reference_parser import reference_parse_compatible, reference_parse_version
from migcompat.verdict import Verdict
from strategies import examples, models

VERSIONS = [
    "mc1 device_api=vfio-pci driver=i915 ~share=1/2 type=i915-GVTg_V5_4\n",
    "mc1 features={ctx,ppgtt} fw=1.4.2 n=7\n",
    "mc1 device_api=vfio-pci driver=mlx5\nparam ~vfs=4 fw=28.39.1002\nparam ~vfs=8 fw=28.39.1002 mode=sriov\n",
]
COMPATIBLES = [
    "mc1\naccept\n",
    "mc1\ndefault features={} n=1\naccept driver=$ fw=1.0..$|2.0 n=..8 features<=$\n"
    "accept features>={ctx} share=1/4..1/2\n",
    "mc1\naccept device_api=vfio-pci type=a|b|c\naccept device_api=vfio-pci fw=$..\n",
]
TEXTS = VERSIONS + COMPATIBLES


def _reference(text: str) -> MigrationVersion | CompatibleDevices:
    if text in COMPATIBLES:
        return reference_parse_compatible(text)
    return reference_parse_version(text)


def _mappings(model: MigrationVersion | CompatibleDevices) -> list[Mapping[str, object]]:
    if isinstance(model, MigrationVersion):
        return [model.fields, *(param.fields for param in model.params)]
    return [model.defaults, *(rule.constraints for rule in model.rules)]


# ---------------------------------------------------------------- hashing and equality


@pytest.mark.parametrize("text", TEXTS)
def test_equal_models_from_every_builder_hash_equal(text: str) -> None:
    first = parse(text)
    _fast.clear_caches()
    again = parse(text)
    built = [again, _reference(text), from_json(to_json(first)), copy.deepcopy(first)]
    for other in built:
        assert other is not first
        assert other == first
        assert hash(other) == hash(first)
    assert hash(first) == hash(first)


def test_different_models_are_different_keys() -> None:
    keyed = {parse(text): text for text in TEXTS}
    assert len(keyed) == len(TEXTS)
    _fast.clear_caches()
    for text in TEXTS:
        assert keyed[parse(text)] == text
    assert len({parse(text) for text in TEXTS * 2}) == len(TEXTS)


@pytest.mark.parametrize("text", TEXTS)
def test_parsed_mappings_are_frozen(text: str) -> None:
    model = parse(text)
    for mapping in _mappings(model):
        assert type(mapping) is FrozenMap
        with pytest.raises(TypeError):
            mapping["x"] = 1  # type: ignore[index]
        with pytest.raises(TypeError):
            del mapping["x"]  # type: ignore[attr-defined]
        for name in ("update", "pop", "popitem", "clear", "setdefault", "__ior__"):
            assert not hasattr(mapping, name), name
        with pytest.raises(AttributeError):
            mapping._data = {}  # type: ignore[attr-defined]
    with pytest.raises(dataclasses.FrozenInstanceError):
        model.fields = {}  # type: ignore[misc,union-attr]


def test_fields_assignment_raises_type_error() -> None:
    model = parse_version(VERSIONS[0])
    with pytest.raises(TypeError):
        model.fields["driver"] = Field("nvidia")  # type: ignore[index]
    assert model.fields["driver"] == Field("i915")


def test_constructors_copy_plain_containers() -> None:
    fields = {"a": Field(1), "b": Field("x", critical=False)}
    extra = {"c": Field(2)}
    params = [Param("p", 1, True, extra)]
    version = MigrationVersion(fields, params)  # type: ignore[arg-type]
    fields["z"] = Field(0)
    extra.clear()
    assert type(version.fields) is FrozenMap and list(version.fields) == ["a", "b"]
    assert type(version.params) is tuple
    assert version.params[0].fields == {"c": Field(2)}
    assert version == MigrationVersion(
        FrozenMap({"a": Field(1), "b": Field("x", False)}), (Param("p", 1, True, extra | {"c": Field(2)}),)
    )

    constraints = {"n": Equals([1, Range(2, None), SELF]), "s": Subset(frozenset({"x"}))}  # type: ignore[arg-type]
    rule = Rule(constraints)
    constraints.clear()
    assert type(rule.constraints) is FrozenMap and type(rule.constraints["n"].alternatives) is tuple  # type: ignore[union-attr]
    devices = CompatibleDevices([rule], {"n": 1})  # type: ignore[arg-type]
    assert type(devices.rules) is tuple and type(devices.defaults) is FrozenMap
    assert parse_compatible(emit(devices)) == devices
    assert hash(parse_compatible(emit(devices))) == hash(devices)
    assert dataclasses.replace(devices, defaults={}).defaults == FrozenMap()


def test_defaults_are_shared_empty_maps() -> None:
    assert CompatibleDevices().defaults == {} and hash(CompatibleDevices()) == hash(CompatibleDevices(()))
    assert Param("p", 1).fields == {} and type(Param("p", 1).fields) is FrozenMap


def test_parsers_intern_keys_and_short_tokens() -> None:
    text = "mc1 device_api=vfio-pci driver=i915 features={ctx,ppgtt}\n"
    first = parse_version(text)
    _fast.clear_caches()
    for other in (parse_version(text), reference_parse_version(text), from_json(to_json(first))):
        assert isinstance(other, MigrationVersion)
        for mine, theirs in zip(first.fields, other.fields, strict=True):
            assert mine is theirs
        assert first.fields["driver"].value is other.fields["driver"].value
        assert {id(m) for m in first.fields["features"].value} == {  # type: ignore[union-attr]
            id(m)
            for m in other.fields["features"].value  # type: ignore[union-attr]
        }


# ---------------------------------------------------------------- pickling and copying


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
@pytest.mark.parametrize("text", TEXTS)
def test_pickle_round_trips(text: str, protocol: int) -> None:
    model = parse(text)
    hash(model)
    loaded = pickle.loads(pickle.dumps(model, protocol))
    assert "_hash" not in vars(loaded)  # string hashes differ between processes: never carried over
    assert loaded == model and hash(loaded) == hash(model)
    assert emit(loaded) == emit(model)
    for mine, theirs in zip(_mappings(model), _mappings(loaded), strict=True):
        assert type(theirs) is FrozenMap and list(theirs) == list(mine)


def test_copies_are_equal() -> None:
    for text in TEXTS:
        model = parse(text)
        assert copy.copy(model) == model == copy.deepcopy(model)
        assert hash(copy.copy(model)) == hash(model)


# ---------------------------------------------------------------- FrozenMap itself


def test_frozen_map_is_a_read_only_ordered_mapping() -> None:
    items = {"b": 2, "a": 1, "c": 3}
    frozen = FrozenMap(items)
    assert isinstance(frozen, Mapping) and not isinstance(frozen, dict)
    assert list(frozen) == ["b", "a", "c"] and list(reversed(frozen)) == ["c", "a", "b"]
    assert list(frozen.keys()) == ["b", "a", "c"]
    assert list(frozen.values()) == [2, 1, 3]
    assert list(frozen.items()) == [("b", 2), ("a", 1), ("c", 3)]
    assert len(frozen) == 3 and "a" in frozen and "z" not in frozen
    assert frozen["a"] == 1 and frozen.get("a") == 1 and frozen.get("z") is None and frozen.get("z", 0) == 0
    with pytest.raises(KeyError):
        frozen["z"]
    items["z"] = 26
    assert "z" not in frozen
    assert repr(frozen) == "FrozenMap({'b': 2, 'a': 1, 'c': 3})"
    assert FrozenMap(frozen) is frozen and copy.copy(frozen) is frozen
    assert FrozenMap([("x", 1)]) == {"x": 1}
    mutable = frozen.to_dict()
    mutable["d"] = 4
    assert type(mutable) is dict and list(mutable) == ["b", "a", "c", "d"] and "d" not in frozen
    assert FrozenMap() == {} and len(FrozenMap()) == 0


def test_frozen_map_equality_and_hash() -> None:
    frozen = FrozenMap({"a": 1, "b": 2})
    assert frozen == {"b": 2, "a": 1}
    assert {"b": 2, "a": 1} == frozen  # noqa: SIM300 - the reflected comparison is the point
    assert frozen == MappingProxyType({"a": 1, "b": 2}) and frozen == FrozenMap({"b": 2, "a": 1})
    assert frozen != {"a": 1} and frozen != {"a": 1, "b": 3} and frozen != [("a", 1), ("b", 2)]
    assert hash(frozen) == hash(FrozenMap({"b": 2, "a": 1})) == hash(frozenset({("a", 1), ("b", 2)}))
    with pytest.raises(TypeError):
        hash(FrozenMap({"a": [1]}))
    assert {frozen: 1}[FrozenMap({"b": 2, "a": 1})] == 1


def test_frozen_map_pickles() -> None:
    frozen = FrozenMap({"b": Field(2), "a": Field(frozenset({"x"}), False)})
    hash(frozen)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        loaded = pickle.loads(pickle.dumps(frozen, protocol))
        assert type(loaded) is FrozenMap and loaded == frozen and list(loaded) == ["b", "a"]
        assert hash(loaded) == hash(frozen)


# ---------------------------------------------------------------- property


@settings(max_examples=examples(50))
@given(models)
def test_round_trip_equality_implies_hash_equality(model: MigrationVersion | CompatibleDevices) -> None:
    parsed = parse(emit(model))
    assert parsed == model
    assert hash(parsed) == hash(model)
    assert {model: True}[parsed]
    assert pickle.loads(pickle.dumps(parsed)) == model


# ---------------------------------------------------------------- errors


def _library_exceptions() -> dict[str, type[BaseException]]:
    """Every public exception class the library defines, outside the command line.

    The command line's own exceptions (``migcompat.cli``) never leave it: each
    command turns them into a message and an exit status.
    """
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(migcompat.__path__, "migcompat."):
        parts = info.name.split(".")
        if parts[1] == "cli" or any(part.startswith("_") for part in parts[1:]):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == info.name
                and not name.startswith("_")
            ):
                found[f"{info.name}.{name}"] = value
    return found


def test_every_library_exception_is_a_migcompat_error() -> None:
    found = _library_exceptions()
    assert {"migcompat.errors.ParseError", "migcompat.capture.CaptureError"} <= set(found)
    assert [name for name, kind in found.items() if not issubclass(kind, MigcompatError)] == []


def test_case_error_is_still_a_value_error() -> None:
    assert issubclass(CaseError, ValueError)


def _raised(action: Callable[[], object]) -> MigcompatError:
    with pytest.raises(MigcompatError) as info:
        action()
    return info.value


def _examples(tmp_path: Path) -> list[tuple[MigcompatError, str, str]]:
    """(error, its code, its where) for an error of every class the library raises."""
    from migcompat import capture
    from migcompat.cases import schemas
    from migcompat.cases.spec import read_spec
    from migcompat.conformance.samples import load_sample
    from migcompat.exports.mapping import read_mapping
    from migcompat.fleet.inventory import load_inventory
    from migcompat.plan import device_from
    from migcompat.relate import RelationTooComplex

    missing = str(tmp_path / "missing.json")
    empty = tmp_path / "no-captures"
    empty.mkdir(exist_ok=True)
    return [
        (_raised(lambda: parse_version("mc1 a=007\n")), "leading-zero", "line 1, column 7"),
        (_raised(lambda: from_json({"attribute": "x"})), "invalid-model", "/attribute"),
        (_raised(lambda: capture.loads("{")), "capture-invalid", "line 1, column 2"),
        (_raised(lambda: capture.loads('{"format": "x"}')), "capture-invalid", "/format"),
        (_raised(lambda: capture.load(missing)), "capture-unreadable", missing),
        (_raised(lambda: capture.capture(missing)), "capture-unreadable", missing),
        (_raised(lambda: load_suite(tmp_path / "none")), "case-invalid", str(tmp_path / "none")),
        (_raised(lambda: load_sample("no-such-sample")), "sample-unknown", ""),
        (_raised(lambda: schemas.load("no-such.schema.json")), "schema-unavailable", "no-such.schema.json"),
        (RelationTooComplex("a bound was exceeded"), "too-complex", ""),
        (_raised(lambda: device_from(parse_version("mc1 a=1\nparam p=1\n"), {"p": "2"})), "choice-invalid", "p"),
        (_raised(lambda: load_inventory([missing])), "capture-unreadable", missing),
        (_raised(lambda: load_inventory([str(empty)])), "capture-unreadable", str(empty)),  # NoCaptureFile
        (_raised(lambda: read_mapping(missing, "migcompat-placement-traits")), "export-mapping-invalid", missing),
        (_raised(lambda: read_spec(Path(missing))), "input-unreadable", missing),
        (_raised(lambda: Verdict.from_json({"verdict": "x"})), "verdict-invalid", ""),
        (_raised(lambda: Verdict.from_json(_NO_GRADE)), "verdict-invalid", "/grade"),
    ]


_NO_GRADE = {
    "verdict": "compatible",
    "grade": None,
    "matched_rule": 0,
    "nearest": [],
    "reasons": [],
    "also_near": 0,
    "choice": None,
}


def test_errors_carry_a_stable_code_and_where(tmp_path: Path) -> None:
    examples = _examples(tmp_path)
    for error, code, where in examples:
        assert error.code == code, error
        assert error.where == where, error
        assert code in ERROR_CODES or code in LIBRARY_ERROR_CODES
        assert error.message and str(error)
        assert f"``{code}``" in (type(error).__doc__ or "") or code in ERROR_CODES or code == "too-complex"
    raised = {type(error) for error, _, _ in examples}
    assert set(_library_exceptions().values()) - {MigcompatError} <= raised


def test_errors_pickle(tmp_path: Path) -> None:
    for error, _, _ in _examples(tmp_path):
        loaded = pickle.loads(pickle.dumps(error))
        assert type(loaded) is type(error)
        assert (loaded.code, loaded.where, loaded.message, str(loaded)) == (
            error.code,
            error.where,
            error.message,
            str(error),
        )


def test_spec_and_library_codes_are_disjoint() -> None:
    from migcompat.conformance.samples import SampleError

    assert not set(ERROR_CODES) & set(LIBRARY_ERROR_CODES)
    with pytest.raises(ValueError, match="unregistered"):
        MigcompatError("no-such-code", "x")
    assert isinstance(ParseError("syntax", "x", line=2, column=5), MigcompatError)
    assert ParseError("syntax", "x", line=2, column=5).where == "line 2, column 5"
    assert DataModelError("x", path="/fields").where == "/fields"
    assert CaptureError("x", "/a").where == "/a" and str(CaptureError("x", "/a")) == "error[capture-invalid]: x (at /a)"
    assert str(CaseError("f.json", "bad")) == "f.json: bad"
    assert str(SampleError("gone", code="sample-unknown")) == "gone"
    assert str(SchemaUnavailable("no jsonschema")) == "no jsonschema"


def test_every_code_the_commands_print_is_registered() -> None:
    """The codes given to ``echo_error`` in the command modules are stable codes programs can match on."""
    import ast

    from migcompat.verdict import REASON_CODES

    known = set(ERROR_CODES) | set(LIBRARY_ERROR_CODES) | set(REASON_CODES)
    cli = Path(__file__).resolve().parents[1] / "src" / "migcompat" / "cli"
    literals = []
    for path in sorted(cli.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "echo_error" and len(node.args) > 1:
                code = node.args[1]
                if isinstance(code, ast.Constant):
                    literals.append((path.name, code.value))
    assert len(literals) >= 15
    assert [(name, code) for name, code in literals if code not in known] == []


def test_verdicts_are_frozen_hashable_and_copy_like_dataclasses() -> None:
    """Verdict, RuleOutcome and Reason write their fields directly for speed; they stay frozen dataclasses."""
    from migcompat.verdict import Answer, Reason, RuleOutcome, Verdict

    reason = Reason("not-equal", "a", "a 2 is not 1", "2", "=1")
    outcome = RuleOutcome(0, (reason,), 2)
    verdict = Verdict(Answer.INCOMPATIBLE, nearest=(outcome,), reasons=(reason,), also_near=1, choice={"p": 1})
    for model, name in ((reason, "code"), (outcome, "index"), (verdict, "answer")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(model, name, None)
    assert type(verdict.choice) is FrozenMap and verdict.choice == {"p": 1}
    assert dataclasses.replace(verdict, choice={"p": 2}).choice == {"p": 2}
    assert dataclasses.replace(verdict, also_near=1) == verdict
    assert hash(dataclasses.replace(reason)) == hash(reason)
    assert RuleOutcome(0) == RuleOutcome(0, (), 0) and Reason("c", None, "m") == Reason("c", None, "m", None, None)
    assert [field.name for field in dataclasses.fields(Verdict)] == [
        "answer",
        "grade",
        "matched",
        "nearest",
        "reasons",
        "also_near",
        "choice",
    ]
    assert pickle.loads(pickle.dumps(verdict)) == verdict


def test_versions_and_ratios_compare_as_the_spec_orders_them() -> None:
    """``<`` and friends follow clause 5.3: versions zero-padded, ratios as rational numbers; no cross-type order."""
    from migcompat import Ratio, Version

    v = [Version(p) for p in ((1, 10), (1, 2), (1, 9), (1, 2, 0), (2, 0))]
    assert sorted(v, key=str) != sorted(v)
    assert [str(x) for x in sorted(v)] == ["1.2", "1.2.0", "1.9", "1.10", "2.0"]
    assert Version((1, 2)) <= Version((1, 2, 0)) and Version((1, 2)) >= Version((1, 2, 0))
    assert not Version((1, 2)) < Version((1, 2, 0)) and Version((1, 2)) != Version((1, 2, 0))
    assert Version((1, 9)) < Version((1, 10)) and Version((2, 0)) > Version((1, 99))
    assert Ratio(1, 3) < Ratio(1, 2) <= Ratio(1, 2) < Ratio(3, 4) and Ratio(7, 8) > Ratio(3, 4) >= Ratio(3, 4)
    assert min(Ratio(5, 8), Ratio(1, 8), Ratio(1, 1)) == Ratio(1, 8)
    for a, b in ((Version((1, 0)), Ratio(1, 2)), (Ratio(1, 2), 1), (Version((1, 0)), "1.0")):
        with pytest.raises(TypeError):
            _ = a < b  # type: ignore[operator]
