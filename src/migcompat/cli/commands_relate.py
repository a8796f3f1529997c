"""``migcompat relate``: compare two targets by the sources they accept."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import click

from ..emit import emit
from ..model import MigrationVersion
from ..relate import Relation, RelationResult, RelationTooComplex, relate
from .attributes import Loader, optional_version_in, refuse_two_stdins, report_failures
from .exitcodes import EXIT_STATUS_HELP, ExitCode
from .io import display_name
from .options import format_option
from .output import echo, echo_error, echo_json

__all__ = ["relate_command"]

_RELATIONS: Final = tuple(relation.value for relation in Relation)

_HELP: Final = f"""Compare two targets' rules by the sources they accept.

A and B are migration_compatible_devices attributes: files, - for standard
input, or device (or mdev type) directories holding them. A directory's
migration_version, when present, is that target's own description, which $
in its rules refers to; --a-self and --b-self give (or override) it.

Prints how the set of sources A accepts relates to the set B accepts --
EQUAL, SUBSET (B accepts everything A does, and more), SUPERSET, DISJOINT
(no source is accepted by both) or OVERLAP -- computed exactly, not by
sampling. For each difference it prints a witness: a source (as a canonical
migration_version) that one accepts and the other does not, and a source
both accept. A rule whose $ cannot be resolved accepts nothing, as a verdict
would say; a note says so.

--require RELATION[,RELATION...] (any of {", ".join(_RELATIONS)}) turns
the comparison into a test: the exit status is 1 unless the relation is one
of those given. This is the check a vendor's CI runs on a driver update:
'--require equal,superset' with the old rules as B and the new as A fails
when the new driver stopped accepting a source the old one accepted, and
prints that source. The option may be repeated.

With --format json the output is one JSON object: the relation as
spec/schema/relation.schema.json describes it ({{"relation", "only_first",
"only_second", "both", "notes"}}; first is A) plus the "a", "b", "a_self" and
"b_self" files read, and "required" and "satisfied" with --require. An input
that cannot be read or is not a valid attribute gives {{"a", "b", "a_self",
"b_self", "input_errors": [...]}} instead.

\b
Examples:
  migcompat relate old/migration_compatible_devices new/migration_compatible_devices
  migcompat relate --require equal,superset new_rules old_rules
  migcompat relate --format json /sys/bus/mdev/devices/$A /sys/bus/mdev/devices/$B
