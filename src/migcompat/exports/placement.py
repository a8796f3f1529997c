"""OpenStack Placement: ``CUSTOM_`` traits saying what each provider is and which source classes it accepts.

Nova's scheduler asks Placement for allocation candidates by resource class
and *traits*. The export gives:

* on the resource provider of each device or device type, the trait
  ``CUSTOM_MIGCOMPAT_ACCEPTS_<ID>`` for every known source class ``<ID>``
  that migcompat says it accepts, and, for a device, ``CUSTOM_MIGCOMPAT_IS_<ID>``
  for the class it is;
* for a source, the query that finds its targets: ``required=CUSTOM_MIGCOMPAT_ACCEPTS_<ID>``
  (microversion 1.18 for ``GET /resource_providers``, 1.29 for
  ``GET /allocation_candidates`` on Nova's nested GPU providers); for several
  sources, every one of them (``required=A,B``) or any one of them
  (``required=in:A,B``, microversion 1.39);
* a mapping document from each trait to its class, with the class's
  canonical text, so that a trait on a provider can be read back.

A class is the descriptions that the exported rules cannot tell apart
(:mod:`.table`): devices that differ only in a value no rule reads (a
firmware build) share their traits. ``<ID>`` is the class identifier written
in Placement's alphabet (upper case, every other character an underscore).
Trait names are checked against Placement's pattern ``^CUSTOM_[A-Z0-9_]+$``
and length (255), and two different classes that would share a name are an
error (``export-collision``), never a silent merge.

How a migcompat provider maps to a Placement resource provider is the
operator's choice, made explicit (:class:`ResourceProviderMap`): by UUID from
a map the operator gives (``HOST:PATH`` to UUID), else by *name* from a
template. The default template, ``{host}_{nodedev}``, is the name Nova's
libvirt driver gives the resource provider of a physical GPU: the compute
node's name, ``_``, and libvirt's node-device name of the PCI device
(``pci_0000_84_00_0``); it maps a device type to its parent's provider.
A device is mapped by name only under a template the operator gives
(*devices* of :class:`ResourceProviderMap`): Nova's PCI-in-Placement names a PCI
device's provider ``<hypervisor_hostname>_<PF ADDRESS>`` (upper case), pools
every VF of a PF into that one provider, and sets its traits itself (from
``[pci] device_spec``, on each update of its resource tracker), so no name
the export could guess is right for a VF. An mdev instance has no resource
provider of its own in Nova and is left unmapped unless the UUID map names it.

A placement whose migration attributes could not be read or decided
(:class:`~.table.Undecided`) is mapped the same way and gets no migcompat
trait: pushing clears those its resource provider had, so that it never
keeps an "accepts" trait without the evidence for it. So is a placement with
neither attribute (:class:`~migcompat.fleet.inventory.BarePlacement`: its
driver does not migrate, or no longer does after an update), unless a
provider or an undecided placement maps to the same resource provider.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from ..display import plural
from ..fleet.inventory import BarePlacement, Provider
from .errors import ExportError
from .mapping import MAPPING_VERSION, AcceptSets
from .table import SCOPE_NOTE, ExportTable, Undecided, provider_key, template_problem

__all__ = [
    "ACCEPTS_PREFIX",
    "DEFAULT_NAME_TEMPLATE",
    "IS_PREFIX",
    "MAPPING_FORMAT",
    "MAX_TRAIT",
    "NAME_FIELDS",
    "TRAIT_PREFIX",
    "PlacementExport",
    "PlacementQuery",
    "ProviderTraits",
    "ResourceProviderMap",
    "accepts_trait",
    "build_export",
    "is_trait",
    "name_template_problem",
    "nodedev_name",
    "query_for",
]

TRAIT_PREFIX: Final = "CUSTOM_MIGCOMPAT_"
"""Every trait the export sets starts with this; pushing replaces only these on a provider."""
ACCEPTS_PREFIX: Final = TRAIT_PREFIX + "ACCEPTS_"
IS_PREFIX: Final = TRAIT_PREFIX + "IS_"
MAX_TRAIT: Final = 255
"""Placement's longest trait name."""
MAPPING_FORMAT: Final = "migcompat-placement-traits"
"""The ``"format"`` member of the mapping document."""
DEFAULT_NAME_TEMPLATE: Final = "{host}_{nodedev}"
"""The resource provider name Nova's libvirt driver gives a physical GPU (or PCI device)."""
NAME_FIELDS: Final = ("host", "ident", "kind", "nodedev")
"""The fields a resource provider name template may use, each as a plain ``{field}``."""

