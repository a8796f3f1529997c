"""Captures as a fleet holds them today, for the export tests that are not about a capture's age.

The bundled samples were captured in January 2025, and the exports warn about (with ``--strict``: refuse) a
capture older than ``--max-capture-age`` (48 hours by default). A test about something else copies a sample
with the time stamped now (:func:`fresh_copy`), or exports the sample as it is with :data:`NO_AGE_LIMIT`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from migcompat.capture import capture_time

NO_AGE_LIMIT = ("--max-capture-age", "off")
"""The export options that judge no capture's age."""


def now_text() -> str:
    """The current time as a capture records it."""
    return capture_time(str(int(time.time())))


def fresh_copy(source: Path, target: Path) -> Path:
    """A copy of the capture *source* at *target*, its time stamped now."""
    document = json.loads(source.read_text())
    document["time"] = now_text()
    target.write_text(json.dumps(document))
    return target
