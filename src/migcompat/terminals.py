"""The value and key terminals of ``grammar/migcompat.lark``, as Python regular expressions.

They are the grammar's own patterns, copied verbatim (``tests/test_grammar.py``
holds them equal to the file), for the code that matches lexemes without Lark:
the fast path (:mod:`migcompat._fast`) and the JSON data model
(:mod:`migcompat.jsonmodel`).
"""

from typing import Final

KEY: Final = r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?"
INT: Final = r"[0-9]+"
SELF_PREFIX: Final = r"\$[1-7]"
VERSION: Final = r"[0-9]+(\.[0-9]+)+"
RATIO: Final = r"[0-9]+\/[0-9]+"
TOKEN: Final = (
    r"([0-9]+\.)*[0-9]*([A-Za-z_:+-]|%[0-9A-Fa-f]{2})([A-Za-z0-9_:+-]|%[0-9A-Fa-f]{2})*"
    r"(\.([A-Za-z0-9_:+-]|%[0-9A-Fa-f]{2})+)*"
)
