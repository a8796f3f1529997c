#!/usr/bin/env python3
"""Coverage-guided fuzzing of migcompat's JSON loaders: captures, case files, data models.

Each target feeds one input to a loader and checks the loader's promise: a
model, or the loader's documented error (a :class:`migcompat.errors.MigcompatError`
subclass with a registered code), never another exception, and within a
bounded time. ``tests/test_fuzz_loaders.py`` runs the same checks for a few
seconds in every test run; this script runs them for as long as asked:

    python fuzz/fuzz_loaders.py --seconds 600                  # atheris if installed, else Hypothesis
    python fuzz/fuzz_loaders.py --target capture --seconds 60 corpus/   # libFuzzer options pass through
    python fuzz/fuzz_loaders.py --hypothesis --seconds 60      # Hypothesis even when atheris is there

With atheris (``pip install atheris``; wheels exist for CPython 3.11 on
x86-64 Linux) the run is coverage-guided, and a failing input is written to
a ``crash-*`` file that ``python fuzz/fuzz_loaders.py crash-...`` replays.
Without it, Hypothesis draws random, mutated and hostile documents until
the time is up. The exit status is 0 when no input broke a promise.
"""

from __future__ import annotations

import argparse
import atexit
import json
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from migcompat import capture
from migcompat.capture import CaptureError
from migcompat.cases.model import CASE_FORMAT, CaseError, Suite, load_suite
from migcompat.cases.paths import default_cases_dir
from migcompat.errors import ERROR_CODES, LIBRARY_ERROR_CODES, DataModelError, MigcompatError
from migcompat.jsonmodel import from_json, loads, to_json
from migcompat.parse import parse
from migcompat.sysfs.model import Attr, Finding, HostData, Placement
from migcompat.sysfs.reader import READ_LIMIT

__all__ = [
    "CAPTURE_SEED",
    "CASE_FILE_SEED",
    "MODEL_SEEDS",
    "TARGETS",
    "check_capture",
    "check_case_file",
    "check_model",
    "main",
]

# ---- seeds: valid documents the mutations start from --------------------------------------

CAPTURE_SEED: dict[str, object] = capture.to_json(
    HostData(
        host="fuzz",
        kernel="6.8.0",
        time="2025-01-31T12:00:00Z",
        tool="migcompat fuzz",
        root="/sys",
        source="sysfs",
        modes_authoritative=True,
        placements=(
            Placement(
                "mdev_type",
                "i915-GVTg_V5_4",
                "class/mdev_bus/0000:00:02.0/mdev_supported_types/i915-GVTg_V5_4",
                {
                    "migration_version": Attr(b"mc1 device_api=vfio-pci type=i915-GVTg_V5_4\n", None, 0o444),
                    "migration_compatible_devices": Attr(b"mc1\naccept type=i915-GVTg_V5_4\n", b"mc1\n", 0o444),
                },
                {"name": "GVTg_V5_4", "device_api": "vfio-pci"},
                {"parent": "0000:00:02.0"},
            ),
            Placement(
                "pci",
                "0000:3b:00.1",
                "bus/pci/devices/0000:3b:00.1",
                {
                    "migration_version": Attr(b"\xff\xfe binary", None, 0o644),
                    "migration_compatible_devices": Attr(None, None, None, "unreadable"),
                },
                {"vendor": "0x15b3"},
                {"driver": "mlx5_vfio_pci", "physfn": "0000:3b:00.0"},
            ),
        ),
        findings=(Finding("dangling-link", "bus/mdev/devices/x/mdev_type", "a link to nothing", True),),
    )
)
"""A small capture with every kind of member: text, base64, reread, error, properties, links, findings."""


def _case_file_seed() -> dict[str, object]:
    try:
        suite = load_suite(default_cases_dir())
    except CaseError:  # pragma: no cover - the bundled suite is always there
        return {"format": CASE_FORMAT, "description": "fuzz", "cases": []}
    chosen: list[object] = []
    for kind in ("parse-valid", "parse-invalid", "emit", "emit-invalid", "check", "relate"):
        chosen.extend(case.to_json() for case in [c for c in suite.cases if c.kind == kind][:2])
    return {"format": CASE_FORMAT, "description": "fuzz", "cases": chosen}


CASE_FILE_SEED: dict[str, object] = _case_file_seed()
"""A case file with two cases of every kind, from the bundled suite."""

MODEL_SEEDS: list[dict[str, Any]] = [
    to_json(parse("mc1 device_api=vfio-pci ~share=1/2 v=1.2.3 s={a,b}\nparam n=1 x=2\n")),
    to_json(parse("mc1\ndefault s={}\naccept v=1.0..$ n=1|2|3 s<={a,b} t=$\naccept s>={a}\n")),
]
"""Data models of both attributes, with every kind of value and constraint."""

