"""The Placement export against a real OpenStack Placement service: its answers are exactly check()'s.

The service is the ``openstack-placement`` package (the ``placement`` test
extra) run by :mod:`placement_service`. The smoke test (default run) pushes
the bundled NVIDIA vGPU sample through the command line, by resource
provider *name*; the slow test pushes a generated fleet of 250 providers and
20 source classes by *UUID*, and asks Placement for every class, for pairs
of classes with ``required=A,B`` and with ``required=in:A,B``.

``--prune``: the default run pushes the sample with leftover migcompat
traits (one on a managed provider, one on none, one on a provider the export
no longer maps, which --strict refuses and --prune clears) and operator
traits, without and with pruning; the slow test upgrades a generated fleet
and prunes through the library.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from export_fleets import accepted_by_check, generated_fleet, source_classes
from fresh_captures import NO_AGE_LIMIT
from migcompat import emit
from migcompat.cli import main
from migcompat.exports import placement_client
from migcompat.exports.errors import ExportError
from migcompat.exports.placement import TRAIT_PREFIX, ResourceProviderMap, build_export, query_for
from migcompat.exports.placement_client import MAX_RESET_RETRIES, PlacementClient, push
from migcompat.exports.table import build_table, provider_key
from migcompat.fleet.classes import class_id
from migcompat.fleet.inventory import load_inventory
from placement_proxy import Fault, fault_proxy, first, no_fault, nth_write, writes
from placement_service import TOKEN, PlacementService, placement_service, require_placement

RUNS_LONG = True  # queued first in the default run (conftest.py)

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "conformance" / "samples" / "nvidia-vgpu"


def _migcompat(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def test_sample_pushed_by_name_and_queried(tmp_path: Path, placement: PlacementService) -> None:
    inventory = load_inventory([str(SAMPLE)])
    enabled = ("nvidia-222", "nvidia-230")  # the T4-2Q type on each host, as Nova's enabled_mdev_types would say
    uuids = {host: placement.create_provider(f"{host}_pci_0000_3b_00_0") for host in ("t4-node-16", "t4-node-17")}
    # a trait Nova (or an operator) set, and a stale migcompat trait: the push keeps the first, drops the second
    first = uuids["t4-node-16"]
    assert placement.request("PUT", "/traits/CUSTOM_MIGCOMPAT_ACCEPTS_STALE")[0] == 201
    assert (
        placement.request(
            "PUT",
            f"/resource_providers/{first}/traits",
            {"traits": ["HW_GPU_API_VULKAN", "CUSTOM_MIGCOMPAT_ACCEPTS_STALE"], "resource_provider_generation": 0},
        )[0]
        == 200
    )
    mapping = tmp_path / "traits.json"
    args = ["export", "placement", str(SAMPLE), "--mapping", str(mapping), "--endpoint", placement.endpoint]
    for name in enabled:
        args += ["--enabled-type", name]
    result = _migcompat(*args, env={"OS_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output
    assert "2 resource providers updated" in result.output, result.output
    assert "HW_GPU_API_VULKAN" in placement.traits_of(first)
    assert "CUSTOM_MIGCOMPAT_ACCEPTS_STALE" not in placement.traits_of(first)

    again = _migcompat(*args, env={"OS_TOKEN": TOKEN})
    assert again.exit_code == 0, again.output
    assert "0 resource providers updated, 2 unchanged" in again.output, again.output

    kept = [p for p in inventory.providers if p.kind == "type" and p.ident in enabled]
    for source in inventory.sources:
        source_file = tmp_path / "source"
        source_file.write_text(emit(source.version))
        query = _migcompat("export", "placement-query", "--mapping", str(mapping), str(source_file))
        assert query.exit_code == 0, query.output
        found = placement.providers_matching(query.stdout.strip(), microversion="1.18")
        expected = {uuids[p.host] for p in accepted_by_check(kept, source.version)}
        assert found == expected, (source.path, query.output)
    # the two hosts differ (the newer driver accepts the older class, not the reverse): a real answer
    assert (
        len({frozenset(placement.providers_matching(c["query"])) for c in json.loads(mapping.read_text())["classes"]})
        == 2
    )


def test_push_without_token_is_a_usage_error(tmp_path: Path) -> None:
    result = _migcompat("export", "placement", str(SAMPLE), "--endpoint", "http://127.0.0.1:9", env={"OS_TOKEN": ""})
    assert result.exit_code == 2
    assert "OS_TOKEN" in result.output


def test_unreachable_placement_is_an_error_with_a_code(tmp_path: Path) -> None:
    result = _migcompat(
        "export",
        "placement",
        str(SAMPLE),
        "--enabled-type",
        "nvidia-222",
        "--enabled-type",
        "nvidia-230",
        "--mapping",
        str(tmp_path / "m.json"),
        "--endpoint",
        "http://127.0.0.1:9",  # the discard port: nothing listens there
        env={"OS_TOKEN": "x"},
    )
    assert result.exit_code == 3
    assert "[placement-failed]" in result.output
    assert "Traceback" not in result.output


def test_prune_deletes_only_the_unused_migcompat_traits_the_export_does_not_set(
    tmp_path: Path, placement: PlacementService
) -> None:
    stale = "CUSTOM_MIGCOMPAT_ACCEPTS_STALE"  # an earlier export's, on a provider this one manages
    orphan = "CUSTOM_MIGCOMPAT_IS_ORPHAN"  # an earlier export's, on no provider
    elsewhere = "CUSTOM_MIGCOMPAT_ACCEPTS_ELSEWHERE"  # an earlier export's, on a provider this one no longer maps
    # an operator's: Placement's startswith: is a LIKE, where the _ after MIGCOMPAT matches the I
    operator = {"CUSTOM_MIGCOMPATIBLE_GPU", "CUSTOM_RACK_7"}
    first, second = (placement.create_provider(f"{host}_pci_0000_3b_00_0") for host in ("t4-node-16", "t4-node-17"))
    other = placement.create_provider("elsewhere_pci_0000_84_00_0")
    placement.give(first, [stale])
    placement.give(second, ["CUSTOM_RACK_7"])
    placement.give(other, [elsewhere, "CUSTOM_RACK_7"])
    for name in (orphan, "CUSTOM_MIGCOMPATIBLE_GPU"):
        assert placement.request("PUT", f"/traits/{name}")[0] == 201
    mapping = tmp_path / "traits.json"
    args = ["export", "placement", str(SAMPLE), "--mapping", str(mapping), "--endpoint", placement.endpoint]
    args += ["--enabled-type", "nvidia-222", "--enabled-type", "nvidia-230", *NO_AGE_LIMIT]

    strict = _migcompat(*args, "--strict", env={"OS_TOKEN": TOKEN})
    assert strict.exit_code == 3, strict.output
    assert "error[export-stale-traits]: 1 resource provider outside the export carries" in strict.output
    assert f"'elsewhere_pci_0000_84_00_0' ({other}); nothing was written" in strict.output
    assert not mapping.exists()
    assert placement.traits_of(first) == {stale}  # nothing written

    plain = _migcompat(*args, env={"OS_TOKEN": TOKEN})
    assert plain.exit_code == 0, plain.output
    assert "pruned" not in plain.output
    assert (
        "warning: 1 resource provider outside the export carries migcompat traits an earlier export gave, which"
        f" stay in force: 'elsewhere_pci_0000_84_00_0' ({other})"
    ) in plain.output, plain.output
    document = json.loads(mapping.read_text())
    exported = {name for name, trait in document["traits"].items() if trait["relation"] == "accepts"}
    # the devices' is traits: no provider with a resource provider carries one (Nova's layout), so none is made
    assert exported < set(document["traits"])
    assert stale not in placement.traits_of(first)
    assert placement.traits_of(other) == {elsewhere, "CUSTOM_RACK_7"}  # only named, not cleared
    assert placement.defined_traits(TRAIT_PREFIX) == exported | {stale, orphan, elsewhere}  # nothing deleted

    pruned = _migcompat(*args, "--prune", env={"OS_TOKEN": TOKEN})
    assert pruned.exit_code == 0, pruned.output
    assert (
        f"cleared the migcompat traits of 1 resource provider outside the export: 'elsewhere_pci_0000_84_00_0'"
        f" ({other})\n"
    ) in pruned.output, pruned.output
    assert "pruned: 3 traits removed, 0 kept (still on a resource provider)" in pruned.output, pruned.output
    assert f"  removed {elsewhere}\n  removed {stale}\n  removed {orphan}\n" in pruned.output
    assert placement.defined_traits(TRAIT_PREFIX) == exported
    assert operator <= placement.defined_traits("CUSTOM_")
    assert placement.traits_of(other) == {"CUSTOM_RACK_7"}  # the operator's trait kept
    assert placement.traits_of(second) >= {"CUSTOM_RACK_7"}

    again = _migcompat(*args, "--prune", "--strict", env={"OS_TOKEN": TOKEN})
    assert again.exit_code == 0, again.output
    assert "0 resource providers updated, 2 unchanged" in again.output, again.output
    assert "pruned: 0 traits removed, 0 kept (still on a resource provider)\n" in again.output, again.output
    assert "  removed" not in again.output and "outside the export" not in again.output
    assert placement.defined_traits(TRAIT_PREFIX) == exported
    assert operator <= placement.defined_traits("CUSTOM_")


def test_prune_without_endpoint_is_a_usage_error(tmp_path: Path) -> None:
    result = _migcompat("export", "placement", str(SAMPLE), "--mapping", str(tmp_path / "m.json"), "--prune")
    assert result.exit_code == 2
    assert "--prune" in result.output and "--endpoint" in result.output
    assert not (tmp_path / "m.json").exists()


@pytest.mark.slow
def test_prune_after_a_driver_upgrade_leaves_exactly_the_new_export(tmp_path: Path) -> None:
    require_placement()
    classes = source_classes()
    before = generated_fleet(hosts=12, per_host=4, seed=11)
    after = generated_fleet(hosts=12, per_host=4, seed=12)  # the same providers, other versions and rules
    rp_uuids = {provider_key(p): str(uuid.uuid4()) for p in before}
    assert set(rp_uuids) == {provider_key(p) for p in after}
    old = build_export(build_table(before, classes[:12]), ResourceProviderMap(rp_uuids, template=None))
    new = build_export(build_table(after, classes[8:]), ResourceProviderMap(rp_uuids, template=None))
    gone = sorted(set(old.all_traits()) - set(new.all_traits()))
    assert len(gone) >= 5
    with placement_service(tmp_path / "placement") as service:
        for key, rp in rp_uuids.items():
            service.create_provider(key, rp)
        client = PlacementClient(service.endpoint, TOKEN)
        first = push(old, client, prune=True)
        assert first.pruned and first.traits_removed == [] and first.traits_in_use == []
        outside = service.create_provider("not-in-the-export")
        service.give(outside, [gone[0], "CUSTOM_MIGCOMPATIBLE_GPU"])

        report = push(new, client, prune=True)
        assert report.outside == {outside: "not-in-the-export"} and report.cleared == [outside]
        assert report.traits_removed == gone
        assert report.traits_in_use == []
        assert report.to_json()["providers_cleared"] == [outside]
        assert service.defined_traits(TRAIT_PREFIX) == set(new.all_traits())
        assert service.traits_of(outside) == {"CUSTOM_MIGCOMPATIBLE_GPU"}  # not a migcompat trait: kept
        for version in classes[8:]:
            expected = {rp_uuids[provider_key(p)] for p in accepted_by_check(after, version)}
            query = query_for([class_id(version)])
            assert service.providers_matching(query.query, microversion=query.microversion) == expected

        again = push(new, client, prune=True)
        assert again.traits_created == [] and again.updated == [] and again.outside == {}
        assert again.traits_removed == [] and again.traits_in_use == []
        assert service.defined_traits(TRAIT_PREFIX) == set(new.all_traits())


@pytest.mark.slow
def test_generated_fleet_through_real_placement_equals_check(tmp_path: Path) -> None:
    require_placement()
    providers = generated_fleet(hosts=50, per_host=5)
    classes = source_classes()
    assert len(providers) >= 200 and len(classes) >= 20
    table = build_table(providers, classes)
    assert len(table.classes) == 20
    rp_uuids = {provider_key(p): str(uuid.uuid4()) for p in providers}
    export = build_export(table, ResourceProviderMap(rp_uuids, template=None))
    with placement_service(tmp_path / "placement") as service:
        for p in providers:
            service.create_provider(provider_key(p), rp_uuids[provider_key(p)])
        report = push(export, PlacementClient(service.endpoint, TOKEN))
        assert len(report.updated) + len(report.unchanged) == len(providers)
        nonempty = 0
        for version in classes:
            expected = {rp_uuids[provider_key(p)] for p in accepted_by_check(providers, version)}
            query = query_for([class_id(version)])
            found = service.providers_matching(query.query, microversion=query.microversion)
            assert found == expected, class_id(version)
            nonempty += bool(expected) and len(expected) < len(providers)
        assert nonempty >= 10  # most classes split the fleet: the test can tell a wrong trait from a right one
        for a, b in zip(classes[::3], classes[1::3], strict=False):
            both = {rp_uuids[provider_key(p)] for p in accepted_by_check(providers, a)}
            either = set(both)
            other = {rp_uuids[provider_key(p)] for p in accepted_by_check(providers, b)}
            both &= other
            either |= other
            for any_of, expected in ((False, both), (True, either)):
                query = query_for([class_id(a), class_id(b)], any_of=any_of)
                assert service.providers_matching(query.query, microversion=query.microversion) == expected


# ---- a push reads everything before it writes anything, and says what a failure left -------------------

NOVA_NAMES = ("t4-node-16_pci_0000_3b_00_0", "t4-node-17_pci_0000_3b_00_0")
T4_17_TYPE = "t4-node-17:class/mdev_bus/0000:3b:00.0/mdev_supported_types/nvidia-230"


def _push_args(mapping: Path, endpoint: str, *more: str) -> list[str]:
    return [
        "export",
        "placement",
        str(SAMPLE),
        "--enabled-type",
        "nvidia-222",
        "--enabled-type",
        "nvidia-230",
        "--mapping",
        str(mapping),
        *NO_AGE_LIMIT,  # the sample's captures are from 2025: --strict would refuse them
        "--endpoint",
        endpoint,
        *more,
    ]


def test_a_missing_resource_provider_fails_the_push_before_any_write(
    tmp_path: Path, placement: PlacementService
) -> None:
    placement.create_provider(NOVA_NAMES[0])  # t4-node-17's GPU is not in Placement
    mapping = tmp_path / "g.json"
    with fault_proxy(placement.endpoint, no_fault) as proxy:
        result = _migcompat(*_push_args(mapping, proxy.endpoint), env={"OS_TOKEN": TOKEN})
    assert result.exit_code == 3, result.output
    assert "error[placement-failed]: 1 resource provider of the export is not in Placement" in result.stderr
    assert f"named '{NOVA_NAMES[1]}'" in result.stderr and "nothing was written" in result.stderr
    assert proxy.seen and writes(proxy) == [] and placement.defined_traits("CUSTOM_") == set()
    assert not mapping.exists()


def test_a_uuid_that_placement_does_not_have_fails_the_push_before_any_write(
    tmp_path: Path, placement: PlacementService
) -> None:
    for name in NOVA_NAMES:
        placement.create_provider(name)
    uuids = tmp_path / "uuids.json"
    uuids.write_text(json.dumps({T4_17_TYPE: "7f5f0d9e-0000-4000-8000-000000000001"}))
    with fault_proxy(placement.endpoint, no_fault) as proxy:
        result = _migcompat(
            *_push_args(tmp_path / "g.json", proxy.endpoint, "--rp-uuids", str(uuids)), env={"OS_TOKEN": TOKEN}
        )
    assert result.exit_code == 3, result.output
    assert "by the UUID 7f5f0d9e-0000-4000-8000-000000000001 of the UUID map" in result.stderr
    assert proxy.seen and writes(proxy) == []


def test_a_uuid_another_provider_reaches_by_name_is_refused_before_any_write(
    tmp_path: Path, placement: PlacementService
) -> None:
    first, second = (placement.create_provider(name) for name in NOVA_NAMES)
    uuids = tmp_path / "uuids.json"
    uuids.write_text(json.dumps({T4_17_TYPE: first}))  # t4-node-17's type onto t4-node-16's GPU
    mapping = tmp_path / "g.json"
    with fault_proxy(placement.endpoint, no_fault) as proxy:
        result = _migcompat(*_push_args(mapping, proxy.endpoint, "--rp-uuids", str(uuids)), env={"OS_TOKEN": TOKEN})
    assert result.exit_code == 3, result.output
    assert f"error[export-ambiguous-provider]: resource provider {first} would get the traits of 2 providers" in (
        result.stderr
    )
    assert f"'{T4_17_TYPE}' (by the UUID map)" in result.stderr and f"(named '{NOVA_NAMES[0]}')" in result.stderr
    assert proxy.seen and writes(proxy) == [] and not mapping.exists()
    assert placement.traits_of(first) == set() == placement.traits_of(second)


@pytest.mark.parametrize("fail_at", [1, 2, 4])
def test_a_push_that_fails_part_way_says_what_it_applied_and_writes_no_mapping(
    tmp_path: Path, placement: PlacementService, fail_at: int
) -> None:
    # writes: 2 trait PUTs (the accepts traits: no device is mapped, so no is trait is made), then one PUT per
    # provider, then the prune; the write numbered fail_at is answered 500, and nothing is written after it
    uuids = {name: placement.create_provider(name) for name in NOVA_NAMES}
    mapping = tmp_path / "g.json"
    mapping.write_text("an earlier export's mapping\n")
    with fault_proxy(placement.endpoint, nth_write(fail_at, Fault(500))) as proxy:
        result = _migcompat(
            *_push_args(mapping, proxy.endpoint, "--prune", "--parallel", "1"),  # one at a time: in order
            env={"OS_TOKEN": TOKEN},
        )
    assert result.exit_code == 3, result.output
    assert len(writes(proxy)) == fail_at
    assert "error[placement-failed]: PUT " in result.stderr and "answered 500" in result.stderr
    created = [line for line in result.stderr.splitlines() if line.startswith("  created ")]
    updated = [line for line in result.stderr.splitlines() if line.startswith("  updated ")]
    not_set = [line for line in result.stderr.splitlines() if line.startswith("  not set ")]
    assert len(created) == min(fail_at - 1, 2) == len(placement.defined_traits(TRAIT_PREFIX))
    assert [line.split()[1] for line in updated] == [f"name:{NOVA_NAMES[1]}"][: max(0, fail_at - 3)]
    assert len(updated) + len(not_set) == 2  # every provider is either reported updated or not set
    assert {name for name, uuid in uuids.items() if placement.traits_of(uuid)} == {
        line.split()[1].removeprefix("name:") for line in updated
    }
    if fail_at == 1:
        assert "migcompat: Placement was not changed" in result.stderr
    assert "the mapping was not written" in result.stderr
    assert mapping.read_text() == "an earlier export's mapping\n"  # left as it was, not claiming the failed push
    assert result.stdout == ""


def test_a_failed_push_s_error_carries_its_report_for_library_callers(placement: PlacementService) -> None:
    uuids = {name: placement.create_provider(name) for name in NOVA_NAMES}
    inventory = load_inventory([str(SAMPLE)])
    kept = [p for p in inventory.providers if p.kind == "device" or p.ident in ("nvidia-222", "nvidia-230")]
    export = build_export(build_table(kept))
    failing = nth_write(3, Fault(500))  # the first provider's write, after the 2 accepts traits
    with fault_proxy(placement.endpoint, failing) as proxy, pytest.raises(ExportError) as raised:
        push(export, PlacementClient(proxy.endpoint, TOKEN), parallel=1)
    report = raised.value.report
    assert raised.value.code == "placement-failed" and report is not None
    assert len(report.traits_created) == 2 and report.updated == [] and report.unchanged == []
    assert sorted(report.not_set) == sorted(f"name:{name}" for name in NOVA_NAMES)
    assert report.uuids == {f"name:{name}": uuid for name, uuid in uuids.items()}
    assert report.to_json()["providers_not_set"] == report.not_set
    assert set(report.traits_created) == placement.defined_traits(TRAIT_PREFIX)


def test_a_write_whose_answer_is_lost_is_reported_in_doubt_not_as_no_change(
    tmp_path: Path, placement: PlacementService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operator's review: a proxy that passed the write to Placement, then answered after the client's timeout,
    made the push report "Placement was not changed" while Placement had the new traits."""
    monkeypatch.setattr(placement_client, "RESET_PAUSE", 0.01)
    for name in NOVA_NAMES:
        placement.create_provider(name)
    mapping = tmp_path / "g.json"
    # the first write, a trait PUT, reaches Placement, which applies it, and its answer is lost, each time it is made
    lost = first(MAX_RESET_RETRIES + 1, Fault(close=True, forward=True), method="PUT", path="/traits/")
    with fault_proxy(placement.endpoint, lost) as proxy:
        result = _migcompat(*_push_args(mapping, proxy.endpoint, "--parallel", "1"), env={"OS_TOKEN": TOKEN})
    assert result.exit_code == 3, result.output
    assert len(set(writes(proxy))) == 1 and proxy.seen[-1][2] == "closed"  # nothing written after it
    assert len(placement.defined_traits(TRAIT_PREFIX)) == 1  # applied, though never confirmed
    assert "got no answer once sent: Placement may have applied it, so it may have changed" in result.stderr
    assert "Placement confirmed no change" in result.stderr and "Placement was not changed" not in result.stderr
    assert not mapping.exists()


