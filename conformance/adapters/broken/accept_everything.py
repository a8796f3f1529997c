#!/usr/bin/env python3
"""A deliberately broken implementation: it accepts everything and understands nothing.

The parser answers one fixed data model for any input, the emitter writes the
bare header, and the checker calls every source compatible and every pair of
rule sets equal. The conformance runner must judge it ``wrong`` wherever that
differs from the cases (it follows the protocol, so never crash, timeout or
garbage). Modes: ``parse KIND``, ``emit``, ``check``, ``serve``.
"""

from __future__ import annotations

import json
import sys

VERSION = {
    "attribute": "migration_version",
    "fields": {"driver": {"critical": True, "value": {"type": "token", "value": "anything"}}},
    "format": 1,
    "params": [],
}
COMPATIBLE = {"attribute": "migration_compatible_devices", "defaults": {}, "format": 1, "rules": [{"constraints": {}}]}


def answer(request: dict[str, object]) -> object:
    kind = request.get("request")
    if kind == "parse":
        return VERSION if request.get("attribute") == "migration_version" else COMPATIBLE
    if kind == "emit":
        return "mc1\n"
    if kind == "relate":
        return {"relation": "equal"}
    return {"verdict": "compatible"}


def main(argv: list[str]) -> int:
    mode = argv[1] if len(argv) > 1 else ""
    if mode == "serve":
        for line in sys.stdin:
            request = json.loads(line)
            sys.stdout.write(json.dumps({"id": request["id"], "status": "ok", "result": answer(request)}) + "\n")
            sys.stdout.flush()
        return 0
    data = sys.stdin.buffer.read()
    if mode == "parse":
        sys.stdout.write(json.dumps(answer({"request": "parse", "attribute": argv[2]})))
    elif mode == "emit":
        sys.stdout.write("mc1\n")
    else:
        sys.stdout.write(json.dumps(answer(json.loads(data))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
