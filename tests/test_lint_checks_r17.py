"""``migcompat lint``: MC-S2-DEFAULT-WRITTEN by the kind of device, and MC-E7-SELFREF on ``$N``.

* S2 (clause 6.3): a device created from a type (an mdev) reports D(c),
  defaults included, so only a device that is not an mdev is warned for a
  field written with its registry default. Lint tells an mdev from another
  device by the directory (an ``mdev_type`` link, a ``subsystem`` link, a PCI
  function's ``vendor``; ``DEVICE/vfio-dev/vfioN`` is DEVICE's) or by
  ``--kind``; when nothing tells and such a field is written, S2 is not listed
  as checked and the output says why.
* E7 (clause 12.1): a ``$N`` on a key whose own value is not a version
  resolves to nothing (rows 8.1-PX3, 8.8-RC7); E7 names each such ``$N``, its
  line, its key and the own value's type, and says ``$N``, not ``$``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from migcompat.cli import main
from migcompat.cli.commands_lint import lint_command
from migcompat.conformance.emitter_checks import check_texts

SUCCESS, NEGATIVE = 0, 1
S2 = "MC-S2-DEFAULT-WRITTEN"
E7 = "MC-E7-SELFREF"

DEFAULTS_VERSION = "mc1 aggregate=1 device_api=vfio-pci driver=acme_vf features={}\n"
DEFAULTS_RULES = "mc1\naccept device_api=vfio-pci driver=acme_vf\n"
TYPE_RULES = "mc1\naccept device_api=vfio-pci driver=acme_vf type=$\n"

QUEUES_VERSION = "mc1 acme_vf.queues=16 device_api=vfio-pci driver=acme_vf stream_version=1.0\n"
REST = "device_api=vfio-pci driver=acme_vf"
QUEUES_RULES = (
    "mc1\n"
    f"accept acme_vf.queues=$ {REST} stream_version=1.0\n"
    f"accept acme_vf.queues=$1 {REST} stream_version=1.1\n"
    f"accept acme_vf.queues=..$1 {REST} stream_version=1.2\n"
)
QUEUES_MIXED = (
    f"mc1\naccept acme_vf.queues=$ {REST} stream_version=1.0\naccept acme_vf.queues=$1|1.0 {REST} stream_version=1.1\n"
)


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner with ``migcompat lint`` in the group (whether or not the group registers it)."""
    monkeypatch.setitem(main.commands, "lint", lint_command)
    return CliRunner()


def run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(main, list(args), catch_exceptions=False)


def device(directory: Path, version: str, rules: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "migration_version").write_text(version, encoding="ascii")
    (directory / "migration_compatible_devices").write_text(rules, encoding="ascii")
    return directory


def checked(result: Result) -> list[str]:
    (line,) = [line for line in result.stdout.splitlines() if line.startswith("  checked: ")]
    return line.removeprefix("  checked: ").split(", ")


def not_checked(result: Result) -> list[str]:
    return [line.removeprefix("  not checked: ") for line in result.stdout.splitlines() if "  not checked: " in line]


def reported(result: Result, kind: str = "WARN") -> list[tuple[str, str]]:
    """(check, message) of each failure lint printed with the word *kind*."""
    lines = result.stdout.splitlines()
    found = []
    for index, line in enumerate(lines):
        match = re.match(rf"{kind} (\S+)  ", line)
        if match:
            found.append((match.group(1), lines[index + 1].strip()))
    return found


def pci_function(root: Path, version: str, rules: str, *, subsystem: bool = False) -> tuple[Path, Path]:
    """A VF in a mirror sysfs tree with its attributes in vfio-dev/vfio0: (the bus device link, the real directory)."""
    real = root / "devices" / "pci0000:3b" / "0000:3b:00.1"
    (root / "bus" / "pci" / "drivers" / "vfio-pci").mkdir(parents=True)
    real.mkdir(parents=True)
    (real / "vendor").write_text("0x15b3\n")
    (real / "device").write_text("0x101e\n")
    (real / "driver").symlink_to("../../../bus/pci/drivers/vfio-pci")
    if subsystem:
        (real / "subsystem").symlink_to("../../../bus/pci")
    (root / "bus" / "pci" / "devices").mkdir(parents=True)
    link = root / "bus" / "pci" / "devices" / "0000:3b:00.1"
    link.symlink_to("../../../devices/pci0000:3b/0000:3b:00.1")
    device(real / "vfio-dev" / "vfio0", version, rules)
    for name in ("migration_version", "migration_compatible_devices"):
        (real / "vfio-dev" / "vfio0" / name).chmod(0o444)
    return link, real


