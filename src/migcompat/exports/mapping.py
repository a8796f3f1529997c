"""An export's mapping document: written so that it can always be read back, and read back for a source's query.

A query is only as good as the export it refers to: :func:`read_mapping`
(a file) and :func:`parse_mapping` (bytes already read) return the classes
the export knew (identifier and canonical text), and :func:`classes_of` maps
sources to them, raising ``export-unknown-class`` for a source of a class the
export did not see.

Reading is bounded: at most :data:`MAPPING_READ_LIMIT` bytes are read, and
the JSON is decoded by :func:`migcompat.jsonmodel.decode_json` (nesting and
integers bounded, a member twice refused). Writing keeps to the same bound:
:func:`mapping_text` refuses a document the reader would refuse as too large,
so that an export never writes a mapping its query cannot read.

Both formats (``migcompat-placement-traits`` and
``migcompat-kubernetes-labels``) are at version 2, which lists the known
classes once and gives each provider (or node) the *index* of its set of
accepted classes in ``accept_sets``, a list of the distinct sets, each a
sorted list of indices into ``classes``: the document grows with the
providers and with the distinct sets, not as providers times accepted
classes. The reader takes version 1 too (it reads only ``classes``, which
version 2 did not change).
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from ..emit import emit
from ..jsonmodel import decode_json
from ..model import MigrationVersion
from .errors import ExportError

__all__ = [
    "MAPPING_READ_LIMIT",
    "MAPPING_VERSION",
    "READ_VERSIONS",
    "AcceptSets",
    "ExportMapping",
    "classes_of",
    "mapping_text",
    "parse_mapping",
    "read_mapping",
]

MAPPING_READ_LIMIT: Final = 64 << 20
"""The largest mapping read, and written: 64 MiB (a class takes well under 1 KiB of it, a provider about 200 bytes)."""
MAPPING_VERSION: Final = 2
"""The version of the mapping documents the exports write."""
READ_VERSIONS: Final = (1, 2)
"""The versions :func:`parse_mapping` reads: only ``classes`` is read, the same in both."""

_OPEN_FLAGS: Final = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_INT_LIST: Final = re.compile(r"\[\n\s*(-?\d+(?:,\n\s*-?\d+)*)\n\s*\]")
_SPACE: Final = re.compile(r"\s+")


class AcceptSets:
    """The distinct sets of accepted classes of an export, each a sorted list of class indices, numbered in order.

    :meth:`index` numbers a set the first time it is seen; :meth:`to_json` is
    the ``accept_sets`` member.
    """

    def __init__(self, classes: Iterable[str]) -> None:
        self._position = {class_id: number for number, class_id in enumerate(classes)}
        self._sets: dict[tuple[int, ...], int] = {}

    def position(self, class_id: str) -> int:
        """The index of *class_id* in the document's ``classes``."""
        return self._position[class_id]

    def index(self, class_ids: Iterable[str]) -> int:
        """The index in ``accept_sets`` of the set *class_ids*, numbered when first seen."""
        key = tuple(sorted(self._position[class_id] for class_id in class_ids))
        return self._sets.setdefault(key, len(self._sets))

    def to_json(self) -> list[list[int]]:
        """The ``accept_sets`` member: every distinct set, in the order first seen."""
        return [list(key) for key in self._sets]


def mapping_text(document: Mapping[str, Any], name: str) -> str:
    """*document* as the text of a mapping file (indented JSON, ASCII, lists of indices on one line, final newline).

    Raises ``export-mapping-invalid`` when the text is longer than
    :data:`MAPPING_READ_LIMIT`, which the queries would refuse to read: the
    writer never writes what the reader cannot read. *name* is how the
    message names the mapping.
    """
    text = json.dumps(document, indent=2, ensure_ascii=True)
    # Inside a JSON string a line break is always escaped, so a bracket, a line break and digits is a list.
    text = _INT_LIST.sub(lambda found: "[" + _SPACE.sub("", found.group(1)).replace(",", ", ") + "]", text) + "\n"
    if len(text) > MAPPING_READ_LIMIT:
        raise ExportError(
            "export-mapping-invalid",
            f"the mapping {name} would be {len(text)} bytes, more than the {MAPPING_READ_LIMIT} the queries read;"
            " export part of the fleet at a time (fewer captures, or --enabled-type)",
            where=name,
        )
    return text


@dataclass(frozen=True)
class ExportMapping:
    """A mapping document read back: its format, the classes it knew (id -> canonical text) and its members."""

    format: str
    classes: Mapping[str, str]
    document: Mapping[str, Any]


def _fail(path: str, message: str, pointer: str = "") -> ExportError:
    return ExportError("export-mapping-invalid", message, where=f"{path}{'#' + pointer if pointer else ''}")


def read_mapping(path: str, expected_format: str) -> ExportMapping:
    """The mapping document in the file *path*, which must be of *expected_format*; ``export-mapping-invalid`` else.

    Only a regular file of at most :data:`MAPPING_READ_LIMIT` bytes is read;
    it is opened without blocking, so a FIFO is refused unread rather than
    waited on. (The command line reads ``-`` and pipes with its own bounded
    reader, then calls :func:`parse_mapping`.)
    """
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise _fail(path, f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # an embedded NUL
        raise _fail(path, f"cannot read {path}: {exc}") from None
    try:
        with open(descriptor, "rb") as stream:
            info = os.fstat(stream.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise _fail(path, f"{path} is not a regular file")
            if info.st_size > MAPPING_READ_LIMIT:
                raise _fail(path, f"{path} is {info.st_size} bytes, more than {MAPPING_READ_LIMIT}")
            os.set_blocking(stream.fileno(), True)
            data = stream.read(MAPPING_READ_LIMIT + 1)
    except OSError as exc:
        raise _fail(path, f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAPPING_READ_LIMIT:
        raise _fail(path, f"{path} is more than {MAPPING_READ_LIMIT} bytes")
    return parse_mapping(data, path, expected_format)


def parse_mapping(data: bytes, path: str, expected_format: str) -> ExportMapping:
    """The mapping document *data* (read from *path*, which messages name); ``export-mapping-invalid`` unless valid.

    The document must be of *expected_format*, at a version of
    :data:`READ_VERSIONS`, with ``classes`` a list of objects holding the
    strings ``class`` and ``text``.
    """

    def error(message: str, line: int | None, column: int | None) -> ExportError:
        where = f" (line {line}, column {column})" if line is not None else ""
        return _fail(path, f"{path} is not JSON: {message}{where}")

    if len(data) > MAPPING_READ_LIMIT:
        raise _fail(path, f"{path} is more than {MAPPING_READ_LIMIT} bytes")
    if not data.strip():
        raise _fail(path, f"{path} is empty")
    document = decode_json(data, error, strict=True)
    if not isinstance(document, dict):
        raise _fail(path, "the mapping is not a JSON object")
    version = document.get("version")
    if document.get("format") != expected_format or type(version) is not int or version not in READ_VERSIONS:
        raise _fail(
            path,
            f"not a {expected_format} document of version {' or '.join(map(str, READ_VERSIONS))}"
            f" (format {document.get('format')!r}, version {version!r})",
            "/format",
        )
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
