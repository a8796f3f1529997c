"""MC-U1-BREAKING pairs old and new devices by configuration, resolves ``$`` alike, and explains each failure once.

The trees are those of an outside review (r4, findings 2 and 9): two VFs of one
vendor:device, with 8 and 16 queues, whose rules accept ``acme.queues=..$``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sample_fleet import mtty_host, write_tree

from migcompat.capture import capture
from migcompat.conformance import Report, run

OLD_RULES = (
    "acme.queues=..$ device_api=vfio-pci driver=acme_vfio_pci pci_id=1d0f:efa1 stream=acme-nic stream_version=1.0"
)
NEW_RULES = (
    "acme.queues=..$ device_api=vfio-pci driver=acme_vfio_pci features<=$ pci_id=1d0f:efa1 stream=acme-nic"
    " stream_version=1.0..$"
)
BREAK_RULES = NEW_RULES.replace("stream_version=1.0..$", "stream_version=2.0..$")
OLD_VERSION = (
    "mc1 acme.queues={q} device_api=vfio-pci driver=acme_vfio_pci pci_id=1d0f:efa1 stream=acme-nic stream_version=1.0"
)
NEW_VERSION = (
    "mc1 {extra}acme.queues={q} device_api=vfio-pci driver=acme_vfio_pci features={{dirty_track,pre_copy}}"
    " pci_id=1d0f:efa1 stream=acme-nic stream_version={sv}"
)


def _tree(root: Path, vfs: Sequence[tuple[str, str, str]]) -> Path:
    """A sysfs-shaped tree: each (BDF, migration_version, migration_compatible_devices) is a VF on acme_vfio_pci."""
    (root / "bus/pci/drivers/acme_vfio_pci").mkdir(parents=True)
    for number, (bdf, version, rules) in enumerate(vfs):
        device = root / "bus/pci/devices" / bdf
        vfio = device / "vfio-dev" / f"vfio{number}"
        vfio.mkdir(parents=True)
        (device / "driver").symlink_to("../../drivers/acme_vfio_pci")
        (device / "vendor").write_text("0x1d0f\n")
        (device / "device").write_text("0xefa1\n")
        (vfio / "migration_version").write_text(version + "\n")
        (vfio / "migration_compatible_devices").write_text(rules)
    return root


def _old(tmp_path: Path) -> Path:
    rules = f"mc1\naccept {OLD_RULES}\n"
    return _tree(
        tmp_path / "old",
        [("0000:5e:00.1", OLD_VERSION.format(q=8), rules), ("0000:5e:00.2", OLD_VERSION.format(q=16), rules)],
    )


def _new(
    root: Path,
    bdfs: tuple[str, str] = ("0000:af:00.1", "0000:af:00.2"),
    queues: tuple[int, int] = (8, 16),
    *,
    rules: str = NEW_RULES,
    sv: str = "1.1",
    extra: str = "",
) -> Path:
    text = f"mc1\naccept {rules}\n"
    return _tree(
        root, [(bdf, NEW_VERSION.format(q=q, sv=sv, extra=extra), text) for bdf, q in zip(bdfs, queues, strict=True)]
    )


def _upgrade(tmp_path: Path, new: Path) -> Report:
    return run([capture(new)], baseline=[capture(_old(tmp_path))])


def _u1(report: Report) -> list[tuple[str, str, str]]:
    return [(f.host, f.path, f.message) for f in report.failures if f.check == "MC-U1-BREAKING"]


def test_a_widening_release_whose_vfs_moved_to_other_addresses_passes(tmp_path: Path) -> None:
    # Before: 0000:5e:00.2 (16 queues) was compared with 0000:af:00.1 (8 queues), each side's $ its own: "breaking".
    report = _upgrade(tmp_path, _new(tmp_path / "new"))
    assert _u1(report) == []
    assert report.upgrades and {u.relation for u in report.upgrades} == {"subset"}


def test_a_widening_release_whose_vfs_were_configured_the_other_way_round_passes(tmp_path: Path) -> None:
    # Same addresses, swapped configurations: paired by configuration, not by address.
    new = _new(tmp_path / "new", ("0000:5e:00.1", "0000:5e:00.2"), (16, 8))
    report = _upgrade(tmp_path, new)
    assert _u1(report) == []


def test_an_old_device_without_a_same_configuration_counterpart_resolves_both_sides_alike(tmp_path: Path) -> None:
    # The new capture has one VF, with 8 queues: the old 16-queue VF is judged with the new rules as if configured
    # with 16 queues (its configuration), so the configuration difference is not a regression.
    report = _upgrade(tmp_path, _new(tmp_path / "new", ("0000:af:00.1", "0000:af:00.2"), (8, 8)))
    assert _u1(report) == []


def test_a_breaking_release_whose_vfs_moved_reports_each_breaking_change_once(tmp_path: Path) -> None:
    report = _upgrade(tmp_path, _new(tmp_path / "new", rules=BREAK_RULES, sv="2.0"))
    failures = _u1(report)
    # One per old device (8 and 16 queues), each against the new VF of its configuration; never twice.
    assert len(failures) == 2 and len(set(failures)) == 2
    by_path = {path: message for _, path, message in failures}
    assert "acme.queues=8 " in by_path["bus/pci/devices/0000:af:00.1/vfio-dev/vfio0/migration_compatible_devices"]
    assert "acme.queues=16 " in by_path["bus/pci/devices/0000:af:00.2/vfio-dev/vfio1/migration_compatible_devices"]
    for _, _, message in failures:
        assert "[below-range] stream_version 1.0 is below the accepted range 2.0..2.0" in message


def test_a_new_pin_on_the_drivers_own_version_still_breaks_across_moved_vfs(tmp_path: Path) -> None:
    # stream_version is the driver's (the same on every device of a side): the new rules read the new value.
    rules = NEW_RULES.replace("stream_version=1.0..$", "stream_version=$")
    report = _upgrade(tmp_path, _new(tmp_path / "new", rules=rules))
    failures = _u1(report)
    assert len(failures) == 2
    assert all("[not-equal] stream_version 1.0 is not 1.1" in message for _, _, message in failures)


def test_a_new_critical_field_without_a_default_is_explained_with_its_reason_and_fix(tmp_path: Path) -> None:
    rules = "acme.mode=$ " + NEW_RULES
    report = _upgrade(
        tmp_path, _new(tmp_path / "new", ("0000:5e:00.1", "0000:5e:00.2"), rules=rules, extra="acme.mode=fast ")
    )
    failures = [f for f in report.failures if f.check == "MC-U1-BREAKING"]
    assert len(failures) == 2
    for failure in failures:
        assert "is not known to be accepted by the new rules" in failure.message
        assert "is not accepted" not in failure.message  # unknown is not a refusal
        assert (
            "[missing-field] the source has no acme.mode and the target declares no default for it" in failure.message
        )
        assert "add `default acme.mode=<value the old driver implied>` to the new rules" in failure.message
        assert failure.details["verdict"] == "unknown" and failure.details["reasons"] == "missing-field"


def test_the_suggested_default_line_clears_the_old_devices_refusal(tmp_path: Path) -> None:
    rules = "acme.mode=$ " + NEW_RULES
    new = _new(tmp_path / "new", ("0000:5e:00.1", "0000:5e:00.2"), rules=rules, extra="acme.mode=fast ")
    for path in new.glob("bus/pci/devices/*/vfio-dev/*/migration_compatible_devices"):
        path.write_text(path.read_text().replace("mc1\n", "mc1\ndefault acme.mode=fast\n", 1))
    report = _upgrade(tmp_path, new)
    # What is left is a source the old rules accepted through an unconstrained ignorable acme.mode, not the device.
    assert not any("own device" in message for _, _, message in _u1(report))


def test_paths_of_hosts_without_a_name_have_no_stray_colon(tmp_path: Path) -> None:
    report = _upgrade(tmp_path, _new(tmp_path / "new", rules=BREAK_RULES, sv="2.0"))
    failures = [f for f in report.failures if f.check == "MC-U1-BREAKING"]
    assert failures and all(f.host == "" for f in failures)
    texts = [f.message for f in failures] + [f.details["old"] for f in failures]
    texts += [text for u in report.upgrades for text in (u.old, u.new, u.note or "")]
    assert not any(":bus/" in text for text in texts), texts
    assert "(bus/pci/devices/0000:5e:00.1/vfio-dev/vfio0)" in failures[0].message


def test_a_baseline_that_mixes_driver_versions_does_not_hide_a_new_pin_of_the_stream_version(tmp_path: Path) -> None:
    # The old VFs report stream_version 1.0 and 1.1 (two driver versions in the baseline); the new driver pins
    # its own 2.0 with stream_version=$. stream_version varies on the old side only: it is the driver's, not a
    # configuration, so the new rules read their own 2.0 and refuse both old devices.
    old_rules = OLD_RULES.replace("stream_version=1.0", "stream_version=1.0..1.1")
    baseline = _tree(
        tmp_path / "old",
        [
            ("0000:5e:00.1", OLD_VERSION.format(q=8), f"mc1\naccept {old_rules}\n"),
            ("0000:5e:00.2", OLD_VERSION.format(q=16).replace("stream_version=1.0", "stream_version=1.1"),
             f"mc1\naccept {old_rules}\n"),
        ],
    )  # fmt: skip
    pinned = NEW_RULES.replace("stream_version=1.0..$", "stream_version=$")
    report = run([capture(_new(tmp_path / "new", rules=pinned, sv="2.0"))], baseline=[capture(baseline)])
    assert _u1(report), "a new driver that accepts none of the old streams passed the upgrade check"


def test_unchanged_rule_text_whose_dollar_reads_a_new_own_value_is_not_the_same_target(tmp_path: Path) -> None:
    """The usual driver pattern: the rules stay `stream_version=$` and the driver's own stream_version moves from
    1.0 to 2.0. Equal rule texts are not the same target when the $ they read changed: the new release refuses
    every old stream, and MC-U1 says so through the API and the command (review r19, C06)."""
    from click.testing import CliRunner

    from migcompat.capture import dumps
    from migcompat.cli import main

    rules = "mc1\naccept device_api=vfio-pci driver=mlx5_vfio_pci pci_id=15b3:101e stream=mlx5-vf stream_version=$\n"
    version = "mc1 device_api=vfio-pci driver=mlx5_vfio_pci pci_id=15b3:101e stream=mlx5-vf stream_version={sv}"
    old, new = (
        capture(_tree(tmp_path / name, [("0000:3b:00.1", version.format(sv=sv), rules)]))
        for name, sv in (("old", "1.0"), ("new", "2.0"))
    )
    report = run([new], baseline=[old])
    [failure] = [f for f in report.failures if f.check == "MC-U1-BREAKING"]
    assert "relation old -> new: disjoint" in failure.message
    assert f"the new rules, which the old ones accept: {version.format(sv='1.0')};" in failure.message
    assert "[not-equal] stream_version 1.0 is not 2.0" in failure.message
    assert [(u.relation, u.breaking) for u in report.upgrades] == [("disjoint", True)]
    # The same own value on both sides: the same target, nothing breaks.
    assert not [f for f in run([old], baseline=[old]).failures if f.check == "MC-U1-BREAKING"]
    (tmp_path / "old.json").write_text(dumps(old))
    (tmp_path / "new.json").write_text(dumps(new))
    result = CliRunner().invoke(
        main, ["conformance", str(tmp_path / "new.json"), "--against", str(tmp_path / "old.json"), "--fail-on-warning"]
    )
    assert result.exit_code == 1, result.output
    assert "WARN MC-U1-BREAKING" in result.stdout and "stream_version 1.0 is not 2.0" in result.stdout


def test_a_new_key_each_new_device_sets_differently_keeps_its_own_value(tmp_path: Path) -> None:
    """A conformance review: acme.rings, new in this release, differs between the new VFs, so it is a configuration
    key; copying the old device's configuration onto the new one removed it, and the new rules' `acme.rings=..$`
    had no value: the old driver's own device was reported as not known to be accepted, which it is."""
    rules = "acme.rings=..$ " + NEW_RULES
    new = tmp_path / "new"
    _tree(
        new,
        [
            (
                bdf,
                NEW_VERSION.format(q=q, sv="1.1", extra=f"acme.rings={rings} "),
                f"mc1\ndefault acme.rings=1\naccept {rules}\n",
            )
            for bdf, q, rings in (("0000:5e:00.1", 8, 4), ("0000:5e:00.2", 16, 8))
        ],
    )
    messages = [message for _, _, message in _u1(_upgrade(tmp_path, new))]
    assert messages and not any("own device" in message for message in messages)
    # What is left is the vendor guide's case: a source that wrote ~acme.rings, which the old rules accepted.
    assert all("~acme.rings=" in message for message in messages)


