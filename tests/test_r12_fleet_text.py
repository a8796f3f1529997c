"""Review r12 #1, #13, #14: the class id ``match``/``matrix`` print, the relation words, the matrix page's labels.

* #1: the class a user copies from ``match`` or ``matrix`` (text and JSON) is the
  one the scheduler exports label, also when an ignorable field no rule reads is
  left out of it (the mlx5 sample's ``~mlx5.fw_version``); the whole
  description's digest is shown beside it under another name.
* #13: text output leads a relation with its direction (``widened``,
  ``narrowed``), JSON keeps the set names (``subset``, ``superset``).
* #14: the heat map's labels put what tells a column apart first (the mdev type
  name) and leave out the driver its band shares, whole in the tooltip, with a
  list of which rows and columns are of which driver.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner, Result

from fresh_captures import NO_AGE_LIMIT  # the samples were captured in 2025
from migcompat.cli import main
from migcompat.exports.table import export_class
from migcompat.fleet.classes import class_id, export_class_id, read_keys
from migcompat.fleet.diff import RELATION_NAMES, RELATION_WORDS, relation_name
from migcompat.fleet.html import render_html
from migcompat.fleet.inventory import load_inventory
from migcompat.fleet.matrix import build_matrix
from migcompat.relate import Relation

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "conformance" / "samples"
MLX5 = str(SAMPLES / "mlx5")
GVT = str(SAMPLES / "gvt-g")
OLD_VF = "cx6-old:0000:3b:00.1"
HAS_PREFIX = "device-class.node.migcompat.io/"
"""The label a node carries for each class of device it has (the export's default prefix)."""


def run(*args: str) -> Result:
    """``migcompat ARGS`` in-process; a Python exception is a test failure, not a result."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _export_classes(tmp_path: Path) -> tuple[set[str], dict[str, set[str]]]:
    """The classes of ``export kubernetes`` of the mlx5 sample, and the classes of each node's devices (its labels)."""
    out = tmp_path / "labels"
    result = run("export", "kubernetes", MLX5, "-o", str(out))
    assert result.exit_code == 0, result.output
    mapping = json.loads((out / "mapping.migcompat").read_text(encoding="utf-8"))
    known = {entry["class"] for entry in mapping["classes"]}
    nodes: dict[str, set[str]] = {}
    for path in out.glob("nodefeature-*.json"):
        labels = json.loads(path.read_text(encoding="utf-8"))["spec"]["labels"]
        nodes[path.stem.removeprefix("nodefeature-")] = {
            key.removeprefix(HAS_PREFIX) for key in labels if key.startswith(HAS_PREFIX)
        }
    return known, nodes


# ---- #1: the class id ------------------------------------------------------------------------------------


def test_match_prints_the_class_the_export_labels_and_names_the_description_digest(tmp_path: Path) -> None:
    known, nodes = _export_classes(tmp_path)
    document = json.loads(run("match", *NO_AGE_LIMIT, "--format", "json", "--source-device", OLD_VF, MLX5).output)
    whole = _whole_digest("cx6-old", "0000:3b:00.1")
    assert document["class"] in known
    assert document["class"] in nodes["cx6-old"]  # the node that has the device carries its label
    assert document["description_digest"] == whole != document["class"]
    assert document["class_ignored"] == ["mlx5.fw_version"]
    text = run("match", *NO_AGE_LIMIT, "--source-device", OLD_VF, MLX5).output.splitlines()
    assert text[2] == (
        f"class:  {document['class']} (the exports' label: without ~mlx5.fw_version, which no rule of the"
        " inventory reads)"
    )
    assert text[3] == f"description digest: {whole} (of the whole description: no export labels it)"
    assert document["class"] == "47F00F8E6F9985E5944D796F5F1EEAE3"  # the id r12 found on the export's labels


def _whole_digest(host: str, ident: str) -> str:
    """The class_id of the whole description of the mlx5 sample's device *ident* on *host*."""
    found = [p for p in load_inventory([MLX5]).providers if (p.host, p.ident) == (host, ident)]
    assert len(found) == 1
    return class_id(found[0].version)


def test_match_prints_one_class_line_when_nothing_is_left_out() -> None:
    source = str(ROOT / "examples" / "gvt-g" / "uuid2")
    document = json.loads(run("match", *NO_AGE_LIMIT, "--format", "json", source, GVT).output)
    assert document["class"] == document["description_digest"] == "F76AF56304F1267B283554AC878DB111"
    assert document["class_ignored"] == []
    text = run("match", *NO_AGE_LIMIT, source, GVT).output
    assert "class:  F76AF56304F1267B283554AC878DB111\n" in text and "description digest" not in text


def test_the_class_is_the_exports_for_every_device_of_the_sample() -> None:
    fleet = load_inventory([MLX5])
    keys = read_keys(fleet.providers)
    for provider in fleet.providers:
        ident, ignored = export_class_id(provider.version, keys)
        assert ident == export_class(provider.version, keys)[0]
        assert ignored == ("mlx5.fw_version",) and ident != class_id(provider.version)


def test_matrix_rows_name_the_exports_class_and_the_description_digest_apart(tmp_path: Path) -> None:
    known, _ = _export_classes(tmp_path)
    document = json.loads(run("matrix", "--format", "json", MLX5).output)
    rows = document["sources"]
    assert {row["class"] for row in rows} == known
    for row in rows:
        assert row["class"] != row["id"] == row["classes"][0]["id"]  # "id" stays the first class's digest
        assert "class" not in document["targets"][0]
    text = run("matrix", MLX5).output
    first = rows[0]
    assert f"  S1 mlx5_vfio_pci stream_version=1.0: class {first['class']}, 2 devices on cx6-old\n" in text
    assert (
        "     (ignoring mlx5.fw_version: no rule of the inventory reads it;"
        f" description digest {first['id']})\n" in text
    )
    assert re.search(r"  T1 mlx5_vfio_pci stream_version=1\.0 device: target class [0-9A-F]{32}, 2 devices", text)
    assert f"class {first['id']}" not in text  # the digest is never shown as a class


# ---- #13: relation words -------------------------------------------------------------------------------


def test_diff_text_leads_with_the_direction_and_json_keeps_the_set_name() -> None:
    old, new = str(SAMPLES / "mlx5" / "old.json"), str(SAMPLES / "mlx5" / "new.json")
    text = run("diff", old, new).output
    assert "  relation: widened: new accepts every source old did, and more (old is a subset of new)\n" in text
    assert "accepts more than old" not in text
    document = json.loads(run("diff", "--format", "json", old, new).output)
    assert {change["relation"] for change in document["changes"]} == {"subset"}


def test_diff_says_narrowed_for_a_superset(tmp_path: Path) -> None:
    rules = {"old": "accept driver=d stream_version=1.0..$ q=..$", "new": "accept driver=d stream_version=1.1..$ q=..$"}
    for name, accept in rules.items():
        device = tmp_path / name
        device.mkdir()
        (device / "migration_version").write_text("mc1 driver=d q=4 stream_version=1.1\n")
        (device / "migration_compatible_devices").write_text(f"mc1\n{accept}\n")
    old, new = str(tmp_path / "old"), str(tmp_path / "new")
    result = run("diff", old, new)
    assert result.exit_code == 1, result.output
    assert (
        "  relation: narrowed: new accepts only sources old did, and not all of them (old is a superset of new)\n"
        in result.stdout
    )
    document = json.loads(run("diff", "--format", "json", old, new).stdout)
    assert [change["relation"] for change in document["changes"]] == ["superset"]


def test_every_relation_has_a_direction_first_and_the_set_name_where_it_differs() -> None:
    assert set(RELATION_NAMES) == set(RELATION_WORDS) == set(Relation)
    for relation, words in RELATION_WORDS.items():
        assert words.startswith(RELATION_NAMES[relation] + ": ")
    assert relation_name("subset") == "widened (subset)"
    assert relation_name("superset") == "narrowed (superset)"
    assert relation_name("equal") == "equal" and relation_name("overlap") == "overlap"
    assert relation_name("not-a-relation") == "not-a-relation"


def test_the_conformance_reports_upgrade_lines_lead_with_the_direction() -> None:
    args = (str(SAMPLES / "mlx5" / "new.json"), "--against", str(SAMPLES / "mlx5" / "old.json"))
    text = run("conformance", *args).output
    assert "  mlx5_vfio_pci pci device 15b3:101e: widened (subset), accepts the old\n" in text
    ktap = run("conformance", "--format", "ktap", *args).output
    assert "# upgrade mlx5_vfio_pci pci device 15b3:101e: widened (subset), accepts the old\n" in ktap
    report = json.loads(run("conformance", "--format", "json", *args).output)
    assert [upgrade["relation"] for upgrade in report["upgrades"]] == ["subset"]


# ---- #14: the heat map's labels --------------------------------------------------------------------------


def test_heat_map_labels_show_the_type_name_first_and_the_whole_label_in_the_tooltip() -> None:
    fleet = load_inventory([GVT, MLX5])
    matrix = build_matrix(fleet.providers)
    page = render_html(matrix)
    svg = page[page.index("<svg") : page.index("</svg>")]
    labels = re.findall(r"<text [^>]*>(?:<title>([^<]*)</title>)?([^<]*)</text>", svg)
    columns = {shown.split(" ")[0]: (title, shown) for title, shown in labels if shown.startswith("T")}
    assert len(columns) == len(matrix.targets)
    for number, target in enumerate(matrix.targets, start=1):
        title, shown = columns[f"T{number}"]
        assert title == f"T{number} {matrix.target_labels[number - 1]}"  # the whole label, driver included
        assert not shown.startswith(f"T{number} {target.driver} ")  # the band's driver is left out of the label
        for name in target.type_names:
            assert shown.startswith(f"T{number} type {name} ")  # what tells the columns apart comes first
    rows = [shown for _, shown in labels if shown.startswith("S")]
    assert rows[0] == "S1 gvt.interface_version=1 aggregate=1"
    assert "<li><b>i915</b>: S1\u2013S4; T1\u2013T12</li>" in page
    assert "<li><b>mlx5_vfio_pci</b>: S5\u2013S6; T13\u2013T14</li>" in page


def test_a_driver_alone_in_its_band_keeps_its_name_on_the_axis() -> None:
    fleet = load_inventory([str(SAMPLES / "mlx5" / "old.json"), str(SAMPLES / "qat")])
    matrix = build_matrix(fleet.providers)
    rows, columns = matrix.short_labels()
    assert rows == ("mlx5_vfio_pci", "stream_version=1.0", "stream_version=1.1")
    assert columns == ("mlx5_vfio_pci device", "device stream_version=1.0", "device stream_version=1.1")
    page = render_html(matrix)
    assert ">S1 mlx5_vfio_pci</text>" in page  # nothing left out: no tooltip needed
    assert "<title>S2 qat_vfio_pci stream_version=1.0</title>S2 stream_version=1.0</text>" in page
