"""libmigcompat's ``mc_syntax_hint`` against the Python reference's :func:`migcompat._hints.syntax_hint`.

The shared library is built as ``tests/test_c_lib.py`` builds it (its ``_make``, and its ``_tools``, which skips
when cc or make is missing) and called through ctypes. Every input the Python parser rejects with ``syntax`` -- the
conformance cases that expect that code, the examples of ``tests/test_syntax_hints.py``, and seeded mutations of
valid attributes made to show the slips -- is given to both at the error's line and column: the C hint must be the
bytes of the Python hint (which is the error's ``hint`` unless the text is the other attribute), and 0 where Python
gives None. The same texts are then asked at every position, and with bytes outside ASCII put in, which Python reads
as Latin-1 as the library reads bytes.
"""

from __future__ import annotations

import ctypes
import functools
import random
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import test_syntax_hints
from migcompat import ParseError, parse_compatible, parse_version
from migcompat._hints import _SLIPS, syntax_hint
from migcompat.cases import load_suite
from migcompat.parse import detect
from test_c_lib import CASES, LIB, _differential, _make, _tools

VERSION = "migration_version"
COMPATIBLE = "migration_compatible_devices"
KINDS = {VERSION: 1, COMPATIBLE: 2}
"""enum mc_kind."""
HEADER = LIB / "include" / "migcompat.h"
SLIP_WORDS = {
    "$ outside an accept rule": ("are allowed only in the accept rules",),
    "~ in a rule or the default line": ("the ignorable mark ~",),
    "$N as the operand of <= or >=": ("is a set or $ alone",),
    "an unknown $-form": ("is not a self-reference",),
    "an upper-case key": ("keys are lower case",),
    "a space inside a set": ("a set's members are separated",),
    "a space inside a value": ("starts a line", "no space between a key", "is not a key=value"),
    "a default line after an accept line": ("the default line comes before", "at most one default line"),
}
"""Words of each slip's hints, by its row's name in ``_SLIPS``: which slip a hint names."""


class _Library:
    """``mc_syntax_hint`` of a shared library, through ctypes."""

    def __init__(self, path: Path) -> None:
        self.function = ctypes.CDLL(str(path)).mc_syntax_hint
        self.function.restype = ctypes.c_int
        self.function.argtypes = [
            ctypes.c_int,
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_char_p,
            ctypes.c_size_t,
        ]

    def __call__(self, attribute: str, data: bytes, line: int, column: int) -> bytes | None:
        """The hint's bytes, or None for none (0): measured first, then written into a buffer of exactly the size
        measured, with bytes after it that must stay as they were."""
        kind = KINDS[attribute]
        size = self.function(kind, data, len(data), line, column, None, 0)
        assert size >= 0, size
        buffer = ctypes.create_string_buffer(b"\xff" * (size + 2))
        assert self.function(kind, data, len(data), line, column, buffer, size + 1) == size
        assert buffer.raw[size:] == b"\0\xff\0", "one NUL after the hint, nothing written beyond the size given"
        return buffer.raw[:size] if size else None


@pytest.fixture(scope="module")
def c_hint(tmp_path_factory: pytest.TempPathFactory) -> _Library:
    """The shared library, built with -O1 into a temporary directory."""
    _tools("cc", "make")
    build = tmp_path_factory.mktemp("libmigcompat-hints")
    _make(build, str(build / "libmigcompat.so"), CFLAGS="-O1")
    return _Library(build / "libmigcompat.so")


@functools.cache
def _fuzz() -> ModuleType:
    """c/fuzz/differential.py, loaded once: its valid attributes, generators and mutation."""
    return _differential()


def _python_hint(attribute: str, data: bytes, line: int, column: int) -> bytes | None:
    """syntax_hint's answer as the bytes the library writes: Python reads bytes as Latin-1."""
    found = syntax_hint(data, attribute, line, column)
    return None if found is None else found.encode("latin-1")


def _syntax_error(attribute: str, data: bytes) -> ParseError | None:
    """The Python parser's error for *data* when its code is syntax, else None."""
    try:
        (parse_version if attribute == VERSION else parse_compatible)(data)
    except ParseError as error:
        return error if error.code == "syntax" else None
    return None


def _slip(hint: bytes) -> str:
    (name,) = [name for name, words in SLIP_WORDS.items() if any(word.encode() in hint for word in words)]
    return name


# ---- the inputs ------------------------------------------------------------------------------------------------


def _case_inputs() -> Iterator[tuple[str, bytes]]:
    """Every parse case of the suite that expects syntax (as its code or an alternative)."""
    for case in load_suite(CASES).cases:
        if case.kind != "parse-invalid":
            continue
        expect = case.expect
        codes = {expect.get("code")} | {other.get("code") for other in expect.get("alternatives", [])}
        if "syntax" in codes:
            yield case.data["attribute"], case.input_bytes()


