"""One sentence at a time on llama.cpp: the fast path for a lone greedy rewrite.

A decoding step of the 270M model is many small matrix products, and for a single row
CTranslate2 spends most of a step outside them (``ctranslate2_step_costs`` in
``eval/bench/model.json``); llama.cpp, through ``llama-cpp-python``, runs the same step in about
half the time. Its Python API has no batched generation, no beam search and no batched scoring,
so it takes only what it is faster at: a call whose whole work is one greedy row (a translator's
one-sentence check, a server's single request). Batches, beams and scoring stay on CTranslate2
(:mod:`mtfix.model.backends` puts the two together).

The adapter, merged into the trimmed backbone (:func:`mtfix.model.load.merged_checkpoint`), is
converted once to a Q8_0 GGUF by the ``convert_hf_to_gguf.py`` that llama-cpp-python's source
distribution vendors, with the trimmed vocabulary's SentencePiece model as its tokenizer, so it
reads the rewriter's own prompt ids. ``make bootstrap`` puts that sdist (the version installed)
in ``$MTFIX_CACHE/llamacpp/`` and builds the shipped adapter's GGUF; a retrained adapter is
converted on first use. Cached under ``$MTFIX_CACHE/models/llamacpp/``, keyed by the adapter's
digest.

``python -m mtfix.model.llamacpp_backend [MODEL]`` builds the conversion and prints its path.
"""

from __future__ import annotations

import atexit
import logging
import os
import subprocess
import sys
import tarfile
import tempfile
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from mtfix.model import DEFAULT_MODEL, ModelLoadError
from mtfix.model.backbone import NAME, cache_dir
from mtfix.model.load import AdapterInfo, adapter_info, merged_checkpoint, resolve
from mtfix.paths import cache_root

log = logging.getLogger(__name__)

QUANTIZATION = "q8_0"
# Raising this invalidates old conversions: the recipe changed.
_FORMAT = 1
_PACKAGE = "llama-cpp-python"


def installed_version() -> str | None:
    try:
        return version(_PACKAGE)
    except PackageNotFoundError:
        return None


def supports(info: AdapterInfo) -> bool:
    """Whether ``info``'s adapter can run here: llama-cpp-python is installed, and the adapter
    is on mtfix's backbone, whose trimmed vocabulary the conversion writes as its tokenizer."""
    return installed_version() is not None and info.base == NAME


def sdist_path(package_version: str) -> Path:
    """Where ``make bootstrap`` keeps the source distribution of the installed version."""
    name = f"llama_cpp_python-{package_version}.tar.gz"
    return cache_root() / "llamacpp" / name


def conversion_path(info: AdapterInfo) -> Path:
    return cache_root() / "models" / "llamacpp" / f"{info.key}-{QUANTIZATION}-f{_FORMAT}.gguf"


def ensure_converted(info: AdapterInfo) -> Path:
    """The adapter's GGUF, converted on first use from the merged checkpoint."""
    target = conversion_path(info)
    if target.exists():
        return target
    package_version = installed_version()
    if package_version is None:
        raise ModelLoadError(f"{_PACKAGE} is not installed")
    sdist = sdist_path(package_version)
    if not sdist.exists():
        raise ModelLoadError(f"{sdist}: missing, so no GGUF can be converted (run make bootstrap)")
    merged = merged_checkpoint(info.path)
    run_converter(
        sdist,
        "convert_hf_to_gguf.py",
        ["--outtype", QUANTIZATION],
        lambda tmp: _merged_layout(merged, tmp),
        target,
        what=str(info.path),
    )
    return target


