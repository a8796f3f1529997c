"""The specification's example attributes as conformance cases (``migcompat cases extract``).

Every ``.. code-block:: text`` of class ``mc-version``, ``mc-compatible`` or
``mc-invalid mc-error-<code>`` in the specification becomes a case of
``conformance/cases/spec-examples.json``: a valid example a ``parse-valid``
case whose expected canonical text is the example itself (the specification
writes its examples in canonical form), an invalid one a ``parse-invalid``
case with its error code. A case's identifier is derived from the clause the
example is in and a hash of its kind and text, so it is stable while the
example is unchanged; when an example changes or goes, its old identifier is
retired (``retired.json``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Final

from .model import CASE_FORMAT, RETIRED_FILE, CaseError, load_suite, read_case_file, retired_text
from .spec import Example, SpecDocument

__all__ = ["EXAMPLES_FILE", "example_cases", "example_changes", "examples_text", "require_examples", "stale_examples"]

EXAMPLES_FILE: Final = "spec-examples.json"
_GENERATOR: Final = "migcompat cases extract (src/migcompat/cases/extract.py)"
_ATTRIBUTE: Final = {"mc-version": "migration_version", "mc-compatible": "migration_compatible_devices"}


def _identifier(example: Example) -> str:
    digest = hashlib.sha256(f"{example.kind}\n{' '.join(example.classes)}\n{example.text}".encode()).hexdigest()
    return f"spec-example-{example.clause}-{digest[:10]}"


def example_cases(spec: SpecDocument) -> list[dict[str, Any]]:
    """The cases of every example attribute of *spec*, in document order."""
    from ..jsonmodel import to_json
    from ..parse import parse_compatible, parse_version

    cases: list[dict[str, Any]] = []
    seen: set[str] = set()
    for example in spec.examples:
        identifier = _identifier(example)
        if identifier in seen:
            continue
        seen.add(identifier)
        where = f"the example of clause {example.clause}"
        common: dict[str, Any] = {
            "id": identifier,
            "kind": "",
            "description": "",
            "clauses": [],
            "level": "required",
            "spec_versions": {"since": "1.0"},
        }
        if example.kind in _ATTRIBUTE:
            attribute = _ATTRIBUTE[example.kind]
            parser = parse_version if attribute == "migration_version" else parse_compatible
            common.update(
                kind="parse-valid",
                description=f"{where}: a valid {attribute}, in canonical form",
                clauses=[example.clause, "P1", "12.2"],
                attribute=attribute,
                input=example.text,
                expect={"model": to_json(parser(example.text)), "canonical": example.text},
            )
        elif example.kind == "mc-invalid" and len(example.error_codes) == 1:
            code = example.error_codes[0]
            attribute = (
                "migration_compatible_devices" if example.text.split("\n", 1)[0] == "mc1" else "migration_version"
            )
            common.update(
                kind="parse-invalid",
                description=f"{where}: rejected with {code}",
                clauses=[example.clause, code, "7", "P2", "12.2"],
                attribute=attribute,
                input=example.text,
                expect={"code": code},
            )
        else:
            raise ValueError(f"{where}: an example's :class: names one kind and, if invalid, one error code")
        cases.append(common)
    return cases


def examples_text(spec: SpecDocument) -> str:
    document = {
        "format": CASE_FORMAT,
        "description": "The example attributes of the specification, extracted from its source.",
        "generated_by": _GENERATOR,
        "cases": example_cases(spec),
    }
    return json.dumps(document, indent=1, ensure_ascii=True) + "\n"


def stale_examples(spec: SpecDocument, directory: Path) -> bool:
    """True when *directory*'s spec-examples.json is not what extraction gives."""
    path = directory / EXAMPLES_FILE
    if not path.exists():
        return True
    try:
        current = json.loads(read_case_file(path))
    except (CaseError, ValueError):
        return True
    return bool(current != json.loads(examples_text(spec)))


def require_examples(spec: SpecDocument) -> None:
    """Raise ValueError when *spec* has no example attribute: extracting it would retire every example case."""
    if not spec.examples:
        raise ValueError(
            f"{spec.path}: no example attribute (no '.. code-block:: text' of class mc-version, mc-compatible"
            " or mc-invalid): extracting it would retire every example case; nothing was written"
        )


def example_changes(spec: SpecDocument, directory: Path) -> dict[str, str]:
    """The files of *directory* that extracting *spec*'s examples changes, each with its new text.

    spec-examples.json, and retired.json when examples went (their
    identifiers are retired). Nothing is written: the command writes them,
    each whole and never through a link planted at its name. Raises
    ValueError when *spec* has no example attribute
    (``require_examples``) or an example would reuse a retired identifier.
    """
    require_examples(spec)
    text = examples_text(spec)
    path = directory / EXAMPLES_FILE
    changes: dict[str, str] = {}
    new_ids = {case["id"] for case in json.loads(text)["cases"]}
    suite = load_suite(directory) if directory.is_dir() and any(directory.glob("*.json")) else None
    if suite is not None:
        retired = dict(suite.retired)
        for case in suite.files.get(EXAMPLES_FILE, []):
            if case.id not in new_ids and case.id not in retired:
                retired[case.id] = "the specification example changed or was removed"
        reused = sorted(new_ids & set(suite.retired))
        if reused:
            raise ValueError(f"retired case ids may not be used again: {', '.join(reused)}")
        if retired != suite.retired:
            changes[RETIRED_FILE] = retired_text(retired)
    if not path.exists() or read_case_file(path) != text:
        changes[EXAMPLES_FILE] = text
    return changes
