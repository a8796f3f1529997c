"""The driver conformance suite: checks a host's (or a capture's) migration attributes against clause 12.1.

The public surface, exported here:

* :func:`~migcompat.conformance.runner.run` checks hosts (each a
  :class:`~migcompat.sysfs.model.HostData`, read by :mod:`migcompat.capture`)
  and returns a :class:`~migcompat.conformance.results.Report` of
  :class:`~migcompat.conformance.results.Failure` objects;
* :data:`~migcompat.conformance.registry.CHECKS` holds every
  :class:`~migcompat.conformance.registry.Check`, by its stable ID;
  :data:`~migcompat.limits.SUITE_VERSION` is the suite's version.

The modules:

* :mod:`migcompat.conformance.registry` -- every check ID, its clause and severity;
* :mod:`migcompat.conformance.runner` -- :func:`~migcompat.conformance.runner.run`;
* :mod:`migcompat.conformance.results` -- what a run produces;
* :mod:`migcompat.conformance.report_text`, :mod:`migcompat.conformance.report_junit`,
  :mod:`migcompat.conformance.report_ktap` -- the report for people (with rich), as
  JUnit XML and as KTAP (the kernel's test output format);
* :mod:`migcompat.conformance.samples` -- the bundled sample hosts;
* internal: :mod:`migcompat.conformance.emitter_checks` -- E1 to E8 and the
  SHOULDs, per placement; :mod:`migcompat.conformance.matrix_checks` -- the
  compatibility matrix; :mod:`migcompat.conformance.upgrade_checks` -- the
  upgrade direction. The samples are made by ``conformance/tools/sample_fleet.py``,
  a maintainer script.

Importing :mod:`migcompat` does not import this package.
"""

from __future__ import annotations

from .registry import CHECKS, SUITE_VERSION, Check
from .results import Failure, Report
from .runner import run

__all__ = ["CHECKS", "SUITE_VERSION", "Check", "Failure", "Report", "run"]
