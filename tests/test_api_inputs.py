"""What the Python API does with missing attributes and with arguments of the wrong type.

The integrator guide promises: a missing or unreadable attribute is ``None``,
and the comparator answers unknown (row 8.5-VD2), as ``mc_check`` does for
``NULL``. Anything else that is not a model is a :class:`TypeError` that names
what was expected, never an ``AttributeError`` from inside the library.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from migcompat import parse, parse_compatible, parse_version
from migcompat.compare import accepts, check, compiled
from migcompat.errors import DataModelError, ParseError
from migcompat.plan import plan
from migcompat.verdict import Answer

SAMPLES = Path(__file__).resolve().parents[1] / "conformance" / "samples"

SOURCE = parse_version("mc1 a=1\n")
RULES = parse_compatible("mc1\naccept a=1\n")


@pytest.mark.parametrize(("source", "rules"), [(None, RULES), (SOURCE, None), (None, None)])
def test_a_missing_attribute_gives_unknown_with_a_reason_per_attribute(source: object, rules: object) -> None:
    verdict = check(source, rules)  # type: ignore[arg-type]
    assert verdict.answer is Answer.UNKNOWN and verdict.nearest == ()
    missing = ["source"] * (source is None) + ["target"] * (rules is None)
    assert [(r.code, r.field, r.message.split("'")[0]) for r in verdict.reasons] == [
        ("missing-attribute", None, f"the {role}") for role in missing
    ]
    assert accepts(source, rules) is Answer.UNKNOWN  # type: ignore[arg-type]
    assert check(source, rules, SOURCE).answer is Answer.UNKNOWN  # type: ignore[arg-type]


def test_the_same_inputs_present_are_decided() -> None:
    assert check(SOURCE, RULES).answer is Answer.COMPATIBLE
    assert accepts(SOURCE, RULES, None) is Answer.COMPATIBLE


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((RULES, SOURCE), "source must be a MigrationVersion (from parse_version) or None, not CompatibleDevices"),
        ((SOURCE, "mc1\naccept a=1\n"), "target must be a CompatibleDevices (from parse_compatible) or None, not str"),
        ((SOURCE, RULES, RULES), "target_self must be a MigrationVersion (from parse_version) or None, not Compat"),
        ((None, RULES, 42), "target_self must be a MigrationVersion (from parse_version) or None, not int"),
    ],
)
def test_arguments_of_another_type_are_a_type_error(args: tuple[object, ...], message: str) -> None:
    for function in (check, accepts):
        with pytest.raises(TypeError) as caught:
            function(*args)  # type: ignore[operator]
        assert str(caught.value).startswith(message)


@pytest.mark.parametrize("value", [None, 42, ["mc1 a=1"], 1.5])
def test_parsing_something_that_is_not_text_is_a_type_error(value: object) -> None:
    for function in (parse_version, parse_compatible, parse):
        with pytest.raises(TypeError, match=rf"an attribute is str or bytes .*, not {type(value).__name__}$"):
            function(value)  # type: ignore[arg-type]


def test_bytes_like_attributes_parse_like_bytes() -> None:
    assert parse_version(bytearray(b"mc1 a=1\n")) == SOURCE  # type: ignore[arg-type]
    assert parse_version(memoryview(b"mc1 a=1\n")) == SOURCE  # type: ignore[arg-type]
    assert parse(bytearray(b"mc1\naccept a=1\n")) == RULES  # type: ignore[arg-type]
    with pytest.raises(ParseError) as caught:
        parse_version(bytearray(b"mc1 a=01\n"))  # type: ignore[arg-type]
    assert caught.value.code == "leading-zero"


def test_an_overflowing_integer_is_quoted_within_bounds() -> None:
    with pytest.raises(ParseError) as caught:
        parse_version(f"mc1 a={'9' * 3000}\n")
    assert caught.value.code == "int-overflow" and (caught.value.line, caught.value.column) == (1, 7)
    assert caught.value.message == f"integer {'9' * 20}... (3000 digits) is above 18446744073709551615"
    with pytest.raises(ParseError) as caught:
        parse_version("mc1 a=18446744073709551616\n")
    assert caught.value.message == "integer 18446744073709551616 is above 18446744073709551615"
    assert parse_version("mc1 a=18446744073709551615\n").fields["a"].value == 18446744073709551615


def test_a_model_error_at_the_top_level_says_so() -> None:
    assert str(DataModelError("not an object")) == "error[invalid-model]: not an object (at the document's top level)"
    assert str(DataModelError("bad", path="/fields/a")) == "error[invalid-model]: bad (at /fields/a)"


def test_every_public_entry_point_names_the_argument_of_the_wrong_type() -> None:
    """A string, None or the wrong model is a TypeError naming the argument, never an AttributeError inside."""
    from migcompat.capture import to_json as capture_json
    from migcompat.compare import compiled
    from migcompat.fleet.classes import class_id, export_class
    from migcompat.fleet.index import FleetIndex
    from migcompat.fleet.inventory import load_inventory
    from migcompat.plan import device_from, plan
    from migcompat.relate import relate

    rules = parse_compatible("mc1\naccept a=1\n")
    version = parse_version("mc1 a=1\n")
    calls = {
        "target": lambda: compiled(None),  # type: ignore[arg-type]
        "target_self": lambda: compiled(rules, "mc1 a=1\n"),  # type: ignore[arg-type]
        "template": lambda: plan(version, rules, rules),  # type: ignore[arg-type]
        "rules": lambda: plan(version, version, version),  # type: ignore[arg-type]
        "first": lambda: relate(None, rules),  # type: ignore[arg-type]
        "second_self": lambda: relate(rules, rules, None, rules),  # type: ignore[arg-type]
        "source": lambda: FleetIndex.build([]).accepting(None),  # type: ignore[arg-type]
        "version": lambda: class_id(rules),  # type: ignore[arg-type]
        "paths": lambda: load_inventory("captures/"),
        ".providers": lambda: FleetIndex.build(load_inventory([str(SAMPLES / "gvt-g")])),  # type: ignore[arg-type]
        "Provider": lambda: FleetIndex.build([version]),  # type: ignore[list-item]
        "device_from": lambda: device_from(rules, {}),  # type: ignore[arg-type]
        "host": lambda: capture_json(None),  # type: ignore[arg-type]
        "source ": lambda: FleetIndex.build([]).verdicts(None),  # type: ignore[arg-type]
        "source  ": lambda: compiled(rules).decide("mc1 a=1\n"),  # type: ignore[arg-type]
        "source   ": lambda: FleetIndex.build([]).candidate_units(None),  # type: ignore[arg-type]
        "source    ": lambda: FleetIndex.build([]).candidate_cost("mc1 a=1\n"),  # type: ignore[arg-type]
        "version ": lambda: export_class(None, frozenset()),  # type: ignore[arg-type]
    }
    for name, call in calls.items():
        with pytest.raises(TypeError) as info:
            call()
        assert name.strip().replace("device_from", "template") in str(info.value), (name, info.value)


def test_a_missing_input_of_plan_is_row_8_5_vd2() -> None:
    from migcompat.compare import MISSING_RULES, MISSING_SOURCE
    from migcompat.plan import MISSING_TEMPLATE, plan

    template = parse_version("mc1 driver=d\nparam foo.n=1\n")
    for source, rules, reasons in (
        (None, parse_compatible("mc1\naccept\n"), (MISSING_SOURCE,)),
        (parse_version("mc1 driver=d\n"), None, (MISSING_RULES,)),
        (None, None, (MISSING_SOURCE, MISSING_RULES)),
    ):
        result = plan(source, template, rules)
        assert (result.answer, result.choice, result.parameters) == (Answer.UNKNOWN, {}, ())
        assert result.verdict.reasons == reasons
    assert plan(None, None, None).verdict.reasons == (MISSING_SOURCE, MISSING_TEMPLATE, MISSING_RULES)


def test_compiled_rules_refuse_a_device_type_s_template_whose_own_values_are_not_known() -> None:
    from migcompat.compare import compiled

    template = parse_version("mc1 driver=d\nparam foo.n=1\nparam foo.n=2\n")
    rules = parse_compatible("mc1\naccept driver=d foo.n=$\n")
    source = parse_version("mc1 driver=d foo.n=2\n")
    assert accepts(source, rules, template) is Answer.COMPATIBLE  # decided per parameter
    with pytest.raises(ValueError, match="device-type template"):
        compiled(rules, template)


def test_a_verdict_or_a_plan_has_no_truth_value() -> None:
    """`if check(...):` would pass every target, incompatible and unknown ones too: refused, as for an Answer."""
    rules = parse_compatible("mc1\naccept driver=y\n")
    verdict = check(parse_version("mc1 driver=x\n"), rules)
    with pytest.raises(TypeError, match=r"truth value of a Verdict is ambiguous: test `verdict\.compatible`"):
        bool(verdict)
    with pytest.raises(TypeError, match="truth value of a Plan is ambiguous"):
        bool(plan(None, None, None))
    assert verdict.compatible is False


def test_compiled_rules_answer_a_missing_source_a_type_and_no_rules_as_check_does() -> None:
    rules = parse_compatible("mc1\naccept a=1\n")
    empty = parse_compatible("mc1\n")
    source = parse_version("mc1 a=1\n")
    template = parse_version("mc1 a=1\nparam p=1\n")
    for given, target in ((None, rules), (template, rules), (source, empty)):
        assert compiled(target).verdict(given) == check(given, target)
        assert compiled(target).verdict(given).reasons  # the required reason codes (8.8) are there
    with pytest.raises(TypeError, match="source must be a MigrationVersion"):
        compiled(rules).verdict(rules)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="target_self must be a MigrationVersion"):
        compiled(rules).verdict(source, rules)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="target_self is a device-type template"):
        compiled(rules).verdict(source, template)


def test_the_comparator_is_at_the_top_level_imported_on_first_use() -> None:
    """`migcompat.check` is the comparator's own function, and a program that only parses does not import it."""
    code = (
        "import sys, migcompat\n"
        "assert 'migcompat.compare' not in sys.modules, 'imported with the package'\n"
        "from migcompat.compare import accepts, check, check_attributes\n"
        "from migcompat.verdict import Answer, Verdict\n"
        "assert (migcompat.check, migcompat.accepts) == (check, accepts)\n"
        "assert migcompat.check_attributes is check_attributes\n"
        "assert (migcompat.Answer, migcompat.Verdict) == (Answer, Verdict)\n"
        "assert all(hasattr(migcompat, name) for name in migcompat.__all__)\n"
        "try:\n    migcompat.nope\nexcept AttributeError as error:\n    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "module 'migcompat' has no attribute 'nope'\n"
