"""What an outside driver vendor's review of ``migcompat conformance`` and ``migcompat lint`` found.

* An mdev created from a type that publishes a ``migration_version`` but that
  exposes no migration attribute of its own fails MC-E8-TEMPLATE (5.5-M1); an
  mdev of a type that publishes none (not migratable) does not.
* MC-E6-SELF's advice for a field the device does not carry is not ``key=$``
  (which fails MC-E7-SELFREF) but the field or the ``default`` line.
* MC-M2-ASYMMETRY says "is not known to accept" of an ``unknown`` verdict,
  "does not accept" of an ``incompatible`` one.
* A host with no name is named by its input in MC-M2's message, the JSON
  matrix's labels and KTAP's host line, as in the failures' headers.
* MC-E6-SELF names a device type without parameters "the device the type
  describes"; MC-E8-TEMPLATE points a device that leaves out ``aggregate=1``
  to clause 6.3's exception.
* ``lint`` locates each attribute's parse failure in its own file.
* A tree with nothing to check because a directory could not be read says
  which; the capture records that fault once, however many links reach it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from migcompat.capture import capture
from migcompat.cli import main
from migcompat.conformance import Report, run
from unprivileged import unprivileged

TREES = Path(__file__).resolve().parent.parent / "conformance" / "sample-trees"
MIGRATION_ATTRIBUTES = ("migration_version", "migration_compatible_devices")
_GPU = "devices/pci0000:00/0000:00:02.0"
_MTTY = "devices/virtual/mtty/mtty"
_MDEVS = {
    "gvt-g": (
        f"{_GPU}/8d9d1b8a-5a7e-4b45-9e0e-2c2d3d6b0c02/vfio-dev/vfio1",
        f"{_GPU}/mdev_supported_types/i915-GVTg_V5_8",
    ),
    "mtty": (f"{_MTTY}/83b8f4f2-509f-382f-3c1e-e6bfe0fa1001/vfio-dev/vfio0", f"{_MTTY}/mdev_supported_types/mtty-2"),
}


def _tree(tmp_path: Path, sample: str, name: str = "host") -> Path:
    """A copy of the sample tree *sample* (its ``new`` host) to edit."""
    tree = tmp_path / name
    shutil.copytree(TREES / sample / "new", tree, symlinks=True)
    return tree


def _remove_attributes(directory: Path) -> None:
    for name in MIGRATION_ATTRIBUTES:
        (directory / name).unlink()


def _failures(report: Report, check: str) -> list[tuple[str, str]]:
    return sorted((f.path, f.message) for f in report.failures if f.check == check)


# ---- 1: an mdev of a migratable type without attributes ---------------------------------------------------


@pytest.mark.parametrize("sample", sorted(_MDEVS))
def test_an_mdev_of_a_migratable_type_without_attributes_fails_e8(tmp_path: Path, sample: str) -> None:
    tree = _tree(tmp_path, sample)
    mdev, _ = _MDEVS[sample]
    _remove_attributes(tree / mdev)
    report = run([capture(str(tree))])
    ((path, message),) = _failures(report, "MC-E8-TEMPLATE")
    uuid = mdev.split("/")[-3]
    assert path.startswith(f"bus/mdev/devices/{uuid}/") and path.endswith("/migration_version")
    assert "the device has no migration_version, but it was created from type" in message
    assert "clause 5.5" in message
    assert not report.ok


@pytest.mark.parametrize("sample", sorted(_MDEVS))
def test_an_mdev_of_a_type_that_is_not_migratable_is_not_checked_by_e8(tmp_path: Path, sample: str) -> None:
    tree = _tree(tmp_path, sample)
    mdev, mdev_type = _MDEVS[sample]
    _remove_attributes(tree / mdev)
    _remove_attributes(tree / mdev_type)
    report = run([capture(str(tree))])
    assert _failures(report, "MC-E8-TEMPLATE") == []
    assert report.ok, [(f.check, f.message) for f in report.required_failures]


# ---- 2: E6's advice for a field the device does not carry ------------------------------------------------

_VF0 = "devices/pci0000:3a/0000:3a:00.0/0000:3b:00.1/vfio-dev/vfio0"
_VF1 = "devices/pci0000:3a/0000:3a:00.0/0000:3b:00.2/vfio-dev/vfio1"
_MLX5_RULE = (
    "accept device_api=vfio-pci driver=mlx5_vfio_pci features<=$ mlx5.max_macs=4 mlx5.max_queues=..${extra}"
    " pci_id=15b3:101e stream=mlx5-vf stream_version=1.0..$\n"
)


def _mlx5_rules(tmp_path: Path, extra: str = "", name: str = "host") -> Path:
    """The mlx5 sample with VF0's rules replaced by one rule, with *extra* constraints after mlx5.max_queues."""
    tree = _tree(tmp_path, "mlx5", name)
    (tree / _VF0 / "migration_compatible_devices").write_text("mc1\n" + _MLX5_RULE.format(extra=extra))
    return tree


