"""What a capture recorded while it was taken reaches the fleet commands: diff, match, matrix and export.

A capture holds the faults its reader met (an unreadable directory, a link
loop, a descriptive attribute too long...). The fleet commands used to drop
them, so that "no target accepts" could really be "the target could not be
read". Each command now warns about them on standard error (the first few),
lists them under "findings" with --format json, and a fault that may hide a
target turns a negative answer into an unknown one (exit status 3). A
migration attribute cut at the read limit is said to be longer than the
limit, never a size nobody measured.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sample_fleet import mlx5_host, write_tree

from fresh_captures import now_text
from migcompat.capture import capture, dumps, loads
from migcompat.cli import main
from migcompat.fleet.inventory import hides_targets, load_inventory
from migcompat.limits import MAX_ATTRIBUTE_BYTES
from migcompat.sysfs.model import Attr, Finding, HostData, Placement
from migcompat.sysfs.reader import READ_LIMIT

SUCCESS, NEGATIVE, USAGE, UNDECIDED = 0, 1, 2, 3
RULES = "mc1\naccept driver=d stream_version=1.0..$ q=..$\n"
VERSION = "mc1 driver=d q=4 stream_version=1.1\n"
ACCEPTED = "mc1 driver=d q=2 stream_version=1.0\n"
REFUSED = "mc1 driver=d q=2 stream_version=9.0\n"


def run(*args: str) -> Result:
    """``migcompat ARGS`` in-process; a Python exception is a test failure, not a result."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _device(ident: str, version: str = VERSION, rules: str = RULES) -> Placement:
    path = f"bus/pci/devices/{ident}/vfio-dev/vfio0"
    return Placement(
        "pci",
        ident,
        path,
        {"migration_version": Attr(version.encode()), "migration_compatible_devices": Attr(rules.encode())},
    )


def _host(name: str, placements: tuple[Placement, ...], findings: tuple[Finding, ...] = ()) -> HostData:
    return HostData(name, "6.8", now_text(), "test", "/sys", "capture", False, placements, findings)


def _save(path: Path, host: HostData) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(host), encoding="ascii")
    return str(path)


def warning_line(faults: str, hosts: str) -> str:
    """The first line of the report of what may hide a target (``report_findings``).

    For example ``warning_line("1 fault", "1 host")``.
    """
    return (
        f"migcompat: warning: {faults} on {hosts} may hide a device or type (part of a host could not be read"
        " when captured, or a placement's attributes are missing or invalid), which may then be missing from the"
        " answer:"
    )


def settled_line(faults: str, hosts: str) -> str:
    """The first line of that report when the faults cannot change ``match``'s negative answer."""
    return (
        f"migcompat: note: {faults} on {hosts} may hide a device or type (part of a host could not be read"
        " when captured, or a placement's attributes are missing or invalid), but none changes this answer: the"
        " placements concerned reject the source by their readable rules, or are left out:"
    )


def note_line(findings: str, hosts: str) -> str:
    """The first line of the report of the other findings, e.g. ``note_line("1 other finding", "1 host")``."""
    return f"migcompat: note: {findings} on {hosts} (none hides a device or type):"


LOOP = Finding("link-loop", "bus/pci/devices/0000:01:00.2", "more than 40 symbolic links to resolve: a link loop")
COSMETIC = Finding("binary-content", "bus/pci/devices/0000:01:00.1/vendor", "holds bytes that are not printable ASCII")


@pytest.fixture
def source(tmp_path: Path) -> dict[str, str]:
    """Two source descriptions: one the fleet's device accepts, one it does not."""
    (tmp_path / "accepted").write_text(ACCEPTED)
    (tmp_path / "refused").write_text(REFUSED)
    return {"accepted": str(tmp_path / "accepted"), "refused": str(tmp_path / "refused")}


# ---- a real sysfs tree with a link loop and an unreadable directory ---------------------------------------


def _faulty_tree(root: Path, monkeypatch: pytest.MonkeyPatch) -> HostData:
    """The mlx5 sample host as a sysfs tree, its first PCI function a link loop and the second's vfio-dev/ denied.

    These tests run as root, which reads through any mode: EACCES is simulated by patching os.open (the reader
    opens a directory to list it), as tests/test_sysfs_faults.py does.
    """
    write_tree(mlx5_host("cx6", "1.1"), str(root))
    devices = root / "bus" / "pci" / "devices"
    first, second = sorted(os.listdir(devices))[:2]
    (devices / first).unlink()
    (devices / first).symlink_to(first)
    real_open = os.open

    def denied(path: str, flags: int, *args: object, **kwargs: object) -> int:
        if str(path).endswith(f"{second}/vfio-dev"):  # the reader opens a directory to list it
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(os, "open", denied)
        return capture(str(root), host="cx6")