_TRAIT: Final = re.compile(r"CUSTOM_[A-Z0-9_]+\Z")
_PCI: Final = re.compile(r"(?<![0-9a-fA-F])([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])(?![0-9a-fA-F])")
_UNSAFE: Final = re.compile(r"[^A-Z0-9]")


def _token(class_id: str) -> str:
    return _UNSAFE.sub("_", class_id.upper())


def _checked(name: str) -> str:
    if len(name) > MAX_TRAIT:
        raise ExportError(
            "export-invalid-name", f"trait {name[:40]}... is {len(name)} characters, more than {MAX_TRAIT}", where=name
        )
    if not _TRAIT.match(name):
        raise ExportError("export-invalid-name", f"trait {name!r} does not match ^CUSTOM_[A-Z0-9_]+$", where=name)
    return name


def accepts_trait(class_id: str) -> str:
    """The trait a provider carries when it accepts the class *class_id*."""
    return _checked(ACCEPTS_PREFIX + _token(class_id))


def is_trait(class_id: str) -> str:
    """The trait a device carries when it is of the class *class_id*."""
    return _checked(IS_PREFIX + _token(class_id))


def name_template_problem(template: str) -> str | None:
    """Why *template* is not a resource provider name template, or None when it is one.

    A template is text with plain ``{field}`` replacement fields, each field
    one of :data:`NAME_FIELDS`, and ``{{``, ``}}`` for literal braces
    (:func:`~migcompat.exports.table.template_problem`); the empty template
    is refused too.
    """
    return template_problem(template, NAME_FIELDS)


def nodedev_name(path: str) -> str | None:
    """libvirt's node-device name (``pci_0000_84_00_0``) of the last PCI address in *path*, or None."""
    found = _PCI.findall(path)
    if not found:
        return None
    domain, bus, slot, function = found[-1]
    return f"pci_{domain}_{bus}_{slot}_{function}".lower()


@dataclass(frozen=True)
class ResourceProviderMap:
    """How a migcompat provider is found in Placement: a UUID the operator gives, else a name from a template.

    *uuids* maps ``HOST:PATH`` (:func:`~migcompat.exports.table.provider_key`)
    to a resource provider UUID. *template* is a ``str.format`` template
    with ``{host}``, ``{ident}``, ``{kind}`` and ``{nodedev}`` (libvirt's
    node-device name of the device's PCI address, or of a type's parent);
    None maps by UUID only. The template names device types, and devices
    only when *devices* is true (a template the operator chose for them:
    see the module's note on Nova's PCI-in-Placement); a provider the
    template cannot name (no PCI address: an mdev instance) is unmapped. A
    template that :func:`name_template_problem` refuses raises
    ``export-invalid-name``.
    """

    uuids: Mapping[str, str] = field(default_factory=dict)
    template: str | None = DEFAULT_NAME_TEMPLATE
    devices: bool = False

    def __post_init__(self) -> None:
        if self.template is not None:
            problem = name_template_problem(self.template)
            if problem is not None:
                raise ExportError(
                    "export-invalid-name",
                    f"the resource provider name template {self.template!r} {problem}",
                    where=self.template,
                )

    def resolve(self, provider: Provider | Undecided | BarePlacement) -> tuple[str, str] | None:
        """``("uuid", UUID)`` or ``("name", NAME)`` for *provider*, or None when it maps to nothing.

        A provider named by a template that uses ``{host}`` must have a host
        name: an empty one (a capture made without ``--host``) raises
        ``export-invalid-name``, rather than give a name such as
        ``_pci_0000_3b_00_0`` that no compute node has.
        """
        uuid = self.uuids.get(provider_key(provider))
        if uuid is not None:
            return ("uuid", uuid)
        if self.template is None or (provider.kind != "type" and not self.devices):
            return None
        nodedev = nodedev_name(provider.path)
        if nodedev is None and "{nodedev}" in self.template:
            return None
        if not provider.host and "{host}" in self.template:
            raise ExportError(
                "export-invalid-name",
                f"the provider {provider.path} has an empty host name, so the resource provider name template"
                f" {self.template!r} cannot name it: capture its host again with 'migcompat capture --host NAME'",
                where=provider.where,
            )
        name = self.template.format(host=provider.host, ident=provider.ident, kind=provider.kind, nodedev=nodedev or "")
        return ("name", name)


