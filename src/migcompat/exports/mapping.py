"""An export's mapping document: written so that it can always be read back, and read back for a source's query.

A query is only as good as the export it refers to: :func:`read_mapping`
(a file) and :func:`parse_mapping` (bytes already read) return the classes
the export knew (identifier and canonical text), and :func:`classes_of` maps
sources to them, raising ``export-unknown-class`` for a source of a class the
export did not see. A mapping that was hand-edited or corrupted (a member
missing or of the wrong type, a class listed twice, an index that is not in
``classes`` or ``accept_sets``, a label prefix the export would not write...)
is refused with ``export-mapping-invalid``, the message naming the member
(``accept_sets[3][1]``).

Reading is bounded: at most :data:`MAPPING_READ_LIMIT` bytes are read, and
the JSON is decoded by :func:`migcompat.jsonmodel.decode_json` (the number of
values, nesting and integers bounded, a member twice refused). Writing keeps
to the same bounds: :func:`mapping_text` refuses a document the reader would
refuse as too large,
so that an export never writes a mapping its query cannot read.

Both formats (``migcompat-placement-traits`` and
``migcompat-kubernetes-labels``) are at version 3. Version 2 listed the
known classes once and gave each provider (or node) the *index* of its set
of accepted classes in ``accept_sets``, a list of the distinct sets, each a
sorted list of indices into ``classes``: the document grows with the
providers and with the distinct sets, not as providers times accepted
classes. Version 3 adds ``keys``: the keys the exported rules constrain, onto
which a class's description is projected (:func:`~migcompat.fleet.classes.export_class`), so
that a query projects its source the same way before it names its class; its
class texts are projected descriptions. The reader takes versions 1 and 2
as it always has: their classes are whole descriptions (no ``keys``, nothing
projected); version 1 has no ``accept_sets``: only its ``classes`` and a
Kubernetes mapping's ``prefix`` are checked.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import islice
from numbers import Number
from typing import Any, Final

from .. import terminals
from .._arguments import require
from .._files import FileTooLarge, NotARegularFile, read_regular
from .._jsondoc import json_text, pointer_token
from ..display import first_few
from ..emit import emit
from ..jsonmodel import MAX_JSON_VALUES, decode_json, json_values_over
from ..limits import MAX_KEY_BYTES
from ..model import MigrationVersion
from .errors import SPLIT_THE_FLEET, ExportError

__all__ = [
    "KEYS_VERSION",
    "MAPPING_READ_LIMIT",
    "MAPPING_VERSION",
    "READ_VERSIONS",
    "AcceptSets",
    "ExportMapping",
    "accepting",
    "classes_of",
    "mapping_text",
    "parse_mapping",
    "read_mapping",
]

MAPPING_READ_LIMIT: Final = 64 << 20
"""The largest mapping read, and written: 64 MiB (a class takes well under 1 KiB of it, a provider about 200 bytes)."""
MAPPING_VERSION: Final = 3
"""The version of the mapping documents the exports write (3: with ``keys``, classes projected onto them)."""
READ_VERSIONS: Final = (1, 2, 3)
"""The versions :func:`parse_mapping` reads; ``keys`` is read from version 3 on (before it, classes are whole)."""
KEYS_VERSION: Final = 3
"""The first version with ``keys``."""

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
    :data:`MAPPING_READ_LIMIT`, or holds more than
    :data:`~migcompat.jsonmodel.MAX_JSON_VALUES` values, which the queries
    would refuse to read: the writer never writes what the reader cannot
    read. *name* is how the message names the mapping.
    """
    text = json.dumps(document, indent=2, ensure_ascii=True)
    # Inside a JSON string a line break is always escaped, so a bracket, a line break and digits is a list.
    text = _INT_LIST.sub(lambda found: "[" + _SPACE.sub("", found.group(1)).replace(",", ", ") + "]", text) + "\n"
    if len(text) > MAPPING_READ_LIMIT:
        raise ExportError(
            "export-mapping-invalid",
            f"the mapping {name} would be {len(text)} bytes, more than the {MAPPING_READ_LIMIT} the queries read;"
            f" {SPLIT_THE_FLEET}",
            where=name,
        )
    values = json_values_over(text, MAX_JSON_VALUES)
    if values is not None:
        raise ExportError(
            "export-mapping-invalid",
            f"the mapping {name} would hold {values} JSON values, more than the {MAX_JSON_VALUES} the queries"
            f" decode; {SPLIT_THE_FLEET}",
            where=name,
        )
    return text


