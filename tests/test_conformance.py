"""The conformance suite: every sample trips exactly the checks it should, the command's outputs and exit codes."""

from __future__ import annotations

import builtins
import dataclasses
import io
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner
from sample_fleet import mtty_host, to_host_data, write_samples, write_tree

from migcompat.capture import capture, dumps, load
from migcompat.cli import main
from migcompat.conformance import CHECKS, Report, run
from migcompat.conformance.emitter_checks import check_texts
from migcompat.conformance.samples import load_sample, sample_names
from migcompat.resources import data_path, samples_path
from migcompat.sysfs.model import Attr, HostData, Placement

NAMES = sample_names()
GOOD = [name for name in NAMES if not name.startswith(("broken-", "warn-"))]
BROKEN = [name for name in NAMES if name.startswith(("broken-", "warn-"))]


def _run(name: str) -> tuple[set[str], set[str]]:
    sample = load_sample(name)
    report = run(sample.hosts, old=sample.old)
    return {f.check for f in report.required_failures}, {f.check for f in report.warnings}


def test_the_fleet_has_the_nine_drivers_and_broken_hosts() -> None:
    assert set(GOOD) == {"gvt-g", "nvidia-vgpu", "mlx5", "hisi-acc", "qat", "mtty", "xe", "pds", "virtio-net"}
    assert len(BROKEN) >= 10


@pytest.mark.parametrize("name", GOOD)
def test_good_samples_pass_every_check(name: str) -> None:
    sample = load_sample(name)
    assert len(sample.old) == 1 and len(sample.hosts) == 1  # two driver versions each
    report = run(sample.hosts, old=sample.old)
    assert report.failures == [], [f.message for f in report.failures]
    assert report.upgrades and not any(u.breaking for u in report.upgrades)


@pytest.mark.parametrize("name", BROKEN)
def test_broken_samples_trip_exactly_their_checks(name: str) -> None:
    sample = load_sample(name)
    failures, warnings = _run(name)
    assert failures == set(sample.failures)
    assert warnings == set(sample.warnings)
    assert failures or warnings


def test_every_check_is_tripped_by_a_broken_sample_and_passed_by_the_good_ones() -> None:
    tripped: set[str] = set()
    for name in BROKEN:
        failures, warnings = _run(name)
        tripped |= failures | warnings
    assert tripped == set(CHECKS)
    passed: set[str] = set()
    for name in GOOD:
        sample = load_sample(name)
        report = run(sample.hosts, old=sample.old)
        passed |= {ident for ident, tally in report.tallies.items() if tally.checked and not tally.failed}
    # MC-E5-MODE needs authoritative modes: a capture of a live sysfs.
    live = run([to_host_data(mtty_host("live", "1.1"))])
    passed |= {ident for ident, tally in live.tallies.items() if tally.checked and not tally.failed}
    # MC-M2-ASYMMETRY needs two devices with equal critical fields.
    assert passed >= set(CHECKS) - {"MC-M2-ASYMMETRY"}


def test_the_committed_samples_are_what_the_generator_writes(tmp_path: Path) -> None:
    if "site-packages" in str(samples_path()):
        pytest.skip("installed package: the generator's output is checked in the source tree")
    write_samples(str(tmp_path / "samples"), str(tmp_path / "trees"))
    for fresh, committed in (
        (tmp_path / "samples", samples_path()),
        (tmp_path / "trees", samples_path().parent / "sample-trees"),
    ):
        assert _listing(fresh) == _listing(committed)


def _listing(root: Path) -> dict[str, str]:
    out = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            path = os.path.join(directory, name)
            rel = os.path.relpath(path, root)
            if os.path.islink(path):
                out[rel] = "-> " + os.readlink(path)
            elif os.path.isfile(path):
                out[rel] = Path(path).read_bytes().decode("latin-1")
    return out


