"""The KTAP report: the kernel's test output format (``Documentation/dev-tools/ktap.rst``, KTAP version 1).

One test per check ID, in registry order, under one plan::

    KTAP version 1
    1..19
    # migcompat conformance suite 1.0.0, spec 1.0: 1 host, 2 placements
    ...
    # MC-E1-PARSE (12.1 E1 (4, 5, 7, 9.6), required): 4 checked, 2 failed
        KTAP version 1
        1..3
        # error[leading-zero]: version 535.129.03: component integer 03 has a leading zero
        not ok 1 t4-node:class/mdev_bus/0000:3b:00.0/mdev_supported_types/nvidia-222/migration_version
        ...
        ok 3 2 objects passed
    not ok 3 MC-E1-PARSE
    ...
    ok 7 MC-E3-SYSFS # SKIP not applicable: nothing to check

A check that failed has subtests, indented by :data:`INDENT` with their own
version and plan lines: one per failure (its object as the name, its
message and excerpt as diagnostic lines before it), one for the failures
counted but not listed, and one for the objects that passed. A failure of a
*recommended* check is a warning: its subtest is ``ok`` with a ``# warning:``
diagnostic, and its check is ``ok`` (with *warnings_fail*, for
``--fail-on-warning``, both are ``not ok``). A check with nothing to check is
``ok ... # SKIP not applicable``, one that skipped every object it had
``ok ... # SKIP not run`` (its notes, before it, say why). A required check (or any, with *warnings_fail*) that
left objects undecided (an upgrade pair too complex to relate: the run's
result is *undecided*, exit status 3) and failed none is ``not ok``, after a
diagnostic line ``# CHECK undecided: ...``, as an input that cannot be read
is (:func:`render_error`, also exit status 3): ``ok ... # SKIP`` counts as
passed for KTAP and TAP consumers (kunit.py, prove), so a run whose answer
is missing would look green. A recommended check's undecided objects are a
``# warning:`` diagnostic line, and a ``# SKIP undecided`` when it checked
nothing else. Hosts, upgrades, the matrix, notes and the result are
diagnostic lines. A failure's name is ``host:path``, or ``input:path`` when
the host has no name (the input as given on the command line). An input
that cannot be used is one ``not ok`` test after a diagnostic line with the
error (:func:`render_error`).

Every name and message is shown through :func:`migcompat.display.escape`,
and ``#`` in a test name is written ``\\x23``: a name can neither break a line
nor end the description early, nor start a diagnostic line.
"""

from __future__ import annotations

from typing import Final

from ..display import all_printable, escape, escape_unless_printable, plural, rule_numbers
from ..fleet.diff import relation_name
from .registry import CHECKS, SUITE_VERSION
from .results import UNDECIDED_OBJECTS, Failure, Report, render_excerpt

__all__ = ["INDENT", "VERSION_LINE", "render", "render_error", "render_nothing"]

VERSION_LINE: Final = "KTAP version 1"
INDENT: Final = "    "
"""One level of subtest indentation: four spaces, as KUnit writes it (ktap.rst shows two; parsers take either)."""


def _name(text: str) -> str:
    """A test name: escaped, and without ``#`` (which would start the directive)."""
    return escape(text).replace("#", "\\x23")


def _diagnostic(text: str) -> str:
    return "# " + rule_numbers(escape(text))


def _failure_lines(failure: Failure, warning: bool) -> list[str]:
    lines = [("# warning: " if warning else "# ") + rule_numbers(escape(failure.message))]
    if failure.excerpt is not None:
        excerpt = render_excerpt(failure.excerpt)
        lines.extend("#     " + line for line in (excerpt if all_printable(excerpt) else map(escape, excerpt)))
    if "hint" in failure.details:  # a parse error's common slip (migcompat._hints)
        lines.append("# hint: " + escape(str(failure.details["hint"])))
    lines.append(f"# spec clause {failure.clause}")
    return lines


def _subtests(ident: str, failures: list[Failure], unlisted: int, passed: int, *, warnings_fail: bool) -> list[str]:
    warning = CHECKS[ident].severity != "required"
    result = "ok" if warning and not warnings_fail else "not ok"
    tests: list[tuple[list[str], str, str]] = []  # diagnostics, result, name
    for failure in failures:
        where = failure.where
        tests.append((_failure_lines(failure, warning), result, _name(where)))
    if unlisted > 0:
        note = f"# {'warning: ' if warning else ''}{unlisted} more failures are counted but not listed"
        tests.append(([note], result, "more failures not listed"))
    if passed > 0:
        tests.append(([f"# {plural(passed, 'object')} passed"], "ok", "objects passed"))
    lines = [VERSION_LINE, f"1..{len(tests)}"]
    seen: dict[str, int] = {}
    for number, (diagnostics, outcome, name) in enumerate(tests, 1):
        seen[name] = seen.get(name, 0) + 1
        lines.extend(diagnostics)
        lines.append(f"{outcome} {number} {name}" + (f" ({seen[name]})" if seen[name] > 1 else ""))
    return [INDENT + line for line in lines]


