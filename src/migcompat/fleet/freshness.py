"""How old an inventory's captures are: those an export should not take for what their hosts are now.

A capture records when it was taken (its ``time``, RFC 3339 UTC to the second:
:func:`~migcompat.capture.capture_time`). An export writes what its captures
say into a scheduler; a host changed since (a driver updated, a vGPU type
enabled, a VF reconfigured) would be advertised as it was, and a migration the
scheduler then places fails at its end. :func:`stale_captures` finds the
captures older than an age, those that record a time in the future beyond
:data:`CLOCK_SKEW` (a host whose clock is wrong: its age is not known), and
those whose time cannot be read (empty, or not in the form ``capture``
writes). :func:`parse_age` reads an age as the command line gives it.

Cost: linear in the number of captures.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from .._arguments import require
from ..capture import capture_moment

if TYPE_CHECKING:
    from .inventory import Inventory

__all__ = [
    "CLOCK_SKEW",
    "DEFAULT_MAX_AGE",
    "StaleCapture",
    "age_text",
    "parse_age",
    "stale_captures",
]

CLOCK_SKEW: Final = datetime.timedelta(minutes=5)
"""A capture time at most this far ahead of now is taken as now: the hosts' clocks differ a little."""

DEFAULT_MAX_AGE: Final = datetime.timedelta(hours=48)
"""The age past which the exports warn about a capture (``--max-capture-age``): two days, so that a capture
taken daily that ran late is not stale, and one that missed two runs is."""

_AGE: Final = re.compile(r"([0-9]{1,9})([smhdw]?)\Z")
_UNITS: Final = {"s": 1, "m": 60, "h": 3600, "": 3600, "d": 86400, "w": 604800}
_MAX_AGE_SECONDS: Final = 100 * 366 * 86400


@dataclass(frozen=True)
class StaleCapture:
    """A capture whose time says it may not describe its host now.

    *problem* is ``old`` (taken longer ago than the age allowed; *age* says
    how long), ``future`` (its time is ahead of now by more than
    :data:`CLOCK_SKEW`: the capturing host's clock is wrong, so its age is not
    known) or ``no-time`` (its time is empty or not RFC 3339 UTC to the second).
    """

    capture: str
    """The capture file, as the inventory names it."""
    host: str
    """The host it names."""
    time: str
    """Its time, as written there."""
    problem: Literal["old", "future", "no-time"]
    age: datetime.timedelta | None = None
    """How long ago it was taken (``old`` only)."""

    @property
    def message(self) -> str:
        """What is wrong, naming the capture and its host: ``a.json (host gpu-7): taken 2025-01-15T09:30:00Z,
        3 days ago``."""
        host = f" (host {self.host})" if self.host else ""
        if self.problem == "old":
            assert self.age is not None
            return f"{self.capture}{host}: taken {self.time}, {age_text(self.age)} ago"
        if self.problem == "future":
            return f"{self.capture}{host}: taken {self.time}, which is in the future (the host's clock is wrong?)"
        shown = repr(self.time if len(self.time) <= 40 else self.time[:40] + "...")
        return f"{self.capture}{host}: its time {shown} is not a UTC time such as 2025-01-31T12:00:00Z"

    def to_json(self) -> dict[str, object]:
        """``{"capture", "host", "time", "problem", "age_seconds", "message"}``; ``age_seconds`` is a whole number
        for ``old``, else None."""
        age = None if self.age is None else int(self.age.total_seconds())
        return {
            "capture": self.capture,
            "host": self.host,
            "time": self.time,
            "problem": self.problem,
            "age_seconds": age,
            "message": self.message,
        }


def stale_captures(
    inventory: Inventory, max_age: datetime.timedelta, now: datetime.datetime | None = None
) -> tuple[StaleCapture, ...]:
    """The captures of *inventory* older than *max_age* at *now*, or whose time is in the future or unreadable.

    *now* is an aware datetime (default: the current time). The captures are
    in the order the inventory read them. Raises :class:`TypeError` for
    arguments of other types, :class:`ValueError` for a naive *now* or a
    negative *max_age*.
    """
    require("max_age", max_age, datetime.timedelta)
    if max_age < datetime.timedelta(0):
        raise ValueError(f"max_age must not be negative, not {max_age}")
    if now is None:
        now = datetime.datetime.now(datetime.timezone.utc)
    require("now", now, datetime.datetime)
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime (with a time zone), as a capture's time is UTC")
    hosts = dict(inventory.file_hosts)
    out = []
    for capture, text in inventory.file_times:
        host = hosts.get(capture, "")
        taken = capture_moment(text)
        if taken is None:
            out.append(StaleCapture(capture, host, text, "no-time"))
        elif taken - now > CLOCK_SKEW:
            out.append(StaleCapture(capture, host, text, "future"))
        elif now - taken > max_age:
            out.append(StaleCapture(capture, host, text, "old", now - taken))
    return tuple(out)


def parse_age(text: str) -> datetime.timedelta | None:
    """An age as a command line gives it: a whole number and a unit, ``s``, ``m``, ``h`` (the default), ``d`` or
    ``w`` (``48h``, ``2d``, ``90m``); ``off`` is None, no limit. At most 100 years; anything else raises
    :class:`ValueError` saying what is accepted."""
    require("text", text, str)
    if text == "off":
        return None
    match = _AGE.match(text)
    seconds = int(match.group(1)) * _UNITS[match.group(2)] if match else -1
    if not 0 <= seconds <= _MAX_AGE_SECONDS:
        shown = repr(text if len(text) <= 40 else text[:40] + "...")
        raise ValueError(
            f"{shown} is not an age: give a whole number and a unit, s, m, h, d or w (48h, 2d; a number alone is"
            " hours), at most 100 years, or off"
        )
    return datetime.timedelta(seconds=seconds)


def age_text(age: datetime.timedelta) -> str:
    """*age* in words, to the largest whole unit: ``3 days``, ``5 hours``, ``1 minute``, ``40 seconds``."""
    seconds = int(age.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"
