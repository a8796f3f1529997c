"""The C accelerator (``c/python/``, module ``migcompat_accel``) against the pure-Python parser.

The accelerator parses with libmigcompat and builds migcompat's model objects; for anything it does not
accept it returns None and ``migcompat.parse`` runs the pure-Python parser, which gives the authoritative
error. So, for every input: when the pure-Python parser returns a model, the accelerator returns an equal
model of the very same shape (classes, attribute order, mappings in written order, interned keys); when it
raises, the accelerator returns None, and ``migcompat.parse`` with the accelerator in place raises the same
error (code, line, column).

The module is compiled here from the sources (``c/python/migcompat_accel.c`` and ``c/lib/src``), once per
session, with the compiler and warnings as errors (about a second), so that these tests check the tree as it
is. The same tests run on the installed module when ``pip install ./c/python`` installed one (CI does).
The slow test builds the wheel with setuptools, as pip does.
"""

from __future__ import annotations

import base64
import dataclasses
import gc
import importlib.machinery
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migcompat import _fast
from migcompat._values import INTERN_LIMIT
from migcompat.emit import emit
from migcompat.errors import ParseError
from migcompat.model import ANY, SELF, CompatibleDevices, Field, FrozenMap, MigrationVersion, Param, Ratio, Version
from migcompat.reference_parser import reference_parse_compatible, reference_parse_version
from strategies import MUTATION_ALPHABET, examples, models, mutate

ROOT = Path(__file__).resolve().parents[1]
ACCEL = ROOT / "c" / "python"
LIB = ROOT / "c" / "lib"
CASES = ROOT / "conformance" / "cases"
LIB_SOURCES = ["util.c", "values.c", "parse.c", "validate.c", "api.c"]
ALPHABET = MUTATION_ALPHABET

Parser = Callable[[str | bytes], Any]
parse_module = importlib.import_module("migcompat.parse")  # the module (migcompat.parse is the function)


# ---- building and loading the extension ---------------------------------------------------------------


def _load(path: Path) -> ModuleType:
    """The extension module at *path*, loaded without entering sys.modules (so migcompat.parse does not see it)."""
    loader = importlib.machinery.ExtensionFileLoader("migcompat_accel", str(path))
    spec = importlib.util.spec_from_file_location("migcompat_accel", path, loader=loader)
    assert spec is not None
    previous = sys.modules.get("migcompat_accel")
    module = importlib.util.module_from_spec(spec)  # a new module object (multi-phase initialisation, PEP 489)
    loader.exec_module(module)  # its exec slot: the module's state
    if previous is None:
        sys.modules.pop("migcompat_accel", None)
    else:
        sys.modules["migcompat_accel"] = previous
    return module


