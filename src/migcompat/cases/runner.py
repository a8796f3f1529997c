"""Running conformance cases through an implementation's programs (clause 12.5).

:func:`run_cases` runs each case through the program of its kind (parser,
emitter or checker), process-per-case or persistent, and judges the answer
with one outcome: ``pass``, ``wrong``, ``crash``, ``timeout`` or ``garbage``;
``skip`` when there is no program for the case; and, for cases listed as
expected failures, ``xfail`` (failed as expected) or ``xpass`` (passed: the
list is out of date, which fails the run).

An implementation that hangs costs at most a few timeouts, not one per case:
after :attr:`Options.stop_after_timeouts` timeouts in a row from one program,
its remaining cases are not run; each is reported ``skip`` with a detail that
starts with :data:`NOT_RUN` and says why.
"""

from __future__ import annotations

import base64
import itertools
import json
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Final

from .._jsondoc import integer_value, json_text
from ..compare import accepts
from ..emit import emit
from ..errors import MigcompatError
from ..jsonmodel import decode_json, from_json, json_fault
from ..model import CompatibleDevices, MigrationVersion
from ..parse import parse_compatible, parse_version
from ..verdict import REQUIRED_CODES
from ..verdict import Answer as Verdict
from .model import GRADES, RELATIONS, VERDICTS, Case
from .process import ProcessGroups, Session, run_once

__all__ = [
    "FAILURES",
    "NOT_RUN",
    "OUTCOMES",
    "Options",
    "Programs",
    "Result",
    "load_expected_failures",
    "run_cases",
]

OUTCOMES: Final = ("pass", "wrong", "crash", "timeout", "garbage", "skip", "xfail", "xpass")
"""Every outcome a case can have, in report order."""
FAILURES: Final = frozenset({"wrong", "crash", "timeout", "garbage", "xpass"})
"""The outcomes that fail a run."""
_JUDGED_FAILURES: Final = frozenset({"wrong", "crash", "timeout", "garbage"})
NOT_RUN: Final = "not run"
"""How the detail of a case starts when it was not run because its program kept timing out."""


@dataclass(frozen=True)
class Programs:
    """The commands of the implementation under test; None for a role it does not fill."""

    parser: tuple[str, ...] | None = None
    emitter: tuple[str, ...] | None = None
    checker: tuple[str, ...] | None = None
    persistent: bool = False

    def command(self, role: str) -> tuple[str, ...] | None:
        """The command of *role* (``parser``, ``emitter`` or ``checker``), or None."""
        result: tuple[str, ...] | None = getattr(self, role)
        return result


@dataclass(frozen=True)
class Options:
    """How to run the cases."""

    timeout: float = 10.0
    """Seconds a program has to answer one case."""
    parallel: int = 1
    """How many cases run at once."""
    require_codes: bool = False
    """Fail a rejection that names no error code (by default it is judged on the rest)."""
    expected_failures: Mapping[str, str] = field(default_factory=dict)
    """Case ids expected to fail, with why (:func:`load_expected_failures` reads them from a file)."""
    stop_after_timeouts: int = 3
    """After this many timeouts in a row from one program, its remaining cases are not run; 0: never stop."""


@dataclass(frozen=True)
class Result:
    """The outcome of one case."""

    case: Case
    outcome: str
    detail: str = ""
    elapsed: float = 0.0
    stderr: str = ""
    expected_failure: str | None = None
    """The reason given in the expected-failure file, when the case is listed there."""

    @property
    def failed(self) -> bool:
        """True when the outcome fails the run (one of :data:`FAILURES`)."""
        return self.outcome in FAILURES

    def to_json(self) -> dict[str, object]:
        """The result as the JSON report has it."""
        return {
            "id": self.case.id,
            "kind": self.case.kind,
            "level": self.case.level,
            "clauses": list(self.case.clauses),
            "outcome": self.outcome,
            "detail": self.detail,
            "elapsed": round(self.elapsed, 4),
            "stderr": self.stderr,
            "expected_failure": self.expected_failure,
        }


