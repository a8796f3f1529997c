"""A directory diff cannot read names its side and the kinds of input diff takes (an outside review)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from migcompat.cli import main
from migcompat.cli.exitcodes import ExitCode

OLD = Path(__file__).resolve().parent.parent / "docs" / "examples" / "driver-update" / "mlx5-old"


def test_an_empty_directory_is_named_with_its_side(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not an input\n")
    runner = CliRunner()
    result = runner.invoke(main, ["diff", str(OLD), str(empty)])
    assert result.exit_code == ExitCode.UNDECIDED
    assert result.stderr == (
        f"migcompat: error[capture-unreadable]: {empty} (new) holds nothing diff reads: no device directory (one"
        " with migration_compatible_devices), no sysfs tree and no capture (*.json) file\n"
    )
    result = runner.invoke(main, ["diff", str(empty), str(OLD), "--format", "json"])
    assert result.exit_code == ExitCode.UNDECIDED
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "capture-unreadable" and f"{empty} (old) holds nothing" in error["message"]
