"""The driver conformance suite: checks a host's (or a capture's) migration attributes against clause 12.1.

* :mod:`.registry` -- every check ID, its clause and severity;
* :mod:`.emitter` -- E1 to E8 and the SHOULDs, per placement;
* :mod:`.fleet_checks` -- the compatibility matrix and the upgrade direction;
* :mod:`.runner` -- :func:`run`, which returns a :class:`~.results.Report`;
* :mod:`.samples` -- the bundled sample hosts; :mod:`.fleet` -- how they are made;
* :mod:`.report_text`, :mod:`.report_junit` -- renderers (the first needs rich).

Importing :mod:`migcompat` does not import this package.
"""

from __future__ import annotations

from .registry import CHECKS, SUITE_VERSION, Check
from .results import Failure, Report
from .runner import run

__all__ = ["CHECKS", "SUITE_VERSION", "Check", "Failure", "Report", "run"]
