"""The command line's output streams: closed, broken or shared, every case ends with the status the table gives.

``migcompat --help`` promises 141 for an output closed by its reader and 3
for an output that cannot be written; these tests hold every report format
and a standard output closed before the command started (``>&-``) to it,
check that a closed standard error neither crashes a command nor moves its
messages to standard output, that ``-`` means standard output for ``matrix
--html``, that a report with nothing to check is well formed, and that no
reader of a command's inputs blocks on a FIFO without a writer, while a pipe
given by path (process substitution) is read. The cases that need a real
file descriptor run ``python -m migcompat.cli`` in a subprocess.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner, Result

from migcompat.cli import main
from migcompat.cli.exitcodes import ExitCode
from migcompat.conformance.report_text import write_text_report
from migcompat.conformance.runner import run

ROOT = Path(__file__).resolve().parents[1]
DEVICE = "examples/gvt-g/uuid1"
VERSION_FILE = f"{DEVICE}/migration_version"
TREE = "conformance/sample-trees/gvt-g/new"
CAPTURES = "conformance/samples/gvt-g"
CLOSED = b"migcompat: error[output-unwritable]: cannot write the output: standard output is closed\n"


def command(*args: str, redirect: str = "", stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """``migcompat ARGS REDIRECT`` from the top of the source tree; REDIRECT is shell syntax such as ``>&-``."""
    env = {key: value for key, value in os.environ.items() if key != "MIGCOMPAT_DEBUG"}
    return subprocess.run(
        ["sh", "-c", f'exec "$0" "$@" {redirect}', sys.executable, "-m", "migcompat.cli", *args],
        cwd=ROOT,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        env={**env, "NO_COLOR": "1"},
        timeout=20,
        check=False,
    )


def invoke(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


# ---- an output closed by its reader: 141 for the text report too ----------------------------------


def test_the_text_report_to_a_closed_pipe_ends_quietly_with_141() -> None:
    reader, writer = os.pipe()
    os.close(reader)  # the reader is gone before the first byte: rich's console writes first
    try:
        result = subprocess.run(
            [sys.executable, "-m", "migcompat.cli", "conformance", "--no-progress", TREE],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=writer,
            stderr=subprocess.PIPE,
            timeout=20,
            check=False,
        )
    finally:
        os.close(writer)
    assert result.returncode == ExitCode.CLOSED_OUTPUT  # 141; was 1, rich's SystemExit: "checks failed"
    assert result.stderr == b""


def test_the_text_report_raises_a_closed_pipe_to_its_caller() -> None:
    reader, writer = os.pipe()
    os.close(reader)
    stream = open(writer, "w", encoding="utf-8")  # noqa: SIM115
    try:
        with pytest.raises(BrokenPipeError):  # was SystemExit(1), raised by rich
            write_text_report(run([]), stream, color=False)
    finally:
        with contextlib.suppress(BrokenPipeError):  # closing flushes what could not be written
            stream.close()


# ---- a standard output closed before the command started ------------------------------------------


@pytest.fixture(scope="module")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("model") / "model.json"
    result = invoke("parse", "--format", "json", str(ROOT / VERSION_FILE))
    path.write_text(json.dumps(json.loads(result.stdout)["model"]))
    return str(path)


@pytest.mark.parametrize(
    "args",
    [  # the default run tries two commands, the slow run every one
        pytest.param(("check", DEVICE, DEVICE), id="check"),
        pytest.param(("parse", VERSION_FILE), id="parse", marks=pytest.mark.slow),
        pytest.param(("emit", "{model}"), id="emit", marks=pytest.mark.slow),
        pytest.param(("export", "kubernetes", CAPTURES), id="export-kubernetes", marks=pytest.mark.slow),
        pytest.param(("conformance", "--no-progress", TREE), id="conformance"),  # the text report: rich writes first
        pytest.param(("capture", "--sysfs", TREE, "-o", "-"), id="capture", marks=pytest.mark.slow),
    ],
)
def test_a_closed_standard_output_is_an_error_with_status_3(args: tuple[str, ...], model_file: str) -> None:
    result = command(*(arg.format(model=model_file) for arg in args), redirect=">&-")
    assert result.returncode == ExitCode.UNDECIDED  # was 0: the answer went nowhere
    assert result.stderr.endswith(CLOSED)
    assert b"Traceback" not in result.stderr
    assert b"captured" not in result.stderr  # capture says nothing of a capture it could not write


def test_a_command_writing_only_to_a_file_succeeds_with_standard_output_closed(tmp_path: Path) -> None:
    out = tmp_path / "host.json"
    result = command("capture", "--sysfs", TREE, "-o", str(out), redirect=">&-")
    assert result.returncode == ExitCode.SUCCESS
    assert json.loads(out.read_text())["placements"]
    assert b"captured" in result.stderr


# ---- a standard error closed before the command started -------------------------------------------


def test_a_closed_standard_error_keeps_the_status_and_standard_output_clean() -> None:
    result = command("parse", VERSION_FILE, redirect="2>&-")
    assert (result.returncode, result.stderr) == (ExitCode.SUCCESS, b"")
    assert b"valid migration_version" in result.stdout
    # Click writes a usage error to standard output when standard error is None
    result = command("no-such-command", redirect="2>&-")
    assert (result.returncode, result.stdout) == (ExitCode.USAGE, b"")
    result = command("parse", VERSION_FILE, redirect=">&- 2>&-")
    assert (result.returncode, result.stdout, result.stderr) == (ExitCode.UNDECIDED, b"", b"")


# ---- matrix --html - --------------------------------------------------------------------------------


def test_matrix_html_dash_writes_the_page_to_standard_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "matrix.html"
    result = invoke("matrix", "--html", str(page), str(ROOT / CAPTURES))
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(f"wrote {page}\n")
    result = invoke("matrix", "--html", "-", str(ROOT / CAPTURES))
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "-").exists()  # was a file named -, and "wrote -"
    assert result.stdout_bytes == page.read_bytes()  # the page alone: no grid, no "wrote"
    result = invoke("matrix", "--html", "-", "--format", "json", str(ROOT / CAPTURES))
    assert result.exit_code == ExitCode.USAGE
    assert "both write to standard output" in result.stderr


# ---- reports with nothing to check --------------------------------------------------------------------


@pytest.fixture
def empty_root(tmp_path: Path) -> str:
    (tmp_path / "sys" / "bus").mkdir(parents=True)
    return str(tmp_path / "sys")


def test_nothing_to_check_never_reports_a_pass(empty_root: str) -> None:
    # A CI job reads the JSON result, the JUnit counts or the KTAP plan: a host never checked must not pass.
    message = f"nothing to check: found no VFIO device, mdev type or mdev under {empty_root}"
    result = invoke("conformance", "--format", "ktap", empty_root)
    assert result.exit_code == ExitCode.UNDECIDED
    assert [line for line in result.stdout.splitlines() if line.startswith(("ok", "not ok"))] == [
        f"not ok 1 input {empty_root}"
    ]
    assert f"# error[nothing-to-check]: {message}" in result.stdout.splitlines()
    result = invoke("conformance", "--format", "junit", empty_root)
    assert result.exit_code == ExitCode.UNDECIDED
    suite = ElementTree.fromstring(result.stdout).find("testsuite")
    assert suite is not None and suite.get("errors") == "1"
    assert [error.get("type") for error in suite.iter("error")] == ["nothing-to-check"]


def test_the_json_output_with_nothing_to_check_is_the_error(empty_root: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    result = invoke("conformance", "--format", "json", empty_root)
    assert result.exit_code == ExitCode.UNDECIDED
    document = json.loads(result.stdout)
    schema = json.loads((ROOT / "spec" / "schema" / "command-error.schema.json").read_text())
    jsonschema.validate(document, schema)
    assert document == {
        "error": {
            "code": "nothing-to-check",
            "message": f"nothing to check: found no VFIO device, mdev type or mdev under {empty_root}",
            "where": empty_root,
        }
    }
    assert "error[nothing-to-check]" in result.stderr


# ---- standard input given twice ------------------------------------------------------------------------


def test_parse_refuses_standard_input_twice_like_the_other_commands() -> None:
    for name in ("parse", "lint"):
        result = invoke(name, "-", "-", stdin="mc1 device_api=vfio-pci\n")
        assert result.exit_code == ExitCode.USAGE, name  # parse: was 1, its second read "error[empty]"
        assert "only one input can be standard input (-)" in result.stderr
    assert invoke("parse", "-", stdin="mc1 device_api=vfio-pci\n").exit_code == ExitCode.SUCCESS


# ---- a FIFO where an attribute belongs -------------------------------------------------------------------


@pytest.fixture
def fifo_device(tmp_path: Path) -> Path:
    device = tmp_path / "device"
    device.mkdir()
    (device / "migration_compatible_devices").write_bytes((ROOT / DEVICE / "migration_compatible_devices").read_bytes())
    os.mkfifo(device / "migration_version")  # no writer: a blocking open would wait forever
    return device


@pytest.mark.parametrize(
    ("args", "status", "said"),
    [
        # A name the tool adds below a directory must be a regular file: the FIFO is refused, unread.
        (("lint", "{device}"), ExitCode.UNDECIDED, b"not a regular file (a FIFO)"),
        # A path the user typed is read where it is: a FIFO without a writer gives nothing, at once: no input
        # (r15: it was an empty attribute, "invalid", for a string never read).
        (("check", "{device}/migration_version", DEVICE), ExitCode.UNDECIDED, b"the pipe gave nothing to read"),
        (("parse", "{device}/migration_version"), ExitCode.UNDECIDED, b"error[input-unreadable]"),
    ],
    ids=["lint", "check", "parse"],
)
def test_a_fifo_without_a_writer_is_no_input_at_once(
    args: tuple[str, ...], status: ExitCode, said: bytes, fifo_device: Path
) -> None:
    result = command(*(arg.format(device=fifo_device) for arg in args))
    assert result.returncode == status, result.stderr
    assert said in result.stdout + result.stderr


def test_parse_reads_a_fifo_without_blocking_and_still_reads_a_piped_standard_input(fifo_device: Path) -> None:
    result = command("parse", "-", str(fifo_device / "migration_version"), stdin=b"mc1 device_api=vfio-pci\n")
    assert result.returncode == ExitCode.UNDECIDED
    assert b"error[input-unreadable]" in result.stderr and str(fifo_device).encode() in result.stderr
    assert result.stdout.startswith(b"<stdin>: valid migration_version")


def test_a_pipe_given_by_path_is_read_like_a_file() -> None:
    """Process substitution (``<(ssh host cat ...)``) names a pipe whose writer is connected, maybe slow."""
    script = 'exec "$0" -m migcompat.cli check <(sleep 0.5; cat "$1") <(cat "$2")'
    result = subprocess.run(
        ["bash", "-c", script, sys.executable, VERSION_FILE, f"{DEVICE}/migration_compatible_devices"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=20,
        check=False,
    )
    assert result.returncode == ExitCode.SUCCESS, result.stderr
    assert result.stdout.startswith(b"compatible")


def test_a_socket_is_refused_unread(tmp_path: Path) -> None:
    import socket

    path = tmp_path / "migration_version"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        result = invoke("parse", str(path))
    assert result.exit_code == ExitCode.UNDECIDED


# ---- a large answer is written whole, whatever the stream's mode (review r18) ------------------------------

_SAMPLES = [str(ROOT / "conformance" / "samples" / name) for name in ("nvidia-vgpu", "mlx5", "gvt-g", "qat")]
_PAGE = [sys.executable, "-m", "migcompat", "matrix", "--html", "-", *_SAMPLES]


def _page_length() -> int:
    whole = subprocess.run(_PAGE, capture_output=True, timeout=120, env={**os.environ, "PYTHONUNBUFFERED": ""})
    assert whole.returncode == 0, whole.stderr
    assert len(whole.stdout) > 1 << 17  # more than a pipe holds
    return len(whole.stdout)


@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_a_reader_that_exits_early_gives_141_also_unbuffered(unbuffered: str) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    process = subprocess.Popen(_PAGE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(10)
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == ExitCode.CLOSED_OUTPUT, stderr
    assert stderr == b""


@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_a_non_blocking_standard_output_gets_the_whole_answer(unbuffered: str) -> None:
    """Another program that shares a terminal or pipe may leave it non-blocking: a write must not stop short."""
    import fcntl

    expected = _page_length()
    read, write = os.pipe()
    fcntl.fcntl(write, fcntl.F_SETFL, fcntl.fcntl(write, fcntl.F_GETFL) | os.O_NONBLOCK)
    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    process = subprocess.Popen(_PAGE, stdout=write, stderr=subprocess.PIPE, env=env)
    os.close(write)
    with os.fdopen(read, "rb") as reader:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=1)  # the child fills the pipe before anything reads it
        data = reader.read()
    assert process.wait(timeout=120) == 0, process.stderr.read() if process.stderr else b""
    assert len(data) == expected