def _compile(directory: Path, compiler: str | None = None, flags: tuple[str, ...] = ("-O2",)) -> Path:
    """Compile the extension from the tree's sources into *directory*; skip when no compiler or headers."""
    compiler = compiler or os.environ.get("CC", "cc")
    if shutil.which(compiler) is None:
        pytest.skip(f"no C compiler ({compiler}): the accelerator is not built")
    include = Path(sysconfig.get_paths()["include"])
    if not (include / "Python.h").is_file():
        pytest.skip(f"no Python.h in {include} (Debian: python3-dev): the accelerator is not built")
    target = directory / f"migcompat_accel{sysconfig.get_config_var('EXT_SUFFIX')}"
    sources = [ACCEL / "migcompat_accel.c", *(LIB / "src" / name for name in LIB_SOURCES)]
    command = [
        compiler,
        "-std=c11",
        *flags,
        "-Wall",
        "-Wextra",
        "-Wshadow",
        "-Wstrict-prototypes",
        "-Wmissing-prototypes",
        "-Werror",
        "-shared",
        "-fPIC",
        "-fvisibility=hidden",
        "-DMC_API=",  # libmigcompat's functions stay hidden in the module, as setup.py builds it
        f"-I{include}",
        f"-I{LIB / 'include'}",
        f"-I{LIB / 'src'}",
        *map(str, sources),
        "-o",
        str(target),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return target


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """The accelerator compiled from the tree's sources."""
    return _load(_compile(tmp_path_factory.mktemp("accel")))


def _installed() -> ModuleType:
    spec = importlib.util.find_spec("migcompat_accel")
    if spec is None:
        pytest.skip("migcompat-accel is not installed (pip install ./c/python; .ci/run does)")
    return importlib.import_module("migcompat_accel")


@pytest.fixture(scope="session", params=["built", "installed"])
def accel(request: pytest.FixtureRequest) -> ModuleType:
    """The accelerator built from the sources, then the installed one."""
    if request.param == "built":
        module: ModuleType = request.getfixturevalue("built")
        return module
    return _installed()


# ---- the two parsers and how they must agree ------------------------------------------------------------


def _pure(kind: str) -> tuple[Parser, Parser]:
    if kind == "version":
        return _fast.parse_version, reference_parse_version
    return _fast.parse_compatible, reference_parse_compatible


def _pure_parse(kind: str, text: str | bytes) -> Any:
    """The pure-Python parser: the fast path, and the reference parser for what it declines."""
    fast, reference = _pure(kind)
    result = fast(text)
    return reference(text) if result is None else result


def _same(accelerated: Any, pure: Any, where: str = "model") -> None:
    """*accelerated* is *pure* rebuilt: same classes, same attributes in the same order, same values."""
    assert type(accelerated) is type(pure), f"{where}: {type(accelerated)} is not {type(pure)}"
    if pure is SELF or pure is ANY:
        assert accelerated is pure, where
    elif isinstance(pure, FrozenMap):
        assert list(accelerated) == list(pure), f"{where}: keys {list(accelerated)} are not {list(pure)}"
        for key in pure:
            assert key is sys.intern(key), f"{where}: key {key!r} is not interned"
            _same(accelerated[key], pure[key], f"{where}[{key!r}]")
    elif isinstance(pure, tuple):
        assert len(accelerated) == len(pure), where
        for index, (left, right) in enumerate(zip(accelerated, pure, strict=True)):
            _same(left, right, f"{where}[{index}]")
    elif dataclasses.is_dataclass(pure):
        assert list(vars(accelerated)) == list(vars(pure)), f"{where}: attributes {vars(accelerated)}"
        for name, value in vars(pure).items():
            _same(vars(accelerated)[name], value, f"{where}.{name}")
    elif isinstance(pure, str):
        assert accelerated == pure, where
        if len(pure) <= INTERN_LIMIT:
            assert accelerated is sys.intern(accelerated), f"{where}: {pure!r} is not interned"
    elif isinstance(pure, frozenset):
        assert accelerated == pure, where
        for member in accelerated:
            _same(member, member, f"{where} member")
    else:
        assert pure is None or isinstance(pure, int | Version | Ratio), f"{where}: {pure!r}"
        assert accelerated == pure, f"{where}: {accelerated!r} != {pure!r}"


def check_agreement(accel: ModuleType, text: str | bytes, kinds: str = "both", hooked: bool = False) -> None:
    """The accelerator agrees with the pure-Python parser on *text*, read as either attribute (or *kinds*).

    With *hooked*, an invalid *text* is parsed by migcompat.parse with the accelerator in place too, which
    must raise the pure-Python parser's error.
    """
    for kind, accelerated in (("version", accel.parse_version), ("compatible", accel.parse_compatible)):
        if kinds not in ("both", kind):
            continue
        result = accelerated(text)
        try:
            expected = _pure_parse(kind, text)
        except ParseError as error:
            assert result is None, f"the accelerator accepts {text!r} as {kind}, which is invalid: {error}"
            if not hooked:
                continue
            with _accelerated(accel):
                hooked = parse_module.parse_version if kind == "version" else parse_module.parse_compatible
                with pytest.raises(ParseError) as raised:
                    hooked(text)
            got = (raised.value.code, raised.value.line, raised.value.column, raised.value.length)
            assert got == (error.code, error.line, error.column, error.length), text
            continue
        assert result is not None, f"the accelerator declines {text!r}, a valid {kind}"
        assert result == expected
        assert hash(result) == hash(expected)
        _same(result, expected)


@contextmanager
def _accelerated(accel: ModuleType) -> Iterator[None]:
    """migcompat.parse with *accel* as its accelerator, for the duration of a with block."""
    saved = (parse_module._accel, parse_module._accel_loaded)
    parse_module._accel, parse_module._accel_loaded = accel, True
    try:
        yield
    finally:
        parse_module._accel, parse_module._accel_loaded = saved


# ---- the conformance cases ------------------------------------------------------------------------------


def _case_inputs() -> Iterator[tuple[str, str | bytes]]:
    """Every attribute text of the case files: parse inputs, and the attributes of check and relate cases."""
    for path in sorted(CASES.glob("*.json")):
        document = json.loads(path.read_text())
        for case in document.get("cases", []) if isinstance(document, dict) else []:
            if "input_base64" in case:
                yield case["id"], base64.b64decode(case["input_base64"])
            elif "input" in case:
                yield case["id"], case["input"]
            for name in ("source", "target", "target_self", "first", "first_self", "second", "second_self"):
                if isinstance(case.get(name), str):
                    yield f"{case['id']}/{name}", case[name]


CASE_INPUTS = list(_case_inputs())


def test_the_cases_hold_every_parse_case() -> None:
    ids = {case_id for case_id, _ in CASE_INPUTS}
    parse_cases = [
        case["id"]
        for path in CASES.glob("*.json")
        for case in json.loads(path.read_text()).get("cases", [])
        if case["kind"] in ("parse-valid", "parse-invalid")
    ]
    assert len(parse_cases) > 300
    assert set(parse_cases) <= ids


def test_every_case_input_agrees(accel: ModuleType) -> None:
    accepted = 0
    for _, text in CASE_INPUTS:
        check_agreement(accel, text, hooked=True)
        if isinstance(text, str):
            check_agreement(accel, text.encode("utf-8"))  # what a str is judged as
        accepted += accel.parse_version(text) is not None or accel.parse_compatible(text) is not None
    assert accepted > 300, "most case attributes are valid ones: the accelerator builds their models"


# ---- generated attributes -------------------------------------------------------------------------------


def _reorder(draw: st.DrawFn, text: str) -> str:
    """*text* with the items of each line shuffled: still valid, not canonical; the model keeps the written order."""
    out = []
    for line in text.rstrip("\n").split("\n"):
        words = line.split(" ")
        head = 2 if words[0] == "param" else 1
        out.append(" ".join(words[:head] + draw(st.permutations(words[head:]))))
    return "\n".join(out) + draw(st.sampled_from(["", "\n"]))


@st.composite
def generated(draw: st.DrawFn) -> tuple[MigrationVersion | CompatibleDevices, str, str, str]:
    """A valid model, its canonical text, that text reordered, and that text mutated."""
    model = draw(models)
    text = emit(model)
    return model, text, _reorder(draw, text), mutate(draw, text)


@given(generated())
def test_generated_attributes_agree(
    built: ModuleType, drawn: tuple[MigrationVersion | CompatibleDevices, str, str, str]
) -> None:
    model, text, reordered, mutated = drawn
    kind = "version" if isinstance(model, MigrationVersion) else "compatible"
    parser = built.parse_version if kind == "version" else built.parse_compatible
    assert parser(text) == model
    assert parser(text.encode("ascii")) == model
    check_agreement(built, text, kind)
    check_agreement(built, reordered, kind)
    check_agreement(built, mutated)


@given(st.text(alphabet=ALPHABET, max_size=80).map(lambda s: "mc1 " + s))
def test_random_text_agrees(built: ModuleType, text: str) -> None:
    check_agreement(built, text)


@pytest.mark.slow
@settings(max_examples=examples(500))
@given(generated())
def test_many_more_attributes_agree(
    built: ModuleType, drawn: tuple[MigrationVersion | CompatibleDevices, str, str, str]
) -> None:
    for text in drawn[1:]:
        check_agreement(built, text, hooked=True)
        check_agreement(built, text.encode("latin-1", "replace"))


# ---- inputs it leaves to the pure-Python parser ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "mc1 name=caf\u00e9",  # a str that is not ASCII: the pure-Python parser says non-ascii
        b"mc1 name=caf\xc3\xa9",
        "mc1 a=" + "x" * 5000,  # too long
        bytearray(b"mc1 a=b"),  # not str or bytes
        "",
        "mc2 anything",
    ],
)
def test_what_it_declines(built: ModuleType, text: object) -> None:
    assert built.parse_version(text) is None
    assert built.parse_compatible(text) is None


