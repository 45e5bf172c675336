from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from mtfix.diff import word_changes
from mtfix.lab import synth
from mtfix.lab.data import DataConfig, DataError, build_pairs, counts, held_out
from mtfix.lab.train import ConfigError, load_config, train
from mtfix.model.load import merged_checkpoint
from mtfix.model.transformers_backend import TransformersBackend
from mtfix.paths import cache_root
from mtfix.rewrite import RewriterSettings
from mtfix.rewrite.model import ModelRewriter
from tests.rewrite.tiny import ROOT, tiny_causal


def _config(path: Path, base: Path, max_steps: int) -> Path:
    path.mkdir(exist_ok=True)
    config = path / "train.toml"
    config.write_text(
        f'name = "tiny-test"\nbase = "{base}"\n'
        "[data]\nmlqe_per_pair = 8\nsynthetic = 8\nhandwritten_repeat = 1\n"
        '[lora]\nr = 4\nalpha = 8\ntarget_modules = ["q_proj", "v_proj"]\n'
        f"[train]\nbatch_size = 4\nmax_steps = {max_steps}\nwarmup_steps = 1\n"
        "checkpoint_every = 2\nlog_every = 1\nthreads = 1\n"
    )
    return config


def test_train_writes_a_loadable_adapter_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MTFIX_CACHE", str(tmp_path / "cache"))
    base = tiny_causal(tmp_path)
    out = train(_config(tmp_path / "model", base, max_steps=3))
    assert (out / "adapter_model.safetensors").stat().st_size > 0
    meta = json.loads((out / "mtfix-model.json").read_text())
    assert meta["steps"] == 3 and meta["base"] == str(base)
    assert sum(meta["data"].values()) == meta["examples"] + meta["skipped_too_long"]
    log = [json.loads(line) for line in (out / "train-log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2, 3]
    assert all(r["loss"] > 0 for r in log)

    # The reference backend loads the adapter merged into its base, cached once per version.
    rewriter = ModelRewriter(RewriterSettings(model=str(out), backend="transformers"))
    backend = rewriter.backend
    assert isinstance(backend, TransformersBackend) and not backend.loaded.seq2seq
    assert merged_checkpoint(out) in (cache_root() / "models" / "merged").iterdir()
    assert isinstance(rewriter.backend.rewrite(["The mayor met the delegation."])[0], str)

    # More steps with the same data and model: continues from the checkpoint at step 3.
    _config(tmp_path / "model", base, max_steps=5)
    train(tmp_path / "model" / "train.toml")
    log = [json.loads(line) for line in (out / "train-log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log] == [1, 2, 3, 4, 5]


def test_config_rejects_unknown_keys(tmp_path: Path) -> None:
    config = tmp_path / "train.toml"
    config.write_text("[train]\nmax_step = 3\n")
    with pytest.raises(ConfigError, match="unknown keys"):
        load_config(config)


def test_training_data_mixes_sources_and_never_reads_eval() -> None:
    pairs = build_pairs(DataConfig(mlqe_per_pair=20, synthetic=40, handwritten_repeat=1))
    by_origin = counts(pairs)
    assert by_origin["mlqe-pe:ro-en"] == 20 and by_origin["handwritten"] >= 30
    assert sum(v for k, v in by_origin.items() if k.startswith("synthetic:")) == 40
    eval_inputs = {
        line.strip()
        for path in (ROOT / "eval").glob("suites/**/*.mt")
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    assert not eval_inputs & {p.source for p in pairs}
    with pytest.raises(DataError, match="eval data"):
        build_pairs(DataConfig(corpora=ROOT / "eval" / "suites"))


def test_held_out_lines_were_never_training_inputs_or_targets() -> None:
    config = DataConfig(mlqe_per_pair=50, synthetic=200, handwritten_repeat=1)
    seen = {text for p in build_pairs(config) for text in (p.source, p.target)}
    mt, pe = held_out(config, "ru-en")
    assert len(mt) == len(pe) > 6000
    assert not seen & (set(mt) | set(pe))
    # Every other line took part in training, as an input or as a target.
    pair = ROOT / "corpora" / "mlqe-pe" / "ru-en"
    sides = [(pair / f"train.{side}").read_text().splitlines() for side in ("mt", "pe")]
    used = sum(m.strip() in seen or p.strip() in seen for m, p in zip(*sides, strict=True))
    assert used > 0 and len(mt) + used == len(sides[0])


def test_lines_the_starting_adapter_saw_are_not_held_out_either() -> None:
    # A context-aware adapter starts from the plain one's weights (lora.init): what the plain one
    # trained on is no held-out data for it.
    child = DataConfig(mlqe_per_pair=30, synthetic=60, handwritten_repeat=1, passages=20)
    parent = DataConfig(mlqe_per_pair=60, synthetic=60, handwritten_repeat=1, seed=5)
    alone, _ = held_out(child, "et-en")
    mt, pe = held_out(child, "et-en", also=[parent])
    seen_by_parent = {text for p in build_pairs(parent) for text in (p.source, p.target)}
    assert seen_by_parent & set(alone)
    assert not seen_by_parent & (set(mt) | set(pe))
    assert set(mt) < set(alone)


@pytest.mark.parametrize("name", sorted(synth.INJECTORS))
def test_each_injector_damages_only_where_it_says(name: str) -> None:
    clean = 'The mayor said "the summit is important" and the leaders have met in Geneva 16 times.'
    rng = random.Random(3)
    damaged = synth.INJECTORS[name](clean, rng)
    assert damaged is not None and damaged != clean
    # Numbers are never damaged, so a number-keeping guard stays consistent with the targets.
    assert "16" in damaged
    changes = word_changes(clean, damaged)
    assert 1 <= len(changes) <= 2
