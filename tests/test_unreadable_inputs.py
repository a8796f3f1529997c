"""An input that exists but cannot be read is exit status 3 with an error code, never a usage error (status 2).

Click's own path checks made every command answer an unreadable file with
``Error: Invalid value ... is not readable`` and status 2, before the command
could say which input failed (an adversarial review, run as an unprivileged
user; as root every file is readable, so these tests drop root's capabilities
to read anything).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from unprivileged import unprivileged

ROOT = Path(__file__).resolve().parents[1]
CAPTURE = ROOT / "conformance" / "samples" / "gvt-g" / "old.json"
VERSION = "mc1 device_api=vfio-pci driver=mtty\n"
RULES = "mc1\naccept device_api=vfio-pci driver=mtty\n"


@pytest.fixture
def files(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "ok").write_text(VERSION)
    (tmp_path / "unread").write_text(VERSION)
    (tmp_path / "unread.json").write_bytes(CAPTURE.read_bytes())
    (tmp_path / "closed").mkdir()
    for name in ("unread", "unread.json", "closed"):
        (tmp_path / name).chmod(0)
    yield tmp_path
    (tmp_path / "closed").chmod(0o755)


def _run(files: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    command = unprivileged([sys.executable, "-m", "migcompat", *args])
    return subprocess.run(command, cwd=files, capture_output=True, text=True, env=env, timeout=60, check=False)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("check", "unread", "ok"), "input-unreadable"),
        (("parse", "unread"), "input-unreadable"),
        (("lint", "unread"), "input-unreadable"),
        (("lint", "closed"), "input-unreadable"),
        (("emit", "unread"), "input-unreadable"),
        (("relate", "unread", "ok"), "input-unreadable"),
        (("diff", "unread.json", str(CAPTURE)), "input-unreadable"),
        (("conformance", "unread.json"), "capture-unreadable"),
        (("matrix", "unread.json"), "capture-unreadable"),
        (("match", "ok", "unread.json"), "capture-unreadable"),
        (("export", "placement", "unread.json"), "capture-unreadable"),
        (("capture", "--sysfs", "closed", "-o", "-"), "capture-unreadable"),
        (("cases", "run", "--cases", "closed", "--parser", "true"), "case-invalid"),
    ],
    ids=lambda value: value if isinstance(value, str) else " ".join(value[:2]),
)
def test_an_unreadable_input_is_status_3_with_its_code(files: Path, args: tuple[str, ...], code: str) -> None:
    result = _run(files, *args)
    assert result.returncode == 3, (result.returncode, result.stderr)
    assert f"error[{code}]" in result.stderr and "Permission denied" in result.stderr, result.stderr
    assert "Usage:" not in result.stderr and "Traceback" not in result.stderr


def test_json_output_still_answers_for_the_readable_inputs(files: Path) -> None:
    result = _run(files, "parse", "--format", "json", "ok", "unread")
    assert result.returncode == 3, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["path"] for record in records] == ["ok", "unread"]
    assert "model" in records[0] and records[1]["error"]["code"] == "input-unreadable"


def _device(root: Path, *vfio: str) -> Path:
    """A device directory whose attributes are in vfio-dev/NAME, one copy for each NAME."""
    for name in vfio:
        (root / "vfio-dev" / name).mkdir(parents=True)
        (root / "vfio-dev" / name / "migration_version").write_text(VERSION)
        (root / "vfio-dev" / name / "migration_compatible_devices").write_text(RULES)
    return root


def test_a_device_whose_vfio_dev_cannot_be_read_says_so(tmp_path: Path) -> None:
    device = _device(tmp_path / "device", "vfio0")
    (device / "vfio-dev").chmod(0)
    try:
        result = _run(tmp_path, "check", "device", "device")
    finally:
        (device / "vfio-dev").chmod(0o755)
    assert result.returncode == 3
    assert "error[input-unreadable]: cannot read device/vfio-dev (source): Permission denied" in result.stderr


def test_a_device_with_two_vfio_devices_names_them_rather_than_a_missing_attribute(tmp_path: Path) -> None:
    _device(tmp_path / "device", "vfio0", "vfio9")
    result = _run(tmp_path, "lint", "device")
    assert result.returncode == 3
    assert "cannot read device/vfio-dev: it holds 2 vfio devices (vfio0, vfio9), where the kernel makes one" in (
        result.stderr
    )
    assert "has neither" not in result.stderr
    _device(tmp_path / "one", "vfio0")
    assert _run(tmp_path, "check", "one", "one").returncode == 0