def test_e6_advice_for_a_field_the_device_does_not_carry_is_not_dollar(tmp_path: Path) -> None:
    tree = _mlx5_rules(tmp_path, " mlx5.rq_entries=1024")
    report = run([capture(str(tree))])
    ((_, message),) = _failures(report, "MC-E6-SELF")
    assert "[missing-field]" in message
    assert "accept the device's own value" not in message and "(mlx5.rq_entries=$ does)" not in message
    assert "the device does not carry mlx5.rq_entries: write mlx5.rq_entries in its migration_version" in message
    assert "or give mlx5.rq_entries a value on the default line (default mlx5.rq_entries=...)" in message
    assert "a default line never supplies (clause 8.4)" in message
    # The old advice ($ on a key the device does not carry) fails MC-E7-SELFREF: the advice must not lead there.
    rules = tree / _VF0 / "migration_compatible_devices"
    rules.write_text("mc1\n" + _MLX5_RULE.format(extra=" mlx5.rq_entries=$"))
    assert _failures(run([capture(str(tree))]), "MC-E7-SELFREF") != []
    # Following the new one passes E6: the field in migration_version...
    version = tree / _VF0 / "migration_version"
    original = version.read_text()
    rules.write_text("mc1\n" + _MLX5_RULE.format(extra=" mlx5.rq_entries=1024"))
    version.write_text(original.replace(" pci_id=", " mlx5.rq_entries=1024 pci_id="))
    assert _failures(run([capture(str(tree))]), "MC-E6-SELF") == []
    # ... or on the default line.
    version.write_text(original)
    rules.write_text("mc1\ndefault mlx5.rq_entries=1024\n" + _MLX5_RULE.format(extra=" mlx5.rq_entries=1024"))
    assert _failures(run([capture(str(tree))]), "MC-E6-SELF") == []


def test_e6_advice_for_a_field_the_device_carries_is_still_dollar(tmp_path: Path) -> None:
    tree = _mlx5_rules(tmp_path)
    rules = tree / _VF0 / "migration_compatible_devices"
    rules.write_text(rules.read_text().replace("mlx5.max_macs=4", "mlx5.max_macs=8"))
    ((_, message),) = _failures(run([capture(str(tree))]), "MC-E6-SELF")
    assert "make a rule's constraint on mlx5.max_macs accept the device's own value (mlx5.max_macs=$ does)" in message


# ---- 3: MC-M2-ASYMMETRY on an unknown verdict ------------------------------------------------------------


def _m2(report: Report) -> str:
    (message,) = [f.message for f in report.failures if f.check == "MC-M2-ASYMMETRY"]
    return message


def test_m2_calls_an_unknown_verdict_not_known_to_accept(tmp_path: Path) -> None:
    tree = _mlx5_rules(tmp_path, " mlx5.rq_entries=1024")
    message = _m2(run([capture(str(tree))]))
    assert "does not accept" not in message
    assert " is not known to accept " in message
    assert message.endswith(
        "which accepts it, although their critical fields are equal (unknown: [missing-field] the source has no"
        " mlx5.rq_entries and the target declares no default for it)"
    )


