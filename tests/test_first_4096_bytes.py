"""Checks 0 and 1 of clause 7.1 look only at the attribute's first 4096 bytes (review r6, finding 2).

Check 0 (another version's header) and check 1 (``empty``) are decided on the first 4096 bytes of the
attribute, one more than the limit: what the command line and any reader that follows clause 13.1 hold.
So the library given the whole attribute, the command line that reads 4096 bytes of it and libmigcompat
(through its conformance adapter) report one code for the same bytes. Before specification 1.1 stated
this, the library read the whole attribute and said ``too-long`` where the command line said ``empty``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from migcompat import parse_compatible, parse_version
from migcompat.cli import main
from migcompat.errors import ParseError
from migcompat.reference_parser import reference_parse_compatible, reference_parse_version

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "c" / "lib"
HEAD = 4096
"""The bytes that checks 0 and 1 look at: one more than the longest valid attribute (4095)."""

Parser = Callable[[str | bytes], object]
PARSERS: dict[str, Parser] = {
    "parse_version": parse_version,
    "parse_compatible": parse_compatible,
    "reference_parse_version": reference_parse_version,
    "reference_parse_compatible": reference_parse_compatible,
}

# (what, data, code at 1:1): inputs of more than 4096 bytes whose code the first 4096 decide, and which a reader
# of the whole attribute judged otherwise (too-long) before specification 1.1 stated this.
CHANGED: list[tuple[str, bytes, str]] = [
    ("4096 SPs, then mc1 a=b", b" " * HEAD + b"mc1 a=b\n", "empty"),
    ("4100 LFs, then mc2 a=b", b"\n" * 4100 + b"mc2 a=b", "empty"),
    ("5000 white-space bytes of every kind, then mc1 a=b", b" \t\n\x0b\x0c\r" * 834 + b"mc1 a=b", "empty"),
    ("mc, 4094 digits 2, then x", b"mc" + b"2" * (HEAD - 2) + b"x", "unsupported-version"),
    ("mc1, 4093 zeros, then x", b"mc1" + b"0" * (HEAD - 3) + b"x", "unsupported-version"),
    ("mc, 4094 digits 9, then a=b", b"mc" + b"9" * (HEAD - 2) + b"a=b", "unsupported-version"),
]

# Inputs whose first non-white byte or the header's end lies within the first 4096 bytes: unchanged.
BOUNDARY: list[tuple[str, bytes, str]] = [
    ("4095 SPs, then x: x is the 4096th byte", b" " * (HEAD - 1) + b"x", "too-long"),
    ("mc, 4093 digits 2, then x: x is the 4096th byte", b"mc" + b"2" * (HEAD - 3) + b"x", "too-long"),
    ("5000 SPs", b" " * 5000, "empty"),
    ("mc2, then 5000 bytes", b"mc2 a=" + b"x" * 5000, "unsupported-version"),
]


def _code(parser: Parser, data: str | bytes) -> tuple[str, int, int]:
    with pytest.raises(ParseError) as raised:
        parser(data)
    return raised.value.code, raised.value.line, raised.value.column


def _at_one_one(code: str) -> tuple[str, int, int]:
    return code, 1, 1


@pytest.mark.parametrize("parser", list(PARSERS), ids=list(PARSERS))
@pytest.mark.parametrize(("what", "data", "code"), CHANGED, ids=[row[0] for row in CHANGED])
def test_the_library_judges_checks_0_and_1_on_the_first_4096_bytes(
    parser: str, what: str, data: bytes, code: str
) -> None:
    """As bytes and as str, through the public entry points and the reference parser alike, at 1:1."""
    assert len(data) > HEAD, what
    assert _code(PARSERS[parser], data) == _at_one_one(code)
    assert _code(PARSERS[parser], data.decode("ascii")) == _at_one_one(code)


@pytest.mark.parametrize("parser", ["parse_version", "parse_compatible"])
def test_the_library_reports_for_the_whole_attribute_what_it_reports_for_its_first_4096_bytes(parser: str) -> None:
    """What a reader of 4096 bytes would see decides: the same code and position, before and after the cut."""
    parse = PARSERS[parser]
    for what, data, code in CHANGED + BOUNDARY:
        whole, head = _code(parse, data), _code(parse, data[:HEAD])
        assert whole[0] == code, what
        assert whole == head, what


def _cli_parse(path: Path) -> dict[str, object]:
    result = CliRunner().invoke(main, ["parse", "--format", "json", str(path)])
    record = json.loads(result.stdout)
    assert isinstance(record, dict)
    error = record["error"]
    assert isinstance(error, dict)
    # Invalid: 1; in a format version this migcompat does not implement: 3 (whether it is valid is not known).
    assert result.exit_code == (3 if error["code"] == "unsupported-version" else 1), result.output
    return error


@pytest.mark.parametrize(("what", "data", "code"), CHANGED, ids=[row[0] for row in CHANGED])
def test_the_command_line_and_the_library_agree_on_a_long_file(
    tmp_path: Path, what: str, data: bytes, code: str
) -> None:
    """``migcompat parse`` reads 4096 bytes of the file; the library is given all of it: one code, one place."""
    path = tmp_path / "migration_version"
    path.write_bytes(data)
    error = _cli_parse(path)
    assert (error["code"], error["line"], error["column"]) == _at_one_one(code)
    assert _code(parse_version, path.read_bytes()) == (error["code"], error["line"], error["column"]), what


@pytest.fixture(scope="module")
def adapter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """libmigcompat's conformance adapter, built with -O1 into a temporary directory."""
    missing = [tool for tool in ("cc", "make") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: the C library is not built")
    build = tmp_path_factory.mktemp("libmigcompat")
    result = subprocess.run(
        ["make", "-s", "-j2", "-C", str(LIB), f"BUILD={build}", "CFLAGS=-O1", str(build / "mc-adapter")],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return build / "mc-adapter"


@pytest.mark.parametrize("attribute", ["migration_version", "migration_compatible_devices"])
def test_the_c_library_judges_checks_0_and_1_on_the_first_4096_bytes(adapter: Path, attribute: str) -> None:
    """mc_parse, through the adapter's parse request, reports what the Python library reports, whole or cut."""
    for what, data, code in CHANGED + BOUNDARY:
        for given in (data, data[:HEAD]):
            served = subprocess.run(
                [str(adapter), "parse", attribute], input=given, capture_output=True, timeout=10, check=False
            )
            assert served.returncode == 1, what
            answer = json.loads(served.stdout)
            assert answer["code"] == code, what
            parser = parse_version if attribute == "migration_version" else parse_compatible
            assert (answer["code"], answer["line"], answer["column"]) == _code(parser, data), what
