"""Spec examples are tests: every example attribute in spec/*.rst parses (or fails) as its class says.

An example is a ``.. code-block:: text`` whose ``:class:`` option names its kind:
``mc-version``, ``mc-compatible``, or ``mc-invalid mc-error-<code>``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pytest

from migcompat import emit, parse_compatible, parse_version
from migcompat.errors import ParseError

SPEC = Path(__file__).resolve().parents[1] / "spec"
_DIRECTIVE = re.compile(r"^(?P<indent>[ ]*)\.\. code-block:: text[ ]*$")


class Example(NamedTuple):
    source: str
    line: int
    classes: tuple[str, ...]
    text: str


def examples(root: Path = SPEC) -> list[Example]:
    """Every classed ``code-block:: text`` under *root*, with its content unindented."""
    found = []
    for path in sorted(root.rglob("*.rst")):
        lines = path.read_text(encoding="utf-8").splitlines()
        index = 0
        while index < len(lines):
            match = _DIRECTIVE.match(lines[index])
            index += 1
            if not match:
                continue
            start = index
            base = len(match.group("indent"))
            classes: tuple[str, ...] = ()
            while index < len(lines) and lines[index].strip().startswith(":"):
                option, _, value = lines[index].strip()[1:].partition(":")
                if option == "class":
                    classes = tuple(value.split())
                index += 1
            body = []
            while index < len(lines) and (not lines[index].strip() or _indent(lines[index]) > base):
                body.append(lines[index])
                index += 1
            while body and not body[-1].strip():
                body.pop()
            while body and not body[0].strip():
                body.pop(0)
            if body and any(c.startswith("mc-") for c in classes):
                width = min(_indent(line) for line in body if line.strip())
                text = "\n".join(line[width:] for line in body) + "\n"
                found.append(Example(f"{path.relative_to(root.parent)}", start, classes, text))
    return found


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


ALL = examples()


def test_the_spec_has_examples_of_every_kind() -> None:
    kinds = {c for example in ALL for c in example.classes}
    assert {"mc-version", "mc-compatible", "mc-invalid"} <= kinds
    assert len(ALL) >= 20


@pytest.mark.parametrize("example", ALL, ids=[f"{e.source}:{e.line}" for e in ALL])
def test_spec_example(example: Example) -> None:
    if "mc-version" in example.classes:
        model = parse_version(example.text)
        assert emit(model) == example.text, "spec examples are written in canonical form"
    elif "mc-compatible" in example.classes:
        model = parse_compatible(example.text)
        assert emit(model) == example.text, "spec examples are written in canonical form"
    else:
        assert "mc-invalid" in example.classes, example.classes
        codes = [c.removeprefix("mc-error-") for c in example.classes if c.startswith("mc-error-")]
        assert len(codes) == 1, "an invalid example names exactly one error code"
        parser = parse_compatible if example.text.split("\n", 1)[0] == "mc1" else parse_version
        with pytest.raises(ParseError) as caught:
            parser(example.text)
        assert caught.value.code == codes[0]
