"""``migcompat export`` used as a scheduler integrator uses it: inputs that used to be merged, dropped or hang.

* two captures of one host, or a capture without a host name, are refused
  (exit 3) naming the files, by both exports;
* placements the inventory skips are noted, as 'match' notes them, and an
  inventory with nothing to export is refused before anything is written or
  removed;
* a FIFO given as --mapping or --rp-uuids does not hang; --rp-uuids is
  decoded as every other JSON input is (nesting bounded, a key twice refused)
  and says what is wrong with a value;
* ``-`` is standard input for every input option and INVENTORY, and standard
  output for ``--mapping`` and ``-o``; standard input read twice is a usage
  error;
* the mapping documents grow with the providers, not as providers times
  accepted classes, and the writer never writes what the reader refuses;
* smaller things: ``--rp-name ''`` without UUIDs, the advice of
  ``export-ambiguous-provider``, the ``--prefix`` error, the NodeFeature
  scope annotation, a device type given as a source.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest
from click.testing import CliRunner, Result

from export_fleets import device_version, source_classes
from fresh_captures import NO_AGE_LIMIT, now_text
from migcompat import emit, parse_compatible
from migcompat.cli import main
from migcompat.exports import mapping as mapping_module
from migcompat.exports.errors import ExportError
from migcompat.exports.kubernetes import MAX_NODE_LABEL_BYTES, NODE_SCOPE_NOTE, LabelScheme
from migcompat.exports.kubernetes import build_export as build_labels
from migcompat.exports.mapping import MAPPING_READ_LIMIT, MAPPING_VERSION, mapping_text
from migcompat.exports.placement import build_export
from migcompat.exports.table import ExportTable, KnownClass, build_table, check_inventory
from migcompat.fleet.classes import class_id
from migcompat.fleet.inventory import Provider, load_inventory

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "conformance" / "samples"
VGPU = SAMPLES / "nvidia-vgpu"
BROKEN = str(SAMPLES / "broken-parse")
ENABLED = ("--enabled-type", "nvidia-222", "--enabled-type", "nvidia-230")
OLD_VGPU = (
    ROOT / "conformance" / "sample-trees" / "nvidia-vgpu" / "old" / "devices" / "pci0000:3a" / "0000:3a:00.0"
    / "0000:3b:00.0" / "c2b5a1b0-7f3e-4d1a-9a51-3f4c0e7d2a10" / "vfio-dev"
)  # fmt: skip
GVT_TYPE = (
    ROOT / "conformance" / "sample-trees" / "gvt-g" / "new" / "devices" / "pci0000:00" / "0000:00:02.0"
    / "mdev_supported_types" / "i915-GVTg_V5_4"
)  # fmt: skip


def _run(*args: str, stdin: bytes | str | None = None, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["export", *args], input=stdin, env=env)


def _no_crash(result: Result) -> None:
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def _old_source() -> Path:
    (vfio,) = OLD_VGPU.glob("vfio*")
    return vfio


@pytest.fixture
def alarm() -> Iterator[None]:
    """Fail, rather than hang, a test whose command blocks for more than 10 s (a FIFO opened blocking)."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError("the command blocked")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, 10)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _capture(directory: Path, name: str, sample: str, host: str | None) -> Path:
    """A copy of the sample capture *sample* (new or old) as *directory*/*name*, with *host* when given."""
    document = json.loads((VGPU / f"{sample}.json").read_text())
    document["time"] = now_text()  # captured today: the export judges no sample's age here
    if host is not None:
        document["host"] = host
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(json.dumps(document))
    return path


# ---- 1: one capture per host, each naming its host ------------------------------------------------------