def test_mdev_devices_are_compared_where_their_types_have_no_attributes(tmp_path: Path) -> None:
    """Clause 10.1: until the kernel's mdev core gives a type these attributes, a type has none, and its devices'
    are the only ones. A conformance review: a release whose mdevs stopped accepting stream 1.0 passed, as the
    upgrade check compared only types and PCI devices."""
    for side, stream in (("old", "1.0"), ("new", "1.1")):
        write_tree(mtty_host(side, stream), str(tmp_path / side))
        for path in (tmp_path / side).rglob("mdev_supported_types/*/migration_*"):
            path.unlink()
    breaking = tmp_path / "new" / "bus" / "mdev" / "devices"
    for path in breaking.glob("*/vfio-dev/*/migration_compatible_devices"):
        path.write_text(path.read_text().replace("stream_version=1.0..$", "stream_version=1.1"))
    report = run([capture(tmp_path / "new")], baseline=[capture(tmp_path / "old")])
    assert [(u.relation, u.breaking) for u in report.upgrades] == [("disjoint", True)]
    (failure,) = [f for f in report.failures if f.check == "MC-U1-BREAKING"]
    assert "mdev devices of type mtty-2 (mtty)" in failure.message
    assert not [f for f in report.failures if f.check == "MC-U2-REMOVED"]
    # With the types' attributes there, the types are compared, and their devices not a second time.
    both = tmp_path / "typed"
    for side, stream in (("old", "1.0"), ("new", "1.1")):
        write_tree(mtty_host(side, stream), str(both / side))
    report = run([capture(both / "new")], baseline=[capture(both / "old")])
    assert sorted(u.identity for u in report.upgrades) == ["mdev type mtty-1 (mtty)", "mdev type mtty-2 (mtty)"]
