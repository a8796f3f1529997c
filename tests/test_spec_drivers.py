"""The drivers annex (spec/drivers.rst) says what the comparator answers, and shows the samples' attributes.

Each driver section of the annex ends with a table of predicted verdicts:
rows of *source*, *target*, *verdict* and what the driver's check on RESUMING
does. The sources and targets name the section's example attributes, the
``code-block:: text`` blocks whose ``:class:`` carries ``mc-name-NAME``
(a target is its ``mc-version`` and ``mc-compatible`` block of one name).
These tests hold every row to the comparator, every row's prediction to the
rule the annex states (a compatible verdict never meets a refusing check; an
incompatible one meets an accepting check only where the row says the mapping
is conservative), and the examples named after a bundled sample to that
sample's attributes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from migcompat import parse_compatible, parse_version
from migcompat.cases.spec import Example, examples
from migcompat.compare import check
from migcompat.conformance.samples import load_sample
from migcompat.sysfs.model import COMPATIBLE, VERSION

ANNEX = Path(__file__).resolve().parents[1] / "spec" / "drivers.rst"

DRIVERS = {"mtty", "hisi-acc", "qat", "xe", "pds", "virtio", "mlx5", "gvt-g", "nvidia-vgpu"}
"""The section labels (``drivers-NAME``): every driver that migrates upstream, and the two out-of-tree vGPU
drivers the sample fleet holds, so that every sample driver has its mapping."""

SAMPLES = ("mtty", "hisi-acc", "qat", "xe", "pds", "virtio-net", "mlx5", "gvt-g", "nvidia-vgpu")
"""The bundled samples whose old and new hosts the annex shows as NAME-old and NAME-new."""

_LABEL = re.compile(r"^\.\. _drivers-(?P<name>[a-z0-9-]+):\s*$")
_ROW = re.compile(r"^(?P<indent> *)\* - (?P<cell>.*)$")
_CELL = re.compile(r"^(?P<indent> *)- (?P<cell>.*)$")
_NAME = re.compile(r"^``(?P<name>[a-z0-9-]+)``$")
CHECK_WORDS = ("accepts", "refuses", "firmware decides")


@dataclass(frozen=True)
class Row:
    section: str
    line: int
    source: str
    target: str
    verdict: str
    check: str


def _sections(lines: list[str]) -> list[tuple[str, int, int]]:
    starts = [(i, m.group("name")) for i, line in enumerate(lines) if (m := _LABEL.match(line))]
    return [(name, i, starts[k + 1][0] if k + 1 < len(starts) else len(lines)) for k, (i, name) in enumerate(starts)]


def _verdict_rows(section: str, lines: list[str], start: int, end: int) -> list[Row]:
    """The rows of the section's ``list-table`` whose title ends with "predicted verdicts", header row left out."""
    rows: list[Row] = []
    index = start
    while index < end:
        line = lines[index]
        index += 1
        if not (line.startswith(".. list-table::") and line.rstrip().endswith("predicted verdicts")):
            continue
        cells: list[list[str]] = []
        first: list[int] = []
        while index < end and (not lines[index].strip() or lines[index].startswith(" ")):
            text = lines[index]
            if (row := _ROW.match(text)) is not None:
                cells.append([row.group("cell")])
                first.append(index + 1)
            elif (cell := _CELL.match(text)) is not None and cells:
                cells[-1].append(cell.group("cell"))
            elif text.strip() and cells and not text.strip().startswith(":"):
                cells[-1][-1] += " " + text.strip()
            index += 1
        for number, row_cells in zip(first[1:], cells[1:], strict=True):
            assert len(row_cells) == 4, f"drivers.rst:{number}: a verdict row has 4 cells, got {row_cells}"
            source, target, verdict, outcome = row_cells
            named_source, named_target = _NAME.match(source), _NAME.match(target)
            assert named_source and named_target, f"drivers.rst:{number}: source and target are ``names``: {row_cells}"
            rows.append(Row(section, number, named_source.group("name"), named_target.group("name"), verdict, outcome))
    return rows


def _read() -> tuple[list[tuple[str, int, int]], dict[str, list[Row]], dict[tuple[str, str], Example]]:
    lines = ANNEX.read_text(encoding="utf-8").splitlines()
    sections = _sections(lines)
    rows = {name: _verdict_rows(name, lines, start, end) for name, start, end in sections}
    named: dict[tuple[str, str], Example] = {}
    for example in examples(ANNEX):
        for name in (c.removeprefix("mc-name-") for c in example.classes if c.startswith("mc-name-")):
            key = (example.kind, name)
            assert key not in named, f"drivers.rst:{example.line}: two {example.kind} examples named {name}"
            named[key] = example
    return sections, rows, named


SECTIONS, ROWS, NAMED = _read()
ALL_ROWS = [row for rows in ROWS.values() for row in rows]


def test_every_sample_driver_has_a_section_with_both_outcomes() -> None:
    assert {name for name, _, _ in SECTIONS} == DRIVERS
    for name, rows in ROWS.items():
        verdicts = {row.verdict for row in rows}
        assert verdicts == {"compatible", "incompatible"}, f"section {name}: {verdicts}"


@pytest.mark.parametrize("row", ALL_ROWS, ids=[f"{r.section}:{r.source}->{r.target}" for r in ALL_ROWS])
def test_a_stated_verdict_is_the_comparators(row: Row) -> None:
    source = NAMED.get(("mc-version", row.source))
    target_self = NAMED.get(("mc-version", row.target))
    target_rules = NAMED.get(("mc-compatible", row.target))
    assert source is not None, f"drivers.rst:{row.line}: no mc-version example named {row.source}"
    assert target_self is not None and target_rules is not None, (
        f"drivers.rst:{row.line}: {row.target} needs an mc-version and an mc-compatible example"
    )
    verdict = check(parse_version(source.text), parse_compatible(target_rules.text), parse_version(target_self.text))
    assert verdict.answer.value == row.verdict, f"drivers.rst:{row.line}: {verdict.explain()}"


@pytest.mark.parametrize("row", ALL_ROWS, ids=[f"{r.section}:{r.source}->{r.target}" for r in ALL_ROWS])
def test_a_prediction_is_sound_and_a_conservative_one_says_so(row: Row) -> None:
    word = next((w for w in CHECK_WORDS if row.check.startswith(w)), None)
    assert word is not None, f"drivers.rst:{row.line}: the check cell starts with one of {CHECK_WORDS}"
    if row.verdict == "compatible":
        assert word != "refuses", f"drivers.rst:{row.line}: a compatible verdict predicts a refused stream"
    elif word == "accepts":
        assert "Conservative" in row.check, f"drivers.rst:{row.line}: an accepted stream judged incompatible"


def test_every_named_example_takes_part_in_a_verdict() -> None:
    used = {row.source for row in ALL_ROWS} | {row.target for row in ALL_ROWS}
    assert {name for _, name in NAMED} == used


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_examples_are_the_samples_attributes(sample: str) -> None:
    loaded = load_sample(sample)
    for role, hosts in (("old", loaded.old), ("new", loaded.hosts)):
        version = NAMED[("mc-version", f"{sample}-{role}")].text.encode("ascii")
        rules = NAMED[("mc-compatible", f"{sample}-{role}")].text.encode("ascii")
        pairs = {
            (p.attributes[VERSION].data, p.attributes[COMPATIBLE].data)
            for host in hosts
            for p in host.placements
            if VERSION in p.attributes and COMPATIBLE in p.attributes
        }
        assert (version, rules) in pairs, f"{sample}-{role} is not a device of the sample's {role} host"