@pytest.mark.parametrize("command", ["placement", "kubernetes"])
def test_two_captures_of_one_host_are_refused_naming_both_files(tmp_path: Path, command: str) -> None:
    captures = tmp_path / "captures"
    first = _capture(captures, "t4-node-17.json", "new", None)
    second = _capture(captures, "t4-node-17-last-year.json", "old", "t4-node-17")  # the old driver, same node
    out = tmp_path / "out"
    args = ["--mapping", str(out)] if command == "placement" else ["-o", str(out)]
    result = _run(command, str(captures), *args)
    _no_crash(result)
    assert result.exit_code == 3, result.output
    assert "error[export-collision]" in result.stderr and "'t4-node-17'" in result.stderr
    assert str(first) in result.stderr and str(second) in result.stderr
    assert "--enabled-type" not in result.stderr  # the cause is the duplicate capture, not the types
    assert result.stdout == "" and not out.exists()


@pytest.mark.parametrize("command", ["placement", "kubernetes"])
@pytest.mark.parametrize("count", [1, 2])
def test_a_capture_without_a_host_name_is_refused_naming_it(tmp_path: Path, command: str, count: int) -> None:
    files = [_capture(tmp_path / "copies", f"{sample}.json", sample, "") for sample in ("new", "old")[:count]]
    result = _run(command, str(tmp_path / "copies"), *ENABLED)
    _no_crash(result)
    assert result.exit_code == 3, result.output
    assert "error[export-invalid-name]" in result.stderr and "--host" in result.stderr
    assert all(str(path) in result.stderr for path in files)
    assert "NodeFeature" not in result.stderr and "_pci_" not in result.stdout
    assert result.stdout == ""


def test_check_inventory_is_the_library_s_refusal(tmp_path: Path) -> None:
    check_inventory(load_inventory([str(VGPU)]))  # one capture per host: nothing to say
    _capture(tmp_path / "dup", "a.json", "new", None)
    _capture(tmp_path / "dup", "b.json", "new", None)
    with pytest.raises(ExportError) as raised:
        check_inventory(load_inventory([str(tmp_path / "dup")]))
    assert (raised.value.code, raised.value.where) == ("export-collision", "t4-node-17")
    stdin = json.dumps({**json.loads((VGPU / "new.json").read_text()), "host": ""}).encode()
    with pytest.raises(ExportError) as raised:
        check_inventory(load_inventory(["-"], stdin=stdin))
    assert (raised.value.code, raised.value.where) == ("export-invalid-name", "<stdin>")


# ---- 5: what the inventory skips, and nothing to export ---------------------------------------------


