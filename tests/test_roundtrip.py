"""Round trips between text and model (clause 6): parse(emit(m)) == m and emit(parse(s)) == s."""

from __future__ import annotations

from hypothesis import given

from migcompat import emit, parse, parse_compatible, parse_version
from migcompat.model import CompatibleDevices, MigrationVersion
from strategies import compatible_models, models, version_models


@given(version_models())
def test_parse_emit_version(model: MigrationVersion) -> None:
    assert parse_version(emit(model)) == model


@given(compatible_models())
def test_parse_emit_compatible(model: CompatibleDevices) -> None:
    assert parse_compatible(emit(model)) == model


@given(models)
def test_emit_parse_is_identity_on_canonical_text(model: MigrationVersion | CompatibleDevices) -> None:
    canonical = emit(model)
    assert emit(parse(canonical)) == canonical


@given(models)
def test_final_newline_is_optional_and_bytes_are_accepted(model: MigrationVersion | CompatibleDevices) -> None:
    canonical = emit(model)
    assert parse(canonical.rstrip("\n")) == model
    assert parse(canonical.encode("ascii")) == model


@given(models, models)
def test_byte_equal_iff_models_equal(
    a: MigrationVersion | CompatibleDevices, b: MigrationVersion | CompatibleDevices
) -> None:
    assert (emit(a) == emit(b)) == (a == b)


def test_non_canonical_order_parses_to_the_canonical_model() -> None:
    text = "mc1 type=mtty-2 driver=mtty device_api=vfio-pci features={b,a}\n"
    assert emit(parse_version(text)) == "mc1 device_api=vfio-pci driver=mtty features={a,b} type=mtty-2\n"