@dataclass(frozen=True)
class ProviderTraits:
    """The migcompat traits of one provider and the Placement resource provider they go to (None: unmapped).

    The provider of an :class:`~.table.Undecided` placement, or of a
    :class:`~migcompat.fleet.inventory.BarePlacement`, has no traits.
    """

    provider: Provider | Undecided | BarePlacement
    resource_provider: tuple[str, str] | None
    traits: tuple[str, ...]

    @property
    def undecided(self) -> bool:
        """Whether the provider is a placement whose migration attributes could not be decided."""
        return isinstance(self.provider, Undecided)


@dataclass(frozen=True)
class PlacementExport:
    """The traits of every provider, the mapping from trait to class, and the known classes' queries."""

    table: ExportTable
    providers: tuple[ProviderTraits, ...]
    traits: Mapping[str, tuple[str, str]]
    """trait name -> (relation ``"accepts"`` or ``"is"``, class identifier)."""
    template: str | None = DEFAULT_NAME_TEMPLATE
    """The resource provider name template the providers were mapped with (None: by UUID only)."""
    undecided: tuple[ProviderTraits, ...] = ()
    """The placements that could not be decided, each with no trait: a push clears their resource providers'."""
    bare: tuple[ProviderTraits, ...] = ()
    """The placements with neither migration attribute, each with no trait, mapped to a resource provider no other
    entry maps to (None otherwise): a push clears their resource providers' migcompat traits."""

    def all_traits(self) -> list[str]:
        """Every trait name the export sets, sorted."""
        return sorted(self.traits)

    def placement_traits(self) -> list[str]:
        """The traits a push makes exist in Placement (and a prune keeps), sorted.

        Every ``accepts`` trait of :meth:`all_traits`, carried or not: a
        query names it, and Placement refuses a query that names a trait it
        does not have. An ``is`` trait only where a provider with a resource
        provider carries it: under Nova's layout none does (an mdev instance
        has no resource provider of its own), and a trait no provider can
        carry would only clutter Placement's list.
        """
        carried = {name for entry in self.providers if entry.resource_provider is not None for name in entry.traits}
        return sorted(name for name, (relation, _) in self.traits.items() if relation == "accepts" or name in carried)

    def by_resource_provider(self) -> dict[tuple[str, str], ProviderTraits]:
        """The mapped providers by resource provider; two providers on one is ``export-ambiguous-provider``.

        A resource provider's traits must say what a device allocated *from it*
        accepts: when two migcompat providers (say two mdev types of one GPU)
        map to it, which one Nova will use is not known here, so the export
        refuses to guess. The error names the first such resource provider and
        every provider on it, and how many other resource providers have the
        same problem: restrict the inventory to the enabled types, or map by UUID.
        """
        groups: dict[tuple[str, str], list[ProviderTraits]] = {}
        for entry in (*self.providers, *self.undecided):
            if entry.resource_provider is not None:
                groups.setdefault(entry.resource_provider, []).append(entry)
        for entry in self.bare:
            if entry.resource_provider is not None and entry.resource_provider not in groups:
                groups[entry.resource_provider] = [entry]
        shared = [(rp, entries) for rp, entries in groups.items() if len(entries) > 1]
        if shared:
            (how, value), entries = shared[0]
            raise _shared_resource_provider(
                f"resource provider {how} {value!r}",
                [entry.provider for entry in entries],
                len(shared) - 1,
                self.template if how == "name" else None,
                by_uuid=how == "uuid",
                where=value,
            )
        return {rp: entries[0] for rp, entries in groups.items()}

    def to_json(self) -> dict[str, object]:
        """The mapping document (version 3): what the export is, each class, each trait's class, each provider.

        ``classes`` lists each known class once, with its canonical text, its
        two traits and its query; ``traits`` gives each trait the export sets
        its relation and class. Each provider of ``providers`` has its
        resource provider (``{"name": N}``, ``{"uuid": U}`` or null), ``is``
        (the index in ``classes`` of a device's own class, or null) and
        ``accepts``: the index in ``accept_sets`` of the set of classes it
        accepts, each set a sorted list of indices in ``classes``, listed once
        however many providers share it. A provider's traits are the
        ``accepts_trait`` of each class of its set, and the ``is_trait`` of
        its ``is`` class. ``undecided`` lists the placements that could not
        be decided (host, path, ident, kind, resource provider), and
        ``without_attributes`` the placements with neither migration
        attribute: they have no trait. The document grows with the providers and the distinct
        sets, not as providers times accepted classes. ``keys`` are the keys
        the exported rules constrain: each class's ``text`` is a description
        projected onto them (:func:`~migcompat.fleet.classes.export_class`), as a query
        projects its source.
        """
        sets = AcceptSets(known.id for known in self.table.classes)
        providers: list[dict[str, object]] = []
        for entry, own, accepted in zip(self.providers, self.table.is_class, self.table.accepts, strict=True):
            providers.append(
                {
                    **_placed(entry),
                    "is": None if own is None else sets.position(own),
                    "accepts": sets.index(accepted),
                }
            )
        return {
            "format": MAPPING_FORMAT,
            "version": MAPPING_VERSION,
            "scope": SCOPE_NOTE,
            "keys": sorted(self.table.keys),
            "classes": [
                {
                    "class": known.id,
                    "text": known.text,
                    "accepts_trait": accepts_trait(known.id),
                    "is_trait": is_trait(known.id),
                    "query": query_for([known.id]).query,
                }
                for known in self.table.classes
            ],
            "traits": {
                name: {"relation": relation, "class": class_id}
                for name, (relation, class_id) in sorted(self.traits.items())
            },
            "accept_sets": sets.to_json(),
            "providers": providers,
            "undecided": [_placed(entry) for entry in self.undecided],
            "without_attributes": [_placed(entry) for entry in self.bare],
        }


