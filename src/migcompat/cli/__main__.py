"""``python -m migcompat.cli``: the same as the ``migcompat`` command."""

from . import main

main()
