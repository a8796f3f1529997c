"""An operator over SSH in unfriendly terminals (review r18): what the command shows and writes there."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sample_fleet import gvt_host, write_tree

from migcompat.capture import capture, dumps
from migcompat.cli import main
from migcompat.cli.exitcodes import ExitCode
from migcompat.cli.output import color_enabled


def test_a_repeated_sample_is_a_usage_error_not_a_silent_choice() -> None:
    result = CliRunner().invoke(main, ["conformance", "--sample", "broken-parse", "--sample", "gvt-g"])
    assert result.exit_code == ExitCode.USAGE
    assert "--sample runs one bundled sample; run the command once for each (broken-parse, gvt-g)" in result.output


@pytest.mark.parametrize(("term", "colour"), [("dumb", False), ("xterm-256color", True)])
def test_a_dumb_terminal_gets_no_escape_codes(monkeypatch: pytest.MonkeyPatch, term: str, colour: bool) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", term)
    read, write = os.openpty()
    try:
        with open(write, "w", closefd=False) as terminal:
            monkeypatch.setattr("sys.stdout", terminal)
            assert color_enabled() is colour
    finally:
        os.close(read)
        os.close(write)


@pytest.mark.parametrize(
    ("force", "no_color", "colour"), [("1", "", True), ("0", "", False), ("1", "1", False), ("", "", False)]
)
def test_force_color_styles_output_that_is_not_a_terminal(
    monkeypatch: pytest.MonkeyPatch, force: str, no_color: str, colour: bool
) -> None:
    monkeypatch.setenv("FORCE_COLOR", force)
    monkeypatch.setenv("NO_COLOR", no_color)
    monkeypatch.setenv("TERM", "xterm-256color")
    result = CliRunner().invoke(main, ["conformance", "--sample", "broken-parse", "--no-progress"])
    assert result.exit_code == ExitCode.NEGATIVE
    assert ("\x1b[" in result.stdout) is colour


def test_cases_copy_shows_a_destination_with_control_characters_escaped(tmp_path: Path) -> None:
    destination = tmp_path / "ev\x1b[2J\x1b[31mRED\x1b[0m\nPASS"
    result = CliRunner().invoke(main, ["cases", "copy", str(destination)])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "ev\\x1b[2J\\x1b[31mRED\\x1b[0m\\nPASS" in result.output


def test_a_capture_of_a_tree_under_a_non_utf8_name_is_valid_json_text(tmp_path: Path) -> None:
    root = os.fsdecode(os.fsencode(str(tmp_path)) + b"/bad\xffname/sys")
    write_tree(gvt_host("gvt", 2), root)
    text = dumps(capture(root, host="h"))
    assert "\\ud" not in text
    assert json.loads(text)["root"].encode("utf-8").endswith(b"/bad\\xffname/sys")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")
def test_a_full_standard_error_does_not_change_the_answer(tmp_path: Path) -> None:
    """``2>>log`` on a full file system drops the messages, as a closed standard error does; the status stays."""
    import subprocess
    import sys

    tree = tmp_path / "sys"
    write_tree(gvt_host("gvt", 2), str(tree))
    output = tmp_path / "capture.json"
    command = [sys.executable, "-m", "migcompat", "capture", "--sysfs", str(tree), "--host", "h", "-o", str(output)]
    with open("/dev/full", "w") as full:
        done = subprocess.run(command, stderr=full, timeout=120)
    assert done.returncode == ExitCode.SUCCESS
    assert json.loads(output.read_text())["host"] == "h"
    with open("/dev/full", "w") as full:
        refused = subprocess.run(
            [sys.executable, "-m", "migcompat", "parse", str(tmp_path / "absent")], stderr=full, timeout=120
        )
    assert refused.returncode == ExitCode.UNDECIDED


def test_a_host_name_of_bytes_that_are_not_utf8_says_so() -> None:
    from migcompat.capture import check_host_name

    with pytest.raises(ValueError, match=r"the host name 'h\\xff' is not UTF-8 text"):
        check_host_name(os.fsdecode(b"h\xff"))
    with pytest.raises(ValueError, match="holds a space or a control character"):
        check_host_name("h x")
    assert check_host_name("t4-\u65e5\u672c") == "t4-\u65e5\u672c"


def test_an_output_path_is_escaped_once_not_twice(tmp_path: Path) -> None:
    hostile = tmp_path / "ev\x1b[2J\nPASS"
    shown = str(hostile).replace("\x1b", "\\x1b").replace("\n", "\\n")
    samples = Path(__file__).resolve().parents[1] / "conformance" / "samples" / "mlx5"
    exported = CliRunner().invoke(main, ["export", "kubernetes", str(samples), "-o", str(hostile / "lab")])
    assert exported.exit_code == 0, exported.output
    assert f"the mapping went to {shown}/lab/mapping.migcompat" in exported.stderr
    tree = tmp_path / "sys"
    write_tree(gvt_host("gvt", 2), str(tree))
    (hostile / "file").write_text("")
    unwritable = CliRunner().invoke(
        main, ["capture", "--sysfs", str(tree), "--host", "h", "-o", str(hostile / "file" / "out")]
    )
    assert unwritable.exit_code == ExitCode.UNDECIDED
    assert f"cannot write {shown}/file/out: Not a directory" in unwritable.stderr
    for result in (exported, unwritable):
        assert "\\\\x1b" not in result.output and "\x1b" not in result.output


def _helps(columns: int, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Every command's --help as a terminal of *columns* columns shows it (CliRunner forces 80 columns)."""
    import click

    monkeypatch.setenv("COLUMNS", str(columns))
    top = click.Context(main, info_name="migcompat", **main.context_settings)
    helps = {"": main.get_help(top)}
    for name in main.list_commands(top):
        command = main.get_command(top, name)
        assert command is not None
        context = click.Context(command, info_name=name, parent=top)
        helps[name] = command.get_help(context)
        if isinstance(command, click.Group):
            for sub in command.list_commands(context):
                child = command.get_command(context, sub)
                assert child is not None
                helps[f"{name} {sub}"] = child.get_help(click.Context(child, info_name=sub, parent=context))
    return helps


@pytest.mark.parametrize("columns", [80, 100, 160])
def test_help_fits_the_terminal_but_for_example_commands(columns: int, monkeypatch: pytest.MonkeyPatch) -> None:
    helps = _helps(columns, monkeypatch)
    assert len(helps) >= 15
    for name, text in helps.items():
        wide = [line for line in text.splitlines() if len(line) > min(columns, 100)]
        # An example shell line (indented in its block) is shown whole, as it must be typed; nothing else is wider.
        assert all(line.startswith("    ") and line.lstrip().startswith(("migcompat ", "ssh ")) for line in wide), (
            name,
            wide,
        )
    assert "\n  gvt-g " in helps["conformance"] and "interface 1," in helps["conformance"]
