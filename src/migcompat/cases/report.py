"""Reports of a run of the conformance cases: text for people, JSON for programs, JUnit XML for CI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from typing import Any

from ..display import escape, escape_lines, finish_junit, plural, rule_numbers
from .runner import FAILURES, OUTCOMES, Result

__all__ = ["json_report", "junit_report", "report_document", "summary", "text_report"]


def summary(results: Sequence[Result]) -> dict[str, Any]:
    """Counts by outcome, and of the failures by level and by kind."""
    outcomes = Counter(result.outcome for result in results)
    failed = [result for result in results if result.failed]
    return {
        "cases": len(results),
        "outcomes": {name: outcomes.get(name, 0) for name in OUTCOMES},
        "failed": len(failed),
        "failed_required": sum(1 for r in failed if r.case.level == "required"),
        "failed_recommended": sum(1 for r in failed if r.case.level == "recommended"),
        "failed_by_kind": dict(sorted(Counter(r.case.kind for r in failed).items())),
        "ok": not failed,
    }


def text_report(results: Sequence[Result], *, verbose: bool = False) -> str:
    """The failures (every case not passed, with *verbose*), then the counts and PASSED or FAILED.

    One line per case (and per line of standard error shown): every string
    from a case file, an expected-failure file or a program under test is
    shown through :func:`migcompat.display.escape`, so none can move the
    cursor or print a line of its own.
    """
    lines = []
    for result in results:
        if result.failed or (verbose and result.outcome != "pass"):
            detail = rule_numbers(escape(result.detail))
            line = f"{result.outcome.upper():<8} {escape(result.case.id)} [{escape(result.case.level)}]: {detail}"
            if result.expected_failure is not None:
                line += f" (expected failure: {escape(result.expected_failure)})"
            lines.append(line)
            if result.failed and result.stderr.strip():
                tail = [text for text in escape_lines(result.stderr.strip()) if text.strip()][-3:]
                lines.extend("         stderr: " + text for text in tail)
    counts = summary(results)
    parts = [f"{counts['outcomes'][name]} {name}" for name in OUTCOMES if counts["outcomes"][name]]
    lines.append(f"{plural(counts['cases'], 'case')}: " + (", ".join(parts) if parts else "none run"))
    if counts["failed"]:
        required, recommended = counts["failed_required"], counts["failed_recommended"]
        lines.append(f"FAILED: {counts['failed']} ({required} required, {recommended} recommended)")
    else:
        lines.append("PASSED")
    passed = counts["outcomes"]["pass"] + counts["outcomes"]["xfail"]
    lines.append(f"{passed} passed, {counts['failed']} failed, {counts['outcomes']['skip']} skipped")
    return "\n".join(lines)


def report_document(results: Sequence[Result], meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """The summary, *meta* (as ``"run"``) and every result, as one JSON-ready document."""
    return {"summary": summary(results), "run": meta or {}, "results": [r.to_json() for r in results]}


def json_report(results: Sequence[Result], meta: dict[str, Any] | None = None) -> str:
    """:func:`report_document` as the text of a file: indented, ASCII only, ending with a newline."""
    return json.dumps(report_document(results, meta), indent=1, ensure_ascii=True) + "\n"


def junit_report(results: Sequence[Result], name: str = "migcompat-conformance") -> str:
    """JUnit XML: one test suite per case kind, one test case per case, counted as written.

    A wrong answer or an unexpected pass is a ``<failure>``, a crash, a
    timeout or garbage an ``<error>``, a skipped case or an expected failure
    ``<skipped>``; a failed case has the program's standard error, each line
    behind a gutter (``|`` and a space). Every string is escaped
    (:func:`migcompat.display.escape`), so the document is well formed and no
    line of it is one a program chose, whatever the program printed.
    """
    root = ET.Element("testsuites", name=escape(name))
    suites: dict[str, ET.Element] = {}
    total = 0.0
    for result in results:
        kind = escape(result.case.kind)
        suite = suites.get(kind)
        if suite is None:
            suite = suites[kind] = ET.SubElement(root, "testsuite", name=kind)
        case = ET.SubElement(
            suite,
            "testcase",
            name=escape(result.case.id),
            classname=f"{escape(name)}.{kind}",
            time=f"{result.elapsed:.4f}",
        )
        total += result.elapsed
        message = rule_numbers(escape(f"{result.outcome}: {result.detail}"))
        if result.outcome in ("crash", "timeout", "garbage"):
            ET.SubElement(case, "error", message=message, type=result.outcome).text = message
        elif result.outcome in ("wrong", "xpass"):
            ET.SubElement(case, "failure", message=message, type=result.outcome).text = message
        elif result.outcome in ("skip", "xfail"):
            reason = result.detail if result.outcome == "skip" else f"expected failure: {result.expected_failure}"
            ET.SubElement(case, "skipped", message=escape(reason))
        if result.stderr and result.outcome in FAILURES:  # each line behind a gutter, so none passes for another
            ET.SubElement(case, "system-err").text = "\n".join(
                "| " + line for line in escape_lines(result.stderr[-4000:])
            )
    if not results:
        suite = ET.SubElement(root, "testsuite", name="cases")
        case = ET.SubElement(suite, "testcase", name="no case was run", classname=escape(name))
        ET.SubElement(case, "skipped", message="no case was selected")
    root.set("time", f"{total:.4f}")
    return finish_junit(root)
