"""Export classes: descriptions the exported rules cannot tell apart (r2 #6); and --strict (r2 #15).

An export names a source's class by its description projected onto the keys
the exported rules constrain (``semantics.rules.project`` and
``constrained_keys``). The property test draws fleets whose devices differ in
ignorable fields (a firmware build no rule reads; sometimes one a rule does
read, or a critical one) and checks that every provider's "accepts" set is
exactly the projected classes of the descriptions ``compare.check`` says it
accepts, that every member of a class gets the same answer from every
provider, and that a query made from the written mapping finds the same
nodes and resource providers. The other tests hold the command to r2's
figures (600 hosts, one firmware build each: 601 labels per node) and to
what the guide says: a field a rule starts to read splits the classes.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migcompat.compare import check
from migcompat.exports.errors import ExportError
from migcompat.exports.kubernetes import MAPPING_FORMAT as KUBERNETES
from migcompat.exports.kubernetes import build_export as build_labels
from migcompat.exports.mapping import MAPPING_VERSION, accepting, classes_of, mapping_text, parse_mapping
from migcompat.exports.placement import MAPPING_FORMAT as PLACEMENT
from migcompat.exports.placement import ResourceProviderMap
from migcompat.exports.placement import build_export as build_traits
from migcompat.exports.table import build_table, export_class, provider_key
from migcompat.fleet.classes import class_id
from migcompat.fleet.inventory import Provider, load_inventory
from migcompat.model import MigrationVersion
from migcompat.parse import parse_version
from migcompat.semantics.rules import constrained_keys, project
from migcompat.sysfs.model import Finding
from migcompat.verdict import Answer
from strategies import examples
from test_export_review import ENABLED, VGPU_NEW, VGPU_OLD, _capture, _fleet
from test_fleet_cli import SUCCESS, UNDECIDED, host, run, save
from test_matrix_groups import MLX5, MLX5_RULES, _firmware_fleet, descriptions, fleets, noisy

# ---- the property: grouping never changes an answer --------------------------------------------------------


def _accepts(source: MigrationVersion, provider: Provider) -> bool:
    return check(source, provider.rules, provider.version).answer is Answer.COMPATIBLE


@settings(max_examples=examples(100), deadline=None)
@given(fleets(), st.lists(descriptions().flatmap(noisy).map(MigrationVersion), max_size=3))
def test_every_accepts_set_is_the_projected_classes_of_what_check_accepts(
    providers: list[Provider], extra: list[MigrationVersion]
) -> None:
    table = build_table(providers, extra)
    keys = constrained_keys(p.rules for p in providers)
    assert table.keys == keys
    sources = [p.version for p in providers if p.kind == "device"] + extra
    assert {known.id for known in table.classes} == {class_id(project(version, keys)) for version in sources}
    for known in table.classes:
        assert known.id == class_id(known.version) and known.version == project(known.version, keys)
    for provider, own, accepted in zip(table.providers, table.is_class, table.accepts, strict=True):
        answers: dict[str, set[bool]] = {}
        for version in sources:
            answers.setdefault(table.class_of(version), set()).add(_accepts(version, provider))
        assert all(len(found) == 1 for found in answers.values()), answers  # a class's members are judged alike
        assert accepted == {ident for ident, found in answers.items() if found == {True}}
        assert own == (table.class_of(provider.version) if provider.kind == "device" else None)

    # What a query reads back from the mapping: the source projected with the mapping's keys, then counted.
    labels = parse_mapping(mapping_text(build_labels(table).to_json(), "m").encode(), "m", KUBERNETES)
    uuids = {provider_key(p): str(uuid.UUID(int=number + 1)) for number, p in enumerate(providers)}
    traits = build_traits(table, ResourceProviderMap(uuids, None))
    placement = parse_mapping(mapping_text(traits.to_json(), "m").encode(), "m", PLACEMENT)
    assert labels.keys == placement.keys == keys
    for version in sources:
        (ident,) = classes_of(labels, [("source", version)])
        assert ident == table.class_of(version) == classes_of(placement, [("source", version)])[0]
        taking = [p for p in providers if _accepts(version, p)]
        assert accepting(labels, [ident]) == sorted({p.host for p in taking})
        assert accepting(placement, [ident]) == sorted(f"uuid:{uuids[provider_key(p)]}" for p in taking)


# ---- r2 #6: firmware drift no longer multiplies labels and traits ------------------------------------------


def test_hosts_that_differ_only_in_an_ignorable_firmware_build_have_two_labels_each(tmp_path: Path) -> None:
    """r2's uniq/: one firmware build per host gave 601 labels per node (N classes + 1); now 2, and 2 traits."""
    fleet = _firmware_fleet(tmp_path / "fleet", 40)
    out = tmp_path / "labels"
    result = run("export", "kubernetes", str(fleet), "-o", str(out))
    assert result.exit_code == SUCCESS, result.output
    assert "1 source class, 40 nodes, 80 labels" in result.output
    mapping = json.loads((out / "mapping.migcompat").read_text())
    assert mapping["version"] == MAPPING_VERSION == 3
    assert "mlx5.fw_version" not in mapping["keys"] and "stream_version" in mapping["keys"]
    ((only,),) = [[entry["class"] for entry in mapping["classes"]]]
    assert "fw_version" not in mapping["classes"][0]["text"]
    for number in range(40):
        node = json.loads((out / f"nodefeature-cx-{number:03d}.json").read_text())
        assert sorted(node["spec"]["labels"]) == [
            f"device-class.node.migcompat.io/{only}",
            f"device-migration.node.migcompat.io/{only}",
        ]
    traits = tmp_path / "traits.json"
    result = run("export", "placement", str(fleet), "--mapping", str(traits))
    assert result.exit_code == SUCCESS, result.output
    assert "1 source class, 2 traits (a push makes 1), 80 providers" in result.output
    document = json.loads(traits.read_text())
    assert sorted(document["traits"]) == [f"CUSTOM_MIGCOMPAT_ACCEPTS_{only}", f"CUSTOM_MIGCOMPAT_IS_{only}"]
    assert {document["classes"][p["is"]]["class"] for p in document["providers"]} == {only}

    # A source with a firmware build no host has is of the class, and both queries find every host.
    source = tmp_path / "source"
    source.write_text(MLX5.format(fw="~mlx5.fw_version=99.0 "))
    query = run("export", "kubernetes-query", "--selector", "--mapping", str(out / "mapping.migcompat"), str(source))
    assert query.exit_code == SUCCESS, query.output
    assert json.loads(query.stdout) == {"nodeSelector": {f"device-migration.node.migcompat.io/{only}": "true"}}
    assert "40 nodes of the export match" in query.stderr
    query = run("export", "placement-query", "--mapping", str(traits), str(source))
    assert query.exit_code == 1 and "no resource provider of the export accepts it" in query.stderr  # none mapped
    assert "error" not in query.stderr


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (" stream_version=1.1", " stream_version=1.2"),  # a field the rules read, with a value no class has
        ("mlx5.max_queues=32 ", "mlx5.max_queues=32 vendor.mode=x "),  # a critical field no class has
        ("mlx5.max_queues=32 ", "mlx5.max_queues=32 ~stream=mlx5-vf "),  # ~ would not hide a field a rule reads
    ],
    ids=["read-field-value", "critical-field", "read-field-made-ignorable"],
)
def test_a_source_that_differs_in_a_critical_or_read_field_is_still_unknown(
    tmp_path: Path, change: str, why: str
) -> None:
    fleet = _firmware_fleet(tmp_path / "fleet", 3)
    out = tmp_path / "labels"
    assert run("export", "kubernetes", str(fleet), "-o", str(out)).exit_code == SUCCESS
    text = MLX5.format(fw="~mlx5.fw_version=1.0 ~note=x ")
    assert change in text
    source = tmp_path / "source"
    source.write_text(text)
    assert (
        run("export", "kubernetes-query", "--mapping", str(out / "mapping.migcompat"), str(source)).exit_code == SUCCESS
    )
    text = text.replace(change, why)
    if why.startswith("mlx5.max_queues=32 ~stream"):
        text = text.replace(" stream=mlx5-vf", "", 1)
    source.write_text(text)
    parse_version(text)  # a valid description
    result = run("export", "kubernetes-query", "--mapping", str(out / "mapping.migcompat"), str(source))
    assert result.exit_code == UNDECIDED
    assert "error[export-unknown-class]" in result.stderr


