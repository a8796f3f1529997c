#!/usr/bin/env python3
"""Differential fuzzing: libmigcompat, through its adapter, against the Python reference.

Both implementations get the same inputs and must give the same answers:

* parse: the same acceptance, the same JSON data model, or the same error
  code, line and column;
* emit: for each attribute the reference accepts, the same canonical text
  from its JSON data model, sent with its object members and set members
  shuffled;
* check: the same verdict, grade, matched rule, parameter choice, nearest
  rules, and reasons (code and field, in order).

The inputs are the conformance cases' attributes, random mutations of them
(bytes inserted, deleted, replaced; lines spliced between attributes), and
attributes generated from a small vocabulary so that rules and sources meet
(equal keys, overlapping values, ``$``, templates). The Python side is the
dogfood adapter's own request handling (``conformance/adapters/migcompat_adapter.py``).

Run: ``python c/fuzz/differential.py --adapter c/lib/build/mc-adapter --seconds 60``.
Exit status 0 when no disagreement was found, 1 otherwise (each is printed, with its input, as JSON).
"""

from __future__ import annotations

import argparse
import base64
import importlib.util
import json
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "conformance" / "cases"

KINDS = ("migration_version", "migration_compatible_devices")


def _load_reference() -> Any:
    spec = importlib.util.spec_from_file_location(
        "migcompat_adapter", ROOT / "conformance" / "adapters" / "migcompat_adapter.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


REFERENCE = _load_reference()


# ---- the two implementations ----------------------------------------------------------


class Adapter:
    """mc-adapter in the persistent mode of the test protocol."""

    def __init__(self, command: list[str]) -> None:
        self.command = command
        self.process = self._start()
        self.ids = 0

    def _start(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        self.ids += 1
        message = {"id": str(self.ids), **request}
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(message, ensure_ascii=True).encode("ascii") + b"\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            status = self.process.wait()
            self.process = self._start()
            return {"status": "crash", "exit": status}
        response: dict[str, Any] = json.loads(line)
        if response.get("id") != str(self.ids):
            raise RuntimeError(f"response for another request: {line!r}")
        return response

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


def reference_parse(kind: str, data: bytes) -> dict[str, Any]:
    try:
        return {"status": "ok", "result": REFERENCE.do_parse(kind, data)}
    except REFERENCE.Rejected as rejection:
        return {"status": "rejected", "error": rejection.error}


def parse_request(kind: str, data: bytes) -> dict[str, Any]:
    request: dict[str, Any] = {
        "request": "parse",
        "attribute": kind,
        "input_base64": base64.b64encode(data).decode("ascii"),
    }
    if data.isascii():
        request["input"] = data.decode("ascii")
    return request


def compare_parse(kind: str, data: bytes, adapter: Adapter) -> str | None:
    """None when both agree, else what differs."""
    want = reference_parse(kind, data)
    got = adapter.ask(parse_request(kind, data))
    if got["status"] != want["status"]:
        return f"status {got['status']} ({got.get('error')}), reference {want['status']} ({want.get('error')})"
    if want["status"] == "ok":
        if got["result"] != want["result"]:
            return f"model {json.dumps(got['result'])}, reference {json.dumps(want['result'])}"
        return None
    mine = {k: got["error"].get(k) for k in ("code", "line", "column")}
    theirs = {k: want["error"].get(k) for k in ("code", "line", "column")}
    return None if mine == theirs else f"error {mine}, reference {theirs}"


def _shuffled(rng: random.Random, node: Any) -> Any:
    """*node* with the members of every object, and of every set, in random order: the same data model."""
    if isinstance(node, list):
        return [_shuffled(rng, item) for item in node]
    if not isinstance(node, dict):
        return node
    items = [(key, _shuffled(rng, value)) for key, value in node.items()]
    if node.get("type") == "set":
        items = [(key, rng.sample(value, len(value)) if key == "value" else value) for key, value in items]
    rng.shuffle(items)
    return dict(items)


def compare_emit(model: dict[str, Any], adapter: Adapter, rng: random.Random) -> str | None:
    """None when both write the same canonical text for the data model *model*, else what differs."""
    want = REFERENCE.do_emit(model)
    got = adapter.ask({"request": "emit", "model": _shuffled(rng, model)})
    if got["status"] != "ok":
        return f"status {got['status']} ({got.get('error')}), reference {want!r}"
    return None if got["result"] == want else f"text {got['result']!r}, reference {want!r}"


def _verdict_view(response: dict[str, Any], reference: bool) -> dict[str, Any]:
    nearest = response.get("nearest", [])
    return {
        "verdict": response.get("verdict"),
        "grade": response.get("grade"),
        "matched_rule": response.get("matched_rule"),
        "choice": response.get("choice"),
        "nearest": [n["rule"] for n in nearest] if reference else nearest,
        "also_near": response.get("also_near", 0),
        "reasons": [(r["code"], r.get("field")) for r in response.get("reasons", [])],
    }


def compare_check(request: dict[str, Any], adapter: Adapter) -> str | None:
    want = _verdict_view(REFERENCE.do_check(dict(request)), reference=True)
    got = adapter.ask({"request": "check", **request})
    if got["status"] != "ok":
        return f"status {got['status']}: {got.get('error')}"
    mine = _verdict_view(got["result"], reference=False)
    if mine != want:
        differing = {k: (mine[k], want[k]) for k in mine if mine[k] != want[k]}
        return f"(libmigcompat, reference): {differing}"
    return None


# ---- inputs ------------------------------------------------------------------------------


def seeds() -> tuple[list[tuple[str, bytes]], list[dict[str, Any]]]:
    """The attributes (kind, bytes) and check requests of every case file."""
    attributes: list[tuple[str, bytes]] = []
    checks: list[dict[str, Any]] = []
    for path in sorted(CASES.glob("*.json")):
        for case in json.loads(path.read_text()).get("cases", []):
            if "input" in case and case.get("attribute") in KINDS:
                data = case["input"]
                raw = base64.b64decode(data["base64"]) if isinstance(data, dict) else data.encode("utf-8")
                attributes.append((case["attribute"], raw))
            if case.get("kind") == "check":
                checks.append({k: case.get(k) for k in ("source", "target", "target_self")})
            for key, kind in (
                ("source", KINDS[0]),
                ("target", KINDS[1]),
                ("target_self", KINDS[0]),
                ("first", KINDS[1]),
                ("second", KINDS[1]),
                ("first_self", KINDS[0]),
                ("second_self", KINDS[0]),
            ):
                if isinstance(case.get(key), str):
                    attributes.append((kind, case[key].encode("utf-8")))
    return attributes, checks


KEYS = ["a", "b", "k", "aggregate", "features", "share", "stream_version", "x.y", "type"]
TOKENS = ["a", "b", "vfio-pci", "GRID%20T4", "1.2.x", "-1", "A_b:c+d"]
INTEGERS = ["0", "1", "2", "7", "10", "18446744073709551615"]
VERSIONS = ["1.0", "1.0.0", "1.1", "1.10", "2.0", "0.9.9", "2.1.1"]
RATIOS = ["0/1", "1/1", "1/2", "1/4", "3/8", "2/3"]
MEMBERS = ["a", "b", "c", "1", "1.0", "x%20y"]
NOISE = [
    " ",
    "\n",
    "=",
    "|",
    "..",
    "$",
    "{",
    "}",
    ",",
    "~",
    "%",
    "%2",
    "%41",
    "0",
    "01",
    "9",
    "a",
    "Z",
    ".",
    "/",
    "<=",
    ">=",
    "*",
    "$1",
    "$8",
    "param ",
    "accept ",
    "default ",
    "mc1",
    "mc2",
    "\t",
    "\r",
    "\x00",
    "\x80",
    "\\",
    "'",
]


def value(rng: random.Random, kind: str | None = None) -> str:
    kind = kind or rng.choice(["token", "integer", "version", "ratio", "set"])
    if kind == "token":
        return rng.choice(TOKENS)
    if kind == "integer":
        return rng.choice(INTEGERS)
    if kind == "version":
        return rng.choice(VERSIONS)
    if kind == "ratio":
        return rng.choice(RATIOS)
    return "{" + ",".join(rng.sample(MEMBERS, rng.randint(0, 3))) + "}"


def version_text(rng: random.Random, template: bool = False) -> str:
    if rng.random() < 0.01:  # near the limits: many fields, long tokens
        fields = [f"k{i}.x{'y' * rng.randint(0, 60)}={'t' * rng.randint(1, 256)}" for i in range(rng.randint(1, 40))]
        return "mc1 " + " ".join(fields)[: rng.randint(100, 4200)] + "\n"
    keys = rng.sample(KEYS, rng.randint(1, 4))
    fields = [("~" if rng.random() < 0.2 else "") + f"{k}={value(rng)}" for k in keys]
    lines = ["mc1 " + " ".join(fields)]
    if template:
        name = rng.choice(["p", "aggregate", "q"])
        kind = rng.choice(["integer", "token", "version"])
        extra = rng.choice(["share", "k", "z"])
        for _ in range(rng.randint(1, 4)):
            lines.append(f"param {name}={value(rng, kind)} {extra}={value(rng)}")
        if rng.random() < 0.3:
            lines.append(f"param r={value(rng, 'integer')}")
    return "\n".join(lines) + "\n"


def alternative(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.12:
        return "$"
    if roll < 0.2:
        return f"${rng.randint(1, 7)}"
    if roll < 0.45:
        kind = rng.choice(["integer", "version", "ratio"])
        ends = [value(rng, kind), "$", f"${rng.randint(1, 3)}"]
        low = rng.choice([*ends, ""])
        high = rng.choice([*ends, ""]) if low else rng.choice(ends)
        return f"{low}..{high}"
    return value(rng)


def compatible_text(rng: random.Random) -> str:
    lines = ["mc1"]
    if rng.random() < 0.3:
        lines.append("default " + " ".join(f"{k}={value(rng)}" for k in rng.sample(KEYS, rng.randint(1, 2))))
    for _ in range(rng.randint(0, 4)):
        constraints = []
        for key in rng.sample(KEYS, rng.randint(0, 4)):
            roll = rng.random()
            if roll < 0.08:
                constraints.append(f"{key}=*")
            elif roll < 0.2:
                constraints.append(f"{key}{rng.choice(['<=', '>='])}{rng.choice([value(rng, 'set'), '$'])}")
            else:
                constraints.append(f"{key}=" + "|".join(alternative(rng) for _ in range(rng.randint(1, 3))))
        lines.append(" ".join(["accept", *constraints]))
    return "\n".join(lines) + "\n"


def mutate(rng: random.Random, data: bytes, pool: list[tuple[str, bytes]]) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        position = rng.randint(0, len(out))
        if roll < 0.35:
            out[position:position] = rng.choice(NOISE).encode("latin-1")
        elif roll < 0.6 and out:
            del out[position : position + rng.randint(1, 3)]
        elif roll < 0.8 and out:
            out[min(position, len(out) - 1)] = rng.randrange(0x20, 0x7F)
        else:
            other = rng.choice(pool)[1].split(b"\n")
            out[position:position] = b"\n" + rng.choice(other)
    return bytes(out)


def parse_inputs(rng: random.Random, pool: list[tuple[str, bytes]]) -> Iterator[tuple[str, bytes]]:
    yield from pool
    while True:
        roll = rng.random()
        if roll < 0.5:
            kind, data = rng.choice(pool)
            yield rng.choice([kind, *KINDS]), mutate(rng, data, pool)
        elif roll < 0.75:
            yield (
                KINDS[0],
                mutate(rng, version_text(rng, rng.random() < 0.3).encode(), pool)
                if rng.random() < 0.3
                else (version_text(rng, rng.random() < 0.3).encode()),
            )
        else:
            text = compatible_text(rng).encode()
            yield KINDS[1], mutate(rng, text, pool) if rng.random() < 0.3 else text


def _kind_of(text: str) -> str:
    if text.startswith("{"):
        return "set"
    if "/" in text:
        return "ratio"
    if text.replace(".", "").isdigit():
        return "version" if "." in text else "integer"
    return "token"


def _constraint_for(rng: random.Random, key: str, text: str) -> str:
    """A constraint on *key* that the source value *text* meets, or nearly meets."""
    kind = _kind_of(text)
    roll = rng.random()
    if roll < 0.1:
        return f"{key}=*"
    if roll < 0.3:
        return f"{key}=$"
    if kind == "set" and roll < 0.6:
        return f"{key}{rng.choice(['<=', '>='])}{rng.choice([text, value(rng, 'set'), '$'])}"
    if kind in ("integer", "version", "ratio") and roll < 0.6:
        other = value(rng, kind)
        if kind == "version" and rng.random() < 0.4:
            return f"{key}=" + rng.choice(
                [f"${rng.randint(1, 3)}", f"${rng.randint(1, 2)}..$", f"..${rng.randint(1, 3)}"]
            )
        return f"{key}=" + rng.choice([f"{text}..", f"..{text}", f"{other}..", f"..{other}", f"{text}..$"])
    return f"{key}=" + "|".join(dict.fromkeys([text] + [value(rng, kind) for _ in range(rng.randint(0, 2))]))


def correlated(rng: random.Random) -> dict[str, Any]:
    """A source, rules written around it and an own description, so that checks often match."""
    keys = rng.sample(KEYS, rng.randint(1, 5))
    values = {key: value(rng) for key in keys}
    marks = {key: "~" if rng.random() < 0.15 else "" for key in keys}
    source = "mc1 " + " ".join(f"{marks[k]}{k}={v}" for k, v in values.items()) + "\n"
    rules = []
    for _ in range(rng.randint(1, 3)):
        chosen = [k for k in keys if rng.random() < 0.9] + [k for k in rng.sample(KEYS, 1) if k not in keys]
        rules.append(" ".join(["accept", *(_constraint_for(rng, k, values.get(k, value(rng))) for k in chosen)]))
    target = "mc1\n" + "\n".join(rules) + "\n"
    roll = rng.random()
    own: str | None
    if roll < 0.2:
        own = None
    elif roll < 0.6:
        changed = {k: (value(rng) if rng.random() < 0.2 else v) for k, v in values.items()}
        own = "mc1 " + " ".join(f"{marks[k]}{k}={v}" for k, v in changed.items()) + "\n"
    else:
        param = rng.choice(keys)
        fixed = [f"{marks[k]}{k}={v}" for k, v in values.items() if k != param] or ["zz=1"]
        kind = _kind_of(values[param])
        options = list(dict.fromkeys([value(rng, kind) for _ in range(rng.randint(0, 3))] + [values[param]]))
        rng.shuffle(options)
        lines = [f"param {marks[param]}{param}={o}" for o in options]
        if rng.random() < 0.5:
            lines += [f"param q={i}" for i in range(rng.randint(1, 3))]
        own = "mc1 " + " ".join(fixed) + "\n" + "\n".join(lines) + "\n"
    return {"source": source, "target": target, "target_self": own}


def check_inputs(rng: random.Random, cases: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    yield from cases
    while True:
        own = rng.random()
        if own < 0.5:
            yield correlated(rng)
            continue
        yield {
            "source": version_text(rng, rng.random() < 0.05),
            "target": compatible_text(rng),
            "target_self": None if own < 0.3 else version_text(rng, own > 0.65),
        }


# ---- the run ------------------------------------------------------------------------------


def run(adapter_command: list[str], seconds: float, count: int | None, seed: int) -> dict[str, Any]:
    """Fuzz for *seconds* (or *count* inputs of each kind); a summary with every disagreement."""
    rng = random.Random(seed)
    pool, cases = seeds()
    adapter = Adapter(adapter_command)
    disagreements: list[dict[str, Any]] = []
    ran = {"parse": 0, "emit": 0, "check": 0}
    deadline = time.monotonic() + seconds
    parses, checks = parse_inputs(rng, pool), check_inputs(rng, cases)
    try:
        while (count is None and time.monotonic() < deadline) or (count is not None and ran["parse"] < count):
            kind, data = next(parses)
            problem = compare_parse(kind, data, adapter)
            ran["parse"] += 1
            if problem:
                disagreements.append({"parse": kind, "input": data.decode("latin-1"), "problem": problem})
            model = reference_parse(kind, data)
            if model["status"] == "ok":
                problem = compare_emit(model["result"], adapter, rng)
                ran["emit"] += 1
                if problem:
                    disagreements.append({"emit": kind, "input": data.decode("latin-1"), "problem": problem})
            request = next(checks)
            problem = compare_check(request, adapter)
            ran["check"] += 1
            if problem:
                disagreements.append({"check": request, "problem": problem})
            if len(disagreements) >= 50:
                break
    finally:
        adapter.close()
    return {"inputs": ran, "seed": seed, "disagreements": disagreements}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--adapter", default=str(ROOT / "c" / "lib" / "build" / "mc-adapter"))
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--count", type=int, help="run this many parse and check inputs instead of a time budget")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    summary = run(args.adapter.split(), args.seconds, args.count, args.seed)
    for item in summary["disagreements"]:
        print(json.dumps(item))
    print(
        f"inputs: {summary['inputs']['parse']} parse, {summary['inputs']['emit']} emit,"
        f" {summary['inputs']['check']} check;"
        f" disagreements: {len(summary['disagreements'])} (seed {summary['seed']})"
    )
    return 1 if summary["disagreements"] else 0


if __name__ == "__main__":
    sys.exit(main())
