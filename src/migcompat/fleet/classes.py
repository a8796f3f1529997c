"""Source classes: device descriptions that are equal, named by a stable digest.

Two parsed ``migration_version`` attributes are equal exactly when their
canonical texts are byte-equal (clause 6.4), so every target judges the
members of one class alike. A class is named by :func:`class_id`, a digest of
that text: stable across hosts, runs and releases of migcompat, and made of
upper-case hexadecimal digits only, so that it fits an OpenStack Placement
trait name (``CUSTOM_[A-Z0-9_]+``) or a Kubernetes label as it is.

*Behaviour groups.* A class holds byte-equal descriptions, so a driver that
writes a per-host informative value as a non-critical field (``~fw_version``)
makes one class per value. Such a field changes no answer when no rule reads
it: a rule that does not constrain a non-critical field ignores it (clause
8.2; a critical field is never ignored, row 8.1-RU1), and a target's own value
is read through ``$`` on a key its rule constrains only (clause 8.4). So:

* two source descriptions whose :func:`~migcompat.semantics.rules.project` onto the keys that some rule
  of the inventory constrains (:func:`read_keys`) is equal get the same answer,
  the same nearest rule and the same reasons from every target of that
  inventory;
* two targets with equal rules whose projected descriptions are equal (a
  type's ``param`` lines kept whole) give every source the same answer.

Only the IDENTICAL grade (row 8.8-GR1) looks further: it compares the whole
descriptions (:func:`~migcompat.semantics.rules.same_configuration`), so one
member pair of a group cell may be identical and another merely accepted.
:func:`group_verdict` gives a group cell the verdict of a member pair that is
identical when there is one (the grade a person looks for on the diagonal),
else the verdict of the groups' first classes; it says which pair. The claim
and the rule are tested by tests/test_matrix_groups.py on generated fleets.

A group is named by its projected description, and keeps its classes, with
their stable ids (:func:`class_id`), as its members.

*Which id to copy.* The scheduler exports label a source class by the
:func:`class_id` of its description projected onto the keys the rules of the
exported providers read (:func:`export_class_id`; a source group's
:attr:`SourceGroup.export_id`), so hosts whose devices differ only in a
per-host ``~`` value no rule reads share one label. That id is what ``match``
and ``matrix`` print as a source's *class*; the :func:`class_id` of the whole
description (a :class:`SourceClass`'s ``id``) is its *description digest*,
the same id whenever the projection leaves nothing out, and no export's label
otherwise.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from .._arguments import require
from ..compare import check
from ..emit import emit, value_text
from ..model import CompatibleDevices, Field, MigrationVersion, Value
from ..semantics.rules import constrained_keys, project, same_configuration
from ..semantics.templates import identical_choice
from ..semantics.values import compare, is_ordered
from ..verdict import Answer, Grade, Verdict

if TYPE_CHECKING:
    from .inventory import Provider

__all__ = [
    "CLASS_ID_LENGTH",
    "GroupCell",
    "Grouped",
    "SourceClass",
    "SourceGroup",
    "TargetClass",
    "TargetGroup",
    "class_id",
    "compare_descriptions",
    "description_key",
    "export_class",
    "export_class_id",
    "group_verdict",
    "read_keys",
    "source_classes",
    "source_groups",
    "source_index",
    "target_classes",
    "target_groups",
    "tells_apart",
]

CLASS_ID_LENGTH: Final = 32
"""A class id is this many upper-case hexadecimal digits: 128 bits of SHA-256."""


def class_id(version: MigrationVersion) -> str:
    """The stable identifier of *version*'s class: the first 32 hex digits of SHA-256 of its canonical text, upper-case.

    Equal descriptions (clause 6.4) and only they share an id (up to a 128-bit
    collision); a device type's template is named the same way.
    """
    require("version", version, MigrationVersion)
    digest = hashlib.sha256(emit(version).encode("ascii")).hexdigest()
    return digest[:CLASS_ID_LENGTH].upper()


def export_class(version: MigrationVersion, keys: frozenset[str]) -> tuple[str, MigrationVersion]:
    """The class of the description *version* in an export whose rules constrain *keys*: its id and description.

    The description is *version* projected onto *keys*
    (:func:`~migcompat.semantics.rules.project`: its non-critical fields
    whose key is not in *keys* left out), the id :func:`class_id` of that
    description. The scheduler exports and their queries name a source's
    class with it, and ``match`` and ``matrix`` print it
    (:func:`export_class_id`). A *version* that is not a
    :class:`~migcompat.model.MigrationVersion` raises :class:`TypeError`.
    """
    require("version", version, MigrationVersion)
    projected = project(version, keys)
    return class_id(projected), projected


def export_class_id(version: MigrationVersion, keys: frozenset[str]) -> tuple[str, tuple[str, ...]]:
    """The id the scheduler exports label *version*'s class with, when their rules constrain *keys*; what it omits.

    The id is that of :func:`export_class`; *keys* are :func:`read_keys` of
    the exported providers (an inventory's devices and types, every type
    enabled). The second value names, sorted, the fields left out: empty
    when the id is the whole description's :func:`class_id`.
    """
    require("version", version, MigrationVersion)
    return export_class(version, keys)[0], _dropped((version,), keys)


def _target_id(version: MigrationVersion, rules: CompatibleDevices) -> str:
    text = emit(version) + emit(rules)
    return hashlib.sha256(text.encode("ascii")).hexdigest()[:CLASS_ID_LENGTH].upper()


def _driver(version: MigrationVersion) -> str:
    entry = version.fields.get("driver")
    return entry.value if entry is not None and isinstance(entry.value, str) else ""


def _stream_version(version: MigrationVersion) -> str:
    """The ``stream_version`` field, else the first (by name) field whose key ends in ``version``, as text."""
    keys = ["stream_version", *sorted(key for key in version.fields if key.endswith("version"))]
    for key in keys:
        entry = version.fields.get(key)
        if entry is not None:
            return value_text(entry.value)
    return ""


class Grouped:
    """What a matrix groups a class by: its description's driver and version-like field."""

    version: MigrationVersion

    @property
    def driver(self) -> str:
        """The class's ``driver`` field, or an empty string."""
        return _driver(self.version)

    @property
    def group(self) -> tuple[str, str]:
        """(driver, version-like field): what a matrix groups classes by."""
        return _driver(self.version), _stream_version(self.version)


