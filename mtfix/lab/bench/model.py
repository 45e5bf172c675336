"""The model rewriter: load time in a fresh process (cache warm) and generation throughput.

Targets (issue #4): load < 5 s after the first run; >= 40 new tokens/s summed over a batch on
2 cores. Throughput counts every generated token up to and including each row's end of sequence
(with beam search, every returned hypothesis), so ``sentences_per_s`` compares greedy and beams.
Sentences come from the seed article, so the figures describe the text mtfix is built for.
"""

from __future__ import annotations

import subprocess
import sys
import time

from mtfix.lab.bench import summary, write_result
from mtfix.model import DEFAULT_MODEL
from mtfix.model.transformers_backend import TransformersBackend
from mtfix.paths import seed_article
from mtfix.rewrite import RewriterSettings
from mtfix.rewrite.model import ModelRewriter
from mtfix.segment import segment

LOAD_RUNS = 3
SENTENCES = 16
BATCH = 8
_LOAD = (
    "import time; t = time.perf_counter(); from mtfix.rewrite import RewriterSettings; "
    "from mtfix.rewrite.model import ModelRewriter; "
    "ModelRewriter(RewriterSettings(model={model!r})).warm(); print(time.perf_counter() - t)"
)


def load_seconds(model: str) -> float:
    """Import and load in a new process: what a CLI run pays before its first rewrite."""
    proc = subprocess.run(
        [sys.executable, "-c", _LOAD.format(model=model)], capture_output=True, text=True,
        timeout=600, check=True,
    )  # fmt: skip
    return float(proc.stdout.strip().splitlines()[-1])


def throughput(rewriter: TransformersBackend, sentences: list[str], batch: int) -> dict[str, float]:
    rewriter.batch_size = batch
    rewriter.generated_tokens = 0
    start = time.perf_counter()
    rewriter.rewrite(sentences)
    seconds = time.perf_counter() - start
    return {
        "batch": batch,
        "sentences": len(sentences),
        "new_tokens": rewriter.generated_tokens,
        "seconds": round(seconds, 2),
        "new_tokens_per_s": round(rewriter.generated_tokens / seconds, 1),
        "sentences_per_s": round(len(sentences) / seconds, 2),
    }


def _with_beams(
    rewriter: TransformersBackend, beams: int, sentences: list[str], batch: int
) -> dict[str, float]:
    greedy, rewriter.beams = rewriter.beams, beams
    try:
        return {"beams": beams, **throughput(rewriter, sentences, batch)}
    finally:
        rewriter.beams = greedy


def main(model: str = DEFAULT_MODEL) -> None:
    import torch

    torch.set_num_threads(2)
    text = seed_article().read_text(encoding="utf-8")
    doc = segment(text)
    sentences = [s.of(text) for s in doc.sentences if 8 <= len(s.of(text).split()) <= 40]
    sentences = sentences[:SENTENCES]
    load_seconds(model)  # the first run may build the backbone cache; not what is measured
    loads = [load_seconds(model) for _ in range(LOAD_RUNS)]
    rewriter = ModelRewriter(RewriterSettings(model=model)).backend
    rewriter.rewrite(sentences[:1])  # warm-up: first-call allocations
    write_result(
        "model",
        {
            "model": model,
            "threads": torch.get_num_threads(),
            "load_fresh_process": summary(loads),
            "batched": throughput(rewriter, sentences, BATCH),
            "single": throughput(rewriter, sentences[:4], 1),
            "beams4": _with_beams(rewriter, 4, sentences, BATCH),
            "targets": {"load_s": 5.0, "batched_new_tokens_per_s": 40.0},
        },
    )


if __name__ == "__main__":
    main(*sys.argv[1:2])