@dataclass(frozen=True)
class ExportMapping:
    """A mapping document read back: its format, the classes it knew (id -> canonical text) and its members.

    *keys* is the document's ``keys`` (version 3 on): the keys its classes'
    descriptions are projected onto; None for versions 1 and 2, whose classes
    are whole descriptions.
    """

    format: str
    classes: Mapping[str, str]
    document: Mapping[str, Any]
    keys: frozenset[str] | None = None


def _fail(path: str, message: str, pointer: str = "") -> ExportError:
    return ExportError("export-mapping-invalid", message, where=f"{path}{'#' + pointer if pointer else ''}")


def read_mapping(path: str, expected_format: str) -> ExportMapping:
    """The mapping document in the file *path*, which must be of *expected_format*; ``export-mapping-invalid`` else.

    Only a regular file of at most :data:`MAPPING_READ_LIMIT` bytes is read
    (:func:`migcompat._files.read_regular`): a FIFO or a device is refused
    unopened, rather than waited on or read for ever. (The command line
    reads ``-`` and pipes with its own bounded reader, then calls
    :func:`parse_mapping`.)
    """
    try:
        data = read_regular(path, MAPPING_READ_LIMIT)
    except FileTooLarge as exc:
        if exc.size is None:
            raise _fail(path, f"{path} is more than {MAPPING_READ_LIMIT} bytes") from None
        raise _fail(path, f"{path} is {exc.size} bytes, more than {MAPPING_READ_LIMIT}") from None
    except NotARegularFile as exc:
        raise _fail(path, f"{path} is {exc.strerror}") from None
    except OSError as exc:
        raise _fail(path, f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:  # an embedded NUL
        raise _fail(path, f"cannot read {path}: {exc}") from None
    return parse_mapping(data, path, expected_format)


def parse_mapping(data: bytes | bytearray, path: str, expected_format: str) -> ExportMapping:
    """The mapping document *data* (read from *path*, which messages name); ``export-mapping-invalid`` unless valid.

    The document must be a JSON object of *expected_format*, at a version of
    :data:`READ_VERSIONS`, whose members are as the export writes them:

    * ``classes``: an array of objects, each with the strings ``class`` (a
      class identifier, 32 upper-case hexadecimal digits, no two alike) and
      ``text``;
    * of version 3: ``keys``, an array of keys (each one the grammar's
      KEY), in ascending order, none twice: what the classes are projected
      onto;
    * of a Kubernetes mapping (``migcompat-kubernetes-labels``): ``prefix``,
      a string that is a label prefix the export accepts
      (:class:`~migcompat.exports.kubernetes.LabelScheme`);
    * of version 2: ``accept_sets``, an array of sets, each an array of
      indices in ``classes`` in ascending order, none twice and no set
      twice; of a Kubernetes mapping, each class's ``has_label`` and
      ``accepts_label``, the labels of its identifier under ``prefix``, and
      ``nodes``, an object giving each node ``has`` (indices in ``classes``,
      ascending) and ``accepts`` (an index in ``accept_sets``); of a
      Placement mapping (``migcompat-placement-traits``), ``traits``, an
      object giving each trait ``relation`` (``accepts`` or ``is``) and
      ``class`` (an identifier of ``classes``), and ``providers``, an array
      of objects, each with ``is`` (null or an index in ``classes``) and
      ``accepts`` (an index in ``accept_sets``).

    Other members, and the descriptive members of the entries (``scope``, a
    provider's host and resource provider...), are not read. The message of
    an error names the member as a path from the document's root (for
    example ``accept_sets[3][1]``, ``nodes["node-1"].accepts``); its *where*
    is *path* and a JSON Pointer to it (``#/accept_sets/3/1``).
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
        raise _fail(path, f"{path} is {_shown(document)}, not a JSON object: not a mapping migcompat wrote")
    version = document.get("version")
    if document.get("format") != expected_format or type(version) is not int or version not in READ_VERSIONS:
        raise _fail(
            path,
            f"{path} is not a {expected_format} document of version {_versions()}"
            f" (format {_brief(document.get('format'))}, version {_brief(version)})",
            "/format" if document.get("format") != expected_format else "/version",
        )
    return _Reader(path, document, version).read(expected_format)


def _versions() -> str:
    """:data:`READ_VERSIONS` for a message: ``1, 2 or 3``."""
    *first, last = map(str, READ_VERSIONS)
    return f"{', '.join(first)} or {last}" if first else last


_ROOT: Final = ("", "")
"""The location of the document itself: (path as messages show it, JSON Pointer)."""
_SHOWN_LENGTH: Final = 80
"""How much of a value, or of an object's member name, a message shows."""
_PLAIN_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CLASS_ID: Final = re.compile(r"[0-9A-F]{32}\Z")
_KEY: Final = re.compile(terminals.KEY + r"\Z")
_RELATIONS: Final = ("accepts", "is")


def _cut(text: str) -> str:
    return text if len(text) <= _SHOWN_LENGTH else text[:_SHOWN_LENGTH] + "..."


def _brief(value: object) -> str:
    """*value* as JSON text, cut at :data:`_SHOWN_LENGTH` characters."""
    return _cut(json_text(value, ensure_ascii=True))


def _shown(value: object) -> str:
    """*value* as a message names it: ``null``, ``true``, or its JSON type and (cut) text (``the JSON string "x"``)."""
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, Number):
        kind = "number"
    else:
        kind = "string" if isinstance(value, str) else "array" if isinstance(value, list) else "object"
    return f"the JSON {kind} {_brief(value)}"


