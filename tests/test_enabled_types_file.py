"""``migcompat export --enabled-types-file FILE``: each host's enabled types read from a file (review r19, Nova F9).

A fleet whose compute hosts each enable their own mdev types (Nova's
``[devices] enabled_mdev_types``, set per host) needs one ``HOST=TYPE`` per
host; the file holds them as configuration management writes them, with the
same meaning as ``--enabled-type`` and errors that name the file and line.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from migcompat.cli import main

ROOT = Path(__file__).resolve().parents[1]
VGPU = ROOT / "conformance" / "samples" / "nvidia-vgpu"  # t4-node-16 (nvidia-222...), t4-node-17 (nvidia-230...)


def _run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, ["export", *args], input=stdin, env={"COLUMNS": "200"})


def _types(mapping: Path) -> set[tuple[str, str]]:
    providers = json.loads(mapping.read_text())["providers"]
    return {(p["host"], p["ident"]) for p in providers if p["kind"] == "type"}


def test_the_file_gives_what_the_flags_give(tmp_path: Path) -> None:
    listed = tmp_path / "enabled.txt"
    listed.write_text(
        "# written by configuration management\nt4-node-16=nvidia-222   # the old host\n\nt4-node-17=nvidia-230,\n"
    )
    from_file, from_flags = tmp_path / "file.json", tmp_path / "flags.json"
    result = _run("placement", str(VGPU), "--enabled-types-file", str(listed), "--mapping", str(from_file))
    assert result.exit_code == 0, result.output
    flags = ("--enabled-type", "t4-node-16=nvidia-222", "--enabled-type", "t4-node-17=nvidia-230")
    assert _run("placement", str(VGPU), *flags, "--mapping", str(from_flags)).exit_code == 0
    assert _types(from_file) == {("t4-node-16", "nvidia-222"), ("t4-node-17", "nvidia-230")}
    assert from_file.read_text() == from_flags.read_text()


def test_the_file_and_the_flags_add_up_and_standard_input_is_a_file(tmp_path: Path) -> None:
    mapping = tmp_path / "labels.json"
    result = _run(
        "kubernetes",
        str(VGPU),
        "--enabled-type",
        "nvidia-222",
        "--enabled-types-file",
        "-",
        "--mapping",
        str(mapping),
        stdin="nvidia-230 t4-node-17=nvidia-230\n",
    )
    assert result.exit_code == 0, result.output
    scoped = _run("placement", str(VGPU), "--enabled-type", "nvidia-222", "--enabled-types-file", "-", stdin="")
    assert scoped.exit_code == 0, scoped.output
    assert {(p["host"], p["ident"]) for p in json.loads(scoped.stdout)["providers"] if p["kind"] == "type"} == {
        ("t4-node-16", "nvidia-222")
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("nvidia-222\nt4-node-16=nvidia-999\n", "--enabled-types-file {f}, line 2: no device type of host t4-node-16"),
        ("\n\nt4-node-99=nvidia-231\n", "--enabled-types-file {f}, line 3: no host of the inventory is named"),
        ("nvidia-222 nvidia-99x\n", "--enabled-types-file {f}, line 1: no device type of the inventory is named"),
        ("nvidia-222\n=nvidia-230\n", "--enabled-types-file {f}, line 2: '=nvidia-230' is not an entry TYPE or"),
        ("t4-node-16=\n", "--enabled-types-file {f}, line 1: 't4-node-16=' is not an entry"),
        ("a=b=c\n", "--enabled-types-file {f}, line 1: 'a=b=c' is not an entry"),
        ("nvidia-222\x07\n", "--enabled-types-file {f}, line 1: 'nvidia-222\\x07' is not an entry"),
    ],
)
def test_a_bad_entry_is_a_usage_error_naming_the_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    listed = tmp_path / "enabled.txt"
    listed.write_text(text)
    result = _run("placement", str(VGPU), "--enabled-types-file", str(listed))
    assert result.exit_code == 2, result.output
    assert message.format(f=listed) in result.stderr
    assert result.stdout == ""


def test_a_flag_that_names_no_type_is_still_named_as_the_flag(tmp_path: Path) -> None:
    listed = tmp_path / "enabled.txt"
    listed.write_text("nvidia-222\n")
    result = _run("placement", str(VGPU), "--enabled-types-file", str(listed), "--enabled-type", "nvidia-99x")
    assert result.exit_code == 2, result.output
    assert "migcompat: error: --enabled-type: no device type of the inventory is named 'nvidia-99x'" in result.stderr


def test_an_unreadable_or_undecodable_file_is_a_usage_error(tmp_path: Path) -> None:
    missing = _run("placement", str(VGPU), "--enabled-types-file", str(tmp_path / "absent.txt"))
    assert missing.exit_code == 2, missing.output
    assert "error[input-unreadable]: --enabled-types-file: cannot read" in missing.stderr
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"nvidia-222\nt4-node-16=nvidia-\xe9\n")
    result = _run("placement", str(VGPU), "--enabled-types-file", str(latin))
    assert result.exit_code == 2, result.output
    assert f"--enabled-types-file {latin}, line 2, column 19: not UTF-8 text" in result.stderr
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"nvidia-222\n" * 100_000)
    too_long = _run("placement", str(VGPU), "--enabled-types-file", str(huge))
    assert too_long.exit_code == 2 and "more than the 1048576 read" in too_long.stderr


def test_two_standard_inputs_are_refused() -> None:
    result = _run("placement", "-", "--enabled-types-file", "-", stdin="")
    assert result.exit_code == 2, result.output
    assert "only one input can be standard input (-), but INVENTORY and --enabled-types-file both are" in result.stderr
