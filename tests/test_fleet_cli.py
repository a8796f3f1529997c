"""``migcompat match``, ``matrix`` and ``diff`` on the bundled sample fleet and on small fleets built here.

The answers are checked against :func:`~migcompat.compare.check` pair by pair,
and the exit statuses against the table every command shares.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from fresh_captures import NO_AGE_LIMIT, now_text
from migcompat.capture import dumps
from migcompat.cli import main
from migcompat.compare import check
from migcompat.fleet.inventory import load_inventory
from migcompat.parse import parse_compatible, parse_version
from migcompat.sysfs.model import Attr, HostData, Placement

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "conformance" / "samples"
UPDATE = ROOT / "docs" / "examples" / "driver-update"
SUCCESS, NEGATIVE, USAGE, UNDECIDED = 0, 1, 2, 3


def run(*args: str, stdin: str | None = None) -> Result:
    """``migcompat ARGS`` in-process; a Python exception is a test failure, not a result."""
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def host(name: str, devices: list[tuple[str, str, str]], kind: str = "pci") -> HostData:
    """A host whose placements are *devices*: (ident, migration_version, migration_compatible_devices)."""
    placements = tuple(
        Placement(
            kind,  # type: ignore[arg-type]
            ident,
            f"bus/pci/devices/{ident}",
            {"migration_version": Attr(version.encode()), "migration_compatible_devices": Attr(rules.encode())},
        )
        for ident, version, rules in devices
    )
    return HostData(name, "6.8", now_text(), "test", "/sys", "capture", False, placements)


def save(directory: Path, data: HostData) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{data.host}.json"
    path.write_text(dumps(data), encoding="utf-8")
    return str(path)


OLD_RULES = "mc1\naccept driver=d stream_version=1.0..$ q=..$\n"
NEW_RULES = "mc1\naccept driver=d stream_version=1.0..$ q=..$\n"
NARROW_RULES = "mc1\naccept driver=d stream_version=1.1..$ q=..$\n"


def device_directories(root: Path, *devices: str) -> None:
    """``root/old/D`` and ``root/new/D`` for each D of *devices*: a driver's build directories, alike on both sides.

    Each is a device directory holding the attribute files ``migration_version``
    (``mc1 driver=d q=4 stream_version=1.1``) and ``migration_compatible_devices``
    (:data:`OLD_RULES`); a test changes what it compares afterwards.
    """
    for side in ("old", "new"):
        for device in devices:
            directory = root / side / device
            directory.mkdir(parents=True)
            (directory / "migration_version").write_text("mc1 driver=d q=4 stream_version=1.1\n")
            (directory / "migration_compatible_devices").write_text(OLD_RULES)


# ---- match ------------------------------------------------------------------------------------------------


def test_match_ranks_devices_then_types_and_agrees_with_check() -> None:
    source = ROOT / "examples" / "gvt-g" / "uuid1"
    result = run("match", *NO_AGE_LIMIT, "--format", "json", str(source), str(SAMPLES / "gvt-g"))
    assert result.exit_code == SUCCESS, result.output
    document = json.loads(result.output)
    kinds = [entry["kind"] for entry in document["accepted"]]
    assert kinds == sorted(kinds, key=lambda kind: kind != "device") and "type" in kinds
    # Exactly the providers check() accepts, with check()'s verdict.
    version = parse_version((source / "migration_version").read_bytes())
    fleet = load_inventory([str(SAMPLES / "gvt-g")])
    expected = {
        (p.host, p.ident): check(version, p.rules, p.version).to_json()
        for p in fleet.providers
        if check(version, p.rules, p.version).compatible
    }
    assert {(e["host"], e["ident"]): e["verdict"] for e in document["accepted"]} == expected
    for entry in document["accepted"]:
        assert (entry["verdict"]["choice"] is not None) == (entry["kind"] == "type")


def test_match_text_and_explain_when_nothing_accepts() -> None:
    source = UPDATE / "mlx5-new"
    result = run("match", *NO_AGE_LIMIT, "--explain", "--near", "2", str(source), str(SAMPLES / "mlx5"))
    assert result.exit_code == NEGATIVE, result.output
    assert "no device or type accepts the source" in result.output
    assert "near misses (nearest first):" in result.output
    assert "[above-range]" in result.output
    plain = run("match", *NO_AGE_LIMIT, str(source), str(SAMPLES / "mlx5"))
    assert plain.exit_code == NEGATIVE and "near misses" not in plain.output


def test_match_bad_inputs_exit_3(tmp_path: Path) -> None:
    source = str(ROOT / "examples" / "gvt-g" / "uuid1")
    missing = run("match", *NO_AGE_LIMIT, source, str(tmp_path / "nowhere"))
    assert missing.exit_code == UNDECIDED
    assert "error[capture-unreadable]: cannot read " in missing.output and "nowhere" in missing.output
    assert "cannot read the inventory: cannot read" not in missing.output  # said once
    cut = tmp_path / "cut.json"
    cut.write_bytes((SAMPLES / "gvt-g" / "old.json").read_bytes()[:2000])
    for command in (["match", source], ["matrix"], ["diff", str(cut)], ["export", "kubernetes", "-o", str(tmp_path)]):
        result = run(*command, str(cut))
        assert result.exit_code == UNDECIDED, (command, result.output)
        assert re.search(
            r"error\[capture-invalid\]: .*cut\.json: not valid JSON: .* \(line \d+, column \d+\)", result.output
        ), (
            command,
            result.output,
        )
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "migcompat-capture", "version": 1}')
    result = run("match", *NO_AGE_LIMIT, "--format", "json", source, str(bad))
    assert result.exit_code == UNDECIDED
    assert json.loads(result.stdout.strip().splitlines()[-1])["error"]["code"] == "capture-invalid"
    template = SAMPLES.parent / "sample-trees" / "gvt-g" / "new"
    types = next(template.rglob("mdev_supported_types/*/migration_version"))
    assert run("match", *NO_AGE_LIMIT, str(types), str(SAMPLES / "gvt-g")).exit_code == UNDECIDED
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run("match", *NO_AGE_LIMIT, source, str(empty)).exit_code == UNDECIDED


def test_match_escapes_hostile_host_names(tmp_path: Path) -> None:
    evil = host("evil\x1b[2J\nPASS", [("0000:01:00.1", "mc1 driver=d q=1\n", "mc1\naccept driver=d q=..$\n")])
    path = save(tmp_path, evil)
    source = tmp_path / "src"
    source.write_text("mc1 driver=d q=1\n")
    result = run("match", *NO_AGE_LIMIT, str(source), path)
    assert result.exit_code == SUCCESS
    assert "\x1b" not in result.output and "evil\\x1b[2J\\nPASS" in result.output


# ---- matrix -----------------------------------------------------------------------------------------------


def test_matrix_cells_are_check_verdicts(tmp_path: Path) -> None:
    page = tmp_path / "m.html"
    result = run("matrix", "--format", "json", "--html", str(page), str(SAMPLES / "gvt-g"), str(SAMPLES / "mlx5"))
    assert result.exit_code == SUCCESS, result.output
    document = json.loads(result.output)
    sources = {entry["label"]: parse_version(entry["migration_version"] + "\n") for entry in document["sources"]}
    fleet = load_inventory([str(SAMPLES / "gvt-g"), str(SAMPLES / "mlx5")])
    targets = {}
    for entry in document["targets"]:
        where = entry["members"][0]
        provider = next(p for p in fleet.providers if p.where == where)
        targets[entry["label"]] = provider
    assert len(document["cells"]) == len(sources) * len(targets)
    for cell in document["cells"]:
        target = targets[cell["target"]]
        verdict = check(sources[cell["source"]], target.rules, target.version)
        assert cell["verdict"] == verdict.answer.value and cell["grade"] == (verdict.grade and verdict.grade.value)
    text = page.read_text(encoding="utf-8")
    assert text.count('<rect class="cell ') == len(document["cells"])
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in text


def test_matrix_html_markup_for_its_layout(tmp_path: Path) -> None:
    """The markup behind the layout tests/test_fleet_browser.py checks in chromium, read without a browser.

    Column separators start at the cells (below the column labels); no ``break-all``; each
    legend key holds its swatch and label together; in the tables, a word that a browser
    would break after its hyphen is kept whole unless it is over LONG_TOKEN characters; and
    every string of the inventory is escaped, in such words too.
    """
    hostile = host(
        '<img src=x onerror="alert(1)">-h',
        [("0000:01:00.1", "mc1 driver=d q=1\n", "mc1\naccept driver=d q=..$\n")],
    )
    long_name = host("n" * 50 + "<script>-x", [("0000:02:00.1", "mc1 driver=d q=2\n", "mc1\naccept driver=d q=..$\n")])
    captures = tmp_path / "captures"
    save(captures, hostile)
    save(captures, long_name)
    page = tmp_path / "m.html"
    result = run("matrix", "--html", str(page), str(SAMPLES / "gvt-g"), str(SAMPLES / "mlx5"), str(captures))
    assert result.exit_code == SUCCESS, result.output
    text = page.read_text(encoding="utf-8")

    first_row = min(int(y) for y in re.findall(r'<rect class="cell [^"]*"[^>]* y="(\d+)"', text))
    columns = [(x1, int(y1)) for x1, y1, x2 in re.findall(r'<line x1="(\d+)" y1="(\d+)" x2="(\d+)"', text) if x1 == x2]
    assert len(columns) >= 2 and all(y1 >= first_row for _, y1 in columns)

    assert "break-all" not in text
    assert re.search(r"\.legend \.key \{[^}]*white-space: nowrap", text)
    keys = re.findall(r'<span class="key"><span class="swatch" style="[^"]*"></span>(\w+) \(\d+\)</span>', text)
    assert keys == ["identical", "accepted", "incompatible", "unknown"]

    tables = text[text.index('<table id="pairs">') :]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", tables, re.S)
    assert len(cells) > 100
    for cell in cells:
        bare = re.sub(r'<span class="(w|long)">.*?</span>', " ", cell)
        assert not [word for word in html.unescape(bare).split() if "-" in word], cell

    assert "<img" not in text and "<script>-x" not in text
    shown = [html.unescape(re.sub(r"<[^>]*>", "", cell)) for cell in cells]
    assert any('<img src=x onerror="alert(1)">-h:bus/pci/devices/0000:01:00.1' in cell for cell in shown)
    assert any("n" * 50 + "<script>-x:bus/pci/devices/0000:02:00.1" in cell for cell in shown)


def test_matrix_text_grid() -> None:
    result = run("matrix", str(SAMPLES / "gvt-g"))
    assert result.exit_code == SUCCESS, result.output
    rows = [line for line in result.output.splitlines() if line.startswith("S") and " | " in line]
    assert rows and all(set(line.split(" | ")[1]) <= set("=+.?") for line in rows)
    assert "source classes:" in result.output and "target classes:" in result.output


def test_matrix_refuses_too_many_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    import migcompat.fleet.matrix as matrix

    monkeypatch.setattr(matrix, "MAX_CELLS", 3)
    result = run("matrix", str(SAMPLES / "gvt-g"))
    assert result.exit_code == UNDECIDED and "at most 3" in result.output


# ---- diff -------------------------------------------------------------------------------------------------


def test_diff_narrowing_update_exits_1_with_witness() -> None:
    result = run("diff", str(UPDATE / "mlx5-old"), str(UPDATE / "mlx5-new"))
    assert result.exit_code == NEGATIVE, result.output
    assert "BREAKING" in result.output and "stopped accepting: mc1 " in result.output
    witness = next(line for line in result.output.splitlines() if "stopped accepting:" in line).split(": ", 1)[1]
    old = parse_compatible((UPDATE / "mlx5-old" / "migration_compatible_devices").read_bytes())
    new = parse_compatible((UPDATE / "mlx5-new" / "migration_compatible_devices").read_bytes())
    old_self = parse_version((UPDATE / "mlx5-old" / "migration_version").read_bytes())
    new_self = parse_version((UPDATE / "mlx5-new" / "migration_version").read_bytes())
    source = parse_version(witness + "\n")
    assert check(source, old, old_self).compatible and not check(source, new, new_self).compatible


def test_diff_widening_update_exits_0() -> None:
    result = run("diff", "--format", "json", str(SAMPLES / "mlx5" / "old.json"), str(SAMPLES / "mlx5" / "new.json"))
    assert result.exit_code == SUCCESS, result.output
    document = json.loads(result.output)
    assert document["breaking"] is False
    assert {change["state"] for change in document["changes"]} == {"widened"}
    for change in document["changes"]:
        assert change["relation"] == "subset" and change["newly_accepts"] and change["field_changes"]


def test_diff_of_captures_pairs_by_identity(tmp_path: Path) -> None:
    old = save(tmp_path / "old", host("h", [("0000:01:00.1", "mc1 driver=d q=4 stream_version=1.1\n", OLD_RULES)]))
    new = save(tmp_path / "new", host("h", [("0000:01:00.1", "mc1 driver=d q=4 stream_version=1.1\n", NARROW_RULES)]))
    result = run("diff", old, new)
    assert result.exit_code == NEGATIVE, result.output
    assert "relation: narrowed: new accepts only sources old did" in result.output
    same = run("diff", old, old)
    assert same.exit_code == SUCCESS and "1 target compared: 1 unchanged" in same.output
    # Rules files alone, by role: rules that read $ say nothing without their device's description ...
    narrow, wide = tmp_path / "narrow", tmp_path / "wide"
    narrow.write_text(NARROW_RULES)
    wide.write_text(OLD_RULES)
    assert run("diff", str(narrow), str(wide)).exit_code == UNDECIDED
    # ... and rules that do not read it are related on their own: the reverse update only widens.
    narrow.write_text("mc1\naccept driver=d stream_version=1.1\n")
    wide.write_text("mc1\naccept driver=d stream_version=1.0|1.1\n")
    assert run("diff", str(narrow), str(wide)).exit_code == SUCCESS


def test_diff_removed_device_is_breaking_when_nothing_takes_it(tmp_path: Path) -> None:
    old = save(
        tmp_path / "old",
        host(
            "h",
            [
                ("0000:01:00.1", "mc1 driver=d q=4\n", "mc1\naccept driver=d q=..$\n"),
                ("0000:01:00.2", "mc1 driver=e q=4\n", "mc1\naccept driver=e q=..$\n"),
            ],
        ),
    )
    new = save(tmp_path / "new", host("h", [("0000:01:00.1", "mc1 driver=d q=4\n", "mc1\naccept driver=d q=..$\n")]))
    result = run("diff", "--format", "json", old, new)
    assert result.exit_code == NEGATIVE
    states = {change["old"]["ident"]: change["state"] for change in json.loads(result.output)["changes"]}
    assert states == {"0000:01:00.1": "unchanged", "0000:01:00.2": "breaking"}


def test_diff_reports_each_distinct_sides_faults_once(tmp_path: Path) -> None:
    good = ("0000:01:00.1", "mc1 driver=d q=4 stream_version=1.1\n", OLD_RULES)
    old = save(tmp_path / "old", host("h", [good, ("0000:01:00.2", "mc1 driver=d q=04\n", OLD_RULES)]))
    new = save(tmp_path / "new", host("h", [good, ("0000:01:00.3", "mc1 driver=d q=04\n", OLD_RULES)]))
    heading = "migcompat: warning: 1 fault on 1 host may hide a device or type"
    same = run("diff", old, old)
    assert same.stderr.count(heading) == 1 and same.stderr.count("0000:01:00.2") == 1, same.stderr  # was twice
    both = run("diff", old, new)  # two inventories, two faults: each side's report
    assert both.stderr.count(heading) == 2
    assert both.stderr.count("0000:01:00.2/migration_version") == 1
    assert both.stderr.count("0000:01:00.3/migration_version") == 1


def test_diff_too_complex_exits_3(tmp_path: Path) -> None:
    (tmp_path / "old").write_text("mc1\n" + "".join(f"accept v.f>={{m{i}}}\n" for i in range(40)))
    (tmp_path / "new").write_text("mc1\naccept v.f>={}\n")
    result = run("diff", str(tmp_path / "old"), str(tmp_path / "new"))
    assert result.exit_code == UNDECIDED, result.output
    assert "UNDECIDED" in result.output and "cannot be decided" in result.output


def test_diff_invalid_attribute_exits_3(tmp_path: Path) -> None:
    (tmp_path / "old").write_text("mc1\naccept q=007\n")
    (tmp_path / "new").write_text(NEW_RULES)
    assert run("diff", str(tmp_path / "old"), str(tmp_path / "new")).exit_code == UNDECIDED


def test_readme_diff_recipe_exits_as_it_says() -> None:
    lines = [
        line for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines() if "migcompat diff " in line
    ]
    shown = [line for line in lines if "# exit " in line and line.startswith("migcompat diff")]
    assert len(shown) >= 2
    for line in shown:
        command, comment = line.split("#", 1)
        status = int(comment.split("exit ", 1)[1].split(":", 1)[0])
        result = run(*command.split()[1:])
        assert result.exit_code == status, (line, result.output)


# ---- standard input as an inventory ------------------------------------------------------------------


def test_match_matrix_and_diff_read_a_capture_from_standard_input(tmp_path: Path) -> None:
    """``-`` names a capture on standard input (``ssh host migcompat capture -o - | migcompat match S -``)."""
    device = ("0000:01:00.1", "mc1 driver=d q=4 stream_version=1.1\n", OLD_RULES)
    old = save(tmp_path / "old", host("h", [device]))
    new = save(tmp_path / "new", host("h", [(*device[:2], NARROW_RULES)]))
    text = Path(old).read_text(encoding="utf-8")
    source = tmp_path / "source"
    source.write_text("mc1 driver=d q=2 stream_version=1.0\n")

    piped = run("match", *NO_AGE_LIMIT, "--format", "json", str(source), "-", stdin=text)
    named = run("match", *NO_AGE_LIMIT, "--format", "json", str(source), old)
    assert piped.exit_code == named.exit_code == SUCCESS, piped.output
    assert json.loads(piped.output)["accepted"] == json.loads(named.output)["accepted"]
    assert json.loads(piped.output)["accepted"][0]["host"] == "h"

    matrix = run("matrix", "--format", "json", "-", stdin=text)
    assert matrix.exit_code == SUCCESS, matrix.output
    assert json.loads(matrix.output)["cells"] == json.loads(run("matrix", "--format", "json", old).output)["cells"]

    assert run("diff", "-", new, stdin=text).exit_code == NEGATIVE  # a capture on standard input
    assert run("diff", old, "-", stdin=text).exit_code == SUCCESS
    # A rules file on standard input is told from a capture by its first character.
    wide = tmp_path / "wide"
    wide.write_text("mc1\naccept driver=d stream_version=1.0|1.1\n")
    narrowed = run("diff", str(wide), "-", stdin="mc1\naccept driver=d stream_version=1.1\n")
    assert narrowed.exit_code == NEGATIVE and "<stdin>" in narrowed.output


def test_standard_input_inventory_errors(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.write_text("mc1 driver=d q=2\n")
    twice = CliRunner().invoke(main, ["match", "-", "-"], input="mc1 driver=d\n")
    assert twice.exit_code == USAGE and "only one input can be standard input" in twice.output
    assert CliRunner().invoke(main, ["matrix", "-", "-"], input="{}").exit_code == USAGE
    assert CliRunner().invoke(main, ["diff", "-", "-"], input="{}").exit_code == USAGE
    broken = run("match", *NO_AGE_LIMIT, "--format", "json", str(source), "-", stdin='{"format": "migcompat-capture"')
    assert broken.exit_code == UNDECIDED
    error = json.loads(broken.stdout.strip().splitlines()[-1])["error"]
    assert error["code"] == "capture-invalid" and "<stdin>" in broken.stderr
    rules = tmp_path / "rules"
    rules.write_text("mc1\naccept driver=d\n")
    bad_rules = run("diff", str(rules), "-", stdin="mc1\naccept driver=\n")
    assert bad_rules.exit_code == UNDECIDED and "<stdin>" in bad_rules.output


def test_an_inventory_without_targets_is_nothing_to_check_not_a_negative_answer(tmp_path: Path) -> None:
    source = str(ROOT / "examples" / "gvt-g" / "uuid1")
    broken = run("match", *NO_AGE_LIMIT, source, str(SAMPLES / "broken-parse"))
    # Each placement is skipped for its invalid migration_version, but its readable rules (NVIDIA's) reject an
    # i915 source whatever the target's own values: that is a "no" (exit 1), not "nothing to check" (r3 #6).
    assert broken.exit_code == NEGATIVE, broken.output
    invalid = "error[leading-zero]: version 535.129.03: component integer 03 has a leading zero; skipped"
    assert broken.stderr.splitlines() == [
        "migcompat: note: 2 faults on 1 host may hide a device or type (part of a host could not be read"
        " when captured, or a placement's attributes are missing or invalid), but none changes this answer: the"
        " placements concerned reject the source by their readable rules, or are left out:",
        "  t4-node-broken-parse:",
        f"    class/mdev_bus/0000:3b:00.0/mdev_supported_types/nvidia-222/migration_version: {invalid}"
        " [invalid-attribute]",
        f"    bus/mdev/devices/c2b5a1b0-7f3e-4d1a-9a51-3f4c0e7d2a10/vfio-dev/vfio0/migration_version: {invalid}"
        " [invalid-attribute]",
    ]
    assert "no device or type accepts the source (0 targets on 1 host checked)" in broken.stdout
    empty = save(tmp_path, host("h", []))
    result = run("match", *NO_AGE_LIMIT, "--format", "json", source, empty)
    assert result.exit_code == UNDECIDED
    assert json.loads(result.stdout)["error"]["code"] == "nothing-to-check"


def test_a_host_in_two_captures_or_in_none_is_a_warning_that_says_so(tmp_path: Path) -> None:
    device = ("0000:01:00.1", "mc1 driver=d q=4 stream_version=1.1\n", OLD_RULES)
    first, second = save(tmp_path / "a", host("h", [device])), save(tmp_path / "b", host("h", [device]))
    source = tmp_path / "source"
    source.write_text("mc1 driver=d q=2 stream_version=1.0\n")
    for args in (("match", str(source)), ("matrix",), ("diff", first)):
        result = run(*args, first, second) if args[0] != "diff" else run("diff", first, str(tmp_path))
        assert f"migcompat: warning: host h is in {first} and in {second}" in result.stderr, (args, result.stderr)
        assert "skipped" not in result.stderr  # no placement was skipped
    nameless = save(tmp_path / "c", host("", [device]))
    result = run("match", *NO_AGE_LIMIT, str(source), nameless)
    assert result.exit_code == SUCCESS and "capture --host NAME" in result.stderr


def test_a_capture_given_as_the_source_gets_a_hint_that_it_is_a_json_document() -> None:
    result = run("match", *NO_AGE_LIMIT, str(SAMPLES / "gvt-g" / "old.json"), str(SAMPLES / "gvt-g"))
    assert result.exit_code == UNDECIDED
    assert "should be a migration_version, but it is a JSON document" in result.stderr


def test_diff_of_build_directories_of_device_directories_and_of_sysfs_trees(tmp_path: Path) -> None:
    """What a vendor's CI has: the driver's attribute files per device, or a mirror of /sys, before and after."""
    device_directories(tmp_path, "vf-a", "vf-b")
    (tmp_path / "new" / "vf-a" / "migration_compatible_devices").write_text(NARROW_RULES)
    result = run("diff", "--format", "json", str(tmp_path / "old"), str(tmp_path / "new"))
    assert result.exit_code == NEGATIVE, result.output
    states = {change["old"]["ident"]: change["state"] for change in json.loads(result.stdout)["changes"]}
    assert states == {"vf-a": "breaking", "vf-b": "unchanged"}
    trees = SAMPLES.parent / "sample-trees" / "gvt-g"
    widened = run("diff", str(trees / "old"), str(trees / "new"))
    assert widened.exit_code == SUCCESS and "6 targets compared: 6 widened" in widened.stdout
    assert "warning" not in widened.stderr
    (tmp_path / "empty").mkdir()
    nothing = run("diff", str(tmp_path / "empty"), str(tmp_path / "new"))
    assert nothing.exit_code == UNDECIDED and "error[capture-unreadable]" in nothing.stderr


def test_diff_never_opens_what_is_not_a_regular_file_and_reads_a_pipe_once(tmp_path: Path) -> None:
    """A FIFO beside the device directories cannot hang it; a device whose rules are not a file is an error,
    not a silently removed device; a rules file from a pipe is read once; a capture with a BOM is a capture."""
    import os
    import subprocess
    import sys

    device_directories(tmp_path, "a", "b")
    os.mkfifo(tmp_path / "new" / "stray")
    command = [sys.executable, "-m", "migcompat", "diff", str(tmp_path / "old"), str(tmp_path / "new")]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert finished.returncode == SUCCESS, finished.stderr
    rules = tmp_path / "new" / "a" / "migration_compatible_devices"
    rules.unlink()
    os.mkfifo(rules)
    fifo = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert fifo.returncode == UNDECIDED and "error[input-unreadable]" in fifo.stderr and "a FIFO" in fifo.stderr
    piped = subprocess.run(
        [
            "bash",
            "-c",
            f'{sys.executable} -m migcompat diff "$1" <(cat "$1")',
            "_",
            str(tmp_path / "old/b/migration_compatible_devices"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "error[empty]" not in piped.stderr  # read once: the rules, not an emptied pipe
    assert piped.returncode == UNDECIDED and "UNDECIDED" in piped.stdout  # they read $ without a description
    capture = save(tmp_path / "c", host("h", [("0000:01:00.1", "mc1 driver=d q=4 stream_version=1.1\n", OLD_RULES)]))
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + Path(capture).read_bytes())
    assert run("diff", capture, str(bom)).exit_code == SUCCESS


def test_diff_json_output_has_no_lone_surrogates(tmp_path: Path) -> None:
    import os

    for side in ("old", "new"):
        directory = os.path.join(os.fsencode(tmp_path / side), b"bad\xff")
        os.makedirs(directory)
        with open(os.path.join(directory, b"migration_compatible_devices"), "wb") as handle:
            handle.write(b"mc1\naccept driver=d\n")
    result = run("diff", "--format", "json", str(tmp_path / "old"), str(tmp_path / "new"))
    assert result.exit_code == SUCCESS, result.output
    text = result.stdout
    assert "\\udcff" not in text and "bad\\\\xff" in text
    json.loads(text)
