"""The grammar is the single source of truth: it builds strictly, and the fast path uses its terminals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lark import Lark

from migcompat import terminals
from migcompat.limits import SPEC_VERSION
from migcompat.reference_parser import START_COMPATIBLE, START_VERSION, lark_parser
from migcompat.resources import data_path, grammar_text

ROOT = Path(__file__).resolve().parents[1]
GRAMMAR = ROOT / "grammar" / "migcompat.lark"


def test_grammar_builds_lalr_strict() -> None:
    parser = Lark(GRAMMAR.read_text(), parser="lalr", start=[START_VERSION, START_COMPATIBLE], strict=True)
    assert parser.options.parser == "lalr"
    assert {t.name for t in parser.terminals} >= {"KEY", "TOKEN", "INT", "VERSION", "RATIO", "HEADER"}


def test_strict_mode_would_catch_a_collision() -> None:
    """Guard the guard: strict=True rejects a grammar whose terminals collide."""
    text = GRAMMAR.read_text()
    colliding = text.replace('field: IGNORABLE? KEY "=" value', 'field: IGNORABLE? (KEY | WORD) "=" value')
    assert colliding != text
    with pytest.raises(Exception, match=r"(?i)collision|conflict"):
        Lark(colliding + "\nWORD: /[a-z]+/\n", parser="lalr", start=[START_VERSION], strict=True)


def test_grammar_header_names_spec_version() -> None:
    first = GRAMMAR.read_text().splitlines()[0]
    assert f"specification version {SPEC_VERSION}" in first


def test_parser_loads_the_published_grammar_file() -> None:
    assert grammar_text() == GRAMMAR.read_text()
    assert data_path("migcompat.lark").read_text() == GRAMMAR.read_text()
    assert lark_parser().options.parser == "lalr"


def test_grammar_is_self_contained() -> None:
    assert "%import" not in GRAMMAR.read_text()


@pytest.mark.parametrize("name", ["KEY", "INT", "VERSION", "RATIO", "TOKEN", "SELF_PREFIX"])
def test_python_terminals_are_the_grammars(name: str) -> None:
    match = re.search(rf"^{name}: /(.*)/$", GRAMMAR.read_text(), re.MULTILINE)
    assert match is not None, f"terminal {name} not found in the grammar"
    assert getattr(terminals, name) == match.group(1)


def test_spec_includes_the_grammar_file_not_a_copy() -> None:
    spec = (ROOT / "spec" / "migcompat.rst").read_text()
    assert ".. literalinclude:: ../grammar/migcompat.lark" in spec
    # No rule of the grammar is pasted into the spec by hand.
    assert "version_attribute: HEADER" not in spec
