"""libmigcompat's ``mc_detect`` against the Python reference's :func:`migcompat.parse.detect`.

Which attribute a text is decides which parser reports its errors, so both
must tell the same texts apart: the conformance cases' inputs, and header
lines with blanks, CRs, tabs and line ends placed around the 64 bytes both
look at. The shared library is built as ``tests/test_c_lib.py`` builds it and
called through ctypes.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable, Iterator

import pytest

from migcompat.cases import load_suite
from migcompat.parse import detect
from test_c_lib import CASES, _make, _tools

KINDS = {1: "migration_version", 2: "migration_compatible_devices"}
"""enum mc_kind."""


@pytest.fixture(scope="module")
def c_detect(tmp_path_factory: pytest.TempPathFactory) -> Callable[[bytes], str]:
    """``mc_detect`` of the shared library built with -O1, answering the attribute's name."""
    _tools("cc", "make")
    build = tmp_path_factory.mktemp("libmigcompat-detect")
    _make(build, str(build / "libmigcompat.so"), CFLAGS="-O1")
    function = ctypes.CDLL(str(build / "libmigcompat.so")).mc_detect
    function.restype = ctypes.c_int
    function.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    return lambda data: KINDS[function(data, len(data))]


def _headers() -> Iterator[bytes]:
    """First lines near the header: blanks after it, before it, inside it; line ends at and around byte 64."""
    for blanks in ("", " ", "\t", "\r", " \t\r", "\r\r", "x", " x", "\v", "\f"):
        for width in (0, 1, 59, 60, 61, 62, 63, 64, 65, 100):
            head = "mc1" + (blanks * (width // max(len(blanks), 1) + 1))[:width] if blanks else "mc1"
            for tail in ("", "\n", "\naccept a=1\n", "\r\n"):
                yield (head + tail).encode()
    for prefix in ("", " ", "\n", "MC1", "mc", "mc10", "mc2", "mc1=", "\xef\xbb\xbf"):
        yield (prefix + "mc1\naccept\n").encode("latin-1")
        yield (prefix + "mc1 a=1\n").encode("latin-1")


def _case_inputs() -> Iterator[bytes]:
    """The text of every parse case, valid or not, whatever the attribute it is meant as."""
    for case in load_suite(CASES).cases:
        if case.kind in ("parse-valid", "parse-invalid"):
            yield case.input_bytes()


def test_detect_agrees_with_python_on_header_lines(c_detect: Callable[[bytes], str]) -> None:
    texts = sorted(set(_headers()))
    assert len(texts) > 250
    differing = [text for text in texts if c_detect(text) != detect(text)]
    assert not differing, differing[:5]
    kinds = {detect(text) for text in texts}
    assert kinds == set(KINDS.values()), "both answers must occur among the texts"


def test_detect_agrees_with_python_on_the_cases(c_detect: Callable[[bytes], str]) -> None:
    texts = sorted(set(_case_inputs()))
    assert len(texts) > 300
    differing = [text for text in texts if c_detect(text) != detect(text)]
    assert not differing, differing[:5]


def test_a_crlf_header_is_the_rules_as_in_python(c_detect: Callable[[bytes], str]) -> None:
    assert c_detect(b"mc1\r\naccept a=1\r\n") == "migration_compatible_devices"
    assert c_detect(b"mc1 \naccept a=1\n") == "migration_compatible_devices"
    assert c_detect(b"mc1 a=1\n") == "migration_version"
    assert c_detect(b"mc1" + b" " * 61 + b"\naccept\n") == "migration_version"  # no line end in the first 64 bytes
    assert c_detect(b"") == "migration_version"
