"""Where the conformance cases, the specification and the schemas are.

From a source checkout they are read from the tree (``conformance/cases/``,
``spec/migcompat.rst``, ``spec/schema/``); an installed wheel carries them
under ``migcompat/_data/``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Final

from ..resources import data_path

__all__ = ["SPEC_FILE", "default_cases_dir", "default_spec_path", "schema_path"]

SPEC_FILE: Final = "migcompat.rst"
_ROOT: Final = Path(__file__).resolve().parents[3]


def _packaged(name: str) -> Path | None:
    candidate = resources.files("migcompat").joinpath("_data").joinpath(name)
    path = Path(str(candidate))
    return path if path.exists() else None


def default_cases_dir() -> Path:
    """The directory of the conformance case files."""
    return _packaged("cases") or _ROOT / "conformance" / "cases"


def default_spec_path() -> Path:
    """The specification's reStructuredText source."""
    return _packaged(SPEC_FILE) or _ROOT / "spec" / SPEC_FILE


def schema_path(name: str) -> Path:
    """The JSON Schema file *name* (``case-file.schema.json``, ``protocol-request.schema.json``, ...)."""
    return data_path(name)
