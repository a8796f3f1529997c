"""What a scheduler service that embeds the library for months needs (review r18): bounded caches that one call
empties, and the documented exceptions for arguments of the wrong kind."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest

import migcompat
from migcompat import _caches, _fast, capture, jsonmodel
from migcompat.capture import CaptureError
from migcompat.compare import accepts, check, clear_cache
from migcompat.fleet.index import FleetIndex, _equality, _plain_bucket_values, _reads_self
from migcompat.fleet.inventory import load_inventory
from migcompat.parse import parse_compatible, parse_version
from migcompat.plan import plan
from migcompat.relate import relate
from migcompat.sysfs.reader import read_attribute

ROOT = Path(__file__).resolve().parents[1]
GVT = ROOT / "conformance" / "samples" / "gvt-g"


def _every_module() -> list[Any]:
    modules = [migcompat]
    for info in pkgutil.walk_packages(migcompat.__path__, "migcompat."):
        if info.name.startswith("migcompat.cli") or info.name.endswith("__main__"):
            continue  # the command's modules keep no cache of the library's
        modules.append(importlib.import_module(info.name))
    return modules


def test_every_bounded_cache_of_the_library_is_emptied_by_compare_clear_cache() -> None:
    modules = _every_module()
    registered = set(_caches._CLEARERS)
    unregistered = []
    for module in modules:
        for name, value in vars(module).items():
            info = getattr(value, "cache_info", None)
            if info is None or getattr(value, "__module__", None) != module.__name__:
                continue
            if info().maxsize is not None and value.cache_clear not in registered:
                unregistered.append(f"{module.__name__}.{name}")
    assert unregistered == []
    assert _fast.clear_caches in registered


def test_clear_cache_leaves_nothing_behind() -> None:
    rules = parse_compatible("mc1\naccept a=1..$ b=x|y\naccept c<={p,q}\n")
    own = parse_version("mc1 a=5 b=x\n")
    source = parse_version("mc1 a=2 b=z\n")
    check(source, rules, own)
    accepts(source, rules, own)
    plan(source, parse_version("mc1 b=x\nparam a=1\nparam a=9\n"), rules)
    relate(rules, parse_compatible("mc1\naccept a=1\n"))
    _fast.parse_compatible("mc1\naccept a=1\n")  # the pure-Python parser, whatever the accelerator
    assert len(_fast._constraints_cache) > 0
    clear_cache()
    holding = [
        f"{clear.__qualname__}"
        for clear in _caches._CLEARERS
        if getattr(getattr(clear, "__self__", None), "cache_info", lambda: None)() is not None
        and clear.__self__.cache_info().currsize  # type: ignore[attr-defined]
    ]
    assert holding == []
    assert not _fast._constraints_cache and not _fast._fields_cache


def test_the_parser_keeps_no_long_items() -> None:
    clear_cache()
    long = "|".join(f"v{i}" for i in range(200))
    assert _fast.parse_compatible(f"mc1\naccept k={long} d=x\n") is not None
    assert list(_fast._constraints_cache) == ["d=x"]


def test_an_index_build_leaves_no_per_constraint_cache() -> None:
    FleetIndex.build(load_inventory([str(GVT)]).providers)
    assert (_reads_self.cache_info().currsize, _equality.cache_info().currsize) == (0, 0)
    assert _plain_bucket_values.cache_info().currsize == 0


def test_sources_no_provider_accepts_count_against_the_class_bound() -> None:
    index = FleetIndex.build(load_inventory([str(GVT)]).providers, max_cached_classes=10)
    for number in range(100):
        assert index.accepting(parse_version(f"mc1 device_api=vfio-pci driver=new{number}\n")) == []
    assert len(index._flat) <= 10
    assert len(index._cache) <= 10


@pytest.mark.parametrize("value", [None, {"format": 1}, 3, ["mc1"]])
def test_loads_of_something_that_is_not_text_raises_type_error(value: object) -> None:
    with pytest.raises(TypeError, match="must be a str or bytes"):
        capture.loads(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a str or bytes"):
        jsonmodel.loads(value)  # type: ignore[arg-type]


def test_index_queries_refuse_what_is_not_a_provider_or_a_source() -> None:
    index = FleetIndex.build(load_inventory([str(GVT)]).providers)
    with pytest.raises(TypeError, match="provider must be a Provider"):
        index.classes_accepted(index.providers[0].rules)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="source must be a MigrationVersion"):
        index.accepting(memoryview(bytearray(16)).cast("i"))  # type: ignore[arg-type]


def test_a_nul_byte_in_a_path_is_a_read_failure_not_an_exception() -> None:
    result = read_attribute("/sys/a\0b")
    assert (result.data, result.error, result.message) == (None, "unreadable", "a NUL byte in the path")
    with pytest.raises(CaptureError) as caught:
        capture.capture("/tmp/\0x")
    assert caught.value.code == "capture-unreadable"
