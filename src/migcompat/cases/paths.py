"""Where the conformance cases, the specification and the schemas are.

From a source checkout they are read from the tree (``conformance/cases/``,
``spec/migcompat.rst``, ``spec/schema/``); an installed wheel carries them
under ``migcompat/_data/``. Only a source checkout's cases are ever written
by default (``migcompat cases extract``): an installed package's data is not
a place to write.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Final

from ..resources import data_path

__all__ = ["SPEC_FILE", "default_cases_dir", "default_spec_path", "schema_path", "source_checkout"]

SPEC_FILE: Final = "migcompat.rst"
_ROOT: Final = Path(__file__).resolve().parents[3]
_SOURCE_DIR: Final = "src"


def _packaged(name: str) -> Path | None:
    candidate = resources.files("migcompat").joinpath("_data").joinpath(name)
    path = Path(str(candidate))
    return path if path.exists() else None


def default_cases_dir() -> Path:
    """The directory of the conformance case files."""
    return _packaged("cases") or _ROOT / "conformance" / "cases"


def source_checkout() -> Path | None:
    """The top of the source checkout migcompat runs from, or None when it runs from an installed package.

    migcompat runs from a source checkout (an editable install, or ``src/``
    on the Python path) when this module is ``src/migcompat/cases/paths.py``
    of a tree that also holds ``pyproject.toml``, ``conformance/cases/`` and
    ``spec/migcompat.rst``, and the package carries no ``_data/cases`` of its
    own. An installed wheel lies in ``site-packages``, which is none of these.
    """
    module = Path(__file__).resolve()
    if module.parents[2].name != _SOURCE_DIR or _packaged("cases") is not None:
        return None
    required = (_ROOT / "pyproject.toml", _ROOT / "spec" / SPEC_FILE)
    if not all(path.is_file() for path in required) or not (_ROOT / "conformance" / "cases").is_dir():
        return None
    return _ROOT


def default_spec_path() -> Path:
    """The specification's reStructuredText source."""
    return _packaged(SPEC_FILE) or _ROOT / "spec" / SPEC_FILE


def schema_path(name: str) -> Path:
    """The JSON Schema file *name* (``case-file.schema.json``, ``protocol-request.schema.json``, ...)."""
    return data_path(name)