def test_skipped_placements_are_noted_as_match_notes_them(tmp_path: Path) -> None:
    mapping = tmp_path / "traits.json"
    result = _run("placement", str(VGPU), BROKEN, *ENABLED, "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("migcompat: warning: 2 faults on 1 host may hide a device or type")
    assert "leading-zero" in result.stderr
    labels = _run("kubernetes", str(VGPU), BROKEN)
    assert labels.exit_code == 0 and "migcompat: warning: 2 faults on 1 host" in labels.stderr


def test_an_inventory_nothing_of_which_is_decided_clears_every_host_s_labels(tmp_path: Path) -> None:
    """A host whose devices could all not be read loses its labels, as it loses its traits (a KubeVirt review:
    the labels an earlier export gave stayed in force, since the export refused to write anything)."""
    labels = tmp_path / "labels"
    assert _run("kubernetes", BROKEN, "-o", str(labels)).exit_code == 0
    node = labels / "nodefeature-t4-node-broken-parse.json"
    node.write_text(node.read_text().replace('"labels": {}', '"labels": {"stale": "true"}'))
    result = _run("kubernetes", BROKEN, "-o", str(labels))
    assert result.exit_code == 0, result.output
    assert "migcompat: warning: 2 faults on 1 host" in result.stderr
    assert "1 node with no label (an empty spec.labels, which clears on apply" in result.stderr
    assert json.loads(node.read_text())["spec"]["labels"] == {}


def test_nothing_to_export_is_refused_before_anything_is_written_or_removed(tmp_path: Path) -> None:
    from migcompat.capture import capture, dumps

    labels = tmp_path / "labels"
    assert _run("kubernetes", str(VGPU), "-o", str(labels)).exit_code == 0
    before = {path.name: path.read_bytes() for path in labels.iterdir()}
    (tmp_path / "sysfs" / "bus").mkdir(parents=True)
    empty = tmp_path / "inventory"
    empty.mkdir()
    (empty / "bare.json").write_text(dumps(capture(str(tmp_path / "sysfs"), host="bare")))
    result = _run("kubernetes", str(empty), "-o", str(labels))
    assert result.exit_code == 3, result.output
    assert "error[nothing-to-check]: nothing to export" in result.stderr
    assert "removed" not in result.output
    assert {path.name: path.read_bytes() for path in labels.iterdir()} == before

    # Placement: the undecided placements are mapped, so that a push clears what an earlier export gave them
    mapping = tmp_path / "traits.json"
    placement = _run("placement", BROKEN, "--mapping", str(mapping))
    assert placement.exit_code == 0, placement.output
    assert "0 providers (0 mapped to a resource provider) and 2 undecided providers (1 mapped" in placement.output
    assert "a push clears the CUSTOM_MIGCOMPAT_ traits of the 1 resource provider they map to" in placement.stderr
    written = json.loads(mapping.read_text())
    assert (written["classes"], written["providers"]) == ([], [])
    assert [entry["resource_provider"] for entry in written["undecided"]] == [
        {"name": "t4-node-broken-parse_pci_0000_3b_00_0"},
        None,
    ]
    strict = _run("placement", BROKEN, "--mapping", str(tmp_path / "strict.json"), "--strict")
    assert strict.exit_code == 3 and "what an earlier export gave" in strict.stderr
    assert not (tmp_path / "strict.json").exists()


# ---- 6 and 7: FIFOs, and --rp-uuids decoded as every JSON input ---------------------------------------


@pytest.mark.usefixtures("alarm")
@pytest.mark.parametrize(
    "args",
    [
        ("placement-query", "--mapping", "{fifo}", "{source}"),
        ("kubernetes-query", "--mapping", "{fifo}", "{source}"),
        ("placement", str(VGPU), *ENABLED, "--rp-uuids", "{fifo}"),
    ],
    ids=["placement-query", "kubernetes-query", "rp-uuids"],
)
def test_a_fifo_without_a_writer_does_not_hang(tmp_path: Path, args: tuple[str, ...]) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    result = _run(*(arg.format(fifo=fifo, source=_old_source()) for arg in args))
    _no_crash(result)
    assert result.exit_code == 3, result.output
    said = f"error[export-mapping-invalid]: cannot read {fifo}: the pipe gave nothing to read"
    assert said in result.stderr


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("[" * 200_000, "nested too deeply (more than 64 levels)"),
        ('{"k": 5}', "the resource provider of 'k' is the JSON number 5, not a UUID"),
        ('{"k": null}', "the resource provider of 'k' is the JSON null null, not a UUID"),
        ('["7f5f0d9e-0000-4000-8000-000000000001"]', 'is not a JSON object {"HOST:PATH": "UUID", ...}'),
        (
            '{"k": "7f5f0d9e-0000-4000-8000-000000000001", "k": "7f5f0d9e-0000-4000-8000-000000000002"}',
            'the member "k" appears twice',
        ),
    ],
    ids=["deep", "number", "null", "array", "duplicate-key"],
)
def test_rp_uuids_is_decoded_as_every_json_input(tmp_path: Path, content: str, said: str) -> None:
    uuids = tmp_path / "uuids.json"
    uuids.write_text(content)
    mapping = tmp_path / "traits.json"
    result = _run("placement", str(VGPU), *ENABLED, "--rp-uuids", str(uuids), "--mapping", str(mapping))
    _no_crash(result)
    assert result.exit_code == 3, result.output
    assert "error[export-mapping-invalid]" in result.stderr and said in result.stderr
    assert not mapping.exists()


# ---- 8 and 9: - for standard input and output, once -----------------------------------------------


