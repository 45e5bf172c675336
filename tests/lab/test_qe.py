"""Training the quality estimator: labels, resumable features, a head that loads and runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mtfix.lab.qe import QE_HALF, QeConfig, QeConfigError, load_config, train, train_lines
from mtfix.model.qe import QualityEstimator


def test_training_lines_come_from_the_first_half_of_train_only() -> None:
    lines = train_lines("ro-en", QeConfig(lines_per_pair=50))
    assert len(lines.mt) == 50 and max(lines.index) < QE_HALF
    assert lines.index == sorted(lines.index) and lines.src is None
    with_source = train_lines("ro-en", QeConfig(lines_per_pair=50, source=True))
    assert with_source.index == lines.index and with_source.src and len(with_source.src) == 50


def test_config_rejects_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "qe.toml"
    path.write_text("lines_per_pair = 5\nlayer = [1]\n")
    with pytest.raises(QeConfigError, match=r"qe.toml: unknown keys \['layer'\]"):
        load_config(path)


@pytest.mark.model
def test_a_tiny_training_run_writes_a_head_that_estimates(tmp_path: Path) -> None:
    config = tmp_path / "tiny-qe" / "qe.toml"
    config.parent.mkdir()
    config.write_text('pairs = ["ro-en", "et-en"]\nlines_per_pair = 12\nlayers = [4, 8]\n')
    out = train(config)
    meta = json.loads((out / "qe.json").read_text())
    assert meta["layers"] == [4, 8] and meta["head"] in ("logistic", "mlp")
    assert meta["data"]["train-ro-en"]["lines"] == 12
    assert 0 < meta["threshold"] < 1 and meta["flag_threshold"] >= meta["threshold"]
    estimator = QualityEstimator(out)
    (words,) = estimator.estimate(["The Government appoints a prefect to each county."])
    assert len(words) == 9 and all(w.bad is not None and 0 <= w.bad <= 1 for w in words)
    # A second run finds every chunk's features cached and fits the same head.
    head = (out / "head.safetensors").read_bytes()
    train(config)
    assert (out / "head.safetensors").read_bytes() == head