def test_a_rule_that_starts_reading_the_firmware_splits_the_classes_and_old_queries_go_stale(tmp_path: Path) -> None:
    """What the guide says: the classes split at the next export, the labels change, an old mapping's query is stale."""
    old = tmp_path / "old"
    assert run("export", "kubernetes", str(_firmware_fleet(tmp_path / "fleet", 4)), "-o", str(old)).exit_code == 0
    reading = MLX5_RULES.replace(" stream=mlx5-vf", " mlx5.fw_version=..$ stream=mlx5-vf")
    new = tmp_path / "new"
    fleet = _firmware_fleet(tmp_path / "fleet", 4, rules=reading)
    result = run("export", "kubernetes", str(fleet), "-o", str(new))
    assert result.exit_code == SUCCESS, result.output
    assert "4 source classes, 4 nodes, 14 labels" in result.output  # host N has its class and accepts builds <= N
    mapping = json.loads((new / "mapping.migcompat").read_text())
    assert "mlx5.fw_version" in mapping["keys"]
    source = tmp_path / "source"
    source.write_text(MLX5.format(fw="~mlx5.fw_version=28.40.0 "))
    stale = run("export", "kubernetes-query", "--selector", "--mapping", str(old / "mapping.migcompat"), str(source))
    assert stale.exit_code == SUCCESS  # the old mapping still names its old class...
    (label,) = json.loads(stale.stdout)["nodeSelector"]
    labelled = {
        key for path in new.glob("nodefeature-*.json") for key in json.loads(path.read_text())["spec"]["labels"]
    }
    assert label not in labelled  # ...which no node of the new export carries: query with the new mapping
    fresh = run("export", "kubernetes-query", "--mapping", str(new / "mapping.migcompat"), str(source))
    assert fresh.exit_code == SUCCESS and "4 nodes of the export match" in fresh.stderr


