"""The Kubernetes export: labels that say what check() says, in objects the Kubernetes API models load losslessly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from export_fleets import accepted_by_check, generated_fleet, source_classes
from migcompat import emit
from migcompat.cli import main
from migcompat.exports.kubernetes import NODE_NAME_LABEL, LabelScheme, build_export, node_affinity, node_selector
from migcompat.exports.labels import label_problem
from migcompat.exports.table import build_table, export_class
from migcompat.fleet.classes import class_id
from migcompat.fleet.inventory import load_inventory

kubernetes = pytest.importorskip(
    "kubernetes", reason="the kubernetes client is not installed: pip install -e '.[kubernetes]'"
)

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "conformance" / "samples"


def _load(document: dict[str, Any], model: str) -> Any:
    """*document* loaded into the client's *model* (``V1Pod``...), as the client loads an API server's answer."""
    client = kubernetes.client.ApiClient()
    text = json.dumps(document)
    try:
        return client.deserialize(text, model, "application/json")
    except TypeError:  # clients before the (text, type, content type) signature take a response object
        response = type("Response", (), {"data": text})()
        return client.deserialize(response, model)


def _round_trip(document: dict[str, Any], model: str) -> dict[str, Any]:
    loaded = _load(document, model)
    result: dict[str, Any] = kubernetes.client.ApiClient().sanitize_for_serialization(loaded)
    return result


@pytest.fixture(scope="module")
def fleet() -> tuple[list[Any], list[Any]]:
    return generated_fleet(hosts=12, per_host=5, seed=5), source_classes()


def _matches(affinity: dict[str, Any], labels: dict[str, str]) -> bool:
    """Kubernetes' documented semantics of required node affinity: terms ORed, a term's expressions ANDed."""
    terms = affinity["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    return any(
        all(e["operator"] == "In" and labels.get(e["key"]) in e["values"] for e in term["matchExpressions"])
        for term in terms
    )


def test_labels_say_exactly_what_check_says(fleet: tuple[list[Any], list[Any]]) -> None:
    providers, classes = fleet
    table = build_table(providers, classes)
    export = build_export(table)
    scheme = LabelScheme()
    hosts = sorted({p.host for p in providers})
    assert sorted(export.nodes) == hosts
    split = 0
    for version in classes:
        ident = table.class_of(version)
        expected = {p.host for p in accepted_by_check(providers, version)}
        labelled = {node for node, labels in export.nodes.items() if labels.get(scheme.accepts(ident)) == "true"}
        assert labelled == expected, ident
        has = {node for node, labels in export.nodes.items() if scheme.has(ident) in labels}
        assert has == {p.host for p in providers if p.kind == "device" and table.class_of(p.version) == ident}
        chosen = {node for node, labels in export.nodes.items() if _matches(node_affinity([ident]), labels)}
        assert chosen == expected
        split += 0 < len(expected) < len(hosts)
    assert split >= 5  # the classes split the nodes: a wrong label would show


def test_affinity_all_of_and_any_of(fleet: tuple[list[Any], list[Any]]) -> None:
    providers, classes = fleet
    table = build_table(providers, classes)
    export = build_export(table)
    for a, b in zip(classes[::4], classes[2::4], strict=False):
        on_a = {p.host for p in accepted_by_check(providers, a)}
        on_b = {p.host for p in accepted_by_check(providers, b)}
        ids = [table.class_of(a), table.class_of(b)]
        for any_of, expected in ((False, on_a & on_b), (True, on_a | on_b)):
            affinity = node_affinity(ids, any_of=any_of)
            assert {n for n, labels in export.nodes.items() if _matches(affinity, labels)} == expected
        selector = node_selector(ids)
        assert {n for n, labels in export.nodes.items() if all(labels.get(k) == v for k, v in selector.items())} == (
            on_a & on_b
        )


def test_node_features_load_into_the_api_models_without_loss(fleet: tuple[list[Any], list[Any]]) -> None:
    providers, classes = fleet
    inventory = load_inventory([str(SAMPLES / name) for name in ("gvt-g", "nvidia-vgpu", "mlx5")])
    for table in (build_table(providers, classes), build_table(list(inventory.providers))):
        for item in build_export(table).node_features():
            assert item["apiVersion"] == "nfd.k8s-sigs.io/v1alpha1"
            assert item["kind"] == "NodeFeature"
            metadata = item["metadata"]
            assert _round_trip(metadata, "V1ObjectMeta") == metadata
            assert metadata["labels"][NODE_NAME_LABEL] in {p.host for p in table.providers}
            labels = item["spec"]["labels"]
            assert labels and all(label_problem(key, value) is None for key, value in labels.items())
            # the node NFD labels is a Node with these labels: the model takes them as they are
            node = {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": metadata["labels"][NODE_NAME_LABEL], "labels": labels},
            }
            assert _round_trip(node, "V1Node") == node


def test_pod_affinity_and_selector_load_into_the_api_models_without_loss() -> None:
    ids = [class_id(v) for v in source_classes()[:3]]
    for affinity in (node_affinity(ids[:1]), node_affinity(ids), node_affinity(ids, any_of=True)):
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "virt-launcher-vm1"},
            "spec": {"containers": [{"name": "compute", "image": "virt-launcher"}], "affinity": affinity},
        }
        assert _round_trip(pod, "V1Pod") == pod
        assert _round_trip(affinity, "V1Affinity") == affinity
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "virt-launcher-vm1"},
        "spec": {"containers": [{"name": "compute", "image": "virt-launcher"}], "nodeSelector": node_selector(ids)},
    }
    assert _round_trip(pod, "V1Pod") == pod


def test_cli_export_and_query(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "labels"
    result = runner.invoke(main, ["export", "kubernetes", str(SAMPLES / "nvidia-vgpu"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "mapping.migcompat",
        "nodefeature-t4-node-16.json",
        "nodefeature-t4-node-17.json",
    ]
    mapping = json.loads((out / "mapping.migcompat").read_text())
    assert "known at export time" in mapping["scope"]
    inventory = load_inventory([str(SAMPLES / "nvidia-vgpu")])
    source = tmp_path / "source"
    source.write_text(emit(inventory.sources[0].version))
    query = runner.invoke(
        main, ["export", "kubernetes-query", "--mapping", str(out / "mapping.migcompat"), str(source)]
    )
    assert query.exit_code == 0, query.output
    ident = export_class(inventory.sources[0].version, frozenset(mapping["keys"]))[0]
    assert json.loads(query.stdout) == {"affinity": node_affinity([ident])}

    unseen = tmp_path / "unseen"
    unseen.write_text(emit(source_classes()[0]))
    refused = runner.invoke(
        main, ["export", "kubernetes-query", "--mapping", str(out / "mapping.migcompat"), str(unseen)]
    )
    assert refused.exit_code == 3
    assert "[export-unknown-class]" in refused.output
    assert "migcompat match" in refused.output


def test_cli_refuses_a_bad_prefix(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "kubernetes", str(SAMPLES / "mlx5"), "--prefix", "Not_A.Domain"])
    assert result.exit_code == 2  # the command line's fault: a usage error, as a bad --node-name is
    assert result.stderr.startswith("migcompat: error: --prefix: label prefix 'Not_A.Domain' ")
    result = CliRunner().invoke(main, ["export", "kubernetes", "no-such-inventory", "--namespace", "Bad_NS"])
    assert result.exit_code == 2  # found before any input is read
    assert result.stderr == "migcompat: error: --namespace: namespace 'Bad_NS' is not a DNS label\n"
