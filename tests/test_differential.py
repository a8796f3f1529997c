"""The fast path and the Lark reference parser agree (the fast path's correctness proof).

For every input: if the fast path returns a model, the reference parser returns
the same model; if it raises (only the shared whole-input checks do), the
reference raises the same error; and the fast path declines no valid canonical string (else it
would not be fast). Inputs are generated valid strings and mutations of them.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from migcompat import _fast, emit
from migcompat.errors import ParseError
from migcompat.model import CompatibleDevices, MigrationVersion
from migcompat.reference_parser import reference_parse_compatible, reference_parse_version
from strategies import MUTATION_ALPHABET, models, mutate

ALPHABET = MUTATION_ALPHABET


def check_agreement(text: str) -> None:
    for fast, reference in (
        (_fast.parse_version, reference_parse_version),
        (_fast.parse_compatible, reference_parse_compatible),
    ):
        try:
            result = fast(text)
        except ParseError as fast_error:
            try:
                reference(text)
            except ParseError as error:
                assert (error.code, error.line, error.column) == (fast_error.code, fast_error.line, fast_error.column)
            else:
                raise AssertionError(f"only the fast path rejects {text!r}") from None
            continue
        try:
            expected = reference(text)
        except ParseError:
            assert result is None, f"fast path accepted {text!r}, which the reference rejects"
            continue
        assert result is None or result == expected, text


@given(models)
def test_fast_path_accepts_every_valid_string(model: MigrationVersion | CompatibleDevices) -> None:
    text = emit(model)
    _fast.clear_caches()
    fast = _fast.parse_version(text) if isinstance(model, MigrationVersion) else _fast.parse_compatible(text)
    assert fast == model
    # And again from the warm cache.
    fast = _fast.parse_version(text) if isinstance(model, MigrationVersion) else _fast.parse_compatible(text)
    assert fast == model


@st.composite
def mutations(draw: st.DrawFn) -> str:
    return mutate(draw, emit(draw(models)))


@given(mutations())
def test_fast_path_never_disagrees_on_mutated_strings(text: str) -> None:
    check_agreement(text)


@given(st.text(alphabet=ALPHABET, max_size=80).map(lambda s: "mc1 " + s))
def test_fast_path_never_disagrees_on_random_text(text: str) -> None:
    check_agreement(text)
