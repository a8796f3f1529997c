"""The canonical emitter (clause 6).

``emit(parse(s)) == s`` for every canonical string ``s``, and
``parse(emit(m)) == m`` for every valid data model ``m``. Canonical form:

* one space between items, LF after every line including the last;
* fields, defaults and constraints sorted by key (byte order), a ``param``
  line's parameter first; set members sorted;
* rules, ``param`` lines and alternatives in the order the model holds them.
"""

from __future__ import annotations

from collections.abc import Mapping

from .limits import HEADER
from .model import (
    Alternative,
    AnyValue,
    Bound,
    CompatibleDevices,
    Constraint,
    Equals,
    Field,
    MigrationVersion,
    Range,
    Ratio,
    SelfPrefix,
    SelfRef,
    Subset,
    Value,
    Version,
)

__all__ = ["alternative_text", "constraint_text", "emit", "value_text"]


def emit(model: MigrationVersion | CompatibleDevices) -> str:
    """The canonical text of *model*, with its final newline.

    *model* must hold the invariants the parser guarantees (clause 7.3);
    models from the parser or from :func:`migcompat.from_json` do.
    """
    if isinstance(model, MigrationVersion):
        return _version(model)
    if isinstance(model, CompatibleDevices):
        return _compatible(model)
    raise TypeError(f"cannot emit {type(model).__name__}")


def _version(model: MigrationVersion) -> str:
    lines = [HEADER + " " + _fields(model.fields)]
    for param in model.params:
        head = ("" if param.critical else "~") + param.name + "=" + value_text(param.value)
        rest = _fields(param.fields)
        lines.append("param " + head + (" " + rest if rest else ""))
    return "\n".join(lines) + "\n"


def _fields(fields: Mapping[str, Field]) -> str:
    return " ".join(
        ("" if field.critical else "~") + key + "=" + value_text(field.value) for key, field in sorted(fields.items())
    )


def _compatible(model: CompatibleDevices) -> str:
    lines = [HEADER]
    if model.defaults:
        lines.append(
            "default " + " ".join(key + "=" + value_text(value) for key, value in sorted(model.defaults.items()))
        )
    for rule in model.rules:
        lines.append(" ".join(["accept", *(key + constraint_text(c) for key, c in sorted(rule.constraints.items()))]))
    return "\n".join(lines) + "\n"


def constraint_text(constraint: Constraint) -> str:
    """The operator and operand of *constraint*, as in ``<={a,b}`` or ``=1..4``."""
    if isinstance(constraint, Equals):
        return "=" + "|".join(alternative_text(alt) for alt in constraint.alternatives)
    if isinstance(constraint, AnyValue):
        return "=*"
    operator = "<=" if isinstance(constraint, Subset) else ">="
    operand = constraint.operand
    return operator + ("$" if isinstance(operand, SelfRef) else value_text(operand))


def alternative_text(alternative: Alternative) -> str:
    """The text of one alternative: a value, a range, ``$`` or ``$N``."""
    if isinstance(alternative, Range):
        return _bound(alternative.low) + ".." + _bound(alternative.high)
    if isinstance(alternative, SelfRef):
        return "$"
    if isinstance(alternative, SelfPrefix):
        return f"${alternative.length}"
    return value_text(alternative)


def _bound(bound: Bound | None) -> str:
    if bound is None:
        return ""
    if isinstance(bound, SelfRef):
        return "$"
    if isinstance(bound, SelfPrefix):
        return f"${bound.length}"
    return value_text(bound)


def value_text(value: Value) -> str:
    """The canonical text of a value."""
    kind = type(value)
    if kind is str:
        return value  # type: ignore[return-value]
    if kind is int or kind is Version or kind is Ratio:
        return str(value)
    if kind is frozenset:
        return "{" + ",".join(sorted(value)) + "}"  # type: ignore[arg-type]
    raise TypeError(f"not a migcompat value: {value!r}")
