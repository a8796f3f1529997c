"""``migcompat export --enabled-types-file FILE``: each host's enabled types read from a file (review r19, Nova F9).

A fleet whose compute hosts each enable their own mdev types (Nova's
``[devices] enabled_mdev_types``, set per host) needs one ``HOST=TYPE`` per
host; the file holds them as configuration management writes them, with the
same meaning as ``--enabled-type`` and errors that name the file and line.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from migcompat.cli import main
from timebounds import bound

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
        (
            "nvidia-222\nt4-node-16=nvidia-999\n",
            "--enabled-types-file: no device type of host t4-node-16 is named 'nvidia-999' ({f}, line 2)",
        ),
        (
            "\n\nt4-node-99=nvidia-231\n",
            "--enabled-types-file: no host of the inventory is named 't4-node-99' ({f}, line 3)",
        ),
        (
            "nvidia-222 nvidia-99x\n",
            "--enabled-types-file: no device type of the inventory is named 'nvidia-99x' ({f}, line 1)",
        ),
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


def test_an_unreadable_file_has_no_answer_and_an_undecodable_one_is_a_usage_error(tmp_path: Path) -> None:
    missing = _run("placement", str(VGPU), "--enabled-types-file", str(tmp_path / "absent.txt"))
    assert missing.exit_code == 3, missing.output  # as an unreadable --rp-uuids FILE or INVENTORY
    assert "error[input-unreadable]: --enabled-types-file: cannot read" in missing.stderr
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"nvidia-222\nt4-node-16=nvidia-\xe9\n")
    result = _run("placement", str(VGPU), "--enabled-types-file", str(latin))
    assert result.exit_code == 2, result.output
    assert f"--enabled-types-file {latin}, line 2, column 19: not UTF-8 text" in result.stderr
    huge = tmp_path / "huge.txt"
    huge.write_bytes(b"nvidia-222\n" * 100_000)
    too_long = _run("placement", str(VGPU), "--enabled-types-file", str(huge))
    assert too_long.exit_code == 3 and "more than the 1048576 read" in too_long.stderr


def test_two_standard_inputs_are_refused() -> None:
    result = _run("placement", "-", "--enabled-types-file", "-", stdin="")
    assert result.exit_code == 2, result.output
    assert "only one input can be standard input (-), but INVENTORY and --enabled-types-file both are" in result.stderr


def test_each_unknown_name_is_shown_with_where_it_was_given(tmp_path: Path) -> None:
    """Review r20 finding 5: a name typed on the command line was blamed on the file."""
    listed = tmp_path / "e1.txt"
    listed.write_text("nvidia-222\nnvidia-99x\n")
    result = _run("placement", str(VGPU), "--enabled-type", "nvidia-bogus", "--enabled-types-file", str(listed))
    assert result.exit_code == 2, result.output
    assert (
        "migcompat: error: --enabled-type, --enabled-types-file: no device type of the inventory is named"
        f" 'nvidia-99x' ({listed}, line 2), 'nvidia-bogus' (--enabled-type)"
    ) in result.stderr
    hosts = tmp_path / "e2.txt"
    hosts.write_text("t4-node-99=nvidia-222\n")
    result = _run("placement", str(VGPU), "--enabled-type", "nohost=nvidia-222", "--enabled-types-file", str(hosts))
    assert (
        "--enabled-type, --enabled-types-file: no host of the inventory is named 'nohost' (--enabled-type),"
        f" 't4-node-99' ({hosts}, line 1)"
    ) in result.stderr


def test_lines_are_counted_at_line_feeds_and_a_byte_order_mark_is_read_past(tmp_path: Path) -> None:
    """Review r20 finding 6: a form feed or NEL counted as a line; a BOM was part of the first entry."""
    feed = tmp_path / "ff.txt"
    feed.write_bytes(b"nvidia-222 \x0c\nnvidia-230\nt4-node-16=bad\n")
    result = _run("placement", str(VGPU), "--enabled-types-file", str(feed))
    assert f"--enabled-types-file: no device type of host t4-node-16 is named 'bad' ({feed}, line 3)" in result.stderr
    marked = tmp_path / "bom.txt"
    marked.write_bytes(b"\xef\xbb\xbft4-node-16=nvidia-222\r\nt4-node-17=nvidia-230\r\n")
    mapping = tmp_path / "traits.json"
    result = _run("placement", str(VGPU), "--enabled-types-file", str(marked), "--mapping", str(mapping))
    assert result.exit_code == 0, result.output
    assert _types(mapping) == {("t4-node-16", "nvidia-222"), ("t4-node-17", "nvidia-230")}


@pytest.mark.parametrize("text", ["", "\n\n", "# every host's types, rendered by a template that failed\n"])
def test_a_file_with_no_entry_is_refused_rather_than_enabling_every_type(tmp_path: Path, text: str) -> None:
    """Review r20 finding 7: an empty file silently meant every type."""
    listed = tmp_path / "enabled.txt"
    listed.write_text(text)
    for export in ("placement", "kubernetes"):
        result = _run(export, str(VGPU), "--enabled-types-file", str(listed))
        assert result.exit_code == 2, result.output
        assert f"--enabled-types-file {listed}: no [HOST=]TYPE entry" in result.stderr
        assert result.stdout == ""
    with_flag = _run("placement", str(VGPU), "--enabled-type", "nvidia-222", "--enabled-types-file", str(listed))
    assert with_flag.exit_code == 0, with_flag.output  # the flag names the types


def test_a_file_of_the_most_unknown_names_that_fit_is_refused_at_once(tmp_path: Path) -> None:
    """Each unknown name's line was looked up among all entries: 140,000 names (1 MB) took over 5 minutes."""
    listed = tmp_path / "enabled.txt"
    listed.write_text("".join(f"n{number}\n" for number in range(140_000)))
    start = time.process_time()
    result = _run("placement", str(VGPU), "--enabled-types-file", str(listed))
    assert time.process_time() - start < bound(10)  # linear: about half a second
    assert result.exit_code == 2, result.output
    assert f"'n0' ({listed}, line 1), " in result.stderr and " and 139980 more (its types: " in result.stderr
