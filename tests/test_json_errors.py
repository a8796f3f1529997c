"""One shape for an error in every command's JSON output (command-error.schema.json).

Whatever the command and whatever the input that failed (a missing file, an
invalid attribute, a missing inventory or capture), the error is one object
``{"code", "message", ...}`` under the key ``"error"``: beside the input's
``"path"`` where the command reports inputs one by one, or alone as the whole
document where the command has no answer at all. Its code is the one the
command writes on standard error (``migcompat: error[CODE]: ...``), so a
script finds it at ``.error.code`` or ``.input_errors[].error.code`` and
never has to learn a command's own spelling.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner
from referencing import Registry, Resource

from migcompat.cli import main
from migcompat.errors import ERROR_CODES, LIBRARY_ERROR_CODES
from migcompat.resources import data_path

UNDECIDED = 3
SCHEMA = json.loads(data_path("command-error.schema.json").read_text(encoding="utf-8"))
REGISTRY: Registry[Any] = Registry().with_resource(SCHEMA["$id"], Resource.from_contents(SCHEMA))
ERROR = jsonschema.Draft202012Validator({"$ref": f"{SCHEMA['$id']}#/$defs/error"}, registry=REGISTRY)
DOCUMENT = jsonschema.Draft202012Validator(SCHEMA, registry=REGISTRY)
STDERR_CODE = re.compile(r"^migcompat: error\[([a-z0-9-]+)\]:", re.MULTILINE)


def errors_in(document: object) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """Every ``"error"`` member of *document*, with the object that holds it."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "error" and isinstance(value, dict):
                yield value, document
            else:
                yield from errors_in(value)
    elif isinstance(document, list):
        for item in document:
            yield from errors_in(item)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    directory = tmp_path_factory.mktemp("inputs")
    contents = {
        "version": "mc1 device_api=vfio-pci driver=mtty\n",
        "rules": "mc1\naccept device_api=vfio-pci driver=mtty\n",
        "invalid": "mc1 device_api=vfio-pci qty=007\n",
        "empty.json": json.dumps(  # a capture of a host without a migration attribute
            {
                "format": "migcompat-capture",
                "version": 1,
                "host": "h",
                "kernel": "6.8",
                "time": "2026-12-02T00:00:00Z",
                "tool": "migcompat",
                "root": "/sys",
                "source": "sysfs",
                "modes_authoritative": False,
                "placements": [],
                "findings": [],
            }
        ),
    }
    out = {"missing": str(directory / "missing")}
    for name, text in contents.items():
        (directory / name).write_text(text, encoding="ascii")
        out[name.removesuffix(".json")] = str(directory / name)
    return out


# (command line with {missing}, {version}, {rules}, {invalid}; the codes expected; whether the error is the document)
CASES = [
    ("parse --format json {missing}", {"input-unreadable"}, False),
    ("parse --format json {invalid}", {"leading-zero"}, False),
    ("check --format json {missing} {rules}", {"input-unreadable"}, False),
    ("check --format json {version} {missing}", {"input-unreadable"}, False),
    ("check --format json {invalid} {rules}", {"leading-zero"}, False),
    ("plan --format json {version} {missing}", {"input-unreadable"}, False),
    ("relate --format json {missing} {rules}", {"input-unreadable"}, False),
    ("lint --format json {missing}", {"input-unreadable"}, False),
    ("diff --format json {missing} {rules}", {"input-unreadable"}, False),
    ("match --format json {version} {missing}", {"capture-unreadable"}, True),
    ("match --format json {missing} {rules}", {"input-unreadable"}, False),
    ("matrix --format json {missing}", {"capture-unreadable"}, True),
    ("conformance --format json --no-progress {missing}", {"capture-unreadable"}, True),
    ("conformance --format json --no-progress {empty}", {"nothing-to-check"}, True),
    ("diff --format json {empty} {empty}", {"nothing-to-check"}, True),
    ("cases run --format json --parser {missing}", {"program-unstartable"}, True),
]


@pytest.mark.parametrize(("line", "codes", "whole"), CASES, ids=[case[0].split(" {")[0] for case in CASES])
def test_every_command_writes_errors_in_one_shape(
    files: dict[str, str], line: str, codes: set[str], whole: bool
) -> None:
    result = CliRunner().invoke(main, line.format(**files).split(), catch_exceptions=False)
    assert result.exit_code in (1, UNDECIDED), result.output
    lines = result.stdout.splitlines()
    assert lines, "JSON output is never empty, also when an input fails"
    documents = [json.loads(text) for text in lines]
    found = [pair for document in documents for pair in errors_in(document)]
    assert {error["code"] for error, _ in found} == codes
    for error, holder in found:
        assert [problem.message for problem in ERROR.iter_errors(error)] == []
        # The failed input is named: by the path beside the error, or (the whole document) by where.
        named = holder.get("path") if holder.get("path") is not None else error.get("where")
        assert named in files.values() or named in ("--parser", "--emitter", "--checker")  # or the option
    if whole:
        assert len(documents) == 1 and [problem.message for problem in DOCUMENT.iter_errors(documents[0])] == []
    else:
        assert all("error" not in document for document in documents if "path" not in document)
    if result.exit_code == UNDECIDED:  # a failure: its error[CODE] line on standard error too, whatever the format
        assert set(STDERR_CODE.findall(result.stderr)) == codes
    else:  # parse's negative answer (an invalid string) is the JSON record alone
        assert line.startswith("parse") and result.stderr == ""


def test_the_schema_lists_every_stable_code() -> None:
    assert set(SCHEMA["$defs"]["code"]["enum"]) == set(ERROR_CODES) | set(LIBRARY_ERROR_CODES)


def test_the_old_flat_read_error_is_not_an_error_object() -> None:
    old = {"path": "x", "read_error": "No such file or directory", "code": "input-unreadable"}
    assert list(ERROR.iter_errors(old)) != []
    assert list(DOCUMENT.iter_errors({"error": {"code": "no-such-code", "message": "m"}})) != []


@pytest.mark.parametrize("line", ["cases list --format json", "cases check --format json"])
def test_the_cases_commands_write_json_on_one_line(line: str) -> None:
    result = CliRunner().invoke(main, line.split(), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 1 and result.stdout.endswith("\n")
    json.loads(result.stdout)
