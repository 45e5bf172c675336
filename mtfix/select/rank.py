"""How a sentence's proposals are ranked, and how sure a fix must be for ``clean`` to apply it.

A :class:`Ranker` gives each candidate a ``confidence`` (the probability that a post-editor
prefers it to the MT), orders a sentence's proposals, and may carry a ``threshold``: a model
candidate is then applied only at or above it (:func:`mtfix.select.select`).

:func:`installed_ranker` is what the pipeline uses: :class:`ConfidenceRanker`, the calibrated
:class:`~mtfix.select.confidence.ConfidenceModel` fitted on held-out post-edits
(``models/confidence/``, its threshold chosen on held-out lines), whenever that model is
installed; only where its file is absent, :class:`ScoreRanker`, a fixed function of the
selector's own score (:func:`mtfix.select.candidate_score`: flags addressed + the model's
evidence in nats − size cost × tokens changed)::

    confidence = 1 / (1 + exp(-SLOPE * (score - MIDPOINT)))

with ``MIDPOINT = 0.5`` and ``SLOPE = 1``. A suggestion that fixes its one flag by replacing one
word (score 1 − 0.05 × 2 tokens = 0.9) gets 0.60; a fix of two flags that changes two tokens
(1.9), 0.80; a rewrite of one flag that the model prefers to the MT by 3 nats (3.9), 0.97; a
rewrite that addresses no flag and changes six tokens (−0.3), 0.31. It orders; it is not
calibrated, has no threshold, and the selector's own score decides what is applied.

The order, for both: the proposal ``clean`` applied first (it is mtfix's preferred fix: ``check``
shows it and the server lists it first), then higher confidence, then rules before the model
before a plain suggestion, then the smaller change.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol, TypeVar

from mtfix.core import Candidate, Document, Edit, Flag
from mtfix.paths import models_dir
from mtfix.select.confidence import MODEL_DIR, MODEL_FILE, ConfidenceModel, logistic

MIDPOINT = 0.5
SLOPE = 1.0
_ORIGIN_ORDER = {"rules": 0, "model": 1, "suggestion": 2}


class Ranked(Protocol):
    """What ordering reads of a proposal (:class:`mtfix.select.proposals.Proposal`)."""

    @property
    def applied(self) -> bool: ...
    @property
    def confidence(self) -> float: ...
    @property
    def origin(self) -> str: ...
    @property
    def edits(self) -> Sequence[Edit]: ...


R = TypeVar("R", bound=Ranked)


class Ranker(Protocol):
    # A model candidate below it is not applied; None: the selector's score alone decides.
    @property
    def threshold(self) -> float | None: ...

    def confidence(
        self, doc: Document, cand: Candidate, flags: Sequence[Flag], score: float
    ) -> float: ...

    def rank(self, proposals: Sequence[R]) -> list[R]: ...


def _order(proposals: Sequence[R]) -> list[R]:
    return sorted(
        proposals,
        key=lambda p: (
            not p.applied,
            -p.confidence,
            _ORIGIN_ORDER.get(p.origin, len(_ORIGIN_ORDER)),
            sum(len(e.span) + len(e.replacement) for e in p.edits),
        ),
    )


class ScoreRanker:
    """The selector's score through a fixed logistic curve (module docstring); no threshold."""

    threshold: float | None = None

    def confidence(
        self, doc: Document, cand: Candidate, flags: Sequence[Flag], score: float
    ) -> float:
        return logistic(SLOPE * (score - MIDPOINT))

    def rank(self, proposals: Sequence[R]) -> list[R]:
        return _order(proposals)


class ConfidenceRanker:
    """The fitted confidence model's probability, and its auto-apply threshold."""

    def __init__(self, model: ConfidenceModel) -> None:
        self.model = model

    @property
    def threshold(self) -> float | None:
        return self.model.threshold

    def confidence(
        self, doc: Document, cand: Candidate, flags: Sequence[Flag], score: float
    ) -> float:
        # The run-time pipeline has no word-level QE probabilities; the model was fitted so.
        return self.model.confidence(doc, cand, flags)

    def rank(self, proposals: Sequence[R]) -> list[R]:
        return _order(proposals)


DEFAULT_RANKER: Ranker = ScoreRanker()


def installed_ranker(path: Path | None = None) -> Ranker:
    """:class:`ConfidenceRanker` over the fitted model at ``path`` (``models/confidence/
    confidence.json`` by default) when that file exists, else :data:`DEFAULT_RANKER`; a file that
    exists but does not load is a one-line ValueError, never a silent fallback."""
    return _installed(path or models_dir() / MODEL_DIR / MODEL_FILE)


@lru_cache(maxsize=4)
def _installed(path: Path) -> Ranker:
    if not path.exists():
        return DEFAULT_RANKER
    return ConfidenceRanker(ConfidenceModel.load(path))
