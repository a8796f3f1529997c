"""What the comparator answers: verdicts, per-rule outcomes and reasons (clause 8).

A :class:`Verdict` says whether a target accepts a source, which rule matched,
and, when none did, why: for the nearest rules, each failing constraint with a
stable reason code, the field, the source's value, what the rule allowed, and
a sentence an operator can read.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from .model import FrozenMap

if TYPE_CHECKING:
    from .model import Value

__all__ = [
    "MISSING_RULES",
    "MISSING_SOURCE",
    "NO_RULES",
    "REASON_CODES",
    "REQUIRED_CODES",
    "SOURCE_IS_TEMPLATE",
    "UNDECIDED_CODES",
    "Answer",
    "Grade",
    "Reason",
    "RuleOutcome",
    "Verdict",
    "missing_verdict",
]


class Answer(str, enum.Enum):
    """The fixed vocabulary of verdicts.

    An answer has no truth value: ``if accepts(source, rules):`` would pass
    every target, since all three members are non-empty strings, so
    ``bool()`` of an answer raises :class:`TypeError`. Compare with
    ``is Answer.COMPATIBLE``, or use :attr:`Verdict.compatible`.
    """

    COMPATIBLE = "compatible"
    """A rule of the target accepts the source: the migration is predicted to succeed."""
    INCOMPATIBLE = "incompatible"
    """No rule accepts the source: the target would refuse its migration stream."""
    UNKNOWN = "unknown"
    """Data is missing, or a version or field is not understood: never counted as compatible."""

    def __bool__(self) -> bool:
        raise TypeError(
            f"the truth value of Answer.{self.name} is ambiguous: compare with `is Answer.COMPATIBLE`"
            " (unknown is never compatible)"
        )

    def __str__(self) -> str:
        """The answer's word, ``compatible``, as a log line wants it (``repr()`` names the member)."""
        return self.value


class Grade(str, enum.Enum):
    """How a compatible source relates to the target's own description."""

    IDENTICAL = "identical"
    """The source and the target's own description describe the same configuration (clause 8.2, 8.8-GR1).

    Their fields are equal once each critical field with its key's registry
    default is set aside (:func:`~migcompat.semantics.rules.same_configuration`).
    """
    ACCEPTED = "accepted"
    """The target accepts the source by rule, without being identical to it."""

    def __str__(self) -> str:
        """The grade's word, ``identical`` or ``accepted``."""
        return self.value


REASON_CODES: Final[dict[str, str]] = {
    "not-equal": "the source value is none of the accepted values (clause 8.1, equals)",
    "below-range": "the source value is below every accepted range (clause 8.1, ranges)",
    "above-range": "the source value is above every accepted range (clause 8.1, ranges)",
    "outside-ranges": "the source value lies between accepted ranges (clause 8.1, ranges)",
    "not-subset": "the source's set has members the target does not accept (clause 8.1, subset)",
    "not-superset": "the source's set lacks members the target requires (clause 8.1, superset)",
    "type-mismatch": "the source value's type does not fit the constraint (clause 8.1)",
    "unconstrained-critical": "the source has a critical field the rule does not constrain (clause 8.2)",
    "missing-field": "the source lacks a constrained field that has no default (clause 8.3): undecided",
    "missing-self": "the rule refers to the target's own value ($), which is not known (clause 8.4): undecided",
    "no-rules": "the target accepts no source at all: its rule list is empty (clause 8.5)",
    "source-is-template": "the source is a device type, not a device instance (clause 8.5): undecided",
    "unsupported-version": (
        "an attribute uses a format version this comparator does not implement (clause 9): undecided"
    ),
    "missing-attribute": (
        "the source's migration_version or the target's migration_compatible_devices is missing or invalid"
        " (clause 8.5): undecided"
    ),
}
"""Every stable reason code, with its meaning."""

UNDECIDED_CODES: Final = frozenset(
    {"missing-field", "missing-self", "source-is-template", "unsupported-version", "missing-attribute"}
)
"""The reason codes of an unknown verdict: those that leave a rule undecided rather than failed (``missing-field``,
``missing-self``), and those of a question the data cannot decide as a whole, which concern no rule
(``source-is-template``, ``unsupported-version``, ``missing-attribute``: rows 8.8-RC12 to RC14)."""

REQUIRED_CODES: Final = frozenset({"unsupported-version", "missing-attribute"})
"""The reason codes a comparator MUST report with their verdicts (rows 8.8-NR4 for 8.5-VD1, and 8.8-NR5),
although explaining other verdicts is only recommended (clause 8.8, C5)."""


