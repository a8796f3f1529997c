"""libmigcompat after the C integrator's review (r5): the adapter's JSON reader on NUL bytes, the reasons the
adapter leaves out, symbol versions and the Makefile's packaging variables, the thread and stack contract of
``migcompat.h``, and the C examples of the documentation compiled and run against the library.

The library's own unit tests for the other findings (``mc_find_field`` with NULL arguments, the names never NULL,
a verdict's keys by offset, ``mc_error_message`` and ``mc_reason_format``) are in ``c/lib/tests/test_lib.c``, which
``make check`` runs here and under the sanitizers (``tests/test_c_lib.py``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "c" / "lib"
HEADER = LIB / "include" / "migcompat.h"
MAP = LIB / "libmigcompat.map"
DOCS = ROOT / "docs"


def _tools(*names: str) -> None:
    missing = [name for name in names if shutil.which(name) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: the C library is not built")


def _make(build: Path, *targets: str, **variables: str) -> subprocess.CompletedProcess[str]:
    settings = [f"{name}={value}" for name, value in {"BUILD": str(build), **variables}.items()]
    return subprocess.run(
        ["make", "-s", "-j2", "-C", str(LIB), *settings, *targets], capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The libraries and the adapter, built with warnings as errors."""
    _tools("cc", "make", "objcopy")
    build = tmp_path_factory.mktemp("libmigcompat-review")
    targets = ("libmigcompat.a", "libmigcompat.so", "mc-adapter")
    made = _make(build, *(str(build / target) for target in targets), CFLAGS="-O1", WERROR="1")
    assert made.returncode == 0, made.stdout + made.stderr
    return build


# ---- finding 1: a NUL byte in a nested value ------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        b'{"a":{""\x00',
        b'{"":"","":"","":{""\x00',
        b'{"request":"check","x":[1\x00]}',
        b'{"request":"check","x":{"a":[[\x00]]}}',
        b'{"request":"check","x":[1,tru]}',
        b'{"request":"check","x":[1,\x01]}',
        b'{"request":"check","x":\x00}',
    ],
)
def test_a_malformed_nested_value_is_a_bad_request_not_a_hang(build: Path, line: bytes) -> None:
    """The reader skipped a scalar up to a byte of a set found with strchr, which finds a NUL byte too: inside a
    nested value it never advanced. Both modes answer bad-request at once."""
    adapter = str(build / "mc-adapter")
    served = subprocess.run([adapter], input=line + b"\n", capture_output=True, timeout=5)
    assert served.returncode == 0
    assert json.loads(served.stdout) == {"id": None, "status": "rejected", "error": {"code": "bad-request"}}
    checked = subprocess.run([adapter, "check"], input=line, capture_output=True, timeout=5)
    assert checked.returncode == 1
    assert json.loads(checked.stdout) == {"code": "bad-request"}


def test_names_and_strings_are_compared_by_their_length(build: Path) -> None:
    """A decoded \\u0000 does not end a member's name or a string: "check\\u0000x" is no check request, and a
    member "source\\u0000" is not the source."""
    adapter = str(build / "mc-adapter")
    lines = [
        {"id": "1", "request": "check\u0000x", "source": "mc1 a=1", "target": "mc1\naccept a=1"},
        {"id": "2", "request": "check", "source\u0000": "mc1 a=1", "target": "mc1\naccept a=1"},
        {"id": "3", "request": "check", "source": "mc1 a=1", "target": "mc1\naccept a=1", "x": [1, {"y": None}]},
    ]
    served = subprocess.run(
        [adapter], input="".join(json.dumps(line) + "\n" for line in lines).encode(), capture_output=True, timeout=5
    )
    answers = [json.loads(line) for line in served.stdout.splitlines()]
    assert answers[0]["status"] == "rejected" and answers[0]["error"]["code"] == "bad-request"
    assert answers[1]["result"]["verdict"] == "unknown"
    assert answers[1]["result"]["reasons"][0] == {
        "code": "missing-attribute",
        "field": None,
        "rule": None,
        "attribute": "source",
    }
    assert answers[2]["result"]["verdict"] == "compatible"


# ---- the adapter's more_reasons ---------------------------------------------------------------------------------


