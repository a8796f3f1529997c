"""Reports of a conformance run: text for people, JSON for programs, JUnit XML for CI."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from .runner import FAILURES, OUTCOMES, Result

__all__ = ["json_report", "junit_report", "summary", "text_report"]


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
    """The failures (every case not passed, with *verbose*), then the counts and PASSED or FAILED."""
    lines = []
    for result in results:
        if result.failed or (verbose and result.outcome != "pass") or (result.outcome == "xfail" and verbose):
            line = f"{result.outcome.upper():<8} {result.case.id} [{result.case.level}]: {result.detail}"
            if result.expected_failure is not None:
                line += f" (expected failure: {result.expected_failure})"
            lines.append(line)
            if result.failed and result.stderr.strip():
                tail = result.stderr.strip().splitlines()[-3:]
                lines.extend("         stderr: " + text for text in tail)
    counts = summary(results)
    parts = [f"{counts['outcomes'][name]} {name}" for name in OUTCOMES if counts["outcomes"][name]]
    lines.append(f"{counts['cases']} cases: " + (", ".join(parts) if parts else "none run"))
    if counts["failed"]:
        required, recommended = counts["failed_required"], counts["failed_recommended"]
        lines.append(f"FAILED: {counts['failed']} ({required} required, {recommended} recommended)")
    else:
        lines.append("PASSED")
    passed = counts["outcomes"]["pass"] + counts["outcomes"]["xfail"]
    lines.append(f"{passed} passed, {counts['failed']} failed, {counts['outcomes']['skip']} skipped")
    return "\n".join(lines)


def json_report(results: Sequence[Result], meta: dict[str, Any] | None = None) -> str:
    """The summary, *meta* (as ``"run"``) and every result, as one JSON document."""
    document = {"summary": summary(results), "run": meta or {}, "results": [r.to_json() for r in results]}
    return json.dumps(document, indent=1, ensure_ascii=True) + "\n"


def junit_report(results: Sequence[Result], name: str = "migcompat-conformance") -> str:
    """JUnit XML: one test suite per case kind, one test case per case."""
    from junitparser import Error, Failure, JUnitXml, Skipped, TestCase, TestSuite

    xml: Any = JUnitXml(name)
    suites: dict[str, Any] = {}
    for result in results:
        suite = suites.get(result.case.kind)
        if suite is None:
            suite = suites[result.case.kind] = TestSuite(result.case.kind)
        case = TestCase(result.case.id, classname=f"{name}.{result.case.kind}", time=round(result.elapsed, 4))
        message = f"{result.outcome}: {result.detail}"
        if result.outcome in ("crash", "timeout", "garbage"):
            case.result = [Error(message, result.outcome)]
        elif result.outcome in ("wrong", "xpass"):
            case.result = [Failure(message, result.outcome)]
        elif result.outcome in ("skip", "xfail"):
            reason = result.detail if result.outcome == "skip" else f"expected failure: {result.expected_failure}"
            case.result = [Skipped(reason)]
        if result.stderr and result.outcome in FAILURES:
            case.system_err = result.stderr[-4000:]
        suite.add_testcase(case)
    for suite in suites.values():
        suite.update_statistics()
        xml.add_testsuite(suite)
    xml.update_statistics()
    raw = xml.tostring()
    return raw.decode("utf-8") if isinstance(raw, bytes) else str(raw)
