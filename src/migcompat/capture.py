"""Captures: a host's sysfs placements saved as one JSON document, and read back losslessly.

``migcompat capture -o host.json`` writes what :func:`capture` reads, so a
vendor can run the conformance suite on a CI machine without the hardware.
The document is described by ``spec/schema/capture.schema.json``::

    {"format": "migcompat-capture", "version": 1,
     "host": "gpu-node-7", "kernel": "6.8.0-45-generic", "time": "2025-01-31T12:00:00Z",
     "tool": "migcompat 0.1.0", "root": "/sys", "source": "sysfs", "modes_authoritative": true,
     "placements": [{"kind": "mdev_type", "ident": "i915-GVTg_V5_4", "path": "class/mdev_bus/...",
                     "properties": {"name": "GVTg_V5_4", ...}, "links": {"parent": "0000:00:02.0"},
                     "attributes": {"migration_version": {"text": "mc1 ...\\n", "mode": "0444"}, ...}}],
     "findings": [{"code": "dangling-link", "path": "bus/mdev/devices/.../mdev_type",
                   "message": "...", "attribute": true}]}

An attribute's bytes are stored as ``"text"`` when they are all ASCII and as
``"base64"`` otherwise; ``"reread"`` (same encoding) holds the second read
only when it differed from the first; ``"error"`` replaces the content of an
attribute that exists but could not be read. Reading back a written capture
gives an equal :class:`~migcompat.sysfs.model.HostData`.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import os
from collections.abc import Mapping
from typing import Any, Final, cast

from .errors import MigcompatError
from .sysfs.model import FINDING_CODES, MIGRATION_ATTRIBUTES, Attr, Finding, HostData, Placement, PlacementKind
from .sysfs.reader import is_sysfs, read_attribute, read_tree

__all__ = [
    "CAPTURE_FORMAT",
    "CAPTURE_VERSION",
    "CaptureError",
    "capture",
    "dumps",
    "from_json",
    "load",
    "loads",
    "to_json",
]

CAPTURE_FORMAT: Final = "migcompat-capture"
"""The ``"format"`` member of every capture document."""
CAPTURE_VERSION: Final = 1
"""The ``"version"`` member this migcompat writes, and the only one it reads."""
CAPTURE_READ_LIMIT: Final = 256 << 20
"""A capture file is read up to 256 MiB (a capture of 10,000 devices is about 10 MiB)."""

_KINDS: Final = ("mdev_type", "mdev", "pci", "device")
_SOURCES: Final = ("sysfs", "tree", "capture")


class CaptureError(MigcompatError):
    """A capture that cannot be taken or read.

    Its *code* is one of:

    * ``capture-invalid`` -- the document is not JSON or not a valid capture;
      *pointer* (and *where*) is a JSON Pointer to the offending member, empty
      for the document as a whole;
    * ``capture-unreadable`` -- the capture file or the sysfs tree cannot be
      read, or the file is too large; *where* is its path and *pointer* is empty.
    """

    def __init__(self, message: str, pointer: str = "", *, code: str = "capture-invalid", where: str = "") -> None:
        super().__init__(code, message, where=where or pointer)
        self.pointer = pointer

    def __str__(self) -> str:
        return self.message + (f" (at {self.pointer})" if self.pointer else "")


def _tool() -> str:
    from . import __version__

    return f"migcompat {__version__}"


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def capture(root: str = "/sys", *, reread: bool = True, host: str | None = None) -> HostData:
    """Read the sysfs tree at *root* (a live ``/sys`` or a mirror of it) into a :class:`HostData`.

    Raises :class:`CaptureError` only when *root* itself is not a readable
    directory; every fault inside the tree is a finding.
    """
    try:
        names = os.listdir(root)
    except OSError as exc:
        raise CaptureError(
            f"cannot read {root}: {exc.strerror or exc}", code="capture-unreadable", where=root
        ) from None
    del names
    placements, findings = read_tree(root, reread=reread)
    live = is_sysfs(root)
    uname = os.uname()
    return HostData(
        host=host or uname.nodename,
        kernel=uname.release,
        time=_now(),
        tool=_tool(),
        root=os.path.abspath(root),
        source="sysfs" if live else "tree",
        modes_authoritative=live,
        placements=placements,
        findings=findings,
        origin=root,
    )


# ---- writing --------------------------------------------------------------------------


def _bytes_json(data: bytes) -> dict[str, str]:
    if data.isascii():
        return {"text": data.decode("ascii")}
    return {"base64": base64.b64encode(data).decode("ascii")}


def _attr_json(attr: Attr) -> dict[str, object]:
    out: dict[str, object] = {}
    if attr.data is not None:
        out.update(_bytes_json(attr.data))
    else:
        out["error"] = attr.error or "unreadable"
    if attr.reread is not None and attr.data is not None and attr.reread != attr.data:
        out["reread"] = _bytes_json(attr.reread)
    out["mode"] = None if attr.mode is None else f"{attr.mode:04o}"
    return out


def to_json(host: HostData) -> dict[str, object]:
    """*host* as a JSON-ready document (``capture.schema.json``)."""
    return {
        "format": CAPTURE_FORMAT,
        "version": CAPTURE_VERSION,
        "host": host.host,
        "kernel": host.kernel,
        "time": host.time,
        "tool": host.tool,
        "root": host.root,
        "source": host.source,
        "modes_authoritative": host.modes_authoritative,
        "placements": [
            {
                "kind": p.kind,
                "ident": p.ident,
                "path": p.path,
                "properties": dict(p.properties),
                "links": dict(p.links),
                "attributes": {name: _attr_json(attr) for name, attr in p.attributes.items()},
            }
            for p in host.placements
        ],
        "findings": [
            {"code": f.code, "path": f.path, "message": f.message, "attribute": f.attribute} for f in host.findings
        ],
    }


def dumps(host: HostData) -> str:
    """*host* as the text of a capture file (indented JSON, ASCII, final newline)."""
    return json.dumps(to_json(host), indent=1, ensure_ascii=True) + "\n"


# ---- reading --------------------------------------------------------------------------


def _object(value: object, pointer: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise CaptureError("expected an object", pointer)
    return cast(Mapping[str, Any], value)


def _string(doc: Mapping[str, Any], key: str, pointer: str) -> str:
    value = doc.get(key)
    if not isinstance(value, str):
        raise CaptureError(f"expected a string member {key!r}", f"{pointer}/{key}")
    return value


def _strings(value: object, pointer: str) -> dict[str, str]:
    mapping = _object(value, pointer)
    for key, item in mapping.items():
        if not isinstance(item, str):
            raise CaptureError("expected a string", f"{pointer}/{key}")
    return dict(mapping)


def _bytes(doc: Mapping[str, Any], pointer: str) -> bytes:
    if "text" in doc:
        text = doc["text"]
        if not isinstance(text, str) or not text.isascii():
            raise CaptureError("text must be an ASCII string", f"{pointer}/text")
        return text.encode("ascii")
    if "base64" in doc:
        try:
            return base64.b64decode(doc["base64"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise CaptureError("not valid base64", f"{pointer}/base64") from None
    raise CaptureError("expected a 'text' or 'base64' member", pointer)


def _attr(value: object, pointer: str) -> Attr:
    doc = _object(value, pointer)
    mode_text = doc.get("mode")
    mode: int | None = None
    if mode_text is not None:
        if not isinstance(mode_text, str) or not mode_text or set(mode_text) - set("01234567"):
            raise CaptureError("mode must be an octal string such as '0444'", f"{pointer}/mode")
        mode = int(mode_text, 8)
    if "error" in doc:
        error = doc["error"]
        if error not in FINDING_CODES:
            raise CaptureError(f"unknown error code {error!r}", f"{pointer}/error")
        return Attr(None, None, mode, error)
    data = _bytes(doc, pointer)
    reread = _bytes(_object(doc["reread"], f"{pointer}/reread"), f"{pointer}/reread") if "reread" in doc else data
    return Attr(data, reread, mode)


def _placement(value: object, pointer: str) -> Placement:
    doc = _object(value, pointer)
    kind = doc.get("kind")
    if kind not in _KINDS:
        raise CaptureError(f"kind must be one of {', '.join(_KINDS)}", f"{pointer}/kind")
    attributes = _object(doc.get("attributes", {}), f"{pointer}/attributes")
    for name in attributes:
        if name not in MIGRATION_ATTRIBUTES:
            raise CaptureError(f"unknown attribute {name!r}", f"{pointer}/attributes/{name}")
    return Placement(
        cast(PlacementKind, kind),
        _string(doc, "ident", pointer),
        _string(doc, "path", pointer),
        {name: _attr(attributes[name], f"{pointer}/attributes/{name}") for name in attributes},
        _strings(doc.get("properties", {}), f"{pointer}/properties"),
        _strings(doc.get("links", {}), f"{pointer}/links"),
    )


def _finding(value: object, pointer: str) -> Finding:
    doc = _object(value, pointer)
    code = _string(doc, "code", pointer)
    if code not in FINDING_CODES:
        raise CaptureError(f"unknown finding code {code!r}", f"{pointer}/code")
    attribute = doc.get("attribute", False)
    if not isinstance(attribute, bool):
        raise CaptureError("expected a boolean", f"{pointer}/attribute")
    return Finding(code, _string(doc, "path", pointer), _string(doc, "message", pointer), attribute)


def from_json(document: object, origin: str = "") -> HostData:
    """The :class:`HostData` a capture document holds. Raises :class:`CaptureError`."""
    doc = _object(document, "")
    if doc.get("format") != CAPTURE_FORMAT:
        raise CaptureError(f"not a migcompat capture (format must be {CAPTURE_FORMAT!r})", "/format")
    if doc.get("version") != CAPTURE_VERSION:
        raise CaptureError(
            f"capture version {doc.get('version')!r} is not supported (this migcompat reads {CAPTURE_VERSION})",
            "/version",
        )
    source = doc.get("source")
    if source not in _SOURCES:
        raise CaptureError(f"source must be one of {', '.join(_SOURCES)}", "/source")
    authoritative = doc.get("modes_authoritative")
    if not isinstance(authoritative, bool):
        raise CaptureError("expected a boolean", "/modes_authoritative")
    placements = doc.get("placements")
    findings = doc.get("findings", [])
    if not isinstance(placements, list):
        raise CaptureError("expected an array", "/placements")
    if not isinstance(findings, list):
        raise CaptureError("expected an array", "/findings")
    return HostData(
        host=_string(doc, "host", ""),
        kernel=_string(doc, "kernel", ""),
        time=_string(doc, "time", ""),
        tool=_string(doc, "tool", ""),
        root=_string(doc, "root", ""),
        source=source,
        modes_authoritative=authoritative,
        placements=tuple(_placement(item, f"/placements/{i}") for i, item in enumerate(placements)),
        findings=tuple(_finding(item, f"/findings/{i}") for i, item in enumerate(findings)),
        origin=origin,
    )


def loads(text: str | bytes, origin: str = "") -> HostData:
    """Read a capture from its text. Raises :class:`CaptureError`."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CaptureError(f"not valid JSON: {exc}", where=f"line {exc.lineno}, column {exc.colno}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise CaptureError(f"not valid JSON: {exc}") from None
    return from_json(document, origin)


def load(path: str) -> HostData:
    """Read the capture file *path* (read-only, bounded). Raises :class:`CaptureError`."""
    result = read_attribute(path, CAPTURE_READ_LIMIT + 1, follow=True)
    if result.data is None:
        raise CaptureError(
            f"cannot read {path}: {result.message or result.error}", code="capture-unreadable", where=path
        )
    if len(result.data) > CAPTURE_READ_LIMIT:
        raise CaptureError(
            f"{path} is larger than {CAPTURE_READ_LIMIT >> 20} MiB", code="capture-unreadable", where=path
        )
    return loads(result.data, origin=path)