def test_the_check_response_counts_the_reasons_left_out(build: Path) -> None:
    """Of a rule's reasons the library keeps 16; the response says how many it left out, at its top level, as
    the cases runner reads it."""
    source = "mc1 " + " ".join(f"k{i:02}={i}" for i in range(20))
    rule = "accept " + " ".join(f"k{i:02}={i + 100}" for i in range(20))
    request = {"id": "1", "request": "check", "source": source, "target": f"mc1\n{rule}\n{rule}"}
    served = subprocess.run(
        [str(build / "mc-adapter")], input=(json.dumps(request) + "\n").encode(), capture_output=True, timeout=5
    )
    result = json.loads(served.stdout)["result"]
    assert result["nearest"] == [0, 1]
    assert len(result["reasons"]) == 32
    assert result["more_reasons"] == 8
    request["source"], request["target"] = "mc1 k00=1", "mc1\naccept k00=0"
    served = subprocess.run(
        [str(build / "mc-adapter")], input=(json.dumps(request) + "\n").encode(), capture_output=True, timeout=5
    )
    assert json.loads(served.stdout)["result"]["more_reasons"] == 0


# ---- findings 11 and 12: symbol versions, the Makefile --------------------------------------------------------


def _api() -> set[str]:
    return set(re.findall(r"^MC_API\b[^;(]*?\b(mc_\w+)\(", HEADER.read_text(), re.MULTILINE))


def _map_versions() -> dict[str, str]:
    """Each function of the version script and its node."""
    versions = {}
    text = re.sub(r"/\*.*?\*/", "", MAP.read_text(), flags=re.DOTALL)
    for node, body in re.findall(r"(MIGCOMPAT_\d+\.\d+)\s*\{(.*?)\}", text, re.DOTALL):
        for name in re.findall(r"\b(mc_\w+);", body):
            assert name not in versions, f"{name} in two nodes"
            versions[name] = node
    return versions


def test_every_exported_function_has_the_version_of_its_release(build: Path) -> None:
    """objdump -T shows each API function with the version of the release that added it, and nothing else."""
    _tools("objdump")
    versions = _map_versions()
    assert set(versions) == _api()
    assert versions["mc_parse"] == versions["mc_check"] == "MIGCOMPAT_1.0"
    assert versions["mc_version"] == versions["mc_version_number"] == "MIGCOMPAT_1.1"
    assert versions["mc_error_message"] == versions["mc_reason_format"] == "MIGCOMPAT_2.0"
    assert versions["mc_syntax_hint"] == "MIGCOMPAT_2.1"
    dumped = subprocess.run(
        ["objdump", "-T", str(build / "libmigcompat.so")], capture_output=True, text=True, check=True, timeout=30
    )
    shown = {}
    for line in dumped.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 7 and fields[-1].startswith("mc_") and fields[3] == ".text":
            shown[fields[-1]] = fields[-2]
    assert shown == versions


def test_the_shared_library_is_linked_with_relro_now_and_defs(build: Path) -> None:
    """BIND_NOW and a GNU_RELRO segment; -z defs makes an undefined symbol a link error (checked by the linker)."""
    _tools("readelf")
    shared = str(build / "libmigcompat.so")
    dynamic = subprocess.run(["readelf", "-d", shared], capture_output=True, text=True, check=True).stdout
    segments = subprocess.run(["readelf", "-lW", shared], capture_output=True, text=True, check=True).stdout
    assert "BIND_NOW" in dynamic or "NOW" in dynamic
    assert "GNU_RELRO" in segments


def _compile_commands(tmp_path: Path, **variables: str) -> str:
    """The commands make would run to compile one source, without running them."""
    made = _make(tmp_path / "dry", "-n", "-B", str(tmp_path / "dry" / "obj" / "util.o"), **variables)
    assert made.returncode == 0, made.stderr
    return made.stdout


def test_warnings_are_errors_only_with_werror(tmp_path: Path) -> None:
    _tools("make")
    assert "-Werror" not in _compile_commands(tmp_path)
    assert "-Werror" in _compile_commands(tmp_path, WERROR="1")


