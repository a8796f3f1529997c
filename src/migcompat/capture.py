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

Reading a capture is bounded, whatever the file holds: only a regular file of
at most :data:`CAPTURE_READ_LIMIT` bytes is read (its size is known before a
byte is read), the JSON is decoded by :func:`migcompat.jsonmodel.decode_json`
(values, nesting and integers bounded), an attribute's content is cut at 4096 bytes
as the sysfs reader cuts it (so the attribute parser later reports
``too-long``, never parses megabytes), a descriptive attribute longer than
4095 bytes becomes a ``too-long`` finding as on a live host, and every other
string is at most ``MAX_CAPTURE_STRING`` (16384) characters. Peak memory is a
few times the file's size (about 4x for a capture as migcompat writes it).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import os
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final, cast

from ._arguments import require
from ._files import FileTooLarge, read_regular
from ._jsondoc import integer_value, json_text, pointer_token
from .errors import MigcompatError
from .jsonmodel import decode_json, without_surrogates
from .limits import MAX_ATTRIBUTE_BYTES
from .sysfs.model import FINDING_CODES, MIGRATION_ATTRIBUTES, Attr, Finding, HostData, Placement, PlacementKind
from .sysfs.reader import READ_LIMIT, is_sysfs, read_tree

__all__ = [
    "CAPTURE_FORMAT",
    "CAPTURE_READ_LIMIT",
    "CAPTURE_VERSION",
    "MAX_CAPTURE_STRING",
    "MAX_HOST_NAME",
    "MAX_KERNEL_RELEASE",
    "NOT_SYSFS_MESSAGE",
    "CaptureError",
    "capture",
    "capture_moment",
    "capture_time",
    "check_host_name",
    "check_kernel_release",
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
NOT_SYSFS_MESSAGE: Final = (
    "the root holds neither bus/ nor class/: it is not a sysfs tree (a wrong root, or a directory above a copy"
    " of sysfs?), so nothing was read"
)
"""The message of the ``missing`` finding at the root (path ``""``) of a tree :func:`capture` finds no sysfs in."""
CAPTURE_READ_LIMIT: Final = 64 << 20
"""The largest capture file :func:`load` reads: 64 MiB; a larger one is refused unread.

A placement takes about 1 KiB in a capture (its two attributes, a few
descriptive attributes and links), so 64 MiB holds some 60,000 placements:
six times a host with 10,000 VFIO devices and mdevs (8 GPUs with 512 vGPU
types and instances each, or SR-IOV adapters with thousands of virtual
functions), which is more than any host has today. Loading one peaks at a few
times its size in memory (:mod:`migcompat.capture`), so the bound keeps a
hostile file well below a gigabyte."""
MAX_CAPTURE_STRING: Final = 16384
"""The longest string, in characters, a capture may hold outside attribute contents.

Host names, paths, link targets and finding messages are bounded by the
kernel's PATH_MAX (4096) and a sentence of context; four times that leaves
room, and keeps a hostile capture from putting megabytes into every line of
a report."""

MAX_HOST_NAME: Final = 255
"""The longest host name :func:`capture` records (a DNS name is at most 253 characters)."""
MAX_KERNEL_RELEASE: Final = 64
"""The longest kernel release :func:`capture` records (the kernel's ``__NEW_UTS_LEN``)."""

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
        return super().__str__() + (f" (at {self.pointer})" if self.pointer else "")


def _tool() -> str:
    from . import __version__

    return f"migcompat {__version__}"


def _utc_text(moment: datetime.datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _now() -> str:
    return _utc_text(datetime.datetime.now(datetime.timezone.utc))


_CAPTURE_TIME: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\Z")
_EPOCH: Final = re.compile(r"[0-9]+\Z")


def capture_moment(text: str) -> datetime.datetime | None:
    """The moment a capture's recorded time *text* names (in the form :func:`capture_time` returns), or None
    when *text* is not in that form or names a date and time that does not exist."""
    if not _CAPTURE_TIME.match(text):
        return None
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None


def capture_time(value: str) -> str:
    """*value* as :func:`capture` records a time: RFC 3339 UTC to the second (``2025-01-31T12:00:00Z``).

    *value* is that form itself, or a count of seconds since 1970-01-01 UTC
    (``1738324800``, the form of ``SOURCE_DATE_EPOCH``, for a capture made
    at a package's build time that must come out the same on every build).
    Anything else, or a date that does not exist, raises ValueError saying why.
    """
    if _EPOCH.match(value):
        try:
            if len(value) > 12:  # past 9999 already, and no digit string is too long for int() to refuse
                raise ValueError
            return _utc_text(datetime.datetime.fromtimestamp(int(value), datetime.timezone.utc))
        except (OverflowError, OSError, ValueError):
            shown = value if len(value) <= 40 else value[:40] + "..."
            raise ValueError(f"the time {shown} (seconds since 1970) is after the year 9999") from None
    if _CAPTURE_TIME.match(value):
        if capture_moment(value) is None:
            raise ValueError(f"the time {value} is not a date and time that exists")
        return value
    shown = repr(value if len(value) <= 40 else value[:40] + "...")
    raise ValueError(
        f"the time {shown} is neither RFC 3339 UTC to the second (such as 2025-01-31T12:00:00Z)"
        " nor a count of seconds since 1970-01-01 UTC (such as 1738324800)"
    )


def _check_word(what: str, value: str, limit: int) -> str:
    if not value:
        raise ValueError(f"the {what} is empty")
    if len(value) > limit:
        raise ValueError(f"the {what} is {len(value)} characters long; at most {limit} are allowed")
    if any("\udc80" <= char <= "\udcff" for char in value):  # bytes of the command line that are not UTF-8
        shown = without_surrogates(value)
        raise ValueError(f"the {what} '{shown}' is not UTF-8 text (its bytes that are not are shown as \\xNN)")
    if not value.isprintable() or any(char.isspace() for char in value):
        raise ValueError(f"the {what} {value!r} holds a space or a control character")
    return value


def check_host_name(value: str) -> str:
    """*value*, if :func:`capture` records it as a host name; else ValueError, saying why.

    A host name is not empty, is UTF-8 text (a command line's other bytes
    are refused, shown as ``\\xNN``), holds no space or control character, and
    is at most :data:`MAX_HOST_NAME` characters long.
    """
    return _check_word("host name", value, MAX_HOST_NAME)


def check_kernel_release(value: str) -> str:
    """*value*, if :func:`capture` records it as a kernel release (``uname -r``); else ValueError, saying why.

    A kernel release is not empty, holds no space or control character, and
    is at most :data:`MAX_KERNEL_RELEASE` characters long.
    """
    return _check_word("kernel release", value, MAX_KERNEL_RELEASE)


def capture(
    root: str | os.PathLike[str] = "/sys",
    *,
    reread: bool = True,
    host: str | None = None,
    kernel: str | None = None,
    time: str | None = None,
) -> HostData:
    """Read the sysfs tree at *root* (a live ``/sys`` or a mirror of it) into a :class:`HostData`.

    The capture records *host* and *kernel* when they are given. When they
    are not, and *root* is a mounted sysfs, it records this machine's host
    name and kernel release (``uname``), which are the captured host's; of
    any other tree (a copy of another host's sysfs) neither is known, and
    each is recorded as the empty string (the capture schema has no null
    for them). It records *time* (see :func:`capture_time`) as the capture's
    time, or the time it is taken when *time* is None. It records *root* as given (a relative path stays relative),
    so that a capture of a mirror committed to a repository does not carry
    the directory it was taken in on the build machine.

    Raises ValueError when *host* or *kernel* is given but is empty, holds a
    space or a control character, or is too long (``check_host_name``,
    ``check_kernel_release``), or *time* is given but is not a time
    (``capture_time``), and :class:`CaptureError` only when *root*
    itself is not a readable directory; every fault inside the tree is a
    finding. A *root* that holds neither ``bus/`` nor ``class/`` (an empty
    directory, a typo in a configured root, a directory above a copy of
    sysfs) is not a sysfs tree: nothing is read, and the capture has one
    ``missing`` finding at the root (path ``""``), which the fleet
    commands count as a host not read (it may hide targets).
    """
    root = os.fspath(root)
    if host is not None:
        check_host_name(host)
    if kernel is not None:
        check_kernel_release(kernel)
    taken = None if time is None else capture_time(time)
    try:
        names = os.listdir(root)
    except OSError as exc:
        raise CaptureError(
            f"cannot read {root}: {exc.strerror or exc}", code="capture-unreadable", where=root
        ) from None
    except ValueError:  # a NUL byte: no such directory can exist
        raise CaptureError(
            f"cannot read {root!r}: a NUL byte in the path", code="capture-unreadable", where=repr(root)
        ) from None
    if "bus" in names or "class" in names:
        placements, findings = read_tree(root, reread=reread)
    else:
        placements, findings = (), (Finding("missing", "", NOT_SYSFS_MESSAGE, attribute=True),)
    live = is_sysfs(root)
    uname = os.uname()
    local_host, local_kernel = (uname.nodename, uname.release) if live else ("", "")
    return HostData(
        host=local_host if host is None else host,
        kernel=local_kernel if kernel is None else kernel,
        time=_now() if taken is None else taken,
        tool=_tool(),
        root=root,
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
    """*host* as a JSON-ready document (``capture.schema.json``); anything else raises :class:`TypeError`."""
    require("host", host, HostData)
    return {
        "format": CAPTURE_FORMAT,
        "version": CAPTURE_VERSION,
        "host": host.host,
        "kernel": host.kernel,
        "time": host.time,
        "tool": host.tool,
        # a path with bytes that are not UTF-8 (a mirror under such a directory) as \xNN: shown, never opened
        "root": without_surrogates(host.root),
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
    _bounded(value, f"{pointer}/{key}")
    return value


def _bounded(text: str, pointer: str) -> None:
    if len(text) > MAX_CAPTURE_STRING:
        raise CaptureError(
            f"a string of {len(text)} characters; a capture holds at most {MAX_CAPTURE_STRING} outside attributes",
            pointer,
        )


def _strings(value: object, pointer: str) -> dict[str, str]:
    mapping = _object(value, pointer)
    for key, item in mapping.items():
        if not isinstance(item, str):
            raise CaptureError("expected a string", f"{pointer}/{_escape(key)}")
        _bounded(key, f"{pointer}/{_escape(key)}")
        _bounded(item, f"{pointer}/{_escape(key)}")
    return dict(mapping)


def _escape(name: str) -> str:
    """*name* as a JSON Pointer token (RFC 6901), shortened when it is long."""
    if len(name) > 64:
        name = name[:64] + "..."
    return pointer_token(name)


_BASE64_PREFIX: Final = 4 * -(-READ_LIMIT // 3)
"""Base64 characters that hold the first READ_LIMIT bytes (a multiple of 4, so a valid text on its own)."""


def _bytes(doc: Mapping[str, Any], pointer: str) -> bytes:
    """The content of an attribute, cut at READ_LIMIT bytes as the sysfs reader cuts it."""
    if "text" in doc:
        text = doc["text"]
        if not isinstance(text, str) or not text.isascii():
            raise CaptureError("text must be an ASCII string", f"{pointer}/text")
        return text[:READ_LIMIT].encode("ascii")
    if "base64" in doc:
        encoded = doc["base64"]
        if not isinstance(encoded, str) or not encoded.isascii():
            raise CaptureError("not valid base64", f"{pointer}/base64")
        try:
            if len(encoded) > _BASE64_PREFIX:
                base64.b64decode(encoded[_BASE64_PREFIX:], validate=True)  # the rest must be base64 too
                return base64.b64decode(encoded[:_BASE64_PREFIX], validate=True)[:READ_LIMIT]
            return base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise CaptureError("not valid base64", f"{pointer}/base64") from None
    raise CaptureError("expected a 'text' or 'base64' member", pointer)


_ATTRIBUTE_MEMBERS: Final = frozenset({"text", "base64", "error", "mode", "reread"})
_CONTENTS: Final = ("text", "base64", "error")


def _attr(value: object, pointer: str) -> Attr:
    doc = _object(value, pointer)
    unknown = sorted(name for name in doc if name not in _ATTRIBUTE_MEMBERS)
    if unknown:
        raise CaptureError(f"unknown member {_brief(unknown[0])} of an attribute", f"{pointer}/{_escape(unknown[0])}")
    contents = [name for name in _CONTENTS if name in doc]
    if len(contents) > 1:  # the schema's oneOf: two readers would take different bytes
        raise CaptureError(
            f"an attribute has one of 'text', 'base64' and 'error', not {' and '.join(contents)}", pointer
        )
    mode_text = doc.get("mode")
    mode: int | None = None
    if mode_text is not None:
        if not isinstance(mode_text, str) or not 3 <= len(mode_text) <= 4 or set(mode_text) - set("01234567"):
            raise CaptureError("mode must be an octal string such as '0444'", f"{pointer}/mode")
        mode = int(mode_text, 8)
    if "error" in doc:
        error = doc["error"]
        if not isinstance(error, str) or error not in FINDING_CODES:
            raise CaptureError(f"unknown error code {_brief(error)}", f"{pointer}/error")
        return Attr(None, None, mode, error)
    data = _bytes(doc, pointer)
    reread = _bytes(_object(doc["reread"], f"{pointer}/reread"), f"{pointer}/reread") if "reread" in doc else data
    return Attr(data, reread, mode)


def _brief(value: object) -> str:
    """*value* for a message: a short string in full, anything else by its JSON type (never a big repr)."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:40]) + f"... ({len(value)} characters)"
    if value is None or isinstance(value, (bool, int, float, Decimal)):
        return json_text(value)
    return "an object" if isinstance(value, dict) else "an array" if isinstance(value, list) else "a value"


def _properties(value: object, pointer: str, where: str, findings: list[Finding]) -> dict[str, str]:
    """The descriptive attributes; one longer than a page is left out with a ``too-long`` finding, as on a host."""
    mapping = _object(value, pointer)
    kept: dict[str, str] = {}
    for key, item in mapping.items():
        if not isinstance(item, str):
            raise CaptureError("expected a string", f"{pointer}/{_escape(key)}")
        _bounded(key, f"{pointer}/{_escape(key)}")
        if len(item) > MAX_ATTRIBUTE_BYTES:  # the reader keeps no text longer than one page
            findings.append(Finding("too-long", f"{where}/{key}", f"longer than {MAX_ATTRIBUTE_BYTES} bytes"))
            continue
        kept[key] = item
    return kept


def _placement(value: object, pointer: str, findings: list[Finding]) -> Placement:
    doc = _object(value, pointer)
    kind = doc.get("kind")
    if kind not in _KINDS:
        raise CaptureError(f"kind must be one of {', '.join(_KINDS)}", f"{pointer}/kind")
    attributes = _object(doc.get("attributes", {}), f"{pointer}/attributes")
    for name in attributes:
        if name not in MIGRATION_ATTRIBUTES:
            raise CaptureError(f"unknown attribute {_brief(name)}", f"{pointer}/attributes/{_escape(name)}")
    ident = _string(doc, "ident", pointer)
    path = _string(doc, "path", pointer)
    return Placement(
        cast(PlacementKind, kind),
        ident,
        path,
        {name: _attr(attributes[name], f"{pointer}/attributes/{name}") for name in attributes},
        _properties(doc.get("properties", {}), f"{pointer}/properties", path, findings),
        _strings(doc.get("links", {}), f"{pointer}/links"),
    )


def _finding(value: object, pointer: str) -> Finding:
    doc = _object(value, pointer)
    code = _string(doc, "code", pointer)
    if code not in FINDING_CODES:
        raise CaptureError(f"unknown finding code {_brief(code)}", f"{pointer}/code")
    attribute = doc.get("attribute", False)
    if not isinstance(attribute, bool):
        raise CaptureError("expected a boolean", f"{pointer}/attribute")
    return Finding(code, _string(doc, "path", pointer), _string(doc, "message", pointer), attribute)


def from_json(document: object, origin: str = "") -> HostData:
    """The :class:`HostData` a capture document holds. Raises :class:`CaptureError`."""
    return _host(document, origin, consume=False)


def _host(document: object, origin: str, *, consume: bool) -> HostData:
    """The capture *document*; with *consume*, each placement is dropped from it once read (less memory)."""
    doc = _object(document, "")
    if doc.get("format") != CAPTURE_FORMAT:
        raise CaptureError(f"not a migcompat capture (format must be {CAPTURE_FORMAT!r})", "/format")
    if integer_value(doc.get("version")) != CAPTURE_VERSION:  # 1.0 is 1, true is not (the number rule)
        raise CaptureError(
            f"capture version {_brief(doc.get('version'))} is not supported (this migcompat reads {CAPTURE_VERSION})",
            "/version",
        )
    source = doc.get("source")
    if source not in _SOURCES:
        raise CaptureError(f"source must be one of {', '.join(_SOURCES)}", "/source")
    authoritative = doc.get("modes_authoritative")
    if not isinstance(authoritative, bool):
        raise CaptureError("expected a boolean", "/modes_authoritative")
    raw_placements = doc.get("placements")
    raw_findings = doc.get("findings", [])
    if not isinstance(raw_placements, list):
        raise CaptureError("expected an array", "/placements")
    if not isinstance(raw_findings, list):
        raise CaptureError("expected an array", "/findings")
    header = {key: _string(doc, key, "") for key in ("host", "kernel", "time", "tool", "root")}
    findings = [_finding(item, f"/findings/{i}") for i, item in enumerate(raw_findings)]
    placements = []
    for index in range(len(raw_placements)):
        placements.append(_placement(raw_placements[index], f"/placements/{index}", findings))
        if consume:
            raw_placements[index] = None
    return HostData(
        host=header["host"],
        kernel=header["kernel"],
        time=header["time"],
        tool=header["tool"],
        root=header["root"],
        source=source,
        modes_authoritative=authoritative,
        placements=tuple(placements),
        findings=tuple(findings),
        origin=origin,
    )


def loads(text: str | bytes, origin: str = "") -> HostData:
    """Read a capture from its text (bytes are UTF-8). Raises :class:`CaptureError`, and nothing else but
    :class:`TypeError` for a *text* that is neither text nor bytes (a decoded document goes to :func:`from_json`).

    The text is decoded by :func:`migcompat.jsonmodel.decode_json`: more
    than :data:`~migcompat.jsonmodel.MAX_JSON_VALUES` values, nesting
    deeper than :data:`~migcompat.jsonmodel.MAX_JSON_DEPTH` levels or an
    integer of more than :data:`~migcompat.jsonmodel.MAX_JSON_INTEGER_DIGITS`
    digits is a ``capture-invalid`` error like any text that is not JSON, as
    are an object with two members of one name (which value a reader takes
    is left open by RFC 8259) and ``NaN`` or ``Infinity``.
    """
    return _host(_decode(text), origin, consume=True)


def _decode(text: str | bytes) -> Any:
    return decode_json(text, _json_error, strict=True)


def _json_error(message: str, line: int | None, column: int | None) -> CaptureError:
    return CaptureError(f"not valid JSON: {message}", where="" if line is None else f"line {line}, column {column}")


def load(path: str) -> HostData:
    """Read the capture file *path* (read-only, bounded). Raises :class:`CaptureError`.

    Only a regular file (a symbolic link to one included) of at most
    :data:`CAPTURE_READ_LIMIT` bytes is read; a larger one, a FIFO, a device
    or a directory is a ``capture-unreadable`` error, found before anything
    is read.
    """
    data = _read_capture(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaptureError(
            f"not valid JSON: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None
    del data  # the bytes are not needed any more: only the text, then the document, is held
    document = _decode(text)
    del text
    return _host(document, path, consume=True)


def _read_capture(path: str) -> bytearray:
    """The bytes of the regular file *path*, at most CAPTURE_READ_LIMIT of them, read into one buffer."""

    def unreadable(reason: str) -> CaptureError:
        return CaptureError(f"cannot read {path}: {reason}", code="capture-unreadable", where=path)

    try:
        return read_regular(path, CAPTURE_READ_LIMIT)
    except FileTooLarge as exc:
        size = "larger" if exc.size is None else f"{exc.size} bytes, larger"
        raise CaptureError(
            f"{path} is {size} than the {CAPTURE_READ_LIMIT >> 20} MiB a capture may be",
            code="capture-unreadable",
            where=path,
        ) from None
    except OSError as exc:
        raise unreadable(exc.strerror or str(exc)) from None
    except ValueError as exc:  # an embedded NUL in the path
        raise unreadable(str(exc)) from None