# ---- A: MC-S2-DEFAULT-WRITTEN -------------------------------------------------------------------


def test_an_unplaced_instance_writing_a_default_is_not_said_to_be_checked_for_s2(
    runner: CliRunner, tmp_path: Path
) -> None:
    directory = device(tmp_path / "vf", DEFAULTS_VERSION, DEFAULTS_RULES)
    result = run(runner, "lint", str(directory))
    assert result.exit_code == SUCCESS, result.stdout
    assert S2 not in checked(result)
    assert "MC-E6-SELF" in checked(result) and "MC-E3-REGISTRY" in checked(result)
    (reason,) = [line for line in not_checked(result) if line.startswith(S2)]
    assert reason.startswith(f"{S2}: aggregate=1, features={{}} are their keys' registry defaults")
    assert "whether this device is an mdev is not known from its files" in reason
    assert "--kind mdev, pci or device says which" in reason
    assert "Result: PASSED (1 input checked)" in result.stdout

    document = json.loads(run(runner, "lint", "--format", "json", str(directory)).stdout)
    (entry,) = document["inputs"]
    assert S2 not in entry["checked"]
    (note,) = [note for note in document["notes"] if note["check"] == S2]
    assert note["path"] == str(directory / "migration_version")
    assert note["message"].startswith("not checked: aggregate=1, features={} are their keys' registry defaults")


def test_an_unplaced_instance_writing_no_default_passes_s2_whatever_it_is(runner: CliRunner, tmp_path: Path) -> None:
    version = "mc1 device_api=vfio-pci driver=acme_vf\n"
    directory = device(tmp_path / "vf", version, DEFAULTS_RULES)
    result = run(runner, "lint", str(directory))
    assert result.exit_code == SUCCESS, result.stdout
    assert S2 in checked(result)
    assert not [line for line in not_checked(result) if S2 in line]


def test_a_vfs_vfio_device_directory_is_warned_as_conformance_warns_it(runner: CliRunner, tmp_path: Path) -> None:
    link, real = pci_function(tmp_path / "tree", DEFAULTS_VERSION, DEFAULTS_RULES)
    expected = [
        (S2, "aggregate=1 is the registry default of aggregate; leave the field out"),
        (S2, "features={} is the registry default of features; leave the field out"),
    ]
    for directory in (link / "vfio-dev" / "vfio0", real / "vfio-dev" / "vfio0"):
        result = run(runner, "lint", str(directory))
        assert result.exit_code == SUCCESS, result.stdout
        assert reported(result) == expected
        assert S2 in checked(result)
        assert not not_checked(result)
        assert "Result: PASSED with 2 warnings (1 input checked)" in result.stdout
    files = [str(real / "vfio-dev" / "vfio0" / name) for name in ("migration_version", "migration_compatible_devices")]
    assert reported(run(runner, "lint", *files)) == expected  # the two files of the directory, as FILEs
    assert reported(run(runner, "lint", "--kind", "instance", *files)) == expected  # the directory still tells

    report = json.loads(run(runner, "conformance", "--format", "json", str(tmp_path / "tree")).stdout)
    warned = [(failure["check"], failure["path"]) for failure in report["failures"] if failure["check"] == S2]
    assert warned == [(S2, "bus/pci/devices/0000:3b:00.1/vfio-dev/vfio0/migration_version")] * 2


def test_the_subsystem_link_tells_a_pci_function(runner: CliRunner, tmp_path: Path) -> None:
    directory = device(tmp_path / "dev", DEFAULTS_VERSION, DEFAULTS_RULES)
    (tmp_path / "bus" / "pci").mkdir(parents=True)
    (directory / "subsystem").symlink_to("../bus/pci")
    result = run(runner, "lint", str(directory))
    assert [check for check, _ in reported(result)] == [S2, S2]


