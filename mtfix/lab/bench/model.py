"""The model rewriter on each backend, side by side: load time in a fresh process (cache warm),
generation throughput (one sentence at a time, a batch of 8, 4 beams) and batched scoring.

Targets (issue #13, for the fast backend): load < 1.5 s; >= 100 new tokens/s on one sentence and
>= 200 batched on 2 cores; 4 beams at least half as many sentences/s as greedy. The machine is
shared, so each figure is also given as a ratio to the reference (transformers) backend measured
in the same run. Throughput counts every generated token up to and including each row's end of
sequence (with beam search, every returned hypothesis), so ``sentences_per_s`` compares greedy
and beams. Sentences come from the seed article, so the figures describe the text mtfix is built
for. Measurements alternate between backends, so that a busy spell hits both, and each also
records CPU seconds (the load's process, or this one's threads), which waiting for a core on a
busy machine does not inflate.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from typing import Any

from mtfix.lab.bench import summary, write_result
from mtfix.model import DEFAULT_MODEL
from mtfix.model.backend import Backend
from mtfix.model.ctranslate2_backend import QUANTIZATION, CTranslate2Backend
from mtfix.paths import seed_article
from mtfix.rewrite import RewriterSettings
from mtfix.rewrite.model import ModelRewriter
from mtfix.segment import segment

# auto: ctranslate2 with a lone greedy row on llama.cpp (mtfix.model.backends), the default.
BACKENDS = ("transformers", "ctranslate2", "auto")
FAST = "auto"
LOAD_RUNS = 3
SENTENCES = 16
BATCH = 8
TARGETS = {
    "load_s": 1.5,
    "single_new_tokens_per_s": 100.0,
    "batched_new_tokens_per_s": 200.0,
    "beams4_vs_greedy_sentences": 0.5,
}
_LOAD = (
    "import time; t = time.perf_counter(); from mtfix.rewrite import RewriterSettings; "
    "from mtfix.rewrite.model import ModelRewriter; "
    "ModelRewriter(RewriterSettings(model={model!r}, backend={backend!r})).warm(); "
    "print(time.perf_counter() - t)"
)


def load_seconds(model: str, backend: str) -> float:
    """Import and load in a new process: what a CLI run pays before its first rewrite."""
    return load_with_cpu(model, backend)[0]


def load_with_cpu(model: str, backend: str) -> tuple[float, float]:
    """Wall seconds of the import and load, and CPU seconds of the whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [sys.executable, "-c", _LOAD.format(model=model, backend=backend)],
        capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return float(proc.stdout.strip().splitlines()[-1]), cpu


def throughput(
    backend: Backend, sentences: list[str], batch: int, beams: int = 1
) -> dict[str, Any]:
    backend.batch_size, backend.beams = batch, beams
    backend.generated_tokens = 0
    start, cpu = time.perf_counter(), time.process_time()
    if batch == 1:
        # One call per sentence, each waited for: what a translator's single request costs
        # (handed over together, a runtime with a worker per core would run them side by side).
        for sentence in sentences:
            backend.rewrite([sentence])
    else:
        backend.rewrite(sentences)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "beams": beams,
        "batch": batch,
        "sentences": len(sentences),
        "new_tokens": backend.generated_tokens,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "new_tokens_per_s": round(backend.generated_tokens / seconds, 1),
        "sentences_per_s": round(len(sentences) / seconds, 2),
        "sentences_per_cpu_s": round(len(sentences) / cpu, 3),
    }


def _fixed_length_seconds(
    generator: Any, rows: list[list[str]], length: int, beams: int = 1
) -> float:
    start = time.perf_counter()
    generator.generate_batch(
        rows,
        max_length=length,
        min_length=length,
        include_prompt_in_result=False,
        beam_size=beams,
        num_hypotheses=beams,
    )
    return time.perf_counter() - start


def _ms_per_step(generator: Any, rows: list[list[str]], steps: int, beams: int = 1) -> float:
    """Milliseconds per decoding step past the first (which reads the prompt)."""
    _fixed_length_seconds(generator, rows, 2, beams)  # warm-up
    first = _fixed_length_seconds(generator, rows, 1, beams)
    return round(
        (_fixed_length_seconds(generator, rows, steps + 1, beams) - first) / steps * 1000, 1
    )


def step_costs(backend: CTranslate2Backend, prompt: list[int], steps: int = 40) -> dict[str, Any]:
    """Milliseconds per decoding step of the fast backend's converted model with one and with
    two threads on one step (batches of 1 and 8, every row made to run ``steps`` tokens): why
    its generator runs a worker per core on one thread each."""
    import ctranslate2

    row = [str(t) for t in prompt]
    out: dict[str, Any] = {}
    for threads in (1, 2):
        generator = ctranslate2.Generator(
            str(backend.model_dir), device="cpu", compute_type=QUANTIZATION, intra_threads=threads
        )
        for batch in (1, 8):
            ms = _ms_per_step(generator, [row] * batch, steps)
            out[f"intra_threads_{threads}_batch_{batch}"] = {
                "ms_per_step": ms,
                "new_tokens_per_s": round(batch * 1000 / ms, 1),
            }
    return out


