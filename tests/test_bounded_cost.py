"""Valid inputs that once took minutes, gigabytes or a crash, through the command line.

Each answers correctly; the time limits are generous guards against a return
of the exponential paths (speed itself is measured in ``benchmarks/``).
"""

from __future__ import annotations

import json
import time
from math import gcd
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner
from sample_fleet import Host, PciFunction, to_host_data

from migcompat.capture import dumps
from migcompat.cli import main
from migcompat.cli.exitcodes import ExitCode
from migcompat.compare import accepts, check, clear_cache
from migcompat.model import Version
from migcompat.parse import parse_compatible, parse_version
from migcompat.plan import plan
from migcompat.relate import RelationTooComplex, relate
from migcompat.resources import data_path
from migcompat.semantics.compiled_type import compile_type
from migcompat.semantics.constraints import holds
from migcompat.verdict import Answer
from timebounds import bound

GUARD = bound(10.0)
"""Seconds: far above what these take, far below what they took."""

KEYS = [f"v.{letter}" for letter in "abcdefghijklmnop"]


def invoke(*args: str) -> tuple[int, str, float]:
    started = time.perf_counter()
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout + result.stderr, time.perf_counter() - started


def test_a_self_range_end_that_is_a_token_is_explained_not_a_crash(tmp_path: Path) -> None:
    source, target = tmp_path / "s", tmp_path / "t"
    source.write_text("mc1 a=x\n")
    target.write_text("mc1\naccept a=$..\n")
    status, output, _ = invoke("check", "--explain", str(source), str(target), "--target-self", str(source))
    assert status == ExitCode.NEGATIVE
    assert "internal error" not in output
    assert "[type-mismatch] a x cannot lie in x..: with the target's own value for $" in output


def test_check_and_plan_on_a_template_of_many_parameters_read_through_self(tmp_path: Path) -> None:
    """A 2.4 KB template whose 54 binary parameters are all read through $: 2^54 choices."""
    count = 54
    template = "mc1 device_api=vfio-pci driver=x\n" + "".join(
        f"param v.p{i:02}={value} v.k{i:02}={value}\n" for i in range(count) for value in (1, 2)
    )
    assert len(template) > 2400
    rules = "mc1\naccept device_api=vfio-pci driver=x " + " ".join(f"v.k{i:02}=$" for i in range(count)) + "\n"
    source = "mc1 device_api=vfio-pci driver=x " + " ".join(f"v.k{i:02}={1 + i % 3 % 2}" for i in range(count)) + "\n"
    directory = tmp_path / "type"
    directory.mkdir()
    (directory / "migration_version").write_text(template)
    (directory / "migration_compatible_devices").write_text(rules)
    (tmp_path / "source").write_text(source)
    status, output, seconds = invoke(
        "check",
        "-f",
        "json",
        str(tmp_path / "source"),
        str(directory / "migration_compatible_devices"),
        "--target-self",
        str(directory / "migration_version"),
    )
    assert status == ExitCode.SUCCESS and seconds < GUARD
    assert json.loads(output)["choice"] == {f"v.p{i:02}": str(1 + i % 3 % 2) for i in range(count)}
    status, output, seconds = invoke("plan", str(tmp_path / "source"), str(directory))
    assert status == ExitCode.SUCCESS and seconds < GUARD
    assert len(output.splitlines()) == count + 1  # the choice, then one line per parameter


def _host(name: str, rules: str) -> str:
    version = "mc1 " + " ".join(f"{key}=1" for key in KEYS) + "\n"
    function = PciFunction(
        "0000:3b:00.2",
        "devices/pci0000:3a/0000:3b:00.2",
        0x15B3,
        0x101E,
        0x15B3,
        0x0016,
        "x_vfio_pci",
        version=version,
        rules=rules,
    )
    return dumps(to_host_data(Host(name, "6.8.0", functions=[function])))


def test_conformance_against_an_older_host_with_defaults_over_sixteen_keys(tmp_path: Path) -> None:
    """The realistic shape that took 112 s and 4.4 GB through --against: a default line and a rule on 16 keys."""
    line = " ".join(f"{key}=1" for key in KEYS)
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(_host("old", f"mc1\ndefault {line}\naccept {line}\n"))
    new.write_text(_host("new", f"mc1\ndefault {line}\naccept {line.replace('v.p=1', 'v.p=1|2')}\n"))
    _, output, seconds = invoke("conformance", "--format", "json", str(new), "--against", str(old))
    assert seconds < GUARD
    report = json.loads(output)
    [upgrade] = report["upgrades"]
    assert upgrade["relation"] == "subset"  # the new driver accepts more: not a breaking change
    assert "MC-U1-BREAKING" not in {failure["check"] for failure in report["failures"]}


def _set_host(name: str, version: str, rules: str) -> str:
    function = PciFunction(
        "0000:3b:00.2",
        "devices/pci0000:3a/0000:3b:00.2",
        0x15B3,
        0x101E,
        0x15B3,
        0x0016,
        "x_vfio_pci",
        version=version,
        rules=rules,
    )
    return dumps(to_host_data(Host(name, "6.8.0", functions=[function])))