@dataclass(frozen=True, init=False)
class Reason:
    """One failing (or undecidable) constraint of one rule."""

    code: str
    field: str | None
    message: str
    source: str | None = None
    """The source's value as canonical text (None when the source lacks the field)."""
    allowed: str | None = None
    """What the rule allowed, as constraint text (``=1.0..1.4``, ``<={a,b}``)."""

    def __init__(
        self, code: str, field: str | None, message: str, source: str | None = None, allowed: str | None = None
    ) -> None:
        # Explanations are built by the thousand: writing the fields directly halves a frozen dataclass's cost.
        slots = self.__dict__
        slots["code"] = code
        slots["field"] = field
        slots["message"] = message
        slots["source"] = source
        slots["allowed"] = allowed

    @property
    def undecided(self) -> bool:
        """True when the reason makes the rule undecided rather than failed."""
        return self.code in UNDECIDED_CODES

    def to_json(self) -> dict[str, object]:
        """The reason as a JSON-ready dict (``$defs/reason`` of verdict.schema.json)."""
        return {
            "code": self.code,
            "field": self.field,
            "message": self.message,
            "source": self.source,
            "allowed": self.allowed,
        }


@dataclass(frozen=True, init=False)
class RuleOutcome:
    """How one ``accept`` rule (0-based *index*) fared against the source."""

    index: int
    reasons: tuple[Reason, ...] = ()
    more_reasons: int = 0
    """How many more failing or undecided constraints the rule has than *reasons* lists.

    A rule can fail on hundreds of constraints; an explanation lists a bounded
    number of them (a failing one first among them when the rule failed), so
    that its size stays a small multiple of its input.
    """

    def __init__(self, index: int, reasons: tuple[Reason, ...] = (), more_reasons: int = 0) -> None:
        slots = self.__dict__
        slots["index"] = index
        slots["reasons"] = reasons
        slots["more_reasons"] = more_reasons

    @property
    def matched(self) -> bool:
        """True when every constraint held: the rule accepts the source."""
        return not self.reasons

    @property
    def undecided(self) -> bool:
        """No constraint failed outright, but at least one could not be decided."""
        return bool(self.reasons) and all(reason.undecided for reason in self.reasons)

    @property
    def state(self) -> str:
        """``matched``, ``undecided`` or ``failed``, as its reasons make it (the JSON form's ``outcome``)."""
        return "matched" if self.matched else "undecided" if self.undecided else "failed"

    def to_json(self) -> dict[str, object]:
        """The outcome as a JSON-ready dict: the rule index, matched/undecided/failed, and its reasons."""
        return {
            "rule": self.index,
            "outcome": self.state,
            "reasons": [r.to_json() for r in self.reasons],
            "more_reasons": self.more_reasons,
        }


