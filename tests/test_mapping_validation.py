"""A mapping document that was hand-edited or corrupted is refused by the queries, naming what is wrong and where.

Every case starts from a mapping the export wrote (of the bundled nvidia-vgpu
fleet: two classes, two sets of accepted classes), changes one member, and
checks that ``export kubernetes-query`` (or ``placement-query``) exits with
status 3 and ``error[export-mapping-invalid]``, a message naming the member as
a path from the root (``accept_sets[1][0]``), no traceback; and that
:func:`~migcompat.exports.mapping.parse_mapping` gives the same error with
*where* the file and a JSON Pointer to the member.
"""

from __future__ import annotations

import copy
import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migcompat.cli import main
from migcompat.exports.errors import ExportError
from migcompat.exports.kubernetes import MAPPING_FORMAT as KUBERNETES
from migcompat.exports.kubernetes import build_export as build_labels
from migcompat.exports.mapping import mapping_text, parse_mapping
from migcompat.exports.placement import MAPPING_FORMAT as PLACEMENT
from migcompat.exports.placement import build_export as build_traits
from migcompat.exports.table import build_table
from migcompat.fleet.inventory import load_inventory
from strategies import examples

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))
import fuzz_loaders

ROOT = Path(__file__).resolve().parents[1]
VGPU = ROOT / "conformance" / "samples" / "nvidia-vgpu"
ENABLED = ("nvidia-222", "nvidia-230")
UNDECIDED = 3

Document = dict[str, Any]
Change = Callable[[Document], object]


@functools.cache
def _written(export: str) -> str:
    """The mapping (as JSON text) ``export kubernetes`` (*export* ``labels``) or ``export placement`` writes for the
    nvidia-vgpu sample, the latter with ``--enabled-type nvidia-222 --enabled-type nvidia-230``: version 3."""
    providers = load_inventory([str(VGPU)]).providers
    if export == "labels":
        return mapping_text(build_labels(build_table(providers)).to_json(), "m")
    kept = [p for p in providers if p.kind == "device" or p.ident in ENABLED]
    return mapping_text(build_traits(build_table(kept)).to_json(), "m")


@pytest.fixture
def labels() -> Document:
    document: Document = json.loads(_written("labels"))
    return document


@pytest.fixture
def traits() -> Document:
    document: Document = json.loads(_written("traits"))
    return document


def _query(tmp_path: Path, document: Document) -> Result:
    """``export kubernetes-query`` (or ``placement-query``) with *document* as the mapping, for its last class."""
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(document))
    source = tmp_path / "source"
    source.write_text("mc1 device_api=vfio-pci driver=nvidia\n")  # replaced by a class's text when there is one
    if isinstance(document.get("classes"), list) and document["classes"]:
        last = document["classes"][-1]
        if isinstance(last, dict) and isinstance(last.get("text"), str):
            source.write_text(last["text"])
    command = "kubernetes-query" if document.get("format") == KUBERNETES else "placement-query"
    return CliRunner().invoke(main, ["export", command, "--mapping", str(mapping), str(source)], catch_exceptions=False)


def _changed(document: Document, change: Change) -> Document:
    changed = copy.deepcopy(document)
    change(changed)
    return changed


def _refused(tmp_path: Path, document: Document, message: str, pointer: str) -> None:
    """*document* is refused by its query (exit 3, *message*) and by parse_mapping (*where* ends with *pointer*)."""
    result = _query(tmp_path, document)
    assert result.exit_code == UNDECIDED, result.output
    assert "Traceback" not in result.output
    assert f"migcompat: error[export-mapping-invalid]: {tmp_path / 'mapping.json'}: {message}\n" == result.stderr
    assert result.stdout == ""
    with pytest.raises(ExportError) as raised:
        parse_mapping(json.dumps(document).encode(), "m.json", document["format"])
    assert raised.value.code == "export-mapping-invalid"
    assert raised.value.where == f"m.json#{pointer}"
    assert raised.value.message == f"m.json: {message}"


def _set(path: tuple[str | int, ...], value: object) -> Change:
    """A change setting the member at *path* (keys and indices from the root) to *value*."""

    def change(document: Document) -> None:
        target: Any = document
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return change


