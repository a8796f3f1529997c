"""The JUnit XML report, for vendor CI: one test suite per check, one test case per failure.

Written with the standard library's ElementTree, in the shape of the JUnit
schema CI systems read (the Jenkins xunit plugin's, ``tests/data/junit.xsd``).
A failed *required* check is a ``<failure>``; a failed *recommended* check is
a passing test case whose ``<system-out>`` starts with ``WARNING`` (and its
suite's ``warnings`` property counts them), so warnings show without failing
the build; with *warnings_fail* (``--fail-on-warning``) it is a ``<failure>``
too. The objects that passed a check are one passing test case named
``CHECK: objects passed`` (the count is in its ``<system-out>``, so the name stays the
same when the fleet changes); a check with nothing to check, or that
skipped every object it had (``CHECK: not run``, its notes say why), is one
``<skipped>`` test case; failures counted but not listed (a check stops
listing after its cap) are one test case more. The run's notes on a check
(what it could not decide in full) are its suite's ``<system-out>``.

The objects a check could not decide (an upgrade pair too complex to relate,
or past the run's bound: the run's result is then *undecided*, exit status 3)
are one test case ``CHECK: undecided`` in ``<error>``, for a required check
(or any, with *warnings_fail*): the check could not be completed, which is
what ``<error>`` means in JUnit (``<failure>`` is a check that ran and
failed), and what CI systems count as not green, as they do the ``<error>``
of an input that cannot be read (also exit status 3). ``<skipped>`` would
not do: CI systems show a skipped test as passed or neutral. For a
recommended check, which cannot fail the run, it is a ``<skipped>`` test case
with the count and reason.

A failure's test case is named ``host:path``, or ``input:path`` when the host
has no name (the input as given on the command line); a name that would
repeat in its suite gets `` (2)``, `` (3)``, ..., so that no two test cases
share a (classname, name) pair, which CI systems would merge. An input that
cannot be read is one ``<error>`` test case (:func:`junit_error`).

Every count is the count of what is written: ``tests`` is the number of
``<testcase>`` elements, ``failures``, ``errors`` and ``skipped`` the number
with such a child. Every input-derived string is shown through
:func:`migcompat.display.escape`, so the document is well formed whatever
the names hold (no character XML 1.0 forbids, no newline in a name).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..display import all_printable, escape, escape_unless_printable, finish_junit, plural, rule_numbers
from .registry import CHECKS
from .results import UNDECIDED_OBJECTS, Failure, Report, render_excerpt

__all__ = ["junit_error", "junit_nothing", "junit_xml"]

_NAME = "migcompat conformance"


def _message(text: str) -> str:
    return rule_numbers(escape(text))


def _body(failure: Failure) -> str:
    lines = [_message(failure.message)]
    if failure.excerpt is not None:
        excerpt = render_excerpt(failure.excerpt)  # printable ASCII, its caret under the span
        lines.extend(excerpt if all_printable(excerpt) else [escape(line) for line in excerpt])
    if "hint" in failure.details:  # a parse error's common slip (migcompat._hints)
        lines.append("hint: " + escape(str(failure.details["hint"])))
    lines.append(f"spec clause {failure.clause}")
    return "\n".join(lines)


def _failure_name(failure: Failure) -> str:
    """``host:path``, or ``input:path`` when the host has no name."""
    return escape(failure.where)


class _Names:
    """Test case names made unique within a suite: a repeated name gets `` (2)``, `` (3)``, ...."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def __call__(self, name: str) -> str:
        unique, number = name, 1
        while unique in self._seen:
            number += 1
            unique = f"{name} ({number})"
        self._seen.add(unique)
        return unique


