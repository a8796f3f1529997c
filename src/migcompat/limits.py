"""The numeric limits of specification clause 4.4, in one place."""

from typing import Final

MAX_ATTRIBUTE_BYTES: Final = 4096
"""An attribute, including its final newline, fits one page (R13)."""
MAX_KEY_BYTES: Final = 63
MAX_TOKEN_BYTES: Final = 255
MAX_SET_MEMBERS: Final = 64
MIN_VERSION_PARTS: Final = 2
MAX_VERSION_PARTS: Final = 8
MAX_INTEGER: Final = 2**64 - 1
FORMAT_VERSION: Final = 1
"""The format version this library implements: the header ``mc1``."""
SPEC_VERSION: Final = "1.0"
"""The version of the specification this library implements."""
HEADER: Final = f"mc{FORMAT_VERSION}"
