"""Reading a fleet's captures, and telling what was wrong with them: shared by the fleet commands.

``match``, ``matrix``, ``diff`` and ``export`` load an inventory of captures
(:func:`load_inventory_or_exit`, :func:`read_capture_stdin`) and report its
findings on standard error in one shape (:func:`report_findings`), with host
names and paths escaped and cut (:func:`host_name`, :func:`cut`); ``match``
and ``export``, whose answers are acted on, warn about old captures
(:func:`max_capture_age_option`, :func:`check_capture_ages`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final, NoReturn, TypeVar

import click

from ..capture import CAPTURE_READ_LIMIT
from ..display import escape, first_few, plural
from ..fleet.inventory import STDIN_NAME, Inventory, InventoryError, InventoryFinding, load_inventory
from .exitcodes import ExitCode
from .io import STDIN, CannotRead, read_input
from .output import echo, echo_error, echo_json

if TYPE_CHECKING:
    from ..fleet.freshness import StaleCapture

__all__ = [
    "SHOWN_FINDINGS",
    "check_capture_ages",
    "cut",
    "fail",
    "host_name",
    "inventory_failed",
    "load_inventory_or_exit",
    "max_capture_age_option",
    "read_capture_stdin",
    "report_findings",
]


def load_inventory_or_exit(
    ctx: click.Context, paths: Sequence[str], *, json_output: bool, stdin: bytes | None = None
) -> Inventory:
    """The inventory *paths* name; on an error, the message on standard error and exit status 3.

    A path ``-`` is the capture on standard input: *stdin* when the caller has
    read it already, else it is read here (at most the size of a capture).
    """
    try:
        if STDIN in paths and stdin is None:
            stdin = read_capture_stdin()
        return load_inventory(paths, stdin=stdin)
    except InventoryError as error:
        inventory_failed(ctx, error, json_output=json_output)


def inventory_failed(ctx: click.Context, error: InventoryError, *, json_output: bool) -> NoReturn:
    """Report *error*, an inventory that cannot be read, as :func:`load_inventory_or_exit` does, and exit with 3."""
    said = error.message if error.message.startswith("cannot read") else f"cannot read the inventory: {error.message}"
    fail(ctx, escape(said), json_output, error.to_dict())


def read_capture_stdin() -> bytes:
    """A capture's text from standard input, at most :data:`~migcompat.capture.CAPTURE_READ_LIMIT` bytes.

    Raises :class:`~migcompat.fleet.inventory.InventoryError` (``capture-unreadable``) when it cannot be read
    or is longer.
    """
    try:
        read = read_input(STDIN, CAPTURE_READ_LIMIT)
    except CannotRead as exc:
        raise InventoryError("capture-unreadable", str(exc), where=STDIN_NAME) from None
    if not read.complete:
        raise InventoryError(
            "capture-unreadable",
            f"{STDIN_NAME} is larger than the {CAPTURE_READ_LIMIT >> 20} MiB a capture may be",
            where=STDIN_NAME,
        )
    return read.data


def fail(ctx: click.Context, message: str, json_output: bool, document: dict[str, object]) -> NoReturn:
    """*message* on standard error (and *document* as ``{"error": ...}`` with JSON output); exit status 3."""
    code = document.get("code")
    echo_error(message, code if isinstance(code, str) else None)
    if json_output:
        echo_json({"error": document})
    ctx.exit(ExitCode.UNDECIDED)


SHOWN_FINDINGS: Final = 3
"""How many hosts, and findings of each host, the warnings on standard error show; they count the rest."""
_SHOWN_CHARACTERS: Final = 300
"""A finding's path or message is shown on standard error cut at this many characters."""
_QUIET: Final = frozenset({"not-a-capture", "duplicate-host"})
"""The inventory's findings that are not listed in the fault report (a manifest; duplicate hosts are warned apart)."""


