"""llama.cpp (``llama-cpp-python``) against ctranslate2 for one sentence at a time, in one run.

``python -m mtfix.lab.bench.llamacpp [SDIST]`` takes the llama-cpp-python source distribution
(by default the one ``make bootstrap`` keeps in ``$MTFIX_CACHE/llamacpp/``) and needs that
package installed (mtfix's ``llamacpp`` extra). It measures llama.cpp's high-level API (load in a
fresh process, one sentence at a time, greedy) on two builds of the default adapter, beside the
ctranslate2 backend on the same sentences:

- ``lora``: the packaged Q4_K_M GGUF on the full Gemma vocabulary, with the adapter converted to
  a LoRA GGUF by the ``convert_lora_to_gguf.py`` the sdist vendors;
- ``merged``: the build the ``auto`` backend runs lone rows on
  (:mod:`mtfix.model.llamacpp_backend`): the adapter merged into the trimmed backbone, a Q8_0
  GGUF that reads the same prompt ids as the other backends.

Both are cached under ``$MTFIX_CACHE/models/llamacpp/``, keyed by the adapter's digest.
llama-cpp-python has no batched generation, no beam search and no batched scoring there; each
would be a hand-written loop over ``llama_batch``. Writes ``eval/bench/llamacpp.json``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mtfix.lab.bench import summary, write_result
from mtfix.lab.bench.model import SENTENCES, load_seconds
from mtfix.model import DEFAULT_MODEL
from mtfix.model.backbone import cache_dir, gguf_path
from mtfix.model.backends import open_backend
from mtfix.model.llamacpp_backend import (
    GreedyRow,
    ensure_converted,
    installed_version,
    run_converter,
    sdist_path,
)
from mtfix.model.load import adapter_info, resolve
from mtfix.paths import cache_root, seed_article
from mtfix.segment import segment

THREADS = 2
LOAD_RUNS = 3
_LOAD = (
    "import time; t = time.perf_counter(); from llama_cpp import Llama; "
    "Llama(model_path={gguf!r}, lora_path={lora!r}, n_ctx=512, n_threads={threads}, "
    "n_threads_batch={threads}, verbose=False); print(time.perf_counter() - t)"
)


def lora_gguf(sdist: Path, model: str) -> Path:
    """The adapter as a LoRA GGUF, converted with the sdist's ``convert_lora_to_gguf.py`` on
    first use (the ``merged`` build is the backend's own conversion)."""
    info = adapter_info(resolve(model).resolve())
    target = cache_root() / "models" / "llamacpp" / f"{info.key}.gguf"
    if not target.exists():
        args = ["--base", str(cache_dir()), "--outtype", "f32"]
        run_converter(
            sdist, "convert_lora_to_gguf.py", args, lambda _: info.path, target, what=model
        )
    return target


def load_fresh(gguf: Path, lora: Path | None) -> dict[str, Any]:
    cmd = _LOAD.format(gguf=str(gguf), lora=str(lora) if lora else None, threads=THREADS)
    loads = []
    for _ in range(LOAD_RUNS):
        out = subprocess.run([sys.executable, "-c", cmd], capture_output=True, text=True)
        loads.append(float(out.stdout.strip().splitlines()[-1]))
    return summary(loads)


def single(
    row: GreedyRow, prompts: list[list[int]], budget: Callable[[list[list[int]]], int]
) -> tuple[float, list[list[int]]]:
    """New tokens/s one sentence at a time (each up to and including its end of sequence, within
    the rewriter's ``budget``), and each sentence's new tokens."""
    row(prompts[0], 8)  # warm-up
    tokens, outputs, start = 0, [], time.perf_counter()
    for ids in prompts:
        outputs.append(row(ids, budget([ids])))
        tokens += len(outputs[-1]) + 1
    return round(tokens / (time.perf_counter() - start), 1), outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "sdist", type=Path, nargs="?", help="llama-cpp-python's .tar.gz [default: the bootstrap's]"
    )
    parser.add_argument("--model", default=DEFAULT_MODEL)
    args = parser.parse_args()
    version = installed_version()
    if version is None:
        raise SystemExit("llama-cpp-python is not installed: pip install 'mtfix[llamacpp]'")
    args.sdist = args.sdist or sdist_path(version)
    info = adapter_info(resolve(args.model).resolve())
    lora, merged = lora_gguf(args.sdist, args.model), ensure_converted(info)
    text = seed_article().read_text(encoding="utf-8")
    doc = segment(text)
    sentences = [s.of(text) for s in doc.sentences if 8 <= len(s.of(text).split()) <= 40]
    sentences = sentences[:SENTENCES]
    fast = open_backend("ctranslate2", info.path, batch_size=1)
    codec = fast.codec
    assert codec is not None
    texts = [fast.prompt.format(source=s) for s in sentences]
    prompts = [fast._encode_prompt(t) for t in texts]
    fast.rewrite(sentences[:1])
    fast_outputs, start = [], time.perf_counter()
    for ids in prompts:
        fast_outputs.append(fast._generate([ids], fast.budget([ids]))[0])
    fast_single = sum(len(o) + 1 for o in fast_outputs) / (time.perf_counter() - start)
    fast_rewrites = [codec.decode(o).strip() for o in fast_outputs]
    runs: dict[str, Any] = {}
    builds = (
        ("lora", gguf_path(), lora, "packaged Q4_K_M GGUF (full 262k vocabulary) + LoRA (f32)"),
        ("merged", merged, None, "adapter merged into the trimmed backbone, Q8_0 (40,548 tokens)"),
    )
    for name, gguf, adapter, weights in builds:
        if adapter is None:
            # The trimmed vocabulary: the rewriter's own prompt ids and decoding.
            row = GreedyRow(gguf, window=info.window, eos_id=codec.eos_id, threads=THREADS)
            rate, outputs = single(row, prompts, fast.budget)
            rewrites = [codec.decode(o).strip() for o in outputs]
        else:
            row = GreedyRow(gguf, window=info.window, eos_id=0, threads=THREADS, lora=adapter)
            # The full vocabulary: the GGUF's own tokenizer and end of sequence.
            llm = row.llm
            row.eos_id = llm.token_eos()
            own = [llm.tokenize(t.encode(), add_bos=True, special=False) for t in texts]
            rate, outputs = single(row, own, fast.budget)
            rewrites = [llm.detokenize(o).decode("utf-8", "replace").strip() for o in outputs]
        runs[name] = {
            "weights": weights,
            "threads": THREADS,
            "load_fresh_process": load_fresh(Path(gguf), adapter),
            "single_new_tokens_per_s": rate,
            "same_greedy_rewrites_as_ctranslate2": sum(
                a == b for a, b in zip(rewrites, fast_rewrites, strict=True)
            ),
        }
    write_result(
        "llamacpp",
        {
            "llama_cpp": runs,
            "llama_cpp_api": {
                "batched": "not in llama-cpp-python's high-level API",
                "beams": "not in llama.cpp (removed); would be hand-written over llama_batch",
                "scoring": "logits_all per sequence; no batched scoring in the high-level API",
            },
            "ctranslate2": {
                "load_fresh_process": summary(
                    [load_seconds(args.model, "ctranslate2") for _ in range(LOAD_RUNS)]
                ),
                "single_new_tokens_per_s": round(fast_single, 1),
            },
            "sentences": len(sentences),
        },
    )


if __name__ == "__main__":
    main()
