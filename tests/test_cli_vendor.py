"""The command line as a driver vendor meets it: the upgrade check, ``lint``, and ``conformance``'s errors.

CliRunner tests of ``migcompat.cli.main``. ``lint`` is registered in the group
for each test that needs it (and removed after), so that these tests run
whether or not the group registers it; error messages are pinned, so that a
change to one is a decision.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sample_fleet import mtty_host, to_host_data

from migcompat.capture import dumps
from migcompat.cli import commands_relate, main
from migcompat.cli.commands_lint import lint_command
from migcompat.conformance.registry import CHECKS
from migcompat.conformance.samples import sample_descriptions, sample_names
from migcompat.relate import RelationTooComplex
from test_verdict_schema import document_errors

ROOT = Path(__file__).resolve().parents[1]
SUCCESS, NEGATIVE, USAGE, UNDECIDED = 0, 1, 2, 3

ACCEPT = "accept device_api=vfio-pci driver=mlx5_vfio_pci pci_id=15b3:101e stream=mlx5-vf"
WIDE = f"mc1\n{ACCEPT} stream_version=1.0|1.1\n"
NARROW = f"mc1\n{ACCEPT} stream_version=1.1\n"
SPLIT = f"mc1\n{ACCEPT} stream_version=1.0\n{ACCEPT} stream_version=1.1\n"  # the sources of WIDE
SHIFTED = f"mc1\n{ACCEPT} stream_version=1.1|1.2\n"
OTHER = "mc1\naccept device_api=vfio-pci driver=qat_vfio_pci stream=qat-vf\n"
DROPPED = (  # the source WIDE accepts and NARROW does not
    "mc1 device_api=vfio-pci driver=mlx5_vfio_pci pci_id=15b3:101e stream=mlx5-vf stream_version=1.0"
)

MLX5_VERSION = "mc1 device_api=vfio-pci driver=mlx5_vfio_pci pci_id=15b3:101e stream=mlx5-vf stream_version=1.1\n"
MLX5_RULES = f"mc1\n{ACCEPT} stream_version=1.0..$\n"
TEMPLATE = (
    "mc1 device_api=vfio-pci driver=mtty stream=mtty stream_version=1.1 type=mtty-2\n"
    "param mtty.ports=1\n"
    "param mtty.ports=2\n"
)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def with_lint(monkeypatch: pytest.MonkeyPatch) -> None:
    """``migcompat lint`` in the group for one test (whether or not the group registers it)."""
    monkeypatch.setitem(main.commands, "lint", lint_command)


def run(runner: CliRunner, *args: str, stdin: str | bytes | None = None) -> Result:
    return runner.invoke(main, list(args), input=stdin, catch_exceptions=False)


def write(path: Path, content: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="ascii")
    return str(path)


def device(directory: Path, version: str | None, rules: str | None) -> str:
    if version is not None:
        write(directory / "migration_version", version)
    if rules is not None:
        write(directory / "migration_compatible_devices", rules)
    return str(directory)


# ---- 1. the upgrade check, named by role -------------------------------------------------------------


def _relate_examples(text: str) -> list[list[str]]:
    """The arguments of every ``migcompat relate ... --require ...`` example in *text*."""
    found = []
    for line in text.splitlines():
        match = re.match(r"\s*(?:\$ )?migcompat relate (.*)$", line)
        if match and "--require" in line:
            found.append(shlex.split(match.group(1).split(" #")[0]))
    return found


def _cast(arguments: list[str], old: str, new: str) -> list[str]:
    """An example's arguments with its old rules replaced by *old* and its new rules by *new*."""
    cast = []
    for index, argument in enumerate(arguments):
        before = arguments[index - 1] if index else ""
        if before == "--old" or (not argument.startswith("-") and "old" in argument.lower()):
            cast.append(old)
        elif before == "--new" or (not argument.startswith("-") and "new" in argument.lower()):
            cast.append(new)
        else:
            cast.append(argument)
    assert old in cast and new in cast, arguments
    return cast