def test_an_upgrade_too_complex_to_relate_is_a_note_and_the_own_device_is_still_checked(tmp_path: Path) -> None:
    many = "mc1\n" + "".join(f"accept v.f>={{m{i}}}\n" for i in range(40))  # 2^40 set classes to tell apart
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(_set_host("old", "mc1 v.f={m1}\n", many))
    for rules, breaking in (("mc1\naccept v.f>={}\n", False), ("mc1\naccept v.f>={m2}\n", True)):
        new.write_text(_set_host("new", "mc1 v.f={m1}\n", rules))
        _, output, seconds = invoke("conformance", "--format", "json", str(new), "--against", str(old))
        assert seconds < GUARD
        report = json.loads(output)
        schema = json.loads(data_path("conformance-report.schema.json").read_text())
        assert not list(jsonschema.Draft202012Validator(schema).iter_errors(report))
        [upgrade] = report["upgrades"]
        assert upgrade["relation"] == "undecided"
        assert any("could not be decided exactly" in note["message"] for note in report["notes"])
        failed = {failure["check"] for failure in report["failures"]}
        assert ("MC-U1-BREAKING" in failed) is breaking


def test_every_item_of_an_attribute_is_located_in_one_pass() -> None:
    # r15: each failing key re-split the whole attribute (a 4 KB line of 700 unregistered keys took a second).
    from migcompat.conformance.emitter_checks import _items, locate

    keys = [f"k{number:03d}" for number in range(700)]
    data = ("mc1 " + " ".join(f"{key}=1" for key in keys) + "\n").encode()
    _items.cache_clear()
    found = [locate(data, key) for key in keys]
    assert _items.cache_info().misses == 1
    assert [(excerpt.line, excerpt.column) for excerpt in found if excerpt is not None] == [
        (1, 5 + 7 * number) for number in range(700)
    ]
    assert locate(data, "k000", line=2) is None and locate(data, "k9") is None


@pytest.mark.slow  # seconds: CI's slow run keeps it
def test_accepts_check_and_plan_on_ratio_lines_read_by_ratio_ranges() -> None:
    """An outside review: 318 ratio param lines read through $ by 515 `$..a/b` alternatives took 1.0 s in check,
    1.3 s in accepts (compiling the rules once per line) and 2.0 s in plan, each comparison building Fractions.
    Ratios compare by cross-multiplying now, and a type too wide to compile per line is decided per source."""
    ratios = sorted(
        {f"{a}/{b}" for a in range(100) for b in range(1, 100) if gcd(a, b) == 1}, key=lambda s: (len(s), s)
    )
    template, index = "mc1 driver=x\n", 0
    while len(template) + len(f"param r={ratios[index]}\n") <= 4095:
        template, index = template + f"param r={ratios[index]}\n", index + 1
    rules, index = "mc1\naccept driver=x r=$", 0
    while len(rules) + len(f"|$..{ratios[index]}") + 1 <= 4095:
        rules, index = rules + f"|$..{ratios[index]}", index + 1
    own, target, source = (
        parse_version(template),
        parse_compatible(rules + "\n"),
        parse_version("mc1 driver=x r=1000/1\n"),
    )
    assert len(own.params) > 300 and len(target.rules[0].constraints["r"].alternatives) > 500
    clear_cache()
    assert compile_type(target, own).plain is not None  # past MAX_COMPILED_ALTERNATIVES: decided per source
    start = time.process_time()
    answers = (accepts(source, target, own), check(source, target, own).answer, plan(source, own, target).verdict)
    assert time.process_time() - start < bound(3)  # about 0.6 s; it was 4.4 s
    assert answers[0] is answers[1] is Answer.INCOMPATIBLE and answers[2].answer is Answer.INCOMPATIBLE
    inside = parse_version("mc1 driver=x r=1/2\n")  # r=$ holds under the choice r=1/2
    assert accepts(inside, target, own) is check(inside, target, own).answer is Answer.COMPATIBLE


def test_a_type_compiled_per_line_and_one_decided_per_source_agree() -> None:
    """The compile budget changes how CompiledType decides, never what: both against decide_type's answer."""
    template = parse_version("mc1 driver=x\n" + "".join(f"param p={i} v.k={i}\n" for i in range(40)))
    target = parse_compatible("mc1\ndefault v.k=5\naccept driver=x v.k=$|$..30|7\naccept driver=x v.k=..$\n")
    compiled = compile_type(target, template)
    assert compiled.plain is None
    plain = compile_type(target, template)
    plain.plain = (target, template)
    for value in ("0", "5", "7", "29", "30", "31", "45", "x"):
        source = parse_version(f"mc1 driver=x v.k={value}\n")
        expected = check(source, target, template).answer
        assert compiled.answer(source) is plain.answer(source) is expected, value


def test_relate_does_not_resolve_prefix_classes_for_a_set() -> None:
    """An outside review: sets tested against the 63 `$a..$b` alternatives of a rule over 190 version lines took
    5.5 s, each resolving the prefix classes of the line's version though a set is never in a range (8.1-RG4)."""
    prefixes = [f"${a}..${b}" for a in range(1, 8) for b in range(1, 8)]
    prefixes += [f"${a}.." for a in range(1, 8)] + [f"..${a}" for a in range(1, 8)]
    text = "mc1\n" + "".join(f"accept features>={{m{i}}}\n" for i in range(8)) + "accept features="
    rules = parse_compatible(text + "|".join(prefixes) + "\n")
    own = parse_version("mc1 driver=x\n" + "".join(f"param features=1.{i}\n" for i in range(190)))
    start = time.process_time()
    try:
        relation = relate(rules, parse_compatible("mc1\naccept\n"), own, None).relation.value
    except RelationTooComplex:
        relation = "too-complex"
    assert time.process_time() - start < bound(3)  # about 0.3 s; it was 5.5 s
    assert relation in ("disjoint", "too-complex")
    # A set against such an alternative is false, and undecided only where $ has no value (8.1-RG7).
    (constraint,) = rules.rules[-1].constraints.values()
    assert holds(constraint, frozenset({"m1"}), Version((1, 2))) is False
    assert holds(constraint, frozenset({"m1"}), None) is None
