"""A check that applies but was not run says so: status ``not-run``, a count of what it skipped, a note why.

An outside driver vendor read ``n/a`` ("nothing was there to check") for two
checks that had objects but did not examine them: MC-E5-MODE on a copy of a
tree, whose files have the copy's modes, and MC-E6-SELF on the devices whose
MC-E7-SELFREF failed. Both now count those objects as *skipped*, with a note
of the check saying why, in every report format; ``n/a`` stays for a check
with nothing there to check.
"""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from migcompat.capture import capture
from migcompat.conformance import Report, run
from migcompat.conformance.report_junit import junit_xml
from migcompat.conformance.report_ktap import render as render_ktap
from migcompat.conformance.report_text import write_text_report

ROOT = Path(__file__).resolve().parent.parent
TREES = ROOT / "conformance" / "sample-trees"
SCHEMA = json.loads((ROOT / "spec" / "schema" / "conformance-report.schema.json").read_text())
VFS = (
    "devices/pci0000:3a/0000:3a:00.0/0000:3b:00.1/vfio-dev/vfio0",
    "devices/pci0000:3a/0000:3a:00.0/0000:3b:00.2/vfio-dev/vfio1",
)


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "host"
    shutil.copytree(TREES / "mlx5" / "new", tree, symlinks=True)
    return tree


def _check(report: Report, ident: str) -> dict[str, object]:
    document = report.to_json()
    jsonschema.validate(document, SCHEMA)
    (entry,) = (c for c in document["checks"] if c["id"] == ident)  # type: ignore[union-attr]
    return entry  # type: ignore[no-any-return]


def _text(report: Report) -> str:
    out = io.StringIO()
    write_text_report(report, out, color=False)
    return out.getvalue()


def _junit_skipped(report: Report, ident: str) -> list[str]:
    root = ET.fromstring(junit_xml(report))
    return [
        skipped.get("message", "")
        for case in root.iter("testcase")
        if case.get("classname") == ident
        for skipped in case.iter("skipped")
    ]


def test_modes_of_a_copied_tree_are_skipped_not_absent(tmp_path: Path) -> None:
    report = run([capture(str(_tree(tmp_path)))])
    entry = _check(report, "MC-E5-MODE")
    assert entry["status"] == "not-run"
    assert (entry["checked"], entry["skipped"]) == (0, 4)  # two VFs, two attributes each
    (note,) = [n for n in report.notes if n.check == "MC-E5-MODE"]
    assert note.path == "" and "modes not checked" in note.message
    assert note.where == str(tmp_path / "host")  # a host with no name: named by its input
    text = _text(report)
    assert any(line.split()[:2] == ["MC-E5-MODE", "skip"] for line in text.splitlines())
    assert f"NOTE MC-E5-MODE  {tmp_path / 'host'}\n" in text
    ktap = render_ktap(report)
    assert "MC-E5-MODE # SKIP not run: 4 objects skipped (see the notes)" in ktap
    assert "MC-E5-MODE # SKIP not applicable" not in ktap
    assert _junit_skipped(report, "MC-E5-MODE") == ["not run: 4 objects skipped (see the notes)"]


def test_one_mode_note_per_host_each_named(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    hosts = [dataclasses.replace(capture(str(tree)), host=name) for name in ("a", "b")]
    report = run(hosts)
    assert sorted(n.where for n in report.notes if n.check == "MC-E5-MODE") == ["a", "b"]
    assert _check(report, "MC-E5-MODE")["skipped"] == 8


def test_modes_a_capture_of_sys_records_are_checked(tmp_path: Path) -> None:
    host = dataclasses.replace(capture(str(_tree(tmp_path))), modes_authoritative=True)
    placements = tuple(
        dataclasses.replace(
            p, attributes={name: dataclasses.replace(a, mode=0o444) for name, a in p.attributes.items()}
        )
        for p in host.placements
    )
    report = run([dataclasses.replace(host, placements=placements)])
    entry = _check(report, "MC-E5-MODE")
    assert (entry["status"], entry["checked"], entry["skipped"]) == ("passed", 4, 0)
    assert not [n for n in report.notes if n.check == "MC-E5-MODE"]


def test_e6_not_run_where_e7_failed_is_skipped_with_a_note_per_device(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    for vf in VFS:
        rules = tree / vf / "migration_compatible_devices"
        rules.write_text(rules.read_text().replace("mlx5.max_macs=4 ", "mlx5.max_macs=$1 "))
    report = run([capture(str(tree))])
    assert _check(report, "MC-E7-SELFREF")["status"] == "failed"
    entry = _check(report, "MC-E6-SELF")
    assert (entry["status"], entry["checked"], entry["skipped"]) == ("not-run", 0, 2)
    notes = sorted(n.where for n in report.notes if n.check == "MC-E6-SELF")
    assert len(notes) == 2 and all(where.startswith(f"{tmp_path / 'host'}:bus/pci/devices/") for where in notes)
    assert "MC-E6-SELF # SKIP not run: 2 objects skipped" in render_ktap(report)


def test_e6_where_e7_failed_on_one_device_counts_both(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    rules = tree / VFS[0] / "migration_compatible_devices"
    rules.write_text(rules.read_text().replace("mlx5.max_macs=4 ", "mlx5.max_macs=$1 "))
    entry = _check(run([capture(str(tree))]), "MC-E6-SELF")
    assert (entry["status"], entry["checked"], entry["skipped"]) == ("passed", 1, 1)


@pytest.mark.parametrize("ident", ["MC-E8-TEMPLATE", "MC-S3-TYPE-RULES"])
def test_a_check_with_nothing_to_check_stays_not_applicable(tmp_path: Path, ident: str) -> None:
    report = run([capture(str(_tree(tmp_path)))])  # no mdev, no device type
    entry = _check(report, ident)
    assert (entry["status"], entry["checked"], entry["skipped"]) == ("not-applicable", 0, 0)
    assert f"{ident} # SKIP not applicable: nothing to check" in render_ktap(report)
