"""OpenStack Placement: ``CUSTOM_`` traits saying what each provider is and which source classes it accepts.

Nova's scheduler asks Placement for allocation candidates by resource class
and *traits*. The export gives:

* on the resource provider of each device or device type, the trait
  ``CUSTOM_MIGCOMPAT_ACCEPTS_<ID>`` for every known source class ``<ID>``
  that migcompat says it accepts, and, for a device, ``CUSTOM_MIGCOMPAT_IS_<ID>``
  for the class it is;
* for a source, the query that finds its targets: ``required=CUSTOM_MIGCOMPAT_ACCEPTS_<ID>``
  (microversion 1.18 for ``GET /resource_providers``, 1.17 for
  ``GET /allocation_candidates``); for several sources, every one of them
  (``required=A,B``) or any one of them (``required=in:A,B``, microversion 1.39);
* a mapping document from each trait to its class, with the class's
  canonical text, so that a trait on a provider can be read back.

``<ID>`` is the class identifier written in Placement's alphabet (upper case,
every other character an underscore). Trait names are checked against
Placement's pattern ``^CUSTOM_[A-Z0-9_]+$`` and length (255), and two
different classes that would share a name are an error (``export-collision``),
never a silent merge.

How a migcompat provider maps to a Placement resource provider is the
operator's choice, made explicit (:class:`ResourceProviderMap`): by UUID from
a map the operator gives (``HOST:PATH`` to UUID), else by *name* from a
template. The default template, ``{host}_{nodedev}``, is the name Nova's
libvirt driver gives the resource provider of a physical GPU: the compute
node's name, ``_``, and libvirt's node-device name of the PCI device
(``pci_0000_84_00_0``); a device type maps to its parent's provider and a PCI
device (a VF) to its own. An mdev instance has no resource provider of its
own in Nova and is left unmapped unless the UUID map names it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from ..display import plural
from ..fleet.inventory import Provider
from .errors import ExportError
from .table import SCOPE_NOTE, ExportTable, provider_key

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
    one of :data:`NAME_FIELDS`, and ``{{``, ``}}`` for literal braces: no
    attribute, index, conversion or format specification (``{host.x}``,
    ``{host[0]}``, ``{host!r}``, ``{host:>9}``), which would not make a name.
    The empty template is refused too.
    """
    if not template:
        return "is empty"
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(template)]
    except ValueError as exc:
        return f"is not a format template: {exc}"
    for name, spec, conversion in fields:
        if name is None:
            continue
        if name not in NAME_FIELDS or spec or conversion is not None:
            text = (
                "{" + name + (f"!{conversion}" if conversion is not None else "") + (f":{spec}" if spec else "") + "}"
            )
            return f"has the field {text}: only {', '.join('{' + known + '}' for known in NAME_FIELDS)} may be used"
    return None


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
    to a resource provider UUID. *template* is a :meth:`str.format` template
    with ``{host}``, ``{ident}``, ``{kind}`` and ``{nodedev}`` (libvirt's
    node-device name of the device's PCI address, or of a type's parent);
    None maps by UUID only. A provider the template cannot name (no PCI
    address: an mdev instance) is unmapped. A template that
    :func:`name_template_problem` refuses raises ``export-invalid-name``.
    """

    uuids: Mapping[str, str] = field(default_factory=dict)
    template: str | None = DEFAULT_NAME_TEMPLATE

    def __post_init__(self) -> None:
        if self.template is not None:
            problem = name_template_problem(self.template)
            if problem is not None:
                raise ExportError(
                    "export-invalid-name",
                    f"the resource provider name template {self.template!r} {problem}",
                    where=self.template,
                )

    def resolve(self, provider: Provider) -> tuple[str, str] | None:
        """``("uuid", UUID)`` or ``("name", NAME)`` for *provider*, or None when it maps to nothing."""
        uuid = self.uuids.get(provider_key(provider))
        if uuid is not None:
            return ("uuid", uuid)
        if self.template is None:
            return None
        nodedev = nodedev_name(provider.path)
        if nodedev is None and "{nodedev}" in self.template:
            return None
        name = self.template.format(host=provider.host, ident=provider.ident, kind=provider.kind, nodedev=nodedev or "")
        return ("name", name)


@dataclass(frozen=True)
class ProviderTraits:
    """The migcompat traits of one provider and the Placement resource provider they go to (None: unmapped)."""

    provider: Provider
    resource_provider: tuple[str, str] | None
    traits: tuple[str, ...]


@dataclass(frozen=True)
class PlacementExport:
    """The traits of every provider, the mapping from trait to class, and the known classes' queries."""

    table: ExportTable
    providers: tuple[ProviderTraits, ...]
    traits: Mapping[str, tuple[str, str]]
    """trait name -> (relation ``"accepts"`` or ``"is"``, class identifier)."""

    def all_traits(self) -> list[str]:
        """Every trait name the export sets, sorted."""
        return sorted(self.traits)

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
        for entry in self.providers:
            if entry.resource_provider is not None:
                groups.setdefault(entry.resource_provider, []).append(entry)
        shared = [(rp, entries) for rp, entries in groups.items() if len(entries) > 1]
        if shared:
            (how, value), entries = shared[0]
            others = f" ({plural(len(shared) - 1, 'other resource provider')} too)" if len(shared) > 1 else ""
            raise ExportError(
                "export-ambiguous-provider",
                f"resource provider {how} {value!r} would get the traits of {len(entries)} providers{others}:"
                f" {', '.join(repr(provider_key(entry.provider)) for entry in entries)}; its traits must say what the"
                " one mdev type Nova creates there accepts: keep only the type Nova enables on each GPU"
                " (--enabled-type TYPE, as in [devices] enabled_mdev_types), or map each provider to a resource"
                " provider of its own by UUID (--rp-uuids FILE)",
                where=value,
            )
        return {rp: entries[0] for rp, entries in groups.items()}

    def to_json(self) -> dict[str, object]:
        """The mapping document: what the export is, each trait's class with its canonical text, each provider."""
        texts = {known.id: known.text for known in self.table.classes}
        return {
            "format": MAPPING_FORMAT,
            "version": 1,
            "scope": SCOPE_NOTE,
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
                name: {"relation": relation, "class": class_id, "text": texts[class_id]}
                for name, (relation, class_id) in sorted(self.traits.items())
            },
            "providers": [
                {
                    "host": entry.provider.host,
                    "path": entry.provider.path,
                    "ident": entry.provider.ident,
                    "kind": entry.provider.kind,
                    "resource_provider": None
                    if entry.resource_provider is None
                    else {entry.resource_provider[0]: entry.resource_provider[1]},
                    "traits": list(entry.traits),
                }
                for entry in self.providers
            ],
        }


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


