"""The JSON Schemas of the scheduler exports' mapping documents describe what the exports write.

``spec/schema/placement-traits.schema.json`` and
``spec/schema/kubernetes-labels.schema.json`` are what an integrator validates
a mapping against before parsing it (the schedulers guide reads ``classes``,
``accept_sets``, ``providers`` and ``nodes`` with a one-liner). Here:

* the mappings ``migcompat export placement`` and ``export kubernetes`` write
  for several bundled samples (devices and device types, unmapped providers,
  resource providers by name and by UUID, an undecided placement, another
  label prefix and node name template) are valid against their schema;
* the schemas' format and version are the ones the exports write, and the
  example each schema shows is what the export writes for the nvidia-vgpu
  sample;
* a hand-broken mapping fails validation with the JSON path of the member
  at fault, and the queries (:func:`~migcompat.exports.mapping.parse_mapping`)
  refuse the same documents, so that the schema and the reader agree there;
* a version 2 mapping, which the queries still read, is not valid against
  the schema, which covers version 3 only (as its description says).
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from migcompat.cli import main
from migcompat.exports.errors import ExportError
from migcompat.exports.kubernetes import MAPPING_FORMAT as KUBERNETES
from migcompat.exports.mapping import MAPPING_VERSION, READ_VERSIONS, parse_mapping
from migcompat.exports.placement import MAPPING_FORMAT as PLACEMENT
from migcompat.fleet.inventory import load_inventory
from migcompat.resources import data_path

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "conformance" / "samples"
SCHEMA_FILES = {PLACEMENT: "placement-traits.schema.json", KUBERNETES: "kubernetes-labels.schema.json"}
VGPU_TYPES = ("--enabled-type", "nvidia-222", "--enabled-type", "nvidia-230")

Document = dict[str, Any]


@functools.cache
def _schema(mapping_format: str) -> Document:
    schema: Document = json.loads(data_path(SCHEMA_FILES[mapping_format]).read_text(encoding="utf-8"))
    return schema


def _validator(mapping_format: str) -> Any:
    return jsonschema.Draft202012Validator(_schema(mapping_format))


def _errors(document: Document, mapping_format: str | None = None) -> list[Any]:
    """The validation errors of *document* against the schema of *mapping_format* (default: its own format)."""
    validator = _validator(mapping_format or document["format"])
    return sorted(validator.iter_errors(document), key=lambda error: error.json_path)


def _uuids(tmp_path: Path, sample: str) -> list[str]:
    """``--rp-name '' --rp-uuids FILE`` mapping each device type of *sample* to a UUID of its own."""
    keys = [p.where for p in load_inventory([str(SAMPLES / sample)]).providers if p.kind == "type"]
    path = tmp_path / "uuids.json"
    path.write_text(json.dumps({key: str(uuid.uuid5(uuid.NAMESPACE_URL, key)) for key in keys}))
    return ["--rp-name", "", "--rp-uuids", str(path)]


# (sample, extra arguments, or a function of tmp_path giving them)
Arguments = tuple[str, ...] | Callable[[Path], list[str]]
PLACEMENT_EXPORTS: dict[str, tuple[str, Arguments]] = {
    "mlx5": ("mlx5", ()),  # devices only: unmapped, each with its own class
    "mtty": ("mtty", ()),  # device types, named by the default template
    "hisi-acc": ("hisi-acc", ()),
    "xe": ("xe", ()),
    "undecided": ("broken-pair", ()),  # a placement that could not be decided
    "nvidia-vgpu": ("nvidia-vgpu", VGPU_TYPES),  # the schedulers guide's session
    "devices-named": ("mlx5", ("--rp-name", "{host}_{ident}")),  # devices named by a template given
    "by-uuid": ("gvt-g", lambda tmp_path: _uuids(tmp_path, "gvt-g")),
}
KUBERNETES_EXPORTS: dict[str, tuple[str, Arguments]] = {
    "gvt-g": ("gvt-g", ()),
    "nvidia-vgpu": ("nvidia-vgpu", ()),  # the schedulers guide's session
    "mlx5": ("mlx5", ()),
    "mtty": ("mtty", ()),
    "qat": ("qat", ()),
    "undecided": ("broken-pair", ()),
    "prefix-and-names": ("mlx5", ("--prefix", "gpu.example.org", "--node-name", "{short}.cluster.example")),
}


def _written(tmp_path: Path, export: str, sample: str, arguments: Arguments) -> Document:
    """The mapping ``migcompat export placement`` (*export*) or ``export kubernetes`` writes for *sample*."""
    extra = list(arguments(tmp_path) if callable(arguments) else arguments)
    mapping = tmp_path / "mapping.json"
    if export == "placement":
        command = ["export", "placement", str(SAMPLES / sample), "--mapping", str(mapping), *extra]
    else:
        command = ["export", "kubernetes", str(SAMPLES / sample), "-o", str(tmp_path / "labels"), *extra]
        mapping = tmp_path / "labels" / "mapping.migcompat"
    result = CliRunner().invoke(main, command, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    document: Document = json.loads(mapping.read_text(encoding="ascii"))
    return document


# ---- the schemas ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mapping_format", [PLACEMENT, KUBERNETES])
def test_each_schema_is_a_draft_2020_12_schema_of_the_format_and_version_written(mapping_format: str) -> None:
    schema = _schema(mapping_format)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["properties"]["format"] == {"const": mapping_format}
    assert schema["properties"]["version"]["const"] == MAPPING_VERSION
    assert schema["$id"] == f"urn:migcompat:schema:{mapping_format.removeprefix('migcompat-')}:{MAPPING_VERSION}"
    # The description says which versions the queries read besides the one described.
    earlier = [version for version in READ_VERSIONS if version != MAPPING_VERSION]
    assert earlier == [1, 2]
    assert "versions 1 and 2" in schema["description"]


# ---- what the exports write is valid ---------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(PLACEMENT_EXPORTS))
def test_the_placement_mappings_written_are_valid(tmp_path: Path, case: str) -> None:
    document = _written(tmp_path, "placement", *PLACEMENT_EXPORTS[case])
    assert document["format"] == PLACEMENT
    assert [error.json_path + ": " + error.message for error in _errors(document)] == []


@pytest.mark.parametrize("case", sorted(KUBERNETES_EXPORTS))
def test_the_kubernetes_mappings_written_are_valid(tmp_path: Path, case: str) -> None:
    document = _written(tmp_path, "kubernetes", *KUBERNETES_EXPORTS[case])
    assert document["format"] == KUBERNETES
    assert [error.json_path + ": " + error.message for error in _errors(document)] == []


def test_the_placement_cases_cover_each_kind_of_provider_and_resource_provider(tmp_path: Path) -> None:
    """The mappings validated above hold every shape the schema allows a provider: what the test is worth."""
    seen: set[str] = set()
    for number, case in enumerate(sorted(PLACEMENT_EXPORTS)):
        directory = tmp_path / str(number)
        directory.mkdir()
        document = _written(directory, "placement", *PLACEMENT_EXPORTS[case])
        for entry in document["providers"]:
            target = entry["resource_provider"]
            seen.add(f"{entry['kind']}, is {'null' if entry['is'] is None else 'an index'}")
            seen.add("unmapped" if target is None else f"by {next(iter(target))}")
        if document["undecided"]:
            seen.add("undecided")
    assert seen == {
        "device, is an index",
        "type, is null",
        "unmapped",
        "by name",
        "by uuid",
        "undecided",
    }


@pytest.mark.parametrize(
    ("mapping_format", "sample", "arguments"),
    [
        (PLACEMENT, "nvidia-vgpu", VGPU_TYPES),
        (KUBERNETES, "nvidia-vgpu", ()),
    ],
)
def test_the_example_each_schema_shows_is_what_the_export_writes(
    tmp_path: Path, mapping_format: str, sample: str, arguments: tuple[str, ...]
) -> None:
    export = "placement" if mapping_format == PLACEMENT else "kubernetes"
    (example,) = _schema(mapping_format)["examples"]
    assert example == _written(tmp_path, export, sample, arguments), (
        f"the example of {SCHEMA_FILES[mapping_format]} is stale: replace it with the mapping"
        f" 'migcompat export {export} conformance/samples/{sample} {' '.join(arguments)}' writes"
    )


# ---- a hand-broken mapping fails, naming the member ------------------------------------------------------


@functools.cache
def _nvidia(mapping_format: str) -> str:
    """The nvidia-vgpu mapping of *mapping_format* (the schema's own example, checked above), as JSON text."""
    (example,) = _schema(mapping_format)["examples"]
    return json.dumps(example)


def _broken(mapping_format: str, path: tuple[str | int, ...], value: object) -> Document:
    """The nvidia-vgpu mapping with the member at *path* set to *value* (deleted when *value* is ``...``)."""
    document: Document = json.loads(_nvidia(mapping_format))
    target: Any = document
    for step in path[:-1]:
        target = target[step]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return document


# (format, member, new value or ... to delete it, the JSON path the schema names, a word of its message)
BROKEN = [
    (PLACEMENT, ("classes", 1, "class"), "82e2447be51fdc9cb7e6694b19832ee9", "$.classes[1].class", "does not match"),
    (PLACEMENT, ("classes",), ..., "$", "'classes' is a required property"),
    (PLACEMENT, ("keys", 1), "Driver", "$.keys[1]", "does not match"),
    (PLACEMENT, ("keys", 1), "device_api", "$.keys", "non-unique"),
    (PLACEMENT, ("accept_sets", 0, 1), "1", "$.accept_sets[0][1]", "is not of type 'integer'"),
    (PLACEMENT, ("accept_sets", 1), [0, 1], "$.accept_sets", "non-unique"),
    (PLACEMENT, ("providers", 2, "accepts"), -1, "$.providers[2].accepts", "less than the minimum"),
    (PLACEMENT, ("providers", 1, "is"), "0", "$.providers[1].is", "is not valid under any of the given schemas"),
    (PLACEMENT, ("providers", 1, "accepts"), ..., "$.providers[1]", "'accepts' is a required property"),
    (
        PLACEMENT,
        ("traits", "CUSTOM_MIGCOMPAT_IS_40225C235C57EF8D067E839218EEC5D8", "relation"),
        "owns",
        "$.traits.CUSTOM_MIGCOMPAT_IS_40225C235C57EF8D067E839218EEC5D8.relation",
        "is not one of ['accepts', 'is']",
    ),
    (PLACEMENT, ("version",), 4, "$.version", "3 was expected"),
    (KUBERNETES, ("prefix",), "Migcompat.IO", "$.prefix", "does not match"),
    (KUBERNETES, ("prefix",), "node.k8s.io", "$.prefix", "should not be valid under"),
    (KUBERNETES, ("nodes", "t4-node-16", "accepts"), "0", "$.nodes['t4-node-16'].accepts", "is not of type"),
    (KUBERNETES, ("nodes", "t4-node-17", "has"), [1, 1], "$.nodes['t4-node-17'].has", "non-unique"),
    (KUBERNETES, ("classes", 0, "text"), 7, "$.classes[0].text", "is not of type 'string'"),
    (KUBERNETES, ("classes", 0, "has_label"), ..., "$.classes[0]", "'has_label' is a required property"),
    (KUBERNETES, ("format",), PLACEMENT, "$.format", "was expected"),
]


@pytest.mark.parametrize(("mapping_format", "path", "value", "json_path", "message"), BROKEN)
def test_a_hand_broken_mapping_fails_naming_the_member(
    mapping_format: str, path: tuple[str | int, ...], value: object, json_path: str, message: str
) -> None:
    document = _broken(mapping_format, path, value)
    errors = _errors(document, mapping_format)
    assert [(error.json_path, message in error.message) for error in errors] == [(json_path, True)], [
        (error.json_path, error.message) for error in errors
    ]
    # The queries refuse it as well (the schema is no looser than the reader here), with export-mapping-invalid.
    with pytest.raises(ExportError) as raised:
        parse_mapping(json.dumps(document).encode(), "m.json", mapping_format)
    assert raised.value.code == "export-mapping-invalid"


def test_the_untouched_mapping_is_valid_and_read() -> None:
    """What test_a_hand_broken_mapping_fails_naming_the_member breaks is valid and read before the change."""
    for mapping_format in (PLACEMENT, KUBERNETES):
        document: Document = json.loads(_nvidia(mapping_format))
        assert _errors(document) == []
        assert parse_mapping(json.dumps(document).encode(), "m.json", mapping_format).keys is not None


def test_a_version_2_mapping_is_read_by_the_queries_but_is_not_the_schemas() -> None:
    """The schema covers the version written now; the queries still read version 2 (no keys, whole classes)."""
    document = _broken(KUBERNETES, ("keys",), ...)
    document["version"] = 2
    assert parse_mapping(json.dumps(document).encode(), "m.json", KUBERNETES).keys is None
    assert [error.json_path for error in _errors(document)] == ["$", "$.version"]