def test_a_captured_tree_with_faults_is_reported_by_every_fleet_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = _faulty_tree(tmp_path / "tree", monkeypatch)
    assert {f.code for f in host.findings} == {"link-loop", "unreadable"}
    path = _save(tmp_path / "cx6.json", host)
    stream = "mc1 device_api=vfio-pci driver=mlx5_vfio_pci pci_id=15b3:101e stream=mlx5-vf stream_version=9.9\n"
    (tmp_path / "src").write_text(stream)

    match = run("match", str(tmp_path / "src"), path)
    assert match.exit_code == UNDECIDED, match.output  # it was 1: "no target accepts", of a host half read
    report = [
        warning_line("2 faults", "1 host"),
        f"  cx6 ({path}):",
        "    bus/pci/devices/0000:3b:00.0: more than 40 symbolic links to resolve: a link loop [link-loop]",
        "    bus/pci/devices/0000:3b:00.1/vfio-dev: Permission denied [unreadable]",
    ]
    assert match.stderr.splitlines()[:-1] == report
    assert match.stderr.splitlines()[-1].startswith(
        "migcompat: error[capture-unreadable]: no target read accepts the source, but part of host cx6"
    )

    as_json = run("match", "--format", "json", str(tmp_path / "src"), path)
    document = json.loads(as_json.stdout)
    assert as_json.exit_code == UNDECIDED and document["incomplete"] is True
    assert {(f["code"], f["capture"], f["hides_targets"]) for f in document["findings"]} == {
        ("link-loop", path, True),
        ("unreadable", path, True),
    }

    matrix = run("matrix", path)
    assert matrix.exit_code == SUCCESS and matrix.stderr.splitlines() == report
    export = run("export", "kubernetes", path)
    assert export.exit_code == SUCCESS and export.stderr.splitlines()[:4] == report

    diff = run("diff", path, path)
    assert diff.exit_code == UNDECIDED, diff.output  # it was 0: "1 target compared: 1 unchanged"
    assert "error[capture-unreadable]: the diff is not decided: on the old side" in diff.stderr
    assert diff.stderr.splitlines()[:4] == report and diff.stderr.count(report[0]) == 1  # once, not once a side
    text = run("diff", str(tmp_path / "tree"), str(tmp_path / "tree"))
    assert text.exit_code == UNDECIDED and text.stderr.count("[link-loop]") == 1
    tree = run("diff", "--format", "json", str(tmp_path / "tree"), str(tmp_path / "tree"))
    document = json.loads(tree.stdout)
    assert tree.exit_code == UNDECIDED and document["incomplete"] is True
    assert [(f["side"], f["code"]) for f in document["findings"]] == [("old", "link-loop"), ("new", "link-loop")]


# ---- match ---------------------------------------------------------------------------------------------------


def test_match_negative_answer_is_unknown_only_when_a_fault_may_hide_a_target(
    tmp_path: Path, source: dict[str, str]
) -> None:
    hidden = _save(tmp_path / "a" / "h.json", _host("h", (_device("0000:01:00.1"),), (LOOP,)))
    cosmetic = _save(tmp_path / "b" / "h.json", _host("h", (_device("0000:01:00.1"),), (COSMETIC,)))
    clean = _save(tmp_path / "c" / "h.json", _host("h", (_device("0000:01:00.1"),)))

    assert run("match", source["refused"], clean).exit_code == NEGATIVE
    refused = run("match", source["refused"], hidden)
    assert refused.exit_code == UNDECIDED and "error[capture-unreadable]" in refused.stderr
    accepted = run("match", source["accepted"], hidden)
    assert accepted.exit_code == SUCCESS  # a target that accepts is an answer, whatever was not read
    assert accepted.stderr.splitlines() == [  # the warning, and no error
        warning_line("1 fault", "1 host"),
        f"  h ({hidden}):",
        "    bus/pci/devices/0000:01:00.2: more than 40 symbolic links to resolve: a link loop [link-loop]",
    ]

    note = run("match", source["refused"], cosmetic)
    assert note.exit_code == NEGATIVE, note.output  # a bad vendor file hides no target
    assert note.stderr.splitlines() == [  # a note, no warning
        note_line("1 other finding", "1 host"),
        f"  h ({cosmetic}):",
        "    bus/pci/devices/0000:01:00.1/vendor: holds bytes that are not printable ASCII [binary-content]",
    ]
    document = json.loads(run("match", "--format", "json", source["refused"], cosmetic).stdout)
    assert document["incomplete"] is False
    assert document["findings"] == [
        {
            "code": "binary-content",
            "host": "h",
            "path": COSMETIC.path,
            "message": COSMETIC.message,
            "capture": cosmetic,
            "attribute": False,
            "hides_targets": False,
        }
    ]
    document = json.loads(run("match", "--format", "json", source["refused"], clean).stdout)
    assert document["findings"] == [] and document["incomplete"] is False


