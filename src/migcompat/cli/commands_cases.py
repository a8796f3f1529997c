"""``migcompat cases``: the language-neutral conformance cases, their checks and their runner."""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final, NoReturn

import click

from .._jsondoc import json_text
from ..cases import extract
from ..cases.lint import lint
from ..cases.model import KINDS, LEVELS, RETIRED_FILE, Case, CaseError, Selection, Suite, load_suite, read_case_file
from ..cases.paths import default_cases_dir, default_spec_path, schema_path, source_checkout
from ..cases.process import CANNOT_START, start_problem
from ..cases.report import json_report, junit_report, report_document, summary, text_report
from ..cases.runner import NOT_RUN, Options, Programs, load_expected_failures, run_cases
from ..cases.schemas import SCHEMA_FILES, SchemaUnavailable, validator
from ..cases.spec import SpecDocument, read_spec
from ..display import escape, plural
from ..jsonmodel import decode_json
from ..limits import SPEC_VERSION
from .exitcodes import EXIT_STATUS_HELP, ExitCode
from .groups import SuggestingGroup
from .io import entry_exists, entry_kind, error_document
from .options import checked_path, directory_problem, format_option
from .output import (
    OutputError,
    check_writable,
    echo,
    echo_error,
    echo_json,
    exit_with,
    open_output_directory,
    open_output_subdirectory,
    prepare_directory,
    write_in_directory,
    write_output_or_exit,
)

__all__ = ["cases_command"]

_HELP: Final = """The conformance cases: JSON data that any implementation can be tested with.

The cases (conformance/cases/ in the source tree; specification clause 12.4)
say, for attribute strings, data models and pairs of attributes, what a
parser, an emitter and a comparator answer. 'cases run' tests an
implementation through external programs (clause 12.5); 'cases check'
checks the suite itself and reports how it covers the specification. Exit
status: 0 no case failed (the suite is sound), 1 one did, 3 no answer (see
'migcompat cases COMMAND --help').

\b
Examples:
  migcompat cases check
  migcompat cases run --parser './myparser' --checker './mychecker'
  migcompat cases run --persistent --parser 'mc serve' --run 'parse-*'
  migcompat cases list --kind check
  migcompat cases copy ./vendored-cases
"""


@click.group(
    "cases",
    cls=SuggestingGroup,
    help=_HELP,
    epilog=EXIT_STATUS_HELP,
    short_help="Conformance cases: check, run, list, copy, extract.",
)
def cases_command() -> None:
    pass


def _cases_option(function: Any) -> Any:
    return click.option(
        "--cases",
        "cases_dir",
        metavar="DIR",
        type=checked_path(path_type=Path),  # checked by the command: a wrong kind of path is status 3, not 2
        default=None,
        help="The directory of case files. Default: the suite that comes with migcompat.",
    )(function)


def _spec_file_option(function: Any) -> Any:
    return click.option(
        "--spec-file",
        metavar="FILE",
        type=checked_path(path_type=Path),  # read_spec refuses what is not a regular file (status 3)
        default=None,
        help="The specification's reStructuredText source. Default: the one that comes with migcompat.",
    )(function)


