"""Test configuration: make the shared Hypothesis strategies importable and pick a profile."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from placement_service import PlacementService

sys.path.insert(0, str(Path(__file__).parent))
# The sample fleet generator is a maintainer script beside the cases generator, not part of the package.
sys.path.insert(0, str(Path(__file__).parent.parent / "conformance" / "tools"))

# A property test is written for a nominal example count: 50, or its own (strategies.examples).
# "default" draws half of it, which keeps the README's test command within two minutes on a
# 2-core machine; "thorough" (HYPOTHESIS_PROFILE=thorough, run by .ci/run) draws ten times it.
settings.register_profile("default", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


ROOT = Path(__file__).resolve().parent.parent


def _ensure_sample_trees() -> None:
    """Write the samples' sysfs trees where a source distribution left them out (its builder cannot keep links).

    A git checkout has them. In an unpacked sdist the first process to get
    here writes them beside a staging name and renames them into place, so
    concurrent test processes never see half a tree.
    """
    trees = ROOT / "conformance" / "sample-trees"
    if trees.is_dir() or not (ROOT / "conformance" / "tools" / "sample_fleet.py").is_file():
        return
    from sample_fleet import write_trees

    staging = tempfile.mkdtemp(prefix=".sample-trees-", dir=trees.parent)
    write_trees(staging)
    try:
        os.rename(staging, trees)
    except OSError:  # another test process was first
        shutil.rmtree(staging, ignore_errors=True)


def pytest_configure(config: pytest.Config) -> None:
    """Let the programs the tests start cache their bytecode, outside the source tree.

    Many tests run ``migcompat`` (and Sphinx, and the cases runner) as a child process. Where
    the environment forbids bytecode files (``PYTHONDONTWRITEBYTECODE``), each child would
    compile the package from source again. The children instead cache it under one private
    temporary directory (``PYTHONPYCACHEPREFIX``) for the run, made by the controller, inherited
    by the xdist workers and removed at the end; the source tree is never written, but for the
    sample trees an sdist leaves out (:func:`_ensure_sample_trees`). A prefix the
    environment already sets is kept, as is bytecode written beside the sources where allowed.
    """
    _ensure_sample_trees()
    if os.environ.get("PYTHONDONTWRITEBYTECODE") and not os.environ.get("PYTHONPYCACHEPREFIX"):
        prefix = tempfile.mkdtemp(prefix="migcompat-tests-pycache-")
        config.add_cleanup(lambda: shutil.rmtree(prefix, ignore_errors=True))
        os.environ["PYTHONPYCACHEPREFIX"] = prefix
        del os.environ["PYTHONDONTWRITEBYTECODE"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Queue the files that take longest first (``RUNS_LONG = True`` in the module), keeping the order otherwise.

    The default run hands whole files to the workers in collection order
    (``--dist loadfile --no-loadscope-reorder``, pyproject.toml): a long file
    queued last would keep one worker busy while the others idle.
    """
    items.sort(key=lambda item: not getattr(getattr(item, "module", None), "RUNS_LONG", False))


@pytest.fixture
def cases_copy(tmp_path: Path) -> Path:
    """A copy of the case directory ``migcompat cases`` reads by default, to edit."""
    from migcompat.cases.paths import default_cases_dir

    copy = tmp_path / "cases"
    shutil.copytree(default_cases_dir(), copy)
    return copy


@pytest.fixture(scope="session")
def running_placement(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlacementService]:
    """One real Placement service for the test files that empty it before each test (``PlacementService.empty``).

    Skips, with the reason, where Placement is not installed (``.ci/run`` turns the skip into a failure).
    """
    from placement_service import placement_service

    with placement_service(tmp_path_factory.mktemp("placement")) as running:
        yield running


@pytest.fixture
def placement(running_placement: PlacementService) -> PlacementService:
    """The session's real Placement service, emptied: no resource provider, no custom trait."""
    running_placement.empty()
    return running_placement