def _delete(*path: str | int) -> Change:
    """A change removing the member at *path*."""

    def change(document: Document) -> None:
        target: Any = document
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return change


# ---- the untouched mappings, and version 1: read -----------------------------------------------------------


def test_the_mappings_the_exports_write_are_read(tmp_path: Path, labels: Document, traits: Document) -> None:
    for document in (labels, traits):
        result = _query(tmp_path, document)
        assert result.exit_code == 0, result.output
    assert labels["accept_sets"] == [[0], [0, 1]] and len(labels["classes"]) == 2  # what the cases below change


def test_an_empty_set_of_accepted_classes_is_a_set(tmp_path: Path, labels: Document) -> None:
    """A node whose devices accept no known class has the empty set: valid, as the export may write it."""
    result = _query(tmp_path, _changed(labels, _set(("accept_sets",), [[1], [0, 1], []])))
    assert result.exit_code == 0, result.output


def test_a_version_1_kubernetes_mapping_needs_no_accept_sets(tmp_path: Path, labels: Document) -> None:
    old = {key: labels[key] for key in ("format", "prefix", "classes")} | {"version": 1}
    result = _query(tmp_path, old)
    assert result.exit_code == 0, result.output


# ---- the label prefix: export-mapping-invalid, not export-invalid-name ---------------------------------------


@pytest.mark.parametrize(
    ("prefix", "message"),
    [
        (5, "prefix is the JSON number 5, not a string: the DNS prefix of the labels"),
        (None, "prefix is null, not a string: the DNS prefix of the labels"),
        (["migcompat.io"], 'prefix is the JSON array ["migcompat.io"], not a string: the DNS prefix of the labels'),
        ("", "prefix is not a prefix the export writes: label prefix '' is empty"),
        (
            "k8s.io",
            "prefix is not a prefix the export writes: label prefix 'k8s.io' is k8s.io, which Kubernetes reserves"
            " for its own labels: give a DNS domain you own",
        ),
    ],
    ids=["number", "null", "array", "empty", "reserved"],
)
def test_a_label_prefix_that_is_not_one_the_export_writes_is_a_mapping_error(
    tmp_path: Path, labels: Document, prefix: object, message: str
) -> None:
    """It used to be export-invalid-name, as if the user had given it: the mapping is what is wrong."""
    _refused(tmp_path, _changed(labels, _set(("prefix",), prefix)), message, "/prefix")


def test_a_missing_prefix_is_named(tmp_path: Path, labels: Document) -> None:
    _refused(tmp_path, _changed(labels, _delete("prefix")), "prefix is missing", "/prefix")


# ---- classes ------------------------------------------------------------------------------------------------


def test_a_class_listed_twice_is_named_as_a_duplicate(tmp_path: Path, labels: Document, traits: Document) -> None:
    for document in (labels, traits):
        twice = _changed(document, lambda d: d["classes"].append(copy.deepcopy(d["classes"][0])))
        ident = document["classes"][0]["class"]
        _refused(
            tmp_path,
            twice,
            f"classes[2].class is {ident}, a duplicate of classes[0].class: each class is listed once",
            "/classes/2/class",
        )


def test_a_class_id_twice_with_another_text_is_a_duplicate_not_an_unknown_class(
    tmp_path: Path, labels: Document
) -> None:
    """The second entry used to replace the first silently: the query then said the source's class was unknown."""
    ident = labels["classes"][1]["class"]
    other = {"class": ident, "text": "mc1 driver=other\n"}
    document = _changed(labels, lambda d: d["classes"].append(other))
    _refused(
        tmp_path,
        document,
        f"classes[2].class is {ident}, a duplicate of classes[1].class: each class is listed once",
        "/classes/2/class",
    )


