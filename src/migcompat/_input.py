"""Checks on the attribute text as a whole, made before any parser runs (clause 7.1).

Both the reference parser and the fast path start here, so the errors of this
stage are the same whichever parser runs.
"""

from __future__ import annotations

import re
from typing import Final

from .errors import ParseError
from .limits import HEADER, MAX_ATTRIBUTE_BYTES, READ_BYTES

_BAD_CHAR: Final = re.compile(r"[^\n -~]")
_SPACE: Final = " \t\n\x0b\x0c\r"
_HEADER_WORD: Final = re.compile(r"mc(0|[1-9][0-9]*)")
_FOREIGN_HEADER: Final = re.compile(r"mc(?:0|[1-9][0-9]*)(?![A-Za-z0-9])")
"""``mc`` and a format version number, ended by a byte that is not a letter or digit (or the end)."""
HEAD_BYTES: Final = READ_BYTES
"""Checks 0 and 1 of clause 7.1 look at this many bytes of the attribute (4096), no more.

It is what a reader that stops one byte past the limit holds (clause 13.1, the
command line's reader), so such a reader and one that holds the whole
attribute report the same code (specification 1.1, review r6 finding 2)."""


def split_lines(text: str | bytes) -> list[str]:
    """Check *text* as a whole and return its lines, without their newlines.

    One final newline is optional (sysfs adds it; a string from elsewhere may
    lack it). Raises :class:`ParseError` for every clause 7.1 error, in the
    order that clause lists them. A ``str`` is judged as its UTF-8 bytes.

    The header of another format version is recognised before anything else
    (check 0 of clause 7.1): a later major version may have other lexical rules,
    a longer limit or other characters, so none of this version's rules is
    applied to its text.

    Checks 0 (another version's header) and 1 (``empty``) look only at the first
    :data:`HEAD_BYTES` bytes: a numeral that reaches byte 4096 ends there, and
    an attribute whose first 4096 bytes are white space is ``empty`` whatever
    follows them. So the result depends only on those bytes, and a reader that
    reads no more than them gets the code a reader of the whole attribute gets.
    """
    if isinstance(text, bytes):
        text = text.decode("latin-1")  # one character per byte; anything above 0x7E is rejected below
    elif not text.isascii():
        text = text.encode("utf-8", "surrogatepass").decode("latin-1")
    head = text[:HEAD_BYTES]  # the same object when the text is no longer
    foreign = _FOREIGN_HEADER.match(head)
    if foreign is not None and foreign.group() != HEADER:
        _check_header(foreign.group())
    if not head.strip(_SPACE):
        message = (
            "the attribute is empty" if len(text) < HEAD_BYTES else f"its first {HEAD_BYTES} bytes are white space"
        )
        raise ParseError("empty", message, line=1, column=1, text=head.split("\n", 1)[0])
    ended = text.endswith("\n")
    if (len(text) if ended else len(text) + 1) > MAX_ATTRIBUTE_BYTES:
        line, column, shown = _locate(text, MAX_ATTRIBUTE_BYTES)
        size = f"{len(text)} bytes"
        if not ended:
            size += f" without a final newline ({len(text) + 1} with one)"
        raise ParseError(
            "too-long",
            f"the attribute is {size}; at most {MAX_ATTRIBUTE_BYTES} are allowed, including the final newline",
            line=line,
            column=column,
            text=shown,
        )
    bad = _BAD_CHAR.search(text)
    if bad is not None:
        _raise_bad_char(text, bad.start())
    if text.endswith("\n"):
        text = text[:-1]
    lines = text.split("\n")
    if "  " in text or " \n" in text or "\n " in text or "\n\n" in text or text[0] in " \n" or text[-1] in " \n":
        _raise_whitespace(lines)
    _check_header(lines[0])
    return lines


def _locate(text: str, offset: int) -> tuple[int, int, str]:
    """The 1-based line and column of *offset* in *text*, and that line's text."""
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return line, offset - start + 1, text[start : end if end >= 0 else len(text)]


def _raise_bad_char(text: str, offset: int) -> None:
    char = text[offset]
    line, column, shown = _locate(text, offset)
    if char == "\0":
        code, message = "nul", "a NUL byte"
    elif char == "\r":
        code, message = "crlf", "a carriage return; lines must end with LF alone (is this a CRLF file?)"
    elif ord(char) > 0x7F:
        code, message = "non-ascii", f"byte 0x{ord(char):02x} is not 7-bit ASCII"
        if offset == 0 and text.startswith("\xef\xbb\xbf"):
            message += (
                ": the attribute starts with a UTF-8 byte order mark (EF BB BF), as some editors write;"
                " save it without one"
            )
    else:
        code, message = "control-char", f"control character 0x{ord(char):02x} is not allowed"
    raise ParseError(code, message, line=line, column=column, text=shown)


def _raise_whitespace(lines: list[str]) -> None:
    for number, line in enumerate(lines, start=1):
        if line == "":
            message = "a blank line" if number < len(lines) else "more than one final newline"
            raise ParseError("whitespace", message, line=number, column=1, text=line)
        if line[0] == " ":
            raise ParseError("whitespace", "a line starts with a space", line=number, column=1, text=line)
        # Of the faults on one line, the first byte is reported (clause 7.3): a doubled SP before a trailing one.
        double = line.find("  ")
        if double >= 0:
            raise ParseError(
                "whitespace",
                "a line ends with spaces"
                if not line[double:].strip(" ")
                else "items are separated by exactly one space",
                line=number,
                column=double + 2,
                text=line,
            )
        if line[-1] == " ":
            raise ParseError("whitespace", "a line ends with a space", line=number, column=len(line), text=line)
    raise AssertionError("unreachable: no whitespace fault found")  # pragma: no cover


def _check_header(first: str) -> None:
    word = first.split(" ", 1)[0]
    if word == HEADER:
        return
    if _HEADER_WORD.fullmatch(word):
        number = word[2:] if len(word) <= 22 else f"{word[2:22]}... ({len(word) - 2} digits)"
        raise ParseError(
            "unsupported-version",
            f"format version {number} is not supported; this parser implements {HEADER}",
            line=1,
            column=1,
            length=len(word),
            text=first,
        )
    raise ParseError(
        "bad-header",
        f"the attribute must start with the format header {HEADER!r}, not {word[:20]!r}",
        line=1,
        column=1,
        length=max(1, len(word)),
        text=first,
    )