def test_a_str_subclass_is_read_as_its_text(built: ModuleType) -> None:
    class Text(str):
        pass

    assert built.parse_version(Text("mc1 a=b")) == reference_parse_version("mc1 a=b")


def test_the_largest_attributes_are_built(built: ModuleType) -> None:
    """Attributes at the page limit with the most items of each kind, items in reverse order."""
    fields = [f"k{i}=1" for i in range(1000)]
    text = "mc1 " + " ".join(sorted(fields, reverse=True))
    text = text[: text.rfind(" ", 0, 4094)]
    check_agreement(built, text)
    rules = "mc1\n" + "\n".join(["accept"] * 584)
    check_agreement(built, rules)
    members = "mc1\naccept " + " ".join(f"k{i}={{{','.join(f'm{j}' for j in range(64))}}}" for i in range(14))
    check_agreement(built, members[: members.rfind(" ")])


def test_a_build_that_runs_out_of_memory_leaks_nothing(built: ModuleType) -> None:
    """Each allocation of a build failing in turn: a MemoryError, and no model part left alive (the params tuple
    of a migration_version was, when its fields' map failed: an outside review of the C code)."""
    testcapi = pytest.importorskip("_testcapi")
    text = "mc1 a=1.2.3 b={x,y,z} c=3/4 ~d=tok longer_key_name=some_long_token_value_x\nparam p=1 q=x\nparam p=2 q=y\n"
    assert built.parse_version(text) == reference_parse_version(text)

    def alive() -> int:
        gc.collect()
        return sum(1 for item in gc.get_objects() if type(item) is Param or type(item) is Field)

    before, failed = alive(), 0
    for start in range(200):
        testcapi.set_nomemory(start, start + 1)
        try:
            built.parse_version(text)
        except MemoryError:
            failed += 1
        finally:
            testcapi.remove_mem_hooks()
    assert failed > 20  # the build's allocations were reached, one by one
    assert alive() == before


