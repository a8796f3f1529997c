"""The matrix's behaviour groups (``migcompat.fleet.classes``): classes that every target judges alike.

The property test draws fleets whose devices share a few descriptions but
differ in ignorable fields (a firmware build no rule reads, and sometimes one
that a rule does read, or a critical one), and checks, pair of member classes
by pair, what :mod:`migcompat.fleet.classes` claims: every member of a row gets
the same answer, nearest rule and reasons from every target class, every
member of a column gives every source class the same, and a cell is identical
exactly when some pair of its members is, and is the verdict of the pair it
names. The other tests hold the command's text, JSON and HTML to the review's
findings (r2: 6, 11, 12, 13).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migcompat.capture import dumps
from migcompat.compare import check
from migcompat.fleet.classes import (
    class_id,
    compare_descriptions,
    read_keys,
    source_classes,
    target_classes,
    tells_apart,
)
from migcompat.fleet.inventory import Provider
from migcompat.fleet.matrix import build_matrix
from migcompat.model import SELF, CompatibleDevices, Equals, Field, MigrationVersion, Param, Range, Rule, Version
from migcompat.parse import parse_version
from migcompat.semantics.rules import project
from migcompat.sysfs.model import Attr, HostData, Placement
from migcompat.verdict import Answer, Grade
from strategies import examples
from test_fleet_cli import SUCCESS, UNDECIDED, host, run, save

# ---- the property: a group's members are judged alike, and a cell is one of its pairs' verdicts ----------

POOLS: dict[str, list[object]] = {
    "driver": ["da", "db"],
    "sv": [Version((1, 0)), Version((1, 0, 0)), Version((1, 2)), Version((1, 10))],
    "q": [1, 2, 4],
    "legacy": ["L0", "L1"],
    "features": [frozenset(), frozenset({"x"}), frozenset({"x", "y"})],
}
NOISE: dict[str, list[object]] = {
    "fw": [Version((28, 39)), Version((28, 40)), Version((28, 41)), "beta"],
    "note": ["a", "b"],
    "legacy": ["L0", "L1"],  # a key some rules may read: ignorable, but only when none does
}


@st.composite
def descriptions(draw: st.DrawFn) -> dict[str, Field]:
    fields = {"driver": Field(draw(st.sampled_from(POOLS["driver"])))}
    for key, pool in POOLS.items():
        if key != "driver" and draw(st.booleans()):
            fields[key] = Field(draw(st.sampled_from(pool)), draw(st.integers(0, 3)) > 0)  # type: ignore[arg-type]
    return fields


@st.composite
def noisy(draw: st.DrawFn, base: dict[str, Field]) -> dict[str, Field]:
    """*base* with ignorable fields added or changed (now and then a critical one: never ignored)."""
    fields = dict(base)
    for key, pool in NOISE.items():
        if draw(st.booleans()):
            fields[key] = Field(draw(st.sampled_from(pool)), draw(st.integers(0, 5)) == 0)  # type: ignore[arg-type]
    return fields


@st.composite
def constraint_on(draw: st.DrawFn, key: str) -> Equals:
    pool = POOLS.get(key) or NOISE[key]
    options: list[object] = [*pool, SELF]
    if key in ("sv", "q", "fw"):
        options.append(Range(None, SELF))
        ordered = [value for value in pool if not isinstance(value, str)]
        options.append(Range(draw(st.sampled_from(ordered)), None))  # type: ignore[arg-type]
    chosen = draw(st.lists(st.sampled_from(options), min_size=1, max_size=2, unique=True))
    return Equals(tuple(chosen))  # type: ignore[arg-type]


@st.composite
def rule_sets(draw: st.DrawFn, reads_fw: bool) -> CompatibleDevices:
    readable = sorted(POOLS) + (["fw"] if reads_fw else [])
    rules = []
    for _ in range(draw(st.integers(1, 3))):
        keys = draw(st.lists(st.sampled_from(readable), max_size=4, unique=True))
        rules.append(Rule({key: draw(constraint_on(key)) for key in keys}))
    defaults = {key: draw(st.sampled_from(POOLS[key])) for key in draw(st.lists(st.sampled_from(["q", "legacy"])))}
    return CompatibleDevices(tuple(rules), defaults)  # type: ignore[arg-type]


@st.composite
def fleets(draw: st.DrawFn) -> list[Provider]:
    """Devices and types on a few hosts: few base descriptions and rule sets, many ignorable variants."""
    bases = draw(st.lists(descriptions(), min_size=1, max_size=3))
    shared = draw(st.lists(rule_sets(draw(st.integers(0, 4)) == 0), min_size=1, max_size=3))
    providers = []
    for number in range(draw(st.integers(2, 14))):
        fields = draw(noisy(draw(st.sampled_from(bases))))
        rules = draw(st.sampled_from(shared))
        kind, params = "device", ()
        if draw(st.integers(0, 4)) == 0:  # a type: "q" set at creation, a line may add a field
            kind = "type"
            fields.pop("q", None)
            params = tuple(
                Param("q", value, draw(st.booleans()), {"note": Field("b", False)} if draw(st.booleans()) else {})
                for value in draw(st.lists(st.sampled_from([1, 2, 4]), min_size=1, max_size=2, unique=True))
            )
        version = MigrationVersion(fields, params)
        providers.append(Provider(f"h{number % 4}", f"p{number}", kind, f"bus/x/{number}", version, rules, None))
    return providers


@settings(max_examples=examples(150), deadline=None)
@given(fleets())
def test_every_member_pair_of_a_cell_gets_its_answer(providers: list[Provider]) -> None:
    matrix = build_matrix(providers)
    by_id = {item.id: item for item in source_classes(providers)}
    targets_by_id = {item.id: item for item in target_classes(providers)}
    # Every class is in exactly one group.
    assert sorted(item.id for group in matrix.sources for item in group.classes) == sorted(by_id)
    assert sorted(item.id for group in matrix.targets for item in group.classes) == sorted(targets_by_id)
    for row, sources in enumerate(matrix.sources):
        for column, targets in enumerate(matrix.targets):
            cell = matrix.cells[row][column]
            verdicts = [check(s.version, t.rules, t.version) for s in sources.classes for t in targets.classes]
            assert {verdict.answer for verdict in verdicts} == {cell.answer}
            if cell.answer is not Answer.COMPATIBLE:  # the explanation too: the same nearest rule and reasons
                assert {(verdict.nearest, verdict.reasons) for verdict in verdicts} == {(cell.nearest, cell.reasons)}
            assert (cell.grade is Grade.IDENTICAL) == any(verdict.grade is Grade.IDENTICAL for verdict in verdicts)
            source_id, target_id = matrix.pairs[row][column]
            assert source_id in {item.id for item in sources.classes}
            assert target_id in {item.id for item in targets.classes}
            named = targets_by_id[target_id]
            assert check(by_id[source_id].version, named.rules, named.version) == cell


def test_a_critical_field_or_a_field_a_rule_reads_is_never_ignored() -> None:
    keys = frozenset({"driver", "fw"})
    version = MigrationVersion(
        {"driver": Field("d"), "fw": Field(Version((1, 0)), False), "b": Field(1), "n": Field("x", False)}
    )
    assert project(version, keys) == MigrationVersion(
        {"driver": Field("d"), "fw": Field(Version((1, 0)), False), "b": Field(1)}
    )
    rules = CompatibleDevices((Rule({"driver": Equals(("d",)), "fw": Equals((Range(None, SELF),))}),))
    provider = Provider("h", "p", "device", "bus/x/p", version, rules, None)
    assert read_keys([provider]) == keys


# ---- the command: rows by behaviour, order, labels ------------------------------------------------------

MLX5 = (
    "mc1 device_api=vfio-pci driver=mlx5_vfio_pci {fw}mlx5.max_queues=32 pci_id=15b3:101e stream=mlx5-vf"
    " stream_version=1.1\n"
)
MLX5_RULES = (
    "mc1\naccept device_api=vfio-pci driver=mlx5_vfio_pci mlx5.max_queues=..$ pci_id=15b3:101e stream=mlx5-vf"
    " stream_version=1.0..$\n"
)


def _firmware_fleet(directory: Path, hosts: int, fw_field: str = "~mlx5.fw_version", rules: str = MLX5_RULES) -> Path:
    """*hosts* mlx5 hosts of two VFs each that differ only in *fw_field* (28.40.N on host N)."""
    for number in range(hosts):
        text = MLX5.format(fw=f"{fw_field}=28.40.{number} ")
        save(directory, host(f"cx-{number:03d}", [(f"0000:3b:00.{vf}", text, rules) for vf in (1, 2)]))
    return directory


def test_hosts_that_differ_only_in_an_ignorable_firmware_field_are_one_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """r2 #6: 30 firmware builds are one row and one column, identical, not 30 x 30 (refused over MAX_CELLS)."""
    import migcompat.fleet.matrix as matrix

    monkeypatch.setattr(matrix, "MAX_CELLS", 4)  # 30 x 30 classes would be refused
    fleet = _firmware_fleet(tmp_path / "fleet", 30)
    result = run("matrix", "--format", "json", str(fleet))
    assert result.exit_code == SUCCESS, result.output
    document = json.loads(result.output)
    assert len(document["sources"]) == len(document["targets"]) == len(document["cells"]) == 1
    source, target, cell = document["sources"][0], document["targets"][0], document["cells"][0]
    assert cell["verdict"] == "compatible" and cell["grade"] == "identical"
    assert "fw_version" not in source["description"] and source["ignored"] == ["mlx5.fw_version"]
    # The exact classes (ids of whole descriptions, class_id) are the group's members.
    assert len(source["classes"]) == 30 and len(source["members"]) == 60 and len(source["hosts"]) == 30
    for member in source["classes"]:
        assert member["id"] == class_id(parse_version(member["migration_version"] + "\n"))
        assert len(member["members"]) == 2
    assert len(target["classes"]) == 30 and target["kind"] == "device"
    # The identical cell names a pair of classes that is identical.
    assert cell["classes"]["source"] in {member["id"] for member in source["classes"]}
    text = run("matrix", str(fleet))
    assert text.exit_code == SUCCESS
    assert "1 source group (rows, 30 classes) x 1 target group (columns, 30 classes)" in text.output
    assert "(ignoring mlx5.fw_version: no rule of the inventory reads it)" in text.output
    assert "120 devices" not in text.output and "60 devices on 30 hosts" in text.output

    monkeypatch.setattr(matrix, "MAX_CELLS", 250_000)
    # A rule that reads the field (anywhere in the inventory), or a critical field: no longer ignorable.
    reading = MLX5_RULES.replace("stream_version=1.0..$", "stream_version=1.0..$ mlx5.fw_version=*")
    for directory, field, rules in (
        (tmp_path / "read", "~mlx5.fw_version", reading),
        (tmp_path / "critical", "mlx5.fw_version", MLX5_RULES),
    ):
        result = run("matrix", "--format", "json", str(_firmware_fleet(directory, 3, field, rules)))
        assert result.exit_code == SUCCESS, result.output
        assert len(json.loads(result.output)["sources"]) == 3


