"""``migcompat relate``: compare two targets by the sources they accept."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Final

import click

from ..emit import emit
from ..model import MigrationVersion
from ..relate import Relation, RelationResult, RelationTooComplex, narrowing_hint, relate
from ..semantics.rules import self_keys
from .attributes import Loader, optional_version_in, refuse_two_stdins, report_failures
from .exitcodes import EXIT_STATUS_HELP, ExitCode
from .io import display_name
from .options import checked_path, format_option
from .output import echo, echo_error, echo_json

__all__ = ["relate_command"]

_RELATIONS: Final = tuple(relation.value for relation in Relation)

_HELP: Final = f"""Compare two targets' rules by the sources they accept.

A and B are migration_compatible_devices attributes (files, - for standard
input, or device or mdev type directories). Prints how the set of sources A
accepts relates to the set B accepts -- EQUAL, SUBSET (B accepts everything A
does, and more), SUPERSET, DISJOINT (no source is accepted by both) or
OVERLAP -- computed exactly, with a witness source for each difference. To
check a driver update, give --old OLD --new NEW instead of A B, and --require
no-breaking. Exit status: 0 computed (and allowed by --require), 1 not
allowed, 3 an input is not valid or the relation is too complex.

\b
Examples:
  migcompat relate --old driver-1.0/vf0 --new driver-1.1/vf0 --require no-breaking
  migcompat relate old/migration_compatible_devices new/migration_compatible_devices
  migcompat relate --require equal,superset new_rules old_rules
  migcompat relate --format json /sys/bus/mdev/devices/$A /sys/bus/mdev/devices/$B

A directory's migration_version, when present, is that target's own
description, which $ in its rules refers to; --a-self and --b-self give (or
override) it. The relation is computed exactly, not by sampling. For each
difference it prints a witness: a source (as a canonical migration_version)
that one accepts and the other does not, and a source both accept. Without a
target's own description, its $ parts accept nothing here (a verdict of such
a target is unknown, never compatible), and a note says so; --require then
cannot be checked: exit status 3.

Checking a driver update: give the rules by their role, --old OLD --new NEW
instead of A B, and --require no-breaking. The exit status is 1 when the new
rules do not accept some source the old rules accepted (a breaking change:
the relation is superset, overlap or disjoint), and that source is printed;
0 when they accept every one (equal or subset). --old-self and --new-self
are the same options as --a-self and --b-self. This is the check a vendor's
CI runs on a driver update.

--require RELATION[,RELATION...] (any of {", ".join(_RELATIONS)}, or
no-breaking with --old and --new) turns the comparison into a test: the exit
status is 1 unless the relation is one of those given. In the A B form,
'--require equal,superset' with the old rules as B and the new as A fails
when the new driver stopped accepting a source the old one accepted, and
prints that source. The option may be repeated.