def _example_inputs() -> Iterator[tuple[str, bytes]]:
    """Every (attribute, text) of tests/test_syntax_hints.py: its parametrized rows and the texts its tests spell."""
    for test in vars(test_syntax_hints).values():
        for mark in getattr(test, "pytestmark", []):
            if mark.name != "parametrize":
                continue
            names = mark.args[0] if isinstance(mark.args[0], (tuple, list)) else mark.args[0].split(",")
            names = [name.strip() for name in names]
            if "attribute" in names and "text" in names:
                for row in mark.args[1]:
                    yield row[names.index("attribute")], row[names.index("text")].encode()
    yield VERSION, b"mc1 Q=007 a=$\n"
    yield VERSION, b"mc1\naccept A=$8\n"
    yield COMPATIBLE, b"mc1\naccept a=" + b"$" * 4000 + b"\n"
    yield VERSION, b"mc1 driver=foo " + b"k" * 60 + b" =" + b"x" * 4017 + b"\n"  # 4095 bytes: the longest hint


_SLIP_EDITS = [
    "$", "$8", "$12", "$x", "$$", "$1x", "~", "~~", " ", " x", " =", "=$", "<=$1", ">=$7", "{a, b}", "{a,",
    " accept", " param", " default", "A", "Z", "_", ".", "=", "..",
]  # fmt: skip
"""What a mutation puts into a valid attribute: the bytes of the slips, and some that are none."""


def _mutated(rng: random.Random, attribute: str, data: bytes, lines: list[bytes]) -> bytes:
    """*data* with one to three edits: slip bytes put in, a letter upper-cased, a line added at the end (a default,
    accept or param line, or a line of another valid attribute), or the differential fuzzer's own mutation."""
    fuzz = _fuzz()
    out = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        roll, place = rng.random(), rng.randint(0, max(len(out) - 1, 0))
        if roll < 0.55:
            out[place:place] = rng.choice(_SLIP_EDITS).encode()
        elif roll < 0.7:
            letters = [i for i, byte in enumerate(out) if ord("a") <= byte <= ord("z")]
            if letters:
                out[rng.choice(letters)] -= 0x20
        elif roll < 0.85:
            line = rng.choice([b"default a.b=1", b"accept a=1", b"default ~k=1", b"param p=1", rng.choice(lines)])
            cut = out.rstrip(b"\n")
            out = cut + b"\n" + line + b"\n"
        else:
            out = bytearray(fuzz.mutate(rng, bytes(out), [(attribute, line) for line in lines]))
    return bytes(out)


