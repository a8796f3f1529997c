"""``migcompat export``: the two exports take the same flags for the same things (review r2, finding 17).

* ``export kubernetes --mapping FILE`` writes the mapping wherever the objects
  go (standard output or ``-o DIR``); without it and without ``-o DIR`` no
  mapping is written, and standard error says so and how to get one; with
  one, it says where the mapping went;
* ``export placement -o FILE`` is ``--mapping FILE``; both given is a usage error;
* the ``--mapping`` help of every export subcommand calls it the mapping document.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from migcompat.cli import main

ROOT = Path(__file__).resolve().parents[1]
VGPU = str(ROOT / "conformance" / "samples" / "nvidia-vgpu")
ENABLED = ("--enabled-type", "nvidia-222", "--enabled-type", "nvidia-230")
SOURCE = str(
    ROOT
    / "conformance/sample-trees/nvidia-vgpu/old/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0"
    / "c2b5a1b0-7f3e-4d1a-9a51-3f4c0e7d2a10/vfio-dev/vfio0"
)


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, ["export", *args], env={"COLUMNS": "200"})


def _no_crash(result: Result) -> None:
    assert "Traceback" not in result.output
    assert "internal error" not in result.output


def _query(mapping: Path) -> Result:
    return _run("kubernetes-query", "--mapping", str(mapping), SOURCE)


# ---- export kubernetes --mapping -------------------------------------------------------------------------


def test_kubernetes_to_standard_output_writes_the_mapping_to_mapping_file(tmp_path: Path) -> None:
    mapping = tmp_path / "labels.json"
    result = _run("kubernetes", VGPU, "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["kind"] == "List"  # the objects still go to standard output
    assert json.loads(mapping.read_text())["format"] == "migcompat-kubernetes-labels"
    assert f"migcompat: note: the mapping went to {mapping}\n" in result.stderr
    query = _query(mapping)
    assert query.exit_code == 0, query.output
    assert "nodeAffinity" in query.stdout


def test_kubernetes_without_a_mapping_says_none_was_written_and_how_to_get_one() -> None:
    result = _run("kubernetes", VGPU)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["kind"] == "List"
    assert "no mapping was written" in result.stderr
    assert "--mapping FILE" in result.stderr and "-o DIR" in result.stderr


def test_kubernetes_to_a_directory_says_where_the_mapping_went(tmp_path: Path) -> None:
    out = tmp_path / "labels"
    result = _run("kubernetes", VGPU, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == "2 source classes, 2 nodes, 5 labels\n"
    assert f"migcompat: note: the mapping went to {out / 'mapping.migcompat'}\n" in result.stderr
    assert (out / "mapping.migcompat").is_file()


def test_kubernetes_mapping_file_replaces_the_directory_s_mapping_json(tmp_path: Path) -> None:
    out, mapping = tmp_path / "labels", tmp_path / "elsewhere.json"
    result = _run("kubernetes", VGPU, "-o", str(out), "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["nodefeature-t4-node-16.json", "nodefeature-t4-node-17.json"]
    assert _query(mapping).exit_code == 0


def test_kubernetes_mapping_to_standard_output_with_a_directory(tmp_path: Path) -> None:
    out = tmp_path / "labels"
    result = _run("kubernetes", VGPU, "-o", str(out), "--mapping", "-")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["format"] == "migcompat-kubernetes-labels"  # only the mapping on stdout
    assert "2 source classes, 2 nodes, 5 labels\n" in result.stderr
    assert "the mapping went to standard output" in result.stderr
    assert not (out / "mapping.migcompat").exists()


@pytest.mark.parametrize("output", [(), ("-o", "-")], ids=["no-o", "o-dash"])
def test_kubernetes_mapping_to_standard_output_beside_the_objects_is_a_usage_error(output: tuple[str, ...]) -> None:
    result = _run("kubernetes", VGPU, *output, "--mapping", "-")
    _no_crash(result)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "--mapping -: standard output carries the NodeFeature objects" in result.stderr


def test_kubernetes_mapping_that_cannot_be_written_leaves_standard_output_empty(tmp_path: Path) -> None:
    result = _run("kubernetes", VGPU, "--mapping", str(tmp_path / "missing" / "labels.json"))
    _no_crash(result)
    assert result.exit_code == 3, result.output
    assert result.stdout == ""  # the objects are not printed without their mapping
    assert "error[output-unwritable]" in result.stderr


# ---- export placement -o ---------------------------------------------------------------------------------


@pytest.mark.parametrize("flag", ["-o", "--output"])
def test_placement_output_is_the_mapping(tmp_path: Path, flag: str) -> None:
    mapping = tmp_path / "traits.json"
    result = _run("placement", VGPU, *ENABLED, flag, str(mapping))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "2 source classes, 4 traits (a push makes 2), 4 providers (2 mapped to a resource provider)\n"
    )
    assert json.loads(mapping.read_text())["format"] == "migcompat-placement-traits"
    query = _run("placement-query", "--mapping", str(mapping), SOURCE)
    assert query.exit_code == 0, query.output


def test_placement_output_dash_is_standard_output() -> None:
    result = _run("placement", VGPU, *ENABLED, "-o", "-")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["format"] == "migcompat-placement-traits"


def test_placement_output_and_mapping_together_are_a_usage_error(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    result = _run("placement", VGPU, *ENABLED, "-o", str(first), "--mapping", str(second))
    _no_crash(result)
    assert result.exit_code == 2, result.output
    assert "give one of them, not both" in result.stderr
    assert not first.exists() and not second.exists()


# ---- the help says the same words for the same things ------------------------------------------------


@pytest.mark.parametrize("command", ["kubernetes", "placement-query", "kubernetes-query"])  # placement's did
def test_every_export_help_calls_mapping_the_mapping_document(command: str) -> None:
    result = _run(command, "--help")
    assert result.exit_code == 0, result.output
    options = result.stdout.split("\nOptions:\n", 1)[1].splitlines()
    line = next(line for line in options if line.lstrip().startswith("--mapping FILE"))
    assert "mapping document" in line
    assert "MAPPING is" not in result.stdout and "which MAPPING" not in result.stdout  # no metavar the usage lacks


def test_placement_takes_o_as_kubernetes_does() -> None:
    result = _run("placement", "--help")
    assert "-o, --output FILE" in result.stdout


def test_placement_query_format_json_says_it_holds_the_matching_providers() -> None:
    result = _run("placement-query", "--help")
    assert "the matching resource providers" in " ".join(result.stdout.split())
