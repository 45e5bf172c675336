"""The candidate not chosen: llama.cpp (``llama-cpp-python``) against ctranslate2, in one run.

``python -m mtfix.lab.bench.llamacpp SDIST`` takes the llama-cpp-python source distribution (as
``pip download --no-binary :all: llama-cpp-python==0.3.36`` fetches it) and needs that package
installed (``pip wheel`` of the same sdist, built once; see the README). It measures llama.cpp's
high-level API (load in a fresh process, one sentence at a time, greedy) on two builds of the
default adapter, beside the ctranslate2 backend on the same sentences:

- ``lora``: the packaged Q4_K_M GGUF on the full Gemma vocabulary, with the adapter converted to
  a LoRA GGUF by the ``convert_lora_to_gguf.py`` the sdist vendors;
- ``merged``: the adapter merged into the trimmed backbone (the checkpoint the ctranslate2
  conversion starts from), converted to a Q8_0 GGUF by the sdist's ``convert_hf_to_gguf.py``
  with the trimmed vocabulary's SentencePiece model as its tokenizer; it reads the same prompt
  ids as the other backends.

Both are cached under ``$MTFIX_CACHE/models/llamacpp/``, keyed by the adapter's digest.
llama-cpp-python has no batched generation, no beam search and no batched scoring there; each
would be a hand-written loop over ``llama_batch``. Writes ``eval/bench/llamacpp.json``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mtfix.lab.bench import summary, write_result
from mtfix.lab.bench.model import load_seconds
from mtfix.model import DEFAULT_MODEL
from mtfix.model.backbone import cache_dir, gguf_path
from mtfix.model.backends import open_backend
from mtfix.model.load import adapter_info, merged_checkpoint, resolve
from mtfix.paths import cache_root, seed_article
from mtfix.segment import segment

THREADS = 2
LOAD_RUNS = 3
_LOAD = (
    "import time; t = time.perf_counter(); from llama_cpp import Llama; "
    "Llama(model_path={gguf!r}, lora_path={lora!r}, n_ctx=512, n_threads={threads}, "
    "n_threads_batch={threads}, verbose=False); print(time.perf_counter() - t)"
)


def _vendored(sdist: Path, tmp: str) -> Path:
    """The sdist's vendored llama.cpp checkout (its conversion scripts and gguf-py), in ``tmp``."""
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if "/vendor/llama.cpp/" in m.name]
        tar.extractall(tmp, members=members, filter="data")
    (root,) = Path(tmp).glob("*/vendor/llama.cpp")
    return root


def _convert(
    sdist: Path, target: Path, script: str, args: list[str], source: Callable[[Path], Path]
) -> Path:
    """Run one of the sdist's conversion scripts on ``source(tmp)`` into ``target``, on first
    use (``tmp``: a scratch directory that lives as long as the conversion)."""
    if target.exists():
        return target
    with tempfile.TemporaryDirectory(prefix="mtfix-llamacpp-") as tmp:
        root = _vendored(sdist, tmp)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".tmp")
        cmd = [sys.executable, str(root / script), *args, "--outfile", str(partial),
               str(source(Path(tmp)))]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": f"{root / 'gguf-py'}:{root}"}
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        partial.rename(target)
    return target


def _merged_layout(merged: Path, tmp: Path) -> Path:
    """The merged checkpoint as ``convert_hf_to_gguf.py`` reads it: its files beside the
    trimmed vocabulary's SentencePiece model, named ``tokenizer.model``."""
    out = tmp / "merged"
    out.mkdir()
    for path in merged.iterdir():
        (out / path.name).symlink_to(path)
    (out / "tokenizer.model").symlink_to(cache_dir() / "tokenizer.spm")
    return out


def lora_gguf(sdist: Path, model: str) -> Path:
    """The adapter as a LoRA GGUF, converted with the sdist's own script on first use."""
    info = adapter_info(resolve(model).resolve())
    target = cache_root() / "models" / "llamacpp" / f"{info.key}.gguf"
    args = ["--base", str(cache_dir()), "--outtype", "f32"]
    return _convert(sdist, target, "convert_lora_to_gguf.py", args, lambda _: info.path)


def merged_gguf(sdist: Path, model: str) -> Path:
    """The adapter merged into the trimmed backbone as a Q8_0 GGUF, converted on first use."""
    info = adapter_info(resolve(model).resolve())
    target = cache_root() / "models" / "llamacpp" / f"{info.key}-merged-q8_0.gguf"
    merged = merged_checkpoint(info.path)
    return _convert(
        sdist, target, "convert_hf_to_gguf.py", ["--outtype", "q8_0"],
        lambda tmp: _merged_layout(merged, tmp),
    )  # fmt: skip


def greedy(llm: Any, ids: list[int], budget: int, eos: int) -> list[int]:
    """Greedy new tokens after the prompt ``ids``, without the end of sequence."""
    llm.reset()
    out: list[int] = []
    for token in llm.generate(ids, temp=0.0, top_k=1, top_p=1.0, repeat_penalty=1.0):
        if token == eos or len(out) >= budget:
            break
        out.append(token)
    return out


def load_fresh(gguf: Path, lora: Path | None) -> dict[str, Any]:
    cmd = _LOAD.format(gguf=str(gguf), lora=str(lora) if lora else None, threads=THREADS)
    loads = []
    for _ in range(LOAD_RUNS):
        out = subprocess.run([sys.executable, "-c", cmd], capture_output=True, text=True)
        loads.append(float(out.stdout.strip().splitlines()[-1]))
    return summary(loads)


def single(
    llm: Any, prompts: list[list[int]], eos: int, budget: Callable[[list[list[int]]], int]
) -> tuple[float, list[list[int]]]:
    """New tokens/s one sentence at a time (each up to and including its end of sequence, within
    the rewriter's ``budget``), and each sentence's new tokens."""
    greedy(llm, prompts[0], 8, eos)  # warm-up
    tokens, outputs, start = 0, [], time.perf_counter()
    for ids in prompts:
        outputs.append(greedy(llm, ids, budget([ids]), eos))
        tokens += len(outputs[-1]) + 1
    return round(tokens / (time.perf_counter() - start), 1), outputs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sdist", type=Path, help="llama-cpp-python's .tar.gz")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    args = parser.parse_args()
    from llama_cpp import Llama

    lora, merged = lora_gguf(args.sdist, args.model), merged_gguf(args.sdist, args.model)
    text = seed_article().read_text(encoding="utf-8")
    doc = segment(text)
    sentences = [s.of(text) for s in doc.sentences if 8 <= len(s.of(text).split()) <= 40][:4]
    fast = open_backend("ctranslate2", resolve(args.model).resolve(), batch_size=1)
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
        llm = Llama(
            model_path=str(gguf), lora_path=str(adapter) if adapter else None, n_ctx=512,
            n_threads=THREADS, n_threads_batch=THREADS, verbose=False,
        )  # fmt: skip
        if adapter is None:
            # The trimmed vocabulary: the rewriter's own prompt ids and decoding.
            rate, outputs = single(llm, prompts, codec.eos_id, fast.budget)
            rewrites = [codec.decode(o).strip() for o in outputs]
        else:
            own = [llm.tokenize(t.encode(), add_bos=True, special=False) for t in texts]
            rate, outputs = single(llm, own, llm.token_eos(), fast.budget)
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
        del llm
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
