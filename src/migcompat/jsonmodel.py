"""The JSON data model (specification clause 5.8): :func:`to_json` and :func:`from_json`.

A parsed attribute has a JSON form that the schema ``data-model.schema.json``
(``$id`` :data:`SCHEMA_ID`) describes. Every value is tagged with its type, and
integers, versions and ratios are strings so that 64-bit values survive
JavaScript::

    >>> import migcompat
    >>> to_json(migcompat.parse("mc1 device_api=vfio-pci ~share=1/2"))["fields"]["share"]
    {'critical': False, 'value': {'type': 'ratio', 'value': '1/2'}}

The laws:

* ``from_json(to_json(m)) == m`` for every valid data model ``m``;
* ``to_json(from_json(d)) == d`` for every canonical document ``d`` (object
  members in sorted order, set members sorted);
* ``from_json(to_json(parse(s))) == parse(s)`` for every valid attribute ``s``;
* ``parse(emit(from_json(d))) == from_json(d)`` for every ``d`` that
  :func:`from_json` accepts.

:func:`from_json` does not need the ``jsonschema`` package: it makes every
check of the schema itself, and then the checks a schema cannot state, with
the very functions the text parsers use (:mod:`migcompat._values` for
lexemes, :mod:`migcompat._build` for structure), so that a JSON document and
an attribute string are held to exactly the same rules.

Every JSON text migcompat reads -- a data model, a capture, a case file, a
mapping -- is decoded by :func:`decode_json`, which bounds what a hostile
text can cost: more than :data:`MAX_JSON_VALUES` values, nesting deeper than
:data:`MAX_JSON_DEPTH`, an integer with thousands of
digits and bytes that are not UTF-8 are each reported as its reader's own
error (a capture's, a case file's), never as a :class:`RecursionError` or an
unexpected :class:`ValueError`; :func:`loads`
decodes a data model's JSON text and reports every fault as a
:class:`~migcompat.errors.DataModelError`.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from functools import partial
from typing import Any, Final, NoReturn, TypeVar

from . import _build, _values, terminals
from ._jsondoc import (
    MAX_INTEGER_DIGITS,
    decode_integer,
    decode_number,
    describe,
    integer_value,
    pointer_token,
    show,
)
from ._jsonfaults import duplicate_member, first_fault, line_and_column, not_a_value, too_deep
from ._values import Problem
from .emit import emit
from .errors import DataModelError
from .limits import FORMAT_VERSION, MAX_ATTRIBUTE_BYTES, MAX_SELF_PREFIX
from .model import (
    ANY,
    SELF,
    Alternative,
    AnyValue,
    Bound,
    CompatibleDevices,
    Constraint,
    Equals,
    Field,
    MigrationVersion,
    Range,
    Ratio,
    Rule,
    SelfPrefix,
    SelfRef,
    Subset,
    Superset,
    Value,
    Version,
)

__all__ = [
    "EXTRA_CHECKS",
    "MAX_JSON_DEPTH",
    "MAX_JSON_INTEGER_DIGITS",
    "MAX_JSON_VALUES",
    "SCHEMA_ID",
    "SCHEMA_NAME",
    "JSONError",
    "decode_json",
    "from_json",
    "json_fault",
    "json_values_over",
    "load_schema",
    "loads",
    "to_json",
    "without_surrogates",
]

SCHEMA_ID: Final = "urn:migcompat:schema:data-model:1.0"
"""The ``$id`` of the data model schema this module implements."""

SCHEMA_NAME: Final = "data-model.schema.json"
"""The file name of the schema (see :func:`migcompat.resources.data_path`)."""

EXTRA_CHECKS: Final = frozenset(
    {
        "int-overflow",
        "unreduced-ratio",
        "empty-range",
        "mixed-types",
        "duplicate-member",
        "duplicate-key",
        "duplicate-param",
        "param-conflict",
        "too-long",
    }
)
"""The text-format error codes of the rules :func:`from_json` checks beyond the schema.