def _selection_options(function: Any) -> Any:
    options = [
        click.option(
            "--run", "run_globs", metavar="GLOB", multiple=True, help="Only cases whose id matches GLOB (repeatable)."
        ),
        click.option(
            "--skip",
            "skip_globs",
            metavar="GLOB",
            multiple=True,
            help="Leave out cases whose id matches GLOB (repeatable).",
        ),
        click.option(
            "--kind", "kinds", type=click.Choice(KINDS), multiple=True, help="Only cases of this kind (repeatable)."
        ),
        click.option(
            "--spec",
            "spec_version",
            metavar="VERSION",
            default=SPEC_VERSION,
            show_default=True,
            help="Only cases that apply to this revision of the specification.",
        ),
        click.option(
            "--level", type=click.Choice(LEVELS), default=None, help="Only required or only recommended cases."
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _no_answer(code: str, message: str, where: str, output_format: str = "text") -> NoReturn:
    """End the command with status 3: ``error[CODE]: MESSAGE`` on standard error.

    With ``--format json`` the output is the error alone (command-error.schema.json), *where* naming the input.
    """
    echo_error(escape(message), code)
    if output_format == "json":
        echo_json(error_document(code, message, where))
    raise click.exceptions.Exit(ExitCode.UNDECIDED)


def _selected(suite: Suite, selection: Selection, output_format: str = "text") -> list[Case]:
    """The cases of *suite* that *selection* selects, or the end of the command: none is ``nothing-to-check`` (3).

    A ``--run`` pattern with a typo, or a ``--kind`` and ``--level`` no case has together, selects nothing;
    ``run``, ``list`` and ``copy`` each say so rather than answer about no case.
    """
    selected = suite.select(selection)
    if not selected:
        _no_answer("nothing-to-check", "no case is selected", "the selection", output_format)
    return selected


def _load(
    cases_dir: Path | None, output_format: str = "text", *, left_out: bool = True, empty_ok: bool = False
) -> Suite:
    """The suite of *cases_dir* (default: the one that comes with migcompat), or the end of the command (status 3).

    A path that is not a directory (``not a directory (a regular file)``), a
    case file that cannot be read or is not one (a FIFO, ``{``) is a
    ``case-invalid`` error; unless *empty_ok*, a suite without a single case
    (an empty directory) is ``nothing-to-check``, naming the directory. The
    cases left out are written as ``left out:`` errors when *left_out*, and
    always when no case is left.
    """
    directory = cases_dir or default_cases_dir()
    problem = directory_problem(directory)
    if problem is not None:
        _no_answer("case-invalid", f"{directory}: cannot read: {problem}", str(directory), output_format)
    try:
        suite = load_suite(directory)
    except CaseError as exc:
        _no_answer(exc.code, str(exc), exc.where, output_format)
    if left_out or not suite.cases:
        for left in suite.problems:
            echo_error(f"left out: {escape(left)}", "case-invalid")
    if not suite.cases and not empty_ok:
        _no_answer("nothing-to-check", f"{directory} holds no case: nothing to check", str(directory), output_format)
    return suite


def _spec(path: Path | None, output_format: str = "text") -> SpecDocument:
    """The specification at *path* (default: the one that comes with migcompat), or the end of the command (status 3).

    A file that cannot be read (missing, a FIFO, a device, too large, not
    UTF-8) or is not the specification is an ``input-unreadable`` error naming it.
    """
    spec = path or default_spec_path()
    try:
        return read_spec(spec)
    except (OSError, ValueError) as exc:
        _no_answer("input-unreadable", f"cannot read the specification: {exc}", str(spec), output_format)


def _selection(
    run_globs: Sequence[str], skip_globs: Sequence[str], kinds: Sequence[str], spec_version: str, level: str | None
) -> Selection:
    from ..cases.model import VERSION_PATTERN, spec_version_key

    if not VERSION_PATTERN.match(spec_version):
        raise click.BadParameter(f"{spec_version!r} is not a specification revision such as 1.0", param_hint="--spec")
    if spec_version_key(spec_version) > spec_version_key(SPEC_VERSION):
        raise click.BadParameter(
            f"{spec_version!r} is a revision this migcompat does not know: its cases are for revisions up to"
            f" {SPEC_VERSION}",
            param_hint="--spec",
        )
    return Selection(run=tuple(run_globs), skip=tuple(skip_globs), kinds=tuple(kinds), spec=spec_version, level=level)


# ---- check ----------------------------------------------------------------------------


@cases_command.command("check", short_help="Check the suite and report its coverage of the specification.")
@_cases_option
@_spec_file_option
@format_option("text: the coverage for people; json: the lint report as one JSON object.")
@click.pass_context
def check_command(ctx: click.Context, cases_dir: Path | None, spec_file: Path | None, output_format: str) -> None:
    """Check the case suite itself.

    Every case file is valid against case-file.schema.json, identifiers are
    unique and none is retired, every expected data model and canonical text
    is valid, every cited clause, requirement, table row and error code exists
    in the specification, the specification's examples are extracted up to
    date, and every mandatory unit of the specification (clause 12.4) is
    covered by a required case. Prints the coverage. Exit status 0 when the
    suite is valid, 1 when it is not, and 3 when a check could not be made:
    the specification, the case directory or a case file in it cannot be
    read (or a case file is not one), the directory holds no case, or
    validating against the schema needs the optional jsonschema package
    (pip install 'migcompat[schema]'); without it every other check still
    runs and is reported, and the command says what is missing.
    """
    missing = _schema_unavailable()
    spec = _spec(spec_file, output_format)
    suite = _load(cases_dir, output_format, left_out=False)  # status 3 for a suite that cannot be used
    report = lint(cases_dir or default_cases_dir(), spec, suite)  # lint reports the cases left out, with the rest
    if missing is not None:  # not a problem of the suite: a check that was not made
        report.errors = [error for error in report.errors if error != missing]
    if output_format == "json":
        document = report.to_json()
        if missing is not None:
            document["not_checked"] = [f"case-file.schema.json: {missing}"]
        echo_json(document)
    else:
        text = report.text()
        if missing is not None and text.endswith("\nthe suite is valid"):
            text = text[: -len("the suite is valid")] + "no problem found by the checks that ran"
        echo(text)
    if missing is not None:
        echo_error(
            f"the case files were not validated against case-file.schema.json: {missing};"
            " the other checks ran and are reported above",
            "schema-unavailable",
        )
        ctx.exit(ExitCode.UNDECIDED)
    ctx.exit(ExitCode.SUCCESS if report.ok else ExitCode.NEGATIVE)


def _schema_unavailable() -> str | None:
    """Why the case files cannot be validated against their schema (the message lint reports), or None."""
    try:
        validator("case-file.schema.json")
    except SchemaUnavailable as exc:
        return str(exc)
    return None


# ---- run ------------------------------------------------------------------------------


def _command(value: str | None, name: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    try:
        words = tuple(shlex.split(value))
    except ValueError as exc:
        raise click.BadParameter(f"cannot split the command: {exc}", param_hint=name) from None
    if not words:
        raise click.BadParameter("an empty command", param_hint=name)
    return words


@cases_command.command("run", short_help="Run the cases through an implementation's programs.")
@click.option(
    "--parser",
    metavar="CMD",
    default=None,
    help="The parser: CMD KIND reads an attribute on stdin, prints its JSON data model.",
)
@click.option(
    "--emitter",
    metavar="CMD",
    default=None,
    help="The emitter: reads a JSON data model on stdin, prints the canonical text.",
)
@click.option(
    "--checker",
    metavar="CMD",
    default=None,
    help="The comparator: reads a check or relate request on stdin, prints the answer.",
)
@click.option(
    "--persistent", is_flag=True, help="Start each program once and speak newline-delimited JSON to it (clause 12.5)."
)
@_selection_options
@click.option(
    "--expect-fail",
    "expect_fail",
    metavar="FILE",
    type=checked_path(path_type=Path),  # read_case_file refuses what is not a regular file (status 3)
    default=None,
    help="A JSON object mapping case ids to reasons: those cases may fail; one that passes fails the run.",
)
@click.option(
    "--parallel", "-j", type=click.IntRange(1, 256), default=1, show_default=True, help="Run N cases at a time."
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.01, 3600),
    default=10.0,
    show_default=True,
    help="Seconds a program has for one case.",
)
@click.option("--require-codes", is_flag=True, help="Fail a rejection that names no error code.")
@_cases_option
@format_option("The report on standard output.", ("text", "json", "junit"))
@click.option(
    "--json",
    "json_file",
    metavar="FILE",
    type=checked_path(path_type=Path),
    default=None,
    help="Also write the JSON report to FILE.",
)
@click.option(
    "--junit",
    "junit_file",
    metavar="FILE",
    type=checked_path(path_type=Path),
    default=None,
    help="Also write a JUnit XML report to FILE.",
)
@click.option("--verbose", "-v", is_flag=True, help="List skipped cases and expected failures too.")
@click.pass_context
def run_command(
    ctx: click.Context,
    parser: str | None,
    emitter: str | None,
    checker: str | None,
    persistent: bool,
    run_globs: Sequence[str],
    skip_globs: Sequence[str],
    kinds: Sequence[str],
    spec_version: str,
    level: str | None,
    expect_fail: Path | None,
    parallel: int,
    timeout: float,
    require_codes: bool,
    cases_dir: Path | None,
    output_format: str,
    json_file: Path | None,
    junit_file: Path | None,
    verbose: bool,
) -> None:
    """Run the conformance cases through an implementation's programs.

    Each case goes to the program of its kind: parse-valid and parse-invalid
    cases to the parser, emit and emit-invalid cases to the emitter, check and
    relate cases to the checker; a case without its program is skipped. A
    program answers with exit status 0, or 1 for a deliberate rejection (with,
    optionally, an error object on standard output); any other status, a
    signal, a timeout or output that breaks the protocol is a failure
    (clause 12.5). Outcomes: pass, wrong, crash, timeout, garbage, skip, and
    with --expect-fail, xfail and xpass. A case's time is bounded by
    --timeout, whatever the program and the processes it starts do; after
    3 timeouts in a row from one program, its remaining cases are not run
    (reported as skipped, "not run"). A program that cannot be started
    (missing, not executable, not on PATH, or failing to execute) is one
    error, "cannot start PROGRAM: why", with no report. Every program the
    run started is killed with its process group when its case or session
    ends, and all of them at once when the run is interrupted (Ctrl-C, status
    130) or terminated (SIGTERM, SIGHUP). Exit status 0 when no case failed,
    1 when one did (or an expected failure passed), 3 when no case could be
    selected or loaded, the --expect-fail file cannot be read, a program
    cannot be started, or a report could not be written.
    """
    programs = Programs(
        parser=_command(parser, "--parser"),
        emitter=_command(emitter, "--emitter"),
        checker=_command(checker, "--checker"),
        persistent=persistent,
    )
    if programs.parser is None and programs.emitter is None and programs.checker is None:
        raise click.UsageError("give at least one of --parser, --emitter and --checker")
    expected: dict[str, str] = {}
    if expect_fail is not None:
        try:
            expected = load_expected_failures(read_case_file(expect_fail))
        except CaseError as exc:  # it cannot be read: no answer, as for a case file
            _no_answer(exc.code, f"{expect_fail} (--expect-fail): {exc.message}", str(expect_fail), output_format)
        except ValueError as exc:  # read, but not an expected-failure file: an input that cannot be used
            _no_answer("case-invalid", f"{expect_fail} (--expect-fail): {exc}", str(expect_fail), output_format)
    suite = _load(cases_dir, output_format)
    selected = _selected(suite, _selection(run_globs, skip_globs, kinds, spec_version, level), output_format)
    unknown = sorted(set(expected) - set(suite.by_id()))
    if unknown:
        names = ", ".join(escape(name) for name in unknown)
        echo(f"migcompat: warning: the expected-failure file names unknown cases: {names}", err=True)
    for role in _ROLES:
        command = programs.command(role)
        problem = None if command is None else start_problem(command)
        if problem is not None:
            _unstartable(ctx, [(role, problem)], output_format)
    for report in (json_file, junit_file):
        if report is not None:  # a mistake here would throw a whole run away (an input it names: output-is-input)
            try:
                check_writable(report)
            except OutputError as error:
                exit_with(ctx, error)
    options = Options(timeout=timeout, parallel=parallel, require_codes=require_codes, expected_failures=expected)
    results = run_cases(selected, programs, options)  # SIGTERM and SIGHUP kill its programs too (.signals)
    unstartable = {
        (result.case.program, result.detail.removeprefix("crash: "))
        for result in results
        if result.outcome in ("crash", "xfail") and result.detail.removeprefix("crash: ").startswith(CANNOT_START)
    }
    if unstartable:  # found only when a case started it (its #! interpreter is missing, say): no answer
        _unstartable(ctx, sorted(unstartable), output_format)
    meta = {
        "parser": parser,
        "emitter": emitter,
        "checker": checker,
        "persistent": persistent,
        "spec": spec_version,
        "timeout": timeout,
        "cases_dir": str(cases_dir or default_cases_dir()),
    }
    stopped = sorted({r.detail for r in results if r.outcome == "skip" and r.detail.startswith(f"{NOT_RUN}: ")})
    for detail in stopped:
        count = sum(1 for r in results if r.detail == detail)
        echo_error(f"{detail[len(NOT_RUN) + 2 :]}: {count} case(s) not run")
    if json_file is not None:
        _write_report(ctx, json_file, json_report(results, meta))
    if junit_file is not None:
        _write_report(ctx, junit_file, junit_report(results))
    if output_format == "json":
        echo_json(report_document(results, meta))
    elif output_format == "junit":
        echo(junit_report(results))
    else:
        echo(text_report(results, verbose=verbose))
    ctx.exit(ExitCode.SUCCESS if summary(results)["ok"] else ExitCode.NEGATIVE)


_ROLES: Final = ("parser", "emitter", "checker")


def _unstartable(ctx: click.Context, problems: Sequence[tuple[str, str]], output_format: str) -> NoReturn:
    """Report the programs under test that cannot be started, as (role, why) pairs: no answer, exit status 3.

    With ``--format json`` the output is the first error alone (command-error.schema.json).
    """
    for role, problem in problems:
        echo_error(f"{escape(problem)} (--{role})", "program-unstartable")
    if output_format == "json":
        role, problem = problems[0]
        echo_json(error_document("program-unstartable", problem, f"--{role}"))
    ctx.exit(ExitCode.UNDECIDED)


def _write_report(ctx: click.Context, path: Path, text: str) -> None:
    """Write the report *text* to *path*: whole or not at all; a FIFO no process reads is an error (exit 3)."""
    write_output_or_exit(ctx, path, text)


# ---- list and copy --------------------------------------------------------------------


@cases_command.command("list", short_help="List the cases.")
@_selection_options
@_cases_option
@format_option("text: one case id and description per line; json: the selected cases as a JSON array.")
def list_command(
    run_globs: Sequence[str],
    skip_globs: Sequence[str],
    kinds: Sequence[str],
    spec_version: str,
    level: str | None,
    cases_dir: Path | None,
    output_format: str,
) -> None:
    """List the selected cases: id, kind, level, what they cite and what they test.

    Exit status 0, or 3 when the case directory cannot be read or holds no case, or when no case is selected.
    """
    suite = _load(cases_dir, output_format)
    selected = _selected(suite, _selection(run_globs, skip_globs, kinds, spec_version, level), output_format)
    if output_format == "json":
        echo_json([case.to_json() | {"file": case.file} for case in selected])
        return
    for case in selected:
        echo(f"{escape(case.id)}\t{case.kind}\t{case.level}\t{','.join(case.clauses)}\t{escape(case.description)}")


@cases_command.command("copy", short_help="Copy the cases (and their schemas) into a directory.")
@click.argument("destination", metavar="DIR", type=checked_path(path_type=Path))
@_selection_options
@_cases_option
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
@click.pass_context
def copy_command(
    ctx: click.Context,
    destination: Path,
    run_globs: Sequence[str],
    skip_globs: Sequence[str],
    kinds: Sequence[str],
    spec_version: str,
    level: str | None,
    cases_dir: Path | None,
    force: bool,
) -> None:
    """Copy the selected cases into DIR, for a project that embeds them.

    Writes each case file with the selected cases, retired.json, and the JSON
    Schemas the cases and the protocol use under DIR/schema/. Existing files
    are kept unless --force is given. Exit status 0, or 3 when nothing is
    written: the cases cannot be read, no case is selected (from a suite
    that has some), or DIR cannot be written.
    """
    suite = _load(cases_dir, empty_ok=True)
    selection = _selection(run_globs, skip_globs, kinds, spec_version, level)
    if suite.cases:
        _selected(suite, selection)  # an empty suite copies its schemas; a selection of none is a mistake
    source = cases_dir or default_cases_dir()
    writes: dict[Path, str] = {}
    count = 0
    for name, cases in suite.files.items():
        chosen = [case for case in cases if selection.selects(case)]
        if not chosen:
            continue
        try:
            original = decode_json(read_case_file(source / name), lambda message, *_: ValueError(message))
        except (CaseError, ValueError) as exc:
            echo_error(escape(f"cannot read {name}: {exc}"), "case-invalid")
            ctx.exit(ExitCode.UNDECIDED)
        original["cases"] = [case.to_json() for case in chosen]
        writes[destination / name] = json_text(original, indent=1, ensure_ascii=True) + "\n"
        count += len(chosen)
    if (source / RETIRED_FILE).exists():
        try:
            writes[destination / RETIRED_FILE] = read_case_file(source / RETIRED_FILE)
        except CaseError as exc:
            echo_error(escape(str(exc)), exc.code)
            ctx.exit(ExitCode.UNDECIDED)
    for schema in SCHEMA_FILES:
        try:
            writes[destination / SCHEMA_DIRECTORY / schema] = schema_path(schema).read_text(encoding="utf-8")
        except OSError:
            continue
    try:
        _write_copy(destination, writes, force=force)
    except OutputError as exc:
        exit_with(ctx, exc)
    files = sum(1 for path in writes if path.parent == destination)
    echo(f"copied {count} cases in {files} files, and the schemas, to {escape(str(destination))}")


SCHEMA_DIRECTORY: Final = "schema"
"""The directory of ``cases copy DIR`` that gets the JSON Schemas: ``DIR/schema/``."""


def _write_copy(destination: Path, writes: Mapping[Path, str], *, force: bool) -> None:
    """Write each text of *writes* to its path, in *destination* or a directory below it, all or nothing refused.

    *destination* is the user's (:func:`~migcompat.cli.output.open_output_directory`:
    made if missing, refused if every user can write to it); each directory
    below it is reached from its descriptor with
    :func:`~migcompat.cli.output.open_output_subdirectory`, never through a
    symbolic link put there, and made only once nothing is refused. Every
    file goes in through its directory's descriptor
    (:func:`~migcompat.cli.output.write_in_directory`), whole, replacing a
    link at its name rather than writing through it. A file that exists
    (a link included) is an ``output-unwritable`` error unless *force*; an
    entry of another kind (a directory) always is, and so is a directory
    the process cannot write to: found before the first file is written.
    Raises :class:`~migcompat.cli.output.OutputError`.
    """
    top = open_output_directory(destination)
    opened: dict[Path, int | None] = {destination: top}
    try:
        for directory in dict.fromkeys(path.parent for path in writes):
            if directory not in opened:  # one level below: DIR/schema
                opened[directory] = open_output_subdirectory(top, directory.name, str(directory), create=False)
        existing = [
            str(path)
            for path in writes
            if (descriptor := opened[path.parent]) is not None and entry_exists(descriptor, path.name)
        ]
        if existing and not force:
            raise OutputError(
                "output-unwritable",
                f"{plural(len(existing), 'file exists', 'files exist')}, e.g. {escape(existing[0])}; use --force to"
                " overwrite",
                where=existing[0],
            )
        for path in writes:  # --force replaces files and links, never a directory or a device
            descriptor = opened[path.parent]
            kind = None if descriptor is None else entry_kind(descriptor, path.name)
            if str(path) in existing and kind not in ("a regular file", "a symbolic link"):
                raise OutputError(
                    "output-unwritable",
                    f"cannot write {escape(str(path))}: it is {kind}, which --force does not replace",
                    where=str(path),
                )
        for directory, descriptor in list(opened.items()):  # made now that nothing is refused, before any file
            if descriptor is None:
                opened[directory] = open_output_subdirectory(top, directory.name, str(directory))
        for directory, descriptor in opened.items():
            if descriptor is not None and not os.access(".", os.W_OK | os.X_OK, dir_fd=descriptor):
                raise OutputError(
                    "output-unwritable",
                    f"cannot write into {escape(str(directory))}: permission denied; nothing was written",
                    where=str(directory),
                )
        for path, text in writes.items():
            write_in_directory(path.parent, path.name, text, dir_fd=opened[path.parent])
    finally:
        for descriptor in opened.values():
            if descriptor is not None:
                os.close(descriptor)


# ---- maintaining the suite ------------------------------------------------------------


@cases_command.command("extract", short_help="Write the specification's examples as cases.")
@click.option(
    "--cases",
    "cases_dir",
    metavar="DIR",
    type=checked_path(path_type=Path),  # checked by the command: a wrong kind of path is status 3, not 2
    default=None,
    help="The directory of case files to write (with --check, to read). Default: conformance/cases/ of the"
    " source checkout migcompat runs from; required when migcompat is installed, except with --check, which"
    " then reads the suite that comes with migcompat.",
)
@_spec_file_option
@click.option("--check", "check_only", is_flag=True, help="Only tell whether spec-examples.json is up to date.")
@click.pass_context
def extract_command(ctx: click.Context, cases_dir: Path | None, spec_file: Path | None, check_only: bool) -> None:
    """Extract every example attribute of the specification into spec-examples.json.

    Identifiers of examples that changed or went are retired (retired.json).
    A specification without numbered clauses or without example attributes
    is refused (status 3), and nothing is written. The suite written by
    default is the one of the source checkout migcompat runs from; an
    installed migcompat never writes into its own package data, so there
    --cases DIR is required (a usage error without it).
    """
    if cases_dir is not None:
        directory = cases_dir
    elif check_only:
        directory = default_cases_dir()
    else:
        checkout = source_checkout()
        if checkout is None:
            raise click.UsageError(
                "give --cases DIR: migcompat does not run from a source checkout, and the suite that comes with"
                " an installed migcompat is package data, not a place to write"
            )
        directory = checkout / "conformance" / "cases"
    problem = directory_problem(directory) if directory.exists() else None  # a missing one is made
    if problem is not None:
        _no_answer("case-invalid", f"{directory}: cannot read: {problem}", str(directory))
    spec = _spec(spec_file)
    try:
        extract.require_examples(spec)
    except ValueError as exc:
        echo_error(escape(str(exc)))
        ctx.exit(ExitCode.UNDECIDED)
    if check_only:
        stale = extract.stale_examples(spec, directory)
        echo(f"{extract.EXAMPLES_FILE} is {'not ' if stale else ''}up to date")
        ctx.exit(ExitCode.NEGATIVE if stale else ExitCode.SUCCESS)
    try:
        changes = extract.example_changes(spec, directory)
    except (OSError, ValueError, CaseError) as exc:
        echo_error(escape(str(exc)))
        ctx.exit(ExitCode.UNDECIDED)
    try:
        if changes:
            prepare_directory(directory)
        for name, text in changes.items():  # each whole, never through a link planted at its name
            write_in_directory(directory, name, text, update=True)  # read to be updated: not an input lost
    except OutputError as exc:
        exit_with(ctx, exc)
    echo(f"wrote {', '.join(changes)}" if changes else "up to date")
