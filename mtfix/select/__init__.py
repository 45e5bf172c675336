"""The selector: decide which proposed candidates reach the output. Rewriters only propose.

Per sentence the options are: the original (no edit), the rules candidate (at most one, from
``origin == "rules"``) and any model candidates. The decision:

0. **Edit filter** (all candidates). An edit that only respells a word between British and
   American English is dropped (:func:`mtfix.lexicon.regional_variant`): it fixes nothing, and on
   MLQE-PE dev such edits were most of the harm the rules did (TER +0.62 → +0.11 on 300 ro-en
   lines). A rules candidate also loses any edit that would change an inline tag or placeholder
   (``Document.protected``): its fixes stand alone, so the others stay; a model rewrite is judged
   whole, by the guard's ``protected`` rule.
1. **Guard** (model candidates only): the named rules of :mod:`mtfix.select.guard`, with the
   changes the sentence's flags license (:mod:`mtfix.select.licences`) exempt from its
   word-level rules; the licences used are recorded in the decision.
2. **Score** each guarded option::

       score = flags_addressed + evidence − size_cost × changed_tokens

   ``flags_addressed`` counts the sentence's flags whose span an edit touches; ``evidence`` is
   ``Candidate.score``, the model's log-probability margin in nats (0 for rules): for its own
   rewrite, how much more it prefers writing the rewrite than copying the sentence; for a
   detector suggestion it judged, how much more probable the sentence is with it;
   ``changed_tokens`` is the number of source and rewrite tokens the edits touch. The rules
   candidate, when present, is the default (it is accepted unless a guarded model candidate
   scores strictly higher); otherwise the original is, with score 0. A model candidate that
   repairs other flags than the rules candidate and leaves its edits alone need only beat the
   original: the rules' fixes stand beside it, so choosing it gives up none of them.

   With a calibrated ranker (``ranker.threshold`` set: the fitted confidence model of
   :mod:`mtfix.select.rank`), a guarded model candidate is applied only when its confidence,
   the probability that a post-editor prefers it to the MT, reaches the threshold (below it the
   decision is ``low-confidence`` and it stays a proposal); among those that do, the score
   above chooses, as without a ranker.
3. **Overlaps** between the chosen candidates of different sentences (a paragraph-level rules fix
   reaching into the next sentence) are resolved by confidence: higher-confidence candidates
   first, a later candidate is dropped whole if any of its edits overlaps an accepted one.

Every candidate's fate is kept as a :class:`Decision` (``mtfix clean --explain``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from mtfix.core import (
    ByPosition,
    Candidate,
    Document,
    Edit,
    Flag,
    OverlappingEditsError,
    Span,
    check_disjoint,
)
from mtfix.diff import tokens
from mtfix.lexicon import regional_variant
from mtfix.select.guard import DEFAULT_POLICY, Policy, guard, licences_used
from mtfix.select.rank import Ranker


@dataclass(frozen=True)
class Decision:
    """What the selector did with one candidate: ``rule`` names why it was not applied (a guard
    rule, ``regional-variant``, ``outscored`` or ``overlap``); empty when it was. ``licences``
    names the flag licences (:mod:`mtfix.select.licences`) that let its changes past the guard's
    word-level rules."""

    candidate: Candidate
    accepted: bool
    rule: str = ""
    reason: str = ""
    licences: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        c = self.candidate
        return {
            "sentence": [c.sentence.start, c.sentence.end],
            "origin": c.origin,
            "score": round(c.score, 4),
            "edits": [e.to_dict() for e in c.edits],
            "accepted": self.accepted,
            "rule": self.rule,
            "reason": self.reason,
            "licences": list(self.licences),
        }


@dataclass(frozen=True)
class Selection:
    edits: tuple[Edit, ...]
    decisions: tuple[Decision, ...]


def select(
    doc: Document,
    candidates: Sequence[Candidate],
    flags: Sequence[Flag],
    policy: Policy = DEFAULT_POLICY,
    ranker: Ranker | None = None,
) -> Selection:
    """Non-overlapping edits chosen from ``candidates``; see the module docstring for the rule
    (``ranker``: whose confidence and threshold gate the model's candidates, if it has one)."""
    threshold = ranker.threshold if ranker is not None else None
    decisions: dict[int, Decision] = {}
    by_sentence: dict[Span, list[tuple[int, Candidate]]] = defaultdict(list)
    for n, cand in enumerate(candidates):
        kept = tuple(
            e for e in cand.edits if not regional_variant(e.span.of(doc.text), e.replacement)
        )
        dropped = ("regional-variant", "only respells US/UK")
        if cand.origin == "rules" and kept:
            safe = tuple(e for e in kept if not doc.touches_protected(e.span))
            if not safe:
                dropped = ("protected", "changes an inline tag or placeholder")
            kept = safe
        if kept:
            by_sentence[cand.sentence].append((n, replace(cand, edits=kept)))
        elif cand.edits:
            decisions[n] = Decision(cand, False, *dropped)

    chosen: list[tuple[int, Candidate]] = []
    used: dict[int, tuple[str, ...]] = {}
    flag_index = ByPosition(flags, lambda f: f.span)
    for sentence, cands in by_sentence.items():
        local_flags = flag_index.touching(sentence)
        best: tuple[int, Candidate] | None = None
        best_score = 0.0
        scores: dict[int, float] = {}
        rules_edits: tuple[Edit, ...] = ()
        for n, cand in cands:
            if cand.origin == "rules":
                score = candidate_score(doc, cand, local_flags, policy)
                scores[n] = score
                rules_edits += cand.edits
                if best is None or score > best_score:
                    best, best_score = (n, cand), score
        # A model candidate that repairs other flags than the rules fix and leaves its edits
        # alone keeps them (_with_rules): choosing it gives up nothing, so it need only beat the
        # original. One that works on the same flags or words must beat the rules candidate.
        rules_spans = [e.span for e in rules_edits]
        rules_spans += [f.span for f in local_flags if any(e.touches(f.span) for e in rules_spans)]
        best_model: tuple[int, Candidate] | None = None
        best_model_score = 0.0
        for n, cand in cands:
            if cand.origin == "rules":
                continue
            used[n] = licences_used(doc, cand, local_flags, policy)
            if (rejected := guard(doc, cand, local_flags, policy)) is not None:
                decisions[n] = Decision(cand, False, rejected.rule, rejected.reason, used[n])
                continue
            score = candidate_score(doc, cand, local_flags, policy)
            if ranker is not None and threshold is not None:
                # The threshold says whether a candidate is safe to apply; among the safe ones
                # the score chooses, as without a ranker (on held-out lines choosing by
                # confidence instead lost fixes of the synthetic passages).
                sure = ranker.confidence(doc, cand, local_flags, score)
                if sure < threshold:
                    why = f"confidence {sure:.2f}, below the threshold {threshold:.2f}"
                    decisions[n] = Decision(cand, False, "low-confidence", why, used[n])
                    continue
            scores[n] = score
            beats = score > best_score or not _near_any(cand.edits, rules_spans)
            if beats and score > best_model_score:
                best_model, best_model_score = (n, cand), score
        if best_model is not None:
            best, best_score = best_model, best_model_score
        for n, cand in cands:
            if n in scores and (best is None or n != best[0]):
                why = f"scored {scores[n]:.2f}, the sentence's best {best_score:.2f}"
                decisions[n] = Decision(cand, False, "outscored", why, used.get(n, ()))
        if best is not None and best[1].origin != "rules":
            # A model candidate wins its sentence, but the rules' fixes elsewhere in it stand.
            best = (best[0], _with_rules(best[1], [c for _, c in cands]))
        if best is not None:
            chosen.append(best)

    accepted = _Accepted()
    for n, cand in sorted(chosen, key=lambda nc: _confidence(nc[1]), reverse=True):
        if not accepted.fits(cand.edits):
            why = "overlaps a surer sentence's edits"
            decisions[n] = Decision(cand, False, "overlap", why, used.get(n, ()))
            continue
        accepted.add(cand.edits)
        decisions[n] = Decision(cand, True, licences=used.get(n, ()))
    return Selection(tuple(accepted.edits), tuple(decisions[n] for n in sorted(decisions)))


class _Accepted:
    """The edits accepted so far, kept sorted and disjoint: a new candidate's edits are tested
    against their neighbours only, not re-sorted with all of them."""

    def __init__(self) -> None:
        self.edits: list[Edit] = []
        self._keys: list[tuple[int, int]] = []

    def fits(self, edits: Sequence[Edit]) -> bool:
        try:
            check_disjoint(edits)
            for edit in edits:
                i = bisect_left(self._keys, (edit.span.start, edit.span.end))
                # Disjoint and sorted: only the edits either side of the insertion point can clash.
                for neighbour in self.edits[max(i - 1, 0) : i + 1]:
                    check_disjoint((neighbour, edit))
        except OverlappingEditsError:
            return False
        return True

    def add(self, edits: Sequence[Edit]) -> None:
        for edit in edits:
            key = (edit.span.start, edit.span.end)
            i = bisect_right(self._keys, key)
            self._keys.insert(i, key)
            self.edits.insert(i, edit)


def candidate_score(
    doc: Document, cand: Candidate, flags: Sequence[Flag], policy: Policy = DEFAULT_POLICY
) -> float:
    """The score of step 2 (module docstring); ``flags`` are the sentence's."""
    addressed = sum(any(e.span.touches(f.span) for e in cand.edits) for f in flags)
    changed = sum(len(tokens(e.span.of(doc.text))) + len(tokens(e.replacement)) for e in cand.edits)
    return addressed + cand.score - policy.size_cost * changed


def _near_any(edits: Sequence[Edit], spans: Sequence[Span]) -> bool:
    """Whether an edit shares a character with one of ``spans`` or abuts it: two deletions side
    by side would remove what each meant to keep."""
    return any(e.span.start <= s.end and s.start <= e.span.end for e in edits for s in spans)


def _with_rules(cand: Candidate, cands: Sequence[Candidate]) -> Candidate:
    extra = [
        e
        for rules in cands
        if rules.origin == "rules"
        for e in rules.edits
        if not any(e.span.overlaps(m.span) or e.span.touches(m.span) for m in cand.edits)
    ]
    return replace(cand, edits=tuple(sorted((*cand.edits, *extra), key=lambda e: e.span)))


def _confidence(cand: Candidate) -> float:
    return min((e.confidence for e in cand.edits), default=0.0)