def load_expected_failures(text: str) -> dict[str, str]:
    """Parse an expected-failure file: a JSON object mapping case ids to reasons.

    Raises ValueError for anything else, a text that is not JSON included.
    """
    data = decode_json(text, lambda message, line, column: ValueError(json_fault(message, line, column)), strict=True)
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ValueError("an expected-failure file is a JSON object mapping case ids to reasons (strings)")
    return dict(data)


class _Fault(Exception):
    """The program did not answer as the protocol says: *category* is crash, timeout or garbage."""

    def __init__(self, category: str, detail: str) -> None:
        super().__init__(detail)
        self.category = category
        self.detail = detail


class _Wrong(Exception):
    """The answer differs from the expected one."""


@dataclass
class _Answer:
    """An answer that followed the protocol: accepted (``ok``) or rejected, with what came with it."""

    accepted: bool
    raw: bytes = b""
    value: Any = None
    persistent: bool = False
    error: Mapping[str, Any] = field(default_factory=dict)
    stderr: bytes = b""

    def json(self) -> Any:
        if self.persistent:
            return self.value
        try:
            text = self.raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _Fault("garbage", "the output is not UTF-8") from None
        raw = self.raw

        def garbage(message: str, line: int | None, column: int | None) -> _Fault:
            where = f" at line {line}, column {column}" if line is not None else ""
            return _Fault("garbage", f"the output is not JSON ({message}{where}): {_show(raw)}")

        return decode_json(text, garbage, strict=True)  # a member written twice is no data model (clause 5.8)

    def text(self) -> bytes:
        if not self.persistent:
            return self.raw
        if not isinstance(self.value, str):
            raise _Fault("garbage", "the result of an emit request is not a JSON string")
        return self.value.encode("utf-8")


def _show(data: bytes, limit: int = 120) -> str:
    text = data[:limit].decode("utf-8", "backslashreplace")
    return repr(text) + ("..." if len(data) > limit else "")


def _error_object(value: Any) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _Fault("garbage", "the error of a rejection is not a JSON object")
    for name, kind in (("code", str), ("path", str)):
        if name in value and not isinstance(value[name], kind):
            raise _Fault("garbage", f'the error\'s "{name}" is not a string')
    numbers = {}
    for name in ("line", "column"):
        if name in value:
            number = integer_value(value[name])  # the number rule: 1.0 is 1, true is not
            if number is None or number < 1:
                raise _Fault(
                    "garbage", f'the error\'s "{name}" is not an integer from 1 (lines and columns count from 1)'
                )
            numbers[name] = number
    return {**value, **numbers}


