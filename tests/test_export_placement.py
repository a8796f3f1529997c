"""The Placement export without a service: trait names, collisions, provider mapping, queries, mapping files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from export_fleets import accepted_by_check, generated_fleet, source_classes
from migcompat import emit
from migcompat.cli import main
from migcompat.exports.errors import ExportError
from migcompat.exports.placement import (
    MAX_TRAIT,
    ResourceProviderMap,
    accepts_trait,
    build_export,
    is_trait,
    nodedev_name,
    query_for,
)
from migcompat.exports.table import ExportTable, KnownClass, build_table, provider_key
from migcompat.fleet.classes import class_id
from migcompat.fleet.inventory import load_inventory

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "conformance" / "samples"


def test_traits_say_exactly_what_check_says() -> None:
    providers = generated_fleet(hosts=10, per_host=4, seed=3)
    classes = source_classes()
    table = build_table(providers, classes)
    export = build_export(table)
    by_key = {provider_key(entry.provider): set(entry.traits) for entry in export.providers}
    for version in classes:
        trait = accepts_trait(table.class_of(version))
        carrying = {key for key, traits in by_key.items() if trait in traits}
        assert carrying == {provider_key(p) for p in accepted_by_check(providers, version)}
    for p in providers:
        own = {t for t in by_key[provider_key(p)] if t.startswith("CUSTOM_MIGCOMPAT_IS_")}
        assert own == ({is_trait(table.class_of(p.version))} if p.kind == "device" else set())
    assert set(export.traits) == set().union(*by_key.values())  # the mapping names every trait set, and only those


def test_trait_names_keep_placements_pattern_and_length() -> None:
    ident = class_id(source_classes()[0])
    assert accepts_trait(ident) == "CUSTOM_MIGCOMPAT_ACCEPTS_" + ident
    assert accepts_trait("ab-c.d") == "CUSTOM_MIGCOMPAT_ACCEPTS_AB_C_D"
    longest = "A" * (MAX_TRAIT - len("CUSTOM_MIGCOMPAT_ACCEPTS_"))
    assert len(accepts_trait(longest)) == MAX_TRAIT
    with pytest.raises(ExportError) as raised:
        accepts_trait(longest + "A")
    assert raised.value.code == "export-invalid-name"


def test_two_classes_on_one_trait_name_is_a_collision_error() -> None:
    one, two = source_classes()[:2]
    # identifiers that differ only where Placement's alphabet cannot tell them apart
    table = ExportTable((KnownClass("ab.1", emit(one), one), KnownClass("AB-1", emit(two), two)), (), (), ())
    with pytest.raises(ExportError) as raised:
        build_export(table)
    assert raised.value.code == "export-collision"
    assert raised.value.where == "CUSTOM_MIGCOMPAT_ACCEPTS_AB_1"


def test_resource_providers_by_nova_name_or_by_uuid() -> None:
    inventory = load_inventory([str(SAMPLES / "nvidia-vgpu")])
    by_name = {p.ident: ResourceProviderMap().resolve(p) for p in inventory.providers if p.host == "t4-node-16"}
    assert by_name["nvidia-222"] == ("name", "t4-node-16_pci_0000_3b_00_0")  # the type maps to its parent GPU
    assert by_name["c2b5a1b0-7f3e-4d1a-9a51-3f4c0e7d2a10"] is None  # an mdev has no provider of its own in Nova
    device = next(p for p in inventory.providers if p.kind == "device")
    uuids = {provider_key(device): "7f5f0d9e-0000-4000-8000-000000000001"}
    assert ResourceProviderMap(uuids).resolve(device) == ("uuid", uuids[provider_key(device)])
    assert nodedev_name("bus/pci/devices/0000:3B:00.1") == "pci_0000_3b_00_1"
    assert nodedev_name("bus/mdev/devices/c2b5a1b0-7f3e-4d1a-9a51-3f4c0e7d2a10") is None


def test_two_providers_on_one_resource_provider_is_refused() -> None:
    inventory = load_inventory([str(SAMPLES / "nvidia-vgpu")])
    export = build_export(build_table(list(inventory.providers)))
    with pytest.raises(ExportError) as raised:
        export.by_resource_provider()
    assert raised.value.code == "export-ambiguous-provider"
    kept = [p for p in inventory.providers if p.kind == "device" or p.ident in ("nvidia-222", "nvidia-230")]
    assert len(build_export(build_table(kept)).by_resource_provider()) == 2


def test_queries_and_their_microversions() -> None:
    a, b = (class_id(v) for v in source_classes()[:2])
    one = query_for([a])
    assert (one.query, one.microversion) == (f"required=CUSTOM_MIGCOMPAT_ACCEPTS_{a}", "1.18")
    every = query_for([a, b])
    assert every.query == f"required=CUSTOM_MIGCOMPAT_ACCEPTS_{a},CUSTOM_MIGCOMPAT_ACCEPTS_{b}"
    assert every.microversion == "1.18"
    anyone = query_for([a, b], any_of=True)
    assert anyone.query == f"required=in:CUSTOM_MIGCOMPAT_ACCEPTS_{a},CUSTOM_MIGCOMPAT_ACCEPTS_{b}"
    assert anyone.microversion == "1.39"


def test_cli_mapping_and_query(tmp_path: Path) -> None:
    runner = CliRunner()
    mapping = tmp_path / "traits.json"
    enabled = ["--enabled-type", "nvidia-222", "--enabled-type", "nvidia-230"]  # one type per GPU, as Nova has it
    result = runner.invoke(
        main, ["export", "placement", str(SAMPLES / "nvidia-vgpu"), *enabled, "--mapping", str(mapping)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "2 source classes, 4 traits (a push makes 2), 4 providers (2 mapped to a resource provider)\n"
    )
    assert "unverified (no --endpoint): 2 resource provider names and 0 UUIDs" in result.stderr
    document = json.loads(mapping.read_text())
    assert document["format"] == "migcompat-placement-traits"
    assert "known at export time" in document["scope"]
    texts = {entry["class"]: entry["text"] for entry in document["classes"]}
    for name, entry in document["traits"].items():
        assert name.endswith(entry["class"]) and texts[entry["class"]].startswith("mc1 ")
    source = tmp_path / "source"
    source.write_text(document["classes"][0]["text"])
    query = runner.invoke(main, ["export", "placement-query", "--mapping", str(mapping), str(source), "-f", "json"])
    assert query.exit_code == 0, query.output
    assert json.loads(query.output)["query"] == document["classes"][0]["query"]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        ("not json", "export-mapping-invalid"),
        ('{"format": "something-else", "version": 1, "classes": []}', "export-mapping-invalid"),
        ('{"format": "migcompat-placement-traits", "version": 1, "classes": []}', "export-unknown-class"),
    ],
)
def test_cli_query_errors_have_codes(tmp_path: Path, content: str, code: str) -> None:
    mapping = tmp_path / "m.json"
    mapping.write_text(content)
    source = tmp_path / "source"
    source.write_text(emit(source_classes()[0]))
    result = CliRunner().invoke(main, ["export", "placement-query", "--mapping", str(mapping), str(source)])
    assert result.exit_code == 3
    assert f"[{code}]" in result.output
    assert "Traceback" not in result.output


def test_cli_bad_inventory_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "placement", str(tmp_path / "missing")])
    assert result.exit_code == 3
    assert "capture-unreadable" in result.output
