"""A vendor adopting migcompat for a new driver (review r19): what the suite tells them to do must work."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from migcompat.cli import main
from migcompat.cli.exitcodes import ExitCode


def _device(directory: Path, version: str, rules: str) -> Path:
    directory.mkdir()
    (directory / "migration_version").write_text(version)
    (directory / "migration_compatible_devices").write_text(rules)
    return directory


@pytest.mark.parametrize(
    ("version", "rules", "key", "tilde"),
    [
        (
            "mc1 acme_nvme.io_queues=16 device_api=vfio-pci driver=acme_nvme stream=acme-nvme stream_version=1.0\n",
            "mc1\naccept acme_nvme.io_queues=..$ device_api=vfio-pci driver=acme_nvme stream_version=$1..$\n",
            "stream",
            False,
        ),
        (
            "mc1 acme_nvme.io_queues=16 device_api=vfio-pci driver=acme_nvme stream_version=1.0\n",
            "mc1\naccept acme_nvme.io_queues=..$ driver=acme_nvme stream_version=$1..$\n",
            "device_api",
            False,
        ),
        (
            "mc1 acme_nvme.fw_build=1107 device_api=vfio-pci driver=acme_nvme stream_version=1.0\n",
            "mc1\naccept device_api=vfio-pci driver=acme_nvme stream_version=$1..$\n",
            "acme_nvme.fw_build",
            True,
        ),
    ],
)
def test_the_self_acceptance_fix_never_suggests_what_the_registry_forbids(
    tmp_path: Path, version: str, rules: str, key: str, tilde: bool
) -> None:
    device = _device(tmp_path / "vf", version, rules)
    result = CliRunner().invoke(main, ["lint", str(device)])
    assert result.exit_code == ExitCode.NEGATIVE, result.output
    assert f"constrain {key} in a rule ({key}=$ accepts the device's own value)" in result.output
    assert (f"write the field ~{key}" in result.output) is tilde
    if tilde:  # the advice, followed, passes
        fixed = _device(tmp_path / "fixed", version.replace(f" {key}=", f" ~{key}="), rules)
        again = CliRunner().invoke(main, ["lint", str(fixed)])
        assert again.exit_code == 0, again.output


# ---- a new vendor field in a driver release (H-1) ---------------------------------------------------------

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
OLD = EXAMPLES / "driver-update" / "mlx5-old"
ADDED = EXAMPLES / "new-field" / "mlx5-added"
KEPT = EXAMPLES / "new-field" / "mlx5-kept"
HINT = (
    "this source writes ~mlx5.rq_entries=migcompat-other-0: the old rules leave mlx5.rq_entries unconstrained, so"
    " they accept a source that writes it ignorable with any value, and the new rules constrain it"
)


def _tree(root: Path, device: Path) -> Path:
    """A host with one mlx5 VF whose attributes are those of *device*."""
    (root / "bus/pci/drivers/mlx5_vfio_pci").mkdir(parents=True)
    pci = root / "bus/pci/devices/0000:3b:00.2"
    vfio = pci / "vfio-dev" / "vfio0"
    vfio.mkdir(parents=True)
    (pci / "driver").symlink_to("../../drivers/mlx5_vfio_pci")
    (pci / "vendor").write_text("0x15b3\n")
    (pci / "device").write_text("0x101e\n")
    for name in ("migration_version", "migration_compatible_devices"):
        (vfio / name).write_text((device / name).read_text())
    return root


def test_a_new_vendor_constraint_is_breaking_and_every_report_says_why_and_what_to_do(tmp_path: Path) -> None:
    from migcompat.capture import capture
    from migcompat.conformance import run

    related = CliRunner().invoke(main, ["relate", "--old", str(OLD), "--new", str(ADDED), "--require", "no-breaking"])
    assert related.exit_code == ExitCode.NEGATIVE
    assert HINT in related.stderr and "keep the old release's accept lines beside the new ones" in related.stderr
    diffed = CliRunner().invoke(main, ["diff", str(OLD), str(ADDED)])
    assert diffed.exit_code == ExitCode.NEGATIVE
    assert f"  why: {HINT}" in diffed.stdout
    report = run([capture(_tree(tmp_path / "new", ADDED))], baseline=[capture(_tree(tmp_path / "old", OLD))])
    (failure,) = [f for f in report.failures if f.check == "MC-U1-BREAKING"]
    assert HINT in failure.message


def test_keeping_the_old_rule_beside_the_new_one_is_not_breaking(tmp_path: Path) -> None:
    from migcompat.capture import capture
    from migcompat.conformance import run

    related = CliRunner().invoke(main, ["relate", "--old", str(OLD), "--new", str(KEPT), "--require", "no-breaking"])
    assert related.exit_code == 0, related.output
    assert "old is a SUBSET of new" in related.stdout
    report = run([capture(_tree(tmp_path / "new", KEPT))], baseline=[capture(_tree(tmp_path / "old", OLD))])
    assert report.ok and not [f for f in report.failures if f.check == "MC-U1-BREAKING"]


def test_the_hint_is_given_for_an_ignorable_vendor_key_only_the_new_rules_constrain() -> None:
    from migcompat import parse_compatible, parse_version
    from migcompat.relate import narrowing_hint

    old = parse_compatible("mc1\naccept a.x=1..4 driver=d\n")
    new = parse_compatible("mc1\naccept a.x=1..3 a.y=1 driver=d\n")
    hint = narrowing_hint(parse_version("mc1 a.x=2 ~a.y=7 driver=d\n"), old, new)
    assert hint is not None and hint.startswith("this source writes ~a.y=7: the old rules leave a.y unconstrained")
    for source in (
        "mc1 a.x=4 driver=d\n",  # lost by the narrower range, not by a new key
        "mc1 a.x=2 a.y=7 driver=d\n",  # critical: the old rules refuse it too
        "mc1 ~a.x=4 driver=d\n",  # a key the old rules constrain as well
    ):
        assert narrowing_hint(parse_version(source), old, new) is None, source
    before, after = parse_compatible("mc1\naccept driver=d\n"), parse_compatible("mc1\naccept driver=d name=n\n")
    assert narrowing_hint(parse_version("mc1 driver=d ~name=m\n"), before, after) is None  # a standard key
