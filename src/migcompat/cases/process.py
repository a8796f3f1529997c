"""Running an implementation's programs safely: bounded output, timeouts, process groups.

Every program runs in a new session (so in its own process group) and is
killed with its whole group on a timeout, so neither a hanging program nor a
child it left behind can hang the runner. Output is read up to a limit; a
program that writes more is killed and its answer is *oversized*. Nothing
here raises for anything a program does.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Final, Literal

__all__ = [
    "OUTPUT_LIMIT",
    "STDERR_LIMIT",
    "Exchange",
    "Run",
    "Session",
    "run_once",
]

OUTPUT_LIMIT: Final = 1 << 20
"""At most this many bytes of a program's standard output are read (1 MiB)."""
STDERR_LIMIT: Final = 1 << 14
"""The last this many bytes of standard error are kept, for reports."""
_GRACE: Final = 2.0
"""Seconds to wait for output pipes to close after the program itself ended."""

Status = Literal["exited", "signalled", "timeout", "oversized", "not-started"]


@dataclass(frozen=True)
class Run:
    """What one run of a program did."""

    status: Status
    returncode: int | None
    stdout: bytes
    stderr: bytes
    elapsed: float
    detail: str = ""


class _Reader(threading.Thread):
    """Reads a pipe to its end, keeping the first *limit* bytes (or the last ones, with *tail*)."""

    def __init__(self, stream: IO[bytes], limit: int, *, tail: bool = False, on_overflow: object = None) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.limit = limit
        self.tail = tail
        self.on_overflow = on_overflow
        self.chunks = bytearray()
        self.overflow = False

    def run(self) -> None:
        try:
            while True:
                chunk = self.stream.read1(1 << 16) if hasattr(self.stream, "read1") else self.stream.read(1 << 16)
                if not chunk:
                    return
                self.chunks += chunk
                if len(self.chunks) > self.limit:
                    if self.tail:
                        del self.chunks[: len(self.chunks) - self.limit]
                    else:
                        self.overflow = True
                        del self.chunks[self.limit :]
                        if callable(self.on_overflow):
                            self.on_overflow()
                        return
        except (OSError, ValueError):
            return


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, OSError):
        process.kill()