CLASS_CASES: list[tuple[str, Change, str, str]] = [
    ("missing", _delete("classes"), "classes is missing", "/classes"),
    ("object", _set(("classes",), {}), "classes is the JSON object {}, not an array of classes", "/classes"),
    (
        "entry-string",
        _set(("classes", 0), "7B84"),
        "classes[0] is the JSON string \"7B84\", not an object: a class, with the strings 'class' and 'text'",
        "/classes/0",
    ),
    ("class-missing", _delete("classes", 0, "class"), "classes[0].class is missing", "/classes/0/class"),
    (
        "class-number",
        _set(("classes", 0, "class"), 7),
        "classes[0].class is the JSON number 7, not a string: a class identifier",
        "/classes/0/class",
    ),
    (
        "class-lower-case",
        _set(("classes", 0, "class"), "7b8478904a25ea70fa2bfba9cd0e83d9"),
        'classes[0].class is the JSON string "7b8478904a25ea70fa2bfba9cd0e83d9", not a class identifier'
        " (32 upper-case hexadecimal digits)",
        "/classes/0/class",
    ),
    ("text-missing", _delete("classes", 1, "text"), "classes[1].text is missing", "/classes/1/text"),
    (
        "text-null",
        _set(("classes", 1, "text"), None),
        "classes[1].text is null, not a string: the class's canonical migration_version",
        "/classes/1/text",
    ),
]


@pytest.mark.parametrize(
    ("change", "message", "pointer"), [case[1:] for case in CLASS_CASES], ids=[c[0] for c in CLASS_CASES]
)
def test_a_malformed_class_entry_is_named(
    tmp_path: Path, labels: Document, change: Change, message: str, pointer: str
) -> None:
    _refused(tmp_path, _changed(labels, change), message, pointer)


# ---- accept_sets --------------------------------------------------------------------------------------------

IN_CLASSES = "not an index in classes, which has 2 (indices 0 to 1)"
ACCEPT_SETS_CASES: list[tuple[str, object, str, str]] = [
    ("string", "x", 'accept_sets is the JSON string "x", not an array of sets of indices in classes', "/accept_sets"),
    (
        "object",
        {"0": [1]},
        'accept_sets is the JSON object {"0": [1]}, not an array of sets of indices in classes',
        "/accept_sets",
    ),
    ("null", None, "accept_sets is null, not an array of sets of indices in classes", "/accept_sets"),
    (
        "set-number",
        [[1], 0],
        "accept_sets[1] is the JSON number 0, not an array of indices in classes",
        "/accept_sets/1",
    ),
    (
        "set-object",
        [{}, [0, 1]],
        "accept_sets[0] is the JSON object {}, not an array of indices in classes",
        "/accept_sets/0",
    ),
    (
        "index-string",
        [[1], [0, "1"]],
        'accept_sets[1][1] is the JSON string "1", not an index in classes',
        "/accept_sets/1/1",
    ),
    ("index-boolean", [[True], [0, 1]], "accept_sets[0][0] is true, not an index in classes", "/accept_sets/0/0"),
    (
        "index-fraction",  # 1.0 would be the index 1 (the number rule): 1.5 is no integer
        [[1.5], [0, 1]],
        "accept_sets[0][0] is the JSON number 1.5, not an index in classes",
        "/accept_sets/0/0",
    ),
    ("index-null", [[1], [None]], "accept_sets[1][0] is null, not an index in classes", "/accept_sets/1/0"),
    (
        "index-array",
        [[[1]], [0, 1]],
        "accept_sets[0][0] is the JSON array [1], not an index in classes",
        "/accept_sets/0/0",
    ),
    ("negative", [[1], [-1, 1]], f"accept_sets[1][0] is -1, {IN_CLASSES}", "/accept_sets/1/0"),
    ("past-the-end", [[1], [0, 1, 2]], f"accept_sets[1][2] is 2, {IN_CLASSES}", "/accept_sets/1/2"),
    ("huge", [[10**30], [0, 1]], f"accept_sets[0][0] is {10**30}, {IN_CLASSES}", "/accept_sets/0/0"),
    (
        "duplicate-index",
        [[1], [0, 1, 1]],
        "accept_sets[1][2] is 1, a duplicate of accept_sets[1][1]: a set lists an index once",
        "/accept_sets/1/2",
    ),
    (
        "unsorted",
        [[1], [1, 0]],
        "accept_sets[1][1] is 0, after 1: the indices are listed in ascending order",
        "/accept_sets/1/1",
    ),
    (
        "duplicate-set",
        [[1], [0, 1], [1]],
        "accept_sets[2] is a duplicate of accept_sets[0], the same set: each set is listed once",
        "/accept_sets/2",
    ),
]