# ---- the checks ---------------------------------------------------------------------------


def _documented(exc: MigcompatError, kind: type[MigcompatError]) -> None:
    if not isinstance(exc, kind):
        raise AssertionError(f"raised {type(exc).__name__}, not {kind.__name__}: {exc}")
    if exc.code not in ERROR_CODES and exc.code not in LIBRARY_ERROR_CODES:
        raise AssertionError(f"{type(exc).__name__} with an unregistered code {exc.code!r}")
    if not exc.message:
        raise AssertionError(f"{type(exc).__name__} without a message")


def check_capture(data: bytes) -> None:
    """:func:`migcompat.capture.loads` gives a HostData or raises CaptureError, nothing else."""
    try:
        host = capture.loads(data)
    except CaptureError as exc:
        _documented(exc, CaptureError)
        return
    except Exception as exc:
        raise AssertionError(f"capture.loads raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(host, HostData):
        raise AssertionError(f"capture.loads returned a {type(host).__name__}")
    for placement in host.placements:
        for attr in placement.attributes.values():
            if attr.data is not None and len(attr.data) > READ_LIMIT:
                raise AssertionError(f"an attribute of {len(attr.data)} bytes was kept")


_DIRECTORY = Path(tempfile.mkdtemp(prefix="migcompat-fuzz-"))
atexit.register(shutil.rmtree, _DIRECTORY, ignore_errors=True)
_NO_RETIRED = b'{"format": "migcompat-retired-1", "description": "none", "retired": []}'


def check_case_file(data: bytes) -> None:
    """:func:`migcompat.cases.model.load_suite` on a directory holding *data* as a case file, then as
    ``retired.json``, gives a Suite or raises CaseError, nothing else."""
    seed = json.dumps(CASE_FILE_SEED).encode()
    for cases, retired in ((data, _NO_RETIRED), (seed, data)):
        (_DIRECTORY / "cases.json").write_bytes(cases)
        (_DIRECTORY / "retired.json").write_bytes(retired)
        try:
            suite = load_suite(_DIRECTORY)
        except CaseError as exc:
            _documented(exc, CaseError)
            continue
        except Exception as exc:
            raise AssertionError(f"load_suite raised {type(exc).__name__}: {exc}") from exc
        if not isinstance(suite, Suite):
            raise AssertionError(f"load_suite returned a {type(suite).__name__}")
        for case in suite.cases:
            json.dumps(case.to_json())  # every case loaded can be sent to a program


def check_model(data: bytes) -> None:
    """:func:`migcompat.jsonmodel.loads` gives a data model or raises DataModelError, nothing else;
    so does the command line's strict decoding followed by :func:`~migcompat.jsonmodel.from_json`."""
    from migcompat.cli.io import CannotRead, Input
    from migcompat.cli.jsoninput import InvalidJSON, load_json

    try:
        loads(data)
    except DataModelError as exc:
        _documented(exc, DataModelError)
    except Exception as exc:
        raise AssertionError(f"jsonmodel.loads raised {type(exc).__name__}: {exc}") from exc
    try:
        document = load_json(Input("-", "<fuzz>", data, True))
    except (InvalidJSON, CannotRead):
        return
    except Exception as exc:
        raise AssertionError(f"load_json raised {type(exc).__name__}: {exc}") from exc
    try:
        from_json(document)
    except DataModelError as exc:
        _documented(exc, DataModelError)
    except Exception as exc:
        raise AssertionError(f"from_json raised {type(exc).__name__}: {exc}") from exc


TARGETS: dict[str, Callable[[bytes], None]] = {
    "capture": check_capture,
    "cases": check_case_file,
    "model": check_model,
}
"""Every fuzz target by name."""

# ---- inputs: arbitrary, mutated and hostile documents (Hypothesis) --------------------------

HOSTILE: list[str] = [
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 5_000 + "1" + "}" * 5_000,
    "9" * 5_000,
    "-" + "1" * 100,
    '"' + "x" * 100_000 + '"',
    "1e999999",
    "NaN",
    '"\\ud800"',
    "\ufeff{}",
]
"""Hostile JSON texts: nesting, long numbers, long strings, the edges of the grammar."""

SEEDS: dict[str, list[Any]] = {"capture": [CAPTURE_SEED], "cases": [CASE_FILE_SEED], "model": MODEL_SEEDS}


def strategy(target: str, seeds: Any = None) -> Any:
    """A Hypothesis strategy of inputs for *target*: bytes, JSON, mutated seeds and hostile texts.

    *seeds* is a strategy of valid documents to mutate; by default, the target's :data:`SEEDS`.
    """
    from hypothesis import strategies as st

    if seeds is None:
        seeds = st.sampled_from(SEEDS[target])

    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
    values = st.recursive(
        scalars,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
        max_leaves=20,
    )
    hostile = st.sampled_from(HOSTILE)

    @st.composite
    def mutated(draw: st.DrawFn) -> Any:
        copy = json.loads(json.dumps(draw(seeds)))
        node = copy
        for _ in range(draw(st.integers(0, 8))):
            keys = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
            if not keys:
                break
            key = draw(st.sampled_from(keys))
            if not isinstance(node[key], (dict, list)) or draw(st.integers(0, 3)) == 0:
                node[key] = draw(
                    values | hostile.map(lambda text: {"hostile": text}) | st.text(min_size=4000, max_size=6000)
                )
                break
            node = node[key]
        return copy

    return st.one_of(
        st.binary(max_size=300),
        st.text(max_size=300).map(lambda text: text.encode("utf-8", "surrogatepass")),
        values.map(lambda value: json.dumps(value).encode()),
        hostile.map(str.encode),
        mutated().map(lambda value: json.dumps(value).encode()),
        mutated().map(lambda value: json.dumps(value).encode()),
    )


# ---- running ------------------------------------------------------------------------------


def _one_input(targets: Sequence[str]) -> Callable[[bytes], None]:
    def run(data: bytes) -> None:
        started = time.monotonic()
        for name in targets:
            TARGETS[name](data)
        elapsed = time.monotonic() - started
        if elapsed > 5:
            raise AssertionError(f"{len(data)} bytes took {elapsed:.1f} s")

    return run


def _round(name: str) -> Callable[[], None]:
    """One Hypothesis run of 200 inputs for the target *name*."""
    from hypothesis import HealthCheck, given, settings

    check = TARGETS[name]

    @settings(max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(strategy(name))
    def round_(data: bytes) -> None:
        check(data)

    result: Callable[[], None] = round_
    return result


def _hypothesis(targets: Sequence[str], seconds: float) -> int:
    deadline = time.monotonic() + seconds
    rounds = {name: _round(name) for name in targets}
    count = 0
    while time.monotonic() < deadline:
        for run in rounds.values():
            run()
        count += 1
    print(f"fuzz_loaders: {count} rounds of 200 inputs for {', '.join(targets)}: no input broke a loader's promise")
    return 0


def _corpus(targets: Sequence[str]) -> str:
    """A new directory holding the seeds of *targets*, for libFuzzer to start from (and add to)."""
    directory = tempfile.mkdtemp(prefix="migcompat-corpus-")
    for name in targets:
        for index, seed in enumerate(SEEDS[name]):
            Path(directory, f"{name}-{index}.json").write_text(json.dumps(seed, indent=1))
    return directory


def _dictionary(targets: Sequence[str]) -> str:
    """A libFuzzer dictionary file: JSON punctuation, and every member name and short string of the seeds."""
    words = {"{", "}", "[", "]", ",", ":", '""', "true", "false", "null", "0", "-1", "1e9", "\\u0000"}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                words.add(json.dumps(key))
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and len(value) <= 40:
            words.add(json.dumps(value))

    for name in targets:
        for seed in SEEDS[name]:
            walk(seed)
    lines = ['"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"' for word in sorted(words)]
    handle, path = tempfile.mkstemp(prefix="migcompat-fuzz-", suffix=".dict")
    with open(handle, "w", encoding="ascii") as stream:
        stream.write("\n".join(lines) + "\n")
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Fuzz the loaders; see the module's documentation for the options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=["all", *TARGETS], default="all", help="the loader to fuzz")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long to run")
    parser.add_argument("--hypothesis", action="store_true", help="use Hypothesis even when atheris is installed")
    args, rest = parser.parse_known_args(argv)
    targets = list(TARGETS) if args.target == "all" else [args.target]
    try:
        if args.hypothesis:
            raise ImportError
        import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:
        return _hypothesis(targets, args.seconds)
    one = _one_input(targets)
    options = [f"-max_total_time={int(args.seconds)}", "-rss_limit_mb=2048", f"-dict={_dictionary(targets)}"]
    if not any(not arg.startswith("-") for arg in rest):  # no corpus directory and no input to replay
        rest.append(_corpus(targets))
    libfuzzer = [sys.argv[0], *options, *rest]
    atheris.instrument_all()
    atheris.Setup(libfuzzer, one)
    atheris.Fuzz()
    return 0  # pragma: no cover - atheris.Fuzz exits the process


if __name__ == "__main__":
    sys.exit(main())
