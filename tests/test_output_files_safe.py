"""Output files are written whole, never through a link planted at a name the command picks, never into a FIFO hang.

Review r13, findings 2 and 9:

* ``export kubernetes -o DIR`` (and ``cases copy DIR``) picks the file names
  inside DIR: a symbolic link found there, dangling or not, is replaced by
  the file, and what it points to is left alone;
* a DIR that every user can write to (without the sticky bit) is refused
  (``output-unsafe``), before anything is written or removed; one that the
  group or another user can write (a checkout under ``sudo``) is not, since
  nothing is written through a link; in a sticky shared directory only the
  user's own stale files are removed;
* ``capture -o FILE``, ``cases run --json FILE`` (and every other output file)
  replace an existing file only once the new one is complete: a write that
  fails part way leaves the old file whole and no temporary file;
* a FIFO that no process reads is an error at once, not a wait for ever.
"""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sample_fleet import gvt_host, write_tree

from migcompat.cli import main
from migcompat.cli.output import OutputError, write_all_in_directory, write_in_directory, write_output
from migcompat.errors import LIBRARY_ERROR_CODES
from unprivileged import unprivileged

ROOT = Path(__file__).resolve().parents[1]
VGPU = str(ROOT / "conformance" / "samples" / "nvidia-vgpu")
NODE_FILES = ["nodefeature-t4-node-16.json", "nodefeature-t4-node-17.json"]
ONE_CASE = ("cases", "run", "--parser", "true", "--run", "parse-valid-final-lf-001")
is_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root: files owned by another user")


def _run(*args: str) -> Result:
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output and "internal error" not in result.output
    return result


