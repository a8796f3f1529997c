"""E3 of specification 1.1: a ``default`` line gives a key with a registry default no other value (clause 5.7).

A source without ``aggregate`` is a device with ``aggregate=1``; a target
whose default line says ``aggregate=2`` would judge it as another device, and
the two spellings of one source (``aggregate=1`` written or left out, row
8.2-CR7) would get different verdicts from it.
"""

from __future__ import annotations

import pytest

from migcompat.conformance.emitter_checks import check_texts

VERSION = b"mc1 aggregate=2 device_api=vfio-pci driver=vendor_vfio vendor.d=x\n"


def _e3(rules: bytes) -> list[str]:
    found = check_texts(VERSION, rules, kind="pci")
    return [failure.message for failure in found.failures if failure.check == "MC-E3-REGISTRY"]


@pytest.mark.parametrize("default", ["aggregate=2", "features={migrate}"])
def test_a_default_line_that_overrides_a_registry_default_fails_e3(default: str) -> None:
    rules = f"mc1\ndefault {default}\naccept aggregate=1..2 device_api=vfio-pci driver=vendor_vfio vendor.d=x\n"
    (message,) = _e3(rules.encode())
    key = default.split("=")[0]
    assert f"default {default} gives {key} another value than its registry default" in message
    assert f"remove {key} from the default line" in message


@pytest.mark.parametrize("default", ["aggregate=1", "features={}", "vendor.mode=2"])
def test_a_default_line_that_agrees_with_the_registry_or_names_a_vendor_key_passes(default: str) -> None:
    rules = f"mc1\ndefault {default}\naccept aggregate=1..2 device_api=vfio-pci driver=vendor_vfio vendor.d=x\n"
    assert _e3(rules.encode()) == []
