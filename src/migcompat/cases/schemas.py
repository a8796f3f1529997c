"""Validating against the published JSON Schemas, which refer to each other by ``$id``.

``jsonschema`` is optional for the library (``pip install migcompat[schema]``):
:func:`validator` raises :class:`SchemaUnavailable` without it.
"""

from __future__ import annotations

import importlib
import json
from functools import cache
from typing import Any, Final

from ..errors import MigcompatError
from .paths import schema_path

__all__ = ["SCHEMA_FILES", "SchemaUnavailable", "load", "validator"]

SCHEMA_FILES: Final = (
    "data-model.schema.json",
    "verdict.schema.json",
    "relation.schema.json",
    "case-file.schema.json",
    "protocol-request.schema.json",
    "protocol-response.schema.json",
)


class SchemaUnavailable(MigcompatError):
    """The ``jsonschema`` package (or a schema file) is not available.

    Its *code* is always ``schema-unavailable``; *where* is the schema file
    that cannot be read, empty when the package is missing.
    """

    def __init__(self, message: str, *, where: str = "") -> None:
        super().__init__("schema-unavailable", message, where=where)

    def __str__(self) -> str:
        return self.message


@cache
def load(name: str) -> dict[str, Any]:
    try:
        result: dict[str, Any] = json.loads(schema_path(name).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SchemaUnavailable(f"cannot read the schema {name}: {exc}", where=name) from None
    return result


def validator(name: str, pointer: str = "") -> Any:
    """A Draft 2020-12 validator for schema file *name* (or its ``#/$defs/...`` *pointer*)."""
    try:
        jsonschema: Any = importlib.import_module("jsonschema")
        referencing: Any = importlib.import_module("referencing")
    except ImportError:  # pragma: no cover - depends on the installation
        raise SchemaUnavailable("validating needs the jsonschema package: pip install 'migcompat[schema]'") from None
    Registry, Resource = referencing.Registry, referencing.Resource
    resources = []
    for file in SCHEMA_FILES:
        try:
            document = load(file)
        except SchemaUnavailable:
            continue
        resources.append((document["$id"], Resource.from_contents(document)))
    registry: Any = Registry().with_resources(resources)
    root = load(name)
    schema: dict[str, Any] = root if not pointer else {"$ref": root["$id"] + "#" + pointer}
    return jsonschema.Draft202012Validator(schema, registry=registry)