def test_the_warning_shows_the_first_few_findings_of_the_first_few_hosts_each_cut_and_counts_the_rest(
    tmp_path: Path, source: dict[str, str]
) -> None:
    long_message = "x" * 16000
    faults = tuple(Finding("unreadable", f"bus/pci/devices/0000:02:00.{n}", long_message) for n in range(10))
    path = _save(tmp_path / "h.json", _host("h", (_device("0000:01:00.1"),), faults))
    result = run("match", source["accepted"], path)
    assert result.exit_code == SUCCESS
    lines = result.stderr.splitlines()
    assert lines[:2] == [warning_line("10 faults", "1 host"), f"  h ({path}):"]
    cut = f"{'x' * 300}... (16000 characters) [unreadable]"
    assert lines[2:] == [f"    bus/pci/devices/0000:02:00.{n}: {cut}" for n in range(3)] + [
        "    ... and 7 more (--format json lists them)"
    ]
    document = json.loads(run("match", "--format", "json", source["accepted"], path).stdout)
    assert len(document["findings"]) == 10 and document["findings"][0]["message"] == long_message

    # Five hosts with two faults each: the first three hosts are shown, the other two counted.
    paths = [_save(tmp_path / f"h{n}.json", _host(f"h{n}", (_device("0000:01:00.1"),), faults[:2])) for n in range(5)]
    lines = run("match", source["accepted"], *paths).stderr.splitlines()
    assert lines[0] == warning_line("10 faults", "5 hosts")
    assert [line for line in lines if line.startswith("  ") and not line.startswith("    ")] == [
        f"  h0 ({paths[0]}):",
        f"  h1 ({paths[1]}):",
        f"  h2 ({paths[2]}):",
        "  ... and 4 more on 2 more hosts (--format json lists them)",
    ]
    assert len(lines) == 1 + 3 * 3 + 1


# ---- matrix, diff, export ------------------------------------------------------------------------------------


def test_matrix_json_lists_the_capture_findings_and_keeps_status_0(tmp_path: Path) -> None:
    path = _save(tmp_path / "h.json", _host("h", (_device("0000:01:00.1"),), (LOOP, COSMETIC)))
    result = run("matrix", "--format", "json", path)
    assert result.exit_code == SUCCESS
    document = json.loads(result.stdout)
    assert document["incomplete"] is True
    assert [(f["code"], f["hides_targets"]) for f in document["findings"]] == [
        ("link-loop", True),
        ("binary-content", False),
    ]
    text = run("matrix", path)
    assert text.exit_code == SUCCESS
    assert text.stderr.splitlines() == [
        warning_line("1 fault", "1 host"),
        f"  h ({path}):",
        "    bus/pci/devices/0000:01:00.2: more than 40 symbolic links to resolve: a link loop [link-loop]",
        note_line("1 other finding", "1 host"),
        f"  h ({path}):",
        "    bus/pci/devices/0000:01:00.1/vendor: holds bytes that are not printable ASCII [binary-content]",
    ]
    empty = _save(tmp_path / "e.json", _host("e", (), (LOOP,)))
    nothing = run("matrix", empty)  # no source class: still says what could not be read
    assert nothing.exit_code == UNDECIDED and "[link-loop]" in nothing.stderr


