"""``migcompat emit``: the canonical attribute string of a JSON data model."""

from __future__ import annotations

import shlex
from typing import Final

import click

from ..emit import emit
from ..errors import DataModelError, ParseError
from ..jsonmodel import from_json
from ..parse import parse
from .exitcodes import EXIT_STATUS_HELP, ExitCode
from .io import JSON_READ_LIMIT, STDIN, CannotRead, display_name, read_input, stdin_is_terminal
from .jsoninput import InvalidJSON, load_json
from .options import checked_path
from .output import echo, echo_error, render_model_error, render_parse_error

__all__ = ["emit_command"]

_HELP: Final = f"""Write the canonical attribute string of a JSON data model.

Reads one JSON document from FILE (standard input when FILE is - or not
given), a data model or one line of 'migcompat parse --format json', and
writes the canonical migration_version or migration_compatible_devices
string, final newline included and nothing else, so the output can be
redirected into a file or a sysfs attribute. Exit status: 0 written, 1 not a
valid data model (or its string is not valid), 3 the input cannot be read.

\b
Examples:
  migcompat emit model.json > migration_version
  migcompat parse --format json messy.txt | migcompat emit

The data model is the one migcompat's JSON Schema describes. Invalid JSON is
reported with its line and column; a document that is not a valid data model
with the JSON Pointer of the offending member. Reading stops after
{JSON_READ_LIMIT // 2**20} MiB.
"""

_PARSE_RECORD_KEYS: Final = frozenset({"path", "attribute", "canonical", "canonical_text", "model", "error"})


@click.command(
    "emit",
    help=_HELP,
    epilog=EXIT_STATUS_HELP
    + "\n\nFor emit: 0 written, 1 not a valid data model (or its string is not valid), 3 the input"
    " cannot be read or the output cannot be written.",
    short_help="Write the canonical attribute string of a JSON data model.",
)
@click.argument("file", required=False, default=STDIN, metavar="[FILE|-]", type=checked_path(dash=True))
@click.pass_context
def emit_command(ctx: click.Context, file: str) -> None:
    if file == STDIN and stdin_is_terminal():
        echo("migcompat: reading a JSON document from standard input (end it with Ctrl-D)", err=True)
    try:
        source = read_input(file, JSON_READ_LIMIT)
    except CannotRead as exc:
        echo_error(str(exc), "input-unreadable")
        ctx.exit(ExitCode.UNDECIDED)
    try:
        document = load_json(source)
    except InvalidJSON as exc:
        echo_error(exc.describe(source.name), "invalid-model")
        if source.data[:2] == b"mc" and source.data[2:3].isdigit():  # the other way round: an attribute string
            echo(
                f"migcompat: hint: {source.name} is an attribute string, not a JSON data model: 'migcompat parse"
                f" {_quote(file)}' checks it and writes its canonical form (emit writes a model's)",
                err=True,
            )
        ctx.exit(ExitCode.NEGATIVE)
    try:
        model = from_json(_data_model(document))
    except DataModelError as exc:
        echo(render_model_error(exc, source.name), err=True)
        ctx.exit(ExitCode.NEGATIVE)
    text = emit(model)
    try:
        parse(text)  # a valid model can still make an attribute longer than 4095 bytes
    except ParseError as exc:
        echo_error(f"{source.name}: the data model is valid but its attribute string is not:", exc.code)
        echo(render_parse_error(exc, "<emitted>"), err=True)
        ctx.exit(ExitCode.NEGATIVE)
    echo(text, nl=False)
    ctx.exit(ExitCode.SUCCESS)


def _quote(path: str) -> str:
    return path if path == STDIN else shlex.quote(display_name(path))


def _data_model(document: object) -> object:
    """The data model in *document*: the document itself, or the model of a ``parse`` record.

    A JSON string is refused here, in the command's words: the library's
    message speaks of its functions (``from_json()``, ``loads()``).
    """
    if isinstance(document, str):
        attribute = document[:2] == "mc" and document[2:3].isdigit()
        raise DataModelError(
            "expected an object (a data model), found a JSON string"
            + (
                " that holds an attribute string: 'migcompat parse' reads attribute strings (write it to a file,"
                " with its final newline); emit writes one from a data model"
                if attribute
                else ""
            ),
            path="",
        )
    if isinstance(document, dict) and "path" in document and set(document) <= _PARSE_RECORD_KEYS:
        if "model" in document:
            return document["model"]
        raise DataModelError(
            "this 'migcompat parse' record reports an input that failed, so it holds no data model", path=""
        )
    return document
