"""The JUnit XML report, for vendor CI: one test suite per check, one test case per failure.

Written with the standard library's ElementTree. A failed *required* check is
a ``<failure>``; a failed *recommended* check is a passing test case whose
``<system-out>`` starts with ``WARNING``, so warnings show without failing
the build. Each suite also has one passing case that stands for the objects
that passed; the run's notes on the check (what it could not decide in full)
are that case's ``<system-out>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .registry import CHECKS
from .results import Failure, Report, render_excerpt

__all__ = ["junit_xml"]


def _body(failure: Failure) -> str:
    lines = [failure.message]
    if failure.excerpt is not None:
        lines.extend(render_excerpt(failure.excerpt))
    lines.append(f"spec clause {failure.clause}")
    return "\n".join(lines)


def junit_xml(report: Report) -> str:
    """*report* as a JUnit XML document (``<testsuites>``)."""
    failed = sum(1 for f in report.required_failures)
    root = ET.Element(
        "testsuites",
        name="migcompat conformance",
        tests=str(sum(max(1, t.checked) for t in report.tallies.values())),
        failures=str(failed),
        errors="0",
        time=f"{report.seconds:.3f}",
    )
    by_check: dict[str, list[Failure]] = {}
    for failure in report.failures:
        by_check.setdefault(failure.check, []).append(failure)
    for ident, tally in report.tallies.items():
        check = CHECKS[ident]
        mine = by_check.get(ident, [])
        suite = ET.SubElement(
            root,
            "testsuite",
            name=ident,
            tests=str(max(1, tally.checked)),
            failures=str(len(mine) if check.severity == "required" else 0),
            errors="0",
            skipped="0" if tally.checked else "1",
        )
        properties = ET.SubElement(suite, "properties")
        for name, value in (("clause", check.clause), ("severity", check.severity), ("title", check.title)):
            ET.SubElement(properties, "property", name=name, value=value)
        for failure in mine:
            case = ET.SubElement(suite, "testcase", classname=ident, name=f"{failure.host}:{failure.path}")
            if check.severity == "required":
                element = ET.SubElement(case, "failure", message=failure.message, type=ident)
                element.text = _body(failure)
            else:
                out = ET.SubElement(case, "system-out")
                out.text = "WARNING " + _body(failure)
        passed = tally.checked - len(mine)
        case = ET.SubElement(suite, "testcase", classname=ident, name=f"{ident}: {passed} objects passed")
        if not tally.checked:
            ET.SubElement(case, "skipped", message="not applicable: nothing to check")
        notes = [note for note in report.notes if note.check == ident]
        if notes:
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(
                f"NOTE {note.host + ':' if note.host else ''}{note.path}: {note.message}" for note in notes
            )
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
