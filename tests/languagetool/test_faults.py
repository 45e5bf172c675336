"""Fault injection, as an operator would do it: LanguageTool killed in the middle of a batch,
stopped in the middle of a check, or not there at all. Every failure is one line and exit 3,
nothing is lost or done twice, and no JVM outlives the command.

Small inputs and short timeouts (MTFIX_LANGUAGETOOL_TIMEOUT), so the suite stays fast.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEED
from tests.languagetool.processes import JavaWatch, has_checked, wait_for

pytestmark = [pytest.mark.languagetool, pytest.mark.faults]

MTFIX = [sys.executable, "-m", "mtfix"]
MT = ROOT / "eval" / "suites" / "mlqe-pe" / "ro-en" / "dev.mt"


def _env(**extra: str) -> dict[str, str]:
    """This test's own server (no session server, no daemon)."""
    env = {k: v for k, v in os.environ.items() if k != "MTFIX_LANGUAGETOOL_URL"}
    return {**env, "MTFIX_NO_DAEMON": "1", "MTFIX_LANGUAGETOOL_HEAP": "1g", **extra}


def _done(out: Path) -> int:
    try:
        with sqlite3.connect(out / "manifest.sqlite", timeout=1) as db:
            return int(db.execute("SELECT count(*) FROM documents").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_java_killed_mid_batch_every_document_once_and_none_failed(tmp_path: Path) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    lines = MT.read_text(encoding="utf-8").splitlines()
    for i in range(30):
        (corpus / f"doc{i:02}.txt").write_text(" ".join(lines[3 * i : 3 * i + 3]) + "\n")
    args = ["batch", str(corpus), "--out", str(out), "--no-model", "--jobs", "1", "--no-progress"]
    args += ["--detectors", "languagetool,mt-artifacts"]
    proc = subprocess.Popen([*MTFIX, *args], env=_env(), stdout=subprocess.DEVNULL, text=True)
    watch = JavaWatch(proc.pid)
    try:
        assert wait_for(lambda: watch.poll() and _done(out) >= 8, 300), "batch never got going"
        (java,) = watch.poll()
        os.kill(java, signal.SIGKILL)
        watch.until_exit(proc, 600)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["documents"] == {"total": 30, "done": 30, "skipped": 0, "failed": 0}
    assert summary["languagetool"]["restarts"] == 1
    assert (
        "exited" in summary["languagetool"]["events"][0]["reason"]
        or "died" in (summary["languagetool"]["events"][0]["reason"])
    )
    with sqlite3.connect(out / "manifest.sqlite") as db:
        processed = [n for (n,) in db.execute("SELECT processed FROM documents")]
    assert processed == [1] * 30
    assert (out / "errors.jsonl").read_text() == ""
    assert len(watch.seen) == 2 and watch.all_gone(), f"java outlived the batch: {watch.seen}"


def test_java_stopped_mid_check_is_a_one_line_timeout_within_the_limit(tmp_path: Path) -> None:
    article = tmp_path / "long.txt"
    article.write_text("\n\n".join([SEED.read_text(encoding="utf-8")] * 20), encoding="utf-8")
    env = _env(MTFIX_LANGUAGETOOL_TIMEOUT="8")
    cmd = [*MTFIX, "check", str(article), "--detectors", "languagetool"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watch = JavaWatch(proc.pid)
    try:
        # Once the JVM has answered its warm-up, the detector's requests are under way.
        assert wait_for(lambda: any(has_checked(p) for p in watch.poll()), 300)
        (java,) = watch.poll()
        os.kill(java, signal.SIGSTOP)
        stopped = time.monotonic()
        _, err = proc.communicate(timeout=120)
        waited = time.monotonic() - stopped
    finally:
        if proc.poll() is None:
            proc.kill()
    lines = err.decode().strip().splitlines()
    assert proc.returncode == 3, lines
    assert len(lines) == 1 and "did not answer within 8s" in lines[0], lines
    assert waited < 8 + 10
    assert watch.all_gone(), "the stopped JVM outlived mtfix"


@pytest.mark.parametrize(
    "command",
    [
        ["check", "{doc}"],
        ["clean", "{doc}", "--no-model"],
        ["batch", "{doc}", "--out", "{out}", "--no-model", "--no-progress"],
        ["eval", "suite", "seed", "--system", "rules", "--sample", "3"],
    ],
    ids=["check", "clean", "batch", "eval"],
)
def test_unreachable_languagetool_is_one_line_and_exit_3(
    tmp_path: Path, command: list[str]
) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text("The talks ended. I will.\n", encoding="utf-8")
    args = [a.format(doc=doc, out=tmp_path / "out") for a in command]
    env = _env(MTFIX_LANGUAGETOOL_URL="http://127.0.0.1:1")
    proc = subprocess.Popen(
        [*MTFIX, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    watch = JavaWatch(proc.pid)
    _, err = proc.communicate(timeout=300)
    # eval reports its progress on stderr too; the error is one line, the last.
    lines = [line for line in err.decode().strip().splitlines() if "running" not in line]
    assert proc.returncode == 3, lines
    assert len(lines) == 1, lines
    assert lines[0].startswith("mtfix: error: LanguageTool at http://127.0.0.1:1 cannot be reached")
    assert not watch.seen
