"""Outputs from the command line: refused before any work when they cannot be written (exit 2,
one line), never the input unless asked, the original's mode kept, links written through.

Most of these point LanguageTool at a port nothing listens on: had the command started its work
before checking its output, it would fail there, with exit 3, instead.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

MTFIX = [sys.executable, "-m", "mtfix"]
UNREACHABLE = "http://127.0.0.1:1"


def run(*args: str, url: str | None = UNREACHABLE) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MTFIX_LANGUAGETOOL_RETRIES": "0"}
    if url is not None:
        env["MTFIX_LANGUAGETOOL_URL"] = url
    return subprocess.run([*MTFIX, *args], capture_output=True, text=True, env=env, timeout=300)


def one_line(proc: subprocess.CompletedProcess[str], code: int, *needles: str) -> str:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == code, proc.stderr
    assert len(lines) == 1, proc.stderr
    assert all(n in lines[0] for n in needles), lines[0]
    return lines[0]


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "article.txt"
    path.write_text("The talks ended. I will.\n", encoding="utf-8")
    path.chmod(0o640)
    return path


def test_output_equal_to_the_input_is_refused(article: Path) -> None:
    before = article.read_bytes()
    proc = run("clean", str(article), "--no-model", "--format", "json", "-o", str(article))
    one_line(proc, 2, str(article), "is the input file", "--in-place")
    assert article.read_bytes() == before


def test_in_place_replaces_the_input_and_keeps_its_mode(article: Path) -> None:
    proc = run("clean", str(article), "--no-model", "--detectors", "mt-artifacts", "--in-place")
    assert proc.returncode == 0, proc.stderr
    assert article.read_text(encoding="utf-8") == "The talks ended.\n"
    assert stat.S_IMODE(article.stat().st_mode) == 0o640
    assert not list(article.parent.glob(".*.tmp"))


def test_in_place_needs_a_file() -> None:
    proc = run("clean", "-", "--no-model", "--in-place")
    assert proc.returncode == 2 and "--in-place needs a FILE" in proc.stderr


def test_output_onto_a_link_writes_through_it(article: Path, tmp_path: Path) -> None:
    target = tmp_path / "cleaned.txt"
    target.write_text("old\n")
    link = tmp_path / "latest.txt"
    link.symlink_to(target)
    proc = run("clean", str(article), "--no-model", "--detectors", "mt-artifacts", "-o", str(link))
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "The talks ended.\n"


def test_new_outputs_follow_the_umask(article: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    args = [*MTFIX, "clean", str(article), "--no-model", "--detectors", "mt-artifacts"]
    proc = subprocess.run(
        ["sh", "-c", 'umask 027 && exec "$@"', "sh", *args, "-o", str(out)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_unwritable_output_fails_before_the_work(article: Path, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    for out in (tmp_path / "file" / "out.txt", Path("/proc/mtfix/out.txt")):
        proc = run("clean", str(article), "--no-model", "-o", str(out))
        one_line(proc, 2, str(out))


def test_unwritable_report_fails_before_the_evaluation(tmp_path: Path) -> None:
    lines = tmp_path / "lines.txt"
    lines.write_text("One line.\n")
    report = tmp_path / "no-such-file-is-a-dir" / "r.md"
    (tmp_path / "no-such-file-is-a-dir").write_text("a file, not a directory")
    proc = run("eval", "suite", "seed", "--report", str(report))
    one_line(proc, 2, str(report))
    args = ("--src", str(lines), "--hyp", str(lines), "--ref", str(lines))
    proc = run("eval", *args, "--report", str(report))
    one_line(proc, 2, str(report))


def test_unwritable_batch_output_fails_before_the_batch(article: Path, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file")
    proc = run("batch", str(article), "--out", str(tmp_path / "taken"), "--no-model")
    assert proc.returncode == 2 and "is a file" in proc.stderr  # click's own usage check
    proc = run("batch", str(article), "--out", str(tmp_path / "taken" / "out"), "--no-model")
    one_line(proc, 2, "taken", "not a directory")
    proc = run("batch", str(article), "--out", "/proc/mtfix-out", "--no-model")
    one_line(proc, 2, "/proc/mtfix-out")