def report_findings(inventory: Inventory, *, settled: bool = False) -> None:
    """The inventory's findings on standard error, each fault once, grouped per host.

    *settled* says that what may hide a target does not change the caller's
    answer (``match`` found no target and every placement concerned rejects
    the source by its readable rules, or is left out): the report of those
    faults is then a note that says so, not a warning that a target may be
    missing from the answer.

    One warning lists what may hide a device or type (a capture's fault where
    a target may be, a placement whose attributes are missing, unreadable or
    invalid, a file of a directory that is not a valid capture), and one note
    the rest (a capture's cosmetic fault, an unstable attribute, an instance
    with param lines); each shows the first few hosts with their first few
    findings and counts the rest. A placement skipped because its attribute
    could not be read is listed once, as the capture's fault. Then a warning
    per host that two captures name (the first few), and one for a capture
    that names no host. A JSON file that is not a capture (a sample's
    manifest) is skipped without a note; the JSON output lists it.
    """
    read_faults = {(f.host, f.path) for f in inventory.findings if f.capture and f.hides_targets}
    shown = [
        f
        for f in inventory.findings
        if f.code not in _QUIET
        and (f.capture or (f.code != "invalid-attribute" or (f.host, f.path) not in read_faults))
    ]
    hiding = [f for f in shown if f.hides_targets]
    if hiding:
        groups = _by_host(hiding)
        what = (
            f"{plural(len(hiding), 'fault')} on {plural(len(groups), 'host')} may hide a device or type"
            " (part of a host could not be read when captured, or a placement's attributes are missing or invalid)"
        )
        if settled:
            echo(
                f"migcompat: note: {what}, but none changes this answer: the placements concerned reject the source by"
                " their readable rules, or are left out:",
                err=True,
            )
        else:
            echo(f"migcompat: warning: {what}, which may then be missing from the answer:", err=True)
        _first_few(groups)
    others = [f for f in shown if not f.hides_targets]
    if others:
        groups = _by_host(others)
        echo(
            f"migcompat: note: {plural(len(others), 'other finding')} on {plural(len(groups), 'host')}"
            " (none hides a device or type):",
            err=True,
        )
        _first_few(groups)
    duplicates = [f for f in inventory.findings if f.code == "duplicate-host"]
    for finding in duplicates[:SHOWN_FINDINGS]:
        echo(
            f"migcompat: warning: {cut(finding.message)}: each of its placements is listed once per capture;"
            " give one capture per host",
            err=True,
        )
    if len(duplicates) > SHOWN_FINDINGS:
        echo(
            f"migcompat: warning: ... and {plural(len(duplicates) - SHOWN_FINDINGS, 'more capture')} naming a host"
            " an earlier one names (--format json lists them)",
            err=True,
        )
    if "" in inventory.hosts:
        echo(
            "migcompat: warning: a capture names no host (a copy captured without --host): its placements are listed"
            " under the host name (empty); give 'migcompat capture --host NAME'",
            err=True,
        )


def _by_host(findings: list[InventoryFinding]) -> dict[str, list[InventoryFinding]]:
    """*findings* grouped by the host they are on (a file that names no host: by the file), in the order found."""
    groups: dict[str, list[InventoryFinding]] = {}
    for finding in findings:
        groups.setdefault(finding.host if finding.host or finding.capture else "\0" + finding.path, []).append(finding)
    return groups


def _first_few(groups: dict[str, list[InventoryFinding]]) -> None:
    for key, findings in list(groups.items())[:SHOWN_FINDINGS]:
        captures = list(dict.fromkeys(f.capture for f in findings if f.capture))
        if key.startswith("\0"):  # a file of a directory that is not a capture: it names no host
            heading = "(no host)"
        else:
            heading = host_name(key) + (f" ({', '.join(cut(c) for c in captures)})" if captures else "")
        echo(f"  {heading}:", err=True)
        for finding in findings[:SHOWN_FINDINGS]:
            if finding.capture:  # the capture's message does not name the path
                echo(f"    {cut(finding.path or '/')}: {cut(finding.message)} [{finding.code}]", err=True)
            else:
                echo(f"    {cut(finding.message)} [{finding.code}]", err=True)
        if len(findings) > SHOWN_FINDINGS:
            echo(f"    ... and {len(findings) - SHOWN_FINDINGS} more (--format json lists them)", err=True)
    rest = list(groups.values())[SHOWN_FINDINGS:]
    if rest:
        count = sum(len(findings) for findings in rest)
        echo(
            f"  ... and {count} more on {plural(len(rest), 'more host')} (--format json lists them)",
            err=True,
        )


