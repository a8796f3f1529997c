"""The conformance matrix's index narrows by any key a rule constrains, not only the identity keys (review r11 #1).

A fleet in which every device's rule set accepts only that device through a
vendor key (``qat.serial=<i>``, or a key only that device carries) has a
linear number of compatible pairs: the matrix must decide a linear number of
verdicts for it, not one per pair. The result must stay exactly that of
deciding every (source, rule set) pair.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sample_fleet import Host, PciFunction, to_host_data

from matrix_oracle import brute_pairs
from migcompat.conformance import matrix_checks, run
from migcompat.conformance.matrix_checks import CompactMatrix
from migcompat.conformance.results import Report
from migcompat.emit import emit
from migcompat.model import (
    ANY,
    SELF,
    CompatibleDevices,
    Constraint,
    Equals,
    Field,
    MigrationVersion,
    Range,
    Rule,
    Subset,
    Superset,
    Value,
    Version,
)
from migcompat.parse import parse_compatible, parse_version
from migcompat.sysfs.model import HostData

_HEAD = "device_api=vfio-pci driver=qat_vfio_pci pci_id=8086:4941"
_TAIL = "stream=qat-gen4"


def _bdf(index: int) -> str:
    bus, slot = divmod(index, 32)
    return f"{bus // 256:04x}:{bus % 256:02x}:{slot:02x}.0"


def _host(pairs: list[tuple[str, str]]) -> HostData:
    functions = []
    for index, (version, rules) in enumerate(pairs):
        assert emit(parse_version(version.encode())) == version, version
        assert emit(parse_compatible(rules.encode())) == rules, rules
        bdf = _bdf(index)
        functions.append(
            PciFunction(
                bdf, f"devices/pci{bdf[:7]}/{bdf}", 0x8086, 0x4941, 0x8086, 0, "qat_vfio_pci", None, version, rules
            )
        )
    return to_host_data(Host("qat", "6.8.0-45-generic", functions=functions))


def _serial_fleet(devices: int) -> HostData:
    """QAT VFs alike on every identity key, each of whose rule sets accepts only itself through ``qat.serial``."""
    return _host(
        [
            (
                f"mc1 {_HEAD} qat.serial={index} {_TAIL} stream_version=1.1\n",
                f"mc1\naccept {_HEAD} qat.serial={index} {_TAIL} stream_version=1.0..$\n",
            )
            for index in range(devices)
        ]
    )


def _own_key_fleet(devices: int) -> HostData:
    """VFs each carrying a critical vendor key no other device has, which its own rules (only) constrain."""
    return _host(
        [
            (
                f"mc1 {_HEAD} {_TAIL} stream_version=1.1 v.k{index}=1\n",
                f"mc1\naccept {_HEAD} {_TAIL} stream_version=1.0..$ v.k{index}=1\n",
            )
            for index in range(devices)
        ]
    )


@contextmanager
def _counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Count the core's rule decisions the matrix makes (``rule_truth`` as ``matrix_checks`` calls it)."""
    calls = [0]
    original = matrix_checks.rule_truth

    def counted(*args: Any) -> Any:
        calls[0] += 1
        return original(*args)

    with monkeypatch.context() as patch:
        patch.setattr(matrix_checks, "rule_truth", counted)
        yield calls


def _all_pairs(monkeypatch: pytest.MonkeyPatch, make: Callable[[], Report]) -> Report:
    """*make*'s report when the index leaves every source to every rule set: the brute-force decision."""
    with monkeypatch.context() as patch:
        patch.setattr(matrix_checks._Index, "candidates", lambda self, rules: range(self.size))
        return make()


def _comparable(report: Report) -> dict[str, object]:
    """The JSON report without what counts the work (time, candidate and evaluated pairs)."""
    found = report.to_json()
    del found["seconds"]
    matrix = found["matrix"]
    assert isinstance(matrix, dict)
    del matrix["candidate_pairs"], matrix["evaluated_pairs"]
    return found


def _brute_pairs(report: Report) -> set[tuple[int, int]]:
    relation = report.matrix.accepted
    assert isinstance(relation, CompactMatrix)
    return brute_pairs(relation, len(report.matrix.classes))


# ---- the verdicts grow with the devices, not with the pairs -------------------------------------------------