def _placed(entry: ProviderTraits) -> dict[str, object]:
    """Where *entry*'s placement is, and its resource provider (or null): the members every mapping entry has."""
    return {
        "host": entry.provider.host,
        "path": entry.provider.path,
        "ident": entry.provider.ident,
        "kind": entry.provider.kind,
        "resource_provider": None
        if entry.resource_provider is None
        else {entry.resource_provider[0]: entry.resource_provider[1]},
    }


def _field(provider: Provider | Undecided | BarePlacement, name: str) -> str:
    """The value the name template field *name* takes for *provider*."""
    if name == "nodedev":
        return nodedev_name(provider.path) or ""
    value: str = getattr(provider, name)
    return value


def _shared_resource_provider(
    what: str,
    providers: Sequence[Provider | Undecided | BarePlacement],
    others: int,
    template: str | None,
    *,
    by_uuid: bool,
    where: str,
) -> ExportError:
    """The ``export-ambiguous-provider`` error for *providers* sharing the resource provider *what*, with advice.

    *others* counts the other resource providers with the same problem. The
    advice follows the cause: providers given one UUID in the UUID map are
    told to get one each; providers named alike by a *template* that lacks a
    field telling them apart are told which fields it lacks; the several mdev
    types of one GPU under Nova's own name (the template has ``{host}`` and
    ``{nodedev}``) are told to keep the type Nova enables.
    """
    more = f" ({plural(others, 'other resource provider')} too)" if others else ""
    keys = ", ".join(repr(provider_key(provider)) for provider in providers)
    head = f"{what} would get the traits of {len(providers)} providers{more}: {keys};"
    differ = [name for name in NAME_FIELDS if len({_field(p, name) for p in providers}) > 1]
    lacking = [name for name in differ if template is not None and "{" + name + "}" not in template]
    by_uuid_advice = "or map each provider to a resource provider of its own by UUID (--rp-uuids FILE)"
    if by_uuid:
        advice = (
            " a resource provider's traits must say what one provider accepts: give each provider a UUID of its own"
            " in --rp-uuids FILE"
        )
    elif set(differ) <= {"ident"} and all(p.kind == "type" for p in providers):  # the mdev types of one GPU
        advice = (
            " its traits must say what the one mdev type Nova creates there accepts: keep only the type Nova enables"
            " on each GPU (--enabled-type TYPE or HOST=TYPE, as in [devices] enabled_mdev_types); where a host's GPUs"
            " enable different types ([mdev_TYPE] device_addresses), map the type each GPU enables to its resource"
            " provider by UUID (--rp-uuids FILE) and give --rp-name '' so that no other type maps to it by name"
        )
    elif lacking:
        fields = ", ".join("{" + name + "}" for name in lacking)
        advice = (
            f" the --rp-name template {template!r} lacks {fields}, which {'tells' if len(lacking) == 1 else 'tell'}"
            f" these providers apart: add {'it' if len(lacking) == 1 else 'them'} to the template (Nova names a GPU's"
            f" provider '{{host}}_{{nodedev}}'), {by_uuid_advice}"
        )
    else:
        advice = f" the --rp-name template {template!r} gives them one name: make it tell them apart, {by_uuid_advice}"
    return ExportError("export-ambiguous-provider", head + advice, where=where)


