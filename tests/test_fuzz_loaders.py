"""Fuzzing every loader of JSON input: a model, or the loader's documented error, never another exception.

The loaders: captures (:func:`migcompat.capture.loads`, ``CaptureError``),
case files (:func:`migcompat.cases.model.load_suite`, ``CaseError``) and data
models (:func:`migcompat.jsonmodel.loads` and the command line's decoding,
``DataModelError``). Each is fed arbitrary bytes, arbitrary JSON, valid
documents with one member replaced by an arbitrary value, and hostile shapes
(deep nesting, long integers, long strings); whatever it is given, it answers
with a model or a :class:`~migcompat.errors.MigcompatError` of its own class
with a registered code. The targets and the inputs are those of
``fuzz/fuzz_loaders.py``, which runs them for as long as one likes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from migcompat.jsonmodel import to_json
from strategies import examples, models

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))
import fuzz_loaders
from fuzz_loaders import check_capture, check_case_file, check_model, strategy

FAST = settings(max_examples=examples(100), suppress_health_check=[HealthCheck.too_slow], deadline=None)


@FAST
@given(strategy("capture"))
def test_a_capture_loads_or_raises_capture_error(data: bytes) -> None:
    check_capture(data)


@FAST
@given(strategy("cases"))
def test_a_case_file_loads_or_raises_case_error(data: bytes) -> None:
    check_case_file(data)


@FAST
@given(strategy("model", models.map(to_json)))
def test_a_json_model_loads_or_raises_data_model_error(data: bytes) -> None:
    check_model(data)


@pytest.mark.parametrize("text", fuzz_loaders.HOSTILE, ids=range(len(fuzz_loaders.HOSTILE)))
def test_every_hostile_text_through_every_loader(text: str) -> None:
    for check in fuzz_loaders.TARGETS.values():
        check(text.encode("utf-8", "surrogatepass"))


def test_a_leaked_exception_fails_the_check(monkeypatch: Any) -> None:
    def leaky(text: object, origin: str = "") -> None:
        raise RecursionError("leaked")

    monkeypatch.setattr(fuzz_loaders.capture, "loads", leaky)
    with pytest.raises(AssertionError, match="RecursionError"):
        check_capture(b"{}")
