"""Flag-level scores: detector flags against gold error spans.

Matching rule: a flag is a true positive when its span overlaps any gold span; a gold span is
recalled when any flag overlaps it (:meth:`mtfix.core.Span.overlaps`, so an empty insertion-point
span counts when it falls inside the other). Precision is over flags, recall over gold spans,
so two flags on one error are both correct and recall it once.

Per detector, that detector's flags are scored against every gold span. Per category, precision
is that of the flags the detectors put in the category (against gold spans of any category) and
recall that of the gold spans annotated with it (found by flags of any category), because
detectors and annotators do not always name an error the same way. Per MQM dimension the same,
with flags and gold spans classed by :mod:`mtfix.mqm` (a gold span by its category alone).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mtfix.mqm as mqm
from mtfix.core import Flag, Span
from mtfix.evaluate.metrics import Metric
from mtfix.io import InputError, read_text


@dataclass(frozen=True)
class GoldSpan:
    span: Span
    category: str


def load_gold(path: str | Path, source: str) -> list[GoldSpan]:
    """``gold.json`` annotations, each checked against the source text it indexes."""
    try:
        annotations = json.loads(read_text(path))["annotations"]
        gold = [GoldSpan(Span(a["start"], a["end"]), a["category"]) for a in annotations]
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path}: not a gold annotation file ({exc})") from None
    for entry, g in zip(annotations, gold, strict=True):
        if "text" in entry and g.span.of(source) != entry["text"]:
            raise InputError(f"{path}: span {g.span} does not match the source text")
    return gold


@dataclass(frozen=True)
class FlagCounts:
    flags: int = 0
    correct: int = 0
    gold: int = 0
    found: int = 0

    # None, not a perfect score, where nothing was there to measure: a category no detector
    # uses has no precision, one no gold span has no recall.
    @property
    def precision(self) -> float | None:
        return self.correct / self.flags if self.flags else None

    @property
    def recall(self) -> float | None:
        return self.found / self.gold if self.gold else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        ratios = {"precision": self.precision, "recall": self.recall, "f1": self.f1}
        return {
            "flags": self.flags,
            "correct": self.correct,
            "gold": self.gold,
            "found": self.found,
            **{k: None if v is None else round(v, 4) for k, v in ratios.items()},
        }


@dataclass
class FlagScores:
    overall: FlagCounts
    by_detector: dict[str, FlagCounts] = field(default_factory=dict)
    by_category: dict[str, FlagCounts] = field(default_factory=dict)
    by_dimension: dict[str, FlagCounts] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.overall.to_dict(),
            "by_detector": {k: v.to_dict() for k, v in sorted(self.by_detector.items())},
            "by_category": {k: v.to_dict() for k, v in sorted(self.by_category.items())},
            "by_dimension": {k: v.to_dict() for k, v in sorted(self.by_dimension.items())},
        }


def _count(flags: Sequence[Flag], gold: Sequence[GoldSpan]) -> FlagCounts:
    return FlagCounts(
        flags=len(flags),
        correct=sum(any(f.span.overlaps(g.span) for g in gold) for f in flags),
        gold=len(gold),
        found=sum(any(f.span.overlaps(g.span) for f in flags) for g in gold),
    )


class FlagMetric(Metric):
    name = "flags"

    def signature(self) -> str:
        return "flags|match:overlap|precision:flags|recall:gold-spans"

    def corpus_score(self, flags: Iterable[Flag], gold: Sequence[GoldSpan]) -> FlagScores:
        flags = list(flags)
        by_detector = {
            d: _count([f for f in flags if f.detector == d], gold)
            for d in sorted({f.detector for f in flags})
        }
        by_category = _by(flags, gold, lambda f: f.category, lambda g: g.category)
        by_dimension = _by(
            flags,
            gold,
            lambda f: mqm.of(f).dimension.value,
            lambda g: mqm.classify(g.category).dimension.value,
        )
        return FlagScores(_count(flags, gold), by_detector, by_category, by_dimension)


def _by(
    flags: Sequence[Flag],
    gold: Sequence[GoldSpan],
    flag_key: Callable[[Flag], str],
    gold_key: Callable[[GoldSpan], str],
) -> dict[str, FlagCounts]:
    """Precision of the flags in each class, recall of the gold spans in it."""
    out: dict[str, FlagCounts] = {}
    for c in sorted({flag_key(f) for f in flags} | {gold_key(g) for g in gold}):
        p = _count([f for f in flags if flag_key(f) == c], gold)
        r = _count(flags, [g for g in gold if gold_key(g) == c])
        out[c] = FlagCounts(p.flags, p.correct, r.gold, r.found)
    return out
