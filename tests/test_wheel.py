"""The built wheel carries the grammar and schema it loads, and works outside the source tree."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import json, sys
import migcompat
from migcompat.resources import data_path
assert "site-packages" in migcompat.__file__, migcompat.__file__
assert "site-packages" in str(data_path("migcompat.lark")), data_path("migcompat.lark")
model = migcompat.parse_version("mc1 device_api=vfio-pci driver=mtty type=mtty-2\\n")
assert migcompat.emit(model) == "mc1 device_api=vfio-pci driver=mtty type=mtty-2\\n"
try:
    migcompat.parse_version("mc1 a=007\\n")
except migcompat.ParseError as error:
    assert error.code == "leading-zero", error.code
else:
    raise SystemExit("an invalid string parsed")
schema = json.loads(data_path("data-model.schema.json").read_text())
assert schema["$id"].endswith("1.0"), schema["$id"]
print("wheel ok")
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("migcompat-*.whl")
    return built


@pytest.mark.slow
def test_wheel_contains_the_normative_files(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "migcompat/_data/migcompat.lark" in names
    assert "migcompat/_data/data-model.schema.json" in names
    assert "migcompat/py.typed" in names
    assert "migcompat/_data/samples/gvt-g/sample.json" in names
    assert "migcompat/_data/samples/gvt-g/new.json" in names  # the conformance samples, as captures
    cases = {f"migcompat/_data/cases/{path.name}" for path in (ROOT / "conformance" / "cases").glob("*.json")}
    assert cases <= set(names), "every case file ships with the package"
    assert not [name for name in names if "generate" in name]  # the maintainer's generator stays out
    packaged = zipfile.ZipFile(wheel).read("migcompat/_data/migcompat.lark").decode()
    assert packaged == (ROOT / "grammar" / "migcompat.lark").read_text()


@pytest.mark.slow
def test_wheel_parses_in_a_fresh_venv_outside_the_tree(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    result = subprocess.run([str(python), "-c", SCRIPT], cwd=work, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "wheel ok" in result.stdout