def test_a_parse_reentered_during_its_build_is_correct(built: ModuleType) -> None:
    """A garbage collection in the middle of a build may run a finaliser that parses; both parses stay right."""
    outer = "mc1\ndefault f={}\n" + "\n".join(f"accept a=1..{n} b=x|y c<={{p,q}} d=$ e=*" for n in range(1, 60))
    inner = "mc1 z=1 y=2.3 x=4/5 w={a,b}\nparam p=1 q=2"
    expected_outer, expected_inner = reference_parse_compatible(outer), reference_parse_version(inner)
    seen: list[object] = []

    class Reparse:
        def __init__(self) -> None:
            self.cycle = self

        def __del__(self) -> None:
            seen.append(built.parse_version(inner))

    threshold = gc.get_threshold()
    gc.collect()
    gc.set_threshold(1)
    try:
        for _ in range(20):
            Reparse()
            assert built.parse_compatible(outer) == expected_outer
    finally:
        gc.set_threshold(*threshold)
    assert seen, "no finaliser ran"
    assert all(model == expected_inner for model in seen)


SANITIZED_RUN = """
import random, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import migcompat_accel as accel
import test_c_accel as t
for _, text in t.CASE_INPUTS:
    t.check_agreement(accel, text, hooked=True)
t.test_the_largest_attributes_are_built(accel)
t.test_a_parse_reentered_during_its_build_is_correct(accel)
rng = random.Random(12)
for _ in range(3000):
    t.check_agreement(accel, "mc1 " + "".join(rng.choice(t.ALPHABET) for _ in range(rng.randint(0, 80))))
import gc, importlib, importlib.util
spec = importlib.util.find_spec("migcompat_accel")
for _ in range(3):  # module objects made, used and freed: their state's m_traverse, m_clear and m_free
    other = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(other)
    t.check_agreement(other, "mc1\\naccept a=1..5 b=x|y c<={p,q} d=$ e=* v=1.0..$2")
    del other
    gc.collect()
assert importlib.reload(accel) is accel
t.check_agreement(accel, "mc1 a=1 b={x,y}")
print("clean")
"""


