"""SIGTERM and SIGHUP end a command as Ctrl-C does: unwinding, so that nothing is left behind.

``timeout``, systemd and Kubernetes stop a process with SIGTERM, and a dropped
SSH session sends SIGHUP. With Python's default action either signal ends the
process on the spot: a file being written keeps its temporary copy, a progress
bar leaves the terminal's cursor hidden, and the programs ``migcompat cases
run`` started keep running. Within :func:`terminations_unwind` the signal
raises an exception instead, which every ``finally`` and context manager on
the way sees; then the signal is raised again with its default action, so the
parent sees migcompat ended by it, as it would have been.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from typing import Any, Final

import click

__all__ = ["Terminated", "terminations_unwind"]

_TERMINATIONS: Final = (signal.SIGTERM, signal.SIGHUP)


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived: unwind as on Ctrl-C, then let the signal end migcompat.

    A BaseException, as KeyboardInterrupt is, so that ``except Exception``
    does not swallow it.
    """

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


@contextlib.contextmanager
def terminations_unwind() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Terminated`; at its end, the signal ends the process.

    A signal that was ignored (``nohup``) stays ignored; off the main thread,
    where handlers cannot be set, nothing changes. Should the signal not end
    the process, the status is 128 + its number, as a shell reports it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(number: int, frame: object) -> None:
        raise Terminated(number)

    previous: dict[signal.Signals, Any] = {}
    for termination in _TERMINATIONS:
        handler = signal.getsignal(termination)
        if handler is not signal.SIG_IGN:
            previous[termination] = handler
            signal.signal(termination, stop)
    try:
        yield
    except Terminated as exc:
        for termination in previous:
            signal.signal(termination, signal.SIG_DFL)
        previous.clear()
        os.kill(os.getpid(), exc.number)
        raise click.exceptions.Exit(128 + exc.number) from None  # only if the signal did not end the process
    finally:
        for termination, handler in previous.items():
            signal.signal(termination, handler)