def test_the_sample_classes_leave_out_only_what_no_exported_rule_reads() -> None:
    """The vGPU sample's rules read ~name but not ~type: the class keeps the first and leaves out the second."""
    inventory = load_inventory([str(VGPU_OLD), str(VGPU_NEW)])
    table = build_table(list(inventory.providers))
    assert "name" in table.keys and "type" not in table.keys
    for known in table.classes:
        assert "~name=" in known.text and "~type=" not in known.text
    device = next(p for p in inventory.providers if p.kind == "device")
    assert export_class(device.version, table.keys)[0] != class_id(device.version)  # ~type was left out


# ---- the key set in the mapping -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("keys", "message", "pointer"),
    [
        ("driver", 'keys is the JSON string "driver", not an array of keys', "/keys"),
        (["driver", 7], "keys[1] is the JSON number 7, not a key", "/keys/1"),
        (["driver", "Driver"], 'keys[1] is the JSON string "Driver", not a key', "/keys/1"),
        (
            ["stream", "driver"],
            'keys[1] is "driver", after "stream": the keys are listed in ascending order',
            "/keys/1",
        ),
        (["driver", "driver"], 'keys[1] is "driver", a duplicate of keys[0]: a key is listed once', "/keys/1"),
        (None, "keys is missing", "/keys"),
    ],
    ids=["not-an-array", "not-a-string", "not-a-key", "unordered", "twice", "missing"],
)
def test_a_malformed_key_set_is_named(keys: object, message: str, pointer: str) -> None:
    table = build_table(list(load_inventory([str(VGPU_OLD)]).providers))
    document = build_labels(table).to_json()
    if keys is None:
        del document["keys"]
    else:
        document["keys"] = keys
    with pytest.raises(ExportError) as raised:
        parse_mapping(json.dumps(document).encode(), "m.json", KUBERNETES)
    assert raised.value.code == "export-mapping-invalid"
    assert raised.value.message.startswith(f"m.json: {message}"), raised.value.message
    assert raised.value.where == f"m.json#{pointer}"