def beam_costs(
    backend: CTranslate2Backend, prompt: list[int], steps: int = 30
) -> dict[str, dict[str, float]]:
    """Milliseconds per decoding step of a batch of 8 prompts, greedy and with 4 beams, by prompt
    length (one thread): what bounds the beams target. A beam search of 8 prompts is 32 rows; past
    a step's fixed cost, its time grows with the rows and with what each has read (and a beam
    search also reorders the rows' cached keys and values every step), so 4 beams approach four
    times greedy's step wherever the rows, not the fixed cost, dominate."""
    import ctranslate2

    generator = ctranslate2.Generator(
        str(backend.model_dir), device="cpu", compute_type=QUANTIZATION, intra_threads=1
    )
    out: dict[str, dict[str, float]] = {}
    for length in (16, 64, 160):
        row = [str(prompt[i % len(prompt)]) for i in range(length)]
        greedy = _ms_per_step(generator, [row] * BATCH, steps)
        beams = _ms_per_step(generator, [row] * BATCH, steps, beams=4)
        out[f"prompt_{length}_tokens"] = {
            "greedy_ms_per_step": greedy,
            "beams4_ms_per_step": beams,
            "beams4_vs_greedy_step": round(beams / greedy, 2),
        }
    return out


def scoring(backend: Backend, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """The selector's preference score (two log-probabilities per pair), batched."""
    backend.batch_size = BATCH
    start = time.perf_counter()
    backend.preference(pairs)
    seconds = time.perf_counter() - start
    return {
        "pairs": len(pairs),
        "seconds": round(seconds, 2),
        "pairs_per_s": round(len(pairs) / seconds, 1),
    }


def main(model: str = DEFAULT_MODEL) -> None:
    import torch

    torch.set_num_threads(2)
    text = seed_article().read_text(encoding="utf-8")
    doc = segment(text)
    sentences = [s.of(text) for s in doc.sentences if 8 <= len(s.of(text).split()) <= 40]
    sentences = sentences[:SENTENCES]
    results: dict[str, Any] = {
        "model": model,
        "threads": torch.get_num_threads(),
        "load_average_1min_at_start": round(os.getloadavg()[0], 2),
    }
    for name in BACKENDS:
        load_seconds(model, name)  # the first run may build a cache; not what is measured
    loads: dict[str, list[float]] = {name: [] for name in BACKENDS}
    load_cpu: dict[str, list[float]] = {name: [] for name in BACKENDS}
    for _ in range(LOAD_RUNS):
        for name in BACKENDS:
            wall, cpu = load_with_cpu(model, name)
            loads[name].append(wall)
            load_cpu[name].append(cpu)
    backends = {
        name: ModelRewriter(RewriterSettings(model=model, backend=name)).backend
        for name in BACKENDS
    }
    for backend in backends.values():
        backend.rewrite(sentences[:1])  # warm-up: first-call allocations
    runs: dict[str, dict[str, Any]] = {
        name: {
            "load_fresh_process": summary(loads[name]),
            "load_fresh_process_cpu": summary(load_cpu[name]),
        }
        for name in BACKENDS
    }
    for name, backend in backends.items():
        runs[name]["single"] = throughput(backend, sentences[:4], 1)
    # Greedy and beams back to back per backend: their ratio is the beams target.
    for name, backend in backends.items():
        runs[name]["batched"] = throughput(backend, sentences, BATCH)
        runs[name]["beams4"] = throughput(backend, sentences, BATCH, beams=4)
    rewrites = backends["transformers"].rewrite(sentences)
    pairs = [(s, r or s) for s, r in zip(sentences, rewrites, strict=True)]
    for name, backend in backends.items():
        runs[name]["scoring"] = scoring(backend, pairs)
    results.update(runs)
    fast = backends[FAST]
    assert isinstance(fast, CTranslate2Backend)
    prompt = fast._encode_prompt(sentences[0])
    results["ctranslate2_step_costs"] = step_costs(fast, prompt)
    results["ctranslate2_beam_costs"] = beam_costs(fast, prompt)
    results["load_average_1min_at_end"] = round(os.getloadavg()[0], 2)
    results["fast_vs_reference"] = ratios(runs["transformers"], runs[FAST])
    results["targets"] = {**TARGETS, "met": met(runs[FAST])}
    write_result("model", results)


def ratios(reference: dict[str, Any], fast: dict[str, Any]) -> dict[str, float]:
    """How many times faster the fast backend is, per measure (load: how many times quicker)."""
    out = {
        "load": round(
            reference["load_fresh_process"]["median_s"] / fast["load_fresh_process"]["median_s"], 2
        )
    }
    cpu = "load_fresh_process_cpu"
    out["load_cpu"] = round(reference[cpu]["median_s"] / fast[cpu]["median_s"], 2)
    for key in ("single", "batched", "beams4"):
        out[key] = round(fast[key]["new_tokens_per_s"] / reference[key]["new_tokens_per_s"], 2)
        out[f"{key}_cpu"] = round(
            fast[key]["sentences_per_cpu_s"] / reference[key]["sentences_per_cpu_s"], 2
        )
    out["scoring"] = round(fast["scoring"]["pairs_per_s"] / reference["scoring"]["pairs_per_s"], 2)
    return out


def met(fast: dict[str, Any]) -> dict[str, bool]:
    beams_vs_greedy = fast["beams4"]["sentences_per_cpu_s"] / fast["batched"]["sentences_per_cpu_s"]
    return {
        "load_s": fast["load_fresh_process"]["median_s"] < TARGETS["load_s"],
        "load_cpu_s": fast["load_fresh_process_cpu"]["median_s"] < TARGETS["load_s"],
        "single_new_tokens_per_s": fast["single"]["new_tokens_per_s"]
        >= TARGETS["single_new_tokens_per_s"],
        "batched_new_tokens_per_s": fast["batched"]["new_tokens_per_s"]
        >= TARGETS["batched_new_tokens_per_s"],
        "beams4_vs_greedy_sentences": beams_vs_greedy >= TARGETS["beams4_vs_greedy_sentences"],
    }


if __name__ == "__main__":
    main(*sys.argv[1:2])
