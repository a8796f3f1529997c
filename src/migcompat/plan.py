"""Creation planning (R3, clause 8.6): which device created from a type would accept a source?

A device type publishes a template ``migration_version`` (fixed fields and
``param`` lines) and the ``migration_compatible_devices`` its devices would
have. For a source device, :func:`plan` lists every assignment of creation-time
parameters whose device accepts the source, or explains why none does.

Only parameters that can change the answer are enumerated: those that set a
field the rules read through ``$``. Every other parameter is reported as free
(any of its declared values will do), so the work is the product of the
relevant parameters' value counts, not of all of them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from .compare import check
from .emit import value_text
from .model import (
    CompatibleDevices,
    Equals,
    Field,
    MigrationVersion,
    Param,
    Range,
    SelfRef,
    Value,
)
from .verdict import Answer, Verdict

__all__ = ["Option", "Plan", "device_from", "devices_of", "plan"]


@dataclass(frozen=True)
class Option:
    """One assignment of the relevant parameters and the verdict of the device it creates."""

    parameters: Mapping[str, Value]
    verdict: Verdict

    def to_json(self) -> dict[str, object]:
        """The option as a JSON-ready dict (``$defs/option`` of plan.schema.json)."""
        return {
            "parameters": {name: value_text(value) for name, value in sorted(self.parameters.items())},
            "verdict": self.verdict.to_json(),
        }


@dataclass(frozen=True)
class Plan:
    """The answer of :func:`plan`.

    *accepted* lists the assignments whose device accepts the source; *free*
    maps each parameter that does not affect the answer to its declared values;
    *rejected* holds the other assignments with their reasons.
    """

    answer: Answer
    accepted: tuple[Option, ...] = ()
    rejected: tuple[Option, ...] = ()
    free: Mapping[str, tuple[Value, ...]] = field(default_factory=dict)

    def explain(self) -> str:
        """A multi-line text for an operator: the accepting choices, or why each choice fails."""
        lines = []
        free = ", ".join(f"{name} (any of {'|'.join(map(value_text, values))})" for name, values in self.free.items())
        if self.accepted:
            count = len(self.accepted)
            choices = "1 parameter choice creates" if count == 1 else f"{count} parameter choices create"
            lines.append(f"{choices} a device that accepts the source:")
            for option in self.accepted:
                lines.append(f"  {_assignment(option.parameters)}: {option.verdict.summary()}")
            if free:
                lines.append(f"  parameters that do not matter: {free}")
            return "\n".join(lines)
        head = "unknown" if self.answer is Answer.UNKNOWN else "no parameter choice"
        lines.append(f"{head}: no device created from this type is known to accept the source")
        for option in self.rejected:
            lines.append(f"  {_assignment(option.parameters)}:")
            lines.extend("    " + line for line in option.verdict.explain().splitlines())
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        """The plan as a JSON-ready dict (plan.schema.json)."""
        return {
            "answer": self.answer.value,
            "accepted": [option.to_json() for option in self.accepted],
            "rejected": [option.to_json() for option in self.rejected],
            "free": {name: [value_text(v) for v in values] for name, values in sorted(self.free.items())},
        }


def _assignment(parameters: Mapping[str, Value]) -> str:
    if not parameters:
        return "(no parameters)"
    return " ".join(f"{name}={value_text(value)}" for name, value in sorted(parameters.items()))


def device_from(template: MigrationVersion, parameters: Mapping[str, Value]) -> MigrationVersion:
    """The instance description of a device created from *template* with *parameters*.

    Parameters not given are left out, with the fields their lines would set.
    """
    fields: dict[str, Field] = dict(template.fields)
    for param in template.params:
        if param.name in parameters and parameters[param.name] == param.value:
            fields[param.name] = Field(param.value, param.critical)
            fields.update(param.fields)
    return MigrationVersion(fields)


def devices_of(template: MigrationVersion, rules: CompatibleDevices) -> Iterator[MigrationVersion]:
    """One device per choice of the parameters *rules* can tell apart (see :func:`plan`).

    Parameters that no ``$`` of *rules* reads take their first declared value.
    """
    choices = _choices(template.params)
    relevant = _relevant(template.params, rules)
    fixed = {name: params[0].value for name, params in choices.items() if name not in relevant}
    for assignment in _assignments({name: choices[name] for name in relevant if name in choices}):
        yield device_from(template, {**assignment, **fixed})


def plan(source: MigrationVersion, template: MigrationVersion, rules: CompatibleDevices) -> Plan:
    """Every relevant parameter assignment of *template* whose device accepts *source*."""
    choices = _choices(template.params)
    relevant = _relevant(template.params, rules)
    free = {name: tuple(p.value for p in params) for name, params in choices.items() if name not in relevant}
    accepted: list[Option] = []
    rejected: list[Option] = []
    for assignment in _assignments({name: choices[name] for name in relevant if name in choices}):
        device = device_from(template, {**assignment, **{n: v[0] for n, v in free.items()}})
        verdict = check(source, rules, device)
        (accepted if verdict.answer is Answer.COMPATIBLE else rejected).append(Option(assignment, verdict))
    if accepted:
        answer = Answer.COMPATIBLE
    elif any(option.verdict.answer is Answer.UNKNOWN for option in rejected):
        answer = Answer.UNKNOWN
    else:
        answer = Answer.INCOMPATIBLE
    return Plan(answer, tuple(accepted), tuple(rejected), free)


def _choices(params: tuple[Param, ...]) -> dict[str, list[Param]]:
    grouped: dict[str, list[Param]] = {}
    for param in params:
        grouped.setdefault(param.name, []).append(param)
    return grouped


def _relevant(params: tuple[Param, ...], rules: CompatibleDevices) -> set[str]:
    """The parameters whose lines set a field some rule reads through ``$``."""
    referenced = {key for rule in rules.rules for key, c in rule.constraints.items() if _uses_self(c)}
    relevant = set()
    for param in params:
        if param.name in referenced or referenced & set(param.fields):
            relevant.add(param.name)
    return relevant


def _uses_self(constraint: object) -> bool:
    if isinstance(constraint, Equals):
        return any(
            isinstance(alt, SelfRef)
            or (isinstance(alt, Range) and (isinstance(alt.low, SelfRef) or isinstance(alt.high, SelfRef)))
            for alt in constraint.alternatives
        )
    return isinstance(getattr(constraint, "operand", None), SelfRef)


def _assignments(choices: Mapping[str, list[Param]]) -> Iterator[dict[str, Value]]:
    names = sorted(choices)
    for combination in itertools.product(*(choices[name] for name in names)):
        yield {param.name: param.value for param in combination}
