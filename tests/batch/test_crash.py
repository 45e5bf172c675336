"""A batch killed with SIGKILL mid-run, then rerun: every document is processed exactly once in
total (the manifest's ``processed`` counter) and no output file is ever partial."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.batch.test_run import mt_lines, write_jsonl

pytestmark = pytest.mark.languagetool

TEXT_DOCS = 16
JSONL_DOCS = 8
DEADLINE_S = 240


def done_count(manifest: Path) -> int:
    if not manifest.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{manifest}?mode=ro", uri=True, timeout=1) as db:
            return int(db.execute("SELECT count(*) FROM documents").fetchone()[0])
    except sqlite3.OperationalError:  # the driver is still creating the schema
        return 0


def assert_outputs_whole(out: Path) -> None:
    for flags in out.rglob("*.flags.json"):
        json.loads(flags.read_text(encoding="utf-8"))
    for jsonl in out.rglob("articles.jsonl*"):
        lines = jsonl.read_text(encoding="utf-8").splitlines()
        assert len(lines) == JSONL_DOCS and all(json.loads(line) for line in lines)


def test_sigkill_mid_run_then_rerun_processes_each_document_once(tmp_path: Path) -> None:
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    for i, line in enumerate(mt_lines(TEXT_DOCS, 100)):
        (corpus / f"doc{i:02}.txt").write_text(line + "\n", encoding="utf-8")
    texts = mt_lines(JSONL_DOCS, 200)
    # Sorted before the text files, so the kill lands while the JSONL file is half done.
    write_jsonl(corpus / "articles.jsonl", [{"id": i, "text": t} for i, t in enumerate(texts)])
    cmd = [sys.executable, "-m", "mtfix", "batch", str(corpus), "--out", str(out), "--no-model",
           "--jobs", "1", "--detectors", "languagetool,mt-artifacts", "--no-progress"]  # fmt: skip

    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + DEADLINE_S
    while done_count(out / "manifest.sqlite") < 3 and proc.poll() is None:
        assert time.monotonic() < deadline, "the batch made no progress"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read() if proc.stderr else ""
    before = done_count(out / "manifest.sqlite")
    assert 0 < before < TEXT_DOCS + JSONL_DOCS, "the kill should land mid-run"
    assert_outputs_whole(out)

    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=DEADLINE_S)
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads((out / "summary.json").read_text())
    total = TEXT_DOCS + JSONL_DOCS
    assert summary["documents"]["total"] == total
    assert summary["documents"]["skipped"] == before
    assert summary["documents"]["done"] == total - before
    with sqlite3.connect(out / "manifest.sqlite") as db:
        counts = dict(db.execute("SELECT key, processed FROM documents").fetchall())
    assert len(counts) == total and set(counts.values()) == {1}

    assert_outputs_whole(out)
    assert len(list(out.glob("doc*.txt"))) == TEXT_DOCS
    assert (out / "articles.jsonl").is_file()
    # The temporary files of writes the kill interrupted are swept by the rerun.
    assert not list(out.rglob("*.tmp"))