def build_export(table: ExportTable, rp_map: ResourceProviderMap | None = None) -> PlacementExport:
    """The Placement export of *table*: every provider's traits and where they go (*rp_map*, default by name)."""
    rp_map = rp_map if rp_map is not None else ResourceProviderMap()
    traits = _name_traits(table)
    used: set[str] = set()
    entries = []
    for provider, own, accepted in zip(table.providers, table.is_class, table.accepts, strict=True):
        names = sorted(accepts_trait(class_id) for class_id in accepted)
        if own is not None:
            names.append(is_trait(own))
        used.update(names)
        entries.append(ProviderTraits(provider, rp_map.resolve(provider), tuple(sorted(names))))
    return PlacementExport(table, tuple(entries), {name: traits[name] for name in traits if name in used})


@dataclass(frozen=True)
class PlacementQuery:
    """The ``required`` query parameter that finds a source's targets, and the microversion it needs."""

    query: str
    microversion: str
    traits: tuple[str, ...]
    any_of: bool

    def to_json(self) -> dict[str, object]:
        """The query as a JSON-ready object."""
        return {
            "query": self.query,
            "microversion": self.microversion,
            "traits": list(self.traits),
            "any_of": self.any_of,
        }


def query_for(class_ids: Sequence[str], *, any_of: bool = False) -> PlacementQuery:
    """The query for targets accepting every class of *class_ids*, or with *any_of* at least one of them.

    ``required=A,B`` needs microversion 1.18 on ``GET /resource_providers``
    (1.17 on ``GET /allocation_candidates``); ``required=in:A,B`` needs 1.39.
    """
    if not class_ids:
        raise ValueError("a query needs at least one class")
    traits = tuple(dict.fromkeys(accepts_trait(class_id) for class_id in class_ids))
    if any_of and len(traits) > 1:
        return PlacementQuery("required=in:" + ",".join(traits), "1.39", traits, True)
    return PlacementQuery("required=" + ",".join(traits), "1.18", traits, any_of)


def unknown_classes(mapping_classes: Iterable[str], wanted: Iterable[str]) -> list[str]:
    """The classes of *wanted* that are not among *mapping_classes*, in order."""
    known = set(mapping_classes)
    return [class_id for class_id in wanted if class_id not in known]
