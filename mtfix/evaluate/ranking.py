"""Ranked-proposal scores: is a flagged sentence's best candidate one a post-editor would take?

Per flagged sentence the system ranks up to K candidates (rules fix, model rewrites, judged
suggestions) by confidence. Against the references, by sentence TER:

- :class:`HitAt` (``hit@k``): the share of flagged sentences where one of the top ``k``
  candidates is closer to the reference than the MT (``hit@1``: the top one);
- :class:`HarmAt1` (``harm@1``): the share where the top candidate is further from it;
- :class:`ThresholdCurve`: applying the top candidate only where its confidence reaches a
  threshold, the corpus TER change over the flagged sentences and how many were changed, per
  threshold: what an auto-apply cut-off buys and costs.

A sentence with no candidate counts as a miss for ``hit@k`` and no harm.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from mtfix.core import ByPosition, Candidate, Document, Flag, Span, apply_within
from mtfix.evaluate.metrics import Metric, Ter


@dataclass(frozen=True)
class Ranked:
    """One flagged sentence: its MT, its references, and its candidates, best first, each with
    its confidence."""

    source: str
    references: tuple[str, ...]
    candidates: tuple[tuple[str, float], ...]
    # The 0-based line of the corpus the sentence is in (-1: not known).
    line: int = -1


def _gains(ranked: Ranked, k: int) -> list[float]:
    """Sentence TER of the MT minus that of each of the top ``k`` candidates (positive: closer)."""
    ter = Ter()
    before = ter.sentence_score(ranked.source, ranked.references)
    return [
        before - ter.sentence_score(text, ranked.references) for text, _ in ranked.candidates[:k]
    ]


class HitAt(Metric):
    name = "hit@k"

    def __init__(self, k: int) -> None:
        self.k = k

    def signature(self) -> str:
        return f"hit@{self.k}|ter:sentence|closer:strict"

    def corpus_score(self, ranked: Sequence[Ranked]) -> float | None:
        if not ranked:
            return None
        return sum(any(g > 0 for g in _gains(r, self.k)) for r in ranked) / len(ranked)


class HarmAt1(Metric):
    name = "harm@1"

    def signature(self) -> str:
        return "harm@1|ter:sentence|further:strict"

    def corpus_score(self, ranked: Sequence[Ranked]) -> float | None:
        if not ranked:
            return None
        return sum(any(g < 0 for g in _gains(r, 1)) for r in ranked) / len(ranked)


@dataclass(frozen=True)
class CurvePoint:
    threshold: float
    applied: int
    delta_ter: float

    def to_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "applied": self.applied, "delta_ter": self.delta_ter}


DEFAULT_THRESHOLDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


class ThresholdCurve(Metric):
    name = "threshold-curve"

    def __init__(self, thresholds: Sequence[float] = DEFAULT_THRESHOLDS) -> None:
        self.thresholds = tuple(thresholds)

    def signature(self) -> str:
        return f"threshold-curve|ter:corpus|top:1|points:{len(self.thresholds)}"

    def corpus_score(self, ranked: Sequence[Ranked]) -> list[CurvePoint]:
        ter = Ter()
        refs = [list(r) for r in zip(*(x.references for x in ranked), strict=True)]
        sources = [r.source for r in ranked]
        before = ter.corpus_score(sources, refs) if ranked else 0.0
        points = []
        for t in self.thresholds:
            chosen = [
                r.candidates[0][0] if r.candidates and r.candidates[0][1] >= t else r.source
                for r in ranked
            ]
            after = ter.corpus_score(chosen, refs) if ranked else 0.0
            applied = sum(c != r.source for c, r in zip(chosen, ranked, strict=True))
            points.append(CurvePoint(t, applied, round(after - before, 2)))
        return points


def ranking_scores(ranked: Sequence[Ranked], k: int = 3) -> dict[str, Any]:
    """hit@1, hit@k, harm@1 and the threshold curve, as a report's JSON."""

    def rounded(v: float | None) -> float | None:
        return None if v is None else round(v, 4)

    return {
        "flagged": len(ranked),
        "with_candidates": sum(bool(r.candidates) for r in ranked),
        "hit@1": rounded(HitAt(1).corpus_score(ranked)),
        f"hit@{k}": rounded(HitAt(k).corpus_score(ranked)),
        "harm@1": rounded(HarmAt1().corpus_score(ranked)),
        "curve": [p.to_dict() for p in ThresholdCurve().corpus_score(ranked)],
    }


Scorer = Callable[[Document, Candidate, Sequence[Flag]], float]


def rank_candidates(
    doc: Document,
    flags: Sequence[Flag],
    candidates: Sequence[Candidate],
    references: Sequence[Sequence[str]],
    score: Scorer,
    k: int = 3,
) -> list[Ranked]:
    """Per flagged sentence of ``doc``, its line's text with each of its candidates applied,
    best ``score`` first (up to ``k`` distinct texts); ``references`` are line-aligned streams."""
    lines = doc.text.split("\n")
    starts = [0, *accumulate(len(line) + 1 for line in lines)]
    out = []
    flag_index = ByPosition(flags, lambda f: f.span)
    by_sentence: dict[Span, list[Candidate]] = defaultdict(list)
    for cand in candidates:
        if cand.edits:
            by_sentence[cand.sentence].append(cand)
    for sentence in doc.sentences:
        local = flag_index.touching(sentence)
        if not local:
            continue
        n = bisect_right(starts, sentence.start) - 1
        line = Span(starts[n], starts[n] + len(lines[n]))
        mine = by_sentence[sentence]
        scored = sorted(((score(doc, c, local), c) for c in mine), key=lambda pc: -pc[0])
        texts: dict[str, float] = {}
        for p, cand in scored:
            if line.contains(cand.sentence) and all(line.contains(e.span) for e in cand.edits):
                texts.setdefault(apply_within(doc.text, line, cand.edits), p)
        refs = tuple(r[n] for r in references)
        out.append(Ranked(line.of(doc.text), refs, tuple(texts.items())[:k], n))
    return out
