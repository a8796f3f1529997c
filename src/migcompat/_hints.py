"""Hints for the syntax errors drivers' authors make most: the one table of slips and what to write instead.

A ``syntax`` error says where the grammar stopped and what it expected there
(clause 7.2); that is precise but does not say why. :func:`syntax_hint` looks at
the text around that position and, when it matches one of the slips of
``_SLIPS``, gives one line naming it (``$`` in a ``migration_version``,
``~`` in a rule, ``$8``, ``<=$1``, an upper-case key, a space inside a value,
a ``default`` line after an ``accept`` line). It only reads text the parser has
already rejected: nothing here changes which inputs are valid, nor the code
and position of an error. :func:`migcompat.parse.parse_version` and
:func:`~migcompat.parse.parse_compatible` put its answer in the
:class:`~migcompat.errors.ParseError`'s ``hint``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

__all__ = ["syntax_hint"]

_VERSION: Final = "migration_version"
_COMPATIBLE: Final = "migration_compatible_devices"


@dataclass(frozen=True)
class _Site:
    """Where a syntax error is: the attribute, the lines before it, its line and the item on that line.

    *kind* is the line's kind: ``header`` for the first line, else its first
    word (``param``, ``default``, ``accept``, or whatever else is there).
    *item* is the space-separated item the error is in (for an error at a
    space or at the end of the line, the item before it), *offset* the
    error's 0-based place in *item* (its length when the error is after it),
    *previous* the item before *item* on the line (empty for none).
    """

    attribute: str
    earlier: tuple[str, ...]
    kind: str
    line: str
    index: int
    item: str
    offset: int
    previous: str

    @property
    def rest(self) -> str:
        """The line from the error on."""
        return self.line[self.index :]


_KEYWORDS: Final = frozenset({"param", "default", "accept"})
_ANY_KEY: Final = re.compile(r"~?([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)?)(?:=|<=|>=)")
"""An item that starts with a key in any case and an operator: a key the grammar refuses only for its case."""
_SELF_FORM: Final = re.compile(r"\$[A-Za-z0-9_:+$-]*")
"""A ``$`` and the characters a vendor might have meant to follow it (``$8``, ``$12``, ``$x``, ``$$``)."""
_SUBSET_SELF: Final = re.compile(r"~?[A-Za-z0-9_.]*(<=|>=)\$[^ ]")
"""A subset or superset constraint whose operand is ``$`` followed by more (``<=$1``)."""
_SELF_TERMS: Final = "$ (the target's own value) and $1 to $7 (its own version cut to 1 to 7 components)"


_SHOWN: Final = 40
"""At most this many characters of the text a hint quotes (an item can be as long as its line)."""


def _shown(text: str) -> str:
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _self_outside_rules(site: _Site) -> str | None:
    if not site.rest.startswith("$") or site.kind not in ("header", "param", "default"):
        return None
    if site.attribute == _VERSION:
        place = "a migration_version gives each field a literal value"
    else:
        place = "a default line gives each key a literal value (clause 5.7)"
    return f"{_SELF_TERMS} are allowed only in the accept rules of a migration_compatible_devices; {place}"


def _mark_in_rules(site: _Site) -> str | None:
    if site.attribute != _COMPATIBLE or site.kind not in ("accept", "default") or not site.rest.startswith("~"):
        return None
    if site.offset != 0:  # a ~ inside a key or a value: not the mark
        return None
    unmarked = site.item.lstrip("~")
    write = f": write {_shown(unmarked)}" if unmarked[:1].isalpha() else ""
    return (
        f"the ignorable mark ~ belongs on a field of the migration_version; keys in {site.kind} lines carry no mark"
        f" (clause 5.4){write}"
    )


def _self_operand(site: _Site) -> str | None:
    found = _SUBSET_SELF.match(site.item)
    if site.kind != "accept" or found is None or site.offset <= found.end(1):
        return None
    return f"the operand of {found.group(1)} is a set or $ alone, never $N (clause 5.6)"


def _unknown_self_form(site: _Site) -> str | None:
    if site.kind != "accept":
        return None
    start = site.item.rfind("$", 0, site.offset)
    if start < 0:
        return None
    form = _SELF_FORM.match(site.item, start)
    assert form is not None  # it matches the "$" at least
    if form.group() in ("$", *(f"${n}" for n in range(1, 8))) or form.end() <= site.offset:
        return None  # a valid form, with the error after it
    return f"{_shown(form.group())} is not a self-reference: the forms are {_SELF_TERMS} (clause 5.6)"


def _upper_case_key(site: _Site) -> str | None:
    found = _ANY_KEY.match(site.item)
    if found is None or site.offset >= found.end(1) or found.group(1) == found.group(1).lower():
        return None
    mark = "~" if site.item.startswith("~") and site.kind in ("header", "param") else ""
    return (
        "keys are lower case (a lower-case letter, then lower-case letters, digits and _; clause 5.2):"
        f" write {mark}{_shown(found.group(1).lower())}"
    )


def _space_in_value(site: _Site) -> str | None:
    if not site.item or "=" in site.item or "=" not in site.previous:
        return None
    if site.item in _KEYWORDS:
        return f"{site.item} starts a line: begin a new line before it (clause 4.2)"
    after = site.line[site.index + len(site.item) - site.offset :].lstrip(" ")
    if after.startswith(("=", "<=", ">=")):
        return f"no space between a key and its operator: write {_shown(site.item)}{after.split(' ', 1)[0]}"
    value = site.previous.split("=", 1)[1]
    if not value or value.endswith(("}", "$")) or ".." in value or "|" in value:
        return None  # a set, a range, $ or alternatives before it: a space there is no escaped space
    return (
        f"{_shown(site.item)} is not a key=value: a value cannot hold a space; if it belongs to the value before"
        f" it, escape the space as %20 ({_shown(site.previous)}%20{_shown(site.item)})"
    )


def _space_in_set(site: _Site) -> str | None:
    if site.index >= len(site.line) or site.line[site.index] != " " or site.item.count("{") <= site.item.count("}"):
        return None
    return "a set's members are separated by a comma alone ({a,b}); a space inside a value must be escaped as %20"


def _default_after_accept(site: _Site) -> str | None:
    if site.attribute != _COMPATIBLE or site.kind != "default" or site.index != 0:
        return None
    if any(line.startswith("accept") for line in site.earlier[1:]):
        return "the default line comes before every accept line (clause 4.2): move it to just after the header"
    if any(line.startswith("default") for line in site.earlier[1:]):
        return "there is at most one default line (clause 4.2): give every default on it"
    return None


_SLIPS: Final[tuple[tuple[str, Callable[[_Site], str | None]], ...]] = (
    ("$ outside an accept rule", _self_outside_rules),
    ("~ in a rule or the default line", _mark_in_rules),
    ("$N as the operand of <= or >=", _self_operand),
    ("an unknown $-form", _unknown_self_form),
    ("an upper-case key", _upper_case_key),
    ("a space inside a set", _space_in_set),
    ("a space inside a value", _space_in_value),
    ("a default line after an accept line", _default_after_accept),
)
"""The slips, most specific first: each row's test returns the hint when the error's site shows that slip."""


def syntax_hint(text: str | bytes, attribute: str, line: int, column: int) -> str | None:
    """The one-line hint for a ``syntax`` error at *line*, *column* (1-based) of *text*, or None.

    *text* is the attribute that failed to parse, *attribute* the one it was
    parsed as (``migration_version`` or ``migration_compatible_devices``).
    The first row of ``_SLIPS`` whose slip the text around the error
    shows gives the hint; None when none does. Never raises for an input the
    parser rejected with ``syntax``.
    """
    if isinstance(text, bytes):
        text = text.decode("latin-1")
    lines = text.split("\n")
    if not 0 < line <= len(lines):
        return None
    current = lines[line - 1]
    index = min(max(column - 1, 0), len(current))
    at_gap = index >= len(current) or current[index] == " "
    start = current.rfind(" ", 0, index) + 1
    if at_gap and index > 0 and current[index - 1] == " ":
        start = index  # an error right after a space: an empty item
    end = index if at_gap else len(current) if current.find(" ", index) < 0 else current.find(" ", index)
    before = current[: max(start - 1, 0)]
    previous = before[before.rfind(" ") + 1 :] if start > 0 else ""
    first = current.split(" ", 1)[0]
    site = _Site(
        attribute=attribute,
        earlier=tuple(lines[: line - 1]),
        kind="header" if line == 1 else first if first in _KEYWORDS else "",
        line=current,
        index=index,
        item=current[start:end],
        offset=index - start,
        previous=previous,
    )
    for _, slip in _SLIPS:
        hint = slip(site)
        if hint is not None:
            return hint
    return None
