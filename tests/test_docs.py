"""The documentation site builds cleanly, and every code example in it is executed or checked.

* ``sphinx-build -W -n -b html`` succeeds without a single warning (nitpicky: every
  reference resolves);
* ``sphinx-build -b doctest`` passes: the integrator guide's examples and the
  docstrings' doctest blocks;
* every literal block of the built site is accounted for, by kind:

  - doctests and ``testcode`` blocks: run by the doctest build;
  - ``>>>`` blocks in docstrings written as ``::`` literal blocks: run here with
    :mod:`doctest`, in the namespace of their module;
  - attribute examples (``:class: mc-version``, ``mc-compatible``,
    ``mc-invalid mc-error-CODE``): parsed, and must be canonical or fail with CODE;
  - ``console`` sessions: each ``$`` command is run from the top of the source tree
    and its output (standard output and error together, unbuffered, in the order a
    terminal shows them) must be what the page shows, where ``...`` stands for any
    text as in doctest, unless the block is marked ``:class: illustration``;
  - C: the vendor guide's driver (``docs/examples/gvt_migration.c``) is compiled and
    run against user-space stand-ins for the kernel headers, and must write the
    bundled example attributes byte for byte; other C blocks are compiled with
    ``gcc -fsyntax-only``;
  - files included verbatim (the grammar, the ABI entries), the schemas' example
    documents (validated here against their schemas) and the usage lines and help
    that sphinx-click generates from the CLI are checked by other tests or by
    construction;
  - the few illustrations that cannot run (``/sys`` paths on a host, CI jobs in YAML
    marked ``:class: illustration``) are listed in :data:`ILLUSTRATIONS` by page and
    first line or marked, and counted, so that a new one is a decision.

A block that fits none of these fails the test.

Each test that reads the site needs a Sphinx build (about 20 s on a 2-core machine) and
is marked ``slow``: CI runs them all (``.ci/run``); the default run keeps those that do not.
"""

from __future__ import annotations

import doctest
import importlib
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from migcompat import emit, parse_compatible, parse_version
from migcompat.errors import ParseError
from migcompat.plan import plan

RUNS_LONG = True  # queued first in the default run (conftest.py)

for _module in ("sphinx", "furo", "sphinx_click", "sphinx_copybutton"):
    pytest.importorskip(_module, reason="the docs extra is not installed: pip install -e '.[docs]'")
nodes = pytest.importorskip("docutils.nodes")

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = DOCS / "examples"
STUBS = EXAMPLES / "kernel-stubs"
KERNEL_HELPER = ROOT / "c" / "kernel"
# The driver model's stand-ins, then those of the kernel API the emitter helper uses, then the helper.
C_INCLUDES = ["-I", str(STUBS), "-I", str(KERNEL_HELPER / "test" / "include"), "-I", str(KERNEL_HELPER)]
C_INCLUDES += ["-I", str(ROOT / "c" / "lib" / "include")]  # libmigcompat's header, for the C API snippets

# Blocks that show commands or files on a host and cannot run here, by page and first line;
# the page's other console blocks run. Console blocks of pages the docs own are marked
# `:class: illustration` instead; these pages are written by others.
ILLUSTRATIONS = {
    # /sys paths and a `case` statement around a migcompat command
    "cli-exit-codes": ("$ migcompat parse /sys/",),
}
# The specification's `::` blocks are sysfs paths and an ordering, not code.
SPEC_PREFIX = "spec/"

# For C blocks compiled on their own (the specification's clause 10.5 example): the
# driver-private declarations they assume.
C_PRELUDE = """\
#include <linux/device.h>
#include <linux/sysfs.h>
struct foo_state { unsigned int nr_ports; };
"""


@dataclass(frozen=True)
class Block:
    """One literal block of the built site."""

    docname: str
    node: nodes.Element

    @property
    def text(self) -> str:
        return self.node.astext()

    @property
    def language(self) -> str:
        return str(self.node.get("language") or "default")

    @property
    def classes(self) -> list[str]:
        return list(self.node.get("classes", []))

    @property
    def included(self) -> Path | None:
        """The file a literalinclude block shows."""
        source = self.node.get("source")
        return Path(source).resolve() if source else None

    @property
    def where(self) -> str:
        return f"{self.node.source or self.docname}:{self.node.line}"