def test_install_honours_includedir_and_uninstall_removes_everything(build: Path, tmp_path: Path) -> None:
    stage = tmp_path / "stage"
    variables = {"PREFIX": "/opt/mc", "LIBDIR": "/opt/mc/lib64", "INCLUDEDIR": "/opt/mc/include/mc", "WERROR": "1"}
    installed = _make(build, "install", DESTDIR=str(stage), **variables)
    assert installed.returncode == 0, installed.stderr
    files = sorted(str(path.relative_to(stage)) for path in stage.rglob("*") if not path.is_dir())
    assert "opt/mc/include/mc/migcompat.h" in files
    assert "opt/mc/lib64/libmigcompat.a" in files
    pc = (stage / "opt/mc/lib64/pkgconfig/migcompat.pc").read_text()
    # Below PREFIX, relative to ${prefix} (pkg-config --define-prefix relocates them); elsewhere as given.
    assert "prefix=/opt/mc\n" in pc
    assert "includedir=${prefix}/include/mc\n" in pc and "libdir=${prefix}/lib64\n" in pc
    if shutil.which("pkg-config"):
        flags = subprocess.run(
            ["pkg-config", "--cflags", "--libs", "migcompat"],
            env={**os.environ, "PKG_CONFIG_PATH": str(stage / "opt/mc/lib64/pkgconfig")},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert flags == ["-I/opt/mc/include/mc", "-L/opt/mc/lib64", "-lmigcompat"]
    apart = {**variables, "LIBDIR": "/elsewhere/lib"}
    assert _make(build, "install", DESTDIR=str(tmp_path / "apart"), **apart).returncode == 0
    assert "libdir=/elsewhere/lib\n" in (tmp_path / "apart/elsewhere/lib/pkgconfig/migcompat.pc").read_text()
    removed = _make(build, "uninstall", DESTDIR=str(stage), **variables)
    assert removed.returncode == 0, removed.stderr
    assert [path for path in stage.rglob("*") if not path.is_dir()] == []


# ---- findings 6 and 9: threads and stack ----------------------------------------------------------------------


def _threads_program(tmp_path: Path, *flags: str) -> Path | None:
    program = tmp_path / ("threads" + "".join(flag.replace("=", "_") for flag in flags))
    sources = [str(LIB / "tests" / "threads.c"), *map(str, sorted((LIB / "src").glob("*.c")))]
    command = ["cc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pthread", *flags]
    command += [f"-I{LIB / 'include'}", f"-I{LIB / 'src'}", "-o", str(program), *sources]
    compiled = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if compiled.returncode != 0:
        if flags and "-fsanitize=thread" in flags:
            return None
        raise AssertionError(compiled.stderr)
    return program


def test_concurrent_checks_sharing_const_inputs_do_not_race(tmp_path: Path) -> None:
    """Four threads check one shared source, rule set and device type, each into its own verdict, under
    ThreadSanitizer: no report, and every verdict the one computed alone."""
    _tools("cc")
    program = _threads_program(tmp_path, "-O1", "-g", "-fsanitize=thread")
    if program is None:
        pytest.skip("the compiler cannot build with -fsanitize=thread")
    ran = subprocess.run([str(program), "threads"], capture_output=True, text=True, timeout=300)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout == "threads 0\n"
    assert "ThreadSanitizer" not in ran.stderr


def _stated_bounds() -> tuple[int, int]:
    """The stack bounds migcompat.h states: mc_check's and mc_parse's, in bytes."""
    text = " ".join(re.sub(r"\n\s*\*", " ", HEADER.read_text()).split())
    found = re.search(r"plan for at most (\d+) KiB for mc_check and (\d+) KiB for mc_parse", text)
    assert found, "migcompat.h states the stack bounds"
    return int(found.group(1)) * 1024, int(found.group(2)) * 1024


@pytest.mark.parametrize("optimisation", ["-O0", "-O2"])
def test_the_stack_used_is_within_the_bound_the_header_states(tmp_path: Path, optimisation: str) -> None:
    """Measured on a painted thread stack: a check against a device type (the deepest calls), against a device,
    and a parse."""
    _tools("cc")
    program = _threads_program(tmp_path, optimisation)
    assert program is not None
    ran = subprocess.run([str(program), "stack"], capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    used = {name: int(value) for name, value in re.findall(r"^([a-z-]+) (\d+)$", ran.stdout, re.MULTILINE)}
    assert "verdict compatible 1" in ran.stdout, "the device type was checked, through its parameter"
    check_bound, parse_bound = _stated_bounds()
    assert 4096 < used["check-type"] <= check_bound
    assert used["check-device"] <= check_bound
    assert used["parse"] <= parse_bound


# ---- finding 6 and 7: the documentation's C examples run -------------------------------------------------------


def _c_blocks(page: Path) -> list[str]:
    """The ``.. code-block:: c`` blocks of a reStructuredText page, dedented."""
    blocks = []
    lines = page.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.strip() != ".. code-block:: c":
            continue
        body = []
        for following in lines[i + 2 :]:
            if following and not following.startswith("   "):
                break
            body.append(following[3:])
        blocks.append("\n".join(body).strip() + "\n")
    return blocks


_VERSION = "mc1 driver=i915 stream_version=1.2"
_RULES = "mc1\\naccept driver=x\\naccept driver=i915 stream_version=1.0..$"
_OWN = "mc1 driver=i915 stream_version=1.5"

_C_API_MAIN = f"""
#include <stdio.h>
int main(void)
{{
	char out[MC_MAX_ATTRIBUTE + 1];

	printf("%d ", target_answer("{_VERSION}", "{_RULES}", "{_OWN}"));
	printf("%d ", target_answer("{_VERSION}", "{_RULES}", "mc1 driver=i915 stream_version=1.1"));
	printf("%d ", target_answer("{_VERSION}", "{_RULES}", "mc1 driver=i915 stream_version=01"));
	printf("%d ", target_answer("mc1 driver=", "{_RULES}", "{_OWN}"));
	printf("%d ", canonical_version("mc1 b=2 a={{y,x}}", out));
	printf("%s", out);
	printf("%d\\n", canonical_version("mc1 a=01", out));
	return 0;
}}
"""

_INTEGRATOR_MAIN = f"""
#include <stdio.h>
#include <string.h>
static void show(const char *s, const char *r, const char *o)
{{
	char why[256];
	enum decision d = decide(s, s ? strlen(s) : 0, r, r ? strlen(r) : 0, o, o ? strlen(o) : 0, why, sizeof(why));

	printf("%d %s\\n", (int)d, why);
}}
int main(void)
{{
	show("{_VERSION}", "{_RULES}", "{_OWN}");
	show("{_VERSION}", "{_RULES}", "mc1 driver=i915 stream_version=1.1");
	show("{_VERSION}", "{_RULES}", NULL);
	show("mc2 driver=i915", "{_RULES}", "{_OWN}");
	show("mc1 driver=01", "{_RULES}", "{_OWN}");
	show(NULL, "{_RULES}", "{_OWN}");
	return 0;
}}
"""


def _run_example(tmp_path: Path, build: Path, name: str, code: str) -> str:
    source = tmp_path / f"{name}.c"
    source.write_text(code)
    binary = tmp_path / name
    flags = ["-std=c11", "-Wall", "-Wextra", "-Wmissing-prototypes", "-Werror", "-pedantic", f"-I{LIB / 'include'}"]
    compiled = subprocess.run(
        ["cc", *flags, "-o", str(binary), str(source), str(build / "libmigcompat.a")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert compiled.returncode == 0, compiled.stderr
    ran = subprocess.run([str(binary)], capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0, ran.stderr
    return ran.stdout


def test_the_c_api_pages_examples_compile_and_run(build: Path, tmp_path: Path) -> None:
    """Both examples of docs/reference/c-api.rst, with heap objects, no file-scope state."""
    blocks = _c_blocks(DOCS / "reference" / "c-api.rst")
    assert len(blocks) == 2
    assert not any(re.search(r"^static struct mc_", block, re.MULTILINE) for block in blocks)
    code = "".join(blocks).replace("#include <migcompat.h>\n", "", 1)
    out = _run_example(tmp_path, build, "c_api", "#include <migcompat.h>\n" + code + _C_API_MAIN)
    # compatible (1), incompatible (2), unknown (3): an invalid own description leaves $ without value, an
    # invalid source is missing
    assert out == "1 2 3 3 16 mc1 a={x,y} b=2\n-1\n"


def test_the_integrator_guides_decide_gives_the_three_way_answer(build: Path, tmp_path: Path) -> None:
    """decide() checks whatever mc_parse made of each attribute: a newer-format source is unknown with
    unsupported-version, an invalid one unknown with missing-attribute, a missing own description unknown with
    missing-self; an incompatible answer says why."""
    blocks = _c_blocks(DOCS / "guides" / "integrator.rst")
    assert len(blocks) == 1
    assert not re.search(r"^static struct mc_", blocks[0], re.MULTILINE)
    out = _run_example(tmp_path, build, "decide", blocks[0] + _INTEGRATOR_MAIN).splitlines()
    assert out[0] == "1 "
    assert out[1] == (
        "0 rule 1: the source's stream_version=1.2 does not satisfy stream_version=1.0..$ (the target's own"
        " stream_version=1.1) [above-range]"
    )
    assert out[2].startswith("2 ") and out[2].endswith("[missing-self]")
    assert out[3] == (
        "2 an attribute is of a newer format version than this library reads: the source's migration_version "
        "[unsupported-version]"
    )
    assert out[4] == "2 an attribute is missing or invalid: the source's migration_version [missing-attribute]"
    assert out[5] == out[4]