def test_diff_is_undecided_when_a_side_could_not_be_read_whole(tmp_path: Path) -> None:
    old = _save(tmp_path / "old.json", _host("h", (_device("0000:01:00.1"), _device("0000:01:00.2"))))
    new = _save(tmp_path / "new.json", _host("h", (_device("0000:01:00.1"),), (LOOP,)))
    clean = _save(tmp_path / "clean.json", _host("h", (_device("0000:01:00.1"), _device("0000:01:00.2"))))
    assert run("diff", old, clean).exit_code == SUCCESS
    result = run("diff", old, new)
    # 0000:01:00.2 looks removed, but its directory was a link loop when captured: not known.
    assert result.exit_code == UNDECIDED, result.output
    assert result.stderr.splitlines()[:3] == [
        warning_line("1 fault", "1 host"),
        f"  h ({new}):",
        "    bus/pci/devices/0000:01:00.2: more than 40 symbolic links to resolve: a link loop [link-loop]",
    ]
    assert "error[capture-unreadable]: the diff is not decided: on the new side, part of host h" in result.stderr
    document = json.loads(run("diff", "--format", "json", old, new).stdout)
    assert document["incomplete"] is True
    assert [(f["side"], f["code"], f["capture"]) for f in document["findings"]] == [("new", "link-loop", new)]
    cosmetic = _save(
        tmp_path / "cosmetic.json", _host("h", (_device("0000:01:00.1"), _device("0000:01:00.2")), (COSMETIC,))
    )
    assert run("diff", old, cosmetic).exit_code == SUCCESS


def test_export_warns_and_writes(tmp_path: Path) -> None:
    path = _save(tmp_path / "h.json", _host("h", (_device("0000:01:00.1"),), (LOOP,)))
    result = run("export", "kubernetes", path, "-o", str(tmp_path / "out"))
    assert result.exit_code == SUCCESS, result.output
    assert result.stderr.splitlines()[:3] == [
        warning_line("1 fault", "1 host"),
        f"  h ({path}):",
        "    bus/pci/devices/0000:01:00.2: more than 40 symbolic links to resolve: a link loop [link-loop]",
    ]
    assert (tmp_path / "out" / "nodefeature-h.json").is_file()
    empty = _save(tmp_path / "e" / "e.json", _host("e", (), (LOOP,)))
    nothing = run("export", "kubernetes", empty)
    assert nothing.exit_code == UNDECIDED
    assert "migration attributes that could be read (see the warning above)" in nothing.stderr


# ---- which findings hide a target ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("finding", "hides"),
    [
        (Finding("link-loop", "bus/pci/devices/0000:01:00.2", ""), True),
        (Finding("unreadable", "bus/pci/devices", ""), True),
        (Finding("unreadable", "bus/pci/devices/0000:01:00.1/vfio-dev", "", True), True),
        (Finding("unreadable", "bus/pci/devices/0000:01:00.1/vfio-dev/vfio0/migration_version", "", True), True),
        (Finding("several-vfio-devices", "bus/pci/devices/0000:01:00.1/vfio-dev", "", True), True),
        (Finding("not-a-directory", "class/mdev_bus/0000:00:02.0/mdev_supported_types/name", ""), True),
        (Finding("dangling-link", "bus/platform/devices/device", ""), True),  # an entry, whatever its name
        (Finding("unreadable", "bus/pci/devices/0000:01:00.1/vendor", ""), False),
        (Finding("dangling-link", "devices/virtual/mtty/mtty/u1/mdev_type", "", True), False),
        (Finding("unreadable", "bus/pci/devices/0000:01:00.0/virtfn3", ""), False),
        (Finding("binary-content", "bus/pci/devices/0000:01:00.1/vendor", ""), False),
        (Finding("too-long", "class/mdev_bus/p/mdev_supported_types/t/description", ""), False),
        (Finding("missing", "bus/mdev/devices/u1/mdev_type", "", True), False),
        (Finding("legacy-placement", "bus/pci/devices/0000:01:00.1", "", True), False),
        (Finding("duplicate", "bus/pci/devices/0000:01:00.1", ""), False),
    ],
)
def test_which_findings_hide_a_target(finding: Finding, hides: bool) -> None:
    assert hides_targets(finding) is hides