_SHOWN_HOST: Final = 64
"""A host name is shown cut at this many characters (a capture's name is not checked when read: it may be long)."""


def host_name(host: str) -> str:
    """*host* as the text output shows it: escaped, cut at :data:`_SHOWN_HOST` characters, and ``(empty)`` for a
    capture that names none."""
    return cut(host, _SHOWN_HOST) if host else "(empty)"


def cut(text: str, limit: int = _SHOWN_CHARACTERS) -> str:
    """*text* escaped for the terminal, cut at *limit* characters (a capture may hold 16384)."""
    if len(text) <= limit:
        return escape(text)
    return escape(text[:limit]) + f"... ({len(text)} characters)"


_F = TypeVar("_F", bound=Callable[..., object])


def _check_age(ctx: click.Context, param: click.Parameter, value: str) -> datetime.timedelta | None:
    from ..fleet.freshness import parse_age

    try:
        return parse_age(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def max_capture_age_option(consequence: str) -> Callable[[_F], _F]:
    """The ``--max-capture-age AGE`` option (default 48 hours, ``off`` for none), its value a
    :class:`~datetime.timedelta` or None; *consequence* ends its help: what the command would do with such a
    capture."""
    return click.option(
        "--max-capture-age",
        "max_age",
        metavar="AGE",
        default="48h",
        show_default=True,
        callback=_check_age,
        help="Warn about a capture taken longer ago than AGE (a whole number and a unit, s, m, h, d or w: 36h, 7d;"
        " a number alone is hours), or whose recorded time is in the future or unreadable: its host may have"
        f" changed since (a driver updated, a type enabled), and {consequence} off: no limit.",
    )


def check_capture_ages(
    ctx: click.Context,
    loaded: Inventory,
    max_age: datetime.timedelta | None,
    consequence: str,
    *,
    strict: bool | None = None,
    excluded: Sequence[str] = (),
) -> tuple[StaleCapture, ...]:
    """Warn about the captures that may not describe their hosts now (older than *max_age*, or whose time is in the
    future or unreadable: :func:`~migcompat.fleet.freshness.stale_captures`), saying the command's *consequence*;
    with *strict* True, end the command with exit 3 (``capture-stale``) instead, before anything is written
    (*strict* None: the command has no ``--strict``). *max_age* None: no limit. The captures of the hosts
    *excluded* (left out of the answer) are not judged. Returns those warned about, for a JSON answer."""
    from ..fleet.freshness import age_text, stale_captures

    if max_age is None:
        return ()
    left_out = frozenset(excluded)
    stale = tuple(capture for capture in stale_captures(loaded, max_age) if capture.host not in left_out)
    if not stale:
        return ()
    old = sum(capture.problem == "old" for capture in stale)
    why = [f"{plural(old, 'capture')} {'is' if old == 1 else 'are'} older than {age_text(max_age)}"] if old else []
    if len(stale) > old:
        odd = len(stale) - old
        why.append(f"{plural(odd, 'capture')} {'records' if odd == 1 else 'record'} a time in the future or unreadable")
    listed = first_few([capture.message for capture in stale], 3, escape, "; ")
    what = f"{' and '.join(why)} (--max-capture-age): {listed}"
    if strict:
        echo_error(
            f"--strict: {what}; such a host may have changed since, so nothing was written: capture those hosts"
            " again, or give a larger --max-capture-age",
            "capture-stale",
        )
        ctx.exit(ExitCode.UNDECIDED)
    refused = "" if strict is None else " (--strict refuses such captures)"
    echo(f"migcompat: warning: {what}; {consequence}: capture those hosts again{refused}", err=True)
    return stale