class _Runner:
    def __init__(self, programs: Programs, options: Options) -> None:
        self.programs = programs
        self.options = options
        self.groups = ProcessGroups()
        """Every program this run started and has not ended yet, to kill them all when the run is stopped."""
        self.sessions: dict[str, queue.LifoQueue[Session]] = {}
        self.all_sessions: list[Session] = []
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.timeouts: dict[str, int] = {}
        """Per program role: how many of its cases in a row timed out."""
        self.stopped: dict[str, str] = {}
        """Per program role that timed out too often: why its remaining cases are not run."""

    # ---- asking a program ----

    def ask(self, role: str, command: tuple[str, ...], case: Case, request: dict[str, Any]) -> _Answer:
        if self.programs.persistent:
            return self._ask_persistent(role, command, request)
        if role == "parser":
            argv = [*command, case.data["attribute"]]
            data = case.input_bytes()
        elif role == "emitter":
            argv = list(command)
            data = _model_input(request["model"])
        else:
            argv = list(command)
            data = json_text(request, ensure_ascii=True).encode("ascii")
        run = run_once(argv, data, self.options.timeout, self.groups)
        if run.status == "not-started":
            raise _Fault("crash", run.detail)
        if run.status == "timeout":
            raise _Fault("timeout", run.detail)
        if run.status == "oversized":
            raise _Fault("garbage", run.detail)
        if run.status == "signalled":
            raise _Fault("crash", run.detail)
        if run.returncode == 0:
            return _Answer(True, raw=run.stdout, stderr=run.stderr)
        if run.returncode == 1:
            error: Mapping[str, Any] = {}
            if run.stdout.strip():
                error = _error_object(_Answer(False, raw=run.stdout).json())
            return _Answer(False, error=error, stderr=run.stderr)
        raise _Fault("crash", f"exit status {run.returncode}")

    def _session(self, role: str, command: tuple[str, ...]) -> Session:
        with self.lock:
            pool = self.sessions.setdefault(role, queue.LifoQueue())
            try:
                return pool.get_nowait()
            except queue.Empty:
                session = Session(command, self.groups)
                self.all_sessions.append(session)
                return session

    def _ask_persistent(self, role: str, command: tuple[str, ...], request: dict[str, Any]) -> _Answer:
        identifier = str(next(self.ids))
        message = {"id": identifier, **request}
        session = self._session(role, command)
        try:
            exchange = session.exchange(_encoded(message), self.options.timeout)
            if exchange.status == "timeout":
                raise _Fault("timeout", exchange.detail)
            if exchange.status in ("ended", "not-started"):
                raise _Fault("crash", exchange.detail)
            if exchange.status == "oversized":
                raise _Fault("garbage", exchange.detail)
            try:
                response = decode_json(exchange.line, lambda message, *_: ValueError(message), strict=True)
            except ValueError as exc:
                session.discard()
                raise _Fault("garbage", f"the response line is not JSON ({exc}): {_show(exchange.line)}") from None
            try:
                return self._response(response, identifier, session.stderr_tail())
            except _Fault:
                session.discard()
                raise
        finally:
            self.sessions[role].put(session)

    @staticmethod
    def _response(response: Any, identifier: str, stderr: bytes) -> _Answer:
        if not isinstance(response, dict):
            raise _Fault("garbage", "the response is not a JSON object")
        if response.get("id") != identifier:
            raise _Fault("garbage", f"the response's id {response.get('id')!r} is not the request's {identifier!r}")
        status = response.get("status")
        if status == "ok":
            if "result" not in response:
                raise _Fault("garbage", 'an "ok" response without "result"')
            return _Answer(True, value=response["result"], persistent=True, stderr=stderr)
        if status == "rejected":
            return _Answer(False, error=_error_object(response.get("error", {})), persistent=True, stderr=stderr)
        raise _Fault("garbage", f'the response\'s "status" is {status!r}, not "ok" or "rejected"')

    def close(self) -> None:
        """End the persistent programs, then kill every process group of the run still alive."""
        try:
            for session in self.all_sessions:
                session.close()
        finally:
            self.groups.kill_all()

    # ---- one case ----

    def run(self, case: Case) -> Result:
        started = time.monotonic()
        command = self.programs.command(case.program)
        if command is None:
            return Result(case, "skip", f"no --{case.program} given")
        stopped = self.stopped.get(case.program)
        if stopped is not None:
            return Result(
                case, "skip", f"{NOT_RUN}: {stopped}", expected_failure=self.options.expected_failures.get(case.id)
            )
        stderr = b""
        try:
            request = _request(case)
            answer = self.ask(case.program, command, case, request)
            stderr = answer.stderr
            outcome, detail = "pass", ""
            try:
                JUDGES[case.kind](case, answer, self.options)
            except _Skip as skip:
                outcome, detail = "skip", str(skip)
            except _Wrong as wrong:
                outcome, detail = "wrong", str(wrong)
        except _Fault as fault:
            outcome, detail = fault.category, fault.detail
        except Exception as exc:  # a bug of the runner must not stop the run
            outcome, detail = "garbage", f"internal: the runner could not judge the answer: {type(exc).__name__}: {exc}"
        elapsed = time.monotonic() - started
        self._count_timeouts(case.program, outcome)
        reason = self.options.expected_failures.get(case.id)
        if reason is not None:
            if outcome in _JUDGED_FAILURES:
                detail = f"{outcome}: {detail}"
                outcome = "xfail"
            elif outcome == "pass":
                outcome = "xpass"
                detail = "listed as an expected failure, but passes: remove it from the expected-failure file"
        return Result(case, outcome, detail, elapsed, stderr.decode("utf-8", "backslashreplace"), reason)

    def _count_timeouts(self, role: str, outcome: str) -> None:
        limit = self.options.stop_after_timeouts
        if limit <= 0 or outcome == "skip":
            return
        with self.lock:
            count = self.timeouts.get(role, 0) + 1 if outcome == "timeout" else 0
            self.timeouts[role] = count
            if count >= limit and role not in self.stopped:
                self.stopped[role] = (
                    f"the {role} timed out on {count} cases in a row (timeout {self.options.timeout:g} s),"
                    " so its remaining cases were not run"
                )