def test_dash_writes_the_mapping_to_standard_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = _run("placement", str(VGPU), *ENABLED, "--mapping", "-", *NO_AGE_LIMIT)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["format"] == "migcompat-placement-traits"
    assert result.stderr.startswith(
        "2 source classes, 4 traits (a push makes 2), "
        "4 providers (2 mapped to a resource provider)\nmigcompat: note: unverified"
    )
    labels = _run("kubernetes", str(VGPU), "-o", "-", *NO_AGE_LIMIT)
    assert labels.exit_code == 0, labels.output
    assert json.loads(labels.stdout)["kind"] == "List" and len(json.loads(labels.stdout)["items"]) == 2
    assert list(tmp_path.iterdir()) == []  # no file and no directory named -


def test_dash_reads_the_mapping_the_uuids_and_a_capture_from_standard_input(tmp_path: Path) -> None:
    mapping = tmp_path / "traits.json"
    assert _run("placement", str(VGPU), *ENABLED, "--mapping", str(mapping)).exit_code == 0
    query = _run("placement-query", "--mapping", "-", str(_old_source()), stdin=mapping.read_bytes())
    assert query.exit_code == 0, query.output
    assert query.stdout.startswith("required=CUSTOM_MIGCOMPAT_ACCEPTS_")

    labels = tmp_path / "labels"
    assert _run("kubernetes", str(VGPU), "-o", str(labels)).exit_code == 0
    selector = _run(
        "kubernetes-query",
        "--selector",
        "--mapping",
        "-",
        str(_old_source()),
        stdin=(labels / "mapping.migcompat").read_bytes(),
    )
    assert selector.exit_code == 0, selector.output
    assert "nodeSelector" in json.loads(selector.stdout)

    key = "t4-node-16:class/mdev_bus/0000:3b:00.0/mdev_supported_types/nvidia-222"
    uuids = json.dumps({key: "7f5f0d9e-0000-4000-8000-000000000001"})
    by_uuid = _run("placement", str(VGPU), *ENABLED, "--rp-uuids", "-", "--mapping", str(mapping), stdin=uuids)
    assert by_uuid.exit_code == 0, by_uuid.output
    providers = json.loads(mapping.read_text())["providers"]
    assert {"uuid": "7f5f0d9e-0000-4000-8000-000000000001"} in [p["resource_provider"] for p in providers]

    one = _run("kubernetes", "-", str(VGPU / "old.json"), *NO_AGE_LIMIT, stdin=(VGPU / "new.json").read_bytes())
    assert one.exit_code == 0, one.output
    assert one.stderr == (
        "2 source classes, 2 nodes, 5 labels\n"
        "migcompat: note: no mapping was written, so 'export kubernetes-query' has none to read: give --mapping"
        " FILE (or -o DIR, which writes DIR/mapping.migcompat)\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ("placement", str(VGPU), *ENABLED, "--source", "-", "--source", "-"),
        ("placement", "-", *ENABLED, "--rp-uuids", "-"),
        ("kubernetes", "-", "--source", "-"),
        ("placement-query", "--mapping", "-", "-"),
        ("placement-query", "--mapping", "m.json", "-", "-"),
        ("kubernetes-query", "--mapping", "-", "-"),
    ],
)
def test_standard_input_read_twice_is_a_usage_error(args: tuple[str, ...]) -> None:
    result = _run(*args, stdin=b"")
    _no_crash(result)
    assert result.exit_code == 2, result.output
    assert "only one input can be standard input (-)" in result.stderr


# ---- 4: the mapping's size ----------------------------------------------------------------------------


def _synthetic_table(providers: int, accepted: int) -> ExportTable:
    """*providers* devices of 40 classes, each accepting *accepted* of 200 classes (5 distinct sets).

    The table is given, not computed: only the documents written from it are measured.
    """
    versions = [device_version(f"16.{n}", "1/1") for n in range(200)]
    classes = tuple(sorted((KnownClass(class_id(v), emit(v), v) for v in versions), key=lambda known: known.id))
    ids = [known.id for known in classes]
    rules = parse_compatible("mc1\naccept device_api=vfio-pci\n")
    members = tuple(
        Provider(
            f"node-{n // 8:04d}", f"0000:00:{n % 8:02x}.0", "device", f"bus/pci/devices/{n}", versions[0], rules, "x"
        )
        for n in range(providers)
    )
    is_class = tuple(ids[n % 40] for n in range(providers))
    accepts = tuple(frozenset(ids[(n % 5) * 10 : (n % 5) * 10 + accepted]) for n in range(providers))
    return ExportTable(classes, members, is_class, accepts)