@dataclass(frozen=True)
class SourceClass(Grouped):
    """The device instances of an inventory whose descriptions are equal.

    *id* is :func:`class_id` of *version*; *members* are the providers (all of
    kind ``device``) that have it, in inventory order.
    """

    id: str
    version: MigrationVersion
    members: tuple[Provider, ...]


@dataclass(frozen=True)
class TargetClass(Grouped):
    """The providers of an inventory with equal descriptions and equal rules: every source judges them alike.

    *id* is a digest of both canonical texts; *kind* is ``device`` or
    ``type``; *version* is the device's description or the type's template.
    """

    id: str
    kind: str
    version: MigrationVersion
    rules: CompatibleDevices
    members: tuple[Provider, ...]


def source_classes(providers: Iterable[Provider]) -> tuple[SourceClass, ...]:
    """The classes of the device instances among *providers*, sorted by driver, version-like field and id."""
    found: dict[MigrationVersion, list[Provider]] = {}
    for provider in providers:
        if provider.kind == "device":
            found.setdefault(provider.version, []).append(provider)
    classes = [SourceClass(class_id(version), version, tuple(members)) for version, members in found.items()]
    classes.sort(key=lambda item: (item.group, item.id))
    return tuple(classes)


def target_classes(providers: Iterable[Provider]) -> tuple[TargetClass, ...]:
    """The distinct targets among *providers* (by description and rules), sorted by driver, version-like field, id."""
    found: dict[tuple[MigrationVersion, CompatibleDevices], list[Provider]] = {}
    for provider in providers:
        found.setdefault((provider.version, provider.rules), []).append(provider)
    classes = [
        TargetClass(_target_id(version, rules), members[0].kind, version, rules, tuple(members))
        for (version, rules), members in found.items()
    ]
    classes.sort(key=lambda item: (item.group, item.kind, item.id))
    return tuple(classes)


# ---- behaviour groups (module docstring) -----------------------------------------------------------------


def read_keys(providers: Iterable[Provider]) -> frozenset[str]:
    """Every key that some rule of some provider's rule set constrains (``key=*`` included)."""
    return constrained_keys(provider.rules for provider in providers)


def _dropped(versions: Iterable[MigrationVersion], keys: frozenset[str]) -> tuple[str, ...]:
    """The keys, sorted, of the fields :func:`~migcompat.semantics.rules.project` leaves out of any of *versions*."""
    return tuple(
        sorted({key for version in versions for key, e in version.fields.items() if not e.critical and key not in keys})
    )


@dataclass(frozen=True)
class SourceGroup(Grouped):
    """Source classes whose descriptions project to *version*: judged alike by every target.

    The projection is :func:`~migcompat.semantics.rules.project`.

    *classes* are in their order of :func:`~.classes.source_classes`; *ignored*
    names the fields left out of some member's description.
    """

    version: MigrationVersion
    classes: tuple[SourceClass, ...]
    ignored: tuple[str, ...]

    @functools.cached_property
    def export_id(self) -> str:
        """:func:`class_id` of the group's projected description: the id the scheduler exports label it with.

        The exports of the same inventory (every type enabled) project onto
        the same keys (:func:`export_class_id`), so every class of the group
        has this label; a class's own ``id`` is its description digest.
        """
        return class_id(self.version)

    @property
    def members(self) -> tuple[Provider, ...]:
        """The devices of every class, class by class."""
        return tuple(provider for item in self.classes for provider in item.members)


