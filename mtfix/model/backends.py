"""The model backends by name, and the one that runs a model directory.

Backends, by name (``RewriterSettings.backend``, ``--backend``):

- ``ctranslate2`` (:mod:`mtfix.model.ctranslate2_backend`): the merged adapter converted once to
  int8 CTranslate2 weights; loads without torch, several times faster on a CPU;
- ``transformers`` (:mod:`mtfix.model.transformers_backend`): fp32 torch, the reference, and the
  one that runs seq2seq models and any local Hugging Face directory;
- ``auto`` (the default): ``ctranslate2`` for a LoRA adapter (what ``models/`` holds), else
  ``transformers``; with ``llama-cpp-python`` installed (mtfix's ``llamacpp`` extra), a call
  whose whole work is one greedy row runs on llama.cpp instead
  (:mod:`mtfix.model.llamacpp_backend`), about twice as fast for one sentence.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from mtfix.model import ModelLoadError
from mtfix.model.load import adapter_info, is_adapter

if TYPE_CHECKING:
    from mtfix.model.backend import Backend

log = logging.getLogger(__name__)

AUTO = "auto"
BACKENDS = ("ctranslate2", "transformers")


def choose(name: str, path: Path) -> str:
    """The backend that runs the model in ``path``: ``name``, or for ``auto`` the fast one
    where it can (a LoRA adapter), else the reference."""
    if name == AUTO:
        return "ctranslate2" if is_adapter(path) else "transformers"
    if name not in BACKENDS:
        known = ", ".join((AUTO, *BACKENDS))
        raise ModelLoadError(f"unknown model backend {name!r}; available: {known}")
    return name


def open_backend(name: str, path: Path, *, batch_size: int = 8, beams: int = 1) -> Backend:
    """The backend ``name`` (or ``auto``) running the model in ``path``, loaded once per
    process; a missing runtime is a :class:`ModelLoadError` naming the extra to install."""
    chosen = choose(name, path)
    try:
        if chosen == "ctranslate2":
            from mtfix.model import ctranslate2_backend

            fast = ctranslate2_backend.open_model(path, batch_size=batch_size, beams=beams)
            if name == AUTO:
                _add_single_row(fast, path)
            return fast
        from mtfix.model import load, transformers_backend

        loaded = load.load(path)
        return transformers_backend.TransformersBackend(loaded, batch_size=batch_size, beams=beams)
    except ImportError as exc:
        raise ModelLoadError(
            f"{path}: the {chosen} backend needs mtfix's model extra ({exc.name} is missing): "
            "pip install 'mtfix[model]', or use --no-model"
        ) from exc


def _add_single_row(backend: Backend, path: Path) -> None:
    """Lone greedy rows on llama.cpp, where its package is installed; else all on ``backend``."""
    from mtfix.model import llamacpp_backend

    info = adapter_info(path)
    if not llamacpp_backend.supports(info) or backend.codec is None:
        return
    try:
        backend.single_row = llamacpp_backend.open_greedy_row(
            info, eos_id=backend.codec.eos_id, threads=backend.workers
        )
    except ModelLoadError as exc:
        log.warning("one sentence at a time stays on %s: %s", backend.name, exc)