def test_an_mdev_directory_may_write_a_default(runner: CliRunner, tmp_path: Path) -> None:
    version = DEFAULTS_VERSION.replace("features={}", "features={} type=acme-1")
    directory = device(tmp_path / "mdev", version, TYPE_RULES)
    (tmp_path / "acme-1").mkdir()
    (directory / "mdev_type").symlink_to("../acme-1")
    result = run(runner, "lint", str(directory))
    assert result.exit_code == SUCCESS, result.stdout
    assert reported(result) == []
    assert S2 in checked(result)  # clause 6.3 exempts a device created from a type: nothing to warn
    assert not not_checked(result)
    assert "note:" not in result.stdout  # type= is an mdev's to write


@pytest.mark.parametrize(("kind", "warned"), [("pci", True), ("device", True), ("mdev", False), ("instance", None)])
def test_kind_says_whether_files_are_an_mdevs(
    runner: CliRunner, tmp_path: Path, kind: str, warned: bool | None
) -> None:
    directory = device(tmp_path / "vf", DEFAULTS_VERSION, DEFAULTS_RULES)
    result = run(runner, "lint", "--kind", kind, str(directory))
    assert result.exit_code == SUCCESS, result.stdout
    assert [check for check, _ in reported(result)] == ([S2, S2] if warned else [])
    assert (S2 in checked(result)) == (warned is not None)
    assert bool([line for line in not_checked(result) if line.startswith(S2)]) == (warned is None)


def test_type_on_an_unplaced_instance_is_a_note_not_a_silent_pass(runner: CliRunner, tmp_path: Path) -> None:
    version = "mc1 device_api=vfio-pci driver=acme_vf type=acme-1\n"
    directory = device(tmp_path / "dev", version, TYPE_RULES)
    result = run(runner, "lint", str(directory))
    assert result.exit_code == SUCCESS, result.stdout
    assert (
        "  note: MC-E3-REGISTRY: type= is only for mdev types and instances: not checked, as whether this device is"
        " an mdev is not known from its files"
    ) in result.stdout
    failed = run(runner, "lint", "--kind", "pci", str(directory))
    assert failed.exit_code == NEGATIVE
    assert reported(failed, "FAIL") == [("MC-E3-REGISTRY", "type is only for mdev types and instances")]


# ---- B: MC-E7-SELFREF on $N ---------------------------------------------------------------------


def test_e7_flags_every_prefix_on_an_integer(runner: CliRunner, tmp_path: Path) -> None:
    directory = device(tmp_path / "a", QUEUES_VERSION, QUEUES_RULES)
    result = run(runner, "lint", str(directory))
    assert result.exit_code == NEGATIVE, result.stdout
    rules = directory / "migration_compatible_devices"
    assert re.findall(r"^FAIL (\S+)  (\S+)$", result.stdout, re.MULTILINE) == [
        (E7, f"{rules}:3:8"),
        (E7, f"{rules}:4:8"),
    ]
    assert reported(result, "FAIL") == [
        (
            E7,
            "$1 on acme_vf.queues (line 3) stands for the versions that begin as the own version does, but"
            " acme_vf.queues of the device is the integer 16, not a version: $1 stands for nothing and accepts no"
            " source (rows 8.1-PX3, 8.8-RC7)",
        ),
        (
            E7,
            "$1 in ..$1 on acme_vf.queues (line 4) stands for the versions that begin as the own version does, but"
            " acme_vf.queues of the device is the integer 16, not a version: ..$1 stands for nothing and accepts no"
            " source (rows 8.1-PX3, 8.8-RC7)",
        ),
    ]
    assert "MC-E6-SELF" not in checked(result)
    assert (
        "MC-E6-SELF: not run, as MC-E7-SELFREF failed: a $ or $N has no value of a type its place allows"
        in not_checked(result)
    )


def test_e7_says_the_prefix_it_means(runner: CliRunner, tmp_path: Path) -> None:
    directory = device(tmp_path / "c", QUEUES_VERSION, QUEUES_MIXED)
    result = run(runner, "lint", str(directory))
    assert result.exit_code == NEGATIVE, result.stdout
    ((check, message),) = reported(result, "FAIL")
    assert check == E7
    assert message.startswith("$1 on acme_vf.queues (line 3) ")
    assert "the integer 16, not a version" in message
    assert "$ stands for" not in result.stdout


