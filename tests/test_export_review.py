"""The scheduler exports made safe for unattended use (review r2, findings 1, 2, 8, 9, 10 and 17).

* 1: a host of the inventory whose placements could not be decided keeps its
  NodeFeature object, with only the labels decided (none: an empty
  ``spec.labels``, which clears the node's labels on apply), and a warning
  names it; the Placement export gives an undecided placement no trait, and
  a push clears its resource provider's migcompat traits;
* 2 and 17: ``kubernetes-query`` says what its affinity is valid for, and
  takes ``--format`` as ``placement-query`` does;
* 8: the queries count the nodes or resource providers of the export they
  match, and exit 1, printing no query, when none does;
* 9: PCI devices are not mapped to a resource provider by a guessed name,
  and a dry run says which mappings Placement has not confirmed;
* 10: ``--node-name TEMPLATE`` and ``--lower`` make node names from host
  names, and every invalid node name is reported at once with its host.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from fresh_captures import now_text
from migcompat import emit
from migcompat.cli import main
from migcompat.exports.errors import ExportError
from migcompat.exports.kubernetes import NodeNames
from migcompat.exports.kubernetes import build_export as build_labels
from migcompat.exports.placement import ResourceProviderMap
from migcompat.exports.table import Undecided, build_table, export_class, undecided_hosts, undecided_placements
from migcompat.fleet.classes import class_id
from migcompat.fleet.inventory import load_inventory
from migcompat.parse import parse_version
from placement_service import PlacementService

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "conformance" / "samples"
VGPU_OLD = SAMPLES / "nvidia-vgpu" / "old.json"  # t4-node-16, vGPU manager 16.2
VGPU_NEW = SAMPLES / "nvidia-vgpu" / "new.json"  # t4-node-17, 17.0
MLX5 = SAMPLES / "mlx5" / "new.json"  # cx6-new: two VFs of the PF 0000:3b:00.0
ENABLED = ("--enabled-type", "nvidia-222", "--enabled-type", "nvidia-230")
SOURCE_OLD = (
    ROOT / "conformance" / "sample-trees" / "nvidia-vgpu" / "old" / "devices" / "pci0000:3a" / "0000:3a:00.0"
    / "0000:3b:00.0" / "c2b5a1b0-7f3e-4d1a-9a51-3f4c0e7d2a10" / "vfio-dev" / "vfio0"
)  # fmt: skip
SOURCE_NEW = Path(str(SOURCE_OLD).replace("/old/", "/new/"))


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, ["export", *args])


def _capture(source: Path, directory: Path, host: str, *, break_: tuple[str, ...] = ()) -> Path:
    """A copy of the capture *source* in *directory* naming *host*; the placements whose ident is in *break_*
    get a migration_compatible_devices that does not parse (``*`` breaks every one)."""
    document: dict[str, Any] = json.loads(source.read_text())
    document["host"] = host
    document["time"] = now_text()  # captured today: the export judges no sample's age here
    for placement in document["placements"]:
        if "*" in break_ or placement["ident"] in break_:
            placement["attributes"]["migration_compatible_devices"]["text"] = "not a rule set\n"
    path = directory / f"{host}.json"
    path.write_text(json.dumps(document))
    return path


def _fleet(directory: Path, **broken: tuple[str, ...]) -> Path:
    """The vGPU sample's two hosts, and a third (t4-node-18, a copy of the newer) in *directory*; *broken* breaks
    placements of a host (keyword: the host with '_' for '-')."""
    directory.mkdir(exist_ok=True)
    for source, host in ((VGPU_OLD, "t4-node-16"), (VGPU_NEW, "t4-node-17"), (VGPU_NEW, "t4-node-18")):
        _capture(source, directory, host, break_=broken.get(host.replace("-", "_"), ()))
    return directory


# ---- 1: hosts that could not be read keep their object, with only what was decided -----------------------


def test_an_unreadable_host_gets_an_empty_node_feature_not_a_deleted_file(tmp_path: Path) -> None:
    out = tmp_path / "labels"
    healthy = _run("kubernetes", str(_fleet(tmp_path / "fleet")), "-o", str(out))
    assert healthy.exit_code == 0, healthy.output
    before = json.loads((out / "nodefeature-t4-node-18.json").read_text())
    assert any(key.startswith("device-migration.") for key in before["spec"]["labels"])

    fleet = _fleet(tmp_path / "fleet", t4_node_18=("*",))
    capture = fleet / "t4-node-18.json"
    document = json.loads(capture.read_text())
    for placement in document["placements"]:  # neither what its devices are nor what they accept can be read
        placement["attributes"]["migration_version"]["text"] = "not a version\n"
    capture.write_text(json.dumps(document))
    result = _run("kubernetes", str(fleet), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "removed" not in result.output  # the file of the host still in the inventory is not deleted
    after = json.loads((out / "nodefeature-t4-node-18.json").read_text())
    assert after["spec"] == {"labels": {}}  # kubectl apply clears the labels the earlier object set
    assert after["metadata"]["labels"] == {
        "nfd.node.kubernetes.io/node-name": "t4-node-18",
        "app.kubernetes.io/managed-by": "migcompat",  # what 'kubectl apply --prune -l' selects
    }
    assert "migcompat: note: 1 node with no label (an empty spec.labels, which clears on apply" in result.stderr
    assert "migcompat: warning: 1 host with placements that could not be decided" in result.stderr
    assert result.stderr.rstrip().endswith("what could not be read: t4-node-18")
    nodes = json.loads((out / "mapping.migcompat").read_text())["nodes"]
    assert nodes["t4-node-18"]["has"] == []


def test_a_host_whose_rules_are_unreadable_keeps_the_classes_its_devices_have(tmp_path: Path) -> None:
    # every rule of t4-node-18 is broken: its vGPU is kept as a source, so the node still says which class it
    # has (a VM there needs it to find its targets), and accepts nothing
    out = tmp_path / "labels"
    assert _run("kubernetes", str(_fleet(tmp_path / "fleet")), "-o", str(out)).exit_code == 0
    before = json.loads((out / "nodefeature-t4-node-18.json").read_text())["spec"]["labels"]
    has = {key: value for key, value in before.items() if key.startswith("device-class.")}
    assert has and len(has) < len(before)

    result = _run("kubernetes", str(_fleet(tmp_path / "fleet", t4_node_18=("*",))), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads((out / "nodefeature-t4-node-18.json").read_text())["spec"] == {"labels": has}
    assert "node with no label" not in result.stderr
    assert "migcompat: warning: 1 host with placements that could not be decided" in result.stderr
    mapping = json.loads((out / "mapping.migcompat").read_text())
    assert len(mapping["nodes"]["t4-node-18"]["has"]) == len(has)
    assert mapping["accept_sets"][mapping["nodes"]["t4-node-18"]["accepts"]] == []


def test_a_partly_unreadable_host_keeps_only_the_labels_decided(tmp_path: Path) -> None:
    # t4-node-17's vGPU cannot be read: the node keeps what its types accept, but no longer says it has the class
    fleet = _fleet(tmp_path / "fleet", t4_node_17=("c2b5a1b0-7f3e-4d1a-9a51-3f4c0e7d2a10",))
    inventory = load_inventory([str(fleet)])
    assert undecided_hosts(inventory) == ["t4-node-17"]
    export = build_labels(build_table(list(inventory.providers)), hosts=[host for _, host in inventory.file_hosts])
    whole = build_labels(build_table(list(load_inventory([str(_fleet(tmp_path / "whole"))]).providers)))
    lost = set(whole.nodes["t4-node-17"]) - set(export.nodes["t4-node-17"])
    assert lost and all(key.startswith("device-class.") for key in lost)
    assert any(key.startswith("device-migration.") for key in export.nodes["t4-node-17"])
    assert export.nodes["t4-node-18"] == whole.nodes["t4-node-18"]


def test_the_hosts_argument_makes_a_node_of_a_host_without_providers() -> None:
    export = build_labels(build_table([]), hosts=["quiet-host"])
    assert export.nodes == {"quiet-host": {}}
    assert export.node_features()[0]["spec"] == {"labels": {}}


def test_undecided_placements_are_named_from_their_paths(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    _capture(VGPU_OLD, fleet, "t4-node-16", break_=("nvidia-222", "c2b5a1b0-7f3e-4d1a-9a51-3f4c0e7d2a10"))
    _capture(MLX5, fleet, "cx6-new", break_=("0000:3b:00.2",))
    found = undecided_placements(load_inventory([str(fleet)]))
    assert found == [
        Undecided("cx6-new", "bus/pci/devices/0000:3b:00.2/vfio-dev/vfio1", "device", "0000:3b:00.2"),
        Undecided("t4-node-16", "class/mdev_bus/0000:3b:00.0/mdev_supported_types/nvidia-222", "type", "nvidia-222"),
        Undecided(
            "t4-node-16",
            "bus/mdev/devices/c2b5a1b0-7f3e-4d1a-9a51-3f4c0e7d2a10/vfio-dev/vfio0",
            "device",
            "c2b5a1b0-7f3e-4d1a-9a51-3f4c0e7d2a10",
        ),
    ]


def test_an_undecided_device_on_another_bus_is_named_as_its_provider_would_be(tmp_path: Path) -> None:
    # the inventory's identity of a device on a bus other than PCI is "bus/name", not the path's last part
    document: dict[str, Any] = json.loads(MLX5.read_text())
    vf = document["placements"][1]
    vf.update(kind="device", ident="ap/card00.0005", path="bus/ap/devices/card00.0005/vfio-dev/vfio1", properties={})
    vf["links"] = {"driver": "vfio_ap"}
    healthy = tmp_path / "healthy.json"
    healthy.write_text(json.dumps(document))
    (provider,) = [p for p in load_inventory([str(healthy)]).providers if p.path.startswith("bus/ap/")]
    vf["attributes"]["migration_compatible_devices"]["text"] = "not a rule set\n"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document))
    assert undecided_placements(load_inventory([str(broken)])) == [
        Undecided("cx6-new", provider.path, "device", provider.ident)
    ]
    assert provider.ident == "ap/card00.0005"


def test_the_placement_dry_run_maps_an_undecided_type_with_no_trait(tmp_path: Path) -> None:
    fleet = _fleet(tmp_path / "fleet", t4_node_16=("nvidia-222", "nvidia-223"))
    mapping = tmp_path / "traits.json"
    result = _run("placement", str(fleet), *ENABLED, "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    document = json.loads(mapping.read_text())
    # nvidia-223 is not enabled: it is not Nova's, so not the export's either
    assert document["undecided"] == [
        {
            "host": "t4-node-16",
            "path": "class/mdev_bus/0000:3b:00.0/mdev_supported_types/nvidia-222",
            "ident": "nvidia-222",
            "kind": "type",
            "resource_provider": {"name": "t4-node-16_pci_0000_3b_00_0"},
        }
    ]
    assert [p["host"] for p in document["providers"] if p["kind"] == "type"] == ["t4-node-17", "t4-node-18"]
    assert (
        "migcompat: warning: 1 placement on 1 host could not be decided (see above) and gets no migcompat trait;"
        " a push clears the CUSTOM_MIGCOMPAT_ traits of the 1 resource provider they map to: t4-node-16"
    ) in result.stderr


def test_a_push_clears_the_traits_of_an_undecided_provider(tmp_path: Path, placement: PlacementService) -> None:
    uuids = {
        host: placement.create_provider(f"{host}_pci_0000_3b_00_0")
        for host in ("t4-node-16", "t4-node-17", "t4-node-18")
    }
    args = ("--endpoint", placement.endpoint, "--mapping", str(tmp_path / "traits.json"), *ENABLED)
    env = {"OS_TOKEN": "admin"}
    first = CliRunner().invoke(main, ["export", "placement", str(_fleet(tmp_path / "a")), *args], env=env)
    assert first.exit_code == 0, first.output
    assert all(any(t.startswith("CUSTOM_MIGCOMPAT_ACCEPTS_") for t in placement.traits_of(u)) for u in uuids.values())
    assert placement.request("PUT", "/traits/CUSTOM_OPERATOR")[0] in (201, 204)
    traits = sorted(placement.traits_of(uuids["t4-node-16"]) | {"CUSTOM_OPERATOR"})
    _, body = placement.request("GET", f"/resource_providers/{uuids['t4-node-16']}/traits")
    generation = body["resource_provider_generation"]
    assert placement.request(
        "PUT", f"/resource_providers/{uuids['t4-node-16']}/traits",
        {"traits": traits, "resource_provider_generation": generation},
    )[0] == 200  # fmt: skip

    broken = _fleet(tmp_path / "b", t4_node_16=("nvidia-222",))
    second = CliRunner().invoke(main, ["export", "placement", str(broken), *args], env=env)
    assert second.exit_code == 0, second.output
    assert "1 resource provider updated, 2 unchanged" in second.output, second.output
    assert placement.traits_of(uuids["t4-node-16"]) == {"CUSTOM_OPERATOR"}  # migcompat's cleared, others kept
    assert any(t.startswith("CUSTOM_MIGCOMPAT_ACCEPTS_") for t in placement.traits_of(uuids["t4-node-17"]))


# ---- 2, 8 and 17: the queries -----------------------------------------------------------------------------


@pytest.fixture
def labels(tmp_path: Path) -> Path:
    out = tmp_path / "labels"
    result = _run("kubernetes", str(VGPU_OLD), str(VGPU_NEW), "-o", str(out))
    assert result.exit_code == 0, result.output
    return out / "mapping.migcompat"


@pytest.fixture
def traits(tmp_path: Path) -> Path:
    mapping = tmp_path / "traits.json"
    result = _run("placement", str(VGPU_OLD), str(VGPU_NEW), *ENABLED, "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    return mapping


def test_a_kubernetes_query_counts_its_nodes_and_says_what_it_is_valid_for(labels: Path) -> None:
    result = _run("kubernetes-query", "--mapping", str(labels), str(SOURCE_OLD))
    assert result.exit_code == 0, result.output
    assert "nodeAffinity" in json.loads(result.stdout)["affinity"]
    assert "2 nodes of the export match: t4-node-16, t4-node-17" in result.stderr
    assert "compute the affinity again from that device before the next migration" in result.stderr


def test_a_kubernetes_query_nothing_matches_exits_1_and_prints_no_affinity(labels: Path) -> None:
    # only t4-node-17 accepts the 17.0 vGPU, and it accepts the 16.2 one too: --any matches, both does not
    both = _run("kubernetes-query", "--mapping", str(labels), str(SOURCE_NEW), str(SOURCE_OLD))
    assert both.exit_code == 0, both.output
    assert "1 node of the export match: t4-node-17" in both.stderr
    document = json.loads(labels.read_text())
    older = document["nodes"]["t4-node-16"]  # accepts only its own class, the 16.2 one
    document["nodes"]["t4-node-17"]["accepts"] = older["accepts"]  # as if t4-node-17 accepted only 16.2 too
    only_first = labels.with_name("edited.json")
    only_first.write_text(json.dumps(document))
    source = SOURCE_NEW
    none = _run("kubernetes-query", "--mapping", str(only_first), str(source), str(SOURCE_OLD))
    assert none.exit_code == 1, none.output
    assert none.stdout == ""
    assert "migcompat: no node of the export accepts them: the query would match nothing" in none.stderr
    as_json = _run("kubernetes-query", "-f", "json", "--mapping", str(only_first), str(source), str(SOURCE_OLD))
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["matching"] == []


def test_the_kubernetes_query_json_has_the_spec_labels_and_matches(labels: Path) -> None:
    result = _run("kubernetes-query", "--format", "json", "--selector", "--mapping", str(labels), str(SOURCE_OLD))
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"spec", "labels", "any_of", "matching", "valid_for"}
    assert document["spec"] == {"nodeSelector": {document["labels"][0]: "true"}}
    assert document["matching"] == ["t4-node-16", "t4-node-17"]
    assert "before the next migration" in document["valid_for"]


def test_a_placement_query_matching_no_resource_provider_exits_1(tmp_path: Path, traits: Path) -> None:
    result = _run("placement-query", "--mapping", str(traits), str(SOURCE_OLD))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("required=CUSTOM_MIGCOMPAT_ACCEPTS_")
    assert (
        "2 resource providers of the export match: name:t4-node-16_pci_0000_3b_00_0, name:t4-node-17_pci_0000_3b_00_0"
        in result.stderr
    )
    document = json.loads(traits.read_text())
    for provider in document["providers"]:
        provider["resource_provider"] = None  # the targets are not mapped: Placement would find nothing
    unmapped = tmp_path / "unmapped.json"
    unmapped.write_text(json.dumps(document))
    none = _run("placement-query", "--mapping", str(unmapped), str(SOURCE_OLD))
    assert none.exit_code == 1, none.output
    assert none.stdout == ""
    assert "no resource provider of the export accepts it: the query would match nothing" in none.stderr
    as_json = _run("placement-query", "-f", "json", "--mapping", str(unmapped), str(SOURCE_OLD))
    assert as_json.exit_code == 1 and json.loads(as_json.stdout)["matching"] == []


def _whole_classes(document: dict[str, Any]) -> dict[str, Any]:
    """*document* as a version 1 or 2 export wrote it: its classes the whole descriptions of the sources, no keys."""
    whole = {
        class_id(p.version): p.version
        for p in load_inventory([str(VGPU_OLD), str(VGPU_NEW)]).providers
        if p.kind == "device"
    }
    keys = frozenset(document.pop("keys"))
    by_projection = {export_class(version, keys)[0]: ident for ident, version in whole.items()}
    for entry in document["classes"]:
        ident = entry["class"] = by_projection[entry["class"]]
        entry["text"] = emit(whole[ident])
        for name in ("has_label", "accepts_label"):
            entry[name] = entry[name].rpartition("/")[0] + "/" + ident
    return document  # each class keeps its place in classes, which the indices of accept_sets and nodes refer to


def test_a_version_1_mapping_is_queried_but_not_counted(tmp_path: Path, labels: Path) -> None:
    document = _whole_classes(json.loads(labels.read_text()))
    document["version"] = 1
    for name in ("accept_sets", "nodes"):
        del document[name]
    old = tmp_path / "v1.json"
    old.write_text(json.dumps(document))
    result = _run("kubernetes-query", "--mapping", str(old), str(SOURCE_OLD))
    assert result.exit_code == 0, result.output
    assert "not counted: a version 1 mapping" in result.stderr
    ident = class_id(parse_version((SOURCE_OLD / "migration_version").read_text()))
    assert f"/{ident}" in result.stdout  # the whole description names the class, as version 1 exports named it


def test_a_version_2_mapping_names_a_source_by_its_whole_description(tmp_path: Path, labels: Path) -> None:
    """Version 2 had no keys: its classes were whole descriptions, and a query reads it as it always did."""
    document = _whole_classes(json.loads(labels.read_text()))
    document["version"] = 2
    old = tmp_path / "v2.json"
    old.write_text(json.dumps(document))
    result = _run("kubernetes-query", "--selector", "--mapping", str(old), str(SOURCE_OLD))
    assert result.exit_code == 0, result.output
    ident = class_id(parse_version((SOURCE_OLD / "migration_version").read_text()))
    assert json.loads(result.stdout) == {"nodeSelector": {f"device-migration.node.migcompat.io/{ident}": "true"}}
    assert "2 nodes of the export match: t4-node-16, t4-node-17" in result.stderr
    # The same source with a field no rule reads changed is another class to a mapping without keys.
    text = (SOURCE_OLD / "migration_version").read_text().replace("~type=", "~type=x")
    changed = tmp_path / "changed"
    changed.write_text(text)
    refused = _run("kubernetes-query", "--mapping", str(old), str(changed))
    assert refused.exit_code == 3 and "error[export-unknown-class]" in refused.stderr
    current = _run("kubernetes-query", "--mapping", str(labels), str(changed))
    assert current.exit_code == 0, current.output  # a version 3 mapping leaves it out, as the export did


# ---- 9: which resource provider ---------------------------------------------------------------------------


def test_pci_devices_are_not_mapped_by_a_guessed_name(tmp_path: Path) -> None:
    mapping = tmp_path / "traits.json"
    result = _run("placement", str(MLX5), "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    assert [p["resource_provider"] for p in json.loads(mapping.read_text())["providers"]] == [None, None]
    assert "not mapped: 2 PCI devices (such as cx6-new:bus/pci/devices/0000:3b:00.1/vfio-dev/vfio0)" in result.stderr
    assert "'<host>_<PF ADDRESS>'" in result.stderr
    assert "unverified" not in result.stderr  # nothing is mapped, so nothing is unverified

    explicit = _run("placement", str(MLX5), "--rp-name", "{host}_{nodedev}", "--mapping", str(mapping))
    assert explicit.exit_code == 0, explicit.output
    names = [p["resource_provider"] for p in json.loads(mapping.read_text())["providers"]]
    assert names == [{"name": "cx6-new_pci_0000_3b_00_1"}, {"name": "cx6-new_pci_0000_3b_00_2"}]
    assert (
        "migcompat: note: unverified (no --endpoint): 2 resource provider names (2 of the names are of devices,"
        " from your --rp-name template) and 0 UUIDs"
    ) in explicit.stderr


def test_the_library_default_maps_types_not_devices() -> None:
    inventory = load_inventory([str(VGPU_OLD), str(MLX5)])
    by_kind = {p.kind + ":" + p.host: ResourceProviderMap().resolve(p) for p in inventory.providers}
    assert by_kind["type:t4-node-16"] == ("name", "t4-node-16_pci_0000_3b_00_0")
    assert by_kind["device:cx6-new"] is None
    vf = next(p for p in inventory.providers if p.host == "cx6-new")
    assert ResourceProviderMap(devices=True).resolve(vf) == ("name", "cx6-new_pci_0000_3b_00_1")


# ---- 10: node names ---------------------------------------------------------------------------------------


def test_node_names_from_a_template_lower_cased(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    _capture(VGPU_OLD, fleet, "GPU-Node-07.Example.COM")
    _capture(VGPU_NEW, fleet, "gpu-node-08.example.com")
    out = tmp_path / "labels"
    refused = _run("kubernetes", str(fleet), "-o", str(out))
    assert refused.exit_code == 3
    assert "1 of 2 hosts give an invalid Kubernetes node name, so nothing was written" in refused.stderr
    assert "host 'GPU-Node-07.Example.COM' gives the node name 'GPU-Node-07.Example.COM', which must be" in (
        refused.stderr
    )
    assert not out.exists()
    result = _run("kubernetes", str(fleet), "-o", str(out), "--node-name", "{short}", "--lower")
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in out.iterdir()) == [
        "mapping.migcompat",
        "nodefeature-gpu-node-07.json",
        "nodefeature-gpu-node-08.json",
    ]
    item = json.loads((out / "nodefeature-gpu-node-07.json").read_text())
    assert item["metadata"]["labels"]["nfd.node.kubernetes.io/node-name"] == "gpu-node-07"


def test_every_invalid_node_name_is_reported_at_once_with_its_host(tmp_path: Path) -> None:
    fleet = tmp_path / "fleet"
    fleet.mkdir()
    long_name = "node-1." + "x" * 60 + ".example.com"
    for number, host in enumerate(("Upper-1", "under_score", long_name, "fine-1")):
        _capture(VGPU_OLD if number % 2 else VGPU_NEW, fleet, host)
    result = _run("kubernetes", str(fleet))
    assert result.exit_code == 3
    message = result.stderr
    assert "3 of 4 hosts give an invalid Kubernetes node name" in message
    for host in ("Upper-1", "under_score", long_name):
        assert f"host {host!r} gives the node name" in message
    assert "is 79 characters long, more than the 63 of the label value NFD names a node in" in message
    assert "fine-1" not in message


def test_two_hosts_giving_one_node_name_are_a_collision() -> None:
    inventory = load_inventory([str(VGPU_OLD)])
    with pytest.raises(ExportError) as raised:
        build_labels(build_table(list(inventory.providers)), hosts=["Node-A", "node-a"], names=NodeNames(lower=True))
    assert raised.value.code == "export-collision"
    assert "'node-a' from 'Node-A', 'node-a'" in raised.value.message


@pytest.mark.parametrize("template", ["{node}", "{host!r}", "", "{host"])
def test_a_bad_node_name_template_is_a_usage_error(template: str) -> None:
    result = _run("kubernetes", str(VGPU_OLD), "--node-name", template)
    assert result.exit_code == 2, result.output
    assert "--node-name" in result.stderr


# ---- 9: --enabled-type HOST=TYPE ---------------------------------------------------------------------------


def test_a_host_scoped_enabled_type_replaces_the_fleet_wide_ones_on_its_host(tmp_path: Path) -> None:
    fleet = _fleet(tmp_path / "fleet")
    mapping = tmp_path / "traits.json"
    # t4-node-17 and t4-node-18 have the same GPU; each enables another type, as each compute host's nova.conf says
    result = _run(
        "placement", str(fleet), *ENABLED, "--enabled-type", "t4-node-18=nvidia-231", "--mapping", str(mapping)
    )
    assert result.exit_code == 0, result.output
    types = {(p["host"], p["ident"]) for p in json.loads(mapping.read_text())["providers"] if p["kind"] == "type"}
    assert types == {("t4-node-16", "nvidia-222"), ("t4-node-17", "nvidia-230"), ("t4-node-18", "nvidia-231")}
    without = _run("placement", str(fleet), "--enabled-type", "nvidia-230", "--enabled-type", "nvidia-231")
    assert without.exit_code == 3 and "[export-ambiguous-provider]" in without.stderr


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("t4-node-99=nvidia-231", "no host of the inventory is named 't4-node-99' (its hosts: t4-node-16, t4-node-17"),
        ("t4-node-16=nvidia-230", "no device type of host t4-node-16 is named 'nvidia-230' (its types: nvidia-222,"),
    ],
)
def test_a_host_scoped_enabled_type_the_host_lacks_is_a_usage_error(tmp_path: Path, value: str, message: str) -> None:
    result = _run("placement", str(_fleet(tmp_path / "fleet")), "--enabled-type", value)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