def test_m2_still_says_does_not_accept_of_an_incompatible_verdict(tmp_path: Path) -> None:
    tree = _mlx5_rules(tmp_path)
    rules = tree / _VF0 / "migration_compatible_devices"
    rules.write_text(rules.read_text().replace("mlx5.max_queues=..$", "mlx5.max_queues=..16"))  # refuses 32
    message = _m2(run([capture(str(tree))]))
    assert " does not accept " in message and "not known" not in message and "(unknown" not in message
    assert "although their critical fields are equal: [" in message


def test_m2_on_a_type_s_choice_says_not_known_to_accept(tmp_path: Path) -> None:
    tree = _tree(tmp_path, "gvt-g")
    rules = tree / _GPU / "mdev_supported_types/i915-GVTg_V5_4/migration_compatible_devices"
    rules.write_text(rules.read_text().replace("accept aggregate=1..8 ", "accept aggregate=1..8 gvt.foo=1 "))
    message = _m2(run([capture(str(tree))]))
    assert message.startswith(
        f"{tree}:class/mdev_bus/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4 [aggregate=2] is not known to accept "
    )
    assert "(unknown: [missing-field] the source has no gvt.foo" in message


# ---- 4: a host with no name is named by its input ----------------------------------------------------------


def _conformance(*args: str) -> Result:
    return CliRunner().invoke(main, ["conformance", "--no-progress", *args], catch_exceptions=False)


def test_a_host_with_no_name_is_named_by_its_input_everywhere(tmp_path: Path) -> None:
    tree = str(_mlx5_rules(tmp_path, " mlx5.rq_entries=1024"))
    vf0, vf1 = "bus/pci/devices/0000:3b:00.1/vfio-dev/vfio0", "bus/pci/devices/0000:3b:00.2/vfio-dev/vfio1"
    text = _conformance(tree).stdout
    assert f"WARN MC-M2-ASYMMETRY  {tree}:{vf0}/migration_compatible_devices\n" in text
    assert f"     {tree}:{vf0} is not known to accept {tree}:{vf1}, which accepts it" in text
    assert f" :{vf0}" not in text
    document = json.loads(_conformance(tree, "--format", "json").stdout)
    assert [c["label"] for c in document["matrix"]["classes"]] == [f"{tree}:{vf0}", f"{tree}:{vf1}"]
    assert document["hosts"][0]["name"] == ""  # the JSON still says the host has no name
    (m2,) = [f for f in document["failures"] if f["check"] == "MC-M2-ASYMMETRY"]
    assert m2["message"].startswith(f"{tree}:{vf0} is not known to accept {tree}:{vf1}")
    ktap = _conformance(tree, "--format", "ktap").stdout
    assert f"# host {tree} (host): 2 placements" in ktap
    assert "# host  (host)" not in ktap


def test_a_named_host_keeps_its_name(tmp_path: Path) -> None:
    tree = _mlx5_rules(tmp_path, " mlx5.rq_entries=1024")
    host = capture(str(tree), host="n1")
    report = run([host])
    assert _m2(report).startswith("n1:bus/pci/devices/0000:3b:00.1/vfio-dev/vfio0 is not known to accept n1:bus/")
    assert all(c["label"].startswith("n1:bus/") for c in report.matrix.classes)
    assert report.hosts[0].label == "n1"


# ---- 5: E6 on a device type without parameters ------------------------------------------------------------


def test_e6_on_a_type_without_parameters_names_the_device_the_type_describes(tmp_path: Path) -> None:
    tree = _tree(tmp_path, "mtty")
    _, mdev_type = _MDEVS["mtty"]
    version = tree / mdev_type / "migration_version"
    version.write_text(version.read_text().replace("device_api=vfio-pci", "device_api=vfio-platform"))
    ((path, message),) = _failures(run([capture(str(tree))]), "MC-E6-SELF")
    assert path.endswith("/mdev_supported_types/mtty-2/migration_compatible_devices")
    assert message.startswith("the device the type describes is not accepted by its own rules (incompatible): ")
    assert "(no parameters)" not in message and "created with" not in message


