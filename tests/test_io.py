"""Reading inputs with a hard limit, and writing outputs safely: umask, mode, links, the input."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mtfix.io import (
    InputError,
    OutputError,
    atomic_writer,
    check_output,
    check_output_dir,
    decode,
    read_bytes,
    write_text,
)


def test_a_file_past_the_limit_is_refused_whatever_its_size_claims(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"word " * 300)
    assert read_bytes(big, limit=1500) == b"word " * 300
    with pytest.raises(InputError, match=r"big\.txt: larger than the 1499 bytes input limit"):
        read_bytes(big, limit=1499)


def test_dev_zero_is_refused_at_the_limit_not_read_for_ever() -> None:
    # /dev/zero's st_size is 0: only a bounded read stops.
    started = time.monotonic()
    with pytest.raises(InputError, match="/dev/zero: larger than the 1 MiB input limit"):
        read_bytes("/dev/zero", limit=1024 * 1024)
    assert time.monotonic() - started < 5


def test_an_endless_pipe_on_stdin_is_refused_at_the_limit() -> None:
    env = {**os.environ, "MTFIX_MAX_INPUT_BYTES": "65536"}
    yes = subprocess.Popen(["yes", "an endless line"], stdout=subprocess.PIPE)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "mtfix", "check", "-", "--detectors", "mt-artifacts"],
            stdin=yes.stdout, capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
    finally:
        yes.kill()
        yes.wait()
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "mtfix: error: <stdin>: larger than the 65536 bytes input limit "
        "(split it, or raise MTFIX_MAX_INPUT_BYTES)"
    ]


def test_a_bad_limit_setting_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTFIX_MAX_INPUT_BYTES", "lots")
    with pytest.raises(InputError, match="MTFIX_MAX_INPUT_BYTES='lots'"):
        read_bytes("/dev/null")


def test_a_nul_byte_anywhere_makes_a_file_binary() -> None:
    text = b"plain text. " * 2000  # 24 KB: well past any sniffing window
    assert decode(text, "a.txt")
    with pytest.raises(InputError, match=r"a\.txt: binary file"):
        decode(text + b"\x00" + text, "a.txt")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_output_gets_the_users_umask(tmp_path: Path, mask: int, expected: int) -> None:
    old = os.umask(mask)
    try:
        write_text(tmp_path / "out.txt", "cleaned\n")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "out.txt") == expected


def test_an_output_written_over_keeps_its_mode(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    out.write_text("old\n")
    out.chmod(0o640)
    write_text(out, "new\n")
    assert out.read_text() == "new\n" and _mode(out) == 0o640


def test_a_symbolic_link_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "article.txt"
    target.write_text("old\n")
    link = tmp_path / "article.txt"
    link.symlink_to(target)
    with atomic_writer(link) as handle:
        handle.write("new\n")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "new\n"
    assert not list((tmp_path / "real").glob(".*.tmp"))


def test_a_link_into_a_missing_directory_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "out.txt"
    link.symlink_to(tmp_path / "gone" / "out.txt")
    with pytest.raises(OutputError, match=r"a symbolic link to .*gone/out\.txt"):
        check_output(link)
    with pytest.raises(OutputError), atomic_writer(link) as handle:
        handle.write("x")
    assert not (tmp_path / "gone").exists()


def test_the_input_as_output_is_refused_unless_in_place(tmp_path: Path) -> None:
    src = tmp_path / "a.txt"
    src.write_text("text\n")
    with pytest.raises(OutputError, match=r"is the input file; .* --in-place"):
        check_output(src, inputs=[src])
    # Another name for the same file is the same file.
    alias = tmp_path / "alias.txt"
    alias.symlink_to(src)
    with pytest.raises(OutputError, match="is the input file"):
        check_output(alias, inputs=[src])
    assert check_output(alias, inputs=[src], in_place=True) == src


@pytest.mark.parametrize(
    "where",
    [
        lambda d: d / "file.txt" / "out.txt",  # under a file
        lambda d: Path("/proc/mtfix-test/out.txt"),  # a file system nobody may write, not root
    ],
)
def test_an_output_that_cannot_be_written_fails_before_any_work(tmp_path: Path, where) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "file.txt").write_text("x")
    with pytest.raises(OutputError):
        check_output(where(tmp_path))
    with pytest.raises(OutputError):
        check_output_dir(where(tmp_path).parent)
