"""The rewriter's model card shows only figures measured on that model."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from mtfix.lab.card import render
from mtfix.model import DEFAULT_MODEL

ROOT = Path(__file__).resolve().parents[2]


def test_the_default_model_card_has_its_eval_dev_and_speed_figures() -> None:
    text = render(ROOT / "models" / DEFAULT_MODEL)
    assert "`mtfix clean` loads it by default" in text
    assert "## Evaluation (`mtfix eval all`, whole suites)" in text
    assert f"python -m mtfix.lab.devcheck {DEFAULT_MODEL} --sample 300" in text
    assert "| ctranslate2 |" in text


def test_another_model_gets_none_of_the_default_models_figures(tmp_path: Path) -> None:
    other = tmp_path / "other-model"
    other.mkdir()
    meta = json.loads((ROOT / "models" / "gemma-mtfix" / "mtfix-model.json").read_text())
    (other / "mtfix-model.json").write_text(json.dumps(meta | {"name": "other", "context": True}))
    shutil.copy(ROOT / "models" / "gemma-mtfix" / "train.toml", other / "train.toml")
    text = render(other)
    assert "Context: ..." in text and "it is not the default" in text
    assert "## Evaluation" not in text and "devcheck" not in text
    assert "Not yet run on this model" in text


def test_the_source_aware_model_card_shows_its_runs_with_and_without_the_source() -> None:
    text = render(ROOT / "models" / "gemma-mtfix-src")
    assert "it reads that first" in text and "it is not the default" in text
    assert "## With and without the source (`python -m mtfix.lab.sourcecheck`)" in text
    check = json.loads((ROOT / "eval" / "bench" / "with-source-gemma-mtfix-src.json").read_text())
    for name, runs in check["suites"].items():
        full = runs["with_source"]["full"]["delta_ter"]
        assert f"| {name} | {runs['mt_alone']['lines']} |" in text and f"{full:+.3f}" in text
