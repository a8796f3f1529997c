"""libmigcompat, the C library of ``c/lib/``: built with make, run through the conformance cases and
against the Python reference.

The default run builds the libraries and the adapter once (optimised lightly, to keep the build short),
runs the library's own ``make check`` tests, checks that both libraries export the header's API and nothing else and
that every statement of the release agrees, runs every parse, emit and check case through the adapter in the
persistent mode of the test protocol (the emit cases also process per case), a short differential fuzz
against the Python reference (parse, emit and check), and data model documents with random faults, which
the adapter must accept exactly when :func:`migcompat.from_json` does. The slow tests build everything as
shipped (static and shared library, pkg-config file), the AddressSanitizer and UndefinedBehaviorSanitizer
build, and the libFuzzer target.
"""

from __future__ import annotations

import copy
import ctypes
import importlib.util
import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from migcompat import emit, from_json
from migcompat.cases import Options, Programs, Selection, load_suite, run_cases
from migcompat.errors import DataModelError
from migcompat.jsonmodel import loads
from migcompat.limits import SPEC_VERSION

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "c" / "lib"
FUZZ = ROOT / "c" / "fuzz"
CASES = ROOT / "conformance" / "cases"
DECLINED_KINDS = {"relate"}
"""What the adapter does not serve: rule-set relations (a checker may decline relate requests; their cases are then
skipped). It parses, emits (a JSON data model read and validated, written by mc_emit) and checks."""