@dataclass(frozen=True, init=False)
class Verdict:
    """The answer to "does this target accept this source?".

    *matched* is the index of the first rule that accepted the source. For an
    incompatible or unknown verdict, *nearest* holds the outcomes of the rules
    that came closest (fewest failing constraints), and *reasons* are theirs.
    """

    answer: Answer
    grade: Grade | None = None
    matched: int | None = None
    nearest: tuple[RuleOutcome, ...] = ()
    reasons: tuple[Reason, ...] = ()
    also_near: int = 0
    """How many more rules were exactly as near as those in *nearest* but are not explained."""
    choice: Mapping[str, Value] | None = None
    """Against a device type: a declared value for each creation parameter (clause 8.5).

    For a compatible verdict, a device created with this choice is predicted to
    accept the source; otherwise the nearest rules are explained for the device
    this choice creates. None against a device instance. Any mapping given is
    kept as a read-only :class:`~migcompat.model.FrozenMap`, so a verdict that
    is shared (the fleet index caches them) cannot be changed by one holder.
    """

    def __init__(
        self,
        answer: Answer,
        grade: Grade | None = None,
        matched: int | None = None,
        nearest: tuple[RuleOutcome, ...] = (),
        reasons: tuple[Reason, ...] = (),
        also_near: int = 0,
        choice: Mapping[str, Value] | None = None,
    ) -> None:
        slots = self.__dict__
        slots["answer"] = answer
        slots["grade"] = grade
        slots["matched"] = matched
        slots["nearest"] = nearest
        slots["reasons"] = reasons
        slots["also_near"] = also_near
        slots["choice"] = choice if choice is None or type(choice) is FrozenMap else FrozenMap(choice)

    @property
    def compatible(self) -> bool:
        """True for a compatible verdict (an unknown one is never compatible)."""
        return self.answer is Answer.COMPATIBLE

    def __bool__(self) -> bool:
        # Every verdict is an object, so `if check(...):` would pass every target: refused, as for an Answer.
        raise TypeError(
            "the truth value of a Verdict is ambiguous: test `verdict.compatible` or"
            " `verdict.answer is Answer.COMPATIBLE` (unknown is never compatible)"
        )

    def summary(self) -> str:
        """One line for an operator.

        An unknown verdict for a missing or invalid attribute (reason
        ``missing-attribute``, row 8.5-VD2) names every such attribute.
        """
        if self.answer is Answer.COMPATIBLE:
            grade = f" ({self.grade.value})" if self.grade else ""
            return f"compatible{grade}: accepted by rule {self.matched}{self._choice_text()}"
        if self.answer is Answer.UNKNOWN:
            # A missing or invalid attribute (8.5-VD2): name each one, so the operator knows what to fix.
            missing = [reason.message for reason in self.reasons if reason.code == "missing-attribute"]
            if missing:
                return f"unknown: {'; '.join(missing)}"
            first = self.reasons[0].message if self.reasons else "the answer cannot be decided"
            return f"unknown: {first}"
        if not self.nearest and len(self.reasons) == 1:
            return f"incompatible: {self.reasons[0].message}"
        rules = ", ".join(str(outcome.index) for outcome in self.nearest)
        more = f" and {self.also_near} more as near" if self.also_near else ""
        return f"incompatible: no rule accepts the source (nearest: rule {rules}{more}{self._choice_text()})"

    def _choice_text(self) -> str:
        if self.choice is None:
            return ""
        from .emit import value_text

        chosen = " ".join(f"{name}={value_text(value)}" for name, value in self.choice.items())
        return f", with the creation parameters {chosen}" if chosen else ""

    def explain(self) -> str:
        """A multi-line explanation: the summary, then each reason of the nearest rules."""
        if self.answer is Answer.COMPATIBLE:
            return self.summary()
        if not self.nearest:
            why = "the answer cannot be decided" if self.answer is Answer.UNKNOWN else "no rule accepts the source"
            lines = [f"{self.answer.value}: {why}"]
            lines.extend(f"  - [{reason.code}] {reason.message}" for reason in self.reasons)
            return "\n".join(lines)
        lines = [self.summary()]
        for outcome in self.nearest:
            lines.append(f"  rule {outcome.index}:")
            lines.extend(f"    - [{reason.code}] {reason.message}" for reason in outcome.reasons)
            if outcome.more_reasons:
                lines.append(f"    - and {outcome.more_reasons} more")
        return "\n".join(lines)

    @classmethod
    def from_json(cls, data: object) -> Verdict:
        """The verdict that the decoded JSON document *data* describes: :meth:`to_json`'s inverse.

        *data* is what :func:`json.loads` returns for a verdict (or for the
        whole output of ``migcompat check --format json``: members other than
        a verdict's are not read). ``Verdict.from_json(v.to_json()) == v``
        holds for every verdict *v*. A document that is not one a verdict
        writes (a member missing or of the wrong type, an unknown reason code,
        a compatible verdict with reasons, a rule outcome whose state its
        reasons contradict) raises :class:`~migcompat.errors.VerdictError`
        (code ``verdict-invalid``) with a JSON Pointer to the fault as its
        *where*. Time is linear in the document.
        """
        from ._verdict_json import verdict_from_json

        return verdict_from_json(data)

    def to_json(self) -> dict[str, object]:
        """The verdict as a JSON-ready dict (schema: ``spec/schema/verdict.schema.json``)."""
        return {
            "verdict": self.answer.value,
            "grade": None if self.grade is None else self.grade.value,
            "matched_rule": self.matched,
            "nearest": [outcome.to_json() for outcome in self.nearest],
            "reasons": [reason.to_json() for reason in self.reasons],
            "also_near": self.also_near,
            "choice": None if self.choice is None else _choice_json(self.choice),
        }


def _choice_json(choice: Mapping[str, Value]) -> dict[str, str]:
    from .emit import value_text

    return {name: value_text(value) for name, value in choice.items()}


SOURCE_IS_TEMPLATE: Final = Reason(
    "source-is-template", None, "the source is a device type (it has param lines); compare a device instance"
)
"""The reason of row 8.5-VD3: the source is a device type, so the verdict is unknown."""
MISSING_SOURCE: Final = Reason("missing-attribute", None, "the source's migration_version is missing or invalid")
"""The reason of row 8.5-VD2 (8.8-RC14) for a missing, unreadable or invalid source ``migration_version``."""
MISSING_RULES: Final = Reason(
    "missing-attribute", None, "the target's migration_compatible_devices is missing or invalid"
)
"""The reason of row 8.5-VD2 (8.8-RC14) for a missing, unreadable or invalid target rule set."""
NO_RULES: Final = Reason("no-rules", None, "the target's migration_compatible_devices has no accept rule")
"""The reason of a rule set without an ``accept`` line: it accepts no source (clause 8.5)."""
_MISSING: Final = {
    (True, False): Verdict(Answer.UNKNOWN, reasons=(MISSING_SOURCE,)),
    (False, True): Verdict(Answer.UNKNOWN, reasons=(MISSING_RULES,)),
    (True, True): Verdict(Answer.UNKNOWN, reasons=(MISSING_SOURCE, MISSING_RULES)),
}


def missing_verdict(source_missing: bool, rules_missing: bool) -> Verdict:
    """The verdict of row 8.5-VD2 when the source, the rules or both are missing: one reason per missing attribute,
    the source's first. At least one of them must be missing."""
    return _MISSING[source_missing, rules_missing]
