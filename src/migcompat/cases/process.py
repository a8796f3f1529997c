"""Running an implementation's programs safely: bounded output, deadlines, process groups.

Every program runs in a new session (so in its own process group). Its pipes
are read and written without blocking, in one loop with a deadline, so what a
case costs is bounded by the timeout whatever the program and its children
do: a child that keeps the program's standard output open after the program
ended (even one in a session of its own, started with ``setsid``) cannot hold
the runner past the deadline, and neither can a program that never reads its
input. On a timeout the program's process group is killed, and so is every
process that still holds one of its pipes (found through ``/proc``): only a
process the program started can hold them. Output is read up to a limit; a
program that writes more is killed and its answer is *oversized*. Nothing
here raises for anything a program does.

When a program's run or session ends, however it ends (an answer, a fault, a
timeout, an exception, an interrupt), its process group is killed: nothing
the program started in its group outlives it. The program is reaped only
after that, so the group's id cannot have been reused by then. A
:class:`ProcessGroups` holds the programs of one run, so that a run that is
stopped (Ctrl-C) kills all of them at once.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import selectors
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "CANNOT_START",
    "OUTPUT_LIMIT",
    "STDERR_LIMIT",
    "Exchange",
    "ProcessGroups",
    "Run",
    "Session",
    "run_once",
    "start_problem",
]

OUTPUT_LIMIT: Final = 1 << 20
"""At most this many bytes of a program's standard output are read (1 MiB)."""
STDERR_LIMIT: Final = 1 << 14
"""The last this many bytes of standard error are kept, for reports."""
_GRACE: Final = 2.0
"""Seconds to wait for a killed program to be reaped."""
_LEFTOVERS: Final = 0.1
"""Seconds the output pipes may stay open after the program ended before its process group is killed."""
_POLL: Final = 0.05
"""Seconds between checks whether the program ended, where the system cannot report it (no pidfd)."""
_CHUNK: Final = 1 << 16
CANNOT_START: Final = "cannot start "
"""How the detail of a program that could not be started begins (then the program, a colon and why)."""

Status = Literal["exited", "signalled", "timeout", "oversized", "not-started"]

_SPAWNING: Final = threading.Lock()
"""Held while a program starts and while pipe holders are looked for: a child between fork and
exec holds a copy of every pipe of the runner, and must not be taken for a holder of another's."""


@dataclass(frozen=True)
class Run:
    """What one run of a program did."""

    status: Status
    returncode: int | None
    stdout: bytes
    stderr: bytes
    elapsed: float
    detail: str = ""


def start_problem(argv: Sequence[str]) -> str | None:
    """Why *argv* certainly cannot be started, or None: its program is missing or not executable.

    The program is looked for as ``subprocess.Popen`` looks for it: a
    name with a ``/`` is a path, any other is searched on ``PATH``. The
    program is not run, so a program that passes may still fail to start
    (an interpreter its ``#!`` line names is missing, say). The reason starts
    with :data:`CANNOT_START`.
    """
    if not argv or not argv[0]:
        return f"{CANNOT_START}(an empty command): no program named"
    program = argv[0]
    if os.sep not in program and (os.altsep is None or os.altsep not in program):
        if shutil.which(program) is None:
            return f"{CANNOT_START}{program}: not found on PATH"
        return None
    if not os.path.exists(program):
        return f"{CANNOT_START}{program}: {os.strerror(errno.ENOENT)}"
    if os.path.isdir(program):
        return f"{CANNOT_START}{program}: is a directory"
    if not os.access(program, os.X_OK):
        return f"{CANNOT_START}{program}: {os.strerror(errno.EACCES)}"
    return None


class _Stopped(Exception):
    """The run is being stopped (:meth:`ProcessGroups.kill_all`): no program is started any more."""


class ProcessGroups:
    """The programs one run started, so that all of them can be killed at once (on an interrupt).

    :func:`run_once` and :class:`Session` register every program they start
    here, and unregister it once its process group is killed and it is
    reaped. :meth:`kill_all` kills the process group of every program still
    registered, and every process that holds one of their pipes; from then
    on, a program is killed as soon as it is started, so a run being stopped
    starts nothing new. Safe to use from several threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._live: dict[subprocess.Popen[bytes], set[str]] = {}
        self._stopped = False

    def _add(self, process: subprocess.Popen[bytes], pipes: set[str]) -> bool:
        with self._lock:
            if self._stopped:
                return False
            self._live[process] = pipes
            return True

    def _remove(self, process: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._live.pop(process, None)

    def kill_all(self) -> None:
        """Kill every registered program's process group, and the processes holding their pipes; start no more."""
        with self._lock:
            self._stopped = True
            live = dict(self._live)
        for process in live:
            _kill_group(process)
        _kill_holders(set().union(*live.values()))