def _header(report: Report) -> list[str]:
    placements = sum(h.placements for h in report.hosts)
    lines = [
        f"# migcompat conformance suite {SUITE_VERSION}, spec {escape(report.spec_version)}: "
        f"{plural(len(report.hosts), 'host')}, {plural(placements, 'placement')}"
    ]
    for host in report.hosts:
        lines.append(
            f"# host {escape(host.label)} ({escape(host.role)}): {plural(host.placements, 'placement')},"
            f" {host.migratable} migratable, {plural(host.findings, 'finding')};"
            f" kernel {escape(host.kernel or 'unknown')};"
            f" from {escape(host.origin or host.source)}"
        )
    for upgrade in report.upgrades:
        verdict = (
            "breaking"
            if upgrade.breaking
            else "not decided, not a pass"
            if upgrade.relation == "undecided"
            else "accepts the old"
        )
        lines.append(f"# upgrade {escape(upgrade.identity)}: {escape(relation_name(upgrade.relation))}, {verdict}")
    matrix = report.matrix
    lines.append(
        f"# compatibility matrix: {plural(len(matrix.classes), 'distinct device class', 'distinct device classes')},"
        f" {plural(matrix.accepted_pairs, 'compatible (source, target) pair')}"
        + (
            f", {plural(matrix.undecided_targets, 'target class', 'target classes')} undecided"
            if matrix.undecided_targets
            else ""
        )
    )
    return lines


def render(report: Report, *, warnings_fail: bool = False) -> str:
    """*report* as KTAP version 1 text (ending with a newline), never empty.

    With *warnings_fail* (``--fail-on-warning``) a failed recommended check
    is ``not ok``, as a failed required check is.
    """
    if not report.tallies:
        return render_nothing("no check was run")
    lines = [VERSION_LINE, f"1..{len(report.tallies)}", *_header(report)]
    by_check: dict[str, list[Failure]] = {}
    for failure in report.failures:
        by_check.setdefault(failure.check, []).append(failure)
    totals = {"pass": 0, "fail": 0, "skip": 0}
    for number, (ident, tally) in enumerate(report.tallies.items(), 1):
        check = CHECKS[ident]
        lines.append(f"# {ident} ({check.clause}, {check.severity}): {tally.checked} checked, {tally.failed} failed")
        lines.extend(
            _diagnostic(f"migcompat: note: {note.where}: {note.message}")
            for note in report.notes
            if note.check == ident
        )
        undecided = ""
        if tally.undecided:
            one, many = UNDECIDED_OBJECTS.get(ident, ("object", "objects"))
            undecided = f"{tally.undecided} {one if tally.undecided == 1 else many} could not be decided"
            strict = check.severity == "required" or warnings_fail
            lines.append(f"# {'' if strict else 'warning: '}{ident} undecided: {undecided}; not a pass")
            if strict and not tally.failed:
                lines.append(f"not ok {number} {ident}")
                totals["fail"] += 1
                continue
        if not tally.checked:
            reason = f"undecided: {undecided}" if undecided else tally.unchecked_reason
            lines.append(f"ok {number} {ident} # SKIP {reason}")
            totals["skip"] += 1
            continue
        if tally.failed:
            mine = by_check.get(ident, [])
            lines.extend(
                _subtests(
                    ident, mine, tally.failed - len(mine), tally.checked - tally.failed, warnings_fail=warnings_fail
                )
            )
        broken = bool(tally.failed) and (check.severity == "required" or warnings_fail)
        lines.append(f"{'not ok' if broken else 'ok'} {number} {ident}")
        totals["fail" if broken else "pass"] += 1
    warnings = plural(len(report.warnings), "warning")
    if warnings_fail and report.ok and report.warnings:
        lines.append(f"# FAILED: {warnings} (--fail-on-warning)")
    elif report.ok and report.result(warnings_fail=warnings_fail) == "undecided":
        lines.append(f"# UNDECIDED: {report.undecided_summary(warnings_fail=warnings_fail)}; {warnings}")
    elif report.ok:
        lines.append(f"# PASSED with {warnings}" if report.warnings else "# PASSED")
    else:
        lines.append(f"# FAILED: {plural(len(report.required_failures), 'required check failure')}, {warnings}")
    lines.append(f"# totals: pass:{totals['pass']} fail:{totals['fail']} skip:{totals['skip']}")
    return "\n".join(lines) + "\n"


def render_nothing(reason: str) -> str:
    """The KTAP report of a run with nothing to check: one skipped test that says *reason*.

    For ``migcompat conformance --format ktap`` on inputs without a migration
    attribute, so that the output is a report rather than nothing.
    """
    return (
        "\n".join(
            [
                VERSION_LINE,
                "1..1",
                _diagnostic(f"nothing to check: {reason}"),
                f"ok 1 conformance # SKIP nothing to check: {_name(reason)}",
                "# totals: pass:0 fail:0 skip:1",
            ]
        )
        + "\n"
    )


def render_error(name: str, code: str, message: str) -> str:
    """The KTAP report of a run stopped by an input that cannot be used: one ``not ok`` test.

    *name* is the input as given on the command line, *code* the stable
    error code and *message* the error; a diagnostic line before the test
    says ``error[CODE]: MESSAGE``. Text that is already printable ASCII (as
    standard error shows it) is written as it is, any other is escaped. For
    ``migcompat conformance --format ktap``, so that the output is a failing
    report rather than nothing.
    """

    test = escape_unless_printable(name).replace("#", "\\x23")  # as _name: a '#' would start the directive
    return (
        "\n".join(
            [
                VERSION_LINE,
                "1..1",
                f"# error[{escape_unless_printable(code)}]: {escape_unless_printable(message)}",
                f"not ok 1 input {test}",
                "# totals: pass:0 fail:1 skip:0",
            ]
        )
        + "\n"
    )