@pytest.mark.parametrize(
    ("field", "kind"),
    [("acme_vf.q=x", "token x"), ("acme_vf.q=1/2", "ratio 1/2"), ("acme_vf.q={a,b}", "set {a,b}")],
)
def test_e7_flags_a_prefix_on_each_type_but_a_version(field: str, kind: str) -> None:
    version = f"mc1 {field} {REST}\n".encode()
    rules = f"mc1\naccept acme_vf.q=$2 {REST}\n".encode()
    found = check_texts(version, rules, kind="pci")
    (failure,) = found.failures
    assert failure.check == E7
    assert failure.message.startswith("$2 on acme_vf.q (line 2) ") and f"the {kind}, not a version" in failure.message


def test_e7_passes_a_prefix_of_a_version(runner: CliRunner, tmp_path: Path) -> None:
    rules = f"mc1\naccept acme_vf.queues=$ {REST} stream_version=$1..$2\n"
    result = run(runner, "lint", str(device(tmp_path / "v", QUEUES_VERSION, rules)))
    assert result.exit_code == SUCCESS, result.stdout
    assert E7 in checked(result) and "MC-E6-SELF" in checked(result)


def test_e7_names_the_prefix_of_a_key_without_a_value(runner: CliRunner, tmp_path: Path) -> None:
    rules = f"mc1\naccept acme_vf.fw=$1|1.0 acme_vf.queues=$ {REST} stream_version=1.0\n"
    result = run(runner, "lint", str(device(tmp_path / "n", QUEUES_VERSION, rules)))
    assert result.exit_code == NEGATIVE, result.stdout
    assert reported(result, "FAIL") == [
        (E7, "$1 refers to acme_vf.fw, which the device does not carry and which has no registry default")
    ]


def test_e7_flags_a_prefix_on_the_integer_a_type_creates() -> None:
    template = f"mc1 {REST} type=acme-1\nparam acme_vf.q=2\nparam acme_vf.q=4\n".encode()
    rules = f"mc1\naccept acme_vf.q=$1 {REST} type=acme-1\n".encode()
    found = check_texts(template, rules, kind="mdev_type")
    (failure,) = [failure for failure in found.failures if failure.check == E7]
    assert "acme_vf.q of the device created with acme_vf.q=2 is the integer 2, not a version" in failure.message
    assert "MC-E6-SELF" in found.unchecked


def test_the_json_says_what_device_an_instance_is(tmp_path: Path) -> None:
    device = tmp_path / "vf"
    device.mkdir()
    (device / "migration_version").write_text("mc1 device_api=vfio-pci driver=acme_vf\n")
    (device / "migration_compatible_devices").write_text("mc1\naccept device_api=vfio-pci driver=acme_vf\n")
    seen = {}
    for kind in ("instance", "mdev", "pci", "device"):
        result = CliRunner().invoke(main, ["lint", "--format", "json", "--kind", kind, str(device)])
        assert result.exit_code == 0, result.output
        (entry,) = json.loads(result.stdout)["inputs"]
        seen[kind] = (entry["kind"], entry["device"])
    assert seen == {
        "instance": ("instance", None),  # a plain directory does not say
        "mdev": ("instance", "mdev"),
        "pci": ("instance", "pci"),
        "device": ("instance", "device"),
    }


@pytest.mark.parametrize(
    ("version", "rules", "why"),
    [
        ("mc1 device_api=vfio-pci driver=acme_vf\n", "mc1\naccept device_api=vfio-pci x=\n", "MC-E1-PARSE failed"),
        ("mc1 driver=acme_vf\nparam aggregate=1\n", "mc1\naccept driver=acme_vf\n", "MC-E4-NO-PARAMS failed"),
    ],
)
def test_lint_says_why_e6_and_e7_did_not_run_on_a_pair(tmp_path: Path, version: str, rules: str, why: str) -> None:
    (tmp_path / "migration_version").write_text(version)
    (tmp_path / "migration_compatible_devices").write_text(rules)
    result = CliRunner().invoke(main, ["lint", "--kind", "instance", str(tmp_path)])
    assert result.exit_code == 1, result.output
    assert f"  not checked: MC-E6-SELF and MC-E7-SELFREF need both attributes valid ({why})\n" in result.stdout
