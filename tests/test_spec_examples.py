"""Spec examples are tests: every example attribute in spec/*.rst parses (or fails) as its class says.

An example is a ``.. code-block:: text`` whose ``:class:`` option names its kind:
``mc-version``, ``mc-compatible``, or ``mc-invalid mc-error-<code>``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migcompat import emit, parse_compatible, parse_version
from migcompat.cases.spec import Example, examples_under
from migcompat.errors import ParseError

SPEC = Path(__file__).resolve().parents[1] / "spec"


def examples(root: Path = SPEC) -> list[Example]:
    """Every classed ``code-block:: text`` under *root* (the extractor lives in :mod:`migcompat.cases.spec`)."""
    return examples_under(root)


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
