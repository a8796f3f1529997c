"""Review r19, security: the files the command line reads and writes.

F1. Every reader of a file named from outside (a capture, a case file, a
mapping file, a command's input, a sysfs attribute) goes through
:mod:`migcompat._files`: what is not a regular file (nor a pipe, for a
command's input) is refused unopened, and what is opened is opened with
``O_NONBLOCK | O_NOCTTY``: a terminal never becomes the controlling terminal
of the process, and is never read (a read would wait for a user at it); a
character device such as ``/dev/zero`` is not read at all.

The terminal cases run the reader in a child process that leads a session
of its own without a controlling terminal (``start_new_session``), given the
slave side of a pseudo-terminal: opening it without ``O_NOCTTY`` would make it
the child's controlling terminal, which the child then tells by opening
``/dev/tty``.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from timebounds import bound
from unprivileged import unprivileged

ROOT = Path(__file__).resolve().parent.parent
CHARACTER_DEVICE = "not a regular file (a character device)"


def _env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "MIGCOMPAT_DEBUG"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    env["NO_COLOR"] = "1"
    return env


def run(
    argv: list[str], what: str, *, new_session: bool = False, timeout: float = 20
) -> subprocess.CompletedProcess[str]:
    """Run *argv* (Python's arguments) from the source tree, standard input closed; a timeout fails the test.

    With *new_session* the child leads a session of its own, without a
    controlling terminal. *what* says what waited, for the failure.
    """
    try:
        return subprocess.run(
            [sys.executable, *argv],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            env=_env(),
            timeout=bound(timeout),
            check=False,
            start_new_session=new_session,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{what} waited until the timeout")


def assert_refused(result: subprocess.CompletedProcess[str], code: str, where: str, reason: str) -> None:
    """The command ended with status 3, error *code* naming *where* and *reason*, and no traceback."""
    assert result.returncode == 3, (result.returncode, result.stdout, result.stderr)
    assert f"error[{code}]" in result.stderr, result.stderr
    assert where in result.stderr and reason in result.stderr, result.stderr
    assert "Traceback" not in result.stderr + result.stdout


# ---- F1: a terminal is never opened as one, nor read -----------------------------------------------------


@pytest.fixture
def terminal() -> Iterator[str]:
    """The path of the slave side of a new pseudo-terminal (a character device), whose master stays open."""
    try:
        master, slave = os.openpty()
    except OSError as exc:
        pytest.skip(f"no pseudo-terminal: {exc}")
    try:
        yield os.ttyname(slave)
    finally:
        os.close(slave)
        os.close(master)


_READERS = {
    "capture": "from migcompat.capture import load; load(PATH)",
    "case file": "from migcompat.cases.model import read_case_file; read_case_file(__import__('pathlib').Path(PATH))",
    "mapping": "from migcompat.exports.mapping import read_mapping; read_mapping(PATH, 'migcompat-placement-traits')",
    "command input": "from migcompat.cli.io import read_input; read_input(PATH, 4096)",
    "sysfs attribute": "from migcompat.sysfs.reader import read_attribute; print(read_attribute(PATH, follow=True))",
    "match source": "from migcompat.cli.commands_match import _looks_like_attribute as f; print(f(PATH))",
}

_TELL = """
import os, sys
PATH = sys.argv[1]
try:
    {reader}
except Exception as exc:
    print(type(exc).__name__, exc)
try:
    os.close(os.open("/dev/tty", os.O_RDONLY | os.O_NONBLOCK))
except OSError:
    print("no controlling terminal")
else:
    print("a controlling terminal")
"""


@pytest.mark.parametrize("reader", list(_READERS))
def test_no_reader_takes_a_terminal_as_its_controlling_terminal_or_reads_it(reader: str, terminal: str) -> None:
    """Was: every reader opened the path without O_NOCTTY (the command's input then read the terminal, waiting)."""
    result = run(["-c", _TELL.format(reader=_READERS[reader]), terminal], f"the {reader} reader", new_session=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("no controlling terminal\n"), result.stdout
    if reader == "match source":
        assert result.stdout.startswith("False\n")
    elif reader == "sysfs attribute":
        assert "error='not-a-file'" in result.stdout and "not a regular file" in result.stdout
    else:
        assert "not a regular file" in result.stdout, result.stdout


@pytest.mark.parametrize(
    "args",
    [("parse", "{tty}"), ("check", "{tty}", "examples/gvt-g/uuid1"), ("lint", "{tty}")],
    ids=["parse", "check", "lint"],
)
def test_a_terminal_named_as_an_attribute_is_refused_at_once(args: tuple[str, ...], terminal: str) -> None:
    """Was: read from the terminal (and made it the controlling one) until the timeout."""
    argv = ["-m", "migcompat.cli", *(arg.format(tty=terminal) for arg in args)]
    result = run(argv, f"migcompat {args[0]} on a terminal", new_session=True)
    assert_refused(result, "input-unreadable", terminal, CHARACTER_DEVICE)


# ---- F1: a character device is not read ------------------------------------------------------------------


needs_dev_zero = pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")


@needs_dev_zero
@pytest.mark.parametrize(
    "args",
    [
        ("parse", "/dev/zero"),
        ("check", "/dev/zero", "examples/gvt-g/uuid1"),
        ("diff", "/dev/zero", "examples/gvt-g/uuid1/migration_compatible_devices"),
        ("export", "placement-query", "examples/gvt-g/uuid1", "--mapping", "/dev/zero"),
    ],
    ids=["parse", "check", "diff", "placement-query"],
)
def test_dev_zero_given_as_an_input_is_refused_unread(args: tuple[str, ...]) -> None:
    """Was: read (4 KiB as an attribute, 64 MiB of zeros as a capture or a mapping), then reported as invalid."""
    result = run(["-m", "migcompat.cli", *args], f"migcompat {args[0]} on /dev/zero", timeout=30)
    code = "export-mapping-invalid" if args[0] == "export" else "input-unreadable"
    assert_refused(result, code, "/dev/zero", CHARACTER_DEVICE)


# ---- F1: the one helper ----------------------------------------------------------------------------------


def test_the_helper_opens_without_blocking_and_never_as_a_controlling_terminal() -> None:
    from migcompat import _files

    assert _files.READ_FLAGS & os.O_NONBLOCK
    assert _files.READ_FLAGS & os.O_NOCTTY
    assert _files.READ_FLAGS & os.O_CLOEXEC
    assert _files.READ_FLAGS & os.O_ACCMODE == os.O_RDONLY


def test_the_helper_refuses_what_is_not_a_regular_file_before_opening_it(tmp_path: Path) -> None:
    from migcompat import _files

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / "link").symlink_to("fifo")
    for path, kind in ((fifo, "a FIFO"), (tmp_path, "a directory"), (tmp_path / "link", "a symbolic link")):
        with pytest.raises(_files.NotARegularFile) as info:
            _files.open_regular(path, follow=path.name != "link")
        assert str(info.value) == info.value.strerror == f"not a regular file ({kind})"
    descriptor, _ = _files.open_regular(fifo, pipes=True)  # a command's input may be a pipe; no writer: EOF
    try:
        assert os.read(descriptor, 1) == b""
        assert os.get_blocking(descriptor)
    finally:
        os.close(descriptor)


def test_a_regular_file_is_read_without_blocking_so_one_that_waits_for_events_fails_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A security review linked /proc/kmsg into a directory of captures: regular and of size 0, it was read
    blocking and every fleet command waited for ever. Now the read fails with EAGAIN at once, said in words."""
    import errno

    from migcompat import _files

    path = tmp_path / "host.json"
    path.write_text("{}")
    descriptor, _ = _files.open_regular(path)
    try:
        assert not os.get_blocking(descriptor)  # a pipe's is made blocking (above); a regular file's stays so
    finally:
        os.close(descriptor)

    def would_block(*arguments: object) -> int:
        raise BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(_files.os, "readv", would_block)  # what a read of /proc/kmsg with no message does
    with pytest.raises(OSError, match="a file that waits for data to be written to it") as info:
        _files.read_regular(path, 1 << 20)
    assert info.value.errno == errno.EAGAIN


def test_the_descriptor_decides_when_the_name_changed_since_it_was_looked_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A FIFO put where a regular file was looked at is opened without blocking, and refused by ``fstat``."""
    from migcompat import _files

    fifo = tmp_path / "host.json"
    os.mkfifo(fifo)
    regular = os.stat(__file__)
    monkeypatch.setattr(_files.os, "stat", lambda *args, **kwargs: regular)
    with pytest.raises(_files.NotARegularFile, match=r"\(a FIFO\)"):
        _files.open_regular(fifo)


def test_a_file_too_large_is_refused_from_its_size_or_once_it_grows_past_the_limit(tmp_path: Path) -> None:
    from migcompat import _files

    path = tmp_path / "big"
    path.write_bytes(b"x" * 100)
    with pytest.raises(_files.FileTooLarge) as info:
        _files.read_regular(path, 99)
    assert (info.value.size, info.value.limit) == (100, 99)
    assert _files.read_regular(path, 100) == b"x" * 100


def test_match_does_not_block_on_a_fifo_put_where_it_found_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: ``os.path.isfile`` then a blocking ``open``: a FIFO swapped in between hung ``match`` for ever."""
    from migcompat.cli import commands_match

    fifo = tmp_path / "source"
    os.mkfifo(fifo)
    monkeypatch.setattr(os.path, "isfile", lambda path: True)  # the name was a regular file when looked at
    answer: list[bool] = []
    worker = threading.Thread(target=lambda: answer.append(commands_match._looks_like_attribute(str(fifo))))
    worker.start()
    worker.join(bound(10))
    if worker.is_alive():  # unblock the open with a writer, so that the test ends
        os.close(os.open(fifo, os.O_WRONLY))
        worker.join()
        pytest.fail("the source was opened as a FIFO and waited for a writer")
    assert answer == [False]


# ---- F2: the number of values a JSON text may hold -------------------------------------------------------

_EMPTY_OBJECTS = 4_000_001
"""``[{},{},...]`` with this many objects: one more value than MAX_JSON_VALUES, and the array (12 MB)."""


@pytest.fixture(scope="module")
def many_values(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 12 MB JSON file of 4,000,002 values: decoded, they took about 550 MB (a 60 MB one: 2.9 GB)."""
    path = tmp_path_factory.mktemp("values") / "many.json"
    path.write_bytes(b"[" + b"{}," * (_EMPTY_OBJECTS - 1) + b"{}]")
    return path


@contextlib.contextmanager
def measured() -> Iterator[dict[str, float]]:
    """The peak memory (``tracemalloc``, bytes) and the time (seconds) of the block, once it ends."""
    cost: dict[str, float] = {}
    tracemalloc.start()
    started = time.monotonic()
    try:
        yield cost
    finally:
        cost["peak"] = tracemalloc.get_traced_memory()[1]
        cost["seconds"] = time.monotonic() - started
        tracemalloc.stop()


def test_a_capture_of_too_many_values_is_refused_before_it_is_decoded(many_values: Path) -> None:
    from migcompat.capture import CaptureError, load
    from migcompat.jsonmodel import MAX_JSON_VALUES

    assert MAX_JSON_VALUES == 4_000_000
    size = many_values.stat().st_size
    with measured() as cost, pytest.raises(CaptureError) as info:
        load(str(many_values))
    assert info.value.code == "capture-invalid"
    assert info.value.message == "not valid JSON: a document of 4000002 values; at most 4000000 are decoded"
    assert cost["peak"] < 4 * size, f"peak {cost['peak'] / size:.1f}x the file's {size} bytes"  # was about 45x
    assert cost["seconds"] < bound(5)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("match", "--format", "json", "examples/gvt-g/uuid1", "{file}"), "capture-invalid"),
        (("export", "placement-query", "examples/gvt-g/uuid1", "--mapping", "{file}"), "export-mapping-invalid"),
    ],
    ids=["capture", "mapping"],
)
def test_the_commands_refuse_a_file_of_too_many_values_with_their_code(
    args: tuple[str, ...], code: str, many_values: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from migcompat.cli import main

    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(main, [arg.format(file=many_values) for arg in args])
    assert result.exit_code == 3, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    output = result.stdout + result.stderr
    assert code in output and "a document of 4000002 values; at most 4000000 are decoded" in output, output


def test_a_case_file_of_too_many_values_is_a_case_error(many_values: Path) -> None:
    from migcompat.cases.model import CaseError, load_suite

    with pytest.raises(CaseError) as info:
        load_suite(many_values.parent)
    assert info.value.code == "case-invalid" and info.value.where == "many.json"
    assert "a document of 4000002 values; at most 4000000 are decoded" in info.value.message


def test_the_values_are_counted_exactly_whatever_the_strings_and_white_space() -> None:
    from migcompat.jsonmodel import decode_json, json_values_over

    text = '[{}, [ ], {"a": "[,{\\"", "b": [1, {"c": null}]}, "x,y", 1.5, [2], { }, [[]]]'
    walk, values = [json.loads(text)], 0
    while walk:
        value = walk.pop()
        values += 1
        walk.extend(value.values() if isinstance(value, dict) else value if isinstance(value, list) else [])
    assert values == 16
    assert json_values_over(text, values - 1) == values
    assert json_values_over(text, values) is None
    assert decode_json(text, _refuse, max_values=values) == json.loads(text)
    with pytest.raises(ValueError, match=f"a document of {values} values; at most {values - 1} are decoded"):
        decode_json(text, _refuse, max_values=values - 1)


def _refuse(message: str, line: int | None, column: int | None) -> ValueError:
    return ValueError(message)


def test_an_export_never_writes_a_mapping_of_more_values_than_its_query_decodes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from migcompat.errors import MigcompatError
    from migcompat.exports import mapping

    document = {"format": "f", "accept_sets": [[0]]}  # 5 values: the object, "f", two arrays, 0
    assert mapping.mapping_text(document, "m")
    monkeypatch.setattr(mapping, "MAX_JSON_VALUES", 4)
    with pytest.raises(MigcompatError) as info:
        mapping.mapping_text(document, "m")
    assert info.value.code == "export-mapping-invalid"
    assert "would hold 5 JSON values, more than the 4 the queries decode" in info.value.message


# ---- F3: cases copy DIR never writes through a link planted in DIR -----------------------------------------


def _copy(*args: str) -> tuple[int, str]:
    """``migcompat cases copy ARGS --kind check`` in-process: its status and standard error."""
    from click.testing import CliRunner

    from migcompat.cli import main

    result = CliRunner().invoke(main, ["cases", "copy", *args, "--kind", "check"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stderr


@pytest.mark.parametrize("force", [False, True], ids=["new", "force"])
def test_cases_copy_refuses_a_link_planted_where_its_schema_directory_goes(tmp_path: Path, force: bool) -> None:
    """Was: the schemas were written wherever DIR/schema led (a sticky shared DIR lets anybody plant it)."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)  # as /tmp: accepted, and anybody may add a name to it
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (shared / "schema").symlink_to(elsewhere)

    status, stderr = _copy(str(shared), *(["--force"] if force else []))
    assert status == 3
    assert stderr == (
        f"migcompat: error[output-unwritable]: cannot write into {shared}/schema: it is a symbolic link, which"
        f" migcompat does not follow (whoever can write to {shared} can put one there to lead the files"
        " elsewhere): remove it, or give another directory\n"
    )
    assert list(elsewhere.iterdir()) == []
    assert [path.name for path in shared.iterdir()] == ["schema"]  # refused before anything was written


def test_cases_copy_refuses_a_file_where_its_schema_directory_goes(tmp_path: Path) -> None:
    (tmp_path / "schema").write_text("mine\n")
    status, stderr = _copy(str(tmp_path))
    assert status == 3
    assert f"error[output-unwritable]: cannot write into {tmp_path}/schema: it is a regular file, not a" in stderr
    assert (tmp_path / "schema").read_text() == "mine\n"


def test_cases_copy_replaces_a_link_planted_in_its_schema_directory(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    destination = tmp_path / "embedded"
    assert _copy(str(destination)) == (0, "")
    schema = sorted((destination / "schema").iterdir())[0]
    expected = schema.read_bytes()
    schema.unlink()
    schema.symlink_to(victim)
    assert _copy(str(destination), "--force") == (0, "")
    assert victim.read_text() == "precious\n"
    assert not schema.is_symlink() and schema.read_bytes() == expected
    assert (destination / "schema").stat().st_mode & 0o022 == 0


def test_a_file_goes_into_the_directory_opened_even_if_its_path_now_leads_elsewhere(tmp_path: Path) -> None:
    """The directory is held by its descriptor: one renamed and replaced by a link after it was opened changes
    nothing (it was looked up by its path again for every file)."""
    from migcompat.cli.output import open_output_directory, open_output_subdirectory, write_in_directory

    out = tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    top = open_output_directory(out)
    try:
        sub = open_output_subdirectory(top, "schema", str(out / "schema"))
        try:
            (out / "schema").rename(tmp_path / "moved")
            (out / "schema").symlink_to(elsewhere)
            write_in_directory(out / "schema", "a.json", "{}\n", dir_fd=sub)
        finally:
            os.close(sub)
    finally:
        os.close(top)
    assert list(elsewhere.iterdir()) == []
    assert [path.name for path in (tmp_path / "moved").iterdir()] == ["a.json"]


def test_counting_a_text_with_an_unterminated_string_is_linear() -> None:
    """Review r20 finding 1: 4 million escaped quotes and no closing one took hours to count; refused at once."""
    from migcompat.jsonmodel import MAX_JSON_VALUES, decode_json, json_values_over

    text = '"' + '\\",' * (MAX_JSON_VALUES + 1)  # 12 MB: the quick count passes the limit, the exact one runs
    start = time.process_time()
    assert json_values_over(text) is None  # one unterminated string: one value
    with pytest.raises(ValueError, match="Unterminated string"):
        decode_json(text, _refuse)
    assert time.process_time() - start < bound(5)  # linear: about 0.3 s; quadratic: hours


def test_cases_copy_finds_what_it_cannot_write_before_it_writes_anything(tmp_path: Path) -> None:
    """Review r20 finding 10: a directory at a file's name (with --force) or a read-only DIR/schema was found
    only after some files were written."""
    blocked = tmp_path / "blocked"
    (blocked / "check.json").mkdir(parents=True)
    status, stderr = _copy(str(blocked), "--force")
    assert status == 3 and "it is a directory, which --force does not replace" in stderr
    assert sorted(path.name for path in blocked.iterdir()) == ["check.json"]
    assert (blocked / "check.json").is_dir()
    read_only = tmp_path / "read-only"
    (read_only / "schema").mkdir(parents=True)
    (read_only / "schema").chmod(0o555)
    command = [sys.executable, "-m", "migcompat", "cases", "copy", str(read_only), "--kind", "check"]
    command = unprivileged(command)  # root reads and writes anywhere
    result = subprocess.run(command, capture_output=True, text=True, env=_env(), timeout=60)
    (read_only / "schema").chmod(0o755)
    assert result.returncode == 3, result.stderr
    assert f"cannot write into {read_only / 'schema'}: permission denied; nothing was written" in result.stderr
    assert sorted(path.name for path in read_only.iterdir()) == ["schema"]
    assert list((read_only / "schema").iterdir()) == []