def test_grouping_keeps_a_too_large_fleet_refused_with_both_counts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import migcompat.fleet.matrix as matrix

    monkeypatch.setattr(matrix, "MAX_CELLS", 3)
    fleet = tmp_path / "f"
    for number, version in enumerate(("1.0", "1.1")):
        save(
            fleet,
            host(
                f"h{number}",
                [
                    (
                        "0000:01:00.1",
                        f"mc1 driver=d q={number} stream_version={version}\n",
                        "mc1\naccept driver=d q=..$ stream_version=1.0..$\n",
                    )
                ],
            ),
        )
    result = run("matrix", str(fleet))
    assert result.exit_code == UNDECIDED
    assert "2 groups of source classes and 2 of target classes (2 and 2 classes), 4 pairs" in result.output


VS_RULES = "mc1\naccept device_api=vfio-pci driver=xe_vfio_pci stream=xe-sriov stream_version=1.0..$\n"


def test_versions_sort_as_versions_and_identical_cells_lie_on_the_diagonal(tmp_path: Path) -> None:
    """r2 #11: stream_version 1.2, 1.9, 1.10, 1.11 in that order, each column under its identical row."""
    fleet = tmp_path / "vs"
    for version in ("1.10", "1.2", "1.11", "1.9"):
        text = f"mc1 device_api=vfio-pci driver=xe_vfio_pci stream=xe-sriov stream_version={version}\n"
        save(fleet, host(f"xe-{version}", [("0000:03:00.1", text, VS_RULES)]))
    document = json.loads(run("matrix", "--format", "json", str(fleet)).output)
    assert [entry["version"] for entry in document["sources"]] == ["1.2", "1.9", "1.10", "1.11"]
    assert [entry["name"] for entry in document["sources"]] == [
        f"xe_vfio_pci stream_version={v}" for v in ("1.2", "1.9", "1.10", "1.11")
    ]
    identical = [(cell["source"], cell["target"]) for cell in document["cells"] if cell["grade"] == "identical"]
    assert identical == [("S1", "T1"), ("S2", "T2"), ("S3", "T3"), ("S4", "T4")]
    grid = [line.split(" | ")[1] for line in run("matrix", str(fleet)).output.splitlines() if " | " in line]
    assert grid == ["=+++", ".=++", "..=+", "...="]  # a newer target accepts an older source


