"""Creation planning (R3, clause 8.6): which device created from a type would accept a source?

A device type publishes a template ``migration_version`` (fixed fields and
``param`` lines) and the ``migration_compatible_devices`` its devices would
have. For a source device, :func:`plan` says, for each creation parameter,
which of its declared values work, and recommends one choice: the first
accepting choice in the order of clause 8.6, or the choice whose device is
identical to the source when that one accepts it: the one
:func:`~migcompat.compare.check` reports.

Parameters are decided one at a time (:mod:`migcompat.semantics.templates`):
the plan never lists the product of the parameters' values. When the values
that work for one parameter depend on the value of another (two rules, each
accepting a different pairing), ``Plan.combinations`` says which values go
together: the accepting choices are exactly those of one of its entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from ._arguments import require
from .compare import MISSING_RULES, MISSING_SOURCE, check
from .emit import value_text
from .errors import ChoiceError
from .model import CompatibleDevices, FrozenMap, MigrationVersion, Value
from .semantics.templates import decide_type, device_for, parameters_of
from .verdict import Answer, Reason, Verdict

__all__ = ["MISSING_TEMPLATE", "Combination", "ParameterPlan", "Plan", "device_from", "plan"]

MISSING_TEMPLATE: Final = Reason("missing-attribute", None, "the type's migration_version is missing or invalid")
"""The reason of row 8.5-VD2 (8.8-RC14) for a missing, unreadable or invalid template of the type."""


def device_from(template: MigrationVersion, choice: Mapping[str, Value | str]) -> MigrationVersion:
    """D(c): the ``migration_version`` of the device *template* creates with *choice* (clause 5.5).

    *choice* gives every parameter of the template one of its declared
    values, either as a model value (``{"aggregate": 4}``, as
    :attr:`Verdict.choice <migcompat.verdict.Verdict.choice>` holds it) or as
    its canonical text (``{"aggregate": "4"}``, as the JSON output writes it).
    Raises :class:`~migcompat.errors.ChoiceError` (``choice-invalid``) for a
    parameter the template does not declare, a value it does not declare for
    that parameter, or a parameter left out: the device such a choice
    describes cannot be created. Linear in the template's size.
    """
    require("template", template, MigrationVersion)
    if not isinstance(choice, Mapping):
        raise TypeError(f"choice must be a mapping of parameter names to values, not {type(choice).__name__}")
    declared = {parameter.name: parameter.values for parameter in parameters_of(template)}
    resolved: dict[str, Value] = {}
    for name, given in choice.items():
        values = declared.get(name)
        if values is None:
            known = ", ".join(declared) or "none"
            raise ChoiceError(
                f"the template has no parameter {_shown(name)} (its parameters: {known})", parameter=str(name)[:64]
            )
        found = next((value for value in values if value == given and type(value) is type(given)), None)
        if found is None and isinstance(given, str):
            found = next((value for value in values if value_text(value) == given), None)
        if found is None:
            listed = "|".join(map(value_text, values))
            raise ChoiceError(f"{name} has no declared value {_shown(given)} (declared: {listed})", parameter=name)
        resolved[name] = found
    missing = [name for name in declared if name not in resolved]
    if missing:
        raise ChoiceError(
            f"the choice gives no value for {', '.join(missing)}: every parameter needs one",
            parameter=missing[0] if len(missing) == 1 else "",
        )
    return device_for(template, resolved)


def _shown(value: object) -> str:
    """*value* as a message shows it: its repr, at most 64 characters (a huge integer is not converted)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return f"an integer of {value.bit_length()} bits"
    text = repr(value)
    return text if len(text) <= 64 else text[:61] + "..."


@dataclass(frozen=True)
class ParameterPlan:
    """One creation parameter: its declared values and those some accepting choice uses.

    *relevant* is True when a rule reads a key this parameter sets through
    ``$``; the values of a parameter that is not relevant all work alike.
    """

    name: str
    values: tuple[Value, ...]
    working: tuple[Value, ...]
    relevant: bool


@dataclass(frozen=True)
class Combination:
    """The choices under which one rule (0-based *rule*) accepts the source.

    *values* gives, for each parameter the rule reads through ``$``, the values
    that work with it; every other parameter may take any declared value.
    """

    rule: int
    values: Mapping[str, tuple[Value, ...]]

    def __post_init__(self) -> None:
        if type(self.values) is not FrozenMap:
            object.__setattr__(self, "values", FrozenMap(self.values))