def _start(argv: Sequence[str], groups: ProcessGroups | None) -> subprocess.Popen[bytes]:
    """Start *argv* in a session of its own and register it in *groups*.

    Raises OSError or ValueError when it cannot be started, and _Stopped when
    *groups* is being stopped (the program is then killed at once).
    """
    process: subprocess.Popen[bytes] | None = None
    try:
        with _SPAWNING:  # Popen returns once the program is executed, with only its own pipes open
            process = subprocess.Popen(
                list(argv),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                bufsize=0,  # raw pipes: read and written here without blocking, closed without waiting on a lock
                start_new_session=True,
                close_fds=True,
            )
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        streams = (process.stdin, process.stdout, process.stderr)
        if groups is not None and not groups._add(process, _pipe_ids(stream.fileno() for stream in streams)):
            raise _Stopped
        for stream in streams:
            os.set_blocking(stream.fileno(), False)
    except BaseException:
        if process is not None:
            _kill_group(process)
            _reap(process)
            _close(process)
            if groups is not None:
                groups._remove(process)
        raise
    return process


def _not_started(argv: Sequence[str], exc: BaseException) -> str:
    if isinstance(exc, _Stopped):
        return "not started: the run is being stopped"
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return f"{CANNOT_START}{argv[0] if argv else '(an empty command)'}: {reason}"


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, OSError):
        process.kill()


def _reap(process: subprocess.Popen[bytes]) -> None:
    """Wait for *process* (killed) to end, at most _GRACE seconds."""
    with contextlib.suppress(subprocess.TimeoutExpired, OSError):
        process.wait(timeout=_GRACE)


def _has_ended(process: subprocess.Popen[bytes]) -> bool:
    """Whether *process* has ended, without reaping it where the system allows (``waitid`` with WNOWAIT).

    Until it is reaped, its id is not reused, and neither is the id of its
    process group: the group can still be killed by that id, safely.
    """
    if process.returncode is not None:
        return True
    waitid = getattr(os, "waitid", None)
    if waitid is not None:
        try:
            state = waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:  # reaped already
            return True
        except OSError:  # WNOWAIT refused: fall back on reaping it
            pass
        else:
            return state is not None and state.si_pid == process.pid
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return process.poll() is not None
    return False


def _pipe_ids(fds: Iterable[int]) -> set[str]:
    """The ``pipe:[inode]`` names of the pipes *fds* are ends of, as ``/proc/PID/fd`` shows them."""
    names = set()
    for fd in fds:
        with contextlib.suppress(OSError):
            names.add(f"pipe:[{os.fstat(fd).st_ino}]")
    return names


def _kill_holders(pipes: set[str]) -> None:
    """Kill every other process that holds one of *pipes* open: a child of the program that left its group.

    Best effort: without ``/proc`` or the permission to read a process's
    descriptors, that process is left alone.
    """
    if not pipes:
        return
    with _SPAWNING:
        _kill_holders_now(pipes)


def _kill_holders_now(pipes: set[str]) -> None:
    me = os.getpid()
    try:
        pids = [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return
    for pid in pids:
        if pid == me:
            continue
        try:
            links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
        except OSError:
            continue
        if pipes.intersection(links):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def _exit_watch(process: subprocess.Popen[bytes]) -> int | None:
    """A descriptor that becomes readable when *process* ends (a pidfd), or None where there is none."""
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is None:
        return None
    try:
        fd: int = pidfd_open(process.pid)
    except OSError:
        return None
    return fd


def _close(process: subprocess.Popen[bytes]) -> None:
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError, ValueError):
                stream.close()