def test_compare_descriptions_orders_versions_as_values_then_fields() -> None:
    def v(text: str) -> MigrationVersion:
        return parse_version(f"mc1 driver=d {text}\n")

    ordered = [v("x=1"), v("stream_version=1.2"), v("stream_version=1.9"), v("stream_version=1.10")]  # none first
    shuffled = [ordered[2], ordered[3], ordered[0], ordered[1]]
    assert sorted(shuffled, key=functools.cmp_to_key(compare_descriptions)) == ordered
    assert compare_descriptions(v("stream_version=1.0"), v("stream_version=1.0.0")) == -1  # equivalent: text decides
    assert compare_descriptions(v("stream_version=1.0"), v("stream_version=1.0")) == 0
    assert tells_apart([v("a=1 b=2"), v("a=1 b=3")]) == [["b=2"], ["b=3"]]
    assert tells_apart([v("a=1")]) == [[]]


NVIDIA = (
    "mc1 device_api=vfio-pci driver=nvidia ~name=GRID%20T4-2Q nvidia.vgpu_mgr={mgr} pci_id=10de:1eb8 share=1/8"
    " stream=nvidia-vgpu ~type=nvidia-230\n"
)
NVIDIA_RULES = (
    "mc1\naccept device_api=vfio-pci driver=nvidia nvidia.vgpu_mgr=16.0..$ pci_id=10de:1eb8 share=1/8"
    " stream=nvidia-vgpu\n"
)


