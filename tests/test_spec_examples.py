"""Spec examples are tests: every example attribute in spec/*.rst parses (or fails) as its class says.

An example is a ``.. code-block:: text`` whose ``:class:`` option names its kind:
``mc-version``, ``mc-compatible``, or ``mc-invalid mc-error-<code>``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migcompat import emit, parse_compatible, parse_version
from migcompat.cases.spec import Example, examples_under
from migcompat.compare import check
from migcompat.errors import ParseError

SPEC = Path(__file__).resolve().parents[1] / "spec"


def examples(root: Path = SPEC) -> list[Example]:
    """Every classed ``code-block:: text`` under *root* (the extractor lives in :mod:`migcompat.cases.spec`)."""
    return examples_under(root)


ALL = examples()


def test_the_spec_has_examples_of_every_kind() -> None:
    kinds = {c for example in ALL for c in example.classes}
    assert {"mc-version", "mc-compatible", "mc-invalid"} <= kinds
    assert len(ALL) >= 20


@pytest.mark.parametrize("example", ALL, ids=[f"{e.source}:{e.line}" for e in ALL])
def test_spec_example(example: Example) -> None:
    if "mc-version" in example.classes:
        model = parse_version(example.text)
        assert emit(model) == example.text, "spec examples are written in canonical form"
    elif "mc-compatible" in example.classes:
        model = parse_compatible(example.text)
        assert emit(model) == example.text, "spec examples are written in canonical form"
    else:
        assert "mc-invalid" in example.classes, example.classes
        codes = [c.removeprefix("mc-error-") for c in example.classes if c.startswith("mc-error-")]
        assert len(codes) == 1, "an invalid example names exactly one error code"
        parser = parse_compatible if example.text.split("\n", 1)[0] == "mc1" else parse_version
        with pytest.raises(ParseError) as caught:
            parser(example.text)
        assert caught.value.code == codes[0]


# ---- the proposed kernel ABI entries (spec/abi/*) ----------------------------------------------

ABI = SPEC / "abi"
ABI_FILES = ("sysfs-devices-vfio-dev", "sysfs-bus-vfio-mdev")
HYPOTHETICAL = "Example (hypothetical: no in-tree driver writes this today)"


def _abi_entries(name: str) -> list[dict[str, str]]:
    """The entries of one ABI file: each field's text, continuation lines joined with LF."""
    entries: list[dict[str, str]] = []
    field = ""
    for line in (ABI / name).read_text(encoding="ascii").splitlines():
        if line.startswith("What:"):
            entries.append({})
        head, sep, rest = line.partition(":")
        if (
            sep
            and not line.startswith("\t")
            and head in ("What", "Date", "KernelVersion", "Contact", "Users", "Description")
        ):
            field = head
            entries[-1][field] = rest.strip()
        elif entries and field:
            entries[-1][field] += "\n" + line
    return entries


def _abi_examples(description: str) -> list[str]:
    """The example attributes of an entry: runs of lines indented two tabs and two spaces after an Example label."""
    examples: list[str] = []
    lines = description.split("\n")
    for index, line in enumerate(lines):
        if line.startswith("\t\t  ") and not lines[index - 1].startswith("\t\t  "):
            label = "\n".join(lines[max(0, index - 4) : index])
            if HYPOTHETICAL not in label.replace("\n\t\t", " "):
                continue
            run = [line]
            run += _takewhile_indented(lines[index + 1 :])
            examples.append("".join(part.removeprefix("\t\t  ") + "\n" for part in run))
    return examples


def _takewhile_indented(lines: list[str]) -> list[str]:
    taken: list[str] = []
    for line in lines:
        if not line.startswith("\t\t  "):
            break
        taken.append(line)
    return taken


def test_the_old_abi_file_is_gone_and_nothing_names_it() -> None:
    assert sorted(p.name for p in ABI.iterdir()) == sorted(ABI_FILES)
    root = SPEC.parent
    named = [
        p for p in (*SPEC.rglob("*.rst"), root / "docs" / "conf.py") if "sysfs-bus-vfio-migration" in p.read_text()
    ]
    assert named == [p for p in named if p.name in ("changelog.rst", "rationale.rst")]


@pytest.mark.parametrize("name", ABI_FILES)
def test_abi_entries_are_in_documentation_abi_shape(name: str) -> None:
    entries = _abi_entries(name)
    assert len(entries) == 2
    where = "/vfio-dev/vfioX/" if name == "sysfs-devices-vfio-dev" else "/mdev_supported_types/<type-id>/"
    for entry in entries:
        assert entry["What"].startswith("/sys/.../<device>" + where), entry["What"]
        assert "/sys/class/" not in entry["What"]
        assert "KernelVersion" not in entry, "left for the merge to fill in"
        assert entry["Contact"] == "kvm@vger.kernel.org"
        users = [u.strip() for u in entry["Users"].split("\n")]
        assert users and all(u.endswith(">") and "@" in u.rpartition("<")[2] for u in users), users
        description = entry["Description"].replace("\n\t\t", " ")
        assert "Read-only, mode 0444." in description
        assert "ENODATA" in description
        assert "specification clause" not in description and "revision 1." not in description
    assert {e["What"].rpartition("/")[2] for e in entries} == {"migration_version", "migration_compatible_devices"}


@pytest.mark.parametrize("name", ABI_FILES)
def test_abi_examples_are_canonical_and_self_accepting(name: str) -> None:
    by_attribute = {e["What"].rpartition("/")[2]: _abi_examples(e["Description"]) for e in _abi_entries(name)}
    versions, rules = by_attribute["migration_version"], by_attribute["migration_compatible_devices"]
    assert versions and len(versions) == len(rules), "each described device has its rules, in the same order"
    for version_text, rules_text in zip(versions, rules, strict=True):
        version, compatible = parse_version(version_text), parse_compatible(rules_text)
        assert emit(version) == version_text and emit(compatible) == rules_text
        verdict = check(version, compatible, version)
        assert verdict.answer.value == "compatible", verdict.explain()


def test_abi_examples_use_no_key_a_driver_does_not_have() -> None:
    # r8 finding 4: keys mlx5_vfio_pci neither reads nor reports, and an ignorable firmware version.
    text = "".join((ABI / name).read_text() for name in ABI_FILES)
    for key in ("mlx5.max_macs", "mlx5.max_queues", "~mlx5.fw_version", "gvt.", "i915"):
        assert key not in text, key
