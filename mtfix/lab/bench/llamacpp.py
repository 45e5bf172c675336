"""The candidate not chosen: llama.cpp (``llama-cpp-python``) against ctranslate2, in one run.

``python -m mtfix.lab.bench.llamacpp SDIST`` takes the llama-cpp-python source distribution (as
``pip download --no-binary :all: llama-cpp-python==0.3.36`` fetches it) and needs that package
installed (``pip wheel`` of the same sdist, built once; see the README). It converts the adapter
to a LoRA GGUF with the ``convert_lora_to_gguf.py`` the sdist vendors (cached under
``$MTFIX_CACHE/models/llamacpp/``, keyed by the adapter's digest), runs the packaged Q4_K_M GGUF
with it on the full Gemma vocabulary, and measures what its high-level API offers: load in a
fresh process and one sentence at a time, greedy, beside the ctranslate2 backend on the same
sentences. llama-cpp-python has no batched generation, no beam search and no batched scoring
there; each would be a hand-written loop over ``llama_batch``. Writes
``eval/bench/llamacpp.json``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

from mtfix.lab.bench import summary, write_result
from mtfix.lab.bench.model import load_seconds
from mtfix.model import DEFAULT_MODEL
from mtfix.model.backbone import cache_dir, gguf_path
from mtfix.model.backends import open_backend
from mtfix.model.load import adapter_info, resolve
from mtfix.paths import cache_root, seed_article
from mtfix.segment import segment

THREADS = 2
LOAD_RUNS = 3
_LOAD = (
    "import time; t = time.perf_counter(); from llama_cpp import Llama; "
    "Llama(model_path={gguf!r}, lora_path={lora!r}, n_ctx=512, n_threads={threads}, "
    "verbose=False); print(time.perf_counter() - t)"
)


def lora_gguf(sdist: Path, model: str) -> Path:
    """The adapter as a LoRA GGUF, converted with the sdist's own script on first use."""
    info = adapter_info(resolve(model).resolve())
    target = cache_root() / "models" / "llamacpp" / f"{info.key}.gguf"
    if target.exists():
        return target
    with tempfile.TemporaryDirectory(prefix="mtfix-llamacpp-") as tmp:
        with tarfile.open(sdist) as tar:
            members = [m for m in tar.getmembers() if "/vendor/llama.cpp/" in m.name]
            tar.extractall(tmp, members=members, filter="data")
        (root,) = Path(tmp).glob("*/vendor/llama.cpp")
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".tmp")
        cmd = [sys.executable, str(root / "convert_lora_to_gguf.py"), "--base", str(cache_dir()),
               "--outfile", str(partial), "--outtype", "f32", str(info.path)]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": f"{root / 'gguf-py'}:{root}"}
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        partial.rename(target)
    return target


def greedy(llm: Any, prompt: str, budget: int) -> list[int]:
    ids = llm.tokenize(prompt.encode(), add_bos=True, special=False)
    llm.reset()
    out: list[int] = []
    for token in llm.generate(ids, temp=0.0, top_k=1, top_p=1.0, repeat_penalty=1.0):
        if token == llm.token_eos() or len(out) >= budget:
            break
        out.append(token)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sdist", type=Path, help="llama-cpp-python's .tar.gz")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    args = parser.parse_args()
    from llama_cpp import Llama

    gguf, lora = str(gguf_path()), str(lora_gguf(args.sdist, args.model))
    text = seed_article().read_text(encoding="utf-8")
    doc = segment(text)
    sentences = [s.of(text) for s in doc.sentences if 8 <= len(s.of(text).split()) <= 40][:4]
    load_cmd = _LOAD.format(gguf=gguf, lora=lora, threads=THREADS)
    loads = []
    for _ in range(LOAD_RUNS):
        out = subprocess.run([sys.executable, "-c", load_cmd], capture_output=True, text=True)
        loads.append(float(out.stdout.strip().splitlines()[-1]))
    fast_loads = [load_seconds(args.model, "ctranslate2") for _ in range(LOAD_RUNS)]
    llm = Llama(model_path=gguf, lora_path=lora, n_ctx=512, n_threads=THREADS, verbose=False)
    fast = open_backend("ctranslate2", resolve(args.model).resolve(), batch_size=1)
    info = adapter_info(resolve(args.model).resolve())
    prompts = [info.prompt.format(source=s) for s in sentences]
    greedy(llm, prompts[0], 8)  # warm-up
    fast.rewrite(sentences[:1])
    tokens, start = 0, time.perf_counter()
    rewrites = []
    for prompt in prompts:
        ids = greedy(llm, prompt, int(len(llm.tokenize(prompt.encode())) * 1.3) + 8)
        tokens += len(ids) + 1
        rewrites.append(llm.detokenize(ids).decode("utf-8", "replace").strip())
    seconds = time.perf_counter() - start
    fast.generated_tokens, start = 0, time.perf_counter()
    fast_rewrites = fast.rewrite(sentences)
    fast_seconds = time.perf_counter() - start
    single = round(tokens / seconds, 1)
    fast_single = round(fast.generated_tokens / fast_seconds, 1)
    write_result(
        "llamacpp",
        {
            "llama_cpp": {
                "weights": "packaged Q4_K_M GGUF (full 262k vocabulary) + LoRA GGUF (f32)",
                "threads": THREADS,
                "load_fresh_process": summary(loads),
                "single_new_tokens_per_s": single,
                "batched": "not in llama-cpp-python's high-level API",
                "beams": "not in llama.cpp (removed); would be hand-written over llama_batch",
                "scoring": "logits_all per sequence; no batched scoring in the high-level API",
            },
            "ctranslate2": {
                "load_fresh_process": summary(fast_loads),
                "single_new_tokens_per_s": fast_single,
            },
            "same_greedy_rewrites": sum(
                a == b for a, b in zip(rewrites, fast_rewrites, strict=True)
            ),
            "sentences": len(sentences),
        },
    )


if __name__ == "__main__":
    main()
