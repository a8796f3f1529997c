"""Every error code of clause 7 is produced, with its position; nothing else ever escapes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from migcompat import ERROR_CODES, emit, parse, parse_compatible, parse_version
from migcompat.errors import MigcompatError, ParseError

LONG_KEY = "k" * 63
LONG_TOKEN = "t" * 255

# (code, input, attribute, line, column): one row per way to trip each code.
CASES: list[tuple[str, str | bytes, str, int, int]] = [
    ("empty", "", "version", 1, 1),
    ("empty", "\n", "version", 1, 1),
    ("empty", "   \n  ", "compatible", 1, 1),
    ("too-long", "mc1 a=" + "x" * 4089, "version", 1, 4096),
    ("too-long", "mc1\n" + "accept a=1\n" * 400, "compatible", 373, 11),
    ("non-ascii", "mc1 name=caf\u00e9\n", "version", 1, 13),
    ("non-ascii", b"mc1 name=caf\xc3\xa9\n", "version", 1, 13),
    ("nul", "mc1 a=1\x00\n", "version", 1, 8),
    ("crlf", "mc1 a=1\r\n", "version", 1, 8),
    ("crlf", "mc1\r\naccept\r\n", "compatible", 1, 4),
    ("control-char", "mc1 a=\t1\n", "version", 1, 7),
    ("control-char", "mc1 a=1\x7f\n", "version", 1, 8),
    ("whitespace", "mc1  a=1\n", "version", 1, 5),
    ("whitespace", "mc1 a=1 \n", "version", 1, 8),
    ("whitespace", " mc1 a=1\n", "version", 1, 1),
    ("whitespace", "mc1\n\naccept\n", "compatible", 2, 1),
    ("whitespace", "mc1 a=1\n\n", "version", 2, 1),
    ("bad-header", "migration_version a=1\n", "version", 1, 1),
    ("bad-header", "a=1\n", "version", 1, 1),
    ("unsupported-version", "mc2 a=1\n", "version", 1, 1),
    ("unsupported-version", "mc0\naccept\n", "compatible", 1, 1),
    ("syntax", "mc1\n", "version", 1, 4),
    ("syntax", "mc1 a=1\n", "compatible", 1, 4),
    ("syntax", "mc1 a==1\n", "version", 1, 7),
    ("syntax", "mc1 A=1\n", "version", 1, 5),
    ("syntax", "mc1 a=1\nparam\n", "version", 2, 6),
    ("syntax", "mc1\naccept a=x..y\n", "compatible", 2, 11),
    ("syntax", "mc1\naccept a<=1\n", "compatible", 2, 11),
    ("syntax", "mc1\naccept a=\n", "compatible", 2, 10),
    ("syntax", "mc1\naccept a=1\ndefault b=1\n", "compatible", 3, 1),
    ("syntax", "mc1 a=%2\n", "version", 1, 7),
    ("leading-zero", "mc1 a=007\n", "version", 1, 7),
    ("leading-zero", "mc1 v=1.02\n", "version", 1, 9),
    ("leading-zero", "mc1 r=01/2\n", "version", 1, 7),
    ("int-overflow", "mc1 a=18446744073709551616\n", "version", 1, 7),
    ("key-too-long", f"mc1 {LONG_KEY}x=1\n", "version", 1, 68),
    ("token-too-long", f"mc1 a={LONG_TOKEN}x\n", "version", 1, 262),
    ("token-too-long", f"mc1 a={{{LONG_TOKEN}x}}\n", "version", 1, 263),
    ("bad-escape", "mc1 a=x%41\n", "version", 1, 8),
    ("bad-escape", "mc1 a=x%2f\n", "version", 1, 8),
    ("bad-escape", "mc1 a=x%0A\n", "version", 1, 8),
    ("version-too-long", "mc1 v=1.2.3.4.5.6.7.8.9\n", "version", 1, 7),
    ("too-many-members", "mc1 s={" + ",".join(f"m{i}" for i in range(65)) + "}\n", "version", 1, 254),
    ("zero-denominator", "mc1 share=1/0\n", "version", 1, 13),
    ("unreduced-ratio", "mc1 share=2/4\n", "version", 1, 11),
    ("duplicate-key", "mc1 a=1 a=2\n", "version", 1, 9),
    ("duplicate-key", "mc1 a=1 ~a=2\n", "version", 1, 10),
    ("duplicate-key", "mc1 a=1\nparam a=2\n", "version", 2, 7),
    ("duplicate-key", "mc1 a=1\nparam p=1 a=2\n", "version", 2, 11),
    ("duplicate-key", "mc1\ndefault a=1 a=2\n", "compatible", 2, 13),
    ("duplicate-key", "mc1\naccept a=1 a<={x}\n", "compatible", 2, 12),
    ("duplicate-member", "mc1 s={a,b,a}\n", "version", 1, 12),
    ("duplicate-member", "mc1\naccept a=1|2|1\n", "compatible", 2, 14),
    ("duplicate-param", "mc1 a=1\nparam p=1\nparam p=1\n", "version", 3, 9),
    ("param-conflict", "mc1 a=1\nparam p=1 s=1\nparam q=1 s=2\n", "version", 3, 11),
    ("param-conflict", "mc1 a=1\nparam p=1 q=1\nparam q=1\n", "version", 3, 7),
    ("mixed-types", "mc1 a=1\nparam p=1\nparam p=x\n", "version", 3, 9),
    ("mixed-types", "mc1\naccept a=1|1.0\n", "compatible", 2, 12),
    ("mixed-types", "mc1\naccept a=1..2.0\n", "compatible", 2, 10),
    ("empty-range", "mc1\naccept a=5..1\n", "compatible", 2, 10),
    ("empty-range", "mc1\naccept v=1.10..1.9\n", "compatible", 2, 10),
]


def _parse(text: str | bytes, attribute: str) -> object:
    return parse_version(text) if attribute == "version" else parse_compatible(text)


@pytest.mark.parametrize(("code", "text", "attribute", "line", "column"), CASES)
def test_error_code_and_position(code: str, text: str | bytes, attribute: str, line: int, column: int) -> None:
    with pytest.raises(ParseError) as caught:
        _parse(text, attribute)
    error = caught.value
    assert (error.code, error.line, error.column) == (code, line, column), error.render()
    rendered = error.render()
    assert f"error[{code}]" in rendered
    assert rendered.splitlines()[-1].strip().startswith("|")
    assert "^" in rendered.splitlines()[-1]


def test_every_text_error_code_is_produced() -> None:
    produced = {case[0] for case in CASES}
    text_codes = set(ERROR_CODES) - {"invalid-model"}  # produced by from_json: tests/test_jsonmodel.py
    assert text_codes <= produced, sorted(text_codes - produced)


def test_caret_points_at_the_span() -> None:
    with pytest.raises(ParseError) as caught:
        parse_version("mc1 device_api=vfio-pci qty=007\n")
    lines = caught.value.render().splitlines()
    source, carets = lines[-2], lines[-1]
    start = carets.index("^")
    assert source[start : start + carets.count("^")] == "007"


@pytest.mark.parametrize(
    ("parser", "text", "hint"),
    [
        (parse_version, "mc1\naccept a=1\n", "parse it with parse_compatible()"),
        (parse_version, b"mc1\n", "parse it with parse_compatible()"),
        (parse_compatible, "mc1 a=1\n", "parse it with parse_version()"),
    ],
)
def test_the_other_attribute_given_to_a_parser_gets_a_hint(parser: object, text: str | bytes, hint: str) -> None:
    """The code and position stay those of clause 7.3; only the sentence names the likely slip."""
    with pytest.raises(ParseError) as caught:
        parser(text)  # type: ignore[operator]
    error = caught.value
    assert (error.code, error.line, error.column) == ("syntax", 1, 4)
    assert error.hint is not None and error.hint.endswith(hint)
    assert str(error).endswith(hint)
    assert "hint" not in error.to_dict()


@pytest.mark.parametrize(("parser", "text"), [(parse_version, "mc1 a=\n"), (parse_compatible, "mc1\naccept a=\n")])
def test_an_error_in_the_right_attribute_has_no_hint(parser: object, text: str) -> None:
    with pytest.raises(ParseError) as caught:
        parser(text)  # type: ignore[operator]
    assert caught.value.hint is None


def test_limits_at_the_bound_are_accepted() -> None:
    assert parse_version(f"mc1 {LONG_KEY}=1\n").fields[LONG_KEY].value == 1
    assert parse_version(f"mc1 a={LONG_TOKEN}\n").fields["a"].value == LONG_TOKEN
    assert parse_version("mc1 a=18446744073709551615\n").fields["a"].value == 2**64 - 1
    assert len(parse_version("mc1 v=1.2.3.4.5.6.7.8\n").fields["v"].value.parts) == 8  # type: ignore[union-attr]
    members = ",".join(f"m{i:02d}" for i in range(64))
    assert len(parse_version(f"mc1 s={{{members}}}\n").fields["s"].value) == 64  # type: ignore[arg-type]
    exact = _attribute_of_length(4095)
    assert len(parse_version(exact).fields) > 10
    assert parse_version(exact.rstrip("\n")) == parse_version(exact)
    with pytest.raises(ParseError, match="too-long"):
        parse_version(_attribute_of_length(4096))


def test_too_long_gives_the_size_of_the_text_it_was_given() -> None:
    """A reader that stops at 4096 bytes hands over text with no final newline: the size read is named."""
    whole = _attribute_of_length(5000)
    with pytest.raises(ParseError) as ended:
        parse_version(whole)
    assert ended.value.message == "the attribute is 5000 bytes; at most 4095 are allowed, including the final newline"
    with pytest.raises(ParseError) as cut:
        parse_version(whole.encode()[:4096])
    assert cut.value.message == (
        "the attribute is 4096 bytes without a final newline (4097 with one);"
        " at most 4095 are allowed, including the final newline"
    )


def _attribute_of_length(size: int) -> str:
    """A valid migration_version of exactly *size* bytes with its final newline."""
    fields = []
    used = len("mc1\n")
    index = 0
    while size - used > 300:
        field = f" k{index:03d}=" + "v" * 200
        fields.append(field)
        used += len(field)
        index += 1
    fields.append(f" k{index:03d}=" + "v" * (size - used - len(f" k{index:03d}=")))
    text = "mc1" + "".join(fields) + "\n"
    assert len(text) == size
    return text


def test_escapes_of_characters_outside_the_alphabet_are_accepted() -> None:
    assert parse_version("mc1 ~name=GRID%20T4-2Q\n").fields["name"].value == "GRID%20T4-2Q"


def _model_or_located_error(parse_function: object, text: str | bytes) -> None:
    """A valid input parses to a model that round-trips; an invalid one gets a coded error inside the input."""
    try:
        model = parse_function(text)  # type: ignore[operator]
    except MigcompatError as error:
        assert error.code in ERROR_CODES
        assert isinstance(error, ParseError)
        lines = (text.decode("latin-1") if isinstance(text, bytes) else text).split("\n")
        assert 1 <= error.line <= len(lines) + 1
        assert error.column >= 1
        return
    assert parse(emit(model)) == model


@given(st.text(max_size=200))
def test_arbitrary_text_gives_a_model_or_a_migcompat_error(text: str) -> None:
    _model_or_located_error(parse, text)


@given(st.binary(max_size=200))
def test_arbitrary_bytes_give_a_model_or_a_migcompat_error(data: bytes) -> None:
    _model_or_located_error(parse, data)


@given(st.text(alphabet="mc1 =~{},|.$<>/%:-_aZ09\nparamcetdfu", max_size=120))
def test_near_valid_text_gives_a_model_or_a_migcompat_error(text: str) -> None:
    for function in (parse_version, parse_compatible):
        _model_or_located_error(function, "mc1 " + text)


@pytest.mark.parametrize(
    ("text", "code", "column", "said"),
    [
        (b"mc1 driver=mtty  \n", "whitespace", 17, "a line ends with spaces"),
        (b"mc1 driver=mtty \n", "whitespace", 16, "a line ends with a space"),
        (b"mc1  driver=mtty\n", "whitespace", 5, "items are separated by exactly one space"),
        (b"mc1 a=1  b=2 \n", "whitespace", 9, "items are separated by exactly one space"),
        (b"\xef\xbb\xbfmc1 driver=mtty\n", "non-ascii", 1, "the attribute starts with a UTF-8 byte order mark"),
        (b"mc1 driver=\xef\xbb\xbf\n", "non-ascii", 12, "byte 0xef is not 7-bit ASCII"),
    ],
)
def test_whitespace_and_byte_order_marks_are_named_for_what_they_are(
    text: bytes, code: str, column: int, said: str
) -> None:
    """The code and position are the specification's (clause 7.3); the message names the slip."""
    with pytest.raises(ParseError) as caught:
        parse_version(text)
    assert (caught.value.code, caught.value.line, caught.value.column) == (code, 1, column)
    assert said in caught.value.message
    if column != 1:
        assert "byte order mark" not in caught.value.message


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("x%2d", "escape %2d stands for '-', which must be written as is"),  # not "use upper case" first
        ("x%2D", "escape %2D stands for '-', which must be written as is"),
        ("x%2f", "escape %2f must use upper-case hex digits (%2F)"),
        ("x%0a", "escape %0a is not a printable ASCII character"),
        ("x%e9", "escape %e9 is not a printable ASCII character"),
        ("x%7e", "escape %7e must use upper-case hex digits (%7E)"),  # '~' is not a token character
    ],
)
def test_a_bad_escape_names_every_fault_of_it_at_once(token: str, message: str) -> None:
    """A driver author mends an escape in one round: the lower-case %2d is '-', which needs no escape at all."""
    with pytest.raises(ParseError) as raised:
        parse_version(f"mc1 a={token}\n")
    assert (raised.value.code, raised.value.message, raised.value.column) == ("bad-escape", message, 8)
