#!/usr/bin/env python3
"""The dogfood adapter: migcompat's own parser, emitter and comparator behind the test protocol.

The conformance runner talks to implementations through external programs
(specification clause 12.5). This thin script puts the migcompat library
behind that protocol, so that migcompat passes its own cases the way any
other implementation would::

    migcompat_adapter.py parse migration_version < attribute   # process per case
    migcompat_adapter.py emit < model.json
    migcompat_adapter.py check < request.json
    migcompat_adapter.py serve                                  # persistent: NDJSON on stdin/stdout

Exit status: 0 an answer, 1 a deliberate rejection (with the error object on
standard output), 70 a failure of the adapter itself (never 1, which would
read as a rejection).
"""

from __future__ import annotations

import base64
import json
import sys
import traceback
from decimal import Decimal
from typing import Any

from migcompat import emit, from_json, parse_compatible, parse_version, to_json
from migcompat.compare import check_attributes
from migcompat.errors import MigcompatError, ParseError
from migcompat.jsonmodel import loads
from migcompat.relate import RelationTooComplex, relate

INTERNAL_ERROR = 70


class Rejected(Exception):
    """A deliberate rejection, with the protocol's error object."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("code", "rejected"))
        self.error = error


def do_parse(attribute: str, data: bytes) -> dict[str, Any]:
    parser = parse_version if attribute == "migration_version" else parse_compatible
    try:
        return to_json(parser(data))
    except ParseError as error:
        raise Rejected({"code": error.code, "line": error.line, "column": error.column}) from None


def do_emit(document: Any) -> str:
    try:
        return emit(from_json(document))
    except MigcompatError as error:
        raise Rejected({"code": "invalid-model", "path": getattr(error, "path", "")}) from None


class Members(dict):  # type: ignore[type-arg]
    """A JSON object as read, remembering whether a member name came twice (the last would silently win)."""

    twice = False


def _members(pairs: list[tuple[str, Any]]) -> Members:
    members = Members(pairs)
    members.twice = len(members) != len(pairs) or any(_has_twice(value) for _, value in pairs)
    return members


def _has_twice(value: Any) -> bool:
    """Whether *value* is or holds, through arrays, an object with a member twice (inner objects know already)."""
    if type(value) is Members:
        return value.twice
    return type(value) is list and any(_has_twice(item) for item in value)


def _integer(digits: str) -> int | Decimal:
    """An integer as written, however long: past Python's limit on converting digits to an int (4300 by
    default, which int() checks before converting), the Decimal of the same exact value."""
    try:
        return int(digits)
    except ValueError:
        return Decimal(digits)


def read_request(line: bytes) -> Any:
    """One request line. An emit request's model with a member twice is not a data model (clause 5.8):
    the runner writes such a model as the case's text (clause 12.5), so this reader must see it. A number
    is read by its exact decimal value (clause 2.4): one with a fraction or an exponent is a Decimal, which
    from_json judges as its text says (1.0 is the integer 1, 1.00000000000000000001 is not), where a float
    would round the second to 1; so is an integer of thousands of digits, which from_json refuses (no member
    holds it)."""
    return json.loads(line, object_pairs_hook=_members, parse_int=_integer, parse_float=Decimal)


def _read(text: str | None, parser: Any) -> tuple[Any, ParseError | None]:
    if text is None:
        return None, None
    try:
        return parser(text), None
    except ParseError as error:
        return None, error


def do_check(request: dict[str, Any]) -> dict[str, Any]:
    # Rows 8.5-VD1 (an unsupported format version) and VD2 (missing or invalid) are the library's to decide.
    return check_attributes(request.get("source"), request.get("target"), request.get("target_self")).to_json()


def _own(text: Any) -> Any:
    """A relate request's own migration_version: None when missing or invalid, as check reads it (8.4-SF4).

    One whose format version is not understood is still rejected, as ``migcompat relate`` does.
    """
    if not text:
        return None
    own, error = _read(text, parse_version)
    if error is not None and error.code == "unsupported-version":
        raise error
    return own


def do_relate(request: dict[str, Any]) -> dict[str, Any]:
    try:
        first = parse_compatible(request["first"])
        second = parse_compatible(request["second"])
        first_self = _own(request.get("first_self"))
        second_self = _own(request.get("second_self"))
    except (ParseError, KeyError, TypeError) as error:
        raise Rejected({"code": getattr(error, "code", "bad-request")}) from None
    try:
        return relate(first, second, first_self, second_self).to_json()
    except RelationTooComplex as error:  # the protocol has no "cannot decide": a deliberate rejection, with the code
        raise Rejected({"code": error.code, "message": error.message}) from None


def do_checker(request: Any) -> dict[str, Any]:
    if not isinstance(request, dict):
        raise Rejected({"code": "bad-request"})
    if request.get("request") == "check":
        return do_check(request)
    if request.get("request") == "relate":
        return do_relate(request)
    raise Rejected({"code": "bad-request"})


def serve() -> int:
    """The persistent mode: one request per line in, one response per line out."""
    for line in sys.stdin.buffer:
        request = read_request(line)
        identifier = request.get("id")
        try:
            kind = request.get("request")
            if kind == "parse":
                data = base64.b64decode(request["input_base64"])
                result: Any = do_parse(request["attribute"], data)
            elif kind == "emit":
                model = request["model"]
                if type(model) is Members and model.twice:
                    raise Rejected({"code": "invalid-model", "path": ""})
                result = do_emit(model)
            else:
                result = do_checker(request)
            response = {"id": identifier, "status": "ok", "result": result}
        except Rejected as rejection:
            response = {"id": identifier, "status": "rejected", "error": rejection.error}
        sys.stdout.write(json.dumps(response, ensure_ascii=True) + "\n")
        sys.stdout.flush()
    return 0


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    try:
        if command == "serve":
            return serve()
        data = sys.stdin.buffer.read()
        if command == "parse" and len(argv) == 3:
            output = json.dumps(do_parse(argv[2], data), ensure_ascii=True) + "\n"
        elif command == "emit":
            try:
                output = emit(loads(data))  # strict: a member twice is invalid-model
            except MigcompatError as error:
                raise Rejected({"code": "invalid-model", "path": getattr(error, "path", "")}) from None
        elif command == "check":
            output = json.dumps(do_checker(json.loads(data)), ensure_ascii=True) + "\n"
        else:
            sys.stderr.write(__doc__ or "")
            return 2
    except Rejected as rejection:
        sys.stdout.write(json.dumps(rejection.error) + "\n")
        return 1
    except Exception:
        traceback.print_exc()
        return INTERNAL_ERROR
    sys.stdout.write(output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