def test_the_mapping_grows_with_the_providers_not_as_providers_times_accepted_classes() -> None:
    few, many = (_synthetic_table(500, accepted) for accepted in (10, 150))
    placement = [len(mapping_text(build_export(table).to_json(), "m")) for table in (few, many)]
    labels = [len(mapping_text(build_labels(table).to_json(), "m")) for table in (few, many)]
    # 140 more accepted classes per provider: written once per distinct set (5 here), and the traits table
    # names each class's trait once; not once per provider (500 x 140 traits of 58 characters: 4 MB more)
    assert placement[1] - placement[0] < 50_000, placement
    assert labels[1] - labels[0] < 5_000, labels
    assert placement[1] < 500 * 500 + 200 * 500, placement  # a provider ~ 200 bytes, a class ~ 400


def test_the_writer_refuses_a_mapping_the_reader_would_refuse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert mapping_module.MAPPING_READ_LIMIT == MAPPING_READ_LIMIT == 64 << 20
    monkeypatch.setattr(mapping_module, "MAPPING_READ_LIMIT", 1000)
    mapping = tmp_path / "traits.json"
    result = _run("placement", str(VGPU), *ENABLED, "--mapping", str(mapping))
    assert result.exit_code == 3, result.output
    assert "error[export-mapping-invalid]" in result.stderr and "more than the 1000 the queries read" in result.stderr
    assert not mapping.exists()
    labels = _run("kubernetes", str(VGPU), "-o", str(tmp_path / "labels"))
    assert labels.exit_code == 3 and "more than the 1000" in labels.stderr
    assert not (tmp_path / "labels").exists()


def test_the_mapping_says_each_provider_s_traits_and_each_node_s_labels() -> None:
    inventory = load_inventory([str(VGPU)])
    kept = [p for p in inventory.providers if p.kind == "device" or p.ident in ("nvidia-222", "nvidia-230")]
    table = build_table(kept)
    export = build_export(table)
    document = json.loads(mapping_text(export.to_json(), "m"))
    assert document["version"] == MAPPING_VERSION == 3 and document["keys"] == sorted(table.keys)
    classes, sets = document["classes"], document["accept_sets"]
    for entry, written in zip(export.providers, document["providers"], strict=True):
        traits = [classes[i]["accepts_trait"] for i in sets[written["accepts"]]]
        traits += [classes[written["is"]]["is_trait"]] if written["is"] is not None else []
        assert sorted(traits) == list(entry.traits)
    labels = build_labels(table)
    nodes = json.loads(mapping_text(labels.to_json(), "m"))
    for node, expected in labels.nodes.items():
        written = nodes["nodes"][node]
        said = {nodes["classes"][i]["has_label"] for i in written["has"]}
        said |= {nodes["classes"][i]["accepts_label"] for i in nodes["accept_sets"][written["accepts"]]}
        assert said == set(expected)


def test_a_version_1_mapping_is_still_read(tmp_path: Path) -> None:
    text = emit(source_classes()[0])
    ident = class_id(source_classes()[0])
    old = {"format": "migcompat-placement-traits", "version": 1, "classes": [{"class": ident, "text": text}]}
    mapping = tmp_path / "old.json"
    mapping.write_text(json.dumps(old))
    source = tmp_path / "source"
    source.write_text(text)
    result = _run("placement-query", "--mapping", str(mapping), str(source))
    assert result.exit_code == 0, result.output
    assert result.stdout == f"required=CUSTOM_MIGCOMPAT_ACCEPTS_{ident}\n"


# ---- 10: the smaller things ----------------------------------------------------------------------


