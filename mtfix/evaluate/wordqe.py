"""Word-level QE scores: predicted OK/BAD tags against the tags a post-edit implies.

The WMT QE word-level tasks' measures: Matthews correlation (MCC, their primary one since 2020,
robust to how rare BAD is), and F1 of the BAD and of the OK class. Gold tags come from
:func:`mtfix.evaluate.wordtags.word_tags`; a word the system gave no estimate (None) counts as
predicted OK, as a detector that says nothing there.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from mtfix.evaluate.metrics import Metric


@dataclass(frozen=True)
class WordQeScores:
    words: int
    bad: int
    predicted_bad: int
    true_bad: int

    @property
    def _cells(self) -> tuple[int, int, int, int]:
        tp = self.true_bad
        fp = self.predicted_bad - tp
        fn = self.bad - tp
        tn = self.words - tp - fp - fn
        return tp, fp, fn, tn

    @property
    def mcc(self) -> float:
        tp, fp, fn, tn = self._cells
        denominator = math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
        return (tp * tn - fp * fn) / denominator if denominator else 0.0

    @property
    def f1_bad(self) -> float:
        tp, fp, fn, _ = self._cells
        return 2 * tp / (2 * tp + fp + fn) if tp else 0.0

    @property
    def f1_ok(self) -> float:
        _, fp, fn, tn = self._cells
        return 2 * tn / (2 * tn + fp + fn) if tn else 0.0

    @property
    def precision_bad(self) -> float:
        return self.true_bad / self.predicted_bad if self.predicted_bad else 0.0

    @property
    def recall_bad(self) -> float:
        return self.true_bad / self.bad if self.bad else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "words": self.words,
            "bad_share": round(self.bad / self.words, 4) if self.words else 0.0,
            "mcc": round(self.mcc, 4),
            "f1_bad": round(self.f1_bad, 4),
            "f1_ok": round(self.f1_ok, 4),
            "precision_bad": round(self.precision_bad, 4),
            "recall_bad": round(self.recall_bad, 4),
        }


class WordQe(Metric):
    name = "word-qe"

    def __init__(self, threshold: float = 0.5) -> None:
        self.threshold = threshold

    def signature(self) -> str:
        return f"word-qe|tags:ter-shifts|case:yes|gaps:folded-left|threshold:{self.threshold:g}"

    def corpus_score(
        self, probabilities: Iterable[Sequence[float | None]], gold: Iterable[Sequence[bool]]
    ) -> WordQeScores:
        """``probabilities``: per sentence, each word's probability of BAD; ``gold``: per
        sentence, each word's tag (True for BAD), the same words."""
        words = bad = predicted = true_bad = 0
        for n, (probs, tags) in enumerate(zip(probabilities, gold, strict=True)):
            if len(probs) != len(tags):
                raise ValueError(f"sentence {n + 1}: {len(probs)} estimates for {len(tags)} words")
            for p, is_bad in zip(probs, tags, strict=True):
                flagged = p is not None and p >= self.threshold
                words += 1
                bad += is_bad
                predicted += flagged
                true_bad += flagged and is_bad
        return WordQeScores(words, bad, predicted, true_bad)
