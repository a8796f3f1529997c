"""The kernel emitter helper, ``c/kernel/migcompat_emit.h``, run in user space and built as a module.

``make -C c/kernel/test`` (the documented standalone build; its Makefile holds the flags, so this file
and a vendor's build cannot drift) compiles the helper with the stand-ins for the kernel API in
``c/kernel/test/include`` into ``c/kernel/test/migc_driver.c``, a program that builds attributes from
records on its standard input exactly as a driver's ``show()`` would and writes what ``show()`` returns.
The records are generated here from JSON data models (clause 5.8), with tokens and set members decoded
to the plain bytes a driver holds, so the helper does the escaping, the ordering and the ratio
reduction itself:

* every ``emit`` case of ``conformance/cases/emit.json`` gives the case's text byte for byte (a case
  longer than the helper's page limit, 4095 bytes with the final LF, must give -E2BIG instead);
* for random valid data models (``tests/strategies.py``), given in random key and member order, with
  ratios unreduced and set tables holding names outside the set's mask, the helper writes what
  :func:`migcompat.emit.emit` writes, or -E2BIG when that is longer than 4095 bytes;
* the page limit of the show()-time form is exact, and is PAGE_SIZE - 1 on a smaller page (the buffer
  forms look at their size and MIGC_MAX_BYTES only);
* built once into a driver's own buffer (review r8 findings 7 and 14: ``migc_render_version()``,
  ``migc_render_compatible()`` and the ``_buf()`` forms), the text is the same; a buffer one byte short
  gives -EOVERFLOW, a text beyond 4095 bytes -E2BIG, and nothing is written past the buffer's size
  (``migc_driver`` checks every byte around it, in an arena that is not page-aligned);
* the header's recommended pattern (review r9 finding 2): rendered into a scratch buffer and published
  only on success, a failed re-render keeps the text published before, and show() (``sysfs_emit()``
  of the published text) fails with -ENODATA while none was published;
* input no valid attribute can hold gives -EINVAL, never text;
* two drivers that each copy the helper link into one program, as two built-in drivers link into one
  kernel, and both write their attributes: the helper defines no global symbol.

Slow: the same under AddressSanitizer and UndefinedBehaviorSanitizer, and the sample module
(``c/kernel/sample``) built against the distribution's kernel headers without a warning and without a
global symbol of the helper.
"""

from __future__ import annotations

import errno
import glob
import json
import os
import random
import re
import select
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migcompat import parse
from migcompat.emit import emit
from migcompat.jsonmodel import loads, to_json
from migcompat.limits import MAX_ATTRIBUTE_BYTES, MAX_INTEGER
from migcompat.model import Field, MigrationVersion
from strategies import examples, models

ROOT = Path(__file__).resolve().parents[1]
KERNEL = ROOT / "c" / "kernel"
CASES = ROOT / "conformance" / "cases" / "emit.json"

PAGE_LIMIT = 4095
"""The largest attribute show() can deliver, final LF included (sysfs_emit() keeps a byte for its NUL)."""
E2BIG = -errno.E2BIG
EINVAL = -errno.EINVAL
EOVERFLOW = -errno.EOVERFLOW
BUF_SIZE = PAGE_LIMIT + 1
"""MIGC_BUF_SIZE: a driver's buffer that holds every attribute and its NUL."""
TIMEOUT = 30.0


def _compiler() -> str:
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None:
        pytest.skip("no C compiler (CI installs gcc): the kernel helper is not compiled")
    return compiler


def make_test(directory: Path, *targets: str, flags: tuple[str, ...] = (), compiler: str | None = None) -> str:
    """Run ``make -C c/kernel/test O=directory`` (the documented build) for *targets*; its output.

    The Makefile holds the compiler flags (``-Werror`` among them, so a warning fails the build);
    *flags* go in ``EXTRA_CFLAGS``. Nothing is written to the source tree.
    """
    compiler = compiler or _compiler()
    if shutil.which("make") is None:
        pytest.skip("no make (CI installs it): the kernel helper is not compiled")
    result = subprocess.run(
        [
            "make",
            "-C",
            str(KERNEL / "test"),
            f"O={directory}",
            f"CC={compiler}",
            f"EXTRA_CFLAGS={' '.join(flags)}",
            *targets,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def build_driver(directory: Path, *flags: str, compiler: str | None = None) -> Path:
    """Build ``migc_driver`` (the driver and the helper) into *directory* with the test Makefile."""
    program = directory / "migc_driver"
    make_test(directory, str(program), flags=flags, compiler=compiler)
    return program


class Driver:
    """The driver program, kept running: one attribute per :meth:`emit` call."""

    def __init__(self, program: Path) -> None:
        self.process = subprocess.Popen([str(program)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self.pending = b""

    def emit(self, records: list[str]) -> bytes | int:
        """What show() returns for the attribute *records* describe: its bytes, or a negative errno."""
        assert self.process.stdin is not None
        self.process.stdin.write(("".join(record + "\n" for record in [*records, "end"])).encode("ascii"))
        return self._answer()

    def show(self) -> bytes | int:
        """What the header's recommended show() returns for the text published so far (``publish``)."""
        assert self.process.stdin is not None
        self.process.stdin.write(b"show\n")
        return self._answer()

    def _answer(self) -> bytes | int:
        word, number = self._read_until(b"\n").split()
        if word == b"err":
            return int(number)
        assert word == b"ok", word
        return self._read_exactly(int(number))

    def _fill(self) -> None:
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], TIMEOUT)
        chunk = os.read(self.process.stdout.fileno(), 65536) if ready else b""
        if not chunk:
            self.process.kill()
            raise AssertionError(f"the driver stopped answering (status {self.process.wait()})")
        self.pending += chunk

    def _read_until(self, end: bytes) -> bytes:
        while end not in self.pending:
            self._fill()
        line, _, self.pending = self.pending.partition(end)
        return line

    def _read_exactly(self, count: int) -> bytes:
        while len(self.pending) < count:
            self._fill()
        data, self.pending = self.pending[:count], self.pending[count:]
        return data

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=TIMEOUT) == 0


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Driver]:
    running = Driver(build_driver(tmp_path_factory.mktemp("c-kernel")))
    yield running
    running.close()