def _item(at: tuple[str, str], number: int) -> tuple[str, str]:
    """The location of the element *number* of the array at *at*."""
    return f"{at[0]}[{number}]", f"{at[1]}/{number}"


def _member(at: tuple[str, str], name: str) -> tuple[str, str]:
    """The location of the member *name* of the object at *at* (``a.b``, or ``a["b c"]`` for another name)."""
    shown = (f"{at[0]}.{name}" if at[0] else name) if _PLAIN_NAME.match(name) else f"{at[0]}[{_brief(name)}]"
    return shown, f"{at[1]}/{pointer_token(name)}"


class _Reader:
    """The checks of :func:`parse_mapping` on one decoded *document*; each failure names the member and where."""

    def __init__(self, path: str, document: dict[str, Any], version: int) -> None:
        self.path = path
        self.document = document
        self.version = version

    def fail(self, at: tuple[str, str], problem: str) -> ExportError:
        """``export-mapping-invalid``: the member at *at* (a path and a JSON Pointer) *problem*."""
        return _fail(self.path, f"{self.path}: {at[0]} {problem}", at[1])

    def member(self, value: dict[str, Any], at: tuple[str, str], name: str) -> Any:
        """The member *name* of the object *value* at *at*, which must be there."""
        if name not in value:
            raise self.fail(_member(at, name), "is missing")
        return value[name]

    def array_at(self, value: object, at: tuple[str, str], what: str) -> list[Any]:
        """*value* (at *at*), which must be an array of *what*."""
        if not isinstance(value, list):
            raise self.fail(at, f"is {_shown(value)}, not an array of {what}")
        return value

    def object_at(self, value: object, at: tuple[str, str], what: str) -> dict[str, Any]:
        """*value* (at *at*), which must be an object: *what*."""
        if not isinstance(value, dict):
            raise self.fail(at, f"is {_shown(value)}, not an object: {what}")
        return value

    def string(self, value: dict[str, Any], at: tuple[str, str], name: str, what: str) -> str:
        """The member *name* of the object *value* at *at*, which must be a string: *what*."""
        found = self.member(value, at, name)
        if not isinstance(found, str):
            raise self.fail(_member(at, name), f"is {_shown(found)}, not a string: {what}")
        return found

    def index(self, value: object, at: tuple[str, str], count: int, of: str) -> int:
        """*value* (at *at*), which must be an index in the array *of* of *count* elements."""
        if type(value) is not int:
            raise self.fail(at, f"is {_shown(value)}, not an index in {of}")
        if not 0 <= value < count:
            has = f"0 to {count - 1}" if count else "none"
            raise self.fail(at, f"is {value}, not an index in {of}, which has {count} (indices {has})")
        return value

    def indices(self, value: object, at: tuple[str, str], count: int, of: str) -> tuple[int, ...]:
        """*value* (at *at*), which must be an array of indices in the array *of* of *count*, ascending, none twice."""
        listed = self.array_at(value, at, f"indices in {of}")
        if not listed or (
            all(type(entry) is int for entry in listed)
            and listed[0] >= 0
            and listed[-1] < count
            and all(map(int.__lt__, listed, islice(listed, 1, None)))
        ):
            return tuple(listed)  # the usual case, at a fraction of the cost of the checks below that say what is wrong
        found: list[int] = []
        for number, entry in enumerate(listed):
            index = self.index(entry, _item(at, number), count, of)
            if found and index <= found[-1]:
                if index in found:
                    first = _item(at, found.index(index))[0]
                    raise self.fail(_item(at, number), f"is {index}, a duplicate of {first}: a set lists an index once")
                raise self.fail(
                    _item(at, number), f"is {index}, after {found[-1]}: the indices are listed in ascending order"
                )
            found.append(index)
        return tuple(found)

    def read(self, expected_format: str) -> ExportMapping:
        """The mapping, once every member the format and version have (see :func:`parse_mapping`) is checked."""
        from .kubernetes import MAPPING_FORMAT as KUBERNETES
        from .placement import MAPPING_FORMAT as PLACEMENT

        classes_at = _member(_ROOT, "classes")
        classes = self.array_at(self.member(self.document, _ROOT, "classes"), classes_at, "classes")
        known: dict[str, str] = {}
        ids: list[str] = []
        first: dict[str, int] = {}
        for number, value in enumerate(classes):
            at = _item(classes_at, number)
            entry = self.object_at(value, at, "a class, with the strings 'class' and 'text'")
            ident = self.string(entry, at, "class", "a class identifier")
            if not _CLASS_ID.match(ident):
                raise self.fail(
                    _member(at, "class"),
                    f"is {_shown(ident)}, not a class identifier (32 upper-case hexadecimal digits)",
                )
            if ident in first:
                raise self.fail(
                    _member(at, "class"),
                    f"is {ident}, a duplicate of {_member(_item(classes_at, first[ident]), 'class')[0]}:"
                    " each class is listed once",
                )
            first[ident] = number
            known[ident] = self.string(entry, at, "text", "the class's canonical migration_version")
            ids.append(ident)
        keys = self.keys() if self.version >= KEYS_VERSION else None
        sets = self.accept_sets(len(ids)) if self.version >= 2 else None
        if expected_format == KUBERNETES:
            self.kubernetes(ids, sets)
        elif expected_format == PLACEMENT and sets is not None:
            self.placement(known, sets)
        return ExportMapping(expected_format, known, self.document, keys)

    def keys(self) -> frozenset[str]:
        """The ``keys`` member (version 3 on): keys of the grammar, ascending, none twice."""
        at = _member(_ROOT, "keys")
        listed = self.array_at(self.member(self.document, _ROOT, "keys"), at, "keys")
        for number, key in enumerate(listed):
            if not isinstance(key, str) or len(key) > MAX_KEY_BYTES or not _KEY.match(key):
                raise self.fail(
                    _item(at, number),
                    f"is {_shown(key)}, not a key (lower-case letters, digits and '_', at most one '.', at most"
                    f" {MAX_KEY_BYTES} characters)",
                )
            if number and key <= listed[number - 1]:
                what = (
                    f"a duplicate of {_item(at, listed.index(key))[0]}: a key is listed once"
                    if key in listed[:number]
                    else f"after {_brief(listed[number - 1])}: the keys are listed in ascending order"
                )
                raise self.fail(_item(at, number), f"is {_brief(key)}, {what}")
        return frozenset(listed)

    def accept_sets(self, classes: int) -> int:
        """How many sets ``accept_sets`` lists, once each is checked: indices in ``classes``, no set twice."""
        at = _member(_ROOT, "accept_sets")
        sets = self.array_at(self.member(self.document, _ROOT, "accept_sets"), at, "sets of indices in classes")
        seen: dict[tuple[int, ...], int] = {}
        for number, value in enumerate(sets):
            key = self.indices(value, _item(at, number), classes, "classes")
            if key in seen:
                raise self.fail(
                    _item(at, number),
                    f"is a duplicate of {_item(at, seen[key])[0]}, the same set: each set is listed once",
                )
            seen[key] = number
        return len(sets)

    def kubernetes(self, ids: list[str], sets: int | None) -> None:
        """The members of a Kubernetes mapping: ``prefix``; with *sets* (version 2), the labels and ``nodes``."""
        from .kubernetes import LabelScheme

        at = _member(_ROOT, "prefix")
        prefix = self.member(self.document, _ROOT, "prefix")
        if not isinstance(prefix, str):
            raise self.fail(at, f"is {_shown(prefix)}, not a string: the DNS prefix of the labels")
        try:
            scheme = LabelScheme(prefix)
        except ExportError as exc:
            raise self.fail(at, f"is not a prefix the export writes: {exc.message}") from None
        if sets is None:
            return
        classes_at = _member(_ROOT, "classes")
        for number, ident in enumerate(ids):
            entry = self.document["classes"][number]
            for name, start in (("has_label", scheme.has_prefix), ("accepts_label", scheme.accepts_prefix)):
                label = self.string(entry, _item(classes_at, number), name, "a label key")
                if label != f"{start}/{ident}":
                    raise self.fail(
                        _member(_item(classes_at, number), name),
                        f"is {_shown(label)}, not {start}/{ident}, the label of its class under the prefix"
                        f" {prefix!r}: the mapping's labels and its prefix disagree",
                    )
        nodes_at = _member(_ROOT, "nodes")
        nodes = self.object_at(self.member(self.document, _ROOT, "nodes"), nodes_at, "node name -> its classes")
        for node, value in nodes.items():
            at = _member(nodes_at, node)
            entry = self.object_at(value, at, "a node, with 'has' and 'accepts'")
            self.indices(self.member(entry, at, "has"), _member(at, "has"), len(ids), "classes")
            self.index(self.member(entry, at, "accepts"), _member(at, "accepts"), sets, "accept_sets")

    def placement(self, known: Mapping[str, str], sets: int) -> None:
        """The members of a Placement mapping of version 2, of *sets* accepted sets: ``traits`` and ``providers``."""
        traits_at = _member(_ROOT, "traits")
        traits = self.object_at(self.member(self.document, _ROOT, "traits"), traits_at, "trait name -> its class")
        for trait, value in traits.items():
            at = _member(traits_at, trait)
            entry = self.object_at(value, at, "a trait, with 'relation' and 'class'")
            relation = self.string(entry, at, "relation", "'accepts' or 'is'")
            if relation not in _RELATIONS:
                raise self.fail(_member(at, "relation"), f"is {_shown(relation)}, not 'accepts' or 'is'")
            ident = self.string(entry, at, "class", "a class identifier")
            if ident not in known:
                raise self.fail(
                    _member(at, "class"), f"is {_shown(ident)}, which is not the class of an entry of classes"
                )
        providers_at = _member(_ROOT, "providers")
        providers = self.array_at(self.member(self.document, _ROOT, "providers"), providers_at, "providers")
        for number, value in enumerate(providers):
            at = _item(providers_at, number)
            entry = self.object_at(value, at, "a provider, with 'is' and 'accepts'")
            own = self.member(entry, at, "is")
            if own is not None:
                self.index(own, _member(at, "is"), len(known), "classes")
            self.index(self.member(entry, at, "accepts"), _member(at, "accepts"), sets, "accept_sets")


