"""Generated faults in generated sysfs trees: the reader and the whole suite never crash.

Hypothesis writes a realistic host (GVT-g, mlx5 or mtty) as a sysfs-shaped tree,
then applies a random set of faults at random places in it: files removed,
contents replaced by binary bytes or by more than a page, files turned into
dangling links or link loops, directories made unreadable (EACCES, simulated:
these tests run as root). Whatever the faults, taking a capture and running
every conformance check gives findings and failures, never an exception, and
every finding carries a registered code.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sample_fleet import gvt_host, mlx5_host, mtty_host, write_tree

from migcompat.capture import capture, dumps, loads
from migcompat.conformance import run
from migcompat.sysfs.model import FINDING_CODES
from strategies import examples

HOSTS = {
    "gvt": lambda: gvt_host("g", 3),
    "mlx5": lambda: mlx5_host("m", "1.1"),
    "mtty": lambda: mtty_host("t", "1.1"),
}
FAULTS = ["remove", "binary", "oversize", "dangling", "loop", "eacces"]


def _entries(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _apply(root: Path, fault: str, target: Path, denied: set[str]) -> None:
    if fault == "remove":
        target.unlink()
    elif fault == "binary":
        target.write_bytes(b"mc1 \x00\xff\xfe garbage \x80")
    elif fault == "oversize":
        target.write_bytes(b"mc1 a=" + b"x" * 5000 + b"\n")
    elif fault == "dangling":
        target.unlink()
        target.symlink_to(root / "no" / "such" / "file")
    elif fault == "loop":
        target.unlink()
        target.symlink_to(target.name)
    else:
        denied.add(str(target.parent))


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    host=st.sampled_from(sorted(HOSTS)),
    faults=st.lists(st.tuples(st.sampled_from(FAULTS), st.integers(0, 10_000)), min_size=1, max_size=6),
)
def test_faulty_trees_give_findings_never_exceptions(
    host: str, faults: list[tuple[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = Path(tempfile.mkdtemp(prefix="migcompat-faults-"))
    try:
        write_tree(HOSTS[host](), str(root))
        denied: set[str] = set()
        for fault, index in faults:
            entries = _entries(root)
            if not entries:
                break
            _apply(root, fault, entries[index % len(entries)], denied)

        real_open = os.open

        def guarded_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
            if str(path).startswith(tuple(denied)) or os.path.dirname(str(path)) in denied:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

        with monkeypatch.context() as patch:
            patch.setattr(os, "open", guarded_open)
            data = capture(str(root), host=host)
        assert all(finding.code in FINDING_CODES for finding in data.findings)
        assert loads(dumps(data), origin=data.origin) == data
        report = run([data])
        assert report is not None
        assert all(failure.check.startswith("MC-") for failure in report.failures)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_a_denied_os_open_is_what_the_reader_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The EACCES simulation above patches os.open: denying one attribute there must be seen as unreadable."""
    root = tmp_path / "host"
    write_tree(mtty_host("mtty-node", "1.0"), str(root))
    attribute = next(
        path for path in root.rglob("migration_version") if path.is_file() and "mdev_supported_types" in str(path)
    )
    real_open = os.open

    def guarded_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if os.path.basename(str(path)) == "migration_version" and "mdev_supported_types" in str(path):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", guarded_open)
    data = capture(str(root), host="mtty-node")
    denied = [finding for finding in data.findings if finding.code == "unreadable"]
    assert denied, data.findings
    assert all(finding.path.endswith("migration_version") for finding in denied)
    assert attribute.read_text().startswith("mc1")  # the file itself is readable: only os.open said no
