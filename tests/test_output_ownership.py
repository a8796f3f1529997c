"""Outputs in directories other users can write to: planted links, planted files, and the umask (a security review).

Root writes a report (``matrix --html``), a mapping (``--mapping``) or a
directory of node files into a directory a group shares. Another member of
the group may have planted a symbolic link at the name (leading to
``/etc/...``) or a file of mode 0666 that they own: the write must neither
follow the link nor hand the output to them.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from migcompat.cli.output import OutputError, prepare_directory, write_in_directory, write_output

OTHER = 4242
"""A user id that is not the process's: the member of the group who planted something."""

needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="planting a file or link owned by another user needs root (CI runs the tests as root)"
)


@contextmanager
def umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def shared(directory: Path) -> Path:
    directory.mkdir()
    directory.chmod(0o2775)  # a group's report directory: group-writable, setgid
    return directory


@needs_root
def test_a_link_another_user_planted_in_a_shared_directory_is_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.conf"
    victim.write_text("root's\n")
    reports = shared(tmp_path / "reports")
    for name, target in (("matrix.html", victim), ("mapping.json", tmp_path / "victim-new.conf")):
        link = reports / name
        link.symlink_to(target)
        os.lchown(link, OTHER, OTHER)
        with pytest.raises(OutputError) as refused:
            write_output(link, "<html>\n")
        assert refused.value.code == "output-unsafe"
        assert f"that user {OTHER} made in a directory others can write to" in refused.value.message
    assert victim.read_text() == "root's\n"
    assert not (tmp_path / "victim-new.conf").exists()  # a dangling link creates nothing


@needs_root
def test_a_link_of_the_user_or_of_a_private_directory_s_owner_is_followed(tmp_path: Path) -> None:
    reports = shared(tmp_path / "reports")
    mine = reports / "mine.html"
    mine.symlink_to(tmp_path / "out.html")  # the process's own link, in a shared directory: the user's choice
    write_output(mine, "a\n")
    assert (tmp_path / "out.html").read_text() == "a\n"
    private = tmp_path / "private"
    private.mkdir(mode=0o755)
    os.chown(private, OTHER, OTHER)
    theirs = private / "out.html"
    theirs.symlink_to(tmp_path / "theirs.html")
    os.lchown(theirs, OTHER, OTHER)  # the directory's owner made it, and only they can write there
    write_output(theirs, "b\n")
    assert (tmp_path / "theirs.html").read_text() == "b\n"


@needs_root
def test_a_file_another_user_planted_does_not_give_them_the_output(tmp_path: Path) -> None:
    reports = shared(tmp_path / "reports")
    planted = reports / "matrix.html"
    planted.write_text("planted\n")
    os.chown(planted, OTHER, OTHER)
    planted.chmod(0o666)
    write_output(planted, "<html>\n")
    written = planted.stat()
    assert (written.st_uid, stat.S_IMODE(written.st_mode)) == (0, 0o664)  # root's, and no longer writable by all
    node = reports / "nodefeature-a.json"
    node.write_text("{}\n")
    os.chown(node, OTHER, OTHER)
    node.chmod(0o666)
    write_in_directory(reports, node.name, "{}\n")
    written = node.stat()
    # root's; group-writable as the directory is (its members may replace any file there anyway), not by all
    assert (written.st_uid, stat.S_IMODE(written.st_mode)) == (0, 0o664)


def test_directories_made_for_an_output_are_not_writable_by_all_whatever_the_umask(tmp_path: Path) -> None:
    """os.makedirs gives the parents 0777 under the umask: with a umask of 0 another user could replace the
    output directory by a link between its creation and the writes."""
    with umask(0):
        prepare_directory(tmp_path / "a" / "b" / "labels")
        write_in_directory(tmp_path / "a" / "b" / "labels", "x.json", "{}\n")
        write_output(tmp_path / "report.html", "<html>\n")
    for directory in ("a", "a/b", "a/b/labels"):
        assert stat.S_IMODE((tmp_path / directory).stat().st_mode) == 0o755, directory
    assert stat.S_IMODE((tmp_path / "a" / "b" / "labels" / "x.json").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "report.html").stat().st_mode) == 0o644
    with umask(0o077):
        prepare_directory(tmp_path / "c" / "d")
    assert stat.S_IMODE((tmp_path / "c").stat().st_mode) == 0o700  # a stricter umask still applies
