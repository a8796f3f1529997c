"""Lexemes to values: the checks of clause 7.3 that a grammar cannot state.

Both parsers call these functions on text the grammar has already matched, so
they check only what the grammar cannot: lengths, numeric range, leading zeros,
escapes, reduced ratios. A failed check raises :class:`Problem`, which the caller
turns into a positioned :class:`~migcompat.errors.ParseError`.
"""

from __future__ import annotations

from sys import intern
from typing import Final

from .limits import MAX_INTEGER, MAX_KEY_BYTES, MAX_SET_MEMBERS, MAX_TOKEN_BYTES, MAX_VERSION_PARTS
from .model import Ratio, Version

#: Characters a token may hold literally; everything else printable is %XX-escaped.
TOKEN_ALPHABET: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:+-")
_UPPER_HEX: Final = frozenset("0123456789ABCDEF")
INTERN_LIMIT: Final = 64
"""Tokens and set members up to this many characters are interned (:func:`interned`)."""


class Problem(Exception):
    """A check failed: *code* and *message* as in ParseError.

    *offset* and *length* locate the fault inside the lexeme that was checked.
    *where* is the place handle the item that failed a structural check
    carried (:mod:`migcompat._build`): a JSON Pointer (str) from
    :mod:`migcompat.jsonmodel`, a Lark token or tree from the reference parser,
    None for none. Problem never reaches callers of the library: every parser
    turns it into a :class:`~migcompat.errors.ParseError` or
    :class:`~migcompat.errors.DataModelError`.
    """

    def __init__(self, code: str, message: str, offset: int = 0, length: int = 0, *, where: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.offset = offset
        self.length = length
        self.where = where


def interned(text: str) -> str:
    """*text*, interned when at most :data:`INTERN_LIMIT` characters long.

    Keys and short tokens repeat across every attribute of a fleet; interning
    them makes repeated parses share one string object each. *text* must be a
    plain str (not a subclass), as every lexeme the parsers pass is.
    """
    return intern(text) if len(text) <= INTERN_LIMIT else text


_MAX_TEXT: Final = str(MAX_INTEGER)


def integer(text: str) -> int:
    """An INT lexeme as an integer."""
    if len(text) > 1 and text[0] == "0":
        raise Problem("leading-zero", f"integer {text} has a leading zero", 0, len(text))
    if len(text) > len(_MAX_TEXT) or (len(text) == len(_MAX_TEXT) and text > _MAX_TEXT):
        shown = text if len(text) <= 2 * len(_MAX_TEXT) else f"{text[: len(_MAX_TEXT)]}... ({len(text)} digits)"
        raise Problem("int-overflow", f"integer {shown} is above {MAX_INTEGER}", 0, len(text))
    return int(text)


def version(text: str) -> Version:
    """A VERSION lexeme as a :class:`Version`."""
    pieces = text.split(".")
    if len(pieces) > MAX_VERSION_PARTS:
        raise Problem(
            "version-too-long",
            f"version {text} has {len(pieces)} components; at most {MAX_VERSION_PARTS} are allowed",
            0,
            len(text),
        )
    parts = []
    offset = 0
    for piece in pieces:
        try:
            parts.append(integer(piece))
        except Problem as exc:
            raise Problem(exc.code, f"version {text}: component {exc.message}", offset, len(piece)) from None
        offset += len(piece) + 1
    return Version(tuple(parts))


def ratio(text: str) -> Ratio:
    """A RATIO lexeme as a :class:`Ratio` in lowest terms."""
    top, _, bottom = text.partition("/")
    try:
        numerator = integer(top)
    except Problem as exc:
        raise Problem(exc.code, f"ratio {text}: numerator {exc.message}", 0, len(top)) from None
    try:
        denominator = integer(bottom)
    except Problem as exc:
        raise Problem(exc.code, f"ratio {text}: denominator {exc.message}", len(top) + 1, len(bottom)) from None
    if denominator == 0:
        raise Problem("zero-denominator", f"ratio {text} has a zero denominator", len(top) + 1, len(bottom))
    if _gcd(numerator, denominator) != 1:
        divisor = _gcd(numerator, denominator)
        raise Problem(
            "unreduced-ratio",
            f"ratio {text} is not in lowest terms; write {numerator // divisor}/{denominator // divisor}",
            0,
            len(text),
        )
    return Ratio(numerator, denominator)


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def token(text: str) -> str:
    """A TOKEN (or set member) lexeme (a plain str), checked for length and escapes, then :func:`interned`."""
    if len(text) > MAX_TOKEN_BYTES:
        raise Problem(
            "token-too-long",
            f"a token of {len(text)} bytes; at most {MAX_TOKEN_BYTES} are allowed",
            MAX_TOKEN_BYTES,
            len(text) - MAX_TOKEN_BYTES,
        )
    start = text.find("%")
    while start >= 0:
        _check_escape(text, start)
        start = text.find("%", start + 3)
    return interned(text)


def _check_escape(text: str, start: int) -> None:
    """Raise ``bad-escape`` for the escape at *start* unless it is one; the message says every fault of it at once
    (a lower-case ``%2d`` is also ``-``, which is written as is), so that one fix mends it."""
    digits = text[start + 1 : start + 3]
    upper = digits.upper()
    hexadecimal = set(upper) <= _UPPER_HEX
    char = chr(int(upper, 16)) if hexadecimal else ""
    if hexadecimal and char in TOKEN_ALPHABET:
        raise Problem("bad-escape", f"escape %{digits} stands for {char!r}, which must be written as is", start, 3)
    if hexadecimal and not " " <= char <= "~":
        raise Problem("bad-escape", f"escape %{digits} is not a printable ASCII character", start, 3)
    if digits != upper or not hexadecimal:
        written = f" (%{upper})" if hexadecimal else ""
        raise Problem("bad-escape", f"escape %{digits} must use upper-case hex digits{written}", start, 3)


def key(text: str) -> str:
    """A KEY lexeme (a plain str), checked for length, interned."""
    if len(text) > MAX_KEY_BYTES:
        raise Problem(
            "key-too-long",
            f"key of {len(text)} bytes; at most {MAX_KEY_BYTES} are allowed",
            MAX_KEY_BYTES,
            len(text) - MAX_KEY_BYTES,
        )
    return intern(text)


def member_set(members: list[str]) -> frozenset[str]:
    """Set members (already checked by :func:`token`) as a set.

    Raises on a duplicate or too many members; *offset* in the Problem is the
    index of the offending member.
    """
    result = frozenset(members)
    if len(result) != len(members):
        seen: set[str] = set()
        for index, member in enumerate(members):
            if member in seen:
                raise Problem("duplicate-member", f"set member {member!r} is given twice", index)
            seen.add(member)
    if len(result) > MAX_SET_MEMBERS:
        raise Problem(
            "too-many-members",
            f"a set of {len(result)} members; at most {MAX_SET_MEMBERS} are allowed",
            MAX_SET_MEMBERS,
        )
    return result


def decode_token(text: str) -> str:
    """The display form of a token: its %XX escapes replaced by their characters.

    Comparison never decodes (clause 5.3.1); this is for showing names such as
    ``GRID%20T4-2Q`` to people.
    """
    if "%" not in text:
        return text
    out = []
    index = 0
    while index < len(text):
        if text[index] == "%":
            out.append(chr(int(text[index + 1 : index + 3], 16)))
            index += 3
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def encode_token(text: str) -> str:
    """The token for a display string: the inverse of :func:`decode_token`.

    Raises ValueError when *text* holds a character no token can carry (a
    control or non-ASCII character), or a ``.`` that would start or end the
    token or double up.
    """
    out = []
    for char in text:
        if char in TOKEN_ALPHABET:
            out.append(char)
        elif " " <= char <= "~":
            out.append(f"%{ord(char):02X}")
        else:
            raise ValueError(f"{char!r} cannot appear in a token")
    result = "".join(out)
    if not result.replace(".", "").strip("0123456789"):
        raise ValueError(f"{text!r}: a token needs a character that is not a digit or a dot")
    if result.startswith(".") or result.endswith(".") or ".." in result:
        raise ValueError(f"{text!r}: a token's dots separate non-empty segments")
    return result
