"""The normative files this package loads: the grammar and the JSON Schemas.

They live once, at the top of the source tree (``grammar/`` and
``spec/schema/``); the wheel carries them under ``migcompat/_data/``. From a
source checkout that has not been built, they are read from the tree itself.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

__all__ = ["data_path", "grammar_text", "samples_path"]

_SOURCE_TREE = {
    "migcompat.lark": ("grammar", "migcompat.lark"),
    "data-model.schema.json": ("spec", "schema", "data-model.schema.json"),
}


def data_path(name: str) -> Path:
    """The path of the normative file *name* (``migcompat.lark`` or a schema)."""
    packaged = resources.files("migcompat").joinpath("_data").joinpath(name)
    if packaged.is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2].joinpath(*_SOURCE_TREE.get(name, ("spec", "schema", name)))
    if checkout.is_file():
        return checkout
    raise FileNotFoundError(f"migcompat is installed without its data file {name!r}")


@cache
def grammar_text() -> str:
    """The text of ``grammar/migcompat.lark``."""
    return data_path("migcompat.lark").read_text(encoding="ascii")


def samples_path() -> Path:
    """The directory of the conformance suite's bundled sample hosts (``conformance/samples/``)."""
    packaged = resources.files("migcompat").joinpath("_data").joinpath("samples")
    if packaged.is_dir():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2].joinpath("conformance", "samples")
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError("migcompat is installed without its conformance samples")
