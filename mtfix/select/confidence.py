"""Calibrated confidence: the probability that a post-editor prefers a candidate to the MT.

A logistic regression over what the selector knows about a candidate (:func:`features`): the
model's evidence for it (its log-probability margin over copying the sentence), the quality
estimator's view of the sentence (:mod:`mtfix.model.qe`: the mean probability that a post-editor
changes one of its words, and the same over the words the candidate changes: a candidate that
rewrites what the estimator marks BAD is likelier to help; estimating the rewritten sentence too
would double the estimator's cost for little more), the edit's size and kind (words replaced,
inserted, deleted; how common the words it removes and brings are; how alike old and new look),
and which flags it touches and whether a flag licensed it (:mod:`mtfix.select.licences`). It is
fitted by :mod:`mtfix.lab.confidence` on MLQE-PE *train* lines held out from every model (label: the
candidate's sentence TER against the post-edit is lower than the MT's), never on dev, and stored
as plain numbers in ``models/confidence/confidence.json`` with its threshold for applying a
candidate automatically and the calibration table the model card prints.

``ConfidenceModel.load()`` reads the fitted model; ``model.confidence(doc, candidate, flags)``
gives the probability; ``model.threshold`` is the documented auto-apply cut-off.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rapidfuzz.fuzz import ratio

import mtfix.lexicon as lexicon
from mtfix.core import Candidate, Document, Flag, Span, apply_within
from mtfix.diff import word_changes
from mtfix.paths import models_dir
from mtfix.select.guard import DEFAULT_POLICY, guard, licences_used

MODEL_DIR = "confidence"
MODEL_FILE = "confidence.json"
# Flag kinds a candidate may touch, by rule or lower-cased category; anything else is "other".
FLAG_KINDS: dict[str, tuple[str, ...]] = {
    "spelling": ("typos", "spelling", "morfologik_rule_en_us"),
    "name": ("name-consistency",),
    "grammar": ("grammar", "agreement"),
    "first_person": ("stray_first_person", "stray-first-person"),
    "truncated": ("truncated_sentence", "truncated-sentence"),
    "quote": ("unbalanced-quote", "misplaced_quote", "unbalanced_quote"),
    "repeat": ("doubled-phrase", "orphan-fragment", "repeated-sentence"),
    "qe": ("qe_bad", "fluency", "accuracy"),
}
FEATURES = (
    "evidence",
    "rules",
    "edits",
    "replaced",
    "inserted",
    "deleted",
    "changed_share",
    "sentence_words",
    "old_zipf_min",
    "new_zipf_min",
    "similarity",
    "flags_touched",
    "licensed",
    "guarded",
    "qe_sentence",
    "qe_changed",
    "qe_missing",
    *(f"flag_{k}" for k in FLAG_KINDS),
    "flag_other",
)


def _kind(flag: Flag) -> str:
    keys = {flag.rule.lower(), flag.category.lower()}
    for kind, names in FLAG_KINDS.items():
        if keys & set(names):
            return kind
    return "other"


# Per word of a sentence (document offsets), the estimated probability that it is BAD.
WordRisks = Sequence[tuple[Span, float]]


def features(
    doc: Document, cand: Candidate, flags: Sequence[Flag], qe: WordRisks | None = None
) -> dict[str, float]:
    """What the confidence model reads about ``cand`` (``flags``: its sentence's flags; ``qe``:
    the quality estimator's BAD probability of each of the sentence's words, None where no
    estimator ran)."""
    region = cand.reach
    sentence = region.of(doc.text)
    rewritten = apply_within(doc.text, region, cand.edits)
    changes = word_changes(sentence, rewritten)
    old = [t.text for c in changes for t in c.old if t.is_word]
    new = [t.text for c in changes for t in c.new if t.is_word]
    n_words = max(1, sum(t.is_word for t in _tokens(sentence)))
    touched = [f for f in flags if any(e.span.touches(f.span) for e in cand.edits)]
    kinds = {_kind(f) for f in touched}
    is_rules = cand.origin == "rules"
    risks = [p for _, p in qe] if qe else []
    changed_risks = [p for span, p in qe or () if any(e.span.touches(span) for e in cand.edits)]
    row = {
        "evidence": cand.score,
        "rules": float(is_rules),
        "edits": float(len(changes)),
        "replaced": float(sum(bool(c.old) and bool(c.new) for c in changes)),
        "inserted": float(max(0, len(new) - len(old))),
        "deleted": float(max(0, len(old) - len(new))),
        "changed_share": max(len(old), len(new)) / n_words,
        "sentence_words": float(n_words),
        "old_zipf_min": min((lexicon.zipf(w.lower()) for w in old), default=8.0),
        "new_zipf_min": min((lexicon.zipf(w.lower()) for w in new), default=8.0),
        "similarity": ratio(" ".join(old), " ".join(new)) / 100 if old and new else 0.0,
        "flags_touched": float(len(touched)),
        "licensed": float(bool(not is_rules and licences_used(doc, cand, flags))),
        "guarded": float(is_rules or guard(doc, cand, flags, DEFAULT_POLICY) is None),
        "qe_sentence": sum(risks) / len(risks) if risks else 0.0,
        "qe_changed": max(changed_risks, default=0.0),
        "qe_missing": float(not risks),
        **{f"flag_{k}": float(k in kinds) for k in FLAG_KINDS},
        "flag_other": float("other" in kinds),
    }
    return row


def _tokens(text: str) -> list[Any]:
    from mtfix.diff import tokens

    return tokens(text)


def logistic(z: float) -> float:
    """1 / (1 + e^-z), for any z: a score far out (a 100 KB sentence's log-probability gain)
    saturates instead of overflowing ``math.exp``."""
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class ConfidenceModel:
    """Standardised logistic regression over :data:`FEATURES`, and the auto-apply threshold."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    meta: Mapping[str, Any]

    def probability(self, row: Mapping[str, float]) -> float:
        z = self.intercept + sum(
            c * (row[n] - m) / s
            for n, m, s, c in zip(self.names, self.mean, self.scale, self.coef, strict=True)
        )
        return logistic(z)

    def confidence(
        self, doc: Document, cand: Candidate, flags: Sequence[Flag], qe: WordRisks | None = None
    ) -> float:
        """The probability that a post-editor prefers ``cand`` to the sentence as it is."""
        return self.probability(features(doc, cand, flags, qe))

    def to_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.names),
            "mean": list(self.mean),
            "scale": list(self.scale),
            "coef": list(self.coef),
            "intercept": self.intercept,
            "threshold": self.threshold,
            **dict(self.meta),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConfidenceModel:
        names = tuple(data["features"])
        if set(names) - set(FEATURES):
            raise ValueError(f"unknown features {sorted(set(names) - set(FEATURES))}")
        known = {"features", "mean", "scale", "coef", "intercept", "threshold"}
        return cls(
            names,
            tuple(map(float, data["mean"])),
            tuple(map(float, data["scale"])),
            tuple(map(float, data["coef"])),
            float(data["intercept"]),
            float(data["threshold"]),
            {k: v for k, v in data.items() if k not in known},
        )

    @classmethod
    def load(cls, path: Path | None = None) -> ConfidenceModel:
        """The fitted model (``models/confidence/confidence.json`` by default); a one-line
        ValueError naming the file when it is missing or malformed."""
        path = path or models_dir() / MODEL_DIR / MODEL_FILE
        try:
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{path}: not a fitted confidence model ({e})") from None