def _script(*args: str, file_size_limit: int | None = None, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """``migcompat ARGS`` in a process of its own, so a hang is a timeout and a file size limit stays there."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        if file_size_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

    env = {**os.environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("MIGCOMPAT_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "migcompat", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        preexec_fn=limit,
        check=False,
    )


@pytest.fixture
def tree(tmp_path: Path) -> str:
    root = tmp_path / "sys"
    write_tree(gvt_host("gvt", 2), str(root))
    return str(root)


def _leftovers(directory: Path) -> list[str]:
    """The temporary files a write left in *directory* (none, when it cleaned up)."""
    return sorted(path.name for path in directory.iterdir() if path.name.startswith("."))


# ---- names the command picks: links are replaced, not followed ------------------------------------------------


@pytest.mark.parametrize("name", [NODE_FILES[0], "mapping.migcompat"])
def test_a_link_planted_at_an_export_file_name_is_replaced_and_its_target_left_alone(tmp_path: Path, name: str) -> None:
    out = tmp_path / "out"
    out.mkdir(mode=0o755)
    victim = tmp_path / "victim"
    victim.write_text("precious config\n")
    (out / name).symlink_to(victim)

    result = _run("export", "kubernetes", VGPU, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "precious config\n"
    assert not (out / name).is_symlink() and (out / name).is_file()
    json.loads((out / name).read_text())  # the export's document took the link's place
    assert _leftovers(out) == []


def test_a_dangling_link_in_the_export_directory_is_not_followed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir(mode=0o755)
    (out / "mapping.migcompat").symlink_to(tmp_path / "victim2")
    (out / NODE_FILES[1]).symlink_to(tmp_path / "victim3")

    result = _run("export", "kubernetes", VGPU, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "victim2").exists() and not (tmp_path / "victim2").is_symlink()
    assert not (tmp_path / "victim3").exists()
    assert sorted(p.name for p in out.iterdir() if p.is_file() and not p.is_symlink()) == [
        "mapping.migcompat",
        *NODE_FILES,
    ]


def test_cases_copy_replaces_a_planted_link_instead_of_writing_through_it(tmp_path: Path) -> None:
    destination = tmp_path / "embedded"
    destination.mkdir(mode=0o755)
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    first = _run("cases", "copy", str(tmp_path / "probe"), "--kind", "check")  # which names copy writes
    assert first.exit_code == 0, first.output
    name = sorted(p.name for p in (tmp_path / "probe").iterdir() if p.is_file())[0]
    (destination / name).symlink_to(victim)

    result = _run("cases", "copy", str(destination), "--kind", "check", "--force")
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "precious\n"
    assert not (destination / name).is_symlink()
    assert (destination / name).read_bytes() == (tmp_path / "probe" / name).read_bytes()


# ---- a directory others can write to, or another user's, is refused --------------------------------------------


@pytest.mark.parametrize("mode", [0o777, 0o757], ids=["world", "others"])
def test_an_export_directory_every_user_can_write_is_refused_before_anything_is_written(
    tmp_path: Path, mode: int
) -> None:
    out = tmp_path / "shared"
    out.mkdir()
    stale = out / "nodefeature-t4-node-15.json"
    stale.write_text("{}")
    out.chmod(mode)

    result = _run("export", "kubernetes", VGPU, "-o", str(out))
    assert result.exit_code == 3, result.output
    assert f"error[output-unsafe]: {out} can be written by every user (mode {mode:04o}, without the sticky bit)" in (
        result.stderr
    )
    assert "chmod o-w" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [stale.name]  # nothing written, nothing removed
    assert "output-unsafe" in LIBRARY_ERROR_CODES


def test_a_group_writable_export_directory_is_written_by_replacing_names(tmp_path: Path) -> None:
    out = tmp_path / "team"
    out.mkdir()
    out.chmod(0o775)
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    (out / "mapping.migcompat").symlink_to(victim)
    result = _run("export", "kubernetes", VGPU, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "untouched"
    assert not (out / "mapping.migcompat").is_symlink()


def test_cases_copy_into_a_world_writable_directory_is_refused(tmp_path: Path) -> None:
    destination = tmp_path / "shared"
    destination.mkdir()
    destination.chmod(0o777)
    result = _run("cases", "copy", str(destination), "--kind", "check")
    assert result.exit_code == 3, result.output
    assert "error[output-unsafe]" in result.stderr
    assert list(destination.iterdir()) == []


def test_a_sticky_shared_directory_is_accepted_and_a_new_directory_is_private(tmp_path: Path) -> None:
    sticky = tmp_path / "sticky"
    sticky.mkdir()
    sticky.chmod(0o1777)
    result = _run("export", "kubernetes", VGPU, "-o", str(sticky))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in sticky.iterdir()) == ["mapping.migcompat", *NODE_FILES]

    old = os.umask(0o002)  # a umask that would make a group-writable directory
    try:
        made = _run("export", "kubernetes", VGPU, "-o", str(tmp_path / "new" / "labels"))
    finally:
        os.umask(old)
    assert made.exit_code == 0, made.output
    assert (tmp_path / "new" / "labels").stat().st_mode & 0o022 == 0  # created so that it is accepted next time


@is_root
def test_an_export_directory_another_user_owns_is_written_as_under_sudo_in_a_checkout(tmp_path: Path) -> None:
    out = tmp_path / "theirs"
    out.mkdir(mode=0o755)
    os.chown(out, 65534, 65534)
    result = _run("export", "kubernetes", VGPU, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["mapping.migcompat", *NODE_FILES]


@is_root
def test_in_a_sticky_shared_directory_only_the_users_own_stale_files_are_removed(tmp_path: Path) -> None:
    sticky = tmp_path / "sticky"
    sticky.mkdir()
    sticky.chmod(0o1777)
    theirs = sticky / "nodefeature-t4-node-14.json"
    mine = sticky / "nodefeature-t4-node-15.json"
    for path, node in ((theirs, "t4-node-14"), (mine, "t4-node-15")):  # the objects an export wrote, as it writes them
        metadata = {"name": f"migcompat-{node}", "namespace": "node-feature-discovery"}
        path.write_text(
            json.dumps(
                {"apiVersion": "nfd.k8s-sigs.io/v1alpha1", "kind": "NodeFeature", "metadata": metadata}, indent=2
            )
        )
    os.chown(theirs, 65534, 65534)

    result = _run("export", "kubernetes", VGPU, "-o", str(sticky))
    assert result.exit_code == 0, result.output
    assert theirs.exists() and not mine.exists()
    assert "removed 1 stale file an earlier export wrote and this one did not: nodefeature-t4-node-15.json" in (
        result.stdout
    )


# ---- FIFOs: an error at once, never a hang ------------------------------------------------------------------


@pytest.mark.parametrize("command", ["capture", "cases", "export"])
def test_a_fifo_output_no_process_reads_is_an_error_not_a_hang(tmp_path: Path, tree: str, command: str) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    args = {
        "capture": ("capture", "--sysfs", tree, "--host", "n7", "-o", str(fifo)),
        "cases": (*ONE_CASE, "--json", str(fifo)),
        "export": ("export", "kubernetes", VGPU, "--mapping", str(fifo)),
    }[command]
    result = _script(*args)  # the old capture and cases waited for a reader for ever: TimeoutExpired
    assert result.returncode == 3, result.stderr
    assert f"migcompat: error[output-unwritable]: cannot write {fifo}: it is a FIFO that no process reads" in (
        result.stderr
    )


def test_a_fifo_with_a_reader_gets_the_whole_output(tmp_path: Path, tree: str) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        with open(fifo, "rb") as stream:
            received.append(stream.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    result = None
    for _ in range(100):  # the reader opens the FIFO soon after it starts: until then there is none
        result = _script("capture", "--sysfs", tree, "--host", "n7", "-o", str(fifo))
        if result.returncode != 3:
            break
    assert result is not None and result.returncode == 0, result and result.stderr
    reader.join(10)
    assert json.loads(received[0])["host"] == "n7"


# ---- a file is replaced only when the new one is complete --------------------------------------------------


@pytest.mark.parametrize("command", ["capture", "cases", "export-dir"])
def test_a_write_that_fails_part_way_leaves_the_old_file_whole(tmp_path: Path, tree: str, command: str) -> None:
    out = tmp_path / "out"
    out.mkdir(mode=0o755)
    if command == "export-dir":
        old = out / NODE_FILES[0]
        args: tuple[str, ...] = ("export", "kubernetes", VGPU, "-o", str(out))
    else:
        old = out / "report.json"
        args = (
            ("capture", "--sysfs", tree, "--host", "n7", "-o", str(old))
            if command == "capture"
            else (*ONE_CASE, "--json", str(old))
        )
    previous = b"the previous output, whole\n" * 4  # 108 bytes
    old.write_bytes(previous)

    result = _script(*args, file_size_limit=200)  # every write past 200 bytes fails with EFBIG: a full disk, say
    assert result.returncode == 3, result.stderr
    assert "error[output-unwritable]: cannot write" in result.stderr and "File too large" in result.stderr
    assert old.read_bytes() == previous  # the old code had truncated it and written the first 200 bytes
    assert _leftovers(out) == []  # the temporary file is removed

    done = _script(*args)
    assert done.returncode in (0, 1), done.stderr  # (1: the case run with 'true' as the parser fails)
    assert old.read_bytes() != previous and json.loads(old.read_text())


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "report.json"
    old.write_text("old\n")

    def interrupted(fd: int, mode: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fchmod", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_output(old, "new\n")
    with pytest.raises(KeyboardInterrupt):
        write_in_directory(tmp_path, "report.json", "new\n")
    assert old.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGHUP])
def test_a_write_ended_by_sigterm_or_sighup_leaves_the_old_file_and_no_temporary_file(
    tmp_path: Path, tree: str, number: int
) -> None:
    """``timeout`` sends SIGTERM and a dropped SSH session SIGHUP: the command unwinds as on Ctrl-C (review r18)."""
    old = tmp_path / "capture.json"
    old.write_text("old\n")
    # A signal ignored when the test run started (SIGHUP under nohup) stays ignored in the child, and migcompat keeps
    # it so (as nohup asks): the child sets the default action first, as a process started from a terminal has.
    slow_write = (
        "import os, signal, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_DFL)\n"
        "signal.signal(signal.SIGHUP, signal.SIG_DFL)\n"
        "real, ready = os.fchmod, sys.argv[1]\n"
        "def slow(fd, mode):\n"
        "    open(ready, 'w').close()\n"  # the temporary file exists now: tell the test
        "    time.sleep(30)\n"
        "    real(fd, mode)\n"
        "os.fchmod = slow\n"
        "from migcompat.cli import main\n"
        "sys.argv = ['migcompat', 'capture', '--sysfs', sys.argv[2], '--host', 'h', '-o', sys.argv[3]]\n"
        "main()\n"
    )
    ready = tmp_path / "ready"
    process = subprocess.Popen(
        [sys.executable, "-c", slow_write, str(ready), tree, str(old)], stderr=subprocess.PIPE, text=True
    )
    try:
        for _ in range(600):
            if ready.exists() or process.poll() is not None:
                break
            threading.Event().wait(0.05)
        assert ready.exists(), process.stderr.read() if process.stderr else ""
        assert any(p.name.endswith(".tmp") for p in tmp_path.iterdir())
        process.send_signal(number)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == -number, stderr
    assert "Traceback" not in stderr
    assert old.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["capture.json", "ready", "sys"]


# ---- what stays as it was -----------------------------------------------------------------------------------


def test_a_replaced_file_keeps_its_mode_and_a_new_one_gets_the_umask(tmp_path: Path, tree: str) -> None:
    kept = tmp_path / "kept.json"
    kept.write_text("{}")
    kept.chmod(0o640)
    assert _run("capture", "--sysfs", tree, "--host", "n7", "-o", str(kept)).exit_code == 0
    assert kept.stat().st_mode & 0o7777 == 0o640

    old = os.umask(0o027)
    try:
        assert _run("capture", "--sysfs", tree, "--host", "n7", "-o", str(tmp_path / "new.json")).exit_code == 0
    finally:
        os.umask(old)
    assert (tmp_path / "new.json").stat().st_mode & 0o7777 == 0o640  # 0o666 under the umask, not mkstemp's 0o600


def test_a_link_the_user_names_is_written_through(tmp_path: Path, tree: str) -> None:
    target = tmp_path / "releases" / "v3.json"
    target.parent.mkdir()
    target.write_text("{}")
    link = tmp_path / "current.json"
    link.symlink_to(target)
    result = _run("capture", "--sysfs", tree, "--host", "n7", "-o", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and json.loads(target.read_text())["host"] == "n7"


def test_a_directory_named_as_the_output_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError) as info:
        write_output(tmp_path, "x")
    assert (
        info.value.code == "output-unwritable" and info.value.message == f"cannot write {tmp_path}: it is a directory"
    )
    result = _run("export", "kubernetes", VGPU, "--mapping", str(tmp_path))
    assert result.exit_code == 3 and f"error[output-unwritable]: cannot write {tmp_path}: it is a directory" in (
        result.stderr
    )
    assert result.stdout == ""


# ---- an output of the wrong kind is an output that cannot be written (status 3), for every command ----------

GVT = str(ROOT / "conformance" / "samples" / "gvt-g")


@pytest.mark.parametrize(
    ("args", "kind"),
    [
        (("matrix", "--html", "{out}", GVT), "directory"),
        ((*ONE_CASE, "--json", "{out}"), "directory"),
        ((*ONE_CASE, "--junit", "{out}"), "directory"),
        (("capture", "--sysfs", "{tree}", "--host", "h", "-o", "{out}"), "directory"),
        (("export", "kubernetes", VGPU, "-o", "{out}"), "file"),
        (("cases", "copy", "{out}"), "file"),
    ],
    ids=["matrix-html", "cases-json", "cases-junit", "capture", "export-kubernetes", "cases-copy"],
)
def test_an_output_of_the_wrong_kind_is_status_3_with_its_code(
    tmp_path: Path, tree: str, args: tuple[str, ...], kind: str
) -> None:
    # r15: some were Click usage errors (status 2), and the rest output-unwritable (3).
    out = tmp_path / "out"
    if kind == "directory":
        out.mkdir()
    else:
        out.write_text("keep\n")
    result = _run(*(arg.format(out=out, tree=tree) for arg in args))
    assert result.exit_code == 3, result.output
    assert "error[output-unwritable]" in result.stderr, result.stderr
    if kind == "file":
        assert out.read_text() == "keep\n"


def test_an_output_goes_into_a_directory_its_user_may_write_to_but_not_list(tmp_path: Path) -> None:
    """Review r20 finding 2: a drop directory (mode -wx) took the files until the directory was opened to read it."""
    drop = tmp_path / "drop"
    drop.mkdir()
    drop.chmod(0o300)
    target = drop / "traits.json"
    command = [sys.executable, "-m", "migcompat", "export", "placement", VGPU, "--enabled-type", "nvidia-222"]
    command += ["--enabled-type", "nvidia-230", "-o", str(target)]
    command = unprivileged(command)  # root reads and writes anywhere
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    drop.chmod(0o700)
    assert result.returncode == 0, result.stderr
    assert json.loads(target.read_text())["format"] == "migcompat-placement-traits"
    assert [path.name for path in drop.iterdir()] == ["traits.json"]  # no temporary file left behind


def test_a_rename_that_fails_part_way_names_what_was_replaced_and_what_was_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A set of files is written all or none, but a rename can still fail (an I/O error, a file system remounted
    read-only) once some are done: the error said only "cannot write into DIR", leaving the operator to guess which
    files were new. The fault is injected into the system call; the function under test is the real one."""
    for name in ("a.json", "b.json", "c.json"):
        (tmp_path / name).write_text("old\n")
    real_replace, calls = os.replace, []

    def failing_second(*args: Any, **kwargs: Any) -> None:
        calls.append(args)
        if len(calls) == 2:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_replace(*args, **kwargs)

    monkeypatch.setattr(os, "replace", failing_second)
    with pytest.raises(OutputError) as raised:
        write_all_in_directory(tmp_path, [(name, b"new\n") for name in ("a.json", "b.json", "c.json")])
    monkeypatch.undo()
    message = raised.value.message
    assert raised.value.code == "output-unwritable" and raised.value.where == str(tmp_path)
    assert message.startswith(f"cannot write into {tmp_path}: Input/output error; the files are now half old, half new")
    assert message.endswith("replaced a.json; left as they were: b.json, c.json; write them again")
    assert [(tmp_path / name).read_text() for name in ("a.json", "b.json", "c.json")] == ["new\n", "old\n", "old\n"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a.json", "b.json", "c.json"]  # no temporary left