def test_the_broken_links_sample_hides_one_mdev_only(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    fleet = load_inventory([str(root / "conformance" / "samples" / "broken-links")])
    hidden = [(f.code, f.path) for f in fleet.findings if f.hides_targets]
    assert hidden == [("link-loop", "bus/mdev/devices/0c4f7e3a-1d2b-4c5d-8e9f-a0b1c2d3e4f5")]
    assert fleet.incomplete


# ---- a migration attribute cut at the read limit ---------------------------------------------------------------


def _invalid_message(tmp_path: Path, version: bytes) -> str:
    document = json.loads(dumps(_host("h", (_device("0000:01:00.1"),))))
    document["placements"][0]["attributes"]["migration_version"] = {"text": version.decode("ascii"), "mode": "0444"}
    (tmp_path / "h.json").write_text(json.dumps(document))
    fleet = load_inventory([str(tmp_path / "h.json")])
    (finding,) = [f for f in fleet.findings if f.code == "invalid-attribute"]
    return finding.message


@pytest.mark.parametrize(
    "version",
    [
        b"mc1 a=" + b"x" * 5000 + b"\n",  # cut at 4096 bytes without a newline: the parser saw "4097 bytes"
        b"mc1 a=" + b"x" * (READ_LIMIT - 7) + b"\n" + b"y" * 100,  # cut just after a newline: "4096 bytes"
        b"mc1 a=" + b"x" * (READ_LIMIT - 7) + b"\n",  # exactly 4096 bytes: one more than allowed
    ],
)
def test_a_cut_attribute_is_longer_than_the_limit_not_a_size_nobody_measured(tmp_path: Path, version: bytes) -> None:
    message = _invalid_message(tmp_path, version)
    assert f"error[too-long]: the attribute is longer than {MAX_ATTRIBUTE_BYTES} bytes" in message
    assert f"only its first {READ_LIMIT} are read" in message
    assert "4097" not in message and " 4096 bytes" not in message


def test_an_attribute_read_whole_keeps_its_exact_size(tmp_path: Path) -> None:
    message = _invalid_message(tmp_path, b"mc1 a=" + b"x" * (MAX_ATTRIBUTE_BYTES - 6))  # 4095 bytes, no newline
    assert "the attribute is 4095 bytes without a final newline (4096 with one)" in message  # read to its end


def test_a_cut_attribute_of_a_sysfs_tree_is_said_the_same_way(tmp_path: Path) -> None:
    device = tmp_path / "tree" / "bus" / "pci" / "devices" / "0000:01:00.1"
    vfio = device / "vfio-dev" / "vfio0"
    vfio.mkdir(parents=True)
    (vfio / "migration_version").write_bytes(b"mc1 a=" + b"x" * 20000 + b"\n")
    (vfio / "migration_compatible_devices").write_text(RULES)
    result = run("diff", str(tmp_path / "tree"), str(tmp_path / "tree"))
    assert f"the attribute is longer than {MAX_ATTRIBUTE_BYTES} bytes" in result.stderr
    assert "4097" not in result.stderr


@pytest.mark.parametrize(
    ("rules", "status"),
    [
        (RULES, UNDECIDED),  # its rules may accept the source: whether the device does is not known
        ("mc1\n", NEGATIVE),  # its rules accept nothing: it rejects the source whatever its own values
    ],
)
def test_an_unreadable_migration_attribute_is_said_to_be_unreadable(
    tmp_path: Path, source: dict[str, str], rules: str, status: int
) -> None:
    placement = Placement(
        "pci",
        "0000:01:00.1",
        "bus/pci/devices/0000:01:00.1/vfio-dev/vfio0",
        {
            "migration_version": Attr(None, None, 0o444, "unreadable"),
            "migration_compatible_devices": Attr(rules.encode()),
        },
    )
    fault = Finding("unreadable", f"{placement.path}/migration_version", "Input/output error", True)
    path = _save(tmp_path / "h.json", _host("h", (placement, _device("0000:01:00.2")), (fault,)))
    assert loads(Path(path).read_text()).findings == (fault,)
    result = run("match", source["refused"], path)
    assert result.exit_code == status, result.output
    # Said once, as the capture's fault: not again as a placement skipped, never as "not a valid attribute".
    # When the answer is no, the fault could not change it: a note says so, not "may then be missing".
    assert result.stderr.splitlines()[:3] == [
        warning_line("1 fault", "1 host") if status == UNDECIDED else settled_line("1 fault", "1 host"),
        f"  h ({path}):",
        f"    {fault.path}: Input/output error [unreadable]",
    ]
    assert "[invalid-attribute]" not in result.stderr and "not a valid attribute" not in result.stderr
    assert result.stderr.splitlines()[3:] == (
        [
            "migcompat: error[capture-unreadable]: no target read accepts the source, but 1 target on host h is"
            " undecided (a migration attribute missing, unreadable or invalid): a device or type there may accept"
            " it, so the answer is not known"
        ]
        if status == UNDECIDED
        else []
    )
    document = json.loads(run("match", "--format", "json", source["refused"], path).stdout)
    assert [(f["code"], f["path"], f["message"]) for f in document["findings"]] == [
        ("unreadable", fault.path, "Input/output error"),
        (
            "invalid-attribute",
            fault.path,
            f"{fault.path}: it could not be read when the host was captured (unreadable); skipped",
        ),
    ]