"""

_EPILOG: Final = (
    EXIT_STATUS_HELP + "\n\n\b\nFor relate: 0 the relation was computed (and is one --require allows),"
    "\n1 it is not one --require allows, 3 an input cannot be read or is not valid, or the relation"
    "\nis too complex to decide within the bounds of migcompat.relate (the reason is printed)."
)

_SENTENCES: Final = {
    Relation.EQUAL: "A and B are EQUAL: they accept the same sources",
    Relation.SUBSET: "A is a SUBSET of B: B accepts every source A accepts, and more",
    Relation.SUPERSET: "A is a SUPERSET of B: A accepts every source B accepts, and more",
    Relation.DISJOINT: "A and B are DISJOINT: no source is accepted by both",
    Relation.OVERLAP: "A and B OVERLAP: both accept some sources, and each accepts some the other does not",
}


def _relations(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> tuple[Relation, ...]:
    """The relations of every ``--require RELATION[,RELATION...]``, in order, each once."""
    found: dict[Relation, None] = {}
    for value in values:
        for name in value.split(","):
            name = name.strip().lower()
            if name not in _RELATIONS:
                raise click.BadParameter(f"{name!r} is not a relation; use {', '.join(_RELATIONS)}", ctx, param)
            found[Relation(name)] = None
    return tuple(found)


@click.command("relate", help=_HELP, epilog=_EPILOG, short_help="Compare two targets by the sources they accept.")
@click.argument("a", metavar="A", type=click.Path(allow_dash=True))
@click.argument("b", metavar="B", type=click.Path(allow_dash=True))
@click.option(
    "--a-self",
    metavar="FILE",
    type=click.Path(allow_dash=True),
    default=None,
    help="A's own migration_version, for $ in A's rules. Default: the one in the A directory, if any.",
)
@click.option(
    "--b-self",
    metavar="FILE",
    type=click.Path(allow_dash=True),
    default=None,
    help="B's own migration_version, for $ in B's rules. Default: the one in the B directory, if any.",
)
@click.option(
    "--require",
    "required",
    metavar="RELATION[,RELATION]",
    multiple=True,
    callback=_relations,
    help=f"Exit with 1 unless the relation is one of these ({', '.join(_RELATIONS)}).",
)
@format_option("text: the relation and witnesses for people; json: one JSON object (relation.schema.json).")
@click.pass_context
def relate_command(
    ctx: click.Context,
    a: str,
    b: str,
    a_self: str | None,
    b_self: str | None,
    required: tuple[Relation, ...],
    output_format: str,
) -> None:
    json_output = output_format == "json"
    allowed = required
    refuse_two_stdins([("A", a), ("B", b), ("--a-self", a_self), ("--b-self", b_self)])
    a_own = a_self if a_self is not None else optional_version_in(a)
    b_own = b_self if b_self is not None else optional_version_in(b)
    loader = Loader()
    first = loader.compatible("a", a)
    second = loader.compatible("b", b)
    first_self = loader.version("a_self", a_own)
    second_self = loader.version("b_self", b_own)
    if loader.failures:  # no relation is computed when an attribute's format version is not understood either
        report_failures(loader.failures, json_output=json_output)
        if json_output:
            echo_json(loader.failure_document())
        ctx.exit(ExitCode.UNDECIDED)
    assert first is not None and second is not None
    try:
        result = relate(first, second, first_self, second_self)
    except RelationTooComplex as error:  # no answer, not a negative one
        echo_error(f"the relation cannot be decided: {error.message}")
        if json_output:
            echo_json({**loader.paths, "undecidable": {"code": error.code, "message": error.message}})
        ctx.exit(ExitCode.UNDECIDED)
    satisfied = not allowed or result.relation in allowed
    if json_output:
        document = {**loader.paths, **result.to_json()}
        if allowed:
            document["required"] = [relation.value for relation in allowed]
            document["satisfied"] = satisfied
        echo_json(document)
    else:
        echo(_text(result, loader.paths))
    if not satisfied:
        echo_error(
            f"the relation is {result.relation.value}, but --require allows only "
            f"{', '.join(relation.value for relation in allowed)}"
        )
        ctx.exit(ExitCode.NEGATIVE)
    ctx.exit(ExitCode.SUCCESS)


def _text(result: RelationResult, paths: dict[str, str | None]) -> str:
    lines = [
        f"A: {_name(paths['a'])}" + ("" if paths["a_self"] is None else f" (own values: {_name(paths['a_self'])})"),
        f"B: {_name(paths['b'])}" + ("" if paths["b_self"] is None else f" (own values: {_name(paths['b_self'])})"),
        _SENTENCES[result.relation],
    ]
    for label, witness in (
        ("accepted by A only", result.only_first),
        ("accepted by B only", result.only_second),
        ("accepted by both", result.both),
    ):
        if witness is not None:
            lines.append(f"{label + ':':<20}{_source(witness)}")
    lines.extend(f"note: {_side_names(note)}" for note in result.notes)
    return "\n".join(lines)


def _side_names(note: str) -> str:
    """A note of :func:`~migcompat.relate.relate` with its "first"/"second" rule set called A/B."""
    for word, letter in (("first ", "A "), ("second ", "B ")):
        if note.startswith(word):
            return letter + note[len(word) :]
    return note


def _source(witness: MigrationVersion) -> str:
    return emit(witness).rstrip("\n")


def _name(path: str | None) -> str:
    return "" if path is None else display_name(path)
