"""Review r19 (Nova/Placement): no "accepts" trait outlives the evidence for it.

* F1: a driver update that drops both migration attributes: the capture still
  lists the GPU's types, and the export maps them with no trait, so a push
  clears the trait an earlier export gave (a type beside one that migrates on
  the same GPU is left unmapped rather than refused as ambiguous);
* F2: an inventory where nothing could be decided still clears what it maps;
* F6: a resource provider the export no longer maps at all is found by the
  push: a warning, refused by ``--strict``, cleared by ``--prune``
  (``test_export_placement_service``), and the search agrees whether
  Placement is asked for many traits at once or one at a time;
* F3: a query's trait finds Nova's nested GPU provider among allocation
  candidates at the microversion the query names, and not below 1.29.
"""

from __future__ import annotations

import json
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from export_fleets import generated_fleet, source_classes
from fresh_captures import fresh_copy
from migcompat.cli import main
from migcompat.exports.placement import ResourceProviderMap, build_export, query_for
from migcompat.exports.placement_client import PlacementClient, holders, push
from migcompat.exports.table import build_table, provider_key
from migcompat.fleet.inventory import load_inventory
from placement_proxy import Fault, fault_proxy, nth_write
from placement_service import TOKEN, PlacementService

RUNS_LONG = True  # queued first in the default run (conftest.py)

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "conformance" / "samples" / "nvidia-vgpu"
OLD_TREE = ROOT / "conformance" / "sample-trees" / "nvidia-vgpu" / "old"
ATTRIBUTES = ("migration_version", "migration_compatible_devices")
GPU = "t4-node-16_pci_0000_3b_00_0"