def _mutation_inputs(count: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """*count* mutations of valid attributes: those of the cases, and attributes the differential fuzzer makes."""
    fuzz = _fuzz()
    rng = random.Random(seed)
    valid = [(kind, data) for kind, data in fuzz.seeds()[0] if fuzz.reference_parse(kind, data)["status"] == "ok"]
    valid += [(VERSION, fuzz.version_text(rng, rng.random() < 0.3).encode()) for _ in range(50)]
    valid += [(COMPATIBLE, fuzz.compatible_text(rng).encode()) for _ in range(50)]
    lines = [line for _, data in valid for line in data.split(b"\n") if line]
    for _ in range(count):
        attribute, data = rng.choice(valid)
        yield attribute, _mutated(rng, attribute, data, lines)


@functools.cache
def _syntax_inputs() -> list[tuple[str, bytes, ParseError, str]]:
    """Every input gathered that the Python parser rejects with syntax: attribute, bytes, error, and where from."""
    found = []
    sources = [("case", _case_inputs()), ("example", _example_inputs()), ("mutation", _mutation_inputs(800, 19))]
    for origin, inputs in sources:
        for attribute, data in inputs:
            error = _syntax_error(attribute, data)
            if error is not None:
                found.append((attribute, data, error, origin))
    return found


# ---- the tests -------------------------------------------------------------------------------------------------


def test_the_library_gives_the_python_hint_for_every_syntax_error(c_hint: _Library) -> None:
    """At the error's line and column, on the same bytes: the same hint, byte for byte, or none from both."""
    inputs = _syntax_inputs()
    differ = []
    hinted: Counter[str] = Counter()
    slips: Counter[str] = Counter()
    compared: Counter[str] = Counter()
    for attribute, data, error, origin in inputs:
        want = _python_hint(attribute, data, error.line, error.column)
        if detect(data) == attribute:  # else the error's hint names the other parser, not a slip
            assert error.hint == (None if want is None else want.decode("latin-1")), data
        got = c_hint(attribute, data, error.line, error.column)
        compared[origin] += 1
        if got != want:
            differ.append((attribute, data[:200], error.line, error.column, want, got))
        elif want is not None:
            hinted[origin] += 1
            slips[_slip(want)] += 1
    assert not differ, "\n".join(map(repr, differ[:10]))
    # not vacuous: the cases, the examples and the mutations each bring syntax errors, many of them with a hint,
    # and every slip of the reference's table is among them
    assert compared["case"] >= 80 and compared["example"] >= 40 and compared["mutation"] >= 300, compared
    assert hinted["example"] >= 35 and hinted["mutation"] >= 80 and sum(hinted.values()) >= 120, hinted
    assert set(slips) == {name for name, _ in _SLIPS}, slips


def test_the_library_agrees_at_every_position_and_on_bytes_outside_ascii(c_hint: _Library) -> None:
    """Every line and column of each input's text (the positions an error can have: column 1 to the line's length
    plus 1), and the texts again with bytes from 0x80 to 0xFF (and other bytes no syntax error has) put in, which
    the library reads as Python reads bytes, as Latin-1."""
    rng = random.Random(7)
    texts = [(attribute, data) for attribute, data, _, _ in _syntax_inputs() if len(data) <= 160]
    noisy = []
    for attribute, data in rng.sample(texts, 150):
        out = bytearray(data)
        for _ in range(rng.randint(1, 3)):
            place = rng.randint(0, len(out))
            byte = rng.choice([*range(0x80, 0x100), 0, 9, 13])
            out[place:place] = rng.choice([b"~", b"$", b" ", b""]) + bytes([byte])
        noisy.append((attribute, bytes(out)))
    noisy += [(COMPATIBLE, b"mc1\naccept ~" + bytes([byte]) + b"=x\n") for byte in range(0x80, 0x100)]
    asked = hinted = 0
    differ = []
    for attribute, data in texts + noisy:
        for line, text in enumerate(data.split(b"\n"), start=1):
            for column in range(1, len(text) + 2):
                want = _python_hint(attribute, data, line, column)
                got = c_hint(attribute, data, line, column)
                asked += 1
                hinted += want is not None
                if got != want:
                    differ.append((attribute, data, line, column, want, got))
    assert not differ, "\n".join(map(repr, differ[:10]))
    assert asked > 20_000 and hinted > 1_000, (asked, hinted)
    latin1 = [c_hint(COMPATIBLE, b"mc1\naccept ~" + bytes([byte]) + b"=x\n", 2, 8) for byte in (0xE9, 0xD7)]
    assert latin1[0] is not None and latin1[0].endswith(b": write \xe9=x")
    assert latin1[1] is not None and latin1[1].endswith(b"(clause 5.4)")


def test_a_position_outside_the_text_gives_no_hint_where_python_takes_the_nearest(c_hint: _Library) -> None:
    """The one documented difference: Python's syntax_hint reads a column outside the line as its nearest end; the
    library answers 0 for a position no error has (line 0 or past the last, column 0 or past the line's end + 1)."""
    data = b"mc1 driver=d stream_version=$\n"
    assert c_hint(VERSION, data, 1, 29) == _python_hint(VERSION, data, 1, 29) is not None
    for line, column in ((0, 29), (3, 1), (1, 0), (1, 31), (1, 2**32 - 1)):
        assert c_hint(VERSION, data, line, column) is None
    assert _python_hint(VERSION, b"$ a=1\n", 1, 0) is not None  # the column taken as 1
    assert c_hint(VERSION, b"$ a=1\n", 1, 0) is None


def test_misuse_is_refused(c_hint: _Library) -> None:
    """An unknown kind, a NULL text with a length, a NULL buffer with a size, a buffer inside the text."""
    function = c_hint.function
    codes = HEADER.read_text().split("enum mc_code {", 1)[1].split("};", 1)[0]
    usage = re.findall(r"^\s*(MC_[A-Z_]+)", codes, re.MULTILINE).index("MC_E_USAGE")  # MC_OK is 0, the rest follow
    data = b"mc1 Driver=d\n"
    buffer = ctypes.create_string_buffer(64)
    assert function(0, data, len(data), 1, 5, buffer, 64) == -usage
    assert function(1, None, 4, 1, 5, buffer, 64) == -usage
    assert function(1, data, len(data), 1, 5, None, 4) == -usage
    text = ctypes.create_string_buffer(data, 64)
    assert function(1, text, len(data), 1, 5, text, 64) == -usage
    assert text.value == data
    hint = syntax_hint(data, VERSION, 1, 5)
    assert hint is not None and hint.endswith("write driver")
    assert function(1, data, len(data), 1, 5, None, 0) == len(hint)