@pytest.mark.parametrize("where", ["migcompat --help", "migcompat relate --help", "README.md"])
def test_every_upgrade_example_fails_a_narrowing_update_and_passes_a_widening_one(
    runner: CliRunner, tmp_path: Path, where: str
) -> None:
    """Followed as shown, the help's example must catch a driver that stopped accepting a source."""
    if where == "README.md":
        text = (ROOT / "README.md").read_text(encoding="utf-8")
    else:
        text = run(runner, *where.split()[1:]).stdout
    examples = _relate_examples(text)
    assert examples, f"{where} shows no 'migcompat relate ... --require' example"
    wide, narrow = write(tmp_path / "wide", WIDE), write(tmp_path / "narrow", NARROW)
    for arguments in examples:
        narrowing = run(runner, "relate", *_cast(arguments, wide, narrow))
        assert narrowing.exit_code == NEGATIVE, (where, arguments, narrowing.stdout)
        widening = run(runner, "relate", *_cast(arguments, narrow, wide))
        assert widening.exit_code == SUCCESS, (where, arguments, widening.stderr)


def test_no_breaking_names_the_dropped_source(runner: CliRunner, tmp_path: Path) -> None:
    old, new = write(tmp_path / "old", WIDE), write(tmp_path / "new", NARROW)
    result = run(runner, "relate", "--old", old, "--new", new, "--require", "no-breaking")
    assert result.exit_code == NEGATIVE
    assert result.stdout.splitlines() == [
        f"old: {old}",
        f"new: {new}",
        "old is a SUPERSET of new: the new rules accept only some of the sources the old rules accept",
        f"accepted by old only: {DROPPED}",
        f"accepted by both:     {DROPPED[:-3]}1.1",
    ]
    assert result.stderr == (
        "migcompat: error: breaking change: the new rules do not accept this source, which the old rules accept"
        f" (the relation is superset):\n  {DROPPED}\n"
    )


@pytest.mark.parametrize(
    ("old", "new", "relation", "status"),
    [
        (WIDE, SPLIT, "equal", SUCCESS),
        (NARROW, WIDE, "subset", SUCCESS),
        (WIDE, NARROW, "superset", NEGATIVE),
        (WIDE, SHIFTED, "overlap", NEGATIVE),
        (WIDE, OTHER, "disjoint", NEGATIVE),
    ],
)
def test_no_breaking_on_each_relation(
    runner: CliRunner, tmp_path: Path, old: str, new: str, relation: str, status: int
) -> None:
    paths = write(tmp_path / "o", old), write(tmp_path / "n", new)
    result = run(runner, "relate", "--old", paths[0], "--new", paths[1], "--require", "no-breaking")
    assert result.exit_code == status, result.stderr
    if status == SUCCESS:
        assert result.stderr == ""
    else:
        assert result.stderr.startswith("migcompat: error: breaking change: ")
        [witness] = [line for line in result.stdout.splitlines() if line.startswith("accepted by old only:")]
        assert witness.split(":", 1)[1].strip() in result.stderr
    result = run(runner, "relate", "-f", "json", "--old", paths[0], "--new", paths[1], "--require", "no-breaking")
    document = json.loads(result.stdout)
    assert document_errors("relation", document) == []
    assert (document["a"], document["b"], document["relation"]) == (paths[0], paths[1], relation)
    assert (document["required"], document["satisfied"]) == (["equal", "subset"], status == SUCCESS)
    # Without --require the roles only name the sides: the relation is printed and the status is 0.
    assert run(runner, "relate", "--old", paths[0], "--new", paths[1]).exit_code == SUCCESS


def test_the_positional_form_still_works(runner: CliRunner, tmp_path: Path) -> None:
    old, new = write(tmp_path / "old", WIDE), write(tmp_path / "new", NARROW)
    result = run(runner, "relate", "--require", "equal,superset", new, old)
    assert result.exit_code == NEGATIVE
    assert result.stdout.splitlines()[:2] == [f"A: {new}", f"B: {old}"]
    assert result.stderr == "migcompat: error: the relation is subset, but --require allows only equal, superset\n"
    assert run(runner, "relate", "--require", "equal,superset", old, new).exit_code == SUCCESS