# ---- r2 #15: --strict -----------------------------------------------------------------------------------


def test_strict_refuses_an_undecided_placement_and_writes_nothing(tmp_path: Path) -> None:
    fleet = _fleet(tmp_path / "fleet", t4_node_18=("c2b5a1b0-7f3e-4d1a-9a51-3f4c0e7d2a10",))
    out = tmp_path / "labels"
    result = run("export", "kubernetes", str(fleet), "-o", str(out), "--strict")
    assert result.exit_code == UNDECIDED, result.output
    assert "migcompat: error[capture-invalid]: --strict: 1 placement could not be decided (see above), on 1 host:" in (
        result.stderr
    )
    assert "t4-node-18; nothing was written" in result.stderr
    assert not out.exists()
    out.mkdir()
    (out / "nodefeature-gone.json").write_text("{}")  # a stale file is not removed either
    assert run("export", "kubernetes", str(fleet), "-o", str(out), "--strict").exit_code == UNDECIDED
    assert sorted(path.name for path in out.iterdir()) == ["nodefeature-gone.json"]
    assert run("export", "kubernetes", str(fleet), "-o", str(out)).exit_code == SUCCESS  # without it: partial, 0

    traits = tmp_path / "traits.json"
    traits.write_text("earlier\n")
    result = run("export", "placement", str(fleet), *ENABLED, "--mapping", str(traits), "--strict")
    assert result.exit_code == UNDECIDED and "error[capture-invalid]: --strict: 1 placement" in result.stderr
    assert traits.read_text() == "earlier\n"
    assert run("export", "placement", str(fleet), *ENABLED, "--mapping", str(traits)).exit_code == SUCCESS


def test_strict_ignores_an_undecided_type_the_export_does_not_keep(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    _capture(VGPU_OLD, fleet, "t4-node-16")
    _capture(VGPU_NEW, fleet, "t4-node-17", break_=("nvidia-231",))
    traits = tmp_path / "traits.json"
    result = run("export", "placement", str(fleet), *ENABLED, "--mapping", str(traits), "--strict")
    assert result.exit_code == SUCCESS, result.output
    refused = run(
        "export", "placement", str(fleet), "--enabled-type", "nvidia-231", "--mapping", str(traits), "--strict"
    )
    assert refused.exit_code == UNDECIDED and "--strict: 1 placement could not be decided" in refused.stderr


def test_strict_refuses_a_capture_fault_that_may_hide_a_device(tmp_path: Path) -> None:
    text = MLX5.format(fw="")
    data = host("cx-0", [("0000:3b:00.1", text, MLX5_RULES)])
    save(tmp_path / "fleet", replace(data, findings=(Finding("unreadable", "bus/pci/devices", "permission denied"),)))
    out = tmp_path / "labels"
    result = run("export", "kubernetes", str(tmp_path / "fleet"), "-o", str(out), "--strict")
    assert result.exit_code == UNDECIDED, result.output
    assert "error[capture-unreadable]: --strict: 1 capture fault may hide a device or type" in result.stderr
    assert not out.exists()
    assert run("export", "kubernetes", str(tmp_path / "fleet"), "-o", str(out)).exit_code == SUCCESS
    assert run("export", "kubernetes", str(tmp_path / "fleet"), "--strict").exit_code == UNDECIDED