@dataclass(frozen=True)
class TargetGroup(Grouped):
    """Target classes with equal *rules* whose descriptions project to *version*: alike for every source.

    *kind* is ``device``, ``type`` or ``mixed`` (members of both kinds: a type
    whose template has no ``param`` line describes the devices it creates).
    """

    version: MigrationVersion
    rules: CompatibleDevices
    classes: tuple[TargetClass, ...]
    ignored: tuple[str, ...]

    @property
    def members(self) -> tuple[Provider, ...]:
        """The devices and types of every class, class by class."""
        return tuple(provider for item in self.classes for provider in item.members)

    @property
    def kind(self) -> str:
        """``device``, ``type`` or ``mixed``, from the kinds of the members."""
        kinds = {provider.kind for provider in self.members}
        return kinds.pop() if len(kinds) == 1 else "mixed"

    @property
    def type_names(self) -> tuple[str, ...]:
        """The type ids among the members, sorted, each once."""
        return tuple(sorted({provider.ident for provider in self.members if provider.kind == "type"}))


def source_groups(classes: Sequence[SourceClass], keys: frozenset[str]) -> tuple[SourceGroup, ...]:
    """*classes* grouped by their description projected onto *keys*, groups in order of their first class."""
    found: dict[MigrationVersion, list[SourceClass]] = {}
    for item in classes:
        found.setdefault(project(item.version, keys), []).append(item)
    return tuple(
        SourceGroup(version, tuple(members), _dropped((m.version for m in members), keys))
        for version, members in found.items()
    )


def target_groups(classes: Sequence[TargetClass], keys: frozenset[str]) -> tuple[TargetGroup, ...]:
    """*classes* grouped by rules and projected description, groups in order of their first class."""
    found: dict[tuple[MigrationVersion, CompatibleDevices], list[TargetClass]] = {}
    for item in classes:
        found.setdefault((project(item.version, keys), item.rules), []).append(item)
    return tuple(
        TargetGroup(version, rules, tuple(members), _dropped((m.version for m in members), keys))
        for (version, rules), members in found.items()
    )


@dataclass(frozen=True)
class GroupCell:
    """A group cell's verdict: that of the pair (*source*, *target*) of member classes it names."""

    verdict: Verdict
    source: SourceClass
    target: TargetClass


def _noncritical(version: MigrationVersion) -> frozenset[tuple[str, Field]]:
    """The non-critical fields: equal for two descriptions of the same configuration (clause 8.2, row 8.2-CR7)."""
    return frozenset((key, entry) for key, entry in version.fields.items() if not entry.critical)


def group_verdict(
    sources: SourceGroup,
    targets: TargetGroup,
    index: Mapping[frozenset[tuple[str, Field]], Sequence[SourceClass]] | None = None,
) -> GroupCell:
    """The verdict of the cell (*sources*, *targets*): every member pair's answer, identical if some pair is.

    The answer, nearest rule and reasons are those of the groups' first classes (every
    member pair has them, module docstring). A compatible cell looks for a member pair
    whose verdict is IDENTICAL and gives its verdict (with its choice, for a type) and
    names it. *index* (:func:`source_index`) maps the non-critical fields of a source
    class to the classes that have them (computed here when None); with it the search costs one look-up per device
    target class, and one template check per source class that fits a type.
    """
    first, target = sources.classes[0], targets.classes[0]
    verdict = check(first.version, target.rules, target.version)
    if verdict.answer is not Answer.COMPATIBLE or verdict.grade is Grade.IDENTICAL:
        return GroupCell(verdict, first, target)
    if len(sources.classes) == 1 and len(targets.classes) == 1:
        return GroupCell(verdict, first, target)
    if index is None:
        index = source_index(sources)
    for candidate in targets.classes:
        template = candidate.version
        if template.params:
            fitting: Iterable[SourceClass] = (
                item for item in sources.classes if identical_choice(item.version, template) is not None
            )
        else:
            fitting = (
                item for item in index.get(_noncritical(template), ()) if same_configuration(item.version, template)
            )
        for item in fitting:
            found = check(item.version, candidate.rules, template)
            if found.grade is Grade.IDENTICAL:
                return GroupCell(found, item, candidate)
    return GroupCell(verdict, first, target)


def source_index(group: SourceGroup) -> dict[frozenset[tuple[str, Field]], list[SourceClass]]:
    """The classes of *group* by their non-critical fields, for :func:`group_verdict`."""
    index: dict[frozenset[tuple[str, Field]], list[SourceClass]] = {}
    for item in group.classes:
        index.setdefault(_noncritical(item.version), []).append(item)
    return index