def test_the_roles_read_own_values_from_directories(runner: CliRunner, tmp_path: Path) -> None:
    old = device(tmp_path / "old", MLX5_VERSION, MLX5_RULES)
    new = device(tmp_path / "new", MLX5_VERSION, MLX5_RULES.replace("1.0..$", "1.1..$"))
    result = run(runner, "relate", "--old", old, "--new", new, "--require", "no-breaking")
    assert result.exit_code == NEGATIVE
    assert result.stdout.splitlines()[0] == (
        f"old: {old}/migration_compatible_devices (own values: {old}/migration_version)"
    )
    assert "stream_version=1.0\n" in result.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["a", "b", "--old", "a"], "give the rule sets either as A B or as --old OLD --new NEW, not both"),
        (["--old", "a"], "--new is missing: give --old OLD and --new NEW"),
        (["--new", "a"], "--old is missing: give --old OLD and --new NEW"),
        (["a"], "missing argument B: give A B, or --old OLD --new NEW"),
        (
            ["--require", "no-breaking", "a", "b"],
            "--require no-breaking needs --old OLD --new NEW (which rules are the old ones?) instead of A B",
        ),
        (
            ["--require", "no-breaking,subset", "--old", "a", "--new", "b"],
            "Invalid value for '--require': no-breaking is a requirement of its own; give no relation with it",
        ),
        (["--old", "-", "--new", "-"], "only one input can be standard input (-), but --old and --new both are"),
    ],
)
def test_relate_usage_errors(runner: CliRunner, arguments: list[str], message: str) -> None:
    result = run(runner, "relate", *arguments)
    assert result.exit_code == USAGE
    assert result.stderr.splitlines()[-1] == f"Error: {message}"


def test_too_complex_is_no_answer(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise RelationTooComplex("the bound is 4096 (MAX_VARIANTS)")

    monkeypatch.setattr(commands_relate, "relate", refuse)
    old, new = write(tmp_path / "old", WIDE), write(tmp_path / "new", NARROW)
    result = run(runner, "relate", "--old", old, "--new", new, "--require", "no-breaking")
    assert result.exit_code == UNDECIDED
    assert (
        result.stderr
        == "migcompat: error[too-complex]: the relation cannot be decided: the bound is 4096 (MAX_VARIANTS)\n"
    )


def test_relate_help_shows_both_forms(runner: CliRunner) -> None:
    result = run(runner, "relate", "--help")
    assert result.stdout.startswith("Usage: migcompat relate [OPTIONS] (A B | --old OLD --new NEW)\n")
    text = " ".join(result.stdout.split())
    assert "--old OLD --new NEW instead of A B, and --require no-breaking" in text


# ---- 2. lint: one attribute file, checked as the suite checks it ---------------------------------------


def test_parse_calls_it_valid_but_lint_fails_the_unregistered_key(
    runner: CliRunner, tmp_path: Path, with_lint: None
) -> None:
    path = write(tmp_path / "attr.txt", "mc1 device_api=vfio-pci driver=x foo=1\n")
    assert run(runner, "parse", path).exit_code == SUCCESS
    result = run(runner, "lint", path)
    assert result.exit_code == NEGATIVE
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        f"FAIL MC-E3-REGISTRY  {path}:1:34",
        "     foo is not a registry key; a vendor key has a namespace (x.foo)",
        "     1 | mc1 device_api=vfio-pci driver=x foo=1",
        "       |                                  ^^^^^",
        "     spec clause 12.1 E3 (5.2, 5.7, 11): standard keys follow the registry",
        "",
        f"{path}: a device instance's migration_version: FAILED (MC-E3-REGISTRY)",
        "  checked: MC-E1-PARSE, MC-E2-CANONICAL, MC-E3-REGISTRY, MC-E3-REQUIRED, MC-E4-NO-PARAMS,"
        " MC-S2-DEFAULT-WRITTEN",
        "  not checked: MC-E6-SELF and MC-E7-SELFREF need the device's migration_compatible_devices too:"
        " give both files, or their directory",
        "Result: FAILED: 1 required check failure, 0 warnings (1 input checked)",
    ]


def test_lint_a_good_device_directory(runner: CliRunner, tmp_path: Path, with_lint: None) -> None:
    directory = device(tmp_path / "vf", MLX5_VERSION, MLX5_RULES)
    result = run(runner, "lint", directory)
    assert result.exit_code == SUCCESS, result.stdout
    assert result.stdout.splitlines() == [
        f"{directory}: a device instance's migration_version and migration_compatible_devices: passed",
        "  checked: MC-E1-PARSE, MC-E2-CANONICAL, MC-E3-REGISTRY, MC-E3-REQUIRED, MC-E4-NO-PARAMS, MC-E5-PAIR,"
        " MC-E6-SELF, MC-E7-SELFREF, MC-S1-ACCEPT-ALL, MC-S2-DEFAULT-WRITTEN, MC-M1-ACCEPTS-NOTHING",
        "Result: PASSED (1 input checked)",
    ]


