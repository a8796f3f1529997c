"""The numeric limits of specification clause 4.4, in one place."""

from typing import Final

MAX_ATTRIBUTE_BYTES: Final = 4095
"""An attribute, including its final newline, is what one ``sysfs_emit`` can write (R13).

``sysfs_emit`` and ``sysfs_emit_at`` write at most PAGE_SIZE - 1 bytes (the page
is the bound of a ``vscnprintf``, which keeps a byte for its NUL), so on a
4 KiB-page kernel no ``show()`` delivers more than 4095 (spec 1.1)."""
READ_BYTES: Final = MAX_ATTRIBUTE_BYTES + 1
"""How much of an attribute is read (4096): the limit and one byte more, which shows an attribute too long.

Checks 0 and 1 of clause 7.1 look at no more, so a reader that stops there and
one that holds the whole attribute decide alike (clause 13.1); the sysfs
reader, the command line's reader and the parser's whole-input checks all use it."""
MAX_KEY_BYTES: Final = 63
"""A key, with its namespace and dot, is at most this long."""
MAX_TOKEN_BYTES: Final = 255
"""A token or set member, as written (an escape counts 3), is at most this long."""
MAX_SET_MEMBERS: Final = 64
"""A set has at most this many members."""
MIN_VERSION_PARTS: Final = 2
"""A version has at least this many components (one alone is an integer)."""
MAX_VERSION_PARTS: Final = 8
"""A version has at most this many components."""
MAX_SELF_PREFIX: Final = MAX_VERSION_PARTS - 1
"""The longest truncated self-reference: ``$7`` (a version has at most 8 components)."""
MAX_INTEGER: Final = 2**64 - 1
"""Integers, version components and ratio terms are at most this (2**64 - 1)."""
FORMAT_VERSION: Final = 1
"""The format version this library implements: the header ``mc1``."""
SPEC_VERSION: Final = "1.1"
"""The version of the specification this library implements."""
SUITE_VERSION: Final = "1.1.0"
"""The version of the driver conformance suite, independent of the spec's (a check added is a minor version)."""
HEADER: Final = f"mc{FORMAT_VERSION}"
"""The header word that starts every attribute of this format version."""
