"""Unknown standard keys get the registry key they were likely meant to be (vendor review r19, L-7)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from migcompat.cli import main
from migcompat.cli.exitcodes import ExitCode
from migcompat.conformance.emitter_checks import check_texts
from migcompat.registry import STANDARD_KEYS, closest_standard_key


@pytest.mark.parametrize(
    ("key", "meant"),
    [
        ("stream_verison", "stream_version"),
        ("streamversion", "stream_version"),
        ("stream_ver", "stream_version"),
        ("drvier", "driver"),
        ("deviceapi", "device_api"),
        ("pciid", "pci_id"),
        ("feature", "features"),
        ("aggregation", "aggregate"),
        ("pci_subsys", "pci_subsystem"),
    ],
)
def test_a_misspelt_registry_key_is_suggested(key: str, meant: str) -> None:
    assert closest_standard_key(key) == meant


@pytest.mark.parametrize("key", ["ports", "io_queues", "legacy_version", "version", "mode", "a", *STANDARD_KEYS])
def test_no_suggestion_for_a_registry_key_or_a_name_unlike_every_one(key: str) -> None:
    assert closest_standard_key(key) is None


def test_a_vendor_key_is_never_taken_for_a_registry_key() -> None:
    """A dotted key's namespace names its own keys (clause 5.2): nvidia.driver is not a misspelt driver."""
    assert closest_standard_key("nvidia.driver") is None
    assert closest_standard_key("stream.version") is None


def _messages(version: str | None, rules: str | None, kind: str = "unplaced") -> list[str]:
    findings = check_texts(
        None if version is None else version.encode(), None if rules is None else rules.encode(), kind=kind
    )
    return [failure.message for failure in findings.failures]


def test_the_registry_check_suggests_the_key_in_every_place_it_knows() -> None:
    version = "mc1 device_api=vfio-pci driver=mtty stream_verison=1.0\n"
    assert _messages(version, None) == [
        "stream_verison is not a registry key (did you mean stream_version?); a vendor key has a namespace"
        " (mtty.stream_verison)"
    ]
    rules = "mc1\ndefault featrues={}\naccept drvier=mtty\n"
    assert _messages(None, rules)[:2] == [
        "featrues is not a registry key (did you mean features?); a vendor key has a namespace (vendor.featrues)",
        "drvier is not a registry key (did you mean driver?); a vendor key has a namespace (vendor.drvier)",
    ]


def test_without_a_likely_key_the_message_is_as_before() -> None:
    assert _messages("mc1 device_api=vfio-pci driver=mtty ports=2\n", None) == [
        "ports is not a registry key; a vendor key has a namespace (mtty.ports)"
    ]


def test_the_vendor_key_suggested_is_in_the_driver_s_namespace() -> None:
    """Clause 11.1: a vendor key's namespace is its module's name; 'vendor.' only where no driver names one."""
    rules = "mc1\ndefault ports=1\naccept driver=mtty ports=2\naccept driver=a|b ports=2\n"
    assert [message.rsplit(" ", 1)[-1] for message in _messages(None, rules)[:3]] == [
        "(vendor.ports)",  # a default line names no driver
        "(mtty.ports)",
        "(vendor.ports)",  # a rule of two drivers
    ]
    version = "mc1 device_api=vfio-pci driver=xe-vfio-pci ports=2\n"  # not a namespace as written
    assert _messages(version, None)[0].endswith("(vendor.ports)")


def test_a_missing_required_key_names_the_misspelling_written_instead() -> None:
    messages = _messages("mc1 deviceapi=vfio-pci drvier=mtty\n", None)
    assert messages[-1] == (
        "the device must carry device_api and driver; it writes deviceapi (for device_api?), drvier (for driver?)"
    )
    template = "mc1 device_api=vfio-pci\nparam drivr=mtty\n"
    assert _messages(template, None, "mdev_type")[-1].endswith("must carry driver; it writes drivr (for driver?)")


def test_lint_shows_the_suggestion(tmp_path: Path) -> None:
    path = tmp_path / "migration_version"
    path.write_text("mc1 device_api=vfio-pci driver=mtty stream_verison=1.0\n")
    result = CliRunner().invoke(main, ["lint", "--format", "json", str(path)])
    assert result.exit_code == ExitCode.NEGATIVE
    (failure,) = json.loads(result.stdout)["failures"]
    assert failure["check"] == "MC-E3-REGISTRY"
    assert "(did you mean stream_version?)" in failure["message"]


def test_a_key_already_on_the_line_is_not_suggested() -> None:
    """Review r20 finding 9: streamver beside stream was taken for stream, a duplicate key."""
    assert closest_standard_key("streamver") == "stream"
    assert closest_standard_key("streamver", written={"stream", "streamver"}) == "stream_version"
    version = "mc1 device_api=vfio-pci driver=foo stream=foo streamver=1.0\n"
    assert _messages(version, None) == [
        "streamver is not a registry key (did you mean stream_version?); a vendor key has a namespace (foo.streamver)"
    ]
    rules = "mc1\naccept device_api=vfio-pci driver=foo stream=foo streamver=1.0\n"
    assert "(did you mean stream_version?)" in _messages(None, rules)[0]


@pytest.mark.parametrize(
    ("key", "meant"),
    [("device_id", "pci_id"), ("vendor_id", "pci_id"), ("subsystem_id", "pci_subsystem"), ("mdev_type", "type")],
)
def test_a_driver_s_own_name_for_a_registry_key_is_suggested(key: str, meant: str) -> None:
    """Review r20 finding 9: device_id (vendor:device) was taken for device_api, which it only looks like."""
    assert closest_standard_key(key) == meant
    assert closest_standard_key(key, written={meant}) != meant


def test_a_default_line_meets_the_registry_s_conditions_on_values() -> None:
    """A conformance review: E3's conditions (a VFIO device API, vvvv:dddd) hold for what a default line gives
    the sources that lack a key, as for what a device writes; only the value's type was checked."""
    rules = "mc1\ndefault device_api=vfio-bogus pci_subsystem=NOT-HEX\naccept device_api=vfio-pci driver=x\n"
    assert _messages(None, rules) == [
        "device_api vfio-bogus is not a VFIO device API (vfio-amba, vfio-ap, vfio-ccw, vfio-cdx, vfio-fsl-mc,"
        " vfio-pci, vfio-platform)",
        "pci_subsystem NOT-HEX is not vvvv:dddd in lower-case hexadecimal",
    ]
    assert _messages(None, "mc1\ndefault device_api=vfio-pci pci_subsystem=8086:2212\naccept driver=x\n") == []
