"""Running a command as an ordinary user would, when the tests run as root.

Root reads and writes any file whatever its mode, so a test of an unreadable
or unwritable path runs its command without the capabilities that let root
do so (``setpriv``, of util-linux, which ``.ci/run`` installs).
"""

from __future__ import annotations

import os
import shutil

import pytest

DROPPED = "-dac_override,-dac_read_search,-fowner"
"""The capabilities taken away: reading, writing and changing the mode of any file."""


def unprivileged(command: list[str]) -> list[str]:
    """*command* as it runs without root's file capabilities; *command* itself for another user.

    Skips the test when the tests run as root and ``setpriv`` is missing.
    """
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("needs setpriv (util-linux) to run without root's file capabilities")
    return [setpriv, f"--bounding-set={DROPPED}", *command]
