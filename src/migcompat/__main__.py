"""``python -m migcompat``: the same as the ``migcompat`` command."""

from .cli import main

main()
