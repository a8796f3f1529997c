"""Kubernetes and KubeVirt: node labels saying which device classes a node has and which it accepts.

KubeVirt separates what a node *is* from what it *accepts* for migration:
``host-model-cpu.node.kubevirt.io/<model>`` next to
``cpu-model-migration.node.kubevirt.io/<model>``. The export follows that
precedent under its own prefix (default ``migcompat.io``, the project's name;
an operator who owns another domain passes it instead, and Kubernetes
reserves ``kubernetes.io`` and ``k8s.io`` for itself):

* ``device-class.node.<prefix>/<ID>=true`` -- the node has a device of class ``<ID>``;
* ``device-migration.node.<prefix>/<ID>=true`` -- the node has a device, or a
  device type it can create a device from, that accepts a source of class ``<ID>``.

``<ID>`` is the class identifier (32 upper-case hexadecimal digits), a valid
label name as it is: a class is the descriptions that the exported rules
cannot tell apart (:mod:`.table`), so devices that differ only in a value no
rule reads (a firmware build) share their labels. Each node's labels are one Node Feature Discovery
``NodeFeature`` object (``nfd.k8s-sigs.io/v1alpha1``), which NFD's master
copies onto the Node named by its ``nfd.node.kubernetes.io/node-name`` label.
For a source, :func:`node_affinity` and :func:`node_selector` give what the
VM's pod needs to land only on nodes that accept it. Every label is checked
against Kubernetes' rules (:mod:`.labels`) before it is emitted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from ..display import first_few
from .errors import SPLIT_THE_FLEET, ExportError
from .labels import MAX_PREFIX, MAX_VALUE, check_label, dns_subdomain_problem
from .mapping import MAPPING_VERSION, AcceptSets
from .table import SCOPE_NOTE, ExportTable, template_problem

__all__ = [
    "DEFAULT_NAMESPACE",
    "DEFAULT_PREFIX",
    "MANAGED_BY",
    "MANAGED_BY_LABEL",
    "MAPPING_FORMAT",
    "MAX_NODE_LABEL_BYTES",
    "NODE_FEATURE_API_VERSION",
    "NODE_NAME_FIELDS",
    "NODE_NAME_LABEL",
    "NODE_SCOPE_NOTE",
    "RESERVED_DOMAINS",
    "KubernetesExport",
    "LabelScheme",
    "NodeNames",
    "build_export",
    "check_namespace",
    "node_affinity",
    "node_name_problem",
    "node_selector",
    "written_head",
]

DEFAULT_PREFIX: Final = "migcompat.io"
"""The DNS domain the labels are under, unless the operator names another."""
DEFAULT_NAMESPACE: Final = "node-feature-discovery"
"""The namespace NFD's master watches for ``NodeFeature`` objects in a default installation."""
NODE_NAME_LABEL: Final = "nfd.node.kubernetes.io/node-name"
"""The label of a ``NodeFeature`` object naming the node its labels go to."""
MAPPING_FORMAT: Final = "migcompat-kubernetes-labels"
"""The ``"format"`` member of the Kubernetes mapping document."""
NODE_FEATURE_API_VERSION: Final = "nfd.k8s-sigs.io/v1alpha1"
"""The API version of the Node Feature Discovery objects an export writes."""
RESERVED_DOMAINS: Final = ("kubernetes.io", "k8s.io")
"""The DNS domains Kubernetes reserves for its own labels: no prefix may be one of them or under one."""
NODE_SCOPE_NOTE: Final = (
    "Necessary and sufficient for the source classes known at export time (those of the export's mapping"
    " document): a node carries the device-migration label of a class exactly when migcompat check says a device"
    " or device type there accepts that class. A source of a class the export did not know needs a new export,"
    " or an online 'migcompat match'."
)
"""The ``<prefix>/scope`` annotation of every ``NodeFeature`` object: what its labels say, and do not."""
_TRUE: Final = "true"
NODE_NAME_FIELDS: Final = ("host", "short")
"""The fields a node name template may use: the capture's host name, and its part before the first dot."""
_SHOWN_NAMES: Final = 20
"""How many invalid node names (or node names shared by hosts) an error lists; it counts the rest."""


