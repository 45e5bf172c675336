"""How a sentence's proposals are ranked: the one place a learned confidence plugs in.

A :class:`Ranker` gives each candidate a ``confidence`` (meant as the probability that a
post-editor prefers it to the MT) and orders a sentence's proposals. A calibrated model trained
on held-out post-edits replaces :data:`DEFAULT_RANKER` by implementing the same two methods; it
gets the whole candidate and its sentence's flags, not only the score, as its features.

Until then :class:`ScoreRanker` is a fixed function of the selector's own score
(:func:`mtfix.select.candidate_score`: flags addressed + the model's evidence in nats − size cost
× tokens changed)::

    confidence = 1 / (1 + exp(-SLOPE * (score - MIDPOINT)))

with ``MIDPOINT = 0.5`` and ``SLOPE = 1``. A suggestion that fixes its one flag by replacing one
word (score 1 − 0.05 × 2 tokens = 0.9) gets 0.60; a fix of two flags that changes two tokens
(1.9), 0.80; a rewrite of one flag that the model prefers to the MT by 3 nats (3.9), 0.97; a
rewrite that addresses no flag and changes six tokens (−0.3), 0.31. It orders; it is not
calibrated, and nothing applies a fix because of it.

The order: the proposal ``clean`` applied first (it is mtfix's preferred fix: ``check`` shows it
and the server lists it first), then higher confidence, then rules before the model before a
plain suggestion, then the smaller change.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from mtfix.core import Candidate, Document, Flag

if TYPE_CHECKING:
    from mtfix.select.proposals import Proposal

MIDPOINT = 0.5
SLOPE = 1.0
_ORIGIN_ORDER = {"rules": 0, "model": 1, "suggestion": 2}


class Ranker(Protocol):
    def confidence(
        self, doc: Document, cand: Candidate, flags: Sequence[Flag], score: float
    ) -> float: ...

    def rank(self, proposals: Sequence[Proposal]) -> list[Proposal]: ...


class ScoreRanker:
    """The selector's score through a fixed logistic curve (module docstring)."""

    def confidence(
        self, doc: Document, cand: Candidate, flags: Sequence[Flag], score: float
    ) -> float:
        return 1.0 / (1.0 + math.exp(-SLOPE * (score - MIDPOINT)))

    def rank(self, proposals: Sequence[Proposal]) -> list[Proposal]:
        return sorted(
            proposals,
            key=lambda p: (
                not p.applied,
                -p.confidence,
                _ORIGIN_ORDER.get(p.origin, len(_ORIGIN_ORDER)),
                sum(len(e.span) + len(e.replacement) for e in p.edits),
            ),
        )


DEFAULT_RANKER: Ranker = ScoreRanker()