# ---- the command ---------------------------------------------------------------------------------


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["conformance", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_readme_command_passes_with_a_meaningful_report(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = _invoke("--sample", "gvt-g")
    assert code == 0, out
    for text in (
        "gvt-old",
        "gvt-new",
        "MC-E6-SELF",
        "MC-U1-BREAKING",
        "i915-GVTg_V5_8",
        "PASSED",
        "Compatibility matrix",
    ):
        assert text in out


@pytest.mark.parametrize("name", BROKEN)
def test_broken_samples_report_their_ids_and_exit(name: str) -> None:
    sample = load_sample(name)
    code, out, _ = _invoke("--sample", name)
    assert code == (1 if sample.failures else 0)
    for ident in (*sample.failures, *sample.warnings):
        assert ident in out


def test_failures_show_the_text_with_a_caret_and_the_clause() -> None:
    code, out, _ = _invoke("--sample", "broken-parse")
    assert code == 1
    lines = out.splitlines()
    index = next(i for i, line in enumerate(lines) if "MC-E1-PARSE" in line and "nvidia-222" in line)
    block = "\n".join(lines[index : index + 5])
    assert "error[leading-zero]" in block and "535.129.03" in block and "^^" in block
    assert "spec clause 12.1 E1" in block


def test_json_report_validates_against_the_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(data_path("conformance-report.schema.json").read_text())
    assert schema["$defs"]["check_id"]["enum"] == list(CHECKS)
    for name in ("gvt-g", "warn-upgrade", "broken-links", "broken-parse"):
        code, out, _ = _invoke("--sample", name, "--format", "json")
        document = json.loads(out)
        jsonschema.Draft202012Validator(schema).validate(document)
        assert document["result"] == ("passed" if code == 0 else "failed")
    code, out, _ = _invoke("--sample", "warn-upgrade", "--format", "json")
    (failure,) = json.loads(out)["failures"]
    assert failure["check"] == "MC-U1-BREAKING" and "stream_version=1.0" in failure["details"]["witness"]


def test_junit_report() -> None:
    code, out, _ = _invoke("--sample", "broken-template", "--format", "junit")
    assert code == 1
    root = ET.fromstring(out)
    assert root.tag == "testsuites" and root.get("failures") == "1"
    suites = {suite.get("name"): suite for suite in root}
    assert set(suites) == set(CHECKS)
    failure = suites["MC-E8-TEMPLATE"].find("testcase/failure")
    assert failure is not None and "share=1/8" in (failure.text or "")
    # D(c) written as clause 5.5 writes it, and when E8 applies: a device reconfigured since may differ.
    assert "does not report D(aggregate=2) of type" in (failure.text or "")
    assert "until the device is first opened or configured otherwise" in (failure.text or "")


def test_wrong_sample_name_lists_the_names() -> None:
    code, _, err = _invoke("--sample", "nope")
    assert code == 2
    assert "gvt-g" in err and "broken-parse" in err
    result = CliRunner().invoke(main, ["conformance", "--help"])
    assert "gvt-g" in result.output and "mlx5" in result.output


def test_no_vfio_devices_names_the_samples(tmp_path: Path) -> None:
    (tmp_path / "bus" / "pci" / "devices").mkdir(parents=True)
    code, out, err = _invoke(str(tmp_path))
    assert code == 3 and out == ""
    assert "nothing to check" in err and "--sample" in err and "gvt-g" in err


def test_the_live_sys_of_this_machine() -> None:
    code, _, err = _invoke()
    assert code in (0, 1, 3)
    if code == 3:
        assert "--sample" in err


def test_unreadable_inputs_exit_3(tmp_path: Path) -> None:
    assert _invoke(str(tmp_path / "missing.json"))[0] == 3
    (tmp_path / "bad.json").write_text("{}")
    assert _invoke(str(tmp_path / "bad.json"))[0] == 3


def test_usage_errors_exit_2() -> None:
    assert _invoke("--sample", "gvt-g", "/sys")[0] == 2
    assert _invoke("--format", "xml")[0] == 2


def test_captures_and_against(tmp_path: Path) -> None:
    old, new = load_sample("warn-upgrade").old[0], load_sample("warn-upgrade").hosts[0]
    (tmp_path / "old.json").write_text(dumps(old))
    (tmp_path / "new.json").write_text(dumps(new))
    code, out, _ = _invoke(str(tmp_path / "new.json"), "--against", str(tmp_path / "old.json"))
    assert code == 0 and "WARN MC-U1-BREAKING" in out  # clause 9.5 is a SHOULD: a warning
    code, out, _ = _invoke(str(tmp_path / "new.json"), "--against", str(tmp_path / "old.json"), "--fail-on-warning")
    assert code == 1 and "MC-U1-BREAKING" in out
    code, out, _ = _invoke(str(tmp_path / "old.json"), "--against", str(tmp_path / "old.json"), "--fail-on-warning")
    assert code == 0


def test_a_tree_argument(tmp_path: Path) -> None:
    write_tree(mtty_host("m", "1.1"), str(tmp_path))
    code, out, _ = _invoke(str(tmp_path))
    assert code == 0, out
    assert "PASSED" in out


# ---- never writing ---------------------------------------------------------------------------------

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def test_capture_and_conformance_never_open_a_file_for_writing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(mtty_host("m", "1.1"), str(tmp_path / "sys"))
    opened: list[str] = []
    real_os_open, real_open, real_io_open = os.open, builtins.open, io.open

    def guard_os_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
        assert not flags & _WRITE_FLAGS, f"os.open({path!r}) with write flags {flags:#o}"
        opened.append(str(path))
        return real_os_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    def guard_open(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        assert not set(mode) & set("wax+"), f"open({file!r}, {mode!r})"
        opened.append(str(file))
        return real_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    def guard_io_open(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        assert not set(mode) & set("wax+"), f"io.open({file!r}, {mode!r})"
        return real_io_open(file, mode, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "open", guard_os_open)
    monkeypatch.setattr(builtins, "open", guard_open)
    monkeypatch.setattr(io, "open", guard_io_open)
    host = capture(str(tmp_path / "sys"))
    report = run([host], old=[capture(str(tmp_path / "sys"))])
    assert report.ok
    assert any(path.endswith("migration_version") for path in opened)
    monkeypatch.undo()


def test_progress_is_reported() -> None:
    sample = load_sample("gvt-g")
    seen: list[tuple[int, int]] = []
    run(sample.hosts, old=sample.old, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1]


# ---- clause 10: where a device instance's attributes are -------------------------------------------

_SPEC_1_0_CAPTURE = Path(__file__).parent / "data" / "capture-spec-1.0-mtty.json"
"""The mtty sample's capture as migcompat wrote it for specification 1.0: the mdev's attributes in its bus directory."""


def _placement_failures(report: Report) -> list[tuple[str, str]]:
    return sorted((f.path, f.details.get("finding", "")) for f in report.failures if f.check == "MC-SYSFS-PLACEMENT")


def test_a_capture_of_spec_1_0_loads_and_fails_only_the_placement_check() -> None:
    host = load(str(_SPEC_1_0_CAPTURE))
    (mdev,) = [p for p in host.placements if p.kind == "mdev"]
    assert mdev.path == f"bus/mdev/devices/{mdev.ident}" and mdev.legacy and host.findings == ()
    report = run([host])
    assert {f.check for f in report.required_failures} == {"MC-SYSFS-PLACEMENT"} and not report.warnings
    assert _placement_failures(report) == [(mdev.path, "legacy-placement")]
    (failure,) = report.required_failures
    assert "1.0 placement" in failure.message and "vfio-dev/vfioN/" in failure.message


def test_the_legacy_placement_is_reported_once_per_device_from_a_tree_or_a_capture(tmp_path: Path) -> None:
    sample = load_sample("broken-placement")
    expected = [(f"bus/pci/devices/0000:3b:00.{n}", "legacy-placement") for n in (1, 2)]
    assert _placement_failures(run(sample.hosts)) == expected  # the reader's findings
    stripped = [dataclasses.replace(host, findings=()) for host in sample.hosts]
    assert _placement_failures(run(stripped)) == expected  # the placements' paths alone
    report = run(sample.hosts)
    assert report.tallies["MC-SYSFS-PLACEMENT"].failed == 2


def test_an_ambiguous_vfio_dev_fails_the_placement_check(tmp_path: Path) -> None:
    write_tree(mtty_host("m", "1.1"), str(tmp_path))
    (tmp_path / "bus/mdev/devices/83b8f4f2-509f-382f-3c1e-e6bfe0fa1001/vfio-dev/vfio3").mkdir()
    report = run([capture(str(tmp_path))])
    assert {f.check for f in report.required_failures} == {"MC-SYSFS-PLACEMENT"}
    assert _placement_failures(report) == [
        ("bus/mdev/devices/83b8f4f2-509f-382f-3c1e-e6bfe0fa1001/vfio-dev", "several-vfio-devices")
    ]


def test_a_stray_copy_in_the_bus_directory_is_one_failure_there_not_one_on_the_right_placement(
    tmp_path: Path,
) -> None:
    write_tree(mtty_host("m", "1.1"), str(tmp_path))
    device = tmp_path / "bus/mdev/devices/83b8f4f2-509f-382f-3c1e-e6bfe0fa1001"
    (device / "migration_version").write_bytes((device / "vfio-dev/vfio0/migration_version").read_bytes())
    report = run([capture(str(tmp_path))])
    assert _placement_failures(report) == [(str(device.relative_to(tmp_path)), "legacy-placement")]
    assert report.tallies["MC-SYSFS-PLACEMENT"].failed == 1


def test_good_samples_have_every_instance_in_its_vfio_device_directory() -> None:
    for name in GOOD:
        sample = load_sample(name)
        instances = [p for host in sample.hosts for p in host.placements if p.kind != "mdev_type" and p.attributes]
        assert instances, name
        assert all(p.vfio_device is not None and p.vfio_device.startswith("vfio") for p in instances), name
        report = run(sample.hosts)
        assert report.tallies["MC-SYSFS-PLACEMENT"].checked == len(instances), name


@pytest.mark.parametrize("api", ["vfio-pci", "vfio-ccw", "vfio-fsl-mc", "vfio-cdx"])
def test_device_api_takes_the_registry_values(api: str) -> None:
    found = check_texts(f"mc1 device_api={api} driver=foo\n".encode(), None, kind="device")
    assert found.passed.get("MC-E3-REGISTRY") and not found.failures


def test_device_api_refuses_other_values() -> None:
    found = check_texts(b"mc1 device_api=vfio-cxl driver=foo\n", None, kind="device")
    assert [f.check for f in found.failures] == ["MC-E3-REGISTRY"]
    assert "vfio-cdx" in found.failures[0].message


def test_a_self_acceptance_failure_names_the_file_its_excerpt_is_in_and_says_what_to_change() -> None:
    report = run(load_sample("broken-self").hosts)
    failures = [f for f in report.failures if f.check == "MC-E6-SELF"]
    assert failures
    for failure in failures:
        # The rules do not mention mlx5.fw_version: the line shown is the version's, so is the file named.
        assert failure.path.endswith("/migration_version") and failure.excerpt is not None
        assert failure.excerpt.text.startswith("mc1 ") and "mlx5.fw_version" in failure.excerpt.text
        assert "constrain mlx5.fw_version in a rule" in failure.message and "~mlx5.fw_version" in failure.message


@pytest.mark.parametrize("others", [0, 12], ids=["few-rules", "many-rules"])
def test_a_device_its_own_rules_leave_undecided_fails_self_acceptance(others: int) -> None:
    """MC-E6-SELF needs a compatible verdict: unknown (acme.z missing, no default) fails, as incompatible does. With
    a few rules the check evaluates them one by one, with more it compiles them: both count only true as accepted."""
    refusing = "".join(f"accept device_api=vfio-pci driver=other{number}\n" for number in range(others))
    found = check_texts(
        b"mc1 device_api=vfio-pci driver=foo\n",
        f"mc1\naccept acme.z=1 device_api=vfio-pci driver=foo\n{refusing}".encode(),
        kind="pci",
    )
    [failure] = [f for f in found.failures if f.check == "MC-E6-SELF"]
    assert failure.message.startswith("the device is not accepted by its own rules (unknown): [missing-field]")
    assert "MC-E6-SELF" not in found.passed
    # The same device with acme.z=1 is accepted, and passes.
    fixed = check_texts(
        b"mc1 acme.z=1 device_api=vfio-pci driver=foo\n",
        f"mc1\naccept acme.z=1 device_api=vfio-pci driver=foo\n{refusing}".encode(),
        kind="pci",
    )
    assert fixed.passed.get("MC-E6-SELF") and not fixed.failures


def test_an_ignorable_registry_key_written_critical_fails_the_registry_check() -> None:
    found = check_texts(
        b"mc1 device_api=vfio-pci driver=foo name=x\n",
        b"mc1\naccept device_api=vfio-pci driver=foo name=*\n",
        kind="pci",
    )
    assert [(f.check, f.message) for f in found.failures] == [
        ("MC-E3-REGISTRY", "name is an ignorable key in the registry; write it as ~name")
    ]
    written = check_texts(
        b"mc1 device_api=vfio-pci driver=foo ~name=x\n", b"mc1\naccept device_api=vfio-pci driver=foo\n", kind="pci"
    )
    assert not written.failures and written.passed.get("MC-E3-REGISTRY")


def test_a_caret_just_past_the_end_of_a_long_line_is_shown() -> None:
    from migcompat.conformance.results import Excerpt, render_excerpt

    text = "mc1 a=" + "x" * 300
    shown, carets = render_excerpt(Excerpt(1, len(text) + 1, 1, text))
    assert carets.endswith("^") and len(carets) == len(shown) + 1  # one column past the last character
    shown, carets = render_excerpt(Excerpt(1, 2, 1, text))
    assert carets == "  |  ^" and shown.endswith("...")


def test_a_pci_function_must_say_device_api_vfio_pci() -> None:
    sample = load_sample("mlx5")
    host = sample.hosts[0]
    placements = []
    for placement in host.placements:
        attribute = placement.attributes.get("migration_version")
        if placement.kind == "pci" and attribute is not None and attribute.data:
            data = attribute.data.replace(b"device_api=vfio-pci", b"device_api=vfio-platform")
            placement = dataclasses.replace(
                placement,
                attributes={**placement.attributes, "migration_version": dataclasses.replace(attribute, data=data)},
            )
        placements.append(placement)
    report = run([dataclasses.replace(host, placements=tuple(placements))])
    wrong = [f for f in report.failures if f.check == "MC-E3-SYSFS" and f.details.get("key") == "device_api"]
    assert wrong and all("VFIO_DEVICE_API_PCI_STRING" in f.message for f in wrong)
    assert not [f for f in run(sample.hosts).failures if f.check == "MC-E3-SYSFS"]


@pytest.mark.parametrize(
    ("bus", "api", "wrong"),
    [
        ("platform", "vfio-platform", "vfio-pci"),
        ("amba", "vfio-amba", "vfio-platform"),
        ("fsl-mc", "vfio-fsl-mc", "vfio-pci"),
    ],
)
def test_a_device_its_bus_binds_directly_must_say_its_bus_api(bus: str, api: str, wrong: str) -> None:
    """E3 (11-M2, device_api's conditions): a device vfio-platform, vfio-amba or vfio-fsl-mc binds has that VFIO
    API; only a PCI function's and an mdev's device_api were compared with sysfs."""

    def host(device_api: str) -> HostData:
        version = f"mc1 device_api={device_api} driver=vfio_{bus.replace('-', '_')} stream=x stream_version=1.0\n"
        rules = "mc1\naccept device_api=$ driver=$ stream=x stream_version=1.0\n"
        attributes = {"migration_version": Attr(version.encode()), "migration_compatible_devices": Attr(rules.encode())}
        placement = Placement(
            "device", f"{bus}/dev0", f"bus/{bus}/devices/dev0/vfio-dev/vfio0", attributes, {}, {"driver": f"vfio-{bus}"}
        )
        return HostData("h", "6.8", "2026-01-01T00:00:00Z", "test", "/sys", "capture", False, (placement,))

    wrong_api = [f for f in run([host(wrong)]).failures if f.check == "MC-E3-SYSFS"]
    assert [f.message for f in wrong_api] == [
        f"device_api={wrong} does not match the VFIO API of a device on the {bus} bus, {api}"
    ]
    assert not [f for f in run([host(api)]).failures if f.check == "MC-E3-SYSFS"]


def test_the_text_report_has_no_trailing_spaces_and_takes_columns_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, narrow, _ = _invoke("--sample", "broken-canonical", "--no-progress")
    assert code == 1 and narrow
    assert [line for line in narrow.splitlines() if line != line.rstrip()] == []
    monkeypatch.setenv("COLUMNS", "200")
    _, wide, _ = _invoke("--sample", "broken-canonical", "--no-progress")
    rules = [next(line for line in text.splitlines() if line.startswith("─")) for text in (narrow, wide)]
    assert len(rules[0]) <= 80 < len(rules[1])  # the clause column no longer wraps when there is room