def _nvidia_host(name: str, mgr: str) -> HostData:
    """A host with a vGPU (an mdev) and its type nvidia-230, whose template (no param line) describes the vGPU."""
    text = NVIDIA.format(mgr=mgr).encode()
    attributes = {"migration_version": Attr(text), "migration_compatible_devices": Attr(NVIDIA_RULES.encode())}
    uuid = "c2b5a1b0-7f3e-4d1a-9a51-3f4c0e7d2a10"
    placements = (
        Placement("mdev", uuid, f"bus/mdev/devices/{uuid}", attributes),
        Placement("mdev_type", "nvidia-230", "class/mdev_bus/0000:3b:00.0/mdev_supported_types/nvidia-230", attributes),
    )
    return HostData(name, "6.8", "2025-01-01T00:00:00Z", "test", "/sys", "capture", False, placements)


def test_labels_name_the_telling_field_and_a_mixed_class(tmp_path: Path) -> None:
    """r2 #11, #12: rows told apart by nvidia.vgpu_mgr; a type and a device in one column is "mixed"."""
    fleet = tmp_path / "nv"
    for name, mgr in (("t4-180", "18.0"), ("t4-162", "16.2"), ("t4-171", "17.1")):
        (fleet / f"{name}.json").parent.mkdir(parents=True, exist_ok=True)
        (fleet / f"{name}.json").write_text(dumps(_nvidia_host(name, mgr)), encoding="utf-8")
    document = json.loads(run("matrix", "--format", "json", str(fleet)).output)
    assert [entry["name"] for entry in document["sources"]] == [
        f"nvidia nvidia.vgpu_mgr={mgr}" for mgr in ("16.2", "17.1", "18.0")
    ]
    assert [entry["name"] for entry in document["targets"]] == [
        f"nvidia nvidia.vgpu_mgr={mgr} type nvidia-230 + device" for mgr in ("16.2", "17.1", "18.0")
    ]
    assert {entry["kind"] for entry in document["targets"]} == {"mixed"}
    assert [entry["hosts"] for entry in document["targets"]] == [["t4-162"], ["t4-171"], ["t4-180"]]
    text = run("matrix", str(fleet)).output
    assert re.search(
        r"T1 nvidia nvidia\.vgpu_mgr=16\.2 type nvidia-230 \+ device: target class [0-9A-F]{32},"
        r" 1 device, 1 type on t4-162",
        text,
    )
    assert "     accept device_api=vfio-pci driver=nvidia nvidia.vgpu_mgr=16.0..$" in text


