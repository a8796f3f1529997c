"""migcompat: structured VFIO migration compatibility attributes.

Parse the two sysfs attributes of the migcompat specification, emit their
canonical form, and convert them to and from the JSON data model::

    >>> import migcompat
    >>> version = migcompat.parse_version("mc1 device_api=vfio-pci driver=mtty type=mtty-2\\n")
    >>> version.fields["type"].value
    'mtty-2'
    >>> migcompat.emit(version)
    'mc1 device_api=vfio-pci driver=mtty type=mtty-2\\n'

Importing this package loads neither Lark (only an invalid string needs it)
nor the command line. The comparator's entry points are here too --
``migcompat.check``, ``accepts``, ``check_attributes``, ``Answer`` and
``Verdict``, the same objects as in :mod:`migcompat.compare` and
:mod:`migcompat.verdict` -- imported on first use, so that a program that
only parses does not pay for the comparator.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Final

from .emit import emit
from .errors import ERROR_CODES, ChoiceError, DataModelError, MigcompatError, ParseError
from .jsonmodel import from_json, to_json
from .limits import FORMAT_VERSION, SPEC_VERSION
from .model import (
    ANY,
    SELF,
    AnyValue,
    CompatibleDevices,
    Equals,
    Field,
    MigrationVersion,
    Param,
    Range,
    Ratio,
    Rule,
    SelfPrefix,
    Subset,
    Superset,
    Value,
    Version,
)
from .parse import parse, parse_compatible, parse_version

if TYPE_CHECKING:
    from .compare import accepts, check, check_attributes
    from .verdict import Answer, Verdict

__version__ = "0.1.0"

_LAZY: Final = {
    "check": ".compare",
    "accepts": ".compare",
    "check_attributes": ".compare",
    "Answer": ".verdict",
    "Verdict": ".verdict",
}
"""The comparator's names, and the module each is imported from on first use."""


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'migcompat' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # the next use is a plain attribute
    return value


__all__ = [
    "ANY",
    "ERROR_CODES",
    "FORMAT_VERSION",
    "SELF",
    "SPEC_VERSION",
    "Answer",
    "AnyValue",
    "ChoiceError",
    "CompatibleDevices",
    "DataModelError",
    "Equals",
    "Field",
    "MigcompatError",
    "MigrationVersion",
    "Param",
    "ParseError",
    "Range",
    "Ratio",
    "Rule",
    "SelfPrefix",
    "Subset",
    "Superset",
    "Value",
    "Verdict",
    "Version",
    "__version__",
    "accepts",
    "check",
    "check_attributes",
    "emit",
    "from_json",
    "parse",
    "parse_compatible",
    "parse_version",
    "to_json",
]