class _Skip(Exception):
    """The case does not apply to this implementation (e.g. a checker without relations)."""


class _JSONText(str):
    """A request member given as JSON text (a case's ``model_text`` or ``document_text``): written as it is, never
    as a string, so that what only the text holds (a number's spelling, a member twice) reaches the program."""


def _encoded(message: Mapping[str, Any]) -> bytes:
    """*message* as one line of JSON, a :class:`_JSONText` member's text written verbatim (clause 12.5)."""
    members = (
        f"{json.dumps(key)}: {value if type(value) is _JSONText else json_text(value, ensure_ascii=True)}"
        for key, value in message.items()
    )
    return ("{" + ", ".join(members) + "}").encode("utf-8")


def _model_input(model: Any) -> bytes:
    """What an emitter reads on standard input: the document as the case holds it, value or text."""
    if type(model) is _JSONText:
        return model.encode("utf-8")
    return json_text(model, ensure_ascii=True).encode("ascii")


def _request(case: Case) -> dict[str, Any]:
    """The protocol request of *case* (the persistent-mode message without its id)."""
    data = case.data
    if case.program == "parser":
        raw = case.input_bytes()
        request: dict[str, Any] = {
            "request": "parse",
            "attribute": data["attribute"],
            "input_base64": base64.b64encode(raw).decode("ascii"),
        }
        if raw.isascii():
            request["input"] = raw.decode("ascii")
        return request
    if case.program == "emitter":
        for name in ("model_text", "document_text"):
            if name in data:
                return {"request": "emit", "model": _JSONText(data[name])}
        return {"request": "emit", "model": data["model"] if case.kind == "emit" else data["document"]}
    if case.kind == "check":
        return {"request": "check", **{k: data[k] for k in ("source", "target", "target_self")}}
    return {"request": "relate", **{k: data.get(k) for k in ("first", "second", "first_self", "second_self")}}


# ---- judging ----


def _model_text(model: MigrationVersion | CompatibleDevices) -> str:
    return emit(model).rstrip("\n").replace("\n", "\\n")


def _judge_parse_valid(case: Case, answer: _Answer, options: Options) -> None:
    if not answer.accepted:
        code = answer.error.get("code")
        raise _Wrong("rejected a valid attribute" + (f" with {code}" if code else ""))
    document = answer.json()
    try:
        got = from_json(document)
    except MigcompatError as exc:
        raise _Wrong(f"the answer is not a valid data model: {exc}") from None
    expected = from_json(case.expect["model"])
    if got != expected:
        raise _Wrong(f"another data model: got {_model_text(got)!r}, expected {_model_text(expected)!r}")


def _judge_parse_invalid(case: Case, answer: _Answer, options: Options) -> None:
    expect = case.expect
    answers = [expect, *expect.get("alternatives", ())]
    if answer.accepted:
        answer.json()  # an answer that is not even JSON is garbage rather than an acceptance
        raise _Wrong(f"accepted an invalid attribute (expected rejection with {_codes(answers)})")
    _compare_error(answer.error, answers, options)