def classes_of(mapping: ExportMapping, sources: Iterable[tuple[str, MigrationVersion]]) -> list[str]:
    """The class identifier of each named source, all of which the export must know.

    A source is projected onto the mapping's *keys* (:class:`ExportMapping`)
    first (:func:`~migcompat.fleet.classes.export_class`), as the export projected its classes:
    a source that differs from a class only in non-critical fields that no
    exported rule reads is of that class. (A mapping of version 1 or 2 has no
    keys: the source's whole description names its class, as those exports
    named theirs.) A source whose class the export did not see -- a critical
    field, or a field some exported rule reads, that no class has -- raises
    ``export-unknown-class`` naming every such source: re-export with the
    current inventory, or ask ``migcompat match`` online. A known identifier
    whose recorded text differs from the source's projected canonical text (a
    digest collision, or an edited mapping) is refused the same way. A
    source that is not a :class:`~migcompat.model.MigrationVersion` raises
    :class:`TypeError`.
    """
    from ..fleet.classes import class_id, export_class

    keys = mapping.keys
    ids: list[str] = []
    unknown: list[str] = []
    for name, version in sources:
        require(f"the source {name!r}", version, MigrationVersion)
        if keys is None:
            ident, projected = class_id(version), version
        else:
            ident, projected = export_class(version, keys)
        if mapping.classes.get(ident) != emit(projected):
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


