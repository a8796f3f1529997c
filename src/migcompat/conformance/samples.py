"""The bundled sample hosts: ``migcompat conformance --sample NAME``.

Each sample is a directory of ``conformance/samples/`` (shipped in the wheel
as ``migcompat/_data/samples/``) with a ``sample.json`` manifest::

    {"name": "gvt-g", "description": "...",
     "hosts": [{"name": "gvt-old", "capture": "old.json", "tree": "old", "role": "old", "kernel": "..."},
               {"name": "gvt-new", "capture": "new.json", "tree": "new", "role": "host", "kernel": "..."}],
     "expect": {"failures": [], "warnings": []}}

Each host has a capture (``<host>.json``); hosts that are sysfs-shaped trees
also name their *tree* under ``conformance/sample-trees/<sample>/``, which a
source checkout reads instead (the wheel cannot hold symbolic links, so an
installed migcompat reads the captures, which hold what reading the tree gave). Hosts with
role ``old`` are the older driver of the upgrade check. *expect* lists the
check IDs the sample trips: none for the good samples; for the ``broken-*``
ones the required checks they fail (at least one: the run exits with 1) and
any warnings; for the ``warn-*`` ones only warnings (failed recommended
checks: the run passes, with warnings).
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from typing import Any

from ..capture import CaptureError, capture, load
from ..errors import MigcompatError
from ..resources import samples_path
from ..sysfs.model import HostData

__all__ = ["Sample", "SampleError", "load_sample", "sample_descriptions", "sample_names"]


class SampleError(MigcompatError):
    """A sample that does not exist or cannot be read.

    Its *code* is ``sample-unknown`` when no bundled sample has the name (and
    *where* is empty), ``sample-invalid`` when the sample cannot be read (and
    *where* is the sample's directory).
    """

    def __init__(self, message: str, *, code: str = "sample-invalid", where: str = "") -> None:
        super().__init__(code, message, where=where)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Sample:
    """A bundled sample, read: its hosts, the older hosts of the upgrade check, and what it must trip.

    Pass *hosts* and *old* to :func:`~migcompat.conformance.runner.run` (as
    ``run(sample.hosts, old=sample.old)``); the run fails exactly the check IDs
    of *failures* and warns of those of *warnings*.
    """

    name: str
    description: str
    hosts: tuple[HostData, ...]
    old: tuple[HostData, ...]
    failures: tuple[str, ...]
    warnings: tuple[str, ...]


def _group(name: str) -> int:
    return 2 if name.startswith("broken-") else 1 if name.startswith("warn-") else 0


def sample_names() -> list[str]:
    """The names of the bundled samples: the good ones, then the ``warn-*``, then the ``broken-*``, each sorted."""
    try:
        root = samples_path()
    except FileNotFoundError:
        return []
    names = [entry.name for entry in root.iterdir() if (entry / "sample.json").is_file()]
    return sorted(names, key=lambda name: (_group(name), name))


def sample_descriptions() -> dict[str, str]:
    """Each bundled sample's one-line description, by name, in the order of :func:`sample_names`.

    Reads the manifests only (not the hosts); a manifest that cannot be read
    gives an empty description (:func:`load_sample` says what is wrong).
    """
    descriptions = {}
    for name in sample_names():
        try:
            manifest: Any = json.loads((samples_path() / name / "sample.json").read_text(encoding="utf-8"))
            description = manifest.get("description", "") if isinstance(manifest, dict) else ""
        except (OSError, ValueError):
            description = ""
        descriptions[name] = description if isinstance(description, str) else ""
    return descriptions


def load_sample(name: str) -> Sample:
    """Read the sample *name*. Raises :class:`SampleError`."""
    if name not in sample_names():
        raise SampleError(
            f"no sample named {name!r}; the samples are: {', '.join(sample_names())}", code="sample-unknown"
        )
    directory = samples_path() / name
    try:
        manifest: Any = json.loads((directory / "sample.json").read_text(encoding="utf-8"))
        hosts: list[HostData] = []
        old: list[HostData] = []
        trees = samples_path().parent / "sample-trees" / name
        for entry in manifest["hosts"]:
            origin = f"sample:{name}/{entry.get('tree') or entry['capture']}"
            tree = trees / entry["tree"] if entry.get("tree") else None
            if tree is not None and tree.is_dir():  # a source checkout: read the tree itself
                host = dataclasses.replace(
                    capture(str(tree), host=entry["name"]), kernel=entry.get("kernel", ""), origin=origin, root=origin
                )
            else:
                host = dataclasses.replace(load(os.path.join(str(directory), entry["capture"])), origin=origin)
            (old if entry.get("role") == "old" else hosts).append(host)
        expect = manifest.get("expect", {})
        return Sample(
            name,
            manifest.get("description", ""),
            tuple(hosts),
            tuple(old),
            tuple(expect.get("failures", [])),
            tuple(expect.get("warnings", [])),
        )
    except (OSError, ValueError, KeyError, TypeError, CaptureError) as exc:
        problem = str(exc)
        if isinstance(exc, CaptureError):  # its str() starts error[code]: the command adds sample-invalid's
            problem = exc.message + (f" (at {exc.pointer})" if exc.pointer else "")
        raise SampleError(f"sample {name!r} cannot be read: {problem}", where=str(directory)) from None
