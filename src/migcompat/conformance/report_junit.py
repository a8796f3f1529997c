"""The JUnit XML report, for vendor CI: one test suite per check, one test case per failure.

Written with the standard library's ElementTree, in the shape of the JUnit
schema CI systems read (the Jenkins xunit plugin's, ``tests/data/junit.xsd``).
A failed *required* check is a ``<failure>``; a failed *recommended* check is
a passing test case whose ``<system-out>`` starts with ``WARNING``, so
warnings show without failing the build. The objects that passed a check
are one passing test case (``N objects passed``); a check with nothing to
check is one ``<skipped>`` test case; failures counted but not listed (a
check stops listing after its cap) are one test case more. The run's notes
on a check (what it could not decide in full) are its suite's
``<system-out>``.

Every count is the count of what is written: ``tests`` is the number of
``<testcase>`` elements, ``failures``, ``errors`` and ``skipped`` the number
with such a child. Every input-derived string is shown through
:func:`migcompat.display.escape`, so the document is well formed whatever
the names hold (no character XML 1.0 forbids, no newline in a name).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..display import all_printable, escape, finish_junit, rule_numbers
from .registry import CHECKS
from .results import Failure, Report, render_excerpt

__all__ = ["junit_nothing", "junit_xml"]

_NAME = "migcompat conformance"


def _message(text: str) -> str:
    return rule_numbers(escape(text))


def _body(failure: Failure) -> str:
    lines = [_message(failure.message)]
    if failure.excerpt is not None:
        excerpt = render_excerpt(failure.excerpt)  # printable ASCII, its caret under the span
        lines.extend(excerpt if all_printable(excerpt) else [escape(line) for line in excerpt])
    lines.append(f"spec clause {failure.clause}")
    return "\n".join(lines)


def _where(host: str, path: str) -> str:
    return f"{escape(host)}:{escape(path)}" if host else escape(path)


def junit_xml(report: Report) -> str:
    """*report* as a JUnit XML document (``<testsuites>``), never empty."""
    root = ET.Element("testsuites", name=_NAME, time=f"{report.seconds:.3f}")
    by_check: dict[str, list[Failure]] = {}
    for failure in report.failures:
        by_check.setdefault(failure.check, []).append(failure)
    for ident, tally in report.tallies.items():
        check = CHECKS[ident]
        required = check.severity == "required"
        mine = by_check.get(ident, [])
        suite = ET.SubElement(root, "testsuite", name=ident)
        properties = ET.SubElement(suite, "properties")
        for name, value in (("clause", check.clause), ("severity", check.severity), ("title", check.title)):
            ET.SubElement(properties, "property", name=name, value=escape(value))
        for failure in mine:
            case = ET.SubElement(suite, "testcase", classname=ident, name=_where(failure.host, failure.path))
            if required:
                element = ET.SubElement(case, "failure", message=_message(failure.message), type=ident)
                element.text = _body(failure)
            else:
                ET.SubElement(case, "system-out").text = "WARNING " + _body(failure)
        unlisted = tally.failed - len(mine)
        if unlisted > 0:
            text = f"{unlisted} more failures of {ident} are counted but not listed"
            case = ET.SubElement(suite, "testcase", classname=ident, name=f"{ident}: {unlisted} more failures")
            if required:
                ET.SubElement(case, "failure", message=text, type=ident).text = text
            else:
                ET.SubElement(case, "system-out").text = "WARNING " + text
        passed = tally.checked - tally.failed
        if passed > 0:
            name = f"{ident}: {passed} object{'s' * (passed != 1)} passed"
            ET.SubElement(suite, "testcase", classname=ident, name=name)
        if not tally.checked:
            case = ET.SubElement(suite, "testcase", classname=ident, name=f"{ident}: not applicable")
            ET.SubElement(case, "skipped", message="not applicable: nothing to check")
        notes = [note for note in report.notes if note.check == ident]
        if notes:
            ET.SubElement(suite, "system-out").text = "\n".join(
                f"NOTE {_where(note.host, note.path)}: {_message(note.message)}" for note in notes
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
