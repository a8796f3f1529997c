"""Attribute files found inside a device directory the user named are opened safely (review r13, findings 1 and 7).

Given a device DIRECTORY, check, lint, diff, plan and match open
DIR/migration_version and DIR/migration_compatible_devices (and
DIR/vfio-dev/vfioN) by names the user never typed. Whoever can write to that
directory (a pull request to a vendor's repository of attribute
directories) must not be able to point those names elsewhere: a symbolic link
there is refused unread, so a line of /etc/shadow or a CI job's environment
never reaches the error message, and a link to a device, or a FIFO, is
refused without being read (lint used to block forever on /dev/ptmx). A path
the user typed keeps working as before, a link included.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from migcompat.cli.exitcodes import ExitCode

ROOT = Path(__file__).resolve().parent.parent
SECRET = "CI_JOB_TOKEN=glcbt-64_s3cretvalue"
VERSION = "mc1 device_api=vfio-pci driver=mtty\n"
RULES = "mc1\naccept device_api=vfio-pci driver=mtty\n"
CAPTURE = str(ROOT / "tests" / "data" / "capture-spec-1.0-mtty.json")
LINK_REFUSED = b"not a regular file (a symbolic link)"


def migcompat(*args: str, cwd: Path, pass_fds: tuple[int, ...] = ()) -> subprocess.CompletedProcess[bytes]:
    """``migcompat ARGS`` in *cwd*, standard input closed, with a timeout that a blocking read would exceed."""
    env = {key: value for key, value in os.environ.items() if key != "MIGCOMPAT_DEBUG"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "migcompat.cli", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env={**env, "NO_COLOR": "1"},
        timeout=30,
        check=False,
        pass_fds=pass_fds,
    )


def device(directory: Path, version: str | None = VERSION, rules: str | None = RULES) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    if version is not None:
        (directory / "migration_version").write_text(version, encoding="ascii")
    if rules is not None:
        (directory / "migration_compatible_devices").write_text(rules, encoding="ascii")
    return directory


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """``evil/``: both attributes are links to a file outside the directory whose only line is a secret.

    Beside it, ``good/`` (a device directory of regular files) and ``via-link``
    (a link to ``good/`` the user types, as /sys/bus/pci/devices/ADDRESS is).
    """
    secret = tmp_path / "outside" / "environ"
    secret.parent.mkdir()
    secret.write_text(SECRET + "\n", encoding="ascii")
    evil = tmp_path / "evil"
    evil.mkdir()
    for name in ("migration_version", "migration_compatible_devices"):
        (evil / name).symlink_to(secret)
    device(tmp_path / "good")
    (tmp_path / "via-link").symlink_to(tmp_path / "good")
    return tmp_path


def _no_secret(result: subprocess.CompletedProcess[bytes]) -> None:
    output = result.stdout + result.stderr
    assert SECRET.encode() not in output
    assert b"s3cret" not in output  # not even part of the line, in a parse error's window
    assert b"Traceback" not in output


@pytest.mark.parametrize(
    ("args", "status"),
    [
        pytest.param(("check", "evil", "good"), ExitCode.UNDECIDED, id="check-source"),
        pytest.param(("check", "good", "evil"), ExitCode.UNDECIDED, id="check-target"),
        pytest.param(("check", "--format", "json", "evil", "good"), ExitCode.UNDECIDED, id="check-json"),
        pytest.param(("lint", "evil"), ExitCode.UNDECIDED, id="lint"),
        pytest.param(("plan", "evil", "good"), ExitCode.UNDECIDED, id="plan-source"),
        pytest.param(("plan", "good", "evil"), ExitCode.UNDECIDED, id="plan-type"),
        pytest.param(("match", "evil", CAPTURE), ExitCode.UNDECIDED, id="match"),
        pytest.param(("relate", "evil", "good"), ExitCode.UNDECIDED, id="relate"),
        pytest.param(("diff", "evil", "good"), ExitCode.UNDECIDED, id="diff"),
    ],
)
def test_a_link_out_of_a_device_directory_is_refused_and_its_target_never_shown(
    hostile: Path, args: tuple[str, ...], status: ExitCode
) -> None:
    result = migcompat(*args, cwd=hostile)
    _no_secret(result)
    assert result.returncode == status, result.stderr
    assert LINK_REFUSED in result.stdout + result.stderr
    assert b"error[input-unreadable]" in result.stderr or b'"code":"input-unreadable"' in result.stdout


def test_a_directory_the_user_reaches_through_a_link_and_a_file_link_the_user_types_still_work(hostile: Path) -> None:
    """Only the names the tool adds are refused as links: the user's own path may be, or pass through, one."""
    (hostile / "typed-link").symlink_to(hostile / "good" / "migration_version")
    assert migcompat("check", "via-link", "via-link", cwd=hostile).returncode == ExitCode.SUCCESS
    assert migcompat("lint", "via-link", cwd=hostile).returncode == ExitCode.SUCCESS
    assert migcompat("check", "typed-link", "good", cwd=hostile).returncode == ExitCode.SUCCESS
    # The same commands on the hostile directory (as above, one assertion that fails on the old code).
    refused = migcompat("check", "evil", "via-link", cwd=hostile)
    assert refused.returncode == ExitCode.UNDECIDED and LINK_REFUSED in refused.stderr
    _no_secret(refused)


