"""The kernel emitter helper's reference page (vendor review r19, M-3).

``docs/reference/kernel-helper.rst`` documents the interface of
``c/kernel/migcompat_emit.h``: every function, macro, struct, enum and
enumerator the header offers drivers -- those outside the part between its
markers "the implementation" and "the interface: what a driver calls" -- is
named on the page, and every ``migc_*`` or ``MIGC_*`` name the page uses is
one of them (none of the implementation's, none the header lacks). The
page's example is compiled against the header and run, and must render the
two attributes the page shows.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from migcompat import emit, parse_compatible, parse_version
from test_c_kernel_debug import FAULTS

ROOT = Path(__file__).resolve().parents[1]
HEADER = ROOT / "c" / "kernel" / "migcompat_emit.h"
PAGE = ROOT / "docs" / "reference" / "kernel-helper.rst"
IMPLEMENTATION = " * ---- the implementation"
INTERFACE = "/* ---- the interface: what a driver calls"
NAME = re.compile(r"\b(?:migc|MIGC)_[A-Za-z0-9_]*[A-Za-z0-9]\b")


def _declared(part: str) -> set[tuple[str, str]]:
    """The (kind, name) of each macro, function, struct, enum and enumerator defined in *part* of the header."""
    found = {("macro", m) for m in re.findall(r"^#define\s+(\w+)", part, re.MULTILINE)}
    found |= {("function", m) for m in re.findall(r"^static inline [^(\n]*?\b(\w+)\(", part, re.MULTILINE)}
    found |= {("struct", m) for m in re.findall(r"^struct (\w+) \{", part, re.MULTILINE)}
    for name, body in re.findall(r"^enum (\w*) ?\{(.*?)\};", part, re.MULTILINE | re.DOTALL):
        if name:
            found.add(("enum", name))
        found |= {("enumerator", m) for m in re.findall(r"\b(MIGC_\w+)", body)}
    return {item for item in found if item[1] != "_MIGCOMPAT_EMIT_H"}


def _header() -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """The header's interface and its implementation, as (kind, name) pairs."""
    text = HEADER.read_text(encoding="utf-8")
    assert text.count(IMPLEMENTATION) == 1 and text.count(INTERFACE) == 1
    start, end = text.index(IMPLEMENTATION), text.index(INTERFACE)
    assert start < end
    return _declared(text[:start]) | _declared(text[end:]), _declared(text[start:end])


def test_the_header_offers_what_a_driver_calls() -> None:
    """The parse of the header finds the interface (so that the test below is not vacuous)."""
    interface, implementation = _header()
    assert {("function", "migc_render_version"), ("function", "migc_end"), ("macro", "MIGC_FIELD")} <= interface
    assert {("struct", "migc_emitter"), ("enum", "migc_op"), ("enumerator", "MIGC_OP_ANY")} <= interface
    assert ("function", "migc_put") in implementation and ("function", "migc_begin") in implementation
    assert len([kind for kind, _ in interface if kind == "function"]) == 9


def test_the_page_names_every_function_and_macro_of_the_header_and_nothing_else() -> None:
    interface, implementation = _header()
    page = set(NAME.findall(PAGE.read_text(encoding="utf-8")))
    offered = {name for _, name in interface}
    missing = sorted(f"{kind} {name}" for kind, name in interface if name not in page)
    assert not missing, f"declared in {HEADER.name} but not on {PAGE.name}: {missing}"
    internal = {name for _, name in implementation} - offered
    assert not page & internal, f"{PAGE.name} names the helper's implementation: {sorted(page & internal)}"
    unknown = sorted(page - offered - internal)
    assert not unknown, f"named on {PAGE.name} but not declared in {HEADER.name}: {unknown}"


def _blocks(language: str, option: str = "") -> list[str]:
    """The literal blocks of the page in *language* (``.. code-block:: LANGUAGE``) with *option*, dedented."""
    text = PAGE.read_text(encoding="utf-8")
    found = []
    for match in re.finditer(rf"^\.\. code-block:: {language}\n((?:   :.*\n)*)\n((?:(?:   .*)?\n)+)", text, re.M):
        if option in match.group(1):
            found.append("\n".join(line[3:] for line in match.group(2).rstrip("\n").split("\n")))
    return found


def test_the_page_example_renders_the_texts_it_shows(tmp_path: Path) -> None:
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        pytest.skip("no C compiler")
    (example,) = _blocks("c")
    (version,) = (text + "\n" for text in _blocks("text", ":class: mc-version"))
    (rules,) = (text + "\n" for text in _blocks("text", ":class: mc-compatible"))
    assert emit(parse_version(version)) == version and emit(parse_compatible(rules)) == rules
    main = tmp_path / "example.c"
    main.write_text(
        "#include <stdio.h>\n" + example + "\nint main(void)\n{\n\tchar version[MIGC_BUF_SIZE], rules[MIGC_BUF_SIZE];\n"
        '\tint err = foo_render(version, rules);\n\n\tif (err)\n\t\treturn printf("err %d\\n", err), 1;\n'
        '\tprintf("%s%s", version, rules);\n\treturn 0;\n}\n'
    )
    program = tmp_path / "example"
    includes = ["-I", str(HEADER.parent / "test" / "include"), "-I", str(HEADER.parent)]
    built = subprocess.run(
        [compiler, "-std=gnu11", "-Wall", "-Werror", *includes, "-o", str(program), str(main)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    ran = subprocess.run([str(program)], capture_output=True, text=True, check=False, timeout=30)
    assert ran.returncode == 0, ran.stdout
    assert ran.stdout == version + rules


def test_the_reasons_the_page_shows_are_the_helpers() -> None:
    """Each pr_debug() message the page quotes is one that tests/test_c_kernel_debug.py has the helper print."""
    page = re.sub(r"\s+", " ", PAGE.read_text(encoding="utf-8"))
    shown = re.findall(r"``(migcompat_emit: .*?)``", page)
    assert len(shown) >= 3
    said = {message for _, _, message in FAULTS}
    assert [line for line in shown if line not in said] == []
