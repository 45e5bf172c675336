"""The rules rewriter: turns confident detector suggestions into one candidate per sentence.

A flag is fixed automatically only when its detector said its first suggestion is safe
(``Flag.confidence >= threshold``); every other flag stays a suggestion for a human. When two
safe fixes overlap (a spelling fix inside a fragment that is deleted whole) the more confident,
then the wider, wins.
"""

from __future__ import annotations

from collections.abc import Sequence

from mtfix.core import Candidate, Document, Edit, Flag, Span, Target
from mtfix.rewrite import RewriterSettings

AUTO_FIX_THRESHOLD = 0.85
_BLANKS = " \t"


def _deletion_span(text: str, span: Span) -> Span:
    """Widen a deletion over one side's spaces, so no double space or leading space is left."""
    start, end = span.start, span.end
    after = text[end] if end < len(text) else "\n"
    before = text[start - 1] if start > 0 else "\n"
    if before in _BLANKS and (after in _BLANKS + "\n" or not after.isalnum()):
        while start > 0 and text[start - 1] in _BLANKS:
            start -= 1
    elif before == "\n" and after in _BLANKS:
        while end < len(text) and text[end] in _BLANKS:
            end += 1
    return Span(start, end)


def flag_edit(text: str, flag: Flag, origin: str = "rules", replacement: str | None = None) -> Edit:
    """The edit that applies ``replacement`` (default: the flag's first suggestion) to a flag."""
    replacement = flag.suggestions[0] if replacement is None else replacement
    span = _deletion_span(text, flag.span) if replacement == "" else flag.span
    return Edit(span, replacement, origin=origin, confidence=flag.confidence, rule=flag.rule)


class RuleRewriter:
    name = "rules"

    def __init__(
        self, settings: RewriterSettings | None = None, *, threshold: float = AUTO_FIX_THRESHOLD
    ) -> None:
        self.threshold = threshold

    def propose(self, doc: Document, targets: Sequence[Target]) -> list[Candidate]:
        candidates = []
        for sentence, flags in targets:
            safe = [f for f in flags if f.suggestions and f.confidence >= self.threshold]
            edits: list[Edit] = []
            for flag in sorted(safe, key=lambda f: (-f.confidence, -len(f.span), f.span.start)):
                edit = flag_edit(doc.text, flag)
                if not any(edit.span.overlaps(e.span) or edit.span == e.span for e in edits):
                    edits.append(edit)
            if edits:
                edits.sort(key=lambda e: e.span)
                candidates.append(Candidate(sentence, tuple(edits), origin=self.name))
        return candidates
