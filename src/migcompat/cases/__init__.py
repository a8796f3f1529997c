"""The language-neutral conformance cases and their runner (specification clauses 12.4 and 12.5).

* :mod:`.model` -- case files: loading, checking their shape, selecting cases;
* :mod:`.spec` -- what the specification says: clauses, mandatory units, examples;
* :mod:`.lint` -- ``migcompat cases check``: the suite checks itself;
* :mod:`.extract` -- the specification's examples as cases;
* :mod:`.generate` -- the generator of the hand-written case files;
* :mod:`.process` and :mod:`.runner` -- running cases through external programs;
* :mod:`.report` -- text, JSON and JUnit reports.
"""

from __future__ import annotations

from .model import KINDS, Case, CaseError, Selection, Suite, load_suite
from .runner import OUTCOMES, Options, Programs, Result, run_cases

__all__ = [
    "KINDS",
    "OUTCOMES",
    "Case",
    "CaseError",
    "Options",
    "Programs",
    "Result",
    "Selection",
    "Suite",
    "load_suite",
    "run_cases",
]