# ---- the page ---------------------------------------------------------------------------------------------


def test_the_page_folds_members_classes_and_reasons_and_leaves_out_cross_driver_pairs(tmp_path: Path) -> None:
    """r2 #12, #13: every member is on the page (folded when many); cross-driver incompatible pairs are only counted."""
    fleet = _firmware_fleet(tmp_path / "fleet", 8)
    for name, mgr in (("t4-171", "17.1"), ("t4-180", "18.0")):
        (fleet / f"{name}.json").write_text(dumps(_nvidia_host(name, mgr)), encoding="utf-8")
    page = tmp_path / "m.html"
    result = run("matrix", "--format", "json", "--html", str(page), str(fleet))
    assert result.exit_code == SUCCESS, result.output
    document = json.loads(result.output)
    text = page.read_text(encoding="utf-8")
    # 3 rows x 3 columns: mlx5 x nvidia (2 x 1 + 1 x 2 = 4 pairs, all incompatible) are counted, not listed.
    assert len(document["sources"]) == len(document["targets"]) == 3
    listed = re.findall(r'<tr id="pair-(S\d+)-(T\d+)">', text)
    assert len(listed) == 5 and "4 incompatible pairs across drivers and streams not listed" in text
    assert text.count('<rect class="cell ') == 9
    # Every member of the mlx5 row is on the page: 16 devices, folded, and its 8 classes, folded.
    assert "<details><summary>16 devices on 8 hosts\n</summary>" in text
    assert "<details><summary>8 classes\n</summary>" in text
    for number in range(8):
        assert f"cx-{number:03d}:bus/pci/devices/0000:3b:00.2" in text
    assert "... and" not in text
    # A short list is open; a mixed column shows both kinds; reasons of a pair are folded under its summary.
    assert "<details open><summary>1 device, 1 type on 1 host\n</summary>" in text
    assert re.search(r'<td class="text"><details><summary>incompatible[^<]*\n</summary>(<span class="w">)?\[', text)