def test_lint_pairs_two_files_of_one_directory_for_e6_and_e7(
    runner: CliRunner, tmp_path: Path, with_lint: None
) -> None:
    version = write(tmp_path / "dev" / "version.txt", MLX5_VERSION.replace("pci_id", "mlx5.ports=2 pci_id"))
    rules = write(tmp_path / "dev" / "rules.txt", MLX5_RULES.replace("pci_id", "mlx5.nr_ports=$ pci_id"))
    result = run(runner, "lint", version, rules)  # told apart by their first lines
    assert result.exit_code == NEGATIVE
    failed = re.findall(r"^FAIL (\S+)  (\S+)$", result.stdout, re.MULTILINE)
    assert failed == [("MC-E7-SELFREF", f"{rules}:2:49")]
    assert (
        "     $ refers to mlx5.nr_ports, which the device does not carry and which has no registry default\n"
        in result.stdout
    )
    assert f"{version} and {rules}: a device instance's migration_version and migration_compatible_devices" in (
        result.stdout
    )
    # Given alone, neither file can be checked for E6 or E7.
    alone = run(runner, "lint", rules)
    assert "MC-E7-SELFREF" not in re.findall(r"^FAIL (\S+)", alone.stdout, re.MULTILINE)
    assert "  not checked: MC-E6-SELF and MC-E7-SELFREF need the device's migration_version too" in alone.stdout


def test_lint_finds_self_rejection_in_the_version(runner: CliRunner, tmp_path: Path, with_lint: None) -> None:
    """E6 points at the field of the version that the rules do not accept, in the version's file."""
    critical = MLX5_VERSION.replace("pci_id=15b3:101e", "mlx5.fw=28 pci_id=15b3:101e")
    directory = device(tmp_path / "vf", critical, MLX5_RULES)
    result = run(runner, "lint", directory)
    assert result.exit_code == NEGATIVE
    assert f"FAIL MC-E6-SELF  {directory}/migration_version:1:46\n" in result.stdout


def test_lint_kind_decides_e4(runner: CliRunner, tmp_path: Path, with_lint: None) -> None:
    path = write(tmp_path / "template", TEMPLATE)
    result = run(runner, "lint", path)
    assert result.exit_code == SUCCESS, result.stdout
    assert f"{path}: a device type's migration_version: passed" in result.stdout
    result = run(runner, "lint", "--kind", "instance", path)
    assert result.exit_code == NEGATIVE
    assert result.stdout.startswith(
        f"FAIL MC-E4-NO-PARAMS  {path}:2:1\n"
        "     a device instance's migration_version has param lines (it describes a type, not this device)\n"
    )
    # A directory under mdev_supported_types is a type's, whatever its text.
    types = tmp_path / "parent" / "mdev_supported_types" / "mtty-2"
    result = run(runner, "lint", device(types, TEMPLATE, None))
    assert "a device type's migration_version" in result.stdout
    assert re.findall(r"^FAIL (\S+)", result.stdout, re.MULTILINE) == ["MC-E5-PAIR"]


def test_lint_e5_pair_on_a_directory(runner: CliRunner, tmp_path: Path, with_lint: None) -> None:
    directory = device(tmp_path / "vf", MLX5_VERSION, None)
    result = run(runner, "lint", directory)
    assert result.exit_code == NEGATIVE
    assert result.stdout.startswith(
        f"FAIL MC-E5-PAIR  {directory}\n"
        "     migration_version is present but migration_compatible_devices is not: a driver exposes both attributes"
        " or neither\n"
    )


def test_lint_canonical_form_parse_errors_and_warnings(runner: CliRunner, tmp_path: Path, with_lint: None) -> None:
    unsorted = write(tmp_path / "a", "mc1 driver=x device_api=vfio-pci")
    result = run(runner, "lint", unsorted)
    assert result.exit_code == NEGATIVE
    assert (
        f"FAIL MC-E2-CANONICAL  {unsorted}:1:5\n" in result.stdout
    )  # the first item out of order, from its first byte
    invalid = write(tmp_path / "b", "mc1 driver=x driver=x\n")
    result = run(runner, "lint", invalid)
    assert result.exit_code == NEGATIVE
    assert f"FAIL MC-E1-PARSE  {invalid}:1:14\n     error[duplicate-key]: " in result.stdout
    accept_all = run(runner, "lint", "-", stdin=f"{MLX5_RULES}accept\n")
    assert accept_all.exit_code == SUCCESS
    assert accept_all.stdout.startswith("WARN MC-S1-ACCEPT-ALL  <stdin>:3:1\n")
    assert accept_all.stdout.endswith("Result: PASSED with 1 warning (1 input checked)\n")


