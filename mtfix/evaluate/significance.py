"""Paired bootstrap resampling (sacrebleu's ``--paired-bs``): is the system's difference from a
baseline (the do-nothing source, or a second system) more than resampling noise?

The p-value is sacrebleu's: the share of resamples whose difference is at least as far from the
mean difference as the observed one, so a small p means the difference is unlikely to be chance.
Resampling is seeded (``SACREBLEU_SEED``, default 12345) so reports are reproducible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sacrebleu.significance import PairedTest

from mtfix.evaluate.metrics import CorpusMetric, corpus_metrics

DEFAULT_SAMPLES = 1000


@dataclass(frozen=True)
class PairedResult:
    baseline: float
    system: float
    p_value: float
    # The system's bootstrap mean and the half-width of its 95% confidence interval.
    mean: float
    ci: float

    def to_dict(self) -> dict[str, Any]:
        return {k: round(v, 4) for k, v in self.__dict__.items()}


@dataclass
class Significance:
    baseline: str
    system: str
    samples: int
    results: dict[str, PairedResult] = field(default_factory=dict)
    signatures: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "test": "paired-bs",
            "baseline": self.baseline,
            "system": self.system,
            "samples": self.samples,
            "results": {k: v.to_dict() for k, v in self.results.items()},
            "signatures": self.signatures,
        }


def paired_bootstrap(
    baseline: tuple[str, Sequence[str]],
    system: tuple[str, Sequence[str]],
    refs: Sequence[Sequence[str]],
    *,
    samples: int = DEFAULT_SAMPLES,
    metrics: Sequence[CorpusMetric] | None = None,
) -> Significance:
    metrics = list(metrics or corpus_metrics())
    strip = [[line.rstrip() for line in stream] for stream in refs]
    named: list[tuple[str, Sequence[str]]] = [
        (name, [line.rstrip() for line in lines]) for name, lines in (baseline, system)
    ]
    test = PairedTest(
        named, {m.name: m.impl for m in metrics}, strip, test_type="bs", n_samples=samples
    )
    signatures, scores = test()
    # sacrebleu names its result columns after the metric (BLEU, chrF2, TER), in our order.
    columns = [k for k in scores if k != "System"]
    out = Significance(baseline[0], system[0], samples)
    for metric, column in zip(metrics, columns, strict=True):
        base, sys_ = scores[column]
        assert not isinstance(base, str) and not isinstance(sys_, str)
        # sacrebleu counts only resamples whose difference strictly exceeds the observed one, so
        # a zero difference (identical outputs, or changes the metric cannot see) would get the
        # smallest p-value resampling allows and read as significant. No difference: p is 1.
        p_value = 1.0 if base.score == sys_.score else float(sys_.p_value or 0.0)
        out.results[metric.name] = PairedResult(
            base.score, sys_.score, p_value, float(sys_.mean or 0.0), float(sys_.ci or 0.0)
        )
        out.signatures[metric.name] = str(signatures[column])
    return out