@dataclass(frozen=True)
class NodeNames:
    """How a capture's host name becomes a Kubernetes node name: a template, then lower-cased if asked.

    *template* is a ``str.format`` template with the fields ``{host}``
    (the host name the capture records) and ``{short}`` (its part before the
    first dot), each written as such; *lower* lower-cases the result, as
    kubelet lower-cases the hostname it registers a node under. The default
    is the host name as it is. A template :func:`~.table.template_problem`
    refuses raises ``export-invalid-name``.
    """

    template: str = "{host}"
    lower: bool = False

    def __post_init__(self) -> None:
        problem = template_problem(self.template, NODE_NAME_FIELDS)
        if problem is not None:
            raise ExportError(
                "export-invalid-name", f"the node name template {self.template!r} {problem}", where=self.template
            )

    def name(self, host: str) -> str:
        """The node name of the host *host*."""
        name = self.template.format(host=host, short=host.split(".", 1)[0])
        return name.lower() if self.lower else name


def node_name_problem(node: str) -> str | None:
    """Why *node* cannot name a node of a ``NodeFeature`` object, or None when it can.

    A node name is a DNS subdomain (lower case), and NFD names the node in a
    label value, which holds at most 63 characters.
    """
    problem = dns_subdomain_problem(node)
    if problem is not None:
        return problem
    if len(node) > MAX_VALUE:
        return f"is {len(node)} characters long, more than the {MAX_VALUE} of the label value NFD names a node in"
    return None


def check_namespace(namespace: str) -> None:
    """Raise :class:`ExportError` (``export-invalid-name``) unless *namespace* is a Kubernetes namespace name."""
    problem = dns_subdomain_problem(namespace)
    if problem is not None or len(namespace) > 63 or "." in namespace:
        raise ExportError("export-invalid-name", f"namespace {namespace!r} is not a DNS label", where=namespace)


@dataclass(frozen=True)
class LabelScheme:
    """The label keys of one prefix: ``device-class.node.<prefix>/ID`` and ``device-migration.node.<prefix>/ID``.

    *prefix* must be a DNS subdomain outside :data:`RESERVED_DOMAINS`; any
    other raises ``export-invalid-name``.
    """

    prefix: str = DEFAULT_PREFIX

    def __post_init__(self) -> None:
        for domain in RESERVED_DOMAINS:
            if self.prefix.lower() == domain or self.prefix.lower().endswith("." + domain):
                raise ExportError(
                    "export-invalid-name",
                    f"label prefix {self.prefix!r} is {'' if self.prefix.lower() == domain else 'under '}{domain},"
                    " which Kubernetes reserves for its own labels: give a DNS domain you own",
                    where=self.prefix,
                )
        problem = dns_subdomain_problem(self.prefix)
        if problem is not None:
            raise ExportError("export-invalid-name", f"label prefix {self.prefix!r} {problem}", where=self.prefix)
        longest = MAX_PREFIX - (len(self.accepts_prefix) - len(self.prefix))
        if len(self.prefix) > longest:  # the prefix is a DNS subdomain: only the composed length can be wrong
            raise ExportError(
                "export-invalid-name",
                f"label prefix {self.prefix!r} is {len(self.prefix)} characters long, more than the {longest} that"
                f" leave room for 'device-migration.node.' in a label key's prefix (at most {MAX_PREFIX})",
                where=self.prefix,
            )

    @property
    def has_prefix(self) -> str:
        """The prefix of the "has a device of this class" labels."""
        return f"device-class.node.{self.prefix}"

    @property
    def accepts_prefix(self) -> str:
        """The prefix of the "accepts a source of this class" labels."""
        return f"device-migration.node.{self.prefix}"

    def has(self, class_id: str) -> str:
        """The label key saying a node has a device of class *class_id*."""
        key = f"{self.has_prefix}/{class_id}"
        check_label(key, _TRUE)
        return key

    def accepts(self, class_id: str) -> str:
        """The label key saying a node accepts a source of class *class_id*."""
        key = f"{self.accepts_prefix}/{class_id}"
        check_label(key, _TRUE)
        return key