def test_lint_text_says_undecided_when_an_input_was_not_read(
    runner: CliRunner, tmp_path: Path, with_lint: None
) -> None:
    """The result line agrees with the exit status and the JSON: it said PASSED, and the status was 3."""
    path = write(tmp_path / "attr.txt", "mc1 device_api=vfio-pci driver=x stream=x stream_version=1.0\n")
    missing = str(tmp_path / "missing")
    result = run(runner, "lint", path, missing)
    assert result.exit_code == UNDECIDED
    assert result.stdout.endswith(
        "Result: UNDECIDED: 1 input not read (above), 0 required check failures, 0 warnings (1 input checked)\n"
    )
    assert "PASSED" not in result.stdout


def test_lint_json(runner: CliRunner, tmp_path: Path, with_lint: None) -> None:
    path = write(tmp_path / "attr.txt", "mc1 device_api=vfio-pci driver=x foo=1\n")
    missing = str(tmp_path / "missing")
    result = run(runner, "lint", "--format", "json", path, missing)
    assert result.exit_code == UNDECIDED  # an input not read outranks a failed check
    assert result.stderr == f"migcompat: error[input-unreadable]: cannot read {missing}: No such file or directory\n"
    document = json.loads(result.stdout)
    assert document["result"] == "undecided"  # as the exit status says (review r14 #2), with the failure listed
    assert [failure["check"] for failure in document["failures"]] != []
    alone = run(runner, "lint", "--format", "json", missing)
    assert alone.exit_code == UNDECIDED and json.loads(alone.stdout)["result"] == "undecided"
    assert document["input_errors"] == [
        {"path": missing, "error": {"code": "input-unreadable", "message": "No such file or directory"}}
    ]
    assert document["inputs"] == [
        {
            "path": path,
            "kind": "instance",
            "device": None,  # a file alone does not say whether it is an mdev's
            "migration_version": path,
            "migration_compatible_devices": None,
            "checked": [
                "MC-E1-PARSE",
                "MC-E2-CANONICAL",
                "MC-E3-REGISTRY",
                "MC-E3-REQUIRED",
                "MC-E4-NO-PARAMS",
                "MC-S2-DEFAULT-WRITTEN",
            ],
            "failed": ["MC-E3-REGISTRY"],
        }
    ]
    assert document["failures"] == [
        {
            "check": "MC-E3-REGISTRY",
            "severity": "required",
            "clause": CHECKS["MC-E3-REGISTRY"].clause,
            "path": path,
            "message": "foo is not a registry key; a vendor key has a namespace (x.foo)",
            "excerpt": {"line": 1, "column": 34, "length": 5, "text": "mc1 device_api=vfio-pci driver=x foo=1"},
            "details": {"key": "foo"},
        }
    ]


def test_lint_inputs_it_cannot_read(runner: CliRunner, tmp_path: Path, with_lint: None) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run(runner, "lint", str(empty))
    assert result.exit_code == UNDECIDED
    assert result.stdout == ""
    assert result.stderr == (
        f"migcompat: error[input-unreadable]: cannot read {empty}: the directory has neither migration_version nor"
        " migration_compatible_devices\n"
    )
    assert run(runner, "lint", "-", "-").exit_code == USAGE
    (empty / "bus").mkdir()  # a mirror of /sys: the hint names the command that checks it
    assert f"it is a sysfs tree: 'migcompat conformance {empty}'" in run(runner, "lint", str(empty)).stderr


# ---- 3. conformance on what is not a capture or a tree -------------------------------------------------

NOT_A_CAPTURE = (
    "migcompat: conformance reads a capture (the JSON file 'migcompat capture' writes) or a sysfs tree"
    " (a directory such as /sys)\n"
)