def _migcompat(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def _stripped_capture(tmp_path: Path, *, keep: tuple[str, ...] = ()) -> Path:
    """A capture of host t4-node-16 (the 16.2 sample) whose driver writes no migration attribute, but for the
    types *keep*; beside it in the directory returned, the 17.0 host as it is."""
    tree = tmp_path / "tree16"
    shutil.copytree(OLD_TREE, tree, symlinks=True)
    for name in ATTRIBUTES:
        for path in tree.rglob(name):
            if not any(f"/{kept}/" in str(path) for kept in keep):
                path.unlink()
    captures = tmp_path / "captures"
    captures.mkdir()
    captured = _migcompat("capture", "--sysfs", str(tree), "--host", "t4-node-16", "-o", str(captures / "16.json"))
    assert captured.exit_code in (0, 3), captured.output  # 3: nothing with migration attributes (written anyway)
    fresh_copy(SAMPLES / "new.json", captures / "17.json")
    return captures


def test_placements_without_attributes_are_listed_and_mapped_with_no_trait(tmp_path: Path) -> None:
    captures = _stripped_capture(tmp_path)
    inventory = load_inventory([str(captures)])
    bare = [(b.host, b.kind, b.ident) for b in inventory.bare]
    assert ("t4-node-16", "type", "nvidia-222") in bare and ("t4-node-17", "type", "nvidia-230") not in bare
    assert all(p.host != "t4-node-16" for p in inventory.providers)
    assert not inventory.incomplete  # a driver that does not migrate hides no target

    mapping = tmp_path / "m.json"
    enabled = ["--enabled-type", "t4-node-16=nvidia-222", "--enabled-type", "t4-node-17=nvidia-230"]
    result = _migcompat("export", "placement", str(captures), *enabled, "--mapping", str(mapping), "--strict")
    assert result.exit_code == 0, result.output
    assert "1 placement without migration attributes (such as t4-node-16:class/mdev_bus/" in result.output
    assert "it gets no migcompat trait, and a push clears any an earlier export gave" in result.output
    written = json.loads(mapping.read_text())
    mapped = [entry for entry in written["without_attributes"] if entry["resource_provider"] is not None]
    assert [(entry["ident"], entry["resource_provider"]) for entry in mapped] == [("nvidia-222", {"name": GPU})]


def test_a_type_without_attributes_beside_one_that_migrates_is_left_unmapped(tmp_path: Path) -> None:
    captures = _stripped_capture(tmp_path, keep=("nvidia-222",))
    mapping = tmp_path / "m.json"
    enabled = ["--enabled-type", "t4-node-16=nvidia-222", "--enabled-type", "t4-node-16=nvidia-223"]
    enabled += ["--enabled-type", "t4-node-17=nvidia-230"]
    result = _migcompat("export", "placement", str(captures), *enabled, "--mapping", str(mapping))
    assert result.exit_code == 0, result.output  # not export-ambiguous-provider
    written = json.loads(mapping.read_text())
    kinds = {entry["ident"]: (entry["kind"], entry["resource_provider"]) for entry in written["without_attributes"]}
    assert kinds == {"nvidia-223": ("type", None), "c2b5a1b0-7f3e-4d1a-9a51-3f4c0e7d2a10": ("device", None)}
    providers = {entry["ident"]: entry["resource_provider"] for entry in written["providers"]}
    assert providers["nvidia-222"] == {"name": GPU}


@pytest.fixture
def service(placement: PlacementService) -> PlacementService:
    """The session's real Placement, emptied for each test."""
    return placement


def _push(service: PlacementService, *args: str) -> Result:
    return _migcompat("export", "placement", *args, "--endpoint", service.endpoint, env={"OS_TOKEN": TOKEN})


def test_a_driver_that_stops_migrating_loses_its_accepts_trait_in_placement(
    tmp_path: Path, service: PlacementService
) -> None:
    captures = _stripped_capture(tmp_path)
    # an empty service: the push looks for every provider with a migcompat trait
    gpu = service.create_provider(GPU)
    service.create_provider("t4-node-17_pci_0000_3b_00_0")
    first = _push(service, str(SAMPLES), "--enabled-type", "nvidia-222", "--enabled-type", "nvidia-230")
    assert first.exit_code == 0, first.output
    (earlier,) = service.traits_of(gpu)
    assert earlier.startswith("CUSTOM_MIGCOMPAT_ACCEPTS_")

    # the type is no longer enabled on the host: the GPU is not the export's, and --strict says so
    strict = _push(service, str(captures), "--enabled-type", "nvidia-230", "--strict")
    assert strict.exit_code == 3, strict.output
    assert "error[export-stale-traits]: 1 resource provider outside the export carries migcompat traits" in (
        strict.output
    )
    assert f"'{GPU}' ({gpu}); nothing was written" in strict.output
    assert service.traits_of(gpu) == {earlier}

    # with its type enabled, the GPU is mapped with no trait: cleared
    enabled = ["--enabled-type", "t4-node-16=nvidia-222", "--enabled-type", "t4-node-17=nvidia-230"]
    cleared = _push(service, str(captures), *enabled, "--strict")
    assert cleared.exit_code == 0, cleared.output
    assert service.traits_of(gpu) == set()
    assert "outside the export" not in cleared.output


def test_an_inventory_with_nothing_decided_still_clears_what_it_maps(tmp_path: Path, service: PlacementService) -> None:
    broken = ROOT / "conformance" / "samples" / "broken-parse" / "host.json"
    gpu = service.create_provider("t4-node-broken-parse_pci_0000_3b_00_0")
    stale = "CUSTOM_MIGCOMPAT_ACCEPTS_40225C235C57EF8D067E839218EEC5D8"
    assert service.request("PUT", f"/traits/{stale}")[0] in (201, 204)
    assert (
        service.request(
            "PUT", f"/resource_providers/{gpu}/traits", {"traits": [stale], "resource_provider_generation": 0}
        )[0]
        == 200
    )

    strict = _push(service, str(broken), "--strict")
    assert strict.exit_code == 3 and "what an earlier export gave" in strict.output, strict.output
    assert service.traits_of(gpu) == {stale}

    result = _push(service, str(broken))
    assert result.exit_code == 0, result.output
    assert "2 undecided providers (1 mapped, with no trait)" in result.output
    assert "1 resource provider updated" in result.output
    assert service.traits_of(gpu) == set()


def test_the_providers_with_migcompat_traits_are_found_in_groups_and_one_trait_at_a_time(
    tmp_path: Path, service: PlacementService
) -> None:
    names = [f"CUSTOM_MIGCOMPAT_ACCEPTS_{number:032X}" for number in range(70)]  # three groups of at most 32
    for name in names:
        assert service.request("PUT", f"/traits/{name}")[0] in (201, 204)
    expected = {}
    for number in range(0, 70, 9):
        rp = service.create_provider(f"gpu-{number}")
        expected[rp] = f"gpu-{number}"
        body = {"traits": [names[number]], "resource_provider_generation": 0}
        assert service.request("PUT", f"/resource_providers/{rp}/traits", body)[0] == 200
    bare = service.create_provider("bare")  # no trait: never found
    client = PlacementClient(service.endpoint, TOKEN)
    mine = {*expected, bare}  # the other tests' providers may have migcompat traits too
    assert {rp: name for rp, name in holders(client, names).items() if rp in mine} == expected
    assert {rp: name for rp, name in holders(client, names, grouped=False).items() if rp in mine} == expected
    assert holders(client, []) == {}


def test_the_query_finds_nova_s_nested_gpu_provider_at_the_microversion_it_names(
    tmp_path: Path, service: PlacementService
) -> None:
    query = query_for(["40225C235C57EF8D067E839218EEC5D8"])
    (trait,) = query.traits
    root = service.create_provider("compute-1")
    status, answer = service.request(
        "POST", "/resource_providers", {"name": "compute-1_pci_0000_3b_00_0", "parent_provider_uuid": root}
    )
    assert status == 200, answer
    gpu = answer["uuid"]
    for rp, inventory, generation in ((root, {"VCPU": {"total": 8}}, 0), (gpu, {"VGPU": {"total": 4}}, 0)):
        body = {"inventories": inventory, "resource_provider_generation": generation}
        status, answer = service.request("PUT", f"/resource_providers/{rp}/inventories", body)
        assert status == 200, answer
    assert service.request("PUT", f"/traits/{trait}")[0] in (201, 204)
    status, answer = service.request(
        "PUT", f"/resource_providers/{gpu}/traits", {"traits": [trait], "resource_provider_generation": 1}
    )
    assert status == 200, answer

    def candidates(path: str, microversion: str) -> int:
        status, answer = service.request("GET", path, microversion=microversion)
        assert status == 200, answer
        return len(answer["allocation_requests"])

    plain = f"/allocation_candidates?resources=VCPU:1,VGPU:1&{query.query}"
    granular = f"/allocation_candidates?resources=VCPU:1&resources1=VGPU:1&required1={trait}&group_policy=none"
    assert candidates(plain, query.allocation_candidates_microversion) == 1
    assert candidates(granular, query.allocation_candidates_microversion) == 1
    assert candidates(plain, "1.28") == 0  # nested providers are no candidates before 1.29
    assert query.to_json()["allocation_candidates_microversion"] == "1.29"
    assert query_for(["A" * 32, "B" * 32], any_of=True).allocation_candidates_microversion == "1.39"


def test_exclude_host_gives_a_host_no_trait_and_keeps_its_devices_as_sources(tmp_path: Path) -> None:
    mapping = tmp_path / "m.json"
    enabled = ["--enabled-type", "nvidia-222", "--enabled-type", "nvidia-230"]
    result = _migcompat(
        "export", "placement", str(SAMPLES), *enabled, "--exclude-host", "t4-node-16", "--mapping", str(mapping)
    )
    assert result.exit_code == 0, result.output
    written = json.loads(mapping.read_text())
    assert {entry["host"] for entry in written["providers"]} == {"t4-node-17"}
    assert len(written["classes"]) == 2  # the 16.2 vGPU's class is still known: its targets can be found
    unknown = _migcompat("export", "placement", str(SAMPLES), *enabled, "--exclude-host", "t4-node-99")
    assert unknown.exit_code == 2, unknown.output
    assert "--exclude-host: no host of the inventory is named 't4-node-99' (its hosts: t4-node-16, t4-node-17)" in (
        unknown.output
    )


def test_a_host_placement_does_not_have_is_left_out_with_exclude_host(
    tmp_path: Path, service: PlacementService
) -> None:
    enabled = ["--enabled-type", "nvidia-222", "--enabled-type", "nvidia-230"]
    sample = tmp_path / "sample"
    sample.mkdir()
    for name, host in (("old.json", "f5-old"), ("new.json", "f5-new")):
        document = json.loads((SAMPLES / name).read_text())
        document["host"] = host
        (sample / name).write_text(json.dumps(document))
    gpu = service.create_provider("f5-new_pci_0000_3b_00_0")  # f5-old's GPU is not in Placement (re-provisioned)
    missing = _push(service, str(sample), *enabled)
    assert missing.exit_code == 3, missing.output
    assert "1 resource provider of the export is not in Placement, so nothing was written" in missing.output
    assert "leave their hosts out of the export (--exclude-host HOST)" in missing.output
    assert service.traits_of(gpu) == set()
    result = _push(service, str(sample), *enabled, "--exclude-host", "f5-old")
    assert result.exit_code == 0, result.output
    assert len(service.traits_of(gpu)) == 2  # f5-new's type accepts both classes, f5-old's included


class _Counting(PlacementClient):
    """A real client that counts the requests it makes."""

    requests = 0

    def request(self, method: str, path: str, body: object = None, **options: Any) -> tuple[int, Any]:
        self.requests += 1
        return super().request(method, path, body, **options)


def test_an_unchanged_push_makes_about_one_request_per_provider_with_traits(service: PlacementService) -> None:
    fleet = generated_fleet(hosts=10, per_host=4, seed=5)
    rp_uuids = {provider_key(p): str(uuid.uuid4()) for p in fleet}
    for key, rp in rp_uuids.items():
        service.create_provider(f"f9-{key}", rp)
    export = build_export(build_table(fleet, source_classes()[:10]), ResourceProviderMap(rp_uuids, template=None))
    traited = sum(1 for entry in export.providers if entry.traits)
    assert 0 < traited < len(fleet)  # some providers accept nothing: a push need not read them
    first = _Counting(service.endpoint, TOKEN)
    report = push(export, first)
    assert len(report.updated) == traited and len(report.traits_created) == len(export.all_traits())
    again = _Counting(service.endpoint, TOKEN)
    report = push(export, again)
    assert report.updated == [] and len(report.unchanged) == len(fleet)
    groups = -(-len(export.all_traits()) // 32)
    # the listing, the trait list, the holders' queries, then one read per provider that has traits
    assert again.requests <= 2 + groups + traited + 16, (again.requests, traited)  # + the other tests' traits
    assert first.requests <= 2 + groups + 2 * traited + len(export.all_traits()) + 16, first.requests


def test_a_push_that_fails_while_clearing_outside_providers_says_which_it_cleared(placement: PlacementService) -> None:
    for host in ("t4-node-16", "t4-node-17"):
        placement.create_provider(f"{host}_pci_0000_3b_00_0")
    stale = "CUSTOM_MIGCOMPAT_ACCEPTS_" + "0" * 32
    gone = [placement.create_provider(f"gone-{number}", traits=(stale,)) for number in (1, 2)]
    failing = nth_write(2 + 2 + 2, Fault(500))  # 2 accepts traits created, 2 providers set, the first outside cleared
    enabled = ["--enabled-type", "nvidia-222", "--enabled-type", "nvidia-230"]
    with fault_proxy(placement.endpoint, failing) as proxy:
        result = _migcompat(
            "export",
            "placement",
            str(SAMPLES),
            *enabled,
            "--prune",
            "--parallel",
            "1",  # in order: the first outside provider is cleared, the second is not reached
            "--endpoint",
            proxy.endpoint,
            env={"OS_TOKEN": TOKEN},
        )
    assert result.exit_code == 3, result.output
    assert "applied all the same: 2 traits created, 2 resource providers updated" in result.output
    assert f"  cleared 'gone-1' ({gone[0]}), outside the export\n" in result.output
    assert "gone-2" not in result.output
    assert placement.traits_of(gone[0]) == set() and placement.traits_of(gone[1]) == {stale}


def test_a_push_makes_an_is_trait_only_where_a_mapped_provider_carries_it(placement: PlacementService) -> None:
    """Review r19 Nova F10: under Nova's layout no provider carries an is trait; none is made in Placement."""
    inventory = load_inventory([str(SAMPLES)])
    kept = [p for p in inventory.providers if p.kind == "device" or p.ident in ("nvidia-222", "nvidia-230")]
    by_type = build_export(build_table(kept))  # Nova's layout: the types on their GPUs, the mdev instances unmapped
    accepts = {name for name, (relation, _) in by_type.traits.items() if relation == "accepts"}
    assert accepts < set(by_type.all_traits())  # the devices' is traits are in the mapping document...
    for host in ("t4-node-16", "t4-node-17"):
        placement.create_provider(f"{host}_pci_0000_3b_00_0")
    report = push(by_type, PlacementClient(placement.endpoint, TOKEN))
    assert set(report.traits_created) == accepts == placement.defined_traits()  # ...but not made in Placement
    device = next(entry.provider for entry in by_type.providers if entry.provider.kind == "device")
    rp = placement.create_provider("a-device")
    mapped = build_export(build_table(kept), ResourceProviderMap({provider_key(device): rp}))
    (entry,) = [entry for entry in mapped.providers if entry.provider == device]
    own = {name for name in entry.traits if mapped.traits[name][0] == "is"}
    assert len(own) == 1  # a device mapped to a resource provider of its own carries its is trait: it is made
    push(mapped, PlacementClient(placement.endpoint, TOKEN))
    assert placement.defined_traits() == accepts | own and placement.traits_of(rp) >= own


def test_the_summary_counts_the_traits_a_push_makes(placement: PlacementService) -> None:
    """Review r20: the summary said "4 traits" where a push made 2; it says how many a push makes, and a push
    into an empty Placement makes exactly those."""
    for host in ("t4-node-16", "t4-node-17"):
        placement.create_provider(f"{host}_pci_0000_3b_00_0")
    enabled = ["--enabled-type", "nvidia-222", "--enabled-type", "nvidia-230"]
    result = _migcompat(
        "export", "placement", str(SAMPLES), *enabled, "--endpoint", placement.endpoint, env={"OS_TOKEN": TOKEN}
    )
    assert result.exit_code == 0, result.output
    summary = re.search(r"(\d+) traits \(a push makes (\d+)\)", result.output)
    assert summary is not None, result.output
    assert int(summary[1]) == 4 and int(summary[2]) == len(placement.defined_traits()) == 2