def test_a_link_to_a_character_device_in_a_directory_is_refused_unread(tmp_path: Path) -> None:
    """lint used to open and read the device (/dev/ptmx blocked forever); /dev/null read as an empty attribute."""
    devices = tmp_path / "dev"
    devices.mkdir()
    (devices / "migration_version").symlink_to("/dev/null")
    (devices / "migration_compatible_devices").symlink_to("/dev/null")
    for args in (("lint", "dev"), ("check", "dev", "dev")):
        result = migcompat(*args, cwd=tmp_path)
        assert result.returncode == ExitCode.UNDECIDED, (args, result.stderr)
        assert LINK_REFUSED in result.stderr, args  # check said "(a character device)": it had followed the link
        assert b"error[empty]" not in result.stdout + result.stderr, args  # it was never read


def test_a_fifo_in_a_device_directory_is_refused_at_once_but_a_pipe_the_user_types_is_read(tmp_path: Path) -> None:
    """A FIFO whose writer never writes blocked lint's read forever; now it is refused without being read.

    The user's own pipe (``<(ssh host cat ...)``, a /dev/fd/N link to a pipe) keeps working.
    """
    directory = device(tmp_path / "dev", version=None)
    fifo = directory / "migration_version"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # a writer that stays connected and says nothing
    try:
        result = migcompat("lint", "dev", cwd=tmp_path)
    finally:
        os.close(writer)
    assert result.returncode == ExitCode.UNDECIDED, result.stderr
    assert b"dev/migration_version: not a regular file (a FIFO)" in result.stderr
    reader, writer = os.pipe()  # what <(printf ...) gives
    try:
        os.write(writer, VERSION.encode())
        os.close(writer)
        typed = migcompat("lint", f"/dev/fd/{reader}", cwd=tmp_path, pass_fds=(reader,))
    finally:
        os.close(reader)
    assert typed.returncode == ExitCode.SUCCESS, typed.stderr


@pytest.mark.parametrize("link", ["vfio0", "vfio-dev"])
def test_the_vfio_device_directory_is_not_followed_through_a_link(tmp_path: Path, link: str) -> None:
    """``vfio-dev/vfioN`` (clause 10) is a directory in sysfs: a link there, to a directory of secrets, is refused."""
    elsewhere = device(tmp_path / "elsewhere", version=f"mc1 {SECRET}\n", rules=f"mc1\n{SECRET}\n")
    pci = tmp_path / "pci"
    pci.mkdir()
    if link == "vfio-dev":
        (tmp_path / "vfio-dev-elsewhere").mkdir()
        (tmp_path / "vfio-dev-elsewhere" / "vfio0").symlink_to(elsewhere)
        (pci / "vfio-dev").symlink_to(tmp_path / "vfio-dev-elsewhere")
        where = b"cannot read pci/vfio-dev"
    else:
        (pci / "vfio-dev").mkdir()
        (pci / "vfio-dev" / "vfio0").symlink_to(elsewhere)
        where = b"cannot read pci/vfio-dev/vfio0"
    for args in (("check", "pci", "pci"), ("lint", "pci"), ("plan", "pci", "pci")):
        result = migcompat(*args, cwd=tmp_path)
        _no_secret(result)
        assert result.returncode == ExitCode.UNDECIDED, (args, result.stderr)
        assert where + b" " in result.stderr or where + b": " in result.stderr, args
        assert b"not a directory (a symbolic link)" in result.stderr, args


def test_a_real_vfio_device_directory_is_still_read(tmp_path: Path) -> None:
    """The sysfs layout (attributes in vfio-dev/vfio0, reached through a link to the device) still works."""
    real = tmp_path / "devices" / "0000:01:00.0"
    device(real / "vfio-dev" / "vfio0")
    (tmp_path / "link").symlink_to(real)
    result = migcompat("check", "--format", "json", "link", "link", cwd=tmp_path)
    assert result.returncode == ExitCode.SUCCESS, result.stderr
    assert b'"source":"link/vfio-dev/vfio0/migration_version"' in result.stdout.replace(b" ", b"")
    # and a vfio0 that is a link is not (the assertion that fails on the old code)
    (real / "vfio-dev" / "vfio0" / "migration_version").unlink()
    (real / "vfio-dev" / "vfio0" / "migration_version").symlink_to(
        real / "vfio-dev" / "vfio0" / "migration_compatible_devices"
    )
    refused = migcompat("check", "link", "link", cwd=tmp_path)
    assert refused.returncode == ExitCode.UNDECIDED and LINK_REFUSED in refused.stderr


def test_the_sysfs_tree_hint_of_lint_escapes_and_quotes_the_name(tmp_path: Path) -> None:
    """r13 #7: the name in "'migcompat conformance NAME' checks every device" was printed raw (OSC, BEL, CSI)."""
    name = "tree\x1b]0;TITLE-SET\x07\x1b[2J"
    (tmp_path / name / "bus").mkdir(parents=True)
    result = migcompat("lint", name, cwd=tmp_path)
    assert result.returncode == ExitCode.UNDECIDED
    assert b"\x1b" not in result.stderr and b"\x07" not in result.stderr
    assert b"it is a sysfs tree: migcompat conformance 'tree\\x1b]0;TITLE-SET\\x07\\x1b[2J' checks" in result.stderr
    plain = tmp_path / "plain"
    (plain / "bus").mkdir(parents=True)
    assert (
        b"it is a sysfs tree: 'migcompat conformance plain' checks" in migcompat("lint", "plain", cwd=tmp_path).stderr
    )
