"""The ctranslate2 backend against the transformers reference, on a tiny LoRA adapter (a random
Llama with a SentencePiece tokenizer, see tests/rewrite/tiny.py): the same prompt ids, close
scores, the same interface, and a conversion cached by the adapter's digest."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mtfix.lab.bench import machine
from mtfix.model import ModelLoadError
from mtfix.model.backends import choose, open_backend
from mtfix.model.ctranslate2_backend import CTranslate2Backend, conversion_dir
from mtfix.model.load import adapter_info
from mtfix.model.transformers_backend import TransformersBackend
from mtfix.pipeline import Pipeline
from mtfix.rewrite import RewriterSettings
from mtfix.rewrite.model import ModelRewriter
from tests.rewrite.tiny import tiny_causal

SENTENCES = ["The mayor met the delegation.", "It rained.", "The talks ended on Tuesday."]


def _adapter(base: Path, out: Path, seed: int) -> Path:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(base)
    config = LoraConfig(
        r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False
    )
    get_peft_model(model, config).save_pretrained(out)
    (out / "mtfix-model.json").write_text(json.dumps({"window": 64}))
    return out


@pytest.fixture(scope="module")
def adapter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ct2")
    return _adapter(tiny_causal(root), root / "adapter", seed=1)


@pytest.fixture(autouse=True)
def _cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MTFIX_CACHE", str(tmp_path_factory.getbasetemp() / "ct2-cache"))


def test_auto_runs_an_adapter_on_ctranslate2_and_anything_else_on_transformers(
    adapter: Path,
) -> None:
    assert choose("auto", adapter) == "ctranslate2"
    assert choose("auto", adapter.parent / "tiny-causal") == "transformers"
    assert isinstance(
        ModelRewriter(RewriterSettings(model=str(adapter))).backend, CTranslate2Backend
    )
    with pytest.raises(ModelLoadError, match="runs LoRA adapters"):
        open_backend("ctranslate2", adapter.parent / "tiny-causal")
    with pytest.raises(ModelLoadError, match="unknown model backend 'onnx'"):
        choose("onnx", adapter)


def test_scores_and_rewrites_follow_the_reference(adapter: Path) -> None:
    fast = open_backend("ctranslate2", adapter, batch_size=2)
    reference = open_backend("transformers", adapter, batch_size=2)
    assert isinstance(reference, TransformersBackend)
    rewrites = reference.rewrite(SENTENCES)
    outputs = [r or "" for r in rewrites]
    # int8 weights: close to the fp32 reference, not equal. Rows of several lengths in one
    # batch, so padding is exercised.
    expected = reference.log_prob(SENTENCES, outputs)
    assert fast.log_prob(SENTENCES, outputs) == pytest.approx(expected, rel=0.05, abs=0.5)
    pairs = list(zip(SENTENCES, outputs, strict=True))
    # A gain is the difference of two texts' log-probabilities, each as close as those above
    # (an empty text's is 0, so a gain from "" is one text's): its error is at most theirs.
    texts = {t: reference.fluency_gain([("", t)])[0] for pair in pairs for t in pair}
    slack = [0.05 * (abs(texts[s]) + abs(texts[o])) + 2 * 0.5 for s, o in pairs]
    gains = zip(fast.fluency_gain(pairs), reference.fluency_gain(pairs), strict=True)
    gaps = [abs(f - r) for f, r in gains]
    assert all(gap <= limit for gap, limit in zip(gaps, slack, strict=True)), (gaps, slack)
    # The same prompt ids go in, so the greedy rewrites agree where the reference is not torn.
    assert [len(r or "") > 0 for r in fast.rewrite(SENTENCES)] == [bool(r) for r in outputs]


def test_batches_handed_over_together_come_back_in_order(adapter: Path) -> None:
    # Batches of one, so each sentence is decoded and scored alone either way: the answers of
    # the workers, which finish in any order, must land on their own sentences.
    backend = open_backend("ctranslate2", adapter, batch_size=1)
    together = backend.rewrite(SENTENCES)
    assert together == [backend.rewrite([s])[0] for s in SENTENCES]
    outputs = [r or s for r, s in zip(together, SENTENCES, strict=True)]
    assert backend.log_prob(SENTENCES, outputs) == [
        backend.log_prob([s], [o])[0] for s, o in zip(SENTENCES, outputs, strict=True)
    ]


def test_beam_search_gives_each_sentence_its_best_rewrites(adapter: Path) -> None:
    backend = open_backend("ctranslate2", adapter, batch_size=2, beams=3)
    options = backend.rewrites(SENTENCES)
    assert [len(o) for o in options] == [3, 3, 3]
    assert backend.rewrite(SENTENCES) == [o[0] for o in options]
    assert backend.generated_tokens > 0


def test_a_sentence_over_the_window_is_skipped_not_cut(adapter: Path) -> None:
    backend = open_backend("ctranslate2", adapter)
    long = " ".join(["the delegation"] * 60) + "."
    assert backend.rewrite([long, SENTENCES[1]])[0] is None


def test_the_conversion_is_cached_per_adapter_version(adapter: Path, tmp_path: Path) -> None:
    open_backend("ctranslate2", adapter)
    first = conversion_dir(adapter_info(adapter))
    assert (first / "model.bin").exists()
    retrained = _adapter(adapter.parent / "tiny-causal", tmp_path / "adapter", seed=2)
    second = conversion_dir(adapter_info(retrained))
    assert second != first and not second.exists()
    open_backend("ctranslate2", retrained)
    assert (second / "model.bin").exists() and (first / "model.bin").exists()


def test_the_backend_is_an_option_and_in_the_signature(adapter: Path) -> None:
    from click.testing import CliRunner

    from mtfix.cli import main
    from mtfix.pipeline import PipelineOptions

    settings = RewriterSettings(model=str(adapter), backend="transformers")
    options = PipelineOptions(detectors=("mt-artifacts",), settings=settings)
    assert "backend:transformers" in options.signature()
    assert "backend:none" in PipelineOptions(rewriters=("rules",)).signature()
    model = Pipeline(options).rewriters[-1]
    assert isinstance(model, ModelRewriter) and isinstance(model.backend, TransformersBackend)
    result = CliRunner().invoke(main, ["clean", "-", "--backend", "onnx"], input="Text.")
    assert result.exit_code == 2 and "'onnx' is not one of" in result.output


def test_a_batch_worker_runs_as_many_decoders_as_its_share_of_the_cores(
    adapter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mtfix.model import ctranslate2_backend

    # What mtfix batch's pool initialiser and Ray set in each worker: its share of the cores.
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    ctranslate2_backend._generator.cache_clear()
    try:
        backend = ModelRewriter(RewriterSettings(model=str(adapter), backend="ctranslate2")).backend
        assert isinstance(backend, CTranslate2Backend)
        assert backend.workers == 1
        monkeypatch.setenv("OMP_NUM_THREADS", "")
        assert ctranslate2_backend._threads() == len(os.sched_getaffinity(0))
    finally:
        ctranslate2_backend._generator.cache_clear()


@pytest.mark.parametrize(("given", "kernels"), [(None, "DNNL"), ("1", "MKL")])
def test_ctranslate2_runs_on_onednn_everywhere_unless_told_otherwise(
    adapter: Path, given: str | None, kernels: str
) -> None:
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "CT2_USE_MKL"}
    env["CT2_VERBOSE"] = "1"
    if given is not None:
        env["CT2_USE_MKL"] = given
    code = (
        "from mtfix.model.backends import open_backend; from pathlib import Path; "
        f"open_backend('ctranslate2', Path({str(adapter)!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    backend = next(line for line in out.stderr.splitlines() if "GEMM_S8 backend" in line)
    if kernels == "MKL" and "Intel" not in machine()["cpu_model"]:
        kernels = "DNNL"  # ctranslate2 runs MKL on Intel CPUs only
    assert f"GEMM_S8 backend: {kernels}" in backend


def test_a_host_that_imports_ctranslate2_first_is_warned_that_its_kernels_are_its_own(
    adapter: Path,
) -> None:
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "CT2_USE_MKL"}
    load = (
        "from mtfix.model.backends import open_backend; from pathlib import Path; "
        f"open_backend('ctranslate2', Path({str(adapter)!r}))"
    )
    for first, warned in (("import ctranslate2; ", True), ("", False)):
        out = subprocess.run(
            [sys.executable, "-c", first + load],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        assert ("imported before mtfix could set CT2_USE_MKL=0" in out.stderr) is warned, out.stderr