@dataclass(frozen=True)
class Plan:
    """The answer of :func:`plan`.

    *choice* is the recommended choice (a declared value for every parameter)
    and *verdict* the verdict of the device it creates: compatible when some
    choice accepts the source, else the explanation for the nearest device.
    *combinations* holds one entry per rule that accepts the source under some
    choice; *independent* is True when every combination of the working values
    of *parameters* is accepted (one combination covers them all).
    """

    answer: Answer
    choice: Mapping[str, Value]
    verdict: Verdict
    parameters: tuple[ParameterPlan, ...]
    combinations: tuple[Combination, ...] = ()
    independent: bool = True

    def __bool__(self) -> bool:
        # As for a Verdict: `if plan(...):` would pass every type.
        raise TypeError(
            "the truth value of a Plan is ambiguous: test `plan.answer is Answer.COMPATIBLE`"
            " (unknown is never compatible)"
        )

    def __post_init__(self) -> None:
        if type(self.choice) is not FrozenMap:
            object.__setattr__(self, "choice", FrozenMap(self.choice))

    def explain(self) -> str:
        """A multi-line text for an operator: the recommended choice, the values that work, or why none does."""
        lines = []
        if self.answer is Answer.COMPATIBLE:
            grade = f" ({self.verdict.grade.value})" if self.verdict.grade else ""
            lines.append(
                f"create the device with {_assignment(self.choice)}: compatible{grade}, by rule {self.verdict.matched}"
            )
            for parameter in self.parameters:
                lines.append(f"  {_parameter_line(parameter)}")
            if not self.independent:
                lines.append("  the values work only together as follows:")
                for combination in self.combinations:
                    lines.append(f"    rule {combination.rule}: {_combination_text(combination, self.parameters)}")
            return "\n".join(lines)
        head = "unknown" if self.answer is Answer.UNKNOWN else "no parameter choice"
        lines.append(f"{head}: no device created from this type is known to accept the source")
        if not self.parameters and not self.verdict.nearest:  # no device was decided: an input is missing, say
            lines.extend("  " + line for line in self.verdict.explain().splitlines())
            return "\n".join(lines)
        lines.append(f"  nearest: the device created with {_assignment(self.choice)}:")
        lines.extend("    " + line for line in self.verdict.explain().splitlines())
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        """The plan as a JSON-ready dict (plan.schema.json)."""
        return {
            "answer": self.answer.value,
            "choice": {name: value_text(value) for name, value in self.choice.items()},
            "verdict": self.verdict.to_json(),
            "parameters": [
                {
                    "name": p.name,
                    "values": [value_text(v) for v in p.values],
                    "working": [value_text(v) for v in p.working],
                    "relevant": p.relevant,
                }
                for p in self.parameters
            ],
            "combinations": [
                {"rule": c.rule, "values": {name: [value_text(v) for v in vs] for name, vs in c.values.items()}}
                for c in self.combinations
            ],
            "independent": self.independent,
        }


def _assignment(choice: Mapping[str, Value]) -> str:
    if not choice:
        return "(no parameters)"
    return " ".join(f"{name}={value_text(value)}" for name, value in choice.items())


def _parameter_line(parameter: ParameterPlan) -> str:
    declared = "|".join(map(value_text, parameter.values))
    if not parameter.relevant:
        return f"{parameter.name}: any of {declared} (no rule reads it)"
    working = "|".join(map(value_text, parameter.working))
    verb = "works" if len(parameter.working) == 1 else "work"
    return f"{parameter.name}: {working} {verb} (declared: {declared})"


def _combination_text(combination: Combination, parameters: tuple[ParameterPlan, ...]) -> str:
    parts = []
    for parameter in parameters:
        if not parameter.relevant:
            continue
        values = combination.values.get(parameter.name, parameter.values)
        parts.append(f"{parameter.name}={'|'.join(map(value_text, values))}")
    return " ".join(parts) or "any choice"


def plan(source: MigrationVersion | None, template: MigrationVersion | None, rules: CompatibleDevices | None) -> Plan:
    """The creation parameters of *template* whose device accepts *source*, decided per parameter.

    The work is that of :func:`~migcompat.semantics.templates.decide_type`:
    at worst the number of rules times the number of param lines, with no
    product of parameters. A missing *source*, *template* or *rules* (None:
    absent, unreadable or invalid) gives an unknown plan, with no parameter,
    whose verdict is that of row 8.5-VD2: one ``missing-attribute`` reason
    per missing attribute, in that order (:data:`~migcompat.verdict.MISSING_SOURCE`,
    :data:`MISSING_TEMPLATE`, :data:`~migcompat.verdict.MISSING_RULES`).
    Arguments of another type raise :class:`TypeError`.
    """
    require("source", source, MigrationVersion, optional=True)
    require("template", template, MigrationVersion, optional=True)
    require("rules", rules, CompatibleDevices, optional=True)
    if source is None or template is None or rules is None:
        missing = (
            reason
            for value, reason in ((source, MISSING_SOURCE), (template, MISSING_TEMPLATE), (rules, MISSING_RULES))
            if value is None
        )
        return Plan(Answer.UNKNOWN, {}, Verdict(Answer.UNKNOWN, reasons=tuple(missing)), ())
    decision = decide_type(source, rules, template)
    verdict = check(source, rules, template)  # the choice check reports: the identical one first (8.5)
    choice = dict(verdict.choice) if verdict.choice is not None else decision.values()
    relevant = {name for option in decision.rules for name in option.working}
    accepting = [option for option in decision.rules if option.truth is True]
    combinations = tuple(
        Combination(
            option.index,
            {
                p.name: tuple(p.lines[i].value for i in option.working[p.name])
                for p in decision.parameters
                if p.name in option.working
            },
        )
        for option in accepting
    )
    parameters = []
    for parameter in decision.parameters:
        used: set[int] = set()
        for option in accepting:
            used.update(option.working.get(parameter.name, range(len(parameter.lines))))
        working = tuple(line.value for index, line in enumerate(parameter.lines) if index in used)
        parameters.append(ParameterPlan(parameter.name, parameter.values, working, parameter.name in relevant))
    independent = any(
        all(
            len(option.working.get(p.name, p.lines)) == len(plan_p.working)
            for p, plan_p in zip(decision.parameters, parameters, strict=True)
        )
        for option in accepting
    )
    return Plan(decision.answer, choice, verdict, tuple(parameters), combinations, independent or not accepting)