@pytest.mark.parametrize(
    ("sets", "message", "pointer"), [case[1:] for case in ACCEPT_SETS_CASES], ids=[c[0] for c in ACCEPT_SETS_CASES]
)
@pytest.mark.parametrize("export", ["labels", "traits"])
def test_malformed_accept_sets_are_named(
    tmp_path: Path, request: pytest.FixtureRequest, export: str, sets: object, message: str, pointer: str
) -> None:
    _refused(tmp_path, _changed(request.getfixturevalue(export), _set(("accept_sets",), sets)), message, pointer)


@pytest.mark.parametrize("export", ["labels", "traits"])
def test_a_version_2_mapping_without_accept_sets_is_refused(
    tmp_path: Path, request: pytest.FixtureRequest, export: str
) -> None:
    _refused(
        tmp_path,
        _changed(request.getfixturevalue(export), _delete("accept_sets")),
        "accept_sets is missing",
        "/accept_sets",
    )


# ---- what refers to classes and to accept_sets: nodes, labels, providers, traits -------------------------------

REFERENCE_CASES: list[tuple[str, str, Change, str, str]] = [
    ("labels", "nodes-missing", _delete("nodes"), "nodes is missing", "/nodes"),
    (
        "labels",
        "nodes-array",
        _set(("nodes",), []),
        "nodes is the JSON array [], not an object: node name -> its classes",
        "/nodes",
    ),
    (
        "labels",
        "node-string",
        _set(("nodes", "t4-node-16"), "x"),
        "nodes[\"t4-node-16\"] is the JSON string \"x\", not an object: a node, with 'has' and 'accepts'",
        "/nodes/t4-node-16",
    ),
    (
        "labels",
        "node-accepts-past-the-end",
        _set(("nodes", "t4-node-16", "accepts"), 2),
        'nodes["t4-node-16"].accepts is 2, not an index in accept_sets, which has 2 (indices 0 to 1)',
        "/nodes/t4-node-16/accepts",
    ),
    (
        "labels",
        "node-accepts-missing",
        _delete("nodes", "t4-node-17", "accepts"),
        'nodes["t4-node-17"].accepts is missing',
        "/nodes/t4-node-17/accepts",
    ),
    (
        "labels",
        "node-has-past-the-end",
        _set(("nodes", "t4-node-17", "has"), [0, 5]),
        f'nodes["t4-node-17"].has[1] is 5, {IN_CLASSES}',
        "/nodes/t4-node-17/has/1",
    ),
    (
        "labels",
        "node-has-twice",
        _set(("nodes", "t4-node-17", "has"), [0, 0]),
        'nodes["t4-node-17"].has[1] is 0, a duplicate of nodes["t4-node-17"].has[0]: a set lists an index once',
        "/nodes/t4-node-17/has/1",
    ),
    (
        "labels",
        "label-of-another-prefix",
        _set(("prefix",), "example.com"),
        'classes[0].has_label is the JSON string "device-class.node.migcompat.io/40225C235C57EF8D067E839218EEC5D8",'
        " not device-class.node.example.com/40225C235C57EF8D067E839218EEC5D8, the label of its class under the prefix"
        " 'example.com': the mapping's labels and its prefix disagree",
        "/classes/0/has_label",
    ),
    (
        "labels",
        "accepts-label-missing",
        _delete("classes", 1, "accepts_label"),
        "classes[1].accepts_label is missing",
        "/classes/1/accepts_label",
    ),
    ("traits", "providers-missing", _delete("providers"), "providers is missing", "/providers"),
    (
        "traits",
        "provider-accepts-past-the-end",
        _set(("providers", 3, "accepts"), 7),
        "providers[3].accepts is 7, not an index in accept_sets, which has 2 (indices 0 to 1)",
        "/providers/3/accepts",
    ),
    (
        "traits",
        "provider-is-past-the-end",
        _set(("providers", 1, "is"), 2),
        f"providers[1].is is 2, {IN_CLASSES}",
        "/providers/1/is",
    ),
    (
        "traits",
        "provider-is-string",
        _set(("providers", 1, "is"), "0"),
        'providers[1].is is the JSON string "0", not an index in classes',
        "/providers/1/is",
    ),
    (
        "traits",
        "trait-of-an-unknown-class",
        _set(("traits", "CUSTOM_MIGCOMPAT_IS_40225C235C57EF8D067E839218EEC5D8", "class"), "0" * 32),
        "traits.CUSTOM_MIGCOMPAT_IS_40225C235C57EF8D067E839218EEC5D8.class is the JSON string"
        f' "{"0" * 32}", which is not the class of an entry of classes',
        "/traits/CUSTOM_MIGCOMPAT_IS_40225C235C57EF8D067E839218EEC5D8/class",
    ),
    (
        "traits",
        "trait-relation",
        _set(("traits", "CUSTOM_MIGCOMPAT_IS_40225C235C57EF8D067E839218EEC5D8", "relation"), "has"),
        "traits.CUSTOM_MIGCOMPAT_IS_40225C235C57EF8D067E839218EEC5D8.relation is the JSON string \"has\", not 'accepts'"
        " or 'is'",
        "/traits/CUSTOM_MIGCOMPAT_IS_40225C235C57EF8D067E839218EEC5D8/relation",
    ),
]


