"""Reading a verdict back from its JSON form (:meth:`~migcompat.verdict.Verdict.from_json`).

The reader holds a document to what :meth:`~migcompat.verdict.Verdict.to_json`
writes and ``spec/schema/verdict.schema.json`` describes, and to the
invariants every verdict of the comparator keeps (a compatible verdict has a
grade and a rule and no reasons; another has reasons, those of its nearest
rules when it names any; each rule outcome's state agrees with its reasons).
Its first fault raises :class:`~migcompat.errors.VerdictError` with a JSON Pointer to it. The
cost is linear in the document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Final, TypeVar

from ._jsondoc import describe, integer_value, pointer_token
from .errors import VerdictError
from .model import Value
from .terminals import KEY
from .verdict import REASON_CODES, UNDECIDED_CODES, Answer, Grade, Reason, RuleOutcome, Verdict

__all__ = ["verdict_from_json"]

_KEY: Final = re.compile(f"{KEY}\\Z")
_ALLOWED: Final = re.compile(r"(?:=|<=|>=)[^\n]+\Z")
_MEMBERS: Final = ("verdict", "grade", "matched_rule", "nearest", "reasons", "also_near", "choice")
_OUTCOMES: Final = ("matched", "undecided", "failed")
_Word = TypeVar("_Word", Answer, Grade)


def verdict_from_json(data: object) -> Verdict:
    """The :class:`~migcompat.verdict.Verdict` that the decoded JSON document *data* describes; see the module."""
    if isinstance(data, (str, bytes, bytearray)):
        raise VerdictError(f"expected an object, found {describe(data)}: decode the JSON text first (json.loads)")
    document = _object(data, "")
    for name in _MEMBERS:
        if name not in document:
            raise VerdictError(f"the member {name!r} is missing", where="")
    answer = _enum(Answer, document["verdict"], "/verdict")
    grade = None if document["grade"] is None else _enum(Grade, document["grade"], "/grade")
    matched = None if document["matched_rule"] is None else _count(document["matched_rule"], "/matched_rule")
    nearest = tuple(_outcome(item, f"/nearest/{index}") for index, item in _array(document["nearest"], "/nearest"))
    reasons = tuple(_reason(item, f"/reasons/{index}") for index, item in _array(document["reasons"], "/reasons"))
    also_near = _count(document["also_near"], "/also_near")
    choice = None if document["choice"] is None else _choice(document["choice"], "/choice")
    if answer is Answer.COMPATIBLE:
        for name, fault in (
            ("grade", grade is None),
            ("matched_rule", matched is None),
            ("nearest", bool(nearest)),
            ("reasons", bool(reasons)),
            ("also_near", also_near != 0),
        ):
            if fault:
                raise VerdictError(f"a compatible verdict has {_what_compatible(name)}", where=f"/{name}")
    else:
        if grade is not None or matched is not None:
            name = "grade" if grade is not None else "matched_rule"
            raise VerdictError(f"a verdict that is not compatible has {name} null", where=f"/{name}")
        if not reasons:
            raise VerdictError("a verdict that is not compatible gives at least one reason", where="/reasons")
        _check_states(answer, nearest, reasons)
    return Verdict(answer, grade, matched, nearest, reasons, also_near, choice)


def _what_compatible(name: str) -> str:
    return {
        "grade": "a grade",
        "matched_rule": "the index of the rule that matched",
        "nearest": "no nearest rules",
        "reasons": "no reasons",
        "also_near": "also_near 0",
    }[name]


def _check_states(answer: Answer, nearest: tuple[RuleOutcome, ...], reasons: tuple[Reason, ...]) -> None:
    """Raise unless the outcomes' states fit *answer*, and *reasons* are the nearest rules' (when they are named)."""
    wanted = "undecided" if answer is Answer.UNKNOWN else "failed"
    for index, outcome in enumerate(nearest):
        state = outcome.state
        if state != wanted:
            raise VerdictError(
                f"the nearest rules of an {answer.value} verdict have the outcome {wanted!r}; this one's reasons make"
                f" it {state!r}",
                where=f"/nearest/{index}",
            )
    if nearest:
        flat = tuple(reason for outcome in nearest for reason in outcome.reasons)
        if reasons != flat:
            raise VerdictError("reasons must be the reasons of the nearest rules, in order", where="/reasons")
    elif answer is Answer.UNKNOWN and not all(reason.undecided for reason in reasons):
        at = next(index for index, reason in enumerate(reasons) if not reason.undecided)
        raise VerdictError(
            f"an unknown verdict's reasons are undecided ones ({', '.join(sorted(UNDECIDED_CODES))})",
            where=f"/reasons/{at}/code",
        )
    elif answer is Answer.INCOMPATIBLE and all(reason.undecided for reason in reasons):
        raise VerdictError("an incompatible verdict gives at least one reason that is not undecided", where="/reasons")


def _outcome(data: object, path: str) -> RuleOutcome:
    members = _object(data, path)
    _require(members, path, ("rule", "outcome", "reasons", "more_reasons"))
    index = _count(members["rule"], f"{path}/rule")
    reasons = tuple(
        _reason(item, f"{path}/reasons/{number}") for number, item in _array(members["reasons"], f"{path}/reasons")
    )
    outcome = RuleOutcome(index, reasons, _count(members["more_reasons"], f"{path}/more_reasons"))
    state = members["outcome"]
    if state not in _OUTCOMES:
        raise VerdictError(f"expected one of {', '.join(_OUTCOMES)}, found {describe(state)}", where=f"{path}/outcome")
    if state != outcome.state:
        raise VerdictError(
            f"the outcome is {state!r}, but its reasons make it {outcome.state!r}", where=f"{path}/outcome"
        )
    return outcome


def _reason(data: object, path: str) -> Reason:
    members = _object(data, path)
    _require(members, path, ("code", "field", "message", "source", "allowed"))
    code = members["code"]
    if not isinstance(code, str) or code not in REASON_CODES:
        raise VerdictError(f"expected a reason code, found {describe(code)}", where=f"{path}/code")
    field = members["field"]
    if field is not None and not (isinstance(field, str) and _KEY.match(field) and len(field) <= 63):
        raise VerdictError(f"expected a field key or null, found {describe(field)}", where=f"{path}/field")
    message = members["message"]
    if not isinstance(message, str) or not message:
        raise VerdictError(f"expected a sentence, found {describe(message)}", where=f"{path}/message")
    source = members["source"]
    if source is not None and not isinstance(source, str):
        raise VerdictError(f"expected value text or null, found {describe(source)}", where=f"{path}/source")
    allowed = members["allowed"]
    if allowed is not None and not (isinstance(allowed, str) and _ALLOWED.match(allowed)):
        raise VerdictError(
            f"expected constraint text (=..., <=..., >=...) or null, found {describe(allowed)}", where=f"{path}/allowed"
        )
    return Reason(code, field, message, source, allowed)


def _choice(data: object, path: str) -> dict[str, Value]:
    from .errors import ParseError
    from .parse import parse_version

    chosen: dict[str, Value] = {}
    for name, text in _object(data, path).items():
        at = f"{path}/{pointer_token(name)}"
        if not _KEY.match(name) or len(name) > 63:
            raise VerdictError(f"expected a parameter name, found {describe(name)}", where=at)
        if not isinstance(text, str):
            raise VerdictError(f"expected canonical value text, found {describe(text)}", where=at)
        try:
            parsed = parse_version(f"mc1 {name}={text}\n") if "\n" not in text and " " not in text else None
        except ParseError as error:
            raise VerdictError(f"{describe(text)} is not a value: {error.message}", where=at) from None
        if parsed is None:
            raise VerdictError(f"{describe(text)} is not a value: it holds a space or a line break", where=at)
        chosen[name] = parsed.fields[name].value
    return chosen


def _object(data: object, path: str) -> Mapping[str, object]:
    if not isinstance(data, Mapping) or not all(isinstance(name, str) for name in data):
        raise VerdictError(f"expected an object, found {describe(data)}", where=path)
    return data


def _require(members: Mapping[str, object], path: str, names: tuple[str, ...]) -> None:
    for name in names:
        if name not in members:
            raise VerdictError(f"the member {name!r} is missing", where=path)
    for name in members:
        if name not in names:
            raise VerdictError(f"unexpected member {name!r}", where=f"{path}/{pointer_token(name)}")


def _array(data: object, path: str) -> Iterator[tuple[int, object]]:
    if not isinstance(data, (list, tuple)):
        raise VerdictError(f"expected an array, found {describe(data)}", where=path)
    return enumerate(data)


def _count(data: object, path: str) -> int:
    count = integer_value(data)  # the number rule: 1.0 is 1, true is not
    if count is None or count < 0:
        raise VerdictError(f"expected a non-negative integer, found {describe(data)}", where=path)
    return count


def _enum(kind: type[_Word], data: object, path: str) -> _Word:
    words = [member.value for member in kind]
    if not isinstance(data, str) or data not in words:
        raise VerdictError(f"expected one of {', '.join(words)}, found {describe(data)}", where=path)
    return kind(data)
