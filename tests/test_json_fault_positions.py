"""Every fault of a JSON input is reported at its line and column, even those Python's json reads past.

An outside review found that a member given twice, ``NaN``, a number beyond
the bounds, nesting too deep and bytes that are not UTF-8 were reported
without a position (``emit``, captures), and that ``1e400`` was called "an
integer of 401 digits" without saying which number.
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from migcompat.cli import main
from migcompat.jsonmodel import MAX_JSON_DEPTH, decode_json


class Fault(Exception):
    def __init__(self, message: str, line: int | None, column: int | None) -> None:
        super().__init__(message)
        self.message, self.line, self.column = message, line, column


def fault(text: str | bytes, **options: bool) -> tuple[str, int | None, int | None]:
    with pytest.raises(Fault) as raised:
        decode_json(text, Fault, **options)
    return raised.value.message, raised.value.line, raised.value.column


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ('{"a": 1,\n "a": 2}', 'the member "a" appears twice in one object', 2, 2),
        ('{"a": 1, "\\u0061": 2}', 'the member "a" appears twice in one object', 1, 10),  # equal once decoded
        ('[{"k": {"x": 1, "x": 2}}]', 'the member "x" appears twice in one object', 1, 17),
        ('{"s": "{[,\\"", "s": 1}', 'the member "s" appears twice in one object', 1, 16),  # brackets in a string
        ('{"a": {"a": 1}, "b": {"a": 2}}', None, None, None),  # one key per object: no fault of this kind
        ("[1,\n  NaN]", "NaN is not a JSON value", 2, 3),
        ("[-Infinity]", "-Infinity is not a JSON value", 1, 2),
        ("[Infinity]", "Infinity is not a JSON value", 1, 2),
    ],
)
def test_strict_faults_are_located(text: str, message: str | None, line: int | None, column: int | None) -> None:
    if message is None:
        assert decode_json(text, Fault, strict=True) == {"a": {"a": 1}, "b": {"a": 2}}
        return
    assert fault(text, strict=True) == (message, line, column)


def test_numbers_beyond_the_bounds_are_located_and_named() -> None:
    assert fault('{\n"format": 1e400}') == ("the number '1e400', an integer of 401 digits; at most 64 are read", 2, 11)
    assert fault("[0, " + "9" * 65 + "]") == ("an integer of 65 digits; at most 64 are read", 1, 5)
    huge = fault("[1e99999999999999999999]")
    assert huge[0].startswith("the number '1e99999999999999999999', an integer of more than 10**18 digits")
    assert huge[1:] == (1, 2)
    assert decode_json("[1e400]", Fault, numbers_as_text=True) == ["1e400"]  # numbers left to another reader


def test_the_first_fault_in_the_text_is_the_one_reported() -> None:
    """json reads the inner number before it sees the outer object's second "a": the text's order decides."""
    assert fault('{"a": 1, "a": {"b": 1e400}}', strict=True) == ('the member "a" appears twice in one object', 1, 10)


def test_nesting_too_deep_is_located_at_its_first_bracket() -> None:
    deep = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)
    message = f"arrays or objects are nested too deeply (more than {MAX_JSON_DEPTH} levels)"
    assert fault(deep) == (message, 1, MAX_JSON_DEPTH + 1)
    objects = '{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1)
    assert fault("\n" + objects) == (message, 2, 5 * MAX_JSON_DEPTH + 1)
    far = "[" * 5000 + "]" * 5000  # past Python's recursion limit: json itself gives up
    assert fault(far) == (message, 1, MAX_JSON_DEPTH + 1)


def test_bytes_that_are_not_utf8_are_located_at_the_first_bad_byte() -> None:
    assert fault(b'{"a":\n "\xc3\xa9\xff"}') == ("not UTF-8 text (byte 0xff at offset 10)", 2, 4)
    assert fault(b"\xef\xbb\xbf\xff") == ("not UTF-8 text (byte 0xff at offset 3)", 1, 1)  # after a byte order mark


def test_emit_reports_each_fault_with_its_position(tmp_path: object) -> None:
    runner = CliRunner()
    for document, where in (
        ('{\n"attribute": "migration_version",\n"format": 1,\n"format": 1}', "line 4, column 1"),
        ('{\n"attribute": "migration_version",\n"format": 1e400}', "line 3, column 11"),
    ):
        result = runner.invoke(main, ["emit", "-"], input=document)
        assert result.exit_code == 1
        assert result.stderr.startswith(f"migcompat: error[invalid-model]: <stdin>: invalid JSON at {where}: ")


def test_emit_of_a_json_string_speaks_of_the_command_not_the_library() -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["emit", "-"], input='"mc1 device_api=vfio-pci driver=mtty"\n')
    assert result.exit_code == 1
    assert "found a JSON string that holds an attribute string: 'migcompat parse' reads" in result.stderr
    assert "from_json()" not in result.stderr and "loads()" not in result.stderr
    result = runner.invoke(main, ["emit", "-"], input='"x"\n')
    assert result.exit_code == 1
    assert "expected an object (a data model), found a JSON string\n" in result.stderr
