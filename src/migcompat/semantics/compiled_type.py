"""A rule set compiled once against a device type: the answer for many sources, fast (clause 8.5).

:func:`~migcompat.semantics.templates.decide_type` decides one source against
a type per parameter and keeps every rule's options, which a verdict and a
plan explain; a scheduler that filters thousands of sources against one type
needs only the answer. :class:`CompiledType` splits each rule, once, as
``decide_type`` does: the constraints that do not depend on the choice, and
one group per parameter whose lines set a key the group reads through ``$``.
The first part is compiled for the template's fixed own values, and each
group for each value of its parameter (:class:`~.compiled.CompiledRules`), so
a source costs a few mask operations per key and per ``param`` line, whatever
the number of rules:

* rule *r* matches under some choice when no critical source field is left
  unconstrained by *r*, no constraint of its first part fails or is undecided,
  and, for each parameter, some value leaves none of *r*'s group failing or
  undecided (the parameters are independent, so the best values combine);
* it is undecided under some choice when the same holds with "failing" alone.

The answer is compatible when some rule matches, else unknown when some rule
is undecided, else incompatible: the answer of ``decide_type`` (held to it by
the brute-force oracle of ``tests/test_semantics.py``). Compiling costs
O(n log n) in the rules' size times the number of ``param`` lines at most,
and is bounded: a type whose groups would compile more than
:data:`MAX_COMPILED_ALTERNATIVES` alternatives in all (a 4 KB template of
300 lines read through ``$`` by 500 alternatives would compile 150,000,
seconds of work) is not compiled per line, and each source is decided by
``decide_type``, linear in the template and the rules, as ``check`` decides it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ..model import CompatibleDevices, Constraint, Equals, MigrationVersion, Param, Rule, Value
from ..verdict import Answer
from .compiled import CompiledRules, compile_rules
from .constraints import uses_self
from .rules import own_values, understood_keys
from .templates import decide_type, own_value, parameters_of, setters

__all__ = ["MAX_COMPILED_ALTERNATIVES", "CompiledType", "compile_type"]

MAX_COMPILED_ALTERNATIVES: Final = 20_000
"""At most this many alternatives are compiled for a type's parameter groups (each group's, once per line of its
parameter); beyond, :class:`CompiledType` decides each source with ``decide_type`` instead."""


_MEMO_LIMIT: Final = 1024
"""Outcomes kept per parameter group; a full memo is emptied, so memory stays bounded."""


class _Group:
    """The constraints that every rule reads through ``$`` on the keys one parameter's lines set.

    Compiled once for each of the parameter's values. Their outcome for a
    source depends only on the source's fields of :attr:`keys` (the target's
    defaults are fixed), so it is kept per distinct tuple of those fields:
    sources across a fleet repeat them.
    """

    __slots__ = ("keys", "memo", "values")

    def __init__(self, keys: tuple[str, ...], values: list[CompiledRules]) -> None:
        self.keys = keys
        self.values = values
        self.memo: dict[tuple[object, ...], tuple[int, int]] = {}

    def masks(self, source: MigrationVersion) -> tuple[int, int]:
        """The rules for which some value of the parameter leaves no constraint of the group failing, and
        those for which some value leaves none failing or undecided (masks to AND with: bits beyond the
        rules may be set)."""
        fields = source.fields
        found = [fields.get(key) for key in self.keys]
        # The type is part of the key: values of two types may compare equal and still differ in meaning.
        memo_key = tuple((type(entry.value), entry.value) if entry is not None else None for entry in found)
        masks = self.memo.get(memo_key)
        if masks is None:
            some_clean = some_matching = 0
            for compiled in self.values:
                failed, undecided = compiled.rule_masks(source, critical=False)
                some_clean |= ~failed
                some_matching |= ~(failed | undecided)
            masks = some_clean, some_matching
            if len(self.memo) >= _MEMO_LIMIT:
                self.memo.clear()
            self.memo[memo_key] = masks
        return masks


class CompiledType:
    """A target's rules compiled against the device type *template*.

    Safe to share between threads: besides what is fixed at compiling, it only
    keeps the outcomes of pure computations (per parameter group), which a race at
    worst computes twice.
    """

    __slots__ = ("all", "constrained", "fixed", "groups", "plain")

    def __init__(self, target: CompatibleDevices, template: MigrationVersion) -> None:
        self.plain: tuple[CompatibleDevices, MigrationVersion] | None = None
        parameters = parameters_of(template)
        setter = setters(parameters)
        count = len(target.rules)
        self.all = (1 << count) - 1
        self.constrained: dict[str, int] = {}
        fixed: list[Rule] = []
        split: dict[str, list[dict[str, Constraint]]] = {p.name: [{} for _ in range(count)] for p in parameters}
        for index, rule in enumerate(target.rules):
            outside: dict[str, Constraint] = {}
            for key, constraint in rule.constraints.items():
                self.constrained[key] = self.constrained.get(key, 0) | 1 << index
                owner = setter.get(key)
                if owner is not None and uses_self(constraint):
                    split[owner][index][key] = constraint
                else:
                    outside[key] = constraint
            fixed.append(Rule(outside))
        defaults = target.defaults
        self.fixed = compile_rules(
            CompatibleDevices(tuple(fixed), defaults), own_values(MigrationVersion(template.fields))
        )
        self.groups: list[_Group] = []
        size = sum(
            len(parameter.lines) * sum(_width(c) for group in split[parameter.name] for c in group.values())
            for parameter in parameters
        )
        if size > MAX_COMPILED_ALTERNATIVES:
            self.plain = (target, template)
            return
        for parameter in parameters:
            members = split[parameter.name]
            if not any(members):
                continue
            rules = CompatibleDevices(tuple(Rule(group) for group in members), defaults)
            keys = tuple(sorted({key for group in members for key in group}))
            self.groups.append(_Group(keys, [compile_rules(rules, _own(line, keys)) for line in parameter.lines]))

    def answer(self, source: MigrationVersion) -> Answer:
        """The answer of :func:`~migcompat.compare.accepts` for the device instance *source* against the type."""
        if self.plain is not None:
            return decide_type(source, *self.plain).answer
        understood = understood_keys(source)
        constrained = self.constrained
        if not constrained.keys() >= understood:
            return Answer.INCOMPATIBLE  # 8.1-RU1: a key no rule constrains fails every rule
        alive = self.all
        for key in understood:
            alive &= constrained[key]  # 8.1-RU1: a rule that leaves it unconstrained fails
        failed, undecided = self.fixed.rule_masks(source, critical=False)
        clean = alive & ~failed
        matching = clean & ~undecided
        for group in self.groups:
            if not clean:
                break
            some_clean, some_matching = group.masks(source)
            clean &= some_clean
            matching &= some_matching
        if matching:
            return Answer.COMPATIBLE
        return Answer.UNKNOWN if clean else Answer.INCOMPATIBLE


def _width(constraint: Constraint) -> int:
    """The alternatives compiling *constraint* sorts: an equals constraint's, else one."""
    return len(constraint.alternatives) if type(constraint) is Equals else 1


def _own(line: Param, keys: tuple[str, ...]) -> Mapping[str, Value]:
    found = {key: own_value(line, key) for key in keys}
    return {key: value for key, value in found.items() if value is not None}


def compile_type(target: CompatibleDevices, template: MigrationVersion) -> CompiledType:
    """*target*'s rules compiled against the device type *template* (it has ``param`` lines)."""
    return CompiledType(target, template)