With --format json the output is one JSON object: the relation as the JSON
Schema relation.schema.json describes it (in migcompat/_data/ where migcompat
is installed, in spec/schema/ of its source; the documentation's JSON Schemas
page shows it; {{"relation", "only_first", "only_second", "both", "notes"}};
first is A, or OLD) plus the "a", "b", "a_self" and "b_self" files read (a is
OLD and b is NEW), and "required" and "satisfied" with --require (no-breaking
is required: ["equal", "subset"]). An input that cannot be read or is not a
valid attribute gives {{"a", "b", "a_self", "b_self", "input_errors": [...]}}
instead; but an own description (--a-self, --b-self or a directory's
migration_version) that is not valid counts as missing: the relation is
computed without it, its error is listed in "input_errors" beside the
relation, and the exit status is 3 (an input is bad).
"""

_EPILOG: Final = (
    EXIT_STATUS_HELP + "\n\nFor relate: 0 the relation was computed (and is one --require allows),"
    " 1 it is not one --require allows (with no-breaking: the new rules dropped a source), 3 an input"
    " cannot be read or is not valid, or the relation is too complex to decide within the bounds of"
    " migcompat.relate (the reason is printed)."
)

NO_BREAKING: Final = "no-breaking"
"""The requirement of a driver update: the new rules accept every source the old rules accepted."""

_NOT_BREAKING: Final = tuple(relation for relation in Relation if not relation.has_first_only)
"""The relations of OLD to NEW that are not a breaking change."""

_SENTENCES: Final = {
    Relation.EQUAL: "A and B are EQUAL: they accept the same sources",
    Relation.SUBSET: "A is a SUBSET of B: B accepts every source A accepts, and more",
    Relation.SUPERSET: "A is a SUPERSET of B: A accepts every source B accepts, and more",
    Relation.DISJOINT: "A and B are DISJOINT: no source is accepted by both",
    Relation.OVERLAP: "A and B OVERLAP: both accept some sources, and each accepts some the other does not",
}


def _relations(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> tuple[str, ...]:
    """The names of every ``--require RELATION[,RELATION...]``, in order, each once: relations or no-breaking."""
    found: dict[str, None] = {}
    for value in values:
        for name in value.split(","):
            name = name.strip().lower()
            if name not in _RELATIONS and name != NO_BREAKING:
                raise click.BadParameter(
                    f"{name!r} is not a relation; use {', '.join(_RELATIONS)} (or {NO_BREAKING} with --old and --new)",
                    ctx,
                    param,
                )
            found[name] = None
    if NO_BREAKING in found and len(found) > 1:
        raise click.BadParameter(f"{NO_BREAKING} is a requirement of its own; give no relation with it", ctx, param)
    return tuple(found)


class _Command(click.Command):
    """``relate``, whose usage line shows both ways of naming the two rule sets."""

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return ["[OPTIONS]", "(A B | --old OLD --new NEW)"]


@click.command(
    "relate",
    cls=_Command,
    help=_HELP,
    epilog=_EPILOG,
    short_help="Compare two targets by the sources they accept; check a driver update.",
)
@click.argument("a", metavar="A", required=False, type=checked_path(dash=True))
@click.argument("b", metavar="B", required=False, type=checked_path(dash=True))
@click.option(
    "--old",
    metavar="OLD",
    type=checked_path(dash=True),
    default=None,
    help="The old driver's rules (a file, - or a directory), instead of A: the upgrade check's baseline.",
)
@click.option(
    "--new",
    metavar="NEW",
    type=checked_path(dash=True),
    default=None,
    help="The new driver's rules, instead of B: with --require no-breaking they must accept every source OLD accepts.",
)
@click.option(
    "--a-self",
    "--old-self",
    "a_self",
    metavar="FILE",
    type=checked_path(dash=True),
    default=None,
    help="A's (OLD's) own migration_version, for $ in its rules. Default: the one in its directory, if any.",
)
@click.option(
    "--b-self",
    "--new-self",
    "b_self",
    metavar="FILE",
    type=checked_path(dash=True),
    default=None,
    help="B's (NEW's) own migration_version, for $ in its rules. Default: the one in its directory, if any.",
)
@click.option(
    "--require",
    "required",
    metavar="RELATION[,RELATION]",
    multiple=True,
    callback=_relations,
    help=f"Exit with 1 unless the relation is one of these ({', '.join(_RELATIONS)}); or {NO_BREAKING}, with "
    "--old and --new: exit with 1 when NEW does not accept some source OLD accepts.",
)
@format_option("text: the relation and witnesses for people; json: one JSON object (relation.schema.json).")
@click.pass_context
def relate_command(
    ctx: click.Context,
    a: str | None,
    b: str | None,
    old: str | None,
    new: str | None,
    a_self: str | None,
    b_self: str | None,
    required: tuple[str, ...],
    output_format: str,
) -> None:
    json_output = output_format == "json"
    roles = old is not None or new is not None
    if roles:
        if a is not None or b is not None:
            raise click.UsageError("give the rule sets either as A B or as --old OLD --new NEW, not both")
        if old is None or new is None:
            raise click.UsageError(f"--{'new' if old is not None else 'old'} is missing: give --old OLD and --new NEW")
        a, b = old, new
    elif a is None or b is None:
        raise click.UsageError(f"missing argument {'A' if a is None else 'B'}: give A B, or --old OLD --new NEW")
    no_breaking = NO_BREAKING in required
    if no_breaking and not roles:
        raise click.UsageError(
            f"--require {NO_BREAKING} needs --old OLD --new NEW (which rules are the old ones?) instead of A B"
        )
    allowed = _NOT_BREAKING if no_breaking else tuple(Relation(name) for name in required)
    names = ("--old", "--new", "--old-self", "--new-self") if roles else ("A", "B", "--a-self", "--b-self")
    refuse_two_stdins(list(zip(names, (a, b, a_self, b_self), strict=True)))
    a_own = a_self if a_self is not None else optional_version_in(a)
    b_own = b_self if b_self is not None else optional_version_in(b)
    loader = Loader()
    first = loader.compatible("a", a)
    second = loader.compatible("b", b)
    first_self = loader.version("a_self", a_own)
    second_self = loader.version("b_self", b_own)
    if roles:  # the JSON keeps the roles a, b; messages say what the command line said
        shown = {"a": "old", "b": "new", "a_self": "old self", "b_self": "new self"}
        for failure in loader.failures:
            failure.shown_as = shown[failure.role]
    # An invalid own description counts as missing (clause 8.5): the relation is computed without it.
    invalid_own = loader.invalid_descriptions("a_self", "b_self")
    if len(loader.failures) > len(invalid_own):  # nor when a format version is not understood
        report_failures(loader.failures, json_output=json_output)
        if json_output:
            echo_json(loader.failure_document())
        ctx.exit(ExitCode.UNDECIDED)
    report_failures(invalid_own, json_output=json_output)
    assert first is not None and second is not None
    try:
        result = relate(first, second, first_self, second_self)
    except RelationTooComplex as error:  # no answer, not a negative one
        echo_error(f"the relation cannot be decided: {error.message}", error.code)
        if json_output:
            echo_json({**loader.paths, "undecidable": {"code": error.code, "message": error.message}})
        ctx.exit(ExitCode.UNDECIDED)
    satisfied = not allowed or result.relation in allowed
    # Without its own description, a side's $ parts were related as accepting nothing: the device may accept more.
    missing = {
        side: keys
        for side, rules, own in (("a", first, first_self), ("b", second, second_self))
        if own is None and (keys := self_keys(rules))
    }
    if json_output:
        document = {**loader.paths, **result.to_json()}
        if invalid_own:
            document["input_errors"] = [failure.to_json() for failure in invalid_own]
        if allowed:
            document["required"] = [relation.value for relation in allowed]
            document["satisfied"] = None if missing else satisfied
            if missing:
                document["missing_self"] = {side: list(keys) for side, keys in missing.items()}
        echo_json(document)
    else:
        unused = {failure.role for failure in invalid_own}
        echo(_text(result, loader.paths, ("old", "new") if roles else ("A", "B"), unused, set(missing)))
    if allowed and missing:
        for side, keys in missing.items():
            name, own_option = names[0 if side == "a" else 1], names[2 if side == "a" else 3]
            echo_error(
                f"--require cannot be checked: {name}'s rules read the target's own {', '.join(keys)} through $,"
                f" and its migration_version is not known: give {name} as the device's directory, or {own_option}",
                "missing-self",
            )
        ctx.exit(ExitCode.UNDECIDED)
    if not satisfied:
        if no_breaking and result.only_first is not None:
            hint = narrowing_hint(result.only_first, first, second)
            echo_error(
                f"breaking change: the new rules do not accept this source, which the old rules accept "
                f"(the relation is {result.relation.value}):\n  {_source(result.only_first)}"
                + ("" if hint is None else f"\n  {hint}")
            )
        elif no_breaking:  # the source found is longer than one attribute: a witness fits one (clause 8.7)
            echo_error(
                f"breaking change: the new rules do not accept some sources the old rules accept (the relation is"
                f" {result.relation.value}); each source found is longer than one attribute (4095 bytes), so none"
                " is shown"
            )
        else:
            echo_error(
                f"the relation is {result.relation.value}, but --require allows only "
                f"{', '.join(relation.value for relation in allowed)}"
            )
        ctx.exit(ExitCode.UNDECIDED if invalid_own else ExitCode.NEGATIVE)
    # An own description that is not valid leaves a relation to compute, but an input was bad: 3.
    ctx.exit(ExitCode.UNDECIDED if invalid_own else ExitCode.SUCCESS)


_ROLE_SENTENCES: Final = {
    Relation.EQUAL: "old and new are EQUAL: the new rules accept exactly the sources the old rules accept",
    Relation.SUBSET: "old is a SUBSET of new: the new rules accept every source the old rules accept, and more",
    Relation.SUPERSET: "old is a SUPERSET of new: the new rules accept only some of the sources the old rules accept",
    Relation.DISJOINT: "old and new are DISJOINT: the new rules accept none of the sources the old rules accept",
    Relation.OVERLAP: "old and new OVERLAP: the new rules accept some of the sources the old rules accept, and others",
}


def _text(
    result: RelationResult,
    paths: dict[str, str | None],
    sides: tuple[str, str],
    unused: Collection[str] = (),
    missing: Collection[str] = (),
) -> str:
    """The relation for people; *unused* names the own descriptions (``a_self``, ``b_self``) that were invalid,
    *missing* the sides (``a``, ``b``) whose rules read ``$`` without an own description: the headline says
    the relation is that of the rules alone."""

    def own(role: str) -> str:
        path = paths[role]
        if path is None:
            return ""
        return f" (own values: {_name(path)}{', not valid: not used' if role in unused else ''})"

    first, second = sides
    lines = [
        f"{first}: {_name(paths['a'])}{own('a_self')}",
        f"{second}: {_name(paths['b'])}{own('b_self')}",
        (_SENTENCES if first == "A" else _ROLE_SENTENCES)[result.relation],
    ]
    if missing:
        who = " and ".join(name for side, name in zip(("a", "b"), sides, strict=True) if side in missing)
        lines[2] = (
            f"without the own description {who} read{'s' if len(missing) == 1 else ''} through $, as far as the"
            f" rules alone tell: {lines[2]}"
        )
    labels = (f"accepted by {first} only:", f"accepted by {second} only:", "accepted by both:")
    width = max(20, *(len(label) + 1 for label in labels))
    for label, witness in zip(labels, (result.only_first, result.only_second, result.both), strict=True):
        if witness is not None:
            lines.append(f"{label:<{width}}{_source(witness)}")
    lines.extend(f"migcompat: note: {_side_names(note, sides)}" for note in result.notes)
    return "\n".join(lines)


def _side_names(note: str, sides: tuple[str, str]) -> str:
    """A note of :func:`~migcompat.relate.relate` with its "first"/"second" rule set called A/B (or old/new)."""
    for word, name in zip(("first ", "second "), sides, strict=True):
        if note.startswith(word):
            return f"{name} {note[len(word) :]}"
    return note


def _source(witness: MigrationVersion) -> str:
    return emit(witness).rstrip("\n")


def _name(path: str | None) -> str:
    return "" if path is None else display_name(path)
