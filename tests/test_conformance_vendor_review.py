"""What a driver vendor's review (r4) found the conformance suite let through, or said wrongly.

* Migration attributes on a device that is not a VFIO device -- an mdev parent,
  reached as ``class/mdev_bus/<parent>`` and as ``bus/pci/devices/<BDF>``, or a
  PF bound to its own driver -- fail MC-SYSFS-PLACEMENT and are no placement.
* An attribute longer than the reader reads is "more than 4096 bytes (reading
  stopped there)", not a size the suite never saw.
* A capture that records an attribute as unread without a finding fails MC-SYSFS-READ.
* MC-E8-TEMPLATE does not tell an instance to copy a field its type's template
  gets wrong (MC-E3-SYSFS on the type).
* An instance that reports D(c) but whose rules do not relate equal to its
  type's for c warns (MC-S3-TYPE-RULES) with a witness; a relation too complex
  to decide is a note.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest
from sample_fleet import gvt_host, mlx5_host, write_tree

from migcompat.capture import capture
from migcompat.conformance import Failure, Report, emitter_checks, run
from migcompat.relate import RelationTooComplex
from migcompat.sysfs import read_tree
from migcompat.sysfs.model import Attr, HostData

_GPU = "devices/pci0000:00/0000:00:02.0"
_TYPE = f"{_GPU}/mdev_supported_types/i915-GVTg_V5_4"
_PF = "devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0"
_VF = "bus/pci/devices/0000:3b:00.1/vfio-dev/vfio0"


def _lines(report: Report, check: str) -> list[tuple[str, str]]:
    return sorted((f.path, f.message) for f in report.failures if f.check == check)


def _copy_attributes(source: Path, target: Path) -> None:
    for name in ("migration_version", "migration_compatible_devices"):
        shutil.copyfile(source / name, target / name)


# ---- findings 3 and 12: attributes on a device that is not a VFIO device ------------------------------


def test_type_attributes_on_the_mdev_parent_fail_the_placement_check(tmp_path: Path) -> None:
    write_tree(gvt_host("g", 3), str(tmp_path))
    assert (tmp_path / "bus/pci/devices/0000:00:02.0").is_symlink()  # the parent is reached both ways
    _copy_attributes(tmp_path / _TYPE, tmp_path / _GPU)
    host = capture(str(tmp_path))
    report = run([host])
    ((path, message),) = _lines(report, "MC-SYSFS-PLACEMENT")
    assert path == "class/mdev_bus/0000:00:02.0"
    assert "on the mdev parent 0000:00:02.0" in message
    assert "mdev_supported_types/<type>/" in message and "vfio-dev/vfioN/" in message
    assert "1.0 placement" not in message
    # Reported once, where first reached: no "duplicate ... read once" warning for the bus device link.
    assert not report.warnings, [w.message for w in report.warnings]
    assert all(p.device_path != "bus/pci/devices/0000:00:02.0" for p in host.placements)


def test_the_mdev_parent_reached_only_as_a_pci_device_is_no_legacy_placement(tmp_path: Path) -> None:
    write_tree(gvt_host("g", 3), str(tmp_path))
    _copy_attributes(tmp_path / _TYPE, tmp_path / _GPU)
    (tmp_path / "class/mdev_bus/0000:00:02.0").unlink()
    host = capture(str(tmp_path))
    report = run([host])
    assert {f.check for f in report.required_failures} == {"MC-SYSFS-PLACEMENT"}  # not E3/E4 on a template
    ((path, message),) = _lines(report, "MC-SYSFS-PLACEMENT")
    assert path == "bus/pci/devices/0000:00:02.0" and "on the mdev parent 0000:00:02.0" in message
    assert not any(p.migratable and p.ident == "0000:00:02.0" for p in host.placements)


def test_attributes_on_a_pf_bound_to_its_own_driver_say_so_and_stay_out_of_the_matrix(tmp_path: Path) -> None:
    write_tree(mlx5_host("n", "1.1"), str(tmp_path))
    _copy_attributes(tmp_path / _VF, tmp_path / _PF)
    host = capture(str(tmp_path))
    report = run([host])
    assert {f.check for f in report.required_failures} == {"MC-SYSFS-PLACEMENT"}
    ((path, message),) = _lines(report, "MC-SYSFS-PLACEMENT")
    assert path == "bus/pci/devices/0000:3b:00.0"
    assert "0000:3b:00.0 is bound to mlx5_core, not a VFIO driver: migration attributes do not belong on it" in (
        message
    )
    assert "read here" not in message
    assert sorted(p.ident for p in host.placements if p.migratable) == ["0000:3b:00.1", "0000:3b:00.2"]


def test_a_duplicate_says_what_the_directory_was_read_as_and_why_it_was_reached_again(tmp_path: Path) -> None:
    write_tree(gvt_host("g", 3), str(tmp_path))
    (tmp_path / _GPU / "vfio-dev").mkdir()
    _, findings = read_tree(str(tmp_path))
    (duplicate,) = [f for f in findings if f.code == "duplicate"]
    assert duplicate.path == "bus/pci/devices/0000:00:02.0"
    assert "class/mdev_bus/0000:00:02.0 (an mdev parent)" in duplicate.message
    assert "because it has a vfio-dev/ directory" in duplicate.message


# ---- finding 8: the size of an over-long attribute ------------------------------------------------------


def _long_rules(tmp_path: Path, size: int) -> Path:
    write_tree(mlx5_host("n", "1.1"), str(tmp_path))
    path = tmp_path / _VF / "migration_compatible_devices"
    text = path.read_text()
    while len(text) < size:
        text += "accept driver=mlx5_vfio_pci\n"
    path.write_text(text[: size - 1] + "\n")
    return path


def test_an_attribute_longer_than_what_was_read_is_more_than_4096_bytes(tmp_path: Path) -> None:
    _long_rules(tmp_path, 4200)
    report = run([capture(str(tmp_path))])
    ((_, message),) = _lines(report, "MC-E1-PARSE")
    assert "more than 4096 bytes (reading stopped there)" in message
    assert "4097" not in message and "cut where reading stopped" in message


def test_a_capture_of_an_over_long_attribute_does_not_claim_its_size(tmp_path: Path) -> None:
    _long_rules(tmp_path, 5434)
    host = capture(str(tmp_path))
    attr = next(p for p in host.placements if p.path == _VF).attributes["migration_compatible_devices"]
    as_loaded = dataclasses.replace(attr, truncated=None)  # what a capture file keeps
    host = _with_attr(host, _VF, "migration_compatible_devices", as_loaded)
    ((_, message),) = _lines(run([host]), "MC-E1-PARSE")
    assert "at least 4096 bytes" in message and "4096 bytes without a final newline" not in message


def test_an_attribute_of_exactly_4096_bytes_keeps_its_exact_size(tmp_path: Path) -> None:
    _long_rules(tmp_path, 4096)
    ((_, message),) = _lines(run([capture(str(tmp_path))]), "MC-E1-PARSE")
    assert "the attribute is 4096 bytes; at most 4095 are allowed" in message


# ---- finding 10: an attribute recorded as unread, with no finding ---------------------------------------


def _with_attr(host: HostData, path: str, name: str, attr: Attr) -> HostData:
    placements = tuple(
        dataclasses.replace(p, attributes={**p.attributes, name: attr}) if p.path == path else p
        for p in host.placements
    )
    return dataclasses.replace(host, placements=placements)


def test_an_unread_attribute_without_a_finding_fails_the_read_check(tmp_path: Path) -> None:
    write_tree(mlx5_host("n", "1.1"), str(tmp_path))
    host = capture(str(tmp_path))
    report = run([host])
    assert not report.failures
    edited = _with_attr(host, _VF, "migration_compatible_devices", Attr(None, None, 0o444, "unreadable"))
    assert edited.findings == ()
    report = run([edited])
    assert [(f.check, f.path) for f in report.required_failures] == [
        ("MC-SYSFS-READ", f"{_VF}/migration_compatible_devices")
    ]
    assert "recorded as not read (unreadable)" in report.required_failures[0].message


# ---- finding 11: E8 does not pass on the type's own mistake ---------------------------------------------


def test_e8_does_not_tell_the_instance_to_copy_what_its_type_gets_wrong(tmp_path: Path) -> None:
    write_tree(gvt_host("g", 3), str(tmp_path))
    version = tmp_path / _TYPE / "migration_version"
    version.write_text(version.read_text().replace("type=i915-GVTg_V5_4", "type=i915-GVTg_V5_four"))
    report = run([capture(str(tmp_path))])
    assert [f.path for f in report.failures if f.check == "MC-E3-SYSFS"] == [
        "class/mdev_bus/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4/migration_version"
    ]
    assert _lines(report, "MC-E8-TEMPLATE") == []
    (note,) = [n for n in report.notes if n.check == "MC-E8-TEMPLATE"]
    assert "type not compared" in note.message and "fails MC-E3-SYSFS" in note.message


def test_e8_still_reports_the_instance_s_own_differences_beside_a_skipped_field(tmp_path: Path) -> None:
    write_tree(gvt_host("g", 3), str(tmp_path))
    version = tmp_path / _TYPE / "migration_version"
    version.write_text(version.read_text().replace("type=i915-GVTg_V5_4", "type=i915-GVTg_V5_four"))
    mdev = tmp_path / _GPU / "4b20d080-1b54-4048-85b3-a6a62d165c01/vfio-dev/vfio0/migration_version"
    mdev.write_text(mdev.read_text().replace("gvt.interface_version=3", "gvt.interface_version=4"))
    ((_, message),) = _lines(run([capture(str(tmp_path))]), "MC-E8-TEMPLATE")
    assert "gvt.interface_version=4 should be gvt.interface_version=3" in message
    assert "type=" not in message


# ---- finding 4: an instance's rules against its type's (clause 10.1) ------------------------------------

_MDEV_RULES = f"{_GPU}/4b20d080-1b54-4048-85b3-a6a62d165c01/vfio-dev/vfio0/migration_compatible_devices"


def _type_rules_warnings(report: Report) -> list[Failure]:
    return [f for f in report.failures if f.check == "MC-S3-TYPE-RULES"]


def test_an_instance_whose_rules_drop_what_its_type_accepts_warns_with_a_witness(tmp_path: Path) -> None:
    write_tree(gvt_host("g", 3), str(tmp_path))
    report = run([capture(str(tmp_path))])
    assert _type_rules_warnings(report) == []  # the sample's instances have their type's rules
    assert report.tallies["MC-S3-TYPE-RULES"].checked == 2  # and the two pass: the summary shows it checked
    rules = tmp_path / _MDEV_RULES
    lines = rules.read_text().splitlines()
    assert "gvt.interface_version=1 " in lines[-1]
    rules.write_text("\n".join(lines[:-1]) + "\n")  # the instance drops the type's rule for interface 1
    report = run([capture(str(tmp_path))])
    assert not report.required_failures and report.ok  # a SHOULD: a warning, which does not fail the run
    (warning,) = report.warnings
    assert warning.check == "MC-S3-TYPE-RULES" and warning.severity == "recommended"
    assert warning.clause == "12.1, 10.1 (SHOULD)"
    assert (
        warning.path
        == "bus/mdev/devices/4b20d080-1b54-4048-85b3-a6a62d165c01/vfio-dev/vfio0/migration_compatible_devices"
    )
    assert "type i915-GVTg_V5_4 for aggregate=2" in warning.message
    assert "relation instance -> type: subset" in warning.message
    assert (
        "the type's rules for aggregate=2 and the instance's rules accept different sources:"
        " the type accepts and the instance refuses: mc1 " in warning.message
    )
    witness = warning.details["type_accepts"]
    assert witness.startswith("mc1 ") and "gvt.interface_version=1 " in witness
    assert dict(warning.details, type_accepts="", input="") == {
        "type": "i915-GVTg_V5_4",
        "choice": "aggregate=2",
        "relation": "subset",
        "type_accepts": "",
        "input": "",
    }
    assert report.tallies["MC-S3-TYPE-RULES"].checked == 2 and report.tallies["MC-S3-TYPE-RULES"].failed == 1
    assert not [n for n in report.notes if "rules are not those" in n.message]  # no longer a note of E8


def test_an_instance_that_accepts_more_than_its_type_warns_with_the_other_witness(tmp_path: Path) -> None:
    write_tree(gvt_host("g", 3), str(tmp_path))
    type_rules = tmp_path / _TYPE / "migration_compatible_devices"
    lines = type_rules.read_text().splitlines()
    type_rules.write_text("\n".join(lines[:-1]) + "\n")  # now the type drops the rule for interfaces 1 and 2
    report = run([capture(str(tmp_path))])
    (warning,) = [w for w in _type_rules_warnings(report) if w.path == _MDEV_RULES.replace(_GPU, "bus/mdev/devices")]
    assert warning.details["relation"] == "superset" and "type_accepts" not in warning.details
    assert "the instance accepts and the type refuses: mc1 " in warning.message
    assert "gvt.interface_version=1 " in warning.details["instance_accepts"]


def test_a_relation_too_complex_to_decide_is_a_note_and_neither_passes_nor_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def too_complex(*_: object) -> None:
        raise RelationTooComplex("more than 3 atoms on key k")

    monkeypatch.setattr(emitter_checks, "relate", too_complex)
    write_tree(gvt_host("g", 3), str(tmp_path))
    report = run([capture(str(tmp_path))])
    assert _type_rules_warnings(report) == []
    assert report.tallies["MC-S3-TYPE-RULES"].checked == 0
    notes = sorted(n.message for n in report.notes if n.check == "MC-S3-TYPE-RULES")
    assert notes == [
        "the device's rules not compared with those of type i915-GVTg_V5_4 for aggregate=2: more than 3 atoms on key k",
        "the device's rules not compared with those of type i915-GVTg_V5_8 for aggregate=1: more than 3 atoms on key k",
    ]


def test_a_param_line_that_contradicts_sysfs_fails_e3_on_its_line(tmp_path: Path) -> None:
    """A conformance review: E3's conditions hold for every field a template gives, the param lines' too (11-M2: the
    type's device_api, its directory name); only the fixed line was compared with sysfs."""
    write_tree(gvt_host("g", 3), str(tmp_path))
    version = tmp_path / _TYPE / "migration_version"
    # device_api moved from the fixed line to the param lines, the second giving another API than the type's.
    text = version.read_text().replace("mc1 device_api=vfio-pci ", "mc1 ", 1)
    text = re.sub(r"param (aggregate=\d) ", r"param \1 device_api=vfio-pci ", text)
    version.write_text(text.replace("aggregate=2 device_api=vfio-pci", "aggregate=2 device_api=vfio-ccw"))
    assert "param aggregate=2 device_api=vfio-ccw share=1/2" in version.read_text()
    failures = [f for f in run([capture(str(tmp_path))]).failures if f.check == "MC-E3-SYSFS"]
    assert [f.message for f in failures] == [
        "device_api=vfio-ccw does not match the type's device_api attribute, vfio-pci (param line 3)"
    ]
    assert failures[0].excerpt is not None and failures[0].excerpt.line == 3


def test_a_capture_that_claims_its_modes_but_records_none_says_the_mode_is_not_checked() -> None:
    """A conformance review: a capture with "modes_authoritative": true and its "mode" members deleted passed
    MC-E5-MODE as n/a without a word."""
    from migcompat.conformance.samples import load_sample

    host = load_sample("broken-mode").hosts[0]
    assert host.modes_authoritative
    stripped = dataclasses.replace(
        host,
        placements=tuple(
            dataclasses.replace(
                p, attributes={name: dataclasses.replace(attr, mode=None) for name, attr in p.attributes.items()}
            )
            for p in host.placements
        ),
    )
    report = run([stripped])
    assert report.tallies["MC-E5-MODE"].checked == 0
    (note,) = [n for n in report.notes if n.check == "MC-E5-MODE"]
    assert "records no mode for this attribute" in note.message and "not checked" in note.message
    assert not [n for n in run([host]).notes if n.check == "MC-E5-MODE"]  # modes recorded: checked, no note