@dataclass(frozen=True)
class KubernetesExport:
    """The labels of each node (host), and the table they were made from."""

    table: ExportTable
    scheme: LabelScheme
    nodes: dict[str, dict[str, str]]
    """node name -> label key -> value, both sorted."""
    node_of: dict[str, str] = field(default_factory=dict)
    """host name -> node name, for every host of the export, sorted by host."""

    def node_features(self, namespace: str = DEFAULT_NAMESPACE) -> list[dict[str, object]]:
        """One NFD ``NodeFeature`` object per node, in node-name order."""
        check_namespace(namespace)
        return [
            {
                "apiVersion": NODE_FEATURE_API_VERSION,
                "kind": "NodeFeature",
                "metadata": {
                    "name": _object_name(node),
                    "namespace": namespace,
                    "labels": {NODE_NAME_LABEL: node, MANAGED_BY_LABEL: MANAGED_BY},
                    "annotations": {f"{self.scheme.prefix}/scope": NODE_SCOPE_NOTE},
                },
                "spec": {"labels": dict(labels)},
            }
            for node, labels in self.nodes.items()
        ]

    def to_json(self) -> dict[str, object]:
        """The mapping document (version 3): what the export is, each class with its labels and canonical text.

        Each node of ``nodes`` is ``{"has": [I, ...], "accepts": K}``: the
        indices in ``classes`` of the classes of its devices, and the index in
        ``accept_sets`` of the set of classes it accepts (each set a sorted
        list of indices in ``classes``, listed once however many nodes share
        it). A node's labels are the ``has_label`` of each class of ``has``
        and the ``accepts_label`` of each class of its set. ``keys`` are the
        keys the exported rules constrain: each class's ``text`` is a
        description projected onto them (:func:`~migcompat.fleet.classes.export_class`), as a
        query projects its source.
        """
        sets = AcceptSets(known.id for known in self.table.classes)
        has_start, accepts_start = self.scheme.has_prefix + "/", self.scheme.accepts_prefix + "/"
        nodes: dict[str, object] = {}
        for node, labels in self.nodes.items():
            has = sorted(sets.position(key[len(has_start) :]) for key in labels if key.startswith(has_start))
            accepted = [key[len(accepts_start) :] for key in labels if key.startswith(accepts_start)]
            nodes[node] = {"has": has, "accepts": sets.index(accepted)}
        return {
            "format": MAPPING_FORMAT,
            "version": MAPPING_VERSION,
            "scope": SCOPE_NOTE,
            "prefix": self.scheme.prefix,
            "keys": sorted(self.table.keys),
            "classes": [
                {
                    "class": known.id,
                    "text": known.text,
                    "has_label": self.scheme.has(known.id),
                    "accepts_label": self.scheme.accepts(known.id),
                }
                for known in self.table.classes
            ],
            "accept_sets": sets.to_json(),
            "nodes": nodes,
        }


MANAGED_BY_LABEL: Final = "app.kubernetes.io/managed-by"
"""The label of every object the export writes (Kubernetes' recommended label), with the value :data:`MANAGED_BY`:
``kubectl get nodefeature -l app.kubernetes.io/managed-by=migcompat`` finds them, and ``kubectl apply --prune``
with it removes the objects of nodes gone from the inventory."""
MANAGED_BY: Final = "migcompat"
"""The value of :data:`MANAGED_BY_LABEL` on the export's objects."""


def written_head(node: str | None = None) -> bytes:
    """The first bytes of a file ``migcompat export kubernetes -o DIR`` writes: *node*'s NodeFeature object, or
    (None) the mapping document.

    Each is written as ``json.dumps`` with an indent of 2 writes it, its
    first members in a fixed order: ``apiVersion``, ``kind`` and the
    ``metadata`` ``name`` ``migcompat-NODE`` of the object, the ``format``
    of the mapping. A file that starts with these bytes is one an export
    wrote, which a later export to DIR may remove as stale; reading that
    many bytes of it tells, whatever its size.
    """
    if node is None:
        head = json.dumps({"format": MAPPING_FORMAT}, indent=2)
        return head[: -len("\n}")].encode("ascii") + b","
    name = f"migcompat-{node}"
    head = json.dumps(
        {"apiVersion": NODE_FEATURE_API_VERSION, "kind": "NodeFeature", "metadata": {"name": name}},
        indent=2,
        ensure_ascii=True,
    )
    return head[: head.index(json.dumps(name)) + len(json.dumps(name))].encode("ascii") + b","