# ---- 6: E8 on a device that leaves out aggregate=1 ---------------------------------------------------------

_HINT = (
    "a device created from a type reports D(c), aggregate=1 included, though a field whose value is its key's"
    " registry default is otherwise left out: clause 6.3 makes this exception"
)


def test_e8_on_a_device_without_aggregate_1_points_to_clause_6_3(tmp_path: Path) -> None:
    tree = _tree(tmp_path, "gvt-g")
    mdev, _ = _MDEVS["gvt-g"]
    version = tree / mdev / "migration_version"
    version.write_text(version.read_text().replace("mc1 aggregate=1 ", "mc1 "))
    (failure,) = [f for f in run([capture(str(tree))]).failures if f.check == "MC-E8-TEMPLATE"]
    assert "has the creation parameter aggregate (1|2|3|4|5|6|7|8) but the device does not carry it" in failure.message
    assert failure.details["hint"] == _HINT
    text = CliRunner().invoke(main, ["conformance", "--no-progress", str(tree)], catch_exceptions=False).stdout
    assert f"     hint: {_HINT}\n" in text


def test_e8_on_a_device_with_another_aggregate_has_no_such_hint(tmp_path: Path) -> None:
    tree = _tree(tmp_path, "gvt-g")
    mdev, _ = _MDEVS["gvt-g"]
    version = tree / mdev / "migration_version"
    version.write_text(version.read_text().replace("mc1 aggregate=1 ", "mc1 aggregate=9 "))
    (failure,) = [f for f in run([capture(str(tree))]).failures if f.check == "MC-E8-TEMPLATE"]
    assert "but the device has aggregate=9" in failure.message and "hint" not in failure.details


# ---- 7: lint locates each parse failure in its own file -----------------------------------------------------


@pytest.mark.parametrize(
    ("version", "rules"),
    [("mc2 a=1\n", "mc2\naccept a=1\n"), ("mc2\n", "mc2\naccept a=1\n"), ("mc2 a=1\n", "mc1\naccept a=1\n")],
)
def test_lint_locates_each_parse_failure_in_its_own_file(tmp_path: Path, version: str, rules: str) -> None:
    directory = tmp_path / "d"
    directory.mkdir()
    (directory / "migration_version").write_text(version)
    (directory / "migration_compatible_devices").write_text(rules)
    runner = CliRunner()
    text = runner.invoke(main, ["lint", str(directory)], catch_exceptions=False).stdout
    heads = [line for line in text.splitlines() if line.startswith("FAIL MC-E1-PARSE")]
    messages = [line for line in text.splitlines() if "holds format mc1 and no other" in line]
    expected = [
        f"{directory}/{name}:1:1"
        for name, data in (("migration_version", version), ("migration_compatible_devices", rules))
        if data.startswith("mc2")
    ]
    assert heads == [f"FAIL MC-E1-PARSE  {where}" for where in expected]
    assert len(messages) == len(expected)
    for where, message in zip(expected, messages, strict=True):  # the message names the file its head locates
        assert f"; {where.rsplit('/', 1)[1].removesuffix(':1:1')}, as every attribute" in message
    document = json.loads(runner.invoke(main, ["lint", "--format", "json", str(directory)]).stdout)
    parse = [f for f in document["failures"] if f["check"] == "MC-E1-PARSE"]
    assert [f["path"] for f in parse] == [where.removesuffix(":1:1") for where in expected]
    for failure in parse:
        assert f"; {failure['path'].rsplit('/', 1)[1]}, as every attribute" in failure["message"]


# ---- 8: an unreadable directory is named, and recorded once ------------------------------------------------


@pytest.fixture
def closed_tree(tmp_path: Path) -> Iterator[Path]:
    """The mlx5 sample with its devices/ directory unreadable (mode 000), its three functions' links into it."""
    tree = _tree(tmp_path, "mlx5")
    (tree / "devices").chmod(0)
    yield tree
    (tree / "devices").chmod(0o755)


