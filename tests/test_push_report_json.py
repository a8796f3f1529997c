"""``migcompat export placement --endpoint URL --format json``: the push's report as one JSON object.

Against a real Placement (:mod:`placement_service`, one for the session: ``running_placement``; faults
injected by :mod:`placement_proxy`), every document is validated against
``spec/schema/push-report.schema.json``: a push that succeeds, one that is
made again (nothing changed), one that fails part way (what was applied, and
what was not reached), one whose write got no answer (in doubt), one refused
before any write (stale traits, with --strict), one that prunes, and the
resource providers of Nova's PCI-in-Placement left alone. A failure before
any request is the command-error document; standard output carries nothing
else, and the exit status is what the text report's is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result
from referencing import Registry, Resource

from fresh_captures import NO_AGE_LIMIT
from migcompat.cli import main
from migcompat.exports import placement_client
from migcompat.resources import data_path
from placement_proxy import Fault, fault_proxy, first
from placement_service import TOKEN, PlacementService

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "conformance" / "samples" / "nvidia-vgpu"
NAMES = ("t4-node-16_pci_0000_3b_00_0", "t4-node-17_pci_0000_3b_00_0")
_SCHEMAS = [json.loads(data_path(f"{name}.schema.json").read_text()) for name in ("push-report", "command-error")]
_REGISTRY: Registry[Any] = Registry().with_resources(
    (schema["$id"], Resource.from_contents(schema)) for schema in _SCHEMAS
)
REPORT = jsonschema.Draft202012Validator(_SCHEMAS[0], registry=_REGISTRY)
COMMAND_ERROR = jsonschema.Draft202012Validator(_SCHEMAS[1], registry=_REGISTRY)


@pytest.fixture
def placement(running_placement: PlacementService) -> PlacementService:
    """The file's service with only the sample's two GPUs' resource providers, and no custom trait."""
    service = running_placement
    service.empty()
    for name in NAMES:
        service.create_provider(name)
    return service