def _name_traits(table: ExportTable) -> dict[str, tuple[str, str]]:
    traits: dict[str, tuple[str, str]] = {}
    for known in table.classes:
        for relation, name in (("accepts", accepts_trait(known.id)), ("is", is_trait(known.id))):
            other = traits.get(name)
            if other is not None and other[1] != known.id:
                raise ExportError(
                    "export-collision",
                    f"trait {name} would name two classes, {other[1]} and {known.id}",
                    where=name,
                )
            traits[name] = (relation, known.id)
    return traits


def build_export(
    table: ExportTable,
    rp_map: ResourceProviderMap | None = None,
    undecided: Iterable[Undecided] = (),
    bare: Iterable[BarePlacement] = (),
) -> PlacementExport:
    """The Placement export of *table*: every provider's traits and where they go (*rp_map*, default by name).

    Each placement of *undecided* (:func:`~.table.undecided_placements`) is
    mapped as a provider is, with no trait; so is each of *bare* (the
    inventory's placements with neither migration attribute) whose resource
    provider no provider and no undecided placement maps to (the others are
    left unmapped: the resource provider's traits are those of what does
    migrate there).
    """
    rp_map = rp_map if rp_map is not None else ResourceProviderMap()
    traits = _name_traits(table)
    used: set[str] = set()
    entries = []
    # Providers share their sets of accepted classes: each distinct set (and class) is named once.
    named: dict[tuple[str | None, frozenset[str]], tuple[str, ...]] = {}
    for provider, own, accepted in zip(table.providers, table.is_class, table.accepts, strict=True):
        names = named.get((own, accepted))
        if names is None:
            found = [accepts_trait(class_id) for class_id in accepted]
            if own is not None:
                found.append(is_trait(own))
            names = named[(own, accepted)] = tuple(sorted(found))
            used.update(names)
        entries.append(ProviderTraits(provider, rp_map.resolve(provider), names))
    used_traits = {name: traits[name] for name in traits if name in used}
    cleared = tuple(ProviderTraits(placement, rp_map.resolve(placement), ()) for placement in undecided)
    taken = {entry.resource_provider for entry in (*entries, *cleared)}
    without = []
    for placement in bare:
        target = rp_map.resolve(placement)
        without.append(ProviderTraits(placement, None if target in taken else target, ()))
        taken.add(target)
    return PlacementExport(table, tuple(entries), used_traits, rp_map.template, cleared, tuple(without))


@dataclass(frozen=True)
class PlacementQuery:
    """The ``required`` query parameter that finds a source's targets, and the microversions it needs.

    *microversion* is the least for ``GET /resource_providers``;
    *allocation_candidates_microversion* the least for ``GET
    /allocation_candidates`` on a tree of nested providers, as Nova's GPUs
    are (nested providers are candidates from 1.29).
    """

    query: str
    microversion: str
    traits: tuple[str, ...]
    any_of: bool
    allocation_candidates_microversion: str = "1.29"

    def to_json(self) -> dict[str, object]:
        """The query as a JSON-ready object."""
        return {
            "query": self.query,
            "microversion": self.microversion,
            "allocation_candidates_microversion": self.allocation_candidates_microversion,
            "traits": list(self.traits),
            "any_of": self.any_of,
        }


def query_for(class_ids: Sequence[str], *, any_of: bool = False) -> PlacementQuery:
    """The query for targets accepting every class of *class_ids*, or with *any_of* at least one of them.

    ``required=A,B`` needs microversion 1.18 on ``GET /resource_providers``
    (1.29 on ``GET /allocation_candidates`` over nested providers);
    ``required=in:A,B`` needs 1.39 on both.
    """
    if not class_ids:
        raise ValueError("a query needs at least one class")
    traits = tuple(dict.fromkeys(accepts_trait(class_id) for class_id in class_ids))
    if any_of and len(traits) > 1:
        return PlacementQuery("required=in:" + ",".join(traits), "1.39", traits, True, "1.39")
    return PlacementQuery("required=" + ",".join(traits), "1.18", traits, any_of)


def unknown_classes(mapping_classes: Iterable[str], wanted: Iterable[str]) -> list[str]:
    """The classes of *wanted* that are not among *mapping_classes*, in order."""
    known = set(mapping_classes)
    return [class_id for class_id in wanted if class_id not in known]
