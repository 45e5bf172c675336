"""One evaluation: a system's lines scored against a corpus, next to the do-nothing baseline.

The source (raw MT, what mtfix receives) is the baseline a cleaner must beat: an :class:`Evaluation`
holds corpus BLEU, chrF and TER for both, ERRANT edit scores, flag scores where the corpus has
gold spans, a paired bootstrap test, every sentence the system changed with its sentence-level
chrF and TER before and after, worst first, and, where flags were raised on both sides, the MQM
points by dimension and penalty per 100 words of the source and of the system's output.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import mtfix.mqm as mqm
from mtfix.core import Flag
from mtfix.evaluate.edits import BETA, EditScores, ErrantMetric
from mtfix.evaluate.flags import FlagMetric, FlagScores
from mtfix.evaluate.metrics import Chrf, Ter, corpus_metrics
from mtfix.evaluate.ranking import HitAt, Ranked, ranking_scores
from mtfix.evaluate.significance import DEFAULT_SAMPLES, Significance, paired_bootstrap
from mtfix.evaluate.suites import Corpus, check_aligned

SOURCE = "source"


@dataclass(frozen=True)
class Sentence:
    line: int  # 1-based, in the original files
    source: str
    system: str
    references: tuple[str, ...]
    chrf: tuple[float, float]  # (source, system), sentence-level vs the references
    ter: tuple[float, float]

    @property
    def delta_chrf(self) -> float:
        return self.chrf[1] - self.chrf[0]

    @property
    def delta_ter(self) -> float:
        return self.ter[1] - self.ter[0]

    @property
    def harm(self) -> float:
        """Both deltas in points, signed so that larger is worse: the report's sort key."""
        return self.delta_ter - self.delta_chrf

    @property
    def worse(self) -> bool:
        return self.delta_chrf < 0 or self.delta_ter > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "source": self.source,
            "system": self.system,
            "references": list(self.references),
            "chrf": [round(x, 2) for x in self.chrf],
            "ter": [round(x, 2) for x in self.ter],
            "delta_chrf": round(self.delta_chrf, 2),
            "delta_ter": round(self.delta_ter, 2),
        }


@dataclass
class Evaluation:
    name: str
    system: str
    lines: int
    sample: int | None
    scores: dict[str, dict[str, float]]
    signatures: dict[str, str]
    edits: EditScores
    flags: FlagScores | None = None
    significance: Significance | None = None
    # Every changed sentence, worst first.
    sentences: list[Sentence] = field(default_factory=list)
    # mqm.summary() of the flags on the source and on (or left in) the system's output.
    mqm: dict[str, dict[str, Any]] | None = None
    # hit@1, hit@3, harm@1 and the threshold curve of the ranked candidates (ranking_scores).
    ranking: dict[str, Any] | None = None

    @property
    def key(self) -> str:
        """Where a baseline file keeps these figures: a sample's are not the full suite's."""
        sample = f"@{self.sample}" if self.sample else ""
        return f"{self.name}/{self.system}{sample}"

    @property
    def delta(self) -> dict[str, float]:
        return {m: self.scores["system"][m] - self.scores[SOURCE][m] for m in self.scores[SOURCE]}

    @property
    def worse(self) -> list[Sentence]:
        return [s for s in self.sentences if s.worse]

    def figures(self) -> dict[str, float]:
        """Flat named figures, as the regression gate and baseline.json know them."""
        out = {m: round(v, 2) for m, v in self.scores["system"].items()}
        out |= {f"delta.{m}": round(v, 2) for m, v in self.delta.items()}
        edits = self.edits.overall
        out |= {
            "edits.precision": round(edits.precision, 4),
            "edits.recall": round(edits.recall, 4),
            f"edits.f{BETA:g}": round(edits.f(BETA), 4),
        }
        if self.flags is not None:
            flags = self.flags.overall
            ratios = {"precision": flags.precision, "recall": flags.recall, "f1": flags.f1}
            out |= {f"flags.{k}": round(v, 4) for k, v in ratios.items() if v is not None}
        if self.mqm is not None:
            out["mqm.penalty"] = self.mqm["system"]["penalty"]
        if self.ranking is not None:
            out |= {
                f"proposals.{k}": v
                for k in ("hit@1", "hit@3", "harm@1")
                if (v := self.ranking.get(k)) is not None
            }
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "system_name": self.system,
            "lines": self.lines,
            "sample": self.sample,
            **{who: {m: round(v, 4) for m, v in s.items()} for who, s in self.scores.items()},
            "delta": {m: round(v, 4) for m, v in self.delta.items()},
            "signatures": self.signatures,
            "edits": self.edits.to_dict(),
            "flags": self.flags.to_dict() if self.flags else None,
            "significance": self.significance.to_dict() if self.significance else None,
            "mqm": self.mqm,
            "proposals": self.ranking,
            "changed": len(self.sentences),
            "worse": [s.to_dict() for s in self.worse],
        }


