"""Corpus metrics: thin wrappers around sacrebleu's BLEU, chrF and TER with their signatures.

Every mtfix metric (these, :mod:`mtfix.evaluate.edits`, :mod:`mtfix.evaluate.flags`) is a small
class with a ``name`` and a ``signature()`` that pins every option, after sacrebleu's convention,
so a report says exactly what produced each figure.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

from sacrebleu.metrics import BLEU, CHRF, TER
from sacrebleu.metrics.base import Metric as SacreMetric


class Metric(ABC):
    name: ClassVar[str]

    @abstractmethod
    def signature(self) -> str: ...


def _rstrip(lines: Sequence[str]) -> list[str]:
    # sacrebleu's command-line tool strips trailing whitespace from every line; doing the same
    # keeps mtfix's figures identical to `sacrebleu REF -i HYP` on the same files.
    return [line.rstrip() for line in lines]


class CorpusMetric(Metric):
    """A sacrebleu metric scored against one or more line-aligned reference streams."""

    higher_is_better: ClassVar[bool] = True

    def __init__(self) -> None:
        self.impl = self._make()

    @staticmethod
    @abstractmethod
    def _make() -> SacreMetric: ...

    def corpus_score(self, hyps: Sequence[str], refs: Sequence[Sequence[str]]) -> float:
        return float(self.impl.corpus_score(_rstrip(hyps), [_rstrip(r) for r in refs]).score)

    def sentence_score(self, hyp: str, refs: Sequence[str]) -> float:
        return float(self.impl.sentence_score(hyp.rstrip(), _rstrip(refs)).score)

    def improvement(self, before: float, after: float) -> float:
        """How much better ``after`` is than ``before``; negative means worse."""
        return after - before if self.higher_is_better else before - after

    def signature(self) -> str:
        return str(self.impl.get_signature())


class Bleu(CorpusMetric):
    name = "bleu"

    @staticmethod
    def _make() -> SacreMetric:
        return BLEU()


class Chrf(CorpusMetric):
    name = "chrf"

    @staticmethod
    def _make() -> SacreMetric:
        return CHRF()


class Ter(CorpusMetric):
    name = "ter"
    higher_is_better = False

    @staticmethod
    def _make() -> SacreMetric:
        return TER()


def corpus_metrics() -> list[CorpusMetric]:
    return [Bleu(), Chrf(), Ter()]