def _sphinx(builder: str, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sphinx", "-q", "-b", builder, "-d", str(out / "doctrees"), *extra, str(DOCS), str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(),
        check=False,
    )


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "120"
    env.pop("MIGCOMPAT_DEBUG", None)
    return env


@dataclass(frozen=True)
class Build:
    out: Path
    returncode: int
    warnings: str


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    out = tmp_path_factory.mktemp("docs-html")
    result = _sphinx("html", out, "-n", "--keep-going")
    return Build(out, result.returncode, result.stderr.strip())


@pytest.fixture(scope="module")
def html(build: Build) -> Path:
    assert build.returncode == 0, build.warnings
    return build.out


@pytest.fixture(scope="module")
def doctrees(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The documents as Sphinx reads them, without writing HTML (the dummy builder: half the time of a build)."""
    out = tmp_path_factory.mktemp("docs-doctrees")
    result = _sphinx("dummy", out, "-n", "--keep-going")
    assert result.returncode == 0, result.stderr
    return out / "doctrees"


@pytest.fixture(scope="module")
def blocks(doctrees: Path) -> list[Block]:
    found = []
    for path in sorted(doctrees.rglob("*.doctree")):
        docname = path.relative_to(doctrees).with_suffix("").as_posix()
        with path.open("rb") as file:
            document = pickle.load(file)
        for node in document.findall(lambda n: isinstance(n, nodes.literal_block | nodes.doctest_block)):
            found.append(Block(docname, node))
    assert found
    return found


@pytest.mark.slow
def test_html_builds_without_warnings(build: Build) -> None:
    # As CI runs it, with -W: a warning is an error.
    assert build.returncode == 0 and not build.warnings, build.warnings
    html = build.out
    index = (html / "index.html").read_text(encoding="utf-8")
    assert "Where to go" in index
    assert (html / "spec" / "migcompat.html").is_file()
    assert (html / "searchindex.js").is_file()


@pytest.mark.slow
def test_doctests_pass(tmp_path: Path) -> None:
    result = _sphinx("doctest", tmp_path)
    report = (tmp_path / "output.txt").read_text(encoding="utf-8") if (tmp_path / "output.txt").is_file() else ""
    assert result.returncode == 0, result.stdout + result.stderr + report
    match = re.search(r"Doctest summary\s*=+\s*(\d+) tests?\s*\n\s*(\d+) failures? in tests", report)
    assert match, report
    assert int(match.group(1)) >= 20, report
    assert match.group(2) == "0", report


# ---- sorting the blocks ---------------------------------------------------------------------------


def _kind(block: Block) -> str:
    node = block.node
    if isinstance(node, nodes.doctest_block) or node.get("testnodetype"):
        return "doctest"
    if block.text.lstrip().startswith(">>>"):
        return "docstring-doctest"
    if any(c in ("mc-version", "mc-compatible", "mc-invalid") for c in block.classes):
        return "attribute"
    if "schema-example" in block.classes:
        return "schema-example"
    included = block.included
    if block.language == "c":
        return "c-driver" if included is not None and included.parent == EXAMPLES else "c-snippet"
    if included is not None and (included.is_relative_to(ROOT / "grammar") or included.is_relative_to(ROOT / "spec")):
        return "normative-file"
    if block.docname == "reference/cli" and (
        "cli-help" in block.classes or (block.language == "shell" and block.text.startswith("migcompat"))
    ):
        return "cli-usage"
    if block.language == "yaml" and "illustration" in block.classes:
        return "illustration"  # a CI job to copy: it runs on a CI service, not here
    if block.language == "console":
        listed = ILLUSTRATIONS.get(block.docname, ())
        if "illustration" in block.classes or any(block.text.startswith(first) for first in listed):
            return "illustration"
        return "console"
    if block.docname.startswith(SPEC_PREFIX) and block.language in ("default", "none", "text"):
        return "spec-illustration"
    if ":docstring of " in (block.node.source or "") and block.language == "default":
        return "docstring-illustration"
    return "unchecked"


def _of_kind(blocks: list[Block], kind: str) -> list[Block]:
    return [block for block in blocks if _kind(block) == kind]


@pytest.mark.slow
def test_every_code_block_is_executed_or_checked(blocks: list[Block]) -> None:
    unchecked = [f"{block.where} ({block.language}): {block.text[:60]!r}" for block in _of_kind(blocks, "unchecked")]
    assert not unchecked, "code blocks that no test runs or checks:\n" + "\n".join(unchecked)
    kinds = {_kind(block) for block in blocks}
    assert {"doctest", "attribute", "console", "c-driver", "c-snippet", "cli-usage"} <= kinds


@pytest.mark.slow
def test_illustrations_are_few_and_listed(blocks: list[Block]) -> None:
    per_page: dict[str, list[str]] = {}
    for block in _of_kind(blocks, "illustration"):
        if "illustration" not in block.classes:
            per_page.setdefault(block.docname, []).append(block.text.splitlines()[0])
    listed = {page: len(firsts) for page, firsts in ILLUSTRATIONS.items()}
    assert {page: len(found) for page, found in per_page.items()} == listed, per_page
    marked = [block for block in _of_kind(blocks, "illustration") if "illustration" in block.classes]
    assert len(marked) <= 3, [block.where for block in marked]


# ---- attribute examples ---------------------------------------------------------------------------


@pytest.mark.slow
def test_attribute_examples(blocks: list[Block]) -> None:
    examples = _of_kind(blocks, "attribute")
    assert len(examples) >= 20
    for block in examples:
        text = block.text + "\n"
        if "mc-version" in block.classes:
            assert emit(parse_version(text)) == text, block.where
        elif "mc-compatible" in block.classes:
            assert emit(parse_compatible(text)) == text, block.where
        else:
            (code,) = [c.removeprefix("mc-error-") for c in block.classes if c.startswith("mc-error-")]
            with pytest.raises(ParseError) as raised:
                parse_compatible(text) if text.startswith("mc1\n") else parse_version(text)
            assert raised.value.code == code, block.where


# ---- doctests written as literal blocks in docstrings ----------------------------------------------


@pytest.mark.slow
def test_docstring_examples(blocks: list[Block]) -> None:
    examples = _of_kind(blocks, "docstring-doctest")
    assert examples
    parser = doctest.DocTestParser()
    for block in examples:
        source = block.node.source or ""
        module_name = source.rpartition(":docstring of ")[2]
        namespace: dict[str, object] = {}
        while module_name:
            try:
                namespace = dict(vars(importlib.import_module(module_name)))
                break
            except ImportError:
                module_name = module_name.rpartition(".")[0]
        test = parser.get_doctest(block.text, namespace, block.where, source, block.node.line or 0)
        runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
        output: list[str] = []
        result = runner.run(test, out=output.append)
        assert result.failed == 0, "".join(output)


# ---- console sessions -------------------------------------------------------------------------------


def _commands(text: str) -> Iterator[tuple[str, str]]:
    """(command, expected output) for each ``$`` line; ``>`` lines continue the command."""
    command: list[str] | None = None
    output: list[str] = []
    for line in text.splitlines():
        if line.startswith("$ "):
            if command is not None:
                yield "\n".join(command), "\n".join(output)
            command, output = [line[2:]], []
        elif line.startswith("> ") and command is not None and not output:
            command.append(line[2:])
        elif command is not None:
            output.append(line)
    if command is not None:
        yield "\n".join(command), "\n".join(output)


@pytest.mark.slow
def test_console_examples(blocks: list[Block], tmp_path: Path) -> None:
    sessions = _of_kind(blocks, "console")
    assert len(sessions) >= 5
    without_compiler = []
    differing = []
    for number, block in enumerate(sessions):
        commands = list(_commands(block.text))
        assert commands, block.where
        if shutil.which("cc") is None and any(command.startswith("cc ") for command, _ in commands):
            without_compiler.append(block.where)  # the rest still run; the test is then skipped, saying why
            continue
        script = []
        for index, (command, _) in enumerate(commands):
            out = tmp_path / f"{number}-{index}"
            script.append(f"{{ {command}\n}} >{out}.out 2>&1")
        # Standard output and error in one file, unbuffered, as a terminal shows them: in the order written.
        env = {**_env(), "PYTHONUNBUFFERED": "1"}
        subprocess.run(["bash", "-c", "\n".join(script)], cwd=ROOT, env=env, check=False, timeout=120)
        for index, (command, expected) in enumerate(commands):
            out = tmp_path / f"{number}-{index}"
            got = out.with_suffix(".out").read_text()
            if not _matches(expected, got):
                differing.append(f"{block.where}: $ {command}\n--- shown:\n{expected}\n--- got:\n{got}")
    assert not differing, f"{len(differing)} commands print other than shown:\n" + "\n".join(differing)
    if without_compiler:
        pytest.skip(f"no C compiler (cc; CI installs it): not run: {', '.join(without_compiler)}")


def _matches(shown: str, got: str) -> bool:
    """Whether *got* is what the page shows: line ends stripped, ``...`` standing for any text (as in doctest)."""

    def clean(text: str) -> str:
        return "\n".join(line.rstrip() for line in text.rstrip("\n").splitlines()) + "\n"

    return doctest.OutputChecker().check_output(clean(shown), clean(got), doctest.ELLIPSIS)


# ---- C -----------------------------------------------------------------------------------------------


def _gcc() -> str:
    gcc = shutil.which("gcc") or shutil.which("cc")
    if gcc is None:
        pytest.skip("no C compiler: the C examples are not compiled")
    return gcc


@pytest.mark.slow
def test_c_driver_example_compiles_runs_and_writes_the_bundled_attributes(blocks: list[Block], tmp_path: Path) -> None:
    shown = {block.included for block in _of_kind(blocks, "c-driver")}
    assert shown == {EXAMPLES / "gvt_migration.c"}
    gcc = _gcc()
    program = tmp_path / "gvt_migration"
    subprocess.run(
        [
            gcc,
            "-std=gnu11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-Wno-unused-parameter",
            *C_INCLUDES,
            "-o",
            str(program),
            str(EXAMPLES / "gvt_migration_harness.c"),
        ],
        check=True,
    )
    printed = subprocess.run([str(program)], capture_output=True, text=True, check=True).stdout
    written = dict(re.findall(r"^== (\S+)\n(.*?)(?=^== |\Z)", printed, re.S | re.M))
    expected = {
        "uuid1/migration_version": ROOT / "examples/gvt-g/uuid1/migration_version",
        "uuid1/migration_compatible_devices": ROOT / "examples/gvt-g/uuid1/migration_compatible_devices",
        "i915-GVTg_V5_8/migration_version": EXAMPLES / "gvt-g-type/i915-GVTg_V5_8/migration_version",
        "i915-GVTg_V5_8/migration_compatible_devices": EXAMPLES
        / "gvt-g-type/i915-GVTg_V5_8/migration_compatible_devices",
    }
    assert set(written) == set(expected), printed
    for name, path in expected.items():
        assert written[name] == path.read_text(), name
    # The type's devices accept UUID2 when created with aggregate=4 (specification clause 14.1).
    source = parse_version((ROOT / "examples/gvt-g/uuid2/migration_version").read_text())
    template = parse_version(written["i915-GVTg_V5_8/migration_version"])
    rules = parse_compatible(written["i915-GVTg_V5_8/migration_compatible_devices"])
    found = plan(source, template, rules)
    assert dict(found.choice) == {"aggregate": 4}
    assert [p.working for p in found.parameters] == [(4,)]


def test_c_driver_example_refuses_to_overflow_a_page(tmp_path: Path) -> None:
    """With a 256-byte "page", show() returns -E2BIG instead of a cut attribute."""
    gcc = _gcc()
    program = tmp_path / "small_page"
    subprocess.run(
        [
            gcc,
            "-std=gnu11",
            "-DPAGE_SIZE=256",
            *C_INCLUDES,
            "-o",
            str(program),
            str(EXAMPLES / "gvt_migration_harness.c"),
        ],
        check=True,
    )
    printed = subprocess.run([str(program)], capture_output=True, text=True, check=True).stdout
    assert "== uuid1/migration_version\n" in printed
    assert f"== uuid1/migration_compatible_devices: error -{_errno('E2BIG')}" in printed


def _errno(name: str) -> int:
    import errno

    return int(getattr(errno, name))


@pytest.mark.slow
def test_c_snippets_compile(blocks: list[Block], tmp_path: Path) -> None:
    snippets = _of_kind(blocks, "c-snippet")
    assert snippets
    gcc = _gcc()
    for number, block in enumerate(snippets):
        source = tmp_path / f"snippet{number}.c"
        source.write_text(C_PRELUDE + block.text + "\n")
        result = subprocess.run(
            [
                gcc,
                "-std=gnu11",
                "-fsyntax-only",
                "-Wall",
                "-Werror",
                "-Wno-unused-function",
                "-Wno-unused-variable",
                *C_INCLUDES,
                str(source),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, f"{block.where}:\n{result.stderr}"


# ---- JSON Schema examples ---------------------------------------------------------------------------


@pytest.mark.slow
def test_schema_examples_validate(blocks: list[Block]) -> None:
    """The example documents the schema page shows (the schemas' own ``examples``) are valid."""
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    schemas = [json.loads(path.read_text()) for path in sorted((ROOT / "spec" / "schema").glob("*.schema.json"))]
    registry = referencing.Registry().with_resources(
        (schema["$id"], referencing.Resource.from_contents(schema)) for schema in schemas
    )
    shown = {json.dumps(json.loads(block.text), sort_keys=True) for block in _of_kind(blocks, "schema-example")}
    checked = set()
    for schema in schemas:
        places = [("", schema), *((f"/$defs/{name}", sub) for name, sub in schema.get("$defs", {}).items())]
        for pointer, sub in places:
            for example in sub.get("examples", []):
                validator = jsonschema.Draft202012Validator({"$ref": f"{schema['$id']}#{pointer}"}, registry=registry)
                errors = [error.message for error in validator.iter_errors(example)]
                assert not errors, f"{schema['$id']}#{pointer}: {errors}"
                checked.add(json.dumps(example, sort_keys=True))
    assert shown <= checked


# ---- the site's structure ---------------------------------------------------------------------------


@pytest.mark.slow
def test_every_json_schema_is_rendered(html: Path) -> None:
    page = (html / "reference" / "schemas.html").read_text(encoding="utf-8")
    for schema in sorted((ROOT / "spec" / "schema").glob("*.schema.json")):
        stem = schema.name.removesuffix(".schema.json")
        assert f'id="schema-{stem}"' in page, schema.name


@pytest.mark.slow
def test_every_cli_command_is_in_the_reference(html: Path) -> None:
    import click

    from migcompat.cli import main

    page = (html / "reference" / "cli.html").read_text(encoding="utf-8")
    names = main.list_commands(click.Context(main))
    assert len(names) >= 13
    for name in names:
        assert f"migcompat {name}" in page, name


@pytest.mark.slow
def test_the_manual_page_is_the_cli_reference(tmp_path: Path) -> None:
    import click

    from migcompat.cli import main

    result = _sphinx("man", tmp_path, "-W", "-n")
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "migcompat.1").read_text(encoding="utf-8")
    assert page.count('.TH "MIGCOMPAT" "1"') == 1
    for name in main.list_commands(click.Context(main)):
        assert f"migcompat {name}" in page, name
    assert "SOURCE_DATE_EPOCH" in page  # an option's help (capture --time), not only the command names
    assert "Clause 8" not in page and "Integrator guide" not in page  # the reference alone, not the whole site
    assert [path.name for path in tmp_path.iterdir() if path.suffix == ".1"] == ["migcompat.1"]
    # The C library's page, for a distribution's -dev package: libmigcompat(3).
    library = (tmp_path / "libmigcompat.3").read_text(encoding="utf-8")
    assert library.count('.TH "LIBMIGCOMPAT" "3"') == 1
    assert "mc_check" in library and "mc_reason_format" in library and "pkg\\-config" in library


def test_the_spec_is_rendered_from_spec_not_copied() -> None:
    link = DOCS / "spec"
    assert link.is_symlink() and os.readlink(link) == "../spec"
    copies = [
        p
        for p in DOCS.rglob("*.rst")
        if not p.is_relative_to(link) and "migcompat 1.1: VFIO live-migration" in p.read_text()
    ]
    assert not copies