def test_only_a_write_that_got_no_answer_is_in_doubt() -> None:
    """PlacementClient.request: a GET that times out changed nothing; a PUT that did may have been applied."""
    import http.server
    import threading
    import time

    class Silent(http.server.BaseHTTPRequestHandler):
        def _wait(self) -> None:
            time.sleep(2)

        do_GET = do_PUT = _wait

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Silent)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = PlacementClient(f"http://127.0.0.1:{server.server_address[1]}", "x", timeout=0.5)
        for method, doubt in (("GET", False), ("PUT", True)):
            with pytest.raises(ExportError) as raised:
                client.request(method, "/traits/CUSTOM_X", ok=(200, 201, 204))
            assert raised.value.code == "placement-failed" and raised.value.in_doubt is doubt, method
    finally:
        server.shutdown()
        server.server_close()


def test_an_interrupted_push_says_placement_may_be_partly_updated(
    tmp_path: Path, placement: PlacementService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operator's review: a push stopped by Ctrl-C or SIGTERM said nothing, and left an earlier mapping that no
    longer described Placement; it now says what state Placement may be in and what to do."""
    for name in NOVA_NAMES:
        placement.create_provider(name)
    answer = PlacementClient.request

    def interrupted(client: PlacementClient, method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        if method == "PUT" and "/resource_providers/" in path:
            raise KeyboardInterrupt  # Ctrl-C as the first provider's traits are about to be written
        return answer(client, method, path, *args, **kwargs)

    monkeypatch.setattr(PlacementClient, "request", interrupted)
    mapping = tmp_path / "g.json"
    result = _migcompat(*_push_args(mapping, placement.endpoint, "--parallel", "1"), env={"OS_TOKEN": TOKEN})
    assert result.exit_code == 130
    assert "was interrupted: Placement may be partly updated" in result.stderr
    assert f"{mapping} was not written; run the same export again to finish it" in result.stderr
    assert (
        placement.defined_traits(TRAIT_PREFIX) and not mapping.exists()
    )  # the traits were made, the mapping not written


@pytest.mark.parametrize("flag", [None, "--strict", "--prune"])
def test_traits_nova_sets_from_pci_device_spec_are_nova_s(
    tmp_path: Path, placement: PlacementService, flag: str | None
) -> None:
    """An operator's review: the guide has a PF's VF traits set through Nova's [pci] device_spec, on the provider
    Nova's PCI-in-Placement names <host>_<PF ADDRESS>; the push called them stale, --strict refused every push,
    and --prune removed them. A provider so named on a host of the export is Nova's, and left alone."""
    for name in NOVA_NAMES:
        placement.create_provider(name)
    trait = "CUSTOM_MIGCOMPAT_ACCEPTS_0123456789ABCDEF0123456789ABCDEF"
    nova = placement.create_provider("t4-node-16_0000:3B:00.0", traits=(trait, "COMPUTE_MANAGED_PCI_DEVICE"))
    stale = placement.create_provider("gone-host_pci_0000_3b_00_0", traits=(trait,))  # a host no longer inventoried
    args = _push_args(tmp_path / "g.json", placement.endpoint, *([flag] if flag else []))
    result = _migcompat(*args, env={"OS_TOKEN": TOKEN})
    assert placement.traits_of(nova) == {trait, "COMPUTE_MANAGED_PCI_DEVICE"}  # never cleared, never a stale trait
    if flag == "--strict":  # the one stale provider is still refused, and it alone
        assert result.exit_code == 3 and "export-stale-traits" in result.stderr
        assert "gone-host_pci_0000_3b_00_0" in result.stderr and "t4-node-16_0000:3B:00.0" not in result.stderr
    else:
        assert "of Nova's PCI-in-Placement on the export's hosts carries migcompat traits" in result.stderr
        assert "t4-node-16_0000:3B:00.0" in result.stderr
        assert result.exit_code == 0, result.output
        assert (trait in placement.traits_of(stale)) is (flag is None)