def run_converter(
    sdist: Path,
    script: str,
    args: Sequence[str],
    source: Callable[[Path], Path],
    target: Path,
    *,
    what: str,
) -> None:
    """Run one of the sdist's conversion scripts on ``source(tmp)`` (``tmp``: a scratch directory
    that lives as long as the conversion) into ``target``; ``what`` names the input in an error."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mtfix-llamacpp-") as tmp:
        root = _vendored(sdist, Path(tmp))
        # Written beside the target and renamed: an interrupted conversion never looks complete.
        partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        cmd = [sys.executable, str(root / script), *args, "--outfile", str(partial),
               str(source(Path(tmp)))]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": f"{root / 'gguf-py'}:{root}"}
        done = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise ModelLoadError(f"{what}: cannot convert for llama.cpp ({last})")
        partial.rename(target)


def _vendored(sdist: Path, tmp: Path) -> Path:
    """The sdist's vendored llama.cpp checkout (its conversion script and gguf-py), in ``tmp``."""
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers() if "/vendor/llama.cpp/" in m.name]
        tar.extractall(tmp, members=members, filter="data")
    (root,) = tmp.glob("*/vendor/llama.cpp")
    return root


def _merged_layout(merged: Path, tmp: Path) -> Path:
    """The merged checkpoint as ``convert_hf_to_gguf.py`` reads it: its files beside the
    trimmed vocabulary's SentencePiece model, named ``tokenizer.model``."""
    out = tmp / "merged"
    out.mkdir()
    for path in merged.iterdir():
        (out / path.name).symlink_to(path)
    (out / "tokenizer.model").symlink_to(cache_dir() / "tokenizer.spm")
    return out


class GreedyRow:
    """Greedy decoding of one prompt at a time, on token ids."""

    def __init__(
        self, gguf: Path, *, window: int, eos_id: int, threads: int, lora: Path | None = None
    ) -> None:
        self.gguf, self.lora, self.window = gguf, lora, window
        self.eos_id, self.threads = eos_id, threads
        # One llama.cpp context holds one sequence: a server's threads take turns.
        self._lock = threading.Lock()

    @property
    def llm(self) -> Any:
        return _llama(self.gguf, self.lora, self.window, self.threads)

    def __call__(self, ids: Sequence[int], budget: int) -> list[int]:
        """The new tokens after ``ids``, at most ``budget``, without the end of sequence."""
        out: list[int] = []
        if budget <= 0:
            return out
        with self._lock:
            # Loaded on the first lone row (0.1 s): a run of batches never pays for it.
            llm = self.llm
            llm.reset()
            for token in llm.generate(list(ids), temp=0.0, top_k=1, repeat_penalty=1.0):
                if token == self.eos_id:
                    break
                out.append(int(token))
                if len(out) >= budget:
                    break
        return out


@lru_cache(maxsize=2)
def _llama(gguf: Path, lora: Path | None, window: int, threads: int) -> Any:
    import llama_cpp
    from llama_cpp import Llama

    # llama-cpp-python 0.3.36 reads ggml's log levels by an older numbering, so llama.cpp's
    # warnings reach stderr even with verbose=False; mtfix's stderr is for its own messages.
    llama_cpp.llama_log_set(_log_callback(), None)
    try:
        # Room for a prompt of a full window and a rewrite as long (Backend.budget's cap).
        llm = Llama(
            model_path=str(gguf),
            lora_path=str(lora) if lora else None,
            n_ctx=2 * window + 8,
            n_threads=threads,
            n_threads_batch=threads,
            verbose=False,
        )
    except (RuntimeError, ValueError) as e:
        raise ModelLoadError(f"{gguf}: unreadable GGUF ({e}); delete it") from e
    # Freed while the interpreter still works: left to the garbage collector at exit, its
    # __del__ runs after llama_cpp's module globals are gone and prints a traceback.
    atexit.register(llm.close)
    return llm


@lru_cache(maxsize=1)
def _log_callback() -> Any:
    """llama.cpp's log lines as this module's debug records (cached: ctypes must keep it)."""
    import llama_cpp

    @llama_cpp.llama_log_callback
    def callback(level: int, text: bytes, user_data: Any) -> None:
        log.debug("%s", text.decode("utf-8", "replace").rstrip())

    return callback


def open_greedy_row(info: AdapterInfo, *, eos_id: int, threads: int) -> GreedyRow:
    return GreedyRow(ensure_converted(info), window=info.window, eos_id=eos_id, threads=threads)


if __name__ == "__main__":
    model = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_MODEL
    print(ensure_converted(adapter_info(resolve(model).resolve())))
