"""Reading back an export's mapping document, for the queries of a source.

A query is only as good as the export it refers to: :func:`read_mapping`
returns the classes the export knew (identifier and canonical text), and
:func:`classes_of` maps sources to them, raising ``export-unknown-class`` for
a source of a class the export did not see.

Reading is bounded: only a regular file of at most :data:`MAPPING_READ_LIMIT`
bytes is read, and the JSON is decoded by
:func:`migcompat.jsonmodel.decode_json` (nesting and integers bounded).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..emit import emit
from ..jsonmodel import decode_json
from ..model import MigrationVersion
from .errors import ExportError

__all__ = ["MAPPING_READ_LIMIT", "ExportMapping", "classes_of", "read_mapping"]

MAPPING_READ_LIMIT: Final = 64 << 20
"""The largest mapping file read: 64 MiB (a class takes well under 1 KiB of it, a provider a few hundred bytes)."""


@dataclass(frozen=True)
class ExportMapping:
    """A mapping document read back: its format, the classes it knew (id -> canonical text) and its members."""

    format: str
    classes: Mapping[str, str]
    document: Mapping[str, Any]


def _fail(path: str, message: str, pointer: str = "") -> ExportError:
    return ExportError("export-mapping-invalid", message, where=f"{path}{'#' + pointer if pointer else ''}")


def read_mapping(path: str, expected_format: str) -> ExportMapping:
    """The mapping document at *path*, which must be of *expected_format*; ``export-mapping-invalid`` otherwise."""
    try:
        with open(path, "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise _fail(path, f"{path} is not a regular file")
            if info.st_size > MAPPING_READ_LIMIT:
                raise _fail(path, f"{path} is {info.st_size} bytes, more than {MAPPING_READ_LIMIT}")
            data = stream.read(MAPPING_READ_LIMIT + 1)
    except OSError as exc:
        raise _fail(path, f"cannot read {path}: {exc.strerror or exc}") from None

    def error(message: str, line: int | None, column: int | None) -> ExportError:
        where = f" (line {line}, column {column})" if line is not None else ""
        return _fail(path, f"{path} is not JSON: {message}{where}")

    document = decode_json(data, error, strict=True)
    if not isinstance(document, dict):
        raise _fail(path, "the mapping is not a JSON object")
    if document.get("format") != expected_format or document.get("version") != 1:
        raise _fail(path, f"not a {expected_format} document, version 1 (format {document.get('format')!r})", "/format")
    classes = document.get("classes")
    if not isinstance(classes, list):
        raise _fail(path, "'classes' is not a list", "/classes")
    known: dict[str, str] = {}
    for number, entry in enumerate(classes):
        if not (isinstance(entry, dict) and isinstance(entry.get("class"), str) and isinstance(entry.get("text"), str)):
            raise _fail(path, "a class entry needs the strings 'class' and 'text'", f"/classes/{number}")
        known[entry["class"]] = entry["text"]
    return ExportMapping(expected_format, known, document)


def classes_of(mapping: ExportMapping, sources: Iterable[tuple[str, MigrationVersion]]) -> list[str]:
    """The class identifier of each named source, all of which the export must know.

    A source whose class the export did not see raises ``export-unknown-class``
    naming every such source: re-export with the current inventory, or ask
    ``migcompat match`` online. A known identifier whose recorded text
    differs from the source's canonical text (a digest collision, or an
    edited mapping) is refused the same way.
    """
    from ..fleet.classes import class_id

    ids: list[str] = []
    unknown: list[str] = []
    for name, version in sources:
        ident = class_id(version)
        if mapping.classes.get(ident) != emit(version):
            unknown.append(name)
        ids.append(ident)
    if unknown:
        raise ExportError(
            "export-unknown-class",
            f"the export does not know the class of {', '.join(unknown)}: it covers only the classes seen when it was"
            " made; export again with the current inventory, or ask 'migcompat match' online",
            where=unknown[0],
        )
    return ids
