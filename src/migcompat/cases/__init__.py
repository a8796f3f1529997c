"""The language-neutral conformance cases and their runner (specification clauses 12.4 and 12.5).

The public surface, exported here: :func:`~migcompat.cases.model.load_suite`
reads a directory of case files into a :class:`~migcompat.cases.model.Suite`
of :class:`~migcompat.cases.model.Case` objects, a
:class:`~migcompat.cases.model.Selection` picks some, and
:func:`~migcompat.cases.runner.run_cases` runs them through the
:class:`~migcompat.cases.runner.Programs` of an implementation, giving one
:class:`~migcompat.cases.runner.Result` each.

The modules:

* :mod:`migcompat.cases.model` -- case files: loading, checking their shape, selecting cases;
* :mod:`migcompat.cases.runner` -- running cases through external programs;
* :mod:`migcompat.cases.report` -- text, JSON and JUnit reports;
* :mod:`migcompat.cases.lint` -- ``migcompat cases check``: the suite checks itself;
* :mod:`migcompat.cases.spec` -- what the specification says: clauses, mandatory units, examples;
* :mod:`migcompat.cases.paths` -- where the cases, the specification and the schemas are;
* internal: :mod:`migcompat.cases.process` -- running a program safely;
  :mod:`migcompat.cases.schemas` -- validating against the JSON Schemas;
  :mod:`migcompat.cases.extract` -- the specification's examples as cases.

The other case files are written by a maintainer's script that is not part of
the package, ``conformance/tools/generate_cases.py`` in the source tree.
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