def _migcompat(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    command = unprivileged([sys.executable, "-m", "migcompat", *args])
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, env=env, timeout=60, check=False)


def test_nothing_to_check_names_the_path_that_could_not_be_read(closed_tree: Path) -> None:
    result = _migcompat(closed_tree.parent, "conformance", "--no-progress", closed_tree.name)
    assert result.returncode == 3, result.stderr
    assert (
        "migcompat: error[nothing-to-check]: nothing to check: found no VFIO device, mdev type or mdev under host;"
        " 1 path could not be read, which may hold them: host/devices/pci0000:3a (Permission denied)\n"
    ) in result.stderr


def test_the_capture_records_an_unreadable_directory_once(closed_tree: Path) -> None:
    result = _migcompat(closed_tree.parent, "capture", "--sysfs", closed_tree.name, "-o", "-")
    findings = json.loads(result.stdout)["findings"]
    assert findings == [
        {"code": "unreadable", "path": "devices/pci0000:3a", "message": "Permission denied", "attribute": False}
    ]


# ---- 9: the text report's failure header says the line and column -----------------------------------------


def test_a_failure_header_gives_line_and_column_where_the_excerpt_is_cut(tmp_path: Path) -> None:
    """The excerpt of a long line is windowed ("..."), so the column must be in the header, as lint writes it."""
    tree = _tree(tmp_path, "mlx5")
    vf = "devices/pci0000:3a/0000:3a:00.0/0000:3b:00.1/vfio-dev/vfio0"
    version = tree / vf / "migration_version"
    version.write_text(version.read_text().replace("\n", " \n"))  # a trailing space at the end of line 1
    column = len(version.read_text().split("\n")[0])
    result = _migcompat(tmp_path, "conformance", "--no-progress", tree.name)
    (head,) = [line for line in result.stdout.splitlines() if line.startswith("FAIL MC-E1-PARSE")]
    assert head == f"FAIL MC-E1-PARSE  host:bus/pci/devices/0000:3b:00.1/vfio-dev/vfio0/migration_version:1:{column}"
    assert "..." in result.stdout  # the excerpt alone would not tell the column
    document = json.loads(_migcompat(tmp_path, "conformance", "--format", "json", tree.name).stdout)
    (failure,) = [f for f in document["failures"] if f["check"] == "MC-E1-PARSE"]
    assert (failure["excerpt"]["line"], failure["excerpt"]["column"]) == (1, column)


def test_a_failure_without_an_excerpt_is_named_by_its_path_alone(tmp_path: Path) -> None:
    tree = _tree(tmp_path, "mlx5")
    vf = "devices/pci0000:3a/0000:3a:00.0/0000:3b:00.1/vfio-dev/vfio0"
    (tree / vf / "migration_compatible_devices").unlink()
    result = _migcompat(tmp_path, "conformance", "--no-progress", tree.name)
    assert "FAIL MC-E5-PAIR  host:bus/pci/devices/0000:3b:00.1/vfio-dev/vfio0\n" in result.stdout


# ---- 12: a text out of canonical form says what else differs ------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first", "rest"),
    [
        ("mc1 driver=acme device_api=vfio-pci", 1, "; the final newline is missing"),
        ("mc1 driver=acme device_api=vfio-pci\n", 1, ""),
        (
            "mc1\naccept driver=acme device_api=vfio-pci\naccept stream=x driver=acme\naccept stream=y driver=b",
            2,
            "; 2 other lines differ too; the final newline is missing",
        ),
        ("mc1\naccept driver=acme device_api=vfio-pci\naccept stream=x driver=acme\n", 2, "; 1 other line differs too"),
    ],
)
def test_e2_says_what_else_differs_than_its_first_line(text: str, first: int, rest: str) -> None:
    result = CliRunner().invoke(main, ["lint", "-"], input=text, catch_exceptions=False)
    (message,) = [line.strip() for line in result.stdout.splitlines() if "not in canonical form" in line]
    assert message.startswith(f"not in canonical form; line {first} should read: ")
    assert message.endswith("'" + rest)
