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
nor the command line.
"""

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

__version__ = "0.1.0"

__all__ = [
    "ANY",
    "ERROR_CODES",
    "FORMAT_VERSION",
    "SELF",
    "SPEC_VERSION",
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
    "Version",
    "__version__",
    "emit",
    "from_json",
    "parse",
    "parse_compatible",
    "parse_version",
    "to_json",
]
