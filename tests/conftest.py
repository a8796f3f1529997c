"""Test configuration: make the shared Hypothesis strategies importable and pick a profile."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))
# The sample fleet generator is a maintainer script beside the cases generator, not part of the package.
sys.path.insert(0, str(Path(__file__).parent.parent / "conformance" / "tools"))

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", parent=settings.get_profile("default"), max_examples=300)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default"))