def junit_xml(report: Report, *, warnings_fail: bool = False) -> str:
    """*report* as a JUnit XML document (``<testsuites>``), never empty.

    With *warnings_fail* a failed recommended check is a ``<failure>`` (as for
    ``--fail-on-warning``, whose exit status is then 1), not a passing test
    case with a ``WARNING`` in its output.
    """
    root = ET.Element("testsuites", name=_NAME, time=f"{report.seconds:.3f}")
    by_check: dict[str, list[Failure]] = {}
    for failure in report.failures:
        by_check.setdefault(failure.check, []).append(failure)
    for ident, tally in report.tallies.items():
        check = CHECKS[ident]
        required = check.severity == "required"
        fails = required or warnings_fail
        mine = by_check.get(ident, [])
        names = _Names()
        suite = ET.SubElement(root, "testsuite", name=ident)
        properties = ET.SubElement(suite, "properties")
        for name, value in (("clause", check.clause), ("severity", check.severity), ("title", check.title)):
            ET.SubElement(properties, "property", name=name, value=escape(value))
        if not required and tally.failed:
            ET.SubElement(properties, "property", name="warnings", value=str(tally.failed))
        for failure in mine:
            case = ET.SubElement(suite, "testcase", classname=ident, name=names(_failure_name(failure)))
            if fails:
                message = _message(failure.message) if required else "WARNING " + _message(failure.message)
                ET.SubElement(case, "failure", message=message, type=ident).text = _body(failure)
            else:
                ET.SubElement(case, "system-out").text = "WARNING " + _body(failure)
        unlisted = tally.failed - len(mine)
        if unlisted > 0:
            text = f"{plural(unlisted, 'more failure')} of {ident} counted but not listed"
            case = ET.SubElement(suite, "testcase", classname=ident, name=names(f"{ident}: failures not listed"))
            if fails:
                ET.SubElement(case, "failure", message=text, type=ident).text = text
            else:
                ET.SubElement(case, "system-out").text = "WARNING " + text
        passed = tally.checked - tally.failed
        if passed > 0:
            case = ET.SubElement(suite, "testcase", classname=ident, name=names(f"{ident}: objects passed"))
            ET.SubElement(case, "system-out").text = f"{plural(passed, 'object')} passed"
        notes = [note for note in report.notes if note.check == ident]
        if tally.undecided:
            one, many = UNDECIDED_OBJECTS.get(ident, ("object", "objects"))
            text = (
                f"undecided: {tally.undecided} {one if tally.undecided == 1 else many} could not be decided"
                " (too complex, or the run's bound was reached); not a pass"
            )
            body = "\n".join([text, *(f"NOTE {escape(note.where)}: {_message(note.message)}" for note in notes)])
            case = ET.SubElement(suite, "testcase", classname=ident, name=names(f"{ident}: undecided"))
            if fails:
                ET.SubElement(case, "error", message=text, type="undecided").text = body
            else:
                ET.SubElement(case, "skipped", message=text).text = body
        elif not tally.checked:
            title = "not run" if tally.skipped else "not applicable"
            case = ET.SubElement(suite, "testcase", classname=ident, name=f"{ident}: {title}")
            ET.SubElement(case, "skipped", message=tally.unchecked_reason)
        if notes:
            ET.SubElement(suite, "system-out").text = "\n".join(
                f"NOTE {escape(note.where)}: {_message(note.message)}" for note in notes
            )
    if not len(root):  # no check registered: still a report, with one test case saying so
        return junit_nothing("no check was run")
    return finish_junit(root)


def junit_nothing(reason: str) -> str:
    """The JUnit document of a run with nothing to check: one skipped test case saying *reason*.

    For ``migcompat conformance --format junit`` on inputs without a
    migration attribute, so that ``> report.xml`` is a report rather than an
    empty file.
    """
    root = ET.Element("testsuites", name=_NAME, time="0.000")
    suite = ET.SubElement(root, "testsuite", name=_NAME)
    case = ET.SubElement(suite, "testcase", classname=_NAME, name="nothing to check")
    shown = escape(reason)
    ET.SubElement(case, "skipped", message=shown).text = shown
    return finish_junit(root)


def junit_error(name: str, code: str, message: str) -> str:
    """The JUnit document of a run stopped by an input that cannot be used: one test case in ``<error>``.

    *name* is the input as given on the command line, *code* the stable
    error code and *message* the error, as ``migcompat: error[CODE]:``
    prints them (text that is already printable ASCII is written as it is,
    so that a name escaped for standard error is not escaped twice; any
    other is escaped); the suite and the root count ``errors="1"``. For
    ``migcompat conformance --format junit``, so that ``> report.xml``
    fails the CI job's test report rather than leaving an empty file.
    """
    root = ET.Element("testsuites", name=_NAME, time="0.000")
    suite = ET.SubElement(root, "testsuite", name=_NAME)
    case = ET.SubElement(suite, "testcase", classname=_NAME, name=f"input {escape_unless_printable(name)}")
    shown = f"error[{escape_unless_printable(code)}]: {escape_unless_printable(message)}"
    ET.SubElement(case, "error", message=shown, type=escape_unless_printable(code)).text = shown
    return finish_junit(root)
