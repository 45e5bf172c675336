"""The Ray engine (a local Ray instance) produces exactly the outputs of the local engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.batch.test_run import batch, mt_lines, write_jsonl

pytestmark = pytest.mark.languagetool

REPORTS = {"manifest.sqlite", "manifest.sqlite-wal", "manifest.sqlite-shm", "summary.json"}


def tree(out: Path) -> dict[str, bytes]:
    return {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name not in REPORTS and not p.name.startswith(".")
    }


@pytest.mark.ray
def test_ray_and_local_engines_write_identical_outputs(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "one.txt").write_text(" ".join(mt_lines(4, 300)), encoding="utf-8")
    (corpus / "sub" / "two.txt").write_text("\n".join(mt_lines(3, 310)), encoding="utf-8")
    (corpus / "broken.txt").write_bytes(b"\xff\xfe\x00")
    write_jsonl(corpus / "docs.jsonl", [{"id": t[:8], "text": t} for t in mt_lines(4, 320)])

    local = batch(corpus, "--out", tmp_path / "local", "--jobs", "2")
    on_ray = batch(corpus, "--out", tmp_path / "ray", "--jobs", "2", "--engine", "ray")
    assert local.exit_code == on_ray.exit_code == 1

    local_tree, ray_tree = tree(tmp_path / "local"), tree(tmp_path / "ray")
    assert set(local_tree) >= {"one.txt", "sub/two.txt", "docs.jsonl", "errors.jsonl"}
    assert local_tree == ray_tree
    summaries = [json.loads((tmp_path / d / "summary.json").read_text()) for d in ("local", "ray")]
    assert summaries[0]["documents"] == summaries[1]["documents"]
    assert summaries[1]["engine"] == "ray"
