"""Showing strings that came from an input, in reports for people and for CI.

Host, kernel, path and type names come from a capture or a sysfs tree, case
ids and reasons from files, error codes and standard error from programs
under test: any of them may hold an escape sequence that clears the screen
or erases a line, a newline followed by a genuine-looking ``PASS`` line, or
a character XML 1.0 forbids. :func:`escape` turns such a string into one
line of printable ASCII that cannot move the cursor: control characters,
DEL, non-ASCII and the backslash itself are written as escapes (``\\n``,
``\\t``, ``\\r``, ``\\\\``, ``\\xNN``), a non-ASCII character as the
``\\xNN`` escapes of its UTF-8 bytes, and a byte of a file name that is not
UTF-8 (which Python keeps as a lone surrogate) as ``\\xNN`` of that byte.
Every report shows every input-derived string through it.

The module also has what the reports share besides: :func:`plural`,
:func:`first_few` (the first few items of a list, then how many more),
:func:`rule_numbers` (rule numbers are 0-based, and the reports say so
wherever one is shown), :func:`file_kind` (what a path that is not a regular
file is) and :func:`finish_junit` (a JUnit document counted as it is written).
"""

from __future__ import annotations

import re
import stat
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from typing import Final, TypeVar

__all__ = [
    "all_printable",
    "article",
    "escape",
    "escape_lines",
    "escape_unless_printable",
    "file_kind",
    "finish_junit",
    "first_few",
    "plural",
    "rule_numbers",
]

_NAMED: Final = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(text: str) -> str:
    """*text* as one line of printable ASCII: every other character (and ``\\``) as an escape.

    The result is unambiguous (the backslash is escaped too), holds no
    control character, no DEL, no non-ASCII character and no newline, and is
    *text* itself when *text* is printable ASCII without a backslash.
    """
    if text.isascii() and text.isprintable() and "\\" not in text:
        return text
    out: list[str] = []
    for char in text:
        code = ord(char)
        if 0x20 <= code < 0x7F and char != "\\":
            out.append(char)
        elif char in _NAMED:
            out.append(_NAMED[char])
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
            out.append(f"\\x{code - 0xDC00:02x}")
        else:
            out.extend(f"\\x{byte:02x}" for byte in char.encode("utf-8", "surrogatepass"))
    return "".join(out)


def escape_lines(text: str) -> list[str]:
    """The lines of *text* (split at ``\\n`` only), each escaped; a trailing newline adds no empty line."""
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return [escape(line) for line in lines]


def article(noun: str) -> str:
    """*noun* with its indefinite article: ``an integer``, ``a version``."""
    return f"{'an' if noun[:1] in 'aeiou' else 'a'} {noun}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 warning``, ``2 warnings``; *plural_form* for a word that is not made plural with ``s``."""
    word = singular if count == 1 else (plural_form if plural_form is not None else singular + "s")
    return f"{count} {word}"


_T = TypeVar("_T")


def first_few(items: Sequence[_T], limit: int, show: Callable[[_T], str] = str, separator: str = ", ") -> str:
    """The first *limit* of *items* as *show* writes them, joined by *separator*, then how many more there are.

    *show* is called on the shown items only. When *items* has more than
    *limit* items, ``and K more`` follows (K is ``len(items) - limit``),
    after ``"; "`` when *separator* is ``"; "`` (``a; b; and 3 more``),
    otherwise after a space (``a, b and 3 more``). When it has at most
    *limit*, they are all shown and nothing follows; no items give ``""``.
    *limit* must be at least 1 (:exc:`ValueError` otherwise).
    """
    if limit < 1:
        raise ValueError(f"first_few: limit must be at least 1, not {limit}")
    shown = separator.join(show(item) for item in items[:limit])
    if len(items) <= limit:
        return shown
    return f"{shown}{'; ' if separator == '; ' else ' '}and {len(items) - limit} more"


_RULE_NUMBER: Final = re.compile(r"\b(rules? \d+(?:, \d+)*)\b")


def rule_numbers(text: str) -> str:
    """*text* with ``(0-based)`` after each rule number it shows: ``rule 3`` -> ``rule 3 (0-based)``."""
    if "rule" not in text or "(0-based)" in text:
        return text
    return _RULE_NUMBER.sub(r"\1 (0-based)", text)


_XML_FORBIDDEN: Final = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""A character XML 1.0 does not allow in a document (``Char`` of the XML 1.0 grammar)."""


def finish_junit(root: ET.Element) -> str:
    """The JUnit document *root* (``<testsuites>``), counted as written, as text.

    Each ``<testsuite>`` gets ``tests`` (its ``<testcase>`` elements),
    ``failures``, ``errors`` and ``skipped`` (the test cases with such a
    child); ``<testsuites>`` gets the sums of ``tests``, ``failures`` and
    ``errors`` (the Jenkins JUnit schema has no ``skipped`` there). The
    strings put into *root* should already be escaped (:func:`escape`); a
    character XML 1.0 forbids that is still there is written as its escape.
    """
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in root.iter("testsuite"):
        cases = suite.findall("testcase")
        counts = {
            "tests": len(cases),
            "failures": sum(1 for case in cases if case.find("failure") is not None),
            "errors": sum(1 for case in cases if case.find("error") is not None),
            "skipped": sum(1 for case in cases if case.find("skipped") is not None),
        }
        for name, count in counts.items():
            suite.set(name, str(count))
        for name in totals:
            totals[name] += counts[name]
    rest = {key: value for key, value in root.attrib.items() if key not in ("name", *totals)}
    title = root.get("name")
    root.attrib.clear()  # written as name, the counts, then the rest (time)
    if title is not None:
        root.set("name", title)
    for key, total in totals.items():
        root.set(key, str(total))
    for key, other in rest.items():
        root.set(key, other)
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode")
    # A safety net: whatever was not escaped, no character XML 1.0 forbids reaches the document.
    text = _XML_FORBIDDEN.sub(lambda match: escape(match.group()), text)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n"


def all_printable(lines: Iterable[str]) -> bool:
    """True when every line is printable ASCII (for text a module has already made safe)."""
    return all(line.isascii() and line.isprintable() for line in lines)


def escape_unless_printable(text: str) -> str:
    """*text* as it is when it is printable ASCII (already safe to show, perhaps escaped before), else escaped."""
    return text if all_printable([text]) else escape(text)


def file_kind(mode: int) -> str:
    """What a file of ``st_mode`` *mode* that is not a regular file is: ``a directory``, ``a FIFO``, ...."""
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return name
    return "a special file"