@pytest.mark.slow
def test_under_address_and_undefined_behaviour_sanitizers(tmp_path: Path) -> None:
    """The extension built with -fsanitize=address,undefined, run through the cases and random text."""
    if shutil.which("gcc") is None:
        pytest.skip("gcc is not installed: the sanitizer build is not made")
    runtimes = [
        subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True, text=True).stdout.strip()
        for name in ("libasan.so", "libubsan.so")
    ]
    if not all(Path(runtime).is_absolute() for runtime in runtimes):
        pytest.skip("gcc's sanitizer runtimes (libasan, libubsan) are not installed")
    flags = ("-O1", "-g", "-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-fno-sanitize-recover=all")
    _compile(tmp_path, "gcc", flags)
    environment = {**os.environ, "LD_PRELOAD": " ".join(runtimes), "ASAN_OPTIONS": "detect_leaks=0"}
    environment.pop("MIGCOMPAT_NO_ACCEL", None)
    result = subprocess.run(
        [sys.executable, "-c", SANITIZED_RUN, str(tmp_path), str(Path(__file__).parent)],
        capture_output=True,
        text=True,
        timeout=600,
        env=environment,
    )
    assert result.returncode == 0 and result.stdout.strip() == "clean", result.stdout + result.stderr


# ---- the module object: multi-phase initialisation, its state, its exports ------------------------------------

LIFETIME_PROBE = """
import gc, importlib, importlib.util, sys
import migcompat_accel as accel
text = "mc1\\naccept a=1..5 b=x|y c<={p,q} d=$ e=* v=1.0..$2"
model = accel.parse_compatible(text)
assert model is not None
assert importlib.reload(accel) is accel and accel.parse_compatible(text) == model, "reloaded"
spec = importlib.util.find_spec("migcompat_accel")
other = importlib.util.module_from_spec(spec)
spec.loader.exec_module(other)
assert other is not accel and other.parse_compatible(text) == model, "a second module object"
del other
gc.collect()
assert accel.parse_compatible(text) == model, "the first after the second is gone"
done = ["reload", "second"]
code = f"import sys; sys.path[:] = {sys.path!r}; import migcompat_accel as a; assert a.parse_compatible({text!r})"
try:
    import _interpreters as interpreters  # 3.13: isolated, its own GIL

    run, create = interpreters.exec, lambda: interpreters.create("isolated")
except ImportError:
    try:
        import _xxsubinterpreters as interpreters  # 3.10 to 3.12 (isolated on 3.12)

        run, create = interpreters.run_string, interpreters.create
    except ImportError:
        interpreters = None
if interpreters is not None:
    for _ in range(2):
        interpreter = create()
        assert run(interpreter, code) is None
        interpreters.destroy(interpreter)
    done.append("subinterpreter")
assert accel.parse_compatible(text) == model, "after the subinterpreters"
print(accel.__file__, *done)
"""


def test_reload_a_second_module_and_subinterpreters_are_safe(built: ModuleType) -> None:
    """Each module object has its own state (PEP 489): reloading keeps the module, a second module object from the
    same file and a subinterpreter's (where the Python has them, twice) work beside the first and go away cleanly."""
    path, *done = _run(LIFETIME_PROBE, Path(built.__file__).parent).split()
    assert Path(path) == Path(built.__file__)
    interpreters = importlib.util.find_spec("_interpreters") or importlib.util.find_spec("_xxsubinterpreters")
    assert done == ["reload", "second", *(["subinterpreter"] if interpreters else [])]