def _push(endpoint: str, mapping: Path, *more: str) -> tuple[Result, dict[str, Any]]:
    """Run the push with --format json; its result and its one JSON document, checked against the schema."""
    args = ["export", "placement", str(SAMPLE), "--enabled-type", "nvidia-222", "--enabled-type", "nvidia-230"]
    args += NO_AGE_LIMIT  # the sample's captures are from 2025: --strict would refuse them
    result = CliRunner().invoke(
        main,
        [*args, "--mapping", str(mapping), "--endpoint", endpoint, "--format", "json", *more],
        env={"OS_TOKEN": TOKEN},
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.output  # the document alone, on one line
    document = json.loads(lines[0])
    errors = [error.message for error in REPORT.iter_errors(document)]
    assert not errors, errors
    return result, document


def test_a_push_s_report(placement: PlacementService, tmp_path: Path) -> None:
    mapping = tmp_path / "traits.json"
    result, document = _push(placement.endpoint, mapping)
    assert result.exit_code == 0, result.output
    assert document["mapping_written"] is True and mapping.exists() and "error" not in document
    assert document["export"]["providers_mapped"] == 2 and document["export"]["traits_pushed"] >= 2
    push = document["push"]
    assert sorted(push["providers_updated"]) == [f"name:{name}" for name in NAMES] and push["changed"] is True
    assert set(push["resource_providers"]) == {f"name:{name}" for name in NAMES}
    assert push["traits_created"] and push["request_in_doubt"] is None and push["providers_not_set"] == []
    assert "pushed to" in result.stderr  # the text report, for people, on standard error

    again, document = _push(placement.endpoint, mapping)
    assert again.exit_code == 0 and document["push"]["changed"] is False
    assert sorted(document["push"]["providers_unchanged"]) == [f"name:{name}" for name in NAMES]


def test_a_push_that_fails_part_way_reports_what_it_applied(placement: PlacementService, tmp_path: Path) -> None:
    mapping = tmp_path / "traits.json"
    rule = first(1, Fault(500), method="PUT", path=f"/resource_providers/{_uuid(placement, NAMES[1])}/")
    with fault_proxy(placement.endpoint, rule) as proxy:
        result, document = _push(proxy.endpoint, mapping, "--parallel", "1")
    assert result.exit_code == 3 and not mapping.exists()
    assert document["error"]["code"] == "placement-failed" and "answered 500" in document["error"]["message"]
    assert document["error"]["where"].startswith("PUT /resource_providers/")
    assert document["mapping_written"] is False
    push = document["push"]
    assert f"name:{NAMES[1]}" in push["providers_not_set"] and push["request_in_doubt"] is None
    assert sorted(push["providers_updated"] + push["providers_not_set"]) == [f"name:{name}" for name in NAMES]
    for key in push["providers_updated"]:  # what is reported applied is what Placement has
        assert any(t.startswith("CUSTOM_MIGCOMPAT_") for t in placement.traits_of(push["resource_providers"][key]))
    assert push["changed"] is bool(push["traits_created"] or push["providers_updated"])
    assert "error[placement-failed]" in result.stderr and "not set name:" in result.stderr  # and the text, too


def test_a_write_that_got_no_answer_is_in_doubt(
    placement: PlacementService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service applies the write; every answer is lost (the connection closed): the report says so."""
    monkeypatch.setattr(placement_client, "RESET_PAUSE", 0.001)
    target = _uuid(placement, NAMES[0])
    rule = first(100, Fault(close=True, forward=True), method="PUT", path=f"/resource_providers/{target}/")
    with fault_proxy(placement.endpoint, rule) as proxy:
        result, document = _push(proxy.endpoint, tmp_path / "traits.json", "--parallel", "1")
    assert result.exit_code == 3
    assert document["push"]["request_in_doubt"] == f"PUT /resource_providers/{target}/traits"
    assert any(name.startswith("CUSTOM_MIGCOMPAT_") for name in placement.traits_of(target))  # it was applied


def test_stale_traits_refused_then_pruned_and_nova_s_left_alone(placement: PlacementService, tmp_path: Path) -> None:
    stale = placement.create_provider("elsewhere_pci_0000_84_00_0", traits=("CUSTOM_MIGCOMPAT_ACCEPTS_ELSEWHERE",))
    nova = placement.create_provider("t4-node-16_0000:3b:00.0", traits=("CUSTOM_MIGCOMPAT_ACCEPTS_NOVA",))
    mapping = tmp_path / "traits.json"

    refused, document = _push(placement.endpoint, mapping, "--strict")
    assert refused.exit_code == 3 and document["error"]["code"] == "export-stale-traits"
    assert document["push"]["providers_outside"] == [{"uuid": stale, "name": "elsewhere_pci_0000_84_00_0"}]
    assert document["push"]["changed"] is False and document["mapping_written"] is False
    assert "error[export-stale-traits]" in refused.stderr and "the mapping was not written" not in refused.stderr

    pruned, document = _push(placement.endpoint, mapping, "--prune")
    assert pruned.exit_code == 0, pruned.output
    push = document["push"]
    assert push["pruned"] is True and push["providers_cleared"] == [stale]
    assert push["traits_removed"] == ["CUSTOM_MIGCOMPAT_ACCEPTS_ELSEWHERE"]
    assert push["traits_kept_in_use"] == ["CUSTOM_MIGCOMPAT_ACCEPTS_NOVA"]  # on Nova's provider, left alone
    assert push["providers_nova_pci"] == [{"uuid": nova, "name": "t4-node-16_0000:3b:00.0"}]


def test_an_error_before_any_request_is_the_command_error_document(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            *("export", "placement", str(tmp_path / "missing"), "--mapping", str(tmp_path / "m.json")),
            *("--endpoint", "http://127.0.0.1:9", "--format", "json"),
        ],
        env={"OS_TOKEN": TOKEN},
    )
    assert result.exit_code == 3
    document = json.loads(result.stdout)
    assert not list(COMMAND_ERROR.iter_errors(document)), document
    assert f"error[{document['error']['code']}]" in result.stderr


@pytest.mark.parametrize(
    "more", [[], ["--endpoint", "http://127.0.0.1:9"], ["--endpoint", "http://127.0.0.1:9", "-o", "-"]]
)
def test_json_without_a_push_or_with_the_mapping_on_standard_output_is_a_usage_error(more: list[str]) -> None:
    args = ["export", "placement", str(SAMPLE), "--format", "json", *more]
    result = CliRunner().invoke(main, args, env={"OS_TOKEN": TOKEN})
    if more:
        assert result.exit_code == 2 and "give the mapping a --mapping FILE" in result.stderr
    else:
        assert result.exit_code == 2 and "--endpoint" in result.stderr
    assert result.stdout == ""


def _uuid(service: PlacementService, name: str) -> str:
    status, answer = service.request("GET", f"/resource_providers?name={name}")
    assert status == 200
    return str(answer["resource_providers"][0]["uuid"])