def _codes(answers: Sequence[Mapping[str, Any]]) -> str:
    return " or ".join(answer["code"] for answer in answers)


def _compare_error(error: Mapping[str, Any], answers: Sequence[Mapping[str, Any]], options: Options) -> None:
    """Whether *error* is one of the expected *answers*: its code, and its position where both give one."""
    code = error.get("code")
    if code is None:
        if options.require_codes:
            raise _Wrong(f"rejected without an error code (expected {_codes(answers)})")
        return
    expect = next((answer for answer in answers if answer["code"] == code), None)
    if expect is None:
        raise _Wrong(f"rejected with {code}, expected {_codes(answers)}")
    if "line" in expect and "line" in error and "column" in error:
        got, want = (error["line"], error["column"]), (expect["line"], expect["column"])
        if got != want:
            raise _Wrong(f"{code} at line {got[0]}, column {got[1]}; expected line {want[0]}, column {want[1]}")


def _judge_emit(case: Case, answer: _Answer, options: Options) -> None:
    if not answer.accepted:
        code = answer.error.get("code")
        raise _Wrong("rejected a valid data model" + (f" with {code}" if code else ""))
    got = answer.text()
    want = case.expect["text"].encode("utf-8")
    if got != want:
        raise _Wrong(f"wrote {_show(got)}, expected {_show(want)}")


def _judge_emit_invalid(case: Case, answer: _Answer, options: Options) -> None:
    if answer.accepted:
        raise _Wrong("accepted a document that is not a valid data model (expected invalid-model)")
    _compare_error(answer.error, [case.expect], options)


MIN_EXPLAINED_RULES: Final = 3
"""A verdict that leaves nearest rules out explains at least this many (8.8)."""
MAX_LISTED_REASONS: Final = 16
"""A verdict leaves a rule's reasons out only past this many (8.8)."""


def _judge_check(case: Case, answer: _Answer, options: Options) -> None:
    if not answer.accepted:
        raise _Wrong("rejected a check request (a comparator answers unknown when it cannot decide)")
    response = answer.json()
    if not isinstance(response, dict) or response.get("verdict") not in VERDICTS:
        raise _Fault("garbage", 'the check response is not an object with a "verdict" of the protocol')
    grade = response.get("grade")
    if grade is not None and grade not in GRADES:
        raise _Fault("garbage", f'the check response\'s "grade" is {grade!r}')
    reasons = response.get("reasons", [])
    if not isinstance(reasons, list) or not all(
        isinstance(r, dict) and isinstance(r.get("code"), str) for r in reasons
    ):
        raise _Fault("garbage", 'the check response\'s "reasons" is not a list of objects with a "code"')
    choice = response.get("choice")
    if choice is not None and not (isinstance(choice, dict) and all(isinstance(v, str) for v in choice.values())):
        raise _Fault("garbage", 'the check response\'s "choice" is not an object of value texts')
    expect = case.expect
    if response["verdict"] != expect["verdict"]:
        codes = ", ".join(r["code"] for r in reasons)
        raise _Wrong(
            f"verdict {response['verdict']}, expected {expect['verdict']}" + (f" (reasons: {codes})" if codes else "")
        )
    if "grade" in expect and grade is not None and grade != expect["grade"]:
        raise _Wrong(f"grade {grade}, expected {expect['grade']}")
    if expect.get("reasons") and reasons:
        _compare_reasons({r["code"] for r in reasons}, set(expect["reasons"]), _left_out(response, len(reasons)))
    elif required := sorted(REQUIRED_CODES.intersection(expect.get("reasons", ()))):
        raise _Wrong(f"no reasons; this verdict MUST carry the reason {', '.join(required)} (8.8-NR4, 8.8-NR5)")
    for code, wanted in expect.get("reason_counts", {}).items():
        given = sum(1 for reason in reasons if reason["code"] == code)
        if given != wanted:
            raise _Wrong(
                f"{given} reasons {code}; this verdict MUST carry {wanted} (8.8-NR4, 8.8-NR5: one for each attribute)"
            )
    if "choices" in expect and expect["verdict"] == "compatible":
        _compare_choice(choice, expect)