A document that the schema accepts and :func:`from_json` rejects breaks one of
these rules, and the rejection's message ends with the code in brackets,
e.g. ``ratio 2/4 is not in lowest terms; write 1/2 [unreduced-ratio]``. The
rules: integers, version components and ratio terms at most 2**64-1; ratios in
lowest terms; range ends of one type with low <= high; the alternatives of a
constraint of one type and none given twice (the schema catches only literal
repeats); a parameter that is not also a fixed field nor one of its own line's
fields; a parameter value declared once; no field set by two parameters; the
canonical text at most 4095 bytes.
"""

# The terminals of grammar/migcompat.lark (migcompat.terminals).
# A JSON string must match one of these as a whole before the lexeme checks of
# _values run on it, exactly as the text parsers do.
_KEY: Final = re.compile(terminals.KEY)
_INT: Final = re.compile(terminals.INT)
_VERSION: Final = re.compile(terminals.VERSION)
_RATIO: Final = re.compile(terminals.RATIO)
_TOKEN: Final = re.compile(terminals.TOKEN)
_MEMBER_KINDS: Final = (_TOKEN, _INT, _VERSION)  # grammar: ?member: TOKEN | INT | VERSION

_VALUE_TYPES: Final = ("token", "integer", "version", "ratio", "set")
_BOUND_TYPES: Final = ("integer", "version", "ratio", "self", "self_prefix")
_ALTERNATIVE_TYPES: Final = (*_VALUE_TYPES, "range", "self", "self_prefix")
_OPERAND_TYPES: Final = ("set", "self")
_OPERATORS: Final = ("equals", "subset", "superset", "any")
_ATTRIBUTES: Final = ("migration_version", "migration_compatible_devices")

# ---------------------------------------------------------------- decoding JSON text

MAX_JSON_DEPTH: Final = 64
"""The deepest nesting of arrays and objects that :func:`decode_json` accepts.

A data model is at most 9 levels deep (the document, its rules, a rule, its
constraints, a constraint, its alternatives, a range, a bound, a set), a
capture 5 and a case file 12 (a case that holds a data model). 64 leaves room
for any document of these formats and keeps every later walk over a decoded
document (re-encoding it, printing part of it) far from Python's recursion
limit, whatever the depth of the caller's stack.
"""

MAX_JSON_INTEGER_DIGITS: Final = MAX_INTEGER_DIGITS
"""The longest integer, in digits, that :func:`decode_json` reads, however it is written (``1e64`` has 65).

No member of migcompat's JSON formats needs more than 20 digits (2**64 - 1),
and converting a number of thousands of digits costs time quadratic in its
length, so longer ones are refused before they are converted."""


MAX_MODEL_VALUES: Final = 65_536
"""The most values a data model's document may hold (counted as :data:`MAX_JSON_VALUES` counts them).

