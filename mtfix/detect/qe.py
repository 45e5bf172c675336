"""The model as a detector: word-level quality estimation (``model-qe``).

Every sentence is read by the quality estimator (:mod:`mtfix.model.qe`), which gives each word the
probability that a post-editor would change it. Runs of words at or above the model's flag
threshold (the lowest at which BAD precision reached 0.8 on the lines held out from its training)
become one flag, ``QE_BAD``, with the highest probability in its message. Its category says what
the model could judge: ``fluency`` when it read the English alone, ``accuracy`` when it read the
sentence's source too (a bilingual document, and a source-aware model installed). It suggests no
replacement: the rewriters see the span and propose one.

It is not among the default detectors (``--detectors ...,model-qe`` adds it): it loads the Gemma
backbone, and on the seed article its flags did not raise recall at the precision the defaults
keep (the model card has the figures).
"""

from __future__ import annotations

from collections.abc import Sequence

from mtfix.core import Document, Flag, Severity, Span
from mtfix.model import ModelLoadError
from mtfix.model.qe import (
    DEFAULT_QE_MODEL,
    DEFAULT_SOURCE_QE_MODEL,
    QualityEstimator,
    WordEstimate,
    load_estimator,
)

RULE = "QE_BAD"


class ModelQeDetector:
    name = "model-qe"

    def __init__(
        self, model: str = DEFAULT_QE_MODEL, source_model: str | None = DEFAULT_SOURCE_QE_MODEL
    ) -> None:
        self.model = model
        self.source_model = source_model

    def _estimator(self, bilingual: bool) -> QualityEstimator:
        if bilingual and self.source_model:
            try:
                return load_estimator(self.source_model)
            except ModelLoadError:
                pass  # no source-aware model installed: judge the English alone
        return load_estimator(self.model)

    def detect(self, doc: Document) -> list[Flag]:
        if not doc.sentences:
            return []
        estimator = self._estimator(bool(doc.aligned))
        sources = [doc.source_of(s) for s in doc.sentences] if estimator.with_source else None
        texts = [s.of(doc.text) for s in doc.sentences]
        category = "accuracy" if estimator.with_source else "fluency"
        flags = []
        estimates = estimator.estimate(texts, sources)
        for sentence, words in zip(doc.sentences, estimates, strict=True):
            for span, p in bad_runs(words, estimator.flag_threshold):
                at = Span(sentence.start + span.start, sentence.start + span.end)
                flags.append(
                    Flag(
                        at,
                        self.name,
                        RULE,
                        category,
                        f"a post-editor would likely change this (p={p:.2f})",
                        Severity.HINT,
                    )
                )
        return flags


def bad_runs(words: Sequence[WordEstimate], threshold: float) -> list[tuple[Span, float]]:
    """Consecutive words at or above ``threshold`` as one span (sentence offsets), each with its
    highest probability; punctuation alone never makes a flag."""
    runs: list[tuple[Span, float]] = []
    current: list[WordEstimate] = []
    for w in [*words, None]:
        if w is not None and w.bad is not None and w.bad >= threshold:
            current.append(w)
            continue
        if current and any(c.token.is_word for c in current):
            span = Span(current[0].token.start, current[-1].token.end)
            runs.append((span, max(c.bad or 0.0 for c in current)))
        current = []
    return runs