# ---- data models to records -------------------------------------------------------------------------

_ESCAPE = re.compile(r"%([0-9A-F]{2})")


def plain_hex(text: str) -> str:
    """The plain bytes a token or member as written stands for, in hex: what a driver holds."""
    return _ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text).encode("ascii").hex()


def _value(value: dict[str, Any], rng: random.Random | None) -> str:
    kind, text = value["type"], value["value"]
    if kind == "token":
        return "t:" + plain_hex(text)
    if kind == "integer":
        return "i:" + text
    if kind == "version":
        return "v:" + text
    if kind == "ratio":
        numerator, denominator = map(int, text.split("/"))
        factor = rng.randint(1, max(1, MAX_INTEGER // max(numerator, denominator, 1))) if rng else 1
        return f"r:{numerator * factor}/{denominator * factor}"
    members = [plain_hex(member) for member in text]
    if rng:
        # Names in the driver's table but not in the mask: copies of members, and text no set can hold.
        while len(members) < 64 and rng.random() < 0.3:
            members.append("-" + rng.choice([*members, "", "01", b"..".hex()]).lstrip("-"))
        rng.shuffle(members)
    return "s:" + ",".join(members)


def _end(end: dict[str, Any] | None, rng: random.Random | None) -> str:
    """A range end, an operand or an alternative other than a range: open, ``$``, ``$N`` or a value."""
    if end is None:
        return ""
    if end["type"] == "self":
        return "$"
    if end["type"] == "self_prefix":
        return f"${end['length']}"
    return _value(end, rng)


def _alternative(alternative: dict[str, Any], rng: random.Random | None) -> str:
    if alternative["type"] == "range":
        return _end(alternative["min"], rng) + ".." + _end(alternative["max"], rng)
    return _end(alternative, rng)


def _items(mapping: dict[str, Any], rng: random.Random | None) -> list[tuple[str, Any]]:
    items = list(mapping.items())
    if rng:
        rng.shuffle(items)
    return items


def _fields(fields: dict[str, Any], rng: random.Random | None) -> list[str]:
    return [
        f"field {key} {'=' if field['critical'] else '~'} {_value(field['value'], rng)}"
        for key, field in _items(fields, rng)
    ]


def records(document: dict[str, Any], rng: random.Random | None = None) -> list[str]:
    """The driver's records for a JSON data model, in its order, or shuffled and varied by *rng*."""
    if document["attribute"] == "migration_version":
        lines = ["version", *_fields(document["fields"], rng)]
        for param in document["params"]:
            mark = "=" if param["critical"] else "~"
            lines += [f"param {param['name']} {mark} {_value(param['value'], rng)}", *_fields(param["fields"], rng)]
        return lines
    lines = ["compatible"]
    lines += [f"default {key} {_value(value, rng)}" for key, value in _items(document["defaults"], rng)]
    for rule in document["rules"]:
        lines.append("rule")
        for key, constraint in _items(rule["constraints"], rng):
            if constraint["op"] == "any":
                lines.append(f"any {key}")
            elif constraint["op"] == "equals":
                alternatives = " ".join(_alternative(alt, rng) for alt in constraint["alternatives"])
                lines.append(f"eq {key} {alternatives}")
            else:
                operator = "sub" if constraint["op"] == "subset" else "sup"
                lines.append(f"{operator} {key} {_end(constraint['operand'], rng)}")
    return lines


def expected_result(text: str) -> bytes | int:
    """What the helper must return for a model whose canonical text is *text*."""
    data = text.encode("ascii")
    return data if len(data) <= PAGE_LIMIT else E2BIG


# ---- the conformance cases --------------------------------------------------------------------------


def _emit_cases() -> list[dict[str, Any]]:
    """The emit cases, each with its model as a JSON value: one given as text (``model_text``, numbers such as
    ``1.0`` for 1) read as a conforming emitter reads it (clause 2.4), since the helper takes a driver's values."""
    cases = [case for case in json.loads(CASES.read_text())["cases"] if case["kind"] == "emit"]
    return [{**case, "model": to_json(loads(case["model_text"]))} if "model_text" in case else case for case in cases]


@pytest.mark.parametrize("case", _emit_cases(), ids=lambda case: case["id"])
def test_every_emit_case(driver: Driver, case: dict[str, Any]) -> None:
    assert driver.emit(records(case["model"])) == expected_result(case["expect"]["text"])


def test_the_cases_are_all_here() -> None:
    cases = _emit_cases()
    assert len(cases) >= 16
    assert {case["model"]["attribute"] for case in cases} == {"migration_version", "migration_compatible_devices"}


# ---- random data models -----------------------------------------------------------------------------


def check_model(running: Driver, model: Any, rng: random.Random) -> None:
    """The helper writes *model* as the Python emitter does: in its own order, then in three shuffled ones."""
    expected = expected_result(emit(model))
    document = to_json(model)
    # In the model's order, set members sorted and ratios reduced: the helper's fast path.
    assert running.emit(records(document)) == expected
    # Keys and members shuffled, ratios multiplied out, names outside the masks: drawing a model costs
    # far more than writing it, so each is written several ways.
    for _ in range(3):
        assert running.emit(records(document, rng)) == expected
    # Once, into a driver's buffer, as at registration time: in one call when the helper has one.
    assert running.emit([f"{_render_mode(document)} {BUF_SIZE}", *records(document, rng)]) == expected


def _render_mode(document: dict[str, Any]) -> str:
    """``render`` (migc_render_*(), one call) unless the model has param lines; else ``buffer`` (_buf())."""
    return "buffer" if document.get("params") else "render"


@settings(max_examples=examples(30))
@given(model=models, rng=st.randoms(use_true_random=False))
def test_the_helper_writes_what_the_python_emitter_writes(driver: Driver, model: Any, rng: random.Random) -> None:
    check_model(driver, model, rng)


# ---- the page ---------------------------------------------------------------------------------------


def _model_of_length(length: int) -> MigrationVersion:
    """A migration_version whose canonical text is *length* bytes: ``mc1 f000=tt... f001=tt...``."""
    room = length - len("mc1\n")
    count = -(-room // len(" f000=" + "t" * 255))  # fields of at most 255-byte tokens
    values = room - count * len(" f000=")
    sizes = [values // count + (1 if index < values % count else 0) for index in range(count)]
    model = MigrationVersion({f"f{index:03d}": Field("t" * size) for index, size in enumerate(sizes)})
    assert len(emit(model)) == length
    return model


@pytest.mark.parametrize("length", [PAGE_LIMIT - 1, PAGE_LIMIT, PAGE_LIMIT + 1, 20000])
def test_the_page_limit_is_exact(driver: Driver, length: int) -> None:
    model = _model_of_length(length)
    assert driver.emit(records(to_json(model))) == (E2BIG if length > PAGE_LIMIT else emit(model).encode())


def test_the_helper_never_writes_what_a_parser_refuses() -> None:
    assert PAGE_LIMIT <= MAX_ATTRIBUTE_BYTES


def test_a_long_rule_or_set_is_refused_not_cut(driver: Driver) -> None:
    members = ",".join(f"m{number:02d}{'x' * 200}".encode().hex() for number in range(64))
    assert driver.emit(["version", f"field a = s:{members}"]) == E2BIG
    alternatives = " ".join(f"i:{number}" for number in range(3000))
    assert driver.emit(["compatible", "rule", f"eq a {alternatives}"]) == E2BIG
    # The count limits come before the line's content is checked: an invalid key or constraint before the
    # constraint of too many alternatives (or in it) does not turn -E2BIG into -EINVAL (an outside review).
    assert driver.emit(["compatible", "rule", "eq a i:1 i:1", f"eq b {alternatives}"]) == E2BIG
    assert driver.emit(["compatible", "rule", f"eq A {alternatives}"]) == E2BIG
    assert driver.emit(["compatible", "rule", "eq a i:1 i:1", "eq b i:2"]) == EINVAL
    rules = ["rule", "eq driver t:" + b"x".hex() * 100] * 40
    assert driver.emit(["compatible", *rules]) == E2BIG
    assert driver.emit(["compatible", *rules[:20]]) == b"mc1\n" + (b"accept driver=" + b"x" * 100 + b"\n") * 10


def test_a_smaller_page_limits_the_attribute_to_page_size_less_one(tmp_path: Path) -> None:
    small = Driver(build_driver(tmp_path, "-DPAGE_SIZE=1024"))
    try:
        for length in (1022, 1023, 1024, 1025):
            model = _model_of_length(length)
            assert small.emit(records(to_json(model))) == (E2BIG if length > 1023 else emit(model).encode())
    finally:
        small.close()


# ---- built once, into a driver's buffer (review r8 findings 7 and 14) -------------------------------


@pytest.mark.parametrize("case", _emit_cases(), ids=lambda case: case["id"])
@pytest.mark.parametrize("mode", ["buffer", "render"])
def test_every_emit_case_into_a_driver_buffer(driver: Driver, case: dict[str, Any], mode: str) -> None:
    """The registration-time forms write what show() writes, into a buffer that is not sysfs's page."""
    if mode == "render" and case["model"].get("params"):
        mode = "buffer"  # migc_render_version() writes one line; a template is built with the _buf() form
    expected = expected_result(case["expect"]["text"])
    assert driver.emit([f"{mode} {BUF_SIZE}", *records(case["model"])]) == expected


@pytest.mark.parametrize("mode", ["buffer", "render"])
@pytest.mark.parametrize("length", [40, 1000, PAGE_LIMIT])
def test_a_driver_buffer_holds_the_text_and_its_nul_or_gives_eoverflow(driver: Driver, mode: str, length: int) -> None:
    """size - 1 bytes of text at most, as sysfs_emit(): one byte short is -EOVERFLOW, never a cut text.

    ``migc_driver`` exits (and this test fails) if the helper writes a byte past the text's NUL or past
    the buffer's size, or leaves text in the buffer on an error.
    """
    attribute = records(to_json(_model_of_length(length)))
    text = emit(_model_of_length(length)).encode()
    assert driver.emit([f"{mode} {length + 1}", *attribute]) == text
    assert driver.emit([f"{mode} {length + 100}", *attribute]) == text
    for size in (length, length - 1, 17, 1):
        assert driver.emit([f"{mode} {size}", *attribute]) == EOVERFLOW, size
    assert driver.emit([f"{mode} 0", *attribute]) == EINVAL  # no room for the NUL: nothing is written


@pytest.mark.parametrize("mode", ["buffer", "render"])
def test_a_text_beyond_the_limit_is_e2big_whatever_the_buffer(driver: Driver, mode: str) -> None:
    """-E2BIG (the text is too long for any buffer) is told apart from -EOVERFLOW (this buffer is small)."""
    for length in (PAGE_LIMIT + 1, 20000):
        attribute = records(to_json(_model_of_length(length)))
        for size in (8192, BUF_SIZE, 100):
            assert driver.emit([f"{mode} {size}", *attribute]) == E2BIG, (length, size)


def test_rules_rendered_in_one_call(driver: Driver) -> None:
    """migc_render_compatible(): the default line, then the rules in the driver's order."""
    attribute = ["compatible", "default z i:0", "rule", "eq b i:1", "eq a i:2", "rule", "any c"]
    text = b"mc1\ndefault z=0\naccept a=2 b=1\naccept c=*\n"
    assert driver.emit(["render 64", *attribute]) == text
    assert driver.emit([f"render {len(text)}", *attribute]) == EOVERFLOW
    assert driver.emit(["render 64", "compatible"]) == b"mc1\n"


@pytest.mark.parametrize("mode", ["", "buffer 64", "render 64", f"buffer {BUF_SIZE}"])
def test_invalid_content_is_einval_even_when_it_is_also_too_long(driver: Driver, mode: str) -> None:
    """What no attribute can hold is -EINVAL, however many bytes the text already has (the count limits
    are the other precedence: see the next test)."""
    prefix = [mode] if mode else []
    long_rules = ["rule", "eq driver t:" + b"x".hex() * 100] * 41  # about 4.5 KiB: too long for any buffer
    assert driver.emit([*prefix, "compatible", *long_rules, "rule", "eq Bad i:1"]) == EINVAL
    assert driver.emit([*prefix, *_version(f"Driver = {_t('x')}")]) == EINVAL


@pytest.mark.parametrize("mode", ["", "render 64", f"buffer {BUF_SIZE}"])
def test_a_count_limit_is_e2big_before_the_content_is_checked(driver: Driver, mode: str) -> None:
    """Review r9 finding 6, the precedence the header states: a line of more than MIGC_MAX_ITEMS (1023)
    items, or a constraint of more than MIGC_MAX_ALTS (2047) alternatives, is -E2BIG even when an item is
    also invalid; within the limits the same invalid item is -EINVAL."""
    prefix = [mode] if mode else []
    fields = [f"f{index:04d} = i:1" for index in range(1099)]
    assert driver.emit([*prefix, *_version(*fields, "Bad = i:1")]) == E2BIG
    assert driver.emit([*prefix, *_version(*fields[:10], "Bad = i:1")]) == EINVAL
    constraints = [f"eq c{index:04d} i:1" for index in range(1099)]
    assert driver.emit([*prefix, "compatible", "rule", *constraints, "eq Bad i:1"]) == E2BIG
    assert driver.emit([*prefix, "compatible", "rule", "eq x " + " ".join(["i:1"] * 2100) + " t:"]) == E2BIG
    assert driver.emit([*prefix, "compatible", "rule", "eq x i:1 t:"]) == EINVAL


def test_a_failed_re_render_keeps_the_published_text(driver: Driver) -> None:
    """Review r9 finding 2: the header's pattern (render into a scratch buffer, publish only on success)
    never leaves show() with an empty text: before any text, show() is -ENODATA; a failed re-render
    (invalid content, or a text the buffer cannot hold) returns its error and show() still returns the
    text published before; a good re-render replaces it."""
    first = _version(f"driver = {_t('foo')}", f"device_api = {_t('vfio-pci')}")
    second = _version(f"driver = {_t('foo')}", f"device_api = {_t('vfio-pci')}", "foo.ports = i:2")
    assert driver.show() == -errno.ENODATA
    assert driver.emit(["publish 64", *first]) == b"mc1 device_api=vfio-pci driver=foo\n"
    assert driver.show() == b"mc1 device_api=vfio-pci driver=foo\n"
    assert driver.emit(["publish 64", *_version(f"Driver = {_t('foo')}")]) == EINVAL
    assert driver.show() == b"mc1 device_api=vfio-pci driver=foo\n"
    assert driver.emit(["publish 20", *second]) == EOVERFLOW
    assert driver.show() == b"mc1 device_api=vfio-pci driver=foo\n"
    assert driver.emit(["publish 64", *second]) == b"mc1 device_api=vfio-pci driver=foo foo.ports=2\n"
    assert driver.show() == b"mc1 device_api=vfio-pci driver=foo foo.ports=2\n"
    rules = ["publish 64", "compatible", "rule", "eq driver t:" + b"foo".hex()]
    assert driver.emit(rules) == b"mc1\naccept driver=foo\n"
    assert driver.emit([*rules[:-1], "eq driver t:" + b"x".hex() * 100]) == EOVERFLOW
    assert driver.show() == b"mc1\naccept driver=foo\n"


def test_the_helper_writes_with_memcpy_not_sysfs_emit_at() -> None:
    """Review r8 finding 14: no format string per run of a token; no sysfs call at all in the helper."""
    header = (KERNEL / "migcompat_emit.h").read_text()
    code = re.sub(r"/\*.*?\*/", "", header, flags=re.S)
    assert "sysfs_emit" not in code
    assert "memcpy(e->buf + e->len, s, n);" in code


def test_no_bool_struct_member() -> None:
    """Review r8 finding 14: checkpatch's BOOL_MEMBER check on the array-heavy structs."""
    header = (KERNEL / "migcompat_emit.h").read_text()
    assert not re.search(r"^\tbool \w+;", header, re.M)
    assert "\tu8 ignorable;" in header


# ---- the license and the sample, as a kernel maintainer reads them (review r8 findings 6 and 8) ---------

KERNEL_SPDX = "SPDX-License-Identifier: GPL-2.0-only OR MIT"


def test_the_helper_and_the_sample_are_gpl_2_0_only_or_mit() -> None:
    """The files meant for the kernel carry the kernel's licence (or MIT); the user-space tests may be MIT."""
    files = sorted(
        path
        for pattern in ("*.c", "*.h", "Kbuild", "Makefile")
        for path in KERNEL.rglob(pattern)
        if "test" not in path.relative_to(KERNEL).parts and ".mod." not in path.name  # kbuild's own output
    )
    assert {path.relative_to(KERNEL).as_posix() for path in files} >= {
        "migcompat_emit.h",
        "migcompat_emit.c",
        "sample/mcsample_main.c",
        "sample/Kbuild",
        "sample/Makefile",
    }
    for path in files:
        assert KERNEL_SPDX in path.read_text().splitlines()[0], path
    assert "GPL-2.0-only OR MIT" in (ROOT / "c" / "README.md").read_text()


def test_the_sample_has_no_version_checks_no_type_kobject_files_and_migrates() -> None:
    """Review r8 finding 8: no LINUX_VERSION_CODE; nothing added to the mdev core's type kobject (no copy
    of its private struct mdev_type_attribute); attributes on every device with migration ops (no
    is_visible that hides them, review r9 findings 3 and 14), rendered at probe into a scratch buffer and
    copied by show() under the state lock, which fails with -ENODATA without a text (finding 2). These are
    source checks: the module is built below (slow) but not loaded, and its state machine is not run in
    user space."""
    source = (KERNEL / "sample" / "mcsample_main.c").read_text()
    code = re.sub(r"/\*.*?\*/", "", source, flags=re.S)
    for banned in ("LINUX_VERSION_CODE", "KERNEL_VERSION", "linux/version.h", "sysfs_create_file", "type_attribute"):
        assert banned not in code, banned
    assert "vdev->mig_ops = &mcs_mig_ops;" in code
    assert "vdev->migration_flags = VFIO_MIGRATION_STOP_COPY;" in code
    assert "is_visible" not in code
    assert 'text[0] ? sysfs_emit(buf, "%s", text) : -ENODATA' in code
    assert code.count("mcs_show_text(s, s->mig_") == 2
    assert "migc_render_version(" in code
    assert "migc_render_compatible(" in code
    assert "migc_end(" not in code and "_begin(" not in code  # nothing is built at read time


# ---- what no valid attribute holds ------------------------------------------------------------------


def _t(text: str) -> str:
    return "t:" + text.encode("latin-1").hex()


def _s(*members: str) -> str:
    return "s:" + ",".join(member.encode("latin-1").hex() for member in members)


def _version(*fields: str) -> list[str]:
    return ["version", *(f"field {field}" for field in fields)]


def _rule(*constraints: str) -> list[str]:
    return ["compatible", "rule", *constraints]


INVALID = {
    "a key with a capital": _version(f"Driver = {_t('x')}"),
    "a key of 64 bytes": _version(f"{'k' * 64} = i:1"),
    "a key of three names": _version("a.b.c = i:1"),
    "a key that starts with a digit": _version("1a = i:1"),
    "a key that ends with a dot": _version("a. = i:1"),
    "an empty token": _version("a = t:"),
    "a token of digits alone": _version(f"a = {_t('12')}"),
    "a token of digits and dots": _version(f"a = {_t('1.2')}"),
    "a token that starts with a dot": _version(f"a = {_t('.a')}"),
    "a token that ends with a dot": _version(f"a = {_t('a.')}"),
    "a token with two dots in a row": _version(f"a = {_t('a..b')}"),
    "a token with a control byte": _version(f"a = {_t('a' + chr(1))}"),
    "a token with a tab": _version(f"a = {_t('a' + chr(9) + 'b')}"),
    "a token with a byte above 0x7E": _version(f"a = {_t('a' + chr(0xE9))}"),
    "a token of 258 bytes escaped": _version(f"a = {_t(' ' * 86)}"),
    "a token of 256 bytes": _version(f"a = {_t('x' * 256)}"),
    "a version of one part": _version("a = v:1"),
    "a version of nine parts": _version("a = v:1.2.3.4.5.6.7.8.9"),
    "a ratio over zero": _version("a = r:1/0"),
    "a set of 65 members": _version("a = " + _s(*(f"m{number}" for number in range(65)))),
    "a set member twice": _version("a = " + _s("x", "y", "x")),
    "an empty set member": _version("a = " + _s("x", "")),
    "a set member with a dot at its end": _version("a = " + _s("1.")),
    "a set mask with a bit above its names": _version("a = S" + _s("x", "y")[1:]),
    "an empty set table with a mask": _version("a = S:"),
    "a key twice on the first line": _version("b = i:1", "a = i:1", "b = i:2"),
    "a key twice in byte order": _version("a = i:1", "a = i:2"),
    "no field on the first line": ["version"],
    "a parameter that is a fixed field": [*_version("a = i:1"), "param a = i:2"],
    "a param line's field that is a fixed field": [*_version("a = i:1"), "param p = i:2", "field a = i:3"],
    "a param line's field that is its parameter": [*_version("a = i:1"), "param p = i:2", "field p = i:3"],
    "a param line's bad value": [*_version("a = i:1"), "param p = v:2"],
    "a param line before the first": ["param p = i:1"],
    "a param line in a migration_compatible_devices": ["compatible", "param p = i:1"],
    "an accept line in a migration_version": [*_version("a = i:1"), "rule"],
    "an accept line before the header": ["rule"],
    "nothing at all": [],
    "a default line's bad value": ["compatible", "default a r:0/0"],
    "a default key twice": ["compatible", "default a i:1", "default a i:2"],
    "a constraint without alternatives": _rule("eq a"),
    "two types among alternatives": _rule("eq a i:1 v:1.0"),
    "two types among range ends": _rule("eq a i:1..v:2.0"),
    "a value and a range of two types": _rule("eq a r:1/2 i:1..i:2"),
    "a range of tokens": _rule(f"eq a {_t('a')}..{_t('b')}"),
    "a range of sets": _rule(f"eq a {_s('a')}.."),
    "a range without ends": _rule("eq a .."),
    "an empty range of integers": _rule("eq a i:2..i:1"),
    "an empty range of versions": _rule("eq a v:1.1..v:1.0.5"),
    "an empty range of ratios": _rule("eq a r:1/2..r:1/3"),
    "an empty range of large ratios": _rule(
        f"eq a r:{MAX_INTEGER - 1}/{MAX_INTEGER - 2}..r:{MAX_INTEGER}/{MAX_INTEGER - 1}"
    ),
    "an alternative twice": _rule("eq a i:1 i:2 i:1"),
    "a ratio twice, once unreduced": _rule("eq a r:1/2 r:2/4"),
    "a set twice, in two orders": _rule(f"eq a {_s('x', 'y')} {_s('y', 'x')}"),
    "$ twice": _rule("eq a $ $"),
    "a range twice": _rule("eq a i:1..$ i:1..$"),
    "a key twice in a rule": _rule("eq a i:1", "sub a $"),
    "a subset of a token": _rule(f"sub a {_t('x')}"),
    "a subset of a range": _rule("sub a i:1..i:2"),
    "a subset of two sets": _rule(f"sub a {_s('x')} {_s('y')}"),
    "a superset of an integer": _rule("sup a i:1"),
    "a superset of a bad set": _rule("sup a " + _s("x", "x")),
    "$0": _rule("eq a $0"),
    "$8": _rule("eq a $8"),
    "$N beside an integer": _rule("eq a $1 i:1"),
    "$N at the end of a range of ratios": _rule("eq a r:1/2..$2"),
    "$N twice": _rule("eq a $2 $2"),
    "a range of $N twice": _rule("eq a $1..$2 $1..$2"),
    "=* with an alternative": _rule("any a i:1"),
    "=* twice": _rule("any a", "any a"),
}


@pytest.mark.parametrize("attribute", INVALID.values(), ids=list(INVALID))
def test_what_no_valid_attribute_holds_is_refused(driver: Driver, attribute: list[str]) -> None:
    assert driver.emit(attribute) == EINVAL


VALID = {
    "the longest token": (_version(f"a = {_t(' ' * 85)}"), "mc1 a=" + "%20" * 85 + "\n"),
    "the longest key": (_version(f"{'k' * 63} = i:1"), f"mc1 {'k' * 63}=1\n"),
    "a token that looks like a number elsewhere": (
        _version(f"a = {_t('-1')}", f"b = {_t('1.2.x')}"),
        "mc1 a=-1 b=1.2.x\n",
    ),
    "a set of 64 members, every bit of the mask": (
        _version("a = S" + _s(*(f"m{number:02}" for number in range(64)))[1:]),
        "mc1 a={" + ",".join(f"m{number:02}" for number in range(64)) + "}\n",
    ),
    "MIGC_SET() of a table left empty": (_version("a = m:0"), "mc1 a={}\n"),
    "MIGC_SET() of a table of a name": (_version("a = m:1"), "mc1 a={only}\n"),
    "MIGC_SET() of a table of 64 names": (
        _version("a = m:64"),
        "mc1 a={" + ",".join(f"m{number:02}" for number in range(64)) + "}\n",
    ),
    "members of digits and dots": (_version("a = " + _s("1.0", "10", "1")), "mc1 a={1,1.0,10}\n"),
    "members sorted as escaped": (_version("a = " + _s("a~", "aZ", "a b")), "mc1 a={a%20b,a%7E,aZ}\n"),
    "names outside the mask are left out": (_version("a = s:78,-78,-,-2e2e,79"), "mc1 a={x,y}\n"),
    "the greatest integer": (_version(f"a = i:{MAX_INTEGER}"), f"mc1 a={MAX_INTEGER}\n"),
    "a ratio reduced": (
        _version(f"a = r:{MAX_INTEGER - 1}/{(MAX_INTEGER - 1) // 2}", "b = r:0/7"),
        "mc1 a=2/1 b=0/1\n",
    ),
    "versions that are order-equivalent are distinct": (_rule("eq a v:1.0 v:1.0.0"), "mc1\naccept a=1.0|1.0.0\n"),
    "ratio ranges with equal ends": (_rule("eq a r:2/4..r:1/2 r:1/3..$"), "mc1\naccept a=1/2..1/2|1/3..$\n"),
    "every range form": (
        _rule("eq a i:1.. ..i:2 $.. ..$ $..i:3 i:4..$ $..$"),
        "mc1\naccept a=1..|..2|$..|..$|$..3|4..$|$..$\n",
    ),
    "an empty set operand": (_rule("sub b s:", "sup a s:"), "mc1\naccept a>={} b<={}\n"),
    "an empty accept line": (["compatible", "rule"], "mc1\naccept\n"),
    "the target's version cut (spec 1.1)": (
        _rule("eq a $1 $1..$2 v:1.0..$7 $3.. v:2.0..v:2.0.0", "any b"),
        "mc1\naccept a=$1|$1..$2|1.0..$7|$3..|2.0..2.0.0 b=*\n",
    ),
    "ignorable parameter and fields": (
        [*_version("a = i:1"), "param p ~ i:2", "field z ~ i:3", "field y = i:4"],
        "mc1 a=1\nparam ~p=2 y=4 ~z=3\n",
    ),
}


@pytest.mark.parametrize(("attribute", "text"), VALID.values(), ids=list(VALID))
def test_edges_of_what_is_valid(driver: Driver, attribute: list[str], text: str) -> None:
    assert driver.emit(attribute) == text.encode()
    assert emit(parse(text)) == text  # the expected text is itself valid and canonical


# ---- two drivers in one kernel ----------------------------------------------------------------------

TWO_DRIVERS = {
    "acme_nic/migration_version": (
        "mc1 acme.queues=16 device_api=vfio-pci driver=acme_nic features={csum,tso} stream_version=1.0\n"
    ),
    "acme_nic/migration_compatible_devices": (
        "mc1\naccept acme.queues=..$ device_api=vfio-pci driver=acme_nic features<=$ stream_version=1.0..$\n"
    ),
    "acme_gpu/migration_version": (
        "mc1 device_api=vfio-pci driver=acmegpu ~name=Acme%20GPU%20quarter type=acmegpu-4\n"
        "param aggregate=1 share=1/4\nparam aggregate=2 share=1/2\n"
    ),
    "acme_gpu/migration_compatible_devices": (
        "mc1\naccept aggregate=$ device_api=vfio-pci driver=acmegpu share=$ type=acmegpu-4\n"
    ),
}
"""What the two drivers of ``c/kernel/test/two_drivers/`` write; main.c checks the same bytes."""

_GLOBAL_HELPER_SYMBOL = re.compile(r"^\S* *[A-Z] _*migc_\w+$", re.M)


def _source_files() -> set[Path]:
    return {path for path in (KERNEL / "test").rglob("*") if path.is_file()}


def _check_two_drivers(directory: Path, output: str) -> None:
    program = directory / "two_drivers"
    printed = subprocess.run([str(program)], capture_output=True, text=True, timeout=TIMEOUT, check=True).stdout
    written = dict(re.findall(r"^== (\S+)\n(.*?)(?=^== |^two drivers: ok\n\Z)", printed, re.S | re.M))
    assert written == TWO_DRIVERS, printed
    assert printed.endswith("two drivers: ok\n")
    assert "two drivers: ok" in output  # make check ran it too
    for text in written.values():
        assert emit(parse(text)) == text  # valid and canonical
    # Each driver compiled its own copy of the helper (a directory of its own, its own header) ...
    objects = sorted(directory.glob("two/*/*.o"))
    assert {path.relative_to(directory).as_posix() for path in objects} == {
        f"two/{driver}/{name}.o" for driver in ("acme_gpu", "acme_nic") for name in ("driver", "migcompat_emit")
    }
    assert (directory / "two/acme_nic/migcompat_emit.h").read_bytes() == (KERNEL / "migcompat_emit.h").read_bytes()
    # ... and none of them defines a global symbol of the helper for another copy to collide with.
    nm = shutil.which("nm")
    if nm is not None:
        symbols = subprocess.run(
            [nm, "-g", "--defined-only", *map(str, objects)], capture_output=True, text=True, check=True
        ).stdout
        assert not _GLOBAL_HELPER_SYMBOL.findall(symbols), symbols
        # migcompat_emit.c, kept for a Makefile that lists migcompat_emit.o, is a shim: no symbol at all.
        shim = subprocess.run([nm, str(directory / "two/acme_nic/migcompat_emit.o")], capture_output=True, text=True)
        assert "migc_" not in shim.stdout + shim.stderr


def test_two_drivers_that_each_copy_the_helper_link_into_one_program(tmp_path: Path) -> None:
    """Review r4 finding 5: two built-in drivers, each with its copy of the helper, link into one kernel.

    ``make check`` links two drivers (c/kernel/test/two_drivers/) and their two copies of the helper into
    one program, as vmlinux links built-in drivers: a global symbol in the helper is a "multiple definition"
    there. Both drivers' attributes come out right, and the build writes nothing into the source tree.
    """
    before = _source_files()
    output = make_test(tmp_path, "check")
    _check_two_drivers(tmp_path, output)
    assert _source_files() == before


def test_the_makefile_is_what_the_readme_documents() -> None:
    """c/README.md gives the standalone build of the user-space tests (review r4 finding 13)."""
    readme = (ROOT / "c" / "README.md").read_text()
    assert "make -C c/kernel/test check" in readme
    makefile = (KERNEL / "test" / "Makefile").read_text()
    for flag in ("-Werror", "-Wshadow", "-Wmissing-prototypes", "-Wstrict-prototypes", "-std=gnu11"):
        assert flag in makefile, flag


# ---- slow: sanitizers, and the module against real kernel headers ------------------------------------


@pytest.fixture(scope="module")
def sanitized(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Driver]:
    flags = ("-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer")
    running = Driver(build_driver(tmp_path_factory.mktemp("c-kernel-asan"), *flags))
    yield running
    running.close()


@pytest.mark.slow
def test_cases_and_refusals_under_sanitizers(sanitized: Driver) -> None:
    for case in _emit_cases():
        assert sanitized.emit(records(case["model"])) == expected_result(case["expect"]["text"]), case["id"]
    for name, attribute in INVALID.items():
        assert sanitized.emit(attribute) == EINVAL, name
    for attribute, text in VALID.values():
        assert sanitized.emit(attribute) == text.encode()
    assert sanitized.emit(records(to_json(_model_of_length(20000)))) == E2BIG


@pytest.mark.slow
@settings(max_examples=examples(100))
@given(model=models, rng=st.randoms(use_true_random=False))
def test_random_models_under_sanitizers(sanitized: Driver, model: Any, rng: random.Random) -> None:
    check_model(sanitized, model, rng)


@pytest.mark.slow
def test_two_drivers_under_sanitizers(tmp_path: Path) -> None:
    flags = ("-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer")
    output = make_test(tmp_path, "check", flags=flags)
    _check_two_drivers(tmp_path, output)


def kernel_build_directory() -> Path | None:
    """The build directory of an installed kernel headers package (linux-headers-amd64), if any."""
    candidates = sorted(glob.glob("/lib/modules/*/build/Makefile")) + sorted(
        glob.glob("/usr/src/linux-headers-*-amd64/Makefile")
    )
    return Path(candidates[-1]).parent if candidates else None


@pytest.mark.slow
def test_the_sample_module_builds_against_kernel_headers_without_warnings(tmp_path: Path) -> None:
    build = kernel_build_directory()
    if build is None:
        pytest.skip("no kernel headers (CI installs linux-headers-amd64): the sample module is not built")
    if shutil.which("make") is None:
        pytest.skip("no make (CI installs it): the sample module is not built")
    # Build a copy: kbuild writes its objects beside the sources.
    tree = tmp_path / "kernel"
    shutil.copytree(KERNEL, tree, ignore=shutil.ignore_patterns("test"))
    result = subprocess.run(
        ["make", "-C", str(build), f"M={tree / 'sample'}", "W=1", "modules"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower(), output
    module = (tree / "sample" / "mcsample.ko").read_bytes()
    # The module's .modinfo section: a license the kernel takes as GPL-compatible (no taint, and the
    # VFIO and mdev symbols, exported GPL-only, resolve).
    assert b"\0license=Dual MIT/GPL\0" in module
    # Built in (=y), the module's objects go into vmlinux beside other drivers' copies of the helper:
    # none of them may define a global migc_ symbol (review r4 finding 5).
    nm = shutil.which("nm")
    if nm is not None:
        objects = sorted(str(path) for path in (tree / "sample").glob("*.o"))
        symbols = subprocess.run([nm, "-g", "--defined-only", *objects], capture_output=True, text=True, check=True)
        assert not _GLOBAL_HELPER_SYMBOL.findall(symbols.stdout), symbols.stdout


@pytest.mark.slow
def test_the_helper_s_kernel_doc_comments_pass_the_kernel_s_checker() -> None:
    """``scripts/kernel-doc -none -Werror``, as a kernel build with W=1 runs it on a header it documents."""
    build = kernel_build_directory()
    if build is None:
        pytest.skip("no kernel headers (CI installs linux-headers-amd64): kernel-doc is not run")
    script = build / "scripts" / "kernel-doc"
    perl = shutil.which("perl")
    if not script.exists() or perl is None:
        pytest.skip(f"no {script} or no perl: kernel-doc is not run")
    result = subprocess.run(
        [perl, str(script), "-none", "-Werror", str(KERNEL / "migcompat_emit.h")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0 and "warning" not in result.stderr, result.stderr