The model of an attribute within the 4095-byte limit holds at most about
4,200 (a rule of 1,000 ranges, say), so a document of more values is refused
before its model is built: :func:`loads` before decoding the text, and
:func:`from_json` before reading the document.
"""

MAX_JSON_VALUES: Final = 4_000_000
"""The most values that :func:`decode_json` decodes from one text: arrays, objects, strings, numbers,
``true``, ``false`` and ``null``, the document itself included (an object's member names are not counted).

Its size in bytes does not bound what decoding a text costs: each ``{}`` of
a 64 MiB ``[{},{},...]`` is an object of its own, 22 million of them, about
3 GB once decoded. A capture as migcompat writes it has a value for about
every 30 bytes (2 million values in the 64 MiB a capture may be), a mapping
document one for every 60 bytes or more; 4 million values of any kind take
at most about 600 MB to decode. A text is counted before it is decoded
(:func:`json_values_over`): a few passes over the text, with no value made.
"""

_STRING: Final = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\\?\Z)', re.DOTALL)
"""A JSON string, escapes included; an unterminated one runs to the end of the text, so that no attempt to
match fails after a long scan (with a failing attempt at each of its quotes, a text of escaped quotes and no
closing one took time quadratic in its length: hours for 12 MB)."""
_SPACED_EMPTY: Final = re.compile(r"\[[ \t\n\r]+\]|\{[ \t\n\r]+\}")
"""An empty array or object written with white space inside."""


def json_values_over(text: str, limit: int = MAX_JSON_VALUES) -> int | None:
    """How many values the JSON text *text* holds, when that is more than *limit*; None when it is not.

    Values are counted as :data:`MAX_JSON_VALUES` counts them, without
    decoding anything: each element of an array and each member of an
    object follows an opening bracket or brace or a comma, so a text holds
    one value (the document) more than it has ``[``, ``{`` and ``,`` outside
    strings, less one for each empty array or object. The quick count (those characters, inside strings
    too) is never less than that, and decides alone when it is within
    *limit*; else the strings are taken out and the values counted exactly.
    For a text that is not JSON the count is whatever these rules give.
    """
    if 1 + text.count("[") + text.count("{") + text.count(",") <= limit:
        return None
    bare = _STRING.sub("0", text)
    values = 1 + bare.count("[") + bare.count("{") + bare.count(",") - bare.count("[]") - bare.count("{}")
    values -= _SPACED_EMPTY.subn("", bare)[1]
    return values if values > limit else None


JSONError = Callable[[str, int | None, int | None], Exception]
"""What :func:`decode_json` raises: called with a message and, for a syntax error, its line and column."""


class _Refused(ValueError):
    """Raised by the decoding hooks; :func:`decode_json` turns it into its caller's error."""


def without_surrogates(value: object) -> object:
    """*value* (JSON-ready data) with every string that holds bytes which are not UTF-8 written with ``\\xNN``.

    Python keeps such bytes of a file name as lone surrogates, which
    ``json.dumps`` writes as ``\\udcNN`` escapes: not valid JSON text for a
    strict parser, and no character a reader can encode. A name is shown, not
    opened again, so its bytes are written as text.
    """
    if isinstance(value, str):
        if any("\ud800" <= char <= "\udfff" for char in value):
            try:
                return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            except UnicodeEncodeError:  # a surrogate that stands for no byte
                return value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {without_surrogates(key): without_surrogates(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_surrogates(item) for item in value]
    return value


def json_fault(message: str, line: int | None = None, column: int | None = None) -> str:
    """A fault of a JSON text as one phrase: ``invalid JSON at line L, column C: MESSAGE``."""
    where = f" at line {line}, column {column}" if line is not None else ""
    return f"invalid JSON{where}: {message}"


def decode_json(
    text: str | bytes | bytearray,
    error: JSONError,
    *,
    strict: bool = False,
    max_depth: int = MAX_JSON_DEPTH,
    max_values: int = MAX_JSON_VALUES,
    numbers_as_text: bool = False,
) -> Any:
    """The JSON document *text* holds: dicts, lists, strings, numbers, booleans and None.

    Bytes are decoded as UTF-8 (a leading byte order mark is ignored). With
    *strict*, an object with the same member twice (which ``json.loads``
    would silently read as its last value) and the non-standard ``NaN`` and
    ``Infinity`` are refused too, as RFC 8259 asks.

    A number is decoded by its exact decimal value
    (``migcompat._jsondoc.decode_number``): one that is an integer is an
    :class:`int` however it is written (``1``, ``1.0``, ``1e0``), any other a
    :class:`float` or, where a float would round it to an integer
    (``1.00000000000000000001``), a ``decimal.Decimal``; so a reader
    that asks for ``type(value) is int`` judges it as JSON Schema does.
    With *numbers_as_text*, a number is not decoded but kept as the text
    that writes it (a ``str``), whatever its length or magnitude: for a
    reader that judges only whether *text* is a JSON document and leaves
    its numbers to another (a conformance case's ``document_text``).

    The cost is bounded by the length of *text* and by *max_values*: a text
    of more than *max_values* values (:func:`json_values_over`, counted
    before anything is decoded), arrays and objects nested deeper than
    *max_depth*, and (but with *numbers_as_text*) an integer longer than
    :data:`MAX_JSON_INTEGER_DIGITS` digits (``1e400`` included), are
    refused. For every text that is not one JSON document within
    these bounds, raises the exception ``error(message, line, column)``
    returns (*line* and *column* are 1-based, in characters: for a fault
    that json reads past, those of the first such fault in the text
    (``migcompat._jsonfaults.first_fault``), for bytes that are not
    UTF-8 those of the first bad byte; None only for too many values, which
    concerns no one place), so that each
    reader reports the fault with its own error class and code; never another
    exception, but :class:`TypeError` for a *text* that is neither text nor
    bytes (a document already decoded, say).
    """
    if not isinstance(text, (str, bytes, bytearray)):
        raise TypeError(
            f"text must be a str or bytes (JSON text), not {type(text).__name__}"
            + ("; from_json() takes a decoded document" if isinstance(text, (dict, list)) else "")
        )
    if isinstance(text, (bytes, bytearray)):
        data = text
        mark = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0  # utf-8-sig would count after it
        try:
            with memoryview(data) as view:
                text = str(view[mark:], "utf-8")  # without a copy of the bytes
        except UnicodeDecodeError as exc:
            before = data[mark : mark + exc.start].decode("utf-8")  # valid: the first bad byte follows it
            raise error(
                f"not UTF-8 text (byte 0x{data[mark + exc.start]:02x} at offset {mark + exc.start})",
                *line_and_column(before, len(before)),
            ) from None
    elif text.startswith("\ufeff"):
        text = text[1:]
    values = json_values_over(text, max_values)
    if values is not None:
        raise error(f"a document of {values} values; at most {max_values} are decoded", None, None)
    hooks: dict[str, Any] = {"parse_int": decode_integer, "parse_float": decode_number}
    if numbers_as_text:
        hooks.update(parse_int=str, parse_float=str)
    if strict:
        hooks.update(object_pairs_hook=_unique_members, parse_constant=_reject_constant)
    try:
        document = json.loads(text, **hooks)
    except json.JSONDecodeError as exc:
        message = exc.msg
        if message == "Extra data":
            message = "more than one JSON value: one document was expected"
        raise error(message, exc.lineno, exc.colno) from None
    except RecursionError:
        raise _located(error, text, too_deep(max_depth), numbers_as_text, strict, max_depth) from None
    except ValueError as exc:  # from the hooks (json raises nothing else)
        raise _located(error, text, str(exc) or type(exc).__name__, numbers_as_text, strict, max_depth) from None
    if _deeper_than(document, max_depth):
        raise _located(error, text, too_deep(max_depth), numbers_as_text, strict, max_depth)
    return document


def _located(
    error: JSONError, text: str, message: str, numbers_as_text: bool, strict: bool, max_depth: int
) -> Exception:
    """The error for a fault found past json's grammar, *message*: the first such fault, with its position."""
    fault = first_fault(text, numbers=not numbers_as_text, strict=strict, max_depth=max_depth)
    return error(message, None, None) if fault is None else error(*fault)


def loads(text: str | bytes) -> MigrationVersion | CompatibleDevices:
    """The data model of the JSON text *text*: :func:`decode_json` (strict), then :func:`from_json`.

    Raises :class:`~migcompat.errors.DataModelError` for every text that is
    not a valid data model, one that is not JSON at all included (its *path*
    is then empty and its message starts with ``invalid JSON``); never
    another exception, but :class:`TypeError` for a *text* that is neither
    text nor bytes.
    """
    return from_json(decode_json(text, _model_error, strict=True, max_values=MAX_MODEL_VALUES))


def _model_error(message: str, line: int | None, column: int | None) -> DataModelError:
    return DataModelError(json_fault(message, line, column), path="")


def _deeper_than(document: object, limit: int) -> bool:
    """Whether arrays and objects nest more than *limit* levels deep in *document* (no recursion)."""
    if type(document) is not dict and type(document) is not list:
        return False
    stack: list[tuple[object, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        children = node.values() if type(node) is dict else node
        for child in children:  # type: ignore[attr-defined]
            if type(child) is dict or type(child) is list:
                if depth >= limit:
                    return True
                stack.append((child, depth + 1))
    return False


_MODEL_DEPTH: Final = 10
"""Deeper than this no data model nests (9 levels): :func:`_values_over` counts no deeper, and leaves a document
that does (or loops back on itself) to the checks that name the place."""


def _values_over(document: object, limit: int) -> bool:
    """Whether *document* holds more than *limit* values in its first :data:`_MODEL_DEPTH` levels (its dicts,
    lists and tuples walked, no recursion)."""
    count = 1
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        children: Sequence[object] | Collection[object]
        if type(node) is dict:
            children = node.values()
        elif type(node) is list or type(node) is tuple:
            children = node
        else:
            continue
        count += len(children)
        if count > limit:
            return True
        if depth < _MODEL_DEPTH:
            stack.extend((child, depth + 1) for child in children if type(child) in (dict, list, tuple))
    return False


def _unique_members(pairs: list[tuple[str, object]]) -> dict[str, object]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused(duplicate_member(key))
            seen.add(key)
    return document


def _reject_constant(name: str) -> NoReturn:
    raise _Refused(not_a_value(name))


# ---------------------------------------------------------------- to_json


def to_json(model: MigrationVersion | CompatibleDevices) -> dict[str, Any]:
    """The canonical JSON form of *model*, as plain dicts, lists and strings.

    Object members are inserted in sorted order and set members are sorted, so
    ``json.dumps(to_json(m))`` is canonical with or without ``sort_keys``.
    *model* must hold the invariants of clause 7.3 (models from the parsers and
    from :func:`from_json` do). Raises TypeError for anything but the two
    attribute models.
    """
    if isinstance(model, MigrationVersion):
        return {
            "attribute": "migration_version",
            "fields": _fields_json(model.fields),
            "format": FORMAT_VERSION,
            "params": [
                {
                    "critical": param.critical,
                    "fields": _fields_json(param.fields),
                    "name": param.name,
                    "value": _value_json(param.value),
                }
                for param in model.params
            ],
        }
    if isinstance(model, CompatibleDevices):
        return {
            "attribute": "migration_compatible_devices",
            "defaults": {key: _value_json(model.defaults[key]) for key in sorted(model.defaults)},
            "format": FORMAT_VERSION,
            "rules": [
                {"constraints": {key: _constraint_json(rule.constraints[key]) for key in sorted(rule.constraints)}}
                for rule in model.rules
            ],
        }
    raise TypeError(f"not a migcompat attribute model: {type(model).__name__}")


def _fields_json(fields: Mapping[str, Field]) -> dict[str, Any]:
    return {key: {"critical": fields[key].critical, "value": _value_json(fields[key].value)} for key in sorted(fields)}


def _value_json(value: Value) -> dict[str, Any]:
    kind = type(value)
    if kind is str:
        return {"type": "token", "value": value}
    if kind is int:
        return {"type": "integer", "value": str(value)}
    if kind is Version:
        return {"type": "version", "value": str(value)}
    if kind is Ratio:
        return {"type": "ratio", "value": str(value)}
    if kind is frozenset:
        return {"type": "set", "value": sorted(value)}  # type: ignore[arg-type]
    raise TypeError(f"not a migcompat value: {type(value).__name__}")


def _self_or_value_json(item: Value | SelfRef | SelfPrefix) -> dict[str, Any]:
    if isinstance(item, SelfRef):
        return {"type": "self"}
    if isinstance(item, SelfPrefix):
        return {"length": item.length, "type": "self_prefix"}
    return _value_json(item)


def _alternative_json(alternative: Alternative) -> dict[str, Any]:
    if isinstance(alternative, Range):
        return {
            "max": None if alternative.high is None else _self_or_value_json(alternative.high),
            "min": None if alternative.low is None else _self_or_value_json(alternative.low),
            "type": "range",
        }
    return _self_or_value_json(alternative)


def _constraint_json(constraint: Constraint) -> dict[str, Any]:
    if isinstance(constraint, Equals):
        return {"alternatives": [_alternative_json(alt) for alt in constraint.alternatives], "op": "equals"}
    if isinstance(constraint, AnyValue):
        return {"op": "any"}
    operator = "subset" if isinstance(constraint, Subset) else "superset"
    return {"op": operator, "operand": _self_or_value_json(constraint.operand)}


# ---------------------------------------------------------------- load_schema


def load_schema() -> dict[str, Any]:
    """The data model JSON Schema (draft 2020-12), freshly read from its file.

    The file is ``spec/schema/data-model.schema.json`` in a source tree and
    ``migcompat/_data/data-model.schema.json`` in an installed wheel. This only
    reads JSON; validating with it needs the optional ``jsonschema`` package
    (``pip install migcompat[schema]``), which :func:`from_json` does not.
    """
    from .resources import data_path

    with data_path(SCHEMA_NAME).open(encoding="utf-8") as stream:
        schema: dict[str, Any] = json.load(stream)
    return schema


# ---------------------------------------------------------------- from_json


def from_json(data: object) -> MigrationVersion | CompatibleDevices:
    """The data model that the JSON document *data* describes.

    *data* is what :func:`json.load` returns (dicts, lists, strings, numbers,
    booleans, None); any Mapping counts as an object and any list or tuple as
    an array. The document must satisfy the schema (:func:`load_schema`) and
    the rules of :data:`EXTRA_CHECKS`; set members may come in any order.

    Raises :class:`~migcompat.errors.DataModelError` (code ``invalid-model``)
    whose *path* is a JSON Pointer to the offending member, for any input that
    is not a valid document, however malformed; never another exception.
    When a check of the text format fails, the message ends with that check's
    error code in brackets, as in ``integer 007 has a leading zero [leading-zero]``.
    """
    if isinstance(data, (str, bytes, bytearray)):
        raise DataModelError(
            f"expected an object, found {describe(data)}: from_json() takes the decoded document;"
            " loads() takes JSON text",
            path="",
        )
    values = _values_over(data, MAX_MODEL_VALUES)
    if values:
        raise DataModelError(
            f"a document of more than {MAX_MODEL_VALUES} values: the data model of an attribute of at most"
            f" {MAX_ATTRIBUTE_BYTES} bytes holds far fewer [too-long]",
            path="",
        )
    attribute = _tag(data, "", "attribute")
    if attribute not in _ATTRIBUTES:
        raise DataModelError(
            f"attribute must be one of {_quoted(_ATTRIBUTES)}, found {describe(attribute)}", path="/attribute"
        )
    model: MigrationVersion | CompatibleDevices
    if attribute == "migration_version":
        document = _object(data, "", required=("attribute", "format", "fields", "params"))
        _format(document["format"])
        model = _version_model(document)
    else:
        document = _object(data, "", required=("attribute", "format", "defaults", "rules"))
        _format(document["format"])
        model = _compatible_model(document)
    size = len(emit(model))
    if size > MAX_ATTRIBUTE_BYTES:
        raise DataModelError(
            f"the attribute's canonical text is {size} bytes; at most {MAX_ATTRIBUTE_BYTES} are allowed [too-long]",
            path="",
        )
    return model


def _version_model(document: Mapping[str, object]) -> MigrationVersion:
    header = _field_items(document["fields"], "/fields")
    if not header:
        raise DataModelError("a migration_version has at least one field", path="/fields")
    params: list[list[_build.FieldItem]] = []
    for index, item in _array(document["params"], "/params"):
        where = f"/params/{index}"
        param = _object(item, where, required=("name", "value", "critical", "fields"))
        name = _key(param["name"], f"{where}/name")
        value = _value(param["value"], f"{where}/value")
        critical = _boolean(param["critical"], f"{where}/critical")
        head = _build.FieldItem(critical, name, value, f"{where}/name", f"{where}/value")
        params.append([head, *_field_items(param["fields"], f"{where}/fields")])
    return _guard(lambda: _build.version_attribute(header, params))


def _compatible_model(document: Mapping[str, object]) -> CompatibleDevices:
    defaults = [
        _build.FieldItem(True, key, _value(item, path), path, path)
        for key, path, item in _keyed(document["defaults"], "/defaults")
    ]
    rules: list[Rule] = []
    for index, item in _array(document["rules"], "/rules"):
        where = f"/rules/{index}"
        rule = _object(item, where, required=("constraints",))
        items = [
            _constraint(key, constraint, path)
            for key, path, constraint in _keyed(rule["constraints"], f"{where}/constraints")
        ]
        rules.append(_guard(partial(_build.rule, items)))
    return _guard(lambda: _build.compatible_attribute(defaults, rules))


def _field_items(data: object, path: str) -> list[_build.FieldItem]:
    items = []
    for key, where, item in _keyed(data, path):
        field = _object(item, where, required=("value", "critical"))
        value = _value(field["value"], f"{where}/value")
        critical = _boolean(field["critical"], f"{where}/critical")
        items.append(_build.FieldItem(critical, key, value, where, f"{where}/value"))
    return items


def _constraint(key: str, data: object, path: str) -> _build.ConstraintItem:
    operator = _tag(data, path, "op")
    if operator not in _OPERATORS:
        raise DataModelError(f"op must be one of {_quoted(_OPERATORS)}, found {describe(operator)}", path=f"{path}/op")
    constraint: Constraint
    if operator == "equals":
        members = _object(data, path, required=("op", "alternatives"))
        alternatives: list[Alternative] = []
        places: list[str] = []
        for index, item in _array(members["alternatives"], f"{path}/alternatives"):
            places.append(f"{path}/alternatives/{index}")
            alternatives.append(_alternative(item, places[-1]))
        if not alternatives:
            raise DataModelError("an equals constraint has at least one alternative", path=f"{path}/alternatives")
        constraint = Equals(tuple(alternatives))
        return _build.ConstraintItem(key, constraint, path, places)
    if operator == "any":
        _object(data, path, required=("op",))
        return _build.ConstraintItem(key, ANY, path, [])
    members = _object(data, path, required=("op", "operand"))
    where = f"{path}/operand"
    kind, operand = _typed(members["operand"], where, _OPERAND_TYPES)
    value = SELF if kind == "self" else _set(operand["value"], f"{where}/value")
    constraint = Subset(value) if operator == "subset" else Superset(value)
    return _build.ConstraintItem(key, constraint, path, [where])


def _alternative(data: object, path: str) -> Alternative:
    kind, members = _typed(data, path, _ALTERNATIVE_TYPES)
    if kind == "self":
        return SELF
    if kind == "self_prefix":
        return _self_prefix(members, path)
    if kind == "range":
        low, high = (None if members[end] is None else _bound(members[end], f"{path}/{end}") for end in ("min", "max"))
        if low is None and high is None:
            raise DataModelError("a range needs at least one end; min and max are both null", path=f"{path}/max")
        return Range(low, high)
    return _typed_value(kind, members, path)


def _bound(data: object, path: str) -> Bound:
    kind, members = _typed(data, path, _BOUND_TYPES)
    if kind == "self":
        return SELF
    if kind == "self_prefix":
        return _self_prefix(members, path)
    value = _typed_value(kind, members, path)
    assert isinstance(value, (int, Version, Ratio))
    return value


def _self_prefix(members: Mapping[str, object], path: str) -> SelfPrefix:
    length = integer_value(members["length"])  # 1.0 is 1, true is not (the number rule)
    if length is None or not 1 <= length <= MAX_SELF_PREFIX:
        raise DataModelError(
            f"length must be an integer from 1 to {MAX_SELF_PREFIX}, found {describe(members['length'])}",
            path=f"{path}/length",
        )
    return SelfPrefix(length)


def _value(data: object, path: str) -> Value:
    kind, members = _typed(data, path, _VALUE_TYPES)
    return _typed_value(kind, members, path)


def _typed(data: object, path: str, kinds: Sequence[str]) -> tuple[str, Mapping[str, object]]:
    """The type tag of a tagged object and its members, checked against the tag."""
    kind = _tag(data, path, "type")
    if kind not in kinds:
        raise DataModelError(f"type must be one of {_quoted(kinds)}, found {describe(kind)}", path=f"{path}/type")
    assert isinstance(kind, str)
    if kind == "self":
        return kind, _object(data, path, required=("type",))
    if kind == "self_prefix":
        return kind, _object(data, path, required=("type", "length"))
    if kind == "range":
        return kind, _object(data, path, required=("type", "min", "max"))
    return kind, _object(data, path, required=("type", "value"))


def _typed_value(kind: str, members: Mapping[str, object], path: str) -> Value:
    where = f"{path}/value"
    if kind == "set":
        return _set(members["value"], where)
    value: Value = _lexeme(members["value"], where, _ARTICLES[kind] + kind, _SCALARS[kind])
    return value


_ARTICLES: Final = {"token": "a ", "integer": "an ", "version": "a ", "ratio": "a "}
_SCALARS: Final[dict[str, tuple[Sequence[re.Pattern[str]], Callable[[str], Any]]]] = {
    "token": ((_TOKEN,), _values.token),
    "integer": ((_INT,), _values.integer),
    "version": ((_VERSION,), _values.version),
    "ratio": ((_RATIO,), _values.ratio),
}


def _set(data: object, path: str) -> frozenset[str]:
    members = [
        _lexeme(item, f"{path}/{index}", "a set member", (_MEMBER_KINDS, _values.token))
        for index, item in _array(data, path)
    ]
    try:
        return _values.member_set(members)
    except Problem as exc:
        raise _problem(exc, f"{path}/{exc.offset}") from None


def _key(data: object, path: str) -> str:
    result: str = _lexeme(data, path, "a key", ((_KEY,), _values.key))
    return result


def _escape_hint(data: str, what: str, patterns: Sequence[re.Pattern[str]]) -> str:
    """For a token with a character a token carries only escaped (``Dual port``): how the model writes it."""
    if what != "a token":
        return ""
    try:  # escapes already written are kept: only what still needs one is escaped
        escaped = data.replace(" ", "%20") if "%" in data else _values.encode_token(data)
    except ValueError:
        return ""
    if not any(pattern.fullmatch(escaped) for pattern in patterns):
        return ""
    return f": the model writes a value as the attribute does, such characters escaped ({show(escaped)})"


def _lexeme(data: object, path: str, what: str, check: tuple[Sequence[re.Pattern[str]], Callable[[str], Any]]) -> Any:
    """The value of the string *data* (*what* it is, with its article): it must
    match one of the grammar's terminals as a whole, then pass the lexeme check
    the text parsers apply to that terminal. A str subclass is read as the
    plain str of its characters."""
    patterns, convert = check
    if not isinstance(data, str):
        raise DataModelError(f"{what} is written as a JSON string, found {describe(data)}", path=path)
    if type(data) is not str:
        data = str.__str__(data)
    if len(data) > MAX_ATTRIBUTE_BYTES:
        raise DataModelError(
            f"{what} of {len(data)} characters cannot be part of an attribute of at most "
            f"{MAX_ATTRIBUTE_BYTES} bytes [too-long]",
            path=path,
        )
    if not any(pattern.fullmatch(data) for pattern in patterns):
        raise DataModelError(f"{show(data)} is not {what}{_escape_hint(data, what, patterns)}", path=path)
    try:
        return convert(data)
    except Problem as exc:
        raise _problem(exc, path) from None
    except ValueError:  # int() refusing a number beyond sys.get_int_max_str_digits()
        raise DataModelError(f"{show(data)} is out of range [int-overflow]", path=path) from None


# ---------------------------------------------------------------- JSON structure


def _object(data: object, path: str, *, required: Sequence[str]) -> Mapping[str, object]:
    """*data* as an object with exactly the members *required*."""
    _any_object(data, path)
    assert isinstance(data, Mapping)
    for name in data:
        if name not in required:
            raise DataModelError(
                f"unknown member {show(name)}; the members are {_quoted(required)}", path=_pointer(path, name)
            )
    for name in required:
        if name not in data:
            raise DataModelError(f"missing member {name!r}", path=path)
    return data


def _keyed(data: object, path: str) -> Iterator[tuple[str, str, object]]:
    """The members of an object whose member names are keys, in sorted order."""
    members = _any_object(data, path)
    for name in sorted(members):
        where = _pointer(path, name)
        yield _key(name, where), where, members[name]


def _tag(data: object, path: str, name: str) -> object:
    """The member *name* of the object *data*: the tag that says which members the object has."""
    members = _any_object(data, path)
    if name not in members:
        raise DataModelError(f"missing member {name!r}", path=path)
    return members[name]


def _any_object(data: object, path: str) -> Mapping[str, object]:
    """*data* as an object, whatever its members."""
    if not isinstance(data, Mapping):
        raise DataModelError(f"expected an object, found {describe(data)}", path=path)
    for name in data:
        if not isinstance(name, str):
            raise DataModelError(f"member names are strings, found {describe(name)}", path=path)
    return data


def _array(data: object, path: str) -> Iterator[tuple[int, object]]:
    if not isinstance(data, (list, tuple)):
        raise DataModelError(f"expected an array, found {describe(data)}", path=path)
    return enumerate(data)


def _boolean(data: object, path: str) -> bool:
    if not isinstance(data, bool):
        raise DataModelError(f"expected true or false, found {describe(data)}", path=path)
    return data


def _format(data: object) -> None:
    if integer_value(data) != FORMAT_VERSION:  # 1.0 is 1, true and 1.00000000000000000001 are not (the number rule)
        found = str(data) if type(data) is int and abs(data) < 10**6 else describe(data)
        raise DataModelError(
            f"format must be {FORMAT_VERSION} (this library implements format mc{FORMAT_VERSION}), found {found}",
            path="/format",
        )


_T = TypeVar("_T")


def _guard(build: Callable[[], _T]) -> _T:
    """Run a builder of :mod:`migcompat._build`, turning its Problem into a DataModelError."""
    try:
        return build()
    except Problem as exc:
        raise _problem(exc, exc.where if isinstance(exc.where, str) else "") from None


def _problem(exc: Problem, path: str) -> DataModelError:
    return DataModelError(f"{exc.message} [{exc.code}]", path=path)


def _pointer(path: str, name: str) -> str:
    """*path* extended by the member *name* (RFC 6901 escaping)."""
    return path + "/" + pointer_token(name)


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(repr(name) for name in names)