def _object_name(node: str) -> str:
    name = f"migcompat-{node}"
    problem = dns_subdomain_problem(name)
    if problem is not None:
        raise ExportError("export-invalid-name", f"NodeFeature name {name!r} {problem}", where=node)
    return name


def build_export(
    table: ExportTable,
    scheme: LabelScheme | None = None,
    *,
    hosts: Sequence[str] = (),
    names: NodeNames | None = None,
    max_label_bytes: int = 0,
) -> KubernetesExport:
    """The labels of every host of *table* and of *hosts*: the classes its devices are and accept.

    Every host of *hosts* (the inventory's: :attr:`~migcompat.fleet.inventory.Inventory.file_hosts`)
    is a node, with or without a provider in *table*: a host none of whose
    placements could be decided gets no label at all, so that applying its
    object clears the labels an earlier export gave it (an "accepts" label
    is never kept without the evidence for it). A device kept only as a
    source (*held* of the :class:`~migcompat.exports.table.ExportTable`) gives its
    host the label of its class, and no "accepts" label. *names* turns a
    host name into its node name (default: as it is).

    Every node name must be a DNS subdomain and a label value (it is the
    value of ``nfd.node.kubernetes.io/node-name``): otherwise
    ``export-invalid-name``, naming every invalid node name and its host at
    once (the first 20, counting the rest). Two hosts
    whose names give one node name are ``export-collision``, naming them.
    An empty host name (a capture made without ``--host``) is
    ``export-invalid-name``. A node whose label keys, a comma after each,
    take more than *max_label_bytes* (:data:`MAX_NODE_LABEL_BYTES` if 0) is
    ``too-complex``, naming the largest: NFD could not record its labels.
    """
    scheme = scheme if scheme is not None else LabelScheme()
    names = names if names is not None else NodeNames()
    for provider in table.providers:
        if not provider.host:
            raise ExportError(
                "export-invalid-name",
                f"the provider {provider.path} has an empty host name, which names no node: capture its host"
                " again with 'migcompat capture --host NAME'",
                where=provider.where,
            )
    node_of: dict[str, str] = {}
    for host in [*hosts, *(provider.host for provider in table.providers), *(host for host, _ in table.held)]:
        if host not in node_of:
            node_of[host] = names.name(host)
    _check_node_names(node_of, names)
    nodes: dict[str, dict[str, str]] = {node: {} for node in node_of.values()}
    # Each distinct class, and each distinct set of accepted classes, is made into labels (and checked) once:
    # the work is linear in the table, not in providers x accepted classes x the cost of a label check.
    own_labels: dict[str, str] = {}
    accepted_labels: dict[frozenset[str], dict[str, str]] = {}
    for provider, own, accepted in zip(table.providers, table.is_class, table.accepts, strict=True):
        labels = nodes[node_of[provider.host]]
        if own is not None:
            key = own_labels.get(own)
            if key is None:
                key = own_labels[own] = scheme.has(own)
            labels[key] = _TRUE
        found = accepted_labels.get(accepted)
        if found is None:
            found = accepted_labels[accepted] = {scheme.accepts(class_id): _TRUE for class_id in accepted}
        labels.update(found)
    for host, own in table.held:
        key = own_labels.get(own)
        if key is None:
            key = own_labels[own] = scheme.has(own)
        nodes[node_of[host]][key] = _TRUE
    _check_label_bytes(nodes, max_label_bytes or MAX_NODE_LABEL_BYTES)
    return KubernetesExport(
        table,
        scheme,
        {node: dict(sorted(labels.items())) for node, labels in sorted(nodes.items())},
        {host: node_of[host] for host in sorted(node_of)},
    )


MAX_NODE_LABEL_BYTES: Final = 131_072
"""At most this many bytes of label keys on one node, a comma after each: about 1,900 labels of the default prefix.

NFD's master lists every label it sets on a node in one annotation of the
node (``nfd.node.kubernetes.io/feature-labels``, the keys joined by commas),
and Kubernetes allows a node's annotations 256 KiB in all: past it the API
server refuses the update, and the node keeps the labels it had. Half of it
is left to the node's other annotations.
"""


