"""The time bounds of the tests that guard against hangs and blow-ups: never speeds, which benchmarks measure.

A bound is generous for a loaded 2-core machine. A slower builder (an
emulated architecture, a busy distribution buildd) scales every bound with
``MIGCOMPAT_TEST_TIME_SCALE`` (a positive number, 1 by default): a hang still
fails, a slow machine does not.
"""

from __future__ import annotations

import os


def _scale() -> float:
    text = os.environ.get("MIGCOMPAT_TEST_TIME_SCALE", "1")
    try:
        scale = float(text)
    except ValueError:
        raise ValueError(f"MIGCOMPAT_TEST_TIME_SCALE must be a positive number, not {text!r}") from None
    if not scale > 0:
        raise ValueError(f"MIGCOMPAT_TEST_TIME_SCALE must be a positive number, not {text!r}")
    return scale


SCALE = _scale()


def bound(seconds: float) -> float:
    """*seconds*, scaled for this machine (``MIGCOMPAT_TEST_TIME_SCALE``)."""
    return seconds * SCALE
