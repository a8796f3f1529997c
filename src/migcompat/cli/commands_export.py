"""``migcompat export``: Placement traits and Kubernetes node labels for the schedulers that run fleets."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final, NoReturn

import click

from ..display import escape, plural
from ..errors import MigcompatError
from .attributes import Loader, report_failures
from .exitcodes import EXIT_STATUS_HELP, ExitCode
from .options import format_option
from .output import echo, echo_error, echo_json

if TYPE_CHECKING:
    from ..exports.table import ExportTable
    from ..fleet.inventory import Provider
    from ..model import MigrationVersion

__all__ = ["export_command"]

_SCOPE: Final = """\
An export is necessary and sufficient for the source classes known when it
is made (the classes of the inventory's devices, and of any --source): a
provider is marked as accepting a class exactly when 'migcompat check' says
it accepts it. A source of a class not seen then needs a new export, or an
online 'migcompat match'."""

_GROUP_HELP: Final = f"""Export a fleet's compatibility to the schedulers that place VMs.

migcompat does not schedule: OpenStack Placement (Nova's scheduler) matches
traits and Kubernetes matches node labels, at scale. 'export placement' and
'export kubernetes' write what they match on, from an INVENTORY of captures
('migcompat capture' files, or directories of them); the '-query' commands
print what a source's placement request needs.

{_SCOPE}
"""

_EPILOG: Final = (
    EXIT_STATUS_HELP + "\n\n\b\nFor export: 0 written (and pushed), 2 a bad option value (an --endpoint that is"
    "\nnot an http(s) URL, an --rp-name field other than the four listed, an --enabled-type no"
    "\ndevice type of the inventory has), 3 an input that cannot be read, a name outside the"
    "\nscheduler's rules or a collision, two providers on one resource provider, a source of a"
    "\nclass the export does not know, or a Placement request that failed."
)
_SHOWN_TYPES: Final = 20
"""How many of the inventory's type names an unmatched --enabled-type error lists."""


def _fail(ctx: click.Context, exc: MigcompatError) -> NoReturn:
    echo_error(f"[{exc.code}] {escape(exc.message)}")
    ctx.exit(ExitCode.UNDECIDED)


def _sources(ctx: click.Context, paths: Sequence[str]) -> list[tuple[str, MigrationVersion]]:
    """The migration_version of every path (a file, - or a device directory); failures end the command."""
    loader = Loader()
    versions = [(path, loader.version(f"source {number}", path)) for number, path in enumerate(paths, 1)]
    if loader.failures:
        report_failures(loader.failures, json_output=False)
        ctx.exit(ExitCode.UNDECIDED)
    return [(path, version) for path, version in versions if version is not None]


def _write(ctx: click.Context, path: str, document: object) -> None:
    try:
        with open(path, "w", encoding="ascii") as stream:
            json.dump(document, stream, indent=2, ensure_ascii=True)
            stream.write("\n")
    except OSError as exc:
        echo_error(f"cannot write {escape(path)}: {exc.strerror or exc}")
        ctx.exit(ExitCode.UNDECIDED)


def _inventory(
    ctx: click.Context, inventory: Sequence[str], enabled_types: Sequence[str]
) -> tuple[list[Provider], list[Provider]]:
    """Every provider of *inventory*, and those the export keeps: device types only those in *enabled_types*.

    Every type is kept when *enabled_types* is empty. A name in it that no
    device type of the inventory has ends the command with a usage error
    (exit 2) listing the inventory's type names: a misspelt type would
    otherwise leave its providers out, silently.
    """
    from ..fleet.inventory import load_inventory

    try:
        loaded = load_inventory(list(inventory))
    except MigcompatError as exc:
        _fail(ctx, exc)
    every = list(loaded.providers)
    if not enabled_types:
        return every, every
    types = sorted({p.ident for p in loaded.providers if p.kind == "type"})
    unmatched = [name for name in dict.fromkeys(enabled_types) if name not in types]
    if unmatched:
        shown = ", ".join(escape(name) for name in types[:_SHOWN_TYPES]) or "none"
        more = f" and {len(types) - _SHOWN_TYPES} more" if len(types) > _SHOWN_TYPES else ""
        names = ", ".join(f"'{escape(name)}'" for name in unmatched)
        echo_error(f"--enabled-type: no device type of the inventory is named {names} (its types: {shown}{more})")
        ctx.exit(ExitCode.USAGE)
    wanted = set(enabled_types)
    return every, [p for p in every if p.kind != "type" or p.ident in wanted]


def _table(ctx: click.Context, providers: Sequence[Provider], sources: Sequence[str]) -> ExportTable:
    from ..exports.table import build_table

    extra = [version for _, version in _sources(ctx, sources)]
    return build_table(providers, extra)


def _check_endpoint(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """The --endpoint URL, or a usage error naming it when it is not an http(s) URL with a host."""
    from ..exports.placement_client import endpoint_problem

    if value is None:
        return None
    problem = endpoint_problem(value)
    if problem is not None:
        raise click.BadParameter(f"'{escape(value)}' {problem}", ctx, param)
    return value


def _check_rp_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """The --rp-name template ('' maps by UUID only), or a usage error when it uses another field or form."""
    from ..exports.placement import name_template_problem

    problem = name_template_problem(value) if value else None
    if problem is not None:
        raise click.BadParameter(f"'{escape(value)}' {problem}", ctx, param)
    return value


@click.group(
    "export",
    help=_GROUP_HELP,
    epilog=_EPILOG,
    short_help="Export a fleet's compatibility as Placement traits or Kubernetes node labels.",
)
def export_command() -> None:
    pass


_INVENTORY = click.argument("inventory", metavar="INVENTORY...", nargs=-1, required=True, type=click.Path())
_EXTRA_SOURCE = click.option(
    "--source",
    "sources",
    metavar="FILE",
    multiple=True,
    type=click.Path(allow_dash=True),
    help="A source migration_version whose class the export should know besides the inventory's devices (repeatable).",
)
_ENABLED_TYPE = click.option(
    "--enabled-type",
    "enabled_types",
    metavar="TYPE",
    multiple=True,
    help="Keep only these device types (repeatable), as Nova's [devices] enabled_mdev_types does; default: all."
    " A TYPE no device type of the inventory has is a usage error.",
)

_PLACEMENT_HELP: Final = f"""Write (and push) Placement traits saying which source classes each provider accepts.

Every device and device type of the INVENTORY gets the trait
CUSTOM_MIGCOMPAT_ACCEPTS_<ID> for each known source class <ID> it accepts; a
device also gets CUSTOM_MIGCOMPAT_IS_<ID> for its own class. The mapping
document (JSON: each trait's class with its canonical text, each provider's
traits and resource provider, each class's query) goes to --mapping FILE, or
to standard output.

With --endpoint URL the traits are pushed: each trait is created
(PUT /traits/NAME) and set on each mapped resource provider
(PUT /resource_providers/UUID/traits, with its generation), keeping the
provider's traits that do not start with CUSTOM_MIGCOMPAT_. The token is read
from the environment variable --token-env names (default OS_TOKEN). With
--prune, the CUSTOM_MIGCOMPAT_ traits the export no longer sets are then
deleted from Placement.

Which resource provider a provider's traits go to: the UUID given for
HOST:PATH in --rp-uuids FILE (a JSON object), else the resource provider
named by --rp-name (default '{{host}}_{{nodedev}}', the name Nova's libvirt
driver gives a physical GPU or PCI device: node name, _, libvirt's
node-device name such as pci_0000_84_00_0; a device type maps to its parent
GPU). An mdev instance has no resource provider of its own in Nova and is
left out unless --rp-uuids names it. A --rp-uuids value must be a UUID; a
key that names no provider of the INVENTORY gets a warning. Two providers on
one resource provider (several mdev types of one GPU) is an error
(export-ambiguous-provider), with or without --endpoint, and nothing is
written: name the type Nova enables on each GPU with --enabled-type, or map
the providers by UUID.

{_SCOPE}

\b
Examples:
  migcompat export placement conformance/samples/nvidia-vgpu/ --mapping traits.json \\
      --enabled-type nvidia-222 --enabled-type nvidia-230
  OS_TOKEN=... migcompat export placement captures/ --mapping traits.json \\
      --enabled-type nvidia-230 --endpoint http://placement.example:8778
"""


@export_command.command(
    "placement",
    help=_PLACEMENT_HELP,
    epilog=_EPILOG,
    short_help="Write and push Placement traits saying which source classes each provider accepts.",
)
@_INVENTORY
@click.option("--mapping", metavar="FILE", type=click.Path(), help="Write the mapping document here (default: stdout).")
@click.option(
    "--endpoint",
    metavar="URL",
    callback=_check_endpoint,
    help="Push the traits to the Placement service at URL (http:// or https://, with a host).",
)
@click.option(
    "--token-env",
    metavar="NAME",
    default="OS_TOKEN",
    show_default=True,
    help="The environment variable holding the token sent to --endpoint.",
)
@click.option(
    "--prune",
    is_flag=True,
    help="With --endpoint: after the push, delete Placement's CUSTOM_MIGCOMPAT_ traits this export does not set,"
    " keeping (and reporting) those still on a resource provider. Trait definitions are global to a Placement:"
    " prune only from the one export that owns the CUSTOM_MIGCOMPAT_ prefix there.",
)
@click.option("--rp-uuids", metavar="FILE", type=click.Path(), help='A JSON object {"HOST:PATH": "UUID", ...}.')
@click.option(
    "--rp-name",
    metavar="TEMPLATE",
    default="{host}_{nodedev}",
    show_default=True,
    callback=_check_rp_name,
    help="The resource provider name of a provider, from the fields {host}, {ident}, {kind} and {nodedev}"
    " (no others, each as written here); '' maps by UUID only.",
)
@_ENABLED_TYPE
@_EXTRA_SOURCE
@click.pass_context
def placement_command(
    ctx: click.Context,
    inventory: tuple[str, ...],
    mapping: str | None,
    endpoint: str | None,
    token_env: str,
    prune: bool,
    rp_uuids: str | None,
    rp_name: str,
    enabled_types: tuple[str, ...],
    sources: tuple[str, ...],
) -> None:
    from ..exports.placement import ResourceProviderMap, build_export
    from ..exports.placement_client import PlacementClient, push

    if prune and endpoint is None:
        echo_error("--prune deletes traits from a Placement service: give its --endpoint URL")
        ctx.exit(ExitCode.USAGE)
    token = os.environ.get(token_env, "") if endpoint is not None else ""
    if endpoint is not None and not token:
        echo_error(f"no token to send to {escape(endpoint)}: set the environment variable {escape(token_env)}")
        ctx.exit(ExitCode.USAGE)
    uuids = _uuid_map(ctx, rp_uuids) if rp_uuids else {}
    every, providers = _inventory(ctx, inventory, enabled_types)
    if rp_uuids:
        _warn_unmatched_keys(rp_uuids, uuids, every)
    table = _table(ctx, providers, sources)
    try:
        export = build_export(table, ResourceProviderMap(uuids, rp_name or None))
        export.by_resource_provider()  # two providers on one resource provider: refused before anything is written
        document = export.to_json()
        if mapping:
            _write(ctx, mapping, document)
        else:
            echo(json.dumps(document, indent=2, ensure_ascii=True))
        mapped = sum(entry.resource_provider is not None for entry in export.providers)
        summary = (
            f"{plural(len(export.table.classes), 'source class', 'source classes')},"
            f" {plural(len(export.traits), 'trait')}, {plural(len(export.providers), 'provider')}"
            f" ({mapped} mapped to a resource provider)"
        )
        echo(summary, err=mapping is None)
        if endpoint is not None:
            report = push(export, PlacementClient(endpoint, token), prune=prune)
            echo(
                f"pushed to {escape(endpoint)}: {plural(len(report.traits_created), 'trait')} created,"
                f" {plural(len(report.updated), 'resource provider')} updated, {len(report.unchanged)} unchanged",
                err=mapping is None,
            )
            if report.pruned:
                _echo_prune(report.traits_removed, report.traits_in_use, err=mapping is None)
    except MigcompatError as exc:
        _fail(ctx, exc)
    ctx.exit(ExitCode.SUCCESS)


def _echo_prune(removed: Sequence[str], in_use: Sequence[str], *, err: bool) -> None:
    """The prune's summary line, then one line per trait removed or kept because a resource provider has it."""
    echo(f"pruned: {plural(len(removed), 'trait')} removed, {len(in_use)} kept (still on a resource provider)", err=err)
    for name in removed:
        echo(f"  removed {escape(name)}", err=err)
    for name in in_use:
        echo(f"  kept in use {escape(name)}", err=err)


def _uuid_map(ctx: click.Context, path: str) -> dict[str, str]:
    from ..exports.errors import ExportError
    from ..exports.mapping import MAPPING_READ_LIMIT

    try:
        with open(path, "rb") as stream:
            data = stream.read(MAPPING_READ_LIMIT + 1)
        if len(data) > MAPPING_READ_LIMIT:
            raise ValueError(f"more than {MAPPING_READ_LIMIT} bytes")
        document = json.loads(data)
    except (OSError, ValueError) as exc:
        _fail(ctx, ExportError("export-mapping-invalid", f"cannot read {path}: {exc}", where=path))
    if not isinstance(document, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in document.items()
    ):
        _fail(
            ctx,
            ExportError("export-mapping-invalid", f'{path} is not a JSON object {{"HOST:PATH": "UUID"}}', where=path),
        )
    for key, value in document.items():
        if not _is_uuid(value):
            _fail(
                ctx,
                ExportError(
                    "export-mapping-invalid",
                    f"{path}: the resource provider of {key!r} is {value!r}, not a UUID"
                    " (8-4-4-4-12 hexadecimal digits, as Placement shows it)",
                    where=f"{path}#/{_pointer_token(key)}",
                ),
            )
    return document


_UUID: Final = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")


def _is_uuid(text: str) -> bool:
    """Whether *text* is a UUID in its hyphenated form, the form Placement takes in a path."""
    return _UUID.match(text) is not None


def _pointer_token(key: str) -> str:
    """*key* as one JSON Pointer reference token (RFC 6901)."""
    return key.replace("~", "~0").replace("/", "~1")


def _warn_unmatched_keys(path: str, uuids: dict[str, str], providers: Sequence[Provider]) -> None:
    """Warn on standard error about the keys of the --rp-uuids map that name no provider of the inventory."""
    from ..exports.table import provider_key

    known = {provider_key(p) for p in providers}
    unmatched = [key for key in uuids if key not in known]
    if unmatched:
        names = ", ".join(f"'{escape(key)}'" for key in unmatched)
        echo(
            f"migcompat: warning: {escape(path)}: {plural(len(unmatched), 'key')} naming no provider of the"
            f" inventory (ignored): {names}",
            err=True,
        )


_QUERY_HELP: Final = f"""Print the Placement query that finds the targets of SOURCE.

SOURCE is a migration_version (a file, - or a device directory). The query
is 'required=CUSTOM_MIGCOMPAT_ACCEPTS_<ID>' for the source's class, which
MAPPING (written by 'migcompat export placement') must know; add it to
GET /resource_providers (microversion 1.18) or GET /allocation_candidates
(1.17) beside the resources asked for, or give the trait to Nova as
trait:NAME=required. Several SOURCEs ask for targets accepting every one of
them; with --any, at least one (required=in:..., microversion 1.39).

{_SCOPE}

\b
Examples:
  migcompat export placement-query --mapping traits.json /sys/bus/mdev/devices/$UUID
"""


@export_command.command(
    "placement-query", help=_QUERY_HELP, epilog=_EPILOG, short_help="Print the Placement query for a source's targets."
)
@click.argument("source", metavar="SOURCE...", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option(
    "--mapping", metavar="FILE", required=True, type=click.Path(), help="The mapping 'export placement' wrote."
)
@click.option("--any", "any_of", is_flag=True, help="Targets accepting at least one SOURCE (default: every one).")
@format_option("text: the query string; json: the query, its microversion and its traits.")
@click.pass_context
def placement_query_command(
    ctx: click.Context, source: tuple[str, ...], mapping: str, any_of: bool, output_format: str
) -> None:
    from ..exports.mapping import classes_of, read_mapping
    from ..exports.placement import MAPPING_FORMAT, query_for

    versions = _sources(ctx, source)
    try:
        known = read_mapping(mapping, MAPPING_FORMAT)
        ids = classes_of(known, versions)
        query = query_for(ids, any_of=any_of)
    except MigcompatError as exc:
        _fail(ctx, exc)
    if output_format == "json":
        echo_json(query.to_json())
    else:
        echo(query.query)
    ctx.exit(ExitCode.SUCCESS)


_KUBERNETES_HELP: Final = f"""Write Kubernetes node labels (NFD NodeFeature objects): the source classes a node accepts.

Every node (host) of the INVENTORY gets, under the DNS prefix --prefix
(default migcompat.io), in the KubeVirt style that keeps what a node is apart
from what it accepts:

\b
  device-class.node.PREFIX/<ID>=true      it has a device of class <ID>
  device-migration.node.PREFIX/<ID>=true  a device or device type there accepts class <ID>

as one Node Feature Discovery NodeFeature object (nfd.k8s-sigs.io/v1alpha1)
per node, which NFD's master copies onto the node. With -o DIR each object
goes to DIR/nodefeature-NODE.json and the mapping to DIR/mapping.json;
otherwise a v1 List of the objects goes to standard output. Apply them with
'kubectl apply -f'. Every label is checked against Kubernetes' rules; the
prefix may not be kubernetes.io, k8s.io or a domain under them.

With -o DIR, the files DIR/nodefeature-NODE.json this export did not write
(nodes no longer in the INVENTORY, from an earlier export to DIR) are
removed, and counted, so that 'kubectl apply -f DIR' does not apply them
again; other files in DIR are left alone. Their objects already in the
cluster stay: delete them with 'kubectl delete nodefeature'.

{_SCOPE}

\b
Examples:
  migcompat export kubernetes conformance/samples/nvidia-vgpu/ -o labels/
"""


@export_command.command(
    "kubernetes",
    help=_KUBERNETES_HELP,
    epilog=_EPILOG,
    short_help="Write NFD NodeFeature objects labelling the source classes each node accepts.",
)
@_INVENTORY
@click.option("--output", "-o", metavar="DIR", type=click.Path(file_okay=False), help="Write one file per node here.")
@click.option(
    "--prefix",
    metavar="DOMAIN",
    default="migcompat.io",
    show_default=True,
    help="The labels' DNS domain: one you own, not kubernetes.io or k8s.io (reserved by Kubernetes).",
)
@click.option(
    "--namespace",
    metavar="NAME",
    default="node-feature-discovery",
    show_default=True,
    help="The namespace of the NodeFeature objects (the one NFD's master watches).",
)
@_ENABLED_TYPE
@_EXTRA_SOURCE
@click.pass_context
def kubernetes_command(
    ctx: click.Context,
    inventory: tuple[str, ...],
    output: str | None,
    prefix: str,
    namespace: str,
    enabled_types: tuple[str, ...],
    sources: tuple[str, ...],
) -> None:
    from ..exports.kubernetes import LabelScheme, build_export

    try:
        scheme = LabelScheme(prefix)
    except MigcompatError as exc:
        _fail(ctx, exc)
    _, providers = _inventory(ctx, inventory, enabled_types)
    table = _table(ctx, providers, sources)
    try:
        export = build_export(table, scheme)
        objects = export.node_features(namespace)
    except MigcompatError as exc:
        _fail(ctx, exc)
    removed: list[str] = []
    if output is None:
        echo(json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}, indent=2, ensure_ascii=True))
    else:
        try:
            os.makedirs(output, exist_ok=True)
        except OSError as exc:
            echo_error(f"cannot create {escape(output)}: {exc.strerror or exc}")
            ctx.exit(ExitCode.UNDECIDED)
        written = {_node_feature_file(node) for node in export.nodes}
        for node, item in zip(export.nodes, objects, strict=True):
            _write(ctx, os.path.join(output, _node_feature_file(node)), item)
        _write(ctx, os.path.join(output, "mapping.json"), export.to_json())
        removed = _remove_stale(ctx, output, written)
    labels = sum(len(labels) for labels in export.nodes.values())
    echo(
        f"{plural(len(export.table.classes), 'source class', 'source classes')},"
        f" {plural(len(objects), 'node')}, {plural(labels, 'label')}",
        err=output is None,
    )
    if removed:
        echo(
            f"removed {plural(len(removed), 'stale NodeFeature file')} this export did not write:"
            f" {', '.join(escape(name) for name in removed)}"
        )
    ctx.exit(ExitCode.SUCCESS)


_NODE_FEATURE_FILE: Final = re.compile(r"nodefeature-(.+)\.json\Z", re.DOTALL)


def _node_feature_file(node: str) -> str:
    """The name of the file of *node*'s NodeFeature object in the output directory."""
    return f"nodefeature-{node}.json"


def _remove_stale(ctx: click.Context, directory: str, written: set[str]) -> list[str]:
    """Remove the NodeFeature files of *directory* outside *written*: the names removed, sorted.

    Only regular files (not symbolic links, not directories) whose name is
    one this command writes, ``nodefeature-NODE.json`` with NODE a valid node
    name label value, are candidates; a removal that fails ends the command
    with exit 3.
    """
    from ..exports.labels import value_problem

    try:
        with os.scandir(directory) as entries:
            stale = sorted(
                entry.name
                for entry in entries
                if entry.name not in written
                and (found := _NODE_FEATURE_FILE.match(entry.name)) is not None
                and value_problem(found.group(1)) is None
                and entry.is_file(follow_symlinks=False)
            )
        for name in stale:
            os.remove(os.path.join(directory, name))
    except OSError as exc:
        echo_error(f"cannot remove the stale NodeFeature files of {escape(directory)}: {exc.strerror or exc}")
        ctx.exit(ExitCode.UNDECIDED)
    return stale


_KQUERY_HELP: Final = f"""Print the node affinity (or nodeSelector) a VM's pod needs to land where SOURCE can migrate.

SOURCE is a migration_version (a file, - or a device directory); MAPPING is
the mapping.json 'migcompat export kubernetes -o DIR' wrote, which must know
the source's class. The output is a JSON object to merge into the pod (or
KubeVirt VirtualMachineInstance) spec: {{"affinity": {{"nodeAffinity": ...}}}}
with a requiredDuringSchedulingIgnoredDuringExecution term on the source's
device-migration label, or with --selector {{"nodeSelector": {{...}}}}.
Several SOURCEs ask for nodes accepting every one; with --any, at least one.

{_SCOPE}

\b
Examples:
  migcompat export kubernetes-query --mapping labels/mapping.json /sys/bus/mdev/devices/$UUID
"""


@export_command.command(
    "kubernetes-query",
    help=_KQUERY_HELP,
    epilog=_EPILOG,
    short_help="Print the node affinity a VM's pod needs to land where a source can migrate.",
)
@click.argument("source", metavar="SOURCE...", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option(
    "--mapping", metavar="FILE", required=True, type=click.Path(), help="The mapping.json 'export kubernetes' wrote."
)
@click.option("--any", "any_of", is_flag=True, help="Nodes accepting at least one SOURCE (default: every one).")
@click.option("--selector", is_flag=True, help="Print a nodeSelector instead of a node affinity (not with --any).")
@click.pass_context
def kubernetes_query_command(
    ctx: click.Context, source: tuple[str, ...], mapping: str, any_of: bool, selector: bool
) -> None:
    from ..exports.kubernetes import MAPPING_FORMAT, LabelScheme, node_affinity, node_selector
    from ..exports.mapping import classes_of, read_mapping

    if selector and any_of and len(source) > 1:
        echo_error("a nodeSelector cannot say 'any of': drop --selector or --any")
        ctx.exit(ExitCode.USAGE)
    versions = _sources(ctx, source)
    try:
        known = read_mapping(mapping, MAPPING_FORMAT)
        prefix = known.document.get("prefix")
        scheme = LabelScheme(prefix if isinstance(prefix, str) else "")
        ids = classes_of(known, versions)
        document: dict[str, object] = (
            {"nodeSelector": node_selector(ids, scheme)}
            if selector
            else {"affinity": node_affinity(ids, any_of=any_of, scheme=scheme)}
        )
    except MigcompatError as exc:
        _fail(ctx, exc)
    echo(json.dumps(document, indent=2, ensure_ascii=True))
    ctx.exit(ExitCode.SUCCESS)
