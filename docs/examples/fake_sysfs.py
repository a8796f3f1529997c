"""Captured sysfs trees for the documentation's examples.

The integrator guide's examples read ``migration_version`` and
``migration_compatible_devices`` the way a management tool does on a host, under
``/sys``. So that they run anywhere (and in CI), :func:`make_sysfs` lays out the
same files under a temporary directory, from the GVT-g example bundled with
migcompat (``examples/gvt-g/``, clause 14.1 of the specification):

* host ``src`` has the vGPU ``UUID2`` (type ``i915-GVTg_V5_4``, aggregated
  twice, older driver);
* host ``dst`` has the vGPU ``UUID1`` (type ``i915-GVTg_V5_2``, newer driver)
  and the creatable type ``i915-GVTg_V5_8`` on the GPU ``0000:00:02.0``.

A vGPU's attributes are in its VFIO device directory,
``bus/mdev/devices/<uuid>/vfio-dev/vfioN/`` (clause 10.2); a type's in its
``mdev_supported_types/<type-id>/`` directory (clause 10.1).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

UUID1 = "4b20d080-1b54-4048-85b3-a6a62d165c01"
UUID2 = "4b20d080-1b54-4048-85b3-a6a62d165c02"
PARENT = "0000:00:02.0"
VFIO_DEVICE = "vfio0"
"""The name VFIO core gives each host's one vGPU: the first VFIO device registered there."""

_DOCS = Path(__file__).resolve().parents[1]
EXAMPLES = _DOCS / "examples"
"""The documentation's example files: ``docs/examples/`` in the source tree."""
_EXAMPLES = _DOCS.parent / "examples" / "gvt-g"
_TYPE = EXAMPLES / "gvt-g-type" / "i915-GVTg_V5_8"
_ATTRIBUTES = ("migration_version", "migration_compatible_devices")


def make_sysfs(host: str, root: Path | None = None) -> Path:
    """The ``/sys`` of *host* (``src`` or ``dst``), captured under *root* or a new temporary directory."""
    base = Path(tempfile.mkdtemp(prefix=f"migcompat-{host}-sys-")) if root is None else root
    devices = base / "bus" / "mdev" / "devices"
    if host == "src":
        _copy(_EXAMPLES / "uuid2", devices / UUID2 / "vfio-dev" / VFIO_DEVICE)
    elif host == "dst":
        _copy(_EXAMPLES / "uuid1", devices / UUID1 / "vfio-dev" / VFIO_DEVICE)
        _copy(_TYPE, base / "class" / "mdev_bus" / PARENT / "mdev_supported_types" / _TYPE.name)
    else:
        raise ValueError(f"unknown host {host!r}: src or dst")
    return base


def _copy(source: Path, destination: Path) -> None:
    destination.mkdir(parents=True)  # every directory above it too, as sysfs has them
    for name in _ATTRIBUTES:
        shutil.copyfile(source / name, destination / name)