def _tools(*names: str) -> None:
    missing = [name for name in names if shutil.which(name) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: the C library is not built")


def _make(build: Path, *targets: str, **variables: str) -> None:
    """make in c/lib with BUILD=*build* and WERROR=1 (warnings are errors in the tests, not in a packager's build)."""
    settings = [f"{name}={value}" for name, value in {"BUILD": str(build), "WERROR": "1", **variables}.items()]
    result = subprocess.run(
        ["make", "-s", "-j2", "-C", str(LIB), *settings, *targets], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def quick_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The libraries, the pkg-config file, the adapter and the unit-test program, built with -O1 into a temporary
    directory (objcopy, of binutils as the compiler's linker is, makes the static library's internals local)."""
    _tools("cc", "make", "objcopy")
    build = tmp_path_factory.mktemp("libmigcompat")
    targets = ("libmigcompat.a", "libmigcompat.so", "migcompat.pc", "mc-adapter", "test_lib")
    _make(build, *(str(build / target) for target in targets), CFLAGS="-O1")
    return build


HEADER = LIB / "include" / "migcompat.h"
PARTS = ("MAJOR", "MINOR", "PATCH")


def _public_api() -> set[str]:
    """The functions migcompat.h declares with MC_API: the whole API, and all that the libraries may export."""
    return set(re.findall(r"^MC_API\b[^;(]*?\b(mc_\w+)\(", HEADER.read_text(), re.MULTILINE))


def _header_version() -> tuple[int, int, int]:
    """MC_VERSION_MAJOR, _MINOR and _PATCH of migcompat.h, where the release is written."""
    text = HEADER.read_text()
    parts = [re.search(rf"^#define MC_VERSION_{part}\s+(\d+)\s*$", text, re.MULTILINE) for part in PARTS]
    assert all(parts), "migcompat.h defines MC_VERSION_MAJOR, _MINOR and _PATCH as numbers"
    major, minor, patch = (int(match.group(1)) for match in parts if match)
    return major, minor, patch


def _defined_globals(*nm_arguments: str) -> set[str]:
    """The global symbols that ``nm --defined-only`` lists for *nm_arguments* (a file, and -g or -D), without their
    symbol versions (``mc_parse@@MIGCOMPAT_1.0`` is ``mc_parse``) and without the version nodes themselves."""
    result = subprocess.run(
        ["nm", "--defined-only", *nm_arguments], capture_output=True, text=True, check=True, timeout=30
    )
    return {
        fields[2].split("@")[0]
        for line in result.stdout.splitlines()
        if len(fields := line.split()) == 3 and fields[1] != "A"
    }


def _library_version(shared: Path) -> tuple[str, int]:
    """mc_version() and mc_version_number() of the shared library *shared*, called through ctypes."""
    library = ctypes.CDLL(str(shared))
    library.mc_version.restype = ctypes.c_char_p
    library.mc_version.argtypes = []
    library.mc_version_number.restype = ctypes.c_uint
    library.mc_version_number.argtypes = []
    text = library.mc_version()
    assert isinstance(text, bytes)
    return text.decode(), int(library.mc_version_number())


def _differential() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mc_differential", FUZZ / "differential.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _assert_cases_pass(adapter: Path) -> None:
    suite = load_suite(CASES)
    current = suite.select(Selection(spec=SPEC_VERSION))
    command = (str(adapter),)
    programs = Programs(parser=command, emitter=command, checker=command, persistent=True)
    results = run_cases(current, programs, Options(timeout=20))
    failed = [f"{r.case.id}: {r.outcome} {r.detail}" for r in results if r.outcome not in ("pass", "skip")]
    assert not failed, "\n".join(failed)
    skipped = {r.case.kind for r in results if r.outcome == "skip"}
    assert skipped <= DECLINED_KINDS, skipped
    passed = {r.case.kind for r in results if r.outcome == "pass"}
    assert passed == {"parse-valid", "parse-invalid", "emit", "emit-invalid", "check"}
    relate = [r for r in results if r.case.kind == "relate"]
    assert relate, "the suite has relate cases, which the adapter declines"
    assert all("does not compute relations" in r.detail for r in relate)


def test_make_check_passes(quick_build: Path) -> None:
    """As ``make check`` runs it: given the pkg-config file, whose Version line it holds to mc_version() too."""
    command = [str(quick_build / "test_lib"), str(quick_build / "migcompat.pc")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "all passed" in result.stdout


def test_every_statement_of_the_release_agrees(quick_build: Path) -> None:
    """migcompat.h's MC_VERSION_* (where it is written), the Makefile's VERSION (read from there), the shared
    library's file name and its mc_version() and mc_version_number(), the static library's (through test_lib) and
    migcompat.pc's Version line."""
    major, minor, patch = _header_version()
    version, number = f"{major}.{minor}.{patch}", major * 10000 + minor * 100 + patch
    assert minor < 100 and patch < 100, "MC_VERSION_NUMBER has two digits for each"
    made = subprocess.run(["make", "-s", "-C", str(LIB), "version"], capture_output=True, text=True, timeout=60)
    assert made.stdout.strip() == version, made.stderr
    assert (quick_build / f"libmigcompat.so.{version}").is_file()
    assert _library_version(quick_build / f"libmigcompat.so.{version}") == (version, number)
    tested = subprocess.run([str(quick_build / "test_lib")], capture_output=True, text=True, timeout=60)
    assert f"(libmigcompat {version})" in tested.stdout
    assert f"\nVersion: {version}\n" in (quick_build / "migcompat.pc").read_text()
    overridden = subprocess.run(
        ["make", "-s", "-C", str(LIB), "version", "VERSION=9.9.9"], capture_output=True, text=True, timeout=60
    )
    assert overridden.returncode != 0 and "change it there" in overridden.stderr, "VERSION is not set elsewhere"
    # The soname's number is the header's MC_API_VERSION.
    api = re.search(r"^#define MC_API_VERSION\s+(\d+)\s*$", HEADER.read_text(), re.MULTILINE)
    assert api is not None
    assert os.readlink(quick_build / f"libmigcompat.so.{api.group(1)}") == f"libmigcompat.so.{version}"
    if shutil.which("readelf"):
        dynamic = subprocess.run(
            ["readelf", "-d", str(quick_build / f"libmigcompat.so.{version}")], capture_output=True, text=True
        )
        assert f"[libmigcompat.so.{api.group(1)}]" in dynamic.stdout


def test_both_libraries_export_the_api_and_nothing_else(quick_build: Path) -> None:
    """The global symbols the static and the shared library define are the MC_API functions of migcompat.h: a
    program that links the static library and has a function of the library's internal names still links."""
    _tools("nm")
    api = _public_api()
    assert {"mc_parse", "mc_check", "mc_emit", "mc_version", "mc_version_number"} <= api
    assert {"mc_error_message", "mc_reason_format", "mc_read_attribute", "mc_syntax_hint"} <= api
    assert "mc_reason_format_own" in api
    assert len(api) == 20, sorted(api)
    assert _defined_globals("-g", str(quick_build / "libmigcompat.a")) == api
    assert _defined_globals("-D", str(quick_build / "libmigcompat.so")) == api
    internals = ("mc_sort", "mc_validate", "mc_locate", "mc_bytes_cmp", "mc_val_of", "mc_parse_u64", "mc_own_value_of")
    program = quick_build / "own_helpers.c"
    program.write_text(
        "#include <stdio.h>\n#include <string.h>\n#include <migcompat.h>\n"
        + "".join(f"int {name}(void);\nint {name}(void) {{ return {i}; }}\n" for i, name in enumerate(internals))
        + "static struct mc_attr a;\n"
        'int main(void) { const char *t = "mc1 b=2 a=1\\n"; char out[64];\n'
        "  if (mc_parse(&a, MC_MIGRATION_VERSION, t, strlen(t), NULL) || mc_emit(&a, out, sizeof out) < 0) return 1;\n"
        f'  printf("%s%d", out, {" + ".join(f"{name}()" for name in internals)}); return 0; }}\n'
    )
    binary = quick_build / "own_helpers"
    command = ["cc", "-std=c11", f"-I{LIB / 'include'}", "-o", str(binary), str(program)]
    linked = subprocess.run(
        [*command, str(quick_build / "libmigcompat.a")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert linked.returncode == 0, linked.stderr
    ran = subprocess.run([str(binary)], capture_output=True, text=True, timeout=10)
    assert ran.stdout == f"mc1 a=1 b=2\n{sum(range(len(internals)))}"


def test_every_parse_emit_and_check_case_passes_through_the_adapter(quick_build: Path) -> None:
    _assert_cases_pass(quick_build / "mc-adapter")


def test_the_library_agrees_with_the_python_reference_on_fuzzed_inputs(quick_build: Path) -> None:
    """Parse and check, and mc_emit against migcompat.emit on the model of every attribute the reference accepts."""
    summary = _differential().run([str(quick_build / "mc-adapter")], seconds=0, count=400, seed=12)
    assert summary["inputs"]["parse"] >= 400
    assert summary["inputs"]["emit"] >= 300
    assert summary["disagreements"] == [], json.dumps(summary["disagreements"][:5], indent=1)


def test_every_emit_case_passes_process_per_case(quick_build: Path) -> None:
    adapter = str(quick_build / "mc-adapter")
    cases = load_suite(CASES).select(Selection(spec=SPEC_VERSION, kinds=("emit", "emit-invalid")))
    results = run_cases(cases, Programs(emitter=(adapter, "emit")), Options(timeout=20))
    assert len(results) == len(cases) > 50
    failed = [f"{r.case.id}: {r.outcome} {r.detail}" for r in results if r.outcome != "pass"]
    assert not failed, "\n".join(failed)


def test_a_rejected_model_names_the_offending_member(quick_build: Path) -> None:
    """invalid-model with a JSON Pointer, as migcompat.from_json reports it; the text format's code in the message."""
    adapter = str(quick_build / "mc-adapter")
    value = {"critical": True, "value": {"type": "integer", "value": "01"}}
    document = {"attribute": "migration_version", "fields": {"a": value}, "format": 1, "params": []}
    rejected = subprocess.run([adapter, "emit"], input=json.dumps(document).encode(), capture_output=True, timeout=10)
    assert rejected.returncode == 1
    error = json.loads(rejected.stdout)
    assert (error["code"], error["path"]) == ("invalid-model", "/fields/a/value/value")
    assert error["message"].endswith("[leading-zero]")
    with pytest.raises(DataModelError) as reference:
        from_json(document)
    assert reference.value.path == error["path"]


_FIELDS = b'{"a": {"critical": true, "value": {"type": "set", "value": ["b", "a"]}}}'
_VALID = b'{"attribute": "migration_version", "fields": ' + _FIELDS


@pytest.mark.parametrize(
    "data",
    [
        _VALID + b', "format": 1, "params": []}',
        _VALID + b', "format": 1e0, "params": []}',  # a number is its exact decimal value: 1e0 is 1 (clause 2.4)
        _VALID + b', "format": 10E-1, "params": []}',
        _VALID + b', "format": 1.00000000000000000001, "params": []}',  # not 1, though a binary float rounds it to 1
        _VALID + b', "format": true, "params": []}',
        b"\xef\xbb\xbf" + _VALID + b', "format": 1, "params": []}',  # a byte order mark is skipped
        _VALID + b', "format": 1, "format": 1, "params": []}',  # a member twice
        _VALID + b', "format": NaN, "params": []}',
        _VALID + b', "format": 1, "params": []} {}',
        _VALID + b', "format": 1, "params": [' + b"[" * 70 + b"]" * 70 + b"]}",
        _VALID.replace(b'"b"', b'"\\u0062"') + b', "format": 1, "params": []}',  # an escape of "b"
        _VALID.replace(b'"b"', b'"\\ud800"') + b', "format": 1, "params": []}',
        b"",
        b"[]",
    ],
)
def test_the_emitter_reads_json_as_the_python_reader_does(quick_build: Path, data: bytes) -> None:
    """Exactly one JSON document, no object with a name twice, no NaN, as migcompat.jsonmodel.loads reads it."""
    try:
        want: str | None = emit(loads(data))
    except DataModelError:
        want = None
    got = subprocess.run([str(quick_build / "mc-adapter"), "emit"], input=data, capture_output=True, timeout=10)
    assert got.returncode == (0 if want is not None else 1), got.stdout
    if want is not None:
        assert got.stdout.decode() == want
    else:
        assert json.loads(got.stdout)["code"] == "invalid-model"


_ODD_STRINGS = ["", "x y", "01", "1.0", "1/0", "2/4", "%2f", "%41", "A", "a..b", "$", "{a}", "\xe9", "a\x00"]
_ODD_STRINGS += ["18446744073709551616", "range", "self", "any", "set", "1.2.x", "k" * 64, "t" * 256]
_ODD_VALUES: list[Any] = [1, 1.0, 0, 8, True, None, [], {}, "s", {"type": "self"}]
_ODD_VALUES += [{"type": "self_prefix", "length": 9}, {"type": "range", "min": None, "max": None}]


def _places(document: Any) -> Iterator[tuple[Any, Any, Any]]:
    """Every (container, key or index, value) of *document*."""
    stack = [document]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in items:
            yield node, key, child
            stack.append(child)


def _with_faults(rng: random.Random, document: Any) -> Any:
    """*document* changed once or twice: a value replaced, a member dropped or added, an item repeated or dropped,
    a string repeated, an object's members or an array's items reordered; often no longer a valid data model."""
    document = copy.deepcopy(document)
    for _ in range(rng.randint(1, 2)):
        parent, key, node = rng.choice(list(_places(document)))
        roll = rng.random()
        if roll < 0.3 and isinstance(node, str):
            parent[key] = rng.choice(_ODD_STRINGS)
        elif roll < 0.45:
            parent[key] = copy.deepcopy(rng.choice(_ODD_VALUES))
        elif roll < 0.55 and isinstance(parent, dict):
            del parent[key]
        elif roll < 0.65 and isinstance(parent, dict):
            parent[rng.choice(("extra", "a", "type", "min", "k" * 64, "A", f"{key}x"))] = copy.deepcopy(node)
        elif roll < 0.8 and isinstance(parent, list):
            parent.insert(rng.randint(0, len(parent)), copy.deepcopy(node))
        elif roll < 0.85 and isinstance(parent, list):
            del parent[key]
        elif roll < 0.9 and isinstance(node, str):
            parent[key] = node * rng.randint(2, 300)
        elif isinstance(node, dict):
            parent[key] = dict(rng.sample(list(node.items()), len(node)))
        elif isinstance(node, list):
            rng.shuffle(node)
    return document


def test_the_adapter_accepts_exactly_the_models_the_python_reader_accepts(quick_build: Path) -> None:
    """The data models of the cases' attributes, with random faults: the adapter rejects with invalid-model exactly
    the documents migcompat.from_json rejects, and writes migcompat.emit's text for the others."""
    fuzz = _differential()
    models = []
    for kind, data in fuzz.seeds()[0]:
        parsed = fuzz.reference_parse(kind, data)
        if parsed["status"] == "ok":
            models.append(parsed["result"])
    rng = random.Random(3)
    adapter = fuzz.Adapter([str(quick_build / "mc-adapter")])
    outcomes: Counter[str] = Counter()
    differ = []
    try:
        for _ in range(3000):
            document = _with_faults(rng, rng.choice(models))
            try:
                want: str | None = emit(from_json(document))
            except DataModelError:
                want = None
            got = adapter.ask({"request": "emit", "model": document})
            outcomes[got["status"]] += 1
            if want is None and got.get("error", {}).get("code") == "invalid-model":
                continue
            if want is None or got.get("result") != want:
                differ.append({"document": document, "adapter": got, "reference": want})
    finally:
        adapter.close()
    assert not differ, json.dumps(differ[:3])[:3000]
    assert outcomes["ok"] > 400 and outcomes["rejected"] > 1600, outcomes


def test_a_disagreement_is_found_when_the_answers_differ(quick_build: Path) -> None:
    """The differential harness fails when the two differ: a stand-in whose every verdict is wrong is caught."""
    fake = quick_build / "wrong-adapter"
    fake.write_text(
        "#!/bin/sh\n"
        f'exec {sys.executable} -c "import json,sys\n'
        "for line in sys.stdin:\n"
        "    r = json.loads(line)\n"
        "    out = {'verdict': 'compatible'} if r['request'] == 'check' else {'code': 'syntax'}\n"
        "    status = 'ok' if r['request'] == 'check' else 'rejected'\n"
        "    key = 'result' if status == 'ok' else 'error'\n"
        "    print(json.dumps({'id': r['id'], 'status': status, key: out}), flush=True)\"\n"
    )
    fake.chmod(0o755)
    summary = _differential().run([str(fake)], seconds=0, count=20, seed=1)
    assert summary["disagreements"]


def test_bad_requests_get_a_rejection_not_a_crash(quick_build: Path) -> None:
    adapter = str(quick_build / "mc-adapter")
    parsed = subprocess.run(
        [adapter, "parse", "migration_version"], input=b"mc1 a=01\n", capture_output=True, timeout=10
    )
    assert parsed.returncode == 1
    assert json.loads(parsed.stdout) == {"code": "leading-zero", "line": 1, "column": 7}
    garbage = subprocess.run([adapter, "check"], input=b'{"request": "check", "source": ', capture_output=True)
    assert garbage.returncode == 1
    assert json.loads(garbage.stdout)["code"] == "bad-request"
    usage = subprocess.run([adapter, "frobnicate"], capture_output=True, timeout=10)
    assert usage.returncode == 2
    served = subprocess.run(
        [adapter],
        input=b'not json\n{"id": "7", "request": "relate", "first": "mc1\\n", "second": "mc1\\n"}\n'
        b'{"id": "8", "request": "emit"}\n{"id": "9", "request": "emit", "model": "mc1 a=b"}\n',
        capture_output=True,
        timeout=10,
    )
    lines = [json.loads(line) for line in served.stdout.splitlines()]
    assert [line["status"] for line in lines] == ["rejected"] * 4
    assert lines[1]["id"] == "7"
    assert [line["error"]["code"] for line in lines[2:]] == ["bad-request", "invalid-model"]


def test_a_huge_input_is_answered_in_one_pass(quick_build: Path) -> None:
    """An attribute far beyond the page limit: too-long at the 4096th byte, not a crash or a slow scan."""
    data = b"mc1 " + b"a=b " * 250_000
    result = subprocess.run(
        [str(quick_build / "mc-adapter"), "parse", "migration_version"], input=data, capture_output=True, timeout=10
    )
    assert result.returncode == 1
    assert json.loads(result.stdout) == {"code": "too-long", "line": 1, "column": 4096}


# ---- slow: the build as shipped, the sanitizers, libFuzzer ------------------------------------------


@pytest.mark.slow
def test_the_full_build_installs_a_static_and_a_shared_library_with_pkg_config(tmp_path: Path) -> None:
    _tools("cc", "make", "nm", "objcopy")
    build, prefix = tmp_path / "build", tmp_path / "prefix"
    _make(build, "check")
    _make(build, "install", PREFIX=str(prefix), LIBDIR=str(prefix / "lib"))
    assert (prefix / "include" / "migcompat.h").is_file()
    assert (prefix / "lib" / "libmigcompat.a").is_file()
    api_version = re.search(r"^#define MC_API_VERSION\s+(\d+)\s*$", HEADER.read_text(), re.MULTILINE)
    assert api_version is not None
    shared = prefix / "lib" / f"libmigcompat.so.{api_version.group(1)}"
    assert shared.is_symlink()
    api = _public_api()
    assert _defined_globals("-D", str(shared)) == api
    assert _defined_globals("-g", str(prefix / "lib" / "libmigcompat.a")) == api
    version = ".".join(map(str, _header_version()))
    assert shared.resolve().name == f"libmigcompat.so.{version}"
    assert _library_version(shared)[0] == version
    pc = (prefix / "lib" / "pkgconfig" / "migcompat.pc").read_text()
    assert f"prefix={prefix}" in pc
    assert "-lmigcompat" in pc
    assert f"\nVersion: {version}\n" in pc
    program = tmp_path / "use.c"
    program.write_text(
        "#include <migcompat.h>\n#include <stdio.h>\n#include <string.h>\n"
        "static struct mc_attr s, t; static struct mc_verdict v;\n"
        'int main(void) { const char *a = "mc1 k=1\\n", *b = "mc1\\naccept k=1..\\n";\n'
        "  mc_parse(&s, MC_MIGRATION_VERSION, a, strlen(a), NULL);\n"
        "  mc_parse(&t, MC_COMPATIBLE_DEVICES, b, strlen(b), NULL);\n"
        "  mc_check(&s, &t, NULL, &v); puts(mc_answer_name(v.answer)); return 0; }\n"
    )
    flags = ["-std=c11", "-Wall", "-Werror", f"-I{prefix / 'include'}"]
    for link in ([str(prefix / "lib" / "libmigcompat.a")], [f"-L{prefix / 'lib'}", "-lmigcompat"]):
        binary = tmp_path / "use"
        subprocess.run(["cc", *flags, "-o", str(binary), str(program), *link], check=True, timeout=60)
        env = {**os.environ, "LD_LIBRARY_PATH": str(prefix / "lib")}
        out = subprocess.run([str(binary)], capture_output=True, text=True, env=env, timeout=10)
        assert out.stdout == "compatible\n"


@pytest.mark.slow
def test_a_distribution_build_with_lto_and_cppflags_passes_its_checks(tmp_path: Path) -> None:
    """Distributions build with -flto=auto (the static library's objects then stay machine code) and put
    -D_FORTIFY_SOURCE in CPPFLAGS, which the build must not drop (review r18)."""
    _tools("cc", "make", "nm", "objcopy")
    if subprocess.run(["cc", "-flto=auto", "-x", "c", "-c", "-o", os.devnull, "-"], input="", text=True).returncode:
        pytest.skip("the compiler has no -flto=auto")
    build = tmp_path / "lto"
    _make(build, "check", CFLAGS="-O2 -g -flto=auto", LDFLAGS="-flto=auto", CPPFLAGS="-D_FORTIFY_SOURCE=2")
    assert _defined_globals("-g", str(build / "libmigcompat.a")) == _public_api()
    undefined = subprocess.run(["nm", "-D", "-u", str(build / "libmigcompat.so")], capture_output=True, text=True)
    assert "__memcpy_chk" in undefined.stdout


def test_the_static_library_links_into_a_shared_object_without_default_pie(tmp_path: Path) -> None:
    """libvirt's driver modules are shared objects: the archive's code is position-independent even where the
    compiler does not make it so by default (-fno-pie stands for such a toolchain; an outside review)."""
    _tools("cc", "make", "objcopy")
    build = tmp_path / "nopie"
    _make(build, str(build / "libmigcompat.a"), CFLAGS="-O1 -fno-pie")
    plugin = tmp_path / "plugin.c"
    plugin.write_text(
        "#include <stddef.h>\n"
        '#include "migcompat.h"\n'
        "int plugin_kind(const char *text, size_t len);\n"
        "int plugin_kind(const char *text, size_t len)\n"
        "{\n\treturn mc_detect(text, len) + (mc_code_name(MC_OK) != NULL);\n}\n"
    )
    library = str(build / "libmigcompat.a")
    command = ["cc", "-shared", "-fPIC", f"-I{LIB / 'include'}", str(plugin), library, "-o", str(tmp_path / "p.so")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_the_cases_and_the_differential_fuzz_run_clean_under_asan_and_ubsan(tmp_path: Path) -> None:
    _tools("cc", "make")
    build = tmp_path / "asan"
    _make(build, "check", SANITIZE="1")
    _assert_cases_pass(build / "mc-adapter")
    summary = _differential().run([str(build / "mc-adapter")], seconds=0, count=3000, seed=99)
    assert summary["disagreements"] == [], json.dumps(summary["disagreements"][:5], indent=1)


def _libfuzzer(tmp_path: Path) -> None:
    """Skip unless clang can build a libFuzzer target (Debian: clang and libclang-rt-14-dev)."""
    _tools("clang", "make")
    probe = tmp_path / "probe.c"
    probe.write_text(
        "#include <stddef.h>\n#include <stdint.h>\n"
        "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n"
    )
    built = subprocess.run(
        ["clang", "-fsanitize=fuzzer", "-o", str(tmp_path / "probe"), str(probe)], capture_output=True, timeout=120
    )
    if built.returncode != 0:
        pytest.skip("clang cannot link a libFuzzer target (libclang-rt-14-dev missing)")


@pytest.mark.slow
def test_the_libfuzzer_target_runs_from_the_cases_corpus_without_findings(tmp_path: Path) -> None:
    _libfuzzer(tmp_path)
    build = tmp_path / "fuzz"
    result = subprocess.run(
        ["make", "-s", "-C", str(FUZZ), f"BUILD={build}", f"PYTHON={sys.executable}", "run", "SECONDS=20"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Done" in result.stderr
    assert len(list((build / "corpus").iterdir())) > 100