# ---- order and labels -----------------------------------------------------------------------------------

_FIRST_KEYS = ("driver", "stream", "stream_version")


def _key_order(key: str) -> tuple[int, str]:
    """Keys in the order descriptions are compared: driver, stream, stream_version, other versions, the rest."""
    if key in _FIRST_KEYS:
        return _FIRST_KEYS.index(key), key
    return (3 if key.endswith("version") else 4), key


def _compare_values(first: Value, second: Value) -> int:
    """Ordered values of one type by their order (1.9 below 1.10), others by type name, then text."""
    if type(first) is type(second):
        if is_ordered(first):
            found = compare(first, second)  # type: ignore[arg-type]
            if found:
                return found
        left, right = value_text(first), value_text(second)
        return (left > right) - (left < right)
    left, right = type(first).__name__, type(second).__name__
    return (left > right) - (left < right)


def compare_descriptions(first: MigrationVersion, second: MigrationVersion) -> int:
    """-1, 0 or 1: descriptions compared field by field, values as values.

    Keys are taken in this order: ``driver``, ``stream``, ``stream_version``, the other
    keys ending in ``version``, then the rest by name. A description without a key sorts
    before one with it; values of one ordered type compare by their order (1.9 below
    1.10), then (order-equivalent ones) by text; other values by type name, then text.
    Descriptions with equal fields compare equal: the caller breaks ties (by class id, say).
    """
    for key in sorted(set(first.fields) | set(second.fields), key=_key_order):
        one, two = first.fields.get(key), second.fields.get(key)
        if one is None or two is None:
            if one is not two:
                return -1 if one is None else 1
            continue
        found = _compare_values(one.value, two.value)
        if found:
            return found
    return 0


description_key = functools.cmp_to_key(compare_descriptions)
"""A sort key for :func:`compare_descriptions`."""


def _param_values(version: MigrationVersion, key: str) -> list[Value]:
    """The values a template's ``param`` lines give *key* (as the parameter, or as a field a line adds), in order."""
    found: list[Value] = []
    for param in version.params:
        if param.name == key:
            found.append(param.value)
        entry = param.fields.get(key)
        if entry is not None:
            found.append(entry.value)
    return found


def _shown(version: MigrationVersion, key: str) -> str:
    """``key=value`` (``~`` first when ignorable), ``no key``, or for a key a template's param lines set, the values.

    Those values are ``key=V`` for one value, ``key=LOW..HIGH`` for ordered
    values of one type (integers, versions), else ``key: param``: every
    device the type creates has the key.
    """
    entry = version.fields.get(key)
    if entry is not None:
        return f"{'~' if not entry.critical else ''}{key}={value_text(entry.value)}"
    values = _param_values(version, key)
    if not values:
        return f"no {key}"
    distinct = list(dict.fromkeys(values))
    if len(distinct) == 1:
        return f"{key}={value_text(distinct[0])}"
    kinds = {type(value) for value in distinct}
    if len(kinds) == 1 and all(is_ordered(value) for value in distinct):
        ordered = sorted(distinct, key=functools.cmp_to_key(_compare_values))
        return f"{key}={value_text(ordered[0])}..{value_text(ordered[-1])}"
    return f"{key}: param"


def tells_apart(
    versions: Sequence[MigrationVersion], limit: int = 2, known: Sequence[str] | None = None
) -> list[list[str]]:
    """For each of *versions*, the fields (``key=value``) that tell it apart from the others.

    Keys are picked greedily, in the order of :func:`compare_descriptions` among those that
    split the most: first the key whose values tell the most descriptions apart, then the next, until all
    are told apart or *limit* keys are picked. *known* (one text per description, a
    target's kind and type, say) already tells some apart: keys are picked for the rest.
    Each description's list holds its own value of each key picked (``no key`` when it
    has none; for a key a template's ``param`` lines set, the values they give it,
    ``key=1..8``, say, or ``key: param``); the lists are empty when there is at most one
    description.
    """
    if len(versions) < 2:
        return [[] for _ in versions]
    keys = sorted(
        {key for version in versions for key in version.fields}
        | {key for version in versions for param in version.params for key in (param.name, *param.fields)},
        key=_key_order,
    )
    picked: list[str] = []
    parts: list[tuple[str, ...]] = [() for _ in versions] if known is None else [(text,) for text in known]
    while len(picked) < limit and len(set(parts)) < len(versions):
        best, best_count = None, len(set(parts))
        for key in keys:
            if key in picked:
                continue
            count = len({(*part, _shown(version, key)) for part, version in zip(parts, versions, strict=True)})
            if count > best_count:
                best, best_count = key, count
        if best is None:
            break
        picked.append(best)
        parts = [(*part, _shown(version, best)) for part, version in zip(parts, versions, strict=True)]
    return [list(part if known is None else part[1:]) for part in parts]
