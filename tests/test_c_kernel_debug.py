"""The kernel helper says why it refused a text (vendor review r19, M-4).

The errno stays the answer (-EINVAL, -E2BIG, -EOVERFLOW, as before); beside
it, the helper's pr_debug() names the line, the item and its key, and the
fault. In the kernel pr_debug() is compiled out unless the driver's file is
built with DEBUG or dynamic debug turns it on; the user-space stand-in of
<linux/printk.h> does the same, printing to standard error with -DDEBUG.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from test_c_kernel import build_driver

FOO = "t:" + b"foo".hex()

# (records, the helper's answer, the message)
FAULTS = [
    (
        ["version", f"field driver = {FOO}", "field stream_version = v:1"],
        "err -22",
        "migcompat_emit: line 1 (migration_version), item 2 (stream_version): a version has 2 to 8 components"
        " (clause 5.3.3) (-22)",
    ),
    (
        ["version", f"field driver = {FOO}", f"field driver = {FOO}"],
        "err -22",
        "migcompat_emit: line 1 (migration_version), item 2 (driver): a key given twice on the line (-22)",
    ),
    (
        ["version", f"field Driver = {FOO}"],
        "err -22",
        "migcompat_emit: line 1 (migration_version), item 1: not a key: one or two lower-case names joined by a"
        " dot, at most 63 bytes (clause 5.2) (-22)",
    ),
    (
        ["version", f"field driver = {FOO}", "param aggregate = i:1", "field driver = t:78"],
        "err -22",
        "migcompat_emit: line 2 (param), item 2 (driver): a key of the header line (clause 5.5) (-22)",
    ),
    (
        ["compatible", "default a.b r:1/0"],
        "err -22",
        "migcompat_emit: line 2 (default), item 1 (a.b): a ratio's denominator is 0 (-22)",
    ),
    (
        ["compatible", "rule", f"eq driver {FOO}", "rule", "eq stream_version v:1.2..v:1.0"],
        "err -22",
        "migcompat_emit: line 3 (accept), item 1 (stream_version): an empty range: its low end is above its high"
        " end (-22)",
    ),
    (
        ["compatible", "rule", f"eq driver {FOO}", "eq stream_version v:1.0 i:1"],
        "err -22",
        "migcompat_emit: line 2 (accept), item 2 (stream_version): alternatives or range ends of two types"
        " (clause 5.6) (-22)",
    ),
    (
        ["version", f"field driver = {FOO}", "field features = S:7072655f636f7079"],
        "err -22",
        "migcompat_emit: line 1 (migration_version), item 2 (features): a set's mask has a bit at or above its"
        " table's count: a member with no name (-22)",
    ),
    (
        ["compatible", "rule", "sub features $1"],
        "err -22",
        "migcompat_emit: line 2 (accept), item 1 (features): the operand of <= and >= is a set or $, never $N"
        " (clause 5.6) (-22)",
    ),
    (
        ["compatible", "rule", "eq stream_version $9"],
        "err -22",
        "migcompat_emit: line 2 (accept), item 1 (stream_version): $N with N outside 1 to 7 (-22)",
    ),
    (
        ["buffer 10", "version", f"field driver = {FOO}"],
        "err -75",
        "migcompat_emit: migc_end(): the buffer is too small for the text and its NUL (-75)",
    ),
    (
        ["version", *(f"field k{n:02} = t:{'61' * 250}" for n in range(20))],
        "err -7",
        "migcompat_emit: migc_end(): the attribute is longer than MIGC_MAX_BYTES (4095 with its final LF) (-7)",
    ),
]


@pytest.fixture(scope="module")
def programs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """migc_driver built as a driver is, and with -DDEBUG (pr_debug() on)."""
    return {
        "plain": build_driver(tmp_path_factory.mktemp("plain")),
        "debug": build_driver(tmp_path_factory.mktemp("debug"), "-DDEBUG"),
    }


def _run(program: Path, records: list[str]) -> subprocess.CompletedProcess[str]:
    text = "".join(f"{record}\n" for record in [*records, "end"])
    return subprocess.run([str(program)], input=text, capture_output=True, text=True, timeout=30, check=False)


@pytest.mark.parametrize(("records", "answer", "message"), FAULTS)
def test_the_helper_says_which_line_and_item_it_refused_and_why(
    programs: dict[str, Path], records: list[str], answer: str, message: str
) -> None:
    debug = _run(programs["debug"], records)
    assert debug.returncode == 0, debug.stderr
    assert debug.stdout == answer + "\n"
    assert debug.stderr == message + "\n"
    plain = _run(programs["plain"], records)  # pr_debug() compiled out: the same answer, nothing said
    assert (plain.returncode, plain.stdout, plain.stderr) == (0, answer + "\n", "")


def test_a_text_that_renders_says_nothing(programs: dict[str, Path]) -> None:
    result = _run(programs["debug"], ["version", f"field driver = {FOO}", "field stream_version = v:1.0"])
    assert result.stdout.startswith("ok ") and result.stderr == ""


def test_only_the_first_error_is_said(programs: dict[str, Path]) -> None:
    """Errors are sticky: the lines after the first fault are not checked, and not reported."""
    records = ["compatible", "rule", "eq a v:2..v:1", "rule", "eq b v:2..v:1"]
    result = _run(programs["debug"], records)
    assert result.stdout == "err -22\n"
    assert result.stderr.count("migcompat_emit:") == 1 and "line 2 (accept), item 1 (a)" in result.stderr