def test_conformance_on_an_attribute_file_names_it_and_suggests_lint(runner: CliRunner, tmp_path: Path) -> None:
    path = write(tmp_path / "attr.txt", "mc1 device_api=vfio-pci driver=x foo=1\n")
    result = run(runner, "conformance", path)
    assert result.exit_code == UNDECIDED
    assert result.stdout == ""
    first, rest = result.stderr.split("\n", 1)
    assert first.startswith(
        f"migcompat: error[capture-invalid]: {path} is not a capture: not valid JSON: "
    )  # then the decoder's words
    assert rest == (
        NOT_A_CAPTURE + f"migcompat: {path} looks like a migration_version attribute; to check attribute files, run:\n"
        f"  migcompat lint {path}\n"
    )
    other = write(tmp_path / "other.json", '{"format": "something else"}')
    result = run(runner, "conformance", other)
    assert result.exit_code == UNDECIDED
    assert result.stderr == (
        f"migcompat: error[capture-invalid]: {other} is not a capture: not a migcompat capture (format must be"
        " 'migcompat-capture') (at /format)\n" + NOT_A_CAPTURE
    )


def test_conformance_on_a_broken_capture_says_what_is_wrong_without_the_generic_hint(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A document that names the capture format is a capture: the error is what is wrong in it, not what to give."""
    capture = dumps(to_host_data(mtty_host("broken", "1.1")))
    path = write(tmp_path / "capture.json", capture.replace('"version": 1', '"version": 7', 1))
    result = run(runner, "conformance", path)
    assert result.exit_code == UNDECIDED
    assert result.stderr.startswith(f"migcompat: error[capture-invalid]: {path} is not a valid capture: ")
    assert "version" in result.stderr and NOT_A_CAPTURE not in result.stderr
    assert result.stderr.count("\n") == 1


def test_conformance_reads_a_capture_from_standard_input(runner: CliRunner) -> None:
    capture = dumps(to_host_data(mtty_host("piped", "1.1")))
    result = run(runner, "conformance", "-", "--format", "json", stdin=capture)
    assert result.exit_code == SUCCESS, result.stderr
    assert json.loads(result.stdout)["hosts"][0]["name"] == "piped"
    result = run(runner, "conformance", "-", stdin="mc1\naccept driver=x\n")
    assert result.exit_code == UNDECIDED
    first, rest = result.stderr.split("\n", 1)
    assert first.startswith("migcompat: error[capture-invalid]: <stdin> is not a capture: not valid JSON: ")
    assert rest == (
        NOT_A_CAPTURE
        + "migcompat: <stdin> looks like a migration_compatible_devices attribute; to check attribute files, run:\n"
        "  migcompat lint -\n"
    )
    result = run(runner, "conformance", "-", "--against", "-")
    assert result.exit_code == USAGE
    assert result.stderr.endswith("Error: only one input can be standard input (-)\n")


def test_conformance_on_a_sample_tree_says_what_to_run(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    tree = "conformance/sample-trees/gvt-g"
    if not Path(tree).is_dir():
        pytest.skip("not a source checkout")
    result = run(runner, "conformance", tree)
    assert result.exit_code == UNDECIDED
    assert result.stderr == (
        f"migcompat: error[nothing-to-check]: nothing to check: found no VFIO device, mdev type or mdev under {tree}\n"
        f"migcompat: {tree} holds the sysfs trees of the sample gvt-g (old/ and new/); run the sample:\n"
        "  migcompat conformance --sample gvt-g\n"
        "migcompat: or check the new tree against the old:\n"
        f"  migcompat conformance {tree}/new --against {tree}/old\n"
    )
    result = run(runner, "conformance", "conformance/sample-trees/broken-parse")
    assert result.stderr.endswith(
        "holds the sysfs tree of the sample broken-parse (host/); run the sample:\n"
        "  migcompat conformance --sample broken-parse\n"
        "migcompat: or check the tree itself:\n"
        "  migcompat conformance conformance/sample-trees/broken-parse/host\n"
    )


def test_conformance_on_a_device_directory_suggests_lint(runner: CliRunner, tmp_path: Path) -> None:
    directory = device(tmp_path / "vf", MLX5_VERSION, MLX5_RULES)
    result = run(runner, "conformance", directory)
    assert result.exit_code == UNDECIDED
    assert result.stderr.splitlines()[1:] == [
        f"migcompat: {directory} is a device directory, not a sysfs root; to check its attributes, run:",
        f"  migcompat lint {directory}",
    ]


def test_conformance_inside_a_sysfs_tree_points_to_its_root(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    tree = "conformance/sample-trees/nvidia-vgpu/old"
    for below in ("bus", "bus/pci", "class", "devices"):
        result = run(runner, "conformance", f"{tree}/{below}")
        assert result.exit_code == UNDECIDED
        assert result.stderr.splitlines()[1:] == [
            f"migcompat: {tree}/{below} is inside a sysfs tree, not its root; check the tree from its root (the"
            " directory that holds bus/, class/ and devices/):",
            f"  migcompat conformance {tree}",
        ]
    assert run(runner, "conformance", tree).exit_code == 0  # the advice works


# ---- 4. the samples, described, and the broken ones failing ----------------------------------------------


def test_conformance_help_describes_every_sample(runner: CliRunner) -> None:
    text = run(runner, "conformance", "--help").stdout
    flat = " ".join(text.split())
    descriptions = sample_descriptions()
    assert list(descriptions) == sample_names() and len(descriptions) >= 16
    for name, description in descriptions.items():
        assert description, name
        assert f" {name} {description}" in flat, name
    assert "whose names start with broken- each fail a different required check on purpose (exit status 1)" in flat


@pytest.mark.parametrize("name", sample_names())
def test_every_broken_sample_fails_and_every_other_passes(runner: CliRunner, name: str) -> None:
    result = run(runner, "conformance", "--sample", name, "--format", "json")
    assert result.exit_code == (NEGATIVE if name.startswith("broken-") else SUCCESS), name
    document = json.loads(result.stdout)
    warned = {failure["check"] for failure in document["failures"] if failure["severity"] != "required"}
    if name.startswith("warn-"):
        assert warned, f"{name} warns of nothing"
    elif not name.startswith("broken-"):
        assert not document["failures"], name


def test_conformance_on_a_directory_of_captures_names_them(runner: CliRunner, tmp_path: Path) -> None:
    """The fleet commands take a directory of captures; conformance takes the files, and says so."""
    (tmp_path / "b.json").write_text(dumps(to_host_data(mtty_host("b", "1.1"))))
    (tmp_path / "a.json").write_text(dumps(to_host_data(mtty_host("a", "1.1"))))
    (tmp_path / "manifest.json").write_text('{"name": "not a capture"}')
    result = run(runner, "conformance", str(tmp_path))
    assert result.exit_code == UNDECIDED
    assert result.stderr.splitlines()[1:] == [
        f"migcompat: {tmp_path} is not a sysfs root, but it holds captures; conformance takes each capture file as"
        " an INPUT:",
        f"  migcompat conformance {tmp_path / 'a.json'} {tmp_path / 'b.json'}",
    ]


def test_a_capture_without_a_host_name_is_named_so(runner: CliRunner, tmp_path: Path) -> None:
    capture = tmp_path / "unnamed.json"
    capture.write_text(dumps(to_host_data(mtty_host("", "1.1"))))
    result = run(runner, "conformance", str(capture))
    [line] = [line for line in result.output.splitlines() if "placements," in line and "migratable" in line]
    # Named by its input, as its failures are; a lone host's role ("host") is not shown.
    assert line.startswith(f"  {capture} (no host name): 3 placements, ")
    assert line.endswith("; kernel 6.8.0-45-generic")  # "from" the input would say its name twice


def test_lint_says_what_to_give_for_linked_attributes_and_a_folder_of_devices(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "v").write_text("mc1 device_api=vfio-pci driver=foo\n")
    (tmp_path / "r").write_text("mc1\naccept device_api=vfio-pci driver=foo\n")
    device = tmp_path / "d"
    device.mkdir()
    (device / "migration_version").symlink_to("../v")
    (device / "migration_compatible_devices").symlink_to("../r")
    result = run(runner, "lint", str(device))
    assert result.exit_code == UNDECIDED
    for name in ("migration_version", "migration_compatible_devices"):  # both named, each once
        assert result.stderr.count(f"cannot read {device / name}: not a regular file (a symbolic link);") == 1
    assert f"give the files themselves, 'migcompat lint {device}/migration_*'" in result.stderr
    result = run(runner, "lint", f"{device}/migration_version", f"{device}/migration_compatible_devices")
    assert result.exit_code == 0  # a link the user names is followed
    folder = ROOT / "examples" / "gvt-g"
    result = run(runner, "lint", str(folder))
    assert result.exit_code == UNDECIDED
    assert f"its subdirectories hold them: check each device directory, 'migcompat lint {folder}/*'" in (result.stderr)


def test_conformance_given_a_pipe_says_to_use_standard_input(runner: CliRunner, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run(runner, "conformance", str(fifo))
    assert result.exit_code == UNDECIDED
    assert f"error[capture-unreadable]: cannot read {fifo}: not a regular file (a FIFO)" in result.stderr
    assert "give - in the pipe's place and redirect the pipe to it" in result.stderr


def test_emit_and_lint_say_which_command_takes_the_other_kind_of_input(runner: CliRunner, tmp_path: Path) -> None:
    attribute = tmp_path / "a.txt"
    attribute.write_text("mc1 device_api=vfio-pci driver=mtty\n")
    result = run(runner, "emit", str(attribute))
    assert result.exit_code == 1
    assert f"hint: {attribute} is an attribute string, not a JSON data model: 'migcompat parse {attribute}'" in (
        result.stderr
    )
    model = (
        '{"attribute":"migration_version","format":1,"params":[],"fields":{"driver":{"critical":true,'
        '"value":{"type":"token","value":"mtty"}},"name":{"critical":false,'
        '"value":{"type":"token","value":"Dual port"}}}}'
    )
    result = run(runner, "emit", "-", stdin=model)
    assert result.exit_code == 1
    assert "'Dual port' is not a token: the model writes a value as the attribute does, such characters escaped" in (
        result.stderr
    )
    assert "('Dual%20port')" in result.stderr
    assert run(runner, "emit", "-", stdin=model.replace("Dual port", "Dual%20port")).stdout == (
        "mc1 driver=mtty ~name=Dual%20port\n"
    )
    capture = ROOT / "conformance" / "samples" / "mlx5" / "new.json"
    result = run(runner, "lint", str(capture))
    assert result.exit_code == 1
    assert "hint: it is a JSON document, not an attribute: a capture is checked by 'migcompat conformance FILE'" in (
        result.stdout
    )


def test_conformance_against_on_device_directories_suggests_diff(runner: CliRunner) -> None:
    """The upgrade check asked for is kept in the hint: diff compares two device directories (lint would not)."""
    new, old = (str(ROOT / "docs" / "examples" / "driver-update" / name) for name in ("mlx5-new", "mlx5-old"))
    result = run(runner, "conformance", new, "--against", old)
    assert result.exit_code == UNDECIDED
    assert result.stderr.endswith(
        f"migcompat: {new} is a device directory, not a sysfs root; to check the driver update on two device"
        f" directories, run:\n  migcompat diff {old} {new}\n"
    )
    assert "migcompat lint" not in result.stderr


def test_lint_json_names_standard_input_as_dash_throughout(runner: CliRunner) -> None:
    result = run(runner, "lint", "-f", "json", "-", stdin="mc1 device_api=vfio-pci driver=mtty\n")
    [unit] = json.loads(result.stdout)["inputs"]
    assert (unit["path"], unit["migration_version"]) == ("-", "-")  # as parse and check name it


def _readme_python() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    [block] = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    return block


def test_the_readme_python_example_runs_and_refuses_an_unreadable_attribute(tmp_path: Path) -> None:
    """The README's example, on the GVT-g example devices: a verdict; an attribute there but unreadable is an
    error, never taken for an absent one (which the integrator guide's policy treats as 'no migcompat')."""
    code = _readme_python()
    devices = ROOT / "examples" / "gvt-g"
    run_it = code.replace('"examples/gvt-g/', f'"{devices}/')  # as written, from the top of the source tree
    assert run_it != code
    shown: list[str] = []
    exec(compile(run_it, "README.md", "exec"), {"print": shown.append, "__name__": "readme"})
    assert shown == ["compatible (accepted): accepted by rule 1"]
    broken = tmp_path / "target"
    broken.mkdir()
    (broken / "migration_compatible_devices").mkdir()  # there, but not a file that can be read
    run_it = run_it.replace(str(devices / "uuid1"), str(broken))
    with pytest.raises(OSError, match="migration_compatible_devices: "):
        exec(compile(run_it, "README.md", "exec"), {"print": shown.append, "__name__": "readme"})