def _sentences(corpus: Corpus, hyps: Sequence[str]) -> list[Sentence]:
    chrf, ter = Chrf(), Ter()
    out = []
    for i, (source, hyp) in enumerate(zip(corpus.source, hyps, strict=True)):
        if source == hyp:
            continue
        refs = tuple(r[i] for r in corpus.references)
        out.append(
            Sentence(
                line=corpus.index[i] + 1,
                source=source,
                system=hyp,
                references=refs,
                chrf=(chrf.sentence_score(source, refs), chrf.sentence_score(hyp, refs)),
                ter=(ter.sentence_score(source, refs), ter.sentence_score(hyp, refs)),
            )
        )
    return sorted(out, key=lambda s: (-s.harm, s.line))


def evaluate(
    corpus: Corpus,
    hyps: Sequence[str],
    *,
    system: str = "system",
    flags: Sequence[Flag] | None = None,
    against: tuple[str, Sequence[str]] | None = None,
    bootstrap: int = DEFAULT_SAMPLES,
    sample: int | None = None,
    pipeline_signature: str | None = None,
    mqm_flags: tuple[Sequence[Flag], Sequence[Flag]] | None = None,
    ranked: Sequence[Ranked] | None = None,
) -> Evaluation:
    """Score ``hyps`` (one per corpus line). ``against`` is the second system of the paired
    test (default: the source); ``bootstrap=0`` skips the test. ``mqm_flags`` are the flags on
    the source and those on (or left in) ``hyps``, weighed as MQM errors per 100 words of
    each."""
    check_aligned([("source", corpus.source), (system, hyps)])
    refs = corpus.references
    metrics = corpus_metrics()
    scores = {
        SOURCE: {m.name: m.corpus_score(corpus.source, refs) for m in metrics},
        "system": {m.name: m.corpus_score(hyps, refs) for m in metrics},
    }
    errant = ErrantMetric()
    signatures = {m.name: m.signature() for m in metrics} | {errant.name: errant.signature()}
    evaluation = Evaluation(
        name=corpus.name,
        system=system,
        lines=len(corpus.source),
        sample=sample,
        scores=scores,
        signatures=signatures,
        edits=errant.corpus_score(corpus.source, hyps, refs),
        sentences=_sentences(corpus, hyps),
    )
    if pipeline_signature:
        signatures["mtfix"] = pipeline_signature
    if mqm_flags is not None:
        before, after = mqm_flags
        evaluation.mqm = {
            SOURCE: mqm.summary(map(mqm.of, before), mqm.word_count("\n".join(corpus.source))),
            "system": mqm.summary(map(mqm.of, after), mqm.word_count("\n".join(hyps))),
        }
    if ranked:
        evaluation.ranking = ranking_scores(ranked)
        signatures["hit@3"] = HitAt(3).signature()
    if corpus.gold is not None and flags is not None:
        flag_metric = FlagMetric()
        evaluation.flags = flag_metric.corpus_score(flags, corpus.gold)
        signatures[flag_metric.name] = flag_metric.signature()
    if bootstrap:
        baseline = against or (SOURCE, corpus.source)
        evaluation.significance = paired_bootstrap(
            baseline, (system, hyps), refs, samples=bootstrap
        )
    return evaluation
