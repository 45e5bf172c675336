"""Detector suggestions as candidates: each suggestion of a flag, applied alone to its sentence.

These are alternatives for a person, not fixes: they never reach the selector (the rules rewriter
already turns a detector's confident first suggestion into its candidate, and the model rewriter
judges LanguageTool's plausible ones), so ``clean``'s output does not depend on them. They join
the model's rewrites and the rules fix among a sentence's ranked proposals
(:mod:`mtfix.select.proposals`): LanguageTool's second spelling suggestion is often the word.
"""

from __future__ import annotations

from collections.abc import Sequence

from mtfix.core import Candidate, Document, Target
from mtfix.rewrite.rules import flag_edit

ORIGIN = "suggestion"
# LanguageTool lists up to 25 spellings; past the first few they are rarely the word meant.
MAX_PER_FLAG = 3


def suggestion_candidates(
    doc: Document, targets: Sequence[Target], per_flag: int = MAX_PER_FLAG
) -> list[Candidate]:
    """One candidate per suggestion (the first ``per_flag`` of each flag) that changes the text
    and keeps clear of inline tags and placeholders."""
    candidates = []
    for sentence, flags in targets:
        for flag in flags:
            for suggestion in flag.suggestions[:per_flag]:
                edit = flag_edit(doc.text, flag, origin=ORIGIN, replacement=suggestion)
                if edit.replacement == edit.span.of(doc.text) or doc.touches_protected(edit.span):
                    continue
                candidates.append(Candidate(sentence, (edit,), ORIGIN))
    return candidates