def _count(value: Any, what: str) -> int:
    if value is None:
        return 0
    if type(value) is not int or value < 0:
        raise _Fault("garbage", f"the check response's {what} is not a non-negative integer")
    return value


def _left_out(response: Mapping[str, Any], listed: int) -> int:
    """How many nearest rules and reasons the verdict says it left out (8.8, 12.5); *listed* reasons it gave.

    ``also_near`` counts nearest rules not explained, and ``more_reasons``,
    per object of the list ``nearest`` or on the response itself, the
    reasons a rule did not list. Such a member that is present but not a
    count is garbage; other entries of ``nearest`` (rule numbers) are ignored.
    A truncation 8.8 does not allow is wrong: nearest rules left out while
    fewer than three are listed in ``nearest``, reasons left out while fewer
    than 16 are listed (by that rule, or in all for a count on the response).
    """
    also_near = _count(response.get("also_near"), '"also_near"')
    more = _count(response.get("more_reasons"), '"more_reasons"')
    if more and listed < MAX_LISTED_REASONS:
        raise _Wrong(f"{more} reasons left out after only {listed} (8.8 allows leaving out only past 16)")
    nearest = response.get("nearest")
    if also_near and not (isinstance(nearest, list) and len(nearest) >= MIN_EXPLAINED_RULES):
        shown = len(nearest) if isinstance(nearest, list) else 0
        raise _Wrong(f"{also_near} nearest rules left out after {shown} explained (8.8 requires at least three)")
    if isinstance(nearest, list):  # the protocol leaves its shape open: rule objects, or rule numbers (C adapter)
        for rule in nearest:
            if not isinstance(rule, dict):
                continue
            count = _count(rule.get("more_reasons"), '"nearest[].more_reasons"')
            given = rule.get("reasons")
            if count and isinstance(given, list) and len(given) < MAX_LISTED_REASONS:
                raise _Wrong(f"a nearest rule left {count} reasons out after only {len(given)} (8.8: past 16)")
            more += count
    return also_near + more


def _compare_reasons(got: set[str], want: set[str], left_out: int) -> None:
    """Judge the reported reason codes *got* against the case's *want* (12.5).

    When the verdict left nothing out, the two sets are equal. When it left
    out nearest rules or reasons (*left_out* > 0), the codes it did report
    are a subset of *want*: a comparator may explain only the first nearest
    rules and at most 16 reasons per rule, but what it reports is true. The
    reasons a verdict MUST carry (8.8-NR4, NR5) are never left out.
    """
    required = sorted((REQUIRED_CODES & want) - got)
    if required:
        raise _Wrong(f"no reason {', '.join(required)}; this verdict MUST carry it (8.8-NR4, 8.8-NR5)")
    if left_out:
        extra = sorted(got - want)
        if extra:
            raise _Wrong(
                f"reason codes {', '.join(extra)} not expected (expected {', '.join(sorted(want))};"
                f" the verdict left {left_out} nearest rules or reasons out)"
            )
    elif got != want:
        raise _Wrong(f"reason codes {', '.join(sorted(got))}; expected {', '.join(sorted(want))}")


