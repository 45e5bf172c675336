"""Ranked proposals: every candidate for a flagged sentence, as a reviewer chooses among them.

The selector decides what ``clean`` applies on its own; a :class:`Proposal` is what a person sees
instead: the rules fix, each of the model's rewrites (its K beams and its verdicts on detector
suggestions) and each detector suggestion applied alone (:mod:`mtfix.rewrite.suggestions`),
whether the selector applied it, and if not, the rule that kept it out (a guard rule,
``outscored``, ``overlap``). A candidate that cannot be proposed at all is left out: one that only
respells US/UK English, or changes an inline tag or placeholder.

All proposals for one sentence replace the same stretch (``span``): the sentence, widened over
every edit proposed for it, and merged with a neighbour's stretch where they overlap, so a
reviewer's choices never collide and each proposal's ``text`` can stand in for that stretch.
Within a stretch they are ranked by :mod:`mtfix.select.rank` (the applied one first), duplicates
of a better-ranked text dropped, at most ``limit`` kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from mtfix.core import ByPosition, Candidate, Document, Edit, Flag, Span, apply_within
from mtfix.lexicon import regional_variant
from mtfix.select import Decision, candidate_score
from mtfix.select.guard import DEFAULT_POLICY, Policy
from mtfix.select.rank import DEFAULT_RANKER, Ranker

MAX_PROPOSALS = 5
# Decisions whose candidate must not reach a person: it fixes nothing, or it breaks markup.
UNPROPOSABLE = frozenset({"regional-variant", "protected"})


@dataclass(frozen=True)
class Proposal:
    """One way to rewrite a flagged sentence, for a person to accept or reject."""

    sentence: Span
    # What it replaces (shared by every proposal for the sentence) and its text afterwards.
    span: Span
    text: str
    edits: tuple[Edit, ...]
    origin: str
    # The selector's score (mtfix.select.candidate_score) and the ranker's confidence.
    score: float
    confidence: float
    # The rules of the flags its edits address: what licenses the change.
    licensed_by: tuple[str, ...] = ()
    applied: bool = False
    # Why the selector did not apply it; empty when it did, or when it was never put to the
    # selector (a plain suggestion).
    rejected_by: str = ""
    reason: str = ""
    # 1 for the best-ranked proposal of its stretch.
    rank: int = 0

    def edit_for(self, span: Span, text: str) -> Edit | None:
        """This proposal's change to ``span`` (a flag's) as one edit of ``text``: its edits that
        touch the span, over the span widened to cover them; None when none touches it."""
        region: Span | None = None
        chosen: list[Edit] = []
        grown = True
        while grown:
            grown = False
            for edit in self.edits:
                if edit not in chosen and edit.span.touches(region or span):
                    chosen.append(edit)
                    base = region or span
                    region = Span(min(base.start, edit.span.start), max(base.end, edit.span.end))
                    grown = True
        if region is None:
            return None
        rule = ",".join(self.licensed_by)
        return Edit(region, apply_within(text, region, chosen), self.origin, self.confidence, rule)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.span.start,
            "end": self.span.end,
            "sentence": [self.sentence.start, self.sentence.end],
            "rank": self.rank,
            "text": self.text,
            "edits": [e.to_dict() for e in self.edits],
            "origin": self.origin,
            "score": round(self.score, 4),
            "confidence": round(self.confidence, 4),
            "licensed_by": list(self.licensed_by),
            "applied": self.applied,
            "rejected_by": self.rejected_by,
            "reason": self.reason,
        }


def rank_proposals(
    doc: Document,
    flags: Sequence[Flag],
    decisions: Sequence[Decision],
    suggestions: Sequence[Candidate] = (),
    *,
    policy: Policy = DEFAULT_POLICY,
    ranker: Ranker = DEFAULT_RANKER,
    limit: int = MAX_PROPOSALS,
) -> tuple[Proposal, ...]:
    """The ranked proposals for every sentence that has a flag or an applied candidate, from the
    selector's ``decisions`` and the detector ``suggestions``; ordered by position, then rank."""
    entries: list[tuple[Candidate, Decision | None]] = [
        (d.candidate, d) for d in decisions if d.rule not in UNPROPOSABLE and d.candidate.edits
    ]
    entries += [
        (c, None)
        for c in suggestions
        if c.edits
        and not any(regional_variant(e.span.of(doc.text), e.replacement) for e in c.edits)
    ]
    stretch = _stretches(doc, entries)
    flag_index = ByPosition(flags, lambda f: f.span)
    by_stretch: dict[Span, list[Proposal]] = defaultdict(list)
    for cand, decision in entries:
        span = stretch[cand.sentence]
        text = apply_within(doc.text, span, cand.edits)
        if text == span.of(doc.text):
            continue
        local = flag_index.touching(cand.sentence)
        score = candidate_score(doc, cand, local, policy)
        licensed = (f.rule for f in local if any(e.span.touches(f.span) for e in cand.edits))
        by_stretch[span].append(
            Proposal(
                sentence=cand.sentence,
                span=span,
                text=text,
                edits=cand.edits,
                origin=cand.origin,
                score=score,
                confidence=ranker.confidence(doc, cand, local, score),
                licensed_by=tuple(dict.fromkeys(licensed)),
                applied=decision is not None and decision.accepted,
                rejected_by=decision.rule if decision is not None else "",
                reason=decision.reason if decision is not None else "",
            )
        )
    out: list[Proposal] = []
    for span in sorted(by_stretch):
        found = by_stretch[span]
        if not (any(p.applied for p in found) or flag_index.any_touching(span)):
            continue
        seen: set[str] = set()
        for proposal in ranker.rank(found):
            if proposal.text in seen or len(seen) == limit:
                continue
            seen.add(proposal.text)
            out.append(replace(proposal, rank=len(seen)))
    return tuple(out)


def _stretches(
    doc: Document, entries: Sequence[tuple[Candidate, Decision | None]]
) -> dict[Span, Span]:
    """Each sentence's stretch: the sentence widened over its candidates' edits, overlapping
    stretches merged."""
    wide: dict[Span, Span] = {}
    for cand, _ in entries:
        base, reach = wide.get(cand.sentence, cand.sentence), cand.reach
        wide[cand.sentence] = Span(min(base.start, reach.start), max(base.end, reach.end))
    merged: list[tuple[Span, list[Span]]] = []
    for sentence, span in sorted(wide.items(), key=lambda kv: kv[1]):
        if merged and span.start < merged[-1][0].end:
            last, members = merged[-1]
            merged[-1] = (Span(last.start, max(last.end, span.end)), [*members, sentence])
        else:
            merged.append((span, [sentence]))
    return {sentence: span for span, members in merged for sentence in members}