def accepting(mapping: ExportMapping, class_ids: Iterable[str], *, any_of: bool = False) -> list[str] | None:
    """The entries of *mapping* that accept every class of *class_ids* (with *any_of*, one): what a query finds.

    The entries are a Kubernetes mapping's nodes (by name, sorted) or a
    Placement mapping's providers mapped to a resource provider (by
    resource provider, ``name:N`` or ``uuid:U``, sorted, each once): the
    nodes a label affinity admits, the resource providers a trait query
    returns. None for a version 1 mapping, which has no ``accept_sets`` to
    count with. The mapping must have been checked by :func:`parse_mapping`.
    A class identifier the mapping lacks (one typed by hand, or of another
    export) raises ``export-unknown-class`` naming each; *class_ids* given as
    one string, or holding anything but strings, raises :class:`TypeError`.
    """
    class_ids = list(class_ids) if not isinstance(class_ids, str) else class_ids
    if isinstance(class_ids, str) or not all(isinstance(ident, str) for ident in class_ids):
        raise TypeError("class_ids must be an iterable of class identifiers (str), such as classes_of() returns")
    if "accept_sets" not in mapping.document:
        return None
    position = {ident: number for number, ident in enumerate(entry["class"] for entry in mapping.document["classes"])}
    unknown = sorted({ident for ident in class_ids if ident not in position})
    if unknown:
        raise ExportError(
            "export-unknown-class",
            f"the export has no class {first_few([repr(ident) for ident in unknown], 3)}: give identifiers that"
            " classes_of() returns for this mapping",
            where=unknown[0],
        )
    wanted = {position[ident] for ident in class_ids}
    sets = [set(indices) for indices in mapping.document["accept_sets"]]
    fits = [(bool(wanted & found) if any_of else wanted <= found) for found in sets]
    if "nodes" in mapping.document:
        return sorted(node for node, entry in mapping.document["nodes"].items() if fits[entry["accepts"]])
    found_rps: set[str] = set()
    for entry in mapping.document.get("providers", ()):
        target = entry.get("resource_provider")
        if fits[entry["accepts"]] and isinstance(target, dict) and len(target) == 1:
            ((how, value),) = target.items()
            found_rps.add(f"{how}:{value}")
    return sorted(found_rps)