def _compare_choice(choice: Mapping[str, str] | None, expect: Mapping[str, Any]) -> None:
    parameters: Mapping[str, list[str]] = expect["parameters"]
    if choice is None:
        raise _Wrong("a compatible verdict for a device type without a choice of parameter values (C3)")
    missing = [name for name in parameters if name not in choice]
    if missing:
        raise _Wrong(f"the choice names no value for {', '.join(missing)}")
    extra = sorted(name for name in choice if name not in parameters)
    if extra:
        raise _Wrong(f"the choice names {', '.join(extra)}, which the type declares no param line for")
    undeclared = [f"{name}={choice[name]}" for name in parameters if choice[name] not in parameters[name]]
    if undeclared:
        raise _Wrong(f"the choice gives undeclared values {', '.join(undeclared)}")
    if not any(all(choice.get(k) == v for k, v in option.items()) for option in expect["choices"]):
        shown = " ".join(f"{k}={v}" for k, v in sorted(choice.items()))
        wanted = " or ".join(" ".join(f"{k}={v}" for k, v in sorted(option.items())) for option in expect["choices"])
        raise _Wrong(f"under the choice {shown} no rule matches, or it is not the one 8.5 decides (expected {wanted})")


def _judge_relate(case: Case, answer: _Answer, options: Options) -> None:
    if not answer.accepted:
        raise _Skip("the checker does not compute relations (it rejected the relate request)")
    response = answer.json()
    if not isinstance(response, dict) or response.get("relation") not in RELATIONS:
        raise _Fault("garbage", 'the relate response is not an object with a "relation" of the protocol')
    witnesses = {name: response.get(name) for name in ("only_first", "only_second", "both")}
    if not all(w is None or isinstance(w, str) for w in witnesses.values()):
        raise _Fault("garbage", "a witness is neither a string nor null")
    if response["relation"] != case.expect["relation"]:
        raise _Wrong(f"relation {response['relation']}, expected {case.expect['relation']}")
    _check_witnesses(case, witnesses)


def _own_version(text: str | None) -> MigrationVersion | None:
    """A relate case's own migration_version: None when missing or invalid, which counts as missing (8.4-SF4)."""
    if not text:
        return None
    try:
        return parse_version(text)
    except MigcompatError:
        return None


def _check_witnesses(case: Case, witnesses: Mapping[str, str | None]) -> None:
    data = case.data
    first = parse_compatible(data["first"])
    second = parse_compatible(data["second"])
    first_self = _own_version(data.get("first_self"))
    second_self = _own_version(data.get("second_self"))
    claims = {"only_first": (True, False), "only_second": (False, True), "both": (True, True)}
    for name, text in witnesses.items():
        if text is None:
            continue
        try:
            source = parse_version(text)
        except MigcompatError as exc:
            raise _Wrong(f"the witness {name} is not a valid migration_version: {exc}") from None
        in_first = accepts(source, first, first_self) is Verdict.COMPATIBLE
        in_second = accepts(source, second, second_self) is Verdict.COMPATIBLE
        if (in_first, in_second) != claims[name]:
            raise _Wrong(f"the witness {name} ({text.strip()!r}) is accepted by first: {in_first}, second: {in_second}")


JUDGES: Final[Mapping[str, Callable[[Case, _Answer, Options], None]]] = {
    "parse-valid": _judge_parse_valid,
    "parse-invalid": _judge_parse_invalid,
    "emit": _judge_emit,
    "emit-invalid": _judge_emit_invalid,
    "check": _judge_check,
    "relate": _judge_relate,
}


def run_cases(
    cases: Sequence[Case],
    programs: Programs,
    options: Options,
    progress: Callable[[Result], None] | None = None,
) -> list[Result]:
    """Run *cases* through *programs*; the results come in the order of *cases*.

    Every program started for the run has its process group killed when the
    run ends, however it ends: when an exception (KeyboardInterrupt
    included) stops it, every program still running is killed at once, the
    cases not begun are not run, and the exception goes on.
    """
    runner = _Runner(programs, options)

    def one(case: Case) -> Result:
        result = runner.run(case)
        if progress is not None:
            progress(result)
        return result

    try:
        if options.parallel <= 1:
            return [one(case) for case in cases]
        pool = ThreadPoolExecutor(max_workers=options.parallel)
        try:
            return list(pool.map(one, cases))
        except BaseException:
            runner.groups.kill_all()  # before waiting for the workers: their programs end now
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    except BaseException:
        runner.groups.kill_all()
        raise
    finally:
        runner.close()
