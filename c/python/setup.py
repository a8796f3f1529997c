"""Build of the migcompat_accel extension module: migcompat_accel.c and libmigcompat's parser sources.

The C sources of libmigcompat live in ``../lib`` (the same tree), so the project is built from the
migcompat source tree (``pip install ./c/python``), not from an sdist of this directory alone.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import Extension, setup

HERE = Path(__file__).resolve().parent
LIB = HERE.parent / "lib"
# The parser and what it calls; check.c (the verdict) is not needed.
LIB_SOURCES = ["util.c", "values.c", "parse.c", "validate.c", "api.c"]

missing = [name for name in LIB_SOURCES if not (LIB / "src" / name).is_file()]
if missing:
    raise SystemExit(
        f"migcompat-accel: libmigcompat's sources are not in {LIB / 'src'} (missing {', '.join(missing)}); "
        "build it from the migcompat source tree: pip install ./c/python"
    )

VERSION = "1.0.0"

setup(
    ext_modules=[
        Extension(
            "migcompat_accel",
            # Relative to this directory (setuptools wants relative source paths); the lib's by ../lib.
            sources=["migcompat_accel.c", *(f"../lib/src/{name}" for name in LIB_SOURCES)],
            include_dirs=[str(LIB / "include"), str(LIB / "src")],
            # MC_API empty: libmigcompat's functions are hidden like the rest (-fvisibility=hidden), so the
            # module exports PyInit_migcompat_accel only and cannot clash with a libmigcompat.so in the process.
            define_macros=[("MIGCOMPAT_ACCEL_VERSION", f'"{VERSION}"'), ("MC_API", "")],
            extra_compile_args=["-std=c11", "-O2", "-fvisibility=hidden"],
        )
    ],
)