class _Pump:
    """Moves bytes between the runner and one program's pipes, until a condition or a deadline.

    *stdout* collects standard output (the caller decides how much is too
    much), *stderr* keeps the last STDERR_LIMIT bytes. *pending* is what is
    still to be written to standard input.
    """

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        self.process = process
        self.stdout = bytearray()
        self.stderr = bytearray()
        self.pending = memoryview(b"")
        self.close_when_written = False
        """Close standard input once *pending* is written (a program run once reads its input to the end)."""
        self.out_open = True
        self.err_open = True
        self.in_open = True
        self.ended_at: float | None = None
        self.group_killed = False
        self.pipes = _pipe_ids([process.stdout.fileno(), process.stderr.fileno(), process.stdin.fileno()])
        self.watch = _exit_watch(process)

    def close_input(self) -> None:
        if self.in_open:
            self.in_open = False
            assert self.process.stdin is not None
            with contextlib.suppress(OSError, ValueError):
                self.process.stdin.close()

    def ended(self) -> bool:
        """Whether the program itself has ended; it is not reaped here (see :func:`_has_ended`)."""
        if self.ended_at is not None:
            return True
        if not _has_ended(self.process):
            return False
        self.ended_at = time.monotonic()
        return True

    def wait_end(self, deadline: float) -> bool:
        """Wait until the program ends (True) or the deadline passes (False), without reaping it."""
        while not self.ended():
            now = time.monotonic()
            if now >= deadline:
                return False
            if self.watch is not None:
                with contextlib.suppress(OSError, ValueError):
                    select.select([self.watch], [], [], deadline - now)
            else:
                time.sleep(min(_POLL, deadline - now))
        return True

    def run(self, deadline: float, done: Callable[[], bool]) -> bool:
        """Pump until ``done()`` is true (True), or until the deadline (False).

        ``done`` is called after every read; with both output pipes at their
        end nothing more can come, and the pump returns True as well. Once
        the program has ended, output pipes still open after _LEFTOVERS
        seconds are held by a process it left behind: its process group is
        killed, and a holder outside the group keeps the pipes open until the
        deadline, which then passes.
        """
        process = self.process
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        with selectors.DefaultSelector() as selector:
            while True:
                if done() or not (self.out_open or self.err_open):
                    return True
                now = time.monotonic()
                if now >= deadline:
                    return False
                wait = deadline - now
                if self.ended():
                    if not self.group_killed:
                        assert self.ended_at is not None
                        if now - self.ended_at >= _LEFTOVERS:
                            self.group_killed = True
                            _kill_group(process)
                        else:
                            wait = min(wait, _LEFTOVERS)
                elif self.watch is None:
                    wait = min(wait, _POLL)
                self._register(selector)
                for key, _ in selector.select(wait):
                    self._serve(key.data)

    def _register(self, selector: selectors.BaseSelector) -> None:
        process = self.process
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        wanted: dict[int, tuple[int, str]] = {}
        if self.out_open:
            wanted[process.stdout.fileno()] = (selectors.EVENT_READ, "out")
        if self.err_open:
            wanted[process.stderr.fileno()] = (selectors.EVENT_READ, "err")
        if self.in_open and self.pending:
            wanted[process.stdin.fileno()] = (selectors.EVENT_WRITE, "in")
        if self.watch is not None and self.ended_at is None:
            wanted[self.watch] = (selectors.EVENT_READ, "exit")
        for fd in [fd for fd in selector.get_map() if fd not in wanted]:
            selector.unregister(fd)
        for fd, (events, name) in wanted.items():
            if fd not in selector.get_map():
                selector.register(fd, events, name)

    def _serve(self, name: str) -> None:
        process = self.process
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        if name == "exit":
            self.ended()
            return
        if name == "in":
            try:
                written = os.write(process.stdin.fileno(), self.pending[:_CHUNK])
            except BlockingIOError:
                return
            except (OSError, ValueError):  # the program does not read its input, or has ended
                self.pending = memoryview(b"")
                self.close_input()
                return
            self.pending = self.pending[written:]
            if not self.pending and self.close_when_written:
                self.close_input()
            return
        stream = process.stdout if name == "out" else process.stderr
        try:
            chunk = os.read(stream.fileno(), _CHUNK)
        except BlockingIOError:
            return
        except (OSError, ValueError):
            chunk = b""
        if name == "out":
            if chunk:
                self.stdout += chunk
            else:
                self.out_open = False
        elif chunk:
            self.stderr += chunk
            if len(self.stderr) > STDERR_LIMIT:
                del self.stderr[: len(self.stderr) - STDERR_LIMIT]
        else:
            self.err_open = False

    def finish(self, *, holders: bool) -> None:
        """Kill the program and its process group (with *holders*, every process holding its pipes); reap it."""
        _kill_group(self.process)
        if holders:
            _kill_holders(self.pipes)
        _reap(self.process)

    def close(self) -> None:
        self.close_input()
        _close(self.process)
        if self.watch is not None:
            with contextlib.suppress(OSError):
                os.close(self.watch)
            self.watch = None


