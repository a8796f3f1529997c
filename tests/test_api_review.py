"""An integrator's review of the library: what it found, held.

Compiled rule sets, which the cache shares with every caller, could be
changed by one of them; a query of a mapping with an unknown class raised
KeyError; a JSON member named with a lone surrogate made ``str()`` of the
error unwritable as UTF-8.
"""

from __future__ import annotations

import json

import pytest

from migcompat import parse_compatible, parse_version
from migcompat.compare import accepts, check, compiled
from migcompat.errors import DataModelError
from migcompat.exports.errors import ExportError
from migcompat.exports.kubernetes import MAPPING_FORMAT, LabelScheme
from migcompat.exports.kubernetes import build_export as build_labels
from migcompat.exports.mapping import accepting, classes_of, mapping_text, parse_mapping
from migcompat.exports.table import build_table
from migcompat.fleet.inventory import load_inventory
from migcompat.jsonmodel import loads
from test_api_inputs import SAMPLES


def test_compiled_rules_cannot_be_changed_by_a_caller() -> None:
    source = parse_version("mc1 a=1\n")
    rules = parse_compatible("mc1\naccept a=$\n")
    own = parse_version("mc1 a=1\n")
    shared = compiled(rules, own)
    assert shared is compiled(rules, own)  # the cached form every caller of the process gets
    for name in ("all", "steps", "own", "target", "_all", "_unconstrained"):
        with pytest.raises(AttributeError):
            setattr(shared, name, 0)
        with pytest.raises(AttributeError):
            delattr(shared, name)
    assert dict(shared.own) == {"a": 1} and shared.target is rules
    with pytest.raises(TypeError):
        shared.own["a"] = 2  # type: ignore[index]
    assert accepts(source, rules, own) is check(source, rules, own).answer
    assert check(source, rules, own).compatible


@pytest.fixture(scope="module")
def mapping() -> object:
    providers = list(load_inventory([str(SAMPLES / "gvt-g")]).providers)
    export = build_labels(build_table(providers), LabelScheme("migcompat.io"))
    return parse_mapping(mapping_text(export.to_json(), "m").encode(), "m", MAPPING_FORMAT)


def test_a_query_with_a_class_the_mapping_lacks_is_export_unknown_class(mapping: object) -> None:
    first = next(iter(mapping.classes))  # type: ignore[attr-defined]
    assert accepting(mapping, [first]) is not None  # type: ignore[arg-type]
    with pytest.raises(ExportError) as raised:
        accepting(mapping, [first, "0" * 32, "f" * 32])  # type: ignore[arg-type]
    assert raised.value.code == "export-unknown-class"
    assert raised.value.where == "0" * 32
    assert "'00000000" in raised.value.message and "'ffffffff" in raised.value.message
    for wrong in ("ABC", [None], [1]):
        with pytest.raises(TypeError, match="class_ids must be an iterable of class identifiers"):
            accepting(mapping, wrong)  # type: ignore[arg-type]


def test_classes_of_refuses_a_source_that_is_no_model(mapping: object) -> None:
    for wrong in (None, "mc1 a=1\n"):
        with pytest.raises(TypeError, match="the source 'a' must be a MigrationVersion"):
            classes_of(mapping, [("a", wrong)])  # type: ignore[arg-type, list-item]


def test_an_error_placed_at_a_member_named_with_a_lone_surrogate_can_be_written() -> None:
    document = {
        "attribute": "migration_version",
        "format": 1,
        "fields": {"\ud800": {"critical": True, "value": {"type": "integer", "value": "1"}}},
        "params": [],
    }
    with pytest.raises(DataModelError) as raised:
        loads(json.dumps(document))
    error = raised.value
    assert error.where == error.path == "/fields/\\ud800"
    assert str(error).encode("utf-8") and json.dumps(error.to_dict(), ensure_ascii=False).encode("utf-8")