@pytest.mark.parametrize("shape", [_serial_fleet, _own_key_fleet])
@pytest.mark.parametrize("by_rule", [True, False])
def test_rule_sets_that_each_accept_only_their_device_cost_a_linear_number_of_verdicts(
    shape: Callable[[int], HostData], by_rule: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not by_rule:
        monkeypatch.setattr(matrix_checks, "MAX_RULE_BY_RULE", 0)  # every rule set through its compiled form
    for devices in (150, 300):
        with _counting(monkeypatch) as calls:
            report = run([shape(devices)])
        matrix = report.matrix
        assert len(matrix.classes) == devices
        assert matrix.accepted_pairs == devices  # each device accepts itself only
        assert list(matrix.accepted or ()) == [(index, index) for index in range(devices)]
        assert report.ok, report.failed_checks()
        # One candidate source per rule set: before, every source was one (devices x devices).
        assert matrix.candidate_pairs == devices
        assert matrix.evaluated_pairs <= 2 * devices
        if by_rule:
            assert calls[0] <= 2 * devices


def test_the_lookup_keeps_the_most_selective_key_of_each_rule() -> None:
    # qat.serial leaves one source, the identity keys all of them, stream_version (read through ..$) all.
    report = run([_serial_fleet(40)])
    assert report.matrix.candidate_pairs == 40
    # A rule set whose only narrowing key passes every source still decides them all.
    wide = _host(
        [
            (
                f"mc1 {_HEAD} qat.serial={index} {_TAIL} stream_version=1.1\n",
                f"mc1\naccept {_HEAD} qat.serial=0..100 {_TAIL} stream_version=1.0..$\n",
            )
            for index in range(40)
        ]
    )
    matrix = run([wide]).matrix
    assert matrix.candidate_pairs == 40 * 40 == matrix.accepted_pairs


def test_a_source_without_the_key_is_judged_on_the_default() -> None:
    # Device 0's rules constrain v.k0, which no other device carries: with the default v.k0=1 they accept
    # the others (whose own critical key they do not constrain: rejected) and with v.k0=2 they do not.
    for default, candidates in (("1", 3), ("2", 1)):
        pairs = [
            (
                f"mc1 {_HEAD} {_TAIL} stream_version=1.1 v.k{index}=1\n",
                f"mc1\naccept {_HEAD} {_TAIL} stream_version=1.0..$ v.k{index}=1\n",
            )
            for index in range(3)
        ]
        pairs[0] = (
            f"mc1 {_HEAD} {_TAIL} stream_version=1.1 v.k0=1\n",
            f"mc1\ndefault v.k0={default}\naccept {_HEAD} {_TAIL} stream_version=1.0..$ v.k0=1\n",
        )
        matrix = run([_host(pairs)]).matrix
        assert matrix.candidate_pairs == candidates + 2
        assert matrix.accepted_pairs == 3


# ---- the result is exactly the brute-force one ---------------------------------------------------------------


def _fleet_report(pairs: list[tuple[str, str]]) -> Callable[[], Report]:
    return lambda: run([_host(pairs)])


def test_the_serial_and_own_key_fleets_equal_the_all_pairs_decision(monkeypatch: pytest.MonkeyPatch) -> None:
    for shape in (_serial_fleet, _own_key_fleet):
        report = run([shape(30)])
        brute = _all_pairs(monkeypatch, lambda shape=shape: run([shape(30)]))  # type: ignore[misc]
        assert _comparable(report) == _comparable(brute)
        assert set(report.matrix.accepted or ()) == _brute_pairs(report)


_SETS = "abcdefgh"


def _set(rng: random.Random) -> frozenset[str]:
    return frozenset(rng.sample(_SETS, rng.randint(0, 5)))


def _generated_pairs(rng: random.Random) -> list[tuple[str, str]]:
    """Devices alike on the identity keys, told apart (or not) by vendor keys of several types, some absent."""
    devices = rng.randint(6, 24)
    serials = max(1, devices // 3)
    pairs = []
    for index in range(devices):
        fields: dict[str, Field] = {
            "device_api": Field("vfio-pci"),
            "driver": Field("qat_vfio_pci"),
            "pci_id": Field("8086:4941"),
            "stream": Field("qat-gen4"),
            "stream_version": Field(Version((1, 1))),
        }
        if rng.random() < 0.9:
            fields["v.s"] = Field(rng.randrange(serials))
        if rng.random() < 0.8:
            fields["v.t"] = Field(rng.choice(["a", "b", "c"]), rng.random() < 0.6)
        if rng.random() < 0.8:
            fields["v.q"] = Field(_set(rng))
        if rng.random() < 0.3:
            fields[f"v.o{index}"] = Field(1, rng.random() < 0.7)
        version = emit(MigrationVersion(fields))
        rules = []
        for _ in range(rng.randint(1, 6)):
            constraints: dict[str, Constraint] = {
                "device_api": Equals(("vfio-pci",)),
                "driver": Equals(("qat_vfio_pci",)),
                "pci_id": Equals(("8086:4941",)),
                "stream": Equals(("qat-gen4",)),
                "stream_version": Equals((Range(Version((1, 0)), SELF),)),
            }
            serial = rng.randrange(serials)
            choice = rng.choice(["equal", "range", "self", "upto", "any", "none"])
            if choice == "equal":
                constraints["v.s"] = Equals((serial, serial + 2) if rng.random() < 0.3 else (serial,))
            elif choice == "range":
                constraints["v.s"] = Equals((Range(serial, serial + 1),))
            elif choice == "self":
                constraints["v.s"] = Equals((SELF,))
            elif choice == "upto":
                constraints["v.s"] = Equals((Range(None, SELF),))
            elif choice == "any":
                constraints["v.s"] = ANY
            roll = rng.random()
            if roll < 0.3:
                constraints["v.t"] = Equals((rng.choice(["a", "b", "c"]),))
            elif roll < 0.5:
                constraints["v.t"] = Equals((SELF,))
            roll = rng.random()
            if roll < 0.25:
                constraints["v.q"] = Subset(SELF)
            elif roll < 0.45:
                constraints["v.q"] = Subset(_set(rng) | {"a"})
            elif roll < 0.6:
                constraints["v.q"] = Superset(_set(rng))
            if rng.random() < 0.5:
                constraints[f"v.o{index}"] = Equals((1,))
            if rng.random() < 0.2:
                constraints[f"v.o{rng.randrange(devices)}"] = rng.choice([ANY, Equals((1,))])
            rules.append(Rule(constraints))
        defaults: dict[str, Value] = {}
        if rng.random() < 0.3:
            defaults["v.s"] = rng.randrange(serials)
        if rng.random() < 0.3:
            defaults[f"v.o{rng.randrange(devices)}"] = rng.choice([1, 2])
        pairs.append((version, emit(CompatibleDevices(tuple(rules), defaults))))
    return pairs


@pytest.mark.parametrize("seed", range(40))
def test_generated_fleets_equal_the_all_pairs_decision(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    if seed % 3 == 0:
        monkeypatch.setattr(matrix_checks, "MAX_RULE_BY_RULE", 0)  # through the compiled form
    if seed % 4 == 1:
        monkeypatch.setattr(matrix_checks, "_MAX_SET_PROBES", 2)  # a key's set values too many to probe
    rng = random.Random(seed)
    make = _fleet_report(_generated_pairs(rng))
    report = make()
    brute = _all_pairs(monkeypatch, make)
    assert _comparable(report) == _comparable(brute)
    assert list(report.matrix.accepted or ()) == list(brute.matrix.accepted or ())
    assert set(report.matrix.accepted or ()) == _brute_pairs(report)
    assert report.matrix.candidate_pairs <= brute.matrix.candidate_pairs


# ---- device types that all read one key through key=$ (review r15) ----------------------------------------


def _typed_host(types: int) -> HostData:
    """*types* mdev types of one parent sharing one rule set, ``type=$`` in every rule, three parameters each.

    One more type sets ``type`` by a parameter (its template does not fix it),
    and mdevs of some types are sources too.
    """
    from sample_fleet import Mdev, MdevParent, MdevType

    rules = (
        "mc1\naccept device_api=vfio-pci driver=x type=$ v.p=1..2\naccept device_api=vfio-pci driver=x type=$ v.q=a\n"
    )
    kinds = []
    for number in range(types):
        template = (
            f"mc1 device_api=vfio-pci driver=x type=t{number}\n"
            "param v.p=1\nparam v.p=2\nparam v.p=3\nparam v.q=a\nparam v.q=b\nparam v.r=0\nparam v.r=1\n"
        )
        kinds.append(MdevType(f"t{number}", "x", "x", "vfio-pci", 1, template, rules))
    loose = "mc1 device_api=vfio-pci driver=x v.p=1\nparam type=t0\nparam type=t1\nparam type=loose\n"
    kinds.append(MdevType("loose", "x", "x", "vfio-pci", 1, loose, rules))
    parent = MdevParent("0000:00:02.0", "devices/pci0000:00/0000:00:02.0", kinds)
    mdevs = [
        Mdev(
            f"00000000-0000-0000-0000-{number:012x}",
            parent,
            f"t{number}",
            f"mc1 device_api=vfio-pci driver=x type=t{number} v.p={1 + number % 3} v.q=a v.r=0\n",
            rules,
        )
        for number in range(0, types, 2)
    ]
    return to_host_data(Host("typed", "6.8.0-45-generic", parents=[parent], mdevs=mdevs))


def test_types_filed_by_a_key_every_rule_reads_through_self_are_decided_for_their_sources_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    decided: list[int] = []
    original = matrix_checks.accepts

    def counting(*args: Any) -> Any:
        decided.append(1)
        return original(*args)

    monkeypatch.setattr(matrix_checks, "accepts", counting)
    for types in (4, 12):
        decided.clear()
        report = run([_typed_host(types)])
        assert report.matrix.accepted_pairs == len(_brute_pairs(report))
        assert set(report.matrix.accepted or ()) == _brute_pairs(report)
        # Each source is decided against the types of its own value of `type` and the one that sets it by a
        # parameter: a few each, not one per type.
        sources = len(report.matrix.classes)
        assert len(decided) <= 3 * sources, (len(decided), sources)