def _check_label_bytes(nodes: dict[str, dict[str, str]], limit: int) -> None:
    """``too-complex`` when a node's label keys take more than *limit* bytes, naming the largest nodes."""
    sizes = {node: sum(len(key) + 1 for key in labels) for node, labels in nodes.items()}
    over = sorted((node for node, size in sizes.items() if size > limit), key=lambda node: (-sizes[node], node))
    if over:
        shown = first_few(over, _SHOWN_NAMES, lambda node: f"{node} ({len(nodes[node])} labels, {sizes[node]} bytes)")
        raise ExportError(
            "too-complex",
            f"{len(over)} node{'s' if len(over) > 1 else ''} would carry more than {limit} bytes of label keys:"
            f" {shown}. NFD records every label it sets in one annotation of the node, and a node's annotations"
            " hold at most 256 KiB, so the API server would refuse the update and the node keep its old labels;"
            f" nothing was written. {SPLIT_THE_FLEET[0].upper()}{SPLIT_THE_FLEET[1:]}",
            where=over[0],
        )


def _check_node_names(node_of: dict[str, str], names: NodeNames) -> None:
    """``export-invalid-name`` naming every host whose node name is invalid; ``export-collision`` for a shared one."""
    how = (
        "" if names == NodeNames() else f" (from --node-name {names.template!r}{' lower-cased' if names.lower else ''})"
    )
    invalid = [(host, node, problem) for host, node in node_of.items() if (problem := node_name_problem(node))]
    if invalid:
        shown = first_few(
            invalid,
            _SHOWN_NAMES,
            lambda item: f"host {item[0]!r} gives the node name {item[1]!r}, which {item[2]}",
            "; ",
        )
        raise ExportError(
            "export-invalid-name",
            f"{len(invalid)} of {len(node_of)} hosts give an invalid Kubernetes node name{how}, so nothing was"
            f" written: {shown}; map host names to node names with --node-name TEMPLATE (fields {{host}},"
            " {short}) and --lower",
            where=invalid[0][0],
        )
    by_node: dict[str, list[str]] = {}
    for host, node in node_of.items():
        by_node.setdefault(node, []).append(host)
    shared = [(node, hosts) for node, hosts in by_node.items() if len(hosts) > 1]
    if shared:
        shown = first_few(
            shared, _SHOWN_NAMES, lambda item: f"{item[0]!r} from {', '.join(repr(host) for host in item[1])}", "; "
        )
        raise ExportError(
            "export-collision",
            f"{len(shared)} node {'name is' if len(shared) == 1 else 'names are'} given by several hosts{how}, whose"
            f" labels would be merged, so nothing was written: {shown}",
            where=shared[0][0],
        )


def node_affinity(
    class_ids: Sequence[str], *, any_of: bool = False, scheme: LabelScheme | None = None
) -> dict[str, object]:
    """The pod ``affinity`` that keeps it on nodes accepting every class of *class_ids* (with *any_of*, one).

    Every class is one match expression of a single node selector term (the
    expressions of a term are ANDed); with *any_of* each class is a term of
    its own (the terms are ORed).
    """
    if not class_ids:
        raise ValueError("an affinity needs at least one class")
    scheme = scheme if scheme is not None else LabelScheme()
    expressions = [
        {"key": scheme.accepts(class_id), "operator": "In", "values": [_TRUE]} for class_id in dict.fromkeys(class_ids)
    ]
    terms = (
        [{"matchExpressions": [expression]} for expression in expressions]
        if any_of
        else [{"matchExpressions": expressions}]
    )
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}}


def node_selector(class_ids: Sequence[str], scheme: LabelScheme | None = None) -> dict[str, str]:
    """The pod ``nodeSelector`` that keeps it on nodes accepting every class of *class_ids*."""
    if not class_ids:
        raise ValueError("a node selector needs at least one class")
    scheme = scheme if scheme is not None else LabelScheme()
    return {scheme.accepts(class_id): _TRUE for class_id in dict.fromkeys(class_ids)}