def test_rp_name_empty_without_uuids_is_a_usage_error(tmp_path: Path) -> None:
    mapping = tmp_path / "traits.json"
    endpoint = ("--endpoint", "http://127.0.0.1:9")
    result = _run(
        "placement", str(VGPU), *ENABLED, "--rp-name", "", *endpoint, "--mapping", str(mapping), env={"OS_TOKEN": "x"}
    )
    assert result.exit_code == 2, result.output
    assert "--rp-name ''" in result.stderr and "--rp-uuids" in result.stderr
    assert not mapping.exists()


@pytest.mark.parametrize(
    ("template", "lacks"),
    [("static", "{host}, {ident}, {kind}, {nodedev}"), ("{ident}", "{host}"), ("{nodedev}", "{host}")],
)
def test_the_ambiguity_advice_names_what_the_template_lacks(template: str, lacks: str) -> None:
    result = _run("placement", str(VGPU), *ENABLED, "--rp-name", template)
    assert result.exit_code == 3, result.output
    assert "error[export-ambiguous-provider]" in result.stderr
    assert f"the --rp-name template {template!r} lacks {lacks}" in result.stderr
    assert "--enabled-type" not in result.stderr  # enabling fewer types would not help


def test_the_several_types_advice_stays_for_nova_s_names() -> None:
    result = _run("placement", str(SAMPLES / "gvt-g"), "--rp-name", "{host}_{nodedev}")
    assert result.exit_code == 3
    assert "--enabled-type TYPE" in result.stderr and "lacks" not in result.stderr


@pytest.mark.parametrize(
    ("prefix", "said"),
    [
        ("Bad_Prefix", "label prefix 'Bad_Prefix' must be lower-case"),
        ("a" * 60 + "." + "b" * 60 + "." + "c" * 60 + "." + "d" * 49, "232 characters long, more than the 231"),
    ],
)
def test_the_prefix_error_names_the_prefix_given(tmp_path: Path, prefix: str, said: str) -> None:
    result = _run("kubernetes", str(VGPU), "--prefix", prefix, "-o", str(tmp_path / "labels"))
    assert result.exit_code == 2, result.output  # the option's value: a usage error
    assert said in result.stderr and "device-class.node." not in result.stderr
    assert not (tmp_path / "labels").exists()
    with pytest.raises(ExportError) as raised:
        LabelScheme(prefix)
    assert raised.value.where == prefix
    LabelScheme("a" * 60 + "." + "b" * 60 + "." + "c" * 60 + "." + "d" * 48)  # 231 characters: the longest


def test_the_scope_annotation_does_not_promise_a_list_it_lacks() -> None:
    result = _run("kubernetes", str(VGPU))
    annotations = {item["metadata"]["annotations"]["migcompat.io/scope"] for item in json.loads(result.stdout)["items"]}
    assert annotations == {NODE_SCOPE_NOTE}
    assert "listed here" not in NODE_SCOPE_NOTE and "mapping document" in NODE_SCOPE_NOTE


@pytest.mark.parametrize("command", ["placement", "kubernetes", "placement-query"])
def test_a_device_type_given_as_a_source_is_refused(tmp_path: Path, command: str) -> None:
    if command == "placement-query":
        mapping = tmp_path / "traits.json"
        assert _run("placement", str(VGPU), *ENABLED, "--mapping", str(mapping)).exit_code == 0
        result = _run(command, "--mapping", str(mapping), str(GVT_TYPE))
    else:
        result = _run(command, str(VGPU), *(ENABLED if command == "placement" else ()), "--source", str(GVT_TYPE))
    _no_crash(result)
    assert result.exit_code == 3, result.output
    assert "is a device type (its migration_version has param lines), not a device instance" in result.stderr
    assert result.stdout == ""