def _start(argv: Sequence[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        close_fds=True,
    )


def run_once(argv: Sequence[str], data: bytes, timeout: float) -> Run:
    """Run *argv* with *data* on standard input, within *timeout* seconds."""
    started = time.monotonic()
    try:
        process = _start(argv)
    except (OSError, ValueError) as exc:
        return Run("not-started", None, b"", b"", 0.0, f"cannot start {argv[0] if argv else '(empty command)'}: {exc}")
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    out = _Reader(process.stdout, OUTPUT_LIMIT, on_overflow=lambda: _kill_group(process))
    err = _Reader(process.stderr, STDERR_LIMIT, tail=True)
    out.start()
    err.start()

    def feed() -> None:
        try:
            assert process.stdin is not None
            process.stdin.write(data)
        except (OSError, ValueError):
            pass  # the program does not read its input, or has ended: judged by what it answers
        finally:
            with contextlib.suppress(OSError, ValueError):
                process.stdin.close()  # type: ignore[union-attr]

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    timed_out = False
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(process)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=_GRACE)
    # A child that inherited the pipes can keep them open after the program ended.
    out.join(_GRACE)
    if out.is_alive():
        _kill_group(process)
        out.join(_GRACE)
    err.join(0.5)
    elapsed = time.monotonic() - started
    stdout, stderr = bytes(out.chunks), bytes(err.chunks)
    for stream in (process.stdout, process.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.close()
    if timed_out:
        return Run("timeout", process.returncode, stdout, stderr, elapsed, f"no answer within {timeout:g} s")
    if out.overflow:
        return Run(
            "oversized", process.returncode, stdout, stderr, elapsed, f"more than {OUTPUT_LIMIT} bytes of output"
        )
    code = process.returncode
    if code is not None and code < 0:
        name = _signal_name(-code)
        return Run("signalled", code, stdout, stderr, elapsed, f"killed by signal {name}")
    return Run("exited", code, stdout, stderr, elapsed)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


# ---- persistent programs -----------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """What one request to a persistent program gave: a response line, or why there is none."""

    status: Literal["line", "timeout", "ended", "oversized", "not-started"]
    line: bytes = b""
    detail: str = ""
    elapsed: float = 0.0


class Session:
    """One persistent program speaking newline-delimited JSON; restarted after any fault.

    :meth:`exchange` writes one request line and waits for one response line.
    After a timeout, the end of the program, an over-long line or a response
    the caller finds malformed (:meth:`discard`), the program is killed with
    its process group, and the next request starts it again.
    """

    def __init__(self, argv: Sequence[str]) -> None:
        self.argv = list(argv)
        self.process: subprocess.Popen[bytes] | None = None
        self.lines: queue.Queue[bytes | None] = queue.Queue()
        self.stderr: _Reader | None = None

    def _ensure(self) -> str | None:
        if self.process is not None and self.process.poll() is None:
            return None
        self.discard()
        try:
            self.process = _start(self.argv)
        except (OSError, ValueError) as exc:
            self.process = None
            return f"cannot start {self.argv[0] if self.argv else '(empty command)'}: {exc}"
        self.lines = queue.Queue()
        assert self.process.stdout is not None and self.process.stderr is not None
        threading.Thread(target=_read_lines, args=(self.process.stdout, self.lines), daemon=True).start()
        self.stderr = _Reader(self.process.stderr, STDERR_LIMIT, tail=True)
        self.stderr.start()
        return None

    def stderr_tail(self) -> bytes:
        return bytes(self.stderr.chunks) if self.stderr is not None else b""

    def exchange(self, line: bytes, timeout: float) -> Exchange:
        """Send *line* (one JSON object, without its LF) and wait for the response line."""
        started = time.monotonic()
        problem = self._ensure()
        if problem is not None:
            return Exchange("not-started", detail=problem)
        process = self.process
        assert process is not None and process.stdin is not None
        try:
            process.stdin.write(line + b"\n")
            process.stdin.flush()
        except (OSError, ValueError):
            pass  # the program ended: the reader reports it
        try:
            response = self.lines.get(timeout=timeout)
        except queue.Empty:
            self.discard()
            return Exchange("timeout", detail=f"no response within {timeout:g} s", elapsed=time.monotonic() - started)
        elapsed = time.monotonic() - started
        if response is None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=_GRACE)
            code = process.returncode
            self.discard()
            how = f"killed by signal {_signal_name(-code)}" if code is not None and code < 0 else f"exit status {code}"
            return Exchange("ended", detail=f"the program ended before its response ({how})", elapsed=elapsed)
        if len(response) > OUTPUT_LIMIT or not response.endswith(b"\n"):
            self.discard()
            detail = (
                f"a response line of more than {OUTPUT_LIMIT} bytes"
                if len(response) > OUTPUT_LIMIT
                else "a response line without its LF before the end of the output"
            )
            return Exchange("oversized", detail=detail, elapsed=elapsed)
        return Exchange("line", line=response, elapsed=elapsed)

    def discard(self) -> None:
        """Kill the program (and its process group); the next request starts it again."""
        process, self.process = self.process, None
        if process is None:
            return
        _kill_group(process)
        with contextlib.suppress(subprocess.TimeoutExpired, OSError):
            process.wait(timeout=_GRACE)
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.close()

    def close(self) -> None:
        """End the program: close its input, give it a moment to exit, then kill what is left."""
        process = self.process
        if process is None:
            return
        if process.stdin is not None:
            with contextlib.suppress(OSError, ValueError):
                process.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=1.0)
        self.discard()


def _read_lines(stream: IO[bytes], lines: queue.Queue[bytes | None]) -> None:
    """Put each line of *stream* (at most OUTPUT_LIMIT + 1 bytes of it) on *lines*; None at the end."""
    try:
        while True:
            line = stream.readline(OUTPUT_LIMIT + 1)
            if not line:
                break
            lines.put(line)
            if not line.endswith(b"\n"):
                # An over-long line (or the last bytes before the end): the session is discarded.
                break
    except (OSError, ValueError):
        pass
    lines.put(None)