@pytest.mark.parametrize(
    ("export", "change", "message", "pointer"),
    [(case[0], *case[2:]) for case in REFERENCE_CASES],
    ids=[case[1] for case in REFERENCE_CASES],
)
def test_a_malformed_reference_to_classes_or_accept_sets_is_named(
    tmp_path: Path, request: pytest.FixtureRequest, export: str, change: Change, message: str, pointer: str
) -> None:
    _refused(tmp_path, _changed(request.getfixturevalue(export), change), message, pointer)


def test_a_member_name_is_escaped_in_the_pointer_and_cut_in_the_message(tmp_path: Path, labels: Document) -> None:
    name = "a/b~c" + "x" * 100
    document = _changed(labels, lambda d: d["nodes"].__setitem__(name, {"has": [], "accepts": 9}))
    _refused(
        tmp_path,
        document,
        f"nodes[{json.dumps(name)[:80]}...].accepts is 9, not an index in accept_sets, which has 2 (indices 0 to 1)",
        "/nodes/a~1b~0c" + "x" * 100 + "/accepts",
    )


# ---- the document as a whole ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message", "pointer"),
    [
        (_set(("version",), 4), "version 4)", "/version"),
        (_set(("version",), True), "version true)", "/version"),
        (_set(("format",), "migcompat-placement-traits"), 'format "migcompat-placement-traits"', "/format"),
    ],
    ids=["version-4", "version-true", "other-format"],
)
def test_the_format_and_version_are_named(
    tmp_path: Path, labels: Document, change: Change, message: str, pointer: str
) -> None:
    document = _changed(labels, change)
    with pytest.raises(ExportError) as raised:
        parse_mapping(json.dumps(document).encode(), "m.json", KUBERNETES)
    assert raised.value.code == "export-mapping-invalid" and raised.value.where == f"m.json#{pointer}"
    assert raised.value.message.startswith(f"m.json is not a {KUBERNETES} document of version 1, 2 or 3 (format ")
    assert message in raised.value.message


def test_a_mapping_that_is_not_an_object_says_what_it_is() -> None:
    with pytest.raises(ExportError) as raised:
        parse_mapping(b"[1, 2]", "m.json", PLACEMENT)
    assert raised.value.message == "m.json is the JSON array [1, 2], not a JSON object: not a mapping migcompat wrote"


@settings(max_examples=examples(200), suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(fuzz_loaders.strategy("mapping", st.sampled_from(["labels", "traits"]).map(lambda e: json.loads(_written(e)))))
def test_any_input_is_a_mapping_or_export_mapping_invalid(data: bytes) -> None:
    """Arbitrary bytes and JSON, and written mappings with a member replaced: read, or refused naming the file."""
    for expected_format in (KUBERNETES, PLACEMENT):
        try:
            parse_mapping(data, "m.json", expected_format)
        except ExportError as exc:
            assert exc.code == "export-mapping-invalid"
            assert exc.message.startswith("m.json") and exc.where.startswith("m.json")
