"""Captures: schema'd, versioned, and lossless when read back."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sample_fleet import gvt_host, mlx5_host, to_host_data, write_tree

from migcompat.capture import CaptureError, capture, dumps, from_json, load, loads, to_json
from migcompat.cli import main
from migcompat.resources import data_path
from migcompat.sysfs.model import Attr, Finding, HostData, Placement

jsonschema = pytest.importorskip("jsonschema")
SCHEMA = json.loads(data_path("capture.schema.json").read_text())


def _validate(document: object) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(document)


def test_capture_of_a_tree_round_trips(tmp_path: Path) -> None:
    write_tree(gvt_host("gvt", 3), str(tmp_path / "sys"))
    host = capture(str(tmp_path / "sys"), host="gvt")
    assert host.source == "tree" and not host.modes_authoritative
    assert host.host == "gvt" and host.time.endswith("Z") and host.tool.startswith("migcompat ")
    assert host.kernel == ""  # a tree is not this machine's /sys: its kernel is not known
    assert capture(str(tmp_path / "sys"), host="gvt", kernel="6.8.0").kernel == "6.8.0"
    text = dumps(host)
    _validate(json.loads(text))
    again = loads(text, origin=host.origin)
    assert again == host
    assert dumps(again) == text


def test_every_kind_of_content_round_trips() -> None:
    host = to_host_data(mlx5_host("m", "1.1"))
    first = host.placements[0]
    odd = dataclasses.replace(
        first,
        attributes={
            "migration_version": Attr(b"mc1 \xff\x00 binary\n", b"mc1 other\n", 0o644),
            "migration_compatible_devices": Attr(None, None, 0o444, "unreadable"),
        },
    )
    host = dataclasses.replace(
        host,
        placements=(odd, *host.placements[1:]),
        findings=(Finding("link-loop", "bus/mdev/devices/x", "a loop", True),),
    )
    document = to_json(host)
    _validate(document)
    assert "base64" in document["placements"][0]["attributes"]["migration_version"]  # type: ignore[index]
    assert from_json(json.loads(json.dumps(document))) == host


@pytest.mark.parametrize(
    ("document", "pointer"),
    [
        ({"format": "x"}, "/format"),
        ({"format": "migcompat-capture", "version": 2}, "/version"),
        (
            {
                "format": "migcompat-capture",
                "version": 1,
                "source": "tree",
                "modes_authoritative": True,
                **dict.fromkeys(("host", "kernel", "time", "tool", "root"), "x"),
                "placements": [{"kind": "gpu"}],
            },
            "/placements/0/kind",
        ),
    ],
)
def test_bad_captures_are_rejected_with_a_pointer(document: object, pointer: str) -> None:
    with pytest.raises(CaptureError) as info:
        from_json(document)
    assert info.value.pointer == pointer


@pytest.mark.parametrize(
    ("attribute", "pointer", "message"),
    [
        ({"text": "mc1 a=b\n", "base64": "AAAA"}, "", "not text and base64"),
        ({"text": "mc1 a=b\n", "error": "unreadable"}, "", "not text and error"),
        ({"text": "mc1 a=b\n", "txet": "x"}, "/txet", "unknown member 'txet'"),
        ({"text": "mc1 a=b\n", "mode": "4"}, "/mode", "mode must be"),
    ],
)
def test_an_attribute_the_schema_refuses_is_refused(attribute: dict[str, str], pointer: str, message: str) -> None:
    """The capture schema's attribute is oneOf text, base64, error, and nothing else: a capture with both a text and
    a base64 was read as its text, which another reader of the same file could read as its base64."""
    document = json.loads(dumps(capture_of_one()))
    document["placements"][0]["attributes"]["migration_version"] = attribute
    with pytest.raises(jsonschema.ValidationError):
        _validate(document)
    with pytest.raises(CaptureError) as info:
        from_json(document)
    where = "/placements/0/attributes/migration_version"
    assert info.value.pointer == where + pointer and message in info.value.message


def capture_of_one() -> HostData:
    placement = Placement("pci", "0000:01:00.1", "bus/pci/devices/0000:01:00.1", {"migration_version": Attr(b"a")})
    return HostData("h", "6.8", "2025-01-01T00:00:00Z", "test", "/sys", "capture", False, (placement,), ())


def test_not_json_and_unreadable(tmp_path: Path) -> None:
    with pytest.raises(CaptureError):
        loads("{")
    with pytest.raises(CaptureError):
        load(str(tmp_path / "missing.json"))
    with pytest.raises(CaptureError):
        capture(str(tmp_path / "missing"))


def test_cli_capture_writes_a_file(tmp_path: Path) -> None:
    write_tree(gvt_host("gvt", 3), str(tmp_path / "sys"))
    out = tmp_path / "host.json"
    result = CliRunner().invoke(main, ["capture", "--sysfs", str(tmp_path / "sys"), "--host", "n7", "-o", str(out)])
    assert result.exit_code == 0, result.output
    host = load(str(out))
    assert host.host == "n7" and len(host.placements) == 6
    result = CliRunner().invoke(main, ["capture", "--sysfs", str(tmp_path / "sys")])
    assert result.exit_code == 0 and json.loads(result.stdout)["format"] == "migcompat-capture"


def test_cli_capture_of_a_missing_root(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["capture", "--sysfs", str(tmp_path / "nope")])
    assert result.exit_code == 3


def test_device_placements_carry_the_vfio_device_directory(tmp_path: Path) -> None:
    write_tree(mlx5_host("m", "1.1"), str(tmp_path / "sys"))
    document = json.loads(dumps(capture(str(tmp_path / "sys"))))
    _validate(document)
    paths = {p["ident"]: p["path"] for p in document["placements"]}
    assert paths == {
        "0000:3b:00.1": "bus/pci/devices/0000:3b:00.1/vfio-dev/vfio0",
        "0000:3b:00.2": "bus/pci/devices/0000:3b:00.2/vfio-dev/vfio1",
    }


def test_the_placement_findings_validate_and_round_trip(tmp_path: Path) -> None:
    host = mlx5_host("m", "1.1")
    host.legacy_placement = True
    write_tree(host, str(tmp_path / "sys"))
    vf = tmp_path / "sys/bus/pci/devices/0000:3b:00.2"
    (vf / "vfio-dev/vfio9").mkdir()
    captured = capture(str(tmp_path / "sys"))
    assert {f.code for f in captured.findings} == {"legacy-placement", "several-vfio-devices"}
    text = dumps(captured)
    _validate(json.loads(text))
    assert loads(text, origin=captured.origin) == captured


def test_a_capture_written_for_spec_1_0_still_loads() -> None:
    """Captures keep format version 1: one taken before spec 1.1 names its devices' bus directories."""
    path = Path(__file__).parent / "data" / "capture-spec-1.0-mtty.json"
    _validate(json.loads(path.read_text()))
    host = load(str(path))
    (mdev,) = [p for p in host.placements if p.kind == "mdev"]
    assert mdev.path == "bus/mdev/devices/83b8f4f2-509f-382f-3c1e-e6bfe0fa1001" and mdev.legacy
    assert mdev.device_path == mdev.path and mdev.vfio_device is None
    assert set(mdev.attributes) == {"migration_version", "migration_compatible_devices"}


def test_the_schema_lists_every_finding_code_the_reader_writes() -> None:
    from migcompat.sysfs.model import FINDING_CODES

    listed = SCHEMA["$defs"]["finding"]["properties"]["code"]["enum"]
    assert listed == sorted(FINDING_CODES)
