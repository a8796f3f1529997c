"""``migcompat export``: options and inputs that used to be ignored or crash get clear errors, no service needed.

* two providers on one resource provider are refused when the export is
  built, with or without ``--endpoint``, before anything is written;
* ``--endpoint`` must be an http(s) URL with a host (a usage error
  otherwise), and :class:`PlacementClient` refuses any other;
* an ``--enabled-type`` that matches nothing, a ``--rp-uuids`` value that is
  not a UUID, an ``--rp-name`` field outside the four documented, a reserved
  ``--prefix`` are errors; a ``--rp-uuids`` key naming no provider is a warning;
* ``export kubernetes -o DIR`` removes the stale ``nodefeature-*.json`` files of DIR.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fresh_captures import NO_AGE_LIMIT
from migcompat.cli import main
from migcompat.exports.errors import ExportError
from migcompat.exports.kubernetes import LabelScheme
from migcompat.exports.placement import ResourceProviderMap, build_export, name_template_problem
from migcompat.exports.placement_client import PlacementClient, endpoint_problem
from migcompat.exports.table import build_table
from migcompat.fleet.inventory import load_inventory

ROOT = Path(__file__).resolve().parents[1]
GVT = str(ROOT / "conformance" / "samples" / "gvt-g")
VGPU = str(ROOT / "conformance" / "samples" / "nvidia-vgpu")
GVT_TYPES = ("i915-GVTg_V5_1", "i915-GVTg_V5_2", "i915-GVTg_V5_4", "i915-GVTg_V5_8")
ENABLED = ("--enabled-type", "nvidia-222", "--enabled-type", "nvidia-230")  # one type per T4, as Nova enables
NOTHING_LISTENS = "http://127.0.0.1:9"  # the discard port: a request there would fail with placement-failed


def _placement(*args: str, token: str | None = None) -> Result:
    return _run("placement", *args, token=token)


def _run(*args: str, token: str | None = None) -> Result:
    env = {"OS_TOKEN": token} if token is not None else {}
    return CliRunner().invoke(main, ["export", *args], env=env)


def _no_crash(result: Result) -> None:
    assert "Traceback" not in result.output
    assert "internal error" not in result.output


# ---- 1: two providers on one resource provider --------------------------------------------------------


@pytest.mark.parametrize("push", [False, True], ids=["written", "pushed"])
def test_several_types_on_one_gpu_are_refused_before_anything_is_written(tmp_path: Path, push: bool) -> None:
    mapping = tmp_path / "traits.json"
    args = [GVT, "--mapping", str(mapping)]
    if push:
        args += ["--endpoint", NOTHING_LISTENS]
    result = _placement(*args, token="x")
    _no_crash(result)
    assert result.exit_code == 3, result.output
    assert "[export-ambiguous-provider]" in result.stderr
    assert "'gvt-new_pci_0000_00_02_0'" in result.stderr  # the resource provider
    for name in GVT_TYPES:  # every provider on it
        assert f"gvt-new:class/mdev_bus/0000:00:02.0/mdev_supported_types/{name}'" in result.stderr
    assert "1 other resource provider" in result.stderr  # gvt-old's GPU has the same problem
    assert "--enabled-type" in result.stderr and "--rp-uuids" in result.stderr  # how to resolve it
    assert "[placement-failed]" not in result.output  # no request was made
    assert not mapping.exists()
    assert result.stdout == ""


def test_several_types_on_one_gpu_refused_on_standard_output_too() -> None:
    result = _placement(GVT)
    assert result.exit_code == 3
    assert "[export-ambiguous-provider]" in result.stderr
    assert result.stdout == ""  # no mapping document before the error


def test_the_enabled_type_resolves_it(tmp_path: Path) -> None:
    mapping = tmp_path / "traits.json"
    result = _placement(GVT, "--enabled-type", "i915-GVTg_V5_4", "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "4 source classes, 8 traits (a push makes 4), 6 providers (2 mapped to a resource provider)\n"
    )
    mapped = {
        p["resource_provider"]["name"]: p["ident"]
        for p in json.loads(mapping.read_text())["providers"]
        if p["resource_provider"]
    }
    assert mapped == {"gvt-new_pci_0000_00_02_0": "i915-GVTg_V5_4", "gvt-old_pci_0000_00_02_0": "i915-GVTg_V5_4"}


def test_uuids_resolve_it_and_one_uuid_for_two_providers_is_refused(tmp_path: Path) -> None:
    inventory = load_inventory([GVT])
    keys = [p.where for p in inventory.providers if p.host == "gvt-new" and p.kind == "type"]
    uuids = tmp_path / "uuids.json"
    uuids.write_text(json.dumps({key: f"7f5f0d9e-0000-4000-8000-00000000000{n}" for n, key in enumerate(keys)}))
    own = _placement(GVT, "--rp-name", "", "--rp-uuids", str(uuids), "--mapping", str(tmp_path / "m.json"))
    assert own.exit_code == 0, own.output
    assert "(4 mapped to a resource provider)" in own.stdout
    uuids.write_text(json.dumps(dict.fromkeys(keys, "7f5f0d9e-0000-4000-8000-000000000001")))
    shared = _placement(GVT, "--rp-name", "", "--rp-uuids", str(uuids), "--mapping", str(tmp_path / "m.json"))
    assert shared.exit_code == 3
    rp = "7f5f0d9e-0000-4000-8000-000000000001"
    assert f"error[export-ambiguous-provider]: resource provider uuid '{rp}'" in shared.stderr


# ---- 2: --endpoint ------------------------------------------------------------------------------------

BAD_ENDPOINTS = [
    "notaurl",
    "http://[::1",
    "",
    "file:///tmp/placement",
    "ftp://placement.example",
    "http://",
    "http:///x",
]
BAD_ENDPOINTS += ["http://h:port", "http://user:secret@placement.example", "http://h/a b", "http://h/?x=1"]


@pytest.mark.parametrize("endpoint", BAD_ENDPOINTS)
def test_a_bad_endpoint_is_a_usage_error_naming_it(tmp_path: Path, endpoint: str) -> None:
    mapping = tmp_path / "traits.json"
    result = _placement(VGPU, *ENABLED, "--endpoint", endpoint, "--mapping", str(mapping), token="x")
    _no_crash(result)
    assert result.exit_code == 2, result.output
    assert "'--endpoint'" in result.stderr and f"'{endpoint}'" in result.stderr
    assert not mapping.exists()


@pytest.mark.parametrize("endpoint", BAD_ENDPOINTS)
def test_the_client_refuses_a_bad_endpoint(endpoint: str) -> None:
    assert endpoint_problem(endpoint) is not None
    with pytest.raises(ExportError) as raised:
        PlacementClient(endpoint, "token")
    assert raised.value.code == "placement-failed"


@pytest.mark.parametrize(
    "endpoint", ["http://placement.example:8778", "https://cloud.example/placement/", "http://[::1]:8778", "HTTP://H"]
)
def test_good_endpoints_pass(endpoint: str) -> None:
    assert endpoint_problem(endpoint) is None
    assert PlacementClient(endpoint, "token").endpoint == endpoint


# ---- 3: options that used to be ignored ---------------------------------------------------------------


@pytest.mark.parametrize("command", ["placement", "kubernetes"])
def test_an_enabled_type_that_matches_nothing_is_a_usage_error(command: str) -> None:
    result = _run(command, VGPU, "--enabled-type", "nvidia-222", "--enabled-type", "nope")
    _no_crash(result)
    assert result.exit_code == 2, result.output
    assert "--enabled-type" in result.stderr and "'nope'" in result.stderr
    assert "nvidia-222" in result.stderr.split("its types:")[1]  # says which names there are
    assert result.stdout == ""


def test_an_rp_uuids_value_that_is_not_a_uuid_is_an_error_naming_the_key(tmp_path: Path) -> None:
    key = "t4-node-16:class/mdev_bus/0000:3b:00.0/mdev_supported_types/nvidia-222"
    uuids = tmp_path / "uuids.json"
    uuids.write_text(json.dumps({key: "rp-of-t4-node-16"}))
    mapping = tmp_path / "traits.json"
    result = _placement(VGPU, *ENABLED, "--rp-uuids", str(uuids), "--mapping", str(mapping))
    assert result.exit_code == 3, result.output
    assert "[export-mapping-invalid]" in result.stderr
    assert repr(key) in result.stderr and "'rp-of-t4-node-16'" in result.stderr and "not a UUID" in result.stderr
    assert not mapping.exists()


def test_an_rp_uuids_key_naming_no_provider_is_a_warning(tmp_path: Path) -> None:
    known = "t4-node-16:class/mdev_bus/0000:3b:00.0/mdev_supported_types/nvidia-222"
    not_enabled = "t4-node-16:class/mdev_bus/0000:3b:00.0/mdev_supported_types/nvidia-223"  # in the inventory
    uuids = tmp_path / "uuids.json"
    uuids.write_text(
        json.dumps(
            {
                known: "7f5f0d9e-0000-4000-8000-000000000001",
                not_enabled: "7f5f0d9e-0000-4000-8000-000000000002",
                "t4-node-61:typo": "7f5f0d9e-0000-4000-8000-000000000003",
            }
        )
    )
    mapping = tmp_path / "traits.json"
    result = _placement(VGPU, *ENABLED, "--rp-uuids", str(uuids), "--mapping", str(mapping), *NO_AGE_LIMIT)
    assert result.exit_code == 0, result.output
    assert (
        result.stderr
        == f"migcompat: warning: {uuids}: 1 key naming no provider of the inventory (ignored): 't4-node-61:typo'\n"
        "migcompat: note: unverified (no --endpoint): 1 resource provider name and 1 UUID, which a push looks up in"
        " Placement before it writes anything\n"
    )
    providers = json.loads(mapping.read_text())["providers"]
    assert {"uuid": "7f5f0d9e-0000-4000-8000-000000000001"} in [p["resource_provider"] for p in providers]


BAD_TEMPLATES = ["{host.__class__}", "{host!r}", "{host:>30}", "{host[0]}", "{0}", "{}", "{gpu}", "{host", "x}"]


@pytest.mark.parametrize("template", BAD_TEMPLATES)
def test_an_rp_name_outside_the_documented_fields_is_refused(tmp_path: Path, template: str) -> None:
    mapping = tmp_path / "traits.json"
    result = _placement(VGPU, *ENABLED, "--rp-name", template, "--mapping", str(mapping))
    _no_crash(result)
    assert result.exit_code == 2, result.output
    assert "'--rp-name'" in result.stderr and f"'{template}'" in result.stderr
    assert not mapping.exists()
    assert name_template_problem(template) is not None
    with pytest.raises(ExportError) as raised:
        ResourceProviderMap(template=template)
    assert raised.value.code == "export-invalid-name"


def test_the_documented_fields_and_literal_braces_make_names(tmp_path: Path) -> None:
    mapping = tmp_path / "traits.json"
    result = _placement(VGPU, *ENABLED, "--rp-name", "{{{host}}}-{kind}-{ident}-{nodedev}", "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    names = {
        p["resource_provider"]["name"] for p in json.loads(mapping.read_text())["providers"] if p["resource_provider"]
    }
    assert "{t4-node-16}-type-nvidia-222-pci_0000_3b_00_0" in names
    inventory = load_inventory([VGPU])
    export = build_export(
        build_table(list(inventory.providers)), ResourceProviderMap(template="{host}/{ident}", devices=True)
    )
    assert len(export.by_resource_provider()) == 8  # every provider named apart: no ambiguity


@pytest.mark.parametrize("prefix", ["k8s.io", "kubernetes.io", "node.kubernetes.io", "example.k8s.io"])
def test_a_reserved_prefix_is_refused(tmp_path: Path, prefix: str) -> None:
    out = tmp_path / "labels"
    result = _run("kubernetes", VGPU, "--prefix", prefix, "-o", str(out))
    _no_crash(result)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("migcompat: error: --prefix: ") and "reserves" in result.stderr
    assert repr(prefix) in result.stderr
    assert not out.exists()
    with pytest.raises(ExportError) as raised:
        LabelScheme(prefix)
    assert raised.value.code == "export-invalid-name"


@pytest.mark.parametrize("prefix", ["notk8s.io", "k8s.io.example.com", "kubernetes.iox"])
def test_domains_that_only_look_reserved_are_accepted(prefix: str) -> None:
    assert LabelScheme(prefix).accepts_prefix == f"device-migration.node.{prefix}"


# ---- 4: stale NodeFeature files ---------------------------------------------------------------------


def test_an_export_to_a_directory_removes_the_stale_node_files_only(tmp_path: Path) -> None:
    out = tmp_path / "labels"
    out.mkdir()
    stale = out / "nodefeature-t4-node-15.json"  # a node an earlier export had
    stale.write_text(json.dumps(_node_feature("t4-node-15"), indent=2))  # as the export writes it
    kept = [
        "other.json",
        "nodefeature-Bad_.json",
        "nodefeature-.json",
        "nodefeature-x.yaml",
        "notes-nodefeature-x.json",
    ]
    for name in kept:
        (out / name).write_text("{}")
    (out / "nodefeature-dir.json").mkdir()
    (out / "nodefeature-link.json").symlink_to(tmp_path / "elsewhere.json")

    result = _run("kubernetes", VGPU, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "2 source classes, 2 nodes, 5 labels\n"
        "removed 1 stale file an earlier export wrote and this one did not: nodefeature-t4-node-15.json\n"
    )
    assert not stale.exists()
    written = ["mapping.migcompat", "nodefeature-t4-node-16.json", "nodefeature-t4-node-17.json"]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [*kept, "nodefeature-dir.json", "nodefeature-link.json", *written]
    )

    again = _run("kubernetes", VGPU, "-o", str(out))
    assert again.exit_code == 0, again.output
    assert again.stdout == "2 source classes, 2 nodes, 5 labels\n"  # nothing stale: no removal line


def _node_feature(node: str) -> dict[str, object]:
    """The head of the NodeFeature object an export writes for *node*: what makes a file one it may remove."""
    metadata = {"name": f"migcompat-{node}", "namespace": "node-feature-discovery"}
    return {"apiVersion": "nfd.k8s-sigs.io/v1alpha1", "kind": "NodeFeature", "metadata": metadata}


def test_the_help_says_what_is_removed() -> None:
    result = CliRunner().invoke(main, ["export", "kubernetes", "--help"], env={"COLUMNS": "200"})
    text = " ".join(result.stdout.split())
    assert "that an earlier export wrote and this one did not" in text and "'kubectl apply -f DIR'" in text


def test_an_output_directory_named_like_a_file_is_made_with_a_note(tmp_path: Path) -> None:
    """-o labels.json (the habit of export placement -o traits.json) makes a directory: say so, once."""
    out = tmp_path / "labels.json"
    result = _run("kubernetes", VGPU, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.is_dir()
    assert f"migcompat: note: made the directory {out}: export kubernetes writes one NodeFeature file per node" in (
        result.stderr
    )
    again = _run("kubernetes", VGPU, "-o", str(out))
    assert again.exit_code == 0 and "made the directory" not in again.stderr