def test_it_exports_its_init_function_only(accel: ModuleType) -> None:
    """libmigcompat's functions are compiled into the module hidden (MC_API defined empty): none of them can bind
    to, or be bound by, another copy of the library in the process."""
    if shutil.which("nm") is None:
        pytest.skip("nm (binutils) is not installed")
    listed = subprocess.run(
        ["nm", "-D", "--defined-only", str(accel.__file__)], capture_output=True, text=True, check=True, timeout=30
    )
    assert {line.split()[-1] for line in listed.stdout.splitlines()} == {"PyInit_migcompat_accel"}


# ---- the hook in migcompat.parse ----------------------------------------------------------------------------


def _run(code: str, pythonpath: Path | None, **env: str) -> str:
    """Run *code* in a new interpreter, *pythonpath* first on its path, MIGCOMPAT_NO_ACCEL only as in *env*."""
    environment = {k: v for k, v in os.environ.items() if k != "MIGCOMPAT_NO_ACCEL"}
    if pythonpath is not None:
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(pythonpath), os.environ.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env={**environment, **env}
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


HOOK_PROBE = """
import sys, migcompat
from migcompat.parse import accelerator
before = "migcompat_accel" in sys.modules
model = migcompat.parse("mc1 a=b")
print(before, "migcompat_accel" in sys.modules, getattr(accelerator(), "__file__", None), model.fields["a"].value)
"""


def test_the_hook_loads_it_lazily_and_honours_the_switch(built: ModuleType) -> None:
    directory = Path(built.__file__).parent
    before, after, path, value = _run(HOOK_PROBE, directory).split()
    assert (before, after, value) == ("False", "True", "b"), "imported on the first parse, not with migcompat"
    assert Path(path) == Path(built.__file__)
    assert _run(HOOK_PROBE, directory, MIGCOMPAT_NO_ACCEL="1").split() == ["False", "False", "None", "b"]


def test_the_hook_ignores_an_accelerator_of_another_spec_version(tmp_path: Path) -> None:
    (tmp_path / "migcompat_accel.py").write_text(
        "SPEC_VERSION = '0.9'\ndef parse_version(text): raise AssertionError\nparse_compatible = parse_version\n"
    )
    assert _run(HOOK_PROBE, tmp_path).split() == ["False", "True", "None", "b"]


def test_the_installed_accelerator_is_used() -> None:
    """When migcompat-accel is installed (CI installs it), migcompat.parse uses it by default."""
    module = _installed()
    path = _run(HOOK_PROBE, None).split()[2]
    assert Path(path) == Path(module.__file__)


def test_migcompat_parse_with_the_accelerator_gives_the_pure_python_errors(built: ModuleType) -> None:
    with _accelerated(built):
        assert parse_module.accelerator() is built
        with pytest.raises(ParseError) as raised:
            parse_module.parse("mc1 a=01 b=2")
    assert (raised.value.code, raised.value.line, raised.value.column) == ("leading-zero", 1, 7)


# ---- packaging ------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_wheel_builds_and_its_module_agrees(tmp_path: Path) -> None:
    """``pip wheel ./c/python``: setuptools compiles the extension; the wheel's module passes the cases."""
    if shutil.which(os.environ.get("CC", "cc")) is None:
        pytest.skip("no C compiler: the accelerator is not built")
    pytest.importorskip("setuptools", reason="setuptools builds the wheel (the test extra installs it)")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ACCEL)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = tmp_path.glob("migcompat_accel-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.startswith("migcompat_accel") and n.endswith(".so")]
        archive.extract(name, tmp_path / "unpacked")
    module = _load(tmp_path / "unpacked" / name)
    for _, text in CASE_INPUTS:
        check_agreement(module, text)
