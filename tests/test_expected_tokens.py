"""A syntax error offers only the tokens that can follow in that attribute (review r17).

LALR(1) merges the parser states after a value in a ``migration_version``
field and after one in an ``accept`` constraint, so the lexer's and the
table's expected sets are the union of both: a ``migration_version`` error
used to offer ``'..'`` and ``'|'``, which that attribute cannot hold (clause
4.2), and following the advice gave a second error.
"""

from __future__ import annotations

import click
import pytest

from migcompat import parse_compatible, parse_version
from migcompat.errors import ParseError


def _message(parse: object, text: str) -> str:
    with pytest.raises(ParseError) as caught:
        parse(text)  # type: ignore[operator]
    assert caught.value.code == "syntax"
    return caught.value.message


def test_a_migration_version_value_is_not_offered_a_range_or_alternatives() -> None:
    message = _message(parse_version, "mc1 device_api=vfio-pci stream_version=1.\n")
    assert message == "expected one of a newline, a space, the end of the attribute, found '.'"


def test_an_accept_value_is_offered_a_range_and_alternatives() -> None:
    message = _message(parse_compatible, "mc1\naccept stream_version=1.\n")
    assert message == "expected one of '..', '|', a newline, a space, the end of the attribute, found '.'"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mc1 a=1 b\n", "expected '=', found the end of the attribute"),
        ("mc1 a={x\n", "expected one of ',', '}', found the end of the attribute"),
        ("mc1\naccept a=1 b\n", "expected one of '<=', '=', '>=', found the end of the attribute"),
    ],
)
def test_other_expected_sets_are_unchanged(text: str, expected: str) -> None:
    parse = parse_compatible if "\naccept" in text else parse_version
    assert _message(parse, text) == expected


def test_a_caret_after_the_last_character_of_a_long_line_is_shown() -> None:
    """A 4096-byte attribute (4095 characters and a newline) is too long at column 4096, after the text."""
    from migcompat.cli.output import render_parse_error

    text = "mc1 a=" + "x" * 4089 + "\n"
    with pytest.raises(ParseError) as caught:
        parse_version(text)
    assert (caught.value.code, caught.value.column) == ("too-long", 4096)
    lines = click.unstyle(render_parse_error(caught.value, "v")).split("\n")
    shown, carets = lines[-2], lines[-1]
    assert "^" in carets
    assert carets.index("^") == len(shown)  # just after the last character shown


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (b"mc1\naccept a=1\n", "migration_compatible_devices"),
        (b"mc1", "migration_compatible_devices"),
        (b"mc1\r\naccept driver=acme_vf\r\n", "migration_compatible_devices"),  # saved with CRLF
        (b"mc1 \naccept a=1\n", "migration_compatible_devices"),  # a blank after the header
        ("mc1\t\n", "migration_compatible_devices"),
        (b"mc1 a=1\n", "migration_version"),
        (b"mc1 a=1\r\n", "migration_version"),
        (b"mc1\taccept\n", "migration_version"),
        (b"mc2\n", "migration_version"),
        (b"", "migration_version"),
    ],
)
def test_a_header_line_with_only_blanks_after_it_is_the_rules(text: str | bytes, kind: str) -> None:
    """So that a rules file saved with CRLF line ends gets the rules' errors and is not called a migration_version."""
    from migcompat.parse import detect

    assert detect(text) == kind