def run_once(argv: Sequence[str], data: bytes, timeout: float, groups: ProcessGroups | None = None) -> Run:
    """Run *argv* with *data* on standard input, within *timeout* seconds.

    The answer is complete when the program has ended and its output pipes
    are at their end; if that has not happened within *timeout* seconds
    (the program still runs, or a process it started still holds its
    output), the status is ``timeout``, and the program, its process group
    and every process that holds its pipes are killed. However the run ends,
    an exception or an interrupt included, the program's process group is
    killed before this returns: what the program left running in it ends
    with it. The program is registered in *groups* while it runs. A program
    that cannot be started gives the status ``not-started``, with a detail
    that starts with :data:`CANNOT_START`.
    """
    started = time.monotonic()
    deadline = started + timeout
    try:
        process = _start(argv, groups)
    except (OSError, ValueError, _Stopped) as exc:
        return Run("not-started", None, b"", b"", 0.0, _not_started(argv, exc))
    pump = _Pump(process)
    complete = oversized = False
    try:
        pump.pending = memoryview(data)
        pump.close_when_written = True
        if not data:
            pump.close_input()
        complete = pump.run(deadline, lambda: len(pump.stdout) > OUTPUT_LIMIT)
        oversized = len(pump.stdout) > OUTPUT_LIMIT
        if complete and not oversized:
            pump.close_input()
            complete = pump.wait_end(deadline)  # False: the program closed its output but goes on running
    finally:
        pump.finish(holders=not complete or oversized)
        pump.close()
        if groups is not None:
            groups._remove(process)
    elapsed = time.monotonic() - started
    stdout, stderr = bytes(pump.stdout[:OUTPUT_LIMIT]), bytes(pump.stderr)
    if oversized:
        return Run(
            "oversized", process.returncode, stdout, stderr, elapsed, f"more than {OUTPUT_LIMIT} bytes of output"
        )
    if not complete:
        detail = f"no answer within {timeout:g} s"
        if pump.ended_at is not None:
            detail += " (the program ended, but a process it started kept its output open)"
        return Run("timeout", process.returncode, stdout, stderr, elapsed, detail)
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

    :meth:`exchange` writes one request line and waits for one response line,
    both within the timeout. After a timeout, the end of the program, an
    over-long line or a response the caller finds malformed (:meth:`discard`),
    the program is killed with its process group, and the next request starts
    it again.
    """

    def __init__(self, argv: Sequence[str], groups: ProcessGroups | None = None) -> None:
        """A session of *argv*, not started yet; each program it starts is registered in *groups*."""
        self.argv = list(argv)
        self.groups = groups
        self.process: subprocess.Popen[bytes] | None = None
        self.pump: _Pump | None = None

    def _ensure(self) -> str | None:
        if self.process is not None and self.pump is not None and not self.pump.ended():
            return None
        self.discard()
        try:
            self.process = _start(self.argv, self.groups)
        except (OSError, ValueError, _Stopped) as exc:
            self.process = None
            return _not_started(self.argv, exc)
        self.pump = _Pump(self.process)
        return None

    def stderr_tail(self) -> bytes:
        """The last bytes the program wrote to standard error."""
        return bytes(self.pump.stderr) if self.pump is not None else b""

    def exchange(self, line: bytes, timeout: float) -> Exchange:
        """Send *line* (one JSON object, without its LF) and wait for the response line."""
        started = time.monotonic()
        deadline = started + timeout
        problem = self._ensure()
        if problem is not None:
            return Exchange("not-started", detail=problem)
        pump, process = self.pump, self.process
        assert pump is not None and process is not None
        pump.pending = memoryview(line + b"\n")

        def answered() -> bool:
            return b"\n" in pump.stdout or len(pump.stdout) > OUTPUT_LIMIT

        complete = pump.run(deadline, answered)
        elapsed = time.monotonic() - started
        if not complete:
            self.discard(holders=True)
            return Exchange("timeout", detail=f"no response within {timeout:g} s", elapsed=elapsed)
        end = pump.stdout.find(b"\n")
        if end < 0 or end >= OUTPUT_LIMIT:
            if len(pump.stdout) > OUTPUT_LIMIT:
                self.discard(holders=True)
                return Exchange(
                    "oversized", detail=f"a response line of more than {OUTPUT_LIMIT} bytes", elapsed=elapsed
                )
            if pump.stdout:
                self.discard()
                return Exchange(
                    "oversized", detail="a response line without its LF before the end of the output", elapsed=elapsed
                )
            ended = pump.wait_end(min(deadline, time.monotonic() + _GRACE))
            self.discard()
            code = process.returncode if ended else None
            if code is None:
                how = "it closed its output"
            elif code < 0:
                how = f"killed by signal {_signal_name(-code)}"
            else:
                how = f"exit status {code}"
            return Exchange("ended", detail=f"the program ended before its response ({how})", elapsed=elapsed)
        response = bytes(pump.stdout[: end + 1])
        del pump.stdout[: end + 1]
        return Exchange("line", line=response, elapsed=elapsed)

    def discard(self, *, holders: bool = False) -> None:
        """Kill the program (and its process group); the next request starts it again.

        With *holders*, every process that still holds one of its pipes is
        killed too (after a timeout: a child that left the group).
        """
        process, pump = self.process, self.pump
        self.process = None
        if process is None or pump is None:
            return
        try:
            pump.finish(holders=holders)
        finally:
            pump.close()
            if self.groups is not None:
                self.groups._remove(process)

    def close(self) -> None:
        """End the program: close its input, give it a moment to exit, then kill its process group."""
        process, pump = self.process, self.pump
        if process is None or pump is None:
            return
        try:
            pump.close_input()
            pump.wait_end(time.monotonic() + 1.0)
        finally:
            self.discard()
