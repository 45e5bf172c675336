"""The llama.cpp conversion's input: what the sdist's `convert_hf_to_gguf.py` is given."""

from __future__ import annotations

from pathlib import Path

import pytest

import mtfix.model.llamacpp_backend as backend


def test_the_merged_checkpoint_is_laid_out_with_the_trimmed_tokenizer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    merged, backbone = tmp_path / "merged", tmp_path / "backbone"
    merged.mkdir()
    backbone.mkdir()
    for name in ("config.json", "model.safetensors"):
        (merged / name).write_text(name)
    (backbone / "tokenizer.spm").write_text("spm")
    monkeypatch.setattr(backend, "cache_dir", lambda: backbone)
    (tmp_path / "scratch").mkdir()
    out = backend._merged_layout(merged, tmp_path / "scratch")
    assert sorted(p.name for p in out.iterdir()) == [
        "config.json", "model.safetensors", "tokenizer.model"
    ]  # fmt: skip
    assert (out / "tokenizer.model").read_text() == "spm"
    assert (out / "config.json").read_text() == "config.json"