def test_a_mapping_written_into_the_output_directory_is_refused(tmp_path: Path) -> None:
    """``kubectl apply -f DIR`` takes every JSON file of DIR for an object: a mapping there breaks it, and one named
    as a node's file replaces that node's object (a KubeVirt review). DIR/mapping.migcompat, the default, is fine."""
    labels = tmp_path / "labels"
    assert _run("kubernetes", str(VGPU), "-o", str(labels)).exit_code == 0
    before = {path.name: path.read_bytes() for path in labels.iterdir()}
    for name in ("map.json", "nodefeature-t4-node-17.json"):
        result = _run("kubernetes", str(VGPU), "-o", str(labels), "--mapping", str(labels / ".." / "labels" / name))
        assert result.exit_code == 2, result.output
        assert "'kubectl apply -f DIR' takes for an object" in result.stderr
        assert {path.name: path.read_bytes() for path in labels.iterdir()} == before
    same = _run("kubernetes", str(VGPU), "-o", str(labels), "--mapping", str(labels / "mapping.migcompat"))
    assert same.exit_code == 0, same.output
    assert {path.name: path.read_bytes() for path in labels.iterdir()} == before


@pytest.mark.parametrize("export", ["kubernetes", "placement"])
def test_a_json_file_that_is_not_a_capture_is_noted_and_refused_by_strict(tmp_path: Path, export: str) -> None:
    """A host's failed capture saved as JSON (``{"error": ...}``) left the host out in silence, even with --strict
    (a KubeVirt review): its node file was then removed as stale."""
    inventory = tmp_path / "inventory"
    inventory.mkdir()
    for name in ("old.json", "new.json"):
        (inventory / name).write_bytes((VGPU / name).read_bytes())
    (inventory / "qat-old.json").write_text('{"error": {"code": "capture-unreadable"}}\n')
    options = ["-o", str(tmp_path / "out")] if export == "kubernetes" else ["--mapping", str(tmp_path / "m.json")]
    result = _run(export, str(inventory), *ENABLED, *options)
    assert result.exit_code == 0, result.output
    assert "note: skipped 1 JSON file of the inventory that is not a migcompat capture:" in result.stderr
    assert "qat-old.json" in result.stderr
    strict = _run(export, str(inventory), *ENABLED, *options, "--strict")
    assert strict.exit_code == 3, strict.output
    assert "error[capture-invalid]: --strict: 1 JSON file of the inventory is not a migcompat capture" in strict.stderr


def test_a_node_with_more_labels_than_nfd_can_record_is_refused() -> None:
    """NFD lists a node's labels in one annotation, and a node's annotations hold 256 KiB: a node accepting
    thousands of classes would be refused by the API server and keep its old labels (a KubeVirt review)."""
    table = build_table(load_inventory([str(VGPU)]).providers)
    labels = build_labels(table)
    sizes = {node: sum(len(key) + 1 for key in node_labels) for node, node_labels in labels.nodes.items()}
    largest = max(sizes, key=lambda node: (sizes[node], node))
    assert build_labels(table, max_label_bytes=sizes[largest]).nodes == labels.nodes  # at the bound: written
    with pytest.raises(ExportError) as refused:
        build_labels(table, max_label_bytes=sizes[largest] - 1)
    assert (refused.value.code, refused.value.where) == ("too-complex", largest)
    assert f"{largest} ({len(labels.nodes[largest])} labels, {sizes[largest]} bytes)" in refused.value.message
    assert MAX_NODE_LABEL_BYTES == 131_072


def test_an_export_that_cannot_write_one_file_writes_none(tmp_path: Path) -> None:
    """A security review: with one node's file a directory, the export had replaced the nodes before it and
    kept the old mapping, which then described labels the objects no longer had."""
    labels = tmp_path / "labels"
    assert _run("kubernetes", str(VGPU / "old.json"), "-o", str(labels)).exit_code == 0
    (labels / "mapping.migcompat").unlink()
    (labels / "mapping.migcompat").mkdir()  # written last: the node the next export adds comes before it
    before = {path.name: path.read_bytes() for path in labels.iterdir() if path.is_file()}
    result = _run("kubernetes", str(VGPU), "-o", str(labels))
    assert result.exit_code == 3, result.output
    assert "it is a directory; nothing was written" in result.stderr
    assert {path.name: path.read_bytes() for path in labels.iterdir() if path.is_file()} == before
    assert not [path for path in labels.iterdir() if path.name.startswith(".")]  # no new file left behind
