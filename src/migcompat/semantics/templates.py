"""The verdict against a device type, decided per parameter (clauses 8.5 and 8.6).

A template's choices are the product of its parameters' values, but a rule's
constraints depend on the choice only through ``$``, and ``$`` on key *k* only
through the one parameter whose lines set *k* (``param-conflict``). So, for
each rule, the constraints are split into those that do not depend on the
choice and one group per parameter; each group is evaluated for each of its
parameter's values, and the best values of each group combine freely.

Cost: every pair of a distinct constraint with ``$`` and a declared value of
the parameter that sets its key is evaluated at most once, so the work is at
worst the number of rules times the number of ``param`` lines, and linear in
the size of the two attributes on the shapes drivers write (one parameter, a
few ``$``); no product of parameters is ever formed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final

from .._caches import register_lru
from ..model import SELF, CompatibleDevices, Constraint, Field, MigrationVersion, Param, Rule, Superset, Value
from ..registry import registry_default
from ..verdict import Answer
from .constraints import Truth, uses_self
from .rules import Context, must_understand, own_values, rule_truth, same_configuration, source_value, truth_of

__all__ = [
    "KEYS_PER_UNIT",
    "MEMBERS_PER_UNIT",
    "Parameter",
    "RuleOptions",
    "SelfAcceptance",
    "TypeDecision",
    "choice_count",
    "covering_choices",
    "covering_devices",
    "decide_type",
    "decision_cost",
    "device_for",
    "identical_choice",
    "own_value",
    "parameters_of",
    "reading_cost",
    "setters",
]

_RANK: Final = {True: 2, None: 1, False: 0}


@dataclass(frozen=True)
class Parameter:
    """One creation-time parameter: its name and its declared lines, in declaration order."""

    name: str
    lines: tuple[Param, ...]

    @property
    def values(self) -> tuple[Value, ...]:
        """The declared values, in declaration order."""
        return tuple(line.value for line in self.lines)


def parameters_of(template: MigrationVersion) -> tuple[Parameter, ...]:
    """The parameters of *template*, sorted by name (the order of clause 8.6)."""
    grouped: dict[str, list[Param]] = {}
    for param in template.params:
        grouped.setdefault(param.name, []).append(param)
    return tuple(Parameter(name, tuple(grouped[name])) for name in sorted(grouped))


def device_for(template: MigrationVersion, choice: Mapping[str, Value]) -> MigrationVersion:
    """D(c): the fields of the device *template* creates with *choice* (clause 5.5).

    A parameter missing from *choice*, or given an undeclared value, contributes no field.
    """
    fields: dict[str, Field] = dict(template.fields)
    for param in template.params:
        if param.name in choice and choice[param.name] == param.value:
            fields[param.name] = Field(param.value, param.critical)
            fields.update(param.fields)
    return MigrationVersion(fields)


def identical_choice(source: MigrationVersion, template: MigrationVersion) -> dict[str, Value] | None:
    """The choice *c* with D(c) and *source* describing the same configuration, or None when there is none.

    Linear in the template's size: each parameter's value is read off the
    source (declared values are distinct, so at most one line fits; a source
    without the parameter's key fits the critical line whose value is the
    key's registry default, which is set aside), and the device of that
    choice is compared with the source once (:func:`~.rules.same_configuration`).
    """
    choice: dict[str, Value] = {}
    for parameter in parameters_of(template):
        entry = source.fields.get(parameter.name)
        for line in parameter.lines:
            if entry is None:
                fits = line.critical and not must_understand(line.name, Field(line.value, True))
            else:
                fits = line.value == entry.value
            if fits:
                choice[parameter.name] = line.value
                break
        else:
            return None
    return choice if same_configuration(device_for(template, choice), source) else None


@dataclass(frozen=True)
class RuleOptions:
    """How one rule fares over every choice.

    *truth* is the best result over all choices (matches above undecided
    above false). *working* maps each parameter whose lines the rule reads
    through ``$`` to the indices of its values under which the rule's
    constraints on those keys hold; any other parameter's values all do
    equally well. *best* is a choice (value index per parameter) under which
    the rule reaches *truth* with the fewest failing, then undecided,
    constraints; *failed* and *undecided* are those counts.
    """

    index: int
    truth: Truth
    working: Mapping[str, tuple[int, ...]]
    best: Mapping[str, int]
    failed: int
    undecided: int


@dataclass(frozen=True)
class TypeDecision:
    """The verdict's answer against a device type, with its choice and every rule's options.

    *choice* gives every parameter a value index: for a compatible answer the
    first accepting choice in the order of clause 8.6, otherwise the best choice
    of the nearest rule (the device a user would look at to see why).
    """

    answer: Answer
    parameters: tuple[Parameter, ...]
    choice: Mapping[str, int]
    rules: tuple[RuleOptions, ...] = field(default=())

    def values(self, choice: Mapping[str, int] | None = None) -> dict[str, Value]:
        """A choice of value indices as parameter values (the decision's own choice by default)."""
        chosen = self.choice if choice is None else choice
        return {p.name: p.lines[chosen.get(p.name, 0)].value for p in self.parameters}


KEYS_PER_UNIT: Final = 16
"""A verdict reads a source key by key: one work unit more per this many keys a rule set constrains."""

MEMBERS_PER_UNIT: Final = 64
"""A superset constraint is decided over the members of its key's operands: one work unit more per this many."""


def decision_cost(own: MigrationVersion | None, rules: CompatibleDevices | None = None) -> int:
    """The work units of one verdict against *rules* for a target whose own description is *own*: the bounds'
    currency, each unit a few microseconds whatever the input.

    One for a device and a rule set of fewer than :data:`KEYS_PER_UNIT` keys
    (or no rule set given); one more per :data:`KEYS_PER_UNIT` keys its rules
    constrain and per :data:`MEMBERS_PER_UNIT` members of a key's superset
    operands (:func:`reading_cost`), which every source is read against. For a
    device type, that times one more than its ``param`` lines, which
    :func:`decide_type` decides parameter value by parameter value: a
    4095-byte template of 300 param lines costs about 300 times a device's
    verdict, and a bound that counted verdicts alone would let a few such
    types, or rules of hundreds of keys, hold a command for minutes.
    """
    reading = 1 if rules is None else reading_cost(rules, own)
    return reading if own is None else reading * (1 + len(own.params))


def reading_cost(rules: CompatibleDevices, own: MigrationVersion | None = None) -> int:
    """The work units of reading one source against *rules*, ``$`` read in *own* (see :func:`decision_cost`)."""
    keys, members = _reading_size(rules)
    if own is not None:
        for key in _superset_of_self(rules):
            entry = own.fields.get(key)
            if entry is not None and type(entry.value) is frozenset:
                members += len(entry.value)
    return 1 + keys // KEYS_PER_UNIT + members // MEMBERS_PER_UNIT


@register_lru
@lru_cache(maxsize=256)
def _reading_size(rules: CompatibleDevices) -> tuple[int, int]:
    """The keys *rules* constrain, and the members of each key's literal superset operands, counted once a key."""
    keys: set[str] = set()
    operands: dict[str, set[str]] = {}
    for rule in rules.rules:
        for key, constraint in rule.constraints.items():
            keys.add(key)
            if type(constraint) is Superset and type(constraint.operand) is frozenset:
                operands.setdefault(key, set()).update(constraint.operand)
    return len(keys), sum(len(members) for members in operands.values())


@register_lru
@lru_cache(maxsize=256)
def _superset_of_self(rules: CompatibleDevices) -> tuple[str, ...]:
    """The keys on which a rule of *rules* says ``key>=$``."""
    return tuple(
        sorted(
            {
                key
                for rule in rules.rules
                for key, constraint in rule.constraints.items()
                if type(constraint) is Superset and constraint.operand is SELF
            }
        )
    )


def decide_type(source: MigrationVersion, target: CompatibleDevices, template: MigrationVersion) -> TypeDecision:
    """Every rule of *target* over every choice of *template*, for the device instance *source*."""
    parameters = parameters_of(template)
    position = {parameter.name: index for index, parameter in enumerate(parameters)}
    setter = {key: position[name] for key, name in setters(parameters).items()}
    fixed_own = own_values(MigrationVersion(template.fields))
    defaults = target.defaults
    critical = [key for key, entry in source.fields.items() if must_understand(key, entry)]
    memo: dict[tuple[str, Constraint], tuple[Truth, ...]] = {}

    def per_value(key: str, constraint: Constraint, parameter: Parameter) -> tuple[Truth, ...]:
        found = memo.get((key, constraint))
        if found is None:
            value = source_value(key, source, defaults)
            found = tuple(truth_of(constraint, value, own_value(line, key)) for line in parameter.lines)
            memo[(key, constraint)] = found
        return found

    options = []
    for index, rule in enumerate(target.rules):
        options.append(_rule_options(index, rule, source, defaults, critical, fixed_own, setter, parameters, per_value))
    answer, choice = _answer(options, parameters)
    return TypeDecision(answer, parameters, choice, tuple(options))


def own_value(line: Param, key: str) -> Value | None:
    """The own value of *key* of a device created with the value of *line* (None: it has none)."""
    if key == line.name:
        return line.value
    entry = line.fields.get(key)
    if entry is not None:
        return entry.value
    return registry_default(key)  # 8.4-SF2/SF3: this value's line does not set the key


def _rule_options(
    index: int,
    rule: Rule,
    source: MigrationVersion,
    defaults: Mapping[str, Value],
    critical: Sequence[str],
    fixed_own: Mapping[str, Value],
    setter: Mapping[str, int],
    parameters: Sequence[Parameter],
    per_value: Callable[[str, Constraint, Parameter], tuple[Truth, ...]],
) -> RuleOptions:
    constraints = rule.constraints
    failed = sum(1 for key in critical if key not in constraints)
    undecided = 0
    groups: dict[int, list[tuple[str, Constraint]]] = {}
    for key, constraint in constraints.items():
        position = setter.get(key)
        if position is not None and uses_self(constraint):
            groups.setdefault(position, []).append((key, constraint))
            continue
        value = source_value(key, source, defaults)
        result = truth_of(constraint, value, fixed_own.get(key))
        if result is False:
            failed += 1
        elif result is None:
            undecided += 1
    working: dict[str, tuple[int, ...]] = {}
    best: dict[str, int] = {}
    for position, members in groups.items():
        parameter = parameters[position]
        columns = [per_value(key, constraint, parameter) for key, constraint in members]
        scores = []
        for line in range(len(parameter.lines)):
            results = [column[line] for column in columns]
            scores.append((results.count(False), results.count(None), line))
        working[parameter.name] = tuple(line for f, u, line in scores if f == 0 and u == 0)
        group_failed, group_undecided, chosen = min(scores)
        best[parameter.name] = chosen
        failed += group_failed
        undecided += group_undecided
    truth: Truth = False if failed else (None if undecided else True)
    return RuleOptions(index, truth, working, best, failed, undecided)


def _answer(options: Sequence[RuleOptions], parameters: Sequence[Parameter]) -> tuple[Answer, dict[str, int]]:
    names = [p.name for p in parameters]
    accepting = [option for option in options if option.truth is True]
    if accepting:
        first = min(_first_choice(option, names) for option in accepting)
        return Answer.COMPATIBLE, dict(zip(names, first, strict=True))
    if not options:
        return Answer.INCOMPATIBLE, dict.fromkeys(names, 0)
    undecided = [option for option in options if option.truth is None]
    if undecided:
        nearest = min(undecided, key=lambda option: (option.undecided, option.index))
        answer = Answer.UNKNOWN
    else:
        nearest = min(options, key=lambda option: (option.failed, option.index))
        answer = Answer.INCOMPATIBLE
    return answer, {name: nearest.best.get(name, 0) for name in names}


def _first_choice(option: RuleOptions, names: Sequence[str]) -> tuple[int, ...]:
    """The first choice under which *option*'s rule matches: the first working value of each parameter it reads."""
    return tuple(option.working[name][0] if name in option.working else 0 for name in names)


# ---- every choice at once: counting, covering, self-acceptance ------------------------------


def choice_count(template: MigrationVersion) -> int:
    """How many choices *template* has: the product of its parameters' value counts (1 without params)."""
    return math.prod(len(parameter.lines) for parameter in parameters_of(template))


def covering_choices(template: MigrationVersion) -> list[tuple[dict[str, Value], tuple[str, int] | None]]:
    """The covering choices of *template*, each with the parameter and value index it varies.

    The first gives every parameter its first declared value (varied None);
    then, for each parameter in name order and each of its other values in
    declaration order, the first choice with only that parameter changed.
    """
    parameters = parameters_of(template)
    base = {parameter.name: parameter.lines[0].value for parameter in parameters}
    found: list[tuple[dict[str, Value], tuple[str, int] | None]] = [(base, None)]
    for parameter in parameters:
        for index, line in enumerate(parameter.lines[1:], start=1):
            found.append(({**base, parameter.name: line.value}, (parameter.name, index)))
    return found


def covering_devices(
    template: MigrationVersion,
) -> list[tuple[dict[str, Value], tuple[str, int] | None, MigrationVersion]]:
    """:func:`covering_choices` with each choice's device D(c) (:func:`device_for`).

    Each covering choice differs from the first in one parameter, whose keys
    no other parameter and no fixed field sets (``param-conflict``), so its
    device is the first one with that parameter's line swapped: a copy of a
    mapping per device, not a walk of every param line.
    """
    found = covering_choices(template)
    base_choice = found[0][0]
    base = device_for(template, base_choice)
    out: list[tuple[dict[str, Value], tuple[str, int] | None, MigrationVersion]] = [(base_choice, None, base)]
    if len(found) == 1:
        return out
    lines = {(param.name, param.value): param for param in template.params}
    for choice, varied in found[1:]:
        assert varied is not None  # every covering choice but the first varies one parameter
        name = varied[0]
        first, chosen = lines[(name, base_choice[name])], lines[(name, choice[name])]
        fields = dict(base.fields)
        for key in first.fields:
            del fields[key]
        fields[name] = Field(chosen.value, chosen.critical)
        fields.update(chosen.fields)
        out.append((choice, varied, MigrationVersion(fields)))
    return out


def setters(parameters: Sequence[Parameter]) -> dict[str, str]:
    """Each key a parameter's lines set (the parameter's own key included), with that parameter's name."""
    found: dict[str, str] = {}
    for parameter in parameters:
        for line in parameter.lines:
            found[line.name] = parameter.name
            for key in line.fields:
                found[key] = parameter.name
    return found


class SelfAcceptance:
    """Is there a choice *c* under which no rule matches D(c) with D(c) as its own target? (E6 for a device type)

    By ``param-conflict``, the keys a parameter's lines set are set by no other
    parameter and are not fixed fields, so a rule's truth for D(c), as source
    and as own values, is the conjunction of its truth on the fixed fields and
    on each parameter's line in *c*, each the core's
    :func:`~migcompat.semantics.rules.rule_truth` of the rule's constraints on
    those keys (critical fields the rule leaves unconstrained included). Bit
    *i* of ``masks[p][v]`` says that rule *i* holds on value *v* of parameter
    *p*; a rejected choice is one whose masks leave no rule alive.
    """

    def __init__(self, template: MigrationVersion, rules: CompatibleDevices) -> None:
        parameters = parameters_of(template)
        self.parameters = parameters
        setter = setters(parameters)
        defaults = rules.defaults
        fixed = MigrationVersion(template.fields)
        fixed_context = Context(defaults, own_values(fixed))
        self.alive = 0
        split: list[tuple[int, dict[str, dict[str, Constraint]]]] = []
        for index, rule in enumerate(rules.rules):
            outside: dict[str, Constraint] = {}
            inside: dict[str, dict[str, Constraint]] = {}
            for key, constraint in rule.constraints.items():
                owner = setter.get(key)
                if owner is None:
                    outside[key] = constraint
                else:
                    inside.setdefault(owner, {})[key] = constraint
            if rule_truth(Rule(outside), fixed, fixed_context) is True:
                self.alive |= 1 << index
                split.append((index, inside))
        self.masks: list[list[int]] = []
        memo: dict[tuple[int, int, Rule], bool] = {}
        for position, parameter in enumerate(parameters):
            # Each line as the fields it gives a device (the parameter's own field first), and their own values.
            partial = [
                MigrationVersion({param.name: Field(param.value, param.critical), **param.fields})
                for param in parameter.lines
            ]
            contexts = [Context(defaults, own_values(fields)) for fields in partial]
            masks = [0] * len(partial)
            for index, inside in split:
                part = Rule(inside.get(parameter.name, {}))
                for value, (fields, context) in enumerate(zip(partial, contexts, strict=True)):
                    memo_key = (position, value, part)
                    true = memo.get(memo_key)
                    if true is None:
                        true = memo[memo_key] = rule_truth(part, fields, context) is True
                    if true:
                        masks[value] |= 1 << index
            self.masks.append(masks)
        self.steps = 0

    def run(self, budget: int) -> tuple[dict[str, Value] | None, bool]:
        """A rejected choice or None, and whether that answer is exact (the search finished within *budget* steps)."""
        if not self.alive:
            return self._choice({}), True
        # Only parameters whose values tell some rule apart matter; of those, a value whose mask is a
        # superset of another's never leaves fewer rules alive, so it is skipped.
        branching: list[tuple[int, list[tuple[int, int]]]] = []
        fixed: dict[int, int] = {}
        always = self.alive
        for position, masks in enumerate(self.masks):
            kept: list[tuple[int, int]] = []
            for value, mask in enumerate(masks):
                mask &= self.alive
                if any(other & ~mask == 0 for other, _ in kept):
                    continue
                kept = [(other, index) for other, index in kept if mask & ~other]
                kept.append((mask, value))
            if len(kept) == 1:
                always &= kept[0][0]
                fixed[position] = kept[0][1]
            else:
                branching.append((position, kept))
        if always == 0:
            # One value each of the non-branching parameters already rejects every rule.
            return self._choice(fixed), True
        # suffix[i]: the rules that hold under every value of every branching parameter from i on.
        suffix = [always] * (len(branching) + 1)
        for index in range(len(branching) - 1, -1, -1):
            common = suffix[index + 1]
            for mask, _ in branching[index][1]:
                common &= mask
            suffix[index] = common
        seen: set[tuple[int, int]] = set()
        picked: dict[int, int] = dict(fixed)

        def search(depth: int, alive: int) -> bool | None:
            if not alive:
                return True
            if depth == len(branching) or alive & suffix[depth] or (depth, alive) in seen:
                return False
            self.steps += 1
            if self.steps > budget:
                return None
            seen.add((depth, alive))
            position, kept = branching[depth]
            for mask, value in kept:
                picked[position] = value
                found = search(depth + 1, alive & mask)
                if found is None or found:
                    return found
            picked.pop(position, None)
            return False

        found = search(0, always)
        if found is None:
            return None, False
        return (self._choice(picked) if found else None), True

    def first_rejected(self, choices: Sequence[Mapping[str, Value]]) -> dict[str, Value] | None:
        """The first of *choices* under which no rule holds, or None."""
        for choice in choices:
            alive = self.alive
            for parameter, masks in zip(self.parameters, self.masks, strict=True):
                alive &= masks[parameter.values.index(choice[parameter.name])]
            if not alive:
                return dict(choice)
        return None

    def _choice(self, picked: Mapping[int, int]) -> dict[str, Value]:
        """The choice with the value indices *picked* by position, every other parameter at its first value."""
        return {
            parameter.name: parameter.lines[picked.get(position, 0)].value
            for position, parameter in enumerate(self.parameters)
        }
